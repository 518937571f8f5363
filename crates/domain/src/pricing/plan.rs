//! One pricing run as a pure function: [`plan`] takes the catalogue, the market, the rules and the
//! demand model in memory and returns what should change and why. The four agents are functions
//! here: [`market_analyst`], the demand analyst ([`DemandBook`]), [`strategist`] and
//! [`risk_reviewer`]; the run-level breaker closes the run.
//!
//! No text is built here: a change carries typed facts, and the words (English and Arabic) are
//! written only for the changes a screen shows or a run stores.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::breaker::{self, BreakerLimits, Trip};
use super::decision::DecisionStatus;
use super::demand::{self, Elasticity, Untrusted};
use super::guardrails::{self, Context, Hit, Limits, Verdict};
use super::loops::{self, LoopKind, LoopLimits};
use super::risk::{self, Risk, RiskInputs};
use super::shelf::{PriceField, Shelf};
use super::strategy::{self, Market, MarketStats, NoTarget, Position, Strategy, Target};
use crate::ids::{CategoryId, ProductId, RuleId};
use crate::text_enum::text_enum;

/// The rule a profit-maximizing strategy follows while the demand data is not trustworthy.
pub const PROFIT_FALLBACK: Strategy = Strategy::MatchLowest;

/// One of our applied price changes (the guardrails' and loop detector's history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastChange {
    /// When it was applied (Unix seconds).
    pub at: i64,
    /// Price before.
    pub old_minor: i64,
    /// Price after.
    pub new_minor: i64,
}

/// A product as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Local id.
    pub id: ProductId,
    /// Its category.
    pub category: Option<CategoryId>,
    /// Its prices now.
    pub shelf: Shelf,
    /// Cost, when known.
    pub cost_minor: Option<i64>,
    /// Frozen by the loop detector until a person looks.
    pub frozen: bool,
    /// Usable competitor prices, before VAT and in the product's currency (sorted: no copy is
    /// made to read them).
    pub market: Market,
    /// Our changes applied in the last 7 days, oldest first.
    pub history: Vec<PastChange>,
}

/// A pricing rule, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its id.
    pub id: RuleId,
    /// Bumped on every change.
    pub version: i64,
    /// The strategy (`None`: the stored one could not be read; its products are left alone).
    pub strategy: Option<Strategy>,
    /// Its guardrails.
    pub limits: Limits,
    /// New rules start in dry run: their decisions always wait for approval.
    pub dry_run: bool,
}

/// What a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every product of the store.
    Store,
    /// The products of a category.
    Category(CategoryId),
    /// One product.
    Product(ProductId),
}

text_enum! {
    /// What a rule covers, without the target (the stored `scope` column).
    pub enum ScopeKind ("rule scope") {
        /// Every product of the store.
        Store = "store",
        /// The products of a category.
        Category = "category",
        /// One product.
        Product = "product",
    }
}

impl Scope {
    /// What it covers.
    pub fn kind(&self) -> ScopeKind {
        match self {
            Scope::Store => ScopeKind::Store,
            Scope::Category(_) => ScopeKind::Category,
            Scope::Product(_) => ScopeKind::Product,
        }
    }
}

/// Which rule applies to a product: its own, else its category's, else the store's.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<Rule>,
    product: HashMap<ProductId, usize>,
    category: HashMap<CategoryId, usize>,
    store: Option<usize>,
}

impl Rules {
    /// The store's live rules with their scopes.
    pub fn new(rules: impl IntoIterator<Item = (Scope, Rule)>) -> Self {
        let mut out = Rules::default();
        for (scope, rule) in rules {
            let i = out.rules.len();
            out.rules.push(rule);
            match scope {
                Scope::Product(p) => {
                    out.product.insert(p, i);
                }
                Scope::Category(c) => {
                    out.category.insert(c, i);
                }
                Scope::Store => out.store = Some(i),
            }
        }
        out
    }

    /// The rule for a product, with its index ([`Rules::get`]).
    pub fn for_product(&self, id: &ProductId, category: Option<&CategoryId>) -> Option<(usize, &Rule)> {
        let own = if self.product.is_empty() { None } else { self.product.get(id) };
        let group = || if self.category.is_empty() { None } else { category.and_then(|c| self.category.get(c)) };
        own.or_else(group).or(self.store.as_ref()).map(|i| (*i, &self.rules[*i]))
    }

    /// The rule at `index`.
    pub fn get(&self, index: usize) -> Option<&Rule> {
        self.rules.get(index)
    }

    /// Whether any rule maximizes profit (only then is the demand model needed).
    pub fn any_maximizes_profit(&self) -> bool {
        self.rules.iter().any(|r| r.strategy == Some(Strategy::MaximizeProfit))
    }
}

/// The demand analyst's book: each product's own estimate, shrunk toward its category's pooled
/// estimate (else the store's). Indexed like the planner's products.
#[derive(Debug, Clone, Default)]
pub struct DemandBook {
    own: Vec<Option<Result<Elasticity, Untrusted>>>,
    category: HashMap<CategoryId, Elasticity>,
    store: Option<Elasticity>,
    /// Products with a trusted estimate of their own.
    pub estimated: u32,
}

impl DemandBook {
    /// Pools the stored estimates (by product index in `products`) into category and store priors.
    pub fn new(
        products: &[Product],
        estimates: impl IntoIterator<Item = (usize, Result<Elasticity, Untrusted>)>,
    ) -> Self {
        let mut own = vec![None; products.len()];
        let mut groups: HashMap<&CategoryId, Vec<Elasticity>> = HashMap::new();
        let mut all = Vec::new();
        for (i, est) in estimates {
            let Some(slot) = own.get_mut(i) else { continue };
            if let Ok(e) = est {
                all.push(e);
                if let Some(c) = products[i].category.as_ref() {
                    groups.entry(c).or_default().push(e);
                }
            }
            *slot = Some(est);
        }
        let estimated = u32::try_from(all.len()).unwrap_or(u32::MAX);
        let category = groups.into_iter().filter_map(|(c, es)| Some((c.clone(), demand::pool(&es)?))).collect();
        DemandBook { own, category, store: demand::pool(&all), estimated }
    }

    /// What the model says for product `i` of the planner's input, or why it says nothing.
    pub fn for_product(&self, i: usize, p: &Product) -> Result<Elasticity, Untrusted> {
        let own = self.own.get(i).copied().flatten().unwrap_or(Err(Untrusted::TooFewSales));
        let prior = p.category.as_ref().and_then(|c| self.category.get(c)).copied().or(self.store);
        demand::resolve(own, prior)
    }
}

/// How much the store lets the agents do on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutomationMode {
    /// Every decision waits for a person.
    #[default]
    Manual,
    /// Low-risk decisions are applied; the rest wait.
    SemiAutomatic,
    /// Every decision is applied (within the guardrails and the breaker).
    Automatic,
}

impl AutomationMode {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AutomationMode::Manual => "manual",
            AutomationMode::SemiAutomatic => "semi_automatic",
            AutomationMode::Automatic => "automatic",
        }
    }

    /// The mode spelled `text`; manual for anything else.
    pub fn parse(text: &str) -> AutomationMode {
        match text {
            "semi_automatic" => AutomationMode::SemiAutomatic,
            "automatic" => AutomationMode::Automatic,
            _ => AutomationMode::Manual,
        }
    }
}

/// The run's circumstances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Now (Unix seconds, from the app's clock).
    pub now: i64,
    /// The store's day (`YYYY-MM-DD`): whether a sale runs.
    pub today: String,
    /// The automation mode.
    pub mode: AutomationMode,
    /// The kill switch is on: nothing changes.
    pub kill_switch: bool,
}

/// Why a product is left as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unchanged {
    /// No rule covers it.
    NoRule,
    /// Its rule's strategy could not be read.
    UnreadableRule,
    /// No usable competitor price.
    NoCompetitors,
    /// Fewer competitors than the position asks for.
    NotEnoughCompetitors,
    /// No cost price (margin strategies).
    NoCost,
    /// The strategy holds.
    Hold,
    /// The margin asked for is impossible.
    ImpossibleMargin,
    /// The kill switch is on.
    KillSwitch,
    /// The rule has no minimum or maximum.
    MissingMinMax,
    /// Frozen by the loop detector.
    Frozen,
    /// Changed too recently.
    CoolDown,
    /// The floor is above the ceiling.
    FloorAboveCeiling,
    /// No price within the guardrails.
    OutsideAllowedRange,
    /// The guardrails leave the price where it is.
    Unchanged,
    /// Limited by a guardrail (not used for a stop; kept for the report's vocabulary).
    Limited,
    /// A sale price would reach the regular price.
    SaleAtRegularPrice,
}

impl Unchanged {
    /// As run reports count it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unchanged::NoRule => "no_rule",
            Unchanged::UnreadableRule => "unreadable_rule",
            Unchanged::NoCompetitors => "no_competitors",
            Unchanged::NotEnoughCompetitors => "not_enough_competitors",
            Unchanged::NoCost => "no_cost",
            Unchanged::Hold => "hold",
            Unchanged::ImpossibleMargin => "impossible_margin",
            Unchanged::KillSwitch => "kill_switch",
            Unchanged::MissingMinMax => "missing_min_max",
            Unchanged::Frozen => "frozen",
            Unchanged::CoolDown => "cool_down",
            Unchanged::FloorAboveCeiling => "floor_above_ceiling",
            Unchanged::OutsideAllowedRange => "outside_allowed_range",
            Unchanged::Unchanged => "unchanged",
            Unchanged::Limited => "limited",
            Unchanged::SaleAtRegularPrice => "sale_at_regular_price",
        }
    }

    fn of_no_target(n: NoTarget) -> Self {
        match n {
            NoTarget::NoCompetitors => Unchanged::NoCompetitors,
            NoTarget::NotEnoughCompetitors => Unchanged::NotEnoughCompetitors,
            NoTarget::NoCost => Unchanged::NoCost,
            NoTarget::Hold => Unchanged::Hold,
            NoTarget::ImpossibleMargin => Unchanged::ImpossibleMargin,
        }
    }

    fn of_hit(h: &Hit) -> Self {
        match h {
            Hit::KillSwitch => Unchanged::KillSwitch,
            Hit::MissingMinMax => Unchanged::MissingMinMax,
            Hit::Frozen => Unchanged::Frozen,
            Hit::CoolDown { .. } => Unchanged::CoolDown,
            Hit::FloorAboveCeiling { .. } => Unchanged::FloorAboveCeiling,
            Hit::Unreachable => Unchanged::OutsideAllowedRange,
            Hit::Unchanged => Unchanged::Unchanged,
            Hit::Floor { .. } | Hit::Ceiling { .. } | Hit::Step { .. } | Hit::Daily { .. } => Unchanged::Limited,
        }
    }
}

/// The market analyst's summary of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MarketSummary {
    /// Products with at least one usable competitor price.
    pub products_with_competitors: u32,
    /// Where our prices stand.
    pub positions: BTreeMap<Position, u32>,
}

/// A price change the run proposes, with every fact behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Index of the product in the planner's input.
    pub product: usize,
    /// The rule that priced it ([`Rules::get`]).
    pub rule: usize,
    /// The strategy that priced it.
    pub strategy: Strategy,
    /// The field it writes (the sale price while a sale runs).
    pub field: PriceField,
    /// The price now.
    pub old_minor: i64,
    /// The price proposed (within the guardrails).
    pub new_minor: i64,
    /// The strategy's target and the market reference behind it.
    pub target: Target,
    /// For a profit-maximizing rule: the estimate and optimum used, or why it fell back.
    pub demand: Option<Result<(Elasticity, i64), Untrusted>>,
    /// The guardrails' verdict (floor, ceiling, what shaped the price).
    pub verdict: Verdict,
    /// The market the product was priced against.
    pub market: Option<MarketStats>,
    /// Where our current price stands.
    pub position: Option<Position>,
    /// The change in basis points of the old price.
    pub change_bps: i64,
    /// The risk reviewer's grade.
    pub risk: Risk,
    /// `Approved` when the automation mode applies it, else `Proposed`.
    pub status: DecisionStatus,
}

impl Change {
    /// Priced from the store's own demand (not the fallback rule).
    pub fn from_demand(&self) -> bool {
        matches!(self.demand, Some(Ok(_)))
    }
}

/// What a run decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Products looked at.
    pub products_seen: u32,
    /// The changes, in the catalogue's order.
    pub changes: Vec<Change>,
    /// Products left alone, by reason.
    pub unchanged: BTreeMap<Unchanged, u32>,
    /// Products the loop detector freezes now (index, why).
    pub frozen: Vec<(usize, LoopKind)>,
    /// The market analyst's summary.
    pub market: MarketSummary,
    /// Products with a trusted demand estimate of their own (when the model was used).
    pub demand_estimated: Option<u32>,
    /// The breaker's verdict: when it trips, every change waits for approval.
    pub breaker: Option<Trip>,
}

impl Plan {
    /// Changes the automation mode approved.
    pub fn auto_approved(&self) -> u32 {
        u32::try_from(self.changes.iter().filter(|c| c.status == DecisionStatus::Approved).count()).unwrap_or(0)
    }

    /// Changes priced from demand.
    pub fn priced_from_demand(&self) -> u32 {
        u32::try_from(self.changes.iter().filter(|c| c.from_demand()).count()).unwrap_or(0)
    }
}

/// The market analyst: the competitor statistics and our position for one product.
pub fn market_analyst(p: &Product, current_minor: i64) -> (Option<MarketStats>, Option<Position>) {
    let stats = p.market.stats();
    (stats, stats.map(|s| position(s, current_minor)))
}

fn position(s: MarketStats, our_price: i64) -> Position {
    if our_price <= s.min {
        Position::Leading
    } else if i128::from(our_price) * 10_000 <= i128::from(s.min) * 10_500 {
        Position::Competitive
    } else {
        Position::Following
    }
}

/// The strategist: the rule's target for one product, through every guardrail. `Err` says why the
/// product stays as it is.
pub fn strategist(
    p: &Product,
    rule: &Rule,
    demand: impl FnOnce() -> Result<Elasticity, Untrusted>,
    s: &Settings,
) -> Result<(Strategy, strategy::Proposal, Target, Verdict, PriceField, i64), Unchanged> {
    let strat = rule.strategy.ok_or(Unchanged::UnreadableRule)?;
    // While a sale runs the product is priced against its sale price and the decision writes the
    // sale price; the regular price is never changed as a side effect.
    let (field, current) = p.shelf.current(&s.today);
    let proposal = strategy::propose(strat, PROFIT_FALLBACK, p.cost_minor, &p.market, demand);
    let target = proposal.target.map_err(Unchanged::of_no_target)?;
    let day_ago = p.history.iter().find(|c| s.now - c.at < 86_400).map(|c| c.old_minor);
    let ctx = Context {
        current_minor: current,
        cost_minor: p.cost_minor,
        now: s.now,
        last_change: p.history.last().map(|c| c.at),
        price_24h_ago: day_ago.or(Some(current)),
        frozen: p.frozen,
        kill_switch: s.kill_switch,
    };
    let verdict = guardrails::check(target.price_minor, &rule.limits, &ctx);
    let Some(new_price) = verdict.price_minor else {
        return Err(verdict.hits.iter().find(|h| h.blocks()).map_or(Unchanged::Unchanged, Unchanged::of_hit));
    };
    // A sale price stays a sale: at or above the regular price it would stop being one.
    if field == PriceField::SalePrice && new_price >= p.shelf.regular_minor {
        return Err(Unchanged::SaleAtRegularPrice);
    }
    Ok((strat, proposal, target, verdict, field, new_price))
}

/// The risk reviewer for one change: the loop detector (our recent changes plus this one) and the
/// grade; `Err` freezes the product.
pub fn risk_reviewer(
    p: &Product,
    strat: Strategy,
    current: i64,
    new_price: i64,
    s: &Settings,
) -> Result<Risk, LoopKind> {
    // A first change in the window cannot be a loop; only a product with history is looked at.
    if !p.history.is_empty() {
        let mut seq: Vec<(i64, i64)> = p.history.iter().map(|c| (c.at, c.new_minor)).collect();
        seq.push((s.now, new_price));
        let start = p.history.first().map_or(current, |c| c.old_minor);
        if let Some(kind) = loops::detect(start, &seq, s.now, &LoopLimits::default()) {
            return Err(kind);
        }
    }
    Ok(risk::assess(&RiskInputs {
        change_bps: super::change_bps(current, new_price),
        margin_after_bps: risk::margin_bps(new_price, p.cost_minor),
        competitors: u32::try_from(p.market.prices.len()).unwrap_or(u32::MAX),
        market_based: !matches!(strat, Strategy::TargetMargin { .. }),
    }))
}

/// Whether the automation mode applies a change of this grade.
pub fn approves(mode: AutomationMode, rule_dry_run: bool, grade: Risk) -> bool {
    !rule_dry_run
        && match mode {
            AutomationMode::Manual => false,
            AutomationMode::SemiAutomatic => grade == Risk::Low,
            AutomationMode::Automatic => true,
        }
}

/// The whole run over `products`.
pub fn plan(products: &[Product], rules: &Rules, demand: Option<&DemandBook>, s: &Settings) -> Plan {
    let mut out = Plan {
        products_seen: u32::try_from(products.len()).unwrap_or(u32::MAX),
        demand_estimated: demand.map(|d| d.estimated),
        ..Plan::default()
    };
    for (i, p) in products.iter().enumerate() {
        let (_, current) = p.shelf.current(&s.today);
        let (stats, pos) = market_analyst(p, current);
        if let Some(pos) = pos {
            out.market.products_with_competitors += 1;
            *out.market.positions.entry(pos).or_default() += 1;
        }
        let Some((rule_index, rule)) = rules.for_product(&p.id, p.category.as_ref()) else {
            *out.unchanged.entry(Unchanged::NoRule).or_default() += 1;
            continue;
        };
        let estimate = || demand.map_or(Err(Untrusted::TooFewSales), |b| b.for_product(i, p));
        let (strat, proposal, target, verdict, field, new_price) = match strategist(p, rule, estimate, s) {
            Ok(t) => t,
            Err(why) => {
                *out.unchanged.entry(why).or_default() += 1;
                continue;
            }
        };
        let grade = match risk_reviewer(p, strat, current, new_price, s) {
            Ok(g) => g,
            Err(kind) => {
                out.frozen.push((i, kind));
                continue;
            }
        };
        let auto = approves(s.mode, rule.dry_run, grade);
        out.changes.push(Change {
            product: i,
            rule: rule_index,
            strategy: strat,
            field,
            old_minor: current,
            new_minor: new_price,
            target,
            demand: proposal.demand,
            verdict,
            market: stats,
            position: pos,
            change_bps: super::change_bps(current, new_price),
            risk: grade,
            status: if auto { DecisionStatus::Approved } else { DecisionStatus::Proposed },
        });
    }
    let changes: Vec<i64> = out.changes.iter().map(|c| c.change_bps).collect();
    out.breaker = breaker::check(&changes, out.products_seen, &BreakerLimits::default());
    if out.breaker.is_some() {
        for c in &mut out.changes {
            c.status = DecisionStatus::Proposed;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::strategy::{Beat, PriceEnding};

    fn limits() -> Limits {
        Limits {
            min_minor: Some(1_000),
            max_minor: Some(100_000),
            min_margin_bps: Some(1_000),
            max_step_bps: 1_000,
            max_step_minor: None,
            max_daily_bps: 2_000,
            cooldown_minutes: 60,
            ending: PriceEnding::Exact,
        }
    }

    fn rule(strategy: Strategy, dry_run: bool) -> Rule {
        Rule { id: RuleId::from("r"), version: 1, strategy: Some(strategy), limits: limits(), dry_run }
    }

    fn product(id: &str, price: i64, market: &[i64]) -> Product {
        Product {
            id: ProductId::from(id),
            category: None,
            shelf: Shelf { regular_minor: price, sale_minor: None, sale_end: None },
            cost_minor: Some(5_000),
            frozen: false,
            market: Market { prices: market.to_vec() },
            history: Vec::new(),
        }
    }

    fn settings(mode: AutomationMode) -> Settings {
        Settings { now: 1_800_000_000, today: "2027-01-15".into(), mode, kill_switch: false }
    }

    #[test]
    fn a_run_beats_the_lowest_price_within_the_step_and_counts_the_rest() {
        let rules = Rules::new([(Scope::Store, rule(Strategy::BeatLowest { by: Beat::Bps(100) }, false))]);
        let products =
            vec![product("a", 10_000, &[9_900, 12_000]), product("b", 10_000, &[]), product("c", 9_700, &[9_900])];
        let plan = plan(&products, &rules, None, &settings(AutomationMode::Automatic));
        assert_eq!(plan.products_seen, 3);
        let a = &plan.changes[0];
        assert_eq!((a.product, a.old_minor, a.new_minor), (0, 10_000, 9_801));
        assert_eq!(a.status, DecisionStatus::Approved);
        assert_eq!(plan.unchanged.get(&Unchanged::NoCompetitors), Some(&1));
        assert_eq!(plan.market.products_with_competitors, 2);
        assert_eq!(plan.market.positions.get(&Position::Leading), Some(&1));
    }

    #[test]
    fn dry_run_rules_and_manual_mode_never_approve() {
        let products = vec![product("a", 10_000, &[9_900])];
        for (mode, dry) in [(AutomationMode::Manual, false), (AutomationMode::Automatic, true)] {
            let rules = Rules::new([(Scope::Store, rule(Strategy::MatchLowest, dry))]);
            let plan = plan(&products, &rules, None, &settings(mode));
            assert!(plan.changes.iter().all(|c| c.status == DecisionStatus::Proposed), "{mode:?} {dry}");
        }
    }

    #[test]
    fn the_product_rule_wins_over_the_category_and_the_store() {
        let mut p = product("a", 10_000, &[9_900]);
        p.category = Some(CategoryId::from("c"));
        let rules = Rules::new([
            (Scope::Store, rule(Strategy::MatchLowest, false)),
            (Scope::Category(CategoryId::from("c")), rule(Strategy::Hold, false)),
        ]);
        let plan1 = plan(std::slice::from_ref(&p), &rules, None, &settings(AutomationMode::Manual));
        assert_eq!(plan1.unchanged.get(&Unchanged::Hold), Some(&1));
        let rules = Rules::new([
            (Scope::Category(CategoryId::from("c")), rule(Strategy::Hold, false)),
            (Scope::Product(ProductId::from("a")), rule(Strategy::MatchLowest, false)),
        ]);
        let plan2 = plan(&[p], &rules, None, &settings(AutomationMode::Manual));
        assert_eq!(plan2.changes.len(), 1);
    }

    #[test]
    fn the_breaker_sends_every_change_to_the_queue() {
        let rules = Rules::new([(Scope::Store, rule(Strategy::MatchLowest, false))]);
        let products: Vec<Product> = (0..20).map(|i| product(&format!("p{i}"), 10_000, &[9_500])).collect();
        let plan = plan(&products, &rules, None, &settings(AutomationMode::Automatic));
        assert!(plan.breaker.is_some());
        assert_eq!(plan.auto_approved(), 0);
        assert_eq!(plan.changes.len(), 20);
    }

    #[test]
    fn a_sale_is_priced_on_its_sale_price_and_never_reaches_the_regular_price() {
        let mut p = product("a", 10_000, &[9_000]);
        p.shelf.sale_minor = Some(9_500);
        let rules = Rules::new([(Scope::Store, rule(Strategy::MatchLowest, false))]);
        let plan1 = plan(std::slice::from_ref(&p), &rules, None, &settings(AutomationMode::Manual));
        let c = &plan1.changes[0];
        assert_eq!((c.field, c.old_minor, c.new_minor), (PriceField::SalePrice, 9_500, 9_000));
        p.market = Market { prices: vec![12_000] };
        let plan2 = plan(&[p], &rules, None, &settings(AutomationMode::Manual));
        assert_eq!(plan2.unchanged.get(&Unchanged::SaleAtRegularPrice), Some(&1));
    }

    #[test]
    fn a_product_changed_too_often_today_is_frozen() {
        let mut p = product("a", 10_000, &[9_000]);
        let now = settings(AutomationMode::Manual).now;
        p.history = (1..=4)
            .map(|k| PastChange { at: now - 20_000 + k * 3_700, old_minor: 10_000, new_minor: 10_000 })
            .collect();
        let mut r = rule(Strategy::MatchLowest, false);
        r.limits.cooldown_minutes = 0;
        let plan = plan(&[p], &Rules::new([(Scope::Store, r)]), None, &settings(AutomationMode::Manual));
        assert_eq!(plan.frozen.len(), 1);
        assert!(plan.changes.is_empty());
    }
}
