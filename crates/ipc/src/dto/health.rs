//! Diagnostics (`spo doctor`, the Diagnostics screen).

use serde::{Deserialize, Serialize};

use super::{AppInfo, JobKind, JobRunInfo};

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
