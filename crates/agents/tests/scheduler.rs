//! The scheduler on a paused tokio clock: intervals, catch-up after a long gap runs once, backoff
//! for transient failures and none for permanent ones, cancellation, one job per store at a time,
//! pause and run-now, and schedules that survive a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spo_agents::{
    CancellationToken, Job, JobContext, JobError, JobRunner, JobStore, RunStatus, Schedule, Scheduler, TokioClock,
};

const T0: i64 = 1_795_600_800; // 2026-11-25T10:00:00Z

#[derive(Debug, Clone)]
struct Record {
    job_id: String,
    started: i64,
    finished: Option<i64>,
    status: RunStatus,
    error: Option<String>,
}

/// Schedules and runs in memory; shared between "restarts".
#[derive(Clone, Default)]
struct MemStore {
    jobs: Arc<Mutex<Vec<Job<String>>>>,
    runs: Arc<Mutex<Vec<Record>>>,
}

impl MemStore {
    fn with(jobs: Vec<Job<String>>) -> Self {
        Self { jobs: Arc::new(Mutex::new(jobs)), runs: Arc::default() }
    }
    fn runs(&self) -> Vec<Record> {
        self.runs.lock().expect("lock").clone()
    }
    fn starts_of(&self, job: &str) -> Vec<i64> {
        self.runs().iter().filter(|r| r.job_id == job).map(|r| r.started - T0).collect()
    }
}

impl JobStore for MemStore {
    type Kind = String;

    async fn load(&self) -> Result<Vec<Job<String>>, String> {
        Ok(self.jobs.lock().expect("lock").clone())
    }
    async fn set_next_run(&self, job_id: &str, next_run_at: i64) -> Result<(), String> {
        if let Some(j) = self.jobs.lock().expect("lock").iter_mut().find(|j| j.id == job_id) {
            j.next_run_at = next_run_at;
        }
        Ok(())
    }
    async fn start_run(&self, job: &Job<String>, started_at: i64) -> Result<String, String> {
        let mut runs = self.runs.lock().expect("lock");
        runs.push(Record {
            job_id: job.id.clone(),
            started: started_at,
            finished: None,
            status: RunStatus::Running,
            error: None,
        });
        Ok((runs.len() - 1).to_string())
    }
    async fn progress(&self, _run_id: &str, _fraction: f64) -> Result<(), String> {
        Ok(())
    }
    async fn finish_run(
        &self,
        run_id: &str,
        finished_at: i64,
        status: RunStatus,
        _counts: &str,
        error: Option<&str>,
    ) -> Result<(), String> {
        let mut runs = self.runs.lock().expect("lock");
        let r = &mut runs[run_id.parse::<usize>().map_err(|e| e.to_string())?];
        r.finished = Some(finished_at);
        r.status = status;
        r.error = error.map(str::to_owned);
        Ok(())
    }
}

/// Outcomes of a job's successive runs.
type Outcomes = HashMap<String, Vec<Result<(), JobError>>>;
/// Runs in flight per store, and the most ever seen per store and in all.
type InFlight = (HashMap<String, u32>, u32, u32);

/// What each job does: how long it takes and how its attempts end.
#[derive(Clone, Default)]
struct Script {
    /// Seconds each run takes.
    takes: HashMap<String, u64>,
    /// Outcomes of successive runs (then success).
    outcomes: Arc<Mutex<Outcomes>>,
    /// Runs in flight per store, and the most ever seen at once.
    in_flight: Arc<Mutex<InFlight>>,
}

impl JobRunner for Script {
    type Kind = String;

    async fn run(&self, job: Job<String>, ctx: JobContext) -> Result<String, JobError> {
        let store = job.store_id.clone().unwrap_or_default();
        {
            let mut f = self.in_flight.lock().expect("lock");
            let n = f.0.entry(store.clone()).or_default();
            *n += 1;
            let per_store = *n;
            let total: u32 = f.0.values().sum();
            f.1 = f.1.max(per_store);
            f.2 = f.2.max(total);
        }
        let secs = self.takes.get(&job.id).copied().unwrap_or(1);
        // Work in one-second units, checking for cancellation between them.
        let mut done = 0;
        while done < secs && !ctx.cancel.is_cancelled() {
            tokio::time::sleep(Duration::from_secs(1)).await;
            done += 1;
            ctx.progress(done, secs);
        }
        *self.in_flight.lock().expect("lock").0.get_mut(&store).expect("counted") -= 1;
        let next = {
            let mut o = self.outcomes.lock().expect("lock");
            let list = o.entry(job.id.clone()).or_default();
            if list.is_empty() {
                Ok(())
            } else {
                list.remove(0)
            }
        };
        next.map(|()| format!("{{\"units\":{done}}}"))
    }
}

fn job(id: &str, store: Option<&str>, every: &str, next: i64) -> Job<String> {
    Job {
        id: id.into(),
        kind: id.into(),
        store_id: store.map(str::to_owned),
        schedule: Schedule::parse(every).expect("schedule"),
        next_run_at: next,
        paused: false,
        jitter_secs: 0,
    }
}

async fn start(
    store: &MemStore,
    script: &Script,
    max: usize,
) -> (Arc<Scheduler<MemStore, Script, TokioClock>>, CancellationToken, tokio::task::JoinHandle<()>) {
    let s = Scheduler::new(store.clone(), script.clone(), TokioClock::starting_at(T0), max).await.expect("scheduler");
    let stop = CancellationToken::new();
    let handle = tokio::spawn(Arc::clone(&s).run(stop.clone(), Duration::from_secs(30)));
    (s, stop, handle)
}

async fn wait(secs: u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

#[tokio::test(start_paused = true)]
async fn intervals_and_a_long_gap_caught_up_once() {
    // "sync" was due ten days ago (the laptop slept); "check" is due in a minute.
    let store = MemStore::with(vec![
        job("sync", Some("a"), "every 1h", T0 - 10 * 86_400),
        job("check", Some("b"), "every 10m", T0 + 60),
    ]);
    let (_s, stop, handle) = start(&store, &Script::default(), 4).await;
    wait(3 * 3600 + 30).await;
    stop.cancel();
    handle.await.expect("stopped");
    assert_eq!(store.starts_of("sync"), vec![0, 3600, 7200, 10_800], "once for the gap, then hourly");
    let checks = store.starts_of("check");
    assert_eq!(checks.first(), Some(&60));
    assert!(checks.windows(2).all(|w| w[1] - w[0] == 600), "{checks:?}");
    assert_eq!(checks.len(), 18, "60 s, then every 600 s up to 3 h 30 s");
    assert!(store.runs().iter().all(|r| r.status == RunStatus::Succeeded));
    // The next run was kept with the schedule.
    let kept = store.jobs.lock().expect("lock").iter().find(|j| j.id == "sync").map(|j| j.next_run_at);
    assert_eq!(kept, Some(T0 + 4 * 3600));
}

#[tokio::test(start_paused = true)]
async fn transient_failures_back_off_permanent_ones_wait_for_the_next_run() {
    let store = MemStore::with(vec![job("flaky", Some("a"), "every 1d", T0), job("broken", Some("b"), "every 1d", T0)]);
    let script = Script::default();
    script.outcomes.lock().expect("lock").insert(
        "flaky".into(),
        vec![Err(JobError::Transient("timeout".into())), Err(JobError::Transient("429".into()))],
    );
    script
        .outcomes
        .lock()
        .expect("lock")
        .insert("broken".into(), vec![Err(JobError::Permanent("authorization lost".into()))]);
    let (_s, stop, handle) = start(&store, &script, 4).await;
    wait(3600).await;
    stop.cancel();
    handle.await.expect("stopped");
    // Each run takes a second: retries 30 s and 60 s after the failures.
    assert_eq!(store.starts_of("flaky"), vec![0, 31, 92]);
    let flaky: Vec<RunStatus> = store.runs().iter().filter(|r| r.job_id == "flaky").map(|r| r.status).collect();
    assert_eq!(flaky, [RunStatus::Failed, RunStatus::Failed, RunStatus::Succeeded]);
    assert_eq!(store.starts_of("broken"), vec![0], "a permanent failure is not retried");
    let broken = store.runs().into_iter().find(|r| r.job_id == "broken").expect("run");
    assert_eq!(broken.error.as_deref(), Some("authorization lost"));
}

#[tokio::test(start_paused = true)]
async fn a_store_runs_one_job_at_a_time_within_a_global_limit() {
    let store = MemStore::with(vec![
        job("a1", Some("a"), "every 1h", T0),
        job("a2", Some("a"), "every 1h", T0),
        job("a3", Some("a"), "every 1h", T0),
        job("b1", Some("b"), "every 1h", T0),
        job("c1", Some("c"), "every 1h", T0),
        job("d1", Some("d"), "every 1h", T0),
    ]);
    let mut script = Script::default();
    for id in ["a1", "a2", "a3", "b1", "c1", "d1"] {
        script.takes.insert(id.into(), 100);
    }
    let (_s, stop, handle) = start(&store, &script, 2).await;
    wait(1000).await;
    stop.cancel();
    handle.await.expect("stopped");
    let (_, per_store, total) = *script.in_flight.lock().expect("lock");
    assert_eq!((per_store, total), (1, 2), "one per store, two at most");
    assert_eq!(store.runs().len(), 6, "all ran");
    let mut a: Vec<i64> = ["a1", "a2", "a3"].iter().flat_map(|j| store.starts_of(j)).collect();
    a.sort_unstable();
    assert!(a.windows(2).all(|w| w[1] - w[0] >= 100), "store a's jobs never overlap: {a:?}");
}

#[tokio::test(start_paused = true)]
async fn cancel_pause_and_run_now() {
    let store =
        MemStore::with(vec![job("long", Some("a"), "every 1d", T0), job("other", Some("b"), "every 1d", T0 + 600)]);
    let mut script = Script::default();
    script.takes.insert("long".into(), 3600);
    let (s, stop, handle) = start(&store, &script, 4).await;
    wait(10).await;
    assert_eq!(s.running(), vec!["long".to_owned()]);
    assert!(s.cancel("long"));
    wait(5).await;
    let long = store.runs().into_iter().find(|r| r.job_id == "long").expect("run");
    assert_eq!(long.status, RunStatus::Cancelled);
    assert!(long.finished.expect("ended") - long.started <= 12, "stopped at the next unit of work");
    assert!(!s.cancel("long"), "not running any more");

    // Paused stores and a paused scheduler run nothing, not even what falls due meanwhile.
    s.pause_store("b", true);
    wait(1200).await;
    assert!(store.starts_of("other").is_empty());
    s.pause_store("b", false);
    wait(5).await;
    assert_eq!(store.starts_of("other"), vec![1215], "resumed: the missed run once");
    s.pause_all(true);
    assert!(s.run_now("other"), "run now works while paused");
    wait(5).await;
    assert_eq!(store.starts_of("other").len(), 2);
    assert!(!s.run_now("nope"));
    stop.cancel();
    handle.await.expect("stopped");
}

#[tokio::test(start_paused = true)]
async fn schedules_survive_a_restart() {
    let store = MemStore::with(vec![job("daily", Some("a"), "every 1d", T0)]);
    let (_s, stop, handle) = start(&store, &Script::default(), 4).await;
    wait(60).await;
    stop.cancel();
    handle.await.expect("stopped");
    assert_eq!(store.starts_of("daily"), vec![0]);
    // A new scheduler (the app restarted) reads the kept next run and does not run it again early.
    let (_s, stop, handle) = start(&store, &Script::default(), 4).await;
    wait(3600).await;
    stop.cancel();
    handle.await.expect("stopped");
    assert_eq!(store.starts_of("daily"), vec![0], "not before the next day");
}

#[tokio::test(start_paused = true)]
async fn the_heartbeat_beats_at_least_once_a_minute_while_nothing_is_due() {
    let store = MemStore::with(vec![job("daily", Some("a"), "every 1d", T0 + 86_400)]);
    let (s, stop, handle) = start(&store, &Script::default(), 2).await;
    let mut waited = 0;
    for minutes in [1, 7, 30] {
        wait(minutes * 60 + 5).await;
        waited += minutes * 60 + 5;
        let beat = s.heartbeat().expect("the loop has run");
        let now = T0 + i64::try_from(waited).unwrap_or(0);
        assert!(beat <= now && now - beat <= 60, "beat {} s ago", now - beat);
    }
    stop.cancel();
    handle.await.expect("stopped");
    assert!(store.runs().is_empty(), "nothing was due");
}
