//! The Decisions screen (the approval queue, runs, the store's rule, the automation mode) and the
//! kill switch that is always in the title bar.

use spo_ipc::{AutomationMode, Decision, DecisionStatus, RiskLevel, RunReport};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{use_store, OrToast};
use crate::i18n::{digits, list_sep, money, tr, T};
use crate::rule_form::RuleForm;
use crate::state::Action;

/// Change from `old` to `new` in hundredths of a percent (for display).
fn change_text(lang: spo_ipc::Language, old: i64, new: i64) -> String {
    if old == 0 {
        return String::new();
    }
    let bps = (i128::from(new) - i128::from(old)) * 10_000 / i128::from(old);
    let sign = if bps > 0 {
        "+"
    } else if bps < 0 {
        "−"
    } else {
        ""
    };
    let abs = bps.unsigned_abs();
    let text = format!("{sign}{}.{:02}", abs / 100, abs % 100);
    match lang {
        spo_ipc::Language::En => format!("{text}%"),
        spo_ipc::Language::Ar => format!("{}\u{066A}", digits(lang, &text)),
    }
}

fn status_text(s: DecisionStatus) -> T {
    match s {
        DecisionStatus::Proposed => T::DecisionProposed,
        DecisionStatus::Approved => T::DecisionApproved,
        DecisionStatus::Rejected => T::DecisionRejected,
        DecisionStatus::Expired => T::DecisionExpired,
        DecisionStatus::Applying => T::DecisionApplying,
        DecisionStatus::Applied => T::DecisionApplied,
        DecisionStatus::Failed => T::DecisionFailed,
        DecisionStatus::RolledBack => T::DecisionRolledBack,
    }
}

fn risk_pill(lang: spo_ipc::Language, risk: RiskLevel) -> Html {
    let (class, text) = match risk {
        RiskLevel::Low => ("pill pill--ok", T::RiskLow),
        RiskLevel::Medium => ("pill pill--warn", T::RiskMedium),
        RiskLevel::High => ("pill pill--fail", T::RiskHigh),
    };
    html! { <span class={class}>{ tr(lang, text) }</span> }
}

/// The kill switch in the title bar: one click stops every price write.
#[component]
pub fn KillSwitch() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let on = store.kill_switch;
    let toggle = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            let store = store.clone();
            spawn_local(async move {
                if let Some(now) = api::set_kill_switch(!on).await.or_toast(&store) {
                    store.dispatch(Action::KillSwitch(now));
                }
            });
        })
    };
    let label = tr(lang, if on { T::KillSwitchOn } else { T::KillSwitchOff });
    // A viewer seat of a team sees the switch but cannot turn it (the title says why).
    let refusal = store.team_refusal(false);
    let title = tr(lang, refusal.unwrap_or(T::KillSwitchHelp));
    html! {
        <button id="kill-switch" class={classes!("btn", if on { "btn--kill-on" } else { "btn--ghost" })}
                aria-pressed={on.to_string()} {title} disabled={refusal.is_some()} onclick={toggle}>
            <span class="kill-dot" aria-hidden="true"></span>
            <span>{ label }</span>
        </button>
    }
}

/// The queue's tabs: one state, or all (`None`).
const FILTERS: [(Option<DecisionStatus>, T); 4] = [
    (Some(DecisionStatus::Proposed), T::FilterWaiting),
    (Some(DecisionStatus::Approved), T::FilterApproved),
    (Some(DecisionStatus::Applied), T::FilterApplied),
    (None, T::FilterAll),
];

/// The screen.
#[component]
pub fn DecisionsPage() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    // A viewer seat of a team sees the queue but cannot decide (the buttons say why).
    let viewer = store.team_refusal(false).map(|t| tr(lang, t).to_owned());
    let active = store.active().cloned();
    let rows = use_state(Vec::<Decision>::new);
    let filter = use_state(|| Some(DecisionStatus::Proposed));
    let selected = use_state(Vec::<String>::new);
    let mode = use_state(|| None::<AutomationMode>);
    let last_run = use_state(|| None::<RunReport>);
    let busy = use_state(|| false);
    let approved_count = use_state(|| 0usize);
    let store_id = active.as_ref().map(|s| s.id.clone()).unwrap_or_default();

    let reload = {
        let (rows, store, filter, approved_count, selected) =
            (rows.clone(), store.clone(), filter.clone(), approved_count.clone(), selected.clone());
        let store_id = store_id.clone();
        Callback::from(move |_: ()| {
            let (rows, store, approved_count, selected) =
                (rows.clone(), store.clone(), approved_count.clone(), selected.clone());
            let (store_id, f) = (store_id.clone(), *filter);
            spawn_local(async move {
                let statuses: Vec<DecisionStatus> = f.into_iter().collect();
                if let Some(list) = api::list_decisions(store_id.clone(), statuses).await.or_toast(&store) {
                    rows.set(list);
                }
                if let Ok(list) = api::list_decisions(store_id, vec![DecisionStatus::Approved]).await {
                    approved_count.set(list.len());
                }
                selected.set(Vec::new());
            });
        })
    };
    {
        let (reload, mode, store, sid) = (reload.clone(), mode.clone(), store.clone(), store_id.clone());
        use_effect_with((store_id.clone(), *filter, store.data_version), move |_| {
            if !sid.is_empty() {
                reload.emit(());
                spawn_local(async move {
                    if let Some(m) = api::get_automation_mode(sid).await.or_toast(&store) {
                        mode.set(Some(m));
                    }
                });
            }
        });
    }
    let Some(_) = active else {
        return html! {
            <section class="page" id="page-decisions"><h1>{ tr(lang, T::NavDecisions) }</h1><p class="muted">{ tr(lang, T::DecisionsEmpty) }</p></section>
        };
    };
    let run_optimizer = {
        let (store, busy, last_run, reload, sid) =
            (store.clone(), busy.clone(), last_run.clone(), reload.clone(), store_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, busy, last_run, reload, sid) =
                (store.clone(), busy.clone(), last_run.clone(), reload.clone(), sid.clone());
            busy.set(true);
            spawn_local(async move {
                if let Some(r) = api::optimize(sid, false).await.or_toast(&store) {
                    last_run.set(Some(r));
                }
                busy.set(false);
                reload.emit(());
            });
        })
    };
    let apply = {
        let (store, busy, reload, sid) = (store.clone(), busy.clone(), reload.clone(), store_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, busy, reload, sid) = (store.clone(), busy.clone(), reload.clone(), sid.clone());
            busy.set(true);
            spawn_local(async move {
                if let Some(r) = api::apply_decisions(sid).await.or_toast(&store) {
                    let lang = store.settings.language;
                    store.dispatch(Action::Notice(format!(
                        "{} {}{}{} {}",
                        tr(lang, T::AppliedCount),
                        digits(lang, &r.applied.to_string()),
                        list_sep(lang),
                        tr(lang, T::FailedCount),
                        digits(lang, &(r.failed + r.expired).to_string())
                    )));
                }
                busy.set(false);
                reload.emit(());
            });
        })
    };
    let decide = |ids: Vec<String>, approve: bool| {
        let (store, reload, sid) = (store.clone(), reload.clone(), store_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, reload, sid, ids) = (store.clone(), reload.clone(), sid.clone(), ids.clone());
            if ids.is_empty() {
                return;
            }
            spawn_local(async move {
                if let Err(e) = api::decide_decisions(sid, ids, approve).await {
                    store.dispatch(Action::Error(e));
                }
                reload.emit(());
            });
        })
    };
    let rollback = |id: String| {
        let (store, reload, sid) = (store.clone(), reload.clone(), store_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, reload, sid, id) = (store.clone(), reload.clone(), sid.clone(), id.clone());
            spawn_local(async move {
                if let Err(e) = api::rollback_decision(sid, id).await {
                    store.dispatch(Action::Error(e));
                }
                reload.emit(());
            });
        })
    };
    let set_mode = |m: AutomationMode| {
        let (store, mode, sid) = (store.clone(), mode.clone(), store_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, mode, sid) = (store.clone(), mode.clone(), sid.clone());
            spawn_local(async move {
                if let Some(now) = api::set_automation_mode(sid, m).await.or_toast(&store) {
                    mode.set(Some(now));
                }
            });
        })
    };
    let seg = |m: AutomationMode, id: &'static str, label: T| {
        let activ = *mode == Some(m);
        html! {
            <button {id} class={classes!("segmented__option", activ.then_some("segmented__option--active"))}
                    aria-pressed={activ.to_string()} disabled={viewer.is_some() && !activ}
                    title={viewer.clone().unwrap_or_default()} onclick={set_mode(m)}>{ tr(lang, label) }</button>
        }
    };
    let proposed_ids: Vec<String> =
        rows.iter().filter(|d| d.status == DecisionStatus::Proposed).map(|d| d.id.clone()).collect();
    let all_selected = !proposed_ids.is_empty() && proposed_ids.iter().all(|id| selected.contains(id));
    let toggle_all = {
        let (selected, ids) = (selected.clone(), proposed_ids.clone());
        Callback::from(move |_: Event| selected.set(if all_selected { Vec::new() } else { ids.clone() }))
    };
    let kill = store.kill_switch;
    html! {
        <section class="page page--wide" id="page-decisions">
            <header class="page__header">
                <div>
                    <h1>{ tr(lang, T::NavDecisions) }</h1>
                    <p class="muted">{ tr(lang, T::DecisionsHelp) }</p>
                </div>
                <div class="page__actions">
                    <button class="btn btn--secondary" id="run-optimizer" disabled={*busy || viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={run_optimizer}>{ tr(lang, T::RunOptimizer) }</button>
                    <button class="btn btn--primary" id="apply-approved" disabled={*busy || kill || *approved_count == 0 || viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={apply}>
                        { format!("{} ({})", tr(lang, T::ApplyApproved), digits(lang, &approved_count.to_string())) }
                    </button>
                </div>
            </header>
            if kill { <div class="banner banner--fail" id="kill-banner">{ tr(lang, T::KillSwitchBanner) }</div> }
            if let Some(r) = (*last_run).clone() {
                <div class={classes!("banner", if r.breaker.is_some() { "banner--warn" } else { "banner--ok" })} id="last-run">
                    { format!("{} {}{sep}{} {}{sep}{} {}", tr(lang, T::RunProposed), digits(lang, &r.proposed.to_string()),
                        tr(lang, T::RunApplied), digits(lang, &r.applied.to_string()),
                        tr(lang, T::RunUnchanged), digits(lang, &r.unchanged.iter().map(|u| u.count).sum::<u32>().to_string()),
                        sep = list_sep(lang)) }
                    if r.breaker.is_some() { <strong class="banner__extra">{ tr(lang, T::BreakerTripped) }</strong> }
                </div>
            }
            <div class="tabs" role="tablist">
                { for FILTERS.iter().map(|(f, t)| {
                    let current = *filter == *f;
                    let (filter, f) = (filter.clone(), *f);
                    html! { <button role="tab" id={format!("filter-{}", f.map_or("all", DecisionStatus::as_str))}
                                    class={classes!("tab", current.then_some("tab--active"))} aria-selected={current.to_string()}
                                    onclick={Callback::from(move |_: MouseEvent| filter.set(f))}>{ tr(lang, *t) }</button> }
                }) }
                if !proposed_ids.is_empty() {
                    <span class="tabs__actions">
                        <button class="btn btn--secondary" id="approve-selected" disabled={selected.is_empty() || viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={decide((*selected).clone(), true)}>{ tr(lang, T::ApproveSelected) }</button>
                        <button class="btn btn--ghost" id="reject-selected" disabled={selected.is_empty() || viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={decide((*selected).clone(), false)}>{ tr(lang, T::RejectSelected) }</button>
                    </span>
                }
            </div>
            <div class="card table-card">
                <table class="table" id="decisions-table">
                    <thead><tr>
                        <th><input type="checkbox" id="select-all" aria-label={tr(lang, T::SelectAll)} checked={all_selected} onchange={toggle_all} disabled={proposed_ids.is_empty()} /></th>
                        <th>{ tr(lang, T::ColProduct) }</th>
                        <th class="num">{ tr(lang, T::ColOldPrice) }</th>
                        <th class="num">{ tr(lang, T::ColNewPrice) }</th>
                        <th>{ tr(lang, T::ColRisk) }</th>
                        <th>{ tr(lang, T::ColWhy) }</th>
                        <th>{ tr(lang, T::ColStatus) }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        { for rows.iter().map(|d| {
                            let checked = selected.contains(&d.id);
                            let toggle = {
                                let (selected, id) = (selected.clone(), d.id.clone());
                                Callback::from(move |_: Event| {
                                    let mut next = (*selected).clone();
                                    if let Some(i) = next.iter().position(|x| *x == id) { next.remove(i); } else { next.push(id.clone()); }
                                    selected.set(next);
                                })
                            };
                            html! {
                                <tr key={d.id.clone()} data-decision-id={d.id.clone()} data-status={d.status.as_str()}>
                                    <td>if d.status == DecisionStatus::Proposed { <input type="checkbox" class="decision-select" {checked} onchange={toggle} /> }</td>
                                    <td class="table__name"><bdi>{ &d.product_name }</bdi><div class="muted mono"><bdi>{ d.product_sku.clone().unwrap_or_default() }</bdi></div></td>
                                    <td class="num">{ money(lang, d.old_price_minor, &d.currency) }
                                        if d.price_field == spo_ipc::PriceFieldKind::SalePrice {
                                            <div><span class="pill pill--warn decision-sale">{ crate::format::sale_label(lang, d.sale_end.as_deref()) }</span></div>
                                        }</td>
                                    <td class="num decision-new"><strong>{ money(lang, d.new_price_minor, &d.currency) }</strong>
                                        <div class="muted" dir="ltr">{ change_text(lang, d.old_price_minor, d.new_price_minor) }</div></td>
                                    <td>{ risk_pill(lang, d.risk) }</td>
                                    <td class="decision-why"><bdi>{ if lang == spo_ipc::Language::Ar { &d.rationale_ar } else { &d.rationale_en } }</bdi></td>
                                    <td><span class="pill">{ tr(lang, status_text(d.status)) }</span></td>
                                    <td class="decision-actions">
                                        if d.status == DecisionStatus::Proposed {
                                            <button class="btn btn--secondary decision-approve" disabled={viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={decide(vec![d.id.clone()], true)}>{ tr(lang, T::Approve) }</button>
                                            <button class="btn btn--ghost decision-reject" disabled={viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={decide(vec![d.id.clone()], false)}>{ tr(lang, T::Reject) }</button>
                                        }
                                        if d.status == DecisionStatus::Applied && d.strategy != spo_ipc::DecisionStrategy::Rollback {
                                            <button class="btn btn--ghost decision-rollback" disabled={kill || viewer.is_some()} title={viewer.clone().unwrap_or_default()} onclick={rollback(d.id.clone())}>{ tr(lang, T::Rollback) }</button>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if rows.is_empty() { <p class="table__empty muted">{ tr(lang, T::DecisionsEmpty) }</p> }
            </div>
            <div class="decisions__grid">
                <div class="card settings">
                    <div class="setting">
                        <div><h3>{ tr(lang, T::AutomationMode) }</h3><p class="muted">{ tr(lang, T::AutomationModeHelp) }</p></div>
                        <div class="segmented" role="group">
                            { seg(AutomationMode::Manual, "mode-manual", T::ModeManual) }
                            { seg(AutomationMode::SemiAutomatic, "mode-semi", T::ModeSemi) }
                            { seg(AutomationMode::Automatic, "mode-auto", T::ModeAuto) }
                        </div>
                    </div>
                </div>
                <RuleForm />
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_in_both_languages() {
        assert_eq!(change_text(spo_ipc::Language::En, 10_000, 9_500), "−5.00%");
        assert_eq!(change_text(spo_ipc::Language::Ar, 10_000, 10_150), "+١٫٥٠٪".replace('٫', "."));
    }
}
