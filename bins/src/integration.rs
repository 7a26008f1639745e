//! The integration itself: what runs when wazuh-integratord executes
//! `<root>/integrations/custom-misp` for an alert.
//!
//! The whole run is held to one deadline, integratord's `timeout`: MISP
//! requests never start after it, and a watchdog ends the process (with an
//! error event) if anything still runs shortly after it.

use crate::cache::{BreakerState, Cache};
use crate::exit::{Exit, Failure, chain};
use crate::options::Options;
use crate::send::Sender;
use crate::source::{self, Source};
use crate::{logging, memory, screen};
use log::{debug, error, warn};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wazuh_alert::{Alert, Invocation, Paths};

/// integratord's default `timeout` when the argv has none (before 4.8).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long before the deadline MISP must have answered, so that there is
/// still time to send the events.
const SEND_RESERVE: Duration = Duration::from_millis(300);

/// How long after the deadline the watchdog waits before it ends the run.
const WATCHDOG_GRACE: Duration = Duration::from_millis(700);

/// Runs one alert as integratord asks, and returns how it ended. `args` is
/// the argv after `argv[0]`.
pub fn run(args: Vec<OsString>) -> Exit {
    let started = Instant::now();
    let invocation = match Invocation::parse(args) {
        Ok(inv) => inv,
        Err(e) => {
            logging::to_file(&Paths::new(wazuh_root(None)).integrations_log(), false);
            return fail(&Failure::new(Exit::Usage, &e));
        }
    };

    // Options first: they may move the Wazuh root, and so the log file.
    let options = match &invocation.options_file {
        Some(path) => Options::from_file(path),
        None => Ok(Options::default()),
    };
    let root = wazuh_root(options.as_ref().ok());
    let paths = Paths::new(root);
    let debug = invocation.debug || options.as_ref().is_ok_and(|o| o.debug);
    logging::to_file(&paths.integrations_log(), debug);
    let options = match options {
        Ok(options) => options,
        Err(e) => return fail(&Failure::new(Exit::Usage, &e)),
    };

    let alert = match Alert::read_file(&invocation.alert_file) {
        Ok(alert) => alert,
        Err(e) => return fail(&Failure::new(Exit::Alert, &e)),
    };
    let timeout = invocation.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let sender = Sender::new(paths.queue_socket(), &alert, started + timeout);

    match enrich(
        &invocation,
        &options,
        &alert,
        &sender,
        &paths,
        started + timeout,
    ) {
        Ok(sent) => {
            debug!("alert {}: done, {sent} event(s) sent", alert.id());
            Exit::Handled
        }
        Err(failure) => fail(&failure),
    }
}

/// Looks the alert up and sends what there is to send; returns how many
/// events went out.
///
/// Values the cache knows cost no request; the others are asked in one
/// search, unless the circuit breaker says MISP failed moments ago. Cached
/// matches are reported even when MISP fails for the rest.
fn enrich(
    invocation: &Invocation,
    options: &Options,
    alert: &Alert,
    sender: &Sender,
    paths: &Paths,
    deadline: Instant,
) -> Result<usize, Failure> {
    let config = options
        .compiled()
        .map_err(|e| Failure::new(Exit::Usage, &e))?;
    let Some(plan) = screen::plan(alert, &config, options)? else {
        return Ok(0);
    };
    let key = invocation
        .api_key
        .as_ref()
        .map(|k| misp_client::ApiKey::new(k.expose()));
    let settings = source::Settings {
        url: invocation.hook_url.clone(),
        key,
        verify_tls: true,
        retries: invocation.retries,
        deadline: Some(deadline.checked_sub(SEND_RESERVE).unwrap_or(deadline)),
        ..Default::default()
    }
    .with_options(options);
    let source = match Source::open(settings) {
        Ok(source) => source,
        Err(failure) => {
            // Found after the alert was read, a configuration failure is
            // worth an event too: it is how a Wazuh admin sees it.
            sender.send_error(alert, "config", &failure.message)?;
            return Err(failure);
        }
    };

    let cache = memory::open(options, &paths.root);
    let key = invocation.api_key.as_ref().map(|k| k.expose());
    let scope = memory::scope(&source.id(), key, &config);
    let recall = memory::recall(cache.as_ref(), &scope, &plan.observables);
    let mut attributes = recall.attributes;
    let failure = match enrich_core::build_query(&recall.misses, &config) {
        None => None,
        Some(query) => {
            sender.arm_watchdog(deadline + WATCHDOG_GRACE, alert);
            ask(
                &source,
                &query,
                cache.as_ref(),
                &scope,
                &recall.misses,
                alert.id(),
            )
            .map(|fresh| attributes.extend(fresh))
            .err()
        }
    };

    let mut events = plan.respond(alert, &attributes, &config);
    let Some((code, message)) = failure else {
        return sender.send_all(&events);
    };
    events.push(enrich_core::error_event(alert, &code, &message));
    if let Err(socket) = sender.send_all(&events) {
        warn!(
            "alert {}: the error event was not sent: {socket}",
            alert.id()
        );
    }
    Err(Failure::msg(Exit::Misp, message))
}

/// Asks the source, minding and feeding the breaker and the cache. A
/// failure comes back as its error code and message.
fn ask(
    source: &Source,
    query: &misp_client::SearchQuery,
    cache: Option<&Cache>,
    scope: &str,
    asked: &[enrich_core::Observable],
    alert_id: &str,
) -> Result<Vec<misp_client::Attribute>, (String, String)> {
    let breaker = source.id();
    let state = cache.map(|c| c.breaker(&breaker));
    if let Some(BreakerState::Open { last_error, .. }) = state {
        let message = format!(
            "{breaker} failed moments ago ({last_error}); not asked again until its cool-down ends"
        );
        return Err((last_error, message));
    }

    debug!(
        "alert {alert_id}: asking {breaker} for {} value(s)",
        query.value.len()
    );
    match source.search(query) {
        Ok(fresh) => {
            if let Some(cache) = cache {
                // A closed breaker has nothing stored to clear: only the
                // probing run writes.
                if state == Some(BreakerState::HalfOpen) {
                    cache.record_success(&breaker);
                }
                memory::remember(cache, scope, asked, &fresh);
            }
            Ok(fresh)
        }
        Err(e) => {
            if let Some(cache) = cache.filter(|_| e.is_transient()) {
                cache.record_failure(&breaker, e.code());
            }
            Err((e.code().to_owned(), chain(&e)))
        }
    }
}

/// Logs a failure and prints it as the last line of output, for integratord.
fn fail(failure: &Failure) -> Exit {
    error!("{failure}");
    eprintln!("custom-misp: {failure}");
    failure.exit
}

/// The Wazuh root: the `wazuh_root` option, else the folder above the
/// executable's `integrations/`, else `/var/ossec`.
fn wazuh_root(options: Option<&Options>) -> PathBuf {
    if let Some(root) = options.and_then(|o| o.wazuh_root.clone()) {
        return root;
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| wazuh_alert::root_from_executable(&exe))
        .unwrap_or_else(|| PathBuf::from(wazuh_alert::DEFAULT_ROOT))
}
