//! Extraction from the alert shapes of Wazuh's common decoders. The alerts
//! are written for these tests, after the shapes real decoders produce;
//! addresses are public-looking but not real indicators.

use crate::support::{alert, found, obs};
use enrich_core::{DropReason, Prepared};

/// An alert of rule `rule_id` read at `location`, with `data` as given.
fn with_data(rule_id: &str, location: &str, data: &str) -> String {
    format!(
        r#"{{"timestamp":"2026-11-01T10:00:00.123+0000","rule":{{"level":5,"id":"{rule_id}","description":"test rule","groups":["test"]}},"agent":{{"id":"001","name":"web01","ip":"192.168.56.11"}},"manager":{{"name":"wazuh"}},"id":"1793527200.1234","decoder":{{"name":"test"}},"location":"{location}","data":{data}}}"#
    )
}

fn windows(event_id: &str, eventdata: &str) -> String {
    let data = format!(
        r#"{{"win":{{"system":{{"providerName":"Microsoft-Windows-Sysmon","eventID":"{event_id}","channel":"Microsoft-Windows-Sysmon/Operational","computer":"desk01.corp.lan"}},"eventdata":{eventdata}}}}}"#
    );
    with_data("92000", "EventChannel", &data)
}

#[test]
fn sshd_source_address() {
    let json = with_data(
        "5710",
        "/var/log/auth.log",
        r#"{"srcip":"185.220.101.1","srcport":"50022","srcuser":"admin"}"#,
    );
    assert_eq!(found(&json), [obs("ip", "185.220.101.1", "data.srcip")]);
}

#[test]
fn sshd_ipv6_source_is_canonical() {
    let json = with_data(
        "5710",
        "/var/log/auth.log",
        r#"{"srcip":"2A00:1450:4001:0::1"}"#,
    );
    assert_eq!(found(&json), [obs("ip", "2a00:1450:4001::1", "data.srcip")]);
}

#[test]
fn sshd_private_source_is_dropped_with_its_block() {
    let json = with_data("5760", "/var/log/auth.log", r#"{"srcip":"172.18.1.100"}"#);
    let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
    assert!(extraction.observables.is_empty());
    assert_eq!(extraction.dropped.len(), 1);
    assert_eq!(extraction.dropped[0].value, "172.18.1.100");
    assert_eq!(extraction.dropped[0].field, "data.srcip");
    assert_eq!(
        extraction.dropped[0].reason,
        DropReason::SpecialAddress("private-use")
    );
}

#[test]
fn web_access_absolute_url_gives_url_and_host() {
    let json = with_data(
        "31103",
        "/var/log/nginx/access.log",
        r#"{"protocol":"GET","srcip":"45.33.32.156","id":"200","url":"http://Malware.Example.NET/payload.exe?id=1"}"#,
    );
    assert_eq!(
        found(&json),
        [
            obs("ip", "45.33.32.156", "data.srcip"),
            obs(
                "url",
                "http://malware.example.net/payload.exe?id=1",
                "data.url"
            ),
            obs("domain", "malware.example.net", "data.url"),
        ]
    );
}

#[test]
fn web_access_relative_url_gives_nothing_and_no_complaint() {
    let json = with_data(
        "31101",
        "/var/log/nginx/access.log",
        r#"{"protocol":"GET","srcip":"45.33.32.156","id":"404","url":"/wp-login.php?x=http://a.example.com/"}"#,
    );
    let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
    assert_eq!(extraction.observables.len(), 1);
    assert!(extraction.dropped.is_empty(), "{:?}", extraction.dropped);
}

#[test]
fn web_access_url_on_an_address_gives_the_address() {
    let json = with_data(
        "31106",
        "/var/log/httpd/access_log",
        r#"{"srcip":"10.0.0.5","url":"http://185.220.101.7:8080/gate.php"}"#,
    );
    assert_eq!(
        found(&json),
        [
            obs("url", "http://185.220.101.7:8080/gate.php", "data.url"),
            obs("ip", "185.220.101.7", "data.url"),
        ]
    );
}

#[test]
fn web_access_url_on_a_private_host_is_dropped_whole() {
    let json = with_data(
        "31106",
        "/var/log/httpd/access_log",
        r#"{"url":"http://192.168.1.1/admin"}"#,
    );
    let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
    assert!(extraction.observables.is_empty());
    assert!(
        extraction
            .dropped
            .iter()
            .all(|d| d.reason == DropReason::SpecialAddress("private-use")),
        "{:?}",
        extraction.dropped
    );
}

#[test]
fn nginx_ipv4_mapped_source_is_looked_up_as_ipv4() {
    let json = with_data(
        "31101",
        "/var/log/syslog",
        r#"{"srcip":"::ffff:185.220.101.1"}"#,
    );
    assert_eq!(found(&json), [obs("ip", "185.220.101.1", "data.srcip")]);
}

#[test]
fn sysmon_1_hashes_upper_case_full_set() {
    let json = windows(
        "1",
        r#"{"image":"C:\\\\Users\\\\Public\\\\run.exe","hashes":"SHA1=5A1B0C9E2D3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B,MD5=0A1B2C3D4E5F60718293A4B5C6D7E8F9,SHA256=1F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A7988,IMPHASH=F0E1D2C3B4A5968778695A4B3C2D1E0F"}"#,
    );
    let field = "data.win.eventdata.hashes";
    assert_eq!(
        found(&json),
        [
            obs("sha1", "5a1b0c9e2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b", field),
            obs("md5", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", field),
            obs(
                "sha256",
                "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988",
                field
            ),
            obs("imphash", "f0e1d2c3b4a5968778695a4b3c2d1e0f", field),
        ]
    );
}

#[test]
fn sysmon_1_hashes_lower_case_subset() {
    let json = windows(
        "1",
        r#"{"hashes":"sha256=1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988,md5=0a1b2c3d4e5f60718293a4b5c6d7e8f9"}"#,
    );
    let kinds: Vec<String> = found(&json).into_iter().map(|(kind, _, _)| kind).collect();
    assert_eq!(kinds, ["sha256", "md5"]);
}

#[test]
fn sysmon_15_hash_field_reads_like_hashes() {
    let json = windows("15", r#"{"hash":"MD5=0A1B2C3D4E5F60718293A4B5C6D7E8F9"}"#);
    assert_eq!(
        found(&json),
        [obs(
            "md5",
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "data.win.eventdata.hash"
        )]
    );
}

#[test]
fn sysmon_3_source_and_destination() {
    let json = windows(
        "3",
        r#"{"protocol":"tcp","initiated":"true","sourceIp":"192.168.0.121","sourcePort":"52094","destinationIp":"185.220.101.1","destinationPort":"443","destinationHostname":"-"}"#,
    );
    assert_eq!(
        found(&json),
        [obs(
            "ip",
            "185.220.101.1",
            "data.win.eventdata.destinationIp"
        )]
    );
}

#[test]
fn sysmon_22_query_name_and_result_addresses() {
    let json = windows(
        "22",
        r#"{"queryName":"Cdn.Example.COM.","queryStatus":"0","queryResults":"type:  5 edge.example.net;::ffff:185.220.101.1;185.220.101.7;2a00:1450:4001::2;::ffff:10.1.2.3;"}"#,
    );
    assert_eq!(
        found(&json),
        [
            obs("domain", "cdn.example.com", "data.win.eventdata.queryName"),
            obs("ip", "185.220.101.1", "data.win.eventdata.queryResults"),
            obs("ip", "185.220.101.7", "data.win.eventdata.queryResults"),
            obs("ip", "2a00:1450:4001::2", "data.win.eventdata.queryResults"),
        ]
    );
}

#[test]
fn sysmon_22_local_name_is_dropped() {
    let json = windows("22", r#"{"queryName":"wpad","queryResults":"-"}"#);
    let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
    assert!(extraction.observables.is_empty());
    assert_eq!(extraction.dropped[0].reason, DropReason::LocalName);
}

#[test]
fn linux_sysmon_event_data() {
    let json = with_data(
        "100200",
        "/var/log/syslog",
        r#"{"system":{"eventID":"3"},"eventdata":{"sourceIp":"10.0.2.15","destinationIp":"45.33.32.156","hashes":"SHA256=1F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A7988"}}"#,
    );
    assert_eq!(
        found(&json),
        [
            obs("ip", "45.33.32.156", "data.eventdata.destinationIp"),
            obs(
                "sha256",
                "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988",
                "data.eventdata.hashes"
            ),
        ]
    );
}

#[test]
fn syscheck_after_hashes_only() {
    let json = r#"{"rule":{"level":7,"id":"550","description":"Integrity checksum changed."},"agent":{"id":"001","name":"web01"},"id":"1793527200.99","location":"syscheck","syscheck":{"path":"/usr/bin/tool","event":"modified","md5_before":"00112233445566778899aabbccddeeff","md5_after":"FFEEDDCCBBAA99887766554433221100","sha1_after":"00112233445566778899aabbccddeeff00112233","sha256_after":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}"#;
    assert_eq!(
        found(json),
        [
            obs(
                "md5",
                "ffeeddccbbaa99887766554433221100",
                "syscheck.md5_after"
            ),
            obs(
                "sha1",
                "00112233445566778899aabbccddeeff00112233",
                "syscheck.sha1_after"
            ),
            obs(
                "sha256",
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                "syscheck.sha256_after"
            ),
        ]
    );
}

#[test]
fn suricata_alert_source_and_destination() {
    let json = with_data(
        "86601",
        "/var/log/suricata/eve.json",
        r#"{"event_type":"alert","src_ip":"185.220.101.1","src_port":"5555","dest_ip":"45.33.32.156","dest_port":"80","proto":"TCP","alert":{"signature":"test signature"}}"#,
    );
    assert_eq!(
        found(&json),
        [
            obs("ip", "185.220.101.1", "data.src_ip"),
            obs("ip", "45.33.32.156", "data.dest_ip")
        ]
    );
}

#[test]
fn suricata_dns_rrname() {
    let json = with_data(
        "86602",
        "/var/log/suricata/eve.json",
        r#"{"event_type":"dns","src_ip":"192.168.1.101","dest_ip":"192.168.1.1","dns":{"type":"query","rrname":"Bad.Example.ORG.","rrtype":"A"}}"#,
    );
    assert_eq!(
        found(&json),
        [obs("domain", "bad.example.org", "data.dns.rrname")]
    );
}

#[test]
fn suricata_http_hostname_joins_relative_url() {
    let json = with_data(
        "86603",
        "/var/log/suricata/eve.json",
        r#"{"event_type":"http","src_ip":"10.0.0.8","dest_ip":"45.33.32.156","http":{"hostname":"dl.example.net","url":"/files/a.exe?x=1","http_method":"GET"}}"#,
    );
    assert_eq!(
        found(&json),
        [
            obs("ip", "45.33.32.156", "data.dest_ip"),
            obs("domain", "dl.example.net", "data.http.hostname"),
            obs(
                "url",
                "http://dl.example.net/files/a.exe?x=1",
                "data.http.url"
            ),
        ]
    );
}

#[test]
fn suricata_http_port_other_than_80_is_kept_in_the_url() {
    let json = with_data(
        "86603",
        "/var/log/suricata/eve.json",
        r#"{"http":{"hostname":"dl.example.net","http_port":"8080","url":"/a"}}"#,
    );
    let urls: Vec<String> = found(&json)
        .into_iter()
        .filter(|(kind, _, _)| kind == "url")
        .map(|(_, v, _)| v)
        .collect();
    assert_eq!(urls, ["http://dl.example.net:8080/a"]);
}

#[test]
fn palo_alto_source_and_destination_address() {
    let json = with_data(
        "64503",
        "10.0.0.3",
        r#"{"type":"THREAT","source_address":"185.220.101.1","destination_address":"172.30.250.61","nat_source_ip":"185.220.101.1"}"#,
    );
    assert_eq!(
        found(&json),
        [obs("ip", "185.220.101.1", "data.source_address")]
    );
}

#[test]
fn windows_4625_logon_address() {
    let json = r#"{"rule":{"level":5,"id":"60122","description":"Logon failure"},"agent":{"id":"002","name":"win01"},"id":"1793527200.5","location":"EventChannel","data":{"win":{"system":{"eventID":"4625","channel":"Security"},"eventdata":{"targetUserName":"administrator","logonType":"3","ipAddress":"::ffff:185.220.101.7","ipPort":"58921"}}}}"#;
    assert_eq!(
        found(json),
        [obs("ip", "185.220.101.7", "data.win.eventdata.ipAddress")]
    );

    let local = json.replace("::ffff:185.220.101.7", "-");
    assert!(found(&local).is_empty());
}

#[test]
fn aws_source_and_remote_addresses() {
    let trail = with_data(
        "80202",
        "Wazuh-AWS",
        r#"{"integration":"aws","aws":{"eventName":"ConsoleLogin","sourceIPAddress":"45.33.32.156","source":"cloudtrail"}}"#,
    );
    assert_eq!(
        found(&trail),
        [obs("ip", "45.33.32.156", "data.aws.sourceIPAddress")]
    );

    let s3 = with_data(
        "80368",
        "Wazuh-AWS",
        r#"{"integration":"aws","aws":{"remote_ip":"185.220.101.1","requester":"-","operation":"REST.GET.OBJECT"}}"#,
    );
    assert_eq!(
        found(&s3),
        [obs("ip", "185.220.101.1", "data.aws.remote_ip")]
    );
}

#[test]
fn aws_service_name_as_source_is_not_an_observable() {
    let trail = with_data(
        "80202",
        "Wazuh-AWS",
        r#"{"integration":"aws","aws":{"sourceIPAddress":"cloudtrail.amazonaws.com"}}"#,
    );
    let extraction = enrich_core::extract_detailed(&alert(&trail), &Prepared::default());
    assert!(extraction.observables.is_empty());
    assert_eq!(
        extraction.dropped[0].reason,
        DropReason::Malformed(enrich_core::Kind::Ip)
    );
}

#[test]
fn office365_client_and_actor_addresses() {
    let json = with_data(
        "91545",
        "office365",
        r#"{"integration":"office365","office365":{"Operation":"UserLoggedIn","ClientIP":"185.220.101.1:50123","ActorIpAddress":"[2a00:1450:4001::1]:443"}}"#,
    );
    assert_eq!(
        found(&json),
        [
            obs("ip", "185.220.101.1", "data.office365.ClientIP"),
            obs("ip", "2a00:1450:4001::1", "data.office365.ActorIpAddress"),
        ]
    );
}

#[test]
fn office365_sanitized_values_are_skipped_quietly() {
    let json = with_data(
        "91700",
        "office365",
        r#"{"integration":"office365","office365":{"ClientIP":"sanitized","ActorIpAddress":"sanitized","Operation":"FileMalwareDetected"}}"#,
    );
    let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
    assert_eq!(extraction, Default::default());
}

#[test]
fn gcp_firewall_connection_addresses() {
    let json = with_data(
        "65048",
        "Wazuh-GCloud",
        r#"{"integration":"gcp","gcp":{"jsonPayload":{"connection":{"src_ip":"185.220.101.1","src_port":"43710","dest_ip":"10.142.0.2","dest_port":"22"},"disposition":"DENIED"}}}"#,
    );
    assert_eq!(
        found(&json),
        [obs(
            "ip",
            "185.220.101.1",
            "data.gcp.jsonPayload.connection.src_ip"
        )]
    );
}

#[test]
fn gcp_masked_addresses_are_skipped_quietly() {
    let json = with_data(
        "65048",
        "Wazuh-GCloud",
        r#"{"integration":"gcp","gcp":{"jsonPayload":{"connection":{"src_ip":"XX.XX.XX.XX","dest_ip":"XX.X.X.X"}}}}"#,
    );
    let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
    assert_eq!(extraction, Default::default());
}

#[test]
fn gcp_audit_caller_address() {
    let json = with_data(
        "65100",
        "Wazuh-GCloud",
        r#"{"integration":"gcp","gcp":{"protoPayload":{"requestMetadata":{"callerIp":"45.33.32.156"}}}}"#,
    );
    assert_eq!(
        found(&json),
        [obs(
            "ip",
            "45.33.32.156",
            "data.gcp.protoPayload.requestMetadata.callerIp"
        )]
    );
}

#[test]
fn placeholders_give_nothing() {
    for placeholder in ["sanitized", "XX.X.X.X", "-", "", "  "] {
        let data =
            format!(r#"{{"srcip":"{placeholder}","dstip":"{placeholder}","url":"{placeholder}"}}"#);
        let json = with_data("5710", "/var/log/auth.log", &data);
        let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
        assert_eq!(extraction, Default::default(), "{placeholder:?}");
    }
}

#[test]
fn value_in_several_fields_is_listed_once_under_the_first() {
    let json = with_data(
        "5710",
        "/var/log/auth.log",
        r#"{"srcip":"185.220.101.1","src_ip":"185.220.101.1","win":{"eventdata":{"ipAddress":"::ffff:185.220.101.1"}}}"#,
    );
    assert_eq!(found(&json), [obs("ip", "185.220.101.1", "data.srcip")]);
}

#[test]
fn documentation_addresses_of_public_samples_are_dropped() {
    // The public sample alerts use documentation ranges; hygiene drops them.
    for addr in [
        "192.0.2.10",
        "198.51.100.7",
        "203.0.113.9",
        "2001:db8:85a3::8a2e:370:7334",
    ] {
        let data = format!(r#"{{"srcip":"{addr}"}}"#);
        let json = with_data("5710", "/var/log/auth.log", &data);
        let extraction = enrich_core::extract_detailed(&alert(&json), &Prepared::default());
        assert!(extraction.observables.is_empty(), "{addr}");
        assert_eq!(
            extraction.dropped[0].reason,
            DropReason::SpecialAddress("documentation")
        );
    }
}

#[test]
fn own_events_are_recognised_and_yield_nothing() {
    let by_location = r#"{"rule":{"level":12,"id":"100622","description":"MISP match"},"id":"1.1","location":"misp","data":{"misp":{"value":"185.220.101.1"},"srcip":"185.220.101.1"}}"#;
    let by_agent_location = r#"{"rule":{"level":12,"id":"100622","description":"MISP match"},"id":"1.2","location":"[001] (web01) any->misp","data":{"srcip":"185.220.101.1"}}"#;
    let by_integration = r#"{"rule":{"level":12,"id":"100622","description":"MISP match"},"id":"1.3","location":"somewhere","data":{"integration":"misp","srcip":"185.220.101.1"}}"#;
    for json in [by_location, by_agent_location, by_integration] {
        assert!(enrich_core::is_own_event(&alert(json)), "{json}");
        assert!(found(json).is_empty(), "{json}");
    }

    let virustotal = with_data(
        "87105",
        "virustotal",
        r#"{"integration":"virustotal","srcip":"185.220.101.1"}"#,
    );
    assert!(!enrich_core::is_own_event(&alert(&virustotal)));
    let misp_in_path = with_data(
        "5710",
        "/var/log/misp/auth.log",
        r#"{"srcip":"185.220.101.1"}"#,
    );
    assert!(!enrich_core::is_own_event(&alert(&misp_in_path)));
}

#[test]
fn alert_without_data_has_no_observables() {
    let json = r#"{"rule":{"level":3,"id":"502","description":"Wazuh server started."},"id":"1.9","location":"wazuh-monitord"}"#;
    assert!(found(json).is_empty());
}
