//! `sitrep silence` against real Alertmanagers: made from a firing alert, shown as
//! silenced, listed, expired, each recorded in the timeline; and nothing recorded
//! when it was not done (matches nothing, refused login, source down). An HA pair
//! shows a silence made on one member on the other. The same from the TUI with
//! `/silence` and `/unsilence` (tmux): the matchers asked about, the source down, a
//! source that hangs while typing still echoes, an HA pair.

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

/// A silence's matchers as `name=value`, in the order the Alertmanager lists them.
/// The id of the first silence `silence ID --list` shows for `incident`.
fn first_silence(dir: &Path, incident: &str) -> String {
    json(dir, &["silence", incident, "--list"])[0]["silence"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn name_value_pairs(silence: &Value) -> Vec<String> {
    silence["matchers"]
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
        .collect()
}

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
    let matchers = name_value_pairs(silence);
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
    let first = first_silence(dir, "1");

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

/// The TUI on `dir`'s config (polled every second) and database.
fn tui(dir: &Path) -> common::tmux::Tmux {
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}poll_interval = \"1s\"\n")).unwrap();
    common::tmux::Tmux::start_with(
        dir,
        &dir.join("sitrep.db"),
        &format!("SITREP_CONFIG='{}'", config.display()),
    )
}

/// Declares incident #1, "Starts failing" (P2), linked to the alert `fingerprint`.
fn declare_for(dir: &Path, fingerprint: &str) {
    let args = ["declare", "--title", "Starts failing", "--severity", "p2"];
    let out = sitrep(dir, &[&args[..], &["--alert", fingerprint]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fingerprint_of(dir: &Path, region: &str) -> String {
    json(dir, &["alerts"])
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["region"] == region)
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn slash_silence_in_the_tui_silences_the_incidents_linked_alert_after_showing_it() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let dir = world(&[&am.url]);
    let dir = dir.path();
    let eu = fingerprint_of(dir, "eu-west");
    declare_for(dir, &eu);
    let tmux = tui(dir);
    tmux.wait_for("StreamStartBurn");
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P2 investigating");
    tmux.text("/silence 2h rolling back room");
    tmux.keys(&["Enter"]);
    // The question shows the matchers: the linked (eu) alert's labels only.
    let asked = tmux.wait_for("Silence 1 alert until");
    assert!(asked.contains(r#"region="eu-west""#), "{asked}");
    assert!(!asked.contains("us-east"), "{asked}");
    assert!(
        json(dir, &["silence", "1", "--list"])
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing before Enter"
    );
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("silenced until");
    let listed = json(dir, &["silence", "1", "--list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let silence = &listed[0]["silence"];
    assert_eq!(silence["status"]["state"], "active");
    assert_eq!(silence["createdBy"], "alice");
    assert_eq!(silence["comment"], "sitrep incident #1: rolling back room");
    let id = silence["id"].as_str().unwrap();
    assert!(
        screen.contains(&format!("StreamStartBurn (silence {id})")),
        "{screen}"
    );
    let matchers = name_value_pairs(silence);
    assert_eq!(
        matchers,
        [
            "alertname=StreamStartBurn",
            "region=eu-west",
            "service=room",
            "severity=critical"
        ]
    );
    // Recorded, and on screen once the timeline is re-read.
    let entry = timeline_texts(dir).last().unwrap().clone();
    assert!(
        entry.starts_with("silenced on prod until ")
            && entry.contains(&format!("(silence {id})"))
            && entry.ends_with("— rolling back room"),
        "{entry}"
    );
    tmux.wait_for(&format!("(silence {id})"));
    // /silences lists it as the Alertmanager reports it now.
    tmux.text("/silences");
    tmux.keys(&["Enter"]);
    let shown = tmux.wait_for("Silences of #1 (1)");
    assert!(shown.contains("active  until "), "{shown}");
    assert!(shown.contains(&id[..8]), "{shown}");
    assert!(shown.contains("by alice: rolling back room"), "{shown}");
    assert!(shown.contains(r#"region="eu-west""#), "{shown}");
    tmux.keys(&["Escape"]);
    tmux.wait_for_gone("Silences of #1");
    // Once the source says it is silenced, there is nothing left to silence.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    tmux.text("/silence 1h again");
    loop {
        tmux.keys(&["Enter"]);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let screen = tmux.screen();
        if screen.contains("is firing (they are silenced") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{screen}");
        // Asked (not polled yet): say no; the line stays for the next try.
        tmux.keys(&["Escape"]);
        tmux.wait_for("cancelled: nothing changed");
    }
    assert_eq!(
        json(dir, &["silence", "1", "--list"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The refused line stays typed; clear it and end the silence from the TUI.
    tmux.keys(&["BSpace"; 17]);
    tmux.wait_for_gone("/silence 1h again");
    tmux.text("/unsilence");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("Expire {id} on prod (until "));
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("silence {id} expired on prod"));
    let listed = json(dir, &["silence", "1", "--list"]);
    assert_eq!(
        listed[0]["silence"]["status"]["state"], "expired",
        "{listed}"
    );
    assert_eq!(
        timeline_texts(dir).last().unwrap(),
        &format!("silence {id} expired on prod")
    );
    // Nothing left to end (once the timeline is re-read), and resolving no longer
    // names it.
    tmux.wait_for(&format!("alice: silence {id} expired on prod"));
    tmux.text("/silences");
    tmux.keys(&["Enter"]);
    let shown = tmux.wait_for("Silences of #1 (1)");
    assert!(shown.contains("expired ended "), "{shown}");
    tmux.keys(&["Escape"]);
    tmux.wait_for_gone("Silences of #1");
    tmux.text("/unsilence");
    tmux.keys(&["Enter"]);
    tmux.wait_for("no silence made through sitrep that is not expired");
    tmux.keys(&["BSpace"; 10]);
    tmux.text("/resolve");
    tmux.keys(&["Enter"]);
    let asked = tmux.wait_for("Resolve #1");
    assert!(!asked.contains("/unsilence"), "{asked}");
    // Esc: back to the text; Esc: NAV; Esc: the dashboard. The line is still typed.
    tmux.keys(&["Escape"]);
    tmux.wait_for("cancelled: nothing changed");
    tmux.keys(&["Escape"]);
    tmux.wait_for("(NAV: type or Enter to write)");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Open incidents");
    tmux.keys(&["q"]);
    tmux.wait_for("Quit anyway?");
    tmux.keys(&["y"]);
    tmux.wait_for("EXIT=0");
}

#[test]
fn slash_silence_with_the_alertmanager_down_says_so_and_logs_nothing() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let dir = world(&[&am.url]);
    let dir = dir.path();
    let eu = fingerprint_of(dir, "eu-west");
    declare_for(dir, &eu);
    let before = timeline_texts(dir);
    let tmux = tui(dir);
    tmux.wait_for("StreamStartBurn");
    // Gone after the alerts were seen: the dashboard keeps them, the silence fails.
    drop(am);
    tmux.wait_for("prod FAILING");
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P2 investigating");
    tmux.text("/silence 2h rolling back room");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Silence 1 alert until");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("NOT SILENCED");
    assert!(screen.contains("StreamStartBurn on prod"), "{screen}");
    assert_eq!(
        timeline_texts(dir),
        before,
        "nothing logged that was not done"
    );
    // Listing says the source cannot be read: one red line, no empty list.
    tmux.text("/silences");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("silences not read: source 'prod'");
    assert!(!screen.contains("Silences of #1"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

#[test]
fn the_tui_stays_responsive_while_a_silence_hangs_and_then_says_it_was_not_made() {
    use std::time::{Duration, Instant};
    // An Alertmanager that shows one alert, firing from an hour ago until an hour
    // from now (times from the clock: a fixed date turns it resolved one day), and
    // never answers a new silence.
    let now = chrono::Utc::now();
    let at = |hours: i64| (now + chrono::Duration::hours(hours)).to_rfc3339();
    let alert = format!(
        r#"[{{"fingerprint": "f00dfeed00000001", "labels": {{"alertname": "StreamStartBurn", "severity": "critical", "service": "room", "region": "eu-west"}},
        "annotations": {{}}, "startsAt": "{}", "endsAt": "{}", "updatedAt": "{}",
        "status": {{"state": "active", "silencedBy": [], "inhibitedBy": []}}, "receivers": [{{"name": "x"}}], "generatorURL": ""}}]"#,
        at(-1),
        at(1),
        at(-1)
    );
    let url = common::backend::scripted_with(move |head| {
        if head.starts_with("POST /api/v2/silences") {
            return None;
        }
        Some(common::backend::reply("200 OK", &alert))
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"{url}\"]\ntimeout = \"2s\"\n"),
    )
    .unwrap();
    let dir = dir.path();
    declare_for(dir, "f00dfeed00000001");
    let before = timeline_texts(dir);
    let tmux = tui(dir);
    tmux.wait_for("StreamStartBurn");
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P2 investigating");
    let started = Instant::now();
    tmux.text("typed before silencing");
    tmux.wait_for("typed before silencing");
    let baseline = started.elapsed();
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved mitigation entry");
    tmux.text("/silence 2h noisy");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Silence 1 alert until");
    tmux.keys(&["Enter"]);
    tmux.wait_for("silencing…");
    let started = Instant::now();
    tmux.text("typed while it hangs");
    tmux.wait_for("typed while it hangs");
    let echo = started.elapsed();
    eprintln!("echo: {baseline:?} before silencing, {echo:?} while the silence hangs");
    assert!(
        echo < Duration::from_secs(1),
        "echo took {echo:?} while the silence hung"
    );
    let screen = tmux.wait_for("NOT SILENCED");
    assert!(screen.contains("StreamStartBurn on prod"), "{screen}");
    let mut after = timeline_texts(dir);
    assert_eq!(after.pop().as_deref(), Some("typed before silencing"));
    assert_eq!(after, before, "no silence logged");
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("Quit anyway?");
    tmux.keys(&["y"]);
    tmux.wait_for("EXIT=0");
}

#[test]
fn slash_silence_on_an_ha_pair_is_made_once_and_shows_on_both_members() {
    let (first, second) = Server::alertmanager_pair();
    first.post_alerts(ALERTS);
    second.post_alerts(ALERTS);
    let dir = world(&[&first.url, &second.url]);
    let dir = dir.path();
    let us = fingerprint_of(dir, "us-east");
    assert!(sitrep(
        dir,
        &[
            "declare",
            "--title",
            "Chat slow",
            "--severity",
            "p2",
            "--alert",
            &us
        ],
    )
    .status
    .success());
    let tmux = tui(dir);
    tmux.wait_for("StreamStartBurn");
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P2 investigating");
    tmux.text("/silence 30m pair");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Silence 1 alert until");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("silenced until");
    assert!(!screen.contains("not yet visible"), "{screen}");
    let listed = json(dir, &["silence", "1", "--list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "made once: {listed}");
    let id = listed[0]["silence"]["id"].as_str().unwrap();
    for member in [&first.url, &second.url] {
        let (status, body) =
            common::backend::http("GET", &format!("{member}/api/v2/silence/{id}"), "").unwrap();
        assert_eq!(status, 200, "{member}: {body}");
    }
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

/// Resolving in the TUI an incident whose silence is still in force asks, once the
/// resolve is saved, whether to expire it; Enter expires it in the real Alertmanager
/// and records it.
#[test]
fn resolving_in_the_tui_offers_to_expire_the_silences_still_in_force() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let dir = world(&[&am.url]);
    let dir = dir.path();
    let eu = fingerprint_of(dir, "eu-west");
    declare_for(dir, &eu);
    let made = sitrep(
        dir,
        &[
            "silence",
            "1",
            "--alert",
            &eu,
            "--for",
            "2h",
            "--comment",
            "rolling back",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let id = first_silence(dir, "1");
    let tmux = tui(dir);
    tmux.wait_for("StreamStartBurn");
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&id);
    tmux.text("/resolve rolled back");
    tmux.keys(&["Enter"]);
    tmux.wait_for("you are asked next");
    tmux.keys(&["Enter"]);
    let offer = tmux.wait_for("#1 is resolved, and its silences");
    assert!(offer.contains(&id[..8]), "{offer}");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("silence {id} expired on prod"));
    let listed = json(dir, &["silence", "1", "--list"]);
    assert_eq!(
        listed[0]["silence"]["status"]["state"], "expired",
        "{listed}"
    );
    let texts = timeline_texts(dir);
    assert!(
        texts.contains(&"status: investigating → resolved".to_string()),
        "{texts:?}"
    );
    assert_eq!(
        texts.last().unwrap(),
        &format!("silence {id} expired on prod")
    );
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

/// Two sitrep databases on one Alertmanager (another team's, or the demo's against a
/// real source) each have an incident #1, and their silences carry the same comment
/// prefix. Each incident lists, expires and offers only the silences its own timeline
/// records making: resolving ours with --expire-silences leaves theirs in force.
#[test]
fn an_incident_of_the_same_number_in_another_database_keeps_its_silences() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let ours = world(&[&am.url]);
    let theirs = world(&[&am.url]);
    let (ours, theirs) = (ours.path(), theirs.path());
    let eu = fingerprint_of(ours, "eu-west");
    let us = fingerprint_of(theirs, "us-east");
    declare_for(ours, &eu);
    declare_for(theirs, &us);
    let silence = |dir: &Path, fp: &str, why: &str| {
        let out = sitrep(
            dir,
            &[
                "silence",
                "1",
                "--alert",
                fp,
                "--for",
                "2h",
                "--comment",
                why,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        first_silence(dir, "1")
    };
    let their_id = silence(theirs, &us, "their rollback");
    let our_id = silence(ours, &eu, "our rollback");
    let ids = |dir: &Path| -> Vec<String> {
        json(dir, &["silence", "1", "--list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["silence"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(ours), vec![our_id.as_str()]);
    assert_eq!(ids(theirs), vec![their_id.as_str()]);
    // Theirs is not ours to expire by id either.
    let out = sitrep(ours, &["silence", "1", "--expire", &their_id]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sitrep(ours, &["resolve", "1", "--expire-silences"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = |dir: &Path| {
        json(dir, &["silence", "1", "--list"])[0]["silence"]["status"]["state"].clone()
    };
    assert_eq!(state(ours), "expired");
    assert_eq!(state(theirs), "active", "their silence is left in force");
    // In the TUI, /silences on theirs lists theirs alone.
    let tmux = tui(theirs);
    tmux.wait_for("StreamStartBurn");
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&their_id);
    tmux.text("/silences");
    tmux.keys(&["Enter"]);
    let shown = tmux.wait_for("Silences of #1 (1)");
    assert!(shown.contains("by alice: their rollback"), "{shown}");
    assert!(!shown.contains(&our_id[..8]), "{shown}");
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

/// Resolving asks the Alertmanagers which silences are still in force, as
/// `silence --list` does: one expired with amtool (here: its API, which amtool
/// calls) is not named; when no Alertmanager answers, the timeline's list is
/// shown and says where it came from (issue 24, item 19).
#[test]
fn resolving_names_only_silences_alertmanager_still_holds() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let dir = world(&[&am.url]);
    let dir = dir.path();
    for title in ["Starts failing", "Chat slow"] {
        let out = sitrep(dir, &["declare", "--title", title, "--severity", "p2"]);
        assert!(out.status.success());
    }
    for incident in ["1", "2"] {
        let out = sitrep(
            dir,
            &[
                "silence",
                incident,
                "--matcher",
                r#"region="eu-west""#,
                "--comment",
                "noisy",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let first = first_silence(dir, "1");
    let (status, body) =
        common::backend::http("DELETE", &format!("{}/api/v2/silence/{first}", am.url), "").unwrap();
    assert_eq!(status, 200, "{body}");
    let out = sitrep(dir, &["resolve", "1"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("note: silence"), "{stderr}");

    let second = first_silence(dir, "2");
    drop(am);
    let out = sitrep(dir, &["resolve", "2"]);
    assert!(
        out.status.success(),
        "resolving never waits on Alertmanager"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot ask the Alertmanagers") && stderr.contains("the timeline says"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("silence {second} on prod")),
        "{stderr}"
    );
}
