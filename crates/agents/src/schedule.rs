//! When a job runs: every so often (`every 6h`, `every 30m`, `every 90s`, `every 1d`) or at the
//! times a five-field cron expression names, read in the store's local time (Riyadh, UTC+3, no
//! daylight saving). Pure: times are Unix seconds passed in.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, TimeZone};

/// Riyadh's offset from UTC.
pub const STORE_UTC_OFFSET_SECS: i32 = 3 * 3600;

/// A schedule that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(pub String);

/// When a job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Every `secs` seconds (at least a minute).
    Every {
        /// The interval.
        secs: u64,
    },
    /// A five-field cron expression (minute hour day-of-month month day-of-week), store-local.
    Cron {
        /// The expression as written.
        expr: String,
    },
}

impl Schedule {
    /// Reads `every <n><s|m|h|d>` or a cron expression.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let t = text.trim();
        if let Some(rest) = t.strip_prefix("every ") {
            let rest = rest.trim();
            let (num, unit) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len()));
            let n: u64 = num.parse().map_err(|_| ScheduleError(format!("{t:?}: a number of s, m, h or d")))?;
            let secs = match unit.trim() {
                "s" => n,
                "m" => n * 60,
                "h" => n * 3600,
                "d" => n * 86_400,
                _ => return Err(ScheduleError(format!("{t:?}: the unit is s, m, h or d"))),
            };
            if secs < 60 {
                return Err(ScheduleError(format!("{t:?}: at most once a minute")));
            }
            return Ok(Schedule::Every { secs });
        }
        if t.split_whitespace().count() != 5 {
            return Err(ScheduleError(format!("{t:?}: \"every 6h\" or a five-field cron expression")));
        }
        croner::Cron::from_str(t).map_err(|e| ScheduleError(format!("{t:?}: {e}")))?;
        Ok(Schedule::Cron { expr: t.to_owned() })
    }

    /// The stored text.
    pub fn text(&self) -> String {
        match self {
            Schedule::Every { secs } if secs % 86_400 == 0 => format!("every {}d", secs / 86_400),
            Schedule::Every { secs } if secs % 3600 == 0 => format!("every {}h", secs / 3600),
            Schedule::Every { secs } if secs % 60 == 0 => format!("every {}m", secs / 60),
            Schedule::Every { secs } => format!("every {secs}s"),
            Schedule::Cron { expr } => expr.clone(),
        }
    }

    /// The first time strictly after `after` (Unix seconds).
    pub fn next_after(&self, after: i64) -> Result<i64, ScheduleError> {
        match self {
            Schedule::Every { secs } => Ok(after.saturating_add(i64::try_from(*secs).unwrap_or(i64::MAX))),
            Schedule::Cron { expr } => {
                let cron = croner::Cron::from_str(expr).map_err(|e| ScheduleError(e.to_string()))?;
                let tz = FixedOffset::east_opt(STORE_UTC_OFFSET_SECS).ok_or_else(|| ScheduleError("offset".into()))?;
                let from: DateTime<FixedOffset> =
                    tz.timestamp_opt(after, 0).single().ok_or_else(|| ScheduleError(format!("time {after}")))?;
                let next = cron.find_next_occurrence(&from, false).map_err(|e| ScheduleError(e.to_string()))?;
                Ok(next.timestamp())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_cron_read_and_round_trip() {
        assert_eq!(Schedule::parse("every 6h"), Ok(Schedule::Every { secs: 21_600 }));
        assert_eq!(Schedule::parse(" every 90s "), Ok(Schedule::Every { secs: 90 }));
        assert_eq!(Schedule::parse("every 1d").map(|s| s.text()), Ok("every 1d".into()));
        assert_eq!(Schedule::parse("every 90m").map(|s| s.text()), Ok("every 90m".into()));
        assert!(Schedule::parse("every 10s").is_err(), "too often");
        assert!(Schedule::parse("every 5x").is_err());
        assert!(Schedule::parse("every h").is_err());
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("daily").is_err());
        assert_eq!(Schedule::parse("0 3 * * *").map(|s| s.text()), Ok("0 3 * * *".into()));
    }

    #[test]
    fn next_times() {
        let every = Schedule::Every { secs: 3600 };
        assert_eq!(every.next_after(1_000), Ok(4_600));
        // 03:00 Riyadh is 00:00 UTC. 2026-11-25T10:00:00Z = 1_795_600_800.
        let nightly = Schedule::parse("0 3 * * *").expect("cron");
        let t = 1_795_600_800;
        assert_eq!(nightly.next_after(t), Ok(1_795_651_200), "2026-11-26T00:00:00Z");
        assert_eq!(nightly.next_after(1_795_651_200), Ok(1_795_651_200 + 86_400), "strictly after");
    }
}
