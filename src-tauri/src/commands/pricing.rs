//! Pricing: rules, runs, the approval queue, apply and rollback, the kill switch and automation mode.

use spo_ipc::{ApplyReport, AutomationMode, Decision, IpcError, Rule, RuleRequest, RunReport, RunSummary};
use tauri::State;

use crate::AppState;

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
