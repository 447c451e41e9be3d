//! The declare and edit forms, and the one-line prompts (role handover, follow-up,
//! resolve).

use ratatui_textarea::{Input, Key, TextArea};

use super::single_line;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::alert::LinkedAlert;
use crate::domain::parse::parse_timestamp;
use crate::domain::{Declaration, DomainError, Incident, IncidentEdit, IncidentId, Severity};

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
            Self::TriggerTime => "trigger time (RFC 3339, UTC)",
            Self::Summary => "summary",
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
    /// Carried from the alerts a declaration starts from; shown, not edited.
    pub trigger_time: Option<DateTime<Utc>>,
    pub linked_alerts: Vec<String>,
    pub alerts: Vec<LinkedAlert>,
}

impl Form {
    fn new(purpose: FormPurpose, fields: Vec<(FieldId, FieldInput)>) -> Self {
        let mut form = Self {
            purpose,
            fields,
            focus: 0,
            initial: Vec::new(),
            error: None,
            pending: None,
            trigger_time: None,
            linked_alerts: Vec::new(),
            alerts: Vec::new(),
        };
        form.initial = form.fields.iter().map(|(id, _)| form.value(*id)).collect();
        form
    }

    /// Declaring from scratch; the user is commander unless they name someone.
    pub fn declare(commander: &str) -> Self {
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
            ],
        )
    }

    /// Declaring from alerts: `prefill` (see `alerts::declaration_from`) fills title,
    /// severity and regions; its trigger time and alert links are carried along.
    pub fn declare_from(prefill: Declaration, commander: &str) -> Self {
        let mut form = Self::declare(commander);
        for (id, input) in &mut form.fields {
            match (id, input) {
                (FieldId::Title, FieldInput::Text(t)) => **t = single_line(&prefill.title),
                (FieldId::Regions, FieldInput::Text(t)) => {
                    **t = single_line(&prefill.regions.join(", "))
                }
                (FieldId::Severity, FieldInput::Severity(s)) => {
                    *s = prefill.severity.unwrap_or(Severity::P1)
                }
                _ => {}
            }
        }
        form.trigger_time = prefill.trigger_time;
        form.linked_alerts = prefill.linked_alerts;
        form.alerts = prefill.alerts;
        form
    }

    /// Editing an incident's template fields, prefilled with their current values.
    pub fn edit(incident: &Incident) -> Self {
        let text = |v: &str| FieldInput::Text(Box::new(single_line(v)));
        Self::new(
            FormPurpose::Edit(incident.id),
            vec![
                (FieldId::Title, text(&incident.title)),
                (FieldId::Regions, text(&incident.regions.join(", "))),
                (FieldId::Cohorts, text(&incident.cohorts.join(", "))),
                (
                    FieldId::TriggerTime,
                    text(
                        &incident
                            .trigger_time
                            .to_rfc3339_opts(SecondsFormat::Millis, true),
                    ),
                ),
                (
                    FieldId::Summary,
                    text(incident.summary.as_deref().unwrap_or("")),
                ),
            ],
        )
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
                text.input(input);
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
    pub fn declaration(&self) -> Declaration {
        let optional = |id| Some(self.value(id)).filter(|s| !s.trim().is_empty());
        Declaration {
            title: self.value(FieldId::Title),
            severity: self.severity(),
            commander: optional(FieldId::Commander),
            comms_lead: optional(FieldId::CommsLead),
            regions: split_list(&self.value(FieldId::Regions)),
            cohorts: split_list(&self.value(FieldId::Cohorts)),
            trigger_time: self.trigger_time,
            linked_alerts: self.linked_alerts.clone(),
            alerts: self.alerts.clone(),
            ..Declaration::default()
        }
    }

    /// The changes this form makes to `incident`; the domain validates them.
    pub fn changes(&self, incident: &Incident) -> Result<IncidentEdit, DomainError> {
        let title = self.value(FieldId::Title);
        let regions = split_list(&self.value(FieldId::Regions));
        let cohorts = split_list(&self.value(FieldId::Cohorts));
        let trigger = parse_timestamp(&self.value(FieldId::TriggerTime))?;
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
