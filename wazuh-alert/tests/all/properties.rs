//! Invariants over generated input: the datagram header round-trips
//! through a parser written the way analysisd splits it, no event of any
//! size makes a datagram over the limit, integratord's argv is read back
//! whatever spaces the key holds, and no input makes the alert reader
//! panic.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use wazuh_alert::{Alert, Form, Invocation, Location, MAX_DATAGRAM, encode_datagram};

/// Splits a datagram as analysisd does: the queue id, then the location up
/// to the first `:` that `|` does not escape (`|x` stands for `x`), then
/// the payload.
fn split_like_analysisd(datagram: &[u8]) -> Option<(u8, String, &[u8])> {
    let (&queue, rest) = datagram.split_first()?;
    let rest = rest.strip_prefix(b":")?;
    let mut location = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'|' => {
                location.push(*rest.get(i + 1)?);
                i += 2;
            }
            b':' => return Some((queue, String::from_utf8(location).ok()?, &rest[i + 1..])),
            byte => {
                location.push(byte);
                i += 1;
            }
        }
    }
    None
}

fn location_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9|:\\[\\]()> .-]{0,40}",
        any::<String>(),
        "\\[[0-9]{3}\\] \\([a-z|:]{1,10}\\) ([0-9a-f:]{2,39}|any)->misp",
    ]
}

/// Any JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            btree_map(".{0,12}", inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An event from tiny to a few hundred kilobytes: long strings of
/// characters that need escaping or take several bytes, long lists, many
/// members, and arbitrary JSON.
fn event() -> impl Strategy<Value = Value> {
    let text = ("[a-z\"\\\\\n\u{1}é€😀 ]{1,8}", 0usize..16_000).prop_map(|(s, n)| s.repeat(n));
    let list = (0usize..12_000, 1usize..12).prop_map(|(n, width)| {
        Value::Array(
            (0..n)
                .map(|i| Value::String(format!("{i:0width$}")))
                .collect(),
        )
    });
    let members = (0usize..5_000).prop_map(|n| {
        Value::Object(
            (0..n)
                .map(|i| (format!("k{i}"), Value::from(i)))
                .collect::<Map<_, _>>(),
        )
    });
    prop_oneof![
        3 => (text.clone(), list, members, json_value()).prop_map(|(text, list, members, any)| {
            json!({"integration": "misp", "misp": {"value": "185.220.101.1", "comment": text,
                "tags": list, "extra": members, "any": any}})
        }),
        1 => (text, json_value()).prop_map(|(text, any)| json!({"note": text, "any": any})),
        1 => json_value(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_location_round_trips_through_the_analysisd_split(
        text in location_text(),
        payload in json_value(),
    ) {
        let location = Location::new(text.clone());
        let datagram = encode_datagram(&location, &payload).unwrap();
        let (queue, read, body) = split_like_analysisd(&datagram).expect("a header analysisd can split");
        prop_assert_eq!(queue, b'1');
        prop_assert_eq!(read, text);
        prop_assert_eq!(body, serde_json::to_vec(&payload).unwrap());
    }

    #[test]
    fn an_alert_read_from_any_bytes_is_a_result_never_a_panic(bytes in vec(any::<u8>(), 0..512)) {
        match Alert::from_reader(&bytes[..]) {
            Ok(alert) => prop_assert_eq!(alert.raw(), &serde_json::from_slice::<Value>(&bytes).unwrap()),
            Err(e) => prop_assert!(e.is_alert(), "{e:?}"),
        }
    }

    #[test]
    fn any_json_object_is_an_alert_or_names_the_unusable_field(value in json_value()) {
        match Alert::from_value(value.clone()) {
            Ok(alert) => prop_assert_eq!(alert.raw(), &value),
            Err(e) => {
                let parsed = Alert::from_json(&value.to_string()).unwrap_err();
                prop_assert!(matches!(parsed.code(), "alert_not_object" | "alert_shape"), "{e}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_event_makes_a_datagram_over_the_limit(
        payload in event(),
        name_len in prop_oneof![3 => 0usize..60, 1 => 0usize..70_000],
    ) {
        let location = Location::new(format!("[001] (web:{}) 2001:db8::1->misp", "w".repeat(name_len)));
        let whole = serde_json::to_vec(&payload).unwrap().len();
        let header = 3 + location.escaped().len();

        match encode_datagram(&location, &payload) {
            Ok(datagram) => {
                prop_assert!(datagram.len() <= MAX_DATAGRAM, "{} bytes", datagram.len());
                let (_, read, body) = split_like_analysisd(&datagram).unwrap();
                prop_assert_eq!(read.as_str(), location.as_str());
                let sent: Value = serde_json::from_slice(body).expect("valid JSON");
                if header + whole <= MAX_DATAGRAM {
                    prop_assert_eq!(body, serde_json::to_vec(&payload).unwrap());
                } else if sent.get("integration").is_some() {
                    prop_assert_eq!(&sent["integration"], &payload["integration"]);
                    let nested = sent.get("misp").unwrap_or(&sent);
                    prop_assert_eq!(&nested["truncated"], &Value::Bool(true));
                } else if sent.is_object() {
                    prop_assert_eq!(&sent["truncated"], &Value::Bool(true));
                }
            }
            Err(e) => {
                prop_assert_eq!(e.code(), "datagram_too_large");
                // Only a location that leaves no room at all is refused.
                prop_assert!(header + 64 > MAX_DATAGRAM, "refused with a {header}-byte header");
            }
        }
    }
}

/// Builds argv the way wazuh-integratord does: one line, split on spaces
/// into at most `fields` fields, the last keeping the rest; `argv[0]` left
/// out.
fn integratord_argv(values: &[String], redirect: bool, fields: usize) -> Vec<String> {
    let mut line = format!("integrations {}", values.join(" "));
    if redirect {
        line.push_str(" > /dev/null 2>&1");
    }
    line.splitn(fields, ' ')
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// An API key: empty, or words of letters and digits joined by one or two
/// spaces.
fn key_with_spaces() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z][A-Za-z0-9]{0,9}(  ?[A-Za-z][A-Za-z0-9]{0,9}){0,3}"
    ]
}

fn hook_url() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "https://misp\\.[a-z]{1,8}\\.example(/[a-z]{1,5}){0,2}/?"
    ]
}

fn options_file() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "/tmp/custom-misp-[0-9]{10}--?[0-9]{1,10}\\.options"
    ]
}

fn check(run: &Invocation, key: &str, url: &str, debug: bool) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        run.api_key.as_ref().map(|k| k.expose()),
        Some(key).filter(|k| !k.is_empty())
    );
    prop_assert_eq!(run.hook_url.as_deref(), Some(url).filter(|u| !u.is_empty()));
    prop_assert_eq!(run.debug, debug);
    Ok(())
}

const ALERT: &str = "/tmp/custom-misp-1773483342-1804289383.alert";

proptest! {
    #[test]
    fn wazuh_4_8_argv_is_read_back_whatever_the_key_holds(
        // Leading and trailing spaces too: a stray space in ossec.conf.
        key in prop_oneof![key_with_spaces(), " ?[A-Za-z0-9]{1,12} ?"],
        url in hook_url(),
        debug in any::<bool>(),
        options in options_file(),
        timeout in any::<u16>(),
        retries in any::<u8>(),
    ) {
        let values = [ALERT.to_owned(), key.clone(), url.clone(),
            if debug { "debug".to_owned() } else { String::new() }, options.clone(),
            timeout.to_string(), retries.to_string()];
        let run = Invocation::parse(integratord_argv(&values, !debug, 9)).unwrap();
        prop_assert_eq!(run.form, Form::V48);
        check(&run, &key, &url, debug)?;
        prop_assert_eq!(run.options_file.as_ref().and_then(|p| p.to_str()), Some(options.as_str()).filter(|o| !o.is_empty()));
        prop_assert_eq!(run.timeout.map(|t| t.as_secs()), Some(u64::from(timeout)));
        prop_assert_eq!(run.retries, Some(u32::from(retries)));
    }

    #[test]
    fn older_argv_forms_are_read_back(
        key in key_with_spaces(),
        url in hook_url(),
        debug in any::<bool>(),
        options in options_file(),
    ) {
        let flag = if debug { "debug".to_owned() } else { String::new() };

        let legacy = [ALERT.to_owned(), key.clone(), url.clone(), flag.clone()];
        let run = Invocation::parse(integratord_argv(&legacy, !debug, 5)).unwrap();
        prop_assert_eq!(run.form, Form::Legacy);
        check(&run, &key, &url, debug)?;

        let v47 = [ALERT.to_owned(), key.clone(), url.clone(), flag, options.clone()];
        let run = Invocation::parse(integratord_argv(&v47, !debug, 7)).unwrap();
        prop_assert_eq!(run.form, Form::V47);
        check(&run, &key, &url, debug)?;
        prop_assert_eq!(run.timeout, None);
    }
}
