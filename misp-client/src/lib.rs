//! A typed, blocking client for [MISP], the threat-intelligence platform,
//! and the MISP data model it speaks.
//!
//! The client asks one MISP instance what it knows: attribute searches, the
//! version and key check, sightings, and the warninglist check. Answers come
//! back as typed values ([`Attribute`] with its [`EventSummary`] and
//! [`Tag`]s), failures as one [`Error`] that tells an outage from a wrong key
//! or a wrong URL. It is built on [ureq]: no async runtime, one thread.
//!
//! It also reads MISP's offline formats: a feed folder ([`Feed`]) answers
//! the same [`SearchQuery`] as a server would, and [`Warninglists`] checks
//! values against MISP's warninglists, both without a network.
//!
//! [MISP]: https://www.misp-project.org/
//! [ureq]: https://docs.rs/ureq
//!
//! # Example
//!
//! ```no_run
//! use misp_client::{ApiKey, Client, SearchQuery};
//! use std::time::Duration;
//!
//! let key = ApiKey::from_file("/etc/misp.key")?;
//! let client = Client::builder("https://misp.example.org", key)
//!     .timeout(Duration::from_secs(10))
//!     .build()?;
//!
//! let query = SearchQuery::values(["45.33.32.156", "update-cdn-7f3a.com"]).with_to_ids(true);
//! for attribute in client.search(&query)? {
//!     let event = attribute.event.as_ref().map_or("", |e| e.info.as_str());
//!     println!("{} {} in event {event:?}", attribute.kind, attribute.value);
//! }
//! # Ok::<(), misp_client::Error>(())
//! ```
//!
//! # Errors
//!
//! Every call returns [`Error`]. [`Error::is_transient`] is true when MISP
//! could not be reached or was struggling (no connection, timeout, HTTP 429
//! or 5xx): try again later. [`Error::code`] gives a stable name of the kind
//! for logs. The other kinds point at the setup: [`Error::Auth`] (HTTP 403,
//! with MISP's message), [`Error::Tls`], [`Error::Html`] (the URL serves a
//! web page, not MISP's API), [`Error::Decode`] (naming the endpoint, the
//! JSON path that failed and the start of the body), [`Error::Config`].
//! A body MISP sends never makes the crate panic.
//!
//! The API key is an [`ApiKey`], whose `Debug` and `Display` print
//! `[redacted]`; it is sent in the `Authorization` header and appears in no
//! error, log line or `Debug` output.
//!
//! # Logging
//!
//! Through the [`log`](https://docs.rs/log) facade, target `misp_client`:
//!
//! - `debug!`: each request's method and path, then its status (or failure)
//!   and how long it took;
//! - `trace!`: the start of each request and answer body (up to 2000 bytes;
//!   bodies hold the values asked about, never the key);
//! - `warn!`: TLS verification turned off (once, when the client is built),
//!   each repeat of a failed request, and paging that MISP ignores.
//!
//! Nothing is logged at `info!` or `error!`: errors are returned.
//!
//! # Limits
//!
//! - Requests time out after [`ClientBuilder::timeout`] (30 s by default);
//!   a [`ClientBuilder::deadline`] bounds a whole call, repeats included.
//! - Searches, the version and warninglist checks are repeated up to
//!   [`ClientBuilder::retries`] times (2 by default) on an outage; a
//!   sighting is never repeated, as MISP could count it twice.
//! - An answer over [`ClientBuilder::max_response_bytes`] (64 MiB by
//!   default) is refused with [`Error::TooLarge`]; use
//!   [`Client::search_all`] to page through a large search.
//! - Redirects are not followed: a MISP URL that redirects (say from
//!   `http` to `https`) gives an [`Error::Http`] naming the target.
//! - A [`ClientBuilder::ca_file`] replaces the bundled Mozilla roots rather
//!   than adding to them.
//! - MISP's own matching applies: values match exactly and without regard
//!   to case, either half of a composite value matches, and there is no
//!   CIDR containment (a stored `198.51.100.0/24` is not found by
//!   `198.51.100.7`).
//!
//! # Features
//!
//! - `http` (default): the [`Client`] and everything that talks to the
//!   network. Without it the crate is the model alone ([`Attribute`],
//!   [`SearchQuery`], [`Sighting`], ...), [`ApiKey`], [`Error`], and the
//!   offline [`Feed`] and [`Warninglists`], with no network code and no TLS
//!   stack, for crates that only reason about answers.

mod de;
mod error;
pub mod feed;
mod key;
pub mod model;
pub mod query;
pub mod warninglist;

#[cfg(feature = "http")]
mod answer;
#[cfg(feature = "http")]
mod client;
#[cfg(feature = "http")]
mod transport;

pub use error::{Cause, Error};
pub use feed::{Feed, FeedError};
pub use key::ApiKey;
pub use model::{
    Attribute, EventSummary, SearchAttributes, SearchResponse, Sighting, SightingKind, Tag,
    Version, WarninglistHit,
};
pub use query::SearchQuery;
pub use warninglist::{WarninglistError, Warninglists};

#[cfg(feature = "http")]
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
};
