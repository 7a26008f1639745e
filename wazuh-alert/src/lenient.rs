//! Lenient readers for the typed parts of an alert.
//!
//! Wazuh writes `rule.level` as a number and ids as strings, but tools that
//! re-emit alerts (Filebeat, indexer exports, hand-written tests) sometimes
//! turn one into the other. These readers take either, and read `null` as
//! absent. A value of another kind (an object where a string belongs) stays
//! an error.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Text from a string, number or boolean; `None` for null.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar_text(Value::deserialize(d)?).map_err(D::Error::custom)
}

/// Like [`text`], but an empty string is absent too.
pub fn nonempty_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(d)?.filter(|s| !s.is_empty()))
}

/// Like [`text`], empty when absent.
pub fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(d)?.unwrap_or_default())
}

/// An agent id: a string as it is, a number zero-padded to three digits
/// the way Wazuh numbers agents (`0` → `"000"`).
pub fn agent_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) if n.is_u64() => Ok(format!("{:03}", n.as_u64().unwrap_or_default())),
        other => Ok(scalar_text(other)
            .map_err(D::Error::custom)?
            .unwrap_or_default()),
    }
}

/// A rule level from a number or a numeric string; 0 when absent.
pub fn level<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = count(d)?.unwrap_or(0);
    u32::try_from(n).map_err(|_| D::Error::custom(format!("level {n} is out of range")))
}

/// A non-negative whole number from a number or a numeric string.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = Value::deserialize(d)?;
    let parsed = match &value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_u64().or_else(|| whole(n.as_f64()?)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    parsed
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("expected a count, found {value}")))
}

/// A list of text: an array of scalars (nulls skipped), or one scalar as a
/// list of one; empty when absent.
pub fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = match Value::deserialize(d)? {
        Value::Array(items) => items,
        single => vec![single],
    };
    let texts = items
        .into_iter()
        .map(scalar_text)
        .collect::<Result<Vec<_>, _>>();
    Ok(texts
        .map_err(D::Error::custom)?
        .into_iter()
        .flatten()
        .collect())
}

fn scalar_text(value: Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Array(_) => Err("expected text, found an array".to_owned()),
        Value::Object(_) => Err("expected text, found an object".to_owned()),
    }
}

fn whole(f: f64) -> Option<u64> {
    let in_range = f >= 0.0 && f <= u64::MAX as f64;
    (in_range && f.fract() == 0.0).then_some(f as u64)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "super::level")]
        level: u32,
        #[serde(default, deserialize_with = "super::agent_id")]
        id: String,
        #[serde(default, deserialize_with = "super::text_list")]
        groups: Vec<String>,
    }

    fn probe(value: serde_json::Value) -> Result<Probe, serde_json::Error> {
        Probe::deserialize(&value)
    }

    #[test]
    fn a_level_sent_as_text_reads_as_the_number() {
        assert_eq!(probe(json!({"level": "7"})).unwrap().level, 7);
        assert_eq!(probe(json!({"level": 7.0})).unwrap().level, 7);
        assert_eq!(probe(json!({"level": null})).unwrap().level, 0);
    }

    #[test]
    fn a_level_that_is_no_number_is_an_error() {
        assert!(probe(json!({"level": "high"})).is_err());
        assert!(probe(json!({"level": -1})).is_err());
        assert!(probe(json!({"level": {"value": 3}})).is_err());
    }

    #[test]
    fn a_numeric_agent_id_is_padded_like_wazuh_pads_it() {
        assert_eq!(probe(json!({"id": 0})).unwrap().id, "000");
        assert_eq!(probe(json!({"id": 12})).unwrap().id, "012");
        assert_eq!(probe(json!({"id": "1042"})).unwrap().id, "1042");
    }

    #[test]
    fn groups_accept_one_string_and_skip_nulls() {
        assert_eq!(probe(json!({"groups": "sshd"})).unwrap().groups, ["sshd"]);
        assert_eq!(
            probe(json!({"groups": ["a", null, 5]})).unwrap().groups,
            ["a", "5"]
        );
        assert!(probe(json!({"groups": [["nested"]]})).is_err());
    }
}
