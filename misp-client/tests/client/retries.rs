//! Repeats of requests that are safe to repeat, and the deadline that
//! bounds them.

use crate::{Misp, fixture};
use misp_client::{Error, SearchQuery, SightingKind};
use std::time::{Duration, Instant};
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

fn query() -> SearchQuery {
    SearchQuery::values(["45.33.32.156"])
}

fn status(code: u16) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_string(fixture::ERROR_500)
}

/// A mock that fails `times` times with `code`, then answers `body`.
fn flaky(code: u16, times: u64, body: &str) -> Misp {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .respond_with(status(code))
            .up_to_n_times(times)
            .with_priority(1),
    );
    misp.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .with_priority(2),
    );
    misp
}

#[test]
fn a_search_is_repeated_through_a_passing_outage() {
    for code in [429, 502, 503, 504] {
        let misp = flaky(code, 2, fixture::SEARCH_STRINGS);
        let client = misp.builder().retries(2).build().unwrap();
        assert_eq!(client.search(&query()).unwrap().len(), 3, "{code}");
        assert_eq!(misp.requests().len(), 3, "{code}");
    }
}

#[test]
fn repeats_stop_at_the_configured_number() {
    let misp = flaky(503, 10, fixture::SEARCH_EMPTY);
    let client = misp.builder().retries(1).build().unwrap();

    let err = client.search(&query()).unwrap_err();
    assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(misp.requests().len(), 2);
}

#[test]
fn mistakes_and_internal_errors_are_not_repeated() {
    for code in [400, 403, 404, 500] {
        let misp = flaky(code, 10, fixture::SEARCH_EMPTY);
        let client = misp.builder().retries(3).build().unwrap();
        assert!(client.search(&query()).is_err(), "{code}");
        assert_eq!(misp.requests().len(), 1, "{code}");
    }
}

#[test]
fn a_sighting_is_never_repeated() {
    let misp = flaky(503, 10, fixture::SIGHTING_STRINGS);
    let client = misp.builder().retries(3).build().unwrap();

    let values = ["45.33.32.156".to_owned()];
    let err = client
        .add_sighting(&values, "wazuh", SightingKind::Sighting)
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
    assert_eq!(misp.requests().len(), 1);
}

#[test]
fn the_warninglist_check_is_repeated() {
    let misp = flaky(502, 1, fixture::WARNINGLIST_NONE);
    let client = misp.builder().retries(1).build().unwrap();
    assert!(
        client
            .check_warninglists(&["9.9.9.9".to_owned()])
            .unwrap()
            .is_empty()
    );
    assert_eq!(misp.requests().len(), 2);
}

#[test]
fn a_slow_misp_times_out_at_the_deadline_and_is_not_asked_again() {
    let misp = Misp::start();
    let slow = ResponseTemplate::new(200)
        .set_body_string(fixture::SEARCH_EMPTY)
        .set_delay(Duration::from_secs(5));
    misp.mount(Mock::given(method("POST")).respond_with(slow));

    let deadline = Instant::now() + Duration::from_millis(300);
    let client = misp
        .builder()
        .retries(5)
        .deadline(deadline)
        .build()
        .unwrap();
    let err = client.search(&query()).unwrap_err();

    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.code(), "timeout");
    assert!(err.is_transient());
    assert_eq!(misp.requests().len(), 1);
}

#[test]
fn a_slow_misp_times_out_per_request() {
    let misp = Misp::start();
    let slow = ResponseTemplate::new(200)
        .set_body_string(fixture::VERSION)
        .set_delay(Duration::from_secs(5));
    misp.mount(Mock::given(method("GET")).respond_with(slow));

    let client = misp
        .builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.version().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                source: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn nothing_is_sent_after_the_deadline() {
    let misp = Misp::start();
    let passed = Instant::now();
    let client = misp.builder().deadline(passed).build().unwrap();

    let err = client.version().unwrap_err();
    assert!(
        matches!(err, Error::Timeout { source: None, .. }),
        "{err:?}"
    );
    assert!(misp.requests().is_empty());
}

#[test]
fn a_pause_that_would_cross_the_deadline_ends_the_repeats() {
    let misp = flaky(503, 10, fixture::SEARCH_EMPTY);
    // Time for the first attempt, not for the 250 ms pause before a repeat.
    let deadline = Instant::now() + Duration::from_millis(150);
    let client = misp
        .builder()
        .retries(5)
        .deadline(deadline)
        .build()
        .unwrap();

    let err = client.search(&query()).unwrap_err();
    assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
    assert_eq!(misp.requests().len(), 1);
}
