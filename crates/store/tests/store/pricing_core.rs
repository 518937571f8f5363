//! The pricing core's storage: the bulk snapshot, the streamed run recorder, the decision
//! lifecycle as the database enforces it, and the clock the database stamps times with.

use std::sync::Arc;

use spo_domain::ports::Clock;
use spo_store::{Actor, DecisionStatus, Move, NewDecision, NewStore, Risk, RunOutcome};

use super::{fresh, imported, observation};

#[derive(Debug)]
struct Fixed(i64);

impl Clock for Fixed {
    fn now_ms(&self) -> i64 {
        self.0
    }
}

async fn store_with_products(db: &spo_store::Db, n: i64) -> (String, Vec<String>) {
    let s = db
        .insert_store(&NewStore { salla_store_id: Some(7), name: "S".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    let batch: Vec<_> =
        (0..n).map(|i| imported(100 + i, &format!("منتج {i}"), &format!("SKU-{i}"), 10_000, None)).collect();
    db.upsert_products(&s, &batch).await.expect("products");
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(db.product_id_by_id_or_sku(&s, &format!("SKU-{i}")).await.expect("id"));
    }
    (s, ids)
}

fn decision(product: &str, status: DecisionStatus) -> NewDecision {
    NewDecision {
        product_id: product.into(),
        currency: "SAR".into(),
        old_price_minor: 10_000,
        new_price_minor: 9_900,
        price_field: spo_domain::pricing::shelf::PriceField::Price,
        sale_end: None,
        strategy: spo_store::DecisionStrategy::BeatLowest,
        inputs: "{}".into(),
        guardrails: "{}".into(),
        risk: Risk::Low,
        rationale_en: "Beat the lowest price.".into(),
        rationale_ar: "السعر أقل من أدنى سعر.".into(),
        status,
        decided_by: (status == DecisionStatus::Approved).then(|| "agent:risk_reviewer".into()),
        rollback_of: None,
    }
}

fn outcome(n: i64) -> RunOutcome {
    RunOutcome {
        status: spo_store::RunStatus::Succeeded,
        products_seen: n,
        proposed: n,
        applied: 0,
        errors: 0,
        steps: "[]".into(),
        error: None,
    }
}

#[tokio::test]
async fn the_snapshot_reads_usable_prices_in_the_products_currency_and_recent_history() {
    let (_dir, db) = fresh().await;
    let (s, ids) = store_with_products(&db, 3).await;
    let listing = |product: &str, url: &str| spo_store::NewListing {
        product_id: product.into(),
        variant_id: None,
        url: url.into(),
        competitor_name: "x".into(),
        match_kind: spo_store::MatchKind::Manual,
        match_key: None,
        css_selector: None,
    };
    let a = db.add_listing(&s, &listing(&ids[0], "https://a.example/1")).await.expect("a");
    let b = db.add_listing(&s, &listing(&ids[0], "https://b.example/1")).await.expect("b");
    let usd = db.add_listing(&s, &listing(&ids[1], "https://c.example/1")).await.expect("c");
    let old = db.add_listing(&s, &listing(&ids[2], "https://d.example/1")).await.expect("d");
    db.record_check(&s, &a, &observation("2026-12-01T00:00:00.000Z", Some(11_500)), None).await.expect("a");
    let mut net = observation("2026-12-01T00:00:00.000Z", Some(9_000));
    net.vat_included = false;
    db.record_check(&s, &b, &net, None).await.expect("b");
    let mut dollars = observation("2026-12-01T00:00:00.000Z", Some(3_000));
    dollars.currency = Some("USD".into());
    db.record_check(&s, &usd, &dollars, None).await.expect("usd");
    db.record_check(&s, &old, &observation("2026-10-01T00:00:00.000Z", Some(8_000)), None).await.expect("old");

    let snap = db.pricing_snapshot(&s, "2026-11-28T00:00:00.000Z", "2026-11-26T00:00:00.000Z").await.expect("snap");
    assert_eq!(snap.products.len(), 3);
    let first = snap.products.iter().position(|p| p.id == ids[0]).expect("first") as u32;
    let mut prices: Vec<(u32, i64, bool)> =
        snap.market.iter().map(|m| (m.product, m.amount_minor, m.vat_included)).collect();
    prices.sort();
    assert_eq!(
        prices,
        vec![(first, 9_000, false), (first, 11_500, true)],
        "another currency and stale prices are left out"
    );
    assert_eq!(snap.vat_bps, 1_500);
    assert!(snap.demand.is_empty(), "no rule maximizes profit: no estimates read");

    // A page that answers "not modified" keeps its price current as of that check.
    let mut same = observation("2026-12-02T00:00:00.000Z", None);
    same.status = spo_store::PageStatus::NotModified;
    db.record_check(&s, &old, &same, None).await.expect("304");
    let snap = db.pricing_snapshot(&s, "2026-11-28T00:00:00.000Z", "2026-11-26T00:00:00.000Z").await.expect("snap");
    assert_eq!(snap.market.len(), 3, "the unchanged page's price counts again");
    let missing = db.pricing_snapshot("no-such-store", "", "").await;
    assert!(matches!(missing, Err(spo_store::Error::NotFound)), "{missing:?}");
}

#[tokio::test]
async fn a_recorded_run_supersedes_waiting_proposals_and_an_unfinished_one_leaves_nothing() {
    let (_dir, db) = fresh().await;
    let (s, ids) = store_with_products(&db, 3).await;
    let run1 = db.start_run(&s, spo_store::RunKind::Manual).await.expect("run");
    let rec = db.record_run(&s, &run1);
    rec.add(vec![decision(&ids[0], DecisionStatus::Proposed), decision(&ids[1], DecisionStatus::Approved)])
        .await
        .expect("chunk");
    rec.add(vec![decision(&ids[2], DecisionStatus::Proposed)]).await.expect("chunk");
    assert_eq!(rec.finish(outcome(3)).await.expect("finish"), 3);
    let waiting = db.decisions(&s, &[DecisionStatus::Proposed]).await.expect("proposed");
    assert_eq!(waiting.len(), 2);
    let approved = db.decisions(&s, &[DecisionStatus::Approved]).await.expect("approved");
    assert!(approved[0].decided_by.is_some());

    // A second run re-proposes product 0: its older proposal expires; the approved one stays.
    let run2 = db.start_run(&s, spo_store::RunKind::Manual).await.expect("run");
    let rec = db.record_run(&s, &run2);
    rec.add(vec![decision(&ids[0], DecisionStatus::Proposed), decision(&ids[1], DecisionStatus::Proposed)])
        .await
        .expect("chunk");
    rec.finish(outcome(2)).await.expect("finish");
    let expired = db.decisions(&s, &[DecisionStatus::Expired]).await.expect("expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].product_id, ids[0]);
    assert_eq!(db.decisions(&s, &[DecisionStatus::Approved]).await.expect("approved").len(), 1);
    assert_eq!(
        db.runs(&s, 10).await.expect("runs").iter().filter(|r| r.status == spo_store::RunStatus::Succeeded).count(),
        2
    );

    // Dropped before finishing: nothing of the run is kept.
    let run3 = db.start_run(&s, spo_store::RunKind::Manual).await.expect("run");
    let rec = db.record_run(&s, &run3);
    rec.add(vec![decision(&ids[2], DecisionStatus::Proposed)]).await.expect("chunk");
    drop(rec);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(db.run_decisions(&s, &run3, 10).await.expect("none").is_empty());
    // And the write lock is free again.
    db.set_store_vat_bps(&s, 1_500).await.expect("a write after the dropped recording");
    // A decision for a product that does not exist is refused and the run is not recorded.
    let run4 = db.start_run(&s, spo_store::RunKind::Manual).await.expect("run");
    let rec = db.record_run(&s, &run4);
    let _ = rec.add(vec![decision("no-such-product", DecisionStatus::Proposed)]).await;
    let err = rec.finish(outcome(1)).await.expect_err("foreign key");
    assert!(matches!(err, spo_store::Error::Constraint(_)), "{err:?}");
    assert!(db.run_decisions(&s, &run4, 10).await.expect("none").is_empty());
}

#[tokio::test]
async fn the_store_refuses_moves_the_lifecycle_does_not_allow() {
    let (_dir, db) = fresh().await;
    let (s, ids) = store_with_products(&db, 1).await;
    let id = db.insert_decision(&s, &decision(&ids[0], DecisionStatus::Proposed)).await.expect("insert");
    let illegal = Move::new(&[DecisionStatus::Proposed], DecisionStatus::Applied, Actor::Executor);
    assert!(matches!(db.transition(&s, &id, &illegal).await, Err(spo_store::Error::Constraint(_))));
    let wrong_state = Move::new(&[DecisionStatus::Applying], DecisionStatus::Failed, Actor::Executor);
    assert!(!db.transition(&s, &id, &wrong_state).await.expect("not in that state"));
    let approve = Move::new(&[DecisionStatus::Proposed], DecisionStatus::Approved, Actor::User);
    assert!(db.transition(&s, &id, &approve).await.expect("approve"));
    let row = db.decision(&s, &id).await.expect("row");
    assert_eq!((row.status, row.decided_by.as_deref()), (DecisionStatus::Approved, Some("user:local")));
    assert!(row.decided_at.is_some());
}

#[tokio::test]
async fn the_schema_s_decision_states_are_the_domain_s() {
    let (_dir, db) = fresh().await;
    let pool = super::raw(&db).await;
    let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'decisions'")
        .fetch_one(&pool)
        .await
        .expect("schema");
    let check = &sql[sql.find("CHECK (status IN").expect("status check")..];
    let list = &check[..check.find(')').expect("end")];
    let mut in_schema: Vec<&str> = list.split('\'').skip(1).step_by(2).collect();
    let mut in_domain: Vec<&str> = DecisionStatus::ALL.iter().map(|s| s.as_str()).collect();
    in_schema.sort_unstable();
    in_domain.sort_unstable();
    assert_eq!(in_schema, in_domain);
    let risk_check = &sql[sql.find("CHECK (risk IN").expect("risk check")..];
    for r in [Risk::Low, Risk::Medium, Risk::High] {
        assert!(risk_check[..risk_check.find(')').expect("end")].contains(&format!("'{}'", r.as_str())));
    }
}

#[tokio::test]
async fn stored_times_follow_the_database_s_clock() {
    let (_dir, db) = fresh().await;
    // 2030-01-01T00:00:00Z.
    let db = db.with_clock(Arc::new(Fixed(1_893_456_000_000)));
    let (s, ids) = store_with_products(&db, 1).await;
    let id = db.insert_decision(&s, &decision(&ids[0], DecisionStatus::Proposed)).await.expect("insert");
    assert_eq!(db.decision(&s, &id).await.expect("row").created_at, "2030-01-01T00:00:00.000Z");
    assert_eq!(db.days_ago_text(1), "2029-12-31T00:00:00.000Z");
    // Expiry counts from the same clock: a decision made "now" is not older than a day ago.
    assert_eq!(db.expire_stale(&s, &db.days_ago_text(1), Actor::Executor).await.expect("expire"), 0);
    assert_eq!(db.expire_stale(&s, "2030-01-02T00:00:00.000Z", Actor::Executor).await.expect("expire"), 1);
}
