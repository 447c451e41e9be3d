//! The dashboard: open incidents with severity, status, roles, age and the P2 triage
//! countdown.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

use super::strings;
use super::theme::Theme;
use crate::app::State;
use crate::domain::metrics::{incident_times, triage_remaining};
use crate::domain::parse::format_duration;
use crate::domain::{Incident, Severity};

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Open incidents ({}) ", state.incidents.len()));
    if state.incidents.is_empty() {
        frame.render_widget(Paragraph::new(strings::NO_INCIDENTS).block(block), area);
        return;
    }
    // Rows that fit below the border and the header; build only those.
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let first = state.selected.saturating_sub(visible - 1);
    let rows: Vec<Row> = state
        .incidents
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, incident)| {
            let row = incident_row(state, theme, incident);
            if i == state.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new([
        "ID",
        "SEV",
        "STATUS",
        "AGE",
        "TRIAGE",
        "COMMANDER",
        "COMMS",
        "TITLE",
    ])
    .style(theme.dim());
    let table = Table::new(
        rows,
        [
            Constraint::Length(5),
            Constraint::Length(3),
            Constraint::Length(13),
            Constraint::Length(6),
            Constraint::Length(9),
            Constraint::Length(12),
            Constraint::Length(12),
            Constraint::Min(10),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

fn incident_row<'a>(state: &State, theme: &Theme, i: &'a Incident) -> Row<'a> {
    let age = format_duration(incident_times(i, state.now).duration);
    let triage = match triage_remaining(i, state.triage_window, state.now) {
        Some(left) if left < chrono::Duration::zero() => {
            Span::styled(format!("⚠ -{}", format_duration(-left)), theme.error())
        }
        Some(left) => Span::styled(format_duration(left), theme.warning()),
        None => Span::raw("—"),
    };
    let comms = match (&i.comms_lead, i.severity) {
        (Some(lead), _) => Span::raw(lead.as_str()),
        (None, Severity::P1) => Span::styled("⚠ none", theme.warning()),
        (None, Severity::P2) => Span::raw("—"),
    };
    let title = if i.drill {
        format!("[drill] {}", i.title)
    } else {
        i.title.clone()
    };
    Row::new(vec![
        Line::from(format!("#{}", i.id)),
        Line::from(Span::styled(
            i.severity.as_str(),
            theme.severity(i.severity),
        )),
        Line::from(i.status.as_str()),
        Line::from(age),
        Line::from(triage),
        Line::from(i.commander.as_str()),
        Line::from(comms),
        Line::from(title),
    ])
}
