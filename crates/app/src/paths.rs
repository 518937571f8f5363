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
