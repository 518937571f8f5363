//! The HTTP client for Salla's accounts service (OAuth) and the Merchant API v2.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use spo_domain::Money;

use crate::auth::{AuthorizeRequest, TokenError, TokenSet, DEFAULT_ACCOUNTS_URL};
use crate::model::{ApiError, One, Order, OrderItem, Page, Product, Variant};

/// Default Merchant API base.
pub const DEFAULT_API_URL: &str = "https://api.salla.dev/admin/v2";
/// Largest page size the API documents.
pub const MAX_PER_PAGE: u32 = 60;
/// Retries after a 429 for idempotent requests.
const MAX_RATE_LIMIT_RETRIES: u32 = 3;
/// Longest `Retry-After` we wait for inside one call; longer waits are returned to the caller.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(120);
/// Retries of an idempotent request after a network error, a 5xx or an unreadable body.
const MAX_TRANSIENT_RETRIES: u32 = 3;
/// First backoff after a transient error; doubles each time, with full jitter.
const BASE_BACKOFF: Duration = Duration::from_millis(250);

/// New prices for a product or a variant. Absolute amounts (never deltas), sent as plain JSON
/// numbers written from the exact decimal text; at least one must be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PriceUpdate {
    /// Pre-tax price.
    pub price: Option<Money>,
    /// Sale price (0 ends a sale).
    pub sale_price: Option<Money>,
    /// Cost.
    pub cost_price: Option<Money>,
}

impl PriceUpdate {
    /// The request body, e.g. `{"price":149.95}`. Amounts are written from their exact decimal
    /// text, so no binary floating point is ever involved on the way to the store.
    pub fn to_json(&self) -> Result<String, Error> {
        let mut parts = Vec::new();
        for (name, value) in [("price", self.price), ("sale_price", self.sale_price), ("cost_price", self.cost_price)] {
            if let Some(m) = value {
                if m.minor < 0 {
                    return Err(Error::Decode(format!("{name} must not be negative")));
                }
                parts.push(format!("\"{name}\":{}", m.to_decimal_string()));
            }
        }
        if parts.is_empty() {
            return Err(Error::Decode("a price update needs at least one amount".into()));
        }
        Ok(format!("{{{}}}", parts.join(",")))
    }
}

/// Where the two services live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SallaUrls {
    /// OAuth server (`https://accounts.salla.sa`).
    pub accounts: String,
    /// Merchant API base (`https://api.salla.dev/admin/v2`).
    pub api: String,
}

impl Default for SallaUrls {
    fn default() -> Self {
        Self { accounts: DEFAULT_ACCOUNTS_URL.into(), api: DEFAULT_API_URL.into() }
    }
}

impl SallaUrls {
    /// The defaults, overridden by `SPO_SALLA_ACCOUNTS_URL` and `SPO_SALLA_API_URL`.
    pub fn from_env() -> Self {
        let mut urls = Self::default();
        if let Ok(v) = std::env::var("SPO_SALLA_ACCOUNTS_URL") {
            if !v.is_empty() {
                urls.accounts = v;
            }
        }
        if let Ok(v) = std::env::var("SPO_SALLA_API_URL") {
            if !v.is_empty() {
                urls.api = v;
            }
        }
        urls
    }
}

/// A Salla app's credentials (Custom Mode). The secret never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// Client id from the Partners portal.
    pub client_id: String,
    /// Client secret from the Partners portal.
    pub client_secret: String,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// Errors of Salla calls. Messages never contain tokens or secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The refresh token or code was already used or revoked: access is lost unless another task
    /// already rotated the tokens.
    #[error("Salla refused the grant (invalid_grant): {}", .0.message)]
    InvalidGrant(ApiError),
    /// The access token is invalid, expired or lacks a scope.
    #[error("Salla rejected the access token: {}", .0.message)]
    Unauthorized(ApiError),
    /// Too many requests; retry after the given time.
    #[error("Salla rate limit reached; retry in {} s", .retry_after.as_secs())]
    RateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// Any other error answer with Salla's error envelope (a 422 names each refused field).
    #[error("Salla answered {}: {}", .0.status, .0.describe())]
    Api(ApiError),
    /// An error status without a readable body.
    #[error("Salla answered HTTP {0}")]
    Status(u16),
    /// The request did not complete (DNS, connect, TLS, timeout).
    #[error("could not reach Salla: {0}")]
    Network(String),
    /// The answer was not what the API documents.
    #[error("unexpected answer from Salla: {0}")]
    Decode(String),
    /// The token endpoint's answer was unusable.
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl Error {
    /// True when the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Network(_) => true,
            Error::Status(s) => *s >= 500,
            Error::Api(e) => e.status >= 500,
            _ => false,
        }
    }
}

/// Who authorised the app and for which store (`/oauth2/user/info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// Salla store (merchant) id.
    pub merchant_id: i64,
    /// Store name.
    pub store_name: String,
    /// Store domain.
    pub domain: Option<String>,
    /// Store plan (`plus`, `pro`, `special`, …).
    pub plan: Option<String>,
}

#[derive(Deserialize)]
struct RawMerchant {
    #[serde(deserialize_with = "crate::model::required_id_de")]
    id: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    plan: Option<String>,
}

#[derive(Deserialize)]
struct RawUser {
    merchant: RawMerchant,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawUserInfo {
    Enveloped { data: RawUser },
    Bare(RawUser),
}

/// The client. Cheap to clone; one per app is enough.
#[derive(Debug, Clone)]
pub struct SallaClient {
    http: reqwest::Client,
    urls: SallaUrls,
    leak_interval: Duration,
}

impl SallaClient {
    /// A client for the given base URLs with sane timeouts (connect 10 s, whole request 60 s).
    pub fn new(urls: SallaUrls) -> Result<Self, Error> {
        Self::with_timeouts(urls, Duration::from_secs(10), Duration::from_secs(60))
    }

    /// A client with the given connect and whole-request timeouts.
    pub fn with_timeouts(urls: SallaUrls, connect: Duration, total: Duration) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .user_agent(concat!("SallaPriceOptimizer/", env!("CARGO_PKG_VERSION")))
            // The authorize redirect is read, not followed; API calls never redirect.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Network(e.to_string()))?;
        Ok(Self { http, urls, leak_interval: Duration::from_secs(1) })
    }

    /// Spacing between requests once the per-minute budget is spent. Salla's bucket leaks one
    /// request per second (the default); a test server on an accelerated clock leaks faster.
    pub fn with_leak_interval(mut self, interval: Duration) -> Self {
        self.leak_interval = interval;
        self
    }

    /// The base URLs in use.
    pub fn urls(&self) -> &SallaUrls {
        &self.urls
    }

    /// A new authorization request for `client_id` and the registered `redirect_uri`.
    pub fn authorize(&self, client_id: &str, redirect_uri: &str) -> Result<AuthorizeRequest, Error> {
        AuthorizeRequest::new(&self.urls.accounts, client_id, redirect_uri, crate::auth::DEFAULT_SCOPES)
            .map_err(|e| Error::Decode(format!("invalid accounts URL: {e}")))
    }

    /// Redeems an authorization code (client credentials in the form body, as Salla requires).
    pub async fn exchange_code(
        &self,
        creds: &ClientCredentials,
        request: &AuthorizeRequest,
        code: &str,
        now: u64,
    ) -> Result<TokenSet, Error> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &creds.client_id),
            ("client_secret", &creds.client_secret),
            ("redirect_uri", request.redirect_uri()),
            ("code_verifier", request.pkce_verifier()),
        ];
        self.token_call(&form, now).await
    }

    /// Exchanges a refresh token for a new pair. Salla's refresh tokens are single-use: the caller
    /// must persist the returned pair before using it, and must never send the same token twice.
    pub async fn refresh(&self, creds: &ClientCredentials, refresh_token: &str, now: u64) -> Result<TokenSet, Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &creds.client_id),
            ("client_secret", &creds.client_secret),
        ];
        self.token_call(&form, now).await
    }

    async fn token_call(&self, form: &[(&str, &str)], now: u64) -> Result<TokenSet, Error> {
        let url = format!("{}/oauth2/token", self.urls.accounts.trim_end_matches('/'));
        let resp = self.http.post(url).form(form).send().await.map_err(network)?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(network)?;
        if (200..300).contains(&status) {
            return Ok(TokenSet::from_response(&body, now)?);
        }
        Err(classify(status, &body, None))
    }

    /// Follows the authorize URL one step without a browser and returns the callback query it
    /// redirects to. Only for servers that consent automatically (the local demo store).
    pub async fn authorize_without_browser(&self, request: &AuthorizeRequest) -> Result<String, Error> {
        let resp = self.http.get(request.url().clone()).send().await.map_err(network)?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or(Error::Status(status))?;
        let url = url::Url::parse(&location).map_err(|e| Error::Decode(format!("bad redirect: {e}")))?;
        Ok(url.query().unwrap_or_default().to_owned())
    }

    /// The merchant and store behind an access token.
    pub async fn user_info(&self, access_token: &str) -> Result<UserInfo, Error> {
        let url = format!("{}/oauth2/user/info", self.urls.accounts.trim_end_matches('/'));
        let body = self.get_json(&url, access_token, &[]).await?;
        let raw: RawUserInfo = serde_json::from_str(&body).map_err(|e| Error::Decode(format!("user info: {e}")))?;
        let user = match raw {
            RawUserInfo::Enveloped { data } => data,
            RawUserInfo::Bare(u) => u,
        };
        let m = user.merchant;
        Ok(UserInfo {
            merchant_id: m.id,
            store_name: m.name.or(m.username).unwrap_or_else(|| format!("Salla store {}", m.id)),
            domain: m.domain,
            plan: m.plan,
        })
    }

    /// One page of products (`page` is 1-based; `per_page` at most 60).
    pub async fn products_page(&self, access_token: &str, page: u32, per_page: u32) -> Result<Page<Product>, Error> {
        let query = [("page", page.max(1).to_string()), ("per_page", per_page.clamp(1, MAX_PER_PAGE).to_string())];
        self.get(&self.api("/products"), access_token, &query, "products").await
    }

    /// The store's taxes (`GET /taxes`, scope `taxes.read`).
    pub async fn taxes(&self, access_token: &str) -> Result<Vec<crate::Tax>, Error> {
        let page: Page<crate::Tax> = self.get(&self.api("/taxes"), access_token, &[], "taxes").await?;
        Ok(page.data)
    }

    /// One page of a product's variants.
    pub async fn variants_page(&self, access_token: &str, product_id: i64, page: u32) -> Result<Page<Variant>, Error> {
        let query = [("page", page.max(1).to_string()), ("per_page", MAX_PER_PAGE.to_string())];
        self.get(&self.api(&format!("/products/{product_id}/variants")), access_token, &query, "variants").await
    }

    /// One page of orders placed between `from` and `to` (inclusive, `YYYY-MM-DD` in the store's
    /// time zone), newest first.
    pub async fn orders_page(
        &self,
        access_token: &str,
        from: &str,
        to: &str,
        page: u32,
        per_page: u32,
    ) -> Result<Page<Order>, Error> {
        let query = [
            ("from_date", from.to_owned()),
            ("to_date", to.to_owned()),
            ("page", page.max(1).to_string()),
            ("per_page", per_page.clamp(1, MAX_PER_PAGE).to_string()),
        ];
        self.get(&self.api("/orders"), access_token, &query, "orders").await
    }

    /// The lines of one order (`/orders/items?order_id=`).
    pub async fn order_items(&self, access_token: &str, order_id: i64) -> Result<Vec<OrderItem>, Error> {
        let query = [("order_id", order_id.to_string())];
        let page: Page<OrderItem> = self.get(&self.api("/orders/items"), access_token, &query, "order items").await?;
        Ok(page.data)
    }

    /// One product as it is now (`GET /products/{id}`): read back after a price write, and read
    /// before retrying one whose outcome is unknown.
    pub async fn product(&self, access_token: &str, product_id: i64) -> Result<Product, Error> {
        let one: One<Product> =
            self.get(&self.api(&format!("/products/{product_id}")), access_token, &[], "product").await?;
        Ok(one.data)
    }

    /// Sets a product's price, sale price and/or cost (`PUT /products/{id}`, answered with 201 and
    /// the updated product). Never retried here: the caller records a durable intent first and
    /// reads the product back to confirm.
    pub async fn update_product(
        &self,
        access_token: &str,
        product_id: i64,
        update: &PriceUpdate,
    ) -> Result<Product, Error> {
        self.put(&self.api(&format!("/products/{product_id}")), access_token, update, "product update").await
    }

    /// Sets a variant's price, sale price and/or cost (`PUT /products/variants/{id}`, 201).
    pub async fn update_variant(
        &self,
        access_token: &str,
        variant_id: i64,
        update: &PriceUpdate,
    ) -> Result<Variant, Error> {
        self.put(&self.api(&format!("/products/variants/{variant_id}")), access_token, update, "variant update").await
    }

    fn api(&self, path: &str) -> String {
        format!("{}{path}", self.urls.api.trim_end_matches('/'))
    }

    async fn put<T: DeserializeOwned>(
        &self,
        url: &str,
        access_token: &str,
        update: &PriceUpdate,
        what: &str,
    ) -> Result<T, Error> {
        let resp = self
            .http
            .put(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(update.to_json()?)
            .send()
            .await
            .map_err(network)?;
        let status = resp.status().as_u16();
        let headers = RateHeaders::read(resp.headers());
        let body = resp.text().await.map_err(network)?;
        if !(200..300).contains(&status) {
            return Err(classify(status, &body, headers.retry_after));
        }
        self.pace(&headers).await;
        let one: One<T> = serde_json::from_str(&body).map_err(|e| Error::Decode(format!("{what}: {e}")))?;
        Ok(one.data)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        access_token: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, Error> {
        let mut transient = 0;
        loop {
            let result = self
                .get_json(url, access_token, query)
                .await
                .and_then(|body| serde_json::from_str(&body).map_err(|e| Error::Decode(format!("{what}: {e}"))));
            match result {
                // GETs are idempotent: a network error, a 5xx or a truncated body is retried a few
                // times with exponential backoff and full jitter.
                Err(e) if transient < MAX_TRANSIENT_RETRIES && (e.is_retryable() || matches!(e, Error::Decode(_))) => {
                    let wait = backoff(transient);
                    transient += 1;
                    tracing::info!(error = %e, attempt = transient, wait_ms = wait.as_millis() as u64, "retrying {what}");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    async fn pace(&self, headers: &RateHeaders) {
        if let Some(wait) = headers.pause_before_next(self.leak_interval) {
            tracing::debug!(wait_ms = wait.as_millis() as u64, "rate-limit budget spent; pausing");
            tokio::time::sleep(wait).await;
        }
    }

    /// GET with bearer auth; waits out 429s (up to [`MAX_RATE_LIMIT_RETRIES`] times, each at
    /// most [`MAX_INLINE_WAIT`]) and pauses when the budget reported by the rate-limit headers is
    /// spent, so a well-behaved import never hits the limit.
    async fn get_json(&self, url: &str, access_token: &str, query: &[(&str, String)]) -> Result<String, Error> {
        let mut attempt = 0;
        loop {
            let resp = self
                .http
                .get(url)
                .bearer_auth(access_token)
                .header(reqwest::header::ACCEPT, "application/json")
                .query(query)
                .send()
                .await
                .map_err(network)?;
            let status = resp.status().as_u16();
            let headers = RateHeaders::read(resp.headers());
            let body = resp.text().await.map_err(network)?;
            if (200..300).contains(&status) {
                self.pace(&headers).await;
                return Ok(body);
            }
            let err = classify(status, &body, headers.retry_after);
            match err {
                Error::RateLimited { retry_after }
                    if attempt < MAX_RATE_LIMIT_RETRIES && retry_after <= MAX_INLINE_WAIT =>
                {
                    attempt += 1;
                    tracing::info!(retry_after_s = retry_after.as_secs(), attempt, "429 from Salla; waiting");
                    tokio::time::sleep(retry_after).await;
                }
                other => return Err(other),
            }
        }
    }
}

/// Exponential backoff with full jitter: a random wait in `[0, BASE × 2^attempt]`.
fn backoff(attempt: u32) -> Duration {
    let cap = BASE_BACKOFF.saturating_mul(1 << attempt.min(6));
    let mut b = [0u8; 8];
    let r = if getrandom::fill(&mut b).is_ok() { u64::from_le_bytes(b) } else { u64::MAX / 2 };
    let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(r % (cap_ms + 1))
}

/// The rate-limit headers of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct RateHeaders {
    remaining: Option<u64>,
    reset_epoch: Option<u64>,
    retry_after: Option<Duration>,
}

impl RateHeaders {
    fn read(h: &reqwest::header::HeaderMap) -> Self {
        let num = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
        Self {
            remaining: num("x-ratelimit-remaining"),
            reset_epoch: num("x-ratelimit-reset"),
            retry_after: num("retry-after").map(Duration::from_secs),
        }
    }

    /// Salla's bucket leaks one request per second once the plan's per-minute budget is spent
    /// (salla-api.md §3): when the headers say the budget is gone, space the next request by one
    /// second (or less, if the window resets sooner) instead of running into a 429.
    fn pause_before_next(&self, leak_interval: Duration) -> Option<Duration> {
        if self.remaining != Some(0) {
            return None;
        }
        // The reset time is read for logs only: the bucket leaks one request per interval whether
        // or not the window is about to reset, and a server clock ahead of ours must not stall us.
        tracing::trace!(reset = ?self.reset_epoch, "budget spent");
        Some(leak_interval)
    }
}

fn network(e: reqwest::Error) -> Error {
    // reqwest's Display includes the URL, never headers or bodies; URLs carry no secrets here.
    Error::Network(e.to_string())
}

fn classify(status: u16, body: &str, retry_after: Option<Duration>) -> Error {
    if status == 429 {
        return Error::RateLimited { retry_after: retry_after.unwrap_or(Duration::from_secs(1)) };
    }
    match ApiError::parse(body) {
        Some(e) if e.is_invalid_grant() => Error::InvalidGrant(e),
        Some(mut e) => {
            if e.status == 0 {
                e.status = status;
            }
            if status == 401 {
                Error::Unauthorized(e)
            } else {
                Error::Api(e)
            }
        }
        None => Error::Status(status),
    }
}
