//! A logger that keeps every record of the test binary, so that tests can
//! check what the client logs, and that the key is never part of it.

use crate::{KEY, Misp, fixture};
use log::{Level, LevelFilter, Log, Metadata, Record};
use misp_client::{ApiKey, Client, SearchQuery};
use std::sync::{Mutex, Once};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

static RECORDS: Mutex<Vec<(Level, String)>> = Mutex::new(Vec::new());

struct Keeper;

impl Log for Keeper {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        // Only the client's own records: the mock server logs too.
        if !record.target().starts_with("misp_client") {
            return;
        }
        let line = format!("{}", record.args());
        RECORDS.lock().unwrap().push((record.level(), line));
    }

    fn flush(&self) {}
}

/// Installs the keeper once for the whole test binary.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Keeper).unwrap();
        log::set_max_level(LevelFilter::Trace);
    });
}

/// The records so far that hold `text`.
pub fn records_with(text: &str) -> Vec<(Level, String)> {
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, line)| line.contains(text))
        .cloned()
        .collect()
}

#[test]
fn requests_are_logged_at_debug_with_status_and_bodies_at_trace() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/attributes/restSearch"))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::SEARCH_EMPTY)),
    );
    let value = "logged-value-5d1f.com";
    misp.client().search(&SearchQuery::values([value])).unwrap();

    let debug = records_with("POST /attributes/restSearch: HTTP 200 in");
    assert!(
        debug.iter().any(|(level, _)| *level == Level::Debug),
        "{debug:?}"
    );
    let traced = records_with(value);
    assert!(
        traced.iter().all(|(level, _)| *level == Level::Trace),
        "{traced:?}"
    );
    assert!(!traced.is_empty());
}

#[test]
fn turning_tls_verification_off_warns_once_at_build() {
    install();
    let url = "https://tls-off-a3f9.invalid";
    Client::builder(url, ApiKey::new(KEY))
        .verify_tls(false)
        .build()
        .unwrap();

    let warned = records_with(url);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0].0, Level::Warn);
    assert!(warned[0].1.contains("verification is off"), "{warned:?}");
}

#[test]
fn the_key_never_reaches_a_log_an_error_or_debug_output() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(403).set_body_string(fixture::ERROR_403)),
    );
    misp.mount(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503).set_body_string(fixture::ERROR_500)),
    );
    let client = misp.builder().retries(1).build().unwrap();

    let refused = client
        .search(&SearchQuery::values(["45.33.32.156"]))
        .unwrap_err();
    let outage = client.version().unwrap_err();
    for err in [&refused, &outage] {
        assert!(!err.to_string().contains(KEY));
        assert!(!format!("{err:?}").contains(KEY));
    }
    assert!(!format!("{client:?}").contains(KEY));
    assert!(format!("{client:?}").contains("[redacted]"));
    assert!(!format!("{:?}", misp.builder()).contains(KEY));

    // The repeat of the version check logged a warning; none of the
    // records of the whole test binary holds the key.
    assert!(!records_with("GET /servers/getVersion failed (HTTP 503)").is_empty());
    assert!(records_with(KEY).is_empty());
}
