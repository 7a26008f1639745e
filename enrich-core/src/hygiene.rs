//! Which values are worth asking MISP about, and their normal form.
//!
//! Addresses are judged against the IANA special-purpose address registries
//! (IPv4 and IPv6, as of 2025) plus the multicast and reserved blocks of the
//! address-space registries: an address is kept only when it is globally
//! reachable. Names are lowercased and stripped of the root dot; names that
//! cannot exist in the public DNS are dropped. Hashes are checked for length
//! and hex digits and lowercased.

use crate::kind::Kind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A block of IPv4 addresses and the name of its registry entry.
struct V4Block {
    net: u32,
    len: u8,
    name: &'static str,
}

/// A block of IPv6 addresses and the name of its registry entry.
struct V6Block {
    net: u128,
    len: u8,
    name: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8, name: &'static str) -> V4Block {
    V4Block {
        net: u32::from_be_bytes([a, b, c, d]),
        len,
        name,
    }
}

const fn v6(net: u128, len: u8, name: &'static str) -> V6Block {
    V6Block { net, len, name }
}

/// IPv4 blocks that are not globally reachable (IANA IPv4 special-purpose
/// registry, plus multicast 224.0.0.0/4 and the reserved 240.0.0.0/4).
/// Blocks the registry marks globally reachable (AS112, AMT) are absent.
const V4_SPECIAL: &[V4Block] = &[
    v4(0, 0, 0, 0, 8, "this network"),
    v4(10, 0, 0, 0, 8, "private-use"),
    v4(100, 64, 0, 0, 10, "shared address space"),
    v4(127, 0, 0, 0, 8, "loopback"),
    v4(169, 254, 0, 0, 16, "link-local"),
    v4(172, 16, 0, 0, 12, "private-use"),
    v4(192, 0, 0, 0, 24, "ietf protocol assignments"),
    v4(192, 0, 2, 0, 24, "documentation"),
    v4(192, 88, 99, 0, 24, "deprecated 6to4 relay anycast"),
    v4(192, 168, 0, 0, 16, "private-use"),
    v4(198, 18, 0, 0, 15, "benchmarking"),
    v4(198, 51, 100, 0, 24, "documentation"),
    v4(203, 0, 113, 0, 24, "documentation"),
    v4(224, 0, 0, 0, 4, "multicast"),
    v4(240, 0, 0, 0, 4, "reserved"),
];

/// Globally reachable exceptions inside [`V4_SPECIAL`] blocks: the PCP and
/// TURN anycast addresses.
const V4_GLOBAL: &[V4Block] = &[
    v4(192, 0, 0, 9, 32, "port control protocol anycast"),
    v4(
        192,
        0,
        0,
        10,
        32,
        "traversal using relays around nat anycast",
    ),
];

/// IPv6 blocks inside global unicast 2000::/3 that are not globally
/// reachable (IANA IPv6 special-purpose registry).
const V6_SPECIAL: &[V6Block] = &[
    v6(
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        23,
        "ietf protocol assignments",
    ),
    v6(
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        32,
        "documentation",
    ),
    v6(
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        20,
        "documentation",
    ),
];

/// Globally reachable exceptions inside [`V6_SPECIAL`] blocks.
const V6_GLOBAL: &[V6Block] = &[
    v6(
        0x2001_0001_0000_0000_0000_0000_0000_0001,
        128,
        "port control protocol anycast",
    ),
    v6(
        0x2001_0001_0000_0000_0000_0000_0000_0002,
        128,
        "traversal using relays around nat",
    ),
    v6(
        0x2001_0001_0000_0000_0000_0000_0000_0003,
        128,
        "dns-sd service registration anycast",
    ),
    v6(
        0x2001_0003_0000_0000_0000_0000_0000_0000,
        32,
        "automatic multicast tunneling",
    ),
    v6(0x2001_0004_0112_0000_0000_0000_0000_0000, 48, "as112-v6"),
    v6(0x2001_0020_0000_0000_0000_0000_0000_0000, 28, "orchidv2"),
    v6(
        0x2001_0030_0000_0000_0000_0000_0000_0000,
        28,
        "drone remote id",
    ),
];

/// IPv6 blocks outside global unicast 2000::/3 that the registries name
/// (the special-purpose ones, multicast, unique-local, link-local).
/// Anything else outside 2000::/3 is `reserved`.
const V6_OTHER: &[V6Block] = &[
    v6(0, 128, "unspecified"),
    v6(1, 128, "loopback"),
    v6(
        0x0064_ff9b_0001_0000_0000_0000_0000_0000,
        48,
        "local-use ipv4/ipv6 translation",
    ),
    v6(
        0x0100_0000_0000_0000_0000_0000_0000_0000,
        64,
        "discard-only",
    ),
    v6(
        0x5f00_0000_0000_0000_0000_0000_0000_0000,
        16,
        "segment routing sids",
    ),
    v6(0xfc00_0000_0000_0000_0000_0000_0000_0000, 7, "unique-local"),
    v6(0xfe80_0000_0000_0000_0000_0000_0000_0000, 10, "link-local"),
    v6(0xff00_0000_0000_0000_0000_0000_0000_0000, 8, "multicast"),
];

/// The IPv4/IPv6 translation well-known prefix 64:ff9b::/96: its addresses
/// are judged as the IPv4 address they embed.
const NAT64_PREFIX: u128 = 0x0064_ff9b_0000_0000_0000_0000_0000_0000;

fn in_v4(addr: u32, block: &V4Block) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(block.len)).unwrap_or(0);
    addr & mask == block.net & mask
}

fn in_v6(addr: u128, block: &V6Block) -> bool {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(block.len))
        .unwrap_or(0);
    addr & mask == block.net & mask
}

/// Why an address is not globally reachable: the name of the registry
/// block holding it (`private-use`, `documentation`, `multicast`, ...), or
/// `None` when it is globally reachable.
///
/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) and addresses of the
/// translation prefix `64:ff9b::/96` are judged as the IPv4 address they
/// hold.
pub fn special_purpose(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(mapped) => special_v4(mapped),
            None => special_v6(v6),
        },
    }
}

/// True when `addr` is globally reachable (see [`special_purpose`]).
pub fn is_global(addr: IpAddr) -> bool {
    special_purpose(addr).is_none()
}

fn special_v4(addr: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(addr);
    if V4_GLOBAL.iter().any(|block| in_v4(bits, block)) {
        return None;
    }
    V4_SPECIAL
        .iter()
        .find(|block| in_v4(bits, block))
        .map(|block| block.name)
}

fn special_v6(addr: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(addr);
    if bits >> 32 == NAT64_PREFIX >> 32 {
        // The low 32 bits are the IPv4 address (RFC 6052, /96 prefix).
        return special_v4(Ipv4Addr::from(bits as u32));
    }
    if let Some(block) = V6_OTHER.iter().find(|block| in_v6(bits, block)) {
        return Some(block.name);
    }
    if bits >> 125 != 0b001 {
        return Some("reserved");
    }
    if V6_GLOBAL.iter().any(|block| in_v6(bits, block)) {
        return None;
    }
    V6_SPECIAL
        .iter()
        .find(|block| in_v6(bits, block))
        .map(|block| block.name)
}

/// Reads an address as logs write it, and gives its canonical form.
///
/// Accepts surrounding blanks, `[v6]`, `a.b.c.d:port`, `[v6]:port` and a
/// `%zone` suffix. An IPv4-mapped IPv6 address becomes the IPv4 address it
/// holds, since that is how threat intelligence stores it.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let bare = match text.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            if !after.is_empty() && !is_port_suffix(after) {
                return None;
            }
            inside
        }
        None => match text.split_once(':') {
            // One colon: an IPv4 address with a port.
            Some((host, port)) if !port.contains(':') => {
                if !is_port(port) {
                    return None;
                }
                host
            }
            _ => text,
        },
    };
    let bare = bare.split_once('%').map_or(bare, |(addr, _zone)| addr);
    let addr: IpAddr = bare.parse().ok()?;
    Some(canonical_ip(addr))
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_port_suffix(text: &str) -> bool {
    text.strip_prefix(':').is_some_and(is_port)
}

/// An IPv4-mapped IPv6 address as IPv4, any other address unchanged.
pub fn canonical_ip(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        IpAddr::V4(_) => addr,
    }
}

/// Top-level and second-level suffixes that never resolve in the public
/// DNS, or only to private networks: reserved (RFC 2606, RFC 6761,
/// RFC 6762, RFC 8375, ICANN's `.internal`) or widely used on local
/// networks.
pub const LOCAL_SUFFIXES: &[&str] = &[
    "arpa",
    "corp",
    "example",
    "home",
    "internal",
    "intranet",
    "invalid",
    "lan",
    "local",
    "localdomain",
    "localhost",
    "test",
];

/// Why a name was refused by [`normalize_domain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Not a syntactically valid host name.
    Malformed,
    /// A single label, or under one of [`LOCAL_SUFFIXES`].
    Local,
}

/// The normal form of a domain name: ASCII lowercase, without the root dot.
///
/// Refuses names that are not host names (characters other than letters,
/// digits, `-` and `_`, empty labels, labels over 63 bytes, names over 253
/// bytes, an all-digit top-level label) and names that cannot be public
/// (one label, or a suffix in [`LOCAL_SUFFIXES`]). Internationalised names
/// are accepted only in their ASCII (`xn--`) form.
pub fn normalize_domain(text: &str) -> Result<String, NameProblem> {
    let text = text.trim();
    let text = text.strip_suffix('.').unwrap_or(text);
    let name = text.to_ascii_lowercase();

    if name.is_empty() || name.len() > 253 {
        return Err(NameProblem::Malformed);
    }
    let labels: Vec<&str> = name.split('.').collect();
    if !labels.iter().all(|label| valid_label(label)) {
        return Err(NameProblem::Malformed);
    }

    let top = labels[labels.len() - 1];
    if top.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NameProblem::Malformed);
    }
    if labels.len() < 2 || LOCAL_SUFFIXES.contains(&top) {
        return Err(NameProblem::Local);
    }
    Ok(name)
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// True when `name` (normalised) is `domain` or one of its subdomains.
pub fn within_domain(name: &str, domain: &str) -> bool {
    name == domain
        || name
            .strip_suffix(domain)
            .is_some_and(|head| head.ends_with('.'))
}

/// The normal form of a hash of `kind`: lowercase hex of the right length.
/// `None` when the text is not one (after trimming blanks).
pub fn normalize_hash(text: &str, kind: Kind) -> Option<String> {
    let text = text.trim();
    let len = kind.hex_len()?;
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(text.to_ascii_lowercase())
}

/// The hash kind a bare hex string of this length is taken for: 32 digits
/// are MD5 (never imphash, which only Sysmon names), 40 SHA-1, 64 SHA-256,
/// 128 SHA-512.
pub fn hash_kind_by_len(len: usize) -> Option<Kind> {
    match len {
        32 => Some(Kind::Md5),
        40 => Some(Kind::Sha1),
        64 => Some(Kind::Sha256),
        128 => Some(Kind::Sha512),
        _ => None,
    }
}

/// True when a value is a placeholder a decoder or a data source put where
/// the real value was left out: empty, `-`, `sanitized`, `n/a`, `null`,
/// `none`, `unknown`, or a mask such as `XX.X.X.X`.
pub fn is_placeholder(text: &str) -> bool {
    let text = text.trim();
    const WORDS: &[&str] = &[
        "-",
        "sanitized",
        "n/a",
        "null",
        "none",
        "unknown",
        "redacted",
    ];

    text.is_empty()
        || WORDS.iter().any(|word| text.eq_ignore_ascii_case(word))
        || (text.bytes().any(|b| b == b'X' || b == b'x')
            && text.bytes().all(|b| matches!(b, b'X' | b'x' | b'.' | b':')))
}

/// An absolute URL split into what hygiene needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    /// The URL with scheme and host lowercased, the rest as written.
    pub normalized: String,
    /// The host, as written between the authority's delimiters (without
    /// the brackets of an IPv6 literal).
    pub host: String,
}

/// The schemes whose URLs are observables.
const URL_SCHEMES: &[&str] = &["http", "https", "ftp"];

/// True when `text` starts like an absolute URL of a scheme whose URLs are
/// observables (`http://`, `https://`, `ftp://`, any case). A relative
/// reference that merely holds such a URL in its query is not one.
pub fn is_absolute_url(text: &str) -> bool {
    text.trim_start()
        .split_once("://")
        .is_some_and(|(scheme, _)| URL_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)))
}

/// Reads an absolute `http`, `https` or `ftp` URL. `None` for anything else:
/// relative references, other schemes, blanks inside, no host.
pub fn parse_url(text: &str) -> Option<ParsedUrl> {
    let text = text.trim();
    if text
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return None;
    }
    if !is_absolute_url(text) {
        return None;
    }
    let (scheme, rest) = text.split_once("://")?;

    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_user, hp)| hp);
    let (host, port) = split_host_port(host_port)?;
    if host.is_empty() {
        return None;
    }

    let userinfo = &authority[..authority.len() - host_port.len()];
    let normalized = format!(
        "{}://{}{}{}{}",
        scheme.to_ascii_lowercase(),
        userinfo,
        bracket_host(&host.to_ascii_lowercase()),
        port,
        tail
    );
    Some(ParsedUrl {
        normalized,
        host: host.to_owned(),
    })
}

/// Splits `host:port` or `[v6]:port`; the port keeps its colon.
fn split_host_port(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return (after.is_empty() || is_port_suffix(after)).then_some((host, after));
    }
    match text.rfind(':') {
        Some(i) if is_port_suffix(&text[i..]) => Some((&text[..i], &text[i..])),
        Some(_) => None,
        None => Some((text, "")),
    }
}

fn bracket_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn special(text: &str) -> Option<&'static str> {
        special_purpose(text.parse().unwrap())
    }

    #[test]
    fn ipv4_special_blocks_are_named() {
        assert_eq!(special("0.1.2.3"), Some("this network"));
        assert_eq!(special("10.20.30.40"), Some("private-use"));
        assert_eq!(special("172.31.255.255"), Some("private-use"));
        assert_eq!(special("192.168.56.11"), Some("private-use"));
        assert_eq!(special("100.64.0.1"), Some("shared address space"));
        assert_eq!(special("100.127.255.254"), Some("shared address space"));
        assert_eq!(special("127.0.0.1"), Some("loopback"));
        assert_eq!(special("169.254.169.254"), Some("link-local"));
        assert_eq!(special("192.0.0.8"), Some("ietf protocol assignments"));
        assert_eq!(special("192.0.2.1"), Some("documentation"));
        assert_eq!(special("198.51.100.7"), Some("documentation"));
        assert_eq!(special("203.0.113.250"), Some("documentation"));
        assert_eq!(special("198.19.1.1"), Some("benchmarking"));
        assert_eq!(
            special("192.88.99.1"),
            Some("deprecated 6to4 relay anycast")
        );
        assert_eq!(special("239.255.255.250"), Some("multicast"));
        assert_eq!(special("250.1.1.1"), Some("reserved"));
        assert_eq!(special("255.255.255.255"), Some("reserved"));
    }

    #[test]
    fn ipv4_neighbours_of_special_blocks_are_global() {
        for addr in [
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "45.33.32.156",
            "185.220.101.1",
        ] {
            assert_eq!(special(addr), None, "{addr}");
        }
    }

    #[test]
    fn ipv4_registry_exceptions_are_global() {
        assert_eq!(special("192.0.0.9"), None);
        assert_eq!(special("192.0.0.10"), None);
        assert_eq!(special("192.31.196.1"), None, "as112 is globally reachable");
        assert_eq!(special("192.52.193.1"), None, "amt is globally reachable");
    }

    #[test]
    fn ipv6_special_blocks_are_named() {
        assert_eq!(special("::"), Some("unspecified"));
        assert_eq!(special("::1"), Some("loopback"));
        assert_eq!(special("fe80::1"), Some("link-local"));
        assert_eq!(special("fd12:3456::1"), Some("unique-local"));
        assert_eq!(special("ff02::1"), Some("multicast"));
        assert_eq!(special("100::1"), Some("discard-only"));
        assert_eq!(
            special("64:ff9b:1::1"),
            Some("local-use ipv4/ipv6 translation")
        );
        assert_eq!(special("2001:db8::1"), Some("documentation"));
        assert_eq!(special("3fff:1::1"), Some("documentation"));
        assert_eq!(special("2001::1"), Some("ietf protocol assignments"));
        assert_eq!(special("2001:2::1"), Some("ietf protocol assignments"));
        assert_eq!(special("5f00::1"), Some("segment routing sids"));
        assert_eq!(special("::1.2.3.4"), Some("reserved"));
        assert_eq!(special("4000::1"), Some("reserved"));
    }

    #[test]
    fn ipv6_global_unicast_and_exceptions_are_global() {
        for addr in [
            "2a00:1450:4001::1",
            "2606:4700::1111",
            "2002:2d21:209c::1",
            "2001:1::1",
            "2001:3::1",
            "2001:4:112::1",
            "2001:20::1",
            "2620:4f:8000::1",
        ] {
            assert_eq!(special(addr), None, "{addr}");
        }
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_as_ipv4() {
        assert_eq!(special("::ffff:10.1.2.3"), Some("private-use"));
        assert_eq!(special("::ffff:45.33.32.156"), None);
        assert_eq!(special("64:ff9b::192.168.1.1"), Some("private-use"));
        assert_eq!(special("64:ff9b::45.33.32.156"), None);
    }

    #[test]
    fn parse_ip_reads_the_shapes_logs_write() {
        let ip = |s: &str| parse_ip(s).map(|a| a.to_string());
        assert_eq!(ip(" 45.33.32.156 "), Some("45.33.32.156".into()));
        assert_eq!(ip("45.33.32.156:443"), Some("45.33.32.156".into()));
        assert_eq!(
            ip("[2A00:1450:4001::1]:443"),
            Some("2a00:1450:4001::1".into())
        );
        assert_eq!(ip("[2a00:1450:4001::1]"), Some("2a00:1450:4001::1".into()));
        assert_eq!(ip("fe80::1%eth0"), Some("fe80::1".into()));
        assert_eq!(ip("::ffff:185.220.101.1"), Some("185.220.101.1".into()));
        assert_eq!(
            ip("2a00:1450:4001:0:0:0:0:1"),
            Some("2a00:1450:4001::1".into())
        );
        assert_eq!(ip("45.33.32.156:http"), None);
        assert_eq!(ip("045.33.32.156"), None);
        assert_eq!(ip("sanitized"), None);
        assert_eq!(ip(""), None);
    }

    #[test]
    fn domains_are_lowercased_without_root_dot() {
        assert_eq!(
            normalize_domain("Evil.Example.COM."),
            Ok("evil.example.com".into())
        );
        assert_eq!(
            normalize_domain(" img-s-msn-com.akamaized.net "),
            Ok("img-s-msn-com.akamaized.net".into())
        );
        assert_eq!(
            normalize_domain("_dmarc.example.org"),
            Ok("_dmarc.example.org".into())
        );
        assert_eq!(
            normalize_domain("xn--bcher-kva.example.org"),
            Ok("xn--bcher-kva.example.org".into())
        );
    }

    #[test]
    fn local_and_single_label_names_are_refused() {
        for name in [
            "localhost",
            "WORKSTATION",
            "printer.local",
            "db.internal",
            "1.168.192.in-addr.arpa",
            "router.home.arpa",
            "nas.lan",
            "a.localhost.",
        ] {
            assert_eq!(normalize_domain(name), Err(NameProblem::Local), "{name}");
        }
    }

    #[test]
    fn malformed_names_are_refused() {
        for name in [
            "",
            ".",
            "a..b",
            "evil.example..",
            "-bad.example",
            "bad-.example",
            "sp ace.example",
            "bücher.example",
            "1.2.3.999",
            "a/b.example",
        ] {
            assert_eq!(
                normalize_domain(name),
                Err(NameProblem::Malformed),
                "{name}"
            );
        }
        let long_label = format!("{}.example.org", "a".repeat(64));
        assert_eq!(normalize_domain(&long_label), Err(NameProblem::Malformed));
    }

    #[test]
    fn within_domain_matches_the_name_and_subdomains_only() {
        assert!(within_domain("example.org", "example.org"));
        assert!(within_domain("a.b.example.org", "example.org"));
        assert!(!within_domain("badexample.org", "example.org"));
        assert!(!within_domain("example.org.evil.net", "example.org"));
    }

    #[test]
    fn hashes_are_checked_and_lowercased() {
        let md5 = "D41D8CD98F00B204E9800998ECF8427E";
        assert_eq!(
            normalize_hash(md5, Kind::Md5),
            Some(md5.to_ascii_lowercase())
        );
        assert_eq!(normalize_hash(md5, Kind::Sha1), None);
        assert_eq!(
            normalize_hash("z41d8cd98f00b204e9800998ecf8427e", Kind::Md5),
            None
        );
        assert_eq!(normalize_hash(md5, Kind::Ip), None);
        assert_eq!(hash_kind_by_len(64), Some(Kind::Sha256));
        assert_eq!(hash_kind_by_len(33), None);
    }

    #[test]
    fn placeholders_are_recognised() {
        for text in [
            "",
            "  ",
            "-",
            "sanitized",
            "XX.X.X.X",
            "XX.XX.XX.XX",
            "xxxx:xxxx::x",
            "N/A",
            "Unknown",
        ] {
            assert!(is_placeholder(text), "{text:?}");
        }
        for text in ["45.33.32.156", "x.example.org", "::"] {
            assert!(!is_placeholder(text), "{text:?}");
        }
    }

    #[test]
    fn urls_keep_path_and_lowercase_scheme_and_host() {
        let url = parse_url("HTTPS://User@Evil.Example:8443/Path?Q=A#F").unwrap();
        assert_eq!(url.normalized, "https://User@evil.example:8443/Path?Q=A#F");
        assert_eq!(url.host, "Evil.Example");

        let url = parse_url("http://[2A00:1450:4001::1]:80/x").unwrap();
        assert_eq!(url.normalized, "http://[2a00:1450:4001::1]:80/x");
        assert_eq!(url.host, "2A00:1450:4001::1");

        assert_eq!(
            parse_url("http://evil.example").unwrap().normalized,
            "http://evil.example"
        );
    }

    #[test]
    fn absolute_urls_are_told_from_relative_ones() {
        assert!(is_absolute_url("HTTPS://evil.example.net/"));
        assert!(is_absolute_url("ftp://files.example.net/a"));
        assert!(!is_absolute_url(
            "/wp-login.php?next=http://evil.example.net/"
        ));
        assert!(!is_absolute_url("ldap://dc.example.net/"));
    }

    #[test]
    fn non_absolute_urls_are_refused() {
        for text in [
            "/wp-login.php",
            "evil.example/x",
            "mailto:a@b.example",
            "file:///etc/passwd",
            "http:///x",
            "http://a b.example/",
            "http://evil.example:port/",
            "javascript://x",
        ] {
            assert_eq!(parse_url(text), None, "{text}");
        }
    }
}
