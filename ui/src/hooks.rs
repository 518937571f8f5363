//! State and actions every screen shares: the UI state handle, reading inputs, saving settings,
//! starting an import. Screens depend on this module; it depends on no screen.

use spo_ipc::{SettingsPatch, SyncPhase};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::state::{Action, UiState};

/// Shared handle to the UI state, provided as a context.
pub type Store = UseReducerHandle<UiState>;

/// Reads the UI state from the context.
#[hook]
pub fn use_store() -> Store {
    use_context::<Store>().expect("BUG: App provides the Store context to every component")
}

/// The text of the input an `input` event came from.
pub fn input_value(e: &InputEvent) -> String {
    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
    input.value()
}

/// Sends a settings change to the backend and applies the stored result (or shows the error).
pub fn save_settings(store: &Store, patch: SettingsPatch, confirm: bool) {
    let store = store.clone();
    spawn_local(async move {
        if let Some(settings) = api::update_settings(patch).await.or_toast(&store) {
            store.dispatch(Action::SettingsChanged(settings));
            if confirm {
                store.dispatch(Action::Saved);
            }
        }
    });
}

/// Starts an import of a store in the background; the progress bar follows its events and a
/// toast reports the summary.
pub fn start_import(store: &Store, store_id: String, phase: SyncPhase) {
    if store.import_of(&store_id).is_some() {
        return;
    }
    store.dispatch(Action::ImportStarted(store_id.clone(), phase));
    let store = store.clone();
    spawn_local(async move {
        let result = match phase {
            SyncPhase::Catalog => api::sync_catalog(store_id.clone()).await,
            SyncPhase::Orders => api::sync_orders(store_id.clone()).await,
        };
        match result {
            Ok(summary) => store.dispatch(Action::ImportFinished(store_id, summary)),
            Err(e) => store.dispatch(Action::ImportFailed(store_id, e)),
        }
    });
}

/// A store was connected (its catalogue imported): show it and import its orders.
pub fn store_connected(store: &Store, connected: spo_ipc::StoreSummary) {
    let id = connected.id.clone();
    store.dispatch(Action::StoreConnected(connected));
    start_import(store, id, SyncPhase::Orders);
}

/// The one place a failed backend call becomes an error toast: `Some(value)` on success, `None`
/// after showing the error.
pub trait OrToast<T> {
    /// The value, or `None` once the error is shown.
    fn or_toast(self, store: &Store) -> Option<T>;
}

impl<T> OrToast<T> for Result<T, spo_ipc::IpcError> {
    fn or_toast(self, store: &Store) -> Option<T> {
        match self {
            Ok(v) => Some(v),
            Err(e) => {
                store.dispatch(Action::Error(e));
                None
            }
        }
    }
}
