//! Acting from the incident view: posting the customer draft, listing silences, and
//! a command run in a pane. What the runtime does with the effects is tested against
//! real parts in `tests/`.

use super::*;

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
        let lines = vec![format!("line {n}")];
        update(&mut s, Msg::RunOutput { lines, skipped: 0 });
    }
    let pane = s.run.clone().unwrap();
    assert_eq!(pane.lines.len(), RunPane::KEPT);
    assert_eq!(pane.dropped, 20);
    assert_eq!(pane.lines.back().map(String::as_str), Some("line 519"));
    // A flood comes with the count of lines the runner skipped: all are counted.
    let lines = vec!["last".to_string()];
    update(
        &mut s,
        Msg::RunOutput {
            lines,
            skipped: 1_000,
        },
    );
    let pane = s.run.clone().unwrap();
    assert_eq!(pane.dropped, 1_021);
    assert_eq!(pane.lines.back().map(String::as_str), Some("last"));
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

/// Incident 1 shown, with one silence made for it and still in force.
fn with_a_silence() -> State {
    let mut s = in_incident();
    let text = crate::domain::silence::created_text(
        "s-9",
        "prod",
        &[crate::domain::silence::Matcher::equal("region", "eu")],
        "13:00",
        "noisy",
    );
    let mut r = record(1);
    r.timeline.push(stored(
        &NewEntry::typed(EntryKind::Note, "alice", &text, t(1)).unwrap(),
    ));
    update(&mut s, Msg::RecordLoaded(r));
    s
}

fn resolved(s: &State) -> crate::domain::Change {
    let mut incident = s.current_record().unwrap().incident.clone();
    incident.status = Status::Resolved;
    crate::domain::Change {
        incident,
        entries: Vec::new(),
    }
}

#[test]
fn resolving_offers_to_expire_the_silences_still_in_force_once_it_is_saved() {
    let mut s = with_a_silence();
    typed(&mut s, "/resolve rolled back");
    update(&mut s, key(Key::Enter));
    let Layer::Confirm(asked) = &s.layer else {
        panic!("the resolve question")
    };
    assert!(asked
        .question
        .contains("you are asked next whether to expire them"));
    let (request, write) = only_request(update(&mut s, key(Key::Enter)));
    assert!(matches!(write, Write::Resolve { .. }));
    // Nothing is offered before the resolve is saved.
    assert!(matches!(s.layer, Layer::None));
    let change = resolved(&s);
    update(&mut s, Msg::Saved(request, Saved::Changed(change.clone())));
    let Layer::Confirm(offer) = &s.layer else {
        panic!("the offer: {:?}", s.layer)
    };
    assert!(
        offer.question.starts_with(
            "#1 is resolved, and its silences are still in force: s-9 on prod (until 13:00)"
        ),
        "{}",
        offer.question
    );
    let effects = update(&mut s, key(Key::Enter));
    let [Effect::Unsilence(request)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(request.silences, [("s-9".to_string(), "prod".to_string())]);
    // A later change of the resolved incident offers nothing again.
    typed(&mut s, "/sev P2");
    update(&mut s, key(Key::Enter));
    let (other, write) = only_request(update(&mut s, key(Key::Enter)));
    assert!(matches!(write, Write::Severity { .. }));
    update(&mut s, Msg::Saved(other, Saved::Changed(change)));
    assert!(matches!(s.layer, Layer::None), "{:?}", s.layer);
}

#[test]
fn declining_the_offer_keeps_the_silences_and_a_failed_resolve_offers_nothing() {
    let mut s = with_a_silence();
    typed(&mut s, "/resolve");
    update(&mut s, key(Key::Enter));
    let (request, _) = only_request(update(&mut s, key(Key::Enter)));
    let change = resolved(&s);
    update(&mut s, Msg::Saved(request, Saved::Changed(change)));
    assert!(matches!(s.layer, Layer::Confirm(_)));
    assert!(update(&mut s, key(Key::Esc)).is_empty());
    assert!(matches!(s.layer, Layer::None));
    // A resolve that fails: no offer, and the next save of anything offers none.
    let mut s = with_a_silence();
    typed(&mut s, "/status resolved");
    update(&mut s, key(Key::Enter));
    let (request, _) = only_request(update(&mut s, key(Key::Enter)));
    update(
        &mut s,
        Msg::StoreFailed {
            request: Some(request),
            error: "database is down".into(),
        },
    );
    assert!(matches!(s.layer, Layer::None));
    let change = resolved(&s);
    update(&mut s, Msg::Saved(request, Saved::Changed(change)));
    assert!(matches!(s.layer, Layer::None));
}
