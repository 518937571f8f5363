//! Team sync use cases: create or join a team, invite and revoke seats, leave, sync now, the
//! status the title bar and `spo sync status` show, and resolving refused changes.
//!
//! **Invariants.**
//! * The seat's password lives in the OS keychain (one entry per data folder); the admin login
//!   used to create a team is used for that call only.
//! * One sync round at a time per process ([`TeamSync::gate`]): push every pending change first,
//!   then pull, and apply pulled rows only while nothing is pending (spo-store checks that inside
//!   the applying transaction).
//! * Without a team nothing here runs and nothing leaves the machine.

use std::sync::Arc;
use std::time::Duration;

use spo_domain::sync::AnswerStatus;
use spo_ipc as ipc;
use spo_store::TeamLink;
use spo_sync::{InviteCode, Remote, SeatLogin};

use crate::grants::keychain_call;
use crate::{App, AppError, Result};

/// Changes pushed per call.
const PUSH_BATCH: i64 = 2000;
/// Rows pulled per call.
const PULL_BATCH: i32 = 5000;
/// How often the background loop syncs when nothing wakes it.
pub const SYNC_POLL: Duration = Duration::from_secs(10);

/// The team connection of this process (shared by clones of [`App`]).
#[derive(Debug, Default)]
pub(crate) struct TeamSync {
    remote: tokio::sync::Mutex<Option<Remote>>,
    gate: tokio::sync::Mutex<()>,
    /// Wakes the background loop (a local change, a notification from the team).
    pub(crate) wake: tokio::sync::Notify,
}

fn account(profile: &str) -> String {
    format!("team-seat:{profile}")
}

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Keeps the team's CA certificate (PEM) in the data folder, so the seat keeps verifying the
/// server when the original file moves; refuses a file that is not a PEM certificate.
fn keep_ca_file(app: &App, offered: Option<&std::path::Path>) -> Result<Option<std::path::PathBuf>> {
    let Some(offered) = offered else { return Ok(None) };
    let text = std::fs::read_to_string(offered)
        .map_err(|e| AppError::InvalidInput(format!("the CA file {} cannot be read: {e}", offered.display())))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") || text.len() > 1_000_000 {
        return Err(AppError::InvalidInput(format!(
            "the CA file {} is not a PEM certificate (it starts with -----BEGIN CERTIFICATE-----)",
            offered.display()
        )));
    }
    let kept = app.paths().data_dir.join("team-ca.pem");
    if std::fs::canonicalize(offered).ok() != std::fs::canonicalize(&kept).ok() {
        std::fs::write(&kept, text).map_err(|e| AppError::Internal(format!("keeping the CA file: {e}")))?;
    }
    Ok(Some(kept))
}

fn info(link: &TeamLink) -> ipc::TeamInfo {
    ipc::TeamInfo {
        team_id: link.team_id.clone(),
        team_name: link.team_name.clone(),
        seat_name: link.seat_name.clone(),
        seat_role: crate::vocab::seat_role::to_ipc(link.seat_role),
        db_role: link.db_role.clone(),
        host: link.host.clone(),
        port: u16::try_from(link.port).unwrap_or(5432),
        database: link.database.clone(),
    }
}

impl App {
    /// Refuses, in words, what this seat's role does not allow (no team: everything is allowed).
    pub(crate) async fn ensure_may_write(&self, needs_owner: bool) -> Result<()> {
        if let Some(link) = self.db().team_link().await? {
            if let Some(why) = link.seat_role.refusal(needs_owner) {
                return Err(AppError::Team(spo_sync::Error::Refused(why.into())));
            }
        }
        Ok(())
    }

    /// A change the team should get soon: wakes the sync loop (no effect without a team).
    pub(crate) fn local_change(&self) {
        self.team().wake.notify_one();
    }

    pub(crate) async fn team_link(&self) -> Result<TeamLink> {
        self.db().team_link().await?.ok_or_else(|| {
            AppError::InvalidInput("this data folder is not part of a team (spo team create or spo team join)".into())
        })
    }

    /// The seat's connection, opened on first use with the password from the keychain.
    pub(crate) async fn remote(&self) -> Result<Remote> {
        let mut guard = self.team().remote.lock().await;
        if let Some(r) = guard.as_ref() {
            return Ok(r.clone());
        }
        let link = self.team_link().await?;
        let (secrets, acc) = (Arc::clone(self.secrets()), account(self.profile()));
        let password = keychain_call(move || secrets.get(&acc)).await?.ok_or_else(|| {
            AppError::Team(spo_sync::Error::Login(
                "this seat's password is not in the keychain; join the team again with a new invite".into(),
            ))
        })?;
        let login = SeatLogin {
            host: link.host,
            port: u16::try_from(link.port).unwrap_or(5432),
            database: link.database,
            role: link.db_role,
            password,
            ca_file: link.ca_file.map(Into::into),
        };
        let remote = Remote::connect(&login).await?;
        *guard = Some(remote.clone());
        Ok(remote)
    }

    async fn forget_remote(&self) {
        if let Some(r) = self.team().remote.lock().await.take() {
            r.close().await;
        }
    }

    async fn save_password(&self, password: String) -> Result<()> {
        let (secrets, acc) = (Arc::clone(self.secrets()), account(self.profile()));
        keychain_call(move || secrets.set(&acc, &password)).await
    }

    /// Makes a team on the server behind `admin_url` (used for this call only) with this data
    /// folder as its first owner seat; this folder's stores, rules and decisions are uploaded.
    /// `ca_file` (PEM) verifies a server signed by a private CA (kept in the data folder).
    #[tracing::instrument(skip_all, err)]
    pub async fn team_create(
        &self,
        admin_url: &str,
        team_name: &str,
        seat_name: &str,
        host_for_seats: Option<&str>,
        ca_file: Option<&std::path::Path>,
    ) -> Result<ipc::TeamInfo> {
        if self.db().team_link().await?.is_some() {
            return Err(AppError::InvalidInput(
                "this data folder is already part of a team (spo team leave first)".into(),
            ));
        }
        let ca = keep_ca_file(self, ca_file)?;
        let team = spo_sync::admin::create_team(admin_url, team_name, seat_name, host_for_seats, ca.as_deref()).await?;
        let login = team.owner;
        let remote = Remote::connect(&login).await?;
        let me =
            remote.whoami().await?.ok_or_else(|| AppError::Internal("the new owner seat is not on the team".into()))?;
        self.save_password(login.password.clone()).await?;
        self.become_seat(&login, me, remote).await
    }

    /// Links this data folder to the team as `me` (its existing stores, rules and decisions are
    /// queued for upload), keeps the connection, and runs the first upload and download now (a
    /// failure is kept in the sync status and retried).
    async fn become_seat(&self, login: &SeatLogin, me: spo_sync::WhoAmI, remote: Remote) -> Result<ipc::TeamInfo> {
        let link = TeamLink {
            client_id: uuid::Uuid::now_v7().to_string(),
            team_id: me.team_id,
            team_name: me.team_name,
            host: login.host.clone(),
            port: i64::from(login.port),
            database: login.database.clone(),
            db_role: me.db_role,
            seat_role: me.role,
            seat_name: me.seat_name,
            ca_file: login.ca_file.as_ref().map(|p| p.display().to_string()),
        };
        self.db().link_team(&link, true).await?;
        *self.team().remote.lock().await = Some(remote);
        // So that stores can be handed to this seat with their grant, sealed.
        if let Err(e) = self.publish_seat_key().await {
            tracing::warn!(error = %e, "this seat's key is not published yet; retried when the sync loop starts");
        }
        if let Err(e) = self.sync_now().await {
            tracing::warn!(error = %e, "first team sync failed; it is retried");
        }
        Ok(info(&link))
    }

    /// Invites a seat (owners only): returns the one-time code to hand over.
    #[tracing::instrument(skip_all, err)]
    pub async fn team_invite(&self, role: ipc::SeatRole, name: &str) -> Result<ipc::TeamInvite> {
        let role = crate::vocab::seat_role::from_ipc(role);
        let link = self.team_link().await?;
        let invite = self.remote().await?.invite(role, name).await?;
        let code = InviteCode {
            team: link.team_name,
            host: link.host,
            port: u16::try_from(link.port).unwrap_or(5432),
            database: link.database,
            role: invite.db_role.clone(),
            seat_role: role.as_str().into(),
            seat_name: name.trim().into(),
            password: invite.temporary_password,
            valid_until: invite.valid_until.clone(),
        };
        Ok(ipc::TeamInvite {
            code: code.encode(),
            db_role: invite.db_role,
            role: crate::vocab::seat_role::to_ipc(role),
            name: name.trim().into(),
            valid_until: invite.valid_until,
        })
    }

    /// Joins a team with an invite code: logs in once with it, replaces its password with a new
    /// one kept in the keychain (the code is useless afterwards), and syncs. `ca_file` (PEM)
    /// verifies a server signed by a private CA (kept in the data folder).
    #[tracing::instrument(skip_all, err)]
    pub async fn team_join(&self, code: &str, ca_file: Option<&std::path::Path>) -> Result<ipc::TeamInfo> {
        if self.db().team_link().await?.is_some() {
            return Err(AppError::InvalidInput(
                "this data folder is already part of a team (spo team leave first)".into(),
            ));
        }
        let code = InviteCode::decode(code)?;
        let mut login = SeatLogin {
            host: code.host.clone(),
            port: code.port,
            database: code.database.clone(),
            role: code.role.clone(),
            password: code.password.clone(),
            ca_file: keep_ca_file(self, ca_file)?,
        };
        let first = Remote::connect(&login).await.map_err(|e| match e {
            spo_sync::Error::Login(_) => AppError::Team(spo_sync::Error::Login(
                "the invite code was already used or has expired; ask the team owner for a new one".into(),
            )),
            other => other.into(),
        })?;
        let me = first.whoami().await?.ok_or_else(|| {
            AppError::Team(spo_sync::Error::Refused("this invite's seat was revoked; ask for a new invite".into()))
        })?;
        let password = spo_sync::new_password();
        // Keychain first: a password the server has but we lost would lock this seat out.
        self.save_password(password.clone()).await?;
        first.complete_join(&password).await?;
        first.close().await;
        login.password = password;
        let remote = Remote::connect(&login).await?;
        self.become_seat(&login, me, remote).await
    }

    /// The team and the sync state (works offline: the counters are local).
    pub async fn team_status(&self) -> Result<ipc::TeamStatus> {
        let link = self.db().team_link().await?;
        let state = self.db().sync_state().await?;
        let sync = match state {
            None => ipc::SyncStatus {
                indicator: ipc::SyncIndicator::Local,
                pending: 0,
                oldest_pending_at: None,
                pulled_seq: 0,
                head_seq: 0,
                last_push_at: None,
                last_pull_at: None,
                offline_since: None,
                last_error: None,
                open_conflicts: 0,
                apply_errors: 0,
                last_apply_error: None,
            },
            Some(s) => ipc::SyncStatus {
                indicator: if s.offline_since.is_some() {
                    ipc::SyncIndicator::Offline
                } else if s.last_error.is_some() {
                    ipc::SyncIndicator::Error
                } else if s.pending > 0 {
                    ipc::SyncIndicator::Pending
                } else {
                    ipc::SyncIndicator::Synced
                },
                pending: s.pending,
                oldest_pending_at: s.oldest_pending_at,
                pulled_seq: s.pulled_seq,
                head_seq: s.head_seq,
                last_push_at: s.last_push_at,
                last_pull_at: s.last_pull_at,
                offline_since: s.offline_since,
                last_error: s.last_error,
                open_conflicts: s.open_refusals,
                apply_errors: s.apply_errors,
                last_apply_error: s.last_apply_error,
            },
        };
        Ok(ipc::TeamStatus { team: link.as_ref().map(info), sync })
    }

    /// The team database for doctor and Diagnostics: reachable, version, TLS, this seat, the
    /// row-level-security check, pending changes, last sync (None without a team).
    pub async fn team_health(&self) -> Result<Option<ipc::TeamHealth>> {
        let Some(link) = self.db().team_link().await? else { return Ok(None) };
        let state = self.db().sync_state().await?;
        let probe = async {
            let remote = self.remote().await?;
            let info = remote.server_info().await?;
            let me = remote.whoami().await?;
            Ok::<_, AppError>((info, me))
        };
        let probe = tokio::time::timeout(std::time::Duration::from_secs(15), probe)
            .await
            .unwrap_or_else(|_| Err(AppError::Team(spo_sync::Error::Unreachable("no answer within 15 s".into()))));
        let (pending, last_sync_at, open_conflicts) = state
            .as_ref()
            .map_or((0, None, 0), |s| (s.pending, s.last_pull_at.clone().max(s.last_push_at.clone()), s.open_refusals));
        let base = ipc::TeamHealth {
            team_name: link.team_name.clone(),
            server: format!("{}:{}/{}", link.host, link.port, link.database),
            seat: format!("{} ({}, {})", link.seat_name, link.seat_role, link.db_role),
            reachable: false,
            server_version: None,
            tls: None,
            rls_ok: None,
            detail: String::new(),
            pending,
            last_sync_at,
            open_conflicts,
            status: ipc::CheckStatus::Warning,
        };
        Ok(Some(match probe {
            Ok((info, me)) => {
                let rls_ok = info.rls_forced && info.direct_table_grants == 0;
                let (status, detail) = match (&me, rls_ok) {
                    (None, _) => {
                        (ipc::CheckStatus::Failed, "this login is no longer a seat of the team (revoked)".into())
                    }
                    (_, false) => (
                        ipc::CheckStatus::Failed,
                        "the team database does not enforce row-level security on every table".into(),
                    ),
                    _ if open_conflicts > 0 => {
                        (ipc::CheckStatus::Warning, format!("{open_conflicts} refused changes wait for you"))
                    }
                    _ => (ipc::CheckStatus::Ok, "ok".into()),
                };
                ipc::TeamHealth {
                    reachable: true,
                    server_version: Some(info.version),
                    tls: info.tls,
                    rls_ok: Some(rls_ok),
                    detail,
                    status,
                    ..base
                }
            }
            Err(e) => ipc::TeamHealth { detail: e.to_string(), ..base },
        }))
    }

    /// The team's seats.
    pub async fn team_members(&self) -> Result<Vec<ipc::TeamMember>> {
        let remote = self.remote().await?;
        let me = remote.role().to_string();
        Ok(remote
            .members()
            .await?
            .into_iter()
            .map(|m| ipc::TeamMember {
                is_me: m.db_role == me,
                db_role: m.db_role,
                name: m.name,
                role: crate::vocab::seat_role::to_ipc(m.role),
                joined_at: m.joined_at,
                revoked_at: m.revoked_at,
            })
            .collect())
    }

    /// Revokes a seat (owners only): it can no longer log in, its open sessions end, and its
    /// pending changes are refused.
    pub async fn team_revoke(&self, db_role: &str) -> Result<()> {
        let remote = self.remote().await?;
        if db_role == remote.role() {
            return Err(AppError::InvalidInput("to remove this seat, use leave".into()));
        }
        remote.revoke(db_role).await?;
        Ok(())
    }

    /// Leaves the team: pushes what is pending if the server answers, disables this seat's login
    /// there, forgets the password and stops syncing. Local data stays.
    #[tracing::instrument(skip_all, err)]
    pub async fn team_leave(&self) -> Result<()> {
        self.team_link().await?;
        let _gate = self.team().gate.lock().await;
        if let Ok(remote) = self.remote().await {
            let _ = self.push_pending(&remote).await;
            let me = remote.role().to_string();
            match remote.revoke(&me).await {
                Ok(()) | Err(spo_sync::Error::Unreachable(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.forget_remote().await;
        self.db().unlink_team().await?;
        let (secrets, acc) = (Arc::clone(self.secrets()), account(self.profile()));
        keychain_call(move || secrets.delete(&acc)).await?;
        Ok(())
    }

    /// One sync round now: push everything pending, then pull and apply what the team has.
    #[tracing::instrument(skip_all, err)]
    pub async fn sync_now(&self) -> Result<ipc::SyncReport> {
        self.team_link().await?;
        let _gate = self.team().gate.lock().await;
        let mut result = self.sync_round().await;
        if matches!(&result, Err(AppError::Team(t)) if t.is_offline()) {
            // A connection kept from before a network change can be dead while the server is
            // fine: one more try on fresh connections before calling it offline.
            self.forget_remote().await;
            result = self.sync_round().await;
        }
        if let Err(e) = &result {
            let offline = matches!(e, AppError::Team(t) if t.is_offline());
            if offline || matches!(e, AppError::Team(spo_sync::Error::Login(_))) {
                self.forget_remote().await;
            }
            let _ = self.db().note_sync_error(&e.to_string(), offline).await;
        }
        result
    }

    async fn sync_round(&self) -> Result<ipc::SyncReport> {
        let remote = self.remote().await?;
        self.check_client_id(&remote).await?;
        let mut report = self.push_pending(&remote).await?;
        self.pull_all(&remote, &mut report).await?;
        Ok(report)
    }

    /// A database restored from a backup hands out mutation ids the team has already seen: this
    /// install then continues as a new client, so its changes are not taken for replays.
    async fn check_client_id(&self, remote: &Remote) -> Result<()> {
        let link = self.team_link().await?;
        let (_, last_applied) = remote.client_state(&link.client_id).await?;
        if last_applied > self.db().last_issued_mutation().await? {
            tracing::warn!("mutation ids went back (restored database?): continuing as a new client");
            self.db().rotate_client_id(&uuid::Uuid::now_v7().to_string()).await?;
        }
        Ok(())
    }

    async fn push_pending(&self, remote: &Remote) -> Result<ipc::SyncReport> {
        let mut report = ipc::SyncReport::default();
        loop {
            let link = self.team_link().await?;
            let batch = self.db().pending_mutations(PUSH_BATCH).await?;
            if batch.is_empty() {
                return Ok(report);
            }
            let answers = remote.push(&link.client_id, &batch).await?;
            report.pushed +=
                answers.iter().filter(|a| matches!(a.status, AnswerStatus::Applied | AnswerStatus::Duplicate)).count();
            report.refused += self.db().record_answers(&batch, &answers).await?;
        }
    }

    async fn pull_all(&self, remote: &Remote, report: &mut ipc::SyncReport) -> Result<()> {
        let link = self.team_link().await?;
        let (head, _) = remote.client_state(&link.client_id).await?;
        loop {
            let since = self.db().pulled_seq().await?;
            let rows = remote.pull(since, PULL_BATCH).await?;
            let Some(last) = rows.last().map(|r| r.seq) else {
                // Nothing new: still note the contact and the head.
                self.db().apply_pulled(&[], since, head, now_ms()).await?;
                return Ok(());
            };
            let applied = self.db().apply_pulled(&rows, last, head.max(last), now_ms()).await?;
            if applied.deferred {
                // A local change arrived meanwhile: it goes first, at the next round.
                return Ok(());
            }
            report.pulled += applied.rows;
            report.failed += applied.failed;
            if rows.len() < usize::try_from(PULL_BATCH).unwrap_or(usize::MAX) {
                return Ok(());
            }
        }
    }

    /// Changes the team refused, waiting for the merchant.
    pub async fn sync_conflicts(&self) -> Result<Vec<ipc::SyncConflict>> {
        Ok(self
            .db()
            .open_refusals()
            .await?
            .into_iter()
            .map(|r| ipc::SyncConflict {
                id: r.id,
                table: r.tbl,
                row_id: r.row_id,
                status: crate::vocab::refusal_status::to_ipc(r.status),
                reason: r.reason,
                mine: r.mine,
                theirs: r.theirs,
                at: r.at,
            })
            .collect())
    }

    /// Resolves a refused change: "take theirs" keeps the team's version (already applied here);
    /// "keep mine" makes the refused rule edit again on top of the team's current rule, so it
    /// goes through compare-and-set again like any new edit.
    #[tracing::instrument(skip_all, err)]
    pub async fn resolve_conflict(&self, id: &str, keep_mine: bool) -> Result<()> {
        let open = self.db().open_refusals().await?;
        let r = open.iter().find(|r| r.id == id).ok_or_else(|| {
            AppError::Store(spo_store::Error::Missing(format!("no open sync conflict with id {id:?}")))
        })?;
        if !keep_mine {
            self.db().resolve_refusal(id, "took_theirs").await?;
            return Ok(());
        }
        if r.tbl != "pricing_rules" {
            return Err(AppError::InvalidInput(
                "only a rule edit can be kept over the team's version; this change can only be dismissed".into(),
            ));
        }
        let mine: serde_json::Value = serde_json::from_str(r.mine.as_deref().unwrap_or("null"))
            .map_err(|e| AppError::Internal(format!("stored conflict is not JSON: {e}")))?;
        let text = |k: &str| mine.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let int = |k: &str| mine.get(k).and_then(serde_json::Value::as_i64);
        let store_id = text("store_id").ok_or_else(|| AppError::Internal("conflict without a store".into()))?;
        let vocab = |k: &str| {
            mine.get(k).cloned().ok_or_else(|| AppError::Internal(format!("stored conflict without its {k}")))
        };
        let unreadable = |e: serde_json::Error| AppError::Internal(format!("stored conflict does not read: {e}"));
        let rule = spo_store::NewRule {
            scope: serde_json::from_value(vocab("scope")?).map_err(unreadable)?,
            category_id: text("category_id"),
            product_id: text("product_id"),
            strategy: serde_json::from_value(vocab("strategy")?).map_err(unreadable)?,
            params: text("params").unwrap_or_else(|| "{}".into()),
            min_price_minor: int("min_price_minor"),
            max_price_minor: int("max_price_minor"),
            min_margin_bps: int("min_margin_bps"),
            max_step_bps: int("max_step_bps"),
            max_daily_bps: int("max_daily_bps"),
            cooldown_minutes: int("cooldown_minutes"),
            price_ending: text("price_ending"),
            is_dry_run: int("is_dry_run").unwrap_or(1) != 0,
        };
        self.db().set_rule(&store_id, &rule, "user:local").await?;
        self.db().resolve_refusal(id, "kept_mine").await?;
        self.team().wake.notify_one();
        Ok(())
    }

    /// Starts the background sync loop when this folder has a team (the desktop app and
    /// `spo daemon` do, at start and after create or join): a round every poll interval, sooner
    /// when the team announces a change (LISTEN/NOTIFY, a wake-up hint only) or a conflict was
    /// resolved here. Stops when the folder leaves the team or the app closes.
    pub fn start_team_sync(&self) {
        self.start_lease_loop();
        let app = self.clone();
        let task = tokio::spawn(async move {
            let mut listener: Option<spo_sync::Listener> = None;
            let mut key_published = false;
            loop {
                if !key_published {
                    key_published = app.publish_seat_key().await.is_ok();
                }
                let Ok(Some(link)) = app.db().team_link().await else { return };
                if let Err(e) = app.sync_now().await {
                    tracing::debug!(error = %e, "team sync round failed; retried at the next poll");
                }
                if listener.is_none() && app.sync_hint() {
                    if let Ok(remote) = app.remote().await {
                        listener = remote.listener(&link.team_id).await.ok();
                    }
                }
                let hint = async {
                    match listener.as_mut() {
                        Some(l) => l.recv().await.is_ok(),
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = tokio::time::sleep(app.sync_poll()) => {}
                    () = app.team().wake.notified() => {}
                    ok = hint => if !ok { listener = None },
                }
            }
        });
        self.background_task(task);
    }
}
