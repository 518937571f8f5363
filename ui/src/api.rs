//! The only place that touches `wasm_bindgen` / `JsValue` for IPC: one typed [`invoke`] and one
//! function per command, all in terms of the `spo_ipc` contract types.

use serde::de::DeserializeOwned;
use serde::Serialize;
use spo_ipc::commands::{
    self, AddListingArgs, BackupKeepArgs, CheckListingArgs, ConnectAppArgs, ConnectTokensArgs, DecideCandidateArgs,
    DecideDecisionsArgs, DecisionArgs, DisconnectArgs, ExportArgs, JobArgs, KillSwitchArgs, ListDecisionsArgs,
    ListJobRunsArgs, ListProductsArgs, MarkReadArgs, OptimizeArgs, PauseJobsArgs, ProductArgs, ReadLogArgs,
    RestoreArgs, RetentionArgs, RunArgs, SetAutomationModeArgs, SetRuleArgs, StoreArgs, UpdateCompetitorSettingsArgs,
    UpdateDesktopSettingsArgs, UpdateJobArgs, UpdateLlmSettingsArgs, UpdateSettingsArgs,
};
use spo_ipc::{
    AppInfo, ApplyReport, AutomationMode, BackupReport, CompetitorSettings, CompetitorSettingsPatch, ConnectApp,
    ConnectTokens, ConnectedStore, DataOverview, Decision, DesktopSettings, DesktopSettingsPatch, DiscoveryReport,
    DoctorReport, ErrorCode, ExportKind, ExportResult, IpcError, JobInfo, JobRunInfo, Listing, LlmSettings,
    LlmSettingsPatch, LogTail, NewListingRequest, NotificationInfo, NotificationList, ProductCompetitors, ProductPage,
    ProductQuery, Rule, RuleRequest, RunReport, RunSummary, SalesSummary, SchedulerStatus, Settings, SettingsPatch,
    StoreSummary, SyncProgress, SyncSummary,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // `app.withGlobalTauri` exposes the IPC entry point here; no JS bundler is involved.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> Result<JsValue, JsValue>;
}

#[derive(serde::Deserialize)]
struct EventEnvelope<P> {
    payload: P,
}

/// Calls `handler` with every import progress event for as long as the window lives.
pub async fn on_sync_progress(handler: impl FnMut(SyncProgress) + 'static) -> Result<(), IpcError> {
    listen(spo_ipc::events::SYNC_PROGRESS, handler).await
}

/// Calls `handler` with every background job start, progress and end for as long as the window
/// lives.
pub async fn on_job_run(handler: impl FnMut(JobRunInfo) + 'static) -> Result<(), IpcError> {
    listen(spo_ipc::events::JOB_RUN, handler).await
}

/// Calls `handler` with every notification kept by the backend.
pub async fn on_notification(handler: impl FnMut(NotificationInfo) + 'static) -> Result<(), IpcError> {
    listen(spo_ipc::events::NOTIFICATION, handler).await
}

/// Calls `handler` when the tray asks for a screen (its sidebar slug).
pub async fn on_navigate(handler: impl FnMut(String) + 'static) -> Result<(), IpcError> {
    listen(spo_ipc::events::NAVIGATE, handler).await
}

async fn listen<P: DeserializeOwned + 'static>(
    event: &'static str,
    mut handler: impl FnMut(P) + 'static,
) -> Result<(), IpcError> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if let Ok(e) = serde_wasm_bindgen::from_value::<EventEnvelope<P>>(e) {
            handler(e.payload);
        }
    });
    tauri_listen(event, &closure).await.map_err(|e| {
        IpcError::new(ErrorCode::Ipc, format!("cannot listen to {event}: {}", e.as_string().unwrap_or_default()))
    })?;
    // The listener is registered once for the window's lifetime.
    closure.forget();
    Ok(())
}

#[derive(Serialize)]
struct NoArgs {}

/// Calls a command with typed arguments and a typed response. Transport and decoding failures
/// become [`ErrorCode::Ipc`]; command failures arrive as the backend's [`IpcError`].
pub async fn invoke<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, IpcError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args
        .serialize(&serializer)
        .map_err(|e| IpcError::new(ErrorCode::Ipc, format!("{cmd}: cannot encode arguments: {e}")))?;
    match tauri_invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value)
            .map_err(|e| IpcError::new(ErrorCode::Ipc, format!("{cmd}: unexpected response: {e}"))),
        Err(err) => Err(serde_wasm_bindgen::from_value::<IpcError>(err.clone()).unwrap_or_else(|_| {
            let text = err.as_string().unwrap_or_else(|| format!("{err:?}"));
            IpcError::new(ErrorCode::Ipc, format!("{cmd}: {text}"))
        })),
    }
}

/// Build identity.
pub async fn app_info() -> Result<AppInfo, IpcError> {
    invoke(commands::APP_INFO, &NoArgs {}).await
}

/// Runs the health checks.
pub async fn doctor() -> Result<DoctorReport, IpcError> {
    invoke(commands::DOCTOR, &NoArgs {}).await
}

/// Stored preferences.
pub async fn get_settings() -> Result<Settings, IpcError> {
    invoke(commands::GET_SETTINGS, &NoArgs {}).await
}

/// Changes preferences; returns what was stored.
pub async fn update_settings(patch: SettingsPatch) -> Result<Settings, IpcError> {
    invoke(commands::UPDATE_SETTINGS, &UpdateSettingsArgs { patch }).await
}

/// Connected stores.
pub async fn list_stores() -> Result<Vec<StoreSummary>, IpcError> {
    invoke(commands::LIST_STORES, &NoArgs {}).await
}

/// Connects the local demo store and imports its catalogue.
pub async fn connect_demo_store() -> Result<ConnectedStore, IpcError> {
    invoke(commands::CONNECT_DEMO_STORE, &NoArgs {}).await
}

/// One page of a store's products.
pub async fn list_products(query: ProductQuery) -> Result<ProductPage, IpcError> {
    invoke(commands::LIST_PRODUCTS, &ListProductsArgs { query }).await
}

/// Imports a store's catalogue (progress arrives as events).
pub async fn sync_catalog(store_id: String) -> Result<SyncSummary, IpcError> {
    invoke(commands::SYNC_CATALOG, &StoreArgs { store_id }).await
}

/// Imports a store's orders (progress arrives as events).
pub async fn sync_orders(store_id: String) -> Result<SyncSummary, IpcError> {
    invoke(commands::SYNC_ORDERS, &StoreArgs { store_id }).await
}

/// Stops a store's running import.
pub async fn cancel_sync(store_id: String) -> Result<(), IpcError> {
    invoke(commands::CANCEL_SYNC, &StoreArgs { store_id }).await
}

/// The store's last 30 days of sales.
pub async fn sales_summary(store_id: String) -> Result<SalesSummary, IpcError> {
    invoke(commands::SALES_SUMMARY, &StoreArgs { store_id }).await
}

/// Disconnects a store (optionally deleting its local data); returns the stores left.
pub async fn disconnect_store(store_id: String, delete_data: bool) -> Result<Vec<StoreSummary>, IpcError> {
    invoke(commands::DISCONNECT_STORE, &DisconnectArgs { store_id, delete_data }).await
}

/// Category names of a store's products.
pub async fn list_categories(store_id: String) -> Result<Vec<String>, IpcError> {
    invoke(commands::LIST_CATEGORIES, &StoreArgs { store_id }).await
}

/// Connects with the merchant's own Salla app: the sign-in opens in the system browser.
pub async fn connect_with_app(request: ConnectApp) -> Result<ConnectedStore, IpcError> {
    invoke(commands::CONNECT_WITH_APP, &ConnectAppArgs { request }).await
}

/// Connects with pasted tokens.
pub async fn connect_with_tokens(request: ConnectTokens) -> Result<ConnectedStore, IpcError> {
    invoke(commands::CONNECT_WITH_TOKENS, &ConnectTokensArgs { request }).await
}

/// Cancels a pending browser sign-in.
pub async fn cancel_sign_in() -> Result<(), IpcError> {
    invoke(commands::CANCEL_SIGN_IN, &NoArgs {}).await
}

/// The store's tracked competitor pages, failing ones first.
pub async fn list_listings(store_id: String) -> Result<Vec<Listing>, IpcError> {
    invoke(commands::LIST_LISTINGS, &StoreArgs { store_id }).await
}

/// Tracks a competitor page.
pub async fn add_listing(request: NewListingRequest) -> Result<Listing, IpcError> {
    invoke(commands::ADD_LISTING, &AddListingArgs { request }).await
}

/// Fetches and reads a tracked page now.
pub async fn check_listing(store_id: String, listing_id: String) -> Result<Listing, IpcError> {
    invoke(commands::CHECK_LISTING, &CheckListingArgs { store_id, listing_id }).await
}

/// Confirms a suspicious price jump as real.
pub async fn confirm_listing_price(store_id: String, listing_id: String) -> Result<Listing, IpcError> {
    invoke(commands::CONFIRM_LISTING_PRICE, &CheckListingArgs { store_id, listing_id }).await
}

/// A product's competitor pages with history, and pages found by search.
pub async fn product_competitors(store_id: String, product_id: String) -> Result<ProductCompetitors, IpcError> {
    invoke(commands::PRODUCT_COMPETITORS, &ProductArgs { store_id, product_id }).await
}

/// Searches the web (Tavily) for a product's competitor pages.
pub async fn discover_competitors(store_id: String, product_id: String) -> Result<DiscoveryReport, IpcError> {
    invoke(commands::DISCOVER_COMPETITORS, &ProductArgs { store_id, product_id }).await
}

/// Tracks a found page (`accept`) or never proposes it again.
pub async fn decide_candidate(store_id: String, candidate_id: String, accept: bool) -> Result<(), IpcError> {
    invoke(commands::DECIDE_CANDIDATE, &DecideCandidateArgs { store_id, candidate_id, accept }).await
}

/// Competitor-tracking settings.
pub async fn get_competitor_settings() -> Result<CompetitorSettings, IpcError> {
    invoke(commands::GET_COMPETITOR_SETTINGS, &NoArgs {}).await
}

/// Changes competitor-tracking settings.
pub async fn update_competitor_settings(patch: CompetitorSettingsPatch) -> Result<CompetitorSettings, IpcError> {
    invoke(commands::UPDATE_COMPETITOR_SETTINGS, &UpdateCompetitorSettingsArgs { patch }).await
}

/// Runs the optimizer for a store now.
pub async fn optimize(store_id: String, dry_run: bool) -> Result<RunReport, IpcError> {
    invoke(commands::OPTIMIZE, &OptimizeArgs { store_id, dry_run }).await
}

/// A store's decisions (all, or in `statuses`).
pub async fn list_decisions(
    store_id: String,
    statuses: Vec<spo_ipc::DecisionStatus>,
) -> Result<Vec<Decision>, IpcError> {
    invoke(commands::LIST_DECISIONS, &ListDecisionsArgs { store_id, statuses }).await
}

/// Approves or rejects proposed decisions.
pub async fn decide_decisions(store_id: String, ids: Vec<String>, approve: bool) -> Result<u32, IpcError> {
    invoke(commands::DECIDE_DECISIONS, &DecideDecisionsArgs { store_id, ids, approve }).await
}

/// Applies the store's approved decisions.
pub async fn apply_decisions(store_id: String) -> Result<ApplyReport, IpcError> {
    invoke(commands::APPLY_DECISIONS, &StoreArgs { store_id }).await
}

/// Rolls an applied decision back.
pub async fn rollback_decision(store_id: String, decision_id: String) -> Result<Decision, IpcError> {
    invoke(commands::ROLLBACK_DECISION, &DecisionArgs { store_id, decision_id }).await
}

/// Rolls back every price a run applied.
pub async fn rollback_run(store_id: String, run_id: String) -> Result<ApplyReport, IpcError> {
    invoke(commands::ROLLBACK_RUN, &RunArgs { store_id, run_id }).await
}

/// The optional language model's settings.
pub async fn get_llm_settings() -> Result<LlmSettings, IpcError> {
    invoke(commands::GET_LLM_SETTINGS, &NoArgs {}).await
}

/// Changes the language model's settings.
pub async fn update_llm_settings(patch: LlmSettingsPatch) -> Result<LlmSettings, IpcError> {
    invoke(commands::UPDATE_LLM_SETTINGS, &UpdateLlmSettingsArgs { patch }).await
}

/// A store's recent optimization runs.
pub async fn list_runs(store_id: String) -> Result<Vec<RunSummary>, IpcError> {
    invoke(commands::LIST_RUNS, &StoreArgs { store_id }).await
}

/// The global kill switch.
pub async fn get_kill_switch() -> Result<bool, IpcError> {
    invoke(commands::GET_KILL_SWITCH, &NoArgs {}).await
}

/// Turns the kill switch on or off.
pub async fn set_kill_switch(on: bool) -> Result<bool, IpcError> {
    invoke(commands::SET_KILL_SWITCH, &KillSwitchArgs { on }).await
}

/// A store's automation mode.
pub async fn get_automation_mode(store_id: String) -> Result<AutomationMode, IpcError> {
    invoke(commands::GET_AUTOMATION_MODE, &StoreArgs { store_id }).await
}

/// Sets a store's automation mode.
pub async fn set_automation_mode(store_id: String, mode: AutomationMode) -> Result<AutomationMode, IpcError> {
    invoke(commands::SET_AUTOMATION_MODE, &SetAutomationModeArgs { store_id, mode }).await
}

/// A store's pricing rules.
pub async fn list_rules(store_id: String) -> Result<Vec<Rule>, IpcError> {
    invoke(commands::LIST_RULES, &StoreArgs { store_id }).await
}

/// Sets a pricing rule.
pub async fn set_rule(request: RuleRequest) -> Result<Rule, IpcError> {
    invoke(commands::SET_RULE, &SetRuleArgs { request }).await
}

/// The backups folder and what it holds.
pub async fn list_backups() -> Result<DataOverview, IpcError> {
    invoke(commands::LIST_BACKUPS, &NoArgs {}).await
}

/// A checked backup now.
pub async fn backup_now() -> Result<BackupReport, IpcError> {
    invoke(commands::BACKUP_NOW, &NoArgs {}).await
}

/// Replaces the data with a backup.
pub async fn restore_backup(path: String) -> Result<BackupReport, IpcError> {
    invoke(commands::RESTORE_BACKUP, &RestoreArgs { path }).await
}

/// Whether the app started without its database because the file is damaged.
pub async fn recovery_status() -> Result<spo_ipc::RecoveryStatus, IpcError> {
    invoke(commands::RECOVERY_STATUS, &NoArgs {}).await
}

/// Puts a backup in place of the damaged database (kept aside).
pub async fn recovery_restore(file: String) -> Result<BackupReport, IpcError> {
    invoke(commands::RECOVERY_RESTORE, &spo_ipc::commands::RecoveryRestoreArgs { file }).await
}

/// Starts the app again.
pub async fn recovery_restart() -> Result<(), IpcError> {
    invoke(commands::RECOVERY_RESTART, &NoArgs {}).await
}

/// How many daily backups to keep.
pub async fn set_backup_keep(keep: u32) -> Result<DataOverview, IpcError> {
    invoke(commands::SET_BACKUP_KEEP, &BackupKeepArgs { keep }).await
}

/// A store's products, decisions or audit log as CSV.
pub async fn export_csv(store_id: String, kind: ExportKind) -> Result<ExportResult, IpcError> {
    invoke(commands::EXPORT_CSV, &ExportArgs { store_id, kind }).await
}

/// The background jobs.
pub async fn list_jobs() -> Result<Vec<JobInfo>, IpcError> {
    invoke(commands::LIST_JOBS, &NoArgs {}).await
}

/// Whether this app runs the background jobs or another process does.
pub async fn scheduler_status() -> Result<SchedulerStatus, IpcError> {
    invoke(commands::SCHEDULER_STATUS, &NoArgs {}).await
}

/// Recent job runs (one store's, or all).
pub async fn list_job_runs(store_id: Option<String>) -> Result<Vec<JobRunInfo>, IpcError> {
    invoke(commands::LIST_JOB_RUNS, &ListJobRunsArgs { store_id }).await
}

/// Runs a job now.
pub async fn run_job_now(job_id: String) -> Result<bool, IpcError> {
    invoke(commands::RUN_JOB_NOW, &JobArgs { job_id }).await
}

/// Stops a running job after its current unit of work.
pub async fn cancel_job(job_id: String) -> Result<bool, IpcError> {
    invoke(commands::CANCEL_JOB, &JobArgs { job_id }).await
}

/// Pauses or resumes a store's jobs, or all.
pub async fn pause_jobs(store_id: Option<String>, paused: bool) -> Result<bool, IpcError> {
    invoke(commands::PAUSE_JOBS, &PauseJobsArgs { store_id, paused }).await
}

/// The notification centre.
pub async fn list_notifications() -> Result<NotificationList, IpcError> {
    invoke(commands::LIST_NOTIFICATIONS, &NoArgs {}).await
}

/// Marks notifications read (all with an empty list).
pub async fn mark_notifications_read(ids: Vec<String>) -> Result<NotificationList, IpcError> {
    invoke(commands::MARK_NOTIFICATIONS_READ, &MarkReadArgs { ids }).await
}

/// Notifications, quiet hours, tray and login preferences.
pub async fn get_desktop_settings() -> Result<DesktopSettings, IpcError> {
    invoke(commands::GET_DESKTOP_SETTINGS, &NoArgs {}).await
}

/// Changes them.
pub async fn update_desktop_settings(patch: DesktopSettingsPatch) -> Result<DesktopSettings, IpcError> {
    invoke(commands::UPDATE_DESKTOP_SETTINGS, &UpdateDesktopSettingsArgs { patch }).await
}

/// Changes a job's schedule or pauses it.
pub async fn update_job(
    job_id: String,
    schedule: Option<String>,
    paused: Option<bool>,
) -> Result<Vec<JobInfo>, IpcError> {
    invoke(commands::UPDATE_JOB, &UpdateJobArgs { job_id, schedule, paused }).await
}

/// The last lines of the app's log.
pub async fn read_log(lines: u32) -> Result<LogTail, IpcError> {
    invoke(commands::READ_LOG, &ReadLogArgs { lines }).await
}

/// How long job runs and log files are kept.
pub async fn set_retention(job_runs_days: u32, log_days: u32) -> Result<DataOverview, IpcError> {
    invoke(commands::SET_RETENTION, &RetentionArgs { job_runs_days, log_days }).await
}

/// The team (if any) and the sync state.
pub async fn team_status() -> Result<spo_ipc::TeamStatus, IpcError> {
    invoke(commands::TEAM_STATUS, &NoArgs {}).await
}

/// Makes a team on a PostgreSQL server (the admin connection is used once, never stored).
pub async fn team_create(
    admin_url: String,
    team_name: String,
    seat_name: String,
    ca_file: Option<String>,
) -> Result<spo_ipc::TeamInfo, IpcError> {
    invoke(commands::TEAM_CREATE, &commands::TeamCreateArgs { admin_url, team_name, seat_name, ca_file }).await
}

/// Joins a team with a one-time invite code.
pub async fn team_join(code: String, ca_file: Option<String>) -> Result<spo_ipc::TeamInfo, IpcError> {
    invoke(commands::TEAM_JOIN, &commands::TeamJoinArgs { code, ca_file }).await
}

/// Which seat runs each of the team's stores.
pub async fn store_leases() -> Result<Vec<spo_ipc::StoreLeaseInfo>, IpcError> {
    invoke(commands::STORE_LEASES, &NoArgs {}).await
}

/// Invites a seat (owners only).
pub async fn team_invite(role: spo_ipc::SeatRole, name: String) -> Result<spo_ipc::TeamInvite, IpcError> {
    invoke(commands::TEAM_INVITE, &commands::TeamInviteArgs { role, name }).await
}

/// The team's seats.
pub async fn team_members() -> Result<Vec<spo_ipc::TeamMember>, IpcError> {
    invoke(commands::TEAM_MEMBERS, &NoArgs {}).await
}

/// Revokes a seat (owners only).
pub async fn team_revoke(db_role: String) -> Result<(), IpcError> {
    invoke(commands::TEAM_REVOKE, &commands::TeamRevokeArgs { db_role }).await
}

/// Leaves the team.
pub async fn team_leave() -> Result<(), IpcError> {
    invoke(commands::TEAM_LEAVE, &NoArgs {}).await
}

/// One push-and-pull round now.
pub async fn sync_now() -> Result<spo_ipc::SyncReport, IpcError> {
    invoke(commands::SYNC_NOW, &NoArgs {}).await
}

/// Changes the team refused.
pub async fn sync_conflicts() -> Result<Vec<spo_ipc::SyncConflict>, IpcError> {
    invoke(commands::SYNC_CONFLICTS, &NoArgs {}).await
}

/// Keep mine or take theirs.
pub async fn resolve_conflict(id: String, keep_mine: bool) -> Result<(), IpcError> {
    invoke(commands::RESOLVE_CONFLICT, &commands::ResolveConflictArgs { id, keep_mine }).await
}
