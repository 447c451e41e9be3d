//! The dashboard: live alerts (P1 first, new ones marked, unlinked P1s impossible to
//! miss) above the open incidents with severity, status, roles, age and the P2 triage
//! countdown.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

use super::strings;
use super::theme::Theme;
use crate::app::alerts::{AlertBoard, RowRef};
use crate::app::{Pane, State};
use crate::domain::metrics::{incident_times, triage_remaining};
use crate::domain::parse::format_duration;
use crate::domain::{Incident, Severity};

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let watching = !state.board.sources.is_empty();
    let unlinked = state.board.unlinked_p1(&state.incidents);
    let warn_height = u16::from(!unlinked.is_empty());
    let alerts_height = if watching {
        // Up to half the body, at least a header and a row.
        let wanted = state.board.row_count().max(1) as u16 + 3;
        wanted
            .min(area.height.saturating_sub(warn_height) / 2)
            .max(4.min(area.height))
    } else {
        0
    };
    let slo_rows = state.slos.len() + state.slo_errors.len();
    let slo_height = if slo_rows == 0 {
        0
    } else {
        // A compact strip: at most six rows, and never more than a quarter of the body.
        (slo_rows.min(6) as u16 + 3)
            .min(area.height / 4)
            .max(3.min(area.height))
    };
    let [warn, alerts, slos, incidents] = Layout::vertical([
        Constraint::Length(warn_height),
        Constraint::Length(alerts_height),
        Constraint::Length(slo_height),
        Constraint::Min(0),
    ])
    .areas(area);
    if !unlinked.is_empty() {
        let names: Vec<&str> = unlinked.iter().map(|a| a.name.as_str()).collect();
        let text = format!(
            " ⚠ {} P1 alert{} firing with no incident: {} — d declares ",
            unlinked.len(),
            if unlinked.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
        frame.render_widget(Paragraph::new(text).style(theme.alarm()), warn);
    }
    if watching {
        render_alerts(state, theme, frame, alerts);
    }
    if slo_height > 0 {
        render_slos(state, theme, frame, slos);
    }
    render_incidents(state, theme, frame, incidents);
}

/// SLOs by urgency: burn rates, budget left and the threshold crossed; those that
/// could not be read say why.
fn render_slos(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    // The burn drawn beside the table, when there is room and a history was read.
    let (area, burns) = if area.width >= 100 && !state.slo_history.is_empty() {
        let [table, burns] =
            Layout::horizontal([Constraint::Min(60), Constraint::Length(28)]).areas(area);
        (table, Some(burns))
    } else {
        (area, None)
    };
    let paging = state
        .slos
        .iter()
        .filter(|s| s.crossed.is_some_and(|t| t.page))
        .count();
    let title = format!(" SLOs ({}, {paging} paging) ", state.slos.len());
    let visible = usize::from(area.height.saturating_sub(3));
    let rate = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.1}x"));
    let compact = area.width < 120;
    // Narrow screens drop BURN 6H, so that the verdict fits beside ALERTING.
    fn keep_all<T>(mut v: Vec<T>, compact: bool) -> Vec<T> {
        if compact && v.len() > 3 {
            v.remove(3);
        }
        v
    }

    let mut rows_alerting = 0;
    let mut verdict_width = "VERDICT".len();
    let mut rows: Vec<Row> = state
        .slos
        .iter()
        .take(visible)
        .map(|s| {
            // Narrow screens say the threshold in short (`page 14.4x 1h/5m`), so
            // that neither it nor the SLO's name is cut.
            let threshold = |t: crate::domain::slo::Threshold| {
                if compact {
                    format!(
                        "{} {}x {}/{}",
                        if t.page { "page" } else { "ticket" },
                        t.burn,
                        t.long,
                        t.short
                    )
                } else {
                    t.name.to_string()
                }
            };
            let (alert, style) = match s.crossed {
                Some(t) if t.page => (format!("⚠ {}", threshold(t)), theme.error()),
                Some(t) => (threshold(t), theme.warning()),
                None if !s.problems.is_empty() => (s.problems.join("; "), theme.dim()),
                None => ("—".to_string(), theme.dim()),
            };
            let budget = s
                .budget_remaining
                .map_or_else(|| "—".to_string(), |b| format!("{:.0}%", b * 100.0));
            if s.crossed.is_some() {
                rows_alerting =
                    rows_alerting.max(unicode_width::UnicodeWidthStr::width(alert.as_str()));
            }
            let v = state.verdict(s);
            // Narrow: the verdict in a word and its rules (ALERTING says the burn).
            let verdict = if compact {
                match v.verdict {
                    "hold" => {
                        let mut rules: Vec<&str> =
                            v.reasons.iter().map(|r| r.rule.as_str()).collect();
                        rules.dedup();
                        format!("HOLD {}", rules.join(","))
                    }
                    "unknown" => "UNKNOWN".to_string(),
                    _ => "ship".to_string(),
                }
            } else {
                v.short()
            };
            let verdict_style = match v.verdict {
                "hold" => theme.error(),
                "unknown" => theme.warning(),
                _ => theme.dim(),
            };
            verdict_width =
                verdict_width.max(unicode_width::UnicodeWidthStr::width(verdict.as_str()));
            Row::new(keep_all(
                vec![
                    Line::from(s.slo.clone()),
                    Line::from(s.region.clone()),
                    Line::from(rate(s.burn_1h)),
                    Line::from(rate(s.burn_6h)),
                    Line::from(budget),
                    Line::from(Span::styled(alert, style)),
                    Line::from(Span::styled(verdict, verdict_style)),
                ],
                compact,
            ))
        })
        .collect();
    rows.extend(
        state
            .slo_errors
            .iter()
            .take(visible.saturating_sub(rows.len()))
            .map(|(slo, error)| {
                Row::new(keep_all(
                    vec![
                        Line::from(slo.clone()),
                        Line::from("—"),
                        Line::from("—"),
                        Line::from("—"),
                        Line::from("—"),
                        Line::from(Span::styled(format!("cannot read: {error}"), theme.error())),
                        Line::from(Span::styled(
                            if compact { "UNKNOWN" } else { "UNKNOWN: hold" },
                            theme.warning(),
                        )),
                    ],
                    compact,
                ))
            }),
    );
    // ALERTING is read whole (`⚠ page: 14.4x over 1h`); the SLO's name gives way.
    let alerting = rows_alerting.max("ALERTING".len()) as u16;
    let header = Row::new(keep_all(
        vec![
            "SLO",
            "REGION",
            "BURN 1H",
            "BURN 6H",
            "BUDGET LEFT",
            "ALERTING",
            "VERDICT",
        ],
        compact,
    ))
    .style(theme.dim());
    let table = Table::new(
        rows,
        keep_all(
            vec![
                Constraint::Min(12),
                Constraint::Length(9),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(11),
                Constraint::Length(alerting),
                Constraint::Length(verdict_width.min(if compact { 16 } else { 40 }) as u16),
            ],
            compact,
        ),
    )
    .header(header)
    .block(Block::default().borders(Borders::ALL).title(title));
    frame.render_widget(table, area);
    if let Some(burns) = burns {
        render_burns(state, theme, frame, burns, visible);
    }
}

/// The newest points of a burn history that fit `width`, a tenth of a burn per
/// step, topped at a page's 14.4x (or the peak, when higher): the strip's and the
/// incident view's drawing.
pub(super) fn burn_sparkline(
    history: &crate::domain::slo::BurnHistory,
    width: u16,
) -> ratatui::widgets::Sparkline<'static> {
    let points: Vec<Option<u64>> = history
        .points
        .iter()
        .rev()
        .take(usize::from(width))
        .rev()
        .map(|p| p.map(|v| (v * 10.0).round().clamp(0.0, 1e6) as u64))
        .collect();
    let peak = history.peak().unwrap_or(0.0);
    ratatui::widgets::Sparkline::default()
        .data(points)
        .max((peak.max(14.4) * 10.0) as u64)
}

/// A row's burn history, and since when it is stale.
type Drawn<'a> = (
    &'a crate::domain::slo::BurnHistory,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// The last 6 hours of each row's 1h burn, a sparkline per row beside the table
/// (same rows: below the border and the header); a history that could not be read
/// again stays, marked stale.
fn render_burns(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, visible: usize) {
    // The rows as the table lists them: each SLO×region, then each SLO that could
    // not be read (its last drawing, its first region's, stays beside it).
    let rows: Vec<Option<Drawn<'_>>> = state
        .slos
        .iter()
        .map(|s| state.burn_history(&s.slo, &s.region))
        .chain(state.slo_errors.iter().map(|(slo, _)| {
            state
                .slo_history
                .iter()
                .find(|h| &h.slo == slo)
                .map(|h| (h, state.slo_history_stale.get(slo).copied()))
        }))
        .take(visible)
        .collect();
    let stale = rows.iter().flatten().filter_map(|(_, since)| *since).min();
    let title = match stale {
        Some(since) => Line::from(Span::styled(
            format!(
                " 1h burn, 6h · stale {} ",
                format_duration(state.now - since)
            ),
            theme.warning(),
        )),
        None => Line::from(" 1h burn, 6h "),
    };
    frame.render_widget(Block::default().borders(Borders::ALL).title(title), area);
    let inner_width = area.width.saturating_sub(2);
    for (i, row) in rows.iter().enumerate() {
        let y = area.y + 2 + i as u16;
        if y + 1 >= area.y + area.height {
            break;
        }
        let cell = Rect::new(area.x + 1, y, inner_width, 1);
        let Some((history, since)) = row else {
            frame.render_widget(
                Paragraph::new(Span::styled("no history", theme.dim())),
                cell,
            );
            continue;
        };
        let peak = history.peak().unwrap_or(0.0);
        let style = if since.is_some() {
            theme.dim()
        } else if peak >= 14.4 {
            theme.error()
        } else if peak >= 1.0 {
            theme.warning()
        } else {
            theme.dim()
        };
        frame.render_widget(burn_sparkline(history, inner_width).style(style), cell);
    }
}

fn pane_title(state: &State, pane: Pane, text: String) -> String {
    if state.pane == pane && !state.board.sources.is_empty() {
        format!(" ▸{text}")
    } else {
        format!(" {text}")
    }
}

fn render_alerts(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let board = &state.board;
    let marked = if board.marked.is_empty() {
        String::new()
    } else {
        format!(", {} marked", board.marked.len())
    };
    let change = match board.last_change() {
        Some((0, 0)) | None => String::new(),
        Some((arrived, gone)) => format!(", +{arrived} new −{gone} gone since last poll"),
    };
    let grouped = if board.grouped {
        format!(" in {} groups", board.set().groups.len())
    } else {
        String::new()
    };
    let demo = if board.is_demo() {
        " — DEMO feed, simulated"
    } else {
        ""
    };
    let block = Block::default().borders(Borders::ALL).title(pane_title(
        state,
        Pane::Alerts,
        format!(
            "Alerts ({}{grouped}{change}{marked}){demo} ",
            board.alerts().len()
        ),
    ));
    if board.alerts().is_empty() {
        let never_ok = board.sources.iter().all(|s| s.health.last_ok.is_none());
        let failing = board
            .sources
            .iter()
            .any(|s| s.health.failing_since.is_some());
        let text = if never_ok && failing {
            strings::ALERTS_NONE_ANSWERED
        } else if never_ok {
            strings::ALERTS_WAITING
        } else {
            strings::NO_ALERTS
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let first = board.selected.saturating_sub(visible - 1);
    let focused = state.pane == Pane::Alerts;
    // Narrower screens keep what matters: which alert, how bad, where, since when.
    // OWNER (6) is there only when teams are configured; then it outranks REGION.
    let owners = state.oncall.as_ref();
    let keep: Vec<usize> = match (area.width, owners.is_some()) {
        (140.., true) => (0..12).collect(),
        (140.., false) => vec![0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11],
        (100..140, true) => vec![0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11],
        (100..140, false) => vec![0, 1, 2, 3, 4, 5, 7, 9, 10, 11],
        // At 80 columns SERVICE stays: it says whose alert it is.
        (_, true) => vec![0, 1, 2, 4, 5, 6, 9, 10],
        (_, false) => vec![0, 1, 2, 4, 5, 7, 9, 10],
    };
    // An alert no team owns is said in words and colour, with a mark.
    let owner_cell = |a: &crate::domain::alert::Alert| -> Line<'static> {
        let Some(rosters) = owners else {
            return Line::from("");
        };
        match rosters
            .teams
            .owner(a.service.as_deref(), |k| a.labels.get(k))
        {
            Some(team) => {
                let (text, nobody) = rosters.owner_text(team, state.now);
                if nobody {
                    Line::from(Span::styled(format!("⚠ {text}"), theme.error()))
                } else {
                    Line::from(text)
                }
            }
            None => Line::from(Span::styled("⚠ no owner", theme.warning())),
        }
    };
    let shown: Vec<(usize, RowRef)> = (first..first + visible)
        .filter_map(|i| board.row(i).map(|r| (i, r)))
        .collect();
    let set = board.set();
    let name_of = |row: &RowRef| match *row {
        // The count first: a long name is cut at its end, never the count.
        RowRef::Group(g) => format!("▸ {}× {}", set.groups[g].members.len(), set.groups[g].name),
        RowRef::Alert(i) if board.grouped => format!("  {}", set.alerts[i].name),
        RowRef::Alert(i) => set.alerts[i].name.clone(),
    };
    // The ALERT column is as wide as the names on screen, up to 24.
    let names: Vec<String> = shown.iter().map(|(_, r)| name_of(r)).collect();
    let alert_width = names
        .iter()
        .map(|n| unicode_width::UnicodeWidthStr::width(n.as_str()))
        .max()
        .unwrap_or(0)
        .clamp(5, 24) as u16;
    // The SLO column is as wide as the SLO names on screen, 3 to 32.
    let slo_width = shown
        .iter()
        .filter_map(|(_, r)| match *r {
            RowRef::Alert(i) => set.alerts[i].slo.as_deref(),
            RowRef::Group(g) => set.alerts[set.groups[g].members[0]].slo.as_deref(),
        })
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
        .clamp(3, 32) as u16;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let age = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "?".to_string(), |t| format_duration(state.now - t))
    };
    // A failing source's rows are its last good answer: said in words on each row,
    // so it is visible without colour, never read as live.
    let state_cell =
        |a: &crate::domain::alert::Alert, live: String| match board.stale_since(&a.source) {
            Some(since) => Line::from(Span::styled(
                format!("stale {}", format_duration(state.now - since)),
                theme.warning(),
            )),
            None => Line::from(live),
        };
    let rows: Vec<Row> = shown
        .iter()
        .zip(names)
        .map(|((i, row), name)| {
            let cells = match *row {
                RowRef::Group(g) => {
                    let group = &set.groups[g];
                    let lead = &set.alerts[group.members[0]];
                    let all_marked = group
                        .members
                        .iter()
                        .all(|&m| board.marked.contains(&set.alerts[m].fingerprint));
                    let sev = if group.p1 > 0 {
                        Some(Severity::P1)
                    } else {
                        lead.severity
                    };
                    let name = if board.is_expanded(group) {
                        name.replacen('▸', "▾", 1)
                    } else {
                        name
                    };
                    vec![
                        Line::from(if all_marked { "[x]" } else { "[ ]" }),
                        Line::from(""),
                        Line::from(Span::styled(
                            sev.map_or("—", Severity::as_str),
                            sev.map_or_else(|| theme.dim(), |s| theme.severity(s)),
                        )),
                        state_cell(lead, format!("{} firing", group.firing)),
                        Line::from(name),
                        Line::from(dash(&lead.service)),
                        owner_cell(lead),
                        Line::from(dash(&lead.region)),
                        Line::from(dash(&lead.slo)),
                        Line::from(age(lead.starts_at)),
                        Line::from("—"),
                        Line::from(format!(
                            "{} alert{}, {} P1, {} firing",
                            group.members.len(),
                            if group.members.len() == 1 { "" } else { "s" },
                            group.p1,
                            group.firing
                        )),
                    ]
                }
                RowRef::Alert(a) => {
                    let a = &set.alerts[a];
                    let mark = if board.marked.contains(&a.fingerprint) {
                        "[x]"
                    } else {
                        "[ ]"
                    };
                    let new = if board.is_new(a) { "NEW" } else { "" };
                    let linked = AlertBoard::incident_of(a, &state.incidents)
                        .map(|id| format!("#{id}"))
                        .unwrap_or_else(|| "—".into());
                    let sev = a.severity.map_or("—", Severity::as_str);
                    let sev_style = a
                        .severity
                        .map_or_else(|| theme.dim(), |s| theme.severity(s));
                    vec![
                        Line::from(mark),
                        Line::from(Span::styled(new, theme.warning())),
                        Line::from(Span::styled(sev, sev_style)),
                        state_cell(a, a.state.as_str().to_string()),
                        Line::from(name),
                        Line::from(dash(&a.service)),
                        owner_cell(a),
                        Line::from(dash(&a.region)),
                        Line::from(dash(&a.slo)),
                        Line::from(age(a.starts_at)),
                        Line::from(linked),
                        Line::from(dash(&a.summary)),
                    ]
                }
            };
            let row = Row::new(pick(cells, &keep));
            if focused && *i == board.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(pick(
        vec![
            "", "", "SEV", "STATE", "ALERT", "SERVICE", "OWNER", "REGION", "SLO", "AGE", "INC",
            "SUMMARY",
        ],
        &keep,
    ))
    .style(theme.dim());
    let narrow = area.width < 100;
    let table = Table::new(
        rows,
        pick(
            vec![
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Length(9),
                if narrow {
                    Constraint::Length(alert_width)
                } else {
                    Constraint::Length(24)
                },
                Constraint::Length(10),
                Constraint::Length(22),
                Constraint::Length(9),
                Constraint::Length(slo_width),
                Constraint::Length(6),
                Constraint::Length(4),
                Constraint::Min(10),
            ],
            &keep,
        ),
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

fn render_incidents(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let listed = state.listed();
    let which = if state.show_resolved {
        "Resolved"
    } else {
        "Open"
    };
    let filter = if state.filter.is_empty() {
        String::new()
    } else {
        format!(" matching '{}'", state.filter)
    };
    let block = Block::default().borders(Borders::ALL).title(pane_title(
        state,
        Pane::Incidents,
        format!(
            "{which} incidents ({}){filter} · R {} ",
            if state.incidents_unreadable.is_some() {
                "?".to_string()
            } else {
                listed.len().to_string()
            },
            if state.show_resolved {
                "open"
            } else {
                "resolved"
            }
        ),
    ));
    if let Some(why) = &state.incidents_unreadable {
        // Never "no open incidents" when they could not be read.
        let text = Line::from(Span::styled(
            format!("{}{why}", strings::INCIDENTS_UNREADABLE),
            theme.error(),
        ));
        frame.render_widget(
            Paragraph::new(text)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    if listed.is_empty() {
        let empty = match (state.show_resolved, state.filter.is_empty()) {
            (_, false) => strings::NO_MATCH,
            (true, true) => strings::NO_RESOLVED,
            (false, true) => strings::NO_INCIDENTS,
        };
        frame.render_widget(Paragraph::new(empty).block(block), area);
        return;
    }
    // Rows that fit below the border and the header; build only those.
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let first = state.selected.saturating_sub(visible - 1);
    // Below 100 columns the commander gives way to the title.
    let keep: Vec<usize> = if area.width >= 100 {
        (0..8).collect()
    } else {
        vec![0, 1, 2, 3, 4, 6, 7]
    };
    let rows: Vec<Row> = listed
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, incident)| {
            let row = incident_row(state, theme, incident, &keep);
            let focused = state.pane == Pane::Incidents || state.board.sources.is_empty();
            if focused && i == state.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(pick(
        vec![
            "ID",
            "SEV",
            "STATUS",
            "AGE",
            "TRIAGE",
            "COMMANDER",
            "COMMS",
            "TITLE",
        ],
        &keep,
    ))
    .style(theme.dim());
    let table = Table::new(
        rows,
        pick(
            vec![
                Constraint::Length(5),
                Constraint::Length(3),
                Constraint::Length(13),
                Constraint::Length(6),
                Constraint::Length(9),
                Constraint::Length(12),
                Constraint::Length(8),
                Constraint::Min(10),
            ],
            &keep,
        ),
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

fn incident_row<'a>(state: &State, theme: &Theme, i: &'a Incident, keep: &[usize]) -> Row<'a> {
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
    let title = i.marked_title();
    Row::new(pick(
        vec![
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
        ],
        keep,
    ))
}

/// The items at the `keep` positions, in order.
fn pick<T>(items: Vec<T>, keep: &[usize]) -> Vec<T> {
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, item)| item)
        .collect()
}
