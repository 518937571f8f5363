//! The pricing loop end to end against the simulated Salla: rules, runs, guardrails, the breaker,
//! the kill switch, automation modes, apply with intent and read-back, reconciliation after an
//! interrupted apply, rollback, and the audit trail. Real SQLite; in-memory keychain.

mod common;

use spo_app::{App, AppPaths};
use spo_ipc::{AutomationMode, RuleRequest, StrategySpec};
use spo_salla_sim::{competitor_price, Faults, Sim, SimConfig, SimProduct};

struct Env {
    _dir: tempfile::TempDir,
    app: App,
    sim: Sim,
    store: String,
    products: Vec<SimProduct>,
}

/// A store of 20 products; the first `tracked` on sale have two competitor pages each, read once.
async fn setup(tracked: usize) -> Env {
    setup_on(tracked, None).await
}

/// [`setup`] with the app on `clock`.
async fn setup_on(tracked: usize, clock: Option<std::sync::Arc<dyn spo_app::clock::Clock>>) -> Env {
    let mut cfg = SimConfig::demo(20);
    cfg.order_history_days = 0;
    let sim = Sim::start(cfg).await.expect("sim");
    let (dir, app, store) = common::open_connected_on(&sim, clock).await;
    let products: Vec<SimProduct> = sim.config().products.into_iter().filter(|p| p.status == "sale").collect();
    for p in products.iter().take(tracked) {
        for shop in ["souq", "bayt"] {
            let req = spo_ipc::NewListingRequest {
                store_id: store.clone(),
                product: p.sku.clone(),
                url: sim.competitor_url(shop, p.id),
                ..Default::default()
            };
            let l = app.add_listing(req).await.expect("listing");
            app.check_listing(&store, &l.id).await.expect("check");
        }
    }
    Env { _dir: dir, app, sim, store, products }
}

/// A VAT-inclusive shelf price (15 %) before VAT, rounded half up.
fn before_vat(shelf: i64) -> i64 {
    (shelf * 20_000 + 11_500) / 23_000
}

fn rule(store: &str, min: &str, max: &str, live: bool) -> RuleRequest {
    RuleRequest {
        store_id: store.into(),
        product: None,
        category: None,
        strategy: StrategySpec::BeatLowestBps { bps: 100 },
        min_price: Some(min.into()),
        max_price: Some(max.into()),
        min_margin_bps: Some(500),
        max_step_bps: None,
        max_daily_bps: None,
        cooldown_minutes: None,
        ending: spo_ipc::PriceEndingSpec::Exact,
        live,
    }
}

async fn recheck_all(env: &Env) {
    for l in env.app.list_listings(&env.store).await.expect("listings") {
        env.app.check_listing(&env.store, &l.id).await.expect("check");
    }
}

#[tokio::test]
async fn a_new_rule_proposes_and_waits_then_applies_exactly_once_and_rolls_back() {
    let env = setup(3).await;
    let (app, store) = (&env.app, &env.store);
    let r = app.set_rule(rule(store, "1.00", "100000.00", false)).await.expect("rule");
    assert!(r.dry_run, "new rules start in dry run");
    // Even in automatic mode a dry-run rule only proposes.
    app.set_automation_mode(store, AutomationMode::Automatic).await.expect("mode");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(run.status, spo_ipc::RunStatus::Succeeded);
    assert_eq!((run.proposed, run.auto_approved, run.applied), (3, 0, 0), "{run:?}");
    assert_eq!(env.sim.stats().updates, 0, "nothing written");
    // Compared before VAT (15 %), as our prices are: the page's shelf price with VAT taken out.
    let lowest = |p: &SimProduct| before_vat(competitor_price(p, 0));
    for d in &run.decisions {
        let p = env.products.iter().find(|p| Some(&p.sku) == d.product_sku.as_ref()).expect("product");
        assert_eq!(d.status, spo_ipc::DecisionStatus::Proposed);
        // Beat the lowest by 1 %, within the 10 % step.
        let target = lowest(p) - lowest(p) / 100;
        let step = p.price_minor / 10;
        assert_eq!(d.new_price_minor, target.clamp(p.price_minor - step, p.price_minor + step), "{d:?}");
        assert!(d.rationale_en.contains("Beat the lowest of 2 competitor prices"), "{}", d.rationale_en);
        assert!(d.rationale_ar.contains("أدنى سعر"), "{}", d.rationale_ar);
    }
    // Unchanged products say why.
    assert!(run.unchanged.iter().any(|r| r.reason == "no_competitors" && r.count == 17), "{:?}", run.unchanged);

    // The merchant approves one, rejects one; the executor applies the approved one.
    let (a, b) = (&run.decisions[0], &run.decisions[1]);
    assert_eq!(app.decide(store, std::slice::from_ref(&a.id), true).await.expect("approve"), 1);
    assert_eq!(app.decide(store, std::slice::from_ref(&b.id), false).await.expect("reject"), 1);
    assert!(app.decide(store, std::slice::from_ref(&b.id), true).await.is_err(), "decided once");
    let applied = app.apply_approved(store).await.expect("apply");
    assert_eq!((applied.applied, applied.failed), (1, 0), "{applied:?}");
    let pa = env.products.iter().find(|p| Some(&p.sku) == a.product_sku.as_ref()).expect("product");
    assert_eq!(env.sim.product_price(pa.id), Some(a.new_price_minor), "Salla has the new price");
    assert_eq!(env.sim.stats().updates, 1, "exactly one write");
    assert_eq!(app.apply_approved(store).await.expect("again").applied, 0, "nothing twice");
    let trail: Vec<String> =
        app.audit_trail(&a.id).await.expect("audit").into_iter().map(|(action, _, _)| action).collect();
    assert_eq!(trail, ["decision.approved", "decision.applying", "decision.applied"]);

    // Rollback through the same path.
    let back = app.rollback(store, &a.id).await.expect("rollback");
    assert_eq!((back.status.as_str(), back.new_price_minor), ("applied", a.old_price_minor));
    assert_eq!(env.sim.product_price(pa.id), Some(a.old_price_minor));
    let original = app.decisions(store, &[spo_ipc::DecisionStatus::RolledBack]).await.expect("list");
    assert_eq!(original.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [a.id.as_str()]);
    assert!(app.rollback(store, &a.id).await.is_err(), "rolled back once");
}

#[tokio::test]
async fn every_competitor_dropping_99_percent_writes_nothing() {
    let env = setup(8).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "0.01", "100000.00", true)).await.expect("rule");
    app.set_automation_mode(store, AutomationMode::Automatic).await.expect("mode");
    let set_all = |f: &dyn Fn(i64) -> i64| {
        for p in env.products.iter().take(8) {
            for shop in ["souq", "bayt"] {
                env.sim.set_competitor_price(shop, p.id, f(competitor_price(p, 0)));
            }
        }
    };
    // A second ordinary price per page, so each has a history to compare with.
    set_all(&|base| base + 1);
    recheck_all(&env).await;
    set_all(&|base| base / 100);
    // First sighting: suspicious, not used.
    recheck_all(&env).await;
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!((run.proposed, env.sim.stats().updates), (0, 0), "{run:?}");
    // Seen again (a halala off): confirmed. Eight products would move (more than five of twenty):
    // the breaker trips.
    set_all(&|base| base / 100 + 1);
    recheck_all(&env).await;
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(run.status, spo_ipc::RunStatus::AwaitingApproval, "{run:?}");
    assert!(run.breaker.as_deref().is_some_and(|b| b.contains("too_many_changes")), "{:?}", run.breaker);
    assert_eq!((run.proposed, run.auto_approved, run.applied), (8, 0, 0));
    assert!(run
        .decisions
        .iter()
        .all(|d| d.status == spo_ipc::DecisionStatus::Proposed && d.new_price_minor * 10 >= d.old_price_minor * 9));
    assert_eq!(env.sim.stats().updates, 0, "zero writes");
}

#[tokio::test]
async fn blank_minimum_kill_switch_and_semi_automatic_mode() {
    let env = setup(3).await;
    let (app, store) = (&env.app, &env.store);
    let mut blank = rule(store, "1.00", "100000.00", true);
    blank.min_price = None;
    app.set_rule(blank).await.expect("rule");
    app.set_automation_mode(store, AutomationMode::Automatic).await.expect("mode");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(run.proposed, 0);
    assert!(run.unchanged.iter().any(|r| r.reason == "missing_min_max" && r.count == 3), "{:?}", run.unchanged);

    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    assert!(app.set_kill_switch(true).await.expect("kill"));
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!((run.proposed, env.sim.stats().updates), (0, 0));
    assert!(run.unchanged.iter().any(|r| r.reason == "kill_switch"), "{:?}", run.unchanged);
    assert!(app.apply_approved(store).await.is_err(), "the executor refuses too");
    assert!(!app.set_kill_switch(false).await.expect("off"));

    // Semi-automatic: only low-risk changes apply (here every change is a few percent with a
    // healthy margin and two competitors → low).
    app.set_automation_mode(store, AutomationMode::SemiAutomatic).await.expect("mode");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let low = run.decisions.iter().filter(|d| d.risk == spo_ipc::RiskLevel::Low).count() as u32;
    assert_eq!(run.auto_approved, low);
    assert_eq!(run.applied, low, "{run:?}");
    assert!(run
        .decisions
        .iter()
        .filter(|d| d.risk != spo_ipc::RiskLevel::Low)
        .all(|d| d.status == spo_ipc::DecisionStatus::Proposed));
    // The cool-down keeps the applied ones still on the next run.
    let again = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    if low > 0 {
        assert!(again.unchanged.iter().any(|r| r.reason == "cool_down"), "{:?}", again.unchanged);
    }
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_reading_the_product_back() {
    let env = setup(2).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(run.proposed, 2);
    let ids: Vec<String> = run.decisions.iter().map(|d| d.id.clone()).collect();
    app.decide(store, &ids, true).await.expect("approve");
    // Salla applies the change, then the answer is lost (504): the read-back shows it landed.
    env.sim.set_faults(Faults { lost_update_answer_per_mille: 1000, ..Faults::default() });
    let before = env.sim.stats().updates;
    let applied = app.apply_approved(store).await.expect("apply");
    assert_eq!((applied.applied, applied.failed), (2, 0), "{applied:?}");
    assert_eq!(env.sim.stats().updates - before, 2, "one write each, never retried blindly: {:?}", env.sim.stats());
    env.sim.set_faults(Faults::default());
    for d in &run.decisions {
        let p = env.products.iter().find(|p| Some(&p.sku) == d.product_sku.as_ref()).expect("p");
        assert_eq!(env.sim.product_price(p.id), Some(d.new_price_minor));
    }
}

#[tokio::test]
async fn a_changed_price_at_salla_expires_the_decision() {
    let env = setup(1).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let d = &run.decisions[0];
    app.decide(store, std::slice::from_ref(&d.id), true).await.expect("approve");
    let p = env.products.iter().find(|p| Some(&p.sku) == d.product_sku.as_ref()).expect("p");
    env.sim.set_product_price(p.id, p.price_minor + 500);
    let applied = app.apply_approved(store).await.expect("apply");
    assert_eq!((applied.applied, applied.expired), (0, 1), "{applied:?}");
    assert_eq!(env.sim.product_price(p.id), Some(p.price_minor + 500), "the merchant's price stands");
    assert_eq!(env.sim.stats().updates, 0);
}

#[tokio::test]
async fn dry_run_stores_nothing() {
    let env = setup(2).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    app.set_automation_mode(store, AutomationMode::Automatic).await.expect("mode");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, true).await.expect("dry run");
    assert!(run.dry_run && run.run_id.is_none());
    assert_eq!((run.proposed, run.applied), (2, 0));
    assert!(app.decisions(store, &[]).await.expect("list").is_empty());
    assert_eq!(env.sim.stats().updates, 0);
}

/// Starts applying, waits until one of the store's decisions is `applying` (its intent committed)
/// and `landed` holds, then drops the apply mid-call, as a crash would.
async fn interrupt_apply(env: &Env, landed: impl Fn() -> bool) {
    let app = env.app.clone();
    let store = env.store.clone();
    let task = tokio::spawn(async move { app.apply_approved(&store).await });
    loop {
        if !env.app.decisions(&env.store, &[spo_ipc::DecisionStatus::Applying]).await.expect("list").is_empty()
            && landed()
        {
            break;
        }
        assert!(!task.is_finished(), "the apply finished before it could be interrupted");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    task.abort();
    let _ = task.await;
}

/// R17: the app stops after the intent is committed, once after Salla applied the change (the
/// answer never came) and once before the request was handled. After a restart each change is
/// applied exactly once, confirmed by reading the product back, with one audit row per step.
#[tokio::test]
async fn an_interrupted_apply_is_settled_by_reading_back_before_any_retry() {
    use std::time::Duration;
    let env = setup(2).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(run.proposed, 2);
    let (first, second) = (&run.decisions[0], &run.decisions[1]);
    let price_of = |d: &spo_ipc::Decision| {
        let p = env.products.iter().find(|p| Some(&p.sku) == d.product_sku.as_ref()).expect("p");
        env.sim.product_price(p.id)
    };

    // 1. The write lands, the answer is slow, the app is gone before it arrives.
    app.decide(store, std::slice::from_ref(&first.id), true).await.expect("approve");
    env.sim.set_faults(Faults { update_answer_delay: Duration::from_secs(3), ..Faults::default() });
    interrupt_apply(&env, || env.sim.stats().updates == 1).await;
    assert_eq!(price_of(first), Some(first.new_price_minor), "the write landed");
    env.sim.set_faults(Faults::default());
    let settled = app.apply_approved(store).await.expect("settle");
    assert_eq!((settled.applied, settled.reconciled, settled.failed), (1, 1, 0), "{settled:?}");
    assert_eq!(env.sim.stats().updates, 1, "not written twice");

    // 2. Every answer is slow; the app is gone while the write waits to be handled.
    app.decide(store, std::slice::from_ref(&second.id), true).await.expect("approve");
    env.sim.set_faults(Faults { latency: Duration::from_millis(600), ..Faults::default() });
    interrupt_apply(&env, || true).await;
    // Whatever the server did with the abandoned request is finished after its latency.
    tokio::time::sleep(Duration::from_millis(900)).await;
    env.sim.set_faults(Faults::default());
    let settled = app.apply_approved(store).await.expect("settle");
    assert_eq!((settled.applied, settled.reconciled, settled.failed), (1, 1, 0), "{settled:?}");
    assert_eq!(price_of(second), Some(second.new_price_minor));
    assert_eq!(env.sim.stats().updates, 2, "each change exactly once");
    for d in [first, second] {
        let trail: Vec<String> = app.audit_trail(&d.id).await.expect("audit").into_iter().map(|(a, _, _)| a).collect();
        assert_eq!(trail, ["decision.approved", "decision.applying", "decision.applied"], "{}", d.id);
    }
}

#[tokio::test]
async fn a_profit_maximizing_rule_learns_demand_from_the_store_s_own_orders() {
    // The sim's demand model sells the first six simple products briskly (twelve a day), the rest a
    // handful a month; 180 days of orders come through the real API.
    let mut cfg = SimConfig::demo(20);
    cfg.time_scale = 120;
    let mut busy = Vec::new();
    for p in cfg.products.iter_mut().filter(|p| p.status == "sale" && p.variants.is_empty()).take(6) {
        p.base_daily_units = 12.0;
        busy.push(p.clone());
    }
    let sim = Sim::start(cfg).await.expect("sim");
    let (_dir, app, store) = common::open_connected(&sim).await;
    app.sync_orders(&store, &|_| {}).await.expect("orders");
    // A slow seller with competitor pages: it falls back to the rule and says why.
    let thin = sim
        .config()
        .products
        .into_iter()
        .find(|p| p.status == "sale" && p.variants.is_empty() && !busy.iter().any(|b| b.id == p.id))
        .expect("thin product");
    for shop in ["souq", "bayt"] {
        let req = spo_ipc::NewListingRequest {
            store_id: store.clone(),
            product: thin.sku.clone(),
            url: sim.competitor_url(shop, thin.id),
            ..Default::default()
        };
        let l = app.add_listing(req).await.expect("listing");
        app.check_listing(&store, &l.id).await.expect("check");
    }
    let mut r = rule(&store, "1.00", "100000.00", false);
    r.strategy = StrategySpec::MaximizeProfit;
    app.set_rule(r).await.expect("rule");
    let run = app.optimize(&store, spo_ipc::RunKind::Manual, false).await.expect("run");

    let mut learned = 0;
    for p in &busy {
        let Some(d) = run.decisions.iter().find(|d| d.product_sku.as_ref() == Some(&p.sku)) else {
            // Already at its optimum, or demand too inelastic (−1.1) for a finite one.
            continue;
        };
        let inputs: serde_json::Value = serde_json::from_str(&d.inputs).expect("inputs");
        let demand = &inputs["demand"];
        let Some(e) = demand["elasticity"].as_f64() else {
            // Nearly inelastic demand (−1.1, −1.2) has no optimum worth moving toward.
            assert!(p.elasticity > -1.25, "only the nearly inelastic fall back: {} {demand}", p.elasticity);
            assert!(matches!(demand["untrusted"].as_str(), Some("inelastic" | "too_uncertain")), "{demand}");
            continue;
        };
        learned += 1;
        let se = demand["std_error"].as_f64().expect("std error");
        assert!(se > 0.0 && se <= 0.5, "trusted estimates only: {demand}");
        assert!((e - p.elasticity).abs() <= 3.0 * se + 0.2, "true {} vs {demand}", p.elasticity);
        // Toward the optimum, at most one 10 % step at a time.
        let optimum = demand["optimum"].as_i64().expect("optimum");
        let step = d.old_price_minor / 10;
        let toward = optimum.clamp(d.old_price_minor - step, d.old_price_minor + step);
        assert!(
            (d.new_price_minor - toward).abs() <= 1,
            "{} → {} (optimum {optimum})",
            d.old_price_minor,
            d.new_price_minor
        );
        let why = if e + se >= -1.1 {
            "Sales barely react to price"
        } else {
            "Profit-maximizing price from the store's own sales"
        };
        assert!(d.rationale_en.starts_with(why), "{}", d.rationale_en);
        assert!(!d.rationale_en.contains("ر.س"), "English names riyals as SAR: {}", d.rationale_en);
        assert!(d.rationale_ar.contains("مرونة الطلب السعرية"), "{}", d.rationale_ar);
        assert_eq!(d.strategy, spo_ipc::DecisionStrategy::MaximizeProfit);
    }
    assert!(learned >= 3, "most brisk sellers priced from their demand: {learned} of {}", busy.len());

    let d = run.decisions.iter().find(|d| d.product_sku.as_ref() == Some(&thin.sku)).expect("thin decision");
    let inputs: serde_json::Value = serde_json::from_str(&d.inputs).expect("inputs");
    assert_eq!(inputs["demand"]["untrusted"], "too_few_sales", "{inputs}");
    assert!(d.rationale_en.contains("fewer than 60 units sold"), "{}", d.rationale_en);
    assert!(d.rationale_ar.contains("أقل من 60 وحدة"), "{}", d.rationale_ar);
    assert!(d.rationale_en.contains("Match the lowest of 2 competitor prices"), "{}", d.rationale_en);

    // The estimates are kept for the day: a second run reads the same ones.
    let again = app.optimize(&store, spo_ipc::RunKind::Manual, true).await.expect("dry run");
    let prices = |r: &spo_ipc::RunReport| {
        let mut v: Vec<(Option<String>, i64)> =
            r.decisions.iter().map(|d| (d.product_sku.clone(), d.new_price_minor)).collect();
        v.sort();
        v
    };
    assert_eq!(prices(&again), prices(&run));
}

#[tokio::test]
async fn a_whole_run_rolls_back_and_old_proposals_expire() {
    let env = setup(3).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    app.set_automation_mode(store, AutomationMode::Automatic).await.expect("mode");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(run.applied, 3, "{run:?}");
    let run_id = run.run_id.clone().expect("stored run");
    // One product's price moves again after the run (by hand in Salla): its rollback must not
    // overwrite that.
    let moved = &run.decisions[0];
    let moved_product = env.products.iter().find(|p| Some(&p.sku) == moved.product_sku.as_ref()).expect("product");
    env.sim.set_product_price(moved_product.id, moved.new_price_minor + 123);
    let writes = env.sim.stats().updates;

    let back = app.rollback_run(store, &run_id).await.expect("rollback run");
    assert_eq!((back.applied, back.expired, back.failed), (2, 1, 0), "{back:?}");
    assert_eq!(env.sim.stats().updates, writes + 2, "one write per rolled-back product");
    for d in &run.decisions[1..] {
        let p = env.products.iter().find(|p| Some(&p.sku) == d.product_sku.as_ref()).expect("product");
        assert_eq!(env.sim.product_price(p.id), Some(d.old_price_minor), "back to the price before the run");
    }
    assert_eq!(env.sim.product_price(moved_product.id), Some(moved.new_price_minor + 123), "left alone");
    let again = app.rollback_run(store, &run_id).await.expect("the moved one is still applied");
    assert_eq!(again.applied, 0, "{again:?}");
}

#[tokio::test]
async fn decisions_that_waited_three_days_expire_instead_of_being_written() {
    // The app's own clock is moved, never the stored rows.
    let clock = spo_app::clock::ManualClock::now_from_system();
    let env = setup_on(3, Some(std::sync::Arc::new(clock.clone()))).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "1.00", "100000.00", false)).await.expect("rule");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(run.proposed, 3);
    let (a, b) = (&run.decisions[0], &run.decisions[1]);
    app.decide(store, std::slice::from_ref(&b.id), true).await.expect("approve b");
    // Two days later nothing has expired yet.
    clock.advance(48 * 3_600);
    assert_eq!(app.decisions(store, &[spo_ipc::DecisionStatus::Expired]).await.expect("list").len(), 0);
    // Three days and a minute after the run: the approval is not written, the proposals lapse.
    clock.advance(24 * 3_600 + 60);
    let applied = app.apply_approved(store).await.expect("apply");
    assert_eq!((applied.applied, applied.expired), (0, 3), "the old approval is not written: {applied:?}");
    assert_eq!(env.sim.stats().updates, 0);
    let err = app.decide(store, std::slice::from_ref(&a.id), true).await.expect_err("too old");
    assert!(err.to_string().contains("expired"), "{err}");
    let expired: Vec<String> = app
        .decisions(store, &[spo_ipc::DecisionStatus::Expired])
        .await
        .expect("list")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert!(run.decisions.iter().all(|d| expired.contains(&d.id)), "{expired:?}");
    let path = AppPaths::new(env._dir.path().join("data"), env._dir.path().join("logs")).db_path;
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("db");
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'decisions.expired'")
        .fetch_one(&db)
        .await
        .expect("audit");
    assert_eq!(audited, 1, "one audit row for the expiry");
    // Fresh competitor prices and a fresh run at the new time: its decisions can be decided.
    for l in app.list_listings(store).await.expect("listings") {
        app.check_listing(store, &l.id).await.expect("check");
    }
    let fresh = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert_eq!(fresh.proposed, 3, "{fresh:?}");
    assert!(fresh.decisions.iter().all(|d| d.created_at > a.created_at), "stamped by the app's clock");
    assert_eq!(app.decide(store, std::slice::from_ref(&fresh.decisions[0].id), true).await.expect("fresh"), 1);
}

#[tokio::test]
async fn an_optional_model_rewords_rationales_and_judges_found_pages_but_never_sets_a_price() {
    use spo_ipc::{CompetitorSettingsPatch, LlmSettingsPatch};
    use spo_salla_sim::LlmMode;
    let env = setup(3).await;
    let (app, store) = (&env.app, &env.store);
    // Settings are checked before anything is kept; the key goes to the keychain only.
    let bad = LlmSettingsPatch { base_url: Some("ftp://models".into()), model: Some("m".into()), ..Default::default() };
    assert!(app.update_llm_settings(bad).await.is_err());
    assert!(!app.llm_settings().await.expect("settings").enabled, "nothing kept");
    env.sim.set_llm_key(Some("sk-sim-key-1"));
    let s = app
        .update_llm_settings(LlmSettingsPatch {
            base_url: Some(env.sim.llm_url()),
            model: Some("sim-1".into()),
            api_key: Some("sk-sim-key-1".into()),
            prompt_micro_usd_per_million: Some(150_000),
            completion_micro_usd_per_million: Some(600_000),
            ..Default::default()
        })
        .await
        .expect("settings");
    assert!(s.enabled && s.key_set && s.budget_tokens == 20_000, "{s:?}");
    let path = AppPaths::new(env._dir.path().join("data"), env._dir.path().join("logs")).db_path;
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("db");
    let leaked: i64 = sqlx::query_scalar("SELECT count(*) FROM settings WHERE value LIKE '%sk-sim-key%'")
        .fetch_one(&db)
        .await
        .expect("settings");
    assert_eq!(leaked, 0, "the key is not in the database");

    // Rationales: reworded by the model, prices exactly the rule's; a dry run asks nothing.
    app.set_rule(rule(store, "1.00", "100000.00", false)).await.expect("rule");
    let dry = app.optimize(store, spo_ipc::RunKind::Manual, true).await.expect("dry run");
    assert_eq!(env.sim.stats().llm_requests, 0, "a dry run spends no tokens");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let prices = |r: &spo_ipc::RunReport| {
        let mut v: Vec<(Option<String>, i64)> =
            r.decisions.iter().map(|d| (d.product_sku.clone(), d.new_price_minor)).collect();
        v.sort();
        v
    };
    assert_eq!(prices(&run), prices(&dry), "the model never moves a price");
    for d in &run.decisions {
        assert!(d.rationale_en.starts_with("From "), "the model's words: {}", d.rationale_en);
        assert!(d.rationale_ar.starts_with("من "), "{}", d.rationale_ar);
        let inputs: serde_json::Value = serde_json::from_str(&d.inputs).expect("inputs");
        assert!(inputs["rule_rationale"]["en"].as_str().unwrap_or_default().starts_with("Beat the lowest"), "{inputs}");
        assert_eq!(inputs["rationale_by"], "sim-1");
    }
    let steps: serde_json::Value = serde_json::from_str(&run.steps).expect("steps");
    let advisor = steps.as_array().and_then(|a| a.iter().find(|s| s["agent"] == "llm_advisor")).expect("step");
    assert_eq!(advisor["rationales_written"], 3, "{advisor}");
    assert_eq!(advisor["spent"]["calls"], 1);
    assert!(advisor["spent"]["cost_micro_usd"].as_u64().unwrap_or(0) > 0, "cost counted: {advisor}");

    // A model that names a price the facts do not is not believed: the rule's words stay.
    env.sim.set_llm_mode(LlmMode::InventsNumbers);
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    assert!(run.decisions.iter().all(|d| d.rationale_en.starts_with("Beat the lowest")), "{:?}", run.decisions);
    let steps: serde_json::Value = serde_json::from_str(&run.steps).expect("steps");
    let advisor = steps.as_array().and_then(|a| a.iter().find(|s| s["agent"] == "llm_advisor")).expect("step");
    assert_eq!((advisor["rationales_written"].as_u64(), advisor["rationales_rejected"].as_u64()), (Some(0), Some(3)));

    // Found pages: judged by the model; the search results include a page that tries to
    // instruct it. A model that ignores it judges every page; one that obeys answers off-schema
    // and is rejected, the search still works, and nothing is written anywhere.
    std::env::set_var("SPO_TAVILY_URL", env.sim.tavily_url());
    let key = CompetitorSettingsPatch { tavily_key: Some(spo_salla_sim::DEMO_TAVILY_KEY.into()), ..Default::default() };
    app.update_competitor_settings(key).await.expect("tavily key");
    let product = env.products[5].sku.clone();
    env.sim.set_llm_mode(LlmMode::Normal);
    let found = app.discover_competitors(store, &product).await.expect("discover");
    assert!(found.new_candidates > 0 && found.reviewed == found.new_candidates, "{found:?}");
    let page = app.product_competitors(store, &product).await.expect("page");
    let blog = page.candidates.iter().find(|c| c.url.contains("/blog/")).expect("the article is offered");
    assert_eq!(blog.advice_verdict.as_deref(), Some("different"), "{blog:?}");
    let asked = env.sim.llm_requests().pop().expect("request");
    let user = asked["messages"][1]["content"].as_str().unwrap_or_default().to_owned();
    let inside = user.split("<untrusted_data").skip(1).any(|b| b.contains("Ignore previous instructions"));
    assert!(inside, "web text reaches the model only inside untrusted blocks: {user}");

    let other = env.products[6].sku.clone();
    env.sim.set_llm_mode(LlmMode::Gullible);
    let found = app.discover_competitors(store, &other).await.expect("the search works without the model");
    assert_eq!(found.reviewed, 0);
    assert!(found.advice_error.as_deref().unwrap_or_default().contains("schema"), "{found:?}");
    let page = app.product_competitors(store, &other).await.expect("page");
    assert!(!page.candidates.is_empty() && page.candidates.iter().all(|c| c.advice_verdict.is_none()));
    assert_eq!(env.sim.stats().updates, 0, "no price was written");
}

/// The first tracked product, on sale at 80 % of its price until `end` (synced into the app).
async fn put_on_sale(env: &Env, end: Option<&str>) -> (SimProduct, i64) {
    let p = env.products[0].clone();
    let sale = p.price_minor * 80 / 100;
    env.sim.set_product_sale(p.id, sale, None, end);
    env.app.sync_catalog(&env.store, &|_| {}).await.expect("sync");
    (p, sale)
}

#[tokio::test]
async fn a_product_on_sale_is_priced_by_its_sale_price_and_its_regular_price_is_never_written() {
    let env = setup(1).await;
    let (app, store) = (&env.app, &env.store);
    let (p, sale) = put_on_sale(&env, Some("2099-12-31")).await;
    let query =
        spo_ipc::ProductQuery { store_id: store.clone(), search: p.sku.clone(), limit: 5, ..Default::default() };
    let item = app.list_products(query).await.expect("list").items.remove(0);
    assert_eq!((item.price_minor, item.sale_price_minor), (p.price_minor, Some(sale)), "regular and sale apart");
    assert_eq!(item.sale_end.as_deref(), Some("2099-12-31"));
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let d = run.decisions.iter().find(|d| d.product_sku.as_deref() == Some(&p.sku)).expect("a decision").clone();
    assert_eq!(d.price_field, spo_ipc::PriceFieldKind::SalePrice, "{d:?}");
    assert_eq!(d.old_price_minor, sale, "priced against the sale price");
    assert!(d.new_price_minor < p.price_minor, "a sale price stays below the regular price");
    assert_eq!(d.sale_end.as_deref(), Some("2099-12-31"));
    assert!(d.rationale_en.contains("On sale until 2099-12-31"), "{}", d.rationale_en);
    assert!(d.rationale_ar.contains("تخفيض حتى 2099-12-31"), "{}", d.rationale_ar);

    app.decide(store, std::slice::from_ref(&d.id), true).await.expect("approve");
    let applied = app.apply_approved(store).await.expect("apply");
    assert_eq!((applied.applied, applied.failed, applied.expired), (1, 0, 0), "{applied:?}");
    let (regular, now_sale, _, end) = env.sim.product_prices(p.id).expect("product");
    assert_eq!((regular, now_sale), (p.price_minor, d.new_price_minor), "only the sale price moved");
    assert_eq!(end.as_deref(), Some("2099-12-31"), "the sale keeps its end");

    // Rollback restores exactly what was there: the sale price and the untouched regular price.
    let back = app.rollback(store, &d.id).await.expect("rollback");
    assert_eq!(back.status, spo_ipc::DecisionStatus::Applied, "{back:?}");
    let (regular, now_sale, _, _) = env.sim.product_prices(p.id).expect("product");
    assert_eq!((regular, now_sale), (p.price_minor, sale));

    // The next run does not propose the same change again as a failure loop: nothing failed.
    assert!(app.decisions(store, &[spo_ipc::DecisionStatus::Failed]).await.expect("list").is_empty());
}

#[tokio::test]
async fn a_sale_that_starts_or_ends_after_the_decision_expires_it_and_writes_nothing() {
    let env = setup(1).await;
    let (app, store) = (&env.app, &env.store);
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    let p = env.products[0].clone();
    // Decided on the regular price; then the merchant starts a sale.
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let d = run.decisions.iter().find(|d| d.product_sku.as_deref() == Some(&p.sku)).expect("decision").clone();
    assert_eq!(d.price_field, spo_ipc::PriceFieldKind::Price);
    app.decide(store, std::slice::from_ref(&d.id), true).await.expect("approve");
    env.sim.set_product_sale(p.id, p.price_minor * 80 / 100, None, None);
    let applied = app.apply_approved(store).await.expect("apply");
    assert_eq!((applied.applied, applied.expired), (0, 1), "{applied:?}");
    assert!(applied.errors[0].contains("a sale started"), "{:?}", applied.errors);
    assert_eq!(env.sim.stats().updates, 0, "the regular price behind the sale is not written");

    // Decided on the sale price; then the sale ends (its last day passed).
    app.sync_catalog(store, &|_| {}).await.expect("sync");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let d = run.decisions.iter().find(|d| d.product_sku.as_deref() == Some(&p.sku)).expect("decision").clone();
    assert_eq!(d.price_field, spo_ipc::PriceFieldKind::SalePrice);
    app.decide(store, std::slice::from_ref(&d.id), true).await.expect("approve");
    env.sim.set_product_sale(p.id, p.price_minor * 80 / 100, None, Some("2001-01-31"));
    let applied = app.apply_approved(store).await.expect("apply");
    assert_eq!((applied.applied, applied.expired), (0, 1), "{applied:?}");
    assert!(applied.errors[0].contains("the sale ended"), "{:?}", applied.errors);
    assert_eq!(env.sim.stats().updates, 0);
    assert_eq!(env.sim.product_prices(p.id).expect("p").0, p.price_minor);
}

#[tokio::test]
async fn an_ended_sale_is_not_a_sale() {
    let env = setup(1).await;
    let (app, store) = (&env.app, &env.store);
    let (p, _) = put_on_sale(&env, Some("2001-01-31")).await;
    app.set_rule(rule(store, "1.00", "100000.00", true)).await.expect("rule");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let d = run.decisions.iter().find(|d| d.product_sku.as_deref() == Some(&p.sku)).expect("decision");
    assert_eq!((d.price_field, d.old_price_minor), (spo_ipc::PriceFieldKind::Price, p.price_minor));
}

#[tokio::test]
async fn a_rival_at_115_on_the_shelf_is_matched_at_100_before_vat() {
    let env = setup(0).await;
    let (app, store) = (&env.app, &env.store);
    let p = env.products[0].clone();
    env.sim.set_product_price(p.id, 10_400);
    app.sync_catalog(store, &|_| {}).await.expect("sync");
    env.sim.set_competitor_price("souq", p.id, 11_500);
    let req = spo_ipc::NewListingRequest {
        store_id: store.clone(),
        product: p.sku.clone(),
        url: env.sim.competitor_url("souq", p.id),
        ..Default::default()
    };
    let l = app.add_listing(req).await.expect("listing");
    let checked = app.check_listing(store, &l.id).await.expect("check");
    assert_eq!(checked.last_amount_minor, Some(11_500), "the page's shelf price is kept as read");
    app.set_rule(RuleRequest { strategy: StrategySpec::MatchLowest, ..rule(store, "1.00", "100000.00", true) })
        .await
        .expect("rule");
    let run = app.optimize(store, spo_ipc::RunKind::Manual, false).await.expect("run");
    let d = run.decisions.iter().find(|d| d.product_sku.as_deref() == Some(&p.sku)).expect("decision");
    assert_eq!((d.old_price_minor, d.new_price_minor), (10_400, 10_000), "{d:?}");
    assert!(
        d.rationale_en.contains("Match the one competitor price (100.00 SAR before VAT, 115.00 SAR with VAT)"),
        "{}",
        d.rationale_en
    );
    assert!(d.rationale_ar.contains("سعر المنافس الوحيد"), "{}", d.rationale_ar);
}

#[tokio::test]
async fn rule_numbers_out_of_range_are_refused_in_words_before_the_database_sees_them() {
    let env = setup(0).await;
    let store = &env.store;
    let cases: Vec<(RuleRequest, &str)> = vec![
        (rule(store, "-10.00", "100.00", false), "cannot be negative"),
        (RuleRequest { max_step_bps: Some(4_294_967_295), ..rule(store, "1.00", "100.00", false) }, "step limit"),
        (RuleRequest { min_margin_bps: Some(20_000), ..rule(store, "1.00", "100.00", false) }, "minimum margin"),
        (
            RuleRequest {
                strategy: StrategySpec::PremiumOverAverage { bps: i32::MIN },
                ..rule(store, "1.00", "100.00", false)
            },
            "premium",
        ),
        (
            RuleRequest { strategy: StrategySpec::Position { rank: 0 }, ..rule(store, "1.00", "100.00", false) },
            "position",
        ),
        (RuleRequest { cooldown_minutes: Some(u32::MAX), ..rule(store, "1.00", "100.00", false) }, "cool-down"),
    ];
    for (req, why) in cases {
        let e: spo_ipc::IpcError = env.app.set_rule(req).await.expect_err(why).into();
        assert_eq!(e.code, spo_ipc::ErrorCode::InvalidInput, "{why}: {e:?}");
        assert!(e.message.contains(why) && !e.message.contains("CHECK"), "{why}: {}", e.message);
    }
    let e: spo_ipc::IpcError = env.app.decisions("no-such-store", &[]).await.expect_err("unknown store").into();
    assert_eq!(e.code, spo_ipc::ErrorCode::NotFound);
    assert!(e.message.contains("no-such-store"), "{}", e.message);
    let e: spo_ipc::IpcError = env.app.apply_approved("no-such-store").await.expect_err("unknown store").into();
    assert!(e.message.contains("no store with id"), "{}", e.message);
}

#[tokio::test]
async fn the_vat_rate_comes_from_salla_when_it_may_be_read_and_is_set_by_the_merchant_otherwise() {
    // A store whose tax settings say 5 %: read at the import, used for the comparison.
    let mut cfg = SimConfig::demo(6);
    cfg.order_history_days = 0;
    cfg.vat_percent = Some("5.00".into());
    let sim = Sim::start(cfg).await.expect("sim");
    let (_dir, app, store) = common::open_connected(&sim).await;
    assert_eq!(app.store_vat(&store).await.expect("vat"), "5.00");
    // Without `taxes.read` the import still succeeds and the merchant's rate stays.
    let mut cfg = SimConfig::demo(6);
    cfg.order_history_days = 0;
    cfg.vat_percent = None;
    let sim = Sim::start(cfg).await.expect("sim");
    let (_dir2, app, store) = common::open_connected(&sim).await;
    assert_eq!(app.store_vat(&store).await.expect("vat"), "15.00", "the Saudi standard rate by default");
    assert_eq!(app.set_store_vat(&store, "5.5").await.expect("set"), "5.50");
    app.sync_catalog(&store, &|_| {}).await.expect("import without taxes.read");
    assert_eq!(app.store_vat(&store).await.expect("vat"), "5.50");
    for bad in ["-1", "101", "15.005", "lots"] {
        let e: spo_ipc::IpcError = app.set_store_vat(&store, bad).await.expect_err(bad).into();
        assert_eq!(e.code, spo_ipc::ErrorCode::InvalidInput, "{bad}");
    }
}
