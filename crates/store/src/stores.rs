use spo_domain::store::{Store, StoreStatus};

use crate::audit::{self, AuditEntry};
use crate::{new_id, Db, Error, Result};

/// A store to insert.
#[derive(Debug, Clone)]
pub struct NewStore {
    /// Salla's store id, if known.
    pub salla_store_id: Option<i64>,
    /// Display name.
    pub name: String,
    /// Domain.
    pub domain: Option<String>,
    /// True for the demo store.
    pub is_demo: bool,
}

type StoreRow = (String, Option<i64>, String, Option<String>, String, bool);

impl Db {
    /// Live (not deleted) stores: active ones first, then by name.
    pub async fn list_stores(&self) -> Result<Vec<Store>> {
        let rows: Vec<StoreRow> = sqlx::query_as(
            "SELECT id, salla_store_id, name, domain, status, is_demo FROM stores
             WHERE deleted_at IS NULL
             ORDER BY status <> 'active', name COLLATE NOCASE",
        )
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        rows.into_iter()
            .map(|(id, salla_store_id, name, domain, status, is_demo)| {
                let status = StoreStatus::parse(&status)
                    .ok_or_else(|| Error::Constraint(format!("unknown store status {status:?}")))?;
                Ok(Store { id, salla_store_id, name, domain, status, is_demo })
            })
            .collect()
    }

    /// Inserts a store and returns its id. Connecting a Salla store that was connected before
    /// (even disconnected or deleted) revives its row, so its id and history stay the same; its
    /// grant is then here, so this seat may run it (a store that came from the team included).
    pub async fn insert_store(&self, store: &NewStore) -> Result<String> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let id: String = sqlx::query_scalar(
            "INSERT INTO stores (id, salla_store_id, name, domain, is_demo, connected_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)
             ON CONFLICT (salla_store_id) DO UPDATE SET
               name = excluded.name, domain = excluded.domain, is_demo = excluded.is_demo, status = 'active',
               connected_at = excluded.connected_at, updated_at = excluded.updated_at, deleted_at = NULL,
               runs_here = 1
             RETURNING id",
        )
        .bind(new_id())
        .bind(store.salla_store_id)
        .bind(&store.name)
        .bind(&store.domain)
        .bind(store.is_demo)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(id)
    }
}

impl Db {
    /// One live store by local id.
    pub async fn store(&self, id: &str) -> Result<Store> {
        self.list_stores().await?.into_iter().find(|s| s.id == id).ok_or_else(|| {
            Error::Missing(format!("no store with id {id:?} (`spo stores list` shows the connected stores)"))
        })
    }

    /// Changes a store's connection state (and writes an audit row), atomically.
    pub async fn set_store_status(&self, id: &str, status: StoreStatus, reason: &str) -> Result<()> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let changed =
            sqlx::query("UPDATE stores SET status = ?1, updated_at = ?2 WHERE id = ?3 AND deleted_at IS NULL")
                .bind(status.as_str())
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
        if changed.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        let reason = format!("{}: {reason}", status.as_str());
        let entry = AuditEntry {
            store_id: Some(id),
            at: &now,
            actor: "system",
            action: "store.status_changed",
            entity: ("store", Some(id)),
            reason: Some(&reason),
            details: "{}",
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(Error::from_sqlx)
    }
}

/// Store-owned tables, children before parents (foreign keys), emptied by
/// [`Db::disconnect_store`] when the user asks to delete the store's data. The audit log is kept.
const STORE_TABLES: &[&str] = &[
    "price_observations",
    "competitor_listings",
    "decisions",
    "pricing_rules",
    "order_items",
    "orders",
    "variants",
    "products",
    "categories",
    "job_runs",
    "jobs",
    "optimization_runs",
    "settings",
];

impl Db {
    /// Marks a store disconnected; with `delete_data`, also removes everything it owns locally and
    /// tombstones the store row. One transaction, with an audit row.
    pub async fn disconnect_store(&self, id: &str, delete_data: bool) -> Result<()> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE stores SET status = 'disconnected', updated_at = ?1,
                    deleted_at = CASE WHEN ?2 THEN ?1 ELSE deleted_at END
             WHERE id = ?3 AND deleted_at IS NULL",
        )
        .bind(&now)
        .bind(delete_data)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        if changed.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        if delete_data {
            for table in STORE_TABLES {
                sqlx::query(&format!("DELETE FROM {table} WHERE store_id = ?1"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::from_sqlx)?;
            }
        }
        let details = format!("{{\"delete_data\":{delete_data}}}");
        let entry = AuditEntry {
            store_id: Some(id),
            at: &now,
            actor: "user:local",
            action: "store.disconnected",
            entity: ("store", Some(id)),
            reason: None,
            details: &details,
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(Error::from_sqlx)
    }
}
