//! Measures a MISP feed folder of 100,000 attributes: how long
//! `Feed::open` takes, the memory it needs, and the mean time of a search
//! for ten values (half of them in the feed), the query one alert makes.
//!
//! ```text
//! cargo run -p examples --release --bin feed_bench
//! cargo run -p examples --release --bin feed_bench -- --events 200 --per-event 1000
//! ```
//!
//! The feed is generated in a temporary folder (removed at the end): events
//! of 1000 attributes of the usual types, composites and attributes inside
//! objects included. Memory is the peak resident size (`VmHWM` in
//! `/proc/self/status`, Linux only), read before and after opening.

use misp_client::SearchQuery;
use misp_client::feed::Feed;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// Searches timed for the mean.
const SEARCHES: u32 = 100_000;

fn main() {
    let (events, per_event) = match parse_args() {
        Ok(sizes) => sizes,
        Err(message) => {
            eprintln!("feed_bench: {message}");
            eprintln!("usage: feed_bench [--events N] [--per-event N]");
            std::process::exit(2);
        }
    };
    if let Err(error) = run(events, per_event) {
        eprintln!("feed_bench: {error}");
        std::process::exit(1);
    }
}

fn parse_args() -> Result<(usize, usize), String> {
    let mut sizes = (100, 1000);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a number"))?;
        let number: usize = value
            .parse()
            .map_err(|_| format!("{value:?} is not a number"))?;
        match flag.as_str() {
            "--events" => sizes.0 = number,
            "--per-event" => sizes.1 = number,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(sizes)
}

fn run(events: usize, per_event: usize) -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("feed-bench-{}", std::process::id()));
    let started = Instant::now();
    let bytes = generate(&dir, events, per_event)?;
    println!(
        "generated {events} events x {per_event} attributes ({:.1} MB of JSON) in {:.2?}",
        bytes as f64 / 1e6,
        started.elapsed()
    );

    let before = peak_memory_kb();
    let started = Instant::now();
    let feed = Feed::open(&dir)?;
    let open_time = started.elapsed();
    let after = peak_memory_kb();
    println!("open: {} attributes indexed in {open_time:.2?}", feed.len());
    match (before, after) {
        (Some(before), Some(after)) => println!(
            "memory: peak resident {:.1} MB after open ({:.1} MB before)",
            after as f64 / 1024.0,
            before as f64 / 1024.0
        ),
        _ => println!("memory: /proc/self/status is not readable here"),
    }

    let (mean, found) = time_searches(&feed, events, per_event);
    println!("search: 10 values, {found} attributes found, {mean:.2?} mean over {SEARCHES} runs");

    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The mean time of a ten-value search, and how many attributes it finds.
fn time_searches(feed: &Feed, events: usize, per_event: usize) -> (Duration, usize) {
    let total = events * per_event;
    let step = (total / 5).max(1);
    // Five values in the feed, of five types (a composite's first half, as
    // an alert would hold it), and five that are not.
    let present = (0..5).map(|k| value_of((k * step + k) % total.max(1)).1);
    let mut values: Vec<String> = present
        .map(|v| v.split('|').next().unwrap_or_default().to_owned())
        .collect();
    values.extend((0..5).map(|k| format!("absent-{k}.example-miss.net")));

    let mut query = SearchQuery::values(values)
        .with_types([
            "ip-dst",
            "ip-dst|port",
            "domain",
            "domain|ip",
            "url",
            "sha256",
            "filename|sha256",
            "md5",
        ])
        .with_to_ids(true);
    query.include_event_tags = Some(true);

    let found = feed.search(&query).len();
    let started = Instant::now();
    for _ in 0..SEARCHES {
        std::hint::black_box(feed.search(std::hint::black_box(&query)));
    }
    (started.elapsed() / SEARCHES, found)
}

/// Writes the feed folder; returns the bytes written.
fn generate(dir: &Path, events: usize, per_event: usize) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let mut manifest = serde_json::Map::new();
    let mut hashes = String::new();
    let mut written = 0;

    for e in 0..events {
        let uuid = format!("00000000-0000-4000-8000-{e:012}");
        let attributes: Vec<Value> = (0..per_event)
            .map(|a| attribute(e * per_event + a))
            .collect();
        for attribute in &attributes {
            for half in attribute["value"].as_str().unwrap_or_default().split('|') {
                hashes.push_str(&format!("{:032x},{uuid}\n", fnv(half)));
            }
        }

        let event = event_json(&uuid, e, attributes);
        written += write(&dir.join(format!("{uuid}.json")), &event)?;
        manifest.insert(
            uuid,
            json!({"info": format!("bench event {e}"), "date": "2026-10-01"}),
        );
    }

    written += write(&dir.join("manifest.json"), &Value::Object(manifest))?;
    std::fs::write(dir.join("hashes.csv"), &hashes)?;
    Ok(written + hashes.len() as u64)
}

/// An event whose attributes past the first nine tenths sit in objects.
fn event_json(uuid: &str, number: usize, mut attributes: Vec<Value>) -> Value {
    let in_objects = attributes.split_off(attributes.len() * 9 / 10);
    let objects: Vec<Value> = in_objects
        .chunks(5)
        .map(|chunk| json!({"name": "file", "Attribute": chunk}))
        .collect();
    json!({"Event": {
        "uuid": uuid, "info": format!("bench event {number}"), "date": "2026-10-01",
        "published": true, "threat_level_id": "2", "timestamp": "1790000000",
        "Orgc": {"name": "bench"},
        "Tag": [{"name": "tlp:green", "colour": "#33ff00"}],
        "Attribute": attributes, "Object": objects,
    }})
}

fn attribute(n: usize) -> Value {
    let (kind, value) = value_of(n);
    json!({
        "uuid": format!("10000000-0000-4000-8000-{n:012}"),
        "type": kind, "category": "Network activity", "value": value,
        "to_ids": n % 10 != 9, "timestamp": "1790000000", "comment": "",
        "deleted": false,
    })
}

/// The type and value of the attribute numbered `n`: distinct for every `n`.
fn value_of(n: usize) -> (&'static str, String) {
    let (a, b, c) = ((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    match n % 8 {
        0 => ("ip-dst", format!("45.{a}.{b}.{c}")),
        1 => ("ip-dst|port", format!("185.{a}.{b}.{c}|443")),
        2 => ("domain", format!("host-{n}.update-cdn-7f3a.com")),
        3 => (
            "domain|ip",
            format!("relay-{n}.mail-relay-7c.org|46.{a}.{b}.{c}"),
        ),
        4 => (
            "url",
            format!("https://login-{n}.secure-portal.net/auth.php"),
        ),
        5 => (
            "sha256",
            format!("{:064x}", u128::from(fnv(&n.to_string()))),
        ),
        6 => ("md5", format!("{:032x}", fnv(&format!("md5-{n}")))),
        _ => (
            "filename|sha256",
            format!("payload-{n}.exe|{:064x}", fnv(&format!("f{n}"))),
        ),
    }
}

/// A cheap stand-in for a content hash: only uniqueness matters here.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn write(path: &Path, value: &Value) -> std::io::Result<u64> {
    let bytes = serde_json::to_vec(value)?;
    std::fs::write(path, &bytes)?;
    Ok(bytes.len() as u64)
}

/// The peak resident set size in KiB (`VmHWM`), on Linux.
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
