//! The approval queue: decisions and runs as the screens list them, approve / reject, expiry,
//! the audit trail, and clearing a loop freeze.

use spo_domain::pricing::decision::{Actor, DecisionStatus};
use spo_domain::pricing::risk::Risk;
use spo_ipc as ipc;
use spo_store::{DecisionRow, Move};

use super::{price_field_kind, DECISION_TTL_SECS};
use crate::clock::time_text;
use crate::{App, AppError, Result};

/// A decision's state as the window and the CLI see it.
pub(crate) fn status_to_ipc(s: DecisionStatus) -> ipc::DecisionStatus {
    match s {
        DecisionStatus::Proposed => ipc::DecisionStatus::Proposed,
        DecisionStatus::Approved => ipc::DecisionStatus::Approved,
        DecisionStatus::Rejected => ipc::DecisionStatus::Rejected,
        DecisionStatus::Expired => ipc::DecisionStatus::Expired,
        DecisionStatus::Applying => ipc::DecisionStatus::Applying,
        DecisionStatus::Applied => ipc::DecisionStatus::Applied,
        DecisionStatus::Failed => ipc::DecisionStatus::Failed,
        DecisionStatus::RolledBack => ipc::DecisionStatus::RolledBack,
    }
}

/// The domain's state for an IPC one.
pub(crate) fn status_from_ipc(s: ipc::DecisionStatus) -> DecisionStatus {
    match s {
        ipc::DecisionStatus::Proposed => DecisionStatus::Proposed,
        ipc::DecisionStatus::Approved => DecisionStatus::Approved,
        ipc::DecisionStatus::Rejected => DecisionStatus::Rejected,
        ipc::DecisionStatus::Expired => DecisionStatus::Expired,
        ipc::DecisionStatus::Applying => DecisionStatus::Applying,
        ipc::DecisionStatus::Applied => DecisionStatus::Applied,
        ipc::DecisionStatus::Failed => DecisionStatus::Failed,
        ipc::DecisionStatus::RolledBack => DecisionStatus::RolledBack,
    }
}

/// A risk grade as the window sees it.
pub(crate) fn risk_to_ipc(r: Risk) -> ipc::RiskLevel {
    match r {
        Risk::Low => ipc::RiskLevel::Low,
        Risk::Medium => ipc::RiskLevel::Medium,
        Risk::High => ipc::RiskLevel::High,
    }
}

pub(crate) fn decision_to_ipc(d: DecisionRow) -> ipc::Decision {
    let (rationale_en, rationale_ar) = super::words_of(&d);
    ipc::Decision {
        id: d.id,
        run_id: d.run_id,
        product_id: d.product_id,
        product_name: d.product_name,
        product_sku: d.product_sku,
        currency: d.currency,
        old_price_minor: d.old_price_minor,
        new_price_minor: d.new_price_minor,
        price_field: price_field_kind(d.price_field),
        sale_end: d.sale_end,
        strategy: crate::vocab::decision_strategy::to_ipc(d.strategy),
        risk: risk_to_ipc(d.risk),
        status: status_to_ipc(d.status),
        rationale_en,
        rationale_ar,
        inputs: d.inputs,
        guardrails: d.guardrails,
        decided_by: d.decided_by,
        applied_at: d.applied_at,
        salla_response: d.salla_response,
        rollback_of: d.rollback_of,
        created_at: d.created_at,
    }
}

impl App {
    /// The store's last 100 optimization runs, newest first.
    pub async fn runs(&self, store_id: &str) -> Result<Vec<ipc::RunSummary>> {
        self.db().store(store_id).await?;
        let count = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(self
            .db()
            .runs(store_id, 100)
            .await?
            .into_iter()
            .map(|r| ipc::RunSummary {
                id: r.id,
                kind: crate::vocab::run_kind::to_ipc(r.kind),
                status: crate::vocab::run_status::to_ipc(r.status),
                started_at: r.started_at,
                finished_at: r.finished_at,
                products_seen: count(r.products_seen),
                proposed: count(r.proposed),
                applied: count(r.applied),
                still_applied: count(r.still_applied),
                errors: count(r.errors),
                steps: r.steps,
                error: r.error,
            })
            .collect())
    }

    /// The store's decisions (all, or those in `statuses`), newest first.
    pub async fn decisions(&self, store_id: &str, statuses: &[ipc::DecisionStatus]) -> Result<Vec<ipc::Decision>> {
        self.db().store(store_id).await?;
        let statuses: Vec<DecisionStatus> = statuses.iter().copied().map(status_from_ipc).collect();
        Ok(self.db().decisions(store_id, &statuses).await?.into_iter().map(decision_to_ipc).collect())
    }

    /// Approves or rejects proposed decisions. Returns how many changed.
    #[tracing::instrument(skip_all, err)]
    pub async fn decide(&self, store_id: &str, ids: &[String], approve: bool) -> Result<u32> {
        self.ensure_may_write(false).await?;
        self.expire_stale(store_id).await?;
        let mut n = 0;
        for id in ids {
            let to = if approve { DecisionStatus::Approved } else { DecisionStatus::Rejected };
            if self.db().transition(store_id, id, &Move::new(&[DecisionStatus::Proposed], to, Actor::User)).await? {
                n += 1;
            } else {
                let d = self.db().decision(store_id, id).await?;
                return Err(AppError::InvalidInput(format!("decision {id} is {} and cannot be {to}", d.status)));
            }
        }
        self.local_change();
        Ok(n)
    }

    /// Expires decisions that waited longer than [`DECISION_TTL_SECS`].
    pub(super) async fn expire_stale(&self, store_id: &str) -> Result<u64> {
        let now = self.now();
        Ok(self.db().expire_stale(store_id, &time_text(now - DECISION_TTL_SECS), Actor::Executor).await?)
    }

    /// The audit trail of one decision (or any entity), oldest first: (action, actor, details).
    pub async fn audit_trail(&self, entity_id: &str) -> Result<Vec<(String, String, String)>> {
        Ok(self.db().audit_of(entity_id).await?)
    }

    /// Clears the loop detector's freeze on a product (the merchant looked).
    pub async fn unfreeze(&self, store_id: &str, product: &str) -> Result<()> {
        let id = self.db().product_id_by_id_or_sku(store_id, product).await?;
        Ok(self.db().set_frozen(store_id, &id, None, "user:local").await?)
    }
}
