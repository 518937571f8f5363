-- The Products screen sorts a store's live products by name or price, a page at a time. These
-- indexes let SQLite walk the rows in order and stop after the page instead of sorting the whole
-- catalogue (measured by `cargo bench -p spo-store --bench upsert`).
CREATE INDEX idx_products_name ON products (store_id, name COLLATE NOCASE, salla_product_id)
    WHERE deleted_at IS NULL;
CREATE INDEX idx_products_price ON products (store_id, price_minor, salla_product_id)
    WHERE deleted_at IS NULL;
