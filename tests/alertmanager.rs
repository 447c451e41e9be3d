//! `sitrep alerts` and `sitrep sources` against a real Alertmanager (Debian's
//! prometheus-alertmanager) on loopback, and against servers that misbehave.

mod common;

use std::fs;
use std::process::Output;

use assert_cmd::Command;
use common::backend::{reply, scripted, Server};
use serde_json::Value;
use tempfile::TempDir;

struct Env {
    dir: TempDir,
}

impl Env {
    /// A config with the given `[[sources]]` tables.
    fn new(sources: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("config.toml"), sources).unwrap();
        Self { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::cargo_bin("sitrep").unwrap();
        for (key, _) in std::env::vars() {
            if key.starts_with("SITREP_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("SITREP_CONFIG", self.dir.path().join("config.toml"))
            .env("SITREP_DB", self.dir.path().join("sitrep.db"))
            .env("SITREP_USER", "tester")
            .args(args)
            .output()
            .unwrap()
    }

    fn alerts_json(&self, args: &[&str]) -> (Vec<Value>, String) {
        let mut all = vec!["alerts", "--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        let alerts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        (alerts, stderr)
    }
}

fn source(name: &str, url: &str, extra: &str) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\nkind = \"alertmanager\"\nurls = [\"{url}\"]\n{extra}\n"
    )
}

const ALERTS: &str = r#"[
  {"labels": {"alertname": "StreamStartBurn", "severity": "critical", "service": "room", "region": "eu-west", "slo": "stream-start-success"},
   "annotations": {"summary": "burning 14x", "runbook_url": "https://runbooks.example/room"},
   "generatorURL": "http://prometheus.example/graph"},
  {"labels": {"alertname": "ChatLatency", "sloth_severity": "ticket", "severity": "critical", "sloth_service": "chat", "region": "us-east"}},
  {"labels": {"alertname": "Info", "severity": "info", "service": "gifting"}}
]"#;

fn by_name<'a>(alerts: &'a [Value], name: &str) -> &'a Value {
    alerts
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {alerts:?}"))
}

#[test]
fn firing_alerts_are_read_with_mapped_severity_and_fields_p1_first() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let env = Env::new(&source("eu", &am.url, ""));
    let (alerts, stderr) = env.alerts_json(&[]);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts[0]["name"], "StreamStartBurn", "P1 first");
    let burn = by_name(&alerts, "StreamStartBurn");
    assert_eq!(burn["severity"], "P1");
    assert_eq!(burn["state"], "firing");
    assert_eq!(burn["source"], "eu");
    assert_eq!(burn["service"], "room");
    assert_eq!(burn["region"], "eu-west");
    assert_eq!(burn["slo"], "stream-start-success");
    assert_eq!(burn["summary"], "burning 14x");
    assert_eq!(burn["runbook_url"], "https://runbooks.example/room");
    assert_eq!(burn["generator_url"], "http://prometheus.example/graph");
    assert_eq!(burn["fingerprint"].as_str().unwrap().len(), 16);
    // Sloth's own severity label wins over the user-set one.
    assert_eq!(by_name(&alerts, "ChatLatency")["severity"], "P2");
    assert_eq!(by_name(&alerts, "ChatLatency")["service"], "chat");
    assert_eq!(by_name(&alerts, "Info")["severity"], Value::Null);

    let (p1, _) = env.alerts_json(&["--severity", "P1"]);
    assert_eq!(p1.len(), 1);
    let table = String::from_utf8(env.run(&["alerts"]).stdout).unwrap();
    assert!(table.starts_with("SEV  STATE   ALERT"), "{table}");
    assert!(table.contains("StreamStartBurn"), "{table}");
}

#[test]
fn a_one_off_alertmanager_flag_needs_no_config() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let env = Env::new("");
    let out = env.run(&["--alertmanager", &am.url, "alerts", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(alerts.len(), 3);
    // Nothing configured: the DEMO feed, said so on stderr.
    let demo = env.run(&["alerts", "--json"]);
    assert!(demo.status.success());
    assert!(String::from_utf8_lossy(&demo.stderr).contains("showing the built-in DEMO feed"));
    let alerts: Vec<Value> = serde_json::from_slice(&demo.stdout).unwrap();
    assert!(alerts.iter().all(|a| a["source"] == "DEMO"));
}

#[test]
fn silenced_alerts_show_as_silenced_and_ended_ones_are_gone() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    am.silence("alertname", "ChatLatency");
    let past = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    am.post_alerts(&format!(r#"[{{"labels": {{"alertname": "Info", "severity": "info", "service": "gifting"}}, "endsAt": "{past}"}}]"#));
    let env = Env::new(&source("eu", &am.url, ""));
    let (alerts, _) = env.alerts_json(&[]);
    let chat = by_name(&alerts, "ChatLatency");
    assert_eq!(chat["state"], "silenced");
    assert_eq!(chat["silenced_by"].as_array().unwrap().len(), 1);
    assert!(
        alerts.iter().all(|a| a["name"] != "Info"),
        "an ended alert vanishes: {alerts:?}"
    );
}

#[test]
fn label_filters_narrow_what_is_read() {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let env = Env::new(&source("eu", &am.url, "filters = ['service=\"room\"']"));
    let (alerts, _) = env.alerts_json(&[]);
    let names: Vec<&str> = alerts.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["StreamStartBurn"]);
}

#[test]
fn an_ha_pair_is_read_once_per_fingerprint_and_survives_a_member_down() {
    let (a, b) = (Server::alertmanager(), Server::alertmanager());
    a.post_alerts(ALERTS);
    b.post_alerts(ALERTS);
    let pair = |urls: &str| {
        format!("[[sources]]\nname = \"ha\"\nkind = \"alertmanager\"\nurls = [{urls}]\n")
    };
    let env = Env::new(&pair(&format!("\"{}\", \"{}\"", a.url, b.url)));
    let (alerts, stderr) = env.alerts_json(&[]);
    assert_eq!(alerts.len(), 3, "deduplicated by fingerprint");
    assert!(stderr.is_empty(), "{stderr}");
    let env = Env::new(&pair(&format!("\"{}\", \"http://127.0.0.1:9\"", a.url)));
    let (alerts, stderr) = env.alerts_json(&[]);
    assert_eq!(alerts.len(), 3);
    assert!(stderr.contains("member http://127.0.0.1:9"), "{stderr}");
}

#[test]
fn escape_sequences_in_labels_never_reach_the_terminal() {
    let am = Server::alertmanager();
    am.post_alerts(r#"[{"labels": {"alertname": "Evil\u001b[2J", "severity": "critical", "service": "x\u001b]0;pwned\u0007"}, "annotations": {"summary": "a\u009b31m\u202eb"}}]"#);
    let env = Env::new(&source("eu", &am.url, ""));
    let out = env.run(&["alerts"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}')
            && !text.contains('\u{7}')
            && !text.contains('\u{9b}')
            && !text.contains('\u{202e}')
    );
    assert!(
        text.contains("Evil␛[2J")
            && text.contains("x␛]0;pwned␇")
            && text.contains("a<U+009B>31m<U+202E>b"),
        "{text}"
    );
}

/// Each broken source beside a healthy one: a clear one-line warning naming the
/// source, the healthy one's alerts still printed, exit 0; alone, exit 6.
fn broken_source_case(url: &str, extra: &str, expected: &str) {
    let am = Server::alertmanager();
    am.post_alerts(ALERTS);
    let env = Env::new(&(source("broken", url, extra) + &source("good", &am.url, "")));
    let (alerts, stderr) = env.alerts_json(&[]);
    assert_eq!(alerts.len(), 3, "the good source still shows");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("warning: source 'broken'") && stderr.contains(expected),
        "expected '{expected}' in: {stderr}"
    );

    let alone = Env::new(&source("broken", url, extra));
    let out = alone.run(&["alerts"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(expected) && stderr.contains("every alert source failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
    let sources = alone.run(&["sources"]);
    assert_eq!(sources.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&sources.stdout).contains("FAILING"));
}

#[test]
fn connection_refused_is_a_clear_per_source_error() {
    broken_source_case("http://127.0.0.1:9", "", "Connection refused");
}

#[test]
fn a_server_that_never_answers_times_out() {
    broken_source_case(&scripted(None), "timeout = \"1s\"", "no answer within 1s");
}

#[test]
fn http_500_is_a_clear_per_source_error() {
    broken_source_case(
        &scripted(Some(reply("500 Internal Server Error", "{}"))),
        "",
        "HTTP 500",
    );
}

#[test]
fn http_401_says_to_check_the_credentials() {
    broken_source_case(
        &scripted(Some(reply("401 Unauthorized", ""))),
        "",
        "not authorized",
    );
}

#[test]
fn invalid_json_is_a_clear_per_source_error() {
    broken_source_case(
        &scripted(Some(reply("200 OK", "<html>oops"))),
        "",
        "invalid JSON",
    );
}

#[test]
fn json_of_the_wrong_shape_is_a_clear_per_source_error() {
    broken_source_case(
        &scripted(Some(reply("200 OK", r#"{"data": []}"#))),
        "",
        "expected a JSON array of alerts",
    );
}

#[test]
fn a_body_over_the_size_cap_is_refused() {
    let big = format!(
        "[{}]",
        vec![r#"{"fingerprint":"x","labels":{"alertname":"a"}}"#; 200].join(",")
    );
    broken_source_case(
        &scripted(Some(reply("200 OK", &big))),
        "max_response_bytes = 2048",
        "cap",
    );
}

#[test]
fn one_malformed_alert_among_good_ones_is_left_out_and_counted() {
    let body = r#"[{"fingerprint":"a1","labels":{"alertname":"Good","severity":"critical"}},{"labels":"not a map"},{"fingerprint":"b2","labels":{"alertname":"AlsoGood"}}]"#;
    let url = scripted(Some(reply("200 OK", body)));
    let env = Env::new(&source("odd", &url, ""));
    let (alerts, stderr) = env.alerts_json(&[]);
    let names: Vec<&str> = alerts.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Good", "AlsoGood"]);
    assert!(stderr.contains("1 malformed alert(s) left out"), "{stderr}");
}

#[test]
fn sources_reports_each_sources_health_and_unknown_names_are_refused() {
    let am = Server::alertmanager();
    let env = Env::new(&(source("good", &am.url, "") + &source("down", "http://127.0.0.1:9", "")));
    let out = env.run(&["sources", "--json"]);
    assert!(out.status.success());
    let health: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(health[0]["status"], "ok");
    assert_eq!(health[1]["status"], "failing");
    assert!(health[1]["error"]
        .as_str()
        .unwrap()
        .contains("Connection refused"));
    let out = env.run(&["alerts", "--source", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("configured: good, down"));
}

#[test]
fn bad_source_config_is_a_clear_error() {
    for (config, expected) in [
        ("[[sources]]\nname = \"x\"\nkind = \"alertmanager\"\nurls = []\n", "at least one URL"),
        ("[[sources]]\nname = \"x\"\nkind = \"alertmanager\"\nurls = [\"ftp://a\"]\n", "not http(s)"),
        ("[[sources]]\nname = \"x\"\nkind = \"nagios\"\nurls = [\"http://a\"]\n", "nagios"),
        (
            "[[sources]]\nname = \"x\"\nkind = \"alertmanager\"\nurls = [\"http://a\"]\n[[sources]]\nname = \"x\"\nkind = \"prometheus\"\nurls = [\"http://b\"]\n",
            "two sources are named 'x'",
        ),
    ] {
        let env = Env::new(config);
        let out = env.run(&["alerts"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{config}: {stderr}");
        assert!(stderr.contains(expected), "expected '{expected}': {stderr}");
        assert_eq!(stderr.lines().count(), 1);
    }
}

/// A source whose secret is missing (token variable not set) fails on its own: the
/// log works at 03:00 in a fresh shell, and the commands that read alerts say why.
#[test]
fn a_source_with_a_missing_token_never_blocks_the_log() {
    let env = Env::new(
        "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"http://127.0.0.1:9\"]\ntoken_env = \"SITREP_TEST_NO_SUCH_VAR\"\n",
    );
    for args in [
        &["declare", "--title", "room down", "--severity", "P2"][..],
        &["log", "1", "rolled back"],
        &["show", "1"],
        &["list"],
    ] {
        let out = env.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("prod") && !stderr.contains("SITREP_TEST"),
            "{args:?} says nothing about the source: {stderr}"
        );
    }
    let out = env.run(&["sources", "--json"]);
    let health: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(health[0]["status"], "failing");
    assert!(
        health[0]["error"]
            .as_str()
            .unwrap()
            .contains("environment variable 'SITREP_TEST_NO_SUCH_VAR' is not set"),
        "{health:?}"
    );
    let out = env.run(&["alerts"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SITREP_TEST_NO_SUCH_VAR"));
}

#[test]
fn a_bearer_token_from_an_env_var_is_sent_and_never_shown() {
    use common::backend::scripted_with;
    let url = scripted_with(|head| {
        Some(
            if head
                .to_ascii_lowercase()
                .contains("authorization: bearer s3cret-token")
            {
                reply(
                    "200 OK",
                    r#"[{"fingerprint":"a","labels":{"alertname":"Authorized"}}]"#,
                )
            } else {
                reply("401 Unauthorized", "")
            },
        )
    });
    let env = Env::new(&source("secure", &url, "token_env = \"SITREP_TEST_TOKEN\""));
    let mut cmd = Command::cargo_bin("sitrep").unwrap();
    let out = cmd
        .env("SITREP_CONFIG", env.dir.path().join("config.toml"))
        .env("SITREP_DB", env.dir.path().join("sitrep.db"))
        .env("SITREP_TEST_TOKEN", "s3cret-token\n")
        .args(["alerts", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(alerts[0]["name"], "Authorized");

    // Without it: refused, and the error says so without any secret in it.
    let out = env.run(&["alerts"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SITREP_TEST_TOKEN") && stderr.contains("not set"),
        "{stderr}"
    );
    let file = env.dir.path().join("token");
    fs::write(&file, "wrong-token\n").unwrap();
    let with_file = Env::new(&source(
        "secure",
        &url,
        &format!("token_file = \"{}\"", file.display()),
    ));
    let out = with_file.run(&["alerts"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6));
    assert!(
        stderr.contains("not authorized") && !stderr.contains("wrong-token"),
        "{stderr}"
    );
}

#[test]
fn basic_auth_sends_the_user_and_the_password_from_the_environment() {
    use common::backend::scripted_with;
    // base64("sitrep:pa55") = c2l0cmVwOnBhNTU=
    let url = scripted_with(|head| {
        Some(if head.contains("c2l0cmVwOnBhNTU=") {
            reply(
                "200 OK",
                r#"[{"fingerprint":"a","labels":{"alertname":"Basic"}}]"#,
            )
        } else {
            reply("401 Unauthorized", "")
        })
    });
    let env = Env::new(&source(
        "basic",
        &url,
        "basic_user = \"sitrep\"\npassword_env = \"SITREP_TEST_PASSWORD\"",
    ));
    let out = Command::cargo_bin("sitrep")
        .unwrap()
        .env("SITREP_CONFIG", env.dir.path().join("config.toml"))
        .env("SITREP_DB", env.dir.path().join("sitrep.db"))
        .env("SITREP_TEST_PASSWORD", "pa55")
        .args(["alerts", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(alerts[0]["name"], "Basic");
}

#[test]
fn tls_works_with_an_extra_ca_and_fails_clearly_without_it() {
    let (am, ca, _certs) = common::backend::alertmanager_tls();
    let trusted = Env::new(&source(
        "tls",
        &am.url,
        &format!("ca_file = \"{}\"", ca.display()),
    ));
    let out = trusted.run(&["sources", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let health: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(health[0]["status"], "ok", "{health:?}");

    let untrusted = Env::new(&source("tls", &am.url, ""));
    let out = untrusted.run(&["alerts"]);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        stderr.contains("certificate") || stderr.contains("unknownissuer"),
        "{stderr}"
    );
}

/// The fingerprint sitrep computes for an alert from Prometheus (which sends none)
/// is the one Alertmanager reports for the same labels, so one alert seen through
/// both sources is one alert.
#[test]
fn the_fingerprint_computed_from_labels_is_alertmanagers_own() {
    let am = Server::alertmanager();
    am.post_alerts(
        r#"[{"labels": {"alertname": "RoomStartFail", "service": "room", "region": "eu-west", "severity": "page"}},
            {"labels": {"alertname": "ChatSlow", "a": "", "z": "ünïcode ✓"}},
            {"labels": {"alertname": "X"}}]"#,
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let alerts: Vec<Value> = loop {
        let (_, body) =
            common::backend::http("GET", &format!("{}/api/v2/alerts", am.url), "").unwrap();
        let alerts: Vec<Value> = serde_json::from_str(&body).unwrap();
        if alerts.len() == 3 || std::time::Instant::now() > deadline {
            break alerts;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    for alert in alerts {
        let labels: std::collections::BTreeMap<String, String> =
            serde_json::from_value(alert["labels"].clone()).unwrap();
        assert_eq!(
            sitrep::domain::alert::label_fingerprint(&labels),
            alert["fingerprint"].as_str().unwrap(),
            "{labels:?}"
        );
    }
}

/// `declare --alert FP` looks the alert up as the TUI's declare does: its
/// service, region and start fill what was not given, and `show` names it; an
/// unknown fingerprint and an unreachable source are said, and the incident is
/// declared all the same (issue 24, item 14). `link` is the CLI's `/link`, with
/// prefixes as `alerts --wide` shows them (item 15).
#[test]
fn declare_looks_up_the_alert_and_link_links_and_unlinks() {
    let am = Server::alertmanager();
    am.post_alerts(
        r#"[{"labels": {"alertname": "RoomStartFail", "service": "room", "region": "eu-west", "severity": "critical"},
             "annotations": {"summary": "stream starts failing"},
             "startsAt": "2026-12-07T03:10:00Z"},
            {"labels": {"alertname": "ChatSlow", "service": "chat", "region": "us-east", "severity": "warning"}}]"#,
    );
    let env = Env::new(&source("prod", &am.url, ""));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let alerts = loop {
        let (alerts, _) = env.alerts_json(&[]);
        if alerts.len() == 2 || std::time::Instant::now() > deadline {
            break alerts;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let fp = |name: &str| {
        alerts.iter().find(|a| a["name"] == name).unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (room, chat) = (fp("RoomStartFail"), fp("ChatSlow"));
    let out = env.run(&[
        "declare",
        "--title",
        "Starts failing",
        "--severity",
        "p1",
        "--comms-lead",
        "b",
        "--alert",
        &room,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = env.run(&["show", "1", "--json"]);
    let doc: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let incident = &doc["incident"];
    assert_eq!(incident["services"], serde_json::json!(["room"]), "{doc}");
    assert_eq!(incident["regions"], serde_json::json!(["eu-west"]), "{doc}");
    assert_eq!(incident["trigger_time"], "2026-12-07T03:10:00Z", "{doc}");
    let text = String::from_utf8_lossy(&env.run(&["show", "1"]).stdout).into_owned();
    assert!(text.contains("RoomStartFail"), "{text}");

    // Linked by a prefix, as `alerts --wide` shows it; once, not twice.
    let out = env.run(&["link", "1", &chat[..8]]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let linked = |env: &Env| {
        let doc: Value = serde_json::from_slice(&env.run(&["show", "1", "--json"]).stdout).unwrap();
        doc["incident"]["linked_alerts"].clone()
    };
    assert_eq!(linked(&env), serde_json::json!([room, chat]));
    let again = env.run(&["link", "1", &chat]);
    assert_eq!(again.status.code(), Some(4), "{again:?}");
    // Unlinking what it does not link changes nothing and says so.
    let out = env.run(&["link", "1", "--unlink", "nope"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not link 'nope'"));
    let out = env.run(&["link", "1", "--unlink", &chat]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(linked(&env), serde_json::json!([room]));

    // An unknown fingerprint: said, and declared all the same.
    let out = env.run(&[
        "declare",
        "--title",
        "Other",
        "--severity",
        "p2",
        "--alert",
        "0123456789abcdef",
    ]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no source reports an alert with fingerprint '0123456789abcdef'"),
        "{out:?}"
    );
    // No source answering: said, and declared all the same.
    drop(am);
    let out = env.run(&[
        "declare",
        "--title",
        "Third",
        "--severity",
        "p2",
        "--alert",
        &room,
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot look up the alerts"), "{stderr}");
}

/// What a poller (the TUI, `sitrep watch`) reads: the answer parsed as it arrives,
/// over real HTTP, never held whole. Each way an answer can be wrong fails the poll
/// (the last alerts stay shown), and never as a set with alerts missing.
mod streamed {
    use super::*;
    use sitrep::domain::alert::LabelMapping;
    use sitrep::sources::http::HttpOptions;
    use sitrep::sources::{fetch_reusing, Previous, Snapshot, Source, SourceError, SourceKind};
    use std::sync::Arc;

    fn source(url: &str, max_bytes: usize) -> Source {
        Source {
            name: "am".into(),
            kind: SourceKind::Alertmanager,
            urls: vec![url.to_string()],
            filters: Vec::new(),
            http: HttpOptions {
                max_bytes,
                ..HttpOptions::default()
            },
            poll_interval: std::time::Duration::from_secs(2),
            warnings: Vec::new(),
            unusable: None,
        }
    }

    fn poll(source: &Source, previous: Arc<Previous>) -> Result<Snapshot, SourceError> {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(fetch_reusing(source, &LabelMapping::default(), previous))
    }

    /// An answer with no length, read until the server closes (as Alertmanager
    /// streams a large one).
    fn no_length(body: &[u8]) -> String {
        let mut answer =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                .to_vec();
        answer.extend_from_slice(body);
        scripted(Some(answer))
    }

    #[test]
    fn a_real_alertmanager_answer_parses_and_the_next_poll_reuses_each_alert() {
        let am = Server::alertmanager();
        am.post_alerts(
            r#"[{"labels":{"alertname":"RoomDown","severity":"critical","service":"room"},"annotations":{"summary":"room is down"}},
                {"labels":{"alertname":"ChatSlow","severity":"warning","service":"chat"}}]"#,
        );
        let source = source(&am.url, HttpOptions::default().max_bytes);
        let mut first = poll(&source, Arc::new(Previous::default())).unwrap();
        let mut names: Vec<&str> = first.alerts.iter().map(|a| a.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["ChatSlow", "RoomDown"]);
        let before = first.alerts.clone();
        let again = poll(&source, Arc::new(Previous::of(&mut first))).unwrap();
        assert_eq!(again.alerts.len(), 2);
        for alert in &again.alerts {
            assert!(
                before.iter().any(|b| Arc::ptr_eq(b, alert)),
                "{} parsed again",
                alert.name
            );
        }
    }

    #[test]
    fn each_broken_answer_fails_the_poll_with_its_reason() {
        let good = r#"{"fingerprint":"a1","labels":{"alertname":"Good"}}"#;
        let many = format!("[{}]", vec![good; 400].join(","));
        for (body, max, says) in [
            (many.as_bytes().to_vec(), 4096, "cap"),
            (
                br#"{"data": []}"#.to_vec(),
                1 << 20,
                "expected a JSON array of alerts, got an object",
            ),
            (format!("[{good},{good}").into_bytes(), 1 << 20, "EOF"),
            (
                format!("[{good}, nonsense]").into_bytes(),
                1 << 20,
                "invalid JSON",
            ),
            (b"<html>oops</html>".to_vec(), 1 << 20, "invalid JSON"),
        ] {
            let url = no_length(&body);
            let error = poll(&source(&url, max), Arc::new(Previous::default()))
                .expect_err(&String::from_utf8_lossy(&body[..body.len().min(60)]))
                .to_string();
            assert!(error.contains(says), "{says}: {error}");
        }
    }

    #[test]
    fn an_alert_with_invalid_utf8_is_left_out_and_counted_the_rest_kept() {
        let mut body = br#"[{"fingerprint":"a1","labels":{"alertname":"Good"}},{"fingerprint":"b2","labels":{"alertname":"Bad"#.to_vec();
        body.extend_from_slice(b"\xc3\x28");
        body.extend_from_slice(br#""}},{"fingerprint":"c3","labels":{"alertname":"AlsoGood"}}]"#);
        let snapshot = poll(
            &source(&no_length(&body), 1 << 20),
            Arc::new(Previous::default()),
        )
        .unwrap();
        let names: Vec<&str> = snapshot.alerts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Good", "AlsoGood"]);
        assert_eq!(snapshot.skipped, 1);
    }
}
