//! The decision lifecycle, in one place: its states and the moves between them.
//!
//! ```text
//! proposed ──approve──▶ approved ──▶ applying ──▶ applied ──▶ rolled_back
//!    │ reject / expire      │ expire / fail  │ fail
//!    ▼                      ▼                ▼
//! rejected, expired      expired, failed   failed
//! ```
//!
//! An approved decision can also become `applied` directly when the new price is found at Salla
//! already (another seat wrote it and stopped before recording it). Every move is conditional on
//! the state it leaves; the store refuses a move this table does not allow.

use serde::{Deserialize, Serialize};

use super::strategy::StrategyKind;
use crate::text_enum::text_enum;

/// Where a decision is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Waiting for a person (or the automation mode) to approve it.
    Proposed,
    /// Approved: the executor writes it.
    Approved,
    /// Turned down by a person.
    Rejected,
    /// Waited too long, or the product changed since: never written.
    Expired,
    /// The write is in flight (its intent id is committed before Salla is called).
    Applying,
    /// At Salla, read back.
    Applied,
    /// Not written (refused by Salla, the floor, or the read-back).
    Failed,
    /// Undone by a later rollback decision.
    RolledBack,
}

impl DecisionStatus {
    /// Every state, in lifecycle order.
    pub const ALL: [DecisionStatus; 8] = [
        DecisionStatus::Proposed,
        DecisionStatus::Approved,
        DecisionStatus::Rejected,
        DecisionStatus::Expired,
        DecisionStatus::Applying,
        DecisionStatus::Applied,
        DecisionStatus::Failed,
        DecisionStatus::RolledBack,
    ];

    /// Persisted spelling (the SQLite `CHECK` constraint and the IPC contract use the same).
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Proposed => "proposed",
            DecisionStatus::Approved => "approved",
            DecisionStatus::Rejected => "rejected",
            DecisionStatus::Expired => "expired",
            DecisionStatus::Applying => "applying",
            DecisionStatus::Applied => "applied",
            DecisionStatus::Failed => "failed",
            DecisionStatus::RolledBack => "rolled_back",
        }
    }

    /// The state spelled `text`.
    pub fn parse(text: &str) -> Option<DecisionStatus> {
        DecisionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a decision may move from `self` to `to`.
    pub fn can_move_to(self, to: DecisionStatus) -> bool {
        use DecisionStatus::*;
        matches!(
            (self, to),
            (Proposed, Approved | Rejected | Expired)
                | (Approved, Applying | Applied | Expired | Failed)
                | (Applying, Applied | Failed)
                | (Applied, RolledBack)
        )
    }

    /// Waiting for someone or something to act (what expiry and the approval queue look at).
    pub fn is_waiting(self) -> bool {
        matches!(self, DecisionStatus::Proposed | DecisionStatus::Approved)
    }

    /// Moved by a person's choice (the move records who decided and when).
    pub fn is_a_decision(self) -> bool {
        matches!(self, DecisionStatus::Approved | DecisionStatus::Rejected)
    }

    /// Nothing more happens to it (rolled back is final too; `applied` can still be rolled back).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DecisionStatus::Rejected | DecisionStatus::Expired | DecisionStatus::Failed | DecisionStatus::RolledBack
        )
    }
}

impl std::fmt::Display for DecisionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DecisionStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DecisionStatus::parse(s).ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

impl TryFrom<String> for DecisionStatus {
    type Error = UnknownStatus;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// A state name this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown decision status {0:?}")]
pub struct UnknownStatus(pub String);

text_enum! {
    /// What proposed a decision: a rule's strategy, or a rollback of an earlier decision.
    pub enum DecisionStrategy ("decision strategy") {
        /// [`StrategyKind::MatchLowest`].
        MatchLowest = "match_lowest",
        /// [`StrategyKind::BeatLowest`].
        BeatLowest = "beat_lowest",
        /// [`StrategyKind::Position`].
        Position = "position",
        /// [`StrategyKind::PremiumOverAverage`].
        PremiumOverAverage = "premium_over_average",
        /// [`StrategyKind::TargetMargin`].
        TargetMargin = "target_margin",
        /// [`StrategyKind::Hold`].
        Hold = "hold",
        /// [`StrategyKind::MaximizeProfit`].
        MaximizeProfit = "maximize_profit",
        /// Puts back the price an applied decision replaced.
        Rollback = "rollback",
    }
}

impl From<StrategyKind> for DecisionStrategy {
    fn from(k: StrategyKind) -> Self {
        match k {
            StrategyKind::MatchLowest => DecisionStrategy::MatchLowest,
            StrategyKind::BeatLowest => DecisionStrategy::BeatLowest,
            StrategyKind::Position => DecisionStrategy::Position,
            StrategyKind::PremiumOverAverage => DecisionStrategy::PremiumOverAverage,
            StrategyKind::TargetMargin => DecisionStrategy::TargetMargin,
            StrategyKind::Hold => DecisionStrategy::Hold,
            StrategyKind::MaximizeProfit => DecisionStrategy::MaximizeProfit,
        }
    }
}

/// Who moved a decision: a person at this seat, or one of the agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The merchant, at this seat.
    User,
    /// The strategist (proposals).
    Strategist,
    /// The risk reviewer (automatic approval, loop freezes).
    RiskReviewer,
    /// The executor (apply, expiry).
    Executor,
}

impl Actor {
    /// As the audit log records it.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::User => "user:local",
            Actor::Strategist => "agent:strategist",
            Actor::RiskReviewer => "agent:risk_reviewer",
            Actor::Executor => "agent:executor",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DecisionStatus::{self, *};

    #[test]
    fn spellings_round_trip_and_match_serde() {
        for s in DecisionStatus::ALL {
            assert_eq!(DecisionStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).expect("json"), serde_json::json!(s.as_str()));
        }
        assert_eq!(DecisionStatus::parse("done"), None);
        assert!("rolled_back".parse::<DecisionStatus>().is_ok());
    }

    #[test]
    fn only_the_lifecycle_moves_are_legal() {
        let legal = [
            (Proposed, Approved),
            (Proposed, Rejected),
            (Proposed, Expired),
            (Approved, Applying),
            (Approved, Applied),
            (Approved, Expired),
            (Approved, Failed),
            (Applying, Applied),
            (Applying, Failed),
            (Applied, RolledBack),
        ];
        for from in DecisionStatus::ALL {
            for to in DecisionStatus::ALL {
                assert_eq!(from.can_move_to(to), legal.contains(&(from, to)), "{from} → {to}");
            }
        }
        // A final state never moves again.
        for s in DecisionStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(DecisionStatus::ALL.iter().all(|t| !s.can_move_to(*t)), "{s}");
        }
    }
}
