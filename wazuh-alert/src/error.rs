//! The crate's error, and where a failed alert came from.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::invocation::InvocationError;

/// Where an alert that failed to read or parse came from; it names the file
/// or line in error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Text or a reader handed over directly.
    Text,
    /// A file holding one alert.
    File(PathBuf),
    /// One line (1-based) of a stream of alerts, and the file when the
    /// stream was opened by path.
    Line {
        /// The file the stream reads, when known.
        path: Option<PathBuf>,
        /// The line number, counting from 1, blank lines included.
        line: usize,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Text => f.write_str("alert"),
            Origin::File(path) => write!(f, "alert file {}", path.display()),
            Origin::Line { path: None, line } => write!(f, "alert on line {line}"),
            Origin::Line {
                path: Some(path),
                line,
            } => {
                write!(f, "alert on line {line} of {}", path.display())
            }
        }
    }
}

/// Everything that can go wrong in this crate.
///
/// Every variant has a short stable code ([`Error::code`]) for events and
/// logs. Messages name this crate's layer only; the cause is in
/// [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The alert could not be read: the file is missing or unreadable, or a
    /// stream failed part way. Check the path and its permissions.
    #[error("cannot read {origin}")]
    ReadAlert {
        /// The file or line.
        origin: Origin,
        /// The I/O error.
        source: io::Error,
    },

    /// The alert is empty or only whitespace. integratord never writes such
    /// a file; something else emptied or replaced it.
    #[error("{origin} is empty")]
    EmptyAlert {
        /// The file or line.
        origin: Origin,
    },

    /// The alert's JSON ends early: the file was cut or is still being
    /// written.
    #[error("{origin} is truncated: its JSON ends early")]
    TruncatedAlert {
        /// The file or line.
        origin: Origin,
        /// Where the JSON ended.
        source: serde_json::Error,
    },

    /// The alert is not JSON, for example the plain-text format integratord
    /// writes when `alert_format` is not `json`.
    #[error("{origin} is not JSON")]
    NotJson {
        /// The file or line.
        origin: Origin,
        /// Where the JSON broke.
        source: serde_json::Error,
    },

    /// The alert is in integratord's plain-text format (`alertdate='...'`),
    /// written when the integration's `<alert_format>` is not `json`. Add
    /// `<alert_format>json</alert_format>` to the `<integration>` block.
    #[error(
        "{origin} is in integratord's plain format, not JSON: set <alert_format>json</alert_format>"
    )]
    PlainFormat {
        /// The file or line.
        origin: Origin,
    },

    /// The alert is valid JSON but not an object.
    #[error("{origin} is JSON {found}, not an object")]
    NotAnObject {
        /// The file or line.
        origin: Origin,
        /// What it is instead: `an array`, `a string`, ...
        found: &'static str,
    },

    /// More follows the alert's JSON, as when a file holds several alerts;
    /// read those with [`crate::AlertStream`].
    #[error("{origin} holds more than one JSON value")]
    TrailingData {
        /// The file or line.
        origin: Origin,
        /// Where the extra text starts.
        source: serde_json::Error,
    },

    /// A field whose shape Wazuh fixes has another shape, such as `rule`
    /// holding a string. The alert was not written by Wazuh.
    #[error("{origin} has an unusable `{field}`")]
    AlertShape {
        /// The file or line.
        origin: Origin,
        /// The dotted path of the field, such as `rule.level`.
        field: String,
        /// What was wrong with it.
        source: serde_json::Error,
    },

    /// Nothing exists at the queue socket's path (ENOENT): the Wazuh root is
    /// wrong, or wazuh-analysisd never started.
    #[error("queue socket {} does not exist", .path.display())]
    SocketMissing {
        /// The socket's path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// The path exists but is not a socket, so nothing can receive there.
    #[error("queue socket {} is not a socket", .path.display())]
    NotASocket {
        /// The path.
        path: PathBuf,
    },

    /// The socket file exists but nothing receives on it (ECONNREFUSED):
    /// Wazuh is not running. Start the manager and resend.
    #[error("queue socket {} refused the datagram: wazuh is not running", .path.display())]
    WazuhNotRunning {
        /// The socket's path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// This process may not write to the socket (EACCES): run it as user
    /// `wazuh` or root, as integratord does.
    #[error("no permission to write to queue socket {}", .path.display())]
    PermissionDenied {
        /// The socket's path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// The kernel refused the datagram as too large (EMSGSIZE). Datagrams
    /// from [`crate::encode_datagram`] never are; only
    /// [`crate::QueueSocket::send_raw`] can meet this.
    #[error("datagram of {size} bytes is too large for queue socket {}", .path.display())]
    MessageTooLarge {
        /// The socket's path.
        path: PathBuf,
        /// The datagram's size in bytes.
        size: usize,
        /// The I/O error.
        source: io::Error,
    },

    /// The socket's queue stayed full for the whole write timeout:
    /// wazuh-analysisd is running but not reading.
    #[error("queue socket {} stayed full: wazuh-analysisd is not reading", .path.display())]
    SocketBusy {
        /// The socket's path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// Any other failure to send to the socket.
    #[error("cannot send to queue socket {}", .path.display())]
    Io {
        /// The socket's path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// No shrinking can make the event fit one datagram, because the
    /// location (with the smallest possible payload) is already too long.
    #[error("event cannot fit in one datagram: {needed} bytes at least, {limit} allowed")]
    DatagramTooLarge {
        /// The smallest size reachable, in bytes.
        needed: usize,
        /// The limit, [`crate::MAX_DATAGRAM`].
        limit: usize,
    },

    /// The integratord arguments could not be read.
    #[error(transparent)]
    Invocation(#[from] InvocationError),
}

impl Error {
    /// A short, stable code naming the kind of failure, such as
    /// `alert_truncated` or `wazuh_not_running`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ReadAlert { .. } => "alert_unreadable",
            Error::EmptyAlert { .. } => "alert_empty",
            Error::TruncatedAlert { .. } => "alert_truncated",
            Error::NotJson { .. } => "alert_not_json",
            Error::PlainFormat { .. } => "alert_plain_format",
            Error::NotAnObject { .. } => "alert_not_object",
            Error::TrailingData { .. } => "alert_trailing_data",
            Error::AlertShape { .. } => "alert_shape",
            Error::SocketMissing { .. } => "socket_missing",
            Error::NotASocket { .. } => "socket_not_a_socket",
            Error::WazuhNotRunning { .. } => "wazuh_not_running",
            Error::PermissionDenied { .. } => "socket_permission_denied",
            Error::MessageTooLarge { .. } => "message_too_large",
            Error::SocketBusy { .. } => "socket_busy",
            Error::Io { .. } => "socket_io",
            Error::DatagramTooLarge { .. } => "datagram_too_large",
            Error::Invocation(e) => e.code(),
        }
    }

    /// True when reading or parsing an alert failed.
    pub fn is_alert(&self) -> bool {
        matches!(
            self,
            Error::ReadAlert { .. }
                | Error::EmptyAlert { .. }
                | Error::TruncatedAlert { .. }
                | Error::NotJson { .. }
                | Error::PlainFormat { .. }
                | Error::NotAnObject { .. }
                | Error::TrailingData { .. }
                | Error::AlertShape { .. }
        )
    }

    /// True when encoding or sending to the queue socket failed.
    pub fn is_socket(&self) -> bool {
        matches!(
            self,
            Error::SocketMissing { .. }
                | Error::NotASocket { .. }
                | Error::WazuhNotRunning { .. }
                | Error::PermissionDenied { .. }
                | Error::MessageTooLarge { .. }
                | Error::SocketBusy { .. }
                | Error::Io { .. }
                | Error::DatagramTooLarge { .. }
        )
    }

    /// The file or line of an alert error; `None` for other errors.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Error::ReadAlert { origin, .. }
            | Error::EmptyAlert { origin }
            | Error::TruncatedAlert { origin, .. }
            | Error::NotJson { origin, .. }
            | Error::PlainFormat { origin }
            | Error::NotAnObject { origin, .. }
            | Error::TrailingData { origin, .. }
            | Error::AlertShape { origin, .. } => Some(origin),
            _ => None,
        }
    }
}
