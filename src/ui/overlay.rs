//! What is drawn on top: help (generated from the command table), the declare and
//! edit forms, the confirmation of a loud change, and the quit confirmation.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::strings;
use super::theme::Theme;
use crate::app::commands::COMMANDS;
use crate::app::{FieldId, FieldInput, Form, FormPurpose, Layer, State};
use ratatui::widgets::Wrap;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    match &state.layer {
        Layer::None => {}
        Layer::Help(scroll) => render_help(state, frame, area, *scroll),
        Layer::ConfirmQuit => {
            let running = state.run.as_ref().is_some_and(crate::app::RunPane::running);
            let (text, height) = if running {
                (strings::CONFIRM_QUIT_RUNNING, 4)
            } else {
                (strings::CONFIRM_QUIT, 3)
            };
            render_box(
                frame,
                centered(area, 64, height),
                " Quit? ",
                vec![Line::from(text)],
            )
        }
        Layer::Confirm(confirm) => {
            // A question may hold lines of its own (a comms draft to post).
            let mut lines: Vec<Line> = confirm.question.lines().map(Line::from).collect();
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                strings::KEYS_CONFIRM_CHANGE.trim(),
                theme.dim(),
            )));
            let longest = confirm
                .question
                .lines()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0);
            let width = (u16::try_from(longest).unwrap_or(u16::MAX).saturating_add(4))
                .clamp(40, 100)
                .min(area.width);
            // Each line wraps (a silence lists its matchers): room for all of it.
            let inner = usize::from(width.saturating_sub(3).max(1));
            let rows: usize = confirm
                .question
                .lines()
                .map(|l| l.chars().count() / inner + 1)
                .sum();
            let rows = u16::try_from(rows).unwrap_or(u16::MAX);
            let rect = centered(area, width, rows.saturating_add(4).min(area.height));
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(Block::default().borders(Borders::ALL).title(" Confirm ")),
                rect,
            );
        }
        Layer::Form(form) => render_form(theme, frame, area, form),
        Layer::Alert(alert, scroll) => render_alert(state, theme, frame, area, alert, *scroll),
        Layer::Silences(list) => render_silences(state, theme, frame, area, list),
        Layer::Search(search) => {
            let rect = Rect {
                x: area.x,
                y: area.y + area.height.saturating_sub(3),
                width: area.width,
                height: area.height.min(3),
            };
            frame.render_widget(Clear, rect);
            let mut text = (**search).clone();
            text.set_block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Search incidents "),
            );
            frame.render_widget(&text, rect);
        }
    }
}

/// One alert in full: what it is, where it stands, its incident, every label and
/// annotation, and its links. Its text was made safe where it arrived.
/// `/silences`: each of the incident's silences as its Alertmanager reports it now,
/// the ones still in force first in colour, with its end, matchers and why.
fn render_silences(
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    list: &crate::app::SilenceList,
) {
    let tz = state.time_display;
    let mut lines = Vec::new();
    for s in &list.silences {
        let style = match s.state.as_str() {
            "active" => theme.warning(),
            "pending" => theme.title(),
            _ => theme.dim(),
        };
        let when = if s.state == "expired" {
            format!("ended {}", crate::format::minute(s.ends_at, tz))
        } else {
            format!(
                "until {} (in {})",
                crate::format::minute(s.ends_at, tz),
                crate::domain::parse::format_duration(s.ends_at - state.now)
            )
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<8}", s.state), style),
            Span::raw(format!("{when} · {} on {}", s.id, s.source)),
        ]));
        lines.push(Line::from(format!("         {}", s.matchers)));
        lines.push(Line::from(Span::styled(
            format!("         by {}: {}", s.created_by, s.why),
            theme.dim(),
        )));
    }
    let title = format!(" Silences of #{} ({}) ", list.incident, list.silences.len());
    render_scrolled(frame, area, &title, lines, list.scroll);
}

fn render_alert(
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    alert: &crate::domain::alert::Alert,
    scroll: usize,
) {
    let tz = state.time_display;
    let mut lines = vec![Line::from(vec![
        Span::styled(alert.name.clone(), theme.title()),
        Span::raw(format!(
            "  {} · {} · source {} · fingerprint {}",
            alert
                .severity
                .map_or("no severity".into(), |s| s.to_string()),
            alert.state,
            alert.source,
            alert.fingerprint
        )),
    ])];
    if let Some(start) = alert.starts_at {
        lines.push(Line::from(format!(
            "started {} ({} ago)",
            crate::format::minute(start, tz),
            crate::domain::parse::format_duration(state.now - start)
        )));
    }
    lines.push(Line::from(if alert.silenced_by.is_empty() {
        "not silenced".to_string()
    } else {
        format!("silenced by {}", alert.silenced_by.join(", "))
    }));
    if !alert.inhibited_by.is_empty() {
        lines.push(Line::from(format!(
            "inhibited by {}",
            alert.inhibited_by.join(", ")
        )));
    }
    lines.push(Line::from(
        match crate::app::alerts::AlertBoard::incident_of(alert, &state.incidents)
            .and_then(|id| state.incidents.iter().find(|i| i.id == id))
        {
            Some(i) => format!("incident #{} {} (Enter opens it)", i.id, i.title),
            None => "no open incident links it: d declares one; or mark it (Space) and type /link in an incident".into(),
        },
    ));
    let mut section = |title: &str, pairs: Vec<(&str, &str)>| {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(title.to_string(), theme.dim())));
        for (k, v) in pairs {
            lines.push(Line::from(format!("  {k} = {v}")));
        }
    };
    section("Labels", alert.labels.iter().collect());
    section("Annotations", alert.annotations.iter().collect());
    let links: Vec<(&str, &str)> = [
        ("runbook", alert.runbook_url.as_deref()),
        ("source", alert.generator_url.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    if !links.is_empty() {
        section("Links", links);
    }
    render_scrolled(frame, area, " Alert ", lines, scroll);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

fn render_box(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        area,
    );
}

/// The keys that work everywhere and on the screen under the help; the incident
/// view's commands come from the command table. Wrapped, and scrolled by `scroll`.
fn render_help(state: &State, frame: &mut Frame, area: Rect, scroll: usize) {
    let current = match state.view {
        crate::app::View::Dashboard => "dashboard",
        crate::app::View::Incident(_) => "incident",
    };
    let mut lines = Vec::new();
    // Wrapped by hand, so that a long explanation keeps its column under itself.
    let inner = usize::from(help_width(area).saturating_sub(2));
    let mut section = |title: &str, keys: Vec<(String, String)>| {
        lines.push(Line::from(Span::raw(format!("— {title} —"))));
        for (key, what) in keys {
            let key = format!("  {key:<24}");
            let indent = unicode_width::UnicodeWidthStr::width(key.as_str());
            let rows = super::incident::wrap(&what, inner.saturating_sub(indent).max(12));
            for (n, row) in rows.into_iter().enumerate() {
                lines.push(Line::from(if n == 0 {
                    format!("{key}{row}")
                } else {
                    format!("{}{row}", " ".repeat(indent))
                }));
            }
        }
    };
    for (screen, keys) in strings::HELP
        .iter()
        .filter(|(s, _)| *s == "everywhere" || *s == current)
    {
        section(
            screen,
            keys.iter()
                .map(|(k, w)| (k.to_string(), w.to_string()))
                .collect(),
        );
    }
    if current == "incident" {
        section(
            "incident: typing and navigating",
            strings::HELP_INCIDENT_KEYS
                .iter()
                .map(|(k, w)| (k.to_string(), w.to_string()))
                .collect(),
        );
        section(
            "incident: commands (NAV-mode key in brackets)",
            COMMANDS
                .iter()
                .map(|c| {
                    let key = c.key.map(|k| format!(" [{k}]")).unwrap_or_default();
                    let args = if c.args.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", c.args)
                    };
                    (format!("/{}{key}", c.name), format!("{}{args}", c.help))
                })
                .collect(),
        );
    }
    render_scrolled(frame, area, " Keys and commands ", lines, scroll);
}

/// How wide the scrolled boxes (the help, an alert's details) are on `area`.
fn help_width(area: Rect) -> u16 {
    area.width.saturating_sub(4).min(110)
}

/// A box as tall as its lines (up to the screen), wrapped and scrolled down `scroll`
/// lines: the help and an alert's details.
fn render_scrolled(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, scroll: usize) {
    let width = help_width(area);
    // As tall as the lines once wrapped inside the borders.
    let inner = usize::from(width.saturating_sub(2).max(1));
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = u16::try_from(rows)
        .unwrap_or(u16::MAX)
        .saturating_add(2)
        .min(area.height);
    let rect = centered(area, width, height);
    // Never past the end: the last row stays at the bottom, not an empty box.
    let scroll = scroll.min(rows.saturating_sub(usize::from(height.saturating_sub(2))));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(usize::from(u16::MAX)) as u16, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title.to_string()),
            ),
        rect,
    );
}

fn render_form(theme: &Theme, frame: &mut Frame, area: Rect, form: &Form) {
    // Boxed fields when they fit; on a short terminal a label line and a value line
    // per field, so every field stays visible and typeable.
    let fields = form.fields.len() as u16;
    let boxed = fields * 3 + 3 <= area.height;
    let per_field: u16 = if boxed {
        3
    } else if fields * 2 + 3 <= area.height {
        2
    } else {
        1
    };
    // The line under the fields wraps: an error that lists the valid values is
    // read whole (up to three rows).
    let message = form_message(theme, form);
    let message_rows = message.as_ref().map_or(1, |(text, _)| {
        let inner = usize::from(area.width.min(72).saturating_sub(2)).max(1);
        (unicode_width::UnicodeWidthStr::width(text.as_str()).div_ceil(inner)).clamp(1, 3) as u16
    });
    let height = (form.fields.len() as u16) * per_field + 2 + message_rows;
    let rect = centered(area, 72, height);
    frame.render_widget(Clear, rect);
    let name = match form.purpose {
        FormPurpose::Declare => " Declare incident".to_string(),
        FormPurpose::Edit(id) => format!(" Edit incident #{id}"),
    };
    let saving = if form.pending.is_some() {
        " — saving… "
    } else {
        " "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!("{name}{saving}"));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut constraints = vec![Constraint::Length(per_field); form.fields.len()];
    constraints.push(Constraint::Length(message_rows));
    let areas = Layout::vertical(constraints).split(inner);
    for (index, ((id, input), slot)) in form.fields.iter().zip(areas.iter()).enumerate() {
        let focused = form.focus == index;
        let marker = if focused { "▸ " } else { "  " };
        let style = if focused {
            theme.selected()
        } else {
            theme.dim()
        };
        // The tightest layout: the label's first words, then the value, on one line.
        let label = if per_field == 1 {
            let short = id.label().split(" (").next().unwrap_or_default();
            format!("{marker}{short:<20.20}")
        } else {
            format!("{marker}{}", id.label())
        };
        let (block, slot) = if boxed {
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" {label} "))
                .border_style(style);
            (block, *slot)
        } else if per_field == 2 {
            (Block::default().title(Span::styled(label, style)), *slot)
        } else {
            let [name, value] =
                Layout::horizontal([Constraint::Length(23), Constraint::Min(1)]).areas(*slot);
            frame.render_widget(Paragraph::new(Span::styled(label, style)), name);
            (Block::default(), value)
        };
        let slot = &slot;
        match input {
            // A field being edited follows its cursor; the others show the start of
            // their text, so a long title reads from its first word.
            FieldInput::Text(text) if focused => {
                let mut text = (**text).clone();
                text.set_block(block);
                frame.render_widget(&text, *slot);
            }
            FieldInput::Text(text) => {
                let value = text.lines().first().cloned().unwrap_or_default();
                frame.render_widget(Paragraph::new(value).block(block), *slot);
            }
            FieldInput::Severity(severity) => {
                let line = Line::from(vec![
                    Span::styled(severity.as_str(), theme.severity(*severity)),
                    Span::raw("  (←→ or 1/2 to change)"),
                ]);
                frame.render_widget(Paragraph::new(line).block(block), *slot);
            }
        }
    }
    let (Some(slot), Some((text, style))) = (areas.last(), message) else {
        return;
    };
    frame.render_widget(
        Paragraph::new(text).style(style).wrap(Wrap { trim: false }),
        *slot,
    );
}

/// The line under a form's fields: why Enter did nothing, else a warning or where
/// the declaration came from.
fn form_message(theme: &Theme, form: &Form) -> Option<(String, ratatui::style::Style)> {
    let p1_without_comms = form.purpose == FormPurpose::Declare
        && form.value(FieldId::Severity) == "P1"
        && form.value(FieldId::CommsLead).trim().is_empty();
    if let Some(error) = &form.error {
        Some((format!("⚠ {error}"), theme.error()))
    } else if p1_without_comms {
        Some((strings::P1_NEEDS_COMMS.to_string(), theme.warning()))
    } else if !form.linked_alerts.is_empty() {
        Some((
            format!(
                "from {} alert(s), linked; trigger time from the earliest",
                form.linked_alerts.len()
            ),
            theme.dim(),
        ))
    } else {
        None
    }
}
