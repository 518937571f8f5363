//! Pricing: strategies propose a target price, guardrails decide what may be written, the run-level
//! breaker and the feedback-loop detector stop runaway automation, and the risk review grades what
//! is left. All pure: inputs (prices in minor units, times as Unix seconds) are passed in.
//!
//! **Invariant:** nothing here can be switched off by a strategy or by advice from an LLM: every
//! proposal goes through [`guardrails::check`] before it can become a write.

pub mod breaker;
pub mod decision;
pub mod demand;
pub mod guardrails;
pub mod loops;
pub mod plan;
pub mod risk;
pub mod run;
pub mod shelf;
pub mod strategy;

/// `value × bps / 10 000`, rounded toward zero, without overflow.
pub(crate) fn bps_of(value: i64, bps: i64) -> i64 {
    i64::try_from(i128::from(value) * i128::from(bps) / 10_000).unwrap_or(i64::MAX)
}

/// `value × bps / 10 000`, rounded up (for floors: never below the true amount).
pub(crate) fn bps_of_ceil(value: i64, bps: i64) -> i64 {
    let n = i128::from(value) * i128::from(bps);
    i64::try_from((n + 9_999).div_euclid(10_000)).unwrap_or(i64::MAX)
}

/// Change from `old` to `new` in basis points of `old` (0 when `old` is 0).
pub fn change_bps(old: i64, new: i64) -> i64 {
    if old == 0 {
        return 0;
    }
    i64::try_from((i128::from(new) - i128::from(old)) * 10_000 / i128::from(old)).unwrap_or(i64::MAX)
}
