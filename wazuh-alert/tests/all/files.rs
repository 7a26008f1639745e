//! Reading the alert file integratord writes, and streams of alerts.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use wazuh_alert::{Alert, AlertStream, Error, Origin, alerts_from_lines, read_alert_file};

use crate::fixture;

const ONE: &str = fixture!("sshd-failed-password.json");

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Reads `content` from a file and returns the error, with its message.
fn error_for(content: &str) -> (Error, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "custom-misp-1773483342-981.alert", content);
    let err = Alert::read_file(&path).unwrap_err();
    let message = err.to_string();
    (err, message, path)
}

#[test]
fn an_alert_file_reads_as_a_line_with_or_without_newline_or_pretty() {
    let expected = Alert::from_json(ONE).unwrap();
    let pretty = serde_json::to_string_pretty(expected.raw()).unwrap();
    let compact = ONE.trim_end();
    let dir = tempfile::tempdir().unwrap();

    for (name, content) in [
        ("bare", compact.to_owned()),
        ("newline", format!("{compact}\n")),
        ("crlf", format!("{compact}\r\n")),
        ("pretty", pretty),
        ("bom", format!("\u{feff}{compact}")),
    ] {
        let path = write(dir.path(), name, &content);
        assert_eq!(Alert::read_file(&path).unwrap(), expected, "{name}");
        assert_eq!(read_alert_file(&path).unwrap(), expected, "{name}");
    }
}

#[test]
fn an_empty_file_says_so() {
    for content in ["", "  \n\n"] {
        let (err, message, path) = error_for(content);
        assert!(matches!(err, Error::EmptyAlert { .. }), "{err:?}");
        assert_eq!(message, format!("alert file {} is empty", path.display()));
        assert_eq!(err.code(), "alert_empty");
    }
}

#[test]
fn a_truncated_file_says_so() {
    let cut = &ONE[..ONE.len() / 2];
    let (err, message, path) = error_for(cut);
    assert!(matches!(err, Error::TruncatedAlert { .. }), "{err:?}");
    assert_eq!(
        message,
        format!(
            "alert file {} is truncated: its JSON ends early",
            path.display()
        )
    );
    assert_eq!(err.code(), "alert_truncated");
}

#[test]
fn text_that_is_not_json_says_so() {
    let (err, message, path) = error_for("Mar 14 10:15:42 web-01 sshd[20771]: Failed password\n");
    assert!(matches!(err, Error::NotJson { .. }), "{err:?}");
    assert_eq!(
        message,
        format!("alert file {} is not JSON", path.display())
    );
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("line 1 column 1"), "{cause}");
}

#[test]
fn the_plain_alert_format_points_at_the_setting() {
    let plain = "alertdate='2026-03-14T10:15:42.311+0000'\nalertlocation='/var/log/auth.log'\n\
                 ruleid='5760'\nalertlevel='5'\n";
    let (err, message, _) = error_for(plain);
    assert_eq!(err.code(), "alert_plain_format");
    assert!(
        message.contains("<alert_format>json</alert_format>"),
        "{message}"
    );
}

#[test]
fn json_that_is_not_an_object_says_what_it_is() {
    let (err, message, path) = error_for("[{\"rule\": {}}]\n");
    assert!(
        matches!(
            err,
            Error::NotAnObject {
                found: "an array",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        message,
        format!(
            "alert file {} is JSON an array, not an object",
            path.display()
        )
    );
    assert_eq!(error_for("\"text\"").0.code(), "alert_not_object");
    assert_eq!(error_for("null").0.code(), "alert_not_object");
}

#[test]
fn a_file_with_two_alerts_is_not_one_alert() {
    let (err, message, path) = error_for(&format!("{ONE}{ONE}"));
    assert!(matches!(err, Error::TrailingData { .. }), "{err:?}");
    assert_eq!(
        message,
        format!(
            "alert file {} holds more than one JSON value",
            path.display()
        )
    );
}

#[test]
fn a_missing_file_names_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custom-misp-1773483342-404.alert");
    let err = Alert::read_file(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot read alert file {}", path.display())
    );
    assert_eq!(err.code(), "alert_unreadable");
    assert_eq!(err.origin(), Some(&Origin::File(path)));
    let Error::ReadAlert { source, .. } = err else {
        panic!("not a read error")
    };
    assert_eq!(source.kind(), io::ErrorKind::NotFound);
}

#[test]
fn every_kind_of_bad_file_has_its_own_code() {
    let codes: std::collections::BTreeSet<&str> = [
        "",
        "{\"rule\":",
        "nope",
        "alertdate='x'",
        "[]",
        "{}{}",
        "{\"rule\":\"x\"}",
    ]
    .into_iter()
    .map(|content| error_for(content).0.code())
    .collect();
    assert_eq!(codes.len(), 7, "{codes:?}");
}

#[test]
fn a_stream_skips_blank_lines_and_numbers_its_errors() {
    let text = format!(
        "{ONE}\n   \n{{\"rule\": \n[1]\n{}",
        fixture!("fim-added.json")
    );
    let results: Vec<_> = alerts_from_lines(text.as_bytes()).collect();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].as_ref().unwrap().rule().id, "5760");

    let err = results[1].as_ref().unwrap_err();
    assert_eq!(
        err.to_string(),
        "alert on line 4 is truncated: its JSON ends early"
    );
    assert_eq!(
        err.origin(),
        Some(&Origin::Line {
            path: None,
            line: 4
        })
    );
    assert_eq!(
        results[2].as_ref().unwrap_err().to_string(),
        "alert on line 5 is JSON an array, not an object"
    );
    assert_eq!(results[3].as_ref().unwrap().rule().id, "554");
}

#[test]
fn a_stream_opened_by_path_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "alerts.json",
        &format!("{}\r\nnot an alert\r\n", ONE.trim_end()),
    );
    let results: Vec<_> = AlertStream::open(&path).unwrap().collect();
    assert!(results[0].is_ok());
    let message = results[1].as_ref().unwrap_err().to_string();
    assert_eq!(
        message,
        format!("alert on line 2 of {} is not JSON", path.display())
    );

    let err = AlertStream::open(dir.path().join("missing.json")).unwrap_err();
    assert_eq!(err.code(), "alert_unreadable");
}

/// A reader that yields some bytes, then fails.
struct Failing(&'static [u8]);

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::other("disk went away"));
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_read_error_ends_the_stream_after_it_is_reported() {
    let results: Vec<_> = AlertStream::new(Failing(b"{\"id\":\"1.1\"}\n")).collect();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().id(), "1.1");
    assert_eq!(
        results[1].as_ref().unwrap_err().to_string(),
        "cannot read alert on line 2"
    );
}
