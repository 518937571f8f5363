//! Where the app keeps its files. The desktop app and the CLI resolve the same folders, so
//! `spo doctor` inspects the database the window uses.

use std::path::PathBuf;

use crate::IDENTIFIER;

/// File name of the SQLite database inside the data folder.
pub const DB_FILE: &str = "spo.sqlite3";

/// The app's folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    /// App data folder (database, backups).
    pub data_dir: PathBuf,
    /// Log folder.
    pub log_dir: PathBuf,
    /// The database file.
    pub db_path: PathBuf,
    /// Where CSV exports are written.
    pub export_dir: PathBuf,
}

impl AppPaths {
    /// Keeps the app's files to this user: from now on this process creates folders 700 and files
    /// 600 (umask 077 on Unix: the database and its journal, logs, backups, exports), and the
    /// existing data and log folders are tightened the same way (the export folder, usually
    /// Downloads, is not the app's to change). Call it first, before logging starts. Windows keeps
    /// a user's app-data folder private by its default ACLs.
    pub fn make_private(&self) {
        #[cfg(unix)]
        {
            rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
            for dir in [&self.data_dir, &self.log_dir] {
                tighten(dir, 0);
            }
        }
    }

    /// Paths under explicit folders.
    pub fn new(data_dir: PathBuf, log_dir: PathBuf) -> Self {
        let db_path = data_dir.join(DB_FILE);
        let export_dir = data_dir.join("exports");
        Self { data_dir, log_dir, db_path, export_dir }
    }

    /// The OS-standard folders — the same ones Tauri's `app_data_dir` / `app_log_dir` resolve to:
    ///
    /// | OS | data | logs |
    /// |---|---|---|
    /// | Linux | `$XDG_DATA_HOME/<id>` (`~/.local/share/<id>`) | `$XDG_DATA_HOME/<id>/logs` |
    /// | macOS | `~/Library/Application Support/<id>` | `~/Library/Logs/<id>` |
    /// | Windows | `%APPDATA%\<id>` | `%LOCALAPPDATA%\<id>\logs` |
    ///
    /// CSV exports go to the Downloads folder (`<data>/exports` where there is none).
    ///
    /// `SPO_DATA_DIR`, `SPO_LOG_DIR` and `SPO_EXPORT_DIR` override them (tests, portable installs).
    pub fn from_env() -> Result<Self, crate::AppError> {
        let data_dir = match std::env::var_os("SPO_DATA_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => dirs::data_dir()
                .ok_or_else(|| crate::AppError::Internal("cannot determine the user's data folder".into()))?
                .join(IDENTIFIER),
        };
        let log_dir = match std::env::var_os("SPO_LOG_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => default_log_dir().unwrap_or_else(|| data_dir.join("logs")),
        };
        let mut paths = Self::new(data_dir, log_dir);
        match std::env::var_os("SPO_EXPORT_DIR") {
            Some(d) if !d.is_empty() => paths.export_dir = PathBuf::from(d),
            _ => {
                if let Some(d) = dirs::download_dir() {
                    paths.export_dir = d;
                }
            }
        }
        Ok(paths)
    }
}

#[cfg(target_os = "macos")]
fn default_log_dir() -> Option<PathBuf> {
    dirs::home_dir().map(|h| h.join("Library/Logs").join(IDENTIFIER))
}

#[cfg(not(target_os = "macos"))]
fn default_log_dir() -> Option<PathBuf> {
    dirs::data_local_dir().map(|d| d.join(IDENTIFIER).join("logs"))
}

/// Folders 700 and files 600 under `path` (a few levels deep: the data folder's backups and
/// exports); symbolic links are left alone.
#[cfg(unix)]
fn tighten(path: &std::path::Path, depth: u8) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else { return };
    let mode = if meta.is_dir() {
        0o700
    } else if meta.is_file() {
        0o600
    } else {
        return;
    };
    if meta.permissions().mode() & 0o777 != mode {
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(path = %path.display(), error = %e, "could not make the file private");
        }
    }
    if meta.is_dir() && depth < 3 {
        if let Ok(entries) = std::fs::read_dir(path) {
            for e in entries.flatten() {
                tighten(&e.path(), depth + 1);
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn existing_files_are_tightened_and_new_ones_are_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = super::AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
        std::fs::create_dir_all(paths.data_dir.join("backups")).expect("dirs");
        std::fs::create_dir_all(&paths.log_dir).expect("dirs");
        for f in [paths.db_path.clone(), paths.data_dir.join("backups/a.sqlite3"), paths.log_dir.join("spo.log")] {
            std::fs::write(&f, "x").expect("write");
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        std::fs::set_permissions(&paths.data_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        paths.make_private();
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&paths.data_dir), 0o700);
        assert_eq!(mode(&paths.data_dir.join("backups")), 0o700);
        assert_eq!(mode(&paths.db_path), 0o600);
        assert_eq!(mode(&paths.data_dir.join("backups/a.sqlite3")), 0o600);
        assert_eq!(mode(&paths.log_dir.join("spo.log")), 0o600);
        // Created from now on: private.
        std::fs::write(paths.data_dir.join("new.csv"), "y").expect("write");
        std::fs::create_dir(paths.data_dir.join("exports")).expect("mkdir");
        assert_eq!(mode(&paths.data_dir.join("new.csv")), 0o600);
        assert_eq!(mode(&paths.data_dir.join("exports")), 0o700);
    }
}
