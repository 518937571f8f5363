//! Opens the Salla sign-in in the system browser (RFC 8252: never in a webview).

/// Opens `url` in the default browser. Only `https:` URLs, or `http:` to the loopback address (the
/// local Salla-compatible server used by tests), are opened; anything else is refused and logged.
pub(crate) fn open(url: &str) {
    let allowed = url.starts_with("https://") || url.starts_with("http://127.0.0.1:");
    if !allowed {
        tracing::warn!("refused to open a non-https sign-in URL");
        return;
    }
    if let Err(e) = ::open::that_detached(url) {
        tracing::warn!(error = %e, "could not open the system browser");
    }
}
