//! The one-time invite code: everything a new seat needs to log in once (host, port, database,
//! its role and a temporary password that expires). `spo team join` stores it in the keychain and
//! replaces the password at once, so a leaked code is useless after it has been used.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

const PREFIX: &str = "spo-invite-1.";

/// A decoded invite.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCode {
    /// Team name (shown before joining).
    pub team: String,
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Database.
    pub database: String,
    /// The new seat's login role.
    pub role: String,
    /// owner / manager / viewer.
    pub seat_role: String,
    /// The seat's name.
    pub seat_name: String,
    /// Temporary password (replaced at join).
    pub password: String,
    /// When the temporary password stops working (RFC 3339).
    pub valid_until: String,
}

impl std::fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InviteCode")
            .field("team", &self.team)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("role", &self.role)
            .field("seat_role", &self.seat_role)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl InviteCode {
    /// The code as one line of text.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
    }

    /// Reads a pasted code (surrounding white space and line breaks are ignored).
    pub fn decode(text: &str) -> Result<InviteCode> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let body = compact.strip_prefix(PREFIX).ok_or_else(|| {
            Error::Invalid(format!("this is not an invite code (an invite code starts with {PREFIX:?})"))
        })?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| Error::Invalid("the invite code is damaged (copy it again, whole)".into()))?;
        let code: InviteCode = serde_json::from_slice(&bytes)
            .map_err(|_| Error::Invalid("the invite code is damaged (copy it again, whole)".into()))?;
        if code.host.is_empty() || code.database.is_empty() || code.password.is_empty() || code.port == 0 {
            return Err(Error::Invalid("the invite code is incomplete".into()));
        }
        if !code.role.starts_with("spo_s_") {
            return Err(Error::Invalid("the invite code names a login that is not a team seat".into()));
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code() -> InviteCode {
        InviteCode {
            team: "متجر الرياض".into(),
            host: "db.example.sa".into(),
            port: 5432,
            database: "spo".into(),
            role: "spo_s_0123456789abcdef0123".into(),
            seat_role: "manager".into(),
            seat_name: "Noura".into(),
            password: "temp".into(),
            valid_until: "2026-12-10T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_code_survives_mail_clients_and_refuses_garbage() {
        let text = code().encode();
        let wrapped = format!("  {}\n{}  \n", &text[..20], &text[20..]);
        assert_eq!(InviteCode::decode(&wrapped).expect("valid"), code());
        assert!(matches!(InviteCode::decode("hello"), Err(Error::Invalid(m)) if m.contains("not an invite code")));
        assert!(matches!(InviteCode::decode(&text[..text.len() - 5]), Err(Error::Invalid(m)) if m.contains("damaged")));
        assert!(!format!("{:?}", code()).contains("temp"));
    }

    proptest! {
        #[test]
        fn any_code_round_trips(host in "[a-z0-9.-]{1,40}", port in 1u16.., pw in "[A-Za-z0-9_-]{1,64}", name in "\\PC{1,30}") {
            let c = InviteCode { host, port, password: pw, seat_name: name, ..code() };
            prop_assert_eq!(InviteCode::decode(&c.encode()).expect("valid"), c);
        }
    }
}
