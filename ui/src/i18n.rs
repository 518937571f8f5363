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
    ErrSalla,
    ErrNeedsReconnect,
    ErrBusy,
    SyncNow,
    SettingsStores,
    AllCategories,
    ConnectTitle,
    TabOwnApp,
    TabTokens,
    TabDemo,
    OwnAppHelp,
    ClientId,
    ClientSecret,
    RedirectPort,
    TokensHelp,
    AccessToken,
    RefreshToken,
    DemoHelp,
    Connect,
    WaitingForBrowser,
    Cancel,
    Close,
    AllStatuses,
    SettingsStoresHelp,
    Disconnect,
    DisconnectDelete,
    NeedsReconnect,
    Syncing,
    SyncedTitle,
    DemoBadge,
    Connecting,
    ProductsSearch,
    ProductsCount,
    ColName,
    ColSku,
    ColCategory,
    ColPrice,
    ColCost,
    ColMargin,
    ColStock,
    ColStatus,
    StatusSale,
    StatusOut,
    StatusHidden,
    ShowMore,
    NoMatches,
    Currency,
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
        (En, T::ErrSalla) => "Salla did not accept the request.",
        (Ar, T::ErrSalla) => "لم تقبل سلة الطلب.",
        (En, T::ErrNeedsReconnect) => "This store's Salla authorization was lost. Reconnect it to continue.",
        (Ar, T::ErrNeedsReconnect) => "فُقد تفويض سلة لهذا المتجر. أعد ربطه للمتابعة.",
        (En, T::ErrBusy) => "An import of this store is already running. Wait for it to finish or cancel it.",
        (Ar, T::ErrBusy) => "يجري استيراد لهذا المتجر الآن. انتظر حتى ينتهي أو ألغه.",
        (En, T::ConnectTitle) => "Connect a Salla store",
        (Ar, T::ConnectTitle) => "ربط متجر سلة",
        (En, T::TabOwnApp) => "Your Salla app",
        (Ar, T::TabOwnApp) => "تطبيقك في سلة",
        (En, T::TabTokens) => "Paste tokens",
        (Ar, T::TabTokens) => "لصق الرموز",
        (En, T::TabDemo) => "Demo store",
        (Ar, T::TabDemo) => "المتجر التجريبي",
        (En, T::OwnAppHelp) => "Use the keys of your app in the Salla Partners portal. Register this redirect URL for it:",
        (Ar, T::OwnAppHelp) => "استخدم مفاتيح تطبيقك في بوابة شركاء سلة، وسجّل له رابط إعادة التوجيه هذا:",
        (En, T::ClientId) => "Client ID",
        (Ar, T::ClientId) => "معرّف العميل (Client ID)",
        (En, T::ClientSecret) => "Client secret",
        (Ar, T::ClientSecret) => "السر (Client secret)",
        (En, T::RedirectPort) => "Redirect port",
        (Ar, T::RedirectPort) => "منفذ إعادة التوجيه",
        (En, T::TokensHelp) => "Tokens obtained elsewhere. Without the app's keys they cannot be renewed, and the store will need reconnecting when they expire.",
        (Ar, T::TokensHelp) => "رموز حصلت عليها من مكان آخر. بدون مفاتيح التطبيق لا يمكن تجديدها، وسيحتاج المتجر إلى إعادة الربط عند انتهائها.",
        (En, T::AccessToken) => "Access token",
        (Ar, T::AccessToken) => "رمز الوصول",
        (En, T::RefreshToken) => "Refresh token",
        (Ar, T::RefreshToken) => "رمز التجديد",
        (En, T::DemoHelp) => "A local Salla-compatible store with a realistic catalogue, so you can see the whole loop without an account. Clearly marked as a demo.",
        (Ar, T::DemoHelp) => "متجر محلي متوافق مع سلة بمنتجات واقعية، لترى الدورة كاملة دون حساب. يظهر بوضوح على أنه تجريبي.",
        (En, T::Connect) => "Connect",
        (Ar, T::Connect) => "ربط",
        (En, T::WaitingForBrowser) => "Finish signing in to Salla in your browser…",
        (Ar, T::WaitingForBrowser) => "أكمل تسجيل الدخول إلى سلة في المتصفح…",
        (En, T::Cancel) => "Cancel",
        (Ar, T::Cancel) => "إلغاء",
        (En, T::Close) => "Close",
        (Ar, T::Close) => "إغلاق",
        (En, T::AllCategories) => "All categories",
        (Ar, T::AllCategories) => "كل التصنيفات",
        (En, T::AllStatuses) => "All statuses",
        (Ar, T::AllStatuses) => "كل الحالات",
        (En, T::SettingsStores) => "Connected stores",
        (Ar, T::SettingsStores) => "المتاجر المربوطة",
        (En, T::SettingsStoresHelp) => "Disconnecting removes the store's Salla authorization from this computer's keychain.",
        (Ar, T::SettingsStoresHelp) => "فصل المتجر يحذف تفويض سلة الخاص به من سلسلة مفاتيح هذا الجهاز.",
        (En, T::Disconnect) => "Disconnect",
        (Ar, T::Disconnect) => "فصل",
        (En, T::DisconnectDelete) => "Disconnect and delete its data",
        (Ar, T::DisconnectDelete) => "فصل وحذف بياناته",
        (En, T::NeedsReconnect) => "Needs reconnect",
        (Ar, T::NeedsReconnect) => "يحتاج إعادة ربط",
        (En, T::SyncNow) => "Sync now",
        (Ar, T::SyncNow) => "مزامنة الآن",
        (En, T::Syncing) => "Syncing…",
        (Ar, T::Syncing) => "جارٍ المزامنة…",
        (En, T::SyncedTitle) => "Catalogue synced: products updated",
        (Ar, T::SyncedTitle) => "تمت مزامنة المنتجات: عدد المحدَّث",
        (En, T::DemoBadge) => "Demo",
        (Ar, T::DemoBadge) => "تجريبي",
        (En, T::Connecting) => "Importing the catalogue…",
        (Ar, T::Connecting) => "جارٍ استيراد المنتجات…",
        (En, T::ProductsSearch) => "Search by name or SKU",
        (Ar, T::ProductsSearch) => "ابحث بالاسم أو رمز المنتج",
        (En, T::ProductsCount) => "products",
        (Ar, T::ProductsCount) => "منتج",
        (En, T::ColName) => "Product",
        (Ar, T::ColName) => "المنتج",
        (En, T::ColSku) => "SKU",
        (Ar, T::ColSku) => "رمز المنتج",
        (En, T::ColCategory) => "Category",
        (Ar, T::ColCategory) => "التصنيف",
        (En, T::ColPrice) => "Price (excl. VAT)",
        (Ar, T::ColPrice) => "السعر (بدون الضريبة)",
        (En, T::ColCost) => "Cost",
        (Ar, T::ColCost) => "التكلفة",
        (En, T::ColMargin) => "Margin",
        (Ar, T::ColMargin) => "الهامش",
        (En, T::ColStock) => "Stock",
        (Ar, T::ColStock) => "المخزون",
        (En, T::ColStatus) => "Status",
        (Ar, T::ColStatus) => "الحالة",
        (En, T::StatusSale) => "On sale",
        (Ar, T::StatusSale) => "متاح",
        (En, T::StatusOut) => "Out of stock",
        (Ar, T::StatusOut) => "نفد",
        (En, T::StatusHidden) => "Hidden",
        (Ar, T::StatusHidden) => "مخفي",
        (En, T::ShowMore) => "Show more",
        (Ar, T::ShowMore) => "عرض المزيد",
        (En, T::NoMatches) => "No product matches this search.",
        (Ar, T::NoMatches) => "لا يوجد منتج يطابق البحث.",
        (En, T::Currency) => "SAR",
        (Ar, T::Currency) => "ر.س",
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

/// An amount in minor units as "1,299.95 SAR" / "١٬٢٩٩٫٩٥ ر.س". Two minor digits (SAR); other
/// currencies show their code.
pub fn money(lang: Language, minor: i64, currency: &str) -> String {
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    let number = format!("{sign}{grouped}.{:02}", abs % 100);
    let unit = if currency == "SAR" { tr(lang, T::Currency) } else { currency };
    match lang {
        Language::En => format!("{number} {unit}"),
        Language::Ar => {
            let arabic: String = digits(lang, &number)
                .chars()
                .map(|c| match c {
                    ',' => '\u{066C}',
                    '.' => '\u{066B}',
                    other => other,
                })
                .collect();
            format!("{arabic} {unit}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats_exactly() {
        assert_eq!(money(Language::En, 129_995, "SAR"), "1,299.95 SAR");
        assert_eq!(money(Language::Ar, 129_995, "SAR"), "١٬٢٩٩٫٩٥ ر.س");
        assert_eq!(money(Language::En, 5, "USD"), "0.05 USD");
        assert_eq!(money(Language::En, -100_000_000, "SAR"), "-1,000,000.00 SAR");
    }

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
