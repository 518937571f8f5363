//! Command names and their argument wrappers.
//!
//! Tauri passes command arguments as a JSON object keyed by parameter name. Each command that takes
//! arguments has an `*Args` struct here whose fields are exactly those parameter names; the UI
//! serialises that struct, the contract tests serialise it too.

use serde::{Deserialize, Serialize};

use crate::dto::{ConnectApp, ConnectTokens, ProductQuery, SettingsPatch};

/// `app_info` → [`crate::AppInfo`]. No arguments.
pub const APP_INFO: &str = "app_info";
/// `doctor` → [`crate::DoctorReport`]. No arguments. Runs every health check for real.
pub const DOCTOR: &str = "doctor";
/// `read_log` ([`ReadLogArgs`]) → [`crate::LogTail`]: the last lines of the newest log file.
pub const READ_LOG: &str = "read_log";
/// `get_settings` → [`crate::Settings`]. No arguments.
pub const GET_SETTINGS: &str = "get_settings";
/// `update_settings` ([`UpdateSettingsArgs`]) → [`crate::Settings`] (the stored result).
pub const UPDATE_SETTINGS: &str = "update_settings";
/// `list_stores` → `Vec<`[`crate::StoreSummary`]`>`. No arguments.
pub const LIST_STORES: &str = "list_stores";

/// `connect_demo_store` → [`crate::ConnectedStore`]. No arguments. Starts the local demo store,
/// connects to it through the real OAuth flow and imports its catalogue.
pub const CONNECT_DEMO_STORE: &str = "connect_demo_store";
/// `list_products` ([`ListProductsArgs`]) → [`crate::ProductPage`].
pub const LIST_PRODUCTS: &str = "list_products";

/// `sync_catalog` ([`StoreArgs`]) → [`crate::SyncSummary`]. Imports a store's catalogue
/// (products, variants, categories), emitting [`crate::events::SYNC_PROGRESS`] as it goes.
pub const SYNC_CATALOG: &str = "sync_catalog";
/// `sync_orders` ([`StoreArgs`]) → [`crate::SyncSummary`]. Imports a store's orders (the last 180
/// days the first time, then incrementally), emitting [`crate::events::SYNC_PROGRESS`].
pub const SYNC_ORDERS: &str = "sync_orders";
/// `cancel_sync` ([`StoreArgs`]) → `()`. Stops the store's running import after the batch in
/// flight; what was imported stays, nothing is half-written.
pub const CANCEL_SYNC: &str = "cancel_sync";
/// `sales_summary` ([`StoreArgs`]) → [`crate::SalesSummary`]: the last 30 days' sales.
pub const SALES_SUMMARY: &str = "sales_summary";

/// `list_listings` ([`StoreArgs`]) → `Vec<`[`crate::Listing`]`>`: tracked competitor pages,
/// failing ones first.
pub const LIST_LISTINGS: &str = "list_listings";
/// `add_listing` ([`AddListingArgs`]) → [`crate::Listing`].
pub const ADD_LISTING: &str = "add_listing";
/// `check_listing` ([`CheckListingArgs`]) → [`crate::Listing`]: fetch and read the page now.
pub const CHECK_LISTING: &str = "check_listing";
/// `confirm_listing_price` ([`CheckListingArgs`]) → [`crate::Listing`]: the merchant confirms a
/// suspicious price jump as real.
pub const CONFIRM_LISTING_PRICE: &str = "confirm_listing_price";

/// `product_competitors` ([`ProductArgs`]) → [`crate::ProductCompetitors`]: the product's
/// competitor pages with their price history, and the pages found by search.
pub const PRODUCT_COMPETITORS: &str = "product_competitors";
/// `discover_competitors` ([`ProductArgs`]) → [`crate::DiscoveryReport`]: searches the web
/// (Tavily, key in the keychain) for the product's competitor pages and proposes them.
pub const DISCOVER_COMPETITORS: &str = "discover_competitors";
/// `decide_candidate` ([`DecideCandidateArgs`]) → `()`: tracks a found page or never proposes it
/// again.
pub const DECIDE_CANDIDATE: &str = "decide_candidate";
/// `get_competitor_settings` → [`crate::CompetitorSettings`].
pub const GET_COMPETITOR_SETTINGS: &str = "get_competitor_settings";
/// `update_competitor_settings` ([`UpdateCompetitorSettingsArgs`]) →
/// [`crate::CompetitorSettings`]: allowed hosts, retention, the Tavily key (kept in the keychain).
pub const UPDATE_COMPETITOR_SETTINGS: &str = "update_competitor_settings";

/// `optimize` ([`OptimizeArgs`]) → [`crate::RunReport`]: one optimization run now.
pub const OPTIMIZE: &str = "optimize";
/// `list_decisions` ([`ListDecisionsArgs`]) → `Vec<`[`crate::Decision`]`>`, newest first.
pub const LIST_DECISIONS: &str = "list_decisions";
/// `decide_decisions` ([`DecideDecisionsArgs`]) → `u32`: approves or rejects proposed decisions.
pub const DECIDE_DECISIONS: &str = "decide_decisions";
/// `apply_decisions` ([`StoreArgs`]) → [`crate::ApplyReport`]: applies the approved decisions.
pub const APPLY_DECISIONS: &str = "apply_decisions";
/// `rollback_decision` ([`DecisionArgs`]) → [`crate::Decision`]: the rollback, applied.
pub const ROLLBACK_DECISION: &str = "rollback_decision";
/// `rollback_run` ([`RunArgs`]) → [`crate::ApplyReport`]: every applied price of a run undone.
pub const ROLLBACK_RUN: &str = "rollback_run";
/// `list_runs` ([`StoreArgs`]) → `Vec<`[`crate::RunSummary`]`>`: recent optimization runs, newest first.
pub const LIST_RUNS: &str = "list_runs";
/// `list_jobs` → `Vec<`[`crate::JobInfo`]`>`: the background jobs and their schedules.
pub const LIST_JOBS: &str = "list_jobs";
/// `scheduler_status` → [`crate::SchedulerStatus`]: whether this app runs the background jobs or
/// another process (`spo daemon`) does.
pub const SCHEDULER_STATUS: &str = "scheduler_status";
/// `list_job_runs` ([`ListJobRunsArgs`]) → `Vec<`[`crate::JobRunInfo`]`>`, newest first.
pub const LIST_JOB_RUNS: &str = "list_job_runs";
/// `run_job_now` ([`JobArgs`]) → `bool`: false when there is no such job.
pub const RUN_JOB_NOW: &str = "run_job_now";
/// `cancel_job` ([`JobArgs`]) → `bool`: false when it is not running.
pub const CANCEL_JOB: &str = "cancel_job";
/// `update_job` ([`UpdateJobArgs`]) → `Vec<`[`crate::JobInfo`]`>`: a job's schedule (`every 6h` or
/// a five-field cron expression, Riyadh time) or pause, taken up by the running scheduler.
pub const UPDATE_JOB: &str = "update_job";
/// `pause_jobs` ([`PauseJobsArgs`]) → `bool` (paused now): one store's jobs, or all.
pub const PAUSE_JOBS: &str = "pause_jobs";
/// `list_backups` → [`crate::DataOverview`]: the backups kept in the app's folder, newest first.
pub const LIST_BACKUPS: &str = "list_backups";
/// `backup_now` → [`crate::BackupReport`]: a checked copy of the database in the backups folder.
pub const BACKUP_NOW: &str = "backup_now";
/// `restore_backup` ([`RestoreArgs`]) → [`crate::BackupReport`]: replaces the database with a
/// checked backup (the current one is backed up first) and reopens it.
pub const RESTORE_BACKUP: &str = "restore_backup";
/// `set_backup_keep` ([`BackupKeepArgs`]) → [`crate::DataOverview`]: how many daily backups to keep.
pub const SET_BACKUP_KEEP: &str = "set_backup_keep";
/// `set_retention` ([`RetentionArgs`]) → [`crate::DataOverview`]: how long job runs and log files
/// are kept (the nightly clean-up deletes older ones).
pub const SET_RETENTION: &str = "set_retention";
/// `export_csv` ([`ExportArgs`]) → [`crate::ExportResult`]: products, decisions or the audit log
/// of a store as a CSV file in the Downloads folder.
pub const EXPORT_CSV: &str = "export_csv";
/// `list_notifications` → [`crate::NotificationList`]: the notification centre, newest first.
pub const LIST_NOTIFICATIONS: &str = "list_notifications";
/// `mark_notifications_read` ([`MarkReadArgs`]) → [`crate::NotificationList`] (an empty list: all).
pub const MARK_NOTIFICATIONS_READ: &str = "mark_notifications_read";
/// `get_desktop_settings` → [`crate::DesktopSettings`]: notifications, quiet hours, tray, login.
pub const GET_DESKTOP_SETTINGS: &str = "get_desktop_settings";
/// `update_desktop_settings` ([`UpdateDesktopSettingsArgs`]) → [`crate::DesktopSettings`].
pub const UPDATE_DESKTOP_SETTINGS: &str = "update_desktop_settings";
/// `get_llm_settings` → [`crate::LlmSettings`].
pub const GET_LLM_SETTINGS: &str = "get_llm_settings";
/// `update_llm_settings` ([`UpdateLlmSettingsArgs`]) → [`crate::LlmSettings`]: the optional
/// language model (its key kept in the keychain).
pub const UPDATE_LLM_SETTINGS: &str = "update_llm_settings";
/// `get_kill_switch` → `bool`.
pub const GET_KILL_SWITCH: &str = "get_kill_switch";
/// `set_kill_switch` ([`KillSwitchArgs`]) → `bool`: on stops every price write.
pub const SET_KILL_SWITCH: &str = "set_kill_switch";
/// `get_automation_mode` ([`StoreArgs`]) → [`crate::AutomationMode`].
pub const GET_AUTOMATION_MODE: &str = "get_automation_mode";
/// `set_automation_mode` ([`SetAutomationModeArgs`]) → [`crate::AutomationMode`].
pub const SET_AUTOMATION_MODE: &str = "set_automation_mode";
/// `list_rules` ([`StoreArgs`]) → `Vec<`[`crate::Rule`]`>`.
pub const LIST_RULES: &str = "list_rules";
/// `set_rule` ([`SetRuleArgs`]) → [`crate::Rule`].
pub const SET_RULE: &str = "set_rule";

/// `disconnect_store` ([`DisconnectArgs`]) → `Vec<`[`crate::StoreSummary`]`>` (the stores left).
/// Removes the store's keychain entry; with `deleteData`, also its local data.
pub const DISCONNECT_STORE: &str = "disconnect_store";

/// `list_categories` ([`StoreArgs`]) → `Vec<String>`: category names of the store's products.
pub const LIST_CATEGORIES: &str = "list_categories";

/// `connect_with_app` ([`ConnectAppArgs`]) → [`crate::ConnectedStore`]. Opens the Salla sign-in
/// in the system browser and waits (≤ 5 min) for the redirect to `http://127.0.0.1:<port>/callback`.
pub const CONNECT_WITH_APP: &str = "connect_with_app";
/// `connect_with_tokens` ([`ConnectTokensArgs`]) → [`crate::ConnectedStore`].
pub const CONNECT_WITH_TOKENS: &str = "connect_with_tokens";
/// `cancel_sign_in` → `()`. Ends a pending [`CONNECT_WITH_APP`].
pub const CANCEL_SIGN_IN: &str = "cancel_sign_in";

/// `recovery_status` → [`crate::RecoveryStatus`]. Whether the app started without its database
/// because the file is damaged (the window then offers the backups).
pub const RECOVERY_STATUS: &str = "recovery_status";
/// `recovery_restore` ([`RecoveryRestoreArgs`]) → [`crate::BackupReport`]. Puts a checked backup
/// in place of the damaged database (kept aside); only while [`RECOVERY_STATUS`] says damaged.
pub const RECOVERY_RESTORE: &str = "recovery_restore";
/// `recovery_restart` → `()`. Starts the app again (after a recovery restore).
pub const RECOVERY_RESTART: &str = "recovery_restart";

/// `team_status` → [`crate::TeamStatus`]. The team (if any) and the sync state.
pub const TEAM_STATUS: &str = "team_status";
/// `team_create` ([`TeamCreateArgs`]) → [`crate::TeamInfo`]. Makes a team with this data folder
/// as its first owner seat; the admin connection is used for this call only.
pub const TEAM_CREATE: &str = "team_create";
/// `team_join` ([`TeamJoinArgs`]) → [`crate::TeamInfo`]. Joins with a one-time invite code.
pub const TEAM_JOIN: &str = "team_join";
/// `team_invite` ([`TeamInviteArgs`]) → [`crate::TeamInvite`]. Owners only.
pub const TEAM_INVITE: &str = "team_invite";
/// `team_members` → `Vec<`[`crate::TeamMember`]`>`.
pub const TEAM_MEMBERS: &str = "team_members";
/// `team_revoke` ([`TeamRevokeArgs`]) → `()`. Owners only.
pub const TEAM_REVOKE: &str = "team_revoke";
/// `team_leave` → `()`. This data folder goes back to local only (its data stays).
pub const TEAM_LEAVE: &str = "team_leave";
/// `sync_now` → [`crate::SyncReport`]. One push-and-pull round now.
pub const SYNC_NOW: &str = "sync_now";
/// `sync_conflicts` → `Vec<`[`crate::SyncConflict`]`>`. Changes the team refused.
pub const SYNC_CONFLICTS: &str = "sync_conflicts";
/// `resolve_conflict` ([`ResolveConflictArgs`]) → `()`. Keep mine or take theirs.
pub const RESOLVE_CONFLICT: &str = "resolve_conflict";
/// `store_leases` → `Vec<`[`crate::StoreLeaseInfo`]`>`. Which seat runs each of the team's stores.
pub const STORE_LEASES: &str = "store_leases";

/// Every command the shell registers. The shell's capability file and the IPC contract tests are
/// checked against this list, so a command cannot be added on one side only.
pub const ALL: &[&str] = &[
    APP_INFO,
    DOCTOR,
    GET_SETTINGS,
    UPDATE_SETTINGS,
    LIST_STORES,
    CONNECT_DEMO_STORE,
    LIST_PRODUCTS,
    SYNC_CATALOG,
    DISCONNECT_STORE,
    LIST_CATEGORIES,
    CONNECT_WITH_APP,
    CONNECT_WITH_TOKENS,
    CANCEL_SIGN_IN,
    SYNC_ORDERS,
    CANCEL_SYNC,
    SALES_SUMMARY,
    LIST_LISTINGS,
    ADD_LISTING,
    CHECK_LISTING,
    CONFIRM_LISTING_PRICE,
    PRODUCT_COMPETITORS,
    DISCOVER_COMPETITORS,
    DECIDE_CANDIDATE,
    GET_COMPETITOR_SETTINGS,
    UPDATE_COMPETITOR_SETTINGS,
    OPTIMIZE,
    LIST_DECISIONS,
    DECIDE_DECISIONS,
    APPLY_DECISIONS,
    ROLLBACK_DECISION,
    ROLLBACK_RUN,
    LIST_RUNS,
    GET_LLM_SETTINGS,
    UPDATE_LLM_SETTINGS,
    LIST_JOBS,
    SCHEDULER_STATUS,
    LIST_JOB_RUNS,
    RUN_JOB_NOW,
    CANCEL_JOB,
    PAUSE_JOBS,
    UPDATE_JOB,
    READ_LOG,
    LIST_BACKUPS,
    BACKUP_NOW,
    RESTORE_BACKUP,
    SET_BACKUP_KEEP,
    SET_RETENTION,
    EXPORT_CSV,
    LIST_NOTIFICATIONS,
    MARK_NOTIFICATIONS_READ,
    GET_DESKTOP_SETTINGS,
    UPDATE_DESKTOP_SETTINGS,
    GET_KILL_SWITCH,
    SET_KILL_SWITCH,
    GET_AUTOMATION_MODE,
    SET_AUTOMATION_MODE,
    LIST_RULES,
    SET_RULE,
    RECOVERY_STATUS,
    RECOVERY_RESTORE,
    RECOVERY_RESTART,
    TEAM_STATUS,
    TEAM_CREATE,
    TEAM_JOIN,
    TEAM_INVITE,
    TEAM_MEMBERS,
    TEAM_REVOKE,
    TEAM_LEAVE,
    SYNC_NOW,
    SYNC_CONFLICTS,
    RESOLVE_CONFLICT,
    STORE_LEASES,
];

/// Arguments of [`UPDATE_SETTINGS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateSettingsArgs {
    /// The fields to change; `None` fields keep their stored value.
    pub patch: SettingsPatch,
}

/// Arguments of [`LIST_PRODUCTS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListProductsArgs {
    /// What to list.
    pub query: ProductQuery,
}

/// Arguments of commands about one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreArgs {
    /// The store (local id).
    pub store_id: String,
}

/// Arguments of [`ADD_LISTING`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddListingArgs {
    /// What to track.
    pub request: crate::NewListingRequest,
}

/// Arguments of [`CHECK_LISTING`] and [`CONFIRM_LISTING_PRICE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckListingArgs {
    /// The store (local id).
    pub store_id: String,
    /// The listing.
    pub listing_id: String,
}

/// Arguments of [`PRODUCT_COMPETITORS`] and [`DISCOVER_COMPETITORS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductArgs {
    /// The store.
    pub store_id: String,
    /// The product (local id).
    pub product_id: String,
}

/// Arguments of [`DECIDE_CANDIDATE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecideCandidateArgs {
    /// The store.
    pub store_id: String,
    /// The candidate.
    pub candidate_id: String,
    /// Track it (true) or never propose it again (false).
    pub accept: bool,
}

/// Arguments of [`UPDATE_COMPETITOR_SETTINGS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateCompetitorSettingsArgs {
    /// What changes.
    pub patch: crate::CompetitorSettingsPatch,
}

/// Arguments of [`OPTIMIZE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptimizeArgs {
    /// The store.
    pub store_id: String,
    /// Store and apply nothing.
    pub dry_run: bool,
}

/// Arguments of [`LIST_DECISIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListDecisionsArgs {
    /// The store.
    pub store_id: String,
    /// Only these states (empty: all).
    pub statuses: Vec<crate::DecisionStatus>,
}

/// Arguments of [`DECIDE_DECISIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecideDecisionsArgs {
    /// The store.
    pub store_id: String,
    /// Decision ids.
    pub ids: Vec<String>,
    /// Approve (true) or reject.
    pub approve: bool,
}

/// Arguments of [`ROLLBACK_DECISION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionArgs {
    /// The store.
    pub store_id: String,
    /// The decision.
    pub decision_id: String,
}

/// Arguments of [`LIST_JOB_RUNS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListJobRunsArgs {
    /// Only this store's (none: all).
    pub store_id: Option<String>,
}

/// Arguments of [`RUN_JOB_NOW`] and [`CANCEL_JOB`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobArgs {
    /// The job.
    pub job_id: String,
}

/// Arguments of [`UPDATE_JOB`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateJobArgs {
    /// The job.
    pub job_id: String,
    /// New schedule.
    pub schedule: Option<String>,
    /// Pause (true) or resume it.
    pub paused: Option<bool>,
}

/// Arguments of [`PAUSE_JOBS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PauseJobsArgs {
    /// One store (none: everything).
    pub store_id: Option<String>,
    /// Pause (true) or resume.
    pub paused: bool,
}

/// Arguments of [`RECOVERY_RESTORE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryRestoreArgs {
    /// The backup file (a path from [`crate::RecoveryStatus::backups`]).
    pub file: String,
}

/// Arguments of [`READ_LOG`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadLogArgs {
    /// How many lines (1–2000).
    pub lines: u32,
}

/// Arguments of [`MARK_NOTIFICATIONS_READ`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarkReadArgs {
    /// The notifications (empty: all).
    pub ids: Vec<String>,
}

/// Arguments of [`UPDATE_DESKTOP_SETTINGS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateDesktopSettingsArgs {
    /// The change.
    pub patch: crate::DesktopSettingsPatch,
}

/// Arguments of [`RESTORE_BACKUP`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestoreArgs {
    /// The backup file (one of [`LIST_BACKUPS`] or any path on this machine).
    pub path: String,
}

/// Arguments of [`SET_BACKUP_KEEP`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackupKeepArgs {
    /// Daily backups kept (1–365).
    pub keep: u32,
}

/// Arguments of [`SET_RETENTION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetentionArgs {
    /// Days job runs are kept (7–3650).
    pub job_runs_days: u32,
    /// Days log files are kept (1–3650).
    pub log_days: u32,
}

/// Arguments of [`EXPORT_CSV`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportArgs {
    /// The store.
    pub store_id: String,
    /// What to export.
    pub kind: crate::ExportKind,
}

/// Arguments of [`UPDATE_LLM_SETTINGS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateLlmSettingsArgs {
    /// The change.
    pub patch: crate::LlmSettingsPatch,
}

/// Arguments of [`ROLLBACK_RUN`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunArgs {
    /// The store.
    pub store_id: String,
    /// The run.
    pub run_id: String,
}

/// Arguments of [`SET_KILL_SWITCH`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KillSwitchArgs {
    /// On stops every price write.
    pub on: bool,
}

/// Arguments of [`SET_AUTOMATION_MODE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetAutomationModeArgs {
    /// The store.
    pub store_id: String,
    /// The mode.
    pub mode: crate::AutomationMode,
}

/// Arguments of [`SET_RULE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetRuleArgs {
    /// The rule.
    pub request: crate::RuleRequest,
}

/// Arguments of [`DISCONNECT_STORE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DisconnectArgs {
    /// The store (local id).
    pub store_id: String,
    /// Also delete the store's local data (products, history…). The audit log is kept.
    pub delete_data: bool,
}

/// Arguments of [`CONNECT_WITH_APP`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectAppArgs {
    /// The app's credentials and redirect port.
    pub request: ConnectApp,
}

/// Arguments of [`CONNECT_WITH_TOKENS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectTokensArgs {
    /// The tokens.
    pub request: ConnectTokens,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for name in ALL {
            assert!(seen.insert(*name), "duplicate command name {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "command {name} must be snake_case: Tauri maps it to the Rust fn name"
            );
        }
    }
}

/// Arguments of [`TEAM_CREATE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamCreateArgs {
    /// `postgres://admin:PASSWORD@HOST:5432/DATABASE` (used for this call only, never stored).
    pub admin_url: String,
    /// The team's name.
    pub team_name: String,
    /// This seat's name.
    pub seat_name: String,
    /// A PEM file with the CA that signed the server's certificate (private CAs, e.g. RDS or
    /// Supabase); none for public CAs and loopback.
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// Arguments of [`TEAM_JOIN`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamJoinArgs {
    /// The one-time invite code.
    pub code: String,
    /// A PEM file with the CA that signed the server's certificate, if private.
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// Arguments of [`TEAM_INVITE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamInviteArgs {
    /// What the new seat may do.
    pub role: crate::SeatRole,
    /// The new seat's name.
    pub name: String,
}

/// Arguments of [`TEAM_REVOKE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamRevokeArgs {
    /// The seat's login role.
    pub db_role: String,
}

/// Arguments of [`RESOLVE_CONFLICT`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResolveConflictArgs {
    /// The conflict.
    pub id: String,
    /// Keep this seat's version (else take the team's).
    pub keep_mine: bool,
}
