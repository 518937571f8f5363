//! What the app tells the merchant about (the notification centre and the OS notifications).

use crate::text_enum::text_enum;

text_enum! {
    /// Kinds of notice; each can be switched off in the settings (the key is its spelling).
    pub enum NoticeKind ("notice kind") {
        /// An optimization run left price changes waiting for approval.
        ApprovalsWaiting = "approvals_waiting",
        /// A competitor became cheaper than us on a tracked product.
        Undercut = "undercut",
        /// Approved prices were applied in the store.
        PricesApplied = "prices_applied",
        /// A run's circuit breaker tripped.
        BreakerTripped = "breaker_tripped",
        /// A store's authorization was lost or is about to be.
        AuthLost = "auth_lost",
        /// A background job failed twice in a row.
        JobFailing = "job_failing",
        /// A store whose grant is on this seat is run by another seat of the team.
        StoreRunsElsewhere = "store_runs_elsewhere",
    }
}
