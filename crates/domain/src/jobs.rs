//! Background jobs: what each kind does, and how a run of one ended.

use crate::text_enum::text_enum;

text_enum! {
    /// What a scheduled job does.
    pub enum JobKind ("job kind") {
        /// Imports the store's catalogue.
        CatalogSync = "catalog_sync",
        /// Imports the store's new orders (and refreshes the demand estimates).
        OrdersSync = "orders_sync",
        /// Reads the competitor pages of the store.
        CompetitorCheck = "competitor_check",
        /// Runs the pricing agents.
        Optimize = "optimize",
        /// Writes approved prices to Salla.
        ApplyApproved = "apply_approved",
        /// Checks the store's authorization at Salla (and refreshes it when due).
        TokenCheck = "token_check",
        /// Backs the database up.
        Backup = "backup",
        /// Deletes data past its retention.
        Retention = "retention",
    }
}

impl JobKind {
    /// The jobs every connected store gets, with their default schedules (cron in Riyadh time).
    pub const PER_STORE: [(JobKind, &'static str); 6] = [
        (JobKind::CatalogSync, "every 6h"),
        (JobKind::OrdersSync, "every 1h"),
        (JobKind::CompetitorCheck, "every 6h"),
        (JobKind::Optimize, "0 4 * * *"),
        (JobKind::ApplyApproved, "every 15m"),
        (JobKind::TokenCheck, "every 6h"),
    ];
    /// The app-wide jobs, with their default schedules.
    pub const GLOBAL: [(JobKind, &'static str); 2] =
        [(JobKind::Retention, "0 3 * * *"), (JobKind::Backup, "0 2 * * *")];

    /// Whether the job talks to Salla with the store's grant (it waits while the grant is lost).
    pub fn needs_salla(self) -> bool {
        matches!(self, JobKind::CatalogSync | JobKind::OrdersSync | JobKind::ApplyApproved | JobKind::TokenCheck)
    }
}

text_enum! {
    /// How a job run ended (or that it still runs).
    pub enum JobRunStatus ("job run status") {
        /// Still going.
        Running = "running",
        /// Done.
        Succeeded = "succeeded",
        /// Failed (see its error).
        Failed = "failed",
        /// Stopped on request.
        Cancelled = "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_default_schedule_once() {
        let mut scheduled: Vec<JobKind> =
            JobKind::PER_STORE.iter().chain(JobKind::GLOBAL.iter()).map(|(k, _)| *k).collect();
        scheduled.sort();
        let mut all = JobKind::ALL.to_vec();
        all.sort();
        assert_eq!(scheduled, all);
    }
}
