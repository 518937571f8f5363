//! Salla: OAuth 2.0 authorization and the Merchant API v2, as the documentation describes them
//! (see `../shared/docs/salla-api.md` for every fact and its source).
//!
//! [`SallaClient`] talks HTTP to both services (base URLs configurable through
//! `SPO_SALLA_ACCOUNTS_URL` / `SPO_SALLA_API_URL`, which the tests and the demo store point at
//! `spo-salla-sim`). Underneath are the parts that need no network: the wire models, tolerant of the quirks the
//! documentation shows (numbers sent as strings, `null`s, `links` as `{}` or `[]`, error codes as
//! strings or numbers, the `data` envelope present or not), and the authorization helpers (a
//! 256-bit `state` compared in constant time, PKCE S256, callback validation, token-lifetime
//! parsing). The HTTP client builds on these.
//!
//! **Invariants:** depends on the domain and its own wire stack only, never on tauri, sqlx or the
//! keychain. Token values never appear in `Debug` output or error messages.
#![deny(missing_docs)]

pub mod auth;
pub mod client;
pub mod loopback;
pub mod model;

pub use auth::{AuthorizeRequest, CallbackError, TokenSet};
pub use client::{ClientCredentials, Error, PriceUpdate, SallaClient, SallaUrls, UserInfo};
pub use loopback::{LoopbackError, LoopbackListener};
pub use model::{ApiError, Order, OrderItem, Page, Pagination, Product, Tax, Variant};
