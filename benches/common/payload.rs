#![allow(dead_code)]

//! Alertmanager answers of any size, shaped like a real storm: one alert name per
//! fifty alerts, six services, three regions, a quarter of them P1.

/// `/api/v2/alerts` with `n` alerts. `salt` changes the fingerprints of the alerts
/// whose index is a multiple of 100 (1% of them): a poll in a storm.
pub fn payload_salted(n: usize, salt: usize) -> Vec<u8> {
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
                "fingerprint": if salt > 0 && i % 100 == 0 { format!("{i:08x}{salt:08x}") } else { format!("{i:016x}") },
                "receivers": [{"name": "team-room"}],
                "startsAt": "2026-11-18T10:58:00.000Z",
                "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
                "updatedAt": "2026-11-18T11:05:00.000Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=sum%28rate%28x%5B5m%5D%29%29",
                "labels": {
                    "alertname": format!("StreamStartErrorBudgetBurn{}", i / 50),
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

pub fn payload(n: usize) -> Vec<u8> {
    payload_salted(n, 0)
}
