//! Benchmark: a seat imports 100,000 products (the outbox triggers record each), pushes them to
//! the team, and another seat pulls and applies them; against `psql \copy` of the same rows into
//! a table shaped like the team's. Prints numbers.
//!
//! Run: `cargo bench -p spo-sync --bench sync_bench` (starts a throwaway PostgreSQL unless
//! SPO_TEST_PG_URL is set; needs `psql` on PATH). `SPO_BENCH_PRODUCTS` changes the count.

use std::process::Command;
use std::time::Instant;

use spo_domain::sync::SeatRole;
use spo_store::{Db, ImportedProduct, NewStore, TeamLink};
use spo_sync::testkit::{admin_pool, fresh_database, join, new_team, Seat};

#[path = "../tests/sync/local.rs"]
mod local;

fn catalogue(n: usize) -> Vec<ImportedProduct> {
    (0..n)
        .map(|i| {
            let i64v = i64::try_from(i).unwrap_or(i64::MAX);
            ImportedProduct {
                salla_product_id: 5_000_000 + i64v,
                name: format!("منتج رقم {i}"),
                sku: Some(format!("B-{i:07}")),
                status: "sale".into(),
                currency: "SAR".into(),
                price_minor: 2_500 + (i64v * 31) % 70_000,
                sale_price_minor: None,
                sale_end: None,
                cost_minor: Some(1_000 + (i64v * 7) % 30_000),
                quantity: Some(i64v % 90),
                category: None,
                salla_updated_at: Some("2026-11-20 09:00:00".into()),
                variants: None,
            }
        })
        .collect()
}

async fn push_all(db: &Db, seat: &Seat, link: &TeamLink) -> usize {
    let mut n = 0;
    let (mut read, mut send, mut record) = (0.0, 0.0, 0.0);
    loop {
        let t = Instant::now();
        let batch = db.pending_mutations(2000).await.expect("pending");
        read += t.elapsed().as_secs_f64();
        if batch.is_empty() {
            if n > 1 {
                println!("  (push phases: read outbox {read:.2} s, server {send:.2} s, record answers {record:.2} s)");
            }
            return n;
        }
        let t = Instant::now();
        let answers = seat.remote.push(&link.client_id, &batch).await.expect("push");
        send += t.elapsed().as_secs_f64();
        n += answers.len();
        let t = Instant::now();
        db.record_answers(&batch, &answers).await.expect("record");
        record += t.elapsed().as_secs_f64();
    }
}

async fn pull_all(db: &Db, seat: &Seat) -> usize {
    let mut n = 0;
    let (mut fetch, mut apply) = (0.0, 0.0);
    loop {
        let t = Instant::now();
        let since = db.pulled_seq().await.expect("cursor");
        let rows = seat.remote.pull(since, 5000).await.expect("pull");
        fetch += t.elapsed().as_secs_f64();
        let Some(last) = rows.last().map(|r| r.seq) else {
            if n > 1 {
                println!("  (pull phases: fetch {fetch:.2} s, apply {apply:.2} s)");
            }
            return n;
        };
        let t = Instant::now();
        let applied = db.apply_pulled(&rows, last, last, 0).await.expect("apply");
        apply += t.elapsed().as_secs_f64();
        assert!(!applied.deferred && applied.failed == 0, "{applied:?}");
        n += applied.rows;
    }
}

fn psql(url: &str, command: &str) {
    let out =
        Command::new("psql").arg(url).arg("-v").arg("ON_ERROR_STOP=1").arg("-qc").arg(command).output().expect("psql");
    assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
}

fn main() {
    let n: usize = std::env::var("SPO_BENCH_PRODUCTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let url = fresh_database().await;
        let owner = new_team(&url, "Bench").await;
        let manager = join(&owner, SeatRole::Manager, "Reader").await;
        let (a_dir, b_dir, plain_dir) =
            (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let products = catalogue(n);

        // Import without a team (no triggers), for the outbox's cost.
        let plain = Db::open(plain_dir.path().join("spo.sqlite3")).await.expect("open");
        let s = NewStore { salla_store_id: Some(98), name: "Plain".into(), domain: None, is_demo: false };
        let plain_store = plain.insert_store(&s).await.expect("store");
        let t = Instant::now();
        for chunk in products.chunks(5000) {
            plain.upsert_products(&plain_store, chunk).await.expect("import");
        }
        let import_plain = t.elapsed();

        let (a, a_link, store) = local::local_seat(&owner, a_dir.path(), Some("Bench")).await;
        push_all(&a, &owner, &a_link).await;
        let store = store.expect("store");
        let t = Instant::now();
        for chunk in products.chunks(5000) {
            a.upsert_products(&store, chunk).await.expect("import");
        }
        let import_team = t.elapsed();

        let t = Instant::now();
        let pushed = push_all(&a, &owner, &a_link).await;
        let push = t.elapsed();

        let (b, _b_link, _) = local::local_seat(&manager, b_dir.path(), None).await;
        let t = Instant::now();
        let pulled = pull_all(&b, &manager).await;
        let pull = t.elapsed();
        let on_b = b.list_stores().await.expect("stores");
        assert_eq!(on_b.len(), 1);

        // Baseline: the same rows, copied by psql into a table shaped like the team's.
        let csv = a_dir.path().join("rows.csv");
        let admin = admin_pool(&url).await;
        sqlx::query("CREATE TABLE spo.bench_copy (LIKE spo.rows INCLUDING DEFAULTS INCLUDING INDEXES)")
            .execute(&admin)
            .await
            .expect("copy table");
        psql(&url, &format!("\\copy (SELECT * FROM spo.rows WHERE tbl = 'products') TO '{}' CSV", csv.display()));
        let t = Instant::now();
        psql(&url, &format!("\\copy spo.bench_copy FROM '{}' CSV", csv.display()));
        let copy = t.elapsed();
        let copied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM spo.bench_copy").fetch_one(&admin).await.expect("count");
        admin.close().await;

        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        let rate = |k: usize, d: std::time::Duration| k as f64 / d.as_secs_f64();
        println!("team sync, {n} products (2 cores, PostgreSQL on loopback, SQLite synchronous=FULL)");
        println!("  import without a team:        {:>9.0} ms", ms(import_plain));
        println!(
            "  import with the outbox:       {:>9.0} ms  ({:.2}x: the triggers' cost)",
            ms(import_team),
            ms(import_team) / ms(import_plain)
        );
        println!("  push (seat A):                {:>9.0} ms  {pushed} changes, {:.0}/s", ms(push), rate(pushed, push));
        println!("  pull + apply (seat B):        {:>9.0} ms  {pulled} rows, {:.0}/s", ms(pull), rate(pulled, pull));
        println!("  psql \\copy of the same rows:  {:>9.0} ms  {copied} rows", ms(copy));
        println!("  push / copy:                  {:>9.2}x   (target: within 3x)", ms(push) / ms(copy));
        println!("  pull+apply / copy:            {:>9.2}x", ms(pull) / ms(copy));
    });
}
