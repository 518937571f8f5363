//! Event names emitted by the shell, and their payloads.

/// Emitted after the settings changed (payload [`crate::Settings`]), so every window follows the
/// language and theme chosen in any of them.
pub const SETTINGS_CHANGED: &str = "spo://settings-changed";

/// Emitted while a store imports (payload [`crate::SyncProgress`]), at least once per page or
/// batch, so the UI can show a progress bar.
pub const SYNC_PROGRESS: &str = "spo://sync-progress";
/// A background job started, progressed or ended; payload [`crate::JobRunInfo`] (only the fields
/// known at that moment).
pub const JOB_RUN: &str = "spo://job-run";
/// A notification was kept for the centre; payload [`crate::NotificationInfo`].
pub const NOTIFICATION: &str = "spo://notification";
/// The tray menu asks the window to show a screen; payload the sidebar slug (`runs`, …).
pub const NAVIGATE: &str = "spo://navigate";
