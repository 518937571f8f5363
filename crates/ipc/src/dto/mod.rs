//! Request and response types, one file per feature; all re-exported at the crate root.

mod competitors;
mod data;
mod health;
mod jobs;
mod llm;
mod notifications;
mod pricing;
mod products;
mod settings;
mod stores;

pub use competitors::*;
pub use data::*;
pub use health::*;
pub use jobs::*;
pub use llm::*;
pub use notifications::*;
pub use pricing::*;
pub use products::*;
pub use settings::*;
pub use stores::*;
