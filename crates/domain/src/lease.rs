//! Store leases, the rules without the IO: in a team, one seat runs each store's jobs and talks to
//! Salla for it while it holds the store's lease. The lease lasts `ttl` and is renewed every third
//! of it; a write needs the lease confirmed by the team database right before it (the fence), and
//! when that database cannot be reached the seat goes on for `grace` after the last confirmation,
//! then stops writing prices rather than write blind (reading and proposing go on).

/// How long leases last and how long a cut-off seat keeps going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTimes {
    /// Lease time-to-live, ms.
    pub ttl_ms: i64,
    /// After the last confirmation, how long a seat that cannot reach the team database keeps
    /// running the store and writing prices, ms.
    pub grace_ms: i64,
}

impl Default for LeaseTimes {
    fn default() -> Self {
        LeaseTimes { ttl_ms: 30_000, grace_ms: 120_000 }
    }
}

/// A lease this seat holds, as last confirmed by the team database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldLease {
    /// The store's fencing epoch.
    pub epoch: i64,
    /// When the team database last confirmed it (acquire, renewal, fence), on a monotonic ms clock,
    /// taken before the call was sent.
    pub confirmed_ms: i64,
}

impl LeaseTimes {
    /// Renew this often.
    pub fn renew_every_ms(&self) -> i64 {
        (self.ttl_ms / 3).max(1)
    }

    /// Does this seat still run the store at `now_ms`? Yes while renewals keep confirming it;
    /// without an answer from the team database, until the longer of the lease and the grace.
    pub fn still_runs(&self, held: &HeldLease, now_ms: i64) -> bool {
        now_ms - held.confirmed_ms < self.ttl_ms.max(self.grace_ms)
    }

    /// May a price be written at `now_ms` when the fence check could not reach the team database?
    pub fn may_write_unconfirmed(&self, held: &HeldLease, now_ms: i64) -> bool {
        now_ms - held.confirmed_ms < self.grace_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cut_off_seat_stops_writing_at_the_grace_and_running_at_the_longer_of_both() {
        let t = LeaseTimes { ttl_ms: 30_000, grace_ms: 120_000 };
        let held = HeldLease { epoch: 3, confirmed_ms: 1_000 };
        assert!(t.may_write_unconfirmed(&held, 120_999));
        assert!(!t.may_write_unconfirmed(&held, 121_000));
        assert!(t.still_runs(&held, 120_999));
        assert!(!t.still_runs(&held, 121_000));
        let short_grace = LeaseTimes { ttl_ms: 30_000, grace_ms: 1_000 };
        assert!(short_grace.still_runs(&held, 30_999), "the lease itself still runs");
        assert!(!short_grace.may_write_unconfirmed(&held, 2_000));
        assert_eq!(t.renew_every_ms(), 10_000);
    }

    proptest! {
        #[test]
        fn writing_unconfirmed_never_outlasts_running(ttl in 1i64..1_000_000, grace in 0i64..1_000_000,
                                                     confirmed in 0i64..1_000_000, later in 0i64..3_000_000) {
            let t = LeaseTimes { ttl_ms: ttl, grace_ms: grace };
            let held = HeldLease { epoch: 1, confirmed_ms: confirmed };
            let now = confirmed + later;
            prop_assert!(!t.may_write_unconfirmed(&held, now) || t.still_runs(&held, now));
            prop_assert!(t.renew_every_ms() * 3 <= ttl.max(3));
        }
    }
}
