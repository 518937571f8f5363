//! `spo-salla-sim`: the Salla-compatible local server as a process, for end-to-end tests and for
//! trying the CLI against a store with realistic data. Prints one line, `ready <base URL>`, then
//! serves until it is stopped (Ctrl-C or SIGTERM).
//!
//! Point the app at it with `SPO_SALLA_ACCOUNTS_URL=<base URL>` and
//! `SPO_SALLA_API_URL=<base URL>/admin/v2`.

use std::io::Write;

use clap::Parser;
use spo_salla_sim::{Sim, SimConfig};

/// A local Salla-compatible server (OAuth 2.0 + Merchant API v2 subset). Never for real stores.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Loopback port (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Products in the catalogue.
    #[arg(long, default_value_t = 240)]
    products: usize,
    /// Days of order history.
    #[arg(long, default_value_t = 180)]
    days: i64,
    /// Salla store (merchant) id.
    #[arg(long, default_value_t = 1_305_146_709)]
    store_id: i64,
    /// Store name.
    #[arg(long, default_value = "متجر الواحة (تجريبي)")]
    store_name: String,
    /// The registered app's client id.
    #[arg(long, env = "SPO_SIM_CLIENT_ID")]
    client_id: String,
    /// The registered app's client secret.
    #[arg(long, env = "SPO_SIM_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// Requests per minute before the 1-per-second leak (120 Plus, 360 Pro, 720 Special).
    #[arg(long, default_value_t = 720)]
    rate_limit: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut cfg = SimConfig::demo_with_credentials(args.products, args.client_id, args.client_secret);
    cfg.store_id = args.store_id;
    cfg.store_name = args.store_name;
    cfg.order_history_days = args.days;
    cfg.rate_limit_per_minute = args.rate_limit;
    let sim = Sim::start_on(cfg, args.port).await?;
    let mut out = std::io::stdout();
    writeln!(out, "ready {}", sim.accounts_url())?;
    out.flush()?;
    stopped().await?;
    drop(sim);
    Ok(())
}

#[cfg(unix)]
async fn stopped() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn stopped() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
