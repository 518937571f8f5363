//! Storage tests: each test opens a fresh SQLite file in its own temp folder.

mod backup;
mod pricing_core;

use spo_domain::store::StoreStatus;
use spo_store::{Db, Error, NewStore};

async fn fresh() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path().join("nested").join("spo.sqlite3")).await.expect("open db");
    (dir, db)
}

#[tokio::test]
async fn pragmas_are_set_on_every_connection() {
    let (_dir, db) = fresh().await;
    // Ask several times concurrently so more than one pooled connection answers.
    let reports = futures_join(&db).await;
    for h in reports {
        assert_eq!(h.journal_mode, "wal", "WAL keeps readers off the writer's back");
        assert_eq!(h.synchronous, "full", "price intents must survive power loss (R14)");
        assert!(h.foreign_keys, "foreign keys must be enforced");
        assert!(h.busy_timeout_ms >= 5000, "busy_timeout {} < 5 s", h.busy_timeout_ms);
        assert_eq!(h.integrity, "ok");
    }
}

async fn futures_join(db: &Db) -> Vec<spo_store::DbHealth> {
    let mut handles = Vec::new();
    for _ in 0..4 {
        let db = db.clone();
        handles.push(tokio::spawn(async move { db.health().await.expect("health") }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("join"));
    }
    out
}

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_are_idempotent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("spo.sqlite3");
    let db = Db::open(&path).await.expect("first open");
    let h = db.health().await.expect("health");
    assert_eq!(h.schema_version, Db::latest_known_migration());
    assert_eq!(h.schema_name, "product screen indexes");
    assert!(h.size_bytes > 0);
    db.close().await;
    // Re-opening applies nothing new and keeps the data.
    let db = Db::open(&path).await.expect("second open");
    assert_eq!(db.health().await.expect("health").schema_version, Db::latest_known_migration());
}

#[tokio::test]
async fn settings_round_trip_with_audit() {
    let (_dir, db) = fresh().await;
    assert!(db.device_settings().await.expect("read").is_empty());
    db.put_device_settings(&[("ui.language", "en"), ("ui.theme", "dark")], "user:test").await.expect("write");
    db.put_device_settings(&[("ui.language", "ar")], "user:test").await.expect("overwrite");
    let got = db.device_settings().await.expect("read");
    assert_eq!(got, vec![("ui.language".into(), "ar".into()), ("ui.theme".into(), "dark".into())]);
    assert_eq!(db.count_audit("settings.updated").await.expect("count"), 2, "one audit row per change");
}

#[tokio::test]
async fn concurrent_writers_queue_instead_of_failing() {
    let (_dir, db) = fresh().await;
    let mut handles = Vec::new();
    for i in 0..8 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for j in 0..10 {
                let key = format!("k{i}.{j}");
                db.put_device_settings(&[(key.as_str(), "v")], "user:test").await?;
            }
            Ok::<_, Error>(())
        }));
    }
    for h in handles {
        h.await.expect("join").expect("BEGIN IMMEDIATE writers must not see SQLITE_BUSY");
    }
    assert_eq!(db.device_settings().await.expect("read").len(), 80);
}

#[tokio::test]
async fn stores_list_active_first_and_salla_id_is_unique() {
    let (_dir, db) = fresh().await;
    let a =
        NewStore {
            salla_store_id: Some(1), name: "متجر الورد".into(), domain: Some("ward.sa".into()), is_demo: false
        };
    db.insert_store(&a).await.expect("insert");
    db.insert_store(&NewStore { salla_store_id: None, name: "Demo".into(), domain: None, is_demo: true })
        .await
        .expect("insert demo");
    let first = db.list_stores().await.expect("list").into_iter().find(|s| s.name == "متجر الورد").expect("a").id;
    assert_eq!(db.insert_store(&a).await.expect("reconnect"), first, "the same Salla store keeps its row");
    let stores = db.list_stores().await.expect("list");
    assert_eq!(stores.len(), 2);
    assert_eq!(stores[0].name, "Demo");
    assert!(stores.iter().all(|s| s.status == StoreStatus::Active));
    assert!(stores.iter().all(|s| uuid_v7(&s.id)), "ids are UUIDv7");
}

fn uuid_v7(id: &str) -> bool {
    id.len() == 36 && id.as_bytes()[14] == b'7'
}

#[tokio::test]
async fn schema_enforces_its_rules() {
    let (_dir, db) = fresh().await;
    let pool = raw(&db).await;
    // Foreign keys: a product needs an existing store.
    let fk = sqlx_exec(
        &pool,
        "INSERT INTO products (id, store_id, salla_product_id, name, price_minor) VALUES ('p', 'missing', 1, 'x', 100)",
    )
    .await;
    assert!(fk.is_err(), "orphan product must be rejected");
    // Money is never negative where it is a price.
    sqlx_exec(&pool, "INSERT INTO stores (id, name) VALUES ('s', 'S')").await.expect("store");
    let neg = sqlx_exec(
        &pool,
        "INSERT INTO products (id, store_id, salla_product_id, name, price_minor) VALUES ('p', 's', 1, 'x', -1)",
    )
    .await;
    assert!(neg.is_err(), "negative price must be rejected");
    // Min above max is rejected.
    let rule = sqlx_exec(&pool, "INSERT INTO pricing_rules (id, store_id, scope, strategy, min_price_minor, max_price_minor) VALUES ('r', 's', 'store', 'hold', 200, 100)").await;
    assert!(rule.is_err(), "min > max must be rejected");
    // The audit log is append-only.
    sqlx_exec(&pool, "INSERT INTO audit_log (id, actor, action) VALUES ('a', 'system', 'test')").await.expect("append");
    let upd = sqlx_exec(&pool, "UPDATE audit_log SET action = 'changed' WHERE id = 'a'").await;
    let del = sqlx_exec(&pool, "DELETE FROM audit_log WHERE id = 'a'").await;
    assert!(upd.is_err() && del.is_err(), "audit rows can be neither changed nor deleted");
}

#[tokio::test]
async fn screen_queries_use_their_indexes() {
    let (_dir, db) = fresh().await;
    let pool = raw(&db).await;
    for (query, index) in [
        ("SELECT id FROM stores WHERE deleted_at IS NULL AND status = 'active' ORDER BY name", "idx_stores_active"),
        (
            "SELECT id FROM products WHERE store_id = 's' AND is_tracked = 1 AND deleted_at IS NULL ORDER BY name",
            "idx_products_tracked",
        ),
        ("SELECT id FROM optimization_runs WHERE store_id = 's' ORDER BY started_at DESC LIMIT 20", "idx_runs_recent"),
        (
            "SELECT id FROM decisions WHERE store_id = 's' AND status = 'proposed' ORDER BY created_at",
            "idx_decisions_queue",
        ),
        (
            "SELECT id FROM price_observations WHERE listing_id = 'l' ORDER BY observed_at DESC LIMIT 30",
            "idx_observations_listing",
        ),
        (
            "SELECT p.id FROM products p WHERE p.store_id = 's' AND p.deleted_at IS NULL
             ORDER BY p.name COLLATE NOCASE DESC, p.salla_product_id DESC LIMIT 200",
            "idx_products_name",
        ),
        (
            "SELECT p.id FROM products p WHERE p.store_id = 's' AND p.deleted_at IS NULL
             ORDER BY p.price_minor ASC, p.salla_product_id ASC LIMIT 200 OFFSET 400",
            "idx_products_price",
        ),
        (
            "SELECT p.id FROM products p WHERE p.store_id = 's' AND p.deleted_at IS NULL
               AND (p.name LIKE '%قهوة%' OR p.sku LIKE '%قهوة%')
             ORDER BY p.name COLLATE NOCASE ASC, p.salla_product_id ASC LIMIT 200",
            "COVERING INDEX idx_products_name",
        ),
        (
            "SELECT p.id FROM products p WHERE p.store_id = 's' AND p.deleted_at IS NULL
             ORDER BY (CASE WHEN p.price_minor > 0 AND p.cost_minor IS NOT NULL
                       THEN (p.price_minor - p.cost_minor) * 10000 / p.price_minor END) IS NULL,
                      (CASE WHEN p.price_minor > 0 AND p.cost_minor IS NOT NULL
                       THEN (p.price_minor - p.cost_minor) * 10000 / p.price_minor END) DESC,
                      p.salla_product_id DESC LIMIT 200",
            "idx_products_margin_desc",
        ),
    ] {
        let plan = explain(&pool, query).await;
        assert!(plan.contains(index), "{query}\nshould use {index}, plan was:\n{plan}");
    }
}

// --- helpers: raw access to the same file for schema-level assertions ---

async fn raw(db: &Db) -> sqlx::SqlitePool {
    use std::str::FromStr;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{}", db.path().display()))
        .expect("url")
        .foreign_keys(true);
    sqlx::SqlitePool::connect_with(opts).await.expect("raw pool")
}

async fn sqlx_exec(pool: &sqlx::SqlitePool, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(pool).await.map(|_| ())
}

async fn explain(pool: &sqlx::SqlitePool, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(pool).await.expect("explain");
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

fn imported(id: i64, name: &str, sku: &str, price: i64, category: Option<(i64, &str)>) -> spo_store::ImportedProduct {
    spo_store::ImportedProduct {
        salla_product_id: id,
        name: name.into(),
        sku: Some(sku.into()),
        status: "sale".into(),
        currency: "SAR".into(),
        price_minor: price,
        sale_price_minor: None,
        sale_end: None,
        cost_minor: Some(price / 2),
        quantity: Some(3),
        category: category.map(|(i, n)| (i, n.to_owned())),
        salla_updated_at: None,
        variants: None,
    }
}

fn variant(id: i64, sku: &str, price: i64) -> spo_store::ImportedVariant {
    spo_store::ImportedVariant {
        salla_variant_id: id,
        sku: Some(sku.into()),
        gtin: None,
        options_json: r#"[{"name":"المقاس","value":"M"}]"#.into(),
        currency: "SAR".into(),
        price_minor: price,
        sale_price_minor: None,
        cost_minor: Some(price / 2),
        quantity: Some(1),
    }
}

fn order(id: i64, status: &str, lines: &[(i64, &str, i64, i64)]) -> spo_store::ImportedOrder {
    spo_store::ImportedOrder {
        salla_order_id: id,
        reference: Some(format!("R{id}")),
        status: status.into(),
        ordered_at: spo_store::days_ago_text(2),
        currency: "SAR".into(),
        total_minor: lines.iter().map(|l| l.2 * l.3).sum(),
        items: lines
            .iter()
            .map(|&(item, sku, qty, unit)| spo_store::ImportedOrderItem {
                salla_item_id: item,
                sku: Some(sku.into()),
                name: sku.into(),
                quantity: qty,
                currency: "SAR".into(),
                unit_price_minor: unit,
            })
            .collect(),
    }
}

#[tokio::test]
async fn variants_orders_and_incremental_catalogue() {
    let (_dir, db) = fresh().await;
    let s = db
        .insert_store(&NewStore { salla_store_id: Some(9), name: "S".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    let other = db
        .insert_store(&NewStore { salla_store_id: Some(10), name: "O".into(), domain: None, is_demo: false })
        .await
        .expect("other");
    let mut abaya = imported(20, "عباية", "AB-1", 32_000, Some((4, "الأزياء")));
    abaya.variants = Some(vec![variant(200, "AB-1-1", 32_000), variant(201, "AB-1-2", 32_500)]);
    let coffee = imported(21, "قهوة", "CF-2", 4_500, None);
    let counts = db.upsert_products_counted(&s, &[abaya.clone(), coffee.clone()]).await.expect("upsert");
    assert_eq!((counts.changed, counts.unchanged, counts.variants_changed), (2, 0, 2));
    // The same SKU in another store must never be joined to this store's lines.
    db.upsert_products(&other, &[imported(21, "قهوة", "CF-2", 4_500, None)]).await.expect("other store");

    // Re-importing identical rows rewrites nothing; a dropped variant gets a tombstone.
    abaya.variants = Some(vec![variant(200, "AB-1-1", 32_000)]);
    let again = db.upsert_products_counted(&s, &[abaya, coffee.clone()]).await.expect("again");
    assert_eq!((again.changed, again.unchanged, again.variants_changed), (0, 2, 0));

    let counts = db
        .upsert_orders(
            &s,
            &[
                order(1, "completed", &[(11, "AB-1-1", 1, 32_000), (12, "CF-2", 3, 4_500)]),
                order(2, "canceled", &[(21, "CF-2", 5, 4_500)]),
                order(3, "completed", &[(31, "GONE-1", 1, 100)]),
            ],
        )
        .await
        .expect("orders");
    assert_eq!((counts.orders, counts.items, counts.unmatched), (3, 4, 1));
    let pool = raw(&db).await;
    let joined: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT i.sku, p.store_id, v.sku FROM order_items i
         LEFT JOIN products p ON p.id = i.product_id LEFT JOIN variants v ON v.id = i.variant_id
         WHERE i.store_id = ?1 ORDER BY i.salla_item_id",
    )
    .bind(&s)
    .fetch_all(&pool)
    .await
    .expect("join");
    assert_eq!(
        joined[0],
        ("AB-1-1".into(), Some(s.clone()), Some("AB-1-1".into())),
        "variant SKU → variant and product"
    );
    assert_eq!(joined[1], ("CF-2".into(), Some(s.clone()), None), "product SKU → this store's product");
    assert_eq!(joined[3], ("GONE-1".into(), None, None), "unknown SKU kept, unlinked");

    // Cancelled orders are not sales.
    let stats = db.sales_stats(&s, 30).await.expect("stats");
    assert_eq!((stats.orders, stats.units, stats.revenue_minor), (2, 5, 32_000 + 3 * 4_500 + 100));
    let (rows, _) = db.list_products(&s, "", 10, 0).await.expect("list");
    let coffee_row = rows.iter().find(|r| r.salla_product_id == 21).expect("coffee");
    assert_eq!((coffee_row.units_30d, coffee_row.variants), (3, 0));
    assert_eq!(rows.iter().find(|r| r.salla_product_id == 20).expect("abaya").variants, 1);

    // Re-importing an order (status changed) updates it in place.
    db.upsert_orders(&s, &[order(1, "canceled", &[(11, "AB-1-1", 1, 32_000), (12, "CF-2", 3, 4_500)])])
        .await
        .expect("update");
    assert_eq!(db.sales_stats(&s, 30).await.expect("stats").orders, 1);

    // A complete pass that no longer lists the abaya tombstones it.
    assert_eq!(db.finish_catalog_pass(&s, &[21]).await.expect("finish"), 1);
    let (rows, total) = db.list_products(&s, "", 10, 0).await.expect("list");
    assert_eq!((total, rows[0].salla_product_id), (1, 21));
    assert_eq!(db.list_products(&other, "", 10, 0).await.expect("other").1, 1, "the other store is untouched");

    db.set_orders_synced_through(&s, "2026-11-25").await.expect("set");
    assert_eq!(db.orders_synced_through(&s).await.expect("get").as_deref(), Some("2026-11-25"));
    assert_eq!(db.orders_synced_through(&other).await.expect("get"), None);
}

#[tokio::test]
async fn product_upserts_are_idempotent_and_scoped_to_their_store() {
    let (_dir, db) = fresh().await;
    let a = db
        .insert_store(&NewStore { salla_store_id: Some(1), name: "A".into(), domain: None, is_demo: false })
        .await
        .expect("a");
    let b = db
        .insert_store(&NewStore { salla_store_id: Some(2), name: "B".into(), domain: None, is_demo: false })
        .await
        .expect("b");
    let batch = vec![
        imported(10, "قهوة عربية 250 غ", "CF-1", 4_595, Some((7, "القهوة"))),
        imported(11, "Dates 1kg", "DT-1", 3_800, Some((8, "التمور"))),
        imported(12, "100% pure_oil", "OL-1", 6_900, None),
    ];
    assert_eq!(db.upsert_products(&a, &batch).await.expect("upsert"), 3);
    // Same Salla ids in another store are other products.
    db.upsert_products(&b, &batch[..1]).await.expect("upsert b");
    // Re-importing updates in place.
    let mut changed = batch[0].clone();
    changed.price_minor = 4_995;
    db.upsert_products(&a, &[changed]).await.expect("re-upsert");

    let (rows, total) = db.list_products(&a, "", 50, 0).await.expect("list a");
    assert_eq!(total, 3);
    let coffee = rows.iter().find(|r| r.salla_product_id == 10).expect("coffee");
    assert_eq!(coffee.price_minor, 4_995);
    assert_eq!(coffee.category.as_deref(), Some("القهوة"));
    let (rows_b, total_b) = db.list_products(&b, "", 50, 0).await.expect("list b");
    assert_eq!((total_b, rows_b[0].price_minor), (1, 4_595), "store B is untouched by store A's import");

    // Search by name (Arabic), by SKU, and LIKE metacharacters are literal.
    assert_eq!(db.list_products(&a, "قهوة", 50, 0).await.expect("search").1, 1);
    assert_eq!(db.list_products(&a, "dt-1", 50, 0).await.expect("search").1, 1);
    assert_eq!(db.list_products(&a, "100%", 50, 0).await.expect("search").1, 1);
    assert_eq!(db.list_products(&a, "_", 50, 0).await.expect("search").1, 1, "only the SKU-less oil has an underscore");
    assert_eq!(db.list_products(&a, "%", 50, 0).await.expect("search").1, 1);
    // Paging.
    let (page, total) = db.list_products(&a, "", 2, 2).await.expect("page");
    assert_eq!((page.len(), total), (1, 3));
}

#[tokio::test]
async fn disconnect_keeps_or_deletes_a_stores_data_and_only_that_stores() {
    let (_dir, db) = fresh().await;
    let new = |id, name: &str| NewStore { salla_store_id: Some(id), name: name.into(), domain: None, is_demo: false };
    let a = db.insert_store(&new(1, "A")).await.expect("a");
    let b = db.insert_store(&new(2, "B")).await.expect("b");
    let batch = vec![imported(10, "x", "X", 100, Some((1, "c")))];
    db.upsert_products(&a, &batch).await.expect("a products");
    db.upsert_products(&b, &batch).await.expect("b products");

    db.disconnect_store(&a, false).await.expect("disconnect, keep data");
    let stores = db.list_stores().await.expect("list");
    assert_eq!(stores.iter().find(|s| s.id == a).expect("a listed").status, StoreStatus::Disconnected);
    assert_eq!(db.list_products(&a, "", 10, 0).await.expect("a").1, 1, "data kept");

    // Reconnecting revives it; deleting removes its data and only its data.
    assert_eq!(db.insert_store(&new(1, "A")).await.expect("revive"), a);
    db.disconnect_store(&a, true).await.expect("disconnect and delete");
    assert!(db.list_stores().await.expect("list").iter().all(|s| s.id != a), "tombstoned");
    assert_eq!(db.list_products(&a, "", 10, 0).await.expect("a").1, 0);
    assert_eq!(db.list_products(&b, "", 10, 0).await.expect("b").1, 1, "store B untouched");
    assert!(matches!(db.disconnect_store(&a, true).await, Err(Error::NotFound)));
    assert_eq!(db.count_audit("store.disconnected").await.expect("audit"), 2);
}

#[tokio::test]
async fn products_filter_and_sort() {
    use spo_store::{ProductFilter, ProductSort};
    let (_dir, db) = fresh().await;
    let s = db
        .insert_store(&NewStore { salla_store_id: Some(1), name: "S".into(), domain: None, is_demo: false })
        .await
        .expect("s");
    let mut out = imported(3, "Cup", "C", 500, Some((2, "Home")));
    out.status = "out".into();
    out.quantity = None;
    let batch = vec![
        imported(1, "Beans", "B", 4_000, Some((1, "Coffee"))),
        imported(2, "Arabica", "A", 9_000, Some((1, "Coffee"))),
        out,
    ];
    db.upsert_products(&s, &batch).await.expect("upsert");
    let names = |rows: Vec<spo_store::ProductRow>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let q = |f: ProductFilter| {
        let db = db.clone();
        let s = s.clone();
        async move { db.query_products(&s, &f, 10, 0).await.expect("query") }
    };
    let (rows, total) = q(ProductFilter { sort: ProductSort::Price, descending: true, ..Default::default() }).await;
    assert_eq!((names(rows), total), (vec!["Arabica".to_owned(), "Beans".into(), "Cup".into()], 3));
    let (rows, total) = q(ProductFilter { category: Some("Coffee".into()), ..Default::default() }).await;
    assert_eq!((names(rows), total), (vec!["Arabica".to_owned(), "Beans".into()], 2));
    let (rows, _) = q(ProductFilter { status: Some("out".into()), ..Default::default() }).await;
    assert_eq!(names(rows), vec!["Cup".to_owned()]);
    // Unknown stock sorts last in both directions.
    let (rows, _) = q(ProductFilter { sort: ProductSort::Stock, ..Default::default() }).await;
    assert_eq!(rows.last().map(|r| r.name.as_str()), Some("Cup"));
    let (rows, _) = q(ProductFilter { sort: ProductSort::Stock, descending: true, ..Default::default() }).await;
    assert_eq!(rows.last().map(|r| r.name.as_str()), Some("Cup"));
    assert_eq!(db.product_categories(&s).await.expect("categories"), vec!["Coffee".to_owned(), "Home".into()]);
}

fn observation(at: &str, amount: Option<i64>) -> spo_store::NewObservation {
    spo_store::NewObservation {
        observed_at: at.into(),
        amount_minor: amount,
        currency: amount.map(|_| "SAR".into()),
        availability: Some(spo_store::Availability::InStock),
        method: Some(spo_store::Method::JsonLd),
        confidence: Some(0.95),
        evidence: Some("\"price\": \"45.00\"".into()),
        final_url: None,
        is_suspicious: false,
        vat_included: true,
        status: if amount.is_some() { spo_store::PageStatus::Ok } else { spo_store::PageStatus::NoPrice },
        error: None,
        etag: None,
        last_modified: None,
    }
}

#[tokio::test]
async fn retention_keeps_each_pages_last_price_and_history_reads_in_order() {
    let (_dir, db) = fresh().await;
    let s = db
        .insert_store(&NewStore { salla_store_id: Some(1), name: "A".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    db.upsert_products(&s, &[imported(10, "قهوة", "CF-1", 4_595, None)]).await.expect("upsert");
    let product = db.product_id_by_id_or_sku(&s, "CF-1").await.expect("product");
    let listing = |url: &str| spo_store::NewListing {
        product_id: product.clone(),
        variant_id: None,
        url: url.into(),
        competitor_name: "x".into(),
        match_kind: spo_store::MatchKind::Manual,
        match_key: None,
        css_selector: None,
    };
    let old_only = db.add_listing(&s, &listing("https://a.example/p")).await.expect("a");
    let mixed = db.add_listing(&s, &listing("https://b.example/p")).await.expect("b");
    let never = db.add_listing(&s, &listing("https://c.example/p")).await.expect("c");
    for (at, amount) in [("2025-01-01T00:00:00Z", Some(4_000)), ("2025-02-01T00:00:00Z", Some(4_100))] {
        db.record_check(&s, &old_only, &observation(at, amount), None).await.expect("obs");
    }
    for (at, amount) in [
        ("2025-01-01T00:00:00Z", Some(3_900)),
        ("2025-03-01T00:00:00Z", None),
        ("2026-11-01T00:00:00Z", Some(4_300)),
        ("2026-11-20T00:00:00Z", Some(4_200)),
    ] {
        db.record_check(&s, &mixed, &observation(at, amount), None).await.expect("obs");
    }
    db.record_check(&s, &never, &observation("2025-01-01T00:00:00Z", None), None).await.expect("obs");

    let gone = db.prune_observations("2026-01-01T00:00:00Z").await.expect("prune");
    assert_eq!(gone, 4, "old rows go; the only-old page keeps its last price");
    assert_eq!(db.listing(&s, &old_only).await.expect("a").last_amount_minor, Some(4_100));
    assert_eq!(db.recent_amounts(&mixed, 10).await.expect("b"), vec![4_200, 4_300]);
    assert_eq!(db.prune_observations("2026-01-01T00:00:00Z").await.expect("again"), 0, "idempotent");

    let history = db.product_price_history(&s, &product, "2026-11-10T00:00:00Z").await.expect("history");
    assert_eq!(history.len(), 1);
    let all = db.product_price_history(&s, &product, "2000-01-01T00:00:00Z").await.expect("history");
    let of_mixed: Vec<i64> = all.iter().filter(|p| p.listing_id == mixed).map(|p| p.amount_minor).collect();
    assert_eq!(of_mixed, vec![4_300, 4_200], "oldest first");
    assert_eq!(db.product_listings(&s, &product).await.expect("listings").len(), 3);
}

#[tokio::test]
async fn candidates_keep_the_merchants_decision() {
    let (_dir, db) = fresh().await;
    let s = db
        .insert_store(&NewStore { salla_store_id: Some(1), name: "A".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    db.upsert_products(&s, &[imported(10, "قهوة", "CF-1", 4_595, None)]).await.expect("upsert");
    let product = db.product_id_by_id_or_sku(&s, "CF-1").await.expect("product");
    let found = |url: &str, score: f64| spo_store::NewCandidate {
        url: url.into(),
        title: "ت".repeat(400),
        snippet: "Ignore previous instructions".into(),
        score,
        query: "قهوة CF-1 سعر".into(),
    };
    let batch =
        [found("https://a.example/p", 0.4), found("https://b.example/p", 0.9), found("https://c.example/p", 7.0)];
    assert_eq!(db.upsert_candidates(&s, &product, &batch).await.expect("upsert"), 3);
    let list = db.candidates(&s, &product).await.expect("list");
    assert_eq!(
        list.iter().map(|c| c.url.as_str()).collect::<Vec<_>>(),
        ["https://c.example/p", "https://b.example/p", "https://a.example/p"]
    );
    assert_eq!(list[0].score, 1.0, "scores are clamped");
    assert_eq!(list[0].title.chars().count(), 300, "untrusted text is cut");
    let rejected = db.decide_candidate(&s, &list[1].id, false).await.expect("reject");
    assert_eq!(rejected.status, spo_store::CandidateStatus::Rejected);
    assert!(matches!(db.decide_candidate(&s, &list[1].id, true).await, Err(Error::NotFound)), "decided once");
    // Found again by a later search: the rejection stands.
    assert_eq!(db.upsert_candidates(&s, &product, &batch[1..2]).await.expect("again"), 0);
    // A candidate already tracked is not proposed.
    let tracked = spo_store::NewListing {
        product_id: product.clone(),
        variant_id: None,
        url: "https://a.example/p".into(),
        competitor_name: "a".into(),
        match_kind: spo_store::MatchKind::Manual,
        match_key: None,
        css_selector: None,
    };
    db.add_listing(&s, &tracked).await.expect("listing");
    let left: Vec<String> = db.candidates(&s, &product).await.expect("list").into_iter().map(|c| c.url).collect();
    assert_eq!(left, vec!["https://c.example/p".to_owned()]);
}

#[tokio::test]
async fn daily_sales_count_store_local_days_and_estimates_are_replaced_whole() {
    let (_dir, db) = fresh().await;
    let s = db
        .insert_store(&NewStore { salla_store_id: Some(9), name: "S".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    db.upsert_products(&s, &[imported(21, "قهوة", "CF-2", 4_500, None)]).await.expect("product");
    let at = |when: &str, o: spo_store::ImportedOrder| spo_store::ImportedOrder { ordered_at: when.into(), ..o };
    db.upsert_orders(
        &s,
        &[
            // 21:30 UTC on the 24th is 00:30 on the 25th in Riyadh.
            at("2026-11-24T21:30:00.000Z", order(1, "completed", &[(11, "CF-2", 2, 4_500)])),
            at("2026-11-25T20:59:00.000Z", order(2, "delivered", &[(12, "CF-2", 1, 4_200)])),
            at("2026-11-25T21:00:00.000Z", order(3, "completed", &[(13, "CF-2", 1, 4_000)])),
            at("2026-11-25T10:00:00.000Z", order(4, "canceled", &[(14, "CF-2", 9, 1)])),
            at("2026-11-20T10:00:00.000Z", order(5, "completed", &[(15, "CF-2", 1, 4_500)])),
        ],
    )
    .await
    .expect("orders");
    let product = db.product_id_by_id_or_sku(&s, "CF-2").await.expect("product id");
    let sales = db.daily_sales(&s, 20_782).await.expect("sales");
    let got: Vec<(i64, i64, i64)> = sales.iter().map(|d| (d.day, d.units, d.revenue_minor)).collect();
    // 20 782 is 2026-11-25: the 20th is before the window, the cancelled order never counts.
    assert_eq!(got, [(20_782, 3, 13_200), (20_783, 1, 4_000)]);
    assert!(sales.iter().all(|d| d.product_id == product));

    let row = |e: Option<f64>, why: Option<&str>| spo_store::DemandRow {
        product_id: product.clone(),
        elasticity: e,
        std_error: e.map(|_| 0.2),
        days: 180,
        units: 900,
        price_low_minor: Some(4_000),
        price_high_minor: Some(4_500),
        untrusted: why.map(str::to_owned),
    };
    db.replace_demand_estimates(&s, &[row(Some(-2.0), None)]).await.expect("first");
    db.replace_demand_estimates(&s, &[row(None, Some("too_few_sales"))]).await.expect("second");
    assert_eq!(db.demand_estimates(&s).await.expect("read"), [row(None, Some("too_few_sales"))]);
    let bad = db.replace_demand_estimates(&s, &[row(None, None)]).await;
    assert!(bad.is_err(), "an estimate is a value or a reason");
    assert_eq!(db.demand_estimates(&s).await.expect("kept").len(), 1, "a failed refresh keeps the old estimates");
}

/// The day summary, recomputed from scratch from the raw orders (what an import must keep it
/// equal to): (id, units, revenue, orders) of the rows with sales.
async fn daily_sales_from_scratch(pool: &sqlx::SqlitePool) -> Vec<(String, i64, i64, i64)> {
    let day = "CAST(julianday(o.ordered_at, '+3 hours') - 2440587.5 AS INTEGER)";
    sqlx::query_as(&format!(
        "SELECT o.store_id || '/' || i.product_id || '/' || {day}, sum(i.quantity), sum(i.quantity * i.unit_price_minor),
                count(DISTINCT o.id)
         FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id AND p.currency = i.currency
         WHERE o.status NOT IN ('canceled', 'cancelled', 'refunded') AND i.quantity > 0 GROUP BY 1
         UNION ALL
         SELECT o.store_id || '/*/' || {day}, sum(i.quantity), sum(i.quantity * i.unit_price_minor), count(DISTINCT o.id)
         FROM orders o JOIN order_items i ON i.order_id = o.id
         WHERE o.status NOT IN ('canceled', 'cancelled', 'refunded') GROUP BY 1
         ORDER BY 1"
    ))
    .fetch_all(pool)
    .await
    .expect("from scratch")
}

async fn daily_sales_kept(pool: &sqlx::SqlitePool) -> Vec<(String, i64, i64, i64)> {
    sqlx::query_as(
        "SELECT id, units, revenue_minor, orders FROM daily_sales WHERE units <> 0 OR revenue_minor <> 0 OR orders <> 0
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("kept")
}

#[tokio::test]
async fn daily_sales_drop_to_zero_instead_of_disappearing_and_count_orders_once_a_day() {
    let (_dir, db) = fresh().await;
    let s = db
        .insert_store(&NewStore { salla_store_id: Some(9), name: "S".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    db.upsert_products(&s, &[imported(21, "قهوة", "CF-2", 4_500, None), imported(22, "هيل", "HL-1", 900, None)])
        .await
        .expect("products");
    let two_lines = order(1, "completed", &[(11, "CF-2", 2, 4_500), (12, "HL-1", 1, 900)]);
    db.upsert_orders(&s, std::slice::from_ref(&two_lines)).await.expect("orders");
    let pool = raw(&db).await;
    let total: (i64, i64, i64) = sqlx::query_as(
        "SELECT units, revenue_minor, orders FROM daily_sales WHERE store_id = ?1 AND product_id IS NULL",
    )
    .bind(&s)
    .fetch_one(&pool)
    .await
    .expect("total");
    assert_eq!(total, (3, 9_900, 1), "one order with two products is one order of the day");
    db.upsert_orders(&s, &[spo_store::ImportedOrder { status: "refunded".into(), ..two_lines }]).await.expect("refund");
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT units, orders FROM daily_sales ORDER BY id").fetch_all(&pool).await.expect("rows");
    assert_eq!(rows, [(0, 0); 3], "a refunded day keeps its rows at zero (on a team a delete would win for good)");
    assert_eq!(db.sales_stats(&s, 30).await.expect("stats").orders, 0);
}

#[test]
fn daily_sales_always_equal_a_recount_of_the_orders() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let statuses = ["completed", "canceled", "delivered", "refunded"];
    let skus = ["CF-2", "HL-1", "GONE-1"];
    // Batches of (order id, status, lines of (sku index, quantity, unit price)).
    let batch = proptest::collection::vec(
        (1i64..6, 0usize..4, proptest::collection::vec((0usize..3, 0i64..4, 1i64..5_000), 1..3)),
        1..4,
    );
    proptest!(ProptestConfig::with_cases(24), |(batches in proptest::collection::vec(batch, 1..5))| {
        rt.block_on(async {
            let (_dir, db) = fresh().await;
            let s = db
                .insert_store(&NewStore { salla_store_id: Some(9), name: "S".into(), domain: None, is_demo: false })
                .await
                .expect("store");
            db.upsert_products(&s, &[imported(21, "قهوة", "CF-2", 4_500, None), imported(22, "هيل", "HL-1", 900, None)])
                .await
                .expect("products");
            let pool = raw(&db).await;
            for b in &batches {
                let orders: Vec<_> = b
                    .iter()
                    .map(|(id, st, lines)| {
                        // Each order id keeps its day (Salla never moves an order); its lines get
                        // ids of their own so a re-import replaces them in place.
                        let lines: Vec<_> =
                            lines.iter().enumerate().map(|(k, &(sku, q, p))| (id * 10 + k as i64, skus[sku], q, p)).collect();
                        spo_store::ImportedOrder {
                            ordered_at: spo_store::days_ago_text(2 + id % 3),
                            ..order(*id, statuses[*st], &lines)
                        }
                    })
                    .collect();
                db.upsert_orders(&s, &orders).await.expect("orders");
                assert_eq!(daily_sales_kept(&pool).await, daily_sales_from_scratch(&pool).await);
            }
            pool.close().await;
        });
    });
}
