//! Guardrails: what a proposed price may become before anything is written. They cannot be
//! switched off: a product without a minimum and a maximum is never repriced automatically, every
//! written price lies in [max(minimum, cost floor), maximum], moves at most the step and daily
//! limits in both directions, and waits out the cool-down.

use serde::{Deserialize, Serialize};

use super::strategy::{cost_floor, PriceEnding};
use super::{bps_of, change_bps};

/// A product's limits (from its rule, or the category's or store's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Lowest price allowed (required for automation).
    pub min_minor: Option<i64>,
    /// Highest price allowed (required for automation).
    pub max_minor: Option<i64>,
    /// Margin over cost that the floor keeps, in basis points of cost.
    pub min_margin_bps: Option<u32>,
    /// Largest change per step, in basis points of the current price (both directions).
    pub max_step_bps: u32,
    /// Largest change per step in minor units, if set (both directions).
    pub max_step_minor: Option<i64>,
    /// Largest move within 24 hours, in basis points of the price 24 hours ago.
    pub max_daily_bps: u32,
    /// Minutes after a change during which the product is not changed again.
    pub cooldown_minutes: u32,
    /// How prices end.
    pub ending: PriceEnding,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            min_minor: None,
            max_minor: None,
            min_margin_bps: None,
            max_step_bps: 1_000,
            max_step_minor: None,
            max_daily_bps: 2_000,
            cooldown_minutes: 360,
            ending: PriceEnding::Exact,
        }
    }
}

/// What is known when the guardrails run (at proposal time, and again at apply time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The price in the store now.
    pub current_minor: i64,
    /// The cost now (the floor is recomputed from it at apply time).
    pub cost_minor: Option<i64>,
    /// Now (Unix seconds).
    pub now: i64,
    /// When the price was last changed by us (Unix seconds).
    pub last_change: Option<i64>,
    /// The price 24 hours ago (the daily limit's reference); the current price if unchanged.
    pub price_24h_ago: Option<i64>,
    /// The feedback-loop detector froze this product.
    pub frozen: bool,
    /// The global kill switch is on.
    pub kill_switch: bool,
}

/// A guardrail that shaped or stopped the proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "guard")]
pub enum Hit {
    /// All writes are stopped.
    KillSwitch,
    /// No minimum or no maximum: never automated.
    MissingMinMax,
    /// Frozen by the feedback-loop detector.
    Frozen,
    /// Changed too recently.
    CoolDown {
        /// Unix seconds when it may change again.
        until: i64,
    },
    /// The floor is above the ceiling: nothing is allowed.
    FloorAboveCeiling {
        /// max(minimum, cost floor).
        floor: i64,
        /// Maximum.
        ceiling: i64,
    },
    /// Raised to the floor.
    Floor {
        /// The floor.
        floor: i64,
    },
    /// Lowered to the ceiling.
    Ceiling {
        /// The ceiling.
        ceiling: i64,
    },
    /// Cut to the step limit.
    Step {
        /// Largest move allowed.
        limit: i64,
    },
    /// Cut to the daily limit.
    Daily {
        /// Largest move from the price 24 hours ago.
        limit: i64,
    },
    /// No price satisfies every limit (the current price is far outside the allowed range).
    Unreachable,
    /// The result equals the current price.
    Unchanged,
}

impl Hit {
    /// Hits that stop the change altogether.
    pub fn blocks(&self) -> bool {
        !matches!(self, Hit::Floor { .. } | Hit::Ceiling { .. } | Hit::Step { .. } | Hit::Daily { .. })
    }
}

/// The guardrails' verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The price that may be written, or `None` for no change.
    pub price_minor: Option<i64>,
    /// The floor used (max(minimum, cost floor)).
    pub floor: Option<i64>,
    /// The ceiling used.
    pub ceiling: Option<i64>,
    /// What shaped or stopped it.
    pub hits: Vec<Hit>,
}

impl Verdict {
    fn stop(hit: Hit) -> Self {
        Self { price_minor: None, floor: None, ceiling: None, hits: vec![hit] }
    }
}

/// The allowed interval for a write: [floor, ceiling] ∩ step band ∩ daily band.
fn bands(limits: &Limits, ctx: &Context, floor: i64, ceiling: i64) -> (i64, i64, i64, i64) {
    let mut step = bps_of(ctx.current_minor, i64::from(limits.max_step_bps));
    if let Some(m) = limits.max_step_minor {
        step = step.min(m.max(0));
    }
    let reference = ctx.price_24h_ago.unwrap_or(ctx.current_minor);
    let daily = bps_of(reference, i64::from(limits.max_daily_bps));
    let lo = floor.max(ctx.current_minor - step).max(reference - daily);
    let hi = ceiling.min(ctx.current_minor.saturating_add(step)).min(reference.saturating_add(daily));
    (lo, hi, step, daily)
}

/// The one floor and ceiling: `[max(minimum, cost floor), maximum]`, where the cost floor keeps
/// `min_margin_bps` over `cost` (the cost itself without a margin, nothing without a cost). Used
/// by planning ([`check`]) and again at apply time with the cost Salla has then.
pub fn allowed_range(min: i64, max: i64, min_margin_bps: Option<u32>, cost: Option<i64>) -> (i64, i64) {
    let cost_floor = match (cost, min_margin_bps) {
        (Some(c), Some(m)) => cost_floor(c, m),
        (Some(c), None) => c,
        (None, _) => 0,
    };
    (min.max(cost_floor), max)
}

/// Runs every guardrail over `proposed` (the strategy's target).
pub fn check(proposed: i64, limits: &Limits, ctx: &Context) -> Verdict {
    if ctx.kill_switch {
        return Verdict::stop(Hit::KillSwitch);
    }
    let (Some(min), Some(max)) = (limits.min_minor, limits.max_minor) else {
        return Verdict::stop(Hit::MissingMinMax);
    };
    if ctx.frozen {
        return Verdict::stop(Hit::Frozen);
    }
    if let Some(last) = ctx.last_change {
        let until = last.saturating_add(i64::from(limits.cooldown_minutes) * 60);
        if ctx.now < until {
            return Verdict::stop(Hit::CoolDown { until });
        }
    }
    let (floor, ceiling) = allowed_range(min, max, limits.min_margin_bps, ctx.cost_minor);
    let mut v = Verdict { price_minor: None, floor: Some(floor), ceiling: Some(ceiling), hits: Vec::new() };
    if floor > ceiling {
        v.hits.push(Hit::FloorAboveCeiling { floor, ceiling });
        return v;
    }
    let (lo, hi, step, daily) = bands(limits, ctx, floor, ceiling);
    if lo > hi {
        v.hits.push(Hit::Unreachable);
        return v;
    }
    let mut p = proposed;
    if p < floor {
        v.hits.push(Hit::Floor { floor });
        p = floor;
    }
    if p > ceiling {
        v.hits.push(Hit::Ceiling { ceiling });
        p = ceiling;
    }
    if (p - ctx.current_minor).abs() > step {
        v.hits.push(Hit::Step { limit: step });
    }
    let reference = ctx.price_24h_ago.unwrap_or(ctx.current_minor);
    if (p - reference).abs() > daily && !v.hits.iter().any(|h| matches!(h, Hit::Step { .. })) {
        v.hits.push(Hit::Daily { limit: daily });
    }
    p = p.clamp(lo, hi);
    // The ending, inside the allowed interval: below the target first (never overshoot a "beat"
    // target), then above; the exact price when no such price fits.
    let ended = limits
        .ending
        .at_or_below(p)
        .filter(|e| (lo..=hi).contains(e))
        .or_else(|| Some(limits.ending.at_or_above(p)).filter(|e| (lo..=hi).contains(e)))
        .unwrap_or(p);
    if ended == ctx.current_minor {
        v.hits.push(Hit::Unchanged);
        return v;
    }
    v.price_minor = Some(ended);
    v
}

/// The size of a change in basis points of the current price (for the breaker and the risk
/// review).
pub fn step_bps(ctx: &Context, new_minor: i64) -> i64 {
    change_bps(ctx.current_minor, new_minor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn limits(min: i64, max: i64) -> Limits {
        Limits { min_minor: Some(min), max_minor: Some(max), min_margin_bps: Some(1_000), ..Limits::default() }
    }

    fn ctx(current: i64, cost: Option<i64>) -> Context {
        Context {
            current_minor: current,
            cost_minor: cost,
            now: 1_000_000,
            last_change: None,
            price_24h_ago: None,
            frozen: false,
            kill_switch: false,
        }
    }

    #[test]
    fn a_blank_minimum_is_never_touched() {
        let l = Limits { min_minor: None, max_minor: Some(20_000), ..Limits::default() };
        assert_eq!(check(1, &l, &ctx(10_000, None)), Verdict::stop(Hit::MissingMinMax));
        let l = Limits { min_minor: Some(1), max_minor: None, ..Limits::default() };
        assert_eq!(check(1, &l, &ctx(10_000, None)).price_minor, None);
    }

    #[test]
    fn floor_from_cost_at_apply_time_ceiling_and_steps() {
        // Cost 9 000 + 10 % margin = floor 9 900, above the minimum 5 000.
        let v = check(1, &limits(5_000, 20_000), &ctx(10_000, Some(9_000)));
        assert_eq!(v.price_minor, Some(9_900));
        assert_eq!(v.hits, vec![Hit::Floor { floor: 9_900 }]);
        // A 99 % drop is cut to the 10 % step.
        let v = check(100, &limits(1_000, 20_000), &ctx(10_000, Some(500)));
        assert_eq!(v.price_minor, Some(9_000));
        assert!(v.hits.contains(&Hit::Step { limit: 1_000 }));
        // Up too: a step, and never above the ceiling.
        let v = check(50_000, &limits(1_000, 10_500), &ctx(10_000, None));
        assert_eq!(v.price_minor, Some(10_500));
        // The floor is above the ceiling: nothing.
        let v = check(10_000, &limits(1_000, 9_000), &ctx(10_000, Some(9_000)));
        assert_eq!(v.price_minor, None);
        assert!(matches!(v.hits[0], Hit::FloorAboveCeiling { .. }));
    }

    #[test]
    fn cool_down_daily_limit_freeze_and_kill_switch() {
        let l = limits(1_000, 20_000);
        let recent = Context { last_change: Some(1_000_000 - 60), ..ctx(10_000, None) };
        assert!(matches!(check(9_000, &l, &recent).hits[..], [Hit::CoolDown { until: 1_021_540 }]));
        // 24 hours ago it was 12 000; the daily band (20 %) reaches down to 9 600 only.
        let day = Context { price_24h_ago: Some(12_000), ..ctx(10_000, None) };
        assert_eq!(check(9_000, &l, &day).price_minor, Some(9_600));
        assert_eq!(check(9_000, &l, &Context { frozen: true, ..ctx(10_000, None) }).hits, vec![Hit::Frozen]);
        assert_eq!(check(9_000, &l, &Context { kill_switch: true, ..ctx(10_000, None) }).hits, vec![Hit::KillSwitch]);
    }

    #[test]
    fn endings_stay_inside_every_limit() {
        let l = Limits { ending: PriceEnding::Cents99, ..limits(1_000, 20_000) };
        assert_eq!(check(9_550, &l, &ctx(10_000, None)).price_minor, Some(9_499));
        // 9 000 is the step's edge: x.99 below it is out of range, so the one above.
        assert_eq!(check(8_000, &l, &ctx(10_000, None)).price_minor, Some(9_099));
        let v = check(10_000, &l, &ctx(10_000, None));
        assert_eq!(v.price_minor, Some(9_999), "the ending itself is a change");
    }

    #[test]
    fn far_outside_the_range_needs_a_person() {
        // Current 1 000 with a floor of 9 900: one 10 % step cannot get there.
        let v = check(10_000, &limits(5_000, 20_000), &ctx(1_000, Some(9_000)));
        assert_eq!((v.price_minor, v.hits.clone()), (None, vec![Hit::Unreachable]));
    }

    proptest! {
        /// R18: every written price lies in [max(min, cost floor), max], within the step and daily
        /// limits in both directions, or nothing is written.
        #[test]
        fn writes_stay_inside_every_limit(
            proposed in 0i64..1_000_000,
            current in 1i64..1_000_000,
            min in proptest::option::of(0i64..500_000),
            span in 0i64..500_000,
            has_max in any::<bool>(),
            cost in proptest::option::of(0i64..600_000),
            margin in proptest::option::of(0u32..5_000),
            step_bps in 0u32..5_000,
            step_minor in proptest::option::of(0i64..100_000),
            daily_bps in 0u32..5_000,
            day_ago in proptest::option::of(1i64..1_000_000),
            ending in prop_oneof![Just(PriceEnding::Exact), Just(PriceEnding::Whole), Just(PriceEnding::Cents95), Just(PriceEnding::Cents99)],
        ) {
            let max = if has_max { min.map(|m| m + span) } else { None };
            let l = Limits { min_minor: min, max_minor: max, min_margin_bps: margin, max_step_bps: step_bps,
                max_step_minor: step_minor, max_daily_bps: daily_bps, cooldown_minutes: 0, ending };
            let c = Context { price_24h_ago: day_ago, ..ctx(current, cost) };
            let v = check(proposed, &l, &c);
            if let Some(p) = v.price_minor {
                let (min, max) = (min.expect("min set"), max.expect("max set"));
                let floor = min.max(match (cost, margin) { (Some(c), Some(m)) => cost_floor(c, m), (Some(c), None) => c, _ => 0 });
                prop_assert!(p >= floor && p <= max, "{p} outside [{floor}, {max}]");
                let step = bps_of(current, i64::from(step_bps)).min(step_minor.unwrap_or(i64::MAX));
                prop_assert!((p - current).abs() <= step, "step {} > {step}", (p - current).abs());
                let reference = day_ago.unwrap_or(current);
                prop_assert!((p - reference).abs() <= bps_of(reference, i64::from(daily_bps)));
                prop_assert!(p != current);
                prop_assert!(v.hits.iter().all(|h| !h.blocks()));
            } else {
                prop_assert!(!v.hits.is_empty(), "a no-op always says why");
            }
            if min.is_none() || max.is_none() {
                prop_assert_eq!(v.price_minor, None);
            }
        }
    }
}
