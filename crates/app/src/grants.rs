//! A store's Salla grant (app credentials + token pair) as one OS-keychain entry.
//!
//! **Persisted format** (keychain value, JSON, version 1): do not rename fields. One entry per
//! store, well under the 2,560-byte Windows limit (checked by the secret store on every write).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use spo_domain::ports::{SecretError, SecretStore};

/// Keychain calls may block on a prompt or a hung daemon; never wait longer than this.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredGrant {
    pub v: u32,
    pub client_id: String,
    pub client_secret: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: u64,
    /// When this pair was issued (Unix seconds); drives the "refresh at least every 25 days" rule.
    #[serde(default)]
    pub issued_at: u64,
    /// Set (Unix seconds) just before this pair's refresh token is sent to Salla and gone once the
    /// rotated pair is stored. Still set on load means that refresh was interrupted (crash, kill,
    /// power loss) and its outcome is unknown: see `tokens.rs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshing_since: Option<u64>,
}

impl std::fmt::Debug for StoredGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredGrant").field("client_id", &self.client_id).field("expires_at", &self.expires_at).finish()
    }
}

/// Keychain account of a store's grant, by Salla merchant id (known before the store row exists,
/// so nothing is inserted locally unless the secret is safely stored).
pub(crate) fn account(merchant_id: i64) -> String {
    format!("salla-store-{merchant_id}")
}

/// Runs a blocking keychain call off the async workers with a timeout (reliability.md R10).
pub(crate) async fn keychain_call<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> crate::Result<T> {
    match tokio::time::timeout(KEYCHAIN_TIMEOUT, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(result)) => result.map_err(crate::AppError::from),
        Ok(Err(join)) => Err(crate::AppError::Internal(format!("keychain task failed: {join}"))),
        Err(_) => Err(crate::AppError::Secrets(SecretError::Unavailable(format!(
            "the keychain did not answer within {} s",
            KEYCHAIN_TIMEOUT.as_secs()
        )))),
    }
}

/// Deletes a grant. Deleting a missing one is fine.
pub(crate) async fn delete(secrets: &Arc<dyn SecretStore>, account: String) -> crate::Result<()> {
    let secrets = Arc::clone(secrets);
    keychain_call(move || secrets.delete(&account)).await
}

/// Saves a grant.
pub(crate) async fn save(secrets: &Arc<dyn SecretStore>, account: String, grant: &StoredGrant) -> crate::Result<()> {
    let value = serde_json::to_string(grant).map_err(|e| crate::AppError::Internal(format!("encode grant: {e}")))?;
    let secrets = Arc::clone(secrets);
    keychain_call(move || secrets.set(&account, &value)).await
}
