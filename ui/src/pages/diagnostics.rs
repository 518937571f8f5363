//! Diagnostics: the health report, the scheduler, the stores and the log.

use spo_ipc::{CheckStatus, DoctorReport, Language};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::format::human_bytes;
use crate::hooks::{use_store, OrToast};
use crate::i18n::{tr, T};
use crate::{api, icons};

fn status_text(s: CheckStatus) -> T {
    match s {
        CheckStatus::Ok => T::StatusOk,
        CheckStatus::Warning => T::StatusWarning,
        CheckStatus::Failed => T::StatusFailed,
    }
}

fn status_class(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Ok => "pill pill--ok",
        CheckStatus::Warning => "pill pill--warn",
        CheckStatus::Failed => "pill pill--fail",
    }
}

fn scheduler_card(lang: Language, s: &spo_ipc::SchedulerHealth) -> Html {
    let row = |id: &'static str, label: T, value: String| {
        html! { <div class="kv"><dt>{ tr(lang, label) }</dt><dd {id} dir="ltr">{ value }</dd></div> }
    };
    let when = |t: &Option<String>| t.as_deref().map(crate::competitors::local_time).unwrap_or_else(|| "—".into());
    let next = match (&s.next_job, &s.next_run_at) {
        (Some(k), t) => html! { <>
            { k.name(lang) }{ " · " }<bdi dir="ltr">{ when(t) }</bdi>
        </> },
        _ => html! { "—" },
    };
    // Rows in words follow the page's direction (the technical ones stay left to right).
    let text_row = |id: &'static str, label: T, value: Html| {
        html! { <div class="kv"><dt>{ tr(lang, label) }</dt><dd {id} class="kv__text">{ value }</dd></div> }
    };
    // Only one process runs a data folder's jobs: this app, or the one holding them.
    // Words in the page's direction, the process name left to right.
    let runs_in = match (s.running_here, &s.elsewhere) {
        (true, _) => html! { { tr(lang, T::SchedulerThisApp) } },
        (false, Some(who)) => html! {
            <><bdi dir="ltr">{ who.clone() }</bdi>{ " — " }{ tr(lang, T::SchedulerTakesOver) }</>
        },
        (false, None) => html! { { tr(lang, T::SchedulerNowhere) } },
    };
    html! {
        <div class="card" id="diag-scheduler">
            <header class="card__header">
                <h2>{ tr(lang, T::SectionScheduler) }</h2>
                <span id="diag-scheduler-status" class={status_class(s.status)}>{ tr(lang, status_text(s.status)) }</span>
            </header>
            <dl>
                { text_row("diag-sched-where", T::SchedulerRunsIn, runs_in) }
                { row("diag-heartbeat", T::Heartbeat, if s.running_here || s.elsewhere.is_some() { when(&s.heartbeat_at) } else { tr(lang, T::NotRunningHere).to_owned() }) }
                { text_row("diag-sched-paused", T::JobPaused, html! { tr(lang, if s.paused { T::Yes } else { T::No }) }) }
                { text_row("diag-sched-jobs", T::JobsTitle, html! { format!("{} ({} {})", s.jobs, s.running_now, tr(lang, T::RunRunning)) }) }
                { text_row("diag-sched-next", T::ColNextRun, next) }
                { row("diag-sched-last", T::LastRun, when(&s.last_run_at)) }
                { row("diag-sched-failed", T::Failed24h, s.failed_24h.to_string()) }
            </dl>
        </div>
    }
}

fn stores_card(lang: Language, stores: &[spo_ipc::StoreHealth]) -> Html {
    html! {
        <div class="card" id="diag-stores">
            <header class="card__header"><h2>{ tr(lang, T::SectionStores) }</h2></header>
            if stores.is_empty() { <p class="muted">{ tr(lang, T::NoStore) }</p> }
            <ul class="diag-stores">
            { for stores.iter().map(|s| html! {
                <li class="diag-store" data-status={format!("{:?}", s.status).to_lowercase()}>
                    <div class="diag-store__head">
                        <strong><bdi>{ &s.name }</bdi></strong>
                        <span class={status_class(s.status)}>{ tr(lang, if s.reachable { T::Reachable } else { T::Unreachable }) }</span>
                    </div>
                    <span class="muted" dir="ltr">{ format!("{} ms", s.latency_ms) }</span>
                    if let Some(t) = &s.token_expires_at {
                        <span class="muted">{ tr(lang, T::TokenExpires) }{ " " }<bdi dir="ltr">{ crate::competitors::local_time(t) }</bdi></span>
                    }
                    if !s.reachable { <p class="product-listing__error" dir="auto">{ &s.detail }</p> }
                </li>
            }) }
            </ul>
        </div>
    }
}

/// The end of the app's log, newest line last.
#[component]
fn LogViewer() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let tail = use_state(|| None::<spo_ipc::LogTail>);
    let load = {
        let (tail, store) = (tail.clone(), store.clone());
        Callback::from(move |_: MouseEvent| {
            let (tail, store) = (tail.clone(), store.clone());
            spawn_local(async move {
                if let Some(t) = api::read_log(300).await.or_toast(&store) {
                    tail.set(Some(t));
                }
            });
        })
    };
    html! {
        <div class="card" id="diag-log">
            <header class="card__header">
                <h2>{ tr(lang, T::LogViewer) }</h2>
                <button class="btn btn--secondary" id="diag-log-load" onclick={load}>
                    { tr(lang, T::ShowLog) }
                </button>
            </header>
            if let Some(t) = &*tail {
                <p class="muted" dir="ltr">{ &t.path }</p>
                <pre class="log-view" id="diag-log-lines" dir="ltr">{ t.lines.join("\n") }</pre>
            }
        </div>
    }
}

#[component]
pub(super) fn DiagnosticsPage() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let report = use_state(|| None::<DoctorReport>);
    let running = use_state(|| false);
    let run = {
        let report = report.clone();
        let running = running.clone();
        let store = store.clone();
        Callback::from(move |_: ()| {
            if *running {
                return;
            }
            running.set(true);
            let report = report.clone();
            let running = running.clone();
            let store = store.clone();
            spawn_local(async move {
                if let Some(r) = api::doctor().await.or_toast(&store) {
                    report.set(Some(r));
                }
                running.set(false);
            });
        })
    };
    {
        let run = run.clone();
        use_effect_with((), move |_| run.emit(()));
    }
    let onclick = run.reform(|_: MouseEvent| ());
    // Values that are paths, codes or numbers stay left-to-right inside an Arabic page.
    let row = |id: &'static str, label: T, value: String| {
        html! {
            <div class="kv">
                <dt>{ tr(lang, label) }</dt>
                <dd {id} dir="ltr">{ value }</dd>
            </div>
        }
    };
    let body = match &*report {
        None => html! { <div class="card skeleton" aria-busy="true">{ tr(lang, T::Running) }</div> },
        Some(r) => {
            let d = &r.database;
            let k = &r.keychain;
            let on_off = |b: bool| tr(lang, if b { T::On } else { T::Off }).to_owned();
            html! {
                <>
                <div class="diag-summary card">
                    <span class="muted">{ tr(lang, T::Overall) }</span>
                    <span id="diag-overall" class={status_class(r.status)} data-status={format!("{:?}", r.status).to_lowercase()}>
                        { tr(lang, status_text(r.status)) }
                    </span>
                    <span class="muted diag-summary__time">{ tr(lang, T::GeneratedAt) }{ " " }<bdi dir="ltr">{ &r.generated_at }</bdi></span>
                </div>
                <div class="diag-grid">
                    <div class="card">
                        <header class="card__header">
                            <h2>{ tr(lang, T::SectionDatabase) }</h2>
                            <span class={status_class(d.status)}>{ tr(lang, status_text(d.status)) }</span>
                        </header>
                        <dl>
                            { row("diag-db-path", T::DatabaseFile, d.path.clone()) }
                            { row("diag-db-size", T::DatabaseSize, human_bytes(d.size_bytes)) }
                            { row("diag-schema", T::SchemaVersion, format!("{} · {}", d.schema_version, d.schema_name)) }
                            { row("diag-integrity", T::IntegrityCheck, d.integrity.clone()) }
                            { row("diag-journal", T::JournalMode, d.journal_mode.clone()) }
                            { row("diag-sync", T::Synchronous, d.synchronous.clone()) }
                            { row("diag-fk", T::ForeignKeys, on_off(d.foreign_keys)) }
                            { row("diag-busy", T::BusyTimeout, format!("{} ms", d.busy_timeout_ms)) }
                            { row("diag-free", T::FreeDiskSpace, d.free_bytes.map(human_bytes).unwrap_or_else(|| "—".into())) }
                            if let Some(e) = &d.last_write_error {
                                { row("diag-write-error", T::LastWriteError, e.clone()) }
                            }
                        </dl>
                    </div>
                    <div class="card">
                        <header class="card__header">
                            <h2>{ tr(lang, T::SectionKeychain) }</h2>
                            <span id="diag-keychain-status" class={status_class(k.status)}>{ tr(lang, status_text(k.status)) }</span>
                        </header>
                        <dl>
                            { row("diag-keychain-backend", T::KeychainBackend, k.backend.clone()) }
                            { row("diag-keychain", T::KeychainProbe, format!("{} ({} ms)", if k.available { tr(lang, T::KeychainProbeOk) } else { k.detail.as_str() }, k.elapsed_ms)) }
                        </dl>
                    </div>
                    <div class="card">
                        <header class="card__header"><h2>{ tr(lang, T::SectionApp) }</h2></header>
                        <dl>
                            { row("diag-version", T::Version, format!("{} {}", r.app.name, r.app.version)) }
                            { row("diag-platform", T::Platform, r.platform.clone()) }
                        </dl>
                    </div>
                    <div class="card">
                        <header class="card__header"><h2>{ tr(lang, T::SectionFolders) }</h2></header>
                        <dl>
                            { row("diag-data-dir", T::DataFolder, r.data_dir.clone()) }
                            { row("diag-log-dir", T::LogFolder, r.log_dir.clone()) }
                        </dl>
                    </div>
                    { scheduler_card(lang, &r.scheduler) }
                    { stores_card(lang, &r.stores) }
                </div>
                if !r.recent_errors.is_empty() {
                    <div class="card" id="diag-errors">
                        <header class="card__header"><h2>{ tr(lang, T::RecentErrors) }</h2></header>
                        <ul class="diag-errors">
                        { for r.recent_errors.iter().map(|e| html! {
                            <li>
                                <bdi dir="ltr" class="muted">{ crate::competitors::local_time(&e.started_at) }</bdi>{ " " }
                                <strong>{ e.kind.map_or("—", |k| k.name(lang)) }</strong>
                                <p class="product-listing__error" dir="auto">{ e.error.clone().unwrap_or_default() }</p>
                            </li>
                        }) }
                        </ul>
                    </div>
                }
                <LogViewer />
                </>
            }
        }
    };
    html! {
        <section class="page" id="page-diagnostics">
            <header class="page__header">
                <div>
                    <h1>{ tr(lang, T::DiagnosticsTitle) }</h1>
                    <p class="muted">{ tr(lang, T::DiagnosticsIntro) }{ " " }<code dir="ltr">{ "spo doctor --json" }</code></p>
                </div>
                <button id="diag-rerun" class="btn btn--secondary" disabled={*running} {onclick}>
                    { icons::refresh() }
                    <span>{ tr(lang, if *running { T::Running } else { T::RunAgain }) }</span>
                </button>
            </header>
            { body }
        </section>
    }
}
