//! Moving a store's Salla grant to another seat, sealed to that seat's public key (the private
//! half stays in its OS keychain). The team database only ever holds the sealed bytes, and only
//! until the receiving seat takes them.

use sqlx::Row;

use crate::{Error, Remote, Result};

/// A seat that can receive a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatKey {
    /// Login role.
    pub db_role: String,
    /// Seat name.
    pub name: String,
    /// `owner` or `manager`.
    pub role: String,
    /// X25519 public key.
    pub public_key: [u8; 32],
}

impl Remote {
    /// Publishes this seat's public key.
    pub async fn set_seat_key(&self, public_key: &[u8; 32]) -> Result<()> {
        sqlx::query("SELECT api.set_seat_key($1)")
            .bind(public_key.as_slice())
            .execute(&self.pool)
            .await
            .map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// The seats that can receive a store (owners and managers that published a key).
    pub async fn seat_keys(&self) -> Result<Vec<SeatKey>> {
        let rows = sqlx::query("SELECT db_role::text AS db_role, name, role, public_key FROM api.seat_keys()")
            .fetch_all(&self.pool)
            .await
            .map_err(Error::from_sqlx)?;
        rows.into_iter()
            .map(|r| {
                let key: Vec<u8> = r.get("public_key");
                Ok(SeatKey {
                    db_role: r.get("db_role"),
                    name: r.get("name"),
                    role: r.get("role"),
                    public_key: key.try_into().map_err(|_| Error::Server("a seat key is not 32 bytes".into()))?,
                })
            })
            .collect()
    }

    /// Leaves `sealed` for seat `to` (this seat must hold the store's lease).
    pub async fn offer_grant(&self, store_id: &str, client_id: &str, to: &str, sealed: &[u8]) -> Result<()> {
        sqlx::query("SELECT api.offer_grant($1, $2::uuid, $3::name, $4)")
            .bind(store_id)
            .bind(client_id)
            .bind(to)
            .bind(sealed)
            .execute(&self.pool)
            .await
            .map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// Takes the sealed grant left for this seat (gone from the database once read).
    pub async fn take_grant(&self, store_id: &str) -> Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT api.take_grant($1)")
            .bind(store_id)
            .fetch_one(&self.pool)
            .await
            .map_err(Error::from_sqlx)
    }
}
