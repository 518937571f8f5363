//! The notification centre.

use spo_ipc::{IpcError, NotificationList};
use tauri::State;

use crate::AppState;

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
