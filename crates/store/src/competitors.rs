//! Competitor listings and their price observations.

pub use spo_domain::competitors::{Availability, CandidateStatus, MatchKind, Method, PageStatus};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::{new_id, vocab, Db, Error, Result};

/// A listing to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewListing {
    /// Local product id.
    pub product_id: String,
    /// Local variant id, when the listing is for one variant.
    pub variant_id: Option<String>,
    /// Competitor page URL.
    pub url: String,
    /// Competitor name (from the domain unless the user named it).
    pub competitor_name: String,
    /// How it is matched.
    pub match_kind: MatchKind,
    /// The SKU or GTIN to pick on the competitor's page.
    pub match_key: Option<String>,
    /// CSS selector of the price for this page.
    pub css_selector: Option<String>,
}

/// A listing as the Competitors screen shows it, with its last observation.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRow {
    /// Local id.
    pub id: String,
    /// Product (local id).
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Our SKU.
    pub product_sku: Option<String>,
    /// Competitor page.
    pub url: String,
    /// Competitor name.
    pub competitor_name: String,
    /// How it is matched.
    pub match_kind: MatchKind,
    /// SKU / GTIN on the competitor's page.
    pub match_key: Option<String>,
    /// CSS selector.
    pub css_selector: Option<String>,
    /// Checked at all.
    pub is_active: bool,
    /// Last check.
    pub last_checked_at: Option<String>,
    /// How the last check went.
    pub last_status: Option<PageStatus>,
    /// Error in words.
    pub last_error: Option<String>,
    /// `ETag` of the last answer.
    pub etag: Option<String>,
    /// `Last-Modified` of the last answer.
    pub last_modified: Option<String>,
    /// Evidence of the last observed amount (what the page said).
    pub last_evidence: Option<String>,
    /// Last observed amount.
    pub last_amount_minor: Option<i64>,
    /// Its currency.
    pub last_currency: Option<String>,
    /// Its availability.
    pub last_availability: Option<Availability>,
    /// Whether it awaits confirmation.
    pub last_suspicious: Option<bool>,
}

impl<'r> sqlx::FromRow<'r, SqliteRow> for ListingRow {
    fn from_row(r: &'r SqliteRow) -> sqlx::Result<Self> {
        Ok(ListingRow {
            id: r.try_get("id")?,
            product_id: r.try_get("product_id")?,
            product_name: r.try_get("product_name")?,
            product_sku: r.try_get("product_sku")?,
            url: r.try_get("url")?,
            competitor_name: r.try_get("competitor_name")?,
            match_kind: vocab::get(r, "match_kind")?,
            match_key: r.try_get("match_key")?,
            css_selector: r.try_get("css_selector")?,
            is_active: r.try_get("is_active")?,
            last_checked_at: r.try_get("last_checked_at")?,
            last_status: vocab::get_opt(r, "last_status")?,
            last_error: r.try_get("last_error")?,
            etag: r.try_get("etag")?,
            last_modified: r.try_get("last_modified")?,
            last_evidence: r.try_get("last_evidence")?,
            last_amount_minor: r.try_get("last_amount_minor")?,
            last_currency: r.try_get("last_currency")?,
            last_availability: vocab::get_opt(r, "last_availability")?,
            last_suspicious: r.try_get("last_suspicious")?,
        })
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct NewObservation {
    /// When (UTC RFC 3339).
    pub observed_at: String,
    /// Amount, when a price was found.
    pub amount_minor: Option<i64>,
    /// Currency, when a price was found.
    pub currency: Option<String>,
    /// Stock status, when a price was found.
    pub availability: Option<Availability>,
    /// Where on the page the price was read.
    pub method: Option<Method>,
    /// 0–1.
    pub confidence: Option<f32>,
    /// Evidence snippet (≤ 1 KiB).
    pub evidence: Option<String>,
    /// Final URL after redirects.
    pub final_url: Option<String>,
    /// Marked suspicious by the sanity check.
    pub is_suspicious: bool,
    /// Whether the amount includes VAT.
    pub vat_included: bool,
    /// How the check went.
    pub status: PageStatus,
    /// The error in words.
    pub error: Option<String>,
    /// Validators of the answer.
    pub etag: Option<String>,
    /// Validators of the answer.
    pub last_modified: Option<String>,
}

const LISTING_SELECT: &str = "SELECT l.id, l.product_id, p.name AS product_name, p.sku AS product_sku, l.url,
        l.competitor_name, l.match_kind, l.match_key, l.css_selector, l.is_active, l.last_checked_at,
        l.last_status, l.last_error, l.etag, l.last_modified,
        o.evidence AS last_evidence, o.amount_minor AS last_amount_minor, o.currency AS last_currency,
        o.availability AS last_availability, (o.is_suspicious = 1 AND o.confirmed_at IS NULL) AS last_suspicious
     FROM competitor_listings l
     JOIN products p ON p.id = l.product_id
     LEFT JOIN price_observations o ON o.id = (
        SELECT id FROM price_observations WHERE listing_id = l.id AND amount_minor IS NOT NULL
        ORDER BY observed_at DESC LIMIT 1)";

impl Db {
    /// Adds a listing (or revives a removed one for the same product, variant and URL). The product
    /// must belong to the store.
    pub async fn add_listing(&self, store_id: &str, l: &NewListing) -> Result<String> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let owned: Option<String> = sqlx::query_scalar("SELECT id FROM products WHERE id = ?1 AND store_id = ?2")
            .bind(&l.product_id)
            .bind(store_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        if owned.is_none() {
            return Err(Error::NotFound);
        }
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT id FROM competitor_listings
             WHERE store_id = ?1 AND product_id = ?2 AND variant_id IS ?3 AND url = ?4",
        )
        .bind(store_id)
        .bind(&l.product_id)
        .bind(&l.variant_id)
        .bind(&l.url)
        .fetch_optional(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE competitor_listings SET competitor_name = ?2, match_kind = ?3, match_key = ?4,
                       css_selector = ?5, is_active = 1, deleted_at = NULL, updated_at = ?6 WHERE id = ?1",
                )
                .bind(&id)
                .bind(&l.competitor_name)
                .bind(l.match_kind.as_str())
                .bind(&l.match_key)
                .bind(&l.css_selector)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
                id
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO competitor_listings (id, store_id, product_id, variant_id, url, competitor_name,
                       match_kind, match_key, css_selector, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                )
                .bind(&id)
                .bind(store_id)
                .bind(&l.product_id)
                .bind(&l.variant_id)
                .bind(&l.url)
                .bind(&l.competitor_name)
                .bind(l.match_kind.as_str())
                .bind(&l.match_key)
                .bind(&l.css_selector)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
                id
            }
        };
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(id)
    }

    /// A store's live listings, failing ones first, then by product name.
    pub async fn listings(&self, store_id: &str) -> Result<Vec<ListingRow>> {
        sqlx::query_as(&format!(
            "{LISTING_SELECT} WHERE l.store_id = ?1 AND l.deleted_at IS NULL
             ORDER BY coalesce(l.last_status, 'ok') = 'ok', l.last_status = 'not_modified',
                      p.name COLLATE NOCASE, l.competitor_name"
        ))
        .bind(store_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// One listing of a store.
    pub async fn listing(&self, store_id: &str, id: &str) -> Result<ListingRow> {
        sqlx::query_as(&format!("{LISTING_SELECT} WHERE l.store_id = ?1 AND l.id = ?2 AND l.deleted_at IS NULL"))
            .bind(store_id)
            .bind(id)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)?
            .ok_or_else(|| Error::Missing(format!("no competitor page with id {id:?} in this store")))
    }

    /// The last `n` trusted amounts of a listing (not suspicious, or confirmed), newest first.
    pub async fn recent_amounts(&self, listing_id: &str, n: i64) -> Result<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT amount_minor FROM price_observations
             WHERE listing_id = ?1 AND amount_minor IS NOT NULL AND (is_suspicious = 0 OR confirmed_at IS NOT NULL)
             ORDER BY observed_at DESC LIMIT ?2",
        )
        .bind(listing_id)
        .bind(n)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// The merchant confirms the listing's latest price (a suspicious jump that is real). Returns
    /// false when there was nothing to confirm.
    pub async fn confirm_latest_observation(&self, store_id: &str, listing_id: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE price_observations SET confirmed_at = ?3
             WHERE id = (SELECT id FROM price_observations WHERE listing_id = ?1 AND store_id = ?2
                         AND amount_minor IS NOT NULL ORDER BY observed_at DESC LIMIT 1)
               AND is_suspicious = 1 AND confirmed_at IS NULL",
        )
        .bind(listing_id)
        .bind(store_id)
        .bind(self.now_text())
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?
        .rows_affected();
        if n > 0 {
            sqlx::query(
                "UPDATE competitor_listings SET (market_amount_minor, market_currency, market_observed_at,
                   market_vat_included) = (
                   SELECT o.amount_minor, o.currency, o.observed_at, o.vat_included FROM price_observations o
                   WHERE o.listing_id = competitor_listings.id AND o.amount_minor IS NOT NULL
                     AND coalesce(o.availability, 'unknown') <> 'out_of_stock'
                   ORDER BY o.observed_at DESC LIMIT 1)
                 WHERE id = ?1 AND store_id = ?2",
            )
            .bind(listing_id)
            .bind(store_id)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        }
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(n > 0)
    }

    /// The listing's newest observation with a price: (id, amount, suspicious and unconfirmed).
    pub async fn last_priced_observation(&self, listing_id: &str) -> Result<Option<(String, i64, bool)>> {
        sqlx::query_as(
            "SELECT id, amount_minor, is_suspicious = 1 AND confirmed_at IS NULL FROM price_observations
             WHERE listing_id = ?1 AND amount_minor IS NOT NULL ORDER BY observed_at DESC LIMIT 1",
        )
        .bind(listing_id)
        .fetch_optional(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Records a check: the observation (kept whatever it says) and the listing's last status and
    /// validators, in one transaction. A "not modified" answer adds no observation. `confirms`
    /// names an earlier suspicious observation this one confirms (it becomes trusted).
    pub async fn record_check(
        &self,
        store_id: &str,
        listing_id: &str,
        o: &NewObservation,
        confirms: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if let Some(previous) = confirms {
            sqlx::query("UPDATE price_observations SET confirmed_at = ?3 WHERE id = ?1 AND listing_id = ?2")
                .bind(previous)
                .bind(listing_id)
                .bind(&o.observed_at)
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
        }
        if o.status != PageStatus::NotModified {
            sqlx::query(
                "INSERT INTO price_observations (id, store_id, listing_id, observed_at, amount_minor, currency,
                   availability, method, confidence, evidence, final_url, is_suspicious, created_at, vat_included)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?4, ?13)",
            )
            .bind(new_id())
            .bind(store_id)
            .bind(listing_id)
            .bind(&o.observed_at)
            .bind(o.amount_minor)
            .bind(&o.currency)
            .bind(o.availability.map(Availability::as_str))
            .bind(o.method.map(Method::as_str))
            .bind(o.confidence)
            .bind(&o.evidence)
            .bind(&o.final_url)
            .bind(o.is_suspicious)
            .bind(o.vat_included)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        }
        if o.status == PageStatus::NotModified {
            // The page is unchanged since the price was read: that price is current as of now (a
            // stable page must not go stale for the optimizer just because it answers 304).
            sqlx::query(
                "UPDATE competitor_listings SET market_observed_at = ?3
                 WHERE id = ?1 AND store_id = ?2 AND market_amount_minor IS NOT NULL",
            )
            .bind(listing_id)
            .bind(store_id)
            .bind(&o.observed_at)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        }
        if o.status != PageStatus::NotModified && o.amount_minor.is_some() {
            // The newest priced observation decides what the optimizer may use.
            let usable = !o.is_suspicious && o.availability != Some(Availability::OutOfStock);
            sqlx::query(
                "UPDATE competitor_listings SET market_amount_minor = ?3, market_currency = ?4, market_observed_at = ?5,
                   market_vat_included = ?6
                 WHERE id = ?1 AND store_id = ?2",
            )
            .bind(listing_id)
            .bind(store_id)
            .bind(usable.then_some(o.amount_minor).flatten())
            .bind(usable.then(|| o.currency.clone()).flatten())
            .bind(usable.then(|| o.observed_at.clone()))
            .bind(o.vat_included)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        }
        let updated = sqlx::query(
            "UPDATE competitor_listings SET last_checked_at = ?3, last_status = ?4, last_error = ?5,
               etag = coalesce(?6, etag), last_modified = coalesce(?7, last_modified), updated_at = ?3
             WHERE id = ?1 AND store_id = ?2",
        )
        .bind(listing_id)
        .bind(store_id)
        .bind(&o.observed_at)
        .bind(o.status.as_str())
        .bind(&o.error)
        .bind(&o.etag)
        .bind(&o.last_modified)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?
        .rows_affected();
        if updated == 0 {
            return Err(Error::NotFound);
        }
        tx.commit().await.map_err(Error::from_sqlx)
    }
}

/// A web search result proposed as a competitor page.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCandidate {
    /// Page address.
    pub url: String,
    /// Page title (untrusted text, cut to 300 characters).
    pub title: String,
    /// Snippet (untrusted text, cut to 600 characters).
    pub snippet: String,
    /// Relevance, 0–1.
    pub score: f64,
    /// The query that found it.
    pub query: String,
}

/// A proposed competitor page.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CandidateRow {
    /// Local id.
    pub id: String,
    /// Product (local id).
    pub product_id: String,
    /// Page address.
    pub url: String,
    /// Page title.
    pub title: String,
    /// Snippet.
    pub snippet: String,
    /// Relevance, 0–1.
    pub score: f64,
    /// The query that found it.
    pub query: String,
    /// What the merchant made of it.
    #[sqlx(try_from = "String")]
    pub status: CandidateStatus,
    /// When it was found.
    pub found_at: String,
    /// The language model's verdict (`same`, `different`, `unsure`), when asked.
    pub advice_verdict: Option<String>,
    /// Its reason.
    pub advice_reason: Option<String>,
}

/// One priced observation, for history charts.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PricePoint {
    /// The listing.
    pub listing_id: String,
    /// When.
    pub observed_at: String,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Suspicious and not confirmed.
    pub suspicious: bool,
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

const PRUNE_BATCH: i64 = 5_000;

impl Db {
    /// A product's live listings, failing ones first.
    pub async fn product_listings(&self, store_id: &str, product_id: &str) -> Result<Vec<ListingRow>> {
        sqlx::query_as(&format!(
            "{LISTING_SELECT} WHERE l.store_id = ?1 AND l.product_id = ?2 AND l.deleted_at IS NULL
             ORDER BY coalesce(l.last_status, 'ok') = 'ok', l.last_status = 'not_modified', l.competitor_name"
        ))
        .bind(store_id)
        .bind(product_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Priced observations of a product's live listings since `since` (RFC 3339), oldest first.
    pub async fn product_price_history(
        &self,
        store_id: &str,
        product_id: &str,
        since: &str,
    ) -> Result<Vec<PricePoint>> {
        sqlx::query_as(
            "SELECT o.listing_id, o.observed_at, o.amount_minor,
                    (o.is_suspicious = 1 AND o.confirmed_at IS NULL) AS suspicious
             FROM price_observations o JOIN competitor_listings l ON l.id = o.listing_id
             WHERE l.store_id = ?1 AND l.product_id = ?2 AND l.deleted_at IS NULL
               AND o.amount_minor IS NOT NULL AND o.observed_at >= ?3
             ORDER BY o.listing_id, o.observed_at",
        )
        .bind(store_id)
        .bind(product_id)
        .bind(since)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Deletes observations older than `before` (RFC 3339), in batches, keeping each listing's
    /// newest priced observation so its last known price survives. Returns how many went.
    pub async fn prune_observations(&self, before: &str) -> Result<u64> {
        let mut total = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let n = sqlx::query(
                "DELETE FROM price_observations WHERE id IN (
                   SELECT id FROM price_observations WHERE observed_at < ?1 AND id NOT IN (
                     SELECT keep FROM (
                       SELECT (SELECT o.id FROM price_observations o
                               WHERE o.listing_id = l.id AND o.amount_minor IS NOT NULL
                               ORDER BY o.observed_at DESC LIMIT 1) AS keep
                       FROM competitor_listings l)
                     WHERE keep IS NOT NULL)
                   LIMIT ?2)",
            )
            .bind(before)
            .bind(PRUNE_BATCH)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?
            .rows_affected();
            tx.commit().await.map_err(Error::from_sqlx)?;
            total += n;
            if n < PRUNE_BATCH as u64 {
                return Ok(total);
            }
        }
    }

    /// Records search results for a product. A page seen before keeps its decision; a new one is
    /// proposed. Returns how many were new.
    pub async fn upsert_candidates(&self, store_id: &str, product_id: &str, found: &[NewCandidate]) -> Result<u64> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let count = "SELECT count(*) FROM listing_candidates WHERE store_id = ?1 AND product_id = ?2";
        let before: i64 = sqlx::query_scalar(count)
            .bind(store_id)
            .bind(product_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        for c in found {
            sqlx::query(
                "INSERT INTO listing_candidates (id, store_id, product_id, url, title, snippet, score, query, found_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (store_id, product_id, url) DO UPDATE SET
                   title = excluded.title, snippet = excluded.snippet,
                   score = max(listing_candidates.score, excluded.score), found_at = excluded.found_at
                 WHERE listing_candidates.status = 'new'",
            )
            .bind(candidate_id(store_id, product_id, &c.url))
            .bind(store_id)
            .bind(product_id)
            .bind(&c.url)
            .bind(cut(&c.title, 300))
            .bind(cut(&c.snippet, 600))
            .bind(c.score.clamp(0.0, 1.0))
            .bind(&c.query)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        }
        let after: i64 = sqlx::query_scalar(count)
            .bind(store_id)
            .bind(product_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(u64::try_from(after - before).unwrap_or(0))
    }

    /// A product's undecided candidates that are not tracked already, best first.
    pub async fn candidates(&self, store_id: &str, product_id: &str) -> Result<Vec<CandidateRow>> {
        sqlx::query_as(
            "SELECT c.id, c.product_id, c.url, c.title, c.snippet, c.score, c.query, c.status, c.found_at,
                    c.advice_verdict, c.advice_reason
             FROM listing_candidates c
             WHERE c.store_id = ?1 AND c.product_id = ?2 AND c.status = 'new'
               AND NOT EXISTS (SELECT 1 FROM competitor_listings l WHERE l.store_id = c.store_id
                               AND l.product_id = c.product_id AND l.url = c.url AND l.deleted_at IS NULL)
             ORDER BY c.score DESC, c.url",
        )
        .bind(store_id)
        .bind(product_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Keeps the language model's verdict on an undecided candidate.
    pub async fn set_candidate_advice(&self, store_id: &str, id: &str, verdict: &str, reason: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE listing_candidates SET advice_verdict = ?3, advice_reason = ?4
             WHERE id = ?1 AND store_id = ?2 AND status = 'new'",
        )
        .bind(id)
        .bind(store_id)
        .bind(verdict)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// One undecided candidate of the store.
    pub async fn candidate(&self, store_id: &str, id: &str) -> Result<CandidateRow> {
        sqlx::query_as(
            "SELECT id, product_id, url, title, snippet, score, query, status, found_at, advice_verdict, advice_reason
             FROM listing_candidates WHERE id = ?1 AND store_id = ?2 AND status = 'new'",
        )
        .bind(id)
        .bind(store_id)
        .fetch_optional(&self.pool())
        .await
        .map_err(Error::from_sqlx)?
        .ok_or(Error::NotFound)
    }

    /// Records the merchant's decision on a candidate and returns it. A decided candidate cannot
    /// be decided again.
    pub async fn decide_candidate(&self, store_id: &str, id: &str, accepted: bool) -> Result<CandidateRow> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE listing_candidates SET status = ?3, decided_at = ?4 WHERE id = ?1 AND store_id = ?2 AND status = 'new'",
        )
        .bind(id)
        .bind(store_id)
        .bind(if accepted { CandidateStatus::Accepted } else { CandidateStatus::Rejected }.as_str())
        .bind(self.now_text())
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?
        .rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        let row = sqlx::query_as(
            "SELECT id, product_id, url, title, snippet, score, query, status, found_at, advice_verdict,
                    advice_reason FROM listing_candidates WHERE id = ?1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(row)
    }
}

/// A candidate's id follows from its store, product and page, so two seats of a team that find
/// the same page make the same row (and the team merges their decisions on it).
fn candidate_id(store_id: &str, product_id: &str, url: &str) -> String {
    let key = format!("{store_id}\n{product_id}\n{url}");
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes()).to_string()
}
