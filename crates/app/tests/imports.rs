//! Catalogue and orders imports against the local Salla-compatible server: progress, incremental
//! runs, cancellation, fault storms and store isolation. Real SQLite; in-memory keychain.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use spo_app::{App, AppPaths};
use spo_ipc::{ErrorCode, IpcError, SyncPhase, SyncProgress};
use spo_salla_sim::{Faults, Sim, SimConfig};
use spo_secrets::MemoryStore;

struct Env {
    _dir: tempfile::TempDir,
    app: App,
    sim: Sim,
    store_id: String,
    db: std::path::PathBuf,
}

/// A store of `products` products with `days` of orders, connected with pasted tokens.
async fn connected(products: usize, days: i64) -> Env {
    let mut cfg = SimConfig::demo(products);
    cfg.order_history_days = days;
    cfg.store_id = 777;
    let sim = Sim::start(cfg).await.expect("sim");
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let db = paths.db_path.clone();
    let app = App::open(paths, Arc::new(MemoryStore::new())).await.expect("open");
    let store_id = common::connect_pasted(&app, &sim).await;
    Env { _dir: dir, app, sim, store_id, db }
}

async fn raw(path: &std::path::Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("raw pool")
}

async fn count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

fn recorder() -> (Arc<Mutex<Vec<SyncProgress>>>, impl Fn(SyncProgress) + Send + Sync) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p| sink.lock().expect("lock").push(p))
}

#[tokio::test]
async fn catalogue_with_variants_then_orders_then_incremental() {
    let env = connected(120, 60).await;
    let pool = raw(&env.db).await;
    assert_eq!(count(&pool, "SELECT count(*) FROM products").await, 120);
    // Every tenth product is an abaya in four sizes, every tenth a shemagh in two colours.
    assert_eq!(count(&pool, "SELECT count(*) FROM variants").await, 12 * 4 + 12 * 2);

    let (seen, progress) = recorder();
    let summary = env.app.sync_orders(&env.store_id, &progress).await.expect("orders");
    let orders = env.sim.orders();
    let lines: usize = orders.iter().map(|o| o.items.len()).sum();
    assert_eq!(summary.phase, SyncPhase::Orders);
    assert_eq!(summary.imported as usize, orders.len());
    assert_eq!(summary.order_lines as usize, lines);
    assert_eq!((summary.unmatched_lines, summary.skipped, summary.cancelled), (0, 0, false), "{summary:?}");
    assert_eq!(count(&pool, "SELECT count(*) FROM order_items WHERE product_id IS NULL").await, 0);
    assert!(count(&pool, "SELECT count(*) FROM order_items WHERE variant_id IS NOT NULL").await > 0, "variant SKUs");
    let events = seen.lock().expect("lock").clone();
    let last = events.last().expect("progress events");
    assert!(last.finished && last.done as usize == orders.len() && last.total == Some(last.done), "{last:?}");
    assert!(events.windows(2).all(|w| w[0].done <= w[1].done), "progress never goes back");

    // Units sold per product and the 30-day sales agree with the server's history.
    let sales = env.app.sales_summary(&env.store_id).await.expect("sales");
    assert!(sales.orders > 0 && sales.units >= sales.orders, "{sales:?}");
    assert!(sales.orders_synced_through.is_some());

    // Incremental: only the overlap window is fetched again, and a new order arrives.
    let template = orders.last().expect("an order").clone();
    env.sim.add_order(template);
    let before = env.sim.stats().api_requests;
    let again = env.app.sync_orders(&env.store_id, &|_| {}).await.expect("incremental");
    let requests = env.sim.stats().api_requests - before;
    assert!((again.imported as usize) < orders.len() / 4, "incremental, not a full import: {again:?}");
    assert!(requests < (orders.len() as u64) / 4, "{requests} requests for an incremental import");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await as usize, orders.len() + 1);

    // Catalogue again: nothing changed at Salla, nothing is rewritten.
    let cat = env.app.sync_catalog(&env.store_id, &|_| {}).await.expect("catalogue");
    assert_eq!((cat.imported, cat.unchanged, cat.removed, cat.variants), (0, 120, 0, 0), "{cat:?}");
}

#[tokio::test]
async fn a_cancelled_orders_import_keeps_whole_orders_and_resumes() {
    let env = connected(60, 90).await;
    env.sim.set_faults(Faults { latency: Duration::from_millis(15), ..Faults::default() });
    let total = env.sim.orders().len();
    let (seen, progress) = recorder();
    let app = env.app.clone();
    let store_id = env.store_id.clone();
    let seen_for_cancel = seen.clone();
    let canceller = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let done = seen_for_cancel.lock().expect("lock").last().map_or(0, |p| p.done);
            if done >= 25 {
                // A second import of the same store is refused while the first runs.
                let busy: IpcError = app.sync_orders(&store_id, &|_| {}).await.expect_err("busy").into();
                assert_eq!(busy.code, ErrorCode::Busy);
                assert!(app.cancel_sync(&store_id));
                return;
            }
        }
    });
    let summary = env.app.sync_orders(&env.store_id, &progress).await.expect("cancelled import ends cleanly");
    canceller.await.expect("canceller");
    assert!(summary.cancelled, "{summary:?}");
    let pool = raw(&env.db).await;
    let stored = count(&pool, "SELECT count(*) FROM orders").await as usize;
    assert!(stored >= 25 && stored < total, "{stored} of {total}");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)"
        )
        .await,
        0,
        "no order without its lines"
    );
    assert!(env.app.sales_summary(&env.store_id).await.expect("sales").orders_synced_through.is_none());
    assert!(!env.app.cancel_sync(&env.store_id), "nothing running any more");

    env.sim.set_faults(Faults::default());
    let resumed = env.app.sync_orders(&env.store_id, &|_| {}).await.expect("resume");
    assert!(!resumed.cancelled);
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await as usize, total);
}

#[tokio::test]
async fn a_fault_storm_ends_cleanly_with_nothing_half_written() {
    let env = connected(60, 60).await;
    let pool = raw(&env.db).await;
    // Every other answer fails: retries ride some of it out, then the import gives up cleanly.
    env.sim.set_faults(Faults {
        server_error_per_mille: 450,
        malformed_per_mille: 150,
        hang_per_mille: 0,
        latency: Duration::ZERO,
        hang: Duration::ZERO,
        ..Faults::default()
    });
    let mut failures = 0;
    for _ in 0..5 {
        match env.app.sync_orders(&env.store_id, &|_| {}).await {
            Ok(s) => assert!(!s.cancelled),
            Err(e) => {
                failures += 1;
                let e: IpcError = e.into();
                assert_eq!(e.code, ErrorCode::Salla, "{e:?}");
            }
        }
        assert_eq!(
            count(
                &pool,
                "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)"
            )
            .await,
            0
        );
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.expect("check");
        assert_eq!(integrity, "ok");
    }
    assert!(env.sim.stats().faults > 10, "the storm happened");
    eprintln!("{failures} of 5 imports gave up during the storm");
    env.sim.set_faults(Faults::default());
    env.app.sync_orders(&env.store_id, &|_| {}).await.expect("after the storm");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await as usize, env.sim.orders().len());
}

#[tokio::test]
async fn no_data_crosses_stores() {
    // Store A (pasted tokens) and the demo store share every SKU; A has orders, the demo store's
    // orders are not imported. Nothing of A may show up under the demo store, or the reverse.
    let env = connected(240, 30).await;
    env.app.sync_orders(&env.store_id, &|_| {}).await.expect("orders of A");
    let demo = env.app.connect_demo_store().await.expect("demo").store.id;
    let list = |store: &str| spo_ipc::ProductQuery {
        store_id: store.to_owned(),
        limit: 1000,
        sort: spo_ipc::ProductSort::Name,
        ..Default::default()
    };
    let a = env.app.list_products(list(&env.store_id)).await.expect("a");
    let d = env.app.list_products(list(&demo)).await.expect("demo");
    assert_eq!((a.total, d.total), (240, 240));
    assert!(a.items.iter().map(|p| p.units30d).sum::<u64>() > 0);
    assert_eq!(d.items.iter().map(|p| p.units30d).sum::<u64>(), 0, "A's sales never count for the demo store");
    let a_ids: std::collections::HashSet<_> = a.items.iter().map(|p| p.id.clone()).collect();
    assert!(d.items.iter().all(|p| !a_ids.contains(&p.id)));
    assert_eq!(env.app.sales_summary(&demo).await.expect("demo sales").orders, 0);
    let pool = raw(&env.db).await;
    let crossing = count(
        &pool,
        "SELECT count(*) FROM order_items i JOIN products p ON p.id = i.product_id WHERE p.store_id <> i.store_id",
    )
    .await;
    assert_eq!(crossing, 0);
}
