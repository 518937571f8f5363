//! The build, the UI language and theme.

use serde::{Deserialize, Serialize};

/// Identity of the running build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name.
    pub name: String,
    /// Semantic version of this build.
    pub version: String,
    /// Bundle identifier (also the OS keychain service prefix and app-data folder name).
    pub identifier: String,
}

/// UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Arabic, right to left. The default: the product is Arabic-first.
    #[default]
    Ar,
    /// English, left to right.
    En,
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// User preferences of this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// UI language.
    pub language: Language,
    /// Colour theme.
    pub theme: Theme,
}

/// A partial update of [`Settings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    /// New language, if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// New theme, if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{StoreStatus, StoreSummary};

    #[test]
    fn settings_patch_wire_shape() {
        let patch = SettingsPatch { language: Some(Language::En), theme: None };
        assert_eq!(serde_json::to_value(patch).expect("ser"), serde_json::json!({"language": "en"}));
        let back: SettingsPatch = serde_json::from_str(r#"{"theme":"dark"}"#).expect("de");
        assert_eq!(back, SettingsPatch { language: None, theme: Some(Theme::Dark) });
        assert!(
            serde_json::from_str::<SettingsPatch>(r#"{"lang":"en"}"#).is_err(),
            "unknown fields must be rejected, not ignored"
        );
    }

    #[test]
    fn defaults_are_arabic_first() {
        assert_eq!(Settings::default().language, Language::Ar);
    }

    #[test]
    fn store_summary_is_camel_case() {
        let s = StoreSummary {
            id: "x".into(),
            name: "n".into(),
            domain: None,
            status: StoreStatus::NeedsReconnect,
            is_demo: true,
        };
        let v = serde_json::to_value(s).expect("ser");
        assert_eq!(v["isDemo"], true);
        assert_eq!(v["status"], "needs_reconnect");
    }
}
