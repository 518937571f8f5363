-- Team sync, the local side (see ARCHITECTURE.md "Team sync").
--   sync_client:   one row while this data folder is a seat of a team: who we are on the team
--                  server, the hybrid logical clock, the pull cursor and the last outcome. The
--                  seat's password is in the OS keychain, never here.
--   sync_outbox:   one row per local change to a synced row, written by triggers in the same
--                  transaction as the change (the triggers exist only while a team is set up and
--                  are rebuilt from the live columns at every start). mutation_id only grows.
--   sync_refusals: changes the team did not take (conflict or rejected), kept to be shown and
--                  resolved ("keep mine" / "take theirs"); never dropped silently.
CREATE TABLE sync_client (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    client_id       TEXT NOT NULL,
    team_id         TEXT NOT NULL,
    team_name       TEXT NOT NULL,
    host            TEXT NOT NULL,
    port            INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    database        TEXT NOT NULL,
    db_role         TEXT NOT NULL,
    seat_role       TEXT NOT NULL CHECK (seat_role IN ('owner', 'manager', 'viewer')),
    seat_name       TEXT NOT NULL,
    ca_file         TEXT,
    applying        INTEGER NOT NULL DEFAULT 0 CHECK (applying IN (0, 1)),
    hlc             INTEGER NOT NULL DEFAULT 0,
    pulled_seq      INTEGER NOT NULL DEFAULT 0,
    head_seq        INTEGER NOT NULL DEFAULT 0,
    last_push_at    TEXT,
    last_pull_at    TEXT,
    offline_since   TEXT,
    last_error      TEXT,
    joined_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE sync_outbox (
    mutation_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    op            TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    data          TEXT,           -- JSON object: the row's synced columns after the change
    base_version  INTEGER,        -- compare-and-set tables: the version the edit started from
    fields        TEXT,           -- JSON array of the columns an update touched (NULL = all)
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE sync_refusals (
    id            TEXT PRIMARY KEY NOT NULL,
    mutation_id   INTEGER NOT NULL,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('conflict', 'rejected')),
    reason        TEXT NOT NULL,
    mine          TEXT,           -- JSON: what this seat wanted
    theirs        TEXT,           -- JSON: the team's row at the time
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    resolved_at   TEXT,
    resolution    TEXT CHECK (resolution IN ('kept_mine', 'took_theirs', 'dismissed'))
);
CREATE INDEX idx_sync_refusals_open ON sync_refusals (tbl, row_id) WHERE resolved_at IS NULL;

-- Pulled rows that could not be applied here yet, usually because a row they reference comes
-- later in the feed (the feed carries each row at its latest change, so a run finished after its
-- decisions comes after them). Retried after every pull until they apply; shown in sync status.
CREATE TABLE sync_apply_errors (
    tbl     TEXT NOT NULL,
    row_id  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    row     TEXT NOT NULL,   -- JSON: the team row
    error   TEXT NOT NULL,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (tbl, row_id)
);

-- Whether this seat runs the store's jobs (imports, competitor checks, optimization, apply). A
-- store that arrives from the team was connected on another seat: it is shown and can be worked
-- on (rules, approvals), but its jobs run there, where its Salla grant is.
ALTER TABLE stores ADD COLUMN runs_here INTEGER NOT NULL DEFAULT 1 CHECK (runs_here IN (0, 1));
