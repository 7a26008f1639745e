//! The queue socket writer against a real Unix datagram socket bound in a
//! temporary folder, as analysisd binds `queue/sockets/queue`.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;
use wazuh_alert::{Alert, Error, Location, MAX_DATAGRAM, QueueSocket};

use crate::fixture;

/// A bound receiver standing in for analysisd.
struct Analysisd {
    socket: UnixDatagram,
    path: PathBuf,
    _dir: TempDir,
}

impl Analysisd {
    fn bind() -> Analysisd {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Analysisd {
            socket,
            path,
            _dir: dir,
        }
    }

    fn writer(&self) -> QueueSocket {
        QueueSocket::new(&self.path)
    }

    fn receive(&self) -> Vec<u8> {
        let mut buf = vec![0; 1 << 18];
        let n = self.socket.recv(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }
}

fn event() -> Value {
    json!({"integration": "misp", "misp": {"status": "match", "value": "185.220.101.1"}})
}

const EVENT_JSON: &str =
    r#"{"integration":"misp","misp":{"status":"match","value":"185.220.101.1"}}"#;

fn send_for(fixture: &str) -> String {
    let analysisd = Analysisd::bind();
    let alert = Alert::from_json(fixture).unwrap();
    let location = Location::for_alert(alert.agent(), "misp");
    analysisd.writer().send(&location, &event()).unwrap();
    String::from_utf8(analysisd.receive()).unwrap()
}

#[test]
fn an_event_about_a_manager_alert_has_the_bare_name() {
    let received = send_for(fixture!("manager-started-no-data.json"));
    assert_eq!(received, format!("1:misp:{EVENT_JSON}"));
}

#[test]
fn an_event_about_an_agent_alert_names_the_agent() {
    let received = send_for(fixture!("sshd-failed-password.json"));
    assert_eq!(
        received,
        format!("1:[001] (web-01) 192.0.2.10->misp:{EVENT_JSON}")
    );
}

#[test]
fn an_ipv6_agent_address_is_escaped() {
    let received = send_for(fixture!("sshd-ipv6-agent.json"));
    assert_eq!(
        received,
        format!("1:[006] (bastion-v6) 2001|:db8|:10|:|:6->misp:{EVENT_JSON}")
    );
}

#[test]
fn an_agent_without_address_is_sent_as_any() {
    let text = r#"{"agent":{"id":"017","name":"kiosk|3"},"rule":{"level":3}}"#;
    let received = send_for(text);
    assert_eq!(
        received,
        format!("1:[017] (kiosk||3) any->misp:{EVENT_JSON}")
    );
}

#[test]
fn a_windows_path_location_is_escaped() {
    let analysisd = Analysisd::bind();
    let location = Location::new(r"C:\inetpub\logs\LogFiles\W3SVC1\u_ex260314.log");
    analysisd
        .writer()
        .send(&location, &json!({"a": 1}))
        .unwrap();
    assert_eq!(
        analysisd.receive(),
        br#"1:C|:\inetpub\logs\LogFiles\W3SVC1\u_ex260314.log:{"a":1}"#
    );
}

#[test]
fn raw_bytes_arrive_as_sent() {
    let analysisd = Analysisd::bind();
    analysisd.writer().send_raw(b"1:misp:{}").unwrap();
    assert_eq!(analysisd.receive(), b"1:misp:{}");
}

#[test]
fn an_event_too_large_arrives_shrunk_as_valid_json() {
    let analysisd = Analysisd::bind();
    let tags: Vec<String> = (0..5_000).map(|i| format!("campaign:{i:05}")).collect();
    let big = json!({"integration": "misp", "misp": {"value": "185.220.101.1",
        "comment": "c".repeat(150_000), "tags": tags}});
    analysisd
        .writer()
        .send(&Location::new("misp"), &big)
        .unwrap();

    let received = analysisd.receive();
    assert!(received.len() <= MAX_DATAGRAM, "{} bytes", received.len());
    let body: Value = serde_json::from_slice(received.strip_prefix(b"1:misp:").unwrap()).unwrap();
    assert_eq!(body["misp"]["truncated"], true);
    assert_eq!(body["misp"]["value"], "185.220.101.1");
    assert_eq!(body["integration"], "misp");
}

#[test]
fn a_missing_socket_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    let err = QueueSocket::new(&path)
        .send(&Location::new("misp"), &event())
        .unwrap_err();
    assert!(matches!(err, Error::SocketMissing { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("queue socket {} does not exist", path.display())
    );
    assert_eq!(err.code(), "socket_missing");
}

#[test]
fn a_socket_nobody_receives_on_means_wazuh_is_down() {
    let analysisd = Analysisd::bind();
    let writer = analysisd.writer();
    let path = analysisd.path.clone();
    // The file stays; the receiver is gone, as after analysisd stops.
    drop(analysisd.socket);

    let err = writer.send_raw(b"1:misp:{}").unwrap_err();
    assert!(matches!(err, Error::WazuhNotRunning { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "queue socket {} refused the datagram: wazuh is not running",
            path.display()
        )
    );
    assert_eq!(err.code(), "wazuh_not_running");
}

#[test]
fn a_plain_file_is_not_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue");
    std::fs::write(&path, "").unwrap();
    let err = QueueSocket::new(&path).send_raw(b"1:misp:{}").unwrap_err();
    assert!(matches!(err, Error::NotASocket { .. }), "{err:?}");
    assert_eq!(err.code(), "socket_not_a_socket");
}

#[test]
fn a_datagram_past_the_socket_buffer_is_too_large() {
    let analysisd = Analysisd::bind();
    let err = analysisd
        .writer()
        .send_raw(&vec![b'x'; 1 << 20])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MessageTooLarge {
                size: 1_048_576,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "datagram of 1048576 bytes is too large for queue socket {}",
            analysisd.path.display()
        )
    );
    assert_eq!(err.code(), "message_too_large");
}

#[test]
fn a_queue_nobody_reads_ends_in_busy_not_in_a_hang() {
    let analysisd = Analysisd::bind();
    let writer = analysisd.writer().with_timeout(Duration::from_millis(50));
    // The kernel queues a few datagrams, then the sender would block.
    let err = (0..100_000)
        .find_map(|_| writer.send_raw(b"1:misp:{}").err())
        .unwrap();
    assert!(matches!(err, Error::SocketBusy { .. }), "{err:?}");
    assert_eq!(err.code(), "socket_busy");
}
