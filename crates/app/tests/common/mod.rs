//! Helpers shared by the app's integration tests.

use spo_app::App;
use spo_salla_sim::Sim;

/// A fresh app on a temporary folder (in-memory keychain) whose fetcher may read `sim`'s
/// competitor pages without delay, and a store connected from `sim`.
#[allow(dead_code)] // not every test binary uses it
pub async fn open_connected(sim: &Sim) -> (tempfile::TempDir, App, String) {
    std::env::set_var("SPO_FETCH_MIN_INTERVAL_MS", "1");
    std::env::set_var("SPO_FETCH_ALLOW_HOSTS", sim.accounts_url().trim_start_matches("http://"));
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = spo_app::AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let app = App::open(paths, std::sync::Arc::new(spo_secrets::MemoryStore::new())).await.expect("open");
    let store = connect_pasted(&app, sim).await;
    (dir, app, store)
}

/// Points this process at `sim` (nextest runs every test in its own process, so the environment
/// is the test's own) and connects a store with tokens from the real authorization-code flow, as a
/// merchant pasting them would. Returns the store's local id.
pub async fn connect_pasted(app: &App, sim: &Sim) -> String {
    std::env::set_var("SPO_SALLA_ACCOUNTS_URL", sim.accounts_url());
    std::env::set_var("SPO_SALLA_API_URL", sim.api_url());
    let client = spo_salla::SallaClient::new(spo_salla::SallaUrls::from_env()).expect("client");
    let c = sim.config();
    let creds = spo_salla::ClientCredentials { client_id: c.client_id.clone(), client_secret: c.client_secret };
    let mut req = client.authorize(&creds.client_id, &c.redirect_uri).expect("url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    let tokens = client.exchange_code(&creds, &req, &code, 0).await.expect("exchange");
    app.connect_with_tokens(tokens.access_token, tokens.refresh_token, Some(creds.client_id), Some(creds.client_secret))
        .await
        .expect("connect with tokens")
        .store
        .id
}
