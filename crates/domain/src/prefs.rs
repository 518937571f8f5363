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

/// Settings key of [`CompetitorPrefs::allowed_hosts`] (comma-separated). Persisted.
pub const KEY_ALLOWED_HOSTS: &str = "competitors.allowed_hosts";
/// Settings key of [`CompetitorPrefs::retention_days`]. Persisted.
pub const KEY_RETENTION_DAYS: &str = "competitors.retention_days";
/// Competitor prices are kept a year unless the user says otherwise (the demand model reads
/// 180 days of them).
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
/// The retention the user may choose, in days.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u32> = 30..=3650;

/// Competitor-tracking preferences of this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompetitorPrefs {
    /// Hosts (`name` or `name:port`, lower case) the fetcher may reach on private or loopback
    /// addresses and over plain http: a merchant's own test shop, the demo store.
    pub allowed_hosts: Vec<String>,
    /// Price observations older than this are deleted (the newest price of each page is kept).
    pub retention_days: u32,
}

impl Default for CompetitorPrefs {
    fn default() -> Self {
        Self { allowed_hosts: Vec::new(), retention_days: DEFAULT_RETENTION_DAYS }
    }
}

impl CompetitorPrefs {
    /// Builds the preferences from stored pairs; unreadable values fall back to the defaults
    /// (an unreadable host is dropped, never widened).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut p = CompetitorPrefs::default();
        for (k, v) in pairs {
            match k {
                KEY_ALLOWED_HOSTS => {
                    p.allowed_hosts = v.split(',').filter_map(|h| parse_allowed_host(h).ok()).collect();
                    p.allowed_hosts.sort();
                    p.allowed_hosts.dedup();
                }
                KEY_RETENTION_DAYS => {
                    p.retention_days =
                        v.trim().parse().ok().filter(|d| RETENTION_DAYS.contains(d)).unwrap_or(DEFAULT_RETENTION_DAYS);
                }
                _ => {}
            }
        }
        p
    }

    /// The persisted spelling of the host list.
    pub fn hosts_text(&self) -> String {
        self.allowed_hosts.join(",")
    }
}

/// Why a host cannot be allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// Nothing was typed.
    #[error("the host is empty")]
    Empty,
    /// Not a host name, IP address or `host:port`.
    #[error("{0:?} is not a host name or address (examples: shop.local, 192.168.1.20:8080)")]
    Invalid(String),
}

/// Reads what the user typed as an allowed host: a name, an IPv4 address, a bracketed IPv6
/// address, each with an optional port; a pasted URL is reduced to its host and port. The result
/// is lower case.
pub fn parse_allowed_host(input: &str) -> Result<String, HostError> {
    let typed = input.trim();
    if typed.is_empty() {
        return Err(HostError::Empty);
    }
    let invalid = || HostError::Invalid(typed.to_owned());
    let lower = typed.to_ascii_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or_else(invalid)?;
        if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return Err(invalid());
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(invalid)?),
        };
        (format!("[{addr}]"), port)
    } else {
        let (name, port) = match hostport.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (hostport, None),
        };
        let name = name.trim_end_matches('.');
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
            return Err(invalid());
        }
        (name.to_owned(), port)
    };
    match port {
        None => Ok(host),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && !p.starts_with('+') => Ok(format!("{host}:{n}")),
            _ => Err(invalid()),
        },
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

    #[test]
    fn allowed_hosts_are_read_strictly() {
        for (typed, host) in [
            ("shop.local", "shop.local"),
            ("  Shop.LOCAL.  ", "shop.local"),
            ("192.168.1.20:8080", "192.168.1.20:8080"),
            ("http://127.0.0.1:4242/competitors/souq/1", "127.0.0.1:4242"),
            ("https://user:pw@intranet:443/x", "intranet:443"),
            ("[::1]:8080", "[::1]:8080"),
            ("[fd00::1]", "[fd00::1]"),
        ] {
            assert_eq!(parse_allowed_host(typed).as_deref(), Ok(host), "{typed}");
        }
        assert_eq!(parse_allowed_host(" "), Err(HostError::Empty));
        for bad in ["a b", "shop..local", "-x.com", "x:0", "x:70000", "x:+80", "[::1", "[zz]", "x:y", "*.local", "a,b"]
        {
            assert!(matches!(parse_allowed_host(bad), Err(HostError::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn competitor_prefs_from_pairs() {
        let p = CompetitorPrefs::from_pairs([
            (KEY_ALLOWED_HOSTS, "b.local,A.local,bad host,a.local"),
            (KEY_RETENTION_DAYS, "90"),
        ]);
        assert_eq!(p.allowed_hosts, vec!["a.local".to_owned(), "b.local".to_owned()]);
        assert_eq!(p.retention_days, 90);
        assert_eq!(p.hosts_text(), "a.local,b.local");
        assert_eq!(CompetitorPrefs::from_pairs([(KEY_RETENTION_DAYS, "3")]).retention_days, DEFAULT_RETENTION_DAYS);
        assert_eq!(CompetitorPrefs::from_pairs([]), CompetitorPrefs::default());
    }
}
