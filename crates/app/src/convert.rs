//! domain <-> IPC conversions (only here, per the dependency rules).

use spo_domain::prefs::{Language, Preferences, Theme};
use spo_domain::store::{Store, StoreStatus};
use spo_ipc as ipc;

pub(crate) fn settings_to_ipc(p: Preferences) -> ipc::Settings {
    ipc::Settings {
        language: match p.language {
            Language::Arabic => ipc::Language::Ar,
            Language::English => ipc::Language::En,
        },
        theme: match p.theme {
            Theme::System => ipc::Theme::System,
            Theme::Light => ipc::Theme::Light,
            Theme::Dark => ipc::Theme::Dark,
        },
    }
}

pub(crate) fn language_from_ipc(l: ipc::Language) -> Language {
    match l {
        ipc::Language::Ar => Language::Arabic,
        ipc::Language::En => Language::English,
    }
}

pub(crate) fn theme_from_ipc(t: ipc::Theme) -> Theme {
    match t {
        ipc::Theme::System => Theme::System,
        ipc::Theme::Light => Theme::Light,
        ipc::Theme::Dark => Theme::Dark,
    }
}

pub(crate) fn store_to_ipc(s: Store) -> ipc::StoreSummary {
    ipc::StoreSummary {
        id: s.id,
        name: s.name,
        domain: s.domain,
        status: match s.status {
            StoreStatus::Active => ipc::StoreStatus::Active,
            StoreStatus::NeedsReconnect => ipc::StoreStatus::NeedsReconnect,
            StoreStatus::Disconnected => ipc::StoreStatus::Disconnected,
        },
        is_demo: s.is_demo,
    }
}

pub(crate) fn product_to_ipc(p: spo_store::ProductRow, today: &str) -> ipc::ProductItem {
    // Only a sale that runs today is shown.
    let shelf = spo_domain::pricing::shelf::Shelf {
        regular_minor: p.price_minor,
        sale_minor: p.sale_price_minor,
        sale_end: p.sale_end.clone(),
    };
    let sale = shelf.active_sale(today);
    ipc::ProductItem {
        sale_price_minor: sale,
        sale_end: sale.and(p.sale_end),
        id: p.id,
        salla_id: p.salla_product_id,
        name: p.name,
        sku: p.sku,
        status: p.status,
        category: p.category,
        currency: p.currency,
        price_minor: p.price_minor,
        cost_minor: p.cost_minor,
        quantity: p.quantity,
        variants: u32::try_from(p.variants).unwrap_or(0),
        units30d: u64::try_from(p.units_30d).unwrap_or(0),
    }
}
