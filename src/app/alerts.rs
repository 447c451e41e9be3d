//! The alert board: what every source says now, which alerts are new since the user
//! last looked, which are marked for declaring. Each poll is run through
//! `domain::alert_rules`, which decide the timeline entries alert changes make for
//! open incidents; the board keeps only the view. Pure: results come in as messages.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};

use crate::domain::alert::Alert;
use crate::domain::alert_rules::{open_links, AlertRules};
use crate::domain::alert_set::{AlertSet, Built, Group};
use crate::domain::health::SourceHealth;
use crate::domain::{Incident, IncidentId, NewEntry};

/// One source as the TUI knows it.
#[derive(Debug, Clone)]
pub struct SourceView {
    pub name: String,
    pub demo: bool,
    pub poll_interval: StdDuration,
    pub health: SourceHealth,
    /// Alerts in its last good answer (kept, and shown as such, while it fails).
    pub count: usize,
    /// Alerts that arrived and left between its last two good answers.
    pub last_change: Option<(usize, usize)>,
}

impl SourceView {
    pub fn new(name: &str, demo: bool, poll_interval: StdDuration) -> Self {
        Self {
            name: name.to_string(),
            demo,
            poll_interval,
            health: SourceHealth::default(),
            count: 0,
            last_change: None,
        }
    }
}

/// A row of the alerts pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRef {
    /// A group of alerts of one name (an index into [`AlertSet::groups`]).
    Group(usize),
    /// One alert (an index into [`AlertSet::alerts`]).
    Alert(usize),
}

#[derive(Debug, Clone, Default)]
pub struct AlertBoard {
    pub sources: Vec<SourceView>,
    set: Arc<AlertSet>,
    /// The rules that log what alerts did, and what they remember between polls.
    rules: AlertRules,
    /// Alerts first seen after this are marked new.
    pub last_look: Option<DateTime<Utc>>,
    /// Index into the rows shown (alerts, or groups and their open members).
    pub selected: usize,
    /// Fingerprints chosen (Space) to declare one incident from.
    pub marked: BTreeSet<String>,
    /// Alerts are shown grouped by name.
    pub grouped: bool,
    /// Names of the groups shown open.
    expanded: BTreeSet<String>,
    /// The rows when grouped.
    rows: Vec<RowRef>,
}

impl AlertBoard {
    /// Since when `source` has been failing: its alerts are from its last good
    /// answer, and may no longer be true.
    pub fn stale_since(&self, source: &str) -> Option<DateTime<Utc>> {
        self.sources
            .iter()
            .find(|s| s.name == source)
            .and_then(|s| s.health.failing_since)
    }

    pub fn new(sources: Vec<SourceView>) -> Self {
        Self {
            sources,
            ..Self::default()
        }
    }

    pub fn is_demo(&self) -> bool {
        self.sources.iter().any(|s| s.demo)
    }

    /// Every source's alerts, P1 first.
    pub fn alerts(&self) -> &[Arc<Alert>] {
        &self.set.alerts
    }

    pub fn set(&self) -> &AlertSet {
        &self.set
    }

    /// How many rows the alerts pane has.
    pub fn row_count(&self) -> usize {
        if self.grouped {
            self.rows.len()
        } else {
            self.set.alerts.len()
        }
    }

    pub fn row(&self, i: usize) -> Option<RowRef> {
        if self.grouped {
            self.rows.get(i).copied()
        } else {
            (i < self.set.alerts.len()).then_some(RowRef::Alert(i))
        }
    }

    pub fn is_expanded(&self, group: &Group) -> bool {
        self.expanded.contains(&group.name)
    }

    /// The alert on the selected row, if it is an alert.
    pub fn selected_alert(&self) -> Option<&Arc<Alert>> {
        match self.row(self.selected)? {
            RowRef::Alert(i) => self.set.alerts.get(i),
            RowRef::Group(_) => None,
        }
    }

    pub fn is_new(&self, alert: &Alert) -> bool {
        match (self.set.first_seen(&alert.fingerprint), self.last_look) {
            (Some(first), Some(look)) => first > look,
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
        let paged = crate::domain::escalation::paged_incident(alert);
        incidents
            .iter()
            .find(|i| {
                i.status.is_open()
                    && (i.linked_alerts.contains(&alert.fingerprint) || paged == Some(i.id))
            })
            .map(|i| i.id)
    }

    /// Firing P1 alerts that no open incident links: the thing not to miss.
    pub fn unlinked_p1<'a>(&'a self, incidents: &[Incident]) -> Vec<&'a Alert> {
        if self.set.p1_firing.is_empty() {
            return Vec::new();
        }
        let links = open_links(incidents);
        self.set
            .p1_firing
            .iter()
            .map(|&i| &*self.set.alerts[i])
            .filter(|a| !links.contains_key(a.fingerprint.as_str()))
            // sitrep's own page for an open incident is that incident's.
            .filter(|a| {
                crate::domain::escalation::paged_incident(a)
                    .is_none_or(|id| !incidents.iter().any(|i| i.id == id && i.status.is_open()))
            })
            .collect()
    }

    /// Alerts that arrived and left between the last two answers, over every source.
    pub fn last_change(&self) -> Option<(usize, usize)> {
        self.sources
            .iter()
            .filter_map(|s| s.last_change)
            .reduce(|a, b| (a.0 + b.0, a.1 + b.1))
    }

    /// Applies one poll result, built off the loop. Returns the entries to log: a
    /// linked alert that is gone resolved (or is no longer reported, when its source
    /// was down in between: a restarted Alertmanager forgets its alerts); a linked
    /// alert that is back fires again; a new alert that matches an open incident's
    /// service and region fired. Nothing is logged from a source's first answer
    /// (there is nothing to compare with) or from a failure (nothing is known).
    pub fn apply(&mut self, built: Built, incidents: &[Incident]) -> Vec<(IncidentId, NewEntry)> {
        let Built { set, change } = built;
        let Some(view) = self.sources.iter_mut().find(|s| s.name == change.source) else {
            return Vec::new();
        };
        if let Err(error) = change.result {
            view.health.record_failure(error, change.at);
            return Vec::new();
        }
        view.health.record_ok_after(change.at, change.took);
        view.count = change.count;
        view.last_change =
            (!change.first_answer).then_some((change.arrived.len(), change.gone.len()));
        let Some(set) = set else {
            return Vec::new();
        };
        let old = std::mem::replace(&mut self.set, set);
        let entries = self.rules.apply_change(&change, &old, &self.set, incidents);
        let set = Arc::clone(&self.set);
        self.marked.retain(|fp| set.contains(fp));
        self.rebuild_rows();
        entries
    }

    /// Shows alerts grouped by name, or one per row.
    pub fn toggle_grouped(&mut self) {
        self.grouped = !self.grouped;
        self.selected = 0;
        self.rebuild_rows();
    }

    /// Opens or closes the selected group.
    pub fn toggle_expanded(&mut self) {
        if let Some(RowRef::Group(g)) = self.row(self.selected) {
            let name = self.set.groups[g].name.clone();
            if !self.expanded.remove(&name) {
                self.expanded.insert(name);
            }
            self.rebuild_rows();
        }
    }

    fn rebuild_rows(&mut self) {
        self.rows.clear();
        if self.grouped {
            let set = &self.set;
            self.expanded
                .retain(|name| set.groups.iter().any(|g| &g.name == name));
            for (g, group) in set.groups.iter().enumerate() {
                self.rows.push(RowRef::Group(g));
                if self.expanded.contains(&group.name) {
                    self.rows
                        .extend(group.members.iter().map(|&i| RowRef::Alert(i)));
                }
            }
        }
        self.selected = self.selected.min(self.row_count().saturating_sub(1));
    }

    /// A linked alert as it stands now: `Name (firing)`, `Name (resolved)` once it has
    /// left its source, or the bare fingerprint if this sitrep never saw it.
    pub fn describe(&self, fingerprint: &str) -> String {
        if let Some(alert) = self.set.get(fingerprint) {
            return format!("{} ({})", alert.name, alert.state);
        }
        match self.rules.known(fingerprint) {
            Some(known) => format!("{} (resolved)", known.name),
            None => fingerprint.to_string(),
        }
    }

    /// Marks or unmarks the selected alert for declaring; on a group, every alert in
    /// it (unmarks them if all were marked).
    pub fn toggle_mark(&mut self) {
        match self.row(self.selected) {
            Some(RowRef::Alert(i)) => {
                let fp = self.set.alerts[i].fingerprint.clone();
                if !self.marked.remove(&fp) {
                    self.marked.insert(fp);
                }
            }
            Some(RowRef::Group(g)) => {
                let set = Arc::clone(&self.set);
                let members = &set.groups[g].members;
                let fps = members.iter().map(|&i| &set.alerts[i].fingerprint);
                if members
                    .iter()
                    .all(|&i| self.marked.contains(&set.alerts[i].fingerprint))
                {
                    for fp in fps {
                        self.marked.remove(fp);
                    }
                } else {
                    self.marked.extend(fps.cloned());
                }
            }
            None => {}
        }
    }

    /// The alerts to declare from: the marked ones, else the selected alert, or the
    /// selected group's alerts.
    pub fn chosen(&self) -> Vec<&Alert> {
        if !self.marked.is_empty() {
            let mut picked: Vec<usize> = self
                .marked
                .iter()
                .filter_map(|fp| self.set.index_of(fp))
                .collect();
            picked.sort_unstable();
            return picked.into_iter().map(|i| &*self.set.alerts[i]).collect();
        }
        match self.row(self.selected) {
            Some(RowRef::Alert(i)) => vec![&*self.set.alerts[i]],
            Some(RowRef::Group(g)) => self.set.groups[g]
                .members
                .iter()
                .map(|&i| &*self.set.alerts[i])
                .collect(),
            None => Vec::new(),
        }
    }
}
