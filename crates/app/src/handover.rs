//! Moving a store to another seat of the team with its Salla grant (team sync, part 2). The seat
//! running the store seals the grant (client credentials and token pair) to the receiving seat's
//! public key and forgets it; the receiver takes the sealed bytes from the team database (they
//! are deleted as they are read), opens them with the private key in its keychain, and runs the
//! store from then on. When the old seat is gone, the new seat connects the store with Salla
//! instead (`spo stores connect`). Each seat's key pair is made on first use; the public half is
//! published to the team.

use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};

use crate::grants::{keychain_call, StoredGrant};
use crate::{App, AppError, Result};

fn key_account(profile: &str) -> String {
    format!("team-seat-key:{profile}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let bytes: Option<Vec<u8>> =
        (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect();
    bytes?.try_into().ok()
}

impl App {
    /// This seat's key pair (the private half in the keychain, made on first use).
    async fn seat_secret(&self) -> Result<SecretKey> {
        let (secrets, acc) = (std::sync::Arc::clone(self.secrets()), key_account(self.profile()));
        let stored = {
            let (secrets, acc) = (secrets.clone(), acc.clone());
            keychain_call(move || secrets.get(&acc)).await?
        };
        if let Some(bytes) = stored.as_deref().and_then(unhex) {
            return Ok(SecretKey::from(bytes));
        }
        let key = SecretKey::generate(&mut OsRng);
        let text = hex(&key.to_bytes());
        keychain_call(move || secrets.set(&acc, &text)).await?;
        Ok(key)
    }

    /// Publishes this seat's public key to the team (so stores can be handed to it).
    pub(crate) async fn publish_seat_key(&self) -> Result<()> {
        let public = *self.seat_secret().await?.public_key().as_bytes();
        self.remote().await?.set_seat_key(&public).await?;
        Ok(())
    }

    /// Hands `store_id` to the seat named `to` (its name or login role): the grant goes sealed to
    /// that seat, and this seat forgets it and stops running the store.
    pub async fn hand_over_store(&self, store_id: &str, to: &str) -> Result<()> {
        let link = self.team_link().await?;
        self.ensure_may_write(false).await?;
        self.ensure_runs_store(store_id).await?;
        let store = self.db().store(store_id).await?;
        let merchant =
            store.salla_store_id.ok_or_else(|| AppError::InvalidInput("this store has no Salla id".into()))?;
        let remote = self.remote().await?;
        let seats = remote.seat_keys().await?;
        let target =
            seats.iter().find(|s| (s.db_role == to || s.name == to) && s.db_role != link.db_role).ok_or_else(|| {
                AppError::InvalidInput(format!(
                    "no other owner or manager seat called {to:?} can receive stores yet (it publishes its key when it \
                     next syncs); seats: {}",
                    seats.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                ))
            })?;
        let recipient = PublicKey::from(target.public_key);
        let account = crate::grants::account(self.profile(), merchant);
        self.tokens
            .hand_over(&account, |grant: StoredGrant| {
                let remote = remote.clone();
                let (store_id, client_id, to) = (store_id.to_owned(), link.client_id.clone(), target.db_role.clone());
                async move {
                    let plain =
                        serde_json::to_vec(&grant).map_err(|e| AppError::Internal(format!("encode grant: {e}")))?;
                    let sealed = recipient
                        .seal(&mut OsRng, &plain)
                        .map_err(|e| AppError::Internal(format!("sealing the grant failed: {e}")))?;
                    remote.offer_grant(&store_id, &client_id, &to, &sealed).await?;
                    Ok(())
                }
            })
            .await?;
        crate::grants::release(self, merchant).await?;
        self.db().set_store_runs_here(store_id, false).await?;
        self.release_store_lease(store_id).await?;
        tracing::info!(store = store_id, to = %target.name, "store handed over with its grant, sealed");
        Ok(())
    }

    /// Takes the store handed to this seat: opens the sealed grant with this seat's key, keeps it
    /// in the keychain, and runs the store from now on.
    pub async fn receive_store(&self, store_id: &str) -> Result<spo_ipc::StoreLeaseInfo> {
        self.team_link().await?;
        self.ensure_may_write(false).await?;
        let store = self.db().store(store_id).await?;
        let merchant =
            store.salla_store_id.ok_or_else(|| AppError::InvalidInput("this store has no Salla id".into()))?;
        let sealed = self.remote().await?.take_grant(store_id).await?.ok_or_else(|| {
            AppError::InvalidInput(
                "no store grant is waiting for this seat (the running seat hands it over first)".into(),
            )
        })?;
        let plain =
            self.seat_secret().await?.unseal(&sealed).map_err(|_| {
                AppError::InvalidInput("the handed-over grant does not open with this seat's key".into())
            })?;
        let grant: StoredGrant = serde_json::from_slice(&plain)
            .map_err(|e| AppError::Internal(format!("the handed-over grant is unreadable: {e}")))?;
        crate::grants::claim(self, merchant).await?;
        crate::grants::save(self.secrets(), crate::grants::account(self.profile(), merchant), &grant).await?;
        self.db().set_store_runs_here(store_id, true).await?;
        self.take_store_lease(store_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_stored_text_and_garbage_is_refused() {
        let key = SecretKey::generate(&mut OsRng);
        assert_eq!(unhex(&hex(&key.to_bytes())), Some(key.to_bytes()));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"ab".repeat(31)), None, "31 bytes is not a key");
    }

    #[test]
    fn a_sealed_grant_opens_with_its_seats_key_only() {
        let (to, other) = (SecretKey::generate(&mut OsRng), SecretKey::generate(&mut OsRng));
        let sealed = to.public_key().seal(&mut OsRng, b"refresh-token").expect("seal");
        assert!(!sealed.windows(13).any(|w| w == b"refresh-token"), "sealed bytes do not show the token");
        assert_eq!(to.unseal(&sealed).expect("opens"), b"refresh-token");
        assert!(other.unseal(&sealed).is_err());
    }
}
