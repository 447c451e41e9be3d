//! An alert storm: 60,000 alerts (about 29 MB of Alertmanager JSON). What a poll
//! costs off the loop (parse, then build the set: diff, merge, index), what it costs
//! on the loop (apply the ready set), and a dashboard frame over it, flat and grouped.
//! The parse is the baseline: the work every poll of this size must do somewhere.
//! Run: `cargo bench --bench storm`.

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use ratatui_textarea::{Input, Key};
use sitrep::app::alerts::SourceView;
use sitrep::app::{update, Msg, State};
use sitrep::domain::alert_set::Builder;
use sitrep::domain::TimeDisplay;
use std::sync::Arc;

use sitrep::domain::alert::{Alert, LabelMapping};
use sitrep::sources::alertmanager;

#[path = "common/payload.rs"]
mod common;

const N: usize = 60_000;

fn t(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).expect("valid time") + Duration::seconds(seconds)
}

fn parse(body: &[u8]) -> Vec<Arc<Alert>> {
    alertmanager::parse(body, "eu", &LabelMapping::default(), t(0))
        .expect("parse")
        .alerts
}

fn state() -> State {
    State::new(
        "alice".into(),
        TimeDisplay::Utc,
        Duration::minutes(30),
        t(4000),
    )
    .with_sources(vec![SourceView::new(
        "eu",
        false,
        std::time::Duration::from_secs(2),
    )])
}

fn storm(c: &mut Criterion) {
    let first = common::payload_salted(N, 0);
    let second = common::payload_salted(N, 1);
    let mb = first.len() / (1024 * 1024);
    let (a, b) = (parse(&first), parse(&second));
    let mut group = c.benchmark_group("storm");
    group.sample_size(10);

    group.bench_function(
        format!("baseline: parse + normalize {N} alerts ({mb} MiB)"),
        |bench| bench.iter(|| parse(&first)),
    );
    // A poll that finds nothing changed, as a poller reads it: 16 KiB at a time
    // through the stream parser, against the previous answer.
    let previous = {
        let parsed =
            alertmanager::parse(&first, "eu", &LabelMapping::default(), t(0)).expect("parse");
        let mut snapshot = sitrep::sources::Snapshot {
            source: "eu".into(),
            kind: sitrep::sources::SourceKind::Alertmanager,
            alerts: parsed.alerts,
            skipped: 0,
            member_errors: Vec::new(),
            fetched_at: t(0),
            latency_ms: 0,
            raw: parsed.raw,
        };
        sitrep::sources::Previous::of(&mut snapshot)
    };
    let mapping = LabelMapping::default();
    group.bench_function(
        format!("quiet poll: the same {N} alerts again, streamed in 16 KiB chunks"),
        |bench| {
            bench.iter(|| {
                let mut stream = alertmanager::Stream::new("eu", &mapping, t(1), &previous);
                for chunk in first.chunks(16 * 1024) {
                    stream.feed(chunk).expect("feed");
                }
                stream.finish().expect("finish")
            })
        },
    );
    group.bench_function(
        format!("  of which: splitting {mb} MiB into elements"),
        |bench| {
            bench.iter(|| {
                let mut splitter = sitrep::sources::json_array::Splitter::default();
                let mut n = 0usize;
                for chunk in first.chunks(16 * 1024) {
                    splitter
                        .feed(chunk, |e| {
                            n += e.len();
                            Ok(())
                        })
                        .expect("feed");
                }
                n
            })
        },
    );
    group.bench_function(format!("  of which: keyed SipHash of {mb} MiB"), |bench| {
        use std::hash::BuildHasher as _;
        let key = std::collections::hash_map::RandomState::new();
        bench.iter(|| {
            first
                .chunks(900)
                .map(|c| key.hash_one(c))
                .fold(0u64, |a, h| a ^ h)
        })
    });
    group.bench_function(
        format!("build: {N} alerts over {N}, 1% changed (off the loop)"),
        |bench| {
            bench.iter_batched(
                || {
                    let mut builder = Builder::new(&["eu"]);
                    builder.apply("eu", Ok(a.clone()), t(1));
                    (builder, b.clone())
                },
                // The builder and the set are returned, not dropped: freeing the old
                // alerts is not part of building.
                |(mut builder, next)| {
                    let built = builder.apply("eu", Ok(next), t(2));
                    (builder, built)
                },
                BatchSize::PerIteration,
            )
        },
    );
    group.bench_function(
        format!("apply on the loop: {N} alerts over {N}, 1% changed"),
        |bench| {
            bench.iter_batched(
                || {
                    let mut builder = Builder::new(&["eu"]);
                    let mut s = state();
                    update(
                        &mut s,
                        Msg::Alerts(Box::new(builder.apply("eu", Ok(a.clone()), t(1)))),
                    );
                    let next = builder.apply("eu", Ok(b.clone()), t(2));
                    (s, next)
                },
                |(mut s, next)| {
                    update(&mut s, Msg::Alerts(Box::new(next)));
                    s
                },
                BatchSize::PerIteration,
            )
        },
    );
    group.finish();

    let theme = sitrep::ui::Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    let mut s = state();
    let mut builder = Builder::new(&["eu"]);
    update(
        &mut s,
        Msg::Alerts(Box::new(builder.apply("eu", Ok(a.clone()), t(1)))),
    );
    update(
        &mut s,
        Msg::Alerts(Box::new(builder.apply("eu", Ok(b.clone()), t(2)))),
    );
    for _ in 0..300 {
        update(
            &mut s,
            Msg::Key(Input {
                key: Key::Down,
                ..Input::default()
            }),
        );
    }
    c.bench_function(&format!("render dashboard, {N} alerts, 200x60"), |bench| {
        bench.iter(|| {
            terminal
                .draw(|f| sitrep::ui::render(&s, &theme, f))
                .expect("draw");
        })
    });
    update(
        &mut s,
        Msg::Key(Input {
            key: Key::Char('z'),
            ..Input::default()
        }),
    );
    update(
        &mut s,
        Msg::Key(Input {
            key: Key::Enter,
            ..Input::default()
        }),
    );
    c.bench_function(
        &format!("render dashboard, {N} alerts grouped by name, 200x60"),
        |bench| {
            bench.iter(|| {
                terminal
                    .draw(|f| sitrep::ui::render(&s, &theme, f))
                    .expect("draw");
            })
        },
    );
}

criterion_group!(benches, storm);
criterion_main!(benches);
