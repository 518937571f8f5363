//! `spo data`: backups, restore and CSV exports (Settings → Data in the window).

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use crate::ipc_err;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Kind {
    Products,
    Decisions,
    Audit,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DataCommand {
    /// The database and the backups kept, newest first.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Write a checked backup now.
    Backup {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Replace the database with a backup (checked first; the current data is backed up).
    /// Stop the desktop app and `spo daemon` first.
    Restore {
        /// The backup file.
        file: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// How many daily backups to keep (1–365).
    Keep {
        /// Number of copies.
        count: u32,
    },
    /// How long job runs and log files are kept (the nightly clean-up deletes older ones).
    Retention {
        /// Days job runs are kept (7–3650).
        #[arg(long)]
        runs: u32,
        /// Days log files are kept (1–3650).
        #[arg(long)]
        logs: u32,
    },
    /// A store's products, decisions or audit log as CSV in the Downloads folder (or $SPO_EXPORT_DIR).
    Export {
        /// Store (local id).
        #[arg(long)]
        store: String,
        /// What to export.
        #[arg(value_enum)]
        kind: Kind,
    },
}

pub(crate) async fn data(app: &spo_app::App, command: DataCommand) -> anyhow::Result<ExitCode> {
    match command {
        DataCommand::List { json } => {
            let o = app.data_overview().await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&o)?);
            } else {
                println!(
                    "database {} ({} bytes); keeping {} daily backups in {}",
                    o.db_path, o.db_size_bytes, o.keep, o.backup_dir
                );
                for b in &o.backups {
                    println!("{}  {:<14} {:>10} bytes  {}", b.created_at, b.kind.as_str(), b.size_bytes, b.path);
                }
            }
        }
        DataCommand::Backup { json } | DataCommand::Restore { json, .. } if json => {
            let r = match command {
                DataCommand::Restore { file, .. } => app.restore_backup(&file).await,
                _ => app.backup_now(false).await,
            }
            .map_err(ipc_err)?;
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
        DataCommand::Backup { .. } => {
            let r = app.backup_now(false).await.map_err(ipc_err)?;
            println!("backup written and checked: {} ({} bytes)", r.file.path, r.file.size_bytes);
        }
        DataCommand::Restore { file, .. } => {
            let r = app.restore_backup(&file).await.map_err(ipc_err)?;
            print_restored(&file, &r);
        }
        DataCommand::Keep { count } => {
            let o = app.set_backup_keep(count).await.map_err(ipc_err)?;
            println!("keeping {} daily backups", o.keep);
        }
        DataCommand::Retention { runs, logs } => {
            let o = app.set_retention(runs, logs).await.map_err(ipc_err)?;
            println!("keeping job runs {} days and log files {} days", o.job_runs_days, o.log_days);
        }
        DataCommand::Export { store, kind } => {
            let kind = match kind {
                Kind::Products => spo_ipc::ExportKind::Products,
                Kind::Decisions => spo_ipc::ExportKind::Decisions,
                Kind::Audit => spo_ipc::ExportKind::Audit,
            };
            let r = app.export_csv(&store, kind).await.map_err(ipc_err)?;
            println!("{} rows written to {}", r.rows, r.path);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_restored(file: &str, r: &spo_ipc::BackupReport) {
    let rows: i64 = r.tables.iter().map(|t| t.rows).sum();
    println!("restored {file} ({rows} rows in {} tables)", r.tables.len());
    if let Some(c) = &r.safety_copy {
        println!("the data it replaced is kept in {}", c.path);
    }
}

/// The app could not open or read its database (`error`): `spo doctor` says the database is
/// damaged and lists the backups (exit 1), `spo data restore FILE` puts a checked backup in its
/// place (the damaged file kept); any other command stops with that advice (exit 2).
pub(crate) async fn recover(
    command: &crate::Command,
    paths: &spo_app::AppPaths,
    error: impl std::fmt::Display,
) -> anyhow::Result<ExitCode> {
    let damage = spo_app::recovery::damage(paths).await;
    match (command, damage) {
        (crate::Command::Doctor { json }, Some(d)) => {
            if *json {
                let v = serde_json::json!({
                    "status": "failed", "database": { "path": d.db_path, "damaged": true, "problem": d.problem },
                    "backups": d.backups,
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print!("{}", spo_app::recovery::render(&d));
            }
            Ok(ExitCode::from(1))
        }
        (crate::Command::Data { command: DataCommand::Restore { file, json } }, _) => {
            let r = spo_app::recovery::restore_damaged(paths, file).await.map_err(ipc_err)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_restored(file, &r);
            }
            Ok(ExitCode::SUCCESS)
        }
        (_, Some(d)) => {
            eprint!("{}", spo_app::recovery::render(&d));
            Ok(ExitCode::from(2))
        }
        (_, None) => Err(anyhow::anyhow!("while opening the database: {error}")),
    }
}
