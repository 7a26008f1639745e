//! A typed, blocking client for MISP.
// Placeholder crate docs: the misp-client issue writes them in full.

mod de;
pub mod model;

pub use model::{Attribute, EventSummary, SearchAttributes, SearchResponse, Tag, Version};
pub mod query;
pub use query::SearchQuery;
