-- Team sync, more of what a team shares (see ARCHITECTURE.md "Team sync"):
--   daily_sales:        units, revenue and orders per product and store-local day (and, with no
--                       product, the store's totals of the day). Raw orders stay on the seat that
--                       imported them; this summary is what the team sees and what the demand
--                       model, the Products screen and the sales figures read. Rebuilt for the
--                       days an order import touched, in the import's transaction. A day's row is
--                       never deleted (on the team a delete wins): it drops to zero instead.
--   job_run_summaries:  one row per ended run of a store's job (kind, outcome, counts, error),
--                       written when the run ends; the job monitor shows them from every seat.
CREATE TABLE daily_sales (
    id             TEXT PRIMARY KEY NOT NULL,   -- store/product/day, or store/*/day for the totals
    store_id       TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id     TEXT REFERENCES products (id) ON DELETE CASCADE, -- NULL: the store's totals
    day            INTEGER NOT NULL,            -- days since 1970-01-01, store-local (UTC+3)
    units          INTEGER NOT NULL CHECK (units >= 0),
    revenue_minor  INTEGER NOT NULL,
    orders         INTEGER NOT NULL CHECK (orders >= 0)
);
CREATE INDEX idx_daily_sales_store_day ON daily_sales (store_id, day);
CREATE INDEX idx_daily_sales_product_day ON daily_sales (product_id, day) WHERE product_id IS NOT NULL;

INSERT INTO daily_sales (id, store_id, product_id, day, units, revenue_minor, orders)
SELECT o.store_id || '/' || i.product_id || '/' || CAST(julianday(o.ordered_at, '+3 hours') - 2440587.5 AS INTEGER),
       o.store_id, i.product_id, CAST(julianday(o.ordered_at, '+3 hours') - 2440587.5 AS INTEGER),
       sum(i.quantity), sum(i.quantity * i.unit_price_minor), count(DISTINCT o.id)
FROM orders o
JOIN order_items i ON i.order_id = o.id
JOIN products p ON p.id = i.product_id AND p.currency = i.currency
WHERE o.status NOT IN ('canceled', 'cancelled', 'refunded') AND i.quantity > 0
GROUP BY o.store_id, i.product_id, CAST(julianday(o.ordered_at, '+3 hours') - 2440587.5 AS INTEGER);

INSERT INTO daily_sales (id, store_id, product_id, day, units, revenue_minor, orders)
SELECT o.store_id || '/*/' || CAST(julianday(o.ordered_at, '+3 hours') - 2440587.5 AS INTEGER),
       o.store_id, NULL, CAST(julianday(o.ordered_at, '+3 hours') - 2440587.5 AS INTEGER),
       coalesce(sum(i.quantity), 0), coalesce(sum(i.quantity * i.unit_price_minor), 0), count(DISTINCT o.id)
FROM orders o
JOIN order_items i ON i.order_id = o.id
WHERE o.status NOT IN ('canceled', 'cancelled', 'refunded')
GROUP BY o.store_id, CAST(julianday(o.ordered_at, '+3 hours') - 2440587.5 AS INTEGER);

CREATE TABLE job_run_summaries (
    id           TEXT PRIMARY KEY NOT NULL,     -- the run's id on the seat that ran it
    store_id     TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'cancelled')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    counts       TEXT NOT NULL DEFAULT '{}',    -- JSON
    error        TEXT
);
CREATE INDEX idx_job_run_summaries_recent ON job_run_summaries (store_id, started_at DESC);

INSERT INTO job_run_summaries (id, store_id, kind, status, started_at, finished_at, counts, error)
SELECT r.id, r.store_id, j.kind, r.status, r.started_at, r.finished_at, r.counts, r.error
FROM job_runs r JOIN jobs j ON j.id = r.job_id
WHERE r.store_id IS NOT NULL AND r.status <> 'running';

CREATE TRIGGER job_run_summary AFTER UPDATE OF status ON job_runs
WHEN OLD.status = 'running' AND NEW.status <> 'running' AND NEW.store_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO job_run_summaries (id, store_id, kind, status, started_at, finished_at, counts, error)
    SELECT NEW.id, NEW.store_id, j.kind, NEW.status, NEW.started_at, NEW.finished_at, NEW.counts, NEW.error
    FROM jobs j WHERE j.id = NEW.job_id;
END;

-- A notice kind for a store whose grant is here while another seat of the team runs it (SQLite
-- cannot change a CHECK in place: the table is rebuilt with its rows).
CREATE TABLE notifications_new (
    id        TEXT PRIMARY KEY NOT NULL,
    store_id  TEXT REFERENCES stores (id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('approvals_waiting', 'undercut', 'prices_applied',
                                             'breaker_tripped', 'auth_lost', 'job_failing',
                                             'store_runs_elsewhere')),
    title_en  TEXT NOT NULL,
    title_ar  TEXT NOT NULL,
    body_en   TEXT NOT NULL,
    body_ar   TEXT NOT NULL,
    page      TEXT NOT NULL CHECK (page IN ('dashboard', 'products', 'competitors', 'decisions', 'runs',
                                             'settings', 'diagnostics')),
    shown     INTEGER NOT NULL DEFAULT 0 CHECK (shown IN (0, 1)),
    read_at   TEXT
);
INSERT INTO notifications_new SELECT id, store_id, at, kind, title_en, title_ar, body_en, body_ar, page, shown, read_at
FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX idx_notifications_at ON notifications (at DESC);
