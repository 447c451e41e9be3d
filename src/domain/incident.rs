//! The incident and its lifecycle rules: declaring, status, severity, roles and
//! template edits. Every method either changes the incident and returns the timeline
//! entries that record the change, or refuses and leaves the incident as it was.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::alert::LinkedAlert;
use super::severity::Severity;
use super::text::{required_line, required_text, sanitize_line};
use super::timeline::{EntryKind, NewEntry};
use super::DomainError;

/// How far into the future a trigger time may lie, to absorb clock skew between the
/// alerting backend and this host.
pub const TRIGGER_CLOCK_SKEW: Duration = Duration::minutes(5);

/// Identifies one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(pub i64);

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for IncidentId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().trim_start_matches('#');
        match trimmed.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(DomainError::invalid(format!(
                "bad incident id '{}' (ids are positive numbers; see 'sitrep list')",
                sanitize_line(s)
            ))),
        }
    }
}

/// Where an incident stands. Moves investigating → identified → monitoring → resolved;
/// steps back and reopening are allowed and recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl Status {
    /// The statuses as typed, in [`Self::ALL`]'s order (commands complete them).
    pub const NAMES: [&'static str; 4] = ["investigating", "identified", "monitoring", "resolved"];

    pub const ALL: [Status; 4] = [
        Self::Investigating,
        Self::Identified,
        Self::Monitoring,
        Self::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }

    pub fn is_open(self) -> bool {
        self != Self::Resolved
    }

    /// Whether user impact is considered stopped in this status.
    fn is_mitigated(self) -> bool {
        matches!(self, Self::Monitoring | Self::Resolved)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                DomainError::invalid(format!(
                    "unknown status '{}' (use investigating, identified, monitoring or resolved)",
                    sanitize_line(s)
                ))
            })
    }
}

/// The review's root-cause categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RootCause {
    Release,
    Config,
    Capacity,
    Dependency,
    Infrastructure,
    Network,
    Data,
    Security,
    Unknown,
}

impl RootCause {
    pub const ALL: [RootCause; 9] = [
        Self::Release,
        Self::Config,
        Self::Capacity,
        Self::Dependency,
        Self::Infrastructure,
        Self::Network,
        Self::Data,
        Self::Security,
        Self::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Config => "config",
            Self::Capacity => "capacity",
            Self::Dependency => "dependency",
            Self::Infrastructure => "infrastructure",
            Self::Network => "network",
            Self::Data => "data",
            Self::Security => "security",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for RootCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RootCause {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|c| c.as_str()).collect();
                DomainError::invalid(format!(
                    "unknown root-cause category '{}' (use one of: {})",
                    sanitize_line(s),
                    names.join(", ")
                ))
            })
    }
}

/// What a person asks for when declaring; validated by [`NewIncident::declare`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declaration {
    pub title: String,
    pub severity: Option<Severity>,
    /// Defaults to the declarer.
    pub commander: Option<String>,
    pub comms_lead: Option<String>,
    /// When user impact began; defaults to the moment of declaring.
    pub trigger_time: Option<DateTime<Utc>>,
    pub regions: Vec<String>,
    pub cohorts: Vec<String>,
    /// The services affected; from the alerts when declared from them.
    pub services: Vec<String>,
    /// Fingerprints of the alerts this incident was declared from.
    pub linked_alerts: Vec<String>,
    /// What is known of those alerts (name, runbook…), when declared from live ones.
    pub alerts: Vec<LinkedAlert>,
    pub drill: bool,
    /// What customers are told the incident is, and what it does to them.
    pub public_title: Option<String>,
    pub public_impact: Option<String>,
}

/// A validated declaration, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub title: String,
    pub severity: Severity,
    pub commander: String,
    pub comms_lead: Option<String>,
    pub trigger_time: DateTime<Utc>,
    pub declared_at: DateTime<Utc>,
    pub declared_by: String,
    pub regions: Vec<String>,
    pub cohorts: Vec<String>,
    pub services: Vec<String>,
    pub linked_alerts: Vec<String>,
    /// Details of linked alerts, one per fingerprint at most.
    pub alerts: Vec<LinkedAlert>,
    pub drill: bool,
    pub public_title: Option<String>,
    pub public_impact: Option<String>,
}

impl NewIncident {
    /// Validates a declaration made by `declarer` at `now`. The declarer is commander
    /// unless someone else is named.
    pub fn declare(
        d: Declaration,
        declarer: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let declared_by = required_line("your name", declarer)?;
        let severity = d
            .severity
            .ok_or_else(|| DomainError::invalid("severity is required (P1 or P2)"))?;
        let commander = match d.commander {
            Some(name) => required_line("commander", &name)?,
            None => declared_by.clone(),
        };
        let comms_lead = d
            .comms_lead
            .map(|n| required_line("comms lead", &n))
            .transpose()?;
        let trigger_time = d.trigger_time.unwrap_or(now);
        check_trigger_time(trigger_time, now)?;
        let mut fingerprints = d.linked_alerts;
        fingerprints.extend(d.alerts.iter().map(|a| a.fingerprint.clone()));
        let linked_alerts = unique_lines("alert fingerprint", &fingerprints)?;
        let mut alerts: Vec<LinkedAlert> = Vec::new();
        for alert in d.alerts.into_iter().map(LinkedAlert::sanitized) {
            if !alerts.iter().any(|a| a.fingerprint == alert.fingerprint) {
                alerts.push(alert);
            }
        }
        Ok(Self {
            title: required_line("title", &d.title)?,
            severity,
            commander,
            comms_lead,
            trigger_time,
            declared_at: now,
            declared_by,
            regions: unique_lines("region", &d.regions)?,
            cohorts: unique_lines("cohort", &d.cohorts)?,
            services: {
                // Named, or the services of the alerts declared from, in order.
                let mut services = d.services;
                for a in &alerts {
                    if let Some(s) = &a.service {
                        if !services.contains(s) {
                            services.push(s.clone());
                        }
                    }
                }
                unique_lines("service", &services)?
            },
            linked_alerts,
            alerts,
            drill: d.drill,
            public_title: public_field("public title", d.public_title, required_line)?,
            public_impact: public_field("public impact", d.public_impact, required_text)?,
        })
    }

    /// The entries that open the timeline: the declaration itself and the roles.
    pub fn entries(&self) -> Vec<NewEntry> {
        let drill = if self.drill { " (drill)" } else { "" };
        let mut entries = vec![NewEntry::system(
            EntryKind::Status,
            &self.declared_by,
            format!(
                "declared {} incident{drill}: '{}' (status {})",
                self.severity,
                self.title,
                Status::Investigating
            ),
            self.declared_at,
        )];
        entries.push(NewEntry::system(
            EntryKind::Role,
            &self.declared_by,
            format!("commander: {}", self.commander),
            self.declared_at,
        ));
        if let Some(lead) = &self.comms_lead {
            entries.push(NewEntry::system(
                EntryKind::Role,
                &self.declared_by,
                format!("comms lead: {lead}"),
                self.declared_at,
            ));
        }
        if !self.services.is_empty() {
            let noun = if self.services.len() == 1 {
                "service"
            } else {
                "services"
            };
            entries.push(NewEntry::system(
                EntryKind::Note,
                &self.declared_by,
                format!("{noun}: {}", self.services.join(", ")),
                self.declared_at,
            ));
        }
        entries
    }

    /// The stored incident once the store has given it an id.
    pub fn into_incident(self, id: IncidentId) -> Incident {
        Incident {
            id,
            title: self.title,
            severity: self.severity,
            status: Status::Investigating,
            commander: self.commander,
            comms_lead: self.comms_lead,
            trigger_time: self.trigger_time,
            declared_at: self.declared_at,
            declared_by: self.declared_by,
            mitigated_at: None,
            resolved_at: None,
            regions: self.regions,
            cohorts: self.cohorts,
            services: self.services,
            summary: None,
            root_cause: None,
            release_related: None,
            rollback_performed: None,
            drill: self.drill,
            linked_alerts: self.linked_alerts,
            public_title: self.public_title,
            public_impact: self.public_impact,
            unreadable: Vec::new(),
        }
    }
}

/// An optional public text: blank is none, anything else is checked by `check`.
fn public_field(
    what: &str,
    value: Option<String>,
    check: fn(&str, &str) -> Result<String, DomainError>,
) -> Result<Option<String>, DomainError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| check(what, &v))
        .transpose()
}

/// An incident as stored: the template, the roles and the review fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// Exactly one commander at all times.
    pub commander: String,
    pub comms_lead: Option<String>,
    /// When user impact began.
    pub trigger_time: DateTime<Utc>,
    pub declared_at: DateTime<Utc>,
    pub declared_by: String,
    /// When the status last reached monitoring (or resolved) without stepping back.
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub regions: Vec<String>,
    pub cohorts: Vec<String>,
    /// The services affected: the review's incident classes use them.
    #[serde(default)]
    pub services: Vec<String>,
    pub summary: Option<String>,
    pub root_cause: Option<RootCause>,
    /// `None` until someone has assessed it.
    pub release_related: Option<bool>,
    /// `None` until someone has assessed it.
    pub rollback_performed: Option<bool>,
    pub drill: bool,
    pub linked_alerts: Vec<String>,
    /// What customers are told: the comms draft uses these, never the internal
    /// title, services or region ids.
    #[serde(default)]
    pub public_title: Option<String>,
    #[serde(default)]
    pub public_impact: Option<String>,
    /// Stored values that could not be read (a row written around sitrep, with
    /// `psql` or `sqlite3`): each says which column and why. The incident is still
    /// listed and shown, with the fields it could read; what could not be read is
    /// shown as a placeholder, never left out in silence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
}

/// Changes to template and review fields, applied all together or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentEdit {
    pub title: Option<String>,
    pub add_regions: Vec<String>,
    pub remove_regions: Vec<String>,
    pub add_services: Vec<String>,
    pub remove_services: Vec<String>,
    pub add_cohorts: Vec<String>,
    pub remove_cohorts: Vec<String>,
    pub link_alerts: Vec<String>,
    pub unlink_alerts: Vec<String>,
    pub trigger_time: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub root_cause: Option<RootCause>,
    pub release_related: Option<bool>,
    pub rollback_performed: Option<bool>,
    pub drill: Option<bool>,
    pub public_title: Option<String>,
    pub public_impact: Option<String>,
}

impl Incident {
    /// The title as lists show it: `[drill] ` before a rehearsal's, and
    /// `[unreadable: N] ` before one whose stored row could not all be read.
    pub fn marked_title(&self) -> String {
        let mut out = String::new();
        if !self.unreadable.is_empty() {
            out.push_str(&format!("[unreadable: {}] ", self.unreadable.len()));
        }
        if self.drill {
            out.push_str("[drill] ");
        }
        out.push_str(&self.title);
        out
    }

    /// The services this incident affects: those recorded, else (incidents from
    /// before services were recorded) the distinct services of its linked alerts.
    pub fn affected_services(&self, alerts: &[LinkedAlert]) -> Vec<String> {
        if !self.services.is_empty() {
            return self.services.clone();
        }
        let mut services: Vec<String> = Vec::new();
        for service in alerts.iter().filter_map(|a| a.service.as_ref()) {
            if !services.contains(service) {
                services.push(service.clone());
            }
        }
        services
    }

    /// Moves to `to`. Any move between open statuses is allowed, forwards or back; a
    /// resolved incident reopens to investigating or identified. Reaching monitoring
    /// or resolved marks the incident mitigated; stepping back from there clears it,
    /// so the time to mitigate counts the mitigation that held.
    pub fn change_status(
        &mut self,
        to: Status,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEntry>, DomainError> {
        let author = required_line("your name", author)?;
        let from = self.status;
        if from == to {
            return Err(DomainError::rule(format!(
                "incident {} is already {to}",
                self.id
            )));
        }
        if from == Status::Resolved && to == Status::Monitoring {
            return Err(DomainError::rule(format!(
                "incident {} is resolved; reopen it as investigating or identified",
                self.id
            )));
        }
        let verb = if from == Status::Resolved {
            "reopened"
        } else {
            "status"
        };
        self.status = to;
        if to.is_mitigated() {
            self.mitigated_at.get_or_insert(now);
        } else {
            self.mitigated_at = None;
        }
        self.resolved_at = (to == Status::Resolved).then_some(now);
        Ok(vec![NewEntry::system(
            EntryKind::Status,
            &author,
            format!("{verb}: {from} → {to}"),
            now,
        )])
    }

    /// Resolves the incident, recording the summary first when one is given.
    pub fn resolve(
        &mut self,
        summary: Option<&str>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEntry>, DomainError> {
        if self.status == Status::Resolved {
            return Err(DomainError::rule(format!(
                "incident {} is already resolved",
                self.id
            )));
        }
        let mut next = self.clone();
        let mut entries = Vec::new();
        if let Some(summary) = summary {
            let edit = IncidentEdit {
                summary: Some(summary.to_string()),
                ..IncidentEdit::default()
            };
            entries.extend(next.apply_edit(&edit, author, now)?);
        }
        entries.extend(next.change_status(Status::Resolved, author, now)?);
        *self = next;
        Ok(entries)
    }

    pub fn change_severity(
        &mut self,
        to: Severity,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEntry>, DomainError> {
        let author = required_line("your name", author)?;
        if self.severity == to {
            return Err(DomainError::rule(format!(
                "incident {} is already {to}",
                self.id
            )));
        }
        let from = self.severity;
        self.severity = to;
        Ok(vec![NewEntry::system(
            EntryKind::Severity,
            &author,
            format!("severity: {from} → {to}"),
            now,
        )])
    }

    /// Hands over the commander and/or comms lead role. The commander can be replaced
    /// but never removed, so there is exactly one at all times.
    pub fn assign(
        &mut self,
        commander: Option<&str>,
        comms_lead: Option<&str>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEntry>, DomainError> {
        let author = required_line("your name", author)?;
        if commander.is_none() && comms_lead.is_none() {
            return Err(DomainError::invalid(
                "name a new commander or comms lead (--commander NAME, --comms-lead NAME)",
            ));
        }
        let commander = commander.map(|n| person("commander", n)).transpose()?;
        let comms_lead = comms_lead.map(|n| person("comms lead", n)).transpose()?;
        let mut entries = Vec::new();
        let mut next = self.clone();
        if let Some(name) = commander {
            if name != next.commander {
                entries.push(NewEntry::system(
                    EntryKind::Role,
                    &author,
                    format!("commander: {} → {name}", next.commander),
                    now,
                ));
                next.commander = name;
            }
        }
        if let Some(name) = comms_lead {
            if next.comms_lead.as_deref() != Some(name.as_str()) {
                let before = next.comms_lead.as_deref().unwrap_or("(none)");
                entries.push(NewEntry::system(
                    EntryKind::Role,
                    &author,
                    format!("comms lead: {before} → {name}"),
                    now,
                ));
                next.comms_lead = Some(name);
            }
        }
        if entries.is_empty() {
            return Err(DomainError::rule(format!(
                "incident {} already has those roles; nothing to change",
                self.id
            )));
        }
        *self = next;
        Ok(entries)
    }

    /// Applies every change in `edit` or none. Each field that changes gets its own
    /// note in the timeline with the old and the new value.
    pub fn apply_edit(
        &mut self,
        edit: &IncidentEdit,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEntry>, DomainError> {
        let author = required_line("your name", author)?;
        let mut next = self.clone();
        let mut changes: Vec<String> = Vec::new();

        if let Some(title) = &edit.title {
            let title = required_line("title", title)?;
            if title != next.title {
                changes.push(format!("title: '{}' → '{title}'", next.title));
                next.title = title;
            }
        }
        edit_list(
            &mut next.regions,
            "region",
            &edit.add_regions,
            &edit.remove_regions,
            &mut changes,
        )?;
        edit_list(
            &mut next.services,
            "service",
            &edit.add_services,
            &edit.remove_services,
            &mut changes,
        )?;
        edit_list(
            &mut next.cohorts,
            "cohort",
            &edit.add_cohorts,
            &edit.remove_cohorts,
            &mut changes,
        )?;
        edit_list(
            &mut next.linked_alerts,
            "alert fingerprint",
            &edit.link_alerts,
            &edit.unlink_alerts,
            &mut changes,
        )?;
        if let Some(trigger) = edit.trigger_time {
            check_trigger_time(trigger, next.declared_at)?;
            if trigger != next.trigger_time {
                changes.push(format!(
                    "trigger time: {} → {}",
                    format_utc(next.trigger_time),
                    format_utc(trigger)
                ));
                next.trigger_time = trigger;
            }
        }
        if let Some(summary) = &edit.summary {
            let summary = required_text("summary", summary)?;
            if next.summary.as_deref() != Some(summary.as_str()) {
                changes.push(format!("summary: {summary}"));
                next.summary = Some(summary);
            }
        }
        if let Some(title) = &edit.public_title {
            let title = required_line("public title", title)?;
            if next.public_title.as_deref() != Some(title.as_str()) {
                changes.push(format!("public title: {title}"));
                next.public_title = Some(title);
            }
        }
        if let Some(impact) = &edit.public_impact {
            let impact = required_text("public impact", impact)?;
            if next.public_impact.as_deref() != Some(impact.as_str()) {
                changes.push(format!("public impact: {impact}"));
                next.public_impact = Some(impact);
            }
        }
        if let Some(cause) = edit.root_cause {
            if next.root_cause != Some(cause) {
                let before = next.root_cause.map_or("(none)", RootCause::as_str);
                changes.push(format!("root cause: {before} → {cause}"));
                next.root_cause = Some(cause);
            }
        }
        edit_flag(
            &mut next.release_related,
            "release related",
            edit.release_related,
            &mut changes,
        );
        edit_flag(
            &mut next.rollback_performed,
            "rollback performed",
            edit.rollback_performed,
            &mut changes,
        );
        if let Some(drill) = edit.drill {
            if drill != next.drill {
                changes.push(format!("drill: {} → {}", yes_no(next.drill), yes_no(drill)));
                next.drill = drill;
            }
        }

        if changes.is_empty() {
            return Err(DomainError::rule(format!(
                "incident {} already has those values; nothing to change",
                self.id
            )));
        }
        *self = next;
        Ok(changes
            .into_iter()
            .map(|text| NewEntry::system(EntryKind::Note, &author, text, now))
            .collect())
    }
}

fn check_trigger_time(
    trigger: DateTime<Utc>,
    declared_at: DateTime<Utc>,
) -> Result<(), DomainError> {
    if trigger > declared_at + TRIGGER_CLOCK_SKEW {
        return Err(DomainError::invalid(format!(
            "trigger time {} is after the incident was declared ({}); the trigger is when impact began",
            format_utc(trigger),
            format_utc(declared_at)
        )));
    }
    Ok(())
}

fn unique_lines(field: &str, raw: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for value in raw {
        let value = required_line(field, value)?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

fn edit_list(
    list: &mut Vec<String>,
    field: &str,
    add: &[String],
    remove: &[String],
    changes: &mut Vec<String>,
) -> Result<(), DomainError> {
    for value in unique_lines(field, remove)? {
        let Some(pos) = list.iter().position(|v| *v == value) else {
            let current = if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            };
            return Err(DomainError::rule(format!(
                "{field} '{value}' is not listed (current: {current})"
            )));
        };
        list.remove(pos);
        changes.push(format!("{field} removed: {value}"));
    }
    for value in unique_lines(field, add)? {
        if list.contains(&value) {
            return Err(DomainError::rule(format!(
                "{field} '{value}' is already listed"
            )));
        }
        list.push(value.clone());
        changes.push(format!("{field} added: {value}"));
    }
    Ok(())
}

fn edit_flag(slot: &mut Option<bool>, name: &str, new: Option<bool>, changes: &mut Vec<String>) {
    if let Some(value) = new {
        if *slot != Some(value) {
            let before = slot.map_or("(unset)", yes_no);
            changes.push(format!("{name}: {before} → {}", yes_no(value)));
            *slot = Some(value);
        }
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn format_utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
#[path = "incident_tests.rs"]
mod tests;

/// A role holder is one person: one line, not empty (a pasted list of names or a
/// line break is refused, not joined into a made-up name).
fn person(role: &str, raw: &str) -> Result<String, DomainError> {
    if raw.trim().contains(['\n', '\r']) {
        return Err(DomainError::invalid(format!(
            "the {role} is one person: give one name on one line"
        )));
    }
    required_line(role, raw)
}
