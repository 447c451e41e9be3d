//! The review's alert quality, detection and response times against a real
//! Prometheus whose `ALERTS` history is backfilled with `promtool tsdb
//! create-blocks-from openmetrics` and whose rules API serves a rule file with known
//! defects; incidents on both database engines. Every expected figure is counted by
//! hand from the history written here.

mod common;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use common::backend::{free_port, Server};
use common::engine::{Db, Engine};
use serde_json::Value;
use sitrep::domain::alert::LinkedAlert;
use sitrep::domain::{Declaration, EntryKind, NewEntry, NewIncident, Severity, Status};

/// Minute-aligned OpenMetrics lines for `ALERTS`.
struct History {
    lines: Vec<(String, i64)>,
}

impl History {
    fn new() -> Self {
        Self { lines: Vec::new() }
    }

    /// `labels` firing for `minutes` samples from `start` (a whole minute).
    fn firing(&mut self, labels: &str, start: DateTime<Utc>, minutes: i64) {
        for m in 0..minutes {
            let t = start.timestamp() + m * 60;
            self.lines
                .push((format!("ALERTS{{alertstate=\"firing\",{labels}}} 1 {t}"), t));
        }
    }

    fn text(mut self) -> String {
        // One family, series together, oldest first.
        self.lines.sort_by(|a, b| {
            let series = |l: &str| l.split(' ').next().unwrap_or("").to_string();
            series(&a.0).cmp(&series(&b.0)).then(a.1.cmp(&b.1))
        });
        let mut text = String::from("# TYPE ALERTS gauge\n");
        for (line, _) in self.lines {
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str("# EOF\n");
        text
    }
}

/// A rule file with every defect once, and clean rules for what fires.
const RULES: &str = r#"groups:
- name: team
  interval: 1m
  rules:
  - alert: NoisyDisk
    expr: sitrep_test_never_exists > 0
    for: 5m
    labels: {severity: critical, team: sre, service: db}
    annotations: {runbook_url: "https://runbooks/disk"}
  - alert: FlappyQueue
    expr: sitrep_test_never_exists > 0
    for: 2m
    labels: {severity: warning, team: sre, service: queue}
    annotations: {runbook_url: "https://runbooks/queue"}
  - alert: RoomDown
    expr: sitrep_test_never_exists > 0
    for: 1m
    labels: {severity: critical, team: sre, service: room}
    annotations: {runbook_url: "https://runbooks/room"}
  - alert: TriggerHappy
    expr: sitrep_test_never_exists > 0
    labels: {severity: critical, team: sre, service: db}
    annotations: {runbook_url: "https://runbooks/th"}
  - alert: NoRunbook
    expr: sitrep_test_never_exists > 0
    for: 5m
    labels: {severity: critical, team: sre, service: db}
  - alert: NoOwner
    expr: sitrep_test_never_exists > 0
    for: 5m
    labels: {severity: critical, service: db}
    annotations: {runbook_url: "https://r"}
  - alert: NoSeverity
    expr: sitrep_test_never_exists > 0
    for: 5m
    labels: {team: sre, service: db}
    annotations: {runbook_url: "https://r"}
  - alert: NoService
    expr: sitrep_test_never_exists > 0
    for: 5m
    labels: {severity: critical, team: sre}
    annotations: {runbook_url: "https://r"}
  - alert: EverythingWrong
    expr: sitrep_test_never_exists > 0
    for: 10s
"#;

fn labels(name: &str, service: &str, severity: &str) -> String {
    format!("alertname=\"{name}\",service=\"{service}\",severity=\"{severity}\",team=\"sre\"")
}

fn weekend(t: DateTime<Utc>) -> bool {
    matches!(t.weekday(), Weekday::Sat | Weekday::Sun)
}

fn config(dir: &std::path::Path, prometheus: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join("review-config.toml");
    std::fs::write(
        &path,
        format!(
            "[[sources]]\nname = \"prom\"\nkind = \"prometheus\"\nurls = [\"{prometheus}\"]\n\n[review]\nzone = \"UTC\"\n{extra}"
        ),
    )
    .unwrap();
    path
}

fn sitrep(db: &Db, config: &std::path::Path, args: &[&str]) -> (Value, String) {
    let out = common::backend::sitrep_on(std::path::Path::new(&db.spec))
        .env("HOME", db.dir.path())
        .env("XDG_CONFIG_HOME", db.dir.path().join("config"))
        .env("SITREP_CONFIG", config)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        stderr,
    )
}

fn rule<'a>(alerts: &'a Value, name: &str) -> &'a Value {
    alerts["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {alerts:#}"))
}

fn to_fix(alerts: &Value, name: &str) -> Vec<String> {
    alerts["rules_to_fix"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == name))
        .map(|r| {
            r["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn linked(name: &str, service: &str, at: DateTime<Utc>) -> LinkedAlert {
    LinkedAlert {
        fingerprint: format!("fp-{name}"),
        name: name.into(),
        source: "prom".into(),
        service: Some(service.into()),
        region: None,
        summary: None,
        runbook_url: None,
        generator_url: None,
        starts_at: Some(at),
    }
}

fn prometheus_history_by_hand(engine: Engine) {
    let now = Utc::now();
    // The first whole UTC day inside the period, so every firing is in it.
    let day = (now - Duration::days(6))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        + Duration::days(1);
    let at = |d: i64, h: i64, m: i64| {
        day + Duration::days(d) + Duration::hours(h) + Duration::minutes(m)
    };
    let mut h = History::new();
    // NoisyDisk: four 10-minute firings, never linked. 03:00 and 23:00 are in sleep
    // hours and out of hours; 11:00 and 12:00 (next day) only on a weekend.
    for start in [at(0, 3, 0), at(0, 11, 0), at(0, 23, 0), at(1, 12, 0)] {
        h.firing(&labels("NoisyDisk", "db", "critical"), start, 10);
    }
    // FlappyQueue: five 2-minute firings at 10:00 on day 2, every 20 minutes; an
    // incident is declared from the first.
    for i in 0..5 {
        h.firing(
            &labels("FlappyQueue", "queue", "warning"),
            at(2, 10, 20 * i),
            2,
        );
    }
    // RoomDown: one 30-minute firing at 14:00 on day 3, an incident declared from it.
    h.firing(&labels("RoomDown", "room", "critical"), at(3, 14, 0), 30);
    // A firing that began before the period: its minutes count, it is no firing.
    let before = now - Duration::days(7) - Duration::minutes(30);
    let before = DateTime::from_timestamp(before.timestamp() / 60 * 60, 0).unwrap();
    h.firing(&labels("RoomDown", "room", "critical"), before, 40);
    let prometheus = Server::prometheus_with_history_and_rules(h.text(), RULES.to_string());

    let db = Db::with_history(engine);
    let mut store = db.open();
    let declare = |store: &mut sitrep::store::Store,
                   title: &str,
                   severity,
                   trigger: DateTime<Utc>,
                   declared: DateTime<Utc>,
                   alerts: Vec<LinkedAlert>| {
        let d = Declaration {
            title: title.into(),
            severity: Some(severity),
            trigger_time: Some(trigger),
            alerts,
            ..Declaration::default()
        };
        store
            .declare(NewIncident::declare(d, "alice", declared).unwrap())
            .unwrap()
            .incident
            .id
    };
    // #1 room: trigger 13:58, alert 14:00 (2m to detect), declared 14:05 (7m),
    // mitigation step 14:20 (22m), monitoring 14:25, resolved 14:40 (42m).
    let room = declare(
        &mut store,
        "room down",
        Severity::P1,
        at(3, 13, 58),
        at(3, 14, 5),
        vec![linked("RoomDown", "room", at(3, 14, 0))],
    );
    store
        .append_entry(
            room,
            &NewEntry::typed(
                EntryKind::Mitigation,
                "alice",
                "rolled back room to v41",
                at(3, 14, 20),
            )
            .unwrap(),
        )
        .unwrap();
    store
        .change_status(room, Status::Monitoring, "alice", at(3, 14, 25))
        .unwrap();
    store
        .change_status(room, Status::Resolved, "alice", at(3, 14, 40))
        .unwrap();
    // #2 queue: trigger 10:00, declared 10:10 (10m), monitoring 10:30 (30m, no
    // step), resolved 11:00 (60m).
    let queue = declare(
        &mut store,
        "queue slow",
        Severity::P2,
        at(2, 10, 0),
        at(2, 10, 10),
        vec![linked("FlappyQueue", "queue", at(2, 10, 0))],
    );
    store
        .change_status(queue, Status::Monitoring, "alice", at(2, 10, 30))
        .unwrap();
    store
        .change_status(queue, Status::Resolved, "alice", at(2, 11, 0))
        .unwrap();
    // #3 billing: no alert at all; trigger 09:00, declared 09:45 (45m), still open.
    declare(
        &mut store,
        "billing wrong",
        Severity::P2,
        at(4, 9, 0),
        at(4, 9, 45),
        Vec::new(),
    );
    drop(store);

    let cfg = config(db.dir.path(), &prometheus.url, "");
    let (r, _) = sitrep(&db, &cfg, &["--json", "review", "--since", "7d"]);
    let a = &r["alerts"];
    assert_eq!(a["history"]["used"], "prometheus", "{a:#}");
    assert_eq!(a["history"]["coverage"], 1.0, "{a:#}");

    let noisy = rule(a, "NoisyDisk");
    let weekend_hours = usize::from(weekend(at(0, 0, 0))) + usize::from(weekend(at(1, 0, 0)));
    assert_eq!(
        (
            noisy["firings"].as_u64(),
            noisy["minutes"].as_u64(),
            noisy["short"].as_u64(),
            noisy["linked"].as_u64()
        ),
        (Some(4), Some(40), Some(0), Some(0))
    );
    assert_eq!(noisy["sleep_hours"], 2);
    assert_eq!(
        noisy["out_of_hours"].as_u64(),
        Some(2 + weekend_hours as u64)
    );
    assert_eq!(noisy["flags"], serde_json::json!(["noise"]));
    assert!(noisy["steps"][0].as_str().unwrap().contains("delete"));

    let flappy = rule(a, "FlappyQueue");
    assert_eq!(
        (
            flappy["firings"].as_u64(),
            flappy["minutes"].as_u64(),
            flappy["short"].as_u64(),
            flappy["linked"].as_u64()
        ),
        (Some(5), Some(10), Some(5), Some(1))
    );
    assert_eq!(flappy["actionable_rate"], 0.2);
    assert_eq!(flappy["flags"], serde_json::json!(["flapping"]));

    let room_rule = rule(a, "RoomDown");
    // 30 minutes this week plus the 9 whole minutes (the period starts mid-minute)
    // of the 10 the firing that began before it had left.
    assert_eq!(
        (
            room_rule["firings"].as_u64(),
            room_rule["minutes"].as_u64(),
            room_rule["linked"].as_u64()
        ),
        (Some(1), Some(39), Some(1))
    );
    assert_eq!(room_rule["flags"], serde_json::json!([]));
    // Noisy ones first.
    assert_eq!(a["rules"][0]["name"], "NoisyDisk");
    assert_eq!(a["rules_fired"], 3);

    // Every defect of the rule file, each once.
    assert_eq!(to_fix(a, "TriggerHappy"), ["trigger_happy"]);
    assert_eq!(to_fix(a, "NoRunbook"), ["no_runbook"]);
    assert_eq!(to_fix(a, "NoOwner"), ["no_owner"]);
    assert_eq!(to_fix(a, "NoSeverity"), ["no_severity"]);
    assert_eq!(to_fix(a, "NoService"), ["no_service"]);
    assert_eq!(
        to_fix(a, "EverythingWrong"),
        [
            "trigger_happy",
            "no_runbook",
            "no_owner",
            "no_severity",
            "no_service"
        ]
    );
    assert_eq!(a["rules_to_fix"].as_array().unwrap().len(), 6, "{a:#}");

    // Detection: the billing incident was missed; room detected in 2 minutes.
    let d = &r["detection"];
    assert_eq!(d["missed"].as_array().unwrap().len(), 1);
    assert_eq!(d["missed"][0]["title"], "billing wrong");
    assert_eq!(d["missed"][0]["declare_minutes"], 45.0);
    let room_detect = d["detected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["title"] == "room down")
        .unwrap();
    assert_eq!(room_detect["detect_minutes"], 2.0);

    // Response times: each incident's own (three), and by severity.
    let resp = &r["response"];
    let own = |title: &str| {
        resp["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["title"] == title)
            .unwrap()
            .clone()
    };
    let room_times = own("room down");
    assert_eq!(
        (
            room_times["declare_minutes"].as_f64(),
            room_times["mitigate_minutes"].as_f64(),
            room_times["resolve_minutes"].as_f64()
        ),
        (Some(7.0), Some(22.0), Some(42.0))
    );
    assert_eq!(room_times["mitigated_by"], "first mitigation step");
    let queue_times = own("queue slow");
    assert_eq!(
        (
            queue_times["mitigate_minutes"].as_f64(),
            queue_times["mitigated_by"].as_str()
        ),
        (Some(30.0), Some("status monitoring"))
    );
    let p2 = resp["by_severity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["severity"] == "P2")
        .unwrap();
    // P2 declare times 10 and 45: nearest-rank median 10, p90 45; one resolved.
    assert_eq!(
        (
            p2["declare"]["median_minutes"].as_f64(),
            p2["declare"]["p90_minutes"].as_f64()
        ),
        (Some(10.0), Some(45.0))
    );
    assert_eq!(p2["resolve"]["incidents"], 1);

    // The incidents table, the trend's four periods, the drill due.
    assert_eq!(r["incident_table"].as_array().unwrap().len(), 3);
    assert_eq!(
        r["incident_table"][0]["linked_alerts"],
        serde_json::json!(["RoomDown"])
    );
    let trend = &r["trend"];
    assert_eq!(trend["periods"].as_array().unwrap().len(), 4);
    assert_eq!(trend["periods"][0]["firings"], 10);
    // The firing before the period is the previous period's.
    assert_eq!(trend["periods"][1]["firings"], 1);
    let line = |f: &str| {
        trend["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["figure"] == f)
            .unwrap()
            .clone()
    };
    assert_eq!(line("incidents")["direction"], "up");
    assert_eq!(line("incidents")["better"], false);
    assert_eq!(r["drill_cadence"]["due"], true);

    // The same figures in Markdown, and from `alerts quality`.
    let (md, _) = sitrep(&db, &cfg, &["review", "--since", "7d"]);
    let md = md.as_str().unwrap().to_string();
    assert!(
        md.contains("From Prometheus' own ALERTS history (prom)"),
        "{md}"
    );
    assert!(md.contains("| NoisyDisk | db | 4 | 40 |"), "{md}");
    assert!(md.contains("Alerting missed 1 incident(s)"), "{md}");
    assert!(md.contains("### Rules to fix"), "{md}");
    let (q, _) = sitrep(&db, &cfg, &["--json", "alerts", "quality", "--since", "7d"]);
    assert_eq!(rule(&q, "NoisyDisk")["firings"], 4);
}

#[test]
fn prometheus_history_counts_by_hand_on_sqlite() {
    prometheus_history_by_hand(Engine::Sqlite);
}

#[test]
fn prometheus_history_counts_by_hand_on_postgresql() {
    prometheus_history_by_hand(Engine::Postgres);
}

/// Prometheus unreachable, or with no rules of its own and no ALERTS: the review
/// still succeeds, says why, and uses sitrep's own history with its coverage.
#[test]
fn no_usable_prometheus_falls_back_to_sitreps_history() {
    let db = Db::new(Engine::Sqlite);
    let dead = format!("http://127.0.0.1:{}", free_port());
    let cfg = config(db.dir.path(), &dead, "");
    let (r, _) = sitrep(&db, &cfg, &["--json", "review"]);
    let h = &r["alerts"]["history"];
    assert_eq!(h["used"], "sitrep", "{h:#}");
    assert!(
        h["notes"][0].as_str().unwrap().contains("cannot be read"),
        "{h:#}"
    );
    assert_eq!(h["coverage"], 0.0);

    let empty = Server::prometheus_with_history("# TYPE up gauge\nup 1 1000\n# EOF\n".into());
    let cfg = config(db.dir.path(), &empty.url, "");
    let (r, _) = sitrep(&db, &cfg, &["--json", "alerts", "quality"]);
    assert_eq!(r["history"]["used"], "sitrep");
    assert!(
        r["history"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("no alerting rules of its own"),
        "{r:#}"
    );
    let (md, _) = sitrep(&db, &cfg, &["review"]);
    let md = md.as_str().unwrap();
    assert!(md.contains("None: no alert fired in the period."), "{md}");
    assert!(md.contains("None: no incidents in the period."), "{md}");
    assert!(md.contains("**A drill is due**"), "{md}");
    // No table without rows: every header row is followed by its rows.
    let lines: Vec<&str> = md.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("| --- ") {
            assert!(
                lines.get(i + 1).is_some_and(|n| n.starts_with('|')),
                "empty table at line {i}: {md}"
            );
        }
    }
}

/// Ten thousand alert series: the review finishes, lists the top 20, counts the rest.
#[test]
fn ten_thousand_alert_series_list_the_top_twenty_and_count_the_rest() {
    let now = Utc::now();
    let start =
        DateTime::from_timestamp((now - Duration::days(2)).timestamp() / 60 * 60, 0).unwrap();
    let mut h = History::new();
    for i in 0..10_000 {
        // Series 0..19 fire three times, the rest once: the first 20 lead.
        let times = if i < 20 { 3 } else { 1 };
        for n in 0..times {
            h.firing(
                &format!(
                    "alertname=\"Storm{i:05}\",service=\"s\",severity=\"critical\",team=\"sre\""
                ),
                start + Duration::minutes(n * 30 + (i % 7)),
                2,
            );
        }
    }
    let prometheus = Server::prometheus_with_history_and_rules(h.text(), String::new());
    let db = Db::new(Engine::Sqlite);
    let cfg = config(db.dir.path(), &prometheus.url, "");
    let (q, _) = sitrep(&db, &cfg, &["--json", "alerts", "quality", "--since", "7d"]);
    assert_eq!(q["history"]["used"], "prometheus", "{}", q["history"]);
    assert_eq!(q["rules_fired"], 10_000);
    assert_eq!(q["rules"].as_array().unwrap().len(), 20);
    assert_eq!(q["more"], 9_980);
    assert!(q["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["firings"] == 3));
}

/// Sloth's own example output (`examples/_gen/kubernetes-apiserver.yml`, its alert
/// and recording rules for the latency SLO): runbook, severity and service are
/// there, its owner is the `component` label of its recording rules, and its
/// multi-window burn-rate alerts need no `for:`. Nothing to flag.
#[test]
fn a_clean_sloth_rule_set_has_no_flags() {
    let sloth = include_str!("fixtures/sloth-kubernetes-apiserver.yml");
    let prometheus = Server::prometheus_with_history_and_rules(
        "# TYPE up gauge\nup 1 1000\n# EOF\n".into(),
        sloth.to_string(),
    );
    let db = Db::new(Engine::Sqlite);
    let cfg = config(
        db.dir.path(),
        &prometheus.url,
        "owner_label = \"component\"\n",
    );
    let (q, _) = sitrep(&db, &cfg, &["--json", "alerts", "quality"]);
    assert_eq!(q["history"]["used"], "prometheus", "{q:#}");
    assert!(q["rules_known"].as_u64().unwrap() >= 2, "{q:#}");
    assert_eq!(q["rules_to_fix"], serde_json::json!([]), "{q:#}");
    // The same rules with the runbook taken out are flagged, once per alert name.
    let stripped: String = sloth
        .lines()
        .filter(|l| !l.trim_start().starts_with("runbook:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let prometheus = Server::prometheus_with_history_and_rules(
        "# TYPE up gauge\nup 1 1000\n# EOF\n".into(),
        stripped,
    );
    let cfg = config(
        db.dir.path(),
        &prometheus.url,
        "owner_label = \"component\"\n",
    );
    let (q, _) = sitrep(&db, &cfg, &["--json", "alerts", "quality"]);
    let fix = q["rules_to_fix"].as_array().unwrap();
    assert_eq!(fix.len(), 1, "{q:#}");
    assert_eq!(fix[0]["flags"], serde_json::json!(["no_runbook"]));
}
