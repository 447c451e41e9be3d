//! The declare and edit forms, and the one-line prompts (role handover, follow-up,
//! resolve).

use ratatui_textarea::{Input, Key, TextArea};

use super::single_line;
use chrono::{DateTime, Utc};

use crate::domain::alert::LinkedAlert;
use crate::domain::parse::parse_bool;
use crate::domain::TimeDisplay;
use crate::domain::{
    Declaration, DomainError, Incident, IncidentEdit, IncidentId, RootCause, Severity,
};
use crate::format;

/// A field of the declare and edit forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldId {
    Title,
    Severity,
    Regions,
    Cohorts,
    Commander,
    CommsLead,
    TriggerTime,
    Summary,
    RootCause,
    ReleaseRelated,
    RollbackPerformed,
    PublicTitle,
    PublicImpact,
}

impl FieldId {
    pub fn label(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Severity => "severity",
            Self::Regions => "regions (comma-separated)",
            Self::Cohorts => "cohorts (comma-separated)",
            Self::Commander => "commander",
            Self::CommsLead => "comms lead",
            Self::TriggerTime => "trigger time (15m ago · 03:05 · YYYY-MM-DD HH:MM; blank = now)",
            Self::Summary => "summary",
            Self::RootCause => {
                "root cause (release, config, capacity, dependency, infrastructure, network, data, security, unknown)"
            }
            Self::ReleaseRelated => "release related (yes/no)",
            Self::RollbackPerformed => "rollback performed (yes/no)",
            Self::PublicTitle => "public title (what customers are told)",
            Self::PublicImpact => "public impact (what customers notice)",
        }
    }
}

/// What a field holds: a line of text, or a severity switched with arrows.
#[derive(Debug, Clone)]
pub enum FieldInput {
    Text(Box<TextArea<'static>>),
    Severity(Severity),
}

/// What submitting a form does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormPurpose {
    Declare,
    Edit(IncidentId),
}

/// The declare form and the template edit form: labelled fields, Tab to move.
#[derive(Debug, Clone)]
pub struct Form {
    pub purpose: FormPurpose,
    pub fields: Vec<(FieldId, FieldInput)>,
    pub focus: usize,
    /// The text of each field when the form opened, to tell edits from defaults.
    initial: Vec<String>,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// A write is under way; Enter waits for it.
    pub pending: Option<super::RequestId>,
    /// Carried from the alerts a declaration starts from, or the incident's: kept
    /// exactly while its field shows it unchanged (the field shows minutes only).
    pub trigger_time: Option<DateTime<Utc>>,
    /// The zone times are shown and typed in.
    pub display: TimeDisplay,
    pub linked_alerts: Vec<String>,
    pub alerts: Vec<LinkedAlert>,
}

impl Form {
    fn new(purpose: FormPurpose, fields: Vec<(FieldId, FieldInput)>, display: TimeDisplay) -> Self {
        let mut form = Self {
            purpose,
            fields,
            focus: 0,
            initial: Vec::new(),
            error: None,
            pending: None,
            trigger_time: None,
            display,
            linked_alerts: Vec::new(),
            alerts: Vec::new(),
        };
        form.initial = form.fields.iter().map(|(id, _)| form.value(*id)).collect();
        form
    }

    /// Declaring from scratch; the user is commander unless they name someone.
    pub fn declare(commander: &str, display: TimeDisplay) -> Self {
        let text = |v: &str| FieldInput::Text(Box::new(single_line(v)));
        Self::new(
            FormPurpose::Declare,
            vec![
                (FieldId::Title, text("")),
                (FieldId::Severity, FieldInput::Severity(Severity::P1)),
                (FieldId::Regions, text("")),
                (FieldId::Cohorts, text("")),
                (FieldId::Commander, text(commander)),
                (FieldId::CommsLead, text("")),
                (FieldId::TriggerTime, text("")),
            ],
            display,
        )
    }

    /// Declaring from alerts: `prefill` (see `domain::alert::declaration_from`) fills title,
    /// severity and regions; its trigger time and alert links are carried along.
    pub fn declare_from(prefill: Declaration, commander: &str, display: TimeDisplay) -> Self {
        let mut form = Self::declare(commander, display);
        for (id, input) in &mut form.fields {
            match (id, input) {
                (FieldId::Title, FieldInput::Text(t)) => **t = single_line(&prefill.title),
                (FieldId::Regions, FieldInput::Text(t)) => {
                    **t = single_line(&prefill.regions.join(", "))
                }
                (FieldId::Severity, FieldInput::Severity(s)) => {
                    *s = prefill.severity.unwrap_or(Severity::P1)
                }
                (FieldId::TriggerTime, FieldInput::Text(t)) => {
                    if let Some(at) = prefill.trigger_time {
                        **t = single_line(&format::minute(at, display));
                    }
                }
                _ => {}
            }
        }
        form.initial = form.fields.iter().map(|(id, _)| form.value(*id)).collect();
        form.trigger_time = prefill.trigger_time;
        form.linked_alerts = prefill.linked_alerts;
        form.alerts = prefill.alerts;
        form
    }

    /// Editing an incident's template fields, prefilled with their current values.
    pub fn edit(incident: &Incident, display: TimeDisplay) -> Self {
        let text = |v: &str| FieldInput::Text(Box::new(single_line(v)));
        let yes_no = |v: Option<bool>| match v {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        let mut form = Self::new(
            FormPurpose::Edit(incident.id),
            vec![
                (FieldId::Title, text(&incident.title)),
                (FieldId::Regions, text(&incident.regions.join(", "))),
                (FieldId::Cohorts, text(&incident.cohorts.join(", "))),
                (
                    FieldId::TriggerTime,
                    text(&format::minute(incident.trigger_time, display)),
                ),
                (
                    FieldId::Summary,
                    text(incident.summary.as_deref().unwrap_or("")),
                ),
                (
                    FieldId::PublicTitle,
                    text(incident.public_title.as_deref().unwrap_or("")),
                ),
                (
                    FieldId::PublicImpact,
                    text(incident.public_impact.as_deref().unwrap_or("")),
                ),
                (
                    FieldId::RootCause,
                    text(
                        &incident
                            .root_cause
                            .map(|c| c.to_string())
                            .unwrap_or_default(),
                    ),
                ),
                (
                    FieldId::ReleaseRelated,
                    text(yes_no(incident.release_related)),
                ),
                (
                    FieldId::RollbackPerformed,
                    text(yes_no(incident.rollback_performed)),
                ),
            ],
            display,
        );
        form.trigger_time = Some(incident.trigger_time);
        form
    }

    /// Whether a field still shows what it showed when the form opened.
    fn unchanged(&self, id: FieldId) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .find(|((f, _), _)| *f == id)
            .is_some_and(|(_, before)| self.value(id) == *before)
    }

    /// The trigger time the form says: the carried one while its field is unchanged,
    /// none (now) when blank, else what was typed, read in the display zone.
    fn trigger(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, DomainError> {
        let typed = self.value(FieldId::TriggerTime);
        if self.unchanged(FieldId::TriggerTime) {
            Ok(self.trigger_time)
        } else if typed.trim().is_empty() {
            Ok(None)
        } else {
            format::parse_when(&typed, now, self.display).map(Some)
        }
    }

    pub fn focused(&self) -> Option<FieldId> {
        self.fields.get(self.focus).map(|(id, _)| *id)
    }

    /// The current text of a field (a severity as `P1`/`P2`; empty if absent).
    pub fn value(&self, id: FieldId) -> String {
        match self.fields.iter().find(|(f, _)| *f == id) {
            Some((_, FieldInput::Text(t))) => first_line(t),
            Some((_, FieldInput::Severity(s))) => s.to_string(),
            None => String::new(),
        }
    }

    fn severity(&self) -> Option<Severity> {
        self.fields.iter().find_map(|(_, input)| match input {
            FieldInput::Severity(s) => Some(*s),
            FieldInput::Text(_) => None,
        })
    }

    /// Whether anything was typed since the form opened.
    pub fn has_text(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|((id, _), before)| self.value(*id) != *before)
    }

    /// `label: value` for every field changed since the form opened.
    pub fn texts(&self) -> Vec<String> {
        self.fields
            .iter()
            .zip(&self.initial)
            .filter_map(|((id, _), before)| {
                let now = self.value(*id);
                (now != *before).then(|| format!("{}: {now}", id.label()))
            })
            .collect()
    }

    /// Moves focus (Tab, Shift-Tab, arrows), switches severity, or edits the focused
    /// field. Enter and Esc are the caller's.
    pub fn handle(&mut self, input: Input) {
        let n = self.fields.len().max(1);
        match (input.key, self.fields.get_mut(self.focus)) {
            (Key::Tab, _) if input.shift => self.focus = (self.focus + n - 1) % n,
            (Key::Tab | Key::Down, _) => self.focus = (self.focus + 1) % n,
            (Key::Up, _) => self.focus = (self.focus + n - 1) % n,
            (key, Some((_, FieldInput::Severity(severity)))) => {
                *severity = match (key, *severity) {
                    (Key::Char('1'), _) => Severity::P1,
                    (Key::Char('2'), _) => Severity::P2,
                    (Key::Left | Key::Right | Key::Char(' '), Severity::P1) => Severity::P2,
                    (Key::Left | Key::Right | Key::Char(' '), Severity::P2) => Severity::P1,
                    (_, unchanged) => unchanged,
                };
            }
            (_, Some((_, FieldInput::Text(text)))) => {
                super::edit_line(text, input);
            }
            (_, None) => {}
        }
    }

    /// Inserts pasted text into the focused text field.
    pub fn handle_paste(&mut self, pasted: &str) {
        if let Some((_, FieldInput::Text(text))) = self.fields.get_mut(self.focus) {
            text.insert_str(pasted);
        }
    }

    /// The declaration this form describes; the domain validates it.
    pub fn declaration(&self, now: DateTime<Utc>) -> Result<Declaration, DomainError> {
        let optional = |id| Some(self.value(id)).filter(|s| !s.trim().is_empty());
        Ok(Declaration {
            title: self.value(FieldId::Title),
            severity: self.severity(),
            commander: optional(FieldId::Commander),
            comms_lead: optional(FieldId::CommsLead),
            regions: split_list(&self.value(FieldId::Regions)),
            cohorts: split_list(&self.value(FieldId::Cohorts)),
            trigger_time: self.trigger(now)?,
            linked_alerts: self.linked_alerts.clone(),
            alerts: self.alerts.clone(),
            ..Declaration::default()
        })
    }

    /// The changes this form makes to `incident`; the domain validates them.
    pub fn changes(
        &self,
        incident: &Incident,
        now: DateTime<Utc>,
    ) -> Result<IncidentEdit, DomainError> {
        let title = self.value(FieldId::Title);
        let regions = split_list(&self.value(FieldId::Regions));
        let cohorts = split_list(&self.value(FieldId::Cohorts));
        let trigger = match self.trigger(now)? {
            Some(t) => t,
            None => {
                return Err(DomainError::invalid(
                    "the trigger time cannot be blank (e.g. '15m ago', '03:05')",
                ))
            }
        };
        // A yes/no field: unchanged or blank keeps the value.
        let flag = |id: FieldId| -> Result<Option<bool>, DomainError> {
            let value = self.value(id);
            if self.unchanged(id) || value.trim().is_empty() {
                Ok(None)
            } else {
                parse_bool(&value).map(Some)
            }
        };
        let root_cause = {
            let value = self.value(FieldId::RootCause);
            if self.unchanged(FieldId::RootCause) || value.trim().is_empty() {
                None
            } else {
                Some(value.parse::<RootCause>()?)
            }
        };
        // A public text: unchanged or blank keeps the value.
        let public = |id: FieldId| {
            let value = self.value(id);
            (!self.unchanged(id) && !value.trim().is_empty()).then_some(value)
        };
        let release_related = flag(FieldId::ReleaseRelated)?;
        let rollback_performed = flag(FieldId::RollbackPerformed)?;
        let summary = self.value(FieldId::Summary);
        let added = |now: &[String], before: &[String]| -> Vec<String> {
            now.iter()
                .filter(|v| !before.contains(v))
                .cloned()
                .collect()
        };
        Ok(IncidentEdit {
            title: (title != incident.title).then_some(title),
            add_regions: added(&regions, &incident.regions),
            remove_regions: added(&incident.regions, &regions),
            add_cohorts: added(&cohorts, &incident.cohorts),
            remove_cohorts: added(&incident.cohorts, &cohorts),
            trigger_time: (trigger != incident.trigger_time).then_some(trigger),
            summary: (!summary.trim().is_empty()
                && incident.summary.as_deref() != Some(summary.as_str()))
            .then_some(summary),
            public_title: public(FieldId::PublicTitle),
            public_impact: public(FieldId::PublicImpact),
            root_cause: root_cause.filter(|c| incident.root_cause != Some(*c)),
            release_related: release_related.filter(|v| incident.release_related != Some(*v)),
            rollback_performed: rollback_performed
                .filter(|v| incident.rollback_performed != Some(*v)),
            ..IncidentEdit::default()
        })
    }
}

pub fn first_line(t: &TextArea<'_>) -> String {
    t.lines().first().cloned().unwrap_or_default()
}

/// `eu-west, us-east` → two values; `android creators` is one (split on commas only).
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
