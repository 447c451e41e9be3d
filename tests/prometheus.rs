//! `sitrep alerts` against a real Prometheus (Debian's package) evaluating a rule that
//! always fires.

mod common;

use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::backend::Server;
use serde_json::Value;

const RULES: &str = r#"groups:
  - name: sitrep-test
    rules:
      - alert: ReconnectSuccessLow
        expr: vector(1)
        for: 0s
        labels:
          severity: page
          service: room
          region: ap-south
        annotations:
          summary: reconnect success below objective
"#;

#[test]
fn a_firing_prometheus_rule_is_read_like_any_alert() {
    let prometheus = Server::prometheus(RULES);
    let dir = tempfile::tempdir().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let alerts = loop {
        let out = Command::cargo_bin("sitrep")
            .unwrap()
            .env_remove("SITREP_CONFIG")
            .env_remove("SITREP_ALERTMANAGER")
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .args(["--prometheus", &prometheus.url, "alerts", "--json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            let alerts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
            if !alerts.is_empty() {
                break alerts;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no alert fired within 30 s: {stderr}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    let a = &alerts[0];
    assert_eq!(a["name"], "ReconnectSuccessLow");
    assert_eq!(a["severity"], "P1");
    assert_eq!(a["state"], "firing");
    assert_eq!(a["service"], "room");
    assert_eq!(a["region"], "ap-south");
    assert_eq!(a["summary"], "reconnect success below objective");
    assert_eq!(a["fingerprint"].as_str().unwrap().len(), 16);
}

/// Prometheus (needed for the SLOs) forwards its alerts to Alertmanager, and both are
/// sources: the alert is one alert, with Alertmanager's own fingerprint, not two.
#[test]
fn an_alert_seen_through_prometheus_and_alertmanager_is_listed_once() {
    let am = Server::alertmanager();
    let hostport = am.url.trim_start_matches("http://").to_string();
    let prometheus = Server::prometheus_alerting_to(RULES, &hostport);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[sources]]\nname = \"am\"\nkind = \"alertmanager\"\nurls = [\"{}\"]\n\n\
             [[sources]]\nname = \"prom\"\nkind = \"prometheus\"\nurls = [\"{}\"]\n",
            am.url, prometheus.url
        ),
    )
    .unwrap();
    // Wait until Alertmanager has it from Prometheus.
    let deadline = Instant::now() + Duration::from_secs(60);
    let fingerprint = loop {
        let (_, body) =
            common::backend::http("GET", &format!("{}/api/v2/alerts", am.url), "").unwrap();
        let alerts: Vec<Value> = serde_json::from_str(&body).unwrap_or_default();
        if let Some(a) = alerts.first() {
            break a["fingerprint"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "Prometheus never sent the alert");
        std::thread::sleep(Duration::from_millis(250));
    };
    let out = Command::cargo_bin("sitrep")
        .unwrap()
        .env_remove("SITREP_ALERTMANAGER")
        .env("SITREP_CONFIG", &config)
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .args(["alerts", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let alerts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(alerts.len(), 1, "listed once: {alerts:#?}");
    assert_eq!(alerts[0]["fingerprint"], fingerprint.as_str());
    assert_eq!(alerts[0]["name"], "ReconnectSuccessLow");
}
