//! `spo` — the headless front end over the same use cases as the desktop app.
//!
//! It resolves the same data folder as the desktop app (override with `SPO_DATA_DIR`), so
//! `spo doctor` inspects the database the window uses.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use spo_app::{App, AppPaths};
use spo_ipc::{CheckStatus, DoctorReport};

mod data;
mod jobs;
mod pricing;
mod team;

#[derive(Debug, Parser)]
#[command(name = "spo", version, about = "Salla Price Optimizer (command line)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check the installation: database, schema, integrity, OS keychain, folders.
    Doctor {
        /// Print the report as JSON (the same shape the desktop app's Diagnostics screen uses).
        #[arg(long)]
        json: bool,
    },
    /// Connected stores.
    Stores {
        #[command(subcommand)]
        command: StoresCommand,
    },
    /// The catalogue of a store.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Competitor pages: add, list, check, and probe a single page.
    Competitors {
        #[command(subcommand)]
        command: CompetitorsCommand,
    },
    /// The orders (sales history) of a store.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Imported products.
    Products {
        #[command(subcommand)]
        command: ProductsCommand,
    },
    /// Pricing rules: strategy, minimum and maximum, limits.
    Rules {
        #[command(subcommand)]
        command: pricing::RulesCommand,
    },
    /// Run the optimizer for a store now (exit code 3 when the circuit breaker trips).
    Optimize {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Show what would happen; store and apply nothing.
        #[arg(long)]
        dry_run: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The approval queue: list, approve, reject, apply, roll back.
    Decisions {
        #[command(subcommand)]
        command: pricing::DecisionsCommand,
    },
    /// Kill switch, automation mode, frozen products.
    Pricing {
        #[command(subcommand)]
        command: pricing::PricingCommand,
    },
    /// Backups, restore and CSV exports.
    Data {
        #[command(subcommand)]
        command: data::DataCommand,
    },
    /// Scheduled jobs and their runs.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// Team sync: create or join a team on a shared PostgreSQL, seats, conflicts.
    Team {
        #[command(subcommand)]
        command: team::TeamCommand,
    },
    /// Team sync now, and its state.
    Sync {
        #[command(subcommand)]
        command: team::SyncCommand,
    },
    /// Run the background scheduler (catalog and orders sync, competitor checks, optimization
    /// runs, applying approved prices, token checks, retention) until Ctrl-C: an always-on seat.
    Daemon,
}

#[derive(Debug, Subcommand)]
enum CompetitorsCommand {
    /// Fetch and read one page now, storing nothing; prints the result with its evidence.
    Probe {
        /// The competitor's product page.
        url: String,
        /// Pick this SKU among the page's variants.
        #[arg(long)]
        sku: Option<String>,
        /// Allow one private or loopback host (host or host:port) for this call.
        #[arg(long)]
        allow_host: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Track a competitor's page for one of the store's products.
    Add {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// Our product: its local id or its SKU.
        #[arg(long)]
        product: String,
        /// The competitor's product page.
        #[arg(long)]
        url: String,
        /// Competitor name (default: the page's domain).
        #[arg(long)]
        name: Option<String>,
        /// The competitor's SKU for this product, to pick the right variant.
        #[arg(long, conflicts_with = "match_gtin")]
        match_sku: Option<String>,
        /// Or its GTIN / barcode.
        #[arg(long)]
        match_gtin: Option<String>,
        /// CSS selector of the price on that page.
        #[arg(long)]
        selector: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The store's tracked pages, failing ones first.
    List {
        /// Store id.
        #[arg(long)]
        store: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Import pages from a CSV file (columns product_sku, url, and optionally competitor_name,
    /// match_sku, match_gtin, css_selector); `-` reads standard input. Good rows are kept, bad ones reported.
    Import {
        /// Store id.
        #[arg(long)]
        store: String,
        /// CSV file, or `-`.
        file: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Confirm a page's last price after a suspicious jump (it is real; pricing may use it).
    Confirm {
        /// Store id.
        #[arg(long)]
        store: String,
        /// The listing.
        #[arg(long)]
        listing: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Write the store's tracked pages, with their last prices, as CSV to standard output.
    Export {
        /// Store id.
        #[arg(long)]
        store: String,
    },
    /// Search the web (Tavily) for a product's competitor pages and propose them.
    Discover {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Our product: its local id or its SKU.
        #[arg(long)]
        product: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A product's tracked pages with their price history, and the pages found by search.
    Show {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Our product: its local id or its SKU.
        #[arg(long)]
        product: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Track a page found by search.
    Accept {
        /// Store id.
        #[arg(long)]
        store: String,
        /// The candidate (from `spo competitors show`).
        candidate: String,
    },
    /// Never propose a page found by search again.
    Reject {
        /// Store id.
        #[arg(long)]
        store: String,
        /// The candidate (from `spo competitors show`).
        candidate: String,
    },
    /// Show or change competitor settings: hosts allowed on private addresses, how long prices
    /// are kept, the Tavily API key (read from standard input, never from the command line).
    Settings {
        /// Allow this host (host or host:port) on private or loopback addresses; repeatable.
        #[arg(long)]
        allow_host: Vec<String>,
        /// Remove every allowed host.
        #[arg(long, conflicts_with = "allow_host")]
        clear_allowed_hosts: bool,
        /// Days prices are kept (30–3650).
        #[arg(long)]
        retention_days: Option<u32>,
        /// Read a Tavily API key from standard input and keep it in the OS keychain.
        #[arg(long)]
        tavily_key_stdin: bool,
        /// Forget the Tavily API key.
        #[arg(long, conflicts_with = "tavily_key_stdin")]
        clear_tavily_key: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Delete prices older than the retention period now (each page's last price is kept).
    Prune,
    /// Check tracked pages now (one, or all of the store's).
    Check {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Only this listing.
        #[arg(long)]
        listing: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum OrdersCommand {
    /// Import the store's orders: the last 180 days the first time, then what is new. Ctrl-C
    /// stops after the order in flight; what was imported stays.
    Sync {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum StoresCommand {
    /// List connected stores.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The store's VAT rate (read from Salla's tax settings at each catalogue import when the app
    /// may read them); with `--rate`, set it. Competitor prices are compared with ours plus VAT.
    Vat {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// New rate in percent (`15`, `5.5`).
        #[arg(long)]
        rate: Option<String>,
    },
    /// In a team: which seat runs the store (holds its lease), or take or release it here.
    Lease {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// status (default), take or release.
        #[arg(value_enum, default_value = "status")]
        action: team::LeaseAction,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// In a team: move the store to another seat with its Salla grant, sealed to that seat's key;
    /// this seat forgets the grant and stops running the store.
    HandOver {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// The receiving seat's name (an owner or manager seat).
        #[arg(long)]
        to: String,
    },
    /// In a team: take a store handed to this seat (opens its sealed grant) and run it here.
    Receive {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Disconnect a store: deletes its keychain entry; `--delete-data` also removes its local data.
    Disconnect {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// Also delete the store's products and history from this computer.
        #[arg(long)]
        delete_data: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Connect a store: with your Salla app's credentials (the client secret is read from standard
    /// input; the browser opens the Salla sign-in and the app listens on
    /// http://127.0.0.1:PORT/callback, which must be the redirect URL registered for the app), or
    /// the local demo store with `--demo`.
    Connect {
        /// Client id of your Salla app (Partners portal → App Keys).
        #[arg(long, required_unless_present_any = ["demo", "tokens"], conflicts_with = "demo")]
        client_id: Option<String>,
        /// Connect with tokens obtained elsewhere, read from standard input: the access token on
        /// the first line, the refresh token on the second (optional) and, with `--client-id`, the
        /// client secret on the third (needed to renew them).
        #[arg(long, conflicts_with = "demo")]
        tokens: bool,
        /// Port of the registered redirect URL http://127.0.0.1:PORT/callback.
        #[arg(long, default_value_t = 8723)]
        redirect_port: u16,
        /// Print the sign-in URL instead of opening the browser.
        #[arg(long)]
        no_browser: bool,
        /// Connect the local demo store (real OAuth flow against a local Salla-compatible server).
        #[arg(long)]
        demo: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Import the store's products and variants (only changes are written; products no longer in
    /// the store are removed). Ctrl-C stops after the page in flight.
    Sync {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ProductsCommand {
    /// List a store's products.
    List {
        /// Store id (from `spo stores list`).
        #[arg(long)]
        store: String,
        /// Only products whose name or SKU contains this text.
        #[arg(long, default_value = "")]
        search: String,
        /// Most rows to print (1–1000 per page).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// Rows to skip (the next page starts at offset + limit).
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// Every product, page after page (ignores --limit and --offset).
        #[arg(long, conflicts_with_all = ["limit", "offset"])]
        all: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

fn print_listing(l: &spo_ipc::Listing) {
    let price = match (l.last_amount_minor, l.last_currency.as_deref()) {
        (Some(m), Some(c)) => spo_app::format_minor(m, c),
        _ => "-".into(),
    };
    let status = l.last_status.map_or("not checked", spo_ipc::PageStatus::as_str);
    println!(
        "{}  {:<24} {:>14}{}  {:<18} {}",
        l.id,
        l.competitor_name,
        price,
        if l.last_suspicious { " (unconfirmed)" } else { "" },
        status,
        l.product_name
    );
}

async fn competitors(app: &spo_app::App, command: CompetitorsCommand) -> anyhow::Result<ExitCode> {
    match command {
        CompetitorsCommand::Probe { url, sku, allow_host, json } => {
            let r = app.probe_page(&url, sku, allow_host.as_deref()).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                match (r.amount_minor, r.currency.as_deref()) {
                    (Some(m), Some(c)) => println!(
                        "{} ({}, {}, confidence {:.2})\nevidence: {}",
                        spo_app::format_minor(m, c),
                        r.availability.map_or_else(|| "unknown".to_owned(), |a| word(&a)),
                        r.method.map_or_else(|| "-".to_owned(), |m| word(&m)),
                        r.confidence.unwrap_or(0.0),
                        r.evidence.as_deref().unwrap_or("")
                    ),
                    _ => println!("{}: {}", r.status.as_str(), r.error.as_deref().unwrap_or("")),
                }
            }
            Ok(if r.status == spo_ipc::PageStatus::Ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        CompetitorsCommand::Add { store, product, url, name, match_sku, match_gtin, selector, json } => {
            let request =
                spo_ipc::NewListingRequest { store_id: store, product, url, name, match_sku, match_gtin, selector };
            let l = app.add_listing(request).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&l)?);
            } else {
                print_listing(&l);
            }
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Import { store, file, json } => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?
            };
            let report = app.import_listings_csv(&store, &text).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{} pages added, {} rows refused", report.added, report.errors.len());
                for e in &report.errors {
                    println!("  line {}: {}", e.line, e.message);
                }
            }
            Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        CompetitorsCommand::Confirm { store, listing, json } => {
            let l = app.confirm_listing_price(&store, &listing).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&l)?);
            } else {
                print_listing(&l);
            }
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Export { store } => {
            print!("{}", app.export_listings_csv(&store).await.map_err(ipc_err)?);
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::List { store, json } => {
            let list = app.list_listings(&store).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                list.iter().for_each(print_listing);
            }
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Discover { store, product, json } => {
            let r = app.discover_competitors(&store, &product).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!("{} results, {} new pages proposed (spo competitors show)", r.results, r.new_candidates);
            }
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Show { store, product, json } => {
            let page = app.product_competitors(&store, &product).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&page)?);
            } else {
                println!("{} ({})", page.product.name, page.product.sku.as_deref().unwrap_or("-"));
                for l in &page.listings {
                    print_listing(&l.listing);
                    let trend: Vec<String> = l
                        .history
                        .iter()
                        .map(|p| {
                            spo_app::format_minor(p.amount_minor, l.listing.last_currency.as_deref().unwrap_or("SAR"))
                        })
                        .collect();
                    if !trend.is_empty() {
                        println!("    history: {}", trend.join(" → "));
                    }
                }
                if !page.candidates.is_empty() {
                    println!("found by search (spo competitors accept|reject ID):");
                }
                for c in &page.candidates {
                    println!("  {}  {:.2}  {}  {}", c.id, c.score, c.url, c.title);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Accept { store, candidate } => {
            app.decide_candidate(&store, &candidate, true).await.map_err(ipc_err)?;
            println!("tracked");
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Reject { store, candidate } => {
            app.decide_candidate(&store, &candidate, false).await.map_err(ipc_err)?;
            println!("rejected: it will not be proposed again");
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Settings {
            allow_host,
            clear_allowed_hosts,
            retention_days,
            tavily_key_stdin,
            clear_tavily_key,
            json,
        } => {
            let tavily_key = if tavily_key_stdin {
                Some(std::io::read_to_string(std::io::stdin())?.trim().to_owned())
            } else {
                None
            };
            let allowed_hosts = if clear_allowed_hosts {
                Some(Vec::new())
            } else if allow_host.is_empty() {
                None
            } else {
                let mut hosts = app.competitor_settings().await.map_err(ipc_err)?.allowed_hosts;
                hosts.extend(allow_host);
                Some(hosts)
            };
            let patch =
                spo_ipc::CompetitorSettingsPatch { allowed_hosts, retention_days, tavily_key, clear_tavily_key };
            let settings = if patch == spo_ipc::CompetitorSettingsPatch::default() {
                app.competitor_settings().await
            } else {
                app.update_competitor_settings(patch).await
            }
            .map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&settings)?);
            } else {
                println!(
                    "allowed hosts: {}",
                    if settings.allowed_hosts.is_empty() { "-".to_owned() } else { settings.allowed_hosts.join(", ") }
                );
                println!("prices kept: {} days", settings.retention_days);
                println!("Tavily key: {}", if settings.tavily_key_set { "saved in the keychain" } else { "not set" });
            }
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Prune => {
            let n = app.prune_observations().await.map_err(ipc_err)?;
            println!("{n} old prices deleted");
            Ok(ExitCode::SUCCESS)
        }
        CompetitorsCommand::Check { store, listing, json } => {
            let ids = match listing {
                Some(id) => vec![id],
                None => app.list_listings(&store).await.map_err(ipc_err)?.into_iter().map(|l| l.id).collect(),
            };
            let mut checked = Vec::new();
            for id in ids {
                checked.push(app.check_listing(&store, &id).await.map_err(ipc_err)?);
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&checked)?);
            } else {
                checked.iter().for_each(print_listing);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Progress on standard error (never on standard output, which may carry JSON).
fn print_progress(p: spo_ipc::SyncProgress) {
    use std::io::Write;
    let what = match p.phase {
        spo_ipc::SyncPhase::Catalog => "products",
        spo_ipc::SyncPhase::Orders => "orders",
    };
    let line = match p.total {
        Some(t) => format!("{what}: {}/{t}", p.done),
        None => format!("{what}: {}", p.done),
    };
    // A closed stderr must not stop the import.
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Runs an import; Ctrl-C cancels it cleanly (the summary says it stopped early).
async fn cancellable(
    app: &spo_app::App,
    store: &str,
    import: impl std::future::Future<Output = Result<spo_ipc::SyncSummary, spo_app::AppError>>,
) -> anyhow::Result<spo_ipc::SyncSummary> {
    let watcher = {
        let (app, store) = (app.clone(), store.to_owned());
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                app.cancel_sync(&store);
            }
        })
    };
    let result = import.await;
    watcher.abort();
    result.map_err(ipc_err)
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `spo … | head` closes the pipe early: printing then fails with EPIPE, which `println!` turns
/// into a panic. That is not an error of ours: exit at once and quietly, as Unix tools do.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.contains("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let paths = AppPaths::from_env().context("while resolving the app folders")?;
    paths.make_private();
    let _guard = spo_app::logging::init(&paths.log_dir, std::env::var_os("SPO_LOG").is_some())
        .context("while setting up logging")?;
    let rt = tokio::runtime::Runtime::new().context("while starting the async runtime")?;
    rt.block_on(async {
        // A database that cannot be opened or read: doctor reports it with the backups and
        // restore replaces it (kept aside), without opening it normally.
        let app = match App::open(paths.clone(), App::os_keychain()).await {
            Ok(app) => app,
            Err(e) => return data::recover(&cli.command, &paths, e).await,
        };
        let code = match cli.command {
            Command::Doctor { json } => {
                let report = match app.doctor().await {
                    Ok(r) => r,
                    Err(e) => return data::recover(&Command::Doctor { json }, &paths, e).await,
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    print!("{}", render(&report));
                    // A database that fails its checks: what it is, the backups and what to do.
                    if report.database.integrity != "ok" {
                        if let Some(d) = spo_app::recovery::damage(&paths).await {
                            print!("\n{}", spo_app::recovery::render(&d));
                        }
                    }
                }
                if report.status == CheckStatus::Failed {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Command::Stores { command: StoresCommand::List { json } } => {
                let stores = app.list_stores().await.map_err(ipc_err)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&stores)?);
                } else if stores.is_empty() {
                    println!("No store connected. Try: spo stores connect --demo");
                } else {
                    for s in stores {
                        let demo = if s.is_demo { " (demo)" } else { "" };
                        println!("{}  {:?}  {}{demo}", s.id, s.status, s.name);
                    }
                }
                ExitCode::SUCCESS
            }
            Command::Stores { command: StoresCommand::Connect { client_id, tokens, redirect_port, no_browser, demo, json } } => {
                let connected = match client_id {
                    _ if tokens => {
                        let mut lines = std::io::stdin().lines();
                        let mut next = || lines.next().transpose().map(|l| l.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
                        let access = next().context("while reading the access token from stdin")?.unwrap_or_default();
                        let refresh = next().context("while reading the refresh token from stdin")?;
                        let secret = next().context("while reading the client secret from stdin")?;
                        app.connect_with_tokens(access, refresh, client_id, secret).await.map_err(ipc_err)?
                    }
                    Some(client_id) if !demo => {
                        let mut secret = String::new();
                        std::io::stdin().read_line(&mut secret).context("while reading the client secret from stdin")?;
                        let open_browser = |url: &str| {
                            // Messages go to stderr (stdout may carry --json); a closed stderr must
                            // not abort the sign-in, so write errors are ignored.
                            let mut err = std::io::stderr();
                            let _ = writeln!(err, "Sign in to Salla to authorize the connection:\n{url}");
                            if !no_browser {
                                if let Err(e) = open::that_detached(url) {
                                    let _ = writeln!(err, "(could not open the browser: {e}; open the link above yourself)");
                                }
                            }
                            let _ = writeln!(
                                err,
                                "Waiting up to 5 minutes for the redirect to http://127.0.0.1:{redirect_port}/callback … (Ctrl-C cancels)"
                            );
                        };
                        let cancel = async {
                            let _ = tokio::signal::ctrl_c().await;
                        };
                        app.connect_with_credentials(client_id, secret.trim().to_owned(), redirect_port, open_browser, cancel)
                            .await
                            .map_err(ipc_err)?
                    }
                    _ => app.connect_demo_store().await.map_err(ipc_err)?,
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(&connected)?);
                } else {
                    println!(
                        "Connected {} ({}): {} products imported, {} skipped",
                        connected.store.name, connected.store.id, connected.imported, connected.skipped
                    );
                }
                ExitCode::SUCCESS
            }
            Command::Stores { command: StoresCommand::Vat { store, rate } } => {
                let now = match rate {
                    Some(r) => app.set_store_vat(&store, &r).await,
                    None => app.store_vat(&store).await,
                }
                .map_err(ipc_err)?;
                println!("VAT {now}%");
                ExitCode::SUCCESS
            }
            Command::Stores { command: StoresCommand::Lease { store, action, json } } => {
                team::lease(&app, &store, action, json).await?
            }
            Command::Stores { command: StoresCommand::HandOver { store, to } } => {
                app.hand_over_store(&store, &to).await.map_err(ipc_err)?;
                println!("handed over to {to}: it runs the store once it receives it (spo stores receive there)");
                ExitCode::SUCCESS
            }
            Command::Stores { command: StoresCommand::Receive { store, json } } => {
                let lease = app.receive_store(&store).await.map_err(ipc_err)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&lease)?);
                } else {
                    println!("this seat runs the store now (epoch {})", lease.epoch);
                }
                ExitCode::SUCCESS
            }
            Command::Stores { command: StoresCommand::Disconnect { store, delete_data, json } } => {
                let left = app.disconnect_store(&store, delete_data).await.map_err(ipc_err)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&left)?);
                } else {
                    println!("Disconnected {store}{}", if delete_data { " and deleted its local data" } else { "" });
                }
                ExitCode::SUCCESS
            }
            Command::Catalog { command: CatalogCommand::Sync { store, json } } => {
                let summary = cancellable(&app, &store, app.sync_catalog(&store, &print_progress)).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&summary)?);
                } else {
                    println!(
                        "{} products written ({} variants), {} unchanged, {} removed, {} skipped, in {} ms{}",
                        summary.imported,
                        summary.variants,
                        summary.unchanged,
                        summary.removed,
                        summary.skipped,
                        summary.elapsed_ms,
                        if summary.cancelled { " (stopped early)" } else { "" }
                    );
                }
                ExitCode::SUCCESS
            }
            Command::Competitors { command } => competitors(&app, command).await?,
            Command::Rules { command } => pricing::rules(&app, command).await?,
            Command::Optimize { store, dry_run, json } => pricing::optimize(&app, &store, dry_run, json).await?,
            Command::Decisions { command } => pricing::decisions(&app, command).await?,
            Command::Pricing { command } => pricing::pricing(&app, command).await?,
            Command::Jobs { command } => jobs::jobs(&app, command).await?,
            Command::Data { command } => data::data(&app, command).await?,
            Command::Daemon => jobs::daemon(&app).await?,
            Command::Team { command } => team::team(&app, command).await?,
            Command::Sync { command } => team::sync(&app, command).await?,
            Command::Orders { command: OrdersCommand::Sync { store, json } } => {
                let summary = cancellable(&app, &store, app.sync_orders(&store, &print_progress)).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&summary)?);
                } else {
                    println!(
                        "{} orders imported ({} lines, {} not matched to a product), {} skipped, in {} ms{}",
                        summary.imported,
                        summary.order_lines,
                        summary.unmatched_lines,
                        summary.skipped,
                        summary.elapsed_ms,
                        if summary.cancelled { " (stopped early)" } else { "" }
                    );
                }
                ExitCode::SUCCESS
            }
            Command::Products { command: ProductsCommand::List { store, search, limit, offset, all, json } } => {
                let (mut offset, limit) = if all { (0, 1000) } else { (offset, limit) };
                let mut items = Vec::new();
                let total = loop {
                    let page = app
                        .list_products(spo_ipc::ProductQuery {
                            store_id: store.clone(),
                            search: search.clone(),
                            limit,
                            offset,
                            ..Default::default()
                        })
                        .await
                        .map_err(ipc_err)?;
                    let n = u32::try_from(page.items.len()).unwrap_or(u32::MAX);
                    items.extend(page.items);
                    offset = offset.saturating_add(n);
                    if !all || n < limit || u64::from(offset) >= page.total {
                        break page.total;
                    }
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(&spo_ipc::ProductPage { items, total })?);
                } else {
                    let first = u64::from(offset) - items.len() as u64;
                    for p in &items {
                        let price = spo_app::format_minor(p.price_minor, &p.currency);
                        println!(
                            "{:>12}  {:<14} {:>14}  {}",
                            p.salla_id,
                            p.sku.as_deref().unwrap_or("-"),
                            price,
                            p.name
                        );
                    }
                    if items.is_empty() {
                        println!("0 of {total} products");
                    } else {
                        println!("{}–{} of {total} products", first + 1, first + items.len() as u64);
                    }
                }
                ExitCode::SUCCESS
            }
        };
        app.close().await;
        Ok(code)
    })
}

/// Use-case errors carry a stable code; show it with the message.
/// A value of one of the contract's vocabularies as it is spelled on the wire (`awaiting_approval`).
fn word<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

fn ipc_err(e: spo_app::AppError) -> anyhow::Error {
    let e = spo_ipc::IpcError::from(e);
    anyhow::anyhow!("{} ({})", e.message, e.code.as_str())
}

fn mark(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Ok => "ok",
        CheckStatus::Warning => "WARNING",
        CheckStatus::Failed => "FAILED",
    }
}

fn render(r: &DoctorReport) -> String {
    let d = &r.database;
    let k = &r.keychain;
    let sc = &r.scheduler;
    let mut rows: Vec<(&str, String)> = vec![
        ("App", format!("{} {} ({})", r.app.name, r.app.version, r.app.identifier)),
        ("Platform", r.platform.clone()),
        ("Data folder", r.data_dir.clone()),
        ("Log folder", r.log_dir.clone()),
        ("Database", format!("{} ({} bytes)", d.path, d.size_bytes)),
        ("Schema version", format!("{} ({})", d.schema_version, d.schema_name)),
        ("Integrity check", d.integrity.clone()),
        ("Journal mode", d.journal_mode.clone()),
        ("Synchronous", d.synchronous.clone()),
        ("Foreign keys", if d.foreign_keys { "on".into() } else { "off".into() }),
        ("Busy timeout", format!("{} ms", d.busy_timeout_ms)),
        ("Free disk space", d.free_bytes.map_or_else(|| "unknown".into(), |b| format!("{} MiB", b / (1024 * 1024)))),
        ("Last write error", d.last_write_error.clone().unwrap_or_else(|| "none".into())),
        ("Database status", mark(d.status).into()),
        ("Keychain", format!("{}: {}", k.backend, if k.available { "available" } else { "UNAVAILABLE" })),
        ("Keychain probe", format!("{} ({} ms)", k.detail, k.elapsed_ms)),
        (
            "Scheduler",
            format!(
                "{}; {} jobs, next {} at {}{}; {} failed in 24 h: {}",
                match (&sc.running_here, &sc.elsewhere) {
                    (true, _) => format!("running here, heartbeat {}", sc.heartbeat_at.as_deref().unwrap_or("-")),
                    (false, Some(who)) => {
                        format!("run by {who}, heartbeat {}", sc.heartbeat_at.as_deref().unwrap_or("-"))
                    }
                    (false, None) => "not running (no app or daemon holds this data folder)".to_owned(),
                },
                sc.jobs,
                sc.next_job.map_or("-", spo_ipc::JobKind::as_str),
                sc.next_run_at.as_deref().unwrap_or("-"),
                if sc.paused { " (all paused)" } else { "" },
                sc.failed_24h,
                mark(sc.status)
            ),
        ),
    ];
    for st in &r.stores {
        let token = st.token_expires_at.as_deref().unwrap_or("-");
        let state = if st.reachable { "reachable" } else { st.detail.as_str() };
        rows.push((
            "Store",
            format!("{} — {state} ({} ms), token until {token}: {}", st.name, st.latency_ms, mark(st.status)),
        ));
    }
    if let Some(t) = &r.team {
        rows.push(("Team", format!("{} on {}; seat {}", t.team_name, t.server, t.seat)));
        rows.push((
            "Team database",
            if t.reachable {
                format!(
                    "PostgreSQL {}, {}, row-level security {}: {}",
                    t.server_version.as_deref().unwrap_or("?"),
                    t.tls.as_deref().map_or_else(|| "no TLS (this machine only)".to_owned(), |v| format!("TLS {v}")),
                    if t.rls_ok == Some(true) { "enforced" } else { "NOT ENFORCED" },
                    t.detail
                )
            } else {
                format!("unreachable: {}", t.detail)
            },
        ));
        rows.push((
            "Team sync",
            format!(
                "{} pending, last sync {}, {} refused waiting: {}",
                t.pending,
                t.last_sync_at.as_deref().unwrap_or("never"),
                t.open_conflicts,
                mark(t.status)
            ),
        ));
    }
    for e in r.recent_errors.iter().take(3) {
        rows.push((
            "Recent error",
            format!(
                "{} {}: {}",
                e.started_at,
                e.kind.map_or("-", spo_ipc::JobKind::as_str),
                e.error.as_deref().unwrap_or("")
            ),
        ));
    }
    rows.push(("Overall", mark(r.status).into()));
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter().map(|(k, v)| format!("{k:<width$}  {v}\n")).collect()
}
