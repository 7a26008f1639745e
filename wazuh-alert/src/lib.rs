//! The Wazuh side: the alert model, the integratord invocation and the
//! analysisd queue socket.
// Placeholder crate docs: the wazuh-alert issue writes them in full.

pub mod alert;

pub use alert::{Agent, Alert, AlertFields, Decoder, Manager, Mitre, Rule, Syscheck};
