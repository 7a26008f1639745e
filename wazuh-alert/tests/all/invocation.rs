//! integratord's argv, in each Wazuh version's form, and with a key or URL
//! holding spaces. The argument lists mirror argv dumps taken from a real
//! wazuh-integratord 4.14 (values changed).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::time::Duration;

use wazuh_alert::{Form, Invocation, InvocationError};

const ALERT: &str = "/tmp/custom-misp-1773483342-1804289383.alert";
const OPTIONS: &str = "/tmp/custom-misp-1773483342--846930886.options";
const URL: &str = "https://misp.example.org/";
const REDIRECT: &str = "> /dev/null 2>&1";

fn parse(args: &[&str]) -> Invocation {
    Invocation::parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn key(run: &Invocation) -> Option<&str> {
    run.api_key.as_ref().map(|k| k.expose())
}

#[test]
fn wazuh_4_8_without_debug() {
    let run = parse(&[ALERT, "KEY123", URL, "", OPTIONS, "10", "3", REDIRECT]);
    assert_eq!(run.form, Form::V48);
    assert_eq!(run.alert_file, Path::new(ALERT));
    assert_eq!(key(&run), Some("KEY123"));
    assert_eq!(run.hook_url.as_deref(), Some(URL));
    assert!(!run.debug);
    assert_eq!(run.options_file.as_deref(), Some(Path::new(OPTIONS)));
    assert_eq!(run.timeout, Some(Duration::from_secs(10)));
    assert_eq!(run.retries, Some(3));
}

#[test]
fn wazuh_4_8_in_debug_mode_has_no_redirection() {
    let run = parse(&[ALERT, "KEY123", URL, "debug", OPTIONS, "30", "0"]);
    assert_eq!(run.form, Form::V48);
    assert!(run.debug);
    assert_eq!(run.timeout, Some(Duration::from_secs(30)));
    assert_eq!(run.retries, Some(0));
}

#[test]
fn wazuh_4_8_with_nothing_configured() {
    let run = parse(&[ALERT, "", "", "", "", "10", "3", REDIRECT]);
    assert_eq!(run.form, Form::V48);
    assert_eq!(run.api_key, None);
    assert_eq!(run.hook_url, None);
    assert_eq!(run.options_file, None);
    assert_eq!(run.retries, Some(3));
}

// Regression: a key holding a space shifted every later field, and the
// last one came as "3 > /dev/null 2>&1" (seen in a real argv dump).
#[test]
fn a_key_with_a_space_and_no_url_is_rebuilt() {
    let run = parse(&[ALERT, "KEY", "123", "", "", "", "10", "3 > /dev/null 2>&1"]);
    assert_eq!(run.form, Form::V48);
    assert_eq!(key(&run), Some("KEY 123"));
    assert_eq!(run.hook_url, None);
    assert_eq!(run.options_file, None);
    assert!(!run.debug);
    assert_eq!(
        (run.timeout, run.retries),
        (Some(Duration::from_secs(10)), Some(3))
    );
}

#[test]
fn a_key_with_spaces_before_a_url_is_rebuilt() {
    let run = parse(&[
        ALERT,
        "my",
        "api",
        "key",
        URL,
        "",
        OPTIONS,
        "10 3 > /dev/null 2>&1",
    ]);
    assert_eq!(key(&run), Some("my api key"));
    assert_eq!(run.hook_url.as_deref(), Some(URL));
    assert_eq!(run.options_file.as_deref(), Some(Path::new(OPTIONS)));
    assert_eq!(run.retries, Some(3));

    let run = parse(&[ALERT, "KEY", "123", URL, "debug", OPTIONS, "10", "3"]);
    assert_eq!(key(&run), Some("KEY 123"));
    assert!(run.debug);
}

#[test]
fn a_key_with_a_trailing_space_keeps_it() {
    let run = parse(&[
        ALERT,
        "KEY123",
        "",
        URL,
        "",
        OPTIONS,
        "10",
        "3 > /dev/null 2>&1",
    ]);
    assert_eq!(key(&run), Some("KEY123 "));
    assert_eq!(run.hook_url.as_deref(), Some(URL));
}

#[test]
fn a_url_with_a_space_stays_one_url() {
    let run = parse(&[
        ALERT,
        "KEY123",
        "https://misp.example.org/my",
        "path/",
        "",
        OPTIONS,
        "10",
        "3 > /dev/null 2>&1",
    ]);
    assert_eq!(key(&run), Some("KEY123"));
    assert_eq!(
        run.hook_url.as_deref(),
        Some("https://misp.example.org/my path/")
    );
}

#[test]
fn wazuh_4_7_has_options_but_no_timeout() {
    let run = parse(&[ALERT, "KEY123", URL, "", OPTIONS, REDIRECT]);
    assert_eq!(run.form, Form::V47);
    assert_eq!(run.options_file.as_deref(), Some(Path::new(OPTIONS)));
    assert_eq!((run.timeout, run.retries), (None, None));

    let run = parse(&[ALERT, "KEY123", URL, "debug", OPTIONS]);
    assert_eq!(run.form, Form::V47);
    assert!(run.debug);
}

#[test]
fn before_4_7_only_key_url_and_debug() {
    // The last of five fields keeps the rest of the line, leading space and
    // all, when the debug flag is empty.
    let run = parse(&[ALERT, "KEY123", URL, " > /dev/null 2>&1"]);
    assert_eq!(run.form, Form::Legacy);
    assert_eq!(key(&run), Some("KEY123"));
    assert_eq!(run.hook_url.as_deref(), Some(URL));
    assert!(!run.debug);
    assert_eq!(run.options_file, None);
    assert_eq!(run.timeout, None);

    let run = parse(&[ALERT, "KEY123", URL, "debug"]);
    assert_eq!(run.form, Form::Legacy);
    assert!(run.debug);
}

#[test]
fn before_4_7_a_key_with_a_space_and_no_url() {
    // "KEY 123" and an empty URL and debug flag: five fields, the last
    // keeping two spaces before the redirection.
    let run = parse(&[ALERT, "KEY", "123", "  > /dev/null 2>&1"]);
    assert_eq!(run.form, Form::Legacy);
    assert_eq!(key(&run), Some("KEY 123"));
    assert_eq!(run.hook_url, None);
}

#[test]
fn only_an_alert_file() {
    let run = parse(&[ALERT]);
    assert_eq!(run.form, Form::AlertOnly);
    assert_eq!(run.alert_file, Path::new(ALERT));
    assert_eq!((run.api_key, run.hook_url, run.debug), (None, None, false));
}

#[test]
fn the_alert_file_may_be_any_bytes() {
    let odd = OsString::from_vec(b"/tmp/custom-misp-\xff.alert".to_vec());
    let run = Invocation::parse([odd.clone(), "".into(), "".into(), "".into()]).unwrap();
    assert_eq!(run.alert_file.as_os_str(), odd);
}

#[test]
fn no_alert_file_is_an_error() {
    let none: [&str; 0] = [];
    assert_eq!(
        Invocation::parse(none),
        Err(InvocationError::MissingAlertFile)
    );
    assert_eq!(
        Invocation::parse([""]),
        Err(InvocationError::MissingAlertFile)
    );
    assert_eq!(
        InvocationError::MissingAlertFile.code(),
        "argv_no_alert_file"
    );
}

#[test]
fn a_key_that_is_not_utf8_is_an_error_naming_its_position() {
    let bad = OsString::from_vec(vec![b'K', 0xff]);
    let err = Invocation::parse([ALERT.into(), bad, OsString::from(URL), "".into()]).unwrap_err();
    assert_eq!(err, InvocationError::NotUtf8 { position: 2 });
    assert_eq!(
        err.to_string(),
        "integratord arguments: argument 2 is not valid UTF-8"
    );
}

#[test]
fn arguments_that_fit_no_form_are_an_error_without_the_key() {
    for args in [
        &[ALERT, "s3cr3t"][..],
        &[ALERT, "s3cr3t", URL, "verbose", OPTIONS, "10", "3"],
        &[ALERT, "s3cr3t", URL, "", "/tmp/notes.txt"],
    ] {
        let err = Invocation::parse(args).unwrap_err();
        assert!(
            matches!(err, InvocationError::Unrecognised { .. }),
            "{args:?}: {err:?}"
        );
        assert!(!err.to_string().contains("s3cr3t"));
        assert_eq!(err.code(), "argv_unrecognised");
    }
}

#[test]
fn an_invocation_error_becomes_the_crate_error() {
    let err: wazuh_alert::Error = InvocationError::MissingAlertFile.into();
    assert_eq!(err.code(), "argv_no_alert_file");
    assert_eq!(err.to_string(), "integratord arguments: no alert file");
}
