//! Stores: connect, disconnect, import the catalogue and orders; the Products screen.

use spo_ipc::{
    ConnectApp, ConnectTokens, ConnectedStore, IpcError, ProductPage, ProductQuery, SalesSummary, StoreSummary,
    SyncProgress, SyncSummary,
};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::AppState;

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
