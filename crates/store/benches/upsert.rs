//! Benchmark: importing 100,000 products into SQLite, against the `sqlite3` command-line tool
//! inserting the same rows in one transaction, and the Products screen's queries at that size.
//! Run: `cargo bench -p spo-store --bench upsert` (needs `sqlite3` on PATH). Prints numbers.

use std::process::Command;
use std::time::{Duration, Instant};

use spo_store::{Db, ImportedProduct, NewStore, ProductFilter, ProductSort};

const N: usize = 100_000;

fn products() -> Vec<ImportedProduct> {
    let names = ["قهوة عربية", "تمر سكري", "عطر عود", "بخور", "عباية", "شماغ", "دلة", "سجادة", "عسل سدر", "زيت زيتون"];
    (0..N)
        .map(|i| ImportedProduct {
            salla_product_id: 1_000_000 + i as i64,
            name: format!("{} {}", names[i % names.len()], i),
            sku: Some(format!("SKU-{i:06}")),
            status: if i % 23 == 0 { "out".into() } else { "sale".into() },
            currency: "SAR".into(),
            price_minor: 1_000 + (i as i64 * 37) % 50_000,
            sale_price_minor: None,
            sale_end: None,
            cost_minor: Some(500 + (i as i64 * 17) % 20_000),
            quantity: Some((i as i64 * 13) % 120),
            category: Some(((i % 20) as i64, format!("فئة {}", i % 20))),
            salla_updated_at: Some("2026-11-01 10:00:00".into()),
            variants: None,
        })
        .collect()
}

fn sql_text(v: &Option<String>) -> String {
    v.as_ref().map_or("NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

fn sql_int(v: Option<i64>) -> String {
    v.map_or("NULL".into(), |n| n.to_string())
}

/// The same rows for `sqlite3`: one transaction, same pragmas, same table and indexes.
fn sqlite3_script(rows: &[ImportedProduct]) -> String {
    let mut s = String::from(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;
         CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE products (id INTEGER PRIMARY KEY, store_id TEXT NOT NULL, salla_product_id INTEGER NOT NULL,
           category_id INTEGER REFERENCES categories (id), name TEXT NOT NULL, sku TEXT, status TEXT NOT NULL,
           currency TEXT NOT NULL, price_minor INTEGER NOT NULL, sale_price_minor INTEGER, cost_minor INTEGER,
           quantity INTEGER, salla_updated_at TEXT, UNIQUE (store_id, salla_product_id));
         CREATE INDEX idx_products_sku ON products (store_id, sku);
         CREATE INDEX idx_products_category ON products (store_id, category_id);
         BEGIN;\n",
    );
    for c in 0..20 {
        s.push_str(&format!("INSERT INTO categories VALUES ({c}, 'فئة {c}');\n"));
    }
    for p in rows {
        s.push_str(&format!(
            "INSERT INTO products (store_id, salla_product_id, category_id, name, sku, status, currency, price_minor,
               sale_price_minor, cost_minor, quantity, salla_updated_at)
             VALUES ('s', {}, {}, {}, {}, '{}', '{}', {}, {}, {}, {}, {});\n",
            p.salla_product_id,
            p.category.as_ref().map_or(0, |c| c.0),
            sql_text(&Some(p.name.clone())),
            sql_text(&p.sku),
            p.status,
            p.currency,
            p.price_minor,
            sql_int(p.sale_price_minor),
            sql_int(p.cost_minor),
            sql_int(p.quantity),
            sql_text(&p.salla_updated_at),
        ));
    }
    s.push_str("COMMIT;\n");
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn fresh_store(dir: &std::path::Path, name: &str) -> (Db, String) {
    let db = Db::open(&dir.join(format!("{name}.sqlite3"))).await.expect("open");
    let id = db
        .insert_store(&NewStore { salla_store_id: Some(1), name: name.into(), domain: None, is_demo: false })
        .await
        .expect("store");
    (db, id)
}

#[tokio::main]
async fn main() {
    let rows = products();
    let dir = tempfile::tempdir().expect("temp dir");

    // 1. Ours, one transaction (the same unit of work as the sqlite3 script).
    let (db, store) = fresh_store(dir.path(), "one-tx").await;
    let t = Instant::now();
    db.upsert_products_counted(&store, &rows).await.expect("upsert");
    let ours_one = t.elapsed();

    // 2. Ours, as an import writes: pages of 60, one transaction each.
    let (db_paged, store_paged) = fresh_store(dir.path(), "paged").await;
    let t = Instant::now();
    for page in rows.chunks(60) {
        db_paged.upsert_products_counted(&store_paged, page).await.expect("upsert page");
    }
    let ours_paged = t.elapsed();

    // 3. Re-import of an unchanged catalogue: nothing is rewritten.
    let t = Instant::now();
    let again = db.upsert_products_counted(&store, &rows).await.expect("again");
    let ours_unchanged = t.elapsed();
    assert_eq!(again.changed, 0);

    // 4. sqlite3 CLI, same rows, one transaction (script written beforehand, not timed).
    let script = dir.path().join("insert.sql");
    std::fs::write(&script, sqlite3_script(&rows)).expect("script");
    let target = dir.path().join("cli.sqlite3");
    let t = Instant::now();
    let status = Command::new("sqlite3")
        .arg(&target)
        .stdin(std::fs::File::open(&script).expect("open script"))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run sqlite3 (is it installed?)");
    let cli = t.elapsed();
    assert!(status.success());

    // 5. The Products screen's queries at 100,000 rows (median of 15).
    let mut queries = Vec::new();
    for (label, filter) in [
        ("first page, by name", ProductFilter::default()),
        ("by price, descending", ProductFilter { sort: ProductSort::Price, descending: true, ..Default::default() }),
        ("by margin", ProductFilter { sort: ProductSort::Margin, ..Default::default() }),
        ("search 'قهوة'", ProductFilter { search: "قهوة".into(), ..Default::default() }),
        (
            "category + out of stock",
            ProductFilter { category: Some("فئة 3".into()), status: Some("out".into()), ..Default::default() },
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let (page, _) = db.query_products(&store, &filter, 200, 0).await.expect("query");
            times.push(t.elapsed());
            assert!(!page.is_empty());
        }
        queries.push((label, median(times)));
    }

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("upsert of {N} products into SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE):");
    println!("  ours, one transaction:          {:>9.1} ms", ms(ours_one));
    println!("  sqlite3 CLI, one transaction:   {:>9.1} ms", ms(cli));
    println!("  ratio ours / sqlite3:           {:>9.2}", ours_one.as_secs_f64() / cli.as_secs_f64());
    println!("  ours, pages of 60 (as imported): {:>8.1} ms ({} transactions)", ms(ours_paged), N.div_ceil(60));
    println!("  ours, unchanged re-import:      {:>9.1} ms (0 rows rewritten)", ms(ours_unchanged));
    println!("Products screen queries at {N} rows (200-row page, median of 15):");
    for (label, d) in queries {
        println!("  {label:<28} {:>9.2} ms", ms(d));
    }
}
