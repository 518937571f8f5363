//! Helpers shared by the app's integration tests.

use spo_app::App;
use spo_salla_sim::Sim;

/// A fresh app on a temporary folder (in-memory keychain) whose fetcher may read `sim`'s
/// competitor pages without delay, and a store connected from `sim`.
#[allow(dead_code)] // not every test binary uses it
pub async fn open_connected(sim: &Sim) -> (tempfile::TempDir, App, String) {
    open_connected_on(sim, None).await
}

/// [`open_connected`] with the app on `clock` (the system clock when `None`).
pub async fn open_connected_on(
    sim: &Sim,
    clock: Option<std::sync::Arc<dyn spo_app::clock::Clock>>,
) -> (tempfile::TempDir, App, String) {
    std::env::set_var("SPO_FETCH_MIN_INTERVAL_MS", "1");
    std::env::set_var("SPO_FETCH_ALLOW_HOSTS", sim.accounts_url().trim_start_matches("http://"));
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = spo_app::AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let mut app = App::open(paths, std::sync::Arc::new(spo_secrets::MemoryStore::new())).await.expect("open");
    if let Some(clock) = clock {
        app = app.with_clock(clock);
    }
    let store = connect_pasted(&app, sim).await;
    (dir, app, store)
}

/// Points this process at `sim` (nextest runs every test in its own process, so the environment
/// is the test's own) and connects a store with tokens from the real authorization-code flow, as a
/// merchant pasting them would. Returns the store's local id.
pub async fn connect_pasted(app: &App, sim: &Sim) -> String {
    try_connect_pasted(app, sim).await.expect("connect with tokens").store.id
}

/// [`connect_pasted`], with the app's answer.
pub async fn try_connect_pasted(app: &App, sim: &Sim) -> Result<spo_ipc::ConnectedStore, spo_app::AppError> {
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
}

/// Tracks two products of `sim` (their competitor pages read once) and sets a dry-run store rule
/// (beat the lowest by 1 %), so an optimization run proposes prices that wait for approval.
#[allow(dead_code)] // not every test binary uses it
pub async fn track_two_with_a_rule(app: &App, sim: &Sim, store: &str) {
    for p in sim.config().products.into_iter().filter(|p| p.status == "sale").take(2) {
        let req = spo_ipc::NewListingRequest {
            store_id: store.to_owned(),
            product: p.sku.clone(),
            url: sim.competitor_url("souq", p.id),
            ..Default::default()
        };
        let l = app.add_listing(req).await.expect("listing");
        app.check_listing(store, &l.id).await.expect("check");
    }
    app.set_rule(beat_lowest_rule(store, "1.00")).await.expect("rule");
}

/// A dry-run store rule: beat the lowest competitor by 1 %, between `min` and 100 000 riyals,
/// keeping 5 % over cost.
#[allow(dead_code)] // not every test binary uses it
pub fn beat_lowest_rule(store: &str, min: &str) -> spo_ipc::RuleRequest {
    spo_ipc::RuleRequest {
        store_id: store.to_owned(),
        product: None,
        category: None,
        strategy: spo_ipc::StrategySpec::BeatLowestBps { bps: 100 },
        min_price: Some(min.into()),
        max_price: Some("100000.00".into()),
        min_margin_bps: Some(500),
        max_step_bps: None,
        max_daily_bps: None,
        cooldown_minutes: None,
        ending: spo_ipc::PriceEndingSpec::Exact,
        live: false,
    }
}

/// Runs a job of the running scheduler now and waits (up to 30 s) for its end; returns the end.
#[allow(dead_code)] // not every test binary uses it
pub async fn run_job_to_end(app: &App, job_id: &str) -> spo_app::jobs::Event<spo_app::jobs::JobKind> {
    let mut events = app.job_events();
    assert!(app.run_job_now(job_id).await.expect("run now"), "no job {job_id}");
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            if let Ok(e @ spo_app::jobs::Event::Finished { .. }) = events.recv().await {
                if matches!(&e, spo_app::jobs::Event::Finished { job_id: id, .. } if id == job_id) {
                    break e;
                }
            }
        }
    })
    .await
    .expect("the job ends")
}
