//! The declare form and the one-line prompts (role handover, follow-up, resolve).

use ratatui_textarea::{Input, Key, TextArea};

use super::single_line;
use crate::domain::{Declaration, IncidentId, Severity};

/// The fields of the declare form, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclareField {
    Title,
    Severity,
    Regions,
    Cohorts,
    Commander,
    CommsLead,
}

impl DeclareField {
    pub const ALL: [DeclareField; 6] = [
        Self::Title,
        Self::Severity,
        Self::Regions,
        Self::Cohorts,
        Self::Commander,
        Self::CommsLead,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Severity => "severity",
            Self::Regions => "regions",
            Self::Cohorts => "cohorts",
            Self::Commander => "commander",
            Self::CommsLead => "comms lead",
        }
    }

    fn step(self, forward: bool) -> Self {
        let i = Self::ALL.iter().position(|f| *f == self).unwrap_or(0);
        let n = Self::ALL.len();
        Self::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Declaring an incident from scratch (or, later, prefilled from alerts).
#[derive(Debug, Clone)]
pub struct DeclareForm {
    pub focus: DeclareField,
    pub severity: Severity,
    pub title: TextArea<'static>,
    pub regions: TextArea<'static>,
    pub cohorts: TextArea<'static>,
    pub commander: TextArea<'static>,
    pub comms_lead: TextArea<'static>,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// A declare is being written; Enter waits for it.
    pub pending: bool,
}

impl DeclareForm {
    pub fn new(commander: &str) -> Self {
        Self {
            focus: DeclareField::Title,
            severity: Severity::P1,
            title: single_line(""),
            regions: single_line(""),
            cohorts: single_line(""),
            commander: single_line(commander),
            comms_lead: single_line(""),
            error: None,
            pending: false,
        }
    }

    pub fn text(&self, field: DeclareField) -> Option<&TextArea<'static>> {
        match field {
            DeclareField::Title => Some(&self.title),
            DeclareField::Severity => None,
            DeclareField::Regions => Some(&self.regions),
            DeclareField::Cohorts => Some(&self.cohorts),
            DeclareField::Commander => Some(&self.commander),
            DeclareField::CommsLead => Some(&self.comms_lead),
        }
    }

    fn text_mut(&mut self, field: DeclareField) -> Option<&mut TextArea<'static>> {
        match field {
            DeclareField::Title => Some(&mut self.title),
            DeclareField::Severity => None,
            DeclareField::Regions => Some(&mut self.regions),
            DeclareField::Cohorts => Some(&mut self.cohorts),
            DeclareField::Commander => Some(&mut self.commander),
            DeclareField::CommsLead => Some(&mut self.comms_lead),
        }
    }

    pub fn has_text(&self) -> bool {
        !first_line(&self.title).is_empty()
            || !first_line(&self.regions).is_empty()
            || !first_line(&self.cohorts).is_empty()
            || !first_line(&self.comms_lead).is_empty()
    }

    /// Moves focus (Tab, Shift-Tab, arrows), toggles severity, or edits the focused
    /// field. Enter and Esc are the caller's.
    pub fn handle(&mut self, input: Input) {
        match input.key {
            Key::Tab | Key::Down => self.focus = self.focus.step(!input.shift),
            Key::Up => self.focus = self.focus.step(false),
            _ if self.focus == DeclareField::Severity => {
                if matches!(
                    input.key,
                    Key::Left | Key::Right | Key::Char(' ' | '1' | '2' | 'p' | 'P')
                ) {
                    self.severity = match (input.key, self.severity) {
                        (Key::Char('1'), _) => Severity::P1,
                        (Key::Char('2'), _) => Severity::P2,
                        (_, Severity::P1) => Severity::P2,
                        (_, Severity::P2) => Severity::P1,
                    };
                }
            }
            _ => {
                if let Some(text) = self.text_mut(self.focus) {
                    text.input(input);
                }
            }
        }
    }

    /// Inserts pasted text into the focused text field.
    pub fn handle_paste(&mut self, text: &str) {
        if let Some(field) = self.text_mut(self.focus) {
            field.insert_str(text);
        }
    }

    /// The declaration this form describes; the domain validates it.
    pub fn declaration(&self) -> Declaration {
        let optional = |t: &TextArea<'_>| Some(first_line(t)).filter(|s| !s.trim().is_empty());
        Declaration {
            title: first_line(&self.title),
            severity: Some(self.severity),
            commander: optional(&self.commander),
            comms_lead: optional(&self.comms_lead),
            regions: split_list(&first_line(&self.regions)),
            cohorts: split_list(&first_line(&self.cohorts)),
            ..Declaration::default()
        }
    }
}

/// What a prompt's answer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptPurpose {
    Commander(IncidentId),
    CommsLead(IncidentId),
    /// `owner: title`, optionally `… due YYYY-MM-DD`.
    FollowUp(IncidentId),
    /// A follow-up id.
    CompleteFollowUp,
    /// An optional summary.
    Resolve(IncidentId),
}

impl PromptPurpose {
    pub fn label(self) -> &'static str {
        match self {
            Self::Commander(_) => "new commander",
            Self::CommsLead(_) => "new comms lead",
            Self::FollowUp(_) => "follow-up (owner: title [due YYYY-MM-DD|+7d])",
            Self::CompleteFollowUp => "follow-up id done",
            Self::Resolve(_) => "resolve — summary (optional)",
        }
    }
}

/// A one-line question at the bottom of the screen.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub purpose: PromptPurpose,
    pub text: TextArea<'static>,
}

impl Prompt {
    pub fn new(purpose: PromptPurpose) -> Self {
        Self {
            purpose,
            text: single_line(""),
        }
    }

    pub fn answer(&self) -> String {
        first_line(&self.text)
    }

    pub fn has_text(&self) -> bool {
        !self.answer().trim().is_empty()
    }
}

pub fn first_line(t: &TextArea<'_>) -> String {
    t.lines().first().cloned().unwrap_or_default()
}

/// `eu-west, us-east` or `eu-west us-east` → two values.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
