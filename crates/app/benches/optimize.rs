//! Benchmark: one optimization run over 100,000 products with 5 competitor prices each, on a real
//! SQLite file. Prints the run's wall time (dry run: read, plan, report; recorded run: also records
//! every decision and the run), each phase (read, demand, plan, words, record), the peak memory of
//! each, and — measured in the same run, so the numbers mean something on a noisy machine — the
//! physical floor: a plain rusqlite scan of the same product columns, and sqlx's read of them.
//! Targets (2 cores): planning < 50 ms, dry run < 1 s, recorded run < 2 s, peak RSS < 300 MiB.
//! Run: `cargo bench -p spo-app --bench optimize`.

use std::sync::Arc;
use std::time::Instant;

use spo_app::{App, AppPaths};
use spo_store::{Db, ImportedProduct, NewStore};

const N: usize = 100_000;
const COMPETITORS: usize = 5;
const ORDER_DAYS: i64 = 180;
const ORDERS_PER_DAY: i64 = 3_000;

fn products() -> Vec<ImportedProduct> {
    let names = ["قهوة عربية", "تمر سكري", "عطر عود", "بخور", "عباية", "شماغ", "دلة", "سجادة", "عسل سدر", "زيت زيتون"];
    (0..N)
        .map(|i| ImportedProduct {
            salla_product_id: 1_000_000 + i as i64,
            name: format!("{} {}", names[i % names.len()], i),
            sku: Some(format!("SKU-{i:06}")),
            status: "sale".into(),
            currency: "SAR".into(),
            price_minor: 10_000 + (i as i64 * 37) % 50_000,
            sale_price_minor: None,
            sale_end: None,
            cost_minor: Some(4_000 + (i as i64 * 17) % 5_000),
            quantity: Some(10),
            category: Some(((i % 20) as i64, format!("فئة {}", i % 20))),
            salla_updated_at: None,
            variants: None,
        })
        .collect()
}

/// Peak resident memory since the last reset, in MiB (Linux; 0 elsewhere).
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .map_or(0, |kib| kib / 1024)
}

/// Resident memory now, in MiB (Linux; 0 elsewhere): what the process kept from earlier steps.
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .map_or(0, |kib| kib / 1024)
}

fn reset_peak() {
    // "5" resets the peak resident set size (Linux ≥ 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "spo_app=info".into()))
        .init();
    let tmp = tempfile::tempdir().expect("temp dir");
    // SPO_BENCH_KEEP=1 keeps the data folder afterwards (to look into the database).
    let dir = if std::env::var_os("SPO_BENCH_KEEP").is_some() {
        let kept = tmp.keep();
        eprintln!("keeping the bench's data folder: {}", kept.display());
        kept
    } else {
        tmp.path().to_path_buf()
    };
    let paths = AppPaths::new(dir.join("data"), dir.join("logs"));
    let started = Instant::now();
    let db = Db::open(&paths.db_path).await.expect("db");
    let store = db
        .insert_store(&NewStore { salla_store_id: Some(1), name: "bench".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    for chunk in products().chunks(10_000) {
        db.upsert_products(&store, chunk).await.expect("products");
    }
    db.close().await;
    // Listings and their latest observations, straight in SQL (5 per product).
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", paths.db_path.display())).await.expect("pool");
    let now = spo_store::now_text();
    for shop in 0..COMPETITORS {
        sqlx::query(
            "INSERT INTO competitor_listings (id, store_id, product_id, url, competitor_name, created_at, updated_at)
             SELECT lower(hex(randomblob(16))), store_id, id, 'https://shop' || ?1 || '.example/p/' || salla_product_id,
                    'shop' || ?1, ?2, ?2 FROM products",
        )
        .bind(shop as i64)
        .bind(&now)
        .execute(&pool)
        .await
        .expect("listings");
    }
    sqlx::query(
        "INSERT INTO price_observations (id, store_id, listing_id, observed_at, amount_minor, currency, availability,
           method, confidence, is_suspicious, created_at)
         SELECT lower(hex(randomblob(16))), l.store_id, l.id, ?1,
                p.price_minor * (90 + (abs(random()) % 20)) / 100, 'SAR', 'in_stock', 'json_ld', 0.95, 0, ?1
         FROM competitor_listings l JOIN products p ON p.id = l.product_id",
    )
    .bind(&now)
    .execute(&pool)
    .await
    .expect("observations");
    // What record_check keeps with each listing: its usable price.
    sqlx::query(
        "UPDATE competitor_listings SET (market_amount_minor, market_currency, market_observed_at) =
           (SELECT amount_minor, currency, observed_at FROM price_observations o WHERE o.listing_id = competitor_listings.id)",
    )
    .execute(&pool)
    .await
    .expect("market prices");
    // 180 days of orders: 3,000 one-line orders a day; 60 % of lines go to 1,000 best sellers, the
    // rest anywhere in the catalogue; prices moved ±10 % in 21-day periods.
    sqlx::query(
        "WITH RECURSIVE d(day) AS (SELECT 0 UNION ALL SELECT day + 1 FROM d WHERE day < ?3 - 1),
              k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < ?4 - 1)
         INSERT INTO orders (id, store_id, salla_order_id, status, ordered_at, currency, total_minor, created_at, updated_at)
         SELECT lower(hex(randomblob(16))), ?1, day * ?4 + n, 'completed',
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (day + 1) || ' days', '+' || (n % 600) || ' minutes'),
                'SAR', 0, ?2, ?2
         FROM d, k",
    )
    .bind(&store)
    .bind(&now)
    .bind(ORDER_DAYS)
    .bind(ORDERS_PER_DAY)
    .execute(&pool)
    .await
    .expect("orders");
    sqlx::query(
        "WITH pick AS MATERIALIZED (
           SELECT id, salla_order_id,
                  CASE WHEN abs(random()) % 10 < 6 THEN salla_order_id % 1000 ELSE abs(random()) % ?3 END AS idx,
                  (salla_order_id / ?4) / 21 % 5 AS level
           FROM orders WHERE store_id = ?1)
         INSERT INTO order_items (id, store_id, order_id, salla_item_id, product_id, sku, name, quantity, currency,
                                  unit_price_minor, created_at, updated_at)
         SELECT lower(hex(randomblob(16))), ?1, pick.id, pick.salla_order_id, p.id, p.sku, p.name,
                1 + abs(random()) % 3, 'SAR', p.price_minor * (90 + pick.level * 5) / 100, ?2, ?2
         FROM pick JOIN products p ON p.store_id = ?1 AND p.salla_product_id = 1000000 + pick.idx",
    )
    .bind(&store)
    .bind(&now)
    .bind(N as i64)
    .bind(ORDERS_PER_DAY)
    .execute(&pool)
    .await
    .expect("order lines");
    // The day summary an order import keeps (what the demand model reads).
    sqlx::query(
        "INSERT INTO daily_sales (id, store_id, product_id, day, units, revenue_minor, orders)
         SELECT o.store_id || '/' || i.product_id || '/' || d, o.store_id, i.product_id, d, sum(i.quantity),
                sum(i.quantity * i.unit_price_minor), count(DISTINCT o.id)
         FROM (SELECT id, store_id, CAST(julianday(ordered_at, '+3 hours') - 2440587.5 AS INTEGER) AS d
               FROM orders WHERE store_id = ?1) o
         JOIN order_items i ON i.order_id = o.id
         GROUP BY i.product_id, d",
    )
    .bind(&store)
    .execute(&pool)
    .await
    .expect("daily sales");
    pool.close().await;
    println!(
        "setup: {N} products, {} listings and prices, {} orders in {:.1} s",
        N * COMPETITORS,
        ORDER_DAYS * ORDERS_PER_DAY,
        started.elapsed().as_secs_f64()
    );

    // The floor, measured now: the same product columns read plainly with rusqlite, and with sqlx.
    let db = Db::open(&paths.db_path).await.expect("db");
    let t = Instant::now();
    let n = db.bench_plain_product_scan(&store).expect("plain scan");
    let floor = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let m = db.pricing_products(&store).await.expect("sqlx read").len();
    let sqlx_read = t.elapsed().as_secs_f64();
    db.close().await;
    println!(
        "floor: plain rusqlite scan of {n} products {:.1} ms; the same through sqlx {:.1} ms ({m} rows)",
        floor * 1e3,
        sqlx_read * 1e3
    );

    let app = App::open(paths, Arc::new(spo_secrets::MemoryStore::new())).await.expect("app");
    let rule = spo_ipc::RuleRequest {
        store_id: store.clone(),
        product: None,
        category: None,
        strategy: spo_ipc::StrategySpec::BeatLowestBps { bps: 100 },
        min_price: Some("1.00".into()),
        max_price: Some("100000.00".into()),
        min_margin_bps: Some(1_000),
        max_step_bps: None,
        max_daily_bps: None,
        cooldown_minutes: None,
        ending: spo_ipc::PriceEndingSpec::Cents95,
        live: true,
    };
    app.set_rule(rule.clone()).await.expect("rule");
    let profit = spo_ipc::RuleRequest { strategy: spo_ipc::StrategySpec::MaximizeProfit, ..rule };
    for (label, dry_run, set) in [
        ("beat lowest, dry run", true, None),
        ("beat lowest, dry run", true, None),
        ("beat lowest, recorded run", false, None),
        ("maximize profit, dry run", true, Some(profit)),
        ("maximize profit, dry run", true, None),
        ("maximize profit, recorded run", false, None),
    ] {
        if let Some(r) = set {
            app.set_rule(r).await.expect("profit rule");
            // The demand analyst's daily refresh: its own step after the orders import, never
            // inside a run.
            let t = Instant::now();
            app.refresh_demand(&store).await.expect("demand refresh");
            println!("demand refresh (after the orders import, once a day): {:.3} s", t.elapsed().as_secs_f64());
        }
        reset_peak();
        let before = rss_mib();
        let t = Instant::now();
        let report = app.optimize(&store, spo_ipc::RunKind::Manual, dry_run).await.expect("run");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{label}: {:.3} s, peak RSS {} MiB (resident before: {before} MiB) — {} products, {} decisions, {} products with a demand estimate, breaker: {}",
            secs,
            peak_mib(),
            report.products_seen,
            report.proposed,
            report.demand_estimated,
            report.breaker.as_deref().unwrap_or("no")
        );
        let phases: Vec<String> =
            report.phases.iter().map(|p| format!("{} {:.1} ms", p.name, p.micros as f64 / 1e3)).collect();
        println!("  phases: {}", phases.join(", "));
        if let Some(read) = report.phases.iter().find(|p| p.name == "read") {
            println!("  read ÷ plain scan floor: {:.1}×", read.micros as f64 / 1e6 / floor.max(1e-9));
        }
        for u in &report.unchanged {
            println!("  unchanged, {}: {}", u.reason, u.count);
        }
    }
}
