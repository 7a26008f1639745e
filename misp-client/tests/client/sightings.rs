//! `POST /sightings/add`: success, and MISP's HTTP-200 refusal.

use crate::{KEY, Misp, fixture};
use misp_client::{Error, SightingKind};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn values(list: &[&str]) -> Vec<String> {
    list.iter().map(|v| v.to_string()).collect()
}

#[test]
fn sighting_sends_values_source_and_type_and_reads_the_sighting() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/sightings/add"))
            .and(header("authorization", KEY))
            .and(header("content-type", "application/json"))
            .and(body_json(json!({
                "values": ["45.33.32.156", "update-cdn-7f3a.com"],
                "source": "wazuh",
                "type": "0"
            })))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::SIGHTING_STRINGS)),
    );

    let sent = values(&["45.33.32.156", "update-cdn-7f3a.com"]);
    let sighting = misp
        .client()
        .add_sighting(&sent, "wazuh", SightingKind::Sighting)
        .unwrap();
    assert_eq!(
        (sighting.id, sighting.attribute_id, sighting.event_id),
        (5512, 4021, 88)
    );
    assert_eq!(sighting.date_sighting, 1_767_318_000);
    assert_eq!(sighting.source, "wazuh");
    assert_eq!(sighting.kind, Some(SightingKind::Sighting));
}

#[test]
fn false_positive_sighting_with_integer_ids() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/sightings/add"))
            .and(body_json(
                json!({"values": ["185.220.101.1"], "source": "soc", "type": "1"}),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::SIGHTING_INTEGERS)),
    );

    let sighting = misp
        .client()
        .add_sighting(
            &values(&["185.220.101.1"]),
            "soc",
            SightingKind::FalsePositive,
        )
        .unwrap();
    assert_eq!((sighting.id, sighting.attribute_id), (5513, 4022));
    assert_eq!(sighting.kind, Some(SightingKind::FalsePositive));
}

#[test]
fn http_200_with_only_a_message_is_a_refusal() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/sightings/add"))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::SIGHTING_REFUSED)),
    );

    let err = misp
        .client()
        .add_sighting(
            &values(&["198.51.100.7"]),
            "wazuh",
            SightingKind::Expiration,
        )
        .unwrap_err();
    let Error::SightingRefused { message } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("no attribute matches"), "{message}");
    assert_eq!(err.code(), "sighting_refused");
    assert!(!err.is_transient());
}

#[test]
fn a_sighting_without_values_is_not_sent() {
    let misp = Misp::start();
    let err = misp
        .client()
        .add_sighting(&[], "wazuh", SightingKind::Sighting)
        .unwrap_err();
    assert!(matches!(err, Error::EmptyQuery), "{err:?}");
    assert!(misp.requests().is_empty());
}
