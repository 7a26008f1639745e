//! Helpers shared by the tests.

use enrich_core::{Config, Prepared};
use misp_client::Attribute;
use serde_json::Value;
use wazuh_alert::Alert;

/// An alert from compact JSON.
pub fn alert(json: &str) -> Alert {
    Alert::from_value(serde_json::from_str(json).expect("test alert is JSON"))
        .expect("test alert is an alert")
}

/// Options from JSON, validated.
pub fn prepared(json: &str) -> Prepared {
    let config: Config = serde_json::from_str(json).expect("test options are JSON");
    config.validate().expect("test options are valid")
}

/// The observables of an alert under the default options, as
/// `(kind, value, field)`.
pub fn found(json: &str) -> Vec<(String, String, String)> {
    found_with(json, &Prepared::default())
}

/// The observables of an alert under `config`, as `(kind, value, field)`.
pub fn found_with(json: &str, config: &Prepared) -> Vec<(String, String, String)> {
    enrich_core::extract(&alert(json), config)
        .into_iter()
        .map(|o| (o.kind.to_string(), o.value, o.field))
        .collect()
}

/// A `(kind, value, field)` triple, for comparisons.
pub fn obs(kind: &str, value: &str, field: &str) -> (String, String, String) {
    (kind.to_owned(), value.to_owned(), field.to_owned())
}

/// Attributes from JSON text (a bare list).
pub fn attributes(json: &str) -> Vec<Attribute> {
    serde_json::from_str(json).expect("test attributes decode")
}

/// The number of fields Wazuh's JSON decoder makes of a payload: objects
/// are flattened to dotted names, and every scalar, null or array (kept as
/// its JSON text) is one field.
pub fn decoded_fields(value: &Value) -> usize {
    match value {
        Value::Object(map) => map.values().map(decoded_fields).sum(),
        _ => 1,
    }
}

/// The dotted names Wazuh's JSON decoder gives a payload's fields.
pub fn decoded_names(value: &Value) -> Vec<String> {
    fn walk(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let name = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(child, &name, out);
                }
            }
            _ => out.push(prefix.to_owned()),
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}
