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

fn req(store: &str, product: &str, url: &str) -> spo_ipc::NewListingRequest {
    spo_ipc::NewListingRequest {
        store_id: store.into(),
        product: product.into(),
        url: url.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn three_shops_three_markups_one_exact_price_each() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[1].clone();
    let base = competitor_price(&product, 0);
    for (shop, expected) in [("souq", base), ("bayt", base * 103 / 100), ("tamr", base * 97 / 100)] {
        let listing = app
            .add_listing(spo_ipc::NewListingRequest {
                match_sku: Some(product.sku.clone()),
                ..req(&store, &product.sku, &sim.competitor_url(shop, product.id))
            })
            .await
            .expect("add");
        let checked = app.check_listing(&store, &listing.id).await.expect("check");
        assert_eq!(checked.last_status, Some(spo_ipc::PageStatus::Ok), "{shop}: {:?}", checked.last_error);
        assert_eq!(
            (checked.last_amount_minor, checked.last_currency.as_deref()),
            (Some(expected), Some("SAR")),
            "{shop}"
        );
        // A price read from the page's text alone waits for the merchant (see below).
        assert_eq!(checked.last_suspicious, shop == "tamr", "{shop}");
        // Unchanged page: a conditional request, no new observation.
        let again = app.check_listing(&store, &listing.id).await.expect("again");
        assert_eq!(
            (again.last_status, again.last_amount_minor),
            (Some(spo_ipc::PageStatus::NotModified), Some(expected))
        );
    }
    assert_eq!(app.list_listings(&store).await.expect("list").len(), 3);
}

#[tokio::test]
async fn a_price_read_from_the_page_text_alone_waits_for_the_merchant_once() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[3].clone();
    let base = competitor_price(&product, 0) * 97 / 100;
    let listing =
        app.add_listing(req(&store, &product.sku, &sim.competitor_url("tamr", product.id))).await.expect("add");
    let checked = app.check_listing(&store, &listing.id).await.expect("check");
    assert_eq!(checked.last_amount_minor, Some(base));
    assert!(checked.last_suspicious, "a lone reading of the visible text is shown, not used");
    // Reading it again adds no evidence: still waiting.
    sim.set_competitor_price("tamr", product.id, base + 100);
    let again = app.check_listing(&store, &listing.id).await.expect("again");
    assert!(again.last_suspicious, "the same page read the same way twice is not a confirmation");
    // The merchant confirms: from now on, readings of this page within the usual band are used.
    let confirmed = app.confirm_listing_price(&store, &listing.id).await.expect("confirm");
    assert!(!confirmed.last_suspicious);
    sim.set_competitor_price("tamr", product.id, base + 150);
    let later = app.check_listing(&store, &listing.id).await.expect("later");
    assert_eq!((later.last_amount_minor, later.last_suspicious), (Some(base + 150), false));
    // A jump on such a page waits again.
    sim.set_competitor_price("tamr", product.id, base * 2);
    let jump = app.check_listing(&store, &listing.id).await.expect("jump");
    assert!(jump.last_suspicious);
}

#[tokio::test]
async fn a_price_jump_waits_for_a_second_observation() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[2].clone();
    let url = sim.competitor_url("souq", product.id);
    let listing = app
        .add_listing(spo_ipc::NewListingRequest { name: Some("سوق".into()), ..req(&store, &product.sku, &url) })
        .await
        .expect("add");
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
    let good = app.add_listing(req(&store, &product.sku, &sim.competitor_url("souq", product.id))).await.expect("add");
    let gone =
        app.add_listing(req(&store, &product.sku, &sim.competitor_url("nosuchshop", product.id))).await.expect("add");
    app.check_listing(&store, &good.id).await.expect("check");
    let failed = app.check_listing(&store, &gone.id).await.expect("a failure is recorded, not thrown");
    assert_eq!(failed.last_status, Some(spo_ipc::PageStatus::PageGone));
    let list = app.list_listings(&store).await.expect("list");
    assert_eq!(list[0].id, gone.id, "failing first");
    let err = app.add_listing(req(&store, "NO-SUCH-SKU", "https://example.com/p")).await;
    assert!(err.is_err(), "only the store's own products");
    assert!(app.add_listing(req(&store, &product.sku, "ftp://example.com/p")).await.is_err());
}

#[tokio::test]
async fn loopback_pages_are_refused_unless_the_host_is_allowed() {
    let (_dir, app, sim, store) = setup(false).await;
    let product = sim.config().products[1].clone();
    let url = sim.competitor_url("souq", product.id);
    let listing = app.add_listing(req(&store, &product.sku, &url)).await.expect("add");
    let checked = app.check_listing(&store, &listing.id).await.expect("recorded");
    assert_eq!(checked.last_status, Some(spo_ipc::PageStatus::ForbiddenAddress), "{:?}", checked.last_error);
    assert_eq!(checked.last_amount_minor, None);
    // The probe can allow one host for one call.
    let host = url.trim_start_matches("http://").split('/').next().expect("host").to_owned();
    let probe = app.probe_page(&url, Some(product.sku.clone()), Some(&host)).await.expect("probe");
    assert_eq!((probe.status, probe.method), (spo_ipc::PageStatus::Ok, Some(spo_ipc::PriceMethod::JsonLd)));
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
    assert!(exported.starts_with("product_sku,url,competitor_name,match_sku,match_gtin,css_selector,last_price"));
    assert!(exported.contains("\"بيت, القهوة\""), "{exported}");
    // The export imports again without errors (and without duplicates).
    let again = app.import_listings_csv(&store, &exported).await.expect("re-import");
    assert_eq!((again.added, again.errors.len()), (2, 0));
    assert_eq!(app.list_listings(&store).await.expect("list").len(), 2);
    let missing = app.import_listings_csv(&store, "sku,link\nA,B\n").await;
    assert!(missing.is_err(), "a file without the required columns is refused as a whole");
}

#[tokio::test]
async fn the_settings_allow_list_opens_a_host_and_closes_it_again() {
    let (_dir, app, sim, store) = setup(false).await;
    let product = sim.config().products[1].clone();
    let url = sim.competitor_url("souq", product.id);
    let host = url.trim_start_matches("http://").split('/').next().expect("host").to_owned();
    let listing = app.add_listing(req(&store, &product.sku, &url)).await.expect("add");
    let patch =
        |hosts: Vec<String>| spo_ipc::CompetitorSettingsPatch { allowed_hosts: Some(hosts), ..Default::default() };

    let bad = app.update_competitor_settings(patch(vec![host.clone(), "not a host".into()])).await;
    assert_eq!(bad.expect_err("refused").code(), spo_ipc::ErrorCode::InvalidInput);
    assert!(app.competitor_settings().await.expect("settings").allowed_hosts.is_empty(), "nothing half-saved");

    let saved = app.update_competitor_settings(patch(vec![format!("http://{host}/whatever")])).await.expect("save");
    assert_eq!(saved.allowed_hosts, vec![host.clone()], "a pasted address is reduced to host:port");
    let checked = app.check_listing(&store, &listing.id).await.expect("check");
    assert_eq!(checked.last_status, Some(spo_ipc::PageStatus::Ok), "{:?}", checked.last_error);

    app.update_competitor_settings(patch(vec![])).await.expect("clear");
    sim.set_competitor_price("souq", product.id, 1_234);
    let refused = app.check_listing(&store, &listing.id).await.expect("check");
    assert_eq!(refused.last_status, Some(spo_ipc::PageStatus::ForbiddenAddress));

    // The list survives a restart.
    app.update_competitor_settings(patch(vec![host.clone()])).await.expect("save");
    let paths = app.paths().clone();
    app.close().await;
    let reopened = App::open(paths, Arc::new(MemoryStore::new())).await.expect("reopen");
    let again = reopened.check_listing(&store, &listing.id).await.expect("check");
    assert_eq!((again.last_status, again.last_amount_minor), (Some(spo_ipc::PageStatus::Ok), Some(1_234)));
}

#[tokio::test]
async fn retention_is_validated_and_prunes_old_prices() {
    let (_dir, app, _sim, _store) = setup(false).await;
    let days = |d: u32| spo_ipc::CompetitorSettingsPatch { retention_days: Some(d), ..Default::default() };
    assert_eq!(app.competitor_settings().await.expect("settings").retention_days, 365);
    for bad in [0, 29, 3651] {
        assert_eq!(
            app.update_competitor_settings(days(bad)).await.expect_err("range").code(),
            spo_ipc::ErrorCode::InvalidInput
        );
    }
    assert_eq!(app.update_competitor_settings(days(90)).await.expect("save").retention_days, 90);
    let empty = app.update_competitor_settings(spo_ipc::CompetitorSettingsPatch::default()).await;
    assert_eq!(empty.expect_err("empty").code(), spo_ipc::ErrorCode::InvalidInput);
    assert_eq!(app.prune_observations().await.expect("prune"), 0, "nothing old to delete");
}

#[tokio::test]
async fn discovery_proposes_pages_and_the_merchant_decides() {
    let (_dir, app, sim, store) = setup(true).await;
    std::env::set_var("SPO_TAVILY_URL", sim.tavily_url());
    let products = sim.config().products;
    let product = products[4].clone();
    let id = app
        .list_products(spo_ipc::ProductQuery {
            store_id: store.clone(),
            search: product.sku.clone(),
            limit: 5,
            ..Default::default()
        })
        .await
        .expect("products")
        .items[0]
        .id
        .clone();

    // No key yet: a clear refusal, no search sent.
    let page = app.product_competitors(&store, &id).await.expect("page");
    assert!(!page.discovery_available && page.listings.is_empty() && page.candidates.is_empty());
    let no_key = app.discover_competitors(&store, &id).await.expect_err("no key");
    assert_eq!(no_key.code(), spo_ipc::ErrorCode::InvalidInput);
    assert!(sim.tavily_queries().is_empty());

    // A wrong key: Tavily's refusal, told as a web-search error.
    let key = |k: &str| spo_ipc::CompetitorSettingsPatch { tavily_key: Some(k.into()), ..Default::default() };
    assert!(app.update_competitor_settings(key("tvly-wrong")).await.expect("save").tavily_key_set);
    let refused = app.discover_competitors(&store, &id).await.expect_err("wrong key");
    assert_eq!(refused.code(), spo_ipc::ErrorCode::WebSearch);
    assert!(refused.to_string().contains("API key"), "{refused}");

    app.update_competitor_settings(key(spo_salla_sim::DEMO_TAVILY_KEY)).await.expect("save");
    let report = app.discover_competitors(&store, &id).await.expect("discover");
    assert_eq!(report.queries.len(), 2);
    assert!(report.queries[0].contains(&product.sku) && report.queries[0].ends_with("سعر"), "{:?}", report.queries);
    assert!(report.queries[1].ends_with("price"));
    let page = app.product_competitors(&store, &id).await.expect("page");
    assert!(page.discovery_available);
    assert_eq!(page.candidates.len(), report.new_candidates as usize);
    let urls: Vec<&str> = page.candidates.iter().map(|c| c.url.as_str()).collect();
    // The SKU match ranks first; similar products' pages come after (the merchant rejects them).
    for (i, shop) in ["souq", "bayt", "tamr"].iter().enumerate() {
        assert_eq!(urls[i], sim.competitor_url(shop, product.id), "best first: {urls:?}");
    }
    let article = page.candidates.iter().find(|c| c.url.ends_with("/blog/best-coffee")).expect("article");
    assert!(article.snippet.contains("Ignore previous instructions"), "shown as text, nothing more");

    // Accept the first: it is tracked and checks like any listing; reject the article for good.
    app.decide_candidate(&store, &page.candidates[0].id, true).await.expect("accept");
    app.decide_candidate(&store, &article.id, false).await.expect("reject");
    assert_eq!(
        app.decide_candidate(&store, &article.id, true).await.expect_err("decided").code(),
        spo_ipc::ErrorCode::NotFound
    );
    let again = app.discover_competitors(&store, &id).await.expect("discover again");
    assert_eq!(again.new_candidates, 0, "decided pages are not proposed again");
    let page = app.product_competitors(&store, &id).await.expect("page");
    assert_eq!(page.candidates.len(), report.new_candidates as usize - 2, "bayt, tamr and the rest wait");
    assert_eq!(page.candidates[0].url, sim.competitor_url("bayt", product.id));
    assert_eq!(page.listings.len(), 1);
    let listing = &page.listings[0].listing;
    assert_eq!(listing.competitor_name, name_of(&listing.url));
    for minor in [5_000, 5_100] {
        sim.set_competitor_price("souq", product.id, minor);
        app.check_listing(&store, &listing.id).await.expect("check");
    }
    let page = app.product_competitors(&store, &id).await.expect("page");
    let history: Vec<i64> = page.listings[0].history.iter().map(|p| p.amount_minor).collect();
    assert_eq!(history, vec![5_000, 5_100], "oldest first");
    assert_eq!(page.product.sku.as_deref(), Some(product.sku.as_str()));

    // Tavily out of credits: said so.
    sim.set_tavily_status(Some(432));
    let quota = app.discover_competitors(&store, &id).await.expect_err("quota");
    assert!(quota.to_string().contains("credit limit"), "{quota}");
    // Forgetting the key.
    let cleared = spo_ipc::CompetitorSettingsPatch { clear_tavily_key: true, ..Default::default() };
    assert!(!app.update_competitor_settings(cleared).await.expect("clear").tavily_key_set);
}

fn name_of(url: &str) -> String {
    url::Url::parse(url).expect("url").host_str().expect("host").to_owned()
}

#[tokio::test]
async fn a_page_is_matched_by_sku_or_by_a_valid_gtin() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[3].clone();
    let url = sim.competitor_url("souq", product.id);
    let add = |sku: Option<&str>, gtin: Option<&str>| {
        app.add_listing(spo_ipc::NewListingRequest {
            match_sku: sku.map(Into::into),
            match_gtin: gtin.map(Into::into),
            ..req(&store, &product.sku, &url)
        })
    };
    assert_eq!(add(Some("X"), Some("4006381333931")).await.expect_err("both").code(), spo_ipc::ErrorCode::InvalidInput);
    let bad = add(None, Some("4006381333932")).await.expect_err("check digit");
    assert!(bad.to_string().contains("not a valid GTIN"), "{bad}");
    let listing = add(None, Some(" 4006381333931 ")).await.expect("gtin");
    assert_eq!((listing.match_kind, listing.match_key.as_deref()), (spo_ipc::MatchKind::Gtin, Some("4006381333931")));
    let csv = app.export_listings_csv(&store).await.expect("export");
    let header = csv.lines().next().expect("header");
    assert!(header.contains("match_sku,match_gtin"), "{header}");
    assert!(csv.lines().nth(1).expect("row").contains(",,4006381333931,"), "{csv}");
    let report = app
        .import_listings_csv(&store, &format!("product_sku,url,match_gtin\n{},{url},12345\n", product.sku))
        .await
        .expect("import");
    assert_eq!((report.added, report.errors.len()), (0, 1), "{report:?}");
}

#[tokio::test]
async fn a_first_price_far_below_ours_waits_and_a_one_halala_price_needs_the_merchant() {
    let (_dir, app, sim, store) = setup(true).await;
    let product = sim.config().products[3].clone();
    let url = sim.competitor_url("souq", product.id);
    // A new page whose very first price is 0.01: not believed, however often it repeats.
    sim.set_competitor_price("souq", product.id, 1);
    let listing = app.add_listing(req(&store, &product.sku, &url)).await.expect("add");
    for _ in 0..2 {
        let checked = app.check_listing(&store, &listing.id).await.expect("check");
        assert_eq!(checked.last_amount_minor, Some(1));
        assert!(checked.last_suspicious, "{checked:?}");
    }
    // A page at 0.00 shows no price at all.
    sim.set_competitor_price("souq", product.id, 0);
    let zero = app.check_listing(&store, &listing.id).await.expect("check");
    assert_ne!(zero.last_status, Some(spo_ipc::PageStatus::Ok), "{zero:?}");
    // A first price at a fifth of ours waits for a second reading, which confirms it.
    let other = sim.config().products[4].clone();
    sim.set_competitor_price("bayt", other.id, other.price_minor / 5);
    let l = app.add_listing(req(&store, &other.sku, &sim.competitor_url("bayt", other.id))).await.expect("add");
    assert!(app.check_listing(&store, &l.id).await.expect("check").last_suspicious);
    sim.set_competitor_price("bayt", other.id, other.price_minor / 5 + 1);
    assert!(!app.check_listing(&store, &l.id).await.expect("check").last_suspicious, "seen twice");
}

#[tokio::test]
async fn an_unterminated_quote_is_refused_with_its_line_and_formulas_never_leave_raw() {
    let (_dir, app, sim, store) = setup(true).await;
    let products = sim.config().products;
    let csv = format!(
        "product_sku,url,competitor_name\n\
         {a},{ua},\"سوق الواحة\n\
         {b},{ub},بيت القهوة\n\
         {c},{uc},تمر\n",
        a = products[1].sku,
        ua = sim.competitor_url("souq", products[1].id),
        b = products[2].sku,
        ub = sim.competitor_url("bayt", products[2].id),
        c = products[3].sku,
        uc = sim.competitor_url("tamr", products[3].id),
    );
    let report = app.import_listings_csv(&store, &csv).await.expect("import");
    assert_eq!(report.added, 0, "nothing is swallowed into one page: {report:?}");
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert_eq!(report.errors[0].line, 2, "{report:?}");
    assert!(report.errors[0].message.contains("not closed"), "{report:?}");

    // Export: a name or URL that a spreadsheet would run is neutralised, as in the data export.
    let good = format!(
        "product_sku,url,competitor_name\n{},{},=HYPERLINK(\"http://x\")\n",
        products[4].sku,
        sim.competitor_url("souq", products[4].id)
    );
    assert_eq!(app.import_listings_csv(&store, &good).await.expect("import").added, 1);
    let exported = app.export_listings_csv(&store).await.expect("export");
    assert!(exported.contains("'=HYPERLINK"), "{exported}");
    assert!(!exported.lines().any(|l| l.split(',').any(|c| c.trim_matches('"').starts_with('='))), "{exported}");
}
