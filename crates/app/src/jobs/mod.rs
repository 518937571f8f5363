//! Scheduled jobs: the scheduler's memory in the database, and the checks every run goes through
//! (the store's lease, a lost grant) before its kind's runner (`runners.rs`, one function per
//! kind). Adding a job is one value of [`JobKind`] (with its default schedule), one runner and one
//! arm in [`AppJobs::run`].

mod runners;

use std::sync::Arc;

pub use spo_agents::{Event, RunStatus};
use spo_agents::{Job, JobContext, JobError, JobRunner, JobStore, Schedule, Scheduler};

use crate::clock::SchedulerClock;
use crate::job_counts::{text, Skipped};

use crate::clock::{parse_time as unix_of, time_text as text_of};
use crate::scheduler_lock::SchedulerLock;
use crate::{App, AppError, Result};

pub use spo_domain::jobs::{JobKind, JobRunStatus};
/// Device setting: everything paused (`on`).
const KEY_PAUSED: &str = "scheduler.paused";
/// Seconds of jitter added to each next run.
const JITTER_SECS: u32 = 120;
/// Jobs running at once across stores.
pub const MAX_CONCURRENT_JOBS: usize = 2;

/// The scheduler as the app runs it.
pub type AppScheduler = Scheduler<DbJobs, AppJobs, SchedulerClock>;

/// Whether a failure is worth retrying soon.
pub(crate) fn classify(e: AppError) -> JobError {
    let transient = match &e {
        AppError::Salla(s) => s.is_retryable(),
        AppError::Store(spo_store::Error::Busy) | AppError::Busy(_) => true,
        AppError::WebSearch(t) => matches!(
            t,
            spo_tavily::TavilyError::RateLimited { .. }
                | spo_tavily::TavilyError::Server(_)
                | spo_tavily::TavilyError::Timeout
                | spo_tavily::TavilyError::Network(_)
        ),
        _ => false,
    };
    if transient {
        JobError::Transient(e.to_string())
    } else {
        JobError::Permanent(e.to_string())
    }
}

/// The scheduler's memory: the `jobs` and `job_runs` tables.
#[derive(Debug, Clone)]
pub struct DbJobs {
    app: App,
}

impl JobStore for DbJobs {
    type Kind = JobKind;

    async fn load(&self) -> std::result::Result<Vec<Job<JobKind>>, String> {
        let rows = self.app.db().jobs().await.map_err(|e| e.to_string())?;
        let now = self.app.now();
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let schedule = match Schedule::parse(&r.schedule) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(job = %r.id, error = %e, "a job's schedule does not read; it is skipped");
                        return None;
                    }
                };
                Some(Job {
                    id: r.id,
                    kind: r.kind,
                    store_id: r.store_id,
                    schedule,
                    next_run_at: r.next_run_at.as_deref().and_then(unix_of).unwrap_or(now),
                    paused: r.is_paused,
                    jitter_secs: JITTER_SECS,
                })
            })
            .collect())
    }

    async fn set_next_run(&self, job_id: &str, next_run_at: i64) -> std::result::Result<(), String> {
        self.app.db().set_job_next_run(job_id, &text_of(next_run_at)).await.map_err(|e| e.to_string())
    }

    async fn start_run(&self, job: &Job<JobKind>, started_at: i64) -> std::result::Result<String, String> {
        self.app
            .db()
            .start_job_run(&job.id, job.store_id.as_deref(), &text_of(started_at))
            .await
            .map_err(|e| e.to_string())
    }

    async fn progress(&self, run_id: &str, fraction: f64) -> std::result::Result<(), String> {
        self.app.db().job_run_progress(run_id, fraction).await.map_err(|e| e.to_string())
    }

    async fn finish_run(
        &self,
        run_id: &str,
        finished_at: i64,
        status: RunStatus,
        counts: &str,
        error: Option<&str>,
    ) -> std::result::Result<(), String> {
        self.app
            .db()
            .finish_job_run(run_id, &text_of(finished_at), run_status(status), counts, error)
            .await
            .map_err(|e| e.to_string())
    }
}

/// How the scheduler's run ended, as stored.
fn run_status(s: RunStatus) -> JobRunStatus {
    match s {
        RunStatus::Running => JobRunStatus::Running,
        RunStatus::Succeeded => JobRunStatus::Succeeded,
        RunStatus::Failed => JobRunStatus::Failed,
        RunStatus::Cancelled => JobRunStatus::Cancelled,
    }
}

/// A scheduler announcement as the job monitor shows it (only what is known at that moment).
pub fn event_info(e: Event<JobKind>) -> spo_ipc::JobRunInfo {
    use crate::vocab::{job_kind, job_run_status};
    let running = spo_ipc::JobRunStatus::Running;
    match e {
        Event::Started { run_id, job_id, kind, store_id } => spo_ipc::JobRunInfo {
            id: run_id,
            job_id,
            kind: Some(job_kind::to_ipc(kind)),
            store_id,
            status: running,
            ..Default::default()
        },
        Event::Progress { run_id, fraction } => {
            spo_ipc::JobRunInfo { id: run_id, status: running, progress: Some(fraction), ..Default::default() }
        }
        Event::Finished { run_id, job_id, kind, store_id, status, counts, error, .. } => spo_ipc::JobRunInfo {
            id: run_id,
            job_id,
            kind: Some(job_kind::to_ipc(kind)),
            store_id,
            status: job_run_status::to_ipc(run_status(status)),
            counts,
            error,
            ..Default::default()
        },
    }
}

/// The background scheduler of this process: running, or in standby while another process runs
/// the data folder's (see [`crate::scheduler_lock`]); a standby one takes over when that stops.
#[derive(Debug)]
pub struct RunningScheduler {
    app: App,
    stop: spo_agents::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl RunningScheduler {
    /// The scheduler when it runs in this process (none in standby).
    pub fn scheduler(&self) -> Option<Arc<AppScheduler>> {
        self.app.running_scheduler()
    }

    /// Asks running jobs to stop and waits for them (up to 30 s); the lock goes with it.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Whether this process runs the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchedulerMode {
    /// It runs here.
    Running,
    /// Another process runs it; this one takes over when that stops.
    Standby(crate::scheduler_lock::Holder),
    /// Not started in this process (`spo doctor`, a one-shot command).
    Off,
}

/// What each job kind does.
#[derive(Debug, Clone)]
pub struct AppJobs {
    app: App,
}

impl JobRunner for AppJobs {
    type Kind = JobKind;

    async fn run(&self, job: Job<JobKind>, ctx: JobContext) -> std::result::Result<String, JobError> {
        let app = &self.app;
        let store = job.store_id.clone().unwrap_or_default();
        let need_store = || {
            if store.is_empty() {
                Err(JobError::Permanent(format!("the {} job needs a store", job.kind)))
            } else {
                Ok(store.as_str())
            }
        };
        // In a team, a store's jobs run only on the seat holding its lease (where its grant is).
        if !store.is_empty() {
            match app.store_skip(&store).await {
                Ok(None) => {}
                Ok(Some((code, why))) => {
                    return Ok(text(&Skipped { skipped: Some(code.into()), why: Some(why) }));
                }
                Err(AppError::Team(e)) if e.is_offline() => {
                    let why = Some(e.to_string());
                    return Ok(text(&Skipped { skipped: Some("team_unreachable".into()), why }));
                }
                Err(e) => return Err(classify(e)),
            }
        }
        // A store whose grant is lost has nothing to talk to Salla with: its Salla jobs wait for
        // the reconnect (the merchant was told when it was lost) instead of failing every time.
        if job.kind.needs_salla() {
            let status = app.db().store(need_store()?).await.map_err(|e| classify(e.into()))?.status;
            if status == spo_domain::store::StoreStatus::NeedsReconnect {
                return Ok(text(&Skipped { skipped: Some("needs_reconnect".into()), why: None }));
            }
        }
        let done = match job.kind {
            JobKind::CatalogSync | JobKind::OrdersSync => runners::import(app, need_store()?, job.kind, &ctx).await,
            JobKind::CompetitorCheck => runners::competitor_check(app, need_store()?, &ctx).await,
            JobKind::Optimize => runners::optimize(app, need_store()?).await,
            JobKind::ApplyApproved => runners::apply_approved(app, need_store()?).await,
            JobKind::TokenCheck => runners::token_check(app, need_store()?).await,
            JobKind::Backup => runners::backup(app).await,
            JobKind::Retention => runners::retention(app).await,
        };
        // Imports and page checks hold whole pages of a catalogue at a time (a run and the
        // demand refresh hand theirs back themselves).
        if matches!(job.kind, JobKind::CatalogSync | JobKind::OrdersSync | JobKind::CompetitorCheck) {
            crate::memory::release_after("import or page check").await;
        }
        done
    }
}

impl App {
    /// Adds the default jobs of every connected store (and the global ones) that do not exist
    /// yet; each first runs one interval from now. Returns how many were added.
    pub async fn ensure_default_jobs(&self) -> Result<u64> {
        let now = self.now();
        let first = |schedule: &str| {
            Schedule::parse(schedule)
                .and_then(|s| s.next_after(now))
                .map(text_of)
                .map_err(|e| AppError::Internal(format!("default schedule {schedule:?}: {e}")))
        };
        let mut wanted: Vec<(Option<String>, JobKind, &str, String)> = Vec::new();
        for (kind, schedule) in JobKind::GLOBAL {
            wanted.push((None, kind, schedule, first(schedule)?));
        }
        for store in self.db().list_stores().await? {
            for (kind, schedule) in JobKind::PER_STORE {
                wanted.push((Some(store.id.clone()), kind, schedule, first(schedule)?));
            }
        }
        Ok(self.db().ensure_jobs(&wanted).await?)
    }

    /// The scheduler over this app's jobs (runs left "running" by a stopped process are marked
    /// failed first). Start it with [`Scheduler::run`].
    pub async fn scheduler(&self) -> Result<Arc<AppScheduler>> {
        self.ensure_default_jobs().await?;
        let interrupted = self.db().fail_interrupted_job_runs().await?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "job runs interrupted by the last stop were marked failed");
        }
        Scheduler::new(
            DbJobs { app: self.clone() },
            AppJobs { app: self.clone() },
            SchedulerClock(self.clock()),
            MAX_CONCURRENT_JOBS,
        )
        .await
        .map_err(AppError::Internal)
    }

    /// Starts the background scheduler on the current runtime — or, when another process runs the
    /// data folder's, waits in standby and takes over when it stops. Stop it with
    /// [`RunningScheduler::stop`].
    pub async fn start_scheduler(&self) -> Result<RunningScheduler> {
        let stop = spo_agents::CancellationToken::new();
        let first = self.take_scheduler().await?;
        let task = tokio::spawn(self.clone().supervise(first, stop.clone()));
        Ok(RunningScheduler { app: self.clone(), stop, task })
    }

    /// Who runs the background jobs, for the job monitor.
    pub fn scheduler_status(&self) -> spo_ipc::SchedulerStatus {
        match self.scheduler_mode() {
            SchedulerMode::Running => spo_ipc::SchedulerStatus { running_here: true, elsewhere: None },
            SchedulerMode::Standby(h) => {
                spo_ipc::SchedulerStatus { running_here: false, elsewhere: Some(h.describe()) }
            }
            SchedulerMode::Off => spo_ipc::SchedulerStatus::default(),
        }
    }

    /// The process that runs this data folder's scheduler when it is another one.
    pub fn scheduler_holder(&self) -> Result<Option<crate::scheduler_lock::Holder>> {
        if self.running_scheduler().is_some() {
            return Ok(None);
        }
        crate::scheduler_lock::holder(&self.paths.data_dir)
    }

    /// Whether this process runs the scheduler, and who does when not.
    pub fn scheduler_mode(&self) -> SchedulerMode {
        if self.running_scheduler().is_some() {
            return SchedulerMode::Running;
        }
        match self.standby.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            Some(h) => SchedulerMode::Standby(h),
            None => SchedulerMode::Off,
        }
    }

    /// Takes the data folder's scheduler lock and builds the scheduler (installed in `self`, not
    /// yet running); none when another process holds the lock.
    async fn take_scheduler(&self) -> Result<Option<(Arc<AppScheduler>, SchedulerLock)>> {
        let Some(lock) = SchedulerLock::try_acquire(&self.paths.data_dir)? else {
            let held = crate::scheduler_lock::holder_after_refusal(&self.paths.data_dir)?;
            let previous = self.standby.lock().unwrap_or_else(std::sync::PoisonError::into_inner).replace(held.clone());
            if previous.is_none() {
                tracing::info!(holder = %held.describe(), "another process runs the scheduler; this one waits in standby");
            }
            return Ok(None);
        };
        let scheduler = self.scheduler().await?;
        scheduler.pause_all(self.jobs_paused().await?);
        // Job ends become notifications (approvals waiting, prices applied, failures…), and every
        // announcement reaches this app's listeners (which may have subscribed during standby).
        let mut events = scheduler.subscribe();
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) => {
                        let _ = app.job_events.send(e.clone());
                        if let Event::Finished { will_retry, .. } = e {
                            app.notify_job_end(&event_info(e), will_retry).await;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        *self.standby.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        *self.scheduler.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&scheduler));
        tracing::info!(jobs = scheduler.jobs().len(), "scheduler started");
        Ok(Some((scheduler, lock)))
    }

    /// What other processes may change under a running scheduler: the jobs' schedules and pauses,
    /// new stores' jobs, and the pause of everything.
    async fn jobs_fingerprint(&self) -> Result<String> {
        let mut out = String::new();
        for store in self.db().list_stores().await? {
            out.push_str(&store.id);
            out.push('\n');
        }
        for j in self.db().jobs().await? {
            out.push_str(&format!("{}|{}|{}\n", j.id, j.schedule, j.is_paused));
        }
        out.push_str(if self.jobs_paused().await? { "paused" } else { "running" });
        Ok(out)
    }

    /// Waits for the lock (standby), runs the scheduler until `stop`, and meanwhile every
    /// [`App::scheduler_poll`] picks up changes other processes made (`spo jobs set`, a pause)
    /// and the runs they asked for, and leaves a heartbeat for them to read.
    async fn supervise(self, first: Option<(Arc<AppScheduler>, SchedulerLock)>, stop: spo_agents::CancellationToken) {
        let (scheduler, mut lock) = match first {
            Some(taken) => taken,
            None => loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(self.scheduler_poll) => {}
                }
                match self.take_scheduler().await {
                    Ok(Some(taken)) => {
                        tracing::info!("the other process stopped; this one runs the scheduler now");
                        break taken;
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "could not take over the scheduler; trying again"),
                }
            },
        };
        let run = tokio::spawn(Arc::clone(&scheduler).run(stop.clone(), std::time::Duration::from_secs(30)));
        let mut seen = self.jobs_fingerprint().await.ok();
        // The loop's first heartbeat comes as soon as it runs; other processes read it at once.
        for _ in 0..100 {
            if scheduler.heartbeat().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        loop {
            self.take_run_requests(&scheduler).await;
            if let Some(beat) = scheduler.heartbeat() {
                if let Err(e) = lock.beat(beat) {
                    tracing::warn!(error = %e, "could not record the scheduler's heartbeat");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(self.scheduler_poll) => {}
            }
            match self.jobs_fingerprint().await {
                Ok(now) if seen.as_ref() != Some(&now) => {
                    // A store connected by another process (`spo stores connect`) gets its jobs.
                    if let Err(e) = self.ensure_default_jobs().await {
                        tracing::warn!(error = %e, "could not add the new stores' jobs");
                    }
                    let paused = self.jobs_paused().await.unwrap_or_else(|_| scheduler.is_paused());
                    match scheduler.reload().await {
                        Ok(()) => {
                            scheduler.pause_all(paused);
                            seen = self.jobs_fingerprint().await.ok().or(Some(now));
                            tracing::info!("the scheduler picked up changed jobs");
                        }
                        Err(e) => tracing::warn!(error = %e, "could not reload the jobs; trying again"),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not read the jobs; trying again"),
            }
        }
        let _ = run.await;
        *self.scheduler.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        drop(lock);
    }

    /// Adds the default jobs of stores connected since, and has a running scheduler read them (one
    /// in another process finds them at its next look).
    pub(crate) async fn refresh_scheduler(&self) {
        let result = match self.ensure_default_jobs().await {
            Ok(_) => match self.running_scheduler() {
                Some(s) => s.reload().await.map_err(AppError::Internal),
                None => Ok(()),
            },
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "the scheduler could not pick up the new store's jobs");
        }
    }

    /// Whether everything is paused (the device setting).
    pub async fn jobs_paused(&self) -> Result<bool> {
        Ok(self.db().device_settings().await?.iter().any(|(k, v)| k == KEY_PAUSED && v == "on"))
    }

    pub(crate) fn running_scheduler(&self) -> Option<Arc<AppScheduler>> {
        self.scheduler.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn scheduler_or_err(&self) -> Result<Arc<AppScheduler>> {
        self.running_scheduler().ok_or_else(|| match self.scheduler_mode() {
            SchedulerMode::Standby(h) => AppError::InvalidInput(format!(
                "the background jobs of this data folder run in {}; cancel them there (this window \
                 takes over when it stops)",
                h.describe()
            )),
            _ => AppError::InvalidInput("the background scheduler is not running in this process".into()),
        })
    }

    /// Announcements of job runs of this process's scheduler (also one that starts later, after a
    /// standby).
    pub fn job_events(&self) -> tokio::sync::broadcast::Receiver<Event<JobKind>> {
        self.job_events.subscribe()
    }

    /// The background jobs, with which of them run now.
    pub async fn jobs_info(&self) -> Result<Vec<spo_ipc::JobInfo>> {
        let running = self.running_scheduler().map(|s| s.running()).unwrap_or_default();
        Ok(self
            .db()
            .jobs()
            .await?
            .into_iter()
            .map(|j| spo_ipc::JobInfo {
                running: running.contains(&j.id),
                id: j.id,
                store_id: j.store_id,
                kind: crate::vocab::job_kind::to_ipc(j.kind),
                schedule: j.schedule,
                next_run_at: j.next_run_at,
                paused: j.is_paused,
            })
            .collect())
    }

    /// Recent job runs for the job monitor (all stores, or one), newest first.
    pub async fn job_runs_info(&self, store_id: Option<&str>) -> Result<Vec<spo_ipc::JobRunInfo>> {
        Ok(self
            .db()
            .job_runs(store_id, 200)
            .await?
            .into_iter()
            .map(|r| spo_ipc::JobRunInfo {
                id: r.id,
                job_id: r.job_id,
                kind: Some(crate::vocab::job_kind::to_ipc(r.kind)),
                store_id: r.store_id,
                status: crate::vocab::job_run_status::to_ipc(r.status),
                started_at: r.started_at,
                finished_at: r.finished_at,
                progress: r.progress,
                counts: r.counts,
                error: r.error,
            })
            .collect())
    }

    /// Runs a job as soon as its store is free (also while paused). Where another process runs
    /// the scheduler (or none runs yet), the request is kept for it: it starts the job at its next
    /// look, within [`crate::SCHEDULER_POLL`]. False when there is no such job.
    pub async fn run_job_now(&self, job_id: &str) -> Result<bool> {
        self.ensure_may_write(false).await?;
        match self.running_scheduler() {
            Some(s) => Ok(s.run_now(job_id)),
            None => Ok(self.db().request_job_run(job_id).await?),
        }
    }

    /// Starts the runs other processes asked for.
    async fn take_run_requests(&self, scheduler: &AppScheduler) {
        match self.db().take_job_run_requests().await {
            Ok(ids) => {
                for id in ids {
                    if scheduler.run_now(&id) {
                        tracing::info!(job = %id, "running a job another process asked for");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the run requests; trying again"),
        }
    }

    /// Asks a running job to stop after its current unit of work.
    pub fn cancel_job(&self, job_id: &str) -> Result<bool> {
        Ok(self.scheduler_or_err()?.cancel(job_id))
    }

    /// Pauses or resumes one store's jobs (kept with each job) or everything (kept as a device
    /// setting). Jobs running now finish.
    pub async fn pause_jobs(&self, store_id: Option<&str>, paused: bool) -> Result<bool> {
        match store_id {
            Some(s) => {
                self.db().store(s).await?;
                for j in self.db().jobs().await?.into_iter().filter(|j| j.store_id.as_deref() == Some(s)) {
                    self.db().update_job(&j.id, None, Some(paused)).await?;
                }
                if let Some(sched) = self.running_scheduler() {
                    sched.reload().await.map_err(AppError::Internal)?;
                }
            }
            None => {
                self.db().put_device_settings(&[(KEY_PAUSED, if paused { "on" } else { "off" })], "user:local").await?;
                if let Some(sched) = self.running_scheduler() {
                    sched.pause_all(paused);
                }
            }
        }
        Ok(paused)
    }

    /// Changes a job's schedule (`every 6h` or cron) and/or pauses it.
    pub async fn update_job(&self, job_id: &str, schedule: Option<&str>, paused: Option<bool>) -> Result<()> {
        let parsed = match schedule {
            Some(s) => {
                let sched = Schedule::parse(s).map_err(|e| AppError::InvalidInput(e.to_string()))?;
                let now = self.now();
                let next = sched.next_after(now).map_err(|e| AppError::InvalidInput(e.to_string()))?;
                Some((sched.text(), text_of(next)))
            }
            None => None,
        };
        self.db().update_job(job_id, parsed.as_ref().map(|(a, b)| (a.as_str(), b.as_str())), paused).await?;
        if let Some(sched) = self.running_scheduler() {
            sched.reload().await.map_err(AppError::Internal)?;
        }
        Ok(())
    }
}
