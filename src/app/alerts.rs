//! The alert board: what every source says now, which alerts are new since the user
//! last looked, which are marked for declaring, and the timeline entries that alert
//! changes produce for open incidents. Pure: results come in as messages.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};

use crate::domain::alert::{sort_for_display, Alert, AlertState, LinkedAlert};
use crate::domain::health::SourceHealth;
use crate::domain::{Declaration, Incident, IncidentId, NewEntry, Severity};

/// One source as the TUI knows it.
#[derive(Debug, Clone)]
pub struct SourceView {
    pub name: String,
    pub demo: bool,
    pub poll_interval: StdDuration,
    pub health: SourceHealth,
    /// The alerts of its last good answer (kept, and shown as such, while it fails).
    pub alerts: Vec<Alert>,
    polled: bool,
}

impl SourceView {
    pub fn new(name: &str, demo: bool, poll_interval: StdDuration) -> Self {
        Self {
            name: name.to_string(),
            demo,
            poll_interval,
            health: SourceHealth::default(),
            alerts: Vec::new(),
            polled: false,
        }
    }
}

/// What an alert was, kept after it is gone so its incident's log can name it.
#[derive(Debug, Clone)]
struct Known {
    name: String,
    service: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AlertBoard {
    pub sources: Vec<SourceView>,
    /// Every source's alerts, P1 first.
    pub alerts: Vec<Alert>,
    first_seen: HashMap<String, DateTime<Utc>>,
    known: HashMap<String, Known>,
    /// Alerts first seen after this are marked new.
    pub last_look: Option<DateTime<Utc>>,
    pub selected: usize,
    /// Fingerprints chosen (Space) to declare one incident from.
    pub marked: BTreeSet<String>,
}

fn instance(alert: &Alert) -> String {
    let start = alert
        .starts_at
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "unknown start".into());
    format!("fingerprint {}, started {start}", alert.fingerprint)
}

fn place(alert: &Alert) -> String {
    let parts: Vec<&str> = [alert.service.as_deref(), alert.region.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" [{}]", parts.join(" "))
    }
}

impl AlertBoard {
    pub fn new(sources: Vec<SourceView>) -> Self {
        Self {
            sources,
            ..Self::default()
        }
    }

    pub fn is_demo(&self) -> bool {
        self.sources.iter().any(|s| s.demo)
    }

    pub fn is_new(&self, alert: &Alert) -> bool {
        match (self.first_seen.get(&alert.fingerprint), self.last_look) {
            (Some(first), Some(look)) => *first > look,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// The user has seen the board as it is now.
    pub fn looked(&mut self, at: DateTime<Utc>) {
        self.last_look = Some(at);
    }

    /// The open incident an alert is linked to, if any.
    pub fn incident_of(alert: &Alert, incidents: &[Incident]) -> Option<IncidentId> {
        incidents
            .iter()
            .find(|i| i.status.is_open() && i.linked_alerts.contains(&alert.fingerprint))
            .map(|i| i.id)
    }

    /// Firing P1 alerts that no open incident links: the thing not to miss.
    pub fn unlinked_p1<'a>(&'a self, incidents: &[Incident]) -> Vec<&'a Alert> {
        self.alerts
            .iter()
            .filter(|a| a.severity == Some(Severity::P1) && a.state == AlertState::Firing)
            .filter(|a| Self::incident_of(a, incidents).is_none())
            .collect()
    }

    /// Applies one poll result from `source`. Returns the entries to log: a linked
    /// alert that is gone resolved; a new alert that matches an open incident's
    /// service and region fired. Nothing is logged from a source's first answer
    /// (there is nothing to compare with) or from a failure (nothing is known).
    pub fn apply(
        &mut self,
        source: &str,
        result: Result<Vec<Alert>, String>,
        at: DateTime<Utc>,
        incidents: &[Incident],
    ) -> Vec<(IncidentId, NewEntry)> {
        let Some(view) = self.sources.iter_mut().find(|s| s.name == source) else {
            return Vec::new();
        };
        let alerts = match result {
            Ok(alerts) => alerts,
            Err(error) => {
                view.health.record_failure(error, at);
                return Vec::new();
            }
        };
        view.health.record_ok(at);
        let first_answer = !view.polled;
        view.polled = true;
        let before = std::mem::replace(&mut view.alerts, alerts.clone());
        let after = &alerts;
        let mut entries = Vec::new();
        if !first_answer {
            let open: Vec<&Incident> = incidents.iter().filter(|i| i.status.is_open()).collect();
            for gone in before
                .iter()
                .filter(|b| !after.iter().any(|a| a.fingerprint == b.fingerprint))
            {
                for incident in open
                    .iter()
                    .filter(|i| i.linked_alerts.contains(&gone.fingerprint))
                {
                    let text = format!(
                        "alert resolved: {}{} ({})",
                        gone.name,
                        place(gone),
                        instance(gone)
                    );
                    entries.push((incident.id, NewEntry::alert_event(text, at)));
                }
            }
            for fired in after
                .iter()
                .filter(|a| !before.iter().any(|b| b.fingerprint == a.fingerprint))
            {
                for incident in open.iter().filter(|i| self.matches(i, fired)) {
                    let text = format!(
                        "alert fired: {}{} matches this incident ({})",
                        fired.name,
                        place(fired),
                        instance(fired)
                    );
                    entries.push((incident.id, NewEntry::alert_event(text, at)));
                }
            }
        }
        for alert in after {
            self.first_seen
                .entry(alert.fingerprint.clone())
                .or_insert(at);
            self.known.insert(
                alert.fingerprint.clone(),
                Known {
                    name: alert.name.clone(),
                    service: alert.service.clone(),
                },
            );
        }
        self.rebuild();
        entries
    }

    /// A new alert matches an open incident it is not linked to when its region is
    /// one of the incident's and its service is the service of an alert linked to it.
    fn matches(&self, incident: &Incident, alert: &Alert) -> bool {
        if incident.linked_alerts.contains(&alert.fingerprint) {
            return false;
        }
        let in_region = alert
            .region
            .as_ref()
            .is_some_and(|r| incident.regions.contains(r));
        let same_service = alert.service.as_ref().is_some_and(|service| {
            incident
                .linked_alerts
                .iter()
                .filter_map(|fp| self.known.get(fp))
                .any(|k| k.service.as_ref() == Some(service))
        });
        in_region && same_service
    }

    fn rebuild(&mut self) {
        self.alerts = self
            .sources
            .iter()
            .flat_map(|s| s.alerts.iter().cloned())
            .collect();
        sort_for_display(&mut self.alerts);
        let present: BTreeSet<&String> = self.alerts.iter().map(|a| &a.fingerprint).collect();
        self.marked.retain(|fp| present.contains(fp));
        self.selected = self.selected.min(self.alerts.len().saturating_sub(1));
    }

    /// A linked alert as it stands now: `Name (firing)`, `Name (gone: resolved)` once
    /// it has left its source, or the bare fingerprint if this sitrep never saw it.
    pub fn describe(&self, fingerprint: &str) -> String {
        if let Some(alert) = self.alerts.iter().find(|a| a.fingerprint == fingerprint) {
            return format!("{} ({})", alert.name, alert.state);
        }
        match self.known.get(fingerprint) {
            Some(known) => format!("{} (resolved)", known.name),
            None => fingerprint.to_string(),
        }
    }

    /// Marks or unmarks the selected alert for declaring.
    pub fn toggle_mark(&mut self) {
        if let Some(alert) = self.alerts.get(self.selected) {
            let fp = alert.fingerprint.clone();
            if !self.marked.remove(&fp) {
                self.marked.insert(fp);
            }
        }
    }

    /// The alerts to declare from: the marked ones, else the selected one.
    pub fn chosen(&self) -> Vec<&Alert> {
        let marked: Vec<&Alert> = self
            .alerts
            .iter()
            .filter(|a| self.marked.contains(&a.fingerprint))
            .collect();
        if marked.is_empty() {
            self.alerts.get(self.selected).into_iter().collect()
        } else {
            marked
        }
    }
}

/// A declaration prefilled from alerts: title from the first, the highest severity,
/// their regions, the earliest start as trigger time, and their fingerprints linked.
pub fn declaration_from(alerts: &[&Alert]) -> Declaration {
    let Some(first) = alerts.first() else {
        return Declaration::default();
    };
    let what = first.summary.clone().unwrap_or_else(|| first.name.clone());
    let mut title = match &first.service {
        Some(service) => format!("{service}: {what}"),
        None => what,
    };
    if alerts.len() > 1 {
        title.push_str(&format!(" (+{} more alerts)", alerts.len() - 1));
    }
    let mut regions: Vec<String> = Vec::new();
    for region in alerts.iter().filter_map(|a| a.region.clone()) {
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    let severity = if alerts.iter().any(|a| a.severity == Some(Severity::P1)) {
        Severity::P1
    } else {
        Severity::P2
    };
    Declaration {
        title,
        severity: Some(severity),
        regions,
        trigger_time: alerts.iter().filter_map(|a| a.starts_at).min(),
        linked_alerts: alerts.iter().map(|a| a.fingerprint.clone()).collect(),
        alerts: alerts.iter().map(|a| LinkedAlert::from(*a)).collect(),
        ..Declaration::default()
    }
}
