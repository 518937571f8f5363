//! Settings → Competitors: hosts allowed on private addresses, how long prices are kept, and the
//! Tavily key (sent once to the keychain; the UI only ever learns whether one is set).

use spo_ipc::{CompetitorSettings, CompetitorSettingsPatch};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{input_value, use_store, OrToast};
use crate::i18n::{tr, T};
use crate::state::Action;

/// The card.
#[component]
pub fn CompetitorSettingsCard() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let settings = use_state(|| None::<CompetitorSettings>);
    let new_host = use_state(String::new);
    let days = use_state(String::new);
    let key = use_state(String::new);
    {
        let (settings, days, store) = (settings.clone(), days.clone(), store.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Some(s) = api::get_competitor_settings().await.or_toast(&store) {
                    days.set(s.retention_days.to_string());
                    settings.set(Some(s));
                }
            });
        });
    }
    let save = {
        let (settings, store, days) = (settings.clone(), store.clone(), days.clone());
        Callback::from(move |(patch, after): (CompetitorSettingsPatch, Option<UseStateHandle<String>>)| {
            let (settings, store, days) = (settings.clone(), store.clone(), days.clone());
            spawn_local(async move {
                if let Some(s) = api::update_competitor_settings(patch).await.or_toast(&store) {
                    days.set(s.retention_days.to_string());
                    settings.set(Some(s));
                    if let Some(field) = after {
                        field.set(String::new());
                    }
                    store.dispatch(Action::Saved);
                }
            });
        })
    };
    let Some(current) = (*settings).clone() else {
        return html! {};
    };
    let hosts_patch = |hosts: Vec<String>| CompetitorSettingsPatch { allowed_hosts: Some(hosts), ..Default::default() };
    let add_host = {
        let (save, new_host, hosts) = (save.clone(), new_host.clone(), current.allowed_hosts.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut next = hosts.clone();
            next.push((*new_host).trim().to_owned());
            save.emit((hosts_patch(next), Some(new_host.clone())));
        })
    };
    let remove_host = |host: String| {
        let (save, hosts) = (save.clone(), current.allowed_hosts.clone());
        Callback::from(move |_: MouseEvent| {
            save.emit((hosts_patch(hosts.iter().filter(|h| **h != host).cloned().collect()), None));
        })
    };
    let save_days = {
        let (save, days) = (save.clone(), days.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match days.trim().parse::<u32>() {
                Ok(d) => save.emit((CompetitorSettingsPatch { retention_days: Some(d), ..Default::default() }, None)),
                // Not a number: the backend's range message explains what is accepted.
                Err(_) => save.emit((CompetitorSettingsPatch { retention_days: Some(0), ..Default::default() }, None)),
            }
        })
    };
    let save_key = {
        let (save, key) = (save.clone(), key.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            save.emit((
                CompetitorSettingsPatch { tavily_key: Some((*key).clone()), ..Default::default() },
                Some(key.clone()),
            ));
        })
    };
    let clear_key = {
        let save = save.clone();
        Callback::from(move |_: MouseEvent| {
            save.emit((CompetitorSettingsPatch { clear_tavily_key: true, ..Default::default() }, None))
        })
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    html! {
        <div class="card settings" id="settings-competitors">
            <div class="setting"><div><h3>{ tr(lang, T::SettingsCompetitors) }</h3></div></div>
            <div class="setting setting--stack">
                <div>
                    <strong>{ tr(lang, T::AllowedHosts) }</strong>
                    <p class="muted">{ tr(lang, T::AllowedHostsHelp) }</p>
                    <ul class="chips" id="allowed-hosts">
                        if current.allowed_hosts.is_empty() { <li class="muted">{ tr(lang, T::NoAllowedHosts) }</li> }
                        { for current.allowed_hosts.iter().map(|h| html! {
                            <li class="chip" key={h.clone()}><span class="mono" dir="ltr">{ h }</span>
                                <button class="chip__remove" aria-label={tr(lang, T::Remove)} title={tr(lang, T::Remove)} onclick={remove_host(h.clone())}>{ "×" }</button></li>
                        }) }
                    </ul>
                </div>
                <form class="inline-form" onsubmit={add_host}>
                    <input class="input" id="allowed-host-input" dir="ltr" required=true placeholder="192.168.1.20:8080" value={(*new_host).clone()} oninput={bind(&new_host)} />
                    <button type="submit" class="btn btn--secondary" id="allowed-host-add">{ tr(lang, T::Allow) }</button>
                </form>
            </div>
            <div class="setting">
                <div>
                    <strong>{ tr(lang, T::Retention) }</strong>
                    <p class="muted">{ tr(lang, T::RetentionHelp) }</p>
                </div>
                <form class="inline-form" onsubmit={save_days}>
                    <input class="input input--short" id="retention-days" type="number" min="30" max="3650" dir="ltr" value={(*days).clone()} oninput={bind(&days)} />
                    <span class="muted">{ tr(lang, T::Days) }</span>
                    <button type="submit" class="btn btn--secondary" id="retention-save">{ tr(lang, T::Save) }</button>
                </form>
            </div>
            <div class="setting">
                <div>
                    <strong>{ tr(lang, T::TavilyKey) }</strong>
                    <p class="muted">{ tr(lang, T::TavilyKeyHelp) }</p>
                </div>
                if current.tavily_key_set {
                    <div class="inline-form">
                        <span class="pill pill--ok" id="tavily-key-state">{ tr(lang, T::KeySaved) }</span>
                        <button class="btn btn--danger" id="tavily-key-clear" onclick={clear_key}>{ tr(lang, T::Remove) }</button>
                    </div>
                } else {
                    <form class="inline-form" onsubmit={save_key}>
                        <input class="input" id="tavily-key-input" type="password" autocomplete="off" dir="ltr" required=true placeholder="tvly-…" value={(*key).clone()} oninput={bind(&key)} />
                        <button type="submit" class="btn btn--secondary" id="tavily-key-save">{ tr(lang, T::Save) }</button>
                    </form>
                }
            </div>
        </div>
    }
}
