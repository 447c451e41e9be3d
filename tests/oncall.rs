//! Ownership and on-call against real parts: a schedule feed served on loopback
//! (answering, then failing every way a feed fails: 500, a hang, 1 GiB, garbage, a
//! redirect loop) with the kept copy used and its age said and the feed's URL never
//! printed; a real Alertmanager taking a team's page with the team's labels and
//! ending it on resolve; and the real TUI in tmux showing each alert's owner, `no
//! owner`, a gap in a schedule and "you are on call", with the review agreeing on
//! who owns nothing.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, Utc};
use common::backend::{http, sitrep_on, Server};
use common::tmux::Tmux;
use serde_json::Value;

const TOKEN: &str = "s3cretFEEDtoken42";

fn ics_time(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A PagerDuty-shaped feed: `(name, from, to)` per shift.
fn pagerduty(shifts: &[(&str, DateTime<Utc>, DateTime<Utc>)]) -> String {
    let mut s = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//PagerDuty Inc.//PagerDuty Schedule//EN\r\n",
    );
    for (i, (who, from, to)) in shifts.iter().enumerate() {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:shift-{i}\r\nDTSTART;VALUE=DATE-TIME:{}\r\nDTEND;VALUE=DATE-TIME:{}\r\nSUMMARY:On Call - {who} - Room Primary\r\nATTENDEE:mailto:{}@example.com\r\nEND:VEVENT\r\n",
            ics_time(*from),
            ics_time(*to),
            who.split(' ').next().unwrap_or(who).to_ascii_lowercase()
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

const OK: usize = 0;
const FAIL_500: usize = 1;
const HANG: usize = 2;
const HUGE: usize = 3;
const GARBAGE: usize = 4;
const REDIRECT: usize = 5;

/// A feed server whose answer the test switches.
fn feed_server(feed: String, mode: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let me = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (feed, mode, me) = (feed.clone(), mode.clone(), me.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = |status: &str, body: &str| {
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = match mode.load(Ordering::SeqCst) {
                    OK => stream.write_all(reply("200 OK", &feed).as_bytes()),
                    FAIL_500 => stream.write_all(reply("500 Internal Server Error", "oops").as_bytes()),
                    HANG => {
                        std::thread::sleep(Duration::from_secs(30));
                        Ok(())
                    }
                    HUGE => {
                        // 1 GiB, no length said: the reader must stop on its own.
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n\r\nBEGIN:VCALENDAR\r\n",
                        );
                        let chunk = vec![b'X'; 1 << 20];
                        for _ in 0..1024 {
                            if stream.write_all(&chunk).is_err() {
                                break;
                            }
                        }
                        Ok(())
                    }
                    GARBAGE => stream.write_all(reply("200 OK", "<html><body>Sign in to see this calendar</body></html>").as_bytes()),
                    _ => stream.write_all(
                        format!(
                            "HTTP/1.1 302 Found\r\nLocation: {me}/feeds/{TOKEN}.ics?again=1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        )
                        .as_bytes(),
                    ),
                };
            });
        }
    });
    base
}

fn sitrep(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = sitrep_on(&dir.join("sitrep.db"));
    cmd.env("SITREP_CONFIG", dir.join("config.toml"))
        .env("SITREP_USER", "alice")
        .env("SITREP_TIME_DISPLAY", "utc");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_feed_that_fails_any_way_uses_the_kept_copy_says_its_age_and_never_shows_its_url() {
    let now = Utc::now();
    let feed = pagerduty(&[
        ("Alice Doe", now - Span::days(1), now + Span::days(2)),
        ("Bob Roe", now + Span::days(2), now + Span::days(9)),
    ]);
    let mode = Arc::new(AtomicUsize::new(GARBAGE));
    let base = feed_server(feed, mode.clone());
    let url = format!("{base}/feeds/{TOKEN}.ics");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(
        dir.join("config.toml"),
        "[review]\nzone = \"UTC\"\n\n[[teams]]\nname = \"room\"\nservices = [\"room\"]\nical_url_env = \"ROOM_FEED\"\n",
    )
    .unwrap();
    let env = [("ROOM_FEED", url.as_str())];
    let clean = |out: &str, err: &str| {
        for text in [out, err] {
            assert!(!text.contains(TOKEN), "the feed's token was shown: {text}");
            assert!(
                !text.contains("/feeds/"),
                "the feed's URL was shown: {text}"
            );
        }
    };
    // Garbage and no copy yet: one line, with the reason.
    let (ok, out, err) = sitrep(dir, &env, &["oncall"]);
    assert!(ok, "{err}");
    clean(&out, &err);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("room (UTC): no schedule: not an iCalendar feed"),
        "{out}"
    );
    assert!(out.contains("no copy kept"), "{out}");
    // The feed answers: who is on call now, until when, and who is next.
    mode.store(OK, Ordering::SeqCst);
    let (ok, out, err) = sitrep(dir, &env, &["oncall", "room"]);
    assert!(ok, "{err}");
    clean(&out, &err);
    assert!(
        out.contains("room (UTC): Alice Doe <alice@example.com> until"),
        "{out}"
    );
    assert!(out.contains("next: Bob Roe <bob@example.com>"), "{out}");
    let kept = dir.join(".local/state/sitrep/oncall/room.ics");
    assert!(kept.exists(), "a copy is kept in the state dir");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!std::fs::read_to_string(&kept).unwrap().contains("Sign in"));
    // Every failure: bounded, the copy used, its age said.
    for (mode_now, why) in [
        (FAIL_500, "HTTP 500"),
        (HANG, "no answer within"),
        (HUGE, "larger than"),
        (GARBAGE, "not an iCalendar feed"),
        (REDIRECT, "redirect"),
    ] {
        mode.store(mode_now, Ordering::SeqCst);
        let started = Instant::now();
        let (ok, out, err) = sitrep(dir, &env, &["oncall", "--refresh"]);
        let took = started.elapsed();
        assert!(ok, "{err}");
        clean(&out, &err);
        assert!(took < Duration::from_secs(25), "{why}: took {took:?}");
        assert!(out.contains("Alice Doe"), "{why}: the copy is used: {out}");
        assert!(
            out.contains("feed unreadable (") && out.contains("using the copy from"),
            "{why}: {out}"
        );
        assert!(
            out.to_lowercase().contains(&why.to_lowercase()),
            "{why}: {out}"
        );
        let (_, json, _) = sitrep(dir, &env, &["--json", "oncall", "--refresh"]);
        let doc: Value = serde_json::from_str(&json).unwrap();
        assert!(doc["teams"][0]["copy_from"].is_string(), "{json}");
        assert_eq!(doc["teams"][0]["on_call"]["who"]["name"], "Alice Doe");
    }
    // The kept copy is still the good one.
    assert!(std::fs::read_to_string(&kept)
        .unwrap()
        .contains("Alice Doe"));
    // A page never waits on a hanging feed: with the copy an hour old, `page` uses it
    // at once (and then fails here only because there is no incident 1), where
    // `oncall` tries the feed first.
    assert!(std::process::Command::new("touch")
        .args(["-d", "1 hour ago"])
        .arg(&kept)
        .status()
        .unwrap()
        .success());
    mode.store(HANG, Ordering::SeqCst);
    let started = Instant::now();
    let (ok, _, err) = sitrep(dir, &env, &["page", "1", "room"]);
    assert!(!ok);
    assert!(err.contains("incident 1"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "page waited {:?}",
        started.elapsed()
    );
    clean("", &err);
    let started = Instant::now();
    let (_, out, _) = sitrep(dir, &env, &["oncall"]);
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "oncall tried the feed"
    );
    assert!(out.contains("using the copy from 1h"), "{out}");
}

fn alertmanager_config(am: &Server, teams: &str) -> String {
    format!(
        "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"{}\"]\npoll_interval = \"1s\"\n\n[review]\nzone = \"UTC\"\n\n{teams}",
        am.url
    )
}

/// The `SitrepIncident` alerts Alertmanager holds as firing.
fn pages(am: &Server) -> Vec<Value> {
    let (status, body) = http("GET", &format!("{}/api/v2/alerts?active=true", am.url), "").unwrap();
    assert_eq!(status, 200, "{body}");
    let all: Vec<Value> = serde_json::from_str(&body).unwrap();
    all.into_iter()
        .filter(|a| {
            a["labels"]["alertname"] == "SitrepIncident" && a["status"]["state"] == "active"
        })
        .collect()
}

#[test]
fn a_team_is_paged_with_its_labels_and_who_is_on_call_and_resolving_ends_it() {
    let am = Server::alertmanager();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let start = (Utc::now() - Span::days(3)).format("%Y-%m-%d %H:%M");
    std::fs::write(
        dir.join("config.toml"),
        alertmanager_config(
            &am,
            &format!(
                "[[teams]]\nname = \"room\"\nservices = [\"room\"]\nlabels = {{ team = \"room\", route = \"room-pager\" }}\nmembers = [\"dave\"]\nstart = \"{start}\"\nshift = \"7d\"\nzone = \"UTC\"\n\n[[teams]]\nname = \"billing\"\nservices = [\"billing\"]\nlabels = {{ team = \"billing\" }}\n"
            ),
        ),
    )
    .unwrap();
    let none: [(&str, &str); 0] = [];
    let (ok, _, err) = sitrep(
        dir,
        &none,
        &[
            "declare",
            "--title",
            "Rooms slow",
            "--severity",
            "P2",
            "--service",
            "room",
        ],
    );
    assert!(ok, "{err}");
    assert!(pages(&am).is_empty(), "a P2 pages nobody by itself");
    let (ok, out, err) = sitrep(dir, &none, &["page", "1", "room", "--why", "db is slow"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "paged team 'room' through Alertmanager 'prod' for #1 (on call: dave): db is slow"
        ),
        "{out}"
    );
    let firing = pages(&am);
    assert_eq!(firing.len(), 1, "{firing:?}");
    let labels = &firing[0]["labels"];
    assert_eq!(labels["sitrep_team"], "room");
    assert_eq!(labels["team"], "room");
    assert_eq!(labels["route"], "room-pager");
    assert_eq!(labels["incident"], "1");
    assert_eq!(firing[0]["annotations"]["description"], "db is slow");
    // A team with no schedule is paged all the same, and the timeline says nobody
    // is known to be on call.
    let (ok, out, err) = sitrep(dir, &none, &["page", "1", "billing"]);
    assert!(ok, "{err}");
    assert!(out.contains("nobody is on call for 'billing'"), "{out}");
    assert_eq!(pages(&am).len(), 2, "the room page stays");
    // Unknown team: refused, with the teams there are; nothing paged.
    let (ok, _, err) = sitrep(dir, &none, &["page", "1", "search"]);
    assert!(!ok);
    assert!(
        err.contains("no team 'search' (teams: room, billing)"),
        "{err}"
    );
    // A P1 for a service the team owns carries the team's labels.
    let (ok, _, err) = sitrep(
        dir,
        &none,
        &[
            "declare",
            "--title",
            "Rooms down",
            "--severity",
            "P1",
            "--service",
            "room",
        ],
    );
    assert!(ok, "{err}");
    let p1: Vec<Value> = pages(&am)
        .into_iter()
        .filter(|p| p["labels"]["incident"] == "2")
        .collect();
    assert_eq!(p1.len(), 1, "{p1:?}");
    assert_eq!(p1[0]["labels"]["team"], "room");
    assert!(p1[0]["labels"].get("sitrep_team").is_none());
    // Resolving #1 ends both of its team pages; #2's page stays.
    let (ok, _, err) = sitrep(dir, &none, &["resolve", "1"]);
    assert!(ok, "{err}");
    let left = pages(&am);
    assert!(
        left.iter().all(|p| p["labels"]["incident"] == "2"),
        "{left:?}"
    );
    assert_eq!(left.len(), 1);
    // Resolved: refused, nothing paged.
    let (ok, _, err) = sitrep(dir, &none, &["page", "1", "room"]);
    assert!(!ok);
    assert!(err.contains("is resolved"), "{err}");
}

#[test]
fn the_dashboard_shows_owners_no_owner_a_gap_and_your_shift_and_the_review_agrees() {
    let am = Server::alertmanager();
    let now = Utc::now();
    am.post_alerts(
        &serde_json::json!([
            {"labels": {"alertname": "RoomDown", "service": "room", "severity": "critical"}},
            {"labels": {"alertname": "SearchSlow", "service": "search", "severity": "critical"}},
            {"labels": {"alertname": "InvoiceLag", "service": "billing", "severity": "warning"}},
        ])
        .to_string(),
    );
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // room's feed has a gap now: bob's shift ended an hour ago, carol's starts in 2h.
    std::fs::write(
        dir.join("room.ics"),
        pagerduty(&[
            ("Bob Roe", now - Span::days(2), now - Span::hours(1)),
            ("Carol Loe", now + Span::hours(2), now + Span::days(5)),
        ]),
    )
    .unwrap();
    let start = (now - Span::days(1)).format("%Y-%m-%d %H:%M");
    std::fs::write(
        dir.join("config.toml"),
        alertmanager_config(
            &am,
            &format!(
                "[[teams]]\nname = \"room\"\nservices = [\"room\"]\nical_file = \"{}\"\n\n[[teams]]\nname = \"billing\"\nservices = [\"billing\"]\nmembers = [\"alice\", \"erin\"]\nstart = \"{start}\"\nshift = \"7d\"\nzone = \"UTC\"\n",
                dir.join("room.ics").display()
            ),
        ),
    )
    .unwrap();
    let tmux = Tmux::start_with(
        dir,
        &dir.join("sitrep.db"),
        &format!("SITREP_CONFIG='{}'", dir.join("config.toml").display()),
    );
    tmux.resize(160, 30);
    let screen = tmux.wait_for("SearchSlow");
    let screen = if screen.contains("billing: alice") {
        screen
    } else {
        tmux.wait_for("billing: alice")
    };
    assert!(screen.contains("OWNER"), "{screen}");
    assert!(screen.contains("⚠ no owner"), "{screen}");
    assert!(screen.contains("⚠ room: NOBODY on call"), "{screen}");
    assert!(
        screen.contains("you are on call for billing until"),
        "{screen}"
    );
    assert!(screen.contains("room: NOBODY on call"), "header: {screen}");
    let search_row = screen
        .lines()
        .find(|l| l.contains("SearchSlow") && !l.contains("alerts firing"))
        .unwrap();
    assert!(search_row.contains("no owner"), "{search_row}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
    // The review reads what the TUI recorded: the alert no team owns is flagged
    // "no owner", the owned ones are not.
    let none: [(&str, &str); 0] = [];
    let (ok, out, err) = sitrep(
        dir,
        &none,
        &["--json", "alerts", "quality", "--since", "1h"],
    );
    assert!(ok, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let rules = doc["rules"].as_array().unwrap();
    let flags = |name: &str| -> Vec<String> {
        rules
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {out}"))["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        flags("SearchSlow").contains(&"no_owner".to_string()),
        "{out}"
    );
    assert!(
        !flags("RoomDown").contains(&"no_owner".to_string()),
        "{out}"
    );
    assert!(
        !flags("InvoiceLag").contains(&"no_owner".to_string()),
        "{out}"
    );
    let room = rules.iter().find(|r| r["name"] == "RoomDown").unwrap();
    assert_eq!(room["team"], "room");
    // The handoff for billing: alice hands over to erin; the open incident of a
    // service billing owns, its follow-up due soon, and the shift's alerts with flags.
    let (ok, _, err) = sitrep(
        dir,
        &none,
        &[
            "declare",
            "--title",
            "Invoices late",
            "--severity",
            "P2",
            "--service",
            "billing",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = sitrep(
        dir,
        &none,
        &[
            "followup", "add", "1", "--owner", "erin", "--due", "+2d", "add", "a", "lag", "alert",
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = sitrep(dir, &none, &["handoff", "billing", "--since", "1h"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("# Handoff: billing — outgoing alice, incoming erin from"),
        "{out}"
    );
    assert!(out.contains("#1 P2 investigating Invoices late"), "{out}");
    assert!(out.contains("add a lag alert (owner erin, due"), "{out}");
    assert!(
        out.contains("Alerts during the shift (history: sitrep)"),
        "{out}"
    );
    let invoice = out
        .lines()
        .find(|l| l.contains("InvoiceLag"))
        .expect("InvoiceLag listed");
    assert!(invoice.contains("no runbook"), "{invoice}");
    assert!(
        !out.contains("RoomDown") && !out.contains("SearchSlow"),
        "only billing's: {out}"
    );
    let (ok, out, _) = sitrep(dir, &none, &["handoff", "room", "--since", "1h"]);
    assert!(ok);
    assert!(
        out.contains("outgoing NOBODY on call, incoming Carol Loe"),
        "{out}"
    );
    assert!(out.contains("RoomDown"), "{out}");
    // The review's on-call load: alice had billing's alert on her watch; room's fell
    // in its gap and is said, not given to anyone; SearchSlow is nobody's.
    let (ok, out, err) = sitrep(dir, &none, &["--json", "review", "--since", "1d"]);
    assert!(ok, "{err}");
    let review: Value = serde_json::from_str(&out).unwrap();
    let load = &review["oncall"];
    let alice = load["responders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["who"] == "alice")
        .unwrap_or_else(|| panic!("{load}"));
    assert_eq!(alice["team"], "billing");
    assert_eq!(alice["alerts"], 1, "{load}");
    assert_eq!(alice["incidents"], 1, "{load}");
    assert_eq!(
        alice["interruptions"], 0,
        "a warning interrupts nobody: {load}"
    );
    let room = load["unattributed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["team"] == "room")
        .unwrap_or_else(|| panic!("{load}"));
    assert_eq!(room["alerts"], 1);
    assert_eq!(room["why"], "gaps in the schedule");
    assert_eq!(load["unowned_alerts"], 1);
    let (ok, md, _) = sitrep(dir, &none, &["review", "--since", "1d"]);
    assert!(ok);
    assert!(md.contains("## On-call load"), "{md}");
    assert!(md.contains("| alice | billing |"), "{md}");
    assert!(md.contains("**room**: 1 alert(s)"), "{md}");
    // `oncall` says the gap loudly too.
    let (ok, out, _) = sitrep(dir, &none, &["oncall", "room"]);
    assert!(ok);
    assert!(out.contains("NOBODY on call until"), "{out}");
    assert!(out.contains("(a gap in the schedule)"), "{out}");
}
