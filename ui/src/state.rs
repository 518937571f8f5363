//! UI state as a pure reducer (unit-tested natively).

use std::rc::Rc;

use spo_ipc::{AppInfo, ErrorCode, IpcError, JobRunInfo, Settings, StoreSummary, SyncPhase, SyncProgress, SyncSummary};
use yew::Reducible;

/// The screens of the sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// KPIs and getting started.
    Dashboard,
    /// The catalogue.
    Products,
    /// Competitor listings.
    Competitors,
    /// Approval queue.
    Decisions,
    /// Job monitor.
    Runs,
    /// Preferences.
    Settings,
    /// Health checks.
    Diagnostics,
}

impl Page {
    /// Sidebar order.
    pub const ALL: [Page; 7] = [
        Page::Dashboard,
        Page::Products,
        Page::Competitors,
        Page::Decisions,
        Page::Runs,
        Page::Settings,
        Page::Diagnostics,
    ];

    /// Stable id used in element ids (`nav-diagnostics`) and tests.
    pub fn slug(self) -> &'static str {
        match self {
            Page::Dashboard => "dashboard",
            Page::Products => "products",
            Page::Competitors => "competitors",
            Page::Decisions => "decisions",
            Page::Runs => "runs",
            Page::Settings => "settings",
            Page::Diagnostics => "diagnostics",
        }
    }
}

/// What a toast says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToastBody {
    /// A failed command.
    Error(IpcError),
    /// A confirmation.
    Saved,
    /// An import finished (or was stopped).
    Imported(SyncSummary),
    /// A result in words (already localized).
    Notice(String),
}

/// An import of one store, as the progress bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportStatus {
    /// The store (local id).
    pub store_id: String,
    /// What is imported.
    pub phase: SyncPhase,
    /// Items done.
    pub done: u32,
    /// Items in all, once known.
    pub total: Option<u32>,
    /// Cancel was asked for.
    pub cancelling: bool,
}

/// A transient message in the corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// Unique within the session.
    pub id: u32,
    /// Content.
    pub body: ToastBody,
}

/// Everything the shell of the UI needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UiState {
    /// Preferences as stored by the backend.
    pub settings: Settings,
    /// Build identity, once loaded.
    pub info: Option<AppInfo>,
    /// Connected stores.
    pub stores: Vec<StoreSummary>,
    /// The store every screen shows (local id).
    pub active_store: Option<String>,
    /// Current screen.
    pub page: PageState,
    /// The "connect a store" dialog is open.
    pub connect_open: bool,
    /// Visible toasts, oldest first.
    pub toasts: Vec<Toast>,
    next_toast: u32,
    /// Imports running now (at most one per store).
    pub imports: Vec<ImportStatus>,
    /// Bumped whenever an import ends, so screens reload their data.
    pub data_version: u32,
    /// The product whose page is open (over the Products screen), by local id.
    pub open_product: Option<String>,
    /// The global kill switch is on: no price is written.
    pub kill_switch: bool,
    /// Bumped whenever a background job run starts or ends, so the job monitor reloads.
    pub jobs_version: u32,
    /// Progress (0–1) of the job runs in flight, by run id.
    pub job_progress: Vec<(String, f64)>,
    /// Bumped when a notification arrives, so the centre reloads.
    pub notifications_version: u32,
    /// The team and its sync state (None until first read; `team: None` inside: local only).
    pub team: Option<spo_ipc::TeamStatus>,
}

/// Wrapper so `UiState: Default` starts on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageState(pub Page);

impl Default for PageState {
    fn default() -> Self {
        PageState(Page::Dashboard)
    }
}

/// Most toasts shown at once; older ones are dropped.
pub const MAX_TOASTS: usize = 4;

/// State changes.
#[derive(Debug, Clone)]
pub enum Action {
    /// Initial data arrived.
    Loaded { settings: Settings, info: Option<AppInfo>, stores: Vec<StoreSummary> },
    /// Go to a screen.
    Navigate(Page),
    /// Open a product's page (local id) over the Products screen.
    OpenProduct(String),
    /// The kill switch's state as the backend stored it.
    KillSwitch(bool),
    /// The backend stored new preferences.
    SettingsChanged(Settings),
    /// Show an error.
    Error(IpcError),
    /// Show "saved".
    Saved,
    /// Show a result in words (already localized).
    Notice(String),
    /// An import of a store started.
    ImportStarted(String, SyncPhase),
    /// An import reported progress.
    Progress(SyncProgress),
    /// Cancel was asked for the store's import.
    ImportCancelling(String),
    /// An import of a store ended with this summary.
    ImportFinished(String, SyncSummary),
    /// An import of a store failed.
    ImportFailed(String, IpcError),
    /// A store was connected: list it, make it active and show its products.
    StoreConnected(StoreSummary),
    /// Switch the active store.
    SelectStore(String),
    /// Open or close the "connect a store" dialog.
    ConnectDialog(bool),
    /// The store list changed (after a disconnect).
    StoresChanged(Vec<StoreSummary>),
    /// A background job run started, progressed or ended.
    JobRun(JobRunInfo),
    /// A notification was kept by the backend.
    Notified,
    /// Remove a toast.
    Dismiss(u32),
    /// The team and sync state as the backend reports it.
    Team(spo_ipc::TeamStatus),
}

/// Job kinds whose end changes what the screens show.
const DATA_JOBS: [spo_ipc::JobKind; 5] = [
    spo_ipc::JobKind::CatalogSync,
    spo_ipc::JobKind::OrdersSync,
    spo_ipc::JobKind::CompetitorCheck,
    spo_ipc::JobKind::Optimize,
    spo_ipc::JobKind::ApplyApproved,
];

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Loaded { settings, info, stores } => {
                s.settings = settings;
                s.info = info;
                s.active_store = stores.first().map(|st| st.id.clone());
                s.stores = stores;
            }
            Action::Navigate(p) => {
                s.page = PageState(p);
                s.open_product = None;
            }
            Action::KillSwitch(on) => s.kill_switch = on,
            Action::Team(status) => {
                // Rows from the team arrived: screens reload, and the store list may have grown.
                let before = s.team.as_ref().map(|t| t.sync.pulled_seq);
                if before.is_some_and(|b| b != status.sync.pulled_seq) {
                    s.data_version = s.data_version.wrapping_add(1);
                }
                s.team = Some(status);
            }
            Action::OpenProduct(id) => {
                s.page = PageState(Page::Products);
                s.open_product = Some(id);
            }
            Action::SettingsChanged(settings) => s.settings = settings,
            Action::Error(e) => s.push_toast(ToastBody::Error(e)),
            Action::Saved => s.push_toast(ToastBody::Saved),
            Action::Notice(text) => s.push_toast(ToastBody::Notice(text)),
            Action::ImportStarted(store_id, phase) => {
                s.imports.retain(|i| i.store_id != store_id);
                s.imports.push(ImportStatus { store_id, phase, done: 0, total: None, cancelling: false });
            }
            Action::Notified => s.notifications_version += 1,
            Action::JobRun(run) => {
                if run.status == spo_ipc::JobRunStatus::Running && run.kind.is_none() {
                    // A progress report.
                    let fraction = run.progress.unwrap_or(0.0);
                    match s.job_progress.iter_mut().find(|(id, _)| *id == run.id) {
                        Some(entry) => entry.1 = fraction,
                        None => s.job_progress.push((run.id, fraction)),
                    }
                } else if run.status == spo_ipc::JobRunStatus::Running {
                    s.job_progress.push((run.id, 0.0));
                    s.jobs_version += 1;
                } else {
                    s.job_progress.retain(|(id, _)| *id != run.id);
                    s.jobs_version += 1;
                    if run.kind.is_some_and(|k| DATA_JOBS.contains(&k)) {
                        s.data_version += 1;
                    }
                }
            }
            Action::Progress(p) => {
                if let Some(i) = s.imports.iter_mut().find(|i| i.store_id == p.store_id && i.phase == p.phase) {
                    i.done = p.done;
                    i.total = p.total.or(i.total);
                }
            }
            Action::ImportCancelling(store_id) => {
                if let Some(i) = s.imports.iter_mut().find(|i| i.store_id == store_id) {
                    i.cancelling = true;
                }
            }
            Action::ImportFinished(store_id, summary) => {
                s.imports.retain(|i| i.store_id != store_id);
                s.data_version = s.data_version.wrapping_add(1);
                s.push_toast(ToastBody::Imported(summary));
            }
            Action::ImportFailed(store_id, e) => {
                s.imports.retain(|i| i.store_id != store_id);
                s.data_version = s.data_version.wrapping_add(1);
                s.push_toast(ToastBody::Error(e));
            }
            Action::ConnectDialog(open) => s.connect_open = open,
            Action::StoreConnected(store) => {
                s.connect_open = false;
                s.active_store = Some(store.id.clone());
                s.stores.retain(|st| st.id != store.id);
                s.stores.push(store);
                s.page = PageState(Page::Products);
            }
            Action::StoresChanged(stores) => {
                if !stores.iter().any(|st| Some(&st.id) == s.active_store.as_ref()) {
                    s.active_store = stores.first().map(|st| st.id.clone());
                }
                s.stores = stores;
            }
            Action::SelectStore(id) => {
                if s.stores.iter().any(|st| st.id == id) {
                    if s.active_store.as_deref() != Some(id.as_str()) {
                        // Another store's products: the open product page belongs to the old one.
                        s.open_product = None;
                    }
                    s.active_store = Some(id);
                }
            }
            Action::Dismiss(id) => s.toasts.retain(|t| t.id != id),
        }
        Rc::new(s)
    }
}

impl UiState {
    /// The running import of a store, if any.
    pub fn import_of(&self, store_id: &str) -> Option<&ImportStatus> {
        self.imports.iter().find(|i| i.store_id == store_id)
    }

    /// The active store, if any.
    pub fn active(&self) -> Option<&StoreSummary> {
        let id = self.active_store.as_ref()?;
        self.stores.iter().find(|s| &s.id == id)
    }

    fn push_toast(&mut self, body: ToastBody) {
        self.next_toast = self.next_toast.wrapping_add(1);
        self.toasts.push(Toast { id: self.next_toast, body });
        if self.toasts.len() > MAX_TOASTS {
            let excess = self.toasts.len() - MAX_TOASTS;
            self.toasts.drain(..excess);
        }
    }
}

impl UiState {
    /// Why this seat may not change team data (viewer), or may not manage seats (not an owner);
    /// None when allowed or without a team.
    pub fn team_refusal(&self, needs_owner: bool) -> Option<crate::i18n::T> {
        use spo_ipc::SeatRole;
        match (self.team.as_ref()?.team.as_ref()?.seat_role, needs_owner) {
            (SeatRole::Owner, _) | (SeatRole::Manager, false) => None,
            (SeatRole::Manager, true) => Some(crate::i18n::T::TeamOwnerOnly),
            (SeatRole::Viewer, _) => Some(crate::i18n::T::TeamViewerOnly),
        }
    }
}

/// The i18n key for an error code's user-facing explanation.
pub fn error_text(code: ErrorCode) -> crate::i18n::T {
    use crate::i18n::T;
    match code {
        ErrorCode::KeychainUnavailable => T::ErrKeychain,
        ErrorCode::Database => T::ErrDatabase,
        ErrorCode::InvalidInput => T::ErrInvalid,
        ErrorCode::Salla => T::ErrSalla,
        ErrorCode::NeedsReconnect => T::ErrNeedsReconnect,
        ErrorCode::Busy => T::ErrBusy,
        ErrorCode::WebSearch => T::ErrWebSearch,
        ErrorCode::Team => T::ErrTeam,
        ErrorCode::Forbidden => T::ErrForbidden,
        ErrorCode::Internal | ErrorCode::NotFound | ErrorCode::Ipc => T::ErrGeneric,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spo_ipc::Language;

    fn reduce(s: UiState, a: Action) -> UiState {
        (*Rc::new(s).reduce(a)).clone()
    }

    fn team_status(role: Option<spo_ipc::SeatRole>, pulled_seq: i64) -> spo_ipc::TeamStatus {
        spo_ipc::TeamStatus {
            team: role.map(|r| spo_ipc::TeamInfo {
                team_id: "t".into(),
                team_name: "Team".into(),
                seat_name: "Seat".into(),
                seat_role: r,
                db_role: "spo_s_x".into(),
                host: "127.0.0.1".into(),
                port: 5432,
                database: "spo".into(),
            }),
            sync: spo_ipc::SyncStatus {
                indicator: spo_ipc::SyncIndicator::Synced,
                pending: 0,
                oldest_pending_at: None,
                pulled_seq,
                head_seq: pulled_seq,
                last_push_at: None,
                last_pull_at: None,
                offline_since: None,
                last_error: None,
                open_conflicts: 0,
                apply_errors: 0,
                last_apply_error: None,
            },
        }
    }

    #[test]
    fn a_seat_role_says_why_a_control_is_off_and_team_rows_reload_the_screens() {
        use crate::i18n::T;
        let s = UiState::default();
        assert_eq!(s.team_refusal(false), None, "no team: everything allowed");
        let s = reduce(s, Action::Team(team_status(Some(spo_ipc::SeatRole::Viewer), 1)));
        assert_eq!(s.team_refusal(false), Some(T::TeamViewerOnly));
        let s = reduce(s, Action::Team(team_status(Some(spo_ipc::SeatRole::Manager), 1)));
        assert_eq!(s.team_refusal(false), None);
        assert_eq!(s.team_refusal(true), Some(T::TeamOwnerOnly));
        let s = reduce(s, Action::Team(team_status(Some(spo_ipc::SeatRole::Owner), 1)));
        assert_eq!(s.team_refusal(true), None);
        let before = s.data_version;
        let s = reduce(s, Action::Team(team_status(Some(spo_ipc::SeatRole::Owner), 1)));
        assert_eq!(s.data_version, before, "nothing arrived: nothing reloads");
        let s = reduce(s, Action::Team(team_status(Some(spo_ipc::SeatRole::Owner), 7)));
        assert_ne!(s.data_version, before, "rows arrived from the team: screens reload");
        let s = reduce(s, Action::Team(team_status(None, 7)));
        assert_eq!(s.team_refusal(true), None, "local only again");
    }

    #[test]
    fn imports_track_progress_per_store_and_bump_the_data_version() {
        let progress = |store: &str, phase, done, total| {
            Action::Progress(SyncProgress { store_id: store.into(), phase, done, total, finished: false })
        };
        let s = reduce(UiState::default(), Action::ImportStarted("a".into(), SyncPhase::Orders));
        let s = reduce(s, progress("a", SyncPhase::Orders, 25, Some(100)));
        let s = reduce(s, progress("b", SyncPhase::Orders, 99, Some(100)));
        let s = reduce(s, progress("a", SyncPhase::Catalog, 60, None));
        let a = s.import_of("a").expect("running");
        assert_eq!((a.done, a.total), (25, Some(100)), "other stores and phases do not move this bar");
        assert!(s.import_of("b").is_none());
        let s = reduce(s, Action::ImportCancelling("a".into()));
        assert!(s.import_of("a").expect("running").cancelling);
        let s =
            reduce(s, Action::ImportFinished("a".into(), SyncSummary { cancelled: true, ..SyncSummary::default() }));
        assert!(s.import_of("a").is_none());
        assert_eq!(s.data_version, 1);
        assert!(matches!(s.toasts.last().map(|t| &t.body), Some(ToastBody::Imported(sum)) if sum.cancelled));
    }

    #[test]
    fn toasts_are_capped_and_dismissable() {
        let mut s = UiState::default();
        for i in 0..6 {
            s = reduce(s, Action::Error(IpcError::new(ErrorCode::Internal, format!("e{i}"))));
        }
        assert_eq!(s.toasts.len(), MAX_TOASTS);
        assert_eq!(s.toasts[0].body, ToastBody::Error(IpcError::new(ErrorCode::Internal, "e2")));
        let id = s.toasts[1].id;
        s = reduce(s, Action::Dismiss(id));
        assert!(s.toasts.iter().all(|t| t.id != id));
        assert_eq!(s.toasts.len(), MAX_TOASTS - 1);
    }

    #[test]
    fn settings_and_navigation() {
        let s = reduce(UiState::default(), Action::OpenProduct("p1".into()));
        assert_eq!((s.page.0, s.open_product.as_deref()), (Page::Products, Some("p1")));
        let s = reduce(s, Action::Navigate(Page::Products));
        assert_eq!(s.open_product, None, "the sidebar goes back to the list");
        let s = reduce(UiState::default(), Action::Navigate(Page::Diagnostics));
        assert_eq!(s.page.0, Page::Diagnostics);
        let mut settings = s.settings;
        settings.language = Language::En;
        let s = reduce(s, Action::SettingsChanged(settings));
        assert_eq!(s.settings.language, Language::En);
        assert_eq!(s.page.0, Page::Diagnostics, "changing language keeps the screen");
    }

    fn store(id: &str) -> StoreSummary {
        StoreSummary {
            id: id.into(),
            name: id.into(),
            domain: None,
            status: spo_ipc::StoreStatus::Active,
            is_demo: false,
        }
    }

    #[test]
    fn connecting_and_switching_stores() {
        let s = reduce(UiState::default(), Action::StoreConnected(store("a")));
        assert_eq!((s.active().map(|x| x.id.as_str()), s.page.0), (Some("a"), Page::Products));
        let s = reduce(s, Action::StoreConnected(store("b")));
        assert_eq!(s.stores.len(), 2);
        let s = reduce(s, Action::SelectStore("a".into()));
        assert_eq!(s.active().map(|x| x.id.as_str()), Some("a"));
        let s = reduce(s, Action::SelectStore("unknown".into()));
        assert_eq!(s.active().map(|x| x.id.as_str()), Some("a"), "unknown ids are ignored");
        let s = reduce(s, Action::StoreConnected(store("a")));
        assert_eq!(s.stores.len(), 2, "reconnecting does not duplicate");
    }

    #[test]
    fn slugs_are_unique() {
        let mut slugs: Vec<_> = Page::ALL.iter().map(|p| p.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), Page::ALL.len());
    }

    #[test]
    fn keychain_errors_get_their_own_explanation() {
        assert_eq!(error_text(ErrorCode::KeychainUnavailable), crate::i18n::T::ErrKeychain);
    }

    #[test]
    fn job_runs_move_the_monitor_and_reload_data_when_they_change_it() {
        use spo_ipc::{JobKind, JobRunStatus};
        let run = |status: JobRunStatus, kind: Option<JobKind>, progress: Option<f64>| {
            Action::JobRun(JobRunInfo { id: "r1".into(), kind, status, progress, ..Default::default() })
        };
        let s = reduce(UiState::default(), run(JobRunStatus::Running, Some(JobKind::CatalogSync), None));
        assert_eq!((s.jobs_version, s.job_progress.clone()), (1, vec![("r1".to_owned(), 0.0)]));
        let s = reduce(s, run(JobRunStatus::Running, None, Some(0.5)));
        assert_eq!((s.jobs_version, s.job_progress.clone()), (1, vec![("r1".to_owned(), 0.5)]));
        let s = reduce(s, run(JobRunStatus::Succeeded, Some(JobKind::CatalogSync), None));
        assert_eq!((s.jobs_version, s.data_version, s.job_progress.len()), (2, 1, 0));
        let s = reduce(s, run(JobRunStatus::Running, Some(JobKind::Backup), None));
        let s = reduce(s, run(JobRunStatus::Failed, Some(JobKind::Backup), None));
        assert_eq!((s.jobs_version, s.data_version), (4, 1), "a backup changes nothing on screen");
    }
}
