//! The Competitors screen: every tracked page of the store, failing ones first, with the last
//! price read, its availability and, when something went wrong, why — in words.

use spo_ipc::{Listing, NewListingRequest, PageStatus};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{input_value, use_store, OrToast};
use crate::i18n::{money, tr, T};
use crate::state::Action;

fn status_text(status: Option<PageStatus>) -> T {
    use PageStatus as P;
    match status {
        None => T::ListingNotChecked,
        Some(P::Ok) => T::ListingOk,
        Some(P::NotModified) => T::ListingUnchanged,
        Some(P::BlockedByRobots) => T::ListingRobots,
        Some(P::NoPrice | P::NoCurrency | P::UnreadablePrice) => T::ListingNoPrice,
        Some(P::Ambiguous) => T::ListingAmbiguous,
        Some(P::Timeout) => T::ListingTimeout,
        Some(P::ForbiddenAddress | P::NotHttps) => T::ListingForbidden,
        Some(P::PageGone) => T::ListingGone,
        Some(P::RateLimited) => T::ListingSlowDown,
        Some(P::InvalidUrl | P::TooManyRedirects | P::TooLarge | P::HttpError | P::Unreachable | P::BadSelector) => {
            T::ListingFailed
        }
    }
}

/// A listing's status as a pill: its class and its words.
pub(crate) fn listing_status(lang: spo_ipc::Language, status: Option<PageStatus>) -> (&'static str, &'static str) {
    let pill = match status {
        None => "pill pill--warn",
        Some(s) if s.is_fine() => "pill pill--ok",
        Some(_) => "pill pill--fail",
    };
    (pill, tr(lang, status_text(status)))
}

/// A listing's stock status in words (none when the page does not say).
pub(crate) fn availability_text(lang: spo_ipc::Language, a: Option<spo_ipc::Availability>) -> Option<&'static str> {
    match a? {
        spo_ipc::Availability::InStock => Some(tr(lang, T::AvailIn)),
        spo_ipc::Availability::OutOfStock => Some(tr(lang, T::AvailOut)),
        spo_ipc::Availability::Unknown => None,
    }
}

/// A stored UTC time (RFC 3339) in the computer's local time, `YYYY-MM-DD HH:MM`.
pub(crate) fn local_time(utc: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(utc));
    if d.get_time().is_nan() {
        return utc.to_owned();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// The screen.
#[component]
pub fn CompetitorsPage() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let active = store.active().cloned();
    let rows = use_state(Vec::<Listing>::new);
    let sku = use_state(String::new);
    let url = use_state(String::new);
    let name = use_state(String::new);
    let match_sku = use_state(String::new);
    let match_gtin = use_state(String::new);
    let selector = use_state(String::new);
    let busy = use_state(|| None::<String>);
    let reload = {
        let rows = rows.clone();
        let store = store.clone();
        Callback::from(move |store_id: String| {
            let (rows, store) = (rows.clone(), store.clone());
            spawn_local(async move {
                if let Some(list) = api::list_listings(store_id).await.or_toast(&store) {
                    rows.set(list);
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with(active.as_ref().map(|s| s.id.clone()), move |id| {
            if let Some(id) = id.clone() {
                reload.emit(id);
            }
        });
    }
    let Some(active) = active else {
        return html! {
            <section class="page" id="page-competitors"><h1>{ tr(lang, T::NavCompetitors) }</h1><p class="muted">{ tr(lang, T::CompetitorsEmpty) }</p></section>
        };
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    let add = {
        let (sku, url, name, store, reload) = (sku.clone(), url.clone(), name.clone(), store.clone(), reload.clone());
        let (match_sku, match_gtin, selector) = (match_sku.clone(), match_gtin.clone(), selector.clone());
        let store_id = active.id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = NewListingRequest {
                store_id: store_id.clone(),
                product: (*sku).trim().to_owned(),
                url: (*url).trim().to_owned(),
                name: Some((*name).trim().to_owned()).filter(|n| !n.is_empty()),
                match_sku: Some((*match_sku).trim().to_owned()).filter(|s| !s.is_empty()),
                match_gtin: Some((*match_gtin).trim().to_owned()).filter(|s| !s.is_empty()),
                selector: Some((*selector).trim().to_owned()).filter(|s| !s.is_empty()),
            };
            let (store, reload, url, store_id) = (store.clone(), reload.clone(), url.clone(), store_id.clone());
            spawn_local(async move {
                if api::add_listing(request).await.or_toast(&store).is_some() {
                    url.set(String::new());
                    reload.emit(store_id);
                }
            });
        })
    };
    let act = |listing_id: String, confirm: bool| {
        let (rows, store, busy) = (rows.clone(), store.clone(), busy.clone());
        let store_id = active.id.clone();
        Callback::from(move |_: MouseEvent| {
            if busy.is_some() {
                return;
            }
            busy.set(Some(listing_id.clone()));
            let (rows, store, busy, store_id, listing_id) =
                (rows.clone(), store.clone(), busy.clone(), store_id.clone(), listing_id.clone());
            spawn_local(async move {
                let result = if confirm {
                    api::confirm_listing_price(store_id, listing_id).await
                } else {
                    api::check_listing(store_id, listing_id).await
                };
                if let Some(updated) = result.or_toast(&store) {
                    let next =
                        rows.iter().map(|r| if r.id == updated.id { updated.clone() } else { r.clone() }).collect();
                    rows.set(next);
                }
                busy.set(None);
            });
        })
    };
    let open = |product_id: String| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::OpenProduct(product_id.clone())))
    };
    html! {
        <section class="page page--wide" id="page-competitors">
            <header class="page__header">
                <div>
                    <h1>{ tr(lang, T::NavCompetitors) }</h1>
                    <p class="muted">{ tr(lang, T::CompetitorsHelp) }</p>
                </div>
            </header>
            <form class="card listing-form" id="listing-form" onsubmit={add}>
                <label>{ tr(lang, T::FieldProductSku) }<input class="input" id="listing-sku" dir="ltr" required=true value={(*sku).clone()} oninput={bind(&sku)} /></label>
                <label class="listing-form__url">{ tr(lang, T::FieldPageUrl) }<input class="input" id="listing-url" type="url" dir="ltr" required=true placeholder="https://" value={(*url).clone()} oninput={bind(&url)} /></label>
                <label>{ tr(lang, T::FieldCompetitorName) }<input class="input" id="listing-name" value={(*name).clone()} oninput={bind(&name)} /></label>
                <button type="submit" class="btn btn--primary" id="listing-add">{ tr(lang, T::TrackPage) }</button>
                <details class="listing-form__more">
                    <summary>{ tr(lang, T::MoreOptions) }</summary>
                    <label>{ tr(lang, T::FieldTheirSku) }<input class="input" id="listing-match-sku" dir="ltr" value={(*match_sku).clone()} oninput={bind(&match_sku)} /></label>
                    <label>{ tr(lang, T::FieldTheirGtin) }<input class="input" id="listing-match-gtin" dir="ltr" inputmode="numeric" value={(*match_gtin).clone()} oninput={bind(&match_gtin)} /></label>
                    <label>{ tr(lang, T::FieldSelector) }<input class="input" id="listing-selector" dir="ltr" placeholder=".price" value={(*selector).clone()} oninput={bind(&selector)} /></label>
                </details>
            </form>
            <div class="card table-card">
                <table class="table" id="listings-table">
                    <thead><tr>
                        <th>{ tr(lang, T::ColProduct) }</th>
                        <th>{ tr(lang, T::ColCompetitor) }</th>
                        <th class="num">{ tr(lang, T::ColTheirPrice) }</th>
                        <th>{ tr(lang, T::ColStatus) }</th>
                        <th>{ tr(lang, T::ColChecked) }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        { for rows.iter().map(|l| {
                            let (pill, status) = listing_status(lang, l.last_status);
                            let price = match (l.last_amount_minor, l.last_currency.as_deref()) {
                                (Some(m), Some(c)) => money(lang, m, c),
                                _ => "—".into(),
                            };
                            let availability = availability_text(lang, l.last_availability);
                            let checking = busy.as_deref() == Some(l.id.as_str());
                            html! {
                                <tr key={l.id.clone()} data-listing-id={l.id.clone()} data-status={l.last_status.map_or("", PageStatus::as_str)}>
                                    <td class="table__name"><button class="link product-link" onclick={open(l.product_id.clone())}><bdi>{ &l.product_name }</bdi></button><div class="muted mono"><bdi>{ l.product_sku.clone().unwrap_or_default() }</bdi></div></td>
                                    <td><bdi>{ &l.competitor_name }</bdi><div class="muted mono listing-url" dir="ltr" title={l.url.clone()}>{ &l.url }</div></td>
                                    <td class="num listing-price">{ price }
                                        if l.last_suspicious {
                                            <div><span class="pill pill--warn">{ tr(lang, T::Unconfirmed) }</span></div>
                                            <button class="btn btn--ghost listing-confirm" disabled={busy.is_some()}
                                                    onclick={act(l.id.clone(), true)}>{ tr(lang, T::ConfirmPrice) }</button>
                                        }
                                        if let Some(a) = availability { <div class="muted">{ a }</div> }
                                        if let Some(e) = l.last_evidence.clone() {
                                            <details class="listing-evidence"><summary>{ tr(lang, T::Evidence) }</summary><code dir="ltr">{ e }</code></details>
                                        }
                                    </td>
                                    <td><span class={pill} title={l.last_error.clone().unwrap_or_default()}>{ status }</span></td>
                                    <td class="muted"><bdi dir="ltr">{ l.last_checked_at.as_deref().map(local_time).unwrap_or_default() }</bdi></td>
                                    <td><button class="btn btn--secondary listing-check" disabled={busy.is_some()} onclick={act(l.id.clone(), false)}>
                                        { tr(lang, if checking { T::Checking } else { T::CheckNow }) }
                                    </button></td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if rows.is_empty() { <p class="table__empty muted">{ tr(lang, T::NoListings) }</p> }
            </div>
        </section>
    }
}
