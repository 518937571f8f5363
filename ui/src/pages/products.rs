//! The Products screen: filters, sort, search and pages of the catalogue.

use spo_ipc::{Language, ProductItem, ProductQuery, ProductSort};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::connect::ConnectActions;
use crate::format::sale_label;
use crate::hooks::{use_store, OrToast};
use crate::i18n::{digits, money, tr, T};
use crate::import_bar::ImportBar;
use crate::state::Action;
use crate::{api, icons};

#[derive(Clone, Copy, PartialEq)]
enum Icon {
    Products,
}

#[derive(Properties, PartialEq)]
struct EmptyProps {
    title: T,
    message: T,
    icon: Icon,
}

#[component]
fn EmptyPage(props: &EmptyProps) -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let icon = match props.icon {
        Icon::Products => icons::products(),
    };
    html! {
        <section class="page">
            <header class="page__header"><h1>{ tr(lang, props.title) }</h1></header>
            <div class="empty card">
                <div class="empty__icon">{ icon }</div>
                <h2>{ tr(lang, props.message) }</h2>
                <p>{ tr(lang, T::EmptyNeedsStore) }</p>
                <ConnectActions />
            </div>
        </section>
    }
}

/// Filters and sort of the Products screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ListFilter {
    category: Option<String>,
    status: Option<String>,
    sort: ProductSort,
    descending: bool,
}

fn sort_slug(key: ProductSort) -> &'static str {
    match key {
        ProductSort::Name => "name",
        ProductSort::Price => "price",
        ProductSort::Margin => "margin",
        ProductSort::Stock => "stock",
    }
}

/// Rows fetched per request; "Show more" fetches the next batch.
const PRODUCT_PAGE: u32 = 200;

fn status_label(status: &str) -> Option<T> {
    match status {
        "sale" => Some(T::StatusSale),
        "out" => Some(T::StatusOut),
        "hidden" => Some(T::StatusHidden),
        _ => None,
    }
}

/// A whole percentage as written in the language: "39%" / "٣٩٪" (Arabic percent sign U+066A).
fn percent(lang: Language, value: i64) -> String {
    match lang {
        Language::En => format!("{value}%"),
        Language::Ar => format!("{}\u{066A}", digits(lang, &value.to_string())),
    }
}

/// Gross margin of price over cost in whole percent, when both are known and the price is positive.
fn margin_percent(price_minor: i64, cost_minor: Option<i64>) -> Option<i64> {
    let cost = cost_minor?;
    (price_minor > 0).then(|| (price_minor - cost) * 100 / price_minor)
}

/// The products list, or one product's page when one is open.
#[component]
pub(super) fn ProductsRoute() -> Html {
    let store = use_store();
    match store.open_product.clone() {
        Some(id) => html! { <crate::product::ProductPage {id} /> },
        None => html! { <ProductsPage /> },
    }
}

#[component]
fn ProductsPage() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let active = store.active().cloned();
    let open_product = |id: String| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::OpenProduct(id.clone())))
    };
    let search = use_state(String::new);
    let filter = use_state(ListFilter::default);
    let categories = use_state(Vec::<String>::new);
    let rows = use_state(Vec::<ProductItem>::new);
    let total = use_state(|| None::<u64>);
    let loading = use_state(|| false);

    // Responses can arrive out of order (a reload after an import racing a filter change): only
    // the latest request may fill the table.
    let latest = use_mut_ref(|| 0u64);
    let load = {
        let rows = rows.clone();
        let total = total.clone();
        let loading = loading.clone();
        let store = store.clone();
        let filter = filter.clone();
        let latest = latest.clone();
        Callback::from(move |(store_id, text, offset): (String, String, u32)| {
            let f = (*filter).clone();
            let rows = rows.clone();
            let total = total.clone();
            let loading = loading.clone();
            let store = store.clone();
            let latest = latest.clone();
            let ticket = {
                let mut n = latest.borrow_mut();
                *n += 1;
                *n
            };
            loading.set(true);
            spawn_local(async move {
                let query = ProductQuery {
                    store_id,
                    search: text,
                    limit: PRODUCT_PAGE,
                    offset,
                    category: f.category,
                    status: f.status,
                    sort: f.sort,
                    descending: f.descending,
                };
                let result = api::list_products(query).await;
                if *latest.borrow() != ticket {
                    return;
                }
                if let Some(page) = result.or_toast(&store) {
                    let mut next = if offset == 0 { Vec::new() } else { (*rows).clone() };
                    next.extend(page.items);
                    rows.set(next);
                    total.set(Some(page.total));
                }
                loading.set(false);
            });
        })
    };
    {
        let load = load.clone();
        let key = (active.as_ref().map(|s| s.id.clone()), (*search).clone(), (*filter).clone(), store.data_version);
        use_effect_with(key, move |(id, text, _, _)| {
            if let Some(id) = id {
                load.emit((id.clone(), text.clone(), 0));
            }
        });
    }
    {
        let categories = categories.clone();
        let store = store.clone();
        use_effect_with((active.as_ref().map(|s| s.id.clone()), store.data_version), move |(id, _)| {
            if let Some(id) = id.clone() {
                spawn_local(async move {
                    if let Some(list) = api::list_categories(id).await.or_toast(&store) {
                        categories.set(list);
                    }
                });
            }
        });
    }

    let Some(active) = active else {
        return html! { <EmptyPage title={T::NavProducts} message={T::ProductsEmpty} icon={Icon::Products} /> };
    };
    let oninput = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            search.set(input.value());
        })
    };
    let more = {
        let load = load.clone();
        let id = active.id.clone();
        let text = (*search).clone();
        let offset = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        Callback::from(move |_: MouseEvent| load.emit((id.clone(), text.clone(), offset)))
    };
    let on_category = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let value = select.value();
            filter.set(ListFilter { category: (!value.is_empty()).then_some(value), ..(*filter).clone() });
        })
    };
    let on_status = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let value = select.value();
            filter.set(ListFilter { status: (!value.is_empty()).then_some(value), ..(*filter).clone() });
        })
    };
    let header = |key: ProductSort, label: T, numeric: bool| {
        let active_key = filter.sort == key;
        let current_descending = filter.descending;
        let filter = filter.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let descending = if filter.sort == key { !filter.descending } else { key != ProductSort::Name };
            filter.set(ListFilter { sort: key, descending, ..(*filter).clone() });
        });
        let arrow = if !active_key {
            ""
        } else if current_descending {
            " ↓"
        } else {
            " ↑"
        };
        let sort_attr = if !active_key {
            "none"
        } else if current_descending {
            "descending"
        } else {
            "ascending"
        };
        html! {
            <th class={classes!(numeric.then_some("num"))} aria-sort={sort_attr}>
                <button class="th-sort" id={format!("sort-{}", sort_slug(key))} {onclick}>{ tr(lang, label) }{ arrow }</button>
            </th>
        }
    };
    let count = total.map(|t| format!("{} {}", digits(lang, &t.to_string()), tr(lang, T::ProductsCount)));
    let has_more = total.is_some_and(|t| (rows.len() as u64) < t);
    html! {
        <section class="page page--wide" id="page-products">
            <header class="page__header">
                <div>
                    <h1>{ tr(lang, T::NavProducts) }</h1>
                    <p class="muted"><bdi>{ &active.name }</bdi>{ crate::i18n::list_sep(lang) }<bdi id="products-total">{ count.unwrap_or_default() }</bdi></p>
                </div>
                <div class="page__actions">
                    <select id="products-category" class="input input--select" onchange={on_category}>
                        <option value="" selected={filter.category.is_none()}>{ tr(lang, T::AllCategories) }</option>
                        { for categories.iter().map(|c| html! {
                            <option value={c.clone()} selected={filter.category.as_deref() == Some(c.as_str())}>{ c }</option>
                        }) }
                    </select>
                    <select id="products-status" class="input input--select" onchange={on_status}>
                        <option value="" selected={filter.status.is_none()}>{ tr(lang, T::AllStatuses) }</option>
                        { for ["sale", "out", "hidden"].iter().map(|st| html! {
                            <option value={*st} selected={filter.status.as_deref() == Some(*st)}>
                                { status_label(st).map(|t| tr(lang, t)).unwrap_or(st) }
                            </option>
                        }) }
                    </select>
                    <input id="products-search" class="input" type="search" placeholder={tr(lang, T::ProductsSearch)}
                           value={(*search).clone()} {oninput} />
                    <ImportBar />
                </div>
            </header>
            <div class="card table-card">
                <table class="table" id="products-table" aria-busy={loading.to_string()}>
                    <thead>
                        <tr>
                            { header(ProductSort::Name, T::ColName, false) }
                            <th>{ tr(lang, T::ColSku) }</th>
                            <th>{ tr(lang, T::ColCategory) }</th>
                            { header(ProductSort::Price, T::ColPrice, true) }
                            <th class="num">{ tr(lang, T::ColCost) }</th>
                            { header(ProductSort::Margin, T::ColMargin, true) }
                            { header(ProductSort::Stock, T::ColStock, true) }
                            <th class="num">{ tr(lang, T::ColSold30) }</th>
                            <th>{ tr(lang, T::ColStatus) }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.iter().map(|p| {
                            let status = status_label(&p.status).map_or(p.status.clone(), |t| tr(lang, t).to_owned());
                            let status_class = match p.status.as_str() { "sale" => "pill pill--ok", "out" => "pill pill--fail", _ => "pill pill--warn" };
                            html! {
                                <tr key={p.id.clone()} data-salla-id={p.salla_id.to_string()}>
                                    <td class="table__name">
                                        <button class="link product-link" onclick={open_product(p.id.clone())}><bdi>{ &p.name }</bdi></button>
                                        if p.variants > 0 {
                                            <span class="tag">{ format!("{} {}", digits(lang, &p.variants.to_string()), tr(lang, T::VariantsWord)) }</span>
                                        }
                                    </td>
                                    <td><bdi class="mono">{ p.sku.clone().unwrap_or_default() }</bdi></td>
                                    <td><bdi>{ p.category.clone().unwrap_or_default() }</bdi></td>
                                    <td class="num">
                                        if let Some(sale) = p.sale_price_minor {
                                            { money(lang, sale, &p.currency) }
                                            <div class="muted"><s>{ money(lang, p.price_minor, &p.currency) }</s></div>
                                            <div><span class="pill pill--warn product-sale">{ sale_label(lang, p.sale_end.as_deref()) }</span></div>
                                        } else {
                                            { money(lang, p.price_minor, &p.currency) }
                                        }
                                    </td>
                                    <td class="num">{ p.cost_minor.map(|c| money(lang, c, &p.currency)).unwrap_or_default() }</td>
                                    <td class="num">{ margin_percent(p.sale_price_minor.unwrap_or(p.price_minor), p.cost_minor).map(|m| percent(lang, m)).unwrap_or_default() }</td>
                                    <td class="num">{ p.quantity.map(|q| digits(lang, &q.to_string())).unwrap_or_default() }</td>
                                    <td class="num">{ digits(lang, &p.units30d.to_string()) }</td>
                                    <td><span class={status_class}>{ status }</span></td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if total.is_some_and(|t| t == 0) {
                    <p class="table__empty muted">{ tr(lang, T::NoMatches) }</p>
                }
                if has_more {
                    <div class="table__more">
                        <button id="products-more" class="btn btn--secondary" disabled={*loading} onclick={more}>{ tr(lang, T::ShowMore) }</button>
                    </div>
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{margin_percent, percent};
    use crate::format::human_bytes;
    use spo_ipc::Language;

    #[test]
    fn percentages_follow_the_language() {
        assert_eq!(percent(Language::En, 39), "39%");
        assert_eq!(percent(Language::Ar, 39), "٣٩٪");
        assert_eq!(percent(Language::Ar, -5), "-٥٪");
    }

    #[test]
    fn margins() {
        assert_eq!(margin_percent(10_000, Some(6_000)), Some(40));
        assert_eq!(margin_percent(10_000, None), None);
        assert_eq!(margin_percent(0, Some(1)), None);
        assert_eq!(margin_percent(10_000, Some(12_000)), Some(-20));
    }

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(4096), "4096 B");
        assert_eq!(human_bytes(200 * 1024), "200 KiB");
        assert_eq!(human_bytes(50 * 1024 * 1024), "50 MiB");
    }
}
