//! SQLite storage for Salla Price Optimizer.
//!
//! [`Db::open`] creates or opens the database file, sets the durability pragmas on every pooled
//! connection (WAL, `synchronous=FULL`, `foreign_keys=ON`, `busy_timeout` 5 s), and applies the
//! embedded forward-only migrations from `migrations/sqlite`. Write transactions start with
//! `BEGIN IMMEDIATE` ([`Db::begin_write`]) so two writers queue on the busy timeout instead of
//! failing with `SQLITE_BUSY` when a deferred read transaction tries to upgrade.
//!
//! **Invariants:** this crate and `spo-sync` are the only ones that depend on sqlx. Queries are
//! checked at run time (no database needed to compile) and exercised by the tests in `tests/`.
//! No network call happens while a transaction is open.

mod audit;
mod backup;
mod competitors;
mod daily_sales;
mod demand;
mod error;
mod health;
mod jobs;
mod notifications;
mod orders;
mod outbox;
mod pricing;
mod products;
mod record;
mod rusqlite_conn;
mod settings;
mod snapshot;
mod stores;
mod vocab;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use spo_domain::ports::Clock;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use audit::AuditRow;
pub use backup::{
    file_stamp, inspect as inspect_backup, probe_file, restore_over_damaged, BackupInfo, StagedRestore,
    TableFingerprint,
};
pub use competitors::{
    Availability, CandidateRow, CandidateStatus, ListingRow, MatchKind, Method, NewCandidate, NewListing,
    NewObservation, PageStatus, PricePoint,
};
pub use demand::{DailyReference, DailySales, DaySales, DemandRow};
pub use error::{last_write_error, Error, Result};
pub use health::DbHealth;
pub use jobs::{JobKind, JobRow, JobRunRow, JobRunStatus};
pub use notifications::{NewNotification, NoticeKind, NotificationRow, KEEP_NOTIFICATIONS};
pub use orders::{ImportedOrder, ImportedOrderItem, OrderCounts, SalesStats};
pub use outbox::{Applied, RefusalRow, SyncState, TeamLink};
pub use pricing::{
    Actor, AppliedChange, DecisionRow, DecisionStatus, DecisionStrategy, Move, NewDecision, NewRule, PricingProduct,
    Risk, RuleRow, RunKind, RunOutcome, RunRow, RunStatus, ScopeKind, StrategyKind,
};
pub use products::{ImportedProduct, ImportedVariant, ProductFilter, ProductRow, ProductSort, UpsertCounts};
pub use record::RunRecorder;
pub use snapshot::{HistoryChange, MarketPrice, PricingSnapshot};
pub use stores::NewStore;

/// How long a connection waits for a lock held by another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// The local database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: Arc<RwLock<SqlitePool>>,
    path: PathBuf,
    /// What stamps every stored time (the app's injected clock; the system clock by default).
    clock: Arc<dyn Clock>,
}

/// The system clock, until the app gives the database its own.
#[derive(Debug, Clone, Copy)]
struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let now = time::OffsetDateTime::now_utc();
        i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }
}

/// A write transaction started with `BEGIN IMMEDIATE`. Commit it explicitly; dropping it rolls back.
pub type WriteTx = Transaction<'static, Sqlite>;

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date. When an
    /// existing database is about to be migrated, a verified copy of it is written to
    /// `backups/pre-migration-…` next to it first (R15).
    pub async fn open(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.to_path_buf(), source: e })?;
        }
        let pool = connect(&path).await?;
        let db = Db { pool: Arc::new(RwLock::new(pool)), path, clock: Arc::new(SystemClock) };
        db.migrate().await?;
        tracing::info!(path = %db.path.display(), "database opened");
        Ok(db)
    }

    /// Applies the pending migrations, backing the database up first when it already has data.
    async fn migrate(&self) -> Result<()> {
        let pool = self.pool();
        let applied = backup::applied_migration(&pool).await?;
        let latest = Db::latest_known_migration();
        if let Some(version) = applied.filter(|v| *v < latest) {
            let dir = self.path.parent().map(|d| d.join(BACKUP_DIR)).unwrap_or_else(|| PathBuf::from(BACKUP_DIR));
            let dest = dir.join(format!("pre-migration-{version}-{}.sqlite3", backup::file_stamp()));
            let info = self.backup_to(&dest).await?;
            tracing::info!(path = %info.path.display(), from = version, to = latest, "backed up before migrating");
        }
        MIGRATOR.run(&pool).await.map_err(|e| Error::Migrate(e.to_string()))
    }

    /// The same database, stamping times from `clock` (the app's injected clock).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Db {
        Db { clock, ..self }
    }

    /// Now by this database's clock, in the stored text form.
    pub fn now_text(&self) -> String {
        time_text_ms(self.clock.now_ms())
    }

    /// `days` days before now by this database's clock, in the stored text form.
    pub fn days_ago_text(&self, days: i64) -> String {
        time_text_ms(self.clock.now_ms().saturating_sub(days.saturating_mul(86_400_000)))
    }

    /// Now by this database's clock (Unix seconds).
    pub fn now_secs(&self) -> i64 {
        self.clock.now()
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Version of the newest migration this build knows about.
    pub fn latest_known_migration() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Starts a write transaction with `BEGIN IMMEDIATE`: it takes the write lock up front (waiting
    /// up to [`BUSY_TIMEOUT`]), so it can never fail later on a read-to-write upgrade.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        self.pool().begin_with("BEGIN IMMEDIATE").await.map_err(Error::from_sqlx)
    }

    /// Closes every pooled connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool().close().await;
    }

    /// The current pool (a cheap handle). A restore swaps it; a query that raced the swap fails
    /// with "pool closed" and can be retried.
    pub(crate) fn pool(&self) -> SqlitePool {
        self.pool.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn replace_pool(&self, pool: SqlitePool) {
        *self.pool.write().unwrap_or_else(PoisonError::into_inner) = pool;
    }
}

/// Folder, next to the database file, that holds its backups.
pub const BACKUP_DIR: &str = "backups";

/// A pool on `path` with the durability pragmas on every connection.
pub(crate) async fn connect(path: &Path) -> Result<SqlitePool> {
    let url = format!("sqlite://{}", path.display());
    let options = SqliteConnectOptions::from_str(&url)
        .map_err(Error::from_sqlx)?
        .create_if_missing(true)
        // Journal mode is persistent in the file; sqlx sets it once per connection, outside
        // any transaction, before the pool hands the connection out.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        // Sorting a large catalogue for the Products screen must not spill to temporary files:
        // keep temporaries in memory and give each connection a 32 MiB page cache.
        .pragma("temp_store", "MEMORY")
        .pragma("cache_size", "-32768");
    SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        // A connection whose transaction could not end (a COMMIT refused on a full disk) is not
        // handed out again: the next `BEGIN` on it would fail "at non-zero transaction depth" for
        // every later write. It is closed instead and the pool opens a fresh one.
        .after_release(|conn, _| {
            use sqlx::Connection as _;
            let clean = !conn.is_in_transaction();
            Box::pin(async move { Ok(clean) })
        })
        .connect_with(options)
        .await
        .map_err(Error::from_sqlx)
}

/// A new UUIDv7 primary key, as stored.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The UTC time `days` days ago in the stored text form.
pub fn days_ago_text(days: i64) -> String {
    format_time(time::OffsetDateTime::now_utc() - time::Duration::days(days))
}

/// A UTC time in the stored text form (RFC 3339 with milliseconds).
pub fn format_time(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.to_offset(time::UtcOffset::UTC).format(&fmt).expect("BUG: fixed format description always formats a UTC time")
}

/// A Unix time in milliseconds in the stored text form.
pub fn time_text_ms(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format_time(t)
}

/// The current UTC time by the system clock in the stored text form (RFC 3339 with milliseconds).
/// Inside the store, [`Db::now_text`] (the injected clock) is used instead.
pub fn now_text() -> String {
    format_time(time::OffsetDateTime::now_utc())
}
