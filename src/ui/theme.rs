//! Styles. With `NO_COLOR` set every style is plain or bold/reversed only; meaning
//! is always also carried by text (severity names, kind labels, ⚠ marks).

use ratatui::style::{Color, Modifier, Style};

use crate::domain::{EntryKind, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    /// Colour unless `NO_COLOR` is set to anything non-empty.
    pub fn from_env() -> Self {
        Self::new(std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default()
        }
    }

    /// The TYPE mode label: reversed, so the mode is unmistakable without colour.
    pub fn mode_type(&self) -> Style {
        self.fg(Color::Green)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// The NAV mode label.
    pub fn mode_nav(&self) -> Style {
        self.fg(Color::Cyan)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// For what must not be missed: reversed, so it stands out without colour too.
    pub fn alarm(&self) -> Style {
        self.fg(Color::Red)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::P1 => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::P2 => self.fg(Color::Yellow),
        }
    }

    pub fn kind(&self, kind: EntryKind) -> Style {
        match kind {
            EntryKind::Mitigation => self.fg(Color::Green).add_modifier(Modifier::BOLD),
            EntryKind::Comms => self.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            EntryKind::Note => Style::default(),
            EntryKind::Status | EntryKind::Severity | EntryKind::Role => self.fg(Color::Magenta),
            EntryKind::Alert => self.fg(Color::Red),
            EntryKind::Followup => self.fg(Color::Blue),
            EntryKind::Unreadable => self.fg(Color::Red).add_modifier(Modifier::REVERSED),
        }
    }
}
