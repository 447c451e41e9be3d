//! Flows of the TUI, driven through `update` alone: no terminal, no store, no clock.

use chrono::{DateTime, Duration, Utc};
use ratatui_textarea::{Input, Key};

use super::*;
use crate::domain::{Declaration, EntryId, Revision, TimelineEntry};

fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap() + Duration::minutes(minutes)
}

fn key(k: Key) -> Msg {
    Msg::Key(Input {
        key: k,
        ..Input::default()
    })
}

fn ch(c: char) -> Msg {
    key(Key::Char(c))
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, ch(c));
    }
}

fn incident(id: i64, severity: Severity) -> Incident {
    let d = Declaration {
        title: format!("incident {id}"),
        severity: Some(severity),
        ..Declaration::default()
    };
    NewIncident::declare(d, "alice", t(0))
        .unwrap()
        .into_incident(IncidentId(id))
}

fn record(id: i64) -> IncidentRecord {
    IncidentRecord {
        incident: incident(id, Severity::P1),
        timeline: Vec::new(),
        follow_ups: Vec::new(),
        alerts: Vec::new(),
    }
}

fn state() -> State {
    let mut s = State::new(
        "alice".into(),
        TimeDisplay::Utc,
        Duration::minutes(30),
        t(5),
    );
    update(
        &mut s,
        Msg::IncidentsLoaded(vec![incident(2, Severity::P2), incident(1, Severity::P1)]),
    );
    s
}

/// A state showing incident 1 with its record loaded.
fn in_incident() -> State {
    let mut s = state();
    update(&mut s, ch('j'));
    assert_eq!(
        update(&mut s, key(Key::Enter)),
        vec![Effect::LoadRecord(IncidentId(1))]
    );
    update(&mut s, Msg::RecordLoaded(record(1)));
    s
}

fn only_write(effects: Vec<Effect>) -> Write {
    only_request(effects).1
}

fn only_request(effects: Vec<Effect>) -> (RequestId, Write) {
    match effects.as_slice() {
        [Effect::Write { request, write }] => (*request, (**write).clone()),
        other => panic!("expected one write, got {other:?}"),
    }
}

/// The request the open form waits on.
fn form_request(s: &State) -> RequestId {
    match &s.layer {
        Layer::Form(form) => form.pending.expect("the form waits on a write"),
        other => panic!("no form: {other:?}"),
    }
}

fn stored(entry: &NewEntry) -> TimelineEntry {
    TimelineEntry {
        id: EntryId(9),
        incident_id: IncidentId(1),
        at: entry.at,
        author: entry.author.clone(),
        kind: entry.kind,
        text: entry.text.clone(),
        revisions: vec![Revision {
            at: entry.at,
            author: entry.author.clone(),
            text: entry.text.clone(),
            kind: None,
        }],
        db_role: None,
    }
}

#[test]
fn start_up_loads_the_open_incidents() {
    let s = State::new(
        "alice".into(),
        TimeDisplay::Utc,
        Duration::minutes(30),
        t(0),
    );
    assert_eq!(s.start(), vec![Effect::LoadIncidents]);
}

#[test]
fn arrows_and_vim_keys_move_the_selection_within_bounds() {
    let mut s = state();
    update(&mut s, key(Key::Down));
    update(&mut s, ch('j'));
    assert_eq!(s.selected, 1);
    update(&mut s, ch('k'));
    update(&mut s, key(Key::Up));
    assert_eq!(s.selected, 0);
}

#[test]
fn opening_an_incident_focuses_the_composer() {
    let s = in_incident();
    assert!(s.composer.focused, "what is typed next is the log");
    assert_eq!(s.composer.kind, EntryKind::Mitigation);
}

#[test]
fn a_typed_entry_is_written_first_and_cleared_only_once_saved() {
    let mut s = in_incident();
    typed(&mut s, "rolled back");
    let (request, write) = only_request(update(&mut s, key(Key::Enter)));
    let Write::Append(id, entry) = write else {
        panic!("expected an append");
    };
    assert_eq!(id, IncidentId(1));
    assert_eq!(entry.kind, EntryKind::Mitigation);
    assert_eq!(entry.text, "rolled back");
    assert_eq!(entry.author, "alice");
    assert_eq!(entry.at, t(5));
    // Until the store confirms, the text stays and a second Enter writes nothing.
    assert_eq!(s.composer.pending, Some(request));
    assert_eq!(s.composer.content(), "rolled back");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let effects = update(&mut s, Msg::Saved(request, Saved::Appended(stored(&entry))));
    assert!(effects.contains(&Effect::LoadRecord(IncidentId(1))));
    assert_eq!(s.composer.content(), "");
    assert!(s.composer.pending.is_none());
    assert!(
        s.composer.focused,
        "still typing: the next line is the next entry"
    );
}

/// The defect that started the composer: typed words beginning with a shortcut
/// letter resolved the incident or handed over a role. Now every such line is an
/// entry, of the kind shown, and changes nothing else.
#[test]
fn a_line_starting_with_any_shortcut_letter_is_an_entry_and_nothing_else() {
    let letters: Vec<char> = crate::app::commands::COMMANDS
        .iter()
        .filter_map(|c| c.key)
        .chain([
            'm', 'c', 'n', 'i', 'q', '?', 'h', 'j', 'k', 'g', 'G', 'x', 'd',
        ])
        .collect();
    for letter in letters {
        let mut s = in_incident();
        let line = format!("{letter}olled back room to v41");
        typed(&mut s, &line);
        let write = only_write(update(&mut s, key(Key::Enter)));
        assert!(
            matches!(&write, Write::Append(IncidentId(1), e) if e.text == line && e.kind == EntryKind::Mitigation),
            "{letter}: {write:?}"
        );
        assert!(matches!(s.layer, Layer::None), "{letter}: no layer opened");
        assert!(!s.quit, "{letter}: did not quit");
        assert_eq!(s.view, View::Incident(IncidentId(1)));
    }
}

#[test]
fn the_issue_sequence_writes_a_mitigation_and_a_comms_update_and_nothing_else() {
    let mut s = in_incident();
    typed(&mut s, "rolled back room to v41");
    let (first, write) = only_request(update(&mut s, key(Key::Enter)));
    let Write::Append(_, mitigation) = write else {
        panic!("an entry")
    };
    assert_eq!(mitigation.kind, EntryKind::Mitigation);
    update(
        &mut s,
        Msg::Saved(first, Saved::Appended(stored(&mitigation))),
    );
    update(&mut s, key(Key::Tab));
    typed(
        &mut s,
        "We are investigating failed stream starts in Europe",
    );
    let Write::Append(_, comms) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("an entry")
    };
    assert_eq!(comms.kind, EntryKind::Comms);
    assert_eq!(
        comms.text,
        "We are investigating failed stream starts in Europe"
    );
}

#[test]
fn after_a_customer_update_is_saved_the_next_line_is_an_internal_step_again() {
    let mut s = in_incident();
    update(&mut s, key(Key::Tab));
    typed(&mut s, "We are investigating failed stream starts");
    let (request, write) = only_request(update(&mut s, key(Key::Enter)));
    let Write::Append(_, comms) = write else {
        panic!("an entry")
    };
    assert_eq!(comms.kind, EntryKind::Comms);
    // Still comms while it saves: a failure keeps the update as typed.
    assert_eq!(s.composer.kind, EntryKind::Comms);
    update(&mut s, Msg::Saved(request, Saved::Appended(stored(&comms))));
    assert_eq!(s.composer.kind, EntryKind::Mitigation);
    typed(&mut s, "auth-svc pods OOMKilled, bumping limits to 2Gi");
    let Write::Append(_, next) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("an entry")
    };
    assert_eq!(next.kind, EntryKind::Mitigation, "never a customer update");
}

#[test]
fn page_up_in_nav_mode_stops_at_the_oldest_entry() {
    let mut s = in_incident();
    update(&mut s, key(Key::Esc));
    for _ in 0..5 {
        update(&mut s, key(Key::PageUp));
    }
    let oldest = s.current_record().unwrap().timeline.len().saturating_sub(1);
    assert_eq!(s.timeline_scroll, oldest);
    update(&mut s, key(Key::Home));
    assert_eq!(s.timeline_scroll, oldest);
}

#[test]
fn a_failed_write_keeps_the_text_and_says_why() {
    let mut s = in_incident();
    update(&mut s, key(Key::Tab));
    typed(&mut s, "status page updated");
    let (request, _) = only_request(update(&mut s, key(Key::Enter)));
    update(
        &mut s,
        Msg::StoreFailed {
            request: Some(request),
            error: "database is locked".into(),
        },
    );
    assert_eq!(s.composer.content(), "status page updated");
    assert!(s.composer.pending.is_none());
    assert_eq!(s.banner.as_ref().map(|b| b.error), Some(true));
    // And it can be sent again.
    assert!(matches!(
        only_write(update(&mut s, key(Key::Enter))),
        Write::Append(..)
    ));
}

#[test]
fn tab_cycles_the_entry_kind_and_blank_text_is_not_sent() {
    let mut s = in_incident();
    assert_eq!(s.composer.kind, EntryKind::Mitigation);
    update(&mut s, key(Key::Tab));
    assert_eq!(s.composer.kind, EntryKind::Comms);
    update(&mut s, key(Key::Tab));
    assert_eq!(s.composer.kind, EntryKind::Note);
    typed(&mut s, "   ");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
}

#[test]
fn tab_completes_a_command_instead_of_changing_the_kind() {
    let mut s = in_incident();
    typed(&mut s, "/sta");
    update(&mut s, key(Key::Tab));
    assert_eq!(s.composer.content(), "/status ");
    assert_eq!(
        s.composer.kind,
        EntryKind::Mitigation,
        "the kind did not change"
    );
}

#[test]
fn esc_goes_to_nav_mode_keeping_the_draft_and_q_then_asks_before_quitting() {
    let mut s = in_incident();
    typed(&mut s, "half a thought");
    update(&mut s, key(Key::Esc));
    assert!(!s.composer.focused, "NAV mode");
    assert_eq!(s.composer.content(), "half a thought");
    assert!(update(&mut s, ch('q')).is_empty());
    assert!(matches!(s.layer, Layer::ConfirmQuit));
    // Any key but y stays.
    update(&mut s, ch('n'));
    assert!(!s.quit);
    assert!(matches!(s.layer, Layer::None));
    update(&mut s, ch('q'));
    assert_eq!(update(&mut s, ch('y')), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn in_nav_mode_a_key_that_is_no_shortcut_goes_back_to_typing_with_it() {
    let mut s = in_incident();
    update(&mut s, key(Key::Esc));
    update(&mut s, ch('w'));
    assert!(s.composer.focused);
    assert_eq!(s.composer.content(), "w");
}

#[test]
fn in_nav_mode_a_shortcut_starts_its_command_and_changes_nothing_by_itself() {
    let mut s = in_incident();
    update(&mut s, key(Key::Esc));
    assert!(update(&mut s, ch('s')).is_empty());
    assert!(s.composer.focused);
    assert_eq!(s.composer.content(), "/status ");
    typed(&mut s, "monitoring");
    assert!(update(&mut s, key(Key::Enter)).is_empty(), "asks first");
    let Layer::Confirm(confirm) = &s.layer else {
        panic!("a confirmation")
    };
    assert_eq!(
        confirm.question,
        "Change the status of #1 from investigating to monitoring?"
    );
    let (request, write) = only_request(update(&mut s, key(Key::Enter)));
    assert!(matches!(
        write,
        Write::Status {
            to: Status::Monitoring,
            ..
        }
    ));
    assert_eq!(s.composer.pending, Some(request));
}

#[test]
fn in_nav_mode_a_shortcut_never_replaces_an_unsent_draft() {
    let mut s = in_incident();
    typed(&mut s, "rolled back room to v41");
    update(&mut s, key(Key::Esc));
    // r would start /resolve: the draft stays as typed, nothing is asked or written.
    assert!(update(&mut s, ch('r')).is_empty());
    assert!(s.composer.focused, "back to typing, at the draft");
    assert_eq!(s.composer.content(), "rolled back room to v41");
    assert!(matches!(s.layer, Layer::None));
    let why = s.composer.error.clone().unwrap_or_default();
    assert!(
        why.contains("unsent line is kept") && why.contains("/resolve"),
        "{why}"
    );
    // Enter writes the draft as the entry it is.
    let (_, write) = only_request(update(&mut s, key(Key::Enter)));
    assert!(
        matches!(&write, Write::Append(_, entry) if entry.text == "rolled back room to v41"),
        "{write:?}"
    );
}

/// Backs out of the incident view and opens the other incident of `state()`.
fn open_the_other_incident(s: &mut State, other: i64) {
    update(s, key(Key::Esc));
    update(s, key(Key::Esc));
    assert_eq!(s.view, View::Dashboard);
    for step in [Key::Up, Key::Down] {
        update(s, key(step));
        if s.listed().get(s.selected).map(|i| i.id) == Some(IncidentId(other)) {
            break;
        }
    }
    assert_eq!(
        update(s, key(Key::Enter)),
        vec![Effect::LoadRecord(IncidentId(other))]
    );
    update(s, Msg::RecordLoaded(record(other)));
}

#[test]
fn a_draft_stays_with_its_incident_and_is_never_written_to_another() {
    let mut s = in_incident();
    update(&mut s, key(Key::Tab));
    typed(&mut s, "rolled back room to v41");
    open_the_other_incident(&mut s, 2);
    assert_eq!(s.composer.content(), "", "#2 opens with an empty line");
    assert_eq!(
        update(&mut s, key(Key::Enter)),
        vec![],
        "nothing to write into #2"
    );
    typed(&mut s, "cdn purge started");
    // Back in #1 its draft is there, with its kind, and Enter writes it to #1.
    open_the_other_incident(&mut s, 1);
    assert_eq!(s.composer.content(), "rolled back room to v41");
    assert_eq!(s.composer.kind, EntryKind::Comms);
    let (request, write) = only_request(update(&mut s, key(Key::Enter)));
    let (Write::Post(IncidentId(1), entry) | Write::Append(IncidentId(1), entry)) = &write else {
        panic!("written to #1: {write:?}")
    };
    assert_eq!(
        (entry.text.as_str(), entry.kind),
        ("rolled back room to v41", EntryKind::Comms)
    );
    update(&mut s, Msg::Saved(request, Saved::Appended(stored(entry))));
    assert_eq!(s.composer.content(), "");
    // #2's draft is still kept, so quitting asks first.
    update(&mut s, key(Key::Esc));
    update(&mut s, ch('q'));
    assert!(
        matches!(s.layer, Layer::ConfirmQuit),
        "asks: #2 has an unsent line"
    );
}

#[test]
fn a_draft_sent_just_before_leaving_is_cleared_when_saved_and_kept_when_it_fails() {
    for saved in [true, false] {
        let mut s = in_incident();
        typed(&mut s, "rolled back room to v41");
        let (request, write) = only_request(update(&mut s, key(Key::Enter)));
        let Write::Append(_, entry) = write else {
            panic!("an entry")
        };
        open_the_other_incident(&mut s, 2);
        let answer = if saved {
            Msg::Saved(request, Saved::Appended(stored(&entry)))
        } else {
            Msg::StoreFailed {
                request: Some(request),
                error: "database is down".into(),
            }
        };
        update(&mut s, answer);
        assert_eq!(s.composer.content(), "", "#2's line is untouched");
        open_the_other_incident(&mut s, 1);
        let expected = if saved { "" } else { "rolled back room to v41" };
        assert_eq!(s.composer.content(), expected, "saved: {saved}");
        assert_eq!(s.composer.pending, None);
    }
}

#[test]
fn ctrl_u_clears_to_the_start_of_the_line_as_in_a_shell_and_ctrl_z_undoes_it() {
    let ctrl = |c: char| {
        Msg::Key(Input {
            key: Key::Char(c),
            ctrl: true,
            ..Input::default()
        })
    };
    let mut s = in_incident();
    typed(&mut s, "/comms pos");
    update(&mut s, ctrl('u'));
    assert_eq!(s.composer.content(), "");
    typed(&mut s, "rolled back");
    assert_eq!(s.composer.content(), "rolled back");
    update(&mut s, ctrl('u'));
    update(&mut s, ctrl('z'));
    assert_eq!(s.composer.content(), "rolled back");
}

#[test]
fn a_confirmation_ignores_stray_keys_and_esc_cancels_leaving_everything_as_it_was() {
    let mut s = in_incident();
    typed(&mut s, "/resolve rolled back room");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    assert!(matches!(s.layer, Layer::Confirm(_)));
    for stray in ['y', 'r', ' '] {
        assert!(update(&mut s, ch(stray)).is_empty(), "{stray}");
        assert!(
            matches!(s.layer, Layer::Confirm(_)),
            "{stray} did not answer"
        );
    }
    assert!(update(&mut s, key(Key::Esc)).is_empty());
    assert!(matches!(s.layer, Layer::None));
    assert_eq!(
        s.composer.content(),
        "/resolve rolled back room",
        "the line stays"
    );
    assert!(s.composer.pending.is_none());
    assert_eq!(
        s.current_record().map(|r| r.incident.status),
        Some(Status::Investigating)
    );
}

#[test]
fn an_unknown_command_is_an_inline_error_and_the_text_stays() {
    let mut s = in_incident();
    typed(&mut s, "/frobnicate now");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    assert!(s
        .composer
        .error
        .as_deref()
        .unwrap()
        .contains("unknown command '/frobnicate'"));
    assert_eq!(s.composer.content(), "/frobnicate now");
    // Typing clears the error.
    update(&mut s, ch('!'));
    assert!(s.composer.error.is_none());
}

#[test]
fn a_double_slash_writes_text_starting_with_a_slash() {
    let mut s = in_incident();
    typed(&mut s, "//status is what customers read");
    let Write::Append(_, e) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!()
    };
    assert_eq!(e.text, "/status is what customers read");
}

#[test]
fn a_signal_or_a_lost_terminal_quits_whatever_is_open() {
    let mut s = in_incident();
    typed(&mut s, "draft");
    assert_eq!(update(&mut s, Msg::Terminate), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn q_quits_at_once_when_nothing_is_unsaved() {
    let mut s = state();
    assert_eq!(update(&mut s, ch('q')), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn esc_twice_backs_out_of_the_incident_view_to_the_dashboard() {
    let mut s = in_incident();
    update(&mut s, key(Key::Esc));
    assert_eq!(s.view, View::Incident(IncidentId(1)));
    update(&mut s, key(Key::Esc));
    assert_eq!(s.view, View::Dashboard);
}

#[test]
fn a_role_handover_asks_first_and_refuses_an_empty_name() {
    let mut s = in_incident();
    typed(&mut s, "/comms-lead ");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    assert!(s
        .composer
        .error
        .as_deref()
        .unwrap()
        .contains("/comms-lead NAME"));
    typed(&mut s, "carol");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let write = only_write(update(&mut s, key(Key::Enter)));
    assert_eq!(
        write,
        Write::Assign {
            id: IncidentId(1),
            commander: None,
            comms_lead: Some("carol".into()),
            author: "alice".into(),
            at: t(5)
        }
    );
}

#[test]
fn a_follow_up_is_written_at_once_with_its_owner_and_due_date() {
    let mut s = in_incident();
    typed(&mut s, "/followup @bob +7d add a canary stage");
    let Write::AddFollowUp(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a follow-up");
    };
    assert_eq!(new.owner, "bob");
    assert_eq!(new.title, "add a canary stage");
    assert!(new.due.is_some());
}

/// A reply names its request: another write failing (an alert entry, say) while an
/// append is under way must not release the composer, or the user could send the
/// same text again and store it twice.
#[test]
fn a_failure_of_another_write_leaves_the_pending_entry_waiting() {
    let mut s = in_incident();
    typed(&mut s, "drained eu-west");
    let (append, _) = only_request(update(&mut s, key(Key::Enter)));
    let other = RequestId(append.0 + 100);
    update(
        &mut s,
        Msg::StoreFailed {
            request: Some(other),
            error: "alert entry failed".into(),
        },
    );
    assert_eq!(
        s.composer.pending,
        Some(append),
        "still waiting on its own write"
    );
    assert!(
        update(&mut s, key(Key::Enter)).is_empty(),
        "Enter sends nothing twice"
    );
    // A load failing (no request) releases nothing either.
    update(
        &mut s,
        Msg::StoreFailed {
            request: None,
            error: "load failed".into(),
        },
    );
    assert_eq!(s.composer.pending, Some(append));
    // Its own reply does.
    update(
        &mut s,
        Msg::StoreFailed {
            request: Some(append),
            error: "locked".into(),
        },
    );
    assert!(s.composer.pending.is_none());
    assert_eq!(s.composer.content(), "drained eu-west");
}

/// A due date with a non-ASCII unit crashed the TUI and lost the typed text.
#[test]
fn a_follow_up_with_a_non_ascii_due_date_is_an_error_that_keeps_the_text() {
    let mut s = in_incident();
    typed(&mut s, "/followup @bob +2週 add canary");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    assert!(s
        .composer
        .error
        .as_deref()
        .is_some_and(|e| e.contains("bad date")));
    assert_eq!(s.composer.content(), "/followup @bob +2週 add canary");
}

#[test]
fn another_process_writing_reloads_what_is_on_screen() {
    let mut s = in_incident();
    assert_eq!(
        update(&mut s, Msg::StoreChanged),
        vec![Effect::LoadIncidents, Effect::LoadRecord(IncidentId(1))]
    );
}

#[test]
fn a_pasted_block_becomes_one_line_in_the_input() {
    let mut s = in_incident();
    update(&mut s, Msg::Paste("line one\nline two\r\n".into()));
    assert_eq!(s.composer.content(), "line one line two  ");
}

#[test]
fn help_opens_with_question_mark_scrolls_and_any_other_key_closes_it() {
    let mut s = state();
    update(&mut s, ch('?'));
    assert!(matches!(s.layer, Layer::Help(0)));
    update(&mut s, key(Key::Down));
    update(&mut s, key(Key::PageDown));
    assert!(matches!(s.layer, Layer::Help(11)));
    update(&mut s, ch('x'));
    assert!(matches!(s.layer, Layer::None));
    // In the composer, ? is text; /help opens the help.
    let mut s = in_incident();
    update(&mut s, ch('?'));
    assert_eq!(s.composer.content(), "?");
    let mut s = in_incident();
    typed(&mut s, "/help");
    update(&mut s, key(Key::Enter));
    assert!(matches!(s.layer, Layer::Help(0)));
}

#[test]
fn a_record_for_another_incident_than_the_one_shown_is_ignored() {
    let mut s = in_incident();
    update(&mut s, Msg::RecordLoaded(record(2)));
    assert_eq!(
        s.current_record().map(|r| r.incident.id),
        Some(IncidentId(1))
    );
}

#[test]
fn a_kind_prefix_writes_that_kind_once_and_the_shown_kind_stays() {
    let mut s = in_incident();
    typed(&mut s, "comms: We are rolling back the release.");
    let Write::Append(_, entry) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("an entry");
    };
    assert_eq!(entry.kind, EntryKind::Comms);
    assert_eq!(entry.text, "We are rolling back the release.");
    assert_eq!(
        s.composer.kind,
        EntryKind::Mitigation,
        "the shown kind stays"
    );
}

#[test]
fn export_writes_the_postmortem_and_says_where_it_went() {
    let mut s = in_incident();
    typed(&mut s, "/export");
    assert_eq!(
        update(&mut s, key(Key::Enter)),
        vec![Effect::Export(IncidentId(1))]
    );
    assert_eq!(
        s.composer.content(),
        "",
        "a command that ran leaves the line"
    );
    // In NAV mode its shortcut does the same, and a draft in the composer stays.
    typed(&mut s, "a draft");
    update(&mut s, key(Key::Esc));
    assert_eq!(update(&mut s, ch('e')), vec![Effect::Export(IncidentId(1))]);
    assert_eq!(s.composer.content(), "a draft");
    update(
        &mut s,
        Msg::Exported {
            what: "postmortem draft",
            result: Ok("postmortem-1.md".into()),
        },
    );
    assert!(s
        .banner
        .as_ref()
        .is_some_and(|b| !b.error && b.text == "postmortem draft written to postmortem-1.md"));
    update(
        &mut s,
        Msg::Exported {
            what: "postmortem draft",
            result: Err("cannot write 'x': disk full".into()),
        },
    );
    assert!(s.banner.as_ref().is_some_and(|b| b.error));
}

mod acts;
mod alert_flows;
mod forms;

#[test]
fn in_a_drill_every_declared_incident_is_a_drill() {
    let mut s = state();
    s.drill = true;
    update(&mut s, ch('d'));
    typed(&mut s, "rehearsal: room down");
    let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a declare");
    };
    assert!(new.drill);
}

#[test]
fn the_drill_command_asks_then_toggles_the_drill_flag() {
    let mut s = in_incident();
    update(&mut s, key(Key::Esc));
    assert!(update(&mut s, ch('D')).is_empty(), "asks first");
    let Write::Edit { edit, .. } = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected an edit");
    };
    assert_eq!(edit.drill, Some(true));
}

#[test]
fn slo_figures_are_kept_paging_first() {
    use crate::domain::slo::{status, Objective, Ratio};
    let mut s = state();
    let objective = |name: &str| Objective {
        name: name.into(),
        service: "room".into(),
        objective: 99.5,
        window: "30d".into(),
    };
    let calm = status(&objective("calm"), "eu", |_| Ratio::Value(0.0001));
    let paging = status(&objective("paging"), "eu", |_| Ratio::Value(0.1));
    update(
        &mut s,
        Msg::SlosUpdated {
            statuses: vec![calm, paging],
            errors: Vec::new(),
            history: None,
        },
    );
    let order: Vec<&str> = s.slos.iter().map(|x| x.slo.as_str()).collect();
    assert_eq!(order, vec!["paging", "calm"]);
}

#[test]
fn resolved_incidents_are_listed_with_r_found_with_a_search_and_opened() {
    let mut s = state();
    let mut resolved = incident(7, Severity::P1);
    resolved.title = "gifting errors after release".into();
    resolved.status = Status::Resolved;
    let mut other = incident(6, Severity::P2);
    other.status = Status::Resolved;
    update(
        &mut s,
        Msg::IncidentsLoaded(vec![
            resolved,
            other,
            incident(2, Severity::P2),
            incident(1, Severity::P1),
        ]),
    );
    let ids = |s: &State| s.listed().iter().map(|i| i.id.0).collect::<Vec<_>>();
    assert_eq!(ids(&s), vec![2, 1], "open ones by default");
    update(&mut s, ch('R'));
    assert_eq!(ids(&s), vec![7, 6], "R lists the resolved ones");
    update(&mut s, ch('/'));
    for c in "gift".chars() {
        update(&mut s, ch(c));
    }
    assert_eq!(ids(&s), vec![7], "narrowed as typed");
    update(&mut s, key(Key::Enter));
    assert!(matches!(s.layer, Layer::None));
    assert_eq!(s.filter, "gift", "Enter keeps the filter");
    assert_eq!(
        update(&mut s, key(Key::Enter)),
        vec![Effect::LoadRecord(IncidentId(7))]
    );
    assert!(
        s.composer.focused,
        "a resolved incident opens in the composer too"
    );
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Esc));
    assert_eq!(s.filter, "", "Esc on the dashboard clears the search");
    update(&mut s, ch('/'));
    for c in "#6".chars() {
        update(&mut s, ch(c));
    }
    assert_eq!(ids(&s), vec![6]);
    update(&mut s, key(Key::Esc));
    assert_eq!(ids(&s), vec![7, 6], "Esc in the search drops it");
}
