//! The options file: the JSON text of `<options>` in ossec.conf.
//!
//! The keys are flat. The binary's own keys are read here; every other key
//! belongs to the enrichment configuration ([`enrich_core::Config`]), which
//! rejects keys it does not know. Every option, with its default, is listed in
//! the README's "Options" table.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The binary's own options, read from the options file. (`Serialize` lets a
/// test check [`OWN_KEYS`] against the fields.)
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Verify MISP's TLS certificate. Defaults to true.
    pub verify_tls: bool,
    /// An extra CA certificate (PEM) for a MISP with a private CA.
    pub ca_file: Option<PathBuf>,
    /// A file holding the API key, used instead of the one on the command
    /// line (which every user of the machine can read in the process list).
    pub key_file: Option<PathBuf>,
    /// A MISP feed folder to search instead of a MISP server.
    pub feed: Option<PathBuf>,
    /// Folders of MISP warninglists; observables that hit one are not
    /// looked up.
    pub warninglists: Vec<PathBuf>,
    /// What to do with an observable that a warninglist names: `skip` it
    /// (no lookup) or `report` it (look it up, and name the list in its
    /// event). Defaults to `skip`.
    pub warninglist_action: WarninglistAction,
    /// Keep MISP's answers between runs, and stop asking a failing MISP for
    /// a cool-down. Defaults to true.
    pub cache: bool,
    /// The cache file. Defaults to
    /// `<root>/var/db/custom-misp/cache.sqlite`.
    pub cache_file: Option<PathBuf>,
    /// Seconds a match is reused. Defaults to 3600; 0 turns reuse off.
    pub cache_match_ttl: u64,
    /// Seconds a "no match" is reused. Defaults to 900; 0 turns reuse off.
    pub cache_no_match_ttl: u64,
    /// The most answers kept. Defaults to 100 000.
    pub cache_max_entries: u64,
    /// Seconds MISP is left alone after it failed (refused, timed out,
    /// 5xx). Defaults to 60; 0 turns the breaker off.
    pub breaker_cooldown: u64,
    /// Log details (debug level) even when integratord does not pass `debug`.
    pub debug: bool,
    /// The Wazuh installation folder; by default found from the
    /// executable's own path (`<root>/integrations/custom-misp`).
    pub wazuh_root: Option<PathBuf>,
    /// The enrichment configuration (every other key).
    #[serde(skip)]
    pub enrich: enrich_core::Config,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            verify_tls: true,
            ca_file: None,
            key_file: None,
            feed: None,
            warninglists: Vec::new(),
            warninglist_action: WarninglistAction::Skip,
            cache: true,
            cache_file: None,
            cache_match_ttl: 3600,
            cache_no_match_ttl: 900,
            cache_max_entries: 100_000,
            breaker_cooldown: 60,
            debug: false,
            wazuh_root: None,
            enrich: enrich_core::Config::default(),
        }
    }
}

/// What to do with an observable that a warninglist names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WarninglistAction {
    /// Do not look it up.
    #[default]
    Skip,
    /// Look it up, and name the list in its event.
    Report,
}

/// The keys that [`Options`] itself reads.
const OWN_KEYS: &[&str] = &[
    "verify_tls",
    "ca_file",
    "key_file",
    "feed",
    "warninglists",
    "warninglist_action",
    "cache",
    "cache_file",
    "cache_match_ttl",
    "cache_no_match_ttl",
    "cache_max_entries",
    "breaker_cooldown",
    "debug",
    "wazuh_root",
];

/// Why an options text was refused.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// The file could not be read.
    #[error("cannot read options file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The text is not a JSON object.
    #[error("options are not a JSON object: {0}")]
    NotJson(String),
    /// An option has a bad value or is unknown.
    #[error("bad option: {0}")]
    Bad(String),
}

impl Options {
    /// The enrichment configuration, checked and ready for use.
    pub fn compiled(&self) -> Result<enrich_core::Prepared, enrich_core::Error> {
        self.enrich.validate()
    }

    /// True when observables on a warninglist are looked up and reported.
    pub fn warninglist_report(&self) -> bool {
        self.warninglist_action == WarninglistAction::Report
    }

    /// Reads the options file; an empty file means every default.
    pub fn from_file(path: &Path) -> Result<Options, OptionsError> {
        let text = std::fs::read_to_string(path).map_err(|source| OptionsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Options::from_text(&text)
    }

    /// Parses options from their JSON text; blank text means every default.
    pub fn from_text(text: &str) -> Result<Options, OptionsError> {
        if text.trim().is_empty() {
            return Ok(Options::default());
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| OptionsError::NotJson(e.to_string()))?;
        let Value::Object(map) = value else {
            return Err(OptionsError::NotJson(
                "expected {\"option\": value, ...}".into(),
            ));
        };

        // Split the keys: ours here, the rest for the enrichment config.
        let (own, rest): (Map<String, Value>, Map<String, Value>) = map
            .into_iter()
            .partition(|(k, _)| OWN_KEYS.contains(&k.as_str()));
        let mut options: Options = serde_json::from_value(Value::Object(own))
            .map_err(|e| OptionsError::Bad(e.to_string()))?;
        options.enrich = serde_json::from_value(Value::Object(rest)).map_err(|e| {
            let msg = e.to_string();
            match msg.strip_prefix("unknown field ") {
                Some(_) => OptionsError::Bad(format!(
                    "{}; the binary also reads {}",
                    msg,
                    OWN_KEYS.join(", ")
                )),
                None => OptionsError::Bad(msg),
            }
        })?;
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_keys_are_exactly_the_fields() {
        let fields = serde_json::to_value(Options::default()).unwrap();
        let mut fields: Vec<&str> = fields
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut own = OWN_KEYS.to_vec();
        fields.sort_unstable();
        own.sort_unstable();
        assert_eq!(fields, own);
    }

    #[test]
    fn keys_split_between_the_binary_and_the_enrichment() {
        let options = Options::from_text(r#"{"cache": false, "to_ids_only": false}"#).unwrap();
        assert!(!options.cache);
        assert!(!options.enrich.to_ids_only);

        let err = Options::from_text(r#"{"verify_ssl": false}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("verify_ssl") && err.contains("verify_tls"),
            "{err}"
        );
    }
}
