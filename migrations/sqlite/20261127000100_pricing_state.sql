-- Pricing state per product: the feedback-loop detector freezes a product until a person looks.
ALTER TABLE products ADD COLUMN pricing_frozen_at TEXT;
ALTER TABLE products ADD COLUMN pricing_frozen_reason TEXT;

-- One live rule per scope target (the store default, a category, a product).
CREATE UNIQUE INDEX idx_rules_target ON pricing_rules (store_id, scope, ifnull(category_id, ''), ifnull(product_id, ''))
    WHERE deleted_at IS NULL;

-- Guardrail history: a store's applied changes by product and time.
CREATE INDEX idx_decisions_applied ON decisions (store_id, product_id, applied_at) WHERE applied_at IS NOT NULL;

-- A run's decisions (the run report, the Runs screen).
CREATE INDEX idx_decisions_run ON decisions (run_id) WHERE run_id IS NOT NULL;

-- Each page's current usable price for the optimizer, kept with the listing when a check is
-- recorded: the newest priced observation when it is trusted (not suspicious, or confirmed) and
-- not out of stock; NULL when the newest priced observation is not usable. Reading these is one
-- scan of the listings instead of a search through every page's history.
ALTER TABLE competitor_listings ADD COLUMN market_amount_minor INTEGER;
ALTER TABLE competitor_listings ADD COLUMN market_currency TEXT;
ALTER TABLE competitor_listings ADD COLUMN market_observed_at TEXT;
UPDATE competitor_listings SET (market_amount_minor, market_currency, market_observed_at) = (
    SELECT o.amount_minor, o.currency, o.observed_at FROM price_observations o
    WHERE o.id = (SELECT id FROM price_observations WHERE listing_id = competitor_listings.id
                  AND amount_minor IS NOT NULL ORDER BY observed_at DESC LIMIT 1)
      AND (o.is_suspicious = 0 OR o.confirmed_at IS NOT NULL)
      AND coalesce(o.availability, 'unknown') <> 'out_of_stock');
