//! The incident view's keys: the composer (TYPE mode), the timeline (NAV mode) and the
//! confirmation of loud changes.
//!
//! What is typed is the log. In TYPE mode every printable key goes into the line;
//! Enter writes it as an entry of the shown kind, or runs it as a command when it
//! starts with `/` (see `commands`). Loud or irreversible changes (status, severity,
//! roles, resolve, drill) show what will change and need Enter to confirm. Esc goes to
//! NAV mode, where single letters are shortcuts that start typing a command (never
//! change anything by themselves), and any other printable key goes back to typing.

use ratatui_textarea::{Input, Key};

use super::commands::{self, Action};
use super::form::Form;
use super::{single_line, Banner, Confirm, Effect, Layer, RunPane, State, Then, View, Write};
use crate::domain::{EntryKind, IncidentId, NewEntry};

/// A key in the incident view with no layer on top.
pub fn incident_key(state: &mut State, id: IncidentId, input: Input) -> Vec<Effect> {
    if state.composer.focused {
        return typing_key(state, id, input);
    }
    navigating_key(state, id, input)
}

fn typing_key(state: &mut State, id: IncidentId, input: Input) -> Vec<Effect> {
    match input.key {
        Key::Esc => {
            state.composer.focused = false;
            state.composer.error = None;
        }
        Key::Tab => {
            let line = state.composer.content();
            match commands::complete(&line) {
                Some(completed) => state.composer.text = single_line(&completed),
                None if line.starts_with('/') => {}
                None => state.composer.kind = next_kind(state.composer.kind),
            }
        }
        Key::Enter => return submit(state, id),
        _ if state.composer.pending.is_some() => {}
        _ => {
            super::edit_line(&mut state.composer.text, input);
            state.composer.error = None;
        }
    }
    Vec::new()
}

/// The channels an entry of `kind` is posted to, joined for a sentence: comms updates
/// are, when channels are configured and the incident is not a drill.
pub fn posting_to(state: &State, kind: EntryKind) -> Option<String> {
    let drill = state.current_record().is_some_and(|r| r.incident.drill);
    (kind == EntryKind::Comms && !state.post_channels.is_empty() && !drill)
        .then(|| state.post_channels.join(", "))
}

/// Mitigation → comms update → note → mitigation: the kinds a person writes.
pub fn next_kind(kind: EntryKind) -> EntryKind {
    match kind {
        EntryKind::Mitigation => EntryKind::Comms,
        EntryKind::Comms => EntryKind::Note,
        _ => EntryKind::Mitigation,
    }
}

/// The entry NAV mode has selected: the bottom one on screen (scrolling moves it).
/// None while typing, under an overlay, or before the record is loaded.
pub fn selected_entry(state: &State) -> Option<&crate::domain::TimelineEntry> {
    if state.composer.focused || !matches!(state.layer, super::Layer::None) {
        return None;
    }
    let timeline = &state.current_record()?.timeline;
    let scroll = state.timeline_scroll.min(timeline.len().saturating_sub(1));
    timeline.len().checked_sub(1 + scroll).map(|i| &timeline[i])
}

fn navigating_key(state: &mut State, id: IncidentId, input: Input) -> Vec<Effect> {
    let effects = navigate(state, id, input);
    // Scrolling up stops at the oldest entry: Down answers at once after PgUp spam.
    let oldest = state
        .current_record()
        .map_or(0, |r| r.timeline.len().saturating_sub(1));
    state.timeline_scroll = state.timeline_scroll.min(oldest);
    effects
}

fn navigate(state: &mut State, id: IncidentId, input: Input) -> Vec<Effect> {
    let plain = !input.ctrl && !input.alt;
    match input.key {
        // Esc closes the output of a command that ended first, then leaves.
        Key::Esc
            if state
                .run
                .as_ref()
                .is_some_and(|r| !r.running() && r.incident == id) =>
        {
            state.run = None;
        }
        Key::Esc | Key::Left => {
            state.view = View::Dashboard;
            state.banner = None;
        }
        Key::Enter => state.composer.focused = true,
        Key::Up | Key::Char('k') if plain => {
            state.timeline_scroll = state.timeline_scroll.saturating_add(1)
        }
        Key::Down | Key::Char('j') if plain => {
            state.timeline_scroll = state.timeline_scroll.saturating_sub(1)
        }
        Key::PageUp => state.timeline_scroll = state.timeline_scroll.saturating_add(10),
        Key::PageDown => state.timeline_scroll = state.timeline_scroll.saturating_sub(10),
        Key::Home | Key::Char('g') if plain => state.timeline_scroll = usize::MAX,
        Key::End | Key::Char('G') if plain => state.timeline_scroll = 0,
        Key::Char(c) if plain => {
            // `m` amends the selected entry: its id is filled in (read before the
            // composer takes focus, which ends the selection).
            let selected = selected_entry(state).map(|e| e.id);
            state.composer.focused = true;
            state.composer.error = None;
            if state.composer.pending.is_some() {
                return Vec::new();
            }
            match commands::by_key(c) {
                Some(command) if command.name == "amend" => {
                    let Some(entry) = selected else {
                        state.composer.error = Some("no entry to amend yet".into());
                        return Vec::new();
                    };
                    if !state.composer.start_command(&format!("/amend {entry} ")) {
                        state.composer.error = Some(format!(
                            "'{c}' not used: your unsent line is kept (Enter writes it; \
                             delete it first to amend entry {entry})"
                        ));
                    }
                }
                // A shortcut starts typing its command; one with no arguments runs as
                // if typed (and asks first if it is loud).
                Some(command) if command.args.is_empty() => {
                    state.composer.focused = false;
                    return run(state, id, &format!("/{}", command.name), Origin::Shortcut);
                }
                // A draft is never replaced by a shortcut: it stays, and the line
                // under it says how to get to the command.
                Some(command) => {
                    if !state.composer.start_command(&format!("/{} ", command.name)) {
                        state.composer.error = Some(format!(
                            "'{c}' not used: your unsent line is kept (Enter writes it; \
                             delete it first for /{})",
                            command.name
                        ));
                    }
                }
                // Any other key is the start of a line of text.
                None => {
                    state.composer.text.input(input);
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Where a line to run came from: the composer (its text is what is written, kept
/// until saved) or a NAV-mode shortcut (the composer and its draft are left alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Composer,
    Shortcut,
}

/// Enter in the composer: the line becomes an entry, a command, or an error shown
/// under it. Nothing typed is lost: the text stays until the write is confirmed.
pub fn submit(state: &mut State, id: IncidentId) -> Vec<Effect> {
    let line = state.composer.content();
    if state.composer.pending.is_some() || line.trim().is_empty() {
        return Vec::new();
    }
    run(state, id, line.trim(), Origin::Composer)
}

fn run(state: &mut State, id: IncidentId, line: &str, origin: Origin) -> Vec<Effect> {
    let Some(record) = state.current_record() else {
        state.composer.error = Some("the incident is still loading; try again in a moment".into());
        return Vec::new();
    };
    let marked_alerts: Vec<&crate::domain::alert::Alert> = if state.board.marked.is_empty() {
        Vec::new()
    } else {
        state.board.chosen()
    };
    let marked: Vec<(String, String)> = marked_alerts
        .iter()
        .map(|a| (a.fingerprint.clone(), a.name.clone()))
        .collect();
    // `/silence` acts on the marked alerts, else on those the incident links.
    let alerts: Vec<&crate::domain::alert::Alert> = if marked_alerts.is_empty() {
        record
            .incident
            .linked_alerts
            .iter()
            .filter_map(|fp| state.board.set().get(fp).map(|a| &**a))
            .collect()
    } else {
        marked_alerts.clone()
    };
    let ctx = commands::Context {
        incident: &record.incident,
        user: &state.user,
        now: state.now,
        marked: &marked,
        timeline: &record.timeline,
        alerts: &alerts,
        alerts_marked: !marked_alerts.is_empty(),
        demo: state.board.is_demo(),
        time_display: state.time_display,
        running: state.run.as_ref().is_some_and(super::RunPane::running),
        linked_firing: record
            .incident
            .linked_alerts
            .iter()
            .filter_map(|fp| state.board.set().get(fp))
            .filter(|a| a.state == crate::domain::alert::AlertState::Firing)
            .map(|a| match &a.region {
                Some(region) => format!("{} in {region}", a.name),
                None => a.name.clone(),
            })
            .collect(),
        pages: state.pages && !state.board.is_demo(),
        oncall: state.oncall.as_ref(),
    };
    let action = match commands::parse(line, &ctx) {
        Ok(action) => action,
        Err(why) => {
            refuse(state, origin, why);
            return Vec::new();
        }
    };
    let cleared = |state: &mut State| {
        if origin == Origin::Composer {
            state.composer.text = single_line("");
            state.composer.error = None;
        }
    };
    match action {
        Action::Entry(text) => {
            let (kind, text) =
                super::commands::kind_prefix(&text).unwrap_or((state.composer.kind, &text));
            match NewEntry::typed(kind, &state.user, text, state.now) {
                Ok(entry) => match posting_to(state, kind) {
                    // Posting is loud and cannot be taken back: shown, then confirmed.
                    Some(channels) => {
                        state.layer = Layer::Confirm(Box::new(Confirm {
                            question: format!(
                                "Log this comms update and post it to {channels}? (Esc: back to the text, nothing written)"
                            ),
                            then: Then::Write(Write::Post(id, entry)),
                            origin,
                        }));
                    }
                    None => return send(state, Write::Append(id, entry), origin),
                },
                Err(e) => state.composer.error = Some(e.to_string()),
            }
        }
        Action::Write {
            write,
            confirm: Some(question),
        } => {
            state.layer = Layer::Confirm(Box::new(Confirm {
                question,
                then: Then::Write(write),
                origin,
            }));
        }
        Action::Act { effect, confirm } => {
            state.layer = Layer::Confirm(Box::new(Confirm {
                question: confirm,
                then: Then::Act(effect),
                origin,
            }));
        }
        Action::Write {
            write,
            confirm: None,
        } => return send(state, write, origin),
        Action::OpenEditForm => {
            cleared(state);
            if let Some(record) = state.current_record() {
                state.layer =
                    Layer::Form(Box::new(Form::edit(&record.incident, state.time_display)));
            }
        }
        Action::Export => {
            cleared(state);
            return vec![Effect::Export(id)];
        }
        Action::CommsDraft => {
            cleared(state);
            return vec![Effect::CommsDraft(id)];
        }
        Action::CommsPost => {
            if state.post_channels.is_empty() {
                let why = "no [[comms.channels]] in the config: nothing to post to (see 'sitrep config init'); /comms writes the draft to a file";
                refuse(state, origin, why.into());
                return Vec::new();
            }
            cleared(state);
            return vec![Effect::DraftToPost(id)];
        }
        Action::ListSilences => {
            cleared(state);
            state.banner = Some(Banner {
                error: false,
                text: "asking the Alertmanagers for this incident's silences…".into(),
            });
            return vec![Effect::ListSilences(id)];
        }
        Action::Help => {
            cleared(state);
            state.layer = Layer::Help(0);
        }
    }
    Vec::new()
}

/// Why a line was not acted on: under the composer it came from, or on the banner for
/// a shortcut (the composer holds something else then).
fn refuse(state: &mut State, origin: Origin, why: String) {
    match origin {
        Origin::Composer => state.composer.error = Some(why),
        Origin::Shortcut => {
            state.banner = Some(Banner {
                error: true,
                text: why,
            })
        }
    }
}

/// The draft of `/comms post` is rendered: shown in full in a question, whose Enter
/// logs it as a comms update and posts it. The composer is left alone (a line typed
/// meanwhile is not the draft). Left that incident meanwhile: said on the banner.
pub fn draft_to_post(state: &mut State, id: IncidentId, result: Result<String, String>) {
    let text = match result {
        Ok(text) => text,
        Err(why) => {
            state.banner = Some(Banner {
                error: true,
                text: format!("comms draft not posted: {why}"),
            });
            return;
        }
    };
    let placeholders = crate::domain::outbox::placeholders(&text);
    if !placeholders.is_empty() {
        state.banner = Some(Banner {
            error: true,
            text: format!(
                "comms draft not posted: it still holds {} (for regions: name them under [comms.regions] in the config; /comms writes the draft to a file)",
                placeholders.join(", ")
            ),
        });
        return;
    }
    if !state.showing_only(id) {
        state.banner = Some(Banner {
            error: false,
            text: format!("the comms draft of #{id} is ready: /comms post there shows it"),
        });
        return;
    }
    match NewEntry::typed(EntryKind::Comms, &state.user, text.trim_end(), state.now) {
        Ok(entry) => {
            state.layer = Layer::Confirm(Box::new(Confirm {
                question: format!(
                    "Log this comms update on #{id} and post it to {}? (Esc: nothing written)\n\n{}",
                    state.post_channels.join(", "),
                    entry.text
                ),
                then: Then::Write(Write::Post(id, entry)),
                origin: Origin::Shortcut,
            }));
        }
        Err(e) => {
            state.banner = Some(Banner {
                error: true,
                text: format!("comms draft not posted: {e}"),
            })
        }
    }
}

/// Writes from the composer: the line stays (greyed) until the store answers this
/// request; it is cleared then, or kept with the reason if the write failed.
fn send(state: &mut State, write: Write, origin: Origin) -> Vec<Effect> {
    let (request, effect) = state.write(write);
    if origin == Origin::Composer {
        state.composer.pending = Some(request);
        state.composer.error = None;
    }
    vec![effect]
}

/// A confirmed act outside the database: the line it came from is done with; the
/// outcome comes back as a message (a banner, the run pane).
fn act(state: &mut State, effect: Effect, origin: Origin) -> Vec<Effect> {
    if origin == Origin::Composer {
        state.composer.text = single_line("");
        state.composer.error = None;
    }
    match &effect {
        Effect::Run(run) => {
            state.run = Some(RunPane {
                incident: run.incident,
                command: crate::domain::run::command_line(&run.argv),
                lines: std::collections::VecDeque::new(),
                dropped: 0,
                ended: None,
            });
        }
        Effect::Silence(_) | Effect::Unsilence(_) => {
            // The marks were for this silence: they are done with.
            if matches!(effect, Effect::Silence(_)) {
                state.board.marked.clear();
            }
            state.banner = Some(Banner {
                error: false,
                text: if matches!(effect, Effect::Silence(_)) {
                    "silencing…"
                } else {
                    "expiring silences…"
                }
                .into(),
            });
        }
        _ => {}
    }
    vec![effect]
}

/// A key while a confirmation is shown: Enter confirms, Esc cancels; any other key
/// leaves the question up, so a stray letter never answers it.
pub fn confirm_key(state: &mut State, confirm: Box<Confirm>, input: Input) -> Vec<Effect> {
    match input.key {
        Key::Enter => match confirm.then {
            Then::Write(write) => send(state, write, confirm.origin),
            Then::Act(effect) => act(state, effect, confirm.origin),
        },
        Key::Esc => {
            state.banner = Some(Banner {
                error: false,
                text: "cancelled: nothing changed".into(),
            });
            Vec::new()
        }
        _ => {
            state.layer = Layer::Confirm(confirm);
            Vec::new()
        }
    }
}
