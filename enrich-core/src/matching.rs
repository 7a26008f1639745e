//! The MISP query for an alert's observables, and mapping MISP's answer
//! back to them.

use crate::config::Prepared;
use crate::extract::Observable;
use crate::hygiene;
use crate::kind::Kind;
use misp_client::{Attribute, SearchQuery};
use std::cmp::Ordering;
use std::collections::HashSet;

/// The one attribute search that asks about all of an alert's observables,
/// or `None` when there is nothing to ask (no observable of a wanted kind).
///
/// The query holds the values (each once, in order), every attribute type
/// that can hold a kind present ([`Kind::misp_types`], composites included),
/// `to_ids`, `published`, `enforceWarninglist` and `includeEventTags` as the
/// options set them (an option that is off is left out of the query, which
/// is MISP's own default), and the `limit`.
pub fn build_query(observables: &[Observable], config: &Prepared) -> Option<SearchQuery> {
    let wanted: Vec<&Observable> = observables
        .iter()
        .filter(|observable| config.wants(observable.kind))
        .collect();
    if wanted.is_empty() {
        return None;
    }

    let mut values: Vec<&str> = Vec::new();
    for observable in &wanted {
        if !values.contains(&observable.value.as_str()) {
            values.push(&observable.value);
        }
    }

    let mut types: Vec<&str> = Vec::new();
    for kind in Kind::ALL
        .into_iter()
        .filter(|kind| wanted.iter().any(|o| o.kind == *kind))
    {
        for misp_type in kind.misp_types() {
            if !types.contains(misp_type) {
                types.push(misp_type);
            }
        }
    }

    let options = config.config();
    let mut query = SearchQuery::values(values).with_types(types);
    query.to_ids = options.to_ids_only.then_some(true);
    query.published = options.published_only.then_some(true);
    query.enforce_warninglist = options.enforce_warninglist.then_some(true);
    query.include_event_tags = options.include_event_tags.then_some(true);
    query.limit = Some(options.limit);
    Some(query)
}

/// An observable and the MISP attributes that matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The observable.
    pub observable: Observable,
    /// The attributes that matched it, never empty, each once, the one
    /// reported first (see [`match_attributes`] for the order).
    pub attributes: Vec<Attribute>,
}

impl Match {
    /// The attribute an event reports: the first one.
    pub fn reported(&self) -> &Attribute {
        &self.attributes[0]
    }

    /// The number of distinct MISP events among the attributes.
    pub fn event_count(&self) -> usize {
        let keys: HashSet<String> = self.attributes.iter().map(event_key).collect();
        keys.len()
    }
}

/// What tells one event from another: its id, else its uuid, else nothing
/// known (the attribute then counts as an event of its own).
fn event_key(attribute: &Attribute) -> String {
    let event = attribute.event.as_ref();
    let id = match attribute.event_id {
        0 => event.map_or(0, |event| event.id),
        id => id,
    };
    match (id, event.map(|event| event.uuid.as_str())) {
        (0, Some(uuid)) if !uuid.is_empty() => format!("uuid:{uuid}"),
        (0, _) => format!("attribute:{}:{}", attribute.id, attribute.uuid),
        (id, _) => format!("id:{id}"),
    }
}

/// Maps attributes back to the observables they match, one [`Match`] per
/// observable that any attribute matches, in the observables' order.
///
/// An attribute matches an observable when its type can hold the
/// observable's kind ([`Kind::holds`]) and its value, or either half of a
/// composite value (`domain|ip`, `ip-dst|port`, `filename|sha256`,
/// `malware-sample`), equals the observable's value without regard to ASCII
/// case (addresses are compared as addresses, so `2A00:1450:4001:0::1`
/// equals `2a00:1450:4001::1`). One attribute may match several
/// observables. Soft-deleted attributes and repeats of the same attribute
/// are left out.
///
/// The attributes of a match are ordered so that the first is the most
/// telling, and the order is fully determined:
/// 1. attributes marked `to_ids` before the others;
/// 2. then the newest (largest `timestamp`) first;
/// 3. then the lowest event id first;
/// 4. then the lowest attribute id first.
pub fn match_attributes(observables: &[Observable], attributes: &[Attribute]) -> Vec<Match> {
    let attributes = distinct_live(attributes);

    observables
        .iter()
        .filter_map(|observable| {
            let mut found: Vec<Attribute> = attributes
                .iter()
                .filter(|attribute| matches(observable, attribute))
                .map(|attribute| (*attribute).clone())
                .collect();
            found.sort_by(report_order);
            (!found.is_empty()).then(|| Match {
                observable: observable.clone(),
                attributes: found,
            })
        })
        .collect()
}

/// The attributes not deleted, each once (by uuid, else by id).
fn distinct_live(attributes: &[Attribute]) -> Vec<&Attribute> {
    let mut seen = HashSet::new();
    attributes
        .iter()
        .filter(|attribute| !attribute.deleted)
        .filter(|attribute| {
            let key = match (attribute.uuid.as_str(), attribute.id) {
                ("", 0) => return true,
                ("", id) => format!("id:{id}"),
                (uuid, _) => format!("uuid:{}", uuid.to_ascii_lowercase()),
            };
            seen.insert(key)
        })
        .collect()
}

/// The reporting order of [`match_attributes`].
fn report_order(a: &Attribute, b: &Attribute) -> Ordering {
    b.to_ids
        .cmp(&a.to_ids)
        .then(b.timestamp.cmp(&a.timestamp))
        .then(a.event_id.cmp(&b.event_id))
        .then(a.id.cmp(&b.id))
}

fn matches(observable: &Observable, attribute: &Attribute) -> bool {
    if !observable.kind.holds(&attribute.kind) {
        return false;
    }
    let value = attribute.value.as_str();
    if same_value(observable, value) {
        return true;
    }
    let composite =
        attribute.kind.contains('|') || attribute.kind.eq_ignore_ascii_case("malware-sample");
    composite
        && value.split_once('|').is_some_and(|(first, second)| {
            same_value(observable, first) || same_value(observable, second)
        })
}

fn same_value(observable: &Observable, candidate: &str) -> bool {
    let candidate = candidate.trim();
    match observable.kind {
        Kind::Ip => match (
            hygiene::parse_ip(candidate),
            hygiene::parse_ip(&observable.value),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => candidate.eq_ignore_ascii_case(&observable.value),
        },
        Kind::Domain => {
            let candidate = candidate.strip_suffix('.').unwrap_or(candidate);
            candidate.eq_ignore_ascii_case(&observable.value)
        }
        _ => candidate.eq_ignore_ascii_case(&observable.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn observable(value: &str, kind: Kind) -> Observable {
        Observable {
            value: value.into(),
            kind,
            field: "data.test".into(),
        }
    }

    fn attribute(id: u64, kind: &str, value: &str) -> Attribute {
        serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "event_id": "7", "type": kind, "value": value,
            "uuid": format!("00000000-0000-4000-8000-{id:012}"), "to_ids": true, "timestamp": "1000"
        }))
        .unwrap()
    }

    #[test]
    fn query_holds_values_types_and_options() {
        let observables = [
            observable("45.33.32.156", Kind::Ip),
            observable("evil.example.net", Kind::Domain),
            observable(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                Kind::Sha256,
            ),
        ];
        let query = build_query(&observables, &Prepared::default()).unwrap();
        assert_eq!(
            query.value,
            observables
                .iter()
                .map(|o| o.value.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            query.types,
            [
                "ip-src",
                "ip-dst",
                "ip-src|port",
                "ip-dst|port",
                "domain|ip",
                "domain",
                "hostname",
                "hostname|port",
                "sha256",
                "filename|sha256"
            ]
        );
        assert_eq!(query.to_ids, Some(true));
        assert_eq!(query.published, None);
        assert_eq!(query.enforce_warninglist, Some(true));
        assert_eq!(query.include_event_tags, Some(true));
        assert_eq!(query.limit, Some(50));
    }

    #[test]
    fn query_follows_the_options() {
        let config: Config = serde_json::from_str(
            r#"{"to_ids_only": false, "published_only": true, "enforce_warninglist": false,
                "include_event_tags": false, "limit": 7, "kinds": ["domain"]}"#,
        )
        .unwrap();
        let prepared = config.validate().unwrap();
        let observables = [
            observable("45.33.32.156", Kind::Ip),
            observable("evil.example.net", Kind::Domain),
        ];
        let query = build_query(&observables, &prepared).unwrap();
        assert_eq!(query.value, ["evil.example.net"]);
        assert_eq!(
            query.types,
            ["domain", "hostname", "domain|ip", "hostname|port"]
        );
        assert_eq!(query.to_ids, None);
        assert_eq!(query.published, Some(true));
        assert_eq!(query.enforce_warninglist, None);
        assert_eq!(query.include_event_tags, None);
        assert_eq!(query.limit, Some(7));
    }

    #[test]
    fn nothing_to_ask_gives_no_query() {
        assert_eq!(build_query(&[], &Prepared::default()), None);
        let config: Config = serde_json::from_str(r#"{"kinds": ["md5"]}"#).unwrap();
        let only_ip = [observable("45.33.32.156", Kind::Ip)];
        assert_eq!(build_query(&only_ip, &config.validate().unwrap()), None);
    }

    #[test]
    fn composites_match_through_either_half() {
        let ip = observable("185.220.101.1", Kind::Ip);
        let domain = observable("evil.example.net", Kind::Domain);
        let attributes = [
            attribute(1, "domain|ip", "Evil.Example.NET|185.220.101.1"),
            attribute(2, "ip-dst|port", "185.220.101.1|443"),
            attribute(3, "hostname|port", "evil.example.net.|8080"),
        ];
        let matches = match_attributes(&[ip.clone(), domain.clone()], &attributes);
        assert_eq!(matches.len(), 2);
        let ids = |m: &Match| m.attributes.iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(matches[0].observable, ip);
        assert_eq!(ids(&matches[0]), [1, 2]);
        assert_eq!(matches[1].observable, domain);
        assert_eq!(ids(&matches[1]), [1, 3]);
    }

    #[test]
    fn hashes_match_in_any_case_and_in_malware_samples() {
        let md5 = observable("44d88612fea8a8f36de82e1278abb02f", Kind::Md5);
        let attributes = [
            attribute(1, "md5", "44D88612FEA8A8F36DE82E1278ABB02F"),
            attribute(
                2,
                "malware-sample",
                "eicar.com|44d88612fea8a8f36de82e1278abb02f",
            ),
            attribute(
                3,
                "filename|md5",
                "eicar.com|44d88612fea8a8f36de82e1278abb02f",
            ),
        ];
        let matches = match_attributes(&[md5], &attributes);
        assert_eq!(matches[0].attributes.len(), 3);
    }

    #[test]
    fn type_that_cannot_hold_the_kind_does_not_match() {
        let domain = observable("eicar.com", Kind::Domain);
        let attributes = [attribute(
            1,
            "filename|md5",
            "eicar.com|44d88612fea8a8f36de82e1278abb02f",
        )];
        assert!(match_attributes(&[domain], &attributes).is_empty());
    }

    #[test]
    fn ipv6_compares_as_addresses() {
        let ip = observable("2a00:1450:4001::1", Kind::Ip);
        let attributes = [attribute(1, "ip-src", "2A00:1450:4001:0:0:0:0:1")];
        assert_eq!(match_attributes(&[ip], &attributes).len(), 1);
    }

    #[test]
    fn deleted_and_repeated_attributes_are_left_out() {
        let ip = observable("185.220.101.1", Kind::Ip);
        let mut deleted = attribute(1, "ip-dst", "185.220.101.1");
        deleted.deleted = true;
        let kept = attribute(2, "ip-dst", "185.220.101.1");
        let matches = match_attributes(&[ip], &[deleted, kept.clone(), kept]);
        assert_eq!(matches[0].attributes.len(), 1);
        assert_eq!(matches[0].reported().id, 2);
    }

    #[test]
    fn reported_attribute_is_to_ids_then_newest_then_lowest_event() {
        let ip = observable("185.220.101.1", Kind::Ip);
        let mut context = attribute(1, "ip-dst", "185.220.101.1");
        context.to_ids = false;
        context.timestamp = 9_000;
        let mut old = attribute(2, "ip-dst", "185.220.101.1");
        old.timestamp = 1_000;
        let mut new_late_event = attribute(3, "ip-src", "185.220.101.1");
        new_late_event.timestamp = 5_000;
        new_late_event.event_id = 9;
        let mut new_early_event = attribute(4, "ip-src", "185.220.101.1");
        new_early_event.timestamp = 5_000;
        new_early_event.event_id = 3;

        let attributes = [context, old, new_late_event, new_early_event];
        let matches = match_attributes(&[ip], &attributes);
        let ids: Vec<u64> = matches[0].attributes.iter().map(|a| a.id).collect();
        assert_eq!(ids, [4, 3, 2, 1]);
        assert_eq!(matches[0].event_count(), 3);
    }

    #[test]
    fn one_attribute_may_match_several_observables() {
        let a = observable("185.220.101.1", Kind::Ip);
        let b = observable("evil.example.net", Kind::Domain);
        let attributes = [attribute(1, "domain|ip", "evil.example.net|185.220.101.1")];
        let matches = match_attributes(&[a, b], &attributes);
        assert_eq!(matches.len(), 2);
        assert!(matches.iter().all(|m| m.reported().id == 1));
    }
}
