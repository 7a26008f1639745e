//! `POST /warninglists/checkValue`: `[]` for no hits, else a map from each
//! value to the lists it is on.

use crate::{KEY, Misp, fixture};
use misp_client::WarninglistHit;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn hit(value: &str, id: u64, name: &str) -> WarninglistHit {
    WarninglistHit {
        value: value.into(),
        id,
        name: name.into(),
    }
}

#[test]
fn values_on_no_list_give_no_hits() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/warninglists/checkValue"))
            .and(header("authorization", KEY))
            .and(header("content-type", "application/json"))
            .and(body_json(json!(["45.33.32.156"])))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::WARNINGLIST_NONE)),
    );

    let hits = misp
        .client()
        .check_warninglists(&["45.33.32.156".to_owned()])
        .unwrap();
    assert!(hits.is_empty());
    assert_eq!(misp.requests().len(), 1);
}

#[test]
fn hits_name_the_value_and_each_list_in_misp_order() {
    let misp = Misp::start();
    misp.mount(
        Mock::given(method("POST"))
            .and(path("/warninglists/checkValue"))
            .and(body_json(json!([
                "9.9.9.9",
                "cdn-assets-4c1e.net",
                "45.33.32.156"
            ])))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture::WARNINGLIST_HITS)),
    );

    let values = ["9.9.9.9", "cdn-assets-4c1e.net", "45.33.32.156"].map(String::from);
    let hits = misp.client().check_warninglists(&values).unwrap();
    assert_eq!(
        hits,
        [
            hit("9.9.9.9", 41, "List of known IPv4 public DNS resolvers"),
            hit(
                "cdn-assets-4c1e.net",
                57,
                "Top 10 000 websites from a popularity ranking"
            ),
            hit("cdn-assets-4c1e.net", 63, "List of known CDN hostnames"),
        ]
    );
}

#[test]
fn no_values_means_no_request() {
    let misp = Misp::start();
    assert!(misp.client().check_warninglists(&[]).unwrap().is_empty());
    assert!(misp.requests().is_empty());
}
