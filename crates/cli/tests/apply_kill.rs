//! Crash safety of price writes (R16/R17): `spo decisions apply` is killed with SIGKILL at random
//! points, one trial per product, against the local Salla-compatible server. After each kill the
//! next `spo decisions apply` settles the interrupted decision by reading the product back before
//! any retry. Every change must land exactly once, no decision may stay half-applied, and the audit
//! log must hold exactly one "applying" and one "applied" row per applied decision.
//!
//! Needs the real OS keychain (the store's tokens must survive the process): run by
//! scripts/check.sh inside a private D-Bus session with gnome-keyring.

use std::collections::BTreeMap;

use std::time::Duration;

use spo_salla_sim::{Sim, SimConfig};

mod common;
use common::{connect, random_below, Ctx};

const TRIALS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real OS keychain; run by scripts/check.sh inside dbus-run-session"]
async fn cli_apply_survives_kill_9_at_random_points() {
    let mut cfg = SimConfig::demo(300);
    cfg.order_history_days = 0;
    // Its own merchant id: its keychain entry is nobody else's.
    cfg.store_id = 800_000_000 + i64::try_from(random_below(1_000_000)).expect("small");
    let sim = Sim::start(cfg).await.expect("sim");
    let ctx = Ctx { dir: tempfile::tempdir().expect("temp dir"), api: sim.api_url(), accounts: sim.accounts_url() };
    let store = connect(&ctx, &sim).await;
    // One store rule, one run: a decision for every product, all waiting (manual mode; the breaker
    // holds the run as well: exit code 3).
    ctx.ok(&[
        "rules",
        "set",
        "--store",
        &store,
        "--strategy",
        "target-margin",
        "--bps",
        "5000",
        "--min",
        "0.01",
        "--max",
        "99999.00",
        "--max-step-bps",
        "5000",
        "--live",
    ]);
    let out = ctx.command(&["optimize", "--store", &store, "--json"]).output().expect("run spo");
    assert!(matches!(out.status.code(), Some(0 | 3)), "optimize: {}", String::from_utf8_lossy(&out.stderr));
    let proposed: Vec<spo_ipc::Decision> =
        serde_json::from_slice(&ctx.ok(&["decisions", "list", "--store", &store, "--status", "proposed", "--json"]))
            .expect("json");
    let by_sku = |sku: &str| proposed.iter().find(|d| d.product_sku.as_deref() == Some(sku)).cloned();
    let trials: Vec<(spo_salla_sim::SimProduct, spo_ipc::Decision)> = sim
        .config()
        .products
        .into_iter()
        .filter(|p| p.variants.is_empty())
        .filter_map(|p| by_sku(&p.sku).map(|d| (p, d)))
        .take(TRIALS + 1)
        .collect();
    assert_eq!(trials.len(), TRIALS + 1, "a decision per trial");
    // Slow answers widen the window between the intent and the confirmation, so kills land inside.
    sim.set_faults(spo_salla_sim::Faults {
        latency: Duration::from_millis(20),
        update_answer_delay: Duration::from_millis(40),
        ..spo_salla_sim::Faults::default()
    });
    // How long one apply takes here, start to finish.
    let (_, first) = &trials[0];
    ctx.ok(&["decisions", "approve", "--store", &store, &first.id]);
    let started = std::time::Instant::now();
    ctx.ok(&["decisions", "apply", "--store", &store, "--json"]);
    let full_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(1_000);
    let mut outcomes: BTreeMap<&str, u32> = BTreeMap::new();
    let mut writes = sim.stats().updates;
    assert_eq!(writes, 1);
    for (trial, (p, decision)) in trials.iter().enumerate().skip(1) {
        ctx.ok(&["decisions", "approve", "--store", &store, &decision.id]);
        let before = sim.stats().updates;
        let mut child = ctx.command(&["decisions", "apply", "--store", &store, "--json"]).spawn().expect("spawn");
        // Mostly in the last stretch (the Salla calls), sometimes during start-up.
        let delay = full_ms.saturating_sub(200) + random_below(240);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let finished = child.try_wait().expect("try_wait").is_some();
        child.kill().ok();
        let _ = child.wait();
        let landed = sim.stats().updates - before;
        // The next apply settles whatever the kill left.
        let settled: spo_ipc::ApplyReport =
            serde_json::from_slice(&ctx.ok(&["decisions", "apply", "--store", &store, "--json"])).expect("json");
        let outcome = match (finished, landed, settled.reconciled, settled.applied) {
            (true, _, _, _) => "finished before the kill",
            (false, 0, 0, _) => "killed before the intent: applied by the next run",
            (false, 0, 1, _) => "killed after the intent, before the write: sent once by the next run",
            (false, 1, 1, _) => "killed after the write landed: confirmed by reading back",
            (false, 1, 0, 0) => "killed after the write and its confirmation",
            other => panic!("trial {trial}: unexpected outcome {other:?}: {settled:?}"),
        };
        *outcomes.entry(outcome).or_default() += 1;
        writes += 1;
        assert_eq!(sim.stats().updates, writes, "trial {trial}: exactly one write ({outcome})");
        assert_eq!(sim.product_price(p.id), Some(decision.new_price_minor), "trial {trial}: Salla has the new price");
    }
    let stuck: Vec<spo_ipc::Decision> =
        serde_json::from_slice(&ctx.ok(&["decisions", "list", "--store", &store, "--status", "applying", "--json"]))
            .expect("json");
    assert!(stuck.is_empty(), "nothing half-applied: {stuck:?}");
    let applied: Vec<spo_ipc::Decision> =
        serde_json::from_slice(&ctx.ok(&["decisions", "list", "--store", &store, "--status", "applied", "--json"]))
            .expect("json");
    assert_eq!(applied.len(), trials.len());
    // The audit log: one "applying" and one "applied" row per decision; the database is intact.
    let db = ctx.dir.path().join("data").join("spo.sqlite3");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("open db");
    let n = i64::try_from(trials.len()).expect("n");
    for action in ["decision.applying", "decision.applied"] {
        let (rows, distinct): (i64, i64) =
            sqlx::query_as("SELECT count(*), count(DISTINCT entity_id) FROM audit_log WHERE action = ?1")
                .bind(action)
                .fetch_one(&pool)
                .await
                .expect("count");
        assert_eq!((rows, distinct), (n, n), "{action}");
    }
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.expect("integrity");
    assert_eq!(integrity, "ok");
    pool.close().await;
    eprintln!("{TRIALS} applies killed at random points (one apply takes {full_ms} ms here): {outcomes:#?}");
    assert!(outcomes.len() >= 3, "kills landed at few points only: {outcomes:?}");
}
