//! The commands a person runs: `enrich`, `lookup`, `check`, `help`.

use crate::exit::{Exit, Failure};
use crate::options::Options;
use crate::screen;
use crate::source::{self, Source};
use crate::{check, logging};
use lexopt::prelude::*;
use misp_client::SearchQuery;
use serde_json::Value;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use wazuh_alert::{Alert, Location, QueueSocket};

const COMMANDS: &[&str] = &[
    "enrich",
    "lookup",
    "check",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// The help text, with the exit codes.
pub const HELP: &str = "\
custom-misp: enrich Wazuh alerts with MISP threat intelligence

wazuh-integratord runs it as <root>/integrations/custom-misp with its own
arguments (alert file, api key, hook url, debug, options file, timeout,
retries). A person runs it with a command:

  custom-misp enrich [SOURCE] [--options FILE] [--send [--socket PATH]] [FILE...]
      Enrich alerts (one per file, or one per line; a folder: its .json
      and .alert files; '-' or none: standard input) and print the events as JSON lines, or send them to the queue.
  custom-misp lookup [SOURCE] VALUE...
      Ask MISP (or the feed) about values; print matching attributes.
  custom-misp check [--root DIR] [SOURCE] [--options FILE]
      Check the installation: configuration, MISP, key, TLS, the answer
      cache and the circuit breaker, queue socket, the executable's owner
      and mode. --clear-cache empties the cache and resets the breaker.
  custom-misp clear-cache [--root DIR]
      The same as check --clear-cache.

SOURCE is either --feed DIR (a MISP feed folder) or a MISP server:
  --url URL          MISP base URL (default: $MISP_URL)
  --key-file FILE    file holding the API key (default: $MISP_KEY)
  --ca-file FILE     extra CA certificate (PEM)
  --insecure         do not verify TLS (logs a warning)
Other flags: --warninglists DIR (repeatable), --debug, --help.

Exit codes: 0 handled, 1 check failed or internal error, 2 bad invocation or
option, 3 bad or missing alert, 4 MISP failed, 5 queue socket failed.
";

/// True when the first argument names a command rather than an alert file.
pub fn is_command(first: Option<&OsString>) -> bool {
    first
        .and_then(|a| a.to_str())
        .is_some_and(|a| COMMANDS.contains(&a))
}

/// Flags shared by the commands.
#[derive(Default)]
struct Flags {
    source: source::Settings,
    options: Option<PathBuf>,
    warninglists: Vec<PathBuf>,
    send: bool,
    socket: Option<PathBuf>,
    root: Option<PathBuf>,
    clear_cache: bool,
    debug: bool,
    free: Vec<OsString>,
}

/// Runs a command; `args` starts with its name.
pub fn run(args: Vec<OsString>) -> Exit {
    let command = args[0].to_string_lossy().into_owned();
    let result = match command.as_str() {
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            return Exit::Handled;
        }
        "-V" | "--version" => {
            println!("custom-misp {}", env!("CARGO_PKG_VERSION"));
            return Exit::Handled;
        }
        _ => parse_flags(&args[1..]).and_then(|flags| {
            logging::to_stderr(flags.debug);
            match command.as_str() {
                "enrich" => enrich(flags),
                "lookup" => lookup(flags),
                "clear-cache" => check::run(flags.root, flags.options, flags.source, true),
                _ => check::run(flags.root, flags.options, flags.source, flags.clear_cache),
            }
        }),
    };
    match result {
        Ok(exit) => exit,
        Err(failure) => {
            eprintln!("custom-misp {command}: {failure}");
            failure.exit
        }
    }
}

fn parse_flags(args: &[OsString]) -> Result<Flags, Failure> {
    let usage = |e: lexopt::Error| Failure::msg(Exit::Usage, format!("{e}; see --help"));
    let mut flags = Flags {
        source: source::Settings {
            verify_tls: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Long("feed") => flags.source.feed = Some(parser.value().map_err(usage)?.into()),
            Long("url") => flags.source.url = Some(string(parser.value())?),
            Long("key-file") => flags.source.key_file = Some(parser.value().map_err(usage)?.into()),
            Long("ca-file") => flags.source.ca_file = Some(parser.value().map_err(usage)?.into()),
            Long("insecure") => flags.source.verify_tls = false,
            Long("options") => flags.options = Some(parser.value().map_err(usage)?.into()),
            Long("warninglists") => flags
                .warninglists
                .push(parser.value().map_err(usage)?.into()),
            Long("send") => flags.send = true,
            Long("socket") => flags.socket = Some(parser.value().map_err(usage)?.into()),
            Long("root") => flags.root = Some(parser.value().map_err(usage)?.into()),
            Long("debug") => flags.debug = true,
            Long("clear-cache") => flags.clear_cache = true,
            Long("help") | Short('h') => {
                print!("{HELP}");
                std::process::exit(0);
            }
            Value(value) => flags.free.push(value),
            _ => return Err(usage(arg.unexpected())),
        }
    }

    // A person's MISP comes from the environment when not on the line.
    if flags.source.url.is_none() {
        flags.source.url = std::env::var("MISP_URL").ok();
    }
    if flags.source.key_file.is_none() {
        flags.source.key = std::env::var("MISP_KEY").ok().map(misp_client::ApiKey::new);
    }
    Ok(flags)
}

fn string(value: Result<OsString, lexopt::Error>) -> Result<String, Failure> {
    value
        .map_err(|e| Failure::msg(Exit::Usage, e.to_string()))?
        .into_string()
        .map_err(|_| Failure::msg(Exit::Usage, "a flag's value is not UTF-8"))
}

/// `enrich`: alerts in, events out.
fn enrich(flags: Flags) -> Result<Exit, Failure> {
    let mut options = match &flags.options {
        Some(path) => Options::from_file(path).map_err(|e| Failure::new(Exit::Usage, &e))?,
        None => Options::default(),
    };
    options
        .warninglists
        .extend(flags.warninglists.iter().cloned());
    let config = options
        .compiled()
        .map_err(|e| Failure::new(Exit::Usage, &e))?;
    let source = Source::open(flags.source.with_options(&options))?;
    let socket = flags.send.then(|| {
        let root = flags
            .root
            .clone()
            .unwrap_or_else(|| wazuh_alert::DEFAULT_ROOT.into());
        QueueSocket::new(
            flags
                .socket
                .clone()
                .unwrap_or_else(|| wazuh_alert::Paths::new(root).queue_socket()),
        )
    });

    let mut worst = Exit::Handled;
    for alert in read_alerts(&flags.free) {
        let alert = match alert {
            Ok(alert) => alert,
            Err(failure) => {
                eprintln!("custom-misp enrich: {failure}");
                worst = worse(worst, failure.exit);
                continue;
            }
        };
        let events = match enrich_one(&alert, &options, &config, &source) {
            Ok(events) => events,
            Err(failure) => {
                eprintln!("custom-misp enrich: alert {}: {failure}", alert.id());
                worst = worse(worst, failure.exit);
                continue;
            }
        };
        for (event, failed) in events {
            emit(&alert, &event, socket.as_ref())?;
            if failed {
                worst = worse(worst, Exit::Misp);
            }
        }
    }
    Ok(worst)
}

/// The events for one alert, each with whether it reports a failure.
fn enrich_one(
    alert: &Alert,
    options: &Options,
    config: &enrich_core::Prepared,
    source: &Source,
) -> Result<Vec<(Value, bool)>, Failure> {
    let Some(plan) = screen::plan(alert, config, options)? else {
        return Ok(Vec::new());
    };
    let Some(query) = enrich_core::build_query(&plan.observables, config) else {
        return Ok(Vec::new());
    };
    match source.search(&query) {
        Ok(attributes) => {
            let events = plan.respond(alert, &attributes, config);
            Ok(events.into_iter().map(|e| (e, false)).collect())
        }
        Err(e) => {
            let description = crate::exit::chain(&e);
            Ok(vec![(
                enrich_core::error_event(alert, e.code(), &description),
                true,
            )])
        }
    }
}

/// Prints an event as a JSON line, or sends it to the queue socket.
fn emit(alert: &Alert, event: &Value, socket: Option<&QueueSocket>) -> Result<(), Failure> {
    match socket {
        Some(socket) => {
            let location = Location::for_alert(alert.agent(), crate::send::LOCATION_NAME);
            socket
                .send(&location, event)
                .map_err(|e| Failure::new(Exit::Socket, &e))
        }
        None => {
            println!("{event}");
            Ok(())
        }
    }
}

fn worse(a: Exit, b: Exit) -> Exit {
    if a == Exit::Handled { b } else { a }
}

/// Every alert of the files (or standard input): a file holds one alert,
/// pretty-printed or not, or one alert per line.
fn read_alerts(files: &[OsString]) -> impl Iterator<Item = Result<Alert, Failure>> + '_ {
    let stdin = vec![PathBuf::from("-")];
    let paths: Vec<PathBuf> = if files.is_empty() {
        stdin
    } else {
        files
            .iter()
            .flat_map(|file| expand(Path::new(file)))
            .collect()
    };
    paths.into_iter().flat_map(|path| match read_text(&path) {
        Ok(text) => parse_alerts(&path, &text),
        Err(failure) => vec![Err(failure)],
    })
}

/// A folder stands for the `.json` and `.alert` files in it, sorted by name.
fn expand(path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(path) else {
        return vec![path.to_owned()];
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "alert"))
        .collect();
    files.sort();
    files
}

fn read_text(path: &Path) -> Result<String, Failure> {
    let mut text = String::new();
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| Failure::msg(Exit::Alert, format!("cannot read {}: {e}", path.display())))?;
    Ok(text)
}

fn parse_alerts(path: &Path, text: &str) -> Vec<Result<Alert, Failure>> {
    if let Ok(alert) = Alert::from_json(text) {
        return vec![Ok(alert)];
    }
    let name = path.display();
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            Alert::from_json(line).map_err(|e| {
                Failure::msg(
                    Exit::Alert,
                    format!("{name} line {}: {}", n + 1, crate::exit::chain(&e)),
                )
            })
        })
        .collect()
}

/// `lookup`: values in, attributes out.
fn lookup(flags: Flags) -> Result<Exit, Failure> {
    let values: Vec<String> = flags
        .free
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if values.is_empty() {
        return Err(Failure::msg(Exit::Usage, "lookup needs at least one value"));
    }
    let source = Source::open(flags.source)?;
    let attributes = source
        .search(&SearchQuery::values(values))
        .map_err(|e| Failure::new(Exit::Misp, &e))?;
    for attribute in &attributes {
        let line = serde_json::to_string(attribute).map_err(|e| Failure::new(Exit::Failed, &e))?;
        println!("{line}");
    }
    eprintln!("{} attribute(s) from {}", attributes.len(), source.id());
    Ok(Exit::Handled)
}
