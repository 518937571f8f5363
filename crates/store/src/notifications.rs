//! The notification centre's memory.

pub use spo_domain::notices::NoticeKind;

use crate::{new_id, Db, Error, Result};

/// A notification to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Its store, if any.
    pub store_id: Option<String>,
    /// What it is about.
    pub kind: NoticeKind,
    /// Title in English.
    pub title_en: String,
    /// Title in Arabic.
    pub title_ar: String,
    /// Text in English.
    pub body_en: String,
    /// Text in Arabic.
    pub body_ar: String,
    /// The screen it is about.
    pub page: String,
    /// The operating system showed it.
    pub shown: bool,
}

/// A kept notification.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    /// Local id.
    pub id: String,
    /// Its store.
    pub store_id: Option<String>,
    /// When.
    pub at: String,
    /// What it is about.
    #[sqlx(try_from = "String")]
    pub kind: NoticeKind,
    /// Title in English.
    pub title_en: String,
    /// Title in Arabic.
    pub title_ar: String,
    /// Text in English.
    pub body_en: String,
    /// Text in Arabic.
    pub body_ar: String,
    /// The screen it is about.
    pub page: String,
    /// Shown by the operating system.
    pub shown: bool,
    /// When it was read.
    pub read_at: Option<String>,
}

/// Notifications kept at most (older ones are removed as new ones arrive).
pub const KEEP_NOTIFICATIONS: i64 = 500;

impl Db {
    /// Keeps a notification (dropping the oldest beyond [`KEEP_NOTIFICATIONS`]) and returns it.
    pub async fn insert_notification(&self, n: &NewNotification) -> Result<NotificationRow> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO notifications (id, store_id, at, kind, title_en, title_ar, body_en, body_ar, page, shown)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(&id)
        .bind(&n.store_id)
        .bind(self.now_text())
        .bind(n.kind.as_str())
        .bind(&n.title_en)
        .bind(&n.title_ar)
        .bind(&n.body_en)
        .bind(&n.body_ar)
        .bind(&n.page)
        .bind(n.shown)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        sqlx::query("DELETE FROM notifications WHERE id NOT IN (SELECT id FROM notifications ORDER BY at DESC, id DESC LIMIT ?1)")
            .bind(KEEP_NOTIFICATIONS)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        let row = sqlx::query_as(&format!("{SELECT} WHERE id = ?1"))
            .bind(&id)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(row)
    }

    /// The newest notifications, newest first.
    pub async fn notifications(&self, limit: i64) -> Result<Vec<NotificationRow>> {
        sqlx::query_as(&format!("{SELECT} ORDER BY at DESC, id DESC LIMIT ?1"))
            .bind(limit)
            .fetch_all(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }

    /// Marks notifications read (all unread ones with `None`); returns how many changed.
    pub async fn mark_notifications_read(&self, ids: Option<&[String]>) -> Result<u64> {
        let list = serde_json::to_string(&ids.unwrap_or_default()).map_err(|e| Error::Constraint(e.to_string()))?;
        let done = sqlx::query(
            "UPDATE notifications SET read_at = ?1
             WHERE read_at IS NULL AND (?2 OR id IN (SELECT value FROM json_each(?3)))",
        )
        .bind(self.now_text())
        .bind(ids.is_none())
        .bind(list)
        .execute(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        Ok(done.rows_affected())
    }
}

const SELECT: &str =
    "SELECT id, store_id, at, kind, title_en, title_ar, body_en, body_ar, page, shown, read_at FROM notifications";
