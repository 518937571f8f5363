//! The domain's closed vocabularies as the IPC contract spells them. The IPC crate is serde only
//! (it builds for the UI), so each enum exists on both sides; these exhaustive maps are the one
//! place they meet, and adding a value to one side fails to compile until the other has it.

/// Declares `to_ipc` / `from_ipc` between a domain enum and its IPC twin of the same variants.
macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident: $($d:ident)::+ <=> $($i:ident)::+ { $($v:ident),+ $(,)? }) => {
        $(#[$doc])*
        pub mod $name {
            use $($d)::+ as D;
            use $($i)::+ as I;

            /// The IPC spelling of a domain value.
            pub fn to_ipc(x: D) -> I {
                match x {
                    $(D::$v => I::$v),+
                }
            }

            /// The domain value of an IPC one.
            #[allow(dead_code, reason = "not every vocabulary comes back from the UI")]
            pub fn from_ipc(x: I) -> D {
                match x {
                    $(I::$v => D::$v),+
                }
            }
        }
    };
}

mirror! {
    /// What a background job does.
    job_kind: spo_domain::jobs::JobKind <=> spo_ipc::JobKind {
        CatalogSync, OrdersSync, CompetitorCheck, Optimize, ApplyApproved, TokenCheck, Backup, Retention,
    }
}

mirror! {
    /// How a job run ended.
    job_run_status: spo_domain::jobs::JobRunStatus <=> spo_ipc::JobRunStatus { Running, Succeeded, Failed, Cancelled }
}

mirror! {
    /// What a rule covers.
    rule_scope: spo_domain::pricing::plan::ScopeKind <=> spo_ipc::RuleScope { Store, Category, Product }
}

mirror! {
    /// What proposed a decision.
    decision_strategy: spo_domain::pricing::decision::DecisionStrategy <=> spo_ipc::DecisionStrategy {
        MatchLowest, BeatLowest, Position, PremiumOverAverage, TargetMargin, Hold, MaximizeProfit, Rollback,
    }
}

mirror! {
    /// What started an optimization run.
    run_kind: spo_domain::pricing::run::RunKind <=> spo_ipc::RunKind { Scheduled, Manual, Triggered }
}

mirror! {
    /// Where an optimization run is.
    run_status: spo_domain::pricing::run::RunStatus <=> spo_ipc::RunStatus {
        Running, Succeeded, Failed, Cancelled, AwaitingApproval,
    }
}

mirror! {
    /// How a competitor page is matched.
    match_kind: spo_domain::competitors::MatchKind <=> spo_ipc::MatchKind { Sku, Gtin, Manual }
}

mirror! {
    /// Stock status on a competitor page.
    availability: spo_domain::competitors::Availability <=> spo_ipc::Availability { InStock, OutOfStock, Unknown }
}

mirror! {
    /// Where the price was read.
    price_method: spo_domain::competitors::Method <=> spo_ipc::PriceMethod { JsonLd, Microdata, Meta, Selector, Heuristic }
}

mirror! {
    /// How a page check went.
    page_status: spo_domain::competitors::PageStatus <=> spo_ipc::PageStatus {
        Ok, NotModified, InvalidUrl, NotHttps, BlockedByRobots, ForbiddenAddress, TooManyRedirects, TooLarge,
        Timeout, RateLimited, PageGone, HttpError, Unreachable, NoPrice, Ambiguous, UnreadablePrice, NoCurrency,
        BadSelector,
    }
}

mirror! {
    /// What a seat may do in the team.
    seat_role: spo_domain::sync::SeatRole <=> spo_ipc::SeatRole { Owner, Manager, Viewer }
}

mirror! {
    /// Why the team did not take a change.
    refusal_status: spo_domain::sync::RefusalStatus <=> spo_ipc::RefusalStatus { Conflict, Rejected }
}

mirror! {
    /// What a notice is about.
    notice_kind: spo_domain::notices::NoticeKind <=> spo_ipc::NotifyKind {
        ApprovalsWaiting, Undercut, PricesApplied, BreakerTripped, AuthLost, JobFailing, StoreRunsElsewhere,
    }
}

#[cfg(test)]
mod tests {
    use spo_domain::jobs::{JobKind, JobRunStatus};

    /// The two sides spell every value the same (the store writes the domain's spelling, the UI
    /// reads the IPC one).
    #[test]
    fn both_sides_spell_every_value_alike() {
        for k in JobKind::ALL {
            assert_eq!(super::job_kind::to_ipc(*k).as_str(), k.as_str());
            assert_eq!(super::job_kind::from_ipc(super::job_kind::to_ipc(*k)), *k);
        }
        for s in JobRunStatus::ALL {
            assert_eq!(super::job_run_status::to_ipc(*s).as_str(), s.as_str());
        }
        assert_eq!(JobKind::ALL.len(), spo_ipc::JobKind::ALL.len());
        fn same<D: serde::Serialize, I: serde::Serialize>(d: D, i: I) {
            assert_eq!(serde_json::to_value(d).expect("domain"), serde_json::to_value(i).expect("ipc"));
        }
        for x in spo_domain::pricing::plan::ScopeKind::ALL {
            same(x, super::rule_scope::to_ipc(*x));
        }
        for x in spo_domain::pricing::decision::DecisionStrategy::ALL {
            same(x, super::decision_strategy::to_ipc(*x));
        }
        for x in spo_domain::pricing::run::RunKind::ALL {
            same(x, super::run_kind::to_ipc(*x));
        }
        for x in spo_domain::pricing::run::RunStatus::ALL {
            same(x, super::run_status::to_ipc(*x));
            assert_eq!(super::run_status::to_ipc(*x).as_str(), x.as_str(), "the Runs screen's data-status");
        }
        for x in spo_domain::competitors::MatchKind::ALL {
            same(x, super::match_kind::to_ipc(*x));
        }
        for x in spo_domain::competitors::Availability::ALL {
            same(x, super::availability::to_ipc(*x));
        }
        for x in spo_domain::competitors::Method::ALL {
            same(x, super::price_method::to_ipc(*x));
        }
        for x in spo_domain::competitors::PageStatus::ALL {
            same(x, super::page_status::to_ipc(*x));
            assert_eq!(super::page_status::to_ipc(*x).as_str(), x.as_str(), "the listings' data-status");
        }
        for k in [
            spo_ipc::BackupKind::Manual,
            spo_ipc::BackupKind::Daily,
            spo_ipc::BackupKind::PreMigration,
            spo_ipc::BackupKind::BeforeRestore,
        ] {
            assert_eq!(serde_json::to_value(k).expect("json"), k.as_str(), "a backup kind's two spellings");
        }
        for x in spo_domain::sync::SeatRole::ALL {
            same(x, super::seat_role::to_ipc(*x));
        }
        for x in spo_domain::notices::NoticeKind::ALL {
            same(x, super::notice_kind::to_ipc(*x));
        }
        for x in spo_domain::sync::RefusalStatus::ALL {
            same(x, super::refusal_status::to_ipc(*x));
        }
    }
}
