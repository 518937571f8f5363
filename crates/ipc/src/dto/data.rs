//! Backups, restore, exports and recovery.

use serde::{Deserialize, Serialize};

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
