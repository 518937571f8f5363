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
