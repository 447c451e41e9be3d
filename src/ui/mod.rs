//! Drawing the TUI: `render(&State, &Theme, &mut Frame)` reads the state and never
//! changes it. One file per screen region; every label lives in `strings`.
//! Only what is on screen is built, so a 10,000-entry timeline costs a screenful.

mod dashboard;
mod incident;
mod overlay;
pub mod strings;
pub mod theme;

use chrono::Local;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::{Layer, State, View};
pub use theme::Theme;

/// Smallest area the screens are laid out for; below it a short notice is shown.
const MIN_WIDTH: u16 = 30;
const MIN_HEIGHT: u16 = 8;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        frame.render_widget(
            Paragraph::new(strings::TOO_SMALL).style(theme.warning()),
            area,
        );
        return;
    }
    let [header, body, banner, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(state, theme, frame, header);
    match state.view {
        View::Dashboard => dashboard::render(state, theme, frame, body),
        View::Incident(_) => incident::render(state, theme, frame, body),
    }
    if let Some(b) = &state.banner {
        let style = if b.error { theme.error() } else { theme.dim() };
        let prefix = if b.error { "error: " } else { "" };
        frame.render_widget(
            Paragraph::new(format!("{prefix}{}", b.text)).style(style),
            banner,
        );
    }
    render_footer(state, theme, frame, footer);
    overlay::render(state, theme, frame, body);
}

/// The header's word on the pager: when you hold it, and any team nobody holds it
/// for (a gap in its schedule) or whose schedule could not be read.
fn on_call_spans(
    state: &State,
    theme: &Theme,
    rosters: &crate::domain::oncall::Rosters,
    spans: &mut Vec<Span<'static>>,
) {
    use crate::domain::oncall::{short_when, Standing};
    for (team, until) in rosters.on_call_for(&state.user, state.now) {
        let Some(t) = rosters.teams.get(team) else {
            continue;
        };
        let until = until
            .map(|u| format!(" until {}", short_when(u, &t.zone, state.now)))
            .unwrap_or_default();
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!("you are on call for {}{until}", t.name),
            theme.title(),
        ));
    }
    for (i, t) in rosters.teams.all().iter().enumerate() {
        let Some(roster) = rosters.roster(i) else {
            continue;
        };
        if let Some(problem) = roster.problem(state.now) {
            spans.push(Span::raw("  "));
            let style = if roster.copy_from.is_some() {
                theme.warning()
            } else {
                theme.error()
            };
            spans.push(Span::styled(format!("{}: {problem}", t.name), style));
        } else if !roster.schedule.is_empty()
            && matches!(rosters.standing(i, state.now), Standing::Nobody { .. })
        {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                format!("{}: NOBODY on call", t.name),
                theme.error(),
            ));
        }
    }
}

fn render_header(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let local = state.now.with_timezone(&Local).format("%H:%M:%S %:z");
    let utc = state.now.format("%H:%M:%SZ");
    let mut spans = vec![Span::styled(" sitrep ", theme.title())];
    if state.board.is_demo() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" DEMO ", theme.alarm()));
    }
    if state.drill {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" DRILL ", theme.alarm()));
    }
    spans.push(Span::raw(format!(" {}  ", state.user)));
    spans.push(Span::styled(format!("{local} · {utc}"), theme.dim()));
    if let Some(rosters) = &state.oncall {
        on_call_spans(state, theme, rosters, &mut spans);
    }
    if let Some((since, why)) = &state.database_down {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!(
                "database: reconnecting since {} ({why})",
                crate::format::clock(*since, state.time_display)
            ),
            theme.error(),
        ));
    }
    for source in state.board.sources.iter().filter(|s| !s.demo) {
        spans.push(Span::raw("  "));
        spans.push(source_health(state, theme, source));
    }
    if state.board.sources.is_empty() {
        // Silence must never look like health: say that nothing is watched.
        spans.push(Span::raw("  "));
        spans.push(Span::styled(strings::NO_SOURCES, theme.warning()));
    }
    // Last: a failing source's reason matters more on a narrow screen.
    if let Some(database) = &state.database {
        spans.push(Span::styled(format!("  · {database}"), theme.dim()));
        match state.watched {
            Some(true) => spans.push(Span::styled(" · watch: ok", theme.dim())),
            Some(false) => spans.push(Span::styled(" · watch: none", theme.warning())),
            None => {}
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `eu ok`, `eu FAILING 3m: HTTP 500`, `eu STALE 2m`, `eu …` (no answer yet).
fn source_health(
    state: &State,
    theme: &Theme,
    source: &crate::app::alerts::SourceView,
) -> Span<'static> {
    use crate::domain::health::Health;
    use crate::domain::parse::format_duration;
    match source.health.status(state.now, source.poll_interval) {
        Health::Unknown => Span::styled(format!("{} …", source.name), theme.dim()),
        Health::Ok { .. } => Span::raw(format!("{} ok", source.name)),
        Health::Failing { since, error } => Span::styled(
            format!(
                "{} FAILING {}: {error}",
                source.name,
                format_duration(state.now - since)
            ),
            theme.error(),
        ),
        Health::Stale { last_ok } => Span::styled(
            format!(
                "{} STALE {}",
                source.name,
                format_duration(state.now - last_ok)
            ),
            theme.warning(),
        ),
    }
}

/// The footer: the keys that work now. In the incident view it starts with the mode,
/// TYPE or NAV, so that nobody mistakes one for the other.
fn render_footer(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let in_incident = matches!(state.view, View::Incident(_)) && matches!(state.layer, Layer::None);
    // While a command of `/run` runs in this incident, Ctrl-C is its.
    let running = match state.view {
        View::Incident(id) => state
            .run
            .as_ref()
            .is_some_and(|r| r.running() && r.incident == id),
        View::Dashboard => false,
    };
    let width = usize::from(area.width);
    let line = if in_incident && state.composer.focused {
        let keys = if running {
            strings::KEYS_COMPOSER_RUNNING
        } else {
            strings::KEYS_COMPOSER
        };
        Line::from(vec![
            Span::styled(strings::MODE_TYPE, theme.mode_type()),
            Span::styled(
                fitted(keys, width - strings::MODE_TYPE.len().min(width)),
                theme.dim(),
            ),
        ])
    } else if in_incident {
        let keys = incident::nav_keys(crate::app::composer::selected_entry(state));
        Line::from(vec![
            Span::styled(strings::MODE_NAV, theme.mode_nav()),
            Span::styled(
                fitted(&keys, width - strings::MODE_NAV.len().min(width)),
                theme.dim(),
            ),
        ])
    } else {
        Line::from(Span::styled(fitted(footer_keys(state), width), theme.dim()))
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// A footer's keys (` a · b · c`, most needed first) cut to whole keys that fit in
/// `width` columns; `? …` (the way to every key) and `Esc …` (the way out) are kept
/// whatever is cut.
fn fitted(keys: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    const GAP: &str = " · ";
    let items: Vec<&str> = keys.trim_start().split(GAP).collect();
    let cost = |items: &[&str]| {
        1 + items.iter().map(|i| i.width()).sum::<usize>()
            + items.len().saturating_sub(1) * GAP.width()
    };
    if cost(&items) <= width {
        return keys.to_string();
    }
    let kept = |i: &&str| i.starts_with("? ") || i.starts_with("Esc ");
    let always: Vec<&str> = items.iter().copied().filter(kept).collect();
    let mut out: Vec<&str> = Vec::new();
    for item in items.iter().copied().filter(|i| !kept(i)) {
        let mut trial = out.clone();
        trial.push(item);
        trial.extend(&always);
        if cost(&trial) > width {
            break;
        }
        out.push(item);
    }
    out.extend(always);
    format!(" {}", out.join(GAP))
}

fn footer_keys(state: &State) -> &'static str {
    match (&state.layer, state.view) {
        (Layer::Help(_), _) => strings::KEYS_HELP,
        (Layer::Form(f), _) if f.purpose != crate::app::FormPurpose::Declare => {
            strings::KEYS_FORM_EDIT
        }
        (Layer::Form(_), _) => strings::KEYS_FORM,
        (Layer::Confirm(_), _) => strings::KEYS_CONFIRM_CHANGE,
        (Layer::Search(_), _) => strings::KEYS_SEARCH,
        (Layer::ConfirmQuit, _) => strings::KEYS_CONFIRM,
        (Layer::Alert(..), _) => strings::KEYS_ALERT,
        (Layer::Silences(_), _) => strings::KEYS_SILENCES,
        (Layer::None, View::Incident(_)) => strings::KEYS_COMPOSER,
        (Layer::None, View::Dashboard)
            if state.pane == crate::app::Pane::Alerts && !state.board.sources.is_empty() =>
        {
            strings::KEYS_ALERTS
        }
        (Layer::None, View::Dashboard) => strings::KEYS_DASHBOARD,
    }
}

#[cfg(test)]
mod tests;
