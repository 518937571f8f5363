//! The demand model's inputs (daily sales, daily competitor reference prices) and its stored
//! per-product estimates.

use crate::{Db, Error, Result};

/// Store-local day (days since 1970-01-01 in Riyadh time, UTC+3) of an RFC 3339 UTC column.
macro_rules! local_day {
    ($col:literal) => {
        concat!("CAST(julianday(", $col, ", '+3 hours') - 2440587.5 AS INTEGER)")
    };
}

/// One product's sales on one store-local day.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DailySales {
    /// Product.
    pub product_id: String,
    /// Days since 1970-01-01, store-local.
    pub day: i64,
    /// Units sold (cancelled and refunded orders excluded).
    pub units: i64,
    /// Revenue before tax of those units, minor units.
    pub revenue_minor: i64,
}

/// The lowest usable competitor price of a product on one store-local day.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DailyReference {
    /// Product.
    pub product_id: String,
    /// Days since 1970-01-01, store-local.
    pub day: i64,
    /// Lowest trusted, in-stock competitor price that day (in the product's currency).
    pub price_minor: i64,
}

/// A product's own demand estimate as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DemandRow {
    /// Product.
    pub product_id: String,
    /// Price elasticity (`None` when untrusted).
    pub elasticity: Option<f64>,
    /// Its standard error.
    pub std_error: Option<f64>,
    /// Days of history used.
    pub days: i64,
    /// Units in that history.
    pub units: i64,
    /// Lowest price sold at in that history.
    pub price_low_minor: Option<i64>,
    /// Highest price sold at in that history.
    pub price_high_minor: Option<i64>,
    /// Why there is no estimate (`too_few_days`, …).
    pub untrusted: Option<String>,
}

/// One day of a product's sales (what [`Db::fold_daily_sales`] hands over per product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySales {
    /// Days since 1970-01-01, store-local.
    pub day: i64,
    /// Units sold.
    pub units: i64,
    /// Revenue before tax, minor units.
    pub revenue_minor: i64,
}

impl Db {
    /// Units and revenue per product and store-local day since `since_day` (inclusive), in the
    /// product's own currency, ordered by product and day.
    pub async fn daily_sales(&self, store_id: &str, since_day: i64) -> Result<Vec<DailySales>> {
        self.fold_daily_sales(store_id, since_day, Vec::new(), |out, product, days| {
            out.extend(days.iter().map(|d| DailySales {
                product_id: product.to_owned(),
                day: d.day,
                units: d.units,
                revenue_minor: d.revenue_minor,
            }));
        })
        .await
    }

    /// Hands each product's days of sales since `since_day` (ordered by day) to `each`, one
    /// product at a time, streaming from the database on a blocking thread: the whole history
    /// (hundreds of thousands of product-days) is never held at once.
    pub async fn fold_daily_sales<T: Send + 'static>(
        &self,
        store_id: &str,
        since_day: i64,
        init: T,
        mut each: impl FnMut(&mut T, &str, &[DaySales]) + Send + 'static,
    ) -> Result<T> {
        let (path, store_id) = (self.path().to_path_buf(), store_id.to_owned());
        let read = move || -> Result<T> {
            let bulk = crate::rusqlite_conn::sqlite_error;
            let conn = crate::rusqlite_conn::bulk_reader(&path)?;
            let mut st = conn
                .prepare(
                    "SELECT product_id, day, units, revenue_minor FROM daily_sales
                     WHERE store_id = ?1 AND product_id IS NOT NULL AND day >= ?2 AND units > 0
                     ORDER BY product_id, day",
                )
                .map_err(bulk)?;
            let mut rows = st.query(rusqlite::params![store_id, since_day]).map_err(bulk)?;
            let (mut acc, mut product, mut days) = (init, String::new(), Vec::<DaySales>::new());
            while let Some(r) = rows.next().map_err(bulk)? {
                let id = r.get_ref(0).map_err(bulk)?.as_str().map_err(|e| bulk(e.into()))?;
                if id != product {
                    if !days.is_empty() {
                        each(&mut acc, &product, &days);
                    }
                    product.clear();
                    product.push_str(id);
                    days.clear();
                }
                days.push(DaySales {
                    day: r.get(1).map_err(bulk)?,
                    units: r.get(2).map_err(bulk)?,
                    revenue_minor: r.get(3).map_err(bulk)?,
                });
            }
            if !days.is_empty() {
                each(&mut acc, &product, &days);
            }
            Ok(acc)
        };
        tokio::task::spawn_blocking(read).await.map_err(|e| Error::BulkRead(format!("the bulk read stopped: {e}")))?
    }

    /// The lowest usable competitor price per product and store-local day since `since_day`:
    /// trusted (not suspicious, or confirmed), not out of stock, in the product's currency.
    pub async fn daily_references(&self, store_id: &str, since_day: i64) -> Result<Vec<DailyReference>> {
        sqlx::query_as(concat!(
            "SELECT l.product_id AS product_id, ",
            local_day!("o.observed_at"),
            " AS day, min(o.amount_minor) AS price_minor
             FROM price_observations o
             JOIN competitor_listings l ON l.id = o.listing_id
             JOIN products p ON p.id = l.product_id AND p.currency = o.currency
             WHERE o.store_id = ?1 AND o.observed_at >= ?2 AND o.amount_minor > 0
               AND (o.is_suspicious = 0 OR o.confirmed_at IS NOT NULL)
               AND coalesce(o.availability, 'unknown') <> 'out_of_stock'
             GROUP BY 1, 2 ORDER BY 1, 2"
        ))
        .bind(store_id)
        .bind(day_start_text(since_day))
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Replaces the store's demand estimates in one transaction (500 rows per statement).
    pub async fn replace_demand_estimates(&self, store_id: &str, rows: &[DemandRow]) -> Result<()> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM demand_estimates WHERE store_id = ?1")
            .bind(store_id)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        for chunk in rows.chunks(500) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO demand_estimates (store_id, product_id, elasticity, std_error, days, units,
                   price_low_minor, price_high_minor, untrusted, computed_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(store_id)
                    .push_bind(&r.product_id)
                    .push_bind(r.elasticity)
                    .push_bind(r.std_error)
                    .push_bind(r.days)
                    .push_bind(r.units)
                    .push_bind(r.price_low_minor)
                    .push_bind(r.price_high_minor)
                    .push_bind(&r.untrusted)
                    .push_bind(&now);
            });
            q.build().execute(&mut *tx).await.map_err(|e| match Error::from_sqlx(e) {
                Error::Constraint(m) => Error::Constraint(format!("demand estimate: {m}")),
                other => other,
            })?;
        }
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// The store's stored demand estimates.
    pub async fn demand_estimates(&self, store_id: &str) -> Result<Vec<DemandRow>> {
        sqlx::query_as(
            "SELECT product_id, elasticity, std_error, days, units, price_low_minor, price_high_minor, untrusted
             FROM demand_estimates WHERE store_id = ?1",
        )
        .bind(store_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }
}

/// The UTC instant a store-local day starts (`YYYY-MM-DDT21:00:00Z` of the day before).
fn day_start_text(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * 86_400 - 3 * 3_600)
        .map(crate::format_time)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}
