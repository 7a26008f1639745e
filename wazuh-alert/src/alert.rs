//! The Wazuh alert: typed where Wazuh fixes the shape, raw JSON where the
//! decoder decides (`data`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    pub timestamp: Option<String>,
    /// The alert's id, `<epoch>.<offset>`.
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
    pub location: Option<String>,
    /// The event as received, when the decoder keeps it.
    pub full_log: Option<String>,
    /// File integrity data, for alerts of the syscheck rules.
    pub syscheck: Option<Syscheck>,
}

/// The rule of an alert.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Rule {
    /// The rule's level, 0 to 16.
    pub level: u32,
    /// The rule's id, such as `"5710"`.
    pub id: String,
    /// The rule's description.
    pub description: String,
    /// The rule's groups, in the order the rule declares them.
    pub groups: Vec<String>,
    /// MITRE ATT&CK ids, tactics and techniques, when the rule names any.
    pub mitre: Option<Mitre>,
    /// How often the rule fired in the current window.
    pub firedtimes: Option<u64>,
}

/// MITRE ATT&CK references of a rule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Mitre {
    /// Technique ids, such as `T1110.001`.
    pub id: Vec<String>,
    /// Tactic names.
    pub tactic: Vec<String>,
    /// Technique names.
    pub technique: Vec<String>,
}

/// The agent an alert's event came from.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Agent {
    /// The agent id; `"000"` is the manager itself.
    pub id: String,
    /// The agent's name.
    pub name: String,
    /// The agent's address, absent when Wazuh does not know it.
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
    pub name: String,
}

/// The decoder that parsed an alert's event.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Decoder {
    /// The decoder's name.
    pub name: String,
    /// The parent decoder's name, when there is one.
    pub parent: Option<String>,
}

/// File integrity monitoring data.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Syscheck {
    /// The file's path.
    pub path: Option<String>,
    /// `added`, `modified` or `deleted`.
    pub event: Option<String>,
    /// MD5 of the file after the change.
    pub md5_after: Option<String>,
    /// SHA-1 of the file after the change.
    pub sha1_after: Option<String>,
    /// SHA-256 of the file after the change.
    pub sha256_after: Option<String>,
    /// MD5 of the file before the change.
    pub md5_before: Option<String>,
    /// SHA-1 of the file before the change.
    pub sha1_before: Option<String>,
    /// SHA-256 of the file before the change.
    pub sha256_before: Option<String>,
}

impl Alert {
    /// Builds an alert from its JSON value. The value must be an object;
    /// typed parts of the wrong shape are errors.
    pub fn from_value(raw: Value) -> Result<Alert, serde_json::Error> {
        if !raw.is_object() {
            return Err(serde::de::Error::custom("an alert is a JSON object"));
        }
        let fields = AlertFields::deserialize(&raw)?;
        Ok(Alert { fields, raw })
    }

    /// The typed fields.
    pub fn fields(&self) -> &AlertFields {
        &self.fields
    }

    /// The whole alert as JSON.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The alert's id, empty when it has none.
    pub fn id(&self) -> &str {
        self.fields.id.as_deref().unwrap_or("")
    }

    /// The rule that raised the alert.
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
    /// Each segment names a key of an object, or an index into an array.
    /// `None` when any step is missing.
    pub fn get(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(&self.raw, |value, key| match value {
            Value::Object(map) => map.get(key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
    }

    /// The text at a dotted path; `None` when it is missing or not a string.
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }
}
