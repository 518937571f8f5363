//! The background scheduler: the pricing agents' and housekeeping jobs run here, inside the app
//! or `spo daemon`, not in a separate worker fleet.
//!
//! - Schedules are persisted by a [`JobStore`] (next run time, paused); the next run is computed
//!   from *now* when a job starts, so after sleep or downtime a missed job runs once, not once per
//!   missed tick. Each job may add jitter.
//! - Jobs of one store run one at a time; at most `max_concurrent` run at all.
//! - Pause per job, per store and for everything; "run now".
//! - A failure the runner calls [`JobError::Transient`] is retried with exponential backoff
//!   (30 s, 60 s, 120 s; at most [`MAX_ATTEMPTS`] attempts), a [`JobError::Permanent`] one is not.
//! - Cancellation is cooperative: the runner gets a token and stops between units of work, so
//!   nothing is left half-done; the run is recorded as cancelled.
//! - Every run is recorded (start, end, status, counts, error, progress) and announced as an
//!   [`Event`] for the UI.
//!
//! Time comes from a [`Clock`]; sleeping uses tokio's timer, so tests run on a paused clock
//! ([`TokioClock`] follows it).

pub mod schedule;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use schedule::{Schedule, ScheduleError};
use tokio::sync::{broadcast, Notify};
pub use tokio_util::sync::CancellationToken;

/// Attempts of one due run (the first and its retries) before waiting for the next schedule.
pub const MAX_ATTEMPTS: u32 = 4;
/// The first retry's delay; each next one doubles, up to [`MAX_BACKOFF_SECS`].
pub const FIRST_BACKOFF_SECS: i64 = 30;
/// The longest delay between retries.
pub const MAX_BACKOFF_SECS: i64 = 30 * 60;

/// What a job does, as the application names it (an enum of its job kinds). The scheduler only
/// carries it to the runner, the store and the events, and shows it in logs.
pub trait JobKind: Clone + Eq + std::fmt::Debug + std::fmt::Display + Send + Sync + 'static {}

impl<T: Clone + Eq + std::fmt::Debug + std::fmt::Display + Send + Sync + 'static> JobKind for T {}

/// A scheduled job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job<K> {
    /// Stable id.
    pub id: String,
    /// What it does.
    pub kind: K,
    /// The store it works on (none: a global job).
    pub store_id: Option<String>,
    /// When it runs.
    pub schedule: Schedule,
    /// Next run (Unix seconds).
    pub next_run_at: i64,
    /// Paused.
    pub paused: bool,
    /// Up to this many seconds are added to each next run.
    pub jitter_secs: u32,
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth trying again soon (network, rate limit, busy).
    #[error("{0}")]
    Transient(String),
    /// Not worth retrying (bad settings, lost authorization).
    #[error("{0}")]
    Permanent(String),
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still going.
    Running,
    /// Done.
    Succeeded,
    /// Failed (see the error).
    Failed,
    /// Stopped on request.
    Cancelled,
}

impl RunStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

/// What the scheduler announces.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<K> {
    /// A run started.
    Started {
        /// Run id (from the store).
        run_id: String,
        /// The job.
        job_id: String,
        /// Its kind.
        kind: K,
        /// Its store.
        store_id: Option<String>,
    },
    /// A run's progress, 0–1.
    Progress {
        /// Run id.
        run_id: String,
        /// Done so far.
        fraction: f64,
    },
    /// A run ended.
    Finished {
        /// Run id.
        run_id: String,
        /// The job.
        job_id: String,
        /// Its kind.
        kind: K,
        /// Its store.
        store_id: Option<String>,
        /// How.
        status: RunStatus,
        /// What it did (the runner's JSON).
        counts: String,
        /// What failed.
        error: Option<String>,
        /// A failed run that will be retried soon (false: it gave up until its next scheduled run).
        will_retry: bool,
    },
}

/// Where schedules and runs are kept.
pub trait JobStore: Send + Sync + 'static {
    /// The application's job kinds.
    type Kind: JobKind;
    /// Every job.
    fn load(&self) -> impl Future<Output = Result<Vec<Job<Self::Kind>>, String>> + Send;
    /// Keeps a job's next run time.
    fn set_next_run(&self, job_id: &str, next_run_at: i64) -> impl Future<Output = Result<(), String>> + Send;
    /// Records a run's start; returns its id.
    fn start_run(&self, job: &Job<Self::Kind>, started_at: i64) -> impl Future<Output = Result<String, String>> + Send;
    /// Records a run's progress.
    fn progress(&self, run_id: &str, fraction: f64) -> impl Future<Output = Result<(), String>> + Send;
    /// Records a run's end.
    fn finish_run(
        &self,
        run_id: &str,
        finished_at: i64,
        status: RunStatus,
        counts: &str,
        error: Option<&str>,
    ) -> impl Future<Output = Result<(), String>> + Send;
}

/// Does the work of a job.
pub trait JobRunner: Send + Sync + 'static {
    /// The application's job kinds.
    type Kind: JobKind;
    /// Runs `job` once; returns its counts as JSON. Should stop cleanly soon after
    /// `ctx.cancel` fires.
    fn run(&self, job: Job<Self::Kind>, ctx: JobContext) -> impl Future<Output = Result<String, JobError>> + Send;
}

/// Wall-clock time (Unix seconds).
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that starts at `base` and follows tokio's (possibly paused) timer: tests move it with
/// `tokio::time::advance`.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    base: i64,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// Now is `base`.
    pub fn starting_at(base: i64) -> Self {
        Self { base, start: tokio::time::Instant::now() }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> i64 {
        self.base + i64::try_from(self.start.elapsed().as_secs()).unwrap_or(i64::MAX)
    }
}

/// Given to a runner: the cancellation token and a way to report progress.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// Fires when the run should stop.
    pub cancel: CancellationToken,
    progress: tokio::sync::mpsc::UnboundedSender<f64>,
}

impl JobContext {
    /// Reports `done` of `total` units.
    pub fn progress(&self, done: u64, total: u64) {
        let fraction = if total == 0 { 1.0 } else { (done as f64 / total as f64).clamp(0.0, 1.0) };
        let _ = self.progress.send(fraction);
    }
}

#[derive(Debug, Clone)]
struct Slot<K> {
    job: Job<K>,
    /// A retry time that comes before the next scheduled run.
    retry_at: Option<i64>,
    /// Failed attempts of the current due run.
    attempts: u32,
    /// "Run now" was asked.
    forced: bool,
}

struct State<K> {
    slots: Vec<Slot<K>>,
    running: HashMap<String, CancellationToken>,
    busy_stores: HashSet<String>,
    paused_stores: HashSet<String>,
    paused_all: bool,
    heartbeat: Option<i64>,
}

impl<K> Default for State<K> {
    fn default() -> Self {
        State {
            slots: Vec::new(),
            running: HashMap::new(),
            busy_stores: HashSet::new(),
            paused_stores: HashSet::new(),
            paused_all: false,
            heartbeat: None,
        }
    }
}

/// A job to start now, its cancellation, and whether its next run time changed (to be kept).
type Due<K> = (Job<K>, CancellationToken, bool);

/// The longest the scheduling loop sleeps.
pub const HEARTBEAT: Duration = Duration::from_secs(60);

/// The scheduler.
pub struct Scheduler<S: JobStore, R: JobRunner<Kind = S::Kind>, C: Clock> {
    store: S,
    runner: R,
    clock: C,
    max_concurrent: usize,
    state: Mutex<State<S::Kind>>,
    wake: Notify,
    events: broadcast::Sender<Event<S::Kind>>,
}

impl<S: JobStore, R: JobRunner<Kind = S::Kind>, C: Clock> std::fmt::Debug for Scheduler<S, R, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler").field("max_concurrent", &self.max_concurrent).finish_non_exhaustive()
    }
}

fn jitter(job_id: &str, at: i64, max: u32) -> i64 {
    if max == 0 {
        return 0;
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (job_id, at).hash(&mut h);
    i64::try_from(h.finish() % u64::from(max)).unwrap_or(0)
}

/// The delay before retry number `attempt` (1-based).
pub fn backoff_secs(attempt: u32) -> i64 {
    FIRST_BACKOFF_SECS.saturating_mul(1i64 << attempt.saturating_sub(1).min(20)).min(MAX_BACKOFF_SECS)
}

impl<S: JobStore, R: JobRunner<Kind = S::Kind>, C: Clock> Scheduler<S, R, C> {
    /// A scheduler over the jobs `store` holds. Nothing runs until [`Scheduler::run`].
    pub async fn new(store: S, runner: R, clock: C, max_concurrent: usize) -> Result<Arc<Self>, String> {
        let jobs = store.load().await?;
        let (events, _) = broadcast::channel(256);
        Ok(Arc::new(Self {
            store,
            runner,
            clock,
            max_concurrent: max_concurrent.max(1),
            state: Mutex::new(State {
                slots: jobs.into_iter().map(|job| Slot { job, retry_at: None, attempts: 0, forced: false }).collect(),
                ..State::default()
            }),
            wake: Notify::new(),
            events,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, State<S::Kind>> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// When the scheduling loop last woke (Unix seconds); at most [`HEARTBEAT`] ago while it runs.
    pub fn heartbeat(&self) -> Option<i64> {
        self.lock().heartbeat
    }

    /// Announcements of runs starting, progressing and ending.
    pub fn subscribe(&self) -> broadcast::Receiver<Event<S::Kind>> {
        self.events.subscribe()
    }

    /// The jobs as the scheduler sees them now.
    pub fn jobs(&self) -> Vec<Job<S::Kind>> {
        self.lock().slots.iter().map(|s| s.job.clone()).collect()
    }

    /// Jobs running now.
    pub fn running(&self) -> Vec<String> {
        self.lock().running.keys().cloned().collect()
    }

    /// Re-reads the jobs from the store (after a schedule was added or changed), keeping what
    /// runs.
    pub async fn reload(&self) -> Result<(), String> {
        let jobs = self.store.load().await?;
        {
            let mut st = self.lock();
            let old: HashMap<String, Slot<S::Kind>> = st.slots.drain(..).map(|s| (s.job.id.clone(), s)).collect();
            st.slots = jobs
                .into_iter()
                .map(|job| match old.get(&job.id) {
                    Some(s) => Slot { job, ..s.clone() },
                    None => Slot { job, retry_at: None, attempts: 0, forced: false },
                })
                .collect();
        }
        self.wake.notify_one();
        Ok(())
    }

    /// Runs a job as soon as its store is free. False when there is no such job.
    pub fn run_now(&self, job_id: &str) -> bool {
        let found = {
            let mut st = self.lock();
            match st.slots.iter_mut().find(|s| s.job.id == job_id) {
                Some(s) => {
                    s.forced = true;
                    true
                }
                None => false,
            }
        };
        self.wake.notify_one();
        found
    }

    /// Asks a running job to stop. False when it is not running.
    pub fn cancel(&self, job_id: &str) -> bool {
        self.lock().running.get(job_id).map(CancellationToken::cancel).is_some()
    }

    /// Pauses or resumes a store's jobs (those running finish).
    pub fn pause_store(&self, store_id: &str, paused: bool) {
        {
            let mut st = self.lock();
            if paused {
                st.paused_stores.insert(store_id.to_owned());
            } else {
                st.paused_stores.remove(store_id);
            }
        }
        self.wake.notify_one();
    }

    /// Pauses or resumes everything.
    pub fn pause_all(&self, paused: bool) {
        self.lock().paused_all = paused;
        self.wake.notify_one();
    }

    /// Whether everything is paused.
    pub fn is_paused(&self) -> bool {
        self.lock().paused_all
    }

    /// Starts what is due and may start; returns the jobs started (with their tokens) and the
    /// earliest time something else becomes due.
    fn take_due(&self, now: i64) -> (Vec<Due<S::Kind>>, Option<i64>) {
        let mut st = self.lock();
        let mut started = Vec::new();
        let mut earliest: Option<i64> = None;
        let paused_all = st.paused_all;
        let mut order: Vec<usize> = (0..st.slots.len()).collect();
        order.sort_by_key(|&i| {
            let s = &st.slots[i];
            if s.forced {
                i64::MIN
            } else {
                s.retry_at.unwrap_or(s.job.next_run_at)
            }
        });
        for i in order {
            let (id, store_id, paused, due_at) = {
                let s = &st.slots[i];
                let due = if s.forced { now } else { s.retry_at.unwrap_or(s.job.next_run_at) };
                (s.job.id.clone(), s.job.store_id.clone(), s.job.paused, due)
            };
            let store_paused = store_id.as_ref().is_some_and(|s| st.paused_stores.contains(s));
            if (paused_all || paused || store_paused) && !st.slots[i].forced {
                continue;
            }
            if st.running.contains_key(&id) {
                continue;
            }
            if due_at > now {
                earliest = Some(earliest.map_or(due_at, |e: i64| e.min(due_at)));
                continue;
            }
            if store_id.as_ref().is_some_and(|s| st.busy_stores.contains(s)) || st.running.len() >= self.max_concurrent
            {
                continue;
            }
            let token = CancellationToken::new();
            st.running.insert(id.clone(), token.clone());
            if let Some(s) = &store_id {
                st.busy_stores.insert(s.clone());
            }
            let slot = &mut st.slots[i];
            let retry = slot.retry_at.is_some() && !slot.forced;
            slot.forced = false;
            slot.retry_at = None;
            let mut persist = false;
            if !retry {
                // From now: a long gap is caught up once, not once per missed tick.
                let base = slot.job.schedule.next_after(now).unwrap_or(now + 86_400);
                slot.job.next_run_at = base + jitter(&slot.job.id, base, slot.job.jitter_secs);
                persist = true;
            }
            started.push((slot.job.clone(), token, persist));
        }
        (started, earliest)
    }

    async fn execute(self: Arc<Self>, job: Job<S::Kind>, token: CancellationToken) {
        let started_at = self.clock.now();
        let run_id = match self.store.start_run(&job, started_at).await {
            Ok(id) => id,
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "could not record a run's start");
                format!("unrecorded-{}-{started_at}", job.id)
            }
        };
        let _ = self.events.send(Event::Started {
            run_id: run_id.clone(),
            job_id: job.id.clone(),
            kind: job.kind.clone(),
            store_id: job.store_id.clone(),
        });
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<f64>();
        let ctx = JobContext { cancel: token.clone(), progress: tx };
        let work = self.runner.run(job.clone(), ctx);
        tokio::pin!(work);
        let result = loop {
            tokio::select! {
                r = &mut work => break r,
                Some(f) = rx.recv() => {
                    let _ = self.store.progress(&run_id, f).await;
                    let _ = self.events.send(Event::Progress { run_id: run_id.clone(), fraction: f });
                }
            }
        };
        let now = self.clock.now();
        let (status, counts, error) = match (&result, token.is_cancelled()) {
            (_, true) => (RunStatus::Cancelled, result.as_ref().map_or("{}".to_owned(), Clone::clone), None),
            (Ok(c), false) => (RunStatus::Succeeded, c.clone(), None),
            (Err(e), false) => (RunStatus::Failed, "{}".to_owned(), Some(e.to_string())),
        };
        if let Err(e) = self.store.finish_run(&run_id, now, status, &counts, error.as_deref()).await {
            tracing::warn!(job = %job.id, error = %e, "could not record a run's end");
        }
        let will_retry = {
            let mut st = self.lock();
            st.running.remove(&job.id);
            if let Some(s) = &job.store_id {
                st.busy_stores.remove(s);
            }
            if let Some(slot) = st.slots.iter_mut().find(|s| s.job.id == job.id) {
                match (&result, status) {
                    (Err(JobError::Transient(_)), RunStatus::Failed) if slot.attempts + 1 < MAX_ATTEMPTS => {
                        slot.attempts += 1;
                        let at = now + backoff_secs(slot.attempts);
                        // A retry only when it comes before the next scheduled run.
                        slot.retry_at = (at < slot.job.next_run_at).then_some(at);
                    }
                    _ => {
                        slot.attempts = 0;
                        slot.retry_at = None;
                    }
                }
            }
            st.slots.iter().find(|s| s.job.id == job.id).is_some_and(|s| s.retry_at.is_some())
        };
        tracing::info!(job = %job.id, kind = %job.kind, status = status.as_str(), error = ?error, "job run ended");
        let _ = self.events.send(Event::Finished {
            run_id,
            job_id: job.id.clone(),
            kind: job.kind.clone(),
            store_id: job.store_id.clone(),
            status,
            counts,
            error,
            will_retry,
        });
        self.wake.notify_one();
    }

    /// Runs until `shutdown` fires; then asks running jobs to stop and waits for them (up to
    /// `grace`).
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken, grace: Duration) {
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            let now = self.clock.now();
            self.lock().heartbeat = Some(now);
            let (due, earliest) = self.take_due(now);
            for (job, token, persist) in due {
                if persist {
                    if let Err(e) = self.store.set_next_run(&job.id, job.next_run_at).await {
                        tracing::warn!(job = %job.id, error = %e, "could not keep the next run time");
                    }
                }
                tasks.spawn(Arc::clone(&self).execute(job, token));
            }
            while tasks.try_join_next().is_some() {}
            // Wake at least once a minute: the heartbeat shows the loop is alive, and a clock that
            // jumped (sleep, a changed system time) is noticed within a minute.
            let wait = earliest
                .map_or(HEARTBEAT, |t| {
                    Duration::from_secs(u64::try_from((t - now).max(0)).unwrap_or(0)).max(Duration::from_millis(1))
                })
                .min(HEARTBEAT);
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        for token in self.lock().running.values() {
            token.cancel();
        }
        let _ = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!((1..=4).map(backoff_secs).collect::<Vec<_>>(), vec![30, 60, 120, 240]);
        assert_eq!(backoff_secs(30), MAX_BACKOFF_SECS);
        assert!((0..100).all(|i| jitter("job", i, 60) < 60));
        assert_eq!(jitter("job", 5, 0), 0);
    }
}
