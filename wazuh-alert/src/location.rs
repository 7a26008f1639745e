//! The location of an event sent to analysisd: which agent it belongs to.

use std::fmt;

use crate::alert::Agent;

/// The location header of an event: the bare name (`misp`) for the
/// manager, or `[<id>] (<name>) <ip or any>-><name>` so that analysisd
/// files the event under the agent the alert came from.
///
/// The text is kept as analysisd reports it; the escaping of `|` and `:`
/// that the datagram header needs is applied by
/// [`crate::encode_datagram`].
///
/// # Example
///
/// ```
/// use wazuh_alert::{Agent, Location};
///
/// let agent = Agent { id: "006".into(), name: "web-v6".into(), ip: Some("2001:db8::6".into()) };
/// let location = Location::for_alert(Some(&agent), "misp");
/// assert_eq!(location.as_str(), "[006] (web-v6) 2001:db8::6->misp");
/// assert_eq!(location.escaped(), "[006] (web-v6) 2001|:db8|:|:6->misp");
/// assert_eq!(Location::for_alert(None, "misp").as_str(), "misp");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location(String);

impl Location {
    /// The location for events about an alert of `agent`, sent under
    /// `name`. The manager (id `000`), an agent with an empty id, or no
    /// agent at all give the bare name; an agent without an address is
    /// written with `any`, as Wazuh does.
    pub fn for_alert(agent: Option<&Agent>, name: &str) -> Location {
        match agent {
            Some(agent) if !agent.is_manager() && !agent.id.is_empty() => {
                let ip = agent
                    .ip
                    .as_deref()
                    .filter(|ip| !ip.is_empty())
                    .unwrap_or("any");
                Location(format!("[{}] ({}) {ip}->{name}", agent.id, agent.name))
            }
            _ => Location(name.to_owned()),
        }
    }

    /// A location with exactly this text.
    pub fn new(text: impl Into<String>) -> Location {
        Location(text.into())
    }

    /// The location's text, unescaped.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as the datagram header carries it: `|` written `||` and
    /// `:` written `|:`.
    pub fn escaped(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + 8);
        for c in self.0.chars() {
            if c == '|' || c == ':' {
                out.push('|');
            }
            out.push(c);
        }
        out
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, ip: Option<&str>) -> Agent {
        Agent {
            id: id.into(),
            name: "web-01".into(),
            ip: ip.map(Into::into),
        }
    }

    #[test]
    fn an_agent_location_names_the_agent() {
        let location = Location::for_alert(Some(&agent("001", Some("192.0.2.10"))), "misp");
        assert_eq!(location.to_string(), "[001] (web-01) 192.0.2.10->misp");
    }

    #[test]
    fn an_agent_without_address_is_any() {
        let location = Location::for_alert(Some(&agent("001", None)), "misp");
        assert_eq!(location.as_str(), "[001] (web-01) any->misp");
        let location = Location::for_alert(Some(&agent("001", Some(""))), "misp");
        assert_eq!(location.as_str(), "[001] (web-01) any->misp");
    }

    #[test]
    fn the_manager_gets_the_bare_name() {
        assert_eq!(
            Location::for_alert(Some(&agent("000", None)), "misp").as_str(),
            "misp"
        );
        assert_eq!(
            Location::for_alert(Some(&agent("", None)), "misp").as_str(),
            "misp"
        );
    }

    #[test]
    fn escaping_doubles_pipes_and_guards_colons() {
        assert_eq!(Location::new(r"C:\logs|a").escaped(), r"C|:\logs||a");
    }
}
