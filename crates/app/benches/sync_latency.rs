//! Benchmark: one change on seat A (the kill switch) until it is visible on seat B, with both
//! seats' sync loops polling every 2 s, with and without the LISTEN/NOTIFY wake-up hint. Prints the
//! median and p99.
//!
//! Run: `cargo bench -p spo-app --bench sync_latency` (starts a throwaway PostgreSQL unless
//! SPO_TEST_PG_URL is set). `SPO_BENCH_CHANGES` sets the number of changes (default 40).

use std::sync::Arc;
use std::time::{Duration, Instant};

use spo_app::{App, AppPaths};
use spo_salla_sim::{Sim, SimConfig};
use spo_sync::testkit::fresh_database;

#[path = "../tests/common/mod.rs"]
mod common;

const POLL: Duration = Duration::from_secs(2);

async fn open(dir: &std::path::Path, hint: bool) -> App {
    let paths = AppPaths::new(dir.join("data"), dir.join("logs"));
    App::open(paths, Arc::new(spo_secrets::MemoryStore::new()))
        .await
        .expect("open")
        .with_sync_poll(POLL)
        .with_sync_hint(hint)
}

async fn measure(hint: bool, changes: usize) -> Vec<Duration> {
    let sim = Sim::start(SimConfig::demo(20)).await.expect("sim");
    let (a_dir, b_dir) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let a = open(a_dir.path(), hint).await;
    // A team needs a real store to share: one connected on seat A from the simulated Salla.
    common::connect_pasted(&a, &sim).await;
    let url = fresh_database().await;
    a.team_create(&url, "Bench", "A", None, None).await.expect("team");
    let invite = a.team_invite(spo_ipc::SeatRole::Manager, "B").await.expect("invite");
    let b = open(b_dir.path(), hint).await;
    b.team_join(&invite.code, None).await.expect("join");
    a.start_team_sync();
    b.start_team_sync();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut out = Vec::with_capacity(changes);
    for i in 0..changes {
        let on = i % 2 == 0;
        // Start at a random point of the poll cycle.
        tokio::time::sleep(Duration::from_millis(137 * (i as u64 % 15))).await;
        let t = Instant::now();
        a.set_kill_switch(on).await.expect("kill switch");
        loop {
            if b.kill_switch().await.expect("read") == on {
                break;
            }
            if t.elapsed() > Duration::from_secs(30) {
                panic!("change {i} not visible on B after 30 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        out.push(t.elapsed());
    }
    a.close().await;
    b.close().await;
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let changes: usize = std::env::var("SPO_BENCH_CHANGES").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    println!(
        "team sync latency: a change on seat A until seat B shows it ({changes} changes, poll {} s)",
        POLL.as_secs()
    );
    for hint in [false, true] {
        let mut d = rt.block_on(measure(hint, changes));
        d.sort();
        println!(
            "  {:<28} median {:>6.0} ms   p99 {:>6.0} ms   max {:>6.0} ms",
            if hint { "poll + LISTEN/NOTIFY hint:" } else { "poll only:" },
            percentile(&d, 0.5).as_secs_f64() * 1000.0,
            percentile(&d, 0.99).as_secs_f64() * 1000.0,
            d.last().map_or(0.0, |x| x.as_secs_f64() * 1000.0),
        );
    }
}
