//! The real client against the local Salla-compatible server.

use std::time::Duration;

use spo_domain::{Currency, Money};
use spo_salla::{CallbackError, ClientCredentials, Error, PriceUpdate, SallaClient, SallaUrls};
use spo_salla_sim::{Faults, Sim, SimConfig};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

async fn setup(products: usize, rate_limit: u32) -> (Sim, SallaClient, ClientCredentials, String) {
    let mut cfg = SimConfig::demo(products);
    cfg.rate_limit_per_minute = rate_limit;
    let redirect = cfg.redirect_uri.clone();
    let sim = Sim::start(cfg).await.expect("start sim");
    let client = SallaClient::new(SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() }).expect("client");
    let c = sim.config();
    (sim, client, ClientCredentials { client_id: c.client_id, client_secret: c.client_secret }, redirect)
}

#[tokio::test]
async fn full_authorization_code_flow_then_catalogue() {
    let (sim, client, creds, redirect) = setup(130, 360).await;
    let mut req = client.authorize(&creds.client_id, &redirect).expect("authorize url");
    let query = client.authorize_without_browser(&req).await.expect("redirect");
    // A forged callback first: rejected, and the real one still works.
    assert_eq!(req.accept_callback("code=forged&state=00"), Err(CallbackError::StateMismatch));
    let code = req.accept_callback(&query).expect("valid callback");
    let tokens = client.exchange_code(&creds, &req, &code, now()).await.expect("exchange");
    assert!(tokens.refresh_token.is_some(), "offline_access yields a refresh token");
    assert!(tokens.expires_at > now() + 13 * 24 * 3600, "14-day lifetime parsed from `expires`");

    let info = client.user_info(&tokens.access_token).await.expect("user info");
    assert_eq!(info.merchant_id, sim.config().store_id);
    assert_eq!(info.plan.as_deref(), Some("special"));

    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let p = client.products_page(&tokens.access_token, page, 60).await.expect("page");
        seen.extend(p.data);
        if !p.pagination.has_next() {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 3);
    assert_eq!(seen.len(), 130);
    assert!(seen.iter().any(|p| p.quantity.is_some()), "string quantities parsed");

    // The code is single-use.
    let replay = client.exchange_code(&creds, &req, &code, now()).await;
    assert!(matches!(replay, Err(Error::InvalidGrant(_))), "{replay:?}");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_grant() {
    let (sim, client, creds, redirect) = setup(5, 360).await;
    let mut req = client.authorize(&creds.client_id, &redirect).expect("authorize url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    let first = client.exchange_code(&creds, &req, &code, now()).await.expect("exchange");
    let old_refresh = first.refresh_token.clone().expect("refresh token");

    let second = client.refresh(&creds, &old_refresh, now()).await.expect("refresh");
    assert_ne!(second.refresh_token.as_deref(), Some(old_refresh.as_str()), "rotated");
    client.products_page(&second.access_token, 1, 5).await.expect("new access token works");

    // Sending the old refresh token again is what two racing refreshers do: Salla revokes the
    // grant, including the access token that was just issued.
    let reuse = client.refresh(&creds, &old_refresh, now()).await;
    assert!(matches!(reuse, Err(Error::InvalidGrant(_))), "{reuse:?}");
    assert_eq!(sim.stats().revoked_grants, 1);
    let after = client.products_page(&second.access_token, 1, 5).await;
    assert!(matches!(after, Err(Error::Unauthorized(_))), "{after:?}");
}

#[tokio::test]
async fn wrong_credentials_and_redirects_are_refused() {
    let (_sim, client, creds, redirect) = setup(1, 360).await;
    let bad = client.authorize(&creds.client_id, "http://127.0.0.1:9/other").expect("url");
    assert!(client.authorize_without_browser(&bad).await.is_err(), "unregistered redirect_uri");
    let mut req = client.authorize(&creds.client_id, &redirect).expect("url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    let wrong = ClientCredentials { client_id: creds.client_id.clone(), client_secret: "nope".into() };
    let err = client.exchange_code(&wrong, &req, &code, now()).await.expect_err("bad secret");
    assert!(matches!(err, Error::Unauthorized(ref e) if e.code == "invalid_client"), "{err:?}");
    assert!(!err.to_string().contains("nope"), "secrets never in messages");
}

#[tokio::test]
async fn pacing_from_headers_avoids_429s() {
    // 5 requests per minute, then 1 per second: 9 pages need 4 leaked slots.
    let (sim, client, creds, redirect) = setup(9 * 10, 5).await;
    let mut req = client.authorize(&creds.client_id, &redirect).expect("url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    let tokens = client.exchange_code(&creds, &req, &code, now()).await.expect("exchange");
    let started = std::time::Instant::now();
    for page in 1..=9 {
        client.products_page(&tokens.access_token, page, 10).await.expect("page");
    }
    assert_eq!(sim.stats().rate_limited, 0, "the client paced itself from X-RateLimit-Remaining");
    eprintln!("9 pages at 5/min + 1/s took {:?}", started.elapsed());
}

async fn connected(sim: &Sim, client: &SallaClient) -> String {
    let c = sim.config();
    let creds = ClientCredentials { client_id: c.client_id, client_secret: c.client_secret };
    let mut req = client.authorize(&creds.client_id, &c.redirect_uri).expect("url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    client.exchange_code(&creds, &req, &code, now()).await.expect("exchange").access_token
}

fn sar(minor: i64) -> Money {
    Money::from_minor(minor, Currency::SAR)
}

#[tokio::test]
async fn variants_price_updates_and_orders() {
    let (sim, client, _, _) = setup(40, 720).await;
    let token = connected(&sim, &client).await;
    let products = client.products_page(&token, 1, 60).await.expect("products").data;
    let with_options = products.iter().find(|p| !p.options.is_empty()).expect("a product with options");
    let variants = client.variants_page(&token, with_options.id, 1).await.expect("variants").data;
    assert_eq!(variants.len(), 4, "sizes S to XL");
    assert!(variants[0].cost_price.to_money(Currency::SAR).expect("cost").is_some(), "money-object cost read");

    // Product update: absolute amounts as plain numbers, answered with 201 and the product.
    let simple = products.iter().find(|p| p.options.is_empty()).expect("a simple product");
    let update = PriceUpdate { price: Some(sar(14_995)), cost_price: Some(sar(9_000)), sale_price: None };
    assert_eq!(update.to_json().expect("json"), r#"{"price":149.95,"cost_price":90.00}"#);
    let after = client.update_product(&token, simple.id, &update).await.expect("update");
    assert_eq!(after.price.expect("price").to_money(Currency::SAR), Ok(Some(sar(14_995))));
    assert_eq!(after.cost_price.to_money(Currency::SAR), Ok(Some(sar(9_000))));
    let reread = client.products_page(&token, 1, 60).await.expect("products").data;
    let same = reread.iter().find(|p| p.id == simple.id).expect("still there");
    assert_eq!(same.price.as_ref().expect("price").to_money(Currency::SAR), Ok(Some(sar(14_995))), "read back");

    let v = client
        .update_variant(&token, variants[1].id, &PriceUpdate { price: Some(sar(33_000)), ..PriceUpdate::default() })
        .await
        .expect("variant update");
    assert_eq!(v.price.expect("price").to_money(Currency::SAR), Ok(Some(sar(33_000))));
    assert!(PriceUpdate::default().to_json().is_err(), "an empty update is refused before sending");
    let missing = client.update_product(&token, 42, &update).await.expect_err("unknown product");
    assert!(matches!(missing, Error::Api(ref e) if e.status == 404), "{missing:?}");
    assert_eq!(sim.stats().updates, 2);

    // Orders of the last 180 days, and their lines joined to the catalogue by SKU.
    let orders = sim.orders();
    assert!(!orders.is_empty());
    let first = &orders[orders.len() - 1];
    let page = client.orders_page(&token, &first.day, &first.day, 1, 60).await.expect("orders");
    assert!(page.data.iter().any(|o| o.id == first.id), "filtered by date");
    let items = client.order_items(&token, first.id).await.expect("items");
    assert_eq!(items.len(), first.items.len());
    let unit = items[0].amounts.price_without_tax.as_ref().expect("unit price").to_money(Currency::SAR);
    assert_eq!(unit, Ok(Some(sar(first.items[0].unit_price_minor))));
    let known: Vec<String> = sim
        .config()
        .products
        .iter()
        .flat_map(|p| std::iter::once(p.sku.clone()).chain(p.variants.iter().map(|v| v.sku.clone())))
        .collect();
    assert!(items.iter().all(|i| i.sku.as_ref().is_some_and(|s| known.contains(s))), "every line has a known SKU");
}

/// Imports every page of products; returns the number of products.
async fn import_all(client: &SallaClient, token: &str) -> Result<usize, Error> {
    let mut n = 0;
    let mut page = 1;
    loop {
        let p = client.products_page(token, page, 60).await?;
        n += p.data.len();
        if !p.pagination.has_next() {
            return Ok(n);
        }
        page += 1;
    }
}

#[tokio::test]
async fn ten_thousand_products_on_the_120_plan_without_a_429() {
    // The server's clock runs 10x: a minute of budget renews every 6 s and the bucket leaks one
    // request every 100 ms. 167 pages: 120 from the budget, the rest leaked.
    let mut cfg = SimConfig::demo(10_000);
    cfg.rate_limit_per_minute = 120;
    cfg.time_scale = 10;
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let client = SallaClient::new(SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() })
        .expect("client")
        .with_leak_interval(Duration::from_millis(100));
    let token = connected(&sim, &client).await;
    let started = std::time::Instant::now();
    assert_eq!(import_all(&client, &token).await.expect("import"), 10_000);
    let stats = sim.stats();
    assert_eq!(stats.rate_limited, 0, "paced from X-RateLimit-Remaining: no 429");
    assert_eq!(stats.api_requests, 167);
    eprintln!("10,000 products (167 pages) on the 120/min plan at 10x: {:?}", started.elapsed());
}

#[tokio::test]
async fn fault_storm_is_ridden_out_by_bounded_retries() {
    let (sim, client, _, _) = setup(600, 720).await;
    let token = connected(&sim, &client).await;
    let client = SallaClient::with_timeouts(
        SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() },
        Duration::from_secs(2),
        Duration::from_millis(500),
    )
    .expect("client");
    sim.set_faults(Faults {
        latency: Duration::from_millis(2),
        server_error_per_mille: 150,
        malformed_per_mille: 100,
        hang_per_mille: 30,
        hang: Duration::from_secs(2),
        ..Faults::default()
    });
    assert_eq!(import_all(&client, &token).await.expect("every page eventually"), 600);
    assert!(sim.stats().faults > 0, "faults were injected");

    // A storm that outlasts the retries fails cleanly with a retryable error, never a panic.
    sim.set_faults(Faults { server_error_per_mille: 1000, ..Faults::default() });
    let err = import_all(&client, &token).await.expect_err("all 503");
    assert!(err.is_retryable(), "{err:?}");
    // Updates are never retried blindly.
    let before = sim.stats().api_requests;
    let update = PriceUpdate { price: Some(sar(1_000)), ..PriceUpdate::default() };
    assert!(client.update_product(&token, 1_000_001, &update).await.is_err());
    assert_eq!(sim.stats().api_requests, before + 1, "one PUT, no retry");
}

#[tokio::test]
async fn updates_with_money_objects_are_refused_with_field_errors() {
    // Requests take plain numbers; `{amount, currency}` objects (a common mistake) get a 422.
    let (sim, client, _, _) = setup(3, 720).await;
    let token = connected(&sim, &client).await;
    let resp = reqwest::Client::new()
        .put(format!("{}/products/1000000", sim.api_url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"price": {"amount": 10, "currency": "SAR"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 422);
    let err = spo_salla::ApiError::parse(&resp.text().await.expect("body")).expect("envelope");
    assert_eq!(err.fields["price"], vec!["The price must be a number.".to_owned()]);
    assert_eq!(sim.stats().updates, 0, "nothing changed");
}
