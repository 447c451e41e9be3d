//! The rules that write what the alerts did into the log of each open incident: a
//! linked alert that is gone resolved (or is no longer reported, when its source was
//! down in between: a restarted Alertmanager forgets its alerts); a linked alert that
//! is back fires again; a new alert that matches an open incident's service and
//! region fired. Pure: the TUI applies them to each poll today, `sitrep watch` will
//! apply them with nobody looking. Nothing is logged from a source's first answer
//! (there is nothing to compare with) or from a failure (nothing is known).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::alert::{Alert, AlertEvent};
use super::{Incident, IncidentId, NewEntry};

/// What a gone alert was, kept while an incident links it so its log can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub name: String,
    pub service: Option<String>,
}

/// What one source's good answer changed since its previous one.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub at: DateTime<Utc>,
    /// The source's first good answer: nothing to compare with, nothing is logged.
    pub first_answer: bool,
    /// The source failed since its previous good answer.
    pub after_outage: bool,
    /// In this answer and not in the previous one.
    pub arrived: &'a [Arc<Alert>],
    /// In the previous answer and not in this one.
    pub gone: &'a [Arc<Alert>],
}

/// The open incidents linking each fingerprint.
pub fn open_links(incidents: &[Incident]) -> HashMap<&str, Vec<IncidentId>> {
    let mut links: HashMap<&str, Vec<IncidentId>> = HashMap::new();
    for incident in incidents.iter().filter(|i| i.status.is_open()) {
        for fp in &incident.linked_alerts {
            links.entry(fp.as_str()).or_default().push(incident.id);
        }
    }
    links
}

/// The rules, with what they remember between answers: the linked alerts that left.
#[derive(Debug, Clone, Default)]
pub struct AlertRules {
    known: HashMap<String, Known>,
}

impl AlertRules {
    /// What was last seen of a linked alert that is gone.
    pub fn known(&self, fingerprint: &str) -> Option<&Known> {
        self.known.get(fingerprint)
    }

    /// The entries `answer` makes for the open `incidents`. `before(fp)`: any source
    /// reported the alert before this answer; `now(fp)`: the alert as every source
    /// reports it now (one seen through another source is not gone).
    pub fn apply<'n>(
        &mut self,
        answer: &Answer<'_>,
        before: impl Fn(&str) -> bool,
        now: impl Fn(&str) -> Option<&'n Alert>,
        incidents: &[Incident],
    ) -> Vec<(IncidentId, NewEntry)> {
        let mut entries = Vec::new();
        let links = open_links(incidents);
        let linked_anywhere: HashSet<&str> = incidents
            .iter()
            .flat_map(|i| i.linked_alerts.iter().map(String::as_str))
            .collect();
        for gone in answer.gone.iter().filter(|g| now(&g.fingerprint).is_none()) {
            if linked_anywhere.contains(gone.fingerprint.as_str()) {
                self.known.insert(
                    gone.fingerprint.clone(),
                    Known {
                        name: gone.name.clone(),
                        service: gone.service.clone(),
                    },
                );
            }
            if answer.first_answer {
                continue;
            }
            let event = if answer.after_outage {
                AlertEvent::NoLongerReported
            } else {
                AlertEvent::Resolved
            };
            for id in links.get(gone.fingerprint.as_str()).into_iter().flatten() {
                entries.push((*id, NewEntry::alert_event(event.text(gone), answer.at)));
            }
        }
        if !answer.first_answer {
            let open: Vec<&Incident> = incidents.iter().filter(|i| i.status.is_open()).collect();
            for fired in answer.arrived {
                if before(&fired.fingerprint) {
                    // Moved between sources: not news.
                    continue;
                }
                if let Some(ids) = links.get(fired.fingerprint.as_str()) {
                    for id in ids {
                        let text = AlertEvent::FiringAgain.text(fired);
                        entries.push((*id, NewEntry::alert_event(text, answer.at)));
                    }
                    continue;
                }
                for incident in open.iter().filter(|i| self.matches(i, fired, &now)) {
                    let text = AlertEvent::Matched.text(fired);
                    entries.push((incident.id, NewEntry::alert_event(text, answer.at)));
                }
            }
        }
        for arrived in answer.arrived {
            self.known.remove(&arrived.fingerprint);
        }
        entries
    }

    /// [`AlertRules::apply`] to one built answer: `before` is the merged set before
    /// it, `now` after. The TUI's board and `sitrep watch` both call this.
    pub fn apply_change(
        &mut self,
        change: &super::alert_set::Change,
        before: &super::alert_set::AlertSet,
        now: &super::alert_set::AlertSet,
        incidents: &[Incident],
    ) -> Vec<(IncidentId, NewEntry)> {
        let answer = Answer {
            at: change.at,
            first_answer: change.first_answer,
            after_outage: change.after_outage,
            arrived: &change.arrived,
            gone: &change.gone,
        };
        self.apply(
            &answer,
            |fp| before.contains(fp),
            |fp| now.get(fp).map(|a| &**a),
            incidents,
        )
    }

    /// A new alert matches an open incident it is not linked to when its region is
    /// one of the incident's and its service is the service of an alert linked to it.
    fn matches<'n>(
        &self,
        incident: &Incident,
        alert: &Alert,
        now: &impl Fn(&str) -> Option<&'n Alert>,
    ) -> bool {
        if incident.linked_alerts.contains(&alert.fingerprint)
            || super::escalation::paged_incident(alert).is_some()
        {
            return false;
        }
        let in_region = alert
            .region
            .as_ref()
            .is_some_and(|r| incident.regions.contains(r));
        let same_service = alert.service.as_ref().is_some_and(|service| {
            incident.linked_alerts.iter().any(|fp| {
                let linked = match now(fp) {
                    Some(a) => a.service.as_ref(),
                    None => self.known.get(fp).and_then(|k| k.service.as_ref()),
                };
                linked == Some(service)
            })
        });
        in_region && same_service
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::{normalize, LabelMapping, RawAlert};
    use crate::domain::{Declaration, NewIncident, Severity};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap()
    }

    fn alert(fp: &str, service: &str, region: &str) -> Arc<Alert> {
        let labels = [
            ("alertname", "RoomDown"),
            ("service", service),
            ("region", region),
            ("severity", "critical"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Arc::new(normalize(
            "eu",
            RawAlert {
                fingerprint: fp.into(),
                labels,
                starts_at: Some(t(0)),
                ..RawAlert::default()
            },
            &LabelMapping::default(),
        ))
    }

    fn incident(linked: &[&str]) -> Incident {
        NewIncident::declare(
            Declaration {
                title: "room is down".into(),
                severity: Some(Severity::P1),
                regions: vec!["eu".into()],
                linked_alerts: linked.iter().map(|s| s.to_string()).collect(),
                ..Declaration::default()
            },
            "alice",
            t(0),
        )
        .unwrap()
        .into_incident(IncidentId(1))
    }

    /// Without a board or a screen: a linked alert that leaves resolves, one that
    /// comes back fires again, a new alert of the linked one's service and region
    /// matches, and a source's first answer logs nothing.
    #[test]
    fn the_rules_need_no_tui() {
        let linked = alert("a", "room", "eu");
        let incidents = vec![incident(&["a"])];
        let mut rules = AlertRules::default();
        let none = |_: &str| None;
        let first = Answer {
            at: t(1),
            first_answer: true,
            after_outage: false,
            arrived: std::slice::from_ref(&linked),
            gone: &[],
        };
        assert!(rules
            .apply(&first, |_| false, |_| Some(&*linked), &incidents)
            .is_empty());
        let gone = Answer {
            at: t(2),
            first_answer: false,
            after_outage: false,
            arrived: &[],
            gone: std::slice::from_ref(&linked),
        };
        let entries = rules.apply(&gone, |_| true, none, &incidents);
        assert_eq!(entries.len(), 1);
        assert!(
            entries[0].1.text.starts_with("alert resolved: RoomDown"),
            "{entries:?}"
        );
        assert_eq!(rules.known("a").map(|k| k.name.as_str()), Some("RoomDown"));
        let other = alert("b", "room", "eu");
        let back = [Arc::clone(&linked), Arc::clone(&other)];
        let answer = Answer {
            at: t(3),
            first_answer: false,
            after_outage: false,
            arrived: &back,
            gone: &[],
        };
        let texts: Vec<String> = rules
            .apply(
                &answer,
                |_| false,
                |fp| back.iter().find(|a| a.fingerprint == fp).map(|a| &**a),
                &incidents,
            )
            .into_iter()
            .map(|(_, e)| e.text)
            .collect();
        assert!(
            texts[0].starts_with("alert firing again: RoomDown"),
            "{texts:?}"
        );
        assert!(
            texts[1].starts_with("alert fired: RoomDown [room eu] matches this incident"),
            "{texts:?}"
        );
    }
}
