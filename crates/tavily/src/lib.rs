//! A client of the [Tavily Search API](https://docs.tavily.com/documentation/api-reference/endpoint/search):
//! `POST {base}/search` with `Authorization: Bearer tvly-…` and a JSON body; the answer lists
//! results with `title`, `url`, `content` (a snippet) and `score` (0–1).
//!
//! Errors follow the documented statuses: 400 bad request, 401 missing or invalid key, 403
//! forbidden, 429 rate limited (optionally with `Retry-After`), 432 plan limit and 433
//! pay-as-you-go limit exceeded, 5xx server errors; the body is `{"detail": {"error": "…"}}`.
//! A search costs the merchant credits, so nothing is retried automatically: the caller shows
//! the error and the merchant decides.
//!
//! Everything a result says is untrusted text from the web: it is only ever shown or stored.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The public endpoint's base.
pub const DEFAULT_BASE_URL: &str = "https://api.tavily.com";
/// The documented maximum of `max_results`.
pub const MAX_RESULTS: u8 = 20;
/// Largest answer read.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// How deep Tavily searches (`basic` costs one credit, `advanced` two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchDepth {
    /// One credit.
    #[default]
    Basic,
    /// Two credits.
    Advanced,
}

/// The request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchRequest {
    /// What to search for.
    pub query: String,
    /// 1 to [`MAX_RESULTS`].
    pub max_results: u8,
    /// Depth.
    pub search_depth: SearchDepth,
    /// `general` (the only topic that takes `country`).
    pub topic: &'static str,
    /// Boost results from this country (`saudi arabia`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Only these domains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include_domains: Vec<String>,
    /// Never these domains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude_domains: Vec<String>,
    /// No generated answer: we only want pages.
    pub include_answer: bool,
    /// No page bodies: the fetcher reads pages itself, politely.
    pub include_raw_content: bool,
}

impl SearchRequest {
    /// A basic search in Saudi Arabia for `query`.
    pub fn new(query: impl Into<String>, max_results: u8) -> Self {
        Self {
            query: query.into(),
            max_results: max_results.clamp(1, MAX_RESULTS),
            search_depth: SearchDepth::Basic,
            topic: "general",
            country: Some("saudi arabia".into()),
            include_domains: Vec::new(),
            exclude_domains: Vec::new(),
            include_answer: false,
            include_raw_content: false,
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchResult {
    /// Page title.
    #[serde(default)]
    pub title: String,
    /// Page address.
    pub url: String,
    /// A snippet of the page.
    #[serde(default)]
    pub content: String,
    /// Relevance, 0–1.
    #[serde(default)]
    pub score: f64,
    /// Publication date, when known.
    #[serde(default)]
    pub published_date: Option<String>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchResponse {
    /// The query as Tavily ran it.
    #[serde(default)]
    pub query: String,
    /// A generated answer (we ask for none).
    #[serde(default)]
    pub answer: Option<String>,
    /// Results, best first.
    pub results: Vec<SearchResult>,
    /// Seconds Tavily spent (a number, or a numeric string in some versions).
    #[serde(default)]
    pub response_time: Option<serde_json::Value>,
}

/// What went wrong, in terms the app can explain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TavilyError {
    /// No key, or Tavily does not know it (401).
    #[error("Tavily refused the API key: {0}")]
    InvalidKey(String),
    /// The key may not do this (403).
    #[error("Tavily refused the request: {0}")]
    Forbidden(String),
    /// Too many requests (429).
    #[error("Tavily is rate limiting this key; try again in {retry_after_secs:?} s")]
    RateLimited {
        /// `Retry-After`, when sent.
        retry_after_secs: Option<u64>,
    },
    /// The plan's or the pay-as-you-go credit limit is used up (432 / 433).
    #[error("the Tavily credit limit of this key is used up: {0}")]
    QuotaExceeded(String),
    /// Tavily did not accept the request (400 and other 4xx).
    #[error("Tavily did not accept the search ({status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Tavily's message.
        message: String,
    },
    /// Tavily failed (5xx).
    #[error("Tavily is failing (HTTP {0}); try again later")]
    Server(u16),
    /// No answer in time.
    #[error("Tavily did not answer in time")]
    Timeout,
    /// Could not reach Tavily.
    #[error("could not reach Tavily: {0}")]
    Network(String),
    /// An answer that does not follow the API.
    #[error("Tavily's answer could not be read: {0}")]
    Malformed(String),
    /// The client was configured wrongly.
    #[error("invalid Tavily settings: {0}")]
    Config(String),
}

/// The client. The key is never printed.
#[derive(Clone)]
pub struct TavilyClient {
    http: reqwest::Client,
    endpoint: url::Url,
    key: String,
}

impl std::fmt::Debug for TavilyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TavilyClient").field("endpoint", &self.endpoint.as_str()).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    detail: Option<serde_json::Value>,
}

fn error_message(body: &[u8]) -> String {
    let text = || String::from_utf8_lossy(body).chars().take(200).collect::<String>();
    match serde_json::from_slice::<ErrorBody>(body).ok().and_then(|b| b.detail) {
        Some(serde_json::Value::Object(o)) => match o.get("error") {
            Some(serde_json::Value::String(s)) => s.chars().take(200).collect(),
            _ => text(),
        },
        Some(serde_json::Value::String(s)) => s.chars().take(200).collect(),
        _ => text(),
    }
}

impl TavilyClient {
    /// A client for `base_url` (normally [`DEFAULT_BASE_URL`]) with the merchant's key.
    pub fn new(base_url: &str, key: &str) -> Result<Self, TavilyError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(TavilyError::InvalidKey("no API key is set".into()));
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TavilyError::Config("the API key contains spaces or control characters".into()));
        }
        let mut base = url::Url::parse(base_url).map_err(|e| TavilyError::Config(format!("{base_url}: {e}")))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let endpoint = base.join("search").map_err(|e| TavilyError::Config(e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("SallaPriceOptimizer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TavilyError::Config(e.to_string()))?;
        Ok(Self { http, endpoint, key: key.to_owned() })
    }

    /// Runs one search.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResponse, TavilyError> {
        let mut resp = self
            .http
            .post(self.endpoint.clone())
            .bearer_auth(&self.key)
            .json(request)
            .send()
            .await
            .map_err(|e| if e.is_timeout() { TavilyError::Timeout } else { TavilyError::Network(e.to_string()) })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            if e.is_timeout() {
                TavilyError::Timeout
            } else {
                TavilyError::Network(e.to_string())
            }
        })? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(TavilyError::Malformed(format!("the answer is larger than {MAX_BODY} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(status, bytes = body.len(), "tavily search answered");
        match status {
            200 => serde_json::from_slice(&body).map_err(|e| TavilyError::Malformed(e.to_string())),
            401 => Err(TavilyError::InvalidKey(error_message(&body))),
            403 => Err(TavilyError::Forbidden(error_message(&body))),
            429 => Err(TavilyError::RateLimited { retry_after_secs: retry_after }),
            432 | 433 => Err(TavilyError::QuotaExceeded(error_message(&body))),
            s if s >= 500 => Err(TavilyError::Server(s)),
            s => Err(TavilyError::Rejected { status: s, message: error_message(&body) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_wire_shape() {
        let mut r = SearchRequest::new("قهوة سيدامو 250g", 50);
        r.exclude_domains.push("my-shop.sa".into());
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "query": "قهوة سيدامو 250g", "max_results": 20, "search_depth": "basic", "topic": "general",
                "country": "saudi arabia", "exclude_domains": ["my-shop.sa"], "include_answer": false,
                "include_raw_content": false
            })
        );
    }

    #[test]
    fn error_bodies_are_read_in_every_documented_shape() {
        assert_eq!(error_message(br#"{"detail":{"error":"Invalid API key"}}"#), "Invalid API key");
        assert_eq!(error_message(br#"{"detail":"Unauthorized"}"#), "Unauthorized");
        assert_eq!(error_message(b"Bad gateway"), "Bad gateway");
    }

    #[test]
    fn the_key_is_never_printed_and_must_be_plain() {
        let c = TavilyClient::new("https://api.tavily.com", "tvly-secret").expect("client");
        assert!(!format!("{c:?}").contains("tvly-secret"));
        assert_eq!(c.endpoint.as_str(), "https://api.tavily.com/search");
        assert!(matches!(TavilyClient::new(DEFAULT_BASE_URL, "  "), Err(TavilyError::InvalidKey(_))));
        assert!(matches!(TavilyClient::new(DEFAULT_BASE_URL, "tvly a"), Err(TavilyError::Config(_))));
        let c = TavilyClient::new("http://127.0.0.1:9/tavily", "k").expect("client");
        assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:9/tavily/search");
    }
}
