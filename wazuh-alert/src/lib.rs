//! Everything a program needs to know about Wazuh to run as one of its
//! integrations: the alert it is handed, the arguments wazuh-integratord
//! runs it with, and the analysisd queue socket it answers on.
//!
//! - [`Alert`]: the fields whose shape Wazuh fixes (rule, agent, manager,
//!   decoder, location, syscheck, ...) typed, and the whole alert reachable
//!   as JSON by dotted path ([`Alert::get`]), since `data` differs for
//!   every decoder. [`Alert::read_file`] reads integratord's alert file;
//!   [`AlertStream`] reads `alerts.json`, one alert a line.
//! - [`Invocation`]: integratord's argv, for Wazuh 4.8 and later and the
//!   older, shorter forms, including keys and URLs holding spaces.
//! - [`Paths`] and [`root_from_executable`]: where the Wazuh root and its
//!   sockets are.
//! - [`QueueSocket`], [`Location`] and [`encode_datagram`]: sending an event
//!   back to analysisd, filed under the agent the alert came from, in one
//!   datagram that never exceeds [`MAX_DATAGRAM`] bytes.
//!
//! # Example
//!
//! ```
//! use serde_json::json;
//! use wazuh_alert::{encode_datagram, Alert, Invocation, Location};
//!
//! // integratord ran us with an alert file and, say, no debug flag.
//! let run = Invocation::parse(["/tmp/custom-misp-1767225600-42.alert", "", "", "", "", "10", "3",
//!     "> /dev/null 2>&1"])?;
//! assert_eq!(run.timeout, Some(std::time::Duration::from_secs(10)));
//!
//! // The alert file holds one line of compact JSON.
//! let alert = Alert::from_json(r#"{"rule":{"level":5,"id":"5760","groups":["sshd"]},
//!     "agent":{"id":"006","name":"web-v6","ip":"2001:db8::6"},
//!     "data":{"srcip":"45.33.32.156"},"location":"/var/log/auth.log"}"#)?;
//! assert_eq!(alert.get_str("data.srcip"), Some("45.33.32.156"));
//!
//! // The answer goes back under the alert's agent; `:` in the address is
//! // escaped for analysisd.
//! let location = Location::for_alert(alert.agent(), "misp");
//! let datagram = encode_datagram(&location, &json!({"integration": "misp"}))?;
//! assert_eq!(datagram, b"1:[006] (web-v6) 2001|:db8|:|:6->misp:{\"integration\":\"misp\"}");
//! # Ok::<(), wazuh_alert::Error>(())
//! ```
//!
//! # Errors
//!
//! One [`Error`] for the crate; [`Error::code`] gives a short stable code
//! for each kind. Alert errors name the file or line they come from
//! ([`Origin`]), socket errors the socket's path, and messages never hold
//! an API key. [`Invocation::parse`] returns its own [`InvocationError`],
//! which converts into [`Error`].
//!
//! # Logging
//!
//! Through the `log` facade: `debug!` for an alert read, the integratord
//! form found and a datagram sent (never the key); `warn!` when an event
//! had to be shrunk to fit one datagram. Nothing at `info!` or `error!`.
//!
//! # Limits
//!
//! - Shrinking an event loses data by the rule [`encode_datagram`]
//!   documents; the event then carries `"truncated": true`.
//! - analysisd decodes at most 256 fields of an event; this crate does not
//!   count them.
//! - A key or hook URL holding spaces is rebuilt by the rule
//!   [`Invocation::parse`] documents; a hook URL holding a space next to a
//!   key holding one can be split at the wrong space.
//! - Only Unix systems: the queue socket is a Unix datagram socket.

mod alert;
mod datagram;
mod error;
mod invocation;
mod lenient;
mod location;
mod paths;
mod read;
mod socket;

pub use alert::{Agent, Alert, AlertFields, Decoder, Manager, Mitre, Rule, Syscheck};
pub use datagram::{CUT_MARKER, MAX_DATAGRAM, TRUNCATED_FIELD, encode_datagram};
pub use error::{Error, Origin};
pub use invocation::{Form, Invocation, InvocationError, Secret};
pub use location::Location;
pub use paths::{DEFAULT_ROOT, Paths, root_from_executable};
pub use read::{AlertStream, alerts_from_lines, read_alert_file};
pub use socket::{DEFAULT_SEND_TIMEOUT, QueueSocket};
