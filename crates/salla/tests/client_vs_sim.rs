//! The real client against the local Salla-compatible server.

use spo_salla::{CallbackError, ClientCredentials, Error, SallaClient, SallaUrls};
use spo_salla_sim::{Sim, SimConfig};

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
    assert_eq!(info.plan.as_deref(), Some("pro"));

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
