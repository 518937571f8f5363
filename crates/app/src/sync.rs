//! Catalogue and orders imports: batched, resumable, cancellable, with progress.
//!
//! A page (or batch of orders) is one transaction, so a failure or a cancellation leaves whole
//! pages and whole orders, never half of one. Imports of one store never overlap.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use spo_domain::Currency;
use spo_ipc as ipc;
use spo_salla::SallaClient;
use spo_store::{ImportedOrder, ImportedOrderItem, ImportedProduct, ImportedVariant};
use tokio_util::sync::CancellationToken;

use crate::clock::date_text;
use crate::{App, AppError, Result};

/// Page size for imports (Salla's maximum).
const PAGE_SIZE: u32 = spo_salla::client::MAX_PER_PAGE;
/// Orders written per transaction.
const ORDER_BATCH: usize = 25;
/// Days of orders the first import fetches.
pub(crate) const FIRST_ORDERS_DAYS: i64 = 180;
/// An incremental orders import starts this many days before the last complete date, to pick up
/// status changes (cancellations, refunds) of recent orders.
const ORDERS_OVERLAP_DAYS: i64 = 3;

/// A progress callback.
pub type Progress<'a> = &'a (dyn Fn(ipc::SyncProgress) + Send + Sync);

/// The imports running now, by store, with their cancel switches.
#[derive(Debug, Default)]
pub(crate) struct Running(Mutex<HashMap<String, CancellationToken>>);

/// Removes a store's entry when its import ends, however it ends.
struct RunningGuard<'a> {
    running: &'a Running,
    store_id: String,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.running.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.store_id);
    }
}

impl Running {
    fn start(&self, store_id: &str) -> Result<(RunningGuard<'_>, CancellationToken)> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.contains_key(store_id) {
            return Err(AppError::Busy("this store is already importing; wait for it or cancel it".into()));
        }
        let token = CancellationToken::new();
        map.insert(store_id.to_owned(), token.clone());
        Ok((RunningGuard { running: self, store_id: store_id.to_owned() }, token))
    }

    /// Cancels the store's running import; false when none runs.
    pub(crate) fn cancel(&self, store_id: &str) -> bool {
        let map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(store_id).map(CancellationToken::cancel).is_some()
    }
}

fn elapsed_ms(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Imports a store's catalogue with a fresh access token.
pub(crate) async fn sync_catalog(app: &App, store_id: &str, progress: Progress<'_>) -> Result<ipc::SyncSummary> {
    let started = std::time::Instant::now();
    let (_guard, cancel) = app.running.start(store_id)?;
    let mut summary = crate::with_salla!(app, store_id, |client, token| import_catalog(
        app, client, token, store_id, progress, &cancel
    ))?;
    summary.elapsed_ms = elapsed_ms(started);
    Ok(summary)
}

/// Imports every product page by page, one transaction per page, with the variants of products
/// that have options. Products whose amounts cannot be read exactly are skipped and counted,
/// never guessed. After a complete pass, products Salla no longer lists get a tombstone.
pub(crate) async fn import_catalog(
    app: &App,
    client: &SallaClient,
    access_token: &str,
    store_id: &str,
    progress: Progress<'_>,
    cancel: &CancellationToken,
) -> Result<ipc::SyncSummary> {
    let mut summary = ipc::SyncSummary { phase: ipc::SyncPhase::Catalog, ..ipc::SyncSummary::default() };
    let mut seen = Vec::new();
    let mut done = 0u32;
    let mut page = 1;
    let report = |done: u32, total: Option<u32>, finished: bool| {
        progress(ipc::SyncProgress {
            store_id: store_id.to_owned(),
            phase: ipc::SyncPhase::Catalog,
            done,
            total,
            finished,
        });
    };
    let mut total = None;
    loop {
        if cancel.is_cancelled() {
            summary.cancelled = true;
            break;
        }
        let p = client.products_page(access_token, page, PAGE_SIZE).await?;
        total = p.pagination.total.and_then(|t| u32::try_from(t).ok()).or(total);
        let mut batch = Vec::with_capacity(p.data.len());
        for product in p.data {
            seen.push(product.id);
            let has_options = !product.options.is_empty();
            let id = product.id;
            match to_imported(product) {
                Ok(mut row) => {
                    if has_options {
                        row.variants = Some(fetch_variants(client, access_token, id, &row.currency).await?);
                    }
                    batch.push(row);
                }
                Err(reason) => {
                    summary.skipped += 1;
                    tracing::warn!(%reason, "product skipped");
                }
            }
        }
        let counts = app.db().upsert_products_counted(store_id, &batch).await?;
        summary.imported += to_u32(counts.changed);
        summary.unchanged += to_u32(counts.unchanged);
        summary.variants += to_u32(counts.variants_changed);
        done = done.saturating_add(to_u32(batch.len()));
        report(done + summary.skipped, total, false);
        if !p.pagination.has_next() {
            summary.removed = to_u32(app.db().finish_catalog_pass(store_id, &seen).await?);
            break;
        }
        page += 1;
    }
    if !summary.cancelled {
        read_vat(app, client, access_token, store_id).await;
    }
    report(done + summary.skipped, total, true);
    Ok(summary)
}

/// The store's VAT rate from its tax settings at Salla (`GET /taxes`): the active Saudi tax, or
/// the first active one. Without the `taxes.read` scope (or any answer) the rate set for the store
/// stays (15 % unless the merchant set another); this never fails an import.
async fn read_vat(app: &App, client: &SallaClient, access_token: &str, store_id: &str) {
    let taxes = match client.taxes(access_token).await {
        Ok(t) => t,
        Err(e) => {
            tracing::info!(error = %e, "the store's tax settings could not be read; its VAT rate stays as set");
            return;
        }
    };
    let saudi = |t: &&&spo_salla::Tax| {
        t.country.as_ref().is_some_and(|c| {
            let c = c.to_string().to_lowercase();
            c.contains("\"sa\"") || c.contains("saudi") || c.contains("السعودية")
        })
    };
    let active: Vec<&spo_salla::Tax> = taxes.iter().filter(|t| t.is_active()).collect();
    let pick = active.iter().find(saudi).or(active.first());
    if let Some(bps) = pick.and_then(|t| t.rate_bps()) {
        if let Err(e) = app.db().set_store_vat_bps(store_id, i64::from(bps)).await {
            tracing::warn!(error = %e, "the store's VAT rate could not be kept");
        }
    }
}

async fn fetch_variants(
    client: &SallaClient,
    access_token: &str,
    product_id: i64,
    currency: &str,
) -> Result<Vec<ImportedVariant>> {
    let fallback = Currency::parse(currency).unwrap_or(Currency::SAR);
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = client.variants_page(access_token, product_id, page).await?;
        for v in p.data {
            let money = |m: &Option<spo_salla::model::MoneyObject>| -> std::result::Result<Option<i64>, String> {
                match m {
                    Some(m) => m.to_money(fallback).map(|o| o.map(|m| m.minor)).map_err(|e| e.to_string()),
                    None => Ok(None),
                }
            };
            let price = match money(&v.price) {
                Ok(Some(p)) => p,
                Ok(None) => {
                    tracing::warn!(variant = v.id, "variant without a price skipped");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(variant = v.id, error = %e, "variant skipped");
                    continue;
                }
            };
            let sale = money(&v.sale_price).ok().flatten().filter(|m| *m > 0);
            let cost = v.cost_price.to_money(fallback).ok().flatten().map(|m| m.minor);
            out.push(ImportedVariant {
                salla_variant_id: v.id,
                sku: v.sku.filter(|s| !s.is_empty()),
                gtin: v.gtin.or(v.barcode).filter(|s| !s.is_empty()),
                options_json: "[]".into(),
                currency: fallback.code().to_owned(),
                price_minor: price,
                sale_price_minor: sale,
                cost_minor: cost,
                quantity: v.stock_quantity,
            });
        }
        if !p.pagination.has_next() {
            return Ok(out);
        }
        page += 1;
    }
}

fn to_imported(p: spo_salla::Product) -> std::result::Result<ImportedProduct, String> {
    let fallback = Currency::SAR;
    let price = p
        .price
        .as_ref()
        .ok_or_else(|| format!("product {} has no price", p.id))?
        .to_money(fallback)
        .map_err(|e| format!("product {}: {e}", p.id))?
        .ok_or_else(|| format!("product {} has no price amount", p.id))?;
    // The regular price and the sale apart: some servers send the sale price as `price`.
    let shelf = p
        .shelf(price.currency)
        .map_err(|e| format!("product {}: {e}", p.id))?
        .ok_or_else(|| format!("product {} has no price amount", p.id))?;
    let cost = p.cost_price.to_money(price.currency).map_err(|e| format!("product {}: {e}", p.id))?;
    Ok(ImportedProduct {
        salla_product_id: p.id,
        name: p.name,
        sku: p.sku.filter(|s| !s.is_empty()),
        status: p.status.unwrap_or_else(|| "sale".into()),
        currency: price.currency.code().to_owned(),
        price_minor: shelf.regular_minor,
        sale_price_minor: shelf.sale_minor,
        sale_end: shelf.sale_end,
        cost_minor: cost.map(|m| m.minor),
        quantity: p.quantity,
        category: p.categories.first().map(|c| (c.id, c.name.clone().unwrap_or_default())),
        salla_updated_at: p.updated_at,
        variants: None,
    })
}

fn parse_date(text: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &fmt).ok()
}

/// Salla's order date (`"2026-05-29 21:13:07.000000"` in `timezone`) as UTC RFC 3339.
fn order_time_utc(date: &spo_salla::model::OrderDate) -> std::result::Result<String, String> {
    let offset = match date.timezone.as_deref().unwrap_or("Asia/Riyadh") {
        "Asia/Riyadh" | "Asia/Kuwait" | "Asia/Qatar" | "Asia/Bahrain" | "Asia/Baghdad" | "Asia/Aden" => {
            crate::clock::RIYADH
        }
        "Asia/Dubai" | "Asia/Muscat" => time::macros::offset!(+4),
        "UTC" | "Etc/UTC" | "Z" => time::UtcOffset::UTC,
        other => return Err(format!("unsupported time zone {other:?}")),
    };
    let text = date.date.trim();
    let text = text.split('.').next().unwrap_or(text);
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let local = time::PrimitiveDateTime::parse(text, &fmt).map_err(|e| format!("order date {text:?}: {e}"))?;
    Ok(spo_store::format_time(local.assume_offset(offset)))
}

fn to_order(o: &spo_salla::Order, items: Vec<spo_salla::OrderItem>) -> std::result::Result<ImportedOrder, String> {
    let ordered_at = order_time_utc(&o.date)?;
    let fallback = Currency::SAR;
    let total = match &o.total {
        Some(t) => t.to_money(fallback).map_err(|e| format!("order {}: {e}", o.id))?,
        None => None,
    };
    let mut lines = Vec::with_capacity(items.len());
    for i in items {
        let currency = i.currency.as_deref().and_then(|c| Currency::parse(c).ok()).unwrap_or(fallback);
        let unit = i
            .amounts
            .price_without_tax
            .as_ref()
            .ok_or_else(|| format!("order {} line {} has no unit price", o.id, i.id))?
            .to_money(currency)
            .map_err(|e| format!("order {} line {}: {e}", o.id, i.id))?
            .ok_or_else(|| format!("order {} line {} has no unit price", o.id, i.id))?;
        lines.push(ImportedOrderItem {
            salla_item_id: i.id,
            sku: i.sku.filter(|s| !s.is_empty()),
            name: i.name,
            quantity: i.quantity.unwrap_or(0).max(0),
            currency: unit.currency.code().to_owned(),
            unit_price_minor: unit.minor,
        });
    }
    let currency = total.map_or(fallback, |t| t.currency);
    Ok(ImportedOrder {
        salla_order_id: o.id,
        reference: o.reference_id.map(|r| r.to_string()),
        status: o.status.as_ref().and_then(|s| s.slug.clone()).unwrap_or_else(|| "unknown".into()),
        ordered_at,
        currency: currency.code().to_owned(),
        total_minor: total.map_or_else(|| lines.iter().map(|l| l.unit_price_minor * l.quantity).sum(), |t| t.minor),
        items: lines,
    })
}

/// Imports a store's orders: the last 180 days the first time, then from a few days before the
/// last complete date. Orders are listed first (so new orders arriving meanwhile cannot shift
/// pages), then their lines fetched one order at a time and written in batches of whole orders.
pub(crate) async fn sync_orders(app: &App, store_id: &str, progress: Progress<'_>) -> Result<ipc::SyncSummary> {
    let started = std::time::Instant::now();
    let (_guard, cancel) = app.running.start(store_id)?;
    let mut summary = crate::with_salla!(app, store_id, |client, token| import_orders(
        app, client, token, store_id, progress, &cancel
    ))?;
    summary.elapsed_ms = elapsed_ms(started);
    Ok(summary)
}

async fn import_orders(
    app: &App,
    client: &SallaClient,
    token: &str,
    store_id: &str,
    progress: Progress<'_>,
    cancel: &CancellationToken,
) -> Result<ipc::SyncSummary> {
    let today = crate::clock::store_time(app.now()).date();
    let from = match app.db().orders_synced_through(store_id).await?.as_deref().and_then(parse_date) {
        Some(d) => d - time::Duration::days(ORDERS_OVERLAP_DAYS),
        None => today - time::Duration::days(FIRST_ORDERS_DAYS),
    };
    let (from_text, to_text) = (date_text(from), date_text(today));
    let mut summary = ipc::SyncSummary { phase: ipc::SyncPhase::Orders, ..ipc::SyncSummary::default() };
    let report = |done: u32, total: Option<u32>, finished: bool| {
        progress(ipc::SyncProgress {
            store_id: store_id.to_owned(),
            phase: ipc::SyncPhase::Orders,
            done,
            total,
            finished,
        });
    };

    let mut headers = Vec::new();
    let mut ids = HashSet::new();
    let mut page = 1;
    loop {
        if cancel.is_cancelled() {
            summary.cancelled = true;
            break;
        }
        let p = client.orders_page(token, &from_text, &to_text, page, PAGE_SIZE).await?;
        headers.extend(p.data.into_iter().filter(|o| ids.insert(o.id)));
        report(0, p.pagination.total.and_then(|t| u32::try_from(t).ok()), false);
        if !p.pagination.has_next() {
            break;
        }
        page += 1;
    }
    // Oldest first, so a cancelled import has a contiguous history.
    headers.reverse();
    let total = Some(to_u32(headers.len()));
    let mut batch = Vec::with_capacity(ORDER_BATCH);
    let mut done = 0u32;
    for header in &headers {
        if cancel.is_cancelled() {
            summary.cancelled = true;
            break;
        }
        let items = client.order_items(token, header.id).await?;
        match to_order(header, items) {
            Ok(order) => batch.push(order),
            Err(reason) => {
                summary.skipped += 1;
                tracing::warn!(%reason, "order skipped");
            }
        }
        done += 1;
        if batch.len() >= ORDER_BATCH {
            write_orders(app, store_id, &mut batch, &mut summary).await?;
            report(done, total, false);
        }
    }
    write_orders(app, store_id, &mut batch, &mut summary).await?;
    if !summary.cancelled {
        app.db().set_orders_synced_through(store_id, &to_text).await?;
    }
    report(done, total, true);
    Ok(summary)
}

async fn write_orders(
    app: &App,
    store_id: &str,
    batch: &mut Vec<ImportedOrder>,
    summary: &mut ipc::SyncSummary,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let counts = app.db().upsert_orders(store_id, batch).await?;
    summary.imported += to_u32(counts.orders);
    summary.order_lines += to_u32(counts.items);
    summary.unmatched_lines += to_u32(counts.unmatched);
    batch.clear();
    Ok(())
}

/// The last 30 days' sales of a store.
pub(crate) async fn sales_summary(app: &App, store_id: &str) -> Result<ipc::SalesSummary> {
    let store = app.db().store(store_id).await?;
    let stats = app.db().sales_stats(&store.id, 30).await?;
    Ok(ipc::SalesSummary {
        orders: u64::try_from(stats.orders).unwrap_or(0),
        units: u64::try_from(stats.units).unwrap_or(0),
        revenue_minor: stats.revenue_minor,
        currency: "SAR".into(),
        orders_synced_through: app.db().orders_synced_through(store_id).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_dates_become_utc() {
        let d = |date: &str, tz: Option<&str>| {
            order_time_utc(&spo_salla::model::OrderDate { date: date.into(), timezone: tz.map(str::to_owned) })
        };
        assert_eq!(d("2026-05-29 01:13:07.000000", Some("Asia/Riyadh")).as_deref(), Ok("2026-05-28T22:13:07.000Z"));
        assert_eq!(d("2026-05-29 01:13:07", None).as_deref(), Ok("2026-05-28T22:13:07.000Z"));
        assert_eq!(d("2026-05-29 01:13:07", Some("UTC")).as_deref(), Ok("2026-05-29T01:13:07.000Z"));
        assert!(d("2026-05-29 01:13:07", Some("America/New_York")).is_err(), "unknown zones are refused");
        assert!(d("29/05/2026", None).is_err());
    }
}
