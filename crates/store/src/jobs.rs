//! Scheduled jobs and their runs (the scheduler's memory, the Runs screen's history).

pub use spo_domain::jobs::{JobKind, JobRunStatus};

use crate::vocab::known;
use crate::{new_id, Db, Error, Result};

/// A scheduled job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// Local id.
    pub id: String,
    /// Its store (none: global).
    pub store_id: Option<String>,
    /// What it does.
    pub kind: JobKind,
    /// `every 6h` or a cron expression.
    pub schedule: String,
    /// Next run, UTC RFC 3339.
    pub next_run_at: Option<String>,
    /// Paused.
    pub is_paused: bool,
}

/// One run of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRunRow {
    /// Local id.
    pub id: String,
    /// The job.
    pub job_id: String,
    /// Its kind.
    pub kind: JobKind,
    /// Its store.
    pub store_id: Option<String>,
    /// How it ended, or that it still runs.
    pub status: JobRunStatus,
    /// Start.
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// 0–1.
    pub progress: Option<f64>,
    /// JSON counts.
    pub counts: String,
    /// What failed.
    pub error: Option<String>,
}

/// A `jobs` row as read, before its kind is known to this build.
#[derive(sqlx::FromRow)]
struct RawJob {
    id: String,
    store_id: Option<String>,
    kind: String,
    schedule: String,
    next_run_at: Option<String>,
    is_paused: bool,
}

/// A `job_runs` row (or another seat's summary) as read.
#[derive(sqlx::FromRow)]
struct RawJobRun {
    id: String,
    job_id: String,
    kind: String,
    store_id: Option<String>,
    status: String,
    started_at: String,
    finished_at: Option<String>,
    progress: Option<f64>,
    counts: String,
    error: Option<String>,
}

impl Db {
    /// Every live job.
    pub async fn jobs(&self) -> Result<Vec<JobRow>> {
        let rows: Vec<RawJob> = sqlx::query_as(
            "SELECT id, store_id, kind, schedule, next_run_at, is_paused FROM jobs WHERE deleted_at IS NULL
             ORDER BY ifnull(store_id, ''), kind",
        )
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(JobRow {
                    kind: known(&r.id, &r.kind)?,
                    id: r.id,
                    store_id: r.store_id,
                    schedule: r.schedule,
                    next_run_at: r.next_run_at,
                    is_paused: r.is_paused,
                })
            })
            .collect())
    }

    /// Adds the jobs in `wanted` (store, kind, schedule, first run) that do not exist yet;
    /// existing ones keep their schedule. Returns how many were added.
    pub async fn ensure_jobs(&self, wanted: &[(Option<String>, JobKind, &str, String)]) -> Result<u64> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for (store_id, kind, schedule, first) in wanted {
            let r = sqlx::query(
                "INSERT INTO jobs (id, store_id, kind, schedule, next_run_at, created_at, updated_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6
                 WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE ifnull(store_id, '') = ifnull(?2, '') AND kind = ?3
                                   AND deleted_at IS NULL)",
            )
            .bind(new_id())
            .bind(store_id)
            .bind(kind.as_str())
            .bind(schedule)
            .bind(first)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
            added += r.rows_affected();
        }
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(added)
    }

    /// Keeps a job's next run time.
    pub async fn set_job_next_run(&self, job_id: &str, next_run_at: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE jobs SET next_run_at = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(job_id)
            .bind(next_run_at)
            .bind(self.now_text())
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Changes a job's schedule (and its next run) or pauses it.
    pub async fn update_job(&self, job_id: &str, schedule: Option<(&str, &str)>, paused: Option<bool>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE jobs SET schedule = coalesce(?2, schedule), next_run_at = coalesce(?3, next_run_at),
               is_paused = coalesce(?4, is_paused), updated_at = ?5
             WHERE id = ?1 AND deleted_at IS NULL",
        )
        .bind(job_id)
        .bind(schedule.map(|s| s.0))
        .bind(schedule.map(|s| s.1))
        .bind(paused)
        .bind(self.now_text())
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Asks whichever process runs the scheduler to run a job now (it takes the request at its
    /// next look). False when there is no such job.
    pub async fn request_job_run(&self, job_id: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE jobs SET run_requested_at = coalesce(run_requested_at, ?2) WHERE id = ?1 AND deleted_at IS NULL",
        )
        .bind(job_id)
        .bind(self.now_text())
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(r.rows_affected() == 1)
    }

    /// Takes the pending run requests, oldest first: each is handed out once.
    pub async fn take_job_run_requests(&self) -> Result<Vec<String>> {
        // Looked at often: a plain read first, the write lock only when there is something.
        let pending: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM jobs WHERE run_requested_at IS NOT NULL)")
            .fetch_one(&self.pool())
            .await
            .map_err(Error::from_sqlx)?;
        if !pending {
            return Ok(Vec::new());
        }
        // One write transaction: no request arrives between reading and clearing.
        let mut tx = self.begin_write().await?;
        let taken: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM jobs WHERE run_requested_at IS NOT NULL AND deleted_at IS NULL
             ORDER BY run_requested_at",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        if !taken.is_empty() {
            sqlx::query("UPDATE jobs SET run_requested_at = NULL WHERE run_requested_at IS NOT NULL")
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
        }
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(taken.into_iter().map(|(id,)| id).collect())
    }

    /// Records a run's start; returns its id.
    pub async fn start_job_run(&self, job_id: &str, store_id: Option<&str>, started_at: &str) -> Result<String> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO job_runs (id, job_id, store_id, status, started_at, progress, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'running', ?4, 0, ?5, ?5)",
        )
        .bind(&id)
        .bind(job_id)
        .bind(store_id)
        .bind(started_at)
        .bind(self.now_text())
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(id)
    }

    /// Records a run's progress (0–1).
    pub async fn job_run_progress(&self, run_id: &str, fraction: f64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE job_runs SET progress = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'running'")
            .bind(run_id)
            .bind(fraction.clamp(0.0, 1.0))
            .bind(self.now_text())
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Records a run's end.
    pub async fn finish_job_run(
        &self,
        run_id: &str,
        finished_at: &str,
        status: JobRunStatus,
        counts: &str,
        error: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE job_runs SET status = ?2, finished_at = ?3, counts = ?4, error = ?5,
               progress = CASE WHEN ?2 = 'succeeded' THEN 1 ELSE progress END, updated_at = ?6
             WHERE id = ?1",
        )
        .bind(run_id)
        .bind(status.as_str())
        .bind(finished_at)
        .bind(counts)
        .bind(error)
        .bind(self.now_text())
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Deletes the ended job runs that started before `before` (stored text form); returns how many.
    pub async fn prune_job_runs(&self, before: &str) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM job_runs WHERE status <> 'running' AND started_at < ?1")
            .bind(before)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        // Their summaries (and those of other seats) go with them; append-only rows leave no trace
        // on the team when deleted here.
        sqlx::query("DELETE FROM job_run_summaries WHERE started_at < ?1")
            .bind(before)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(r.rows_affected())
    }

    /// Runs left `running` by a process that stopped are marked failed (interrupted). Returns
    /// how many.
    pub async fn fail_interrupted_job_runs(&self) -> Result<u64> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE job_runs SET status = 'failed', finished_at = ?1, updated_at = ?1,
               error = 'interrupted: the app stopped during the run'
             WHERE status = 'running'",
        )
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(r.rows_affected())
    }

    /// Recent runs, newest first (all stores, or one).
    pub async fn job_runs(&self, store_id: Option<&str>, limit: i64) -> Result<Vec<JobRunRow>> {
        let rows: Vec<RawJobRun> = sqlx::query_as(
            "SELECT r.id, r.job_id, j.kind, r.store_id, r.status, r.started_at, r.finished_at, r.progress, r.counts,
                    r.error
             FROM job_runs r JOIN jobs j ON j.id = r.job_id
             WHERE (?1 IS NULL OR r.store_id = ?1)
             UNION ALL
             -- Runs of this team's stores on other seats (their job is not here: no job id).
             SELECT s.id, '', s.kind, s.store_id, s.status, s.started_at, s.finished_at, NULL, s.counts, s.error
             FROM job_run_summaries s
             WHERE (?1 IS NULL OR s.store_id = ?1) AND NOT EXISTS (SELECT 1 FROM job_runs r WHERE r.id = s.id)
             ORDER BY 6 DESC, 1 DESC LIMIT ?2",
        )
        .bind(store_id)
        .bind(limit)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(JobRunRow {
                    kind: known(&r.id, &r.kind)?,
                    status: known(&r.id, &r.status)?,
                    id: r.id,
                    job_id: r.job_id,
                    store_id: r.store_id,
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                    progress: r.progress,
                    counts: r.counts,
                    error: r.error,
                })
            })
            .collect())
    }
}
