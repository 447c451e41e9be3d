//! `update`: the only place the TUI's state changes.

use ratatui_textarea::{Input, Key, TextArea};

use super::alerts::{AlertBoard, RowRef};
use super::composer;
use super::form::{Form, FormPurpose};
use super::{single_line, Banner, Effect, Layer, Msg, Pane, RequestId, Saved, State, View, Write};
use crate::domain::alert::declaration_from;
use crate::domain::{EntryKind, NewIncident};

/// Applies one message and returns the effects the runtime should carry out.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(input) => key(state, input),
        Msg::Paste(text) => {
            paste(state, &text);
            Vec::new()
        }
        Msg::Tick(now) => {
            state.now = now;
            Vec::new()
        }
        Msg::IncidentsLoaded(incidents) => {
            state.incidents = incidents;
            state.incidents_unreadable = None;
            state.selected = state.selected.min(state.listed().len().saturating_sub(1));
            Vec::new()
        }
        Msg::RecordLoaded(record) => {
            if state
                .record_unreadable
                .as_ref()
                .is_some_and(|(id, _)| *id == record.incident.id)
            {
                state.record_unreadable = None;
            }
            if state.view == View::Incident(record.incident.id) {
                state.record = Some(record);
            }
            Vec::new()
        }
        Msg::IncidentsUnreadable(why) => {
            state.incidents_unreadable = Some(why);
            Vec::new()
        }
        Msg::RecordUnreadable(id, why) => {
            state.record_unreadable = Some((id, why));
            Vec::new()
        }
        Msg::Saved(request, saved) => saved_effects(state, request, saved),
        Msg::StoreFailed {
            request,
            error: text,
        } => {
            if request.is_some() && state.composer.pending == request {
                state.composer.pending = None;
            }
            if let Some(request) = request {
                state.composer.settle_draft(request, false);
                state.take_resolving(request);
            }
            if let Layer::Form(form) = &mut state.layer {
                if request.is_some() && form.pending == request {
                    form.pending = None;
                }
            }
            state.banner = Some(error(text));
            Vec::new()
        }
        Msg::StoreChanged => reload(state),
        Msg::Watched(running) => {
            state.watched = Some(running);
            Vec::new()
        }
        Msg::DatabaseLost { since, why } => {
            // Keep the first moment it was lost: the header counts from there.
            let since = state.database_down.as_ref().map_or(since, |(s, _)| *s);
            state.database_down = Some((since, why));
            Vec::new()
        }
        Msg::DatabaseBack => {
            let was_down = state.database_down.take().is_some();
            if was_down {
                state.banner = Some(info("database reachable again; re-read everything".into()));
            }
            // Notifications sent while disconnected are lost: re-read everything.
            reload(state)
        }
        Msg::Alerts(built) => state
            .board
            .apply(*built, &state.incidents)
            .into_iter()
            .map(|(id, entry)| state.write(Write::AlertEntry(id, entry)).1)
            .collect(),
        Msg::SlosUpdated {
            mut statuses,
            errors,
            history,
        } => {
            if let Some((histories, failed)) = history {
                // A history read replaces that SLO's; one that failed keeps the last,
                // marked stale from the first failure.
                let read: std::collections::BTreeSet<&str> =
                    histories.iter().map(|h| h.slo.as_str()).collect();
                state.slo_history.retain(|h| !read.contains(h.slo.as_str()));
                for slo in &read {
                    state.slo_history_stale.remove(*slo);
                }
                state.slo_history.extend(histories);
                for (slo, _) in failed {
                    state.slo_history_stale.entry(slo).or_insert(state.now);
                }
            }
            // Paging first, then ticket, then the fastest burn.
            statuses.sort_by(|a, b| {
                let rank = |s: &crate::domain::slo::SloStatus| match s.crossed {
                    Some(t) if t.page => 0,
                    Some(_) => 1,
                    None => 2,
                };
                rank(a).cmp(&rank(b)).then(
                    b.burn_1h
                        .unwrap_or(0.0)
                        .total_cmp(&a.burn_1h.unwrap_or(0.0)),
                )
            });
            state.slos = statuses;
            state.slo_errors = errors;
            Vec::new()
        }
        Msg::Exported {
            what,
            result: Ok(path),
        } => {
            state.banner = Some(info(format!("{what} written to {}", path.display())));
            Vec::new()
        }
        Msg::Exported {
            result: Err(why), ..
        } => {
            state.banner = Some(error(why));
            Vec::new()
        }
        Msg::DraftToPostReady { id, result } => {
            composer::draft_to_post(state, id, result);
            Vec::new()
        }
        Msg::OnCall(rosters) => {
            state.oncall = Some(*rosters);
            Vec::new()
        }
        Msg::Escalated(Ok(done)) => {
            state.banner = Some(info(done));
            Vec::new()
        }
        Msg::Posted(Ok(done)) => {
            state.banner = Some(info(done));
            Vec::new()
        }
        Msg::Posted(Err(why)) => {
            state.banner = Some(error(format!("NOT POSTED: {why}")));
            Vec::new()
        }
        Msg::Silenced(Ok(done)) => {
            state.banner = Some(info(done));
            Vec::new()
        }
        Msg::Silenced(Err(why)) => {
            state.banner = Some(error(format!("NOT SILENCED: {why}")));
            Vec::new()
        }
        Msg::Unsilenced(Ok(done)) => {
            state.banner = Some(info(done));
            Vec::new()
        }
        Msg::Unsilenced(Err(why)) => {
            state.banner = Some(error(format!("NOT EXPIRED: {why}")));
            Vec::new()
        }
        Msg::SilencesListed { id, result } => {
            silences_listed(state, id, result);
            Vec::new()
        }
        Msg::RunOutput { lines, skipped } => {
            if let Some(run) = state.run.as_mut().filter(|r| r.running()) {
                run.dropped += skipped;
                run.lines.extend(lines);
                while run.lines.len() > super::RunPane::KEPT {
                    run.lines.pop_front();
                    run.dropped += 1;
                }
            }
            Vec::new()
        }
        Msg::RunEnded(result) => {
            state.banner = Some(match &result {
                Ok(text) => info(text.clone()),
                Err(why) => error(why.clone()),
            });
            if let Some(run) = state.run.as_mut() {
                run.ended = Some(result);
            }
            Vec::new()
        }
        Msg::Escalated(Err(why)) => {
            state.banner = Some(error(format!("ESCALATION FAILED: {why}")));
            Vec::new()
        }
        Msg::Terminate => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn reload(state: &State) -> Vec<Effect> {
    let mut effects = vec![Effect::LoadIncidents];
    if let View::Incident(id) = state.view {
        effects.push(Effect::LoadRecord(id));
    }
    effects
}

fn saved_effects(state: &mut State, request: RequestId, saved: Saved) -> Vec<Effect> {
    // Whatever the composer sent (an entry or a command) is done: clear the line, or
    // forget it if it was put aside when another incident was opened meanwhile.
    state.composer.settle_draft(request, true);
    let composers = state.composer.pending == Some(request);
    if composers {
        state.composer.pending = None;
        state.composer.text = single_line("");
        state.composer.error = None;
        state.timeline_scroll = 0;
    }
    match saved {
        Saved::Declared(change) => {
            let id = change.incident.id;
            // The marks were for this declaration: they are done with.
            state.board.marked.clear();
            // Back on the dashboard, the new incident is listed: the open ones.
            state.show_resolved = false;
            state.banner = Some(info(format!("declared incident {id}")));
            state.layer = Layer::None;
            open_incident(state, id);
        }
        // One customer update at a time: after the composer's own comms entry the
        // next line is an internal step again, never a note that reaches customers
        // because the kind stayed on comms.
        Saved::Appended(entry)
            if composers
                && entry.kind == EntryKind::Comms
                && state.composer.kind == EntryKind::Comms =>
        {
            state.composer.kind = EntryKind::Mitigation;
            state.banner = Some(info(format!(
                "saved comms entry {}; the next line is a mitigation step again (Tab for another customer update)",
                entry.id
            )));
        }
        Saved::Changed(change) => {
            if matches!(&state.layer, Layer::Form(f) if f.purpose != FormPurpose::Declare && f.pending == Some(request))
            {
                state.layer = Layer::None;
            }
            let text = change
                .entries
                .iter()
                .map(|e| e.text.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            state.banner = Some(info(text));
        }
        Saved::Appended(entry) => {
            state.banner = Some(info(format!("saved {} entry {}", entry.kind, entry.id)));
        }
        Saved::FollowUp(change) => state.banner = Some(info(change.entry.text)),
        Saved::AlertLogged => {}
        Saved::Amended(entry) => {
            state.banner = Some(info(format!(
                "entry {} corrected; the old text is kept",
                entry.id
            )))
        }
    }
    if let Some(id) = state.take_resolving(request) {
        offer_to_expire_silences(state, id);
    }
    reload(state)
}

/// Resolved from this screen: the silences made for the incident that are still in
/// force (by its timeline) are offered to be expired, one question for all of them.
fn offer_to_expire_silences(state: &mut State, id: crate::domain::IncidentId) {
    if !state.showing_only(id) {
        return;
    }
    let Some(record) = state.current_record().filter(|r| r.incident.id == id) else {
        return;
    };
    if let Some((question, effect)) =
        super::commands::expire_offer(id, &state.user, &record.timeline)
    {
        state.layer = Layer::Confirm(Box::new(super::Confirm {
            question,
            then: super::Then::Act(effect),
            origin: composer::Origin::Shortcut,
        }));
    }
}

fn info(text: String) -> Banner {
    Banner { error: false, text }
}

fn error(text: impl Into<String>) -> Banner {
    Banner {
        error: true,
        text: text.into(),
    }
}

/// Opens the incident view with the composer focused: what is typed next is the log.
fn open_incident(state: &mut State, id: crate::domain::IncidentId) {
    state.board.looked(state.now);
    state.view = View::Incident(id);
    state.timeline_scroll = 0;
    state.composer.focused = true;
    state.composer.error = None;
    state.composer.switch_to(id);
    if state.record.as_ref().map(|r| r.incident.id) != Some(id) {
        state.record = None;
    }
}

fn is_char(input: &Input, c: char) -> bool {
    input.key == Key::Char(c) && !input.ctrl && !input.alt
}

fn key(state: &mut State, input: Input) -> Vec<Effect> {
    // Ctrl-C stops the command of `/run` in its incident's view; elsewhere it
    // offers the way out, whatever has focus.
    if input.ctrl && input.key == Key::Char('c') {
        if let (Some(run), View::Incident(id)) = (&state.run, state.view) {
            if run.running() && run.incident == id {
                state.banner = Some(info(format!("Ctrl-C sent to `{}`", run.command)));
                return vec![Effect::InterruptRun];
            }
        }
        return request_quit(state);
    }
    match std::mem::replace(&mut state.layer, Layer::None) {
        Layer::None => base_key(state, input),
        // Arrows and pages scroll the help and the silences; any other key closes them.
        Layer::Help(scroll) => {
            if let Some(scroll) = scrolled(scroll, &input) {
                state.layer = Layer::Help(scroll);
            }
            Vec::new()
        }
        Layer::Confirm(confirm) => composer::confirm_key(state, confirm, input),
        Layer::Search(search) => search_key(state, search, input),
        Layer::ConfirmQuit => {
            if is_char(&input, 'y') {
                state.quit = true;
                vec![Effect::Quit]
            } else {
                Vec::new()
            }
        }
        Layer::Form(form) => form_key(state, form, input),
        Layer::Alert(alert, scroll) => alert_key(state, alert, scroll, input),
        Layer::Silences(mut list) => {
            if let Some(scroll) = scrolled(list.scroll, &input) {
                list.scroll = scroll;
                state.layer = Layer::Silences(list);
            }
            Vec::new()
        }
    }
}

/// A scrolled overlay's new position for an arrow or page key; `None` for any other.
fn scrolled(scroll: usize, input: &Input) -> Option<usize> {
    match input.key {
        Key::Down | Key::Char('j') => Some(scroll.saturating_add(1)),
        Key::Up | Key::Char('k') => Some(scroll.saturating_sub(1)),
        Key::PageDown => Some(scroll.saturating_add(10)),
        Key::PageUp => Some(scroll.saturating_sub(10)),
        _ => None,
    }
}

/// `/silences` answered: the list over the incident it was asked in (a banner if
/// there are none, it could not be read, or the responder has moved on).
fn silences_listed(
    state: &mut State,
    id: crate::domain::IncidentId,
    result: Result<Vec<crate::domain::silence::Listed>, String>,
) {
    match result {
        Err(why) => state.banner = Some(error(format!("silences not read: {why}"))),
        Ok(silences) if silences.is_empty() => {
            state.banner = Some(info(format!(
                "no silences for #{id} in any Alertmanager (/silence 2h why makes one)"
            )));
        }
        Ok(mut silences) => {
            // Those still in force first, soonest to end first; then the ended ones.
            silences.sort_by_key(|s| (s.state == "expired", s.ends_at));
            if !state.showing_only(id) {
                state.banner = Some(info(format!(
                    "#{id} has {} silences: /silences there lists them",
                    silences.len()
                )));
                return;
            }
            state.banner = None;
            state.layer = Layer::Silences(Box::new(super::SilenceList {
                incident: id,
                silences,
                scroll: 0,
            }));
        }
    }
}

/// The alert detail: scroll, open its incident, declare from it, or go back.
fn alert_key(
    state: &mut State,
    alert: std::sync::Arc<crate::domain::alert::Alert>,
    scroll: usize,
    input: Input,
) -> Vec<Effect> {
    match input.key {
        Key::Esc | Key::Left | Key::Char('q') => {}
        Key::Down | Key::Char('j') => state.layer = Layer::Alert(alert, scroll + 1),
        Key::Up | Key::Char('k') => state.layer = Layer::Alert(alert, scroll.saturating_sub(1)),
        Key::Enter | Key::Char('o') => match AlertBoard::incident_of(&alert, &state.incidents) {
            Some(id) => {
                open_incident(state, id);
                return vec![Effect::LoadRecord(id)];
            }
            None => {
                state.banner = Some(info(
                    "no open incident links this alert: d declares one from it, or mark it (Space) and type /link in an incident".into(),
                ));
                state.layer = Layer::Alert(alert, scroll);
            }
        },
        // Silence this alert (and only it) from the incident that links it.
        Key::Char('s') => match AlertBoard::incident_of(&alert, &state.incidents) {
            Some(id) => {
                state.board.marked.clear();
                state.board.marked.insert(alert.fingerprint.clone());
                open_incident(state, id);
                if state.composer.start_command("/silence 1h ") {
                    state.banner = Some(info(
                        "say for how long and why, then Enter: the question shows the matchers"
                            .into(),
                    ));
                } else {
                    state.composer.error = Some(
                        "your unsent line is kept: Enter writes it; then /silence 1h why silences the marked alert"
                            .into(),
                    );
                }
                return vec![Effect::LoadRecord(id)];
            }
            None => {
                state.banner = Some(info(
                    "no incident links it, and silences are made for one: d declares one from it"
                        .into(),
                ));
                state.layer = Layer::Alert(alert, scroll);
            }
        },
        Key::Char('d') => {
            let prefill = declaration_from(&[&*alert], state.now);
            state.board.looked(state.now);
            state.layer = Layer::Form(Box::new(Form::declare_from(
                prefill,
                &state.user,
                state.time_display,
            )));
        }
        _ => state.layer = Layer::Alert(alert, scroll),
    }
    Vec::new()
}

fn request_quit(state: &mut State) -> Vec<Effect> {
    if state.has_unsaved_text() || state.run.as_ref().is_some_and(super::RunPane::running) {
        state.layer = Layer::ConfirmQuit;
        Vec::new()
    } else {
        state.quit = true;
        vec![Effect::Quit]
    }
}

fn base_key(state: &mut State, input: Input) -> Vec<Effect> {
    let typing = state.composer.focused && matches!(state.view, View::Incident(_));
    if !typing && is_char(&input, '?') {
        state.layer = Layer::Help(0);
        return Vec::new();
    }
    if !typing && is_char(&input, 'q') {
        return request_quit(state);
    }
    match state.view {
        View::Dashboard => dashboard_key(state, input),
        View::Incident(id) => composer::incident_key(state, id, input),
    }
}

fn dashboard_key(state: &mut State, input: Input) -> Vec<Effect> {
    if input.key == Key::Tab {
        // With no source watched the alerts pane is not drawn: focus stays visible.
        state.pane = match state.pane {
            Pane::Incidents if !state.board.sources.is_empty() => Pane::Alerts,
            _ => Pane::Incidents,
        };
        return Vec::new();
    }
    match state.pane {
        Pane::Alerts if !state.board.sources.is_empty() => alerts_key(state, input),
        Pane::Alerts | Pane::Incidents => incidents_key(state, input),
    }
}

fn alerts_key(state: &mut State, input: Input) -> Vec<Effect> {
    let board = &mut state.board;
    let last = board.row_count().saturating_sub(1);
    match input.key {
        Key::Down | Key::Char('j') => board.selected = (board.selected + 1).min(last),
        Key::Up | Key::Char('k') => board.selected = board.selected.saturating_sub(1),
        Key::Home | Key::Char('g') => board.selected = 0,
        Key::End | Key::Char('G') => board.selected = last,
        Key::Char(' ') => board.toggle_mark(),
        Key::Char('d') => {
            let chosen = board.chosen();
            if chosen.is_empty() {
                state.layer = Layer::Form(Box::new(Form::declare(&state.user, state.time_display)));
            } else {
                let prefill = declaration_from(&chosen, state.now);
                state.board.looked(state.now);
                state.layer = Layer::Form(Box::new(Form::declare_from(
                    prefill,
                    &state.user,
                    state.time_display,
                )));
            }
        }
        Key::Char('z') => board.toggle_grouped(),
        // The incidents pane says "R for resolved ones" whichever pane has focus.
        Key::Char('R') => toggle_resolved(state),
        Key::Enter | Key::Right | Key::Char('l')
            if matches!(board.row(board.selected), Some(RowRef::Group(_))) =>
        {
            board.toggle_expanded();
        }
        Key::Enter | Key::Right | Key::Char('l') => {
            if let Some(alert) = board.selected_alert() {
                state.layer = Layer::Alert(alert.clone(), 0);
            }
        }
        Key::Esc => {
            board.marked.clear();
            state.banner = None;
        }
        _ => {}
    }
    Vec::new()
}

/// Typing a search: the list narrows as you type; Enter keeps the filter, Esc drops
/// it.
fn search_key(state: &mut State, mut search: Box<TextArea<'static>>, input: Input) -> Vec<Effect> {
    match input.key {
        Key::Enter => {}
        Key::Esc => state.filter.clear(),
        _ => {
            super::edit_line(&mut search, input);
            state.filter = search.lines().join(" ").trim().to_string();
            state.layer = Layer::Search(search);
        }
    }
    state.selected = 0;
    Vec::new()
}

/// The incidents pane lists the open incidents, or the resolved ones.
fn toggle_resolved(state: &mut State) {
    state.show_resolved = !state.show_resolved;
    state.selected = 0;
}

fn incidents_key(state: &mut State, input: Input) -> Vec<Effect> {
    let last = state.listed().len().saturating_sub(1);
    match input.key {
        Key::Down | Key::Char('j') => state.selected = (state.selected + 1).min(last),
        Key::Up | Key::Char('k') => state.selected = state.selected.saturating_sub(1),
        Key::Home | Key::Char('g') => state.selected = 0,
        Key::End | Key::Char('G') => state.selected = last,
        Key::Enter | Key::Right | Key::Char('l') => {
            if let Some(id) = state.listed().get(state.selected).map(|i| i.id) {
                open_incident(state, id);
                return vec![Effect::LoadRecord(id)];
            }
        }
        Key::Char('d') => {
            state.layer = Layer::Form(Box::new(Form::declare(&state.user, state.time_display)))
        }
        Key::Char('R') => toggle_resolved(state),
        Key::Char('/') => {
            state.layer = Layer::Search(Box::new(single_line(&state.filter)));
        }
        Key::Esc if !state.filter.is_empty() => {
            state.filter.clear();
            state.selected = 0;
        }
        Key::Esc => state.banner = None,
        _ => {}
    }
    Vec::new()
}

fn form_key(state: &mut State, mut form: Box<Form>, input: Input) -> Vec<Effect> {
    match input.key {
        Key::Esc => Vec::new(),
        Key::Enter if form.pending.is_some() => {
            state.layer = Layer::Form(form);
            Vec::new()
        }
        Key::Enter => {
            let effects = match form_write(state, &form) {
                Ok(write) => {
                    // The form stays open until the store confirms: a failed write loses nothing.
                    let (request, effect) = state.write(write);
                    form.pending = Some(request);
                    form.error = None;
                    vec![effect]
                }
                Err(message) => {
                    form.error = Some(message);
                    Vec::new()
                }
            };
            state.layer = Layer::Form(form);
            effects
        }
        _ => {
            form.handle(input);
            state.layer = Layer::Form(form);
            Vec::new()
        }
    }
}

fn form_write(state: &State, form: &Form) -> Result<Write, String> {
    match form.purpose {
        FormPurpose::Declare => NewIncident::declare(
            crate::domain::Declaration {
                drill: state.drill,
                ..form.declaration(state.now).map_err(|e| e.to_string())?
            },
            &state.user,
            state.now,
        )
        .map(Write::Declare)
        .map_err(|e| e.to_string()),
        FormPurpose::Edit(id) => {
            let record = state
                .current_record()
                .filter(|r| r.incident.id == id)
                .ok_or_else(|| "the incident is still loading; try again".to_string())?;
            let edit = form
                .changes(&record.incident, state.now)
                .map_err(|e| e.to_string())?;
            if edit == crate::domain::IncidentEdit::default() {
                return Err("nothing changed; edit a field or press Esc".into());
            }
            Ok(Write::Edit {
                id,
                edit,
                author: state.user.clone(),
                at: state.now,
            })
        }
    }
}

fn paste(state: &mut State, text: &str) {
    // Every input is one line: a pasted block becomes one entry, not several.
    let line = text.replace(['\r', '\n'], " ");
    match &mut state.layer {
        Layer::Form(form) => form.handle_paste(&line),
        Layer::Search(search) => {
            search.insert_str(&line);
            state.filter = search.lines().join(" ").trim().to_string();
        }
        _ if state.composer.focused && state.composer.pending.is_none() => {
            state.composer.text.insert_str(&line);
        }
        _ => {}
    }
}
