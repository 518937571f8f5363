//! What each job run reports, typed: the runners write these (as the JSON the job monitor shows)
//! and the notices read the same types back, so neither side goes by key names.

use serde::{Deserialize, Serialize};

/// A run that did nothing, and why (`held_by_another_seat`, `needs_reconnect`, `kill_switch`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Skipped {
    /// The reason's code.
    pub skipped: Option<String>,
    /// In words, when there is more to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// An optimization run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OptimizeCounts {
    /// The stored run.
    pub run_id: Option<String>,
    /// How it ended (none in counts written before runs had a typed status).
    #[serde(default)]
    pub status: Option<spo_ipc::RunStatus>,
    /// Decisions proposed.
    #[serde(default)]
    pub proposed: u64,
    /// Applied by the run's executor.
    #[serde(default)]
    pub applied: u64,
    /// Why the breaker tripped, when it did.
    pub breaker: Option<String>,
}

/// Applying approved prices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ApplyCounts {
    /// Written and read back.
    #[serde(default)]
    pub applied: u64,
    /// Not written.
    #[serde(default)]
    pub failed: u64,
    /// Too old, or the product changed.
    #[serde(default)]
    pub expired: u64,
}

/// Checking a store's competitor pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CompetitorCounts {
    /// Pages read.
    #[serde(default)]
    pub checked: u64,
    /// Pages that failed (recorded on each listing).
    #[serde(default)]
    pub failed: u64,
    /// Pages there were.
    #[serde(default)]
    pub pages: u64,
    /// Tracked products a competitor newly undercut.
    #[serde(default)]
    pub undercut: u64,
    /// One of them, by name.
    pub undercut_product: Option<String>,
}

/// The counts of a run as stored, read as `T` (a run of another shape reads as `T::default()`).
pub(crate) fn read<T: for<'de> Deserialize<'de> + Default>(counts: &str) -> T {
    serde_json::from_str(counts).unwrap_or_default()
}

/// `T` as the JSON text the job monitor shows.
pub(crate) fn text<T: Serialize>(counts: &T) -> String {
    serde_json::to_string(counts).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_keep_the_json_the_job_monitor_reads() {
        let c = OptimizeCounts {
            run_id: Some("r".into()),
            status: Some(spo_ipc::RunStatus::Succeeded),
            proposed: 3,
            applied: 1,
            breaker: None,
        };
        let v: serde_json::Value = serde_json::from_str(&text(&c)).expect("json");
        assert_eq!(
            v,
            serde_json::json!({ "run_id": "r", "status": "succeeded", "proposed": 3, "applied": 1, "breaker": null })
        );
        assert_eq!(read::<OptimizeCounts>(&text(&c)), c);
        let s: Skipped = read(r#"{"skipped":"needs_reconnect"}"#);
        assert_eq!(s.skipped.as_deref(), Some("needs_reconnect"));
        assert_eq!(read::<ApplyCounts>("not json"), ApplyCounts::default());
    }
}
