//! Competitor listings end to end: the demo server's competitor pages (JSON-LD, microdata, visible
//! Arabic text) fetched through the real fetcher, read by the real extractor, recorded with the
//! sanity check. Real SQLite; in-memory keychain.

mod common;

use std::sync::Arc;

use spo_app::{App, AppPaths};
use spo_salla_sim::{competitor_price, Sim, SimConfig};
use spo_secrets::MemoryStore;

async fn setup(allow_sim: bool) -> (tempfile::TempDir, App, Sim, String) {
    let mut cfg = SimConfig::demo(20);
    cfg.order_history_days = 0;
    cfg.store_id = 555;
    let sim = Sim::start(cfg).await.expect("sim");
    // nextest runs each test in its own process: the environment is this test's.
    std::env::set_var("SPO_FETCH_MIN_INTERVAL_MS", "10");
    if allow_sim {
        std::env::set_var("SPO_FETCH_ALLOW_HOSTS", sim.accounts_url().trim_start_matches("http://"));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::open(AppPaths::new(dir.path().join("data"), dir.path().join("logs")), Arc::new(MemoryStore::new()))
        .await
        .expect("open");
    let store = common::connect_pasted(&app, &sim).await;
    (dir, app, sim, store)
}

#[tokio::test]
async fn three_shops_three_markups_one_exact_price_each() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[1].clone();
    let base = competitor_price(&product, 0);
    for (shop, expected) in [("souq", base), ("bayt", base * 103 / 100), ("tamr", base * 97 / 100)] {
        let listing = app
            .add_listing(
                &store,
                &product.sku,
                &sim.competitor_url(shop, product.id),
                None,
                Some(product.sku.clone()),
                None,
            )
            .await
            .expect("add");
        let checked = app.check_listing(&store, &listing.id).await.expect("check");
        assert_eq!(checked.last_status.as_deref(), Some("ok"), "{shop}: {:?}", checked.last_error);
        assert_eq!(
            (checked.last_amount_minor, checked.last_currency.as_deref()),
            (Some(expected), Some("SAR")),
            "{shop}"
        );
        assert!(!checked.last_suspicious);
        // Unchanged page: a conditional request, no new observation.
        let again = app.check_listing(&store, &listing.id).await.expect("again");
        assert_eq!((again.last_status.as_deref(), again.last_amount_minor), (Some("not_modified"), Some(expected)));
    }
    assert_eq!(app.list_listings(&store).await.expect("list").len(), 3);
}

#[tokio::test]
async fn a_price_jump_waits_for_a_second_observation() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[2].clone();
    let url = sim.competitor_url("souq", product.id);
    let listing = app.add_listing(&store, &product.sku, &url, Some("سوق".into()), None, None).await.expect("add");
    assert_eq!(listing.competitor_name, "سوق");
    let base = competitor_price(&product, 0);
    for minor in [base, base + 100, base - 100] {
        sim.set_competitor_price("souq", product.id, minor);
        assert!(!app.check_listing(&store, &listing.id).await.expect("check").last_suspicious);
    }
    // -99 %: a misread, a typo or a real crash; not used until seen again.
    sim.set_competitor_price("souq", product.id, base / 100);
    let first = app.check_listing(&store, &listing.id).await.expect("check");
    assert!(first.last_suspicious, "{first:?}");
    sim.set_competitor_price("souq", product.id, base / 100 + 1);
    let second = app.check_listing(&store, &listing.id).await.expect("check");
    assert!(!second.last_suspicious, "confirmed by a second observation");
    // Or by the merchant.
    sim.set_competitor_price("souq", product.id, base * 3);
    let jump = app.check_listing(&store, &listing.id).await.expect("check");
    assert!(jump.last_suspicious && jump.last_evidence.as_deref().is_some_and(|e| e.contains("price")));
    let confirmed = app.confirm_listing_price(&store, &listing.id).await.expect("confirm");
    assert!(!confirmed.last_suspicious);
    assert!(app.confirm_listing_price(&store, &listing.id).await.is_err(), "nothing left to confirm");
}

#[tokio::test]
async fn failing_listings_come_first_with_a_reason() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[3].clone();
    let good = app
        .add_listing(&store, &product.sku, &sim.competitor_url("souq", product.id), None, None, None)
        .await
        .expect("add");
    let gone = app
        .add_listing(&store, &product.sku, &sim.competitor_url("nosuchshop", product.id), None, None, None)
        .await
        .expect("add");
    app.check_listing(&store, &good.id).await.expect("check");
    let failed = app.check_listing(&store, &gone.id).await.expect("a failure is recorded, not thrown");
    assert_eq!(failed.last_status.as_deref(), Some("page_gone"));
    let list = app.list_listings(&store).await.expect("list");
    assert_eq!(list[0].id, gone.id, "failing first");
    let err = app.add_listing(&store, "NO-SUCH-SKU", "https://example.com/p", None, None, None).await;
    assert!(err.is_err(), "only the store's own products");
    assert!(app.add_listing(&store, &product.sku, "ftp://example.com/p", None, None, None).await.is_err());
}

#[tokio::test]
async fn loopback_pages_are_refused_unless_the_host_is_allowed() {
    let (_dir, app, sim, store) = setup(false).await;
    let product = sim.config().products[1].clone();
    let url = sim.competitor_url("souq", product.id);
    let listing = app.add_listing(&store, &product.sku, &url, None, None, None).await.expect("add");
    let checked = app.check_listing(&store, &listing.id).await.expect("recorded");
    assert_eq!(checked.last_status.as_deref(), Some("forbidden_address"), "{:?}", checked.last_error);
    assert_eq!(checked.last_amount_minor, None);
    // The probe can allow one host for one call.
    let host = url.trim_start_matches("http://").split('/').next().expect("host").to_owned();
    let probe = app.probe_page(&url, Some(product.sku.clone()), Some(&host)).await.expect("probe");
    assert_eq!((probe.status.as_str(), probe.method.as_deref()), ("ok", Some("json_ld")));
    assert_eq!(probe.amount_minor, Some(competitor_price(&product, 0)));
    assert!(probe.evidence.as_deref().is_some_and(|e| e.contains("\"price\"")), "{:?}", probe.evidence);
}

#[tokio::test]
async fn csv_import_keeps_good_rows_reports_bad_ones_and_exports_back() {
    let (_dir, app, sim, store) = setup(true).await;
    let products = sim.config().products;
    let csv = format!(
        "product_sku,url,competitor_name,match_sku\n\
         {a},{ua},سوق الواحة,{a}\n\
         NOPE-1,https://example.com/x,,\n\
         {b},not a url,,\n\
         \"{b}\",\"{ub}\",\"بيت, القهوة\",\n",
        a = products[1].sku,
        ua = sim.competitor_url("souq", products[1].id),
        b = products[2].sku,
        ub = sim.competitor_url("bayt", products[2].id),
    );
    let report = app.import_listings_csv(&store, &csv).await.expect("import");
    assert_eq!(report.added, 2, "{report:?}");
    assert_eq!(report.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
    assert!(report.errors[0].message.contains("NOPE-1"), "{:?}", report.errors);
    for l in app.list_listings(&store).await.expect("list") {
        app.check_listing(&store, &l.id).await.expect("check");
    }
    let exported = app.export_listings_csv(&store).await.expect("export");
    assert!(exported.starts_with("product_sku,url,competitor_name,match_sku,css_selector,last_price"));
    assert!(exported.contains("\"بيت, القهوة\""), "{exported}");
    // The export imports again without errors (and without duplicates).
    let again = app.import_listings_csv(&store, &exported).await.expect("re-import");
    assert_eq!((again.added, again.errors.len()), (2, 0));
    assert_eq!(app.list_listings(&store).await.expect("list").len(), 2);
    let missing = app.import_listings_csv(&store, "sku,link\nA,B\n").await;
    assert!(missing.is_err(), "a file without the required columns is refused as a whole");
}
