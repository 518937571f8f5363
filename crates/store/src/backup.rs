//! Backups and restore (R15): a copy is made with `VACUUM INTO` (a consistent snapshot that does not
//! stop writers in WAL mode), checked with `PRAGMA integrity_check` and only then renamed into place;
//! a restore checks the file the same way before anything of the current database is touched, then
//! swaps it in atomically (removing the stale `-wal`/`-shm`) and reopens the pool.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, SqlitePool};

use crate::{connect, Db, Error, Result, MIGRATOR};

/// What a checked backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// Newest migration applied in it.
    pub schema_version: i64,
    /// Rows per table, by table name.
    pub tables: Vec<(String, i64)>,
}

impl BackupInfo {
    /// Rows in `table` (0 when the table is not there).
    pub fn rows(&self, table: &str) -> i64 {
        self.tables.iter().find(|(t, _)| t == table).map_or(0, |(_, n)| *n)
    }
}

/// A backup copied next to the database and checked, ready for [`Db::restore_staged`]. Dropping it
/// removes the copy (after a restore it has been renamed away, so nothing is removed).
#[derive(Debug)]
pub struct StagedRestore {
    tmp: PathBuf,
    src: PathBuf,
    info: Option<BackupInfo>,
}

impl Drop for StagedRestore {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Row count and content checksum of one table (rows sorted by their content, so equal tables
/// have equal checksums whatever their physical order). The checksum is for comparing two
/// databases in one process, not a stable format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFingerprint {
    /// Table name.
    pub table: String,
    /// Number of rows.
    pub rows: i64,
    /// Hash of every row's quoted values.
    pub checksum: u64,
}

impl Db {
    /// Writes a verified copy of the database to `dest` (replacing a file there). The copy is made
    /// next to `dest` under a temporary name, checked with `integrity_check` and flushed to disk
    /// before it is renamed; a failed backup leaves nothing behind.
    pub async fn backup_to(&self, dest: &Path) -> Result<BackupInfo> {
        let dir = dest.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.to_path_buf(), source: e })?;
        let tmp = dir.join(format!(".{}.partial", crate::new_id()));
        let result = async {
            sqlx::query("VACUUM INTO ?1")
                .bind(tmp.to_string_lossy().into_owned())
                .execute(&self.pool())
                .await
                .map_err(Error::from_sqlx)?;
            let info = inspect(&tmp).await?;
            sync_file(&tmp)?;
            std::fs::rename(&tmp, dest).map_err(|e| Error::Io { path: dest.to_path_buf(), source: e })?;
            sync_dir(dir);
            Ok(BackupInfo { path: dest.to_path_buf(), ..info })
        }
        .await;
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Replaces the database with the backup at `src`: [`Db::stage_restore`], then
    /// [`Db::restore_staged`].
    pub async fn restore_from(&self, src: &Path) -> Result<BackupInfo> {
        let staged = self.stage_restore(src).await?;
        self.restore_staged(staged).await
    }

    /// Copies the backup at `src` next to the database and checks the copy (integrity, an app
    /// database, not from a newer version); the file offered is only read. Nothing of the current
    /// database changes; a dropped [`StagedRestore`] removes its copy.
    pub async fn stage_restore(&self, src: &Path) -> Result<StagedRestore> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new(".")).to_path_buf();
        let tmp = dir.join(format!(".{}.restoring", crate::new_id()));
        std::fs::copy(src, &tmp).map_err(|e| Error::Io { path: src.to_path_buf(), source: e })?;
        // From here the copy is removed on every way out until it is renamed into place.
        let mut staged = StagedRestore { tmp, src: src.to_path_buf(), info: None };
        let info = inspect(&staged.tmp).await?;
        sync_file(&staged.tmp)?;
        staged.info = Some(info);
        Ok(staged)
    }

    /// Swaps a checked copy in: the pool is closed (waiting for running queries), the stale
    /// `-wal`/`-shm` are removed, the copy is renamed over the database, and a new pool is opened
    /// and migrated. Callers stop their writers first; a query racing the swap fails.
    pub async fn restore_staged(&self, mut staged: StagedRestore) -> Result<BackupInfo> {
        let info = staged.info.take().ok_or_else(|| Error::InvalidBackup("the copy was not checked".into()))?;
        let dir = self.path.parent().unwrap_or_else(|| Path::new(".")).to_path_buf();
        self.pool().close().await;
        for suffix in ["-wal", "-shm"] {
            let stale = PathBuf::from(format!("{}{suffix}", self.path.display()));
            if let Err(e) = std::fs::remove_file(&stale) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    self.replace_pool(connect(&self.path).await?);
                    return Err(Error::Io { path: stale, source: e });
                }
            }
        }
        let swapped =
            std::fs::rename(&staged.tmp, &self.path).map_err(|e| Error::Io { path: self.path.clone(), source: e });
        sync_dir(&dir);
        // Reopen whichever file is now in place (the restored one, or the old one if the rename
        // failed), so the app keeps working either way.
        self.replace_pool(connect(&self.path).await?);
        swapped?;
        MIGRATOR.run(&self.pool()).await.map_err(|e| Error::Migrate(e.to_string()))?;
        tracing::info!(from = %staged.src.display(), schema = info.schema_version, "database restored");
        Ok(BackupInfo { path: staged.src.clone(), ..info })
    }

    /// [`restore_over_damaged`] for this open database, whose file turned out to be damaged (no
    /// safety copy of it can be made): the pool is closed, the damaged file moved aside (kept), the
    /// checked backup put in place and a new pool opened and migrated.
    pub async fn replace_damaged(&self, src: &Path) -> Result<(BackupInfo, PathBuf)> {
        self.pool().close().await;
        let replaced = restore_over_damaged(&self.path, src).await;
        self.replace_pool(connect(&self.path).await?);
        let replaced = replaced?;
        MIGRATOR.run(&self.pool()).await.map_err(|e| Error::Migrate(e.to_string()))?;
        Ok(replaced)
    }

    /// Row count and content checksum of every table, sorted by table name.
    pub async fn fingerprints(&self) -> Result<Vec<TableFingerprint>> {
        let pool = self.pool();
        let mut out = Vec::new();
        for table in tables(&pool).await? {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
                .bind(&table)
                .fetch_all(&pool)
                .await
                .map_err(Error::from_sqlx)?;
            let row = columns.iter().map(|c| format!("quote({})", ident(c))).collect::<Vec<_>>().join(" || '|' || ");
            let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row} FROM {} ORDER BY 1", ident(&table)))
                .fetch_all(&pool)
                .await
                .map_err(Error::from_sqlx)?;
            let mut hasher = DefaultHasher::new();
            for r in &rows {
                hasher.write(r.as_bytes());
                hasher.write_u8(0xff);
            }
            out.push(TableFingerprint { table, rows: rows.len() as i64, checksum: hasher.finish() });
        }
        Ok(out)
    }
}

/// Whether the database file at `path` can be read: opened read-only on its own connection (never
/// through the app's pool, never migrated) and `quick_check`ed. `Err` says what is wrong; a file
/// that does not exist is fine (a fresh start creates it).
pub async fn probe_file(path: &Path) -> std::result::Result<(), String> {
    if !path.exists() {
        return Ok(());
    }
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(|e| e.to_string())?
        .read_only(true)
        .create_if_missing(false);
    let mut conn = SqliteConnection::connect_with(&options).await.map_err(|e| format!("it cannot be opened ({e})"))?;
    let checked: std::result::Result<Vec<String>, sqlx::Error> =
        sqlx::query_scalar("PRAGMA quick_check(5)").fetch_all(&mut conn).await;
    let _ = conn.close().await;
    match checked {
        Ok(rows) if rows == ["ok"] => Ok(()),
        Ok(rows) => Err(format!("it fails the integrity check: {}", rows.join("; "))),
        Err(e) => Err(format!("it cannot be read ({e})")),
    }
}

/// Puts the backup at `src` in place of a database that cannot be opened or read, without opening
/// that database: the backup is copied next to it and checked as every restore is, the damaged file
/// (and its `-wal`/`-shm`) is moved aside (kept, never deleted), and the copy renamed into place.
/// Returns what was restored and where the damaged file now is.
pub async fn restore_over_damaged(db_path: &Path, src: &Path) -> Result<(BackupInfo, PathBuf)> {
    let dir = db_path.parent().unwrap_or_else(|| Path::new(".")).to_path_buf();
    let tmp = dir.join(format!(".{}.restoring", crate::new_id()));
    std::fs::copy(src, &tmp).map_err(|e| Error::Io { path: src.to_path_buf(), source: e })?;
    let staged = StagedRestore { tmp, src: src.to_path_buf(), info: None };
    let info = inspect(&staged.tmp).await?;
    sync_file(&staged.tmp)?;
    let aside = PathBuf::from(format!("{}.damaged-{}", db_path.display(), file_stamp()));
    if db_path.exists() {
        std::fs::rename(db_path, &aside).map_err(|e| Error::Io { path: db_path.to_path_buf(), source: e })?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", db_path.display()));
        if side.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&side, &to).map_err(|e| Error::Io { path: side.clone(), source: e })?;
        }
    }
    std::fs::rename(&staged.tmp, db_path).map_err(|e| Error::Io { path: db_path.to_path_buf(), source: e })?;
    sync_dir(&dir);
    tracing::warn!(from = %src.display(), damaged = %aside.display(), "a damaged database was replaced by a backup");
    Ok((BackupInfo { path: src.to_path_buf(), ..info }, aside))
}

/// Checks a database file: `integrity_check` passes, it is an app database (migrations table and
/// stores), and no migration in it is unknown to this build. Returns its row counts.
pub async fn inspect(path: &Path) -> Result<BackupInfo> {
    let invalid = |why: String| Error::InvalidBackup(format!("{}: {why}", path.display()));
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(Error::from_sqlx)?
        .create_if_missing(false);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| invalid(format!("cannot be opened as a database ({e})")))?;
    let result = async {
        let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(20)")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| invalid(format!("is not a database ({e})")))?;
        if integrity != ["ok"] {
            return Err(invalid(format!("fails the integrity check: {}", integrity.join("; "))));
        }
        let applied: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success = 1 ORDER BY version")
                .fetch_all(&mut conn)
                .await
                .map_err(|_| invalid("is not a Salla Price Optimizer database".into()))?;
        // Exactly this build's migrations, in order, unaltered: a foreign file with a migrations
        // table, or one whose schema scripts differ, would break every later start.
        for (i, (version, checksum)) in applied.iter().enumerate() {
            let Some(known) = MIGRATOR.iter().find(|m| m.version == *version) else {
                return Err(invalid(format!("was written by a newer version of the app (schema {version})")));
            };
            if known.checksum.as_ref() != checksum.as_slice() {
                return Err(invalid(format!(
                    "is not a Salla Price Optimizer database: its schema step {version} differs from this app's"
                )));
            }
            if MIGRATOR.iter().nth(i).map(|m| m.version) != Some(*version) {
                return Err(invalid(format!("has a gap in its schema history before step {version}")));
            }
        }
        let versions: Vec<i64> = applied.iter().map(|(v, _)| *v).collect();
        let has_stores: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'stores'")
                .fetch_one(&mut conn)
                .await
                .map_err(Error::from_sqlx)?;
        if has_stores == 0 {
            return Err(invalid("is not a Salla Price Optimizer database".into()));
        }
        let wanted = reference_columns(applied.len()).await.map_err(invalid)?;
        let have: std::collections::HashSet<(String, String)> =
            sqlx::query_as(COLUMNS_SQL).fetch_all(&mut conn).await.map_err(Error::from_sqlx)?.into_iter().collect();
        let missing: Vec<String> =
            wanted.into_iter().filter(|tc| !have.contains(tc)).map(|(t, c)| format!("{t}.{c}")).collect();
        if !missing.is_empty() {
            return Err(invalid(format!("is missing part of the app's schema: {}", missing.join(", "))));
        }
        let broken_links: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| invalid(format!("cannot be checked ({e})")))?;
        if let Some((table,)) = broken_links.first() {
            return Err(invalid(format!(
                "fails the foreign-key check: {} row(s) point at missing rows (first in {table})",
                broken_links.len()
            )));
        }
        let schema_version = versions.iter().copied().max().unwrap_or(0);
        let mut tables = Vec::new();
        let names: Vec<String> = sqlx::query_scalar(TABLES_SQL).fetch_all(&mut conn).await.map_err(Error::from_sqlx)?;
        if !names.iter().any(|n| n == "stores") {
            return Err(invalid("is not a Salla Price Optimizer database".into()));
        }
        for name in names {
            let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", ident(&name)))
                .fetch_one(&mut conn)
                .await
                .map_err(Error::from_sqlx)?;
            tables.push((name, n));
        }
        Ok((schema_version, tables))
    }
    .await;
    let _ = conn.close().await;
    let (schema_version, tables) = result?;
    let size_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(BackupInfo { path: path.to_path_buf(), size_bytes, schema_version, tables })
}

/// Every (table, column) of the app's schema, sorted.
const COLUMNS_SQL: &str = "SELECT m.name, p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' ORDER BY m.name, p.cid";

/// The tables and columns that this build's first `steps` migrations create (built in memory from
/// the same scripts).
async fn reference_columns(steps: usize) -> std::result::Result<Vec<(String, String)>, String> {
    let mut reference = SqliteConnection::connect("sqlite::memory:").await.map_err(|e| e.to_string())?;
    for m in MIGRATOR.iter().take(steps) {
        sqlx::Executor::execute(&mut reference, m.sql.as_ref()).await.map_err(|e| e.to_string())?;
    }
    let wanted = sqlx::query_as(COLUMNS_SQL).fetch_all(&mut reference).await.map_err(|e| e.to_string());
    let _ = reference.close().await;
    wanted
}

const TABLES_SQL: &str =
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name";

async fn tables(pool: &SqlitePool) -> Result<Vec<String>> {
    sqlx::query_scalar(TABLES_SQL).fetch_all(pool).await.map_err(Error::from_sqlx)
}

/// The newest applied migration, or `None` for a database that has never been migrated.
pub(crate) async fn applied_migration(pool: &SqlitePool) -> Result<Option<i64>> {
    let has_table: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_one(pool)
            .await
            .map_err(Error::from_sqlx)?;
    if has_table == 0 {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(pool)
        .await
        .map_err(Error::from_sqlx)
}

/// A UTC time for file names: `20261126-063000-123`.
pub fn file_stamp() -> String {
    let fmt = time::macros::format_description!("[year][month][day]-[hour][minute][second]-[subsecond digits:3]");
    time::OffsetDateTime::now_utc().format(&fmt).expect("BUG: fixed format description always formats a UTC time")
}

/// A table or column name quoted for SQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })
}

/// Flushes a rename to disk (POSIX needs the folder synced; Windows cannot open folders and
/// does not need it).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("stores"), "\"stores\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn stamps_sort_by_time() {
        let a = file_stamp();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(file_stamp() > a);
        assert_eq!(a.len(), "20261126-063000-123".len());
    }
}
