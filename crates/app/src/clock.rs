//! The app's clock ([`spo_domain::ports::Clock`]): the system clock in production, a clock offset
//! from it for closed-loop simulations, and a hand-moved clock for tests.
//!
//! **Simulation setting:** `SPO_CLOCK_OFFSET_SECS=<seconds>` (may be negative) runs the app's
//! clock that far from the system clock: cool-downs, decision expiry, demand days, sale days,
//! stored timestamps and job schedules all follow it. It exists for simulations against a
//! Salla-compatible server whose own clock is advanced the same way; it is never active unless set,
//! and the app logs a warning when it is.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub use spo_domain::ports::Clock;

/// The environment variable of the simulation offset.
pub const OFFSET_ENV: &str = "SPO_CLOCK_OFFSET_SECS";

fn system_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        system_ms()
    }
}

/// The system clock moved by a fixed offset (simulations).
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock {
    /// Added to the system clock, in milliseconds.
    pub offset_ms: i64,
}

impl Clock for OffsetClock {
    fn now_ms(&self) -> i64 {
        system_ms().saturating_add(self.offset_ms)
    }
}

/// A clock that stands still until moved (tests).
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// Now is `unix_secs`.
    pub fn at(unix_secs: i64) -> Self {
        Self { ms: Arc::new(AtomicI64::new(unix_secs.saturating_mul(1_000))) }
    }

    /// Now is the system clock's now.
    pub fn now_from_system() -> Self {
        Self { ms: Arc::new(AtomicI64::new(system_ms())) }
    }

    /// Moves the clock forward (or back, with a negative amount) by `secs`.
    pub fn advance(&self, secs: i64) {
        self.ms.fetch_add(secs.saturating_mul(1_000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }
}

/// The clock this process runs on: the system clock, or the simulation offset when
/// [`OFFSET_ENV`] is set to a whole number of seconds (anything else is refused loudly and
/// ignored).
pub fn from_env() -> Arc<dyn Clock> {
    from_setting(std::env::var(OFFSET_ENV).ok().as_deref())
}

/// The clock for a value of [`OFFSET_ENV`] (`None`: unset).
pub fn from_setting(value: Option<&str>) -> Arc<dyn Clock> {
    let Some(v) = value else { return Arc::new(SystemClock) };
    match v.trim().parse::<i64>() {
        Ok(0) => Arc::new(SystemClock),
        Ok(secs) => {
            tracing::warn!(offset_secs = secs, "simulation: the app's clock runs {secs} s from the system clock");
            Arc::new(OffsetClock { offset_ms: secs.saturating_mul(1_000) })
        }
        Err(_) => {
            tracing::error!(value = %v, "{OFFSET_ENV} is not a whole number of seconds; the system clock is used");
            Arc::new(SystemClock)
        }
    }
}

/// Unix seconds in the stored text form.
pub(crate) fn time_text(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix).map(spo_store::format_time).unwrap_or_default()
}

/// A stored time (RFC 3339) as Unix seconds.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok().map(|t| t.unix_timestamp())
}

/// Riyadh's UTC offset (no daylight saving); Salla stores are Saudi and date orders there.
pub(crate) const RIYADH: time::UtcOffset = time::macros::offset!(+3);

/// The store's calendar day (`YYYY-MM-DD`) at Unix time `unix` (sales end on a store-local day).
pub(crate) fn store_day(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix).map(|t| date_text(t.to_offset(RIYADH).date())).unwrap_or_default()
}

/// A date as `YYYY-MM-DD`.
pub(crate) fn date_text(d: time::Date) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&fmt).unwrap_or_default()
}

/// The store-local time at Unix time `unix`.
pub(crate) fn store_time(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH).to_offset(RIYADH)
}

/// The app's clock as the scheduler reads it.
#[derive(Debug, Clone)]
pub struct SchedulerClock(pub(crate) Arc<dyn Clock>);

impl spo_agents::Clock for SchedulerClock {
    fn now(&self) -> i64 {
        self.0.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let c = ManualClock::at(1_000);
        assert_eq!(c.now(), 1_000);
        c.advance(86_400);
        assert_eq!(c.now(), 87_400);
        let shared = c.clone();
        shared.advance(-400);
        assert_eq!(c.now(), 87_000);
    }

    #[test]
    fn the_simulation_setting_offsets_the_clock_only_when_set_to_seconds() {
        let ahead = |v: Option<&str>| from_setting(v).now() - SystemClock.now();
        assert!(ahead(None).abs() <= 1);
        assert!((ahead(Some("86400")) - 86_400).abs() <= 1);
        assert!((ahead(Some(" -3600 ")) + 3_600).abs() <= 1);
        assert!(ahead(Some("tomorrow")).abs() <= 1, "not a number: the system clock");
        assert!(ahead(Some("1.5")).abs() <= 1);
    }

    #[test]
    fn the_offset_clock_runs_ahead_of_the_system_clock() {
        let ahead = OffsetClock { offset_ms: 10 * 86_400_000 };
        let d = ahead.now() - SystemClock.now();
        assert!((10 * 86_400 - 1..=10 * 86_400 + 1).contains(&d), "{d}");
    }
}
