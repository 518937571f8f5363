//! Errors of the team connection, in words a merchant can act on.

/// What went wrong talking to the team database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server could not be reached (network, DNS, TLS handshake, timeout): work goes on
    /// locally and changes wait.
    #[error("the team database cannot be reached: {0}")]
    Unreachable(String),
    /// The server's identity could not be verified over TLS (unknown CA, a certificate for another
    /// name, no TLS offered off loopback): nothing was sent; not a passing network problem.
    #[error("the team database could not be verified (TLS): {0}; check the host name and the team's CA file")]
    Untrusted(String),
    /// The login was refused (wrong or replaced password, expired invite, revoked seat).
    #[error("the team database refused this seat's login: {0}")]
    Login(String),
    /// The server refused the request for this seat (role, revoked).
    #[error("{0}")]
    Refused(String),
    /// Bad input (invite code, role, name).
    #[error("{0}")]
    Invalid(String),
    /// Anything else the server said.
    #[error("the team database answered with an error: {0}")]
    Server(String),
}

/// Does an I/O error's text say the TLS handshake refused the server?
fn is_tls_failure(text: &str) -> bool {
    ["certificate", "UnknownIssuer", "NotValidForName", "does not support TLS", "does not support SSL"]
        .iter()
        .any(|k| text.contains(k))
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// True when the server could not be reached at all (the app is offline for the team).
    pub fn is_offline(&self) -> bool {
        matches!(self, Error::Unreachable(_))
    }

    pub(crate) fn from_sqlx(e: sqlx::Error) -> Error {
        match e {
            // rustls reports certificate failures as I/O errors of the handshake.
            sqlx::Error::Io(e) if is_tls_failure(&e.to_string()) => Error::Untrusted(e.to_string()),
            sqlx::Error::Io(e) => Error::Unreachable(e.to_string()),
            sqlx::Error::Tls(e) => Error::Untrusted(e.to_string()),
            sqlx::Error::PoolTimedOut => Error::Unreachable("no answer within 10 seconds".into()),
            sqlx::Error::PoolClosed => Error::Unreachable("the connection was closed".into()),
            // A connection cut mid-conversation (a dropped link, a proxy or firewall closing it).
            sqlx::Error::Protocol(m) => Error::Unreachable(format!("the connection broke off: {m}")),
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                let msg = db.message().to_string();
                match code.as_str() {
                    // invalid_password, invalid_authorization_specification
                    "28P01" | "28000" => Error::Login(msg),
                    // insufficient_privilege
                    "42501" => Error::Refused(msg),
                    // invalid_parameter_value, no_data_found, check_violation
                    "22023" | "P0002" | "23514" => Error::Invalid(msg),
                    // admin_shutdown (the session was ended, e.g. a revoke), cannot_connect_now
                    "57P01" | "57P03" | "08006" | "08001" | "08004" => Error::Unreachable(msg),
                    _ => Error::Server(format!("{msg} ({code})")),
                }
            }
            other => {
                let s = other.to_string();
                // sqlx reports refused connections and resets as protocol or configuration errors
                // in some versions; keep them in the offline class.
                if s.contains("Connection refused") || s.contains("connection reset") || s.contains("timed out") {
                    Error::Unreachable(s)
                } else {
                    Error::Server(s)
                }
            }
        }
    }
}
