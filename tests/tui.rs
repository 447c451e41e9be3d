//! End to end: the real binary in a real terminal (tmux), driven by keys, checked
//! through the CLI afterwards. tmux must be installed (scripts/test installs it); a
//! missing tmux fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::backend::Server;
use common::tmux::Tmux;
use serde_json::Value;

fn cli(db: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .env("SITREP_DB", db)
        .env("SITREP_USER", "tester")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Where sitrep keeps the demo's own database under a test's home.
fn demo_database(dir: &Path) -> PathBuf {
    dir.join("data/sitrep/sitrep-demo.db")
}

#[test]
fn declare_log_and_resolve_in_the_tui_then_read_it_back_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    // The demo asked for with a database named: it must never write into that one.
    let named = dir.path().join("e2e.db");
    let db = demo_database(dir.path());
    let tmux = Tmux::start_with(dir.path(), &named, "SITREP_DEMO=1");
    tmux.wait_for("No open incidents");
    // The DEMO feed plays and the alerts pane has the keys.
    tmux.wait_for("DEMO");
    tmux.keys(&["Tab", "d"]);
    tmux.wait_for("Declare incident");
    tmux.text("Stream starts failing");
    tmux.keys(&["Tab", "Tab", "Tab"]); // severity stays P1; on to cohorts
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 investigating");

    // Declaring lands in the composer: what is typed is the log.
    tmux.text("rolled back room to v41");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved mitigation entry");
    tmux.keys(&["Tab"]); // mitigation → comms
    let screen = tmux.wait_for("a customer update");
    assert!(screen.contains("comms · a customer update"), "{screen}");
    tmux.text("status page: investigating stream failures");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved comms entry");
    // After one customer update the next line is an internal step again.
    let screen = tmux.wait_for("mitigation ▸");
    assert!(!screen.contains("a customer update"), "{screen}");
    tmux.text("/status resolved");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Change the status of #1 from investigating to resolved?");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 resolved");
    tmux.text("/export");
    tmux.keys(&["Enter"]);
    tmux.wait_for("postmortem draft written to");
    let exports = dir.path().join("data/sitrep/exports");
    let drafts: Vec<_> = std::fs::read_dir(&exports)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("postmortem-1-"))
        .collect();
    assert_eq!(
        drafts.len(),
        1,
        "one draft in the exports directory; screen:\n{}",
        tmux.screen()
    );
    let draft = std::fs::read_to_string(drafts[0].path()).unwrap();
    assert!(draft.contains("rolled back room to v41"), "{draft}");
    tmux.keys(&["Escape", "q"]);
    let screen = tmux.wait_for("EXIT=0");
    assert!(
        !screen.contains("Timeline"),
        "the alternate screen was left:\n{screen}"
    );

    // Nothing of the demo reached the database the user named.
    if named.exists() {
        assert_eq!(
            cli(&named, &["list"]),
            serde_json::json!([]),
            "the named database"
        );
    }
    assert!(
        drafts[0].path().starts_with(&exports),
        "the draft is not in the working directory"
    );
    let record = cli(&db, &["show", "1"]);
    assert_eq!(record["incident"]["status"], "resolved");
    assert_eq!(record["incident"]["commander"], "alice");
    let kinds_and_texts: Vec<(String, String)> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(kinds_and_texts.contains(&("mitigation".into(), "rolled back room to v41".into())));
    assert!(kinds_and_texts.contains(&(
        "comms".into(),
        "status page: investigating stream failures".into()
    )));
    assert!(kinds_and_texts.contains(&("status".into(), "status: investigating → resolved".into())));
}

/// Entries are stamped when Enter is pressed, not at the once-a-second tick: three
/// lines typed within a second get three times, in order, not one shared fraction.
#[test]
fn entries_are_stamped_when_enter_is_pressed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    cli(
        &db,
        &["declare", "--title", "Chat latency", "--severity", "P2"],
    );
    let tmux = Tmux::start(dir.path(), &db);
    tmux.wait_for("Chat latency");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("#1 P2 investigating");
    for (i, line) in ["first step", "second step", "third step"]
        .iter()
        .enumerate()
    {
        tmux.text(line);
        tmux.keys(&["Enter"]);
        tmux.wait_for(&format!("saved mitigation entry {}", i + 3));
        std::thread::sleep(std::time::Duration::from_millis(37 * (i as u64 + 1)));
    }
    let record = cli(&db, &["show", "1"]);
    let times: Vec<chrono::DateTime<chrono::Utc>> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["text"].as_str().is_some_and(|t| t.ends_with(" step")))
        .map(|e| serde_json::from_value(e["at"].clone()).unwrap())
        .collect();
    assert_eq!(times.len(), 3, "{record}");
    assert!(times.windows(2).all(|w| w[0] < w[1]), "in order: {times:?}");
    let fractions: std::collections::BTreeSet<u32> =
        times.iter().map(|t| t.timestamp_subsec_millis()).collect();
    assert!(fractions.len() > 1, "one shared tick fraction: {times:?}");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");
}

#[test]
fn a_second_process_writing_shows_up_on_screen_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // A database named and no source: the TUI shows that log, no demo.
    let db = dir.path().join("shared.db");
    cli(
        &db,
        &["declare", "--title", "Chat latency", "--severity", "P2"],
    );
    let tmux = Tmux::start(dir.path(), &db);
    tmux.wait_for("Chat latency");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("#1 P2 investigating");
    cli(
        &db,
        &[
            "log",
            "1",
            "--kind",
            "note",
            "bob is looking at the chat shards",
        ],
    );
    tmux.wait_for("bob is looking at the chat shards");
    cli(
        &db,
        &["declare", "--title", "Gifting errors", "--severity", "P1"],
    );
    tmux.keys(&["Escape", "Escape"]);
    tmux.wait_for("Gifting errors");
}

#[test]
fn sigterm_and_sighup_restore_the_terminal_and_keep_what_was_saved() {
    for signal in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("signal.db");
        cli(
            &db,
            &["declare", "--title", "Auth flapping", "--severity", "P1"],
        );
        let tmux = Tmux::start(dir.path(), &db);
        tmux.wait_for("Auth flapping");
        tmux.keys(&["Tab", "Enter"]);
        tmux.wait_for("#1 P1 investigating");
        tmux.keys(&["Tab", "Tab"]); // mitigation → comms → note
        tmux.text(&format!("noted before SIG{signal}"));
        tmux.keys(&["Enter"]);
        tmux.wait_for("saved note entry");
        let killed = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {}", tmux.pid())])
            .status()
            .unwrap();
        assert!(killed.success());
        let screen = tmux.wait_for("EXIT=0");
        assert!(
            !screen.contains("Timeline"),
            "SIG{signal}: the alternate screen was left:\n{screen}"
        );
        let record = cli(&db, &["show", "1"]);
        let texts = common::timeline_texts(&record);
        assert!(
            texts.contains(&format!("noted before SIG{signal}").as_str()),
            "{texts:?}"
        );
    }
}

/// Alertmanager keeps no alerts across a restart. A linked alert missing after its
/// source was down is not resolved; when it is posted again it fires again, once.
#[test]
fn a_restarted_alertmanager_is_not_a_resolution_and_the_alert_fires_again() {
    let mut am = Server::alertmanager();
    let alert = r#"[{"labels": {"alertname": "FirstFrameLatencyHigh", "severity": "critical", "service": "cdn-edge", "region": "us-east"},
                     "annotations": {"summary": "first frames slow"}}]"#;
    am.post_alerts(alert);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let tmux = common::tmux::Tmux::watching(dir.path(), "us", &am.url);
    tmux.wait_for("FirstFrameLatencyHigh");
    tmux.keys(&["d"]);
    tmux.wait_for("cdn-edge: first frames slow");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 investigating");

    // Down for longer than a poll: sitrep sees it fail, then an empty answer.
    am.restart_after(std::time::Duration::from_secs(3));
    tmux.wait_for("no longer reported");
    am.post_alerts(alert);
    tmux.wait_for("alert firing again: FirstFrameLatencyHigh");
    // A few more polls: nothing else is logged.
    std::thread::sleep(std::time::Duration::from_secs(3));
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");

    let record = cli(&db, &["show", "1"]);
    let alert_entries: Vec<&str> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "alert")
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(alert_entries.len(), 2, "{alert_entries:?}");
    assert!(
        alert_entries[0]
            .starts_with("alert no longer reported (its source was down): FirstFrameLatencyHigh"),
        "{alert_entries:?}"
    );
    assert!(
        alert_entries[1].starts_with("alert firing again: FirstFrameLatencyHigh"),
        "{alert_entries:?}"
    );
    assert!(
        alert_entries.iter().all(|e| !e.contains("resolved")),
        "{alert_entries:?}"
    );
}

/// With its Alertmanager down, a source's alerts are its last good answer: each row
/// says `stale` and for how long, in words (visible without colour), never
/// `firing`; once it answers again they are live again.
#[test]
fn a_down_sources_alerts_read_stale_on_every_row_until_it_answers() {
    let mut am = Server::alertmanager();
    am.post_alerts(
        r#"[{"labels": {"alertname": "RoomStartFail", "severity": "critical", "service": "room", "region": "eu-west"}}]"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let tmux = common::tmux::Tmux::watching(dir.path(), "eu", &am.url);
    let row = |screen: &str| {
        screen
            .lines()
            .find(|l| l.starts_with("│[") && l.contains("RoomStartFail"))
            .unwrap_or_default()
            .to_string()
    };
    let screen = tmux.wait_for("RoomStartFail");
    assert!(row(&screen).contains("firing"), "{screen}");
    let down = std::thread::spawn(move || {
        am.restart_after(std::time::Duration::from_secs(4));
        am
    });
    let screen = tmux.wait_for("stale ");
    assert!(row(&screen).contains("stale"), "{screen}");
    assert!(!row(&screen).contains("firing"), "{screen}");
    let am = down.join().unwrap();
    // Alertmanager keeps no alerts across a restart: posted again, live again.
    am.post_alerts(
        r#"[{"labels": {"alertname": "RoomStartFail", "severity": "critical", "service": "room", "region": "eu-west"}}]"#,
    );
    tmux.wait_for_gone("stale ");
    let screen = tmux.wait_for("firing");
    assert!(row(&screen).contains("firing"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

/// A source that cannot be read (its token variable is not set) shows as failing with
/// the reason; the TUI starts and the log works.
#[test]
fn the_tui_starts_with_a_source_whose_token_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"http://127.0.0.1:9\"]\ntoken_env = \"SITREP_TEST_NO_SUCH_VAR\"\n",
    )
    .unwrap();
    let tmux = Tmux::start_with(
        dir.path(),
        &db,
        &format!("SITREP_CONFIG='{}'", config.display()),
    );
    let screen = tmux.wait_for("prod FAILING");
    assert!(screen.contains("token_env"), "{screen}");
    assert!(screen.contains("no alert source has answered"), "{screen}");
    tmux.keys(&["Tab", "d"]);
    tmux.wait_for("Declare incident");
    tmux.text("room down");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 investigating");
    tmux.keys(&["Escape", "Escape", "q"]);
    tmux.wait_for("EXIT=0");
    assert_eq!(cli(&db, &["show", "1"])["incident"]["title"], "room down");
}

#[test]
fn declaring_from_a_real_alert_links_it_and_its_resolution_is_logged() {
    let am = Server::alertmanager();
    am.post_alerts(
        r#"[{"labels": {"alertname": "StreamStartBurn", "severity": "critical", "service": "room", "region": "eu-west"},
             "annotations": {"summary": "stream starts failing"}}]"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let tmux = common::tmux::Tmux::watching(dir.path(), "eu", &am.url);
    let screen = tmux.wait_for("StreamStartBurn");
    assert!(
        screen.contains("P1 alert firing with no incident"),
        "{screen}"
    );
    assert!(screen.contains("eu ok"), "{screen}");
    tmux.keys(&["d"]);
    tmux.wait_for("room: stream starts failing");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 investigating");

    // The alert ends in Alertmanager; the next poll sees it gone and logs it once.
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    am.post_alerts(&format!(
        r#"[{{"labels": {{"alertname": "StreamStartBurn", "severity": "critical", "service": "room", "region": "eu-west"}}, "endsAt": "{past}"}}]"#
    ));
    tmux.wait_for("alert resolved: StreamStartBurn");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");

    let record = cli(&db, &["show", "1"]);
    assert_eq!(record["incident"]["regions"][0], "eu-west");
    assert_eq!(
        record["incident"]["linked_alerts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        record["alerts"][0]["name"], "StreamStartBurn",
        "the alert's details are kept"
    );
    assert_eq!(record["alerts"][0]["service"], "room");
    let resolved: Vec<&Value> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "alert")
        .collect();
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(resolved[0]["author"], "sitrep");
}

#[test]
fn a_rehearsal_plays_the_demo_feed_and_records_drills_on_the_real_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    let tmux = Tmux::start_with(dir.path(), &db, "SITREP_REHEARSE=1");
    let screen = tmux.wait_for("DRILL");
    assert!(screen.contains("DEMO"), "{screen}");
    tmux.keys(&["Tab", "d"]);
    tmux.wait_for("Declare incident");
    tmux.text("rehearsal: room down");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 investigating");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");
    let record = cli(&db, &["show", "1"]);
    assert_eq!(record["incident"]["drill"], true);
    assert!(
        !demo_database(dir.path()).exists(),
        "a rehearsal writes to the real database only"
    );
}

/// sitrep started from a directory that has been deleted (a checkout removed under a
/// shell) starts anyway: nothing it does needs the working directory.
#[test]
fn the_tui_starts_in_a_deleted_directory() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("named.db");
    cli(
        &db,
        &["declare", "--title", "Chat latency", "--severity", "P2"],
    );
    let tmux = Tmux::start_with(dir.path(), &db, "mkdir gone && cd gone && rmdir ../gone &&");
    tmux.wait_for("Chat latency");
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

/// The newcomer's try that started the composer: declare from two alerts, type a
/// mitigation and a customer update the obvious way. Before, the `r` of "rolled"
/// resolved the incident and the `a` of "are" handed the commander role away.
#[test]
fn typing_the_obvious_way_logs_exactly_what_was_typed_and_changes_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_database(dir.path());
    // 2m30s into the demo's loop two P1s page, whatever the clock says (from the
    // top of the hour, the first 90 s of each 10-minute loop have none).
    let tmux = Tmux::start_with(
        dir.path(),
        &dir.path().join("named.db"),
        "SITREP_DEMO=1 SITREP_DEMO_AT=150s",
    );
    tmux.wait_for("DEMO");
    tmux.wait_for("P1  firing");
    tmux.keys(&["Space", "j", "Space", "d"]);
    tmux.wait_for("Declare incident");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P1 investigating");
    tmux.text("rolled back room to v41");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved mitigation entry");
    tmux.keys(&["Tab"]);
    tmux.text("We are investigating failed stream starts in Europe");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved comms entry");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");
    let record = cli(&db, &["show", "1"]);
    assert_eq!(record["incident"]["status"], "investigating");
    assert_eq!(record["incident"]["commander"], "alice");
    assert_eq!(record["incident"]["summary"], Value::Null);
    assert_eq!(
        record["incident"]["linked_alerts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let typed: Vec<(String, String)> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author"] == "alice" && (e["kind"] == "mitigation" || e["kind"] == "comms"))
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        typed,
        vec![
            (
                "mitigation".to_string(),
                "rolled back room to v41".to_string()
            ),
            (
                "comms".to_string(),
                "We are investigating failed stream starts in Europe".to_string()
            ),
        ]
    );
    let roles: Vec<&Value> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "role" || e["kind"] == "status")
        .collect();
    assert_eq!(
        roles.len(),
        2,
        "only the declaration's own entries: {roles:?}"
    );
}

/// A resolved incident is not gone: R lists it, it opens, takes a follow-up and
/// exports its postmortem.
#[test]
fn a_resolved_incident_opens_from_the_dashboard_takes_a_follow_up_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    cli(
        &db,
        &["declare", "--title", "Gifting errors", "--severity", "P2"],
    );
    cli(&db, &["resolve", "1", "--summary", "rolled back gifting"]);
    let tmux = Tmux::start(dir.path(), &db);
    tmux.wait_for("No open incidents");
    tmux.keys(&["R"]);
    tmux.wait_for("Resolved incidents (1)");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 P2 resolved");
    tmux.text("/followup @bob +7d add a canary for gifting");
    tmux.keys(&["Enter"]);
    // Saved, not merely typed: the typed line itself holds the title, and keys typed
    // while a write is saving are not taken.
    tmux.wait_for("follow-up #1 added");
    tmux.text("/export");
    tmux.keys(&["Enter"]);
    tmux.wait_for("postmortem draft written to");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");
    let record = cli(&db, &["show", "1"]);
    assert_eq!(record["follow_ups"][0]["owner"], "bob");
    assert_eq!(record["follow_ups"][0]["title"], "add a canary for gifting");
    assert_eq!(record["incident"]["status"], "resolved");
}

#[test]
fn a_follow_up_is_edited_and_cancelled_from_the_incident_view() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    cli(
        &db,
        &["declare", "--title", "Chat slow", "--severity", "P2"],
    );
    cli(
        &db,
        &["followup", "add", "1", "--owner", "bob", "shard", "chat"],
    );
    let tmux = Tmux::start(dir.path(), &db);
    tmux.wait_for("Chat slow");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 open · bob");
    tmux.text("/followup-edit 1 @carol +7d shard chat by room");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 open · carol");
    tmux.text("/followup-cancel 1 the new chat service replaces it");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Cancel follow-up #1");
    tmux.keys(&["Enter"]);
    tmux.wait_for("#1 cancelled · carol");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");
    let record = cli(&db, &["show", "1"]);
    let f = &record["follow_ups"][0];
    assert_eq!(f["state"], "cancelled");
    assert_eq!(f["owner"], "carol");
    assert_eq!(f["title"], "shard chat by room");
    assert_eq!(f["cancel_reason"], "the new chat service replaces it");
    let texts: Vec<&str> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.starts_with(
            "follow-up #1 edited: title 'shard chat' → 'shard chat by room', owner bob → carol"
        )),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("follow-up #1 cancelled")),
        "{texts:?}"
    );
}

fn timeline(db: &Path) -> Vec<String> {
    cli(db, &["show", "1"])["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn slash_run_streams_output_into_a_pane_logs_before_and_after_and_ctrl_c_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    cli(
        &db,
        &["declare", "--title", "Room down", "--severity", "P2"],
    );
    let tmux = Tmux::start(dir.path(), &db);
    tmux.wait_for("Room down");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("#1 P2 investigating");

    // Output on both streams and an exit code: the pane, then both entries.
    tmux.text(r#"/run sh -c 'for i in 1 2 3; do echo line $i; done; echo oops >&2; exit 3'"#);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Run `sh -c");
    assert!(
        !timeline(&db).iter().any(|t| t.starts_with("running:")),
        "nothing before Enter"
    );
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("sh exited 3 after");
    assert!(
        screen.contains("line 3") && screen.contains("oops"),
        "{screen}"
    );
    let texts = timeline(&db);
    let n = texts.len();
    assert_eq!(
        texts[n - 2],
        r#"running: sh -c 'for i in 1 2 3; do echo line $i; done; echo oops >&2; exit 3'"#
    );
    assert!(texts[n - 1].starts_with("sh exited 3 after "), "{texts:?}");
    for line in ["line 1", "line 3", "oops"] {
        assert!(texts[n - 1].contains(&format!("\n  {line}")), "{texts:?}");
    }
    // Esc closes the ended command's pane and stays in the incident.
    tmux.keys(&["Escape"]);
    tmux.wait_for("(NAV: type or Enter to write)");
    tmux.keys(&["Escape"]);
    tmux.wait_for_gone("· Esc closes");
    tmux.wait_for("#1 P2 investigating");

    // A long one: the log still takes entries while it runs, Ctrl-C stops it.
    tmux.keys(&["Enter"]);
    tmux.text("/run sh -c 'echo started; exec sleep 30'");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Run `sh -c");
    tmux.keys(&["Enter"]);
    tmux.wait_for("running · Ctrl-C stops it");
    tmux.wait_for("started");
    tmux.text("waiting on the rollback");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved mitigation entry");
    tmux.keys(&["C-c"]);
    tmux.wait_for("sh killed by SIGINT (2) after");
    let texts = timeline(&db);
    assert!(texts.contains(&"waiting on the rollback".to_string()));
    assert!(
        texts
            .last()
            .unwrap()
            .starts_with("sh killed by SIGINT (2) after"),
        "{texts:?}"
    );

    // A command that is not there.
    tmux.text("/run no-such-command-here --now");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("no-such-command-here could not start");

    // A flood of output: typing still shows at once, the pane keeps the last lines,
    // and the entry keeps the tail.
    let baseline = tmux.echo_time("before the flood");
    tmux.keys(&["C-u"]);
    tmux.wait_for_gone("before the flood");
    tmux.text("/run sh -c 'yes flood | head -n 2000000; echo flood-done'");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("running · Ctrl-C stops it — $ sh -c 'yes flood");
    let echo = tmux.echo_time("during the flood");
    eprintln!("echo: {baseline:?} before, {echo:?} while a /run command floods its pane");
    assert!(
        echo < std::time::Duration::from_secs(1),
        "echo took {echo:?} during the flood"
    );
    let screen = tmux.wait_for("sh exited 0 after");
    assert!(screen.contains("flood-done"), "{screen}");
    let last = timeline(&db).last().cloned().unwrap_or_default();
    assert!(
        last.starts_with("sh exited 0 after") && last.ends_with("  flood-done"),
        "{last}"
    );
    assert_eq!(
        last.matches("\n  flood").count(),
        20,
        "the last 20 lines: {last}"
    );
    tmux.keys(&["C-u"]);
    tmux.wait_for_gone("during the flood");

    // Quitting while one runs asks, then stops it and logs how it ended.
    tmux.text("/run sh -c 'echo up; exec sleep 60'");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("running · Ctrl-C stops it");
    tmux.keys(&["Escape"]);
    tmux.wait_for("(NAV: type or Enter to write)");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Open incidents");
    tmux.keys(&["q"]);
    tmux.wait_for("still running");
    tmux.keys(&["y"]);
    tmux.wait_for("EXIT=0");
    let texts = timeline(&db);
    assert_eq!(
        texts[texts.len() - 2],
        "running: sh -c 'echo up; exec sleep 60'"
    );
    assert!(
        texts
            .last()
            .unwrap()
            .starts_with("sh killed by SIGTERM (15) after"),
        "{texts:?}"
    );
}

/// Entry ids are on screen, NAV mode selects an entry and `m` starts `/amend ID `
/// on it (issue 24, item 3); at 80x24 and 160x48 the NAV footer keeps `e export`,
/// `c comms`, `?` and `Esc` (item 20).
#[test]
fn nav_mode_selects_an_entry_and_m_amends_it_at_80_and_160_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("amend.db");
    cli(
        &db,
        &["declare", "--title", "Chat down", "--severity", "p2"],
    );
    let first = cli(
        &db,
        &[
            "log",
            "1",
            "--kind",
            "mitigation",
            "rolled back chat to v41",
        ],
    );
    cli(&db, &["log", "1", "--kind", "note", "pods look fine"]);
    let first_id = first["id"].as_i64().unwrap();
    let tmux = Tmux::start(dir.path(), &db);
    tmux.resize(80, 24);
    tmux.wait_for("Chat down");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("#1 P2 investigating");
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for(" NAV ");
    let footer = screen.lines().rev().find(|l| l.contains(" NAV ")).unwrap();
    for key in ["e export", "c comms", "? all keys", "Esc back", "m amend #"] {
        assert!(footer.contains(key), "80 columns: {key} in {footer:?}");
    }
    assert!(
        screen.contains(&format!("#{first_id} mitigation")),
        "ids on screen: {screen}"
    );
    // Up selects the entry before the newest: the mitigation step.
    tmux.keys(&["Up"]);
    let screen = tmux.wait_for(&format!("m amend #{first_id}"));
    assert!(screen.contains(&format!("▶#{first_id}")), "{screen}");
    tmux.keys(&["m"]);
    tmux.wait_for(&format!("/amend {first_id} "));
    tmux.text("rolled back chat to v40");
    tmux.keys(&["Enter"]);
    tmux.wait_for("(amended)");
    let record = cli(&db, &["show", "1"]);
    let amended = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"].as_i64() == Some(first_id))
        .unwrap();
    assert_eq!(amended["text"], "rolled back chat to v40", "{record}");

    tmux.resize(160, 48);
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for(" NAV ");
    let footer = screen.lines().rev().find(|l| l.contains(" NAV ")).unwrap();
    for key in [
        "e export",
        "c comms",
        "? all keys",
        "Esc back",
        "s status",
        "r resolve",
    ] {
        assert!(footer.contains(key), "160 columns: {key} in {footer:?}");
    }
}

/// `R` lists the resolved incidents while the alerts pane has focus, as the
/// incidents pane says it does; declaring while they are listed shows the open
/// ones again, with the new incident (issue 24, item 8).
#[test]
fn r_from_the_alerts_pane_and_a_declaration_lists_the_open_incidents_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("named.db");
    let tmux = Tmux::start_with(dir.path(), &db, "SITREP_DEMO=1");
    tmux.wait_for("▸Alerts");
    tmux.keys(&["R"]);
    tmux.wait_for("Resolved incidents");
    tmux.keys(&["d"]);
    tmux.wait_for("Declare incident");
    tmux.keys(&["C-u"]);
    tmux.text("Chat is down");
    tmux.keys(&["Enter"]);
    tmux.wait_for("declared incident 1");
    tmux.keys(&["Escape", "Escape"]);
    let screen = tmux.wait_for("Open incidents");
    assert!(screen.contains("Chat is down"), "{screen}");
}
