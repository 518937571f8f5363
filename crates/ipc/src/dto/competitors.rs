//! Competitor pages: listings, checks, probes, discovery and their settings.

use serde::{Deserialize, Serialize};

use super::ProductItem;

/// How a competitor page is matched to our product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// By our SKU on their page.
    Sku,
    /// By the barcode.
    Gtin,
    /// The merchant said it is the same product.
    Manual,
}

/// Stock status on a competitor's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Can be bought now.
    InStock,
    /// Out of stock, sold out or discontinued.
    OutOfStock,
    /// The page does not say.
    Unknown,
}

/// Where on the page the price was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceMethod {
    /// schema.org JSON-LD.
    JsonLd,
    /// schema.org microdata.
    Microdata,
    /// OpenGraph / product meta tags.
    Meta,
    /// The merchant's CSS selector.
    Selector,
    /// Visible text near a currency marker (low confidence).
    Heuristic,
}

/// How the last check of a competitor page went: read, unchanged, or what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStatus {
    /// A price was read.
    Ok,
    /// Unchanged since the last check.
    NotModified,
    /// The address does not parse.
    InvalidUrl,
    /// Not HTTPS.
    NotHttps,
    /// robots.txt disallows it.
    BlockedByRobots,
    /// A private or local address.
    ForbiddenAddress,
    /// Too many redirects.
    TooManyRedirects,
    /// Too large.
    TooLarge,
    /// No answer in time.
    Timeout,
    /// The site asked us to slow down.
    RateLimited,
    /// 404 or 410.
    PageGone,
    /// Another HTTP error.
    HttpError,
    /// Unreachable.
    Unreachable,
    /// No price on the page.
    NoPrice,
    /// Several prices and no way to tell ours.
    Ambiguous,
    /// A price that does not read as a number.
    UnreadablePrice,
    /// A price without a currency.
    NoCurrency,
    /// The CSS selector does not parse.
    BadSelector,
}

impl PageStatus {
    /// A price was read, or the page is as it was.
    pub fn is_fine(self) -> bool {
        matches!(self, PageStatus::Ok | PageStatus::NotModified)
    }

    /// The spelling on the wire (also the `data-status` of the listing rows).
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Ok => "ok",
            PageStatus::NotModified => "not_modified",
            PageStatus::InvalidUrl => "invalid_url",
            PageStatus::NotHttps => "not_https",
            PageStatus::BlockedByRobots => "blocked_by_robots",
            PageStatus::ForbiddenAddress => "forbidden_address",
            PageStatus::TooManyRedirects => "too_many_redirects",
            PageStatus::TooLarge => "too_large",
            PageStatus::Timeout => "timeout",
            PageStatus::RateLimited => "rate_limited",
            PageStatus::PageGone => "page_gone",
            PageStatus::HttpError => "http_error",
            PageStatus::Unreachable => "unreachable",
            PageStatus::NoPrice => "no_price",
            PageStatus::Ambiguous => "ambiguous",
            PageStatus::UnreadablePrice => "unreadable_price",
            PageStatus::NoCurrency => "no_currency",
            PageStatus::BadSelector => "bad_selector",
        }
    }
}

/// A competitor listing with its last observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// Local id.
    pub id: String,
    /// Our product (local id).
    pub product_id: String,
    /// Our product's name.
    pub product_name: String,
    /// Our SKU.
    pub product_sku: Option<String>,
    /// Competitor page.
    pub url: String,
    /// Competitor name.
    pub competitor_name: String,
    /// How it is matched.
    pub match_kind: MatchKind,
    /// SKU / GTIN picked on the competitor's page.
    pub match_key: Option<String>,
    /// CSS selector for the price.
    pub css_selector: Option<String>,
    /// Last check (UTC RFC 3339).
    pub last_checked_at: Option<String>,
    /// How the last check went (none: never checked).
    pub last_status: Option<PageStatus>,
    /// What went wrong, in words.
    pub last_error: Option<String>,
    /// Last price found, minor units.
    pub last_amount_minor: Option<i64>,
    /// Its currency.
    pub last_currency: Option<String>,
    /// Stock status at the last price.
    pub last_availability: Option<Availability>,
    /// The last price jumped and awaits confirmation.
    pub last_suspicious: bool,
    /// What the page said for the last price (≤ 1 KiB).
    pub last_evidence: Option<String>,
}

/// One page fetched and read (`spo competitors probe`, "check now").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    /// The address asked for.
    pub url: String,
    /// After redirects.
    pub final_url: Option<String>,
    /// When (UTC RFC 3339).
    pub fetched_at: String,
    /// How it went.
    pub status: PageStatus,
    /// What went wrong, in words.
    pub error: Option<String>,
    /// Price found, minor units.
    pub amount_minor: Option<i64>,
    /// Its currency (as the page states it).
    pub currency: Option<String>,
    /// Stock status, when a price was found.
    pub availability: Option<Availability>,
    /// Where on the page the price was read.
    pub method: Option<PriceMethod>,
    /// 0–1.
    pub confidence: Option<f32>,
    /// What the page said (≤ 1 KiB).
    pub evidence: Option<String>,
    /// Whether the amount includes VAT (shops show VAT-inclusive prices unless the page says not).
    #[serde(default)]
    pub vat_included: Option<bool>,
}

/// A competitor page to track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewListingRequest {
    /// The store (local id).
    pub store_id: String,
    /// Our product: local id or SKU.
    pub product: String,
    /// The competitor's product page.
    pub url: String,
    /// Competitor name (default: the page's domain).
    #[serde(default)]
    pub name: Option<String>,
    /// The competitor's SKU for this product.
    #[serde(default)]
    pub match_sku: Option<String>,
    /// Or its GTIN / barcode (8, 12, 13 or 14 digits).
    #[serde(default)]
    pub match_gtin: Option<String>,
    /// CSS selector of the price.
    #[serde(default)]
    pub selector: Option<String>,
}

/// Result of importing competitor pages from CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ListingImportReport {
    /// Rows added (or revived).
    pub added: u32,
    /// Rows refused, with the reason; the others were still imported.
    pub errors: Vec<RowError>,
}

/// One refused row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// Why.
    pub message: String,
}

/// Competitor-tracking settings of this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CompetitorSettings {
    /// Hosts the fetcher may reach on private or loopback addresses and over plain http
    /// (`name` or `name:port`).
    pub allowed_hosts: Vec<String>,
    /// Days price observations are kept (the newest price of each page always is).
    pub retention_days: u32,
    /// A Tavily API key is saved in the OS keychain (the key itself never crosses IPC back).
    pub tavily_key_set: bool,
}

/// A partial update of [`CompetitorSettings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompetitorSettingsPatch {
    /// The whole new host list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_hosts: Option<Vec<String>>,
    /// New retention in days (30–3650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// A new Tavily API key to keep in the keychain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tavily_key: Option<String>,
    /// Forget the Tavily API key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear_tavily_key: bool,
}

/// One point of a competitor's price history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricePoint {
    /// When (UTC RFC 3339).
    pub at: String,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Suspicious and not confirmed (not used for pricing).
    pub suspicious: bool,
}

/// A listing with its recent price history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingHistory {
    /// The listing and its last observation.
    pub listing: Listing,
    /// Priced observations of the last 90 days, oldest first (at most 120).
    pub history: Vec<PricePoint>,
}

/// A competitor page found by web search, waiting for the merchant's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// Local id.
    pub id: String,
    /// Page address.
    pub url: String,
    /// The site (`noon.com`).
    pub site: String,
    /// Page title (text from the web).
    pub title: String,
    /// Snippet (text from the web).
    pub snippet: String,
    /// Relevance, 0–1.
    pub score: f64,
    /// The query that found it.
    pub query: String,
    /// The language model's verdict (`same`, `different`, `unsure`), when one is set up.
    #[serde(default)]
    pub advice_verdict: Option<String>,
    /// Its reason (model text: shown as text).
    #[serde(default)]
    pub advice_reason: Option<String>,
}

/// Everything the product page shows about competitors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductCompetitors {
    /// The product.
    pub product: ProductItem,
    /// Its competitor pages, failing ones first, with history.
    pub listings: Vec<ListingHistory>,
    /// Pages found by web search, best first.
    pub candidates: Vec<Candidate>,
    /// A Tavily key is set (the search button works).
    pub discovery_available: bool,
    /// Our own price changes applied in the last 90 days, oldest first.
    #[serde(default)]
    pub price_changes: Vec<PriceChange>,
}

/// One of our price changes that reached the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceChange {
    /// When it was applied (UTC RFC 3339).
    pub at: String,
    /// Before.
    pub old_minor: i64,
    /// After.
    pub new_minor: i64,
}

/// Result of a web search for competitor pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryReport {
    /// The queries sent.
    pub queries: Vec<String>,
    /// Results returned.
    pub results: u32,
    /// New candidates proposed.
    pub new_candidates: u32,
    /// Candidates the language model reviewed (0 without one).
    #[serde(default)]
    pub reviewed: u32,
    /// Why the language model's review is missing (its error), when it failed.
    #[serde(default)]
    pub advice_error: Option<String>,
}
