//! The "connect a store" dialog: the merchant's own Salla app (browser sign-in), pasted tokens, or
//! the demo store.

use spo_ipc::{ConnectApp, ConnectTokens};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::hooks::{input_value, store_connected, use_store, OrToast};
use crate::i18n::{tr, T};
use crate::state::Action;
use crate::{api, icons};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    OwnApp,
    Tokens,
    Demo,
}

type ConnectFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<spo_ipc::ConnectedStore, spo_ipc::IpcError>>>>;

/// Default redirect port (also the CLI's).
const DEFAULT_PORT: u16 = 8723;

/// The dialog; rendered while `connect_open` is set.
#[component]
pub fn ConnectDialog() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let tab = use_state(|| Tab::OwnApp);
    let client_id = use_state(String::new);
    let client_secret = use_state(String::new);
    let port = use_state(|| DEFAULT_PORT.to_string());
    let access = use_state(String::new);
    let refresh = use_state(String::new);
    let busy = use_state(|| false);

    let close = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::ConnectDialog(false)))
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    let run = {
        let store = store.clone();
        let busy = busy.clone();
        move |future: ConnectFuture| {
            let store = store.clone();
            let busy = busy.clone();
            busy.set(true);
            spawn_local(async move {
                if let Some(connected) = future.await.or_toast(&store) {
                    store_connected(&store, connected.store);
                }
                busy.set(false);
            });
        }
    };
    let connect_app = {
        let (client_id, client_secret, port) = (client_id.clone(), client_secret.clone(), port.clone());
        let run = run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(redirect_port) = port.trim().parse::<u16>() else {
                run(Box::pin(async {
                    Err(spo_ipc::IpcError::new(
                        spo_ipc::ErrorCode::InvalidInput,
                        "the redirect port must be a number from 1 to 65535",
                    ))
                }));
                return;
            };
            let request =
                ConnectApp { client_id: (*client_id).clone(), client_secret: (*client_secret).clone(), redirect_port };
            run(Box::pin(api::connect_with_app(request)));
        })
    };
    let connect_tokens = {
        let (access, refresh, client_id, client_secret) =
            (access.clone(), refresh.clone(), client_id.clone(), client_secret.clone());
        let run = run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let opt = |s: &UseStateHandle<String>| Some((**s).clone()).filter(|v| !v.trim().is_empty());
            let request = ConnectTokens {
                access_token: (*access).clone(),
                refresh_token: opt(&refresh),
                client_id: opt(&client_id),
                client_secret: opt(&client_secret),
            };
            run(Box::pin(api::connect_with_tokens(request)));
        })
    };
    let cancel = Callback::from(move |_: MouseEvent| {
        spawn_local(async {
            // Nothing to report if there was nothing to cancel.
            let _ = api::cancel_sign_in().await;
        });
    });
    let tab_button = |t: Tab, id: &'static str, label: T| {
        let tab = tab.clone();
        let active = *tab == t;
        html! {
            <button {id} role="tab" aria-selected={active.to_string()}
                    class={classes!("segmented__option", active.then_some("segmented__option--active"))}
                    onclick={Callback::from(move |_: MouseEvent| tab.set(t))}>{ tr(lang, label) }</button>
        }
    };
    let redirect_url = format!("http://127.0.0.1:{}/callback", port.trim());
    let body = match *tab {
        Tab::OwnApp => html! {
            <form class="form" id="connect-app-form" onsubmit={connect_app}>
                <p class="muted">{ tr(lang, T::OwnAppHelp) }{ " " }<code dir="ltr" id="connect-redirect-url">{ redirect_url }</code></p>
                <label>{ tr(lang, T::ClientId) }<input class="input" id="connect-client-id" dir="ltr" autocomplete="off" required=true value={(*client_id).clone()} oninput={bind(&client_id)} /></label>
                <label>{ tr(lang, T::ClientSecret) }<input class="input" id="connect-client-secret" type="password" dir="ltr" autocomplete="off" required=true value={(*client_secret).clone()} oninput={bind(&client_secret)} /></label>
                <label>{ tr(lang, T::RedirectPort) }<input class="input" id="connect-port" dir="ltr" inputmode="numeric" value={(*port).clone()} oninput={bind(&port)} /></label>
                <div class="form__actions">
                    if *busy {
                        <span class="muted" id="connect-waiting">{ tr(lang, T::WaitingForBrowser) }</span>
                        <button type="button" class="btn btn--secondary" id="connect-cancel" onclick={cancel}>{ tr(lang, T::Cancel) }</button>
                    } else {
                        <button type="submit" class="btn btn--primary" id="connect-app-submit">{ icons::plug() }<span>{ tr(lang, T::Connect) }</span></button>
                    }
                </div>
            </form>
        },
        Tab::Tokens => html! {
            <form class="form" id="connect-tokens-form" onsubmit={connect_tokens}>
                <p class="muted">{ tr(lang, T::TokensHelp) }</p>
                <label>{ tr(lang, T::AccessToken) }<input class="input" id="connect-access" type="password" dir="ltr" autocomplete="off" value={(*access).clone()} oninput={bind(&access)} /></label>
                <label>{ tr(lang, T::RefreshToken) }<input class="input" id="connect-refresh" type="password" dir="ltr" autocomplete="off" value={(*refresh).clone()} oninput={bind(&refresh)} /></label>
                <label>{ tr(lang, T::ClientId) }<input class="input" dir="ltr" autocomplete="off" value={(*client_id).clone()} oninput={bind(&client_id)} /></label>
                <label>{ tr(lang, T::ClientSecret) }<input class="input" type="password" dir="ltr" autocomplete="off" value={(*client_secret).clone()} oninput={bind(&client_secret)} /></label>
                <div class="form__actions">
                    <button type="submit" class="btn btn--primary" id="connect-tokens-submit" disabled={*busy}>{ icons::plug() }<span>{ tr(lang, T::Connect) }</span></button>
                </div>
            </form>
        },
        Tab::Demo => html! {
            <div class="form">
                <p class="muted">{ tr(lang, T::DemoHelp) }</p>
                <div class="form__actions"><DemoButton /></div>
            </div>
        },
    };
    html! {
        <div class="modal" role="dialog" aria-modal="true" aria-labelledby="connect-title" id="connect-dialog">
            <div class="modal__panel card">
                <header class="card__header">
                    <h2 id="connect-title">{ tr(lang, T::ConnectTitle) }</h2>
                    <button class="btn btn--ghost btn--icon" id="connect-close" aria-label={tr(lang, T::Close)} onclick={close}>{ icons::close() }</button>
                </header>
                <div class="segmented" role="tablist">
                    { tab_button(Tab::OwnApp, "connect-tab-app", T::TabOwnApp) }
                    { tab_button(Tab::Tokens, "connect-tab-tokens", T::TabTokens) }
                    { tab_button(Tab::Demo, "connect-tab-demo", T::TabDemo) }
                </div>
                { body }
            </div>
        </div>
    }
}

/// "Connect a store" (opens the dialog) and, until a demo store exists, "Try the demo store".
#[component]
pub fn ConnectActions() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let has_demo = store.stores.iter().any(|s| s.is_demo);
    let open = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::ConnectDialog(true)))
    };
    html! {
        <div class="connect-actions">
            <button id="connect-store" class="btn btn--primary" onclick={open}>
                { icons::plug() }
                <span>{ tr(lang, T::ConnectStore) }</span>
            </button>
            if !has_demo { <DemoButton /> }
        </div>
    }
}

/// Connects the local demo store through the real OAuth flow and imports its catalogue.
#[component]
pub fn DemoButton() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let busy = use_state(|| false);
    let try_demo = {
        let store = store.clone();
        let busy = busy.clone();
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            let store = store.clone();
            let busy = busy.clone();
            spawn_local(async move {
                if let Some(connected) = api::connect_demo_store().await.or_toast(&store) {
                    store_connected(&store, connected.store);
                }
                busy.set(false);
            });
        })
    };
    html! {
        <button id="try-demo" class="btn btn--secondary" disabled={*busy} aria-busy={busy.to_string()} onclick={try_demo}>
            { icons::sparkles() }
            <span>{ tr(lang, if *busy { T::Connecting } else { T::TryDemo }) }</span>
        </button>
    }
}
