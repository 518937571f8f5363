//! Settings → Data against the simulated Salla: CSV exports read back exactly, backups are
//! checked and pruned, and a restore (with the scheduler running) brings the data back and keeps a
//! copy of what it replaced.

mod common;

use spo_ipc::{ExportKind, ProductQuery, SettingsPatch, Theme};
use spo_salla_sim::{Sim, SimConfig};

fn read_csv(path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).expect("read export");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 byte-order mark for spreadsheet apps");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header = r.headers().expect("header").iter().map(str::to_owned).collect();
    let rows = r.records().map(|rec| rec.expect("row").iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

#[tokio::test]
async fn exports_backups_and_restore() {
    let mut cfg = SimConfig::demo(12);
    cfg.order_history_days = 3;
    let sim = Sim::start(cfg).await.expect("sim");
    let (dir, app, store) = common::open_connected(&sim).await;
    common::track_two_with_a_rule(&app, &sim, &store).await;
    let run = app.optimize(&store, spo_ipc::RunKind::Manual, false).await.expect("a run with decisions");
    assert!(run.proposed > 0, "{run:?}");

    // Products: every product, prices as exact decimals, Arabic names intact.
    let page = app
        .list_products(ProductQuery { store_id: store.clone(), limit: 1000, ..Default::default() })
        .await
        .expect("products");
    let export = app.export_csv(&store, ExportKind::Products).await.expect("export products");
    assert!(export.path.starts_with(&dir.path().join("data").join("exports").display().to_string()), "{}", export.path);
    let (header, rows) = read_csv(&export.path);
    assert_eq!(header[..3], ["salla_product_id", "sku", "name"]);
    assert_eq!((export.rows, rows.len()), (page.total as u64, page.total as usize));
    for p in &page.items {
        let row = rows.iter().find(|r| r[0] == p.salla_id.to_string()).expect("product exported");
        assert_eq!(row[2], p.name);
        let price = spo_app::parse_minor(&row[6], &row[5]).expect("price reads back");
        assert_eq!(price, p.price_minor, "{row:?}");
    }
    let decisions = app.export_csv(&store, ExportKind::Decisions).await.expect("export decisions");
    let (header, rows) = read_csv(&decisions.path);
    assert!(header.contains(&"rationale_ar".to_owned()) && !rows.is_empty());
    let audit = app.export_csv(&store, ExportKind::Audit).await.expect("export audit");
    let (_, rows) = read_csv(&audit.path);
    assert!(rows.iter().any(|r| r[2] == "rule.set") && rows.iter().any(|r| r[2] == "run.recorded"), "{rows:?}");
    assert!(app.export_csv("no-such-store", ExportKind::Products).await.is_err());
    let exports = std::fs::read_dir(dir.path().join("data").join("exports")).expect("exports").count();
    assert_eq!(exports, 3, "no partial files are left");

    // A manual backup, checked and listed.
    let running = app.start_scheduler().await.expect("scheduler");
    let backup = app.backup_now(false).await.expect("backup");
    let decisions_then = backup.tables.iter().find(|t| t.table == "decisions").map(|t| t.rows);
    assert!(decisions_then.unwrap_or(0) > 0, "{:?}", backup.tables);
    let overview = app.data_overview().await.expect("overview");
    assert_eq!((overview.keep, overview.backups.len()), (7, 1));
    assert_eq!(overview.backups[0].kind, spo_ipc::BackupKind::Manual);

    // Change things, then restore: the data and the settings come back; the scheduler runs on.
    app.update_settings(SettingsPatch { theme: Some(Theme::Dark), ..Default::default() }).await.expect("theme");
    app.optimize(&store, spo_ipc::RunKind::Manual, false).await.expect("another run");
    app.pause_jobs(None, true).await.expect("pause all after the backup");
    let restored = app.restore_backup(&backup.file.path).await.expect("restore");
    assert_eq!(restored.tables, backup.tables);
    let safety = restored.safety_copy.expect("a copy of what was replaced");
    assert_eq!(safety.kind, spo_ipc::BackupKind::BeforeRestore);
    assert_eq!(app.settings().await.expect("settings").theme, Theme::System, "the theme as it was");
    assert_eq!(app.runs(&store).await.expect("runs").len(), 1, "the second run is gone");
    assert!(!running.scheduler().expect("runs here").is_paused(), "the restored database was not paused");
    let jobs = app.jobs_info().await.expect("jobs");
    assert!(jobs.iter().any(|j| j.kind == spo_ipc::JobKind::Backup), "the daily backup job is scheduled");
    let backup_job = jobs.iter().find(|j| j.kind == spo_ipc::JobKind::Backup).expect("backup job");
    // The scheduler works on the restored database: its daily backup runs and is recorded.
    let end = common::run_job_to_end(&app, &backup_job.id).await;
    assert!(
        matches!(end, spo_app::jobs::Event::Finished { status: spo_app::jobs::RunStatus::Succeeded, error: None, .. }),
        "{end:?}"
    );

    // A file that is not a backup changes nothing.
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, b"SQLite format 3\0 but not really").expect("junk");
    let e = app.restore_backup(&junk.display().to_string()).await.expect_err("junk is refused");
    assert!(e.to_string().contains("not a"), "{e}");
    assert!(app.restore_backup("/no/such/file.sqlite3").await.is_err());
    assert_eq!(app.runs(&store).await.expect("runs").len(), 1);

    // Daily backups are pruned to the newest N; manual ones stay.
    assert!(app.set_backup_keep(0).await.is_err());
    app.set_backup_keep(2).await.expect("keep 2");
    for _ in 0..3 {
        app.backup_now(true).await.expect("daily");
    }
    let overview = app.data_overview().await.expect("overview");
    let count = |kind: &str| overview.backups.iter().filter(|b| b.kind.as_str() == kind).count();
    assert_eq!((count("daily"), count("manual"), count("before-restore")), (2, 1, 1), "{:?}", overview.backups);
    for b in &overview.backups {
        spo_store::inspect_backup(std::path::Path::new(&b.path)).await.expect("every kept backup is sound");
    }
    running.stop().await;
}

#[tokio::test]
async fn the_nightly_clean_up_removes_old_job_runs_and_log_files() {
    let mut cfg = SimConfig::demo(4);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let (dir, app, _store) = common::open_connected(&sim).await;
    assert!(app.set_retention(3, 30).await.is_err(), "job runs are kept at least a week");
    let o = app.set_retention(30, 7).await.expect("retention");
    assert_eq!((o.job_runs_days, o.log_days), (30, 7));

    // Job runs: one from 40 days ago, one from yesterday, one still running from 40 days ago.
    app.ensure_default_jobs().await.expect("jobs");
    let job = app.jobs_info().await.expect("jobs").remove(0);
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("data").join("spo.sqlite3").display()))
        .await
        .expect("db");
    for (id, days, status) in [("old", 40, "succeeded"), ("new", 1, "failed"), ("stuck", 40, "running")] {
        sqlx::query("INSERT INTO job_runs (id, job_id, store_id, status, started_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(id)
            .bind(&job.id)
            .bind(&job.store_id)
            .bind(status)
            .bind(spo_store::days_ago_text(days))
            .execute(&db)
            .await
            .expect("run");
    }
    // Log files: two old ones and the current one (old by its name, written now).
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs");
    let month_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 86_400);
    for name in ["spo.log.2026-10-01", "spo.log.2026-10-02"] {
        let f = std::fs::File::create(logs.join(name)).expect("log");
        f.set_modified(month_ago).expect("mtime");
    }
    std::fs::write(logs.join("spo.log.2026-11-26"), "today\n").expect("current log");
    std::fs::write(logs.join("notes.txt"), "not a log").expect("other file");

    let counts = app.run_retention().await.expect("clean-up");
    assert_eq!((counts["job_runs_deleted"].as_u64(), counts["logs_deleted"].as_u64()), (Some(1), Some(2)), "{counts}");
    let left: Vec<String> = app.job_runs_info(None).await.expect("runs").into_iter().map(|r| r.id).collect();
    assert_eq!(left, ["new", "stuck"], "recent and running runs stay");
    let mut files: Vec<String> = std::fs::read_dir(&logs)
        .expect("logs")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["notes.txt", "spo.log.2026-11-26"]);
}
