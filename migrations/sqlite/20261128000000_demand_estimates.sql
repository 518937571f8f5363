-- The demand model's own estimate per product (price elasticity from the store's order history),
-- refreshed once a day by the optimizer; category and store priors are pooled from these when a
-- run needs them. `untrusted` says why a product has no estimate of its own.
CREATE TABLE demand_estimates (
    store_id     TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id   TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    elasticity   REAL,
    std_error    REAL CHECK (std_error IS NULL OR std_error >= 0),
    days         INTEGER NOT NULL CHECK (days >= 0),
    units        INTEGER NOT NULL CHECK (units >= 0),
    -- The lowest and highest price sold at in that history (the curve is trusted near them).
    price_low_minor   INTEGER,
    price_high_minor  INTEGER,
    untrusted    TEXT,
    computed_at  TEXT NOT NULL,
    PRIMARY KEY (store_id, product_id),
    CHECK ((elasticity IS NULL) = (untrusted IS NOT NULL))
);


-- The optional language model's opinion of a page found on the web (shown; the merchant decides).
ALTER TABLE listing_candidates ADD COLUMN advice_verdict TEXT CHECK (advice_verdict IN ('same', 'different', 'unsure'));
ALTER TABLE listing_candidates ADD COLUMN advice_reason TEXT CHECK (advice_reason IS NULL OR length(advice_reason) <= 300);
