-- Competitor pages found by web search (Tavily) for a product, waiting for the merchant to accept
-- (it becomes a listing) or reject (it is never proposed again). Title and snippet are untrusted
-- text from the web: shown, never interpreted.
CREATE TABLE listing_candidates (
    id           TEXT PRIMARY KEY NOT NULL,
    store_id     TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id   TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 300),
    snippet      TEXT NOT NULL DEFAULT '' CHECK (length(snippet) <= 600),
    score        REAL NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 1),
    query        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'rejected')),
    found_at     TEXT NOT NULL,
    decided_at   TEXT,
    UNIQUE (store_id, product_id, url)
);
CREATE INDEX idx_candidates_product ON listing_candidates (store_id, product_id, status);

-- Retention deletes old observations by time.
CREATE INDEX idx_observations_time ON price_observations (observed_at);
