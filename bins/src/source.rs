//! Where answers come from: a MISP server, or a MISP feed folder standing in
//! for one. Enrichment cannot tell them apart.

use crate::exit::{Exit, Failure};
use misp_client::feed::Feed;
use misp_client::{ApiKey, Attribute, Client, SearchQuery};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A place to search attributes in.
pub enum Source {
    /// A MISP server.
    Misp(Client),
    /// A MISP feed folder, read at start.
    Feed(Box<Feed>, PathBuf),
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
    /// Per-request timeout.
    pub timeout: Option<Duration>,
    /// Retries of requests safe to repeat.
    pub retries: Option<u32>,
    /// No request starts after this instant.
    pub deadline: Option<Instant>,
}

impl Source {
    /// Opens the source the settings name: the feed when there is one,
    /// else the MISP server, which then needs a URL and a key.
    pub fn open(settings: Settings) -> Result<Source, Failure> {
        if let Some(dir) = settings.feed {
            return open_feed(&dir);
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
        if let Some(timeout) = settings.timeout {
            builder = builder.timeout(timeout);
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
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<Attribute>, misp_client::Error> {
        match self {
            Source::Misp(client) => client.search(query),
            Source::Feed(feed, _) => Ok(feed.search(query)),
        }
    }

    /// What the source is, for logs: `MISP at URL` or `feed DIR`.
    pub fn describe(&self) -> String {
        match self {
            Source::Misp(client) => format!("MISP at {}", client.base_url()),
            Source::Feed(_, dir) => format!("feed {}", dir.display()),
        }
    }
}

fn open_feed(dir: &Path) -> Result<Source, Failure> {
    let feed = Feed::open(dir).map_err(|e| Failure::new(Exit::Misp, &e))?;
    Ok(Source::Feed(Box::new(feed), dir.to_owned()))
}
