//! Device preferences and their persisted form.
//!
//! Preferences are stored as key/value text in the `settings` table. The keys and value spellings
//! below are persisted: do not rename them.

use serde::{Deserialize, Serialize};

/// UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    /// Arabic (default: the product is Arabic-first).
    #[default]
    Arabic,
    /// English.
    English,
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Theme {
    /// Follow the OS.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// The device preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preferences {
    /// UI language.
    pub language: Language,
    /// Colour theme.
    pub theme: Theme,
}

/// Settings key of [`Preferences::language`]. Persisted.
pub const KEY_LANGUAGE: &str = "ui.language";
/// Settings key of [`Preferences::theme`]. Persisted.
pub const KEY_THEME: &str = "ui.theme";

impl Language {
    /// Persisted spelling (BCP 47 tag).
    pub fn as_tag(self) -> &'static str {
        match self {
            Language::Arabic => "ar",
            Language::English => "en",
        }
    }
    /// Parses a persisted spelling.
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "ar" => Some(Language::Arabic),
            "en" => Some(Language::English),
            _ => None,
        }
    }
}

impl Theme {
    /// Persisted spelling.
    pub fn as_tag(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
    /// Parses a persisted spelling.
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "system" => Some(Theme::System),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

impl Preferences {
    /// Builds preferences from stored key/value pairs. Unknown keys are ignored; a known key with an
    /// unreadable value falls back to the default, so a bad row never locks the user out of the UI.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut p = Preferences::default();
        for (k, v) in pairs {
            match k {
                KEY_LANGUAGE => p.language = Language::from_tag(v).unwrap_or_default(),
                KEY_THEME => p.theme = Theme::from_tag(v).unwrap_or_default(),
                _ => {}
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        for l in [Language::Arabic, Language::English] {
            assert_eq!(Language::from_tag(l.as_tag()), Some(l));
        }
        for t in [Theme::System, Theme::Light, Theme::Dark] {
            assert_eq!(Theme::from_tag(t.as_tag()), Some(t));
        }
    }

    #[test]
    fn from_pairs_tolerates_bad_rows() {
        let p = Preferences::from_pairs([(KEY_LANGUAGE, "en"), (KEY_THEME, "purple"), ("x", "y")]);
        assert_eq!(p, Preferences { language: Language::English, theme: Theme::System });
    }
}
