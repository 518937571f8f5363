//! The application frame: title bar with the store switcher, sidebar, content, toasts.

use spo_ipc::{Language, Settings, SettingsPatch, Theme};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::connect::ConnectActions;
use crate::hooks::{save_settings, use_store, OrToast, Store};
use crate::i18n::{self, tr, T};
use crate::import_bar::{import_detail, import_title};
use crate::state::{error_text, Action, Page, ToastBody, UiState};
use crate::{api, icons, pages};

fn apply_document_settings(settings: Settings) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
        return;
    };
    let theme = match settings.theme {
        Theme::System => "system",
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    // Failing to set an attribute only affects looks; there is nothing better to do than go on.
    let _ = root.set_attribute("lang", i18n::lang_tag(settings.language));
    let _ = root.set_attribute("dir", i18n::dir(settings.language));
    let _ = root.set_attribute("data-theme", theme);
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(tr(settings.language, T::AppName));
    }
}

/// Root component.
#[component]
pub fn App() -> Html {
    let store = use_reducer(UiState::default);
    let loaded = use_state(|| false);
    // Set when the app started without its database (damaged file): the recovery screen only.
    let recovery = use_state(|| None::<spo_ipc::RecoveryStatus>);

    {
        let store = store.clone();
        let loaded = loaded.clone();
        let recovery = recovery.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(status) = api::recovery_status().await {
                    if status.damaged {
                        recovery.set(Some(status));
                        loaded.set(true);
                        return;
                    }
                }
                // Each part loads on its own, so one failure (shown as a toast) does not blank
                // the rest of the frame.
                let settings = api::get_settings().await.unwrap_or_else(|e| {
                    store.dispatch(Action::Error(e));
                    Settings::default()
                });
                let info = api::app_info().await.map_err(|e| store.dispatch(Action::Error(e))).ok();
                let stores = api::list_stores().await.unwrap_or_else(|e| {
                    store.dispatch(Action::Error(e));
                    Vec::new()
                });
                store.dispatch(Action::Loaded { settings, info, stores });
                if let Some(on) = api::get_kill_switch().await.or_toast(&store) {
                    store.dispatch(Action::KillSwitch(on));
                }
                let progress_store = store.clone();
                if let Err(e) = api::on_sync_progress(move |p| progress_store.dispatch(Action::Progress(p))).await {
                    store.dispatch(Action::Error(e));
                }
                let jobs_store = store.clone();
                if let Err(e) = api::on_job_run(move |r| jobs_store.dispatch(Action::JobRun(r))).await {
                    store.dispatch(Action::Error(e));
                }
                let notif_store = store.clone();
                if let Err(e) = api::on_notification(move |_| notif_store.dispatch(Action::Notified)).await {
                    store.dispatch(Action::Error(e));
                }
                let nav_store = store.clone();
                let navigate = move |slug: String| {
                    if let Some(p) = crate::notifications::page_of(&slug) {
                        nav_store.dispatch(Action::Navigate(p));
                    }
                };
                if let Err(e) = api::on_navigate(navigate).await {
                    store.dispatch(Action::Error(e));
                }
                loaded.set(true);
            });
        });
    }

    {
        let settings = store.settings;
        use_effect_with(settings, move |s| apply_document_settings(*s));
    }

    if let Some(status) = (*recovery).clone() {
        return html! {
            <div class="app" id="app-root" data-ready="true" data-recovery="true">
                <crate::recovery::RecoveryScreen {status} />
            </div>
        };
    }

    html! {
        <ContextProvider<Store> context={store.clone()}>
            <div class={classes!("app", (!*loaded).then_some("app--loading"))} id="app-root" data-ready={loaded.to_string()}>
                <TitleBar />
                <div class="app__body">
                    <Sidebar />
                    <main class="content" id="content">
                        { pages::render(store.page.0) }
                    </main>
                </div>
                if store.connect_open { <crate::connect::ConnectDialog /> }
                <Toasts />
            </div>
        </ContextProvider<Store>>
    }
}

fn nav_label(page: Page) -> T {
    match page {
        Page::Dashboard => T::NavDashboard,
        Page::Products => T::NavProducts,
        Page::Competitors => T::NavCompetitors,
        Page::Decisions => T::NavDecisions,
        Page::Runs => T::NavRuns,
        Page::Settings => T::NavSettings,
        Page::Diagnostics => T::NavDiagnostics,
    }
}

fn nav_icon(page: Page) -> Html {
    match page {
        Page::Dashboard => icons::dashboard(),
        Page::Products => icons::products(),
        Page::Competitors => icons::competitors(),
        Page::Decisions => icons::decisions(),
        Page::Runs => icons::runs(),
        Page::Settings => icons::settings(),
        Page::Diagnostics => icons::diagnostics(),
    }
}

#[component]
fn Sidebar() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let current = store.page.0;
    let item = |page: Page| {
        let onclick = {
            let store = store.clone();
            Callback::from(move |_: MouseEvent| store.dispatch(Action::Navigate(page)))
        };
        let active = page == current;
        // Settings and Diagnostics sit apart at the bottom, as in most desktop apps.
        html! {
            <button id={format!("nav-{}", page.slug())}
                    class={classes!("nav__item", active.then_some("nav__item--active"))}
                    aria-current={active.then_some("page")}
                    {onclick}>
                { nav_icon(page) }
                <span>{ tr(lang, nav_label(page)) }</span>
            </button>
        }
    };
    let version = store
        .info
        .as_ref()
        .map(|i| format!("{} {}", tr(lang, T::Version), i18n::digits(lang, &i.version)))
        .unwrap_or_default();
    html! {
        <nav class="sidebar" aria-label="primary">
            <div class="nav">
                { for Page::ALL[..5].iter().map(|p| item(*p)) }
            </div>
            <div class="nav nav--bottom">
                { for Page::ALL[5..].iter().map(|p| item(*p)) }
                <div class="sidebar__privacy">
                    { icons::lock() }
                    <span>{ tr(lang, T::PrivacyNote) }</span>
                </div>
                <div class="sidebar__version" id="app-version">{ version }</div>
            </div>
        </nav>
    }
}

#[component]
fn TitleBar() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let theme = store.settings.theme;
    let toggle_lang = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            let next = match store.settings.language {
                Language::Ar => Language::En,
                Language::En => Language::Ar,
            };
            save_settings(&store, SettingsPatch { language: Some(next), theme: None }, false);
        })
    };
    let toggle_theme = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            let next = match store.settings.theme {
                Theme::Dark => Theme::Light,
                Theme::Light | Theme::System => Theme::Dark,
            };
            save_settings(&store, SettingsPatch { language: None, theme: Some(next) }, false);
        })
    };
    let theme_label = match theme {
        Theme::Dark => tr(lang, T::ThemeLight),
        Theme::Light | Theme::System => tr(lang, T::ThemeDark),
    };
    html! {
        <header class="titlebar">
            <div class="brand">
                <img class="brand__logo" src="icon.png" alt="" />
                <div class="brand__text">
                    <span class="brand__name">{ tr(lang, T::AppName) }</span>
                    <span class="brand__tagline">{ tr(lang, T::AppTagline) }</span>
                </div>
            </div>
            <StoreSwitcher />
            <div class="titlebar__actions">
                <crate::team::SyncIndicator />
                <crate::decisions::KillSwitch />
                <crate::notifications::NotificationBell />
                <button id="theme-toggle" class="btn btn--ghost btn--icon" title={theme_label} aria-label={theme_label} onclick={toggle_theme}>
                    { if theme == Theme::Dark { icons::sun() } else { icons::moon() } }
                </button>
                <button id="lang-toggle" class="btn btn--ghost" onclick={toggle_lang}
                        lang={if lang == Language::Ar { "en" } else { "ar" }}>
                    { icons::globe() }
                    <span>{ tr(lang, T::LanguageToggle) }</span>
                </button>
            </div>
        </header>
    }
}

#[component]
fn StoreSwitcher() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let current = store.active();
    let label = current.map(|s| s.name.clone()).unwrap_or_else(|| tr(lang, T::NoStore).to_owned());
    let is_demo = current.is_some_and(|s| s.is_demo);
    // In a team, which seat runs each store (read when the menu opens).
    let leases = use_state(Vec::<spo_ipc::StoreLeaseInfo>::new);
    {
        let (leases, in_team) = (leases.clone(), store.team.as_ref().is_some_and(|t| t.team.is_some()));
        use_effect_with(*open, move |open| {
            if *open && in_team {
                spawn_local(async move {
                    if let Ok(l) = crate::api::store_leases().await {
                        leases.set(l);
                    }
                });
            }
        });
    }
    let select = |id: String| {
        let store = store.clone();
        let open = open.clone();
        Callback::from(move |_: MouseEvent| {
            store.dispatch(Action::SelectStore(id.clone()));
            open.set(false);
        })
    };
    html! {
        <div class="switcher">
            <button id="store-switcher" class={classes!("switcher__button", current.is_none().then_some("switcher__button--empty"))}
                    aria-haspopup="menu" aria-expanded={open.to_string()} onclick={toggle}>
                { icons::store() }
                <span class="switcher__text">
                    <span class="switcher__caption">{ tr(lang, T::StoreSwitcherLabel) }</span>
                    <bdi class="switcher__name" id="active-store-name">{ label }</bdi>
                </span>
                if is_demo { <span class="badge badge--demo">{ tr(lang, T::DemoBadge) }</span> }
                { icons::chevron() }
            </button>
            if *open {
                <div class="switcher__menu" role="menu" id="store-menu">
                    { for store.stores.iter().map(|s| {
                        let active = store.active_store.as_deref() == Some(s.id.as_str());
                        html! {
                            <button role="menuitemradio" aria-checked={active.to_string()}
                                    class={classes!("switcher__store", active.then_some("switcher__store--active"))}
                                    onclick={select(s.id.clone())}>
                                { icons::store() }
                                <bdi>{ &s.name }</bdi>
                                if s.is_demo { <span class="badge badge--demo">{ tr(lang, T::DemoBadge) }</span> }
                                if let Some(l) = leases.iter().find(|l| l.store_id == s.id && l.live) {
                                    <span class="switcher__runs muted">
                                        { tr(lang, T::RunsOn) }{ " " }
                                        <bdi>{ if l.here { tr(lang, T::LeaseThisSeat).to_owned() } else { l.holder_seat.clone().unwrap_or_else(|| l.holder.clone()) } }</bdi>
                                    </span>
                                }
                            </button>
                        }
                    }) }
                    <ConnectActions />
                </div>
            }
        </div>
    }
}

#[component]
fn Toasts() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    html! {
        <div class="toasts" aria-live="polite">
            { for store.toasts.iter().map(|t| html! { <ToastView key={t.id} id={t.id} body={t.body.clone()} lang={lang} /> }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ToastProps {
    id: u32,
    body: ToastBody,
    lang: Language,
}

/// How long a toast stays unless dismissed (errors stay longer).
const TOAST_MS: u32 = 4_000;
const ERROR_TOAST_MS: u32 = 10_000;

#[component]
fn ToastView(props: &ToastProps) -> Html {
    let store = use_store();
    let id = props.id;
    let is_error = matches!(props.body, ToastBody::Error(_));
    {
        let store = store.clone();
        use_effect_with(id, move |_| {
            let timeout =
                gloo_timers::callback::Timeout::new(if is_error { ERROR_TOAST_MS } else { TOAST_MS }, move || {
                    store.dispatch(Action::Dismiss(id));
                });
            move || drop(timeout)
        });
    }
    let dismiss = Callback::from(move |_: MouseEvent| store.dispatch(Action::Dismiss(id)));
    let lang = props.lang;
    let (title, text, detail) = match &props.body {
        ToastBody::Error(e) => (tr(lang, T::ErrorTitle), tr(lang, error_text(e.code)), Some(e.message.clone())),
        ToastBody::Saved => (tr(lang, T::Saved), "", None),
        ToastBody::Imported(summary) => (tr(lang, import_title(summary)), "", None),
        ToastBody::Notice(text) => (text.as_str(), "", None),
    };
    let summary = match &props.body {
        ToastBody::Imported(s) => Some(import_detail(lang, s)),
        _ => None,
    };
    html! {
        <div class={classes!("toast", if is_error { "toast--error" } else { "toast--ok" })} role={if is_error { "alert" } else { "status" }}>
            <div class="toast__body">
                <strong>{ title }</strong>
                if !text.is_empty() { <span>{ text }</span> }
                if let Some(line) = summary { <bdi class="toast__summary">{ line }</bdi> }
                if let Some(d) = detail { <code class="toast__detail" dir="ltr">{ d }</code> }
            </div>
            <button class="btn btn--ghost btn--icon" aria-label={tr(lang, T::Dismiss)} onclick={dismiss}>{ icons::close() }</button>
        </div>
    }
}
