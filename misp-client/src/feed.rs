//! MISP feed folders: a local copy of MISP events that answers an attribute
//! search the way a MISP server does.
//!
//! A MISP feed is a folder holding `manifest.json` (each event's uuid and
//! summary), one `<event uuid>.json` per event (`{"Event": {...,
//! "Attribute": [...], "Object": [{"Attribute": [...]}]}}`) and, in most
//! feeds, `hashes.csv` (`md5(value),event uuid` a line). Public feeds such
//! as CIRCL OSINT publish this layout, and a MISP instance can export it.
//!
//! [`Feed::open`] reads such a folder once and indexes every attribute by
//! its value and the halves of composite values; [`Feed::search`] then
//! takes the same [`SearchQuery`] as [`Client::search`] and returns the same
//! [`Attribute`]s, each with its [`EventSummary`] and tags, so that a caller
//! cannot tell a feed from a server.
//!
//! [`Client::search`]: crate::Client::search
//!
//! # Example
//!
//! ```
//! use misp_client::{feed::Feed, SearchQuery};
//! use std::path::Path;
//!
//! let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feed/basic");
//! let feed = Feed::open(&dir)?;
//!
//! let query = SearchQuery::values(["185.220.101.1", "LOGIN-SECURE-PORTAL.NET"]);
//! for attribute in feed.search(&query) {
//!     let event = attribute.event.as_ref().map_or("", |e| e.info.as_str());
//!     println!("{} {} in {event:?}", attribute.kind, attribute.value);
//! }
//! # Ok::<(), misp_client::feed::FeedError>(())
//! ```
//!
//! # Search semantics
//!
//! As on a MISP 2.5 server (`POST /attributes/restSearch`):
//!
//! - `value`: any of the values, each equal to the attribute's value or to
//!   either half of a composite value (`ip-dst|port`, `domain|ip`,
//!   `filename|sha256`, `malware-sample`), without regard to ASCII case.
//!   There is no CIDR containment, and no operator: `!` and `%` are plain
//!   characters here.
//! - `type`, `category`: any of them, without regard to case.
//! - `to_ids`, `published`: equal to the flag. An event that does not say
//!   whether it is published counts as published, since MISP exports only
//!   published events to feeds.
//! - `tags`: an attribute is kept when it or its event carries any of the
//!   tags; a tag written `!name` drops attributes that carry it themselves
//!   (as on the server, an event tag does not drop them: MISP issue 3906).
//!   Names compare without regard to case; `%` wildcards are not read.
//! - `from`, `to`: the event's `date` (`YYYY-MM-DD`) on or after, on or
//!   before; an event without a date is left out by either.
//! - `last` (`30`, `90m`, `12h`, `7d`, `2w`): events published within that
//!   span of now (by `publish_timestamp`, else `timestamp`). A span that
//!   cannot be read keeps nothing.
//! - `includeEventTags`: the event's tags follow the attribute's own, each
//!   with [`Tag::inherited`] set.
//! - `enforceWarninglist`: drops attributes whose value is on a list given
//!   with [`Feed::with_warninglists`] (per the attribute's type, as MISP
//!   does); without lists it keeps everything.
//! - `limit`, `page`: pages of `limit` attributes, `page` counted from 1;
//!   without `limit` (or with `limit` 0) every match is returned.
//! - `includeContext`, `includeDecayScore`: not applied (a feed holds
//!   neither).
//! - Deleted attributes, and attributes of deleted objects, are never
//!   returned. A query for which [`SearchQuery::is_empty`] is true returns
//!   nothing, as the client refuses to send it.
//!
//! Attributes come back in a stable order: events by uuid, then each
//! event's attributes as its file lists them, those of objects last.
//!
//! # Ids and summaries
//!
//! Feeds usually carry no database ids: an attribute's `id`, `event_id`
//! and its [`EventSummary::id`] are then 0. When the event file has them
//! (an export of a MISP instance), they are kept, and an attribute without
//! `event_id` or `object_id` takes its event's or object's. The summary's
//! `info`, `uuid`, `org_id`, `orgc_id` (or the id of `Orgc`),
//! `distribution` and `publish_timestamp` come from the event file,
//! falling back to the manifest.
//!
//! # `hashes.csv`
//!
//! MISP itself caches feeds by `hashes.csv` alone, telling which event a
//! value is in without fetching the event. Here an event listed in the
//! manifest whose file is absent is accepted when the folder has a
//! `hashes.csv`: its values cannot be searched (their type, category and
//! flags are unknown, so [`Feed::search`] could not honour the filters),
//! but [`Feed::search_hashes`] tells in which of those events a value is.
//! Without `hashes.csv`, a missing event file is an error.
//!
//! # Errors and limits
//!
//! Opening fails with a [`FeedError`] naming the file and what was wrong:
//! an unreadable file, a manifest or event that does not decode (with the
//! JSON path), an event file holding another event than its name says, a
//! missing event file, a malformed line of `hashes.csv`. A bad event file
//! is never skipped silently, and no input makes this module panic.
//! Every attribute is held in memory: for 100,000 attributes, opening
//! takes about a third of a second and some 55 MB, and a search for ten
//! values a few microseconds (the `feed_bench` example measures this).
//!
//! # Logging
//!
//! `debug!` once per feed opened (events, attributes, time taken), and
//! `trace!` per search (values asked, attributes found).

use crate::de;
use crate::model::{Attribute, EventSummary, Tag};
use crate::query::SearchQuery;
use crate::warninglist::Warninglists;
use log::{debug, trace};
use md5::{Digest, Md5};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Why a feed folder could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// A file of the feed, or the folder, could not be read (for
    /// `manifest.json`: the folder is probably not a feed).
    #[error("cannot read feed file {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// `manifest.json` or an event file is not what MISP writes: not JSON,
    /// or a field of the wrong shape (an attribute without `type` or
    /// `value`, say). The message names the file and the JSON path.
    #[error("feed file {path} is not valid at {json_path}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// Where in the JSON the decoding failed, such as
        /// `Event.Attribute[3].value`.
        json_path: String,
        /// What was wrong there.
        #[source]
        source: serde_json::Error,
    },
    /// The manifest names an event by something that is not a uuid (and
    /// could not be a file name in the folder).
    #[error("feed manifest {path} names an event {uuid:?}, which is not a uuid")]
    BadUuid {
        /// The manifest.
        path: PathBuf,
        /// The name it gives.
        uuid: String,
    },
    /// An event file holds an event whose uuid is not the one in its name.
    #[error("feed event file {path} holds event {found}, not the one its name gives")]
    WrongEvent {
        /// The event file.
        path: PathBuf,
        /// The uuid inside it.
        found: String,
    },
    /// The manifest lists an event whose file is missing, and the folder
    /// has no `hashes.csv` to answer for it: the copy is incomplete.
    #[error("feed event {uuid} is in the manifest but {path} is missing")]
    MissingEvent {
        /// The file expected.
        path: PathBuf,
        /// The event's uuid.
        uuid: String,
    },
    /// A line of `hashes.csv` is not `md5,event uuid`.
    #[error("feed hashes file {path} has a malformed line {line}")]
    Hashes {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
    },
}

/// One event of a feed, as the manifest and its file describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FeedEvent {
    /// The summary attached to each of its attributes.
    pub summary: EventSummary,
    /// The event's date, `YYYY-MM-DD`, when given.
    pub date: Option<String>,
    /// MISP's threat level: 1 high, 2 medium, 3 low, 4 undefined.
    pub threat_level_id: Option<u64>,
    /// Whether the event is published (true when the feed does not say).
    pub published: bool,
    /// When the event last changed, in Unix seconds.
    pub timestamp: Option<i64>,
    /// The name of the organisation that created the event, when given.
    pub orgc_name: String,
    /// The event's tags.
    pub tags: Vec<Tag>,
    /// How many attributes of the event [`Feed::search`] can return.
    pub attribute_count: usize,
    /// False for an event known only from the manifest and `hashes.csv`,
    /// its file being absent.
    pub loaded: bool,
}

/// A value found through `hashes.csv` in an event whose file is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashHit {
    /// The value asked about.
    pub value: String,
    /// The summary of the event that holds it, from the manifest.
    pub event: EventSummary,
}

/// A feed folder, read and indexed.
pub struct Feed {
    dir: PathBuf,
    events: Vec<FeedEvent>,
    attributes: Vec<Stored>,
    /// Hash of a lower-cased value or half → first posting of its chain.
    heads: HashMap<u64, u32>,
    postings: Vec<Posting>,
    /// md5 of a value → events (without their file) that hold it.
    hashed: HashMap<[u8; 16], Vec<u32>>,
    warninglists: Option<Arc<Warninglists>>,
}

struct Stored {
    attribute: Attribute,
    event: u32,
}

/// A link of the chain of attributes sharing one index key.
struct Posting {
    attribute: u32,
    next: u32,
}

const END: u32 = u32::MAX;

impl fmt::Debug for Feed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Feed")
            .field("dir", &self.dir)
            .field("events", &self.events.len())
            .field("attributes", &self.attributes.len())
            .field("warninglists", &self.warninglists.as_ref().map(|w| w.len()))
            .finish()
    }
}

impl Feed {
    /// Reads the feed folder `dir`: its manifest, every event file it
    /// lists, and `hashes.csv` when present.
    ///
    /// # Errors
    ///
    /// A [`FeedError`] naming the first file that could not be read or
    /// decoded; see the module docs.
    pub fn open(dir: &Path) -> Result<Feed, FeedError> {
        let started = Instant::now();
        let manifest = read_manifest(dir)?;
        let hashes_path = dir.join("hashes.csv");
        let hashes = read_file(&hashes_path, true)?;

        let mut feed = Feed::empty(dir);
        for (uuid, entry) in manifest {
            let path = dir.join(format!("{uuid}.json"));
            match read_file(&path, true)? {
                Some(bytes) => feed.add_event(&uuid, entry, decode_event(&path, &uuid, &bytes)?),
                None if hashes.is_some() => feed.add_unloaded(&uuid, entry),
                None => return Err(FeedError::MissingEvent { path, uuid }),
            }
        }
        if let Some(bytes) = hashes {
            feed.index_hashes(&hashes_path, &bytes)?;
        }

        debug!(
            "feed {}: {} events, {} attributes, read in {:?}",
            dir.display(),
            feed.events.len(),
            feed.attributes.len(),
            started.elapsed()
        );
        Ok(feed)
    }

    /// This feed, applying `lists` when a query asks for
    /// `enforceWarninglist`.
    pub fn with_warninglists(mut self, lists: Arc<Warninglists>) -> Self {
        self.warninglists = Some(lists);
        self
    }

    /// The folder the feed was read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The feed's events, ordered by uuid.
    pub fn events(&self) -> &[FeedEvent] {
        &self.events
    }

    /// How many attributes [`Feed::search`] can return (deleted ones are
    /// not held).
    pub fn len(&self) -> usize {
        self.attributes.len()
    }

    /// True when the feed holds no searchable attribute.
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
    }

    /// The attributes matching `query`, with the semantics of MISP's
    /// attribute search (see the module docs).
    pub fn search(&self, query: &SearchQuery) -> Vec<Attribute> {
        if query.is_empty() {
            return Vec::new();
        }

        let mut found = if query.value.is_empty() {
            (0..self.attributes.len() as u32).collect()
        } else {
            self.candidates(&query.value)
        };
        let now = unix_now();
        found.retain(|&at| self.keeps(&self.attributes[at as usize], query, now));

        let page = page_range(found.len(), query.limit, query.page);
        let include_event_tags = query.include_event_tags == Some(true);
        trace!(
            "feed search for {:?}: {} attributes",
            query.value,
            found.len()
        );
        found[page]
            .iter()
            .map(|&at| self.render(at, include_event_tags))
            .collect()
    }

    /// The events without their file in which `hashes.csv` says each value
    /// is (see the module docs). A value is looked up as given and in
    /// lower case.
    pub fn search_hashes<S: AsRef<str>>(&self, values: &[S]) -> Vec<HashHit> {
        let mut hits = Vec::new();
        for value in values.iter().map(AsRef::as_ref) {
            let lower = value.to_ascii_lowercase();
            let mut events: Vec<u32> = [value, lower.as_str()]
                .iter()
                .filter_map(|v| self.hashed.get(&md5_of(v)))
                .flatten()
                .copied()
                .collect();
            events.sort_unstable();
            events.dedup();

            let event = |at: u32| self.events[at as usize].summary.clone();
            hits.extend(events.into_iter().map(|at| HashHit {
                value: value.to_owned(),
                event: event(at),
            }));
        }
        hits
    }

    fn empty(dir: &Path) -> Feed {
        Feed {
            dir: dir.to_owned(),
            events: Vec::new(),
            attributes: Vec::new(),
            heads: HashMap::new(),
            postings: Vec::new(),
            hashed: HashMap::new(),
            warninglists: None,
        }
    }

    /// The indices of attributes matching any of `values`, sorted, once each.
    fn candidates(&self, values: &[String]) -> Vec<u32> {
        let mut found = Vec::new();
        for value in values {
            let mut link = self.heads.get(&key_hash(value)).copied().unwrap_or(END);
            while link != END {
                let posting = &self.postings[link as usize];
                let stored = &self.attributes[posting.attribute as usize];
                if value_matches(&stored.attribute, value) {
                    found.push(posting.attribute);
                }
                link = posting.next;
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Whether the attribute passes every filter of `query` but the value.
    fn keeps(&self, stored: &Stored, query: &SearchQuery, now: i64) -> bool {
        let attribute = &stored.attribute;
        let event = &self.events[stored.event as usize];

        any_or_empty(&query.types, &attribute.kind)
            && any_or_empty(&query.categories, &attribute.category)
            && query.to_ids.is_none_or(|flag| flag == attribute.to_ids)
            && query.published.is_none_or(|flag| flag == event.published)
            && tags_keep(&query.tags, &attribute.tags, &event.tags)
            && dates_keep(query, event, now)
            && !self.warninglisted(query, attribute)
    }

    fn warninglisted(&self, query: &SearchQuery, attribute: &Attribute) -> bool {
        let Some(lists) = self.warninglists.as_ref() else {
            return false;
        };
        query.enforce_warninglist == Some(true)
            && lists.is_listed(&attribute.value, Some(&attribute.kind))
    }

    /// The attribute as the server would return it.
    fn render(&self, at: u32, include_event_tags: bool) -> Attribute {
        let stored = &self.attributes[at as usize];
        let event = &self.events[stored.event as usize];

        let mut attribute = stored.attribute.clone();
        attribute.event = Some(event.summary.clone());
        if include_event_tags {
            let inherited = event.tags.iter().map(|tag| Tag {
                inherited: true,
                ..tag.clone()
            });
            attribute.tags.extend(inherited);
        }
        attribute
    }

    fn add_event(&mut self, uuid: &str, manifest: ManifestEntry, mut raw: RawEvent) {
        let event_at = self.events.len() as u32;
        let attributes = std::mem::take(&mut raw.attributes);
        let objects = std::mem::take(&mut raw.objects);

        let before = self.attributes.len();
        for attribute in live_attributes(attributes, objects, raw.id) {
            self.index(Stored {
                attribute,
                event: event_at,
            });
        }

        let mut event = loaded_event(uuid, manifest, raw);
        event.attribute_count = self.attributes.len() - before;
        self.events.push(event);
    }

    /// An event known only from the manifest (its file being absent).
    fn add_unloaded(&mut self, uuid: &str, manifest: ManifestEntry) {
        let summary = EventSummary {
            info: manifest.info,
            orgc_id: manifest.orgc.as_ref().and_then(|o| o.id).unwrap_or(0),
            uuid: uuid.to_owned(),
            publish_timestamp: manifest.publish_timestamp,
            ..EventSummary::default()
        };
        self.events.push(FeedEvent {
            summary,
            date: manifest.date,
            threat_level_id: manifest.threat_level_id,
            published: manifest.published.is_none_or(|f| f.0),
            timestamp: manifest.timestamp,
            orgc_name: manifest.orgc.map(|o| o.name).unwrap_or_default(),
            tags: manifest.tags,
            attribute_count: 0,
            loaded: false,
        });
    }

    /// Stores an attribute and links it under each of its keys: the whole
    /// value and, for a composite, each half.
    fn index(&mut self, stored: Stored) {
        let at = self.attributes.len() as u32;
        let mut keys: Vec<u64> = value_keys(&stored.attribute).map(key_hash).collect();
        keys.sort_unstable();
        keys.dedup();

        for key in keys {
            let head = self.heads.entry(key).or_insert(END);
            self.postings.push(Posting {
                attribute: at,
                next: *head,
            });
            *head = (self.postings.len() - 1) as u32;
        }
        self.attributes.push(stored);
    }

    /// Reads `hashes.csv`, keeping the lines of events without their file.
    fn index_hashes(&mut self, path: &Path, bytes: &[u8]) -> Result<(), FeedError> {
        let unloaded: HashMap<&str, u32> = (self.events.iter().enumerate())
            .filter(|(_, event)| !event.loaded)
            .map(|(at, event)| (event.summary.uuid.as_str(), at as u32))
            .collect();

        let mut hashed: HashMap<[u8; 16], Vec<u32>> = HashMap::new();
        let text = String::from_utf8_lossy(bytes);
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let malformed = || FeedError::Hashes {
                path: path.to_owned(),
                line: number + 1,
            };
            let (hash, uuid) = line.split_once(',').ok_or_else(malformed)?;
            let hash = parse_md5(hash.trim()).ok_or_else(malformed)?;
            if let Some(&event) = unloaded.get(uuid.trim().to_ascii_lowercase().as_str()) {
                hashed.entry(hash).or_default().push(event);
            }
        }
        self.hashed = hashed;
        Ok(())
    }
}

/// A manifest entry: the event summary a feed publishes for each uuid.
#[derive(Deserialize)]
struct ManifestEntry {
    #[serde(default, deserialize_with = "de::text")]
    info: String,
    #[serde(rename = "Orgc", default)]
    orgc: Option<Org>,
    #[serde(rename = "Tag", default, deserialize_with = "de::list")]
    tags: Vec<Tag>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    threat_level_id: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    publish_timestamp: Option<i64>,
    #[serde(default)]
    published: Option<Flag>,
}

#[derive(Deserialize)]
struct Org {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<u64>,
    #[serde(default, deserialize_with = "de::text")]
    name: String,
}

/// A boolean in any of MISP's spellings, for an `Option`.
#[derive(Deserialize, Clone, Copy)]
struct Flag(#[serde(deserialize_with = "de::flag")] bool);

#[derive(Deserialize)]
struct EventFile {
    #[serde(rename = "Event")]
    event: RawEvent,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(default, deserialize_with = "de::id")]
    id: u64,
    #[serde(default, deserialize_with = "de::text")]
    uuid: String,
    #[serde(default, deserialize_with = "de::text")]
    info: String,
    #[serde(default, deserialize_with = "de::id")]
    org_id: u64,
    #[serde(default, deserialize_with = "de::id")]
    orgc_id: u64,
    #[serde(default, deserialize_with = "de::opt_id")]
    distribution: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    publish_timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    timestamp: Option<i64>,
    #[serde(default)]
    published: Option<Flag>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    threat_level_id: Option<u64>,
    #[serde(rename = "Orgc", default)]
    orgc: Option<Org>,
    #[serde(rename = "Tag", default, deserialize_with = "de::list")]
    tags: Vec<Tag>,
    #[serde(rename = "Attribute", default, deserialize_with = "de::list")]
    attributes: Vec<Attribute>,
    #[serde(rename = "Object", default, deserialize_with = "de::list")]
    objects: Vec<RawObject>,
}

#[derive(Deserialize)]
struct RawObject {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<u64>,
    #[serde(default)]
    deleted: Option<Flag>,
    #[serde(rename = "Attribute", default, deserialize_with = "de::list")]
    attributes: Vec<Attribute>,
}

/// The file's bytes; `None` when it does not exist and `optional` is set.
fn read_file(path: &Path, optional: bool) -> Result<Option<Vec<u8>>, FeedError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FeedError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn decode<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &[u8]) -> Result<T, FeedError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| FeedError::Decode {
        path: path.to_owned(),
        json_path: e.path().to_string(),
        source: e.into_inner(),
    })
}

/// The manifest, by lower-cased uuid (so events come in uuid order).
fn read_manifest(dir: &Path) -> Result<BTreeMap<String, ManifestEntry>, FeedError> {
    let path = dir.join("manifest.json");
    let bytes = read_file(&path, false)?.unwrap_or_default();
    let manifest: BTreeMap<String, ManifestEntry> = decode(&path, &bytes)?;

    let mut events = BTreeMap::new();
    for (uuid, entry) in manifest {
        let plain = !uuid.is_empty() && uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        if !plain {
            return Err(FeedError::BadUuid { path, uuid });
        }
        events.insert(uuid.to_ascii_lowercase(), entry);
    }
    Ok(events)
}

fn decode_event(path: &Path, uuid: &str, bytes: &[u8]) -> Result<RawEvent, FeedError> {
    let event = decode::<EventFile>(path, bytes)?.event;
    if !event.uuid.is_empty() && !event.uuid.eq_ignore_ascii_case(uuid) {
        return Err(FeedError::WrongEvent {
            path: path.to_owned(),
            found: event.uuid,
        });
    }
    Ok(event)
}

/// The attributes of an event that a search may return (not deleted, not
/// in a deleted object), given the event and object ids they lack.
fn live_attributes(
    attributes: Vec<Attribute>,
    objects: Vec<RawObject>,
    event_id: u64,
) -> impl Iterator<Item = Attribute> {
    let standalone = attributes.into_iter().map(|a| (a, None));
    let live_objects = objects
        .into_iter()
        .filter(|o| !o.deleted.is_some_and(|f| f.0));
    let in_objects = live_objects.flat_map(|o| {
        let object_id = o.id;
        o.attributes.into_iter().map(move |a| (a, object_id))
    });

    standalone
        .chain(in_objects)
        .filter(|(a, _)| !a.deleted)
        .map(move |(mut a, object_id)| {
            if a.event_id == 0 {
                a.event_id = event_id;
            }
            if object_id.is_some() && a.object_id.is_none_or(|id| id == 0) {
                a.object_id = object_id;
            }
            a
        })
}

/// An event read from its file, the manifest filling what the file lacks.
fn loaded_event(uuid: &str, manifest: ManifestEntry, raw: RawEvent) -> FeedEvent {
    let info = if raw.info.is_empty() {
        manifest.info
    } else {
        raw.info
    };
    let summary = EventSummary {
        id: raw.id,
        info,
        org_id: raw.org_id,
        orgc_id: first_nonzero(raw.orgc_id, raw.orgc.as_ref().and_then(|o| o.id)),
        uuid: uuid.to_owned(),
        distribution: raw.distribution,
        publish_timestamp: raw.publish_timestamp.or(manifest.publish_timestamp),
    };

    FeedEvent {
        summary,
        date: raw.date.or(manifest.date),
        threat_level_id: raw.threat_level_id.or(manifest.threat_level_id),
        published: raw.published.or(manifest.published).is_none_or(|f| f.0),
        timestamp: raw.timestamp.or(manifest.timestamp),
        orgc_name: raw
            .orgc
            .or(manifest.orgc)
            .map(|o| o.name)
            .unwrap_or_default(),
        tags: if raw.tags.is_empty() {
            manifest.tags
        } else {
            raw.tags
        },
        attribute_count: 0,
        loaded: true,
    }
}

/// True for MISP's composite types, whose value is two halves joined by `|`.
fn is_composite(kind: &str) -> bool {
    kind.contains('|') || kind == "malware-sample"
}

/// The strings an attribute is found by: its value and, for a composite
/// type, each half.
fn value_keys(attribute: &Attribute) -> impl Iterator<Item = &str> {
    let halves = match attribute.value.split_once('|') {
        Some((a, b)) if is_composite(&attribute.kind) => [Some(a), Some(b)],
        _ => [None, None],
    };
    std::iter::once(attribute.value.as_str()).chain(halves.into_iter().flatten())
}

fn value_matches(attribute: &Attribute, value: &str) -> bool {
    value_keys(attribute).any(|key| key.eq_ignore_ascii_case(value))
}

/// FNV-1a over the ASCII-lower-cased bytes: cheap, stable, and collisions
/// only cost a comparison, since every candidate is checked.
fn key_hash(value: &str) -> u64 {
    value.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

fn md5_of(value: &str) -> [u8; 16] {
    Md5::digest(value.as_bytes()).into()
}

fn parse_md5(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (at, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * at..2 * at + 2], 16).ok()?;
    }
    Some(out)
}

fn first_nonzero(id: u64, fallback: Option<u64>) -> u64 {
    if id != 0 { id } else { fallback.unwrap_or(0) }
}

fn any_or_empty(wanted: &[String], have: &str) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| w.eq_ignore_ascii_case(have))
}

/// MISP's tag filter on attributes: any wanted tag on the attribute or its
/// event; an excluded (`!`) tag on the attribute itself drops it.
fn tags_keep(filter: &[String], own: &[Tag], event: &[Tag]) -> bool {
    let carries = |tags: &[Tag], name: &str| tags.iter().any(|t| t.name.eq_ignore_ascii_case(name));
    let (excluded, wanted): (Vec<&String>, Vec<&String>) =
        filter.iter().partition(|tag| tag.starts_with('!'));

    if excluded.iter().any(|tag| carries(own, &tag[1..])) {
        return false;
    }
    wanted.is_empty()
        || wanted
            .iter()
            .any(|tag| carries(own, tag) || carries(event, tag))
}

fn dates_keep(query: &SearchQuery, event: &FeedEvent, now: i64) -> bool {
    let date = event.date.as_deref().map(|d| d.get(..10).unwrap_or(d));
    let from = query
        .from
        .as_deref()
        .is_none_or(|from| date.is_some_and(|d| d >= from));
    let to = query
        .to
        .as_deref()
        .is_none_or(|to| date.is_some_and(|d| d <= to));

    let last = query.last.as_deref().is_none_or(|span| {
        let published = event.summary.publish_timestamp.or(event.timestamp);
        match (parse_span(span), published) {
            (Some(seconds), Some(at)) => at >= now.saturating_sub(seconds),
            _ => false,
        }
    });
    from && to && last
}

/// `30` (seconds), `90m`, `12h`, `7d`, `2w` in seconds.
fn parse_span(span: &str) -> Option<i64> {
    let span = span.trim();
    let (number, unit) = match span.char_indices().last()? {
        (at, c) if c.is_ascii_alphabetic() => (&span[..at], c.to_ascii_lowercase()),
        _ => (span, 's'),
    };
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    number
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)?
        .checked_mul(scale)
}

fn unix_now() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

/// The slice of `len` matches that `limit` and `page` select.
fn page_range(len: usize, limit: Option<u32>, page: Option<u32>) -> Range<usize> {
    match limit {
        None | Some(0) => 0..len,
        Some(limit) => {
            let limit = limit as usize;
            let page = page.unwrap_or(1).max(1) as usize;
            let start = (page - 1).saturating_mul(limit).min(len);
            start..start.saturating_add(limit).min(len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_misp() {
        assert_eq!(parse_span("30"), Some(30));
        assert_eq!(parse_span("90m"), Some(5400));
        assert_eq!(parse_span("12h"), Some(43_200));
        assert_eq!(parse_span("7d"), Some(604_800));
        assert_eq!(parse_span("2W"), Some(1_209_600));
        assert_eq!(parse_span("soon"), None);
        assert_eq!(parse_span("-3d"), None);
        assert_eq!(parse_span(""), None);
    }

    #[test]
    fn pages_count_from_one_and_stop_at_the_end() {
        assert_eq!(page_range(5, None, Some(3)), 0..5);
        assert_eq!(page_range(5, Some(0), None), 0..5);
        assert_eq!(page_range(5, Some(2), None), 0..2);
        assert_eq!(page_range(5, Some(2), Some(0)), 0..2);
        assert_eq!(page_range(5, Some(2), Some(3)), 4..5);
        assert_eq!(page_range(5, Some(2), Some(9)), 5..5);
        assert_eq!(page_range(5, Some(u32::MAX), Some(u32::MAX)), 5..5);
    }

    #[test]
    fn md5_text_is_parsed_exactly() {
        let parsed = parse_md5("0123456789abcdefABCDEF0123456789").unwrap();
        assert_eq!(parsed[0], 0x01);
        assert_eq!(parsed[15], 0x89);
        assert!(parse_md5("0123").is_none());
        assert!(parse_md5("zz23456789abcdef0123456789abcdef").is_none());
        assert!(parse_md5("é123456789abcdef0123456789abcde").is_none());
    }

    #[test]
    fn key_hash_ignores_ascii_case() {
        assert_eq!(key_hash("Login-Portal.NET"), key_hash("login-portal.net"));
        assert_ne!(key_hash("a"), key_hash("b"));
    }
}
