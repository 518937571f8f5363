//! Store leases: one seat runs each store's jobs and talks to Salla for it. A seat acquires and
//! renews its lease, another takes it over only after it expired, and each takeover adds one to
//! the store's fencing epoch, which the holder shows again right before every Salla write
//! ([`Remote::check_fence`]).

use sqlx::Row;

use crate::{Error, Remote, Result};

/// The answer to acquiring (or renewing) a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseAnswer {
    /// This seat holds the lease now.
    pub held: bool,
    /// The store's fencing epoch (this seat's when held).
    pub epoch: i64,
    /// How long the lease lasts from now (this seat's, or the holder's when not held), ms.
    pub expires_in_ms: i64,
    /// The holding seat's login role.
    pub holder: String,
    /// The holding seat's name.
    pub holder_seat: Option<String>,
}

/// The fence check before a Salla write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    /// This seat (and data folder) still holds the store's lease with the epoch it showed.
    pub holds: bool,
    /// The team's kill switch is on (no price may be written).
    pub kill_switch: bool,
}

/// Who runs one of the team's stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLease {
    /// Store id.
    pub store_id: String,
    /// Holding seat's login role.
    pub holder: String,
    /// Holding seat's name.
    pub holder_seat: Option<String>,
    /// Fencing epoch.
    pub epoch: i64,
    /// When the holder took it (RFC 3339).
    pub acquired_at: String,
    /// Last renewal (RFC 3339).
    pub renewed_at: String,
    /// End of the lease unless renewed (RFC 3339).
    pub expires_at: String,
    /// Not expired.
    pub live: bool,
}

impl Remote {
    /// Acquires or renews this seat's lease on `store_id` for `ttl_ms` (owners and managers).
    pub async fn acquire_lease(&self, store_id: &str, client_id: &str, ttl_ms: i32) -> Result<LeaseAnswer> {
        let r = sqlx::query(
            "SELECT held, epoch, expires_in_ms, holder::text AS holder, holder_seat
             FROM api.acquire_lease($1, $2::uuid, $3)",
        )
        .bind(store_id)
        .bind(client_id)
        .bind(ttl_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(Error::from_sqlx)?;
        Ok(LeaseAnswer {
            held: r.get("held"),
            epoch: r.get("epoch"),
            expires_in_ms: r.get("expires_in_ms"),
            holder: r.get("holder"),
            holder_seat: r.get("holder_seat"),
        })
    }

    /// Ends this seat's lease on `store_id` now; false when it did not hold it.
    pub async fn release_lease(&self, store_id: &str, client_id: &str) -> Result<bool> {
        sqlx::query_scalar("SELECT api.release_lease($1, $2::uuid)")
            .bind(store_id)
            .bind(client_id)
            .fetch_one(&self.pool)
            .await
            .map_err(Error::from_sqlx)
    }

    /// Does this seat still hold `store_id`'s lease with `epoch`, and is the kill switch off?
    pub async fn check_fence(&self, store_id: &str, client_id: &str, epoch: i64) -> Result<Fence> {
        let r = sqlx::query("SELECT holds, kill_switch FROM api.check_fence($1, $2::uuid, $3)")
            .bind(store_id)
            .bind(client_id)
            .bind(epoch)
            .fetch_one(&self.pool)
            .await
            .map_err(Error::from_sqlx)?;
        Ok(Fence { holds: r.get("holds"), kill_switch: r.get("kill_switch") })
    }

    /// Who runs each of the team's stores.
    pub async fn leases(&self) -> Result<Vec<StoreLease>> {
        let rows = sqlx::query(
            "SELECT store_id, holder::text AS holder, holder_seat, epoch,
                    to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS acquired_at,
                    to_char(renewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS renewed_at,
                    to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS expires_at, live
             FROM api.leases()",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Error::from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|r| StoreLease {
                store_id: r.get("store_id"),
                holder: r.get("holder"),
                holder_seat: r.get("holder_seat"),
                epoch: r.get("epoch"),
                acquired_at: r.get("acquired_at"),
                renewed_at: r.get("renewed_at"),
                expires_at: r.get("expires_at"),
                live: r.get("live"),
            })
            .collect())
    }
}
