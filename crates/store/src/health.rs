use crate::{Db, Error, Result};

/// What the database reports about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbHealth {
    /// Size of the main database file in bytes.
    pub size_bytes: u64,
    /// Newest applied migration version (0 if none).
    pub schema_version: i64,
    /// Its description.
    pub schema_name: String,
    /// `PRAGMA integrity_check` result: "ok" or the problems found, joined by newlines.
    pub integrity: String,
    /// `PRAGMA journal_mode`.
    pub journal_mode: String,
    /// `PRAGMA synchronous` as a name (off / normal / full / extra).
    pub synchronous: String,
    /// `PRAGMA foreign_keys`.
    pub foreign_keys: bool,
    /// `PRAGMA busy_timeout` in milliseconds.
    pub busy_timeout_ms: u64,
}

impl Db {
    /// Reads the pragmas and runs `PRAGMA integrity_check` on one pooled connection — the same
    /// kind of connection every query uses, so what it reports is what the app runs with.
    pub async fn health(&self) -> Result<DbHealth> {
        let mut conn = self.pool().acquire().await.map_err(Error::from_sqlx)?;
        let journal_mode: String =
            sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.map_err(Error::from_sqlx)?;
        let sync: i64 =
            sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.map_err(Error::from_sqlx)?;
        let foreign_keys: i64 =
            sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.map_err(Error::from_sqlx)?;
        let busy: i64 =
            sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *conn).await.map_err(Error::from_sqlx)?;
        let integrity: Vec<String> =
            sqlx::query_scalar("PRAGMA integrity_check(20)").fetch_all(&mut *conn).await.map_err(Error::from_sqlx)?;
        let (schema_version, schema_name): (i64, String) = sqlx::query_as(
            "SELECT version, description FROM _sqlx_migrations WHERE success = 1 ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(Error::from_sqlx)?
        .unwrap_or((0, String::new()));
        let size_bytes = std::fs::metadata(self.path()).map(|m| m.len()).unwrap_or(0);
        Ok(DbHealth {
            size_bytes,
            schema_version,
            schema_name,
            integrity: integrity.join("\n"),
            journal_mode: journal_mode.to_ascii_lowercase(),
            synchronous: synchronous_name(sync).to_owned(),
            foreign_keys: foreign_keys == 1,
            busy_timeout_ms: u64::try_from(busy).unwrap_or(0),
        })
    }
}

fn synchronous_name(level: i64) -> &'static str {
    match level {
        0 => "off",
        1 => "normal",
        2 => "full",
        3 => "extra",
        _ => "unknown",
    }
}
