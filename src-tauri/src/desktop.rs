//! Desktop integration: the tray (open, run pricing now, pause all, quit), closing the window to
//! the tray, one instance at a time (a second launch shows the first), start at login, the
//! window's size and position, and notifications through the OS (tauri-plugin-notification).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tauri::menu::{CheckMenuItem, Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Runtime, WindowEvent};
use tauri_plugin_notification::NotificationExt;

use crate::AppState;

/// The main window's label (tauri.conf.json).
pub const MAIN: &str = "main";
/// Passed by the login item: start in the tray without showing the window.
pub const HIDDEN_ARG: &str = "--hidden";

/// Shows and focuses the main window (from the tray, a second launch, or a notification).
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Registers the plugins that make this a desktop app. The single-instance plugin must come first.
pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    use tauri_plugin_window_state::StateFlags;
    builder
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("a second launch: showing the running window");
            show_main(app);
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::Builder::new().arg(HIDDEN_ARG).build())
        // Size and position only: a window closed to the tray must not come back hidden.
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
}

/// Notifications through the OS notification service.
#[derive(Debug)]
pub struct OsNotifier<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> spo_app::Notifier for OsNotifier<R> {
    fn show(&self, title: &str, body: &str) {
        if let Err(e) = self.app.notification().builder().title(title).body(body).show() {
            tracing::warn!(error = %e, "the notification could not be shown");
        }
    }
}

impl<R: Runtime> OsNotifier<R> {
    /// Over `app`'s notification plugin.
    pub fn new(app: AppHandle<R>) -> Self {
        Self { app }
    }
}

/// Whether the tray exists and closing the window should hide it there.
#[derive(Debug, Default)]
pub struct TrayState {
    /// The tray icon was created.
    pub available: AtomicBool,
    /// The merchant's choice (Settings).
    pub close_to_tray: AtomicBool,
}

/// The tray's words in the merchant's language.
fn tray_text(arabic: bool, id: &str) -> &'static str {
    match (id, arabic) {
        ("open", false) => "Open Salla Price Optimizer",
        ("open", true) => "فتح محسّن أسعار سلة",
        ("run_now", false) => "Run pricing now",
        ("run_now", true) => "تشغيل التسعير الآن",
        ("pause", false) => "Pause all jobs",
        ("pause", true) => "إيقاف كل المهام مؤقتًا",
        ("quit", false) => "Quit",
        ("quit", true) => "إنهاء",
        (_, false) => "Salla Price Optimizer",
        (_, true) => "محسّن أسعار سلة",
    }
}

/// The tray menu's items, kept to follow a language switch and pauses made elsewhere.
struct TrayItems<R: Runtime> {
    open: MenuItem<R>,
    run: MenuItem<R>,
    pause: CheckMenuItem<R>,
    quit: MenuItem<R>,
}

/// Builds the tray. Returns false (and logs) where the platform has none — e.g. Linux without
/// an AppIndicator library, which the tray crate reports by panicking.
pub fn build_tray<R: Runtime>(app: &AppHandle<R>, arabic: bool, paused: bool) -> bool {
    let t = |id: &str| tray_text(arabic, id);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> tauri::Result<()> {
        let open = MenuItem::with_id(app, "open", t("open"), true, None::<&str>)?;
        let run = MenuItem::with_id(app, "run_now", t("run_now"), true, None::<&str>)?;
        let pause = CheckMenuItem::with_id(app, "pause", t("pause"), true, paused, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", t("quit"), true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&open, &run, &pause, &quit])?;
        let mut tray = TrayIconBuilder::with_id(MAIN)
            .tooltip(t("tooltip"))
            .menu(&menu)
            .show_menu_on_left_click(false)
            .on_menu_event(move |app, event| match event.id.as_ref() {
                "open" => show_main(app),
                "run_now" => run_pricing_now(app),
                "pause" => {
                    let app = app.clone();
                    tauri::async_runtime::spawn(async move {
                        let Some(state) = app.try_state::<AppState>() else { return };
                        let now_paused = !state.app.jobs_paused().await.unwrap_or(false);
                        match state.app.pause_jobs(None, now_paused).await {
                            Ok(p) => sync_tray(&app, None, Some(p)),
                            Err(e) => tracing::warn!(error = %e, "pause from the tray failed"),
                        }
                    });
                }
                "quit" => app.exit(0),
                _ => {}
            })
            .on_tray_icon_event(|tray, event| {
                if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } =
                    event
                {
                    show_main(tray.app_handle());
                }
            });
        if let Some(icon) = app.default_window_icon() {
            tray = tray.icon(icon.clone());
        }
        tray.build(app)?;
        app.manage(TrayItems { open, run, pause, quit });
        Ok(())
    }));
    match result {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "no tray icon; closing the window quits");
            false
        }
        Err(_) => {
            tracing::warn!("no tray on this desktop (AppIndicator missing); closing the window quits");
            false
        }
    }
}

/// Brings the tray up to date: its words after a language switch, its "pause all" check after a
/// pause made in the window. Nothing happens where there is no tray.
pub fn sync_tray<R: Runtime>(app: &AppHandle<R>, arabic: Option<bool>, paused: Option<bool>) {
    let Some(items) = app.try_state::<TrayItems<R>>() else { return };
    if let Some(arabic) = arabic {
        for (item, id) in [(&items.open, "open"), (&items.run, "run_now"), (&items.quit, "quit")] {
            let _ = item.set_text(tray_text(arabic, id));
        }
        let _ = items.pause.set_text(tray_text(arabic, "pause"));
        if let Some(tray) = app.tray_by_id(MAIN) {
            let _ = tray.set_tooltip(Some(tray_text(arabic, "tooltip")));
        }
    }
    if let Some(paused) = paused {
        let _ = items.pause.set_checked(paused);
    }
}

/// Every store's optimization job, now.
fn run_pricing_now<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else { return };
        match state.app.jobs_info().await {
            Ok(jobs) => {
                for j in jobs.iter().filter(|j| j.kind == spo_ipc::JobKind::Optimize) {
                    let _ = state.app.run_job_now(&j.id).await;
                }
                let _ = app.emit(spo_ipc::events::NAVIGATE, "runs");
                show_main(&app);
            }
            Err(e) => tracing::warn!(error = %e, "run now from the tray failed"),
        }
    });
}

/// Closing the main window hides it to the tray when the merchant wants that and a tray exists.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        let Some(tray) = window.app_handle().try_state::<Arc<TrayState>>() else { return };
        if window.label() == MAIN && tray.available.load(Ordering::SeqCst) && tray.close_to_tray.load(Ordering::SeqCst)
        {
            api.prevent_close();
            let _ = window.hide();
            tracing::info!("window closed to the tray; background jobs go on");
        }
    }
}
