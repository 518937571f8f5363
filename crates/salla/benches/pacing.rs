//! Benchmark: request pacing against Salla's leaky bucket. The local server runs the 120/min plan
//! on a clock 20 times faster than real time (a minute's budget renews every 3 s, the bucket then
//! leaks one request every 50 ms); the client paces itself from `X-RateLimit-*`. Prints the share of
//! the theoretical ceiling used and the number of 429s.
//! Run: `cargo bench -p spo-salla --bench pacing`.

use std::time::{Duration, Instant};

use spo_salla::{ClientCredentials, SallaClient, SallaUrls};
use spo_salla_sim::{Sim, SimConfig};

const SCALE: u32 = 20;
const LIMIT: u32 = 120;
const PAGES: usize = 400;

#[tokio::main]
async fn main() {
    let mut cfg = SimConfig::demo(PAGES * 10);
    cfg.rate_limit_per_minute = LIMIT;
    cfg.time_scale = SCALE;
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let client = SallaClient::new(SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() })
        .expect("client")
        .with_leak_interval(Duration::from_millis(1000 / u64::from(SCALE)));
    let c = sim.config();
    let creds = ClientCredentials { client_id: c.client_id, client_secret: c.client_secret };
    let mut req = client.authorize(&creds.client_id, &c.redirect_uri).expect("url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    let token = client.exchange_code(&creds, &req, &code, 0).await.expect("exchange").access_token;

    let before = sim.stats().api_requests;
    let started = Instant::now();
    for page in 1..=PAGES as u32 {
        client.products_page(&token, page, 10).await.expect("page");
    }
    let elapsed = started.elapsed();
    let stats = sim.stats();
    let requests = stats.api_requests - before;
    // Fastest possible schedule for the same requests: each (simulated) minute admits LIMIT at
    // once, then one per second until the minute ends.
    let mut left = requests as f64;
    let mut fastest = 0.0;
    while left > f64::from(LIMIT) {
        left -= f64::from(LIMIT);
        if left <= 60.0 {
            fastest += left;
            left = 0.0;
        } else {
            left -= 60.0;
            fastest += 60.0;
        }
    }
    let sim_secs = elapsed.as_secs_f64() * f64::from(SCALE);
    println!("pacing against the leaky bucket ({LIMIT}/min plan, clock x{SCALE}):");
    println!("  requests:            {requests}");
    println!("  429 answers:         {}", stats.rate_limited);
    println!("  elapsed:             {:.2} s real = {:.0} s simulated", elapsed.as_secs_f64(), sim_secs);
    println!("  fastest possible:    {fastest:.0} s simulated");
    println!("  share of ceiling:    {:.1} % (fastest possible time / time taken)", 100.0 * fastest / sim_secs);
    println!("  throughput:          {:.0} requests per simulated minute", requests as f64 * 60.0 / sim_secs);
}
