//! MISP warninglists read from disk, matched the way MISP matches them.
//!
//! A warninglist names values that are known and harmless (public DNS
//! resolvers, top-ranked domains, cloud ranges, hashes of empty files): a
//! hit on one is almost always a false positive. MISP ships its lists in
//! the [misp-warninglists] repository and in the `pymispwarninglists`
//! Python package; each is a `list.json`:
//!
//! ```json
//! {"name": "List of known public DNS resolvers", "version": 3,
//!  "description": "...", "type": "cidr",
//!  "list": ["9.9.9.9", "2620:fe::/48"],
//!  "matching_attributes": ["ip-src", "ip-dst", "domain|ip"]}
//! ```
//!
//! [`Warninglists::load_dir`] reads a folder of them, and
//! [`Warninglists::check`] tells which lists a value is on, with no MISP
//! server and no network.
//!
//! [misp-warninglists]: https://github.com/MISP/misp-warninglists
//!
//! # Example
//!
//! ```
//! use misp_client::warninglist::Warninglists;
//! use std::path::Path;
//!
//! let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/warninglists");
//! let lists = Warninglists::load_dir(&dir)?;
//!
//! let hits = lists.check("9.9.9.9", Some("ip-dst"));
//! assert_eq!(hits[0].matched, "9.9.9.9/32");
//! assert!(lists.check("45.33.32.156", Some("ip-dst")).is_empty());
//! # Ok::<(), misp_client::warninglist::WarninglistError>(())
//! ```
//!
//! # Matching
//!
//! This follows MISP's `Warninglist` model (MISP 2.5), list type by list
//! type:
//!
//! - `cidr`: the value is an IPv4 or IPv6 address (or a network written
//!   `address/prefix`, which hits when it lies wholly inside an entry);
//!   entries may be bare addresses, read as `/32` or `/128`. IPv4 values
//!   are checked against IPv4 entries and IPv6 against IPv6, as MISP does:
//!   an IPv4-mapped IPv6 address is an IPv6 address here. Entries that are
//!   not addresses are left out, as MISP leaves them out.
//! - `string`: the whole value equals an entry.
//! - `substring`: an entry occurs in the value.
//! - `hostname`: the value's host, or one of its parent domains, equals an
//!   entry. The host of a URL is taken (`https://a.b.example.net/x` checks
//!   `a.b.example.net`, `b.example.net`, `example.net`, `net`); a trailing
//!   dot, a port and user information are dropped.
//! - `regex`: a PHP (PCRE) pattern with its delimiters and modifiers, such
//!   as `/^abuse@/i` or `#\.onion$#`, matches the value.
//!
//! A list with `matching_attributes` applies only to those attribute types
//! when a type is given; without a type ([`Warninglists::check`] with
//! `None`) every list applies, as in MISP's own value check. For a
//! composite type (`domain|ip`, `ip-dst|port`, `filename|sha256`,
//! `malware-sample`) each half of the value is checked.
//!
//! # Differences from MISP
//!
//! - `string`, `substring` and `hostname` compare without regard to ASCII
//!   case. MISP compares the stored value as it is, but stores domains,
//!   hostnames, hashes and e-mail addresses in lower case, so for those
//!   types the answer is the same; for a URL or a file name with capitals
//!   this finds more than MISP would.
//! - A regex entry that PHP refuses (an unknown modifier such as `g`) never
//!   matches in MISP; here it is left out at load time and counted in
//!   [`Warninglist::skipped`]. So are the few PCRE constructs that the
//!   [`regex`](https://docs.rs/regex) crate does not offer (look-around,
//!   back-references, `\h`, Unicode properties such as `\p{L}`).
//! - Patterns run as PCRE runs them without the `u` modifier: over bytes,
//!   with ASCII classes (`\d`, `\w`, `\s`) and ASCII case folding, whatever
//!   the modifiers. With `u`, PHP would take `.` as one character rather
//!   than one byte; MISP's lists match ASCII (domains, addresses, e-mail
//!   addresses), where the two agree.
//! - A CIDR entry whose address has host bits set (`192.0.2.1/24`) is
//!   read as its network (`192.0.2.0/24`); MISP never matches such an
//!   entry.
//!
//! # Limits
//!
//! Every entry is held in memory. MISP's full official set (119 lists in
//! `pymispwarninglists` 1.7) takes about 2 s to load in a release build and
//! some 250 MB, most of it for the two ranking lists of a million names
//! each; a value checked against all of them takes about 10 µs. Loading
//! only the lists that matter for the values checked costs far less.
//!
//! # Logging
//!
//! `debug!` for each list read, with its entry count; `warn!` once per
//! list that had entries left out, naming the first and why.

use crate::de;
use log::{debug, warn};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// Why warninglists could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WarninglistError {
    /// A folder or a list file could not be read (missing, unreadable).
    /// Check the path given and its permissions.
    #[error("cannot read warninglist path {path}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A list file is not a warninglist in MISP's format: not JSON, or
    /// missing `name` or `list`. The message names the JSON path that
    /// failed.
    #[error("warninglist file {path} is not valid at {json_path}")]
    Decode {
        /// The list file.
        path: PathBuf,
        /// Where in the JSON the decoding failed, such as `list[3]`.
        json_path: String,
        /// What was wrong there.
        #[source]
        source: serde_json::Error,
    },
    /// A list's `type` is none of MISP's five (`cidr`, `string`,
    /// `substring`, `hostname`, `regex`).
    #[error("warninglist file {path} has unknown type {list_type:?}")]
    UnknownType {
        /// The list file.
        path: PathBuf,
        /// The type it gives.
        list_type: String,
    },
    /// The entries of a `substring` list could not be compiled into one
    /// matcher (far beyond the size of any list MISP ships).
    #[error("warninglist file {path} has more substrings than the matcher can hold")]
    TooLarge {
        /// The list file.
        path: PathBuf,
        /// The matcher's complaint.
        #[source]
        source: regex::Error,
    },
    /// The folder holds no warninglist: no `list.json`, no `lists/*/list.json`
    /// and no `*.json`. Probably the wrong folder.
    #[error("no warninglist found in {path}")]
    NoLists {
        /// The folder searched.
        path: PathBuf,
    },
}

/// How a list's entries are compared with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListType {
    /// Addresses and networks.
    Cidr,
    /// Whole values.
    String,
    /// Parts of values.
    Substring,
    /// Host names and their parent domains.
    Hostname,
    /// PHP regular expressions.
    Regex,
}

impl ListType {
    /// MISP's name of the type: `cidr`, `string`, `substring`, `hostname`
    /// or `regex`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListType::Cidr => "cidr",
            ListType::String => "string",
            ListType::Substring => "substring",
            ListType::Hostname => "hostname",
            ListType::Regex => "regex",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "cidr" => ListType::Cidr,
            "string" => ListType::String,
            "substring" => ListType::Substring,
            "hostname" => ListType::Hostname,
            "regex" => ListType::Regex,
            _ => return None,
        })
    }
}

impl fmt::Display for ListType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value found on a warninglist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The list's name, such as `List of known IPv4 public DNS resolvers`.
    pub name: String,
    /// The list's type.
    pub list_type: ListType,
    /// The entry that matched: the network as `address/prefix` for a `cidr`
    /// list, the pattern for a `regex` list, otherwise the entry in lower
    /// case.
    pub matched: String,
    /// The value checked, or the half of a composite value that hit.
    pub value: String,
}

impl From<Hit> for crate::model::WarninglistHit {
    /// The hit as MISP's value check reports it, with no list id (a list
    /// read from disk has none).
    fn from(hit: Hit) -> Self {
        crate::model::WarninglistHit {
            value: hit.value,
            id: 0,
            name: hit.name,
        }
    }
}

/// One warninglist, read and compiled for matching.
pub struct Warninglist {
    name: String,
    description: String,
    version: Option<u64>,
    list_type: ListType,
    matching_attributes: Vec<String>,
    path: PathBuf,
    entries: usize,
    skipped: usize,
    matcher: Matcher,
}

impl fmt::Debug for Warninglist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Warninglist")
            .field("name", &self.name)
            .field("list_type", &self.list_type)
            .field("entries", &self.entries)
            .field("skipped", &self.skipped)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A `list.json` as MISP writes it. `type` may be a list (MISP takes the
/// first), `list` may map entries to comments, and only `name` and `list`
/// are required.
#[derive(Deserialize)]
struct RawList {
    name: String,
    #[serde(default, deserialize_with = "de::text")]
    description: String,
    #[serde(default, deserialize_with = "de::opt_id")]
    version: Option<u64>,
    #[serde(rename = "type", default)]
    list_type: Option<OneOrMany>,
    list: Entries,
    #[serde(default, deserialize_with = "de::list")]
    matching_attributes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Entries {
    Plain(Vec<String>),
    Commented(BTreeMap<String, serde_json::Value>),
}

impl Warninglist {
    /// Reads and compiles one `list.json`.
    ///
    /// # Errors
    ///
    /// [`WarninglistError::Io`] when the file cannot be read, and the
    /// errors of [`Warninglist::from_json`].
    pub fn from_file(path: &Path) -> Result<Self, WarninglistError> {
        let bytes = std::fs::read(path).map_err(|source| WarninglistError::Io {
            path: path.to_owned(),
            source,
        })?;
        Warninglist::from_json(path, &bytes)
    }

    /// Compiles a list from the text of a `list.json`; `path` is only used
    /// to name the list in errors and in [`Warninglist::path`].
    ///
    /// Entries that cannot match (an address that is not one, a regex that
    /// PHP or the `regex` crate refuses) are left out and counted in
    /// [`Warninglist::skipped`]; empty entries are ignored, as MISP ignores
    /// them.
    ///
    /// # Errors
    ///
    /// [`WarninglistError::Decode`] when the text is not a warninglist,
    /// [`WarninglistError::UnknownType`] for a type MISP does not know,
    /// [`WarninglistError::TooLarge`] for a substring list too big to
    /// compile.
    pub fn from_json(path: &Path, json: &[u8]) -> Result<Self, WarninglistError> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let raw: RawList =
            serde_path_to_error::deserialize(&mut de).map_err(|e| WarninglistError::Decode {
                path: path.to_owned(),
                json_path: e.path().to_string(),
                source: e.into_inner(),
            })?;

        let type_name = match raw.list_type {
            None => "string".to_owned(),
            Some(OneOrMany::One(name)) => name,
            Some(OneOrMany::Many(names)) => names.into_iter().next().unwrap_or_default(),
        };
        let list_type =
            ListType::from_name(&type_name).ok_or_else(|| WarninglistError::UnknownType {
                path: path.to_owned(),
                list_type: type_name,
            })?;

        let entries: Vec<String> = match raw.list {
            Entries::Plain(entries) => entries,
            Entries::Commented(map) => map.into_keys().collect(),
        };
        let compiled = Matcher::compile(list_type, entries.iter().filter(|e| !e.is_empty()))
            .map_err(|source| WarninglistError::TooLarge {
                path: path.to_owned(),
                source,
            })?;

        if let Some((entry, reason)) = &compiled.first_skipped {
            warn!(
                "warninglist {:?}: {} entries left out, the first {entry:?} because {reason}",
                raw.name, compiled.skipped
            );
        }
        debug!(
            "warninglist {:?} ({list_type}): {} entries",
            raw.name, compiled.kept
        );

        Ok(Warninglist {
            name: raw.name,
            description: raw.description,
            version: raw.version,
            list_type,
            matching_attributes: raw.matching_attributes,
            path: path.to_owned(),
            entries: compiled.kept,
            skipped: compiled.skipped,
            matcher: compiled.matcher,
        })
    }

    /// The list's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The list's description, empty when it has none.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The list's version, when it gives one.
    pub fn version(&self) -> Option<u64> {
        self.version
    }

    /// How the list matches.
    pub fn list_type(&self) -> ListType {
        self.list_type
    }

    /// The attribute types the list applies to; empty when it applies to
    /// all of them.
    pub fn matching_attributes(&self) -> &[String] {
        &self.matching_attributes
    }

    /// The file the list was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many entries the list matches with.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// True when the list has no entry to match with.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// How many entries were left out because they could never match
    /// (see [`Warninglist::from_json`]).
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// True when the list applies to values of `attribute_type`: always
    /// when no type is given or the list names none (or names `ALL`).
    pub fn applies_to(&self, attribute_type: Option<&str>) -> bool {
        match attribute_type {
            None => true,
            Some(kind) => {
                self.matching_attributes.is_empty()
                    || self
                        .matching_attributes
                        .iter()
                        .any(|t| t == kind || t == "ALL")
            }
        }
    }

    /// The hit of `value` on this list, if any (see the module docs for
    /// how each type matches).
    pub fn check(&self, value: &str, attribute_type: Option<&str>) -> Option<Hit> {
        if !self.applies_to(attribute_type) {
            return None;
        }

        value_parts(value, attribute_type).find_map(|part| {
            self.matcher.find(part).map(|matched| Hit {
                name: self.name.clone(),
                list_type: self.list_type,
                matched,
                value: part.to_owned(),
            })
        })
    }
}

/// The parts of a value MISP checks: both halves of a composite type,
/// else the whole value.
fn value_parts<'a>(value: &'a str, attribute_type: Option<&str>) -> impl Iterator<Item = &'a str> {
    let composite = attribute_type.is_some_and(|t| t.contains('|') || t == "malware-sample");
    let (first, second) = match value.split_once('|') {
        Some((a, b)) if composite => (a, Some(b)),
        _ => (value, None),
    };
    std::iter::once(first).chain(second)
}

/// A set of warninglists, checked together.
#[derive(Debug, Default)]
pub struct Warninglists {
    lists: Vec<Warninglist>,
}

impl Warninglists {
    /// No list at all: every check answers no hit.
    pub fn new() -> Self {
        Warninglists::default()
    }

    /// Reads every warninglist in `dir`, in file-name order.
    ///
    /// `dir` may be the root of MISP's warninglists (holding
    /// `lists/*/list.json`), a `lists` folder itself (`*/list.json`), a
    /// folder of `*.json` list files, or one list's folder (holding
    /// `list.json`).
    ///
    /// # Errors
    ///
    /// [`WarninglistError::NoLists`] when the folder holds no list, and the
    /// first error of [`Warninglist::from_file`]: one bad list fails the
    /// whole load rather than being skipped.
    pub fn load_dir(dir: &Path) -> Result<Self, WarninglistError> {
        let files = list_files(dir)?;
        if files.is_empty() {
            return Err(WarninglistError::NoLists {
                path: dir.to_owned(),
            });
        }

        let lists = files.iter().map(|file| Warninglist::from_file(file));
        lists
            .collect::<Result<Vec<_>, _>>()
            .map(|lists| Warninglists { lists })
    }

    /// Adds one list, checked after those already held.
    pub fn push(&mut self, list: Warninglist) {
        self.lists.push(list);
    }

    /// Adds every list of `other` (say, from a second folder).
    pub fn merge(&mut self, other: Warninglists) {
        self.lists.extend(other.lists);
    }

    /// The lists held, in the order they are checked.
    pub fn lists(&self) -> &[Warninglist] {
        &self.lists
    }

    /// How many lists are held.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// True when no list is held.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Every list `value` is on, one hit a list, in list order.
    /// `attribute_type` is the MISP type the value would have (`ip-dst`,
    /// `domain`, `sha256`...); lists whose `matching_attributes` leave it
    /// out are skipped. With `None` every list applies.
    pub fn check(&self, value: &str, attribute_type: Option<&str>) -> Vec<Hit> {
        self.lists
            .iter()
            .filter_map(|list| list.check(value, attribute_type))
            .collect()
    }

    /// True when `value` is on at least one list; stops at the first hit.
    pub fn is_listed(&self, value: &str, attribute_type: Option<&str>) -> bool {
        self.lists
            .iter()
            .any(|list| list.check(value, attribute_type).is_some())
    }
}

impl FromIterator<Warninglist> for Warninglists {
    fn from_iter<I: IntoIterator<Item = Warninglist>>(lists: I) -> Self {
        Warninglists {
            lists: lists.into_iter().collect(),
        }
    }
}

/// The list files under `dir`, sorted, per the layouts `load_dir` accepts.
fn list_files(dir: &Path) -> Result<Vec<PathBuf>, WarninglistError> {
    let own = dir.join("list.json");
    if own.is_file() {
        return Ok(vec![own]);
    }

    let nested = dir.join("lists");
    let root = if nested.is_dir() {
        nested
    } else {
        dir.to_owned()
    };
    let io = |source| WarninglistError::Io {
        path: root.clone(),
        source,
    };
    let mut paths = std::fs::read_dir(&root)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    paths.sort();

    let files = paths.into_iter().filter_map(|path| {
        if path.is_dir() {
            Some(path.join("list.json")).filter(|file| file.is_file())
        } else {
            Some(path).filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        }
    });
    Ok(files.collect())
}

/// A list's entries in the form its type matches fastest.
enum Matcher {
    Cidr(CidrSet),
    Exact(HashSet<Box<str>>),
    Substring(Option<Regex>),
    Hostname(HashSet<Box<str>>),
    Regex(Vec<(Box<str>, Regex)>),
}

struct Compiled {
    matcher: Matcher,
    kept: usize,
    skipped: usize,
    first_skipped: Option<(String, String)>,
}

impl Matcher {
    fn compile<'a>(
        list_type: ListType,
        entries: impl Iterator<Item = &'a String>,
    ) -> Result<Compiled, regex::Error> {
        let mut skipped = Vec::new();
        let (matcher, kept) = match list_type {
            ListType::Cidr => {
                let mut set = CidrSet::default();
                for entry in entries {
                    if !set.insert(entry) {
                        skipped.push((entry.clone(), "it is not an address or network".to_owned()));
                    }
                }
                let kept = set.len();
                (Matcher::Cidr(set), kept)
            }
            ListType::String => {
                let set: HashSet<Box<str>> = entries.map(|e| lower(e)).collect();
                let kept = set.len();
                (Matcher::Exact(set), kept)
            }
            ListType::Hostname => {
                let set: HashSet<Box<str>> = entries.map(|e| lower(e.trim_matches('.'))).collect();
                let kept = set.len();
                (Matcher::Hostname(set), kept)
            }
            ListType::Substring => {
                let all: HashSet<Box<str>> = entries.map(|e| lower(e)).collect();
                (Matcher::Substring(substring_matcher(&all)?), all.len())
            }
            ListType::Regex => {
                let mut compiled = Vec::new();
                for entry in entries {
                    match php_regex(entry) {
                        Ok(regex) => compiled.push((Box::from(entry.as_str()), regex)),
                        Err(reason) => skipped.push((entry.clone(), reason)),
                    }
                }
                let kept = compiled.len();
                (Matcher::Regex(compiled), kept)
            }
        };

        let count = skipped.len();
        Ok(Compiled {
            matcher,
            kept,
            skipped: count,
            first_skipped: skipped.into_iter().next(),
        })
    }

    /// The entry `value` matches, as [`Hit::matched`] reports it.
    fn find(&self, value: &str) -> Option<String> {
        match self {
            Matcher::Cidr(set) => set.find(value),
            Matcher::Exact(set) => {
                let value = value.to_ascii_lowercase();
                set.contains(value.as_str()).then_some(value)
            }
            Matcher::Substring(regex) => {
                let value = value.to_ascii_lowercase();
                let found = regex.as_ref()?.find(value.as_bytes())?;
                Some(String::from_utf8_lossy(found.as_bytes()).into_owned())
            }
            Matcher::Hostname(set) => hostname_suffixes(&host_of(value).to_ascii_lowercase())
                .find(|suffix| set.contains(*suffix))
                .map(str::to_owned),
            Matcher::Regex(patterns) => patterns
                .iter()
                .find(|(_, regex)| regex.is_match(value.as_bytes()))
                .map(|(p, _)| p.to_string()),
        }
    }
}

fn lower(entry: &str) -> Box<str> {
    entry.to_ascii_lowercase().into_boxed_str()
}

/// One matcher for all substrings: an alternation of escaped literals,
/// which the regex crate runs as a multi-pattern literal search.
fn substring_matcher(entries: &HashSet<Box<str>>) -> Result<Option<Regex>, regex::Error> {
    if entries.is_empty() {
        return Ok(None);
    }

    let mut sorted: Vec<&str> = entries.iter().map(|e| &**e).collect();
    sorted.sort_unstable();
    let alternation: Vec<String> = sorted.iter().map(|e| regex::escape(e)).collect();
    let regex = RegexBuilder::new(&alternation.join("|"))
        .unicode(false)
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .build()?;
    Ok(Some(regex))
}

/// The host part of a value that may be a URL, the way MISP takes it
/// (what follows `//`, up to the next `/`), without user information, port
/// or trailing dots.
fn host_of(value: &str) -> &str {
    let rest = value.find("//").map_or(value, |at| &value[at + 2..]);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);

    let host = if let Some(inner) = host.strip_prefix('[') {
        inner.split(']').next().unwrap_or_default()
    } else {
        match host.rsplit_once(':') {
            Some((name, port))
                if port.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':') =>
            {
                name
            }
            _ => host,
        }
    };
    host.trim_end_matches('.')
}

/// `a.b.example.net` gives `net`, `example.net`, `b.example.net`,
/// `a.b.example.net`: the broadest first, as MISP checks them.
fn hostname_suffixes(host: &str) -> impl Iterator<Item = &str> {
    let dots = host
        .char_indices()
        .rev()
        .filter(|&(_, c)| c == '.')
        .map(|(at, _)| &host[at + 1..]);
    dots.chain(std::iter::once(host))
        .filter(|suffix| !suffix.is_empty())
}

/// Networks by prefix length, so that an address costs one hash lookup per
/// prefix length present in the list.
#[derive(Default)]
struct CidrSet {
    v4: BTreeMap<u8, HashSet<u32>>,
    v6: BTreeMap<u8, HashSet<u128>>,
}

impl CidrSet {
    /// Adds an entry; false when it is not an address or network.
    fn insert(&mut self, entry: &str) -> bool {
        let Some((address, prefix)) = parse_network(entry) else {
            return false;
        };
        match address {
            IpAddr::V4(ip) => {
                let bits = u32::from(ip) & mask_v4(prefix);
                self.v4.entry(prefix).or_default().insert(bits)
            }
            IpAddr::V6(ip) => {
                let bits = u128::from(ip) & mask_v6(prefix);
                self.v6.entry(prefix).or_default().insert(bits)
            }
        };
        true
    }

    fn len(&self) -> usize {
        let v4: usize = self.v4.values().map(HashSet::len).sum();
        let v6: usize = self.v6.values().map(HashSet::len).sum();
        v4 + v6
    }

    /// The broadest entry holding `value` (an address, or a network that
    /// must lie wholly inside the entry), as `network/prefix`.
    fn find(&self, value: &str) -> Option<String> {
        let (address, value_prefix) = parse_network(value)?;
        match address {
            IpAddr::V4(ip) => self.v4.range(..=value_prefix).find_map(|(&prefix, set)| {
                let net = u32::from(ip) & mask_v4(prefix);
                set.contains(&net)
                    .then(|| format!("{}/{prefix}", Ipv4Addr::from(net)))
            }),
            IpAddr::V6(ip) => self.v6.range(..=value_prefix).find_map(|(&prefix, set)| {
                let net = u128::from(ip) & mask_v6(prefix);
                set.contains(&net)
                    .then(|| format!("{}/{prefix}", Ipv6Addr::from(net)))
            }),
        }
    }
}

/// `address` or `address/prefix`, the prefix defaulting to the full length.
fn parse_network(text: &str) -> Option<(IpAddr, u8)> {
    let text = text.trim();
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };

    let address: IpAddr = address.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => p.parse::<u8>().ok().filter(|&p| p <= max)?,
    };
    Some((address, prefix))
}

fn mask_v4(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// Compiles a PHP `preg_*` pattern: delimiters, then modifiers.
fn php_regex(entry: &str) -> Result<Regex, String> {
    let (body, modifiers, delimiter) = split_delimiters(entry)?;

    let mut flags = String::new();
    let mut anchored = false;
    for modifier in modifiers.chars() {
        match modifier {
            'i' | 'm' | 's' | 'x' | 'U' if !flags.contains(modifier) => flags.push(modifier),
            'i' | 'm' | 's' | 'x' | 'U' => {}
            'A' => anchored = true,
            // UTF-8, dollar-end-only, extra analysis, duplicate names, no
            // auto-capture: no bearing on whether a value matches here.
            'u' | 'D' | 'S' | 'X' | 'J' | 'n' | ' ' | '\n' | '\r' => {}
            other => return Err(format!("PHP refuses its modifier {other:?}")),
        }
    }

    // PCRE reads an escaped delimiter as the character itself; say so in a
    // form the regex crate reads the same way (`\<` means a word start there).
    let escaped_delimiter = format!("\\{delimiter}");
    let body = body.replace(&escaped_delimiter, &regex::escape(&delimiter.to_string()));

    let mut pattern = String::new();
    if !flags.is_empty() {
        pattern.push_str(&format!("(?{flags})"));
    }
    pattern.push_str(if anchored { r"\A(?:" } else { "(?:" });
    pattern.push_str(&body);
    // In extended mode a `#` comment would swallow the closing parenthesis.
    pattern.push_str(if flags.contains('x') { "\n)" } else { ")" });

    // PCRE as PHP runs it without `u`: bytes, ASCII classes, ASCII case.
    RegexBuilder::new(&pattern)
        .unicode(false)
        .build()
        .map_err(|e| format!("the regex crate cannot compile it: {e}"))
}

/// Splits `/body/mods` (or `#body#mods`, `(body)mods`, `{body}mods`, ...)
/// the way PHP does: the first unescaped closing delimiter ends the body.
fn split_delimiters(entry: &str) -> Result<(&str, &str, char), String> {
    let text = entry.trim_start();
    let open = text.chars().next().ok_or("it is empty")?;
    if !open.is_ascii() || open.is_ascii_alphanumeric() || open == '\\' {
        return Err("it has no valid PHP delimiter".to_owned());
    }
    let close = match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        same => same,
    };

    let rest = &text[1..];
    let (open, close) = (open as u8, close as u8);
    let mut depth = 1usize;
    let mut at = 0;
    let bytes = rest.as_bytes();
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'\\' {
            at += 2;
            continue;
        }
        if byte == close {
            depth -= 1;
            if depth == 0 || open == close {
                return Ok((&rest[..at], &rest[at + 1..], close as char));
            }
        } else if byte == open {
            depth += 1;
        }
        at += 1;
    }
    Err("it has no ending delimiter".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_delimiters_and_modifiers_are_understood() {
        let case_blind = php_regex(r"/^(security|abuse)\@.*\..*$/i").unwrap();
        assert!(case_blind.is_match(b"Abuse@provider.example.com"));
        assert!(!case_blind.is_match(b"sales@provider.example.com"));

        let hashes = php_regex(r"#\.onion(/|$)#").unwrap();
        assert!(hashes.is_match(b"http://abc.onion/x"));

        let braces = php_regex(r"{^a{2}$}").unwrap();
        assert!(braces.is_match(b"aa"));
        assert!(!braces.is_match(b"aaa"));

        let escaped = php_regex(r"/^https?:\/\/login\./").unwrap();
        assert!(escaped.is_match(b"https://login.site.net"));
    }

    #[test]
    fn classes_and_case_are_ascii_as_pcre_runs_them_without_u() {
        let word = php_regex(r"/^\w+$/").unwrap();
        assert!(word.is_match(b"abc_123"));
        assert!(!word.is_match("café".as_bytes()));

        let caseless = php_regex("/^mÉtÉo$/i").unwrap();
        assert!(caseless.is_match("MÉTÉO".as_bytes()));
        assert!(!caseless.is_match("météo".as_bytes()));

        let error = php_regex(r"/^\p{L}+$/u").unwrap_err();
        assert!(error.contains("regex crate"), "{error}");
    }

    #[test]
    fn extended_mode_comment_does_not_swallow_the_pattern_end() {
        let regex = php_regex("/^abc # letters\n$/x").unwrap();
        assert!(regex.is_match(b"abc"));
        assert!(!regex.is_match(b"abcd"));
    }

    #[test]
    fn anchored_modifier_anchors_at_the_start() {
        let regex = php_regex("/abc/A").unwrap();
        assert!(regex.is_match(b"abcdef"));
        assert!(!regex.is_match(b"xabc"));
    }

    #[test]
    fn patterns_php_refuses_are_reported() {
        assert!(php_regex("/555-01[0-9]{2}/g").unwrap_err().contains("'g'"));
        assert!(php_regex("abc").is_err());
        assert!(php_regex("/abc").is_err());
        assert!(php_regex("").is_err());
        assert!(php_regex(r"/(?<=a)b/").is_err());
    }

    #[test]
    fn host_is_taken_from_urls_and_stripped() {
        assert_eq!(
            host_of("https://user@Login.Site.net:8443/a?b"),
            "Login.Site.net"
        );
        assert_eq!(host_of("site.net./path"), "site.net");
        assert_eq!(host_of("http://[2001:db8::1]:80/"), "2001:db8::1");
        assert_eq!(host_of("2001:db8::1"), "2001:db8::1");
        let suffixes: Vec<&str> = hostname_suffixes("a.b.net").collect();
        assert_eq!(suffixes, ["net", "b.net", "a.b.net"]);
    }

    #[test]
    fn cidr_prefix_edges() {
        let mut set = CidrSet::default();
        assert!(set.insert("0.0.0.0/0"));
        assert!(set.insert("::/0"));
        assert!(!set.insert("10.0.0.0/33"));
        assert!(!set.insert("not-an-address"));
        assert_eq!(set.find("203.0.113.9").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(set.find("2001:db8::9").as_deref(), Some("::/0"));
        assert_eq!(set.find("example.net"), None);
    }
}
