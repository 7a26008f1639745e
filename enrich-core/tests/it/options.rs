//! How the options change what is extracted.

use crate::support::{alert, found_with, obs, prepared};
use enrich_core::DropReason;

const SYSMON_1: &str = r#"{"rule":{"level":5,"id":"92000","description":"process"},"id":"1.1","location":"EventChannel","data":{"win":{"eventdata":{"hashes":"SHA1=5A1B0C9E2D3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B,MD5=0A1B2C3D4E5F60718293A4B5C6D7E8F9,SHA256=1F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A7988","destinationIp":"185.220.101.1"}}}}"#;

const PROXY: &str = r#"{"rule":{"level":5,"id":"100300","description":"proxy"},"id":"1.2","location":"/var/log/squid/access.log","data":{"srcip":"185.220.101.7","proxy":{"client":{"addr":"45.33.32.156"},"target":"HTTPS://Dl.Example.NET/x","note":"seen c2.example.org","sum":"0A1B2C3D4E5F60718293A4B5C6D7E8F9","list":["185.220.101.9","cdn.example.com"]}}}"#;

#[test]
fn kinds_limit_extraction_to_the_named_kinds() {
    let config = prepared(r#"{"kinds": ["sha256"]}"#);
    let found = found_with(SYSMON_1, &config);
    assert_eq!(
        found,
        [obs(
            "sha256",
            "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988",
            "data.win.eventdata.hashes"
        )]
    );
}

#[test]
fn url_off_keeps_the_host_of_a_url() {
    let config = prepared(r#"{"kinds": ["domain"]}"#);
    let json = r#"{"rule":{"id":"31100"},"location":"/var/log/nginx/access.log","data":{"url":"http://dl.example.net/a"}}"#;
    assert_eq!(
        found_with(json, &config),
        [obs("domain", "dl.example.net", "data.url")]
    );
}

#[test]
fn extra_fields_with_a_kind_are_read_as_that_kind() {
    let config = prepared(
        r#"{"extra_fields": [
            {"field": "data.proxy.client.addr", "kind": "ip"},
            {"field": "data.proxy.target", "kind": "url"},
            {"field": "data.proxy.sum", "kind": "imphash"}
        ]}"#,
    );
    assert_eq!(
        found_with(PROXY, &config),
        [
            obs("ip", "185.220.101.7", "data.srcip"),
            obs("ip", "45.33.32.156", "data.proxy.client.addr"),
            obs("url", "https://dl.example.net/x", "data.proxy.target"),
            obs("domain", "dl.example.net", "data.proxy.target"),
            obs(
                "imphash",
                "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                "data.proxy.sum"
            ),
        ]
    );
}

#[test]
fn extra_fields_without_a_kind_are_guessed_value_by_value() {
    let config = prepared(
        r#"{"extra_fields": [
            {"field": "data.proxy.sum"},
            {"field": "data.proxy.list"},
            {"field": "data.proxy.note"}
        ]}"#,
    );
    let found = found_with(PROXY, &config);
    assert_eq!(
        found[1..],
        [
            obs("md5", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "data.proxy.sum"),
            obs("ip", "185.220.101.9", "data.proxy.list"),
            obs("domain", "cdn.example.com", "data.proxy.list"),
        ],
        "free text ({}) is not an observable",
        "data.proxy.note"
    );
}

#[test]
fn ignore_fields_skip_builtin_fields_and_their_subtrees() {
    let config = prepared(r#"{"ignore_fields": ["data.win"]}"#);
    assert!(found_with(SYSMON_1, &config).is_empty());

    let config = prepared(r#"{"ignore_fields": ["data.win.eventdata.hashes"]}"#);
    assert_eq!(
        found_with(SYSMON_1, &config),
        [obs(
            "ip",
            "185.220.101.1",
            "data.win.eventdata.destinationIp"
        )]
    );
}

#[test]
fn allow_cidrs_drop_addresses_and_urls_on_them() {
    let config = prepared(r#"{"allow_cidrs": ["185.220.101.0/24"]}"#);
    let json = r#"{"rule":{"id":"31100"},"location":"x","data":{"srcip":"185.220.101.1","url":"http://185.220.101.2/a","dstip":"45.33.32.156"}}"#;
    let extraction = enrich_core::extract_detailed(&alert(json), &config);
    let values: Vec<&str> = extraction
        .observables
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(values, ["45.33.32.156"]);
    assert_eq!(extraction.dropped.len(), 3);
    assert!(
        extraction
            .dropped
            .iter()
            .all(|d| d.reason == DropReason::Allowlisted)
    );
}

#[test]
fn allow_domains_drop_names_subdomains_and_urls_on_them() {
    let config = prepared(r#"{"allow_domains": ["example.net"]}"#);
    let json = r#"{"rule":{"id":"86603"},"location":"x","data":{"dns":{"rrname":"example.net"},"http":{"hostname":"dl.example.net","url":"/a"},"tls":{"sni":"example.network"}}}"#;
    let extraction = enrich_core::extract_detailed(&alert(json), &config);
    let values: Vec<&str> = extraction
        .observables
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(values, ["example.network"]);
    let dropped: Vec<&str> = extraction
        .dropped
        .iter()
        .map(|d| d.value.as_str())
        .collect();
    assert_eq!(
        dropped,
        ["example.net", "dl.example.net", "http://dl.example.net/a"]
    );
}

#[test]
fn max_observables_keeps_the_first_and_reports_the_rest() {
    let config = prepared(r#"{"max_observables": 2}"#);
    let extraction = enrich_core::extract_detailed(&alert(SYSMON_1), &config);
    let kinds: Vec<String> = extraction
        .observables
        .iter()
        .map(|o| o.kind.to_string())
        .collect();
    assert_eq!(kinds, ["ip", "sha1"]);
    let over: Vec<DropReason> = extraction.dropped.iter().map(|d| d.reason).collect();
    assert_eq!(over, [DropReason::OverCap, DropReason::OverCap]);
}

#[test]
fn options_file_text_as_users_write_it() {
    // The keys as they appear in the <options> JSON of ossec.conf.
    let config = prepared(
        r#"{"kinds":["ip","domain","url","md5","sha1","sha256","sha512","imphash"],
            "extra_fields":[],"ignore_fields":[],"allow_cidrs":["2a00:1450::/32"],
            "allow_domains":[],"to_ids_only":true,"published_only":false,
            "enforce_warninglist":true,"include_event_tags":true,"limit":50,
            "report_no_match":false,"max_observables":64}"#,
    );
    let json = r#"{"rule":{"id":"5710"},"location":"x","data":{"srcip":"2a00:1450:4001::1"}}"#;
    assert!(found_with(json, &config).is_empty());
}
