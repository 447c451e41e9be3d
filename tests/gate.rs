//! `sitrep gate` against a real Prometheus whose Sloth-named recording rules hold
//! known error ratios per region, so every verdict is computed by hand: objective
//! 99.5% (budget 0.005). eu 0.0009 everywhere (82% left, ship); us 0.00451 over 30d
//! (9.8% left: hold); at 0.0045 over 30d (exactly 10%: ship); ap 0.08 over 5m and 1h
//! (16x: a page burn, hold); zz 1.5 over 30d (above 1: unknown); nt no traffic (NaN:
//! unknown). Plus a broken query, Prometheus down, an open P1, and policy errors
//! with their line.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::backend::{sitrep_on, Server};
use serde_json::Value;

fn rules() -> &'static str {
    let windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"];
    let ratio = |region: &str, window: &str| -> &'static str {
        match (region, window) {
            ("eu", _) => "vector(0.0009)",
            ("us", "30d") => "vector(0.00451)",
            ("at", "30d") => "vector(0.0045)",
            ("ap", "5m" | "1h") => "vector(0.08)",
            ("zz", "30d") => "vector(1.5)",
            ("nt", _) => "(vector(0) / vector(0))",
            _ => "vector(0.001)",
        }
    };
    let mut text =
        String::from("groups:\n  - name: sloth-slo-sli-recordings-room-stream-start\n    rules:\n");
    for w in windows {
        let expr: Vec<String> = ["eu", "us", "at", "ap", "zz", "nt"]
            .iter()
            .map(|r| {
                format!(
                    "label_replace({}, \\\"region\\\", \\\"{r}\\\", \\\"\\\", \\\"\\\")",
                    ratio(r, w)
                )
            })
            .collect();
        text.push_str(&format!(
            "      - {{record: \"slo:sli_error:ratio_rate{w}\", expr: \"{}\", labels: {{sloth_service: room, sloth_slo: stream-start}}}}\n",
            expr.join(" or ")
        ));
    }
    Box::leak(text.into_boxed_str())
}

const SLOS: &str = r#"
[[slos]]
name = "stream-start"
service = "room"
objective = 99.5

[[slos]]
name = "broken"
service = "chat"
objective = 99.9
query = 'rate(errors_total[{{window}}]'
"#;

fn world(prometheus: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[[sources]]\nname = \"prom\"\nkind = \"prometheus\"\nurls = [\"{prometheus}\"]\n{SLOS}\n{extra}"),
    )
    .unwrap();
    dir
}

fn sitrep(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = sitrep_on(&dir.join("sitrep.db"))
        .env("SITREP_CONFIG", dir.join("config.toml"))
        .env("SITREP_USER", "alice")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Waits until Prometheus has evaluated the rules once.
fn settle(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, out, _) = sitrep(
            dir,
            &["--json", "gate", "--slo", "stream-start", "--region", "eu"],
        );
        if serde_json::from_str::<Value>(&out)
            .is_ok_and(|v| v["slos"][0]["budget_remaining"].is_number())
        {
            return;
        }
        assert!(Instant::now() < deadline, "no figures after 30 s: {out}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn gate_verdicts_and_exit_codes_match_a_hand_computation() {
    let prometheus = Server::prometheus(rules());
    let dir = world(&prometheus.url, "");
    let dir = dir.path();
    settle(dir);
    let gate = |region: &str, extra: &[&str]| {
        let mut args = vec!["gate", "--slo", "stream-start", "--region", region];
        args.extend_from_slice(extra);
        sitrep(dir, &args)
    };
    let (code, out, err) = gate("eu", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("ship  stream-start in eu (budget left 82%, burn 1h 0.2x)"),
        "{out}"
    );
    assert!(out.ends_with("verdict: ship\n"), "{out}");
    let (code, out, _) = gate("us", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("HOLD  stream-start in us: budget: budget 9.8% < 10%"),
        "{out}"
    );
    // Exactly at the threshold ships; just below holds (us above).
    let (code, out, _) = gate("at", &[]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = gate("ap", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("HOLD  stream-start in ap: page-burn: page: 14.4x over 1h and 5m"),
        "{out}"
    );
    // A ratio above 1 and no traffic: unknown, held (fail closed) unless --fail-open.
    for region in ["zz", "nt"] {
        let (code, out, _) = gate(region, &[]);
        assert_eq!(code, 6, "{region}: {out}");
        assert!(
            out.contains(&format!("UNKNOWN  stream-start in {region}")),
            "{out}"
        );
        assert!(
            out.contains("verdict: HOLD (a figure could not be read"),
            "{out}"
        );
        let (code, out, _) = gate(region, &["--fail-open"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("verdict: ship (--fail-open"), "{out}");
    }
    let (_, out, _) = gate("zz", &[]);
    assert!(out.contains("above 1"), "{out}");
    let (_, out, _) = gate("nt", &[]);
    assert!(out.contains("no data over"), "{out}");
    // The whole SLO: a hold anywhere holds; the JSON has each region's verdict.
    let (code, out, _) = sitrep(dir, &["--json", "gate", "--service", "room"]);
    assert_eq!(code, 1, "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["verdict"], "hold");
    assert_eq!(doc["unknown"], true);
    let verdict = |region: &str| {
        doc["slos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["region"] == region)
            .unwrap_or_else(|| panic!("{region}: {out}"))["verdict"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let got: Vec<String> = ["eu", "us", "at", "ap", "zz", "nt"]
        .iter()
        .map(|r| verdict(r))
        .collect();
    assert_eq!(got, ["ship", "hold", "ship", "hold", "unknown", "unknown"]);
    let us = doc["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["region"] == "us")
        .unwrap();
    assert_eq!(us["reasons"][0]["rule"], "budget");
    // A broken query: unknown, exit 6, named.
    let (code, out, _) = sitrep(dir, &["gate", "--service", "chat"]);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains("UNKNOWN  broken: cannot read:"), "{out}");
    // An unknown SLO or service is refused, with the names there are.
    let (code, _, err) = sitrep(dir, &["gate", "--slo", "nope"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("stream-start (room)"), "{err}");
    // An open P1 on the service holds even a healthy region; resolving releases.
    let (code, _, err) = sitrep(
        dir,
        &[
            "declare",
            "--title",
            "Rooms down",
            "--severity",
            "P1",
            "--service",
            "room",
            "--comms-lead",
            "bob",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = gate("eu", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("open-p1: #1 is an open P1 on room"), "{out}");
    let (code, _, err) = sitrep(dir, &["resolve", "1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(gate("eu", &[]).0, 0);
    // `sitrep slo` shows each row's verdict.
    let (_, out, _) = sitrep(dir, &["slo"]);
    let us = out.lines().find(|l| l.contains(" us ")).unwrap();
    assert!(us.contains("HOLD: budget 9.8% < 10%"), "{out}");
    let eu = out.lines().find(|l| l.contains(" eu ")).unwrap();
    assert!(eu.trim_end().ends_with("ship"), "{out}");
}

#[test]
fn a_per_slo_policy_and_prometheus_down_and_bad_policies_are_said_with_their_line() {
    let prometheus = Server::prometheus(rules());
    // A stricter policy for this SLO: eu's 82% is below 85%.
    let dir = world(
        &prometheus.url,
        "[policy]\nhold_below = \"5%\"\n\n[policy.slo.stream-start]\nhold_below = \"85%\"\nhold_on = [\"ticket-burn\"]\n",
    );
    settle(dir.path());
    let (code, out, _) = sitrep(
        dir.path(),
        &["gate", "--slo", "stream-start", "--region", "eu"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("budget 82% < 85%"), "{out}");
    // The page burn in ap is not a rule of this SLO's policy: only its budget holds.
    let (code, out, _) = sitrep(
        dir.path(),
        &["gate", "--slo", "stream-start", "--region", "ap"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("budget 80% < 85%") && !out.contains("page-burn"),
        "{out}"
    );
    // Prometheus down: exit 6 fail closed, named.
    drop(prometheus);
    let (code, out, _) = sitrep(dir.path(), &["gate", "--slo", "stream-start"]);
    assert_eq!(code, 6, "{out}");
    assert!(
        out.contains("UNKNOWN  stream-start: cannot read: cannot connect"),
        "{out}"
    );
    let (code, out, _) = sitrep(
        dir.path(),
        &["gate", "--slo", "stream-start", "--fail-open"],
    );
    assert_eq!(code, 0, "{out}");
    // Bad policies: gate and doctor name the key and the line.
    for (policy, line, says) in [
        ("[policy]\nhold_on = [\"page-burns\"]\n", 18, "page-burns"),
        ("[policy]\nhold_below = \"150%\"\n", 18, "0% to 100%"),
        ("[policy]\nhold_below = \"10\"\n", 18, "percentage"),
        (
            "[policy.slo.stream-starts]\nhold_below = \"20%\"\n",
            17,
            "policy slo 'stream-starts' is not an [[slos]] name",
        ),
    ] {
        let bad = world("http://127.0.0.1:9", policy);
        let (code, _, err) = sitrep(bad.path(), &["gate"]);
        assert_eq!(code, 2, "{policy}: {err}");
        assert!(
            err.contains(&format!("line {line}")) && err.contains(says),
            "{policy}: {err}"
        );
        let (code, out, _) = sitrep(bad.path(), &["doctor"]);
        assert_ne!(code, 0);
        assert!(
            out.contains(&format!("line {line}")) && out.contains(says),
            "{policy}: {out}"
        );
    }
}

/// The SLO strip in the real TUI: each row's verdict, the 1h burn drawn, and the
/// drawing kept, marked stale, once Prometheus stops answering.
#[test]
fn the_tui_shows_verdicts_and_the_burn_and_keeps_it_stale_when_prometheus_goes() {
    let prometheus = Server::prometheus(rules());
    let dir = world(&prometheus.url, "");
    let dir = dir.path();
    settle(dir);
    let tmux = common::tmux::Tmux::start_with(
        dir,
        &dir.join("sitrep.db"),
        &format!("SITREP_CONFIG='{}'", dir.join("config.toml").display()),
    );
    tmux.resize(160, 40);
    let screen = tmux.wait_for(" 1h burn, 6h ");
    assert!(screen.contains("VERDICT"), "{screen}");
    let row = |screen: &str, region: &str| -> String {
        screen
            .lines()
            .find(|l| l.contains("stream-start") && l.contains(&format!(" {region} ")))
            .unwrap_or_else(|| panic!("{region}: {screen}"))
            .to_string()
    };
    let ap = row(&screen, "ap");
    assert!(ap.contains("HOLD: page: 14.4x over 1h and 5m"), "{ap}");
    // ap burns 16x: its newest bar is full height.
    let (_, burn) = ap
        .rsplit_once("││")
        .expect("the burn panel beside the table");
    assert!(burn.contains('█'), "{ap}");
    let us = row(&screen, "us");
    assert!(us.contains("HOLD: budget 9.8% < 10%"), "{us}");
    assert!(row(&screen, "eu").contains("ship"), "{screen}");
    drop(prometheus);
    // The next SLO read (every 30 s) fails: the drawing stays, marked stale.
    let deadline = Instant::now() + Duration::from_secs(45);
    let stale = loop {
        let screen = tmux.screen();
        if screen.contains("1h burn, 6h · stale") {
            break screen;
        }
        assert!(Instant::now() < deadline, "never marked stale: {screen}");
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(stale.contains('█'), "the last drawing is kept: {stale}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

/// The postmortem draws the burn over the incident as a Mermaid `xychart-beta`
/// block, with the numbers in a table; a Markdown reader sees one fenced `mermaid`
/// block and the document goes on unbroken after it.
#[test]
fn the_postmortem_charts_the_burn_over_the_incident_in_mermaid_with_a_table() {
    use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let prometheus = Server::prometheus(rules());
    let dir = world(&prometheus.url, "");
    let dir = dir.path();
    settle(dir);
    // Let the history hold a few evaluations.
    std::thread::sleep(Duration::from_secs(3));
    let (code, _, err) = sitrep(
        dir,
        &[
            "declare",
            "--title",
            "Rooms slow in ap",
            "--severity",
            "P2",
            "--service",
            "room",
            "--region",
            "ap",
            "--trigger-time",
            "10m ago",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, doc, err) = sitrep(dir, &["export", "1", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    let mut mermaid = Vec::new();
    let mut in_mermaid = false;
    let mut headings = Vec::new();
    let mut in_heading = false;
    let mut tables = 0;
    for event in Parser::new_ext(&doc, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                assert_eq!(&*lang, "mermaid");
                in_mermaid = true;
                mermaid.push(String::new());
            }
            Event::End(TagEnd::CodeBlock) => in_mermaid = false,
            Event::Text(t) if in_mermaid => mermaid.last_mut().unwrap().push_str(&t),
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => {
                in_heading = true;
                headings.push(String::new());
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Text(t) if in_heading => headings.last_mut().unwrap().push_str(&t),
            Event::Start(Tag::Table(_)) => tables += 1,
            _ => {}
        }
    }
    assert_eq!(mermaid.len(), 1, "one chart, for ap: {doc}");
    let chart = &mermaid[0];
    assert!(chart.starts_with("xychart-beta\n"), "{chart}");
    assert!(
        chart.contains("title \"stream-start in ap: 5m burn rate (x budget)\""),
        "{chart}"
    );
    let line = chart
        .lines()
        .find(|l| l.trim().starts_with("line ["))
        .expect("a line series");
    let x = chart
        .lines()
        .find(|l| l.trim().starts_with("x-axis ["))
        .expect("an x axis");
    assert_eq!(
        line.matches(',').count(),
        x.matches(',').count(),
        "as many values as times: {chart}"
    );
    // 16x in ap over 5m while Prometheus has data.
    assert!(line.contains("16"), "{line}");
    assert!(doc.contains("| Time (UTC) | Burn rate |"), "{doc}");
    assert!(doc.contains("| 16x |"), "{doc}");
    assert!(
        tables >= 2,
        "the budget table and the chart's numbers: {doc}"
    );
    assert!(
        headings.iter().any(|h| h == "Key times"),
        "the document goes on: {headings:?}"
    );
}

/// The review says how long the policy held releases, per SLO and region.
#[test]
fn the_review_says_how_long_releases_were_on_hold() {
    let prometheus = Server::prometheus(rules());
    let dir = world(&prometheus.url, "");
    let dir = dir.path();
    settle(dir);
    let (code, out, err) = sitrep(dir, &["--json", "review", "--since", "1h"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let holds = doc["release_holds"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"));
    let of = |region: &str| {
        holds
            .iter()
            .find(|h| h["slo"] == "stream-start" && h["region"] == region)
            .unwrap_or_else(|| panic!("{region}: {out}"))
            .clone()
    };
    // Prometheus has data for the last point only (it just started): 5 minutes known.
    let us = of("us");
    assert!(us["held_minutes"].as_i64().unwrap() >= 5, "{us}");
    assert_eq!(us["held_minutes"], us["known_minutes"], "{us}");
    assert_eq!(of("eu")["held_minutes"], 0);
    assert!(of("eu")["known_minutes"].as_i64().unwrap() >= 5);
    assert!(of("ap")["held_minutes"].as_i64().unwrap() >= 5, "page burn");
    assert_eq!(of("nt")["known_minutes"], 0, "no traffic: never known");
    let (_, md, _) = sitrep(dir, &["review", "--since", "1h"]);
    assert!(
        md.contains("Releases on hold by the error-budget policy"),
        "{md}"
    );
    assert!(md.contains("| stream-start | us |"), "{md}");
}
