//! Use-case tests on a real SQLite file and the in-memory / unavailable secret stores.

use std::sync::Arc;

use spo_app::{App, AppPaths};
use spo_ipc::{CheckStatus, ErrorCode, IpcError, Language, SettingsPatch, Theme};
use spo_secrets::{MemoryStore, UnavailableStore};

async fn app_with(secrets: Arc<dyn spo_domain::ports::SecretStore>) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let app = App::open(paths, secrets).await.expect("open app");
    (dir, app)
}

#[tokio::test]
async fn doctor_reports_measured_values() {
    let (dir, app) = app_with(Arc::new(MemoryStore::new())).await;
    let r = app.doctor().await.expect("doctor");
    assert_eq!(r.status, CheckStatus::Ok, "{r:#?}");
    assert_eq!(r.database.path, dir.path().join("data").join("spo.sqlite3").display().to_string());
    assert_eq!(r.data_dir, dir.path().join("data").display().to_string());
    assert_eq!(r.log_dir, dir.path().join("logs").display().to_string());
    assert_eq!(r.database.integrity, "ok");
    assert_eq!(r.database.journal_mode, "wal");
    assert_eq!(r.database.synchronous, "full");
    assert!(r.database.schema_version > 0);
    assert!(r.keychain.available);
    assert_eq!(r.app.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn doctor_fails_closed_without_a_keychain() {
    let (_dir, app) = app_with(Arc::new(UnavailableStore)).await;
    let r = app.doctor().await.expect("doctor still answers");
    assert!(!r.keychain.available);
    assert_eq!(r.keychain.status, CheckStatus::Failed);
    assert!(r.keychain.detail.contains("no keychain"), "{}", r.keychain.detail);
    assert_eq!(r.status, CheckStatus::Failed);
    assert_eq!(r.database.status, CheckStatus::Ok, "the database is still fine");
}

#[tokio::test]
async fn doctor_probe_leaves_nothing_behind() {
    let store = Arc::new(MemoryStore::new());
    let (_dir, app) = app_with(store.clone()).await;
    app.doctor().await.expect("doctor");
    assert!(store.is_empty(), "the keychain probe must delete its entry");
}

#[tokio::test]
async fn settings_default_to_arabic_and_persist() {
    let (dir, app) = app_with(Arc::new(MemoryStore::new())).await;
    let s = app.settings().await.expect("settings");
    assert_eq!((s.language, s.theme), (Language::Ar, Theme::System));
    let s = app
        .update_settings(SettingsPatch { language: Some(Language::En), theme: Some(Theme::Dark) })
        .await
        .expect("update");
    assert_eq!((s.language, s.theme), (Language::En, Theme::Dark));
    app.close().await;
    // Reopen the same folder: the choice survived.
    let paths = AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let app = App::open(paths, Arc::new(MemoryStore::new())).await.expect("reopen");
    let s = app.settings().await.expect("settings");
    assert_eq!((s.language, s.theme), (Language::En, Theme::Dark));
}

#[tokio::test]
async fn empty_patch_is_invalid_input() {
    let (_dir, app) = app_with(Arc::new(MemoryStore::new())).await;
    let err: IpcError = app.update_settings(SettingsPatch::default()).await.expect_err("empty").into();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn no_stores_on_a_fresh_install() {
    let (_dir, app) = app_with(Arc::new(MemoryStore::new())).await;
    assert!(app.list_stores().await.expect("list").is_empty());
}
