//! The errors of this crate: all of them are about the configuration.

use crate::kind::UnknownKind;

/// A configuration value that cannot be used. Every variant names the option
/// as the user wrote it (with the index of a list entry, such as
/// `allow_cidrs[1]`) and the value it holds.
///
/// Extraction, matching and event building never fail: values that are not
/// what a field promises are skipped, not reported as errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `kinds`, or the `kind` of an `extra_fields` entry, names no kind.
    /// The source lists the names that are accepted.
    #[error("invalid option `{option}`")]
    UnknownKind {
        /// The option, such as `kinds[2]` or `extra_fields[0].kind`.
        option: String,
        /// What the name was compared with.
        #[source]
        source: UnknownKind,
    },

    /// A field path (in `extra_fields` or `ignore_fields`) is empty, has an
    /// empty segment or holds blanks. Paths are dotted, such as
    /// `data.win.eventdata.destinationIp`.
    #[error("invalid option `{option}`: {value:?} is not a dotted field path")]
    FieldPath {
        /// The option, such as `extra_fields[0].field`.
        option: String,
        /// The path as written.
        value: String,
    },

    /// An `allow_cidrs` entry is neither an address nor an address block.
    #[error("invalid option `{option}`: {value:?} is not an address block ({reason})")]
    Cidr {
        /// The option, such as `allow_cidrs[1]`.
        option: String,
        /// The entry as written.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// An `allow_domains` entry is not a domain name. Single-label and local
    /// names are refused too: they are never looked up anyway.
    #[error("invalid option `{option}`: {value:?} is not a public domain name")]
    Domain {
        /// The option, such as `allow_domains[0]`.
        option: String,
        /// The entry as written.
        value: String,
    },

    /// A number is below the least value the option accepts.
    #[error("invalid option `{option}`: {value} is less than {min}")]
    TooSmall {
        /// The option, such as `limit`.
        option: &'static str,
        /// The value given.
        value: u64,
        /// The least value accepted.
        min: u64,
    },

    /// A list that must name at least one thing is empty.
    #[error("invalid option `{option}`: the list is empty, so nothing would ever be looked up")]
    Empty {
        /// The option, such as `kinds`.
        option: &'static str,
    },
}

/// The error of [`Config::validate`](crate::Config::validate), under the name
/// the binary's option handling uses.
pub type ConfigError = Error;
