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
    /// `expires_at` is a guess, not Salla's word: pasted tokens of unknown age are stored as due
    /// now so that their first use refreshes them. An interrupted refresh of such a grant must not
    /// be retried on that guess (its refresh token may be spent, and the access token may well
    /// still work): see `tokens.rs`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expiry_assumed: bool,
}

impl std::fmt::Debug for StoredGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredGrant").field("client_id", &self.client_id).field("expires_at", &self.expires_at).finish()
    }
}

/// Keychain account of a store's grant in one data folder (`profile`, the folder's id), by Salla merchant id (known before the store row exists, so nothing is inserted
/// locally unless the secret is safely stored). Two data folders never share an entry: each copy
/// would use Salla's single-use refresh token and Salla would revoke the store.
pub(crate) fn account(profile: &str, merchant_id: i64) -> String {
    format!("salla-store-{merchant_id}@{profile}")
}

/// The merchant's owner entry: which data folder holds the store's grant on this computer. Before
/// grants were kept per data folder, this entry held the grant itself (adopted on first use).
fn owner_account(merchant_id: i64) -> String {
    format!("salla-store-{merchant_id}")
}

/// The owner entry's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Owner {
    /// The owning data folder's profile id.
    owner: String,
    /// Its path, to name it (and to see whether it still exists).
    data_dir: String,
}

/// What the owner entry holds.
enum OwnerEntry {
    None,
    Owner(Owner),
    /// A grant stored before grants were kept per data folder.
    Legacy(StoredGrant),
}

async fn read_owner(secrets: &Arc<dyn SecretStore>, merchant_id: i64) -> crate::Result<OwnerEntry> {
    let (secrets, acc) = (Arc::clone(secrets), owner_account(merchant_id));
    let Some(value) = keychain_call(move || secrets.get(&acc)).await? else { return Ok(OwnerEntry::None) };
    if let Ok(o) = serde_json::from_str::<Owner>(&value) {
        return Ok(OwnerEntry::Owner(o));
    }
    match serde_json::from_str::<StoredGrant>(&value) {
        Ok(g) => Ok(OwnerEntry::Legacy(g)),
        Err(_) => Ok(OwnerEntry::None),
    }
}

async fn write_owner(app: &crate::App, merchant_id: i64) -> crate::Result<()> {
    let owner = Owner { owner: app.profile().to_owned(), data_dir: app.paths().data_dir.display().to_string() };
    let value = serde_json::to_string(&owner).map_err(|e| crate::AppError::Internal(format!("encode owner: {e}")))?;
    let (secrets, acc) = (Arc::clone(app.secrets()), owner_account(merchant_id));
    keychain_call(move || secrets.set(&acc, &value)).await
}

/// Before a store's grant is saved in this data folder: refuses when another data folder on this
/// computer holds it (its folder still exists), and marks this folder as the holder.
pub(crate) async fn claim(app: &crate::App, merchant_id: i64) -> crate::Result<()> {
    let other = match read_owner(app.secrets(), merchant_id).await? {
        OwnerEntry::Owner(o) if o.owner == app.profile() => return Ok(()),
        OwnerEntry::Owner(o) => {
            let alive = std::path::Path::new(&o.data_dir).join(crate::paths::DB_FILE).exists();
            alive.then_some(o.data_dir)
        }
        OwnerEntry::Legacy(_) => Some("another data folder on this computer".to_owned()),
        OwnerEntry::None => None,
    };
    if let Some(dir) = other {
        return Err(crate::AppError::InvalidInput(format!(
            "this store is already connected in {dir}; two copies would each use Salla's single-use refresh \
             token and Salla would revoke the store. Disconnect it there first (or delete that data folder)"
        )));
    }
    write_owner(app, merchant_id).await
}

/// A grant stored under the old per-merchant name is adopted by the data folder that has the store
/// (moved to this folder's entry; the old entry becomes the owner mark). Nothing when there is none.
pub(crate) async fn adopt_legacy(app: &crate::App, merchant_id: i64) -> crate::Result<()> {
    if let OwnerEntry::Legacy(grant) = read_owner(app.secrets(), merchant_id).await? {
        save(app.secrets(), account(app.profile(), merchant_id), &grant).await?;
        write_owner(app, merchant_id).await?;
        tracing::info!(merchant_id, "a grant from an earlier version was moved to this data folder's entry");
    }
    Ok(())
}

/// Forgets this folder's grant and, when this folder holds the store, the owner mark.
pub(crate) async fn release(app: &crate::App, merchant_id: i64) -> crate::Result<()> {
    delete(app.secrets(), account(app.profile(), merchant_id)).await?;
    if let OwnerEntry::Owner(o) = read_owner(app.secrets(), merchant_id).await? {
        if o.owner == app.profile() {
            delete(app.secrets(), owner_account(merchant_id)).await?;
        }
    }
    Ok(())
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
