//! Competitor listings: add, list, check (fetch + extract + sanity check + record), probe.

use spo_domain::competitors::{
    confirms, implausibly_low, is_suspicious, ACTIONABLE_CONFIDENCE, DEFAULT_MAX_JUMP_BPS, SANITY_WINDOW,
};
use spo_domain::competitors::{MatchKind, PageStatus};
use spo_extract::{ExtractError, Target};
use spo_fetch::{FetchConfig, FetchError, Fetched, Fetcher, Validators};
use spo_ipc as ipc;
use spo_store::{ListingRow, NewListing, NewObservation};

use crate::job_counts::CompetitorCounts;
use crate::vocab::{availability, match_kind, page_status, price_method};
use crate::{App, AppError, Result};

/// Hosts allowed on private addresses (and plain http) for every fetch, from
/// `SPO_FETCH_ALLOW_HOSTS` (comma-separated `host` or `host:port`).
pub(crate) fn allowed_hosts_from_env() -> Vec<String> {
    std::env::var("SPO_FETCH_ALLOW_HOSTS")
        .unwrap_or_default()
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

pub(crate) fn fetcher(extra_allowed: Option<&str>) -> Result<Fetcher> {
    let mut allowed_hosts = allowed_hosts_from_env();
    if let Some(h) = extra_allowed.map(str::trim).filter(|h| !h.is_empty()) {
        allowed_hosts.push(h.to_ascii_lowercase());
    }
    let min_interval = std::env::var("SPO_FETCH_MIN_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(FetchConfig::default().min_interval);
    Fetcher::new(FetchConfig { allowed_hosts, min_interval, ..FetchConfig::default() })
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn fetch_status(e: &FetchError) -> PageStatus {
    match e {
        FetchError::InvalidUrl(_) => PageStatus::InvalidUrl,
        FetchError::NotHttps(_) => PageStatus::NotHttps,
        FetchError::BlockedByRobots(_) => PageStatus::BlockedByRobots,
        FetchError::Forbidden(_) => PageStatus::ForbiddenAddress,
        FetchError::TooManyRedirects(_) => PageStatus::TooManyRedirects,
        FetchError::TooLarge(_) => PageStatus::TooLarge,
        FetchError::Timeout => PageStatus::Timeout,
        FetchError::RateLimited(_) => PageStatus::RateLimited,
        FetchError::Status(404 | 410) => PageStatus::PageGone,
        FetchError::Status(_) => PageStatus::HttpError,
        FetchError::Network(_) => PageStatus::Unreachable,
    }
}

fn extract_status(e: &ExtractError) -> PageStatus {
    match e {
        ExtractError::NoPrice => PageStatus::NoPrice,
        ExtractError::Ambiguous(_) => PageStatus::Ambiguous,
        ExtractError::Unreadable(_) => PageStatus::UnreadablePrice,
        ExtractError::NoCurrency(_) => PageStatus::NoCurrency,
        ExtractError::BadSelector(_) => PageStatus::BadSelector,
    }
}

/// Fetches and reads one page.
pub(crate) async fn read_page(
    fetcher: &Fetcher,
    url: &str,
    target: &Target,
    validators: &Validators,
    now: String,
) -> (ipc::ProbeResult, Validators) {
    let mut result = ipc::ProbeResult {
        url: url.to_owned(),
        final_url: None,
        fetched_at: now,
        status: ipc::PageStatus::Ok,
        error: None,
        amount_minor: None,
        currency: None,
        availability: None,
        method: None,
        confidence: None,
        evidence: None,
        vat_included: None,
    };
    match fetcher.fetch(url, validators).await {
        Err(e) => {
            result.status = page_status::to_ipc(fetch_status(&e));
            result.error = Some(e.to_string());
            (result, Validators::default())
        }
        Ok(Fetched::NotModified { final_url }) => {
            result.status = ipc::PageStatus::NotModified;
            result.final_url = Some(final_url);
            (result, validators.clone())
        }
        Ok(Fetched::Page { final_url, body, validators }) => {
            result.final_url = Some(final_url);
            match spo_extract::extract(&body, target) {
                Ok(x) => {
                    result.amount_minor = Some(x.amount_minor);
                    result.currency = Some(x.currency.code().to_owned());
                    result.availability = Some(availability::to_ipc(x.availability));
                    result.method = Some(price_method::to_ipc(x.method));
                    result.confidence = Some(x.confidence);
                    result.evidence = Some(x.evidence);
                    result.vat_included = Some(x.vat_included);
                }
                Err(e) => {
                    result.status = page_status::to_ipc(extract_status(&e));
                    result.error = Some(e.to_string());
                }
            }
            (result, validators)
        }
    }
}

pub(crate) fn to_ipc(l: ListingRow) -> ipc::Listing {
    ipc::Listing {
        id: l.id,
        product_id: l.product_id,
        product_name: l.product_name,
        product_sku: l.product_sku,
        url: l.url,
        competitor_name: l.competitor_name,
        match_kind: match_kind::to_ipc(l.match_kind),
        match_key: l.match_key,
        css_selector: l.css_selector,
        last_checked_at: l.last_checked_at,
        last_status: l.last_status.map(page_status::to_ipc),
        last_error: l.last_error,
        last_amount_minor: l.last_amount_minor,
        last_currency: l.last_currency,
        last_availability: l.last_availability.map(availability::to_ipc),
        last_suspicious: l.last_suspicious.unwrap_or(false),
        last_evidence: l.last_evidence,
    }
}

/// The competitor's name from the page's domain: `www.noon.com` → `noon.com`.
pub(crate) fn name_from_url(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    host.strip_prefix("www.").unwrap_or(&host).to_owned()
}

/// Columns of the CSV format (export writes them all; import reads the first six, by header).
pub const CSV_COLUMNS: &[&str] = &[
    "product_sku",
    "url",
    "competitor_name",
    "match_sku",
    "match_gtin",
    "css_selector",
    "last_price",
    "currency",
    "availability",
    "status",
    "last_checked_at",
];

#[derive(serde::Deserialize)]
struct CsvRow {
    product_sku: String,
    url: String,
    #[serde(default)]
    competitor_name: Option<String>,
    #[serde(default)]
    match_sku: Option<String>,
    #[serde(default)]
    match_gtin: Option<String>,
    #[serde(default)]
    css_selector: Option<String>,
}

impl App {
    /// Imports competitor pages from CSV (header row with at least `product_sku` and `url`).
    /// Good rows are added even when others are refused; every refusal says its line and why.
    #[tracing::instrument(skip_all, err)]
    pub async fn import_listings_csv(&self, store_id: &str, csv_text: &str) -> Result<ipc::ListingImportReport> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(csv_text.as_bytes());
        let headers =
            reader.headers().map_err(|e| AppError::InvalidInput(format!("unreadable CSV header: {e}")))?.clone();
        for required in ["product_sku", "url"] {
            if !headers.iter().any(|h| h == required) {
                return Err(AppError::InvalidInput(format!("the CSV needs a {required:?} column")));
            }
        }
        let mut report = ipc::ListingImportReport::default();
        for record in reader.records() {
            // The line the row starts on (the parser counts quoted line breaks too).
            let line = match &record {
                Ok(r) => r.position().map_or(0, csv::Position::line),
                Err(e) => e.position().map_or(0, csv::Position::line),
            };
            let row: std::result::Result<CsvRow, String> = record.map_err(|e| e.to_string()).and_then(|r| {
                // No field of this format spans lines: one that does is an unterminated quote
                // that swallowed the rows after it.
                if r.iter().any(|f| f.contains(['\n', '\r'])) {
                    let swallowed = r.iter().map(|f| f.matches('\n').count()).sum::<usize>();
                    return Err(format!(
                        "a quoted field is not closed; it runs over the next {swallowed} line(s), which were not imported"
                    ));
                }
                r.deserialize(Some(&headers)).map_err(|e| e.to_string())
            });
            let outcome = match row {
                Ok(row) => match self
                    .add_listing(ipc::NewListingRequest {
                        store_id: store_id.to_owned(),
                        product: row.product_sku.clone(),
                        url: row.url,
                        name: row.competitor_name.filter(|s| !s.is_empty()),
                        match_sku: row.match_sku.filter(|s| !s.is_empty()),
                        match_gtin: row.match_gtin.filter(|s| !s.is_empty()),
                        selector: row.css_selector.filter(|s| !s.is_empty()),
                    })
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(AppError::Store(spo_store::Error::NotFound)) => {
                        Err(format!("no product with SKU {:?} in this store", row.product_sku))
                    }
                    // The database itself failed (disk full, read-only, busy): every later row
                    // would fail the same way. Stop here, with one message.
                    Err(AppError::Store(
                        e @ (spo_store::Error::Database(_) | spo_store::Error::Busy | spo_store::Error::Io { .. }),
                    )) => {
                        return Err(AppError::Internal(format!(
                            "the import stopped at line {line}: {e}; {} page(s) before it were added",
                            report.added
                        )));
                    }
                    Err(other) => Err(other.to_string()),
                },
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => report.added += 1,
                Err(message) => report.errors.push(ipc::RowError { line, message }),
            }
        }
        Ok(report)
    }

    /// The store's competitor pages as CSV (importable again).
    #[tracing::instrument(skip_all, err)]
    pub async fn export_listings_csv(&self, store_id: &str) -> Result<String> {
        let mut rows = Vec::new();
        for l in self.db().listings(store_id).await? {
            let price = match (l.last_amount_minor, l.last_currency.as_deref()) {
                (Some(m), Some(c)) => crate::decimal_minor(m, c).unwrap_or_default(),
                _ => String::new(),
            };
            rows.push(vec![
                l.product_sku.unwrap_or_default(),
                l.url,
                l.competitor_name,
                if l.match_kind == MatchKind::Sku { l.match_key.clone().unwrap_or_default() } else { String::new() },
                if l.match_kind == MatchKind::Gtin { l.match_key.clone().unwrap_or_default() } else { String::new() },
                l.css_selector.unwrap_or_default(),
                price,
                l.last_currency.unwrap_or_default(),
                l.last_availability.map(|a| a.as_str().to_owned()).unwrap_or_default(),
                l.last_status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                l.last_checked_at.unwrap_or_default(),
            ]);
        }
        let bytes = crate::csv_out::write(Vec::new(), CSV_COLUMNS, rows)?;
        String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("CSV: {e}")))
    }

    /// Fetches and reads one page without storing anything (`spo competitors probe`).
    /// `allow_host` permits one private or loopback host for this call.
    #[tracing::instrument(skip_all, err)]
    pub async fn probe_page(
        &self,
        url: &str,
        sku: Option<String>,
        allow_host: Option<&str>,
    ) -> Result<ipc::ProbeResult> {
        let fetcher = fetcher(allow_host)?;
        let target = Target { sku, ..Target::default() };
        Ok(read_page(&fetcher, url, &target, &Validators::default(), self.db().now_text()).await.0)
    }

    /// Adds a competitor page for one of the store's products (by local id or SKU).
    #[tracing::instrument(skip_all, err)]
    pub async fn add_listing(&self, request: ipc::NewListingRequest) -> Result<ipc::Listing> {
        let ipc::NewListingRequest { store_id, product, url, name, match_sku, match_gtin, selector } = request;
        let (store_id, product, url) = (store_id.as_str(), product.as_str(), url.as_str());
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| AppError::InvalidInput(format!("not a valid web address: {url}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(AppError::InvalidInput(format!("only web pages can be tracked: {url}")));
        }
        let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (match_kind, match_key) = match (clean(match_sku), clean(match_gtin)) {
            (Some(_), Some(_)) => {
                return Err(AppError::InvalidInput("match the competitor's page by SKU or by GTIN, not both".into()))
            }
            (Some(sku), None) => (MatchKind::Sku, Some(sku)),
            (None, Some(gtin)) if spo_domain::competitors::is_valid_gtin(&gtin) => (MatchKind::Gtin, Some(gtin)),
            (None, Some(gtin)) => {
                return Err(AppError::InvalidInput(format!(
                    "{gtin:?} is not a valid GTIN (8, 12, 13 or 14 digits with a correct check digit)"
                )))
            }
            (None, None) => (MatchKind::Manual, None),
        };
        let product_id = self.db().product_id_by_id_or_sku(store_id, product).await?;
        let id = self
            .db()
            .add_listing(
                store_id,
                &NewListing {
                    product_id,
                    variant_id: None,
                    url: parsed.to_string(),
                    competitor_name: name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| name_from_url(&parsed)),
                    match_kind,
                    match_key,
                    css_selector: selector.filter(|s| !s.trim().is_empty()),
                },
            )
            .await?;
        Ok(to_ipc(self.db().listing(store_id, &id).await?))
    }

    /// Reads every live competitor page of the store again (the scheduled check), reporting
    /// progress; stops between pages when `cancel` fires. A page that fails is recorded on its
    /// listing and the check goes on. Counts the products a competitor has newly undercut: cheaper
    /// than our shelf price (with VAT, as their pages show theirs) now and not before this check.
    pub(crate) async fn check_store_pages(
        &self,
        store_id: &str,
        cancel: &spo_agents::CancellationToken,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<CompetitorCounts> {
        let active = self.list_listings(store_id).await?;
        let vat = u32::try_from(self.db().store_vat_bps(store_id).await?).unwrap_or(0);
        let ours: std::collections::HashMap<String, i64> = self
            .db()
            .pricing_products(store_id)
            .await?
            .into_iter()
            .map(|p| {
                let price = p.sale_price_minor.filter(|s| *s < p.price_minor).unwrap_or(p.price_minor);
                let shelf = spo_domain::Money::from_minor(price, spo_domain::Currency::SAR).plus_rate_bps(vat);
                (p.id, shelf.map_or(price, |m| m.minor))
            })
            .collect();
        let below = |l: &ipc::Listing| {
            matches!((l.last_amount_minor, ours.get(&l.product_id)), (Some(theirs), Some(ours)) if theirs < *ours)
                && !l.last_suspicious
                && l.last_status == Some(ipc::PageStatus::Ok)
        };
        let total = active.len() as u64;
        let (mut ok, mut failed) = (0u64, 0u64);
        let mut undercut: Vec<String> = Vec::new();
        for (i, l) in active.iter().enumerate() {
            if cancel.is_cancelled() {
                break;
            }
            match self.check_listing(store_id, &l.id).await {
                Ok(now) => {
                    ok += 1;
                    if below(&now) && !below(l) && !undercut.contains(&now.product_name) {
                        undercut.push(now.product_name.clone());
                    }
                }
                Err(_) => failed += 1,
            }
            progress(i as u64 + 1, total);
        }
        Ok(CompetitorCounts {
            checked: ok,
            failed,
            pages: total,
            undercut: undercut.len() as u64,
            undercut_product: undercut.first().cloned(),
        })
    }

    /// The merchant confirms a suspicious price jump as real: pricing may use it from now on.
    #[tracing::instrument(skip_all, err)]
    pub async fn confirm_listing_price(&self, store_id: &str, listing_id: &str) -> Result<ipc::Listing> {
        if !self.db().confirm_latest_observation(store_id, listing_id).await? {
            return Err(AppError::InvalidInput("this page's last price needs no confirmation".into()));
        }
        Ok(to_ipc(self.db().listing(store_id, listing_id).await?))
    }

    /// The store's listings, failing ones first.
    #[tracing::instrument(skip_all, err)]
    pub async fn list_listings(&self, store_id: &str) -> Result<Vec<ipc::Listing>> {
        self.db().store(store_id).await?;
        Ok(self.db().listings(store_id).await?.into_iter().map(to_ipc).collect())
    }

    /// Checks one listing now: fetch (conditional), extract, sanity-check against its recent prices,
    /// record. Failures are recorded on the listing, not returned as errors.
    #[tracing::instrument(skip_all, err)]
    pub async fn check_listing(&self, store_id: &str, listing_id: &str) -> Result<ipc::Listing> {
        let listing = self.db().listing(store_id, listing_id).await?;
        let target = Target {
            sku: (listing.match_kind == MatchKind::Sku).then(|| listing.match_key.clone()).flatten(),
            gtin: (listing.match_kind == MatchKind::Gtin).then(|| listing.match_key.clone()).flatten(),
            selector: listing.css_selector.clone(),
            ..Target::default()
        };
        let validators = Validators { etag: listing.etag.clone(), last_modified: listing.last_modified.clone() };
        let (r, validators) = read_page(&self.fetcher, &listing.url, &target, &validators, self.db().now_text()).await;
        let recent = self.db().recent_amounts(listing_id, SANITY_WINDOW as i64).await?;
        let mut suspicious = r.amount_minor.is_some_and(|a| is_suspicious(a, &recent, DEFAULT_MAX_JUMP_BPS));
        // Far below what we sell for or what it costs us, even on a page's first reading: held
        // until seen again (a one-halala price only the merchant can confirm).
        let product = self.db().product_row(store_id, &listing.product_id).await?;
        let ours = product.sale_price_minor.filter(|s| *s < product.price_minor).unwrap_or(product.price_minor);
        // Like with like: a VAT-inclusive page against our price and cost with VAT.
        let vat = if r.vat_included.unwrap_or(true) {
            u32::try_from(self.db().store_vat_bps(store_id).await?).unwrap_or(0)
        } else {
            0
        };
        let with_vat = |v: i64| {
            spo_domain::Money::from_minor(v, spo_domain::Currency::SAR).plus_rate_bps(vat).map_or(v, |m| m.minor)
        };
        suspicious |=
            r.amount_minor.is_some_and(|a| implausibly_low(a, Some(with_vat(ours)), product.cost_minor.map(with_vat)));
        let placeholder = r.amount_minor.is_some_and(|a| a <= 1);
        let previous = match r.amount_minor {
            Some(_) => self.db().last_priced_observation(listing_id).await?,
            None => None,
        };
        // A jump seen twice in a row is real: the second observation confirms the first.
        let mut confirmed = None;
        if let (true, false, Some(amount)) = (suspicious, placeholder, r.amount_minor) {
            if let Some((previous, previous_amount, true)) = &previous {
                if confirms(*previous_amount, amount, DEFAULT_MAX_JUMP_BPS) {
                    suspicious = false;
                    confirmed = Some(previous.clone());
                }
            }
        }
        // A reading the page does not back up (its visible text alone, or sources that disagree)
        // waits for the merchant: pricing uses it once they confirmed a reading of this page and
        // the price has not jumped since. Reading it again adds no evidence.
        let low_confidence = r.confidence.is_some_and(|c| c < ACTIONABLE_CONFIDENCE);
        if let (true, Some(amount)) = (low_confidence, r.amount_minor) {
            let trusted_before =
                matches!(&previous, Some((_, before, false)) if confirms(*before, amount, DEFAULT_MAX_JUMP_BPS));
            if !trusted_before {
                suspicious = true;
                confirmed = None;
            }
        }
        let obs = NewObservation {
            observed_at: r.fetched_at.clone(),
            amount_minor: r.amount_minor,
            currency: r.currency.clone(),
            availability: r.availability.map(availability::from_ipc),
            method: r.method.map(price_method::from_ipc),
            confidence: r.confidence,
            evidence: r.evidence.clone(),
            final_url: r.final_url.clone(),
            is_suspicious: suspicious,
            vat_included: r.vat_included.unwrap_or(true),
            status: page_status::from_ipc(r.status),
            error: r.error.clone(),
            etag: validators.etag,
            last_modified: validators.last_modified,
        };
        self.db().record_check(store_id, listing_id, &obs, confirmed.as_deref()).await?;
        Ok(to_ipc(self.db().listing(store_id, listing_id).await?))
    }
}
