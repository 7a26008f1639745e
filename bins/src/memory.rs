//! What the integration remembers between runs: MISP's answers per value,
//! and whether MISP failed lately (the circuit breaker). The storage itself
//! is [`crate::cache`]; this module decides what to keep and under which
//! scope.

use crate::cache::{Cache, CacheSettings, Cached};
use crate::options::Options;
use enrich_core::Observable;
use log::{debug, warn};
use misp_client::Attribute;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The cache file under the Wazuh root: `var/db` is the one folder there
/// that user `wazuh` may create files in.
pub fn default_path(root: &Path) -> PathBuf {
    root.join("var/db/custom-misp/cache.sqlite")
}

/// The cache settings the options ask for.
pub fn settings(options: &Options, root: &Path) -> CacheSettings {
    let mut settings = CacheSettings::new(
        options
            .cache_file
            .clone()
            .unwrap_or_else(|| default_path(root)),
    );
    settings.match_ttl = Duration::from_secs(options.cache_match_ttl);
    settings.no_match_ttl = Duration::from_secs(options.cache_no_match_ttl);
    settings.max_entries = options.cache_max_entries;
    settings.cooldown = Duration::from_secs(options.breaker_cooldown);
    settings
}

/// Opens the cache when the options want one; a cache that cannot be
/// opened is never a reason to fail: the run goes on through MISP.
pub fn open(options: &Options, root: &Path) -> Option<Cache> {
    if !options.cache {
        return None;
    }
    match Cache::open(&settings(options, root)) {
        Ok(cache) => Some(cache),
        Err(e) => {
            warn!(
                "answer cache unavailable, asking MISP: {}",
                crate::exit::chain(&e)
            );
            None
        }
    }
}

/// The scope answers are kept under: the source and every option that
/// changes what MISP answers. Two keys may see different data, so the key
/// counts too, as a hash (never the key itself).
pub fn scope(source_id: &str, key: Option<&str>, config: &enrich_core::Prepared) -> String {
    let c = config.config();
    let mut hasher = DefaultHasher::new();
    key.unwrap_or("").hash(&mut hasher);
    format!(
        "{source_id} to_ids_only={} published_only={} enforce_warninglist={} \
         include_event_tags={} limit={} key={:016x}",
        c.to_ids_only,
        c.published_only,
        c.enforce_warninglist,
        c.include_event_tags,
        c.limit,
        hasher.finish()
    )
}

/// The observables split by what the cache knows of them.
#[derive(Default)]
pub struct Recall {
    /// Attributes remembered for the observables found in the cache.
    pub attributes: Vec<Attribute>,
    /// Observables the cache knows nothing fresh about.
    pub misses: Vec<Observable>,
}

/// Looks every observable up in the cache (all misses without one).
pub fn recall(cache: Option<&Cache>, scope: &str, observables: &[Observable]) -> Recall {
    let mut recall = Recall::default();
    let values: Vec<&str> = observables.iter().map(|o| o.value.as_str()).collect();
    let found = match cache {
        Some(cache) => cache.get_many(scope, &values),
        None => vec![None; observables.len()],
    };
    for (observable, found) in observables.iter().zip(found) {
        match found {
            Some(Cached::Match(attributes)) => recall.attributes.extend(attributes),
            Some(Cached::NoMatch) => {}
            None => recall.misses.push(observable.clone()),
        }
    }
    if cache.is_some() {
        debug!(
            "cache: {} of {} value(s) known",
            observables.len() - recall.misses.len(),
            observables.len()
        );
    }
    recall
}

/// Remembers MISP's answer for every value asked: its matching attributes,
/// or that there were none.
pub fn remember(cache: &Cache, scope: &str, asked: &[Observable], answer: &[Attribute]) {
    let matches = enrich_core::match_attributes(asked, answer);
    let entries: Vec<(String, Cached)> = asked
        .iter()
        .map(|observable| {
            let found = matches
                .iter()
                .find(|m| m.observable.value == observable.value);
            let cached = match found {
                Some(m) => Cached::Match(m.attributes.clone()),
                None => Cached::NoMatch,
            };
            (observable.value.clone(), cached)
        })
        .collect();
    cache.put(scope, &entries);
}
