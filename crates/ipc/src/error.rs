//! The error every command returns: a stable machine code plus a short, actionable message.

use serde::{Deserialize, Serialize};

/// What went wrong, in terms the UI can branch on. A variant is added only when the UI treats it
/// differently from [`ErrorCode::Internal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A bug or an unexpected failure; details are in the log file.
    Internal,
    /// The request was rejected because an argument is invalid; nothing was changed.
    InvalidInput,
    /// The thing asked for does not exist (or no longer does).
    NotFound,
    /// The local database could not be read or written.
    Database,
    /// No usable OS keychain (secure storage) on this machine.
    KeychainUnavailable,
    /// The request could not reach the backend (IPC transport or deserialisation failure).
    Ipc,
    /// Salla refused or failed a call (message says what); nothing was half-written.
    Salla,
    /// The store's Salla authorization is lost; the merchant must reconnect it.
    NeedsReconnect,
    /// The same work is already running (an import of this store); wait or cancel it.
    Busy,
    /// The web search service (Tavily) refused or failed the search (key, credits, outage).
    WebSearch,
    /// The team database could not be reached or refused this seat; local work goes on.
    Team,
    /// This seat's role in the team does not allow it (the message says which role does).
    Forbidden,
}

impl ErrorCode {
    /// The wire string of this code (the same as its serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Database => "database",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::Ipc => "ipc",
            ErrorCode::Salla => "salla",
            ErrorCode::NeedsReconnect => "needs_reconnect",
            ErrorCode::Busy => "busy",
            ErrorCode::WebSearch => "web_search",
            ErrorCode::Team => "team",
            ErrorCode::Forbidden => "forbidden",
        }
    }
}

/// The error shape of every command: `{ "code": "...", "message": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpcError {
    /// Stable code to match on.
    pub code: ErrorCode,
    /// Short human-readable message (English; the UI localises by `code` where it can).
    pub message: String,
}

impl IpcError {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for IpcError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_wire_shape_is_pinned() {
        let e = IpcError::new(ErrorCode::KeychainUnavailable, "no secret service");
        let json = serde_json::to_value(&e).expect("serialise");
        assert_eq!(json, serde_json::json!({"code": "keychain_unavailable", "message": "no secret service"}));
    }

    #[test]
    fn as_str_matches_serde() {
        for code in [
            ErrorCode::Internal,
            ErrorCode::InvalidInput,
            ErrorCode::NotFound,
            ErrorCode::Database,
            ErrorCode::KeychainUnavailable,
            ErrorCode::Ipc,
            ErrorCode::Salla,
            ErrorCode::NeedsReconnect,
        ] {
            let json = serde_json::to_value(code).expect("serialise");
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
        }
    }
}
