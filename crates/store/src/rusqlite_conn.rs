//! rusqlite beside sqlx, for the few bulk paths (the optimizer's snapshot, a run's record, the
//! demand history): its connections and its errors in this crate's terms.

use rusqlite::{Connection, OpenFlags};

use crate::{Error, Result, BUSY_TIMEOUT};

/// A rusqlite failure in this crate's terms (busy and constraint failures as the pool reports them).
pub(crate) fn sqlite_error(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => Error::Busy,
        Some(rusqlite::ErrorCode::ConstraintViolation) => Error::Constraint(e.to_string()),
        _ => Error::BulkRead(e.to_string()),
    }
}

/// A read-only rusqlite connection for a bulk read on a blocking thread (it shares the process's
/// SQLite with sqlx).
pub(crate) fn bulk_reader(path: &std::path::Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
    // Keeps sorting and temporaries in memory, like the pool's connections.
    conn.execute_batch("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768;").map_err(sqlite_error)?;
    Ok(conn)
}
