//! The append-only audit log: one helper every write path uses inside its own transaction.

use crate::{new_id, Error, Result, WriteTx};

/// One audit entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuditEntry<'a> {
    /// Store it concerns, if any.
    pub store_id: Option<&'a str>,
    /// When (stored text form).
    pub at: &'a str,
    /// Who: `user:<seat>`, `agent:<name>`, `system`.
    pub actor: &'a str,
    /// What, e.g. `store.disconnected`.
    pub action: &'a str,
    /// Kind and id of the thing acted on.
    pub entity: (&'a str, Option<&'a str>),
    /// Why, in words.
    pub reason: Option<&'a str>,
    /// Details as a JSON object text.
    pub details: &'a str,
}

/// Appends an entry in the caller's write transaction, so the change and its audit row commit
/// together or not at all.
pub(crate) async fn append(tx: &mut WriteTx, e: AuditEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, store_id, at, actor, action, entity, entity_id, reason, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(new_id())
    .bind(e.store_id)
    .bind(e.at)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.entity.0)
    .bind(e.entity.1)
    .bind(e.reason)
    .bind(e.details)
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(Error::from_sqlx)
}

/// One row of the audit log as exported.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Kind of thing acted on.
    pub entity: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Details (JSON).
    pub details: String,
    /// What Salla answered, for price writes.
    pub salla_response: Option<String>,
}

impl crate::Db {
    /// The audit log of one store together with the device-wide rows (settings and the like),
    /// oldest first.
    pub async fn audit_rows(&self, store_id: &str) -> Result<Vec<AuditRow>> {
        sqlx::query_as(
            "SELECT at, actor, action, entity, entity_id, reason, details, salla_response FROM audit_log
             WHERE store_id = ?1 OR store_id IS NULL ORDER BY at, rowid",
        )
        .bind(store_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }
}
