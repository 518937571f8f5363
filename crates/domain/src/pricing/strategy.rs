//! Strategies: from the market (trusted competitor prices) and the product (price, cost) to a
//! target price, with what it was based on. Guardrails come after; a strategy never writes.

use serde::{Deserialize, Serialize};

use crate::text_enum::text_enum;

use super::demand::{optimal_price, Elasticity, Untrusted};
use super::{bps_of, bps_of_ceil};

/// How much to undercut the lowest competitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "value")]
pub enum Beat {
    /// A share, in basis points (100 = 1 %).
    Bps(u32),
    /// An amount in minor units.
    Minor(i64),
}

/// A pricing strategy. Persisted (as JSON in the rule's `params` with its `strategy` name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Strategy {
    /// The lowest competitor price.
    MatchLowest,
    /// Below the lowest competitor.
    BeatLowest {
        /// By how much.
        by: Beat,
    },
    /// The n-th cheapest offer in the market (1 = cheapest, 2 = second cheapest…): our price
    /// matches the n-th lowest competitor price.
    Position {
        /// 1-based rank.
        rank: u32,
    },
    /// Above (or, negative, below) the competitors' average, in basis points.
    PremiumOverAverage {
        /// 500 = 5 % over the average.
        bps: i32,
    },
    /// Cost plus a margin on the price: price = cost / (1 − margin).
    TargetMargin {
        /// Margin on the selling price in basis points (3000 = 30 %).
        bps: u32,
    },
    /// Keep the current price.
    Hold,
    /// The profit-maximizing price from the store's own demand (elasticity), when the estimate
    /// is trustworthy; otherwise the fallback rule.
    MaximizeProfit,
}

text_enum! {
    /// Which strategy, without its parameters (what the rule and its decisions record).
    pub enum StrategyKind ("strategy") {
        /// [`Strategy::MatchLowest`].
        MatchLowest = "match_lowest",
        /// [`Strategy::BeatLowest`].
        BeatLowest = "beat_lowest",
        /// [`Strategy::Position`].
        Position = "position",
        /// [`Strategy::PremiumOverAverage`].
        PremiumOverAverage = "premium_over_average",
        /// [`Strategy::TargetMargin`].
        TargetMargin = "target_margin",
        /// [`Strategy::Hold`].
        Hold = "hold",
        /// [`Strategy::MaximizeProfit`].
        MaximizeProfit = "maximize_profit",
    }
}

impl Strategy {
    /// Which strategy this is.
    pub fn kind(&self) -> StrategyKind {
        match self {
            Strategy::MatchLowest => StrategyKind::MatchLowest,
            Strategy::BeatLowest { .. } => StrategyKind::BeatLowest,
            Strategy::Position { .. } => StrategyKind::Position,
            Strategy::PremiumOverAverage { .. } => StrategyKind::PremiumOverAverage,
            Strategy::TargetMargin { .. } => StrategyKind::TargetMargin,
            Strategy::Hold => StrategyKind::Hold,
            Strategy::MaximizeProfit => StrategyKind::MaximizeProfit,
        }
    }

    /// The persisted name.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// How prices end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceEnding {
    /// Any halala.
    #[default]
    Exact,
    /// Whole riyals (x.00).
    Whole,
    /// x.95.
    Cents95,
    /// x.99.
    Cents99,
}

impl PriceEnding {
    /// The largest price with this ending at or below `minor` (`None` below the first one).
    pub fn at_or_below(self, minor: i64) -> Option<i64> {
        let cents = match self {
            PriceEnding::Exact => return Some(minor),
            PriceEnding::Whole => 0,
            PriceEnding::Cents95 => 95,
            PriceEnding::Cents99 => 99,
        };
        let whole = minor.div_euclid(100);
        let candidate = if minor.rem_euclid(100) >= cents { whole * 100 + cents } else { (whole - 1) * 100 + cents };
        (candidate >= 0).then_some(candidate)
    }

    /// The smallest price with this ending at or above `minor`.
    pub fn at_or_above(self, minor: i64) -> i64 {
        let cents = match self {
            PriceEnding::Exact => return minor,
            PriceEnding::Whole => 0,
            PriceEnding::Cents95 => 95,
            PriceEnding::Cents99 => 99,
        };
        let whole = minor.div_euclid(100);
        if minor.rem_euclid(100) <= cents {
            whole * 100 + cents
        } else {
            (whole + 1) * 100 + cents
        }
    }
}

/// What the market looks like for one product: competitor prices that may be used (trusted, fresh,
/// same currency, in stock), in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Market {
    /// Usable competitor prices.
    pub prices: Vec<i64>,
}

/// Competitor statistics for the market analyst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketStats {
    /// Offers counted.
    pub count: u32,
    /// Lowest.
    pub min: i64,
    /// Highest.
    pub max: i64,
    /// Mean, rounded to the halala.
    pub mean: i64,
    /// Median (lower middle).
    pub median: i64,
}

/// Where our price stands against the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// At or below the lowest competitor.
    Leading,
    /// Within 5 % above the lowest.
    Competitive,
    /// More than 5 % above the lowest.
    Following,
}

impl Market {
    /// Statistics, when there is at least one price.
    pub fn stats(&self) -> Option<MarketStats> {
        // Sorted already (as a run reads them): no copy.
        let copy;
        let p: &[i64] = if self.prices.is_sorted() {
            &self.prices
        } else {
            copy = {
                let mut v = self.prices.clone();
                v.sort_unstable();
                v
            };
            &copy
        };
        let (min, max) = (*p.first()?, *p.last()?);
        let sum: i128 = p.iter().map(|v| i128::from(*v)).sum();
        let n = i128::try_from(p.len()).ok()?;
        let mean = i64::try_from((sum + n / 2) / n).ok()?;
        Some(MarketStats { count: u32::try_from(p.len()).ok()?, min, max, mean, median: p[(p.len() - 1) / 2] })
    }

    /// Our position at `our_price`.
    pub fn position(&self, our_price: i64) -> Option<Position> {
        let s = self.stats()?;
        Some(if our_price <= s.min {
            Position::Leading
        } else if i128::from(our_price) * 10_000 <= i128::from(s.min) * 10_500 {
            Position::Competitive
        } else {
            Position::Following
        })
    }
}

/// Why a strategy has no target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoTarget {
    /// No usable competitor price.
    NoCompetitors,
    /// Fewer competitors than the position asks for.
    NotEnoughCompetitors,
    /// The product has no cost price.
    NoCost,
    /// The strategy is "hold".
    Hold,
    /// The margin asked for is 100 % or more.
    ImpossibleMargin,
}

/// A target price and what it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Target in minor units (before guardrails).
    pub price_minor: i64,
    /// The market price it was derived from, if any.
    pub reference_minor: Option<i64>,
}

/// The target a rule-based strategy proposes. [`Strategy::MaximizeProfit`] is resolved by the
/// caller (demand model) and falls back to `fallback` here.
pub fn target(
    strategy: Strategy,
    fallback: Strategy,
    cost_minor: Option<i64>,
    market: &Market,
) -> Result<Target, NoTarget> {
    let stats = market.stats();
    let lowest = || stats.map(|s| s.min).ok_or(NoTarget::NoCompetitors);
    match strategy {
        Strategy::Hold => Err(NoTarget::Hold),
        Strategy::MatchLowest => lowest().map(|l| Target { price_minor: l, reference_minor: Some(l) }),
        Strategy::BeatLowest { by } => {
            let l = lowest()?;
            let cut = match by {
                Beat::Bps(bps) => bps_of(l, i64::from(bps)).max(1),
                Beat::Minor(m) => m.max(0),
            };
            Ok(Target { price_minor: (l - cut).max(0), reference_minor: Some(l) })
        }
        Strategy::Position { rank } => {
            let mut p = market.prices.clone();
            if p.is_empty() {
                return Err(NoTarget::NoCompetitors);
            }
            p.sort_unstable();
            let i = usize::try_from(rank.max(1) - 1).unwrap_or(usize::MAX);
            let r = *p.get(i).ok_or(NoTarget::NotEnoughCompetitors)?;
            Ok(Target { price_minor: r, reference_minor: Some(r) })
        }
        Strategy::PremiumOverAverage { bps } => {
            let avg = stats.map(|s| s.mean).ok_or(NoTarget::NoCompetitors)?;
            Ok(Target { price_minor: (avg + bps_of(avg, i64::from(bps))).max(0), reference_minor: Some(avg) })
        }
        Strategy::TargetMargin { bps } => {
            let cost = cost_minor.ok_or(NoTarget::NoCost)?;
            if bps >= 10_000 {
                return Err(NoTarget::ImpossibleMargin);
            }
            // price = cost / (1 − m), rounded up so the margin is at least m.
            let den = 10_000 - i128::from(bps);
            let price = (i128::from(cost) * 10_000 + den - 1) / den;
            Ok(Target { price_minor: i64::try_from(price).unwrap_or(i64::MAX), reference_minor: None })
        }
        Strategy::MaximizeProfit => {
            if matches!(fallback, Strategy::MaximizeProfit) {
                return Err(NoTarget::Hold);
            }
            target(fallback, Strategy::Hold, cost_minor, market)
        }
    }
}

/// What the strategist proposes for one product, and for [`Strategy::MaximizeProfit`] what the
/// demand model said: the estimate and optimum it used, or why it fell back to `fallback`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proposal {
    /// The target, or why there is none.
    pub target: Result<Target, NoTarget>,
    /// `None` for rule strategies.
    pub demand: Option<Result<(Elasticity, i64), Untrusted>>,
}

/// The strategist: the rule's target, or for [`Strategy::MaximizeProfit`] the profit-maximizing
/// price when `demand` is trustworthy (the rule `fallback` otherwise). Guardrails come after, so a
/// far optimum is approached in bounded steps.
pub fn propose(
    strategy: Strategy,
    fallback: Strategy,
    cost_minor: Option<i64>,
    market: &Market,
    demand: impl FnOnce() -> Result<Elasticity, Untrusted>,
) -> Proposal {
    if !matches!(strategy, Strategy::MaximizeProfit) {
        return Proposal { target: target(strategy, fallback, cost_minor, market), demand: None };
    }
    match demand().and_then(|e| optimal_price(&e, cost_minor).map(|p| (e, p))) {
        Ok((e, p)) => Proposal {
            target: Ok(Target { price_minor: p, reference_minor: market.stats().map(|s| s.min) }),
            demand: Some(Ok((e, p))),
        },
        Err(why) => Proposal { target: target(strategy, fallback, cost_minor, market), demand: Some(Err(why)) },
    }
}

/// The cost floor: the lowest price that keeps `min_margin_bps` on cost (cost × (1 + m)),
/// rounded up to the halala.
pub fn cost_floor(cost_minor: i64, min_margin_bps: u32) -> i64 {
    cost_minor.saturating_add(bps_of_ceil(cost_minor, i64::from(min_margin_bps)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(p: &[i64]) -> Market {
        Market { prices: p.to_vec() }
    }

    #[test]
    fn each_strategy_reads_the_market_exactly() {
        let m = market(&[10_000, 9_500, 12_000]);
        let t = |s| target(s, Strategy::MatchLowest, Some(6_000), &m).map(|t| t.price_minor);
        assert_eq!(t(Strategy::MatchLowest), Ok(9_500));
        assert_eq!(t(Strategy::BeatLowest { by: Beat::Bps(100) }), Ok(9_405));
        assert_eq!(t(Strategy::BeatLowest { by: Beat::Minor(50) }), Ok(9_450));
        assert_eq!(t(Strategy::Position { rank: 2 }), Ok(10_000));
        assert_eq!(t(Strategy::Position { rank: 4 }), Err(NoTarget::NotEnoughCompetitors));
        assert_eq!(t(Strategy::PremiumOverAverage { bps: 500 }), Ok(10_500 + 525));
        assert_eq!(t(Strategy::TargetMargin { bps: 4_000 }), Ok(10_000));
        assert_eq!(t(Strategy::TargetMargin { bps: 10_000 }), Err(NoTarget::ImpossibleMargin));
        assert_eq!(t(Strategy::Hold), Err(NoTarget::Hold));
        assert_eq!(t(Strategy::MaximizeProfit), Ok(9_500), "falls back to the rule");
        let empty = Market::default();
        assert_eq!(target(Strategy::MatchLowest, Strategy::Hold, None, &empty), Err(NoTarget::NoCompetitors));
        assert_eq!(target(Strategy::TargetMargin { bps: 1 }, Strategy::Hold, None, &empty), Err(NoTarget::NoCost));
    }

    #[test]
    fn profit_maximizing_uses_trusted_demand_and_falls_back_otherwise() {
        let m = market(&[10_000, 9_500]);
        let trusted = || Ok(Elasticity { value: -3.0, std_error: 0.2, days: 180, observed: None });
        let p = propose(Strategy::MaximizeProfit, Strategy::MatchLowest, Some(6_000), &m, trusted);
        assert_eq!(p.target.map(|t| t.price_minor), Ok(9_000), "c·e/(1+e) = 6000 × 1.5");
        assert!(matches!(p.demand, Some(Ok((_, 9_000)))));
        let thin = || Err(Untrusted::TooFewSales);
        let p = propose(Strategy::MaximizeProfit, Strategy::MatchLowest, Some(6_000), &m, thin);
        assert_eq!((p.target.map(|t| t.price_minor), p.demand), (Ok(9_500), Some(Err(Untrusted::TooFewSales))));
        let p = propose(Strategy::MaximizeProfit, Strategy::MatchLowest, None, &m, trusted);
        assert_eq!(p.demand, Some(Err(Untrusted::NoCost)));
        let p = propose(Strategy::MatchLowest, Strategy::Hold, Some(6_000), &m, || -> Result<Elasticity, Untrusted> {
            unreachable!("rule strategies never ask the demand model")
        });
        assert_eq!((p.target.map(|t| t.price_minor), p.demand), (Ok(9_500), None));
    }

    #[test]
    fn stats_and_position() {
        let m = market(&[10_000, 9_500, 12_001]);
        let s = m.stats().expect("stats");
        assert_eq!((s.min, s.max, s.mean, s.median, s.count), (9_500, 12_001, 10_500, 10_000, 3));
        assert_eq!(m.position(9_500), Some(Position::Leading));
        assert_eq!(m.position(9_975), Some(Position::Competitive));
        assert_eq!(m.position(9_976), Some(Position::Following));
        assert_eq!(Market::default().position(1), None);
    }

    #[test]
    fn endings() {
        assert_eq!(PriceEnding::Cents99.at_or_below(10_050), Some(9_999));
        assert_eq!(PriceEnding::Cents99.at_or_below(10_099), Some(10_099));
        assert_eq!(PriceEnding::Cents95.at_or_above(10_096), 10_195);
        assert_eq!(PriceEnding::Whole.at_or_below(10_050), Some(10_000));
        assert_eq!(PriceEnding::Whole.at_or_above(10_050), 10_100);
        assert_eq!(PriceEnding::Cents99.at_or_below(50), None);
        assert_eq!(PriceEnding::Exact.at_or_below(123), Some(123));
    }

    #[test]
    fn floors_round_up() {
        assert_eq!(cost_floor(6_001, 1_000), 6_602); // 6601.1 → 6602
        assert_eq!(cost_floor(6_000, 0), 6_000);
    }

    #[test]
    fn strategies_round_trip_as_json() {
        for s in [
            Strategy::MatchLowest,
            Strategy::BeatLowest { by: Beat::Bps(150) },
            Strategy::BeatLowest { by: Beat::Minor(100) },
            Strategy::Position { rank: 2 },
            Strategy::PremiumOverAverage { bps: -200 },
            Strategy::TargetMargin { bps: 3_000 },
            Strategy::Hold,
            Strategy::MaximizeProfit,
        ] {
            let json = serde_json::to_string(&s).expect("json");
            assert_eq!(serde_json::from_str::<Strategy>(&json).expect("back"), s, "{json}");
        }
    }
}
