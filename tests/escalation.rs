//! P1 means immediate escalation: against a real Alertmanager, declaring a P1 makes a
//! `SitrepIncident` alert fire with the incident's labels; downgrading or resolving
//! ends it; raising again fires it again; the Alertmanager down leaves the incident
//! declared and the timeline saying nobody was paged. Drills page nobody.

mod common;

use std::path::Path;

use common::backend::{free_port, http, sitrep_on, Server};
use serde_json::Value;
use tempfile::TempDir;

fn world(url: &str, extra: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"{url}\"]\n{extra}"
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

fn timeline(dir: &Path) -> Vec<String> {
    let out = sitrep(dir, &["show", "1", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

/// The `SitrepIncident` alerts Alertmanager holds as firing.
fn pages(am: &Server) -> Vec<Value> {
    let (status, body) = http(
        "GET",
        &format!(
            "{}/api/v2/alerts?active=true&silenced=false&inhibited=false",
            am.url
        ),
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let all: Vec<Value> = serde_json::from_str(&body).unwrap();
    all.into_iter()
        .filter(|a| {
            a["labels"]["alertname"] == "SitrepIncident" && a["status"]["state"] == "active"
        })
        .collect()
}

#[test]
fn a_p1_pages_through_alertmanager_until_downgraded_or_resolved() {
    let am = Server::alertmanager();
    let dir = world(&am.url, "");
    let dir = dir.path();
    let out = sitrep(
        dir,
        &[
            "declare",
            "--title",
            "Stream starts failing",
            "--severity",
            "p1",
            "--service",
            "room",
            "--region",
            "eu-west",
            "--comms-lead",
            "carol",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("incident 1: paged through Alertmanager 'prod'"),
        "{stdout}"
    );
    let firing = pages(&am);
    assert_eq!(firing.len(), 1, "{firing:?}");
    let page = &firing[0];
    // PagerDuty's Events API v2 takes critical, error, warning or info.
    assert_eq!(page["labels"]["severity"], "critical");
    assert_eq!(page["labels"]["incident"], "1");
    assert_eq!(page["labels"]["service"], "room");
    assert_eq!(page["labels"]["region"], "eu-west");
    assert_eq!(page["annotations"]["title"], "Stream starts failing");
    assert_eq!(page["annotations"]["commander"], "alice");
    assert_eq!(page["annotations"]["comms_lead"], "carol");
    assert!(timeline(dir)
        .iter()
        .any(|t| t.starts_with("paged through Alertmanager 'prod': SitrepIncident")));
    // sitrep's own page is the incident's, not an unlinked P1 of its own.
    let alerts: Value = serde_json::from_slice(&sitrep(dir, &["alerts", "--json"]).stdout).unwrap();
    assert!(alerts
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "SitrepIncident"));

    // The JSON document counts the page among what the command wrote.
    let doc: Value = serde_json::from_slice(
        &sitrep(
            dir,
            &[
                "declare",
                "--title",
                "second",
                "--severity",
                "p1",
                "--comms-lead",
                "c",
                "--json",
            ],
        )
        .stdout,
    )
    .unwrap();
    let written = doc["written"].as_array().unwrap();
    assert!(
        written.last().unwrap()["text"]
            .as_str()
            .unwrap()
            .starts_with("paged through Alertmanager 'prod'"),
        "{doc:#}"
    );
    assert_eq!(doc["timeline"].as_array().unwrap().last(), written.last());
    assert!(sitrep(dir, &["resolve", "2"]).status.success());
    // A note changes nothing; a downgrade ends the page.
    assert!(sitrep(dir, &["log", "1", "still down"]).status.success());
    assert_eq!(pages(&am).len(), 1);
    let out = sitrep(dir, &["severity", "1", "p2"]);
    assert!(out.status.success());
    assert!(pages(&am).is_empty(), "a P2 does not page");
    assert!(timeline(dir)
        .last()
        .unwrap()
        .starts_with("page ended through Alertmanager 'prod'"));
    // Raised again: pages again; resolved: ends.
    assert!(sitrep(dir, &["severity", "1", "p1"]).status.success());
    assert_eq!(pages(&am).len(), 1);
    assert!(sitrep(dir, &["resolve", "1"]).status.success());
    assert!(pages(&am).is_empty());
    let t = timeline(dir);
    assert_eq!(
        t.iter().filter(|l| l.starts_with("paged through")).count(),
        2,
        "{t:#?}"
    );
    assert_eq!(
        t.iter().filter(|l| l.starts_with("page ended")).count(),
        2,
        "{t:#?}"
    );
}

#[test]
fn alertmanager_down_still_declares_and_says_nobody_was_paged() {
    let dir = world(&format!("http://127.0.0.1:{}", free_port()), "");
    let dir = dir.path();
    let out = sitrep(
        dir,
        &[
            "declare",
            "--title",
            "Auth down",
            "--severity",
            "p1",
            "--comms-lead",
            "bob",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the incident is declared: {stderr}");
    assert!(
        stderr.contains(
            "warning: ESCALATION FAILED: escalation failed: Alertmanager 'prod': cannot connect"
        ),
        "{stderr}"
    );
    let last = timeline(dir).last().unwrap().clone();
    assert!(
        last.starts_with("escalation failed: Alertmanager 'prod': cannot connect")
            && last.ends_with("nobody was paged by sitrep: page the on-call yourself"),
        "{last}"
    );
}

#[test]
fn drills_and_escalation_turned_off_page_nobody() {
    let am = Server::alertmanager();
    let dir = world(&am.url, "\n[escalation]\nenabled = false\n");
    let dir = dir.path();
    assert!(sitrep(
        dir,
        &[
            "declare",
            "--title",
            "x",
            "--severity",
            "p1",
            "--comms-lead",
            "b"
        ]
    )
    .status
    .success());
    let dir2 = world(&am.url, "");
    let dir2 = dir2.path();
    assert!(sitrep(
        dir2,
        &[
            "declare",
            "--title",
            "y",
            "--severity",
            "p1",
            "--drill",
            "--comms-lead",
            "b"
        ]
    )
    .status
    .success());
    assert!(pages(&am).is_empty());
    assert!(!timeline(dir).iter().any(|t| t.contains("paged")));
    assert!(!timeline(dir2).iter().any(|t| t.contains("paged")));
    // A named escalation source that is not an Alertmanager is a config error.
    let bad = world(&am.url, "\n[escalation]\nsource = \"nope\"\n");
    let out = sitrep(bad.path(), &["list"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The TUI pages too, off its write path, and says so; its own page is the
/// incident's (no "P1 alert firing with no incident" once it arrives).
#[test]
fn the_tui_pages_on_a_p1_and_ends_the_page_on_resolve() {
    let am = Server::alertmanager();
    am.post_alerts(
        r#"[{"labels": {"alertname": "StreamStartBurn", "severity": "critical", "service": "room", "region": "eu-west"},
             "annotations": {"summary": "stream starts failing"}}]"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let tmux = common::tmux::Tmux::watching(dir.path(), "eu", &am.url);
    tmux.wait_for("P1 alert firing with no incident");
    tmux.keys(&["d"]);
    tmux.wait_for("room: stream starts failing");
    tmux.keys(&["Enter"]);
    tmux.wait_for("paged through Alertmanager 'eu'");
    assert_eq!(pages(&am).len(), 1);
    assert_eq!(pages(&am)[0]["labels"]["incident"], "1");
    // Back on the dashboard after the next poll: both alerts are the incident's.
    tmux.keys(&["Escape", "Escape"]);
    // The page's own row (its summary), not the banner that names it.
    let screen = tmux.wait_for("P1 incident #1: ro");
    assert!(screen.contains("SitrepIncident"), "{screen}");
    assert!(!screen.contains("with no incident"), "{screen}");
    // Enter shows the alert in full; Enter there opens its incident.
    tmux.keys(&["Enter"]);
    tmux.wait_for("(Enter opens it)");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 investigating");
    tmux.text("/resolve");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("page ended through Alertmanager 'eu'");
    assert!(pages(&am).is_empty());
    // One key at a time: under load, ESC followed at once by a key reads as Alt+key.
    tmux.keys(&["Escape"]);
    tmux.wait_for("(NAV: type or Enter to write)");
    tmux.keys(&["Escape"]);
    tmux.wait_for("No open incidents");
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

#[test]
fn the_tui_says_loudly_when_nobody_was_paged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"http://127.0.0.1:{}\"]\n", free_port()),
    )
    .unwrap();
    let tmux = common::tmux::Tmux::start_with(
        dir.path(),
        &db,
        &format!("SITREP_CONFIG='{}'", config.display()),
    );
    tmux.wait_for("prod FAILING");
    tmux.keys(&["Tab", "d"]);
    tmux.wait_for("Declare incident");
    tmux.text("auth down");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("ESCALATION FAILED");
    assert!(
        screen.contains("#1 P1 investigating"),
        "the incident is declared: {screen}"
    );
    tmux.keys(&["Escape", "Escape", "q"]);
    tmux.wait_for("EXIT=0");
    let out = sitrep_on(&db)
        .env("SITREP_CONFIG", &config)
        .args(["show", "1", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = doc["timeline"].as_array().unwrap().last().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        last.starts_with("escalation failed: Alertmanager 'prod': cannot connect"),
        "{last}"
    );
}

/// A page carries the incident's regions: changing them moves the page, and the old
/// one ends instead of firing on for a week.
#[test]
fn editing_a_paging_incident_moves_its_page_and_resolve_ends_them_all() {
    let am = Server::alertmanager();
    let dir = world(&am.url, "");
    let dir = dir.path();
    let out = sitrep(
        dir,
        &[
            "declare",
            "--title",
            "x",
            "--severity",
            "p1",
            "--region",
            "eu-west",
            "--comms-lead",
            "c",
        ],
    );
    assert!(out.status.success());
    assert_eq!(pages(&am)[0]["labels"]["region"], "eu-west");
    assert!(sitrep(dir, &["edit", "1", "--add-region", "us-east"])
        .status
        .success());
    let now = pages(&am);
    assert_eq!(now.len(), 1, "the old page ended: {now:?}");
    assert_eq!(now[0]["labels"]["region"], "eu-west,us-east");
    assert!(sitrep(dir, &["assign", "1", "--commander", "bob"])
        .status
        .success());
    assert_eq!(pages(&am)[0]["annotations"]["commander"], "bob");
    assert!(sitrep(dir, &["resolve", "1"]).status.success());
    assert!(pages(&am).is_empty());
}

/// Reopening a resolved P1 pages again: the CLI says so before it does, and
/// `--no-page` reopens it without a page.
#[test]
fn reopening_a_resolved_p1_says_it_pages_and_no_page_reopens_quietly() {
    let am = Server::alertmanager();
    let dir = world(&am.url, "");
    let dir = dir.path();
    for title in ["room down", "chat down"] {
        let out = sitrep(dir, &["declare", "--title", title, "--severity", "P1"]);
        assert!(out.status.success(), "{out:?}");
    }
    for id in ["1", "2"] {
        let out = sitrep(dir, &["resolve", id]);
        assert!(out.status.success(), "{out:?}");
    }
    assert!(pages(&am).is_empty(), "resolving ended the pages");
    let out = sitrep(dir, &["status", "1", "investigating"]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("reopening a P1 pages again through Alertmanager"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("paged through Alertmanager 'prod'"),
        "{out:?}"
    );
    assert_eq!(pages(&am).len(), 1);
    let out = sitrep(dir, &["status", "2", "investigating", "--no-page"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("reopened without paging"),
        "{out:?}"
    );
    let firing = pages(&am);
    assert_eq!(firing.len(), 1, "only #1 pages: {firing:?}");
    assert_eq!(firing[0]["labels"]["incident"], "1");
}

/// A one-off `--alertmanager URL` replaces the configured sources for that run,
/// and escalation follows it: a configured `[escalation] source` that names a
/// source the run does not have is no error (issue 24, item 16).
#[test]
fn a_one_off_source_replaces_the_configured_escalation_source() {
    let configured = Server::alertmanager();
    let one_off = Server::alertmanager();
    let dir = world(&configured.url, "\n[escalation]\nsource = \"prod\"\n");
    let dir = dir.path();
    let out = sitrep(dir, &["--alertmanager", &one_off.url, "alerts"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sitrep(
        dir,
        &[
            "--alertmanager",
            &one_off.url,
            "declare",
            "--title",
            "x",
            "--severity",
            "p1",
            "--comms-lead",
            "b",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(pages(&one_off).len(), 1);
    assert!(pages(&configured).is_empty());
}

/// The page's labels and its link back are the team's to set (issue 24, item 18);
/// sitrep's own labels are not, and a bad one is a config error that says which.
#[test]
fn the_page_carries_the_teams_labels_and_a_link_back() {
    let am = Server::alertmanager();
    let dir = world(
        &am.url,
        "\n[escalation]\nlabels = { severity = \"error\", team = \"sre\" }\ngenerator_url = \"https://wiki.example.com/incidents/{incident}\"\n",
    );
    let dir = dir.path();
    let out = sitrep(
        dir,
        &[
            "declare",
            "--title",
            "x",
            "--severity",
            "p1",
            "--comms-lead",
            "b",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let firing = pages(&am);
    assert_eq!(firing.len(), 1, "{firing:?}");
    assert_eq!(firing[0]["labels"]["severity"], "error");
    assert_eq!(firing[0]["labels"]["team"], "sre");
    assert_eq!(firing[0]["labels"]["incident"], "1");
    assert_eq!(
        firing[0]["generatorURL"],
        "https://wiki.example.com/incidents/1"
    );
    assert!(timeline(dir)
        .iter()
        .any(|t| t.contains("SitrepIncident severity=\"error\" for #1")));
    for (extra, says) in [
        ("labels = { incident = \"7\" }", "sitrep's own label"),
        ("labels = { \"1bad\" = \"x\" }", "not a label name"),
        ("labels = { team = \" \" }", "empty value"),
        ("generator_url = \"wiki/incidents\"", "http:// or https://"),
    ] {
        let bad = world(&am.url, &format!("\n[escalation]\n{extra}\n"));
        let out = sitrep(bad.path(), &["list"]);
        assert_eq!(out.status.code(), Some(2), "{extra}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{extra}: {err}");
    }
}
