//! The pricing loop's use cases: rules, optimization runs (market analyst → strategist → risk
//! reviewer → executor), the approval queue, apply with a durable intent and read-back, rollback,
//! the kill switch and the automation mode.
//!
//! Exactly once: a decision is moved to `applying` with a fresh intent id (committed with its audit
//! row) before Salla is called; the price is then read back. A decision found in `applying` (the
//! app stopped mid-call) is settled by reading the product first: already at the target → applied;
//! still at the old price → the write never landed and is sent again; anything else → failed.

use std::collections::HashMap;

use spo_domain::pricing::breaker::{self, BreakerLimits};
use spo_domain::pricing::change_bps;
use spo_domain::pricing::demand::{self, Elasticity, Untrusted};
use spo_domain::pricing::guardrails::{self, Context, Hit, Limits};
use spo_domain::pricing::loops::{self, LoopLimits};
use spo_domain::pricing::risk::{self, RiskInputs};
use spo_domain::pricing::shelf::{PriceField, Shelf};
use spo_domain::pricing::strategy::{self, Beat, Market, NoTarget, PriceEnding, Strategy};
use spo_domain::{Currency, Money};
use spo_ipc as ipc;
use spo_store::{DecisionRow, NewDecision, NewRule, RuleRow, RunOutcome};

use crate::catalog::{now_secs, parse_time, time_text};
use crate::{App, AppError, Result};

/// Device setting: the global kill switch (`on` / `off`).
const KEY_KILL_SWITCH: &str = "pricing.kill_switch";
/// Store setting: the automation mode.
const KEY_MODE: &str = "pricing.mode";
/// Decisions listed in a run report (the queue has them all).
const REPORT_DECISIONS: i64 = 200;
/// Decisions waiting longer than this (proposed or approved, not applied) expire: the market
/// they were worked out from has moved on.
pub const DECISION_TTL_SECS: i64 = 72 * 3600;
/// The rule a profit-maximizing strategy follows while the demand data is not trustworthy.
const PROFIT_FALLBACK: Strategy = Strategy::MatchLowest;
/// Competitor prices older than this are stale and ignored.
const MARKET_MAX_AGE_SECS: i64 = 72 * 3600;

fn strategy_from_spec(s: ipc::StrategySpec) -> Strategy {
    match s {
        ipc::StrategySpec::MatchLowest => Strategy::MatchLowest,
        ipc::StrategySpec::BeatLowestBps { bps } => Strategy::BeatLowest { by: Beat::Bps(bps) },
        ipc::StrategySpec::BeatLowestAmount { minor } => Strategy::BeatLowest { by: Beat::Minor(minor) },
        ipc::StrategySpec::Position { rank } => Strategy::Position { rank },
        ipc::StrategySpec::PremiumOverAverage { bps } => Strategy::PremiumOverAverage { bps },
        ipc::StrategySpec::TargetMargin { bps } => Strategy::TargetMargin { bps },
        ipc::StrategySpec::Hold => Strategy::Hold,
        ipc::StrategySpec::MaximizeProfit => Strategy::MaximizeProfit,
    }
}

fn spec_from_strategy(s: Strategy) -> ipc::StrategySpec {
    match s {
        Strategy::MatchLowest => ipc::StrategySpec::MatchLowest,
        Strategy::BeatLowest { by: Beat::Bps(bps) } => ipc::StrategySpec::BeatLowestBps { bps },
        Strategy::BeatLowest { by: Beat::Minor(minor) } => ipc::StrategySpec::BeatLowestAmount { minor },
        Strategy::Position { rank } => ipc::StrategySpec::Position { rank },
        Strategy::PremiumOverAverage { bps } => ipc::StrategySpec::PremiumOverAverage { bps },
        Strategy::TargetMargin { bps } => ipc::StrategySpec::TargetMargin { bps },
        Strategy::Hold => ipc::StrategySpec::Hold,
        Strategy::MaximizeProfit => ipc::StrategySpec::MaximizeProfit,
    }
}

fn ending_name(e: PriceEnding) -> &'static str {
    match e {
        PriceEnding::Exact => "exact",
        PriceEnding::Whole => "whole",
        PriceEnding::Cents95 => "cents95",
        PriceEnding::Cents99 => "cents99",
    }
}

fn ending_from(name: Option<&str>) -> PriceEnding {
    match name {
        Some("whole") => PriceEnding::Whole,
        Some("cents95") => PriceEnding::Cents95,
        Some("cents99") => PriceEnding::Cents99,
        _ => PriceEnding::Exact,
    }
}

fn ending_spec(e: PriceEnding) -> ipc::PriceEndingSpec {
    match e {
        PriceEnding::Exact => ipc::PriceEndingSpec::Exact,
        PriceEnding::Whole => ipc::PriceEndingSpec::Whole,
        PriceEnding::Cents95 => ipc::PriceEndingSpec::Cents95,
        PriceEnding::Cents99 => ipc::PriceEndingSpec::Cents99,
    }
}

pub(crate) fn price_field_kind(f: PriceField) -> ipc::PriceFieldKind {
    match f {
        PriceField::Price => ipc::PriceFieldKind::Price,
        PriceField::SalePrice => ipc::PriceFieldKind::SalePrice,
    }
}

/// Every number of a rule within what makes sense, checked before anything is stored (the
/// database's own checks would otherwise answer with a constraint error).
fn validate_ranges(r: &ipc::RuleRequest) -> Result<()> {
    let within = |what: &str, v: Option<i64>, lo: i64, hi: i64, unit: &str| -> Result<()> {
        match v {
            Some(v) if !(lo..=hi).contains(&v) => {
                Err(AppError::InvalidInput(format!("the {what} must be between {lo} and {hi} {unit}, not {v}")))
            }
            _ => Ok(()),
        }
    };
    // Basis points: 100 = 1 %.
    within("minimum margin", r.min_margin_bps.map(i64::from), 0, 9_900, "basis points (0–99 %)")?;
    within("step limit", r.max_step_bps.map(i64::from), 1, 10_000, "basis points (0.01–100 %)")?;
    within("daily limit", r.max_daily_bps.map(i64::from), 1, 10_000, "basis points (0.01–100 %)")?;
    within("cool-down", r.cooldown_minutes.map(i64::from), 0, 60 * 24 * 30, "minutes (up to 30 days)")?;
    match r.strategy {
        ipc::StrategySpec::BeatLowestBps { bps } => {
            within("share to beat by", Some(i64::from(bps)), 0, 5_000, "basis points (0–50 %)")
        }
        ipc::StrategySpec::BeatLowestAmount { minor } => {
            within("amount to beat by", Some(minor), 0, 100_000_000, "minor units")
        }
        ipc::StrategySpec::Position { rank } => within("position", Some(i64::from(rank)), 1, 100, ""),
        ipc::StrategySpec::PremiumOverAverage { bps } => {
            within("premium over the average", Some(i64::from(bps)), -5_000, 10_000, "basis points (−50 % to +100 %)")
        }
        ipc::StrategySpec::TargetMargin { bps } => {
            within("target margin", Some(i64::from(bps)), 0, 9_900, "basis points (0–99 %)")
        }
        _ => Ok(()),
    }
}

/// The run breaker's verdict (as a run report carries it) in words.
pub fn breaker_text(json: &str) -> String {
    let pct = |bps: i64| format!("{}.{:02}%", bps / 100, (bps % 100).abs());
    match serde_json::from_str::<breaker::Trip>(json) {
        Ok(breaker::Trip::TooManyChanges { changes, allowed }) => format!(
            "{changes} prices would change, more than the {allowed} allowed in one run; every decision waits for approval"
        ),
        Ok(breaker::Trip::MedianChange { median_bps, limit_bps }) => format!(
            "the typical change would be {}, above the {} limit; every decision waits for approval",
            pct(median_bps),
            pct(i64::from(limit_bps))
        ),
        Err(_) => format!("the circuit breaker tripped ({json}); every decision waits for approval"),
    }
}

/// "price" / "sale price" in messages.
fn field_words(f: PriceField) -> &'static str {
    match f {
        PriceField::Price => "price",
        PriceField::SalePrice => "sale price",
    }
}

/// One stored market amount (`12345`, or `12345x` when stated without VAT) before VAT.
fn before_vat(text: &str, vat_bps: u32) -> Option<i64> {
    let text = text.trim();
    match text.strip_suffix('x') {
        Some(net) => net.parse().ok(),
        None => {
            text.parse::<i64>().ok().map(|shelf| Money::from_minor(shelf, Currency::SAR).minus_rate_bps(vat_bps).minor)
        }
    }
}

/// A product's prices as last imported.
fn shelf_of(p: &spo_store::PricingProduct) -> Shelf {
    Shelf { regular_minor: p.price_minor, sale_minor: p.sale_price_minor, sale_end: p.sale_end.clone() }
}

fn to_u32(v: Option<i64>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

fn limits_of(r: &RuleRow) -> Limits {
    let d = Limits::default();
    Limits {
        min_minor: r.min_price_minor,
        max_minor: r.max_price_minor,
        min_margin_bps: to_u32(r.min_margin_bps),
        max_step_bps: to_u32(r.max_step_bps).unwrap_or(d.max_step_bps),
        max_step_minor: None,
        max_daily_bps: to_u32(r.max_daily_bps).unwrap_or(d.max_daily_bps),
        cooldown_minutes: to_u32(r.cooldown_minutes).unwrap_or(d.cooldown_minutes),
        ending: ending_from(r.price_ending.as_deref()),
    }
}

fn rule_to_ipc(r: &RuleRow) -> Result<ipc::Rule> {
    let strategy: Strategy = serde_json::from_str(&r.params)
        .map_err(|e| AppError::Internal(format!("rule {} has an unreadable strategy: {e}", r.id)))?;
    let l = limits_of(r);
    Ok(ipc::Rule {
        id: r.id.clone(),
        scope: r.scope.clone(),
        category_id: r.category_id.clone(),
        product_id: r.product_id.clone(),
        strategy: spec_from_strategy(strategy),
        min_minor: l.min_minor,
        max_minor: l.max_minor,
        min_margin_bps: l.min_margin_bps,
        max_step_bps: l.max_step_bps,
        max_daily_bps: l.max_daily_bps,
        cooldown_minutes: l.cooldown_minutes,
        ending: ending_spec(l.ending),
        dry_run: r.is_dry_run,
        version: r.version,
    })
}

pub(crate) fn decision_to_ipc(d: DecisionRow) -> ipc::Decision {
    ipc::Decision {
        id: d.id,
        run_id: d.run_id,
        product_id: d.product_id,
        product_name: d.product_name,
        product_sku: d.product_sku,
        currency: d.currency,
        old_price_minor: d.old_price_minor,
        new_price_minor: d.new_price_minor,
        price_field: price_field_kind(d.price_field),
        sale_end: d.sale_end,
        strategy: d.strategy,
        risk: d.risk,
        status: d.status,
        rationale_en: d.rationale_en,
        rationale_ar: d.rationale_ar,
        inputs: d.inputs,
        guardrails: d.guardrails,
        decided_by: d.decided_by,
        applied_at: d.applied_at,
        salla_response: d.salla_response,
        rollback_of: d.rollback_of,
        created_at: d.created_at,
    }
}

fn money_text(minor: i64, currency: &str) -> String {
    crate::format_minor(minor, currency)
}

/// An amount as Arabic text reads it: `194.53 ر.س` for riyals.
fn money_text_ar(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) if c == Currency::SAR => format!("{} ر.س", Money::from_minor(minor, c).to_decimal_string()),
        _ => money_text(minor, currency),
    }
}

/// The reason a product was left unchanged, as counted in run reports.
fn hit_reason(h: &Hit) -> &'static str {
    match h {
        Hit::KillSwitch => "kill_switch",
        Hit::MissingMinMax => "missing_min_max",
        Hit::Frozen => "frozen",
        Hit::CoolDown { .. } => "cool_down",
        Hit::FloorAboveCeiling { .. } => "floor_above_ceiling",
        Hit::Unreachable => "outside_allowed_range",
        Hit::Unchanged => "unchanged",
        Hit::Floor { .. } | Hit::Ceiling { .. } | Hit::Step { .. } | Hit::Daily { .. } => "limited",
    }
}

fn no_target_reason(n: NoTarget) -> &'static str {
    match n {
        NoTarget::NoCompetitors => "no_competitors",
        NoTarget::NotEnoughCompetitors => "not_enough_competitors",
        NoTarget::NoCost => "no_cost",
        NoTarget::Hold => "hold",
        NoTarget::ImpossibleMargin => "impossible_margin",
    }
}

/// The strategist's words, in English and Arabic.
struct Why<'a> {
    strategy: Strategy,
    /// For a profit-maximizing rule: the estimate and optimum used, or why it fell back.
    demand: Option<std::result::Result<(Elasticity, i64), Untrusted>>,
    reference: Option<i64>,
    competitors: u32,
    hits: &'a [Hit],
    old: i64,
    new: i64,
    currency: &'a str,
    /// Set when the decision writes the sale price of a running sale.
    sale: Option<SaleInfo<'a>>,
    /// The store's VAT rate: competitor references are shown before VAT and on the shelf.
    vat_bps: u32,
}

/// A running sale, for the rationale.
#[derive(Clone, Copy)]
struct SaleInfo<'a> {
    regular: i64,
    end: Option<&'a str>,
}

/// "the lowest of 3 competitor prices" / "the one competitor price".
fn lowest_of_en(n: u32) -> String {
    if n == 1 {
        "the one competitor price".into()
    } else {
        format!("the lowest of {n} competitor prices")
    }
}

/// The same in Arabic, with the count's noun form (سعر واحد، سعرين، ٣ أسعار، ١١ سعرًا).
fn lowest_of_ar(n: u32) -> String {
    match n {
        1 => "سعر المنافس الوحيد".into(),
        2 => "أدنى سعر بين سعرَين للمنافسين".into(),
        3..=10 => format!("أدنى سعر بين {n} أسعار للمنافسين"),
        _ => format!("أدنى سعر بين {n} سعرًا للمنافسين"),
    }
}

/// "among 3 competitor prices" / "among 1 competitor price", and the Arabic.
fn among(n: u32) -> (String, String) {
    let en = if n == 1 { "among 1 competitor price".to_owned() } else { format!("among {n} competitor prices") };
    let ar = match n {
        1 => "أمام سعر منافس واحد".to_owned(),
        2 => "بين سعرَين للمنافسين".to_owned(),
        3..=10 => format!("بين {n} أسعار للمنافسين"),
        _ => format!("بين {n} سعرًا للمنافسين"),
    };
    (en, ar)
}

fn rationale(w: &Why<'_>) -> (String, String) {
    let Why { strategy, demand, reference, competitors, hits, old, new, currency, sale, vat_bps } = *w;
    let m = |v: i64| money_text(v, currency);
    let a = |v: i64| money_text_ar(v, currency);
    // A market reference in both bases: before VAT (as our prices) and as shoppers see it.
    let shelf = |v: i64| Money::from_minor(v, Currency::SAR).plus_rate_bps(vat_bps).map_or(v, |m| m.minor);
    let rm = |v: i64| format!("{} before VAT, {} with VAT", m(v), m(shelf(v)));
    let ra = |v: i64| format!("{} قبل الضريبة، {} مع الضريبة", a(v), a(shelf(v)));
    // A profit-maximizing rule without trusted demand data priced by its fallback rule.
    let shown = if matches!(demand, Some(Err(_))) { PROFIT_FALLBACK } else { strategy };
    let (mut en, mut ar) = match (shown, reference) {
        (Strategy::MatchLowest, Some(r)) => (
            format!("Match {} ({}).", lowest_of_en(competitors), rm(r)),
            format!("مطابقة {} ({}).", lowest_of_ar(competitors), ra(r)),
        ),
        (Strategy::BeatLowest { by }, Some(r)) => {
            let (by_en, by_ar) = match by {
                Beat::Bps(b) => (format!("{}.{:02}%", b / 100, b % 100), format!("{}.{:02}٪", b / 100, b % 100)),
                Beat::Minor(v) => (m(v), a(v)),
            };
            (
                format!("Beat {} ({}) by {by_en}.", lowest_of_en(competitors), rm(r)),
                format!("السعر أقل من {} ({}) بمقدار {by_ar}.", lowest_of_ar(competitors), ra(r)),
            )
        }
        (Strategy::Position { rank }, Some(r)) => {
            let (among_en, among_ar) = among(competitors);
            (
                format!("Take position {rank} {among_en} ({}).", m(r)),
                format!("اتخاذ المركز {rank} {among_ar} ({}).", a(r)),
            )
        }
        (Strategy::PremiumOverAverage { bps }, Some(r)) => (
            format!("Stay {}.{:02}% from the competitors' average ({}).", bps / 100, (bps % 100).abs(), rm(r)),
            format!("البقاء على بعد {}.{:02}٪ من متوسط أسعار المنافسين ({}).", bps / 100, (bps % 100).abs(), ra(r)),
        ),
        (Strategy::TargetMargin { bps }, _) => (
            format!("Keep a {}.{:02}% margin over cost.", bps / 100, bps % 100),
            format!("الحفاظ على هامش ربح {}.{:02}٪ فوق التكلفة.", bps / 100, bps % 100),
        ),
        _ => (String::new(), String::new()),
    };
    match demand {
        Some(Ok((e, optimum))) if e.value + e.std_error >= -1.1 => {
            en = format!(
                "Sales barely react to price (price elasticity {:.2} ± {:.2} over {} days): raising toward {}, no more than {}% above the highest price sold at.",
                e.value, e.std_error, e.days, m(optimum), demand::EXTRAPOLATION_BPS / 100
            );
            ar = format!(
                "المبيعات لا تكاد تتأثر بالسعر (مرونة الطلب السعرية {:.2} ± {:.2} على مدى {} يومًا): رفع السعر نحو {}، بما لا يزيد على {}٪ فوق أعلى سعر بيع به.",
                e.value, e.std_error, e.days, a(optimum), demand::EXTRAPOLATION_BPS / 100
            );
        }
        Some(Ok((e, optimum))) => {
            en = format!(
                "Profit-maximizing price from the store's own sales: price elasticity {:.2} ± {:.2} over {} days, best price {}.",
                e.value, e.std_error, e.days, m(optimum)
            );
            ar = format!(
                "السعر الذي يعظّم الربح من مبيعات المتجر نفسه: مرونة الطلب السعرية {:.2} ± {:.2} على مدى {} يومًا، وأفضل سعر {}.",
                e.value, e.std_error, e.days, a(optimum)
            );
        }
        Some(Err(why)) => {
            let (why_en, why_ar) = untrusted_words(why);
            en.insert_str(0, &format!("Demand data is not yet trustworthy for a profit-maximizing price ({why_en}); using the rule instead. "));
            ar.insert_str(
                0,
                &format!("بيانات الطلب غير كافية بعد لتحديد سعر يعظّم الربح ({why_ar})؛ استُخدمت القاعدة بدلًا منها. "),
            );
        }
        None => {}
    }
    for h in hits {
        let (e, a) = match h {
            Hit::Floor { floor } => {
                (format!(" Raised to the floor {}.", m(*floor)), format!(" رُفع إلى الحد الأدنى {}.", a(*floor)))
            }
            Hit::Ceiling { ceiling } => {
                (format!(" Lowered to the maximum {}.", m(*ceiling)), format!(" خُفّض إلى الحد الأعلى {}.", a(*ceiling)))
            }
            Hit::Step { limit } => {
                (format!(" Limited to a step of {}.", m(*limit)), format!(" قُيّد بخطوة قدرها {}.", a(*limit)))
            }
            Hit::Daily { limit } => {
                (format!(" Limited to {} per day.", m(*limit)), format!(" قُيّد بـ {} في اليوم.", a(*limit)))
            }
            _ => continue,
        };
        en.push_str(&e);
        ar.push_str(&a);
    }
    if let Some(SaleInfo { regular, end }) = sale {
        match end {
            Some(end) => {
                en.push_str(&format!(
                    " On sale until {end}: the sale price changes; the regular price {} stays.",
                    m(regular)
                ));
                ar.push_str(&format!(" عليه تخفيض حتى {end}: يتغير سعر التخفيض ويبقى السعر الأصلي {}.", a(regular)));
            }
            None => {
                en.push_str(&format!(" On sale: the sale price changes; the regular price {} stays.", m(regular)));
                ar.push_str(&format!(" عليه تخفيض: يتغير سعر التخفيض ويبقى السعر الأصلي {}.", a(regular)));
            }
        }
    }
    en.push_str(&format!(" {} → {}.", m(old), m(new)));
    ar.push_str(&format!(" {} ← {}.", a(new), a(old)));
    (en.trim().to_owned(), ar.trim().to_owned())
}

/// The demand model's part of a decision's inputs.
fn demand_inputs(d: Option<std::result::Result<(Elasticity, i64), Untrusted>>) -> serde_json::Value {
    match d {
        None => serde_json::Value::Null,
        Some(Ok((e, optimum))) => serde_json::json!({
            "elasticity": e.value, "std_error": e.std_error, "days": e.days, "optimum": optimum,
        }),
        Some(Err(why)) => serde_json::json!({ "untrusted": why }),
    }
}

/// Why the demand model was not used, in English and Arabic.
fn untrusted_words(u: Untrusted) -> (String, String) {
    match u {
        Untrusted::TooFewDays => (
            format!("fewer than {} days of sales", demand::MIN_DAYS),
            format!("أقل من {} يومًا من المبيعات", demand::MIN_DAYS),
        ),
        Untrusted::TooFewSales => {
            (format!("fewer than {} units sold", demand::MIN_UNITS), format!("بيعت أقل من {} وحدة", demand::MIN_UNITS))
        }
        Untrusted::NoPriceVariation => (
            "our price has barely changed, so buyers' response to it is unknown".into(),
            "لم يتغير سعرنا بما يكفي لمعرفة استجابة المشترين".into(),
        ),
        Untrusted::TooUncertain => ("the estimate is too uncertain".into(), "التقدير غير مؤكد بما يكفي".into()),
        Untrusted::Inelastic => (
            "sales barely react to price, so there is no finite best price".into(),
            "المبيعات لا تكاد تتأثر بالسعر فلا يوجد سعر أمثل محدد".into(),
        ),
        Untrusted::NoCost => ("the product has no cost price".into(), "لا توجد تكلفة مسجلة للمنتج".into()),
    }
}

/// Which rule applies to a product: its own, else its category's, else the store's. Built once per
/// run (a catalogue may carry a rule per product).
struct RuleIndex<'a> {
    product: HashMap<&'a str, &'a RuleRow>,
    category: HashMap<&'a str, &'a RuleRow>,
    store: Option<&'a RuleRow>,
}

impl<'a> RuleIndex<'a> {
    fn new(rules: &'a [RuleRow]) -> Self {
        let mut index = RuleIndex { product: HashMap::new(), category: HashMap::new(), store: None };
        for r in rules {
            match (r.scope.as_str(), r.product_id.as_deref(), r.category_id.as_deref()) {
                ("product", Some(p), _) => {
                    index.product.insert(p, r);
                }
                ("category", _, Some(c)) => {
                    index.category.insert(c, r);
                }
                ("store", _, _) => index.store = Some(r),
                _ => {}
            }
        }
        index
    }

    fn rule_for(&self, p: &spo_store::PricingProduct) -> Option<&'a RuleRow> {
        self.product
            .get(p.id.as_str())
            .or_else(|| p.category_id.as_deref().and_then(|c| self.category.get(c)))
            .copied()
            .or(self.store)
    }
}

struct Planned {
    decision: NewDecision,
    change_bps: i64,
    from_demand: bool,
}

impl App {
    /// The global kill switch: when on, nothing is written to any store.
    pub async fn kill_switch(&self) -> Result<bool> {
        let pairs = self.db().device_settings().await?;
        Ok(pairs.iter().any(|(k, v)| k == KEY_KILL_SWITCH && v == "on"))
    }

    /// Turns the kill switch on or off (audited). Writes in flight finish their one call; no new
    /// one starts.
    #[tracing::instrument(skip_all, err)]
    pub async fn set_kill_switch(&self, on: bool) -> Result<bool> {
        self.ensure_may_write(false).await?;
        self.db().put_device_settings(&[(KEY_KILL_SWITCH, if on { "on" } else { "off" })], "user:local").await?;
        self.local_change();
        self.kill_switch().await
    }

    /// A store's automation mode (manual unless set).
    pub async fn automation_mode(&self, store_id: &str) -> Result<ipc::AutomationMode> {
        Ok(match self.db().store_setting(store_id, KEY_MODE).await?.as_deref() {
            Some("semi_automatic") => ipc::AutomationMode::SemiAutomatic,
            Some("automatic") => ipc::AutomationMode::Automatic,
            _ => ipc::AutomationMode::Manual,
        })
    }

    /// Sets a store's automation mode (audited).
    #[tracing::instrument(skip_all, err)]
    pub async fn set_automation_mode(&self, store_id: &str, mode: ipc::AutomationMode) -> Result<ipc::AutomationMode> {
        self.ensure_may_write(false).await?;
        self.db().store(store_id).await?;
        let value = match mode {
            ipc::AutomationMode::Manual => "manual",
            ipc::AutomationMode::SemiAutomatic => "semi_automatic",
            ipc::AutomationMode::Automatic => "automatic",
        };
        self.db().put_store_setting(store_id, KEY_MODE, value, "user:local").await?;
        self.local_change();
        self.automation_mode(store_id).await
    }

    /// Sets the pricing rule of the store, a category or a product. New rules and changed ones
    /// start in dry run unless `live` is asked for.
    #[tracing::instrument(skip_all, err)]
    pub async fn set_rule(&self, r: ipc::RuleRequest) -> Result<ipc::Rule> {
        self.ensure_may_write(false).await?;
        let store = self.db().store(&r.store_id).await?;
        let currency = Currency::SAR;
        let price = |text: &Option<String>, what: &str| -> Result<Option<i64>> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => Money::parse_decimal(t, currency)
                    .map(|m| Some(m.minor))
                    .map_err(|e| AppError::InvalidInput(format!("{what} {t:?}: {e}"))),
            }
        };
        let (min, max) = (price(&r.min_price, "minimum price")?, price(&r.max_price, "maximum price")?);
        for (what, v) in [("minimum price", min), ("maximum price", max)] {
            if v.is_some_and(|v| v < 0) {
                return Err(AppError::InvalidInput(format!("the {what} cannot be negative")));
            }
        }
        validate_ranges(&r)?;
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                return Err(AppError::InvalidInput("the minimum price is above the maximum".into()));
            }
        }
        if r.max_step_bps == Some(0) || r.max_daily_bps == Some(0) {
            return Err(AppError::InvalidInput("step and daily limits must be above zero".into()));
        }
        let strategy = strategy_from_spec(r.strategy);
        if let Strategy::BeatLowest { by: Beat::Minor(v) } = strategy {
            if v < 0 {
                return Err(AppError::InvalidInput("the amount to beat the lowest price by cannot be negative".into()));
            }
        }
        let (scope, category_id, product_id) = match (&r.product, &r.category) {
            (Some(_), Some(_)) => {
                return Err(AppError::InvalidInput("a rule is for a product or a category, not both".into()))
            }
            (Some(p), None) => ("product", None, Some(self.db().product_id_by_id_or_sku(&store.id, p).await?)),
            (None, Some(c)) => ("category", Some(self.db().category_id_by_name(&store.id, c).await?), None),
            (None, None) => ("store", None, None),
        };
        let rule = NewRule {
            scope: scope.into(),
            category_id,
            product_id,
            strategy: strategy.name().into(),
            params: serde_json::to_string(&strategy).map_err(|e| AppError::Internal(e.to_string()))?,
            min_price_minor: min,
            max_price_minor: max,
            min_margin_bps: r.min_margin_bps.map(i64::from),
            max_step_bps: r.max_step_bps.map(i64::from),
            max_daily_bps: r.max_daily_bps.map(i64::from),
            cooldown_minutes: r.cooldown_minutes.map(i64::from),
            price_ending: Some(
                ending_name(match r.ending {
                    ipc::PriceEndingSpec::Exact => PriceEnding::Exact,
                    ipc::PriceEndingSpec::Whole => PriceEnding::Whole,
                    ipc::PriceEndingSpec::Cents95 => PriceEnding::Cents95,
                    ipc::PriceEndingSpec::Cents99 => PriceEnding::Cents99,
                })
                .into(),
            ),
            is_dry_run: !r.live,
        };
        let id = self.db().set_rule(&store.id, &rule, "user:local").await?;
        self.local_change();
        let stored = self.db().rules(&store.id).await?;
        let row = stored.iter().find(|x| x.id == id).ok_or(AppError::Store(spo_store::Error::NotFound))?;
        rule_to_ipc(row)
    }

    /// The store's live rules.
    pub async fn rules(&self, store_id: &str) -> Result<Vec<ipc::Rule>> {
        self.db().store(store_id).await?;
        self.db().rules(store_id).await?.iter().map(rule_to_ipc).collect()
    }

    /// The store's last 100 optimization runs, newest first.
    pub async fn runs(&self, store_id: &str) -> Result<Vec<ipc::RunSummary>> {
        self.db().store(store_id).await?;
        let count = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(self
            .db()
            .runs(store_id, 100)
            .await?
            .into_iter()
            .map(|r| ipc::RunSummary {
                id: r.id,
                kind: r.kind,
                status: r.status,
                started_at: r.started_at,
                finished_at: r.finished_at,
                products_seen: count(r.products_seen),
                proposed: count(r.proposed),
                applied: count(r.applied),
                still_applied: count(r.still_applied),
                errors: count(r.errors),
                steps: r.steps,
                error: r.error,
            })
            .collect())
    }

    /// The store's decisions (all, or those in `statuses`), newest first.
    pub async fn decisions(&self, store_id: &str, statuses: &[&str]) -> Result<Vec<ipc::Decision>> {
        self.db().store(store_id).await?;
        Ok(self.db().decisions(store_id, statuses).await?.into_iter().map(decision_to_ipc).collect())
    }

    /// One optimization run over the store's catalogue. With `dry_run` nothing is stored or
    /// applied: the report shows what would happen.
    #[tracing::instrument(skip_all, err)]
    pub async fn optimize(&self, store_id: &str, kind: &str, dry_run: bool) -> Result<ipc::RunReport> {
        let started = std::time::Instant::now();
        if !matches!(kind, "scheduled" | "manual" | "triggered") {
            return Err(AppError::InvalidInput(format!("unknown run kind {kind:?}")));
        }
        self.db().store(store_id).await?;
        let now = now_secs();
        let kill = self.kill_switch().await?;
        let mode = self.automation_mode(store_id).await?;
        let run_id = if dry_run {
            None
        } else {
            self.expire_stale(store_id).await?;
            Some(self.db().start_run(store_id, kind).await?)
        };

        // Market analyst: usable competitor prices per product.
        let mut timings: Vec<(&str, u128)> = Vec::new();
        let mut phase = std::time::Instant::now();
        let products = self.db().pricing_products(store_id).await?;
        timings.push(("products", phase.elapsed().as_millis()));
        phase = std::time::Instant::now();
        let currency_of: HashMap<&str, &str> = products.iter().map(|p| (p.id.as_str(), p.currency.as_str())).collect();
        // Like with like: our prices at Salla are before VAT, shops show shoppers VAT-inclusive
        // prices; every competitor price is taken to our basis before any rule compares.
        let vat_bps = u32::try_from(self.db().store_vat_bps(store_id).await?).unwrap_or(0);
        let mut market: HashMap<String, Vec<i64>> = HashMap::new();
        for (product, currency, prices) in
            self.db().market_prices(store_id, &time_text(now - MARKET_MAX_AGE_SECS)).await?
        {
            // Another currency is never taken as the product's own.
            if currency_of.get(product.as_str()) == Some(&currency.as_str()) {
                market.entry(product).or_default().extend(prices.split(',').filter_map(|p| before_vat(p, vat_bps)));
            }
        }
        timings.push(("market", phase.elapsed().as_millis()));
        phase = std::time::Instant::now();
        let mut history: HashMap<String, Vec<spo_store::AppliedChange>> = HashMap::new();
        for c in self.db().applied_changes(store_id, &time_text(now - 7 * 86_400), None).await? {
            history.entry(c.product_id.clone()).or_default().push(c);
        }
        let rules = self.db().rules(store_id).await?;
        let index = RuleIndex::new(&rules);
        // Demand analyst: only when a rule maximizes profit (estimates are refreshed once a day).
        let book = if rules.iter().any(|r| r.strategy == Strategy::MaximizeProfit.name()) {
            Some(self.demand_book(store_id, &products).await?)
        } else {
            None
        };

        timings.push(("history", phase.elapsed().as_millis()));
        phase = std::time::Instant::now();
        // Strategist and risk reviewer, product by product.
        let mut unchanged: HashMap<&'static str, u32> = HashMap::new();
        let mut planned: Vec<Planned> = Vec::new();
        // Products the loop detector freezes in this run, with the reason.
        let mut frozen: Vec<(String, String)> = Vec::new();
        let (mut positions, mut with_market) = (HashMap::<&'static str, u32>::new(), 0u32);
        let today = crate::sync::store_day(now);
        for p in &products {
            let prices = market.get(&p.id).cloned().unwrap_or_default();
            let mkt = Market { prices };
            // While a sale runs, the product is priced against its sale price and the decision
            // writes the sale price; the regular price is never changed as a side effect.
            let shelf = shelf_of(p);
            let (field, current) = shelf.current(&today);
            if let Some(pos) = mkt.position(current) {
                with_market += 1;
                let key = match pos {
                    strategy::Position::Leading => "leading",
                    strategy::Position::Competitive => "competitive",
                    strategy::Position::Following => "following",
                };
                *positions.entry(key).or_default() += 1;
            }
            let Some(rule) = index.rule_for(p) else {
                *unchanged.entry("no_rule").or_default() += 1;
                continue;
            };
            let Ok(strat) = serde_json::from_str::<Strategy>(&rule.params) else {
                *unchanged.entry("unreadable_rule").or_default() += 1;
                continue;
            };
            let limits = limits_of(rule);
            let proposal = strategy::propose(strat, PROFIT_FALLBACK, p.cost_minor, &mkt, || {
                book.as_ref().map_or(Err(Untrusted::TooFewSales), |b| b.for_product(p))
            });
            let target = match proposal.target {
                Ok(t) => t,
                Err(n) => {
                    *unchanged.entry(no_target_reason(n)).or_default() += 1;
                    continue;
                }
            };
            let changes = history.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            let day_ago = changes
                .iter()
                .find(|c| parse_time(&c.applied_at).is_some_and(|t| now - t < 86_400))
                .map(|c| c.old_price_minor);
            let ctx = Context {
                current_minor: current,
                cost_minor: p.cost_minor,
                now,
                last_change: changes.last().and_then(|c| parse_time(&c.applied_at)),
                price_24h_ago: day_ago.or(Some(current)),
                frozen: p.pricing_frozen_at.is_some(),
                kill_switch: kill,
            };
            let verdict = guardrails::check(target.price_minor, &limits, &ctx);
            let Some(new_price) = verdict.price_minor else {
                let reason = verdict.hits.iter().find(|h| h.blocks()).map_or("unchanged", hit_reason);
                *unchanged.entry(reason).or_default() += 1;
                continue;
            };
            // A sale price stays a sale: at or above the regular price it would stop being one.
            if field == PriceField::SalePrice && new_price >= shelf.regular_minor {
                *unchanged.entry("sale_at_regular_price").or_default() += 1;
                continue;
            }
            let sale_end = (field == PriceField::SalePrice).then(|| shelf.sale_end.clone()).flatten();
            // Feedback loops: our recent changes plus this one.
            let mut seq: Vec<(i64, i64)> =
                changes.iter().filter_map(|c| Some((parse_time(&c.applied_at)?, c.new_price_minor))).collect();
            seq.push((now, new_price));
            let start = changes.first().map_or(current, |c| c.old_price_minor);
            let freeze = loops::detect(start, &seq, now, &LoopLimits::default())
                .map(|k| serde_json::to_string(&k).unwrap_or_else(|_| "loop".into()));
            if let Some(reason) = freeze {
                frozen.push((p.id.clone(), reason));
                continue;
            }
            let competitors = u32::try_from(mkt.prices.len()).unwrap_or(u32::MAX);
            let cb = change_bps(current, new_price);
            let grade = risk::assess(&RiskInputs {
                change_bps: cb,
                margin_after_bps: risk::margin_bps(new_price, p.cost_minor),
                competitors,
                market_based: !matches!(strat, Strategy::TargetMargin { .. }),
            });
            let (en, ar) = rationale(&Why {
                strategy: strat,
                demand: proposal.demand,
                reference: target.reference_minor,
                competitors,
                hits: &verdict.hits,
                old: current,
                new: new_price,
                currency: &p.currency,
                sale: (field == PriceField::SalePrice)
                    .then_some(SaleInfo { regular: shelf.regular_minor, end: sale_end.as_deref() }),
                vat_bps,
            });
            let auto = !rule.is_dry_run
                && match mode {
                    ipc::AutomationMode::Manual => false,
                    ipc::AutomationMode::SemiAutomatic => grade == risk::Risk::Low,
                    ipc::AutomationMode::Automatic => true,
                };
            let inputs = serde_json::json!({
                "price": current, "field": field.as_str(), "regular_price": shelf.regular_minor,
                "sale_end": sale_end, "cost": p.cost_minor, "vat_bps": vat_bps, "competitors_basis": "before_vat", "competitors": mkt.prices, "stats": mkt.stats(),
                "position": mkt.position(current), "target": target.price_minor,
                "reference": target.reference_minor, "rule_id": rule.id, "rule_version": rule.version,
                "dry_run_rule": rule.is_dry_run, "fallback": matches!(proposal.demand, Some(Err(_))),
                "demand": demand_inputs(proposal.demand),
            });
            let guard = serde_json::json!({ "floor": verdict.floor, "ceiling": verdict.ceiling, "hits": verdict.hits });
            planned.push(Planned {
                decision: NewDecision {
                    product_id: p.id.clone(),
                    currency: p.currency.clone(),
                    old_price_minor: current,
                    new_price_minor: new_price,
                    price_field: field,
                    sale_end,
                    strategy: strat.name().into(),
                    inputs: inputs.to_string(),
                    guardrails: guard.to_string(),
                    risk: grade.as_str().into(),
                    rationale_en: en,
                    rationale_ar: ar,
                    status: if auto { "approved".into() } else { "proposed".into() },
                    decided_by: auto.then(|| "agent:risk_reviewer".to_owned()),
                    rollback_of: None,
                },
                change_bps: cb,
                from_demand: matches!(proposal.demand, Some(Ok(_))),
            });
        }
        let mut decisions = planned;
        // The language model (when set up) rewords the first rationales; never a price.
        let mut advice = None;
        if run_id.is_some() {
            match self.advisor().await {
                Ok(Some((client, budget))) => {
                    let names: HashMap<&str, &str> =
                        products.iter().map(|p| (p.id.as_str(), p.name.as_str())).collect();
                    let mut refs: Vec<&mut NewDecision> = decisions.iter_mut().map(|d| &mut d.decision).collect();
                    let mut a = crate::advisor::Advice::default();
                    self.advise_rationales(&client, &budget, &mut refs, &names, &mut a).await;
                    advice = Some(a);
                }
                Ok(None) => {}
                Err(e) => advice = Some(crate::advisor::Advice { errors: vec![e.to_string()], ..Default::default() }),
            }
        }
        let changes: Vec<i64> = decisions.iter().map(|d| d.change_bps).collect();
        let catalogue = u32::try_from(products.len()).unwrap_or(u32::MAX);
        let trip = breaker::check(&changes, catalogue, &BreakerLimits::default());
        if trip.is_some() {
            for d in &mut decisions {
                d.decision.status = "proposed".into();
                d.decision.decided_by = None;
            }
        }
        let breaker_text = trip.map(|t| serde_json::to_string(&t).unwrap_or_default());
        let auto_approved =
            u32::try_from(decisions.iter().filter(|d| d.decision.status == "approved").count()).unwrap_or(0);
        let mut unchanged_list: Vec<ipc::ReasonCount> =
            unchanged.into_iter().map(|(reason, count)| ipc::ReasonCount { reason: reason.into(), count }).collect();
        unchanged_list.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        let mut report = ipc::RunReport {
            run_id: run_id.clone(),
            dry_run,
            status: if trip.is_some() { "awaiting_approval".into() } else { "succeeded".into() },
            products_seen: catalogue,
            proposed: u32::try_from(decisions.len()).unwrap_or(u32::MAX),
            auto_approved,
            frozen: u32::try_from(frozen.len()).unwrap_or(u32::MAX),
            breaker: breaker_text.clone(),
            unchanged: unchanged_list.clone(),
            demand_estimated: book.as_ref().map_or(0, |b| b.estimated),
            priced_from_demand: u32::try_from(decisions.iter().filter(|d| d.from_demand).count()).unwrap_or(0),
            ..ipc::RunReport::default()
        };
        let steps = serde_json::json!([
            { "agent": "market_analyst", "products_with_competitors": with_market, "positions": positions },
            { "agent": "demand_analyst", "used": book.is_some(), "products_estimated": book.as_ref().map_or(0, |b| b.estimated) },
            { "agent": "strategist", "proposed": decisions.len(), "unchanged": unchanged_list.iter().map(|r| (r.reason.clone(), r.count)).collect::<HashMap<_, _>>() },
            { "agent": "risk_reviewer", "auto_approved": auto_approved, "frozen": frozen.len(), "breaker": trip, "mode": format!("{mode:?}"), "kill_switch": kill },
        ]);
        let mut steps = steps;
        if let (Some(a), Some(list)) = (&advice, steps.as_array_mut()) {
            let mut step = serde_json::to_value(a).unwrap_or_default();
            step["agent"] = serde_json::json!("llm_advisor");
            list.push(step);
        }
        report.steps = steps.to_string();
        timings.push(("decide", phase.elapsed().as_millis()));
        let Some(run_id) = run_id else {
            // Dry run: the decisions as they would be, nothing stored.
            let by_id: HashMap<&str, &spo_store::PricingProduct> =
                products.iter().map(|p| (p.id.as_str(), p)).collect();
            report.decisions = decisions
                .into_iter()
                .take(REPORT_DECISIONS as usize)
                .map(|d| ipc::Decision {
                    id: String::new(),
                    run_id: None,
                    product_id: d.decision.product_id.clone(),
                    product_name: by_id.get(d.decision.product_id.as_str()).map(|p| p.name.clone()).unwrap_or_default(),
                    product_sku: by_id.get(d.decision.product_id.as_str()).and_then(|p| p.sku.clone()),
                    currency: d.decision.currency,
                    old_price_minor: d.decision.old_price_minor,
                    new_price_minor: d.decision.new_price_minor,
                    price_field: price_field_kind(d.decision.price_field),
                    sale_end: d.decision.sale_end,
                    strategy: d.decision.strategy,
                    risk: d.decision.risk,
                    status: d.decision.status,
                    rationale_en: d.decision.rationale_en,
                    rationale_ar: d.decision.rationale_ar,
                    inputs: d.decision.inputs,
                    guardrails: d.decision.guardrails,
                    decided_by: d.decision.decided_by,
                    applied_at: None,
                    salla_response: None,
                    rollback_of: None,
                    created_at: String::new(),
                })
                .collect();
            report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            tracing::info!(?timings, elapsed_ms = report.elapsed_ms, "optimization dry run");
            return Ok(report);
        };
        for (product_id, reason) in &frozen {
            self.db().set_frozen(store_id, product_id, Some(reason), "agent:risk_reviewer").await?;
        }
        let rows: Vec<NewDecision> = decisions.into_iter().map(|d| d.decision).collect();
        let outcome = RunOutcome {
            status: report.status.clone(),
            products_seen: i64::from(catalogue),
            proposed: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            applied: 0,
            errors: 0,
            steps: steps.to_string(),
            error: None,
        };
        phase = std::time::Instant::now();
        self.db().finish_run(store_id, &run_id, &rows, &outcome).await?;
        timings.push(("record", phase.elapsed().as_millis()));
        phase = std::time::Instant::now();
        // Executor: what the automation mode approved.
        if auto_approved > 0 && !kill {
            let applied = self.apply_approved(store_id).await?;
            report.applied = applied.applied;
            report.failed = applied.failed + applied.expired;
            self.db().count_run_applies(&run_id, i64::from(applied.applied), i64::from(report.failed)).await?;
        }
        report.decisions = self
            .db()
            .run_decisions(store_id, &run_id, REPORT_DECISIONS)
            .await?
            .into_iter()
            .map(decision_to_ipc)
            .collect();
        timings.push(("apply_and_report", phase.elapsed().as_millis()));
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(?timings, elapsed_ms = report.elapsed_ms, "optimization run");
        Ok(report)
    }

    /// Approves or rejects proposed decisions. Returns how many changed.
    #[tracing::instrument(skip_all, err)]
    pub async fn decide(&self, store_id: &str, ids: &[String], approve: bool) -> Result<u32> {
        self.ensure_may_write(false).await?;
        self.expire_stale(store_id).await?;
        let mut n = 0;
        for id in ids {
            let to = if approve { "approved" } else { "rejected" };
            if self.db().transition(store_id, id, &["proposed"], to, "user:local", None, None, None).await? {
                n += 1;
            } else {
                let d = self.db().decision(store_id, id).await?;
                return Err(AppError::InvalidInput(format!("decision {id} is {} and cannot be {to}", d.status)));
            }
        }
        self.local_change();
        Ok(n)
    }

    /// Applies every approved decision of the store, after settling any apply that was
    /// interrupted. Stops at once when the kill switch is on.
    #[tracing::instrument(skip_all, err)]
    pub async fn apply_approved(&self, store_id: &str) -> Result<ipc::ApplyReport> {
        self.db().store(store_id).await?;
        let mut report = ipc::ApplyReport::default();
        if self.kill_switch().await? {
            return Err(AppError::InvalidInput("the kill switch is on: no price is written".into()));
        }
        report.expired += u32::try_from(self.expire_stale(store_id).await?).unwrap_or(u32::MAX);
        let pending = self.db().decisions(store_id, &["applying", "approved"]).await?;
        if pending.is_empty() {
            return Ok(report);
        }
        let (client, mut token) = crate::sync::connect(self, store_id).await?;
        // Oldest first, interrupted ones before new ones.
        let mut pending = pending;
        pending.sort_by(|a, b| {
            (a.status != "applying").cmp(&(b.status != "applying")).then(a.created_at.cmp(&b.created_at))
        });
        for d in pending {
            if self.kill_switch().await? {
                report.errors.push("stopped: the kill switch was turned on".into());
                break;
            }
            let interrupted = d.status == "applying";
            match self.apply_authorized(store_id, &client, &mut token, &d).await {
                Err(e @ AppError::NeedsReconnect(_)) => return Err(e),
                // The fence said no (another seat runs the store, the team's kill switch, the team
                // database silent past the grace): nothing more is written from here.
                Err(e @ AppError::Team(_)) => {
                    report.failed += 1;
                    report.errors.push(format!("stopped: {e}"));
                    break;
                }
                Ok(ApplyOutcome::Applied) => {
                    report.applied += 1;
                    report.reconciled += u32::from(interrupted);
                }
                Ok(ApplyOutcome::Expired(why)) => {
                    report.expired += 1;
                    report.errors.push(format!("{}: {why}", d.product_name));
                }
                Ok(ApplyOutcome::Failed(why)) => {
                    report.failed += 1;
                    report.errors.push(format!("{}: {why}", d.product_name));
                }
                Err(e) => {
                    report.failed += 1;
                    report.errors.push(format!("{}: {e}", d.product_name));
                }
            }
        }
        Ok(report)
    }

    /// [`Self::apply_one`]; when Salla rejects the access token, one refresh and one more try (the
    /// decision is read again first: an interrupted write is settled by the read-first path).
    async fn apply_authorized(
        &self,
        store_id: &str,
        client: &spo_salla::SallaClient,
        token: &mut String,
        d: &DecisionRow,
    ) -> Result<ApplyOutcome> {
        match self.apply_one(store_id, client, token, d).await {
            Err(e) if crate::sync::is_rejected_token(&e) => {
                *token = crate::sync::reauthorize(self, store_id, client, token).await?;
                let again = self.db().decision(store_id, &d.id).await?;
                self.apply_one(store_id, client, token, &again).await
            }
            other => other,
        }
    }

    async fn apply_one(
        &self,
        store_id: &str,
        client: &spo_salla::SallaClient,
        token: &str,
        d: &DecisionRow,
    ) -> Result<ApplyOutcome> {
        let currency = Currency::parse(&d.currency).map_err(|e| AppError::Internal(e.to_string()))?;
        let field = d.price_field;
        let read = |p: &spo_salla::Product| -> Result<(Shelf, Option<i64>)> {
            let shelf = p
                .shelf(currency)
                .map_err(|e| AppError::Internal(format!("product {}: {e}", p.id)))?
                .ok_or_else(|| AppError::Internal(format!("product {} has no readable price", p.id)))?;
            let cost = p.cost_price.to_money(currency).ok().flatten().map(|m| m.minor);
            Ok((shelf, cost))
        };
        let today = crate::sync::store_day(now_secs());
        let (before, cost) = read(&client.product(token, d.salla_product_id).await?)?;
        let current = before.get(field);
        // The price a decision was made for is the one shoppers pay: a sale that started or ended
        // since then makes it stale (and writing `price` during a sale would change the regular
        // price behind the sale).
        let live_field = before.current(&today).0;
        let intent = match (d.status.as_str(), d.intent_id.clone()) {
            ("applying", Some(intent)) => {
                // Interrupted: settle by what Salla shows before anything is sent again.
                if current == d.new_price_minor {
                    self.finish_applied(store_id, d, &intent, "read back after an interrupted apply").await?;
                    return Ok(ApplyOutcome::Applied);
                }
                if current != d.old_price_minor || live_field != field {
                    let why =
                        format!("the {} at Salla is {current}, neither the old nor the new price", field_words(field));
                    return self.fail_applying(store_id, d, why).await;
                }
                intent
            }
            _ if live_field == field && current == d.new_price_minor && current != d.old_price_minor => {
                // The new price is at Salla already: another seat ran this decision and stopped
                // (killed, cut off) before the team heard. Recorded, never written twice.
                let note = "the new price was already at Salla (written by a seat that stopped before recording it)";
                self.finish_applied(store_id, d, &spo_store::new_id(), note).await?;
                return Ok(ApplyOutcome::Applied);
            }
            _ => {
                let stale = if live_field != field {
                    Some(match field {
                        PriceField::Price => {
                            "a sale started at Salla since this decision was made; the regular price is left alone"
                                .to_owned()
                        }
                        PriceField::SalePrice => "the sale ended at Salla since this decision was made".to_owned(),
                    })
                } else if current != d.old_price_minor {
                    Some(format!("the {} changed at Salla since this decision was made", field_words(field)))
                } else if field == PriceField::SalePrice && d.new_price_minor >= before.regular_minor {
                    Some("the new sale price would not be below the regular price".to_owned())
                } else {
                    None
                };
                if let Some(why) = stale {
                    self.db()
                        .transition(store_id, &d.id, &["approved"], "expired", "agent:executor", Some(&why), None, None)
                        .await?;
                    return Ok(ApplyOutcome::Expired(why));
                }
                // The floor is recomputed now, from the cost Salla has now.
                if let Some(why) = self.floor_violation(store_id, d, cost).await? {
                    self.db()
                        .transition(store_id, &d.id, &["approved"], "failed", "agent:executor", Some(&why), None, None)
                        .await?;
                    return Ok(ApplyOutcome::Failed(why));
                }
                let intent = spo_store::new_id();
                if !self
                    .db()
                    .transition(store_id, &d.id, &["approved"], "applying", "agent:executor", None, Some(&intent), None)
                    .await?
                {
                    return Ok(ApplyOutcome::Failed("another apply took this decision".into()));
                }
                intent
            }
        };
        // Exactly the one field the decision is about.
        let amount = Some(Money::from_minor(d.new_price_minor, currency));
        let update = match field {
            PriceField::Price => spo_salla::PriceUpdate { price: amount, ..spo_salla::PriceUpdate::default() },
            PriceField::SalePrice => spo_salla::PriceUpdate { sale_price: amount, ..spo_salla::PriceUpdate::default() },
        };
        // The fence: this seat must still hold the store's lease (and the team's kill switch be
        // off) right before the write. Refused, the decision stays `applying` and is settled by the
        // read-first path by whichever seat runs the store.
        self.fence_write(store_id).await?;
        let sent = client.update_product(token, d.salla_product_id, &update).await;
        // Whatever the answer, the product is read back: a timeout may hide a landed write.
        let (after, _) = read(&client.product(token, d.salla_product_id).await?)?;
        let other = match field {
            PriceField::Price => PriceField::SalePrice,
            PriceField::SalePrice => PriceField::Price,
        };
        if after.get(field) == d.new_price_minor {
            let mut note = match &sent {
                Ok(_) => "201 Created; read back".to_owned(),
                Err(e) => format!("{e}; but the read-back shows the new price"),
            };
            if after.get(other) != before.get(other) {
                note.push_str(&format!(
                    "; note: the {} also changed at Salla ({} → {})",
                    field_words(other),
                    before.get(other),
                    after.get(other)
                ));
            }
            self.finish_applied(store_id, d, &intent, &note).await?;
            Ok(ApplyOutcome::Applied)
        } else {
            let why = match sent {
                Err(e) => e.to_string(),
                Ok(_) => format!(
                    "Salla accepted the change but the read-back shows another {} ({})",
                    field_words(field),
                    after.get(field)
                ),
            };
            self.fail_applying(store_id, d, why).await
        }
    }

    /// An applying decision failed: recorded with the reason as Salla's side of the story.
    async fn fail_applying(&self, store_id: &str, d: &DecisionRow, why: String) -> Result<ApplyOutcome> {
        self.db()
            .transition(store_id, &d.id, &["applying"], "failed", "agent:executor", Some(&why), None, Some(&why))
            .await?;
        Ok(ApplyOutcome::Failed(why))
    }

    async fn finish_applied(&self, store_id: &str, d: &DecisionRow, intent: &str, note: &str) -> Result<()> {
        let response = serde_json::json!({ "intent_id": intent, "price": d.new_price_minor, "note": note }).to_string();
        self.db()
            .transition(
                store_id,
                &d.id,
                &["applying", "approved"],
                "applied",
                "agent:executor",
                None,
                None,
                Some(&response),
            )
            .await?;
        self.db().set_local_price(store_id, &d.product_id, d.price_field, d.new_price_minor).await?;
        if let Some(original) = &d.rollback_of {
            self.db()
                .transition(
                    store_id,
                    original,
                    &["applied"],
                    "rolled_back",
                    "user:local",
                    Some("rolled back"),
                    None,
                    None,
                )
                .await?;
        }
        Ok(())
    }

    /// `Some(why)` when the decision's price is outside [max(minimum, cost floor), maximum] as the
    /// rule and the cost stand now.
    async fn floor_violation(&self, store_id: &str, d: &DecisionRow, cost: Option<i64>) -> Result<Option<String>> {
        let products = self.db().pricing_products(store_id).await?;
        let Some(p) = products.iter().find(|p| p.id == d.product_id) else {
            return Ok(Some("the product is gone".into()));
        };
        let rules = self.db().rules(store_id).await?;
        let rule = RuleIndex::new(&rules).rule_for(p);
        let Some(rule) = rule else {
            return Ok(Some("the product no longer has a pricing rule".into()));
        };
        let l = limits_of(rule);
        let (Some(min), Some(max)) = (l.min_minor, l.max_minor) else {
            return Ok(Some("the rule has no minimum or maximum".into()));
        };
        let floor = min.max(match (cost, l.min_margin_bps) {
            (Some(c), Some(m)) => strategy::cost_floor(c, m),
            (Some(c), None) => c,
            (None, _) => 0,
        });
        let p = d.new_price_minor;
        Ok((p < floor || p > max).then(|| {
            format!(
                "{} is outside the allowed range {} – {} (recomputed from today's cost)",
                money_text(p, &d.currency),
                money_text(floor, &d.currency),
                money_text(max, &d.currency)
            )
        }))
    }

    /// Rolls an applied decision back to its old price through the same path (durable intent,
    /// read-back, audit). The floor still holds.
    #[tracing::instrument(skip_all, err)]
    pub async fn rollback(&self, store_id: &str, decision_id: &str) -> Result<ipc::Decision> {
        let d = self.db().decision(store_id, decision_id).await?;
        let id = self.queue_rollback(store_id, &d, "user:local").await?;
        if self.kill_switch().await? {
            return Err(AppError::InvalidInput("the kill switch is on: the rollback waits, approved".into()));
        }
        let (client, mut token) = crate::sync::connect(self, store_id).await?;
        let row = self.db().decision(store_id, &id).await?;
        match self.apply_authorized(store_id, &client, &mut token, &row).await? {
            ApplyOutcome::Applied => Ok(decision_to_ipc(self.db().decision(store_id, &id).await?)),
            ApplyOutcome::Expired(why) | ApplyOutcome::Failed(why) => {
                Err(AppError::InvalidInput(format!("rollback failed: {why}")))
            }
        }
    }

    /// Rolls back every applied decision of a run, each through the same path as one (a product
    /// whose price moved again since is left alone and counted as expired).
    #[tracing::instrument(skip_all, err)]
    pub async fn rollback_run(&self, store_id: &str, run_id: &str) -> Result<ipc::ApplyReport> {
        let applied: Vec<DecisionRow> = self
            .db()
            .run_decisions(store_id, run_id, i64::MAX)
            .await?
            .into_iter()
            .filter(|d| d.status == "applied")
            .collect();
        if applied.is_empty() {
            return Err(AppError::InvalidInput("this run has no applied price to roll back".into()));
        }
        let mut queued = Vec::with_capacity(applied.len());
        for d in &applied {
            queued.push(self.queue_rollback(store_id, d, "user:local").await?);
        }
        let mut report = ipc::ApplyReport::default();
        if self.kill_switch().await? {
            return Err(AppError::InvalidInput("the kill switch is on: the rollbacks wait, approved".into()));
        }
        let (client, mut token) = crate::sync::connect(self, store_id).await?;
        for (id, original) in queued.iter().zip(&applied) {
            if self.kill_switch().await? {
                report.errors.push("stopped: the kill switch was turned on".into());
                break;
            }
            let row = self.db().decision(store_id, id).await?;
            match self.apply_authorized(store_id, &client, &mut token, &row).await? {
                ApplyOutcome::Applied => report.applied += 1,
                ApplyOutcome::Expired(why) => {
                    report.expired += 1;
                    report.errors.push(format!("{}: {why}", original.product_name));
                }
                ApplyOutcome::Failed(why) => {
                    report.failed += 1;
                    report.errors.push(format!("{}: {why}", original.product_name));
                }
            }
        }
        Ok(report)
    }

    /// Records the approved decision that undoes `d` (applied), and returns its id.
    async fn queue_rollback(&self, store_id: &str, d: &DecisionRow, actor: &str) -> Result<String> {
        if d.status != "applied" {
            return Err(AppError::InvalidInput(format!(
                "only an applied decision can be rolled back; this one is {}",
                d.status
            )));
        }
        let (en, ar) = (
            format!(
                "Rollback: {} → {}.",
                money_text(d.new_price_minor, &d.currency),
                money_text(d.old_price_minor, &d.currency)
            ),
            format!(
                "تراجع: {} ← {}.",
                money_text_ar(d.old_price_minor, &d.currency),
                money_text_ar(d.new_price_minor, &d.currency)
            ),
        );
        Ok(self
            .db()
            .insert_decision(
                store_id,
                &NewDecision {
                    product_id: d.product_id.clone(),
                    currency: d.currency.clone(),
                    old_price_minor: d.new_price_minor,
                    new_price_minor: d.old_price_minor,
                    // The same field back to what it was; the other was never touched.
                    price_field: d.price_field,
                    sale_end: d.sale_end.clone(),
                    strategy: "rollback".into(),
                    inputs: serde_json::json!({ "rollback_of": d.id, "run_id": d.run_id }).to_string(),
                    guardrails: "{}".into(),
                    risk: "low".into(),
                    rationale_en: en,
                    rationale_ar: ar,
                    status: "approved".into(),
                    decided_by: Some(actor.into()),
                    rollback_of: Some(d.id.clone()),
                },
            )
            .await?)
    }

    /// Expires decisions that waited longer than [`DECISION_TTL_SECS`].
    async fn expire_stale(&self, store_id: &str) -> Result<u64> {
        let now = now_secs();
        Ok(self.db().expire_stale(store_id, &time_text(now - DECISION_TTL_SECS), "agent:executor").await?)
    }

    /// The audit trail of one decision (or any entity), oldest first: (action, actor, details).
    pub async fn audit_trail(&self, entity_id: &str) -> Result<Vec<(String, String, String)>> {
        Ok(self.db().audit_of(entity_id).await?)
    }

    /// Clears the loop detector's freeze on a product (the merchant looked).
    pub async fn unfreeze(&self, store_id: &str, product: &str) -> Result<()> {
        let id = self.db().product_id_by_id_or_sku(store_id, product).await?;
        Ok(self.db().set_frozen(store_id, &id, None, "user:local").await?)
    }
}

enum ApplyOutcome {
    Applied,
    Expired(String),
    Failed(String),
}

#[cfg(test)]
mod breaker_words_tests {
    #[test]
    fn the_breaker_is_said_in_words() {
        let t = super::breaker_text(r#"{"trip":"too_many_changes","changes":40,"allowed":12}"#);
        assert_eq!(t, "40 prices would change, more than the 12 allowed in one run; every decision waits for approval");
        let t = super::breaker_text(r#"{"trip":"median_change","median_bps":2250,"limit_bps":1500}"#);
        assert!(t.starts_with("the typical change would be 22.50%, above the 15.00% limit"), "{t}");
        assert!(!super::breaker_text("{}").is_empty());
    }
}
