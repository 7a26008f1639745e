//! Where the binary's log lines go: `<root>/logs/integrations.log`, the file
//! Wazuh's own integrations write to, or standard error for the commands a
//! person runs.
//!
//! One line an event: `2026-12-03T16:30:00.123Z custom-misp[4242] WARN: text`,
//! the time in UTC. Warnings and errors always; `debug` adds the details
//! (MISP requests, their status and time, what was sent).

use log::{Level, LevelFilter, Log, Metadata, Record};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where lines are written. The log file is opened at the first line, so
/// that a run with nothing to say (the common case) does not touch it.
enum Sink {
    File(PathBuf, OnceLock<Option<Mutex<File>>>),
    Stderr,
}

struct Logger {
    sink: Sink,
    level: LevelFilter,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format!(
            "{} custom-misp[{}] {}: {}\n",
            now_utc(),
            std::process::id(),
            level_name(record.level()),
            record.args()
        );
        match &self.sink {
            Sink::File(path, file) => match file.get_or_init(|| open(path).map(Mutex::new)) {
                Some(file) => {
                    // A poisoned lock only means another thread panicked
                    // while logging; the file is still fine to append to.
                    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = file.write_all(line.as_bytes());
                }
                None => {
                    let _ = std::io::stderr().write_all(line.as_bytes());
                }
            },
            Sink::Stderr => {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }

    fn flush(&self) {}
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "ERROR",
        Level::Warn => "WARN",
        Level::Info => "INFO",
        Level::Debug => "DEBUG",
        Level::Trace => "TRACE",
    }
}

/// Sends log lines to `file`, appending; falls back to standard error when
/// the file cannot be opened (and says so there). Details only with `debug`.
pub fn to_file(file: &Path, debug: bool) {
    install(Sink::File(file.to_owned(), OnceLock::new()), debug);
}

fn open(path: &Path) -> Option<File> {
    match OpenOptions::new().create(true).append(true).open(path) {
        Ok(file) => Some(file),
        Err(e) => {
            eprintln!(
                "custom-misp: cannot write {}: {e}; logging to stderr",
                path.display()
            );
            None
        }
    }
}

/// Sends log lines to standard error. Details only with `debug`.
pub fn to_stderr(debug: bool) {
    install(Sink::Stderr, debug);
}

fn install(sink: Sink, debug: bool) {
    let level = if debug {
        LevelFilter::Debug
    } else {
        LevelFilter::Warn
    };
    let logger = Logger { sink, level };
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(level);
    }
}

/// The current time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn now_utc() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    match enrich_core::iso_utc(secs)
        .as_deref()
        .and_then(|s| s.strip_suffix('Z'))
    {
        Some(seconds) => format!("{seconds}.{:03}Z", now.subsec_millis()),
        None => format!("@{secs}"),
    }
}
