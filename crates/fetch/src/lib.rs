//! Fetching competitor pages politely and safely.
//!
//! * **robots.txt** (RFC 9309) per host, cached at most 24 h: 2xx is parsed (first 500 KiB), 4xx
//!   allows everything, 5xx or an unreachable host disallows everything. A larger `Crawl-delay`
//!   wins over the configured interval.
//! * **One request at a time per host** with a minimum interval (default 10 s); 429 and 503 push
//!   the host's next slot back by `Retry-After` (seconds or HTTP date) or by an exponential backoff
//!   with jitter.
//! * **Caps**: connect 10 s, whole request 30 s, 5 MiB after decompression, at most 5 redirects,
//!   each followed by hand so every hop is checked.
//! * **SSRF**: https only, and after DNS resolution no loopback, private, link-local or metadata
//!   address, on every hop and connection — unless the user allowed that host explicitly (the demo
//!   store and tests do), which also permits plain http for it.
//! * **Conditional requests**: `If-None-Match` / `If-Modified-Since` from the last answer; 304 is
//!   reported as "not modified".
//!
//! **Invariants:** no storage, no UI; everything a page says is returned as data.
#![deny(missing_docs)]

mod charset;
mod guard;
mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

pub use guard::is_forbidden;

/// How the fetcher behaves.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Identifying User-Agent with a contact URL.
    pub user_agent: String,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (each hop).
    pub total_timeout: Duration,
    /// Largest body kept, after decompression.
    pub max_body: usize,
    /// Redirects followed at most.
    pub max_redirects: u8,
    /// Minimum time between two requests to one host.
    pub min_interval: Duration,
    /// How long a robots.txt answer is trusted.
    pub robots_ttl: Duration,
    /// Hosts (`host` or `host:port`, lower case) the user allowed even on private addresses and
    /// over plain http.
    pub allowed_hosts: Vec<String>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: concat!(
                "SallaPriceOptimizer/",
                env!("CARGO_PKG_VERSION"),
                " (+https://priceoptimizer.sa/bot; price checks for one merchant)"
            )
            .into(),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_body: 5 * 1024 * 1024,
            max_redirects: 5,
            min_interval: Duration::from_secs(10),
            robots_ttl: Duration::from_secs(24 * 3600),
            allowed_hosts: Vec::new(),
        }
    }
}

/// Validators from the previous answer, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
}

/// A fetched page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The page as text, decoded from its declared charset (header, BOM or `<meta>`; UTF-8 by
    /// default; undecodable bytes replaced).
    Page {
        /// URL after redirects.
        final_url: String,
        /// Body.
        body: String,
        /// Validators for the next conditional request.
        validators: Validators,
    },
    /// 304: unchanged since the validators were issued.
    NotModified {
        /// URL after redirects.
        final_url: String,
    },
}

/// Why a page was not fetched, in terms a merchant can be told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Not an absolute http(s) URL.
    #[error("not a valid web address: {0}")]
    InvalidUrl(String),
    /// Plain http to a host the user did not allow.
    #[error("only https addresses are fetched: {0}")]
    NotHttps(String),
    /// The site's robots.txt forbids it (or the site's robots.txt could not be read: 5xx).
    #[error("blocked by the site's robots.txt: {0}")]
    BlockedByRobots(String),
    /// The address is private, local or a cloud metadata service.
    #[error("refused: {0} is a private or local address")]
    Forbidden(String),
    /// More than the redirect limit.
    #[error("too many redirects (more than {0})")]
    TooManyRedirects(u8),
    /// The body is larger than the cap.
    #[error("the page is larger than {0} bytes")]
    TooLarge(usize),
    /// No answer in time.
    #[error("timed out")]
    Timeout,
    /// The site asks to slow down; the next request to it waits at least this long.
    #[error("the site asked us to slow down (retry in {} s)", .0.as_secs())]
    RateLimited(Duration),
    /// Another error status.
    #[error("the site answered HTTP {0}")]
    Status(u16),
    /// Could not connect (DNS, TLS, refused).
    #[error("could not reach the site: {0}")]
    Network(String),
}

#[derive(Debug, Default)]
struct HostState {
    /// When the next request to this host may start.
    next_slot: Option<Instant>,
    /// Consecutive 429/503 answers (for the backoff).
    strikes: u32,
    robots: Option<(robots::Rules, Instant)>,
}

/// The fetcher. Cheap to clone; share one per app.
#[derive(Debug, Clone)]
pub struct Fetcher {
    cfg: Arc<FetchConfig>,
    /// The HTTP client and the hosts it may reach inside; swapped whole when the user changes the
    /// allow-list, so a pooled connection never outlives the permission it was opened under.
    access: Arc<std::sync::RwLock<Access>>,
    hosts: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<HostState>>>>>,
}

#[derive(Debug)]
struct Access {
    http: reqwest::Client,
    allowed_hosts: Vec<String>,
}

fn normalize_hosts(hosts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = hosts.iter().map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

fn build_client(cfg: &FetchConfig, allowed_hosts: &[String]) -> Result<reqwest::Client, FetchError> {
    let mut allowed: Vec<String> = Vec::new();
    for h in allowed_hosts {
        // The resolver sees host names without ports.
        allowed.push(h.rsplit_once(':').map_or(h.clone(), |(name, _)| name.to_owned()));
        allowed.push(h.clone());
    }
    reqwest::Client::builder()
        .user_agent(cfg.user_agent.clone())
        .connect_timeout(cfg.connect_timeout)
        .timeout(cfg.total_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(guard::GuardedResolver { allowed_hosts: Arc::new(allowed) }))
        .build()
        .map_err(|e| FetchError::Network(e.to_string()))
}

fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

impl Fetcher {
    /// A fetcher with `cfg`.
    pub fn new(cfg: FetchConfig) -> Result<Self, FetchError> {
        let allowed_hosts = normalize_hosts(&cfg.allowed_hosts);
        let http = build_client(&cfg, &allowed_hosts)?;
        Ok(Self {
            cfg: Arc::new(cfg),
            access: Arc::new(std::sync::RwLock::new(Access { http, allowed_hosts })),
            hosts: Arc::default(),
        })
    }

    /// Replaces the hosts allowed on private addresses and plain http (the Settings list). Pacing
    /// and robots.txt state are kept; connections opened under the old list are dropped.
    pub fn set_allowed_hosts(&self, hosts: &[String]) -> Result<(), FetchError> {
        let allowed_hosts = normalize_hosts(hosts);
        let http = build_client(&self.cfg, &allowed_hosts)?;
        *self.access.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Access { http, allowed_hosts };
        Ok(())
    }

    /// The hosts allowed now.
    pub fn allowed_hosts(&self) -> Vec<String> {
        self.access.read().unwrap_or_else(std::sync::PoisonError::into_inner).allowed_hosts.clone()
    }

    fn http(&self) -> reqwest::Client {
        self.access.read().unwrap_or_else(std::sync::PoisonError::into_inner).http.clone()
    }

    /// Exactly the host and port allowed: `vm:18801` is that port only, a bare `vm` its default
    /// ports (80 and 443) only.
    fn is_allowed_host(&self, url: &Url) -> bool {
        let key = host_key(url);
        let access = self.access.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        access.allowed_hosts.contains(&key)
    }

    /// The host name is in the allow list with another port: the resolver lets that name reach
    /// private addresses, so any other port of it is refused here.
    fn is_other_port_of_allowed(&self, url: &Url) -> bool {
        let name = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let access = self.access.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        access.allowed_hosts.iter().any(|h| h.rsplit_once(':').map_or(h.as_str(), |(n, _)| n) == name)
    }

    fn state(&self, url: &Url) -> Arc<tokio::sync::Mutex<HostState>> {
        let mut hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(hosts.entry(host_key(url)).or_default())
    }

    /// Checks scheme and literal addresses before anything is sent.
    fn check_target(&self, url: &Url) -> Result<(), FetchError> {
        let allowed = self.is_allowed_host(url);
        if !allowed && self.is_other_port_of_allowed(url) {
            return Err(FetchError::Forbidden(host_key(url)));
        }
        if !allowed {
            let literal = match url.host() {
                Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            let localhost = url.host_str().is_some_and(|h| {
                let h = h.trim_end_matches('.').to_ascii_lowercase();
                h == "localhost" || h.ends_with(".localhost")
            });
            if literal.is_some_and(is_forbidden) || localhost {
                return Err(FetchError::Forbidden(host_key(url)));
            }
        }
        match url.scheme() {
            "https" => Ok(()),
            "http" if allowed => Ok(()),
            "http" => Err(FetchError::NotHttps(url.to_string())),
            _ => Err(FetchError::InvalidUrl(url.to_string())),
        }
    }

    /// Fetches `url` (following redirects by hand, each hop checked, paced and robots-approved).
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut current = Url::parse(url).map_err(|e| FetchError::InvalidUrl(format!("{url}: {e}")))?;
        for hop in 0..=self.cfg.max_redirects {
            self.check_target(&current)?;
            if !self.robots_allow(&current).await? {
                return Err(FetchError::BlockedByRobots(current.to_string()));
            }
            let conditional = if hop == 0 { Some(validators) } else { None };
            let resp = self.paced_get(&current, conditional, true).await?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) && status != 304 {
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(FetchError::Status(status))?;
                current = current.join(location).map_err(|e| FetchError::InvalidUrl(format!("{location}: {e}")))?;
                continue;
            }
            if status == 304 {
                return Ok(Fetched::NotModified { final_url: current.to_string() });
            }
            if !(200..300).contains(&status) {
                return Err(FetchError::Status(status));
            }
            let header = |name: reqwest::header::HeaderName| {
                resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
            };
            let content_type = header(reqwest::header::CONTENT_TYPE);
            let validators = Validators {
                etag: header(reqwest::header::ETAG),
                last_modified: header(reqwest::header::LAST_MODIFIED),
            };
            let body = read_capped(resp, self.cfg.max_body).await?;
            return Ok(Fetched::Page {
                final_url: current.to_string(),
                body: charset::decode(&body, content_type.as_deref()),
                validators,
            });
        }
        Err(FetchError::TooManyRedirects(self.cfg.max_redirects))
    }

    /// One GET, after waiting for the host's slot; books the next slot (`book`: robots.txt does
    /// not, so the page it gates follows right after it).
    async fn paced_get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        book: bool,
    ) -> Result<reqwest::Response, FetchError> {
        let state = self.state(url);
        let mut host = state.lock().await;
        if let Some(at) = host.next_slot {
            tokio::time::sleep_until(at).await;
        }
        let interval =
            self.cfg.min_interval.max(host.robots.as_ref().and_then(|(r, _)| r.crawl_delay).unwrap_or_default());
        let mut req = self.http().get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        let result = req.send().await;
        if book {
            host.next_slot = Some(Instant::now() + interval);
        }
        let resp = result.map_err(classify)?;
        let status = resp.status().as_u16();
        if status == 429 || status == 503 {
            host.strikes = host.strikes.saturating_add(1);
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after)
                .unwrap_or_else(|| backoff(interval, host.strikes));
            let wait = retry_after.max(interval);
            host.next_slot = Some(Instant::now() + wait);
            return Err(FetchError::RateLimited(wait));
        }
        host.strikes = 0;
        Ok(resp)
    }

    /// The host's robots.txt verdict for `url` (fetched or from the cache).
    async fn robots_allow(&self, url: &Url) -> Result<bool, FetchError> {
        let state = self.state(url);
        {
            let host = state.lock().await;
            if let Some((rules, at)) = &host.robots {
                if at.elapsed() < self.cfg.robots_ttl {
                    return Ok(rules.allows(url));
                }
            }
        }
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let rules = match self.fetch_robots(robots_url).await {
            Ok(rules) => rules,
            Err(FetchError::Forbidden(h)) => return Err(FetchError::Forbidden(h)),
            // The site itself cannot be reached (refused, no such host, TLS, no answer): that is
            // what the merchant is told, not a robots.txt verdict. Nothing is cached, nothing
            // fetched.
            Err(e @ (FetchError::Network(_) | FetchError::Timeout)) => return Err(e),
            Err(e) => {
                tracing::info!(error = %e, host = %host_key(url), "robots.txt unreachable: fetching nothing from this host");
                robots::Rules::disallow_all()
            }
        };
        let allowed = rules.allows(url);
        state.lock().await.robots = Some((rules, Instant::now()));
        Ok(allowed)
    }

    async fn fetch_robots(&self, mut url: Url) -> Result<robots::Rules, FetchError> {
        for _ in 0..=self.cfg.max_redirects {
            self.check_target(&url)?;
            let resp = self.paced_get(&url, None, false).await;
            let resp = match resp {
                Ok(r) => r,
                // 429/503 on robots.txt: RFC 9309 treats server errors as "disallow all".
                Err(FetchError::RateLimited(_)) => return Ok(robots::Rules::disallow_all()),
                Err(e) => return Err(e),
            };
            let status = resp.status().as_u16();
            match status {
                200..=299 => {
                    let body = read_capped(resp, robots::MAX_ROBOTS_BYTES).await.or_else(|e| match e {
                        // Only the first 500 KiB are parsed.
                        FetchError::TooLarge(_) => Ok(Vec::new()),
                        other => Err(other),
                    })?;
                    return Ok(robots::Rules::parse(&self.cfg.user_agent, &body));
                }
                300..=399 => {
                    let location = resp
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .ok_or(FetchError::Status(status))?;
                    url = url.join(location).map_err(|e| FetchError::InvalidUrl(e.to_string()))?;
                }
                400..=499 => return Ok(robots::Rules::allow_all()),
                _ => return Ok(robots::Rules::disallow_all()),
            }
        }
        Ok(robots::Rules::allow_all())
    }
}

fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    // The resolver's refusal travels as the error's source.
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::PermissionDenied {
                return FetchError::Forbidden(io.to_string());
            }
        }
        source = s.source();
    }
    FetchError::Network(e.to_string())
}

/// Reads at most `cap` bytes of body (decompressed); more is an error, and the rest is not read.
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, FetchError> {
    if resp.content_length().is_some_and(|n| n > cap as u64)
        && resp.headers().get(reqwest::header::CONTENT_ENCODING).is_none()
    {
        return Err(FetchError::TooLarge(cap));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > cap {
            return Err(FetchError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v.trim()).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or_default())
}

/// Exponential backoff with full jitter: a random wait in [base, base × 2^strikes], at most 1 h.
fn backoff(base: Duration, strikes: u32) -> Duration {
    let cap = base.saturating_mul(1 << strikes.min(8)).min(Duration::from_secs(3600));
    let mut b = [0u8; 8];
    let r = if getrandom::fill(&mut b).is_ok() { u64::from_le_bytes(b) } else { u64::MAX / 2 };
    let span = cap.saturating_sub(base).as_millis().max(1) as u64;
    base + Duration::from_millis(r % span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
        let d = parse_retry_after(&later).expect("date");
        assert!(d > Duration::from_secs(3500) && d <= Duration::from_secs(3600), "{d:?}");
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn an_allowed_host_opens_exactly_its_port() {
        let f = Fetcher::new(FetchConfig {
            allowed_hosts: vec!["vm:18801".into(), "shop.internal".into()],
            ..FetchConfig::default()
        })
        .expect("fetcher");
        let check = |u: &str| f.check_target(&Url::parse(u).expect("url"));
        assert_eq!(check("http://vm:18801/p"), Ok(()));
        assert_eq!(check("https://vm:9999/p"), Err(FetchError::Forbidden("vm:9999".into())));
        assert_eq!(check("https://vm/p"), Err(FetchError::Forbidden("vm".into())));
        assert_eq!(check("http://shop.internal/p"), Ok(()));
        assert_eq!(check("https://shop.internal/p"), Ok(()));
        assert_eq!(check("https://shop.internal:443/p"), Ok(()), "443 is https's default port");
        assert_eq!(check("https://shop.internal:8443/p"), Err(FetchError::Forbidden("shop.internal:8443".into())));
        assert_eq!(check("https://example.com/p"), Ok(()), "public hosts are not affected");
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let base = Duration::from_secs(10);
        for strikes in 0..20 {
            let d = backoff(base, strikes);
            assert!(d >= base && d <= Duration::from_secs(3600), "{strikes}: {d:?}");
        }
    }
}
