//! The app's scheduled jobs against the simulated Salla: every store gets its default schedules
//! (kept across restarts), every job kind runs through the real use cases and is recorded, and a
//! run interrupted by a stop is marked failed at the next start.

mod common;

use std::sync::Arc;
use std::time::Duration;

use spo_agents::{CancellationToken, Event, RunStatus};
use spo_app::{App, AppPaths};
use spo_salla_sim::{Sim, SimConfig};
use spo_secrets::MemoryStore;

#[tokio::test]
async fn every_job_kind_runs_through_the_scheduler_and_is_recorded() {
    let mut cfg = SimConfig::demo(12);
    cfg.order_history_days = 3;
    let sim = Sim::start(cfg).await.expect("sim");
    std::env::set_var("SPO_FETCH_MIN_INTERVAL_MS", "1");
    std::env::set_var("SPO_FETCH_ALLOW_HOSTS", sim.accounts_url().trim_start_matches("http://"));
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    let secrets = Arc::new(MemoryStore::new());
    let app = App::open(paths.clone(), secrets.clone()).await.expect("open");
    let store = common::connect_pasted(&app, &sim).await;
    let p = sim.config().products.into_iter().find(|p| p.status == "sale").expect("product");
    let req = spo_ipc::NewListingRequest {
        store_id: store.clone(),
        product: p.sku.clone(),
        url: sim.competitor_url("souq", p.id),
        ..Default::default()
    };
    app.add_listing(req).await.expect("listing");

    let scheduler = app.scheduler().await.expect("scheduler");
    let jobs = app.jobs_info().await.expect("jobs");
    assert_eq!(jobs.len(), spo_app::jobs::JobKind::PER_STORE.len() + spo_app::jobs::JobKind::GLOBAL.len(), "{jobs:?}");
    assert!(jobs.iter().all(|j| j.next_run_at.is_some() && !j.paused));
    assert_eq!(app.ensure_default_jobs().await.expect("again"), 0, "defaults are added once");

    let mut events = scheduler.subscribe();
    let stop = CancellationToken::new();
    let handle = tokio::spawn(Arc::clone(&scheduler).run(stop.clone(), Duration::from_secs(10)));
    // Nothing is due yet: every default first runs one interval after it was added.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.job_runs_info(None).await.expect("runs").is_empty());
    for j in &jobs {
        assert!(scheduler.run_now(&j.id));
        let finished = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                if let Ok(Event::Finished { job_id, status, error, .. }) = events.recv().await {
                    if job_id == j.id {
                        break (status, error);
                    }
                }
            }
        })
        .await
        .expect("the job ends");
        assert_eq!(finished, (RunStatus::Succeeded, None), "{:?}", j.kind);
    }
    stop.cancel();
    handle.await.expect("stopped");
    let runs = app.job_runs_info(Some(&store)).await.expect("runs");
    assert_eq!(runs.len(), spo_app::jobs::JobKind::PER_STORE.len());
    assert!(runs.iter().all(|r| r.status == spo_ipc::JobRunStatus::Succeeded && r.finished_at.is_some()), "{runs:?}");
    let check = runs.iter().find(|r| r.kind == Some(spo_ipc::JobKind::CompetitorCheck)).expect("check run");
    let counts: serde_json::Value = serde_json::from_str(&check.counts).expect("counts");
    assert_eq!((counts["checked"].as_u64(), check.progress), (Some(1), Some(1.0)), "{counts}");
    let optimize = runs.iter().find(|r| r.kind == Some(spo_ipc::JobKind::Optimize)).expect("optimize run");
    assert!(optimize.counts.contains("\"status\":\"succeeded\""), "{}", optimize.counts);
    // The run itself is recorded as scheduled.
    let recorded = app.runs(&store).await.expect("optimization runs");
    assert_eq!(recorded.first().map(|r| r.kind), Some(spo_ipc::RunKind::Scheduled));

    // Schedules are checked; a paused job is kept paused.
    let orders = jobs.iter().find(|j| j.kind == spo_ipc::JobKind::OrdersSync).expect("orders job");
    assert!(app.update_job(&orders.id, Some("every 5s"), None).await.is_err());
    app.update_job(&orders.id, Some("*/30 * * * *"), Some(true)).await.expect("update");
    drop(app);

    // A run left "running" (the app was killed mid-run) is marked failed at the next start.
    let app = App::open(paths, secrets).await.expect("reopen");
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("data").join("spo.sqlite3").display()))
        .await
        .expect("db");
    sqlx::query("UPDATE job_runs SET status = 'running', finished_at = NULL WHERE id = ?1")
        .bind(&runs[0].id)
        .execute(&db)
        .await
        .expect("fake an interrupted run");
    let _scheduler = app.scheduler().await.expect("scheduler");
    let after = app.job_runs_info(Some(&store)).await.expect("runs");
    let interrupted = after.iter().find(|r| r.id == runs[0].id).expect("run");
    assert_eq!(interrupted.status, spo_ipc::JobRunStatus::Failed);
    assert!(interrupted.error.as_deref().unwrap_or_default().contains("interrupted"));
    let kept = app.jobs_info().await.expect("jobs").into_iter().find(|j| j.id == orders.id).expect("job");
    assert_eq!((kept.schedule.as_str(), kept.paused), ("*/30 * * * *", true), "kept across restarts");
}

#[tokio::test]
async fn the_job_monitor_runs_jobs_now_streams_them_and_pauses_them() {
    let mut cfg = SimConfig::demo(8);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let (dir, app, store) = common::open_connected(&sim).await;
    assert!(!app.run_job_now("any").await.expect("answered"), "no such job");
    let running = app.start_scheduler().await.expect("scheduler");
    let mut events = app.job_events();
    let jobs = app.jobs_info().await.expect("jobs");
    assert!(jobs.iter().all(|j| !j.running && !j.paused));
    let sync = jobs
        .iter()
        .find(|j| j.kind == spo_ipc::JobKind::CatalogSync && j.store_id.as_deref() == Some(store.as_str()))
        .expect("job");
    assert!(app.run_job_now(&sync.id).await.expect("run now"));
    assert!(!app.run_job_now("no-such-job").await.expect("answered"));
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let e = spo_app::jobs::event_info(events.recv().await.expect("event"));
            let done = e.status != spo_ipc::JobRunStatus::Running;
            seen.push(e);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the run ends");
    assert_eq!(
        seen.first().map(|e| (e.kind, e.status)),
        Some((Some(spo_ipc::JobKind::CatalogSync), spo_ipc::JobRunStatus::Running))
    );
    assert!(seen.iter().any(|e| e.progress.is_some()), "progress streamed: {seen:?}");
    assert_eq!(seen.last().map(|e| e.status), Some(spo_ipc::JobRunStatus::Succeeded));
    let runs = app.job_runs_info(Some(&store)).await.expect("runs");
    assert_eq!((runs.len(), runs[0].status.as_str(), runs[0].progress), (1, "succeeded", Some(1.0)));

    // Pausing a store is kept with its jobs; pausing everything is kept as a setting.
    assert!(app.pause_jobs(Some(&store), true).await.expect("pause store"));
    assert!(app.jobs_info().await.expect("jobs").iter().filter(|j| j.store_id.is_some()).all(|j| j.paused));
    assert!(app.pause_jobs(Some("no-such-store"), true).await.is_err());
    assert!(app.pause_jobs(None, true).await.expect("pause all"));
    running.stop().await;
    drop(app);
    let reopened =
        App::open(AppPaths::new(dir.path().join("data"), dir.path().join("logs")), Arc::new(MemoryStore::new()))
            .await
            .expect("reopen");
    let again = reopened.start_scheduler().await.expect("scheduler");
    assert!(again.scheduler().expect("runs here").is_paused(), "pausing everything survives a restart");
    assert!(!reopened.pause_jobs(None, false).await.expect("resume"));
    assert!(!again.scheduler().expect("runs here").is_paused());
    again.stop().await;
}

#[tokio::test]
async fn diagnostics_report_the_scheduler_the_stores_and_recent_errors() {
    let mut cfg = SimConfig::demo(8);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let (dir, app, store) = common::open_connected(&sim).await;
    let idle = app.doctor().await.expect("doctor");
    assert!(!idle.scheduler.running_here && idle.scheduler.heartbeat_at.is_none());
    let running = app.start_scheduler().await.expect("scheduler");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let report = app.doctor().await.expect("doctor");
    let s = &report.scheduler;
    assert!(s.running_here && s.heartbeat_at.is_some() && !s.paused, "{s:?}");
    assert_eq!(s.jobs as usize, spo_app::jobs::JobKind::PER_STORE.len() + spo_app::jobs::JobKind::GLOBAL.len());
    assert!(s.next_job.is_some() && s.next_run_at.is_some());
    assert_eq!(s.status, spo_ipc::CheckStatus::Ok);
    let st = report.stores.iter().find(|x| x.store_id == store).expect("the store is checked");
    assert!(st.reachable && st.token_expires_at.is_some(), "{st:?}");
    assert_eq!(st.status, spo_ipc::CheckStatus::Ok);

    // Salla stops answering: the store is reported unreachable, not the app broken.
    sim.set_faults(spo_salla_sim::Faults { server_error_per_mille: 1000, ..Default::default() });
    let report = app.doctor().await.expect("doctor");
    let st = report.stores.iter().find(|x| x.store_id == store).expect("store");
    assert!(!st.reachable && !st.detail.is_empty(), "{st:?}");
    sim.set_faults(spo_salla_sim::Faults::default());

    // A failed run shows among the recent errors and turns the scheduler's verdict to a warning.
    let job = app
        .jobs_info()
        .await
        .expect("jobs")
        .into_iter()
        .find(|j| j.kind == spo_ipc::JobKind::CatalogSync)
        .expect("job");
    sim.set_faults(spo_salla_sim::Faults { server_error_per_mille: 1000, ..Default::default() });
    common::run_job_to_end(&app, &job.id).await;
    sim.set_faults(spo_salla_sim::Faults::default());
    let report = app.doctor().await.expect("doctor");
    assert_eq!(
        report.recent_errors.first().map(|r| r.kind),
        Some(Some(spo_ipc::JobKind::CatalogSync)),
        "{:?}",
        report.recent_errors
    );
    assert_eq!((report.scheduler.failed_24h, report.scheduler.status), (1, spo_ipc::CheckStatus::Warning));
    running.stop().await;

    // The log viewer reads the newest file's last lines.
    assert!(app.read_log(0).is_err());
    assert!(app.read_log(5).expect("no log folder yet").lines.is_empty());
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs");
    let text: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    std::fs::write(logs.join("spo.log.2026-11-25"), "older file\n").expect("old log");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(logs.join("spo.log.2026-11-26"), text).expect("log");
    let tail = app.read_log(5).expect("log");
    assert!(tail.path.ends_with("spo.log.2026-11-26"), "{}", tail.path);
    assert_eq!(tail.lines, ["line 6", "line 7", "line 8", "line 9", "line 10"]);
}

#[tokio::test]
async fn one_scheduler_per_data_folder_the_other_waits_takes_over_and_changes_reach_it() {
    let mut cfg = SimConfig::demo(8);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    std::env::set_var("SPO_FETCH_MIN_INTERVAL_MS", "1");
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::new(dir.path().join("data"), dir.path().join("logs"));
    // Two processes on one data folder (the app beside `spo daemon`) share the OS keychain. The
    // lock is per open file, so a second handle in this process is refused as another process's
    // would be.
    let secrets = Arc::new(MemoryStore::new());
    let poll = Duration::from_millis(100);
    let first = App::open(paths.clone(), secrets.clone()).await.expect("open").with_scheduler_poll(poll);
    let store = common::connect_pasted(&first, &sim).await;
    let second = App::open(paths, secrets).await.expect("open").with_scheduler_poll(poll);

    let running = first.start_scheduler().await.expect("scheduler");
    assert_eq!(first.scheduler_mode(), spo_app::jobs::SchedulerMode::Running);
    let standby = second.start_scheduler().await.expect("standby");
    assert!(standby.scheduler().is_none(), "only one scheduler runs a data folder's jobs");
    let spo_app::jobs::SchedulerMode::Standby(holder) = second.scheduler_mode() else {
        panic!("standby expected, got {:?}", second.scheduler_mode())
    };
    assert_eq!(holder.pid, std::process::id());
    let job = second
        .jobs_info()
        .await
        .expect("jobs")
        .into_iter()
        .find(|j| j.kind == spo_ipc::JobKind::CatalogSync && j.store_id.as_deref() == Some(store.as_str()))
        .expect("job");
    let refused = second.cancel_job(&job.id).expect_err("cancelling belongs to the running scheduler");
    assert!(refused.to_string().contains(&format!("(pid {})", std::process::id())), "{refused}");
    // "Run now" from the standby side is passed on: the running scheduler starts it.
    let mut events = first.job_events();
    assert!(second.run_job_now(&job.id).await.expect("passed on"));
    assert!(!second.run_job_now("no-such-job").await.expect("answered"));
    let ran = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(e @ Event::Finished { .. }) = events.recv().await {
                let info = spo_app::jobs::event_info(e);
                if info.job_id == job.id {
                    break info;
                }
            }
        }
    })
    .await
    .expect("the running scheduler runs what the other process asked for");
    assert_eq!(ran.status, spo_ipc::JobRunStatus::Succeeded, "{ran:?}");

    // The standby process's view: who runs the jobs, with a heartbeat it can read.
    tokio::time::sleep(poll * 3).await;
    let s = second.doctor().await.expect("doctor").scheduler;
    assert!(!s.running_here && s.elsewhere.as_deref() == Some(holder.describe().as_str()), "{s:?}");
    assert!(s.heartbeat_at.is_some(), "the holder's heartbeat is readable: {s:?}");

    // Changes made by the other process reach the running scheduler: a schedule, pausing all.
    second.update_job(&job.id, Some("every 12h"), None).await.expect("reschedule");
    second.pause_jobs(None, true).await.expect("pause all");
    let sched = running.scheduler().expect("runs");
    tokio::time::timeout(Duration::from_secs(10), async {
        while !(sched.is_paused() && sched.jobs().iter().any(|j| j.id == job.id && j.schedule.text() == "every 12h")) {
            tokio::time::sleep(poll).await;
        }
    })
    .await
    .expect("the running scheduler picks up the other process's changes");
    second.pause_jobs(None, false).await.expect("resume all");

    // The first one stops: the standby one takes over, and runs jobs.
    running.stop().await;
    assert_eq!(first.scheduler_mode(), spo_app::jobs::SchedulerMode::Off);
    tokio::time::timeout(Duration::from_secs(10), async {
        while second.scheduler_mode() != spo_app::jobs::SchedulerMode::Running {
            tokio::time::sleep(poll).await;
        }
    })
    .await
    .expect("the standby scheduler takes over");
    assert!(!standby.scheduler().expect("runs now").is_paused(), "it reads the current pause setting");
    let end = spo_app::jobs::event_info(common::run_job_to_end(&second, &job.id).await);
    assert_eq!(end.status, spo_ipc::JobRunStatus::Succeeded, "{end:?}");

    // A store connected by the other process gets its jobs in the running scheduler.
    let mut cfg2 = SimConfig::demo(4);
    cfg2.store_id += 1;
    cfg2.order_history_days = 0;
    let sim2 = Sim::start(cfg2).await.expect("second sim");
    let store2 = common::connect_pasted(&first, &sim2).await;
    assert_ne!(store2, store);
    let sched = standby.scheduler().expect("runs");
    tokio::time::timeout(Duration::from_secs(10), async {
        while sched.jobs().iter().filter(|j| j.store_id.as_deref() == Some(store2.as_str())).count()
            != spo_app::jobs::JobKind::PER_STORE.len()
        {
            tokio::time::sleep(poll).await;
        }
    })
    .await
    .expect("the new store's jobs reach the running scheduler");
    standby.stop().await;
    let idle = second.doctor().await.expect("doctor").scheduler;
    assert!(!idle.running_here && idle.elsewhere.is_none(), "the lock goes with the scheduler: {idle:?}");
}
