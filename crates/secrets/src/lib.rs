//! [`SecretStore`] adapters.
//!
//! * [`KeychainStore`] — the persistent OS credential store, chosen at compile time: Secret Service
//!   over D-Bus on Linux/BSD, Keychain on macOS, Credential Manager on Windows. There is no silent
//!   fallback: if the platform store cannot be reached, every call fails with
//!   [`SecretError::Unavailable`] and nothing is written anywhere else (reliability.md R8).
//! * [`MemoryStore`] — process-local, for unit tests and the in-memory demo only.
//!
//! **Invariant:** this is the only crate that depends on the keyring crates. Secrets are checked
//! against the Windows size limit on every platform ([`spo_domain::ports::check_secret_size`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use keyring_core::{CredentialStore, Entry};
use spo_domain::ports::{check_secret_size, SecretError, SecretStore};

/// The OS keychain, one entry per account under one service name.
pub struct KeychainStore {
    service: String,
    backend: &'static str,
    store: Result<Arc<CredentialStore>, String>,
}

impl std::fmt::Debug for KeychainStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeychainStore")
            .field("service", &self.service)
            .field("backend", &self.backend)
            .field("available", &self.store.is_ok())
            .finish()
    }
}

impl KeychainStore {
    /// Opens the platform credential store for `service` (the app identifier). Failing to reach the
    /// store is not an error here: the store reports [`SecretError::Unavailable`] on every call, so
    /// the app can start and explain the problem on the Diagnostics screen.
    pub fn open(service: impl Into<String>) -> Self {
        let (backend, store) = platform_store();
        Self { service: service.into(), backend, store }
    }

    fn entry(&self, account: &str) -> Result<Entry, SecretError> {
        let store = self.store.as_ref().map_err(|e| unavailable(e))?;
        Entry::new_in_store(store, &self.service, account).map_err(map_err)
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn platform_store() -> (&'static str, Result<Arc<CredentialStore>, String>) {
    let store =
        zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>).map_err(|e| e.to_string());
    ("Secret Service (D-Bus)", store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> (&'static str, Result<Arc<CredentialStore>, String>) {
    let store = apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| e.to_string());
    ("macOS Keychain", store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> (&'static str, Result<Arc<CredentialStore>, String>) {
    let store =
        windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>).map_err(|e| e.to_string());
    ("Windows Credential Manager", store)
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "windows"
)))]
fn platform_store() -> (&'static str, Result<Arc<CredentialStore>, String>) {
    ("none", Err("this operating system has no supported keychain".to_owned()))
}

/// The keychain cannot be used: what to install or start on this OS, then the platform's words.
fn unavailable(raw: &str) -> SecretError {
    let hint = if cfg!(target_os = "macos") {
        "the login keychain is locked or unavailable; unlock it in Keychain Access (or log in again)"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager is not available; start the \"Credential Manager\" service and sign in with a regular user account"
    } else {
        "no Secret Service keyring answers on this desktop session; install and start one (GNOME Keyring: \
         `gnome-keyring`, or KeePassXC with Secret Service integration on) and unlock it, or run the app in a \
         desktop session"
    };
    SecretError::Unavailable(format!("{hint} (details: {raw})"))
}

fn map_err(e: keyring_core::Error) -> SecretError {
    use keyring_core::Error as E;
    match e {
        // No bus, no daemon, locked collection that cannot prompt: the store is not usable.
        E::NoStorageAccess(inner) => unavailable(&inner.to_string()),
        E::NoDefaultStore => unavailable("no credential store configured"),
        E::PlatformFailure(inner) => {
            let text = inner.to_string();
            if looks_unavailable(&text) {
                unavailable(&text)
            } else {
                SecretError::Platform(text)
            }
        }
        other => SecretError::Platform(other.to_string()),
    }
}

/// D-Bus reports a missing session bus or Secret Service daemon as a platform failure; to the user
/// that means "no keychain here", so classify it as such.
fn looks_unavailable(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["org.freedesktop.secrets", "no such file", "connection refused", "dbus", "d-bus", "bus"]
        .iter()
        .any(|needle| t.contains(needle))
}

impl SecretStore for KeychainStore {
    fn backend(&self) -> String {
        self.backend.to_owned()
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        check_secret_size(secret)?;
        self.entry(account)?.set_password(secret).map_err(map_err)
    }

    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }
}

/// A process-local secret store. Never persists anything. For tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored secrets (lets tests prove nothing was left behind).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A panic while holding this lock cannot leave the map half-updated (single insert/remove).
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn backend(&self) -> String {
        "in-memory (not persistent)".to_owned()
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        check_secret_size(secret)?;
        self.lock().insert(account.to_owned(), secret.to_owned());
        Ok(())
    }
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        Ok(self.lock().get(account).cloned())
    }
    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.lock().remove(account);
        Ok(())
    }
}

/// A store that is never available: what a machine without a keychain looks like. For tests of the
/// fail-closed paths.
#[derive(Debug, Default)]
pub struct UnavailableStore;

impl SecretStore for UnavailableStore {
    fn backend(&self) -> String {
        "none".to_owned()
    }
    fn set(&self, _: &str, _: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable("no keychain on this machine".into()))
    }
    fn get(&self, _: &str) -> Result<Option<String>, SecretError> {
        Err(SecretError::Unavailable("no keychain on this machine".into()))
    }
    fn delete(&self, _: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable("no keychain on this machine".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip_and_limits() {
        let s = MemoryStore::new();
        assert_eq!(s.get("a"), Ok(None));
        s.set("a", "secret").expect("set");
        assert_eq!(s.get("a"), Ok(Some("secret".into())));
        s.delete("a").expect("delete");
        s.delete("a").expect("deleting a missing entry is fine");
        assert_eq!(s.get("a"), Ok(None));
        assert!(matches!(s.set("big", &"x".repeat(2000)), Err(SecretError::TooLarge { .. })));
        assert_eq!(s.get("big"), Ok(None), "an oversize secret must not be stored");
    }

    #[test]
    fn classifies_missing_bus_as_unavailable() {
        assert!(looks_unavailable("Failed to connect to socket /run/user/0/bus: No such file or directory"));
        assert!(looks_unavailable("The name org.freedesktop.secrets was not provided by any .service files"));
        assert!(!looks_unavailable("item is locked"));
    }
}
