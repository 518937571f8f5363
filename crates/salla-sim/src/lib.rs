//! A local server that follows Salla's documented contract closely enough to test the real client
//! against it and to run the demo store (see `../shared/docs/salla-api.md`):
//!
//! * OAuth: `/oauth2/auth` consents automatically and redirects to the registered redirect URI
//!   (exact match) with a single-use code; `/oauth2/token` checks the client credentials in the
//!   form body and PKCE S256, answers code exchanges with `expires` and refreshes with
//!   `expires_in`, rotates refresh tokens, and on reuse of a refresh token revokes the whole grant
//!   (every access token issued from it), as Salla does; `/oauth2/user/info` with the `data` envelope.
//! * Merchant API: `/admin/v2/products` with `page`/`per_page` (≤ 60), the camelCase `pagination`
//!   object with `links: []`, prices as `{amount, currency}`, `cost_price` as a string.
//! * Rate limits per store: the plan's requests per minute, then 1 per second; `X-RateLimit-*`
//!   headers; 429 with `Retry-After`.
//!
//! **Invariant:** a test and demo tool only: never used to talk to a real store.

mod catalog;
mod server;

pub use catalog::{demo_catalog, SimProduct};
pub use server::{Sim, SimConfig, SimStats};
