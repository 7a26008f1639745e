//! The kinds of observable, and the MISP attribute types that hold each.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// What an observable is: an address, a name, a URL or a file hash.
///
/// The names ([`Kind::as_str`]) are the ones users write in the `kinds` and
/// `extra_fields` options and the ones the events carry in `misp.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An IPv4 or IPv6 address (`ip`).
    Ip,
    /// A domain or host name (`domain`).
    Domain,
    /// An absolute URL (`url`).
    Url,
    /// An MD5 file hash, 32 hex digits (`md5`).
    Md5,
    /// A SHA-1 file hash, 40 hex digits (`sha1`).
    Sha1,
    /// A SHA-256 file hash, 64 hex digits (`sha256`).
    Sha256,
    /// A SHA-512 file hash, 128 hex digits (`sha512`).
    Sha512,
    /// An import hash of a Windows executable, 32 hex digits (`imphash`).
    Imphash,
}

impl Kind {
    /// Every kind, in the order observables of different kinds are listed.
    pub const ALL: [Kind; 8] = [
        Kind::Ip,
        Kind::Domain,
        Kind::Url,
        Kind::Md5,
        Kind::Sha1,
        Kind::Sha256,
        Kind::Sha512,
        Kind::Imphash,
    ];

    /// The kind's name: `ip`, `domain`, `url`, `md5`, `sha1`, `sha256`,
    /// `sha512` or `imphash`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ip => "ip",
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Md5 => "md5",
            Kind::Sha1 => "sha1",
            Kind::Sha256 => "sha256",
            Kind::Sha512 => "sha512",
            Kind::Imphash => "imphash",
        }
    }

    /// The MISP attribute types that can hold a value of this kind, the
    /// composite types included (a value matches either half of those).
    ///
    /// | kind | types |
    /// |---|---|
    /// | `ip` | `ip-src` `ip-dst` `ip-src\|port` `ip-dst\|port` `domain\|ip` |
    /// | `domain` | `domain` `hostname` `domain\|ip` `hostname\|port` |
    /// | `url` | `url` `uri` |
    /// | `md5` | `md5` `filename\|md5` `malware-sample` |
    /// | `sha1` | `sha1` `filename\|sha1` |
    /// | `sha256` | `sha256` `filename\|sha256` |
    /// | `sha512` | `sha512` `filename\|sha512` |
    /// | `imphash` | `imphash` `filename\|imphash` |
    ///
    /// `link` is left out on purpose: MISP uses it for references to
    /// reports, not for indicators, and a URL seen in a log that matches a
    /// blog post's address is not a finding.
    pub fn misp_types(self) -> &'static [&'static str] {
        match self {
            Kind::Ip => &[
                "ip-src",
                "ip-dst",
                "ip-src|port",
                "ip-dst|port",
                "domain|ip",
            ],
            Kind::Domain => &["domain", "hostname", "domain|ip", "hostname|port"],
            Kind::Url => &["url", "uri"],
            Kind::Md5 => &["md5", "filename|md5", "malware-sample"],
            Kind::Sha1 => &["sha1", "filename|sha1"],
            Kind::Sha256 => &["sha256", "filename|sha256"],
            Kind::Sha512 => &["sha512", "filename|sha512"],
            Kind::Imphash => &["imphash", "filename|imphash"],
        }
    }

    /// True when a MISP attribute of type `misp_type` can hold a value of
    /// this kind (see [`Kind::misp_types`]).
    pub fn holds(self, misp_type: &str) -> bool {
        self.misp_types()
            .iter()
            .any(|t| t.eq_ignore_ascii_case(misp_type))
    }

    /// The number of hex digits of a hash of this kind; `None` for the kinds
    /// that are not hashes.
    pub fn hex_len(self) -> Option<usize> {
        match self {
            Kind::Md5 | Kind::Imphash => Some(32),
            Kind::Sha1 => Some(40),
            Kind::Sha256 => Some(64),
            Kind::Sha512 => Some(128),
            Kind::Ip | Kind::Domain | Kind::Url => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`Kind::from_str`]: the text names no kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown observable kind {0:?} (expected one of ip, domain, url, md5, sha1, sha256, sha512, imphash)"
)]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    /// Reads a kind's name, ignoring ASCII case and surrounding blanks.
    fn from_str(text: &str) -> Result<Kind, UnknownKind> {
        let name = text.trim();
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownKind(text.to_owned()))
    }
}

/// A set of kinds, as the `kinds` option gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KindSet(u16);

impl KindSet {
    pub(crate) fn contains(self, kind: Kind) -> bool {
        self.0 & (1 << kind.index()) != 0
    }

    pub(crate) fn insert(&mut self, kind: Kind) {
        self.0 |= 1 << kind.index();
    }
}

impl FromIterator<Kind> for KindSet {
    fn from_iter<I: IntoIterator<Item = Kind>>(kinds: I) -> KindSet {
        let mut set = KindSet::default();
        kinds.into_iter().for_each(|kind| set.insert(kind));
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
    }

    #[test]
    fn from_str_ignores_case_and_blanks() {
        assert_eq!(" SHA256 ".parse::<Kind>(), Ok(Kind::Sha256));
        assert_eq!("Ip".parse::<Kind>(), Ok(Kind::Ip));
    }

    #[test]
    fn unknown_kind_names_the_text_and_the_choices() {
        let err = "hostname".parse::<Kind>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"hostname\""), "{text}");
        assert!(text.contains("imphash"), "{text}");
    }

    #[test]
    fn composites_hold_both_halves_kinds() {
        assert!(Kind::Ip.holds("domain|ip"));
        assert!(Kind::Domain.holds("domain|ip"));
        assert!(Kind::Ip.holds("IP-DST|PORT"));
        assert!(Kind::Sha256.holds("filename|sha256"));
        assert!(Kind::Md5.holds("malware-sample"));
        assert!(!Kind::Url.holds("link"));
        assert!(!Kind::Md5.holds("filename|sha256"));
    }

    #[test]
    fn kind_set_keeps_what_was_inserted() {
        let set: KindSet = [Kind::Ip, Kind::Sha512].into_iter().collect();
        assert!(set.contains(Kind::Ip));
        assert!(set.contains(Kind::Sha512));
        assert!(!set.contains(Kind::Domain));
        assert!(!KindSet::default().contains(Kind::Imphash));
    }
}
