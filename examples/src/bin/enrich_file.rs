//! Shows what the integration would send to Wazuh for one alert and one MISP
//! answer, without Wazuh or MISP: the events the library builds, one JSON
//! line each on standard output; the observables, what was dropped and the
//! query on standard error.
//!
//! ```text
//! cargo run -p examples --bin enrich_file -- <alert.json> <attributes.json> [options.json]
//! ```
//!
//! `alert.json` is one Wazuh alert (a line of `alerts.json`);
//! `attributes.json` is a MISP `restSearch` answer
//! (`{"response": {"Attribute": [...]}}`) or a bare list of attributes;
//! `options.json`, if given, holds the integration's options as in the
//! `<options>` of `ossec.conf`. For example:
//!
//! ```text
//! echo '{"id":"1.1","rule":{"id":"5710","description":"sshd"},"location":"/var/log/auth.log","data":{"srcip":"185.220.101.1"}}' > /tmp/alert.json
//! echo '[{"id":"1","event_id":"2","type":"ip-dst","value":"185.220.101.1","to_ids":true}]' > /tmp/attributes.json
//! cargo run -p examples --bin enrich_file -- /tmp/alert.json /tmp/attributes.json
//! ```

use enrich_core::{Config, Prepared};
use misp_client::{Attribute, SearchResponse};
use std::error::Error;
use std::process::ExitCode;
use wazuh_alert::Alert;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(2..=3).contains(&args.len()) {
        eprintln!("usage: enrich_file <alert.json> <attributes.json> [options.json]");
        return ExitCode::from(2);
    }
    match run(&args[0], &args[1], args.get(2).map(String::as_str)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("enrich_file: {}", chain(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

fn run(
    alert_path: &str,
    attributes_path: &str,
    options_path: Option<&str>,
) -> Result<(), Box<dyn Error>> {
    let alert = Alert::from_value(read_json(alert_path)?)?;
    let attributes = read_attributes(attributes_path)?;
    let config = match options_path {
        Some(path) => serde_json::from_value::<Config>(read_json(path)?)?.validate()?,
        None => Prepared::default(),
    };

    let extraction = enrich_core::extract_detailed(&alert, &config);
    for observable in &extraction.observables {
        eprintln!(
            "observable: {} {} (from {})",
            observable.kind, observable.value, observable.field
        );
    }
    for dropped in &extraction.dropped {
        eprintln!(
            "dropped: {} (from {}): {}",
            dropped.value, dropped.field, dropped.reason
        );
    }
    match enrich_core::build_query(&extraction.observables, &config) {
        Some(query) => eprintln!("query: {}", serde_json::to_string(&query)?),
        None => eprintln!("query: none, nothing to ask"),
    }

    let events = enrich_core::respond(&alert, &extraction.observables, &attributes, &config);
    for event in events {
        println!("{event}");
    }
    Ok(())
}

fn read_json(path: &str) -> Result<serde_json::Value, Box<dyn Error>> {
    let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read {path}: {err}"))?;
    serde_json::from_str(&text).map_err(|err| format!("{path} is not JSON: {err}").into())
}

/// A `restSearch` answer, or a bare list of attributes.
fn read_attributes(path: &str) -> Result<Vec<Attribute>, Box<dyn Error>> {
    let value = read_json(path)?;
    let attributes = if value.is_array() {
        serde_json::from_value(value)
    } else {
        serde_json::from_value::<SearchResponse>(value).map(|answer| answer.response.attributes)
    };
    attributes.map_err(|err| format!("{path} holds no MISP attributes: {err}").into())
}

fn chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
