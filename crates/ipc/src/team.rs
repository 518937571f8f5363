//! Team sync: the team this seat belongs to, its members, the sync state, refused changes.

use serde::{Deserialize, Serialize};

/// What a seat may do in the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatRole {
    /// Seats, everything.
    Owner,
    /// Rules, approve/reject, run now, kill switch.
    Manager,
    /// Read only.
    Viewer,
}

/// Why the team did not take a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalStatus {
    /// The team's row moved on.
    Conflict,
    /// Not allowed (role, table rule).
    Rejected,
}

/// This data folder's team, if it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamInfo {
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// This seat's name.
    pub seat_name: String,
    /// What this seat may do.
    pub seat_role: SeatRole,
    /// This seat's login role on the server.
    pub db_role: String,
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Database.
    pub database: String,
}

/// What the title-bar sync indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncIndicator {
    /// No team: the app is local only.
    Local,
    /// Everything pushed and pulled.
    Synced,
    /// Local changes wait to be pushed.
    Pending,
    /// The team database cannot be reached; work goes on locally.
    Offline,
    /// The team refused this seat (login, revoked) or failed otherwise.
    Error,
}

/// Sync counters and the last outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// What to show.
    pub indicator: SyncIndicator,
    /// Changes not yet taken by the team.
    pub pending: i64,
    /// Oldest pending change.
    pub oldest_pending_at: Option<String>,
    /// Change number applied here.
    pub pulled_seq: i64,
    /// The team's newest change number at the last contact.
    pub head_seq: i64,
    /// Last push.
    pub last_push_at: Option<String>,
    /// Last pull.
    pub last_pull_at: Option<String>,
    /// Unreachable since.
    pub offline_since: Option<String>,
    /// Last error, in words.
    pub last_error: Option<String>,
    /// Refused changes waiting for a decision.
    pub open_conflicts: i64,
    /// Team rows that could not be applied here.
    pub apply_errors: i64,
    /// The latest of them, in words.
    pub last_apply_error: Option<String>,
}

/// `team status`: the team and the sync state (both None without a team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamStatus {
    /// The team.
    pub team: Option<TeamInfo>,
    /// Sync state.
    pub sync: SyncStatus,
}

/// One seat of the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    /// Login role (the seat's id for revoke).
    pub db_role: String,
    /// Name.
    pub name: String,
    /// What the seat may do.
    pub role: SeatRole,
    /// Joined (None: invited, not joined yet).
    pub joined_at: Option<String>,
    /// Revoked.
    pub revoked_at: Option<String>,
    /// This is the seat asking.
    pub is_me: bool,
}

/// A new seat's invite: the code is shown once and not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamInvite {
    /// The one-time code to give the new seat.
    pub code: String,
    /// The seat's login role.
    pub db_role: String,
    /// What the seat may do.
    pub role: SeatRole,
    /// Name.
    pub name: String,
    /// The code stops working then (and at its first use).
    pub valid_until: String,
}

/// What one sync round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Local changes the team took.
    pub pushed: usize,
    /// Local changes the team refused (shown as conflicts).
    pub refused: usize,
    /// Team rows applied here.
    pub pulled: usize,
    /// Team rows that could not be applied here.
    pub failed: usize,
}

/// A change the team did not take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncConflict {
    /// Id (for keep mine / take theirs).
    pub id: String,
    /// Table.
    pub table: String,
    /// Row.
    pub row_id: String,
    /// Why it was refused.
    pub status: RefusalStatus,
    /// Why, in words.
    pub reason: String,
    /// What this seat wanted (JSON).
    pub mine: Option<String>,
    /// The team's row (JSON).
    pub theirs: Option<String>,
    /// When.
    pub at: String,
}

/// The team database as doctor and Diagnostics check it (None without a team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamHealth {
    /// Team name.
    pub team_name: String,
    /// `host:port/database`.
    pub server: String,
    /// This seat's login role and role in the team.
    pub seat: String,
    /// Reached now.
    pub reachable: bool,
    /// PostgreSQL version (when reached).
    pub server_version: Option<String>,
    /// TLS version in use (None: not encrypted, allowed on this machine only).
    pub tls: Option<String>,
    /// Every team table has row-level security enabled and forced, and this seat holds no
    /// privilege on any of them.
    pub rls_ok: Option<bool>,
    /// What went wrong, in words.
    pub detail: String,
    /// Changes waiting to be pushed.
    pub pending: i64,
    /// Last push / pull.
    pub last_sync_at: Option<String>,
    /// Refused changes waiting for a decision.
    pub open_conflicts: i64,
    /// Overall.
    pub status: crate::CheckStatus,
}

/// Which seat runs one of the team's stores: the holder of its lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreLeaseInfo {
    /// Store id.
    pub store_id: String,
    /// Store name (when this seat has the store).
    pub store_name: Option<String>,
    /// The holding seat's name.
    pub holder_seat: Option<String>,
    /// The holding seat's login role.
    pub holder: String,
    /// Fencing epoch (one more at every takeover).
    pub epoch: i64,
    /// When the holder took it (RFC 3339).
    pub acquired_at: String,
    /// Its last renewal (RFC 3339).
    pub renewed_at: String,
    /// When it ends unless renewed (RFC 3339).
    pub expires_at: String,
    /// Not expired.
    pub live: bool,
    /// This data folder holds it.
    pub here: bool,
}
