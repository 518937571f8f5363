//! The build, diagnostics, and the app's, desktop's and language model's settings.

use spo_ipc::{
    AppInfo, DesktopSettings, DesktopSettingsPatch, DoctorReport, IpcError, LlmSettings, LlmSettingsPatch, LogTail,
    Settings, SettingsPatch,
};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::AppState;

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
