//! Connecting the demo store and importing a catalogue.

use spo_ipc as ipc;
use spo_salla::{ClientCredentials, SallaClient, SallaUrls};
use spo_salla_sim::SimConfig;
use spo_store::NewStore;

use crate::grants::{self, StoredGrant};
use crate::salla_access::{demo_state_file, start_sim, DEMO_PRODUCTS};
use crate::{convert, App, AppError, Result};

/// How long the loopback listener waits for the merchant to finish signing in.
pub(crate) const SIGN_IN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Custom Mode: the merchant's own Salla app. Opens the authorize URL through `open_browser` (the
/// system browser, never a webview), waits on `127.0.0.1:redirect_port` for the callback (at most
/// five minutes, or until `cancel`), then connects the store like the demo.
pub(crate) async fn connect_with_credentials(
    app: &App,
    creds: ClientCredentials,
    redirect_port: u16,
    open_browser: impl FnOnce(&str),
    cancel: impl std::future::Future<Output = ()>,
) -> Result<ipc::ConnectedStore> {
    if creds.client_id.trim().is_empty() || creds.client_secret.trim().is_empty() {
        return Err(AppError::InvalidInput("the client id and client secret are both required".into()));
    }
    let listener =
        spo_salla::LoopbackListener::bind(redirect_port).await.map_err(|e| AppError::SignIn(e.to_string()))?;
    let client = SallaClient::new(SallaUrls::from_env())?;
    let mut request = client.authorize(&creds.client_id, &listener.redirect_uri())?;
    open_browser(request.url().as_str());
    let code = listener
        .wait_for_code(&mut request, SIGN_IN_TIMEOUT, cancel)
        .await
        .map_err(|e| AppError::SignIn(e.to_string()))?;
    let tokens = client.exchange_code(&creds, &request, &code, app.now_u64()).await?;
    finish_connect(app, &client, creds, tokens, Origin::Authorized).await
}

/// Paste tokens: checked against Salla (user info) before anything is stored.
/// Longest pasted credential taken (Salla's tokens are about 90 characters; the whole grant must
/// fit the keychain's 2,560 bytes).
const MAX_TOKEN_CHARS: usize = 512;

/// A pasted token, id or secret is one word of visible ASCII, not a page of text: it is sent as an
/// HTTP header and kept in the keychain.
fn check_token(what: &str, v: &str) -> Result<()> {
    if v.len() > MAX_TOKEN_CHARS {
        return Err(AppError::InvalidInput(format!(
            "the {what} is {} long; Salla's are under {MAX_TOKEN_CHARS} characters (was something else pasted?)",
            spo_domain::ports::readable_size(v.len())
        )));
    }
    if let Some(c) = v.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(AppError::InvalidInput(format!(
            "the {what} contains {c:?}; a token is one word of letters, digits and symbols"
        )));
    }
    Ok(())
}

pub(crate) async fn connect_with_tokens(
    app: &App,
    access_token: String,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Result<ipc::ConnectedStore> {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let access_token = access_token.trim().to_owned();
    if access_token.is_empty() {
        return Err(AppError::InvalidInput("the access token is required".into()));
    }
    check_token("access token", &access_token)?;
    if let Some(r) = clean(refresh_token.clone()) {
        check_token("refresh token", &r)?;
    }
    for (what, v) in [("client id", &client_id), ("client secret", &client_secret)] {
        if let Some(v) = clean(v.clone()) {
            check_token(what, &v)?;
        }
    }
    let creds = ClientCredentials {
        client_id: clean(client_id).unwrap_or_default(),
        client_secret: clean(client_secret).unwrap_or_default(),
    };
    let client = SallaClient::new(SallaUrls::from_env())?;
    // A pasted token's age is unknown. When it can be renewed (refresh token and app credentials),
    // treat it as due: the first use refreshes and learns the real expiry. Otherwise assume
    // Salla's documented lifetime from now, so the store is flagged for reconnect in time.
    let refresh_token = clean(refresh_token);
    let renewable = refresh_token.is_some() && !creds.client_id.is_empty() && !creds.client_secret.is_empty();
    let tokens = spo_salla::TokenSet {
        access_token,
        refresh_token,
        expires_at: if renewable {
            app.now_u64()
        } else {
            app.now_u64() + spo_salla::auth::DEFAULT_ACCESS_LIFETIME_SECS
        },
        scope: None,
    };
    finish_connect(app, &client, creds, tokens, Origin::Pasted { renewable }).await
}

/// Where a connecting store's tokens come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Salla's authorization-code flow: the expiry is Salla's word.
    Authorized,
    /// Pasted by the merchant: their age is unknown; `renewable` ones are stored as due now.
    Pasted { renewable: bool },
    /// This process's own demo server.
    Demo,
}

/// After a successful code exchange: identify the store, keep the grant in the keychain (before
/// any local row exists: fail closed), record the store and import its catalogue.
async fn finish_connect(
    app: &App,
    client: &SallaClient,
    creds: ClientCredentials,
    tokens: spo_salla::TokenSet,
    origin: Origin,
) -> Result<ipc::ConnectedStore> {
    let is_demo = origin == Origin::Demo;
    let info = client.user_info(&tokens.access_token).await?;
    let grant = StoredGrant {
        v: 1,
        client_id: creds.client_id,
        client_secret: creds.client_secret,
        access_token: tokens.access_token.clone(),
        refresh_token: tokens.refresh_token,
        expires_at: tokens.expires_at,
        issued_at: app.now_u64(),
        refreshing_since: None,
        expiry_assumed: origin == Origin::Pasted { renewable: true },
    };
    if !is_demo {
        // The demo store's tokens come from this process's own simulator: nothing to share.
        grants::claim(app, info.merchant_id).await?;
    }
    grants::save(app.secrets(), grants::account(app.profile(), info.merchant_id), &grant).await?;
    let store_id = app
        .db()
        .insert_store(&NewStore {
            salla_store_id: Some(info.merchant_id),
            name: info.store_name.clone(),
            domain: info.domain.clone(),
            is_demo,
        })
        .await?;
    let cancel = tokio_util::sync::CancellationToken::new();
    let summary = crate::sync::import_catalog(app, client, &tokens.access_token, &store_id, &|_| {}, &cancel).await?;
    let (imported, skipped) = (summary.imported, summary.skipped);
    tracing::info!(store_id, imported, skipped, is_demo, "store connected");
    // The new store's jobs join a running scheduler.
    app.refresh_scheduler().await;
    let store = app.db().store(&store_id).await?;
    Ok(ipc::ConnectedStore { store: convert::store_to_ipc(store), imported, skipped })
}

pub(crate) async fn connect_demo_store(app: &App) -> Result<ipc::ConnectedStore> {
    if let Some(id) = app.db().demo_store_id().await? {
        let store = app.db().list_stores().await?.into_iter().find(|s| s.id == id).ok_or(spo_store::Error::NotFound)?;
        return Ok(ipc::ConnectedStore { store: convert::store_to_ipc(store), imported: 0, skipped: 0 });
    }
    let mut demo = app.demo.lock().await;
    if demo.is_none() {
        // A new demo store starts from the catalogue as generated.
        let _ = std::fs::remove_file(demo_state_file(app));
        *demo = Some(
            start_sim(SimConfig { state_file: Some(demo_state_file(app)), ..SimConfig::demo(DEMO_PRODUCTS) }).await?,
        );
    }
    let sim = demo.as_ref().expect("BUG: started just above");
    let config = sim.config();
    let client = SallaClient::new(SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() })?;
    let creds = ClientCredentials { client_id: config.client_id.clone(), client_secret: config.client_secret.clone() };

    // The real authorization-code flow; the demo server consents by itself, so the redirect is
    // read directly instead of going through the system browser.
    let mut request = client.authorize(&creds.client_id, &config.redirect_uri)?;
    let callback = client.authorize_without_browser(&request).await?;
    let code = request
        .accept_callback(&callback)
        .map_err(|e| AppError::Internal(format!("demo store authorization failed: {e}")))?;
    let tokens = client.exchange_code(&creds, &request, &code, app.now_u64()).await?;
    finish_connect(app, &client, creds, tokens, Origin::Demo).await
}
