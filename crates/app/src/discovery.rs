//! Competitor settings (allowed hosts, retention, Tavily key), the product's competitor page
//! (listings with history, candidates) and web-search discovery through Tavily.

use spo_domain::prefs::{parse_allowed_host, CompetitorPrefs, KEY_ALLOWED_HOSTS, KEY_RETENTION_DAYS, RETENTION_DAYS};
use spo_ipc as ipc;
use spo_store::NewCandidate;
use spo_tavily::{SearchRequest, TavilyClient};

use crate::competitors::{allowed_hosts_from_env, name_from_url, to_ipc};
use crate::grants::keychain_call;
use crate::{App, AppError, Result};

/// Keychain account of the Tavily API key.
pub(crate) const TAVILY_ACCOUNT: &str = "tavily-api-key";
/// Results asked per query.
const RESULTS_PER_QUERY: u8 = 10;
/// History shown per listing.
const HISTORY_DAYS: i64 = 90;
const HISTORY_POINTS: usize = 120;

fn tavily_base_url() -> String {
    std::env::var("SPO_TAVILY_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| spo_tavily::DEFAULT_BASE_URL.to_owned())
}

/// The two queries for a product: Arabic and English, name and SKU.
pub(crate) fn queries(name: &str, sku: Option<&str>) -> Vec<String> {
    let base = match sku.map(str::trim).filter(|s| !s.is_empty()) {
        Some(sku) => format!("{} {sku}", name.trim()),
        None => name.trim().to_owned(),
    };
    vec![format!("{base} سعر"), format!("{base} price")]
}

/// `https://Shop.com/p#x` → `https://shop.com/p`; `None` for anything but an http(s) page.
fn normalize_url(raw: &str) -> Option<url::Url> {
    let mut u = url::Url::parse(raw.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    u.set_fragment(None);
    Some(u)
}

/// Whether `url` is on the merchant's own store (`domain` as Salla gives it: `shop.com` or
/// `salla.sa/shop`).
fn is_own_store(url: &url::Url, domain: Option<&str>) -> bool {
    let Some(domain) = domain.map(|d| d.trim().trim_end_matches('/').to_ascii_lowercase()).filter(|d| !d.is_empty())
    else {
        return false;
    };
    let domain = domain.split_once("://").map_or(domain.as_str(), |(_, r)| r).to_owned();
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let here = format!("{host}{}", url.path().trim_end_matches('/'));
    let domain = domain.strip_prefix("www.").unwrap_or(&domain);
    here == domain || here.starts_with(&format!("{domain}/"))
}

impl App {
    pub(crate) async fn competitor_prefs(&self) -> Result<CompetitorPrefs> {
        let pairs = self.db().device_settings().await?;
        Ok(CompetitorPrefs::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
    }

    /// Applies the stored allow-list (plus `SPO_FETCH_ALLOW_HOSTS`) to the fetcher.
    pub(crate) async fn apply_allowed_hosts(&self) -> Result<()> {
        let mut hosts = allowed_hosts_from_env();
        hosts.extend(self.competitor_prefs().await?.allowed_hosts);
        self.fetcher.set_allowed_hosts(&hosts).map_err(|e| AppError::Internal(e.to_string()))
    }

    async fn tavily_key(&self) -> Result<Option<String>> {
        let secrets = std::sync::Arc::clone(&self.secrets);
        keychain_call(move || secrets.get(TAVILY_ACCOUNT)).await
    }

    /// Competitor-tracking settings.
    #[tracing::instrument(skip_all, err)]
    pub async fn competitor_settings(&self) -> Result<ipc::CompetitorSettings> {
        let prefs = self.competitor_prefs().await?;
        Ok(ipc::CompetitorSettings {
            allowed_hosts: prefs.allowed_hosts,
            retention_days: prefs.retention_days,
            tavily_key_set: self.tavily_key().await?.is_some(),
        })
    }

    /// Changes competitor-tracking settings. Everything is checked before anything is written.
    #[tracing::instrument(skip_all, err)]
    pub async fn update_competitor_settings(
        &self,
        patch: ipc::CompetitorSettingsPatch,
    ) -> Result<ipc::CompetitorSettings> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(hosts) = &patch.allowed_hosts {
            let mut parsed = Vec::new();
            for h in hosts.iter().filter(|h| !h.trim().is_empty()) {
                parsed.push(parse_allowed_host(h).map_err(|e| AppError::InvalidInput(e.to_string()))?);
            }
            parsed.sort();
            parsed.dedup();
            pairs.push((KEY_ALLOWED_HOSTS, parsed.join(",")));
        }
        if let Some(days) = patch.retention_days {
            if !RETENTION_DAYS.contains(&days) {
                return Err(AppError::InvalidInput(format!(
                    "competitor prices can be kept {} to {} days, not {days}",
                    RETENTION_DAYS.start(),
                    RETENTION_DAYS.end()
                )));
            }
            pairs.push((KEY_RETENTION_DAYS, days.to_string()));
        }
        let key = patch.tavily_key.as_deref().map(str::trim);
        if let Some(k) = key {
            // The same checks the client makes, before the keychain is touched.
            TavilyClient::new(spo_tavily::DEFAULT_BASE_URL, k).map_err(|e| AppError::InvalidInput(e.to_string()))?;
        }
        if pairs.is_empty() && key.is_none() && !patch.clear_tavily_key {
            return Err(AppError::InvalidInput("nothing to change: the settings patch is empty".into()));
        }
        if !pairs.is_empty() {
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            self.db().put_device_settings(&borrowed, "user:local").await?;
            self.apply_allowed_hosts().await?;
        }
        let secrets = std::sync::Arc::clone(&self.secrets);
        if let Some(k) = key.map(str::to_owned) {
            keychain_call(move || secrets.set(TAVILY_ACCOUNT, &k)).await?;
        } else if patch.clear_tavily_key {
            keychain_call(move || secrets.delete(TAVILY_ACCOUNT)).await?;
        }
        if patch.retention_days.is_some() {
            self.prune_observations().await?;
        }
        self.competitor_settings().await
    }

    /// Deletes price observations older than the retention period (each page's newest price is
    /// kept). Returns how many were deleted.
    #[tracing::instrument(skip_all, err)]
    pub async fn prune_observations(&self) -> Result<u64> {
        let days = self.competitor_prefs().await?.retention_days;
        let before = crate::clock::time_text(self.now() - i64::from(days) * 86_400);
        let n = self.db().prune_observations(&before).await?;
        if n > 0 {
            tracing::info!(deleted = n, days, "old competitor prices deleted");
        }
        Ok(n)
    }

    /// A product's (local id or SKU) competitor pages with their recent prices, and the pages found
    /// by search.
    #[tracing::instrument(skip_all, err)]
    pub async fn product_competitors(&self, store_id: &str, product: &str) -> Result<ipc::ProductCompetitors> {
        let product_id = &self.db().product_id_by_id_or_sku(store_id, product).await?;
        let product =
            crate::convert::product_to_ipc(self.db().product_row(store_id, product_id).await?, &self.store_today());
        let since = crate::clock::time_text(self.now() - HISTORY_DAYS * 86_400);
        let mut points = self.db().product_price_history(store_id, product_id, &since).await?;
        let listings = self
            .db()
            .product_listings(store_id, product_id)
            .await?
            .into_iter()
            .map(|l| {
                let mut history: Vec<ipc::PricePoint> = points
                    .iter()
                    .filter(|p| p.listing_id == l.id)
                    .map(|p| ipc::PricePoint {
                        at: p.observed_at.clone(),
                        amount_minor: p.amount_minor,
                        suspicious: p.suspicious,
                    })
                    .collect();
                let extra = history.len().saturating_sub(HISTORY_POINTS);
                history.drain(..extra);
                ipc::ListingHistory { listing: to_ipc(l), history }
            })
            .collect();
        points.clear();
        let candidates = self
            .db()
            .candidates(store_id, product_id)
            .await?
            .into_iter()
            .map(|c| ipc::Candidate {
                site: url::Url::parse(&c.url).map(|u| name_from_url(&u)).unwrap_or_default(),
                id: c.id,
                url: c.url,
                title: c.title,
                snippet: c.snippet,
                score: c.score,
                query: c.query,
                advice_verdict: c.advice_verdict,
                advice_reason: c.advice_reason,
            })
            .collect();
        let price_changes = self
            .db()
            .applied_changes(store_id, &since, Some(product_id))
            .await?
            .into_iter()
            .map(|c| ipc::PriceChange { at: c.applied_at, old_minor: c.old_price_minor, new_minor: c.new_price_minor })
            .collect();
        Ok(ipc::ProductCompetitors {
            product,
            listings,
            candidates,
            discovery_available: self.tavily_key().await?.is_some(),
            price_changes,
        })
    }

    /// Searches the web for the product's competitor pages (Arabic and English queries, name and
    /// SKU) and proposes what it finds, except the merchant's own store, pages already tracked and
    /// pages rejected before.
    #[tracing::instrument(skip_all, err)]
    pub async fn discover_competitors(&self, store_id: &str, product: &str) -> Result<ipc::DiscoveryReport> {
        let key = self.tavily_key().await?.ok_or_else(|| {
            AppError::InvalidInput("add a Tavily API key in Settings to search the web for competitors".into())
        })?;
        let product_id = &self.db().product_id_by_id_or_sku(store_id, product).await?;
        let product = self.db().product_row(store_id, product_id).await?;
        let store = self.db().store(store_id).await?;
        let client = TavilyClient::new(&tavily_base_url(), &key)?;
        let mut report = ipc::DiscoveryReport::default();
        let mut found: Vec<NewCandidate> = Vec::new();
        for query in queries(&product.name, product.sku.as_deref()) {
            let answer = client.search(&SearchRequest::new(query.clone(), RESULTS_PER_QUERY)).await?;
            report.results += u32::try_from(answer.results.len()).unwrap_or(u32::MAX);
            for r in answer.results {
                let Some(url) = normalize_url(&r.url) else { continue };
                if is_own_store(&url, store.domain.as_deref()) {
                    continue;
                }
                let url = url.to_string();
                match found.iter_mut().find(|c| c.url == url) {
                    Some(seen) => seen.score = seen.score.max(r.score),
                    None => found.push(NewCandidate {
                        url,
                        title: r.title,
                        snippet: r.content,
                        score: r.score,
                        query: query.clone(),
                    }),
                }
            }
            report.queries.push(query);
        }
        report.new_candidates =
            u32::try_from(self.db().upsert_candidates(store_id, product_id, &found).await?).unwrap_or(u32::MAX);
        // The language model (when set up) gives its opinion of the pages not judged yet.
        let unjudged: Vec<spo_store::CandidateRow> = self
            .db()
            .candidates(store_id, product_id)
            .await?
            .into_iter()
            .filter(|c| c.advice_verdict.is_none())
            .collect();
        if let Some(advice) = self.advise_candidates(store_id, &product, &unjudged).await {
            report.reviewed = advice.candidates_reviewed;
            report.advice_error = advice.errors.first().cloned();
        }
        Ok(report)
    }

    /// Accepts a found page (it becomes a tracked listing, named after its site) or rejects it
    /// (it is never proposed again).
    #[tracing::instrument(skip_all, err)]
    pub async fn decide_candidate(&self, store_id: &str, candidate_id: &str, accept: bool) -> Result<()> {
        if accept {
            let pending = self.db().candidate(store_id, candidate_id).await?;
            // Tracked first: a failure leaves the candidate undecided, never accepted and lost.
            self.add_listing(ipc::NewListingRequest {
                store_id: store_id.to_owned(),
                product: pending.product_id.clone(),
                url: pending.url.clone(),
                ..Default::default()
            })
            .await?;
        }
        self.db().decide_candidate(store_id, candidate_id, accept).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_arabic_and_english() {
        assert_eq!(queries(" قهوة سيدامو ", Some("CF-1")), vec!["قهوة سيدامو CF-1 سعر", "قهوة سيدامو CF-1 price"]);
        assert_eq!(queries("قهوة", Some(" ")), vec!["قهوة سعر", "قهوة price"]);
    }

    #[test]
    fn the_merchants_own_store_is_recognised() {
        let u = |s: &str| url::Url::parse(s).expect("url");
        assert!(is_own_store(&u("https://www.myshop.sa/p/1"), Some("myshop.sa")));
        assert!(is_own_store(&u("https://salla.sa/alwaha/p/1"), Some("salla.sa/alwaha")));
        assert!(!is_own_store(&u("https://salla.sa/other/p/1"), Some("salla.sa/alwaha")));
        assert!(!is_own_store(&u("https://salla.sa/alwaha2/p"), Some("salla.sa/alwaha")));
        assert!(!is_own_store(&u("https://noon.com/p"), None));
        assert_eq!(
            normalize_url("https://Noon.com/p#reviews").map(|u| u.to_string()),
            Some("https://noon.com/p".into())
        );
        assert_eq!(normalize_url("javascript:alert(1)"), None);
    }
}
