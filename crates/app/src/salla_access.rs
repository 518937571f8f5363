//! Reaching Salla for a store: its client (Salla itself, or the local demo server) and a fresh
//! access token, one refresh when Salla rejects a token, and what happens when the grant is lost.
//! Every use case that calls Salla goes through [`connect`] or [`crate::with_salla!`].

use spo_ipc as ipc;
use spo_salla::{SallaClient, SallaUrls};
use spo_salla_sim::{Sim, SimConfig};

use crate::{grants, App, AppError, Result};

/// Products in the demo store's catalogue.
pub(crate) const DEMO_PRODUCTS: usize = 240;

/// Runs `$call` (an async call using `$client: &SallaClient` and `$token: &str`) with the store's
/// client and access token; when Salla rejects the token (revoked, or expired at Salla before our
/// clock says so), refreshes once through the single-flight path and runs it once more. A macro,
/// not a function taking a closure, because the calls borrow their surroundings across awaits.
#[macro_export]
#[doc(hidden)]
macro_rules! with_salla {
    ($app:expr, $store_id:expr, |$client:ident, $token:ident| $call:expr) => {
        async {
            let (client, token) = $crate::salla_access::connect($app, $store_id).await?;
            let first = {
                let ($client, $token) = (&client, token.as_str());
                $call.await
            };
            match first {
                Err(e) if $crate::salla_access::is_rejected_token(&e) => {
                    let token = $crate::salla_access::reauthorize($app, $store_id, &client, &token).await?;
                    let ($client, $token) = (&client, token.as_str());
                    $call.await
                }
                other => other,
            }
        }
        .await
    };
}

/// A client and a fresh access token for a store. A lost authorization marks the store "needs
/// reconnect" and says so.
pub(crate) async fn connect(app: &App, store_id: &str) -> Result<(SallaClient, String)> {
    // In a team only the seat running the store calls Salla for it (and refreshes its tokens).
    app.ensure_runs_store(store_id).await?;
    let store = app.db().store(store_id).await?;
    let merchant =
        store.salla_store_id.ok_or_else(|| AppError::InvalidInput("this store has no Salla id yet".into()))?;
    grants::adopt_legacy(app, merchant).await?;
    let account = grants::account(app.profile(), merchant);
    let client = client_for(app, &store, &account).await?;
    match app.tokens.access_token(&client, &account, app.now_u64()).await {
        Ok(t) => Ok((client, t)),
        Err(AppError::NeedsReconnect(reason)) => Err(lose_grant(app, store_id, reason).await),
        Err(e) => Err(e),
    }
}

/// Whether Salla refused the access token itself (401), as opposed to the request.
pub(crate) fn is_rejected_token(e: &AppError) -> bool {
    matches!(e, AppError::Salla(spo_salla::Error::Unauthorized(_) | spo_salla::Error::Status(401)))
}

/// Salla answered 401 to `rejected`: one refresh through the single-flight path (which respects
/// the refresh journal). A refused refresh loses the grant: see [`lose_grant`].
pub(crate) async fn reauthorize(app: &App, store_id: &str, client: &SallaClient, rejected: &str) -> Result<String> {
    let store = app.db().store(store_id).await?;
    let merchant =
        store.salla_store_id.ok_or_else(|| AppError::InvalidInput("this store has no Salla id yet".into()))?;
    match app.tokens.refresh_rejected(client, &grants::account(app.profile(), merchant), rejected, app.now_u64()).await
    {
        Err(AppError::NeedsReconnect(reason)) => Err(lose_grant(app, store_id, reason).await),
        other => other,
    }
}

/// The store's grant is gone: the store is marked "needs reconnect" (its jobs then wait, see
/// `jobs.rs`) and the merchant is told once, when it changes. Returns the error to report.
pub(crate) async fn lose_grant(app: &App, store_id: &str, reason: String) -> AppError {
    let was = app.db().store(store_id).await.map(|s| s.status);
    if let Err(e) = app.db().set_store_status(store_id, spo_domain::store::StoreStatus::NeedsReconnect, &reason).await {
        tracing::warn!(error = %e, "the store could not be marked for reconnect");
    }
    if let Ok(spo_domain::store::StoreStatus::Active) = was {
        let name = app.db().store(store_id).await.map(|s| s.name).unwrap_or_default();
        let notice = crate::notify::Notice {
            kind: ipc::NotifyKind::AuthLost,
            store_id: Some(store_id.to_owned()),
            title: ("Reconnect the store to Salla".into(), "أعد ربط المتجر بسلة".into()),
            body: (
                format!("{name}: Salla no longer accepts the app's authorization, so imports and price changes have stopped. Reconnect the store. ({reason})"),
                format!("{name}: لم تعد سلة تقبل تفويض التطبيق، فتوقف الاستيراد وتغيير الأسعار. أعد ربط المتجر. ({reason})"),
            ),
            page: "settings",
        };
        if let Err(e) = app.notify(notice).await {
            tracing::warn!(error = %e, "the reconnect notice could not be kept");
        }
    }
    AppError::NeedsReconnect(reason)
}

/// Where the demo store keeps the prices written to it, so they outlive one `spo` process.
pub(crate) fn demo_state_file(app: &App) -> std::path::PathBuf {
    app.paths().data_dir.join("demo-store.json")
}

pub(crate) async fn start_sim(config: SimConfig) -> Result<Sim> {
    Sim::start(config).await.map_err(|e| AppError::Internal(format!("cannot start the demo store: {e}")))
}

/// The client to reach a store: Salla itself, or the local demo server (restarted with the
/// stored credentials and grant after an app restart).
pub(crate) async fn client_for(app: &App, store: &spo_domain::store::Store, account: &str) -> Result<SallaClient> {
    if !store.is_demo {
        return Ok(SallaClient::new(SallaUrls::from_env())?);
    }
    let mut demo = app.demo.lock().await;
    if demo.is_none() {
        let grant = app.tokens.load(account).await?;
        let sim = start_sim(SimConfig {
            state_file: Some(demo_state_file(app)),
            ..SimConfig::demo_with_credentials(DEMO_PRODUCTS, grant.client_id.clone(), grant.client_secret.clone())
        })
        .await?;
        sim.restore_grant(&grant.access_token, grant.refresh_token.as_deref(), grant.expires_at);
        *demo = Some(sim);
    }
    let sim = demo.as_ref().expect("BUG: started just above");
    Ok(SallaClient::new(SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() })?)
}
