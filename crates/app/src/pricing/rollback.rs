//! Rollback: an applied decision is undone by a new, approved decision back to the old price,
//! written through the same path as any other (durable intent, read-back, audit, the floor).

use spo_domain::pricing::decision::{Actor, DecisionStatus};
use spo_domain::pricing::risk::Risk;
use spo_ipc as ipc;
use spo_store::{DecisionRow, NewDecision};

use super::apply::ApplyOutcome;
use super::decision_to_ipc;
use super::rationale::{money_text, money_text_ar};
use crate::{App, AppError, Result};

impl App {
    /// Rolls an applied decision back to its old price through the same path (durable intent,
    /// read-back, audit). The floor still holds.
    #[tracing::instrument(skip_all, err)]
    pub async fn rollback(&self, store_id: &str, decision_id: &str) -> Result<ipc::Decision> {
        let d = self.db().decision(store_id, decision_id).await?;
        let id = self.queue_rollback(store_id, &d, Actor::User).await?;
        if self.kill_switch().await? {
            return Err(AppError::InvalidInput("the kill switch is on: the rollback waits, approved".into()));
        }
        let (client, mut token) = crate::salla_access::connect(self, store_id).await?;
        let row = self.db().decision(store_id, &id).await?;
        match self.apply_authorized(store_id, &client, &mut token, &row).await? {
            ApplyOutcome::Applied => Ok(decision_to_ipc(self.db().decision(store_id, &id).await?)),
            ApplyOutcome::Expired(why) | ApplyOutcome::Failed(why) => {
                Err(AppError::InvalidInput(format!("rollback failed: {why}")))
            }
        }
    }

    /// Rolls back every applied decision of a run, each through the same path as one (a product
    /// whose price moved again since is left alone and counted as expired).
    #[tracing::instrument(skip_all, err)]
    pub async fn rollback_run(&self, store_id: &str, run_id: &str) -> Result<ipc::ApplyReport> {
        let applied: Vec<DecisionRow> = self
            .db()
            .run_decisions(store_id, run_id, i64::MAX)
            .await?
            .into_iter()
            .filter(|d| d.status == DecisionStatus::Applied)
            .collect();
        if applied.is_empty() {
            return Err(AppError::InvalidInput("this run has no applied price to roll back".into()));
        }
        let mut queued = Vec::with_capacity(applied.len());
        for d in &applied {
            queued.push(self.queue_rollback(store_id, d, Actor::User).await?);
        }
        let mut report = ipc::ApplyReport::default();
        if self.kill_switch().await? {
            return Err(AppError::InvalidInput("the kill switch is on: the rollbacks wait, approved".into()));
        }
        let (client, mut token) = crate::salla_access::connect(self, store_id).await?;
        for (id, original) in queued.iter().zip(&applied) {
            if self.kill_switch().await? {
                report.errors.push("stopped: the kill switch was turned on".into());
                break;
            }
            let row = self.db().decision(store_id, id).await?;
            match self.apply_authorized(store_id, &client, &mut token, &row).await? {
                ApplyOutcome::Applied => report.applied += 1,
                ApplyOutcome::Expired(why) => {
                    report.expired += 1;
                    report.errors.push(format!("{}: {why}", original.product_name));
                }
                ApplyOutcome::Failed(why) => {
                    report.failed += 1;
                    report.errors.push(format!("{}: {why}", original.product_name));
                }
            }
        }
        Ok(report)
    }

    /// Records the approved decision that undoes `d` (applied), and returns its id.
    async fn queue_rollback(&self, store_id: &str, d: &DecisionRow, actor: Actor) -> Result<String> {
        if d.status != DecisionStatus::Applied {
            return Err(AppError::InvalidInput(format!(
                "only an applied decision can be rolled back; this one is {}",
                d.status
            )));
        }
        let (en, ar) = (
            format!(
                "Rollback: {} → {}.",
                money_text(d.new_price_minor, &d.currency),
                money_text(d.old_price_minor, &d.currency)
            ),
            format!(
                "تراجع: {} ← {}.",
                money_text_ar(d.old_price_minor, &d.currency),
                money_text_ar(d.new_price_minor, &d.currency)
            ),
        );
        Ok(self
            .db()
            .insert_decision(
                store_id,
                &NewDecision {
                    product_id: d.product_id.clone(),
                    currency: d.currency.clone(),
                    old_price_minor: d.new_price_minor,
                    new_price_minor: d.old_price_minor,
                    // The same field back to what it was; the other was never touched.
                    price_field: d.price_field,
                    sale_end: d.sale_end.clone(),
                    strategy: spo_store::DecisionStrategy::Rollback,
                    inputs: serde_json::json!({ "rollback_of": d.id, "run_id": d.run_id }).to_string(),
                    guardrails: "{}".into(),
                    risk: Risk::Low,
                    rationale_en: en,
                    rationale_ar: ar,
                    status: DecisionStatus::Approved,
                    decided_by: Some(actor.as_str().into()),
                    rollback_of: Some(d.id.clone()),
                },
            )
            .await?)
    }
}
