//! The notification centre (the bell in the title bar) and Settings → Notifications and window.

use spo_ipc::{
    DesktopSettings, DesktopSettingsPatch, Language, NotificationInfo, NotificationList, NotifyKind, NotifyToggle,
};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::competitors::local_time;
use crate::hooks::{input_value, use_store, OrToast};
use crate::i18n::{digits, tr, T};
use crate::icons;
use crate::state::{Action, Page};

/// The screen a notification is about.
pub fn page_of(slug: &str) -> Option<Page> {
    Page::ALL.iter().copied().find(|p| p.slug() == slug)
}

fn kind_text(kind: NotifyKind) -> (T, T) {
    match kind {
        NotifyKind::ApprovalsWaiting => (T::NotifyApprovals, T::NotifyApprovalsHelp),
        NotifyKind::Undercut => (T::NotifyUndercut, T::NotifyUndercutHelp),
        NotifyKind::PricesApplied => (T::NotifyApplied, T::NotifyAppliedHelp),
        NotifyKind::BreakerTripped => (T::NotifyBreaker, T::NotifyBreakerHelp),
        NotifyKind::AuthLost => (T::NotifyAuth, T::NotifyAuthHelp),
        NotifyKind::JobFailing => (T::NotifyJobFailing, T::NotifyJobFailingHelp),
        NotifyKind::StoreRunsElsewhere => (T::NotifyElsewhere, T::NotifyElsewhereHelp),
    }
}

fn texts(lang: Language, n: &NotificationInfo) -> (&str, &str) {
    match lang {
        Language::Ar => (&n.title_ar, &n.body_ar),
        Language::En => (&n.title_en, &n.body_en),
    }
}

/// The bell with the unread count and its panel.
#[component]
pub fn NotificationBell() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let list = use_state(NotificationList::default);
    let open = use_state(|| false);
    {
        let (list, store) = (list.clone(), store.clone());
        use_effect_with(store.notifications_version, move |_| {
            spawn_local(async move {
                if let Some(l) = api::list_notifications().await.or_toast(&store) {
                    list.set(l);
                }
            });
        });
    }
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let mark = {
        let (list, store) = (list.clone(), store.clone());
        Callback::from(move |ids: Vec<String>| {
            let (list, store) = (list.clone(), store.clone());
            spawn_local(async move {
                if let Some(l) = api::mark_notifications_read(ids).await.or_toast(&store) {
                    list.set(l);
                }
            });
        })
    };
    let read_all = {
        let mark = mark.clone();
        Callback::from(move |_: MouseEvent| mark.emit(Vec::new()))
    };
    let label = tr(lang, T::Notifications);
    html! {
        <div class="notif">
            <button id="notif-bell" class="btn btn--ghost btn--icon notif__bell" title={label} aria-label={label}
                    aria-haspopup="dialog" aria-expanded={open.to_string()} onclick={toggle}>
                { icons::bell() }
                if list.unread > 0 {
                    <span class="notif__badge" id="notif-unread">{ digits(lang, &list.unread.to_string()) }</span>
                }
            </button>
            if *open {
                <div class="notif__panel" id="notif-panel" role="dialog" aria-label={label}>
                    <div class="notif__header">
                        <strong>{ label }</strong>
                        <button class="btn btn--ghost" id="notif-read-all" disabled={list.unread == 0} onclick={read_all}>{ tr(lang, T::MarkAllRead) }</button>
                    </div>
                    if list.items.is_empty() {
                        <p class="muted notif__empty">{ tr(lang, T::NotificationsNone) }</p>
                    }
                    <ul class="notif__list">
                    { for list.items.iter().map(|n| {
                        let (title, body) = texts(lang, n);
                        let go = {
                            let (store, mark, open, id, page) = (store.clone(), mark.clone(), open.clone(), n.id.clone(), n.page.clone());
                            Callback::from(move |_: MouseEvent| {
                                if let Some(p) = page_of(&page) {
                                    store.dispatch(Action::Navigate(p));
                                }
                                mark.emit(vec![id.clone()]);
                                open.set(false);
                            })
                        };
                        html! {
                            <li key={n.id.clone()}>
                                <button class={classes!("notif__item", (!n.read).then_some("notif__item--unread"))} data-page={n.page.clone()} onclick={go}>
                                    <strong>{ title }</strong>
                                    <span>{ body }</span>
                                    <small class="muted" dir="ltr">{ digits(lang, &local_time(&n.at)) }</small>
                                </button>
                            </li>
                        }
                    }) }
                    </ul>
                </div>
            }
        </div>
    }
}

/// Settings → Notifications and window.
#[component]
pub fn DesktopSettingsCard() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let settings = use_state(|| None::<DesktopSettings>);
    let quiet_start = use_state(String::new);
    let quiet_end = use_state(String::new);
    let fill = {
        let (settings, quiet_start, quiet_end) = (settings.clone(), quiet_start.clone(), quiet_end.clone());
        move |s: DesktopSettings| {
            quiet_start.set(s.quiet_start.clone().unwrap_or_default());
            quiet_end.set(s.quiet_end.clone().unwrap_or_default());
            settings.set(Some(s));
        }
    };
    {
        let (fill, store) = (fill.clone(), store.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Some(s) = api::get_desktop_settings().await.or_toast(&store) {
                    fill(s);
                }
            });
        });
    }
    let send = {
        let (fill, store) = (fill.clone(), store.clone());
        Callback::from(move |patch: DesktopSettingsPatch| {
            let (fill, store) = (fill.clone(), store.clone());
            spawn_local(async move {
                if let Some(s) = api::update_desktop_settings(patch).await.or_toast(&store) {
                    fill(s);
                    store.dispatch(Action::Saved);
                }
            });
        })
    };
    let Some(current) = (*settings).clone() else {
        return html! {};
    };
    let checkbox = |id: String,
                    checked: bool,
                    label: &'static str,
                    help: &'static str,
                    patch: fn(bool) -> DesktopSettingsPatch| {
        let send = send.clone();
        let onchange = Callback::from(move |e: Event| {
            let on = e.target_dyn_into::<web_sys::HtmlInputElement>().is_some_and(|i| i.checked());
            send.emit(patch(on));
        });
        html! {
            <label class="setting setting--check">
                <input type="checkbox" id={id} checked={checked} {onchange} />
                <span><strong>{ label }</strong><br /><span class="muted">{ help }</span></span>
            </label>
        }
    };
    let save_quiet = {
        let (send, quiet_start, quiet_end) = (send.clone(), quiet_start.clone(), quiet_end.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send.emit(DesktopSettingsPatch {
                quiet_start: Some(quiet_start.trim().to_owned()),
                quiet_end: Some(quiet_end.trim().to_owned()),
                ..Default::default()
            });
        })
    };
    let clear_quiet = {
        let send = send.clone();
        Callback::from(move |_: MouseEvent| {
            send.emit(DesktopSettingsPatch { clear_quiet_hours: true, ..Default::default() })
        })
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    html! {
        <div class="card settings" id="settings-desktop">
            <div class="setting">
                <div>
                    <h3>{ tr(lang, T::SettingsWindow) }</h3>
                    <p class="muted">{ tr(lang, T::SettingsWindowHelp) }</p>
                </div>
            </div>
            { checkbox("desk-close-to-tray".into(), current.close_to_tray, tr(lang, T::CloseToTray), tr(lang, T::CloseToTrayHelp),
                |on| DesktopSettingsPatch { close_to_tray: Some(on), ..Default::default() }) }
            { checkbox("desk-login".into(), current.start_at_login, tr(lang, T::StartAtLogin), tr(lang, T::StartAtLoginHelp),
                |on| DesktopSettingsPatch { start_at_login: Some(on), ..Default::default() }) }
            <div class="setting">
                <div>
                    <h3>{ tr(lang, T::Notifications) }</h3>
                    <p class="muted">{ tr(lang, T::NotificationsHelp) }</p>
                </div>
            </div>
            { for current.notify.iter().map(|t| {
                let (label, help) = kind_text(t.kind);
                let (send, kind) = (send.clone(), t.kind);
                let onchange = Callback::from(move |e: Event| {
                    let on = e.target_dyn_into::<web_sys::HtmlInputElement>().is_some_and(|i| i.checked());
                    send.emit(DesktopSettingsPatch { notify: vec![NotifyToggle { kind, on }], ..Default::default() });
                });
                let id = format!("notify-{}", serde_json::to_value(t.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default());
                html! {
                    <label class="setting setting--check">
                        <input type="checkbox" id={id} checked={t.on} {onchange} />
                        <span><strong>{ tr(lang, label) }</strong><br /><span class="muted">{ tr(lang, help) }</span></span>
                    </label>
                }
            }) }
            <form class="setting" id="quiet-form" onsubmit={save_quiet}>
                <div>
                    <h3>{ tr(lang, T::QuietHours) }{ " " }
                        <span class={if current.quiet_start.is_some() { "pill pill--ok" } else { "pill" }} id="quiet-state">
                            { match (&current.quiet_start, &current.quiet_end) {
                                (Some(a), Some(b)) => digits(lang, &format!("{a} – {b}")),
                                _ => tr(lang, T::QuietHoursOff).to_owned(),
                            } }
                        </span>
                    </h3>
                    <p class="muted">{ tr(lang, T::QuietHoursHelp) }</p>
                </div>
                <div class="inline-form">
                    <label>{ tr(lang, T::From) }<input class="input input--short" id="quiet-start" type="time" dir="ltr" value={(*quiet_start).clone()} oninput={bind(&quiet_start)} /></label>
                    <label>{ tr(lang, T::To) }<input class="input input--short" id="quiet-end" type="time" dir="ltr" value={(*quiet_end).clone()} oninput={bind(&quiet_end)} /></label>
                    <button type="submit" class="btn btn--secondary" id="quiet-save">{ tr(lang, T::Save) }</button>
                    if current.quiet_start.is_some() {
                        <button type="button" class="btn btn--ghost" id="quiet-clear" onclick={clear_quiet}>{ tr(lang, T::Remove) }</button>
                    }
                </div>
            </form>
        </div>
    }
}
