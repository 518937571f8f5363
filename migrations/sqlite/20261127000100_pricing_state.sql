-- Pricing state per product: the feedback-loop detector freezes a product until a person looks.
ALTER TABLE products ADD COLUMN pricing_frozen_at TEXT;
ALTER TABLE products ADD COLUMN pricing_frozen_reason TEXT;

-- One live rule per scope target (the store default, a category, a product).
CREATE UNIQUE INDEX idx_rules_target ON pricing_rules (store_id, scope, ifnull(category_id, ''), ifnull(product_id, ''))
    WHERE deleted_at IS NULL;

-- Guardrail history: a store's applied changes by product and time.
CREATE INDEX idx_decisions_applied ON decisions (store_id, product_id, applied_at) WHERE applied_at IS NOT NULL;
