-- Team sync: the shared PostgreSQL schema (forward-only; embedded by spo-sync, run by `spo team
-- create` with the admin connection, which is used for that command only and never stored).
--
-- Security model (see ARCHITECTURE.md "Team sync"):
--   * Seats log in with their own LOGIN role, a member of `spo_seat` only. `spo_seat` has USAGE on
--     schema `api` and EXECUTE on its functions, and nothing else: no table privilege anywhere.
--   * Data lives in schema `spo`, owned by the NOLOGIN `spo_owner` (not superuser, no BYPASSRLS).
--     Every table has ENABLE and FORCE ROW LEVEL SECURITY with USING + WITH CHECK policies that
--     compare `team_id` with `spo.my_team()`: the team of the seats row whose db_role is
--     `session_user`. session_user cannot be changed by a non-superuser (SET ROLE and SECURITY
--     DEFINER change current_user only), and no setting is consulted, so a seat cannot pose as
--     another team.
--   * `spo.my_team()` reads `spo.seats` as `spo_auth`, whose only policy on seats is a plain read;
--     the seats policy for `spo_owner` calls my_team(), which would recurse if my_team() ran as
--     spo_owner.
--   * `spo_admin` (NOLOGIN, CREATEROLE) owns only the functions that create, re-key and disable
--     seat roles; each checks the caller's seat and role first.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'spo_owner') THEN
        CREATE ROLE spo_owner NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'spo_auth') THEN
        CREATE ROLE spo_auth NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'spo_admin') THEN
        CREATE ROLE spo_admin NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB CREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'spo_seat') THEN
        CREATE ROLE spo_seat NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$roles$;

-- The admin running this must be able to hand objects to these roles (needed when it is not a
-- superuser, as on managed servers); spo_admin must be able to make new roles members of spo_seat.
GRANT spo_owner, spo_auth, spo_admin TO CURRENT_USER;
GRANT spo_seat TO spo_admin WITH ADMIN OPTION;

CREATE SCHEMA spo AUTHORIZATION spo_owner;
CREATE SCHEMA api AUTHORIZATION spo_owner;
REVOKE ALL ON SCHEMA spo FROM PUBLIC;
REVOKE ALL ON SCHEMA api FROM PUBLIC;
GRANT USAGE ON SCHEMA spo TO spo_auth, spo_admin;
GRANT USAGE ON SCHEMA api TO spo_seat, spo_admin;

SET LOCAL ROLE spo_owner;

CREATE TABLE spo.teams (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The per-team change counter: bumped once per applied mutation while the push holds this
    -- row's lock, so change numbers are handed out in commit order.
    version     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE spo.seats (
    db_role     name PRIMARY KEY,
    team_id     uuid NOT NULL REFERENCES spo.teams (id),
    role        text NOT NULL CHECK (role IN ('owner', 'manager', 'viewer')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    invited_by  name,
    created_at  timestamptz NOT NULL DEFAULT now(),
    joined_at   timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX seats_team ON spo.seats (team_id);

-- One row per client (an install's data folder) that has pushed: the last mutation id applied,
-- so a replayed batch is recognised and skipped.
CREATE TABLE spo.clients (
    team_id           uuid NOT NULL REFERENCES spo.teams (id),
    client_id         uuid NOT NULL,
    db_role           name NOT NULL,
    last_mutation_id  bigint NOT NULL DEFAULT 0,
    last_push_at      timestamptz,
    PRIMARY KEY (team_id, client_id)
);

-- The team's synced rows: the latest state of each row of each synced table, as JSON, with the
-- change number (`seq`) of its last change. `api.pull(since)` returns rows with seq > since in seq
-- order: a change log compacted to each row's latest state.
CREATE TABLE spo.rows (
    team_id     uuid NOT NULL REFERENCES spo.teams (id),
    tbl         text NOT NULL,
    id          text NOT NULL,
    store_id    text,
    data        jsonb NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    hlc         text NOT NULL,
    -- Last-writer-wins tables: the HLC of each field's last write (per-field merge).
    field_hlc   jsonb,
    deleted     boolean NOT NULL DEFAULT false,
    seq         bigint NOT NULL,
    created_by  name NOT NULL,
    written_by  name NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, tbl, id)
);
CREATE UNIQUE INDEX rows_feed ON spo.rows (team_id, seq);
-- Compare-and-set of pricing rules works per rule target (store, scope, category, product).
CREATE INDEX rows_rule_slot ON spo.rows (team_id, store_id, (data ->> 'scope'), (data ->> 'category_id'),
    (data ->> 'product_id')) WHERE tbl = 'pricing_rules';

-- Mutations that were not applied (conflict or rejected), kept so a replay after a lost answer
-- gets the same answer instead of a bare "duplicate".
CREATE TABLE spo.refusals (
    team_id      uuid NOT NULL REFERENCES spo.teams (id),
    client_id    uuid NOT NULL,
    mutation_id  bigint NOT NULL,
    answer       jsonb NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, client_id, mutation_id)
);

-- Row-level security on every table: enabled and forced, USING + WITH CHECK.
ALTER TABLE spo.teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE spo.teams FORCE ROW LEVEL SECURITY;
ALTER TABLE spo.seats ENABLE ROW LEVEL SECURITY;
ALTER TABLE spo.seats FORCE ROW LEVEL SECURITY;
ALTER TABLE spo.clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE spo.clients FORCE ROW LEVEL SECURITY;
ALTER TABLE spo.rows ENABLE ROW LEVEL SECURITY;
ALTER TABLE spo.rows FORCE ROW LEVEL SECURITY;
ALTER TABLE spo.refusals ENABLE ROW LEVEL SECURITY;
ALTER TABLE spo.refusals FORCE ROW LEVEL SECURITY;

GRANT SELECT ON spo.seats TO spo_auth;
GRANT SELECT, INSERT, UPDATE ON spo.seats TO spo_admin;
GRANT SELECT ON spo.teams TO spo_admin;

-- The caller's team and role, from session_user. Runs as spo_auth (see the header).
CREATE FUNCTION spo.my_team() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT team_id FROM spo.seats WHERE db_role = session_user AND revoked_at IS NULL $$;
CREATE FUNCTION spo.my_role() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT role FROM spo.seats WHERE db_role = session_user AND revoked_at IS NULL $$;

RESET ROLE;
-- A new owner needs CREATE on the schema (unless the admin is a superuser): granted for the
-- hand-over only.
GRANT CREATE ON SCHEMA spo TO spo_auth;
ALTER FUNCTION spo.my_team() OWNER TO spo_auth;
ALTER FUNCTION spo.my_role() OWNER TO spo_auth;
REVOKE CREATE ON SCHEMA spo FROM spo_auth;
REVOKE ALL ON FUNCTION spo.my_team(), spo.my_role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION spo.my_team(), spo.my_role() TO spo_owner, spo_admin;
SET LOCAL ROLE spo_owner;

CREATE POLICY teams_of_my_team ON spo.teams TO spo_owner, spo_admin
    USING (id = (SELECT spo.my_team())) WITH CHECK (id = (SELECT spo.my_team()));
CREATE POLICY seats_lookup ON spo.seats FOR SELECT TO spo_auth USING (true);
CREATE POLICY seats_of_my_team ON spo.seats TO spo_owner, spo_admin
    USING (team_id = (SELECT spo.my_team())) WITH CHECK (team_id = (SELECT spo.my_team()));
CREATE POLICY clients_of_my_team ON spo.clients TO spo_owner
    USING (team_id = (SELECT spo.my_team())) WITH CHECK (team_id = (SELECT spo.my_team()));
CREATE POLICY rows_of_my_team ON spo.rows TO spo_owner
    USING (team_id = (SELECT spo.my_team())) WITH CHECK (team_id = (SELECT spo.my_team()));
CREATE POLICY refusals_of_my_team ON spo.refusals TO spo_owner
    USING (team_id = (SELECT spo.my_team())) WITH CHECK (team_id = (SELECT spo.my_team()));

-- ---------------------------------------------------------------------------------------------
-- api: the only surface seats can reach.

-- Who am I: team, role and seat, or no row when this login is not (or no longer) a seat.
CREATE FUNCTION api.whoami()
    RETURNS TABLE (team_id uuid, team_name text, role text, seat_name text, db_role name, head bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.id, t.name, s.role, s.name, s.db_role, t.version
    FROM spo.seats s JOIN spo.teams t ON t.id = s.team_id
    WHERE s.db_role = session_user AND s.revoked_at IS NULL
$$;

-- The team's seats (any role may list them).
CREATE FUNCTION api.members()
    RETURNS TABLE (db_role name, name text, role text, invited_by name, created_at timestamptz,
                   joined_at timestamptz, revoked_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT db_role, name, role, invited_by, created_at, joined_at, revoked_at
    FROM spo.seats ORDER BY created_at, db_role
$$;

-- The newest change number of the caller's team and this client's last applied mutation.
CREATE FUNCTION api.client_state(p_client uuid)
    RETURNS TABLE (head bigint, last_mutation_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.version,
           coalesce((SELECT c.last_mutation_id FROM spo.clients c
                     WHERE c.team_id = t.id AND c.client_id = p_client AND c.db_role = session_user), 0)
    FROM spo.teams t WHERE t.id = (SELECT spo.my_team())
$$;

-- Changes after `p_since`, in change-number order, at most `p_limit`.
CREATE FUNCTION api.pull(p_since bigint, p_limit integer)
    RETURNS TABLE (seq bigint, tbl text, id text, data jsonb, version bigint, hlc text, deleted boolean,
                   written_by name)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.seq, r.tbl, r.id, r.data, r.version, r.hlc, r.deleted, r.written_by
    FROM spo.rows r
    WHERE r.team_id = (SELECT spo.my_team()) AND r.seq > p_since
    ORDER BY r.seq
    LIMIT least(greatest(p_limit, 1), 10000)
$$;

-- Is a decision allowed to move from `a` to `b`? (The app's own state machine; see
-- crates/store/src/pricing.rs.)
CREATE FUNCTION spo.decision_move_ok(a text, b text) RETURNS boolean
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a = b OR (a, b) IN (
        ('proposed', 'approved'), ('proposed', 'rejected'), ('proposed', 'expired'),
        ('approved', 'applying'), ('approved', 'applied'), ('approved', 'expired'), ('approved', 'failed'),
        ('applying', 'applied'), ('applying', 'failed'),
        ('applied', 'rolled_back'))
$$;

-- Apply a batch of mutations from one client, in one transaction. Each mutation:
--   {"mid": n, "tbl": t, "id": i, "op": "upsert"|"delete", "data": {...}, "hlc": h,
--    "base_version": v | null}
-- Answers, in order: {"mid", "status": "applied"|"duplicate"|"conflict"|"rejected", "seq"?,
-- "version"?, "reason"?, "current"?: the server's row when not applied}.
CREATE FUNCTION api.push(p_client uuid, p_mutations jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me        spo.seats;
    cl        spo.clients;
    m         jsonb;
    mid       bigint;
    v_tbl     text;
    v_id      text;
    v_op      text;
    v_data    jsonb;
    v_hlc     text;
    v_store   text;
    cur       spo.rows;
    store_row spo.rows;
    answer    jsonb;
    answers   jsonb[] := '{}';
    new_seq   bigint;
    team_ver  bigint;
    first_ver bigint;
    kk        bigint;
    n         integer;
    prev_mid  bigint := 0;
    fast_ks   bigint[] := '{}';
    w_ks      bigint[];
    w_vers    bigint[];
    is_fast   boolean[];
    i         integer;
    applied   boolean := false;
    new_ver   bigint;
    slot_ver  bigint;
    live      spo.rows;
    f         text;
    merged    jsonb;
    fh        jsonb;
    won       boolean;
    v_fh      jsonb;
BEGIN
    SELECT s.* INTO me FROM spo.seats s WHERE s.db_role = session_user AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this login is not a seat of any team (it may have been revoked)'
            USING ERRCODE = '42501';
    END IF;
    IF jsonb_typeof(p_mutations) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'mutations must be a JSON array' USING ERRCODE = '22023';
    END IF;
    -- Serialise this team's pushes: change numbers are then handed out in commit order. The
    -- counter is written back once at the end (updating one row per change would build a chain
    -- of row versions that every later update in the transaction walks).
    SELECT t.version INTO team_ver FROM spo.teams t WHERE t.id = me.team_id FOR UPDATE;
    first_ver := team_ver;

    INSERT INTO spo.clients (team_id, client_id, db_role) VALUES (me.team_id, p_client, session_user)
        ON CONFLICT (team_id, client_id) DO NOTHING;
    SELECT c.* INTO cl FROM spo.clients c WHERE c.team_id = me.team_id AND c.client_id = p_client FOR UPDATE;
    IF cl.db_role <> session_user THEN
        RAISE EXCEPTION 'this client id belongs to another seat' USING ERRCODE = '42501';
    END IF;

    n := jsonb_array_length(p_mutations);
    -- Mutation ids are positive and increase within the batch (replays are recognised by them).
    SELECT count(*) FILTER (WHERE x.mid IS NULL OR x.mid <= coalesce(x.prev, 0)), coalesce(max(x.mid), 0)
      INTO i, prev_mid
      FROM (SELECT (e.value ->> 'mid')::bigint AS mid,
                   lag((e.value ->> 'mid')::bigint) OVER (ORDER BY e.ordinality) AS prev
            FROM jsonb_array_elements(p_mutations) WITH ORDINALITY e) x;
    IF i > 0 THEN
        RAISE EXCEPTION 'every mutation needs a positive "mid", increasing within the batch' USING ERRCODE = '22023';
    END IF;
    answers := array_fill(NULL::jsonb, ARRAY[greatest(n, 1)]);
    -- Change kk of the batch gets change number first_ver + kk whichever path applies it, so the
    -- feed keeps the batch's order (numbers of refused changes are simply not used).
    --
    -- Fast path: catalogue rows (categories, products, variants) that no other change of this
    -- batch touches are checked and written in one statement below, after the other changes
    -- (a store added by this batch is then in place).
    IF me.role <> 'viewer' THEN
        SELECT coalesce(array_agg(i.k), '{}') INTO fast_ks
        FROM (SELECT e.ordinality AS k, (e.value ->> 'mid')::bigint AS mid, e.value ->> 'tbl' AS tbl,
                     e.value ->> 'id' AS id, e.value -> 'data' AS data, coalesce(e.value ->> 'op', 'upsert') AS op,
                     count(*) OVER (PARTITION BY e.value ->> 'tbl', e.value ->> 'id') AS touches
              FROM jsonb_array_elements(p_mutations) WITH ORDINALITY e) i
        WHERE i.mid > cl.last_mutation_id AND i.op = 'upsert' AND i.tbl IN ('categories', 'products', 'variants')
          AND jsonb_typeof(i.data) = 'object' AND i.id IS NOT NULL AND i.data ->> 'store_id' IS NOT NULL
          AND i.touches = 1;
    END IF;
    is_fast := array_fill(false, ARRAY[greatest(n, 1)]);
    FOREACH kk IN ARRAY fast_ks LOOP
        is_fast[kk] := true;
    END LOOP;

    FOR m, kk IN SELECT e.value, e.ordinality FROM jsonb_array_elements(p_mutations) WITH ORDINALITY e
                 WHERE NOT is_fast[e.ordinality] LOOP
        mid := (m ->> 'mid')::bigint;
        IF mid <= cl.last_mutation_id THEN
            SELECT r.answer INTO answer FROM spo.refusals r
                WHERE r.team_id = me.team_id AND r.client_id = p_client AND r.mutation_id = mid;
            answers[kk] := coalesce(answer, jsonb_build_object('mid', mid, 'status', 'duplicate'));
            CONTINUE;
        END IF;
        v_tbl := m ->> 'tbl';
        v_id := m ->> 'id';
        v_op := coalesce(m ->> 'op', 'upsert');
        v_data := m -> 'data';
        v_hlc := coalesce(m ->> 'hlc', '');
        v_store := CASE WHEN v_tbl = 'stores' THEN v_id ELSE v_data ->> 'store_id' END;
        answer := NULL;
        v_fh := NULL;
        SELECT r.* INTO cur FROM spo.rows r WHERE r.team_id = me.team_id AND r.tbl = v_tbl AND r.id = v_id FOR UPDATE;

        IF v_id IS NULL OR v_op NOT IN ('upsert', 'delete') OR (v_op = 'upsert' AND jsonb_typeof(v_data) IS DISTINCT FROM 'object') THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'malformed mutation');
        ELSIF v_tbl NOT IN ('stores', 'categories', 'products', 'variants', 'competitor_listings',
                            'price_observations', 'pricing_rules', 'optimization_runs', 'decisions',
                            'audit_log', 'settings') THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', format('%s is not a synced table', v_tbl));
        ELSIF me.role = 'viewer' THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'viewer seats cannot change team data');
        ELSIF v_tbl NOT IN ('stores', 'settings') AND v_store IS NULL THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', format('a %s row needs its store', v_tbl));
        ELSIF v_tbl <> 'stores' AND v_store IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = 'stores' AND r.id = v_store AND NOT r.deleted) THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'that store is not part of this team');
        ELSIF cur.deleted THEN
            -- A delete wins: nothing brings a deleted row back.
            answer := jsonb_build_object('status', 'conflict', 'reason', 'deleted by another seat');
        ELSIF v_tbl IN ('categories', 'products', 'variants', 'price_observations') THEN
            -- Catalogue and observations: only the seat that connected the store writes them.
            SELECT r.* INTO store_row FROM spo.rows r WHERE r.team_id = me.team_id AND r.tbl = 'stores' AND r.id = v_store;
            IF store_row.id IS NULL OR store_row.created_by <> session_user THEN
                answer := jsonb_build_object('status', 'rejected',
                    'reason', 'only the seat that runs this store''s jobs writes its catalogue and observations');
            ELSIF v_tbl = 'price_observations' AND cur.id IS NOT NULL THEN
                answer := jsonb_build_object('status', 'rejected', 'reason', 'observations are append-only');
            END IF;
        ELSIF v_tbl IN ('audit_log') AND cur.id IS NOT NULL THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'the audit log is append-only');
        ELSIF v_tbl = 'optimization_runs' AND cur.id IS NOT NULL AND cur.created_by <> session_user THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'a run is written only by the seat that ran it');
        ELSIF v_tbl = 'decisions' AND cur.id IS NOT NULL AND v_op = 'upsert'
              AND NOT spo.decision_move_ok(cur.data ->> 'status', v_data ->> 'status') THEN
            answer := jsonb_build_object('status', 'conflict',
                'reason', format('the decision is %s on the team; it cannot become %s', cur.data ->> 'status', v_data ->> 'status'));
        ELSIF v_tbl = 'pricing_rules' AND v_op = 'upsert' THEN
            -- Compare-and-set per rule target (store, scope, category, product): the app replaces
            -- a rule by retiring its row and adding a row with the next version, so a new row must
            -- carry exactly the team's newest version + 1, and a retired row stays retired.
            IF cur.id IS NOT NULL THEN
                IF cur.data ->> 'deleted_at' IS NOT NULL THEN
                    answer := jsonb_build_object('status', 'conflict', 'reason', 'the rule was already replaced on the team');
                END IF;
            ELSE
                SELECT max((r.data ->> 'version')::bigint) INTO slot_ver FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = 'pricing_rules' AND r.store_id = v_store
                  AND (r.data ->> 'scope') IS NOT DISTINCT FROM (v_data ->> 'scope')
                  AND (r.data ->> 'category_id') IS NOT DISTINCT FROM (v_data ->> 'category_id')
                  AND (r.data ->> 'product_id') IS NOT DISTINCT FROM (v_data ->> 'product_id');
                SELECT r.* INTO live FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = 'pricing_rules' AND r.store_id = v_store
                  AND (r.data ->> 'scope') IS NOT DISTINCT FROM (v_data ->> 'scope')
                  AND (r.data ->> 'category_id') IS NOT DISTINCT FROM (v_data ->> 'category_id')
                  AND (r.data ->> 'product_id') IS NOT DISTINCT FROM (v_data ->> 'product_id')
                  AND r.data ->> 'deleted_at' IS NULL AND NOT r.deleted
                LIMIT 1;
                -- The new version must follow the team's newest one, and the rule it replaces must
                -- have been retired on the team (by this same edit, pushed just before it). A row
                -- that arrives already retired follows the same rule: it is either history from a
                -- first upload (in version order, nothing live) or an edit of a refused edit.
                IF coalesce((v_data ->> 'version')::bigint, 1) <> coalesce(slot_ver, 0) + 1 OR live.id IS NOT NULL THEN
                    SELECT r.* INTO live FROM spo.rows r
                    WHERE r.team_id = me.team_id AND r.tbl = 'pricing_rules' AND r.store_id = v_store
                      AND (r.data ->> 'scope') IS NOT DISTINCT FROM (v_data ->> 'scope')
                      AND (r.data ->> 'category_id') IS NOT DISTINCT FROM (v_data ->> 'category_id')
                      AND (r.data ->> 'product_id') IS NOT DISTINCT FROM (v_data ->> 'product_id')
                    ORDER BY (r.data ->> 'version')::bigint DESC LIMIT 1;
                    answer := jsonb_build_object('status', 'conflict', 'reason', 'the rule was changed by another seat',
                        'current', to_jsonb(live) - 'team_id');
                END IF;
            END IF;
        ELSIF v_tbl IN ('settings', 'competitor_listings', 'stores') AND cur.id IS NOT NULL AND v_op = 'upsert' THEN
            -- Per-field last writer wins by hybrid logical clock (the device id in the clock text
            -- breaks ties; compared byte-wise). Only the fields the change touched take part.
            merged := cur.data;
            fh := coalesce(cur.field_hlc, '{}'::jsonb);
            won := false;
            FOR f IN SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(m -> 'fields') = 'array' THEN m -> 'fields'
                     ELSE (SELECT coalesce(jsonb_agg(k), '[]'::jsonb) FROM jsonb_object_keys(v_data) k) END) LOOP
                IF v_data ? f AND (coalesce(fh ->> f, '') COLLATE "C") < (v_hlc COLLATE "C") THEN
                    merged := jsonb_set(merged, ARRAY[f], v_data -> f);
                    fh := jsonb_set(fh, ARRAY[f], to_jsonb(v_hlc));
                    won := true;
                END IF;
            END LOOP;
            IF won THEN
                v_data := merged;
                v_fh := fh;
            ELSE
                answer := jsonb_build_object('status', 'conflict', 'reason', 'a later change from another seat wins');
            END IF;
        END IF;
        IF v_tbl = 'stores' AND me.role <> 'owner' AND cur.id IS NULL AND answer IS NULL THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'only an owner adds stores to the team');
        END IF;

        IF answer IS NULL THEN
            new_seq := first_ver + kk;
            new_ver := CASE
                WHEN cur.id IS NULL THEN coalesce((v_data ->> 'version')::bigint, 1)
                ELSE cur.version + 1 END;
            IF v_op = 'delete' THEN
                INSERT INTO spo.rows AS r (team_id, tbl, id, store_id, data, version, hlc, deleted, seq, created_by, written_by)
                VALUES (me.team_id, v_tbl, v_id, v_store, coalesce(cur.data, '{}'::jsonb), new_ver, v_hlc, true, new_seq, session_user, session_user)
                ON CONFLICT (team_id, tbl, id) DO UPDATE
                    SET deleted = true, version = new_ver, hlc = v_hlc, seq = new_seq, written_by = session_user, written_at = now();
            ELSE
                IF v_tbl IN ('settings', 'competitor_listings', 'stores') AND v_fh IS NULL THEN
                    SELECT jsonb_object_agg(k, v_hlc) INTO v_fh FROM jsonb_object_keys(v_data) k;
                END IF;
                INSERT INTO spo.rows AS r (team_id, tbl, id, store_id, data, version, hlc, field_hlc, deleted, seq, created_by, written_by)
                VALUES (me.team_id, v_tbl, v_id, v_store, v_data, new_ver, v_hlc, v_fh, false, new_seq, session_user, session_user)
                ON CONFLICT (team_id, tbl, id) DO UPDATE
                    SET data = v_data, version = new_ver, hlc = v_hlc, field_hlc = v_fh, seq = new_seq, store_id = v_store,
                        written_by = session_user, written_at = now();
            END IF;
            answer := jsonb_build_object('mid', mid, 'status', 'applied', 'seq', new_seq, 'version', new_ver);
            applied := true;
        ELSE
            answer := answer || jsonb_build_object('mid', mid);
            IF NOT answer ? 'current' AND cur.id IS NOT NULL THEN
                answer := answer || jsonb_build_object('current', to_jsonb(cur) - 'team_id');
            END IF;
            INSERT INTO spo.refusals (team_id, client_id, mutation_id, answer) VALUES (me.team_id, p_client, mid, answer);
        END IF;
        answers[kk] := answer;
    END LOOP;

    IF cardinality(fast_ks) > 0 THEN
        WITH fast AS (
            SELECT e.ordinality AS k, e.value ->> 'tbl' AS tbl, e.value ->> 'id' AS id, e.value -> 'data' AS data,
                   coalesce(e.value ->> 'hlc', '') AS hlc
            FROM jsonb_array_elements(p_mutations) WITH ORDINALITY e
            WHERE is_fast[e.ordinality]
        ), allowed AS (
            SELECT f.* FROM fast f
            WHERE EXISTS (SELECT 1 FROM spo.rows st
                          WHERE st.team_id = me.team_id AND st.tbl = 'stores' AND st.id = f.data ->> 'store_id'
                            AND NOT st.deleted AND st.created_by = session_user)
              AND NOT EXISTS (SELECT 1 FROM spo.rows c
                              WHERE c.team_id = me.team_id AND c.tbl = f.tbl AND c.id = f.id AND c.deleted)
        ), written AS (
            INSERT INTO spo.rows AS r (team_id, tbl, id, store_id, data, version, hlc, deleted, seq, created_by, written_by)
            SELECT me.team_id, a.tbl, a.id, a.data ->> 'store_id', a.data, 1, a.hlc, false, first_ver + a.k,
                   session_user, session_user
            FROM allowed a
            ON CONFLICT (team_id, tbl, id) DO UPDATE
                SET data = excluded.data, version = r.version + 1, hlc = excluded.hlc, seq = excluded.seq,
                    store_id = excluded.store_id, written_by = excluded.written_by, written_at = now()
            RETURNING r.seq, r.version
        )
        SELECT array_agg(w.seq - first_ver), array_agg(w.version) INTO w_ks, w_vers FROM written w;
        applied := applied OR w_ks IS NOT NULL;
        FOR i IN 1 .. coalesce(cardinality(w_ks), 0) LOOP
            kk := w_ks[i];
            answers[kk] := jsonb_build_object('mid', (p_mutations -> (kk::integer - 1) ->> 'mid')::bigint,
                'status', 'applied', 'seq', first_ver + kk, 'version', w_vers[i]);
        END LOOP;
        FOREACH kk IN ARRAY fast_ks LOOP
            mid := (p_mutations -> (kk::integer - 1) ->> 'mid')::bigint;
            IF answers[kk] IS NULL THEN
                SELECT r.* INTO cur FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = p_mutations -> (kk::integer - 1) ->> 'tbl'
                  AND r.id = p_mutations -> (kk::integer - 1) ->> 'id';
                answer := CASE WHEN cur.deleted
                    THEN jsonb_build_object('mid', mid, 'status', 'conflict', 'reason', 'deleted by another seat')
                    ELSE jsonb_build_object('mid', mid, 'status', 'rejected',
                        'reason', 'only the seat that runs this store''s jobs writes its catalogue and observations')
                    END;
                IF cur.id IS NOT NULL THEN
                    answer := answer || jsonb_build_object('current', to_jsonb(cur) - 'team_id');
                END IF;
                INSERT INTO spo.refusals (team_id, client_id, mutation_id, answer) VALUES (me.team_id, p_client, mid, answer);
                answers[kk] := answer;
            END IF;
        END LOOP;
    END IF;
    IF applied THEN
        -- This batch's change numbers are taken (those of refused changes stay unused).
        team_ver := first_ver + n;
    END IF;
    cl.last_mutation_id := greatest(cl.last_mutation_id, prev_mid);

    UPDATE spo.clients c SET last_mutation_id = cl.last_mutation_id, last_push_at = now()
    WHERE c.team_id = me.team_id AND c.client_id = p_client;
    UPDATE spo.teams t SET version = team_ver WHERE t.id = me.team_id AND t.version <> team_ver;
    -- A large batch (a first upload, a catalogue import) changes the table's size by a lot: fresh
    -- statistics keep the row lookups above on the primary key for the next batches (with stale
    -- ones the planner can pick the feed index and scan the team's rows for every change).
    IF team_ver - first_ver >= 500
       AND (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'spo.rows'::regclass) < team_ver / 2 THEN
        ANALYZE spo.rows;
    END IF;
    IF n > 0 THEN
        PERFORM pg_notify('spo_team_' || replace(me.team_id::text, '-', ''), '');
    END IF;
    RETURN CASE WHEN n = 0 THEN '[]'::jsonb ELSE to_jsonb(answers) END;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Seats: invite, join, revoke, leave. These run as spo_admin (CREATEROLE) and check the caller.

RESET ROLE;

-- Creates a seat role for the caller's team (owners only) with a temporary password that expires
-- in 7 days and is replaced by the seat at join. Returns the role and that password.
CREATE FUNCTION api.invite_seat(p_role text, p_name text)
    RETURNS TABLE (db_role name, temporary_password text, valid_until timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me     spo.seats;
    r      name;
    pw     text;
    until  timestamptz := now() + interval '7 days';
BEGIN
    SELECT s.* INTO me FROM spo.seats s WHERE s.db_role = session_user AND s.revoked_at IS NULL;
    IF NOT FOUND OR me.role <> 'owner' THEN
        RAISE EXCEPTION 'only an owner can invite seats' USING ERRCODE = '42501';
    END IF;
    IF p_role NOT IN ('owner', 'manager', 'viewer') THEN
        RAISE EXCEPTION 'role must be owner, manager or viewer' USING ERRCODE = '22023';
    END IF;
    IF p_name IS NULL OR length(btrim(p_name)) = 0 OR length(p_name) > 200 THEN
        RAISE EXCEPTION 'a seat needs a name (1 to 200 characters)' USING ERRCODE = '22023';
    END IF;
    r := 'spo_s_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 20);
    pw := replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '');
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT CONNECTION LIMIT 4 PASSWORD %L VALID UNTIL %L IN ROLE spo_seat',
                   r, pw, until);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', r, '30s');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', r, '60s');
    EXECUTE format('GRANT %I TO spo_admin', r);
    INSERT INTO spo.seats (db_role, team_id, role, name, invited_by) VALUES (r, me.team_id, p_role, btrim(p_name), session_user);
    RETURN QUERY SELECT r, pw, until;
END
$$;

-- Called by a new seat right after it logs in with its invite: replaces the temporary password
-- with the seat's own (a SCRAM verifier, so the password itself never reaches the server).
CREATE FUNCTION api.complete_join(p_verifier text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me spo.seats;
BEGIN
    SELECT s.* INTO me FROM spo.seats s WHERE s.db_role = session_user AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this login is not a seat of any team' USING ERRCODE = '42501';
    END IF;
    IF p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'the new password must be sent as a SCRAM-SHA-256 verifier' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L VALID UNTIL %L', session_user, p_verifier, 'infinity');
    UPDATE spo.seats s SET joined_at = coalesce(s.joined_at, now()) WHERE s.db_role = session_user;
END
$$;

-- Disables a seat (owners only; any seat may remove itself): no more logins, its open sessions
-- ended, its pending changes refused from now on. The last owner cannot be removed.
CREATE FUNCTION api.revoke_seat(p_db_role name) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me      spo.seats;
    target  spo.seats;
    owners  integer;
BEGIN
    SELECT s.* INTO me FROM spo.seats s WHERE s.db_role = session_user AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this login is not a seat of any team' USING ERRCODE = '42501';
    END IF;
    IF me.role <> 'owner' AND p_db_role <> session_user THEN
        RAISE EXCEPTION 'only an owner can revoke other seats' USING ERRCODE = '42501';
    END IF;
    SELECT s.* INTO target FROM spo.seats s WHERE s.db_role = p_db_role AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active seat % in this team', p_db_role USING ERRCODE = 'P0002';
    END IF;
    SELECT count(*) INTO owners FROM spo.seats s WHERE s.role = 'owner' AND s.revoked_at IS NULL;
    IF target.role = 'owner' AND owners <= 1 THEN
        RAISE EXCEPTION 'the team''s last owner cannot be removed; make another seat an owner first'
            USING ERRCODE = '42501';
    END IF;
    UPDATE spo.seats s SET revoked_at = now() WHERE s.db_role = p_db_role;
    EXECUTE format('ALTER ROLE %I NOLOGIN', p_db_role);
    IF p_db_role <> session_user THEN
        PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a WHERE a.usename = p_db_role;
    END IF;
END
$$;

GRANT CREATE ON SCHEMA api TO spo_admin;
ALTER FUNCTION api.invite_seat(text, text) OWNER TO spo_admin;
ALTER FUNCTION api.complete_join(text) OWNER TO spo_admin;
ALTER FUNCTION api.revoke_seat(name) OWNER TO spo_admin;
ALTER FUNCTION api.whoami() OWNER TO spo_owner;
ALTER FUNCTION api.members() OWNER TO spo_admin;
ALTER FUNCTION api.client_state(uuid) OWNER TO spo_owner;
ALTER FUNCTION api.pull(bigint, integer) OWNER TO spo_owner;
ALTER FUNCTION api.push(uuid, jsonb) OWNER TO spo_owner;
ALTER FUNCTION spo.decision_move_ok(text, text) OWNER TO spo_owner;
REVOKE CREATE ON SCHEMA api FROM spo_admin;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA api FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA spo FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA api TO spo_seat;
GRANT EXECUTE ON FUNCTION spo.my_team(), spo.my_role() TO spo_owner, spo_admin;
GRANT EXECUTE ON FUNCTION spo.decision_move_ok(text, text) TO spo_owner;

-- A team and its first owner seat are made by `spo team create` through this function, with the
-- admin connection (it is not granted to seats).
CREATE FUNCTION spo.create_team(p_team uuid, p_name text, p_db_role name, p_seat_name text, p_verifier text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_db_role !~ '^spo_s_[a-z0-9]{1,40}$' THEN
        RAISE EXCEPTION 'seat roles are named spo_s_…' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT CONNECTION LIMIT 4 PASSWORD %L IN ROLE spo_seat',
                   p_db_role, p_verifier);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_db_role, '30s');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_db_role, '60s');
    EXECUTE format('GRANT %I TO spo_admin', p_db_role);
    -- Row-level security applies to the admin too when it is not a superuser, so the rows are
    -- written with RLS off for this one transaction (owner-only statement).
    ALTER TABLE spo.teams NO FORCE ROW LEVEL SECURITY;
    ALTER TABLE spo.seats NO FORCE ROW LEVEL SECURITY;
    INSERT INTO spo.teams (id, name) VALUES (p_team, p_name);
    INSERT INTO spo.seats (db_role, team_id, role, name, invited_by, joined_at)
        VALUES (p_db_role, p_team, 'owner', p_seat_name, NULL, now());
    ALTER TABLE spo.teams FORCE ROW LEVEL SECURITY;
    ALTER TABLE spo.seats FORCE ROW LEVEL SECURITY;
END
$$;
ALTER FUNCTION spo.create_team(uuid, text, name, text, text) OWNER TO spo_owner;
REVOKE ALL ON FUNCTION spo.create_team(uuid, text, name, text, text) FROM PUBLIC;
