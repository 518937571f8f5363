//! Pricing rules, runs, decisions and the approval queue.

use serde::{Deserialize, Serialize};

/// A pricing strategy as the UI and CLI choose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StrategySpec {
    /// The lowest competitor price.
    MatchLowest,
    /// Below the lowest competitor by a share (basis points, 100 = 1 %).
    BeatLowestBps {
        /// Basis points.
        bps: u32,
    },
    /// Below the lowest competitor by an amount (minor units).
    BeatLowestAmount {
        /// Minor units.
        minor: i64,
    },
    /// The n-th cheapest offer.
    Position {
        /// 1-based rank.
        rank: u32,
    },
    /// Over (or under, negative) the competitors' average, basis points.
    PremiumOverAverage {
        /// Basis points.
        bps: i32,
    },
    /// Margin on the selling price over cost, basis points.
    TargetMargin {
        /// Basis points.
        bps: u32,
    },
    /// Keep the price.
    Hold,
    /// Profit-maximizing from the store's demand; falls back to matching the lowest price while
    /// the estimate is not trustworthy.
    MaximizeProfit,
}

/// How prices end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceEndingSpec {
    /// Any halala.
    #[default]
    Exact,
    /// x.00
    Whole,
    /// x.95
    Cents95,
    /// x.99
    Cents99,
}

/// Sets the pricing rule of the store, a category or a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleRequest {
    /// The store.
    pub store_id: String,
    /// For one product (local id or SKU).
    #[serde(default)]
    pub product: Option<String>,
    /// For one category (its name).
    #[serde(default)]
    pub category: Option<String>,
    /// Strategy.
    pub strategy: StrategySpec,
    /// Lowest price (decimal text, before VAT). Required for automation.
    #[serde(default)]
    pub min_price: Option<String>,
    /// Highest price (decimal text, before VAT). Required for automation.
    #[serde(default)]
    pub max_price: Option<String>,
    /// Margin over cost the floor keeps, basis points.
    #[serde(default)]
    pub min_margin_bps: Option<u32>,
    /// Step limit, basis points (default 10 %).
    #[serde(default)]
    pub max_step_bps: Option<u32>,
    /// Daily limit, basis points (default 20 %).
    #[serde(default)]
    pub max_daily_bps: Option<u32>,
    /// Cool-down in minutes (default 6 hours).
    #[serde(default)]
    pub cooldown_minutes: Option<u32>,
    /// Price ending.
    #[serde(default)]
    pub ending: PriceEndingSpec,
    /// Leave dry run: decisions may apply automatically (per the store's automation mode).
    #[serde(default)]
    pub live: bool,
}

/// What a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleScope {
    /// Every product of the store.
    Store,
    /// The products of a category.
    Category,
    /// One product.
    Product,
}

/// What proposed a decision: a rule's strategy, or a rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStrategy {
    /// The lowest competitor price.
    MatchLowest,
    /// Below the lowest competitor.
    BeatLowest,
    /// The n-th cheapest offer.
    Position,
    /// Over (or under) the competitors' average.
    PremiumOverAverage,
    /// Margin over cost.
    TargetMargin,
    /// Keep the price.
    Hold,
    /// The profit-maximizing price from the store's own demand.
    MaximizeProfit,
    /// Puts back the price an applied decision replaced.
    Rollback,
}

/// What started an optimization run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// The daily schedule.
    Scheduled,
    /// A person.
    #[default]
    Manual,
    /// An event.
    Triggered,
}

/// Where an optimization run is, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still going.
    Running,
    /// Done.
    #[default]
    Succeeded,
    /// Stopped by an error.
    Failed,
    /// Stopped on request.
    Cancelled,
    /// The circuit breaker tripped: everything waits for a person.
    AwaitingApproval,
}

impl RunStatus {
    /// The spelling on the wire (also the `data-status` of the Runs screen's rows).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::AwaitingApproval => "awaiting_approval",
        }
    }
}

/// A stored pricing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Local id.
    pub id: String,
    /// What it covers.
    pub scope: RuleScope,
    /// Category (local id).
    pub category_id: Option<String>,
    /// Product (local id).
    pub product_id: Option<String>,
    /// Strategy.
    pub strategy: StrategySpec,
    /// Lowest price, minor units.
    pub min_minor: Option<i64>,
    /// Highest price, minor units.
    pub max_minor: Option<i64>,
    /// Margin over cost, basis points.
    pub min_margin_bps: Option<u32>,
    /// Step limit, basis points.
    pub max_step_bps: u32,
    /// Daily limit, basis points.
    pub max_daily_bps: u32,
    /// Cool-down, minutes.
    pub cooldown_minutes: u32,
    /// Ending.
    pub ending: PriceEndingSpec,
    /// Dry run: decisions always wait for approval.
    pub dry_run: bool,
    /// Version (bumped on every change).
    pub version: i64,
}

/// A store's automation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AutomationMode {
    /// Every change waits for approval.
    #[default]
    Manual,
    /// Low-risk changes apply; the rest wait.
    SemiAutomatic,
    /// Everything inside the guardrails applies.
    Automatic,
}

/// A price decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Local id.
    pub id: String,
    /// The run that proposed it.
    pub run_id: Option<String>,
    /// Product (local id).
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Product SKU.
    pub product_sku: Option<String>,
    /// Currency.
    pub currency: String,
    /// Price before (before VAT), minor units.
    pub old_price_minor: i64,
    /// Price proposed (before VAT), minor units.
    pub new_price_minor: i64,
    /// Which price it writes: the regular price, or the sale price while a sale runs.
    #[serde(default)]
    pub price_field: PriceFieldKind,
    /// The sale's last day (`YYYY-MM-DD`) when it writes the sale price.
    #[serde(default)]
    pub sale_end: Option<String>,
    /// What proposed it.
    pub strategy: DecisionStrategy,
    /// The risk reviewer's grade.
    pub risk: RiskLevel,
    /// Where the decision is in its life.
    pub status: DecisionStatus,
    /// Why, in English.
    pub rationale_en: String,
    /// Why, in Arabic.
    pub rationale_ar: String,
    /// Inputs (JSON text).
    pub inputs: String,
    /// Guardrails passed and hit (JSON text).
    pub guardrails: String,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// When it was applied.
    pub applied_at: Option<String>,
    /// What Salla answered.
    pub salla_response: Option<String>,
    /// The decision this one rolls back.
    pub rollback_of: Option<String>,
    /// When proposed.
    pub created_at: String,
}

/// Where a decision is in its life (spelled as stored: `proposed`, `approved`, `rejected`,
/// `expired`, `applying`, `applied`, `failed`, `rolled_back`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Waiting for approval.
    #[default]
    Proposed,
    /// Approved, waiting to be written.
    Approved,
    /// Turned down.
    Rejected,
    /// Waited too long or the product changed: never written.
    Expired,
    /// Being written now.
    Applying,
    /// At Salla.
    Applied,
    /// Not written.
    Failed,
    /// Undone by a rollback.
    RolledBack,
}

impl DecisionStatus {
    /// Every state.
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

    /// The stored spelling.
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

    /// The state spelled `text` (`None` for an unknown one).
    pub fn parse(text: &str) -> Option<DecisionStatus> {
        DecisionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A decision's risk grade (`low`, `medium`, `high`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Small change, healthy margin, good data.
    #[default]
    Low,
    /// Worth a look.
    Medium,
    /// Always worth a look.
    High,
}

impl RiskLevel {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }
}

/// Which of a product's prices a decision writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceFieldKind {
    /// The regular price.
    #[default]
    Price,
    /// The sale price of a running sale.
    SalePrice,
}

/// How many products a reason left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonCount {
    /// Reason (`no_rule`, `missing_min_max`, `no_competitors`, `unchanged`, `cool_down`…).
    pub reason: String,
    /// Products.
    pub count: u32,
}

/// The outcome of an optimization run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// The stored run (none for a dry run).
    pub run_id: Option<String>,
    /// Nothing was stored or applied.
    pub dry_run: bool,
    /// How it ended.
    pub status: RunStatus,
    /// Live products looked at.
    pub products_seen: u32,
    /// Decisions proposed.
    pub proposed: u32,
    /// Of them, approved by the automation mode.
    pub auto_approved: u32,
    /// Applied to Salla in this run.
    pub applied: u32,
    /// Failed to apply.
    pub failed: u32,
    /// Frozen by the feedback-loop detector in this run.
    pub frozen: u32,
    /// The circuit breaker tripped (why), and nothing applied.
    pub breaker: Option<String>,
    /// Why products were left unchanged.
    pub unchanged: Vec<ReasonCount>,
    /// Products with a trusted demand estimate of their own (0 when no rule maximizes profit).
    pub demand_estimated: u32,
    /// Decisions priced from the demand model (the rest from rules).
    pub priced_from_demand: u32,
    /// Each agent's output (market analyst, demand analyst, strategist, risk reviewer) as JSON.
    pub steps: String,
    /// The first 200 decisions (the queue has them all).
    pub decisions: Vec<Decision>,
    /// Wall time.
    pub elapsed_ms: u64,
    /// Where the time went: read, plan, words, record, apply (microseconds each).
    #[serde(default)]
    pub phases: Vec<PhaseTime>,
}

/// One phase of a run and its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PhaseTime {
    /// `read`, `plan`, `words`, `record`, `apply_and_report`.
    pub name: String,
    /// Microseconds.
    pub micros: u64,
}

/// A recorded optimization run (the Runs screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Local id.
    pub id: String,
    /// What started it.
    pub kind: RunKind,
    /// Where it is, or how it ended.
    pub status: RunStatus,
    /// Start (RFC 3339, UTC).
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// Products looked at.
    pub products_seen: u32,
    /// Decisions proposed.
    pub proposed: u32,
    /// Its decisions applied (then or later).
    pub applied: u32,
    /// Of them, still in place (what a rollback of the run would undo).
    pub still_applied: u32,
    /// Failures.
    pub errors: u32,
    /// Each agent's output as JSON (market analyst, demand analyst, strategist, risk reviewer).
    pub steps: String,
    /// What failed.
    pub error: Option<String>,
}

/// The outcome of applying approved decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// Applied and confirmed by reading back.
    pub applied: u32,
    /// Failed (with reasons in `errors`).
    pub failed: u32,
    /// Expired: the price changed at Salla since the decision.
    pub expired: u32,
    /// Interrupted applies found and settled by reading the product back.
    pub reconciled: u32,
    /// What went wrong, per decision.
    pub errors: Vec<String>,
}
