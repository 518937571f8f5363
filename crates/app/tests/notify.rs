//! Notifications from real job runs against the simulated Salla: kept for the centre, shown
//! through the notifier unless the kind is off or it is quiet time, read and unread.

mod common;

use std::sync::Arc;
use std::time::Duration;

use spo_app::RecordingNotifier;
use spo_ipc::{DesktopSettingsPatch, NotifyKind, NotifyToggle};
use spo_salla_sim::{Sim, SimConfig};

async fn run_job(app: &spo_app::App, kind: spo_ipc::JobKind, store: &str) {
    let job = app
        .jobs_info()
        .await
        .expect("jobs")
        .into_iter()
        .find(|j| j.kind == kind && j.store_id.as_deref() == Some(store))
        .expect("job");
    common::run_job_to_end(app, &job.id).await;
}

/// Waits until the centre holds `n` notifications (they are kept just after the run's end).
async fn wait_for(app: &spo_app::App, n: usize) -> spo_ipc::NotificationList {
    for _ in 0..100 {
        let list = app.notifications().await.expect("notifications");
        if list.items.len() >= n {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {n} notifications")
}

#[tokio::test]
async fn job_ends_notify_within_the_merchants_choices() {
    let mut cfg = SimConfig::demo(12);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let (_dir, app, store) = common::open_connected(&sim).await;
    common::track_two_with_a_rule(&app, &sim, &store).await;
    let recorder = Arc::new(RecordingNotifier::default());
    app.set_notifier(recorder.clone());
    let running = app.start_scheduler().await.expect("scheduler");
    let mut live = app.notification_events();

    // The nightly run leaves proposals waiting: kept, announced to the window, shown (in Arabic,
    // the default language).
    run_job(&app, spo_ipc::JobKind::Optimize, &store).await;
    let list = wait_for(&app, 1).await;
    let n = &list.items[0];
    assert_eq!(
        (n.kind, n.page.as_str(), n.shown, n.read, list.unread),
        (NotifyKind::ApprovalsWaiting, "decisions", true, false, 1)
    );
    assert_eq!(live.recv().await.expect("live").id, n.id);
    assert_eq!(recorder.shown(), vec![(n.title_ar.clone(), n.body_ar.clone())]);
    assert!(n.body_en.contains("2 proposed"), "{}", n.body_en);

    // Turned off: kept for the centre, not shown.
    let s = app
        .update_desktop_settings(DesktopSettingsPatch {
            notify: vec![NotifyToggle { kind: NotifyKind::ApprovalsWaiting, on: false }],
            ..Default::default()
        })
        .await
        .expect("off");
    assert!(s.notify.iter().any(|t| t.kind == NotifyKind::ApprovalsWaiting && !t.on));
    assert!(s.notify.iter().filter(|t| t.kind != NotifyKind::ApprovalsWaiting).all(|t| t.on));
    run_job(&app, spo_ipc::JobKind::Optimize, &store).await;
    let list = wait_for(&app, 2).await;
    assert!(!list.items[0].shown);
    assert_eq!(recorder.shown().len(), 1);

    // Back on, but quiet hours around the clock (all but one minute): kept, not shown.
    app.update_desktop_settings(DesktopSettingsPatch {
        notify: vec![NotifyToggle { kind: NotifyKind::ApprovalsWaiting, on: true }],
        ..Default::default()
    })
    .await
    .expect("on");
    let riyadh = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+3));
    let minute = |m: i64| {
        let t = riyadh + time::Duration::minutes(m);
        format!("{:02}:{:02}", t.hour(), t.minute())
    };
    app.update_desktop_settings(DesktopSettingsPatch {
        quiet_start: Some(minute(-1)),
        quiet_end: Some(minute(-2)),
        ..Default::default()
    })
    .await
    .expect("quiet hours");
    run_job(&app, spo_ipc::JobKind::Optimize, &store).await;
    let list = wait_for(&app, 3).await;
    assert!(!list.items[0].shown, "quiet hours");
    assert_eq!(recorder.shown().len(), 1);
    assert!(app
        .update_desktop_settings(DesktopSettingsPatch { quiet_start: Some("25:00".into()), ..Default::default() })
        .await
        .is_err());

    // Read one, then all.
    let list = app.mark_notifications_read(vec![list.items[0].id.clone()]).await.expect("read one");
    assert_eq!(list.unread, 2);
    let list = app.mark_notifications_read(Vec::new()).await.expect("read all");
    assert_eq!(list.unread, 0);

    // Settings survive and close-to-tray is on unless turned off.
    let s = app.desktop_settings().await.expect("settings");
    assert!(s.close_to_tray && s.quiet_start.is_some());
    let s = app
        .update_desktop_settings(DesktopSettingsPatch {
            close_to_tray: Some(false),
            clear_quiet_hours: true,
            ..Default::default()
        })
        .await
        .expect("change");
    assert!(!s.close_to_tray && s.quiet_start.is_none());
    running.stop().await;
}
