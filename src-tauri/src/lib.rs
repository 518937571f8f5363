//! The Tauri shell: window, IPC commands, logging. Glue only — every command extracts its
//! arguments, calls one `spo_app` function and maps the error to [`spo_ipc::IpcError`].
//!
//! **Invariant:** this is the only crate that depends on tauri.

mod browser;
mod commands;
mod desktop;
mod state;

use anyhow::Context;
use tauri::{Emitter, Manager, Runtime};

pub use state::AppState;

/// Registers the commands on a builder. Shared by [`run`] and the mock-runtime IPC tests so the
/// tests exercise exactly the production handler list.
pub fn build_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::settings::app_info,
        commands::team::team_status,
        commands::team::team_create,
        commands::team::team_join,
        commands::team::team_invite,
        commands::team::team_members,
        commands::team::team_revoke,
        commands::team::team_leave,
        commands::team::sync_now,
        commands::team::sync_conflicts,
        commands::team::resolve_conflict,
        commands::team::store_leases,
        commands::settings::doctor,
        commands::settings::get_settings,
        commands::settings::update_settings,
        commands::stores::list_stores,
        commands::stores::connect_demo_store,
        commands::stores::list_products,
        commands::stores::sync_catalog,
        commands::stores::disconnect_store,
        commands::stores::list_categories,
        commands::stores::connect_with_app,
        commands::stores::connect_with_tokens,
        commands::stores::cancel_sign_in,
        commands::stores::sync_orders,
        commands::stores::cancel_sync,
        commands::stores::sales_summary,
        commands::competitors::list_listings,
        commands::competitors::add_listing,
        commands::competitors::check_listing,
        commands::competitors::confirm_listing_price,
        commands::competitors::product_competitors,
        commands::competitors::discover_competitors,
        commands::competitors::decide_candidate,
        commands::competitors::get_competitor_settings,
        commands::competitors::update_competitor_settings,
        commands::pricing::optimize,
        commands::pricing::list_decisions,
        commands::pricing::decide_decisions,
        commands::pricing::apply_decisions,
        commands::pricing::rollback_decision,
        commands::pricing::rollback_run,
        commands::pricing::list_runs,
        commands::settings::get_llm_settings,
        commands::jobs::list_jobs,
        commands::jobs::scheduler_status,
        commands::jobs::list_job_runs,
        commands::jobs::run_job_now,
        commands::jobs::cancel_job,
        commands::jobs::pause_jobs,
        commands::jobs::update_job,
        commands::settings::read_log,
        commands::data::list_backups,
        commands::data::backup_now,
        commands::data::restore_backup,
        commands::data::set_backup_keep,
        commands::data::set_retention,
        commands::data::export_csv,
        commands::notifications::list_notifications,
        commands::notifications::mark_notifications_read,
        commands::settings::get_desktop_settings,
        commands::settings::update_desktop_settings,
        commands::settings::update_llm_settings,
        commands::pricing::get_kill_switch,
        commands::pricing::set_kill_switch,
        commands::pricing::get_automation_mode,
        commands::pricing::set_automation_mode,
        commands::recovery::recovery_status,
        commands::recovery::recovery_restore,
        commands::recovery::recovery_restart,
        commands::pricing::list_rules,
        commands::pricing::set_rule,
    ])
}

/// Sends what `events` announces to the window as `name` (a lagging listener skips, it does not
/// stop), until the sender is gone.
fn forward<T, P>(
    app: &tauri::AppHandle,
    mut events: tokio::sync::broadcast::Receiver<T>,
    name: &'static str,
    payload: impl Fn(T) -> P + Send + 'static,
) where
    T: Clone + Send + 'static,
    P: serde::Serialize + Clone,
{
    let emitter = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(e) => {
                    let _ = emitter.emit(name, payload(e));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// The window without the database: only the recovery commands work (see `commands/recovery.rs`).
fn run_recovery(paths: spo_app::AppPaths, damage: spo_app::recovery::Damage) -> anyhow::Result<i32> {
    let tauri_app = desktop::plugins(build_app(tauri::Builder::default()))
        .setup(move |handle| {
            handle.manage(state::RecoveryState { paths, damage });
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("while building the window")?;
    Ok(tauri_app.run_return(|_, _| {}))
}

/// Starts the desktop app and returns its exit code when the last window closes.
pub fn run() -> anyhow::Result<i32> {
    let paths = spo_app::AppPaths::from_env().context("while resolving the app folders")?;
    paths.make_private();
    let _log_guard =
        spo_app::logging::init(&paths.log_dir, cfg!(debug_assertions)).context("while setting up logging")?;
    tracing::info!(version = spo_app::VERSION, data_dir = %paths.data_dir.display(), "starting");
    let app = match tauri::async_runtime::block_on(spo_app::App::open(paths.clone(), spo_app::App::os_keychain())) {
        Ok(app) => app,
        Err(e) => {
            // A damaged database: the window opens on the recovery screen (the backups, restore
            // one; the damaged file is kept). Anything else stops here with its reason.
            let Some(damage) = tauri::async_runtime::block_on(spo_app::recovery::damage(&paths)) else {
                return Err(anyhow::Error::new(e)).context("while opening the local database");
            };
            tracing::error!(error = %e, problem = %damage.problem, "the database is damaged; starting the recovery screen");
            return run_recovery(paths, damage);
        }
    };
    // The background jobs run inside the app (an always-on seat runs `spo daemon` instead).
    let scheduler = tauri::async_runtime::block_on(app.start_scheduler()).context("while starting the scheduler")?;
    let scheduler = std::sync::Mutex::new(Some(scheduler));
    // With a team, changes go out and come in in the background (nothing happens without one).
    tauri::async_runtime::block_on(async { app.start_team_sync() });
    let tauri_app = desktop::plugins(build_app(tauri::Builder::default()))
        .on_window_event(desktop::on_window_event)
        .setup(move |handle| {
            // Notifications reach the OS through the plugin and the window's centre as events.
            app.set_notifier(std::sync::Arc::new(desktop::OsNotifier::new(handle.handle().clone())));
            forward(handle.handle(), app.notification_events(), spo_ipc::events::NOTIFICATION, |n| n);
            // The tray, and whether closing the window hides it there.
            let (prefs, arabic, paused) = tauri::async_runtime::block_on(async {
                let prefs = app.desktop_settings().await.unwrap_or_default();
                let arabic = app.settings().await.map(|s| s.language == spo_ipc::Language::Ar).unwrap_or(true);
                (prefs, arabic, app.jobs_paused().await.unwrap_or(false))
            });
            let tray = std::sync::Arc::new(desktop::TrayState::default());
            tray.close_to_tray.store(prefs.close_to_tray, std::sync::atomic::Ordering::SeqCst);
            let built = desktop::build_tray(handle.handle(), arabic, paused);
            tray.available.store(built, std::sync::atomic::Ordering::SeqCst);
            handle.manage(tray);
            // Started by the login item: stay in the tray.
            if built && std::env::args().any(|a| a == desktop::HIDDEN_ARG) {
                if let Some(w) = handle.get_webview_window(desktop::MAIN) {
                    let _ = w.hide();
                }
            }
            // Job runs as they happen, for the job monitor (also those of a scheduler that takes
            // over from another process later).
            forward(handle.handle(), app.job_events(), spo_ipc::events::JOB_RUN, spo_app::jobs::event_info);
            handle.manage(AppState::new(app));
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("while building the window")?;
    let code = tauri_app.run_return(move |handle, event| {
        if let tauri::RunEvent::Exit = event {
            if let Some(s) = scheduler.lock().ok().and_then(|mut s| s.take()) {
                tauri::async_runtime::block_on(s.stop());
            }
            if let Some(state) = handle.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.app.close());
            }
            tracing::info!("exiting");
        }
    });
    Ok(code)
}
