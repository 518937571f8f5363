//! The pricing rule form, for the store's default rule (Decisions screen) and for one product's
//! own rule (product page): strategy, its parameter, minimum and maximum, dry run or live.

use spo_ipc::{PriceEndingSpec, Rule, RuleRequest, StrategySpec};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::format::percent_to_bps;
use crate::hooks::{input_value, use_store, OrToast};
use crate::i18n::{tr, T};
use crate::state::Action;

/// The strategies offered, with their form value.
const STRATEGIES: [(&str, T); 8] = [
    ("maximize_profit", T::StratMaximizeProfit),
    ("match_lowest", T::StratMatchLowest),
    ("beat_lowest", T::StratBeatLowest),
    ("beat_lowest_amount", T::StratBeatLowestAmount),
    ("position", T::StratPosition),
    ("premium", T::StratPremium),
    ("target_margin", T::StratTargetMargin),
    ("hold", T::StratHold),
];

fn percent(bps: i64) -> String {
    let sign = if bps < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", bps.abs() / 100, bps.abs() % 100)
}

/// A stored strategy as the form shows it: (form value, parameter text).
pub fn strategy_fields(s: &StrategySpec) -> (&'static str, String) {
    match *s {
        StrategySpec::MaximizeProfit => ("maximize_profit", String::new()),
        StrategySpec::MatchLowest => ("match_lowest", String::new()),
        StrategySpec::BeatLowestBps { bps } => ("beat_lowest", percent(i64::from(bps))),
        StrategySpec::BeatLowestAmount { minor } => ("beat_lowest_amount", percent(minor)),
        StrategySpec::Position { rank } => ("position", rank.to_string()),
        StrategySpec::PremiumOverAverage { bps } => ("premium", percent(i64::from(bps))),
        StrategySpec::TargetMargin { bps } => ("target_margin", percent(i64::from(bps))),
        StrategySpec::Hold => ("hold", String::new()),
    }
}

/// The form's fields back to a strategy (`None` when the parameter does not read).
pub fn strategy_spec(value: &str, param: &str) -> Option<StrategySpec> {
    let bps = percent_to_bps(param);
    match value {
        "maximize_profit" => Some(StrategySpec::MaximizeProfit),
        "match_lowest" => Some(StrategySpec::MatchLowest),
        "beat_lowest" => bps.and_then(|b| u32::try_from(b).ok()).map(|bps| StrategySpec::BeatLowestBps { bps }),
        // An amount in riyals with at most two decimals, read exactly like a percent.
        "beat_lowest_amount" => bps.filter(|m| *m >= 0).map(|minor| StrategySpec::BeatLowestAmount { minor }),
        "position" => param.trim().parse().ok().filter(|r| *r > 0).map(|rank| StrategySpec::Position { rank }),
        "premium" => bps.and_then(|b| i32::try_from(b).ok()).map(|bps| StrategySpec::PremiumOverAverage { bps }),
        "target_margin" => bps.and_then(|b| u32::try_from(b).ok()).map(|bps| StrategySpec::TargetMargin { bps }),
        "hold" => Some(StrategySpec::Hold),
        _ => None,
    }
}

fn decimal(m: Option<i64>) -> String {
    m.map(|v| format!("{}.{:02}", v / 100, v % 100)).unwrap_or_default()
}

/// Properties.
#[derive(Properties, PartialEq)]
pub struct RuleFormProps {
    /// The product (local id) whose own rule this is; `None` for the store's default rule.
    #[prop_or_default]
    pub product: Option<String>,
}

/// The form. It loads the rule it edits and saves a new version of it.
#[component]
pub fn RuleForm(props: &RuleFormProps) -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let store_id = store.active().map(|s| s.id.clone()).unwrap_or_default();
    let strategy = use_state(|| "beat_lowest".to_owned());
    let param = use_state(|| "1".to_owned());
    let min = use_state(String::new);
    let max = use_state(String::new);
    let live = use_state(|| false);
    let current = use_state(|| None::<Rule>);
    {
        let (strategy, param, min, max, live, current) =
            (strategy.clone(), param.clone(), min.clone(), max.clone(), live.clone(), current.clone());
        let (sid, product) = (store_id.clone(), props.product.clone());
        use_effect_with((store_id.clone(), props.product.clone(), store.data_version), move |_| {
            if sid.is_empty() {
                return;
            }
            spawn_local(async move {
                let Ok(rules) = api::list_rules(sid).await else {
                    return;
                };
                let mine = rules.into_iter().find(|r| match &product {
                    Some(p) => r.scope == spo_ipc::RuleScope::Product && r.product_id.as_ref() == Some(p),
                    None => r.scope == spo_ipc::RuleScope::Store,
                });
                if let Some(r) = &mine {
                    let (s, p) = strategy_fields(&r.strategy);
                    strategy.set(s.into());
                    param.set(p);
                    min.set(decimal(r.min_minor));
                    max.set(decimal(r.max_minor));
                    live.set(!r.dry_run);
                }
                current.set(mine);
            });
        });
    }
    let save = {
        let (store, sid, product) = (store.clone(), store_id.clone(), props.product.clone());
        let (strategy, param, min, max, live, current) =
            (strategy.clone(), param.clone(), min.clone(), max.clone(), live.clone(), current.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(spec) = strategy_spec(&strategy, &param) else {
                store.dispatch(Action::Error(spo_ipc::IpcError::new(
                    spo_ipc::ErrorCode::InvalidInput,
                    tr(store.settings.language, T::RuleParamInvalid),
                )));
                return;
            };
            let text = |s: &UseStateHandle<String>| Some(s.trim().to_owned()).filter(|t| !t.is_empty());
            let request = RuleRequest {
                store_id: sid.clone(),
                product: product.clone(),
                category: None,
                strategy: spec,
                min_price: text(&min),
                max_price: text(&max),
                min_margin_bps: None,
                max_step_bps: None,
                max_daily_bps: None,
                cooldown_minutes: None,
                ending: PriceEndingSpec::Exact,
                live: *live,
            };
            let (store, current) = (store.clone(), current.clone());
            spawn_local(async move {
                if let Some(rule) = api::set_rule(request).await.or_toast(&store) {
                    current.set(Some(rule));
                    store.dispatch(Action::Saved);
                }
            });
        })
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    let on_strategy = {
        let strategy = strategy.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            strategy.set(select.value());
        })
    };
    let toggle_live = {
        let live = live.clone();
        Callback::from(move |_: Event| live.set(!*live))
    };
    let param_label = match strategy.as_str() {
        "position" => Some(T::RuleRank),
        "beat_lowest_amount" => Some(T::RuleAmount),
        "beat_lowest" | "premium" | "target_margin" => Some(T::RulePercent),
        _ => None,
    };
    let product_rule = props.product.is_some();
    let (form_id, prefix) = if product_rule { ("product-rule", "prule") } else { ("store-rule", "rule") };
    let id = |name: &str| format!("{prefix}-{name}");
    // A viewer seat of a team sees the rule but cannot change it (the button says why).
    let refusal = store.team_refusal(false).map(|t| tr(lang, t));
    html! {
        <form class="card rule-form" id={form_id} onsubmit={save}>
            <h3>{ tr(lang, if product_rule { T::ProductRule } else { T::StoreRule }) }</h3>
            // A rule edit another seat's edit beat shows here, with "keep mine" / "take theirs".
            if !product_rule { <crate::team::Conflicts /> }
            if product_rule && current.is_none() {
                <p class="muted" id="product-rule-inherits">{ tr(lang, T::ProductRuleInherits) }</p>
            }
            <div class="rule-form__fields">
                <label>{ tr(lang, T::RuleStrategy) }
                    <select class="input" id={id("strategy")} onchange={on_strategy}>
                        { for STRATEGIES.into_iter().map(|(v, t)| html! { <option value={v} selected={*strategy == v}>{ tr(lang, t) }</option> }) }
                    </select>
                </label>
                if let Some(label) = param_label {
                    <label>{ tr(lang, label) }<input class="input input--short" id={id("param")} dir="ltr" inputmode="decimal" value={(*param).clone()} oninput={bind(&param)} /></label>
                }
                <label>{ tr(lang, T::RuleMin) }<input class="input input--short" id={id("min")} dir="ltr" inputmode="decimal" value={(*min).clone()} oninput={bind(&min)} /></label>
                <label>{ tr(lang, T::RuleMax) }<input class="input input--short" id={id("max")} dir="ltr" inputmode="decimal" value={(*max).clone()} oninput={bind(&max)} /></label>
                <label class="check"><input type="checkbox" id={id("live")} checked={*live} onchange={toggle_live} />{ tr(lang, T::RuleLive) }</label>
                <button type="submit" class="btn btn--secondary" id={id("save")} disabled={refusal.is_some()}
                        title={refusal.unwrap_or_default()}>{ tr(lang, T::Save) }</button>
            </div>
            <p class="muted rule-form__help">{ tr(lang, if *strategy == "maximize_profit" { T::RuleProfitHelp } else { T::RuleHelp }) }</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_round_trip_through_the_form() {
        for s in [
            StrategySpec::MaximizeProfit,
            StrategySpec::MatchLowest,
            StrategySpec::BeatLowestBps { bps: 150 },
            StrategySpec::BeatLowestAmount { minor: 250 },
            StrategySpec::Position { rank: 2 },
            StrategySpec::PremiumOverAverage { bps: -250 },
            StrategySpec::TargetMargin { bps: 3_000 },
            StrategySpec::Hold,
        ] {
            let (value, param) = strategy_fields(&s);
            assert_eq!(strategy_spec(value, &param), Some(s), "{value} {param}");
        }
        assert_eq!(strategy_spec("position", "0"), None);
        assert_eq!(strategy_spec("beat_lowest", "-1"), None);
        assert_eq!(strategy_spec("nonsense", ""), None);
    }
}
