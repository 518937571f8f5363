//! Reading the domain's closed vocabularies (statuses, kinds) from text columns. Rows typed with
//! `#[sqlx(try_from = "String")]` cover the plain columns; these helpers cover nullable ones (in a
//! hand-written `FromRow`) and the rusqlite bulk reads.

use std::str::FromStr;

use spo_domain::text_enum::Unknown;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// The vocabulary value in column `col`.
pub(crate) fn get<T: FromStr<Err = Unknown>>(row: &SqliteRow, col: &str) -> sqlx::Result<T> {
    let text: String = row.try_get(col)?;
    text.parse().map_err(|e: Unknown| sqlx::Error::ColumnDecode { index: col.to_owned(), source: Box::new(e) })
}

/// The vocabulary value in nullable column `col`.
pub(crate) fn get_opt<T: FromStr<Err = Unknown>>(row: &SqliteRow, col: &str) -> sqlx::Result<Option<T>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| {
        t.parse().map_err(|e: Unknown| sqlx::Error::ColumnDecode { index: col.to_owned(), source: Box::new(e) })
    })
    .transpose()
}

/// A value written by a newer build (a restored backup, another seat of the team) in a list where
/// one unknown row must not hide the others: `None`, logged.
pub(crate) fn known<T: FromStr<Err = Unknown>>(id: &str, text: &str) -> Option<T> {
    text.parse().map_err(|e: Unknown| tracing::warn!(row = id, error = %e, "left out: written by a newer build")).ok()
}
