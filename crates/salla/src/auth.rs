//! OAuth 2.0 authorization-code flow helpers for Salla (`accounts.salla.sa`).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Default authorization server.
pub const DEFAULT_ACCOUNTS_URL: &str = "https://accounts.salla.sa";
/// Scopes a pricing app needs; `offline_access` is always added (no refresh token without it).
pub const DEFAULT_SCOPES: &[&str] = &["settings.read", "products.read_write", "orders.read", "taxes.read"];

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("BUG: the OS random source is unavailable");
    buf
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A pending authorization: the URL to open in the system browser and the secrets needed to check
/// the callback and redeem the code. Single use: [`AuthorizeRequest::accept_callback`] consumes
/// the `state` on the first valid callback.
pub struct AuthorizeRequest {
    url: url::Url,
    state: String,
    verifier: String,
    redirect_uri: String,
    used: bool,
}

impl fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("redirect_uri", &self.redirect_uri)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

/// Why a callback was not accepted. The flow stays pending on every variant except
/// [`CallbackError::Denied`] being reported to the user; none of them reveals the expected state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The callback carried no `state`.
    #[error("the callback has no state parameter")]
    MissingState,
    /// The `state` does not match the pending request (forged or from another flow).
    #[error("the callback's state does not match this sign-in")]
    StateMismatch,
    /// This request already accepted a callback (replay).
    #[error("this sign-in was already completed")]
    Replayed,
    /// Salla reported an error (e.g. the merchant denied access).
    #[error("Salla refused the authorization: {0}")]
    Denied(String),
    /// No `code` in an otherwise valid callback.
    #[error("the callback has no authorization code")]
    MissingCode,
}

impl AuthorizeRequest {
    /// Builds the authorize URL for `client_id` with a fresh 256-bit `state` and PKCE verifier.
    /// `redirect_uri` must be exactly what is registered for the app in the Salla Partners portal.
    pub fn new(
        accounts_url: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> Result<Self, url::ParseError> {
        // Hex, not base64: Salla strips hyphens from `state` (salla-api.md §1.4).
        let state = hex(&random_bytes::<32>());
        let verifier = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        let mut scope: Vec<&str> = scopes.iter().copied().filter(|s| *s != "offline_access").collect();
        scope.push("offline_access");
        let mut url = url::Url::parse(accounts_url)?.join("/oauth2/auth")?;
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scope.join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge", &pkce_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(Self { url, state, verifier, redirect_uri: redirect_uri.to_owned(), used: false })
    }

    /// The URL to open in the system browser (never in a webview).
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The redirect URI to send again with the code exchange.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The PKCE verifier to send with the code exchange.
    pub fn pkce_verifier(&self) -> &str {
        &self.verifier
    }

    /// Checks a callback's query string and returns the authorization code. Invalid callbacks are
    /// rejected without consuming the request, so a forged request cannot abort a real sign-in.
    pub fn accept_callback(&mut self, query: &str) -> Result<String, CallbackError> {
        let mut state = None;
        let mut code = None;
        let mut error = None;
        let mut description = None;
        for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            match k.as_ref() {
                "state" => state = Some(v.into_owned()),
                "code" => code = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                "error_description" => description = Some(v.into_owned()),
                _ => {}
            }
        }
        let state = state.ok_or(CallbackError::MissingState)?;
        let matches: bool = state.as_bytes().ct_eq(self.state.as_bytes()).into();
        if !matches {
            return Err(CallbackError::StateMismatch);
        }
        if self.used {
            return Err(CallbackError::Replayed);
        }
        if let Some(e) = error {
            self.used = true;
            return Err(CallbackError::Denied(description.map_or(e.clone(), |d| format!("{e}: {d}"))));
        }
        let code = code.filter(|c| !c.is_empty()).ok_or(CallbackError::MissingCode)?;
        self.used = true;
        Ok(code)
    }
}

/// A number that may arrive as a JSON number or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LooseU64(u64);

impl<'de> Deserialize<'de> for LooseU64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            F(f64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(LooseU64(n)),
            Raw::F(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e15 => Ok(LooseU64(f as u64)),
            Raw::F(f) => Err(serde::de::Error::custom(format!("not a whole number of seconds: {f}"))),
            Raw::S(s) => s.trim().parse().map(LooseU64).map_err(serde::de::Error::custom),
        }
    }
}

/// The token endpoint's answer, as Salla sends it (code exchange uses `expires`, refresh uses
/// `expires_in`; salla-api.md §1.7).
#[derive(Deserialize)]
struct RawTokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<LooseU64>,
    #[serde(default)]
    expires: Option<LooseU64>,
    #[serde(default)]
    scope: Option<String>,
}

/// Below this a lifetime is a duration in seconds; above it, a Unix timestamp (1e9 s ≈ 2001-09).
const EPOCH_THRESHOLD: u64 = 1_000_000_000;
/// Lifetime assumed when the server sends none: Salla's documented 14 days.
pub const DEFAULT_ACCESS_LIFETIME_SECS: u64 = 14 * 24 * 3600;

/// An access/refresh token pair with its expiry.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSet {
    /// Bearer token for the Merchant API.
    pub access_token: String,
    /// Single-use refresh token (absent when `offline_access` was not granted).
    pub refresh_token: Option<String>,
    /// When the access token expires (Unix seconds).
    pub expires_at: u64,
    /// Granted scopes, space-separated.
    pub scope: Option<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Errors reading a token response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The body is not a token response (its text is not repeated: it may contain a token).
    #[error("the token endpoint answered with an unexpected body: {0}")]
    Malformed(String),
    /// The access token is empty.
    #[error("the token endpoint returned an empty access token")]
    Empty,
}

impl TokenSet {
    /// Parses a token endpoint body received at `now` (Unix seconds). `expires_in` wins over
    /// `expires`; either may be a duration or an absolute timestamp.
    pub fn from_response(body: &str, now: u64) -> Result<TokenSet, TokenError> {
        let raw: RawTokenResponse = serde_json::from_str(body).map_err(|e| {
            // Report the position and category only: serde's message may quote a token value.
            TokenError::Malformed(format!("{:?} at line {} column {}", e.classify(), e.line(), e.column()))
        })?;
        if raw.access_token.trim().is_empty() {
            return Err(TokenError::Empty);
        }
        let lifetime = raw.expires_in.or(raw.expires).map(|v| v.0);
        let expires_at = match lifetime {
            Some(v) if v >= EPOCH_THRESHOLD => v,
            Some(v) => now.saturating_add(v),
            None => now.saturating_add(DEFAULT_ACCESS_LIFETIME_SECS),
        };
        Ok(TokenSet {
            access_token: raw.access_token,
            refresh_token: raw.refresh_token.filter(|r| !r.is_empty()),
            expires_at,
            scope: raw.scope,
        })
    }

    /// True when the access token should be refreshed at `now`: less than `margin` seconds left.
    pub fn needs_refresh(&self, now: u64, margin: u64) -> bool {
        self.expires_at <= now.saturating_add(margin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> AuthorizeRequest {
        AuthorizeRequest::new(DEFAULT_ACCOUNTS_URL, "client-1", "http://127.0.0.1:8723/callback", DEFAULT_SCOPES)
            .expect("valid url")
    }

    fn param(req: &AuthorizeRequest, name: &str) -> String {
        req.url().query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).expect(name)
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn authorize_url_carries_what_salla_and_rfc_require() {
        let req = request();
        assert_eq!(req.url().as_str().split('?').next(), Some("https://accounts.salla.sa/oauth2/auth"));
        assert_eq!(param(&req, "response_type"), "code");
        assert_eq!(param(&req, "client_id"), "client-1");
        assert_eq!(param(&req, "redirect_uri"), "http://127.0.0.1:8723/callback");
        let scope = param(&req, "scope");
        assert!(scope.split(' ').any(|s| s == "offline_access"), "offline_access is always asked: {scope}");
        assert_eq!(scope.matches("offline_access").count(), 1);
        let state = param(&req, "state");
        assert_eq!(state.len(), 64, "256-bit state");
        assert!(state.chars().all(|c| c.is_ascii_hexdigit()), "no hyphens: Salla strips them");
        assert_ne!(state, req.pkce_verifier(), "state and verifier are independent");
        assert_eq!(param(&req, "code_challenge"), pkce_challenge(req.pkce_verifier()));
        assert_eq!(param(&req, "code_challenge_method"), "S256");
        assert_ne!(param(&request(), "state"), state, "fresh randomness per request");
    }

    #[test]
    fn forged_replayed_and_error_callbacks_are_rejected_without_aborting() {
        let mut req = request();
        let state = param(&req, "state");
        assert_eq!(req.accept_callback("code=abc"), Err(CallbackError::MissingState));
        assert_eq!(
            req.accept_callback(&format!("code=abc&state={}", "0".repeat(64))),
            Err(CallbackError::StateMismatch)
        );
        assert_eq!(req.accept_callback("code=abc&state="), Err(CallbackError::StateMismatch));
        assert_eq!(req.accept_callback(&format!("state={state}")), Err(CallbackError::MissingCode));
        // After all that, the real callback still succeeds ...
        assert_eq!(req.accept_callback(&format!("?code=the-code&state={state}&scope=x")), Ok("the-code".into()));
        // ... exactly once.
        assert_eq!(req.accept_callback(&format!("code=again&state={state}")), Err(CallbackError::Replayed));
    }

    #[test]
    fn an_error_callback_with_the_right_state_ends_the_flow() {
        let mut req = request();
        let state = param(&req, "state");
        let err = req.accept_callback(&format!("error=access_denied&error_description=User+denied&state={state}"));
        assert_eq!(err, Err(CallbackError::Denied("access_denied: User denied".into())));
        assert_eq!(req.accept_callback(&format!("code=x&state={state}")), Err(CallbackError::Replayed));
        // A forged error (wrong state) is ignored like any forged callback.
        let mut req = request();
        assert_eq!(req.accept_callback("error=access_denied&state=f00"), Err(CallbackError::StateMismatch));
    }

    #[test]
    fn token_lifetime_as_duration_or_epoch() {
        let now = 1_764_000_000;
        let code_exchange = r#"{"access_token":"ory_at_a","expires":1209599,"refresh_token":"ory_rt_b","scope":"products.read_write offline_access","token_type":"bearer"}"#;
        let t = TokenSet::from_response(code_exchange, now).expect("parse");
        assert_eq!(t.expires_at, now + 1_209_599);
        assert_eq!(t.refresh_token.as_deref(), Some("ory_rt_b"));
        let refresh =
            r#"{"access_token":"ory_at_c","expires_in":"1209599","refresh_token":"ory_rt_d","token_type":"bearer"}"#;
        assert_eq!(TokenSet::from_response(refresh, now).expect("parse").expires_at, now + 1_209_599);
        let epoch = r#"{"access_token":"a","expires":1765209599}"#;
        assert_eq!(TokenSet::from_response(epoch, now).expect("parse").expires_at, 1_765_209_599);
        let none = r#"{"access_token":"a","refresh_token":""}"#;
        let t = TokenSet::from_response(none, now).expect("parse");
        assert_eq!(t.expires_at, now + DEFAULT_ACCESS_LIFETIME_SECS);
        assert_eq!(t.refresh_token, None);
        assert!(t.needs_refresh(now + DEFAULT_ACCESS_LIFETIME_SECS - 10, 60));
        assert!(!t.needs_refresh(now, 60));
    }

    #[test]
    fn token_errors_never_echo_the_body() {
        let body = r#"{"access_token": 12, "refresh_token":"ory_rt_SECRET"}"#;
        let err = TokenSet::from_response(body, 0).expect_err("access_token must be a string");
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert_eq!(TokenSet::from_response(r#"{"access_token":" "}"#, 0), Err(TokenError::Empty));
        let t = TokenSet::from_response(r#"{"access_token":"ory_at_SECRET","refresh_token":"ory_rt_SECRET"}"#, 0)
            .expect("parse");
        assert!(!format!("{t:?}").contains("SECRET"), "Debug must redact tokens");
    }
}
