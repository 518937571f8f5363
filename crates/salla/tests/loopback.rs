//! The loopback redirect listener, with a real browser-like HTTP client and the local Salla server.

use std::time::Duration;

use spo_salla::loopback::CALLBACK_PATH;
use spo_salla::{CallbackError, LoopbackError, LoopbackListener, SallaClient, SallaUrls};
use spo_salla_sim::{Sim, SimConfig};

/// A "browser": follows redirects like the system browser would.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client")
}

async fn setup() -> (Sim, SallaClient, LoopbackListener) {
    let listener = LoopbackListener::bind(0).await.expect("bind");
    let mut cfg = SimConfig::demo(3);
    cfg.redirect_uri = listener.redirect_uri();
    let sim = Sim::start(cfg).await.expect("sim");
    let client = SallaClient::new(SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() }).expect("client");
    (sim, client, listener)
}

#[tokio::test]
async fn forged_callbacks_are_answered_and_ignored_then_the_real_one_wins() {
    let (sim, client, listener) = setup().await;
    let port = listener.port();
    let redirect = listener.redirect_uri();
    assert_eq!(redirect, format!("http://127.0.0.1:{port}{CALLBACK_PATH}"), "IP literal, not localhost");
    let mut request = client.authorize(&sim.config().client_id, &redirect).expect("authorize");
    let url = request.url().clone();
    let attacker = async move {
        let b = browser();
        let base = format!("http://127.0.0.1:{port}");
        // A web page trying login CSRF, a replay without state, another path, garbage.
        for path in [
            format!("{CALLBACK_PATH}?code=evil&state=0000"),
            format!("{CALLBACK_PATH}?code=evil"),
            "/favicon.ico".to_owned(),
        ] {
            let resp = b.get(format!("{base}{path}")).send().await.expect("answered");
            assert!(resp.status().is_client_error(), "{path}: {}", resp.status());
        }
        let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        tokio::io::AsyncWriteExt::write_all(&mut raw, b"NOT HTTP\r\n\r\n").await.expect("write");
        // Then the merchant completes the real sign-in in the browser.
        let page = b.get(url).send().await.expect("sign-in");
        assert!(page.status().is_success());
        assert!(page.text().await.expect("body").contains("connected"));
    };
    let (code, ()) =
        tokio::join!(listener.wait_for_code(&mut request, Duration::from_secs(30), std::future::pending()), attacker);
    let code = code.expect("the valid callback is accepted");
    let tokens = client.exchange_code(&sim_creds(&sim), &request, &code, 0).await.expect("exchange");
    assert!(tokens.refresh_token.is_some());
    // The port is closed once the flow is over.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(), "listener closed after success");
}

fn sim_creds(sim: &Sim) -> spo_salla::ClientCredentials {
    let c = sim.config();
    spo_salla::ClientCredentials { client_id: c.client_id, client_secret: c.client_secret }
}

#[tokio::test]
async fn the_wait_ends_on_timeout_and_on_cancel_and_closes_the_port() {
    let (sim, client, listener) = setup().await;
    let port = listener.port();
    let mut request = client.authorize(&sim.config().client_id, &listener.redirect_uri()).expect("authorize");
    let res = listener.wait_for_code(&mut request, Duration::from_millis(200), std::future::pending()).await;
    assert_eq!(res, Err(LoopbackError::Timeout(Duration::from_millis(200))));
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(), "closed after timeout");

    let listener = LoopbackListener::bind(0).await.expect("bind");
    let res = listener.wait_for_code(&mut request, Duration::from_secs(60), async {}).await;
    assert_eq!(res, Err(LoopbackError::Cancelled));
}

#[tokio::test]
async fn a_refusal_for_this_sign_in_ends_it() {
    let (sim, client, listener) = setup().await;
    let port = listener.port();
    let mut request = client.authorize(&sim.config().client_id, &listener.redirect_uri()).expect("authorize");
    let state = request.url().query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).expect("state");
    let refuse = async move {
        let url = format!("http://127.0.0.1:{port}{CALLBACK_PATH}?error=access_denied&state={state}");
        browser().get(url).send().await.expect("answered");
    };
    let (res, ()) =
        tokio::join!(listener.wait_for_code(&mut request, Duration::from_secs(30), std::future::pending()), refuse);
    assert_eq!(res, Err(LoopbackError::Refused(CallbackError::Denied("access_denied".into()))));
}

#[tokio::test]
async fn a_busy_port_is_a_clear_error() {
    let taken = LoopbackListener::bind(0).await.expect("bind");
    let err = LoopbackListener::bind(taken.port()).await.expect_err("port in use");
    assert!(matches!(err, LoopbackError::Io { port, .. } if port == taken.port()), "{err:?}");
}
