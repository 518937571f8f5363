-- Sale prices: a product's sale has a last day (Salla's `sale_end`), and a decision writes either
-- the regular price or, while a sale runs, the sale price; never the other as a side effect.
ALTER TABLE products ADD COLUMN sale_end TEXT;
ALTER TABLE decisions ADD COLUMN price_field TEXT NOT NULL DEFAULT 'price'
    CHECK (price_field IN ('price', 'sale_price'));
ALTER TABLE decisions ADD COLUMN sale_end TEXT;

-- VAT: our prices at Salla are before VAT; shops show shoppers VAT-inclusive prices. The store's
-- rate (basis points; Saudi standard 15 %) turns one into the other, and every competitor
-- observation says which basis its amount is on.
ALTER TABLE stores ADD COLUMN vat_bps INTEGER NOT NULL DEFAULT 1500 CHECK (vat_bps BETWEEN 0 AND 10000);
ALTER TABLE price_observations ADD COLUMN vat_included INTEGER NOT NULL DEFAULT 1 CHECK (vat_included IN (0, 1));
ALTER TABLE competitor_listings ADD COLUMN market_vat_included INTEGER NOT NULL DEFAULT 1
    CHECK (market_vat_included IN (0, 1));
