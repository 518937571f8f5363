//! The notification centre and the desktop settings.

use serde::{Deserialize, Serialize};

/// Kinds of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// An optimization run left price changes waiting for approval.
    ApprovalsWaiting,
    /// A competitor became cheaper than us on a tracked product.
    Undercut,
    /// Approved prices were applied in the store.
    PricesApplied,
    /// A run's circuit breaker tripped.
    BreakerTripped,
    /// A store's authorization was lost or is about to be.
    AuthLost,
    /// A background job failed twice in a row.
    JobFailing,
    /// A store whose Salla grant is on this seat is run by another seat of the team (its jobs
    /// are skipped here).
    StoreRunsElsewhere,
}

/// One notification of the in-app centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationInfo {
    /// Local id.
    pub id: String,
    /// Kind.
    pub kind: NotifyKind,
    /// Its store.
    pub store_id: Option<String>,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Title in English.
    pub title_en: String,
    /// Title in Arabic.
    pub title_ar: String,
    /// Text in English.
    pub body_en: String,
    /// Text in Arabic.
    pub body_ar: String,
    /// The screen it is about (a sidebar slug: `decisions`, `competitors`, `runs`, `settings`…).
    pub page: String,
    /// The operating system showed it (not muted, not quiet hours).
    pub shown: bool,
    /// Read in the centre.
    pub read: bool,
}

/// The notification centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NotificationList {
    /// Newest first.
    pub items: Vec<NotificationInfo>,
    /// How many are unread.
    pub unread: u32,
}

/// One kind of notification on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyToggle {
    /// The kind.
    pub kind: NotifyKind,
    /// Shown outside the window.
    pub on: bool,
}

/// Settings → Notifications and window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DesktopSettings {
    /// Closing the window keeps the app running in the tray.
    pub close_to_tray: bool,
    /// The app starts (in the tray) when the user logs in.
    pub start_at_login: bool,
    /// Which kinds reach the operating system (all are kept in the centre).
    pub notify: Vec<NotifyToggle>,
    /// Quiet hours start (`HH:MM`, Riyadh time), if set.
    pub quiet_start: Option<String>,
    /// Quiet hours end.
    pub quiet_end: Option<String>,
}

/// A change to [`DesktopSettings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesktopSettingsPatch {
    /// Close to tray.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_to_tray: Option<bool>,
    /// Start at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at_login: Option<bool>,
    /// Kinds to turn on or off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<NotifyToggle>,
    /// Quiet hours start (`HH:MM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_start: Option<String>,
    /// Quiet hours end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_end: Option<String>,
    /// No quiet hours.
    #[serde(default)]
    pub clear_quiet_hours: bool,
}
