//! Deciding what to ask about an alert: the observables worth a lookup, after
//! the enrichment rules and the local warninglists. The query is built by
//! the caller, for the observables it still has to ask about.

use crate::exit::{Exit, Failure};
use crate::options::Options;
use enrich_core::{Kind, Observable};
use log::debug;
use misp_client::Attribute;
use misp_client::warninglist::Warninglists;
use serde_json::Value;
use wazuh_alert::Alert;

/// The lookup planned for one alert.
pub struct Plan {
    /// The observables to ask about.
    pub observables: Vec<Observable>,
    /// Observables kept although a warninglist names them (option
    /// `warninglist_action` = `report`), with the list's name.
    pub listed: Vec<(String, String)>,
}

/// Plans the lookup for `alert`; `None` when there is nothing to ask (our own
/// event, no observable, or every one filtered out).
pub fn plan(
    alert: &Alert,
    config: &enrich_core::Prepared,
    options: &Options,
) -> Result<Option<Plan>, Failure> {
    if enrich_core::is_own_event(alert) {
        debug!(
            "alert {}: an event of this integration, left alone",
            alert.id()
        );
        return Ok(None);
    }
    let mut observables = enrich_core::extract(alert, config);
    let mut listed = Vec::new();
    if !options.warninglists.is_empty() && !observables.is_empty() {
        let lists = load_warninglists(options)?;
        observables.retain(|o| match first_hit(&lists, o) {
            None => true,
            Some(name) if options.warninglist_report() => {
                listed.push((o.value.clone(), name));
                true
            }
            Some(name) => {
                debug!(
                    "alert {}: {} is on warninglist {name}, skipped",
                    alert.id(),
                    o.value
                );
                false
            }
        });
    }

    if observables.is_empty() {
        debug!("alert {}: nothing to look up", alert.id());
        return Ok(None);
    }
    Ok(Some(Plan {
        observables,
        listed,
    }))
}

impl Plan {
    /// The events for MISP's answer, each match naming the warninglist that
    /// lists its value when there is one.
    pub fn respond(
        &self,
        alert: &Alert,
        attributes: &[Attribute],
        config: &enrich_core::Prepared,
    ) -> Vec<Value> {
        let mut events = enrich_core::respond(alert, &self.observables, attributes, config);
        for event in &mut events {
            let Some(misp) = event.get_mut("misp").and_then(Value::as_object_mut) else {
                continue;
            };
            let value = misp.get("value").and_then(Value::as_str).unwrap_or("");
            if let Some((_, list)) = self.listed.iter().find(|(v, _)| v == value) {
                misp.insert("warninglist".into(), Value::String(list.clone()));
            }
        }
        events
    }
}

/// Reads every warninglist folder the options name.
fn load_warninglists(options: &Options) -> Result<Vec<Warninglists>, Failure> {
    options
        .warninglists
        .iter()
        .map(|dir| Warninglists::load_dir(dir).map_err(|e| Failure::new(Exit::Usage, &e)))
        .collect()
}

/// The name of the first list that holds the observable's value.
fn first_hit(lists: &[Warninglists], observable: &Observable) -> Option<String> {
    let misp_type = match observable.kind {
        Kind::Ip => "ip-dst",
        other => other.as_str(),
    };
    lists
        .iter()
        .flat_map(|l| l.check(&observable.value, Some(misp_type)))
        .map(|hit| hit.name)
        .next()
}
