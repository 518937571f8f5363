//! `spo` — the headless front end over the same use cases as the desktop app.
//!
//! It resolves the same data folder as the desktop app (override with `SPO_DATA_DIR`), so
//! `spo doctor` inspects the database the window uses.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use spo_app::{App, AppPaths};
use spo_ipc::{CheckStatus, DoctorReport};

#[derive(Debug, Parser)]
#[command(name = "spo", version, about = "Salla Price Optimizer (command line)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the installation: database, schema, integrity, OS keychain, folders.
    Doctor {
        /// Print the report as JSON (the same shape the desktop app's Diagnostics screen uses).
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let paths = AppPaths::from_env().context("while resolving the app folders")?;
    let _guard = spo_app::logging::init(&paths.log_dir, std::env::var_os("SPO_LOG").is_some())
        .context("while setting up logging")?;
    let rt = tokio::runtime::Runtime::new().context("while starting the async runtime")?;
    rt.block_on(async {
        let app = App::open(paths, App::os_keychain()).await.context("while opening the database")?;
        let code = match cli.command {
            Command::Doctor { json } => {
                let report = app.doctor().await.context("while running the checks")?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    print!("{}", render(&report));
                }
                if report.status == CheckStatus::Failed {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                }
            }
        };
        app.close().await;
        Ok(code)
    })
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
    let rows: Vec<(&str, String)> = vec![
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
        ("Database status", mark(d.status).into()),
        ("Keychain", format!("{}: {}", k.backend, if k.available { "available" } else { "UNAVAILABLE" })),
        ("Keychain probe", format!("{} ({} ms)", k.detail, k.elapsed_ms)),
        ("Overall", mark(r.status).into()),
    ];
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter().map(|(k, v)| format!("{k:<width$}  {v}\n")).collect()
}
