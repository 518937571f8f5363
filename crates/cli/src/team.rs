//! `spo team` (create, invite, join, members, revoke, leave, status, conflicts) and `spo sync`
//! (now, status): the team-sync use cases on the command line.

use std::io::Read as _;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use crate::ipc_err;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Role {
    Owner,
    Manager,
    Viewer,
}

impl From<Role> for spo_ipc::SeatRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Owner => spo_ipc::SeatRole::Owner,
            Role::Manager => spo_ipc::SeatRole::Manager,
            Role::Viewer => spo_ipc::SeatRole::Viewer,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum TeamCommand {
    /// Make a team on a PostgreSQL server with this data folder as its first owner seat. The
    /// admin connection URL (postgres://admin:PASSWORD@HOST:5432/DATABASE) is read from stdin,
    /// used for this command only and never stored.
    Create {
        /// The team's name.
        #[arg(long)]
        name: String,
        /// Your seat's name (shown to the team).
        #[arg(long)]
        seat: String,
        /// Host the seats use, when it differs from the admin URL's.
        #[arg(long)]
        seat_host: Option<String>,
        /// PEM file of the CA that signed the server's certificate (private CAs: RDS, Supabase, …).
        #[arg(long)]
        ca_file: Option<std::path::PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Invite a seat (owners only): prints a one-time code for the new seat's `spo team join`.
    Invite {
        /// Its role.
        #[arg(long, value_enum)]
        role: Role,
        /// Its name.
        #[arg(long)]
        name: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Join a team with an invite code read from stdin (the code works once).
    Join {
        /// PEM file of the CA that signed the server's certificate, if private.
        #[arg(long)]
        ca_file: Option<std::path::PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The team, this seat, and the sync state.
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The team's seats.
    Members {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a seat (owners only): its login is disabled, its sessions end, its pending changes
    /// are refused.
    Revoke {
        /// The seat (its login role, as `spo team members` shows).
        seat: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Leave the team: pending changes are pushed if the server answers, this seat's login is
    /// disabled, and the data folder goes back to local only (its data stays).
    Leave {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Changes the team refused (a rule edited on two seats, a decision moved elsewhere).
    Conflicts {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Resolve a refused change: keep mine (make the rule edit again) or take theirs.
    Resolve {
        /// Conflict id (`spo team conflicts`).
        id: String,
        /// Keep this seat's version.
        #[arg(long, conflicts_with = "theirs")]
        mine: bool,
        /// Keep the team's version.
        #[arg(long)]
        theirs: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SyncCommand {
    /// Push pending changes and pull the team's now.
    Now {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Pending changes, last push and pull, lag, errors.
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

fn stdin_text(what: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let text = text.trim().to_owned();
    anyhow::ensure!(!text.is_empty(), "{what} is read from stdin, and stdin was empty");
    Ok(text)
}

fn print_json<T: serde::Serialize + ?Sized>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn print_team(t: &spo_ipc::TeamInfo) {
    println!(
        "team {} ({}) on {}:{}/{}; this seat: {} ({}, {})",
        t.team_name,
        t.team_id,
        t.host,
        t.port,
        t.database,
        t.seat_name,
        crate::word(&t.seat_role),
        t.db_role
    );
}

fn print_sync(s: &spo_ipc::SyncStatus) {
    let state = match s.indicator {
        spo_ipc::SyncIndicator::Local => "local only (no team)".to_owned(),
        spo_ipc::SyncIndicator::Synced => "synced".to_owned(),
        spo_ipc::SyncIndicator::Pending => format!("{} changes pending", s.pending),
        spo_ipc::SyncIndicator::Offline => {
            format!("offline since {}", s.offline_since.as_deref().unwrap_or("?"))
        }
        spo_ipc::SyncIndicator::Error => format!("error: {}", s.last_error.as_deref().unwrap_or("?")),
    };
    println!("sync: {state}");
    if s.indicator == spo_ipc::SyncIndicator::Local {
        return;
    }
    println!("  pending changes: {} (oldest {})", s.pending, s.oldest_pending_at.as_deref().unwrap_or("-"));
    println!(
        "  applied through change {} of {} (behind by {})",
        s.pulled_seq,
        s.head_seq,
        (s.head_seq - s.pulled_seq).max(0)
    );
    println!(
        "  last push {}, last pull {}",
        s.last_push_at.as_deref().unwrap_or("never"),
        s.last_pull_at.as_deref().unwrap_or("never")
    );
    if let Some(e) = &s.last_error {
        println!("  last error: {e}");
    }
    if s.open_conflicts > 0 {
        println!("  {} refused changes wait for you: spo team conflicts", s.open_conflicts);
    }
    if s.apply_errors > 0 {
        println!(
            "  {} team rows wait for rows they reference ({})",
            s.apply_errors,
            s.last_apply_error.as_deref().unwrap_or("-")
        );
    }
}

pub(crate) async fn team(app: &spo_app::App, command: TeamCommand) -> anyhow::Result<ExitCode> {
    match command {
        TeamCommand::Create { name, seat, seat_host, ca_file, json } => {
            let url = stdin_text("the admin connection URL")?;
            let t =
                app.team_create(&url, &name, &seat, seat_host.as_deref(), ca_file.as_deref()).await.map_err(ipc_err)?;
            if json {
                print_json(&t)?;
            } else {
                print_team(&t);
                println!("invite seats with: spo team invite --role manager --name NAME");
            }
        }
        TeamCommand::Invite { role, name, json } => {
            let i = app.team_invite(role.into(), &name).await.map_err(ipc_err)?;
            if json {
                print_json(&i)?;
            } else {
                println!("{}", i.code);
                eprintln!(
                    "give this code to {} ({}); it works once, until {}: spo team join < code.txt",
                    i.name,
                    crate::word(&i.role),
                    i.valid_until
                );
            }
        }
        TeamCommand::Join { ca_file, json } => {
            let code = stdin_text("the invite code")?;
            let t = app.team_join(&code, ca_file.as_deref()).await.map_err(ipc_err)?;
            if json {
                print_json(&t)?;
            } else {
                print_team(&t);
            }
        }
        TeamCommand::Status { json } => {
            let s = app.team_status().await.map_err(ipc_err)?;
            if json {
                print_json(&s)?;
            } else {
                match &s.team {
                    Some(t) => print_team(t),
                    None => println!("this data folder is not part of a team (spo team create, spo team join)"),
                }
                print_sync(&s.sync);
            }
        }
        TeamCommand::Members { json } => {
            let members = app.team_members().await.map_err(ipc_err)?;
            if json {
                print_json(&members)?;
            } else {
                for m in &members {
                    let state = match (&m.revoked_at, &m.joined_at) {
                        (Some(at), _) => format!("revoked {at}"),
                        (None, Some(at)) => format!("joined {at}"),
                        (None, None) => "invited".to_owned(),
                    };
                    println!(
                        "{}  {:<8} {:<24} {}{}",
                        m.db_role,
                        crate::word(&m.role),
                        m.name,
                        state,
                        if m.is_me { "  (this seat)" } else { "" }
                    );
                }
            }
        }
        TeamCommand::Revoke { seat, json } => {
            app.team_revoke(&seat).await.map_err(ipc_err)?;
            if json {
                print_json(&serde_json::json!({ "revoked": seat }))?;
            } else {
                println!("{seat} can no longer log in; its pending changes will be refused");
            }
        }
        TeamCommand::Leave { json } => {
            app.team_leave().await.map_err(ipc_err)?;
            if json {
                print_json(&serde_json::json!({ "left": true }))?;
            } else {
                println!("left the team; this data folder is local only again (its data stays)");
            }
        }
        TeamCommand::Conflicts { json } => {
            let list = app.sync_conflicts().await.map_err(ipc_err)?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("no refused changes");
            } else {
                for c in &list {
                    println!("{}  {}  {} {}: {}", c.id, c.at, c.table, c.row_id, c.reason);
                }
                println!("resolve with: spo team resolve ID --mine | --theirs");
            }
        }
        TeamCommand::Resolve { id, mine, theirs } => {
            anyhow::ensure!(mine || theirs, "say which version to keep: --mine or --theirs");
            app.resolve_conflict(&id, mine).await.map_err(ipc_err)?;
            println!("{}", if mine { "kept yours: it is sent to the team again" } else { "kept the team's version" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn sync(app: &spo_app::App, command: SyncCommand) -> anyhow::Result<ExitCode> {
    match command {
        SyncCommand::Now { json } => {
            let r = app.sync_now().await.map_err(ipc_err)?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "sent {} changes ({} refused: spo team conflicts), applied {} from the team{}",
                    r.pushed,
                    r.refused,
                    r.pulled,
                    if r.failed > 0 {
                        format!(", {} waiting for rows they reference", r.failed)
                    } else {
                        String::new()
                    }
                );
            }
        }
        SyncCommand::Status { json } => {
            let s = app.team_status().await.map_err(ipc_err)?;
            if json {
                print_json(&s.sync)?;
            } else {
                print_sync(&s.sync);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `spo stores lease` does.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LeaseAction {
    /// Which seat runs the store, with its lease.
    Status,
    /// Run the store on this seat (it must be free: released, or its lease ended).
    Take,
    /// Hand the store over: this seat stops running it until `take`.
    Release,
}

fn print_lease(l: &spo_ipc::StoreLeaseInfo) {
    let seat = l.holder_seat.clone().unwrap_or_else(|| l.holder.clone());
    let name = l.store_name.clone().unwrap_or_else(|| l.store_id.clone());
    let state = if l.here {
        "this seat"
    } else if l.live {
        "another seat"
    } else {
        "nobody now (the lease ended)"
    };
    println!(
        "{name}: runs on {seat} [{state}], epoch {}, since {}, lease until {}",
        l.epoch, l.acquired_at, l.expires_at
    );
}

/// `spo stores lease --store ID [status|take|release]`.
pub(crate) async fn lease(
    app: &spo_app::App,
    store: &str,
    action: LeaseAction,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match action {
        LeaseAction::Status => {
            let all = app.store_leases().await.map_err(ipc_err)?;
            let mine: Vec<_> = all.into_iter().filter(|l| l.store_id == store).collect();
            if json {
                print_json(&mine)?;
            } else if let Some(l) = mine.first() {
                print_lease(l);
            } else {
                println!("no seat has run this store yet (the seat holding its Salla grant takes it at its next look)");
            }
        }
        LeaseAction::Take => {
            let l = app.take_store_lease(store).await.map_err(ipc_err)?;
            if json {
                print_json(&l)?;
            } else {
                print_lease(&l);
            }
        }
        LeaseAction::Release => {
            let released = app.release_store_lease(store).await.map_err(ipc_err)?;
            if json {
                print_json(&serde_json::json!({ "released": released }))?;
            } else if released {
                println!(
                    "released: another seat may run the store now (this seat waits until `spo stores lease take`)"
                );
            } else {
                println!("this seat did not hold the store's lease; it will not take it until `spo stores lease take`");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
