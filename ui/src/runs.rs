//! The Runs screen: each optimization run of the active store with its counts, how long it took,
//! what each agent found (market analyst, demand analyst, strategist, risk reviewer), and a
//! rollback of everything the run applied.

use spo_ipc::{Language, RunKind, RunStatus, RunSummary};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::competitors::local_time;
use crate::format::duration_secs;
use crate::hooks::{use_store, OrToast};
use crate::i18n::{digits, list_sep, tr, T};
use crate::state::Action;

fn status_text(s: RunStatus) -> (&'static str, T) {
    match s {
        RunStatus::Succeeded => ("pill pill--ok", T::RunSucceeded),
        RunStatus::AwaitingApproval => ("pill pill--warn", T::RunAwaitingApproval),
        RunStatus::Running => ("pill", T::RunRunning),
        RunStatus::Cancelled => ("pill pill--warn", T::JobCancelled),
        RunStatus::Failed => ("pill pill--fail", T::RunFailed),
    }
}

fn kind_text(k: RunKind) -> T {
    match k {
        RunKind::Scheduled => T::RunScheduled,
        RunKind::Triggered => T::RunTriggered,
        RunKind::Manual => T::RunManual,
    }
}

fn agent_text(a: &str) -> Option<T> {
    Some(match a {
        "market_analyst" => T::AgentMarketAnalyst,
        "demand_analyst" => T::AgentDemandAnalyst,
        "strategist" => T::AgentStrategist,
        "risk_reviewer" => T::AgentRiskReviewer,
        "llm_advisor" => T::AgentLlmAdvisor,
        _ => return None,
    })
}

fn key_text(k: &str) -> Option<T> {
    Some(match k {
        "products_with_competitors" => T::StepWithCompetitors,
        "positions" => T::StepPositions,
        "used" => T::StepDemandUsed,
        "products_estimated" => T::StepEstimated,
        "proposed" => T::ColProposed,
        "unchanged" => T::StepUnchanged,
        "auto_approved" => T::StepAutoApproved,
        "frozen" => T::StepFrozen,
        "breaker" => T::StepBreaker,
        "mode" => T::AutomationMode,
        "kill_switch" => T::StepKillSwitch,
        "leading" => T::PositionLeading,
        "competitive" => T::PositionCompetitive,
        "following" => T::PositionFollowing,
        // Why products were left unchanged.
        "no_competitors" => T::WhyNoCompetitors,
        "not_enough_competitors" => T::WhyNotEnoughCompetitors,
        "no_rule" => T::WhyNoRule,
        "no_cost" => T::WhyNoCost,
        "hold" => T::StratHold,
        "missing_min_max" => T::WhyMissingMinMax,
        "cool_down" => T::WhyCoolDown,
        "limited" | "outside_allowed_range" | "floor_above_ceiling" => T::WhyOutsideLimits,
        // The automation mode.
        "Manual" => T::ModeManual,
        "SemiAutomatic" => T::ModeSemi,
        "Automatic" => T::ModeAuto,
        // The language model's step.
        "model" => T::LlmModel,
        "rationales_written" => T::StepRationalesWritten,
        "rationales_rejected" => T::StepRationalesRejected,
        "candidates_reviewed" => T::StepCandidatesReviewed,
        "calls" => T::StepCalls,
        "prompt_tokens" => T::StepPromptTokens,
        "completion_tokens" => T::StepCompletionTokens,
        "cost_micro_usd" => T::StepCostMicroUsd,
        "errors" => T::ColErrors,
        _ => return None,
    })
}

/// One step value as text: numbers in the UI's digits, yes / no, `key value` pairs for objects.
pub fn value_text(lang: Language, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::Bool(b) => tr(lang, if *b { T::Yes } else { T::No }).into(),
        serde_json::Value::Number(n) => digits(lang, &n.to_string()),
        serde_json::Value::String(s) => key_text(s).map_or_else(|| s.clone(), |t| tr(lang, t).into()),
        serde_json::Value::Array(a) => a.iter().map(|x| value_text(lang, x)).collect::<Vec<_>>().join(list_sep(lang)),
        serde_json::Value::Object(o) if o.is_empty() => "—".into(),
        serde_json::Value::Object(o) => o
            .iter()
            .map(|(k, v)| {
                format!("{} {}", key_text(k).map_or(k.replace('_', " "), |t| tr(lang, t).into()), value_text(lang, v))
            })
            .collect::<Vec<_>>()
            .join(list_sep(lang)),
    }
}

fn steps_view(lang: Language, steps: &str) -> Html {
    let parsed: serde_json::Value = serde_json::from_str(steps).unwrap_or_default();
    let Some(list) = parsed.as_array() else {
        return html! { <p class="muted">{ "—" }</p> };
    };
    html! {
        <ol class="run-steps">
            { for list.iter().map(|step| {
                let agent = step["agent"].as_str().unwrap_or_default();
                let title = agent_text(agent).map_or(agent.to_owned(), |t| tr(lang, t).into());
                let entries: Vec<(String, String)> = step.as_object().into_iter().flatten()
                    .filter(|(k, _)| k.as_str() != "agent")
                    .map(|(k, v)| (key_text(k).map_or(k.replace('_', " "), |t| tr(lang, t).into()), value_text(lang, v)))
                    .collect();
                html! {
                    <li class="run-step" data-agent={agent.to_owned()}>
                        <strong>{ title }</strong>
                        <dl>{ for entries.into_iter().map(|(k, v)| html! { <><dt>{ k }</dt><dd><bdi>{ v }</bdi></dd></> }) }</dl>
                    </li>
                }
            }) }
        </ol>
    }
}

/// The screen.
#[component]
pub fn RunsPage() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    // A viewer seat of a team sees the runs but cannot roll one back (the button says why).
    let viewer = store.team_refusal(false).map(|t| tr(lang, t).to_owned());
    let store_id = store.active().map(|s| s.id.clone()).unwrap_or_default();
    let runs = use_state(Vec::<RunSummary>::new);
    let open = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let reload = {
        let (runs, store, sid) = (runs.clone(), store.clone(), store_id.clone());
        Callback::from(move |_: ()| {
            let (runs, store, sid) = (runs.clone(), store.clone(), sid.clone());
            if sid.is_empty() {
                return;
            }
            spawn_local(async move {
                if let Some(list) = api::list_runs(sid).await.or_toast(&store) {
                    runs.set(list);
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((store_id.clone(), store.data_version), move |_| reload.emit(()));
    }
    if store_id.is_empty() {
        return html! {
            <section class="page page--wide" id="page-runs"><h1>{ tr(lang, T::NavRuns) }</h1><p class="muted">{ tr(lang, T::RunsEmpty) }</p><crate::jobs::JobMonitor /></section>
        };
    }
    let rollback = |run_id: String| {
        let (store, sid, busy, reload) = (store.clone(), store_id.clone(), busy.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, sid, busy, reload, run_id) =
                (store.clone(), sid.clone(), busy.clone(), reload.clone(), run_id.clone());
            busy.set(true);
            spawn_local(async move {
                if let Some(r) = api::rollback_run(sid, run_id).await.or_toast(&store) {
                    let lang = store.settings.language;
                    store.dispatch(Action::Notice(format!(
                        "{} {}{}{} {}",
                        tr(lang, T::RolledBackCount),
                        digits(lang, &r.applied.to_string()),
                        list_sep(lang),
                        tr(lang, T::LeftAloneCount),
                        digits(lang, &(r.expired + r.failed).to_string())
                    )));
                }
                busy.set(false);
                reload.emit(());
            });
        })
    };
    let kill = store.kill_switch;
    html! {
        <section class="page page--wide" id="page-runs">
            <header class="page__header">
                <div>
                    <h1>{ tr(lang, T::NavRuns) }</h1>
                    <p class="muted">{ tr(lang, T::RunsHelp) }</p>
                </div>
            </header>
            <crate::jobs::JobMonitor />
            <h2 class="section-title">{ tr(lang, T::OptimizationRuns) }</h2>
            <div class="card table-card">
                <table class="table" id="runs-table">
                    <thead><tr>
                        <th>{ tr(lang, T::ColStarted) }</th>
                        <th>{ tr(lang, T::ColKind) }</th>
                        <th>{ tr(lang, T::ColStatus) }</th>
                        <th class="num">{ tr(lang, T::ColProducts) }</th>
                        <th class="num">{ tr(lang, T::ColProposed) }</th>
                        <th class="num">{ tr(lang, T::ColApplied) }</th>
                        <th class="num">{ tr(lang, T::ColErrors) }</th>
                        <th class="num">{ tr(lang, T::ColDuration) }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        { for runs.iter().map(|r| {
                            let (pill, status) = status_text(r.status);
                            let expanded = open.as_deref() == Some(r.id.as_str());
                            let toggle = {
                                let (open, id) = (open.clone(), r.id.clone());
                                Callback::from(move |_: MouseEvent| open.set(if expanded { None } else { Some(id.clone()) }))
                            };
                            let took = duration_secs(&r.started_at, r.finished_at.as_deref())
                                .map(|s| {
                                    let text = if s < 0.1 { "<0.1".to_owned() } else { format!("{s:.1}") };
                                    digits(lang, &text) + " " + tr(lang, T::SecondsShort)
                                })
                                .unwrap_or_else(|| "—".into());
                            html! {
                                <>
                                <tr key={r.id.clone()} class="run-row" data-run-id={r.id.clone()} data-status={r.status.as_str()}>
                                    <td><bdi dir="ltr">{ local_time(&r.started_at) }</bdi></td>
                                    <td>{ tr(lang, kind_text(r.kind)) }</td>
                                    <td><span class={pill}>{ tr(lang, status) }</span></td>
                                    <td class="num">{ digits(lang, &r.products_seen.to_string()) }</td>
                                    <td class="num">{ digits(lang, &r.proposed.to_string()) }</td>
                                    <td class="num run-applied">{ digits(lang, &r.applied.to_string()) }</td>
                                    <td class="num">{ digits(lang, &r.errors.to_string()) }</td>
                                    <td class="num">{ took }</td>
                                    <td class="decision-actions">
                                        <button class="btn btn--ghost run-details" aria-expanded={expanded.to_string()} onclick={toggle}>{ tr(lang, T::RunDetails) }</button>
                                        if r.still_applied > 0 {
                                            <button class="btn btn--ghost run-rollback" disabled={*busy || kill || viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={rollback(r.id.clone())}>{ tr(lang, T::RollbackRun) }</button>
                                        }
                                    </td>
                                </tr>
                                if expanded {
                                    <tr class="run-detail"><td colspan="9">
                                        { steps_view(lang, &r.steps) }
                                        if let Some(e) = &r.error { <p class="product-listing__error">{ e }</p> }
                                    </td></tr>
                                }
                                </>
                            }
                        }) }
                    </tbody>
                </table>
                if runs.is_empty() { <p class="table__empty muted">{ tr(lang, T::RunsNone) }</p> }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_values_read_in_both_languages() {
        let v: serde_json::Value = serde_json::json!({ "leading": 3, "following": 12 });
        assert_eq!(value_text(Language::En, &v), "Following 12 · Leading 3");
        assert_eq!(value_text(Language::Ar, &serde_json::json!(25)), "٢٥");
        assert_eq!(value_text(Language::En, &serde_json::json!(true)), "Yes");
        assert_eq!(value_text(Language::En, &serde_json::json!({ "no_competitors": 2 })), "No competitor prices 2");
        assert_eq!(value_text(Language::En, &serde_json::json!({ "some_new_reason": 2 })), "some new reason 2");
        assert_eq!(value_text(Language::Ar, &serde_json::json!("SemiAutomatic")), "شبه تلقائي");
        assert_eq!(value_text(Language::En, &serde_json::Value::Null), "—");
    }
}
