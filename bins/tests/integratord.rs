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
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
                (header, serde_json::from_str(payload).expect("payload is JSON"))
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
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["integrations", "logs", "queue/sockets", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let exe = dir.path().join("integrations/custom-misp");
        std::fs::copy(env!("CARGO_BIN_EXE_custom-misp"), &exe).expect("copy executable");
        let socket = UnixDatagram::bind(dir.path().join("queue/sockets/queue")).expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        Wazuh { dir, socket: Some(socket) }
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

    /// Runs the integration with integratord's 4.8+ argv for `alert`.
    fn run(&self, alert: &str, url: &str, options: Option<&str>) -> Run {
        let alert_file = self.write_tmp("custom-misp-1796313095-1749781378.alert", alert);
        let options_file = options
            .map(|text| self.write_tmp("custom-misp-1796313095-1862246779.options", text));
        let args = vec![
            alert_file.display().to_string(),
            KEY.to_owned(),
            url.to_owned(),
            String::new(),
            options_file.map(|p| p.display().to_string()).unwrap_or_default(),
            "10".to_owned(),
            "3".to_owned(),
            "> /dev/null 2>&1".to_owned(),
        ];
        self.run_args(&args)
    }

    fn run_args(&self, args: &[String]) -> Run {
        let mut child = Command::new(self.root().join("integrations/custom-misp"))
            .arg0("integrations")
            .args(args)
            .current_dir(self.root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn custom-misp");

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
        let Some(socket) = &self.socket else { return Vec::new() };
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
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
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
        let got = self.runtime.block_on(self.server.received_requests()).unwrap_or_default();
        got.iter().map(|r| serde_json::from_slice(&r.body).expect("JSON request")).collect()
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

#[test]
fn an_ip_match_is_sent_under_the_original_agent() {
    let wazuh = Wazuh::new();
    let misp = Misp::start();
    misp.answer(json!([attribute(901, "ip-src", "185.220.101.7", true)]));

    let run = wazuh.run(&sshd_alert("185.220.101.7"), &misp.url(), None);

    assert_eq!(run.code, Some(0), "{run:?}");
    misp.expect_values(&["185.220.101.7"]);
    let events = run.events();
    assert_eq!(events.len(), 1, "{run:?}");
    let (location, event) = &events[0];
    assert_eq!(location, "[004] (bastion-02) 10.20.0.4->misp");
    assert_eq!(event["integration"], "misp");
    assert_eq!(event["srcip"], "185.220.101.7");
    let misp_part = &event["misp"];
    assert_eq!(misp_part["status"], "match");
    assert_eq!(misp_part["value"], "185.220.101.7");
    assert_eq!(misp_part["kind"], "ip");
    assert_eq!(misp_part["field"], "data.srcip");
    assert_eq!(misp_part["type"], "ip-src");
    assert_eq!(misp_part["event_id"], "77");
    assert_eq!(misp_part["event_info"], "Phishing wave targeting finance");
    assert_eq!(misp_part["orgc_id"], "4");
    assert_eq!(misp_part["alert_id"], "1763626502.882211");
    assert_eq!(misp_part["rule_id"], "5760");
    assert_eq!(misp_part["tags"], json!(["tlp:amber"]));
    assert!(!run.log.contains(KEY), "the key must never be logged");
}
