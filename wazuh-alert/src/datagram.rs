//! One event as one analysisd datagram, shrunk when it would be too large.

use std::io;

use serde_json::Value;

use crate::error::Error;
use crate::location::Location;

/// The largest datagram analysisd reads whole, in bytes. A longer one is
/// cut by analysisd, its JSON no longer decodes and no alert is raised.
pub const MAX_DATAGRAM: usize = 65535;

/// Appended to a string value that was cut to make an event fit.
pub const CUT_MARKER: &str = "…[cut]";

/// The member set to `true` in an event that was shrunk.
pub const TRUNCATED_FIELD: &str = "truncated";

/// Strings are cut to no fewer bytes than this before lists and objects
/// lose items.
const MIN_KEPT: usize = 64;

/// Encodes `payload` as the datagram `1:<escaped location>:<compact JSON>`.
///
/// The location is escaped as analysisd reads it (`|` → `||`, `:` → `|:`).
/// A datagram never exceeds [`MAX_DATAGRAM`] bytes and its payload is
/// always whole, valid JSON: when the event would be too large, a copy of
/// it is shrunk by this rule, and the whole event is kept when it fits.
///
/// 1. A marker `"truncated": true` is added: inside the object named by
///    the top-level `integration` member (`{"integration": "misp", "misp":
///    {...}}` gets `misp.truncated`, which rules read), or at the top
///    level when there is no such object.
/// 2. String values are cut: every string longer than a cap is cut to the
///    cap's length in bytes (on a character boundary) followed by
///    [`CUT_MARKER`], with the largest cap that makes the event fit. So the
///    longest strings are cut first and shorter ones only when needed.
///    Strings are not cut below 64 bytes; member names are never cut.
/// 3. If that is not enough, every list and object keeps only its `n`
///    smallest items (by encoded size, in their own order), with the
///    largest `n` that fits. The top-level `integration`, the object it
///    names and the marker are always kept.
///
/// # Errors
///
/// [`Error::DatagramTooLarge`] when even the smallest event this rule
/// reaches does not fit, which takes a location (or an `integration`
/// value) of tens of kilobytes.
///
/// # Example
///
/// ```
/// use serde_json::json;
/// use wazuh_alert::{encode_datagram, Location, MAX_DATAGRAM};
///
/// let location = Location::new("[001] (web-01) 192.0.2.10->misp");
/// let bytes = encode_datagram(&location, &json!({"integration": "misp"}))?;
/// assert_eq!(bytes, b"1:[001] (web-01) 192.0.2.10->misp:{\"integration\":\"misp\"}");
///
/// let huge = json!({"integration": "misp", "misp": {"comment": "x".repeat(100_000)}});
/// let bytes = encode_datagram(&location, &huge)?;
/// assert!(bytes.len() <= MAX_DATAGRAM);
/// # Ok::<(), wazuh_alert::Error>(())
/// ```
pub fn encode_datagram(location: &Location, payload: &Value) -> Result<Vec<u8>, Error> {
    let header = format!("1:{}:", location.escaped());
    let room = MAX_DATAGRAM.saturating_sub(header.len());

    let whole = encoded_len(payload);
    let shrunk;
    let body = if whole <= room {
        payload
    } else {
        shrunk = shrink(payload, room).map_err(|least| Error::DatagramTooLarge {
            needed: header.len() + least,
            limit: MAX_DATAGRAM,
        })?;
        log::warn!(
            "event for {location} shrunk from {whole} to {} bytes to fit one datagram",
            encoded_len(&shrunk)
        );
        &shrunk
    };

    let mut datagram = header.into_bytes();
    // Writing a `Value` to a `Vec` cannot fail: its keys are strings and
    // the writer never errs.
    serde_json::to_writer(&mut datagram, body).expect("a JSON value always serializes");
    Ok(datagram)
}

/// Shrinks a copy of `payload` to at most `room` encoded bytes, by the rule
/// of [`encode_datagram`]; else the smallest size reached.
///
/// The search measures candidates without building them and builds only
/// the one chosen, whose size is then checked for real.
fn shrink(payload: &Value, room: usize) -> Result<Value, usize> {
    let mut marked = payload.clone();
    let guard = Guard {
        nested: mark_truncated(&mut marked),
    };

    let longest = guard.longest_string(&marked, Level::Top);
    let cap = largest_fitting(MIN_KEPT, longest, room, |cap| {
        guard.strings_len(&marked, cap, Level::Top)
    });
    if let Some(cap) = cap {
        let cut = guard.cap_strings(&marked, cap, Level::Top);
        if encoded_len(&cut) <= room {
            return Ok(cut);
        }
    }

    let base = guard.cap_strings(&marked, MIN_KEPT, Level::Top);
    let most = most_children(&base);
    let n = largest_fitting(0, most, room, |n| guard.children_len(&base, n, Level::Top));
    let kept = guard.cap_children(&base, n.unwrap_or(0), Level::Top);
    match encoded_len(&kept) {
        len if n.is_some() && len <= room => Ok(kept),
        len => Err(len),
    }
}

/// The largest `k` in `lo..=hi` whose measure fits in `room`; `measure`
/// must grow with `k`. `None` when `lo` does not fit.
fn largest_fitting(
    lo: usize,
    hi: usize,
    room: usize,
    measure: impl Fn(usize) -> usize,
) -> Option<usize> {
    if measure(lo) > room {
        return None;
    }

    let (mut lo, mut hi) = (lo, hi.max(lo));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if measure(mid) <= room {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Some(lo)
}

/// Adds the `truncated` marker; returns the name of the object that holds
/// it when that is not the top level.
fn mark_truncated(payload: &mut Value) -> Option<String> {
    let Value::Object(top) = payload else {
        return None;
    };
    let nested = top
        .get("integration")
        .and_then(Value::as_str)
        .filter(|name| top.get(*name).is_some_and(Value::is_object))
        .map(str::to_owned);

    let holder = match &nested {
        Some(name) => top.get_mut(name).and_then(Value::as_object_mut),
        None => Some(top),
    };
    if let Some(holder) = holder {
        holder.insert(TRUNCATED_FIELD.to_owned(), Value::Bool(true));
    }
    nested
}

/// Where a value sits: the top level, the object `integration` names, or
/// anywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Nested,
    Inner,
}

/// Knows which members the shrinking must keep. Each step comes twice:
/// `*_len` measures what `cap_*` builds.
struct Guard {
    nested: Option<String>,
}

impl Guard {
    fn child_level(&self, level: Level, key: &str) -> Level {
        let is_nested = level == Level::Top && self.nested.as_deref() == Some(key);
        if is_nested {
            Level::Nested
        } else {
            Level::Inner
        }
    }

    fn is_kept(&self, level: Level, key: &str) -> bool {
        match level {
            Level::Top => {
                key == "integration"
                    || self.nested.as_deref() == Some(key)
                    || (self.nested.is_none() && key == TRUNCATED_FIELD)
            }
            Level::Nested => key == TRUNCATED_FIELD,
            Level::Inner => false,
        }
    }

    fn is_cuttable(&self, level: Level, key: &str) -> bool {
        !(level == Level::Top && key == "integration")
    }

    fn longest_string(&self, value: &Value, level: Level) -> usize {
        match value {
            Value::String(s) => s.len(),
            Value::Array(items) => items
                .iter()
                .map(|v| self.longest_string(v, Level::Inner))
                .max()
                .unwrap_or(0),
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| self.is_cuttable(level, k))
                .map(|(k, v)| self.longest_string(v, self.child_level(level, k)))
                .max()
                .unwrap_or(0),
            _ => 0,
        }
    }

    fn strings_len(&self, value: &Value, cap: usize, level: Level) -> usize {
        match value {
            Value::String(s) => cut_len(s, cap),
            Value::Array(items) => {
                list_len(items.iter().map(|v| self.strings_len(v, cap, Level::Inner)))
            }
            Value::Object(map) => object_len(map.iter().map(|(k, v)| {
                let len = if self.is_cuttable(level, k) {
                    self.strings_len(v, cap, self.child_level(level, k))
                } else {
                    encoded_len(v)
                };
                (k.as_str(), len)
            })),
            other => encoded_len(other),
        }
    }

    fn cap_strings(&self, value: &Value, cap: usize, level: Level) -> Value {
        match value {
            Value::String(s) => Value::String(cut(s, cap)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.cap_strings(v, cap, Level::Inner))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let v = if self.is_cuttable(level, k) {
                            self.cap_strings(v, cap, self.child_level(level, k))
                        } else {
                            v.clone()
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Which items of a list or members of an object stay when each
    /// container keeps `n`.
    fn keep(&self, value: &Value, n: usize, level: Level) -> Vec<bool> {
        match value {
            Value::Array(items) => {
                let sizes: Vec<usize> = items.iter().map(encoded_len).collect();
                smallest(&sizes, &vec![false; items.len()], n)
            }
            Value::Object(map) => {
                let sizes: Vec<usize> = map.iter().map(|(k, v)| k.len() + encoded_len(v)).collect();
                let always: Vec<bool> = map.keys().map(|k| self.is_kept(level, k)).collect();
                smallest(&sizes, &always, n)
            }
            _ => Vec::new(),
        }
    }

    fn children_len(&self, value: &Value, n: usize, level: Level) -> usize {
        let keep = self.keep(value, n, level);
        match value {
            Value::Array(items) => list_len(
                items
                    .iter()
                    .zip(keep)
                    .filter(|(_, keep)| *keep)
                    .map(|(v, _)| self.children_len(v, n, Level::Inner)),
            ),
            Value::Object(map) => object_len(map.iter().zip(keep).filter(|(_, keep)| *keep).map(
                |((k, v), _)| {
                    (
                        k.as_str(),
                        self.children_len(v, n, self.child_level(level, k)),
                    )
                },
            )),
            other => encoded_len(other),
        }
    }

    fn cap_children(&self, value: &Value, n: usize, level: Level) -> Value {
        let keep = self.keep(value, n, level);
        match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .zip(keep)
                    .filter(|(_, keep)| *keep)
                    .map(|(v, _)| self.cap_children(v, n, Level::Inner))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .zip(keep)
                    .filter(|(_, keep)| *keep)
                    .map(|((k, v), _)| {
                        (
                            k.clone(),
                            self.cap_children(v, n, self.child_level(level, k)),
                        )
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Where `s` is cut for `cap`: `None` when cutting would not shorten it.
fn cut_at(s: &str, cap: usize) -> Option<usize> {
    if s.len() <= cap + CUT_MARKER.len() {
        return None;
    }
    let mut end = cap;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Some(end)
}

/// `s` cut to at most `cap` bytes on a character boundary, with the
/// marker; `s` itself when that would not make it shorter.
fn cut(s: &str, cap: usize) -> String {
    match cut_at(s, cap) {
        Some(end) => format!("{}{CUT_MARKER}", &s[..end]),
        None => s.to_owned(),
    }
}

/// The encoded size of `cut(s, cap)`.
fn cut_len(s: &str, cap: usize) -> usize {
    match cut_at(s, cap) {
        Some(end) => string_len(&s[..end]) + CUT_MARKER.len(),
        None => string_len(s),
    }
}

/// The size of `s` as a JSON string, quotes and escapes included.
fn string_len(s: &str) -> usize {
    let escaped = s.bytes().map(|b| match b {
        b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
        0x00..=0x1f => 6,
        _ => 1,
    });
    2 + escaped.sum::<usize>()
}

/// The size of a JSON list whose items have these sizes.
fn list_len(items: impl Iterator<Item = usize>) -> usize {
    let (count, sum) = items.fold((0usize, 0usize), |(count, sum), len| (count + 1, sum + len));
    2 + sum + count.saturating_sub(1)
}

/// The size of a JSON object whose members have these names and sizes.
fn object_len<'a>(members: impl Iterator<Item = (&'a str, usize)>) -> usize {
    list_len(members.map(|(key, len)| string_len(key) + 1 + len))
}

/// Which items to keep: every one marked in `always`, and the `n` smallest
/// of the others (the earlier first among equal sizes).
fn smallest(sizes: &[usize], always: &[bool], n: usize) -> Vec<bool> {
    let mut others: Vec<usize> = (0..sizes.len()).filter(|&i| !always[i]).collect();
    others.sort_by_key(|&i| (sizes[i], i));

    let mut keep = always.to_vec();
    for &i in others.iter().take(n) {
        keep[i] = true;
    }
    keep
}

fn most_children(value: &Value) -> usize {
    match value {
        Value::Array(items) => items
            .iter()
            .map(most_children)
            .max()
            .unwrap_or(0)
            .max(items.len()),
        Value::Object(map) => map
            .values()
            .map(most_children)
            .max()
            .unwrap_or(0)
            .max(map.len()),
        _ => 0,
    }
}

/// Counts the bytes written to it.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The size of `value` as compact JSON.
fn encoded_len(value: &Value) -> usize {
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        // Cannot happen: a `Value` always serializes. Count it as too big.
        Err(_) => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(datagram: &[u8]) -> Value {
        let text = std::str::from_utf8(datagram).unwrap();
        serde_json::from_str(text.splitn(3, ':').nth(2).unwrap()).unwrap()
    }

    #[test]
    fn a_small_event_is_sent_as_it_is() {
        let bytes = encode_datagram(&Location::new("misp"), &json!({"a": "b"})).unwrap();
        assert_eq!(bytes, b"1:misp:{\"a\":\"b\"}");
    }

    #[test]
    fn a_long_string_is_cut_and_the_event_marked() {
        let event = json!({"integration": "misp", "misp": {"value": "45.33.32.156",
            "comment": "é".repeat(40_000)}});
        let bytes = encode_datagram(&Location::new("misp"), &event).unwrap();
        assert!(bytes.len() <= MAX_DATAGRAM);
        // Barely under: the cut takes no more than needed.
        assert!(bytes.len() > MAX_DATAGRAM - 16);

        let sent = body(&bytes);
        assert_eq!(sent["integration"], "misp");
        assert_eq!(sent["misp"]["truncated"], true);
        assert_eq!(sent["misp"]["value"], "45.33.32.156");
        let comment = sent["misp"]["comment"].as_str().unwrap();
        assert!(comment.ends_with(CUT_MARKER));
        assert!(
            comment
                .trim_end_matches(CUT_MARKER)
                .chars()
                .all(|c| c == 'é')
        );
    }

    #[test]
    fn the_longest_strings_are_cut_first() {
        let event = json!({"integration": "misp", "misp": {"short": "s".repeat(1000),
            "long": "l".repeat(90_000)}});
        let sent = body(&encode_datagram(&Location::new("misp"), &event).unwrap());
        assert_eq!(sent["misp"]["short"].as_str().unwrap().len(), 1000);
        assert!(sent["misp"]["long"].as_str().unwrap().ends_with(CUT_MARKER));
    }

    #[test]
    fn a_long_list_loses_its_largest_items() {
        let tags: Vec<String> = (0..20_000).map(|i| format!("tag:{i}")).collect();
        let event = json!({"integration": "misp", "misp": {"value": "x", "tags": tags}});
        let sent = body(&encode_datagram(&Location::new("misp"), &event).unwrap());
        let kept = sent["misp"]["tags"].as_array().unwrap();
        assert!(!kept.is_empty() && kept.len() < 20_000);
        // The shortest tags are the ones kept, in their order.
        assert_eq!(kept[0], "tag:0");
        assert_eq!(sent["misp"]["value"], "x");
        assert_eq!(sent["misp"]["truncated"], true);
    }

    #[test]
    fn without_an_integration_object_the_marker_is_at_the_top() {
        let event = json!({"note": "n".repeat(70_000)});
        let sent = body(&encode_datagram(&Location::new("misp"), &event).unwrap());
        assert_eq!(sent["truncated"], true);
    }

    #[test]
    fn a_location_that_cannot_fit_is_an_error() {
        let location = Location::new("x".repeat(MAX_DATAGRAM));
        let err = encode_datagram(&location, &json!({"integration": "misp"})).unwrap_err();
        assert_eq!(err.code(), "datagram_too_large");
    }

    #[test]
    fn measuring_matches_encoding() {
        let tricky = "a\"b\\c\nd\u{1}e\u{7f}é€😀\t\u{8}\u{c}";
        assert_eq!(string_len(tricky), encoded_len(&json!(tricky)));
        let value = json!({"integration": "misp", "misp": {"k\"ey": [tricky, 1.5, null, true, {}],
            "long": tricky.repeat(50)}, "n": [[], [1, 2]]});
        let guard = Guard {
            nested: Some("misp".into()),
        };
        for cap in [0, 3, 10, 64, 1000] {
            let built = guard.cap_strings(&value, cap, Level::Top);
            assert_eq!(
                guard.strings_len(&value, cap, Level::Top),
                encoded_len(&built),
                "cap {cap}"
            );
        }
        for n in 0..6 {
            let built = guard.cap_children(&value, n, Level::Top);
            assert_eq!(
                guard.children_len(&value, n, Level::Top),
                encoded_len(&built),
                "n {n}"
            );
        }
    }

    #[test]
    fn cutting_respects_character_boundaries() {
        assert_eq!(
            cut("ab€cd-long-enough-to-cut", 3),
            format!("ab{CUT_MARKER}")
        );
        assert_eq!(cut("short", 1), "short");
    }
}
