//! Rendering on ratatui's `TestBackend`: what a person would see, and no panic at any size.

use chrono::{DateTime, Duration, Utc};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use ratatui_textarea::{Input, Key};

use super::*;
use crate::app::{update, Msg};
use crate::domain::IncidentRecord;
use crate::domain::TimeDisplay;
use crate::domain::{Declaration, IncidentId, NewIncident, Severity};

fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap() + Duration::minutes(minutes)
}

fn key(c: char) -> Msg {
    Msg::Key(Input {
        key: Key::Char(c),
        ..Input::default()
    })
}

fn incident(id: i64, severity: Severity, title: &str) -> crate::domain::Incident {
    let d = Declaration {
        title: title.into(),
        severity: Some(severity),
        regions: vec!["eu-west".into()],
        ..Declaration::default()
    };
    NewIncident::declare(d, "alice", t(0))
        .unwrap()
        .into_incident(IncidentId(id))
}

fn dashboard() -> State {
    let mut s = State::new(
        "alice".into(),
        TimeDisplay::Utc,
        Duration::minutes(30),
        t(45),
    );
    update(
        &mut s,
        Msg::IncidentsLoaded(vec![
            incident(2, Severity::P2, "直播 chat latency 🎥 creeping"),
            incident(1, Severity::P1, "Stream starts failing"),
        ]),
    );
    s
}

fn incident_view() -> State {
    let mut s = dashboard();
    update(&mut s, key('j'));
    update(
        &mut s,
        Msg::Key(Input {
            key: Key::Enter,
            ..Input::default()
        }),
    );
    let new = NewIncident::declare(
        Declaration {
            title: "Stream starts failing".into(),
            severity: Some(Severity::P1),
            ..Declaration::default()
        },
        "alice",
        t(0),
    )
    .unwrap();
    let timeline = new
        .entries()
        .into_iter()
        .enumerate()
        .map(|(n, e)| crate::domain::TimelineEntry {
            id: crate::domain::EntryId(n as i64 + 1),
            incident_id: IncidentId(1),
            at: e.at,
            author: e.author.clone(),
            kind: e.kind,
            text: e.text.clone(),
            revisions: Vec::new(),
            db_role: None,
        })
        .collect();
    update(
        &mut s,
        Msg::RecordLoaded(IncidentRecord {
            incident: new.into_incident(IncidentId(1)),
            timeline,
            follow_ups: Vec::new(),
            alerts: Vec::new(),
        }),
    );
    s
}

fn screen(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| render(state, &Theme::new(false), f))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut skip = 0;
        for x in 0..buffer.area.width {
            // A wide character covers the next cell too; print it once.
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            out.push_str(symbol);
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_dashboard_lists_open_incidents_with_severity_as_text_and_a_triage_countdown() {
    let out = screen(&dashboard(), 80, 24);
    assert!(out.contains("Open incidents (2)"), "{out}");
    assert!(out.contains("P1") && out.contains("P2"), "{out}");
    assert!(
        out.contains("⚠ -15m"),
        "P2 triage overdue by 15 minutes:\n{out}"
    );
    assert!(
        out.contains("⚠ none"),
        "P1 without comms lead is flagged:\n{out}"
    );
    assert!(out.contains("d declare"), "{out}");
}

#[test]
fn the_incident_view_shows_template_timeline_and_input() {
    let out = screen(&incident_view(), 80, 24);
    assert!(out.contains("#1 P1 investigating"), "{out}");
    assert!(out.contains("commander alice"), "{out}");
    assert!(out.contains("Timeline (2 entries)"), "{out}");
    assert!(out.contains("declared P1 incident"), "{out}");
    assert!(out.contains("mitigation ▸"), "{out}");
}

#[test]
fn the_declare_form_warns_about_a_p1_without_a_comms_lead() {
    let mut s = dashboard();
    update(&mut s, key('d'));
    assert!(screen(&s, 100, 30).contains("a P1 needs a comms lead"));
}

#[test]
fn help_lists_the_keys() {
    let mut s = incident_view();
    update(
        &mut s,
        Msg::Key(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Esc,
            ..Default::default()
        }),
    );
    update(&mut s, key('?'));
    // The help scrolls: read it screen by screen.
    let mut out = screen(&s, 120, 50);
    for _ in 0..40 {
        update(
            &mut s,
            Msg::Key(ratatui_textarea::Input {
                key: ratatui_textarea::Key::Down,
                ..Default::default()
            }),
        );
        out.push_str(&screen(&s, 120, 50));
    }
    // Generated from the command table: every command, its key and arguments.
    for command in crate::app::commands::COMMANDS {
        assert!(
            out.contains(&format!("/{}", command.name)),
            "{}: {out}",
            command.name
        );
    }
    assert!(out.contains("hand over the commander role"), "{out}");
    assert!(out.contains("/drill [D]"), "the drill key is listed: {out}");
}

#[test]
fn no_screen_panics_at_any_size() {
    let mut states = vec![dashboard(), incident_view(), watching()];
    for c in ['?', 's', 'a', 'f', 'E', 'D', 'r'] {
        // In NAV mode, so that each key opens what it opens.
        let mut s = incident_view();
        update(
            &mut s,
            Msg::Key(ratatui_textarea::Input {
                key: ratatui_textarea::Key::Esc,
                ..Default::default()
            }),
        );
        update(&mut s, key(c));
        states.push(s);
    }
    let mut declaring = dashboard();
    update(&mut declaring, key('d'));
    states.push(declaring);
    for state in &states {
        for (w, h) in [
            (0, 0),
            (1, 1),
            (10, 5),
            (29, 7),
            (30, 8),
            (40, 12),
            (80, 24),
            (160, 48),
            (200, 60),
        ] {
            screen(state, w, h);
        }
    }
}

#[test]
fn a_tiny_terminal_says_so() {
    let out = screen(&dashboard(), 20, 5);
    assert!(out.contains("sitrep: termina"), "{out}");
}

/// Snapshots at the two sizes the issue names; the local clock (which depends on the
/// machine's zone) is filtered out.
fn snapshot(name: &str, state: &State) {
    for (w, h) in [(80, 24), (160, 48)] {
        let out = screen(state, w, h);
        insta::with_settings!({
            filters => vec![(r"\d\d:\d\d:\d\d [+-]\d\d:\d\d ·", "[local clock] ·")],
            snapshot_suffix => format!("{w}x{h}"),
        }, {
            insta::assert_snapshot!(name, out);
        });
    }
}

/// The dashboard watching the demo feed and one real source that fails.
fn watching() -> State {
    use crate::app::alerts::SourceView;
    use crate::domain::alert::{normalize, LabelMapping, RawAlert};
    let mut s = dashboard().with_sources(vec![
        SourceView::new("DEMO", true, std::time::Duration::from_secs(1)),
        SourceView::new("us", false, std::time::Duration::from_secs(15)),
    ]);
    update(
        &mut s,
        Msg::IncidentsLoaded(vec![
            incident(2, Severity::P2, "直播 chat latency 🎥 creeping"),
            incident(1, Severity::P1, "Stream starts failing"),
        ]),
    );
    let alert = |fp: &str, name: &str, sev: &str, region: &str, start: i64| {
        let labels = [
            ("alertname", name),
            ("severity", sev),
            ("service", "room"),
            ("region", region),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
        let mut annotations = std::collections::BTreeMap::new();
        annotations.insert("summary".to_string(), format!("{name} is burning budget"));
        normalize(
            "DEMO",
            RawAlert {
                fingerprint: fp.into(),
                labels,
                annotations,
                starts_at: Some(t(start)),
                ..RawAlert::default()
            },
            &LabelMapping::default(),
        )
    };
    let mut builder = crate::domain::alert_set::Builder::new(&["DEMO", "us"]);
    update(
        &mut s,
        Msg::Alerts(Box::new(builder.apply(
            "DEMO",
            Ok(vec![
                alert("a", "StreamStartBurn", "critical", "eu-west", 30),
                alert("b", "FirstFrameLatency", "warning", "eu-west", 35),
            ]),
            t(44),
        ))),
    );
    update(
        &mut s,
        Msg::Alerts(Box::new(builder.failed(
            "us",
            "HTTP 500 Internal Server Error".into(),
            t(40),
        ))),
    );
    let objective = crate::domain::slo::Objective {
        name: "stream-start-success".into(),
        service: "room".into(),
        objective: 99.5,
        window: "30d".into(),
    };
    let burning = crate::domain::slo::status(&objective, "eu-west", |w| {
        crate::domain::slo::Ratio::Value(if w == "30d" { 0.002 } else { 0.08 })
    });
    update(
        &mut s,
        Msg::SlosUpdated {
            statuses: vec![burning],
            errors: vec![(
                "reconnect-success".into(),
                "HTTP 400 Bad Request: query failed".into(),
            )],
            // The 1h burn rising to 16x over the last 6 hours, every 5 minutes.
            history: Some((
                vec![crate::domain::slo::BurnHistory {
                    slo: "stream-start-success".into(),
                    region: "eu-west".into(),
                    window: "1h".into(),
                    start: t(40) - chrono::Duration::hours(6),
                    step_secs: 300,
                    points: (0..73)
                        .map(|i| (i % 7 != 3).then(|| f64::from(i) * 16.0 / 72.0))
                        .collect(),
                }],
                Vec::new(),
            )),
        },
    );
    s
}

#[test]
fn the_header_names_the_database_the_log_is_on() {
    let mut s = dashboard();
    s.database = Some("team sitrep on db1.example".into());
    let out = screen(&s, 200, 30);
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.contains("team sitrep on db1.example")),
        "{out}"
    );
}

#[test]
fn watching_alerts_shows_demo_health_new_marks_and_the_unlinked_p1() {
    let out = screen(&watching(), 160, 48);
    assert!(out.contains(" DEMO "), "{out}");
    assert!(out.contains("us FAILING 5m: HTTP 500"), "{out}");
    assert!(
        out.contains("⚠ 1 P1 alert firing with no incident: StreamStartBurn"),
        "{out}"
    );
    assert!(out.contains("NEW"), "{out}");
    assert!(out.contains("Alerts (2) — DEMO feed, simulated"), "{out}");
    assert!(out.contains("SLOs (1, 1 paging)"), "{out}");
    assert!(
        out.contains("16.0x") && out.contains("60%"),
        "16x burn, 60% of budget left: {out}"
    );
    assert!(out.contains("⚠ page: 14.4x over 1h and 5m"), "{out}");
    assert!(out.contains("cannot read: HTTP 400"), "{out}");
}

#[test]
fn snapshots_of_every_screen() {
    snapshot("dashboard", &dashboard());
    snapshot("watching", &watching());
    snapshot("incident", &incident_view());
    let mut declaring = dashboard();
    update(&mut declaring, key('d'));
    snapshot("declare", &declaring);
    let mut editing = incident_view();
    typing(&mut editing, "/edit");
    update(&mut editing, special(Key::Enter));
    snapshot("edit", &editing);
    let mut helping = incident_view();
    update(&mut helping, special(Key::Esc));
    update(&mut helping, key('?'));
    snapshot("help", &helping);
    let mut composing = incident_view();
    typing(&mut composing, "rolled back room to v41");
    snapshot("composing", &composing);
    let mut hinting = incident_view();
    typing(&mut hinting, "/status ");
    snapshot("composer-hint", &hinting);
    let mut failing = incident_view();
    typing(&mut failing, "/frobnicate");
    update(&mut failing, special(Key::Enter));
    snapshot("composer-error", &failing);
    let mut confirming = incident_view();
    typing(&mut confirming, "/resolve rolled back room to v41");
    update(&mut confirming, special(Key::Enter));
    snapshot("composer-confirm", &confirming);
    let mut posting = incident_view();
    posting.post_channels = vec!["#incidents".into(), "#status".into()];
    let id = crate::domain::IncidentId(1);
    update(
        &mut posting,
        Msg::DraftToPostReady {
            id,
            result: Ok("Investigating: Video rooms failing to start\nPosted 2026-11-18 11:10Z\n\n\
                 Some meetings in Europe cannot start.\n\n\
                 We are investigating reports of a problem and will share more as soon as we know it.\n\n\
                 Affected: Europe.\n\nNext update by 2026-11-18 11:40Z.\n"
                .into()),
        },
    );
    snapshot("comms-post-confirm", &posting);
    let mut listing = incident_view();
    let silence = |id: &str, state: &str, minutes: i64| crate::domain::silence::Listed {
        id: id.into(),
        source: "prod".into(),
        state: state.into(),
        ends_at: t(minutes),
        matchers: r#"alertname="StreamStartBurn", region="eu-west", service="room""#.into(),
        created_by: "alice".into(),
        why: "rolling back room".into(),
    };
    update(
        &mut listing,
        Msg::SilencesListed {
            id: crate::domain::IncidentId(1),
            result: Ok(vec![
                silence("0b6c1e52-6c29-4b0e-9f58-3f3f0d2a1c01", "expired", -5),
                silence("7e1d0a9c-2f44-4c1e-8f0e-5b9d8e6a4c02", "active", 120),
            ]),
        },
    );
    snapshot("silences", &listing);
    let mut navigating = incident_view();
    update(&mut navigating, special(Key::Esc));
    snapshot("incident-nav", &navigating);
    let mut running = incident_view();
    typing(&mut running, "/run kubectl rollout undo deploy/room");
    update(&mut running, special(Key::Enter));
    update(&mut running, special(Key::Enter));
    update(
        &mut running,
        Msg::RunOutput {
            lines: vec![
                "deployment.apps/room rolled back".into(),
                "waiting for rollout to finish: 1 of 3 updated".into(),
            ],
            skipped: 0,
        },
    );
    snapshot("run-pane", &running);
    update(
        &mut running,
        Msg::RunEnded(Ok("kubectl exited 0 after 12.3s".into())),
    );
    snapshot("run-pane-ended", &running);
    let mut resolved = dashboard();
    let mut done = resolved.incidents[0].clone();
    done.id = crate::domain::IncidentId(9);
    done.title = "Gifting errors after release".into();
    done.status = crate::domain::Status::Resolved;
    resolved.incidents.insert(0, done);
    update(&mut resolved, key('R'));
    snapshot("resolved", &resolved);
    let mut grouped = watching();
    update(&mut grouped, key('z'));
    update(&mut grouped, special(Key::Enter));
    snapshot("alerts-grouped", &grouped);
    let mut detail = watching();
    detail.pane = crate::app::Pane::Alerts;
    update(&mut detail, special(Key::Enter));
    assert!(matches!(detail.layer, crate::app::Layer::Alert(..)));
    snapshot("alert-detail", &detail);
}

fn special(k: Key) -> Msg {
    Msg::Key(Input {
        key: k,
        ..Input::default()
    })
}

fn typing(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, key(c));
    }
}

#[test]
fn long_entries_wrap_and_the_newest_stays_visible() {
    let mut s = incident_view();
    let Some(record) = s.record.as_mut() else {
        panic!("record loaded");
    };
    let mut long = record.timeline[0].clone();
    long.id = crate::domain::EntryId(3);
    long.text = "直播 ".repeat(60) + "END-OF-LONG";
    record.timeline.push(long);
    let mut newest = record.timeline[1].clone();
    newest.id = crate::domain::EntryId(4);
    newest.text = "the newest entry".into();
    record.timeline.push(newest);
    let out = screen(&s, 80, 24);
    assert!(out.contains("END-OF-LONG"), "{out}");
    assert!(out.contains("the newest entry"), "{out}");
}

#[test]
fn no_color_carries_meaning_in_text_and_modifiers_only() {
    use ratatui::style::Color;
    let render_with = |theme: Theme| {
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal.draw(|f| render(&watching(), &theme, f)).unwrap();
        terminal.backend().buffer().clone()
    };
    let plain = render_with(Theme::new(false));
    assert!(
        plain
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "NO_COLOR output uses no colour"
    );
    let coloured = render_with(Theme::new(true));
    assert!(
        coloured.content().iter().any(|c| c.fg == Color::Red),
        "P1 is red with colour"
    );
    // What colour marks must be marked without it too: every row where colour shows
    // something red (a P1, a failing source) says it in words or with a modifier
    // (bold, reversed) in the plain render.
    let width = usize::from(plain.area.width);
    let rows = |b: &ratatui::buffer::Buffer| -> Vec<Vec<ratatui::buffer::Cell>> {
        b.content().chunks(width).map(<[_]>::to_vec).collect()
    };
    let (plain_rows, coloured_rows) = (rows(&plain), rows(&coloured));
    let mut checked = 0;
    for (y, (p, c)) in plain_rows.iter().zip(&coloured_rows).enumerate() {
        let red: Vec<usize> = (0..width).filter(|x| c[*x].fg == Color::Red).collect();
        if red.is_empty() {
            continue;
        }
        checked += 1;
        let line: String = p.iter().map(|cell| cell.symbol()).collect();
        let marked = red.iter().any(|x| !p[*x].modifier.is_empty());
        assert!(
            marked || line.contains("P1") || line.contains('⚠'),
            "row {y} is red with colour and unmarked without: {line}"
        );
    }
    assert!(checked > 0, "the fixture shows something red");
}

#[test]
fn a_form_field_not_being_edited_shows_the_start_of_its_text() {
    let mut s = incident_view();
    if let Some(record) = s.record.as_mut() {
        record.incident.title = format!("START-of-title {} END-of-title", "words ".repeat(30));
    }
    typing(&mut s, "/edit");
    update(&mut s, special(Key::Enter));
    update(&mut s, special(Key::Tab));
    let out = screen(&s, 100, 40);
    assert!(out.contains("START-of-title"), "{out}");
}

#[test]
fn the_run_pane_shows_the_newest_lines_and_how_many_there_were() {
    let mut s = incident_view();
    typing(&mut s, "/run make deploy");
    update(&mut s, special(Key::Enter));
    update(&mut s, special(Key::Enter));
    let lines: Vec<String> = (1..=30).map(|n| format!("step {n}")).collect();
    update(&mut s, Msg::RunOutput { lines, skipped: 0 });
    let out = screen(&s, 100, 40);
    assert!(
        out.contains("running · Ctrl-C stops it — $ make deploy (30 lines, the last 10 shown)"),
        "{out}"
    );
    assert!(out.contains("step 30") && out.contains("step 21"), "{out}");
    assert!(!out.contains("step 20 "), "{out}");
}

#[test]
fn incidents_that_cannot_be_read_are_never_shown_as_no_open_incidents() {
    let mut s = State::new(
        "alice".into(),
        TimeDisplay::Utc,
        Duration::minutes(30),
        t(45),
    );
    update(&mut s, Msg::IncidentsUnreadable("team db down".into()));
    let out = screen(&s, 100, 24);
    assert!(!out.contains("No open incidents"), "{out}");
    assert!(out.contains("The incidents cannot be read"), "{out}");
    assert!(out.contains("team db down"), "{out}");
    assert!(out.contains("Open incidents (?)"), "{out}");
    // The next read that succeeds clears it.
    update(&mut s, Msg::IncidentsLoaded(Vec::new()));
    let out = screen(&s, 100, 24);
    assert!(out.contains("No open incidents"), "{out}");
    assert!(!out.contains("cannot be read"), "{out}");
}

#[test]
fn an_incident_that_cannot_be_read_says_why_instead_of_loading_and_clears_when_it_reads() {
    let mut s = incident_view();
    let record = s.record.take().expect("loaded");
    let id = record.incident.id;
    update(&mut s, Msg::RecordUnreadable(id, "bad row".into()));
    let out = screen(&s, 100, 24);
    assert!(!out.contains("loading…"), "{out}");
    assert!(
        out.contains("cannot be read right now") && out.contains("bad row"),
        "{out}"
    );
    let mut marked = record;
    marked.incident.unreadable = vec!["root_cause = 'sabotage'".into()];
    update(&mut s, Msg::RecordLoaded(marked));
    let out = screen(&s, 120, 24);
    assert!(!out.contains("cannot be read right now"), "{out}");
    assert!(
        out.contains("⚠ unreadable: root_cause = 'sabotage'"),
        "{out}"
    );
}

#[test]
fn a_failing_sources_rows_say_stale_and_since_when_not_firing() {
    use crate::domain::alert::{normalize, LabelMapping, RawAlert};
    let mut s = watching();
    let mut builder = crate::domain::alert_set::Builder::new(&["DEMO", "us"]);
    let labels = [("alertname", "RoomStartFail"), ("severity", "critical")]
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let alert = normalize(
        "us",
        RawAlert {
            fingerprint: "u1".into(),
            labels,
            starts_at: Some(t(10)),
            ..RawAlert::default()
        },
        &LabelMapping::default(),
    );
    update(
        &mut s,
        Msg::Alerts(Box::new(builder.apply("us", Ok(vec![alert]), t(30)))),
    );
    let live = screen(&s, 160, 48);
    let row = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("│[") && l.contains("RoomStartFail"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(&live).contains("firing"), "{live}");
    update(
        &mut s,
        Msg::Alerts(Box::new(builder.failed(
            "us",
            "cannot connect".into(),
            t(40),
        ))),
    );
    let stale = screen(&s, 160, 48);
    assert!(row(&stale).contains("stale 5m"), "{stale}");
    assert!(!row(&stale).contains("firing"), "{stale}");
}
