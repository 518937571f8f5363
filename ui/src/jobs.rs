//! The job monitor (top of the Runs screen): the background jobs of the active store and the
//! app-wide ones with their schedule, next run and live progress (run now, cancel, pause), and
//! the history of job runs filtered by store, job and status.

use spo_ipc::{JobInfo, JobKind, JobRunInfo, JobRunStatus, Language, SchedulerStatus};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::competitors::local_time;
use crate::hooks::{input_value, use_store, OrToast};
use crate::i18n::{digits, every_text, list_sep, tr, Unit, T};
use crate::state::Action;

/// How often the monitor looks again while another process runs the jobs.
const STANDBY_RELOAD_MS: u32 = 10_000;

/// A schedule in words: `every 6h` → "Every 6 hours"; `M H * * *` → "Daily at HH:MM"; other cron
/// expressions as they are.
pub fn schedule_text(lang: Language, schedule: &str) -> String {
    if let Some(every) = schedule.strip_prefix("every ") {
        let (n, unit) = every.split_at(every.len().saturating_sub(1));
        let unit = match unit {
            "m" => Some(Unit::Minute),
            "h" => Some(Unit::Hour),
            "d" => Some(Unit::Day),
            _ => None,
        };
        if let (Ok(n), Some(unit)) = (n.parse::<u32>(), unit) {
            return every_text(lang, n, unit);
        }
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if let [m, h, "*", "*", "*"] = fields.as_slice() {
        if let (Ok(m), Ok(h)) = (m.parse::<u32>(), h.parse::<u32>()) {
            return format!("{} {}", tr(lang, T::DailyAt), digits(lang, &format!("{h:02}:{m:02}")));
        }
    }
    schedule.to_owned()
}

/// What a run did, from its counts JSON, in words (ids and zero counts left out).
pub fn counts_text(lang: Language, counts: &str) -> String {
    let parsed: serde_json::Value = serde_json::from_str(counts).unwrap_or_default();
    let Some(map) = parsed.as_object() else { return String::new() };
    map.iter()
        .filter_map(|(k, v)| {
            let label = match k.as_str() {
                "imported" => T::CountImported,
                "unchanged" => T::StepUnchanged,
                "removed" => T::CountRemoved,
                "orderLines" => T::CountOrderLines,
                "checked" => T::CountChecked,
                "failed" => T::CountFailed,
                "proposed" => T::ColProposed,
                "applied" => T::ColApplied,
                "expired" => T::CountExpired,
                "observations_deleted" => T::CountDeleted,
                "file" => T::CountFile,
                "skipped" => T::CountSkipped,
                _ => return None,
            };
            let value = match v {
                serde_json::Value::Number(n) if n.as_u64() == Some(0) => return None,
                serde_json::Value::Number(n) => digits(lang, &n.to_string()),
                // Why a run did nothing, in words.
                serde_json::Value::String(s) if k == "skipped" => match s.as_str() {
                    "runs_on_another_seat" | "held_by_another_seat" => tr(lang, T::SkipRunsElsewhere).to_owned(),
                    "team_unreachable" => tr(lang, T::SkipTeamUnreachable).to_owned(),
                    "needs_reconnect" => tr(lang, T::SkipNeedsReconnect).to_owned(),
                    other => other.to_owned(),
                },
                serde_json::Value::String(s) => s.clone(),
                _ => return None,
            };
            Some(if v.is_string() && k == "skipped" {
                format!("{}: {value}", tr(lang, label))
            } else {
                format!("{} {value}", tr(lang, label))
            })
        })
        .collect::<Vec<_>>()
        .join(list_sep(lang))
}

fn status_pill(status: JobRunStatus) -> (&'static str, T) {
    match status {
        JobRunStatus::Succeeded => ("pill pill--ok", T::RunSucceeded),
        JobRunStatus::Running => ("pill", T::RunRunning),
        JobRunStatus::Cancelled => ("pill pill--warn", T::JobCancelled),
        JobRunStatus::Failed => ("pill pill--fail", T::RunFailed),
    }
}

/// The monitor.
#[component]
pub fn JobMonitor() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    // A viewer seat of a team watches the jobs but does not start them (the button says why).
    let viewer = store.team_refusal(false).map(|t| tr(lang, t).to_owned());
    let store_id = store.active().map(|s| s.id.clone());
    let jobs = use_state(Vec::<JobInfo>::new);
    let runs = use_state(Vec::<JobRunInfo>::new);
    // Only one process runs the jobs: in standby this app shows them but cannot run or cancel them.
    let status = use_state(|| SchedulerStatus { running_here: true, elsewhere: None });
    let all_stores = use_state(|| false);
    let kind_filter = use_state(String::new);
    let status_filter = use_state(String::new);
    // The job whose schedule is being edited, and the text typed.
    let editing = use_state(|| None::<(String, String)>);
    let reload = {
        let (jobs, runs, store, sid, all) = (jobs.clone(), runs.clone(), store.clone(), store_id.clone(), *all_stores);
        let status = status.clone();
        Callback::from(move |_: ()| {
            let (jobs, runs, store, sid, status) =
                (jobs.clone(), runs.clone(), store.clone(), sid.clone(), status.clone());
            spawn_local(async move {
                if let Some(s) = api::scheduler_status().await.or_toast(&store) {
                    status.set(s);
                }
                if let Some(list) = api::list_jobs().await.or_toast(&store) {
                    jobs.set(list);
                }
                if let Some(list) = api::list_job_runs(if all { None } else { sid }).await.or_toast(&store) {
                    runs.set(list);
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((store_id.clone(), store.jobs_version, *all_stores), move |_| reload.emit(()));
    }
    // In standby the runs happen in the other process, which sends this window no events: look
    // again every 10 s.
    {
        let reload = reload.clone();
        use_effect_with(status.running_here, move |here| {
            let timer =
                (!*here).then(|| gloo_timers::callback::Interval::new(STANDBY_RELOAD_MS, move || reload.emit(())));
            move || drop(timer)
        });
    }
    let act = |job_id: String, cancel: bool| {
        let (store, reload) = (store.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, reload, job_id) = (store.clone(), reload.clone(), job_id.clone());
            spawn_local(async move {
                let r = if cancel { api::cancel_job(job_id).await } else { api::run_job_now(job_id).await };
                if r.or_toast(&store).is_some() {
                    reload.emit(());
                }
            });
        })
    };
    let pause = |target: Option<String>, paused: bool| {
        let (store, reload) = (store.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, reload, target) = (store.clone(), reload.clone(), target.clone());
            spawn_local(async move {
                if api::pause_jobs(target, paused).await.or_toast(&store).is_some() {
                    reload.emit(());
                }
            });
        })
    };
    let save_schedule = {
        let (store, jobs, editing) = (store.clone(), jobs.clone(), editing.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some((job_id, text)) = (*editing).clone() else { return };
            let (store, jobs, editing) = (store.clone(), jobs.clone(), editing.clone());
            spawn_local(async move {
                if let Some(list) = api::update_job(job_id, Some(text.trim().to_owned()), None).await.or_toast(&store) {
                    jobs.set(list);
                    editing.set(None);
                    store.dispatch(Action::Saved);
                }
            });
        })
    };
    let mut shown: Vec<&JobInfo> = jobs.iter().filter(|j| j.store_id.is_none() || j.store_id == store_id).collect();
    shown.sort_by_key(|j| (j.store_id.is_none(), j.kind));
    let store_jobs_paused =
        shown.iter().any(|j| j.store_id.is_some()) && shown.iter().filter(|j| j.store_id.is_some()).all(|j| j.paused);
    let store_name = |id: &Option<String>| match id {
        Some(id) => store.stores.iter().find(|s| &s.id == id).map_or_else(|| id.clone(), |s| s.name.clone()),
        None => tr(lang, T::AllStores).to_owned(),
    };
    let history: Vec<&JobRunInfo> = runs
        .iter()
        .filter(|r| kind_filter.is_empty() || r.kind.is_some_and(|k| k.as_str() == *kind_filter))
        .filter(|r| status_filter.is_empty() || r.status.as_str() == *status_filter)
        .collect();
    let on_select = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let value = e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            state.set(value);
        })
    };
    let on_scope = {
        let all_stores = all_stores.clone();
        Callback::from(move |e: Event| {
            let value = e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            all_stores.set(value == "all");
        })
    };
    html! {
        <>
        if let Some(who) = status.elsewhere.as_ref().filter(|_| !status.running_here) {
            <div class="banner banner--warn" id="jobs-elsewhere">
                { tr(lang, T::JobsRunElsewhere) }{ " " }<bdi dir="ltr">{ who.clone() }</bdi>{ ". " }{ tr(lang, T::JobsRunElsewhereHint) }
            </div>
        }
        <div class="card table-card" id="jobs-card">
            <div class="card__header">
                <h2>{ tr(lang, T::JobsTitle) }</h2>
                <div class="inline-form">
                    if store_id.is_some() {
                        <button class="btn btn--ghost" id="jobs-pause-store" onclick={pause(store_id.clone(), !store_jobs_paused)}>
                            { tr(lang, if store_jobs_paused { T::ResumeStoreJobs } else { T::PauseStoreJobs }) }
                        </button>
                    }
                </div>
            </div>
            <table class="table" id="jobs-table">
                <thead><tr>
                    <th>{ tr(lang, T::ColJob) }</th>
                    <th>{ tr(lang, T::ColSchedule) }</th>
                    <th>{ tr(lang, T::ColNextRun) }</th>
                    <th>{ tr(lang, T::ColStatus) }</th>
                    <th></th>
                </tr></thead>
                <tbody>
                { for shown.iter().map(|j| {
                    let progress = j.running.then(|| {
                        runs.iter().find(|r| r.job_id == j.id && r.status == JobRunStatus::Running)
                            .and_then(|r| store.job_progress.iter().find(|(id, _)| *id == r.id).map(|(_, f)| *f))
                            .unwrap_or(0.0)
                    });
                    html! {
                        <tr key={j.id.clone()} class="job-row" data-kind={j.kind.as_str()} data-running={j.running.to_string()}>
                            <td>{ j.kind.name(lang) }
                                if j.store_id.is_none() { <span class="muted">{ format!(" ({})", tr(lang, T::AllStores)) }</span> }
                            </td>
                            <td>
                                if editing.as_ref().is_some_and(|(id, _)| *id == j.id) {
                                    <form class="inline-form" onsubmit={save_schedule.clone()}>
                                        <input class="input input--short job-schedule-input" dir="ltr" placeholder="every 6h · 0 4 * * *"
                                            value={editing.as_ref().map(|(_, t)| t.clone()).unwrap_or_default()}
                                            oninput={ let (editing, id) = (editing.clone(), j.id.clone());
                                                Callback::from(move |e: InputEvent| editing.set(Some((id.clone(), input_value(&e))))) } />
                                        <button type="submit" class="btn btn--secondary job-schedule-save">{ tr(lang, T::Save) }</button>
                                    </form>
                                } else {
                                    <bdi>{ schedule_text(lang, &j.schedule) }</bdi>
                                    { " " }
                                    <button class="btn btn--ghost btn--small job-edit" title={tr(lang, T::EditSchedule)}
                                        onclick={ let (editing, id, text) = (editing.clone(), j.id.clone(), j.schedule.clone());
                                            Callback::from(move |_: MouseEvent| editing.set(Some((id.clone(), text.clone())))) }>
                                        { tr(lang, T::Edit) }
                                    </button>
                                }
                            </td>
                            <td><bdi dir="ltr">{ j.next_run_at.as_deref().map(|t| digits(lang, &local_time(t))).unwrap_or_else(|| "—".into()) }</bdi></td>
                            <td>
                                if let Some(p) = progress {
                                    <span class="job-progress">
                                        <span class="pill">{ tr(lang, T::RunRunning) }</span>
                                        <progress max="1" value={p.to_string()} />
                                        <bdi>{ digits(lang, &format!("{:.0}%", p * 100.0)) }</bdi>
                                    </span>
                                } else if j.paused {
                                    <span class="pill pill--warn">{ tr(lang, T::JobPaused) }</span>
                                } else {
                                    <span class="pill pill--ok">{ tr(lang, T::JobScheduled) }</span>
                                }
                            </td>
                            <td class="decision-actions">
                                if j.running && !status.running_here {
                                    <span class="muted">{ "—" }</span>
                                } else if j.running {
                                    <button class="btn btn--danger job-cancel" onclick={act(j.id.clone(), true)}>{ tr(lang, T::Cancel) }</button>
                                } else {
                                    <button class="btn btn--ghost job-run-now" disabled={viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={act(j.id.clone(), false)}>{ tr(lang, T::RunNow) }</button>
                                }
                            </td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </div>
        <div class="card table-card" id="job-history">
            <div class="card__header">
                <h2>{ tr(lang, T::JobHistory) }</h2>
                <div class="inline-form">
                    <select class="input" id="jobs-filter-scope" onchange={on_scope}>
                        <option value="store" selected={!*all_stores}>{ tr(lang, T::ThisStore) }</option>
                        <option value="all" selected={*all_stores}>{ tr(lang, T::AllStores) }</option>
                    </select>
                    <select class="input" id="jobs-filter-kind" onchange={on_select(&kind_filter)}>
                        <option value="" selected={kind_filter.is_empty()}>{ tr(lang, T::AllJobs) }</option>
                        { for JobKind::ALL.iter().map(|k| html! { <option value={k.as_str()} selected={*kind_filter == k.as_str()}>{ k.name(lang) }</option> }) }
                    </select>
                    <select class="input" id="jobs-filter-status" onchange={on_select(&status_filter)}>
                        <option value="" selected={status_filter.is_empty()}>{ tr(lang, T::AllStatuses) }</option>
                        { for JobRunStatus::ALL.iter().map(|s| html! {
                            <option value={s.as_str()} selected={*status_filter == s.as_str()}>{ tr(lang, status_pill(*s).1) }</option>
                        }) }
                    </select>
                </div>
            </div>
            <table class="table" id="job-runs-table">
                <thead><tr>
                    <th>{ tr(lang, T::ColStarted) }</th>
                    <th>{ tr(lang, T::ColJob) }</th>
                    <th>{ tr(lang, T::ColStore) }</th>
                    <th>{ tr(lang, T::ColStatus) }</th>
                    <th class="num">{ tr(lang, T::ColDuration) }</th>
                    <th>{ tr(lang, T::ColResult) }</th>
                </tr></thead>
                <tbody>
                { for history.iter().map(|r| {
                    let (pill, status) = status_pill(r.status);
                    let took = crate::format::duration_secs(&r.started_at, r.finished_at.as_deref())
                        .map(|s| digits(lang, &format!("{s:.1}")) + " " + tr(lang, T::SecondsShort))
                        .unwrap_or_else(|| "—".into());
                    html! {
                        <tr key={r.id.clone()} class="job-run-row" data-kind={r.kind.map_or("", JobKind::as_str)} data-status={r.status.as_str()}>
                            <td><bdi dir="ltr">{ digits(lang, &local_time(&r.started_at)) }</bdi></td>
                            <td>{ r.kind.map_or("—", |k| k.name(lang)) }</td>
                            <td>{ store_name(&r.store_id) }</td>
                            <td><span class={pill}>{ tr(lang, status) }</span></td>
                            <td class="num">{ took }</td>
                            <td class="job-result">
                                <bdi>{ counts_text(lang, &r.counts) }</bdi>
                                if let Some(e) = &r.error { <p class="product-listing__error">{ e }</p> }
                            </td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            if history.is_empty() { <p class="table__empty muted" id="job-runs-none">{ tr(lang, T::JobRunsNone) }</p> }
        </div>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_read_in_both_languages() {
        assert_eq!(schedule_text(Language::En, "every 6h"), "Every 6 hours");
        assert_eq!(schedule_text(Language::Ar, "every 15m"), "كل ١٥ دقيقة");
        assert_eq!(schedule_text(Language::En, "every 1h"), "Every hour");
        assert_eq!(schedule_text(Language::Ar, "every 1h"), "كل ساعة");
        assert_eq!(schedule_text(Language::Ar, "every 2h"), "كل ساعتين");
        assert_eq!(schedule_text(Language::Ar, "every 6h"), "كل ٦ ساعات");
        assert_eq!(schedule_text(Language::Ar, "every 12h"), "كل ١٢ ساعة");
        assert_eq!(schedule_text(Language::Ar, "every 5m"), "كل ٥ دقائق");
        assert_eq!(schedule_text(Language::Ar, "every 3d"), "كل ٣ أيام");
        assert_eq!(schedule_text(Language::En, "every 2d"), "Every 2 days");
        assert_eq!(schedule_text(Language::En, "0 4 * * *"), "Daily at 04:00");
        assert_eq!(schedule_text(Language::Ar, "30 2 * * *"), "يوميًا الساعة ٠٢:٣٠");
        assert_eq!(schedule_text(Language::En, "*/30 * * * 1"), "*/30 * * * 1");
    }

    #[test]
    fn counts_leave_out_ids_and_zeros() {
        let c = r#"{"run_id":"x","proposed":3,"applied":0,"status":"succeeded"}"#;
        assert_eq!(counts_text(Language::En, c), "Proposed 3");
        assert_eq!(counts_text(Language::Ar, r#"{"checked":2}"#), "فُحصت ٢");
        assert_eq!(counts_text(Language::En, "not json"), "");
        let skipped = r#"{"skipped":"runs_on_another_seat","why":"another seat runs this store: B"}"#;
        assert_eq!(counts_text(Language::En, skipped), "Skipped: another seat runs this store");
        assert!(counts_text(Language::Ar, skipped).contains("مقعد آخر"));
    }

    #[test]
    fn kinds_are_named_in_both_languages() {
        assert_eq!(JobKind::ALL[0], JobKind::CatalogSync, "the monitor lists the imports first");
        assert_eq!(JobKind::Optimize.name(Language::Ar), "تشغيل التحسين");
        assert_eq!(JobKind::Backup.name(Language::En), "Daily backup");
        let mut sorted = JobKind::ALL;
        sorted.sort();
        assert_eq!(sorted, JobKind::ALL, "sorting by kind keeps the monitor's order");
    }
}
