//! The import controls of the active store and the words of an import's summary.

use spo_ipc::{Language, SyncPhase, SyncSummary};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::hooks::{start_import, use_store};
use crate::i18n::{self, tr, T};
use crate::state::Action;
use crate::{api, icons};

/// The toast title of a finished import.
pub fn import_title(s: &SyncSummary) -> T {
    match (s.cancelled, s.phase) {
        (true, _) => T::ImportStopped,
        (false, SyncPhase::Catalog) => T::ImportDoneProducts,
        (false, SyncPhase::Orders) => T::ImportDoneOrders,
    }
}

/// "12 written · 228 unchanged" or "540 orders · 812 lines", in the UI language.
pub fn import_detail(lang: Language, s: &SyncSummary) -> String {
    let n = |v: u32, t: T| format!("{} {}", i18n::digits(lang, &v.to_string()), tr(lang, t));
    let mut parts = match s.phase {
        SyncPhase::Catalog => vec![n(s.imported, T::SummaryWritten), n(s.unchanged, T::SummaryUnchanged)],
        SyncPhase::Orders => vec![n(s.imported, T::SummaryOrders), n(s.order_lines, T::SummaryLines)],
    };
    if s.removed > 0 {
        parts.push(n(s.removed, T::SummaryRemoved));
    }
    if s.skipped > 0 {
        parts.push(n(s.skipped, T::SummarySkipped));
    }
    parts.join(i18n::list_sep(lang))
}

/// The import controls of the active store: "sync products" and "import orders", or a progress
/// bar with a cancel button while an import runs.
#[component]
pub fn ImportBar() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let Some(active) = store.active().cloned() else {
        return html! {};
    };
    if let Some(import) = store.import_of(&active.id).cloned() {
        let cancel = {
            let store = store.clone();
            let id = active.id.clone();
            Callback::from(move |_: MouseEvent| {
                store.dispatch(Action::ImportCancelling(id.clone()));
                let (store, id) = (store.clone(), id.clone());
                spawn_local(async move {
                    if let Err(e) = api::cancel_sync(id).await {
                        store.dispatch(Action::Error(e));
                    }
                });
            })
        };
        let label =
            tr(lang, if import.phase == SyncPhase::Catalog { T::ImportingProducts } else { T::ImportingOrders });
        let count = match import.total {
            Some(t) => {
                format!("{} / {}", i18n::digits(lang, &import.done.to_string()), i18n::digits(lang, &t.to_string()))
            }
            None => i18n::digits(lang, &import.done.to_string()),
        };
        let (max, value) = match import.total {
            Some(t) if t > 0 => (t.to_string(), import.done.min(t).to_string()),
            _ => (String::new(), String::new()),
        };
        return html! {
            <div class="import-bar" id="import-bar" role="status" data-phase={if import.phase == SyncPhase::Catalog { "catalog" } else { "orders" }}>
                <div class="import-bar__text">
                    <span>{ label }</span>
                    <bdi class="muted" id="import-count">{ count }</bdi>
                </div>
                if max.is_empty() {
                    <progress id="import-progress" class="import-bar__progress" aria-label={label} />
                } else {
                    <progress id="import-progress" class="import-bar__progress" aria-label={label} max={max} value={value} />
                }
                <button id="import-cancel" class="btn btn--ghost" disabled={import.cancelling}
                        onclick={cancel}>{ tr(lang, if import.cancelling { T::ImportStopping } else { T::Cancel }) }</button>
            </div>
        };
    }
    let start = |phase: SyncPhase| {
        let store = store.clone();
        let id = active.id.clone();
        Callback::from(move |_: MouseEvent| start_import(&store, id.clone(), phase))
    };
    html! {
        <div class="import-actions">
            <button id="products-sync" class="btn btn--secondary" onclick={start(SyncPhase::Catalog)}>
                { icons::refresh() }
                <span>{ tr(lang, T::SyncProducts) }</span>
            </button>
            <button id="orders-sync" class="btn btn--secondary" onclick={start(SyncPhase::Orders)}>
                { icons::refresh() }
                <span>{ tr(lang, T::ImportOrders) }</span>
            </button>
        </div>
    }
}
