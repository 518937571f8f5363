-- The optimizer's market read (one pass over a store's live listings for their usable prices)
-- answered from this index alone: without it, 500,000 listings cost a row lookup each (~0.5 s).
-- The partial index's own conditions are repeated as columns so SQLite sees it as covering.
CREATE INDEX idx_listings_market ON competitor_listings
    (store_id, product_id, market_currency, market_amount_minor, market_vat_included, market_observed_at,
     deleted_at, is_active, variant_id)
    WHERE deleted_at IS NULL AND is_active = 1 AND variant_id IS NULL AND market_amount_minor IS NOT NULL;
