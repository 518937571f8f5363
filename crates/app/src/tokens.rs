//! Per-store access tokens: refresh ahead of expiry, single-flight, rotated pair persisted before
//! use, and `invalid_grant` treated as fatal only after re-reading the stored grant.
//!
//! Salla's refresh tokens are single-use and reusing one revokes the store's access, so at most one
//! refresh per store may be in flight (reliability.md R5, R6).
//!
//! **Interrupted refreshes.** Before a refresh token is sent, the grant is saved with
//! `refreshing_since`; the rotated pair that replaces it has none. If the process dies between
//! Salla rotating the pair and the keychain write, the new pair is lost and nothing on our side can
//! recover it — but sending the old refresh token again would make Salla revoke the whole grant,
//! including the access token that still works. So a grant found with the marker keeps using its
//! access token while it has more than [`INTERRUPTED_GRACE_SECS`] left, and only then tries the
//! refresh once more (it succeeds if the interrupted request never reached Salla). Because refreshes
//! start a day before expiry, an interruption costs at most that margin, never the store's access
//! while the token is valid.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use spo_domain::ports::SecretStore;
use spo_salla::{ClientCredentials, SallaClient};

use crate::grants::StoredGrant;
use crate::{AppError, Result};

/// Refresh when the access token has less than this left.
pub(crate) const REFRESH_MARGIN_SECS: u64 = 24 * 3600;
/// Refresh at least this often, whatever the access token's expiry says (refresh tokens live 30
/// days at Salla).
pub(crate) const MAX_GRANT_AGE_SECS: u64 = 25 * 24 * 3600;

/// After an interrupted refresh, keep using the access token until it has this little left.
pub(crate) const INTERRUPTED_GRACE_SECS: u64 = 3600;

fn is_due(g: &StoredGrant, now: u64) -> bool {
    if g.refreshing_since.is_some() {
        return g.expires_at <= now.saturating_add(INTERRUPTED_GRACE_SECS);
    }
    g.expires_at <= now.saturating_add(REFRESH_MARGIN_SECS) || now.saturating_sub(g.issued_at) >= MAX_GRANT_AGE_SECS
}

/// Hands out valid access tokens per keychain account.
#[derive(Debug)]
pub(crate) struct TokenManager {
    secrets: Arc<dyn SecretStore>,
    /// One async lock per account: the single-flight guard around refreshes.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Rotated grants whose keychain write failed: kept in memory (the old refresh token is dead
    /// at Salla) and written again on the next call.
    unsaved: Mutex<HashMap<String, StoredGrant>>,
    /// Set at shutdown: no refresh starts any more.
    closing: std::sync::atomic::AtomicBool,
}

impl TokenManager {
    pub(crate) fn new(secrets: Arc<dyn SecretStore>) -> Self {
        Self { secrets, locks: Mutex::default(), unsaved: Mutex::default(), closing: Default::default() }
    }

    fn lock_for(&self, account: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(locks.entry(account.to_owned()).or_default())
    }

    fn unsaved(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredGrant>> {
        self.unsaved.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The stored grant (an unsaved rotated one first, written back now if possible).
    pub(crate) async fn load(&self, account: &str) -> Result<StoredGrant> {
        let pending = self.unsaved().get(account).cloned();
        if let Some(grant) = pending {
            match self.save(account, &grant).await {
                Ok(()) => {
                    self.unsaved().remove(account);
                }
                Err(e) => tracing::warn!(error = %e, "rotated tokens still not saved to the keychain"),
            }
            return Ok(grant);
        }
        let secrets = Arc::clone(&self.secrets);
        let acc = account.to_owned();
        let value = crate::grants::keychain_call(move || secrets.get(&acc)).await?;
        let value =
            value.ok_or_else(|| AppError::NeedsReconnect("no Salla authorization is stored for this store".into()))?;
        serde_json::from_str(&value)
            .map_err(|e| AppError::Internal(format!("stored Salla authorization is unreadable: {e}")))
    }

    pub(crate) async fn save(&self, account: &str, grant: &StoredGrant) -> Result<()> {
        crate::grants::save(&self.secrets, account.to_owned(), grant).await
    }

    /// A valid access token for `account`, refreshing first when it is due.
    pub(crate) async fn access_token(&self, client: &SallaClient, account: &str, now: u64) -> Result<String> {
        let grant = self.load(account).await?;
        if !is_due(&grant, now) {
            return Ok(grant.access_token);
        }
        let lock = self.lock_for(account);
        let _guard = lock.lock().await;
        // Double-checked: whoever held the lock before us may have refreshed already.
        let grant = self.load(account).await?;
        if !is_due(&grant, now) {
            return Ok(grant.access_token);
        }
        self.refresh_locked(client, account, grant, now).await
    }

    /// Salla rejected `rejected` (401: revoked, or expired at Salla before our clock says): a new
    /// access token through the same single-flight refresh, at most once per rejected token. A
    /// token already replaced by another task is simply handed out.
    pub(crate) async fn refresh_rejected(
        &self,
        client: &SallaClient,
        account: &str,
        rejected: &str,
        now: u64,
    ) -> Result<String> {
        let lock = self.lock_for(account);
        let _guard = lock.lock().await;
        let grant = self.load(account).await?;
        if grant.access_token != rejected {
            return Ok(grant.access_token);
        }
        tracing::warn!("Salla rejected the access token; refreshing once");
        self.refresh_locked(client, account, grant, now).await
    }

    /// Stops starting refreshes and waits for the ones in flight to end (their rotated pair is
    /// then saved): called on quit and SIGTERM, so the window in which a rotated pair can be lost
    /// is as small as the process allows.
    pub(crate) async fn shut_down(&self) {
        self.closing.store(true, std::sync::atomic::Ordering::SeqCst);
        let locks: Vec<_> =
            self.locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).values().cloned().collect();
        for lock in locks {
            drop(lock.lock().await);
        }
    }

    /// The refresh itself, under the account's lock.
    async fn refresh_locked(
        &self,
        client: &SallaClient,
        account: &str,
        grant: StoredGrant,
        now: u64,
    ) -> Result<String> {
        if self.closing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(AppError::Busy("the app is shutting down; the token refresh waits for the next start".into()));
        }
        let Some(refresh_token) = grant.refresh_token.clone() else {
            return Err(AppError::NeedsReconnect("the authorization has no refresh token".into()));
        };
        let creds =
            ClientCredentials { client_id: grant.client_id.clone(), client_secret: grant.client_secret.clone() };
        if grant.refreshing_since.is_some() {
            tracing::warn!("retrying a Salla token refresh that was interrupted earlier");
        }
        // Journal the attempt first: if we die before the answer is stored, the next run knows.
        self.save(account, &StoredGrant { refreshing_since: Some(now), ..grant.clone() }).await?;
        match client.refresh(&creds, &refresh_token, now).await {
            Ok(tokens) => {
                let rotated = StoredGrant {
                    v: 1,
                    client_id: grant.client_id,
                    client_secret: grant.client_secret,
                    access_token: tokens.access_token,
                    refresh_token: tokens.refresh_token,
                    expires_at: tokens.expires_at,
                    issued_at: now,
                    refreshing_since: None,
                };
                // Persist before use. If the keychain fails, keep the pair in memory (the old
                // refresh token is already spent) and report the failure.
                if let Err(e) = self.save(account, &rotated).await {
                    self.unsaved().insert(account.to_owned(), rotated);
                    return Err(e);
                }
                tracing::info!("Salla tokens refreshed");
                Ok(rotated.access_token)
            }
            Err(spo_salla::Error::InvalidGrant(e)) => {
                // Another task or process may have rotated the tokens meanwhile: only a grant that
                // is still the one we sent is really lost.
                let current = self.load(account).await?;
                if current.refresh_token.as_deref() != Some(refresh_token.as_str()) && !is_due(&current, now) {
                    return Ok(current.access_token);
                }
                Err(AppError::NeedsReconnect(format!("Salla refused the stored authorization: {}", e.message)))
            }
            Err(e) => {
                // The request failed before or without an answer (network, 5xx, timeout): Salla may
                // or may not have rotated the pair, so the journal marker stays.
                Err(e.into())
            }
        }
    }
}
