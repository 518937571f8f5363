//! Team sync in the window: the title-bar sync indicator, Settings → Team (create or join, members
//! and roles, invite with a code shown once, revoke, leave), and refused changes with "keep mine"
//! / "take theirs".

use spo_ipc::{SeatRole, SyncConflict, SyncIndicator as Indicator, TeamInvite, TeamMember, TeamStatus};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::competitors::local_time;
use crate::hooks::Store;
use crate::hooks::{input_value, use_store, OrToast};
use crate::i18n::{digits, tr, T};
use crate::state::Action;

/// How often the indicator asks for the sync state.
const POLL_MS: u32 = 5_000;

/// Reads the team state and hands it to the store. A failed read keeps the last state: it is not
/// worth a toast every few seconds (the indicator shows the last error it knew).
pub fn refresh(store: &Store) {
    let store = store.clone();
    spawn_local(async move {
        if let Ok(status) = api::team_status().await {
            store.dispatch(Action::Team(status));
        }
    });
}

/// The words of the indicator.
pub fn indicator_text(lang: spo_ipc::Language, status: &TeamStatus) -> Option<String> {
    let s = &status.sync;
    Some(match s.indicator {
        Indicator::Local => return None,
        Indicator::Synced => tr(lang, T::SyncSynced).to_owned(),
        Indicator::Pending => format!("{} {}", digits(lang, &s.pending.to_string()), tr(lang, T::SyncPending)),
        Indicator::Offline => format!(
            "{} {}",
            tr(lang, T::SyncOffline),
            s.offline_since.as_deref().map(|t| digits(lang, &local_time(t))).unwrap_or_default()
        ),
        Indicator::Error => tr(lang, T::SyncError).to_owned(),
    })
}

/// The title bar's sync state: synced · N pending · offline since … · error (the reason on hover).
#[function_component(SyncIndicator)]
pub fn sync_indicator() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    {
        let store = store.clone();
        use_effect_with((), move |_| {
            refresh(&store);
            let interval = gloo_timers::callback::Interval::new(POLL_MS, move || refresh(&store));
            move || drop(interval)
        });
    }
    // Rows arrived from the team: a store may have come with them.
    {
        let store = store.clone();
        let seq = store.team.as_ref().map(|t| t.sync.pulled_seq);
        use_effect_with(seq, move |seq| {
            if seq.is_some() {
                spawn_local(async move {
                    if let Ok(stores) = api::list_stores().await {
                        store.dispatch(Action::StoresChanged(stores));
                    }
                });
            }
        });
    }
    let Some(status) = store.team.as_ref() else { return html! {} };
    let Some(text) = indicator_text(lang, status) else { return html! {} };
    let title = match status.sync.indicator {
        Indicator::Offline | Indicator::Error => status.sync.last_error.clone().unwrap_or_default(),
        _ => status.team.as_ref().map(|t| t.team_name.clone()).unwrap_or_default(),
    };
    let class = match status.sync.indicator {
        Indicator::Synced => "sync-pill sync-pill--ok",
        Indicator::Pending => "sync-pill sync-pill--pending",
        Indicator::Offline => "sync-pill sync-pill--offline",
        Indicator::Error | Indicator::Local => "sync-pill sync-pill--error",
    };
    let open = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::Navigate(crate::state::Page::Settings)))
    };
    html! {
        <button id="sync-indicator" {class} {title} onclick={open}>
            <span class="sync-pill__dot" aria-hidden="true"></span>
            <span>{ text }</span>
        </button>
    }
}

fn role_text(role: SeatRole) -> T {
    match role {
        SeatRole::Owner => T::TeamRoleOwner,
        SeatRole::Manager => T::TeamRoleManager,
        SeatRole::Viewer => T::TeamRoleViewer,
    }
}

/// The roles the invite form offers, with the value of each option.
const INVITE_ROLES: [(SeatRole, &str); 3] =
    [(SeatRole::Manager, "manager"), (SeatRole::Viewer, "viewer"), (SeatRole::Owner, "owner")];

/// Settings → Team.
#[function_component(TeamCard)]
pub fn team_card() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let Some(status) = store.team.clone() else { return html! {} };
    html! {
        <div class="card settings" id="settings-team">
            <div class="setting">
                <div>
                    <h3>{ tr(lang, T::TeamTitle) }</h3>
                    <p class="muted">{ tr(lang, T::TeamHelp) }</p>
                </div>
            </div>
            if status.team.is_some() {
                <TeamMembers status={status.clone()} />
                <Conflicts />
            } else {
                <CreateOrJoin />
            }
        </div>
    }
}

#[function_component(CreateOrJoin)]
fn create_or_join() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let admin_url = use_state(String::new);
    let team_name = use_state(String::new);
    let seat_name = use_state(String::new);
    let code = use_state(String::new);
    let join_ca = use_state(String::new);
    let create_ca = use_state(String::new);
    let busy = use_state(|| false);
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let done = |store: &Store| {
        crate::team::refresh(store);
        let store = store.clone();
        spawn_local(async move {
            if let Ok(stores) = api::list_stores().await {
                store.dispatch(Action::StoresChanged(stores));
            }
        });
    };
    let create = {
        let (store, admin_url, team_name, seat_name, busy, ca) =
            (store.clone(), admin_url.clone(), team_name.clone(), seat_name.clone(), busy.clone(), create_ca.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (store, busy, admin_url) = (store.clone(), busy.clone(), admin_url.clone());
            let (team, seat, ca) = ((*team_name).clone(), (*seat_name).clone(), optional(&ca));
            let url = (*admin_url).clone();
            busy.set(true);
            spawn_local(async move {
                if api::team_create(url, team, seat, ca).await.or_toast(&store).is_some() {
                    // The admin password leaves the form as soon as it was used.
                    admin_url.set(String::new());
                    store.dispatch(Action::Saved);
                    done(&store);
                }
                busy.set(false);
            });
        })
    };
    let join = {
        let (store, code, busy, ca) = (store.clone(), code.clone(), busy.clone(), join_ca.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (store, busy, code) = (store.clone(), busy.clone(), code.clone());
            let (text, ca) = ((*code).clone(), optional(&ca));
            busy.set(true);
            spawn_local(async move {
                if api::team_join(text, ca).await.or_toast(&store).is_some() {
                    code.set(String::new());
                    store.dispatch(Action::Saved);
                    done(&store);
                }
                busy.set(false);
            });
        })
    };
    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    html! {
        <>
            <form class="setting setting--stack" id="team-join-form" onsubmit={join}>
                <div>
                    <h4>{ tr(lang, T::TeamJoinTitle) }</h4>
                    <p class="muted">{ tr(lang, T::TeamJoinHelp) }</p>
                </div>
                <div class="inline-form">
                    <input class="input input--wide mono" id="team-join-code" dir="ltr" autocomplete="off" spellcheck="false"
                           placeholder="spo-invite-1.…" value={(*code).clone()} oninput={bind(&code)} />
                    <button type="submit" class="btn btn--primary" id="team-join" disabled={*busy || code.trim().is_empty()}>
                        { tr(lang, T::TeamJoinButton) }
                    </button>
                </div>
                <label class="muted">{ tr(lang, T::TeamCaFile) }
                    <input class="input input--wide mono" id="team-join-ca" dir="ltr" autocomplete="off" spellcheck="false"
                           placeholder="/path/to/ca.pem" value={(*join_ca).clone()} oninput={bind(&join_ca)} /></label>
            </form>
            <form class="setting setting--stack" id="team-create-form" onsubmit={create}>
                <div>
                    <h4>{ tr(lang, T::TeamCreateTitle) }</h4>
                    <p class="muted">{ tr(lang, T::TeamCreateHelp) }</p>
                </div>
                <div class="form-grid">
                    <label>{ tr(lang, T::TeamAdminUrl) }
                        <input class="input mono" id="team-admin-url" type="password" dir="ltr" autocomplete="off"
                               placeholder="postgres://admin:…@db.example.sa:5432/spo" value={(*admin_url).clone()} oninput={bind(&admin_url)} /></label>
                    <label>{ tr(lang, T::TeamNameLabel) }
                        <input class="input" id="team-name" value={(*team_name).clone()} oninput={bind(&team_name)} /></label>
                    <label>{ tr(lang, T::TeamSeatName) }
                        <input class="input" id="team-seat-name" value={(*seat_name).clone()} oninput={bind(&seat_name)} /></label>
                    <label>{ tr(lang, T::TeamCaFile) }
                        <input class="input mono" id="team-create-ca" dir="ltr" autocomplete="off" spellcheck="false"
                               placeholder="/path/to/ca.pem" value={(*create_ca).clone()} oninput={bind(&create_ca)} /></label>
                </div>
                <div class="inline-form">
                    <button type="submit" class="btn btn--secondary" id="team-create"
                            disabled={*busy || admin_url.trim().is_empty() || team_name.trim().is_empty() || seat_name.trim().is_empty()}>
                        { tr(lang, T::TeamCreateButton) }
                    </button>
                </div>
            </form>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct MembersProps {
    status: TeamStatus,
}

#[function_component(TeamMembers)]
fn team_members(props: &MembersProps) -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let members = use_state(Vec::<TeamMember>::new);
    let leases = use_state(Vec::<spo_ipc::StoreLeaseInfo>::new);
    let invite = use_state(|| None::<TeamInvite>);
    let invite_name = use_state(String::new);
    let invite_role = use_state(|| SeatRole::Manager);
    let confirm_leave = use_state(|| false);
    let busy = use_state(|| false);
    let reload = {
        let (members, leases, store) = (members.clone(), leases.clone(), store.clone());
        Callback::from(move |_: ()| {
            let (members, leases, store) = (members.clone(), leases.clone(), store.clone());
            spawn_local(async move {
                match api::team_members().await {
                    Ok(m) => members.set(m),
                    // Offline: the list stays empty; the indicator says why.
                    Err(e) if e.code == spo_ipc::ErrorCode::Team => {}
                    Err(e) => store.dispatch(Action::Error(e)),
                }
                if let Ok(l) = api::store_leases().await {
                    leases.set(l);
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let Some(team) = props.status.team.clone() else { return html! {} };
    let owner_refusal = store.team_refusal(true).map(|t| tr(lang, t).to_owned());
    let sync_now = {
        let (store, busy) = (store.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, busy) = (store.clone(), busy.clone());
            busy.set(true);
            spawn_local(async move {
                if let Some(r) = api::sync_now().await.or_toast(&store) {
                    let text = format!(
                        "{} {} — {} {}",
                        digits(lang, &r.pushed.to_string()),
                        tr(lang, T::SyncSent),
                        digits(lang, &r.pulled.to_string()),
                        tr(lang, T::SyncReceived)
                    );
                    store.dispatch(Action::Notice(text));
                }
                refresh(&store);
                busy.set(false);
            });
        })
    };
    let do_invite = {
        let (store, invite, invite_name, invite_role, reload) =
            (store.clone(), invite.clone(), invite_name.clone(), invite_role.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (store, invite, reload, invite_name) =
                (store.clone(), invite.clone(), reload.clone(), invite_name.clone());
            let (role, name) = (*invite_role, (*invite_name).clone());
            spawn_local(async move {
                if let Some(i) = api::team_invite(role, name).await.or_toast(&store) {
                    invite.set(Some(i));
                    invite_name.set(String::new());
                    reload.emit(());
                }
            });
        })
    };
    let revoke = |db_role: String| {
        let (store, reload) = (store.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, reload, db_role) = (store.clone(), reload.clone(), db_role.clone());
            spawn_local(async move {
                if api::team_revoke(db_role).await.or_toast(&store).is_some() {
                    store.dispatch(Action::Saved);
                    reload.emit(());
                }
            });
        })
    };
    let leave = {
        let (store, confirm_leave) = (store.clone(), confirm_leave.clone());
        Callback::from(move |_: MouseEvent| {
            if !*confirm_leave {
                confirm_leave.set(true);
                return;
            }
            let (store, confirm_leave) = (store.clone(), confirm_leave.clone());
            spawn_local(async move {
                if api::team_leave().await.or_toast(&store).is_some() {
                    store.dispatch(Action::Saved);
                }
                confirm_leave.set(false);
                refresh(&store);
            });
        })
    };
    let dismiss_code = {
        let invite = invite.clone();
        Callback::from(move |_: MouseEvent| invite.set(None))
    };
    let copy_code = {
        let (invite, store) = (invite.clone(), store.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(i) = invite.as_ref() {
                let code = i.code.clone();
                let store = store.clone();
                spawn_local(async move {
                    let copied = match web_sys::window() {
                        Some(w) => wasm_bindgen_futures::JsFuture::from(w.navigator().clipboard().write_text(&code))
                            .await
                            .is_ok(),
                        None => false,
                    };
                    if copied {
                        store.dispatch(Action::Notice(tr(lang, T::TeamCopied).to_owned()));
                    }
                });
            }
        })
    };
    let s = &props.status.sync;
    html! {
        <>
            <div class="setting" id="team-summary">
                <div>
                    <strong id="team-name-shown"><bdi>{ &team.team_name }</bdi></strong>
                    <p class="muted">
                        { tr(lang, T::TeamYourSeat) }{ " " }<bdi>{ &team.seat_name }</bdi>
                        { " — " }<span class="pill" id="team-my-role">{ tr(lang, role_text(team.seat_role)) }</span>
                    </p>
                    <p class="muted mono" dir="ltr">{ format!("{}:{}/{}", team.host, team.port, team.database) }</p>
                    <p class="muted" id="team-sync-state">
                        { indicator_text(lang, &props.status).unwrap_or_default() }
                        if let Some(at) = s.last_pull_at.as_deref() {
                            { " — " }{ tr(lang, T::SyncLast) }{ " " }<span dir="ltr">{ digits(lang, &local_time(at)) }</span>
                        }
                        if let Some(e) = s.last_error.as_deref() { { " — " }<span class="error-text">{ e }</span> }
                    </p>
                </div>
                <div class="inline-form">
                    <button class="btn btn--secondary" id="team-sync-now" disabled={*busy} onclick={sync_now}>{ tr(lang, T::SyncNow) }</button>
                    <button class={classes!("btn", if *confirm_leave { "btn--danger" } else { "btn--ghost" })} id="team-leave" onclick={leave}>
                        { tr(lang, if *confirm_leave { T::TeamLeaveConfirm } else { T::TeamLeave }) }
                    </button>
                </div>
            </div>
            <h4>{ tr(lang, T::TeamMembers) }</h4>
            <table class="table" id="team-members">
                <tbody>
                { for members.iter().map(|m| {
                    let state = match (&m.revoked_at, &m.joined_at) {
                        (Some(_), _) => tr(lang, T::TeamRevoked),
                        (None, Some(_)) => "",
                        (None, None) => tr(lang, T::TeamInvited),
                    };
                    let can_revoke = m.revoked_at.is_none() && !m.is_me;
                    html! {
                        <tr class="team-member">
                            <td><bdi>{ &m.name }</bdi>{ if m.is_me { format!(" ({})", tr(lang, T::TeamYou)) } else { String::new() } }</td>
                            <td><span class="pill">{ tr(lang, role_text(m.role)) }</span></td>
                            <td class="muted">{ state }</td>
                            <td class="row-actions">
                                if can_revoke {
                                    <button class="btn btn--ghost team-revoke" disabled={owner_refusal.is_some()}
                                            title={owner_refusal.clone().unwrap_or_default()} onclick={revoke(m.db_role.clone())}>
                                        { tr(lang, T::TeamRevoke) }
                                    </button>
                                }
                            </td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            <h4>{ tr(lang, T::TeamStoresRunBy) }</h4>
            <p class="muted">{ tr(lang, T::TeamStoresRunByHelp) }</p>
            <table class="table" id="team-leases">
                <tbody>
                { for leases.iter().map(|l| {
                    let seat = l.holder_seat.clone().unwrap_or_else(|| l.holder.clone());
                    let (state, class) = if l.here {
                        (T::LeaseThisSeat, "pill pill--ok")
                    } else if l.live {
                        (T::LeaseOtherSeat, "pill")
                    } else {
                        (T::LeaseEnded, "pill pill--warn")
                    };
                    html! {
                        <tr class="team-lease">
                            <td><bdi>{ l.store_name.clone().unwrap_or_else(|| l.store_id.clone()) }</bdi></td>
                            <td><bdi>{ seat }</bdi></td>
                            <td><span class={class}>{ tr(lang, state) }</span></td>
                            <td class="muted">{ tr(lang, T::LeaseSince) }{ " " }<span dir="ltr">{ digits(lang, &local_time(&l.acquired_at)) }</span></td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            if let Some(i) = invite.as_ref() {
                <div class="callout" id="team-invite-code-box">
                    <p><strong>{ tr(lang, T::TeamInviteShownOnce) }</strong></p>
                    <input class="input input--wide mono" id="team-invite-code" dir="ltr" readonly=true value={i.code.clone()} />
                    <div class="inline-form">
                        <button class="btn btn--primary" id="team-invite-copy" onclick={copy_code}>{ tr(lang, T::TeamCopy) }</button>
                        <button class="btn btn--ghost" id="team-invite-done" onclick={dismiss_code}>{ tr(lang, T::Close) }</button>
                    </div>
                </div>
            }
            <form class="setting" id="team-invite-form" onsubmit={do_invite} title={owner_refusal.clone().unwrap_or_default()}>
                <div>
                    <h4>{ tr(lang, T::TeamInviteTitle) }</h4>
                    <p class="muted">{ owner_refusal.clone().unwrap_or_else(|| tr(lang, T::TeamInviteHelp).to_owned()) }</p>
                </div>
                <div class="inline-form">
                    <input class="input" id="team-invite-name" placeholder={tr(lang, T::TeamSeatName)} value={(*invite_name).clone()}
                           disabled={owner_refusal.is_some()}
                           oninput={ let n = invite_name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e))) } />
                    <select class="input" id="team-invite-role" disabled={owner_refusal.is_some()}
                            onchange={ let r = invite_role.clone(); Callback::from(move |e: Event| {
                                let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
                                if let Some((role, _)) = INVITE_ROLES.iter().find(|(_, v)| *v == s.value()) {
                                    r.set(*role);
                                }
                            }) }>
                        { for INVITE_ROLES.iter().map(|(role, value)| html! {
                            <option value={*value} selected={*invite_role == *role}>{ tr(lang, role_text(*role)) }</option>
                        }) }
                    </select>
                    <button type="submit" class="btn btn--secondary" id="team-invite"
                            disabled={owner_refusal.is_some() || invite_name.trim().is_empty()}>{ tr(lang, T::TeamInviteButton) }</button>
                </div>
            </form>
        </>
    }
}

/// Refused changes, with "keep mine" (rules) and "take theirs". Also shown above the rule form.
#[function_component(Conflicts)]
pub fn conflicts() -> Html {
    let store = use_store();
    let lang = store.settings.language;
    let list = use_state(Vec::<SyncConflict>::new);
    let open = store.team.as_ref().map_or(0, |t| t.sync.open_conflicts);
    {
        let (list, store) = (list.clone(), store.clone());
        use_effect_with(open, move |_| {
            spawn_local(async move {
                if let Some(c) = api::sync_conflicts().await.or_toast(&store) {
                    list.set(c);
                }
            });
        });
    }
    if list.is_empty() {
        return html! {};
    }
    let resolve = |id: String, keep_mine: bool| {
        let (store, list) = (store.clone(), list.clone());
        Callback::from(move |_: MouseEvent| {
            let (store, list, id) = (store.clone(), list.clone(), id.clone());
            spawn_local(async move {
                if api::resolve_conflict(id, keep_mine).await.or_toast(&store).is_some() {
                    if let Ok(c) = api::sync_conflicts().await {
                        list.set(c);
                    }
                    store.dispatch(Action::Saved);
                    refresh(&store);
                }
            });
        })
    };
    html! {
        <div class="callout callout--warn" id="team-conflicts">
            <h4>{ tr(lang, T::TeamConflicts) }</h4>
            { for list.iter().map(|c| {
                let what = match c.table.as_str() {
                    "pricing_rules" => tr(lang, T::TeamConflictRule),
                    "decisions" => tr(lang, T::TeamConflictDecision),
                    _ => tr(lang, T::TeamConflictOther),
                };
                html! {
                    <div class="conflict">
                        <p><strong>{ what }</strong>{ " — " }<span dir="auto">{ &c.reason }</span>
                           { " — " }<span dir="ltr" class="muted">{ digits(lang, &local_time(&c.at)) }</span></p>
                        <div class="inline-form">
                            if c.table == "pricing_rules" {
                                <button class="btn btn--secondary conflict-keep-mine" onclick={resolve(c.id.clone(), true)}>{ tr(lang, T::TeamKeepMine) }</button>
                            }
                            <button class="btn btn--ghost conflict-take-theirs" onclick={resolve(c.id.clone(), false)}>{ tr(lang, T::TeamTakeTheirs) }</button>
                        </div>
                    </div>
                }
            }) }
        </div>
    }
}
