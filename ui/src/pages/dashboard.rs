//! The dashboard: the active store at a glance.

use spo_ipc::SalesSummary;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::connect::ConnectActions;
use crate::hooks::{use_store, OrToast};
use crate::i18n::{digits, money, tr, T};
use crate::import_bar::ImportBar;

#[component]
pub(super) fn Dashboard() -> Html {
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
