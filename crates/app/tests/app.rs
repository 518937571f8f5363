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

#[tokio::test]
async fn demo_store_connects_imports_and_keeps_tokens_only_in_the_keychain() {
    let secrets = Arc::new(MemoryStore::new());
    let (dir, app) = app_with(secrets.clone()).await;
    let connected = app.connect_demo_store().await.expect("connect demo");
    assert!(connected.store.is_demo);
    assert_eq!((connected.imported, connected.skipped), (240, 0));
    assert_eq!(secrets.len(), 1, "one keychain entry for the demo store");

    let page = app
        .list_products(spo_ipc::ProductQuery {
            store_id: connected.store.id.clone(),
            search: String::new(),
            limit: 50,
            offset: 0,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(page.total, 240);
    assert_eq!(page.items.len(), 50);
    assert!(page.items.iter().all(|p| p.currency == "SAR" && p.price_minor > 0));

    // Connecting again returns the same store without a second import.
    let again = app.connect_demo_store().await.expect("again");
    assert_eq!((again.store.id, again.imported), (connected.store.id.clone(), 0));
    assert_eq!(app.list_stores().await.expect("stores").len(), 1);

    // No token reached the database file.
    app.close().await;
    let grant = spo_domain::ports::SecretStore::get(secrets.as_ref(), &app.grant_account(1_305_146_709))
        .expect("read")
        .expect("grant stored");
    let grant: serde_json::Value = serde_json::from_str(&grant).expect("json");
    let access = grant["access_token"].as_str().expect("access token").to_owned();
    let refresh = grant["refresh_token"].as_str().expect("refresh token").to_owned();
    for entry in std::fs::read_dir(dir.path().join("data")).expect("data dir") {
        // -wal/-shm files may vanish while the last connection closes; their content is then
        // in the main file, which is scanned too.
        let Ok(bytes) = std::fs::read(entry.expect("entry").path()) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&access) && !text.contains(&refresh), "a token leaked into the data folder");
    }
}

#[tokio::test]
async fn demo_store_fails_closed_without_a_keychain() {
    let (_dir, app) = app_with(Arc::new(UnavailableStore)).await;
    let err: IpcError = app.connect_demo_store().await.expect_err("no keychain").into();
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert!(app.list_stores().await.expect("stores").is_empty(), "nothing stored locally");
}

#[tokio::test]
async fn demo_store_survives_an_app_restart_and_syncs_again() {
    let secrets = Arc::new(MemoryStore::new());
    let (dir, app) = app_with(secrets.clone()).await;
    let connected = app.connect_demo_store().await.expect("connect");
    app.close().await;
    drop(app);
    // A new process: the demo server is gone; it comes back with the stored grant.
    let paths = AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let app = App::open(paths, secrets.clone()).await.expect("reopen");
    let summary = app.sync_catalog(&connected.store.id, &|_| {}).await.expect("sync after restart");
    assert_eq!((summary.imported, summary.unchanged, summary.skipped), (0, 240, 0), "nothing changed");
    let err: IpcError = app.sync_catalog("no-such-store", &|_| {}).await.expect_err("unknown store").into();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_lost_authorization_marks_the_store_for_reconnect() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, app) = app_with(secrets.clone()).await;
    let connected = app.connect_demo_store().await.expect("connect");
    // The grant disappears from the keychain (e.g. the user deleted it).
    spo_domain::ports::SecretStore::delete(secrets.as_ref(), &app.grant_account(1_305_146_709)).expect("delete");
    let err: IpcError = app.sync_catalog(&connected.store.id, &|_| {}).await.expect_err("no grant").into();
    assert_eq!(err.code, ErrorCode::NeedsReconnect);
    let stores = app.list_stores().await.expect("stores");
    assert_eq!(stores[0].status, spo_ipc::StoreStatus::NeedsReconnect, "the store is flagged, and says so");
}

#[tokio::test]
async fn disconnecting_removes_the_grant_and_optionally_the_data() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, app) = app_with(secrets.clone()).await;
    let connected = app.connect_demo_store().await.expect("connect");
    let left = app.disconnect_store(&connected.store.id, true).await.expect("disconnect");
    assert!(left.is_empty());
    assert!(secrets.is_empty(), "the keychain entry is gone");
    let gone: IpcError = app
        .list_products(spo_ipc::ProductQuery {
            store_id: connected.store.id.clone(),
            search: String::new(),
            limit: 10,
            offset: 0,
            ..Default::default()
        })
        .await
        .expect_err("local data deleted")
        .into();
    assert_eq!(gone.code, ErrorCode::NotFound, "{gone:?}");
    // The demo store can be connected again and gets its old id back.
    let again = app.connect_demo_store().await.expect("reconnect");
    assert_eq!((again.store.id, again.imported), (connected.store.id, 240));
}

#[tokio::test]
async fn pasted_tokens_are_checked_with_salla_before_anything_is_stored() {
    let sim = spo_salla_sim::Sim::start(spo_salla_sim::SimConfig::demo(30)).await.expect("sim");
    // nextest runs each test in its own process, so pointing this process at the sim is safe.
    std::env::set_var("SPO_SALLA_ACCOUNTS_URL", sim.accounts_url());
    std::env::set_var("SPO_SALLA_API_URL", sim.api_url());
    let client = spo_salla::SallaClient::new(spo_salla::SallaUrls::from_env()).expect("client");
    let cfg = sim.config();
    let creds =
        spo_salla::ClientCredentials { client_id: cfg.client_id.clone(), client_secret: cfg.client_secret.clone() };
    let mut req = client.authorize(&creds.client_id, &cfg.redirect_uri).expect("url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    let tokens = client.exchange_code(&creds, &req, &code, 0).await.expect("exchange");

    let secrets = Arc::new(MemoryStore::new());
    let (_dir, app) = app_with(secrets.clone()).await;
    let err: IpcError =
        app.connect_with_tokens("not-a-token".into(), None, None, None).await.expect_err("rejected by Salla").into();
    assert_eq!(err.code, ErrorCode::Salla);
    assert!(secrets.is_empty() && app.list_stores().await.expect("stores").is_empty(), "nothing stored");
    let err: IpcError = app.connect_with_tokens("  ".into(), None, None, None).await.expect_err("empty").into();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    let connected = app
        .connect_with_tokens(
            tokens.access_token,
            tokens.refresh_token,
            Some(creds.client_id),
            Some(creds.client_secret),
        )
        .await
        .expect("connect with tokens");
    assert_eq!((connected.imported, connected.store.is_demo), (30, false));
    assert_eq!(app.sync_catalog(&connected.store.id, &|_| {}).await.expect("sync").unchanged, 30);
}

#[tokio::test]
async fn a_pending_browser_sign_in_can_be_cancelled() {
    let (_dir, app) = app_with(Arc::new(MemoryStore::new())).await;
    let cancel = app.sign_in_cancelled();
    let opened = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = opened.clone();
    let pending = app.connect_with_credentials(
        "client".into(),
        "secret".into(),
        0,
        move |url| *seen.lock().expect("lock") = url.to_owned(),
        cancel,
    );
    let app2 = app.clone();
    let canceller = async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        app2.cancel_sign_in();
    };
    let (res, ()) = tokio::join!(pending, canceller);
    let err: IpcError = res.expect_err("cancelled").into();
    assert_eq!(err.code, ErrorCode::Salla);
    assert!(err.message.contains("cancelled"), "{}", err.message);
    assert!(
        opened.lock().expect("lock").contains("redirect_uri=http%3A%2F%2F127.0.0.1"),
        "the browser got the sign-in URL"
    );
}

#[tokio::test]
async fn the_demo_store_keeps_applied_prices_across_restarts() {
    let secrets = Arc::new(MemoryStore::new());
    let (dir, app) = app_with(secrets.clone()).await;
    let connected = app.connect_demo_store().await.expect("connect");
    let store = connected.store.id.clone();
    let query =
        || spo_ipc::ProductQuery { store_id: store.clone(), search: "DT-00001".into(), limit: 1, ..Default::default() };
    let before = app.list_products(query()).await.expect("list").items.remove(0);
    // A price written to the demo store (a rule with a live apply), then a new process.
    app.set_rule(spo_ipc::RuleRequest {
        store_id: store.clone(),
        product: Some("DT-00001".into()),
        category: None,
        strategy: spo_ipc::StrategySpec::TargetMargin { bps: 5_000 },
        min_price: Some("1.00".into()),
        max_price: Some("100000.00".into()),
        min_margin_bps: None,
        max_step_bps: None,
        max_daily_bps: None,
        cooldown_minutes: None,
        ending: spo_ipc::PriceEndingSpec::Exact,
        live: true,
    })
    .await
    .expect("rule");
    let run = app.optimize(&store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let d = run.decisions.iter().find(|d| d.product_sku.as_deref() == Some("DT-00001")).expect("decision").clone();
    app.decide(&store, std::slice::from_ref(&d.id), true).await.expect("approve");
    assert_eq!(app.apply_approved(&store).await.expect("apply").applied, 1);
    app.close().await;
    drop(app);
    let paths = AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let app = App::open(paths, secrets.clone()).await.expect("reopen");
    app.sync_catalog(&store, &|_| {}).await.expect("sync after restart");
    let after = app.list_products(query()).await.expect("list").items.remove(0);
    assert_ne!(before.price_minor, after.price_minor);
    assert_eq!(after.price_minor, d.new_price_minor, "the demo store remembered the applied price");
}
