//! The run-level circuit breaker (R19): a run that would move too much of the catalogue, or move
//! prices too far in the middle of the distribution, applies nothing and waits for approval.

use serde::{Deserialize, Serialize};

/// When the breaker trips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerLimits {
    /// Share of the catalogue that may change in one run, in basis points (1000 = 10 %).
    pub max_share_bps: u32,
    /// A run may always change at least this many products (small catalogues).
    pub min_products: u32,
    /// Largest median absolute change, in basis points.
    pub max_median_change_bps: u32,
}

impl Default for BreakerLimits {
    fn default() -> Self {
        Self { max_share_bps: 1_000, min_products: 5, max_median_change_bps: 1_500 }
    }
}

/// Why the breaker tripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "trip")]
pub enum Trip {
    /// More products would change than allowed.
    TooManyChanges {
        /// Changes proposed.
        changes: u32,
        /// Most allowed: max(share × catalogue, minimum count).
        allowed: u32,
    },
    /// The median change is too large.
    MedianChange {
        /// Median absolute change, basis points.
        median_bps: i64,
        /// Limit.
        limit_bps: u32,
    },
}

/// Checks a run's changes (each in basis points of the old price) against a catalogue of
/// `catalogue` products.
pub fn check(changes_bps: &[i64], catalogue: u32, limits: &BreakerLimits) -> Option<Trip> {
    let changes = u32::try_from(changes_bps.len()).unwrap_or(u32::MAX);
    let share = (u64::from(catalogue) * u64::from(limits.max_share_bps)).div_ceil(10_000);
    let allowed = u32::try_from(share).unwrap_or(u32::MAX).max(limits.min_products);
    if changes > allowed {
        return Some(Trip::TooManyChanges { changes, allowed });
    }
    let mut abs: Vec<i64> = changes_bps.iter().map(|c| c.saturating_abs()).collect();
    abs.sort_unstable();
    let median = *abs.get(abs.len().checked_sub(1)? / 2)?;
    (median > i64::from(limits.max_median_change_bps))
        .then_some(Trip::MedianChange { median_bps: median, limit_bps: limits.max_median_change_bps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_count_and_median() {
        let l = BreakerLimits::default();
        assert_eq!(check(&[], 1_000, &l), None);
        assert_eq!(check(&[-500; 100], 1_000, &l), None, "10 % of 1 000");
        assert_eq!(check(&[-500; 101], 1_000, &l), Some(Trip::TooManyChanges { changes: 101, allowed: 100 }));
        assert_eq!(check(&[-500; 5], 8, &l), None, "small catalogues may move five");
        assert_eq!(check(&[-500; 6], 8, &l), Some(Trip::TooManyChanges { changes: 6, allowed: 5 }));
        assert_eq!(
            check(&[-2_000, 100, -1_600], 100, &l),
            Some(Trip::MedianChange { median_bps: 1_600, limit_bps: 1_500 })
        );
    }
}
