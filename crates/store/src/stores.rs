use spo_domain::store::{Store, StoreStatus};

use crate::{new_id, now_text, Db, Error, Result};

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
        .fetch_all(self.pool())
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

    /// Inserts a store and returns its new id.
    pub async fn insert_store(&self, store: &NewStore) -> Result<String> {
        let id = new_id();
        let now = now_text();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO stores (id, salla_store_id, name, domain, is_demo, connected_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)",
        )
        .bind(&id)
        .bind(store.salla_store_id)
        .bind(&store.name)
        .bind(&store.domain)
        .bind(store.is_demo)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(id)
    }
}

impl Db {
    /// One live store by local id.
    pub async fn store(&self, id: &str) -> Result<Store> {
        self.list_stores().await?.into_iter().find(|s| s.id == id).ok_or(Error::NotFound)
    }

    /// Changes a store's connection state (and writes an audit row), atomically.
    pub async fn set_store_status(&self, id: &str, status: StoreStatus, reason: &str) -> Result<()> {
        let now = now_text();
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
        sqlx::query(
            "INSERT INTO audit_log (id, store_id, at, actor, action, entity, entity_id, reason)
             VALUES (?1, ?2, ?3, 'system', 'store.status_changed', 'store', ?2, ?4)",
        )
        .bind(new_id())
        .bind(id)
        .bind(&now)
        .bind(format!("{}: {reason}", status.as_str()))
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }
}
