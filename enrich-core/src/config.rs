//! The options that shape extraction, the query and the events, and their
//! checked form.

use crate::error::Error;
use crate::extract::{self, FieldSpec, Reader};
use crate::hygiene;
use crate::kind::{Kind, KindSet};
use serde::Deserialize;
use std::net::IpAddr;

/// The enrichment options, as users write them in the `<options>` JSON of
/// the integration in `ossec.conf`.
///
/// Every key is optional; unknown keys are refused so that a typo does not
/// pass unnoticed. Check the options with [`Config::validate`] before use.
///
/// ```
/// let config: enrich_core::Config = serde_json::from_str(r#"{
///     "kinds": ["ip", "domain", "sha256"],
///     "extra_fields": [{"field": "data.proxy.client", "kind": "ip"}],
///     "allow_cidrs": ["45.33.32.0/24"],
///     "report_no_match": true
/// }"#).unwrap();
/// let prepared = config.validate().unwrap();
/// assert!(prepared.config().report_no_match);
/// assert!(!prepared.config().published_only);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The kinds of observable looked up, by name (`ip`, `domain`, `url`,
    /// `md5`, `sha1`, `sha256`, `sha512`, `imphash`). Defaults to all of
    /// them.
    pub kinds: Vec<String>,

    /// Alert fields read in addition to the built-in ones, each with the
    /// kind of value it holds, or without one to have the kind guessed from
    /// the value. Defaults to none.
    pub extra_fields: Vec<ExtraField>,

    /// Dotted field paths never read, built-in or extra; a path also covers
    /// everything beneath it (`data.aws` skips every AWS field). Defaults to
    /// none.
    pub ignore_fields: Vec<String>,

    /// Addresses and CIDR blocks (`203.0.113.0/24`, `2001:db8::/32`, a bare
    /// address) never looked up, on top of the special-purpose blocks that
    /// never are. URLs whose host is in them are not looked up either.
    /// Defaults to none.
    pub allow_cidrs: Vec<String>,

    /// Domains whose names and subdomains are never looked up, nor URLs on
    /// them. Defaults to none.
    pub allow_domains: Vec<String>,

    /// Ask only for attributes marked for detection (`to_ids`). Defaults to
    /// `true`.
    pub to_ids_only: bool,

    /// Ask only for attributes of published events. Defaults to `false`.
    pub published_only: bool,

    /// Have MISP leave out values that hit one of its enabled warninglists.
    /// Defaults to `true`.
    pub enforce_warninglist: bool,

    /// Have MISP add the event's tags to each attribute, so that events carry
    /// `misp.event_tags`. Defaults to `true`.
    pub include_event_tags: bool,

    /// The most attributes MISP returns for one alert, at least 1. Counts in
    /// the events are taken from what was returned, so they stop at this
    /// number. Defaults to 50.
    pub limit: u32,

    /// Send a `no_match` event when a lookup finds nothing. Defaults to
    /// `false`.
    pub report_no_match: bool,

    /// The most observables looked up for one alert, at least 1; those past
    /// the cap, in extraction order, are left out. Defaults to 64.
    pub max_observables: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            kinds: Kind::ALL
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
            extra_fields: Vec::new(),
            ignore_fields: Vec::new(),
            allow_cidrs: Vec::new(),
            allow_domains: Vec::new(),
            to_ids_only: true,
            published_only: false,
            enforce_warninglist: true,
            include_event_tags: true,
            limit: 50,
            report_no_match: false,
            max_observables: 64,
        }
    }
}

/// One entry of the `extra_fields` option: `{"field": "data.foo.bar",
/// "kind": "ip"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraField {
    /// The dotted path of the field. A segment that is a number indexes an
    /// array; any other segment applied to an array is applied to each of
    /// its elements.
    pub field: String,

    /// The kind of value the field holds. Without it (the default) the kind
    /// is guessed from each value: an address, an absolute URL, a Sysmon
    /// `hashes` list, a bare hash by its length, else a domain name.
    #[serde(default)]
    pub kind: Option<String>,
}

impl Config {
    /// Checks every option and compiles them for [`extract`](crate::extract)
    /// and the functions after it.
    ///
    /// # Errors
    ///
    /// An [`Error`] naming the first option that holds a value it cannot
    /// take: an unknown kind, a malformed field path, address block or
    /// domain, an empty `kinds` list, or a `limit` or `max_observables` of 0.
    pub fn validate(&self) -> Result<Prepared, Error> {
        let kinds = self.parse_kinds()?;

        if self.limit == 0 {
            return Err(Error::TooSmall {
                option: "limit",
                value: 0,
                min: 1,
            });
        }
        if self.max_observables == 0 {
            return Err(Error::TooSmall {
                option: "max_observables",
                value: 0,
                min: 1,
            });
        }

        let ignore = self.parse_ignored()?;
        let fields = self.field_specs(&ignore)?;
        let cidrs = self.parse_cidrs()?;
        let domains = self.parse_domains()?;

        Ok(Prepared {
            config: self.clone(),
            kinds,
            fields,
            cidrs,
            domains,
        })
    }

    fn parse_kinds(&self) -> Result<KindSet, Error> {
        if self.kinds.is_empty() {
            return Err(Error::Empty { option: "kinds" });
        }
        self.kinds
            .iter()
            .enumerate()
            .map(|(i, name)| {
                name.parse::<Kind>().map_err(|source| Error::UnknownKind {
                    option: format!("kinds[{i}]"),
                    source,
                })
            })
            .collect()
    }

    fn parse_ignored(&self) -> Result<Vec<String>, Error> {
        self.ignore_fields
            .iter()
            .enumerate()
            .map(|(i, path)| checked_path(path, || format!("ignore_fields[{i}]")))
            .collect()
    }

    /// The built-in fields not ignored, then the extra ones; an extra field
    /// with a built-in's path takes that built-in's place.
    fn field_specs(&self, ignore: &[String]) -> Result<Vec<FieldSpec>, Error> {
        let mut fields: Vec<FieldSpec> = extract::builtin_fields().collect();

        for (i, extra) in self.extra_fields.iter().enumerate() {
            let path = checked_path(&extra.field, || format!("extra_fields[{i}].field"))?;
            let reader = match &extra.kind {
                None => Reader::Guess,
                Some(name) => {
                    let kind = name.parse::<Kind>().map_err(|source| Error::UnknownKind {
                        option: format!("extra_fields[{i}].kind"),
                        source,
                    })?;
                    Reader::of_kind(kind)
                }
            };
            match fields.iter_mut().find(|spec| spec.path == path) {
                Some(spec) => spec.reader = reader,
                None => fields.push(FieldSpec { path, reader }),
            }
        }

        fields.retain(|spec| !ignore.iter().any(|ignored| under_path(&spec.path, ignored)));
        Ok(fields)
    }

    fn parse_cidrs(&self) -> Result<Vec<Cidr>, Error> {
        self.allow_cidrs
            .iter()
            .enumerate()
            .map(|(i, text)| {
                Cidr::parse(text).map_err(|reason| Error::Cidr {
                    option: format!("allow_cidrs[{i}]"),
                    value: text.clone(),
                    reason,
                })
            })
            .collect()
    }

    fn parse_domains(&self) -> Result<Vec<String>, Error> {
        self.allow_domains
            .iter()
            .enumerate()
            .map(|(i, text)| {
                hygiene::normalize_domain(text).map_err(|_| Error::Domain {
                    option: format!("allow_domains[{i}]"),
                    value: text.clone(),
                })
            })
            .collect()
    }
}

/// A path trimmed, or an error naming `option` when it is not a dotted path.
fn checked_path(path: &str, option: impl FnOnce() -> String) -> Result<String, Error> {
    let trimmed = path.trim();
    let valid = !trimmed.is_empty()
        && trimmed.split('.').all(|segment| !segment.is_empty())
        && !trimmed.chars().any(char::is_whitespace);
    if valid {
        Ok(trimmed.to_owned())
    } else {
        Err(Error::FieldPath {
            option: option(),
            value: path.to_owned(),
        })
    }
}

/// True when `path` is `prefix` or lies beneath it.
fn under_path(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The options after [`Config::validate`]: kinds, field paths, address blocks
/// and domains parsed. This is what extraction, the query and the events
/// read.
#[derive(Debug, Clone)]
pub struct Prepared {
    config: Config,
    kinds: KindSet,
    fields: Vec<FieldSpec>,
    cidrs: Vec<Cidr>,
    domains: Vec<String>,
}

impl Prepared {
    /// The options this was prepared from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// True when observables of `kind` are looked up.
    pub fn wants(&self, kind: Kind) -> bool {
        self.kinds.contains(kind)
    }

    /// The dotted paths read, in the order they are read: the built-in
    /// fields not ignored, then the extra ones.
    pub fn field_paths(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|spec| spec.path.as_str())
    }

    pub(crate) fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }

    /// True when `addr` is in one of the `allow_cidrs` blocks.
    pub fn allows_ip(&self, addr: IpAddr) -> bool {
        self.cidrs.iter().any(|cidr| cidr.contains(addr))
    }

    /// True when `name` (normalised) is one of the `allow_domains` or one of
    /// their subdomains.
    pub fn allows_domain(&self, name: &str) -> bool {
        self.domains
            .iter()
            .any(|domain| hygiene::within_domain(name, domain))
    }
}

impl Default for Prepared {
    /// The default options, prepared.
    fn default() -> Prepared {
        // The default options hold no user text, and a unit test checks
        // that they validate.
        Config::default()
            .validate()
            .expect("the default options are valid")
    }
}

impl TryFrom<&Config> for Prepared {
    type Error = Error;

    fn try_from(config: &Config) -> Result<Prepared, Error> {
        config.validate()
    }
}

/// An address block of `allow_cidrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cidr {
    V4 { net: u32, len: u8 },
    V6 { net: u128, len: u8 },
}

impl Cidr {
    /// Reads `addr/len` or a bare address. Host bits set below the prefix
    /// are ignored (`10.1.2.3/8` is `10.0.0.0/8`).
    fn parse(text: &str) -> Result<Cidr, &'static str> {
        let text = text.trim();
        let (addr, len) = match text.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| "not an ip address")?;
        let addr = hygiene::canonical_ip(addr);

        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match len {
            None => max,
            Some(len) => len
                .parse::<u8>()
                .map_err(|_| "the prefix length is not a number")?,
        };
        if len > max {
            return Err("the prefix length is too long for the address");
        }

        Ok(match addr {
            IpAddr::V4(v4) => Cidr::V4 {
                net: u32::from(v4),
                len,
            },
            IpAddr::V6(v6) => Cidr::V6 {
                net: u128::from(v6),
                len,
            },
        })
    }

    fn contains(self, addr: IpAddr) -> bool {
        match (self, hygiene::canonical_ip(addr)) {
            (Cidr::V4 { net, len }, IpAddr::V4(v4)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                u32::from(v4) & mask == net & mask
            }
            (Cidr::V6 { net, len }, IpAddr::V6(v6)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                u128::from(v6) & mask == net & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Config {
        serde_json::from_str(json).unwrap()
    }

    fn error(json: &str) -> String {
        let err = config(json).validate().unwrap_err();
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = config("{}");
        assert_eq!(config, Config::default());
        assert_eq!(config.kinds.len(), 8);
        assert!(config.to_ids_only);
        assert!(!config.published_only);
        assert!(config.enforce_warninglist);
        assert!(config.include_event_tags);
        assert_eq!(config.limit, 50);
        assert!(!config.report_no_match);
        assert_eq!(config.max_observables, 64);

        let prepared = Prepared::default();
        assert!(Kind::ALL.iter().all(|kind| prepared.wants(*kind)));
        assert!(prepared.field_paths().any(|p| p == "data.srcip"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = serde_json::from_str::<Config>(r#"{"to_ids": false}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `to_ids`"), "{err}");
    }

    #[test]
    fn kinds_restrict_what_is_wanted() {
        let prepared = config(r#"{"kinds": ["IP", "sha256"]}"#).validate().unwrap();
        assert!(prepared.wants(Kind::Ip));
        assert!(prepared.wants(Kind::Sha256));
        assert!(!prepared.wants(Kind::Domain));
    }

    #[test]
    fn bad_values_name_their_option_and_value() {
        let text = error(r#"{"kinds": ["ip", "hostname"]}"#);
        assert!(
            text.starts_with("invalid option `kinds[1]`: unknown observable kind \"hostname\""),
            "{text}"
        );

        let text = error(r#"{"extra_fields": [{"field": "data.x", "kind": "ipv4"}]}"#);
        assert!(
            text.starts_with("invalid option `extra_fields[0].kind`"),
            "{text}"
        );

        let text = error(r#"{"extra_fields": [{"field": "data..x"}]}"#);
        assert_eq!(
            text,
            "invalid option `extra_fields[0].field`: \"data..x\" is not a dotted field path"
        );

        let text = error(r#"{"ignore_fields": [""]}"#);
        assert!(
            text.starts_with("invalid option `ignore_fields[0]`"),
            "{text}"
        );

        let text = error(r#"{"allow_cidrs": ["10.0.0.0/8", "10.0.0.0/33"]}"#);
        assert_eq!(
            text,
            "invalid option `allow_cidrs[1]`: \"10.0.0.0/33\" is not an address block (the prefix length is too long for the address)"
        );

        let text = error(r#"{"allow_cidrs": ["corp.example.org"]}"#);
        assert!(text.contains("not an ip address"), "{text}");

        let text = error(r#"{"allow_domains": ["intranet"]}"#);
        assert_eq!(
            text,
            "invalid option `allow_domains[0]`: \"intranet\" is not a public domain name"
        );

        assert_eq!(
            error(r#"{"limit": 0}"#),
            "invalid option `limit`: 0 is less than 1"
        );
        assert_eq!(
            error(r#"{"max_observables": 0}"#),
            "invalid option `max_observables`: 0 is less than 1"
        );
        assert!(error(r#"{"kinds": []}"#).starts_with("invalid option `kinds`: the list is empty"));
    }

    #[test]
    fn allow_cidrs_cover_their_block_only() {
        let prepared =
            config(r#"{"allow_cidrs": ["45.33.32.0/24", "185.220.101.1", "2a00:1450::/32"]}"#)
                .validate()
                .unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(prepared.allows_ip(ip("45.33.32.156")));
        assert!(prepared.allows_ip(ip("::ffff:45.33.32.1")));
        assert!(!prepared.allows_ip(ip("45.33.33.1")));
        assert!(prepared.allows_ip(ip("185.220.101.1")));
        assert!(!prepared.allows_ip(ip("185.220.101.2")));
        assert!(prepared.allows_ip(ip("2a00:1450:4001::1")));
        assert!(!prepared.allows_ip(ip("2a00:1451::1")));
    }

    #[test]
    fn allow_cidrs_ignore_host_bits_and_accept_zero_length() {
        let prepared = config(r#"{"allow_cidrs": ["45.33.32.156/16", "::/0"]}"#)
            .validate()
            .unwrap();
        assert!(prepared.allows_ip("45.33.1.1".parse().unwrap()));
        assert!(prepared.allows_ip("2a00:1450:4001::1".parse().unwrap()));
        assert!(!prepared.allows_ip("46.1.1.1".parse().unwrap()));
    }

    #[test]
    fn allow_domains_are_normalised_and_cover_subdomains() {
        let prepared = config(r#"{"allow_domains": ["Example.ORG."]}"#)
            .validate()
            .unwrap();
        assert!(prepared.allows_domain("example.org"));
        assert!(prepared.allows_domain("cdn.example.org"));
        assert!(!prepared.allows_domain("notexample.org"));
    }

    #[test]
    fn ignore_fields_cover_their_subtree() {
        let prepared = config(r#"{"ignore_fields": ["data.aws", "data.srcip"]}"#)
            .validate()
            .unwrap();
        let paths: Vec<&str> = prepared.field_paths().collect();
        assert!(
            !paths.iter().any(|p| p.starts_with("data.aws.")),
            "{paths:?}"
        );
        assert!(!paths.contains(&"data.srcip"));
        assert!(paths.contains(&"data.dstip"));
    }

    #[test]
    fn extra_fields_are_read_after_builtins_and_may_replace_one() {
        let prepared = config(
            r#"{"extra_fields": [{"field": "data.proxy.client"}, {"field": " data.srcip ", "kind": "domain"}]}"#,
        )
        .validate()
        .unwrap();
        let paths: Vec<&str> = prepared.field_paths().collect();
        assert_eq!(paths.last(), Some(&"data.proxy.client"));
        assert_eq!(paths.iter().filter(|p| **p == "data.srcip").count(), 1);
    }
}
