//! The risk reviewer's grade of a change: from the size of the change, the margin left after it
//! and the quality of the data behind it.

use serde::{Deserialize, Serialize};

/// Risk of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Small change, healthy margin, good data: semi-automatic mode applies it.
    Low,
    /// Waits for approval in semi-automatic mode.
    Medium,
    /// Always worth a look.
    High,
}

impl Risk {
    /// Persisted spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

impl TryFrom<String> for Risk {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        [Risk::Low, Risk::Medium, Risk::High]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown risk {s:?}"))
    }
}

/// What the grade is based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskInputs {
    /// Change in basis points of the current price.
    pub change_bps: i64,
    /// Margin on the new price in basis points (`None`: cost unknown).
    pub margin_after_bps: Option<i64>,
    /// Usable competitor prices behind the decision.
    pub competitors: u32,
    /// The strategy depends on the market.
    pub market_based: bool,
}

/// The grade: high for changes over 10 %, a margin under 5 %, or a market strategy with no
/// competitor; medium for changes over 3 %, a margin under 15 % or unknown, or a single competitor;
/// low otherwise.
pub fn assess(i: &RiskInputs) -> Risk {
    let change = i.change_bps.saturating_abs();
    let margin = i.margin_after_bps;
    if change > 1_000 || margin.is_some_and(|m| m < 500) || (i.market_based && i.competitors == 0) {
        Risk::High
    } else if change > 300 || margin.is_none_or(|m| m < 1_500) || (i.market_based && i.competitors < 2) {
        Risk::Medium
    } else {
        Risk::Low
    }
}

/// Margin on a price in basis points of the price.
pub fn margin_bps(price_minor: i64, cost_minor: Option<i64>) -> Option<i64> {
    let cost = cost_minor?;
    (price_minor > 0).then(|| {
        i64::try_from((i128::from(price_minor) - i128::from(cost)) * 10_000 / i128::from(price_minor)).unwrap_or(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades() {
        let base = RiskInputs { change_bps: -200, margin_after_bps: Some(3_000), competitors: 3, market_based: true };
        assert_eq!(assess(&base), Risk::Low);
        assert_eq!(assess(&RiskInputs { change_bps: 400, ..base }), Risk::Medium);
        assert_eq!(assess(&RiskInputs { margin_after_bps: None, ..base }), Risk::Medium);
        assert_eq!(assess(&RiskInputs { competitors: 1, ..base }), Risk::Medium);
        assert_eq!(assess(&RiskInputs { change_bps: -1_001, ..base }), Risk::High);
        assert_eq!(assess(&RiskInputs { margin_after_bps: Some(499), ..base }), Risk::High);
        assert_eq!(margin_bps(10_000, Some(7_000)), Some(3_000));
        assert_eq!(margin_bps(0, Some(1)), None);
    }
}
