use chrono::{DateTime, Utc};

use super::*;
use crate::domain::alert::AlertState;
use crate::domain::{Declaration, EntryId, FollowUpId, IncidentId, NewIncident, Severity, Status};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap()
}

fn incident() -> Incident {
    let d = Declaration {
        title: "room down".into(),
        severity: Some(Severity::P1),
        comms_lead: Some("carol".into()),
        ..Declaration::default()
    };
    NewIncident::declare(d, "alice", now())
        .unwrap()
        .into_incident(IncidentId(1))
}

/// A context on `i` with nothing marked, no timeline and no alerts.
fn context(i: &Incident) -> Context<'_> {
    Context {
        incident: i,
        user: "alice",
        now: now(),
        marked: &[],
        timeline: &[],
        alerts: &[],
        alerts_marked: false,
        demo: false,
        time_display: crate::domain::TimeDisplay::Utc,
        running: false,
        linked_firing: Vec::new(),
        pages: false,
        oncall: None,
    }
}

fn run(line: &str) -> Result<Action, String> {
    let i = incident();
    parse(line, &context(&i))
}

fn write(line: &str) -> (Write, Option<String>) {
    match run(line) {
        Ok(Action::Write { write, confirm }) => (write, confirm),
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn plain_text_and_double_slash_are_entries_never_actions() {
    for line in [
        "rolled back room to v41",
        "resolve the DNS issue",
        "a",
        "r",
        "status page updated",
    ] {
        assert_eq!(run(line), Ok(Action::Entry(line.into())));
    }
    assert_eq!(
        run("//status is a word"),
        Ok(Action::Entry("/status is a word".into()))
    );
}

#[test]
fn every_loud_change_asks_first_and_says_what_will_change() {
    let (w, confirm) = write("/status monitoring");
    assert!(matches!(
        w,
        Write::Status {
            to: Status::Monitoring,
            ..
        }
    ));
    assert_eq!(
        confirm.as_deref(),
        Some("Change the status of #1 from investigating to monitoring?")
    );
    let (w, confirm) = write("/sev p2");
    assert!(matches!(
        w,
        Write::Severity {
            to: Severity::P2,
            ..
        }
    ));
    assert!(confirm.unwrap().contains("from P1 to P2"));
    let (w, confirm) = write("/commander bob");
    assert!(matches!(&w, Write::Assign { commander: Some(c), comms_lead: None, .. } if c == "bob"));
    assert_eq!(
        confirm.as_deref(),
        Some("Hand the commander role of #1 from alice to bob?")
    );
    let (w, confirm) = write("/comms-lead dave");
    assert!(
        matches!(&w, Write::Assign { commander: None, comms_lead: Some(c), .. } if c == "dave")
    );
    assert!(confirm.unwrap().contains("from carol to dave"));
    let (w, confirm) = write("/resolve rolled back room to v41");
    assert!(
        matches!(&w, Write::Resolve { summary: Some(s), .. } if s == "rolled back room to v41")
    );
    assert_eq!(
        confirm.as_deref(),
        Some("Resolve #1 room down — summary 'rolled back room to v41'?")
    );
    let (w, confirm) = write("/resolve");
    assert!(matches!(w, Write::Resolve { summary: None, .. }));
    assert!(confirm.unwrap().contains("no summary"));
    let (w, confirm) = write("/drill");
    assert!(matches!(w, Write::Edit { .. }));
    assert!(confirm.unwrap().contains("as a drill"));
}

#[test]
fn additive_commands_write_at_once() {
    let (w, confirm) = write("/followup @bob +7d add a canary stage");
    assert_eq!(confirm, None);
    let Write::AddFollowUp(f) = w else {
        panic!("a follow-up")
    };
    assert_eq!(
        (f.owner.as_str(), f.title.as_str()),
        ("bob", "add a canary stage")
    );
    assert!(f.due.is_some());
    let (w, _) = write("/followup @bob 2099-01-31 write the runbook");
    let Write::AddFollowUp(f) = w else {
        panic!("a follow-up")
    };
    assert_eq!(f.due.unwrap().to_string(), "2099-01-31");
    let (w, _) = write("/followup @carol no date for this one");
    let Write::AddFollowUp(f) = w else {
        panic!("a follow-up")
    };
    assert_eq!((f.due, f.title.as_str()), (None, "no date for this one"));
    assert!(
        matches!(write("/done 4").0, Write::CompleteFollowUp { id, .. } if id == FollowUpId(4))
    );
    assert!(matches!(
        write("/amend #12 drained eu-west").0,
        Write::Amend { entry, text: Some(ref text), kind: None, .. }
            if entry == EntryId(12) && text == "drained eu-west"
    ));
    assert!(matches!(
        write("/amend 12 --kind comms").0,
        Write::Amend {
            text: None,
            kind: Some(EntryKind::Comms),
            ..
        }
    ));
    assert!(matches!(
        write("/amend 12 --kind note rewritten").0,
        Write::Amend { text: Some(ref t), kind: Some(EntryKind::Note), .. } if t == "rewritten"
    ));
    assert_eq!(run("/edit"), Ok(Action::OpenEditForm));
    assert_eq!(run("/export"), Ok(Action::Export));
    assert_eq!(run("/comms"), Ok(Action::CommsDraft));
    assert_eq!(run("/help"), Ok(Action::Help));
}

#[test]
fn bad_commands_and_arguments_are_errors_that_say_how() {
    for (line, says) in [
        ("/frobnicate", "unknown command '/frobnicate'"),
        (
            "/status",
            "write /status investigating|identified|monitoring|resolved",
        ),
        ("/status fixed", "write /status"),
        ("/status investigating", "already investigating"),
        ("/sev P3", "write /sev P1|P2"),
        ("/sev P1", "already P1"),
        ("/commander", "write /commander NAME"),
        ("/commander alice", "already the commander"),
        ("/comms-lead   ", "write /comms-lead NAME"),
        ("/followup bob fix it", "write /followup @owner"),
        ("/followup @bob +2週 fix it", "bad date"),
        ("/followup @bob", "write /followup"),
        ("/done four", "write /done FOLLOW-UP-ID"),
        ("/amend 12", "write /amend"),
        ("/amend 12 --kind rumour", "write /amend"),
        ("/amend x text", "write /amend"),
        ("/export now", "takes no arguments"),
        ("/ status", "unknown command '/'"),
    ] {
        let err = run(line).unwrap_err();
        assert!(err.contains(says), "{line}: {err}");
    }
}

#[test]
fn tab_completes_commands_then_their_choices() {
    assert_eq!(complete("/st").as_deref(), Some("/status "));
    assert_eq!(complete("/c").as_deref(), Some("/comm"));
    assert_eq!(complete("/comms-").as_deref(), Some("/comms-lead "));
    assert_eq!(
        complete("/status mon").as_deref(),
        Some("/status monitoring")
    );
    assert_eq!(
        complete("/status i"),
        None,
        "investigating or identified: nothing to add"
    );
    assert_eq!(
        complete("/status id").as_deref(),
        Some("/status identified")
    );
    assert_eq!(complete("/sev ").as_deref(), Some("/sev P"));
    assert_eq!(complete("/x"), None);
    assert_eq!(complete("plain text"), None);
    assert_eq!(complete("//x"), None);
}

#[test]
fn the_hint_says_what_enter_will_do() {
    assert!(hint("rolled back", EntryKind::Mitigation, None)
        .starts_with("Enter writes a mitigation entry"));
    assert_eq!(
        hint("/st", EntryKind::Note, None),
        "/status · Tab completes"
    );
    assert!(hint("/status ", EntryKind::Note, None)
        .starts_with("/status investigating|identified|monitoring|resolved — change the status"));
    assert!(hint("/zz", EntryKind::Note, None).starts_with("no command '/zz'"));
    assert!(hint("//x", EntryKind::Comms, None).contains("comms entry starting with /"));
}

#[test]
fn every_command_has_help_and_shortcuts_are_unique() {
    let mut keys = std::collections::HashSet::new();
    for c in COMMANDS {
        assert!(!c.help.is_empty(), "{}", c.name);
        if let Some(k) = c.key {
            assert!(keys.insert(k), "two commands on '{k}'");
            assert_eq!(by_key(k).map(|c| c.name), Some(c.name));
        }
    }
}

#[test]
fn a_follow_up_is_edited_or_cancelled_from_the_composer() {
    let (w, confirm) = write("/followup-edit 3 @carol +7d add a canary stage first");
    assert_eq!(confirm, None, "an edit is not loud");
    let Write::EditFollowUp { id, edit, .. } = w else {
        panic!("an edit")
    };
    assert_eq!(id, crate::domain::FollowUpId(3));
    assert_eq!(edit.owner.as_deref(), Some("carol"));
    assert!(matches!(edit.due, Some(Some(_))));
    assert_eq!(edit.title.as_deref(), Some("add a canary stage first"));
    let (w, _) = write("/followup-edit #3 none");
    let Write::EditFollowUp { edit, .. } = w else {
        panic!("an edit")
    };
    assert_eq!((edit.due, edit.owner, edit.title), (Some(None), None, None));
    let (w, _) = write("/followup-edit 3 just a new title");
    let Write::EditFollowUp { edit, .. } = w else {
        panic!("an edit")
    };
    assert_eq!(edit.title.as_deref(), Some("just a new title"));
    for bad in [
        "/followup-edit",
        "/followup-edit 3",
        "/followup-edit x @bob",
        "/followup-edit 3 @",
    ] {
        assert!(run(bad).is_err(), "{bad}");
    }
    let (w, confirm) = write("/followup-cancel 3 superseded by #4");
    assert!(confirm.unwrap().contains("reason 'superseded by #4'"));
    let Write::CancelFollowUp { id, reason, .. } = w else {
        panic!("a cancel")
    };
    assert_eq!((id.0, reason.as_str()), (3, "superseded by #4"));
    for bad in [
        "/followup-cancel 3",
        "/followup-cancel 3   ",
        "/followup-cancel",
    ] {
        assert!(run(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_kind_prefix_chooses_the_kind_of_one_entry() {
    use crate::domain::EntryKind;
    assert_eq!(
        kind_prefix("comms: We are rolling back"),
        Some((EntryKind::Comms, "We are rolling back"))
    );
    assert_eq!(
        kind_prefix("NOTE:db fine"),
        Some((EntryKind::Note, "db fine"))
    );
    assert_eq!(
        kind_prefix("Mitigation: drained"),
        Some((EntryKind::Mitigation, "drained"))
    );
    for plain in ["comms are down", "c: x", "notes: x", "/comms", "", "é"] {
        assert_eq!(kind_prefix(plain), None, "{plain}");
    }
    assert!(hint("comms: x", EntryKind::Mitigation, None).starts_with("Enter writes a comms entry"));
    // With channels to post to, a comms update says that Enter posts it.
    let posts = Some("#incidents");
    assert!(hint("comms: x", EntryKind::Mitigation, posts)
        .starts_with("Enter logs a comms update and posts it to #incidents (asks first)"));
    assert!(hint("we rolled back", EntryKind::Comms, posts)
        .starts_with("Enter logs a comms update and posts"));
    assert!(hint("rolled back", EntryKind::Mitigation, posts)
        .starts_with("Enter writes a mitigation entry"));
}

#[test]
fn link_takes_the_marked_alerts_or_fingerprints_and_asks_first() {
    let i = incident();
    let marked = [("fp1".to_string(), "RoomDown".to_string())];
    let ctx = Context {
        marked: &marked,
        ..context(&i)
    };
    match parse("/link", &ctx) {
        Ok(Action::Write {
            write: Write::Edit { edit, .. },
            confirm: Some(q),
        }) => {
            assert_eq!(edit.link_alerts, ["fp1"]);
            assert_eq!(q, "Link RoomDown (fp1) to #1?");
        }
        other => panic!("{other:?}"),
    }
    let (write, confirm) = write("/link abc def");
    assert!(matches!(write, Write::Edit { ref edit, .. } if edit.link_alerts == ["abc", "def"]));
    assert_eq!(confirm.as_deref(), Some("Link abc, def to #1?"));
    assert!(run("/link")
        .unwrap_err()
        .contains("mark alerts on the dashboard"));
}

#[test]
fn resolve_names_the_silences_that_outlive_the_incident() {
    let i = incident();
    let text = crate::domain::silence::created_text(
        "s-9",
        "prod",
        &[crate::domain::silence::Matcher::equal("region", "eu")],
        "12:00",
        "noisy",
    );
    let timeline = [crate::domain::TimelineEntry {
        id: crate::domain::EntryId(3),
        incident_id: i.id,
        at: now(),
        author: "alice".into(),
        kind: crate::domain::EntryKind::Note,
        text,
        revisions: Vec::new(),
        db_role: None,
    }];
    let ctx = Context {
        timeline: &timeline,
        ..context(&i)
    };
    match parse("/resolve", &ctx) {
        Ok(Action::Write { confirm: Some(q), .. }) => assert!(
            q.ends_with("Its silences stay active until they end (s-9 until 12:00); you are asked next whether to expire them."),
            "{q}"
        ),
        other => panic!("{other:?}"),
    }
    let (_, plain) = write("/resolve");
    assert!(!plain.unwrap().contains("silence"));
    // /unsilence offers exactly those, or the one named; never one that is not the
    // incident's, and nothing when none is left.
    let Ok(Action::Act { effect, confirm }) = parse("/unsilence", &ctx) else {
        panic!("not an act");
    };
    assert_eq!(
        confirm,
        "Expire s-9 on prod (until 12:00) for #1? The alerts they mute can notify again."
    );
    let Effect::Unsilence(request) = effect else {
        panic!("{effect:?}");
    };
    assert_eq!(request.silences, [("s-9".to_string(), "prod".to_string())]);
    assert!(matches!(
        parse("/unsilence s-9", &ctx),
        Ok(Action::Act { .. })
    ));
    assert!(matches!(parse("/unsilence s-1", &ctx), Err(e) if e.contains("not one of #1's")));
    let expired = crate::domain::TimelineEntry {
        text: crate::domain::silence::expired_text("s-9", "prod"),
        ..timeline[0].clone()
    };
    let both = [timeline[0].clone(), expired];
    let ctx = Context {
        timeline: &both,
        ..context(&i)
    };
    assert!(matches!(parse("/unsilence", &ctx), Err(e) if e.contains("no silence")));
}

fn live_alert(fp: &str, name: &str, state: AlertState) -> Alert {
    let labels = [
        ("alertname", name),
        ("region", "eu"),
        ("instance", "room-1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    let mut alert = crate::domain::alert::normalize(
        "prod",
        crate::domain::alert::RawAlert {
            fingerprint: fp.into(),
            labels,
            ..Default::default()
        },
        &crate::domain::alert::LabelMapping::default(),
    );
    alert.state = state;
    alert
}

#[test]
fn silence_makes_one_silence_per_firing_alert_from_its_labels_and_asks_first() {
    let i = incident();
    let firing = live_alert("fp1", "RoomDown", AlertState::Firing);
    let quiet = live_alert("fp2", "RoomSlow", AlertState::Silenced);
    let alerts = [&firing, &quiet];
    let ctx = Context {
        alerts: &alerts,
        ..context(&i)
    };
    let Ok(Action::Act { effect, confirm }) = parse("/silence 2h rolling back room", &ctx) else {
        panic!("not an act");
    };
    let Effect::Silence(request) = effect else {
        panic!("not a silence: {effect:?}");
    };
    assert_eq!(request.incident, i.id);
    assert_eq!(request.author, "alice");
    assert_eq!(request.why, "rolling back room");
    assert_eq!(request.ends, now() + chrono::Duration::hours(2));
    // Only the firing one; its matchers are all of its labels.
    assert_eq!(request.alerts.len(), 1);
    assert_eq!(request.alerts[0].source, "prod");
    assert_eq!(
        crate::domain::silence::shown(&request.alerts[0].matchers),
        r#"alertname="RoomDown", instance="room-1", region="eu""#
    );
    // The question shows the end, the reason and the matchers.
    assert!(confirm.contains("Silence 1 alert until 2026-"), "{confirm}");
    assert!(confirm.contains("'rolling back room'"), "{confirm}");
    assert!(
        confirm.contains(r#"RoomDown on prod: alertname="RoomDown", instance="room-1""#),
        "{confirm}"
    );
}

#[test]
fn silence_refuses_what_it_cannot_do_and_says_how() {
    let i = incident();
    let quiet = live_alert("fp2", "RoomSlow", AlertState::Silenced);
    let firing = live_alert("fp1", "RoomDown", AlertState::Firing);
    let none: [&Alert; 0] = [];
    let quiet_only = [&quiet];
    let some = [&firing];
    let cases: Vec<(&str, Context<'_>, &str)> = vec![
        ("/silence", context(&i), "write /silence DURATION"),
        ("/silence 2h", context(&i), "say why"),
        ("/silence soon why", context(&i), "write /silence DURATION"),
        ("/silence 0m why", context(&i), "between 1m and 30d"),
        ("/silence 31d why", context(&i), "between 1m and 30d"),
        (
            "/silence 2h why",
            Context {
                alerts: &none,
                ..context(&i)
            },
            "links no alert the dashboard sees",
        ),
        (
            "/silence 2h why",
            Context {
                alerts: &quiet_only,
                ..context(&i)
            },
            "is firing",
        ),
        (
            "/silence 2h why",
            Context {
                alerts: &quiet_only,
                alerts_marked: true,
                ..context(&i)
            },
            "chosen on the dashboard are not firing",
        ),
        (
            "/silence 2h why",
            Context {
                alerts: &some,
                demo: true,
                ..context(&i)
            },
            "demo feed has no Alertmanager",
        ),
    ];
    for (line, ctx, said) in cases {
        match parse(line, &ctx) {
            Err(why) => assert!(why.contains(said), "{line}: {why}"),
            other => panic!("{line}: {other:?}"),
        }
    }
}

#[test]
fn run_splits_the_command_without_a_shell_and_asks_first() {
    let Ok(Action::Act { effect, confirm }) = run(r#"/run sh -c 'echo "rolled back" | tee x'"#)
    else {
        panic!("not an act");
    };
    let Effect::Run(request) = effect else {
        panic!("not a run: {effect:?}");
    };
    assert_eq!(request.argv, ["sh", "-c", r#"echo "rolled back" | tee x"#]);
    assert_eq!(request.kind, EntryKind::Mitigation);
    assert_eq!(request.author, "alice");
    assert!(confirm.starts_with("Run `sh -c 'echo"), "{confirm}");
    assert!(confirm.contains("Ctrl-C stops it"), "{confirm}");
    for (line, said) in [
        ("/run", "write /run CMD"),
        ("/run   ", "write /run CMD"),
        ("/run echo 'open", "not closed"),
    ] {
        match run(line) {
            Err(why) => assert!(why.contains(said), "{line}: {why}"),
            other => panic!("{line}: {other:?}"),
        }
    }
    let i = incident();
    let busy = Context {
        running: true,
        ..context(&i)
    };
    assert!(matches!(parse("/run true", &busy), Err(why) if why.contains("still running")));
}

#[test]
fn comms_post_needs_the_public_words_and_a_real_incident_and_says_the_fix() {
    let mut i = incident();
    let refused = |i: &Incident, demo: bool| {
        let mut ctx = context(i);
        ctx.demo = demo;
        parse("/comms post", &ctx).unwrap_err()
    };
    let why = refused(&i, false);
    assert!(
        why.contains("placeholders") && why.contains("public title and public impact"),
        "{why}"
    );
    i.public_title = Some("Streams fail to start".into());
    let why = refused(&i, false);
    assert!(
        why.starts_with("set the public impact first (/edit)"),
        "{why}"
    );
    i.public_impact = Some("Some viewers cannot start streams".into());
    assert_eq!(parse("/comms post", &context(&i)), Ok(Action::CommsPost));
    assert!(refused(&i, true).starts_with("the demo posts nowhere"));
    i.drill = true;
    assert!(refused(&i, false).contains("is a drill"));
    assert_eq!(run("/comms later"), Err("write /comms [post]".into()));
    assert_eq!(complete("/comms p"), Some("/comms post".into()));
}

#[test]
fn slash_silences_lists_without_arguments_and_not_in_the_demo() {
    assert_eq!(run("/silences"), Ok(Action::ListSilences));
    assert_eq!(
        run("/silences all"),
        Err("/silences takes no arguments".into())
    );
    let i = incident();
    let mut ctx = context(&i);
    ctx.demo = true;
    assert!(parse("/silences", &ctx)
        .unwrap_err()
        .contains("demo feed has no Alertmanager"));
    // `/silence` and `/silences` are told apart, and Tab offers both.
    assert!(run("/silence").is_err());
    assert_eq!(complete("/silen"), Some("/silence".into()));
}

#[test]
fn resolving_names_the_linked_alerts_that_still_fire_before_enter() {
    let i = incident();
    let ctx = Context {
        linked_firing: vec!["RoomStartFail in eu-west".into()],
        ..context(&i)
    };
    for line in ["/resolve rolled back", "/status resolved"] {
        let Ok(Action::Write {
            confirm: Some(q), ..
        }) = parse(line, &ctx)
        else {
            panic!("{line}: a question")
        };
        assert!(
            q.contains("⚠ RoomStartFail in eu-west is still firing."),
            "{q}"
        );
    }
    let Ok(Action::Write {
        confirm: Some(q), ..
    }) = parse("/resolve", &context(&i))
    else {
        panic!("a question")
    };
    assert!(!q.contains("firing"), "{q}");
}

#[test]
fn reopening_a_resolved_p1_says_it_pages_again_when_it_does() {
    let mut i = incident();
    i.severity = crate::domain::Severity::P1;
    i.status = crate::domain::Status::Resolved;
    let question = |pages: bool| {
        let ctx = Context {
            pages,
            ..context(&i)
        };
        match parse("/status investigating", &ctx) {
            Ok(Action::Write {
                confirm: Some(q), ..
            }) => q,
            other => panic!("{other:?}"),
        }
    };
    assert!(
        question(true).contains("Reopening a P1 pages again"),
        "{}",
        question(true)
    );
    assert!(!question(false).contains("pages"), "{}", question(false));
}

/// Every command of the table parses the examples it documents (each entry holds
/// its parser, so none can fall through to /help as a name match once did), and none
/// reads as its usage line. An example may still be refused for what the incident
/// holds (no follow-up 1 here); its words are right.
#[test]
fn every_command_parses_its_documented_examples() {
    let i = incident();
    let ctx = context(&i);
    for command in COMMANDS {
        assert!(
            !command.examples.is_empty(),
            "/{} has no example",
            command.name
        );
        let usage = format!("write /{} {}", command.name, command.args);
        for example in command.examples {
            assert!(
                example.starts_with(&format!("/{}", command.name)),
                "{example}"
            );
            match parse(example, &ctx) {
                Ok(Action::Help) => assert_eq!(command.name, "help", "{example} became /help"),
                Ok(_) => {}
                Err(e) => assert!(
                    e != usage && !e.contains("unknown command"),
                    "{example}: {e}"
                ),
            }
        }
    }
    for (names, all) in [
        (
            Status::NAMES.to_vec(),
            Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ),
        (
            Severity::NAMES.to_vec(),
            vec![Severity::P1.as_str(), Severity::P2.as_str()],
        ),
    ] {
        assert_eq!(names, all);
    }
}
