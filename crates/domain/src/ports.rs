//! Ports: what the domain needs from the outside world, as traits. Adapters implement them.

/// Errors of a [`SecretStore`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No persistent secure storage on this machine (no keychain / Secret Service); the app fails
    /// closed: nothing is written anywhere else.
    #[error("secure storage unavailable: {0}")]
    Unavailable(String),
    /// The secret is larger than every supported platform can hold (Windows: 2,560 bytes).
    #[error("this value is {} long; the keychain holds at most {max} bytes (was something else pasted?)", readable_size(*.len))]
    TooLarge {
        /// Its size in bytes (UTF-16 on Windows, so counted as 2 bytes per UTF-16 unit).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Any other platform failure.
    #[error("keychain error: {0}")]
    Platform(String),
}

/// A size in bytes as people read it: `812 bytes`, `4.0 KB`, `10.0 MB`.
pub fn readable_size(bytes: usize) -> String {
    match bytes {
        0..=9_999 => format!("{bytes} bytes"),
        10_000..=9_999_999 => format!("{:.1} KB", bytes as f64 / 1_000.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_000_000.0),
    }
}

/// Largest secret blob Windows Credential Manager accepts (`CRED_MAX_CREDENTIAL_BLOB_SIZE`).
/// Secrets are checked against it on every platform so a store that works on Linux works on
/// Windows too.
pub const MAX_SECRET_BYTES: usize = 2560;

/// Bytes a secret takes in the most restrictive store (Windows stores UTF-16).
pub fn secret_storage_len(secret: &str) -> usize {
    secret.encode_utf16().count() * 2
}

/// Rejects a secret that would not fit every platform's keychain.
pub fn check_secret_size(secret: &str) -> Result<(), SecretError> {
    let len = secret_storage_len(secret);
    if len > MAX_SECRET_BYTES {
        Err(SecretError::TooLarge { len, max: MAX_SECRET_BYTES })
    } else {
        Ok(())
    }
}

/// A place for secrets (tokens, client secrets, API keys), keyed by account name.
///
/// Implementations are blocking (OS keychains are synchronous and may prompt): callers run them off
/// the async workers with a timeout.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Human-readable name of the backend (e.g. "Secret Service (D-Bus)").
    fn backend(&self) -> String;
    /// Stores or replaces a secret.
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    /// Reads a secret; `Ok(None)` when there is none.
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    /// Deletes a secret; deleting a missing one is not an error.
    fn delete(&self, account: &str) -> Result<(), SecretError>;
}

/// Wall-clock time, injected: the app reads "now" only through this, so tests move time by hand
/// and a simulation can run the app's clock ahead of the real one.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Now, in Unix milliseconds.
    fn now_ms(&self) -> i64;

    /// Now, in Unix seconds.
    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_limit_counts_utf16() {
        assert!(check_secret_size(&"a".repeat(1280)).is_ok());
        assert_eq!(
            check_secret_size(&"a".repeat(1281)),
            Err(SecretError::TooLarge { len: 2562, max: MAX_SECRET_BYTES })
        );
        // Arabic letters are one UTF-16 unit each; astral characters two.
        assert_eq!(secret_storage_len("ر"), 2);
        assert_eq!(secret_storage_len("😀"), 4);
    }
}
