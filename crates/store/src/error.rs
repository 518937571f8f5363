use std::path::PathBuf;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The database stayed locked by another writer longer than the busy timeout.
    #[error("the database is busy (locked by another writer)")]
    Busy,
    /// A constraint (unique, foreign key, check) rejected the write; nothing was written.
    #[error("rejected by the database: {0}")]
    Constraint(String),
    /// Migrations could not be applied (the file may be from a newer version of the app).
    #[error("could not update the database schema: {0}")]
    Migrate(String),
    /// The database folder could not be created.
    #[error("cannot create {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file offered as a backup is not a usable database of this app; nothing was changed.
    #[error("not a usable backup: {0}")]
    InvalidBackup(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

/// Result of the storage layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn from_sqlx(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(db) => {
                // Primary result code is the low byte of the extended code:
                // SQLITE_BUSY (5, incl. BUSY_SNAPSHOT 517) and SQLITE_LOCKED (6).
                let primary = db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
                if matches!(primary, Some(5 | 6)) {
                    Error::Busy
                } else if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() {
                    Error::Constraint(db.message().to_owned())
                } else {
                    Error::Database(e)
                }
            }
            _ => Error::Database(e),
        }
    }

    /// True when retrying the same operation later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Busy)
    }
}
