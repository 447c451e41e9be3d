//! Parsing and normalizing Alertmanager's answer: 10,000 alerts (about 8 MB of JSON,
//! what `/api/v2/alerts` returns with no pagination). Run: `cargo bench --bench alerts`.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use sitrep::domain::alert::LabelMapping;
use sitrep::sources::alertmanager;

#[path = "common/payload.rs"]
mod common;
use common::payload;

fn parse(c: &mut Criterion) {
    let body = payload(10_000);
    let mapping = LabelMapping::default();
    let now = Utc::now();
    let mut group = c.benchmark_group("alertmanager");
    group.sample_size(30);
    group.bench_function(
        format!("parse + normalize 10,000 alerts ({} KB)", body.len() / 1024),
        |b| {
            b.iter(|| {
                let parsed = alertmanager::parse(&body, "eu", &mapping, now).expect("parse");
                assert_eq!(parsed.alerts.len(), 10_000);
            })
        },
    );
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
