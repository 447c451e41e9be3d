//! Frame cost of the TUI's screens on a 200x60 `TestBackend`: the dashboard with
//! 10,000 alerts and 500 open incidents, and the incident view with 10,000 timeline
//! entries. Only visible
//! rows are built, so both should cost about the same as a small screen.

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use ratatui_textarea::{Input, Key};
use sitrep::app::alerts::SourceView;
use sitrep::app::{update, Msg, State};
use sitrep::domain::alert::{normalize, LabelMapping, RawAlert};
use sitrep::domain::TimeDisplay;
use sitrep::domain::{
    Declaration, EntryId, EntryKind, Incident, IncidentId, NewIncident, Revision, Severity,
    TimelineEntry,
};
use sitrep::store::IncidentRecord;
use sitrep::ui::{render, Theme};

fn t(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).expect("valid time") + Duration::seconds(seconds)
}

fn incident(id: i64) -> Incident {
    let d = Declaration {
        title: format!("incident {id}: stream start success below objective"),
        severity: Some(if id % 3 == 0 {
            Severity::P1
        } else {
            Severity::P2
        }),
        regions: vec!["eu-west".into(), "us-east".into()],
        ..Declaration::default()
    };
    NewIncident::declare(d, "alice", t(id))
        .expect("valid declaration")
        .into_incident(IncidentId(id))
}

fn key(k: Key) -> Msg {
    Msg::Key(Input {
        key: k,
        ..Input::default()
    })
}

fn frames(c: &mut Criterion) {
    let theme = Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");

    let mut dashboard = State::new(
        "alice".into(),
        TimeDisplay::Utc,
        Duration::minutes(30),
        t(4000),
    )
    .with_sources(vec![SourceView::new(
        "eu",
        false,
        std::time::Duration::from_secs(15),
    )]);
    let mapping = LabelMapping::default();
    let alerts: Vec<_> = (0..10_000)
        .map(|i: i64| {
            let labels = [
                ("alertname".to_string(), format!("StreamStartBurn{i}")),
                (
                    "severity".to_string(),
                    if i % 3 == 0 { "critical" } else { "warning" }.to_string(),
                ),
                ("service".to_string(), "room".to_string()),
                ("region".to_string(), "eu-west".to_string()),
            ]
            .into_iter()
            .collect();
            normalize(
                "eu",
                RawAlert {
                    fingerprint: format!("{i:016x}"),
                    labels,
                    starts_at: Some(t(i)),
                    ..RawAlert::default()
                },
                &mapping,
            )
        })
        .collect();
    update(
        &mut dashboard,
        Msg::Alerts(Box::new(
            sitrep::domain::alert_set::Builder::new(&["eu"]).apply("eu", Ok(alerts), t(4000)),
        )),
    );
    update(
        &mut dashboard,
        Msg::IncidentsLoaded((1..=500).map(incident).collect()),
    );
    for _ in 0..250 {
        update(&mut dashboard, key(Key::Down));
    }
    c.bench_function(
        "render dashboard, 10,000 alerts + 500 open incidents, 200x60",
        |b| {
            b.iter(|| {
                terminal
                    .draw(|f| render(&dashboard, &theme, f))
                    .expect("draw");
            })
        },
    );

    // The same board with 20 teams: none owns `room` by service, each has a regex
    // matcher that fails but the last one's, and each a daily rotation over two
    // years (730 shifts): the owner column's worst case per row.
    let mut owned = dashboard.clone();
    let teams: Vec<sitrep::domain::oncall::Team> = (0..20)
        .map(|n| sitrep::domain::oncall::Team {
            name: format!("team{n}"),
            services: (0..5).map(|k| format!("svc{n}-{k}")).collect(),
            matchers: vec![sitrep::domain::silence::Matcher::parse(if n == 19 {
                "service=~\"ro.*\""
            } else {
                "service=~\"nothing.*\""
            })
            .expect("matcher")],
            labels: Default::default(),
            zone: chrono_tz::Tz::UTC,
        })
        .collect();
    let rotation = |n: usize| sitrep::domain::oncall::Rotation {
        members: (0..4)
            .map(|m| sitrep::domain::oncall::Person::named(&format!("p{n}-{m}")))
            .collect(),
        start: (t(0) - Duration::days(365)).naive_utc(),
        shift: Duration::days(1),
        zone: chrono_tz::Tz::UTC,
        handoff: None,
    };
    let rosters = sitrep::domain::oncall::Rosters {
        teams: sitrep::domain::oncall::Teams::new(teams),
        rosters: (0..20)
            .map(|n| sitrep::domain::oncall::Roster {
                schedule: sitrep::domain::oncall::Schedule::from_shifts(
                    rotation(n).shifts(t(0) - Duration::days(365), t(0) + Duration::days(365)),
                ),
                ..Default::default()
            })
            .collect(),
    };
    update(&mut owned, Msg::OnCall(Box::new(rosters)));
    c.bench_function(
        "render dashboard with the owner column (20 teams), 10,000 alerts + 500 open incidents, 200x60",
        |b| {
            b.iter(|| {
                terminal
                    .draw(|f| render(&owned, &theme, f))
                    .expect("draw");
            })
        },
    );

    // 20 SLO rows; the same with each row's 6-hour burn history drawn beside it.
    let objective = |n: usize| sitrep::domain::slo::Objective {
        name: format!("slo-{n}"),
        service: "room".into(),
        objective: 99.5,
        window: "30d".into(),
    };
    let statuses: Vec<_> = (0..20)
        .map(|n| {
            sitrep::domain::slo::status(&objective(n), "eu-west", |_| {
                sitrep::domain::slo::Ratio::Value(0.0001 * n as f64)
            })
        })
        .collect();
    let mut slos_only = dashboard.clone();
    update(
        &mut slos_only,
        Msg::SlosUpdated {
            statuses: statuses.clone(),
            errors: Vec::new(),
            history: None,
        },
    );
    let mut drawn = dashboard.clone();
    update(
        &mut drawn,
        Msg::SlosUpdated {
            statuses,
            errors: Vec::new(),
            history: Some((
                (0..20)
                    .map(|n| sitrep::domain::slo::BurnHistory {
                        slo: format!("slo-{n}"),
                        region: "eu-west".into(),
                        window: "1h".into(),
                        start: t(0),
                        step_secs: 300,
                        points: (0..73).map(|i| Some(f64::from(i) * 0.2)).collect(),
                    })
                    .collect(),
                Vec::new(),
            )),
        },
    );
    c.bench_function(
        "render dashboard, 20 SLO rows, no burn drawn, 200x60",
        |b| {
            b.iter(|| {
                terminal
                    .draw(|f| render(&slos_only, &theme, f))
                    .expect("draw");
            })
        },
    );
    c.bench_function(
        "render dashboard, 20 SLO rows with their burn sparklines, 200x60",
        |b| {
            b.iter(|| {
                terminal.draw(|f| render(&drawn, &theme, f)).expect("draw");
            })
        },
    );

    let mut view = dashboard.clone();
    update(&mut view, key(Key::Tab));
    update(&mut view, key(Key::Enter));
    let id = view.incidents[view.selected].id;
    let timeline = (0..10_000)
        .map(|n| {
            let text = format!("entry {n}: drained traffic from eu-west edge {n}");
            TimelineEntry {
                id: EntryId(n + 1),
                incident_id: id,
                at: t(n),
                author: "alice".into(),
                kind: EntryKind::ALL[(n % 8) as usize],
                text: text.clone(),
                revisions: vec![Revision {
                    at: t(n),
                    author: "alice".into(),
                    text,
                    kind: None,
                }],
                db_role: None,
            }
        })
        .collect();
    let mut incident = incident(id.0);
    incident.id = id;
    update(
        &mut view,
        Msg::RecordLoaded(IncidentRecord {
            incident,
            timeline,
            follow_ups: Vec::new(),
            alerts: Vec::new(),
        }),
    );
    c.bench_function("render incident view, 10,000 entries, 200x60", |b| {
        b.iter(|| {
            terminal.draw(|f| render(&view, &theme, f)).expect("draw");
        })
    });

    // The composer: a keystroke is applied (update) and echoed (one frame), with a
    // command typed so the hint under the composer is computed too.
    let mut composing = view.clone();
    for c in "/status mon".chars() {
        update(&mut composing, key(Key::Char(c)));
    }
    c.bench_function(
        "keystroke in the composer to echoed frame, 10,000 entries, 200x60",
        |b| {
            // `_ref`: the cloned state is dropped outside the measurement.
            b.iter_batched_ref(
                || composing.clone(),
                |state| {
                    update(state, key(Key::Char('i')));
                    terminal.draw(|f| render(state, &theme, f)).expect("draw");
                },
                criterion::BatchSize::SmallInput,
            )
        },
    );
}

criterion_group!(benches, frames);
criterion_main!(benches);
