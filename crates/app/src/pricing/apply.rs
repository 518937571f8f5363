//! Apply: every approved decision is written to Salla exactly once.
//!
//! A decision is moved to `applying` with a fresh intent id (committed with its audit row) before
//! Salla is called; the price is then read back. A decision found in `applying` (the app stopped
//! mid-call) is settled by reading the product first: already at the target → applied; still at
//! the old price → the write never landed and is sent again; anything else → failed. The floor is
//! recomputed from the cost Salla has at that moment.

use spo_domain::ids::{CategoryId, ProductId};
use spo_domain::pricing::decision::{Actor, DecisionStatus};
use spo_domain::pricing::guardrails;
use spo_domain::pricing::shelf::{PriceField, Shelf};
use spo_domain::{Currency, Money};
use spo_ipc as ipc;
use spo_store::{DecisionRow, Move};

use super::rationale::{field_words, money_text};
use crate::{App, AppError, Result};

/// How one decision's apply ended.
pub(super) enum ApplyOutcome {
    Applied,
    Expired(String),
    Failed(String),
}

impl App {
    /// Applies every approved decision of the store, after settling any apply that was
    /// interrupted. Stops at once when the kill switch is on.
    #[tracing::instrument(skip_all, err)]
    pub async fn apply_approved(&self, store_id: &str) -> Result<ipc::ApplyReport> {
        self.db().store(store_id).await?;
        let mut report = ipc::ApplyReport::default();
        if self.kill_switch().await? {
            return Err(AppError::InvalidInput("the kill switch is on: no price is written".into()));
        }
        report.expired += u32::try_from(self.expire_stale(store_id).await?).unwrap_or(u32::MAX);
        let pending = self.db().decisions(store_id, &[DecisionStatus::Applying, DecisionStatus::Approved]).await?;
        if pending.is_empty() {
            return Ok(report);
        }
        let (client, mut token) = crate::salla_access::connect(self, store_id).await?;
        // Oldest first, interrupted ones before new ones.
        let mut pending = pending;
        pending.sort_by(|a, b| {
            (a.status != DecisionStatus::Applying)
                .cmp(&(b.status != DecisionStatus::Applying))
                .then(a.created_at.cmp(&b.created_at))
        });
        for d in pending {
            if self.kill_switch().await? {
                report.errors.push("stopped: the kill switch was turned on".into());
                break;
            }
            let interrupted = d.status == DecisionStatus::Applying;
            match self.apply_authorized(store_id, &client, &mut token, &d).await {
                Err(e @ AppError::NeedsReconnect(_)) => return Err(e),
                // The fence said no (another seat runs the store, the team's kill switch, the team
                // database silent past the grace): nothing more is written from here.
                Err(e @ AppError::Team(_)) => {
                    report.failed += 1;
                    report.errors.push(format!("stopped: {e}"));
                    break;
                }
                Ok(ApplyOutcome::Applied) => {
                    report.applied += 1;
                    report.reconciled += u32::from(interrupted);
                }
                Ok(ApplyOutcome::Expired(why)) => {
                    report.expired += 1;
                    report.errors.push(format!("{}: {why}", d.product_name));
                }
                Ok(ApplyOutcome::Failed(why)) => {
                    report.failed += 1;
                    report.errors.push(format!("{}: {why}", d.product_name));
                }
                Err(e) => {
                    report.failed += 1;
                    report.errors.push(format!("{}: {e}", d.product_name));
                }
            }
        }
        Ok(report)
    }

    /// [`Self::apply_one`]; when Salla rejects the access token, one refresh and one more try (the
    /// decision is read again first: an interrupted write is settled by the read-first path).
    pub(super) async fn apply_authorized(
        &self,
        store_id: &str,
        client: &spo_salla::SallaClient,
        token: &mut String,
        d: &DecisionRow,
    ) -> Result<ApplyOutcome> {
        match self.apply_one(store_id, client, token, d).await {
            Err(e) if crate::salla_access::is_rejected_token(&e) => {
                *token = crate::salla_access::reauthorize(self, store_id, client, token).await?;
                let again = self.db().decision(store_id, &d.id).await?;
                self.apply_one(store_id, client, token, &again).await
            }
            other => other,
        }
    }

    async fn apply_one(
        &self,
        store_id: &str,
        client: &spo_salla::SallaClient,
        token: &str,
        d: &DecisionRow,
    ) -> Result<ApplyOutcome> {
        let currency = Currency::parse(&d.currency).map_err(|e| AppError::Internal(e.to_string()))?;
        let field = d.price_field;
        let read = |p: &spo_salla::Product| -> Result<(Shelf, Option<i64>)> {
            let shelf = p
                .shelf(currency)
                .map_err(|e| AppError::Internal(format!("product {}: {e}", p.id)))?
                .ok_or_else(|| AppError::Internal(format!("product {} has no readable price", p.id)))?;
            let cost = p.cost_price.to_money(currency).ok().flatten().map(|m| m.minor);
            Ok((shelf, cost))
        };
        let today = self.store_today();
        let (before, cost) = read(&client.product(token, d.salla_product_id).await?)?;
        let current = before.get(field);
        // The price a decision was made for is the one shoppers pay: a sale that started or ended
        // since then makes it stale (and writing `price` during a sale would change the regular
        // price behind the sale).
        let live_field = before.current(&today).0;
        let intent = match (d.status, d.intent_id.clone()) {
            (DecisionStatus::Applying, Some(intent)) => {
                // Interrupted: settle by what Salla shows before anything is sent again.
                if current == d.new_price_minor {
                    self.finish_applied(store_id, d, &intent, "read back after an interrupted apply").await?;
                    return Ok(ApplyOutcome::Applied);
                }
                if current != d.old_price_minor || live_field != field {
                    let why =
                        format!("the {} at Salla is {current}, neither the old nor the new price", field_words(field));
                    return self.fail_applying(store_id, d, why).await;
                }
                intent
            }
            _ if live_field == field && current == d.new_price_minor && current != d.old_price_minor => {
                // The new price is at Salla already: another seat ran this decision and stopped
                // (killed, cut off) before the team heard. Recorded, never written twice.
                let note = "the new price was already at Salla (written by a seat that stopped before recording it)";
                self.finish_applied(store_id, d, &spo_store::new_id(), note).await?;
                return Ok(ApplyOutcome::Applied);
            }
            _ => {
                let stale = if live_field != field {
                    Some(match field {
                        PriceField::Price => {
                            "a sale started at Salla since this decision was made; the regular price is left alone"
                                .to_owned()
                        }
                        PriceField::SalePrice => "the sale ended at Salla since this decision was made".to_owned(),
                    })
                } else if current != d.old_price_minor {
                    Some(format!("the {} changed at Salla since this decision was made", field_words(field)))
                } else if field == PriceField::SalePrice && d.new_price_minor >= before.regular_minor {
                    Some("the new sale price would not be below the regular price".to_owned())
                } else {
                    None
                };
                if let Some(why) = stale {
                    let m = Move::new(&[DecisionStatus::Approved], DecisionStatus::Expired, Actor::Executor);
                    self.db().transition(store_id, &d.id, &m.because(&why)).await?;
                    return Ok(ApplyOutcome::Expired(why));
                }
                // The floor is recomputed now, from the cost Salla has now.
                if let Some(why) = self.floor_violation(store_id, d, cost).await? {
                    let m = Move::new(&[DecisionStatus::Approved], DecisionStatus::Failed, Actor::Executor);
                    self.db().transition(store_id, &d.id, &m.because(&why)).await?;
                    return Ok(ApplyOutcome::Failed(why));
                }
                let intent = spo_store::new_id();
                let m = Move {
                    intent_id: Some(&intent),
                    ..Move::new(&[DecisionStatus::Approved], DecisionStatus::Applying, Actor::Executor)
                };
                if !self.db().transition(store_id, &d.id, &m).await? {
                    return Ok(ApplyOutcome::Failed("another apply took this decision".into()));
                }
                intent
            }
        };
        // Exactly the one field the decision is about.
        let amount = Some(Money::from_minor(d.new_price_minor, currency));
        let update = match field {
            PriceField::Price => spo_salla::PriceUpdate { price: amount, ..spo_salla::PriceUpdate::default() },
            PriceField::SalePrice => spo_salla::PriceUpdate { sale_price: amount, ..spo_salla::PriceUpdate::default() },
        };
        // The fence: this seat must still hold the store's lease (and the team's kill switch be
        // off) right before the write. Refused, the decision stays `applying` and is settled by the
        // read-first path by whichever seat runs the store.
        self.fence_write(store_id).await?;
        let sent = client.update_product(token, d.salla_product_id, &update).await;
        // Whatever the answer, the product is read back: a timeout may hide a landed write.
        let (after, _) = read(&client.product(token, d.salla_product_id).await?)?;
        let other = match field {
            PriceField::Price => PriceField::SalePrice,
            PriceField::SalePrice => PriceField::Price,
        };
        if after.get(field) == d.new_price_minor {
            let mut note = match &sent {
                Ok(_) => "201 Created; read back".to_owned(),
                Err(e) => format!("{e}; but the read-back shows the new price"),
            };
            if after.get(other) != before.get(other) {
                note.push_str(&format!(
                    "; note: the {} also changed at Salla ({} → {})",
                    field_words(other),
                    before.get(other),
                    after.get(other)
                ));
            }
            self.finish_applied(store_id, d, &intent, &note).await?;
            Ok(ApplyOutcome::Applied)
        } else {
            let why = match sent {
                Err(e) => e.to_string(),
                Ok(_) => format!(
                    "Salla accepted the change but the read-back shows another {} ({})",
                    field_words(field),
                    after.get(field)
                ),
            };
            self.fail_applying(store_id, d, why).await
        }
    }

    /// An applying decision failed: recorded with the reason as Salla's side of the story.
    async fn fail_applying(&self, store_id: &str, d: &DecisionRow, why: String) -> Result<ApplyOutcome> {
        let m = Move {
            reason: Some(&why),
            salla_response: Some(&why),
            ..Move::new(&[DecisionStatus::Applying], DecisionStatus::Failed, Actor::Executor)
        };
        self.db().transition(store_id, &d.id, &m).await?;
        Ok(ApplyOutcome::Failed(why))
    }

    async fn finish_applied(&self, store_id: &str, d: &DecisionRow, intent: &str, note: &str) -> Result<()> {
        let response = serde_json::json!({ "intent_id": intent, "price": d.new_price_minor, "note": note }).to_string();
        let m = Move {
            salla_response: Some(&response),
            ..Move::new(&[DecisionStatus::Applying, DecisionStatus::Approved], DecisionStatus::Applied, Actor::Executor)
        };
        self.db().transition(store_id, &d.id, &m).await?;
        self.db().set_local_price(store_id, &d.product_id, d.price_field, d.new_price_minor).await?;
        if let Some(original) = &d.rollback_of {
            let m =
                Move::new(&[DecisionStatus::Applied], DecisionStatus::RolledBack, Actor::User).because("rolled back");
            self.db().transition(store_id, original, &m).await?;
        }
        Ok(())
    }

    /// `Some(why)` when the decision's price is outside the allowed range as the product's rule and
    /// the cost Salla has now stand: the same floor and ceiling planning used
    /// ([`guardrails::allowed_range`]), recomputed from one product and its rule.
    async fn floor_violation(&self, store_id: &str, d: &DecisionRow, cost: Option<i64>) -> Result<Option<String>> {
        let Some(category) = self.db().product_category(store_id, &d.product_id).await? else {
            return Ok(Some("the product is gone".into()));
        };
        let rules = super::rules::plan_rules(&self.db().rules(store_id).await?);
        let product = ProductId::from(d.product_id.as_str());
        let Some((_, rule)) = rules.for_product(&product, category.map(CategoryId::from).as_ref()) else {
            return Ok(Some("the product no longer has a pricing rule".into()));
        };
        let l = &rule.limits;
        let (Some(min), Some(max)) = (l.min_minor, l.max_minor) else {
            return Ok(Some("the rule has no minimum or maximum".into()));
        };
        let (floor, ceiling) = guardrails::allowed_range(min, max, l.min_margin_bps, cost);
        let p = d.new_price_minor;
        Ok((p < floor || p > ceiling).then(|| {
            format!(
                "{} is outside the allowed range {} – {} (recomputed from today's cost)",
                money_text(p, &d.currency),
                money_text(floor, &d.currency),
                money_text(ceiling, &d.currency)
            )
        }))
    }
}
