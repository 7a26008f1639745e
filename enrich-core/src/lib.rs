//! Pure enrichment logic.
// Placeholder crate docs: the enrich-core issue writes them in full.
