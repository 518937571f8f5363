use crate::audit::{self, AuditEntry};
use crate::{new_id, Db, Error, Result};

impl Db {
    /// All device-level settings (those not tied to a store), as key/value pairs.
    pub async fn device_settings(&self) -> Result<Vec<(String, String)>> {
        sqlx::query_as("SELECT key, value FROM settings WHERE store_id IS NULL ORDER BY key")
            .fetch_all(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }

    /// Writes device-level settings and one audit row, atomically.
    pub async fn put_device_settings(&self, pairs: &[(&str, &str)], actor: &str) -> Result<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        for (key, value) in pairs {
            upsert_setting(&mut tx, None, key, value, &now).await?;
        }
        let details =
            pairs.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect::<Vec<_>>().join(",");
        let details = format!("{{{details}}}");
        let entry = AuditEntry {
            store_id: None,
            at: &now,
            actor,
            action: "settings.updated",
            entity: ("settings", None),
            reason: None,
            details: &details,
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Number of audit rows with the given action (for diagnostics and tests).
    pub async fn count_audit(&self, action: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = ?1")
            .bind(action)
            .fetch_one(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }
}

/// Writes one setting (device-wide with `store_id: None`) in the caller's transaction. The unique
/// index is on an expression (ifnull(store_id, '')), which an ON CONFLICT target cannot name; so
/// update first, and insert when nothing was there.
pub(crate) async fn upsert_setting(
    tx: &mut crate::WriteTx,
    store_id: Option<&str>,
    key: &str,
    value: &str,
    now: &str,
) -> Result<()> {
    let updated = sqlx::query("UPDATE settings SET value = ?1, updated_at = ?2 WHERE store_id IS ?3 AND key = ?4")
        .bind(value)
        .bind(now)
        .bind(store_id)
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(Error::from_sqlx)?;
    if updated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO settings (id, store_id, key, value, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )
        .bind(new_id())
        .bind(store_id)
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(Error::from_sqlx)?;
    }
    Ok(())
}

/// Minimal JSON string encoding for the audit details (keys and values are short settings text).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
