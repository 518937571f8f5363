//! Pricing rules: set and list the store's, category and product rules, and read them for a run.

use spo_domain::ids::{CategoryId, ProductId, RuleId};
use spo_domain::pricing::guardrails::Limits;
use spo_domain::pricing::plan::{self, Scope, ScopeKind};
use spo_domain::pricing::strategy::{Beat, PriceEnding, Strategy};
use spo_domain::{Currency, Money};
use spo_ipc as ipc;
use spo_store::{NewRule, RuleRow};

use crate::{App, AppError, Result};

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

fn to_u32(v: Option<i64>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

pub(super) fn limits_of(r: &RuleRow) -> Limits {
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

pub(super) fn rule_to_ipc(r: &RuleRow) -> Result<ipc::Rule> {
    let strategy: Strategy = serde_json::from_str(&r.params)
        .map_err(|e| AppError::Internal(format!("rule {} has an unreadable strategy: {e}", r.id)))?;
    let l = limits_of(r);
    Ok(ipc::Rule {
        id: r.id.clone(),
        scope: crate::vocab::rule_scope::to_ipc(r.scope),
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

/// A stored rule as the planner reads it, with what it covers (`None`: a product or category rule
/// without its target, which covers nothing).
pub(super) fn plan_rule(r: &RuleRow) -> Option<(Scope, plan::Rule)> {
    let scope = match (r.scope, r.product_id.as_deref(), r.category_id.as_deref()) {
        (ScopeKind::Product, Some(p), _) => Scope::Product(ProductId::from(p)),
        (ScopeKind::Category, _, Some(c)) => Scope::Category(CategoryId::from(c)),
        (ScopeKind::Store, _, _) => Scope::Store,
        _ => return None,
    };
    let rule = plan::Rule {
        id: RuleId::from(r.id.as_str()),
        version: r.version,
        strategy: serde_json::from_str::<Strategy>(&r.params).ok(),
        limits: limits_of(r),
        dry_run: r.is_dry_run,
    };
    Some((scope, rule))
}

/// The planner's view of a store's rules.
pub(super) fn plan_rules(rows: &[RuleRow]) -> plan::Rules {
    plan::Rules::new(rows.iter().filter_map(plan_rule))
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

impl App {
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
            (Some(p), None) => (ScopeKind::Product, None, Some(self.db().product_id_by_id_or_sku(&store.id, p).await?)),
            (None, Some(c)) => (ScopeKind::Category, Some(self.db().category_id_by_name(&store.id, c).await?), None),
            (None, None) => (ScopeKind::Store, None, None),
        };
        let rule = NewRule {
            scope,
            category_id,
            product_id,
            strategy: strategy.kind(),
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
}
