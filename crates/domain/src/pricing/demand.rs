//! The store's own demand, per product: a log-log (Poisson, log link) regression of daily units
//! on our price, the competitor reference price and the weekday, shrunk toward the category's (or store's) estimate
//! when the product has little data, with its uncertainty. A profit-maximizing price is proposed
//! only when the estimate is trustworthy; the strategy falls back to rules otherwise, and says why.
//!
//! Estimation is statistics (floating point); the price it leads to is computed in integer minor
//! units from an elasticity quantized to basis points, so no float ever reaches a store.

use serde::{Deserialize, Serialize};

/// One day of one product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    /// Units sold.
    pub units: u32,
    /// Our average selling price that day (minor units).
    pub price_minor: i64,
    /// The competitor reference price that day (minor units), when known.
    pub reference_minor: Option<i64>,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
}

/// An elasticity estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Elasticity {
    /// d ln(units) / d ln(price).
    pub value: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Days used.
    pub days: u32,
    /// The lowest and highest price the store sold at in those days (minor units): the curve is
    /// trusted only near them. `None` for pooled estimates.
    #[serde(default)]
    pub observed: Option<(i64, i64)>,
}

/// Why there is no usable estimate, or why it cannot be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Untrusted {
    /// Fewer days than [`MIN_DAYS`].
    TooFewDays,
    /// Fewer units than [`MIN_UNITS`].
    TooFewSales,
    /// Our price barely moved: the data cannot tell how buyers react to it.
    NoPriceVariation,
    /// The estimate is too uncertain.
    TooUncertain,
    /// Demand is not elastic enough (≥ −1.1): no finite profit-maximizing price.
    Inelastic,
    /// No cost price to maximize profit over.
    NoCost,
}

/// Days of history needed before a product's own estimate is considered.
pub const MIN_DAYS: usize = 28;
/// Largest standard error (after shrinkage) for a trustworthy estimate.
pub const MAX_STD_ERROR: f64 = 0.5;
/// The prior's standard deviation around the category or store estimate.
pub const PRIOR_SD: f64 = 1.0;

/// Solves `a x = b` (`a` square, row-major) by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, below) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (offset, row) in below.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Total units a product must have sold before its own estimate is considered: with fewer, a
/// day's sales are mostly chance.
pub const MIN_UNITS: u64 = 60;

/// A Poisson regression (log link) of daily units on [1, ln price, ln reference?, weekday dummies],
/// fitted by iteratively reweighted least squares: the log-log elasticity is the coefficient of
/// ln price. Counts of 0, 1 or 2 a day are what small stores see; a Poisson model takes them as
/// they are, where least squares on ln(units) would bend them. The standard error comes from the
/// Fisher information, widened by the overdispersion (Pearson χ² / residual degrees of freedom)
/// when the data is noisier than Poisson.
pub fn estimate(days: &[Day]) -> Result<Elasticity, Untrusted> {
    let usable: Vec<&Day> = days.iter().filter(|d| d.price_minor > 0).collect();
    if usable.len() < MIN_DAYS {
        return Err(Untrusted::TooFewDays);
    }
    if usable.iter().map(|d| u64::from(d.units)).sum::<u64>() < MIN_UNITS {
        return Err(Untrusted::TooFewSales);
    }
    let with_reference = usable.iter().all(|d| d.reference_minor.is_some_and(|r| r > 0));
    let centered = |v: Vec<f64>| -> (Vec<f64>, f64) {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        (v.into_iter().map(|x| x - mean).collect(), sd)
    };
    let (ln_p, sd) = centered(usable.iter().map(|d| (d.price_minor as f64).ln()).collect());
    if sd < 0.02 {
        return Err(Untrusted::NoPriceVariation);
    }
    let ln_r = if with_reference {
        Some(centered(usable.iter().map(|d| (d.reference_minor.unwrap_or(1) as f64).ln()).collect()).0)
    } else {
        None
    };
    let rows: Vec<(Vec<f64>, f64)> = usable
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut x = vec![1.0, ln_p[i]];
            if let Some(r) = &ln_r {
                x.push(r[i]);
            }
            x.extend((1..7u8).map(|w| if d.weekday == w { 1.0 } else { 0.0 }));
            (x, f64::from(d.units))
        })
        .collect();
    let k = rows[0].0.len();
    let n = rows.len();
    if n <= k {
        return Err(Untrusted::TooFewDays);
    }
    let mean_units = rows.iter().map(|(_, y)| y).sum::<f64>() / n as f64;
    let mut beta = vec![0.0; k];
    beta[0] = mean_units.max(1e-3).ln();
    let mut info = vec![vec![0.0; k]; k];
    for _ in 0..50 {
        let mut xtwx = vec![vec![0.0; k]; k];
        let mut xtwz = vec![0.0; k];
        for (x, y) in &rows {
            let eta: f64 = x.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let mu = eta.clamp(-30.0, 30.0).exp();
            let z = eta + (y - mu) / mu;
            for i in 0..k {
                xtwz[i] += x[i] * mu * z;
                for j in 0..k {
                    xtwx[i][j] += x[i] * mu * x[j];
                }
            }
        }
        let next = solve(xtwx.clone(), xtwz).ok_or(Untrusted::NoPriceVariation)?;
        let step = next.iter().zip(&beta).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        beta = next;
        info = xtwx;
        if step < 1e-9 {
            break;
        }
    }
    if beta.iter().any(|b| !b.is_finite()) {
        return Err(Untrusted::TooUncertain);
    }
    let pearson: f64 = rows
        .iter()
        .map(|(x, y)| {
            let mu = x.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>().clamp(-30.0, 30.0).exp();
            (y - mu).powi(2) / mu
        })
        .sum();
    let dispersion = (pearson / (n - k) as f64).max(1.0);
    let mut unit = vec![0.0; k];
    unit[1] = 1.0;
    let inv_col = solve(info, unit).ok_or(Untrusted::NoPriceVariation)?;
    let std_error = (dispersion * inv_col[1]).max(0.0).sqrt();
    let sold = usable.iter().filter(|d| d.units > 0).map(|d| d.price_minor);
    let observed = sold.clone().min().zip(sold.max());
    Ok(Elasticity { value: beta[1], std_error, days: u32::try_from(n).unwrap_or(u32::MAX), observed })
}

/// The pooled estimate of a group (a category, the store) from its products' own estimates:
/// precision-weighted, with products allowed to differ by [`BETWEEN_PRODUCTS_SD`]. `None` with
/// fewer than [`MIN_POOLED`] estimates.
pub fn pool(estimates: &[Elasticity]) -> Option<Elasticity> {
    if estimates.len() < MIN_POOLED {
        return None;
    }
    let (mut w_sum, mut wv_sum, mut days) = (0.0, 0.0, 0u32);
    for e in estimates {
        let w = 1.0 / (e.std_error.powi(2) + BETWEEN_PRODUCTS_SD.powi(2));
        w_sum += w;
        wv_sum += w * e.value;
        days = days.saturating_add(e.days);
    }
    Some(Elasticity { value: wv_sum / w_sum, std_error: (1.0 / w_sum).sqrt(), days, observed: None })
}

/// Products of a group needed before its pooled estimate serves as a prior.
pub const MIN_POOLED: usize = 3;
/// How much products of one group are allowed to differ in elasticity.
pub const BETWEEN_PRODUCTS_SD: f64 = 0.5;

/// Days since 1970-01-01 → weekday, 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> u8 {
    u8::try_from((day + 3).rem_euclid(7)).unwrap_or(0)
}

/// One day of sales as the order history gives it: units and revenue of the days that sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sales {
    /// Days since 1970-01-01 (store-local date).
    pub day: i64,
    /// Units sold.
    pub units: u32,
    /// Revenue of those units (minor units).
    pub revenue_minor: i64,
}

/// The daily series from the first day with sales through `last_day`: days without sales count as
/// zero units at the price last seen (before the first sale, at the first price). `reference`
/// gives the competitor reference price of a day, when known.
pub fn daily_series(sales: &[Sales], last_day: i64, reference: impl Fn(i64) -> Option<i64>) -> Vec<Day> {
    let mut sorted: Vec<&Sales> = sales.iter().filter(|s| s.units > 0 && s.day <= last_day).collect();
    sorted.sort_by_key(|s| s.day);
    let Some(first) = sorted.first() else {
        return Vec::new();
    };
    let avg = |s: &Sales| (s.revenue_minor + i64::from(s.units) / 2) / i64::from(s.units.max(1));
    let mut price = avg(first);
    let mut next = sorted.iter().peekable();
    (first.day..=last_day)
        .map(|day| {
            let mut units = 0u32;
            let mut revenue = 0i64;
            while let Some(s) = next.next_if(|s| s.day == day) {
                units = units.saturating_add(s.units);
                revenue = revenue.saturating_add(s.revenue_minor);
            }
            if units > 0 {
                price = (revenue + i64::from(units) / 2) / i64::from(units);
            }
            Day { units, price_minor: price, reference_minor: reference(day), weekday: weekday(day) }
        })
        .collect()
}

/// What the demand model says for one product: the trusted estimate behind a profit-maximizing
/// price, or why there is none.
pub fn resolve(own: Result<Elasticity, Untrusted>, prior: Option<Elasticity>) -> Result<Elasticity, Untrusted> {
    match (own, prior) {
        (Ok(e), Some(p)) => Ok(shrink(Some(e), p)),
        (Ok(e), None) => Ok(e),
        (Err(why), _) => Err(why),
    }
}

/// Shrinks a product's estimate toward `prior` (the category's or store's), by their precisions.
/// Without an own estimate the prior stands, with its own uncertainty widened by [`PRIOR_SD`].
pub fn shrink(own: Option<Elasticity>, prior: Elasticity) -> Elasticity {
    let prior_var = prior.std_error.powi(2) + PRIOR_SD.powi(2);
    match own {
        None => Elasticity { value: prior.value, std_error: prior_var.sqrt(), days: 0, observed: None },
        Some(e) => {
            let (w_own, w_prior) = (1.0 / e.std_error.powi(2).max(1e-9), 1.0 / prior_var);
            let value = (e.value * w_own + prior.value * w_prior) / (w_own + w_prior);
            Elasticity { value, std_error: (1.0 / (w_own + w_prior)).sqrt(), days: e.days, observed: e.observed }
        }
    }
}

/// The elasticity in basis points (−2.5 → −25 000), for integer price arithmetic.
pub fn to_bps(e: f64) -> i64 {
    (e * 10_000.0).round() as i64
}

/// How far beyond the prices it has seen the curve is followed: 15 % above the highest, 15 %
/// below the lowest (in basis points). A log-log curve is a local description; far from the
/// data it is a guess, so the optimizer explores outward a bounded step at a time and learns.
pub const EXTRAPOLATION_BPS: i64 = 1_500;

/// The profit-maximizing price for constant elasticity `e` and unit cost: p* = c·e/(1+e), in
/// integer arithmetic from the elasticity in basis points, rounded up to the halala, and kept
/// within [`EXTRAPOLATION_BPS`] of the prices the store has sold at. Demand that is inelastic (or
/// may be, within one standard error) has no finite optimum: profit grows with the price, so the
/// answer is the top of that range — and without a range, none. Refuses uncertain estimates.
pub fn optimal_price(est: &Elasticity, cost_minor: Option<i64>) -> Result<i64, Untrusted> {
    let cost = cost_minor.ok_or(Untrusted::NoCost)?;
    if est.std_error > MAX_STD_ERROR {
        return Err(Untrusted::TooUncertain);
    }
    let range = est.observed.map(|(low, high)| {
        let low = i128::from(low) * i128::from(10_000 - EXTRAPOLATION_BPS) / 10_000;
        let high = i128::from(high) * i128::from(10_000 + EXTRAPOLATION_BPS) / 10_000;
        (i64::try_from(low).unwrap_or(0), i64::try_from(high).unwrap_or(i64::MAX))
    });
    let e = to_bps(est.value);
    // Near −1 the optimum c·e/(1+e) runs off to infinity.
    if e >= -11_000 || to_bps(est.value + est.std_error) >= -11_000 {
        let why = if e >= -11_000 { Untrusted::Inelastic } else { Untrusted::TooUncertain };
        return range.map(|(_, high)| high).ok_or(why);
    }
    // c·e/(1+e) with e in bps: c·e_bps / (e_bps + 10 000); both negative.
    let num = i128::from(cost) * i128::from(e);
    let den = i128::from(e) + 10_000;
    let p = (num + den + 1) / den; // den < 0: rounds toward +∞ for a positive quotient
    let p = i64::try_from(p).map_err(|_| Untrusted::Inelastic)?;
    Ok(range.map_or(p, |(low, high)| p.clamp(low, high)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days from a known model: units = exp(a) · p^e · r^c, weekday bumps, deterministic noise.
    fn synthetic(e: f64, days: usize, noise: f64) -> Vec<Day> {
        let mut seed = 7u64;
        (0..days)
            .map(|i| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let u = ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
                // Our price changes weekly (100 – 124 SAR), the competitor's every few days.
                let price = 10_000 + ((i / 7) % 5) as i64 * 600;
                let reference = 11_000 + ((i / 3) % 4) as i64 * 300;
                let weekday = (i % 7) as u8;
                // About 20 a day at the middle prices.
                let ln_units = 20f64.ln()
                    + e * ((price as f64).ln() - 11_200f64.ln())
                    + 0.8 * ((reference as f64).ln() - 11_450f64.ln())
                    + if weekday >= 4 { 0.3 } else { 0.0 }
                    + noise * u;
                Day {
                    units: ln_units.exp().round().max(0.0) as u32,
                    price_minor: price,
                    reference_minor: Some(reference),
                    weekday,
                }
            })
            .collect()
    }

    #[test]
    fn recovers_a_known_elasticity_with_its_uncertainty() {
        let days = synthetic(-2.5, 180, 0.2);
        let units: Vec<u32> = days.iter().map(|d| d.units).collect();
        assert!(units.iter().all(|u| *u > 5), "enough units to be informative: {units:?}");
        let est = estimate(&days).expect("estimate");
        assert!((est.value + 2.5).abs() < 0.3, "{est:?}");
        assert!(est.std_error > 0.0 && est.std_error < 0.3, "{est:?}");
        assert_eq!(est.days, 180);
    }

    /// Poisson draws from the same deterministic generator (Knuth's method; small means only).
    fn poisson(lambda: f64, seed: &mut u64) -> u32 {
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0u32, 1.0);
        loop {
            *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            p *= (*seed >> 11) as f64 / (1u64 << 53) as f64;
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }

    #[test]
    fn small_counts_still_give_the_elasticity() {
        // A small shop: about one and a half units a day, prices moving ±10 % every three weeks.
        let mut seed = 11u64;
        let days: Vec<Day> = (0..180i64)
            .map(|day| {
                let price = 10_000 + ((day / 21) % 5 - 2) * 500;
                let lambda = 1.5 * (price as f64 / 10_000.0).powf(-2.0);
                Day {
                    units: poisson(lambda, &mut seed),
                    price_minor: price,
                    reference_minor: None,
                    weekday: weekday(day),
                }
            })
            .collect();
        let est = estimate(&days).expect("estimate");
        assert!((est.value + 2.0).abs() < 2.0 * est.std_error + 0.1, "{est:?}");
        assert!(est.std_error > 0.2 && est.std_error < 1.0, "honest about thin data: {est:?}");
        let few: Vec<Day> =
            days.iter().map(|d| Day { units: d.units.min(1) * u32::from(d.weekday == 3), ..*d }).collect();
        assert_eq!(estimate(&few), Err(Untrusted::TooFewSales));
    }

    #[test]
    fn daily_series_fills_days_without_sales() {
        let sales = [
            Sales { day: 20_000, units: 2, revenue_minor: 20_000 },
            Sales { day: 20_003, units: 1, revenue_minor: 9_000 },
        ];
        let days = daily_series(&sales, 20_005, |d| (d >= 20_003).then_some(9_500));
        let got: Vec<(u32, i64, Option<i64>)> =
            days.iter().map(|d| (d.units, d.price_minor, d.reference_minor)).collect();
        assert_eq!(
            got,
            vec![
                (2, 10_000, None),
                (0, 10_000, None),
                (0, 10_000, None),
                (1, 9_000, Some(9_500)),
                (0, 9_000, Some(9_500)),
                (0, 9_000, Some(9_500))
            ]
        );
        assert_eq!(days[0].weekday, weekday(20_000));
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(weekday(20_782), 2, "2026-11-25 is a Wednesday");
        assert!(daily_series(&[], 20_005, |_| None).is_empty());
    }

    #[test]
    fn pooled_priors_and_resolution() {
        let e = |value, std_error| Elasticity { value, std_error, days: 100, observed: None };
        assert_eq!(pool(&[e(-2.0, 0.1), e(-2.0, 0.1)]), None, "two products are not a group");
        let p = pool(&[e(-1.5, 0.1), e(-2.5, 0.1), e(-2.0, 0.1)]).expect("pooled");
        assert!((p.value + 2.0).abs() < 1e-9 && p.std_error < 0.4 && p.days == 300, "{p:?}");
        assert_eq!(resolve(Err(Untrusted::TooFewSales), Some(p)), Err(Untrusted::TooFewSales));
        let own = resolve(Ok(e(-3.0, 0.4)), Some(p)).expect("shrunk");
        assert!(own.value > -3.0 && own.value < -2.0 && own.std_error < 0.4, "{own:?}");
        assert_eq!(resolve(Ok(e(-3.0, 0.4)), None), Ok(e(-3.0, 0.4)));
    }

    #[test]
    fn refuses_what_the_data_cannot_tell() {
        assert_eq!(estimate(&synthetic(-2.0, 10, 0.1)), Err(Untrusted::TooFewDays));
        let flat: Vec<Day> = synthetic(-2.0, 60, 0.1).into_iter().map(|d| Day { price_minor: 10_000, ..d }).collect();
        assert_eq!(estimate(&flat), Err(Untrusted::NoPriceVariation));
    }

    #[test]
    fn shrinkage_pulls_thin_data_toward_the_prior() {
        let prior = Elasticity { value: -2.0, std_error: 0.1, days: 5_000, observed: None };
        let noisy = Elasticity { value: -4.0, std_error: 2.0, days: 30, observed: None };
        let s = shrink(Some(noisy), prior);
        assert!(s.value > -2.5 && s.value < -2.0, "{s:?}");
        let solid = Elasticity { value: -3.0, std_error: 0.05, days: 180, observed: None };
        assert!((shrink(Some(solid), prior).value + 3.0).abs() < 0.01);
        assert_eq!(shrink(None, prior).value, -2.0);
    }

    #[test]
    fn optimal_price_is_integer_and_refuses_inelastic_or_uncertain() {
        let e = |value, std_error| Elasticity { value, std_error, days: 180, observed: None };
        // e = −2 → p* = 2c; e = −3 → 1.5c.
        assert_eq!(optimal_price(&e(-2.0, 0.1), Some(5_000)), Ok(10_000));
        assert_eq!(optimal_price(&e(-3.0, 0.1), Some(5_001)), Ok(7_502)); // 7501.5 → up
        assert_eq!(optimal_price(&e(-1.05, 0.1), Some(5_000)), Err(Untrusted::Inelastic));
        assert_eq!(optimal_price(&e(-2.0, 0.9), Some(5_000)), Err(Untrusted::TooUncertain));
        assert_eq!(optimal_price(&e(-2.0, 0.1), None), Err(Untrusted::NoCost));
        assert_eq!(optimal_price(&e(-1.3, 0.25), Some(5_000)), Err(Untrusted::TooUncertain), "might be −1.05");
        // With the prices it has seen, the curve is followed 15 % beyond them and no further;
        // inelastic demand raises the price to the top of that range.
        let seen = |value, std_error| Elasticity { observed: Some((9_000, 11_000)), ..e(value, std_error) };
        assert_eq!(optimal_price(&seen(-2.0, 0.1), Some(5_000)), Ok(10_000), "inside the range");
        assert_eq!(optimal_price(&seen(-2.0, 0.1), Some(7_000)), Ok(12_650), "14 000 capped at 11 000 + 15 %");
        assert_eq!(optimal_price(&seen(-6.0, 0.1), Some(5_000)), Ok(7_650), "6 000 raised to 9 000 − 15 %");
        assert_eq!(optimal_price(&seen(-0.6, 0.1), Some(5_000)), Ok(12_650), "inelastic: the top of the range");
        assert_eq!(optimal_price(&seen(-1.3, 0.25), Some(5_000)), Ok(12_650));
        assert_eq!(optimal_price(&seen(-1.3, 0.9), Some(5_000)), Err(Untrusted::TooUncertain));
    }
}
