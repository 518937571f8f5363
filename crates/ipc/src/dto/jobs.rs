//! Background jobs: their kinds, schedules and runs.

use serde::{Deserialize, Serialize};

use super::Language;

/// What a background job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Catalogue import.
    CatalogSync,
    /// Orders import.
    OrdersSync,
    /// Competitor price check.
    CompetitorCheck,
    /// Optimization run.
    Optimize,
    /// Apply approved prices.
    ApplyApproved,
    /// Store authorization check.
    TokenCheck,
    /// Daily backup.
    Backup,
    /// Old data clean-up.
    Retention,
}

impl JobKind {
    /// Every kind, in the order the job monitor lists them.
    pub const ALL: [JobKind; 8] = [
        JobKind::CatalogSync,
        JobKind::OrdersSync,
        JobKind::CompetitorCheck,
        JobKind::Optimize,
        JobKind::ApplyApproved,
        JobKind::TokenCheck,
        JobKind::Backup,
        JobKind::Retention,
    ];

    /// The kind's name in `lang`: the monitor and the notifications use the same words.
    pub fn name(self, lang: Language) -> &'static str {
        let (en, ar) = match self {
            JobKind::CatalogSync => ("Catalogue import", "استيراد الكتالوج"),
            JobKind::OrdersSync => ("Orders import", "استيراد الطلبات"),
            JobKind::CompetitorCheck => ("Competitor price check", "فحص أسعار المنافسين"),
            JobKind::Optimize => ("Optimization run", "تشغيل التحسين"),
            JobKind::ApplyApproved => ("Apply approved prices", "تطبيق الأسعار المعتمدة"),
            JobKind::TokenCheck => ("Store authorization check", "التحقق من تفويض المتجر"),
            JobKind::Backup => ("Daily backup", "النسخ الاحتياطي اليومي"),
            JobKind::Retention => ("Old data clean-up", "تنظيف البيانات القديمة"),
        };
        match lang {
            Language::En => en,
            Language::Ar => ar,
        }
    }

    /// The spelling on the wire (also the `data-kind` of the monitor's rows).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::CatalogSync => "catalog_sync",
            JobKind::OrdersSync => "orders_sync",
            JobKind::CompetitorCheck => "competitor_check",
            JobKind::Optimize => "optimize",
            JobKind::ApplyApproved => "apply_approved",
            JobKind::TokenCheck => "token_check",
            JobKind::Backup => "backup",
            JobKind::Retention => "retention",
        }
    }
}

/// How a background job's run ended (or that it still runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum JobRunStatus {
    /// Still going.
    #[default]
    Running,
    /// Done.
    Succeeded,
    /// Failed (see its error).
    Failed,
    /// Stopped on request.
    Cancelled,
}

impl JobRunStatus {
    /// Every status, in the order the monitor's filter lists them.
    pub const ALL: [JobRunStatus; 4] =
        [JobRunStatus::Running, JobRunStatus::Succeeded, JobRunStatus::Failed, JobRunStatus::Cancelled];

    /// The spelling on the wire (also the `data-status` of the monitor's rows).
    pub fn as_str(self) -> &'static str {
        match self {
            JobRunStatus::Running => "running",
            JobRunStatus::Succeeded => "succeeded",
            JobRunStatus::Failed => "failed",
            JobRunStatus::Cancelled => "cancelled",
        }
    }
}

/// A scheduled background job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInfo {
    /// Local id.
    pub id: String,
    /// Its store (none: all stores).
    pub store_id: Option<String>,
    /// What it does.
    pub kind: JobKind,
    /// `every 6h` or a cron expression (Riyadh time).
    pub schedule: String,
    /// Next run (RFC 3339, UTC).
    pub next_run_at: Option<String>,
    /// Paused.
    pub paused: bool,
    /// Running now.
    pub running: bool,
}

/// One run of a background job (the job monitor), or its progress as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobRunInfo {
    /// Local id.
    pub id: String,
    /// The job.
    pub job_id: String,
    /// Its kind (none in a progress event).
    pub kind: Option<JobKind>,
    /// Its store.
    pub store_id: Option<String>,
    /// How it ended, or that it still runs.
    pub status: JobRunStatus,
    /// Start (RFC 3339, UTC); empty in a progress event.
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// 0–1.
    pub progress: Option<f64>,
    /// What it did, as JSON.
    pub counts: String,
    /// What failed.
    pub error: Option<String>,
}
