//! `sitrep silence` against real Alertmanagers: made from a firing alert, shown as
//! silenced, listed, expired, each recorded in the timeline; and nothing recorded
//! when it was not done (matches nothing, refused login, source down). An HA pair
//! shows a silence made on one member on the other.

mod common;

use std::path::Path;

use common::backend::{free_port, sitrep_on, Server};
use serde_json::Value;
use tempfile::TempDir;

fn world(urls: &[&str]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let urls: Vec<String> = urls.iter().map(|u| format!("\"{u}\"")).collect();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [{}]\n",
            urls.join(", ")
        ),
    )
    .unwrap();
    dir
}

fn sitrep(dir: &Path, args: &[&str]) -> std::process::Output {
    sitrep_on(&dir.join("sitrep.db"))
        .env("SITREP_CONFIG", dir.join("config.toml"))
        .env("SITREP_USER", "alice")
        .args(args)
        .output()
        .unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = sitrep(dir, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn timeline_texts(dir: &Path) -> Vec<String> {
    json(dir, &["show", "1"])["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

const ALERTS: &str = r#"[
  {"labels": {"alertname": "StreamStartBurn", "severity": "critical", "service": "room", "region": "eu-west"}},
  {"labels": {"alertname": "StreamStartBurn", "severity": "critical", "service": "room", "region": "us-east"}}
]"#;

#[test]
fn a_silence_from_an_alert_mutes_it_is_logged_listed_and_expired() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let dir = world(&[&am.url]);
    let dir = dir.path();
    assert!(sitrep(
        dir,
        &["declare", "--title", "Starts failing", "--severity", "p2"]
    )
    .status
    .success());
    let alerts = json(dir, &["alerts"]);
    let eu = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["region"] == "eu-west")
        .unwrap();
    let fp = eu["fingerprint"].as_str().unwrap().to_string();
    // --wide shows the fingerprint to copy.
    let wide = String::from_utf8(sitrep(dir, &["alerts", "--wide"]).stdout).unwrap();
    assert!(
        wide.starts_with("FINGERPRINT") && wide.contains(&fp),
        "{wide}"
    );

    let made = sitrep(
        dir,
        &[
            "silence",
            "1",
            "--alert",
            &fp,
            "--for",
            "2h",
            "--comment",
            "rolling back room",
        ],
    );
    let stderr = String::from_utf8_lossy(&made.stderr);
    assert!(made.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("silencing on prod until ") && stderr.contains(r#"region="eu-west""#),
        "the matchers are shown before it is made: {stderr}"
    );
    let listed = json(dir, &["silence", "1", "--list"]);
    let silence = &listed[0]["silence"];
    assert_eq!(silence["status"]["state"], "active");
    assert_eq!(silence["createdBy"], "alice");
    assert_eq!(silence["comment"], "sitrep incident #1: rolling back room");
    let id = silence["id"].as_str().unwrap().to_string();
    let matchers: Vec<String> = silence["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}={}",
                m["name"].as_str().unwrap(),
                m["value"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        matchers,
        vec![
            "alertname=StreamStartBurn",
            "region=eu-west",
            "service=room",
            "severity=critical"
        ]
    );
    // The eu alert is silenced in sitrep's own view; the us one still fires.
    let states: Vec<(String, String)> = json(dir, &["alerts"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["region"].as_str().unwrap().into(),
                a["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        states.contains(&("eu-west".into(), "silenced".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("us-east".into(), "firing".into())),
        "{states:?}"
    );
    let logged = timeline_texts(dir);
    let entry = logged.last().unwrap();
    assert!(
        entry.starts_with("silenced on prod until ")
            && entry.contains(&id)
            && entry.ends_with("— rolling back room"),
        "{entry}"
    );

    let expired = sitrep(dir, &["silence", "1", "--expire", &id]);
    assert!(
        expired.status.success(),
        "{}",
        String::from_utf8_lossy(&expired.stderr)
    );
    assert_eq!(
        json(dir, &["silence", "1", "--list"])[0]["silence"]["status"]["state"],
        "expired"
    );
    assert_eq!(
        timeline_texts(dir).last().unwrap(),
        &format!("silence {id} expired on prod")
    );
    let again = sitrep(dir, &["silence", "1", "--expire", &id]);
    assert_eq!(again.status.code(), Some(4), "already expired");
}

#[test]
fn nothing_is_logged_when_nothing_was_silenced() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let dir = world(&[&am.url]);
    let dir = dir.path();
    assert!(sitrep(
        dir,
        &["declare", "--title", "Starts failing", "--severity", "p2"]
    )
    .status
    .success());
    let before = timeline_texts(dir);
    let nothing = sitrep(
        dir,
        &[
            "silence",
            "1",
            "--matcher",
            r#"alertname="NoSuchAlert""#,
            "--comment",
            "x",
        ],
    );
    assert_eq!(nothing.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&nothing.stderr);
    assert!(
        stderr.contains("matches no alert firing now") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(
        sitrep(dir, &["silence", "1", "--alert", "0000", "--comment", "x"])
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        sitrep(dir, &["silence", "1", "--alert", "0000"])
            .status
            .code(),
        Some(2),
        "no comment"
    );
    assert_eq!(
        sitrep(dir, &["silence", "9", "--matcher", "a=b", "--comment", "x"])
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        sitrep(dir, &["silence", "1", "--matcher", "a b", "--comment", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        json(dir, &["silence", "1", "--list"]),
        serde_json::json!([])
    );
    assert_eq!(timeline_texts(dir), before);

    // With --anyway it is made even though nothing fires.
    let anyway = sitrep(
        dir,
        &[
            "silence",
            "1",
            "--matcher",
            r#"alertname="NoSuchAlert""#,
            "--comment",
            "planned",
            "--anyway",
        ],
    );
    assert!(
        anyway.status.success(),
        "{}",
        String::from_utf8_lossy(&anyway.stderr)
    );
    assert_eq!(
        json(dir, &["silence", "1", "--list"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_refused_login_or_a_source_that_is_down_is_one_line_and_nothing_logged() {
    let am = Server::alertmanager_basic_auth();
    let wrong = am.url.replacen("http://", "http://admin:wrong-SECRET@", 1);
    for url in [wrong, format!("http://127.0.0.1:{}", free_port())] {
        let dir = world(&[&url]);
        let dir = dir.path();
        assert!(
            sitrep(dir, &["declare", "--title", "x", "--severity", "p2"])
                .status
                .success()
        );
        let before = timeline_texts(dir);
        let out = sitrep(
            dir,
            &[
                "silence",
                "1",
                "--matcher",
                "alertname=X",
                "--comment",
                "y",
                "--anyway",
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("error: no silence made: source 'prod': ")
                && (stderr.contains("HTTP 401") || stderr.contains("cannot connect")),
            "{stderr}"
        );
        assert!(!stderr.contains("SECRET"), "{stderr}");
        assert_eq!(timeline_texts(dir), before);
    }
}

#[test]
fn a_silence_made_on_one_member_of_an_ha_pair_shows_on_the_other() {
    let (first, second) = Server::alertmanager_pair();
    first.post_alerts(ALERTS);
    second.post_alerts(ALERTS);
    let dir = world(&[&first.url, &second.url]);
    let dir = dir.path();
    assert!(
        sitrep(dir, &["declare", "--title", "x", "--severity", "p2"])
            .status
            .success()
    );
    let made = json(
        dir,
        &[
            "silence",
            "1",
            "--matcher",
            r#"region="us-east""#,
            "--comment",
            "pair",
        ],
    );
    assert_eq!(made["seen_by"].as_array().unwrap().len(), 1, "{made}");
    assert_eq!(made["not_seen_by"], serde_json::json!([]));
    // The other member, asked on its own, has it.
    let (status, body) = common::backend::http(
        "GET",
        &format!(
            "{}/api/v2/silence/{}",
            second.url,
            made["silence"].as_str().unwrap()
        ),
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
}

#[test]
fn resolving_says_which_silences_outlive_the_incident_or_expires_them_when_asked() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let dir = world(&[&am.url]);
    let dir = dir.path();
    for title in ["Starts failing", "Chat slow"] {
        let out = sitrep(dir, &["declare", "--title", title, "--severity", "p2"]);
        assert!(out.status.success());
    }
    let silence = |incident: &str, region: &str| {
        let out = sitrep(
            dir,
            &[
                "silence",
                incident,
                "--matcher",
                &format!("region=\"{region}\""),
                "--for",
                "2h",
                "--comment",
                "noisy while we roll back",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    silence("1", "eu-west");
    silence("2", "us-east");
    let first = json(dir, &["silence", "1", "--list"])[0]["silence"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Without asking: resolved, and told which silence is still there and how to end it.
    let out = sitrep(dir, &["resolve", "1"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("silence {first} on prod"))
            && stderr.contains(&format!("sitrep silence 1 --expire {first}")),
        "{stderr}"
    );
    assert_eq!(
        json(dir, &["silence", "1", "--list"])[0]["silence"]["status"]["state"],
        "active"
    );

    // Asked: expired in Alertmanager and recorded.
    let out = sitrep(dir, &["resolve", "2", "--expire-silences"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let second = json(dir, &["silence", "2", "--list"])[0]["silence"].clone();
    assert_eq!(second["status"]["state"], "expired", "{stderr}");
    let id = second["id"].as_str().unwrap();
    assert!(
        stderr.contains(&format!("silence {id} expired on prod")),
        "{stderr}"
    );
    let texts: Vec<String> = json(dir, &["show", "2"])["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t == &format!("silence {id} expired on prod")),
        "{texts:?}"
    );
    assert!(
        !String::from_utf8_lossy(&sitrep(dir, &["resolve", "1"]).stderr).contains("note: silence"),
        "already resolved: refused, no note"
    );
}
