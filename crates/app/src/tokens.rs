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
//! while the token is valid. A grant whose expiry is only assumed (pasted tokens of unknown age,
//! stored as due now) has no such hour to wait for: after an interrupted refresh it keeps using its
//! access token until Salla rejects it (401), and only then sends the refresh token once more
//! ([`TokenManager::refresh_rejected`]).

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
        return !g.expiry_assumed && g.expires_at <= now.saturating_add(INTERRUPTED_GRACE_SECS);
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

    /// Hands the grant of `account` to `send` while holding the account's refresh lock (no refresh
    /// can rotate it meanwhile), then forgets it here: the keychain entry and any unsaved copy.
    pub(crate) async fn hand_over<F, Fut>(&self, account: &str, send: F) -> Result<()>
    where
        F: FnOnce(StoredGrant) -> Fut,
        Fut: std::future::Future<Output = Result<()>>,
    {
        let lock = self.lock_for(account);
        let _held = lock.lock().await;
        let grant = self.load(account).await?;
        if grant.refreshing_since.is_some() {
            return Err(AppError::InvalidInput(
                "a token refresh of this store was interrupted; run a catalogue import first, then hand it over".into(),
            ));
        }
        send(grant).await?;
        self.unsaved().remove(account);
        crate::grants::delete(&self.secrets, account.to_owned()).await
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
                    expiry_assumed: false,
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use spo_domain::ports::SecretError;
    use spo_salla::{SallaUrls, TokenSet};
    use spo_salla_sim::{Sim, SimConfig};
    use spo_secrets::MemoryStore;

    use super::*;

    const ACCOUNT: &str = "salla-store-1";

    /// A keychain whose writes can be made to fail.
    #[derive(Debug, Default)]
    struct FlakyStore {
        inner: MemoryStore,
        fail_writes: AtomicBool,
    }

    impl SecretStore for FlakyStore {
        fn backend(&self) -> String {
            "flaky".into()
        }
        fn set(&self, account: &str, secret: &str) -> std::result::Result<(), SecretError> {
            if self.fail_writes.load(Ordering::SeqCst) {
                return Err(SecretError::Platform("write refused".into()));
            }
            self.inner.set(account, secret)
        }
        fn get(&self, account: &str) -> std::result::Result<Option<String>, SecretError> {
            self.inner.get(account)
        }
        fn delete(&self, account: &str) -> std::result::Result<(), SecretError> {
            self.inner.delete(account)
        }
    }

    async fn connected(secrets: &Arc<dyn SecretStore>) -> (Sim, SallaClient, StoredGrant) {
        let sim = Sim::start(SimConfig::demo(3)).await.expect("sim");
        let client = SallaClient::new(SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() }).expect("client");
        let cfg = sim.config();
        let creds = ClientCredentials { client_id: cfg.client_id.clone(), client_secret: cfg.client_secret.clone() };
        let mut req = client.authorize(&creds.client_id, &cfg.redirect_uri).expect("url");
        let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
        let t: TokenSet = client.exchange_code(&creds, &req, &code, 1_000).await.expect("exchange");
        let grant = StoredGrant {
            v: 1,
            client_id: creds.client_id,
            client_secret: creds.client_secret,
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_at: t.expires_at,
            issued_at: 1_000,
            refreshing_since: None,
            expiry_assumed: false,
        };
        crate::grants::save(secrets, ACCOUNT.into(), &grant).await.expect("save");
        (sim, client, grant)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_concurrent_callers_cause_exactly_one_refresh() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        let manager = Arc::new(TokenManager::new(Arc::clone(&secrets)));
        let expired = grant.expires_at + 10;
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (m, c) = (Arc::clone(&manager), client.clone());
            tasks.push(tokio::spawn(async move { m.access_token(&c, ACCOUNT, expired).await }));
        }
        let mut tokens = std::collections::HashSet::new();
        for t in tasks {
            tokens.insert(t.await.expect("join").expect("token"));
        }
        assert_eq!(sim.stats().refreshes, 1, "single-flight: one refresh for 50 callers");
        assert_eq!(tokens.len(), 1, "everyone got the same new token");
        assert!(!tokens.contains(&grant.access_token));
        assert_eq!(sim.stats().revoked_grants, 0);
        // The rotated pair is what the keychain holds now.
        let stored = manager.load(ACCOUNT).await.expect("load");
        assert!(tokens.contains(&stored.access_token));
        assert_ne!(stored.refresh_token, grant.refresh_token);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_waits_for_a_refresh_in_flight_and_starts_none() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        let manager = Arc::new(TokenManager::new(Arc::clone(&secrets)));
        let due = grant.expires_at + 10;
        // Salla answers the refresh slowly; shutdown starts while it is in flight.
        sim.set_faults(spo_salla_sim::Faults {
            token_delay: std::time::Duration::from_millis(400),
            ..Default::default()
        });
        let (m, c) = (Arc::clone(&manager), client.clone());
        let refreshing = tokio::spawn(async move { m.access_token(&c, ACCOUNT, due).await });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        manager.shut_down().await;
        // When shutdown returns, the rotated pair is already in the keychain (not only in flight).
        let stored = manager.load(ACCOUNT).await.expect("load");
        assert_ne!(stored.access_token, grant.access_token, "the refresh in flight ended before shutdown returned");
        assert_eq!(stored.refreshing_since, None);
        let token = refreshing.await.expect("join").expect("the refresh completed");
        assert_eq!(stored.access_token, token);
        // No refresh starts any more.
        let mut old = stored.clone();
        old.expires_at = 0;
        crate::grants::save(&secrets, ACCOUNT.into(), &old).await.expect("save");
        let refused = manager.access_token(&client, ACCOUNT, due).await.expect_err("shutting down");
        assert!(matches!(refused, AppError::Busy(_)), "{refused:?}");
        assert_eq!(sim.stats().refreshes, 1);
    }

    #[tokio::test]
    async fn a_second_process_sharing_the_keychain_reuses_the_rotated_pair() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        let first = TokenManager::new(Arc::clone(&secrets));
        let second = TokenManager::new(Arc::clone(&secrets));
        let now = grant.expires_at + 10;
        let a = first.access_token(&client, ACCOUNT, now).await.expect("first");
        let b = second.access_token(&client, ACCOUNT, now).await.expect("second re-reads and sees fresh tokens");
        assert_eq!(a, b);
        assert_eq!(sim.stats().refreshes, 1);
    }

    #[tokio::test]
    async fn a_revoked_grant_means_reconnect_and_nothing_else() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        // Someone spends the refresh token without saving the result: the stored one is now dead,
        // and our attempt to use it revokes the grant at Salla.
        let creds =
            ClientCredentials { client_id: grant.client_id.clone(), client_secret: grant.client_secret.clone() };
        client.refresh(&creds, grant.refresh_token.as_deref().expect("rt"), 2_000).await.expect("outside refresh");
        let manager = TokenManager::new(Arc::clone(&secrets));
        let err = manager.access_token(&client, ACCOUNT, grant.expires_at + 10).await.expect_err("lost");
        assert!(matches!(err, AppError::NeedsReconnect(_)), "{err:?}");
        assert_eq!(sim.stats().revoked_grants, 1);
    }

    #[tokio::test]
    async fn rotated_tokens_survive_a_failing_keychain_write() {
        let flaky = Arc::new(FlakyStore::default());
        let secrets: Arc<dyn SecretStore> = flaky.clone();
        let (sim, client, grant) = connected(&secrets).await;
        let manager = TokenManager::new(Arc::clone(&secrets));
        let now = grant.expires_at + 10;
        flaky.fail_writes.store(true, Ordering::SeqCst);
        let err = manager.access_token(&client, ACCOUNT, now).await.expect_err("keychain refused the write");
        assert!(matches!(err, AppError::Secrets(_)), "{err:?}");
        flaky.fail_writes.store(false, Ordering::SeqCst);
        let token = manager.access_token(&client, ACCOUNT, now).await.expect("kept in memory, saved now");
        assert_eq!(sim.stats().refreshes, 1, "no second refresh: the spent refresh token is never sent again");
        assert_eq!(sim.stats().revoked_grants, 0);
        let stored: StoredGrant =
            serde_json::from_str(&flaky.inner.get(ACCOUNT).expect("get").expect("stored")).expect("json");
        assert_eq!(stored.access_token, token, "the rotated pair reached the keychain");
    }

    #[tokio::test]
    async fn an_interrupted_refresh_never_makes_salla_revoke_a_working_token() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        let manager = TokenManager::new(Arc::clone(&secrets));
        let creds =
            ClientCredentials { client_id: grant.client_id.clone(), client_secret: grant.client_secret.clone() };
        // A run journals its refresh, Salla rotates the pair, and the process dies before the
        // answer is stored: the keychain holds the old pair with the marker.
        let due = grant.expires_at - REFRESH_MARGIN_SECS + 10;
        let journaled = StoredGrant { refreshing_since: Some(due), ..grant.clone() };
        crate::grants::save(&secrets, ACCOUNT.into(), &journaled).await.expect("journal");
        client.refresh(&creds, grant.refresh_token.as_deref().expect("rt"), due).await.expect("lost rotation");
        // The next run keeps using the access token that still works, and sends nothing.
        let refreshes = sim.stats().refreshes;
        let token = manager.access_token(&client, ACCOUNT, due + 60).await.expect("old token still used");
        assert_eq!(token, grant.access_token);
        assert_eq!(sim.stats().refreshes, refreshes, "the spent refresh token was not sent again");
        client.products_page(&token, 1, 5).await.expect("and it works at Salla");
        assert_eq!(sim.stats().revoked_grants, 0);
        // Only within the last hour does it try the refresh; Salla refuses: reconnect.
        let last_hour = grant.expires_at - INTERRUPTED_GRACE_SECS + 1;
        let err = manager.access_token(&client, ACCOUNT, last_hour).await.expect_err("lost");
        assert!(matches!(err, AppError::NeedsReconnect(_)), "{err:?}");
    }

    #[tokio::test]
    async fn an_interrupted_refresh_that_never_reached_salla_completes_later() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        let manager = TokenManager::new(Arc::clone(&secrets));
        let journaled = StoredGrant { refreshing_since: Some(1_000), ..grant.clone() };
        crate::grants::save(&secrets, ACCOUNT.into(), &journaled).await.expect("journal");
        let last_hour = grant.expires_at - INTERRUPTED_GRACE_SECS + 1;
        let token = manager.access_token(&client, ACCOUNT, last_hour).await.expect("refreshed");
        assert_ne!(token, grant.access_token);
        assert_eq!((sim.stats().refreshes, sim.stats().revoked_grants), (1, 0));
        let stored = manager.load(ACCOUNT).await.expect("load");
        assert_eq!((stored.access_token, stored.refreshing_since), (token, None), "marker cleared");
    }

    #[tokio::test]
    async fn an_interrupted_first_refresh_of_pasted_tokens_waits_for_salla_to_reject_the_access_token() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        let manager = TokenManager::new(Arc::clone(&secrets));
        let creds =
            ClientCredentials { client_id: grant.client_id.clone(), client_secret: grant.client_secret.clone() };
        // Pasted tokens are stored as due at the moment they are pasted (their age is unknown).
        let pasted_at = 5_000;
        let pasted = StoredGrant { expires_at: pasted_at, issued_at: pasted_at, expiry_assumed: true, ..grant.clone() };
        // The first run journals its refresh, Salla rotates the pair, and the process dies.
        let journaled = StoredGrant { refreshing_since: Some(pasted_at), ..pasted.clone() };
        crate::grants::save(&secrets, ACCOUNT.into(), &journaled).await.expect("journal");
        client.refresh(&creds, grant.refresh_token.as_deref().expect("rt"), pasted_at).await.expect("lost rotation");
        let refreshes = sim.stats().refreshes;
        // The assumed expiry has passed, but the access token works: it is used, nothing is sent.
        for later in [pasted_at + 1, pasted_at + 7 * 24 * 3600] {
            let token = manager.access_token(&client, ACCOUNT, later).await.expect("old token still used");
            assert_eq!(token, grant.access_token);
        }
        client.products_page(&grant.access_token, 1, 5).await.expect("and it works at Salla");
        assert_eq!((sim.stats().refreshes, sim.stats().revoked_grants), (refreshes, 0), "the spent token stays unsent");
        // Once Salla rejects the access token, the refresh is tried once: it was spent, so reconnect.
        sim.expire_access_tokens();
        let err = manager
            .refresh_rejected(&client, ACCOUNT, &grant.access_token, pasted_at + 8 * 24 * 3600)
            .await
            .expect_err("lost");
        assert!(matches!(err, AppError::NeedsReconnect(_)), "{err:?}");
    }

    #[tokio::test]
    async fn an_interrupted_first_refresh_of_pasted_tokens_that_never_reached_salla_completes_on_rejection() {
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let (sim, client, grant) = connected(&secrets).await;
        let manager = TokenManager::new(Arc::clone(&secrets));
        let journaled =
            StoredGrant { expires_at: 5_000, expiry_assumed: true, refreshing_since: Some(5_000), ..grant.clone() };
        crate::grants::save(&secrets, ACCOUNT.into(), &journaled).await.expect("journal");
        sim.expire_access_tokens();
        let token = manager.refresh_rejected(&client, ACCOUNT, &grant.access_token, 6_000).await.expect("refreshed");
        assert_ne!(token, grant.access_token);
        assert_eq!((sim.stats().refreshes, sim.stats().revoked_grants), (1, 0));
        let stored = manager.load(ACCOUNT).await.expect("load");
        assert_eq!((stored.refreshing_since, stored.expiry_assumed), (None, false), "Salla's expiry from now on");
    }

    #[test]
    fn refresh_is_due_before_expiry_and_at_least_every_25_days() {
        let g = |expires_at, issued_at| StoredGrant {
            v: 1,
            client_id: String::new(),
            client_secret: String::new(),
            access_token: String::new(),
            refresh_token: None,
            expires_at,
            issued_at,
            refreshing_since: None,
            expiry_assumed: false,
        };
        let day = 24 * 3600;
        assert!(!is_due(&g(100 * day, 0), 10 * day));
        assert!(is_due(&g(100 * day, 0), 99 * day + 1), "within a day of expiry");
        assert!(is_due(&g(400 * day, 0), 25 * day), "25 days since issue");
        assert!(!is_due(&g(400 * day, 0), 24 * day));
    }
}
