//! End-to-end: the real app binary in a real window (WebKitGTK under Xvfb), driven through
//! tauri-driver. Run by `scripts/e2e.sh`, which starts Xvfb, a private D-Bus session with an
//! unlocked gnome-keyring, and tauri-driver, and sets:
//!
//! * `TAURI_E2E_APP` — the app binary (required: this test fails rather than skips without it);
//! * `SPO_DATA_DIR` / `SPO_LOG_DIR` — a fresh data folder the app (and `spo`) use;
//! * `E2E_SPO_BIN` — the `spo` binary, to compare `spo doctor --json` with the screen;
//! * `E2E_ARTIFACTS` — where screenshots go (always on failure; per state on success).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this test through scripts/e2e.sh"))
}

async fn connect() -> Client {
    let app = env("TAURI_E2E_APP");
    let mut caps = serde_json::Map::new();
    caps.insert("tauri:options".into(), json!({ "application": app }));
    ClientBuilder::native()
        .capabilities(caps)
        .connect("http://127.0.0.1:4444")
        .await
        .expect("connect to tauri-driver on 127.0.0.1:4444")
}

async fn js(c: &Client, script: &str) -> Res<Value> {
    c.execute(script, vec![]).await.map_err(|e| format!("script {script:?}: {e:?}").into())
}

/// Polls `script` until it returns `expected` (as JSON) or 20 s pass.
async fn wait_js(c: &Client, script: &str, expected: Value) -> Res<()> {
    wait_js_for(c, script, expected, 20).await
}

async fn wait_js_for(c: &Client, script: &str, expected: Value, secs: u64) -> Res<()> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = js(c, script).await?;
        if got == expected {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{script} returned {got}, expected {expected}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> Res<String> {
    let el = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await;
    let el = el.map_err(|e| format!("waiting for {css}: {e:?}"))?;
    el.text().await.map_err(|e| format!("text of {css}: {e:?}").into())
}

async fn click(c: &Client, css: &str) -> Res<()> {
    let el = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await;
    let el = el.map_err(|e| format!("waiting for {css}: {e:?}"))?;
    // Centred first: scrolled only to a window edge, a button can sit under the fixed title bar
    // or a toast, and WebKit then refuses the click as not interactable.
    let quoted = serde_json::to_string(css)?;
    js(c, &format!("document.querySelector({quoted}).scrollIntoView({{ block: 'center' }}); return true")).await?;
    el.click().await.map_err(|e| format!("clicking {css}: {e:?}").into())
}

async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(std::env::var("E2E_ARTIFACTS").unwrap_or_else(|_| "artifacts".into()));
    let _ = std::fs::create_dir_all(&dir);
    // Let the last DOM change reach the screen: WebDriver snapshots what was last painted.
    let _ = c
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    match c.screenshot().await {
        Ok(png) => {
            let path = dir.join(format!("{name}.png"));
            if std::fs::write(&path, png).is_ok() {
                eprintln!("screenshot: {}", path.display());
            }
        }
        Err(e) => eprintln!("screenshot {name} failed: {e}"),
    }
}

/// Runs a scenario; on failure saves a screenshot before failing the test. Always closes the
/// session (tauri-driver allows one at a time).
async fn scenario<F>(name: &str, body: F)
where
    F: for<'a> FnOnce(&'a Client) -> std::pin::Pin<Box<dyn std::future::Future<Output = Res<()>> + 'a>>,
{
    use futures::FutureExt;
    let c = connect().await;
    // A failed assertion must still close the session, or every later test finds the driver busy.
    let result = match std::panic::AssertUnwindSafe(body(&c)).catch_unwind().await {
        Ok(r) => r,
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panicked".into())
            .into()),
    };
    if result.is_err() {
        screenshot(&c, &format!("{name}-failure")).await;
    }
    let _ = c.close().await;
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// Makes the second (non-demo) store the active one through the store switcher.
async fn switch_to_second_store(c: &Client) -> Res<()> {
    click(c, "#store-switcher").await?;
    let other = "[...document.querySelectorAll('#store-menu [role=menuitemradio]')].find(b => !b.querySelector('.badge--demo'))";
    js(c, &format!("{other}.click(); return true")).await?;
    wait_js(c, "return document.getElementById('active-store-name').textContent", json!("متجر النخبة")).await
}

async fn wait_ready(c: &Client) -> Res<()> {
    wait_js(c, "return document.getElementById('app-root')?.dataset.ready ?? null", json!("true")).await
}

#[tokio::test]
async fn shell_renders_and_language_switch_flips_direction() {
    scenario("language", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            // Arabic-first: a fresh install opens right-to-left.
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            assert_eq!(js(c, "return document.documentElement.lang").await?, json!("ar"));
            for slug in ["dashboard", "products", "competitors", "decisions", "runs", "settings", "diagnostics"] {
                c.find(Locator::Css(&format!("#nav-{slug}"))).await?;
            }
            assert_eq!(text_of(c, "#nav-diagnostics").await?, "التشخيص");
            screenshot(c, "dashboard-ar").await;

            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            assert_eq!(js(c, "return document.documentElement.lang").await?, json!("en"));
            assert_eq!(text_of(c, "#nav-diagnostics").await?, "Diagnostics");
            // The sidebar really moved: in LTR it sits at the left edge.
            let left = js(c, "return Math.round(document.querySelector('.sidebar').getBoundingClientRect().left)").await?;
            assert_eq!(left, json!(0), "sidebar on the left in English");
            screenshot(c, "dashboard-en").await;

            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            let right_gap = js(c, "return Math.round(window.innerWidth - document.querySelector('.sidebar').getBoundingClientRect().right)").await?;
            assert_eq!(right_gap, json!(0), "sidebar on the right in Arabic");
            Ok(())
        })
    })
    .await;
}

/// Salla id of the demo catalogue's most expensive product (the catalogue is deterministic).
fn highest_price_id() -> String {
    let mut products = spo_salla_sim::demo_catalog(240);
    products.sort_by_key(|p| std::cmp::Reverse((p.price_minor, -p.id)));
    products[0].id.to_string()
}

async fn row_count(c: &Client) -> Res<u64> {
    Ok(js(c, "return document.querySelectorAll('#products-table tbody tr').length").await?.as_u64().unwrap_or(0))
}

#[tokio::test]
async fn connect_dialog_offers_three_ways_and_validates() {
    scenario("connect-dialog", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            click(c, "#connect-store").await?;
            for tab in ["#connect-tab-app", "#connect-tab-tokens", "#connect-tab-demo"] {
                c.find(Locator::Css(tab)).await?;
            }
            assert_eq!(text_of(c, "#connect-redirect-url").await?, "http://127.0.0.1:8723/callback");
            screenshot(c, "connect-dialog-ar").await;
            // Pasting nothing is refused by the backend with a clear error, and nothing is stored.
            click(c, "#connect-tab-tokens").await?;
            click(c, "#connect-tokens-submit").await?;
            wait_js(c, "return document.querySelectorAll('.toast--error').length > 0", json!(true)).await?;
            assert!(text_of(c, ".toast--error").await?.contains("الطلب غير صالح"), "invalid input explained in Arabic");
            click(c, "#connect-close").await?;
            wait_js(c, "return document.getElementById('connect-dialog') === null", json!(true)).await?;
            assert!(text_of(c, "#active-store-name").await?.contains("لا يوجد متجر"), "still no store");
            Ok(())
        })
    })
    .await;
}

#[tokio::test]
async fn demo_store_connects_and_its_catalogue_appears() {
    scenario("demo-store", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            // Arabic-first fresh install: the dashboard offers the demo store.
            click(c, "#try-demo").await?;
            // The real OAuth flow against the local demo server, then the catalogue import.
            wait_js(c, "return document.querySelectorAll('#products-table tbody tr').length > 0", json!(true)).await?;
            assert_eq!(text_of(c, "#products-total").await?, "٢٤٠ منتج", "240 products imported, counted in Arabic digits");
            assert!(text_of(c, "#active-store-name").await?.contains("تجريبي"), "the switcher shows the demo store");
            // Connecting started the orders import; when it ends the table reloads from the first
            // page, so page on only after it (the bar gives way to the import buttons).
            wait_js(c, "return document.getElementById('import-bar')?.textContent ?? (document.getElementById('orders-sync') ? 'done' : 'no bar, no button')", json!("done")).await?;
            wait_js(c, "return document.querySelectorAll('#products-table tbody tr').length", json!(200)).await?;
            click(c, "#products-more").await?;
            wait_js(c, "return document.querySelectorAll('#products-table tbody tr').length", json!(240)).await?;
            let price = text_of(c, "#products-table tbody tr:first-child td:nth-child(4)").await?;
            assert!(price.ends_with("ر.س") && price.contains('٫'), "SAR in Arabic format: {price}");
            screenshot(c, "products-ar").await;
            // Connecting started the orders import (180 days of history): a progress bar with a
            // cancel button, then a summary.
            // (The bar gives way to the import buttons when it is done.)
            wait_js(c, "return document.getElementById('import-bar')?.textContent ?? (document.getElementById('orders-sync') ? 'done' : 'no bar, no button')", json!("done")).await?;
            // Sync again through the token manager and the same client: nothing changed at Salla.
            click(c, "#products-sync").await?;
            wait_js(c, "return [...document.querySelectorAll('.toast--ok')].some(t => t.textContent.includes('٢٤٠ دون تغيير'))", json!(true)).await?;
            // Sales now show per product.
            wait_js(c, "return [...document.querySelectorAll('#products-table tbody tr td:nth-child(8)')].some(td => td.textContent.trim() !== '٠')", json!(true)).await?;
            // Filter by status (11 demo products are out of stock), then sort by price.
            let choose = "const s = document.getElementById('products-status'); s.value = arguments[0]; s.dispatchEvent(new Event('change', {bubbles: true})); return true;";
            c.execute(choose, vec![json!("out")]).await?;
            wait_js(c, "return document.getElementById('products-total').textContent", json!("١١ منتج")).await?;
            assert_eq!(row_count(c).await?, 11);
            c.execute(choose, vec![json!("")]).await?;
            wait_js(c, "return document.getElementById('products-total').textContent", json!("٢٤٠ منتج")).await?;
            click(c, "#sort-price").await?;
            wait_js(c, "return document.getElementById('sort-price').parentElement.getAttribute('aria-sort')", json!("descending")).await?;
            wait_js(c, "return document.querySelector('#products-table tbody tr').dataset.sallaId", json!(highest_price_id())).await?;

            let search = c.find(Locator::Css("#products-search")).await?;
            search.send_keys("قهوة").await?;
            wait_js(c, "return [...document.querySelectorAll('#products-table tbody tr .table__name')].every(td => td.textContent.includes('قهوة')) && document.querySelectorAll('#products-table tbody tr').length === 48", json!(true)).await?;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            assert_eq!(text_of(c, "#products-total").await?, "48 products");
            screenshot(c, "products-en").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            Ok(())
        })
    })
    .await;
}

/// Tokens for the second store, obtained from the loopback Salla server by the real OAuth flow.
async fn second_store_tokens() -> (String, String) {
    let url = env("E2E_SIM_URL");
    let client =
        spo_salla::SallaClient::new(spo_salla::SallaUrls { accounts: url.clone(), api: format!("{url}/admin/v2") })
            .expect("client");
    let creds = spo_salla::ClientCredentials {
        client_id: env("E2E_SIM_CLIENT_ID"),
        client_secret: env("E2E_SIM_CLIENT_SECRET"),
    };
    let mut req = client.authorize(&creds.client_id, "http://127.0.0.1/demo-callback").expect("authorize url");
    let query = client.authorize_without_browser(&req).await.expect("consent");
    let code = req.accept_callback(&query).expect("callback");
    let tokens = client.exchange_code(&creds, &req, &code, 0).await.expect("exchange");
    (tokens.access_token, tokens.refresh_token.expect("refresh token"))
}

#[tokio::test]
async fn e2e_second_store_by_pasted_tokens_then_switch_stores() {
    scenario("two-stores", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            let (access, refresh) = second_store_tokens().await;
            click(c, "#connect-store").await?;
            click(c, "#connect-tab-tokens").await?;
            c.find(Locator::Css("#connect-access")).await?.send_keys(&access).await?;
            c.find(Locator::Css("#connect-refresh")).await?.send_keys(&refresh).await?;
            click(c, "#connect-tokens-submit").await?;
            // The new store becomes the active one, with its own catalogue; its orders import.
            wait_js(c, "return document.getElementById('active-store-name').textContent", json!("متجر النخبة")).await?;
            wait_js(c, "return document.getElementById('products-total')?.textContent", json!("٦٠ منتج")).await?;
            wait_js(c, "return !!document.getElementById('orders-sync') && !document.getElementById('import-bar')", json!(true)).await?;
            screenshot(c, "second-store-ar").await;
            // Switch to the demo store: its 240 products, not the other store's 60.
            click(c, "#store-switcher").await?;
            let demo = "[...document.querySelectorAll('#store-menu [role=menuitemradio]')].find(b => b.querySelector('.badge--demo'))";
            js(c, &format!("{demo}.click(); return true")).await?;
            wait_js(c, "return document.getElementById('products-total')?.textContent", json!("٢٤٠ منتج")).await?;
            assert!(text_of(c, "#active-store-name").await?.contains("تجريبي"));
            // Dashboard sales follow the active store.
            click(c, "#nav-dashboard").await?;
            wait_js(c, "return !!document.getElementById('kpi-orders') && document.getElementById('kpi-orders').textContent !== '٠'", json!(true)).await?;
            let demo_orders = text_of(c, "#kpi-orders").await?;
            switch_to_second_store(c).await?;
            wait_js(c, &format!("return document.getElementById('kpi-orders')?.textContent !== '{demo_orders}'"), json!(true)).await?;
            screenshot(c, "dashboard-sales-ar").await;
            Ok(())
        })
    })
    .await;
}

/// An amount as the Arabic UI writes it: Arabic-Indic digits, U+066C thousands, U+066B decimals.
fn arabic_money(minor: i64) -> String {
    let int = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push('\u{066C}');
        }
        grouped.push(c);
    }
    let ascii = format!("{grouped}\u{066B}{:02}", minor % 100);
    ascii.chars().map(|c| c.to_digit(10).and_then(|d| char::from_u32(0x0660 + d)).unwrap_or(c)).collect()
}

#[tokio::test]
async fn e2e_third_a_competitor_page_is_tracked_and_read() {
    scenario("competitors", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            switch_to_second_store(c).await?;
            click(c, "#nav-competitors").await?;
            let product = spo_salla_sim::demo_catalog(60)[1].clone();
            let page = format!("{}/competitors/souq/{}", env("E2E_SIM_URL"), product.id);
            c.find(Locator::Css("#listing-sku")).await?.send_keys(&product.sku).await?;
            c.find(Locator::Css("#listing-url")).await?.send_keys(&page).await?;
            click(c, "#listing-add").await?;
            wait_js(c, "return document.querySelectorAll('#listings-table tbody tr').length", json!(1)).await?;
            assert!(
                text_of(c, "#listings-table tbody tr").await?.contains("لم يُفحص بعد"),
                "not checked yet, in Arabic"
            );
            click(c, "#listings-table .listing-check").await?;
            wait_js(c, "return document.querySelector('#listings-table tbody tr').dataset.status", json!("ok")).await?;
            let price = text_of(c, "#listings-table .listing-price").await?;
            let expected = arabic_money(spo_salla_sim::competitor_price(&product, 0));
            assert!(price.contains(&expected) && price.contains("ر.س"), "{price} should show {expected}");
            screenshot(c, "competitors-ar").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            assert!(text_of(c, "#listings-table tbody tr").await?.contains("Price read"));
            screenshot(c, "competitors-en").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            Ok(())
        })
    })
    .await;
}

/// Closes every toast (they sit over the page's corner until they time out).
async fn dismiss_toasts(c: &Client) -> Res<()> {
    js(c, "document.querySelectorAll('.toast button').forEach(b => b.click()); return true").await?;
    wait_js(c, "return document.querySelectorAll('.toast').length", json!(0)).await
}

/// Sets what the simulator's competitor charges (its test hook), as a merchant's competitor would.
async fn set_competitor_price(shop: &str, product_id: i64, minor: i64) {
    let url = format!("{}/_sim/competitors/{shop}/{product_id}", env("E2E_SIM_URL"));
    let resp = reqwest::Client::new().put(url).body(minor.to_string()).send().await.expect("sim reachable");
    assert_eq!(resp.status().as_u16(), 204, "the simulator took the price");
}

#[tokio::test]
async fn e2e_third_b_discovery_and_the_product_page() {
    scenario("product-page", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            switch_to_second_store(c).await?;
            // Settings → Competitors: the Tavily key goes to the keychain; the screen only learns it is set.
            click(c, "#nav-settings").await?;
            c.wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("#tavily-key-input"))
                .await?
                .send_keys(spo_salla_sim::DEMO_TAVILY_KEY)
                .await?;
            click(c, "#tavily-key-save").await?;
            wait_js(c, "return !!document.getElementById('tavily-key-state')", json!(true)).await?;
            assert!(!js(c, "return document.body.innerHTML")
                .await?
                .to_string()
                .contains(spo_salla_sim::DEMO_TAVILY_KEY));
            c.find(Locator::Css("#allowed-host-input")).await?.send_keys("not a host").await?;
            click(c, "#allowed-host-add").await?;
            wait_js(c, "return !!document.querySelector('.toast--error')", json!(true)).await?;
            c.find(Locator::Css("#allowed-host-input")).await?.clear().await?;
            c.find(Locator::Css("#allowed-host-input")).await?.send_keys("192.168.50.5:8080").await?;
            click(c, "#allowed-host-add").await?;
            wait_js(c, "return document.querySelectorAll('#allowed-hosts .chip').length", json!(1)).await?;
            dismiss_toasts(c).await?;
            js(c, "document.getElementById('settings-competitors').scrollIntoView(); return true").await?;
            screenshot(c, "settings-competitors-ar").await;
            click(c, "#set-theme-dark").await?;
            wait_js(c, "return document.documentElement.dataset.theme", json!("dark")).await?;
            screenshot(c, "settings-competitors-ar-dark").await;
            click(c, "#set-theme-system").await?;
            dismiss_toasts(c).await?;
            // Settings → Language model: an OpenAI-compatible server (the simulator's), no key.
            let field = |css: &'static str, text: String| async move {
                let el = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
                el.clear().await?;
                el.send_keys(&text).await?;
                Res::Ok(())
            };
            field("#llm-base-url", format!("{}/llm/v1", env("E2E_SIM_URL"))).await?;
            field("#llm-model", "sim-1".into()).await?;
            click(c, "#llm-save").await?;
            wait_js(c, "return !!document.getElementById('llm-off')", json!(true)).await?;
            dismiss_toasts(c).await?;
            js(c, "document.getElementById('settings-llm').scrollIntoView(); return true").await?;
            screenshot(c, "settings-llm-ar").await;

            // A product's page from the Products screen: no pages tracked yet; search the web.
            let product = spo_salla_sim::demo_catalog(60)[2].clone();
            click(c, "#nav-products").await?;
            c.wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("#products-search"))
                .await?
                .send_keys(&product.sku)
                .await?;
            wait_js(c, "return document.querySelectorAll('#products-table tbody tr').length", json!(1)).await?;
            click(c, "#products-table .product-link").await?;
            wait_js(c, "return !!document.getElementById('page-product')", json!(true)).await?;
            assert!(text_of(c, "#page-product h1").await?.contains(&product.name));
            click(c, "#discover").await?;
            wait_js(c, "return document.querySelectorAll('#candidates .candidate').length > 3", json!(true)).await?;
            let souq = format!("{}/competitors/souq/{}", env("E2E_SIM_URL"), product.id);
            let first =
                js(c, "return document.querySelector('#candidates .candidate .listing-url').textContent").await?;
            assert_eq!(first, json!(souq), "the SKU match ranks first");
            // The language model judged every page found (the article that tries to instruct it
            // is "different").
            wait_js(
                c,
                "return document.querySelectorAll('#candidates .candidate').length === document.querySelectorAll('#candidates .candidate-advice').length",
                json!(true),
            )
            .await?;
            dismiss_toasts(c).await?;
            js(c, "document.getElementById('discovery').scrollIntoView(); return true").await?;
            screenshot(c, "product-candidates-ar").await;
            let before = js(c, "return document.querySelectorAll('#candidates .candidate').length").await?;
            // The last one (a similar product's page) is not a match.
            js(c, "[...document.querySelectorAll('#candidates .candidate-reject')].pop().click(); return true").await?;
            wait_js(
                c,
                "return document.querySelectorAll('#candidates .candidate').length",
                json!(before.as_u64().unwrap_or(0) - 1),
            )
            .await?;
            dismiss_toasts(c).await?;
            click(c, "#candidates .candidate-accept").await?;
            wait_js(c, "return document.querySelectorAll('#product-listings .product-listing').length", json!(1))
                .await?;
            // Two checks with a price change between them draw the trend.
            click(c, "#product-listings .listing-check").await?;
            wait_js(
                c,
                "return document.querySelector('#product-listings .product-listing').dataset.status",
                json!("ok"),
            )
            .await?;
            let base = spo_salla_sim::competitor_price(&product, 0);
            set_competitor_price("souq", product.id, base + base / 20).await;
            click(c, "#product-listings .listing-check").await?;
            wait_js(c, "return !!document.querySelector('#product-listings .sparkline polyline')", json!(true)).await?;
            let price = text_of(c, "#product-listings .listing-price").await?;
            assert!(price.contains(&arabic_money(base + base / 20)), "{price}");
            assert!(text_of(c, "#product-lowest").await?.contains(&arabic_money(base + base / 20)));
            // The price history: our price (flat so far) and the competitor page's two readings.
            wait_js(c, "return !!document.querySelector('#price-chart polyline.price-chart__ours')", json!(true))
                .await?;
            wait_js(c, "return document.querySelectorAll('#price-chart .price-chart__legend li').length", json!(2))
                .await?;
            // The product's own rule: maximize profit, inside a minimum and a maximum (dry run).
            assert!(!text_of(c, "#product-rule-inherits").await?.is_empty());
            // Chosen the way the select reports it (clicking an <option> opens WebKitGTK's native
            // popup menu, which WebDriver does not drive reliably under Xvfb).
            js(
                c,
                "const s = document.getElementById('prule-strategy'); s.value = 'maximize_profit'; \
                 s.dispatchEvent(new Event('change', { bubbles: true })); return true",
            )
            .await?;
            wait_js(c, "return document.getElementById('prule-strategy').value", json!("maximize_profit")).await?;
            let field = |css: &'static str, text: &'static str| async move {
                let el = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
                el.clear().await?;
                el.send_keys(text).await?;
                Res::Ok(())
            };
            field("#prule-min", "1.00").await?;
            field("#prule-max", "100000.00").await?;
            click(c, "#prule-save").await?;
            wait_js(c, "return !!document.querySelector('.toast--ok')", json!(true)).await?;
            wait_js(c, "return !document.getElementById('product-rule-inherits')", json!(true)).await?;
            assert!(text_of(c, "#product-rule").await?.contains("يتعلم من طلباتك"), "the profit rule explains itself");
            dismiss_toasts(c).await?;
            js(c, "window.scrollTo(0, 0); document.querySelector('.content, main')?.scrollTo?.(0, 0); return true").await?;
            screenshot(c, "product-page-ar").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            assert!(text_of(c, "#discovery").await?.contains("Find competitor pages on the web"));
            screenshot(c, "product-page-en").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            click(c, "#product-back").await?;
            wait_js(c, "return !!document.getElementById('products-table')", json!(true)).await?;
            // The model goes off again: the decisions scenario reads the rules' own words.
            click(c, "#nav-settings").await?;
            click(c, "#llm-off").await?;
            wait_js(c, "return !document.getElementById('llm-off')", json!(true)).await?;
            Ok(())
        })
    })
    .await;
}

#[tokio::test]
async fn e2e_third_c_decisions_are_approved_applied_and_rolled_back() {
    scenario("decisions", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            switch_to_second_store(c).await?;
            click(c, "#nav-decisions").await?;
            // The store rule: beat the lowest competitor by 1 %, between 1 and 100 000 riyals.
            let field = |css: &'static str, text: &'static str| async move {
                let el = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
                el.clear().await?;
                el.send_keys(text).await?;
                Res::Ok(())
            };
            field("#rule-param", "1").await?;
            field("#rule-min", "1.00").await?;
            field("#rule-max", "100000.00").await?;
            click(c, "#rule-save").await?;
            wait_js(c, "return !!document.querySelector('.toast--ok')", json!(true)).await?;
            dismiss_toasts(c).await?;
            click(c, "#run-optimizer").await?;
            wait_js(c, "return !!document.getElementById('last-run')", json!(true)).await?;
            // The two products with competitor prices get proposals that wait (the rule is in dry run).
            wait_js(
                c,
                "return document.querySelectorAll('#decisions-table tbody tr[data-status=proposed]').length",
                json!(2),
            )
            .await?;
            let why = text_of(c, "#decisions-table .decision-why").await?;
            assert!(why.contains("المنافس") && why.contains("قبل الضريبة"), "the reason in Arabic, VAT said: {why}");
            screenshot(c, "decisions-ar").await;
            click(c, "#select-all").await?;
            click(c, "#approve-selected").await?;
            wait_js(c, "return document.querySelectorAll('#decisions-table tbody tr').length", json!(0)).await?;
            // The kill switch stops the apply.
            click(c, "#kill-switch").await?;
            wait_js(
                c,
                "return !!document.getElementById('kill-banner') && document.getElementById('apply-approved').disabled",
                json!(true),
            )
            .await?;
            screenshot(c, "decisions-kill-switch-ar").await;
            click(c, "#kill-switch").await?;
            wait_js(
                c,
                "return !document.getElementById('kill-banner') && !document.getElementById('apply-approved').disabled",
                json!(true),
            )
            .await?;
            click(c, "#apply-approved").await?;
            wait_js(c, "return !!document.querySelector('.toast--ok')", json!(true)).await?;
            dismiss_toasts(c).await?;
            click(c, "#filter-applied").await?;
            wait_js(
                c,
                "return document.querySelectorAll('#decisions-table tbody tr[data-status=applied]').length",
                json!(2),
            )
            .await?;
            // Roll one back: its old price returns through the same path.
            click(c, "#decisions-table .decision-rollback").await?;
            click(c, "#filter-all").await?;
            wait_js(
                c,
                "return document.querySelectorAll('#decisions-table tbody tr[data-status=rolled_back]').length",
                json!(1),
            )
            .await?;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            assert!(text_of(c, "#page-decisions").await?.contains("Rolled back"));
            screenshot(c, "decisions-en").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;

            // The Runs screen: the run with its agents' findings; rolling it back undoes the price
            // still in place.
            click(c, "#nav-runs").await?;
            wait_js(c, "return document.querySelectorAll('#runs-table tr.run-row').length", json!(1)).await?;
            assert_eq!(text_of(c, "#runs-table tr.run-row .run-applied").await?, "٢");
            click(c, "#runs-table tr.run-row .run-details").await?;
            wait_js(c, "return document.querySelectorAll('#runs-table .run-step').length", json!(4)).await?;
            assert!(text_of(c, "#runs-table .run-step[data-agent=market_analyst]").await?.contains("محلل السوق"));
            screenshot(c, "runs-ar").await;
            click(c, "#runs-table .run-rollback").await?;
            wait_js(c, "return !!document.querySelector('.toast--ok')", json!(true)).await?;
            wait_js(c, "return !document.querySelector('#runs-table .run-rollback')", json!(true)).await?;
            dismiss_toasts(c).await?;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            assert!(text_of(c, "#runs-table").await?.contains("Market analyst"));
            screenshot(c, "runs-en").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            Ok(())
        })
    })
    .await;
}

/// Starts (or with 0, ends) a sale at the simulated Salla, as the merchant would in the dashboard.
async fn set_sale(product_id: i64, sale_minor: i64, end: Option<&str>) {
    let url = format!("{}/_sim/products/{product_id}/sale", env("E2E_SIM_URL"));
    let body = json!({"sale": sale_minor, "end": end}).to_string();
    let resp = reqwest::Client::new()
        .put(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sim reachable");
    assert_eq!(resp.status().as_u16(), 204, "the simulator took the sale");
}

#[tokio::test]
async fn e2e_third_c2_a_product_on_sale_shows_its_sale_and_its_last_day() {
    scenario("sale", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            let stores: Vec<spo_ipc::StoreSummary> = spo_json(&["stores", "list", "--json"])?;
            let store = stores.iter().find(|s| s.name == "متجر النخبة").ok_or("the second store")?.id.clone();
            let page: spo_ipc::ProductPage =
                spo_json(&["products", "list", "--store", &store, "--limit", "1", "--json"])?;
            let p = page.items.first().ok_or("a product")?.clone();
            set_sale(p.salla_id, p.price_minor * 85 / 100, Some("2099-12-31")).await;
            let _: spo_ipc::SyncSummary = spo_json(&["catalog", "sync", "--store", &store, "--json"])?;
            switch_to_second_store(c).await?;
            click(c, "#nav-products").await?;
            let pill = format!("#products-table tr[data-salla-id='{}'] .product-sale", p.salla_id);
            wait_js(
                c,
                &format!("return document.querySelector(\"{pill}\")?.textContent.includes('2099-12-31') ?? false"),
                json!(true),
            )
            .await?;
            assert!(text_of(c, &pill).await?.contains("عليه تخفيض حتى"), "on sale until, in Arabic");
            screenshot(c, "products-sale-ar").await;
            // The sale ends; the catalogue is as the later scenarios expect it.
            set_sale(p.salla_id, 0, None).await;
            let _: spo_ipc::SyncSummary = spo_json(&["catalog", "sync", "--store", &store, "--json"])?;
            Ok(())
        })
    })
    .await;
}

#[tokio::test]
async fn e2e_third_d_data_is_backed_up_exported_and_restored() {
    scenario("data", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            // The job monitor: the store's six jobs and the two app-wide ones; "run now" runs one
            // through the scheduler and its run appears in the history as it ends.
            click(c, "#nav-runs").await?;
            wait_js(c, "return document.querySelectorAll('#jobs-table tr.job-row').length", json!(8)).await?;
            click(c, "#jobs-table tr.job-row[data-kind=token_check] .job-run-now").await?;
            wait_js(
                c,
                "return !!document.querySelector('#job-runs-table tr.job-run-row[data-kind=token_check][data-status=succeeded]')",
                json!(true),
            )
            .await?;
            assert!(text_of(c, "#jobs-table").await?.contains("كل ٦ ساعات"), "schedules in words");
            screenshot(c, "runs-jobs-ar").await;
            click(c, "#nav-settings").await?;
            // The card appears once the backups folder was read.
            wait_js(c, "return !!document.getElementById('settings-data')", json!(true)).await?;
            js(c, "document.getElementById('settings-data').scrollIntoView(); return true").await?;
            let before = js(c, "return document.querySelectorAll('#backups tr.backup-row').length").await?;
            let before = before.as_u64().unwrap_or(0);
            click(c, "#data-backup").await?;
            wait_js(c, "return document.querySelectorAll('#backups tr.backup-row').length", json!(before + 1)).await?;
            let toast = text_of(c, ".toast").await?;
            assert!(toast.contains("spo-manual-"), "the backup is named: {toast}");
            dismiss_toasts(c).await?;
            // Exports land in the exports folder, Arabic names and exact prices inside.
            click(c, "#export-products").await?;
            wait_js(c, "return !!document.querySelector('.toast')", json!(true)).await?;
            let toast = text_of(c, ".toast").await?;
            let path = toast.split(" — ").last().unwrap_or_default().trim().to_owned();
            assert!(path.ends_with(".csv"), "{toast}");
            let csv = std::fs::read_to_string(&path)?;
            assert!(csv.starts_with('\u{feff}') && csv.lines().count() > 1, "{csv}");
            dismiss_toasts(c).await?;
            screenshot(c, "settings-data-ar").await;

            // A change after the backup (dark theme) is undone by restoring it.
            click(c, "#set-theme-dark").await?;
            wait_js(c, "return document.documentElement.dataset.theme", json!("dark")).await?;
            dismiss_toasts(c).await?;
            js(c, "document.getElementById('settings-data').scrollIntoView(); return true").await?;
            click(c, "#restore-0").await?;
            click(c, "#restore-yes-0").await?;
            wait_js(c, "return document.documentElement.dataset.theme", json!("system")).await?;
            // The replaced data is kept, and the toast says where.
            wait_js(
                c,
                "return [...document.querySelectorAll('.toast')].some(t => t.textContent.includes('before-restore-'))",
                json!(true),
            )
            .await?;
            wait_js(c, "return document.querySelectorAll('#backups tr.backup-row').length", json!(before + 2)).await?;
            dismiss_toasts(c).await?;
            // A file that is not a backup is refused with the reason, and nothing changes.
            let field = c.find(Locator::Css("#restore-path")).await?;
            field.send_keys(&env("E2E_SPO_BIN")).await?;
            click(c, "#restore-file").await?;
            wait_js(c, "return !!document.querySelector('.toast--error')", json!(true)).await?;
            assert!(text_of(c, ".toast").await?.contains("not a usable backup"));
            dismiss_toasts(c).await?;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            js(c, "document.getElementById('settings-data').scrollIntoView(); return true").await?;
            assert!(text_of(c, "#settings-data").await?.contains("Before a restore"));
            screenshot(c, "settings-data-en").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            Ok(())
        })
    })
    .await;
}

/// The app's window as X11 sees it. Xvfb runs no window manager, so the toplevel is a child of the
/// root window, and closing it means sending the WM_DELETE_WINDOW message a window manager sends
/// when the title bar's close button is pressed.
mod x11 {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, MapState};
    use x11rb::rust_connection::RustConnection;

    use super::Res;

    /// Connects to `$DISPLAY` and finds the mapped toplevel titled `title`.
    pub fn main_window(title: &str) -> Res<(RustConnection, u32)> {
        let (conn, screen) = x11rb::connect(None)?;
        let root = conn.setup().roots[screen].root;
        let children = conn.query_tree(root)?.reply()?.children;
        let mut found = None;
        for w in children {
            let name = conn.get_property(false, w, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 256)?.reply()?;
            if name.value == title.as_bytes() && mapped(&conn, w)? {
                found = Some(w);
                break;
            }
        }
        match found {
            Some(w) => Ok((conn, w)),
            None => Err(format!("no mapped window titled {title:?}").into()),
        }
    }

    /// Whether the window is shown.
    pub fn mapped(conn: &RustConnection, w: u32) -> Res<bool> {
        Ok(conn.get_window_attributes(w)?.reply()?.map_state == MapState::VIEWABLE)
    }

    /// Asks the window to close (ICCCM WM_DELETE_WINDOW).
    pub fn close(conn: &RustConnection, w: u32) -> Res<()> {
        let protocols = conn.intern_atom(false, b"WM_PROTOCOLS")?.reply()?.atom;
        let delete = conn.intern_atom(false, b"WM_DELETE_WINDOW")?.reply()?.atom;
        let event = ClientMessageEvent::new(32, w, protocols, [delete, 0, 0, 0, 0]);
        conn.send_event(false, w, EventMask::NO_EVENT, event)?;
        conn.flush()?;
        Ok(())
    }
}

/// Polls `check` every half second until it holds or `secs` pass.
async fn until(secs: u64, what: &str, mut check: impl FnMut() -> Res<bool>) -> Res<()> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check()? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("timed out after {secs} s waiting for {what}").into())
}

/// Runs `spo` (another process on the same data folder) and reads its JSON output.
fn spo_json<T: serde::de::DeserializeOwned>(args: &[&str]) -> Res<T> {
    let out = std::process::Command::new(env("E2E_SPO_BIN")).args(args).output()?;
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("spo {args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)).into())
}

/// Succeeded token-check runs in the database, read by `spo` (another process).
fn token_checks_recorded() -> Res<usize> {
    let out =
        std::process::Command::new(env("E2E_SPO_BIN")).args(["jobs", "runs", "--json", "--limit", "500"]).output()?;
    let runs: Vec<spo_ipc::JobRunInfo> = serde_json::from_slice(&out.stdout)?;
    Ok(runs
        .iter()
        .filter(|r| r.kind == Some(spo_ipc::JobKind::TokenCheck) && r.status == spo_ipc::JobRunStatus::Succeeded)
        .count())
}

#[tokio::test]
async fn e2e_third_e_closing_the_window_keeps_scheduled_jobs_running() {
    scenario("tray", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            click(c, "#nav-runs").await?;
            wait_js(c, "return document.querySelectorAll('#jobs-table tr.job-row').length", json!(8)).await?;
            // The store's authorization check every minute (the shortest schedule), set in the monitor.
            click(c, "#jobs-table tr.job-row[data-kind=token_check] .job-edit").await?;
            let input = c.find(Locator::Css("#jobs-table .job-schedule-input")).await?;
            input.clear().await?;
            input.send_keys("every 1m").await?;
            click(c, "#jobs-table .job-schedule-save").await?;
            wait_js(
                c,
                "return document.querySelector('#jobs-table tr.job-row[data-kind=token_check]').textContent.includes('كل دقيقة')",
                json!(true),
            )
            .await?;
            let rows = "return document.querySelectorAll('#job-runs-table tr.job-run-row[data-kind=token_check]').length";
            let shown_before = js(c, rows).await?.as_u64().unwrap_or(0);
            let recorded_before = token_checks_recorded()?;

            // Close the window as its close button would: it goes to the tray, the app keeps running.
            let (conn, window) = x11::main_window("Salla Price Optimizer")?;
            x11::close(&conn, window)?;
            until(10, "the window to hide", || Ok(!x11::mapped(&conn, window)?)).await?;
            // The scheduled check runs while the window is closed (due one minute after the change).
            until(150, "a scheduled token check while the window is closed", || {
                Ok(token_checks_recorded()? > recorded_before)
            })
            .await?;
            assert!(!x11::mapped(&conn, window)?, "still closed while the job ran");

            // Launching the app again shows the running one (one instance at a time) ...
            let second = tokio::task::spawn_blocking(|| std::process::Command::new(env("TAURI_E2E_APP")).output());
            let second = tokio::time::timeout(Duration::from_secs(30), second).await??;
            assert!(second?.status.success(), "the second launch hands over and exits");
            until(10, "the window to show again", || x11::mapped(&conn, window)).await?;
            // ... with the run that happened meanwhile in its history.
            let more = format!("{rows} > {shown_before}");
            wait_js(c, &more, json!(true)).await?;
            screenshot(c, "runs-after-reopen-ar").await;
            // Leave the schedule as it was for the next scenarios.
            click(c, "#jobs-table tr.job-row[data-kind=token_check] .job-edit").await?;
            let input = c.find(Locator::Css("#jobs-table .job-schedule-input")).await?;
            input.clear().await?;
            input.send_keys("every 6h").await?;
            click(c, "#jobs-table .job-schedule-save").await?;
            wait_js(
                c,
                "return document.querySelector('#jobs-table tr.job-row[data-kind=token_check]').textContent.includes('كل ٦ ساعات')",
                json!(true),
            )
            .await?;
            dismiss_toasts(c).await?;

            // A tracked competitor drops below our price: the competitor check run from the monitor
            // notices it, a notification arrives in the centre (and goes to the OS through the
            // notification plugin), and clicking it opens the Competitors screen.
            let stores: Vec<spo_ipc::StoreSummary> = spo_json(&["stores", "list", "--json"])?;
            let store = stores.iter().find(|s| s.name == "متجر النخبة").ok_or("the second store")?.id.clone();
            let listings: Vec<spo_ipc::Listing> = spo_json(&["competitors", "list", "--store", &store, "--json"])?;
            let page: spo_ipc::ProductPage =
                spo_json(&["products", "list", "--store", &store, "--limit", "1000", "--json"])?;
            let mut tracked = Vec::new();
            for l in &listings {
                let ours = page.items.iter().find(|p| p.id == l.product_id).ok_or("the listing's product")?.price_minor;
                let mut parts = l.url.rsplit('/');
                let (Some(pid), Some(shop)) = (parts.next(), parts.next()) else { continue };
                tracked.push((shop.to_owned(), pid.parse::<i64>()?, ours));
            }
            assert!(!tracked.is_empty(), "the earlier scenarios track competitor pages");
            let checks = "return document.querySelectorAll('#job-runs-table tr.job-run-row[data-kind=competitor_check][data-status=succeeded]').length";
            let before = js(c, checks).await?.as_u64().unwrap_or(0);
            // Shelf against shelf: our price before VAT plus 15 %, as the check compares them.
            for (round, percent) in [(1, 110), (2, 95)] {
                for (shop, pid, ours) in &tracked {
                    set_competitor_price(shop, *pid, ours * 115 * percent / 10_000).await;
                }
                click(c, "#jobs-table tr.job-row[data-kind=competitor_check] .job-run-now").await?;
                let expect = format!("{} >= {}", checks.trim_start_matches("return "), before + round);
                // Pages of one host are read at most every 10 s (the fetcher's politeness).
                wait_js_for(c, &format!("return {expect}"), json!(true), 120).await?;
            }
            click(c, "#notif-bell").await?;
            wait_js(c, "return document.querySelectorAll('#notif-panel .notif__item--unread').length > 0", json!(true))
                .await?;
            assert!(text_of(c, "#notif-panel").await?.contains("منافس أصبح أرخص"), "undercut, in Arabic");
            screenshot(c, "notifications-ar").await;
            click(c, "#notif-panel .notif__item[data-page=competitors]").await?;
            wait_js(c, "return !!document.getElementById('page-competitors')", json!(true)).await?;
            click(c, "#notif-bell").await?;
            click(c, "#notif-read-all").await?;
            wait_js(c, "return !document.getElementById('notif-unread')", json!(true)).await?;
            click(c, "#notif-bell").await?;
            Ok(())
        })
    })
    .await;
}

/// Runs `spo` as a second seat: its own data folder (and so its own keychain entries), the same
/// D-Bus session. `stdin` is written to its standard input.
fn seat_b(args: &[&str], stdin: Option<&str>) -> Res<String> {
    use std::io::Write as _;
    let dir = std::env::temp_dir().join(format!("spo-e2e-seat-b-{}", std::process::id()));
    let mut child = std::process::Command::new(env("E2E_SPO_BIN"))
        .args(args)
        .env("SPO_DATA_DIR", dir.join("data"))
        .env("SPO_LOG_DIR", dir.join("logs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        input.write_all(text.as_bytes())?;
    }
    drop(child.stdin.take());
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!("seat B: spo {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A database of its own on the test PostgreSQL; returns its admin URL.
fn team_database() -> Res<String> {
    let url = env("E2E_PG_URL");
    let name = format!("e2e_team_{}", std::process::id());
    let out =
        std::process::Command::new("psql").arg(&url).arg("-qc").arg(format!("CREATE DATABASE {name}")).output()?;
    if !out.status.success() {
        return Err(format!("psql: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let (base, _) = url.rsplit_once('/').ok_or("E2E_PG_URL has no database")?;
    Ok(format!("{base}/{name}"))
}

#[tokio::test]
async fn e2e_third_f_two_seats_share_a_rule_and_an_approval() {
    scenario("team", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            switch_to_second_store(c).await?;
            let stores: Vec<spo_ipc::StoreSummary> = spo_json(&["stores", "list", "--json"])?;
            let store = stores.iter().find(|s| !s.is_demo).ok_or("the second store")?.id.clone();
            // Settings → Team: this window's seat makes the team and becomes its owner.
            let admin_url = team_database()?;
            click(c, "#nav-settings").await?;
            let field = |css: &'static str, text: String| async move {
                let el = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?;
                el.clear().await?;
                el.send_keys(&text).await?;
                Res::Ok(())
            };
            field("#team-admin-url", admin_url).await?;
            field("#team-name", "فريق الرياض".into()).await?;
            field("#team-seat-name", "سارة".into()).await?;
            click(c, "#team-create").await?;
            wait_js_for(c, "return !!document.getElementById('team-name-shown')", json!(true), 60).await?;
            assert_eq!(js(c, "return document.getElementById('team-admin-url')").await?, json!(null), "the admin URL is gone");
            wait_js_for(c, "return document.getElementById('sync-indicator')?.textContent ?? ''", json!("متزامن"), 30).await?;
            dismiss_toasts(c).await?;
            // Invite a manager: the code is shown once.
            field("#team-invite-name", "عمر".into()).await?;
            click(c, "#team-invite").await?;
            wait_js_for(c, "return !!document.getElementById('team-invite-code')", json!(true), 30).await?;
            let code = js(c, "return document.getElementById('team-invite-code').value").await?;
            let code = code.as_str().ok_or("no invite code")?.to_owned();
            assert!(code.starts_with("spo-invite-1."), "{code}");
            screenshot(c, "team-ar").await;
            click(c, "#team-invite-done").await?;
            wait_js(c, "return document.querySelectorAll('#team-members .team-member').length", json!(2)).await?;

            // Seat B (the command line, another data folder) joins and edits the store rule.
            seat_b(&["team", "join"], Some(&code))?;
            let rules = seat_b(&["rules", "list", "--store", &store, "--json"], None)?;
            assert!(rules.contains("\"strategy\""), "the store's rule arrived on seat B: {rules}");
            seat_b(
                &["rules", "set", "--store", &store, "--strategy", "beat-lowest", "--by-bps", "300", "--min", "3.00", "--max", "90000.00"],
                None,
            )?;
            seat_b(&["sync", "now"], None)?;
            // The window's seat gets it on its next round (the team's notification wakes it).
            click(c, "#nav-decisions").await?;
            wait_js_for(c, "return document.getElementById('rule-min')?.value ?? ''", json!("3.00"), 40).await?;

            // A proposal on the window's seat (a newly tracked product), approved there, is
            // approved on seat B.
            let product = spo_salla_sim::demo_catalog(60).into_iter().filter(|p| p.status == "sale").nth(7).ok_or("a product")?;
            let page = format!("{}/competitors/souq/{}", env("E2E_SIM_URL"), product.id);
            let listing: spo_ipc::Listing =
                spo_json(&["competitors", "add", "--store", &store, "--product", &product.sku, "--url", &page, "--json"])?;
            let checked: Vec<spo_ipc::Listing> =
                spo_json(&["competitors", "check", "--store", &store, "--listing", &listing.id, "--json"])?;
            assert_eq!(checked[0].last_status, Some(spo_ipc::PageStatus::Ok), "{checked:?}");
            click(c, "#run-optimizer").await?;
            let proposed = wait_js_for(
                c,
                "return document.querySelectorAll('#decisions-table tbody tr[data-status=proposed]').length > 0",
                json!(true),
                30,
            )
            .await;
            if let Err(e) = proposed {
                // What the optimizer would do now, to say why nothing was proposed.
                let out = std::process::Command::new(env("E2E_SPO_BIN"))
                    .args(["optimize", "--store", &store, "--dry-run", "--json"])
                    .output()?;
                return Err(format!("{e}; a dry run says: {}", String::from_utf8_lossy(&out.stdout)).into());
            }
            let id = js(c, "return document.querySelector('#decisions-table tbody tr[data-status=proposed]').dataset.decisionId").await?;
            let id = id.as_str().ok_or("decision id")?.to_owned();
            click(c, "#decisions-table .decision-approve").await?;
            wait_js(
                c,
                &format!("return !document.querySelector('#decisions-table tr[data-decision-id=\"{id}\"][data-status=proposed]')"),
                json!(true),
            )
            .await?;
            let mut last = String::new();
            until(40, "the approval on seat B", || {
                seat_b(&["sync", "now"], None)?;
                last = seat_b(&["decisions", "list", "--store", &store, "--status", "approved", "--json"], None)?;
                Ok(last.contains(&id))
            })
            .await?;
            // The store moves to seat B with its Salla grant (sealed to B's key), and seat B, which
            // runs it now, applies the decision approved in the window: applied on both seats.
            click(c, "#nav-settings").await?;
            wait_js(c, "return document.querySelectorAll('#team-members .team-member').length", json!(2)).await?;
            wait_js_for(c, "return document.querySelectorAll('#team-leases .team-lease .pill--ok').length", json!(1), 30).await?;
            let out = std::process::Command::new(env("E2E_SPO_BIN"))
                .args(["stores", "hand-over", "--store", &store, "--to", "عمر"])
                .output()?;
            if !out.status.success() {
                return Err(format!("hand-over: {}", String::from_utf8_lossy(&out.stderr)).into());
            }
            seat_b(&["stores", "receive", "--store", &store], None)?;
            let report = seat_b(&["decisions", "apply", "--store", &store, "--json"], None)?;
            let report: spo_ipc::ApplyReport = serde_json::from_str(&report)?;
            assert_eq!(report.applied, 1, "seat B applied the approval: {report:?}");
            seat_b(&["sync", "now"], None)?;
            click(c, "#nav-decisions").await?;
            click(c, "#filter-applied").await?;
            wait_js_for(
                c,
                &format!("return !!document.querySelector('#decisions-table tr[data-decision-id=\"{id}\"][data-status=applied]')"),
                json!(true),
                40,
            )
            .await?;
            click(c, "#nav-settings").await?;
            wait_js(c, "return document.querySelectorAll('#team-members .team-member').length", json!(2)).await?;
            // Seat B runs the store now; the window's seat shows it.
            wait_js_for(
                c,
                "return [...document.querySelectorAll('#team-leases .team-lease')].filter(r => !r.querySelector('.pill--ok')).length",
                json!(1),
                30,
            )
            .await?;
            js(c, "document.getElementById('settings-team').scrollIntoView(); return true").await?;
            screenshot(c, "team-two-seats-ar").await;
            // The store switcher says which seat runs each store.
            click(c, "#store-switcher").await?;
            wait_js_for(c, "return document.querySelectorAll('#store-menu .switcher__runs').length", json!(1), 20).await?;
            screenshot(c, "team-switcher-ar").await;
            click(c, "#store-switcher").await?;
            click(c, "#set-theme-dark").await?;
            wait_js(c, "return document.documentElement.dataset.theme", json!("dark")).await?;
            js(c, "document.getElementById('settings-team').scrollIntoView(); return true").await?;
            screenshot(c, "team-dark-ar").await;
            click(c, "#set-theme-system").await?;
            wait_js(c, "return document.documentElement.dataset.theme", json!("system")).await?;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            wait_js_for(c, "return document.getElementById('sync-indicator')?.textContent ?? ''", json!("Synced"), 30).await?;
            js(c, "document.getElementById('settings-team').scrollIntoView(); return true").await?;
            screenshot(c, "team-en").await;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            Ok(())
        })
    })
    .await;
}

#[tokio::test]
async fn diagnostics_show_what_the_backend_measured() {
    scenario("diagnostics", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            click(c, "#nav-settings").await?;
            click(c, "#set-lang-en").await?;
            wait_js(c, "return document.documentElement.dir", json!("ltr")).await?;
            click(c, "#nav-diagnostics").await?;
            let db_path = text_of(c, "#diag-db-path").await?;
            let expected = PathBuf::from(env("SPO_DATA_DIR")).join("spo.sqlite3");
            assert_eq!(db_path, expected.display().to_string(), "the screen shows the database the app opened");
            assert_eq!(text_of(c, "#diag-integrity").await?, "ok");
            assert_eq!(text_of(c, "#diag-journal").await?, "wal");
            assert_eq!(text_of(c, "#diag-sync").await?, "full");
            wait_js(c, "return document.getElementById('diag-overall').dataset.status", json!("ok")).await?;
            let keychain = text_of(c, "#diag-keychain").await?;
            assert!(
                keychain.starts_with("Stored, read back and deleted"),
                "keychain probe against the real Secret Service: {keychain}"
            );
            assert_eq!(text_of(c, "#diag-keychain-status").await?, "Healthy");

            // `spo doctor --json` on the same folders agrees with the screen.
            let out = std::process::Command::new(env("E2E_SPO_BIN")).args(["doctor", "--json"]).output()?;
            let report: spo_ipc::DoctorReport = serde_json::from_slice(&out.stdout)?;
            assert_eq!(report.database.path, db_path);
            assert_eq!(
                text_of(c, "#diag-schema").await?,
                format!("{} · {}", report.database.schema_version, report.database.schema_name)
            );
            assert_eq!(text_of(c, "#diag-data-dir").await?, report.data_dir);
            assert_eq!(text_of(c, "#diag-log-dir").await?, report.log_dir);
            assert_eq!(text_of(c, "#diag-keychain-backend").await?, report.keychain.backend);
            // The scheduler runs in the window's process (its heartbeat is shown); the demo store answers.
            assert!(!text_of(c, "#diag-heartbeat").await?.contains("not running"), "the app runs its scheduler");
            assert!(!report.scheduler.running_here, "`spo doctor` does not run one");
            // …and sees that the window's process holds the data folder's scheduler, alive.
            let who = report.scheduler.elsewhere.as_deref().unwrap_or_default();
            assert!(who.starts_with("spo-desktop (pid "), "held by the app: {:?}", report.scheduler);
            assert!(report.scheduler.heartbeat_at.is_some(), "its heartbeat is readable: {:?}", report.scheduler);
            assert_eq!(text_of(c, "#diag-sched-where").await?, "this app");
            wait_js(c, "return document.querySelectorAll('#diag-stores .diag-store[data-status=ok]').length > 0", json!(true)).await?;
            // The log viewer shows the app's own log.
            click(c, "#diag-log-load").await?;
            wait_js(c, "return (document.getElementById('diag-log-lines') || {textContent: ''}).textContent.includes('starting')", json!(true)).await?;
            screenshot(c, "diagnostics-en").await;

            click(c, "#nav-settings").await?;
            click(c, "#set-theme-dark").await?;
            wait_js(c, "return document.documentElement.dataset.theme", json!("dark")).await?;
            click(c, "#nav-diagnostics").await?;
            text_of(c, "#diag-db-path").await?;
            click(c, "#lang-toggle").await?;
            wait_js(c, "return document.documentElement.dir", json!("rtl")).await?;
            screenshot(c, "diagnostics-ar-dark").await;
            click(c, "#nav-dashboard").await?;
            screenshot(c, "dashboard-ar-dark").await;
            // Leave the shared data folder as the other scenario expects it.
            click(c, "#nav-settings").await?;
            click(c, "#set-theme-system").await?;
            Ok(())
        })
    })
    .await;
}

#[tokio::test]
async fn webview_cannot_reach_what_it_was_not_granted() {
    scenario("security", |c| {
        Box::pin(async move {
            wait_ready(c).await?;
            let call = |cmd: &str, args: Value| {
                format!(
                    "const done = arguments[arguments.length - 1];
                     window.__TAURI__.core.invoke({cmd:?}, {args})
                       .then(v => done({{ok: v}}), e => done({{err: String(e && (e.message || e.code) || e)}}));"
                )
            };
            // A granted command works from the page ...
            let ok = c.execute_async(&call("get_settings", json!({})), vec![]).await?;
            assert!(ok.get("ok").is_some(), "get_settings should be allowed: {ok}");
            // ... plugins that are not part of the app are refused.
            for cmd in ["plugin:fs|read_file", "plugin:shell|execute", "plugin:opener|open_url"] {
                let res = c.execute_async(&call(cmd, json!({"path": "/etc/passwd"})), vec![]).await?;
                assert!(res.get("err").is_some(), "{cmd} must be refused: {res}");
            }
            // The CSP blocks inline script injection.
            let injected = js(c, "const s = document.createElement('script'); s.textContent = 'window.__pwned = 1'; document.body.appendChild(s); return window.__pwned ?? null").await?;
            assert_eq!(injected, Value::Null, "inline scripts must not run");
            Ok(())
        })
    })
    .await;
}

/// Runs last (it damages the shared data folder, then repairs it through the window).
#[tokio::test]
async fn zz_a_damaged_database_opens_the_recovery_screen_and_a_backup_is_restored() {
    // A checked backup, then the database truncated as a crash or a bad disk would leave it.
    let backup: spo_ipc::BackupReport = spo_json(&["data", "backup", "--json"]).expect("backup");
    let db = PathBuf::from(env("SPO_DATA_DIR")).join("spo.sqlite3");
    let bytes = std::fs::read(&db).expect("read database");
    std::fs::write(&db, &bytes[..bytes.len() / 3]).expect("truncate");
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", db.display()));
    }
    scenario("recovery", |c| {
        let name = backup.file.name.clone();
        Box::pin(async move {
            wait_js_for(c, "return !!document.getElementById('recovery')", json!(true), 30).await?;
            assert!(!text_of(c, "#recovery-problem").await?.is_empty(), "says what is wrong");
            let rows = js(c, "return document.querySelectorAll('#recovery-backups .recovery-backup').length").await?;
            assert!(rows.as_u64().unwrap_or(0) >= 1, "the backups are offered: {rows}");
            screenshot(c, "recovery-ar").await;
            click(c, &format!("#recovery-backups tr[data-name=\"{name}\"] .recovery-restore")).await?;
            wait_js_for(c, "return !!document.getElementById('recovery-done')", json!(true), 30).await?;
            assert!(text_of(c, "#recovery-done").await?.contains(".damaged-"), "says where the damaged file is kept");
            screenshot(c, "recovery-restored").await;
            Ok(())
        })
    })
    .await;
    // The restored database is whole again; the damaged one is kept beside it.
    let report: spo_ipc::DoctorReport = spo_json(&["doctor", "--json"]).expect("doctor");
    assert_eq!(report.database.integrity, "ok");
    let kept = std::fs::read_dir(db.parent().expect("data folder"))
        .expect("list")
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains(".damaged-"));
    assert!(kept, "the damaged file is kept");
}
