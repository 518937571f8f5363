/// What the commands reach through `tauri::State`.
#[derive(Debug)]
pub struct AppState {
    /// The use cases.
    pub app: spo_app::App,
}

impl AppState {
    /// Wraps an opened app.
    pub fn new(app: spo_app::App) -> Self {
        Self { app }
    }
}

/// Managed instead of [`AppState`] when the database could not be opened because it is damaged:
/// the window can then only look at the backups and restore one.
#[derive(Debug)]
pub struct RecoveryState {
    /// The app's folders.
    pub paths: spo_app::AppPaths,
    /// What is wrong.
    pub damage: spo_app::recovery::Damage,
}
