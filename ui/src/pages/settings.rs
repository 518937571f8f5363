//! Settings: language, theme and the feature panels.

use spo_ipc::{Language, SettingsPatch, Theme};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{save_settings, use_store, OrToast};
use crate::i18n::{tr, T};
use crate::state::Action;

#[component]
pub(super) fn SettingsPage() -> Html {
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
