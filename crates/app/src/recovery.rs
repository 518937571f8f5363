//! Recovery from a damaged database without opening it normally: what `spo doctor`, `spo data
//! restore` and the desktop app at start use when the database cannot be opened or read. The
//! damaged file is moved aside and kept, never deleted.

use spo_ipc as ipc;

use crate::{AppError, AppPaths, Result};

/// What is known about a database that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The database file.
    pub db_path: String,
    /// What is wrong with it.
    pub problem: String,
    /// The backups there are, newest first.
    pub backups: Vec<ipc::BackupFile>,
}

/// `Some` when the database in `paths` exists and cannot be read.
pub async fn damage(paths: &AppPaths) -> Option<Damage> {
    let problem = spo_store::probe_file(&paths.db_path).await.err()?;
    let dir = paths.data_dir.join(spo_store::BACKUP_DIR);
    Some(Damage {
        db_path: paths.db_path.display().to_string(),
        problem,
        backups: crate::data::backup_files(&dir).unwrap_or_default(),
    })
}

/// Puts the backup `file` in place of the database (checked completely first); the database that
/// was there is moved aside as `….damaged-<time>` and reported as the kept copy.
pub async fn restore_damaged(paths: &AppPaths, file: &str) -> Result<ipc::BackupReport> {
    let src = std::path::PathBuf::from(file.trim());
    if !src.is_file() {
        return Err(AppError::InvalidInput(format!("{} is not a file", src.display())));
    }
    let (info, aside) = spo_store::restore_over_damaged(&paths.db_path, &src).await.map_err(|e| match e {
        spo_store::Error::InvalidBackup(m) => AppError::InvalidInput(format!("not a usable backup: {m}")),
        other => AppError::Store(other),
    })?;
    let file =
        crate::data::file_info(&src).ok_or_else(|| AppError::Internal(format!("cannot read {}", src.display())))?;
    Ok(crate::data::report(info, file, crate::data::file_info(&aside)))
}

/// The damage in words, with the backups and what to do (for `spo doctor` and the start screen).
pub fn render(d: &Damage) -> String {
    let mut out = format!("The database is damaged: {}\n  file: {}\n", d.problem, d.db_path);
    if d.backups.is_empty() {
        out.push_str("No backup is available in the backups folder.\n");
    } else {
        out.push_str("Backups available (newest first):\n");
        for b in &d.backups {
            out.push_str(&format!(
                "  {}  {:<14} {:>10} bytes  {}\n",
                b.created_at,
                b.kind.as_str(),
                b.size_bytes,
                b.path
            ));
        }
        out.push_str("Restore one with: spo data restore FILE (the damaged file is kept beside it)\n");
    }
    out
}
