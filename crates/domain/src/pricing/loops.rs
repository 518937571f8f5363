//! Feedback-loop and runaway detection (R20): two repricers chasing each other (Eisen 2011: one
//! at 0.9983× the other, the other at 1.270589×) move a price the same way cycle after cycle, or
//! flip it many times a day. Either freezes the product until a person looks.

use serde::{Deserialize, Serialize};

/// When a product is frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoopLimits {
    /// Most changes within 24 hours (including the proposed one).
    pub max_changes_24h: u32,
    /// Consecutive moves in one direction that count as a trend…
    pub runaway_moves: u32,
    /// …when together they move the price more than this, in basis points.
    pub runaway_bps: u32,
}

impl Default for LoopLimits {
    fn default() -> Self {
        Self { max_changes_24h: 4, runaway_moves: 3, runaway_bps: 2_500 }
    }
}

/// Why a product is frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "loop")]
pub enum LoopKind {
    /// Too many changes in a day.
    TooManyChanges {
        /// Changes within 24 hours.
        count: u32,
    },
    /// A monotonic trend beyond the bound.
    Runaway {
        /// Moves in one direction.
        moves: u32,
        /// Their total, basis points.
        change_bps: i64,
    },
}

/// Looks at our price changes (`(unix seconds, new price)`, oldest first, with the proposed change
/// last) and the price before the first of them.
pub fn detect(start_minor: i64, changes: &[(i64, i64)], now: i64, limits: &LoopLimits) -> Option<LoopKind> {
    let recent = changes.iter().filter(|(at, _)| now - at < 24 * 3600).count();
    let count = u32::try_from(recent).unwrap_or(u32::MAX);
    if count > limits.max_changes_24h {
        return Some(LoopKind::TooManyChanges { count });
    }
    let mut prices = vec![start_minor];
    prices.extend(changes.iter().map(|(_, p)| *p));
    // The latest run of moves in one direction.
    let mut moves = 0u32;
    let mut direction = 0i64;
    let mut run_start = *prices.last()?;
    for w in prices.windows(2).rev() {
        let d = (w[1] - w[0]).signum();
        if d == 0 || (direction != 0 && d != direction) {
            break;
        }
        direction = d;
        moves += 1;
        run_start = w[0];
    }
    let last = *prices.last()?;
    let change_bps = super::change_bps(run_start, last);
    (moves >= limits.runaway_moves && change_bps.abs() > i64::from(limits.runaway_bps))
        .then_some(LoopKind::Runaway { moves, change_bps })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::guardrails::{check, Context, Limits};
    use crate::pricing::strategy::{target, Beat, Market, Strategy};

    #[test]
    fn runs_and_flips() {
        let l = LoopLimits::default();
        assert_eq!(detect(100, &[], 0, &l), None);
        let up = [(0, 110), (50_000, 121), (100_000, 134)];
        assert_eq!(detect(100, &up, 100_000, &l), Some(LoopKind::Runaway { moves: 3, change_bps: 3_400 }));
        assert_eq!(detect(100, &up[..2], 50_000, &l), None, "two moves are not a trend yet");
        let flips: Vec<(i64, i64)> = (0..5).map(|i| (i * 3_600, if i % 2 == 0 { 95 } else { 100 })).collect();
        assert_eq!(detect(100, &flips, 5 * 3_600, &l), Some(LoopKind::TooManyChanges { count: 5 }));
    }

    /// R20: our bot undercuts by 0.17 % (0.9983×), theirs prices at 1.270589× ours. Through the
    /// guardrails the price climbs in bounded steps, the detector freezes it within a few cycles,
    /// and it never exceeds the maximum.
    #[test]
    fn two_bots_chasing_each_other_are_frozen() {
        let limits =
            Limits { min_minor: Some(5_000), max_minor: Some(40_000), cooldown_minutes: 360, ..Limits::default() };
        let mut ours = 10_000i64;
        let mut changes: Vec<(i64, i64)> = Vec::new();
        let mut frozen_at = None;
        for cycle in 0..30i64 {
            let now = cycle * 8 * 3600;
            let theirs = ours * 1_270_589 / 1_000_000;
            let t = target(
                Strategy::BeatLowest { by: Beat::Bps(17) },
                Strategy::Hold,
                None,
                &Market { prices: vec![theirs] },
            )
            .expect("target");
            let day_ago = changes.iter().rev().find(|(at, _)| now - at >= 24 * 3600).map(|c| c.1);
            let ctx = Context {
                current_minor: ours,
                cost_minor: None,
                now,
                last_change: changes.last().map(|c| c.0),
                price_24h_ago: day_ago.or(Some(ours)),
                frozen: frozen_at.is_some(),
                kill_switch: false,
            };
            let v = check(t.price_minor, &limits, &ctx);
            let Some(p) = v.price_minor else { continue };
            let mut proposed = changes.clone();
            proposed.push((now, p));
            if detect(10_000, &proposed, now, &LoopLimits::default()).is_some() {
                frozen_at.get_or_insert(cycle);
                continue;
            }
            assert!(p <= 40_000, "never above the maximum");
            ours = p;
            changes = proposed;
        }
        let frozen_at = frozen_at.expect("frozen");
        assert!(frozen_at <= 4, "frozen at cycle {frozen_at}");
        assert!(ours < 14_000, "stopped early, far below the maximum: {ours}");
    }
}
