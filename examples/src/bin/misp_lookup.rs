//! Looks values up in a MISP instance and prints each matching attribute
//! as one line of JSON.
//!
//! ```text
//! MISP_KEY=<your key> cargo run -p examples --bin misp_lookup -- \
//!     https://misp.example.org 45.33.32.156 update-cdn-7f3a.com
//! cargo run -p examples --bin misp_lookup -- --key-file ~/.misp.key \
//!     --ca-file /etc/ssl/misp-ca.pem https://misp.internal 185.220.101.1
//! ```
//!
//! Usage: `misp_lookup [--key-file PATH] [--ca-file PATH] [--insecure]
//! <MISP_URL> <VALUE>...`. The key comes from `--key-file` (its first
//! line), else from the `MISP_KEY` environment variable; it is never taken
//! as an argument, where the process list would show it. Exit status: 0
//! when the search ran (whether or not anything matched), 1 when it
//! failed, 2 for a usage error.

use misp_client::{ApiKey, Client, SearchQuery};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: misp_lookup [--key-file PATH] [--ca-file PATH] [--insecure] \
                     <MISP_URL> <VALUE>...\n(key from --key-file, else from MISP_KEY)";

/// What the command line asks for.
#[derive(Debug, Default)]
struct Args {
    url: String,
    values: Vec<String>,
    key_file: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    insecure: bool,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("misp_lookup: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("misp_lookup: {}", chain(&*e));
            ExitCode::FAILURE
        }
    }
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args::default();
    let mut positional = Vec::new();

    while let Some(arg) = argv.next() {
        let mut path = |flag: &str| {
            argv.next()
                .map(PathBuf::from)
                .ok_or(format!("{flag} needs a path"))
        };
        match arg.as_str() {
            "--key-file" => args.key_file = Some(path("--key-file")?),
            "--ca-file" => args.ca_file = Some(path("--ca-file")?),
            "--insecure" => args.insecure = true,
            "-h" | "--help" => return Err("help asked".to_owned()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => positional.push(arg),
        }
    }

    let mut positional = positional.into_iter();
    args.url = positional.next().ok_or("no MISP URL")?;
    args.values = positional.collect();
    if args.values.is_empty() {
        return Err("no value to look up".to_owned());
    }
    Ok(args)
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let key = match &args.key_file {
        Some(path) => ApiKey::from_file(path)?,
        None => std::env::var("MISP_KEY")
            .map(ApiKey::new)
            .map_err(|_| "no API key: set MISP_KEY or give --key-file")?,
    };

    let mut builder = Client::builder(&args.url, key).verify_tls(!args.insecure);
    if let Some(ca) = &args.ca_file {
        builder = builder.ca_file(ca);
    }
    let client = builder.build()?;

    let attributes = client.search(&SearchQuery::values(args.values.iter().cloned()))?;
    for attribute in &attributes {
        println!("{}", serde_json::to_string(attribute)?);
    }
    Ok(())
}

/// An error and its causes on one line: `a: b: c`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
