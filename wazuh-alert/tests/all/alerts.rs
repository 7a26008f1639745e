//! Every fixture parses, and its typed and dotted parts read as Wazuh
//! wrote them.

use wazuh_alert::{Alert, Location};

use crate::fixture;

const ALL: &[(&str, &str)] = &[
    ("fim-added.json", fixture!("fim-added.json")),
    ("fim-deleted.json", fixture!("fim-deleted.json")),
    ("fim-modified.json", fixture!("fim-modified.json")),
    (
        "linux-sysmon-eid3-network.json",
        fixture!("linux-sysmon-eid3-network.json"),
    ),
    (
        "manager-started-no-data.json",
        fixture!("manager-started-no-data.json"),
    ),
    ("misp-own-event.json", fixture!("misp-own-event.json")),
    ("paloalto-threat.json", fixture!("paloalto-threat.json")),
    (
        "sshd-failed-password.json",
        fixture!("sshd-failed-password.json"),
    ),
    ("sshd-ipv6-agent.json", fixture!("sshd-ipv6-agent.json")),
    ("suricata-alert.json", fixture!("suricata-alert.json")),
    ("suricata-dns.json", fixture!("suricata-dns.json")),
    (
        "sysmon-eid1-process-create.json",
        fixture!("sysmon-eid1-process-create.json"),
    ),
    (
        "sysmon-eid22-dns-query.json",
        fixture!("sysmon-eid22-dns-query.json"),
    ),
    (
        "sysmon-eid3-network.json",
        fixture!("sysmon-eid3-network.json"),
    ),
    ("web-access-sqli.json", fixture!("web-access-sqli.json")),
    (
        "web-iis-windows-path.json",
        fixture!("web-iis-windows-path.json"),
    ),
];

fn parse(text: &str) -> Alert {
    Alert::from_json(text).unwrap()
}

#[test]
fn every_fixture_is_one_compact_line_that_parses() {
    for (name, text) in ALL {
        let line = text.strip_suffix('\n').unwrap_or(text);
        assert!(!line.contains('\n'), "{name} is not one line");
        let alert = Alert::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!alert.id().is_empty(), "{name} has no id");
        assert!(alert.rule().level > 0, "{name} has no level");
        assert!(!alert.rule().groups.is_empty(), "{name} has no groups");
        // Same length once re-encoded compactly: no whitespace between tokens.
        let compact = serde_json::to_string(alert.raw()).unwrap();
        assert_eq!(compact.len(), line.len(), "{name} is not compact");
    }
}

#[test]
fn sshd_failed_password() {
    let alert = parse(fixture!("sshd-failed-password.json"));
    assert_eq!(alert.rule().id, "5760");
    assert_eq!(alert.rule().level, 5);
    assert_eq!(alert.rule().firedtimes, Some(3));
    assert_eq!(
        alert.rule().mitre.as_ref().unwrap().id,
        ["T1110.001", "T1021.004"]
    );
    assert_eq!(alert.get_str("data.srcip"), Some("185.220.101.1"));
    assert_eq!(alert.get_str("predecoder.program_name"), Some("sshd"));
    assert_eq!(
        alert.fields().decoder.as_ref().unwrap().parent.as_deref(),
        Some("sshd")
    );
    let agent = alert.agent().unwrap();
    assert_eq!(
        (agent.id.as_str(), agent.ip.as_deref()),
        ("001", Some("192.0.2.10"))
    );
}

#[test]
fn an_ipv6_agent_keeps_its_address() {
    let alert = parse(fixture!("sshd-ipv6-agent.json"));
    assert_eq!(alert.agent().unwrap().ip.as_deref(), Some("2001:db8:10::6"));
    assert_eq!(alert.get_str("data.srcip"), Some("2a00:1450:4001::1"));
    let location = Location::for_alert(alert.agent(), "misp");
    assert_eq!(
        location.escaped(),
        "[006] (bastion-v6) 2001|:db8|:10|:|:6->misp"
    );
}

#[test]
fn web_access_logs_carry_the_client_and_url() {
    let alert = parse(fixture!("web-access-sqli.json"));
    assert_eq!(alert.get_str("data.srcip"), Some("45.33.32.156"));
    assert_eq!(alert.get_str("data.id"), Some("200"));
    assert!(
        alert
            .get_str("data.url")
            .unwrap()
            .contains("UNION%20SELECT")
    );
    assert!(alert.rule().groups.iter().any(|g| g == "sql_injection"));

    let alert = parse(fixture!("web-iis-windows-path.json"));
    assert_eq!(
        alert.location(),
        r"C:\inetpub\logs\LogFiles\W3SVC1\u_ex260314.log"
    );
}

#[test]
fn windows_sysmon_event_data_keeps_doubled_backslashes() {
    let alert = parse(fixture!("sysmon-eid1-process-create.json"));
    assert_eq!(alert.get_str("data.win.system.eventID"), Some("1"));
    assert_eq!(
        alert.get_str("data.win.eventdata.image"),
        Some(r"C:\\Windows\\System32\\cmd.exe")
    );
    let hashes = alert.get_str("data.win.eventdata.hashes").unwrap();
    let parts: Vec<&str> = hashes
        .split(',')
        .map(|p| p.split('=').next().unwrap())
        .collect();
    assert_eq!(parts, ["SHA1", "MD5", "SHA256", "IMPHASH"]);
    assert!(
        !hashes
            .chars()
            .any(|c| c.is_ascii_lowercase() && c.is_ascii_hexdigit())
    );
    assert!(alert.fields().full_log.is_none());
}

#[test]
fn sysmon_network_and_dns_events_name_their_peers() {
    let alert = parse(fixture!("sysmon-eid3-network.json"));
    assert_eq!(alert.get_str("data.win.system.eventID"), Some("3"));
    assert_eq!(
        alert.get_str("data.win.eventdata.destinationIp"),
        Some("185.220.101.1")
    );
    assert_eq!(alert.location(), "EventChannel");

    let alert = parse(fixture!("sysmon-eid22-dns-query.json"));
    assert_eq!(alert.get_str("data.win.system.eventID"), Some("22"));
    assert_eq!(
        alert.get_str("data.win.eventdata.queryName"),
        Some("updates.evil-fixture.net")
    );
    assert!(
        alert
            .get_str("data.win.eventdata.queryResults")
            .unwrap()
            .contains("185.220.101.1")
    );
}

#[test]
fn linux_sysmon_puts_event_data_at_the_top_of_data() {
    let alert = parse(fixture!("linux-sysmon-eid3-network.json"));
    assert_eq!(alert.get_str("data.system.eventID"), Some("3"));
    assert_eq!(
        alert.get_str("data.eventdata.destinationIp"),
        Some("45.33.32.156")
    );
    assert_eq!(alert.get_str("data.eventdata.image"), Some("/usr/bin/curl"));
}

#[test]
fn file_integrity_alerts_have_syscheck_and_no_data() {
    for (text, event) in [
        (fixture!("fim-added.json"), "added"),
        (fixture!("fim-modified.json"), "modified"),
        (fixture!("fim-deleted.json"), "deleted"),
    ] {
        let alert = parse(text);
        let syscheck = alert.fields().syscheck.as_ref().unwrap();
        assert_eq!(syscheck.event.as_deref(), Some(event));
        assert_eq!(syscheck.sha256_after.as_ref().map(String::len), Some(64));
        assert!(alert.get("data").is_none());
        assert_eq!(alert.location(), "syscheck");
    }

    let modified = parse(fixture!("fim-modified.json"));
    let syscheck = modified.fields().syscheck.as_ref().unwrap();
    assert_ne!(syscheck.md5_before, syscheck.md5_after);
    assert_eq!(
        modified.get_str("syscheck.changed_attributes.2"),
        Some("md5")
    );
}

#[test]
fn suricata_alerts_keep_eve_fields_as_text() {
    let alert = parse(fixture!("suricata-alert.json"));
    assert_eq!(alert.get_str("data.src_ip"), Some("185.220.101.1"));
    assert_eq!(alert.get_str("data.src_port"), Some("44321"));
    assert_eq!(alert.get_str("data.alert.signature_id"), Some("2001219"));

    let alert = parse(fixture!("suricata-dns.json"));
    assert_eq!(alert.get_str("data.event_type"), Some("dns"));
    assert_eq!(
        alert.get_str("data.dns.rrname"),
        Some("updates.evil-fixture.net")
    );
}

#[test]
fn a_firewall_log_received_by_the_manager_is_agent_000() {
    let alert = parse(fixture!("paloalto-threat.json"));
    let agent = alert.agent().unwrap();
    assert!(agent.is_manager());
    assert_eq!(agent.ip, None);
    assert_eq!(
        alert.get_str("data.destination_address"),
        Some("185.220.101.1")
    );
    assert_eq!(Location::for_alert(alert.agent(), "misp").as_str(), "misp");
}

#[test]
fn an_alert_without_data_is_still_an_alert() {
    let alert = parse(fixture!("manager-started-no-data.json"));
    assert!(alert.get("data").is_none());
    assert!(alert.agent().unwrap().is_manager());
    assert_eq!(alert.rule().id, "502");
    assert!(alert.rule().mitre.is_none());
}

#[test]
fn the_projects_own_event_comes_back_with_location_misp() {
    let alert = parse(fixture!("misp-own-event.json"));
    assert_eq!(alert.location(), "misp");
    assert_eq!(alert.get_str("data.integration"), Some("misp"));
    assert_eq!(alert.get_str("data.misp.value"), Some("185.220.101.1"));
    assert_eq!(alert.get_str("data.misp.tags.0"), Some("tlp:clear"));
}
