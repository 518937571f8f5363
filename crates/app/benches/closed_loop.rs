//! Benchmark: eight simulated weeks of pricing in a closed loop against the demo server's demand
//! model (`spo_salla_sim::expected_units`: units ~ Poisson(base × (price / competitor)^e ×
//! weekday)), for the demo catalogue's simple products with 180 days of order history behind them.
//! Each day every policy sets its prices, shoppers buy, and the profit (units × (price − cost)) is
//! counted. Policies:
//! - **optimizer**: a `maximize_profit` rule exactly as a run applies it: the day's demand
//!   estimate per product from its own trailing 180 days (`demand::estimate`, pooled category and
//!   store priors, `demand::resolve`), `strategy::propose` (fallback: match the lowest), then
//!   `guardrails::check` with the default step (10 %), daily (20 %) and cool-down limits;
//! - **beat lowest by 1 %**: the common repricer rule, through the same guardrails;
//! - **hold**: the merchant's current prices;
//! - **best known**: the profit-maximizing price from the model's true elasticity, inside the
//!   same floor and ceiling, from day one (an upper bound no real policy can know).
//!
//! All policies see the same random draws (common random numbers per product and day).
//! Run: `cargo bench -p spo-app --bench closed_loop`.

use std::collections::HashMap;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use spo_domain::pricing::demand::{self, Day, Elasticity};
use spo_domain::pricing::guardrails::{self, Context, Limits};
use spo_domain::pricing::strategy::{self, Beat, Market, Strategy};
use spo_salla_sim::{competitor_price, demo_catalog, expected_units, historical_price, SimProduct};

const HISTORY_DAYS: i64 = 180;
const WEEKS: i64 = 8;
/// Store-local day the simulation starts (2026-11-26).
const START: i64 = 20_783;
const SEEDS: [u64; 3] = [1, 2, 3];

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Policy {
    Optimizer,
    BeatLowest1,
    Hold,
    BestKnown,
}

const POLICIES: [Policy; 4] = [Policy::Optimizer, Policy::BeatLowest1, Policy::Hold, Policy::BestKnown];

fn name(p: Policy) -> &'static str {
    match p {
        Policy::Optimizer => "optimizer (maximize profit)",
        Policy::BeatLowest1 => "beat lowest by 1 %",
        Policy::Hold => "hold current prices",
        Policy::BestKnown => "best price from true model",
    }
}

/// The competitor price shoppers see on `day`: the catalogue's history before the start, then
/// new 21-day periods.
fn competitor_on(p: &SimProduct, day: i64) -> i64 {
    let period = if day < START { (START - day) / 21 } else { -1 - (day - START) / 21 };
    competitor_price(p, period)
}

/// One day's units for `p` at `price`, from the seed's stream for this product and day.
fn units(p: &SimProduct, price: i64, day: i64, seed: u64) -> u32 {
    let lambda = expected_units(p, price as f64, competitor_on(p, day) as f64, day);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (p.id as u64).wrapping_mul(0x9E37_79B9) ^ (day as u64) << 32);
    Poisson::new(lambda.max(1e-9)).map_or(0, |d| d.sample(&mut rng) as u32)
}

fn limits(p: &SimProduct) -> Limits {
    Limits {
        min_minor: Some(p.cost_minor),
        max_minor: Some(p.price_minor * 3),
        min_margin_bps: Some(500),
        ..Limits::default()
    }
}

struct State {
    price: i64,
    history: Vec<Day>,
    last_change: Option<i64>,
    price_24h_ago: i64,
}

struct Outcome {
    profit: HashMap<Policy, i128>,
    by_demand: usize,
    fell_back: usize,
    products: usize,
}

fn simulate(products: &[SimProduct], seed: u64) -> Outcome {
    // 180 days of the merchant's own price experiments (±10 % by period) and the sales they got.
    let mut states: HashMap<Policy, Vec<State>> = HashMap::new();
    for policy in POLICIES {
        let s = products
            .iter()
            .map(|p| {
                let history = if policy == Policy::Optimizer {
                    (START - HISTORY_DAYS..START)
                        .map(|day| {
                            let price = historical_price(p, p.price_minor, (START - day) / 21);
                            Day {
                                units: units(p, price, day, seed),
                                price_minor: price,
                                reference_minor: Some(competitor_on(p, day)),
                                weekday: demand::weekday(day),
                            }
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                State { price: p.price_minor, history, last_change: None, price_24h_ago: p.price_minor }
            })
            .collect();
        states.insert(policy, s);
    }
    let mut profit: HashMap<Policy, i128> = POLICIES.iter().map(|p| (*p, 0)).collect();
    let (mut by_demand, mut fell_back) = (0, 0);
    for day in START..START + WEEKS * 7 {
        let now = day * 86_400;
        // Each policy sets today's prices.
        // The optimizer's demand analyst: own estimates, then category and store priors.
        let own: Vec<Result<Elasticity, demand::Untrusted>> = states[&Policy::Optimizer]
            .iter()
            .map(|s| demand::estimate(&s.history[s.history.len().saturating_sub(HISTORY_DAYS as usize)..]))
            .collect();
        let mut groups: HashMap<i64, Vec<Elasticity>> = HashMap::new();
        for (p, e) in products.iter().zip(&own) {
            if let Ok(e) = e {
                groups.entry(p.category.0).or_default().push(*e);
            }
        }
        let store_prior = demand::pool(&own.iter().filter_map(|e| e.ok()).collect::<Vec<_>>());
        let priors: HashMap<i64, Elasticity> =
            groups.iter().filter_map(|(c, es)| Some((*c, demand::pool(es)?))).collect();
        for policy in POLICIES {
            let list = states.get_mut(&policy).expect("policy");
            for (i, (p, s)) in products.iter().zip(list.iter_mut()).enumerate() {
                let market = Market { prices: vec![competitor_on(p, day)] };
                let l = limits(p);
                let proposal = match policy {
                    Policy::Hold => None,
                    Policy::BestKnown => {
                        let truth = Elasticity { value: p.elasticity, std_error: 0.0, days: 0, observed: None };
                        let best = demand::optimal_price(&truth, Some(p.cost_minor)).unwrap_or(i64::MAX);
                        let floor = strategy::cost_floor(p.cost_minor, 500).max(p.cost_minor);
                        s.price = best.clamp(floor, p.price_minor * 3);
                        None
                    }
                    Policy::BeatLowest1 => Some(strategy::propose(
                        Strategy::BeatLowest { by: Beat::Bps(100) },
                        Strategy::Hold,
                        Some(p.cost_minor),
                        &market,
                        || Err(demand::Untrusted::TooFewSales),
                    )),
                    Policy::Optimizer => {
                        let prior = priors.get(&p.category.0).copied().or(store_prior);
                        let proposal = strategy::propose(
                            Strategy::MaximizeProfit,
                            Strategy::MatchLowest,
                            Some(p.cost_minor),
                            &market,
                            || demand::resolve(own[i], prior),
                        );
                        if day == START + WEEKS * 7 - 1 {
                            match proposal.demand {
                                Some(Ok(_)) => by_demand += 1,
                                _ => fell_back += 1,
                            }
                        }
                        Some(proposal)
                    }
                };
                if let Some(Ok(target)) = proposal.map(|p| p.target) {
                    let ctx = Context {
                        current_minor: s.price,
                        cost_minor: Some(p.cost_minor),
                        now,
                        last_change: s.last_change,
                        price_24h_ago: Some(s.price_24h_ago),
                        frozen: false,
                        kill_switch: false,
                    };
                    s.price_24h_ago = s.price;
                    if let Some(new) = guardrails::check(target.price_minor, &l, &ctx).price_minor {
                        s.price = new;
                        s.last_change = Some(now);
                    }
                }
                // Shoppers buy.
                let sold = units(p, s.price, day, seed);
                *profit.get_mut(&policy).expect("policy") += i128::from(sold) * i128::from(s.price - p.cost_minor);
                if policy == Policy::Optimizer {
                    s.history.push(Day {
                        units: sold,
                        price_minor: s.price,
                        reference_minor: Some(competitor_on(p, day)),
                        weekday: demand::weekday(day),
                    });
                }
            }
        }
    }
    Outcome { profit, by_demand, fell_back, products: products.len() }
}

fn main() {
    // The demo catalogue's simple products on sale, selling 2 to 14 units a day at competitor
    // prices (a busy store; the in-app demo sells a few a day in all).
    let products: Vec<SimProduct> = demo_catalog(240)
        .into_iter()
        .filter(|p| p.status == "sale" && p.variants.is_empty())
        .enumerate()
        .map(|(i, p)| SimProduct { base_daily_units: 2.0 + (i % 7) as f64 * 2.0, ..p })
        .collect();
    println!(
        "closed loop: {} products, {} days of history, {} weeks, seeds {:?}",
        products.len(),
        HISTORY_DAYS,
        WEEKS,
        SEEDS
    );
    let started = Instant::now();
    let mut totals: HashMap<Policy, i128> = HashMap::new();
    for seed in SEEDS {
        let o = simulate(&products, seed);
        let best = o.profit[&Policy::BestKnown].max(1) as f64;
        print!("seed {seed}:");
        for policy in POLICIES {
            let v = o.profit[&policy];
            *totals.entry(policy).or_default() += v;
            print!("  {} {:.0} SAR ({:.1} %)", name(policy), v as f64 / 100.0, v as f64 / best * 100.0);
        }
        println!("  | last day: {} of {} priced from demand, {} fell back", o.by_demand, o.products, o.fell_back);
    }
    let best = totals[&Policy::BestKnown].max(1) as f64;
    println!("mean over {} seeds (8-week profit, SAR):", SEEDS.len());
    for policy in POLICIES {
        let v = totals[&policy] as f64 / SEEDS.len() as f64;
        println!(
            "  {:<30} {:>12.0}  {:>6.1} % of best known",
            name(policy),
            v / 100.0,
            v / best * SEEDS.len() as f64 * 100.0
        );
    }
    let ours = totals[&Policy::Optimizer] as f64;
    let beat = totals[&Policy::BeatLowest1] as f64;
    let hold = totals[&Policy::Hold] as f64;
    println!(
        "optimizer vs beat-lowest-1 %: {:+.1} %; vs hold: {:+.1} %; simulated in {:.1} s",
        (ours / beat - 1.0) * 100.0,
        (ours / hold - 1.0) * 100.0,
        started.elapsed().as_secs_f64()
    );
}
