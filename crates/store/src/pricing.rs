//! Pricing rules, optimization runs, decisions and their apply intents.
//!
//! A decision moves `proposed → approved | rejected | expired → applying → applied | failed →
//! rolled_back`. The move to `applying` stores the intent id in the same transaction as its audit
//! row, before any call to Salla; every later move is conditional on the state it leaves, so two
//! appliers cannot both act on one decision.

use crate::audit::{self, AuditEntry};
use crate::{new_id, Db, Error, Result};
pub use spo_domain::pricing::decision::{Actor, DecisionStatus, DecisionStrategy};
pub use spo_domain::pricing::plan::ScopeKind;
pub use spo_domain::pricing::risk::Risk;
pub use spo_domain::pricing::run::{RunKind, RunStatus};
pub use spo_domain::pricing::shelf::PriceField;
pub use spo_domain::pricing::strategy::StrategyKind;

/// A pricing rule as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RuleRow {
    /// Local id.
    pub id: String,
    /// What it covers.
    #[sqlx(try_from = "String")]
    pub scope: ScopeKind,
    /// Category (scope `category`).
    pub category_id: Option<String>,
    /// Product (scope `product`).
    pub product_id: Option<String>,
    /// Which strategy.
    #[sqlx(try_from = "String")]
    pub strategy: StrategyKind,
    /// Strategy as JSON (validated by the domain).
    pub params: String,
    /// Minimum price.
    pub min_price_minor: Option<i64>,
    /// Maximum price.
    pub max_price_minor: Option<i64>,
    /// Margin kept over cost, basis points.
    pub min_margin_bps: Option<i64>,
    /// Step limit, basis points.
    pub max_step_bps: Option<i64>,
    /// Daily limit, basis points.
    pub max_daily_bps: Option<i64>,
    /// Cool-down.
    pub cooldown_minutes: Option<i64>,
    /// Price ending.
    pub price_ending: Option<String>,
    /// New rules start in dry run: their decisions always wait for approval.
    pub is_dry_run: bool,
    /// Bumped on every change.
    pub version: i64,
}

/// A rule to set (replaces the live rule of the same scope target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    /// What it covers.
    pub scope: ScopeKind,
    /// Category (scope `category`).
    pub category_id: Option<String>,
    /// Product (scope `product`).
    pub product_id: Option<String>,
    /// Which strategy.
    pub strategy: StrategyKind,
    /// Strategy as JSON.
    pub params: String,
    /// Minimum price.
    pub min_price_minor: Option<i64>,
    /// Maximum price.
    pub max_price_minor: Option<i64>,
    /// Margin kept over cost, basis points.
    pub min_margin_bps: Option<i64>,
    /// Step limit, basis points.
    pub max_step_bps: Option<i64>,
    /// Daily limit, basis points.
    pub max_daily_bps: Option<i64>,
    /// Cool-down.
    pub cooldown_minutes: Option<i64>,
    /// Price ending.
    pub price_ending: Option<String>,
    /// Dry run.
    pub is_dry_run: bool,
}

/// What the optimizer needs of one product.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PricingProduct {
    /// Local id.
    pub id: String,
    /// Salla id.
    pub salla_product_id: i64,
    /// Name.
    pub name: String,
    /// SKU.
    pub sku: Option<String>,
    /// Category (local id).
    pub category_id: Option<String>,
    /// Currency.
    pub currency: String,
    /// Regular price before VAT.
    pub price_minor: i64,
    /// Sale price before VAT, when one is set.
    pub sale_price_minor: Option<i64>,
    /// The sale's last day (`YYYY-MM-DD`).
    pub sale_end: Option<String>,
    /// Cost.
    pub cost_minor: Option<i64>,
    /// Frozen by the loop detector (since when).
    pub pricing_frozen_at: Option<String>,
}

/// One applied change (guardrail history).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppliedChange {
    /// Product.
    pub product_id: String,
    /// When.
    pub applied_at: String,
    /// Before.
    pub old_price_minor: i64,
    /// After.
    pub new_price_minor: i64,
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    /// Product.
    pub product_id: String,
    /// Currency.
    pub currency: String,
    /// Price now.
    pub old_price_minor: i64,
    /// Price proposed (absolute).
    pub new_price_minor: i64,
    /// Which price it writes: the regular price, or the sale price while a sale runs.
    pub price_field: PriceField,
    /// The sale's last day when it writes the sale price (shown as "on sale until …").
    pub sale_end: Option<String>,
    /// What proposed it.
    pub strategy: DecisionStrategy,
    /// Inputs (JSON).
    pub inputs: String,
    /// Guardrails passed and hit (JSON).
    pub guardrails: String,
    /// The risk reviewer's grade.
    pub risk: Risk,
    /// Why, in English.
    pub rationale_en: String,
    /// Why, in Arabic.
    pub rationale_ar: String,
    /// `Proposed`, or `Approved` (automation, rollbacks).
    pub status: DecisionStatus,
    /// Who decided, when approved automatically.
    pub decided_by: Option<String>,
    /// The decision this one rolls back.
    pub rollback_of: Option<String>,
}

/// A decision as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DecisionRow {
    /// Local id.
    pub id: String,
    /// Run.
    pub run_id: Option<String>,
    /// Product.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Product SKU.
    pub product_sku: Option<String>,
    /// Salla id of the product.
    pub salla_product_id: i64,
    /// Currency.
    pub currency: String,
    /// Before.
    pub old_price_minor: i64,
    /// After.
    pub new_price_minor: i64,
    /// Which price it writes.
    #[sqlx(try_from = "String")]
    pub price_field: PriceField,
    /// The sale's last day when it writes the sale price.
    pub sale_end: Option<String>,
    /// What proposed it.
    #[sqlx(try_from = "String")]
    pub strategy: DecisionStrategy,
    /// Inputs (JSON).
    pub inputs: String,
    /// Guardrails (JSON).
    pub guardrails: String,
    /// Risk.
    #[sqlx(try_from = "String")]
    pub risk: Risk,
    /// Why (English).
    pub rationale_en: String,
    /// Why (Arabic).
    pub rationale_ar: String,
    /// State.
    #[sqlx(try_from = "String")]
    pub status: DecisionStatus,
    /// Apply intent.
    pub intent_id: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When decided.
    pub decided_at: Option<String>,
    /// When applied.
    pub applied_at: Option<String>,
    /// What Salla answered.
    pub salla_response: Option<String>,
    /// The decision this one rolls back.
    pub rollback_of: Option<String>,
    /// Created.
    pub created_at: String,
}

/// A run's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// How it ended.
    pub status: RunStatus,
    /// Products looked at.
    pub products_seen: i64,
    /// Decisions recorded.
    pub proposed: i64,
    /// Decisions applied.
    pub applied: i64,
    /// Errors.
    pub errors: i64,
    /// Each step's output (JSON array).
    pub steps: String,
    /// What failed.
    pub error: Option<String>,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunRow {
    /// Local id.
    pub id: String,
    /// What started it.
    #[sqlx(try_from = "String")]
    pub kind: RunKind,
    /// Where it is, or how it ended.
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    /// Start.
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// Products looked at.
    pub products_seen: i64,
    /// Decisions.
    pub proposed: i64,
    /// Its decisions applied to Salla (by the run's executor or approved and applied later).
    pub applied: i64,
    /// Of them, still in place (not rolled back).
    pub still_applied: i64,
    /// Errors.
    pub errors: i64,
    /// Steps (JSON).
    pub steps: String,
    /// What failed.
    pub error: Option<String>,
}

/// One move of a decision ([`Db::transition`]): from one of `from` to `to`, by `actor`.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    /// The states it may leave (each must be allowed to move to `to`).
    pub from: &'a [DecisionStatus],
    /// The state it enters.
    pub to: DecisionStatus,
    /// Who moves it.
    pub actor: Actor,
    /// Why, for the audit log.
    pub reason: Option<&'a str>,
    /// The apply intent (stored when entering `applying`).
    pub intent_id: Option<&'a str>,
    /// What Salla answered (stored when leaving `applying`).
    pub salla_response: Option<&'a str>,
}

impl<'a> Move<'a> {
    /// A move with no reason, intent or answer.
    pub fn new(from: &'a [DecisionStatus], to: DecisionStatus, actor: Actor) -> Self {
        Move { from, to, actor, reason: None, intent_id: None, salla_response: None }
    }

    /// With a reason.
    pub fn because(self, reason: &'a str) -> Self {
        Move { reason: Some(reason), ..self }
    }
}

const DECISION_SELECT: &str = "SELECT d.id, d.run_id, d.product_id, p.name AS product_name, p.sku AS product_sku,
        p.salla_product_id, d.currency, d.old_price_minor, d.new_price_minor, d.price_field, d.sale_end, d.strategy, d.inputs, d.guardrails,
        d.risk, d.rationale_en, d.rationale_ar, d.status, d.intent_id, d.decided_by, d.decided_at, d.applied_at,
        d.salla_response, d.rollback_of, d.created_at
     FROM decisions d JOIN products p ON p.id = d.product_id";

const RULE_COLUMNS: &str = "id, scope, category_id, product_id, strategy, params, min_price_minor, max_price_minor,
        min_margin_bps, max_step_bps, max_daily_bps, cooldown_minutes, price_ending, is_dry_run, version";

async fn insert_decision(
    tx: &mut crate::WriteTx,
    store_id: &str,
    run_id: Option<&str>,
    d: &NewDecision,
    now: &str,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO decisions (id, store_id, run_id, product_id, currency, old_price_minor, new_price_minor,
           strategy, inputs, guardrails, risk, rationale_en, rationale_ar, status, decided_by, decided_at,
           rollback_of, created_at, updated_at, price_field, sale_end)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                 CASE WHEN ?15 IS NULL THEN NULL ELSE ?17 END, ?16, ?17, ?17, ?18, ?19)",
    )
    .bind(&id)
    .bind(store_id)
    .bind(run_id)
    .bind(&d.product_id)
    .bind(&d.currency)
    .bind(d.old_price_minor)
    .bind(d.new_price_minor)
    .bind(d.strategy.as_str())
    .bind(&d.inputs)
    .bind(&d.guardrails)
    .bind(d.risk.as_str())
    .bind(&d.rationale_en)
    .bind(&d.rationale_ar)
    .bind(d.status.as_str())
    .bind(&d.decided_by)
    .bind(&d.rollback_of)
    .bind(now)
    .bind(d.price_field.as_str())
    .bind(&d.sale_end)
    .execute(&mut **tx)
    .await
    .map_err(Error::from_sqlx)?;
    let details = serde_json::json!({
        "product_id": d.product_id, "old": d.old_price_minor, "new": d.new_price_minor, "strategy": d.strategy,
        "status": d.status, "rollback_of": d.rollback_of, "field": d.price_field.as_str(),
    })
    .to_string();
    let actor = d.decided_by.clone().unwrap_or_else(|| Actor::Strategist.as_str().into());
    let entry = AuditEntry {
        store_id: Some(store_id),
        at: now,
        actor: &actor,
        action: "decision.proposed",
        entity: ("decision", Some(&id)),
        reason: None,
        details: &details,
    };
    audit::append(tx, entry).await?;
    Ok(id)
}

impl Db {
    /// Records one decision outside a run (a rollback), audited.
    pub async fn insert_decision(&self, store_id: &str, d: &NewDecision) -> Result<String> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let id = insert_decision(&mut tx, store_id, None, d, &now).await?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(id)
    }

    /// A category of the store by name.
    pub async fn category_id_by_name(&self, store_id: &str, name: &str) -> Result<String> {
        sqlx::query_scalar("SELECT id FROM categories WHERE store_id = ?1 AND name = ?2 ORDER BY id LIMIT 1")
            .bind(store_id)
            .bind(name)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)?
            .ok_or(Error::NotFound)
    }

    /// A store-level setting.
    pub async fn store_setting(&self, store_id: &str, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE store_id = ?1 AND key = ?2")
            .bind(store_id)
            .bind(key)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }

    /// Writes a store-level setting with an audit row.
    pub async fn put_store_setting(&self, store_id: &str, key: &str, value: &str, actor: &str) -> Result<()> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        crate::settings::upsert_setting(&mut tx, Some(store_id), key, value, &now).await?;
        let details = serde_json::json!({ key: value }).to_string();
        let entry = AuditEntry {
            store_id: Some(store_id),
            at: &now,
            actor,
            action: "settings.updated",
            entity: ("settings", None),
            reason: None,
            details: &details,
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Sets the rule of a scope target, replacing (and versioning) the live one. Audited.
    pub async fn set_rule(&self, store_id: &str, r: &NewRule, actor: &str) -> Result<String> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let previous: Option<i64> = sqlx::query_scalar(
            "UPDATE pricing_rules SET deleted_at = ?5, updated_at = ?5
             WHERE store_id = ?1 AND scope = ?2 AND category_id IS ?3 AND product_id IS ?4 AND deleted_at IS NULL
             RETURNING version",
        )
        .bind(store_id)
        .bind(r.scope.as_str())
        .bind(&r.category_id)
        .bind(&r.product_id)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO pricing_rules (id, store_id, scope, category_id, product_id, strategy, params,
               min_price_minor, max_price_minor, min_margin_bps, max_step_bps, max_daily_bps, cooldown_minutes,
               price_ending, is_dry_run, version, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)",
        )
        .bind(&id)
        .bind(store_id)
        .bind(r.scope.as_str())
        .bind(&r.category_id)
        .bind(&r.product_id)
        .bind(r.strategy.as_str())
        .bind(&r.params)
        .bind(r.min_price_minor)
        .bind(r.max_price_minor)
        .bind(r.min_margin_bps)
        .bind(r.max_step_bps)
        .bind(r.max_daily_bps)
        .bind(r.cooldown_minutes)
        .bind(&r.price_ending)
        .bind(r.is_dry_run)
        .bind(previous.unwrap_or(0) + 1)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        let details = serde_json::json!({
            "scope": r.scope, "category_id": r.category_id, "product_id": r.product_id, "strategy": r.params,
            "min": r.min_price_minor, "max": r.max_price_minor, "dry_run": r.is_dry_run,
        })
        .to_string();
        let entry = AuditEntry {
            store_id: Some(store_id),
            at: &now,
            actor,
            action: "rule.set",
            entity: ("pricing_rule", Some(&id)),
            reason: None,
            details: &details,
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(id)
    }

    /// The store's live rules.
    pub async fn rules(&self, store_id: &str) -> Result<Vec<RuleRow>> {
        sqlx::query_as(&format!(
            "SELECT {RULE_COLUMNS} FROM pricing_rules WHERE store_id = ?1 AND deleted_at IS NULL ORDER BY scope, id"
        ))
        .bind(store_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// The store's live products, for the optimizer.
    pub async fn pricing_products(&self, store_id: &str) -> Result<Vec<PricingProduct>> {
        sqlx::query_as(
            "SELECT id, salla_product_id, name, sku, category_id, currency, price_minor, sale_price_minor, sale_end,
                    cost_minor, pricing_frozen_at
             FROM products WHERE store_id = ?1 AND deleted_at IS NULL ORDER BY salla_product_id",
        )
        .bind(store_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// A live product's category (`None`: no such live product; `Some(None)`: no category).
    pub async fn product_category(&self, store_id: &str, product_id: &str) -> Result<Option<Option<String>>> {
        sqlx::query_scalar("SELECT category_id FROM products WHERE store_id = ?1 AND id = ?2 AND deleted_at IS NULL")
            .bind(store_id)
            .bind(product_id)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }

    /// The store's VAT rate in basis points (what turns our pre-VAT prices into shelf prices).
    pub async fn store_vat_bps(&self, store_id: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT vat_bps FROM stores WHERE id = ?1 AND deleted_at IS NULL")
            .bind(store_id)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)?
            .ok_or(Error::NotFound)
    }

    /// Sets the store's VAT rate in basis points (0–10 000).
    pub async fn set_store_vat_bps(&self, store_id: &str, bps: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE stores SET vat_bps = ?2, updated_at = ?3 WHERE id = ?1 AND deleted_at IS NULL")
            .bind(store_id)
            .bind(bps)
            .bind(self.now_text())
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Changes applied since `since` (to every product, or one), oldest first (cool-down, daily
    /// limit, loop detection, the product page's price history).
    pub async fn applied_changes(
        &self,
        store_id: &str,
        since: &str,
        product_id: Option<&str>,
    ) -> Result<Vec<AppliedChange>> {
        sqlx::query_as(
            "SELECT product_id, applied_at, old_price_minor, new_price_minor FROM decisions
             WHERE store_id = ?1 AND applied_at IS NOT NULL AND applied_at >= ?2
               AND status IN ('applied', 'rolled_back') AND (?3 IS NULL OR product_id = ?3)
             ORDER BY applied_at",
        )
        .bind(store_id)
        .bind(since)
        .bind(product_id)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Freezes a product's automation (loop detector) or clears the freeze (`reason: None`).
    pub async fn set_frozen(&self, store_id: &str, product_id: &str, reason: Option<&str>, actor: &str) -> Result<()> {
        let now = self.now_text();
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE products SET pricing_frozen_at = CASE WHEN ?3 IS NULL THEN NULL ELSE ?4 END,
               pricing_frozen_reason = ?3 WHERE id = ?1 AND store_id = ?2",
        )
        .bind(product_id)
        .bind(store_id)
        .bind(reason)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?
        .rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        let entry = AuditEntry {
            store_id: Some(store_id),
            at: &now,
            actor,
            action: if reason.is_some() { "product.frozen" } else { "product.unfrozen" },
            entity: ("product", Some(product_id)),
            reason,
            details: "{}",
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Starts a run.
    pub async fn start_run(&self, store_id: &str, kind: RunKind) -> Result<String> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO optimization_runs (id, store_id, kind, started_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&id)
            .bind(store_id)
            .bind(kind.as_str())
            .bind(self.now_text())
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(id)
    }

    /// Expires the store's decisions still waiting (`proposed` or `approved`, never one being
    /// applied) that were made before `created_before`: a price worked out from an old market is
    /// not written days later. One audit row names them. Returns how many.
    pub async fn expire_stale(&self, store_id: &str, created_before: &str, actor: Actor) -> Result<u64> {
        let now = self.now_text();
        let waiting: Vec<DecisionStatus> = DecisionStatus::ALL.into_iter().filter(|s| s.is_waiting()).collect();
        let mut tx = self.begin_write().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "UPDATE decisions SET status = ?4, updated_at = ?3
             WHERE store_id = ?1 AND status IN (SELECT value FROM json_each(?5)) AND created_at < ?2 RETURNING id",
        )
        .bind(store_id)
        .bind(created_before)
        .bind(&now)
        .bind(DecisionStatus::Expired.as_str())
        .bind(serde_json::to_string(&waiting).map_err(|e| Error::Constraint(e.to_string()))?)
        .fetch_all(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        if !ids.is_empty() {
            let details = serde_json::json!({ "decisions": ids, "created_before": created_before }).to_string();
            let entry = AuditEntry {
                store_id: Some(store_id),
                at: &now,
                actor: actor.as_str(),
                action: "decisions.expired",
                entity: ("decision", None),
                reason: Some("waited too long"),
                details: &details,
            };
            audit::append(&mut tx, entry).await?;
        }
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(u64::try_from(ids.len()).unwrap_or(u64::MAX))
    }

    /// Adds to a finished run's applied / error counts (after its decisions were applied).
    pub async fn count_run_applies(&self, run_id: &str, applied: i64, errors: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE optimization_runs SET applied = applied + ?2, errors = errors + ?3 WHERE id = ?1")
            .bind(run_id)
            .bind(applied)
            .bind(errors)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// The store's recent runs, newest first.
    pub async fn runs(&self, store_id: &str, limit: i64) -> Result<Vec<RunRow>> {
        sqlx::query_as(
            "SELECT r.id, r.kind, r.status, r.started_at, r.finished_at, r.products_seen, r.proposed,
                    (SELECT count(*) FROM decisions d WHERE d.run_id = r.id AND d.applied_at IS NOT NULL) AS applied,
                    (SELECT count(*) FROM decisions d WHERE d.run_id = r.id AND d.status = 'applied') AS still_applied,
                    r.errors, r.steps, r.error
             FROM optimization_runs r WHERE r.store_id = ?1 ORDER BY r.started_at DESC LIMIT ?2",
        )
        .bind(store_id)
        .bind(limit)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// The store's decisions, optionally of some states, newest first.
    pub async fn decisions(&self, store_id: &str, statuses: &[DecisionStatus]) -> Result<Vec<DecisionRow>> {
        let all = statuses.is_empty();
        let list = serde_json::to_string(statuses).map_err(|e| Error::Constraint(e.to_string()))?;
        sqlx::query_as(&format!(
            "{DECISION_SELECT} WHERE d.store_id = ?1 AND (?2 OR d.status IN (SELECT value FROM json_each(?3)))
             ORDER BY d.created_at DESC, d.id DESC"
        ))
        .bind(store_id)
        .bind(all)
        .bind(list)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// A run's first `limit` decisions, in the order they were recorded (the run index's order:
    /// the first page of a 100,000-decision run reads its first rows, not all of them to sort).
    pub async fn run_decisions(&self, store_id: &str, run_id: &str, limit: i64) -> Result<Vec<DecisionRow>> {
        sqlx::query_as(&format!("{DECISION_SELECT} WHERE d.store_id = ?1 AND d.run_id = ?2 ORDER BY d.rowid LIMIT ?3"))
            .bind(store_id)
            .bind(run_id)
            .bind(limit)
            .fetch_all(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }

    /// One decision of the store.
    pub async fn decision(&self, store_id: &str, id: &str) -> Result<DecisionRow> {
        sqlx::query_as(&format!("{DECISION_SELECT} WHERE d.store_id = ?1 AND d.id = ?2"))
            .bind(store_id)
            .bind(id)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)?
            .ok_or_else(|| Error::Missing(format!("no decision with id {id:?} in this store")))
    }

    /// Moves a decision as `m` says, with an audit row. Returns false (and changes nothing) when it
    /// was not in one of `m.from`. A move the lifecycle does not allow is refused outright.
    pub async fn transition(&self, store_id: &str, id: &str, m: &Move<'_>) -> Result<bool> {
        if let Some(bad) = m.from.iter().find(|f| !f.can_move_to(m.to)) {
            return Err(Error::Constraint(format!("a decision cannot move from {bad} to {}", m.to)));
        }
        let now = self.now_text();
        let from_list = serde_json::to_string(m.from).map_err(|e| Error::Constraint(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE decisions SET status = ?4, updated_at = ?5,
               intent_id = coalesce(?6, intent_id),
               salla_response = coalesce(?7, salla_response),
               decided_by = CASE WHEN ?9 THEN ?8 ELSE decided_by END,
               decided_at = CASE WHEN ?9 THEN ?5 ELSE decided_at END,
               applied_at = CASE WHEN ?10 THEN ?5 ELSE applied_at END
             WHERE id = ?1 AND store_id = ?2 AND status IN (SELECT value FROM json_each(?3))",
        )
        .bind(id)
        .bind(store_id)
        .bind(&from_list)
        .bind(m.to.as_str())
        .bind(&now)
        .bind(m.intent_id)
        .bind(m.salla_response)
        .bind(m.actor.as_str())
        .bind(m.to.is_a_decision())
        .bind(m.to == DecisionStatus::Applied)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let action = format!("decision.{}", m.to);
        let details = serde_json::json!({ "intent_id": m.intent_id, "salla_response": m.salla_response }).to_string();
        let entry = AuditEntry {
            store_id: Some(store_id),
            at: &now,
            actor: m.actor.as_str(),
            action: &action,
            entity: ("decision", Some(id)),
            reason: m.reason,
            details: &details,
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(true)
    }

    /// Records a price Salla confirmed for a product locally (after an apply or a rollback), in
    /// the field the decision wrote.
    pub async fn set_local_price(
        &self,
        store_id: &str,
        product_id: &str,
        field: PriceField,
        price_minor: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let column = match field {
            PriceField::Price => "price_minor",
            PriceField::SalePrice => "sale_price_minor",
        };
        sqlx::query(&format!("UPDATE products SET {column} = ?3, updated_at = ?4 WHERE id = ?1 AND store_id = ?2"))
            .bind(product_id)
            .bind(store_id)
            .bind(price_minor)
            .bind(self.now_text())
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Audit rows about one entity, oldest first: (action, actor, details).
    pub async fn audit_of(&self, entity_id: &str) -> Result<Vec<(String, String, String)>> {
        sqlx::query_as("SELECT action, actor, details FROM audit_log WHERE entity_id = ?1 ORDER BY at, rowid")
            .bind(entity_id)
            .fetch_all(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }
}
