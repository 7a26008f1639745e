//! Sending one request: attempts, repeats with backoff, the deadline, what
//! the network layer's failures mean, and how a host becomes an address.

use crate::answer::Answer;
use crate::error::Cause;
use crate::{ApiKey, Error};
use log::{debug, trace, warn};
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::http::uri::Scheme;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// The first pause before a repeat; it doubles on each repeat.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest pause before a repeat.
const MAX_BACKOFF: Duration = Duration::from_secs(4);
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// How much of a body a trace line shows.
const TRACE_BYTES: usize = 2000;

/// Everything a request needs, fixed when the client is built.
pub(crate) struct Settings {
    pub agent: ureq::Agent,
    pub base_url: String,
    pub https: bool,
    pub key: ApiKey,
    pub timeout: Duration,
    pub retries: u32,
    pub deadline: Option<Instant>,
    pub max_response_bytes: u64,
}

/// One request to make.
pub(crate) struct Call {
    /// The path under the base URL, such as `/servers/getVersion`.
    pub endpoint: &'static str,
    /// The JSON body of a POST; `None` for a GET.
    pub body: Option<Vec<u8>>,
    /// Whether sending it twice does no harm.
    pub repeatable: bool,
}

impl Call {
    pub fn get(endpoint: &'static str) -> Call {
        Call {
            endpoint,
            body: None,
            repeatable: true,
        }
    }

    pub fn post(endpoint: &'static str, body: Vec<u8>, repeatable: bool) -> Call {
        Call {
            endpoint,
            body: Some(body),
            repeatable,
        }
    }

    fn method(&self) -> &'static str {
        if self.body.is_some() { "POST" } else { "GET" }
    }
}

impl Settings {
    /// Sends `call`, repeating it while that is allowed and worth it, and
    /// returns the last answer whatever its status.
    pub fn exchange(&self, call: &Call) -> Result<Answer, Error> {
        if let Some(body) = &call.body {
            trace!(
                "{} {} body: {}",
                call.method(),
                call.endpoint,
                shorten(body)
            );
        }

        let mut repeat = 0;
        loop {
            let outcome = self.attempt(call);
            if !call.repeatable || repeat >= self.retries || !worth_repeating(&outcome) {
                return outcome;
            }

            let pause = backoff(repeat, &outcome);
            if self.deadline.is_some_and(|d| Instant::now() + pause >= d) {
                debug!(
                    "{} {}: no time left for a repeat",
                    call.method(),
                    call.endpoint
                );
                return outcome;
            }
            warn!(
                "{} {} failed ({}); repeat {} of {} in {} ms",
                call.method(),
                call.endpoint,
                describe(&outcome),
                repeat + 1,
                self.retries,
                pause.as_millis()
            );
            std::thread::sleep(pause);
            repeat += 1;
        }
    }

    /// One attempt, with a timeout cut to the time left before the deadline.
    fn attempt(&self, call: &Call) -> Result<Answer, Error> {
        let url = format!("{}{}", self.base_url, call.endpoint);
        let budget = match self.deadline {
            Some(deadline) => self
                .timeout
                .min(deadline.saturating_duration_since(Instant::now())),
            None => self.timeout,
        };
        if budget.is_zero() {
            return Err(Error::Timeout { url, source: None });
        }

        let started = Instant::now();
        let outcome = self.send(call, &url, budget);
        let ms = started.elapsed().as_millis();
        match &outcome {
            Ok(answer) => {
                debug!(
                    "{} {}: HTTP {} in {ms} ms",
                    call.method(),
                    call.endpoint,
                    answer.status
                );
                trace!(
                    "{} {} answer: {}",
                    call.method(),
                    call.endpoint,
                    shorten(&answer.body)
                );
            }
            Err(e) => debug!("{} {}: {e} after {ms} ms", call.method(), call.endpoint),
        }
        outcome
    }

    fn send(&self, call: &Call, url: &str, budget: Duration) -> Result<Answer, Error> {
        let key = self.key.expose();
        let sent = match &call.body {
            None => {
                let request = self.agent.get(url).header("Authorization", key);
                self.with_budget(request, budget).call()
            }
            Some(body) => {
                let request = self
                    .agent
                    .post(url)
                    .header("Authorization", key)
                    .header("Content-Type", "application/json");
                self.with_budget(request, budget).send(body.as_slice())
            }
        };
        let mut response = sent.map_err(|e| self.transport_error(url, call.endpoint, e))?;

        let header = |name: &str| {
            let value = response.headers().get(name)?;
            value.to_str().ok().map(str::to_owned)
        };
        let mut answer = Answer {
            status: response.status().as_u16(),
            content_type: header("content-type"),
            location: header("location"),
            retry_after: header("retry-after").and_then(|s| s.trim().parse().ok()),
            body: Vec::new(),
        };
        answer.body = response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(|e| self.transport_error(url, call.endpoint, e))?;
        Ok(answer)
    }

    /// The request with its overall timeout cut to `budget` when the
    /// deadline leaves less than the agent's timeout. Only then: a request
    /// with settings of its own does not reuse the agent's TLS setup.
    fn with_budget<B>(
        &self,
        request: ureq::RequestBuilder<B>,
        budget: Duration,
    ) -> ureq::RequestBuilder<B> {
        if budget >= self.timeout {
            return request;
        }
        request.config().timeout_global(Some(budget)).build()
    }

    /// What a failure of the network layer means for a caller.
    fn transport_error(&self, url: &str, endpoint: &str, error: ureq::Error) -> Error {
        use ureq::Error as U;

        let url = url.to_owned();
        let kind = match &error {
            U::Timeout(_) => Kind::Timeout,
            U::BodyExceedsLimit(_) => {
                let limit = self.max_response_bytes;
                return Error::TooLarge {
                    endpoint: endpoint.to_owned(),
                    limit,
                };
            }
            U::Io(io) => match io.kind() {
                ErrorKind::TimedOut | ErrorKind::WouldBlock => Kind::Timeout,
                // rustls reports a failed handshake as invalid data.
                ErrorKind::InvalidData if self.https => Kind::Tls,
                _ => Kind::Connect,
            },
            U::Tls(_) | U::Rustls(_) | U::Pem(_) | U::TlsRequired => Kind::Tls,
            U::Protocol(_) | U::LargeResponseHeader(..) => Kind::Protocol,
            U::BadUri(_) | U::Http(_) => Kind::Config,
            _ => Kind::Connect,
        };

        let source: Cause = Box::new(error);
        match kind {
            Kind::Timeout => Error::Timeout {
                url,
                source: Some(source),
            },
            Kind::Tls => Error::Tls { url, source },
            Kind::Protocol => Error::Protocol { url, source },
            Kind::Config => Error::Config {
                message: format!("cannot send a request to {url}"),
                source: Some(source),
            },
            Kind::Connect => Error::Connect { url, source },
        }
    }
}

/// Turns the host of a URL into addresses to connect to.
///
/// A host written as an IP address (`127.0.0.1`, `[::1]`) is answered at
/// once, with no thread and no system call: ureq's own resolver starts a
/// thread for every lookup under a timeout, even for such a host. Any other
/// host, and any scheme but `http` and `https`, goes to ureq's
/// [`DefaultResolver`], timeout and all. The agent's IP family setting holds
/// for both.
#[derive(Debug, Default)]
pub(crate) struct Resolve {
    names: DefaultResolver,
}

impl Resolver for Resolve {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(address) = literal_address(uri) else {
            return self.names.resolve(uri, config, timeout);
        };

        // The IP family setting filters it as it filters looked-up ones.
        let family = config.ip_family();
        let mut wanted = family.keep_wanted(std::iter::once(address));
        let address = wanted.next().ok_or(ureq::Error::HostNotFound)?;
        trace!("{address} needs no lookup");

        let mut addresses = self.empty();
        addresses.push(address);
        Ok(addresses)
    }
}

/// The address an `http` or `https` URL names by an IP literal, with the
/// URL's port or else the scheme's; `None` for anything else.
fn literal_address(uri: &Uri) -> Option<SocketAddr> {
    let scheme = uri.scheme()?;
    let default_port = if *scheme == Scheme::HTTP {
        80
    } else if *scheme == Scheme::HTTPS {
        443
    } else {
        return None;
    };

    let host = uri.host()?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = bare.parse().ok()?;
    Some(SocketAddr::new(ip, uri.port_u16().unwrap_or(default_port)))
}

enum Kind {
    Connect,
    Timeout,
    Tls,
    Protocol,
    Config,
}

/// True for a failure that a repeat may cure: no connection, no answer in
/// time, or MISP (or its proxy) saying it is overloaded or down.
fn worth_repeating(outcome: &Result<Answer, Error>) -> bool {
    match outcome {
        Ok(answer) => matches!(answer.status, 429 | 502 | 503 | 504),
        Err(e) => matches!(e, Error::Connect { .. } | Error::Timeout { .. }),
    }
}

/// The pause before repeat number `repeat` (from 0): exponential, capped,
/// stretched to a `Retry-After` within reason.
fn backoff(repeat: u32, outcome: &Result<Answer, Error>) -> Duration {
    let exponential = FIRST_BACKOFF
        .saturating_mul(1u32 << repeat.min(16))
        .min(MAX_BACKOFF);
    let asked = match outcome {
        Ok(answer) => answer
            .retry_after
            .map(Duration::from_secs)
            .unwrap_or_default(),
        Err(_) => Duration::ZERO,
    };
    exponential.max(asked.min(MAX_RETRY_AFTER))
}

fn describe(outcome: &Result<Answer, Error>) -> String {
    match outcome {
        Ok(answer) => format!("HTTP {}", answer.status),
        Err(e) => e.to_string(),
    }
}

/// A body for a trace line: its start, decoded leniently.
fn shorten(body: &[u8]) -> String {
    let head = String::from_utf8_lossy(&body[..body.len().min(TRACE_BYTES)]).into_owned();
    if body.len() > TRACE_BYTES {
        format!("{head}... ({} bytes)", body.len())
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::config::IpFamily;

    fn status(status: u16, retry_after: Option<u64>) -> Result<Answer, Error> {
        Ok(Answer {
            status,
            retry_after,
            ..Answer::default()
        })
    }

    fn resolve(url: &str, family: IpFamily) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().unwrap();
        let config = ureq::Agent::config_builder().ip_family(family).build();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Resolve,
            ..NextTimeout::default()
        };
        let addresses = Resolve::default().resolve(&uri, &config, timeout)?;
        Ok(addresses.to_vec())
    }

    fn address(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    /// Each URL resolves to the address given, without a lookup.
    fn assert_resolved_directly(cases: &[(&str, &str)]) {
        for &(url, expected) in cases {
            let found = resolve(url, IpFamily::Any).unwrap();
            assert_eq!(found, [address(expected)], "{url}");
            let direct = literal_address(&url.parse().unwrap());
            assert_eq!(direct, Some(address(expected)), "{url} needs no lookup");
        }
    }

    #[test]
    fn ip_literals_resolve_to_themselves() {
        let cases = [
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
            ("https://192.0.2.7:8443", "192.0.2.7:8443"),
            ("http://[::1]:9/", "[::1]:9"),
            ("https://[2001:db8::5]:4443/servers", "[2001:db8::5]:4443"),
            ("https://user:pw@198.51.100.3:1/", "198.51.100.3:1"),
        ];
        assert_resolved_directly(&cases);
    }

    #[test]
    fn ip_literals_without_a_port_take_the_schemes() {
        let cases = [
            ("http://203.0.113.9/", "203.0.113.9:80"),
            ("https://203.0.113.9/", "203.0.113.9:443"),
            ("http://[2001:db8::1]", "[2001:db8::1]:80"),
            ("https://[2001:db8::1]/x", "[2001:db8::1]:443"),
        ];
        assert_resolved_directly(&cases);
    }

    #[test]
    fn ip_literals_honour_the_ip_family_setting() {
        let v4 = "https://192.0.2.1:443";
        let v6 = "https://[2001:db8::1]:443";
        assert_eq!(
            resolve(v4, IpFamily::Ipv4Only).unwrap(),
            [address("192.0.2.1:443")]
        );
        assert_eq!(
            resolve(v6, IpFamily::Ipv6Only).unwrap(),
            [address("[2001:db8::1]:443")]
        );

        for (url, family) in [(v4, IpFamily::Ipv6Only), (v6, IpFamily::Ipv4Only)] {
            let err = resolve(url, family).unwrap_err();
            assert!(matches!(err, ureq::Error::HostNotFound), "{url}: {err}");
        }
    }

    #[test]
    fn host_names_go_to_the_lookup() {
        let found = resolve("http://localhost:8123/", IpFamily::Any).unwrap();
        assert!(!found.is_empty());
        for a in &found {
            assert!(a.ip().is_loopback() && a.port() == 8123, "{a}");
        }

        let found = resolve("https://localhost/", IpFamily::Ipv4Only).unwrap();
        assert!(
            found.iter().all(|a| a.is_ipv4() && a.port() == 443),
            "{found:?}"
        );
    }

    #[test]
    fn only_ip_literals_skip_the_lookup() {
        for host in ["localhost", "127.0.0.1.example", "127.1"] {
            assert_eq!(
                literal_address(&format!("http://{host}/").parse().unwrap()),
                None,
                "{host}"
            );
        }
        // An unknown scheme is the lookup's to refuse, as ureq does.
        let err = resolve("ftp://192.0.2.1:21/", IpFamily::Any).unwrap_err();
        assert!(matches!(err, ureq::Error::BadUri(_)), "{err}");
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let pauses: Vec<_> = (0..6)
            .map(|n| backoff(n, &status(503, None)).as_millis())
            .collect();
        assert_eq!(pauses, [250, 500, 1000, 2000, 4000, 4000]);
        assert_eq!(backoff(40, &status(503, None)), MAX_BACKOFF);
    }

    #[test]
    fn backoff_honours_retry_after_within_reason() {
        assert_eq!(backoff(0, &status(429, Some(3))), Duration::from_secs(3));
        assert_eq!(backoff(0, &status(429, Some(3600))), MAX_RETRY_AFTER);
    }

    #[test]
    fn only_outages_are_worth_repeating() {
        for code in [429, 502, 503, 504] {
            assert!(worth_repeating(&status(code, None)), "{code}");
        }
        for code in [200, 400, 403, 404, 500] {
            assert!(!worth_repeating(&status(code, None)), "{code}");
        }
        assert!(worth_repeating(&Err(Error::Timeout {
            url: "u".into(),
            source: None
        })));
        assert!(!worth_repeating(&Err(Error::EmptyQuery)));
    }
}
