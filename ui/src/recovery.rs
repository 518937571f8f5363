//! The start-up recovery screen: the database could not be opened or read, so the app shows what
//! is wrong and the backups, and restores the one the merchant picks (the damaged file is kept).
//! Without a database there are no settings, so it speaks both languages at once.

use spo_ipc::{BackupFile, RecoveryStatus};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;

/// What the screen is doing.
#[derive(Clone, PartialEq)]
enum Step {
    Choose,
    Restoring(String),
    Restored(String),
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub status: RecoveryStatus,
}

/// The whole window while the database is damaged.
#[component]
pub fn RecoveryScreen(props: &Props) -> Html {
    let step = use_state(|| Step::Choose);
    let s = &props.status;
    let restore = |b: &BackupFile| {
        let (step, path, name) = (step.clone(), b.path.clone(), b.name.clone());
        Callback::from(move |_| {
            let (step, path, name) = (step.clone(), path.clone(), name.clone());
            step.set(Step::Restoring(name.clone()));
            spawn_local(async move {
                match api::recovery_restore(path).await {
                    Ok(r) => step.set(Step::Restored(r.safety_copy.map(|c| c.path).unwrap_or_default())),
                    Err(e) => step.set(Step::Failed(e.message)),
                }
            });
        })
    };
    let restart = Callback::from(|_| {
        spawn_local(async {
            let _ = api::recovery_restart().await;
        })
    });
    let busy = matches!(*step, Step::Restoring(_));
    html! {
        <main class="recovery" id="recovery">
            <div class="card card--pad recovery__card">
                <h1>{ "قاعدة البيانات تالفة" }</h1>
                <p lang="en" dir="ltr" class="muted">{ "The database is damaged" }</p>
                <p>{ "لا يستطيع التطبيق قراءة بياناته. اختر نسخة احتياطية لاستعادتها؛ يُحتفظ بالملف التالف جانبًا ولا يُحذف." }</p>
                <p lang="en" dir="ltr" class="muted">{ "The app cannot read its data. Pick a backup to restore; the damaged file is kept aside, never deleted." }</p>
                <p class="mono" dir="ltr" id="recovery-problem"><bdi>{ &s.problem }</bdi></p>
                <p class="mono muted" dir="ltr"><bdi>{ &s.db_path }</bdi></p>
                {
                    match &*step {
                        Step::Restored(kept) => html! {
                            <div class="banner banner--ok" id="recovery-done">
                                <p>{ "اكتملت الاستعادة. أعد تشغيل التطبيق." }</p>
                                <p lang="en" dir="ltr">{ "Restored. Start the app again." }</p>
                                if !kept.is_empty() { <p class="mono" dir="ltr"><bdi>{ kept.clone() }</bdi></p> }
                                <button class="btn btn--primary" id="recovery-restart" onclick={restart}>{ "إعادة التشغيل · Restart" }</button>
                            </div>
                        },
                        Step::Failed(why) => html! {
                            <div class="banner banner--warn" id="recovery-failed"><bdi>{ why.clone() }</bdi></div>
                        },
                        _ => html! {},
                    }
                }
                if s.backups.is_empty() {
                    <p id="recovery-no-backups">{ "لا توجد نسخ احتياطية في مجلد النسخ. · No backup is available in the backups folder." }</p>
                } else if !matches!(*step, Step::Restored(_)) {
                    <table class="table" id="recovery-backups">
                        <tbody>
                            { for s.backups.iter().map(|b| html! {
                                <tr class="recovery-backup" data-name={b.name.clone()}>
                                    <td dir="ltr" class="mono"><bdi>{ &b.name }</bdi></td>
                                    <td dir="ltr">{ b.created_at.get(..16).unwrap_or(&b.created_at).replace('T', " ") }</td>
                                    <td dir="ltr" class="num">{ format!("{} KB", b.size_bytes / 1024) }</td>
                                    <td><button class="btn btn--secondary recovery-restore" disabled={busy} onclick={restore(b)}>
                                        { "استعادة · Restore" }</button></td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }
            </div>
        </main>
    }
}
