//! The one error type of the crate.

/// The underlying cause of an error, reachable through
/// [`std::error::Error::source`].
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when talking to MISP.
///
/// The variants tell apart what a caller acts on differently: MISP cannot be
/// reached or is too slow ([`Error::is_transient`] is true: worth a retry
/// later, and counts as an outage), the key or the configuration is wrong
/// (fix the setup), or MISP answered something this crate cannot read (the
/// URL probably points somewhere else). [`Error::code`] gives a stable short
/// name for each kind, for logs and machine-readable events.
///
/// Messages are lowercase, name the MISP side only, and leave the lower
/// layer's reason to [`source`](std::error::Error::source). No message and
/// no `Debug` output holds the API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection could not be made or broke off: the name does not
    /// resolve, nothing listens on the port, the network is down, or the
    /// peer closed the connection early. Usually passes; check the URL if it
    /// does not.
    #[error("cannot reach MISP at {url}")]
    Connect {
        /// The URL that was asked, without the key.
        url: String,
        /// What the network layer reported.
        #[source]
        source: Cause,
    },

    /// No complete answer came in time: the per-request timeout or the
    /// client's deadline ran out. MISP may be overloaded; a narrower search
    /// or a longer timeout may help.
    #[error("MISP at {url} did not answer in time")]
    Timeout {
        /// The URL that was asked, without the key.
        url: String,
        /// What the network layer reported; `None` when the deadline had
        /// passed before a request could start.
        #[source]
        source: Option<Cause>,
    },

    /// The TLS handshake failed: the certificate is not trusted (self-signed
    /// without [`ca_file`](crate::ClientBuilder::ca_file)), is for another
    /// name, has expired, or the server does not speak TLS on that port.
    #[error("TLS with MISP at {url} failed")]
    Tls {
        /// The URL that was asked, without the key.
        url: String,
        /// What the TLS layer reported.
        #[source]
        source: Cause,
    },

    /// MISP refused the key (HTTP 403, or 401 from a proxy in front of it):
    /// the key is wrong, disabled, or its user lacks the permission the call
    /// needs.
    #[error("MISP refused the API key: {message}")]
    Auth {
        /// MISP's own explanation, or the status when it gave none.
        message: String,
    },

    /// MISP answered with another error status. The fields hold MISP's JSON
    /// error (`{name, message, url}`) when there was one. MISP answers 400 to
    /// a search without filters, 404 to an unknown path or id, 405 to a
    /// body that is not JSON, 500 to a failure of its own; a 3xx means the
    /// URL redirects, and the message then names where to.
    #[error("MISP answered HTTP {status} on {url}: {message}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// MISP's short error name, such as `Not Found`; empty when absent.
        name: String,
        /// MISP's message, or the start of the body when it was not JSON.
        message: String,
        /// MISP's `url` field, or the path that was asked.
        url: String,
    },

    /// An HTML page came back where JSON was expected: the base URL points
    /// at something that is not MISP's API (a login portal, a proxy's error
    /// page, the web interface of another product).
    #[error("MISP answered an HTML page on {endpoint} (HTTP {status}): wrong URL or a login proxy")]
    Html {
        /// The HTTP status code.
        status: u16,
        /// The endpoint that was asked, such as `/attributes/restSearch`.
        endpoint: String,
    },

    /// The body was not the JSON this endpoint answers. `path` tells which
    /// field failed (`response.Attribute[3].value`), `snippet` holds the
    /// start of the body, enough to recognise what answered.
    #[error("cannot decode MISP's answer on {endpoint} at `{path}` (body starts {snippet:?})")]
    Decode {
        /// The endpoint that was asked.
        endpoint: String,
        /// The JSON path of the value that failed, `.` for the whole body.
        path: String,
        /// The first 200 characters or so of the body.
        snippet: String,
        /// What the JSON decoder reported.
        #[source]
        source: serde_json::Error,
    },

    /// The answer was larger than
    /// [`max_response_bytes`](crate::ClientBuilder::max_response_bytes).
    /// Narrow the search, page it, or raise the limit.
    #[error("MISP's answer on {endpoint} is larger than {limit} bytes")]
    TooLarge {
        /// The endpoint that was asked.
        endpoint: String,
        /// The limit in force.
        limit: u64,
    },

    /// The peer did not speak HTTP: the port belongs to another service.
    #[error("MISP at {url} did not answer in HTTP")]
    Protocol {
        /// The URL that was asked, without the key.
        url: String,
        /// What the HTTP layer reported.
        #[source]
        source: Cause,
    },

    /// A search filtered on nothing, or a sighting named no value. An empty
    /// search would ask MISP for every attribute it holds, so the client
    /// refuses it before sending anything.
    #[error("refusing to ask MISP with nothing to look for")]
    EmptyQuery,

    /// The client's own settings are wrong: an unusable base URL, or a CA or
    /// key file that cannot be read or holds nothing usable. Raised before
    /// any request is sent.
    #[error("{message}")]
    Config {
        /// What is wrong, naming the setting or file.
        message: String,
        /// The lower-level reason, when there is one.
        #[source]
        source: Option<Cause>,
    },

    /// MISP answered a sighting with HTTP 200 but without a `Sighting`:
    /// nothing matched the values, or the key's user may not add sightings.
    #[error("MISP refused the sighting: {message}")]
    SightingRefused {
        /// MISP's explanation.
        message: String,
    },
}

impl Error {
    /// True when the failure says MISP is unreachable or struggling rather
    /// than that the request or the setup is wrong: a connection failure, a
    /// timeout, HTTP 429, or any 5xx status. Such a failure is worth trying
    /// again later, and counts as an outage for a caller that tracks them.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Timeout { .. } => true,
            Error::Http { status, .. } => *status == 429 || (500..600).contains(status),
            _ => false,
        }
    }

    /// A stable snake_case name of the kind of failure, for logs and
    /// machine-readable events: `unreachable`, `timeout`, `tls`, `auth`,
    /// `http`, `bad_response` (HTML, undecodable, too large, or not HTTP),
    /// `config`, `sighting_refused` or `empty_query`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Connect { .. } => "unreachable",
            Error::Timeout { .. } => "timeout",
            Error::Tls { .. } => "tls",
            Error::Auth { .. } => "auth",
            Error::Http { .. } => "http",
            Error::Html { .. }
            | Error::Decode { .. }
            | Error::TooLarge { .. }
            | Error::Protocol { .. } => "bad_response",
            Error::EmptyQuery => "empty_query",
            Error::Config { .. } => "config",
            Error::SightingRefused { .. } => "sighting_refused",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> Error {
        Error::Http {
            status,
            name: String::new(),
            message: String::new(),
            url: "/x".into(),
        }
    }

    #[test]
    fn transient_means_outage_not_mistake() {
        let io = || -> Cause { Box::new(std::io::Error::other("boom")) };
        assert!(
            Error::Connect {
                url: "u".into(),
                source: io()
            }
            .is_transient()
        );
        assert!(
            Error::Timeout {
                url: "u".into(),
                source: None
            }
            .is_transient()
        );
        for status in [429, 500, 502, 503, 504] {
            assert!(http(status).is_transient(), "{status}");
        }
        for status in [301, 400, 404, 405] {
            assert!(!http(status).is_transient(), "{status}");
        }
        assert!(
            !Error::Auth {
                message: "no".into()
            }
            .is_transient()
        );
        assert!(
            !Error::Tls {
                url: "u".into(),
                source: io()
            }
            .is_transient()
        );
        assert!(!Error::EmptyQuery.is_transient());
    }

    #[test]
    fn messages_are_lowercase_without_trailing_period() {
        let errors = [
            http(404),
            Error::Html {
                status: 200,
                endpoint: "/servers/getVersion".into(),
            },
            Error::TooLarge {
                endpoint: "/attributes/restSearch".into(),
                limit: 10,
            },
            Error::EmptyQuery,
            Error::SightingRefused {
                message: "no".into(),
            },
            Error::Auth {
                message: "Authentication failed.".into(),
            },
        ];
        for err in errors {
            let text = err.to_string();
            let first = text.chars().next().unwrap();
            // "MISP" is a name; everything else starts lowercase.
            assert!(first.is_lowercase() || text.starts_with("MISP"), "{text}");
            if !matches!(err, Error::Auth { .. }) {
                assert!(!text.ends_with('.'), "{text}");
            }
        }
    }
}
