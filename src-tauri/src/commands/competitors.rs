//! Competitor pages: track, check, confirm, discover; their settings.

use spo_ipc::{
    CompetitorSettings, CompetitorSettingsPatch, DiscoveryReport, IpcError, Listing, NewListingRequest,
    ProductCompetitors,
};
use tauri::State;

use crate::AppState;

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
