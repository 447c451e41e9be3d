//! The incident view: template at the top, the timeline (newest at the bottom), the
//! follow-ups, and the one-line input.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::strings;
use super::theme::Theme;
use crate::app::State;
use crate::domain::metrics::next_customer_update;
use crate::domain::parse::format_duration;
use crate::domain::IncidentRecord;
use crate::domain::{EntryKind, Severity, TimelineEntry};
use crate::format::{clock, list as list_or_none, time as time_short};

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(record) = state.current_record() else {
        let text = match (&state.record_unreadable, state.view) {
            (Some((id, why)), crate::app::View::Incident(shown)) if *id == shown => {
                Line::from(Span::styled(
                    format!("{}{why}", strings::RECORD_UNREADABLE),
                    theme.error(),
                ))
            }
            _ => Line::from(strings::LOADING),
        };
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    };
    let follow_up_rows = record.follow_ups.len().min(4) as u16;
    let follow_up_height = if follow_up_rows == 0 {
        0
    } else {
        follow_up_rows + 2
    };
    let run = state
        .run
        .as_ref()
        .filter(|r| r.incident == record.incident.id);
    let run_height = run.map_or(0, |r| (r.lines.len() as u16).clamp(1, 10) + 2);
    let slo_rows = incident_slos(state, record);
    let [template, timeline, output, follow_ups, composer] = Layout::vertical([
        Constraint::Length(if slo_rows.is_empty() { 7 } else { 8 }),
        Constraint::Min(3),
        Constraint::Length(run_height),
        Constraint::Length(follow_up_height),
        Constraint::Length(3),
    ])
    .areas(area);
    render_template(state, theme, frame, template, record);
    if !slo_rows.is_empty() {
        render_incident_slos(state, theme, frame, template, &slo_rows);
    }
    render_timeline(state, theme, frame, timeline, &record.timeline);
    if let Some(run) = run {
        render_run(theme, frame, output, run);
    }
    if follow_up_height > 0 {
        render_follow_ups(state, frame, follow_ups, record);
    }
    render_composer(state, theme, frame, composer);
}

/// The output of the command of `/run`: its last lines, and how it ended.
fn render_run(theme: &Theme, frame: &mut Frame, area: Rect, run: &crate::app::RunPane) {
    let rows = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = run
        .lines
        .iter()
        .skip(run.lines.len().saturating_sub(rows))
        .map(|l| Line::from(l.clone()))
        .collect();
    let (status, style) = match &run.ended {
        None => (
            "running · Ctrl-C stops it".to_string(),
            ratatui::style::Style::default(),
        ),
        Some(Ok(ended)) => (format!("{ended} · Esc closes"), theme.dim()),
        Some(Err(why)) => (format!("{why} · Esc closes"), theme.error()),
    };
    let total = run.lines.len() as u64 + run.dropped;
    let count = if total > rows as u64 {
        format!(" ({total} lines, the last {rows} shown)")
    } else {
        String::new()
    };
    // How it stands comes first: a long command line is cut at the right edge, and
    // "Ctrl-C stops it" must not be what is cut.
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(status, style),
        Span::raw(format!(" — $ {}{count} ", run.command)),
    ]);
    let lines = if lines.is_empty() {
        vec![Line::from(Span::styled("(no output yet)", theme.dim()))]
    } else {
        lines
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn render_template(
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    record: &IncidentRecord,
) {
    let i = &record.incident;
    let times = crate::domain::metrics::logged_times(i, &record.timeline, state.now);
    let zone = state.time_display;
    let span = |d: Option<chrono::Duration>| d.map(format_duration).unwrap_or_else(|| "—".into());
    let comms = match (&i.comms_lead, i.severity) {
        (Some(lead), _) => Span::raw(lead.clone()),
        (None, Severity::P1) => Span::styled(strings::NO_COMMS_LEAD_P1, theme.warning()),
        (None, Severity::P2) => Span::raw("—"),
    };
    let lines = vec![
        Line::from(
            [
                Span::raw("trigger "),
                Span::raw(time_short(i.trigger_time, zone)),
                Span::styled(
                    format!(" ({} ago)", format_duration(times.duration)),
                    theme.dim(),
                ),
            ]
            .into_iter()
            .chain(next_update(state, theme, record))
            .collect::<Vec<_>>(),
        ),
        Line::from(
            vec![
                Span::raw("commander "),
                Span::raw(i.commander.clone()),
                Span::raw(" · comms lead "),
                comms,
            ]
            .into_iter()
            .chain(owners_on_call(state, theme, record))
            .collect::<Vec<_>>(),
        ),
        Line::from(format!(
            "services {}  regions {}  cohorts {}",
            list_or_none(&i.services),
            list_or_none(&i.regions),
            list_or_none(&i.cohorts)
        )),
        Line::from(format!(
            "to declare {} · to mitigate {} · to resolve {}",
            format_duration(times.time_to_declare),
            span(times.time_to_mitigate),
            span(times.time_to_resolve)
        )),
        Line::from(format!(
            "alerts {}",
            list_or_none(
                &i.linked_alerts
                    .iter()
                    .map(|fp| state.board.describe(fp))
                    .collect::<Vec<_>>()
            )
        )),
    ];
    let drill = if i.drill { " [drill]" } else { "" };
    let title = Line::from(
        vec![
            Span::raw(format!(" #{} ", i.id)),
            Span::styled(i.severity.as_str(), theme.severity(i.severity)),
            Span::raw(format!(" {}{drill} · {} ", i.status, i.title)),
        ]
        .into_iter()
        .chain((!i.unreadable.is_empty()).then(|| {
            Span::styled(
                format!("⚠ unreadable: {} ", i.unreadable.join("; ")),
                theme.warning(),
            )
        }))
        .collect::<Vec<_>>(),
    );
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

/// The SLOs of the incident's services (its regions first), most urgent first:
/// "which metric is degraded, what budget is burned".
fn incident_slos<'a>(
    state: &'a State,
    record: &IncidentRecord,
) -> Vec<&'a crate::domain::slo::SloStatus> {
    let services = &record.incident.services;
    let mut rows: Vec<&crate::domain::slo::SloStatus> = state
        .slos
        .iter()
        .filter(|s| services.contains(&s.service))
        .collect();
    let regions = &record.incident.regions;
    rows.sort_by_key(|s| !regions.contains(&s.region));
    rows
}

/// The line under the template: the worst of the incident's SLOs with its burn,
/// budget and verdict, how many more, and the burn's last 6 hours drawn.
fn render_incident_slos(
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    rows: &[&crate::domain::slo::SloStatus],
) {
    let Some(first) = rows.first() else {
        return;
    };
    let y = area.y + area.height.saturating_sub(2);
    let spark_width = 24u16.min(area.width.saturating_sub(4) / 3);
    let text_area = Rect::new(area.x + 1, y, area.width.saturating_sub(3 + spark_width), 1);
    let v = state.verdict(first);
    let style = match v.verdict {
        "hold" => theme.error(),
        "unknown" => theme.warning(),
        _ => theme.dim(),
    };
    let mut spans = vec![
        Span::raw(format!(
            "slo {} {}: burn 1h {} · budget {} · ",
            first.slo,
            first.region,
            first.burn_1h.map_or("—".into(), |b| format!("{b:.1}x")),
            first
                .budget_remaining
                .map_or("—".into(), |b| format!("{:.0}%", b * 100.0)),
        )),
        Span::styled(v.short(), style),
    ];
    if rows.len() > 1 {
        spans.push(Span::styled(
            format!(" (+{} more)", rows.len() - 1),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), text_area);
    if let Some((history, since)) = state.burn_history(&first.slo, &first.region) {
        let spark = Rect::new(text_area.x + text_area.width + 1, y, spark_width, 1);
        frame.render_widget(
            super::dashboard::burn_sparkline(history, spark_width).style(if since.is_some() {
                theme.dim()
            } else {
                style
            }),
            spark,
        );
    }
}

/// Who holds the pager for the teams owning the incident's services (those it
/// names and those of its linked alerts), when teams are configured.
fn owners_on_call(state: &State, theme: &Theme, record: &IncidentRecord) -> Vec<Span<'static>> {
    use crate::domain::oncall::{short_when, Standing};
    let Some(rosters) = &state.oncall else {
        return Vec::new();
    };
    let mut services = record.incident.services.clone();
    services.extend(
        record
            .incident
            .linked_alerts
            .iter()
            .filter_map(|fp| state.board.set().get(fp))
            .filter_map(|a| a.service.clone()),
    );
    let owners = rosters.teams.owners_of_services(&services);
    if owners.is_empty() {
        return vec![Span::styled(
            " · no team owns its services",
            theme.warning(),
        )];
    }
    let mut spans = vec![Span::raw(" · on call:")];
    for t in owners {
        let Some(team) = rosters.teams.get(t) else {
            continue;
        };
        let has_schedule = rosters
            .roster(t)
            .is_some_and(|r| !r.schedule.is_empty() || r.error.is_some());
        spans.push(match rosters.standing(t, state.now) {
            Standing::On { who, until } => Span::raw(format!(
                " {} {who}{}",
                team.name,
                until
                    .map(|u| format!(" until {}", short_when(u, &team.zone, state.now)))
                    .unwrap_or_default()
            )),
            Standing::Nobody { .. } if has_schedule => {
                Span::styled(format!(" {} NOBODY", team.name), theme.error())
            }
            Standing::Nobody { .. } => {
                Span::styled(format!(" {} (no schedule)", team.name), theme.dim())
            }
        });
    }
    spans
}

/// The reminder for the comms lead: when the next customer update is due, and loud
/// once it is late.
fn next_update(state: &State, theme: &Theme, record: &IncidentRecord) -> Option<Span<'static>> {
    let due = next_customer_update(&record.incident, &record.timeline, state.comms_every)?;
    Some(if due < state.now {
        Span::styled(
            format!(
                " · ⚠ customer update overdue {}",
                format_duration(state.now - due)
            ),
            theme.warning(),
        )
    } else {
        Span::styled(
            format!(
                " · next customer update in {}",
                format_duration(due - state.now)
            ),
            theme.dim(),
        )
    })
}

fn render_timeline(
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    timeline: &[TimelineEntry],
) {
    let height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    // Newest at the bottom; scroll counts entries up from the newest. Entries are
    // wrapped by hand so the rows used are known exactly and only the entries that
    // fit are built, however long the timeline.
    let scroll = state.timeline_scroll.min(timeline.len().saturating_sub(1));
    let end = timeline.len() - scroll;
    // In NAV mode the bottom entry is the selected one (`m` amends it).
    let selected = crate::app::composer::selected_entry(state).map(|e| e.id);
    let id_width = timeline.last().map_or(2, |e| e.id.0.to_string().len() + 1);
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    let mut used = 0;
    for entry in timeline[..end].iter().rev() {
        if used >= height {
            break;
        }
        let lines = entry_lines(
            state,
            theme,
            entry,
            width,
            (id_width, selected == Some(entry.id)),
        );
        used += lines.len();
        blocks.push(lines);
    }
    let mut lines: Vec<Line> = blocks.into_iter().rev().flatten().collect();
    if lines.len() > height {
        lines.drain(..lines.len() - height);
    }
    let position = if scroll > 0 {
        format!(" Timeline ({} entries, ↑{scroll}) ", timeline.len())
    } else {
        format!(" Timeline ({} entries) ", timeline.len())
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(position)),
        area,
    );
}

/// One entry as screen rows: time, id (dim; `▶` before the selected one) and kind
/// label, then the author and text wrapped under it to `width` columns.
fn entry_lines(
    state: &State,
    theme: &Theme,
    e: &TimelineEntry,
    width: usize,
    (id_width, selected): (usize, bool),
) -> Vec<Line<'static>> {
    let time = clock(e.at, state.time_display);
    let id = format!(
        "{}{:>id_width$}",
        if selected { '▶' } else { ' ' },
        format!("#{}", e.id.0)
    );
    let kind = format!(" {:<10} ", e.kind.as_str());
    let prefix_width = time.width() + id.width() + kind.width();
    let amended = if e.was_amended() { " (amended)" } else { "" };
    let body = format!(
        "{}: {}{amended}",
        e.signed_author(),
        crate::format::shown_times(&e.text, e.at, state.time_display).replace('\n', " ⏎ ")
    );
    let chunks = wrap(&body, width.saturating_sub(prefix_width).max(8));
    let mut lines = Vec::with_capacity(chunks.len());
    for (n, chunk) in chunks.into_iter().enumerate() {
        if n == 0 {
            let id_style = if selected {
                theme.selected()
            } else {
                theme.dim()
            };
            lines.push(Line::from(vec![
                Span::styled(time.clone(), theme.dim()),
                Span::styled(id.clone(), id_style),
                Span::styled(kind.clone(), theme.kind(e.kind)),
                Span::raw(chunk),
            ]));
        } else {
            lines.push(Line::from(format!("{}{chunk}", " ".repeat(prefix_width))));
        }
    }
    lines
}

/// Splits `text` into rows of at most `width` display columns, breaking between
/// words; only a word longer than a whole row is broken inside (wide characters
/// count two). Spaces at a break are dropped.
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = vec![String::new()];
    let mut used = 0;
    for word in text.split(' ') {
        let word_width = word.width();
        let gap = usize::from(used > 0);
        if used + gap + word_width <= width {
            if let Some(last) = out.last_mut() {
                if gap == 1 {
                    last.push(' ');
                }
                last.push_str(word);
            }
            used += gap + word_width;
            continue;
        }
        if word_width <= width {
            out.push(word.to_string());
            used = word_width;
            continue;
        }
        // Longer than a row: fill what is left of this row, then whole rows.
        if used > 0 && used + 1 < width {
            if let Some(last) = out.last_mut() {
                last.push(' ');
            }
            used += 1;
        } else if used > 0 {
            out.push(String::new());
            used = 0;
        }
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                out.push(String::new());
                used = 0;
            }
            if let Some(last) = out.last_mut() {
                last.push(c);
            }
            used += w;
        }
    }
    out
}

fn render_follow_ups(state: &State, frame: &mut Frame, area: Rect, record: &IncidentRecord) {
    let today = state.now.date_naive();
    let lines: Vec<Line> = record
        .follow_ups
        .iter()
        .take(usize::from(area.height.saturating_sub(2)))
        .map(|f| {
            let state = if f.is_done() {
                "done"
            } else if f.is_cancelled() {
                "cancelled"
            } else if f.is_overdue(today) {
                "⚠ OVERDUE"
            } else {
                "open"
            };
            let due = f
                .due
                .map(|d| d.to_string())
                .unwrap_or_else(|| "no due date".into());
            Line::from(format!(
                "#{} {state} · {} · {due} · {}",
                f.id, f.owner, f.title
            ))
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Follow-ups ({}) ", record.follow_ups.len())),
        ),
        area,
    );
}

/// The NAV-mode footer, most needed first: select and amend (with the selected entry's
/// id), export and comms, then the other shortcuts in the command table's order.
pub fn nav_keys(selected: Option<&TimelineEntry>) -> String {
    const FIRST: [&str; 4] = ["amend", "export", "comms", "status"];
    let commands = crate::app::commands::COMMANDS;
    let keyed = |name: &str| commands.iter().find(|c| c.name == name && c.key.is_some());
    let mut items = vec!["↑↓ select".to_string()];
    for name in FIRST {
        if let Some(c) = keyed(name) {
            let key = c.key.unwrap_or(' ');
            items.push(match (name, selected) {
                ("amend", Some(e)) => format!("{key} amend #{}", e.id),
                _ => format!("{key} {}", c.name),
            });
        }
    }
    items.push("? all keys".into());
    items.push("Esc back".into());
    items.extend(
        commands
            .iter()
            .filter(|c| !FIRST.contains(&c.name))
            .filter_map(|c| c.key.map(|k| format!("{k} {}", c.name))),
    );
    format!(" {}{}", items.join(" · "), strings::KEYS_NAV_TAIL)
}

/// The composer: the kind and mode on top, the line, and under it what Enter will do
/// (the command's arguments as they are typed) or why the last Enter did nothing.
fn render_composer(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let c = &state.composer;
    let status = if c.pending.is_some() {
        " saving…"
    } else if c.focused {
        ""
    } else {
        " (NAV: type or Enter to write)"
    };
    let posts = crate::app::composer::posting_to(state, c.kind)
        .map(|to| format!(" → posts to {to}"))
        .unwrap_or_default();
    // What the next Enter says to customers must be plain: shown reversed, named.
    let (kind_style, customers) = if c.kind == EntryKind::Comms {
        (
            theme
                .kind(c.kind)
                .add_modifier(ratatui::style::Modifier::REVERSED),
            strings::COMPOSER_TO_CUSTOMERS,
        )
    } else {
        (theme.kind(c.kind), "")
    };
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(c.kind.as_str(), kind_style),
        Span::raw(format!("{posts}{customers} ▸{status} ")),
    ]);
    let below = match &c.error {
        Some(why) => Line::from(Span::styled(format!(" ✗ {why} "), theme.error())),
        None if c.focused => Line::from(Span::styled(
            format!(
                " {} ",
                crate::app::commands::hint(
                    &c.content(),
                    c.kind,
                    crate::app::composer::posting_to(state, EntryKind::Comms).as_deref()
                )
            ),
            theme.dim(),
        )),
        None => Line::from(""),
    };
    let mut text = c.text.clone();
    text.set_block(
        Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title_bottom(below),
    );
    if !c.focused {
        text.set_cursor_style(ratatui::style::Style::default());
    }
    frame.render_widget(&text, area);
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap;

    #[test]
    fn rows_break_between_words_and_only_long_words_are_cut() {
        assert_eq!(
            wrap("stream start success burning fast", 20),
            vec!["stream start success", "burning fast"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("go abcdefghij", 6), vec!["go abc", "defghi", "j"]);
        assert_eq!(wrap("直播 直播", 4), vec!["直播", "直播"]);
        assert_eq!(wrap("", 10), vec![""]);
    }
}
