//! Team sync through the app's use cases: two and three seats (separate data folders, real SQLite)
//! on one team (a real PostgreSQL), a Salla-compatible store on the owner's seat, and a TCP
//! forwarder per seat to take it offline.

mod common;

use spo_app::App;
use spo_ipc::{ErrorCode, IpcError, SyncIndicator};
use spo_salla_sim::{Sim, SimConfig};
use spo_sync::testkit::{fresh_database, Proxy};

async fn open(dir: &std::path::Path) -> App {
    let paths = spo_app::AppPaths::new(dir.join("data"), dir.join("logs"));
    App::open(paths, secrets_for(dir)).await.expect("open")
}

/// One in-memory keychain per data folder that survives a restart of the app on that folder.
fn secrets_for(dir: &std::path::Path) -> std::sync::Arc<dyn spo_domain::ports::SecretStore> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static KEYCHAINS: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<spo_secrets::MemoryStore>>>> = OnceLock::new();
    let map = KEYCHAINS.get_or_init(Mutex::default);
    let mut map = map.lock().expect("keychains");
    map.entry(dir.to_path_buf()).or_insert_with(|| Arc::new(spo_secrets::MemoryStore::new())).clone()
}

fn rule(store: &str, min: &str) -> spo_ipc::RuleRequest {
    spo_ipc::RuleRequest {
        store_id: store.to_owned(),
        product: None,
        category: None,
        strategy: spo_ipc::StrategySpec::BeatLowestBps { bps: 100 },
        min_price: Some(min.into()),
        max_price: Some("100000.00".into()),
        min_margin_bps: Some(500),
        max_step_bps: None,
        max_daily_bps: None,
        cooldown_minutes: None,
        ending: spo_ipc::PriceEndingSpec::Exact,
        live: false,
    }
}

struct Team {
    _sim: Sim,
    sim_store: String,
    owner_dir: tempfile::TempDir,
    owner: App,
    owner_proxy: Proxy,
    db_url: String,
}

/// An owner seat with a connected store (two products tracked, a rule) that made a team.
async fn team() -> Team {
    let sim = Sim::start(SimConfig::demo(12)).await.expect("sim");
    let (owner_dir, owner, store) = common::open_connected(&sim).await;
    common::track_two_with_a_rule(&owner, &sim, &store).await;
    let db_url = fresh_database().await;
    let owner_proxy = Proxy::start().await;
    let info = owner
        .team_create(&owner_proxy.url_of(&db_url), "Riyadh team", "Sara (owner)", None)
        .await
        .expect("create team");
    assert_eq!(info.seat_role, "owner");
    assert_eq!(info.port, owner_proxy.port);
    Team { _sim: sim, sim_store: store, owner_dir, owner, owner_proxy, db_url }
}

/// A new seat joins through its own forwarder.
async fn join(t: &Team, role: &str, name: &str) -> (tempfile::TempDir, App, Proxy) {
    let invite = t.owner.team_invite(role, name).await.expect("invite");
    let proxy = Proxy::start().await;
    // The seat reaches the same server through its own forwarder.
    let mut code = spo_sync::InviteCode::decode(&invite.code).expect("code");
    code.port = proxy.port;
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path()).await;
    let info = app.team_join(&code.encode()).await.expect("join");
    assert_eq!(info.seat_role, role);
    (dir, app, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_edited_on_one_seat_and_an_approval_made_on_another_show_on_both() {
    let t = team().await;
    let (_dir, manager, _proxy) = join(&t, "manager", "Omar (pricing)").await;
    // The store, its products and rule arrived; its jobs stay with the owner's seat.
    let stores = manager.list_stores().await.expect("stores");
    assert_eq!(stores.len(), 1, "{stores:?}");
    assert_eq!(stores[0].id, t.sim_store);
    let status = manager.team_status().await.expect("status");
    assert_eq!(manager.rules(&t.sim_store).await.expect("rules").len(), 1, "{status:?}");
    // The manager edits the rule; the owner sees it after a round on each side.
    manager.set_rule(rule(&t.sim_store, "7.00")).await.expect("edit");
    manager.sync_now().await.expect("push");
    t.owner.sync_now().await.expect("pull");
    let on_owner = t.owner.rules(&t.sim_store).await.expect("rules");
    assert_eq!(on_owner.len(), 1, "{on_owner:?}");
    assert_eq!(on_owner[0].min_minor, Some(700), "{on_owner:?}");
    // The owner's seat runs the optimizer; the manager approves; the owner's seat applies.
    let run = t.owner.optimize(&t.sim_store, "manual", false).await.expect("run");
    assert!(!run.decisions.is_empty(), "{run:?}");
    t.owner.sync_now().await.expect("push decisions");
    manager.sync_now().await.expect("pull decisions");
    let proposed = manager.decisions(&t.sim_store, &["proposed"]).await.expect("decisions");
    let status = manager.team_status().await.expect("status");
    let owner_status = t.owner.team_status().await.expect("status");
    assert_eq!(proposed.len(), run.decisions.len(), "{status:?} {owner_status:?} {:?}", t.owner.sync_conflicts().await);
    manager.decide(&t.sim_store, &[proposed[0].id.clone()], true).await.expect("approve");
    manager.sync_now().await.expect("push approval");
    t.owner.sync_now().await.expect("pull approval");
    let approved = t.owner.decisions(&t.sim_store, &["approved"]).await.expect("decisions");
    assert_eq!(approved.len(), 1, "{approved:?}");
    let applied = t.owner.apply_approved(&t.sim_store).await.expect("apply");
    assert_eq!(applied.applied, 1, "{applied:?}");
    t.owner.sync_now().await.expect("push applied");
    manager.sync_now().await.expect("pull applied");
    assert_eq!(manager.decisions(&t.sim_store, &["applied"]).await.expect("decisions").len(), 1);
    // Both seats are in the members list; statuses say synced.
    let members = manager.team_members().await.expect("members");
    assert_eq!(members.len(), 2);
    assert!(members.iter().any(|m| m.is_me && m.role == "manager"));
    for app in [&t.owner, &manager] {
        let s = app.team_status().await.expect("status");
        assert_eq!(s.sync.indicator, SyncIndicator::Synced, "{s:?}");
        assert_eq!(s.sync.pending, 0);
    }
    let _ = &t.db_url;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_seats_editing_the_same_rule_offline_one_wins_the_other_resolves_the_conflict() {
    let t = team().await;
    let (_dir, manager, _proxy) = join(&t, "manager", "Omar").await;
    t.owner.set_rule(rule(&t.sim_store, "5.00")).await.expect("owner edit");
    manager.set_rule(rule(&t.sim_store, "9.00")).await.expect("manager edit");
    t.owner.sync_now().await.expect("owner first");
    let report = manager.sync_now().await.expect("manager second");
    assert_eq!(report.refused, 1, "{report:?}");
    // The manager's seat now shows the team's rule and the conflict.
    let rules = manager.rules(&t.sim_store).await.expect("rules");
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].min_minor, Some(500));
    let conflicts = manager.sync_conflicts().await.expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].table, "pricing_rules");
    assert!(conflicts[0].reason.contains("another seat"), "{conflicts:?}");
    assert_eq!(manager.team_status().await.expect("status").sync.open_conflicts, 1);
    // Keep mine: the edit is made again on top of the team's rule and wins this time.
    manager.resolve_conflict(&conflicts[0].id, true).await.expect("keep mine");
    manager.sync_now().await.expect("push again");
    t.owner.sync_now().await.expect("pull");
    let on_owner = t.owner.rules(&t.sim_store).await.expect("rules");
    assert_eq!(on_owner[0].min_minor, Some(900), "{on_owner:?}");
    assert!(manager.sync_conflicts().await.expect("conflicts").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_changes_survive_a_restart_and_go_out_when_the_team_is_back() {
    let t = team().await;
    let (dir, manager, proxy) = join(&t, "manager", "Omar").await;
    proxy.cut();
    manager.set_rule(rule(&t.sim_store, "6.50")).await.expect("edit offline");
    let err: IpcError = manager.sync_now().await.expect_err("offline").into();
    assert_eq!(err.code, ErrorCode::Team, "{err:?}");
    let s = manager.team_status().await.expect("status");
    assert_eq!(s.sync.indicator, SyncIndicator::Offline, "{s:?}");
    assert!(s.sync.pending >= 2, "the old rule's retirement and the new rule wait: {s:?}");
    // Restart the app while offline: the pending changes are still there.
    manager.close().await;
    let manager = open(dir.path()).await;
    assert_eq!(manager.team_status().await.expect("status").sync.pending, s.sync.pending);
    proxy.restore();
    manager.sync_now().await.expect("back online");
    assert_eq!(manager.team_status().await.expect("status").sync.pending, 0);
    t.owner.sync_now().await.expect("pull");
    assert_eq!(t.owner.rules(&t.sim_store).await.expect("rules")[0].min_minor, Some(650));
    let _ = (&t.owner_dir, &t.owner_proxy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_is_refused_before_anything_changes_and_a_revoked_seat_stops_syncing() {
    let t = team().await;
    let (_vdir, viewer, _vp) = join(&t, "viewer", "Lina (finance)").await;
    let err: IpcError = viewer.set_rule(rule(&t.sim_store, "8.00")).await.expect_err("viewer").into();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    assert!(err.message.contains("viewer"), "{err:?}");
    let err: IpcError = viewer.team_invite("viewer", "x").await.expect_err("not an owner").into();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    let (_mdir, manager, _mp) = join(&t, "manager", "Omar").await;
    let me = manager.team_members().await.expect("members").into_iter().find(|m| m.is_me).expect("me");
    t.owner.team_revoke(&me.db_role).await.expect("revoke");
    manager.set_rule(rule(&t.sim_store, "3.00")).await.expect("local edit still works");
    let err: IpcError = manager.sync_now().await.expect_err("revoked").into();
    assert_eq!(err.code, ErrorCode::Team, "{err:?}");
    t.owner.sync_now().await.expect("owner");
    assert_ne!(t.owner.rules(&t.sim_store).await.expect("rules")[0].min_minor, Some(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_code_is_useless_once_used_and_leaving_keeps_local_data() {
    let t = team().await;
    let invite = t.owner.team_invite("manager", "Omar").await.expect("invite");
    let (d1, d2) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let (first, second) = (open(d1.path()).await, open(d2.path()).await);
    first.team_join(&invite.code).await.expect("first use");
    let err: IpcError = second.team_join(&invite.code).await.expect_err("second use").into();
    assert_eq!(err.code, ErrorCode::Team);
    assert!(err.message.contains("already used or has expired"), "{err:?}");
    assert_eq!(first.list_stores().await.expect("stores").len(), 1);
    first.team_leave().await.expect("leave");
    let s = first.team_status().await.expect("status");
    assert!(s.team.is_none());
    assert_eq!(s.sync.indicator, SyncIndicator::Local);
    assert_eq!(first.list_stores().await.expect("stores").len(), 1, "local data stays");
    assert!(t.owner.team_members().await.expect("members").iter().any(|m| m.name == "Omar" && m.revoked_at.is_some()));
}
