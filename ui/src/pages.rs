//! Route-level screens.

use spo_ipc::{
    CheckStatus, DoctorReport, Language, ProductItem, ProductQuery, ProductSort, SalesSummary, SettingsPatch, Theme,
};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::connect::ConnectActions;
use crate::format::{human_bytes, sale_label};
use crate::hooks::{save_settings, use_store, OrToast};
use crate::i18n::{digits, money, tr, T};
use crate::import_bar::ImportBar;
use crate::state::{Action, Page};
use crate::{api, icons};

/// The screen for a page.
pub fn render(page: Page) -> Html {
    match page {
        Page::Dashboard => html! { <Dashboard /> },
        Page::Products => html! { <ProductsRoute /> },
        Page::Competitors => html! { <crate::competitors::CompetitorsPage /> },
        Page::Decisions => html! { <crate::decisions::DecisionsPage /> },
        Page::Runs => html! { <crate::runs::RunsPage /> },
        Page::Settings => html! { <SettingsPage /> },
        Page::Diagnostics => html! { <DiagnosticsPage /> },
    }
}

#[component]
fn Dashboard() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let steps = [
        (T::StepConnect, T::StepConnectBody),
        (T::StepCompetitors, T::StepCompetitorsBody),
        (T::StepRules, T::StepRulesBody),
        (T::StepApprove, T::StepApproveBody),
    ];
    let kpis = [T::KpiTracked, T::KpiCheapest, T::KpiPending, T::KpiLastRun];
    let sales = use_state(|| None::<SalesSummary>);
    {
        let sales = sales.clone();
        let store = store.clone();
        let key = (store.active_store.clone(), store.data_version);
        use_effect_with(key, move |(id, _)| {
            sales.set(None);
            if let Some(id) = id.clone() {
                spawn_local(async move {
                    if let Some(s) = api::sales_summary(id).await.or_toast(&store) {
                        sales.set(Some(s));
                    }
                });
            }
        });
    }
    let sales_cards = sales.as_ref().map(|s| {
        let hint = match &s.orders_synced_through {
            Some(d) => format!("{} \u{2068}{}\u{2069}", tr(lang, T::OrdersThrough), digits(lang, d)),
            None => tr(lang, T::KpiNoOrders).to_owned(),
        };
        [
            (T::KpiOrders30, digits(lang, &s.orders.to_string()), "kpi-orders"),
            (T::KpiUnits30, digits(lang, &s.units.to_string()), "kpi-units"),
            (T::KpiRevenue30, money(lang, s.revenue_minor, &s.currency), "kpi-revenue"),
        ]
        .map(|(label, value, id)| (label, value, id, hint.clone()))
    });
    html! {
        <section class="page" id="page-dashboard">
            <div class="hero card">
                <div class="hero__text">
                    <h1>{ tr(lang, T::WelcomeTitle) }</h1>
                    <p>{ tr(lang, T::WelcomeBody) }</p>
                    <ConnectActions />
                </div>
                <ol class="steps">
                    { for steps.iter().enumerate().map(|(i, (title, body))| html! {
                        <li class="step">
                            <span class="step__num">{ digits(lang, &(i + 1).to_string()) }</span>
                            <div>
                                <strong>{ tr(lang, *title) }</strong>
                                <p>{ tr(lang, *body) }</p>
                            </div>
                        </li>
                    }) }
                </ol>
            </div>
            if let Some(cards) = sales_cards {
                <div class="kpis kpis--sales" id="sales-kpis">
                    { for cards.into_iter().map(|(label, value, id, hint)| html! {
                        <div class="kpi card">
                            <span class="kpi__label">{ tr(lang, label) }</span>
                            <bdi class="kpi__value" id={id}>{ value }</bdi>
                            <span class="kpi__hint">{ hint }</span>
                        </div>
                    }) }
                    <div class="kpi card kpi--actions"><ImportBar /></div>
                </div>
            }
            <div class="kpis">
                { for kpis.iter().map(|k| html! {
                    <div class="kpi card">
                        <span class="kpi__label">{ tr(lang, *k) }</span>
                        <span class="kpi__value">{ "—" }</span>
                        <span class="kpi__hint">{ tr(lang, T::KpiNoData) }</span>
                    </div>
                }) }
            </div>
        </section>
    }
}

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
fn ProductsRoute() -> Html {
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

#[component]
fn SettingsPage() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let theme = store.settings.theme;
    let set_lang = |l: Language| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            save_settings(&store, SettingsPatch { language: Some(l), theme: None }, true)
        })
    };
    let set_theme = |t: Theme| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            save_settings(&store, SettingsPatch { language: None, theme: Some(t) }, true)
        })
    };
    let seg = |active: bool,
               id: &'static str,
               label: &'static str,
               onclick: Callback<MouseEvent>,
               lang_attr: Option<&'static str>| {
        html! {
            <button {id} class={classes!("segmented__option", active.then_some("segmented__option--active"))}
                    aria-pressed={active.to_string()} lang={lang_attr} {onclick}>{ label }</button>
        }
    };
    html! {
        <section class="page" id="page-settings">
            <header class="page__header"><h1>{ tr(lang, T::SettingsTitle) }</h1></header>
            if !store.stores.is_empty() {
                <div class="card settings" id="settings-stores">
                    <div class="setting">
                        <div>
                            <h3>{ tr(lang, T::SettingsStores) }</h3>
                            <p class="muted">{ tr(lang, T::SettingsStoresHelp) }</p>
                        </div>
                    </div>
                    { for store.stores.iter().map(|s| {
                        let disconnect = |delete_data: bool| {
                            let store = store.clone();
                            let id = s.id.clone();
                            Callback::from(move |_: MouseEvent| {
                                let store = store.clone();
                                let id = id.clone();
                                spawn_local(async move {
                                    if let Some(left) = api::disconnect_store(id, delete_data).await.or_toast(&store) {
                                        store.dispatch(Action::StoresChanged(left));
                                    }
                                });
                            })
                        };
                        html! {
                            <div class="setting">
                                <div>
                                    <strong><bdi>{ &s.name }</bdi></strong>
                                    if s.is_demo { { " " }<span class="badge badge--demo">{ tr(lang, T::DemoBadge) }</span> }
                                    if s.status == spo_ipc::StoreStatus::NeedsReconnect {
                                        { " " }<span class="pill pill--warn">{ tr(lang, T::NeedsReconnect) }</span>
                                    }
                                </div>
                                <div class="page__actions">
                                    <button class="btn btn--secondary" onclick={disconnect(false)}>{ tr(lang, T::Disconnect) }</button>
                                    <button class="btn btn--danger" onclick={disconnect(true)}>{ tr(lang, T::DisconnectDelete) }</button>
                                </div>
                            </div>
                        }
                    }) }
                </div>
            }
            <div class="card settings">
                <div class="setting">
                    <div>
                        <h3>{ tr(lang, T::SettingsLanguage) }</h3>
                        <p class="muted">{ tr(lang, T::SettingsLanguageHelp) }</p>
                    </div>
                    <div class="segmented" role="group">
                        { seg(lang == Language::Ar, "set-lang-ar", "العربية", set_lang(Language::Ar), Some("ar")) }
                        { seg(lang == Language::En, "set-lang-en", "English", set_lang(Language::En), Some("en")) }
                    </div>
                </div>
                <div class="setting">
                    <div>
                        <h3>{ tr(lang, T::SettingsTheme) }</h3>
                        <p class="muted">{ tr(lang, T::SettingsThemeHelp) }</p>
                    </div>
                    <div class="segmented" role="group">
                        { seg(theme == Theme::System, "set-theme-system", tr(lang, T::ThemeSystem), set_theme(Theme::System), None) }
                        { seg(theme == Theme::Light, "set-theme-light", tr(lang, T::ThemeLight), set_theme(Theme::Light), None) }
                        { seg(theme == Theme::Dark, "set-theme-dark", tr(lang, T::ThemeDark), set_theme(Theme::Dark), None) }
                    </div>
                </div>
            </div>
            <crate::competitor_settings::CompetitorSettingsCard />
            <crate::llm_settings::LlmSettingsCard />
            <crate::notifications::DesktopSettingsCard />
            <crate::team::TeamCard />
            <crate::data_settings::DataSettingsCard />
        </section>
    }
}

fn status_text(s: CheckStatus) -> T {
    match s {
        CheckStatus::Ok => T::StatusOk,
        CheckStatus::Warning => T::StatusWarning,
        CheckStatus::Failed => T::StatusFailed,
    }
}

fn status_class(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Ok => "pill pill--ok",
        CheckStatus::Warning => "pill pill--warn",
        CheckStatus::Failed => "pill pill--fail",
    }
}

fn scheduler_card(lang: Language, s: &spo_ipc::SchedulerHealth) -> Html {
    let row = |id: &'static str, label: T, value: String| {
        html! { <div class="kv"><dt>{ tr(lang, label) }</dt><dd {id} dir="ltr">{ value }</dd></div> }
    };
    let when = |t: &Option<String>| t.as_deref().map(crate::competitors::local_time).unwrap_or_else(|| "—".into());
    let next = match (&s.next_job, &s.next_run_at) {
        (Some(k), t) => html! { <>
            { k.name(lang) }{ " · " }<bdi dir="ltr">{ when(t) }</bdi>
        </> },
        _ => html! { "—" },
    };
    // Rows in words follow the page's direction (the technical ones stay left to right).
    let text_row = |id: &'static str, label: T, value: Html| {
        html! { <div class="kv"><dt>{ tr(lang, label) }</dt><dd {id} class="kv__text">{ value }</dd></div> }
    };
    // Only one process runs a data folder's jobs: this app, or the one holding them.
    // Words in the page's direction, the process name left to right.
    let runs_in = match (s.running_here, &s.elsewhere) {
        (true, _) => html! { { tr(lang, T::SchedulerThisApp) } },
        (false, Some(who)) => html! {
            <><bdi dir="ltr">{ who.clone() }</bdi>{ " — " }{ tr(lang, T::SchedulerTakesOver) }</>
        },
        (false, None) => html! { { tr(lang, T::SchedulerNowhere) } },
    };
    html! {
        <div class="card" id="diag-scheduler">
            <header class="card__header">
                <h2>{ tr(lang, T::SectionScheduler) }</h2>
                <span id="diag-scheduler-status" class={status_class(s.status)}>{ tr(lang, status_text(s.status)) }</span>
            </header>
            <dl>
                { text_row("diag-sched-where", T::SchedulerRunsIn, runs_in) }
                { row("diag-heartbeat", T::Heartbeat, if s.running_here || s.elsewhere.is_some() { when(&s.heartbeat_at) } else { tr(lang, T::NotRunningHere).to_owned() }) }
                { text_row("diag-sched-paused", T::JobPaused, html! { tr(lang, if s.paused { T::Yes } else { T::No }) }) }
                { text_row("diag-sched-jobs", T::JobsTitle, html! { format!("{} ({} {})", s.jobs, s.running_now, tr(lang, T::RunRunning)) }) }
                { text_row("diag-sched-next", T::ColNextRun, next) }
                { row("diag-sched-last", T::LastRun, when(&s.last_run_at)) }
                { row("diag-sched-failed", T::Failed24h, s.failed_24h.to_string()) }
            </dl>
        </div>
    }
}

fn stores_card(lang: Language, stores: &[spo_ipc::StoreHealth]) -> Html {
    html! {
        <div class="card" id="diag-stores">
            <header class="card__header"><h2>{ tr(lang, T::SectionStores) }</h2></header>
            if stores.is_empty() { <p class="muted">{ tr(lang, T::NoStore) }</p> }
            <ul class="diag-stores">
            { for stores.iter().map(|s| html! {
                <li class="diag-store" data-status={format!("{:?}", s.status).to_lowercase()}>
                    <div class="diag-store__head">
                        <strong><bdi>{ &s.name }</bdi></strong>
                        <span class={status_class(s.status)}>{ tr(lang, if s.reachable { T::Reachable } else { T::Unreachable }) }</span>
                    </div>
                    <span class="muted" dir="ltr">{ format!("{} ms", s.latency_ms) }</span>
                    if let Some(t) = &s.token_expires_at {
                        <span class="muted">{ tr(lang, T::TokenExpires) }{ " " }<bdi dir="ltr">{ crate::competitors::local_time(t) }</bdi></span>
                    }
                    if !s.reachable { <p class="product-listing__error" dir="auto">{ &s.detail }</p> }
                </li>
            }) }
            </ul>
        </div>
    }
}

/// The end of the app's log, newest line last.
#[component]
fn LogViewer() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let tail = use_state(|| None::<spo_ipc::LogTail>);
    let load = {
        let (tail, store) = (tail.clone(), store.clone());
        Callback::from(move |_: MouseEvent| {
            let (tail, store) = (tail.clone(), store.clone());
            spawn_local(async move {
                if let Some(t) = api::read_log(300).await.or_toast(&store) {
                    tail.set(Some(t));
                }
            });
        })
    };
    html! {
        <div class="card" id="diag-log">
            <header class="card__header">
                <h2>{ tr(lang, T::LogViewer) }</h2>
                <button class="btn btn--secondary" id="diag-log-load" onclick={load}>
                    { tr(lang, T::ShowLog) }
                </button>
            </header>
            if let Some(t) = &*tail {
                <p class="muted" dir="ltr">{ &t.path }</p>
                <pre class="log-view" id="diag-log-lines" dir="ltr">{ t.lines.join("\n") }</pre>
            }
        </div>
    }
}

#[component]
fn DiagnosticsPage() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let report = use_state(|| None::<DoctorReport>);
    let running = use_state(|| false);
    let run = {
        let report = report.clone();
        let running = running.clone();
        let store = store.clone();
        Callback::from(move |_: ()| {
            if *running {
                return;
            }
            running.set(true);
            let report = report.clone();
            let running = running.clone();
            let store = store.clone();
            spawn_local(async move {
                if let Some(r) = api::doctor().await.or_toast(&store) {
                    report.set(Some(r));
                }
                running.set(false);
            });
        })
    };
    {
        let run = run.clone();
        use_effect_with((), move |_| run.emit(()));
    }
    let onclick = run.reform(|_: MouseEvent| ());
    // Values that are paths, codes or numbers stay left-to-right inside an Arabic page.
    let row = |id: &'static str, label: T, value: String| {
        html! {
            <div class="kv">
                <dt>{ tr(lang, label) }</dt>
                <dd {id} dir="ltr">{ value }</dd>
            </div>
        }
    };
    let body = match &*report {
        None => html! { <div class="card skeleton" aria-busy="true">{ tr(lang, T::Running) }</div> },
        Some(r) => {
            let d = &r.database;
            let k = &r.keychain;
            let on_off = |b: bool| tr(lang, if b { T::On } else { T::Off }).to_owned();
            html! {
                <>
                <div class="diag-summary card">
                    <span class="muted">{ tr(lang, T::Overall) }</span>
                    <span id="diag-overall" class={status_class(r.status)} data-status={format!("{:?}", r.status).to_lowercase()}>
                        { tr(lang, status_text(r.status)) }
                    </span>
                    <span class="muted diag-summary__time">{ tr(lang, T::GeneratedAt) }{ " " }<bdi dir="ltr">{ &r.generated_at }</bdi></span>
                </div>
                <div class="diag-grid">
                    <div class="card">
                        <header class="card__header">
                            <h2>{ tr(lang, T::SectionDatabase) }</h2>
                            <span class={status_class(d.status)}>{ tr(lang, status_text(d.status)) }</span>
                        </header>
                        <dl>
                            { row("diag-db-path", T::DatabaseFile, d.path.clone()) }
                            { row("diag-db-size", T::DatabaseSize, human_bytes(d.size_bytes)) }
                            { row("diag-schema", T::SchemaVersion, format!("{} · {}", d.schema_version, d.schema_name)) }
                            { row("diag-integrity", T::IntegrityCheck, d.integrity.clone()) }
                            { row("diag-journal", T::JournalMode, d.journal_mode.clone()) }
                            { row("diag-sync", T::Synchronous, d.synchronous.clone()) }
                            { row("diag-fk", T::ForeignKeys, on_off(d.foreign_keys)) }
                            { row("diag-busy", T::BusyTimeout, format!("{} ms", d.busy_timeout_ms)) }
                            { row("diag-free", T::FreeDiskSpace, d.free_bytes.map(human_bytes).unwrap_or_else(|| "—".into())) }
                            if let Some(e) = &d.last_write_error {
                                { row("diag-write-error", T::LastWriteError, e.clone()) }
                            }
                        </dl>
                    </div>
                    <div class="card">
                        <header class="card__header">
                            <h2>{ tr(lang, T::SectionKeychain) }</h2>
                            <span id="diag-keychain-status" class={status_class(k.status)}>{ tr(lang, status_text(k.status)) }</span>
                        </header>
                        <dl>
                            { row("diag-keychain-backend", T::KeychainBackend, k.backend.clone()) }
                            { row("diag-keychain", T::KeychainProbe, format!("{} ({} ms)", if k.available { tr(lang, T::KeychainProbeOk) } else { k.detail.as_str() }, k.elapsed_ms)) }
                        </dl>
                    </div>
                    <div class="card">
                        <header class="card__header"><h2>{ tr(lang, T::SectionApp) }</h2></header>
                        <dl>
                            { row("diag-version", T::Version, format!("{} {}", r.app.name, r.app.version)) }
                            { row("diag-platform", T::Platform, r.platform.clone()) }
                        </dl>
                    </div>
                    <div class="card">
                        <header class="card__header"><h2>{ tr(lang, T::SectionFolders) }</h2></header>
                        <dl>
                            { row("diag-data-dir", T::DataFolder, r.data_dir.clone()) }
                            { row("diag-log-dir", T::LogFolder, r.log_dir.clone()) }
                        </dl>
                    </div>
                    { scheduler_card(lang, &r.scheduler) }
                    { stores_card(lang, &r.stores) }
                </div>
                if !r.recent_errors.is_empty() {
                    <div class="card" id="diag-errors">
                        <header class="card__header"><h2>{ tr(lang, T::RecentErrors) }</h2></header>
                        <ul class="diag-errors">
                        { for r.recent_errors.iter().map(|e| html! {
                            <li>
                                <bdi dir="ltr" class="muted">{ crate::competitors::local_time(&e.started_at) }</bdi>{ " " }
                                <strong>{ e.kind.map_or("—", |k| k.name(lang)) }</strong>
                                <p class="product-listing__error" dir="auto">{ e.error.clone().unwrap_or_default() }</p>
                            </li>
                        }) }
                        </ul>
                    </div>
                }
                <LogViewer />
                </>
            }
        }
    };
    html! {
        <section class="page" id="page-diagnostics">
            <header class="page__header">
                <div>
                    <h1>{ tr(lang, T::DiagnosticsTitle) }</h1>
                    <p class="muted">{ tr(lang, T::DiagnosticsIntro) }{ " " }<code dir="ltr">{ "spo doctor --json" }</code></p>
                </div>
                <button id="diag-rerun" class="btn btn--secondary" disabled={*running} {onclick}>
                    { icons::refresh() }
                    <span>{ tr(lang, if *running { T::Running } else { T::RunAgain }) }</span>
                </button>
            </header>
            { body }
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
