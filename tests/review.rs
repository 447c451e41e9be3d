//! `sitrep review` on a fixture database built through the store API, every figure
//! checked against a hand count.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::engine::{Db, Engine};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde_json::Value;
use sitrep::domain::alert::LinkedAlert;
use sitrep::domain::{
    Declaration, FollowUpId, IncidentEdit, NewFollowUp, NewIncident, RootCause, Severity, Status,
};
use sitrep::store::Store;

/// 2026-11-16T00:00:00Z plus `hours`.
fn t(hours: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_794_787_200, 0).unwrap() + Duration::hours(hours)
}

fn alert(service: &str) -> LinkedAlert {
    LinkedAlert {
        fingerprint: format!("fp-{service}"),
        name: "Burn".into(),
        source: "eu".into(),
        service: Some(service.into()),
        region: Some("eu-west".into()),
        summary: None,
        runbook_url: None,
        generator_url: None,
        starts_at: None,
    }
}

/// Declares at hour `at`, resolves `minutes` later, with review fields set.
#[allow(clippy::too_many_arguments)]
fn incident(
    store: &mut Store,
    severity: Severity,
    at: i64,
    minutes: i64,
    service: &str,
    cause: RootCause,
    rollback: bool,
    drill: bool,
) -> i64 {
    let d = Declaration {
        title: format!("{service} {cause}"),
        severity: Some(severity),
        alerts: vec![alert(service)],
        drill,
        ..Declaration::default()
    };
    let id = store
        .declare(NewIncident::declare(d, "alice", t(at)).unwrap())
        .unwrap()
        .incident
        .id;
    let edit = IncidentEdit {
        root_cause: Some(cause),
        release_related: Some(cause == RootCause::Release),
        rollback_performed: Some(rollback),
        ..IncidentEdit::default()
    };
    store.edit(id, &edit, "alice", t(at)).unwrap();
    store
        .change_status(
            id,
            Status::Resolved,
            "alice",
            t(at) + Duration::minutes(minutes),
        )
        .unwrap();
    id.0
}

/// The fixture on `engine`: built through the store, so the review reads what the
/// store wrote on either engine.
fn fixture_on(engine: Engine) -> Db {
    let db = Db::with_history(engine);
    let mut store = db.open();
    let room1 = incident(
        &mut store,
        Severity::P1,
        2,
        60,
        "room",
        RootCause::Release,
        true,
        false,
    ); // impact 180
    incident(
        &mut store,
        Severity::P2,
        30,
        30,
        "room",
        RootCause::Release,
        false,
        false,
    ); // impact 30
    incident(
        &mut store,
        Severity::P1,
        50,
        100,
        "chat",
        RootCause::Capacity,
        false,
        false,
    ); // impact 300
    let drill = incident(
        &mut store,
        Severity::P1,
        60,
        900,
        "room",
        RootCause::Release,
        true,
        true,
    );
    incident(
        &mut store,
        Severity::P1,
        -48,
        60,
        "auth",
        RootCause::Config,
        false,
        false,
    ); // before the period
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    for (n, (incident, due, done)) in [
        (room1, 18, true),
        (room1, 19, false),
        (drill, 18, false),
        (room1, 25, false),
    ]
    .into_iter()
    .enumerate()
    {
        let new = NewFollowUp::new(
            sitrep::domain::IncidentId(incident),
            &format!("action {n}"),
            "bob",
            Some(day(due)),
            "alice",
            t(0),
            day(1),
        )
        .unwrap();
        let id = store.add_follow_up(new).unwrap().follow_up.id;
        if done {
            store
                .complete_follow_up(FollowUpId(id.0), "bob", t(70))
                .unwrap();
        }
    }
    drop(store);
    db
}

fn fixture() -> Db {
    fixture_on(Engine::Sqlite)
}

fn review(db: &Db, args: &[&str]) -> std::process::Output {
    common::backend::sitrep_on(std::path::Path::new(&db.spec))
        .env("HOME", db.dir.path())
        .env("XDG_CONFIG_HOME", db.dir.path().join("config"))
        .arg("review")
        .args(args)
        .output()
        .unwrap()
}

on_both_engines! {
    the_review_counts_by_hand_and_leaves_the_drill_out(engine) {
        counts_by_hand(engine)
    }
}

fn counts_by_hand(engine: Engine) {
    let db = fixture_on(engine);
    let out = review(
        &db,
        &["--from", "2026-11-16", "--to", "2026-11-23", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["incidents"].as_i64(), r["p1"].as_i64(), r["p2"].as_i64()),
        (Some(3), Some(2), Some(1))
    );
    let impact: Vec<(String, i64)> = r["top_by_impact"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                format!(
                    "{}/{}",
                    c["service"].as_str().unwrap(),
                    c["root_cause"].as_str().unwrap()
                ),
                c["impact"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        impact,
        vec![
            ("chat/capacity".to_string(), 300),
            ("room/release".to_string(), 210)
        ]
    );
    assert_eq!(r["top_by_recurrence"][0]["service"], "room");
    assert_eq!(r["top_by_recurrence"][0]["incidents"], 2);
    assert_eq!(r["rollbacks"]["release_related"], 2);
    assert_eq!(r["rollbacks"]["rolled_back"], 1);
    assert_eq!(r["rollbacks"]["root_causes"]["release"], 1);
    // Due in the period, drill's left out: 18th (done), 19th (open).
    assert_eq!(r["follow_ups"]["due"], 2);
    assert_eq!(r["follow_ups"]["done"], 1);
    assert_eq!(r["follow_ups"]["closure_rate"], 0.5);
    assert_eq!(r["drills"].as_array().unwrap().len(), 1);
}

on_both_engines! {
    /// Incidents declared from the shell name their service; the review's classes
    /// use it instead of "(no service)".
    the_review_groups_by_the_recorded_service(engine) {
        groups_by_recorded_service(engine)
    }
}

fn groups_by_recorded_service(engine: Engine) {
    let db = Db::with_history(engine);
    let mut store = db.open();
    let resolve = |store: &mut Store, id, at: i64, minutes: i64, cause| {
        let edit = IncidentEdit {
            root_cause: Some(cause),
            ..IncidentEdit::default()
        };
        store.edit(id, &edit, "alice", t(at)).unwrap();
        store
            .change_status(
                id,
                Status::Resolved,
                "alice",
                t(at) + Duration::minutes(minutes),
            )
            .unwrap();
    };
    // Declared from the shell with --service chat: P2, 40 minutes.
    let shell = Declaration {
        title: "chat slow".into(),
        severity: Some(Severity::P2),
        services: vec!["chat".into()],
        ..Declaration::default()
    };
    let a = store
        .declare(NewIncident::declare(shell, "alice", t(1)).unwrap())
        .unwrap()
        .incident
        .id;
    resolve(&mut store, a, 1, 40, RootCause::Capacity);
    // Declared with no service, then `edit --service chat`: P1, 10 minutes (x3).
    let later = Declaration {
        title: "chat down".into(),
        severity: Some(Severity::P1),
        ..Declaration::default()
    };
    let b = store
        .declare(NewIncident::declare(later, "alice", t(5)).unwrap())
        .unwrap()
        .incident
        .id;
    let add = IncidentEdit {
        add_services: vec!["chat".into()],
        ..IncidentEdit::default()
    };
    let change = store.edit(b, &add, "alice", t(5)).unwrap();
    assert_eq!(change.incident.services, vec!["chat".to_string()]);
    resolve(&mut store, b, 5, 10, RootCause::Capacity);
    // Declared from an alert of service room: the alert's service, P2, 5 minutes.
    let from_alert = Declaration {
        title: "room burn".into(),
        severity: Some(Severity::P2),
        alerts: vec![alert("room")],
        ..Declaration::default()
    };
    let c = store
        .declare(NewIncident::declare(from_alert, "alice", t(9)).unwrap())
        .unwrap()
        .incident
        .id;
    resolve(&mut store, c, 9, 5, RootCause::Capacity);
    drop(store);

    let out = review(
        &db,
        &["--from", "2026-11-16", "--to", "2026-11-23", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let classes: Vec<(String, i64, i64)> = r["top_by_impact"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["service"].as_str().unwrap().to_string(),
                c["incidents"].as_i64().unwrap(),
                c["impact"].as_i64().unwrap(),
            )
        })
        .collect();
    // By hand: chat = 40 (P2 ×1) + 10 × 3 (P1) = 70 over 2 incidents; room = 5.
    assert_eq!(
        classes,
        vec![("chat".to_string(), 2, 70), ("room".to_string(), 1, 5)]
    );
    let text =
        String::from_utf8(review(&db, &["--from", "2026-11-16", "--to", "2026-11-23"]).stdout)
            .unwrap();
    assert!(!text.contains("(no service)"), "{text}");
}

#[test]
fn the_markdown_review_has_its_sections_and_a_row_per_class() {
    let db = fixture();
    let dir = &db.dir;
    let out = review(&db, &["--from", "2026-11-16", "--to", "2026-11-23"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let mut h2 = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(&text) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => current = Some(String::new()),
            Event::Text(t) => {
                if let Some(h) = current.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => h2.extend(current.take()),
            _ => {}
        }
    }
    assert_eq!(
        h2,
        vec![
            "Summary",
            "Trend",
            "Incidents",
            "Response times",
            "Detection",
            "Alert quality",
            "Top incident classes by user impact",
            "Top incident classes by recurrence",
            "Error budget burn",
            "Rollbacks after releases",
            "Overdue and undated follow-ups",
            "Drills"
        ]
    );
    assert!(
        text.contains("Follow-up closure: 50% (1 of 2 due in the period, or added in it with no due date; cancelled ones not counted)"),
        "{text}"
    );
    let file = dir.path().join("review.md");
    let written = review(
        &db,
        &[
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-23",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(written.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    let again = review(
        &db,
        &[
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-23",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        again.status.code(),
        Some(4),
        "never overwritten without --force"
    );
}

#[test]
fn an_empty_period_and_bad_periods() {
    let db = fixture();
    let out = review(
        &db,
        &["--from", "2030-01-01", "--to", "2030-01-08", "--json"],
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["incidents"], 0);
    assert_eq!(r["follow_ups"]["closure_rate"], Value::Null);
    let text =
        String::from_utf8(review(&db, &["--from", "2030-01-01", "--to", "2030-01-08"]).stdout)
            .unwrap();
    assert!(text.contains("nothing was due in the period"), "{text}");
    // An empty section says so instead of showing a table with only its header.
    // The two class tables, the incidents, response times and detection.
    assert_eq!(
        text.matches("None: no incidents in the period.").count(),
        5,
        "{text}"
    );
    assert!(
        text.contains("None: no alert fired in the period."),
        "{text}"
    );
    assert!(
        !text.contains("| Service | Root cause |"),
        "no header-only tables: {text}"
    );
    for args in [
        &["--from", "2026-11-23", "--to", "2026-11-16"][..],
        &["--from", "2026-13-01", "--to", "2026-11-16"],
        &["--from", "2026-11-01"],
        &["--since", "soon"],
        &["--since", "0d"],
    ] {
        let out = review(&db, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    }
}
