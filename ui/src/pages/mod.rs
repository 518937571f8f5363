//! Route-level screens, one file per screen (competitors, decisions and runs have their own
//! modules).

mod dashboard;
mod diagnostics;
mod products;
mod settings;

use yew::prelude::*;

use crate::state::Page;
use dashboard::Dashboard;
use diagnostics::DiagnosticsPage;
use products::ProductsRoute;
use settings::SettingsPage;

/// The screen for a page.
pub fn render(page: Page) -> Html {
    match page {
        Page::Dashboard => html! { <Dashboard /> },
        Page::Products => html! { <ProductsRoute /> },
        Page::Competitors => html! { <crate::competitors::CompetitorsPage /> },
        Page::Decisions => html! { <crate::decisions::DecisionsPage /> },
        Page::Runs => html! { <crate::runs::RunsPage /> },
        Page::Settings => html! { <SettingsPage /> },
        Page::Diagnostics => html! { <DiagnosticsPage /> },
    }
}
