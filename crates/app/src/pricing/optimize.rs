//! One optimization run: read the store in one bulk snapshot, hand it to the domain's pure
//! [`plan`](spo_domain::pricing::plan::plan) (market analyst → demand analyst → strategist → risk
//! reviewer → breaker), word only the decisions that are shown or stored, record them in one
//! transaction, and let the executor apply what the automation mode approved.

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;
use spo_domain::ids::{CategoryId, ProductId};
use spo_domain::pricing::guardrails::Hit;
use spo_domain::pricing::plan::{self, Change, PastChange, Plan};
use spo_domain::pricing::shelf::Shelf;
use spo_domain::pricing::strategy::{Market, MarketStats, Position};
use spo_domain::{Currency, Money};
use spo_ipc as ipc;
use spo_store::{Actor, DemandRow, NewDecision, PricingSnapshot, RunOutcome};

use super::rationale::{demand_inputs, words_for};
use super::{mode_to_ipc, price_field_kind};
use crate::clock::{parse_time, store_day, time_text};
use crate::{App, Result};

/// Decisions listed in a run report (the queue has them all).
const REPORT_DECISIONS: usize = 200;
/// Decisions worded and handed to the recorder at a time (bounds a large run's memory).
const RECORD_CHUNK: usize = 1_000;
/// Competitor prices older than this are stale and ignored.
const MARKET_MAX_AGE_SECS: i64 = 72 * 3600;
/// Our own changes this far back feed the cool-down, the daily limit and the loop detector.
const HISTORY_SECS: i64 = 7 * 86_400;

/// What the report and the records show of a product, beside what the planner reads.
struct Label {
    name: String,
    sku: Option<String>,
    currency: String,
}

/// The planner's inputs from the snapshot: competitor prices taken to our basis (before VAT: our
/// prices at Salla are before VAT, shops show shoppers VAT-inclusive prices), history parsed.
fn planner_inputs(snap: PricingSnapshot, vat_bps: u32) -> (Vec<plan::Product>, Vec<Label>, Vec<(u32, DemandRow)>) {
    let mut products = Vec::with_capacity(snap.products.len());
    let mut labels = Vec::with_capacity(snap.products.len());
    for p in snap.products {
        products.push(plan::Product {
            id: ProductId::from(p.id),
            category: p.category_id.map(CategoryId::from),
            shelf: Shelf { regular_minor: p.price_minor, sale_minor: p.sale_price_minor, sale_end: p.sale_end },
            cost_minor: p.cost_minor,
            frozen: p.pricing_frozen_at.is_some(),
            market: Market::default(),
            history: Vec::new(),
        });
        labels.push(Label { name: p.name, sku: p.sku, currency: p.currency });
    }
    for m in &snap.market {
        let Some(p) = products.get_mut(m.product as usize) else { continue };
        let net = if m.vat_included {
            Money::from_minor(m.amount_minor, Currency::SAR).minus_rate_bps(vat_bps).minor
        } else {
            m.amount_minor
        };
        p.market.prices.push(net);
    }
    for p in &mut products {
        p.market.prices.sort_unstable();
    }
    for h in snap.history {
        let (Some(p), Some(at)) = (products.get_mut(h.product as usize), parse_time(&h.change.applied_at)) else {
            continue;
        };
        p.history.push(PastChange { at, old_minor: h.change.old_price_minor, new_minor: h.change.new_price_minor });
    }
    (products, labels, snap.demand)
}

/// A decision's inputs as stored (what the screens and the audit show, and what its words are
/// built from: [`super::rationale::words_of`]).
#[derive(Serialize)]
struct Inputs<'a> {
    strategy: spo_domain::pricing::strategy::Strategy,
    price: i64,
    field: &'static str,
    regular_price: i64,
    sale_end: Option<&'a str>,
    cost: Option<i64>,
    vat_bps: u32,
    competitors_basis: &'static str,
    competitors: &'a [i64],
    stats: Option<MarketStats>,
    position: Option<Position>,
    target: i64,
    reference: Option<i64>,
    rule_id: &'a str,
    rule_version: i64,
    dry_run_rule: bool,
    fallback: bool,
    demand: serde_json::Value,
}

/// The guardrails a decision passed and hit, as stored.
#[derive(Serialize)]
struct Guard<'a> {
    floor: Option<i64>,
    ceiling: Option<i64>,
    hits: &'a [Hit],
}

/// The record of one planned change; with its words when `worded` (a recorded decision's words are
/// built from its inputs when it is shown).
fn new_decision(
    c: &Change,
    rule: &plan::Rule,
    p: &plan::Product,
    label: &Label,
    vat_bps: u32,
    worded: bool,
) -> NewDecision {
    let sale_end =
        (c.field == spo_domain::pricing::shelf::PriceField::SalePrice).then(|| p.shelf.sale_end.clone()).flatten();
    let inputs = Inputs {
        strategy: c.strategy,
        price: c.old_minor,
        field: c.field.as_str(),
        regular_price: p.shelf.regular_minor,
        sale_end: p.shelf.sale_end.as_deref().filter(|_| sale_end.is_some()),
        cost: p.cost_minor,
        vat_bps,
        competitors_basis: "before_vat",
        competitors: &p.market.prices,
        stats: c.market,
        position: c.position,
        target: c.target.price_minor,
        reference: c.target.reference_minor,
        rule_id: rule.id.as_str(),
        rule_version: rule.version,
        dry_run_rule: rule.dry_run,
        fallback: matches!(c.demand, Some(Err(_))),
        demand: demand_inputs(c.demand),
    };
    let guard = Guard { floor: c.verdict.floor, ceiling: c.verdict.ceiling, hits: &c.verdict.hits };
    let (en, ar) = if worded { words_for(c, p, &label.currency, vat_bps) } else { (String::new(), String::new()) };
    let approved = c.status == spo_store::DecisionStatus::Approved;
    NewDecision {
        product_id: p.id.as_str().to_owned(),
        currency: label.currency.clone(),
        old_price_minor: c.old_minor,
        new_price_minor: c.new_minor,
        price_field: c.field,
        sale_end,
        strategy: c.strategy.kind().into(),
        inputs: serde_json::to_string(&inputs).unwrap_or_else(|_| "{}".into()),
        guardrails: serde_json::to_string(&guard).unwrap_or_else(|_| "{}".into()),
        risk: c.risk,
        rationale_en: en,
        rationale_ar: ar,
        status: c.status,
        decided_by: approved.then(|| Actor::RiskReviewer.as_str().to_owned()),
        rollback_of: None,
    }
}

/// Each agent's output, as the run report and the Runs screen show it.
fn steps_json(plan: &Plan, mode: ipc::AutomationMode, kill: bool, unchanged: &[ipc::ReasonCount]) -> serde_json::Value {
    let unchanged: HashMap<&str, u32> = unchanged.iter().map(|r| (r.reason.as_str(), r.count)).collect();
    serde_json::json!([
        { "agent": "market_analyst", "products_with_competitors": plan.market.products_with_competitors, "positions": plan.market.positions },
        { "agent": "demand_analyst", "used": plan.demand_estimated.is_some(), "products_estimated": plan.demand_estimated.unwrap_or(0) },
        { "agent": "strategist", "proposed": plan.changes.len(), "unchanged": unchanged },
        { "agent": "risk_reviewer", "auto_approved": plan.auto_approved(), "frozen": plan.frozen.len(), "breaker": plan.breaker, "mode": format!("{mode:?}"), "kill_switch": kill },
    ])
}

/// Phase timings for the report.
#[derive(Default)]
struct Phases(Vec<ipc::PhaseTime>);

impl Phases {
    fn done(&mut self, name: &str, since: &mut Instant) {
        self.0.push(ipc::PhaseTime {
            name: name.into(),
            micros: u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX),
        });
        *since = Instant::now();
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl App {
    /// One optimization run over the store's catalogue. With `dry_run` nothing is stored or
    /// applied: the report shows what would happen.
    #[tracing::instrument(skip_all, err)]
    pub async fn optimize(&self, store_id: &str, kind: ipc::RunKind, dry_run: bool) -> Result<ipc::RunReport> {
        let started = Instant::now();
        let kind = crate::vocab::run_kind::from_ipc(kind);
        self.db().store(store_id).await?;
        let now = self.now();
        let kill = self.kill_switch().await?;
        let mode = self.mode(store_id).await?;
        let run_id = if dry_run {
            None
        } else {
            self.expire_stale(store_id).await?;
            Some(self.db().start_run(store_id, kind).await?)
        };
        let mut phases = Phases::default();
        let mut phase = Instant::now();
        let snap = self
            .db()
            .pricing_snapshot(store_id, &time_text(now - MARKET_MAX_AGE_SECS), &time_text(now - HISTORY_SECS))
            .await?;
        let vat_bps = u32::try_from(snap.vat_bps).unwrap_or(0);
        let rules = super::rules::plan_rules(&snap.rules);
        let (products, labels, estimates) = planner_inputs(snap, vat_bps);
        // The demand analyst's estimates (refreshed after each orders import, never here).
        let book = rules.any_maximizes_profit().then(|| {
            let estimates = estimates.iter().map(|(i, row)| (*i as usize, crate::demand::estimate_of(row)));
            plan::DemandBook::new(&products, estimates)
        });
        phases.done("read", &mut phase);
        let settings = plan::Settings { now, today: store_day(now), mode, kill_switch: kill };
        let plan = plan::plan(&products, &rules, book.as_ref(), &settings);
        phases.done("plan", &mut phase);

        let mut unchanged: Vec<ipc::ReasonCount> = plan
            .unchanged
            .iter()
            .map(|(reason, count)| ipc::ReasonCount { reason: reason.as_str().into(), count: *count })
            .collect();
        unchanged.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        let ipc_mode = mode_to_ipc(mode);
        let mut steps = steps_json(&plan, ipc_mode, kill, &unchanged);
        let mut report = ipc::RunReport {
            run_id: run_id.clone(),
            dry_run,
            status: if plan.breaker.is_some() { ipc::RunStatus::AwaitingApproval } else { ipc::RunStatus::Succeeded },
            products_seen: plan.products_seen,
            proposed: count(plan.changes.len()),
            auto_approved: plan.auto_approved(),
            frozen: count(plan.frozen.len()),
            breaker: plan.breaker.map(|t| serde_json::to_string(&t).unwrap_or_default()),
            unchanged,
            demand_estimated: plan.demand_estimated.unwrap_or(0),
            priced_from_demand: plan.priced_from_demand(),
            ..ipc::RunReport::default()
        };
        // Words only for what is shown (a dry run) or stored (a recorded run), a chunk at a time.
        let record = |changes: &[Change], worded: bool| -> Vec<NewDecision> {
            changes
                .iter()
                .filter_map(|c| {
                    let rule = rules.get(c.rule)?;
                    Some(new_decision(c, rule, &products[c.product], &labels[c.product], vat_bps, worded))
                })
                .collect()
        };
        let Some(run_id) = run_id else {
            // Dry run: the decisions as they would be, nothing stored.
            let shown = &plan.changes[..plan.changes.len().min(REPORT_DECISIONS)];
            report.decisions =
                record(shown, true).into_iter().zip(shown).map(|(d, c)| dry_decision(d, &labels[c.product])).collect();
            phases.done("words", &mut phase);
            drop((plan, products, labels, book));
            crate::memory::release_after("dry run").await;
            phases.done("release_memory", &mut phase);
            report.steps = steps.to_string();
            report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            report.phases = phases.0;
            tracing::info!(phases = ?report.phases, elapsed_ms = report.elapsed_ms, "optimization dry run");
            return Ok(report);
        };
        let mut chunks = plan.changes.chunks(RECORD_CHUNK);
        // The language model (when set up) rewords the first rationales; never a price. Before the
        // write transaction opens: no network call happens inside one. It rewords the rule's words,
        // so they are built for it, and kept only where it changed them (the others are built
        // again from the inputs when shown).
        let advisor = self.advisor().await;
        let mut first = chunks.next().map(|c| record(c, matches!(advisor, Ok(Some(_))))).unwrap_or_default();
        match advisor {
            Ok(Some((client, budget))) => {
                let names: HashMap<&str, &str> =
                    products.iter().zip(&labels).map(|(p, l)| (p.id.as_str(), l.name.as_str())).collect();
                let rule_words: Vec<(String, String)> =
                    first.iter().map(|d| (d.rationale_en.clone(), d.rationale_ar.clone())).collect();
                let mut refs: Vec<&mut NewDecision> = first.iter_mut().collect();
                let mut a = crate::advisor::Advice::default();
                self.advise_rationales(&client, &budget, &mut refs, &names, &mut a).await;
                for (d, (en, ar)) in first.iter_mut().zip(rule_words) {
                    if d.rationale_en == en && d.rationale_ar == ar {
                        d.rationale_en.clear();
                        d.rationale_ar.clear();
                    }
                }
                push_advice(&mut steps, &a);
            }
            Ok(None) => {}
            Err(e) => {
                push_advice(&mut steps, &crate::advisor::Advice { errors: vec![e.to_string()], ..Default::default() })
            }
        }
        report.steps = steps.to_string();
        for (i, kind) in &plan.frozen {
            let reason = serde_json::to_string(kind).unwrap_or_else(|_| "loop".into());
            self.db()
                .set_frozen(store_id, products[*i].id.as_str(), Some(&reason), Actor::RiskReviewer.as_str())
                .await?;
        }
        phases.done("words", &mut phase);
        let outcome = RunOutcome {
            status: crate::vocab::run_status::from_ipc(report.status),
            products_seen: i64::from(plan.products_seen),
            proposed: i64::try_from(plan.changes.len()).unwrap_or(i64::MAX),
            applied: 0,
            errors: 0,
            steps: report.steps.clone(),
            error: None,
        };
        let recorder = self.db().record_run(store_id, &run_id);
        let mut sent = recorder.add(first).await;
        let mut wording = std::time::Duration::ZERO;
        for chunk in chunks {
            if sent.is_err() {
                break;
            }
            let t = Instant::now();
            let records = record(chunk, false);
            wording += t.elapsed();
            sent = recorder.add(records).await;
        }
        // The writer's own error (if it stopped) is the one worth reporting.
        let recorded = recorder.finish(outcome).await;
        sent.and(recorded)?;
        phases.0.push(ipc::PhaseTime {
            name: "words_while_recording".into(),
            micros: u64::try_from(wording.as_micros()).unwrap_or(u64::MAX),
        });
        phases.done("record", &mut phase);
        // Executor: what the automation mode approved.
        if report.auto_approved > 0 && !kill {
            let applied = self.apply_approved(store_id).await?;
            report.applied = applied.applied;
            report.failed = applied.failed + applied.expired;
            self.db().count_run_applies(&run_id, i64::from(applied.applied), i64::from(report.failed)).await?;
        }
        report.decisions = self
            .db()
            .run_decisions(store_id, &run_id, REPORT_DECISIONS as i64)
            .await?
            .into_iter()
            .map(super::decision_to_ipc)
            .collect();
        phases.done("apply_and_report", &mut phase);
        drop((plan, products, labels, book));
        crate::memory::release_after("recorded run").await;
        phases.done("release_memory", &mut phase);
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report.phases = phases.0;
        tracing::info!(phases = ?report.phases, elapsed_ms = report.elapsed_ms, "optimization run");
        Ok(report)
    }
}

fn push_advice(steps: &mut serde_json::Value, a: &crate::advisor::Advice) {
    if let Some(list) = steps.as_array_mut() {
        let mut step = serde_json::to_value(a).unwrap_or_default();
        step["agent"] = serde_json::json!("llm_advisor");
        list.push(step);
    }
}

/// A decision of a dry run as the report shows it (no id: nothing was stored).
fn dry_decision(d: NewDecision, label: &Label) -> ipc::Decision {
    ipc::Decision {
        id: String::new(),
        run_id: None,
        product_id: d.product_id,
        product_name: label.name.clone(),
        product_sku: label.sku.clone(),
        currency: d.currency,
        old_price_minor: d.old_price_minor,
        new_price_minor: d.new_price_minor,
        price_field: price_field_kind(d.price_field),
        sale_end: d.sale_end,
        strategy: crate::vocab::decision_strategy::to_ipc(d.strategy),
        risk: super::queue::risk_to_ipc(d.risk),
        status: super::queue::status_to_ipc(d.status),
        rationale_en: d.rationale_en,
        rationale_ar: d.rationale_ar,
        inputs: d.inputs,
        guardrails: d.guardrails,
        decided_by: d.decided_by,
        applied_at: None,
        salla_response: None,
        rollback_of: None,
        created_at: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spo_store::{HistoryChange, MarketPrice, PricingProduct};

    #[test]
    fn competitor_prices_are_taken_before_vat_unless_stated_without_it() {
        let p = PricingProduct {
            id: "p".into(),
            salla_product_id: 1,
            name: "قهوة".into(),
            sku: None,
            category_id: None,
            currency: "SAR".into(),
            price_minor: 10_000,
            sale_price_minor: None,
            sale_end: None,
            cost_minor: None,
            pricing_frozen_at: None,
        };
        let snap = PricingSnapshot {
            products: vec![p],
            market: vec![
                MarketPrice { product: 0, amount_minor: 11_500, vat_included: true },
                MarketPrice { product: 0, amount_minor: 9_000, vat_included: false },
            ],
            history: vec![HistoryChange {
                product: 0,
                change: spo_store::AppliedChange {
                    product_id: "p".into(),
                    applied_at: "2026-12-01T10:00:00.000Z".into(),
                    old_price_minor: 9_000,
                    new_price_minor: 10_000,
                },
            }],
            rules: Vec::new(),
            vat_bps: 1_500,
            demand: Vec::new(),
        };
        let (products, labels, _) = planner_inputs(snap, 1_500);
        assert_eq!(products[0].market.prices, vec![9_000, 10_000]);
        assert_eq!(products[0].history.len(), 1);
        assert_eq!(labels[0].name, "قهوة");
    }

    mod stored_words {
        use super::super::super::rationale::words_from_facts;
        use super::*;
        use proptest::prelude::{prop_assert, prop_assert_eq, prop_oneof, proptest, Just};
        use proptest::strategy::Strategy as _;
        use spo_domain::pricing::demand::{Elasticity, Untrusted};
        use spo_domain::pricing::guardrails::{Limits, Verdict};
        use spo_domain::pricing::shelf::PriceField;
        use spo_domain::pricing::strategy::{Beat, Strategy, Target};
        use spo_store::{DecisionStatus, Risk};

        fn strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
            prop_oneof![
                Just(Strategy::MatchLowest),
                (1u32..5_000).prop_map(|b| Strategy::BeatLowest { by: Beat::Bps(b) }),
                (1i64..5_000).prop_map(|v| Strategy::BeatLowest { by: Beat::Minor(v) }),
                (1u32..6).prop_map(|rank| Strategy::Position { rank }),
                (-3_000i32..3_000).prop_map(|bps| Strategy::PremiumOverAverage { bps }),
                (0u32..9_000).prop_map(|bps| Strategy::TargetMargin { bps }),
                Just(Strategy::MaximizeProfit),
            ]
        }

        fn demand(
        ) -> impl proptest::strategy::Strategy<Value = Option<std::result::Result<(Elasticity, i64), Untrusted>>>
        {
            prop_oneof![
                Just(None),
                (-6.0f64..-0.2, 0.0f64..2.0, 14u32..365, 100i64..100_000).prop_map(|(value, std_error, days, opt)| {
                    Some(Ok((Elasticity { value, std_error, days, observed: Some((opt / 2, opt)) }, opt)))
                }),
                prop_oneof![
                    Just(Untrusted::TooFewDays),
                    Just(Untrusted::TooFewSales),
                    Just(Untrusted::NoPriceVariation),
                    Just(Untrusted::TooUncertain),
                    Just(Untrusted::Inelastic),
                    Just(Untrusted::NoCost),
                ]
                .prop_map(|u| Some(Err(u))),
            ]
        }

        fn hits() -> impl proptest::strategy::Strategy<Value = Vec<Hit>> {
            proptest::collection::vec(
                prop_oneof![
                    (1i64..100_000).prop_map(|floor| Hit::Floor { floor }),
                    (1i64..100_000).prop_map(|ceiling| Hit::Ceiling { ceiling }),
                    (1i64..100_000).prop_map(|limit| Hit::Step { limit }),
                    (1i64..100_000).prop_map(|limit| Hit::Daily { limit }),
                ],
                0..3,
            )
        }

        proptest! {
            /// A recorded decision's words, built from what the run stored, are the words the
            /// planned change had: nothing a screen shows is lost by not storing them.
            #[test]
            fn words_built_from_the_stored_facts_are_the_planned_ones(
                strategy in strategy(),
                demand in demand(),
                hits in hits(),
                competitors in proptest::collection::vec(1i64..1_000_000, 0..7),
                reference in proptest::option::of(1i64..1_000_000),
                (old, new, regular) in (1i64..1_000_000, 1i64..1_000_000, 1i64..1_000_000),
                sale in proptest::option::of(proptest::option::of("20[2-9][0-9]-[01][0-9]-[0-3][0-9]")),
                vat_bps in prop_oneof![Just(0u32), Just(1_500u32), 0u32..3_000],
                currency in prop_oneof![Just("SAR"), Just("USD"), Just("KWD")],
            ) {
                let field = if sale.is_some() { PriceField::SalePrice } else { PriceField::Price };
                let product = plan::Product {
                    id: ProductId::from("p1"),
                    category: None,
                    shelf: Shelf {
                        regular_minor: regular,
                        sale_minor: sale.as_ref().map(|_| old),
                        sale_end: sale.clone().flatten(),
                    },
                    cost_minor: Some(regular / 2),
                    frozen: false,
                    market: Market { prices: competitors },
                    history: Vec::new(),
                };
                let change = Change {
                    product: 0,
                    rule: 0,
                    strategy,
                    field,
                    old_minor: old,
                    new_minor: new,
                    target: Target { price_minor: new, reference_minor: reference },
                    demand,
                    verdict: Verdict { price_minor: Some(new), floor: Some(1), ceiling: Some(2_000_000), hits },
                    market: None,
                    position: None,
                    change_bps: 0,
                    risk: Risk::Low,
                    status: DecisionStatus::Proposed,
                };
                let rule = plan::Rule {
                    id: "r1".into(),
                    version: 3,
                    strategy: Some(strategy),
                    limits: Limits::default(),
                    dry_run: false,
                };
                let label = Label { name: "قهوة".into(), sku: None, currency: currency.into() };
                let shown = new_decision(&change, &rule, &product, &label, vat_bps, true);
                let stored = new_decision(&change, &rule, &product, &label, vat_bps, false);
                prop_assert!(stored.rationale_en.is_empty() && stored.rationale_ar.is_empty());
                prop_assert_eq!(&stored.inputs, &shown.inputs);
                let rebuilt = words_from_facts(&stored.inputs, &stored.guardrails, old, new, currency, field)
                    .expect("the stored facts read back");
                prop_assert_eq!(rebuilt, (shown.rationale_en, shown.rationale_ar));
            }
        }
    }
}
