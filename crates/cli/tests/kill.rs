//! Crash safety of token refresh: `spo catalog sync` (which refreshes the store's tokens first) is
//! killed with SIGKILL at random points, over and over, against the local Salla-compatible server
//! whose refresh tokens are single-use and whose reuse revokes the grant. After every kill the
//! next run must work, and the app must never make Salla revoke the grant.
//!
//! Needs the real OS keychain (the tokens must survive the process): run by scripts/check.sh
//! inside a private D-Bus session with gnome-keyring.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use spo_salla_sim::{Sim, SimConfig};

mod common;
use common::{connect, random_below, Ctx};

fn sync_to_completion(ctx: &Ctx, store: &str) -> (bool, String, Duration) {
    let started = Instant::now();
    let out = ctx.command(&["catalog", "sync", "--store", store, "--json"]).output().expect("run");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real OS keychain; run by scripts/check.sh inside dbus-run-session"]
async fn cli_refresh_survives_kill_9_at_random_points() {
    let mut cfg = SimConfig::demo(30);
    cfg.order_history_days = 0;
    // Two hours: less than the one-day refresh margin (every run refreshes first), more than the
    // one-hour grace an interrupted refresh keeps using its access token for.
    cfg.access_lifetime_secs = 2 * 3600;
    cfg.store_id = 900_000_000 + i64::try_from(random_below(1_000_000)).expect("small");
    let sim = Sim::start(cfg).await.expect("sim");
    let ctx = Ctx { dir: tempfile::tempdir().expect("temp dir"), api: sim.api_url(), accounts: sim.accounts_url() };
    let store = connect(&ctx, &sim).await;

    // Calibrate: how long does a complete run take here?
    let mut longest = Duration::ZERO;
    for _ in 0..3 {
        let (ok, err, took) = sync_to_completion(&ctx, &store);
        assert!(ok, "calibration run failed: {err}");
        longest = longest.max(took);
    }
    let mut window_ms = u64::try_from(longest.as_millis()).expect("ms").max(20);

    let mut outcomes = BTreeMap::<&str, u32>::new();
    let mut killed = 0;
    let mut trials = 0;
    while killed < 100 {
        trials += 1;
        assert!(trials <= 400, "could not kill 100 runs mid-flight in 400 trials: {outcomes:?}");
        let before = sim.stats();
        let mut child = ctx.command(&["catalog", "sync", "--store", &store, "--json"]).spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(random_below(window_ms)));
        let finished_first = child.try_wait().expect("try_wait").is_some();
        child.kill().ok();
        child.wait().expect("reap");
        if finished_first {
            *outcomes.entry("finished before the kill").or_default() += 1;
            window_ms = (window_ms * 9 / 10).max(20);
            continue;
        }
        killed += 1;
        let rotated = sim.stats().refreshes > before.refreshes;
        let mid = sim.stats().refreshes;
        let (ok, err, _) = sync_to_completion(&ctx, &store);
        assert!(ok, "trial {trials}: the run after a kill failed (rotated at Salla: {rotated}): {err}");
        assert_eq!(sim.stats().revoked_grants, 0, "trial {trials}: the app made Salla revoke the grant");
        let refreshed_after = sim.stats().refreshes > mid;
        let outcome = match (rotated, refreshed_after) {
            (false, true) => "killed before Salla rotated; next run refreshed",
            (true, true) => "rotated pair saved before the kill; next run refreshed",
            (true, false) => "rotated pair lost in flight; old access token kept working",
            (false, false) => "refresh journaled but not processed; old access token kept working",
        };
        *outcomes.entry(outcome).or_default() += 1;
        if !refreshed_after {
            // The grant carries the interrupted-refresh marker and will only refresh near its
            // expiry; start the next trial from a fresh grant, as a merchant reconnecting would.
            connect(&ctx, &sim).await;
        }
    }
    eprintln!("{killed} runs killed mid-flight in {trials} trials (window {window_ms} ms): {outcomes:#?}");
    assert!(outcomes.keys().filter(|k| !k.starts_with("finished")).count() >= 2, "kills landed at one point only");

    // The database survived every kill, and no token or secret ever reached the disk or the logs.
    let out = ctx.command(&["doctor", "--json"]).output().expect("doctor");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("doctor json");
    assert_eq!(report["database"]["integrity"], "ok");
    let secret = sim.config().client_secret;
    let issued = sim.issued_tokens();
    assert!(issued.len() > 100);
    for folder in ["data", "logs"] {
        for entry in std::fs::read_dir(ctx.dir.path().join(folder)).expect("folder") {
            let Ok(bytes) = std::fs::read(entry.expect("entry").path()) else { continue };
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(&secret), "the client secret leaked into {folder}");
            for t in &issued {
                assert!(!text.contains(t.as_str()), "a token leaked into {folder}");
            }
        }
    }
}
