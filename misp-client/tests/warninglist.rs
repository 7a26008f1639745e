//! Warninglists in MISP's format: loading every layout, MISP's matching for
//! each of the five list types, `matching_attributes`, and MISP's own
//! official lists when the environment provides them.
//!
//! `tests/fixtures/warninglists/lists/*/list.json` are small lists written
//! for these tests, one per type.

use misp_client::warninglist::{Hit, ListType, Warninglist, WarninglistError, Warninglists};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/warninglists")
}

fn lists() -> Warninglists {
    Warninglists::load_dir(&fixtures()).expect("the test lists load")
}

/// The names of the lists `value` hits, as the given type.
fn hit_names(lists: &Warninglists, value: &str, kind: Option<&str>) -> Vec<String> {
    lists
        .check(value, kind)
        .into_iter()
        .map(|hit| hit.name)
        .collect()
}

fn one_list(json: &str) -> Warninglists {
    let list = Warninglist::from_json(Path::new("inline.json"), json.as_bytes()).unwrap();
    [list].into_iter().collect()
}

#[test]
fn cidr_lists_match_addresses_bare_entries_and_both_families() {
    let lists = lists();
    let matched = |value: &str| {
        lists
            .check(value, Some("ip-dst"))
            .into_iter()
            .next()
            .map(|hit| hit.matched)
    };

    assert_eq!(matched("9.9.9.9").as_deref(), Some("9.9.9.9/32"));
    assert_eq!(
        matched("149.112.112.77").as_deref(),
        Some("149.112.112.0/24")
    );
    assert_eq!(matched("2620:fe::9").as_deref(), Some("2620:fe::/48"));
    assert_eq!(
        matched("2620:00fe:0000::fe").as_deref(),
        Some("2620:fe::/48")
    );
    assert_eq!(matched("9.9.9.10"), None);
    assert_eq!(matched("2620:ff::1"), None);

    // A network hits only when it lies inside an entry.
    assert_eq!(
        matched("149.112.112.128/25").as_deref(),
        Some("149.112.112.0/24")
    );
    assert_eq!(matched("149.112.0.0/16"), None);

    // As in MISP, IPv4 values meet IPv4 entries only: a mapped address is IPv6.
    assert_eq!(matched("::ffff:9.9.9.9"), None);
    assert_eq!(matched("resolver.example-search.com"), None);
}

#[test]
fn cidr_lists_skip_entries_that_are_not_networks() {
    let lists = lists();
    let resolvers = lists
        .lists()
        .iter()
        .find(|l| l.list_type() == ListType::Cidr)
        .unwrap();

    assert_eq!(resolvers.name(), "Demo public resolvers");
    assert_eq!(resolvers.len(), 4);
    assert_eq!(resolvers.skipped(), 2, "not-an-address and a /33");
    assert_eq!(resolvers.version(), Some(2));
}

#[test]
fn composite_values_are_checked_half_by_half() {
    let lists = lists();

    let hits = lists.check("9.9.9.9|53", Some("ip-dst|port"));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].value, "9.9.9.9");

    let hits = lists.check("www.example-search.com|203.0.113.5", Some("domain|ip"));
    assert_eq!(hits[0].name, "Demo top sites");
    assert_eq!(hits[0].value, "www.example-search.com");

    // Without a type the value is taken whole, as MISP's value check does.
    assert!(lists.check("9.9.9.9|53", None).is_empty());
}

#[test]
fn string_lists_match_whole_values_without_regard_to_case() {
    let lists = lists();
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";

    assert_eq!(
        hit_names(&lists, md5, Some("md5")),
        ["Demo hashes of empty files"]
    );
    assert_eq!(hit_names(&lists, &md5.to_uppercase(), Some("md5")).len(), 1);
    assert!(hit_names(&lists, &md5[1..], Some("md5")).is_empty());
    assert!(hit_names(&lists, &format!("{md5}0"), Some("md5")).is_empty());

    let hits = lists.check(&format!("empty.txt|{md5}"), Some("filename|md5"));
    assert_eq!(hits[0].matched, md5);
}

#[test]
fn substring_lists_match_inside_values() {
    let lists = lists();

    let hits = lists.check("https://eu.sandbox-analysis.io/report/1", Some("url"));
    assert_eq!(hits[0].name, "Demo analysis services");
    assert_eq!(hits[0].matched, "sandbox-analysis");
    assert_eq!(
        hit_names(&lists, "node7.ANY-RUN-DEMO.net", Some("hostname")).len(),
        1
    );
    assert!(hit_names(&lists, "any-run-demo.net", Some("hostname")).is_empty());
}

#[test]
fn hostname_lists_match_the_host_and_its_parent_domains() {
    let lists = lists();
    let top = |value: &str, kind: &str| {
        lists
            .check(value, Some(kind))
            .into_iter()
            .find(|hit| hit.name == "Demo top sites")
    };

    assert_eq!(
        top("example-search.com", "domain").unwrap().matched,
        "example-search.com"
    );
    assert!(top("images.eu.example-search.com", "hostname").is_some());
    assert!(
        top("WWW.Video-Site.NET.", "hostname").is_some(),
        "case and trailing dot"
    );
    assert!(top("https://user@m.video-site.net:8443/watch?v=1", "url").is_some());
    assert!(top("cdn.big-mail.org", "domain").is_some());

    // A parent of an entry, or a look-alike, is not on the list.
    assert!(top("big-mail.org", "domain").is_none());
    assert!(top("other-example-search.com", "domain").is_none());
    assert!(top("example-search.com.evil.net", "domain").is_none());
}

#[test]
fn regex_lists_read_php_delimiters_and_modifiers() {
    let lists = lists();
    let regexes = lists
        .lists()
        .iter()
        .find(|l| l.list_type() == ListType::Regex)
        .unwrap();

    assert_eq!(regexes.len(), 2);
    assert_eq!(
        regexes.skipped(),
        1,
        "PHP refuses the g modifier, so MISP never matches it"
    );

    let hits = lists.check("Abuse@provider-mail.net", Some("email-src"));
    assert_eq!(hits[0].matched, "/^(abuse|noc|security)@/i");
    assert_eq!(
        hit_names(&lists, "postmaster@provider-mail.net", Some("email-dst")).len(),
        1
    );
    assert!(hit_names(&lists, "Postmaster@provider-mail.net", Some("email-dst")).is_empty());
    assert!(hit_names(&lists, "jane.doe@provider-mail.net", Some("email-src")).is_empty());
}

#[test]
fn matching_attributes_limit_a_list_to_its_types() {
    let lists = lists();

    // The resolver list names ip types only.
    assert!(lists.check("9.9.9.9", Some("ip-src")).len() == 1);
    assert!(lists.check("9.9.9.9", Some("text")).is_empty());
    assert_eq!(
        lists.check("9.9.9.9", None).len(),
        1,
        "no type: every list applies"
    );

    // A list without matching_attributes applies to every type.
    assert_eq!(
        hit_names(&lists, "always-listed", Some("text")),
        ["Demo list for every type"]
    );
    let all = one_list(
        r#"{"name": "n", "type": "string", "list": ["x"], "matching_attributes": ["ALL"]}"#,
    );
    assert!(all.is_listed("x", Some("comment")));
}

#[test]
fn lists_are_checked_in_folder_order_one_hit_each() {
    let lists = lists();
    let names: Vec<&str> = lists.lists().iter().map(|l| l.name()).collect();
    assert_eq!(
        names,
        [
            "Demo analysis services",
            "Demo role addresses",
            "Demo list for every type",
            "Demo hashes of empty files",
            "Demo public resolvers",
            "Demo top sites",
        ]
    );

    let both = one_list(r#"{"name": "two", "type": "cidr", "list": ["9.9.9.0/24", "9.9.9.9"]}"#);
    let hits = both.check("9.9.9.9", None);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].matched, "9.9.9.0/24",
        "the broadest entry, as MISP reports it"
    );
}

#[test]
fn a_hit_converts_to_the_servers_warninglist_hit() {
    let lists = lists();
    let hit: Hit = lists.check("9.9.9.9", None).remove(0);
    let server: misp_client::WarninglistHit = hit.into();

    assert_eq!(server.value, "9.9.9.9");
    assert_eq!(server.name, "Demo public resolvers");
    assert_eq!(server.id, 0);
}

#[test]
fn every_folder_layout_is_accepted() {
    let root = fixtures();
    assert_eq!(Warninglists::load_dir(&root).unwrap().len(), 6);
    assert_eq!(
        Warninglists::load_dir(&root.join("lists")).unwrap().len(),
        6
    );

    let single = Warninglists::load_dir(&root.join("lists/demo-top-sites")).unwrap();
    assert_eq!(single.len(), 1);
    assert!(single.is_listed("a.example-search.com", Some("domain")));

    let flat = tempfile::tempdir().unwrap();
    for name in ["demo-resolvers", "demo-known-hashes"] {
        let from = root.join("lists").join(name).join("list.json");
        std::fs::copy(from, flat.path().join(format!("{name}.json"))).unwrap();
    }
    std::fs::write(flat.path().join("notes.txt"), "not a list").unwrap();
    let mut merged = Warninglists::load_dir(flat.path()).unwrap();
    assert_eq!(merged.len(), 2);

    merged.merge(single);
    assert_eq!(merged.len(), 3);
    assert!(merged.is_listed("a.example-search.com", None));
}

#[test]
fn an_empty_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = Warninglists::load_dir(dir.path()).unwrap_err();
    assert!(
        matches!(error, WarninglistError::NoLists { .. }),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("no warninglist found in "));

    let missing = dir.path().join("absent");
    let error = Warninglists::load_dir(&missing).unwrap_err();
    assert!(matches!(error, WarninglistError::Io { .. }), "{error:?}");
}

#[test]
fn a_bad_list_is_an_error_naming_its_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");

    std::fs::write(
        &file,
        r#"{"name": "n", "type": "string", "list": ["a", 7]}"#,
    )
    .unwrap();
    let error = Warninglists::load_dir(dir.path()).unwrap_err();
    let WarninglistError::Decode {
        path, json_path, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(path, &file);
    assert_eq!(json_path, "list");
    assert!(error.to_string().contains("broken.json"));

    std::fs::write(&file, r#"{"name": "n", "type": "glob", "list": ["a*"]}"#).unwrap();
    let error = Warninglists::load_dir(dir.path()).unwrap_err();
    assert!(
        matches!(error, WarninglistError::UnknownType { ref list_type, .. } if list_type == "glob")
    );
    assert!(error.to_string().contains("\"glob\""));

    std::fs::write(&file, r#"{"type": "string", "list": []}"#).unwrap();
    assert!(matches!(
        Warninglists::load_dir(dir.path()),
        Err(WarninglistError::Decode { .. })
    ));
}

/// MISP's official lists, as the `pymispwarninglists` package ships them
/// (`pymispwarninglists/data/misp-warninglists`): `.ci/run` installs the
/// package with pip into a temporary folder and names it here.
#[test]
fn official_lists_known_entries() {
    let Some(dir) = std::env::var_os("MISP_WARNINGLISTS_DIR") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set MISP_WARNINGLISTS_DIR"
        );
        eprintln!("skipped: MISP_WARNINGLISTS_DIR is not set");
        return;
    };
    let lists = Warninglists::load_dir(Path::new(&dir)).expect("the official lists load");
    assert!(lists.len() > 50, "only {} lists", lists.len());

    let named = |hits: Vec<Hit>, words: &[&str]| {
        hits.into_iter().find(|hit| {
            let name = hit.name.to_lowercase();
            words.iter().any(|word| name.contains(word))
        })
    };

    let dns =
        named(lists.check("8.8.8.8", Some("ip-dst")), &["dns"]).expect("8.8.8.8 is a resolver");
    assert_eq!(dns.list_type, ListType::Cidr);

    let top = ["top", "alexa", "tranco", "umbrella"];
    let site = named(lists.check("google.com", Some("domain")), &top).expect("google.com ranks");
    assert!(site.matched == "google.com", "{site:?}");

    let private =
        named(lists.check("10.1.2.3", Some("ip-src")), &["1918"]).expect("10/8 is private");
    assert_eq!(private.matched, "10.0.0.0/8");

    // And a routable address no list should hold.
    let odd = lists.check("185.220.101.1", Some("ip-dst"));
    assert!(named(odd, &["1918", "dns"]).is_none());
}

proptest! {
    /// Any value, as any type, is checked without a panic.
    #[test]
    fn any_value_is_checked_without_panic(value in "\\PC{0,40}", kind in "[a-z|-]{0,12}") {
        let lists = lists();
        let _ = lists.check(&value, Some(&kind));
        let _ = lists.check(&value, None);
    }

    /// Any regex entry compiles or is skipped, never a panic; and an entry
    /// that compiles still answers.
    #[test]
    fn any_regex_entry_loads_or_is_skipped(entry in "\\PC{0,24}", value in "\\PC{0,24}") {
        let json = serde_json::json!({"name": "p", "type": "regex", "list": [entry]});
        let list = Warninglist::from_json(Path::new("p.json"), json.to_string().as_bytes()).unwrap();
        prop_assert_eq!(list.len() + list.skipped(), usize::from(!entry.is_empty()));
        let _ = list.check(&value, None);
    }

    /// Any cidr or hostname entry loads, and finds itself when kept.
    #[test]
    fn entries_find_themselves(address in any::<std::net::Ipv4Addr>(), host in "[a-z]{1,8}(\\.[a-z]{1,8}){0,3}") {
        let cidr = one_list(&serde_json::json!({"name": "c", "type": "cidr", "list": [address.to_string()]}).to_string());
        prop_assert!(cidr.is_listed(&address.to_string(), None));
        let names = one_list(&serde_json::json!({"name": "h", "type": "hostname", "list": [host]}).to_string());
        let below = format!("www.{host}");
        prop_assert!(names.is_listed(&below, Some("hostname")));
    }
}
