//! Team sync: the vocabulary shared by the local outbox (spo-store), the PostgreSQL remote
//! (spo-sync) and the use cases (spo-app).
//!
//! * A **mutation** is one local change to one row of a synced table, recorded in the outbox in
//!   the same SQLite transaction as the change. Mutation ids are per client and only grow.
//! * A **push** sends pending mutations in order; the server answers each one with an
//!   [`AnswerStatus`]. A **pull** returns the team's rows changed after a change number (`seq`),
//!   in change-number order.
//! * A seat never applies pulled rows while it has pending mutations (it pushes first), so the
//!   pull cursor never passes a change the seat has not applied.
//! * Hybrid logical clock values ([`Hlc`]) order concurrent last-writer-wins changes; the device
//!   (client) id breaks ties.

use serde::{Deserialize, Serialize};

/// How the server resolves concurrent writes to a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictRule {
    /// Written only by the seat that runs the store's jobs (catalogue, observations).
    StoreSeat,
    /// Compare-and-set on the row version: a stale edit is refused as a conflict (rules).
    CompareAndSet,
    /// Moves only along the decision state machine, checked on the server.
    Transitions,
    /// Inserted once, never changed (audit).
    AppendOnly,
    /// Inserted once; later updates only by the seat that created it (optimization runs).
    CreatorUpdates,
    /// Per-field last writer wins by HLC, device id breaking ties (settings, listings, stores).
    LastWriterWins,
}

/// One synced table: its name, how conflicts resolve, and the columns that stay on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncedTable {
    /// Table name (the same locally and on the server).
    pub name: &'static str,
    /// Conflict rule.
    pub rule: ConflictRule,
    /// Columns that are not synced (device-local state).
    pub local_columns: &'static [&'static str],
}

/// The synced tables in dependency order (a row's references come before it), which is also
/// the order of a first upload.
pub const SYNCED_TABLES: &[SyncedTable] = &[
    SyncedTable {
        name: "stores",
        rule: ConflictRule::LastWriterWins,
        // Connection state and import cursors belong to the seat that holds the store's grant.
        local_columns: &["status", "connected_at", "catalog_synced_at", "orders_synced_through", "runs_here"],
    },
    SyncedTable { name: "categories", rule: ConflictRule::StoreSeat, local_columns: &[] },
    SyncedTable { name: "products", rule: ConflictRule::StoreSeat, local_columns: &[] },
    SyncedTable { name: "variants", rule: ConflictRule::StoreSeat, local_columns: &[] },
    // Sales per product and day (raw orders stay on the seat that imported them).
    SyncedTable { name: "daily_sales", rule: ConflictRule::StoreSeat, local_columns: &[] },
    SyncedTable {
        name: "competitor_listings",
        rule: ConflictRule::LastWriterWins,
        // HTTP cache validators are per device.
        local_columns: &["etag", "last_modified"],
    },
    SyncedTable { name: "price_observations", rule: ConflictRule::StoreSeat, local_columns: &[] },
    // Pages found by web search; accepting or rejecting one is the team's decision.
    SyncedTable { name: "listing_candidates", rule: ConflictRule::LastWriterWins, local_columns: &[] },
    SyncedTable { name: "pricing_rules", rule: ConflictRule::CompareAndSet, local_columns: &[] },
    SyncedTable { name: "optimization_runs", rule: ConflictRule::CreatorUpdates, local_columns: &[] },
    SyncedTable { name: "decisions", rule: ConflictRule::Transitions, local_columns: &[] },
    SyncedTable { name: "audit_log", rule: ConflictRule::AppendOnly, local_columns: &[] },
    // What each ended job run did, from whichever seat ran it.
    SyncedTable { name: "job_run_summaries", rule: ConflictRule::AppendOnly, local_columns: &[] },
    SyncedTable { name: "settings", rule: ConflictRule::LastWriterWins, local_columns: &[] },
];

/// Settings that belong to the team (synced); every other setting stays on the device.
pub const TEAM_SETTING_PREFIXES: &[&str] = &["pricing.kill_switch", "pricing.mode", "retention."];

/// Is `key` a team setting?
pub fn is_team_setting(key: &str) -> bool {
    TEAM_SETTING_PREFIXES.iter().any(|p| if p.ends_with('.') { key.starts_with(p) } else { key == *p })
}

/// The synced table called `name`.
pub fn synced_table(name: &str) -> Option<&'static SyncedTable> {
    SYNCED_TABLES.iter().find(|t| t.name == name)
}

/// Insert/update or delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// The row as it is now (`data`).
    Upsert,
    /// The row is gone; deletes win over every later write.
    Delete,
}

impl Op {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upsert" => Some(Op::Upsert),
            "delete" => Some(Op::Delete),
            _ => None,
        }
    }
}

/// One pending local change, as pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// The client's mutation id (only grows).
    pub mid: i64,
    /// Table.
    pub tbl: String,
    /// Row id (the settings table uses `store/key`).
    pub id: String,
    /// Upsert or delete.
    pub op: Op,
    /// The synced columns of the row after the change (JSON object), for upserts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// The row version the change was based on (compare-and-set tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<i64>,
    /// The columns this change touched (None = all, as for an insert); last-writer-wins merges
    /// only these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    /// Hybrid logical clock of the change ([`Hlc::encode`]).
    pub hlc: String,
}

/// The server's answer to one mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    /// Applied; it has a change number.
    Applied,
    /// Already applied earlier (a replay).
    Duplicate,
    /// Not applied: the team's row moved on (stale rule edit, illegal decision move, a later
    /// last-writer-wins change, a delete). The team's row comes with the answer.
    Conflict,
    /// Not applied: not allowed (role, table rule).
    Rejected,
}

crate::text_enum::text_enum! {
    /// Why the team did not take a change of this seat (kept until the merchant resolves it).
    pub enum RefusalStatus ("refusal status") {
        /// The team's row moved on; the team's version comes with it.
        Conflict = "conflict",
        /// Not allowed (role, table rule).
        Rejected = "rejected",
    }
}

/// The server's row in an answer or a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRow {
    /// Change number of the row's last change.
    pub seq: i64,
    /// Table.
    pub tbl: String,
    /// Row id.
    pub id: String,
    /// Synced columns.
    pub data: serde_json::Value,
    /// Row version.
    pub version: i64,
    /// HLC of the last change.
    pub hlc: String,
    /// Deleted (a tombstone).
    pub deleted: bool,
    /// The seat role that wrote it last.
    pub written_by: String,
}

/// One answer of a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The mutation answered.
    pub mid: i64,
    /// What happened.
    pub status: AnswerStatus,
    /// Change number (applied).
    #[serde(default)]
    pub seq: Option<i64>,
    /// Row version after the change (applied).
    #[serde(default)]
    pub version: Option<i64>,
    /// Why not (conflict, rejected).
    #[serde(default)]
    pub reason: Option<String>,
    /// The team's row when not applied.
    #[serde(default)]
    pub current: Option<TeamRow>,
}

crate::text_enum::text_enum! {
    /// A seat's role in the team.
    pub enum SeatRole ("seat role") {
        /// Seats, everything.
        Owner = "owner",
        /// Rules, approve/reject, run now, kill switch.
        Manager = "manager",
        /// Read only.
        Viewer = "viewer",
    }
}

impl SeatRole {
    /// May this seat change team data (rules, decisions, settings)?
    pub fn can_write(self) -> bool {
        !matches!(self, SeatRole::Viewer)
    }

    /// May this seat invite and revoke seats?
    pub fn can_manage_seats(self) -> bool {
        matches!(self, SeatRole::Owner)
    }

    /// Why a control is disabled for this role, or None when it is allowed.
    pub fn refusal(self, needs_owner: bool) -> Option<&'static str> {
        match (self, needs_owner) {
            (SeatRole::Owner, _) => None,
            (SeatRole::Manager, false) => None,
            (SeatRole::Manager, true) => Some("only an owner of the team can do this"),
            (SeatRole::Viewer, _) => Some("viewer seats can look but not change anything"),
        }
    }
}

/// A hybrid logical clock value: milliseconds since the Unix epoch in the high bits and a
/// counter in the low 16 bits (Kulkarni et al., "Logical Physical Clocks", 2014).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hlc(pub i64);

impl Hlc {
    const COUNTER_BITS: u32 = 16;

    /// The clock after a local event at wall time `now_ms`.
    pub fn tick(self, now_ms: i64) -> Hlc {
        Hlc((self.0 + 1).max(now_ms << Self::COUNTER_BITS))
    }

    /// The clock after receiving `remote` at wall time `now_ms`: later than both.
    pub fn receive(self, remote: Hlc, now_ms: i64) -> Hlc {
        Hlc((self.0.max(remote.0) + 1).max(now_ms << Self::COUNTER_BITS))
    }

    /// Wall-clock part (ms since the epoch).
    pub fn millis(self) -> i64 {
        self.0 >> Self::COUNTER_BITS
    }

    /// Text that sorts like (clock, device): fixed-width hex, then the device id.
    pub fn encode(self, device: &str) -> String {
        format!("{:016x}-{device}", self.0)
    }

    /// The clock part of an encoded value.
    pub fn decode(s: &str) -> Option<Hlc> {
        let hex = s.get(..16)?;
        i64::from_str_radix(hex, 16).ok().map(Hlc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn team_settings_are_the_listed_ones_only() {
        assert!(is_team_setting("pricing.kill_switch"));
        assert!(is_team_setting("retention.job_runs_days"));
        assert!(!is_team_setting("pricing.kill_switch_extra"));
        assert!(!is_team_setting("window.close_to_tray"));
        assert!(!is_team_setting("llm.model"));
    }

    #[test]
    fn synced_tables_come_after_what_they_reference() {
        let pos = |n: &str| SYNCED_TABLES.iter().position(|t| t.name == n).expect("listed");
        assert!(pos("stores") < pos("products"));
        assert!(pos("categories") < pos("products"));
        assert!(pos("products") < pos("variants"));
        assert!(pos("competitor_listings") < pos("price_observations"));
        assert!(pos("optimization_runs") < pos("decisions"));
    }

    #[test]
    fn roles_say_why_a_control_is_off() {
        assert_eq!(SeatRole::Owner.refusal(true), None);
        assert_eq!(SeatRole::Manager.refusal(false), None);
        assert!(SeatRole::Manager.refusal(true).expect("refused").contains("owner"));
        assert!(SeatRole::Viewer.refusal(false).expect("refused").contains("viewer"));
        assert!(!SeatRole::Viewer.can_write());
    }

    proptest! {
        #[test]
        fn the_clock_only_moves_forward(start in 0i64..1 << 40, events in proptest::collection::vec((0i64..1 << 40, proptest::option::of(0i64..1 << 56)), 1..50)) {
            let mut c = Hlc(start);
            for (now, remote) in events {
                let next = match remote { Some(r) => c.receive(Hlc(r), now), None => c.tick(now) };
                prop_assert!(next > c);
                if let Some(r) = remote { prop_assert!(next > Hlc(r)); }
                prop_assert!(next.millis() >= now);
                c = next;
            }
        }

        #[test]
        fn encoded_clocks_sort_like_clocks(a in 0i64..1 << 62, b in 0i64..1 << 62) {
            let (ea, eb) = (Hlc(a).encode("dev-a"), Hlc(b).encode("dev-a"));
            prop_assert_eq!(a.cmp(&b), ea.cmp(&eb));
            prop_assert_eq!(Hlc::decode(&ea), Some(Hlc(a)));
        }
    }
}
