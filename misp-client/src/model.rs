//! The MISP data model: attributes, their event summary, tags, and the
//! answers of the endpoints this crate calls.
//!
//! Decoding follows MISP 2.5 and is lenient where MISP is inconsistent (ids
//! and timestamps as strings or integers, booleans as `"0"`/`"1"`, `Tag`
//! absent or `null`) and strict where it matters (`type` and `value` must be
//! there). Unknown keys are ignored.

use crate::de;
use serde::{Deserialize, Serialize};

/// One MISP attribute, as `restSearch` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Attribute {
    /// The attribute's id on the MISP instance (0 when unknown, as in a feed).
    #[serde(default, deserialize_with = "de::id")]
    pub id: u64,
    /// The id of the event holding the attribute (0 when unknown).
    #[serde(default, deserialize_with = "de::id")]
    pub event_id: u64,
    /// The id of the object holding the attribute; `0` or `None` when the
    /// attribute stands alone.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub object_id: Option<u64>,
    /// The MISP category, such as `Network activity` or `Payload delivery`.
    #[serde(default, deserialize_with = "de::text")]
    pub category: String,
    /// The attribute type (`ip-dst`, `domain|ip`, `sha256`, ...). Types this
    /// crate does not know are kept as MISP sent them.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value; for a composite type both halves joined by `|`.
    pub value: String,
    /// Whether the attribute is marked for detection (an indicator of
    /// compromise rather than context).
    #[serde(default, deserialize_with = "de::flag")]
    pub to_ids: bool,
    /// The attribute's uuid.
    #[serde(default, deserialize_with = "de::text")]
    pub uuid: String,
    /// When the attribute last changed, in Unix seconds (0 when unknown).
    #[serde(default, deserialize_with = "de::timestamp")]
    pub timestamp: i64,
    /// The distribution level (0 your organisation only ... 5 inherit).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub distribution: Option<u64>,
    /// The free-text comment, empty when there is none.
    #[serde(default, deserialize_with = "de::text")]
    pub comment: String,
    /// Whether the attribute is soft-deleted.
    #[serde(default, deserialize_with = "de::flag")]
    pub deleted: bool,
    /// When the attribute was first seen, as MISP's ISO-8601 text.
    #[serde(default)]
    pub first_seen: Option<String>,
    /// When the attribute was last seen, as MISP's ISO-8601 text.
    #[serde(default)]
    pub last_seen: Option<String>,
    /// The summary of the event that holds the attribute.
    #[serde(rename = "Event", default)]
    pub event: Option<EventSummary>,
    /// The attribute's tags, and with `includeEventTags` the event's too
    /// (those have [`Tag::inherited`] set). Empty when MISP sent none.
    #[serde(rename = "Tag", default, deserialize_with = "de::list")]
    pub tags: Vec<Tag>,
}

impl Attribute {
    /// The halves of the value: two for a composite type (`domain|ip`,
    /// `ip-dst|port`, `filename|sha256`), one otherwise.
    pub fn value_halves(&self) -> impl Iterator<Item = &str> {
        let composite = self.kind.contains('|');
        let (first, second) = match self.value.split_once('|') {
            Some((a, b)) if composite => (a, Some(b)),
            _ => (self.value.as_str(), None),
        };
        std::iter::once(first).chain(second)
    }

    /// True when `value` equals the attribute's value or either half of a
    /// composite value, compared without regard to ASCII case, as MISP's
    /// search compares them.
    pub fn matches_value(&self, value: &str) -> bool {
        self.value.eq_ignore_ascii_case(value)
            || self
                .value_halves()
                .any(|half| half.eq_ignore_ascii_case(value))
    }
}

/// The summary of an event that MISP attaches to every attribute it returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct EventSummary {
    /// The event's id (0 when unknown).
    #[serde(default, deserialize_with = "de::id")]
    pub id: u64,
    /// The event's title.
    #[serde(default, deserialize_with = "de::text")]
    pub info: String,
    /// The id of the organisation that owns the event on this instance.
    #[serde(default, deserialize_with = "de::id")]
    pub org_id: u64,
    /// The id of the organisation that created the event.
    #[serde(default, deserialize_with = "de::id")]
    pub orgc_id: u64,
    /// The event's uuid.
    #[serde(default, deserialize_with = "de::text")]
    pub uuid: String,
    /// The event's distribution level.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub distribution: Option<u64>,
    /// When the event was last published, in Unix seconds.
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub publish_timestamp: Option<i64>,
}

/// A tag on an attribute or an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Tag {
    /// The tag's id on the instance (0 when unknown).
    #[serde(default, deserialize_with = "de::id")]
    pub id: u64,
    /// The tag's name, such as `tlp:amber` or `misp-galaxy:threat-actor="APT28"`.
    pub name: String,
    /// The display colour, `#rrggbb`.
    #[serde(default, deserialize_with = "de::text")]
    pub colour: String,
    /// Whether the tag comes from a galaxy cluster.
    #[serde(default, deserialize_with = "de::flag")]
    pub is_galaxy: bool,
    /// Whether the tag is local to this instance.
    #[serde(default, deserialize_with = "de::flag")]
    pub local: bool,
    /// Whether the tag was inherited from the event (`includeEventTags`).
    #[serde(default, deserialize_with = "de::flag")]
    pub inherited: bool,
}

/// The body of a `restSearch` answer: `{"response": {"Attribute": [...]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SearchResponse {
    /// The `response` object.
    pub response: SearchAttributes,
}

/// The `response` object of a `restSearch` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SearchAttributes {
    /// The matching attributes; empty when nothing matched.
    #[serde(rename = "Attribute", default, deserialize_with = "de::list")]
    pub attributes: Vec<Attribute>,
}

/// The answer of `GET /servers/getVersion`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Version {
    /// MISP's version, such as `2.5.1`.
    pub version: String,
    /// Whether the key's user may add sightings.
    #[serde(default, deserialize_with = "de::flag")]
    pub perm_sighting: bool,
    /// Whether the key's user may synchronise.
    #[serde(default, deserialize_with = "de::flag")]
    pub perm_sync: bool,
    /// The instance's uuid, when MISP sends it.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// What a sighting says about the values it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SightingKind {
    /// The value was seen (MISP type `0`).
    #[serde(rename = "0")]
    Sighting,
    /// The value was seen but is harmless here (MISP type `1`).
    #[serde(rename = "1")]
    FalsePositive,
    /// The value is no longer valid from now on (MISP type `2`).
    #[serde(rename = "2")]
    Expiration,
}

impl SightingKind {
    /// MISP's code for the kind: `"0"`, `"1"` or `"2"`.
    pub fn code(self) -> &'static str {
        match self {
            SightingKind::Sighting => "0",
            SightingKind::FalsePositive => "1",
            SightingKind::Expiration => "2",
        }
    }

    /// The kind MISP means by `code`, if it is one of the three.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(SightingKind::Sighting),
            1 => Some(SightingKind::FalsePositive),
            2 => Some(SightingKind::Expiration),
            _ => None,
        }
    }
}

/// A sighting as MISP stores it: the answer of `POST /sightings/add`.
///
/// When one request sights several attributes, MISP answers with the last
/// sighting it saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Sighting {
    /// The sighting's id (0 when unknown).
    #[serde(default, deserialize_with = "de::id")]
    pub id: u64,
    /// The id of the attribute sighted (0 when unknown).
    #[serde(default, deserialize_with = "de::id")]
    pub attribute_id: u64,
    /// The id of the event holding that attribute (0 when unknown).
    #[serde(default, deserialize_with = "de::id")]
    pub event_id: u64,
    /// The id of the organisation that reported the sighting.
    #[serde(default, deserialize_with = "de::id")]
    pub org_id: u64,
    /// When the value was seen, in Unix seconds (0 when unknown).
    #[serde(default, deserialize_with = "de::timestamp")]
    pub date_sighting: i64,
    /// The sighting's uuid.
    #[serde(default, deserialize_with = "de::text")]
    pub uuid: String,
    /// Who saw it, as the request's `source` said.
    #[serde(default, deserialize_with = "de::text")]
    pub source: String,
    /// The kind of sighting; `None` when MISP sent a code this crate does
    /// not know.
    #[serde(rename = "type", default, deserialize_with = "de::sighting_kind")]
    pub kind: Option<SightingKind>,
}

/// One enabled MISP warninglist that a checked value is on: an item of the
/// answer of `POST /warninglists/checkValue`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WarninglistHit {
    /// The value that was checked.
    pub value: String,
    /// The warninglist's id on the instance (0 when unknown).
    pub id: u64,
    /// The warninglist's name, such as `List of known public DNS resolvers`.
    pub name: String,
}
