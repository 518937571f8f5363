//! The use cases of Salla Price Optimizer, behind one [`App`] value.
//!
//! Both front ends — the Tauri shell (`spo-desktop`) and the CLI (`spo`) — call these functions and
//! nothing else, so the desktop's Diagnostics screen and `spo doctor --json` are the same code.
//!
//! **Invariants:** this is the composition root (the only library that names concrete adapters)
//! and the only crate that converts between domain types and IPC DTOs. It never depends on tauri.
#![deny(missing_docs)]

mod advisor;
mod catalog;
pub mod clock;
mod competitors;
mod convert;
mod csv_out;
mod data;
mod demand;
mod discovery;
mod doctor;
mod error;
mod grants;
mod handover;
mod job_counts;
pub mod jobs;
mod lease;
pub mod logging;
mod memory;
mod notify;
pub mod paths;
mod pricing;
pub mod recovery;
mod salla_access;
pub mod scheduler_lock;
mod sync;
mod team;
mod tokens;
mod vocab;

use std::sync::Arc;

use spo_domain::ports::SecretStore;
use spo_domain::prefs::{Preferences, KEY_LANGUAGE, KEY_THEME};
use spo_ipc as ipc;
use spo_store::Db;

pub use error::AppError;
pub use notify::{in_quiet_hours, notice_for, Notice, Notifier, RecordingNotifier};
pub use paths::AppPaths;
pub use pricing::breaker_text;
pub use sync::Progress;

/// Bundle identifier: app-data folder name and keychain service. Must equal `identifier` in
/// tauri.conf.json (a shell test checks it).
pub const IDENTIFIER: &str = "sa.priceoptimizer.desktop";
/// Product name.
pub const PRODUCT_NAME: &str = "Salla Price Optimizer";
/// Version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// How often a standby scheduler tries to take over, and a running one picks up changes that other
/// processes made to its jobs.
pub const SCHEDULER_POLL: std::time::Duration = std::time::Duration::from_secs(30);

/// An amount in minor units as plain text with its currency code (`"149.95 SAR"`), exactly.
pub fn format_minor(minor: i64, currency: &str) -> String {
    match spo_domain::Currency::parse(currency) {
        Ok(c) => spo_domain::Money::from_minor(minor, c).to_string(),
        Err(_) => format!("{minor} (minor units) {currency}"),
    }
}

/// An amount in minor units as a plain decimal in its currency (`"149.95"`), exactly; `None` for
/// an unknown currency.
pub(crate) fn decimal_minor(minor: i64, currency: &str) -> Option<String> {
    spo_domain::Currency::parse(currency).ok().map(|c| spo_domain::Money::from_minor(minor, c).to_decimal_string())
}

/// Decimal text (`"1.50"`) to minor units of `currency`, exactly; more decimals than the currency
/// has are refused, never rounded.
pub fn parse_minor(text: &str, currency: &str) -> Result<i64> {
    let c = spo_domain::Currency::parse(currency).map_err(|e| AppError::InvalidInput(e.to_string()))?;
    spo_domain::Money::parse_decimal(text.trim(), c)
        .map(|m| m.minor)
        .map_err(|e| AppError::InvalidInput(format!("{text:?} is not an amount: {e}")))
}

/// Result of a use case.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Lease times from the environment (`SPO_LEASE_TTL_MS`, `SPO_FENCE_GRACE_MS`), else the defaults.
fn lease_times_from_env() -> spo_domain::lease::LeaseTimes {
    let ms = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v > 0);
    let d = spo_domain::lease::LeaseTimes::default();
    spo_domain::lease::LeaseTimes {
        ttl_ms: ms("SPO_LEASE_TTL_MS").unwrap_or(d.ttl_ms),
        grace_ms: ms("SPO_FENCE_GRACE_MS").unwrap_or(d.grace_ms),
    }
}

/// The running application: its database, its secret store and its folders.
#[derive(Debug, Clone)]
pub struct App {
    db: Db,
    secrets: Arc<dyn SecretStore>,
    paths: AppPaths,
    /// The local demo store server, started on first use.
    demo: Arc<tokio::sync::Mutex<Option<spo_salla_sim::Sim>>>,
    /// Access tokens per store (single-flight refresh).
    tokens: Arc<tokens::TokenManager>,
    /// Wakes a pending browser sign-in to cancel it.
    sign_in_cancel: Arc<tokio::sync::Notify>,
    /// Imports running now, with their cancel switches.
    running: Arc<sync::Running>,
    /// Competitor pages: one polite fetcher (per-host pacing and robots cache) for the app.
    fetcher: spo_fetch::Fetcher,
    /// The background scheduler, when it runs in this process.
    scheduler: Arc<std::sync::Mutex<Option<Arc<jobs::AppScheduler>>>>,
    /// Who runs it while this process waits in standby.
    standby: Arc<std::sync::Mutex<Option<scheduler_lock::Holder>>>,
    /// Job runs of this process's scheduler, as they happen.
    job_events: tokio::sync::broadcast::Sender<jobs::Event<jobs::JobKind>>,
    /// How often a standby scheduler tries to take over, and a running one looks for changes made
    /// by other processes.
    scheduler_poll: std::time::Duration,
    /// Where notifications go outside the window.
    notifier: Arc<std::sync::Mutex<Option<Arc<dyn Notifier>>>>,
    /// Notifications as they are kept.
    notices: tokio::sync::broadcast::Sender<ipc::NotificationInfo>,
    /// Consecutive final failures per job.
    failures: Arc<notify::FailureCounts>,
    /// This data folder's id (kept in its database): keychain entries are per data folder.
    profile: Arc<str>,
    /// Background tasks started at open (retention), stopped before the pool closes.
    background: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    /// The team connection and its sync loop (none without a team).
    team: Arc<team::TeamSync>,
    /// How often the team sync loop runs when nothing wakes it.
    sync_poll: std::time::Duration,
    /// Whether the loop also listens for the team's change announcements (LISTEN/NOTIFY).
    sync_hint: bool,
    /// The store leases this data folder holds (a team seat runs a store only with its lease).
    leases: Arc<lease::Leases>,
    /// Where "now" comes from (the system clock; an offset one in simulations; a hand-moved one in
    /// tests).
    clock: Arc<dyn clock::Clock>,
}

/// This data folder's id: a digest of its full path. A copied or moved folder is another
/// profile (it reconnects instead of reusing the original's single-use refresh token), and a
/// restored backup keeps the folder's id.
fn profile_id(data_dir: &std::path::Path) -> Arc<str> {
    use sha2::Digest;
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = sha2::Sha256::digest(path.to_string_lossy().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>().into()
}

/// Why the database could not be opened, in words that name the folder and the cause.
fn open_error(paths: &AppPaths, e: spo_store::Error) -> AppError {
    let dir = paths.data_dir.display();
    let io_cause = match &e {
        spo_store::Error::Io { source, .. } => Some(source.kind()),
        _ => None,
    };
    let readonly = e.to_string().contains("readonly")
        || e.to_string().contains("unable to open database file")
        || io_cause == Some(std::io::ErrorKind::PermissionDenied);
    if readonly {
        let writable = std::fs::metadata(&paths.data_dir).map(|m| !m.permissions().readonly()).unwrap_or(false);
        let why = if !paths.data_dir.exists() {
            "the folder does not exist and cannot be created".to_owned()
        } else if !writable {
            "the folder is read-only".to_owned()
        } else {
            "this user may not write there (check the folder's owner and permissions, and free disk space)".to_owned()
        };
        return AppError::Internal(format!("cannot open the database in {dir}: {why} ({e})"));
    }
    e.into()
}

impl App {
    /// Opens the database in `paths.data_dir` (creating and migrating it as needed).
    pub async fn open(paths: AppPaths, secrets: Arc<dyn SecretStore>) -> Result<App> {
        paths.make_private();
        let clock = clock::from_env();
        let db = Db::open(&paths.db_path).await.map_err(|e| open_error(&paths, e))?.with_clock(Arc::clone(&clock));
        let tokens = Arc::new(tokens::TokenManager::new(Arc::clone(&secrets)));
        let profile = profile_id(&paths.data_dir);
        let app = App {
            profile,
            db,
            secrets,
            paths,
            demo: Arc::default(),
            tokens,
            sign_in_cancel: Arc::default(),
            running: Arc::default(),
            fetcher: competitors::fetcher(None)?,
            scheduler: Arc::default(),
            standby: Arc::default(),
            job_events: tokio::sync::broadcast::channel(256).0,
            scheduler_poll: SCHEDULER_POLL,
            notifier: Arc::default(),
            notices: tokio::sync::broadcast::channel(64).0,
            failures: Arc::default(),
            background: Arc::default(),
            team: Arc::default(),
            sync_poll: team::SYNC_POLL,
            sync_hint: true,
            leases: Arc::new(lease::Leases::new(lease_times_from_env())),
            clock,
        };
        app.apply_allowed_hosts().await?;
        // Old competitor prices go in the background; opening never waits for it.
        let pruning = app.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = pruning.prune_observations().await {
                tracing::warn!(error = %e, "competitor price retention failed; retried at the next start");
            }
        });
        app.background_task(task);
        if app.db.team_link().await?.is_some() {
            // The outbox triggers follow the live columns (a migration may have added some).
            app.db.install_sync_triggers().await?;
        }
        Ok(app)
    }

    /// Keeps a background task to stop at [`App::close`].
    pub(crate) fn background_task(&self, task: tokio::task::JoinHandle<()>) {
        self.background.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(task);
    }

    pub(crate) fn team(&self) -> &team::TeamSync {
        &self.team
    }

    pub(crate) fn sync_poll(&self) -> std::time::Duration {
        self.sync_poll
    }

    /// Runs on `clock` instead of the system clock (tests; simulations use
    /// [`clock::OFFSET_ENV`]). The database stamps its times from it too.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn clock::Clock>) -> App {
        self.db = self.db.clone().with_clock(Arc::clone(&clock));
        self.clock = clock;
        self
    }

    /// Now by the app's clock (Unix seconds).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Now by the app's clock, unsigned (token lifetimes).
    pub(crate) fn now_u64(&self) -> u64 {
        u64::try_from(self.now()).unwrap_or(0)
    }

    /// The store's calendar day now (`YYYY-MM-DD`, Riyadh time).
    pub(crate) fn store_today(&self) -> String {
        clock::store_day(self.now())
    }

    /// The app's clock.
    pub fn clock(&self) -> Arc<dyn clock::Clock> {
        Arc::clone(&self.clock)
    }

    /// Runs the team sync loop this often when nothing wakes it (tests, benchmarks).
    #[must_use]
    pub fn with_sync_poll(mut self, every: std::time::Duration) -> App {
        self.sync_poll = every;
        self
    }

    /// Turns the LISTEN/NOTIFY wake-up hint of the team sync loop on or off (benchmarks; a
    /// connection pooler in transaction mode cannot carry it).
    #[must_use]
    pub fn with_sync_hint(mut self, on: bool) -> App {
        self.sync_hint = on;
        self
    }

    pub(crate) fn sync_hint(&self) -> bool {
        self.sync_hint
    }

    /// The OS keychain for this build's identifier.
    pub fn os_keychain() -> Arc<dyn SecretStore> {
        Arc::new(spo_secrets::KeychainStore::open(IDENTIFIER))
    }

    /// Polls the scheduler's lock and the jobs more often than [`SCHEDULER_POLL`] (tests).
    #[must_use]
    pub fn with_scheduler_poll(mut self, every: std::time::Duration) -> App {
        self.scheduler_poll = every;
        self
    }

    /// Folders in use.
    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// Build identity.
    pub fn app_info(&self) -> ipc::AppInfo {
        ipc::AppInfo { name: PRODUCT_NAME.into(), version: VERSION.into(), identifier: IDENTIFIER.into() }
    }

    /// The stored device preferences (defaults where nothing is stored).
    #[tracing::instrument(skip_all, err)]
    pub async fn settings(&self) -> Result<ipc::Settings> {
        let pairs = self.db.device_settings().await?;
        let prefs = Preferences::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Ok(convert::settings_to_ipc(prefs))
    }

    /// Applies a partial update to the device preferences and returns the stored result.
    #[tracing::instrument(skip_all, err)]
    pub async fn update_settings(&self, patch: ipc::SettingsPatch) -> Result<ipc::Settings> {
        let mut pairs = Vec::new();
        if let Some(lang) = patch.language {
            pairs.push((KEY_LANGUAGE, convert::language_from_ipc(lang).as_tag()));
        }
        if let Some(theme) = patch.theme {
            pairs.push((KEY_THEME, convert::theme_from_ipc(theme).as_tag()));
        }
        if pairs.is_empty() {
            return Err(AppError::InvalidInput("nothing to change: the settings patch is empty".into()));
        }
        self.db.put_device_settings(&pairs, "user:local").await?;
        self.settings().await
    }

    /// Connected stores for the store switcher.
    #[tracing::instrument(skip_all, err)]
    pub async fn list_stores(&self) -> Result<Vec<ipc::StoreSummary>> {
        Ok(self.db.list_stores().await?.into_iter().map(convert::store_to_ipc).collect())
    }

    /// Runs every health check for real and reports the results.
    #[tracing::instrument(skip_all)]
    pub async fn doctor(&self) -> Result<ipc::DoctorReport> {
        doctor::run(self).await
    }

    /// The last `lines` lines (1–2000) of the newest log file, for the log viewer.
    pub fn read_log(&self, lines: u32) -> Result<ipc::LogTail> {
        doctor::log_tail(&self.paths.log_dir, lines)
    }

    /// Connects the local demo store through the real OAuth flow and the real client, keeps its
    /// grant in the keychain and imports its catalogue. Idempotent: an already connected demo
    /// store is returned as it is.
    #[tracing::instrument(skip_all, err)]
    pub async fn connect_demo_store(&self) -> Result<ipc::ConnectedStore> {
        catalog::connect_demo_store(self).await
    }

    /// Connects a store with the merchant's own Salla app credentials (Custom Mode): the authorize
    /// URL goes to `open_browser` (the system browser), the callback is awaited on
    /// `http://127.0.0.1:<redirect_port>/callback` — the redirect URI to register with the app — for
    /// at most five minutes or until `cancel` completes.
    #[tracing::instrument(skip_all, err)]
    pub async fn connect_with_credentials(
        &self,
        client_id: String,
        client_secret: String,
        redirect_port: u16,
        open_browser: impl FnOnce(&str),
        cancel: impl std::future::Future<Output = ()>,
    ) -> Result<ipc::ConnectedStore> {
        let creds = spo_salla::ClientCredentials { client_id, client_secret };
        catalog::connect_with_credentials(self, creds, redirect_port, open_browser, cancel).await
    }

    /// A future that completes when [`App::cancel_sign_in`] is called.
    pub fn sign_in_cancelled(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let notify = Arc::clone(&self.sign_in_cancel);
        async move { notify.notified().await }
    }

    /// Cancels a pending browser sign-in (its listener closes; nothing is stored).
    pub fn cancel_sign_in(&self) {
        self.sign_in_cancel.notify_waiters();
    }

    /// Connects a store with tokens obtained elsewhere (and, for refreshes, its app's credentials).
    #[tracing::instrument(skip_all, err)]
    pub async fn connect_with_tokens(
        &self,
        access_token: String,
        refresh_token: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
    ) -> Result<ipc::ConnectedStore> {
        catalog::connect_with_tokens(self, access_token, refresh_token, client_id, client_secret).await
    }

    /// Imports a store's catalogue from Salla (or the demo store): products, variants and
    /// categories; unchanged rows are not rewritten and products Salla no longer lists are
    /// removed after a complete pass. `progress` hears about every page.
    #[tracing::instrument(skip_all, err)]
    pub async fn sync_catalog(&self, store_id: &str, progress: Progress<'_>) -> Result<ipc::SyncSummary> {
        sync::sync_catalog(self, store_id, progress).await
    }

    /// Imports a store's orders and their lines: the last 180 days the first time, then
    /// incrementally; then the demand estimates are refreshed when a new day of sales is in.
    /// `progress` hears about every batch.
    #[tracing::instrument(skip_all, err)]
    pub async fn sync_orders(&self, store_id: &str, progress: Progress<'_>) -> Result<ipc::SyncSummary> {
        let mut summary = sync::sync_orders(self, store_id, progress).await?;
        // The demand analyst's daily estimates follow the orders; a pricing run only reads them.
        if !summary.cancelled {
            let started = std::time::Instant::now();
            if self.refresh_demand(store_id).await? {
                summary.demand_refresh_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
            }
        }
        Ok(summary)
    }

    /// Stops the store's running import after the request in flight. False when none runs.
    pub fn cancel_sync(&self, store_id: &str) -> bool {
        self.running.cancel(store_id)
    }

    /// The store's sales over the last 30 days.
    #[tracing::instrument(skip_all, err)]
    pub async fn sales_summary(&self, store_id: &str) -> Result<ipc::SalesSummary> {
        sync::sales_summary(self, store_id).await
    }

    /// Category names of a store's products (for the Products filter).
    #[tracing::instrument(skip_all, err)]
    pub async fn list_categories(&self, store_id: &str) -> Result<Vec<String>> {
        Ok(self.db.product_categories(store_id).await?)
    }

    /// The store's VAT rate in percent (`15.00`): what turns our pre-VAT prices into the shelf
    /// prices competitors are compared with. Read from Salla's tax settings at every catalogue
    /// import when the grant allows (`taxes.read`); set here otherwise.
    pub async fn store_vat(&self, store_id: &str) -> Result<String> {
        let bps = self.db.store_vat_bps(store_id).await.map_err(|e| match e {
            spo_store::Error::NotFound => {
                AppError::Store(spo_store::Error::Missing(format!("no store with id {store_id:?}")))
            }
            other => other.into(),
        })?;
        Ok(format!("{}.{:02}", bps / 100, bps % 100))
    }

    /// Sets the store's VAT rate from a percentage (`15`, `15.00`, `5.5`; 0–100).
    pub async fn set_store_vat(&self, store_id: &str, percent: &str) -> Result<String> {
        self.db.store(store_id).await?;
        let bps = spo_domain::Money::parse_decimal(percent.trim().trim_end_matches('%'), spo_domain::Currency::SAR)
            .ok()
            .map(|m| m.minor)
            .filter(|b| (0..=10_000).contains(b))
            .ok_or_else(|| {
                AppError::InvalidInput(format!(
                    "a VAT rate is a percentage from 0 to 100 with at most two decimals, not {percent:?}"
                ))
            })?;
        self.db.set_store_vat_bps(store_id, bps).await?;
        self.store_vat(store_id).await
    }

    /// Disconnects a store: its keychain entry is deleted first (if that fails, nothing changes),
    /// then it is marked disconnected and, with `delete_data`, its local data is removed.
    /// Returns the stores left.
    #[tracing::instrument(skip_all, err)]
    pub async fn disconnect_store(&self, store_id: &str, delete_data: bool) -> Result<Vec<ipc::StoreSummary>> {
        let store = self.db.store(store_id).await?;
        if let Some(merchant) = store.salla_store_id {
            grants::release(self, merchant).await?;
        }
        if store.is_demo {
            // The demo server holds the grant too; stop it with the connection.
            self.demo.lock().await.take();
        }
        self.db.disconnect_store(store_id, delete_data).await?;
        self.list_stores().await
    }

    /// One page of a store's products.
    #[tracing::instrument(skip_all, err)]
    pub async fn list_products(&self, query: ipc::ProductQuery) -> Result<ipc::ProductPage> {
        if query.limit == 0 || query.limit > 1000 {
            return Err(AppError::InvalidInput("limit must be between 1 and 1000".into()));
        }
        self.db.store(&query.store_id).await?;
        let filter = spo_store::ProductFilter {
            search: query.search,
            category: query.category.filter(|c| !c.is_empty()),
            status: query.status.filter(|c| !c.is_empty()),
            sort: match query.sort {
                ipc::ProductSort::Name => spo_store::ProductSort::Name,
                ipc::ProductSort::Price => spo_store::ProductSort::Price,
                ipc::ProductSort::Margin => spo_store::ProductSort::Margin,
                ipc::ProductSort::Stock => spo_store::ProductSort::Stock,
            },
            descending: query.descending,
        };
        let (rows, total) =
            self.db.query_products(&query.store_id, &filter, query.limit.into(), query.offset.into()).await?;
        Ok(ipc::ProductPage {
            items: {
                let today = self.store_today();
                rows.into_iter().map(|r| convert::product_to_ipc(r, &today)).collect()
            },
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Closes cleanly: background tasks stop, a token refresh in flight ends (and no new one
    /// starts, so a rotated pair is never lost to the exit), then the database closes.
    pub async fn close(&self) {
        // Another seat may take this seat's stores at once instead of waiting for the leases to end.
        self.release_leases().await;
        let tasks: Vec<_> =
            self.background.lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain(..).collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
        self.tokens.shut_down().await;
        self.db.close().await;
    }

    /// Store leases this long, and a seat cut off from the team database writing prices for this
    /// long after its last confirmation (tests; `SPO_LEASE_TTL_MS` and `SPO_FENCE_GRACE_MS` set
    /// them for a process).
    #[must_use]
    pub fn with_lease_times(mut self, ttl: std::time::Duration, grace: std::time::Duration) -> App {
        let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        self.leases =
            Arc::new(lease::Leases::new(spo_domain::lease::LeaseTimes { ttl_ms: ms(ttl), grace_ms: ms(grace) }));
        self
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// This data folder's id.
    pub(crate) fn profile(&self) -> &str {
        &self.profile
    }

    /// The keychain entry that holds a store's Salla grant in this data folder (tests, support).
    pub fn grant_account(&self, merchant_id: i64) -> String {
        grants::account(&self.profile, merchant_id)
    }

    pub(crate) fn secrets(&self) -> &Arc<dyn SecretStore> {
        &self.secrets
    }
}

#[cfg(test)]
mod open_error_tests {
    #[test]
    fn a_database_that_cannot_be_opened_names_the_folder_and_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = crate::AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
        let denied = spo_store::Error::Io {
            path: paths.data_dir.clone(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        let text = super::open_error(&paths, denied).to_string();
        assert!(text.contains(&paths.data_dir.display().to_string()), "{text}");
        assert!(text.contains("does not exist and cannot be created"), "{text}");
        std::fs::create_dir_all(&paths.data_dir).expect("dir");
        let mut perms = std::fs::metadata(&paths.data_dir).expect("meta").permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&paths.data_dir, perms).expect("chmod");
        let denied = spo_store::Error::Io {
            path: paths.db_path.clone(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        let text = super::open_error(&paths, denied).to_string();
        assert!(text.contains("the folder is read-only"), "{text}");
    }
}
