//! Team sync over a shared PostgreSQL that the team controls.
//!
//! * [`admin::create_team`] runs the embedded migrations (`migrations/postgres`) with an admin
//!   connection (used for that call only) and makes the team and its first owner seat.
//! * [`Remote`] is one seat's connection: its own login role, TLS `verify-full` off loopback, a
//!   small pool. Everything goes through the `api` schema's functions; the seat has no table
//!   privilege, and row-level security keyed on `session_user` keeps teams apart.
//! * [`InviteCode`] carries a new seat's one-time login; [`Remote::complete_join`] replaces its
//!   temporary password with the seat's own (sent as a SCRAM verifier).
//!
//! The vocabulary (mutations, answers, rows, roles, clocks) is in `spo_domain::sync`; the local
//! outbox is in `spo-store`; the sync loop is in `spo-app`.

pub mod admin;
mod error;
mod grant;
mod invite;
mod lease;
mod remote;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use error::{Error, Result};
pub use grant::SeatKey;
pub use invite::InviteCode;
pub use lease::{Fence, LeaseAnswer, StoreLease};
pub use remote::{is_loopback, Invite, Listener, Member, Remote, SeatLogin, ServerInfo, WhoAmI};

/// A new random password for a seat (32 bytes, URL-safe base64).
pub fn new_password() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The SCRAM-SHA-256 verifier of `password`, as PostgreSQL stores it: the server never sees the
/// password itself.
pub fn scram_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_random_and_verifiers_hide_them() {
        let (a, b) = (new_password(), new_password());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        let v = scram_verifier(&a);
        assert!(v.starts_with("SCRAM-SHA-256$4096:"), "{v}");
        assert!(!v.contains(&a));
    }
}
