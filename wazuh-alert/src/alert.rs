//! The Wazuh alert: typed where Wazuh fixes the shape, raw JSON where the
//! decoder decides (`data`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Origin};
use crate::lenient;

/// One Wazuh alert, as integratord hands it over and as `alerts.json` holds it.
///
/// The fields whose shape Wazuh fixes are typed. Everything, `data` above all
/// (its shape differs for every decoder), stays reachable by dotted path
/// through [`Alert::get`]. Missing parts are not errors: an alert without
/// `data`, without `agent` or with empty groups is still an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    fields: AlertFields,
    raw: Value,
}

/// The typed part of an alert.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AlertFields {
    /// When analysisd raised the alert, as `2026-11-01T10:00:00.123+0000`.
    #[serde(deserialize_with = "lenient::text")]
    pub timestamp: Option<String>,
    /// The alert's id, `<epoch>.<offset>`.
    #[serde(deserialize_with = "lenient::text")]
    pub id: Option<String>,
    /// The rule that raised the alert.
    pub rule: Rule,
    /// The agent the event came from; `None` when the alert names none.
    pub agent: Option<Agent>,
    /// The manager that raised the alert.
    pub manager: Option<Manager>,
    /// The decoder that parsed the event.
    pub decoder: Option<Decoder>,
    /// Where the event was read: a log file, `EventChannel`, `syscheck`, ...
    #[serde(deserialize_with = "lenient::text")]
    pub location: Option<String>,
    /// The event as received, when the decoder keeps it.
    #[serde(deserialize_with = "lenient::text")]
    pub full_log: Option<String>,
    /// File integrity data, for alerts of the syscheck rules.
    pub syscheck: Option<Syscheck>,
}

/// The rule of an alert.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Rule {
    /// The rule's level, 0 to 16; a numeric string is read as its number.
    #[serde(deserialize_with = "lenient::level")]
    pub level: u32,
    /// The rule's id, such as `"5710"`.
    #[serde(deserialize_with = "lenient::text_or_empty")]
    pub id: String,
    /// The rule's description.
    #[serde(deserialize_with = "lenient::text_or_empty")]
    pub description: String,
    /// The rule's groups, in the order the rule declares them.
    #[serde(deserialize_with = "lenient::text_list")]
    pub groups: Vec<String>,
    /// MITRE ATT&CK ids, tactics and techniques, when the rule names any.
    pub mitre: Option<Mitre>,
    /// How often the rule fired in the current window.
    #[serde(deserialize_with = "lenient::count")]
    pub firedtimes: Option<u64>,
}

/// MITRE ATT&CK references of a rule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Mitre {
    /// Technique ids, such as `T1110.001`.
    #[serde(deserialize_with = "lenient::text_list")]
    pub id: Vec<String>,
    /// Tactic names.
    #[serde(deserialize_with = "lenient::text_list")]
    pub tactic: Vec<String>,
    /// Technique names.
    #[serde(deserialize_with = "lenient::text_list")]
    pub technique: Vec<String>,
}

/// The agent an alert's event came from.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Agent {
    /// The agent id; `"000"` is the manager itself. A numeric id is
    /// zero-padded to three digits, as Wazuh writes ids.
    #[serde(deserialize_with = "lenient::agent_id")]
    pub id: String,
    /// The agent's name.
    #[serde(deserialize_with = "lenient::text_or_empty")]
    pub name: String,
    /// The agent's address, absent when Wazuh does not know it (an empty
    /// string reads as absent).
    #[serde(deserialize_with = "lenient::nonempty_text")]
    pub ip: Option<String>,
}

impl Agent {
    /// True when the agent is the manager itself (id `000`).
    pub fn is_manager(&self) -> bool {
        self.id == "000"
    }
}

/// The manager that raised an alert.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Manager {
    /// The manager's name.
    #[serde(deserialize_with = "lenient::text_or_empty")]
    pub name: String,
}

/// The decoder that parsed an alert's event.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Decoder {
    /// The decoder's name.
    #[serde(deserialize_with = "lenient::text_or_empty")]
    pub name: String,
    /// The parent decoder's name, when there is one.
    #[serde(deserialize_with = "lenient::text")]
    pub parent: Option<String>,
}

/// File integrity monitoring data.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Syscheck {
    /// The file's path.
    #[serde(deserialize_with = "lenient::text")]
    pub path: Option<String>,
    /// `added`, `modified` or `deleted`.
    #[serde(deserialize_with = "lenient::text")]
    pub event: Option<String>,
    /// MD5 of the file after the change.
    #[serde(deserialize_with = "lenient::text")]
    pub md5_after: Option<String>,
    /// SHA-1 of the file after the change.
    #[serde(deserialize_with = "lenient::text")]
    pub sha1_after: Option<String>,
    /// SHA-256 of the file after the change.
    #[serde(deserialize_with = "lenient::text")]
    pub sha256_after: Option<String>,
    /// MD5 of the file before the change.
    #[serde(deserialize_with = "lenient::text")]
    pub md5_before: Option<String>,
    /// SHA-1 of the file before the change.
    #[serde(deserialize_with = "lenient::text")]
    pub sha1_before: Option<String>,
    /// SHA-256 of the file before the change.
    #[serde(deserialize_with = "lenient::text")]
    pub sha256_before: Option<String>,
}

impl Alert {
    /// Builds an alert from its JSON value. The value must be an object;
    /// typed parts of an unusable shape (such as `rule` holding a string)
    /// are errors. [`Alert::from_json`] gives richer errors.
    pub fn from_value(raw: Value) -> Result<Alert, serde_json::Error> {
        Alert::from_value_at(raw, Origin::Text).map_err(|e| match e {
            Error::AlertShape { field, source, .. } => {
                serde::de::Error::custom(format!("{field}: {source}"))
            }
            other => serde::de::Error::custom(other),
        })
    }

    /// Parses one alert from JSON text, compact or pretty-printed.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyAlert`], [`Error::TruncatedAlert`], [`Error::NotJson`],
    /// [`Error::PlainFormat`], [`Error::NotAnObject`], [`Error::TrailingData`]
    /// (more than one value) or [`Error::AlertShape`].
    ///
    /// # Example
    ///
    /// ```
    /// let alert = wazuh_alert::Alert::from_json(
    ///     r#"{"rule":{"level":5,"id":"5760"},"data":{"srcip":"45.33.32.156"}}"#,
    /// )?;
    /// assert_eq!(alert.rule().level, 5);
    /// assert_eq!(alert.get_str("data.srcip"), Some("45.33.32.156"));
    /// # Ok::<(), wazuh_alert::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Alert, Error> {
        crate::read::parse_bytes(text.as_bytes(), Origin::Text)
    }

    /// Reads one alert from a reader to its end, as [`Alert::from_json`]
    /// parses it.
    ///
    /// # Errors
    ///
    /// [`Error::ReadAlert`] when reading fails, else as [`Alert::from_json`].
    pub fn from_reader<R: std::io::Read>(reader: R) -> Result<Alert, Error> {
        crate::read::read_one(reader, Origin::Text)
    }

    /// Reads the file holding one alert, as integratord writes it: one line
    /// of compact JSON. A pretty-printed alert and a trailing newline are
    /// fine too. Errors name the path.
    ///
    /// # Errors
    ///
    /// [`Error::ReadAlert`] when the file cannot be opened or read, else as
    /// [`Alert::from_json`].
    pub fn read_file(path: impl AsRef<Path>) -> Result<Alert, Error> {
        crate::read::read_alert_file(path)
    }

    pub(crate) fn from_value_at(raw: Value, origin: Origin) -> Result<Alert, Error> {
        let found = match &raw {
            Value::Object(_) => None,
            Value::Array(_) => Some("an array"),
            Value::String(_) => Some("a string"),
            Value::Number(_) => Some("a number"),
            Value::Bool(_) => Some("a boolean"),
            Value::Null => Some("null"),
        };
        if let Some(found) = found {
            return Err(Error::NotAnObject { origin, found });
        }

        match serde_path_to_error::deserialize::<_, AlertFields>(&raw) {
            Ok(fields) => Ok(Alert { fields, raw }),
            Err(e) => {
                let field = e.path().to_string();
                Err(Error::AlertShape {
                    origin,
                    field,
                    source: e.into_inner(),
                })
            }
        }
    }

    /// The typed fields.
    pub fn fields(&self) -> &AlertFields {
        &self.fields
    }

    /// The whole alert as JSON.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The whole alert as JSON, by value.
    pub fn into_raw(self) -> Value {
        self.raw
    }

    /// The alert's id, empty when it has none.
    pub fn id(&self) -> &str {
        self.fields.id.as_deref().unwrap_or("")
    }

    /// The rule that raised the alert; all default when the alert has none.
    pub fn rule(&self) -> &Rule {
        &self.fields.rule
    }

    /// The agent the alert names, if any.
    pub fn agent(&self) -> Option<&Agent> {
        self.fields.agent.as_ref()
    }

    /// Where the event was read, empty when the alert does not say.
    pub fn location(&self) -> &str {
        self.fields.location.as_deref().unwrap_or("")
    }

    /// The value at a dotted path such as `data.win.eventdata.destinationIp`.
    ///
    /// Each segment names a key of an object, or an index into an array
    /// (`rule.groups.0`). A key that itself holds dots is found too: when
    /// `a` is missing in `a.b.c`, the key `a.b` is tried, then `a.b.c`.
    /// `None` when any step is missing.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let segments: Vec<&str> = path.split('.').collect();
        lookup(&self.raw, &segments)
    }

    /// The text at a dotted path; `None` when it is missing or not a string.
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }
}

impl Serialize for Alert {
    /// Serializes the whole alert, as it was read.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

fn lookup<'a>(value: &'a Value, segments: &[&str]) -> Option<&'a Value> {
    let Some((first, rest)) = segments.split_first() else {
        return Some(value);
    };

    match value {
        Value::Object(map) => {
            // Try `a`, then `a.b`, ...: some decoders write keys with dots.
            let mut key = String::new();
            for (taken, segment) in segments.iter().enumerate() {
                if taken > 0 {
                    key.push('.');
                }
                key.push_str(segment);
                let found = map
                    .get(&key)
                    .and_then(|child| lookup(child, &segments[taken + 1..]));
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        Value::Array(items) => {
            let index = first.parse::<usize>().ok()?;
            lookup(items.get(index)?, rest)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert(value: Value) -> Alert {
        Alert::from_value(value).unwrap()
    }

    #[test]
    fn dotted_paths_reach_nested_values_and_array_items() {
        let a = alert(
            json!({"data": {"win": {"eventdata": {"destinationIp": "45.33.32.156"}}},
            "rule": {"groups": ["sysmon", "windows"]}}),
        );
        assert_eq!(
            a.get_str("data.win.eventdata.destinationIp"),
            Some("45.33.32.156")
        );
        assert_eq!(a.get_str("rule.groups.1"), Some("windows"));
        assert_eq!(a.get("rule.groups.2"), None);
        assert_eq!(a.get("data.win.missing"), None);
        assert_eq!(a.get_str("rule.groups"), None);
    }

    #[test]
    fn a_key_holding_dots_is_found_by_its_dotted_path() {
        let a = alert(json!({"data": {"aws.requestParameters": {"bucketName": "logs"}}}));
        assert_eq!(
            a.get_str("data.aws.requestParameters.bucketName"),
            Some("logs")
        );
    }

    #[test]
    fn missing_parts_are_not_errors() {
        let a = alert(json!({}));
        assert_eq!(a.id(), "");
        assert_eq!(a.location(), "");
        assert_eq!(a.rule().level, 0);
        assert!(a.agent().is_none());
        assert!(a.rule().groups.is_empty());

        let a = alert(json!({"agent": null, "rule": {"groups": [], "mitre": null}}));
        assert!(a.agent().is_none());
        assert!(a.rule().mitre.is_none());
    }

    #[test]
    fn the_manager_is_agent_000() {
        let a = alert(json!({"agent": {"id": "000", "name": "manager"}}));
        assert!(a.agent().unwrap().is_manager());
        let a = alert(json!({"agent": {"id": "001", "name": "web", "ip": ""}}));
        assert!(!a.agent().unwrap().is_manager());
        assert_eq!(a.agent().unwrap().ip, None);
    }

    #[test]
    fn an_unusable_shape_names_the_field() {
        let err = Alert::from_json(r#"{"rule": {"level": "high"}}"#).unwrap_err();
        match &err {
            Error::AlertShape { field, .. } => assert_eq!(field, "rule.level"),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(err.to_string(), "alert has an unusable `rule.level`");
        assert!(
            Alert::from_value(json!({"rule": "x"}))
                .unwrap_err()
                .to_string()
                .contains("rule")
        );
    }
}
