//! `spo daemon` (the scheduler for an always-on seat) and `spo jobs` (schedules and run history).

use std::process::ExitCode;

use clap::Subcommand;
use spo_app::jobs::{Event, SchedulerMode};

use crate::ipc_err;

#[derive(Debug, Subcommand)]
pub(crate) enum JobsCommand {
    /// Scheduled jobs with their schedule and next run.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Recent runs, newest first.
    Runs {
        /// Only this store's.
        #[arg(long)]
        store: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 30)]
        limit: i64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Run a job now: the running app or daemon starts it within half a minute.
    Run {
        /// Job id.
        id: String,
    },
    /// Change a job's schedule (`every 6h` or a five-field cron expression, Riyadh time) or pause it.
    Set {
        /// Job id.
        id: String,
        /// New schedule.
        #[arg(long)]
        schedule: Option<String>,
        /// Pause it.
        #[arg(long, conflicts_with = "resume")]
        pause: bool,
        /// Resume it.
        #[arg(long)]
        resume: bool,
    },
}

pub(crate) async fn jobs(app: &spo_app::App, command: JobsCommand) -> anyhow::Result<ExitCode> {
    match command {
        JobsCommand::List { json } => {
            app.ensure_default_jobs().await.map_err(ipc_err)?;
            let jobs = app.jobs_info().await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
            } else {
                for j in &jobs {
                    println!(
                        "{}  {:<17} {:<14} next {}{}  {}",
                        j.id,
                        j.kind.as_str(),
                        j.schedule,
                        j.next_run_at.as_deref().unwrap_or("-"),
                        if j.paused { " (paused)" } else { "" },
                        j.store_id.as_deref().unwrap_or("all stores")
                    );
                }
            }
        }
        JobsCommand::Runs { store, limit, json } => {
            let mut runs = app.job_runs_info(store.as_deref()).await.map_err(ipc_err)?;
            runs.truncate(usize::try_from(limit).unwrap_or(0));
            if json {
                println!("{}", serde_json::to_string_pretty(&runs)?);
            } else {
                for r in &runs {
                    println!(
                        "{}  {:<17} {:<10} {}  {}{}",
                        r.started_at,
                        r.kind.map_or("-", spo_ipc::JobKind::as_str),
                        r.status.as_str(),
                        r.store_id.as_deref().unwrap_or("all stores"),
                        r.counts,
                        r.error.as_deref().map(|e| format!("  error: {e}")).unwrap_or_default()
                    );
                }
            }
        }
        JobsCommand::Run { id } => {
            if !app.run_job_now(&id).await.map_err(ipc_err)? {
                anyhow::bail!("no job {id} (see spo jobs list)");
            }
            match app.scheduler_holder().map_err(ipc_err)? {
                Some(h) => println!("asked {} to run it; it starts within half a minute", h.describe()),
                None => println!("queued: it runs when the app or spo daemon next runs"),
            }
        }
        JobsCommand::Set { id, schedule, pause, resume } => {
            let paused = if pause {
                Some(true)
            } else if resume {
                Some(false)
            } else {
                None
            };
            if schedule.is_none() && paused.is_none() {
                anyhow::bail!("say what to change: --schedule, --pause or --resume");
            }
            app.update_job(&id, schedule.as_deref(), paused).await.map_err(ipc_err)?;
            println!("saved (a running daemon or app picks it up within a minute)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the scheduler until Ctrl-C or SIGTERM; running jobs are asked to stop and get 30 s.
pub(crate) async fn daemon(app: &spo_app::App) -> anyhow::Result<ExitCode> {
    // The signal handlers are in place before the ready line: a SIGTERM sent right after it
    // must stop the daemon cleanly, not kill it.
    #[cfg(unix)]
    let (mut term, mut interrupt) = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?)
    };
    let mut events = app.job_events();
    let running = app.start_scheduler().await.map_err(ipc_err)?;
    // With a team, changes go out and come in while the daemon runs.
    app.start_team_sync();
    match (running.scheduler(), app.scheduler_mode()) {
        (Some(s), _) => println!("scheduler running: {} jobs (Ctrl-C stops it)", s.jobs().len()),
        (None, SchedulerMode::Standby(holder)) => println!(
            "standby: {} runs this data folder's jobs; this daemon takes over when it stops (Ctrl-C stops it)",
            holder.describe()
        ),
        (None, _) => anyhow::bail!("the scheduler did not start"),
    }
    let printer = tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            match e {
                Event::Started { kind, store_id, .. } => {
                    println!("started  {kind} {}", store_id.as_deref().unwrap_or("(all stores)"));
                }
                Event::Finished { job_id, status, error, .. } => {
                    println!(
                        "finished {job_id} {}{}",
                        status.as_str(),
                        error.map(|e| format!(": {e}")).unwrap_or_default()
                    );
                }
                Event::Progress { .. } => {}
            }
        }
    });
    #[cfg(unix)]
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = term.recv() => {}
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    running.stop().await;
    printer.abort();
    println!("scheduler stopped");
    Ok(ExitCode::SUCCESS)
}
