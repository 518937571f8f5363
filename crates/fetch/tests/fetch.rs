//! The fetcher against a local server: robots.txt, pacing, Retry-After, SSRF, caps, conditional
//! requests. The server is on 127.0.0.1, so most tests allow that host explicitly, as the settings
//! (and the demo store) do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use spo_fetch::{FetchConfig, FetchError, Fetched, Fetcher, Validators};

#[derive(Default)]
struct Log {
    hits: HashMap<String, Vec<Instant>>,
    robots: Option<(u16, String)>,
    limited_once: bool,
}

type Shared = Arc<Mutex<Log>>;

fn record(s: &Shared, path: &str) {
    s.lock().expect("lock").hits.entry(path.to_owned()).or_default().push(Instant::now());
}

async fn robots(State(s): State<Shared>) -> Response {
    record(&s, "/robots.txt");
    let (status, body) = s.lock().expect("lock").robots.clone().unwrap_or((404, String::new()));
    (StatusCode::from_u16(status).expect("status"), body).into_response()
}

async fn page(State(s): State<Shared>, headers: HeaderMap) -> Response {
    record(&s, "/p");
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == "\"v1\"") {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [(header::ETAG, "\"v1\""), (header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<html><body>قهوة 45 ر.س</body></html>",
    )
        .into_response()
}

async fn private(State(s): State<Shared>) -> Response {
    record(&s, "/private");
    "secret".into_response()
}

async fn big(State(s): State<Shared>) -> Response {
    record(&s, "/big");
    let chunk = vec![b'x'; 1024 * 1024];
    let stream = futures::stream::iter((0..50).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    axum::body::Body::from_stream(stream).into_response()
}

async fn redirect(Path(n): Path<u32>) -> Response {
    if n == 0 {
        return "<html>done</html>".into_response();
    }
    (StatusCode::FOUND, [(header::LOCATION, format!("/redirect/{}", n - 1))]).into_response()
}

async fn to(Path(target): Path<String>) -> Response {
    let location = match target.as_str() {
        "metadata" => "http://169.254.169.254/latest/meta-data/".to_owned(),
        "localhost" => "https://localhost/p".to_owned(),
        _ => "/p".to_owned(),
    };
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn slow() -> Response {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late".into_response()
}

async fn limited(State(s): State<Shared>) -> Response {
    record(&s, "/limited");
    let mut log = s.lock().expect("lock");
    if !log.limited_once {
        log.limited_once = true;
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "2")], "slow down").into_response();
    }
    "ok".into_response()
}

async fn server(robots_answer: Option<(u16, &str)>) -> (String, Shared) {
    let state: Shared =
        Arc::new(Mutex::new(Log { robots: robots_answer.map(|(s, b)| (s, b.to_owned())), ..Log::default() }));
    let app = Router::new()
        .route("/robots.txt", get(robots))
        .route("/p", get(page))
        .route("/private/x", get(private))
        .route("/big", get(big))
        .route("/redirect/{n}", get(redirect))
        .route("/to/{target}", get(to))
        .route("/slow", get(slow))
        .route("/limited", get(limited))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("127.0.0.1:{}", addr.port()), state)
}

fn fetcher(host: &str, min_interval_ms: u64) -> Fetcher {
    Fetcher::new(FetchConfig {
        min_interval: Duration::from_millis(min_interval_ms),
        total_timeout: Duration::from_millis(1500),
        allowed_hosts: vec![host.to_owned()],
        ..FetchConfig::default()
    })
    .expect("fetcher")
}

fn hits(s: &Shared, path: &str) -> Vec<Instant> {
    s.lock().expect("lock").hits.get(path).cloned().unwrap_or_default()
}

#[tokio::test]
async fn robots_txt_5xx_means_nothing_is_fetched() {
    let (host, log) = server(Some((503, ""))).await;
    let f = fetcher(&host, 10);
    let err = f.fetch(&format!("http://{host}/p"), &Validators::default()).await.expect_err("blocked");
    assert!(matches!(err, FetchError::BlockedByRobots(_)), "{err:?}");
    assert!(hits(&log, "/p").is_empty(), "zero product fetches");
}

#[tokio::test]
async fn robots_txt_rules_are_obeyed_and_cached() {
    let (host, log) = server(Some((200, "User-agent: *\nDisallow: /private\n"))).await;
    let f = fetcher(&host, 10);
    let err = f.fetch(&format!("http://{host}/private/x"), &Validators::default()).await.expect_err("disallowed");
    assert!(matches!(err, FetchError::BlockedByRobots(_)), "{err:?}");
    assert!(hits(&log, "/private").is_empty());
    for _ in 0..3 {
        f.fetch(&format!("http://{host}/p"), &Validators::default()).await.expect("allowed");
    }
    assert_eq!(hits(&log, "/robots.txt").len(), 1, "robots.txt is cached");

    // 4xx: everything is allowed.
    let (host, _) = server(Some((404, ""))).await;
    fetcher(&host, 10).fetch(&format!("http://{host}/private/x"), &Validators::default()).await.expect("no robots");
}

#[tokio::test]
async fn one_host_is_paced_and_a_larger_crawl_delay_wins() {
    let (host, log) = server(Some((200, "User-agent: *\nCrawl-delay: 1\n"))).await;
    let f = fetcher(&host, 100);
    for _ in 0..2 {
        f.fetch(&format!("http://{host}/p"), &Validators::default()).await.expect("page");
    }
    let p = hits(&log, "/p");
    assert!(p[1] - p[0] >= Duration::from_millis(990), "Crawl-delay 1 s: {:?}", p[1] - p[0]);

    let (host, log) = server(None).await;
    let f = fetcher(&host, 300);
    let started = Instant::now();
    let url = format!("http://{host}/p");
    let none = Validators::default();
    let (a, b) = tokio::join!(f.fetch(&url, &none), f.fetch(&url, &none));
    a.expect("a");
    b.expect("b");
    let p = hits(&log, "/p");
    assert_eq!(p.len(), 2);
    assert!(p[1] - p[0] >= Duration::from_millis(290), "one at a time, 300 ms apart: {:?}", p[1] - p[0]);
    assert!(started.elapsed() >= Duration::from_millis(290));
}

#[tokio::test]
async fn retry_after_delays_the_next_request_to_that_host() {
    let (host, log) = server(None).await;
    let f = fetcher(&host, 10);
    let err = f.fetch(&format!("http://{host}/limited"), &Validators::default()).await.expect_err("429");
    assert_eq!(err, FetchError::RateLimited(Duration::from_secs(2)));
    f.fetch(&format!("http://{host}/limited"), &Validators::default()).await.expect("after waiting");
    let l = hits(&log, "/limited");
    assert!(l[1] - l[0] >= Duration::from_millis(1990), "Retry-After: 2 honoured: {:?}", l[1] - l[0]);
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let (host, log) = server(None).await;
    let strict = Fetcher::new(FetchConfig::default()).expect("fetcher");
    let port = host.rsplit(':').next().expect("port");
    for url in [
        format!("https://{host}/p"),
        format!("https://localhost:{port}/p"),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://[::1]/".to_owned(),
        "https://10.0.0.8/admin".to_owned(),
    ] {
        let err = strict.fetch(&url, &Validators::default()).await.expect_err("refused");
        assert!(matches!(err, FetchError::Forbidden(_)), "{url}: {err:?}");
    }
    assert!(matches!(strict.fetch("http://example.com/p", &Validators::default()).await, Err(FetchError::NotHttps(_))));
    // An allowed host may not redirect us inside: every hop is checked.
    let f = fetcher(&host, 10);
    for target in ["metadata", "localhost"] {
        let err =
            f.fetch(&format!("http://{host}/to/{target}"), &Validators::default()).await.expect_err("hop refused");
        assert!(matches!(err, FetchError::Forbidden(_)), "{target}: {err:?}");
    }
    assert!(hits(&log, "/p").is_empty());
}

#[tokio::test]
async fn size_redirect_and_time_caps() {
    let (host, _) = server(None).await;
    let f = fetcher(&host, 10);
    let err = f.fetch(&format!("http://{host}/big"), &Validators::default()).await.expect_err("50 MiB");
    assert_eq!(err, FetchError::TooLarge(5 * 1024 * 1024));
    f.fetch(&format!("http://{host}/redirect/5"), &Validators::default()).await.expect("five redirects are fine");
    let err = f.fetch(&format!("http://{host}/redirect/6"), &Validators::default()).await.expect_err("six");
    assert_eq!(err, FetchError::TooManyRedirects(5));
    let err = f.fetch(&format!("http://{host}/slow"), &Validators::default()).await.expect_err("slow");
    assert_eq!(err, FetchError::Timeout);
}

#[tokio::test]
async fn conditional_requests() {
    let (host, _) = server(None).await;
    let f = fetcher(&host, 10);
    let Fetched::Page { body, validators, final_url } =
        f.fetch(&format!("http://{host}/to/p"), &Validators::default()).await.expect("page")
    else {
        panic!("expected a page");
    };
    assert!(body.contains("ر.س") && final_url.ends_with("/p"));
    assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
    let again = f.fetch(&format!("http://{host}/p"), &validators).await.expect("304");
    assert!(matches!(again, Fetched::NotModified { .. }), "{again:?}");
}

#[tokio::test]
async fn the_allow_list_changes_while_the_fetcher_lives() {
    let (host, log) = server(None).await;
    let f = Fetcher::new(FetchConfig { min_interval: Duration::from_millis(10), ..FetchConfig::default() })
        .expect("fetcher");
    let url = format!("http://{host}/p");
    let refused = f.fetch(&url, &Validators::default()).await.expect_err("not allowed yet");
    assert!(matches!(refused, FetchError::Forbidden(_)), "{refused:?}");
    f.set_allowed_hosts(&[format!(" {} ", host.to_uppercase()), String::new()]).expect("allow");
    assert_eq!(f.allowed_hosts(), vec![host.clone()], "trimmed, lower case, blanks dropped");
    assert!(matches!(f.fetch(&url, &Validators::default()).await, Ok(Fetched::Page { .. })));
    f.set_allowed_hosts(&[]).expect("revoke");
    let refused = f.fetch(&url, &Validators::default()).await.expect_err("revoked");
    assert!(matches!(refused, FetchError::Forbidden(_)), "{refused:?}");
    assert_eq!(hits(&log, "/p").len(), 1, "only the allowed request reached the server");
}

#[tokio::test]
async fn a_host_that_refuses_connections_is_unreachable_not_blocked_by_robots() {
    // A port nothing listens on: bind, note the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let host = format!("127.0.0.1:{port}");
    let f = fetcher(&host, 10);
    let err = f.fetch(&format!("http://{host}/p"), &Validators::default()).await.expect_err("refused");
    assert!(matches!(err, FetchError::Network(_)), "{err:?}");
    assert!(err.to_string().contains("could not reach"), "{err}");
}
