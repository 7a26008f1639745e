//! Finding the observables of an alert.

use crate::config::Prepared;
use crate::hygiene::{self, NameProblem};
use crate::kind::Kind;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;
use std::fmt;
use wazuh_alert::Alert;

/// Values longer than this many bytes are never looked up.
pub const MAX_VALUE_LEN: usize = 2048;

/// A value worth asking MISP about, found in an alert.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Observable {
    /// The value in its normal form: an address in canonical text (an
    /// IPv4-mapped IPv6 address as IPv4), a lowercase domain without the
    /// root dot, a URL with lowercase scheme and host, a lowercase hash.
    pub value: String,
    /// What the value is.
    pub kind: Kind,
    /// The dotted path of the alert field it came from, as configured (the
    /// first such field when the value appears in several).
    pub field: String,
}

/// A value found in an alert field and not looked up, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The value (cut to 256 bytes when longer).
    pub value: String,
    /// The dotted path of the field it came from.
    pub field: String,
    /// Why it is not looked up.
    pub reason: DropReason,
}

/// Why a value found in an alert is not looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// The value is not a valid value of the kind its field holds.
    Malformed(Kind),
    /// The address lies in a special-purpose block; the block's registry
    /// name, such as `private-use` or `documentation`.
    SpecialAddress(&'static str),
    /// The name has a single label or a local suffix (see
    /// [`hygiene::LOCAL_SUFFIXES`]).
    LocalName,
    /// The value, or a URL's host, is in `allow_cidrs` or `allow_domains`.
    Allowlisted,
    /// MISP would read the value as a search operator (it holds `&&`).
    Operator,
    /// The value is longer than [`MAX_VALUE_LEN`].
    TooLong,
    /// The alert had more observables than `max_observables`.
    OverCap,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Malformed(kind) => write!(f, "not a valid {kind}"),
            DropReason::SpecialAddress(block) => write!(f, "{block} address"),
            DropReason::LocalName => f.write_str("local or single-label name"),
            DropReason::Allowlisted => f.write_str("allowlisted"),
            DropReason::Operator => f.write_str("would be read by misp as an operator"),
            DropReason::TooLong => write!(f, "longer than {MAX_VALUE_LEN} bytes"),
            DropReason::OverCap => f.write_str("over the max_observables cap"),
        }
    }
}

/// The outcome of reading an alert: what will be looked up and what will
/// not, each in extraction order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// The observables, deduplicated, at most `max_observables`.
    pub observables: Vec<Observable>,
    /// The values found and dropped by hygiene, the allowlists or the cap.
    /// Placeholders (`-`, `sanitized`, ...) and relative URLs are not
    /// listed: they are what those fields normally hold.
    pub dropped: Vec<Dropped>,
}

/// How a field's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// An address, possibly with a port.
    Ip,
    /// A host name, or an address written where a name is expected.
    Domain,
    /// An absolute URL; its host is an observable too.
    Url,
    /// One hash of a known kind.
    Hash(Kind),
    /// Sysmon's `SHA1=…,MD5=…,SHA256=…,IMPHASH=…`, any subset, any case.
    Hashes,
    /// Sysmon's DNS `queryResults`: `type:  5 name;::ffff:a.b.c.d;...`,
    /// of which the addresses are read.
    DnsResults,
    /// Suricata's `http.url`: a path joined to the sibling `hostname`
    /// (and `http_port`), or an absolute URL.
    HttpUrl,
    /// Whatever the value looks like.
    Guess,
}

impl Reader {
    pub(crate) fn of_kind(kind: Kind) -> Reader {
        match kind {
            Kind::Ip => Reader::Ip,
            Kind::Domain => Reader::Domain,
            Kind::Url => Reader::Url,
            hash => Reader::Hash(hash),
        }
    }

    /// The kind a dropped value of this field is reported under.
    fn main_kind(self) -> Kind {
        match self {
            Reader::Ip | Reader::DnsResults => Kind::Ip,
            Reader::Domain | Reader::Guess => Kind::Domain,
            Reader::Url | Reader::HttpUrl => Kind::Url,
            Reader::Hash(kind) => kind,
            Reader::Hashes => Kind::Sha256,
        }
    }
}

/// A field read, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub(crate) path: String,
    pub(crate) reader: Reader,
}

/// The fields read by default, in the order they are read. The first field
/// a value is found in is the one its observable names.
const BUILTIN: &[(&str, Reader)] = &[
    // Syslog decoders (sshd, web access logs, firewalls) and Suricata.
    ("data.srcip", Reader::Ip),
    ("data.dstip", Reader::Ip),
    ("data.src_ip", Reader::Ip),
    ("data.dest_ip", Reader::Ip),
    ("data.dst_ip", Reader::Ip),
    // Palo Alto.
    ("data.source_address", Reader::Ip),
    ("data.destination_address", Reader::Ip),
    // Windows: Sysmon network events and logon events.
    ("data.win.eventdata.sourceIp", Reader::Ip),
    ("data.win.eventdata.destinationIp", Reader::Ip),
    ("data.win.eventdata.ipAddress", Reader::Ip),
    // Sysmon for Linux.
    ("data.eventdata.sourceIp", Reader::Ip),
    ("data.eventdata.destinationIp", Reader::Ip),
    // AWS: CloudTrail, S3 access logs, VPC flow logs, GuardDuty.
    ("data.aws.sourceIPAddress", Reader::Ip),
    ("data.aws.remote_ip", Reader::Ip),
    ("data.aws.srcaddr", Reader::Ip),
    ("data.aws.dstaddr", Reader::Ip),
    (
        "data.aws.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4",
        Reader::Ip,
    ),
    (
        "data.aws.service.action.awsApiCallAction.remoteIpDetails.ipAddressV4",
        Reader::Ip,
    ),
    // Office 365.
    ("data.office365.ClientIP", Reader::Ip),
    ("data.office365.ActorIpAddress", Reader::Ip),
    // Google Cloud: VPC firewall and flow logs, audit logs.
    ("data.gcp.jsonPayload.connection.src_ip", Reader::Ip),
    ("data.gcp.jsonPayload.connection.dest_ip", Reader::Ip),
    ("data.gcp.protoPayload.requestMetadata.callerIp", Reader::Ip),
    // DNS queries: Sysmon event 22 (Windows and Linux), Suricata.
    ("data.win.eventdata.queryName", Reader::Domain),
    ("data.win.eventdata.queryResults", Reader::DnsResults),
    ("data.eventdata.queryName", Reader::Domain),
    ("data.eventdata.queryResults", Reader::DnsResults),
    ("data.dns.rrname", Reader::Domain),
    // Suricata HTTP and TLS.
    ("data.http.hostname", Reader::Domain),
    ("data.http.url", Reader::HttpUrl),
    ("data.tls.sni", Reader::Domain),
    // Web access logs, when the URL is absolute.
    ("data.url", Reader::Url),
    // Sysmon hashes (Windows and Linux).
    ("data.win.eventdata.hashes", Reader::Hashes),
    ("data.win.eventdata.hash", Reader::Hashes),
    ("data.eventdata.hashes", Reader::Hashes),
    ("data.eventdata.hash", Reader::Hashes),
    // File integrity monitoring.
    ("syscheck.md5_after", Reader::Hash(Kind::Md5)),
    ("syscheck.sha1_after", Reader::Hash(Kind::Sha1)),
    ("syscheck.sha256_after", Reader::Hash(Kind::Sha256)),
];

pub(crate) fn builtin_fields() -> impl Iterator<Item = FieldSpec> {
    BUILTIN.iter().map(|(path, reader)| FieldSpec {
        path: (*path).to_owned(),
        reader: *reader,
    })
}

/// True when the alert is one of the events this project sends: its
/// `location` is `misp` or ends in `->misp`, or it carries
/// `data.integration` = `misp`. Wazuh offers those back to the
/// integration; they must be left alone.
pub fn is_own_event(alert: &Alert) -> bool {
    let location = alert.location();
    location == "misp"
        || location.ends_with("->misp")
        || alert.get_str("data.integration") == Some("misp")
}

/// The observables of an alert worth looking up: deduplicated, hygiene and
/// allowlists applied, only the wanted kinds, at most `max_observables`, in
/// a stable order (the order of the fields read, then the order of the
/// values in a field). An alert of our own ([`is_own_event`]) has none.
pub fn extract(alert: &Alert, config: &Prepared) -> Vec<Observable> {
    extract_detailed(alert, config).observables
}

/// Like [`extract`], and also lists what was found and dropped, and why, so
/// that a caller can log it.
pub fn extract_detailed(alert: &Alert, config: &Prepared) -> Extraction {
    if is_own_event(alert) {
        return Extraction::default();
    }

    let mut collector = Collector::new(config);
    for spec in config.fields() {
        for text in strings_at(alert.raw(), &spec.path) {
            let outcomes = read(spec, text, alert.raw(), config);
            collector.take(&spec.path, outcomes);
        }
    }
    collector.finish()
}

/// Collects outcomes, deduplicating by value.
struct Collector<'c> {
    config: &'c Prepared,
    kept: HashSet<String>,
    refused: HashSet<String>,
    out: Extraction,
}

impl<'c> Collector<'c> {
    fn new(config: &'c Prepared) -> Collector<'c> {
        Collector {
            config,
            kept: HashSet::new(),
            refused: HashSet::new(),
            out: Extraction::default(),
        }
    }

    fn take(&mut self, field: &str, outcomes: Vec<Outcome>) {
        for outcome in outcomes {
            match outcome {
                Outcome::Keep(kind, value) if self.config.wants(kind) => {
                    if self.kept.insert(value.clone()) {
                        let field = field.to_owned();
                        self.out.observables.push(Observable { value, kind, field });
                    }
                }
                Outcome::Drop(kind, value, reason) if self.config.wants(kind) => {
                    if self.refused.insert(value.clone()) {
                        let value = excerpt(&value);
                        self.out.dropped.push(Dropped {
                            value,
                            field: field.to_owned(),
                            reason,
                        });
                    }
                }
                Outcome::Keep(..) | Outcome::Drop(..) => {}
            }
        }
    }

    fn finish(mut self) -> Extraction {
        let cap = self.config.config().max_observables;
        if self.out.observables.len() > cap {
            let over = self.out.observables.split_off(cap);
            self.out
                .dropped
                .extend(over.into_iter().map(|observable| Dropped {
                    value: excerpt(&observable.value),
                    field: observable.field,
                    reason: DropReason::OverCap,
                }));
        }
        self.out
    }
}

fn excerpt(text: &str) -> String {
    let mut end = text.len().min(256);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// The strings at a dotted path. A key is matched exactly, or else without
/// regard to ASCII case; a number indexes an array; any other segment
/// applied to an array is applied to each element; an array at the end
/// gives each of its strings.
pub(crate) fn strings_at<'a>(root: &'a Value, path: &str) -> Vec<&'a str> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    walk(root, &segments, &mut out);
    out
}

fn walk<'a>(value: &'a Value, segments: &[&str], out: &mut Vec<&'a str>) {
    match (segments.split_first(), value) {
        (None, Value::String(text)) => out.push(text),
        (_, Value::Array(items)) => {
            let index = segments
                .first()
                .and_then(|segment| segment.parse::<usize>().ok());
            match index {
                Some(i) => {
                    if let Some(item) = items.get(i) {
                        walk(item, &segments[1..], out);
                    }
                }
                None => items.iter().for_each(|item| walk(item, segments, out)),
            }
        }
        (Some((segment, rest)), Value::Object(map)) => {
            let child = map.get(*segment).or_else(|| {
                map.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(segment))
                    .map(|(_, v)| v)
            });
            if let Some(child) = child {
                walk(child, rest, out);
            }
        }
        _ => {}
    }
}

/// What reading one text gave.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Keep(Kind, String),
    Drop(Kind, String, DropReason),
}

fn read(spec: &FieldSpec, text: &str, root: &Value, config: &Prepared) -> Vec<Outcome> {
    if hygiene::is_placeholder(text) {
        return Vec::new();
    }
    let text = text.trim();
    if text.len() > MAX_VALUE_LEN {
        let kind = spec.reader.main_kind();
        return vec![Outcome::Drop(kind, text.to_owned(), DropReason::TooLong)];
    }

    match spec.reader {
        Reader::Ip => vec![read_ip(text, config)],
        Reader::Domain => vec![read_domain(text, config)],
        Reader::Url => read_url(text, config),
        Reader::Hash(kind) => vec![read_hash(text, kind)],
        Reader::Hashes => read_hashes(text),
        Reader::DnsResults => read_dns_results(text, config),
        Reader::HttpUrl => read_http_url(&spec.path, text, root, config),
        Reader::Guess => guess(text, config),
    }
}

fn read_ip(text: &str, config: &Prepared) -> Outcome {
    let Some(addr) = hygiene::parse_ip(text) else {
        return Outcome::Drop(Kind::Ip, text.to_owned(), DropReason::Malformed(Kind::Ip));
    };
    let value = addr.to_string();
    if let Some(block) = hygiene::special_purpose(addr) {
        return Outcome::Drop(Kind::Ip, value, DropReason::SpecialAddress(block));
    }
    if config.allows_ip(addr) {
        return Outcome::Drop(Kind::Ip, value, DropReason::Allowlisted);
    }
    Outcome::Keep(Kind::Ip, value)
}

fn read_domain(text: &str, config: &Prepared) -> Outcome {
    if hygiene::parse_ip(text).is_some() {
        return read_ip(text, config);
    }
    // A host name as HTTP writes it may carry a port.
    let name = match text.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => text,
    };
    match hygiene::normalize_domain(name) {
        Ok(name) if config.allows_domain(&name) => {
            Outcome::Drop(Kind::Domain, name, DropReason::Allowlisted)
        }
        Ok(name) => Outcome::Keep(Kind::Domain, name),
        Err(NameProblem::Local) => {
            Outcome::Drop(Kind::Domain, name.to_owned(), DropReason::LocalName)
        }
        Err(NameProblem::Malformed) => Outcome::Drop(
            Kind::Domain,
            name.to_owned(),
            DropReason::Malformed(Kind::Domain),
        ),
    }
}

/// An absolute URL and its host; a URL whose host is dropped is dropped
/// for the same reason. Relative references give nothing.
fn read_url(text: &str, config: &Prepared) -> Vec<Outcome> {
    if !hygiene::is_absolute_url(text) {
        return Vec::new();
    }
    let Some(url) = hygiene::parse_url(text) else {
        return vec![Outcome::Drop(
            Kind::Url,
            text.to_owned(),
            DropReason::Malformed(Kind::Url),
        )];
    };

    let host = read_domain(&url.host, config);
    let url_outcome = match &host {
        Outcome::Drop(_, _, reason) => Outcome::Drop(Kind::Url, url.normalized, *reason),
        Outcome::Keep(..) if url.normalized.contains("&&") => {
            Outcome::Drop(Kind::Url, url.normalized, DropReason::Operator)
        }
        Outcome::Keep(..) => Outcome::Keep(Kind::Url, url.normalized),
    };
    vec![url_outcome, host]
}

fn read_http_url(path: &str, text: &str, root: &Value, config: &Prepared) -> Vec<Outcome> {
    if hygiene::is_absolute_url(text) || !text.starts_with('/') {
        return read_url(text, config);
    }
    let parent = path.rsplit_once('.').map_or("", |(parent, _)| parent);
    let sibling = |name: &str| {
        let sibling_path = if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        };
        strings_at(root, &sibling_path)
            .first()
            .map(|s| s.trim().to_owned())
    };

    let Some(host) = sibling("hostname").filter(|host| !hygiene::is_placeholder(host)) else {
        return Vec::new();
    };
    let port = sibling("http_port").filter(|port| port != "80" && !port.is_empty());
    let port = port.map(|port| format!(":{port}")).unwrap_or_default();
    read_url(&format!("http://{host}{port}{text}"), config)
}

fn read_hash(text: &str, kind: Kind) -> Outcome {
    match hygiene::normalize_hash(text, kind) {
        Some(value) => Outcome::Keep(kind, value),
        None => Outcome::Drop(kind, text.to_owned(), DropReason::Malformed(kind)),
    }
}

/// Sysmon's `KEY=hex` list; a bare hash is read by its length.
fn read_hashes(text: &str) -> Vec<Outcome> {
    if !text.contains('=') {
        return match hygiene::hash_kind_by_len(text.len()) {
            Some(kind) => vec![read_hash(text, kind)],
            None => Vec::new(),
        };
    }
    text.split(',')
        .filter_map(|part| part.split_once('='))
        .filter_map(|(key, value)| Some(read_hash(value, hash_key(key)?)))
        .collect()
}

fn hash_key(key: &str) -> Option<Kind> {
    match key.trim().to_ascii_uppercase().as_str() {
        "MD5" => Some(Kind::Md5),
        "SHA1" => Some(Kind::Sha1),
        "SHA256" => Some(Kind::Sha256),
        "SHA512" => Some(Kind::Sha512),
        "IMPHASH" => Some(Kind::Imphash),
        _ => None,
    }
}

fn read_dns_results(text: &str, config: &Prepared) -> Vec<Outcome> {
    text.split(';')
        .map(str::trim)
        .filter(|entry| hygiene::parse_ip(entry).is_some())
        .map(|entry| read_ip(entry, config))
        .collect()
}

/// Reads a value of unknown kind by its shape.
fn guess(text: &str, config: &Prepared) -> Vec<Outcome> {
    if hygiene::parse_ip(text).is_some() {
        return vec![read_ip(text, config)];
    }
    if hygiene::is_absolute_url(text) {
        return read_url(text, config);
    }
    if text.contains('=')
        && text.split(',').any(|part| {
            part.split_once('=')
                .and_then(|(k, _)| hash_key(k))
                .is_some()
        })
    {
        return read_hashes(text);
    }
    let hex = text.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(kind) = hygiene::hash_kind_by_len(text.len()).filter(|_| hex) {
        return vec![read_hash(text, kind)];
    }
    match read_domain(text, config) {
        // Free text that is not a name is simply not an observable.
        Outcome::Drop(_, _, DropReason::Malformed(_)) => Vec::new(),
        outcome => vec![outcome],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(root: &Value, path: &str) -> Vec<String> {
        strings_at(root, path)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn paths_walk_objects_arrays_and_case() {
        let root = json!({"data": {"Win": {"EventData": {"x": "a"}}, "list": [{"ip": "b"}, {"ip": ["c", "d"]}], "n": 3}});
        assert_eq!(values(&root, "data.win.eventdata.x"), ["a"]);
        assert_eq!(values(&root, "data.list.ip"), ["b", "c", "d"]);
        assert_eq!(values(&root, "data.list.1.ip"), ["c", "d"]);
        assert_eq!(values(&root, "data.list.5.ip"), Vec::<String>::new());
        assert_eq!(values(&root, "data.n"), Vec::<String>::new());
        assert_eq!(values(&root, "data.missing"), Vec::<String>::new());
    }

    #[test]
    fn exact_key_wins_over_case_insensitive_one() {
        let root = json!({"data": {"srcip": "exact", "SRCIP": "other"}});
        assert_eq!(values(&root, "data.srcip"), ["exact"]);
        assert_eq!(values(&root, "data.SRCIP"), ["other"]);
        assert_eq!(values(&root, "DATA.SrcIp").len(), 1);
    }

    #[test]
    fn builtin_paths_are_unique() {
        let mut seen = HashSet::new();
        for (path, _) in BUILTIN {
            assert!(seen.insert(*path), "{path} listed twice");
        }
    }

    #[test]
    fn hashes_list_reads_any_subset_and_case() {
        let outcomes = read_hashes(
            "md5=D41D8CD98F00B204E9800998ECF8427E, Imphash=0F71D5F6F4CBB935CE1B09754102419C,CRC32=1234",
        );
        assert_eq!(
            outcomes,
            [
                Outcome::Keep(Kind::Md5, "d41d8cd98f00b204e9800998ecf8427e".into()),
                Outcome::Keep(Kind::Imphash, "0f71d5f6f4cbb935ce1b09754102419c".into()),
            ]
        );
    }

    #[test]
    fn truncated_hash_is_dropped_as_malformed() {
        let outcomes = read_hashes("SHA1=545EC11DEE642DE633EB2C6F6FFC90CCE4DECF");
        assert!(matches!(
            &outcomes[..],
            [Outcome::Drop(
                Kind::Sha1,
                _,
                DropReason::Malformed(Kind::Sha1)
            )]
        ));
    }

    #[test]
    fn drop_reasons_read_as_sentences() {
        assert_eq!(
            DropReason::SpecialAddress("private-use").to_string(),
            "private-use address"
        );
        assert_eq!(
            DropReason::Malformed(Kind::Sha256).to_string(),
            "not a valid sha256"
        );
    }
}
