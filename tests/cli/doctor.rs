//! `sitrep doctor` against a healthy setup (real Alertmanager and Prometheus) and
//! against each broken part: exit 7 and exactly one FAIL line saying what to change.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::backend::{free_port, Server};
use crate::sandbox::{set_mode, Sandbox};

/// Constant Sloth-style series for one SLO in region eu, on every window it reads.
const RULES: &str = r#"groups:
  - name: constant-slo
    rules:
      - {record: "slo:sli_error:ratio_rate5m", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
      - {record: "slo:sli_error:ratio_rate30m", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
      - {record: "slo:sli_error:ratio_rate1h", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
      - {record: "slo:sli_error:ratio_rate2h", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
      - {record: "slo:sli_error:ratio_rate6h", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
      - {record: "slo:sli_error:ratio_rate1d", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
      - {record: "slo:sli_error:ratio_rate3d", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
      - {record: "slo:sli_error:ratio_rate30d", expr: "vector(0.001)", labels: {sloth_service: room, sloth_slo: stream-start-success, region: eu}}
"#;

/// The FAIL lines of a doctor run that must have failed with exit 7.
fn failures(sb: &Sandbox, env: &[(&str, &str)]) -> Vec<String> {
    let mut cmd = sb.cmd();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.arg("doctor").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(7), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stdout
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .map(str::to_string)
        .collect()
}

fn only_failure(sb: &Sandbox, env: &[(&str, &str)]) -> String {
    let failed = failures(sb, env);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    failed[0].clone()
}

#[test]
fn a_healthy_setup_passes_every_check() {
    let am = Server::alertmanager();
    am.post_alerts(r#"[{"labels": {"alertname": "StreamStartBurn", "severity": "critical"}}]"#);
    let prometheus = Server::prometheus(RULES);
    let sb = Sandbox::new();
    // A database with an incident in it (declared before the Alertmanager is
    // configured: a P1 would page through it).
    sb.declare("Stream starts failing");
    sb.write_config(&format!(
        "[[sources]]\nname = \"am\"\nkind = \"alertmanager\"\nurls = [\"{}\"]\n\n\
         [[sources]]\nname = \"prom\"\nkind = \"prometheus\"\nurls = [\"{}\"]\n\n\
         [[slos]]\nname = \"stream-start-success\"\nservice = \"room\"\nobjective = 99.5\n",
        am.url, prometheus.url
    ));
    // The rules need a first evaluation before the SLO has a series.
    let deadline = Instant::now() + Duration::from_secs(30);
    let out = loop {
        let out = sb.run(&["doctor"]);
        if out.status.success() || Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.lines().all(|l| l.starts_with("ok ")), "{text}");
    let line = |part: &str| -> String {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(part))
            .unwrap_or_else(|| panic!("no {part}: {text}"))
            .to_string()
    };
    assert!(
        line("config").contains("parsed: 2 alert source(s), 1 SLO(s)"),
        "{text}"
    );
    let db = line("database");
    assert!(
        db.contains("sqlite 3.") && db.contains("quick_check ok") && db.contains("writable"),
        "{db}"
    );
    assert!(text.contains("am: 1 alerts in "), "{text}");
    assert!(
        text.contains("stream-start-success: 1 series (eu)"),
        "{text}"
    );
    assert!(text.contains("postmortem.md: built-in"), "{text}");
    assert!(line("logs").ends_with("writable"), "{text}");

    let report = sb.json(&["doctor"]);
    assert_eq!(report["ok"], true);
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["outcome"] == "ok"), "{report:#}");
    let parts: Vec<&str> = checks.iter().filter_map(|c| c["part"].as_str()).collect();
    for part in ["config", "database", "source", "slo", "template", "logs"] {
        assert!(parts.contains(&part), "{part} missing: {parts:?}");
    }
}

#[test]
fn a_bad_config_key_is_named_and_the_rest_still_checked() {
    let sb = Sandbox::new();
    sb.write_config("user = \"alice\"\nbogus_key = 1\n");
    let failed = only_failure(&sb, &[]);
    assert!(
        failed.contains("unknown field `bogus_key`") && failed.contains("→ edit "),
        "{failed}"
    );
    let report: Value = serde_json::from_slice(&sb.run(&["doctor", "--json"]).stdout).unwrap();
    assert_eq!(report["ok"], false);
    let skipped: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 2, "sources and SLOs: {report:#}");
}

#[test]
fn an_unreachable_source_says_to_check_its_urls() {
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"http://127.0.0.1:{}\"]\n",
        free_port()
    ));
    let failed = only_failure(&sb, &[]);
    assert!(
        failed.contains("prod: cannot connect")
            && failed.contains("→ check the urls of [[sources]] 'prod'"),
        "{failed}"
    );
}

#[test]
fn a_refused_login_says_to_check_the_credentials_and_never_shows_them() {
    let am = Server::alertmanager_basic_auth();
    let sb = Sandbox::new();
    let wrong = am
        .url
        .replacen("http://", "http://admin:wrong-pw-SECRET@", 1);
    sb.write_config(&format!(
        "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"{wrong}\"]\n"
    ));
    let failed = only_failure(&sb, &[]);
    assert!(
        failed.contains("HTTP 401")
            && failed.contains("→ check the credentials of [[sources]] 'prod'"),
        "{failed}"
    );
    assert!(!failed.contains("SECRET"), "{failed}");
    // The right password passes.
    let right = am.url.replacen("http://", "http://admin:test@", 1);
    sb.write_config(&format!(
        "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"{right}\"]\n"
    ));
    let out = sb.run(&["doctor"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_broken_slo_query_says_to_fix_it() {
    let prometheus = Server::prometheus(RULES);
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "[[sources]]\nname = \"prom\"\nkind = \"prometheus\"\nurls = [\"{}\"]\n\n\
         [[slos]]\nname = \"broken\"\nservice = \"room\"\nobjective = 99.5\nquery = 'sum by (region) (rate(x[{{{{window}}}}])'\n",
        prometheus.url
    ));
    let failed = only_failure(&sb, &[]);
    assert!(
        failed.contains("broken: HTTP 400")
            && failed.contains("→ fix the query of [[slos]] 'broken'"),
        "{failed}"
    );
}

#[test]
fn a_broken_template_names_its_file_and_line() {
    let sb = Sandbox::new();
    let dir = sb.path("xdg-config/sitrep/templates");
    // The templates dir is beside the config file named by SITREP_CONFIG.
    let dir = sb
        .config
        .parent()
        .map(|p| p.join("templates"))
        .unwrap_or(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("postmortem.md"),
        "# ok\n{% if incident.title %}\nno end\n",
    )
    .unwrap();
    let failed = only_failure(&sb, &[]);
    assert!(
        failed.contains("postmortem.md")
            && failed.contains("line ")
            && failed.contains("or remove it to use the built-in"),
        "{failed}"
    );
}

#[test]
fn a_read_only_database_says_how_to_make_it_writable() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    set_mode(&sb.db, 0o644);
    // Logs where 'nobody' may write them, so the database is the one failure.
    let state = sb.path("state-for-nobody");
    std::fs::create_dir_all(&state).unwrap();
    set_mode(&state, 0o777);
    let out = sb
        .nobody()
        .env("XDG_STATE_HOME", &state)
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(7), "{stdout}");
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(failed.len(), 1, "{stdout}");
    assert!(
        failed[0].contains("database")
            && failed[0].contains("cannot be written")
            && failed[0].contains("→ make the file and its directory writable"),
        "{stdout}"
    );
}

#[test]
fn a_comms_channel_without_its_url_says_which_variable_and_never_posts() {
    let sb = Sandbox::new();
    let url_file = sb.path("slack-url");
    std::fs::write(&url_file, "http://127.0.0.1:9/services/XXSECRETXX\n").unwrap();
    set_mode(&url_file, 0o600);
    sb.write_config(&format!(
        "[[comms.channels]]\nname = \"#incidents\"\nurl_file = \"{}\"\n\n\
         [[comms.channels]]\nname = \"status page\"\nkind = \"webhook\"\nurl_env = \"SITREP_TEST_STATUS_URL\"\n",
        url_file.display()
    ));
    let failed = only_failure(&sb, &[]);
    assert!(failed.contains("status page"), "{failed}");
    assert!(
        failed.contains("environment variable 'SITREP_TEST_STATUS_URL' is not set"),
        "{failed}"
    );
    let out = sb
        .cmd()
        .env("SITREP_TEST_STATUS_URL", "http://127.0.0.1:9/XXSECRETXX")
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("#incidents"), "{stdout}");
    assert!(stdout.contains("URL set (not posted to"), "{stdout}");
    assert!(!stdout.contains("XXSECRETXX"), "{stdout}");
}

/// With no source, doctor says what the TUI will do: the demo only when no
/// database is named either; on a named (team) database it shows that log, with
/// no alerts, and doctor must not promise the demo (issue 24, item 9).
#[test]
fn with_no_source_doctor_says_what_the_tui_will_show() {
    let sb = Sandbox::new();
    sb.write_config("");
    let out = sb.run(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("the TUI shows this database's incidents and no alerts"),
        "{text}"
    );
    assert!(!text.contains("built-in demo"), "{text}");
    let out = sb
        .cmd()
        .env_remove("SITREP_DB")
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("the TUI plays the built-in demo"), "{text}");
}
