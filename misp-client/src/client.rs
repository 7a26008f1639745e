//! The blocking MISP client and its builder.

use crate::answer::{self, SightingAnswer, WarninglistAnswer};
use crate::model::{Attribute, SearchResponse, Sighting, SightingKind, Version, WarninglistHit};
use crate::transport::{Call, Resolve, Settings};
use crate::{ApiKey, Error, SearchQuery};
use log::warn;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::transport::DefaultConnector;

const SEARCH: &str = "/attributes/restSearch";
const VERSION: &str = "/servers/getVersion";
const SIGHTING: &str = "/sightings/add";
const CHECK_VALUE: &str = "/warninglists/checkValue";

/// The connection's read buffer, which also bounds the response header.
/// ureq's default (128 KiB, zeroed before the first byte arrives) costs a
/// short-lived process 33 page faults; MISP's headers take about 1 KiB and
/// a reverse proxy rarely adds more than 8 KiB.
const INPUT_BUFFER_BYTES: usize = 32 * 1024;

/// The connection's write buffer. A search body larger than it goes out in
/// pieces.
const OUTPUT_BUFFER_BYTES: usize = 16 * 1024;

/// The default of [`ClientBuilder::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default of [`ClientBuilder::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default of [`ClientBuilder::retries`].
pub const DEFAULT_RETRIES: u32 = 2;
/// The default of [`ClientBuilder::max_response_bytes`]: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// The settings of a [`Client`], each with a default; made by
/// [`Client::builder`], finished by [`ClientBuilder::build`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    key: ApiKey,
    verify_tls: bool,
    ca_file: Option<PathBuf>,
    connect_timeout: Duration,
    timeout: Duration,
    retries: u32,
    deadline: Option<Instant>,
    user_agent: String,
    max_response_bytes: u64,
}

impl ClientBuilder {
    /// Whether to check MISP's TLS certificate. Defaults to `true`.
    ///
    /// `false` accepts any certificate, which lets anyone on the path read
    /// the API key; [`build`](Self::build) logs a warning when it is off.
    /// Prefer [`ca_file`](Self::ca_file) for a self-signed MISP.
    pub fn verify_tls(mut self, verify: bool) -> Self {
        self.verify_tls = verify;
        self
    }

    /// A PEM file of CA certificates to trust, for a MISP whose certificate
    /// is self-signed or from a private CA. Defaults to none: the bundled
    /// Mozilla roots are trusted.
    ///
    /// The file's certificates replace the bundled roots for this client
    /// (a file may hold several, to trust a public CA as well). A file that
    /// cannot be read or holds no certificate makes
    /// [`build`](Self::build) fail.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// How long to wait for a connection (name lookup, TCP and TLS
    /// handshakes). Defaults to 5 seconds ([`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take in all, connection and body included.
    /// Defaults to 30 seconds ([`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times to repeat a request that is safe to repeat (searches,
    /// the version check, the warninglist check; never a sighting) after a
    /// connection failure, a timeout, or HTTP 429, 502, 503 or 504.
    /// Defaults to 2 ([`DEFAULT_RETRIES`]).
    ///
    /// The pause before a repeat starts at 250 ms and doubles each time, up
    /// to 4 seconds; a longer `Retry-After` from MISP is honoured up to 10
    /// seconds. A [`deadline`](Self::deadline) cuts all of it short.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// An instant after which no request starts. Defaults to none.
    ///
    /// Each attempt's timeout is cut to the time left, and no pause before a
    /// repeat runs past it: a call returns [`Error::Timeout`] at the
    /// deadline at the latest (give or take the resolution of the clock).
    /// This turns a caller's own time budget into one hard limit.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The `User-Agent` header. Defaults to `misp-client/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The largest answer body read, in bytes; a larger one gives
    /// [`Error::TooLarge`]. Defaults to 64 MiB
    /// ([`DEFAULT_MAX_RESPONSE_BYTES`]), room for about 60,000 attributes.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Makes the client. Sends nothing: the first request finds out whether
    /// MISP is there (see [`Client::version`] for a cheap check).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the base URL is not an `http` or `https` URL
    /// with a host, or the CA file cannot be read or holds no certificate.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = normalize_base_url(&self.base_url)?;
        let tls = self.tls_config(&base_url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .user_agent(self.user_agent.as_str())
            .accept("application/json")
            .tls_config(tls)
            .input_buffer_size(INPUT_BUFFER_BYTES)
            .max_response_header_size(INPUT_BUFFER_BYTES)
            .output_buffer_size(OUTPUT_BUFFER_BYTES)
            .build();

        let settings = Settings {
            agent: ureq::Agent::with_parts(config, DefaultConnector::default(), Resolve::default()),
            https: base_url.starts_with("https:"),
            base_url,
            key: self.key,
            timeout: self.timeout,
            retries: self.retries,
            deadline: self.deadline,
            max_response_bytes: self.max_response_bytes,
        };
        Ok(Client { settings })
    }

    fn tls_config(&self, base_url: &str) -> Result<TlsConfig, Error> {
        let mut tls = TlsConfig::builder();
        if let Some(path) = &self.ca_file {
            tls = tls.root_certs(read_ca_file(path)?);
        }
        if !self.verify_tls {
            warn!("TLS certificate verification is off for MISP at {base_url}");
            tls = tls.disable_verification(true);
        }
        Ok(tls.build())
    }
}

/// The CA certificates of a PEM file.
fn read_ca_file(path: &std::path::Path) -> Result<RootCerts, Error> {
    let config =
        |message: String, source: Option<crate::error::Cause>| Error::Config { message, source };
    let pem = std::fs::read(path).map_err(|e| {
        config(
            format!("cannot read the CA file {}", path.display()),
            Some(Box::new(e)),
        )
    })?;

    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => {
                let message = format!("cannot read the CA file {} as PEM", path.display());
                return Err(config(message, Some(Box::new(e))));
            }
        }
    }
    if certs.is_empty() {
        return Err(config(
            format!("the CA file {} holds no PEM certificate", path.display()),
            None,
        ));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// The MISP root URL from what a user wrote: blanks and a trailing `/`
/// removed, and the old habit of giving the search URL itself undone.
fn normalize_base_url(raw: &str) -> Result<String, Error> {
    // A URL with credentials in it is never quoted back.
    let shown = if raw.contains('@') {
        "given".to_owned()
    } else {
        format!("{raw:?}")
    };
    let bad = |why: &str, source: Option<crate::error::Cause>| Error::Config {
        message: format!("the MISP URL {shown} {why}"),
        source,
    };

    let mut base = raw.trim().trim_end_matches('/');
    if let Some(root) = strip_suffix_ignore_case(base, SEARCH) {
        base = root.trim_end_matches('/');
    }

    let url = url::Url::parse(base).map_err(|e| bad("is not a URL", Some(Box::new(e))))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with https:// or http://", None));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host", None));
    }
    // The key authenticates; a password in the URL would reach the logs.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not hold a user name or password", None));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not hold a query or a fragment", None));
    }
    Ok(base.to_owned())
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

/// A blocking client of one MISP instance.
///
/// Made by [`Client::builder`]. Cheap to share by reference between
/// threads; connections are kept and reused.
pub struct Client {
    settings: Settings,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.settings.base_url)
            .field("key", &self.settings.key)
            .field("timeout", &self.settings.timeout)
            .field("retries", &self.settings.retries)
            .field("deadline", &self.settings.deadline)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a client of the MISP at `base_url` (such as
    /// `https://misp.example.org`), sending `key` with every request.
    ///
    /// A trailing `/` is fine, and so is a URL that ends with
    /// `/attributes/restSearch`, as older integrations were configured: the
    /// client keeps the MISP root.
    pub fn builder(base_url: &str, key: ApiKey) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            key,
            verify_tls: true,
            ca_file: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            deadline: None,
            user_agent: concat!("misp-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The MISP root URL the client talks to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.settings.base_url
    }

    /// Searches attributes (`POST /attributes/restSearch`).
    ///
    /// Without [`SearchQuery::limit`], MISP returns every match at once; see
    /// [`search_all`](Self::search_all) to page through a large answer.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyQuery`] without sending anything when
    /// [`SearchQuery::is_empty`] is true; otherwise any transport, status
    /// or decoding error.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<Attribute>, Error> {
        if query.is_empty() {
            return Err(Error::EmptyQuery);
        }
        let body = serde_json::to_vec(query).map_err(|e| encode_error(SEARCH, e))?;
        let answer: SearchResponse = self.fetch(Call::post(SEARCH, body, true))?;
        Ok(answer.response.attributes)
    }

    /// Searches attributes page by page, `page_size` a page (at least 1),
    /// until MISP returns a page shorter than that; the query's own `limit`
    /// and `page` are ignored. Stops, with a warning, if MISP sends the
    /// same page twice (an instance that ignores `page`).
    ///
    /// # Errors
    ///
    /// As [`search`](Self::search); a failure on any page fails the call.
    pub fn search_all(&self, query: &SearchQuery, page_size: u32) -> Result<Vec<Attribute>, Error> {
        let page_size = page_size.max(1);
        let mut query = SearchQuery {
            limit: Some(page_size),
            ..query.clone()
        };
        let mut all: Vec<Attribute> = Vec::new();

        for page in 1.. {
            query.page = Some(page);
            let batch = self.search(&query)?;
            let full = batch.len() >= page_size as usize;
            if page > 1 && repeats_previous_page(&all, &batch, page_size) {
                warn!(
                    "MISP at {} sent page {page} twice; it may ignore paging",
                    self.base_url()
                );
                break;
            }
            all.extend(batch);
            if !full {
                break;
            }
        }
        Ok(all)
    }

    /// MISP's version and the key's permissions (`GET
    /// /servers/getVersion`): a cheap check that MISP answers and accepts
    /// the key.
    ///
    /// # Errors
    ///
    /// [`Error::Auth`] for a refused key; any transport, status or decoding
    /// error.
    pub fn version(&self) -> Result<Version, Error> {
        self.fetch(Call::get(VERSION))
    }

    /// Adds a sighting of `kind` from `source` to every attribute that has
    /// one of `values` (`POST /sightings/add`). Never repeated on failure:
    /// a repeat could count the sighting twice.
    ///
    /// # Errors
    ///
    /// [`Error::SightingRefused`] when MISP answers HTTP 200 with only a
    /// message (no attribute matched, or no permission), except for an
    /// older MISP's bare `Sighting added`, which is a success and gives a
    /// [`Sighting`] with every field at its default;
    /// [`Error::EmptyQuery`] without sending anything when `values` is
    /// empty; any transport, status or decoding error.
    pub fn add_sighting(
        &self,
        values: &[String],
        source: &str,
        kind: SightingKind,
    ) -> Result<Sighting, Error> {
        if values.is_empty() {
            return Err(Error::EmptyQuery);
        }
        let request = serde_json::json!({"values": values, "source": source, "type": kind.code()});
        let body = serde_json::to_vec(&request).map_err(|e| encode_error(SIGHTING, e))?;
        let call = Call::post(SIGHTING, body, false);
        let answer = self.settings.exchange(&call)?;
        let sighting: SightingAnswer = answer::decode(SIGHTING, &answer)?;
        sighting.outcome(SIGHTING, &answer.body)
    }

    /// The enabled warninglists each of `values` is on (`POST
    /// /warninglists/checkValue`); empty when none is on any, and without
    /// a request when `values` is empty.
    ///
    /// # Errors
    ///
    /// Any transport, status or decoding error.
    pub fn check_warninglists(&self, values: &[String]) -> Result<Vec<WarninglistHit>, Error> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let body = serde_json::to_vec(values).map_err(|e| encode_error(CHECK_VALUE, e))?;
        let hits: WarninglistAnswer = self.fetch(Call::post(CHECK_VALUE, body, true))?;
        Ok(hits.0)
    }

    fn fetch<T: serde::de::DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let answer = self.settings.exchange(&call)?;
        answer::decode(call.endpoint, &answer)
    }
}

/// True when `batch` is a full page equal to the last page already kept.
fn repeats_previous_page(all: &[Attribute], batch: &[Attribute], page_size: u32) -> bool {
    let size = page_size as usize;
    batch.len() == size && all.len() >= size && all[all.len() - size..] == *batch
}

/// Serialising a request body cannot fail for these types (strings,
/// numbers, booleans); should it ever, it is a bug reported as such.
fn encode_error(endpoint: &str, source: serde_json::Error) -> Error {
    Error::Config {
        message: format!("cannot encode the request to {endpoint}"),
        source: Some(Box::new(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_the_misp_root() {
        let cases = [
            ("https://misp.test", "https://misp.test"),
            ("https://misp.test/", "https://misp.test"),
            (" https://misp.test/misp// ", "https://misp.test/misp"),
            (
                "https://misp.test/attributes/restSearch",
                "https://misp.test",
            ),
            (
                "https://misp.test/attributes/restSearch/",
                "https://misp.test",
            ),
            (
                "https://misp.test/misp/Attributes/RestSearch",
                "https://misp.test/misp",
            ),
            ("http://192.0.2.10:8080/", "http://192.0.2.10:8080"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_base_url(raw).unwrap(), want, "{raw}");
        }
    }

    #[test]
    fn unusable_base_urls_are_config_errors() {
        for raw in [
            "",
            "misp.test",
            "ftp://misp.test",
            "https://",
            "https://misp.test/?a=1",
            "file:///etc",
            "https://admin:hunter2@misp.test",
        ] {
            let err = normalize_base_url(raw).unwrap_err();
            assert_eq!(err.code(), "config", "{raw}: {err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn client_and_error_can_cross_threads() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Client>();
        shareable::<Error>();
    }

    #[test]
    fn repeated_page_is_detected_only_when_identical() {
        let attr = |id| Attribute {
            id,
            event_id: 1,
            object_id: None,
            category: String::new(),
            kind: "ip-dst".into(),
            value: "45.33.32.156".into(),
            to_ids: true,
            uuid: String::new(),
            timestamp: 0,
            distribution: None,
            comment: String::new(),
            deleted: false,
            first_seen: None,
            last_seen: None,
            event: None,
            tags: Vec::new(),
        };
        let first = vec![attr(1), attr(2)];
        assert!(repeats_previous_page(&first, &[attr(1), attr(2)], 2));
        assert!(!repeats_previous_page(&first, &[attr(3), attr(4)], 2));
        assert!(!repeats_previous_page(&first, &[attr(1)], 2));
    }
}
