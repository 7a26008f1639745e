//! Sending events to the analysisd queue socket.

use std::io::{self, ErrorKind};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::datagram::encode_datagram;
use crate::error::Error;
use crate::location::Location;

/// EMSGSIZE, which `std::io::ErrorKind` has no stable kind for.
#[cfg(any(target_os = "linux", target_os = "android"))]
const EMSGSIZE: i32 = 90;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const EMSGSIZE: i32 = 40;

/// How long a send may wait for room in the socket's queue, by default.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// The analysisd queue socket, `<root>/queue/sockets/queue`.
///
/// Each send opens an unbound datagram socket and sends one datagram to
/// the path, so a restart of Wazuh between two sends does no harm.
///
/// # Example
///
/// ```no_run
/// use serde_json::json;
/// use wazuh_alert::{Location, Paths, QueueSocket};
///
/// let socket = QueueSocket::new(Paths::default().queue_socket());
/// let event = json!({"integration": "misp", "misp": {"status": "test"}});
/// socket.send(&Location::new("misp"), &event)?;
/// # Ok::<(), wazuh_alert::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSocket {
    path: PathBuf,
    timeout: Duration,
}

impl QueueSocket {
    /// The socket at `path`. Nothing is opened until the first send.
    pub fn new(path: impl Into<PathBuf>) -> QueueSocket {
        QueueSocket {
            path: path.into(),
            timeout: DEFAULT_SEND_TIMEOUT,
        }
    }

    /// How long a send may wait while the socket's queue is full before it
    /// fails with [`Error::SocketBusy`]. Defaults to
    /// [`DEFAULT_SEND_TIMEOUT`] (5 seconds); a zero duration is read as the
    /// default.
    pub fn with_timeout(mut self, timeout: Duration) -> QueueSocket {
        self.timeout = if timeout.is_zero() {
            DEFAULT_SEND_TIMEOUT
        } else {
            timeout
        };
        self
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Encodes the event with [`encode_datagram`] (shrinking it if needed)
    /// and sends it.
    ///
    /// # Errors
    ///
    /// [`Error::DatagramTooLarge`] from the encoding, else as
    /// [`QueueSocket::send_raw`].
    pub fn send(&self, location: &Location, payload: &Value) -> Result<(), Error> {
        let datagram = encode_datagram(location, payload)?;
        self.send_raw(&datagram)
    }

    /// Sends bytes as one datagram, as they are. Keep them to
    /// [`crate::MAX_DATAGRAM`] bytes: analysisd silently cuts a longer
    /// datagram, and the kernel refuses one past its buffer (about 212 KB).
    ///
    /// # Errors
    ///
    /// [`Error::SocketMissing`] (nothing at the path),
    /// [`Error::NotASocket`], [`Error::WazuhNotRunning`] (nothing
    /// receives), [`Error::PermissionDenied`], [`Error::MessageTooLarge`],
    /// [`Error::SocketBusy`] (the queue stayed full) or [`Error::Io`].
    pub fn send_raw(&self, bytes: &[u8]) -> Result<(), Error> {
        let socket = UnixDatagram::unbound().map_err(|source| self.io(source))?;
        socket
            .set_write_timeout(Some(self.timeout))
            .map_err(|source| self.io(source))?;

        let sent = socket
            .send_to(bytes, &self.path)
            .map_err(|e| self.classify(e, bytes.len()))?;
        if sent != bytes.len() {
            let source = io::Error::new(
                ErrorKind::WriteZero,
                format!("sent {sent} of {} bytes", bytes.len()),
            );
            return Err(self.io(source));
        }
        log::debug!(
            "sent a datagram of {} bytes to {}",
            bytes.len(),
            self.path.display()
        );
        Ok(())
    }

    fn io(&self, source: io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn classify(&self, source: io::Error, size: usize) -> Error {
        let path = self.path.clone();
        match source.kind() {
            ErrorKind::NotFound => Error::SocketMissing { path, source },
            ErrorKind::ConnectionRefused if !self.is_socket() => Error::NotASocket { path },
            ErrorKind::ConnectionRefused => Error::WazuhNotRunning { path, source },
            ErrorKind::PermissionDenied => Error::PermissionDenied { path, source },
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Error::SocketBusy { path, source },
            _ if source.raw_os_error() == Some(EMSGSIZE) => {
                Error::MessageTooLarge { path, size, source }
            }
            _ => Error::Io { path, source },
        }
    }

    /// True unless the path exists and is something other than a socket.
    fn is_socket(&self) -> bool {
        std::fs::metadata(&self.path).map_or(true, |m| m.file_type().is_socket())
    }
}
