//! End-to-end: the built executable run exactly as wazuh-integratord runs it.
//!
//! Each test lays out a Wazuh tree in a temp folder (`integrations/`,
//! `logs/`, `queue/sockets/queue` bound by a real datagram socket), copies
//! the executable to `<root>/integrations/custom-misp`, writes the alert and
//! options files, runs it with integratord's argv (argv[0] `integrations`,
//! the trailing `> /dev/null 2>&1` as one argument, no shell) and reads the
//! datagrams analysisd would have received. MISP is a wiremock server.

use serde_json::{Value, json};
use std::os::unix::net::UnixDatagram;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;

const KEY: &str = "k3y-abcdefghijklmnopqrstuvwxyz0123456789";

/// A scratch Wazuh installation.
struct Wazuh {
    dir: TempDir,
    socket: Option<UnixDatagram>,
}

/// What one run produced.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stderr: String,
    datagrams: Vec<String>,
    log: String,
}

impl Run {
    fn events(&self) -> Vec<(String, Value)> {
        self.datagrams
            .iter()
            .map(|d| {
                let (header, payload) = split_header(d);
                (
                    header,
                    serde_json::from_str(payload).expect("payload is JSON"),
                )
            })
            .collect()
    }

    fn last_line(&self) -> &str {
        self.stderr.lines().last().unwrap_or("")
    }
}

/// Splits `1:<location>:<payload>` the way analysisd does: at the first `:`
/// after the queue id that is not escaped by `|`.
fn split_header(datagram: &str) -> (String, &str) {
    let rest = datagram.strip_prefix("1:").expect("queue 1");
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'|' => i += 2,
            b':' => return (rest[..i].to_owned(), &rest[i + 1..]),
            _ => i += 1,
        }
    }
    panic!("no payload in {datagram}");
}

impl Wazuh {
    fn new() -> Wazuh {
        let (dir, _exe) = common::wazuh_tree();
        let socket = UnixDatagram::bind(dir.path().join("queue/sockets/queue")).expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        Wazuh {
            dir,
            socket: Some(socket),
        }
    }

    /// A tree whose queue socket was never bound (analysisd never started).
    fn without_socket() -> Wazuh {
        let mut wazuh = Wazuh::new();
        wazuh.socket = None;
        std::fs::remove_file(wazuh.dir.path().join("queue/sockets/queue")).expect("unbind");
        wazuh
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write_tmp(&self, name: &str, text: &str) -> PathBuf {
        let path = self.root().join("tmp").join(name);
        std::fs::write(&path, text).expect("write temp file");
        path
    }

    /// Runs the integration with integratord's 4.8+ argv for `alert`, with
    /// its default timeout (10 s) and retries (3).
    fn run(&self, alert: &str, url: &str, options: Option<&str>) -> Run {
        self.run_timed(alert, url, options, 10, 3)
    }

    /// [`Wazuh::run`] with integratord's `timeout` (seconds) and `retries`.
    fn run_timed(
        &self,
        alert: &str,
        url: &str,
        options: Option<&str>,
        timeout: u32,
        retries: u32,
    ) -> Run {
        let alert_file = self.write_tmp("custom-misp-1796313095-1749781378.alert", alert);
        let options_file =
            options.map(|text| self.write_tmp("custom-misp-1796313095-1862246779.options", text));
        let alert_file = alert_file.display().to_string();
        let options_file = options_file
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let args = [
            &alert_file,
            KEY,
            url,
            "",
            &options_file,
            &timeout.to_string(),
            &retries.to_string(),
            "> /dev/null 2>&1",
        ];
        self.run_args(&args)
    }

    fn run_args(&self, args: &[&str]) -> Run {
        let mut command = Command::new(self.root().join("integrations/custom-misp"));
        command
            .arg0("integrations")
            .args(args)
            .current_dir(self.root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = common::when_not_busy(|| command.spawn()).expect("spawn custom-misp");

        // A run that ignores its deadline would hang here: stop it, and fail,
        // well after the 10 s deadline any run of these tests has.
        let limit = Instant::now() + Duration::from_secs(40);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > limit {
                child.kill().expect("kill");
                panic!("custom-misp did not end by itself");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let output = child.wait_with_output().expect("output");

        Run {
            code: status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            datagrams: self.drain(),
            log: std::fs::read_to_string(self.root().join("logs/integrations.log"))
                .unwrap_or_default(),
        }
    }

    fn drain(&self) -> Vec<String> {
        let Some(socket) = &self.socket else {
            return Vec::new();
        };
        let mut buf = vec![0u8; 1 << 17];
        let mut got = Vec::new();
        while let Ok(n) = socket.recv(&mut buf) {
            got.push(String::from_utf8(buf[..n].to_vec()).expect("UTF-8 datagram"));
        }
        got
    }
}

/// A MISP stand-in, with a runtime that lives as long as it does.
struct Misp {
    server: MockServer,
    runtime: tokio::runtime::Runtime,
}

impl Misp {
    fn start() -> Misp {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        Misp { server, runtime }
    }

    fn url(&self) -> String {
        self.server.uri()
    }

    /// Answers every search with `attributes`.
    fn answer(&self, attributes: Value) {
        self.mount(ResponseTemplate::new(200).set_body_json(json!({
            "response": {"Attribute": attributes}
        })));
    }

    fn mount(&self, response: ResponseTemplate) {
        let mock = Mock::given(method("POST"))
            .and(path("/attributes/restSearch"))
            .and(header("Authorization", KEY))
            .and(header("Accept", "application/json"))
            .respond_with(response);
        self.runtime.block_on(mock.mount(&self.server));
    }

    fn requests(&self) -> Vec<Value> {
        let got = self
            .runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default();
        got.iter()
            .map(|r| serde_json::from_slice(&r.body).expect("JSON request"))
            .collect()
    }

    fn expect_values(&self, values: &[&str]) {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "one search per alert: {requests:?}");
        let mut asked: Vec<&str> = requests[0]["value"]
            .as_array()
            .expect("value list")
            .iter()
            .map(|v| v.as_str().expect("text"))
            .collect();
        asked.sort_unstable();
        let mut want = values.to_vec();
        want.sort_unstable();
        assert_eq!(asked, want);
    }
}

fn attribute(id: u32, kind: &str, value: &str, to_ids: bool) -> Value {
    json!({
        "id": id.to_string(), "event_id": "77", "object_id": "0",
        "category": "Network activity", "type": kind, "value": value,
        "to_ids": to_ids, "uuid": format!("5f1c0f6e-0000-4000-8000-{id:012}"),
        "timestamp": "1764547200", "distribution": "5", "comment": "seen in phishing wave",
        "deleted": false, "first_seen": null, "last_seen": null,
        "Event": {"id": "77", "info": "Phishing wave targeting finance",
                  "org_id": "1", "orgc_id": "4", "uuid": "7a0c4b2e-1111-4222-8333-444455556666",
                  "distribution": "1", "publish_timestamp": "1764550000"},
        "Tag": [{"id": "3", "name": "tlp:amber", "colour": "#FFC000"}]
    })
}

fn sshd_alert(srcip: &str) -> String {
    json!({
        "timestamp": "2026-11-20T08:15:02.114+0000",
        "rule": {"level": 5, "description": "sshd: authentication failed.", "id": "5760",
                 "groups": ["syslog", "sshd", "authentication_failed"]},
        "agent": {"id": "004", "name": "bastion-02", "ip": "10.20.0.4"},
        "manager": {"name": "wazuh-mgr"},
        "id": "1763626502.882211",
        "full_log": format!("Nov 20 08:15:02 bastion-02 sshd[811]: Failed password for root from {srcip} port 52214 ssh2"),
        "decoder": {"parent": "sshd", "name": "sshd"},
        "data": {"srcip": srcip, "srcport": "52214", "dstuser": "root"},
        "location": "/var/log/auth.log"
    })
    .to_string()
}

fn web_alert(url: &str, srcip: &str) -> String {
    json!({
        "timestamp": "2026-11-21T14:02:51.377+0000",
        "rule": {"level": 6, "description": "Web server 400 error code.", "id": "31101",
                 "groups": ["web", "accesslog", "attack"]},
        "agent": {"id": "000", "name": "wazuh-mgr"},
        "manager": {"name": "wazuh-mgr"},
        "id": "1763733771.1200441",
        "full_log": format!("{srcip} - - [21/Nov/2026:14:02:51 +0000] \"GET {url} HTTP/1.1\" 404 0"),
        "decoder": {"name": "web-accesslog"},
        "data": {"protocol": "GET", "srcip": srcip, "id": "404", "url": url},
        "location": "/var/log/nginx/access.log"
    })
    .to_string()
}

fn sysmon_process_alert(hashes: &str) -> String {
    json!({
        "timestamp": "2026-11-22T09:41:10.020+0000",
        "rule": {"level": 12, "description": "Suspicious process", "id": "92000",
                 "groups": ["sysmon", "sysmon_eid1_detections", "windows"]},
        "agent": {"id": "012", "name": "fin-ws-07", "ip": "2001:db8:7::12"},
        "manager": {"name": "wazuh-mgr"},
        "id": "1763804470.5501",
        "decoder": {"name": "windows_eventchannel"},
        "data": {"win": {
            "system": {"eventID": "1", "providerName": "Microsoft-Windows-Sysmon"},
            "eventdata": {"image": "C:\\\\Windows\\\\System32\\\\wscript.exe",
                          "hashes": hashes}}},
        "location": "EventChannel"
    })
    .to_string()
}

#[test]
fn an_ip_match_is_sent_under_the_original_agent_byte_for_byte() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));

    let run = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), None);

    assert_eq!(run.code, Some(0), "{run:?}");
    misp.expect_values(&["185.220.101.7"]);
    let payload = json!({
        "integration": "misp",
        "srcip": "185.220.101.7",
        "misp": {
            "status": "match", "value": "185.220.101.7", "kind": "ip", "field": "data.srcip",
            "type": "ip-src", "category": "Network activity", "to_ids": true,
            "comment": "seen in phishing wave", "attribute_id": "901",
            "attribute_uuid": "5f1c0f6e-0000-4000-8000-000000000901",
            "timestamp": "2025-12-01T00:00:00Z",
            "event_id": "77", "event_uuid": "7a0c4b2e-1111-4222-8333-444455556666",
            "event_info": "Phishing wave targeting finance", "org_id": "1", "orgc_id": "4",
            "tags": ["tlp:amber"], "attribute_count": 1, "event_count": 1,
            "alert_id": "1763626502.882211", "rule_id": "5760",
            "rule_description": "sshd: authentication failed.",
            "agent_id": "004", "agent_name": "bastion-02"
        }
    });
    // serde_json writes keys in order, as the integration does.
    let expected = format!("1:[004] (bastion-02) 10.20.0.4->misp:{payload}");
    assert_eq!(run.datagrams, vec![expected]);
    assert!(!run.log.contains(KEY), "the key must never be logged");
}

#[test]
fn domain_and_url_matches_from_one_web_alert_are_two_events_for_the_manager() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    let url = "http://dl.badcdn-update.com/payload/stage2.bin";
    misp.answer(json!([
        attribute(11, "url", url, true),
        attribute(12, "domain|ip", "dl.badcdn-update.com|45.77.10.9", false),
    ]));

    let run = wazuh.run(&web_alert(url, "10.1.1.9"), &misp.url(), None);

    assert_eq!(run.code, Some(0), "{run:?}");
    misp.expect_values(&[url, "dl.badcdn-update.com"]);
    let events = run.events();
    assert_eq!(events.len(), 2, "{run:?}");
    for (location, event) in &events {
        assert_eq!(
            location, "misp",
            "agent 000 is the manager: a bare location"
        );
        assert!(
            event.get("srcip").is_none(),
            "srcip only for address matches"
        );
    }
    let by_kind = |kind: &str| {
        events
            .iter()
            .map(|(_, e)| &e["misp"])
            .find(|m| m["kind"] == kind)
            .expect(kind)
    };
    assert_eq!(by_kind("url")["value"], url);
    assert_eq!(by_kind("url")["field"], "data.url");
    assert_eq!(by_kind("domain")["value"], "dl.badcdn-update.com");
    assert_eq!(by_kind("domain")["type"], "domain|ip");
    assert_eq!(by_kind("domain")["to_ids"], false);
}

#[test]
fn sysmon_hashes_match_through_a_composite_and_any_case() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    misp.answer(json!([attribute(
        31,
        "filename|sha256",
        &format!("stage2.exe|{sha256}"),
        true
    )]));
    let hashes = format!(
        "SHA1=A94A8FE5CCB19BA61C4C0873D391E987982FBBD3,MD5=098F6BCD4621D373CADE4E832627B4F6,SHA256={},IMPHASH=F34D5F2D4577ED6D9CEEC516C1F5A744",
        sha256.to_uppercase()
    );

    let run = wazuh.run(&sysmon_process_alert(&hashes), &misp.url(), None);

    assert_eq!(run.code, Some(0), "{run:?}");
    let events = run.events();
    assert_eq!(events.len(), 1, "{run:?}");
    let (location, event) = &events[0];
    // The IPv6 agent address has its colons escaped for analysisd.
    assert_eq!(location, "[012] (fin-ws-07) 2001|:db8|:7|:|:12->misp");
    assert_eq!(event["misp"]["kind"], "sha256");
    assert_eq!(event["misp"]["value"], sha256);
    assert_eq!(event["misp"]["field"], "data.win.eventdata.hashes");
    assert!(event.get("srcip").is_none());
    let asked = &misp.requests()[0]["value"];
    assert_eq!(
        asked.as_array().map(Vec::len),
        Some(4),
        "sha1, md5, sha256, imphash: {asked}"
    );
}

#[test]
fn no_match_sends_nothing_unless_asked_to() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([]));

    let quiet = wazuh.run(&sshd_alert("45.33.32.156"), &misp.url(), None);
    assert_eq!(quiet.code, Some(0), "{quiet:?}");
    assert!(quiet.datagrams.is_empty(), "{quiet:?}");

    let told = wazuh.run(
        &sshd_alert("45.33.32.156"),
        &misp.url(),
        Some(r#"{"report_no_match": true}"#),
    );
    assert_eq!(told.code, Some(0), "{told:?}");
    let events = told.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1["misp"]["status"], "no_match");
    assert_eq!(events[0].1["misp"]["values"], json!(["45.33.32.156"]));
    assert_eq!(
        misp.requests().len(),
        1,
        "the second run's answer came from the cache"
    );
}

#[test]
fn a_value_seen_again_is_answered_from_the_cache_with_the_same_event() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));

    let first = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), None);
    let second = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), None);

    assert_eq!((first.code, second.code), (Some(0), Some(0)));
    assert_eq!(misp.requests().len(), 1, "the second run made no request");
    assert_eq!(first.datagrams.len(), 1);
    assert_eq!(
        second.datagrams, first.datagrams,
        "a cached match alerts again, in full"
    );
    assert!(
        wazuh
            .root()
            .join("var/db/custom-misp/cache.sqlite")
            .is_file()
    );
}

#[test]
fn answers_expire_by_their_ttl_and_the_cache_can_be_turned_off() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([]));

    for options in [r#"{"cache_no_match_ttl": 0}"#, r#"{"cache": false}"#] {
        for _ in 0..2 {
            let run = wazuh.run(&sshd_alert("45.33.32.156"), &misp.url(), Some(options));
            assert_eq!(run.code, Some(0), "{options}: {run:?}");
        }
    }
    assert_eq!(misp.requests().len(), 4, "no answer was reused");
}

#[test]
fn a_corrupt_cache_file_is_set_aside_and_the_run_goes_on() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));
    let file = wazuh.root().join("var/db/custom-misp/cache.sqlite");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        b"this is not a database, it is a mess of bytes ......",
    )
    .unwrap();

    let run = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), None);

    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.events().len(), 1);
    assert!(
        run.log.contains("WARN"),
        "the damage is reported: {}",
        run.log
    );
    let aside = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(".corrupt-"));
    assert!(aside, "the damaged file is kept aside for a look");
}

#[test]
fn the_breaker_opens_on_failure_holds_for_the_cooldown_then_probes_and_closes() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    let down = json!({"name": "An Internal Error Has Occurred.", "message": "An Internal Error Has Occurred.", "url": "/attributes/restSearch"});
    // The first search fails; every later one is answered.
    let failing = Mock::given(method("POST"))
        .and(path("/attributes/restSearch"))
        .respond_with(ResponseTemplate::new(500).set_body_json(down))
        .up_to_n_times(1);
    misp.runtime.block_on(failing.mount(&misp.server));
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));
    let options = Some(r#"{"breaker_cooldown": 1}"#);

    let failed = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), options);
    let held = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), options);

    assert_eq!((failed.code, held.code), (Some(4), Some(4)));
    assert_eq!(
        misp.requests().len(),
        1,
        "while open, runs skip the network"
    );
    let held_event = &held.events()[0].1["misp"];
    assert_eq!(held_event["status"], "error");
    assert_eq!(
        held_event["error_code"], "http",
        "the failure that opened it"
    );
    assert!(held_event["error"].as_str().unwrap().contains("cool-down"));

    std::thread::sleep(Duration::from_millis(1200));
    let probe = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), options);
    assert_eq!(probe.code, Some(0), "{probe:?}");
    assert_eq!(probe.events()[0].1["misp"]["status"], "match");
    assert_eq!(
        misp.requests().len(),
        2,
        "after the cool-down one run probes"
    );

    // Closed again: a new value goes straight to MISP.
    let next = wazuh.run(&sshd_alert("185.220.101.8"), &misp.url(), options);
    assert_eq!(next.code, Some(0), "{next:?}");
    assert_eq!(misp.requests().len(), 3);
}

#[test]
fn private_addresses_only_make_no_request_at_all() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([]));

    let run = wazuh.run(&web_alert("/login.php", "192.168.10.4"), &misp.url(), None);

    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.datagrams.is_empty());
    assert!(misp.requests().is_empty(), "nothing worth asking about");
}

#[test]
fn our_own_events_coming_back_are_left_alone() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));
    let own = json!({
        "timestamp": "2026-11-20T08:15:02.300+0000",
        "rule": {"level": 12, "description": "MISP: IoC address", "id": "100810",
                 "groups": ["misp", "misp_ioc"]},
        "agent": {"id": "004", "name": "bastion-02", "ip": "10.20.0.4"},
        "id": "1763626502.883000",
        "decoder": {"name": "json"},
        "data": {"integration": "misp", "srcip": "185.220.101.7",
                 "misp": {"status": "match", "value": "185.220.101.7"}},
        "location": "[004] (bastion-02) 10.20.0.4->misp"
    });

    let run = wazuh.run(&own.to_string(), &misp.url(), None);

    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.datagrams.is_empty());
    assert!(misp.requests().is_empty());
}

/// Runs a sshd alert against a MISP that answers `response`, and returns
/// the run and its one error event.
fn failing_misp(response: ResponseTemplate) -> (Run, Value) {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.mount(response);
    let run = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), None);
    let events = run.events();
    assert_eq!(events.len(), 1, "one error event: {run:?}");
    let event = events[0].1.clone();
    assert_eq!(event["misp"]["status"], "error");
    assert_eq!(event["misp"]["alert_id"], "1763626502.882211");
    assert!(event.get("srcip").is_none());
    (run, event)
}

#[test]
fn misp_refusing_the_key_is_an_auth_error_event_and_exit_4() {
    let body = json!({"name": "Authentication failed.", "message": "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.", "url": "/attributes/restSearch"});
    let (run, event) = failing_misp(ResponseTemplate::new(403).set_body_json(body));
    assert_eq!(run.code, Some(4));
    assert_eq!(event["misp"]["error_code"], "auth");
    assert!(
        run.last_line().contains("Authentication failed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(KEY) && !run.log.contains(KEY));
}

#[test]
fn misp_failing_with_500_is_an_http_error_event() {
    let body = json!({"name": "An Internal Error Has Occurred.", "message": "An Internal Error Has Occurred.", "url": "/attributes/restSearch"});
    let (run, event) = failing_misp(ResponseTemplate::new(500).set_body_json(body));
    assert_eq!(run.code, Some(4));
    assert_eq!(event["misp"]["error_code"], "http");
    assert!(run.last_line().contains("500"), "{}", run.stderr);
}

#[test]
fn an_html_login_page_is_a_bad_response_error_event() {
    let page = "<!DOCTYPE html><html><head><title>Users - MISP</title></head><body><form action=\"/users/login\"></form></body></html>";
    let (run, event) = failing_misp(
        ResponseTemplate::new(200)
            .set_body_raw(page.as_bytes().to_vec(), "text/html; charset=UTF-8"),
    );
    assert_eq!(run.code, Some(4));
    assert_eq!(event["misp"]["error_code"], "bad_response");
}

#[test]
fn a_hanging_misp_cannot_hold_the_run_past_its_timeout() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.mount(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)));

    // run_args fails the test if the process has to be killed.
    let run = wazuh.run_timed(&sshd_alert("185.220.101.7"), &misp.url(), None, 2, 0);

    assert_eq!(run.code, Some(4), "{run:?}");
    let events = run.events();
    assert_eq!(events.len(), 1, "{run:?}");
    assert_eq!(events[0].1["misp"]["error_code"], "timeout");
}

#[test]
fn misp_refusing_connections_is_an_unreachable_error_event() {
    // A port that was just free, and so refuses connections.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let wazuh = Wazuh::new();
    let run = wazuh.run(
        &sshd_alert("185.220.101.7"),
        &format!("http://127.0.0.1:{port}"),
        None,
    );

    assert_eq!(run.code, Some(4), "{run:?}");
    let events = run.events();
    assert_eq!(events.len(), 1, "{run:?}");
    assert_eq!(events[0].1["misp"]["error_code"], "unreachable");
}

#[test]
fn a_missing_queue_socket_is_exit_5_naming_the_path() {
    let wazuh = Wazuh::without_socket();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));

    let run = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), None);

    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(
        run.last_line().contains("queue/sockets/queue"),
        "{}",
        run.stderr
    );
    assert!(run.log.contains("queue/sockets/queue"), "{}", run.log);
}

#[test]
fn bad_alert_files_are_exit_3_and_send_nothing() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([]));
    let full = sshd_alert("185.220.101.7");
    for (name, text) in [
        ("empty", ""),
        ("truncated", &full[..full.len() / 2]),
        ("not JSON", "alertdate='2026-12-03' ruleid='5710'"),
    ] {
        let run = wazuh.run(text, &misp.url(), None);
        assert_eq!(run.code, Some(3), "{name}: {run:?}");
        assert!(run.datagrams.is_empty(), "{name}");
        assert!(
            run.last_line().contains(".alert"),
            "{name}: names the file: {}",
            run.stderr
        );
    }
    let missing = wazuh
        .root()
        .join("tmp/custom-misp-gone.alert")
        .display()
        .to_string();
    let args = [
        &missing,
        KEY,
        &misp.url(),
        "",
        "",
        "10",
        "3",
        "> /dev/null 2>&1",
    ];
    let run = wazuh.run_args(&args);
    assert_eq!(run.code, Some(3), "missing: {run:?}");
    assert!(misp.requests().is_empty());
}

#[test]
fn an_unknown_option_is_exit_2_naming_it() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([]));

    let run = wazuh.run(
        &sshd_alert("185.220.101.7"),
        &misp.url(),
        Some(r#"{"verify_ssl": false}"#),
    );

    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.last_line().contains("verify_ssl"), "{}", run.stderr);
    assert!(misp.requests().is_empty());
}

#[test]
fn a_misp_named_by_host_name_is_found() {
    // The executable is linked statically (README, "How it is built"): its
    // host-name lookup must still read /etc/hosts.
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));
    let url = misp.url().replace("127.0.0.1", "localhost");
    assert!(url.starts_with("http://localhost:"), "{url}");

    let run = wazuh.run(&sshd_alert("185.220.101.7"), &url, None);

    assert_eq!(run.code, Some(0), "{run:?}");
    misp.expect_values(&["185.220.101.7"]);
    assert_eq!(run.events().len(), 1);
}

#[test]
fn a_key_file_and_a_legacy_search_url_are_accepted_with_debug_logging() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));
    let key_file = wazuh.write_tmp("misp.key", &format!("{KEY}\n"));
    let options = json!({"key_file": key_file}).to_string();
    let options_file = wazuh.write_tmp("custom-misp-5-6.options", &options);
    let alert = wazuh.write_tmp("custom-misp-5-6.alert", &sshd_alert("185.220.101.7"));
    let url = format!("{}/attributes/restSearch/", misp.url());
    let args = [
        &alert.display().to_string(),
        "",
        &url,
        "debug",
        &options_file.display().to_string(),
        "10",
        "3",
    ];

    let run = wazuh.run_args(&args);

    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.events().len(), 1);
    assert!(run.log.contains("DEBUG"), "debug adds details: {}", run.log);
    assert!(!run.log.contains(KEY), "the key must never be logged");
}

#[test]
fn a_stalled_analysisd_cannot_hold_the_run_past_its_timeout() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));
    // Fill the queue socket's buffer, as an analysisd that stopped reading
    // would leave it.
    let filler = UnixDatagram::unbound().unwrap();
    filler.set_nonblocking(true).unwrap();
    let queue = wazuh.root().join("queue/sockets/queue");
    while filler.send_to(&[b'x'; 4096], &queue).is_ok() {}

    // run_args fails the test if the process has to be killed.
    let run = wazuh.run_timed(&sshd_alert("185.220.101.7"), &misp.url(), None, 1, 0);

    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(
        run.last_line().contains("queue/sockets/queue"),
        "{}",
        run.stderr
    );
}
