//! Team sync commands: thin wrappers over `spo_app`'s team use cases.

use spo_ipc::{IpcError, StoreLeaseInfo, SyncConflict, SyncReport, TeamInfo, TeamInvite, TeamMember, TeamStatus};
use tauri::State;

use crate::AppState;

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn team_status(state: State<'_, AppState>) -> Result<TeamStatus, IpcError> {
    state.app.team_status().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn team_create(
    state: State<'_, AppState>,
    admin_url: String,
    team_name: String,
    seat_name: String,
    ca_file: Option<String>,
) -> Result<TeamInfo, IpcError> {
    let ca = ca_file.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(std::path::Path::new);
    let info = state.app.team_create(&admin_url, &team_name, &seat_name, None, ca).await.map_err(IpcError::from)?;
    state.app.start_team_sync();
    Ok(info)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn team_join(
    state: State<'_, AppState>,
    code: String,
    ca_file: Option<String>,
) -> Result<TeamInfo, IpcError> {
    let ca = ca_file.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(std::path::Path::new);
    let info = state.app.team_join(&code, ca).await.map_err(IpcError::from)?;
    state.app.start_team_sync();
    Ok(info)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn team_invite(
    state: State<'_, AppState>,
    role: spo_ipc::SeatRole,
    name: String,
) -> Result<TeamInvite, IpcError> {
    state.app.team_invite(role, &name).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn team_members(state: State<'_, AppState>) -> Result<Vec<TeamMember>, IpcError> {
    state.app.team_members().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn team_revoke(state: State<'_, AppState>, db_role: String) -> Result<(), IpcError> {
    state.app.team_revoke(&db_role).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn team_leave(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.app.team_leave().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn sync_now(state: State<'_, AppState>) -> Result<SyncReport, IpcError> {
    state.app.sync_now().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn sync_conflicts(state: State<'_, AppState>) -> Result<Vec<SyncConflict>, IpcError> {
    state.app.sync_conflicts().await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn resolve_conflict(state: State<'_, AppState>, id: String, keep_mine: bool) -> Result<(), IpcError> {
    state.app.resolve_conflict(&id, keep_mine).await.map_err(IpcError::from)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub(crate) async fn store_leases(state: State<'_, AppState>) -> Result<Vec<StoreLeaseInfo>, IpcError> {
    state.app.store_leases().await.map_err(IpcError::from)
}
