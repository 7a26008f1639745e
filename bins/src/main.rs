//! custom-misp: enriches Wazuh alerts with MISP.
fn main() {}
