//! Measures the answer cache of `custom-misp` as one alert run uses it.
//!
//! Fills a cache with 100 000 answers in a temporary folder, then times,
//! over many rounds, what one integratord run pays:
//!
//! - `open`: open the file (checking its marks) and close it;
//! - `open + get (hit)`: open the file and read one cached answer (one in
//!   ten a match, decoded), then close;
//! - `open + get (miss)`: the same for a value that is not cached;
//! - `put one`: store one answer in an open cache already at its bound
//!   (eviction and purge included);
//! - `open + breaker`: open and read a closed breaker.
//!
//! Prints the median and the 90th percentile of each. Run it with
//! optimisations, as the integration is built:
//!
//! ```text
//! cargo run -p examples --release --bin cache_bench
//! cargo run -p examples --release --bin cache_bench -- 500   # rounds
//! ```

// The cache is a module of the `custom-misp` binary (`bins` has no
// library), so this program includes its source. Its unit tests run with
// `cargo test -p bins`; the test build of this program is left empty.
#![cfg(not(test))]

#[allow(dead_code, reason = "the bench uses only part of the module")]
#[path = "../../../bins/src/cache.rs"]
mod cache;

use cache::{Cache, CacheSettings, Cached};
use misp_client::Attribute;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ENTRIES: u64 = 100_000;
const SCOPE: &str = "https://misp.example.org to_ids=1 published=1";

fn main() -> ExitCode {
    let rounds = match std::env::args().nth(1).map(|arg| arg.parse::<usize>()) {
        None => 300,
        Some(Ok(rounds)) if rounds > 0 => rounds,
        Some(_) => {
            eprintln!("usage: cache_bench [ROUNDS]");
            return ExitCode::from(2);
        }
    };

    let folder = scratch_folder();
    let outcome = run(&folder, rounds);
    let _ = std::fs::remove_dir_all(&folder);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cache_bench: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(folder: &Path, rounds: usize) -> Result<(), cache::CacheError> {
    let mut settings = CacheSettings::new(folder.join("cache.sqlite"));
    settings.max_entries = ENTRIES;

    let started = Instant::now();
    fill(&settings)?;
    let stats = Cache::open(&settings)?.stats();
    println!(
        "filled {} answers in {:.1?}; file {:.1} MiB",
        stats.entries,
        started.elapsed(),
        stats.file_size as f64 / (1024.0 * 1024.0)
    );
    println!("{rounds} rounds each, median and 90th percentile:");

    report(
        "open",
        time(rounds, |_| {
            Cache::open(&settings).expect("the cache opened above");
        }),
    );

    report(
        "open + get (hit)",
        time(rounds, |round| {
            let cache = Cache::open(&settings).expect("the cache opened above");
            let value = value_for(round as u64 * 7919 % ENTRIES);
            assert!(
                cache.get_many(SCOPE, &[&value])[0].is_some(),
                "{value} should be cached"
            );
        }),
    );

    report(
        "open + get (miss)",
        time(rounds, |round| {
            let cache = Cache::open(&settings).expect("the cache opened above");
            assert!(cache.get_many(SCOPE, &[&format!("absent-{round}.example")])[0].is_none());
        }),
    );

    let cache = Cache::open(&settings)?;
    report(
        "put one",
        time(rounds, |round| {
            let entry = (format!("new-{round}.example"), Cached::NoMatch);
            cache.put(SCOPE, std::slice::from_ref(&entry));
        }),
    );
    drop(cache);

    report(
        "open + breaker",
        time(rounds, |_| {
            let cache = Cache::open(&settings).expect("the cache opened above");
            let _ = cache.breaker("https://misp.example.org");
        }),
    );
    Ok(())
}

/// Stores `ENTRIES` answers, one in ten a match, a thousand a transaction.
fn fill(settings: &CacheSettings) -> Result<(), cache::CacheError> {
    let cache = Cache::open(settings)?;
    let attribute = sample_attribute();
    for chunk in 0..ENTRIES / 1000 {
        let entries: Vec<(String, Cached)> = (chunk * 1000..(chunk + 1) * 1000)
            .map(|n| {
                let answer = if n % 10 == 0 {
                    Cached::Match(vec![attribute.clone()])
                } else {
                    Cached::NoMatch
                };
                (value_for(n), answer)
            })
            .collect();
        cache.put(SCOPE, &entries);
    }
    Ok(())
}

fn value_for(n: u64) -> String {
    format!("host-{n}.example")
}

fn sample_attribute() -> Attribute {
    let json = r##"{"id": "4021", "event_id": "88", "category": "Network activity",
        "type": "domain", "value": "host-0.example", "to_ids": true,
        "uuid": "5f0c2a47-1b6e-4d39-9a51-0b7c3e1d2f60", "timestamp": "1767225600",
        "Event": {"id": "88", "info": "Phishing campaign infrastructure",
                  "org_id": "1", "orgc_id": "1",
                  "uuid": "2d9e7c15-8a40-4b6f-b3c2-71e05f9a6d18"},
        "Tag": [{"id": "3", "name": "tlp:amber", "colour": "#FFC000"}]}"##;
    serde_json::from_str(json).expect("the sample attribute is valid")
}

/// Runs `step` `rounds` times and answers each duration, sorted.
fn time(rounds: usize, mut step: impl FnMut(usize)) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|round| {
            let started = Instant::now();
            step(round);
            started.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn report(what: &str, sorted: Vec<Duration>) {
    let median = sorted[sorted.len() / 2];
    let p90 = sorted[sorted.len() * 9 / 10];
    println!("  {what:<20} median {:>9.1?}   p90 {:>9.1?}", median, p90);
}

fn scratch_folder() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    std::env::temp_dir().join(format!("cache-bench-{}-{nanos}", std::process::id()))
}
