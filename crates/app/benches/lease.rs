//! Benchmark: store leases between two seats of a team on a real PostgreSQL.
//!
//! * Takeover: the holder dies (stops renewing, never releases); how long until the other seat,
//!   whose lease loop runs, holds the store. Expected: the lease time-to-live plus at most a third
//!   of it (the renewal period).
//! * Kill switch: a manager seat turns it on; how long until the holder's next price write would
//!   be refused (the fence reads the team database), and until the holder's own copy shows it
//!   (sync loop, 2 s poll with the LISTEN/NOTIFY hint). Median and worst of 50.
//!
//! Run: `cargo bench -p spo-app --bench lease` (starts a throwaway PostgreSQL unless
//! SPO_TEST_PG_URL is set). `SPO_BENCH_TTL_MS` (default 3000) and `SPO_BENCH_TAKEOVERS` (5),
//! `SPO_BENCH_KILLS` (50) change the runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use spo_app::{App, AppPaths};
use spo_salla_sim::{Sim, SimConfig};
use spo_sync::testkit::fresh_database;

#[path = "../tests/common/mod.rs"]
mod common;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn open(dir: &std::path::Path, ttl: Duration) -> App {
    let paths = AppPaths::new(dir.join("data"), dir.join("logs"));
    App::open(paths, Arc::new(spo_secrets::MemoryStore::new()))
        .await
        .expect("open")
        .with_sync_poll(Duration::from_secs(2))
        .with_lease_times(ttl, Duration::from_secs(120))
}

/// A team of two seats that both hold a Salla grant for one store: A (owner) and B (manager).
async fn pair(sim: &Sim, ttl: Duration) -> (tempfile::TempDir, App, tempfile::TempDir, App, String) {
    let (a_dir, b_dir) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let a = open(a_dir.path(), ttl).await;
    let store = common::connect_pasted(&a, sim).await;
    let url = fresh_database().await;
    a.team_create(&url, "Bench", "A", None, None).await.expect("team");
    let invite = a.team_invite(spo_ipc::SeatRole::Manager, "B").await.expect("invite");
    let b = open(b_dir.path(), ttl).await;
    b.team_join(&invite.code, None).await.expect("join");
    common::connect_pasted(&b, sim).await;
    (a_dir, a, b_dir, b, store)
}

async fn takeover(ttl: Duration) -> Duration {
    let sim = Sim::start(SimConfig::demo(5)).await.expect("sim");
    let (_ad, a, _bd, b, store) = pair(&sim, ttl).await;
    // B may have taken the store when it connected: it hands it over, A takes it, and B stops
    // waiting for a `take` (refused while A holds the store, which clears B's handover mark).
    b.release_store_lease(&store).await.ok();
    let held = a.take_store_lease(&store).await.expect("A runs the store");
    assert!(held.here);
    assert!(b.take_store_lease(&store).await.is_err(), "A holds it");
    // A dies here: no more renewals, no release. B's lease loop keeps asking.
    let died = Instant::now();
    b.start_team_sync();
    loop {
        if b.store_leases().await.expect("leases").iter().any(|l| l.store_id == store && l.here) {
            break;
        }
        assert!(died.elapsed() < ttl * 3, "no takeover after {:?}", died.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = died.elapsed();
    b.close().await;
    took
}

async fn kill_switch(runs: usize) -> (Vec<Duration>, Vec<Duration>) {
    let sim = Sim::start(SimConfig::demo(5)).await.expect("sim");
    let (_ad, a, _bd, b, store) = pair(&sim, Duration::from_secs(30)).await;
    b.release_store_lease(&store).await.ok();
    a.take_store_lease(&store).await.expect("A runs the store");
    a.start_team_sync();
    b.start_team_sync();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut fence, mut copy) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for i in 0..runs {
        tokio::time::sleep(Duration::from_millis(97 * (i as u64 % 13))).await;
        let t = Instant::now();
        b.set_kill_switch(true).await.expect("on");
        let mut fenced = None;
        loop {
            if fenced.is_none() && a.price_write_check(&store).await.is_err() {
                fenced = Some(t.elapsed());
            }
            if a.kill_switch().await.expect("read") {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(30), "run {i}: not seen after 30 s");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        copy.push(t.elapsed());
        fence.push(fenced.unwrap_or_else(|| t.elapsed()));
        b.set_kill_switch(false).await.expect("off");
        let t = Instant::now();
        while a.kill_switch().await.expect("read") || a.price_write_check(&store).await.is_err() {
            assert!(t.elapsed() < Duration::from_secs(30), "run {i}: kill switch stuck on");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    a.close().await;
    b.close().await;
    (fence, copy)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(mut d: Vec<Duration>) -> String {
    d.sort();
    format!("median {:.0} ms, worst {:.0} ms", ms(d[d.len() / 2]), ms(d[d.len() - 1]))
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let ttl = Duration::from_millis(env("SPO_BENCH_TTL_MS", 3_000));
    let takeovers = env("SPO_BENCH_TAKEOVERS", 5);
    let kills = usize::try_from(env("SPO_BENCH_KILLS", 50)).unwrap_or(50);
    println!("store leases, two seats on one team (PostgreSQL on loopback, 2 cores)");
    let mut took: Vec<Duration> = (0..takeovers).map(|_| rt.block_on(takeover(ttl))).collect();
    took.sort();
    println!(
        "  takeover after the holder dies (lease {} ms, renewed every {} ms): {} (each: {:?})",
        ttl.as_millis(),
        ttl.as_millis() / 3,
        summary(took.clone()),
        took.iter().map(|d| format!("{:.0} ms", ms(*d))).collect::<Vec<_>>()
    );
    let (fence, copy) = rt.block_on(kill_switch(kills));
    println!("  kill switch on a manager seat -> the holder's next write refused: {} ({kills} runs)", summary(fence));
    println!("  kill switch on a manager seat -> the holder's own copy shows it: {} (2 s poll + hint)", summary(copy));
}
