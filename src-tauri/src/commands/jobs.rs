//! The background jobs: list, run now, cancel, pause, reschedule.

use spo_ipc::{IpcError, JobInfo, JobRunInfo, SchedulerStatus};
use tauri::{AppHandle, Runtime, State};

use crate::AppState;

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
