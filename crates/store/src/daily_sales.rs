//! Daily sales: units, revenue and orders per product and store-local day, and the store's totals
//! of each day (rows with no product). Raw orders stay on the seat that imported them; this summary
//! is what a team shares and what the demand model, the Products screen and the sales figures
//! read. An order import rebuilds the days it touched in its own transaction; a day's row is never
//! deleted (a delete wins on the team), it drops to zero.

use crate::{Error, Result, WriteTx};

/// Store-local day (days since 1970-01-01 in Riyadh time, UTC+3) of an RFC 3339 UTC value.
pub(crate) fn local_day_sql(value: &str) -> String {
    format!("CAST(julianday({value}, '+3 hours') - 2440587.5 AS INTEGER)")
}

/// The fresh summary rows of store `?1` for the days in the JSON array of timestamps `?2`.
fn fresh_rows() -> String {
    let day = local_day_sql("o.ordered_at");
    let days = format!("(SELECT DISTINCT {} FROM json_each(?2))", local_day_sql("value"));
    format!(
        "SELECT o.store_id || '/' || i.product_id || '/' || {day} AS id, o.store_id AS store_id,
                i.product_id AS product_id, {day} AS day, sum(i.quantity) AS units,
                sum(i.quantity * i.unit_price_minor) AS revenue_minor, count(DISTINCT o.id) AS orders
         FROM orders o
         JOIN order_items i ON i.order_id = o.id
         JOIN products p ON p.id = i.product_id AND p.currency = i.currency
         WHERE o.store_id = ?1 AND {day} IN {days}
           AND o.status NOT IN ('canceled', 'cancelled', 'refunded') AND i.quantity > 0
         GROUP BY i.product_id, {day}
         UNION ALL
         SELECT o.store_id || '/*/' || {day}, o.store_id, NULL, {day}, coalesce(sum(i.quantity), 0),
                coalesce(sum(i.quantity * i.unit_price_minor), 0), count(DISTINCT o.id)
         FROM orders o
         JOIN order_items i ON i.order_id = o.id
         WHERE o.store_id = ?1 AND {day} IN {days} AND o.status NOT IN ('canceled', 'cancelled', 'refunded')
         GROUP BY {day}"
    )
}

/// Rebuilds store `store_id`'s summary rows of the days of `ordered_at` (UTC timestamps) in the
/// caller's transaction. Only rows whose figures changed are written.
pub(crate) async fn refresh(tx: &mut WriteTx, store_id: &str, ordered_at: &[&str]) -> Result<()> {
    if ordered_at.is_empty() {
        return Ok(());
    }
    let stamps = serde_json::to_string(ordered_at).map_err(|e| Error::Constraint(e.to_string()))?;
    let fresh = fresh_rows();
    // Days whose sales went away (an order cancelled, a line moved to another product) drop to 0.
    sqlx::query(&format!(
        "WITH fresh AS ({fresh})
         UPDATE daily_sales SET units = 0, revenue_minor = 0, orders = 0
         WHERE store_id = ?1 AND day IN (SELECT DISTINCT {} FROM json_each(?2))
           AND (units <> 0 OR revenue_minor <> 0 OR orders <> 0)
           AND id NOT IN (SELECT id FROM fresh)",
        local_day_sql("value")
    ))
    .bind(store_id)
    .bind(&stamps)
    .execute(&mut **tx)
    .await
    .map_err(Error::from_sqlx)?;
    sqlx::query(&format!(
        "INSERT INTO daily_sales (id, store_id, product_id, day, units, revenue_minor, orders)
         SELECT id, store_id, product_id, day, units, revenue_minor, orders FROM ({fresh}) WHERE true
         ON CONFLICT (id) DO UPDATE SET units = excluded.units, revenue_minor = excluded.revenue_minor,
           orders = excluded.orders
         WHERE daily_sales.units IS NOT excluded.units OR daily_sales.revenue_minor IS NOT excluded.revenue_minor
           OR daily_sales.orders IS NOT excluded.orders"
    ))
    .bind(store_id)
    .bind(&stamps)
    .execute(&mut **tx)
    .await
    .map_err(Error::from_sqlx)?;
    Ok(())
}
