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

/// Incident 1 with its public words set, shown, with a channel to post to.
fn ready_to_post() -> State {
    let mut s = in_incident();
    s.post_channels = vec!["#incidents".into()];
    let mut r = record(1);
    r.incident.public_title = Some("Streams fail to start".into());
    r.incident.public_impact = Some("Some viewers cannot start streams".into());
    update(&mut s, Msg::RecordLoaded(r));
    s
}

#[test]
fn comms_post_shows_the_whole_draft_and_enter_logs_and_posts_exactly_it() {
    let mut s = ready_to_post();
    typed(&mut s, "/comms post");
    assert_eq!(
        update(&mut s, key(Key::Enter)),
        vec![Effect::DraftToPost(IncidentId(1))]
    );
    assert_eq!(s.composer.content(), "", "the command line is done with");
    // Typed while the draft renders: not the draft, left alone.
    typed(&mut s, "half a thought");
    let draft = "Investigating: Streams fail to start\n\nSome viewers cannot start streams.\n";
    update(
        &mut s,
        Msg::DraftToPostReady {
            id: IncidentId(1),
            result: Ok(draft.into()),
        },
    );
    let Layer::Confirm(confirm) = &s.layer else {
        panic!("a question: {:?}", s.layer)
    };
    assert!(confirm.question.contains("post it to #incidents"));
    assert!(
        confirm.question.ends_with(draft.trim_end()),
        "{}",
        confirm.question
    );
    let (_, write) = only_request(update(&mut s, key(Key::Enter)));
    let Write::Post(IncidentId(1), entry) = write else {
        panic!("a post: {write:?}")
    };
    assert_eq!(entry.kind, EntryKind::Comms);
    assert_eq!(entry.text, draft.trim_end());
    assert_eq!(s.composer.content(), "half a thought");
    assert_eq!(
        s.composer.pending, None,
        "the typed line is not what was sent"
    );
}

#[test]
fn comms_post_esc_writes_nothing_and_a_failed_draft_or_no_channel_says_why() {
    let mut s = ready_to_post();
    typed(&mut s, "/comms post");
    update(&mut s, key(Key::Enter));
    let ready = |result| Msg::DraftToPostReady {
        id: IncidentId(1),
        result,
    };
    update(&mut s, ready(Ok("Investigating".into())));
    assert!(update(&mut s, key(Key::Esc)).is_empty());
    assert!(matches!(s.layer, Layer::None));
    // A draft still holding a placeholder is not for customers: no question.
    update(
        &mut s,
        ready(Ok(
            "Investigating: x\n[REGIONS NOT NAMED: name them]\n".into()
        )),
    );
    assert!(matches!(s.layer, Layer::None));
    let banner = s.banner.clone().unwrap();
    assert!(
        banner.error && banner.text.contains("[REGIONS NOT NAMED]"),
        "{banner:?}"
    );
    update(
        &mut s,
        ready(Err("template 'comms-update.txt': syntax error".into())),
    );
    let banner = s.banner.clone().unwrap();
    assert!(
        banner.error && banner.text.contains("not posted: template"),
        "{banner:?}"
    );
    // Ready after the responder left the incident: no question pops up elsewhere.
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Esc));
    update(&mut s, ready(Ok("Investigating".into())));
    assert!(matches!(s.layer, Layer::None));
    assert!(s
        .banner
        .clone()
        .unwrap()
        .text
        .contains("is ready: /comms post there"));
    // No channel configured: refused at once, the line kept.
    let mut s = ready_to_post();
    s.post_channels.clear();
    typed(&mut s, "/comms post");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    assert_eq!(s.composer.content(), "/comms post");
    assert!(s
        .composer
        .error
        .clone()
        .unwrap()
        .starts_with("no [[comms.channels]]"));
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

fn listed(id: &str, state: &str) -> crate::domain::silence::Listed {
    crate::domain::silence::Listed {
        id: id.into(),
        source: "prod".into(),
        state: state.into(),
        ends_at: t(120),
        matchers: r#"alertname="RoomDown""#.into(),
        created_by: "alice".into(),
        why: "rolling back".into(),
    }
}

#[test]
fn slash_silences_asks_the_sources_and_lists_what_they_say_over_the_incident() {
    let mut s = in_incident();
    typed(&mut s, "/silences");
    assert_eq!(
        update(&mut s, key(Key::Enter)),
        vec![Effect::ListSilences(IncidentId(1))]
    );
    assert_eq!(s.composer.content(), "");
    let answer = |result| Msg::SilencesListed {
        id: IncidentId(1),
        result,
    };
    update(
        &mut s,
        answer(Ok(vec![listed("s1", "active"), listed("s2", "expired")])),
    );
    let Layer::Silences(list) = &s.layer else {
        panic!("the list: {:?}", s.layer)
    };
    assert_eq!(list.silences.len(), 2);
    update(&mut s, key(Key::Down));
    assert!(matches!(&s.layer, Layer::Silences(l) if l.scroll == 1));
    // Any other key closes it and does nothing else.
    assert!(update(&mut s, ch('r')).is_empty());
    assert!(matches!(s.layer, Layer::None));
    assert_eq!(s.composer.content(), "");
    // None, unreadable, or the responder has moved on: said on the banner.
    update(&mut s, answer(Ok(Vec::new())));
    assert!(s
        .banner
        .clone()
        .unwrap()
        .text
        .starts_with("no silences for #1"));
    update(&mut s, answer(Err("source 'prod': 401".into())));
    let banner = s.banner.clone().unwrap();
    assert!(banner.error && banner.text.contains("not read: source 'prod': 401"));
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Esc));
    update(&mut s, answer(Ok(vec![listed("s1", "active")])));
    assert!(matches!(s.layer, Layer::None));
    assert!(s
        .banner
        .clone()
        .unwrap()
        .text
        .contains("/silences there lists them"));
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

#[test]
fn declaring_from_scratch_fills_the_form_and_waits_for_the_store() {
    let mut s = state();
    update(&mut s, ch('d'));
    // An empty title is refused by the domain and shown in the form.
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(form.error.is_some());
    typed(&mut s, "Chat is down");
    update(&mut s, key(Key::Tab));
    update(&mut s, key(Key::Right));
    update(&mut s, key(Key::Tab));
    typed(&mut s, "eu-west, us-east");
    let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a declare");
    };
    assert_eq!(new.title, "Chat is down");
    assert_eq!(new.severity, Severity::P2);
    assert_eq!(new.regions, vec!["eu-west", "us-east"]);
    assert_eq!(new.commander, "alice");
    // A second Enter while the first is being written declares nothing twice.
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let change = crate::store::Change {
        incident: new.clone().into_incident(IncidentId(3)),
        entries: Vec::new(),
    };
    let request = form_request(&s);
    let effects = update(&mut s, Msg::Saved(request, Saved::Declared(change)));
    assert_eq!(s.view, View::Incident(IncidentId(3)));
    assert!(matches!(s.layer, Layer::None));
    assert!(effects.contains(&Effect::LoadRecord(IncidentId(3))));
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
fn a_failed_declare_keeps_the_form_filled() {
    let mut s = state();
    update(&mut s, ch('d'));
    typed(&mut s, "Gifting errors");
    update(&mut s, key(Key::Enter));
    let request = form_request(&s);
    update(
        &mut s,
        Msg::StoreFailed {
            request: Some(request),
            error: "disk full".into(),
        },
    );
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(form.pending.is_none());
    assert_eq!(form.value(FieldId::Title), "Gifting errors");
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
fn editing_the_template_writes_only_what_changed_and_closes_once_saved() {
    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    assert!(matches!(s.layer, Layer::Form(_)));
    // Unchanged: refused with a reason, form stays.
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    update(&mut s, key(Key::Tab)); // regions
    typed(&mut s, "eu-west, ap-south");
    update(&mut s, key(Key::Tab)); // cohorts
    typed(&mut s, "android");
    let Write::Edit { id, edit, .. } = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected an edit");
    };
    assert_eq!(id, IncidentId(1));
    assert_eq!(edit.add_regions, vec!["eu-west", "ap-south"]);
    assert_eq!(edit.add_cohorts, vec!["android"]);
    assert_eq!(edit.title, None);
    assert_eq!(edit.trigger_time, None);
    let change = crate::store::Change {
        incident: incident(1, Severity::P1),
        entries: Vec::new(),
    };
    let request = form_request(&s);
    update(&mut s, Msg::Saved(request, Saved::Changed(change)));
    assert!(matches!(s.layer, Layer::None));
}

#[test]
fn a_bad_trigger_time_in_the_edit_form_is_shown_not_sent() {
    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..3 {
        update(&mut s, key(Key::Tab));
    }
    for _ in 0..40 {
        update(&mut s, key(Key::Backspace));
    }
    typed(&mut s, "yesterday");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(form
        .error
        .as_deref()
        .is_some_and(|e| e.contains("'yesterday'")));
}

/// The review's fields are in the edit form; the trigger time is shown and typed in
/// the display zone, relative times included, and an untouched one is not "changed"
/// by the minutes the field shows.
#[test]
fn the_edit_form_feeds_the_review_and_reads_relative_times() {
    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..5 {
        update(&mut s, key(Key::Tab)); // public title
    }
    typed(&mut s, "Video start failures");
    update(&mut s, key(Key::Tab)); // public impact
    update(&mut s, key(Key::Tab)); // root cause
    typed(&mut s, "release");
    update(&mut s, key(Key::Tab));
    typed(&mut s, "yes");
    update(&mut s, key(Key::Tab));
    typed(&mut s, "no");
    let Write::Edit { edit, .. } = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected an edit");
    };
    assert_eq!(edit.root_cause, Some(crate::domain::RootCause::Release));
    assert_eq!(
        (edit.release_related, edit.rollback_performed),
        (Some(true), Some(false))
    );
    assert_eq!(edit.trigger_time, None, "untouched: no change");
    assert_eq!(edit.public_title.as_deref(), Some("Video start failures"));
    assert_eq!(edit.public_impact, None, "blank: unchanged");

    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..3 {
        update(&mut s, key(Key::Tab)); // trigger time
    }
    for _ in 0..40 {
        update(&mut s, key(Key::Backspace));
    }
    typed(&mut s, "2m ago");
    let Write::Edit { edit, .. } = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected an edit");
    };
    assert_eq!(edit.trigger_time, Some(t(3)));

    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..7 {
        update(&mut s, key(Key::Tab)); // root cause
    }
    typed(&mut s, "gremlins");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(
        form.error
            .as_deref()
            .is_some_and(|e| e.contains("gremlins")),
        "{:?}",
        form.error
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
fn the_declare_form_takes_a_relative_trigger_time() {
    let mut s = state();
    update(&mut s, ch('d'));
    typed(&mut s, "Gifting errors");
    for _ in 0..6 {
        update(&mut s, key(Key::Tab)); // trigger time
    }
    typed(&mut s, "-3m");
    let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a declare");
    };
    assert_eq!(new.trigger_time, t(2));
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

mod alert_flows {
    use super::*;
    use crate::app::alert_set::Builder;
    use crate::app::alerts::{declaration_from, SourceView};
    use crate::domain::alert::{normalize, Alert, LabelMapping, RawAlert};
    use std::collections::BTreeMap;

    fn alert(
        fp: &str,
        name: &str,
        severity: &str,
        service: &str,
        region: &str,
        start: i64,
    ) -> Alert {
        let labels: BTreeMap<String, String> = [
            ("alertname", name),
            ("severity", severity),
            ("service", service),
            ("region", region),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
        normalize(
            "eu",
            RawAlert {
                fingerprint: fp.into(),
                labels,
                starts_at: Some(t(start)),
                ..RawAlert::default()
            },
            &LabelMapping::default(),
        )
    }

    fn watching() -> (State, Builder) {
        let s = State::new(
            "alice".into(),
            TimeDisplay::Utc,
            Duration::minutes(30),
            t(5),
        )
        .with_sources(vec![SourceView::new(
            "eu",
            false,
            std::time::Duration::from_secs(15),
        )]);
        (s, Builder::new(&["eu"]))
    }

    fn polled(s: &mut State, b: &mut Builder, alerts: Vec<Alert>, at: i64) -> Vec<Effect> {
        update(s, Msg::Alerts(Box::new(b.apply("eu", Ok(alerts), t(at)))))
    }

    fn linked_incident(fps: &[&str], region: &str) -> Incident {
        let d = Declaration {
            title: "room is down".into(),
            severity: Some(Severity::P1),
            regions: vec![region.into()],
            linked_alerts: fps.iter().map(|f| f.to_string()).collect(),
            ..Declaration::default()
        };
        NewIncident::declare(d, "alice", t(1))
            .unwrap()
            .into_incident(IncidentId(7))
    }

    fn alert_entries(effects: &[Effect]) -> Vec<(IncidentId, String)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Write { write: w, .. } => match &**w {
                    Write::AlertEntry(id, entry) => Some((*id, entry.text.clone())),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn alerts_arrive_p1_first_marked_new_and_an_unlinked_p1_is_flagged() {
        let (mut s, mut b) = watching();
        assert_eq!(s.pane, Pane::Alerts);
        polled(
            &mut s,
            &mut b,
            vec![
                alert("b", "ChatSlow", "warning", "chat", "us", 0),
                alert("a", "RoomDown", "critical", "room", "eu", 1),
            ],
            5,
        );
        let names: Vec<&str> = s.board.alerts().iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["RoomDown", "ChatSlow"]);
        assert!(s.board.alerts().iter().all(|a| s.board.is_new(a)));
        assert_eq!(s.board.unlinked_p1(&s.incidents).len(), 1);
        s.incidents = vec![linked_incident(&["a"], "eu")];
        assert!(s.board.unlinked_p1(&s.incidents).is_empty());
    }

    #[test]
    fn declaring_from_two_marked_alerts_takes_the_earliest_start_and_links_both() {
        let (mut s, mut b) = watching();
        polled(
            &mut s,
            &mut b,
            vec![
                alert("a", "RoomDown", "critical", "room", "eu", 3),
                alert("b", "ChatSlow", "warning", "chat", "us", 1),
            ],
            5,
        );
        update(&mut s, ch(' '));
        update(&mut s, key(Key::Down));
        update(&mut s, ch(' '));
        update(&mut s, ch('d'));
        let Layer::Form(form) = &s.layer else {
            panic!("the declare form opens");
        };
        assert_eq!(form.trigger_time, Some(t(1)));
        assert_eq!(form.linked_alerts, vec!["a", "b"]);
        let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
            panic!("expected a declare");
        };
        assert_eq!(new.severity, Severity::P1);
        assert_eq!(new.regions, vec!["eu", "us"]);
        assert_eq!(new.trigger_time, t(1));
        assert_eq!(new.linked_alerts, vec!["a", "b"]);
        assert!(new.title.starts_with("room: RoomDown"), "{}", new.title);
    }

    #[test]
    fn a_single_alert_prefills_service_and_summary_in_the_title() {
        let mut a = alert("a", "RoomDown", "warning", "room", "eu", 2);
        a.summary = Some("stream starts failing".into());
        let d = declaration_from(&[&a]);
        assert_eq!(d.title, "room: stream starts failing");
        assert_eq!(d.severity, Some(Severity::P2));
    }

    #[test]
    fn a_linked_alert_that_resolves_is_logged_once_and_a_first_answer_logs_nothing() {
        let (mut s, mut b) = watching();
        s.incidents = vec![linked_incident(&["a"], "eu")];
        assert!(alert_entries(&polled(
            &mut s,
            &mut b,
            vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
            5
        ))
        .is_empty());
        assert!(alert_entries(&polled(
            &mut s,
            &mut b,
            vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
            20
        ))
        .is_empty());
        let entries = alert_entries(&polled(&mut s, &mut b, Vec::new(), 35));
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, IncidentId(7));
        assert!(
            entries[0]
                .1
                .starts_with("alert resolved: RoomDown [room eu]"),
            "{}",
            entries[0].1
        );
        assert!(
            alert_entries(&polled(&mut s, &mut b, Vec::new(), 50)).is_empty(),
            "not on every poll"
        );
    }

    #[test]
    fn a_new_alert_matching_an_incidents_service_and_region_is_logged() {
        let (mut s, mut b) = watching();
        s.incidents = vec![linked_incident(&["a"], "eu")];
        polled(
            &mut s,
            &mut b,
            vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
            5,
        );
        let effects = polled(
            &mut s,
            &mut b,
            vec![
                alert("a", "RoomDown", "critical", "room", "eu", 1),
                alert("c", "RoomLatency", "warning", "room", "eu", 6),
                alert("d", "RoomLatency", "warning", "room", "us", 6),
                alert("e", "ChatSlow", "warning", "chat", "eu", 6),
            ],
            20,
        );
        let entries = alert_entries(&effects);
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert!(entries[0]
            .1
            .starts_with("alert fired: RoomLatency [room eu] matches this incident"));
    }

    #[test]
    fn a_failing_source_keeps_its_alerts_says_so_and_logs_nothing() {
        let (mut s, mut b) = watching();
        s.incidents = vec![linked_incident(&["a"], "eu")];
        polled(
            &mut s,
            &mut b,
            vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
            5,
        );
        let effects = update(
            &mut s,
            Msg::Alerts(Box::new(b.failed("eu", "HTTP 500".into(), t(20)))),
        );
        assert!(effects.is_empty());
        assert_eq!(s.board.alerts().len(), 1);
        assert!(matches!(
            s.board.sources[0]
                .health
                .status(t(21), std::time::Duration::from_secs(15)),
            crate::domain::health::Health::Failing { .. }
        ));
    }

    /// Alertmanager keeps no alerts across a restart: what is missing right after
    /// its source was down is not resolved, and a linked alert that is back fires
    /// again (so the timeline's last word about it is true).
    #[test]
    fn a_restart_of_the_source_is_not_a_resolution_and_a_return_fires_again() {
        let (mut s, mut b) = watching();
        s.incidents = vec![linked_incident(&["a"], "eu")];
        let room = || alert("a", "RoomDown", "critical", "room", "eu", 1);
        polled(&mut s, &mut b, vec![room()], 5);
        let failed = b.failed("eu", "cannot connect".into(), t(20));
        assert!(update(&mut s, Msg::Alerts(Box::new(failed))).is_empty());
        let entries = alert_entries(&polled(&mut s, &mut b, Vec::new(), 35));
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert!(
            entries[0]
                .1
                .starts_with("alert no longer reported (its source was down): RoomDown"),
            "{}",
            entries[0].1
        );
        assert!(!entries[0].1.contains("resolved"));
        assert_eq!(s.board.describe("a"), "RoomDown (resolved)");
        let entries = alert_entries(&polled(&mut s, &mut b, vec![room()], 50));
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert!(
            entries[0]
                .1
                .starts_with("alert firing again: RoomDown [room eu]"),
            "{}",
            entries[0].1
        );
        assert_eq!(s.board.describe("a"), "RoomDown (firing)");
        // Gone with the source healthy is a resolution; back again fires again.
        let entries = alert_entries(&polled(&mut s, &mut b, Vec::new(), 65));
        assert!(entries[0].1.starts_with("alert resolved: RoomDown"));
        let entries = alert_entries(&polled(&mut s, &mut b, vec![room()], 80));
        assert!(entries[0].1.starts_with("alert firing again: RoomDown"));
        assert!(
            alert_entries(&polled(&mut s, &mut b, vec![room()], 95)).is_empty(),
            "once"
        );
    }

    #[test]
    fn the_pane_counts_what_arrived_and_left_since_the_last_poll() {
        let (mut s, mut b) = watching();
        polled(
            &mut s,
            &mut b,
            vec![alert("a", "A", "critical", "x", "eu", 1)],
            5,
        );
        assert_eq!(
            s.board.last_change(),
            None,
            "nothing to compare the first with"
        );
        polled(
            &mut s,
            &mut b,
            vec![
                alert("b", "B", "critical", "x", "eu", 1),
                alert("c", "C", "critical", "x", "eu", 1),
            ],
            20,
        );
        assert_eq!(s.board.last_change(), Some((2, 1)));
        assert!(s.board.is_new(&s.board.alerts()[0]));
    }

    #[test]
    fn alerts_group_by_name_open_with_enter_and_a_group_is_marked_and_declared_whole() {
        let (mut s, mut b) = watching();
        let mut storm: Vec<Alert> = (0..50)
            .map(|i| {
                alert(
                    &format!("p{i}"),
                    "PodCrashLooping",
                    "warning",
                    "room",
                    "eu",
                    i,
                )
            })
            .collect();
        storm.push(alert("r", "RoomDown", "critical", "room", "eu", 3));
        storm.push(alert("q", "RoomDown", "critical", "room", "us", 4));
        polled(&mut s, &mut b, storm, 60);
        assert_eq!(s.board.row_count(), 52);
        update(&mut s, ch('z'));
        assert!(s.board.grouped);
        assert_eq!(s.board.row_count(), 2, "one row per name");
        let groups = &s.board.set().groups;
        assert_eq!(groups[0].name, "RoomDown", "P1 first");
        assert_eq!((groups[0].members.len(), groups[0].p1), (2, 2));
        assert_eq!(groups[1].members.len(), 50);
        update(&mut s, key(Key::Enter));
        assert_eq!(s.board.row_count(), 4, "RoomDown opened");
        assert_eq!(
            s.view,
            View::Dashboard,
            "Enter on a group opens it, not an incident"
        );
        update(&mut s, key(Key::Down));
        assert_eq!(
            s.board.selected_alert().map(|a| a.fingerprint.as_str()),
            Some("r")
        );
        update(&mut s, key(Key::Home));
        update(&mut s, key(Key::Enter));
        assert_eq!(s.board.row_count(), 2, "closed again");
        update(&mut s, key(Key::Down));
        update(&mut s, ch(' '));
        assert_eq!(s.board.marked.len(), 50, "Space on a group marks all of it");
        update(&mut s, ch(' '));
        assert!(s.board.marked.is_empty(), "and again unmarks it");
        update(&mut s, ch('d'));
        let Layer::Form(form) = &s.layer else {
            panic!("the declare form opens");
        };
        assert_eq!(
            form.linked_alerts.len(),
            50,
            "d on a group declares from all of it"
        );
        // A new poll keeps the grouping, and the selection within bounds.
        s.layer = Layer::None;
        polled(
            &mut s,
            &mut b,
            vec![alert("r", "RoomDown", "critical", "room", "eu", 3)],
            75,
        );
        assert_eq!(s.board.row_count(), 1);
        assert_eq!(s.board.selected, 0);
        update(&mut s, ch('z'));
        assert!(!s.board.grouped);
    }

    #[test]
    fn tab_switches_panes_and_enter_shows_an_alert_then_opens_its_incident() {
        let (mut s, mut b) = watching();
        s.incidents = vec![linked_incident(&["a"], "eu")];
        polled(
            &mut s,
            &mut b,
            vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
            5,
        );
        assert_eq!(update(&mut s, key(Key::Enter)), vec![]);
        assert!(
            matches!(&s.layer, Layer::Alert(a, 0) if a.fingerprint == "a"),
            "Enter shows the alert first"
        );
        update(&mut s, key(Key::Down));
        assert!(matches!(&s.layer, Layer::Alert(_, 1)), "it scrolls");
        assert_eq!(
            update(&mut s, key(Key::Enter)),
            vec![Effect::LoadRecord(IncidentId(7))]
        );
        assert!(matches!(s.layer, Layer::None));
        assert_eq!(s.view, View::Incident(IncidentId(7)));
        assert!(
            !s.board.is_new(&s.board.alerts()[0]),
            "looked at once an incident opens"
        );
        update(&mut s, key(Key::Esc));
        update(&mut s, key(Key::Esc));
        update(&mut s, key(Key::Tab));
        assert_eq!(s.pane, Pane::Incidents);
    }

    #[test]
    fn slash_silence_in_an_incident_silences_its_firing_linked_alerts_after_asking() {
        let (mut s, mut b) = watching();
        let linked = linked_incident(&["a"], "eu");
        s.incidents = vec![linked.clone()];
        polled(
            &mut s,
            &mut b,
            vec![
                alert("a", "RoomDown", "critical", "room", "eu", 1),
                alert("b", "CdnSlow", "warning", "cdn", "us", 1),
            ],
            5,
        );
        s.view = View::Incident(IncidentId(7));
        s.composer.focused = true;
        update(
            &mut s,
            Msg::RecordLoaded(IncidentRecord {
                incident: linked,
                timeline: Vec::new(),
                follow_ups: Vec::new(),
                alerts: Vec::new(),
            }),
        );
        typed(&mut s, "/silence 90m flapping while we roll back");
        assert!(update(&mut s, key(Key::Enter)).is_empty(), "asks first");
        let Layer::Confirm(confirm) = &s.layer else {
            panic!("no question: {:?}", s.composer.error);
        };
        assert!(
            confirm.question.contains("RoomDown on eu"),
            "{}",
            confirm.question
        );
        assert!(!confirm.question.contains("CdnSlow"), "only the linked one");
        let effects = update(&mut s, key(Key::Enter));
        let [Effect::Silence(request)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(request.alerts.len(), 1);
        assert_eq!(request.ends, t(5) + Duration::minutes(90));
        assert_eq!(s.composer.content(), "", "the command line is done with");
        update(&mut s, Msg::Silenced(Err("RoomDown on eu: 401".into())));
        let banner = s.banner.clone().unwrap();
        assert!(banner.error && banner.text.starts_with("NOT SILENCED: "));
    }

    #[test]
    fn s_on_an_alert_in_full_keeps_the_incidents_unsent_line() {
        let (mut s, mut b) = watching();
        s.incidents = vec![linked_incident(&["a"], "eu")];
        s.composer.switch_to(IncidentId(7));
        s.composer.text = crate::app::single_line("rolled back room to v41");
        polled(
            &mut s,
            &mut b,
            vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
            5,
        );
        update(&mut s, key(Key::Enter));
        update(&mut s, ch('s'));
        assert_eq!(s.view, View::Incident(IncidentId(7)));
        assert_eq!(s.composer.content(), "rolled back room to v41");
        let why = s.composer.error.clone().unwrap_or_default();
        assert!(why.contains("unsent line is kept"), "{why}");
    }

    #[test]
    fn s_on_an_alert_in_full_starts_silencing_only_it_in_its_incident() {
        let (mut s, mut b) = watching();
        s.incidents = vec![linked_incident(&["a", "b"], "eu")];
        polled(
            &mut s,
            &mut b,
            vec![
                alert("a", "RoomDown", "critical", "room", "eu", 1),
                alert("b", "RoomSlow", "critical", "room", "eu", 2),
            ],
            5,
        );
        update(&mut s, key(Key::Enter));
        let Layer::Alert(shown, _) = &s.layer else {
            panic!("no detail");
        };
        let fp = shown.fingerprint.clone();
        assert_eq!(
            update(&mut s, ch('s')),
            vec![Effect::LoadRecord(IncidentId(7))]
        );
        assert_eq!(s.view, View::Incident(IncidentId(7)));
        assert_eq!(s.composer.content(), "/silence 1h ");
        assert_eq!(
            s.board.marked.iter().collect::<Vec<_>>(),
            vec![&fp],
            "only it"
        );
        let incident = s.incidents[0].clone();
        update(
            &mut s,
            Msg::RecordLoaded(IncidentRecord {
                incident,
                timeline: Vec::new(),
                follow_ups: Vec::new(),
                alerts: Vec::new(),
            }),
        );
        typed(&mut s, "flapping");
        update(&mut s, key(Key::Enter));
        let Layer::Confirm(confirm) = &s.layer else {
            panic!("no question: {:?}", s.composer.error);
        };
        let Then::Act(Effect::Silence(request)) = &confirm.then else {
            panic!("{confirm:?}");
        };
        assert_eq!(
            request.alerts.len(),
            1,
            "the alert shown, not both linked ones"
        );
        // An alert no incident links: nothing opens, it says how.
        s.incidents.clear();
        s.view = View::Dashboard;
        s.layer = Layer::None;
        update(&mut s, key(Key::Enter));
        assert!(update(&mut s, ch('s')).is_empty());
        assert!(matches!(s.layer, Layer::Alert(..)));
        assert!(s
            .banner
            .as_ref()
            .is_some_and(|b| b.text.contains("no incident links it")));
    }

    #[test]
    fn an_unlinked_alert_shown_in_full_declares_from_itself_and_esc_goes_back() {
        let (mut s, mut b) = watching();
        polled(
            &mut s,
            &mut b,
            vec![alert("b", "CdnSlow", "warning", "cdn", "us", 1)],
            5,
        );
        update(&mut s, key(Key::Enter));
        assert_eq!(update(&mut s, key(Key::Enter)), vec![]);
        assert!(
            matches!(&s.layer, Layer::Alert(..)),
            "stays: nothing to open"
        );
        assert!(s.banner.as_ref().is_some_and(|b| b.text.contains("/link")));
        update(&mut s, key(Key::Esc));
        assert!(matches!(s.layer, Layer::None));
        update(&mut s, key(Key::Enter));
        update(&mut s, ch('d'));
        assert!(
            matches!(&s.layer, Layer::Form(_)),
            "the declare form, from the alert"
        );
    }
}

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

#[test]
fn slash_run_shows_its_output_in_a_pane_ctrl_c_interrupts_and_esc_closes_it_once_ended() {
    let mut s = in_incident();
    typed(&mut s, "/run kubectl rollout undo deploy/room");
    assert!(update(&mut s, key(Key::Enter)).is_empty(), "asks first");
    assert!(matches!(s.layer, Layer::Confirm(_)));
    let effects = update(&mut s, key(Key::Enter));
    let [Effect::Run(request)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(request.argv, ["kubectl", "rollout", "undo", "deploy/room"]);
    assert_eq!(request.incident, IncidentId(1));
    let pane = s.run.clone().expect("a pane");
    assert!(pane.running());
    assert_eq!(pane.command, "kubectl rollout undo deploy/room");
    // Output arrives in batches; the pane keeps the last lines only.
    for n in 0..(RunPane::KEPT + 20) {
        update(&mut s, Msg::RunOutput(vec![format!("line {n}")]));
    }
    let pane = s.run.clone().unwrap();
    assert_eq!(pane.lines.len(), RunPane::KEPT);
    assert_eq!(pane.dropped, 20);
    assert_eq!(pane.lines.back().map(String::as_str), Some("line 519"));
    // Another /run waits for this one.
    update(&mut s, key(Key::Enter));
    typed(&mut s, "/run true");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    assert!(s
        .composer
        .error
        .as_deref()
        .is_some_and(|e| e.contains("still running")));
    // Ctrl-C goes to the command, not to quitting.
    let ctrl_c = Msg::Key(Input {
        key: Key::Char('c'),
        ctrl: true,
        ..Input::default()
    });
    assert_eq!(update(&mut s, ctrl_c.clone()), vec![Effect::InterruptRun]);
    assert!(!s.quit);
    // Quitting while it runs asks first.
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Esc));
    assert_eq!(s.view, View::Dashboard, "Esc leaves while it runs");
    assert!(update(&mut s, ch('q')).is_empty());
    assert!(matches!(s.layer, Layer::ConfirmQuit));
    update(&mut s, key(Key::Esc));
    // It ends: the pane says how, Esc closes it, Ctrl-C is the way out again.
    update(
        &mut s,
        Msg::RunEnded(Ok("kubectl exited 0 after 1.2s".into())),
    );
    assert_eq!(
        s.banner.as_ref().map(|b| b.text.as_str()),
        Some("kubectl exited 0 after 1.2s")
    );
    update(&mut s, key(Key::Enter));
    update(&mut s, Msg::RecordLoaded(record(1)));
    assert!(s.run.is_some());
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Esc));
    assert!(s.run.is_none(), "Esc closed the ended command's pane");
    assert_eq!(s.view, View::Incident(IncidentId(1)), "and stayed");
    // Ctrl-C offers the way out again (the `/run true` draft makes it ask).
    assert!(update(&mut s, ctrl_c).is_empty());
    assert!(matches!(s.layer, Layer::ConfirmQuit));
}
