//! Where answers come from: a MISP server, or a MISP feed folder standing in
//! for one. Enrichment cannot tell them apart.

use crate::exit::{Exit, Failure};
use crate::options::Options;
use misp_client::feed::Feed;
use misp_client::{ApiKey, Attribute, Client, SearchQuery};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A place to search attributes in.
pub enum Source {
    /// A MISP server.
    Misp(Client),
    /// A MISP feed folder, read at the first search (reading a large feed
    /// takes a while, and a run whose answers are all cached needs none).
    Feed(PathBuf, OnceCell<Feed>),
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// MISP failed.
    #[error(transparent)]
    Misp(#[from] misp_client::Error),
    /// The feed folder could not be read.
    #[error("cannot read the MISP feed")]
    Feed(#[source] misp_client::FeedError),
}

impl SourceError {
    /// The stable code of the error event: MISP's codes, or `feed`.
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::Misp(e) => e.code(),
            SourceError::Feed(_) => "feed",
        }
    }

    /// True when the source is down or slow rather than refusing us: what
    /// opens the circuit breaker.
    pub fn is_transient(&self) -> bool {
        matches!(self, SourceError::Misp(e) if e.is_transient())
    }
}

/// What it takes to open a source.
#[derive(Debug, Default)]
pub struct Settings {
    /// The MISP base URL.
    pub url: Option<String>,
    /// The API key given directly (argv or environment).
    pub key: Option<ApiKey>,
    /// A file holding the API key; wins over `key`.
    pub key_file: Option<PathBuf>,
    /// Verify MISP's TLS certificate.
    pub verify_tls: bool,
    /// An extra CA certificate.
    pub ca_file: Option<PathBuf>,
    /// A feed folder; wins over the server settings.
    pub feed: Option<PathBuf>,
    /// Retries of requests safe to repeat.
    pub retries: Option<u32>,
    /// No request starts after this instant.
    pub deadline: Option<Instant>,
}

impl Settings {
    /// Fills what the options file says where nothing more specific (a
    /// flag, the command line) already did: key file, CA file, feed, and
    /// TLS verification (off if either says off).
    pub fn with_options(mut self, options: &Options) -> Settings {
        self.key_file = self.key_file.or_else(|| options.key_file.clone());
        self.ca_file = self.ca_file.or_else(|| options.ca_file.clone());
        self.feed = self.feed.or_else(|| options.feed.clone());
        self.verify_tls &= options.verify_tls;
        self
    }
}

impl Source {
    /// Opens the source the settings name: the feed when there is one,
    /// else the MISP server, which then needs a URL and a key.
    pub fn open(settings: Settings) -> Result<Source, Failure> {
        if let Some(dir) = settings.feed {
            return Ok(Source::Feed(dir, OnceCell::new()));
        }
        let url = settings
            .url
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| Failure::msg(Exit::Usage, "no MISP URL: set hook_url, or a feed"))?;
        let key = match &settings.key_file {
            Some(path) => ApiKey::from_file(path).map_err(|e| Failure::new(Exit::Usage, &e))?,
            None => settings.key.ok_or_else(|| {
                Failure::msg(Exit::Usage, "no MISP API key: set api_key or key_file")
            })?,
        };

        let mut builder = Client::builder(&url, key).verify_tls(settings.verify_tls);
        if let Some(ca) = settings.ca_file {
            builder = builder.ca_file(ca);
        }
        if let Some(retries) = settings.retries {
            builder = builder.retries(retries);
        }
        if let Some(deadline) = settings.deadline {
            builder = builder.deadline(deadline);
        }
        let client = builder.build().map_err(|e| Failure::new(Exit::Usage, &e))?;
        Ok(Source::Misp(client))
    }

    /// Searches attributes.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<Attribute>, SourceError> {
        match self {
            Source::Misp(client) => Ok(client.search(query)?),
            Source::Feed(dir, cell) => Ok(load(dir, cell)?.search(query)),
        }
    }

    /// The feed's attribute count (reading it now), or `None` for a server.
    pub fn feed_len(&self) -> Result<Option<usize>, SourceError> {
        match self {
            Source::Misp(_) => Ok(None),
            Source::Feed(dir, cell) => Ok(Some(load(dir, cell)?.len())),
        }
    }

    /// What the source is, for logs and cache scopes: the MISP base URL, or
    /// `feed:<folder>`.
    pub fn id(&self) -> String {
        match self {
            Source::Misp(client) => client.base_url().to_owned(),
            Source::Feed(dir, _) => format!("feed:{}", dir.display()),
        }
    }
}

/// The feed in `cell`, read from `dir` on first use.
fn load<'a>(dir: &Path, cell: &'a OnceCell<Feed>) -> Result<&'a Feed, SourceError> {
    if let Some(feed) = cell.get() {
        return Ok(feed);
    }
    let feed = Feed::open(dir).map_err(SourceError::Feed)?;
    Ok(cell.get_or_init(|| feed))
}
