-- Products screen: sorting by margin reads this index instead of sorting the catalogue (both
-- directions; products without a margin last). The expression is the screen query's, exactly.
CREATE INDEX idx_products_margin ON products (
    store_id,
    (CASE WHEN price_minor > 0 AND cost_minor IS NOT NULL THEN (price_minor - cost_minor) * 10000 / price_minor END) IS NULL,
    (CASE WHEN price_minor > 0 AND cost_minor IS NOT NULL THEN (price_minor - cost_minor) * 10000 / price_minor END),
    salla_product_id
) WHERE deleted_at IS NULL;
CREATE INDEX idx_products_margin_desc ON products (
    store_id,
    (CASE WHEN price_minor > 0 AND cost_minor IS NOT NULL THEN (price_minor - cost_minor) * 10000 / price_minor END) IS NULL,
    (CASE WHEN price_minor > 0 AND cost_minor IS NOT NULL THEN (price_minor - cost_minor) * 10000 / price_minor END) DESC,
    salla_product_id DESC
) WHERE deleted_at IS NULL;
-- The name order also answers a text search and its count from the index alone (name and SKU are
-- read from it; a LIKE over 100,000 narrow index entries instead of every full row).
DROP INDEX IF EXISTS idx_products_name;
CREATE INDEX idx_products_name ON products
    (store_id, name COLLATE NOCASE, salla_product_id, name, sku, deleted_at, id)
    WHERE deleted_at IS NULL;
