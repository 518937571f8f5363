//! Access tokens Salla rejects before our clock says they expire (revoked, re-installed, expired
//! server-side): one refresh through the single-flight path and one retry; a refused refresh marks
//! the store "needs reconnect", stops its Salla jobs and tells the merchant. Real SQLite;
//! in-memory keychain; the Salla-compatible server.

mod common;

use spo_ipc::{ErrorCode, IpcError, NotifyKind, StoreStatus};
use spo_salla_sim::{Sim, SimConfig};

async fn connected() -> (tempfile::TempDir, spo_app::App, Sim, String) {
    let mut cfg = SimConfig::demo(12);
    cfg.order_history_days = 3;
    let sim = Sim::start(cfg).await.expect("sim");
    let (dir, app, store) = common::open_connected(&sim).await;
    (dir, app, sim, store)
}

#[tokio::test]
async fn a_token_expired_at_salla_is_refreshed_once_and_the_import_goes_on() {
    let (_dir, app, sim, store) = connected().await;
    let before = sim.stats().refreshes;
    // Salla expires the access token early; locally it still has two weeks.
    sim.expire_access_tokens();
    let summary = app.sync_catalog(&store, &|_| {}).await.expect("catalogue after a 401");
    assert_eq!(summary.imported + summary.unchanged, 12, "{summary:?}");
    assert_eq!(sim.stats().refreshes, before + 1, "exactly one refresh");
    sim.expire_access_tokens();
    app.sync_orders(&store, &|_| {}).await.expect("orders after a 401");
    assert_eq!(sim.stats().refreshes, before + 2);
    // Apply too: a decision approved before the token went bad is written after one refresh.
    common::track_two_with_a_rule(&app, &sim, &store).await;
    let run = app.optimize(&store, spo_ipc::RunKind::Manual, false).await.expect("run");
    app.decide(&store, std::slice::from_ref(&run.decisions[0].id), true).await.expect("approve");
    sim.expire_access_tokens();
    let applied = app.apply_approved(&store).await.expect("apply after a 401");
    assert_eq!((applied.applied, applied.failed), (1, 0), "{applied:?}");
    assert_eq!(sim.stats().refreshes, before + 3);
    assert_eq!(sim.stats().revoked_grants, 0, "no refresh token was ever sent twice");
    assert_eq!(app.list_stores().await.expect("stores")[0].status, StoreStatus::Active);
}

#[tokio::test]
async fn a_revoked_grant_marks_the_store_for_reconnect_stops_its_jobs_and_tells_the_merchant() {
    let (_dir, app, sim, store) = connected().await;
    sim.revoke_all_grants();
    let err: IpcError = app.sync_catalog(&store, &|_| {}).await.expect_err("revoked").into();
    assert_eq!(err.code, ErrorCode::NeedsReconnect, "{err:?}");
    assert_eq!(app.list_stores().await.expect("stores")[0].status, StoreStatus::NeedsReconnect);
    let notes = app.notifications().await.expect("notifications");
    let lost: Vec<_> = notes.items.iter().filter(|n| n.kind == NotifyKind::AuthLost).collect();
    assert_eq!(lost.len(), 1, "{notes:?}");
    assert!(lost[0].body_en.contains("Reconnect"), "{}", lost[0].body_en);
    // A second failure does not tell it again.
    let _ = app.sync_orders(&store, &|_| {}).await.expect_err("still revoked");
    let notes = app.notifications().await.expect("notifications");
    assert_eq!(notes.items.iter().filter(|n| n.kind == NotifyKind::AuthLost).count(), 1);
    // Its Salla jobs wait for the reconnect instead of failing on every schedule.
    let running = app.start_scheduler().await.expect("scheduler");
    let requests = sim.stats().api_requests;
    let jobs = app.jobs_info().await.expect("jobs");
    for kind in [spo_ipc::JobKind::CatalogSync, spo_ipc::JobKind::TokenCheck] {
        let job = jobs.iter().find(|j| j.kind == kind && j.store_id.as_deref() == Some(&store)).expect("job");
        match common::run_job_to_end(&app, &job.id).await {
            spo_app::jobs::Event::Finished { status, counts, .. } => {
                assert_eq!(status, spo_app::jobs::RunStatus::Succeeded, "{kind:?}");
                assert!(counts.contains("needs_reconnect"), "{kind:?}: {counts}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sim.stats().api_requests, requests, "nothing sent to Salla");
    running.stop().await;
}

#[tokio::test]
async fn pasted_tokens_and_keys_of_the_wrong_shape_or_size_are_refused_in_words() {
    let (_dir, app, sim, _store) = connected().await;
    let before = sim.stats().api_requests;
    let huge = "a".repeat(10_000_000);
    let e: IpcError = app.connect_with_tokens(huge, None, None, None).await.expect_err("10 MB token").into();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    assert!(e.message.contains("10.0 MB"), "{}", e.message);
    let e: IpcError =
        app.connect_with_tokens("ory_at_abc def".into(), None, None, None).await.expect_err("two words").into();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(sim.stats().api_requests, before, "nothing was sent to Salla");
    // An API key too large for any keychain: invalid input with a readable size, not "internal".
    let patch = spo_ipc::LlmSettingsPatch { api_key: Some("k".repeat(10_000_000)), ..Default::default() };
    let e: IpcError = app.update_llm_settings(patch).await.expect_err("10 MB key").into();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    assert!(e.message.contains("MB"), "{}", e.message);
}

#[tokio::test]
async fn a_second_data_folder_cannot_take_a_store_another_folder_holds() {
    let mut cfg = SimConfig::demo(6);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let secrets: std::sync::Arc<dyn spo_domain::ports::SecretStore> =
        std::sync::Arc::new(spo_secrets::MemoryStore::new());
    let open = |dir: &std::path::Path| {
        let paths = spo_app::AppPaths::new(dir.join("data"), dir.join("logs"));
        spo_app::App::open(paths, secrets.clone())
    };
    let (a_dir, b_dir) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let a = open(a_dir.path()).await.expect("a");
    let store_a = common::connect_pasted(&a, &sim).await;
    let b = open(b_dir.path()).await.expect("b");
    let e: IpcError = common::try_connect_pasted(&b, &sim).await.expect_err("held by a").into();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    assert!(e.message.contains(&a_dir.path().join("data").display().to_string()), "{}", e.message);
    assert!(b.list_stores().await.expect("stores").is_empty(), "nothing stored in b");
    // A still works with its own tokens: b replaced nothing.
    a.sync_catalog(&store_a, &|_| {}).await.expect("a syncs");
    // Once a disconnects, b may connect.
    a.disconnect_store(&store_a, true).await.expect("disconnect");
    common::connect_pasted(&b, &sim).await;
    assert_ne!(a.grant_account(sim.config().store_id), b.grant_account(sim.config().store_id));
}

#[tokio::test]
async fn a_grant_from_an_earlier_version_is_adopted_by_the_folder_that_has_the_store() {
    let mut cfg = SimConfig::demo(6);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let memory = std::sync::Arc::new(spo_secrets::MemoryStore::new());
    let dir = tempfile::tempdir().expect("dir");
    let paths = spo_app::AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let app = spo_app::App::open(paths, memory.clone()).await.expect("open");
    let store = common::connect_pasted(&app, &sim).await;
    let merchant = sim.config().store_id;
    use spo_domain::ports::SecretStore as _;
    // As an earlier version kept it: the grant under the merchant's name alone.
    let grant = memory.get(&app.grant_account(merchant)).expect("read").expect("grant");
    memory.delete(&app.grant_account(merchant)).expect("delete");
    memory.set(&format!("salla-store-{merchant}"), &grant).expect("legacy");
    app.sync_catalog(&store, &|_| {}).await.expect("adopted");
    let adopted = memory.get(&app.grant_account(merchant)).expect("read").expect("this folder's entry");
    assert!(adopted.contains("access_token"), "the grant moved to this folder's entry");
    let owner = memory.get(&format!("salla-store-{merchant}")).expect("read").expect("owner mark");
    assert!(owner.contains("\"owner\"") && !owner.contains("access_token"), "{owner}");
}
