//! The CLI end to end: every subcommand on a temporary database, with its text and
//! `--json` output, and every failure the foundation issue names — each with its exit
//! code, exactly one line on stderr, and nothing half-written.

use std::fs;
use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

struct Env {
    dir: TempDir,
    db: PathBuf,
    config: PathBuf,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sitrep.db");
        let config = dir.path().join("config.toml");
        fs::write(&config, "").unwrap();
        Self { dir, db, config }
    }

    /// The binary with a clean environment: no inherited SITREP_* and a private home.
    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("sitrep").unwrap();
        for (key, _) in std::env::vars() {
            if key.starts_with("SITREP_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("SITREP_DB", &self.db)
            .env("SITREP_CONFIG", &self.config)
            .env("SITREP_USER", "alice")
            .env("SITREP_TIME_DISPLAY", "utc")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"));
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        serde_json::from_str(&self.ok(&with_json)).unwrap()
    }

    /// Runs a command that must fail with `code` and returns its one-line error.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        error_line(&out, code, args)
    }

    fn declare(&self) -> i64 {
        let change = self.json(&[
            "declare",
            "--title",
            "Stream starts failing",
            "--severity",
            "P1",
            "--region",
            "eu-west",
            "--comms-lead",
            "carol",
        ]);
        change["incident"]["id"].as_i64().unwrap()
    }

    fn timeline_len(&self, id: i64) -> usize {
        self.json(&["show", &id.to_string()])["timeline"]
            .as_array()
            .unwrap()
            .len()
    }
}

fn error_line(out: &Output, code: i32, what: &(impl std::fmt::Debug + ?Sized)) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{what:?}: stderr {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{what:?}: one line expected, got:\n{stderr}"
    );
    assert!(stderr.starts_with("error:"), "{what:?}: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{what:?}: nothing on stdout on failure"
    );
    stderr
}

#[test]
fn declaring_records_the_template_and_opens_the_timeline() {
    let env = Env::new();
    let change = env.json(&[
        "declare",
        "--title",
        "Stream starts failing",
        "--severity",
        "p1",
        "--region",
        "eu-west",
        "--region",
        "us-east",
        "--cohort",
        "android",
        "--commander",
        "bob",
        "--comms-lead",
        "carol",
        "--trigger-time",
        "2026-01-01T03:00:00+01:00",
        "--alert",
        "fp-1",
    ]);
    let i = &change["incident"];
    assert_eq!(i["id"], 1);
    assert_eq!(i["severity"], "P1");
    assert_eq!(i["status"], "investigating");
    assert_eq!(i["commander"], "bob");
    assert_eq!(i["comms_lead"], "carol");
    assert_eq!(i["declared_by"], "alice");
    assert_eq!(i["regions"], serde_json::json!(["eu-west", "us-east"]));
    assert_eq!(i["cohorts"], serde_json::json!(["android"]));
    assert_eq!(i["trigger_time"], "2026-01-01T02:00:00Z");
    assert_eq!(i["linked_alerts"], serde_json::json!(["fp-1"]));
    let kinds: Vec<&str> = change["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["status", "role", "role"]);

    let text = env.ok(&["declare", "--title", "Chat slow", "--severity", "P2"]);
    assert_eq!(
        text,
        "declared incident 2: [P2] Chat slow (commander alice)\n"
    );
}

#[test]
fn a_p1_without_a_comms_lead_is_declared_with_a_warning() {
    let env = Env::new();
    let out = env.run(&["declare", "--title", "Auth down", "--severity", "P1"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warning: P1 incident 1 has no comms lead"),
        "{stderr}"
    );
    assert!(env.ok(&["show", "1"]).contains("P1 needs one"));
}

#[test]
fn log_appends_mitigation_comms_and_notes_with_millisecond_utc_times() {
    let env = Env::new();
    let id = env.declare();
    let entry = env.json(&[
        "log",
        &id.to_string(),
        "--kind",
        "mitigation",
        "rolled",
        "back",
        "room",
    ]);
    assert_eq!(entry["kind"], "mitigation");
    assert_eq!(entry["text"], "rolled back room");
    assert_eq!(entry["author"], "alice");
    let at = entry["at"].as_str().unwrap();
    assert!(
        at.ends_with('Z') && at.len() == "2026-11-24T03:00:00.123Z".len(),
        "{at}"
    );
    env.ok(&["log", &id.to_string(), "-k", "comms", "status page updated"]);
    let note = env.ok(&["log", &id.to_string(), "just a note"]);
    assert!(note.starts_with("logged note entry"), "{note}");
    let timeline = env.json(&["show", &id.to_string()])["timeline"].clone();
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(&kinds[kinds.len() - 3..], &["mitigation", "comms", "note"]);
}

#[test]
fn log_refuses_kinds_that_sitrep_writes_itself_and_blank_text() {
    let env = Env::new();
    let id = env.declare();
    let before = env.timeline_len(id);
    env.fails(&["log", "1", "--kind", "status", "resolved it"], 2);
    env.fails(&["log", "1", "--kind", "weird", "x"], 2);
    env.fails(&["log", "1", "   "], 2);
    assert_eq!(env.timeline_len(id), before);
}

#[test]
fn amend_keeps_every_revision_and_refuses_system_entries() {
    let env = Env::new();
    env.declare();
    let entry = env.json(&["log", "1", "-k", "mitigation", "rolled back to v42"]);
    let entry_id = entry["id"].to_string();
    let amended = env.json(&["amend", &entry_id, "rolled back to v41"]);
    assert_eq!(amended["text"], "rolled back to v41");
    let texts: Vec<&str> = amended["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["rolled back to v42", "rolled back to v41"]);
    let shown = env.ok(&["show", "1"]);
    assert!(shown.contains("rolled back to v41 (amended 1×)"), "{shown}");
    // Entry 1 is the declaration: a fact, not a typed entry.
    env.fails(&["amend", "1", "rewrite history"], 4);
    env.fails(&["amend", &entry_id, "rolled back to v41"], 4);
    env.fails(&["amend", "999", "x"], 3);
    env.fails(&["amend", "zero", "x"], 2);
}

#[test]
fn status_moves_are_recorded_and_illegal_ones_change_nothing() {
    let env = Env::new();
    let id = env.declare();
    let change = env.json(&["status", "1", "identified"]);
    assert_eq!(change["incident"]["status"], "identified");
    assert_eq!(
        change["entries"][0]["text"],
        "status: investigating → identified"
    );
    assert_eq!(
        env.ok(&["status", "1", "monitoring"]),
        "incident 1: status: identified → monitoring\n"
    );
    let before = env.timeline_len(id);
    let err = env.fails(&["status", "1", "monitoring"], 4);
    assert!(err.contains("already monitoring"), "{err}");
    env.ok(&["status", "1", "resolved"]);
    let err = env.fails(&["status", "1", "monitoring"], 4);
    assert!(err.contains("reopen"), "{err}");
    env.fails(&["status", "1", "fixed"], 2);
    assert_eq!(env.timeline_len(id), before + 1);
    let reopened = env.json(&["status", "1", "investigating"]);
    assert_eq!(
        reopened["entries"][0]["text"],
        "reopened: resolved → investigating"
    );
    assert_eq!(reopened["incident"]["resolved_at"], Value::Null);
}

#[test]
fn severity_changes_are_recorded_and_no_ops_refused() {
    let env = Env::new();
    env.declare();
    let change = env.json(&["severity", "1", "P2"]);
    assert_eq!(change["incident"]["severity"], "P2");
    assert_eq!(change["entries"][0]["kind"], "severity");
    env.fails(&["severity", "1", "P2"], 4);
    env.fails(&["severity", "1", "P0"], 2);
}

#[test]
fn assign_hands_over_roles_and_never_leaves_the_incident_without_a_commander() {
    let env = Env::new();
    env.declare();
    let change = env.json(&["assign", "1", "--commander", "bob", "--comms-lead", "dave"]);
    assert_eq!(change["incident"]["commander"], "bob");
    assert_eq!(change["incident"]["comms_lead"], "dave");
    let texts: Vec<&str> = change["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec!["commander: alice → bob", "comms lead: carol → dave"]
    );
    env.fails(&["assign", "1"], 2);
    env.fails(&["assign", "1", "--commander", "  "], 2);
    env.fails(&["assign", "1", "--commander", "bob"], 4);
    assert_eq!(env.json(&["show", "1"])["incident"]["commander"], "bob");
}

#[test]
fn edit_records_each_changed_field_and_refuses_bad_parts_whole() {
    let env = Env::new();
    let id = env.declare();
    let change = env.json(&[
        "edit",
        "1",
        "--title",
        "Stream starts fail in EU",
        "--add-region",
        "eu-central",
        "--remove-region",
        "eu-west",
        "--add-cohort",
        "ios",
        "--summary",
        "bad room release",
        "--root-cause",
        "release",
        "--release-related",
        "yes",
        "--rollback-performed",
        "true",
        "--link-alert",
        "fp-9",
    ]);
    let i = &change["incident"];
    assert_eq!(i["title"], "Stream starts fail in EU");
    assert_eq!(i["regions"], serde_json::json!(["eu-central"]));
    assert_eq!(i["cohorts"], serde_json::json!(["ios"]));
    assert_eq!(i["root_cause"], "release");
    assert_eq!(i["release_related"], true);
    assert_eq!(i["rollback_performed"], true);
    assert_eq!(i["linked_alerts"], serde_json::json!(["fp-9"]));
    assert!(change["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] == "note"));
    assert_eq!(change["entries"].as_array().unwrap().len(), 9);

    let before = env.json(&["show", "1"]);
    env.fails(&["edit", "1"], 2);
    env.fails(
        &["edit", "1", "--title", "new", "--remove-region", "ap-south"],
        4,
    );
    env.fails(&["edit", "1", "--root-cause", "gremlins"], 2);
    env.fails(&["edit", "1", "--release-related", "maybe"], 2);
    env.fails(&["edit", "1", "--trigger-time", "2999-01-01T00:00:00Z"], 2);
    env.fails(&["edit", "1", "--title", "Stream starts fail in EU"], 4);
    let after = env.json(&["show", "1"]);
    assert_eq!(before["incident"], after["incident"]);
    assert_eq!(
        env.timeline_len(id),
        before["timeline"].as_array().unwrap().len()
    );
}

#[test]
fn resolve_records_the_summary_and_the_times() {
    let env = Env::new();
    env.declare();
    let change = env.json(&["resolve", "1", "--summary", "rolled back room v42"]);
    assert_eq!(change["incident"]["status"], "resolved");
    assert_eq!(change["incident"]["summary"], "rolled back room v42");
    assert!(change["incident"]["resolved_at"].is_string());
    assert!(change["incident"]["mitigated_at"].is_string());
    let shown = env.json(&["show", "1"]);
    assert!(shown["times"]["time_to_resolve_s"].is_i64());
    env.fails(&["resolve", "1"], 4);
}

#[test]
fn list_shows_newest_first_and_open_only_on_request() {
    let env = Env::new();
    assert_eq!(
        env.ok(&["list"]),
        "no incidents (declare one with 'sitrep declare')\n"
    );
    env.declare();
    env.ok(&[
        "declare",
        "--title",
        "Chat slow",
        "--severity",
        "P2",
        "--drill",
    ]);
    env.ok(&["resolve", "1"]);
    let all = env.json(&["list"]);
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 1]);
    let open = env.json(&["list", "--open"]);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["drill"], true);
    let text = env.ok(&["list"]);
    assert!(text.starts_with("ID  SEV  STATUS"), "{text}");
    assert!(text.contains("[drill] Chat slow"), "{text}");
}

#[test]
fn show_prints_the_template_times_timeline_and_follow_ups() {
    let env = Env::new();
    env.declare();
    env.ok(&["log", "1", "-k", "comms", "posted to status page"]);
    env.ok(&[
        "followup", "add", "1", "--owner", "bob", "add", "a", "canary",
    ]);
    let text = env.ok(&["show", "1"]);
    for needle in [
        "incident 1: [P1] Stream starts failing",
        "commander   alice",
        "comms lead  carol",
        "regions     eu-west",
        "to declare",
        "timeline (5 entries)",
        "comms       alice: posted to status page",
        "follow-ups",
        "add a canary",
    ] {
        assert!(text.contains(needle), "missing '{needle}' in:\n{text}");
    }
    let json = env.json(&["show", "1"]);
    assert_eq!(json["follow_ups"][0]["owner"], "bob");
    assert!(json["times"]["time_to_declare_s"].is_i64());
    assert_eq!(json["times"]["time_to_mitigate_s"], Value::Null);
}

#[test]
fn follow_ups_are_added_completed_and_filtered() {
    let env = Env::new();
    env.declare();
    let added = env.json(&[
        "followup", "add", "1", "--owner", "bob", "--due", "+7d", "add", "canary",
    ]);
    assert_eq!(added["follow_up"]["title"], "add canary");
    assert_eq!(added["follow_up"]["state"], "open");
    assert_eq!(added["entry"]["kind"], "followup");
    env.ok(&[
        "followup",
        "add",
        "1",
        "--owner",
        "carol",
        "--due",
        "2099-01-01",
        "write runbook",
    ]);
    let done = env.json(&["followup", "done", "1"]);
    assert_eq!(done["follow_up"]["state"], "done");
    assert!(done["follow_up"]["done_at"].is_string());
    env.fails(&["followup", "done", "1"], 4);
    env.fails(&["followup", "done", "42"], 3);
    env.fails(&["followup", "done", "x"], 2);
    assert_eq!(env.json(&["followup", "list"]).as_array().unwrap().len(), 2);
    let open = env.json(&["followup", "list", "--open"]);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["owner"], "carol");
    let bobs = env.json(&["followup", "list", "--owner", "bob"]);
    assert_eq!(bobs.as_array().unwrap().len(), 1);
    assert_eq!(
        env.ok(&["followup", "list", "--owner", "zed"]),
        "no follow-ups match\n"
    );
    env.fails(
        &[
            "followup",
            "add",
            "1",
            "--owner",
            "bob",
            "--due",
            "2001-01-01",
            "late",
        ],
        2,
    );
    env.fails(
        &[
            "followup",
            "add",
            "1",
            "--owner",
            "bob",
            "--due",
            "2026-13-40",
            "bad",
        ],
        2,
    );
    env.fails(&["followup", "add", "9", "--owner", "bob", "orphan"], 3);
}

#[test]
fn wrong_ids_are_not_found_and_malformed_ids_are_usage_errors() {
    let env = Env::new();
    env.declare();
    for args in [
        &["log", "42", "text"][..],
        &["status", "42", "identified"],
        &["severity", "42", "P2"],
        &["assign", "42", "--commander", "bob"],
        &["edit", "42", "--title", "x"],
        &["resolve", "42"],
        &["show", "42"],
    ] {
        let err = env.fails(args, 3);
        assert!(err.contains("no incident '42'"), "{err}");
    }
    for bad in ["abc", "0", "-1", "1.5"] {
        env.fails(&["show", bad], 2);
    }
}

#[test]
fn bad_dates_are_usage_errors_that_say_what_works() {
    let env = Env::new();
    let err = env.fails(
        &[
            "declare",
            "--title",
            "t",
            "--severity",
            "P1",
            "--trigger-time",
            "yesterday",
        ],
        2,
    );
    assert!(
        err.contains("'yesterday'") && err.contains("RFC 3339"),
        "{err}"
    );
    env.fails(
        &[
            "declare",
            "--title",
            "t",
            "--severity",
            "P1",
            "--trigger-time",
            "2999-01-01T00:00:00Z",
        ],
        2,
    );
    assert!(!env.db.exists() || env.json(&["list"]).as_array().unwrap().is_empty());
}

#[test]
fn clap_usage_errors_are_one_line_too() {
    let env = Env::new();
    env.fails(&["declare", "--title", "t"], 2);
    env.fails(&["frobnicate"], 2);
    env.fails(&["list", "--no-such-flag"], 2);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let env = Env::new();
    fs::write(
        &env.db,
        b"this is not sqlite, it is a shopping list\n".repeat(200),
    )
    .unwrap();
    let before = fs::read(&env.db).unwrap();
    let err = env.fails(&["list"], 5);
    assert!(err.contains("not a sitrep database"), "{err}");
    assert_eq!(fs::read(&env.db).unwrap(), before);
}

/// The binary copied where user 'nobody' can run it, and a command running as nobody.
/// Root ignores file permissions, so permission tests must drop privileges.
fn as_nobody(env: &Env) -> impl Fn(&[&str]) -> Output + '_ {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(env.dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let binary = env.dir.path().join("sitrep-bin");
    fs::copy(assert_cmd::cargo::cargo_bin("sitrep"), &binary).unwrap();
    fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&env.config, fs::Permissions::from_mode(0o644)).unwrap();
    move |args: &[&str]| {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary)
            .args(args)
            .env("SITREP_DB", &env.db)
            .env("SITREP_CONFIG", &env.config)
            .env("SITREP_USER", "nobody")
            .env("HOME", env.dir.path())
            .output()
            .expect("setpriv (util-linux) is required: scripts/test installs it")
    }
}

#[test]
fn an_unreadable_database_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.declare();
    fs::set_permissions(&env.db, fs::Permissions::from_mode(0o000)).unwrap();
    let run = as_nobody(&env);
    let out = run(&["list"]);
    let err = error_line(&out, 5, &"unreadable");
    assert!(err.contains(&env.db.display().to_string()), "{err}");
}

#[test]
fn a_read_only_directory_is_a_clear_error_and_creates_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let locked_dir = env.dir.path().join("ro");
    fs::create_dir(&locked_dir).unwrap();
    fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o555)).unwrap();
    let db = locked_dir.join("sitrep.db");
    let run = as_nobody(&env);
    let out = {
        let mut args = vec!["--db", db.to_str().unwrap()];
        args.extend(["declare", "--title", "t", "--severity", "P2"]);
        run(&args)
    };
    let err = error_line(&out, 5, &"read-only dir");
    assert!(
        err.contains("cannot write database") && err.contains("read-only"),
        "{err}"
    );
    assert!(!db.exists());
}

#[test]
fn a_database_locked_by_another_writer_fails_after_the_busy_timeout_and_writes_nothing() {
    let env = Env::new();
    let id = env.declare();
    let holder = Connection::open(&env.db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; INSERT INTO followup (incident_id, title, owner, created_ms) VALUES (1, 'held', 'x', 0);").unwrap();
    let out = env
        .cmd()
        .env("SITREP_BUSY_TIMEOUT", "300ms")
        .args(["log", "1", "blocked"])
        .output()
        .unwrap();
    let err = error_line(&out, 5, &"locked");
    assert!(err.contains("locked"), "{err}");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    let before = env.timeline_len(id);
    env.ok(&["log", "1", "unblocked"]);
    assert_eq!(env.timeline_len(id), before + 1);
}

#[test]
fn a_missing_directory_for_an_explicit_db_is_a_clear_error() {
    let env = Env::new();
    let err = env.fails(&["--db", "/nonexistent/dir/sitrep.db", "list"], 5);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn config_file_then_env_then_flag_decide_the_user() {
    let env = Env::new();
    fs::write(&env.config, "user = \"from-file\"\n").unwrap();
    let mut cmd = env.cmd();
    cmd.env_remove("SITREP_USER");
    let out = cmd
        .args(["declare", "--title", "a", "--severity", "P2", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["incident"]["declared_by"], "from-file");
    let v = env.json(&["declare", "--title", "b", "--severity", "P2"]);
    assert_eq!(v["incident"]["declared_by"], "alice", "env beats file");
    let v = env.json(&[
        "--user",
        "flag-user",
        "declare",
        "--title",
        "c",
        "--severity",
        "P2",
    ]);
    assert_eq!(v["incident"]["declared_by"], "flag-user", "flag beats env");
}

#[test]
fn a_bad_config_names_the_file_and_line() {
    let env = Env::new();
    fs::write(&env.config, "user = \"bob\"\ncolour = \"red\"\n").unwrap();
    let err = env.fails(&["list"], 2);
    assert!(err.contains("line 2") && err.contains("colour"), "{err}");
    fs::write(&env.config, "p2_triage_window = \"soon\"\n").unwrap();
    let err = env.fails(&["list"], 2);
    assert!(err.contains("p2_triage_window"), "{err}");
    let err = env.fails(&["--config", "/nonexistent/config.toml", "list"], 2);
    assert!(err.contains("cannot read config"), "{err}");
}

#[test]
fn config_init_writes_an_example_once_and_path_says_where_things_live() {
    let env = Env::new();
    let file = env.dir.path().join("fresh/config.toml");
    let file_arg = file.to_str().unwrap();
    let out = env.ok(&["--config", file_arg, "config", "init"]);
    assert!(out.starts_with("wrote "), "{out}");
    assert!(fs::read_to_string(&file).unwrap().contains("# user = "));
    env.fails(&["--config", file_arg, "config", "init"], 4);
    env.ok(&["--config", file_arg, "config", "init", "--force"]);
    let paths = env.json(&["config", "path"]);
    assert_eq!(paths["database"], env.db.to_str().unwrap());
    assert_eq!(paths["config_file"], env.config.to_str().unwrap());
    assert!(paths["templates_dir"].is_string() && paths["log_dir"].is_string());
    assert!(env.ok(&["config", "path"]).contains("database"));
}

#[test]
fn escape_sequences_in_typed_text_are_shown_not_obeyed() {
    let env = Env::new();
    env.ok(&[
        "declare",
        "--title",
        "evil\x1b]0;pwned\x07 title",
        "--severity",
        "P2",
    ]);
    env.ok(&["log", "1", "clear\x1b[2J screen \u{202e}desrever"]);
    let text = env.ok(&["show", "1"]);
    assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202e}'));
    assert!(text.contains("evil␛]0;pwned␇ title"), "{text}");
    assert!(text.contains("clear␛[2J screen <U+202E>desrever"), "{text}");
    let json = env.ok(&["show", "1", "--json"]);
    assert!(!json.contains("\\u001b") && json.contains("␛[2J"));
}

#[test]
fn no_subcommand_without_a_terminal_prints_help() {
    let env = Env::new();
    let out = env.ok(&[]);
    assert!(out.contains("Usage:") && out.contains("declare"), "{out}");
}
