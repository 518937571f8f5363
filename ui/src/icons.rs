//! Inline stroke icons (24×24, currentColor) so the UI needs no icon font or remote asset.

use yew::{html, Html};

fn icon(paths: &[&'static str]) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8"
             stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
            { for paths.iter().map(|d| html! { <path d={*d} /> }) }
        </svg>
    }
}

/// Dashboard (grid).
pub fn dashboard() -> Html {
    icon(&["M4 4h7v7H4z", "M13 4h7v4h-7z", "M13 10h7v10h-7z", "M4 13h7v7H4z"])
}
/// Products (box).
pub fn products() -> Html {
    icon(&["M3 7.5 12 3l9 4.5v9L12 21l-9-4.5z", "M3 7.5 12 12l9-4.5", "M12 12v9"])
}
/// Competitors (binoculars / eye).
pub fn competitors() -> Html {
    icon(&["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"])
}
/// Decisions (check list).
pub fn decisions() -> Html {
    icon(&["M9 6h11", "M9 12h11", "M9 18h11", "M4 6l1 1 2-2", "M4 12l1 1 2-2", "M4 18l1 1 2-2"])
}
/// Runs (activity).
pub fn runs() -> Html {
    icon(&["M3 12h4l3-8 4 16 3-8h4"])
}
/// Settings (sliders).
pub fn settings() -> Html {
    icon(&["M4 6h10", "M18 6h2", "M16 4v4", "M4 12h4", "M12 12h8", "M10 10v4", "M4 18h12", "M20 18h0", "M18 16v4"])
}
/// Diagnostics (stethoscope-like pulse in a shield).
pub fn diagnostics() -> Html {
    icon(&["M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z", "M8 12h2l1-2 2 4 1-2h2"])
}
/// Store.
pub fn store() -> Html {
    icon(&[
        "M4 9l1.5-5h13L20 9",
        "M4 9h16v2a3 3 0 0 1-5.3 2A3 3 0 0 1 12 14a3 3 0 0 1-2.7-1A3 3 0 0 1 4 11z",
        "M5 14v6h14v-6",
    ])
}
/// Chevron down.
pub fn chevron() -> Html {
    icon(&["M6 9l6 6 6-6"])
}
/// Globe (language).
pub fn globe() -> Html {
    icon(&[
        "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z",
        "M3 12h18",
        "M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z",
    ])
}
/// Moon (dark theme).
pub fn moon() -> Html {
    icon(&["M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z"])
}
/// Sun (light theme).
pub fn sun() -> Html {
    icon(&[
        "M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
        "M12 2v2",
        "M12 20v2",
        "M4.9 4.9l1.4 1.4",
        "M17.7 17.7l1.4 1.4",
        "M2 12h2",
        "M20 12h2",
        "M4.9 19.1l1.4-1.4",
        "M17.7 6.3l1.4-1.4",
    ])
}
/// Lock (privacy).
pub fn lock() -> Html {
    icon(&["M6 11h12v9H6z", "M8.5 11V8a3.5 3.5 0 0 1 7 0v3"])
}
/// Plug (connect).
pub fn plug() -> Html {
    icon(&["M9 3v5", "M15 3v5", "M6 8h12v3a6 6 0 0 1-12 0z", "M12 17v4"])
}
/// Sparkles (demo).
pub fn sparkles() -> Html {
    icon(&[
        "M12 3l1.8 4.7L18.5 9.5l-4.7 1.8L12 16l-1.8-4.7L5.5 9.5l4.7-1.8z",
        "M19 15l.8 2.2L22 18l-2.2.8L19 21l-.8-2.2L16 18l2.2-.8z",
    ])
}
/// Refresh.
pub fn refresh() -> Html {
    icon(&["M20 11a8 8 0 0 0-14.7-4.3L4 8", "M4 4v4h4", "M4 13a8 8 0 0 0 14.7 4.3L20 16", "M20 20v-4h-4"])
}
/// Close (×).
pub fn close() -> Html {
    icon(&["M6 6l12 12", "M18 6L6 18"])
}
/// Notifications (bell).
pub fn bell() -> Html {
    icon(&["M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9", "M10.3 21a1.94 1.94 0 0 0 3.4 0"])
}
