//! The `doctor` use case: every value is measured now, nothing is assumed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use spo_domain::ports::SecretStore;
use spo_ipc::{CheckStatus, DatabaseHealth, DoctorReport, KeychainHealth, LogTail, SchedulerHealth, StoreHealth};
use spo_store::Db;

use crate::clock::{parse_time, time_text};
use crate::{App, AppError, Result};

/// A heartbeat older than this means the scheduling loop is stuck.
const STALE_HEARTBEAT_SECS: i64 = 3 * 60;
/// How long one store's check may take.
const STORE_TIMEOUT: Duration = Duration::from_secs(15);

/// The scheduler: alive (heartbeat), paused, what is next, what failed lately.
async fn scheduler_health(app: &App) -> Result<SchedulerHealth> {
    let now = app.now();
    let jobs = app.jobs_info().await?;
    let runs = app.job_runs_info(None).await?;
    let sched = app.running_scheduler();
    // Another process (the desktop app, `spo daemon`) may run it: its heartbeat is in the holder
    // file it keeps.
    let elsewhere = app.scheduler_holder()?;
    let heartbeat = match (&sched, &elsewhere) {
        (Some(s), _) => s.heartbeat(),
        (None, Some(h)) => h.heartbeat_at.as_deref().and_then(parse_time),
        (None, None) => None,
    };
    let paused = match &sched {
        Some(s) => s.is_paused(),
        None => app.jobs_paused().await?,
    };
    let next = jobs
        .iter()
        .filter(|j| !j.paused)
        .filter_map(|j| Some((j.next_run_at.as_deref().and_then(parse_time)?, j.kind)))
        .min();
    let failed_24h = runs
        .iter()
        .filter(|r| {
            r.status == spo_ipc::JobRunStatus::Failed && parse_time(&r.started_at).is_some_and(|t| now - t < 86_400)
        })
        .count();
    let status = match heartbeat {
        Some(h) if now - h > STALE_HEARTBEAT_SECS => CheckStatus::Failed,
        _ if paused || failed_24h > 0 => CheckStatus::Warning,
        _ => CheckStatus::Ok,
    };
    Ok(SchedulerHealth {
        running_here: sched.is_some(),
        elsewhere: elsewhere.map(|h| h.describe()),
        heartbeat_at: heartbeat.map(time_text),
        paused,
        jobs: u32::try_from(jobs.len()).unwrap_or(u32::MAX),
        running_now: u32::try_from(jobs.iter().filter(|j| j.running).count()).unwrap_or(u32::MAX),
        next_job: next.as_ref().map(|(_, k)| *k),
        next_run_at: next.map(|(t, _)| time_text(t)),
        last_run_at: runs.iter().filter_map(|r| r.finished_at.clone()).max(),
        failed_24h: u32::try_from(failed_24h).unwrap_or(u32::MAX),
        status,
    })
}

/// Each store: an authenticated request to Salla with its grant (refreshing it if due), timed.
async fn stores_health(app: &App) -> Result<Vec<StoreHealth>> {
    let mut out = Vec::new();
    for store in app.db().list_stores().await? {
        let started = Instant::now();
        let check = async {
            // The cheapest call of the Merchant API the app depends on (a rejected token is
            // refreshed once, as every other call does).
            crate::with_salla!(app, &store.id, |client, token| async {
                client.products_page(token, 1, 1).await.map_err(AppError::from)
            })?;
            let expires = match store.salla_store_id {
                Some(m) => app
                    .tokens
                    .load(&crate::grants::account(app.profile(), m))
                    .await
                    .ok()
                    .filter(|g| !g.expiry_assumed)
                    .map(|g| g.expires_at),
                None => None,
            };
            Ok::<_, AppError>(expires)
        };
        let outcome = tokio::time::timeout(STORE_TIMEOUT, check).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (reachable, detail, expires, status) = match outcome {
            Ok(Ok(expires)) => (true, "signed in and answered".to_owned(), expires, CheckStatus::Ok),
            Ok(Err(AppError::NeedsReconnect(why))) => {
                (false, format!("the store's authorization was lost; reconnect it ({why})"), None, CheckStatus::Failed)
            }
            Ok(Err(e)) => (false, e.to_string(), None, CheckStatus::Warning),
            Err(_) => (false, format!("no answer within {} s", STORE_TIMEOUT.as_secs()), None, CheckStatus::Warning),
        };
        out.push(StoreHealth {
            store_id: store.id,
            name: store.name,
            reachable,
            latency_ms,
            detail,
            token_expires_at: expires.and_then(|e| i64::try_from(e).ok()).map(time_text),
            status,
        });
    }
    Ok(out)
}

/// The last `lines` lines of the newest log file (at most the last 1 MiB is read).
pub(crate) fn log_tail(dir: &std::path::Path, lines: u32) -> Result<LogTail> {
    use std::io::{Read, Seek, SeekFrom};
    if !(1..=2000).contains(&lines) {
        return Err(AppError::InvalidInput(format!("between 1 and 2000 lines, not {lines}")));
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(LogTail { path: dir.display().to_string(), lines: Vec::new() });
        }
        Err(e) => return Err(AppError::Internal(format!("cannot read {}: {e}", dir.display()))),
    };
    let newest = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("spo.log"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max();
    let Some((_, path)) = newest else {
        return Ok(LogTail { path: dir.display().to_string(), lines: Vec::new() });
    };
    let io = |e: std::io::Error| AppError::Internal(format!("cannot read {}: {e}", path.display()));
    let mut file = std::fs::File::open(&path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    const WINDOW: u64 = 1 << 20;
    file.seek(SeekFrom::Start(len.saturating_sub(WINDOW))).map_err(io)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut all: Vec<&str> = text.lines().collect();
    if len > WINDOW && !all.is_empty() {
        all.remove(0); // cut mid-line
    }
    let keep = all.len().saturating_sub(lines as usize);
    Ok(LogTail { path: path.display().to_string(), lines: all[keep..].iter().map(|l| (*l).to_owned()).collect() })
}

/// Keychain calls may block on a prompt or a hung daemon; never wait longer than this.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn run(app: &App) -> Result<DoctorReport> {
    let database = database_health(app.db()).await?;
    let keychain = keychain_health(Arc::clone(app.secrets())).await;
    let scheduler = scheduler_health(app).await?;
    let stores = stores_health(app).await?;
    let recent_errors: Vec<_> = app
        .job_runs_info(None)
        .await?
        .into_iter()
        .filter(|r| r.status == spo_ipc::JobRunStatus::Failed)
        .take(10)
        .collect();
    let team = app.team_health().await?;
    let status =
        stores.iter().map(|s| s.status).fold(worst(worst(database.status, keychain.status), scheduler.status), worst);
    let status = team.as_ref().map_or(status, |t| worst(status, t.status));
    Ok(DoctorReport {
        team,
        scheduler,
        stores,
        recent_errors,
        app: app.app_info(),
        platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        data_dir: app.paths().data_dir.display().to_string(),
        log_dir: app.paths().log_dir.display().to_string(),
        database,
        keychain,
        status,
        generated_at: spo_store::now_text(),
    })
}

/// Below this much free space writes are about to fail.
const FREE_FAILED_BYTES: u64 = 50 * 1024 * 1024;
/// Below this much free space the report warns.
const FREE_WARNING_BYTES: u64 = 500 * 1024 * 1024;

/// Free bytes for this user on the disk that holds `path`.
pub(crate) fn free_bytes(path: &std::path::Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(path).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

async fn database_health(db: &Db) -> Result<DatabaseHealth> {
    let h = db.health().await?;
    let free = free_bytes(db.path().parent().unwrap_or(db.path()));
    let last_write_error = spo_store::last_write_error().map(|(at, what)| format!("{what} (at {at})"));
    let status = if h.integrity != "ok" || free.is_some_and(|f| f < FREE_FAILED_BYTES) {
        CheckStatus::Failed
    } else if last_write_error.is_some()
        || free.is_some_and(|f| f < FREE_WARNING_BYTES)
        || h.journal_mode != "wal"
        || h.synchronous != "full"
        || !h.foreign_keys
        || h.busy_timeout_ms < 5000
        || h.schema_version != Db::latest_known_migration()
    {
        CheckStatus::Warning
    } else {
        CheckStatus::Ok
    };
    Ok(DatabaseHealth {
        path: db.path().display().to_string(),
        size_bytes: h.size_bytes,
        schema_version: h.schema_version,
        schema_name: h.schema_name,
        integrity: h.integrity,
        journal_mode: h.journal_mode,
        synchronous: h.synchronous,
        foreign_keys: h.foreign_keys,
        busy_timeout_ms: h.busy_timeout_ms,
        free_bytes: free,
        last_write_error,
        status,
    })
}

/// Stores a random probe secret, reads it back, deletes it and checks it is gone — off the async
/// workers, with a timeout.
pub(crate) async fn keychain_health(secrets: Arc<dyn SecretStore>) -> KeychainHealth {
    let backend = secrets.backend();
    let started = Instant::now();
    let probe = tokio::task::spawn_blocking(move || probe_keychain(secrets.as_ref()));
    let outcome = match tokio::time::timeout(KEYCHAIN_TIMEOUT, probe).await {
        Ok(Ok(r)) => r,
        Ok(Err(join)) => Err(format!("probe task failed: {join}")),
        Err(_) => Err(format!("no answer within {} s (locked keychain or hung daemon?)", KEYCHAIN_TIMEOUT.as_secs())),
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(()) => KeychainHealth {
            backend,
            available: true,
            detail: "stored, read back and deleted a probe entry".into(),
            elapsed_ms,
            status: CheckStatus::Ok,
        },
        Err(detail) => {
            tracing::warn!(%detail, "keychain probe failed");
            KeychainHealth { backend, available: false, detail, elapsed_ms, status: CheckStatus::Failed }
        }
    }
}

fn probe_keychain(store: &dyn SecretStore) -> std::result::Result<(), String> {
    let account = format!("doctor-probe-{}", uuid::Uuid::now_v7());
    let value = uuid::Uuid::now_v7().to_string();
    store.set(&account, &value).map_err(|e| format!("store: {e}"))?;
    let read = store.get(&account);
    let delete = store.delete(&account);
    match read {
        Ok(Some(v)) if v == value => {}
        Ok(Some(_)) => return Err("read back a different value than was stored".into()),
        Ok(None) => return Err("the stored probe entry could not be found again".into()),
        Err(e) => return Err(format!("read: {e}")),
    }
    delete.map_err(|e| format!("delete: {e}"))?;
    match store.get(&account) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err("the probe entry is still there after delete".into()),
        Err(e) => Err(format!("read after delete: {e}")),
    }
}

fn worst(a: CheckStatus, b: CheckStatus) -> CheckStatus {
    let rank = |s| match s {
        CheckStatus::Ok => 0,
        CheckStatus::Warning => 1,
        CheckStatus::Failed => 2,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}
