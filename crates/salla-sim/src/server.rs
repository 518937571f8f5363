//! The HTTP server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::catalog::{demo_catalog, SimProduct};

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
            plan: "pro".into(),
            rate_limit_per_minute: 360,
            access_lifetime_secs: 1_209_599,
            products: demo_catalog(products),
        }
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
}

struct Code {
    redirect_uri: String,
    challenge: Option<String>,
    used: bool,
    grant: Option<usize>,
}

struct Bucket {
    window_start: u64,
    count: u32,
    last_leak: u64,
}

struct Inner {
    cfg: SimConfig,
    codes: HashMap<String, Code>,
    refresh: HashMap<String, (usize, bool)>,
    access: HashMap<String, (usize, u64)>,
    revoked: Vec<bool>,
    bucket: Bucket,
    stats: SimStats,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(s: &Shared) -> MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
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
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state: Shared = Arc::new(Mutex::new(Inner {
            cfg,
            codes: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            revoked: Vec::new(),
            bucket: Bucket { window_start: now(), count: 0, last_leak: 0 },
            stats: SimStats::default(),
        }));
        let app = Router::new()
            .route("/oauth2/auth", get(authorize))
            .route("/oauth2/token", post(token))
            .route("/oauth2/user/info", get(user_info))
            .route("/admin/v2/products", get(products))
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
    let mut inner = lock(&s);
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

/// Leaky bucket per store: `limit` requests per minute, then one per second until the window
/// resets. Returns the rate-limit headers, or the 429 to send.
fn rate_limit(inner: &mut Inner) -> Result<Vec<(&'static str, String)>, Box<Response>> {
    let t = now();
    let limit = inner.cfg.rate_limit_per_minute;
    let b = &mut inner.bucket;
    if t >= b.window_start + 60 {
        b.window_start = t;
        b.count = 0;
    }
    let reset = b.window_start + 60;
    let allowed = if b.count < limit {
        b.count += 1;
        true
    } else if t > b.last_leak {
        b.last_leak = t;
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
    let mut inner = lock(&s);
    inner.stats.api_requests += 1;
    if let Err(r) = authenticate(&inner, &headers) {
        return *r;
    }
    let rate = match rate_limit(&mut inner) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    let per_page: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(15);
    if per_page == 0 || per_page > 60 {
        return api_error(StatusCode::UNPROCESSABLE_ENTITY, json!("error"), "per_page must be between 1 and 60");
    }
    let all = &inner.cfg.products;
    let total = all.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|p| {
            let money = |minor: i64| json!({"amount": minor as f64 / 100.0, "currency": "SAR"});
            json!({
                "id": p.id, "name": p.name, "sku": p.sku, "type": "product", "status": p.status,
                // Salla sometimes sends quantity as a string; so do we, for every third product.
                "quantity": if p.id % 3 == 0 { json!(p.quantity.to_string()) } else { json!(p.quantity) },
                "price": money(p.price_minor),
                "sale_price": {"amount": 0, "currency": "SAR"},
                "cost_price": format!("{}.{:02}", p.cost_minor / 100, p.cost_minor % 100),
                "categories": [{"id": p.category.0, "name": p.category.1}],
                "updated_at": "2026-11-01 10:00:00",
            })
        })
        .collect();
    let body = json!({
        "status": 200, "success": true, "data": items,
        "pagination": {"count": items.len(), "total": total, "perPage": per_page, "currentPage": page,
                       "totalPages": total_pages, "links": []}
    });
    let mut resp = Json(body).into_response();
    for (k, v) in rate {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}
