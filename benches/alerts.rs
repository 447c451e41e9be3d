//! Parsing and normalizing Alertmanager's answer: 10,000 alerts (about 8 MB of JSON,
//! what `/api/v2/alerts` returns with no pagination). Run: `cargo bench --bench alerts`.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use sitrep::domain::alert::LabelMapping;
use sitrep::sources::alertmanager;

fn payload(n: usize) -> Vec<u8> {
    let services = ["room", "cdn-edge", "chat", "gifting", "moderation", "auth"];
    let regions = ["eu-west", "us-east", "ap-south"];
    let alerts: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "annotations": {
                    "summary": format!("stream start success burning budget {i}"),
                    "description": "Viewers fail to start streams: 2.1% of starts error (objective 99.5%).",
                    "runbook_url": "https://runbooks.example/room/stream-start"
                },
                "endsAt": "2099-01-01T00:04:00.000Z",
                "fingerprint": format!("{i:016x}"),
                "receivers": [{"name": "team-room"}],
                "startsAt": "2026-11-18T10:58:00.000Z",
                "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
                "updatedAt": "2026-11-18T11:05:00.000Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=sum%28rate%28x%5B5m%5D%29%29",
                "labels": {
                    "alertname": "StreamStartErrorBudgetBurn",
                    "service": services[i % services.len()],
                    "region": regions[i % regions.len()],
                    "slo": "stream-start-success",
                    "severity": if i % 4 == 0 { "critical" } else { "warning" },
                    "instance": format!("room-{i}.eu-west.internal:9100"),
                    "team": "room"
                }
            })
        })
        .collect();
    serde_json::to_vec(&alerts).expect("serialize")
}

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
