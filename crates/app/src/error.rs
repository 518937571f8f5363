use spo_domain::ports::SecretError;
use spo_ipc::{ErrorCode, IpcError};

/// Errors of the use cases.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Local storage failed.
    #[error(transparent)]
    Store(#[from] spo_store::Error),
    /// The secret store failed.
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// Salla (or the demo store) refused or failed a call.
    #[error(transparent)]
    Salla(#[from] spo_salla::Error),
    /// The web search (Tavily) refused or failed.
    #[error(transparent)]
    WebSearch(#[from] spo_tavily::TavilyError),
    /// The team database could not be reached, refused the login, or refused the request.
    #[error(transparent)]
    Team(#[from] spo_sync::Error),
    /// The browser sign-in did not complete (timeout, cancelled, refused, port unavailable).
    #[error("{0}")]
    SignIn(String),
    /// The store's Salla authorization is lost (refresh token refused or missing).
    #[error("this store must be reconnected to Salla: {0}")]
    NeedsReconnect(String),
    /// The same work is already running (e.g. an import of this store).
    #[error("{0}")]
    Busy(String),
    /// The caller sent something invalid; nothing changed.
    #[error("{0}")]
    InvalidInput(String),
    /// Unexpected failure (bug or environment); details are logged.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The stable code the UI matches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Store(spo_store::Error::NotFound | spo_store::Error::Missing(_)) => ErrorCode::NotFound,
            AppError::Store(_) => ErrorCode::Database,
            AppError::Secrets(SecretError::Unavailable(_)) => ErrorCode::KeychainUnavailable,
            AppError::Secrets(SecretError::TooLarge { .. }) => ErrorCode::InvalidInput,
            AppError::Secrets(_) => ErrorCode::Internal,
            AppError::Salla(_) | AppError::SignIn(_) => ErrorCode::Salla,
            AppError::NeedsReconnect(_) => ErrorCode::NeedsReconnect,
            AppError::InvalidInput(_) => ErrorCode::InvalidInput,
            AppError::Busy(_) => ErrorCode::Busy,
            AppError::WebSearch(_) => ErrorCode::WebSearch,
            AppError::Internal(_) => ErrorCode::Internal,
            AppError::Team(spo_sync::Error::Refused(_)) => ErrorCode::Forbidden,
            AppError::Team(spo_sync::Error::Invalid(_)) => ErrorCode::InvalidInput,
            AppError::Team(_) => ErrorCode::Team,
        }
    }
}

impl From<AppError> for IpcError {
    fn from(e: AppError) -> Self {
        // Messages here never contain secrets: adapters do not put them in errors.
        IpcError::new(e.code(), e.to_string())
    }
}
