-- Salla Price Optimizer: initial local schema.
--
-- Conventions (kept by every later migration; see ARCHITECTURE.md "Database"):
--   * Primary keys are UUIDv7 as lower-case text (`id`), created by the app, so rows made on
--     different seats never collide and sort by creation time. Salla's own ids are separate
--     columns (`salla_*_id`) and unique per store.
--   * Every store-owned row carries `store_id`; every query a screen runs is scoped by it.
--   * `created_at` / `updated_at` are UTC RFC 3339 text with milliseconds; rows users can delete
--     get a `deleted_at` tombstone instead of being removed, so team sync can propagate deletes.
--   * Money is integer minor units (`*_minor`, halalas for SAR) plus a three-letter `currency`.
--   * Forward-only: never edit this file after it has shipped; add a new migration.

CREATE TABLE stores (
    id              TEXT PRIMARY KEY NOT NULL,
    salla_store_id  INTEGER UNIQUE,
    name            TEXT NOT NULL CHECK (length(name) > 0),
    domain          TEXT,
    plan            TEXT,
    currency        TEXT NOT NULL DEFAULT 'SAR' CHECK (length(currency) = 3),
    status          TEXT NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'needs_reconnect', 'disconnected')),
    is_demo         INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    automation_mode TEXT NOT NULL DEFAULT 'manual'
                    CHECK (automation_mode IN ('manual', 'semi_automatic', 'automatic')),
    connected_at    TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at      TEXT
);
-- The store switcher lists live stores by name.
CREATE INDEX idx_stores_active ON stores (status, name) WHERE deleted_at IS NULL;

CREATE TABLE categories (
    id                 TEXT PRIMARY KEY NOT NULL,
    store_id           TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    salla_category_id  INTEGER NOT NULL,
    parent_id          TEXT REFERENCES categories (id) ON DELETE SET NULL,
    name               TEXT NOT NULL,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at         TEXT,
    UNIQUE (store_id, salla_category_id)
);

CREATE TABLE products (
    id                TEXT PRIMARY KEY NOT NULL,
    store_id          TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    salla_product_id  INTEGER NOT NULL,
    category_id       TEXT REFERENCES categories (id) ON DELETE SET NULL,
    name              TEXT NOT NULL,
    sku               TEXT,
    gtin              TEXT,
    status            TEXT NOT NULL DEFAULT 'sale',
    currency          TEXT NOT NULL DEFAULT 'SAR' CHECK (length(currency) = 3),
    price_minor       INTEGER NOT NULL CHECK (price_minor >= 0),
    sale_price_minor  INTEGER CHECK (sale_price_minor >= 0),
    cost_minor        INTEGER CHECK (cost_minor >= 0),
    quantity          INTEGER,
    is_tracked        INTEGER NOT NULL DEFAULT 0 CHECK (is_tracked IN (0, 1)),
    image_url         TEXT,
    salla_updated_at  TEXT,
    synced_at         TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at        TEXT,
    UNIQUE (store_id, salla_product_id)
);
-- Products screen and agents: the tracked products of a store.
CREATE INDEX idx_products_tracked ON products (store_id, is_tracked, name) WHERE deleted_at IS NULL;
CREATE INDEX idx_products_sku ON products (store_id, sku) WHERE sku IS NOT NULL;
CREATE INDEX idx_products_category ON products (store_id, category_id);

CREATE TABLE variants (
    id                TEXT PRIMARY KEY NOT NULL,
    store_id          TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id        TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    salla_variant_id  INTEGER NOT NULL,
    sku               TEXT,
    gtin              TEXT,
    options           TEXT NOT NULL DEFAULT '[]', -- JSON array of {name, value}
    currency          TEXT NOT NULL DEFAULT 'SAR' CHECK (length(currency) = 3),
    price_minor       INTEGER NOT NULL CHECK (price_minor >= 0),
    sale_price_minor  INTEGER CHECK (sale_price_minor >= 0),
    cost_minor        INTEGER CHECK (cost_minor >= 0),
    quantity          INTEGER,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at        TEXT,
    UNIQUE (store_id, salla_variant_id)
);
CREATE INDEX idx_variants_product ON variants (product_id);
CREATE INDEX idx_variants_sku ON variants (store_id, sku) WHERE sku IS NOT NULL;

CREATE TABLE orders (
    id              TEXT PRIMARY KEY NOT NULL,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    salla_order_id  INTEGER NOT NULL,
    reference       TEXT,
    status          TEXT NOT NULL,
    ordered_at      TEXT NOT NULL,
    currency        TEXT NOT NULL DEFAULT 'SAR' CHECK (length(currency) = 3),
    total_minor     INTEGER NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (store_id, salla_order_id)
);
-- Sales history by date range.
CREATE INDEX idx_orders_store_date ON orders (store_id, ordered_at);

CREATE TABLE order_items (
    id                TEXT PRIMARY KEY NOT NULL,
    store_id          TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    order_id          TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    salla_item_id     INTEGER NOT NULL,
    product_id        TEXT REFERENCES products (id) ON DELETE SET NULL,
    variant_id        TEXT REFERENCES variants (id) ON DELETE SET NULL,
    sku               TEXT,
    name              TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity >= 0),
    currency          TEXT NOT NULL DEFAULT 'SAR' CHECK (length(currency) = 3),
    unit_price_minor  INTEGER NOT NULL,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (store_id, salla_item_id)
);
CREATE INDEX idx_order_items_order ON order_items (order_id);
-- Demand model: units sold per product over time.
CREATE INDEX idx_order_items_product ON order_items (store_id, product_id);

CREATE TABLE competitor_listings (
    id               TEXT PRIMARY KEY NOT NULL,
    store_id         TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id       TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id       TEXT REFERENCES variants (id) ON DELETE CASCADE,
    url              TEXT NOT NULL,
    competitor_name  TEXT NOT NULL,
    match_kind       TEXT NOT NULL DEFAULT 'manual' CHECK (match_kind IN ('sku', 'gtin', 'manual')),
    match_key        TEXT,
    is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    css_selector     TEXT,
    last_checked_at  TEXT,
    last_status      TEXT,
    last_error       TEXT,
    etag             TEXT,
    last_modified    TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at       TEXT,
    UNIQUE (store_id, product_id, variant_id, url)
);
CREATE INDEX idx_listings_product ON competitor_listings (store_id, product_id) WHERE deleted_at IS NULL;

CREATE TABLE price_observations (
    id             TEXT PRIMARY KEY NOT NULL,
    store_id       TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    listing_id     TEXT NOT NULL REFERENCES competitor_listings (id) ON DELETE CASCADE,
    observed_at    TEXT NOT NULL,
    amount_minor   INTEGER CHECK (amount_minor >= 0),
    currency       TEXT CHECK (currency IS NULL OR length(currency) = 3),
    availability   TEXT CHECK (availability IN ('in_stock', 'out_of_stock', 'unknown')),
    method         TEXT,
    confidence     REAL CHECK (confidence BETWEEN 0 AND 1),
    evidence       TEXT CHECK (evidence IS NULL OR length(evidence) <= 1024),
    final_url      TEXT,
    is_suspicious  INTEGER NOT NULL DEFAULT 0 CHECK (is_suspicious IN (0, 1)),
    confirmed_at   TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- History per listing, newest first.
CREATE INDEX idx_observations_listing ON price_observations (listing_id, observed_at DESC);

CREATE TABLE pricing_rules (
    id                 TEXT PRIMARY KEY NOT NULL,
    store_id           TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    scope              TEXT NOT NULL CHECK (scope IN ('store', 'category', 'product')),
    category_id        TEXT REFERENCES categories (id) ON DELETE CASCADE,
    product_id         TEXT REFERENCES products (id) ON DELETE CASCADE,
    strategy           TEXT NOT NULL,
    params             TEXT NOT NULL DEFAULT '{}', -- JSON, validated by the domain
    currency           TEXT NOT NULL DEFAULT 'SAR' CHECK (length(currency) = 3),
    min_price_minor    INTEGER CHECK (min_price_minor >= 0),
    max_price_minor    INTEGER CHECK (max_price_minor >= 0),
    min_margin_bps     INTEGER CHECK (min_margin_bps >= 0),
    max_step_bps       INTEGER CHECK (max_step_bps >= 0),
    max_daily_bps      INTEGER CHECK (max_daily_bps >= 0),
    cooldown_minutes   INTEGER CHECK (cooldown_minutes >= 0),
    price_ending       TEXT,
    is_dry_run         INTEGER NOT NULL DEFAULT 1 CHECK (is_dry_run IN (0, 1)),
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at         TEXT,
    CHECK ((scope = 'store' AND category_id IS NULL AND product_id IS NULL)
        OR (scope = 'category' AND category_id IS NOT NULL AND product_id IS NULL)
        OR (scope = 'product' AND product_id IS NOT NULL)),
    CHECK (min_price_minor IS NULL OR max_price_minor IS NULL OR min_price_minor <= max_price_minor)
);
CREATE INDEX idx_rules_store ON pricing_rules (store_id, scope) WHERE deleted_at IS NULL;

CREATE TABLE optimization_runs (
    id              TEXT PRIMARY KEY NOT NULL,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'triggered')),
    status          TEXT NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'awaiting_approval')),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    products_seen   INTEGER NOT NULL DEFAULT 0,
    proposed        INTEGER NOT NULL DEFAULT 0,
    applied         INTEGER NOT NULL DEFAULT 0,
    errors          INTEGER NOT NULL DEFAULT 0,
    steps           TEXT NOT NULL DEFAULT '[]', -- JSON: each agent step's output
    error           TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- Runs screen: a store's recent runs.
CREATE INDEX idx_runs_recent ON optimization_runs (store_id, started_at DESC);

CREATE TABLE decisions (
    id               TEXT PRIMARY KEY NOT NULL,
    store_id         TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    run_id           TEXT REFERENCES optimization_runs (id) ON DELETE SET NULL,
    product_id       TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id       TEXT REFERENCES variants (id) ON DELETE CASCADE,
    currency         TEXT NOT NULL DEFAULT 'SAR' CHECK (length(currency) = 3),
    old_price_minor  INTEGER NOT NULL CHECK (old_price_minor >= 0),
    new_price_minor  INTEGER NOT NULL CHECK (new_price_minor >= 0),
    strategy         TEXT NOT NULL,
    inputs           TEXT NOT NULL DEFAULT '{}',  -- JSON
    guardrails       TEXT NOT NULL DEFAULT '[]',  -- JSON: passed / hit
    risk             TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    rationale_en     TEXT NOT NULL,
    rationale_ar     TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'proposed'
                     CHECK (status IN ('proposed', 'approved', 'rejected', 'expired', 'applying',
                                       'applied', 'failed', 'rolled_back')),
    intent_id        TEXT UNIQUE, -- durable apply intent, committed before the Salla call
    decided_by       TEXT,
    decided_at       TEXT,
    applied_at       TEXT,
    salla_response   TEXT,
    rollback_of      TEXT REFERENCES decisions (id),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- Approval queue and apply loop: a store's decisions by status.
CREATE INDEX idx_decisions_queue ON decisions (store_id, status, created_at);
CREATE INDEX idx_decisions_product ON decisions (product_id, created_at DESC);

CREATE TABLE jobs (
    id             TEXT PRIMARY KEY NOT NULL,
    store_id       TEXT REFERENCES stores (id) ON DELETE CASCADE, -- NULL = global job
    kind           TEXT NOT NULL,
    schedule       TEXT NOT NULL, -- interval ("every 6h") or cron expression
    next_run_at    TEXT,
    is_paused      INTEGER NOT NULL DEFAULT 0 CHECK (is_paused IN (0, 1)),
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at     TEXT
);
CREATE UNIQUE INDEX idx_jobs_kind ON jobs (ifnull(store_id, ''), kind) WHERE deleted_at IS NULL;
CREATE INDEX idx_jobs_due ON jobs (next_run_at) WHERE is_paused = 0 AND deleted_at IS NULL;

CREATE TABLE job_runs (
    id            TEXT PRIMARY KEY NOT NULL,
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    store_id      TEXT REFERENCES stores (id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    progress      REAL CHECK (progress BETWEEN 0 AND 1),
    counts        TEXT NOT NULL DEFAULT '{}', -- JSON
    error         TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_job_runs_recent ON job_runs (store_id, started_at DESC);

-- Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY NOT NULL,
    store_id        TEXT REFERENCES stores (id) ON DELETE RESTRICT,
    at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor           TEXT NOT NULL,  -- "user:<seat>", "agent:<name>", "system"
    action          TEXT NOT NULL,  -- e.g. "settings.updated", "price.applied"
    entity          TEXT,
    entity_id       TEXT,
    reason          TEXT,
    details         TEXT NOT NULL DEFAULT '{}', -- JSON
    salla_response  TEXT
);
CREATE INDEX idx_audit_store_at ON audit_log (store_id, at DESC);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Key/value settings: store_id NULL = this device / all stores.
CREATE TABLE settings (
    id          TEXT PRIMARY KEY NOT NULL,
    store_id    TEXT REFERENCES stores (id) ON DELETE CASCADE,
    key         TEXT NOT NULL CHECK (length(key) > 0),
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX idx_settings_key ON settings (ifnull(store_id, ''), key);
