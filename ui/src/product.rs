//! A product's page: its competitor pages with the last price, availability, a 90-day trend
//! sparkline and the evidence; and web search for more pages (accept or reject each).

use spo_ipc::{Candidate, ListingHistory, ProductCompetitors};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::competitors::{availability_text, listing_status, local_time};
use crate::hooks::{use_store, OrToast};
use crate::i18n::{digits, money, tr, T};
use crate::rule_form::RuleForm;
use crate::state::{Action, Page};

/// Sparkline geometry: `values` (oldest first) as SVG polyline points inside `w`×`h` with a 2 px
/// margin. The lowest price sits at the bottom, the highest at the top; a flat line sits in the
/// middle. Fewer than two values draw nothing.
pub fn sparkline_points(values: &[i64], w: f64, h: f64) -> Vec<(f64, f64)> {
    if values.len() < 2 {
        return Vec::new();
    }
    let (min, max) = (values.iter().copied().min().unwrap_or(0), values.iter().copied().max().unwrap_or(0));
    let step = (w - 4.0) / (values.len() - 1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let y = if max == min { h / 2.0 } else { 2.0 + (h - 4.0) * (max - v) as f64 / (max - min) as f64 };
            (2.0 + step * i as f64, y)
        })
        .collect()
}

fn sparkline(lang: spo_ipc::Language, l: &ListingHistory) -> Html {
    let values: Vec<i64> = l.history.iter().map(|p| p.amount_minor).collect();
    let (w, h) = (160.0, 40.0);
    let pts = sparkline_points(&values, w, h);
    if pts.is_empty() {
        return html! { <span class="muted sparkline__none">{ tr(lang, T::NoTrendYet) }</span> };
    }
    let line = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
    let currency = l.listing.last_currency.clone().unwrap_or_else(|| "SAR".into());
    let (lo, hi) = (values.iter().min().copied().unwrap_or(0), values.iter().max().copied().unwrap_or(0));
    let label = format!("{} {} – {}", tr(lang, T::Trend90d), money(lang, lo, &currency), money(lang, hi, &currency));
    html! {
        // Time runs left to right in both languages, like every chart.
        <figure class="sparkline" dir="ltr" aria-label={label.clone()} title={label}>
            <svg width={w.to_string()} height={h.to_string()} viewBox={format!("0 0 {w} {h}")} role="img">
                <polyline class="sparkline__line" points={line} />
                { for l.history.iter().zip(&pts).filter(|(p, _)| p.suspicious).map(|(_, (x, y))| html! {
                    <circle class="sparkline__suspicious" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="3" />
                }) }
                if let Some((x, y)) = pts.last() {
                    <circle class="sparkline__last" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="2.5" />
                }
            </svg>
            <figcaption class="muted">{ format!("{} – {}", money(lang, lo, &currency), money(lang, hi, &currency)) }</figcaption>
        </figure>
    }
}

/// One line of the price-history chart: points (time in ms, price in minor units), oldest first.
pub type Series = Vec<(f64, i64)>;
/// A series drawn: SVG points.
pub type Points = Vec<(f64, f64)>;

/// Chart geometry: every series on one time axis and one price axis inside `w`×`h` (margin `m`).
/// Returns the points of each series and the price range drawn (lowest, highest). A series with
/// one point draws as a dot; an empty chart draws nothing.
pub fn chart_lines(series: &[Series], w: f64, h: f64, m: f64) -> (Vec<Points>, Option<(i64, i64)>) {
    let all = series.iter().flatten();
    let (Some(t0), Some(t1)) =
        (all.clone().map(|p| p.0).min_by(f64::total_cmp), all.clone().map(|p| p.0).max_by(f64::total_cmp))
    else {
        return (Vec::new(), None);
    };
    let (lo, hi) = (all.clone().map(|p| p.1).min().unwrap_or(0), all.map(|p| p.1).max().unwrap_or(0));
    let x = |t: f64| if t1 > t0 { m + (w - 2.0 * m) * (t - t0) / (t1 - t0) } else { w / 2.0 };
    let y = |v: i64| if hi > lo { m + (h - 2.0 * m) * (hi - v) as f64 / (hi - lo) as f64 } else { h / 2.0 };
    (series.iter().map(|s| s.iter().map(|(t, v)| (x(*t), y(*v))).collect()).collect(), Some((lo, hi)))
}

/// Our price over time as a step line: each applied change (time, old, new), oldest first, from
/// `since` to `until`, ending at `current`.
pub fn our_steps(changes: &[(f64, i64, i64)], since: f64, until: f64, current: i64) -> Series {
    let mut out = Vec::with_capacity(changes.len() * 2 + 2);
    let first = changes.first().map_or(current, |c| c.1);
    out.push((since.min(changes.first().map_or(since, |c| c.0)), first));
    for (t, old, new) in changes {
        out.push((*t, *old));
        out.push((*t, *new));
    }
    out.push((until.max(out.last().map_or(until, |p| p.0)), current));
    out
}

fn ms(utc: &str) -> Option<f64> {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(utc)).get_time();
    (!d.is_nan()).then_some(d)
}

/// The product's price history: each competitor page's trusted prices and our own price (a
/// thicker step line from the changes applied), on one time axis.
fn price_chart(lang: spo_ipc::Language, page: &ProductCompetitors) -> Html {
    let p = &page.product;
    let mut series: Vec<Series> = page
        .listings
        .iter()
        .map(|l| {
            l.history.iter().filter(|x| !x.suspicious).filter_map(|x| Some((ms(&x.at)?, x.amount_minor))).collect()
        })
        .collect();
    let times: Vec<f64> = series.iter().flatten().map(|x| x.0).collect();
    // Oldest first, as the backend lists them.
    // Like with like: competitor pages show shelf prices with VAT, so ours is drawn with VAT too.
    let changes: Vec<(f64, i64, i64)> = page
        .price_changes
        .iter()
        .filter_map(|c| Some((ms(&c.at)?, with_vat(c.old_minor), with_vat(c.new_minor))))
        .collect();
    if times.is_empty() && changes.is_empty() {
        return html! { <p class="muted card card--pad" id="price-chart-empty">{ tr(lang, T::PriceHistoryNone) }</p> };
    }
    let now = js_sys::Date::now();
    let since = times.iter().copied().fold(now, f64::min);
    series.push(our_steps(&changes, since, now, with_vat(p.sale_price_minor.unwrap_or(p.price_minor))));
    let (w, h, m) = (640.0, 200.0, 8.0);
    let (lines, range) = chart_lines(&series, w, h, m);
    let (lo, hi) = range.unwrap_or((p.price_minor, p.price_minor));
    let ours_index = lines.len() - 1;
    let names: Vec<String> = page.listings.iter().map(|l| l.listing.competitor_name.clone()).collect();
    html! {
        <figure class="card card--pad price-chart" id="price-chart">
            <figcaption class="price-chart__head">
                <strong>{ tr(lang, T::PriceHistory) }</strong>
                <span class="muted" id="price-chart-basis">{ tr(lang, T::ChartWithVat) }</span>
                <span class="muted">{ format!("{} – {}", money(lang, lo, &p.currency), money(lang, hi, &p.currency)) }</span>
            </figcaption>
            // Time runs left to right in both languages, like every chart.
            <svg class="price-chart__svg" dir="ltr" viewBox={format!("0 0 {w} {h}")} preserveAspectRatio="none" role="img"
                 aria-label={tr(lang, T::PriceHistory)}>
                { for lines.iter().enumerate().map(|(i, pts)| {
                    let class = if i == ours_index { "price-chart__ours".to_owned() } else { format!("price-chart__line price-chart__line--{}", i % 5) };
                    let text = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
                    if pts.len() == 1 {
                        html! { <circle class={class} cx={format!("{:.1}", pts[0].0)} cy={format!("{:.1}", pts[0].1)} r="3" /> }
                    } else {
                        html! { <polyline class={class} points={text} vector-effect="non-scaling-stroke" /> }
                    }
                }) }
            </svg>
            <ul class="price-chart__legend">
                <li><span class="swatch swatch--ours"></span>{ tr(lang, T::OurPriceLine) }</li>
                { for names.iter().enumerate().map(|(i, n)| html! {
                    <li><span class={format!("swatch swatch--{}", i % 5)}></span><bdi>{ n }</bdi></li>
                }) }
            </ul>
        </figure>
    }
}

/// A price before VAT with Saudi VAT (15 %) added, rounded half up to the halala.
pub fn with_vat(minor: i64) -> i64 {
    (minor * 115 + 50).div_euclid(100)
}

/// A shelf price (with 15 % VAT) before VAT, rounded half up: the basis our prices are on.
pub fn without_vat(minor: i64) -> i64 {
    (minor * 200 + 115).div_euclid(230)
}

/// An action behind a button: runs once at a time, then the page reloads.
type Job = std::rc::Rc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), spo_ipc::IpcError>>>>>;

/// Properties: the product's local id.
#[derive(Properties, PartialEq)]
pub struct ProductPageProps {
    /// Local id.
    pub id: String,
}

/// The product page.
#[component]
pub fn ProductPage(props: &ProductPageProps) -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let data = use_state(|| None::<ProductCompetitors>);
    let busy = use_state(|| None::<String>);
    let store_id = store.active().map(|s| s.id.clone()).unwrap_or_default();
    let reload = {
        let (data, store, store_id, id) = (data.clone(), store.clone(), store_id.clone(), props.id.clone());
        Callback::from(move |_: ()| {
            let (data, store, store_id, id) = (data.clone(), store.clone(), store_id.clone(), id.clone());
            spawn_local(async move {
                if let Some(page) = api::product_competitors(store_id, id).await.or_toast(&store) {
                    data.set(Some(page));
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((props.id.clone(), store_id.clone(), store.data_version), move |_| reload.emit(()));
    }
    let back = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::Navigate(Page::Products)))
    };
    let run = |key: String, job: Job| {
        let (busy, store, reload) = (busy.clone(), store.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            if busy.is_some() {
                return;
            }
            busy.set(Some(key.clone()));
            let (busy, store, reload, job) = (busy.clone(), store.clone(), reload.clone(), job.clone());
            spawn_local(async move {
                if let Err(e) = job().await {
                    store.dispatch(Action::Error(e));
                }
                busy.set(None);
                reload.emit(());
            });
        })
    };
    let Some(page) = (*data).clone() else {
        return html! { <section class="page" id="page-product"><p class="muted">{ tr(lang, T::Loading) }</p></section> };
    };
    let p = &page.product;
    let check = |listing_id: String, confirm: bool| {
        let sid = store_id.clone();
        run(
            format!("{}{listing_id}", if confirm { "confirm:" } else { "check:" }),
            std::rc::Rc::new(move || {
                let (sid, lid) = (sid.clone(), listing_id.clone());
                Box::pin(async move {
                    if confirm {
                        api::confirm_listing_price(sid, lid).await.map(|_| ())
                    } else {
                        api::check_listing(sid, lid).await.map(|_| ())
                    }
                })
            }),
        )
    };
    let discover = {
        let (sid, pid, store) = (store_id.clone(), p.id.clone(), store.clone());
        run(
            "discover".into(),
            std::rc::Rc::new(move || {
                let (sid, pid, store) = (sid.clone(), pid.clone(), store.clone());
                Box::pin(async move {
                    let report = api::discover_competitors(sid, pid).await?;
                    let lang = store.settings.language;
                    store.dispatch(Action::Notice(format!(
                        "{} {}",
                        tr(lang, T::NewPagesFound),
                        digits(lang, &report.new_candidates.to_string())
                    )));
                    Ok(())
                })
            }),
        )
    };
    let decide = |c: &Candidate, accept: bool| {
        let (sid, cid) = (store_id.clone(), c.id.clone());
        run(
            format!("decide:{}", c.id),
            std::rc::Rc::new(move || {
                let (sid, cid) = (sid.clone(), cid.clone());
                Box::pin(async move { api::decide_candidate(sid, cid, accept).await })
            }),
        )
    };
    let lowest = page
        .listings
        .iter()
        .filter(|l| !l.listing.last_suspicious && l.listing.last_currency.as_deref() == Some(p.currency.as_str()))
        .filter_map(|l| l.listing.last_amount_minor)
        .min();
    let is_busy = busy.is_some();
    html! {
        <section class="page page--wide" id="page-product" data-product-id={p.id.clone()}>
            <header class="page__header">
                <div>
                    <button class="btn btn--ghost product__back" id="product-back" onclick={back}>{ tr(lang, T::BackToProducts) }</button>
                    <h1><bdi>{ &p.name }</bdi></h1>
                    <p class="muted"><bdi class="mono">{ p.sku.clone().unwrap_or_default() }</bdi>
                        if let Some(c) = &p.category { { " · " }<bdi>{ c }</bdi> }</p>
                </div>
            </header>
            <div class="kpis product__kpis">
                <div class="card kpi"><div class="kpi__label">{ tr(lang, T::OurPrice) }</div>
                    <div class="kpi__value" id="product-our-price">{ money(lang, p.sale_price_minor.unwrap_or(p.price_minor), &p.currency) }</div>
                    <div class="kpi__hint">{ format!("{} {}", tr(lang, T::WithVat), money(lang, with_vat(p.sale_price_minor.unwrap_or(p.price_minor)), &p.currency)) }</div>
                    if p.sale_price_minor.is_some() {
                        <div class="kpi__hint"><span class="pill pill--warn" id="product-sale">{ crate::format::sale_label(lang, p.sale_end.as_deref()) }</span>
                            { format!(" · {} {}", tr(lang, T::RegularPrice), money(lang, p.price_minor, &p.currency)) }</div>
                    }</div>
                <div class="card kpi"><div class="kpi__label">{ tr(lang, T::LowestCompetitor) }</div>
                    <div class="kpi__value" id="product-lowest">{ lowest.map(|m| money(lang, m, &p.currency)).unwrap_or_else(|| "—".into()) }</div>
                    if let Some(m) = lowest {
                        <div class="kpi__hint" id="product-lowest-net">{ format!("{} {}", tr(lang, T::BeforeVat), money(lang, without_vat(m), &p.currency)) }</div>
                    }</div>
                <div class="card kpi"><div class="kpi__label">{ tr(lang, T::TrackedPages) }</div>
                    <div class="kpi__value">{ digits(lang, &page.listings.len().to_string()) }</div></div>
            </div>
            <div class="product__grid">
                { price_chart(lang, &page) }
                <RuleForm product={Some(p.id.clone())} />
            </div>
            <h2 class="section-title">{ tr(lang, T::CompetitorPages) }</h2>
            if page.listings.is_empty() { <p class="muted card card--pad">{ tr(lang, T::NoListingsForProduct) }</p> }
            <div class="product__listings" id="product-listings">
                { for page.listings.iter().map(|l| {
                    let x = &l.listing;
                    let (pill, status) = listing_status(lang, x.last_status);
                    let price = match (x.last_amount_minor, x.last_currency.as_deref()) {
                        (Some(m), Some(c)) => money(lang, m, c),
                        _ => "—".into(),
                    };
                    let availability = availability_text(lang, x.last_availability);
                    html! {
                        <article class="card product-listing" key={x.id.clone()} data-listing-id={x.id.clone()} data-status={x.last_status.map_or("", spo_ipc::PageStatus::as_str)}>
                            <header class="product-listing__head">
                                <div>
                                    <strong><bdi>{ &x.competitor_name }</bdi></strong>
                                    <div class="muted mono listing-url" dir="ltr" title={x.url.clone()}>{ &x.url }</div>
                                </div>
                                <span class={pill} title={x.last_error.clone().unwrap_or_default()}>{ status }</span>
                            </header>
                            <div class="product-listing__body">
                                <div>
                                    <div class="product-listing__price listing-price">{ price }</div>
                                    if let Some(a) = availability { <div class="muted">{ a }</div> }
                                    if x.last_suspicious { <span class="pill pill--warn">{ tr(lang, T::Unconfirmed) }</span> }
                                </div>
                                { sparkline(lang, l) }
                            </div>
                            if let Some(err) = x.last_error.clone() { <p class="product-listing__error muted">{ err }</p> }
                            if let Some(e) = x.last_evidence.clone() {
                                <details class="listing-evidence"><summary>{ tr(lang, T::Evidence) }</summary><code dir="ltr">{ e }</code></details>
                            }
                            <footer class="product-listing__foot">
                                <span class="muted"><bdi dir="ltr">{ x.last_checked_at.as_deref().map(local_time).unwrap_or_default() }</bdi></span>
                                <span class="page__actions">
                                    if x.last_suspicious {
                                        <button class="btn btn--ghost listing-confirm" disabled={is_busy} onclick={check(x.id.clone(), true)}>{ tr(lang, T::ConfirmPrice) }</button>
                                    }
                                    <button class="btn btn--secondary listing-check" disabled={is_busy} onclick={check(x.id.clone(), false)}>
                                        { tr(lang, if busy.as_deref() == Some(format!("check:{}", x.id).as_str()) { T::Checking } else { T::CheckNow }) }
                                    </button>
                                </span>
                            </footer>
                        </article>
                    }
                }) }
            </div>
            <div class="card card--pad discovery" id="discovery">
                <div class="setting">
                    <div>
                        <h3>{ tr(lang, T::DiscoveryTitle) }</h3>
                        <p class="muted">{ tr(lang, if page.discovery_available { T::DiscoveryHelp } else { T::DiscoveryNeedsKey }) }</p>
                    </div>
                    <button class="btn btn--primary" id="discover" disabled={is_busy || !page.discovery_available} onclick={discover}>
                        { tr(lang, if busy.as_deref() == Some("discover") { T::Searching } else { T::SearchTheWeb }) }
                    </button>
                </div>
                if !page.candidates.is_empty() {
                    <ul class="candidates" id="candidates">
                        { for page.candidates.iter().map(|c| html! {
                            <li class="candidate" key={c.id.clone()} data-candidate-id={c.id.clone()}>
                                <div class="candidate__text">
                                    <strong><bdi>{ &c.title }</bdi></strong>
                                    <span class="tag" dir="ltr">{ &c.site }</span>
                                    if let Some(v) = c.advice_verdict.as_deref() {
                                        <span class={classes!("pill", "candidate-advice", if v == "same" { "pill--ok" } else { "pill--warn" })}
                                              title={c.advice_reason.clone().unwrap_or_default()}>
                                            { tr(lang, match v { "same" => T::AdviceSame, "different" => T::AdviceDifferent, _ => T::AdviceUnsure }) }
                                        </span>
                                    }
                                    // Text from the web: shown as text, never followed.
                                    <p class="muted candidate__snippet"><bdi>{ &c.snippet }</bdi></p>
                                    <div class="muted mono listing-url" dir="ltr" title={c.url.clone()}>{ &c.url }</div>
                                </div>
                                <div class="page__actions">
                                    <button class="btn btn--secondary candidate-accept" disabled={is_busy} onclick={decide(c, true)}>{ tr(lang, T::TrackPage) }</button>
                                    <button class="btn btn--ghost candidate-reject" disabled={is_busy} onclick={decide(c, false)}>{ tr(lang, T::NotAMatch) }</button>
                                </div>
                            </li>
                        }) }
                    </ul>
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_is_exact_to_the_halala() {
        assert_eq!(with_vat(10_000), 11_500);
        assert_eq!(with_vat(20_695), 23_799); // 237.9925 → 237.99
        assert_eq!(with_vat(1), 1); // 0.0115 → 0.01
        assert_eq!(with_vat(3), 3); // 0.0345 → 0.03
        assert_eq!(with_vat(10), 12); // 0.115 → 0.12 (half up)
    }

    #[test]
    fn vat_comes_out_of_shelf_prices_exactly() {
        assert_eq!(without_vat(11_500), 10_000);
        assert_eq!(without_vat(14_895), 12_952); // 129.5217…
        for p in [1, 3, 10, 999, 20_695, 1_000_000] {
            assert_eq!(without_vat(with_vat(p)), p, "{p}");
        }
    }

    #[test]
    fn chart_puts_every_series_on_one_scale() {
        let a: Series = vec![(0.0, 9_000), (100.0, 10_000)];
        let b: Series = vec![(50.0, 11_000)];
        let (lines, range) = chart_lines(&[a, b], 120.0, 60.0, 10.0);
        assert_eq!(range, Some((9_000, 11_000)));
        assert_eq!(lines[0], vec![(10.0, 50.0), (110.0, 30.0)]);
        assert_eq!(lines[1], vec![(60.0, 10.0)], "the highest price at the top");
        assert_eq!(chart_lines(&[], 120.0, 60.0, 10.0), (Vec::new(), None));
    }

    #[test]
    fn our_price_is_a_step_line_to_now() {
        assert_eq!(our_steps(&[], 10.0, 90.0, 5_000), vec![(10.0, 5_000), (90.0, 5_000)], "flat when unchanged");
        let steps = our_steps(&[(40.0, 5_000, 4_800), (70.0, 4_800, 4_900)], 10.0, 90.0, 4_900);
        assert_eq!(
            steps,
            vec![(10.0, 5_000), (40.0, 5_000), (40.0, 4_800), (70.0, 4_800), (70.0, 4_900), (90.0, 4_900)]
        );
    }

    #[test]
    fn sparkline_spans_the_box_lowest_at_the_bottom() {
        let pts = sparkline_points(&[4_500, 4_000, 5_000], 160.0, 40.0);
        assert_eq!(pts, vec![(2.0, 20.0), (80.0, 38.0), (158.0, 2.0)]);
        assert_eq!(sparkline_points(&[100, 100], 160.0, 40.0), vec![(2.0, 20.0), (158.0, 20.0)], "flat: middle");
        assert!(sparkline_points(&[100], 160.0, 40.0).is_empty());
    }
}
