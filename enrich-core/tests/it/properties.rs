//! Property tests: invariants that hold for any input.

use crate::support::{alert, decoded_fields, prepared};
use enrich_core::hygiene::{normalize_domain, normalize_hash, parse_ip, parse_url};
use enrich_core::{Kind, MAX_EVENT_BYTES, Prepared};
use misp_client::Attribute;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

// ---------------------------------------------------------------------------
// An oracle for "globally reachable", written from the registry text
// independently of the crate's tables, and backed by the standard library's
// predicates where they exist.

const V4_NOT_GLOBAL: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
];

fn v4_in(addr: Ipv4Addr, cidr: &str) -> bool {
    let (net, len) = cidr.split_once('/').unwrap();
    let net: Ipv4Addr = net.parse().unwrap();
    let len: u32 = len.parse().unwrap();
    let shift = 32 - len;
    (u32::from(addr) >> shift) == (u32::from(net) >> shift)
}

fn oracle_v4(addr: Ipv4Addr) -> bool {
    let exception = addr == Ipv4Addr::new(192, 0, 0, 9) || addr == Ipv4Addr::new(192, 0, 0, 10);
    let std_says_special = addr.is_private()
        || addr.is_loopback()
        || addr.is_link_local()
        || addr.is_multicast()
        || addr.is_broadcast()
        || addr.is_documentation()
        || addr.is_unspecified();
    exception || (!std_says_special && !V4_NOT_GLOBAL.iter().any(|c| v4_in(addr, c)))
}

fn oracle_v6(addr: Ipv6Addr) -> bool {
    let seg = addr.segments();
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = seg[6].to_be_bytes();
        let [c, d] = seg[7].to_be_bytes();
        return oracle_v4(Ipv4Addr::new(a, b, c, d));
    }
    if addr.is_loopback()
        || addr.is_multicast()
        || addr.is_unspecified()
        || addr.is_unique_local()
        || addr.is_unicast_link_local()
    {
        return false;
    }
    let global_unicast = seg[0] & 0xe000 == 0x2000;
    let documentation =
        (seg[0] == 0x2001 && seg[1] == 0x0db8) || (seg[0] == 0x3fff && seg[1] < 0x1000);
    let ietf = seg[0] == 0x2001 && seg[1] < 0x0200;
    let ietf_global = seg[0] == 0x2001
        && (matches!(
            u128::from(addr),
            0x2001_0001_0000_0000_0000_0000_0000_0001..=0x2001_0001_0000_0000_0000_0000_0000_0003
        ) || seg[1] == 0x0003
            || (seg[1] == 0x0004 && seg[2] == 0x0112)
            || (0x0020..=0x003f).contains(&seg[1]));
    global_unicast && !documentation && (!ietf || ietf_global)
}

fn oracle(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => oracle_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => oracle_v4(v4),
            None => oracle_v6(v6),
        },
    }
}

/// Addresses biased towards the edges of the special blocks.
fn any_address() -> impl Strategy<Value = IpAddr> {
    let v4_prefixes = select(vec![
        0u32,
        10 << 24,
        0x6440_0000,
        127 << 24,
        0xa9fe_0000,
        0xac10_0000,
        0xc000_0000,
        0xc000_0200,
        0xc058_6300,
        0xc0a8_0000,
        0xc612_0000,
        0xc633_6400,
        0xcb00_7100,
        0xe000_0000,
        0xf000_0000,
        0x2d21_2000,
        0xb9dc_6500,
    ]);
    let v6_prefixes = select(vec![
        0u128,
        0xffff_0000_0000,
        0x0064_ff9b_0000_0000_0000_0000_0000_0000,
        0x0064_ff9b_0001_0000_0000_0000_0000_0000,
        0x0100_0000_0000_0000_0000_0000_0000_0000,
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        0x2001_0001_0000_0000_0000_0000_0000_0000,
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        0x2002_0000_0000_0000_0000_0000_0000_0000,
        0x2a00_1450_0000_0000_0000_0000_0000_0000,
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        0x5f00_0000_0000_0000_0000_0000_0000_0000,
        0xfc00_0000_0000_0000_0000_0000_0000_0000,
        0xfe80_0000_0000_0000_0000_0000_0000_0000,
        0xff02_0000_0000_0000_0000_0000_0000_0000,
    ]);
    prop_oneof![
        any::<u32>().prop_map(|bits| IpAddr::V4(bits.into())),
        (v4_prefixes, 0u32..0x0004_0000).prop_map(|(p, low)| IpAddr::V4((p | low).into())),
        any::<u128>().prop_map(|bits| IpAddr::V6(bits.into())),
        (v6_prefixes, 0u128..0x1_0000_0000).prop_map(|(p, low)| IpAddr::V6((p | low).into())),
    ]
}

/// Ways logs write an address.
fn written(addr: IpAddr, style: u8) -> String {
    match (addr, style % 4) {
        (IpAddr::V4(v4), 1) => format!("{v4}:443"),
        (IpAddr::V4(v4), 2) => format!("::ffff:{v4}"),
        (IpAddr::V6(v6), 1) => format!("[{v6}]:443"),
        (IpAddr::V6(v6), 2) => v6.to_string().to_uppercase(),
        (addr, _) => addr.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn extraction_keeps_exactly_the_globally_reachable_addresses(
        addrs in proptest::collection::vec((any_address(), any::<u8>()), 1..6),
    ) {
        let texts: Vec<String> = addrs.iter().map(|(addr, style)| written(*addr, *style)).collect();
        let results: String = texts.iter().map(|t| format!("{t};")).collect();
        let data = json!({
            "srcip": texts[0],
            "win": {"eventdata": {"destinationIp": texts[texts.len() - 1], "queryResults": results}},
            "url": format!("http://{}/x", match addrs[0].0 { IpAddr::V6(v6) => format!("[{v6}]"), a => a.to_string() }),
        });
        let alert = alert(&json!({"rule": {"id": "1"}, "location": "x", "data": data}).to_string());
        let observables = enrich_core::extract(&alert, &Prepared::default());

        for observable in &observables {
            let addr = match observable.kind {
                Kind::Ip => observable.value.parse::<IpAddr>().unwrap(),
                Kind::Url => parse_ip(&parse_url(&observable.value).unwrap().host).unwrap(),
                other => panic!("unexpected kind {other}"),
            };
            prop_assert!(oracle(addr), "{} kept from {}", observable.value, observable.field);
        }
        for (addr, _) in &addrs {
            let canonical = match addr {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(*addr, IpAddr::V4),
                _ => *addr,
            };
            if oracle(canonical) {
                let text = canonical.to_string();
                prop_assert!(observables.iter().any(|o| o.value == text), "{text} missing");
            }
        }
    }

    #[test]
    fn domain_normalisation_is_idempotent(text in "[a-zA-Z0-9_.-]{0,40}\\.?|.{0,40}") {
        if let Ok(once) = normalize_domain(&text) {
            prop_assert_eq!(normalize_domain(&once), Ok(once.clone()));
            prop_assert!(!once.ends_with('.'));
            prop_assert_eq!(once.to_ascii_lowercase(), once);
        }
    }

    #[test]
    fn address_normalisation_is_idempotent(addr in any_address(), style in any::<u8>()) {
        let once = parse_ip(&written(addr, style)).unwrap();
        prop_assert_eq!(parse_ip(&once.to_string()), Some(once));
    }

    #[test]
    fn hash_normalisation_is_idempotent(text in "[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}|.{0,70}") {
        for kind in [Kind::Md5, Kind::Sha1, Kind::Sha256, Kind::Sha512, Kind::Imphash] {
            if let Some(once) = normalize_hash(&text, kind) {
                prop_assert_eq!(normalize_hash(&once, kind), Some(once.clone()));
                prop_assert_eq!(once.len(), kind.hex_len().unwrap());
            }
        }
    }

    #[test]
    fn url_normalisation_is_idempotent(
        text in "(?i:https?|ftp)://([a-zA-Z0-9.-]{1,20}|\\[[0-9a-fA-F:]{2,20}\\])(:[0-9]{1,5})?(/[ -~]{0,30})?",
    ) {
        if let Some(once) = parse_url(&text) {
            let twice = parse_url(&once.normalized).unwrap();
            prop_assert_eq!(twice.normalized, once.normalized);
        }
    }
}

// ---------------------------------------------------------------------------
// Planting an observable anywhere.

/// Observables known to survive hygiene, with their kind and the value the
/// extraction gives them.
fn plantable() -> impl Strategy<Value = (Kind, String, String)> {
    prop_oneof![
        (1u8..=254, any::<u8>(), 1u8..=254).prop_map(|(b, c, d)| {
            let text = format!("45.{b}.{c}.{d}");
            (Kind::Ip, text.clone(), text)
        }),
        any::<u64>().prop_map(|low| {
            let addr = Ipv6Addr::from(0x2a00_1450_0000_0000_0000_0000_0000_0000 | u128::from(low));
            (Kind::Ip, addr.to_string().to_uppercase(), addr.to_string())
        }),
        "[a-z][a-z0-9-]{0,10}[a-z0-9]\\.example\\.(com|net|org)"
            .prop_map(|name| { (Kind::Domain, name.to_uppercase(), name) }),
        "https://[a-z]{3,9}\\.example\\.com/[a-z0-9]{0,12}".prop_map(|url| (
            Kind::Url,
            url.clone(),
            url
        )),
        "[0-9A-F]{64}".prop_map(|h| (Kind::Sha256, h.clone(), h.to_lowercase())),
        "[0-9a-f]{32}".prop_map(|h| (Kind::Md5, h.clone(), h)),
    ]
}

/// A nested document holding `value` at `segments`, with noise beside it
/// and arrays wrapped around some levels.
fn nest(segments: &[String], arrays: &[bool], value: Value, noise: &str) -> Value {
    let Some((last, outer)) = segments.split_last() else {
        return value;
    };
    let mut object = Map::new();
    object.insert(
        format!("zz_{noise}"),
        Value::String(format!("{noise} {noise}")),
    );
    object.insert(last.clone(), value);
    let mut node = Value::Object(object);
    if arrays[outer.len()] {
        node = json!([{"zz_other": noise}, node]);
    }
    nest(outer, arrays, node, noise)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn planted_observable_is_found_whatever_the_nesting(
        segments in proptest::collection::vec("[a-z][a-zA-Z0-9_]{0,7}", 1..6),
        arrays in proptest::collection::vec(any::<bool>(), 6),
        (kind, written, value) in plantable(),
        give_kind in any::<bool>(),
        in_list in any::<bool>(),
        noise in "[a-z]{1,8}",
    ) {
        let leaf = if in_list { json!([format!("{noise} {noise}"), written]) } else { json!(written) };
        let data = nest(&segments, &arrays, leaf, &noise);
        let alert = alert(&json!({"rule": {"id": "1"}, "location": "x", "data": data}).to_string());

        let path = format!("data.{}", segments.join("."));
        let extra = if give_kind {
            json!([{"field": path, "kind": kind.as_str()}])
        } else {
            json!([{"field": path}])
        };
        let config = prepared(&json!({"extra_fields": extra}).to_string());

        let observables = enrich_core::extract(&alert, &config);
        prop_assert!(
            observables.iter().any(|o| o.value == value && o.kind == kind && o.field == path),
            "{value} ({kind}) not found at {path} in {observables:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Events.

fn any_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("(.|\\PC){{0,{max}}}")).unwrap()
}

fn any_attribute(value: String) -> impl Strategy<Value = Value> {
    let types = select(vec!["ip-src", "ip-dst", "ip-dst|port", "domain|ip", "text"]);
    (
        types,
        0..=i64::MAX as u64,
        any::<i64>(),
        any::<bool>(),
        any_text(3000),
        any_text(3000),
        proptest::collection::vec((any_text(300), any::<bool>()), 0..120),
    )
        .prop_map(move |(kind, id, timestamp, to_ids, comment, info, tags)| {
            let value = if kind.contains('|') { format!("{value}|443") } else { value.clone() };
            let tags: Vec<Value> =
                tags.into_iter().map(|(name, inherited)| json!({"name": name, "inherited": inherited})).collect();
            json!({
                "id": id.to_string(), "event_id": (id / 2).to_string(), "type": kind, "value": value,
                "to_ids": to_ids, "timestamp": timestamp, "comment": comment, "category": comment,
                "uuid": info.chars().take(40).collect::<String>(),
                "Event": {"id": (id / 2).to_string(), "info": info, "uuid": comment.chars().take(40).collect::<String>()},
                "Tag": tags
            })
        })
}

fn check_event(event: &Value) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(event).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    prop_assert_eq!(&back, event);
    prop_assert!(text.len() <= MAX_EVENT_BYTES, "{} bytes", text.len());
    prop_assert!(decoded_fields(event) < 256);
    for key in event.as_object().unwrap().keys() {
        prop_assert!(
            ["integration", "srcip", "misp"].contains(&key.as_str()),
            "top-level {key}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_event_is_valid_json_under_the_field_and_size_limits(
        attributes in proptest::collection::vec(any_attribute("185.220.101.1".into()), 1..4),
        description in any_text(5000),
        agent in any_text(300),
        code in any_text(200),
    ) {
        let raw = json!({
            "rule": {"id": "5710", "description": description},
            "agent": {"id": "001", "name": agent},
            "id": description.chars().take(30).collect::<String>(),
            "location": "/var/log/auth.log",
            "data": {"srcip": "185.220.101.1", "url": "http://dl.example.net/a"}
        });
        let alert = alert(&raw.to_string());
        let config = prepared(r#"{"report_no_match": true}"#);
        let observables = enrich_core::extract(&alert, &config);
        let attributes: Vec<Attribute> =
            attributes.into_iter().map(|a| serde_json::from_value(a).unwrap()).collect();

        let events = enrich_core::respond(&alert, &observables, &attributes, &config);
        prop_assert!(!events.is_empty());
        for event in &events {
            check_event(event)?;
        }
        check_event(&enrich_core::no_match_event(&alert, &observables))?;
        check_event(&enrich_core::error_event(&alert, &code, &description))?;
    }
}
