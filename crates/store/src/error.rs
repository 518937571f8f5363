use std::path::PathBuf;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A named thing that does not exist (`no store "…"`), said in words.
    #[error("{0}")]
    Missing(String),
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
    /// A bulk read failed.
    #[error("database error: {0}")]
    BulkRead(String),
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
                // SQLITE_FULL (13), SQLITE_IOERR (10), SQLITE_READONLY (8), SQLITE_CANTOPEN (14):
                // writes cannot land; remembered for the health report.
                if matches!(primary, Some(8 | 10 | 13 | 14)) {
                    remember_write_error(db.message());
                }
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

/// The last error that stopped writes in this process (disk full, I/O error, read-only file):
/// `(when, what)`, for `doctor` and Diagnostics. Kept in memory: a full disk cannot record it.
pub fn last_write_error() -> Option<(String, String)> {
    LAST_WRITE_ERROR.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

static LAST_WRITE_ERROR: std::sync::Mutex<Option<(String, String)>> = std::sync::Mutex::new(None);

fn remember_write_error(message: &str) {
    *LAST_WRITE_ERROR.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
        Some((crate::now_text(), message.to_owned()));
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_full_disk_is_remembered_for_the_health_report() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::Db::open(dir.path().join("spo.sqlite3")).await.expect("open");
        assert_eq!(super::last_write_error(), None);
        // A database that may not grow stands in for a full disk (SQLITE_FULL).
        let pool = db.pool();
        let mut conn = pool.acquire().await.expect("conn");
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&mut *conn).await.expect("pages");
        sqlx::query(&format!("PRAGMA max_page_count = {pages}")).execute(&mut *conn).await.expect("limit");
        let big = "x".repeat(64 * 1024);
        let e = sqlx::query("INSERT INTO settings (id, key, value) VALUES ('k', 'k', ?1)")
            .bind(&big)
            .execute(&mut *conn)
            .await
            .expect_err("full");
        let e = super::Error::from_sqlx(e);
        assert!(matches!(e, super::Error::Database(_)), "{e}");
        let (_, what) = super::last_write_error().expect("remembered");
        assert!(what.contains("full"), "{what}");
    }
}
