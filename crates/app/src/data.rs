//! Settings → Data: backups (manual, daily, before a restore), restore, and CSV export.
//!
//! Backups live in `<data dir>/backups` (the store writes its pre-migration copies there too).
//! Every copy is checked with `integrity_check` before it counts; a restore checks the file
//! before the current database is touched, keeps a copy of the current database, pauses the
//! scheduler while it swaps, and reopens.

use std::path::{Path, PathBuf};
use std::time::Duration;

use spo_ipc as ipc;

use crate::{App, AppError, Result};

/// Device setting: daily backups kept.
const KEY_KEEP: &str = "backup.keep";
/// Device settings: days job runs and log files are kept.
const KEY_RUNS_DAYS: &str = "retention.job_runs_days";
const KEY_LOG_DAYS: &str = "retention.log_days";
/// Kept unless the merchant says otherwise.
pub const DEFAULT_RUNS_DAYS: u32 = 90;
/// Kept unless the merchant says otherwise.
pub const DEFAULT_LOG_DAYS: u32 = 30;
/// Daily backups kept unless the merchant says otherwise.
pub const DEFAULT_KEEP: u32 = 7;
/// How long a restore waits for running jobs to stop.
const STOP_WAIT: Duration = Duration::from_secs(30);

/// What a backup file is, from its name.
fn kind_of(name: &str) -> ipc::BackupKind {
    if name.starts_with("spo-daily-") {
        ipc::BackupKind::Daily
    } else if name.starts_with("pre-migration-") {
        ipc::BackupKind::PreMigration
    } else if name.starts_with("before-restore-") {
        ipc::BackupKind::BeforeRestore
    } else {
        ipc::BackupKind::Manual
    }
}

pub(crate) fn file_info(path: &Path) -> Option<ipc::BackupFile> {
    let meta = std::fs::metadata(path).ok()?;
    let name = path.file_name()?.to_string_lossy().into_owned();
    let created = meta.modified().ok().map(time::OffsetDateTime::from).map(spo_store::format_time).unwrap_or_default();
    Some(ipc::BackupFile {
        kind: kind_of(&name),
        name,
        path: path.display().to_string(),
        size_bytes: meta.len(),
        created_at: created,
    })
}

/// The backups in `dir`, newest first.
pub(crate) fn backup_files(dir: &Path) -> Result<Vec<ipc::BackupFile>> {
    let mut backups: Vec<ipc::BackupFile> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sqlite3"))
            .filter_map(|p| file_info(&p))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(AppError::Internal(format!("cannot read {}: {e}", dir.display()))),
    };
    backups.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.name.cmp(&a.name)));
    Ok(backups)
}

pub(crate) fn report(
    info: spo_store::BackupInfo,
    file: ipc::BackupFile,
    safety_copy: Option<ipc::BackupFile>,
) -> ipc::BackupReport {
    ipc::BackupReport {
        file,
        schema_version: info.schema_version,
        tables: info.tables.into_iter().map(|(table, rows)| ipc::TableRows { table, rows }).collect(),
        safety_copy,
    }
}

/// An amount as a plain decimal in its currency ("149.95"), exactly; minor units when the
/// currency is unknown.
fn amount(minor: i64, currency: &str) -> String {
    crate::decimal_minor(minor, currency).unwrap_or_else(|| minor.to_string())
}

impl App {
    fn backup_dir(&self) -> PathBuf {
        self.paths.data_dir.join(spo_store::BACKUP_DIR)
    }

    async fn device_number(&self, key: &str, default: u32) -> Result<u32> {
        let pairs = self.db.device_settings().await?;
        Ok(pairs.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.parse().ok()).unwrap_or(default))
    }

    async fn backup_keep(&self) -> Result<u32> {
        self.device_number(KEY_KEEP, DEFAULT_KEEP).await
    }

    /// Sets how long job runs and log files are kept.
    pub async fn set_retention(&self, job_runs_days: u32, log_days: u32) -> Result<ipc::DataOverview> {
        if !(7..=3650).contains(&job_runs_days) || !(1..=3650).contains(&log_days) {
            return Err(AppError::InvalidInput(format!(
                "job runs are kept 7–3650 days and logs 1–3650 days, not {job_runs_days} and {log_days}"
            )));
        }
        let (runs, logs) = (job_runs_days.to_string(), log_days.to_string());
        self.db.put_device_settings(&[(KEY_RUNS_DAYS, &runs), (KEY_LOG_DAYS, &logs)], "user:local").await?;
        self.data_overview().await
    }

    /// The nightly clean-up: old competitor prices, job runs and log files (the current log file
    /// is never removed). Returns what it deleted as the job's counts.
    pub async fn run_retention(&self) -> Result<serde_json::Value> {
        let observations = self.prune_observations().await?;
        let runs_days = self.device_number(KEY_RUNS_DAYS, DEFAULT_RUNS_DAYS).await?;
        let before = self.db().days_ago_text(i64::from(runs_days));
        let job_runs = self.db.prune_job_runs(&before).await?;
        let log_days = self.device_number(KEY_LOG_DAYS, DEFAULT_LOG_DAYS).await?;
        let logs = prune_logs(&self.paths.log_dir, log_days);
        tracing::info!(observations, job_runs, logs, "retention clean-up done");
        Ok(
            serde_json::json!({ "observations_deleted": observations, "job_runs_deleted": job_runs, "logs_deleted": logs }),
        )
    }

    /// The backups folder, the retention and the backups there, newest first.
    pub async fn data_overview(&self) -> Result<ipc::DataOverview> {
        let dir = self.backup_dir();
        let backups = backup_files(&dir)?;
        Ok(ipc::DataOverview {
            backup_dir: dir.display().to_string(),
            keep: self.backup_keep().await?,
            db_path: self.paths.db_path.display().to_string(),
            db_size_bytes: std::fs::metadata(&self.paths.db_path).map(|m| m.len()).unwrap_or(0),
            backups,
            job_runs_days: self.device_number(KEY_RUNS_DAYS, DEFAULT_RUNS_DAYS).await?,
            log_days: self.device_number(KEY_LOG_DAYS, DEFAULT_LOG_DAYS).await?,
        })
    }

    /// Sets how many daily backups (and automatic copies of each other kind) are kept.
    pub async fn set_backup_keep(&self, keep: u32) -> Result<ipc::DataOverview> {
        if !(1..=365).contains(&keep) {
            return Err(AppError::InvalidInput(format!("keep between 1 and 365 backups, not {keep}")));
        }
        self.db.put_device_settings(&[(KEY_KEEP, &keep.to_string())], "user:local").await?;
        self.prune_backups(keep)?;
        self.data_overview().await
    }

    /// Writes a checked backup now (`daily: false` → kept until deleted by hand).
    pub async fn backup_now(&self, daily: bool) -> Result<ipc::BackupReport> {
        let prefix = if daily { "spo-daily" } else { "spo-manual" };
        let dest = self.backup_dir().join(format!("{prefix}-{}.sqlite3", spo_store::file_stamp()));
        let info = self.db.backup_to(&dest).await?;
        let file = file_info(&dest).ok_or_else(|| AppError::Internal(format!("{} vanished", dest.display())))?;
        tracing::info!(path = %dest.display(), bytes = file.size_bytes, "backup written");
        if daily {
            self.prune_backups(self.backup_keep().await?)?;
        }
        Ok(report(info, file, None))
    }

    /// Removes the oldest automatic backups of each kind beyond `keep`; manual ones stay.
    fn prune_backups(&self, keep: u32) -> Result<u64> {
        let dir = self.backup_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(0) };
        let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        // Names carry a sortable UTC stamp after their prefix; newest first.
        names.sort_by(|a, b| b.cmp(a));
        let mut removed = 0;
        for kind in [ipc::BackupKind::Daily, ipc::BackupKind::PreMigration, ipc::BackupKind::BeforeRestore] {
            let of_kind = names.iter().filter(|n| n.ends_with(".sqlite3") && kind_of(n) == kind);
            for old in of_kind.skip(keep as usize) {
                match std::fs::remove_file(dir.join(old)) {
                    Ok(()) => removed += 1,
                    Err(e) => tracing::warn!(file = %old, error = %e, "could not remove an old backup"),
                }
            }
        }
        Ok(removed)
    }

    /// Replaces the database with the backup at `path`. The file is checked first (nothing
    /// changes if it is not a sound database of this app); then the current database is backed
    /// up, background jobs are paused and stopped, the file is swapped in and reopened, and the
    /// scheduler picks up the restored jobs.
    pub async fn restore_backup(&self, path: &str) -> Result<ipc::BackupReport> {
        let src = PathBuf::from(path.trim());
        if !src.is_file() {
            return Err(AppError::InvalidInput(format!("{} is not a file", src.display())));
        }
        let invalid = |e: spo_store::Error| match e {
            spo_store::Error::InvalidBackup(m) => AppError::InvalidInput(format!("not a usable backup: {m}")),
            other => AppError::Store(other),
        };
        // Copied and checked before anything else happens, so a bad file changes nothing.
        let staged = self.db.stage_restore(&src).await.map_err(invalid)?;
        let safety = self.backup_dir().join(format!("before-restore-{}.sqlite3", spo_store::file_stamp()));
        if let Err(e) = self.db.backup_to(&safety).await {
            // A damaged database cannot be copied; it is moved aside (kept) instead.
            let Err(damage) = spo_store::probe_file(&self.paths.db_path).await else { return Err(e.into()) };
            tracing::warn!(%damage, "restoring over a damaged database");
            drop(staged);
            let (info, aside) = self.db.replace_damaged(&src).await.map_err(invalid)?;
            let file = file_info(&src).ok_or_else(|| AppError::Internal(format!("cannot read {}", src.display())))?;
            return Ok(report(info, file, file_info(&aside)));
        }
        let scheduler = self.running_scheduler();
        let was_paused = scheduler.as_ref().is_some_and(|s| s.is_paused());
        if let Some(s) = &scheduler {
            s.pause_all(true);
            for job in s.running() {
                s.cancel(&job);
            }
            let deadline = tokio::time::Instant::now() + STOP_WAIT;
            while !s.running().is_empty() && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let restored = self.db.restore_staged(staged).await;
        // Whatever happened, the scheduler goes back to work on the database now in place.
        if let Some(s) = &scheduler {
            let resumed = async {
                self.ensure_default_jobs().await?;
                self.db.fail_interrupted_job_runs().await?;
                s.reload().await.map_err(AppError::Internal)?;
                self.jobs_paused().await
            }
            .await;
            match resumed {
                Ok(paused) => s.pause_all(paused),
                Err(e) => {
                    tracing::warn!(error = %e, "the scheduler could not reload after the restore");
                    s.pause_all(was_paused);
                }
            }
        }
        let info = restored.map_err(invalid)?;
        self.apply_allowed_hosts().await?;
        self.prune_backups(self.backup_keep().await?)?;
        tracing::info!(from = %src.display(), "database restored");
        let file = file_info(&src).unwrap_or_default();
        Ok(report(info, file, file_info(&safety)))
    }

    /// Writes a store's products, decisions or audit log as CSV (UTF-8 with a byte-order mark,
    /// so spreadsheet apps read Arabic) into the exports folder; returns the file and row count.
    pub async fn export_csv(&self, store_id: &str, kind: ipc::ExportKind) -> Result<ipc::ExportResult> {
        let store = self.db.store(store_id).await?;
        let mut rows: Vec<Vec<String>> = Vec::new();
        let (name, header): (&str, &[&str]) = match kind {
            ipc::ExportKind::Products => (
                "products",
                &[
                    "salla_product_id",
                    "sku",
                    "name",
                    "status",
                    "category",
                    "currency",
                    "price",
                    "cost",
                    "quantity",
                    "variants",
                ],
            ),
            ipc::ExportKind::Decisions => (
                "decisions",
                &[
                    "created_at",
                    "decision_id",
                    "run_id",
                    "salla_product_id",
                    "sku",
                    "product",
                    "currency",
                    "old_price",
                    "new_price",
                    "strategy",
                    "status",
                    "decided_by",
                    "decided_at",
                    "applied_at",
                    "rollback_of",
                    "rationale_en",
                    "rationale_ar",
                ],
            ),
            ipc::ExportKind::Audit => {
                ("audit", &["at", "actor", "action", "entity", "entity_id", "reason", "details", "salla_response"])
            }
        };
        match kind {
            ipc::ExportKind::Products => {
                let filter = spo_store::ProductFilter::default();
                let page = 1000;
                let mut offset = 0;
                loop {
                    let (batch, _) = self.db.query_products(store_id, &filter, page, offset).await?;
                    let n = batch.len() as i64;
                    for p in batch {
                        rows.push(vec![
                            p.salla_product_id.to_string(),
                            p.sku.unwrap_or_default(),
                            p.name,
                            p.status,
                            p.category.unwrap_or_default(),
                            p.currency.clone(),
                            amount(p.price_minor, &p.currency),
                            p.cost_minor.map(|c| amount(c, &p.currency)).unwrap_or_default(),
                            p.quantity.map(|q| q.to_string()).unwrap_or_default(),
                            p.variants.to_string(),
                        ]);
                    }
                    if n < page {
                        break;
                    }
                    offset += page;
                }
            }
            ipc::ExportKind::Decisions => {
                for d in self.db.decisions(store_id, &[]).await?.into_iter().rev() {
                    let (en, ar) = crate::pricing::words_of(&d);
                    rows.push(vec![
                        d.created_at,
                        d.id,
                        d.run_id.unwrap_or_default(),
                        d.salla_product_id.to_string(),
                        d.product_sku.unwrap_or_default(),
                        d.product_name,
                        d.currency.clone(),
                        amount(d.old_price_minor, &d.currency),
                        amount(d.new_price_minor, &d.currency),
                        d.strategy.to_string(),
                        d.status.to_string(),
                        d.decided_by.unwrap_or_default(),
                        d.decided_at.unwrap_or_default(),
                        d.applied_at.unwrap_or_default(),
                        d.rollback_of.unwrap_or_default(),
                        en,
                        ar,
                    ]);
                }
            }
            ipc::ExportKind::Audit => {
                for a in self.db.audit_rows(store_id).await? {
                    rows.push(vec![
                        a.at,
                        a.actor,
                        a.action,
                        a.entity.unwrap_or_default(),
                        a.entity_id.unwrap_or_default(),
                        a.reason.unwrap_or_default(),
                        a.details,
                        a.salla_response.unwrap_or_default(),
                    ]);
                }
            }
        }
        let dir = &self.paths.export_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let who = store.salla_store_id.map_or_else(|| "demo".to_owned(), |id| id.to_string());
        let dest = dir.join(format!("spo-{name}-{who}-{}.csv", spo_store::file_stamp()));
        let count = rows.len() as u64;
        let tmp = dest.with_extension("csv.partial");
        let written = write_csv(&tmp, header, rows).and_then(|()| {
            std::fs::rename(&tmp, &dest)
                .map_err(|e| AppError::Internal(format!("cannot write {}: {e}", dest.display())))
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
        tracing::info!(path = %dest.display(), rows = count, "exported");
        Ok(ipc::ExportResult { path: dest.display().to_string(), rows: count })
    }
}

/// Removes `spo.log*` files last written more than `days` days ago, except the newest one.
fn prune_logs(dir: &Path, days: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut logs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("spo.log"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    logs.sort();
    logs.pop(); // the file being written
    let cutoff = std::time::SystemTime::now() - Duration::from_secs(u64::from(days) * 86_400);
    let mut removed = 0;
    for (modified, path) in logs {
        if modified < cutoff {
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "could not remove an old log file"),
            }
        }
    }
    removed
}

fn write_csv(path: &Path, header: &[&str], rows: Vec<Vec<String>>) -> Result<()> {
    use std::io::Write;
    let io = |e: std::io::Error| AppError::Internal(format!("cannot write {}: {e}", path.display()));
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    file.write_all("\u{feff}".as_bytes()).map_err(io)?;
    let file = crate::csv_out::write(file, header, rows)?;
    file.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_decimals() {
        assert_eq!(amount(14_995, "SAR"), "149.95");
        assert_eq!(amount(7, "SAR"), "0.07");
        assert_eq!(amount(5, "not a code"), "5");
    }

    #[test]
    fn backup_kinds_come_from_names() {
        assert_eq!(kind_of("spo-daily-20261126-040000-000.sqlite3"), ipc::BackupKind::Daily);
        assert_eq!(kind_of("spo-manual-20261126-040000-000.sqlite3"), ipc::BackupKind::Manual);
        assert_eq!(kind_of("pre-migration-20261128000000-20261126-040000-000.sqlite3"), ipc::BackupKind::PreMigration);
        assert_eq!(kind_of("before-restore-20261126-040000-000.sqlite3"), ipc::BackupKind::BeforeRestore);
        assert_eq!(serde_json::to_value(ipc::BackupKind::PreMigration).expect("json"), "pre-migration");
    }
}
