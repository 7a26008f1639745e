//! The filters of an attribute search (`POST /attributes/restSearch`).

use serde::Serialize;

/// The filters of an attribute search.
///
/// Every field left at its default is left out of the request, and MISP then
/// applies no filter of that kind. A query must filter on something: the
/// client refuses one for which [`SearchQuery::is_empty`] is true rather than
/// send an empty body, which MISP answers with every attribute it holds.
///
/// ```
/// use misp_client::SearchQuery;
///
/// let query = SearchQuery::values(["198.51.100.7", "evil.example"])
///     .with_types(["ip-src", "ip-dst", "domain"])
///     .with_to_ids(true);
/// assert_eq!(query.value.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchQuery {
    /// Values to find (any of them), each matching a whole value or either
    /// half of a composite value, without regard to case.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub value: Vec<String>,
    /// Attribute types to keep (any of them).
    #[serde(rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Categories to keep (any of them).
    #[serde(rename = "category", skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Keep only attributes whose `to_ids` flag is this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_ids: Option<bool>,
    /// Keep only attributes of published (or unpublished) events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// Tags to require (any of them); a tag written `!name` excludes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Leave out values that hit one of MISP's enabled warninglists.
    #[serde(rename = "enforceWarninglist", skip_serializing_if = "Option::is_none")]
    pub enforce_warninglist: Option<bool>,
    /// Add the event's tags to each attribute's `Tag` list.
    #[serde(rename = "includeEventTags", skip_serializing_if = "Option::is_none")]
    pub include_event_tags: Option<bool>,
    /// Add the whole event to each attribute.
    #[serde(rename = "includeContext", skip_serializing_if = "Option::is_none")]
    pub include_context: Option<bool>,
    /// Add the decay score of each attribute.
    #[serde(rename = "includeDecayScore", skip_serializing_if = "Option::is_none")]
    pub include_decay_score: Option<bool>,
    /// Only attributes of events published within this span (`7d`, `12h`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// Only attributes of events dated on or after this day (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Only attributes of events dated on or before this day (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// At most this many attributes a page. Without it MISP returns every
    /// match at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The page to return, counted from 1; MISP reads it only with `limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

impl SearchQuery {
    /// A query for any of `values`.
    pub fn values<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SearchQuery {
            value: values.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// This query, keeping only attributes of the given types.
    pub fn with_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.types = types.into_iter().map(Into::into).collect();
        self
    }

    /// This query, keeping only attributes whose `to_ids` flag is `to_ids`.
    pub fn with_to_ids(mut self, to_ids: bool) -> Self {
        self.to_ids = Some(to_ids);
        self
    }

    /// True when the query filters on nothing that narrows the answer
    /// (no value, type, category, tag, time span, nor `to_ids` or
    /// `published`). Such a query would ask MISP for every attribute.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
            && self.types.is_empty()
            && self.categories.is_empty()
            && self.tags.is_empty()
            && self.to_ids.is_none()
            && self.published.is_none()
            && self.last.is_none()
            && self.from.is_none()
            && self.to.is_none()
    }
}
