//! The domain of Salla Price Optimizer: the vocabulary (money, stores, preferences), the pure rules
//! over it, and the ports (traits) through which the outside world is reached.
//!
//! **Invariant:** no IO. This crate depends on no runtime, database, HTTP, keychain or GUI crate;
//! adapters implement the ports in [`ports`], and `spo-app` wires them together. Time is passed in,
//! never read here.
#![deny(missing_docs)]

pub mod competitors;
pub mod ids;
pub mod jobs;
pub mod lease;
pub mod money;
pub mod notices;
pub mod ports;
pub mod prefs;
pub mod pricing;
pub mod store;
pub mod sync;
pub mod text_enum;

pub use money::{Currency, Money, MoneyError};
