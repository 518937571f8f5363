//! Connected stores, connecting one, and the catalogue and orders imports.

use serde::{Deserialize, Serialize};

/// Connection state of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreStatus {
    /// Tokens are valid; jobs run.
    Active,
    /// Salla access was lost; the merchant must reconnect. Jobs are stopped.
    NeedsReconnect,
    /// Disconnected by the user; kept only for its history.
    Disconnected,
}

/// A connected store as the store switcher shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreSummary {
    /// Local id (UUIDv7).
    pub id: String,
    /// Store name as Salla reports it.
    pub name: String,
    /// Store domain, if known.
    pub domain: Option<String>,
    /// Connection state.
    pub status: StoreStatus,
    /// True for the local demo store.
    pub is_demo: bool,
}

/// Connect with the merchant's own Salla app (Custom Mode). Sent by the UI only; secrets never
/// travel the other way.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectApp {
    /// Client id from the Salla Partners portal.
    pub client_id: String,
    /// Client secret from the Salla Partners portal.
    pub client_secret: String,
    /// Port of the registered redirect URL `http://127.0.0.1:<port>/callback`.
    pub redirect_port: u16,
}

/// Connect with tokens obtained elsewhere. Without the app's client id and secret the tokens cannot
/// be refreshed: the store will need reconnecting when the access token expires.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectTokens {
    /// Access token.
    pub access_token: String,
    /// Refresh token.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Client id of the app the tokens belong to.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Its client secret.
    #[serde(default)]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ConnectApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectApp")
            .field("client_id", &self.client_id)
            .field("redirect_port", &self.redirect_port)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ConnectTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectTokens").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// Result of connecting a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedStore {
    /// The store, as the switcher lists it.
    pub store: StoreSummary,
    /// Products imported by this call (0 when the store was already connected).
    pub imported: u32,
    /// Products skipped because their data was unusable (e.g. a price that is not a valid amount).
    pub skipped: u32,
}

/// Result of a catalogue or orders sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    /// What was imported.
    pub phase: SyncPhase,
    /// Products (or orders) written: new or changed.
    pub imported: u32,
    /// Products (or orders) already up to date.
    pub unchanged: u32,
    /// Products (or orders) skipped because their data was unusable.
    pub skipped: u32,
    /// Products no longer in the store (tombstoned after a complete pass).
    pub removed: u32,
    /// Variants written.
    pub variants: u32,
    /// Order lines written.
    pub order_lines: u32,
    /// Order lines whose SKU matches no product or variant.
    pub unmatched_lines: u32,
    /// True when the user stopped the import; what was imported stays.
    pub cancelled: bool,
    /// How long the sync took, in milliseconds.
    pub elapsed_ms: u64,
    /// After an orders import: how long refreshing the demand estimates took (none when they
    /// were already up to date).
    #[serde(default)]
    pub demand_refresh_ms: Option<u64>,
}

/// What an import is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Products, variants and categories.
    #[default]
    Catalog,
    /// Orders and their lines.
    Orders,
}

/// Progress of a running import (event [`crate::events::SYNC_PROGRESS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// The store (local id).
    pub store_id: String,
    /// What is being imported.
    pub phase: SyncPhase,
    /// Items done so far.
    pub done: u32,
    /// Items in all, once known.
    pub total: Option<u32>,
    /// True on the last event of the import.
    pub finished: bool,
}

/// A store's sales over the last 30 days (cancelled and refunded orders excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SalesSummary {
    /// Orders.
    pub orders: u64,
    /// Units sold.
    pub units: u64,
    /// Revenue before VAT, minor units.
    pub revenue_minor: i64,
    /// ISO currency.
    pub currency: String,
    /// Last store-local date whose orders are all imported (`YYYY-MM-DD`), if any.
    pub orders_synced_through: Option<String>,
}
