//! Orders and their lines: the store's sales history, joined to products and variants by SKU.

use crate::{new_id, Db, Error, Result};

/// A line of an imported order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedOrderItem {
    /// Salla order-item id.
    pub salla_item_id: i64,
    /// SKU sold (joins the line to a variant, else to a product).
    pub sku: Option<String>,
    /// Product name at the time of the order.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// ISO currency.
    pub currency: String,
    /// Unit price before tax, in minor units.
    pub unit_price_minor: i64,
}

/// An imported order with all its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedOrder {
    /// Salla order id.
    pub salla_order_id: i64,
    /// Shopper-facing reference.
    pub reference: Option<String>,
    /// Status slug (`completed`, `canceled`, …).
    pub status: String,
    /// When it was placed, UTC RFC 3339.
    pub ordered_at: String,
    /// ISO currency.
    pub currency: String,
    /// Total in minor units.
    pub total_minor: i64,
    /// Lines.
    pub items: Vec<ImportedOrderItem>,
}

/// What an orders upsert wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderCounts {
    /// Orders written.
    pub orders: usize,
    /// Lines written.
    pub items: usize,
    /// Lines whose SKU matched no product or variant of the store.
    pub unmatched: usize,
}

/// Sales of a store over a period (cancelled and refunded orders excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct SalesStats {
    /// Orders.
    pub orders: i64,
    /// Units sold.
    pub units: i64,
    /// Revenue before tax, in minor units.
    pub revenue_minor: i64,
}

impl Db {
    /// Inserts or updates a batch of orders with their lines in one `BEGIN IMMEDIATE`
    /// transaction, so an order is never stored without its lines. Lines are joined to the
    /// store's variants by SKU first, then to its products.
    pub async fn upsert_orders(&self, store_id: &str, batch: &[ImportedOrder]) -> Result<OrderCounts> {
        let mut counts = OrderCounts::default();
        if batch.is_empty() {
            return Ok(counts);
        }
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        for o in batch {
            let order_id: String = sqlx::query_scalar(
                "INSERT INTO orders (id, store_id, salla_order_id, reference, status, ordered_at, currency, total_minor,
                                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
                 ON CONFLICT (store_id, salla_order_id) DO UPDATE SET
                   reference = excluded.reference, status = excluded.status, ordered_at = excluded.ordered_at,
                   currency = excluded.currency, total_minor = excluded.total_minor, updated_at = excluded.updated_at
                 RETURNING id",
            )
            .bind(new_id())
            .bind(store_id)
            .bind(o.salla_order_id)
            .bind(&o.reference)
            .bind(&o.status)
            .bind(&o.ordered_at)
            .bind(&o.currency)
            .bind(o.total_minor)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
            counts.orders += 1;
            for i in &o.items {
                let (variant_id, product_id): (Option<String>, Option<String>) = sqlx::query_as(
                    "SELECT
                       (SELECT id FROM variants WHERE store_id = ?1 AND sku = ?2 AND deleted_at IS NULL LIMIT 1),
                       coalesce(
                         (SELECT product_id FROM variants WHERE store_id = ?1 AND sku = ?2 AND deleted_at IS NULL LIMIT 1),
                         (SELECT id FROM products WHERE store_id = ?1 AND sku = ?2 AND deleted_at IS NULL LIMIT 1))",
                )
                .bind(store_id)
                .bind(&i.sku)
                .fetch_one(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
                if product_id.is_none() {
                    counts.unmatched += 1;
                }
                sqlx::query(
                    "INSERT INTO order_items (id, store_id, order_id, salla_item_id, product_id, variant_id, sku, name,
                                              quantity, currency, unit_price_minor, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
                     ON CONFLICT (store_id, salla_item_id) DO UPDATE SET
                       order_id = excluded.order_id, product_id = excluded.product_id,
                       variant_id = excluded.variant_id, sku = excluded.sku, name = excluded.name,
                       quantity = excluded.quantity, currency = excluded.currency,
                       unit_price_minor = excluded.unit_price_minor, updated_at = excluded.updated_at",
                )
                .bind(new_id())
                .bind(store_id)
                .bind(&order_id)
                .bind(i.salla_item_id)
                .bind(&product_id)
                .bind(&variant_id)
                .bind(&i.sku)
                .bind(&i.name)
                .bind(i.quantity)
                .bind(&i.currency)
                .bind(i.unit_price_minor)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
                counts.items += 1;
            }
        }
        let days: Vec<&str> = batch.iter().map(|o| o.ordered_at.as_str()).collect();
        crate::daily_sales::refresh(&mut tx, store_id, &days).await?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(counts)
    }

    /// The last store-local date whose orders were all imported (`YYYY-MM-DD`).
    pub async fn orders_synced_through(&self, store_id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT orders_synced_through FROM stores WHERE id = ?1")
            .bind(store_id)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)
            .map(Option::flatten)
    }

    /// Records that every order up to `date` (store-local `YYYY-MM-DD`) is imported.
    pub async fn set_orders_synced_through(&self, store_id: &str, date: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE stores SET orders_synced_through = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(store_id)
            .bind(date)
            .bind(self.now_text())
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Sales of the last `days` days.
    pub async fn sales_stats(&self, store_id: &str, days: i64) -> Result<SalesStats> {
        // From the day summary (also on a seat that did not import the orders); whole store-local days.
        sqlx::query_as(&format!(
            "SELECT coalesce(sum(orders), 0) AS orders, coalesce(sum(units), 0) AS units,
                    coalesce(sum(revenue_minor), 0) AS revenue_minor
             FROM daily_sales WHERE store_id = ?1 AND product_id IS NULL AND day >= {}",
            crate::daily_sales::local_day_sql("?2")
        ))
        .bind(store_id)
        .bind(self.days_ago_text(days))
        .fetch_one(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }
}
