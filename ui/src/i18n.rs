//! UI text in Arabic and English.
//!
//! Every string is a variant of [`T`]; [`tr`] matches on (language, text) exhaustively, so a
//! missing translation is a compile error rather than an English word in an Arabic screen.

use spo_ipc::Language;

/// A piece of UI text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum T {
    AppName,
    AppTagline,
    NavDashboard,
    NavProducts,
    NavCompetitors,
    NavDecisions,
    NavRuns,
    NavSettings,
    NavDiagnostics,
    NoStore,
    StoreSwitcherLabel,
    ConnectStore,
    TryDemo,
    ComingSoon,
    LanguageToggle,
    ThemeLight,
    ThemeDark,
    ThemeSystem,
    WelcomeTitle,
    WelcomeBody,
    StepConnect,
    StepConnectBody,
    StepCompetitors,
    StepCompetitorsBody,
    StepRules,
    StepRulesBody,
    StepApprove,
    StepApproveBody,
    PrivacyNote,
    KpiTracked,
    KpiCheapest,
    KpiPending,
    KpiLastRun,
    KpiNoData,
    ProductsEmpty,
    CompetitorsEmpty,
    DecisionsEmpty,
    RunsEmpty,
    EmptyNeedsStore,
    SettingsTitle,
    SettingsLanguage,
    SettingsLanguageHelp,
    SettingsTheme,
    SettingsThemeHelp,
    Saved,
    DiagnosticsTitle,
    DiagnosticsIntro,
    RunAgain,
    Running,
    Overall,
    StatusOk,
    StatusWarning,
    StatusFailed,
    SectionApp,
    SectionDatabase,
    SectionKeychain,
    SectionFolders,
    Version,
    Platform,
    DataFolder,
    LogFolder,
    DatabaseFile,
    DatabaseSize,
    SchemaVersion,
    IntegrityCheck,
    JournalMode,
    Synchronous,
    ForeignKeys,
    BusyTimeout,
    KeychainBackend,
    KeychainProbe,
    KeychainProbeOk,
    On,
    Off,
    GeneratedAt,
    Dismiss,
    ErrorTitle,
    ErrKeychain,
    ErrDatabase,
    ErrInvalid,
    ErrGeneric,
}

/// The text in a language.
pub fn tr(lang: Language, t: T) -> &'static str {
    use Language::{Ar, En};
    match (lang, t) {
        (En, T::AppName) => "Salla Price Optimizer",
        (Ar, T::AppName) => "مُحسِّن أسعار سلة",
        (En, T::AppTagline) => "Smart, safe pricing for your store",
        (Ar, T::AppTagline) => "تسعير ذكي وآمن لمتجرك",
        (En, T::NavDashboard) => "Dashboard",
        (Ar, T::NavDashboard) => "لوحة التحكم",
        (En, T::NavProducts) => "Products",
        (Ar, T::NavProducts) => "المنتجات",
        (En, T::NavCompetitors) => "Competitors",
        (Ar, T::NavCompetitors) => "المنافسون",
        (En, T::NavDecisions) => "Decisions",
        (Ar, T::NavDecisions) => "القرارات",
        (En, T::NavRuns) => "Runs",
        (Ar, T::NavRuns) => "عمليات التشغيل",
        (En, T::NavSettings) => "Settings",
        (Ar, T::NavSettings) => "الإعدادات",
        (En, T::NavDiagnostics) => "Diagnostics",
        (Ar, T::NavDiagnostics) => "التشخيص",
        (En, T::NoStore) => "No store connected",
        (Ar, T::NoStore) => "لا يوجد متجر مربوط",
        (En, T::StoreSwitcherLabel) => "Active store",
        (Ar, T::StoreSwitcherLabel) => "المتجر النشط",
        (En, T::ConnectStore) => "Connect a store",
        (Ar, T::ConnectStore) => "اربط متجرك",
        (En, T::TryDemo) => "Try the demo store",
        (Ar, T::TryDemo) => "جرّب المتجر التجريبي",
        (En, T::ComingSoon) => "Coming soon",
        (Ar, T::ComingSoon) => "قريبًا",
        (En, T::LanguageToggle) => "العربية",
        (Ar, T::LanguageToggle) => "English",
        (En, T::ThemeLight) => "Light",
        (Ar, T::ThemeLight) => "فاتح",
        (En, T::ThemeDark) => "Dark",
        (Ar, T::ThemeDark) => "داكن",
        (En, T::ThemeSystem) => "Match system",
        (Ar, T::ThemeSystem) => "حسب النظام",
        (En, T::WelcomeTitle) => "Welcome. Let's price your catalogue well.",
        (Ar, T::WelcomeTitle) => "أهلًا بك. لنسعّر منتجاتك بذكاء.",
        (En, T::WelcomeBody) => "Connect your Salla store, watch your competitors, and let pricing agents propose better prices — every change explained, checked by guardrails and waiting for your approval.",
        (Ar, T::WelcomeBody) => "اربط متجرك في سلة، وراقب منافسيك، ودع وكلاء التسعير يقترحون أسعارًا أفضل — كل تغيير مشروح، ومحكوم بضوابط أمان، وينتظر موافقتك.",
        (En, T::StepConnect) => "Connect your store",
        (Ar, T::StepConnect) => "اربط متجرك",
        (En, T::StepConnectBody) => "Products, variants, costs and sales history are imported from Salla.",
        (Ar, T::StepConnectBody) => "نستورد المنتجات والخيارات والتكاليف وسجل المبيعات من سلة.",
        (En, T::StepCompetitors) => "Add competitors",
        (Ar, T::StepCompetitors) => "أضف المنافسين",
        (En, T::StepCompetitorsBody) => "Paste competitor product links; prices are read with evidence.",
        (Ar, T::StepCompetitorsBody) => "الصق روابط منتجات المنافسين؛ نقرأ الأسعار مع الدليل.",
        (En, T::StepRules) => "Set your rules",
        (Ar, T::StepRules) => "حدّد قواعدك",
        (En, T::StepRulesBody) => "Floors, ceilings and margins that no automation can cross.",
        (Ar, T::StepRulesBody) => "حدود دنيا وعليا وهوامش ربح لا تتجاوزها أي أتمتة.",
        (En, T::StepApprove) => "Approve and apply",
        (Ar, T::StepApprove) => "وافق وطبّق",
        (En, T::StepApproveBody) => "Review each proposal with its reason; roll back in one click.",
        (Ar, T::StepApproveBody) => "راجع كل اقتراح مع سببه، وتراجع بنقرة واحدة.",
        (En, T::PrivacyNote) => "Your data and credentials stay on this computer.",
        (Ar, T::PrivacyNote) => "بياناتك وبيانات الدخول تبقى على هذا الجهاز.",
        (En, T::KpiTracked) => "Tracked products",
        (Ar, T::KpiTracked) => "المنتجات المتابَعة",
        (En, T::KpiCheapest) => "Where we're cheapest",
        (Ar, T::KpiCheapest) => "حيث نحن الأرخص",
        (En, T::KpiPending) => "Awaiting approval",
        (Ar, T::KpiPending) => "بانتظار الموافقة",
        (En, T::KpiLastRun) => "Last run",
        (Ar, T::KpiLastRun) => "آخر تشغيل",
        (En, T::KpiNoData) => "No data yet",
        (Ar, T::KpiNoData) => "لا توجد بيانات بعد",
        (En, T::ProductsEmpty) => "Your catalogue will appear here",
        (Ar, T::ProductsEmpty) => "ستظهر منتجاتك هنا",
        (En, T::CompetitorsEmpty) => "Competitor listings will appear here",
        (Ar, T::CompetitorsEmpty) => "ستظهر روابط المنافسين هنا",
        (En, T::DecisionsEmpty) => "Price proposals waiting for you will appear here",
        (Ar, T::DecisionsEmpty) => "ستظهر هنا اقتراحات الأسعار التي تنتظر قرارك",
        (En, T::RunsEmpty) => "Background jobs and pricing runs will appear here",
        (Ar, T::RunsEmpty) => "ستظهر هنا المهام الخلفية وعمليات التسعير",
        (En, T::EmptyNeedsStore) => "Connect a store first — or try the demo store to see the whole loop with no account.",
        (Ar, T::EmptyNeedsStore) => "اربط متجرًا أولًا — أو جرّب المتجر التجريبي لترى الدورة كاملة دون حساب.",
        (En, T::SettingsTitle) => "Settings",
        (Ar, T::SettingsTitle) => "الإعدادات",
        (En, T::SettingsLanguage) => "Language",
        (Ar, T::SettingsLanguage) => "اللغة",
        (En, T::SettingsLanguageHelp) => "Arabic switches the whole layout to right-to-left.",
        (Ar, T::SettingsLanguageHelp) => "العربية تقلب اتجاه الواجهة بالكامل من اليمين إلى اليسار.",
        (En, T::SettingsTheme) => "Appearance",
        (Ar, T::SettingsTheme) => "المظهر",
        (En, T::SettingsThemeHelp) => "Light, dark, or follow your operating system.",
        (Ar, T::SettingsThemeHelp) => "فاتح أو داكن أو حسب نظام التشغيل.",
        (En, T::Saved) => "Saved",
        (Ar, T::Saved) => "تم الحفظ",
        (En, T::DiagnosticsTitle) => "Diagnostics",
        (Ar, T::DiagnosticsTitle) => "التشخيص",
        (En, T::DiagnosticsIntro) => "Live checks of this installation. The command line prints the same report:",
        (Ar, T::DiagnosticsIntro) => "فحوص حيّة لهذا التثبيت. سطر الأوامر يطبع التقرير نفسه:",
        (En, T::RunAgain) => "Run checks again",
        (Ar, T::RunAgain) => "أعد الفحص",
        (En, T::Running) => "Checking…",
        (Ar, T::Running) => "جارٍ الفحص…",
        (En, T::Overall) => "Overall",
        (Ar, T::Overall) => "الحالة العامة",
        (En, T::StatusOk) => "Healthy",
        (Ar, T::StatusOk) => "سليم",
        (En, T::StatusWarning) => "Needs attention",
        (Ar, T::StatusWarning) => "يحتاج انتباهًا",
        (En, T::StatusFailed) => "Failed",
        (Ar, T::StatusFailed) => "فشل",
        (En, T::SectionApp) => "Application",
        (Ar, T::SectionApp) => "التطبيق",
        (En, T::SectionDatabase) => "Local database",
        (Ar, T::SectionDatabase) => "قاعدة البيانات المحلية",
        (En, T::SectionKeychain) => "Secure storage (OS keychain)",
        (Ar, T::SectionKeychain) => "التخزين الآمن (سلسلة مفاتيح النظام)",
        (En, T::SectionFolders) => "Folders",
        (Ar, T::SectionFolders) => "المجلدات",
        (En, T::Version) => "Version",
        (Ar, T::Version) => "الإصدار",
        (En, T::Platform) => "Platform",
        (Ar, T::Platform) => "المنصة",
        (En, T::DataFolder) => "Data folder",
        (Ar, T::DataFolder) => "مجلد البيانات",
        (En, T::LogFolder) => "Log folder",
        (Ar, T::LogFolder) => "مجلد السجلات",
        (En, T::DatabaseFile) => "Database file",
        (Ar, T::DatabaseFile) => "ملف قاعدة البيانات",
        (En, T::DatabaseSize) => "Size",
        (Ar, T::DatabaseSize) => "الحجم",
        (En, T::SchemaVersion) => "Schema version",
        (Ar, T::SchemaVersion) => "إصدار المخطط",
        (En, T::IntegrityCheck) => "Integrity check",
        (Ar, T::IntegrityCheck) => "فحص السلامة",
        (En, T::JournalMode) => "Journal mode",
        (Ar, T::JournalMode) => "وضع السجل",
        (En, T::Synchronous) => "Synchronous writes",
        (Ar, T::Synchronous) => "الكتابة المتزامنة",
        (En, T::ForeignKeys) => "Foreign keys",
        (Ar, T::ForeignKeys) => "المفاتيح الخارجية",
        (En, T::BusyTimeout) => "Busy timeout",
        (Ar, T::BusyTimeout) => "مهلة الانتظار",
        (En, T::KeychainBackend) => "Backend",
        (Ar, T::KeychainBackend) => "المزوّد",
        (En, T::KeychainProbe) => "Probe",
        (Ar, T::KeychainProbe) => "الاختبار",
        (En, T::KeychainProbeOk) => "Stored, read back and deleted a test entry",
        (Ar, T::KeychainProbeOk) => "حُفظ مُدخل اختباري وقُرئ ثم حُذف بنجاح",
        (En, T::On) => "On",
        (Ar, T::On) => "مفعّل",
        (En, T::Off) => "Off",
        (Ar, T::Off) => "معطّل",
        (En, T::GeneratedAt) => "Checked at",
        (Ar, T::GeneratedAt) => "وقت الفحص",
        (En, T::Dismiss) => "Dismiss",
        (Ar, T::Dismiss) => "إغلاق",
        (En, T::ErrorTitle) => "Something went wrong",
        (Ar, T::ErrorTitle) => "حدث خطأ",
        (En, T::ErrKeychain) => "Secure storage (the OS keychain) is not available on this computer.",
        (Ar, T::ErrKeychain) => "التخزين الآمن (سلسلة مفاتيح النظام) غير متاح على هذا الجهاز.",
        (En, T::ErrDatabase) => "The local database could not be read or written.",
        (Ar, T::ErrDatabase) => "تعذّرت القراءة من قاعدة البيانات المحلية أو الكتابة فيها.",
        (En, T::ErrInvalid) => "That request was not valid; nothing was changed.",
        (Ar, T::ErrInvalid) => "الطلب غير صالح؛ لم يتغير شيء.",
        (En, T::ErrGeneric) => "An unexpected error occurred. Details are in the log file.",
        (Ar, T::ErrGeneric) => "حدث خطأ غير متوقع. التفاصيل في ملف السجل.",
    }
}

/// BCP 47 tag for the `lang` attribute.
pub fn lang_tag(lang: Language) -> &'static str {
    match lang {
        Language::Ar => "ar",
        Language::En => "en",
    }
}

/// Text direction for the `dir` attribute.
pub fn dir(lang: Language) -> &'static str {
    match lang {
        Language::Ar => "rtl",
        Language::En => "ltr",
    }
}

/// Western digits to Arabic-Indic digits for display in Arabic.
pub fn digits(lang: Language, text: &str) -> String {
    match lang {
        Language::En => text.to_owned(),
        Language::Ar => text
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) if c.is_ascii_digit() => char::from_u32(0x0660 + d).unwrap_or(c),
                _ => c,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_is_right_to_left() {
        assert_eq!(dir(Language::Ar), "rtl");
        assert_eq!(dir(Language::En), "ltr");
    }

    #[test]
    fn arabic_text_is_arabic() {
        for t in [T::NavDashboard, T::ConnectStore, T::DiagnosticsTitle, T::IntegrityCheck] {
            let ar = tr(Language::Ar, t);
            assert!(ar.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "{t:?}: {ar}");
            assert_ne!(ar, tr(Language::En, t));
        }
    }

    #[test]
    fn digits_localise() {
        assert_eq!(digits(Language::Ar, "v0.1.25"), "v٠.١.٢٥");
        assert_eq!(digits(Language::En, "25"), "25");
    }
}
