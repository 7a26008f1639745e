//! The events sent back to Wazuh: their exact shape, when each is sent, and
//! their limits.

use crate::support::{alert, attributes, decoded_fields, decoded_names, prepared};
use enrich_core::{ErrorCode, Kind, MAX_EVENT_BYTES, Observable, Prepared};
use serde_json::{Value, json};

const SSHD: &str = r#"{"timestamp":"2026-11-01T10:00:00.123+0000","rule":{"level":5,"id":"5710","description":"sshd: Attempt to login using a non-existent user","groups":["sshd"]},"agent":{"id":"001","name":"web01","ip":"192.168.56.11"},"id":"1793527200.1234","location":"/var/log/auth.log","data":{"srcip":"185.220.101.1","srcuser":"admin"}}"#;

const SYSMON_22: &str = r#"{"rule":{"level":3,"id":"61650","description":"Sysmon - Event 22: DNS query"},"agent":{"id":"002","name":"desk01"},"id":"1793527201.77","location":"EventChannel","data":{"win":{"eventdata":{"queryName":"c2.example.org","queryResults":"::ffff:185.220.101.7;"}}}}"#;

const TOR_EXIT: &str = r##"[{
    "id": "123", "event_id": "42", "object_id": "0", "category": "Network activity",
    "type": "ip-dst", "value": "185.220.101.1", "to_ids": true,
    "uuid": "5f1c2d3e-0000-4000-8000-000000000123", "timestamp": "1793527200",
    "distribution": "5", "comment": "exit relay", "deleted": false,
    "first_seen": null, "last_seen": null,
    "Event": {"id": "42", "info": "Tor exit nodes", "org_id": "1", "orgc_id": "2",
              "uuid": "5f1c2d3e-0000-4000-8000-000000000042", "distribution": "1",
              "publish_timestamp": "1793527000"},
    "Tag": [{"id": "1", "name": "tlp:amber", "colour": "#FFC000"},
            {"id": "9", "name": "osint", "inherited": 1}]
}]"##;

fn observables_of(json: &str) -> Vec<Observable> {
    enrich_core::extract(&alert(json), &Prepared::default())
}

#[test]
fn match_event_on_an_address_has_the_documented_shape() {
    let alert = alert(SSHD);
    let observables = observables_of(SSHD);
    let events = enrich_core::respond(
        &alert,
        &observables,
        &attributes(TOR_EXIT),
        &Prepared::default(),
    );

    let expected = json!({
        "integration": "misp",
        "srcip": "185.220.101.1",
        "misp": {
            "status": "match",
            "value": "185.220.101.1",
            "kind": "ip",
            "field": "data.srcip",
            "type": "ip-dst",
            "category": "Network activity",
            "to_ids": true,
            "comment": "exit relay",
            "attribute_id": "123",
            "attribute_uuid": "5f1c2d3e-0000-4000-8000-000000000123",
            "timestamp": "2026-11-01T10:00:00Z",
            "event_id": "42",
            "event_uuid": "5f1c2d3e-0000-4000-8000-000000000042",
            "event_info": "Tor exit nodes",
            "org_id": "1",
            "orgc_id": "2",
            "tags": ["tlp:amber"],
            "event_tags": ["osint"],
            "attribute_count": 1,
            "event_count": 1,
            "alert_id": "1793527200.1234",
            "rule_id": "5710",
            "rule_description": "sshd: Attempt to login using a non-existent user",
            "agent_id": "001",
            "agent_name": "web01"
        }
    });
    assert_eq!(events, [expected]);
}

#[test]
fn match_event_on_a_domain_sets_no_top_level_field_but_integration() {
    let alert = alert(SYSMON_22);
    let observables = observables_of(SYSMON_22);
    let answer = attributes(
        r#"[{"id":"7","event_id":"3","type":"domain|ip","value":"C2.Example.ORG|185.220.101.7","to_ids":true,"timestamp":"1700000000","category":"Network activity"}]"#,
    );
    let events = enrich_core::respond(&alert, &observables, &answer, &Prepared::default());

    assert_eq!(events.len(), 2, "one event per matched observable");
    let domain = &events[0];
    let keys: Vec<&String> = domain.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["integration", "misp"]);
    assert_eq!(domain["misp"]["kind"], "domain");
    assert_eq!(domain["misp"]["value"], "c2.example.org");
    assert_eq!(domain["misp"]["field"], "data.win.eventdata.queryName");
    assert_eq!(domain["misp"]["type"], "domain|ip");

    let address = &events[1];
    assert_eq!(address["srcip"], "185.220.101.7");
    assert_eq!(address["misp"]["field"], "data.win.eventdata.queryResults");
}

#[test]
fn empty_and_unknown_values_are_left_out() {
    let alert = alert(r#"{"rule":{"id":"5710"},"location":"x","data":{"srcip":"185.220.101.1"}}"#);
    let observables =
        observables_of(r#"{"rule":{"id":"5710"},"location":"x","data":{"srcip":"185.220.101.1"}}"#);
    // A feed-style attribute: no ids, no timestamp, no event, no tags.
    let answer = attributes(r#"[{"type":"ip-src","value":"185.220.101.1","comment":""}]"#);
    let events = enrich_core::respond(&alert, &observables, &answer, &Prepared::default());

    let misp = events[0]["misp"].as_object().unwrap();
    let mut keys: Vec<&str> = misp.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attribute_count",
            "event_count",
            "field",
            "kind",
            "rule_id",
            "status",
            "to_ids",
            "type",
            "value"
        ]
    );
}

#[test]
fn counts_cover_every_matching_attribute_and_event() {
    let alert = alert(SSHD);
    let observables = observables_of(SSHD);
    let answer = attributes(
        r#"[
        {"id":"1","event_id":"10","type":"ip-src","value":"185.220.101.1","to_ids":false,"timestamp":"1800000000"},
        {"id":"2","event_id":"10","type":"ip-dst|port","value":"185.220.101.1|443","to_ids":true,"timestamp":"1700000000"},
        {"id":"3","event_id":"11","type":"ip-dst","value":"185.220.101.1","to_ids":true,"timestamp":"1750000000"},
        {"id":"4","event_id":"12","type":"domain","value":"other.example.net","to_ids":true}
    ]"#,
    );
    let events = enrich_core::respond(&alert, &observables, &answer, &Prepared::default());
    assert_eq!(events.len(), 1);
    let misp = &events[0]["misp"];
    assert_eq!(misp["attribute_count"], 3);
    assert_eq!(misp["event_count"], 2);
    // to_ids first, then the newest: attribute 3.
    assert_eq!(misp["attribute_id"], "3");
    assert_eq!(misp["event_id"], "11");
}

#[test]
fn native_integer_ids_and_old_boolean_flags_give_the_same_event() {
    let alert = alert(SSHD);
    let observables = observables_of(SSHD);
    let answer = attributes(
        r#"[{"id":123,"event_id":42,"type":"ip-dst","value":"185.220.101.1","to_ids":"1","timestamp":1793527200,
             "Event":{"id":42,"org_id":1,"orgc_id":2,"info":"Tor exit nodes"}}]"#,
    );
    let events = enrich_core::respond(&alert, &observables, &answer, &Prepared::default());
    let misp = &events[0]["misp"];
    assert_eq!(misp["attribute_id"], "123");
    assert_eq!(misp["event_id"], "42");
    assert_eq!(misp["orgc_id"], "2");
    assert_eq!(misp["to_ids"], true);
    assert_eq!(misp["timestamp"], "2026-11-01T10:00:00Z");
}

#[test]
fn tags_are_split_into_own_and_inherited_each_once() {
    let alert = alert(SSHD);
    let observables = observables_of(SSHD);
    let answer = attributes(
        r#"[{"type":"ip-dst","value":"185.220.101.1","to_ids":true,"Tag":[
            {"name":"tlp:amber"},{"name":"tlp:amber"},{"name":"misp-galaxy:threat-actor=\"Sample\""},
            {"name":"tlp:clear","inherited":true},{"name":"osint","inherited":"1"}]}]"#,
    );
    let events = enrich_core::respond(&alert, &observables, &answer, &Prepared::default());
    assert_eq!(
        events[0]["misp"]["tags"],
        json!(["tlp:amber", "misp-galaxy:threat-actor=\"Sample\""])
    );
    assert_eq!(
        events[0]["misp"]["event_tags"],
        json!(["tlp:clear", "osint"])
    );
}

#[test]
fn no_match_is_sent_only_when_asked_for() {
    let alert = alert(SSHD);
    let observables = observables_of(SSHD);

    let quiet = enrich_core::respond(&alert, &observables, &[], &Prepared::default());
    assert!(quiet.is_empty());

    let config = prepared(r#"{"report_no_match": true}"#);
    let events = enrich_core::respond(&alert, &observables, &[], &config);
    let expected = json!({
        "integration": "misp",
        "misp": {
            "status": "no_match",
            "values": ["185.220.101.1"],
            "count": 1,
            "alert_id": "1793527200.1234",
            "rule_id": "5710",
            "rule_description": "sshd: Attempt to login using a non-existent user",
            "agent_id": "001",
            "agent_name": "web01"
        }
    });
    assert_eq!(events, [expected]);
}

#[test]
fn no_match_needs_something_asked() {
    let config = prepared(r#"{"report_no_match": true}"#);
    let events = enrich_core::respond(&alert(SSHD), &[], &[], &config);
    assert!(events.is_empty());
}

#[test]
fn answer_matching_nothing_asked_counts_as_no_match() {
    let config = prepared(r#"{"report_no_match": true}"#);
    let alert = alert(SSHD);
    let observables = observables_of(SSHD);
    let unrelated = attributes(r#"[{"type":"ip-dst","value":"45.33.32.156"}]"#);
    let events = enrich_core::respond(&alert, &observables, &unrelated, &config);
    assert_eq!(events[0]["misp"]["status"], "no_match");
}

#[test]
fn own_event_gets_no_event_whatever_the_answer() {
    let own = r#"{"rule":{"id":"100622"},"id":"1.1","location":"[001] (web01) any->misp","data":{"integration":"misp","srcip":"185.220.101.1"}}"#;
    let observable = Observable {
        value: "185.220.101.1".into(),
        kind: Kind::Ip,
        field: "data.srcip".into(),
    };
    let config = prepared(r#"{"report_no_match": true}"#);
    let events = enrich_core::respond(&alert(own), &[observable], &attributes(TOR_EXIT), &config);
    assert!(events.is_empty());
}

#[test]
fn error_event_has_the_documented_shape() {
    let event = enrich_core::error_event(
        &alert(SSHD),
        ErrorCode::Timeout.as_str(),
        "misp did not answer within 10 s",
    );
    let expected = json!({
        "integration": "misp",
        "misp": {
            "status": "error",
            "error_code": "timeout",
            "error": "misp did not answer within 10 s",
            "alert_id": "1793527200.1234",
            "rule_id": "5710",
            "rule_description": "sshd: Attempt to login using a non-existent user",
            "agent_id": "001",
            "agent_name": "web01"
        }
    });
    assert_eq!(event, expected);
}

#[test]
fn rules_can_match_the_documented_names() {
    // The names the shipped Wazuh rules are written against.
    let alert = alert(SSHD);
    let events = enrich_core::respond(
        &alert,
        &observables_of(SSHD),
        &attributes(TOR_EXIT),
        &Prepared::default(),
    );
    let names = decoded_names(&events[0]);
    for name in [
        "integration",
        "srcip",
        "misp.status",
        "misp.kind",
        "misp.to_ids",
        "misp.value",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
    let error = enrich_core::error_event(&alert, "auth", "key refused");
    assert!(decoded_names(&error).iter().any(|n| n == "misp.error_code"));
}

#[test]
fn huge_answers_still_give_small_events() {
    let alert = alert(SSHD);
    let observables = observables_of(SSHD);
    let control = "\u{1}".repeat(5000);
    let tags: Vec<Value> = (0..500)
        .flat_map(|i| {
            [
                json!({"name": format!("{control}{i}")}),
                json!({"name": format!("{control}{i}"), "inherited": true}),
            ]
        })
        .collect();
    let attribute = json!([{
        "type": "ip-dst", "value": "185.220.101.1", "to_ids": true,
        "comment": control, "Tag": tags,
        "Event": {"info": "x".repeat(100_000)}
    }]);
    let answer = attributes(&attribute.to_string());
    let events = enrich_core::respond(&alert, &observables, &answer, &Prepared::default());

    let text = serde_json::to_string(&events[0]).unwrap();
    assert!(text.len() <= MAX_EVENT_BYTES, "{} bytes", text.len());
    assert!(decoded_fields(&events[0]) < 256);
    assert_eq!(
        events[0]["misp"]["value"], "185.220.101.1",
        "the finding itself is kept"
    );
}

#[test]
fn no_match_values_stop_before_the_size_limit_but_count_all() {
    let alert = alert(SSHD);
    let long = |i: usize| Observable {
        value: format!("http://dl.example.net/{i}/{}", "a".repeat(1900)),
        kind: Kind::Url,
        field: "data.url".into(),
    };
    let observables: Vec<Observable> = (0..200).map(long).collect();
    let event = enrich_core::no_match_event(&alert, &observables);
    assert_eq!(event["misp"]["count"], 200);
    let listed = event["misp"]["values"].as_array().unwrap().len();
    assert!(listed > 0 && listed < 200, "{listed}");
    assert!(serde_json::to_string(&event).unwrap().len() <= MAX_EVENT_BYTES);
}
