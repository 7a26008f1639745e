//! The shipped Wazuh rules file, read the way analysisd orders rules.
//!
//! Among the children of one rule, Wazuh tries the highest level first (file
//! order for equal levels) and the first match wins. These tests evaluate the
//! children of our base rule for every combination of the fields they test
//! and check that exactly the intended rule wins each time.

const RULES: &str = include_str!("../wazuh/misp_rules.xml");

const BASE: u32 = 100_800;
const RANGE: std::ops::RangeInclusive<u32> = 100_800..=100_849;
const KINDS: &[&str] = &[
    "ip", "domain", "url", "md5", "sha1", "sha256", "sha512", "imphash",
];

#[derive(Debug)]
struct Rule {
    id: u32,
    level: u32,
    if_sid: Option<u32>,
    fields: Vec<(String, String)>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_owned())
}

fn inner<'a>(block: &'a str, open_end: usize, close: &str) -> &'a str {
    let end = block[open_end..]
        .find(close)
        .map_or(block.len(), |e| open_end + e);
    &block[open_end..end]
}

fn parse(text: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    for chunk in text.split("<rule ").skip(1) {
        let head_end = chunk.find('>').expect("rule tag ends");
        let head = &chunk[..head_end];
        let body = inner(chunk, head_end + 1, "</rule>");
        let if_sid = body.find("<if_sid>").map(|s| {
            inner(body, s + "<if_sid>".len(), "</if_sid>")
                .trim()
                .parse()
                .expect("if_sid number")
        });
        let mut fields = Vec::new();
        for field in body.split("<field ").skip(1) {
            let tag_end = field.find('>').expect("field tag ends");
            let name = attr(&field[..tag_end], "name").expect("field name");
            fields.push((name, inner(field, tag_end + 1, "</field>").to_owned()));
        }
        rules.push(Rule {
            id: attr(head, "id").expect("id").parse().expect("id number"),
            level: attr(head, "level")
                .expect("level")
                .parse()
                .expect("level number"),
            if_sid,
            fields,
        });
    }
    rules
}

/// Matches the two pattern shapes the file uses: `^word$` and
/// `^(?:a|b|c)$`, both anchored exact alternatives.
fn pattern_matches(pattern: &str, value: &str) -> bool {
    let body = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .expect("anchored");
    let body = body
        .strip_prefix("(?:")
        .and_then(|b| b.strip_suffix(')'))
        .unwrap_or(body);
    body.split('|').any(|alternative| alternative == value)
}

fn children(rules: &[Rule]) -> Vec<&Rule> {
    let mut children: Vec<&Rule> = rules.iter().filter(|r| r.if_sid == Some(BASE)).collect();
    // Wazuh's order: level descending, file order among equals (stable sort).
    children.sort_by_key(|r| std::cmp::Reverse(r.level));
    children
}

fn winner<'a>(children: &[&'a Rule], event: &[(&str, &str)]) -> Vec<&'a Rule> {
    children
        .iter()
        .filter(|rule| {
            rule.fields.iter().all(|(name, pattern)| {
                event
                    .iter()
                    .any(|(k, v)| k == name && pattern_matches(pattern, v))
            })
        })
        .copied()
        .collect()
}

#[test]
fn ids_are_unique_and_in_the_documented_range() {
    let rules = parse(RULES);
    assert!(rules.len() >= 6, "expected the base rule and its children");
    let mut ids: Vec<u32> = rules.iter().map(|r| r.id).collect();
    assert!(ids.iter().all(|id| RANGE.contains(id)), "{ids:?}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "duplicate rule ids");
}

#[test]
fn the_base_rule_never_alerts_and_every_other_rule_hangs_off_it() {
    let rules = parse(RULES);
    let base = rules.iter().find(|r| r.id == BASE).expect("base rule");
    assert_eq!(base.level, 0);
    assert_eq!(
        base.fields,
        vec![("integration".to_owned(), "^misp$".to_owned())]
    );
    assert!(
        rules
            .iter()
            .filter(|r| r.id != BASE)
            .all(|r| r.if_sid == Some(BASE))
    );
}

#[test]
fn every_match_reaches_exactly_its_intended_rule() {
    let rules = parse(RULES);
    let children = children(&rules);
    for to_ids in ["true", "false"] {
        for kind in KINDS {
            let event = [
                ("misp.status", "match"),
                ("misp.to_ids", to_ids),
                ("misp.kind", *kind),
            ];
            let hits = winner(&children, &event);
            assert_eq!(hits.len(), 1, "{event:?} matched {hits:?}");
            let expected = match (to_ids, *kind) {
                ("false", _) => 100_815,
                (_, "ip") => 100_810,
                (_, "domain" | "url") => 100_811,
                _ => 100_812,
            };
            assert_eq!(hits[0].id, expected, "{event:?}");
        }
    }
}

#[test]
fn indicators_outrank_context_and_errors_alert_by_default() {
    let rules = parse(RULES);
    let level = |id| rules.iter().find(|r| r.id == id).expect("rule").level;
    assert!(level(100_810) > level(100_815));
    // Wazuh writes alerts from level 3 (log_alert_level's default).
    assert!(level(100_820) >= 3);
    assert!(level(100_830) >= 3);

    let children = children(&rules);
    let error = winner(
        &children,
        &[("misp.status", "error"), ("misp.error_code", "timeout")],
    );
    assert_eq!(
        error.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![100_820]
    );
    let none = winner(&children, &[("misp.status", "no_match")]);
    assert_eq!(none.iter().map(|r| r.id).collect::<Vec<_>>(), vec![100_830]);
}
