//! Settings → Language model (optional): an OpenAI-compatible server (OpenAI, or a local Ollama),
//! the model, the API key (sent once to the keychain; the UI only learns whether one is set) and
//! the token budget of a run. It rewords rationales and flags doubtful pages; it never sets a price.

use spo_ipc::{LlmSettings, LlmSettingsPatch};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{input_value, use_store, OrToast};
use crate::i18n::{digits, tr, T};
use crate::state::Action;

/// The card.
#[component]
pub fn LlmSettingsCard() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let settings = use_state(|| None::<LlmSettings>);
    let base_url = use_state(String::new);
    let model = use_state(String::new);
    let key = use_state(String::new);
    let budget = use_state(String::new);
    let fill = {
        let (settings, base_url, model, budget) = (settings.clone(), base_url.clone(), model.clone(), budget.clone());
        move |s: LlmSettings| {
            base_url.set(s.base_url.clone());
            model.set(s.model.clone());
            budget.set(s.budget_tokens.to_string());
            settings.set(Some(s));
        }
    };
    {
        let (fill, store) = (fill.clone(), store.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Some(s) = api::get_llm_settings().await.or_toast(&store) {
                    fill(s);
                }
            });
        });
    }
    let send = {
        let (fill, store, key) = (fill.clone(), store.clone(), key.clone());
        Callback::from(move |patch: LlmSettingsPatch| {
            let (fill, store, key) = (fill.clone(), store.clone(), key.clone());
            spawn_local(async move {
                if let Some(s) = api::update_llm_settings(patch).await.or_toast(&store) {
                    key.set(String::new());
                    fill(s);
                    store.dispatch(Action::Saved);
                }
            });
        })
    };
    let Some(current) = (*settings).clone() else {
        return html! {};
    };
    let save = {
        let (send, base_url, model, key, budget) =
            (send.clone(), base_url.clone(), model.clone(), key.clone(), budget.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = |s: &UseStateHandle<String>| Some(s.trim().to_owned()).filter(|t| !t.is_empty());
            send.emit(LlmSettingsPatch {
                base_url: text(&base_url),
                model: text(&model),
                api_key: text(&key),
                // Not a number: the backend's range message explains what is accepted.
                budget_tokens: text(&budget).map(|b| b.parse().unwrap_or(0)),
                ..Default::default()
            });
        })
    };
    let off = {
        let send = send.clone();
        Callback::from(move |_: MouseEvent| send.emit(LlmSettingsPatch { disable: true, ..Default::default() }))
    };
    let clear_key = {
        let send = send.clone();
        Callback::from(move |_: MouseEvent| send.emit(LlmSettingsPatch { clear_api_key: true, ..Default::default() }))
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    html! {
        <div class="card settings" id="settings-llm">
            <div class="setting">
                <div>
                    <h3>{ tr(lang, T::SettingsLlm) }</h3>
                    <p class="muted">{ tr(lang, T::SettingsLlmHelp) }</p>
                </div>
                if current.enabled {
                    <div class="inline-form">
                        <span class="pill pill--ok" id="llm-state">{ tr(lang, T::LlmOn) }</span>
                        <button class="btn btn--ghost" id="llm-off" onclick={off}>{ tr(lang, T::TurnOff) }</button>
                    </div>
                } else {
                    <span class="pill" id="llm-state">{ tr(lang, T::LlmOff) }</span>
                }
            </div>
            <form class="setting setting--stack rule-form__fields" id="llm-form" onsubmit={save}>
                <label>{ tr(lang, T::LlmBaseUrl) }<input class="input" id="llm-base-url" dir="ltr" placeholder="http://localhost:11434/v1" value={(*base_url).clone()} oninput={bind(&base_url)} /></label>
                <label>{ tr(lang, T::LlmModel) }<input class="input input--short" id="llm-model" dir="ltr" placeholder="qwen2.5:7b" value={(*model).clone()} oninput={bind(&model)} /></label>
                <label>{ tr(lang, T::LlmKey) }
                    if current.key_set {
                        <span class="inline-form"><span class="pill pill--ok" id="llm-key-state">{ tr(lang, T::KeySaved) }</span>
                            <button type="button" class="btn btn--danger" id="llm-key-clear" onclick={clear_key}>{ tr(lang, T::Remove) }</button></span>
                    } else {
                        <input class="input" id="llm-key" type="password" autocomplete="off" dir="ltr" placeholder="sk-…" value={(*key).clone()} oninput={bind(&key)} />
                    }
                </label>
                <label>{ tr(lang, T::LlmBudget) }<input class="input input--short" id="llm-budget" type="number" min="1000" dir="ltr" value={(*budget).clone()} oninput={bind(&budget)} /></label>
                <button type="submit" class="btn btn--secondary" id="llm-save">{ tr(lang, T::Save) }</button>
            </form>
            if current.enabled {
                <p class="muted rule-form__help">{ format!("{} {}", tr(lang, T::LlmBudgetNote), digits(lang, &current.budget_tokens.to_string())) }</p>
            }
        </div>
    }
}
