//! Sending events to the Wazuh queue socket, once, whole, and in time.
//!
//! Every datagram of a run is encoded before the first is sent, so an event
//! that cannot be encoded stops the run before anything half-done reaches
//! Wazuh. A watchdog thread holds the run to its deadline: if the run has not
//! started sending when the deadline has passed, the watchdog sends a
//! `timeout` error event itself and ends the process.

use crate::exit::{Exit, Failure};
use log::{debug, error};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wazuh_alert::{Alert, Location, QueueSocket};

/// The name events are sent under: `<agent>->misp`, or `misp` for the manager.
pub const LOCATION_NAME: &str = "misp";

/// How long a send may wait on a full queue once the run's time is up.
const LAST_CHANCE: Duration = Duration::from_millis(200);

/// Sends the events of one alert.
pub struct Sender {
    path: PathBuf,
    /// When the run's time is up; a full queue is not waited on past it.
    deadline: Instant,
    location: Location,
    /// Set by whoever sends first (the run or the watchdog); the other then
    /// sends nothing.
    claimed: Arc<AtomicBool>,
}

impl Sender {
    /// A sender to the socket at `path`, for events about `alert`, that
    /// waits on a full queue at most until `deadline` (and briefly after).
    pub fn new(path: PathBuf, alert: &Alert, deadline: Instant) -> Sender {
        Sender {
            path,
            deadline,
            location: Location::for_alert(alert.agent(), LOCATION_NAME),
            claimed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Starts the watchdog: at `at`, unless the run has begun sending, it
    /// sends a `timeout` error event about `alert` and exits with
    /// [`Exit::Misp`].
    pub fn arm_watchdog(&self, at: Instant, alert: &Alert) {
        let description = "no answer from MISP within integratord's timeout";
        let event = enrich_core::error_event(alert, "timeout", description);
        let datagram = wazuh_alert::encode_datagram(&self.location, &event);
        let socket = QueueSocket::new(self.path.clone()).with_timeout(LAST_CHANCE);
        let claimed = Arc::clone(&self.claimed);
        let alert_id = alert.id().to_owned();

        std::thread::spawn(move || {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            if claimed.swap(true, Ordering::SeqCst) {
                return;
            }
            if let Ok(bytes) = datagram {
                let _ = socket.send_raw(&bytes);
            }
            error!("alert {alert_id}: {description}; the run was ended");
            eprintln!("custom-misp: {description}");
            std::process::exit(i32::from(Exit::Misp.code()));
        });
    }

    /// Sends every event, or none when one cannot be encoded. Returns how
    /// many were sent.
    pub fn send_all(&self, events: &[Value]) -> Result<usize, Failure> {
        let datagrams = events
            .iter()
            .map(|event| wazuh_alert::encode_datagram(&self.location, event))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::new(Exit::Socket, &e))?;
        if datagrams.is_empty() {
            return Ok(0);
        }
        if self.claimed.swap(true, Ordering::SeqCst) {
            // The watchdog has already reported this run as timed out.
            return Err(Failure::msg(
                Exit::Misp,
                "the deadline passed before sending",
            ));
        }

        let left = self.deadline.saturating_duration_since(Instant::now());
        let socket = QueueSocket::new(self.path.clone()).with_timeout(left.max(LAST_CHANCE));
        for datagram in &datagrams {
            socket
                .send_raw(datagram)
                .map_err(|e| Failure::new(Exit::Socket, &e))?;
            debug!("sent {}", String::from_utf8_lossy(datagram));
        }
        Ok(datagrams.len())
    }

    /// Sends the error event `code` about `alert`.
    pub fn send_error(&self, alert: &Alert, code: &str, description: &str) -> Result<(), Failure> {
        let event = enrich_core::error_event(alert, code, description);
        self.send_all(&[event]).map(|_| ())
    }
}
