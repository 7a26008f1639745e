//! The enrichment logic: which observables a Wazuh alert holds, which of
//! them are worth asking MISP about, what to ask, and which events to send
//! back to Wazuh for the answer.
//!
//! Everything here is a pure function: no network, no files, no logging.
//! The `custom-misp` binary does the I/O and logs the decisions returned.
//!
//! # Example
//!
//! ```
//! use enrich_core::{Config, Kind};
//! use misp_client::Attribute;
//! use wazuh_alert::Alert;
//!
//! let alert = Alert::from_value(serde_json::json!({
//!     "id": "1780000000.1234",
//!     "rule": {"id": "5710", "level": 5, "description": "sshd: invalid user"},
//!     "agent": {"id": "001", "name": "web01"},
//!     "location": "/var/log/auth.log",
//!     "data": {"srcip": "185.220.101.1", "dstip": "192.168.1.10"}
//! }))
//! .unwrap();
//! let config = Config::default().validate().unwrap();
//!
//! // The private destination is dropped by hygiene.
//! let observables = enrich_core::extract(&alert, &config);
//! assert_eq!(observables.len(), 1);
//! assert_eq!(observables[0].kind, Kind::Ip);
//! assert_eq!(observables[0].field, "data.srcip");
//!
//! let query = enrich_core::build_query(&observables, &config).unwrap();
//! assert_eq!(query.value, ["185.220.101.1"]);
//!
//! // What MISP answered (here written by hand).
//! let attributes: Vec<Attribute> = serde_json::from_str(r#"[{
//!     "id": "123", "event_id": "42", "type": "ip-dst", "value": "185.220.101.1",
//!     "category": "Network activity", "to_ids": true, "timestamp": "1793527200",
//!     "Event": {"id": "42", "info": "Tor exit nodes", "org_id": "1", "orgc_id": "2"},
//!     "Tag": [{"name": "tlp:clear"}]
//! }]"#)
//! .unwrap();
//!
//! let events = enrich_core::respond(&alert, &observables, &attributes, &config);
//! assert_eq!(events.len(), 1);
//! assert_eq!(events[0]["srcip"], "185.220.101.1");
//! assert_eq!(events[0]["misp"]["status"], "match");
//! assert_eq!(events[0]["misp"]["timestamp"], "2026-11-01T10:00:00Z");
//! assert_eq!(events[0]["misp"]["rule_id"], "5710");
//! ```
//!
//! # Observables
//!
//! [`extract`] reads these alert fields (an array in a field gives each of
//! its values; keys are matched exactly, or else without regard to case):
//!
//! | source | fields | kind |
//! |---|---|---|
//! | syslog decoders, firewalls, Suricata | `data.srcip` `data.dstip` `data.src_ip` `data.dest_ip` `data.dst_ip` | ip |
//! | Palo Alto | `data.source_address` `data.destination_address` | ip |
//! | Windows Sysmon 3, logon events | `data.win.eventdata.sourceIp` `destinationIp` `ipAddress` | ip |
//! | Sysmon for Linux | `data.eventdata.sourceIp` `destinationIp` | ip |
//! | AWS | `data.aws.sourceIPAddress` `remote_ip` `srcaddr` `dstaddr`, GuardDuty's `service.action.{networkConnectionAction,awsApiCallAction}.remoteIpDetails.ipAddressV4` | ip |
//! | Office 365 | `data.office365.ClientIP` `ActorIpAddress` | ip |
//! | Google Cloud | `data.gcp.jsonPayload.connection.src_ip` `dest_ip`, `data.gcp.protoPayload.requestMetadata.callerIp` | ip |
//! | Sysmon 22 (Windows, Linux) | `data.win.eventdata.queryName`, `data.eventdata.queryName` | domain |
//! | Sysmon 22 (Windows, Linux) | `data.win.eventdata.queryResults`, `data.eventdata.queryResults`: the addresses in `type:  5 name;::ffff:a.b.c.d;` | ip |
//! | Suricata | `data.dns.rrname` `data.http.hostname` `data.tls.sni` | domain |
//! | Suricata | `data.http.url`: joined to `data.http.hostname` (and `http_port`) as `http://host/path` | url |
//! | web access logs | `data.url` when absolute | url |
//! | Sysmon (Windows, Linux) | `data.win.eventdata.hashes` `hash`, `data.eventdata.hashes` `hash`: `SHA1=…,MD5=…,SHA256=…,IMPHASH=…`, any subset, any case | md5 sha1 sha256 sha512 imphash |
//! | file integrity monitoring | `syscheck.md5_after` `sha1_after` `sha256_after` | md5 sha1 sha256 |
//!
//! The host of every URL is an observable too (a domain, or an address).
//! Users add fields (with a kind, or with the kind guessed from the value)
//! and skip fields through [`Config`]. Placeholders (empty, `-`,
//! `sanitized`, `XX.X.X.X`, `n/a`, ...) are skipped quietly.
//!
//! Hygiene (see [`hygiene`]): an address is kept only when it is globally
//! reachable under the IANA special-purpose registries (private, loopback,
//! link-local, shared/CGNAT, documentation, benchmarking, multicast,
//! reserved, ... are dropped; an IPv4-mapped IPv6 address is judged, and
//! looked up, as the IPv4 address it holds). Domains are lowercased and
//! lose the root dot; single-label names and local suffixes (`.local`,
//! `.internal`, `.arpa`, `localhost`, ...) are dropped. Hashes must have the
//! right length of hex digits and are lowercased. URLs whose host is
//! dropped are dropped too. The `allow_cidrs` and `allow_domains` options
//! drop more. Values are deduplicated per alert (the first field wins) and
//! capped by `max_observables`. [`extract_detailed`] tells what was dropped
//! and why.
//!
//! # The query
//!
//! [`build_query`] asks one attribute search for all the observables: the
//! values, the attribute types that can hold each kind present
//! ([`Kind::misp_types`], composites included), and the options `to_ids`,
//! `published`, `enforceWarninglist`, `includeEventTags` and `limit`. No
//! observable, no query.
//!
//! # Matching
//!
//! [`match_attributes`] maps each returned attribute back to the observables
//! it matches: same value without regard to case, whole or either half of a
//! composite, and a type that can hold the observable's kind. All matching
//! attributes are counted; the one reported is the first in this order:
//! `to_ids` first, then the newest, then the lowest event id, then the
//! lowest attribute id.
//!
//! # Events
//!
//! [`respond`] gives the events to send to the Wazuh queue for one alert:
//! one `match` event per matched observable, or, when nothing matched and
//! the `report_no_match` option is on, one `no_match` event; otherwise
//! none. An alert that is one of our own events ([`is_own_event`]) gets
//! none. [`error_event`] gives the event for a failed lookup.
//!
//! Every event is `{"integration": "misp", "misp": {...}}`. A `match` on an
//! address also sets the top-level `srcip` to that address, so that a rule
//! can trigger active response on it; no other top-level key is ever set.
//! Wazuh's JSON decoder shows the keys below as `misp.<key>` to rules and as
//! `data.misp.<key>` in alerts; it turns numbers and booleans into text, and
//! a list into one field holding its JSON text. Keys whose value is empty
//! or unknown are left out.
//!
//! | key | in | value |
//! |---|---|---|
//! | `status` | all | `match`, `no_match` or `error` |
//! | `value` | match | the observable's value |
//! | `kind` | match | `ip`, `domain`, `url`, `md5`, `sha1`, `sha256`, `sha512` or `imphash` |
//! | `field` | match | the dotted alert field the value came from, such as `data.srcip` |
//! | `type` | match | the reported attribute's MISP type, such as `ip-dst` or `domain\|ip` |
//! | `category` | match | its MISP category, such as `Network activity` |
//! | `to_ids` | match | `true` when it is marked for detection |
//! | `comment` | match | its comment |
//! | `attribute_id` | match | its id |
//! | `attribute_uuid` | match | its uuid |
//! | `timestamp` | match | when it last changed, ISO-8601 UTC: `2026-11-01T10:00:00Z` |
//! | `event_id` | match | the id of its MISP event |
//! | `event_uuid` | match | that event's uuid |
//! | `event_info` | match | that event's title |
//! | `org_id` | match | the id of the organisation owning the event |
//! | `orgc_id` | match | the id of the organisation that created the event |
//! | `tags` | match | the attribute's own tag names, a list |
//! | `event_tags` | match | the tag names inherited from its event, a list (needs `include_event_tags`) |
//! | `attribute_count` | match | how many returned attributes match the value |
//! | `event_count` | match | in how many MISP events |
//! | `values` | no_match | the values asked about, a list |
//! | `count` | no_match | how many values were asked about |
//! | `error_code` | error | a stable code: `unreachable`, `timeout`, `tls`, `auth`, `http`, `bad_response`, `config` ([`ErrorCode`]) |
//! | `error` | error | a description for people |
//! | `alert_id` | all | the original alert's id |
//! | `rule_id` | all | the original alert's rule id |
//! | `rule_description` | all | the original alert's rule description |
//! | `agent_id` | all | the original alert's agent id |
//! | `agent_name` | all | the original alert's agent name |
//!
//! # Errors
//!
//! Only the options can be wrong: [`Config::validate`] returns an [`Error`]
//! naming the option and the value. Alerts and MISP answers never cause an
//! error: what does not fit is skipped.
//!
//! # Logging
//!
//! None. [`extract_detailed`] returns what a caller may want to log.
//!
//! # Limits
//!
//! - An event has about 30 decoded fields, far under Wazuh's 256, and at
//!   most [`MAX_EVENT_BYTES`] bytes of JSON: free texts are cut to
//!   [`MAX_TEXT_BYTES`], tag lists to [`MAX_TAGS`] names, and when an event
//!   would still be too long its tag lists, then its texts, are left out.
//!   The `values` of a `no_match` event stop at 16 KiB; `count` stays
//!   exact.
//! - Values longer than [`MAX_VALUE_LEN`] bytes are not looked up.
//! - The counts are taken from what MISP returned, which `limit` caps.
//! - MISP has no CIDR containment: an address matches only attributes
//!   holding that very address.
//! - Internationalised domain names are looked up only when the alert
//!   holds their ASCII (`xn--`) form.
//! - URLs holding `&&` are not looked up: MISP would read them as an
//!   operator.

mod config;
mod error;
mod event;
mod extract;
pub mod hygiene;
mod kind;
mod matching;

pub use config::{Config, ExtraField, Prepared};
pub use error::{ConfigError, Error};
pub use event::{
    ErrorCode, MAX_EVENT_BYTES, MAX_TAGS, MAX_TEXT_BYTES, error_event, iso_utc, match_events,
    no_match_event, respond,
};
pub use extract::{
    DropReason, Dropped, Extraction, MAX_VALUE_LEN, Observable, extract, extract_detailed,
    is_own_event,
};
pub use kind::{Kind, UnknownKind};
pub use matching::{Match, build_query, match_attributes};
