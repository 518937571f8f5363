//! The store's own demand, per product: a log-log regression of daily units on our price, the
//! competitor reference price and the weekday, shrunk toward the category's (or store's) estimate
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
}

/// Why there is no usable estimate, or why it cannot be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Untrusted {
    /// Fewer days than [`MIN_DAYS`].
    TooFewDays,
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

/// Ordinary least squares of ln(units + 0.5) on [1, ln price, ln reference?, weekday dummies].
/// Returns the price elasticity and its standard error.
pub fn estimate(days: &[Day]) -> Result<Elasticity, Untrusted> {
    if days.len() < MIN_DAYS {
        return Err(Untrusted::TooFewDays);
    }
    let usable: Vec<&Day> = days.iter().filter(|d| d.price_minor > 0).collect();
    let with_reference = usable.iter().all(|d| d.reference_minor.is_some_and(|r| r > 0));
    let ln_p: Vec<f64> = usable.iter().map(|d| (d.price_minor as f64).ln()).collect();
    let mean = ln_p.iter().sum::<f64>() / ln_p.len() as f64;
    let sd = (ln_p.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / ln_p.len() as f64).sqrt();
    if sd < 0.02 {
        return Err(Untrusted::NoPriceVariation);
    }
    let k = 2 + usize::from(with_reference) + 6;
    let mut xtx = vec![vec![0.0; k]; k];
    let mut xty = vec![0.0; k];
    let mut rows = Vec::with_capacity(usable.len());
    for (d, lp) in usable.iter().zip(&ln_p) {
        let mut x = vec![1.0, *lp];
        if with_reference {
            x.push((d.reference_minor.unwrap_or(1) as f64).ln());
        }
        for w in 1..7u8 {
            x.push(if d.weekday == w { 1.0 } else { 0.0 });
        }
        let y = (f64::from(d.units) + 0.5).ln();
        for i in 0..k {
            xty[i] += x[i] * y;
            for j in 0..k {
                xtx[i][j] += x[i] * x[j];
            }
        }
        rows.push((x, y));
    }
    let beta = solve(xtx.clone(), xty).ok_or(Untrusted::NoPriceVariation)?;
    let n = rows.len();
    if n <= k {
        return Err(Untrusted::TooFewDays);
    }
    let rss: f64 = rows.iter().map(|(x, y)| (y - x.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>()).powi(2)).sum();
    let sigma2 = rss / (n - k) as f64;
    let mut unit = vec![0.0; k];
    unit[1] = 1.0;
    let inv_col = solve(xtx, unit).ok_or(Untrusted::NoPriceVariation)?;
    let std_error = (sigma2 * inv_col[1]).max(0.0).sqrt();
    Ok(Elasticity { value: beta[1], std_error, days: u32::try_from(n).unwrap_or(u32::MAX) })
}

/// Shrinks a product's estimate toward `prior` (the category's or store's), by their precisions.
/// Without an own estimate the prior stands, with its own uncertainty widened by [`PRIOR_SD`].
pub fn shrink(own: Option<Elasticity>, prior: Elasticity) -> Elasticity {
    let prior_var = prior.std_error.powi(2) + PRIOR_SD.powi(2);
    match own {
        None => Elasticity { value: prior.value, std_error: prior_var.sqrt(), days: 0 },
        Some(e) => {
            let (w_own, w_prior) = (1.0 / e.std_error.powi(2).max(1e-9), 1.0 / prior_var);
            let value = (e.value * w_own + prior.value * w_prior) / (w_own + w_prior);
            Elasticity { value, std_error: (1.0 / (w_own + w_prior)).sqrt(), days: e.days }
        }
    }
}

/// The elasticity in basis points (−2.5 → −25 000), for integer price arithmetic.
pub fn to_bps(e: f64) -> i64 {
    (e * 10_000.0).round() as i64
}

/// The profit-maximizing price for constant elasticity `e` (< −1) and unit cost: p* = c·e/(1+e),
/// in integer arithmetic from the elasticity in basis points, rounded up to the halala. Refuses
/// untrustworthy estimates.
pub fn optimal_price(est: &Elasticity, cost_minor: Option<i64>) -> Result<i64, Untrusted> {
    let cost = cost_minor.ok_or(Untrusted::NoCost)?;
    if est.std_error > MAX_STD_ERROR {
        return Err(Untrusted::TooUncertain);
    }
    let e = to_bps(est.value);
    if e >= -11_000 {
        return Err(Untrusted::Inelastic);
    }
    // c·e/(1+e) with e in bps: c·e_bps / (e_bps + 10 000); both negative.
    let num = i128::from(cost) * i128::from(e);
    let den = i128::from(e) + 10_000;
    let p = (num + den + 1) / den; // den < 0: rounds toward +∞ for a positive quotient
    i64::try_from(p).map_err(|_| Untrusted::Inelastic)
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

    #[test]
    fn refuses_what_the_data_cannot_tell() {
        assert_eq!(estimate(&synthetic(-2.0, 10, 0.1)), Err(Untrusted::TooFewDays));
        let flat: Vec<Day> = synthetic(-2.0, 60, 0.1).into_iter().map(|d| Day { price_minor: 10_000, ..d }).collect();
        assert_eq!(estimate(&flat), Err(Untrusted::NoPriceVariation));
    }

    #[test]
    fn shrinkage_pulls_thin_data_toward_the_prior() {
        let prior = Elasticity { value: -2.0, std_error: 0.1, days: 5_000 };
        let noisy = Elasticity { value: -4.0, std_error: 2.0, days: 30 };
        let s = shrink(Some(noisy), prior);
        assert!(s.value > -2.5 && s.value < -2.0, "{s:?}");
        let solid = Elasticity { value: -3.0, std_error: 0.05, days: 180 };
        assert!((shrink(Some(solid), prior).value + 3.0).abs() < 0.01);
        assert_eq!(shrink(None, prior).value, -2.0);
    }

    #[test]
    fn optimal_price_is_integer_and_refuses_inelastic_or_uncertain() {
        let e = |value, std_error| Elasticity { value, std_error, days: 180 };
        // e = −2 → p* = 2c; e = −3 → 1.5c.
        assert_eq!(optimal_price(&e(-2.0, 0.1), Some(5_000)), Ok(10_000));
        assert_eq!(optimal_price(&e(-3.0, 0.1), Some(5_001)), Ok(7_502)); // 7501.5 → up
        assert_eq!(optimal_price(&e(-1.05, 0.1), Some(5_000)), Err(Untrusted::Inelastic));
        assert_eq!(optimal_price(&e(-2.0, 0.9), Some(5_000)), Err(Untrusted::TooUncertain));
        assert_eq!(optimal_price(&e(-2.0, 0.1), None), Err(Untrusted::NoCost));
    }
}
