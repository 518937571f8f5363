//! The IPC contract between the desktop shell (`spo-desktop`) and the UI (`spo-ui`).
//!
//! Everything that crosses the webview boundary is defined here and nowhere else: command names,
//! their argument and response types, event names and payloads, and the error shape. Both sides
//! serialise with these very types, so a casing or shape mismatch is a compile error or a failing
//! contract test (`src-tauri/tests/ipc`), never a silent `undefined` in the UI.
//!
//! **Wire format:** field names are camelCase, enum values snake_case. Changing a name here changes
//! the wire format; the shell and UI are always built together, so that is safe, but keep the
//! contract tests green.
//!
//! This crate depends on serde only and must build for `wasm32-unknown-unknown`.
#![deny(missing_docs)]

pub mod commands;
pub mod dto;
pub mod error;
pub mod events;
pub mod team;

pub use dto::*;
pub use error::{ErrorCode, IpcError};
pub use team::*;
