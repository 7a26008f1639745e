//! Reading what MISP answered: the status, an HTML page where JSON was
//! expected, MISP's JSON errors, and the typed bodies of each endpoint.
//!
//! Nothing here touches the network, so every rule can be tested on bytes.

use crate::Error;
use crate::de;
use crate::model::{Sighting, WarninglistHit};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// How many characters of a body an error or a log line quotes.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// One HTTP answer, read whole.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, when there was one.
    pub content_type: Option<String>,
    /// The `Location` header, when there was one.
    pub location: Option<String>,
    /// The `Retry-After` header in seconds, when it held a number.
    pub retry_after: Option<u64>,
    /// The body.
    pub body: Vec<u8>,
}

/// Turns an answer into `T`, or into the error it stands for.
pub(crate) fn decode<T: DeserializeOwned>(endpoint: &str, answer: &Answer) -> Result<T, Error> {
    if !(200..300).contains(&answer.status) {
        return Err(status_error(endpoint, answer));
    }
    if looks_like_html(answer) {
        return Err(Error::Html {
            status: answer.status,
            endpoint: endpoint.to_owned(),
        });
    }
    json(endpoint, &answer.body)
}

/// Decodes a JSON body, naming the path that failed.
pub(crate) fn json<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T, Error> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut reader)
        .map_err(|e| decode_error(endpoint, body, e.path().to_string(), e.into_inner()))?;

    // Trailing bytes after the JSON value mean something else answered.
    reader
        .end()
        .map_err(|e| decode_error(endpoint, body, ".".to_owned(), e))?;
    Ok(value)
}

fn decode_error(endpoint: &str, body: &[u8], path: String, source: serde_json::Error) -> Error {
    Error::Decode {
        endpoint: endpoint.to_owned(),
        path,
        snippet: snippet(body),
        source,
    }
}

/// The first [`SNIPPET_CHARS`] characters of a body, decoded leniently.
pub(crate) fn snippet(body: &[u8]) -> String {
    // Four bytes a character at most: no need to decode more than that.
    let head = &body[..body.len().min(SNIPPET_CHARS * 4)];
    String::from_utf8_lossy(head)
        .chars()
        .take(SNIPPET_CHARS)
        .collect()
}

/// True when the answer is an HTML page: it opens with `<`, which no JSON
/// body does, or it is typed as HTML and does not open like JSON.
fn looks_like_html(answer: &Answer) -> bool {
    let typed = || {
        let content_type = answer.content_type.as_deref().unwrap_or("");
        content_type.to_ascii_lowercase().contains("html")
    };
    match answer.body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => true,
        Some(b'{' | b'[') => false,
        _ => typed(),
    }
}

/// The error a non-2xx answer stands for.
fn status_error(endpoint: &str, answer: &Answer) -> Error {
    let status = answer.status;
    let misp = MispError::read(&answer.body);

    if (300..400).contains(&status) {
        let to = answer.location.as_deref().unwrap_or("an unnamed place");
        return Error::Http {
            status,
            name: "Redirect".to_owned(),
            message: format!("redirected to {to}; use that URL as the base URL"),
            url: endpoint.to_owned(),
        };
    }

    // An outage stays an outage whatever page the proxy in front of MISP
    // serves, so that callers can count it as one.
    let outage = status == 429 || status >= 500;
    if !outage && misp.is_none() && looks_like_html(answer) {
        return Error::Html {
            status,
            endpoint: endpoint.to_owned(),
        };
    }

    let misp = misp.unwrap_or_else(|| MispError::from_text(answer));
    if status == 401 || status == 403 {
        let message = [misp.message, misp.name]
            .into_iter()
            .find(|m| !m.is_empty())
            .unwrap_or_else(|| format!("HTTP {status}"));
        return Error::Auth { message };
    }
    let url = if misp.url.is_empty() {
        endpoint.to_owned()
    } else {
        misp.url
    };
    Error::Http {
        status,
        name: misp.name,
        message: misp.message,
        url,
    }
}

/// MISP's JSON error body, `{"name", "message", "url"}`.
#[derive(Debug, Default)]
struct MispError {
    name: String,
    message: String,
    url: String,
}

impl MispError {
    /// The error in a JSON body, if the body is a JSON object with at least
    /// one of the three fields.
    fn read(body: &[u8]) -> Option<MispError> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let object = value.as_object()?;
        let text = |key: &str| {
            object
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let error = MispError {
            name: text("name"),
            message: text("message"),
            url: text("url"),
        };
        let empty = error.name.is_empty() && error.message.is_empty() && error.url.is_empty();
        (!empty).then_some(error)
    }

    /// A stand-in for a body that is not MISP's JSON: its start as text.
    fn from_text(answer: &Answer) -> MispError {
        let message = if looks_like_html(answer) {
            "an HTML error page".to_owned()
        } else {
            snippet(&answer.body).trim().to_owned()
        };
        MispError {
            message,
            ..MispError::default()
        }
    }
}

/// The body of `POST /sightings/add`: a `Sighting` on success, only a
/// `message` on failure (both with HTTP 200).
#[derive(Debug, Deserialize)]
pub(crate) struct SightingAnswer {
    #[serde(rename = "Sighting", default)]
    sighting: Option<Sighting>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<String>,
}

impl SightingAnswer {
    /// The sighting, or why MISP refused it.
    pub(crate) fn outcome(self, endpoint: &str, body: &[u8]) -> Result<Sighting, Error> {
        if let Some(sighting) = self.sighting {
            return Ok(sighting);
        }
        let Some(message) = self.message.or(self.errors) else {
            let missing =
                serde_json::Error::custom("neither `Sighting` nor `message` in the answer");
            return Err(decode_error(endpoint, body, ".".to_owned(), missing));
        };

        // MISP before 2.4.120 or so said only this on success.
        let bare = message.trim().trim_end_matches('.');
        if bare.eq_ignore_ascii_case("sighting added")
            || bare.eq_ignore_ascii_case("sightings added")
        {
            return Ok(Sighting::default());
        }
        Err(Error::SightingRefused { message })
    }
}

/// The body of `POST /warninglists/checkValue`: `{value: [{id, name}]}`,
/// or `[]` when no value is on any list.
///
/// PHP turns a map whose keys are `0`, `1`, ... into a JSON list, so a list
/// of hit lists is read too, each list's index being its value.
#[derive(Debug, Default)]
pub(crate) struct WarninglistAnswer(pub Vec<WarninglistHit>);

#[derive(Deserialize)]
struct HitEntry {
    #[serde(default, deserialize_with = "de::id")]
    id: u64,
    #[serde(default, deserialize_with = "de::text")]
    name: String,
}

impl HitEntry {
    fn into_hit(self, value: &str) -> WarninglistHit {
        WarninglistHit {
            value: value.to_owned(),
            id: self.id,
            name: self.name,
        }
    }
}

impl<'de> Deserialize<'de> for WarninglistAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(HitsVisitor)
    }
}

struct HitsVisitor;

impl<'de> Visitor<'de> for HitsVisitor {
    type Value = WarninglistAnswer;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map from values to warninglists, or a list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut hits = Vec::new();
        while let Some((value, entries)) = map.next_entry::<String, Vec<HitEntry>>()? {
            hits.extend(entries.into_iter().map(|e| e.into_hit(&value)));
        }
        Ok(WarninglistAnswer(hits))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut hits = Vec::new();
        let mut index = 0u64;
        while let Some(entries) = seq.next_element::<Vec<HitEntry>>()? {
            let value = index.to_string();
            hits.extend(entries.into_iter().map(|e| e.into_hit(&value)));
            index += 1;
        }
        Ok(WarninglistAnswer(hits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SearchResponse, Version};
    use proptest::prelude::*;

    fn ok(body: &str) -> Answer {
        Answer {
            status: 200,
            body: body.as_bytes().to_vec(),
            ..Answer::default()
        }
    }

    fn status(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            ..Answer::default()
        }
    }

    #[test]
    fn decode_error_names_endpoint_path_and_body_start() {
        let body = r#"{"response": {"Attribute": [{"type": "ip-dst", "value": 7}]}}"#;
        let err = decode::<SearchResponse>("/attributes/restSearch", &ok(body)).unwrap_err();
        let Error::Decode {
            endpoint,
            path,
            snippet,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(endpoint, "/attributes/restSearch");
        assert_eq!(path, "response.Attribute[0].value");
        assert!(snippet.starts_with(r#"{"response""#));
        assert_eq!(err.code(), "bad_response");
    }

    #[test]
    fn snippet_is_cut_at_two_hundred_characters() {
        let body = "é".repeat(1000);
        assert_eq!(snippet(body.as_bytes()).chars().count(), SNIPPET_CHARS);
        assert_eq!(snippet(b"short"), "short");
    }

    #[test]
    fn trailing_garbage_is_a_decode_error() {
        let err = decode::<Version>("/servers/getVersion", &ok(r#"{"version":"2.5.1"} x"#));
        assert!(matches!(err, Err(Error::Decode { .. })), "{err:?}");
    }

    #[test]
    fn html_without_content_type_is_recognised() {
        let err = decode::<Version>("/servers/getVersion", &ok("\n  <!DOCTYPE html><html>"));
        assert!(
            matches!(err, Err(Error::Html { status: 200, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn json_mislabelled_as_html_is_still_read() {
        let answer = Answer {
            content_type: Some("text/html; charset=UTF-8".into()),
            ..ok(r#"{"version": "2.5.2"}"#)
        };
        let version: Version = decode("/servers/getVersion", &answer).unwrap();
        assert_eq!(version.version, "2.5.2");
    }

    #[test]
    fn gateway_error_page_stays_an_outage() {
        let answer = status(502, "<html><body>Bad Gateway</body></html>");
        let err = decode::<Version>("/servers/getVersion", &answer).unwrap_err();
        assert!(matches!(err, Error::Http { status: 502, .. }), "{err:?}");
        assert!(err.is_transient());
    }

    #[test]
    fn plain_text_error_is_quoted() {
        let err = decode::<Version>("/servers/getVersion", &status(404, "no such page\n"));
        let Err(Error::Http {
            status: 404,
            message,
            url,
            ..
        }) = err
        else {
            panic!("{err:?}")
        };
        assert_eq!(message, "no such page");
        assert_eq!(url, "/servers/getVersion");
    }

    #[test]
    fn redirect_names_its_target() {
        let answer = Answer {
            status: 302,
            location: Some("https://misp.test/users/login".into()),
            ..Answer::default()
        };
        let err = decode::<Version>("/servers/getVersion", &answer).unwrap_err();
        assert!(
            err.to_string().contains("https://misp.test/users/login"),
            "{err}"
        );
        assert_eq!(err.code(), "http");
    }

    #[test]
    fn an_older_misps_bare_success_message_is_a_success() {
        let body = br#"{"message": "Sighting added"}"#;
        let answer: SightingAnswer = json("/sightings/add", body).unwrap();
        assert_eq!(
            answer.outcome("/sightings/add", body).unwrap(),
            Sighting::default()
        );
    }

    #[test]
    fn a_sighting_answer_without_sighting_or_message_is_undecodable() {
        let body = br#"{"saved": true}"#;
        let answer: SightingAnswer = json("/sightings/add", body).unwrap();
        let err = answer.outcome("/sightings/add", body).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }

    #[test]
    fn numeric_values_come_back_as_a_list() {
        let hits: WarninglistAnswer = json("/w", br#"[[{"id": 3, "name": "zero"}]]"#).unwrap();
        assert_eq!(
            hits.0,
            vec![WarninglistHit {
                value: "0".into(),
                id: 3,
                name: "zero".into()
            }]
        );
    }

    /// Any JSON value, nested a few levels.
    fn any_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
            prop_oneof![Just("0"), Just("1"), Just("12"), Just("-4"), Just("")]
                .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let keys = prop_oneof![
                Just("response".to_owned()),
                Just("Attribute".to_owned()),
                Just("Event".to_owned()),
                Just("Tag".to_owned()),
                Just("Sighting".to_owned()),
                Just("message".to_owned()),
                Just("id".to_owned()),
                Just("type".to_owned()),
                Just("value".to_owned()),
                Just("name".to_owned()),
                Just("to_ids".to_owned()),
                Just("timestamp".to_owned()),
                Just("version".to_owned()),
                ".{0,6}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(keys, inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Every endpoint's decoding, run on the same answer.
    fn decode_all(answer: &Answer) {
        let _ = decode::<SearchResponse>("/attributes/restSearch", answer);
        let _ = decode::<Version>("/servers/getVersion", answer);
        let _ = decode::<WarninglistAnswer>("/warninglists/checkValue", answer);
        if let Ok(sighting) = decode::<SightingAnswer>("/sightings/add", answer) {
            let _ = sighting.outcome("/sightings/add", &answer.body);
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            body in prop::collection::vec(any::<u8>(), 0..512),
            code in prop_oneof![Just(200u16), Just(403), Just(404), Just(500), 100u16..600],
        ) {
            decode_all(&status(code, ""));
            decode_all(&Answer { status: code, body, ..Answer::default() });
        }

        #[test]
        fn arbitrary_json_never_panics(value in any_json(), code in prop_oneof![Just(200u16), Just(403), Just(502)]) {
            let body = serde_json::to_vec(&value).unwrap();
            decode_all(&Answer { status: code, body, ..Answer::default() });
        }

        #[test]
        fn misp_shaped_json_never_panics(fields in prop::collection::btree_map(
            prop_oneof![Just("id"), Just("event_id"), Just("type"), Just("value"), Just("to_ids"),
                Just("timestamp"), Just("first_seen"), Just("Tag"), Just("Event"), Just("deleted"),
                Just("object_id"), Just("distribution")],
            any_json(),
            0..12,
        )) {
            // A search answer whose attribute holds arbitrary values.
            let attribute: serde_json::Map<_, _> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let value = serde_json::json!({"response": {"Attribute": [attribute]}});
            decode_all(&ok(&value.to_string()));
        }
    }
}
