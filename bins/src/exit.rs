//! Exit codes, and the one-line message that ends a failed run.
//!
//! integratord logs a non-zero status with the last line the integration
//! printed, so every failure ends with exactly one line on standard error
//! that says what went wrong.

use std::fmt;
use std::process::ExitCode;

/// How a run ended. The numbers are documented in the README and in
/// `custom-misp --help`; they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the alert was handled, with or without matches.
    Handled,
    /// 1: a `check` found a problem, or an unexpected internal failure.
    Failed,
    /// 2: a bad invocation: argv, an option, a missing key or URL.
    Usage,
    /// 3: the alert file is missing, unreadable, empty or not an alert.
    Alert,
    /// 4: MISP (or the feed) failed; an error event was sent when possible.
    Misp,
    /// 5: the Wazuh queue socket failed: missing, Wazuh down, or an I/O error.
    Socket,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Handled => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Alert => 3,
            Exit::Misp => 4,
            Exit::Socket => 5,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// A failure with its exit code and its message.
#[derive(Debug)]
pub struct Failure {
    /// The exit code it maps to.
    pub exit: Exit,
    /// What went wrong, with its causes chained `a: b: c`.
    pub message: String,
}

impl Failure {
    /// A failure from any error, its `source()` chain folded into the message.
    pub fn new(exit: Exit, error: &dyn std::error::Error) -> Failure {
        Failure {
            exit,
            message: chain(error),
        }
    }

    /// A failure from a message.
    pub fn msg(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An error and its causes on one line, `outer: inner: root`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their cause in their own message: say it once.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
