-- Sync state per store, so imports are incremental after the first full one.
--   catalog_synced_at:     when the last complete catalogue pass finished (UTC RFC 3339).
--   orders_synced_through: the last local (store time zone) date whose orders were all imported;
--                          the next orders sync starts a few days before it to pick up status changes.
ALTER TABLE stores ADD COLUMN catalog_synced_at TEXT;
ALTER TABLE stores ADD COLUMN orders_synced_through TEXT;

-- Orders carry their status slug; sales history excludes cancelled and refunded ones.
CREATE INDEX idx_order_items_variant ON order_items (store_id, variant_id) WHERE variant_id IS NOT NULL;
