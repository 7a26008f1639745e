//! `custom-misp`: enriches Wazuh alerts with MISP threat intelligence.
//!
//! wazuh-integratord runs it once per alert as
//! `<root>/integrations/custom-misp` with its own argv (see
//! [`integration`]); a person runs it with a subcommand (`enrich`, `lookup`,
//! `check`). The first argument tells which.

mod cache;
mod check;
mod cli;
mod exit;
mod integration;
mod logging;
mod memory;
mod options;
mod screen;
mod send;
mod source;

use exit::Exit;
use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let rest = if args.is_empty() {
        args
    } else {
        args.split_off(1)
    };

    let exit = if cli::is_command(rest.first()) {
        cli::run(rest)
    } else {
        integration::run(rest)
    };
    Exit::into(exit)
}
