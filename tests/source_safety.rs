//! What a source's config or a backend's answer may carry that must never reach the
//! screen as it is: credentials in URLs, escape sequences in Prometheus' error text,
//! line breaks in label values, and token or CA files that are not what they claim.
//! Against a real Alertmanager where one is needed, and scripted servers for answers
//! no real server gives.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use assert_cmd::Command;
use common::backend::{reply, scripted, scripted_with, Server};
use tempfile::TempDir;

const SECRET: &str = "s3cretpw";

struct Env {
    dir: TempDir,
}

impl Env {
    fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("config.toml"), config).unwrap();
        Self { dir }
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::cargo_bin("sitrep").unwrap();
        for (key, _) in std::env::vars() {
            if key.starts_with("SITREP_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("SITREP_CONFIG", self.dir.path().join("config.toml"))
            .env("SITREP_DB", self.dir.path().join("sitrep.db"))
            .env("SITREP_USER", "tester")
            .envs(env.iter().copied())
            .args(args)
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn source(kind: &str, url: &str, extra: &str) -> String {
    format!("[[sources]]\nname = \"s\"\nkind = \"{kind}\"\nurls = [\"{url}\"]\n{extra}\n")
}

#[test]
fn credentials_in_source_urls_appear_in_no_output() {
    let am = Server::alertmanager();
    am.post_alerts(r#"[{"labels": {"alertname": "RoomDown", "severity": "critical"}}]"#);
    let port = am.url.rsplit(':').next().unwrap().to_string();
    let with_secret = format!("http://admin:{SECRET}@127.0.0.1:{port}");
    let dead = format!("http://admin:{SECRET}@127.0.0.1:1/am");
    let env = Env::new("");
    for args in [
        vec!["--alertmanager", &with_secret, "alerts", "--json"],
        vec!["--alertmanager", &with_secret, "sources"],
        vec!["--alertmanager", &with_secret, "sources", "--json"],
        // A member that fails: its URL is in the warning.
        vec!["--alertmanager", &format!("{with_secret},{dead}"), "alerts"],
        vec!["--alertmanager", &dead, "sources", "--json"],
    ] {
        let out = env.run(&args);
        let text = all_output(&out);
        assert!(!text.contains(SECRET), "{args:?}:\n{text}");
        assert!(text.contains("127.0.0.1"), "{args:?}:\n{text}");
    }
    // The env value is not printed by --help.
    let out = env.run_with(&["--help"], &[("SITREP_ALERTMANAGER", &with_secret)]);
    assert!(out.status.success());
    assert!(!all_output(&out).contains(SECRET));

    // Prometheus alerts carry the URL they were read from: without its credentials.
    let prom = scripted(Some(reply(
        "200 OK",
        r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"A","severity":"critical"},"annotations":{"runbook_url":"https://bob:hunter2@wiki/runbook"},"state":"firing","activeAt":"2026-11-18T11:00:00Z"}]}}"#,
    )));
    let prom_secret = prom.replacen("http://", &format!("http://u:{SECRET}@"), 1);
    let out = env.run(&["--prometheus", &prom_secret, "alerts", "--json"]);
    let text = all_output(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        !text.contains(SECRET) && !text.contains("hunter2"),
        "{text}"
    );
    assert!(text.contains("https://***@wiki/runbook"), "{text}");
}

#[test]
fn escape_sequences_in_prometheus_errors_never_reach_the_terminal() {
    let evil = r#"{"status":"error","errorType":"bad_data","error":"boom \u001b[2J\u001b]0;pwned\u0007 \u202e"}"#;
    for status in ["200 OK", "400 Bad Request", "422 Unprocessable Entity"] {
        let prom = scripted(Some(reply(status, evil)));
        let env = Env::new("");
        let out = env.run(&["--prometheus", &prom, "alerts"]);
        let text = all_output(&out);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
            "{status}: {text:?}"
        );
        assert!(text.contains("boom ␛[2J"), "{status}: {text}");
    }
    // `sitrep slo`: the query's error, a result type and a sample value, each evil.
    let answers = [
        evil.to_string(),
        r#"{"status":"success","data":{"resultType":"matrix\u001b[2J","result":[]}}"#.to_string(),
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"region":"eu"},"value":[1,"0.1\u001b[2J"]}]}}"#.to_string(),
    ];
    for answer in answers {
        let prom = scripted(Some(reply("200 OK", &answer)));
        let env = Env::new(&format!(
            "{}[[slos]]\nname = \"start\"\nservice = \"room\"\nobjective = 99.5\n",
            source("prometheus", &prom, "")
        ));
        let out = env.run(&["slo"]);
        let text = all_output(&out);
        assert!(!text.contains('\u{1b}'), "{answer}: {text:?}");
        assert!(text.contains('␛'), "{answer}: {text}");
    }
}

#[test]
fn a_label_value_with_a_line_break_cannot_fake_a_row() {
    let am = scripted(Some(reply(
        "200 OK",
        r#"[{"fingerprint":"a","labels":{"alertname":"Quiet","severity":"warning","region":"eu\nP1  firing    FakeOutage\r"}}]"#,
    )));
    let env = Env::new(&source("alertmanager", &am, ""));
    let out = env.run(&["alerts"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(text.lines().count(), 2, "a header and one alert:\n{text}");
    assert!(text.contains("eu␤P1"), "{text}");
}

#[test]
fn token_and_ca_files_that_are_not_what_they_claim_are_refused_or_warned_about() {
    let am = scripted_with(|head| {
        Some(if head.contains("Bearer tok3n") {
            reply("200 OK", "[]")
        } else {
            reply("401 Unauthorized", "")
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str, mode: u32| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path.display().to_string()
    };
    let open = file("open", "tok3n\n", 0o644);
    let env = Env::new(&source(
        "alertmanager",
        &am,
        &format!("token_file = \"{open}\""),
    ));
    let out = env.run(&["alerts"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("readable by others") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    assert!(!stderr.contains("tok3n"), "{stderr}");

    for (name, text, says) in [
        ("empty", "\n", "is empty"),
        ("two-lines", "tok3n\nsecond\n", "more than one line"),
        ("control", "tok\u{1b}3n", "control character"),
    ] {
        let path = file(name, text, 0o600);
        let env = Env::new(&source(
            "alertmanager",
            &am,
            &format!("token_file = \"{path}\""),
        ));
        // The source is unusable (exit 6, a source failure), and says why; commands
        // that do not read alerts are not affected (see tests/alertmanager.rs).
        let out = env.run(&["alerts"]);
        assert_eq!(out.status.code(), Some(6), "{name}: {}", all_output(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.lines().count() <= 2, "{stderr}");
        assert!(
            stderr.contains(says) && stderr.contains(&path),
            "{name}: {stderr}"
        );
        assert!(
            !stderr.contains("tok3n") && !stderr.contains('\u{1b}'),
            "{stderr}"
        );
    }

    let key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
    for (name, text, says) in [
        (
            "garbage.pem",
            "not a certificate at all",
            "holds no certificate",
        ),
        ("key.pem", key, "private key"),
    ] {
        let path = file(name, text, 0o644);
        let env = Env::new(&source(
            "alertmanager",
            &am,
            &format!("ca_file = \"{path}\""),
        ));
        let out = env.run(&["alerts"]);
        assert_eq!(out.status.code(), Some(6), "{name}: {}", all_output(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(says) && stderr.contains(&path),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn tls_failures_are_said_in_words() {
    let (am, ca, _certs) = common::backend::alertmanager_tls();
    // Trusting nothing extra: the server's CA is unknown.
    let env = Env::new(&source("alertmanager", &am.url, ""));
    let out = env.run(&["alerts"]);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not signed by a CA sitrep trusts"),
        "{stderr}"
    );
    assert!(!stderr.contains("Other("), "{stderr}");
    // The right CA, but the wrong host name (localhost is not in the certificate).
    let by_name = am.url.replace("127.0.0.1", "localhost");
    let env = Env::new(&source(
        "alertmanager",
        &by_name,
        &format!("ca_file = \"{}\"", ca.display()),
    ));
    let out = env.run(&["alerts"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not valid for this host name"), "{stderr}");
}
