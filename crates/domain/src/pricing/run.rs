//! An optimization run: what started it and how it ended.

use crate::text_enum::text_enum;

text_enum! {
    /// What started a run.
    pub enum RunKind ("run kind") {
        /// The daily schedule.
        Scheduled = "scheduled",
        /// A person ("run now", `spo optimize`).
        Manual = "manual",
        /// An event (a competitor price change).
        Triggered = "triggered",
    }
}

text_enum! {
    /// Where a run is, or how it ended.
    pub enum RunStatus ("run status") {
        /// Still going.
        Running = "running",
        /// Done: its decisions are recorded (and applied where the mode allows).
        Succeeded = "succeeded",
        /// Stopped by an error.
        Failed = "failed",
        /// Stopped on request.
        Cancelled = "cancelled",
        /// The circuit breaker tripped: nothing was applied, everything waits for a person.
        AwaitingApproval = "awaiting_approval",
    }
}
