//! The pricing loop's use cases, one file each: rules ([`rules`]), the optimization run
//! ([`optimize`]: snapshot → the domain's pure `plan` → records), the words of a decision
//! ([`rationale`]), the approval queue ([`queue`]), apply with a durable intent and read-back
//! ([`apply`]), and rollback ([`rollback`]). The kill switch and the automation mode live here.

mod apply;
mod optimize;
mod queue;
mod rationale;
pub(crate) use rationale::words_of;
mod rollback;
mod rules;

use spo_domain::pricing::plan::AutomationMode;
use spo_domain::pricing::shelf::PriceField;
use spo_ipc as ipc;

use crate::{App, Result};

pub(crate) use queue::decision_to_ipc;
pub use rationale::breaker_text;

/// Device setting: the global kill switch (`on` / `off`).
const KEY_KILL_SWITCH: &str = "pricing.kill_switch";
/// Store setting: the automation mode.
const KEY_MODE: &str = "pricing.mode";
/// Decisions waiting longer than this (proposed or approved, not applied) expire: the market
/// they were worked out from has moved on.
pub const DECISION_TTL_SECS: i64 = 72 * 3600;

pub(crate) fn price_field_kind(f: PriceField) -> ipc::PriceFieldKind {
    match f {
        PriceField::Price => ipc::PriceFieldKind::Price,
        PriceField::SalePrice => ipc::PriceFieldKind::SalePrice,
    }
}

fn mode_to_ipc(m: AutomationMode) -> ipc::AutomationMode {
    match m {
        AutomationMode::Manual => ipc::AutomationMode::Manual,
        AutomationMode::SemiAutomatic => ipc::AutomationMode::SemiAutomatic,
        AutomationMode::Automatic => ipc::AutomationMode::Automatic,
    }
}

fn mode_from_ipc(m: ipc::AutomationMode) -> AutomationMode {
    match m {
        ipc::AutomationMode::Manual => AutomationMode::Manual,
        ipc::AutomationMode::SemiAutomatic => AutomationMode::SemiAutomatic,
        ipc::AutomationMode::Automatic => AutomationMode::Automatic,
    }
}

impl App {
    /// The global kill switch: when on, nothing is written to any store.
    pub async fn kill_switch(&self) -> Result<bool> {
        let pairs = self.db().device_settings().await?;
        Ok(pairs.iter().any(|(k, v)| k == KEY_KILL_SWITCH && v == "on"))
    }

    /// Turns the kill switch on or off (audited). Writes in flight finish their one call; no new
    /// one starts.
    #[tracing::instrument(skip_all, err)]
    pub async fn set_kill_switch(&self, on: bool) -> Result<bool> {
        self.ensure_may_write(false).await?;
        self.db().put_device_settings(&[(KEY_KILL_SWITCH, if on { "on" } else { "off" })], "user:local").await?;
        self.local_change();
        self.kill_switch().await
    }

    /// A store's automation mode (manual unless set).
    pub async fn automation_mode(&self, store_id: &str) -> Result<ipc::AutomationMode> {
        Ok(mode_to_ipc(self.mode(store_id).await?))
    }

    async fn mode(&self, store_id: &str) -> Result<AutomationMode> {
        Ok(self
            .db()
            .store_setting(store_id, KEY_MODE)
            .await?
            .as_deref()
            .map_or(AutomationMode::Manual, AutomationMode::parse))
    }

    /// Sets a store's automation mode (audited).
    #[tracing::instrument(skip_all, err)]
    pub async fn set_automation_mode(&self, store_id: &str, mode: ipc::AutomationMode) -> Result<ipc::AutomationMode> {
        self.ensure_may_write(false).await?;
        self.db().store(store_id).await?;
        self.db().put_store_setting(store_id, KEY_MODE, mode_from_ipc(mode).as_str(), "user:local").await?;
        self.local_change();
        self.automation_mode(store_id).await
    }
}
