//! Thin IPC commands. Names and argument names are part of the contract in `spo_ipc::commands`.

use spo_ipc::{
    AppInfo, ApplyReport, AutomationMode, BackupReport, CompetitorSettings, CompetitorSettingsPatch, ConnectApp,
    ConnectTokens, ConnectedStore, DataOverview, Decision, DesktopSettings, DesktopSettingsPatch, DiscoveryReport,
    DoctorReport, ExportKind, ExportResult, IpcError, JobInfo, JobRunInfo, Listing, LlmSettings, LlmSettingsPatch,
    LogTail, NewListingRequest, NotificationList, ProductCompetitors, ProductPage, ProductQuery, Rule, RuleRequest,
    RunReport, RunSummary, SalesSummary, SchedulerStatus, Settings, SettingsPatch, StoreSummary, SyncProgress,
    SyncSummary,
};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::AppState;

pub(crate) mod recovery;
pub(crate) mod team;

#[tauri::command]
pub(crate) fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.app.app_info()
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn doctor(state: State<'_, AppState>) -> Result<DoctorReport, IpcError> {
    state.app.doctor().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn read_log(state: State<'_, AppState>, lines: u32) -> Result<LogTail, IpcError> {
    state.app.read_log(lines).map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn get_settings(state: State<'_, AppState>) -> Result<Settings, IpcError> {
    state.app.settings().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn update_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    patch: SettingsPatch,
) -> Result<Settings, IpcError> {
    let settings = state.app.update_settings(patch).await.map_err(IpcError::from)?;
    crate::desktop::sync_tray(&app, Some(settings.language == spo_ipc::Language::Ar), None);
    if let Err(e) = app.emit(spo_ipc::events::SETTINGS_CHANGED, settings) {
        tracing::warn!(error = %e, "could not broadcast the settings change");
    }
    Ok(settings)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_stores(state: State<'_, AppState>) -> Result<Vec<StoreSummary>, IpcError> {
    state.app.list_stores().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn connect_demo_store(state: State<'_, AppState>) -> Result<ConnectedStore, IpcError> {
    state.app.connect_demo_store().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_products(state: State<'_, AppState>, query: ProductQuery) -> Result<ProductPage, IpcError> {
    state.app.list_products(query).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn sync_catalog<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    store_id: String,
) -> Result<SyncSummary, IpcError> {
    state.app.sync_catalog(&store_id, &progress_emitter(app)).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn sync_orders<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    store_id: String,
) -> Result<SyncSummary, IpcError> {
    state.app.sync_orders(&store_id, &progress_emitter(app)).await.map_err(IpcError::from)
}

/// Forwards import progress to the window as [`spo_ipc::events::SYNC_PROGRESS`].
fn progress_emitter<R: Runtime>(app: AppHandle<R>) -> impl Fn(SyncProgress) + Send + Sync {
    move |p| {
        if let Err(e) = app.emit(spo_ipc::events::SYNC_PROGRESS, p) {
            tracing::debug!(error = %e, "could not emit import progress");
        }
    }
}

#[tauri::command]
pub(crate) fn cancel_sync(state: State<'_, AppState>, store_id: String) {
    state.app.cancel_sync(&store_id);
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn sales_summary(state: State<'_, AppState>, store_id: String) -> Result<SalesSummary, IpcError> {
    state.app.sales_summary(&store_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn disconnect_store(
    state: State<'_, AppState>,
    store_id: String,
    delete_data: bool,
) -> Result<Vec<StoreSummary>, IpcError> {
    state.app.disconnect_store(&store_id, delete_data).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_categories(state: State<'_, AppState>, store_id: String) -> Result<Vec<String>, IpcError> {
    state.app.list_categories(&store_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn connect_with_app(
    state: State<'_, AppState>,
    request: ConnectApp,
) -> Result<ConnectedStore, IpcError> {
    let app = &state.app;
    app.connect_with_credentials(
        request.client_id,
        request.client_secret,
        request.redirect_port,
        crate::browser::open,
        app.sign_in_cancelled(),
    )
    .await
    .map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn connect_with_tokens(
    state: State<'_, AppState>,
    request: ConnectTokens,
) -> Result<ConnectedStore, IpcError> {
    state
        .app
        .connect_with_tokens(request.access_token, request.refresh_token, request.client_id, request.client_secret)
        .await
        .map_err(IpcError::from)
}

#[tauri::command]
pub(crate) fn cancel_sign_in(state: State<'_, AppState>) {
    state.app.cancel_sign_in();
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_listings(state: State<'_, AppState>, store_id: String) -> Result<Vec<Listing>, IpcError> {
    state.app.list_listings(&store_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn add_listing(state: State<'_, AppState>, request: NewListingRequest) -> Result<Listing, IpcError> {
    state.app.add_listing(request).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn check_listing(
    state: State<'_, AppState>,
    store_id: String,
    listing_id: String,
) -> Result<Listing, IpcError> {
    state.app.check_listing(&store_id, &listing_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn confirm_listing_price(
    state: State<'_, AppState>,
    store_id: String,
    listing_id: String,
) -> Result<Listing, IpcError> {
    state.app.confirm_listing_price(&store_id, &listing_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn product_competitors(
    state: State<'_, AppState>,
    store_id: String,
    product_id: String,
) -> Result<ProductCompetitors, IpcError> {
    state.app.product_competitors(&store_id, &product_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn discover_competitors(
    state: State<'_, AppState>,
    store_id: String,
    product_id: String,
) -> Result<DiscoveryReport, IpcError> {
    state.app.discover_competitors(&store_id, &product_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn decide_candidate(
    state: State<'_, AppState>,
    store_id: String,
    candidate_id: String,
    accept: bool,
) -> Result<(), IpcError> {
    state.app.decide_candidate(&store_id, &candidate_id, accept).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn get_competitor_settings(state: State<'_, AppState>) -> Result<CompetitorSettings, IpcError> {
    state.app.competitor_settings().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn update_competitor_settings(
    state: State<'_, AppState>,
    patch: CompetitorSettingsPatch,
) -> Result<CompetitorSettings, IpcError> {
    state.app.update_competitor_settings(patch).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn optimize(
    state: State<'_, AppState>,
    store_id: String,
    dry_run: bool,
) -> Result<RunReport, IpcError> {
    state.app.optimize(&store_id, spo_ipc::RunKind::Manual, dry_run).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_decisions(
    state: State<'_, AppState>,
    store_id: String,
    statuses: Vec<spo_ipc::DecisionStatus>,
) -> Result<Vec<Decision>, IpcError> {
    state.app.decisions(&store_id, &statuses).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn decide_decisions(
    state: State<'_, AppState>,
    store_id: String,
    ids: Vec<String>,
    approve: bool,
) -> Result<u32, IpcError> {
    state.app.decide(&store_id, &ids, approve).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn apply_decisions(state: State<'_, AppState>, store_id: String) -> Result<ApplyReport, IpcError> {
    state.app.apply_approved(&store_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn rollback_decision(
    state: State<'_, AppState>,
    store_id: String,
    decision_id: String,
) -> Result<Decision, IpcError> {
    state.app.rollback(&store_id, &decision_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn rollback_run(
    state: State<'_, AppState>,
    store_id: String,
    run_id: String,
) -> Result<ApplyReport, IpcError> {
    state.app.rollback_run(&store_id, &run_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_jobs(state: State<'_, AppState>) -> Result<Vec<JobInfo>, IpcError> {
    state.app.jobs_info().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn scheduler_status(state: State<'_, AppState>) -> Result<SchedulerStatus, IpcError> {
    Ok(state.app.scheduler_status())
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_job_runs(
    state: State<'_, AppState>,
    store_id: Option<String>,
) -> Result<Vec<JobRunInfo>, IpcError> {
    state.app.job_runs_info(store_id.as_deref()).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn run_job_now(state: State<'_, AppState>, job_id: String) -> Result<bool, IpcError> {
    state.app.run_job_now(&job_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn cancel_job(state: State<'_, AppState>, job_id: String) -> Result<bool, IpcError> {
    state.app.cancel_job(&job_id).map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn pause_jobs<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    store_id: Option<String>,
    paused: bool,
) -> Result<bool, IpcError> {
    let done = state.app.pause_jobs(store_id.as_deref(), paused).await.map_err(IpcError::from)?;
    if store_id.is_none() {
        crate::desktop::sync_tray(&app, None, Some(done));
    }
    Ok(done)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn update_job(
    state: State<'_, AppState>,
    job_id: String,
    schedule: Option<String>,
    paused: Option<bool>,
) -> Result<Vec<JobInfo>, IpcError> {
    state.app.update_job(&job_id, schedule.as_deref(), paused).await.map_err(IpcError::from)?;
    state.app.jobs_info().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_notifications(state: State<'_, AppState>) -> Result<NotificationList, IpcError> {
    state.app.notifications().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn mark_notifications_read(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Result<NotificationList, IpcError> {
    state.app.mark_notifications_read(ids).await.map_err(IpcError::from)
}

/// Whether the app starts at login (the OS entry is the truth; false where the plugin is absent,
/// as in the mock-runtime tests).
fn start_at_login<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<tauri_plugin_autostart::AutoLaunchManager>().and_then(|m| m.is_enabled().ok()).unwrap_or(false)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn get_desktop_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<DesktopSettings, IpcError> {
    let mut s = state.app.desktop_settings().await.map_err(IpcError::from)?;
    s.start_at_login = start_at_login(&app);
    Ok(s)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn update_desktop_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    patch: DesktopSettingsPatch,
) -> Result<DesktopSettings, IpcError> {
    if let Some(on) = patch.start_at_login {
        let Some(manager) = app.try_state::<tauri_plugin_autostart::AutoLaunchManager>() else {
            return Err(IpcError::new(spo_ipc::ErrorCode::InvalidInput, "starting at login is not available here"));
        };
        let done = if on { manager.enable() } else { manager.disable() };
        done.map_err(|e| IpcError::new(spo_ipc::ErrorCode::Internal, format!("cannot change the login item: {e}")))?;
    }
    let mut s = state.app.update_desktop_settings(patch).await.map_err(IpcError::from)?;
    if let Some(tray) = app.try_state::<std::sync::Arc<crate::desktop::TrayState>>() {
        tray.close_to_tray.store(s.close_to_tray, std::sync::atomic::Ordering::SeqCst);
    }
    s.start_at_login = start_at_login(&app);
    Ok(s)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_backups(state: State<'_, AppState>) -> Result<DataOverview, IpcError> {
    state.app.data_overview().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn backup_now(state: State<'_, AppState>) -> Result<BackupReport, IpcError> {
    state.app.backup_now(false).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn restore_backup(state: State<'_, AppState>, path: String) -> Result<BackupReport, IpcError> {
    state.app.restore_backup(&path).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn set_backup_keep(state: State<'_, AppState>, keep: u32) -> Result<DataOverview, IpcError> {
    state.app.set_backup_keep(keep).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn set_retention(
    state: State<'_, AppState>,
    job_runs_days: u32,
    log_days: u32,
) -> Result<DataOverview, IpcError> {
    state.app.set_retention(job_runs_days, log_days).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn export_csv(
    state: State<'_, AppState>,
    store_id: String,
    kind: ExportKind,
) -> Result<ExportResult, IpcError> {
    state.app.export_csv(&store_id, kind).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn get_llm_settings(state: State<'_, AppState>) -> Result<LlmSettings, IpcError> {
    state.app.llm_settings().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn update_llm_settings(
    state: State<'_, AppState>,
    patch: LlmSettingsPatch,
) -> Result<LlmSettings, IpcError> {
    state.app.update_llm_settings(patch).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_runs(state: State<'_, AppState>, store_id: String) -> Result<Vec<RunSummary>, IpcError> {
    state.app.runs(&store_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn get_kill_switch(state: State<'_, AppState>) -> Result<bool, IpcError> {
    state.app.kill_switch().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn set_kill_switch(state: State<'_, AppState>, on: bool) -> Result<bool, IpcError> {
    state.app.set_kill_switch(on).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn get_automation_mode(
    state: State<'_, AppState>,
    store_id: String,
) -> Result<AutomationMode, IpcError> {
    state.app.automation_mode(&store_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn set_automation_mode(
    state: State<'_, AppState>,
    store_id: String,
    mode: AutomationMode,
) -> Result<AutomationMode, IpcError> {
    state.app.set_automation_mode(&store_id, mode).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn list_rules(state: State<'_, AppState>, store_id: String) -> Result<Vec<Rule>, IpcError> {
    state.app.rules(&store_id).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn set_rule(state: State<'_, AppState>, request: RuleRequest) -> Result<Rule, IpcError> {
    state.app.set_rule(request).await.map_err(IpcError::from)
}
