//! The arguments wazuh-integratord runs an integration with.
//!
//! integratord builds one command line, then splits it on spaces into a
//! bounded number of fields; the last field keeps the rest of the line,
//! spaces and all. With every value free of spaces, Wazuh 4.8 and later
//! pass, after `argv[0]`:
//!
//! ```text
//! [1] alert file  [2] api key  [3] hook url  [4] "debug" or ""
//! [5] options file  [6] timeout  [7] retries  [8] "> /dev/null 2>&1"
//! ```
//!
//! `[8]` is absent when integratord runs in debug mode. Wazuh 4.7 stops
//! after `[5]`, older versions after `[4]`. An empty value is an empty
//! argument.
//!
//! A key or URL holding a space shifts every later field, and the last
//! field then carries what did not fit (`3 > /dev/null 2>&1`). Since the
//! split loses nothing, [`Invocation::parse`] joins the arguments after the
//! alert file back with single spaces and reads that line from its end:
//! the redirection text, then retries and timeout (whole numbers), the
//! options file (ends in `.options`, or empty), the debug flag (`debug` or
//! empty). What stays before them is the key and the hook URL.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The text integratord appends when it does not run in debug mode. No
/// shell reads it: it arrives as (part of) an argument.
const REDIRECT: &str = "> /dev/null 2>&1";

/// A secret, such as the MISP API key. Its `Debug` prints `[redacted]`, and
/// it has no `Display`: reading it takes [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Which form of integratord's arguments was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Form {
    /// Wazuh 4.8 and later: key, hook URL, debug, options file, timeout and
    /// retries.
    V48,
    /// Wazuh 4.7: key, hook URL, debug and options file; no timeout or
    /// retries.
    V47,
    /// Before Wazuh 4.7: key, hook URL and debug only.
    Legacy,
    /// Only the alert file, as a person running the integration by hand
    /// may give it.
    AlertOnly,
}

/// The arguments of one run by wazuh-integratord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The alert file (`argv[1]`): one line of compact JSON that integratord
    /// deletes as soon as the process exits.
    pub alert_file: PathBuf,
    /// `<api_key>` from ossec.conf; `None` when it is not set.
    pub api_key: Option<Secret>,
    /// `<hook_url>` from ossec.conf; `None` when it is not set.
    pub hook_url: Option<String>,
    /// True when integratord runs in debug mode (the `debug` argument).
    pub debug: bool,
    /// The file holding the `<options>` text; `None` when there is none or
    /// before Wazuh 4.7.
    pub options_file: Option<PathBuf>,
    /// `<timeout>` in seconds (Wazuh's default is 10); `None` before 4.8.
    pub timeout: Option<Duration>,
    /// `<retries>` (Wazuh's default is 3); `None` before 4.8.
    pub retries: Option<u32>,
    /// The form of the arguments.
    pub form: Form,
}

/// Why integratord's arguments could not be read. Messages never hold the
/// API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvocationError {
    /// There is no first argument, or it is empty: no alert file to read.
    #[error("integratord arguments: no alert file")]
    MissingAlertFile,

    /// An argument after the alert file is not valid UTF-8.
    #[error("integratord arguments: argument {position} is not valid UTF-8")]
    NotUtf8 {
        /// Its index in argv, counting `argv[0]`.
        position: usize,
    },

    /// The arguments after the alert file fit no form of wazuh-integratord:
    /// the integration was run by something else, or by a Wazuh version
    /// this crate does not know.
    #[error("integratord arguments: the {count} arguments after the alert file fit no known form")]
    Unrecognised {
        /// How many arguments followed the alert file.
        count: usize,
    },
}

impl InvocationError {
    /// A short, stable code: `argv_no_alert_file`, `argv_not_utf8` or
    /// `argv_unrecognised`.
    pub fn code(&self) -> &'static str {
        match self {
            InvocationError::MissingAlertFile => "argv_no_alert_file",
            InvocationError::NotUtf8 { .. } => "argv_not_utf8",
            InvocationError::Unrecognised { .. } => "argv_unrecognised",
        }
    }
}

/// The fields read from the end of the line, before the key and URL.
struct Tail<'a> {
    form: Form,
    debug: &'a str,
    options: &'a str,
    timeout: Option<u64>,
    retries: Option<u32>,
    /// How many leading tokens hold the key and the hook URL.
    head: usize,
}

impl Invocation {
    /// Reads integratord's arguments, given without `argv[0]`:
    /// `Invocation::parse(std::env::args_os().skip(1))`.
    ///
    /// The first argument is taken as the alert file whatever it holds. The
    /// rest are read as the module docs describe; a key or hook URL split
    /// by spaces is rebuilt:
    ///
    /// - when exactly two pieces hold them, the first is the key;
    /// - else, when a piece after the first holds `://`, the URL starts at
    ///   the first such piece and the key is everything before it;
    /// - else the last piece is the URL (a URL holds no raw space) and all
    ///   the others, joined with spaces, are the key.
    ///
    /// A line can read as more than one form: an older line whose key holds
    /// a space and whose URL is empty reads like a 4.7 line whose URL is the
    /// key's second half. The newest form whose hook URL is empty or holds
    /// `://` wins; when none does, the newest form.
    ///
    /// # Errors
    ///
    /// [`InvocationError::MissingAlertFile`] without a first argument,
    /// [`InvocationError::NotUtf8`] for an argument that is not UTF-8, and
    /// [`InvocationError::Unrecognised`] when the rest fits no form.
    ///
    /// # Example
    ///
    /// ```
    /// use wazuh_alert::{Form, Invocation};
    ///
    /// let argv = ["/tmp/custom-misp-1767225600-4242.alert", "KEY", "https://misp.example",
    ///     "", "/tmp/custom-misp-1767225600-77.options", "10", "3", "> /dev/null 2>&1"];
    /// let run = Invocation::parse(argv)?;
    /// assert_eq!(run.form, Form::V48);
    /// assert_eq!(run.api_key.unwrap().expose(), "KEY");
    /// assert_eq!(run.retries, Some(3));
    /// assert!(!run.debug);
    /// # Ok::<(), wazuh_alert::InvocationError>(())
    /// ```
    pub fn parse<I, S>(args: I) -> Result<Invocation, InvocationError>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut args = args.into_iter().map(Into::into);
        let alert_file = match args.next() {
            Some(first) if !first.is_empty() => PathBuf::from(first),
            _ => return Err(InvocationError::MissingAlertFile),
        };
        let rest = args
            .enumerate()
            .map(|(i, arg)| {
                arg.into_string()
                    .map_err(|_| InvocationError::NotUtf8 { position: i + 2 })
            })
            .collect::<Result<Vec<String>, _>>()?;

        if rest.is_empty() {
            return Ok(Invocation::alert_only(alert_file));
        }
        let invocation = read_line(alert_file, &rest.join(" "))
            .ok_or(InvocationError::Unrecognised { count: rest.len() })?;
        let set = |present: bool| if present { "set" } else { "unset" };
        log::debug!(
            "integratord form {:?}: api key {}, hook url {}, debug {}, options {:?}",
            invocation.form,
            set(invocation.api_key.is_some()),
            set(invocation.hook_url.is_some()),
            invocation.debug,
            invocation.options_file,
        );
        Ok(invocation)
    }

    fn alert_only(alert_file: PathBuf) -> Invocation {
        Invocation {
            alert_file,
            api_key: None,
            hook_url: None,
            debug: false,
            options_file: None,
            timeout: None,
            retries: None,
            form: Form::AlertOnly,
        }
    }
}

/// Reads the line after the alert file; `None` when it fits no form.
fn read_line(alert_file: PathBuf, line: &str) -> Option<Invocation> {
    // The redirection comes last, after one space (the value before it may
    // be empty, leaving the line ending in a space).
    let line = match line.strip_suffix(REDIRECT) {
        Some(before) => before.strip_suffix(' ').unwrap_or(before),
        None => line,
    };
    let tokens: Vec<&str> = line.split(' ').collect();

    // Newest form first; a reading whose hook URL looks like none loses to
    // an older reading whose URL does (or is empty).
    let readings: Vec<(Tail, String, String)> =
        [tail_v48(&tokens), tail_v47(&tokens), tail_legacy(&tokens)]
            .into_iter()
            .flatten()
            .map(|tail| {
                let (key, url) = split_key_and_url(&tokens[..tail.head]);
                (tail, key, url)
            })
            .collect();
    let chosen = readings
        .iter()
        .position(|(_, _, url)| url.is_empty() || url.contains("://"));
    let (tail, key, url) = readings.into_iter().nth(chosen.unwrap_or(0))?;
    if tail.head > 2 {
        log::debug!(
            "the api key or hook url held spaces; rebuilt from {} pieces",
            tail.head
        );
    }

    Some(Invocation {
        alert_file,
        api_key: Some(key).filter(|k| !k.is_empty()).map(Secret),
        hook_url: Some(url).filter(|u| !u.is_empty()),
        debug: tail.debug == "debug",
        options_file: Some(tail.options)
            .filter(|o| !o.is_empty())
            .map(PathBuf::from),
        timeout: tail.timeout.map(Duration::from_secs),
        retries: tail.retries,
        form: tail.form,
    })
}

/// `... debug options timeout retries`, with two tokens at least before.
fn tail_v48<'a>(tokens: &[&'a str]) -> Option<Tail<'a>> {
    let [.., debug, options, timeout, retries] = *tokens else {
        return None;
    };
    let head = tokens.len().checked_sub(4).filter(|&h| h >= 2)?;
    if !is_debug_slot(debug) || !is_options_slot(options) {
        return None;
    }
    let timeout = whole_number(timeout)?;
    let retries = u32::try_from(whole_number(retries)?).ok()?;
    Some(Tail {
        form: Form::V48,
        debug,
        options,
        timeout: Some(timeout),
        retries: Some(retries),
        head,
    })
}

/// `... debug options`, with two tokens at least before.
fn tail_v47<'a>(tokens: &[&'a str]) -> Option<Tail<'a>> {
    let [.., debug, options] = *tokens else {
        return None;
    };
    let head = tokens.len().checked_sub(2).filter(|&h| h >= 2)?;
    (is_debug_slot(debug) && is_options_slot(options)).then_some(Tail {
        form: Form::V47,
        debug,
        options,
        timeout: None,
        retries: None,
        head,
    })
}

/// `... debug`, with two tokens at least before.
fn tail_legacy<'a>(tokens: &[&'a str]) -> Option<Tail<'a>> {
    let [.., debug] = *tokens else { return None };
    let head = tokens.len().checked_sub(1).filter(|&h| h >= 2)?;
    is_debug_slot(debug).then_some(Tail {
        form: Form::Legacy,
        debug,
        options: "",
        timeout: None,
        retries: None,
        head,
    })
}

fn is_debug_slot(token: &str) -> bool {
    token.is_empty() || token == "debug"
}

fn is_options_slot(token: &str) -> bool {
    token.is_empty() || token.ends_with(".options")
}

fn whole_number(token: &str) -> Option<u64> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if digits { token.parse().ok() } else { None }
}

/// Splits the pieces holding the key and the hook URL (two at least), as
/// [`Invocation::parse`] documents.
fn split_key_and_url(pieces: &[&str]) -> (String, String) {
    let at = match pieces {
        [_, _] => 1,
        _ => pieces
            .iter()
            .skip(1)
            .position(|p| p.contains("://"))
            .map_or(pieces.len() - 1, |i| i + 1),
    };
    (pieces[..at].join(" "), pieces[at..].join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let secret = Secret::new("s3cr3t-key");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let run = Invocation::parse(["/tmp/a.alert", "s3cr3t-key", "", ""]).unwrap();
        assert!(!format!("{run:?}").contains("s3cr3t"));
    }

    #[test]
    fn the_url_starts_at_the_piece_with_a_scheme() {
        let split = split_key_and_url(&["my", "key", "https://misp.example/x", "y"]);
        assert_eq!(
            split,
            ("my key".to_owned(), "https://misp.example/x y".to_owned())
        );
    }

    #[test]
    fn without_a_scheme_the_last_piece_is_the_url() {
        let split = split_key_and_url(&["a", "b", "c", "/var/ossec/etc/feed"]);
        assert_eq!(
            split,
            ("a b c".to_owned(), "/var/ossec/etc/feed".to_owned())
        );
        let split = split_key_and_url(&["a", "b", ""]);
        assert_eq!(split, ("a b".to_owned(), String::new()));
    }

    #[test]
    fn only_plain_digits_are_numbers() {
        assert_eq!(whole_number("10"), Some(10));
        assert_eq!(whole_number("+3"), None);
        assert_eq!(whole_number(""), None);
        assert_eq!(whole_number("3 > /dev/null"), None);
    }
}
