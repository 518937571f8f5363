//! What each kind of job does, one function per kind: each hands its work to a use case and turns
//! the outcome into the run's counts (the typed `job_counts` the notices read back).

use spo_agents::{JobContext, JobError};
use spo_domain::jobs::JobKind;

use super::classify;
use crate::job_counts::{text, ApplyCounts, OptimizeCounts, Skipped};
use crate::App;

type Counts = std::result::Result<String, JobError>;

/// The catalogue or orders import. It stops after the request in flight when cancelled, keeping
/// what it wrote.
pub(super) async fn import(app: &App, store: &str, kind: JobKind, ctx: &JobContext) -> Counts {
    let watch = {
        let (app, store, cancel) = (app.clone(), store.to_owned(), ctx.cancel.clone());
        tokio::spawn(async move {
            cancel.cancelled().await;
            app.cancel_sync(&store);
        })
    };
    let progress = |p: spo_ipc::SyncProgress| {
        ctx.progress(u64::from(p.done), u64::from(p.total.unwrap_or(p.done).max(p.done)));
    };
    let r = if kind == JobKind::CatalogSync {
        app.sync_catalog(store, &progress).await
    } else {
        app.sync_orders(store, &progress).await
    };
    watch.abort();
    r.map(|summary| serde_json::to_value(summary).unwrap_or_default().to_string()).map_err(classify)
}

/// Every live competitor page of the store, read again.
pub(super) async fn competitor_check(app: &App, store: &str, ctx: &JobContext) -> Counts {
    let progress = |done: u64, total: u64| ctx.progress(done, total);
    let counts = app.check_store_pages(store, &ctx.cancel, &progress).await.map_err(classify)?;
    Ok(text(&counts))
}

/// The pricing agents' scheduled run.
pub(super) async fn optimize(app: &App, store: &str) -> Counts {
    let r = app.optimize(store, spo_ipc::RunKind::Scheduled, false).await.map_err(classify)?;
    Ok(text(&OptimizeCounts {
        run_id: r.run_id,
        status: Some(r.status),
        proposed: u64::from(r.proposed),
        applied: u64::from(r.applied),
        breaker: r.breaker,
    }))
}

/// Approved prices written to Salla (nothing while the kill switch is on).
pub(super) async fn apply_approved(app: &App, store: &str) -> Counts {
    if app.kill_switch().await.map_err(classify)? {
        return Ok(text(&Skipped { skipped: Some("kill_switch".into()), why: None }));
    }
    let r = app.apply_approved(store).await.map_err(classify)?;
    let (applied, failed, expired) = (u64::from(r.applied), u64::from(r.failed), u64::from(r.expired));
    Ok(text(&ApplyCounts { applied, failed, expired }))
}

/// Reading a token refreshes it when it is within a day of expiry; asking Salla who it belongs to
/// finds a token revoked or expired at Salla (and refreshes once).
pub(super) async fn token_check(app: &App, store: &str) -> Counts {
    crate::with_salla!(app, store, |client, token| async { Ok(client.user_info(token).await?) })
        .map(|_: spo_salla::UserInfo| ())
        .map_err(classify)?;
    Ok(serde_json::json!({ "ok": true }).to_string())
}

/// The daily backup.
pub(super) async fn backup(app: &App) -> Counts {
    let r = app.backup_now(true).await.map_err(classify)?;
    Ok(serde_json::json!({ "file": r.file.name, "bytes": r.file.size_bytes }).to_string())
}

/// Old runs, logs and notifications past their retention.
pub(super) async fn retention(app: &App) -> Counts {
    Ok(app.run_retention().await.map_err(classify)?.to_string())
}
