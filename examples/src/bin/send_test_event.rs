//! Sends one test event to a Wazuh analysisd queue socket, filed under the
//! manager or under an agent, to check that events reach Wazuh and that the
//! rules for them fire.
//!
//! ```text
//! cargo run -p examples --bin send_test_event -- /var/ossec/queue/sockets/queue
//! cargo run -p examples --bin send_test_event -- /var/ossec/queue/sockets/queue \
//!     --agent-id 001 --agent-name web-01 --agent-ip 192.0.2.10
//! ```
//!
//! The event is `{"integration":"misp","misp":{"status":"test",...}}`;
//! Wazuh shows it under `data.misp.*` with location `misp`. Writing to the
//! socket takes the `wazuh` group or root.

use std::process::ExitCode;

use serde_json::json;
use wazuh_alert::{Agent, Location, QueueSocket};

const USAGE: &str =
    "usage: send_test_event <socket path> [--agent-id ID --agent-name NAME --agent-ip IP]";

/// What the command line asks for.
struct Args {
    socket: String,
    agent: Option<Agent>,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("send_test_event: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let location = Location::for_alert(args.agent.as_ref(), "misp");
    let event = json!({
        "integration": "misp",
        "misp": {
            "status": "test",
            "description": "test event sent by send_test_event",
        },
    });

    match QueueSocket::new(&args.socket).send(&location, &event) {
        Ok(()) => {
            println!("sent to {} as {location}: {event}", args.socket);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("send_test_event: {}", chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The arguments; `None` when help was asked for.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut socket = None;
    let mut agent = Agent::default();

    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--agent-id" => agent.id = value("--agent-id")?,
            "--agent-name" => agent.name = value("--agent-name")?,
            "--agent-ip" => agent.ip = Some(value("--agent-ip")?),
            "-h" | "--help" => return Ok(None),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            path if socket.is_none() => socket = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }

    let socket = socket.ok_or("no socket path")?;
    if agent.id.is_empty() && (!agent.name.is_empty() || agent.ip.is_some()) {
        return Err("--agent-name and --agent-ip need --agent-id".to_owned());
    }
    let agent = (!agent.id.is_empty()).then_some(agent);
    Ok(Some(Args { socket, agent }))
}

/// The error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
