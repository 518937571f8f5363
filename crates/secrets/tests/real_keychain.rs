//! Round trip through the real OS keychain. On Linux CI this runs inside `dbus-run-session` with an
//! unlocked gnome-keyring (see scripts/check.sh); it is `#[ignore]` so a plain `cargo test` on a
//! machine without a keychain does not fail, and the check script runs it explicitly.

use spo_domain::ports::{SecretError, SecretStore};
use spo_secrets::KeychainStore;

#[test]
#[ignore = "needs a real OS keychain; run by scripts/check.sh inside dbus-run-session"]
fn real_secret_service_round_trip() {
    let store = KeychainStore::open("sa.priceoptimizer.desktop.test");
    let account = format!("round-trip-{}", std::process::id());
    let secret = "رمز-سري-١٢٣ token/with+symbols=";
    store.set(&account, secret).expect("store a secret in the real keychain");
    assert_eq!(store.get(&account).expect("read back"), Some(secret.to_owned()));
    store.set(&account, "rotated").expect("replace");
    assert_eq!(store.get(&account).expect("read back"), Some("rotated".to_owned()));
    store.delete(&account).expect("delete");
    assert_eq!(store.get(&account).expect("read after delete"), None);
    assert!(matches!(store.set(&account, &"x".repeat(1300)), Err(SecretError::TooLarge { .. })));
}

#[test]
#[ignore = "needs a machine with no session bus; run by scripts/check.sh"]
fn no_secret_service_fails_closed() {
    // scripts/check.sh runs this with DBUS_SESSION_BUS_ADDRESS pointing at a socket that does not
    // exist, i.e. the state of a headless server with no keychain.
    let store = KeychainStore::open("sa.priceoptimizer.desktop.test");
    let err = store.set("probe", "value").expect_err("no keychain: the write must fail");
    assert!(matches!(err, SecretError::Unavailable(_)), "expected Unavailable, got {err:?}");
    // Says what to do, not only the D-Bus library's words.
    assert!(err.to_string().contains("install and start"), "{err}");
}
