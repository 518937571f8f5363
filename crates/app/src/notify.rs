//! Notifications: what the background jobs found that the merchant should know (approvals waiting,
//! a tracked product undercut, prices applied, the circuit breaker, a store's authorization lost,
//! a job failing repeatedly). Each is kept for the in-app centre in both languages; it reaches the
//! operating system through a [`Notifier`] (the desktop shell's plugin; a recording one in tests)
//! unless the merchant turned that kind off or it falls in quiet hours.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use spo_ipc as ipc;

use crate::job_counts::{self, ApplyCounts, CompetitorCounts, OptimizeCounts, Skipped};
use crate::{App, AppError, Result};

/// Shows a notification outside the window.
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Shows `title` / `body`. Failures are the notifier's to log; the centre keeps it anyway.
    fn show(&self, title: &str, body: &str);
}

/// A notifier that remembers what it was asked to show (tests, headless runs).
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    shown: Mutex<Vec<(String, String)>>,
}

impl RecordingNotifier {
    /// What was shown, oldest first.
    pub fn shown(&self) -> Vec<(String, String)> {
        self.shown.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Notifier for RecordingNotifier {
    fn show(&self, title: &str, body: &str) {
        self.shown.lock().unwrap_or_else(PoisonError::into_inner).push((title.to_owned(), body.to_owned()));
    }
}

use crate::vocab::notice_kind;
use spo_domain::notices::NoticeKind;

const KEY_OFF: &str = "notify.off";
const KEY_QUIET: &str = "notify.quiet";
const KEY_CLOSE_TO_TRAY: &str = "window.close_to_tray";

/// Minutes since midnight from `HH:MM`.
pub fn parse_hhmm(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && m.to_string().len() <= 2).then_some(h * 60 + m)
}

/// Whether `minute` (of the day) falls in the quiet hours `start..end` (which may wrap past
/// midnight; equal ends mean no quiet hours).
pub fn in_quiet_hours(minute: u16, start: u16, end: u16) -> bool {
    match start.cmp(&end) {
        std::cmp::Ordering::Less => (start..end).contains(&minute),
        std::cmp::Ordering::Greater => minute >= start || minute < end,
        std::cmp::Ordering::Equal => false,
    }
}

/// A notification before it is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Kind.
    pub kind: ipc::NotifyKind,
    /// Its store.
    pub store_id: Option<String>,
    /// Title (English, Arabic).
    pub title: (String, String),
    /// Text (English, Arabic).
    pub body: (String, String),
    /// The screen it is about.
    pub page: &'static str,
}

/// What the end of a job run is worth telling, if anything. `failures` is how many runs of this
/// job in a row have now failed for good (no retry coming); the "failing" notice is sent once,
/// at the second.
pub fn notice_for(run: &ipc::JobRunInfo, store_name: &str, failures: u32) -> Vec<Notice> {
    let notice = |kind, page, title: (&str, &str), body: (String, String)| Notice {
        kind,
        store_id: run.store_id.clone(),
        title: (title.0.to_owned(), title.1.to_owned()),
        body,
        page,
    };
    let mut out = Vec::new();
    use ipc::{JobKind as K, JobRunStatus as S};
    match (run.status, run.kind) {
        (S::Succeeded, Some(K::Optimize)) => {
            let c: OptimizeCounts = job_counts::read(&run.counts);
            let breaker = c.breaker.as_deref().filter(|b| !b.is_empty());
            if let Some(why) = breaker {
                out.push(notice(
                    ipc::NotifyKind::BreakerTripped,
                    "decisions",
                    ("Circuit breaker tripped", "توقف قاطع الحماية"),
                    (
                        format!("{store_name}: nothing was applied ({why})."),
                        format!("{store_name}: لم يُطبَّق أي سعر ({why})."),
                    ),
                ));
            }
            let waiting = c.proposed.saturating_sub(c.applied);
            if waiting > 0 && breaker.is_none() {
                out.push(notice(
                    ipc::NotifyKind::ApprovalsWaiting,
                    "decisions",
                    ("Prices wait for your approval", "أسعار بانتظار موافقتك"),
                    (
                        format!(
                            "{store_name}: {} for approval.",
                            en_count(waiting, "proposed price change waits", "proposed price changes wait")
                        ),
                        format!("{store_name}: تغييرات أسعار مقترحة بانتظار الموافقة: {}.", ar_digits(waiting)),
                    ),
                ));
            }
        }
        (S::Succeeded, Some(K::ApplyApproved)) => {
            let applied = job_counts::read::<ApplyCounts>(&run.counts).applied;
            if applied > 0 {
                out.push(notice(
                    ipc::NotifyKind::PricesApplied,
                    "decisions",
                    ("Prices applied", "طُبّقت الأسعار"),
                    (
                        format!("{store_name}: {} in the store.", en_count(applied, "price applied", "prices applied")),
                        format!("{store_name}: أسعار طُبّقت في المتجر: {}.", ar_digits(applied)),
                    ),
                ));
            }
        }
        (S::Succeeded, Some(K::CompetitorCheck)) if job_counts::read::<CompetitorCounts>(&run.counts).undercut > 0 => {
            let c: CompetitorCounts = job_counts::read(&run.counts);
            let product = c.undercut_product.as_deref().unwrap_or_default();
            out.push(notice(
                ipc::NotifyKind::Undercut,
                "competitors",
                ("A competitor is now cheaper", "منافس أصبح أرخص"),
                (
                    format!(
                        "{store_name}: {}, e.g. {product}.",
                        en_count(c.undercut, "tracked product was undercut", "tracked products were undercut")
                    ),
                    format!(
                        "{store_name}: منتجات متتبَّعة صار سعر المنافس فيها أقل: {}، منها {product}.",
                        ar_digits(c.undercut)
                    ),
                ),
            ));
        }
        (S::Failed, Some(K::TokenCheck)) => {
            let error = run.error.clone().unwrap_or_default();
            out.push(notice(
                ipc::NotifyKind::AuthLost,
                "settings",
                ("Store authorization needs attention", "تفويض المتجر يحتاج إلى انتباه"),
                (
                    format!("{store_name}: the app cannot reach the store with its grant. Reconnect it. ({error})"),
                    format!("{store_name}: لا يستطيع التطبيق الوصول إلى المتجر بالتفويض الحالي. أعد ربطه. ({error})"),
                ),
            ));
        }
        _ => {}
    }
    if run.status == S::Failed && failures == 2 && run.kind != Some(K::TokenCheck) {
        let name = |lang| run.kind.map_or("?", |k| k.name(lang));
        let error = run.error.clone().unwrap_or_default();
        out.push(notice(
            ipc::NotifyKind::JobFailing,
            "runs",
            ("A background job keeps failing", "مهمة خلفية تفشل باستمرار"),
            (
                format!("{store_name}: {} failed twice in a row: {error}", name(ipc::Language::En)),
                format!("{store_name}: فشلت مهمة «{}» مرتين متتاليتين: {error}", name(ipc::Language::Ar)),
            ),
        ));
    }
    out
}

/// "1 price applied", "3 prices applied".
fn en_count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A number in Arabic-Indic digits, as the Arabic interface writes counts.
fn ar_digits(n: u64) -> String {
    n.to_string().chars().map(|c| c.to_digit(10).and_then(|d| char::from_u32(0x0660 + d)).unwrap_or(c)).collect()
}

/// Consecutive final failures per job.
#[derive(Debug, Default)]
pub(crate) struct FailureCounts(Mutex<HashMap<String, u32>>, Mutex<std::collections::HashSet<String>>);

impl FailureCounts {
    /// True the first time (since it last ran here) a store's job is skipped because another seat
    /// runs the store; `ran_here` clears that.
    fn elsewhere(&self, store_id: &str, skipped: bool) -> bool {
        let mut set = self.1.lock().unwrap_or_else(PoisonError::into_inner);
        if skipped {
            set.insert(store_id.to_owned())
        } else {
            set.remove(store_id);
            false
        }
    }

    fn record(&self, job_id: &str, failed_for_good: bool, succeeded: bool) -> u32 {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if succeeded {
            map.remove(job_id);
            return 0;
        }
        let n = map.entry(job_id.to_owned()).or_default();
        if failed_for_good {
            *n += 1;
        }
        *n
    }
}

fn info(r: spo_store::NotificationRow) -> ipc::NotificationInfo {
    ipc::NotificationInfo {
        kind: notice_kind::to_ipc(r.kind),
        id: r.id,
        store_id: r.store_id,
        at: r.at,
        title_en: r.title_en,
        title_ar: r.title_ar,
        body_en: r.body_en,
        body_ar: r.body_ar,
        page: r.page,
        shown: r.shown,
        read: r.read_at.is_some(),
    }
}

impl App {
    /// Where notifications go outside the window (the desktop shell sets its plugin here).
    pub fn set_notifier(&self, notifier: Arc<dyn Notifier>) {
        *self.notifier.lock().unwrap_or_else(PoisonError::into_inner) = Some(notifier);
    }

    /// Notifications as they are kept (for the window's centre).
    pub fn notification_events(&self) -> tokio::sync::broadcast::Receiver<ipc::NotificationInfo> {
        self.notices.subscribe()
    }

    /// The notification and window preferences.
    pub async fn desktop_settings(&self) -> Result<ipc::DesktopSettings> {
        let pairs = self.db.device_settings().await?;
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let off: Vec<&str> = get(KEY_OFF).map(|v| v.split(',').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
        let quiet = get(KEY_QUIET).and_then(|v| v.split_once('-')).map(|(a, b)| (a.to_owned(), b.to_owned()));
        Ok(ipc::DesktopSettings {
            close_to_tray: get(KEY_CLOSE_TO_TRAY) != Some("off"),
            start_at_login: false,
            notify: NoticeKind::ALL
                .iter()
                .map(|k| ipc::NotifyToggle { kind: notice_kind::to_ipc(*k), on: !off.contains(&k.as_str()) })
                .collect(),
            quiet_start: quiet.as_ref().map(|q| q.0.clone()),
            quiet_end: quiet.map(|q| q.1),
        })
    }

    /// Changes the notification and window preferences (start at login is the shell's).
    pub async fn update_desktop_settings(&self, patch: ipc::DesktopSettingsPatch) -> Result<ipc::DesktopSettings> {
        let current = self.desktop_settings().await?;
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(on) = patch.close_to_tray {
            pairs.push((KEY_CLOSE_TO_TRAY, if on { "on" } else { "off" }.into()));
        }
        if !patch.notify.is_empty() {
            let mut toggles = current.notify.clone();
            for t in &patch.notify {
                if let Some(x) = toggles.iter_mut().find(|x| x.kind == t.kind) {
                    x.on = t.on;
                }
            }
            let off: Vec<&str> =
                toggles.iter().filter(|t| !t.on).map(|t| notice_kind::from_ipc(t.kind).as_str()).collect();
            pairs.push((KEY_OFF, off.join(",")));
        }
        if patch.clear_quiet_hours {
            pairs.push((KEY_QUIET, String::new()));
        } else if patch.quiet_start.is_some() || patch.quiet_end.is_some() {
            let start = patch.quiet_start.or(current.quiet_start.clone()).unwrap_or_default();
            let end = patch.quiet_end.or(current.quiet_end.clone()).unwrap_or_default();
            let (Some(a), Some(b)) = (parse_hhmm(&start), parse_hhmm(&end)) else {
                return Err(AppError::InvalidInput(format!(
                    "quiet hours are two times as HH:MM (24-hour), not {start:?} to {end:?}"
                )));
            };
            if a == b {
                return Err(AppError::InvalidInput("quiet hours must start and end at different times".into()));
            }
            pairs.push((KEY_QUIET, format!("{start}-{end}")));
        }
        if pairs.is_empty() {
            // Start at login is the shell's to change; it only needs the settings back.
            if patch.start_at_login.is_some() {
                return Ok(current);
            }
            return Err(AppError::InvalidInput("nothing to change".into()));
        }
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.db.put_device_settings(&refs, "user:local").await?;
        self.desktop_settings().await
    }

    /// The newest notifications with the number unread.
    pub async fn notifications(&self) -> Result<ipc::NotificationList> {
        let items: Vec<ipc::NotificationInfo> = self.db.notifications(100).await?.into_iter().map(info).collect();
        Ok(ipc::NotificationList { unread: items.iter().filter(|n| !n.read).count() as u32, items })
    }

    /// Marks notifications read (all with an empty list).
    pub async fn mark_notifications_read(&self, ids: Vec<String>) -> Result<ipc::NotificationList> {
        self.db.mark_notifications_read(if ids.is_empty() { None } else { Some(&ids) }).await?;
        self.notifications().await
    }

    /// Keeps a notice for the centre and shows it outside the window unless its kind is off or
    /// it is quiet time (store-local, UTC+3). Returns what was kept.
    pub async fn notify(&self, notice: Notice) -> Result<ipc::NotificationInfo> {
        let prefs = self.desktop_settings().await?;
        let wanted = prefs.notify.iter().any(|t| t.kind == notice.kind && t.on);
        let quiet = match (
            prefs.quiet_start.as_deref().and_then(parse_hhmm),
            prefs.quiet_end.as_deref().and_then(parse_hhmm),
        ) {
            (Some(a), Some(b)) => {
                let local = crate::clock::store_time(self.now());
                in_quiet_hours(u16::from(local.hour()) * 60 + u16::from(local.minute()), a, b)
            }
            _ => false,
        };
        let notifier = self.notifier.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let shown = wanted && !quiet && notifier.is_some();
        let row = self
            .db
            .insert_notification(&spo_store::NewNotification {
                store_id: notice.store_id.clone(),
                kind: notice_kind::from_ipc(notice.kind),
                title_en: notice.title.0.clone(),
                title_ar: notice.title.1.clone(),
                body_en: notice.body.0.clone(),
                body_ar: notice.body.1.clone(),
                page: notice.page.into(),
                shown,
            })
            .await?;
        if let (true, Some(n)) = (shown, notifier) {
            let arabic = self.settings().await.map(|s| s.language == ipc::Language::Ar).unwrap_or(true);
            let (title, body) =
                if arabic { (&notice.title.1, &notice.body.1) } else { (&notice.title.0, &notice.body.0) };
            n.show(title, body);
        }
        let kept = info(row);
        let _ = self.notices.send(kept.clone());
        Ok(kept)
    }

    /// Turns the end of a job run into notifications.
    pub(crate) async fn notify_job_end(&self, run: &ipc::JobRunInfo, will_retry: bool) {
        let failures = self.failures.record(
            &run.job_id,
            run.status == ipc::JobRunStatus::Failed && !will_retry,
            run.status == ipc::JobRunStatus::Succeeded,
        );
        let store_name = match &run.store_id {
            Some(id) => self.db.store(id).await.map(|s| s.name).unwrap_or_default(),
            None => String::new(),
        };
        let mut notices = notice_for(run, &store_name, failures);
        // A store whose grant is here but which another seat runs: said once, not at every skip.
        let skipped: Skipped = job_counts::read(&run.counts);
        if let Some(store) = run.store_id.as_deref() {
            let held_elsewhere = skipped.skipped.as_deref() == Some("held_by_another_seat");
            let ran = run.status == ipc::JobRunStatus::Succeeded && skipped.skipped.is_none();
            if (held_elsewhere || ran) && self.failures.elsewhere(store, held_elsewhere) {
                let why = skipped.why.as_deref().unwrap_or_default();
                notices.push(Notice {
                    kind: ipc::NotifyKind::StoreRunsElsewhere,
                    store_id: Some(store.to_owned()),
                    title: ("Another seat runs this store".into(), "مقعد آخر يشغّل هذا المتجر".into()),
                    body: (
                        format!("{store_name}: its jobs are skipped on this seat ({why}). To run it here, release it on that seat (Settings → Team)."),
                        format!("{store_name}: تُتخطّى مهامه على هذا المقعد ({why}). لتشغيله هنا، حرِّره من ذلك المقعد (الإعدادات ← الفريق)."),
                    ),
                    page: "settings",
                });
            }
        }
        for notice in notices {
            if let Err(e) = self.notify(notice).await {
                tracing::warn!(error = %e, "a notification could not be kept");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: &str, status: &str, counts: serde_json::Value) -> ipc::JobRunInfo {
        ipc::JobRunInfo {
            id: "r".into(),
            job_id: "j".into(),
            kind: Some(serde_json::from_value(serde_json::json!(kind)).expect("a job kind")),
            store_id: Some("s".into()),
            status: serde_json::from_value(serde_json::json!(status)).expect("a run status"),
            counts: counts.to_string(),
            error: (status == "failed").then(|| "boom".into()),
            ..Default::default()
        }
    }

    #[test]
    fn quiet_hours_wrap_past_midnight() {
        let (q22, q7) = (parse_hhmm("22:00").expect("time"), parse_hhmm("07:00").expect("time"));
        assert!(in_quiet_hours(23 * 60, q22, q7));
        assert!(in_quiet_hours(3 * 60, q22, q7));
        assert!(!in_quiet_hours(7 * 60, q22, q7));
        assert!(!in_quiet_hours(12 * 60, q22, q7));
        assert!(in_quiet_hours(13 * 60, 12 * 60, 14 * 60));
        assert!(!in_quiet_hours(5, 60, 60), "equal ends: never quiet");
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("7:5"), Some(425));
        assert_eq!(parse_hhmm("noon"), None);
    }

    #[test]
    fn job_ends_become_the_right_notices() {
        let kinds = |v: Vec<Notice>| v.into_iter().map(|n| (n.kind, n.page)).collect::<Vec<_>>();
        let opt = run("optimize", "succeeded", serde_json::json!({ "proposed": 5, "applied": 2, "breaker": null }));
        assert_eq!(kinds(notice_for(&opt, "S", 0)), [(ipc::NotifyKind::ApprovalsWaiting, "decisions")]);
        assert!(notice_for(&opt, "S", 0)[0].body.0.contains("3 proposed"));
        let tripped =
            run("optimize", "succeeded", serde_json::json!({ "proposed": 5, "applied": 0, "breaker": "too many" }));
        assert_eq!(kinds(notice_for(&tripped, "S", 0)), [(ipc::NotifyKind::BreakerTripped, "decisions")]);
        let none = run("apply_approved", "succeeded", serde_json::json!({ "applied": 0 }));
        assert!(notice_for(&none, "S", 0).is_empty(), "nothing applied, nothing to say");
        let applied = run("apply_approved", "succeeded", serde_json::json!({ "applied": 4 }));
        assert_eq!(kinds(notice_for(&applied, "S", 0)), [(ipc::NotifyKind::PricesApplied, "decisions")]);
        let undercut =
            run("competitor_check", "succeeded", serde_json::json!({ "undercut": 1, "undercut_product": "عطر" }));
        let n = notice_for(&undercut, "S", 0);
        assert_eq!(kinds(n.clone()), [(ipc::NotifyKind::Undercut, "competitors")]);
        assert!(n[0].body.1.contains("عطر"));
        // Counts read right: singular in English, Arabic-Indic digits in Arabic.
        assert_eq!(n[0].body.0, "S: 1 tracked product was undercut, e.g. عطر.");
        assert_eq!(n[0].body.1, "S: منتجات متتبَّعة صار سعر المنافس فيها أقل: ١، منها عطر.");
        assert_eq!(notice_for(&applied, "S", 0)[0].body.1, "S: أسعار طُبّقت في المتجر: ٤.");
        let failing = run("catalog_sync", "failed", serde_json::json!({}));
        let n = notice_for(&failing, "S", 2);
        assert!(n[0].body.0.starts_with("S: Catalogue import failed twice"), "{}", n[0].body.0);
        assert!(n[0].body.1.contains("«استيراد الكتالوج»"), "{}", n[0].body.1);
        let lost = run("token_check", "failed", serde_json::json!({}));
        assert_eq!(kinds(notice_for(&lost, "S", 2)), [(ipc::NotifyKind::AuthLost, "settings")]);
        let failing = run("orders_sync", "failed", serde_json::json!({}));
        assert!(notice_for(&failing, "S", 1).is_empty(), "one failure is not 'repeatedly'");
        assert_eq!(kinds(notice_for(&failing, "S", 2)), [(ipc::NotifyKind::JobFailing, "runs")]);
        assert!(notice_for(&failing, "S", 3).is_empty(), "said once, not at every failure");
    }

    #[test]
    fn failures_count_only_final_ones_and_reset_on_success() {
        let f = FailureCounts::default();
        assert_eq!(f.record("j", false, false), 0, "a failure that will be retried");
        assert_eq!(f.record("j", true, false), 1);
        assert_eq!(f.record("j", true, false), 2);
        assert_eq!(f.record("j", false, true), 0);
        assert_eq!(f.record("j", true, false), 1);
    }
}
