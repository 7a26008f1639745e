//! Integration tests of `wazuh-alert`: one test binary, one module a topic.
//!
//! The alert fixtures in `tests/fixtures/` are written for this project
//! (documentation-range agents, invented hashes and names) in the shapes
//! real Wazuh alerts have; see `tests/fixtures/README.md`.

mod alerts;
mod files;
mod invocation;
mod properties;
mod socket;

/// The text of a fixture file.
#[macro_export]
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../fixtures/", $name))
    };
}
