//! The demand analyst: once a day, each product's own price elasticity is estimated from the
//! store's order history (units per store-local day against our selling price, the lowest
//! competitor price that day when known, and the weekday) and stored; a run pools them into
//! category and store priors and shrinks thin products toward their group.

use std::collections::HashMap;

use spo_domain::pricing::demand::{self, Elasticity, Sales, Untrusted};
use spo_store::DemandRow;

use crate::{App, Result};

/// Store setting: the data the stored estimates were computed from (last day, orders synced).
const KEY_DEMAND_FOR: &str = "pricing.demand_for";
/// Days of order history the model reads.
pub(crate) const HISTORY_DAYS: i64 = 180;
/// A competitor price stands for the reference price this many days after it was seen.
const REFERENCE_CARRY_DAYS: i64 = 7;
/// Riyadh is UTC+3 all year.
const STORE_UTC_OFFSET_SECS: i64 = 3 * 3_600;

/// Today at `now` as a store-local day number (days since 1970-01-01).
pub(crate) fn local_day(now: i64) -> i64 {
    (now + STORE_UTC_OFFSET_SECS).div_euclid(86_400)
}

fn untrusted_name(u: Untrusted) -> String {
    serde_json::to_value(u).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "untrusted".into())
}

fn untrusted_from(name: &str) -> Untrusted {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).unwrap_or(Untrusted::TooUncertain)
}

impl App {
    /// Estimates each product's demand from the last [`HISTORY_DAYS`] complete days of orders
    /// unless the stored estimates already cover them. Returns whether it recomputed.
    #[tracing::instrument(skip_all, err)]
    pub async fn refresh_demand(&self, store_id: &str) -> Result<bool> {
        let last_day = local_day(self.now()) - 1;
        let synced = self.db().orders_synced_through(store_id).await?;
        let key = format!("{last_day}|{}|{HISTORY_DAYS}", synced.unwrap_or_default());
        if self.db().store_setting(store_id, KEY_DEMAND_FOR).await?.as_deref() == Some(key.as_str()) {
            return Ok(false);
        }
        let since = last_day - HISTORY_DAYS + 1;
        let mut references: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
        for r in self.db().daily_references(store_id, since - REFERENCE_CARRY_DAYS).await? {
            references.entry(r.product_id).or_default().push((r.day, r.price_minor));
        }
        // Product by product as the days stream in: the history is never held whole.
        let estimate_one = move |rows: &mut Vec<DemandRow>, product: &str, sales: &[spo_store::DaySales]| {
            let days: Vec<Sales> = sales
                .iter()
                .filter(|s| s.day <= last_day)
                .map(|s| Sales {
                    day: s.day,
                    units: u32::try_from(s.units).unwrap_or(u32::MAX),
                    revenue_minor: s.revenue_minor,
                })
                .collect();
            let refs = references.get(product).map(Vec::as_slice).unwrap_or_default();
            // The latest competitor price seen on or before the day, if recent enough.
            let reference = |day: i64| {
                let i = refs.partition_point(|(d, _)| *d <= day);
                i.checked_sub(1).map(|i| refs[i]).filter(|(d, _)| day - d <= REFERENCE_CARRY_DAYS).map(|(_, p)| p)
            };
            let series = demand::daily_series(&days, last_day, reference);
            let units: u64 = series.iter().map(|d| u64::from(d.units)).sum();
            let est = demand::estimate(&series);
            rows.push(DemandRow {
                product_id: product.to_owned(),
                elasticity: est.as_ref().ok().map(|e| e.value),
                std_error: est.as_ref().ok().map(|e| e.std_error),
                days: i64::try_from(series.len()).unwrap_or(i64::MAX),
                units: i64::try_from(units).unwrap_or(i64::MAX),
                price_low_minor: est.as_ref().ok().and_then(|e| e.observed).map(|(low, _)| low),
                price_high_minor: est.as_ref().ok().and_then(|e| e.observed).map(|(_, high)| high),
                untrusted: est.err().map(untrusted_name),
            });
        };
        let rows = self.db().fold_daily_sales(store_id, since, Vec::new(), estimate_one).await?;
        self.db().replace_demand_estimates(store_id, &rows).await?;
        self.db().put_store_setting(store_id, KEY_DEMAND_FOR, &key, "agent:demand_analyst").await?;
        let trusted = rows.iter().filter(|r| r.elasticity.is_some()).count();
        tracing::info!(products = rows.len(), trusted, "demand estimates refreshed");
        drop(rows);
        crate::memory::release_after("demand refresh").await;
        Ok(true)
    }
}

/// A stored estimate as the model reads it.
pub(crate) fn estimate_of(r: &DemandRow) -> std::result::Result<Elasticity, Untrusted> {
    match (r.elasticity, r.std_error, &r.untrusted) {
        (Some(value), Some(std_error), None) => Ok(Elasticity {
            value,
            std_error,
            days: u32::try_from(r.days).unwrap_or(0),
            observed: r.price_low_minor.zip(r.price_high_minor),
        }),
        (_, _, Some(why)) => Err(untrusted_from(why)),
        _ => Err(Untrusted::TooUncertain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_reasons_round_trip_through_their_stored_names() {
        for u in [
            Untrusted::TooFewDays,
            Untrusted::TooFewSales,
            Untrusted::NoPriceVariation,
            Untrusted::TooUncertain,
            Untrusted::Inelastic,
            Untrusted::NoCost,
        ] {
            assert_eq!(untrusted_from(&untrusted_name(u)), u);
        }
        assert_eq!(untrusted_name(Untrusted::TooFewSales), "too_few_sales");
    }
}
