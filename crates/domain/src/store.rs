//! Connected Salla stores.

/// Connection state of a store. Persisted as [`StoreStatus::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreStatus {
    /// Tokens are valid; jobs run.
    Active,
    /// Salla access was lost; jobs are stopped until the merchant reconnects.
    NeedsReconnect,
    /// Disconnected by the user.
    Disconnected,
}

impl StoreStatus {
    /// Persisted spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreStatus::Active => "active",
            StoreStatus::NeedsReconnect => "needs_reconnect",
            StoreStatus::Disconnected => "disconnected",
        }
    }
    /// Parses the persisted spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(StoreStatus::Active),
            "needs_reconnect" => Some(StoreStatus::NeedsReconnect),
            "disconnected" => Some(StoreStatus::Disconnected),
            _ => None,
        }
    }
}

/// A connected store (what the store switcher lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    /// Local id (UUIDv7 text).
    pub id: String,
    /// Salla's numeric store id, once known.
    pub salla_store_id: Option<i64>,
    /// Display name.
    pub name: String,
    /// Store domain.
    pub domain: Option<String>,
    /// Connection state.
    pub status: StoreStatus,
    /// True for the local demo store.
    pub is_demo: bool,
}
