//! Integration tests of `enrich-core`: extraction from each decoder shape,
//! the events, and property tests. One test binary, one module a topic.

mod decoders;
mod events;
mod options;
mod properties;
mod support;
