//! A MISP feed folder answering attribute searches: the same answers as a
//! MISP server holding the same events, every filter, and the errors a bad
//! folder gives.
//!
//! `tests/fixtures/feed/basic/` is a feed exported with database ids (as a
//! MISP instance exports), and `restsearch-*.json` are the answers MISP
//! gives for the same events, in the server's shape (string ids, an `Event`
//! summary on each attribute, event tags marked inherited).

use md5::{Digest, Md5};
use misp_client::feed::{Feed, FeedError};
use misp_client::warninglist::{Warninglist, Warninglists};
use misp_client::{Attribute, SearchQuery};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const EVENT_A: &str = "5f1c7a2e-3b4d-4e8f-9a1b-2c3d4e5f6a01";
const EVENT_B: &str = "5f1c7a2e-3b4d-4e8f-9a1b-2c3d4e5f6a02";
const SHA256_INVOICE: &str = "51e2113953956ad360a44b8b1b4610544768685c05290d4028bd692e3b0d72b0";
const MD5_SIGNED: &str = "10c97876824ced18770110b292dc47a0";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feed")
        .join(name)
}

fn basic() -> Feed {
    Feed::open(&fixture("basic")).expect("the basic feed opens")
}

fn values(attributes: &[Attribute]) -> BTreeSet<String> {
    attributes.iter().map(|a| a.value.clone()).collect()
}

fn search(feed: &Feed, query: &SearchQuery) -> BTreeSet<String> {
    values(&feed.search(query))
}

/// The same searches through a loopback mock of MISP (wiremock) serving the
/// server's answer for the same events.
#[cfg(feature = "http")]
mod against_the_server {
    use super::*;
    use misp_client::{ApiKey, Client};
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn by_uuid(mut attributes: Vec<Attribute>) -> Vec<Attribute> {
        attributes.sort_by(|a, b| a.uuid.cmp(&b.uuid));
        attributes
    }

    /// Serves `answer` for exactly `query` on a loopback mock MISP, and returns
    /// what the client decodes from it.
    fn server_search(query: &SearchQuery, answer: &str) -> Vec<Attribute> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        let mock = Mock::given(method("POST"))
            .and(path("/attributes/restSearch"))
            .and(body_json(serde_json::to_value(query).unwrap()))
            .respond_with(ResponseTemplate::new(200).set_body_raw(answer, "application/json"));
        runtime.block_on(mock.mount(&server));

        let client = Client::builder(&server.uri(), ApiKey::new("k"))
            .build()
            .unwrap();
        client.search(query).expect("the mock answers the query")
    }

    #[test]
    fn network_search_gives_the_servers_attributes_field_for_field() {
        let feed = basic();
        let mut query =
            SearchQuery::values(["185.220.101.1", "LOGIN-SECURE-PORTAL.NET", "45.33.32.156"]);
        query.include_event_tags = Some(true);

        let answer = include_str!("fixtures/feed/restsearch-network.json");
        let from_server = by_uuid(server_search(&query, answer));
        let from_feed = by_uuid(feed.search(&query));

        assert_eq!(from_server.len(), 5);
        assert_eq!(from_feed, from_server);
    }

    #[test]
    fn file_search_with_filters_gives_the_servers_attributes_field_for_field() {
        let feed = basic();
        let query = SearchQuery::values([
            &SHA256_INVOICE.to_uppercase(),
            "update_helper.dll",
            MD5_SIGNED,
        ])
        .with_types(["sha256", "filename|sha256", "malware-sample", "filename"])
        .with_to_ids(true);

        let answer = include_str!("fixtures/feed/restsearch-files.json");
        let from_server = by_uuid(server_search(&query, answer));
        let from_feed = by_uuid(feed.search(&query));

        assert_eq!(from_server.len(), 3);
        assert_eq!(from_feed, from_server);
    }
}

#[test]
fn a_value_matches_either_half_of_a_composite_or_the_whole_without_case() {
    let feed = basic();
    let found = |value: &str| search(&feed, &SearchQuery::values([value]));

    assert_eq!(
        found("443"),
        BTreeSet::from(["185.220.101.1|443".to_owned()])
    );
    assert_eq!(
        found("185.220.101.1|443"),
        BTreeSet::from(["185.220.101.1|443".to_owned()])
    );
    assert!(found("Mail-Relay-7C.org").contains("mail-relay-7c.org|45.33.32.156"));
    assert!(found("SIGNED_DROPPER.EXE").contains(&format!("signed_dropper.exe|{MD5_SIGNED}")));
    assert_eq!(
        found("185.220.101.1").len(),
        2,
        "the address alone and with its port"
    );

    // No partial matches and no CIDR containment, as on the server.
    assert!(found("login-secure-portal").is_empty());
    assert!(found("185.220.101.0/24").is_empty());
    assert!(
        found("update-cdn-7f3a.com").len() == 1,
        "the hostname below it is not returned"
    );
}

#[test]
fn attributes_inside_objects_are_found_with_their_event_and_object() {
    let feed = basic();
    let found = feed.search(&SearchQuery::values([
        "invoice_2026.pdf.exe",
        SHA256_INVOICE,
    ]));

    assert_eq!(found.len(), 2);
    for attribute in &found {
        assert_eq!(attribute.object_id, Some(501), "{}", attribute.value);
        assert_eq!(attribute.event_id, 101, "{}", attribute.value);
        let event = attribute.event.as_ref().unwrap();
        assert_eq!(event.uuid, EVENT_A);
        assert_eq!(event.info, "Credential phishing wave against webmail users");
        assert_eq!(event.orgc_id, 2);
    }
}

#[test]
fn deleted_attributes_and_attributes_of_deleted_objects_are_never_returned() {
    let feed = basic();

    assert!(
        feed.search(&SearchQuery::values(["91.219.236.18", "45.153.160.2"]))
            .is_empty()
    );
    let addresses = search(
        &feed,
        &SearchQuery::default().with_types(["ip-dst", "ip-src"]),
    );
    assert!(!addresses.contains("91.219.236.18"));
    assert!(!addresses.contains("45.153.160.2"));
    assert_eq!(feed.len(), 15);
}

#[test]
fn type_category_and_to_ids_filters() {
    let feed = basic();
    let everything = [
        "185.220.101.1",
        "45.33.32.156",
        "update-cdn-7f3a.com",
        "invoice_2026.pdf.exe",
    ];

    let typed = SearchQuery::values(everything).with_types(["IP-SRC"]);
    assert_eq!(
        search(&feed, &typed),
        BTreeSet::from(["45.33.32.156".to_owned()])
    );

    let mut payloads = SearchQuery::values(everything);
    payloads.categories = vec!["payload delivery".to_owned()];
    assert_eq!(
        search(&feed, &payloads),
        BTreeSet::from(["invoice_2026.pdf.exe".to_owned()])
    );

    let context = SearchQuery::values(everything).with_to_ids(false);
    let expected = [
        "mail-relay-7c.org|45.33.32.156",
        "update-cdn-7f3a.com",
        "invoice_2026.pdf.exe",
    ];
    assert_eq!(search(&feed, &context), expected.map(String::from).into());
}

#[test]
fn published_filter_follows_the_event() {
    let feed = basic();
    let mut query = SearchQuery::values(["45.33.32.156"]);

    query.published = Some(false);
    let unpublished = feed.search(&query);
    assert_eq!(unpublished.len(), 1);
    assert_eq!(unpublished[0].kind, "ip-src");

    query.published = Some(true);
    assert_eq!(
        search(&feed, &query),
        BTreeSet::from(["mail-relay-7c.org|45.33.32.156".to_owned()])
    );
    assert!(
        !feed
            .events()
            .iter()
            .find(|e| e.summary.id == 103)
            .unwrap()
            .published
    );
}

#[test]
fn tags_match_the_attribute_or_its_event_and_negations_the_attribute_only() {
    let feed = basic();
    let event_b_values = ["185.220.101.1", "update_helper.dll", "update-cdn-7f3a.com"];
    let tagged = |tags: &[&str]| {
        let mut query = SearchQuery::values(event_b_values);
        query.tags = tags.iter().map(|t| t.to_string()).collect();
        search(&feed, &query)
    };

    // tlp:amber is on event B: all its attributes, none of event A's.
    let amber = tagged(&["TLP:AMBER"]);
    assert!(amber.contains("185.220.101.1|443"));
    assert!(!amber.contains("185.220.101.1"));

    // The attribute's own tag finds it in event A.
    assert_eq!(
        tagged(&["kill-chain:Command and Control"]),
        BTreeSet::from(["185.220.101.1".to_owned()])
    );

    // Excluding the attribute's own tag drops it; excluding an event tag
    // does not (MISP issue 3906).
    let without_red = tagged(&["!tlp:red"]);
    assert!(
        !without_red
            .iter()
            .any(|v| v.starts_with("update_helper.dll"))
    );
    assert!(tagged(&["!tlp:amber"]).contains("185.220.101.1|443"));

    assert!(tagged(&["tlp:white"]).is_empty());
}

#[test]
fn include_event_tags_appends_the_event_tags_marked_inherited() {
    let feed = basic();
    let mut query = SearchQuery::values(["185.220.101.1"]).with_types(["ip-dst"]);

    let plain = feed.search(&query);
    let names: Vec<(&str, bool)> = plain[0]
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.inherited))
        .collect();
    assert_eq!(names, [("kill-chain:Command and Control", false)]);

    query.include_event_tags = Some(true);
    let with_event = feed.search(&query);
    let names: Vec<(&str, bool)> = with_event[0]
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.inherited))
        .collect();
    assert_eq!(
        names,
        [
            ("kill-chain:Command and Control", false),
            ("tlp:green", true),
            ("misp-galaxy:threat-actor=\"Demo Spider\"", true)
        ]
    );
    assert!(with_event[0].tags[2].is_galaxy);
}

#[test]
fn from_to_and_last_filter_on_the_event() {
    let feed = basic();
    let mut query = SearchQuery::values(["185.220.101.1", "45.33.32.156"]);

    query.from = Some("2026-02-01".to_owned());
    let since_february: BTreeSet<u64> = feed.search(&query).iter().map(|a| a.event_id).collect();
    assert_eq!(since_february, BTreeSet::from([102, 103]));

    query.to = Some("2026-02-28".to_owned());
    let february: BTreeSet<u64> = feed.search(&query).iter().map(|a| a.event_id).collect();
    assert_eq!(february, BTreeSet::from([102]));

    // Published within ten years: the events of 2026, not event C, which
    // was never published (publish_timestamp 0).
    let mut recent = SearchQuery::values(["185.220.101.1", "45.33.32.156"]);
    recent.last = Some("520w".to_owned());
    let events: BTreeSet<u64> = feed.search(&recent).iter().map(|a| a.event_id).collect();
    assert_eq!(events, BTreeSet::from([101, 102]));

    recent.last = Some("whenever".to_owned());
    assert!(
        feed.search(&recent).is_empty(),
        "an unreadable span keeps nothing"
    );
}

#[test]
fn pages_split_the_answer_without_loss_or_overlap() {
    let feed = basic();
    let all = feed.search(&SearchQuery::default().with_to_ids(true));
    assert_eq!(all.len(), 12);

    let mut paged = Vec::new();
    for page in 1..=4 {
        let mut query = SearchQuery::default().with_to_ids(true);
        query.limit = Some(3);
        query.page = Some(page);
        let chunk = feed.search(&query);
        assert!(chunk.len() <= 3);
        paged.extend(chunk);
    }
    assert_eq!(paged, all);

    let mut first = SearchQuery::default().with_to_ids(true);
    first.limit = Some(2);
    assert_eq!(feed.search(&first), all[..2]);
}

#[test]
fn an_empty_query_returns_nothing_as_the_client_sends_nothing() {
    let feed = basic();
    let query = SearchQuery {
        include_event_tags: Some(true),
        limit: Some(10),
        ..SearchQuery::default()
    };
    assert!(feed.search(&query).is_empty());
}

#[test]
fn enforce_warninglist_drops_listed_values_when_lists_are_given() {
    let list = br#"{"name": "Demo exit relays", "type": "cidr", "list": ["185.220.101.0/24"],
                    "matching_attributes": ["ip-dst", "ip-dst|port"]}"#;
    let lists: Warninglists = [Warninglist::from_json(Path::new("relays.json"), list).unwrap()]
        .into_iter()
        .collect();
    let feed = basic().with_warninglists(Arc::new(lists));

    let mut query = SearchQuery::values(["185.220.101.1", "login-secure-portal.net"]);
    assert_eq!(feed.search(&query).len(), 3);

    query.enforce_warninglist = Some(true);
    assert_eq!(
        search(&feed, &query),
        BTreeSet::from(["login-secure-portal.net".to_owned()])
    );

    // Without lists, the flag changes nothing.
    assert_eq!(basic().search(&query).len(), 3);
}

#[test]
fn events_keep_the_manifest_and_file_details() {
    let feed = basic();
    let events = feed.events();

    assert_eq!(events.len(), 3);
    assert!(
        events
            .windows(2)
            .all(|w| w[0].summary.uuid < w[1].summary.uuid)
    );
    let b = &events[1];
    assert_eq!(b.summary.uuid, EVENT_B);
    assert_eq!(b.summary.id, 102);
    assert_eq!(b.date.as_deref(), Some("2026-02-10"));
    assert_eq!(b.threat_level_id, Some(1));
    assert_eq!(b.orgc_name, "Demo Sharing Community");
    assert_eq!(b.attribute_count, 7);
    assert!(b.loaded && b.published);
}

#[test]
fn hashes_csv_answers_for_events_whose_file_is_absent() {
    let feed = Feed::open(&fixture("partial")).unwrap();

    let unloaded = feed
        .events()
        .iter()
        .find(|e| e.summary.uuid == EVENT_B)
        .unwrap();
    assert!(!unloaded.loaded);
    assert_eq!(
        unloaded.summary.info,
        "Loader campaign with signed droppers"
    );

    // The search cannot see event B, whose file is absent...
    assert!(
        feed.search(&SearchQuery::values(["update_helper.dll"]))
            .is_empty()
    );

    // ...but hashes.csv knows it holds the value, in any case.
    let hits = feed.search_hashes(&["UPDATE_HELPER.DLL", "185.220.101.1", "nothing.example.org"]);
    let found: Vec<(&str, &str)> = hits
        .iter()
        .map(|h| (h.value.as_str(), h.event.uuid.as_str()))
        .collect();
    assert_eq!(
        found,
        [("UPDATE_HELPER.DLL", EVENT_B), ("185.220.101.1", EVENT_B)]
    );

    // Event A is loaded: it answers through the search, not the hashes.
    assert_eq!(
        feed.search(&SearchQuery::values(["185.220.101.1"])).len(),
        1
    );
    assert!(feed.search_hashes(&["login-secure-portal.net"]).is_empty());
}

/// Copies the basic feed into a temporary folder to break it.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("basic")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn open_error(dir: &Path) -> (FeedError, String) {
    let error = Feed::open(dir).expect_err("the broken feed is refused");
    let text = error.to_string();
    (error, text)
}

#[test]
fn a_folder_without_manifest_is_refused_naming_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let (error, text) = open_error(dir.path());
    assert!(matches!(error, FeedError::Io { .. }), "{error:?}");
    assert!(text.contains("manifest.json"), "{text}");
}

#[test]
fn an_undecodable_event_file_is_an_error_naming_the_file_and_the_field() {
    let dir = scratch();
    let file = dir.path().join(format!("{EVENT_B}.json"));
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("\"value\": \"185.220.101.1|443\"", "\"value\": 443", 1),
    )
    .unwrap();

    let (error, message) = open_error(dir.path());
    let FeedError::Decode {
        path, json_path, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(path, &file);
    assert_eq!(json_path, "Event.Attribute[0].value");
    assert!(
        message.starts_with("feed file ") && message.contains(EVENT_B),
        "{message}"
    );

    std::fs::write(&file, b"{\"Event\": {").unwrap();
    assert!(matches!(open_error(dir.path()).0, FeedError::Decode { .. }));
}

#[test]
fn an_event_file_holding_another_event_is_refused() {
    let dir = scratch();
    let file = dir.path().join(format!("{EVENT_B}.json"));
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(EVENT_B, "5f1c7a2e-3b4d-4e8f-9a1b-2c3d4e5f6aff"),
    )
    .unwrap();

    let (error, text) = open_error(dir.path());
    assert!(matches!(error, FeedError::WrongEvent { .. }), "{error:?}");
    assert!(text.contains("6aff"), "{text}");
}

#[test]
fn a_missing_event_file_is_refused_without_hashes_csv() {
    let dir = scratch();
    std::fs::remove_file(dir.path().join(format!("{EVENT_B}.json"))).unwrap();
    std::fs::remove_file(dir.path().join("hashes.csv")).unwrap();

    let (error, text) = open_error(dir.path());
    assert!(
        matches!(error, FeedError::MissingEvent { ref uuid, .. } if uuid == EVENT_B),
        "{error:?}"
    );
    assert!(text.contains(EVENT_B), "{text}");
}

#[test]
fn a_malformed_hashes_line_is_refused_with_its_number() {
    let dir = scratch();
    let file = dir.path().join("hashes.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = text.replacen('\n', "\nnot-an-md5,abc\n", 1);
    std::fs::write(&file, broken).unwrap();

    let (error, text) = open_error(dir.path());
    assert!(
        matches!(error, FeedError::Hashes { line: 2, .. }),
        "{error:?}"
    );
    assert!(text.contains("hashes.csv") && text.contains('2'), "{text}");
}

#[test]
fn a_manifest_naming_a_path_instead_of_a_uuid_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        br#"{"../../etc/passwd": {"info": "x"}}"#,
    )
    .unwrap();

    let (error, text) = open_error(dir.path());
    assert!(matches!(error, FeedError::BadUuid { .. }), "{error:?}");
    assert!(text.contains("../../etc/passwd"), "{text}");
}

#[test]
fn the_bundled_example_feed_is_complete_and_its_hashes_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/feed");
    let feed = Feed::open(&dir).expect("examples/feed opens");

    assert!((3..=5).contains(&feed.events().len()));
    assert!(feed.events().iter().all(|e| e.loaded));
    assert!(
        feed.events().iter().any(|e| !e.published),
        "one unpublished event"
    );
    let all = feed.search(&SearchQuery::default().with_to_ids(true));
    assert!(
        all.iter()
            .any(|a| a.object_id.is_some_and(|id| id != 0) || is_in_object(&dir, a))
    );
    assert!(all.iter().any(|a| a.kind.contains('|')));

    // hashes.csv holds md5(value) for every value and composite half.
    let mut expected = BTreeSet::new();
    for event in feed.events() {
        let text =
            std::fs::read_to_string(dir.join(format!("{}.json", event.summary.uuid))).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for value in all_values(&json["Event"]) {
            expected.insert(format!(
                "{:x},{}",
                Md5::digest(value.as_bytes()),
                event.summary.uuid
            ));
        }
    }
    let listed: BTreeSet<String> = std::fs::read_to_string(dir.join("hashes.csv"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, expected);
}

fn is_in_object(dir: &Path, attribute: &Attribute) -> bool {
    let event = attribute.event.as_ref().unwrap();
    let text = std::fs::read_to_string(dir.join(format!("{}.json", event.uuid))).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let objects = json["Event"]["Object"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    objects
        .iter()
        .flat_map(|o| o["Attribute"].as_array().cloned().unwrap_or_default())
        .any(|a| a["uuid"] == attribute.uuid.as_str())
}

/// Every value and composite half of an event's attributes, objects' too.
fn all_values(event: &serde_json::Value) -> Vec<String> {
    let mut attributes = event["Attribute"].as_array().cloned().unwrap_or_default();
    for object in event["Object"].as_array().cloned().unwrap_or_default() {
        attributes.extend(object["Attribute"].as_array().cloned().unwrap_or_default());
    }
    let mut out = Vec::new();
    for attribute in attributes {
        let kind = attribute["type"].as_str().unwrap();
        let value = attribute["value"].as_str().unwrap();
        if kind.contains('|') || kind == "malware-sample" {
            out.extend(value.split('|').map(str::to_owned));
        } else {
            out.push(value.to_owned());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever an event file holds, opening the feed answers, never panics.
    #[test]
    fn any_event_file_content_gives_a_feed_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = scratch();
        std::fs::write(dir.path().join(format!("{EVENT_A}.json")), &bytes).unwrap();
        let _ = Feed::open(dir.path());
    }

    /// Whatever JSON an event holds, likewise.
    #[test]
    fn any_event_json_gives_a_feed_or_an_error(json in json_value()) {
        let dir = scratch();
        let body = serde_json::json!({"Event": json}).to_string();
        std::fs::write(dir.path().join(format!("{EVENT_A}.json")), body).unwrap();
        if let Ok(feed) = Feed::open(dir.path()) {
            let _ = feed.search(&SearchQuery::values(["185.220.101.1"]));
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z0-9|.:-]{0,12}".prop_map(serde_json::Value::from),
    ];
    let keys = prop_oneof![
        Just("Attribute".to_owned()),
        Just("Object".to_owned()),
        Just("Tag".to_owned()),
        Just("value".to_owned()),
        Just("type".to_owned()),
        Just("id".to_owned()),
        Just("published".to_owned()),
        Just("deleted".to_owned()),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(keys.clone(), inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
