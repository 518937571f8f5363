//! Request and response types.

use serde::{Deserialize, Serialize};

/// Identity of the running build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name.
    pub name: String,
    /// Semantic version of this build.
    pub version: String,
    /// Bundle identifier (also the OS keychain service prefix and app-data folder name).
    pub identifier: String,
}

/// UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Arabic, right to left. The default: the product is Arabic-first.
    #[default]
    Ar,
    /// English, left to right.
    En,
}

/// What a background job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Catalogue import.
    CatalogSync,
    /// Orders import.
    OrdersSync,
    /// Competitor price check.
    CompetitorCheck,
    /// Optimization run.
    Optimize,
    /// Apply approved prices.
    ApplyApproved,
    /// Store authorization check.
    TokenCheck,
    /// Daily backup.
    Backup,
    /// Old data clean-up.
    Retention,
}

impl JobKind {
    /// Every kind, in the order the job monitor lists them.
    pub const ALL: [JobKind; 8] = [
        JobKind::CatalogSync,
        JobKind::OrdersSync,
        JobKind::CompetitorCheck,
        JobKind::Optimize,
        JobKind::ApplyApproved,
        JobKind::TokenCheck,
        JobKind::Backup,
        JobKind::Retention,
    ];

    /// The kind's name in `lang`: the monitor and the notifications use the same words.
    pub fn name(self, lang: Language) -> &'static str {
        let (en, ar) = match self {
            JobKind::CatalogSync => ("Catalogue import", "استيراد الكتالوج"),
            JobKind::OrdersSync => ("Orders import", "استيراد الطلبات"),
            JobKind::CompetitorCheck => ("Competitor price check", "فحص أسعار المنافسين"),
            JobKind::Optimize => ("Optimization run", "تشغيل التحسين"),
            JobKind::ApplyApproved => ("Apply approved prices", "تطبيق الأسعار المعتمدة"),
            JobKind::TokenCheck => ("Store authorization check", "التحقق من تفويض المتجر"),
            JobKind::Backup => ("Daily backup", "النسخ الاحتياطي اليومي"),
            JobKind::Retention => ("Old data clean-up", "تنظيف البيانات القديمة"),
        };
        match lang {
            Language::En => en,
            Language::Ar => ar,
        }
    }

    /// The spelling on the wire (also the `data-kind` of the monitor's rows).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::CatalogSync => "catalog_sync",
            JobKind::OrdersSync => "orders_sync",
            JobKind::CompetitorCheck => "competitor_check",
            JobKind::Optimize => "optimize",
            JobKind::ApplyApproved => "apply_approved",
            JobKind::TokenCheck => "token_check",
            JobKind::Backup => "backup",
            JobKind::Retention => "retention",
        }
    }
}

/// How a background job's run ended (or that it still runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum JobRunStatus {
    /// Still going.
    #[default]
    Running,
    /// Done.
    Succeeded,
    /// Failed (see its error).
    Failed,
    /// Stopped on request.
    Cancelled,
}

impl JobRunStatus {
    /// Every status, in the order the monitor's filter lists them.
    pub const ALL: [JobRunStatus; 4] =
        [JobRunStatus::Running, JobRunStatus::Succeeded, JobRunStatus::Failed, JobRunStatus::Cancelled];

    /// The spelling on the wire (also the `data-status` of the monitor's rows).
    pub fn as_str(self) -> &'static str {
        match self {
            JobRunStatus::Running => "running",
            JobRunStatus::Succeeded => "succeeded",
            JobRunStatus::Failed => "failed",
            JobRunStatus::Cancelled => "cancelled",
        }
    }
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// User preferences of this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// UI language.
    pub language: Language,
    /// Colour theme.
    pub theme: Theme,
}

/// A partial update of [`Settings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    /// New language, if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// New theme, if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
}

/// Connection state of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreStatus {
    /// Tokens are valid; jobs run.
    Active,
    /// Salla access was lost; the merchant must reconnect. Jobs are stopped.
    NeedsReconnect,
    /// Disconnected by the user; kept only for its history.
    Disconnected,
}

/// A connected store as the store switcher shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreSummary {
    /// Local id (UUIDv7).
    pub id: String,
    /// Store name as Salla reports it.
    pub name: String,
    /// Store domain, if known.
    pub domain: Option<String>,
    /// Connection state.
    pub status: StoreStatus,
    /// True for the local demo store.
    pub is_demo: bool,
}

/// Connect with the merchant's own Salla app (Custom Mode). Sent by the UI only; secrets never
/// travel the other way.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectApp {
    /// Client id from the Salla Partners portal.
    pub client_id: String,
    /// Client secret from the Salla Partners portal.
    pub client_secret: String,
    /// Port of the registered redirect URL `http://127.0.0.1:<port>/callback`.
    pub redirect_port: u16,
}

/// Connect with tokens obtained elsewhere. Without the app's client id and secret the tokens cannot
/// be refreshed: the store will need reconnecting when the access token expires.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectTokens {
    /// Access token.
    pub access_token: String,
    /// Refresh token.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Client id of the app the tokens belong to.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Its client secret.
    #[serde(default)]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ConnectApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectApp")
            .field("client_id", &self.client_id)
            .field("redirect_port", &self.redirect_port)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ConnectTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectTokens").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// Result of connecting a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedStore {
    /// The store, as the switcher lists it.
    pub store: StoreSummary,
    /// Products imported by this call (0 when the store was already connected).
    pub imported: u32,
    /// Products skipped because their data was unusable (e.g. a price that is not a valid amount).
    pub skipped: u32,
}

/// Result of a catalogue or orders sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    /// What was imported.
    pub phase: SyncPhase,
    /// Products (or orders) written: new or changed.
    pub imported: u32,
    /// Products (or orders) already up to date.
    pub unchanged: u32,
    /// Products (or orders) skipped because their data was unusable.
    pub skipped: u32,
    /// Products no longer in the store (tombstoned after a complete pass).
    pub removed: u32,
    /// Variants written.
    pub variants: u32,
    /// Order lines written.
    pub order_lines: u32,
    /// Order lines whose SKU matches no product or variant.
    pub unmatched_lines: u32,
    /// True when the user stopped the import; what was imported stays.
    pub cancelled: bool,
    /// How long the sync took, in milliseconds.
    pub elapsed_ms: u64,
    /// After an orders import: how long refreshing the demand estimates took (none when they
    /// were already up to date).
    #[serde(default)]
    pub demand_refresh_ms: Option<u64>,
}

/// What an import is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Products, variants and categories.
    #[default]
    Catalog,
    /// Orders and their lines.
    Orders,
}

/// Progress of a running import (event [`crate::events::SYNC_PROGRESS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// The store (local id).
    pub store_id: String,
    /// What is being imported.
    pub phase: SyncPhase,
    /// Items done so far.
    pub done: u32,
    /// Items in all, once known.
    pub total: Option<u32>,
    /// True on the last event of the import.
    pub finished: bool,
}

/// A store's sales over the last 30 days (cancelled and refunded orders excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SalesSummary {
    /// Orders.
    pub orders: u64,
    /// Units sold.
    pub units: u64,
    /// Revenue before VAT, minor units.
    pub revenue_minor: i64,
    /// ISO currency.
    pub currency: String,
    /// Last store-local date whose orders are all imported (`YYYY-MM-DD`), if any.
    pub orders_synced_through: Option<String>,
}

/// A page request for a store's products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductQuery {
    /// The store (local id).
    pub store_id: String,
    /// Case-insensitive substring of the name or SKU; empty for all.
    #[serde(default)]
    pub search: String,
    /// Page size (1–1000).
    pub limit: u32,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u32,
    /// Only this category (by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Only this status (`sale`, `out`, `hidden`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Sort key.
    #[serde(default)]
    pub sort: ProductSort,
    /// Largest first.
    #[serde(default)]
    pub descending: bool,
}

/// Sort keys of the products list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProductSort {
    /// By name.
    #[default]
    Name,
    /// By price.
    Price,
    /// By gross margin.
    Margin,
    /// By stock.
    Stock,
}

/// One product row of the Products screen. Money in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductItem {
    /// Local id.
    pub id: String,
    /// Salla's id.
    pub salla_id: i64,
    /// Name.
    pub name: String,
    /// SKU.
    pub sku: Option<String>,
    /// `sale`, `out`, `hidden`, …
    pub status: String,
    /// Category name.
    pub category: Option<String>,
    /// ISO currency.
    pub currency: String,
    /// Regular price before VAT, minor units.
    pub price_minor: i64,
    /// Sale price before VAT while a sale runs today (minor units).
    #[serde(default)]
    pub sale_price_minor: Option<i64>,
    /// The running sale's last day (`YYYY-MM-DD`), when it has one.
    #[serde(default)]
    pub sale_end: Option<String>,
    /// Cost, minor units.
    pub cost_minor: Option<i64>,
    /// Stock.
    pub quantity: Option<i64>,
    /// Live variants.
    pub variants: u32,
    /// Units sold in the last 30 days.
    pub units30d: u64,
}

/// A page of products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPage {
    /// The rows.
    pub items: Vec<ProductItem>,
    /// Matches in all pages.
    pub total: u64,
}

/// Outcome of one health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Works as required.
    #[default]
    Ok,
    /// Works, but not as configured or recommended.
    Warning,
    /// Broken.
    Failed,
}

/// The database part of the health report, read from the open database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseHealth {
    /// Absolute path of the SQLite file.
    pub path: String,
    /// Size of the database file in bytes (without `-wal`).
    pub size_bytes: u64,
    /// Version of the newest applied migration (0 when none).
    pub schema_version: i64,
    /// Description of the newest applied migration.
    pub schema_name: String,
    /// Result of `PRAGMA integrity_check` (`"ok"` when healthy, else the first problems).
    pub integrity: String,
    /// `PRAGMA journal_mode` (expected `wal`).
    pub journal_mode: String,
    /// `PRAGMA synchronous` as a name (expected `full`).
    pub synchronous: String,
    /// `PRAGMA foreign_keys`.
    pub foreign_keys: bool,
    /// `PRAGMA busy_timeout` in milliseconds.
    pub busy_timeout_ms: u64,
    /// Free space on the disk that holds the database, in bytes (when the OS says).
    #[serde(default)]
    pub free_bytes: Option<u64>,
    /// The last error that stopped a write in this process (disk full, I/O, read-only), with when.
    #[serde(default)]
    pub last_write_error: Option<String>,
    /// Overall verdict for the database.
    pub status: CheckStatus,
}

/// The OS keychain part of the health report: a probe entry was stored, read back and deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeychainHealth {
    /// Which credential store backs the keychain on this OS.
    pub backend: String,
    /// True when store, read and delete all succeeded and the value read back matched.
    pub available: bool,
    /// What happened, in words (the failing step and its error when unavailable).
    pub detail: String,
    /// Time the probe took, in milliseconds.
    pub elapsed_ms: u64,
    /// Verdict.
    pub status: CheckStatus,
}

/// Who runs the data folder's background jobs (only one process may).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerStatus {
    /// This app does: run now and cancel work here.
    pub running_here: bool,
    /// Another process does ("spo (pid 4242)"); this app takes over when it stops.
    pub elsewhere: Option<String>,
}

/// The background scheduler as this process sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerHealth {
    /// The scheduler runs in this process (the desktop app or `spo daemon`; not `spo doctor`).
    pub running_here: bool,
    /// Another process runs the data folder's scheduler ("spo (pid 4242)"); only one may.
    #[serde(default)]
    pub elsewhere: Option<String>,
    /// When its loop last woke (RFC 3339, UTC), here or in that other process; at most a minute
    /// ago while it runs.
    pub heartbeat_at: Option<String>,
    /// Everything is paused.
    pub paused: bool,
    /// Scheduled jobs.
    pub jobs: u32,
    /// Running now.
    pub running_now: u32,
    /// The next job due, and when.
    pub next_job: Option<JobKind>,
    /// When it is due.
    pub next_run_at: Option<String>,
    /// The last run that ended.
    pub last_run_at: Option<String>,
    /// Runs that failed in the last 24 hours.
    pub failed_24h: u32,
    /// Verdict: a stale heartbeat fails; pause or failures warn.
    pub status: CheckStatus,
}

/// One store's connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreHealth {
    /// Local id.
    pub store_id: String,
    /// Name.
    pub name: String,
    /// An authenticated request to Salla succeeded.
    pub reachable: bool,
    /// How long it took (milliseconds).
    pub latency_ms: u64,
    /// What happened, in words.
    pub detail: String,
    /// When the access token expires (RFC 3339, UTC); it is renewed automatically before.
    pub token_expires_at: Option<String>,
    /// Verdict.
    pub status: CheckStatus,
}

/// The end of the app's log file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LogTail {
    /// The file read.
    pub path: String,
    /// Its last lines, oldest first.
    pub lines: Vec<String>,
}

/// Everything `spo doctor` and the Diagnostics screen show. Every value is measured when the report
/// is made; none is hard-coded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    /// Build identity.
    pub app: AppInfo,
    /// Operating system and architecture (`linux-x86_64`).
    pub platform: String,
    /// Folder holding the database and other app data.
    pub data_dir: String,
    /// Folder holding the log files.
    pub log_dir: String,
    /// Database health.
    pub database: DatabaseHealth,
    /// OS keychain health.
    pub keychain: KeychainHealth,
    /// The background scheduler.
    #[serde(default)]
    pub scheduler: SchedulerHealth,
    /// Each connected store: Salla reachable with its grant, and when the access token expires.
    #[serde(default)]
    pub stores: Vec<StoreHealth>,
    /// The latest failed job runs, newest first.
    #[serde(default)]
    pub recent_errors: Vec<JobRunInfo>,
    /// The team database, when this data folder is a seat of a team.
    #[serde(default)]
    pub team: Option<crate::TeamHealth>,
    /// Worst status of all checks.
    pub status: CheckStatus,
    /// When the report was made (RFC 3339, UTC).
    pub generated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_patch_wire_shape() {
        let patch = SettingsPatch { language: Some(Language::En), theme: None };
        assert_eq!(serde_json::to_value(patch).expect("ser"), serde_json::json!({"language": "en"}));
        let back: SettingsPatch = serde_json::from_str(r#"{"theme":"dark"}"#).expect("de");
        assert_eq!(back, SettingsPatch { language: None, theme: Some(Theme::Dark) });
        assert!(
            serde_json::from_str::<SettingsPatch>(r#"{"lang":"en"}"#).is_err(),
            "unknown fields must be rejected, not ignored"
        );
    }

    #[test]
    fn defaults_are_arabic_first() {
        assert_eq!(Settings::default().language, Language::Ar);
    }

    #[test]
    fn store_summary_is_camel_case() {
        let s = StoreSummary {
            id: "x".into(),
            name: "n".into(),
            domain: None,
            status: StoreStatus::NeedsReconnect,
            is_demo: true,
        };
        let v = serde_json::to_value(s).expect("ser");
        assert_eq!(v["isDemo"], true);
        assert_eq!(v["status"], "needs_reconnect");
    }
}

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

/// The optional language model's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LlmSettings {
    /// A server and a model are set.
    pub enabled: bool,
    /// OpenAI-compatible base URL (`https://api.openai.com/v1`, `http://localhost:11434/v1`).
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// An API key is kept in the keychain.
    pub key_set: bool,
    /// Tokens one run or search may use.
    pub budget_tokens: u64,
    /// Price of a million prompt tokens, micro-dollars.
    pub prompt_micro_usd_per_million: u64,
    /// Price of a million completion tokens, micro-dollars.
    pub completion_micro_usd_per_million: u64,
}

/// A change to the language-model settings (absent fields stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LlmSettingsPatch {
    /// New base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// New model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A new API key to keep in the keychain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Forget the API key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear_api_key: bool,
    /// New token budget per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u64>,
    /// New prompt price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_micro_usd_per_million: Option<u64>,
    /// New completion price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_micro_usd_per_million: Option<u64>,
    /// Turn the model off (forget server and model).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable: bool,
}

/// A pricing strategy as the UI and CLI choose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StrategySpec {
    /// The lowest competitor price.
    MatchLowest,
    /// Below the lowest competitor by a share (basis points, 100 = 1 %).
    BeatLowestBps {
        /// Basis points.
        bps: u32,
    },
    /// Below the lowest competitor by an amount (minor units).
    BeatLowestAmount {
        /// Minor units.
        minor: i64,
    },
    /// The n-th cheapest offer.
    Position {
        /// 1-based rank.
        rank: u32,
    },
    /// Over (or under, negative) the competitors' average, basis points.
    PremiumOverAverage {
        /// Basis points.
        bps: i32,
    },
    /// Margin on the selling price over cost, basis points.
    TargetMargin {
        /// Basis points.
        bps: u32,
    },
    /// Keep the price.
    Hold,
    /// Profit-maximizing from the store's demand; falls back to matching the lowest price while
    /// the estimate is not trustworthy.
    MaximizeProfit,
}

/// How prices end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceEndingSpec {
    /// Any halala.
    #[default]
    Exact,
    /// x.00
    Whole,
    /// x.95
    Cents95,
    /// x.99
    Cents99,
}

/// Sets the pricing rule of the store, a category or a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleRequest {
    /// The store.
    pub store_id: String,
    /// For one product (local id or SKU).
    #[serde(default)]
    pub product: Option<String>,
    /// For one category (its name).
    #[serde(default)]
    pub category: Option<String>,
    /// Strategy.
    pub strategy: StrategySpec,
    /// Lowest price (decimal text, before VAT). Required for automation.
    #[serde(default)]
    pub min_price: Option<String>,
    /// Highest price (decimal text, before VAT). Required for automation.
    #[serde(default)]
    pub max_price: Option<String>,
    /// Margin over cost the floor keeps, basis points.
    #[serde(default)]
    pub min_margin_bps: Option<u32>,
    /// Step limit, basis points (default 10 %).
    #[serde(default)]
    pub max_step_bps: Option<u32>,
    /// Daily limit, basis points (default 20 %).
    #[serde(default)]
    pub max_daily_bps: Option<u32>,
    /// Cool-down in minutes (default 6 hours).
    #[serde(default)]
    pub cooldown_minutes: Option<u32>,
    /// Price ending.
    #[serde(default)]
    pub ending: PriceEndingSpec,
    /// Leave dry run: decisions may apply automatically (per the store's automation mode).
    #[serde(default)]
    pub live: bool,
}

/// What a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleScope {
    /// Every product of the store.
    Store,
    /// The products of a category.
    Category,
    /// One product.
    Product,
}

/// What proposed a decision: a rule's strategy, or a rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStrategy {
    /// The lowest competitor price.
    MatchLowest,
    /// Below the lowest competitor.
    BeatLowest,
    /// The n-th cheapest offer.
    Position,
    /// Over (or under) the competitors' average.
    PremiumOverAverage,
    /// Margin over cost.
    TargetMargin,
    /// Keep the price.
    Hold,
    /// The profit-maximizing price from the store's own demand.
    MaximizeProfit,
    /// Puts back the price an applied decision replaced.
    Rollback,
}

/// What started an optimization run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// The daily schedule.
    Scheduled,
    /// A person.
    #[default]
    Manual,
    /// An event.
    Triggered,
}

/// Where an optimization run is, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still going.
    Running,
    /// Done.
    #[default]
    Succeeded,
    /// Stopped by an error.
    Failed,
    /// Stopped on request.
    Cancelled,
    /// The circuit breaker tripped: everything waits for a person.
    AwaitingApproval,
}

impl RunStatus {
    /// The spelling on the wire (also the `data-status` of the Runs screen's rows).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::AwaitingApproval => "awaiting_approval",
        }
    }
}

/// A stored pricing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Local id.
    pub id: String,
    /// What it covers.
    pub scope: RuleScope,
    /// Category (local id).
    pub category_id: Option<String>,
    /// Product (local id).
    pub product_id: Option<String>,
    /// Strategy.
    pub strategy: StrategySpec,
    /// Lowest price, minor units.
    pub min_minor: Option<i64>,
    /// Highest price, minor units.
    pub max_minor: Option<i64>,
    /// Margin over cost, basis points.
    pub min_margin_bps: Option<u32>,
    /// Step limit, basis points.
    pub max_step_bps: u32,
    /// Daily limit, basis points.
    pub max_daily_bps: u32,
    /// Cool-down, minutes.
    pub cooldown_minutes: u32,
    /// Ending.
    pub ending: PriceEndingSpec,
    /// Dry run: decisions always wait for approval.
    pub dry_run: bool,
    /// Version (bumped on every change).
    pub version: i64,
}

/// A store's automation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AutomationMode {
    /// Every change waits for approval.
    #[default]
    Manual,
    /// Low-risk changes apply; the rest wait.
    SemiAutomatic,
    /// Everything inside the guardrails applies.
    Automatic,
}

/// A price decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Local id.
    pub id: String,
    /// The run that proposed it.
    pub run_id: Option<String>,
    /// Product (local id).
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Product SKU.
    pub product_sku: Option<String>,
    /// Currency.
    pub currency: String,
    /// Price before (before VAT), minor units.
    pub old_price_minor: i64,
    /// Price proposed (before VAT), minor units.
    pub new_price_minor: i64,
    /// Which price it writes: the regular price, or the sale price while a sale runs.
    #[serde(default)]
    pub price_field: PriceFieldKind,
    /// The sale's last day (`YYYY-MM-DD`) when it writes the sale price.
    #[serde(default)]
    pub sale_end: Option<String>,
    /// What proposed it.
    pub strategy: DecisionStrategy,
    /// The risk reviewer's grade.
    pub risk: RiskLevel,
    /// Where the decision is in its life.
    pub status: DecisionStatus,
    /// Why, in English.
    pub rationale_en: String,
    /// Why, in Arabic.
    pub rationale_ar: String,
    /// Inputs (JSON text).
    pub inputs: String,
    /// Guardrails passed and hit (JSON text).
    pub guardrails: String,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// When it was applied.
    pub applied_at: Option<String>,
    /// What Salla answered.
    pub salla_response: Option<String>,
    /// The decision this one rolls back.
    pub rollback_of: Option<String>,
    /// When proposed.
    pub created_at: String,
}

/// Where a decision is in its life (spelled as stored: `proposed`, `approved`, `rejected`,
/// `expired`, `applying`, `applied`, `failed`, `rolled_back`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Waiting for approval.
    #[default]
    Proposed,
    /// Approved, waiting to be written.
    Approved,
    /// Turned down.
    Rejected,
    /// Waited too long or the product changed: never written.
    Expired,
    /// Being written now.
    Applying,
    /// At Salla.
    Applied,
    /// Not written.
    Failed,
    /// Undone by a rollback.
    RolledBack,
}

impl DecisionStatus {
    /// Every state.
    pub const ALL: [DecisionStatus; 8] = [
        DecisionStatus::Proposed,
        DecisionStatus::Approved,
        DecisionStatus::Rejected,
        DecisionStatus::Expired,
        DecisionStatus::Applying,
        DecisionStatus::Applied,
        DecisionStatus::Failed,
        DecisionStatus::RolledBack,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Proposed => "proposed",
            DecisionStatus::Approved => "approved",
            DecisionStatus::Rejected => "rejected",
            DecisionStatus::Expired => "expired",
            DecisionStatus::Applying => "applying",
            DecisionStatus::Applied => "applied",
            DecisionStatus::Failed => "failed",
            DecisionStatus::RolledBack => "rolled_back",
        }
    }

    /// The state spelled `text` (`None` for an unknown one).
    pub fn parse(text: &str) -> Option<DecisionStatus> {
        DecisionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A decision's risk grade (`low`, `medium`, `high`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Small change, healthy margin, good data.
    #[default]
    Low,
    /// Worth a look.
    Medium,
    /// Always worth a look.
    High,
}

impl RiskLevel {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }
}

/// Which of a product's prices a decision writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceFieldKind {
    /// The regular price.
    #[default]
    Price,
    /// The sale price of a running sale.
    SalePrice,
}

/// How many products a reason left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonCount {
    /// Reason (`no_rule`, `missing_min_max`, `no_competitors`, `unchanged`, `cool_down`…).
    pub reason: String,
    /// Products.
    pub count: u32,
}

/// The outcome of an optimization run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// The stored run (none for a dry run).
    pub run_id: Option<String>,
    /// Nothing was stored or applied.
    pub dry_run: bool,
    /// How it ended.
    pub status: RunStatus,
    /// Live products looked at.
    pub products_seen: u32,
    /// Decisions proposed.
    pub proposed: u32,
    /// Of them, approved by the automation mode.
    pub auto_approved: u32,
    /// Applied to Salla in this run.
    pub applied: u32,
    /// Failed to apply.
    pub failed: u32,
    /// Frozen by the feedback-loop detector in this run.
    pub frozen: u32,
    /// The circuit breaker tripped (why), and nothing applied.
    pub breaker: Option<String>,
    /// Why products were left unchanged.
    pub unchanged: Vec<ReasonCount>,
    /// Products with a trusted demand estimate of their own (0 when no rule maximizes profit).
    pub demand_estimated: u32,
    /// Decisions priced from the demand model (the rest from rules).
    pub priced_from_demand: u32,
    /// Each agent's output (market analyst, demand analyst, strategist, risk reviewer) as JSON.
    pub steps: String,
    /// The first 200 decisions (the queue has them all).
    pub decisions: Vec<Decision>,
    /// Wall time.
    pub elapsed_ms: u64,
    /// Where the time went: read, plan, words, record, apply (microseconds each).
    #[serde(default)]
    pub phases: Vec<PhaseTime>,
}

/// One phase of a run and its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PhaseTime {
    /// `read`, `plan`, `words`, `record`, `apply_and_report`.
    pub name: String,
    /// Microseconds.
    pub micros: u64,
}

/// A scheduled background job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInfo {
    /// Local id.
    pub id: String,
    /// Its store (none: all stores).
    pub store_id: Option<String>,
    /// What it does.
    pub kind: JobKind,
    /// `every 6h` or a cron expression (Riyadh time).
    pub schedule: String,
    /// Next run (RFC 3339, UTC).
    pub next_run_at: Option<String>,
    /// Paused.
    pub paused: bool,
    /// Running now.
    pub running: bool,
}

/// One run of a background job (the job monitor), or its progress as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobRunInfo {
    /// Local id.
    pub id: String,
    /// The job.
    pub job_id: String,
    /// Its kind (none in a progress event).
    pub kind: Option<JobKind>,
    /// Its store.
    pub store_id: Option<String>,
    /// How it ended, or that it still runs.
    pub status: JobRunStatus,
    /// Start (RFC 3339, UTC); empty in a progress event.
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// 0–1.
    pub progress: Option<f64>,
    /// What it did, as JSON.
    pub counts: String,
    /// What failed.
    pub error: Option<String>,
}

/// Kinds of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// An optimization run left price changes waiting for approval.
    ApprovalsWaiting,
    /// A competitor became cheaper than us on a tracked product.
    Undercut,
    /// Approved prices were applied in the store.
    PricesApplied,
    /// A run's circuit breaker tripped.
    BreakerTripped,
    /// A store's authorization was lost or is about to be.
    AuthLost,
    /// A background job failed twice in a row.
    JobFailing,
    /// A store whose Salla grant is on this seat is run by another seat of the team (its jobs
    /// are skipped here).
    StoreRunsElsewhere,
}

/// One notification of the in-app centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationInfo {
    /// Local id.
    pub id: String,
    /// Kind.
    pub kind: NotifyKind,
    /// Its store.
    pub store_id: Option<String>,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Title in English.
    pub title_en: String,
    /// Title in Arabic.
    pub title_ar: String,
    /// Text in English.
    pub body_en: String,
    /// Text in Arabic.
    pub body_ar: String,
    /// The screen it is about (a sidebar slug: `decisions`, `competitors`, `runs`, `settings`…).
    pub page: String,
    /// The operating system showed it (not muted, not quiet hours).
    pub shown: bool,
    /// Read in the centre.
    pub read: bool,
}

/// The notification centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NotificationList {
    /// Newest first.
    pub items: Vec<NotificationInfo>,
    /// How many are unread.
    pub unread: u32,
}

/// One kind of notification on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyToggle {
    /// The kind.
    pub kind: NotifyKind,
    /// Shown outside the window.
    pub on: bool,
}

/// Settings → Notifications and window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DesktopSettings {
    /// Closing the window keeps the app running in the tray.
    pub close_to_tray: bool,
    /// The app starts (in the tray) when the user logs in.
    pub start_at_login: bool,
    /// Which kinds reach the operating system (all are kept in the centre).
    pub notify: Vec<NotifyToggle>,
    /// Quiet hours start (`HH:MM`, Riyadh time), if set.
    pub quiet_start: Option<String>,
    /// Quiet hours end.
    pub quiet_end: Option<String>,
}

/// A change to [`DesktopSettings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesktopSettingsPatch {
    /// Close to tray.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_to_tray: Option<bool>,
    /// Start at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at_login: Option<bool>,
    /// Kinds to turn on or off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<NotifyToggle>,
    /// Quiet hours start (`HH:MM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_start: Option<String>,
    /// Quiet hours end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_end: Option<String>,
    /// No quiet hours.
    #[serde(default)]
    pub clear_quiet_hours: bool,
}

/// Why a backup was made (from its file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum BackupKind {
    /// Asked for by the merchant.
    #[default]
    #[serde(rename = "manual")]
    Manual,
    /// The daily backup job.
    #[serde(rename = "daily")]
    Daily,
    /// Taken before the database schema was updated.
    #[serde(rename = "pre-migration")]
    PreMigration,
    /// Taken before a restore replaced the database.
    #[serde(rename = "before-restore")]
    BeforeRestore,
}

impl BackupKind {
    /// The spelling on the wire (and the start of the file's name, but for `manual`).
    pub fn as_str(self) -> &'static str {
        match self {
            BackupKind::Manual => "manual",
            BackupKind::Daily => "daily",
            BackupKind::PreMigration => "pre-migration",
            BackupKind::BeforeRestore => "before-restore",
        }
    }
}

/// One backup file in the app's backups folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BackupFile {
    /// File name.
    pub name: String,
    /// Full path.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// When it was written (RFC 3339, UTC).
    pub created_at: String,
    /// Why it was made.
    pub kind: BackupKind,
}

/// Rows of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TableRows {
    /// Table name.
    pub table: String,
    /// Its rows.
    pub rows: i64,
}

/// A backup written or restored, after its integrity check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BackupReport {
    /// The file.
    pub file: BackupFile,
    /// Newest migration in it.
    pub schema_version: i64,
    /// What it holds.
    pub tables: Vec<TableRows>,
    /// Restore only: the copy of the database as it was just before.
    pub safety_copy: Option<BackupFile>,
}

/// Settings → Data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DataOverview {
    /// The folder backups are written to.
    pub backup_dir: String,
    /// Daily backups kept.
    pub keep: u32,
    /// The database file.
    pub db_path: String,
    /// Its size in bytes.
    pub db_size_bytes: u64,
    /// Backups there, newest first.
    pub backups: Vec<BackupFile>,
    /// Job runs are kept this many days.
    pub job_runs_days: u32,
    /// Log files are kept this many days.
    pub log_days: u32,
}

/// What [`crate::commands::EXPORT_CSV`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The catalogue with prices, costs and stock.
    Products,
    /// Every price decision with its before/after, status and rationale.
    Decisions,
    /// The audit log.
    Audit,
}

/// A CSV file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    /// Where.
    pub path: String,
    /// Data rows (the header not counted).
    pub rows: u64,
}

/// A recorded optimization run (the Runs screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Local id.
    pub id: String,
    /// What started it.
    pub kind: RunKind,
    /// Where it is, or how it ended.
    pub status: RunStatus,
    /// Start (RFC 3339, UTC).
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// Products looked at.
    pub products_seen: u32,
    /// Decisions proposed.
    pub proposed: u32,
    /// Its decisions applied (then or later).
    pub applied: u32,
    /// Of them, still in place (what a rollback of the run would undo).
    pub still_applied: u32,
    /// Failures.
    pub errors: u32,
    /// Each agent's output as JSON (market analyst, demand analyst, strategist, risk reviewer).
    pub steps: String,
    /// What failed.
    pub error: Option<String>,
}

/// The outcome of applying approved decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// Applied and confirmed by reading back.
    pub applied: u32,
    /// Failed (with reasons in `errors`).
    pub failed: u32,
    /// Expired: the price changed at Salla since the decision.
    pub expired: u32,
    /// Interrupted applies found and settled by reading the product back.
    pub reconciled: u32,
    /// What went wrong, per decision.
    pub errors: Vec<String>,
}

/// Whether the app runs without its database because the file is damaged, and what can be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryStatus {
    /// The database could not be opened or read: the window offers the backups.
    pub damaged: bool,
    /// The database file.
    pub db_path: String,
    /// What is wrong with it.
    pub problem: String,
    /// The backups there are, newest first.
    pub backups: Vec<BackupFile>,
}
