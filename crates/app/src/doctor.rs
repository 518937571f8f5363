//! The `doctor` use case: every value is measured now, nothing is assumed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use spo_domain::ports::SecretStore;
use spo_ipc::{CheckStatus, DatabaseHealth, DoctorReport, KeychainHealth};
use spo_store::Db;

use crate::{App, Result};

/// Keychain calls may block on a prompt or a hung daemon; never wait longer than this.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn run(app: &App) -> Result<DoctorReport> {
    let database = database_health(app.db()).await?;
    let keychain = keychain_health(Arc::clone(app.secrets())).await;
    let status = worst(database.status, keychain.status);
    Ok(DoctorReport {
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

async fn database_health(db: &Db) -> Result<DatabaseHealth> {
    let h = db.health().await?;
    let status = if h.integrity != "ok" {
        CheckStatus::Failed
    } else if h.journal_mode != "wal"
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
