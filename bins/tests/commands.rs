//! The commands a person runs (`enrich`, `lookup`, `check`), and the feed
//! and warninglist options of the integration, against the bundled demo
//! data in `examples/` and a scratch Wazuh tree.

use serde_json::{Value, json};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::wazuh_tree;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn custom_misp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custom-misp"))
        .args(args)
        .env_remove("MISP_URL")
        .env_remove("MISP_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run custom-misp")
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn alert_with_ip(ip: &str) -> String {
    json!({
        "timestamp": "2026-11-25T11:00:00.000+0000",
        "rule": {"level": 5, "description": "sshd: authentication failed.", "id": "5760"},
        "agent": {"id": "007", "name": "dns-01", "ip": "10.9.0.7"},
        "id": "1764068400.77",
        "decoder": {"name": "sshd"},
        "data": {"srcip": ip},
        "location": "/var/log/auth.log"
    })
    .to_string()
}

#[test]
fn enrich_prints_the_events_of_the_bundled_demo() {
    let feed = repo("examples/feed");
    let alerts = repo("examples/alerts");
    let output = custom_misp(&[
        "enrich",
        "--feed",
        feed.to_str().unwrap(),
        alerts.to_str().unwrap(),
    ]);

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = json_lines(&output);
    assert!(
        events.len() >= 5,
        "several demo alerts hit the feed: {events:?}"
    );
    for event in &events {
        assert_eq!(event["integration"], "misp");
        assert_eq!(event["misp"]["status"], "match");
        assert!(event["misp"]["event_info"].is_string(), "{event}");
    }
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["misp"]["kind"].as_str())
        .collect();
    for kind in ["ip", "domain", "md5", "sha256"] {
        assert!(kinds.contains(&kind), "a {kind} match among {kinds:?}");
    }
    let private = events
        .iter()
        .any(|e| e["misp"]["alert_id"] == "1793610015.61457");
    assert!(!private, "the private-only alert yields nothing");
}

#[test]
fn enrich_reads_standard_input_one_alert_per_line() {
    let feed = repo("examples/feed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_custom-misp"))
        .args(["enrich", "--feed", feed.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let lines = format!(
        "{}\n\n{}\nnot json\n",
        alert_with_ip("185.220.101.1"),
        alert_with_ip("45.33.32.156")
    );
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), lines.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();

    assert_eq!(
        output.status.code(),
        Some(3),
        "a bad line is reported in the exit code"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 4"), "{stderr}");
    let values: Vec<Value> = json_lines(&output)
        .iter()
        .map(|e| e["misp"]["value"].clone())
        .collect();
    assert_eq!(values, vec![json!("185.220.101.1"), json!("45.33.32.156")]);
}

#[test]
fn lookup_asks_the_feed_about_values() {
    let feed = repo("examples/feed");
    let output = custom_misp(&[
        "lookup",
        "--feed",
        feed.to_str().unwrap(),
        "LOGIN-SECURE-PORTAL.NET",
    ]);

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let attributes = json_lines(&output);
    assert!(!attributes.is_empty());
    for attribute in &attributes {
        let value = attribute["value"].as_str().unwrap().to_lowercase();
        assert!(value.contains("login-secure-portal.net"), "{value}");
    }
}

#[test]
fn lookup_without_a_source_is_a_usage_error() {
    let output = custom_misp(&["lookup", "185.220.101.1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("MISP URL"));
}

fn output_of(command: &mut Command) -> Output {
    common::when_not_busy(|| command.output()).expect("run the copied custom-misp")
}

/// Runs the integration with a feed and warninglists in its options, as
/// integratord would, and returns the datagrams.
fn run_with_feed(alert: &str, extra: Value) -> (Option<i32>, Vec<Value>) {
    let (dir, exe) = wazuh_tree();
    let socket = UnixDatagram::bind(dir.path().join("queue/sockets/queue")).unwrap();
    socket.set_nonblocking(true).unwrap();
    let mut options = json!({
        "feed": repo("examples/feed"),
        "warninglists": [repo("examples/warninglists")],
        "to_ids_only": false
    });
    options
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let alert_file = dir.path().join("tmp/custom-misp-1-1.alert");
    let options_file = dir.path().join("tmp/custom-misp-1-1.options");
    std::fs::write(&alert_file, alert).unwrap();
    std::fs::write(&options_file, options.to_string()).unwrap();

    let status = output_of(
        Command::new(&exe)
            .args([
                alert_file.to_str().unwrap(),
                "",
                "",
                "",
                options_file.to_str().unwrap(),
                "10",
                "3",
            ])
            .arg("> /dev/null 2>&1")
            .current_dir(dir.path())
            .stdout(Stdio::null()),
    )
    .status;
    let mut buf = vec![0u8; 65536];
    let mut events = Vec::new();
    while let Ok(n) = socket.recv(&mut buf) {
        let text = String::from_utf8(buf[..n].to_vec()).unwrap();
        let payload = text.split_once("->misp:").expect("agent location").1;
        events.push(serde_json::from_str(payload).unwrap());
    }
    (status.code(), events)
}

#[test]
fn the_integration_can_search_a_feed_instead_of_a_server() {
    let (code, events) = run_with_feed(&alert_with_ip("185.220.101.1"), json!({}));
    assert_eq!(code, Some(0));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["srcip"], "185.220.101.1");
    assert_eq!(
        events[0]["misp"]["event_info"],
        "SSH brute-force sources, week 41"
    );
}

#[test]
fn a_value_on_a_warninglist_is_skipped_or_reported_as_asked() {
    // 9.9.9.9 is in the demo feed, and in the demo public-resolver list.
    let (code, skipped) = run_with_feed(&alert_with_ip("9.9.9.9"), json!({}));
    assert_eq!(code, Some(0));
    assert!(skipped.is_empty(), "skipped before any lookup: {skipped:?}");

    let (code, reported) = run_with_feed(
        &alert_with_ip("9.9.9.9"),
        json!({"warninglist_action": "report"}),
    );
    assert_eq!(code, Some(0));
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert!(
        reported[0]["misp"]["warninglist"].is_string(),
        "{}",
        reported[0]
    );
}

#[test]
fn check_reports_a_checklist_and_fails_on_what_is_missing() {
    let (dir, exe) = wazuh_tree();
    let conf = format!(
        "<ossec_config>\n  <integration>\n    <name>custom-misp</name>\n    <level>3</level>\n    \
         <options>{{\"feed\": \"{}\"}}</options>\n  </integration>\n</ossec_config>\n",
        repo("examples/feed").display()
    );
    std::fs::write(dir.path().join("etc/ossec.conf"), conf).unwrap();

    // No queue socket: analysisd is not running.
    let output = output_of(Command::new(&exe).args(["check"]));
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("[ ok ] ossec.conf"), "{text}");
    assert!(text.contains("[ ok ] options"), "{text}");
    assert!(text.contains("[ ok ] feed"), "{text}");
    assert!(text.contains("[ ok ] cache"), "{text}");
    assert!(text.contains("not created yet"), "{text}");
    assert!(
        !dir.path().join("var").exists(),
        "a check creates no cache: {text}"
    );
    assert!(text.contains("[FAIL] queue socket"), "{text}");

    let _socket = UnixDatagram::bind(dir.path().join("queue/sockets/queue")).unwrap();
    let output = output_of(Command::new(&exe).args(["check"]));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("[ ok ] queue socket"), "{text}");
    // Run as root by CI, the copied executable is root-owned; its mode is
    // what the build gave it, which integratord would refuse if writable by
    // others: the line is there either way.
    assert!(text.contains("executable"), "{text}");
}
