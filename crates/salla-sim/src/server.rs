//! The HTTP server.

// Handlers build `Response`s by value; boxing the early-return ones would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::catalog::{civil_date, demo_catalog, demo_orders, SimOrder, SimProduct, SimVariant};

/// What the simulated Salla serves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The one registered app's client id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Its registered redirect URI (matched exactly).
    pub redirect_uri: String,
    /// Store (merchant) id.
    pub store_id: i64,
    /// Store name.
    pub store_name: String,
    /// Store domain.
    pub domain: String,
    /// Plan name.
    pub plan: String,
    /// Requests per minute before the 1-per-second leak (120 Plus, 360 Pro, 720 Special).
    pub rate_limit_per_minute: u32,
    /// Access-token lifetime in seconds (Salla: 14 days).
    pub access_lifetime_secs: u64,
    /// The catalogue.
    pub products: Vec<SimProduct>,
    /// Days of order history generated from the demand model (0 = none).
    pub order_history_days: i64,
    /// Simulated seconds per real second for the rate limiter (1 = real time). With 10, the
    /// per-minute budget renews every 6 s and the bucket leaks one request every 100 ms, so tests
    /// can import large catalogues on the small plan quickly.
    pub time_scale: u32,
    /// The store's VAT rate in percent as `GET /taxes` lists it (`None`: the grant lacks
    /// `taxes.read`, answered 401 as Salla does).
    pub vat_percent: Option<String>,
    /// Where the store's prices are kept between runs (the demo store in a data folder): read at
    /// start, written after every change. None: they live as long as the server.
    pub state_file: Option<std::path::PathBuf>,
}

impl SimConfig {
    /// The demo store: a Pro-plan Saudi store with `products` products and fresh random
    /// credentials.
    pub fn demo(products: usize) -> Self {
        Self::demo_with_credentials(products, format!("demo-{}", random_hex(8)), random_hex(32))
    }

    /// The demo store with given app credentials (to serve a grant kept from an earlier run).
    pub fn demo_with_credentials(products: usize, client_id: String, client_secret: String) -> Self {
        Self {
            client_id,
            client_secret,
            redirect_uri: "http://127.0.0.1/demo-callback".into(),
            store_id: 1_305_146_709,
            store_name: "متجر الواحة (تجريبي)".into(),
            domain: "demo.salla.sa/alwaha".into(),
            plan: "special".into(),
            // The Special plan's budget keeps the demo's order import around a minute.
            rate_limit_per_minute: 720,
            access_lifetime_secs: 1_209_599,
            products: demo_catalog(products),
            order_history_days: 180,
            time_scale: 1,
            vat_percent: Some("15.00".into()),
            state_file: None,
        }
    }
}

/// One product's prices as the state file keeps them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct SavedPrices {
    price: i64,
    sale: i64,
    #[serde(default)]
    sale_start: Option<String>,
    #[serde(default)]
    sale_end: Option<String>,
    cost: i64,
}

/// Applies the prices kept in `path` (if any) to `products`.
fn load_state(path: &std::path::Path, products: &mut [SimProduct]) {
    let Ok(text) = std::fs::read_to_string(path) else { return };
    let Ok(saved) = serde_json::from_str::<HashMap<i64, SavedPrices>>(&text) else {
        eprintln!("salla-sim: ignoring unreadable state file {}", path.display());
        return;
    };
    for p in products {
        if let Some(s) = saved.get(&p.id) {
            p.price_minor = s.price;
            p.sale_price_minor = s.sale;
            p.sale_start.clone_from(&s.sale_start);
            p.sale_end.clone_from(&s.sale_end);
            p.cost_minor = s.cost;
        }
    }
}

/// Writes every product's prices to the state file (a temporary file renamed over it).
fn save_state(cfg: &SimConfig) {
    let Some(path) = &cfg.state_file else { return };
    let saved: HashMap<i64, SavedPrices> = cfg
        .products
        .iter()
        .map(|p| {
            let s = SavedPrices {
                price: p.price_minor,
                sale: p.sale_price_minor,
                sale_start: p.sale_start.clone(),
                sale_end: p.sale_end.clone(),
                cost: p.cost_minor,
            };
            (p.id, s)
        })
        .collect();
    let tmp = path.with_extension("json.partial");
    let written = serde_json::to_vec(&saved)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&tmp, bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        eprintln!("salla-sim: cannot keep the store's prices in {}: {e}", path.display());
    }
}

/// Counters for assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimStats {
    /// Successful code exchanges.
    pub code_exchanges: u64,
    /// Successful refreshes.
    pub refreshes: u64,
    /// Grants revoked because a refresh token (or code) was reused.
    pub revoked_grants: u64,
    /// Merchant API requests received (including rejected ones).
    pub api_requests: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// Price / cost updates applied (products and variants).
    pub updates: u64,
    /// Faults injected (5xx, malformed bodies, hangs).
    pub faults: u64,
    /// Requests to the Tavily-compatible search endpoint.
    pub tavily_searches: u64,
    /// Requests to the chat-completions endpoint.
    pub llm_requests: u64,
}

/// Faults the Merchant API injects, per thousand requests (after authentication and the rate
/// limiter), for tests of the client's retries and of imports that must end cleanly. Settable only
/// with the `faults` feature (tests); otherwise always none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    /// Added to every API answer.
    pub latency: std::time::Duration,
    /// Answer 503 with an HTML body.
    pub server_error_per_mille: u16,
    /// Answer 200 with a truncated JSON body.
    pub malformed_per_mille: u16,
    /// Answer only after `hang` (longer than the client's timeout).
    pub hang_per_mille: u16,
    /// How long a hanging answer takes.
    pub hang: std::time::Duration,
    /// Price updates applied whose answer is then lost (504), as when a write lands and the
    /// connection times out.
    pub lost_update_answer_per_mille: u16,
    /// Price updates are applied at once but answered only after this long (a client that stops
    /// waiting never learns the write landed).
    pub update_answer_delay: std::time::Duration,
    /// Token requests (code exchange, refresh) are answered only after this long; a refresh is
    /// done (the pair rotated) before the wait, as when Salla is slow to answer.
    pub token_delay: std::time::Duration,
}

struct Code {
    redirect_uri: String,
    challenge: Option<String>,
    used: bool,
    grant: Option<usize>,
}

/// The leaky bucket, on the simulated clock in milliseconds.
struct Bucket {
    window_start_ms: u64,
    count: u32,
    last_leak_ms: u64,
}

struct Inner {
    cfg: SimConfig,
    codes: HashMap<String, Code>,
    refresh: HashMap<String, (usize, bool)>,
    access: HashMap<String, (usize, u64)>,
    revoked: Vec<bool>,
    bucket: Bucket,
    stats: SimStats,
    orders: Vec<SimOrder>,
    /// Competitor prices set by tests, by (shop, product id).
    competitor_overrides: HashMap<(String, i64), i64>,
    faults: Faults,
    /// Keys the Tavily endpoint accepts.
    tavily_keys: Vec<String>,
    /// A status the Tavily endpoint answers with instead of results (tests of the error paths).
    tavily_status: Option<u16>,
    /// Queries the Tavily endpoint answered.
    tavily_queries: Vec<String>,
    /// The key the chat-completions endpoint wants (none: open, like a local Ollama).
    llm_key: Option<String>,
    /// How the simulated model behaves.
    llm_mode: llm::LlmMode,
    /// Requests the chat-completions endpoint received.
    llm_requests: Vec<serde_json::Value>,
    /// Product names shown on competitor pages instead of the catalogue's, by (shop, product id).
    competitor_name_overrides: HashMap<(String, i64), String>,
    /// Where the server listens (for URLs in answers).
    addr: SocketAddr,
    /// Deterministic fault dice.
    dice: u64,
    started: std::time::Instant,
    started_epoch_ms: u64,
}

impl Inner {
    /// Milliseconds since the epoch on the simulated (possibly accelerated) clock.
    fn sim_now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.started_epoch_ms + elapsed.saturating_mul(u64::from(self.cfg.time_scale.max(1)))
    }

    fn roll(&mut self) -> u16 {
        // splitmix64: cheap, deterministic, good enough for dice.
        self.dice = self.dice.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.dice;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % 1000) as u16
    }
}

type Shared = Arc<Mutex<Inner>>;

#[path = "llm.rs"]
mod llm;
#[path = "tavily.rs"]
mod tavily;
pub use llm::LlmMode;
pub use tavily::DEMO_TAVILY_KEY;

fn lock(s: &Shared) -> MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Today in Riyadh (`YYYY-MM-DD`).
fn today() -> String {
    civil_date(i64::try_from((now() + 3 * 3600) / 86_400).unwrap_or(0))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("BUG: OS random source unavailable");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A running simulated Salla. Stops when dropped.
#[derive(Debug)]
pub struct Sim {
    addr: SocketAddr,
    state: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").field("stats", &self.stats).finish_non_exhaustive()
    }
}

impl Sim {
    /// Starts the server on an ephemeral loopback port.
    pub async fn start(cfg: SimConfig) -> std::io::Result<Sim> {
        Self::start_on(cfg, 0).await
    }

    /// Starts the server on the given loopback port (0: any free one).
    pub async fn start_on(cfg: SimConfig, port: u16) -> std::io::Result<Sim> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        // Orders are dated in Riyadh (UTC+3, no daylight saving).
        let today = i64::try_from((now() + 3 * 3600) / 86_400).unwrap_or(0);
        let orders = demo_orders(&cfg.products, today, cfg.order_history_days);
        // The history comes from the catalogue as generated; today's prices from the state file.
        let mut cfg = cfg;
        if let Some(path) = cfg.state_file.clone() {
            load_state(&path, &mut cfg.products);
        }
        let started_epoch_ms = now() * 1000;
        let state: Shared = Arc::new(Mutex::new(Inner {
            cfg,
            codes: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            revoked: Vec::new(),
            bucket: Bucket { window_start_ms: started_epoch_ms, count: 0, last_leak_ms: 0 },
            stats: SimStats::default(),
            orders,
            competitor_overrides: HashMap::new(),
            faults: Faults::default(),
            tavily_keys: vec![tavily::DEMO_TAVILY_KEY.to_owned()],
            tavily_status: None,
            tavily_queries: Vec::new(),
            llm_key: None,
            llm_mode: llm::LlmMode::Normal,
            llm_requests: Vec::new(),
            competitor_name_overrides: HashMap::new(),
            addr,
            dice: 0x5A11A,
            started: std::time::Instant::now(),
            started_epoch_ms,
        }));
        let app = Router::new()
            .route("/oauth2/auth", get(authorize))
            .route("/oauth2/token", post(token))
            .route("/oauth2/user/info", get(user_info))
            .route("/admin/v2/products", get(products))
            .route("/admin/v2/products/{id}", get(product_detail).put(update_product))
            .route("/admin/v2/products/{id}/variants", get(product_variants))
            .route("/admin/v2/products/variants/{id}", put(update_variant))
            .route("/admin/v2/orders", get(list_orders))
            .route("/admin/v2/taxes", get(list_taxes))
            .route("/admin/v2/orders/items", get(order_items))
            .route("/robots.txt", get(robots_txt))
            .route("/competitors/{shop}/{id}", get(competitor_page))
            .route("/tavily/search", post(tavily::search))
            .route("/llm/v1/chat/completions", post(llm::chat_completions))
            .route("/_sim/competitors/{shop}/{id}", put(set_competitor_price_http))
            .route("/_sim/products/{id}/sale", put(set_product_sale_http))
            .with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::warn!(error = %e, "salla-sim stopped");
            }
        });
        Ok(Sim { addr, state, shutdown: Some(tx) })
    }

    /// Base URL of the OAuth server.
    pub fn accounts_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Base URL of the Merchant API.
    pub fn api_url(&self) -> String {
        format!("http://{}/admin/v2", self.addr)
    }

    /// The configuration served (client credentials, catalogue).
    pub fn config(&self) -> SimConfig {
        lock(&self.state).cfg.clone()
    }

    /// Counters so far.
    pub fn stats(&self) -> SimStats {
        lock(&self.state).stats
    }

    /// Registers a grant issued by an earlier run of the demo store (same client credentials), so a
    /// restarted app keeps its connection: the refresh token stays single-use and rotating.
    pub fn restore_grant(&self, access_token: &str, refresh_token: Option<&str>, expires_at: u64) {
        let mut inner = lock(&self.state);
        let grant = inner.revoked.len();
        inner.revoked.push(false);
        inner.access.insert(access_token.to_owned(), (grant, expires_at));
        if let Some(rt) = refresh_token {
            inner.refresh.insert(rt.to_owned(), (grant, false));
        }
    }

    /// The generated order history, oldest first.
    pub fn orders(&self) -> Vec<SimOrder> {
        lock(&self.state).orders.clone()
    }

    /// Every access and refresh token issued so far (to scan files and logs for leaks).
    pub fn issued_tokens(&self) -> Vec<String> {
        let inner = lock(&self.state);
        inner.access.keys().chain(inner.refresh.keys()).cloned().collect()
    }

    /// URL of a competitor's page for a product of the demo catalogue. Three fictional shops show
    /// the price three ways: `souq` (JSON-LD), `bayt` (microdata), `tamr` (visible Arabic text).
    pub fn competitor_url(&self, shop: &str, product_id: i64) -> String {
        format!("http://{}/competitors/{shop}/{product_id}", self.addr)
    }

    /// Sets what a competitor charges for a product from now on.
    pub fn set_competitor_price(&self, shop: &str, product_id: i64, minor: i64) {
        lock(&self.state).competitor_overrides.insert((shop.to_owned(), product_id), minor);
    }

    /// Base URL of the Tavily-compatible search API (`{base}/search`).
    pub fn tavily_url(&self) -> String {
        format!("http://{}/tavily", self.addr)
    }

    /// Makes the chat-completions endpoint require `key` (none: open).
    pub fn set_llm_key(&self, key: Option<&str>) {
        lock(&self.state).llm_key = key.map(str::to_owned);
    }

    /// How the simulated model behaves from now on.
    pub fn set_llm_mode(&self, mode: LlmMode) {
        lock(&self.state).llm_mode = mode;
    }

    /// The chat-completion requests received so far.
    pub fn llm_requests(&self) -> Vec<serde_json::Value> {
        lock(&self.state).llm_requests.clone()
    }

    /// The chat-completions base URL (`…/llm/v1`).
    pub fn llm_url(&self) -> String {
        format!("{}/llm/v1", self.accounts_url())
    }

    /// Shows `name` as the product's name on `shop`'s page (a different product, or a page
    /// carrying text meant for a model).
    pub fn set_competitor_name(&self, shop: &str, product_id: i64, name: &str) {
        lock(&self.state).competitor_name_overrides.insert((shop.to_owned(), product_id), name.to_owned());
    }

    /// Replaces the Tavily keys accepted.
    pub fn set_tavily_keys(&self, keys: &[&str]) {
        lock(&self.state).tavily_keys = keys.iter().map(|k| (*k).to_owned()).collect();
    }

    /// Makes the Tavily endpoint answer `status` (429, 432, 500…) from now on; `None` restores it.
    pub fn set_tavily_status(&self, status: Option<u16>) {
        lock(&self.state).tavily_status = status;
    }

    /// The queries the Tavily endpoint answered, in order.
    pub fn tavily_queries(&self) -> Vec<String> {
        lock(&self.state).tavily_queries.clone()
    }

    /// A product's current price (minor units), as Salla would show it.
    pub fn product_price(&self, product_id: i64) -> Option<i64> {
        lock(&self.state).cfg.products.iter().find(|p| p.id == product_id).map(|p| p.price_minor)
    }

    /// A product's regular price and sale (price, first day, last day) as the simulator keeps them.
    pub fn product_prices(&self, product_id: i64) -> Option<(i64, i64, Option<String>, Option<String>)> {
        lock(&self.state)
            .cfg
            .products
            .iter()
            .find(|p| p.id == product_id)
            .map(|p| (p.price_minor, p.sale_price_minor, p.sale_start.clone(), p.sale_end.clone()))
    }

    /// Puts a product on sale (the merchant in the Salla dashboard): `sale_minor` 0 ends it; days
    /// are `YYYY-MM-DD` in Riyadh, both included.
    pub fn set_product_sale(&self, product_id: i64, sale_minor: i64, start: Option<&str>, end: Option<&str>) {
        if let Some(p) = lock(&self.state).cfg.products.iter_mut().find(|p| p.id == product_id) {
            p.sale_price_minor = sale_minor;
            p.sale_start = start.map(str::to_owned);
            p.sale_end = end.map(str::to_owned);
        }
        save_state(&lock(&self.state).cfg);
    }

    /// Changes a product's price behind the app's back (the merchant in the Salla dashboard).
    pub fn set_product_price(&self, product_id: i64, minor: i64) {
        if let Some(p) = lock(&self.state).cfg.products.iter_mut().find(|p| p.id == product_id) {
            p.price_minor = minor;
        }
    }

    /// Sets the faults injected from now on (tests only: the `faults` feature).
    #[cfg(feature = "faults")]
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.state).faults = faults;
    }

    /// Adds an order dated today (to exercise incremental imports).
    pub fn add_order(&self, mut order: SimOrder) {
        let mut inner = lock(&self.state);
        let today = civil_date(i64::try_from((now() + 3 * 3600) / 86_400).unwrap_or(0));
        order.id = inner.orders.last().map_or(90_000_001, |o| o.id + 1);
        order.date = format!("{today} 12:00:00");
        order.day = today;
        inner.orders.push(order);
    }

    /// Revokes every grant issued so far, as an uninstall or the merchant would: its access
    /// tokens get 401 and its refresh tokens `invalid_grant`.
    pub fn revoke_all_grants(&self) {
        for r in &mut lock(&self.state).revoked {
            *r = true;
        }
    }

    /// Makes every access token expire now (to exercise refresh).
    pub fn expire_access_tokens(&self) {
        for v in lock(&self.state).access.values_mut() {
            v.1 = 0;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

fn api_error(status: StatusCode, code: Value, message: &str) -> Response {
    (status, Json(json!({"status": status.as_u16(), "success": false, "error": {"code": code, "message": message}})))
        .into_response()
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut inner = lock(&s);
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != inner.cfg.client_id {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "unknown client");
    }
    if get("redirect_uri") != inner.cfg.redirect_uri {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri does not match the registered one",
        );
    }
    if get("response_type") != "code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_response_type", "response_type must be code");
    }
    if !get("scope").split(' ').any(|s| s == "offline_access") {
        // Without offline_access Salla issues no refresh token; the sim refuses, to catch it early.
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", "offline_access is required");
    }
    let challenge = q.get("code_challenge").cloned();
    if challenge.is_some() && get("code_challenge_method") != "S256" {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "only S256 is supported");
    }
    let code = random_hex(24);
    inner.codes.insert(code.clone(), Code { redirect_uri: get("redirect_uri"), challenge, used: false, grant: None });
    let mut target = format!("{}?code={code}&scope=products.read_write+offline_access", get("redirect_uri"));
    if let Some(state) = q.get("state") {
        target.push_str("&state=");
        target.push_str(state);
    }
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&target) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn issue(inner: &mut Inner, grant: usize, field: &str) -> Value {
    let access = format!("ory_at_{}", random_hex(32));
    let refresh = format!("ory_rt_{}", random_hex(32));
    let lifetime = inner.cfg.access_lifetime_secs;
    inner.access.insert(access.clone(), (grant, now() + lifetime));
    inner.refresh.insert(refresh.clone(), (grant, false));
    json!({
        "access_token": access,
        field: lifetime,
        "refresh_token": refresh,
        "scope": "settings.read products.read_write orders.read taxes.read offline_access",
        "token_type": "bearer",
    })
}

fn revoke(inner: &mut Inner, grant: usize) {
    if !inner.revoked[grant] {
        inner.revoked[grant] = true;
        inner.stats.revoked_grants += 1;
    }
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let delay = lock(&s).faults.token_delay;
    let answer = token_answer(&s, &f);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    answer
}

fn token_answer(s: &Shared, f: &HashMap<String, String>) -> Response {
    let mut inner = lock(s);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("client_id") != inner.cfg.client_id || get("client_secret") != inner.cfg.client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed");
    }
    match get("grant_type").as_str() {
        "authorization_code" => {
            let code = get("code");
            let Some(entry) = inner.codes.get_mut(&code) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown authorization code");
            };
            if entry.used {
                // A replayed code revokes what was issued from it (RFC 6749 §4.1.2).
                let grant = entry.grant;
                if let Some(g) = grant {
                    revoke(&mut inner, g);
                }
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "authorization code already used");
            }
            if entry.redirect_uri != get("redirect_uri") {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "redirect_uri mismatch");
            }
            if let Some(challenge) = &entry.challenge {
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
                if &computed != challenge {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "PKCE verification failed");
                }
            }
            entry.used = true;
            let grant = inner.revoked.len();
            inner.revoked.push(false);
            if let Some(e) = inner.codes.get_mut(&code) {
                e.grant = Some(grant);
            }
            inner.stats.code_exchanges += 1;
            // Code exchange answers with `expires` (salla-api.md §1.7).
            Json(issue(&mut inner, grant, "expires")).into_response()
        }
        "refresh_token" => {
            let rt = get("refresh_token");
            let Some(&(grant, used)) = inner.refresh.get(&rt) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown refresh token");
            };
            if used || inner.revoked[grant] {
                // Reuse: Salla revokes the token family; the merchant must reinstall.
                revoke(&mut inner, grant);
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "refresh token already used; grant revoked",
                );
            }
            inner.refresh.insert(rt, (grant, true));
            inner.stats.refreshes += 1;
            Json(issue(&mut inner, grant, "expires_in")).into_response()
        }
        other => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", other),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::to_owned)
}

/// Checks the bearer token; `Err` is the 401 to send.
fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let unauthorized =
        || Box::new(api_error(StatusCode::UNAUTHORIZED, json!("Unauthorized"), "The access token is invalid"));
    let token = bearer(headers).ok_or_else(unauthorized)?;
    let &(grant, expires_at) = inner.access.get(&token).ok_or_else(unauthorized)?;
    if inner.revoked[grant] || expires_at <= now() {
        return Err(unauthorized());
    }
    Ok(())
}

/// Leaky bucket per store: `limit` requests per (simulated) minute, then one per second until
/// the window resets. Returns the rate-limit headers, or the 429 to send.
fn rate_limit(inner: &mut Inner) -> Result<Vec<(&'static str, String)>, Box<Response>> {
    let t = inner.sim_now_ms();
    let limit = inner.cfg.rate_limit_per_minute;
    let b = &mut inner.bucket;
    if t >= b.window_start_ms + 60_000 {
        b.window_start_ms = t;
        b.count = 0;
    }
    let reset = (b.window_start_ms + 60_000) / 1000;
    let allowed = if b.count < limit {
        b.count += 1;
        true
    } else if t >= b.last_leak_ms + 1000 {
        b.last_leak_ms = t;
        true
    } else {
        false
    };
    let headers = vec![
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", limit.saturating_sub(b.count).to_string()),
        ("x-ratelimit-reset", reset.to_string()),
    ];
    if allowed {
        Ok(headers)
    } else {
        inner.stats.rate_limited += 1;
        let mut resp = api_error(StatusCode::TOO_MANY_REQUESTS, json!("too_many_requests"), "Too many requests");
        for (k, v) in headers.into_iter().chain([("retry-after", "1".to_owned())]) {
            if let Ok(v) = HeaderValue::from_str(&v) {
                resp.headers_mut().insert(k, v);
            }
        }
        Err(Box::new(resp))
    }
}

/// What every Merchant API call goes through: bearer check, rate limiter, injected faults.
/// `Ok` carries the rate-limit headers for the answer.
async fn guard(s: &Shared, headers: &HeaderMap) -> Result<Vec<(&'static str, String)>, Response> {
    let (rate, faults, roll) = {
        let mut inner = lock(s);
        inner.stats.api_requests += 1;
        authenticate(&inner, headers).map_err(|r| *r)?;
        let rate = rate_limit(&mut inner).map_err(|r| *r)?;
        let roll = inner.roll();
        (rate, inner.faults, roll)
    };
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let e = faults.server_error_per_mille;
    let m = e + faults.malformed_per_mille;
    let h = m + faults.hang_per_mille;
    if roll < h {
        lock(s).stats.faults += 1;
    }
    if roll < e {
        return Err((StatusCode::SERVICE_UNAVAILABLE, "<html><body>503 Service Temporarily Unavailable</body></html>")
            .into_response());
    }
    if roll < m {
        return Err((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status":200,"success":true,"data":[{"id":"#,
        )
            .into_response());
    }
    if roll < h {
        tokio::time::sleep(faults.hang).await;
    }
    Ok(rate)
}

fn respond(status: StatusCode, body: Value, rate: Vec<(&'static str, String)>) -> Response {
    let mut resp = (status, Json(body)).into_response();
    for (k, v) in rate {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

fn money(minor: i64) -> Value {
    json!({"amount": minor as f64 / 100.0, "currency": "SAR"})
}

fn product_json(p: &SimProduct) -> Value {
    let options: Vec<Value> = match p.variants.first() {
        Some(first) => vec![json!({
            "id": p.id * 10, "name": first.option.0, "display_type": "text",
            "values": p.variants.iter().map(|v| json!({"id": v.id * 10, "name": v.option.1})).collect::<Vec<_>>(),
        })],
        None => Vec::new(),
    };
    // While a sale runs, `price` is what the shopper pays and `regular_price` the price before
    // the sale (as Salla's product responses carry both); a sale that has not started shows no
    // sale price, and an ended one keeps its sale price beside a past `sale_end`.
    let today = today();
    let running = p.sale_running(&today);
    let started = p.sale_start.as_deref().is_none_or(|s| s <= today.as_str());
    json!({
        "id": p.id, "name": p.name, "sku": p.sku, "type": "product", "status": p.status,
        // Salla sometimes sends quantity as a string; so do we, for every third product.
        "quantity": if p.id % 3 == 0 { json!(p.quantity.to_string()) } else { json!(p.quantity) },
        "price": money(if running { p.sale_price_minor } else { p.price_minor }),
        "regular_price": money(p.price_minor),
        "sale_price": money(if started { p.sale_price_minor } else { 0 }),
        "sale_end": if started { json!(p.sale_end) } else { Value::Null },
        "cost_price": format!("{}.{:02}", p.cost_minor / 100, p.cost_minor % 100),
        "categories": [{"id": p.category.0, "name": p.category.1}],
        "options": options,
        "updated_at": "2026-11-01 10:00:00",
    })
}

fn variant_json(v: &SimVariant) -> Value {
    json!({
        "id": v.id, "sku": v.sku, "barcode": "", "price": money(v.price_minor),
        "sale_price": money(v.sale_price_minor), "regular_price": money(v.price_minor),
        // Variants carry cost as a money object (unlike products).
        "cost_price": money(v.cost_minor), "stock_quantity": v.quantity, "unlimited_quantity": false,
        "related_option_values": [v.id * 10], "updated_at": "2026-11-01 10:00:00",
    })
}

fn paginate<'a, T>(all: &'a [T], q: &HashMap<String, String>) -> Result<(&'a [T], Value), Response> {
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    let per_page: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(15);
    if per_page == 0 || per_page > 60 {
        return Err(api_error(StatusCode::UNPROCESSABLE_ENTITY, json!("error"), "per_page must be between 1 and 60"));
    }
    let total = all.len();
    let start = ((page - 1) * per_page).min(total);
    let items = &all[start..(start + per_page).min(total)];
    let pagination = json!({"count": items.len(), "total": total, "perPage": per_page, "currentPage": page,
                            "totalPages": total.div_ceil(per_page).max(1), "links": []});
    Ok((items, pagination))
}

async fn user_info(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let inner = lock(&s);
    if let Err(r) = authenticate(&inner, &headers) {
        return *r;
    }
    let c = &inner.cfg;
    Json(json!({
        "status": 200, "success": true,
        "data": {
            "id": 1, "name": "Demo Owner", "email": "owner@example.com", "role": "user",
            "merchant": {"id": c.store_id, "username": "alwaha", "name": c.store_name, "domain": c.domain,
                         "plan": c.plan, "status": "active"},
            "context": {"app": 1, "scope": "products.read_write offline_access", "exp": now() + 3600}
        }
    }))
    .into_response()
}

async fn products(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let rate = match guard(&s, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let inner = lock(&s);
    match paginate(&inner.cfg.products, &q) {
        Ok((items, pagination)) => respond(
            StatusCode::OK,
            json!({"status": 200, "success": true, "data": items.iter().map(product_json).collect::<Vec<_>>(),
                   "pagination": pagination}),
            rate,
        ),
        Err(r) => r,
    }
}

async fn product_detail(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let rate = match guard(&s, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let inner = lock(&s);
    match inner.cfg.products.iter().find(|p| p.id == id) {
        Some(p) => respond(StatusCode::OK, json!({"status": 200, "success": true, "data": product_json(p)}), rate),
        None => api_error(StatusCode::NOT_FOUND, json!(404), "The product is no longer available"),
    }
}

async fn product_variants(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let rate = match guard(&s, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let inner = lock(&s);
    let Some(p) = inner.cfg.products.iter().find(|p| p.id == id) else {
        return api_error(StatusCode::NOT_FOUND, json!(404), "The product is no longer available");
    };
    match paginate(&p.variants, &q) {
        Ok((items, pagination)) => respond(
            StatusCode::OK,
            json!({"status": 200, "success": true, "data": items.iter().map(variant_json).collect::<Vec<_>>(),
                   "pagination": pagination}),
            rate,
        ),
        Err(r) => r,
    }
}

/// Reads the price fields of an update body: plain non-negative numbers with at most two decimals
/// (Salla takes numbers, not `{amount, currency}` objects). `Err` is the 422 to send.
fn price_fields(body: &Value, names: &[&'static str]) -> Result<Vec<(&'static str, i64)>, Response> {
    let mut out = Vec::new();
    let mut errors = serde_json::Map::new();
    for &name in names {
        match body.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if f >= 0.0 && ((f * 100.0).round() - f * 100.0).abs() < 1e-6 => {
                    out.push((name, (f * 100.0).round() as i64));
                }
                _ => {
                    errors.insert(name.into(), json!([format!("The {name} must be a positive number.")]));
                }
            },
            Some(_) => {
                errors.insert(name.into(), json!([format!("The {name} must be a number.")]));
            }
        }
    }
    if !errors.is_empty() || out.is_empty() {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"status": 422, "success": false,
                        "error": {"code": "error", "message": "alert.invalid_fields", "fields": errors}})),
        )
            .into_response());
    }
    Ok(out)
}

/// Amounts an update sets (halalas); `None` leaves the field as it is.
#[derive(Default)]
struct PriceChange {
    price: Option<i64>,
    sale_price: Option<i64>,
    cost_price: Option<i64>,
}

impl PriceChange {
    fn apply(&self, price: &mut i64, sale: &mut i64, cost: &mut i64) {
        for (new, field) in [(self.price, price), (self.sale_price, sale), (self.cost_price, cost)] {
            if let Some(v) = new {
                *field = v;
            }
        }
    }
}

/// The part every update shares: guard, body validation (422), and the 201 answer with the
/// updated object that `apply` returns (or the 404 it returns).
async fn update(
    s: &Shared,
    headers: &HeaderMap,
    body: &Value,
    apply: impl FnOnce(&mut Inner, &PriceChange) -> Result<Value, Response>,
) -> Response {
    let rate = match guard(s, headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let fields = match price_fields(body, &["price", "sale_price", "cost_price"]) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut change = PriceChange::default();
    for (name, minor) in fields {
        match name {
            "price" => change.price = Some(minor),
            "sale_price" => change.sale_price = Some(minor),
            _ => change.cost_price = Some(minor),
        }
    }
    let (answer, delay) = {
        let mut inner = lock(s);
        match apply(&mut inner, &change) {
            Ok(data) => {
                inner.stats.updates += 1;
                save_state(&inner.cfg);
                let lose = inner.faults.lost_update_answer_per_mille;
                if lose > 0 && inner.roll() < lose {
                    inner.stats.faults += 1;
                    return (StatusCode::GATEWAY_TIMEOUT, "<html><body>504 Gateway Time-out</body></html>")
                        .into_response();
                }
                (data, inner.faults.update_answer_delay)
            }
            Err(r) => return r,
        }
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    // Updates answer 201 with the full object (salla-api.md §2.1).
    respond(StatusCode::CREATED, json!({"status": 201, "success": true, "data": answer}), rate)
}

async fn update_product(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Response {
    update(&s, &headers, &body, |inner, change| {
        let p = inner
            .cfg
            .products
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| api_error(StatusCode::NOT_FOUND, json!(404), "The product is no longer available"))?;
        change.apply(&mut p.price_minor, &mut p.sale_price_minor, &mut p.cost_minor);
        Ok(product_json(p))
    })
    .await
}

async fn update_variant(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Response {
    update(&s, &headers, &body, |inner, change| {
        let v = inner
            .cfg
            .products
            .iter_mut()
            .flat_map(|p| p.variants.iter_mut())
            .find(|v| v.id == id)
            .ok_or_else(|| api_error(StatusCode::NOT_FOUND, json!(404), "The variant is no longer available"))?;
        change.apply(&mut v.price_minor, &mut v.sale_price_minor, &mut v.cost_minor);
        Ok(variant_json(v))
    })
    .await
}

async fn list_taxes(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let rate = match guard(&s, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(vat) = lock(&s).cfg.vat_percent.clone() else {
        return api_error(
            StatusCode::UNAUTHORIZED,
            json!("Unauthorized"),
            "The access token should have access to one of those scopes: taxes.read",
        );
    };
    let data = json!([{"id": 1_473_353_001_i64, "tax": vat, "status": "active", "country": "SA"}]);
    respond(
        StatusCode::OK,
        json!({"status": 200, "success": true, "data": data, "pagination": {"count": 1, "total": 1, "perPage": 15, "currentPage": 1, "totalPages": 1, "links": []}}),
        rate,
    )
}

fn status_json(slug: &str) -> Value {
    let (id, name) = match slug {
        "completed" => (1_473_353_380, "مكتمل"),
        "delivering" => (1_298_199_463, "جاري التوصيل"),
        "canceled" => (525_144_736, "ملغي"),
        _ => (566_146_469, "بإنتظار المراجعة"),
    };
    json!({"id": id, "name": name, "slug": slug, "customized": {"id": id, "name": name}})
}

async fn list_orders(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let rate = match guard(&s, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let inner = lock(&s);
    let from = q.get("from_date").cloned().unwrap_or_default();
    let to = q.get("to_date").cloned().unwrap_or_else(|| "9999-12-31".into());
    // Newest first, as the orders list sorts by default.
    let matching: Vec<&SimOrder> = inner
        .orders
        .iter()
        .rev()
        .filter(|o| o.day.as_str() >= from.as_str() && o.day.as_str() <= to.as_str())
        .collect();
    match paginate(&matching, &q) {
        Ok((items, pagination)) => {
            let data: Vec<Value> = items
                .iter()
                .map(|o| {
                    json!({
                        "id": o.id, "reference_id": o.reference_id,
                        "total": money(o.subtotal_minor() * 115 / 100),
                        "date": {"date": format!("{}.000000", o.date), "timezone_type": 3, "timezone": "Asia/Riyadh"},
                        "status": status_json(o.status), "can_cancel": false, "payment_method": "mada",
                        "items": o.items.iter().map(|i| json!({"name": i.name, "quantity": i.quantity, "thumbnail": null}))
                            .collect::<Vec<_>>(),
                    })
                })
                .collect();
            respond(
                StatusCode::OK,
                json!({"status": 200, "success": true, "data": data, "pagination": pagination}),
                rate,
            )
        }
        Err(r) => r,
    }
}

async fn order_items(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let rate = match guard(&s, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let inner = lock(&s);
    let id: Option<i64> = q.get("order_id").and_then(|v| v.parse().ok());
    let Some(order) = id.and_then(|id| inner.orders.iter().find(|o| o.id == id)) else {
        return api_error(StatusCode::NOT_FOUND, json!(404), "The order is no longer available");
    };
    let data: Vec<Value> = order
        .items
        .iter()
        .map(|i| {
            let net = i.unit_price_minor * i.quantity;
            json!({
                "id": i.id, "name": i.name, "sku": i.sku, "quantity": i.quantity, "currency": "SAR",
                "amounts": {
                    "price_without_tax": money(i.unit_price_minor),
                    "total_discount": money(0),
                    "tax": {"percent": "15.00", "amount": money(net * 15 / 100)},
                    "total": money(net + net * 15 / 100),
                },
                "options": [], "weight": 0.5,
            })
        })
        .collect();
    respond(StatusCode::OK, json!({"status": 200, "success": true, "data": data}), rate)
}

async fn robots_txt() -> Response {
    "User-agent: *\nDisallow: /admin/\nDisallow: /oauth2/\n".into_response()
}

/// A competitor's product page (Arabic, RTL), in the shop's own markup.
/// Test hook for out-of-process tests (the end-to-end run): the body is the new price in minor
/// units, as plain text.
async fn set_competitor_price_http(
    State(s): State<Shared>,
    Path((shop, id)): Path<(String, i64)>,
    body: String,
) -> Response {
    match body.trim().parse::<i64>() {
        Ok(minor) if minor >= 0 => {
            lock(&s).competitor_overrides.insert((shop, id), minor);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "the body must be a price in minor units").into_response(),
    }
}

/// The merchant starts or ends a sale in the dashboard: `{"sale": minor, "start": "YYYY-MM-DD"?,
/// "end": "YYYY-MM-DD"?}`; a sale of 0 ends it.
async fn set_product_sale_http(State(s): State<Shared>, Path(id): Path<i64>, Json(body): Json<Value>) -> Response {
    let Some(sale) = body.get("sale").and_then(Value::as_i64).filter(|v| *v >= 0) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "the body needs a sale price in minor units").into_response();
    };
    let day = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut inner = lock(&s);
    let Some(p) = inner.cfg.products.iter_mut().find(|p| p.id == id) else {
        return (StatusCode::NOT_FOUND, "no such product").into_response();
    };
    p.sale_price_minor = sale;
    p.sale_start = day("start");
    p.sale_end = day("end");
    save_state(&inner.cfg);
    StatusCode::NO_CONTENT.into_response()
}

async fn competitor_page(
    State(s): State<Shared>,
    Path((shop, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Response {
    let inner = lock(&s);
    let Some(p) = inner.cfg.products.iter().find(|p| p.id == id) else {
        return (StatusCode::NOT_FOUND, "<html><body>الصفحة غير موجودة</body></html>").into_response();
    };
    let base = crate::catalog::competitor_price(p, 0);
    let default = match shop.as_str() {
        "souq" => base,
        "bayt" => base * 103 / 100,
        "tamr" => base * 97 / 100,
        _ => return (StatusCode::NOT_FOUND, "<html><body>no such shop</body></html>").into_response(),
    };
    let minor = inner.competitor_overrides.get(&(shop.clone(), id)).copied().unwrap_or(default);
    let etag = format!("\"{shop}-{id}-{minor}\"");
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let amount = format!("{}.{:02}", minor / 100, minor % 100);
    let arabic: String = amount
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
            None if c == '.' => '\u{066B}',
            None => c,
        })
        .collect();
    let in_stock = p.status != "out";
    let name = inner.competitor_name_overrides.get(&(shop.clone(), id)).cloned().unwrap_or_else(|| p.name.clone());
    let body = match shop.as_str() {
        "souq" => format!(
            r#"<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{name} | سوق الواحة</title>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Product","name":"{name}","sku":"{sku}",
"offers":{{"@type":"Offer","price":"{amount}","priceCurrency":"SAR","availability":"https://schema.org/{avail}"}}}}</script></head>
<body><h1>{name}</h1><div class="price">{arabic} ر.س</div></body></html>"#,
            name = name,
            sku = p.sku,
            avail = if in_stock { "InStock" } else { "OutOfStock" },
        ),
        "bayt" => format!(
            r#"<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{name}</title></head><body>
<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">{name}</h1><span itemprop="sku">{sku}</span>
<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="priceCurrency" content="SAR">
<span itemprop="price" content="{amount}">{arabic} ر.س</span>{avail}</div></div></body></html>"#,
            name = name,
            sku = p.sku,
            avail =
                if in_stock { "" } else { r#"<link itemprop="availability" href="https://schema.org/OutOfStock">"# },
        ),
        _ => format!(
            r#"<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{name}</title></head><body>
<header class="site-header"><div class="cart">السلة ٠ ر.س</div></header><main><h1>{name}</h1>
<div class="product-price"><span class="price-now">{arabic} <span>ر.س</span></span></div>
<div class="tabby-promo">أو ٤ دفعات بدون فوائد</div>{stock}</main></body></html>"#,
            name = name,
            stock = if in_stock { "<button>أضف للسلة</button>" } else { "<p>نفدت الكمية</p>" },
        ),
    };
    ([(header::ETAG, etag), (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned())], body).into_response()
}
