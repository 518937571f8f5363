//! Settings → Data: where the database is, back up now, the backups kept (restore one, or any
//! file), how many daily copies to keep, and CSV exports of the active store.

use spo_ipc::{DataOverview, ExportKind};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::competitors::local_time;
use crate::format::human_bytes;
use crate::hooks::{input_value, use_store, OrToast, Store};
use crate::i18n::{digits, tr, T};
use crate::state::Action;

fn kind_text(kind: spo_ipc::BackupKind) -> T {
    match kind {
        spo_ipc::BackupKind::Daily => T::BackupDaily,
        spo_ipc::BackupKind::PreMigration => T::BackupPreMigration,
        spo_ipc::BackupKind::BeforeRestore => T::BackupBeforeRestore,
        spo_ipc::BackupKind::Manual => T::BackupManual,
    }
}

/// After a restore every screen shows the restored data: settings and stores are read again.
async fn reload_everything(store: &Store) {
    if let Ok(settings) = api::get_settings().await {
        store.dispatch(Action::SettingsChanged(settings));
    }
    if let Ok(stores) = api::list_stores().await {
        store.dispatch(Action::StoresChanged(stores));
    }
    if let Ok(on) = api::get_kill_switch().await {
        store.dispatch(Action::KillSwitch(on));
    }
}

/// The card.
#[component]
pub fn DataSettingsCard() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let overview = use_state(|| None::<DataOverview>);
    let keep = use_state(String::new);
    let runs_days = use_state(String::new);
    let log_days = use_state(String::new);
    let other_file = use_state(String::new);
    let confirming = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let reload = {
        let (overview, keep, store) = (overview.clone(), keep.clone(), store.clone());
        let (runs_days, log_days) = (runs_days.clone(), log_days.clone());
        Callback::from(move |_: ()| {
            let (overview, keep, store) = (overview.clone(), keep.clone(), store.clone());
            let (runs_days, log_days) = (runs_days.clone(), log_days.clone());
            spawn_local(async move {
                if let Some(o) = api::list_backups().await.or_toast(&store) {
                    keep.set(o.keep.to_string());
                    runs_days.set(o.job_runs_days.to_string());
                    log_days.set(o.log_days.to_string());
                    overview.set(Some(o));
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let Some(current) = (*overview).clone() else {
        return html! {};
    };
    let backup = {
        let (store, reload, busy) = (store.clone(), reload.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, reload, busy) = (store.clone(), reload.clone(), busy.clone());
            busy.set(true);
            spawn_local(async move {
                if let Some(r) = api::backup_now().await.or_toast(&store) {
                    let text = format!("{} {}", tr(lang, T::BackupWritten), r.file.name);
                    store.dispatch(Action::Notice(text));
                    reload.emit(());
                }
                busy.set(false);
            });
        })
    };
    let restore = {
        let (store, reload, busy, confirming) = (store.clone(), reload.clone(), busy.clone(), confirming.clone());
        Callback::from(move |path: String| {
            let (store, reload, busy, confirming) = (store.clone(), reload.clone(), busy.clone(), confirming.clone());
            busy.set(true);
            spawn_local(async move {
                if let Some(r) = api::restore_backup(path).await.or_toast(&store) {
                    reload_everything(&store).await;
                    let kept = r.safety_copy.map(|c| c.name).unwrap_or_default();
                    store.dispatch(Action::Notice(format!("{} {kept}", tr(lang, T::RestoreDone))));
                    reload.emit(());
                }
                confirming.set(None);
                busy.set(false);
            });
        })
    };
    let save_keep = {
        let (store, keep, overview) = (store.clone(), keep.clone(), overview.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (store, overview) = (store.clone(), overview.clone());
            // Not a number: the backend's range message explains what is accepted.
            let n = keep.trim().parse().unwrap_or(0);
            spawn_local(async move {
                if let Some(o) = api::set_backup_keep(n).await.or_toast(&store) {
                    overview.set(Some(o));
                    store.dispatch(Action::Saved);
                }
            });
        })
    };
    let save_retention = {
        let (store, overview, runs_days, log_days) =
            (store.clone(), overview.clone(), runs_days.clone(), log_days.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (store, overview) = (store.clone(), overview.clone());
            // Not a number: the backend's range message explains what is accepted.
            let (runs, logs) = (runs_days.trim().parse().unwrap_or(0), log_days.trim().parse().unwrap_or(0));
            spawn_local(async move {
                if let Some(o) = api::set_retention(runs, logs).await.or_toast(&store) {
                    overview.set(Some(o));
                    store.dispatch(Action::Saved);
                }
            });
        })
    };
    let export = |kind: ExportKind| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            let store = store.clone();
            let Some(store_id) = store.active_store.clone() else { return };
            spawn_local(async move {
                if let Some(r) = api::export_csv(store_id, kind).await.or_toast(&store) {
                    let text =
                        format!("{} {} — {}", digits(lang, &r.rows.to_string()), tr(lang, T::ExportRows), r.path);
                    store.dispatch(Action::Notice(text));
                }
            });
        })
    };
    let no_store = store.active_store.is_none();
    let restore_other = {
        let (restore, other_file) = (restore.clone(), other_file.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            restore.emit(other_file.trim().to_owned());
        })
    };
    html! {
        <div class="card settings" id="settings-data">
            <div class="setting">
                <div>
                    <h3>{ tr(lang, T::SettingsData) }</h3>
                    <p class="muted">{ tr(lang, T::SettingsDataHelp) }</p>
                    <p class="muted mono" dir="ltr" id="data-db">{ format!("{} · {}", current.db_path, human_bytes(current.db_size_bytes)) }</p>
                </div>
                <button class="btn btn--primary" id="data-backup" disabled={*busy} onclick={backup}>{ tr(lang, T::BackupNow) }</button>
            </div>
            <div class="setting">
                <div>
                    <h3>{ tr(lang, T::ExportCsv) }</h3>
                    <p class="muted">{ tr(lang, T::ExportCsvHelp) }</p>
                </div>
                <div class="inline-form">
                    <button class="btn btn--secondary" id="export-products" disabled={no_store} onclick={export(ExportKind::Products)}>{ tr(lang, T::ExportProducts) }</button>
                    <button class="btn btn--secondary" id="export-decisions" disabled={no_store} onclick={export(ExportKind::Decisions)}>{ tr(lang, T::ExportDecisions) }</button>
                    <button class="btn btn--secondary" id="export-audit" disabled={no_store} onclick={export(ExportKind::Audit)}>{ tr(lang, T::ExportAudit) }</button>
                </div>
            </div>
            <form class="setting" id="backup-keep-form" onsubmit={save_keep}>
                <div>
                    <h3>{ tr(lang, T::BackupKeep) }</h3>
                    <p class="muted">{ tr(lang, T::BackupKeepHelp) }</p>
                </div>
                <div class="inline-form">
                    <input class="input input--short" id="backup-keep" type="number" min="1" max="365" dir="ltr" value={(*keep).clone()}
                        oninput={ let keep = keep.clone(); Callback::from(move |e: InputEvent| keep.set(input_value(&e))) } />
                    <button type="submit" class="btn btn--secondary" id="backup-keep-save">{ tr(lang, T::Save) }</button>
                </div>
            </form>
            <form class="setting" id="retention-form" onsubmit={save_retention}>
                <div>
                    <h3>{ tr(lang, T::HistoryKept) }</h3>
                    <p class="muted">{ tr(lang, T::HistoryKeptHelp) }</p>
                </div>
                <div class="inline-form">
                    <label>{ tr(lang, T::RetentionRuns) }<input class="input input--short" id="retention-runs" type="number" min="7" max="3650" dir="ltr" value={(*runs_days).clone()}
                        oninput={ let d = runs_days.clone(); Callback::from(move |e: InputEvent| d.set(input_value(&e))) } /></label>
                    <label>{ tr(lang, T::RetentionLogs) }<input class="input input--short" id="retention-logs" type="number" min="1" max="3650" dir="ltr" value={(*log_days).clone()}
                        oninput={ let d = log_days.clone(); Callback::from(move |e: InputEvent| d.set(input_value(&e))) } /></label>
                    <button type="submit" class="btn btn--secondary" id="retention-save">{ tr(lang, T::Save) }</button>
                </div>
            </form>
            <h3>{ tr(lang, T::BackupsKept) }</h3>
            if current.backups.is_empty() {
                <p class="muted" id="backups-none">{ tr(lang, T::BackupsNone) }</p>
            } else {
                <table class="table" id="backups">
                    <thead><tr>
                        <th>{ tr(lang, T::BackupWhen) }</th><th>{ tr(lang, T::BackupKind) }</th>
                        <th>{ tr(lang, T::BackupSize) }</th><th></th>
                    </tr></thead>
                    <tbody>
                    { for current.backups.iter().enumerate().map(|(i, b)| {
                        let asking = confirming.as_deref() == Some(b.path.as_str());
                        let ask = { let (confirming, path) = (confirming.clone(), b.path.clone()); Callback::from(move |_: MouseEvent| confirming.set(Some(path.clone()))) };
                        let go = { let (restore, path) = (restore.clone(), b.path.clone()); Callback::from(move |_: MouseEvent| restore.emit(path.clone())) };
                        let cancel = { let confirming = confirming.clone(); Callback::from(move |_: MouseEvent| confirming.set(None)) };
                        html! {
                            <tr class="backup-row" title={b.name.clone()}>
                                <td dir="ltr">{ digits(lang, &local_time(&b.created_at)) }</td>
                                <td><span class="pill">{ tr(lang, kind_text(b.kind)) }</span></td>
                                <td dir="ltr">{ human_bytes(b.size_bytes) }</td>
                                <td class="row-actions">
                                    if asking {
                                        <span class="muted">{ tr(lang, T::RestoreConfirm) }</span>
                                        <button class="btn btn--danger" id={format!("restore-yes-{i}")} disabled={*busy} onclick={go}>{ tr(lang, T::Restore) }</button>
                                        <button class="btn btn--ghost" onclick={cancel}>{ tr(lang, T::Cancel) }</button>
                                    } else {
                                        <button class="btn btn--ghost" id={format!("restore-{i}")} onclick={ask}>{ tr(lang, T::RestoreEllipsis) }</button>
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
            }
            <form class="setting" id="restore-file-form" onsubmit={restore_other}>
                <div>
                    <h3>{ tr(lang, T::RestoreFromFile) }</h3>
                    <p class="muted">{ tr(lang, T::RestoreFromFileHelp) }</p>
                </div>
                <div class="inline-form">
                    <input class="input" id="restore-path" dir="ltr" placeholder="/path/to/spo-manual-….sqlite3" value={(*other_file).clone()}
                        oninput={ let f = other_file.clone(); Callback::from(move |e: InputEvent| f.set(input_value(&e))) } />
                    <button type="submit" class="btn btn--danger" id="restore-file" disabled={*busy || other_file.trim().is_empty()}>{ tr(lang, T::Restore) }</button>
                </div>
            </form>
        </div>
    }
}
