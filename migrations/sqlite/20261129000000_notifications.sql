-- The in-app notification centre: what the app told the merchant (in both languages, so the
-- centre follows the UI language), which screen it is about, and whether it was read.
CREATE TABLE notifications (
    id        TEXT PRIMARY KEY NOT NULL,
    store_id  TEXT REFERENCES stores (id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('approvals_waiting', 'undercut', 'prices_applied',
                                             'breaker_tripped', 'auth_lost', 'job_failing')),
    title_en  TEXT NOT NULL,
    title_ar  TEXT NOT NULL,
    body_en   TEXT NOT NULL,
    body_ar   TEXT NOT NULL,
    page      TEXT NOT NULL CHECK (page IN ('dashboard', 'products', 'competitors', 'decisions', 'runs',
                                             'settings', 'diagnostics')),
    -- Shown by the operating system (0: muted by the merchant's choices or quiet hours).
    shown     INTEGER NOT NULL DEFAULT 0 CHECK (shown IN (0, 1)),
    read_at   TEXT
);
CREATE INDEX idx_notifications_at ON notifications (at DESC);
