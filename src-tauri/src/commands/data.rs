//! Backups, restore, retention and CSV exports.

use spo_ipc::{BackupReport, DataOverview, ExportKind, ExportResult, IpcError};
use tauri::State;

use crate::AppState;

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
