//! `GET /servers/getVersion`: the cheap health and permission check.

use crate::{KEY, Misp, fixture, only_header};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

#[test]
fn version_is_a_get_with_the_key_and_no_body() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("GET"))
            .and(path("/servers/getVersion"))
            .and(header("authorization", KEY))
            .and(header("accept", "application/json"))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::VERSION)),
    );

    let version = misp.client().version().unwrap();
    assert_eq!(version.version, "2.5.2");
    assert!(version.perm_sighting);
    assert!(!version.perm_sync);

    let requests = misp.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].body.is_empty());
    assert!(requests[0].headers.get("content-type").is_none());
    assert_eq!(only_header(&requests[0], "authorization"), KEY);
}

#[test]
fn version_of_an_older_misp_reads_zero_one_permissions() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("GET"))
            .and(path("/servers/getVersion"))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::VERSION_LEGACY)),
    );

    let version = misp.client().version().unwrap();
    assert_eq!(version.version, "2.4.180");
    assert!(!version.perm_sighting, "a key that may not add sightings");
    assert!(version.perm_sync);
    assert_eq!(
        version.uuid.as_deref(),
        Some("f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
    );
}
