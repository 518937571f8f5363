//! The start-up recovery screen's commands: they work without the database (no `AppState`).

use spo_ipc::{BackupReport, ErrorCode, IpcError, RecoveryStatus};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::RecoveryState;

#[tauri::command]
pub(crate) fn recovery_status<R: Runtime>(app: AppHandle<R>) -> RecoveryStatus {
    match app.try_state::<RecoveryState>() {
        Some(r) => RecoveryStatus {
            damaged: true,
            db_path: r.damage.db_path.clone(),
            problem: r.damage.problem.clone(),
            backups: r.damage.backups.clone(),
        },
        None => RecoveryStatus::default(),
    }
}

#[tauri::command]
pub(crate) async fn recovery_restore<R: Runtime>(app: AppHandle<R>, file: String) -> Result<BackupReport, IpcError> {
    let Some(r) = app.try_state::<RecoveryState>() else {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "the database is not damaged; restore backups from Settings → Data".to_owned(),
        ));
    };
    spo_app::recovery::restore_damaged(&r.paths, &file).await.map_err(IpcError::from)
}

#[tauri::command]
pub(crate) fn recovery_restart<R: Runtime>(app: AppHandle<R>) {
    app.restart();
}
