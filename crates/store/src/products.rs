use crate::{new_id, Db, Error, Result};

/// A product as imported from Salla.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedProduct {
    /// Salla product id.
    pub salla_product_id: i64,
    /// Name.
    pub name: String,
    /// SKU.
    pub sku: Option<String>,
    /// `sale`, `out`, `hidden`, …
    pub status: String,
    /// ISO currency.
    pub currency: String,
    /// Regular price in minor units.
    pub price_minor: i64,
    /// Sale price in minor units (none when not on sale).
    pub sale_price_minor: Option<i64>,
    /// The sale's last day (`YYYY-MM-DD`, included), when it has one.
    pub sale_end: Option<String>,
    /// Cost in minor units.
    pub cost_minor: Option<i64>,
    /// Stock.
    pub quantity: Option<i64>,
    /// Category (Salla id, name) if any.
    pub category: Option<(i64, String)>,
    /// Salla's last-change time.
    pub salla_updated_at: Option<String>,
    /// The product's variants when they were fetched (`None` leaves stored variants alone;
    /// `Some` replaces them: variants no longer listed get a tombstone).
    pub variants: Option<Vec<ImportedVariant>>,
}

/// A variant as imported from Salla.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedVariant {
    /// Salla variant id.
    pub salla_variant_id: i64,
    /// SKU.
    pub sku: Option<String>,
    /// GTIN or barcode.
    pub gtin: Option<String>,
    /// Option values as a JSON array of `{name, value}`.
    pub options_json: String,
    /// ISO currency.
    pub currency: String,
    /// Price in minor units.
    pub price_minor: i64,
    /// Sale price in minor units (none when not on sale).
    pub sale_price_minor: Option<i64>,
    /// Cost in minor units.
    pub cost_minor: Option<i64>,
    /// Stock.
    pub quantity: Option<i64>,
}

/// What an upsert changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpsertCounts {
    /// Rows inserted or changed.
    pub changed: usize,
    /// Rows already up to date (not rewritten).
    pub unchanged: usize,
    /// Variants inserted or changed.
    pub variants_changed: usize,
}

/// Sort keys of the products list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductSort {
    /// By name.
    #[default]
    Name,
    /// By price.
    Price,
    /// By gross margin (price over cost).
    Margin,
    /// By stock.
    Stock,
}

/// What the products list shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductFilter {
    /// Substring of the name or SKU.
    pub search: String,
    /// Exact category name.
    pub category: Option<String>,
    /// Exact status (`sale`, `out`, `hidden`).
    pub status: Option<String>,
    /// Sort key.
    pub sort: ProductSort,
    /// Largest first.
    pub descending: bool,
}

/// A product row as the Products screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductRow {
    /// Local id.
    pub id: String,
    /// Salla id.
    pub salla_product_id: i64,
    /// Name.
    pub name: String,
    /// SKU.
    pub sku: Option<String>,
    /// Status.
    pub status: String,
    /// Category name.
    pub category: Option<String>,
    /// Currency.
    pub currency: String,
    /// Regular price (minor units).
    pub price_minor: i64,
    /// Sale price (minor units), when one is set.
    pub sale_price_minor: Option<i64>,
    /// The sale's last day (`YYYY-MM-DD`).
    pub sale_end: Option<String>,
    /// Cost (minor units).
    pub cost_minor: Option<i64>,
    /// Stock.
    pub quantity: Option<i64>,
    /// Variants (live).
    pub variants: i64,
    /// Units sold in the last 30 days (orders not cancelled or refunded).
    pub units_30d: i64,
}

/// The Products screen's row; the parameter `since` binds the start of the 30-day sales window.
fn product_row_select(since: &str) -> String {
    PRODUCT_ROW_SELECT.replace("?SINCE", since)
}

const PRODUCT_ROW_SELECT: &str = "SELECT p.id, p.salla_product_id, p.name, p.sku, p.status, c.name AS category,
        p.currency, p.price_minor, p.sale_price_minor, p.sale_end, p.cost_minor, p.quantity,
        (SELECT count(*) FROM variants v WHERE v.product_id = p.id AND v.deleted_at IS NULL) AS variants,
        (SELECT coalesce(sum(d.units), 0) FROM daily_sales d
          WHERE d.product_id = p.id AND d.day >= CAST(julianday(?SINCE, '+3 hours') - 2440587.5 AS INTEGER))
          AS units_30d
     FROM products p LEFT JOIN categories c ON c.id = p.category_id";

impl Db {
    /// Inserts or updates one batch of products (their categories and, when fetched, their
    /// variants) of a store in a single `BEGIN IMMEDIATE` transaction. Rows that did not change
    /// are not rewritten. Returns how many rows were written.
    pub async fn upsert_products(&self, store_id: &str, batch: &[ImportedProduct]) -> Result<usize> {
        Ok(self.upsert_products_counted(store_id, batch).await?.changed)
    }

    /// [`Db::upsert_products`], with counts of changed and unchanged rows.
    pub async fn upsert_products_counted(&self, store_id: &str, batch: &[ImportedProduct]) -> Result<UpsertCounts> {
        let mut counts = UpsertCounts::default();
        if batch.is_empty() {
            return Ok(counts);
        }
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        // Each category once per batch, however many of its products the batch carries.
        let mut category_ids: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        for p in batch {
            let category_id: Option<String> = match &p.category {
                Some((salla_id, _)) if category_ids.contains_key(salla_id) => category_ids.get(salla_id).cloned(),
                Some((salla_id, name)) => {
                    let id: String = sqlx::query_scalar(
                        "INSERT INTO categories (id, store_id, salla_category_id, name, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                         ON CONFLICT (store_id, salla_category_id)
                         DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
                         RETURNING id",
                    )
                    .bind(new_id())
                    .bind(store_id)
                    .bind(salla_id)
                    .bind(name)
                    .bind(&now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(Error::from_sqlx)?;
                    category_ids.insert(*salla_id, id.clone());
                    Some(id)
                }
                None => None,
            };
            let written = sqlx::query(
                "INSERT INTO products (id, store_id, salla_product_id, category_id, name, sku, status, currency,
                                       price_minor, sale_price_minor, cost_minor, quantity, salla_updated_at,
                                       synced_at, created_at, updated_at, sale_end)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?14, ?15)
                 ON CONFLICT (store_id, salla_product_id) DO UPDATE SET
                   category_id = excluded.category_id, name = excluded.name, sku = excluded.sku,
                   status = excluded.status, currency = excluded.currency, price_minor = excluded.price_minor,
                   sale_price_minor = excluded.sale_price_minor, sale_end = excluded.sale_end,
                   cost_minor = excluded.cost_minor,
                   quantity = excluded.quantity, salla_updated_at = excluded.salla_updated_at,
                   synced_at = excluded.synced_at, updated_at = excluded.updated_at, deleted_at = NULL
                 WHERE products.deleted_at IS NOT NULL
                    OR products.category_id IS NOT excluded.category_id OR products.name IS NOT excluded.name
                    OR products.sku IS NOT excluded.sku OR products.status IS NOT excluded.status
                    OR products.currency IS NOT excluded.currency OR products.price_minor IS NOT excluded.price_minor
                    OR products.sale_price_minor IS NOT excluded.sale_price_minor
                    OR products.sale_end IS NOT excluded.sale_end
                    OR products.cost_minor IS NOT excluded.cost_minor OR products.quantity IS NOT excluded.quantity
                    OR products.salla_updated_at IS NOT excluded.salla_updated_at",
            )
            .bind(new_id())
            .bind(store_id)
            .bind(p.salla_product_id)
            .bind(category_id)
            .bind(&p.name)
            .bind(&p.sku)
            .bind(&p.status)
            .bind(&p.currency)
            .bind(p.price_minor)
            .bind(p.sale_price_minor)
            .bind(p.cost_minor)
            .bind(p.quantity)
            .bind(&p.salla_updated_at)
            .bind(&now)
            .bind(&p.sale_end)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?
            .rows_affected();
            if written > 0 {
                counts.changed += 1;
            } else {
                counts.unchanged += 1;
            }
            if let Some(variants) = &p.variants {
                let product_id: String =
                    sqlx::query_scalar("SELECT id FROM products WHERE store_id = ?1 AND salla_product_id = ?2")
                        .bind(store_id)
                        .bind(p.salla_product_id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(Error::from_sqlx)?;
                for v in variants {
                    let written = sqlx::query(
                        "INSERT INTO variants (id, store_id, product_id, salla_variant_id, sku, gtin, options, currency,
                                               price_minor, sale_price_minor, cost_minor, quantity, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)
                         ON CONFLICT (store_id, salla_variant_id) DO UPDATE SET
                           product_id = excluded.product_id, sku = excluded.sku, gtin = excluded.gtin,
                           options = excluded.options, currency = excluded.currency,
                           price_minor = excluded.price_minor, sale_price_minor = excluded.sale_price_minor,
                           cost_minor = excluded.cost_minor, quantity = excluded.quantity,
                           updated_at = excluded.updated_at, deleted_at = NULL
                         WHERE variants.deleted_at IS NOT NULL OR variants.product_id IS NOT excluded.product_id
                            OR variants.sku IS NOT excluded.sku OR variants.gtin IS NOT excluded.gtin
                            OR variants.options IS NOT excluded.options
                            OR variants.price_minor IS NOT excluded.price_minor
                            OR variants.sale_price_minor IS NOT excluded.sale_price_minor
                            OR variants.cost_minor IS NOT excluded.cost_minor
                            OR variants.quantity IS NOT excluded.quantity",
                    )
                    .bind(new_id())
                    .bind(store_id)
                    .bind(&product_id)
                    .bind(v.salla_variant_id)
                    .bind(&v.sku)
                    .bind(&v.gtin)
                    .bind(&v.options_json)
                    .bind(&v.currency)
                    .bind(v.price_minor)
                    .bind(v.sale_price_minor)
                    .bind(v.cost_minor)
                    .bind(v.quantity)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::from_sqlx)?
                    .rows_affected();
                    counts.variants_changed += usize::try_from(written).unwrap_or(0);
                }
                let ids: Vec<i64> = variants.iter().map(|v| v.salla_variant_id).collect();
                sqlx::query(
                    "UPDATE variants SET deleted_at = ?3, updated_at = ?3
                     WHERE product_id = ?1 AND deleted_at IS NULL
                       AND salla_variant_id NOT IN (SELECT value FROM json_each(?2))",
                )
                .bind(&product_id)
                .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
            }
        }
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(counts)
    }

    /// After a complete catalogue pass: tombstones the store's products Salla no longer lists and
    /// records the time of the pass. Returns how many products were removed.
    pub async fn finish_catalog_pass(&self, store_id: &str, seen: &[i64]) -> Result<usize> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query(
            "UPDATE products SET deleted_at = ?3, updated_at = ?3
             WHERE store_id = ?1 AND deleted_at IS NULL
               AND salla_product_id NOT IN (SELECT value FROM json_each(?2))",
        )
        .bind(store_id)
        .bind(serde_json::to_string(seen).unwrap_or_else(|_| "[]".into()))
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?
        .rows_affected();
        sqlx::query("UPDATE stores SET catalog_synced_at = ?2, updated_at = ?2 WHERE id = ?1")
            .bind(store_id)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// One page of a store's live products matching `filter`, with the total number of matches.
    pub async fn list_products(
        &self,
        store_id: &str,
        search: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ProductRow>, i64)> {
        self.query_products(
            store_id,
            &ProductFilter { search: search.to_owned(), ..ProductFilter::default() },
            limit,
            offset,
        )
        .await
    }

    /// One page of a store's live products: filtered by a case-insensitive substring of the name
    /// or SKU, a category and a status; sorted; with the total number of matches.
    pub async fn query_products(
        &self,
        store_id: &str,
        filter: &ProductFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ProductRow>, i64)> {
        let pattern =
            format!("%{}%", filter.search.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        // Only the conditions asked for are in the query, so SQLite plans each shape on its own
        // (an unused `?x IS NULL OR …` keeps it from using the sort indexes).
        let mut conditions = "p.store_id = ?1 AND p.deleted_at IS NULL".to_owned();
        if !filter.search.trim().is_empty() {
            conditions.push_str(" AND (p.name LIKE ?2 ESCAPE '\\' OR p.sku LIKE ?2 ESCAPE '\\')");
        }
        if filter.category.is_some() {
            conditions.push_str(" AND c.name = ?3");
        }
        if filter.status.is_some() {
            conditions.push_str(" AND p.status = ?4");
        }
        let from = if filter.category.is_some() {
            "FROM products p LEFT JOIN categories c ON c.id = p.category_id"
        } else {
            "FROM products p"
        };
        // A search's count reads name and SKU from the covering name index, not the rows.
        let count_from = if filter.search.trim().is_empty() || filter.category.is_some() {
            from
        } else {
            "FROM products p INDEXED BY idx_products_name"
        };
        // Every argument is bound whatever the filter; the unused CTE names them all.
        let total: i64 = sqlx::query_scalar(&format!(
            "WITH args(search, category, status) AS (SELECT ?2, ?3, ?4) SELECT count(*) {count_from} WHERE {conditions}"
        ))
        .bind(store_id)
        .bind(&pattern)
        .bind(&filter.category)
        .bind(&filter.status)
        .fetch_one(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        // The ORDER BY comes from a closed enum, never from user text. Name and price are never
        // NULL and have indexes in this exact order (ties broken by Salla id in the same
        // direction); margin and stock may be NULL, which sorts last.
        let dir = if filter.descending { "DESC" } else { "ASC" };
        let order = match filter.sort {
            ProductSort::Name => format!("p.name COLLATE NOCASE {dir}, p.salla_product_id {dir}"),
            ProductSort::Price => format!("p.price_minor {dir}, p.salla_product_id {dir}"),
            ProductSort::Margin => {
                // The expression of `idx_products_margin` exactly, so the index gives the order.
                let m = "(CASE WHEN p.price_minor > 0 AND p.cost_minor IS NOT NULL \
                         THEN (p.price_minor - p.cost_minor) * 10000 / p.price_minor END)";
                format!("{m} IS NULL, {m} {dir}, p.salla_product_id {dir}")
            }
            ProductSort::Stock => format!("p.quantity IS NULL, p.quantity {dir}, p.salla_product_id"),
        };
        // Two steps: pick the page's ids by sorting keys only, then compute the per-row extras
        // (variants, units sold) for those rows alone. Computing them in the sorted query would
        // evaluate them for every matching row before sorting.
        let rows = sqlx::query_as::<_, ProductRow>(&format!(
            "{}
             WHERE p.id IN (SELECT p.id {from} WHERE {conditions}
                            ORDER BY {order} LIMIT ?5 OFFSET ?6)
             ORDER BY {order}",
            product_row_select("?7")
        ))
        .bind(store_id)
        .bind(&pattern)
        .bind(&filter.category)
        .bind(&filter.status)
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .bind(self.days_ago_text(30))
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        Ok((rows, total))
    }

    /// One live product of the store as the Products screen shows it.
    pub async fn product_row(&self, store_id: &str, id: &str) -> Result<ProductRow> {
        sqlx::query_as::<_, ProductRow>(&format!(
            "{} WHERE p.store_id = ?1 AND p.id = ?2 AND p.deleted_at IS NULL",
            product_row_select("?3")
        ))
        .bind(store_id)
        .bind(id)
        .bind(self.days_ago_text(30))
        .fetch_optional(&self.pool())
        .await
        .map_err(Error::from_sqlx)?
        .ok_or(Error::NotFound)
    }

    /// Category names of a store's live products, sorted.
    pub async fn product_categories(&self, store_id: &str) -> Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT DISTINCT c.name FROM categories c JOIN products p ON p.category_id = c.id
             WHERE c.store_id = ?1 AND p.deleted_at IS NULL ORDER BY c.name",
        )
        .bind(store_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// A live product of the store by local id or by SKU.
    pub async fn product_id_by_id_or_sku(&self, store_id: &str, key: &str) -> Result<String> {
        sqlx::query_scalar(
            "SELECT id FROM products WHERE store_id = ?1 AND deleted_at IS NULL AND (id = ?2 OR sku = ?2)
             ORDER BY id = ?2 DESC LIMIT 1",
        )
        .bind(store_id)
        .bind(key.trim())
        .fetch_optional(&self.pool())
        .await
        .map_err(Error::from_sqlx)?
        .ok_or(Error::NotFound)
    }

    /// The live demo store's id, if one is connected.
    pub async fn demo_store_id(&self) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT id FROM stores WHERE is_demo = 1 AND deleted_at IS NULL LIMIT 1")
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }
}
