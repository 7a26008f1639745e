//! The events sent back to Wazuh: a match, no match, an error.
//!
//! Every event is `{"integration": "misp", "misp": {...}}`, plus `srcip` for
//! an address match. The field names are documented in the crate docs.

use crate::config::Prepared;
use crate::extract::{MAX_VALUE_LEN, Observable, is_own_event};
use crate::kind::Kind;
use crate::matching::{Match, match_attributes};
use misp_client::Attribute;
use serde_json::{Map, Value, json};
use wazuh_alert::Alert;

/// The largest event, in bytes of compact JSON. Texts and tag lists are cut
/// so that an event stays under it, leaving room for the datagram header
/// within Wazuh's 65535-byte limit.
pub const MAX_EVENT_BYTES: usize = 60_000;

/// Free texts (comment, event info, rule description, error description)
/// are cut to this many bytes.
pub const MAX_TEXT_BYTES: usize = 1024;

/// Tag lists keep at most this many tags each.
pub const MAX_TAGS: usize = 32;

/// Tag names are cut to this many bytes.
const MAX_TAG_BYTES: usize = 128;

/// The `values` list of a `no_match` event stops before this many bytes of
/// values; `count` still gives the number of values asked about.
const MAX_NO_MATCH_VALUE_BYTES: usize = 16 * 1024;

/// The stable error codes of `error` events, for the binary to name what
/// went wrong in a way a Wazuh rule can match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// MISP could not be reached: name resolution, connection refused,
    /// no route (`unreachable`).
    Unreachable,
    /// MISP did not answer in time (`timeout`).
    Timeout,
    /// The TLS handshake or certificate check failed (`tls`).
    Tls,
    /// MISP refused the key or its permissions (`auth`).
    Auth,
    /// MISP answered with another HTTP error status (`http`).
    Http,
    /// MISP's answer could not be decoded (`bad_response`).
    BadResponse,
    /// The integration's own configuration is wrong (`config`).
    Config,
}

impl ErrorCode {
    /// The code as events carry it in `misp.error_code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Tls => "tls",
            ErrorCode::Auth => "auth",
            ErrorCode::Http => "http",
            ErrorCode::BadResponse => "bad_response",
            ErrorCode::Config => "config",
        }
    }
}

/// The events for one alert, given the observables asked about and MISP's
/// answer: one `match` event per matched observable; when nothing matched,
/// one `no_match` event if `report_no_match` is on and something was asked;
/// otherwise none. An alert of our own ([`is_own_event`]) gets none.
pub fn respond(
    alert: &Alert,
    observables: &[Observable],
    attributes: &[Attribute],
    config: &Prepared,
) -> Vec<Value> {
    if is_own_event(alert) {
        return Vec::new();
    }
    let matches = match_attributes(observables, attributes);
    if !matches.is_empty() {
        return match_events(alert, &matches);
    }
    if config.config().report_no_match && !observables.is_empty() {
        return vec![no_match_event(alert, observables)];
    }
    Vec::new()
}

/// One `match` event per match, in the matches' order.
pub fn match_events(alert: &Alert, matches: &[Match]) -> Vec<Value> {
    matches
        .iter()
        .map(|found| match_event(alert, found))
        .collect()
}

fn match_event(alert: &Alert, found: &Match) -> Value {
    let attribute = found.reported();
    let observable = &found.observable;
    let event = attribute.event.clone().unwrap_or_default();

    let mut misp = Map::new();
    put_text(&mut misp, "status", "match", 16);
    put_observable(&mut misp, observable);
    put_text(&mut misp, "type", &attribute.kind, 64);
    put_text(&mut misp, "category", &attribute.category, 128);
    misp.insert("to_ids".into(), Value::Bool(attribute.to_ids));
    put_text(&mut misp, "comment", &attribute.comment, MAX_TEXT_BYTES);
    put_id(&mut misp, "attribute_id", attribute.id);
    put_text(&mut misp, "attribute_uuid", &attribute.uuid, 64);
    if let Some(time) = iso_utc(attribute.timestamp).filter(|_| attribute.timestamp > 0) {
        misp.insert("timestamp".into(), Value::String(time));
    }

    let event_id = if attribute.event_id != 0 {
        attribute.event_id
    } else {
        event.id
    };
    put_id(&mut misp, "event_id", event_id);
    put_text(&mut misp, "event_uuid", &event.uuid, 64);
    put_text(&mut misp, "event_info", &event.info, MAX_TEXT_BYTES);
    put_id(&mut misp, "org_id", event.org_id);
    put_id(&mut misp, "orgc_id", event.orgc_id);
    put_tags(&mut misp, "tags", attribute, false);
    put_tags(&mut misp, "event_tags", attribute, true);
    misp.insert("attribute_count".into(), json!(found.attributes.len()));
    misp.insert("event_count".into(), json!(found.event_count()));
    put_alert(&mut misp, alert);

    let mut top = Map::new();
    top.insert("integration".into(), Value::String("misp".into()));
    if observable.kind == Kind::Ip {
        top.insert(
            "srcip".into(),
            Value::String(cut(&observable.value, MAX_VALUE_LEN)),
        );
    }
    top.insert("misp".into(), Value::Object(misp));
    fit(
        top,
        &[
            "event_tags",
            "tags",
            "comment",
            "event_info",
            "rule_description",
        ],
    )
}

/// The `no_match` event: the values asked about (as many as fit) and their
/// number.
pub fn no_match_event(alert: &Alert, observables: &[Observable]) -> Value {
    let mut values = Vec::new();
    let mut budget = MAX_NO_MATCH_VALUE_BYTES;
    for observable in observables {
        let value = cut(&observable.value, MAX_VALUE_LEN);
        if value.len() > budget {
            break;
        }
        budget -= value.len();
        values.push(Value::String(value));
    }

    let mut misp = Map::new();
    put_text(&mut misp, "status", "no_match", 16);
    misp.insert("values".into(), Value::Array(values));
    misp.insert("count".into(), json!(observables.len()));
    put_alert(&mut misp, alert);
    fit(wrap(misp), &["rule_description", "values"])
}

/// The `error` event: a stable code (see [`ErrorCode`]) and a description.
pub fn error_event(alert: &Alert, code: &str, description: &str) -> Value {
    let mut misp = Map::new();
    put_text(&mut misp, "status", "error", 16);
    put_text(&mut misp, "error_code", code, 64);
    put_text(&mut misp, "error", description, MAX_TEXT_BYTES);
    put_alert(&mut misp, alert);
    fit(wrap(misp), &["rule_description", "error"])
}

fn wrap(misp: Map<String, Value>) -> Map<String, Value> {
    let mut top = Map::new();
    top.insert("integration".into(), Value::String("misp".into()));
    top.insert("misp".into(), Value::Object(misp));
    top
}

fn put_observable(misp: &mut Map<String, Value>, observable: &Observable) {
    put_text(misp, "value", &observable.value, MAX_VALUE_LEN);
    put_text(misp, "kind", observable.kind.as_str(), 16);
    put_text(misp, "field", &observable.field, 256);
}

/// The original alert's id, rule and agent.
fn put_alert(misp: &mut Map<String, Value>, alert: &Alert) {
    put_text(misp, "alert_id", alert.id(), 64);
    put_text(misp, "rule_id", &alert.rule().id, 64);
    put_text(
        misp,
        "rule_description",
        &alert.rule().description,
        MAX_TEXT_BYTES,
    );
    if let Some(agent) = alert.agent() {
        put_text(misp, "agent_id", &agent.id, 64);
        put_text(misp, "agent_name", &agent.name, 256);
    }
}

/// Puts a text, cut to `max` bytes; an empty text is left out.
fn put_text(misp: &mut Map<String, Value>, key: &str, text: &str, max: usize) {
    if !text.is_empty() {
        misp.insert(key.into(), Value::String(cut(text, max)));
    }
}

/// Puts an id as text; 0 (unknown) is left out.
fn put_id(misp: &mut Map<String, Value>, key: &str, id: u64) {
    if id != 0 {
        misp.insert(key.into(), Value::String(id.to_string()));
    }
}

/// Puts the attribute's own tags, or the inherited (event) ones, each name
/// once; an empty list is left out.
fn put_tags(misp: &mut Map<String, Value>, key: &str, attribute: &Attribute, inherited: bool) {
    let mut names: Vec<String> = Vec::new();
    for tag in attribute
        .tags
        .iter()
        .filter(|tag| tag.inherited == inherited)
    {
        let name = cut(&tag.name, MAX_TAG_BYTES);
        if !name.is_empty() && !names.contains(&name) && names.len() < MAX_TAGS {
            names.push(name);
        }
    }
    if !names.is_empty() {
        misp.insert(key.into(), json!(names));
    }
}

/// The event as a value, with `misp` keys taken out in the order given
/// while the compact JSON is over [`MAX_EVENT_BYTES`] (texts made only of
/// control characters can grow six-fold once escaped).
fn fit(mut top: Map<String, Value>, sheddable: &[&str]) -> Value {
    for key in sheddable {
        if compact_len(&top) <= MAX_EVENT_BYTES {
            break;
        }
        if let Some(Value::Object(misp)) = top.get_mut("misp") {
            misp.remove(*key);
        }
    }
    Value::Object(top)
}

fn compact_len(top: &Map<String, Value>) -> usize {
    // Serialising a map of strings, numbers and booleans cannot fail.
    serde_json::to_string(top).map_or(usize::MAX, |text| text.len())
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// A Unix time in seconds as ISO-8601 UTC, `2026-11-01T10:00:00Z`; `None`
/// outside the years 0000 to 9999.
pub fn iso_utc(seconds: i64) -> Option<String> {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let (hour, minute, second) = (
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60,
    );
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
    ))
}

/// The proleptic Gregorian date of a day counted from 1970-01-01.
///
/// Days are shifted to start on 0000-03-01, so that the leap day ends a
/// year, then split into 400-year eras of 146097 days; inside an era the
/// year, then the day of a March-based year, then the month follow from
/// integer arithmetic.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_utc_formats_known_instants() {
        assert_eq!(iso_utc(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            iso_utc(951_782_400).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
        assert_eq!(
            iso_utc(1_793_527_200).as_deref(),
            Some("2026-11-01T10:00:00Z")
        );
        assert_eq!(
            iso_utc(4_107_542_399).as_deref(),
            Some("2100-02-28T23:59:59Z")
        );
        assert_eq!(
            iso_utc(4_107_542_400).as_deref(),
            Some("2100-03-01T00:00:00Z")
        );
        assert_eq!(iso_utc(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(
            iso_utc(253_402_300_799).as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(iso_utc(253_402_300_800), None);
        assert_eq!(iso_utc(i64::MAX), None);
        assert_eq!(iso_utc(i64::MIN), None);
    }

    #[test]
    fn cut_respects_character_boundaries() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn error_codes_are_stable_text() {
        let codes = [
            ErrorCode::Unreachable,
            ErrorCode::Timeout,
            ErrorCode::Tls,
            ErrorCode::Auth,
            ErrorCode::Http,
            ErrorCode::BadResponse,
            ErrorCode::Config,
        ];
        let names: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
        assert_eq!(
            names,
            [
                "unreachable",
                "timeout",
                "tls",
                "auth",
                "http",
                "bad_response",
                "config"
            ]
        );
    }
}
