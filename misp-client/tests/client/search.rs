//! `POST /attributes/restSearch`: the request MISP requires, and every
//! shape of its answer.

use crate::{KEY, Misp, fixture, only_header};
use misp_client::{ApiKey, Attribute, Client, Error, SearchQuery};
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn answer(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(body)
}

fn search_fixture(body: &str) -> Vec<Attribute> {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/attributes/restSearch"))
            .respond_with(answer(body)),
    );
    misp.client()
        .search(&SearchQuery::values(["45.33.32.156"]))
        .unwrap()
}

#[test]
fn search_sends_exactly_the_headers_and_filters_misp_requires() {
    let misp = Misp::start();
    let query = SearchQuery {
        value: vec!["45.33.32.156".into(), "update-cdn-7f3a.com".into()],
        types: vec!["ip-dst".into(), "domain|ip".into()],
        to_ids: Some(true),
        include_event_tags: Some(true),
        enforce_warninglist: Some(true),
        last: Some("30d".into()),
        ..SearchQuery::default()
    };
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/attributes/restSearch"))
            .and(header("authorization", KEY))
            .and(header("accept", "application/json"))
            .and(header("content-type", "application/json"))
            .and(body_json(json!({
                "value": ["45.33.32.156", "update-cdn-7f3a.com"],
                "type": ["ip-dst", "domain|ip"],
                "to_ids": true,
                "includeEventTags": true,
                "enforceWarninglist": true,
                "last": "30d"
            })))
            .respond_with(answer(fixture::SEARCH_STRINGS)),
    );

    let found = misp.client().search(&query).unwrap();
    assert_eq!(found.len(), 3);

    let requests = misp.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    // The bare key: no `Bearer` or other scheme in front of it.
    assert_eq!(only_header(request, "authorization"), KEY);
    assert_eq!(only_header(request, "accept"), "application/json");
    assert_eq!(only_header(request, "content-type"), "application/json");
    let agent = only_header(request, "user-agent");
    assert_eq!(agent, format!("misp-client/{}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn an_empty_query_is_refused_before_anything_is_sent() {
    let misp = Misp::start();
    let client = misp.client();

    let paging_only = SearchQuery {
        limit: Some(10),
        page: Some(1),
        ..SearchQuery::default()
    };
    for query in [SearchQuery::default(), paging_only] {
        let err = client.search(&query).unwrap_err();
        assert!(matches!(err, Error::EmptyQuery), "{err:?}");
        assert_eq!(err.code(), "empty_query");
        assert!(matches!(
            client.search_all(&query, 100),
            Err(Error::EmptyQuery)
        ));
    }
    assert!(misp.requests().is_empty());
}

#[test]
fn string_id_answer_decodes_every_field() {
    let found = search_fixture(fixture::SEARCH_STRINGS);

    let first = &found[0];
    assert_eq!(
        (first.id, first.event_id, first.object_id),
        (4021, 88, Some(0))
    );
    assert_eq!(first.kind, "ip-dst");
    assert_eq!(first.value, "45.33.32.156");
    assert_eq!(first.category, "Network activity");
    assert!(first.to_ids);
    assert!(!first.deleted);
    assert_eq!(first.timestamp, 1_767_225_600);
    assert_eq!(first.distribution, Some(5));
    assert_eq!(first.comment, "C2 seen in the March wave");
    assert_eq!(first.first_seen, None);

    let event = first.event.as_ref().unwrap();
    assert_eq!((event.id, event.org_id, event.orgc_id), (88, 1, 2));
    assert_eq!(event.info, "Loader campaign against hosting providers");
    assert_eq!(event.publish_timestamp, Some(1_767_229_200));

    let tags: Vec<_> = first
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.is_galaxy, t.inherited))
        .collect();
    assert_eq!(
        tags,
        [
            ("tlp:amber", false, false),
            ("misp-galaxy:threat-actor=\"Sandworm\"", true, true)
        ]
    );
    assert_eq!(first.tags[0].colour, "#FFC000");
}

#[test]
fn composite_values_absent_tags_and_unknown_types_are_kept() {
    let found = search_fixture(fixture::SEARCH_STRINGS);

    // `Tag` absent, a composite value, first/last seen as MISP's text.
    let composite = &found[1];
    assert!(composite.tags.is_empty());
    assert_eq!(composite.kind, "domain|ip");
    assert_eq!(
        composite.value_halves().collect::<Vec<_>>(),
        ["update-cdn-7f3a.com", "185.220.101.1"]
    );
    assert!(composite.matches_value("185.220.101.1"));
    assert_eq!(
        composite.first_seen.as_deref(),
        Some("2026-01-01T00:00:00.000000+00:00")
    );
    assert_eq!(composite.object_id, Some(310));

    // `Tag` empty, a type this crate does not know, a null comment.
    let unknown = &found[2];
    assert!(unknown.tags.is_empty());
    assert_eq!(unknown.kind, "x-vendor-beacon-config");
    assert_eq!(unknown.value, "sleep=60;jitter=10");
    assert_eq!(unknown.comment, "");
    assert_eq!(unknown.event.as_ref().unwrap().publish_timestamp, Some(0));
}

#[test]
fn integer_id_answer_decodes_like_the_string_id_one() {
    let strings = search_fixture(fixture::SEARCH_STRINGS);
    let integers = search_fixture(fixture::SEARCH_INTEGERS);
    assert_eq!(strings, integers);
}

#[test]
fn legacy_zero_one_flags_and_null_tags_are_read() {
    let found = search_fixture(fixture::SEARCH_LEGACY_FLAGS);
    assert_eq!(found.len(), 2);

    let hash = &found[0];
    assert!(hash.to_ids);
    assert!(!hash.deleted);
    assert_eq!(hash.tags.len(), 1);
    assert!(hash.tags[0].local);
    assert!(!hash.tags[0].is_galaxy);

    let port = &found[1];
    assert!(!port.to_ids);
    assert!(port.tags.is_empty(), "Tag: null");
    assert_eq!(port.object_id, None, "object_id: \"\"");
    assert_eq!(
        port.value_halves().collect::<Vec<_>>(),
        ["2a00:1450:4001::1", "8443"]
    );
}

#[test]
fn no_match_is_an_empty_list() {
    assert!(search_fixture(fixture::SEARCH_EMPTY).is_empty());
}

#[test]
fn an_answer_behind_a_proxy_with_long_headers_and_a_large_body_is_read() {
    // A reverse proxy may add kilobytes of headers (policies, cookies), and
    // a broad search answers far more than the client's read buffer holds.
    let misp = Misp::start();
    let attributes: Vec<_> = (0..4000)
        .map(|i| json!({"id": i.to_string(), "type": "ip-dst", "value": format!("45.33.{}.{}", i / 256, i % 256)}))
        .collect();
    let body = json!({"response": {"Attribute": attributes}}).to_string();
    assert!(body.len() > 100 * 1024, "larger than the read buffer");
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/attributes/restSearch"))
            .respond_with(
                answer(&body)
                    .insert_header("content-security-policy", "a".repeat(12 * 1024))
                    .insert_header("set-cookie", "b".repeat(8 * 1024)),
            ),
    );

    let found = misp
        .client()
        .search(&SearchQuery::values(["45.33.0.1"]))
        .unwrap();
    assert_eq!(found.len(), 4000);
    assert_eq!(found[3999].value, "45.33.15.159");
}

#[test]
fn search_all_pages_until_a_short_page() {
    let misp = Misp::start();
    let page_of = |n: usize, first_id: usize| {
        let attributes: Vec<_> = (0..n)
            .map(|i| json!({"id": (first_id + i).to_string(), "type": "ip-dst", "value": format!("45.33.32.{}", first_id + i)}))
            .collect();
        answer(&json!({"response": {"Attribute": attributes}}).to_string())
    };
    for (page, size) in [(1, 2), (2, 2), (3, 1)] {
        misp.mount(
            Mock::given(method("POST"))
                .and(body_partial_json(json!({"limit": 2, "page": page})))
                .respond_with(page_of(size, page * 10)),
        );
    }

    let query = SearchQuery {
        limit: Some(500),
        page: Some(7),
        ..SearchQuery::values(["45.33.32.0"])
    };
    let found = misp.client().search_all(&query, 2).unwrap();

    let ids: Vec<_> = found.iter().map(|a| a.id).collect();
    assert_eq!(ids, [10, 11, 20, 21, 30]);
    let pages: Vec<_> = misp
        .requests()
        .iter()
        .map(|r| r.body_json::<serde_json::Value>().unwrap()["page"].clone())
        .collect();
    assert_eq!(pages, [json!(1), json!(2), json!(3)]);
}

#[test]
fn search_all_stops_when_misp_ignores_the_page() {
    let misp = Misp::start();
    let same = json!({"response": {"Attribute": [
        {"id": "1", "type": "domain", "value": "login-secure-portal.net"},
        {"id": "2", "type": "domain", "value": "update-cdn-7f3a.com"}
    ]}});
    misp.mount(Mock::given(method("POST")).respond_with(answer(&same.to_string())));

    let found = misp
        .client()
        .search_all(&SearchQuery::values(["x"]), 2)
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(misp.requests().len(), 2);
}

#[test]
fn a_legacy_search_url_is_taken_back_to_the_misp_root() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/attributes/restSearch"))
            .respond_with(answer(fixture::SEARCH_EMPTY)),
    );

    for url in [
        format!("{}/", misp.uri()),
        format!("{}/attributes/restSearch/", misp.uri()),
    ] {
        let client = Client::builder(&url, ApiKey::new(KEY)).build().unwrap();
        assert_eq!(client.base_url(), misp.uri());
        client
            .search(&SearchQuery::values(["45.33.32.156"]))
            .unwrap();
    }
    assert_eq!(misp.requests().len(), 2);
}
