//! The Yew front end of Salla Price Optimizer, compiled to wasm and loaded by the Tauri window.
//!
//! **Invariant:** depends on `spo-ipc` only; every backend call goes through [`api`].

mod api;
mod app;
mod competitor_settings;
mod competitors;
mod connect;
mod data_settings;
mod decisions;
mod format;
mod hooks;
mod i18n;
mod icons;
mod import_bar;
mod jobs;
mod llm_settings;
mod notifications;
mod pages;
mod product;
mod recovery;
mod rule_form;
mod runs;
mod state;
mod team;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
