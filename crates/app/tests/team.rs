//! Team sync through the app's use cases: two and three seats (separate data folders, real SQLite)
//! on one team (a real PostgreSQL), a Salla-compatible store on the owner's seat, and a TCP
//! forwarder per seat to take it offline.

mod common;

use spo_app::App;
use spo_ipc::{ErrorCode, IpcError, SyncIndicator};
use spo_salla_sim::{Sim, SimConfig};
use spo_sync::testkit::{fresh_database, Proxy};
use std::time::Duration;

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

struct Team {
    sim: Sim,
    sim_store: String,
    owner_dir: tempfile::TempDir,
    owner: App,
    owner_proxy: Proxy,
    db_url: String,
}

/// An owner seat with a connected store (two products tracked, a rule) that made a team.
async fn team() -> Team {
    team_with(None).await
}

/// [`team`], the owner's store leases lasting `ttl` and its fence grace `grace`.
async fn team_with(lease_times: Option<(Duration, Duration)>) -> Team {
    let sim = Sim::start(SimConfig::demo(12)).await.expect("sim");
    std::env::set_var("SPO_FETCH_MIN_INTERVAL_MS", "1");
    std::env::set_var("SPO_FETCH_ALLOW_HOSTS", sim.accounts_url().trim_start_matches("http://"));
    let owner_dir = tempfile::tempdir().expect("dir");
    let mut owner = open(owner_dir.path()).await;
    if let Some((ttl, grace)) = lease_times {
        owner = owner.with_lease_times(ttl, grace);
    }
    let store = common::connect_pasted(&owner, &sim).await;
    common::track_two_with_a_rule(&owner, &sim, &store).await;
    let db_url = fresh_database().await;
    let owner_proxy = Proxy::start().await;
    let info = owner
        .team_create(&owner_proxy.url_of(&db_url), "Riyadh team", "Sara (owner)", None, None)
        .await
        .expect("create team");
    assert_eq!(info.seat_role, spo_ipc::SeatRole::Owner);
    assert_eq!(info.port, owner_proxy.port);
    Team { sim, sim_store: store, owner_dir, owner, owner_proxy, db_url }
}

/// A new seat joins through its own forwarder.
async fn join(t: &Team, role: spo_ipc::SeatRole, name: &str) -> (tempfile::TempDir, App, Proxy) {
    let invite = t.owner.team_invite(role, name).await.expect("invite");
    let proxy = Proxy::start().await;
    // The seat reaches the same server through its own forwarder.
    let mut code = spo_sync::InviteCode::decode(&invite.code).expect("code");
    code.port = proxy.port;
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path()).await;
    let info = app.team_join(&code.encode(), None).await.expect("join");
    assert_eq!(info.seat_role, role);
    (dir, app, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_edited_on_one_seat_and_an_approval_made_on_another_show_on_both() {
    let t = team().await;
    let (_dir, manager, _proxy) = join(&t, spo_ipc::SeatRole::Manager, "Omar (pricing)").await;
    // The store, its products and rule arrived; its jobs stay with the owner's seat.
    let stores = manager.list_stores().await.expect("stores");
    assert_eq!(stores.len(), 1, "{stores:?}");
    assert_eq!(stores[0].id, t.sim_store);
    let status = manager.team_status().await.expect("status");
    assert_eq!(manager.rules(&t.sim_store).await.expect("rules").len(), 1, "{status:?}");
    // The manager edits the rule; the owner sees it after a round on each side.
    manager.set_rule(common::beat_lowest_rule(&t.sim_store, "7.00")).await.expect("edit");
    manager.sync_now().await.expect("push");
    t.owner.sync_now().await.expect("pull");
    let on_owner = t.owner.rules(&t.sim_store).await.expect("rules");
    assert_eq!(on_owner.len(), 1, "{on_owner:?}");
    assert_eq!(on_owner[0].min_minor, Some(700), "{on_owner:?}");
    // The owner's seat runs the optimizer; the manager approves; the owner's seat applies.
    let run = t.owner.optimize(&t.sim_store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert!(!run.decisions.is_empty(), "{run:?}");
    t.owner.sync_now().await.expect("push decisions");
    manager.sync_now().await.expect("pull decisions");
    let proposed = manager.decisions(&t.sim_store, &[spo_ipc::DecisionStatus::Proposed]).await.expect("decisions");
    let status = manager.team_status().await.expect("status");
    let owner_status = t.owner.team_status().await.expect("status");
    assert_eq!(proposed.len(), run.decisions.len(), "{status:?} {owner_status:?} {:?}", t.owner.sync_conflicts().await);
    manager.decide(&t.sim_store, &[proposed[0].id.clone()], true).await.expect("approve");
    manager.sync_now().await.expect("push approval");
    t.owner.sync_now().await.expect("pull approval");
    let approved = t.owner.decisions(&t.sim_store, &[spo_ipc::DecisionStatus::Approved]).await.expect("decisions");
    assert_eq!(approved.len(), 1, "{approved:?}");
    let applied = t.owner.apply_approved(&t.sim_store).await.expect("apply");
    assert_eq!(applied.applied, 1, "{applied:?}");
    t.owner.sync_now().await.expect("push applied");
    manager.sync_now().await.expect("pull applied");
    assert_eq!(manager.decisions(&t.sim_store, &[spo_ipc::DecisionStatus::Applied]).await.expect("decisions").len(), 1);
    // Both seats are in the members list; statuses say synced.
    let members = manager.team_members().await.expect("members");
    assert_eq!(members.len(), 2);
    assert!(members.iter().any(|m| m.is_me && m.role == spo_ipc::SeatRole::Manager));
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
    let (_dir, manager, _proxy) = join(&t, spo_ipc::SeatRole::Manager, "Omar").await;
    t.owner.set_rule(common::beat_lowest_rule(&t.sim_store, "5.00")).await.expect("owner edit");
    manager.set_rule(common::beat_lowest_rule(&t.sim_store, "9.00")).await.expect("manager edit");
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
    let (dir, manager, proxy) = join(&t, spo_ipc::SeatRole::Manager, "Omar").await;
    proxy.cut();
    manager.set_rule(common::beat_lowest_rule(&t.sim_store, "6.50")).await.expect("edit offline");
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
    let (_vdir, viewer, _vp) = join(&t, spo_ipc::SeatRole::Viewer, "Lina (finance)").await;
    let err: IpcError =
        viewer.set_rule(common::beat_lowest_rule(&t.sim_store, "8.00")).await.expect_err("viewer").into();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    assert!(err.message.contains("viewer"), "{err:?}");
    let err: IpcError = viewer.team_invite(spo_ipc::SeatRole::Viewer, "x").await.expect_err("not an owner").into();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    let err: IpcError = viewer.run_job_now("any-job").await.expect_err("viewer").into();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    let err: IpcError =
        viewer.set_automation_mode(&t.sim_store, spo_ipc::AutomationMode::Automatic).await.expect_err("viewer").into();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    let (_mdir, manager, _mp) = join(&t, spo_ipc::SeatRole::Manager, "Omar").await;
    let me = manager.team_members().await.expect("members").into_iter().find(|m| m.is_me).expect("me");
    t.owner.team_revoke(&me.db_role).await.expect("revoke");
    manager.set_rule(common::beat_lowest_rule(&t.sim_store, "3.00")).await.expect("local edit still works");
    let err: IpcError = manager.sync_now().await.expect_err("revoked").into();
    assert_eq!(err.code, ErrorCode::Team, "{err:?}");
    t.owner.sync_now().await.expect("owner");
    assert_ne!(t.owner.rules(&t.sim_store).await.expect("rules")[0].min_minor, Some(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_code_is_useless_once_used_and_leaving_keeps_local_data() {
    let t = team().await;
    let invite = t.owner.team_invite(spo_ipc::SeatRole::Manager, "Omar").await.expect("invite");
    let (d1, d2) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let (first, second) = (open(d1.path()).await, open(d2.path()).await);
    first.team_join(&invite.code, None).await.expect("first use");
    let err: IpcError = second.team_join(&invite.code, None).await.expect_err("second use").into();
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

mod convergence {
    //! Random operations on three seats with random disconnects and restarts reach the same state
    //! on every seat once they are all back and have synced (R27: convergence after quiescence).

    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        EditRule { seat: usize, min: i64 },
        Decide { seat: usize, approve: bool },
        KillSwitch { seat: usize, on: bool },
        Apply,
        Sync { seat: usize },
        Cut { seat: usize },
        Restore { seat: usize },
        Restart { seat: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        let seat = 0usize..3;
        prop_oneof![
            3 => (seat.clone(), 1i64..60).prop_map(|(seat, min)| Op::EditRule { seat, min }),
            3 => (seat.clone(), any::<bool>()).prop_map(|(seat, approve)| Op::Decide { seat, approve }),
            2 => (seat.clone(), any::<bool>()).prop_map(|(seat, on)| Op::KillSwitch { seat, on }),
            1 => Just(Op::Apply),
            5 => seat.clone().prop_map(|seat| Op::Sync { seat }),
            2 => seat.clone().prop_map(|seat| Op::Cut { seat }),
            2 => seat.clone().prop_map(|seat| Op::Restore { seat }),
            1 => seat.prop_map(|seat| Op::Restart { seat }),
        ]
    }

    /// What must be equal on every seat.
    async fn snapshot(app: &App, store: &str) -> (Vec<(String, Option<i64>, bool)>, Vec<(String, String)>, bool) {
        let mut rules: Vec<_> =
            app.rules(store).await.expect("rules").into_iter().map(|r| (r.id, r.min_minor, r.dry_run)).collect();
        rules.sort();
        let all = spo_ipc::DecisionStatus::ALL;
        let mut decisions: Vec<_> = app
            .decisions(store, &all)
            .await
            .expect("decisions")
            .into_iter()
            .map(|d| (d.id, d.status.as_str().to_owned()))
            .collect();
        decisions.sort();
        (rules, decisions, app.kill_switch().await.expect("kill switch"))
    }

    async fn run(ops: Vec<Op>) {
        let t = team().await;
        let (m1_dir, m1, m1_proxy) = join(&t, spo_ipc::SeatRole::Manager, "M1").await;
        let (m2_dir, m2, m2_proxy) = join(&t, spo_ipc::SeatRole::Manager, "M2").await;
        let run = t.owner.optimize(&t.sim_store, spo_ipc::RunKind::Manual, false).await.expect("run");
        assert!(!run.decisions.is_empty());
        let dirs = [t.owner_dir.path().to_path_buf(), m1_dir.path().to_path_buf(), m2_dir.path().to_path_buf()];
        let proxies = [&t.owner_proxy, &m1_proxy, &m2_proxy];
        let mut seats: Vec<Option<App>> = vec![Some(t.owner.clone()), Some(m1), Some(m2)];
        for app in seats.iter().flatten() {
            app.sync_now().await.expect("first round");
        }
        for op in ops {
            match op {
                Op::EditRule { seat, min } => {
                    let app = seats[seat].as_ref().expect("seat");
                    app.set_rule(common::beat_lowest_rule(&t.sim_store, &format!("{min}.00"))).await.expect("edit");
                }
                Op::Decide { seat, approve } => {
                    let app = seats[seat].as_ref().expect("seat");
                    let proposed =
                        app.decisions(&t.sim_store, &[spo_ipc::DecisionStatus::Proposed]).await.expect("decisions");
                    if let Some(d) = proposed.first() {
                        app.decide(&t.sim_store, std::slice::from_ref(&d.id), approve).await.expect("decide");
                    }
                }
                Op::KillSwitch { seat, on } => {
                    seats[seat].as_ref().expect("seat").set_kill_switch(on).await.expect("kill switch");
                }
                Op::Apply => {
                    // The owner's seat runs the store's jobs; offline from the team it still
                    // applies (Salla is reachable) and reports later.
                    let _ = seats[0].as_ref().expect("owner").apply_approved(&t.sim_store).await;
                }
                Op::Sync { seat } => {
                    let _ = seats[seat].as_ref().expect("seat").sync_now().await;
                }
                Op::Cut { seat } => proxies[seat].cut(),
                Op::Restore { seat } => proxies[seat].restore(),
                Op::Restart { seat } => {
                    let app = seats[seat].take().expect("seat");
                    app.close().await;
                    seats[seat] = Some(open(&dirs[seat]).await);
                }
            }
        }
        // Quiescence: everyone back online, rounds until nothing moves.
        for p in proxies {
            p.restore();
        }
        let mut quiet_rounds = 0;
        for _ in 0..12 {
            let mut moved = 0;
            for app in seats.iter().flatten() {
                let r = app.sync_now().await.expect("sync after quiescence");
                moved += r.pushed + r.pulled;
            }
            quiet_rounds = if moved == 0 { quiet_rounds + 1 } else { 0 };
            if quiet_rounds == 2 {
                break;
            }
        }
        assert_eq!(quiet_rounds, 2, "still moving after 12 rounds");
        let mut snaps = Vec::new();
        for app in seats.iter().flatten() {
            let s = app.team_status().await.expect("status");
            assert_eq!(s.sync.pending, 0, "{s:?}");
            assert_eq!(s.sync.apply_errors, 0, "{s:?}");
            snaps.push(snapshot(app, &t.sim_store).await);
        }
        assert_eq!(snaps[0], snaps[1], "owner and M1 differ");
        assert_eq!(snaps[0], snaps[2], "owner and M2 differ");
        assert_eq!(snaps[0].0.len(), 1, "one live rule: {:?}", snaps[0].0);
        for app in seats.into_iter().flatten() {
            app.close().await;
        }
    }

    proptest! {
        // A short slice in CI; the long form: SPO_CONVERGENCE_CASES=200 cargo nextest run -p spo-app --test team converge
        #![proptest_config(ProptestConfig {
            cases: std::env::var("SPO_CONVERGENCE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(4),
            max_shrink_iters: 16,
            ..ProptestConfig::default()
        })]
        #[test]
        fn three_seats_converge_after_random_operations_disconnects_and_restarts(ops in proptest::collection::vec(op(), 5..30)) {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(run(ops));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_and_job_runs_of_the_stores_seat_show_on_every_seat_without_its_orders() {
    let t = team().await;
    let (_dir, viewer, _proxy) = join(&t, spo_ipc::SeatRole::Viewer, "Huda (finance)").await;
    // The owner's seat imports the orders (a job run) and shares the day summary, not the orders.
    let running = t.owner.start_scheduler().await.expect("scheduler");
    let mut events = t.owner.job_events();
    let job = t
        .owner
        .jobs_info()
        .await
        .expect("jobs")
        .into_iter()
        .find(|j| j.kind == spo_ipc::JobKind::OrdersSync && j.store_id.as_deref() == Some(t.sim_store.as_str()))
        .expect("the store's orders job");
    assert!(t.owner.run_job_now(&job.id).await.expect("run now"));
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while spo_app::jobs::event_info(events.recv().await.expect("event")).status == spo_ipc::JobRunStatus::Running {}
    })
    .await
    .expect("the import ends");
    running.stop().await;
    let on_owner = t.owner.sales_summary(&t.sim_store).await.expect("sales");
    assert!(on_owner.orders > 0 && on_owner.units > 0, "{on_owner:?}");
    t.owner.sync_now().await.expect("push");
    viewer.sync_now().await.expect("pull");
    let on_viewer = viewer.sales_summary(&t.sim_store).await.expect("sales");
    assert_eq!(
        (on_viewer.orders, on_viewer.units, on_viewer.revenue_minor),
        (on_owner.orders, on_owner.units, on_owner.revenue_minor)
    );
    let page = |app: &App| {
        let q = spo_ipc::ProductQuery { store_id: t.sim_store.clone(), limit: 1000, ..Default::default() };
        let app = app.clone();
        async move {
            let mut units: Vec<(String, u64)> =
                app.list_products(q).await.expect("products").items.into_iter().map(|p| (p.id, p.units30d)).collect();
            units.sort();
            units
        }
    };
    assert_eq!(page(&viewer).await, page(&t.owner).await, "units sold per product agree");
    assert!(page(&viewer).await.iter().any(|(_, u)| *u > 0));
    // The run shows in the viewer's job monitor (from the owner's seat: no job of its own).
    let runs = viewer.job_runs_info(Some(&t.sim_store)).await.expect("runs");
    let run = runs
        .iter()
        .find(|r| r.kind == Some(spo_ipc::JobKind::OrdersSync))
        .expect("the owner's run is on the viewer's monitor");
    assert_eq!((run.status.as_str(), run.job_id.as_str()), ("succeeded", ""), "{runs:?}");
    assert!(viewer.team_status().await.expect("status").sync.pending == 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_file_is_checked_and_kept_in_the_data_folder() {
    let t = team().await;
    let invite = t.owner.team_invite(spo_ipc::SeatRole::Manager, "Omar").await.expect("invite");
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path()).await;
    let not_pem = dir.path().join("ca.txt");
    std::fs::write(&not_pem, "hello").expect("write");
    let err: IpcError = app.team_join(&invite.code, Some(&not_pem)).await.expect_err("not a certificate").into();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(err.message.contains("not a PEM certificate"), "{err:?}");
    let missing = dir.path().join("nowhere.pem");
    let err: IpcError = app.team_join(&invite.code, Some(&missing)).await.expect_err("missing").into();
    assert!(err.message.contains("cannot be read"), "{err:?}");
    // The refusals came before the code was used: it still works, and the CA is kept.
    let pem = dir.path().join("downloads-ca.pem");
    std::fs::write(&pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").expect("write");
    app.team_join(&invite.code, Some(&pem)).await.expect("join");
    std::fs::remove_file(&pem).expect("the original can go");
    let kept = std::fs::read_to_string(dir.path().join("data").join("team-ca.pem")).expect("kept");
    assert!(kept.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(app.team_status().await.expect("status").sync.pending, 0);
}

/// Approves every proposed decision of the store on `app`; returns how many.
async fn approve_all(app: &App, store: &str) -> usize {
    let ids: Vec<String> = app
        .decisions(store, &[spo_ipc::DecisionStatus::Proposed])
        .await
        .expect("decisions")
        .into_iter()
        .map(|d| d.id)
        .collect();
    app.decide(store, &ids, true).await.expect("approve");
    ids.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_seat_runs_a_store_and_a_seat_that_lost_its_lease_writes_nothing() {
    // The owner's lease lasts 1 s; its grace is long, so after a pause it still believes it runs
    // the store: only the fence can stop it.
    let t = team_with(Some((Duration::from_millis(1_000), Duration::from_secs(60)))).await;
    let (_dir, manager, _proxy) = join(&t, spo_ipc::SeatRole::Manager, "Daemon (always on)").await;
    let manager = manager.with_lease_times(Duration::from_secs(30), Duration::from_secs(60));
    let taken = t.owner.take_store_lease(&t.sim_store).await.expect("the owner runs its store");
    assert_eq!((taken.epoch, taken.here), (1, true), "{taken:?}");
    // The manager's seat re-authorises the same store with Salla (it now has a grant too) but
    // does not run it while the owner holds the lease: no Salla call for it from there.
    common::connect_pasted(&manager, &t.sim).await;
    let err: IpcError = manager.take_store_lease(&t.sim_store).await.expect_err("held").into();
    assert!(err.message.contains("Sara (owner)"), "{err:?}");
    let before = t.sim.stats().api_requests;
    let err: IpcError = manager.sync_catalog(&t.sim_store, &|_| {}).await.expect_err("not its store to run").into();
    assert!(err.message.contains("another seat runs this store"), "{err:?}");
    assert_eq!(t.sim.stats().api_requests, before, "the seat without the lease made no Salla call");
    // Its scheduler skips the store's jobs and says so once, not at every skip.
    let running = manager.start_scheduler().await.expect("scheduler");
    let mut events = manager.job_events();
    let job = manager
        .jobs_info()
        .await
        .expect("jobs")
        .into_iter()
        .find(|j| j.kind == spo_ipc::JobKind::CatalogSync && j.store_id.as_deref() == Some(t.sim_store.as_str()))
        .expect("the store's catalogue job");
    for _ in 0..2 {
        assert!(manager.run_job_now(&job.id).await.expect("run now"));
        tokio::time::timeout(Duration::from_secs(30), async {
            while spo_app::jobs::event_info(events.recv().await.expect("event")).status
                == spo_ipc::JobRunStatus::Running
            {}
        })
        .await
        .expect("the run ends");
    }
    running.stop().await;
    let runs = manager.job_runs_info(Some(&t.sim_store)).await.expect("runs");
    assert!(runs.iter().filter(|r| r.counts.contains("held_by_another_seat")).count() >= 2, "{runs:?}");
    let notes = manager.notifications().await.expect("notifications");
    let elsewhere = notes.items.iter().filter(|n| n.kind == spo_ipc::NotifyKind::StoreRunsElsewhere).count();
    assert_eq!(elsewhere, 1, "{notes:?}");
    assert_eq!(t.sim.stats().api_requests, before, "skipped runs made no Salla call");

    // Decisions wait on the owner's seat; it is then paused past its lease and the manager's
    // seat takes the store over.
    let run = t.owner.optimize(&t.sim_store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert!(!run.decisions.is_empty(), "{run:?}");
    let approved = approve_all(&t.owner, &t.sim_store).await;
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let takeover = manager.take_store_lease(&t.sim_store).await.expect("take over after expiry");
    assert_eq!(takeover.epoch, 2, "{takeover:?}");
    // The stale owner still thinks it runs the store: the fence refuses its first write.
    let writes = t.sim.stats().updates;
    let report = t.owner.apply_approved(&t.sim_store).await.expect("apply ends");
    assert_eq!(report.applied, 0, "{report:?}");
    assert!(report.errors.iter().any(|e| e.contains("no longer holds the store's lease")), "{report:?}");
    assert_eq!(t.sim.stats().updates, writes, "a fenced seat writes nothing");
    // The new holder gets the decisions (one was left `applying` by the fenced attempt) and lands
    // every price exactly once.
    t.owner.sync_now().await.expect("push");
    manager.sync_now().await.expect("pull");
    let report = manager.apply_approved(&t.sim_store).await.expect("apply on the new holder");
    assert_eq!(report.applied as usize, approved, "{report:?}");
    assert_eq!(t.sim.stats().updates - writes, approved as u64, "every price written once");
    assert_eq!(t.sim.stats().revoked_grants, 0, "no refresh token was used twice");
    // The owner's seat hears it lost the store; the leases say who runs it.
    let leases = t.owner.store_leases().await.expect("leases");
    assert_eq!(leases.len(), 1);
    assert_eq!((leases[0].holder_seat.as_deref(), leases[0].here), (Some("Daemon (always on)"), false), "{leases:?}");
    let err: IpcError = t.owner.sync_catalog(&t.sim_store, &|_| {}).await.expect_err("runs elsewhere").into();
    assert!(err.message.contains("Daemon (always on)"), "{err:?}");
    // Handing back: the manager releases, the owner takes it at once with the next epoch.
    assert!(manager.release_store_lease(&t.sim_store).await.expect("release"));
    let back = t.owner.take_store_lease(&t.sim_store).await.expect("take back");
    assert_eq!(back.epoch, 3, "{back:?}");
    let err: IpcError = manager.sync_catalog(&t.sim_store, &|_| {}).await.expect_err("handed over").into();
    assert!(err.message.contains("handed the store over"), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_off_from_the_team_database_a_seat_writes_within_the_grace_then_waits() {
    let t = team_with(Some((Duration::from_millis(1_000), Duration::from_millis(2_500)))).await;
    t.owner.take_store_lease(&t.sim_store).await.expect("lease");
    let run = t.owner.optimize(&t.sim_store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert!(run.decisions.len() >= 2, "{run:?}");
    let first = run.decisions[0].id.clone();
    t.owner.decide(&t.sim_store, &[first], true).await.expect("approve one");
    let writes = t.sim.stats().updates;
    t.owner_proxy.cut();
    // Within the grace: the write goes out (absolute prices; a slip during a partition is
    // idempotent).
    let report = t.owner.apply_approved(&t.sim_store).await.expect("apply");
    assert_eq!(report.applied, 1, "{report:?}");
    assert_eq!(t.sim.stats().updates, writes + 1);
    // Past the grace: nothing is written until the team database answers again.
    tokio::time::sleep(Duration::from_millis(2_700)).await;
    let second = run.decisions[1].id.clone();
    t.owner.decide(&t.sim_store, &[second], true).await.expect("approve another (local)");
    let err: IpcError = t.owner.apply_approved(&t.sim_store).await.expect_err("waits").into();
    assert_eq!(err.code, ErrorCode::Team, "{err:?}");
    assert_eq!(t.sim.stats().updates, writes + 1, "no blind write");
    t.owner_proxy.restore();
    let report = t.owner.apply_approved(&t.sim_store).await.expect("apply after the database is back");
    assert_eq!(report.applied, 1, "{report:?}");
    assert_eq!(t.sim.stats().updates, writes + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_teams_kill_switch_stops_the_holders_next_write_before_it_pulls() {
    let t = team().await;
    let (_dir, manager, _proxy) = join(&t, spo_ipc::SeatRole::Manager, "Omar").await;
    t.owner.take_store_lease(&t.sim_store).await.expect("lease");
    t.owner.optimize(&t.sim_store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert!(approve_all(&t.owner, &t.sim_store).await > 0);
    manager.set_kill_switch(true).await.expect("kill switch on the manager's seat");
    manager.sync_now().await.expect("push");
    let writes = t.sim.stats().updates;
    // The owner's seat has not pulled (its own copy says off): the fence reads the team's.
    assert!(!t.owner.kill_switch().await.expect("local copy"));
    let report = t.owner.apply_approved(&t.sim_store).await.expect("apply ends");
    assert!(report.errors.iter().any(|e| e.contains("kill switch")), "{report:?}");
    assert_eq!(t.sim.stats().updates, writes, "no write after the team's kill switch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_moves_to_another_seat_with_its_grant_sealed_and_the_old_seat_keeps_no_token() {
    let t = team().await;
    let (_dm, daemon, _pm) = join(&t, spo_ipc::SeatRole::Manager, "Daemon").await;
    let (_dt, third, _pt) = join(&t, spo_ipc::SeatRole::Manager, "Other").await;
    let (_dv, viewer, _pv) = join(&t, spo_ipc::SeatRole::Viewer, "Finance").await;
    t.owner.take_store_lease(&t.sim_store).await.expect("the owner runs the store");
    let err: IpcError = t.owner.hand_over_store(&t.sim_store, "Finance").await.expect_err("a viewer").into();
    assert!(err.message.contains("can receive stores"), "{err:?}");
    assert!(viewer.team_status().await.is_ok());
    t.owner.hand_over_store(&t.sim_store, "Daemon").await.expect("hand over");

    // The team database holds sealed bytes only: no token, no secret, nothing readable.
    let admin = spo_sync::testkit::admin_pool(&t.db_url).await;
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT sealed FROM spo.grant_offers").fetch_one(&admin).await.expect("one offer");
    let text = String::from_utf8_lossy(&sealed);
    for secret in t.sim.issued_tokens().iter().map(String::as_str).chain([t.sim.config().client_secret.as_str()]) {
        assert!(!text.contains(secret), "a secret is readable in the team database");
    }
    assert!(serde_json::from_slice::<serde_json::Value>(&sealed).is_err());
    // Another seat cannot take it; the old seat no longer runs the store or calls Salla for it.
    let err: IpcError = third.receive_store(&t.sim_store).await.expect_err("not for this seat").into();
    assert!(err.message.contains("no store grant is waiting"), "{err:?}");
    let before = t.sim.stats().api_requests;
    let err: IpcError = t.owner.sync_catalog(&t.sim_store, &|_| {}).await.expect_err("handed over").into();
    assert!(err.message.contains("another seat"), "{err:?}");
    assert_eq!(t.sim.stats().api_requests, before);

    // The receiving seat opens it and runs the store with the same grant (no re-authorisation).
    let exchanges = t.sim.stats().code_exchanges;
    let lease = daemon.receive_store(&t.sim_store).await.expect("receive");
    assert!(lease.here && lease.epoch == 2, "{lease:?}");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM spo.grant_offers").fetch_one(&admin).await.expect("count");
    assert_eq!(left, 0, "the sealed grant is deleted once taken");
    admin.close().await;
    daemon.sync_catalog(&t.sim_store, &|_| {}).await.expect("the new holder calls Salla with the grant");
    // Its imports are the team's now (the server takes the store's rows from the lease holder).
    daemon.sync_orders(&t.sim_store, &|_| {}).await.expect("orders");
    let report = daemon.sync_now().await.expect("push the imports");
    assert!(report.pushed > 0 && report.refused == 0, "{report:?}");
    assert_eq!(t.sim.stats().code_exchanges, exchanges, "no new authorisation was needed");
    assert_eq!(t.sim.stats().revoked_grants, 0, "no refresh token was used twice");
    let err: IpcError = daemon.receive_store(&t.sim_store).await.expect_err("taken once").into();
    assert!(err.message.contains("no store grant is waiting"), "{err:?}");
}
