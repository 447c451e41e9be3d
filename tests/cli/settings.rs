//! `config init`, `config path`, the config file and its precedence (file < environment
//! < flag), and `sitrep` with no subcommand.

use std::fs;

use serde_json::Value;

use crate::sandbox::{expect_error, set_mode, Sandbox};

#[test]
fn no_subcommand_without_a_terminal_prints_help_and_exits_0() {
    let sb = Sandbox::new();
    let out = sb.ok(&[]);
    assert!(out.contains("Usage: sitrep"), "{out}");
    for command in [
        "declare", "log", "amend", "status", "severity", "assign", "edit", "resolve", "list",
        "show", "followup", "config",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "help lists '{command}':\n{out}"
        );
    }
    assert!(!sb.db.exists(), "printing help opens no database");
    assert!(sb.ok(&["--help"]).contains("Usage: sitrep"));
    assert!(sb
        .ok(&["followup", "--help"])
        .contains("Usage: sitrep followup"));
    assert!(sb.ok(&["--version"]).starts_with("sitrep "));
}

#[test]
fn config_path_reports_the_files_in_use() {
    let sb = Sandbox::new();
    let paths = sb.json(&["config", "path"]);
    assert_eq!(paths["config_file"], sb.config.to_str().unwrap());
    assert_eq!(paths["database"], sb.db.to_str().unwrap());
    assert_eq!(
        paths["templates_dir"],
        sb.path("templates").to_str().unwrap(),
        "templates live beside the config"
    );
    assert!(paths["log_dir"].is_string());
    let text = sb.ok(&["config", "path"]);
    assert!(
        text.contains(&format!("config     {}", sb.config.display()))
            && text.contains(&format!("database   {}", sb.db.display())),
        "{text}"
    );
    assert!(!sb.db.exists(), "config path creates no database");

    // It works even when the config itself is broken, so a bad one can be found.
    sb.write_config("this is = = not toml");
    assert_eq!(
        sb.json(&["config", "path"])["config_file"],
        sb.config.to_str().unwrap()
    );
}

#[test]
fn config_init_writes_a_commented_example_that_loads() {
    let sb = Sandbox::new();
    let file = sb.path("fresh/dir/config.toml");
    let file_arg = file.to_str().unwrap();
    let out = sb.ok(&["--config", file_arg, "config", "init"]);
    assert_eq!(out, format!("wrote {}\n", file.display()));
    let example = fs::read_to_string(&file).unwrap();
    assert!(
        example.contains("# user = ") && example.contains("# busy_timeout = "),
        "{example}"
    );
    // The example is a valid config: a command that loads it works.
    assert_eq!(
        sb.ok(&["--config", file_arg, "list"]),
        "no incidents (declare one with 'sitrep declare')\n"
    );
    let written = sb.json(&[
        "--config",
        sb.path("second.toml").to_str().unwrap(),
        "config",
        "init",
    ]);
    assert_eq!(written["written"], sb.path("second.toml").to_str().unwrap());
}

#[test]
fn config_init_refuses_to_overwrite_without_force() {
    let sb = Sandbox::new();
    sb.write_config("user = \"mine\"\n");
    let err = sb.fails(&["config", "init"], 4);
    assert!(
        err.contains(&format!("'{}' already exists", sb.config.display()))
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&sb.config).unwrap(), "user = \"mine\"\n");

    sb.ok(&["config", "init", "--force"]);
    assert!(fs::read_to_string(&sb.config)
        .unwrap()
        .starts_with("# sitrep configuration."));
}

#[test]
fn a_config_file_with_an_unknown_key_exits_2_naming_the_file_and_line() {
    let sb = Sandbox::new();
    sb.write_config("user = \"bob\"\n\n# colours\ncolour = \"red\"\n");
    for args in [
        &["list"][..],
        &["declare", "--title", "t", "--severity", "P2"],
    ] {
        let err = sb.fails(args, 2);
        assert!(
            err.contains(&format!("config '{}' line 4", sb.config.display()))
                && err.contains("colour"),
            "{err}"
        );
    }
    assert!(!sb.db.exists(), "a bad config stops before the database");
}

#[test]
fn bad_config_values_and_a_missing_named_config_exit_2() {
    let sb = Sandbox::new();
    sb.write_config("p2_triage_window = \"soon\"\n");
    let err = sb.fails(&["list"], 2);
    assert!(
        err.contains("p2_triage_window") && err.contains("'soon'"),
        "{err}"
    );
    sb.write_config("time_display = \"mars\"\n");
    let err = sb.fails(&["list"], 2);
    assert!(err.contains("line 1"), "{err}");
    sb.write_config("");
    let err = sb.fails(&["--busy-timeout", "forever", "list"], 2);
    assert!(err.contains("busy_timeout"), "{err}");
    let err = sb.fails(&["--busy-timeout", "0s", "list"], 2);
    assert!(err.contains("more than 0"), "{err}");

    let missing = sb.path("nowhere/config.toml");
    let err = sb.fails(&["--config", missing.to_str().unwrap(), "list"], 2);
    assert!(
        err.contains(&format!("cannot read config '{}'", missing.display())),
        "{err}"
    );
    assert!(!sb.db.exists());
}

#[test]
fn the_user_comes_from_the_config_then_the_environment_then_the_flag() {
    let sb = Sandbox::new();
    sb.write_config("user = \"from-file\"\n");
    let id = sb.declare("Stream starts failing");
    assert_eq!(
        sb.show(id)["incident"]["declared_by"],
        "alice",
        "SITREP_USER beats the file"
    );

    let author_of_last_entry = || {
        sb.timeline(id)
            .last()
            .map(|e| e["author"].clone())
            .expect("an entry")
    };
    let out = sb
        .cmd()
        .env_remove("SITREP_USER")
        .args(["log", "1", "from the file"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(author_of_last_entry(), "from-file");

    let out = sb
        .cmd()
        .env("SITREP_USER", "from-env")
        .args(["log", "1", "from the environment"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(author_of_last_entry(), "from-env");

    let out = sb
        .cmd()
        .env("SITREP_USER", "from-env")
        .args(["--user", "from-flag", "log", "1", "from the flag"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(author_of_last_entry(), "from-flag");

    // $USER comes last of all.
    sb.write_config("");
    let out = sb
        .cmd()
        .env_remove("SITREP_USER")
        .env("USER", "from-login")
        .args(["log", "1", "from the login"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(author_of_last_entry(), "from-login");
}

#[test]
fn the_p2_triage_window_comes_from_the_config_then_the_environment_then_the_flag() {
    let sb = Sandbox::new();
    sb.ok(&["declare", "--title", "Chat slow", "--severity", "P2"]);
    let remaining = |window_env: Option<&str>, flag: Option<&str>| -> i64 {
        let mut cmd = sb.cmd();
        if let Some(window) = window_env {
            cmd.env("SITREP_P2_TRIAGE_WINDOW", window);
        }
        if let Some(window) = flag {
            cmd.args(["--p2-triage-window", window]);
        }
        let out = cmd.args(["show", "1", "--json"]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
        shown["times"]["triage_remaining_s"].as_i64().unwrap()
    };
    // Each window minus the seconds since declaring; a minute's slack is plenty.
    let near = |seconds: i64, window: i64| (window - 60..=window).contains(&seconds);
    assert!(near(remaining(None, None), 30 * 60), "default 30m");
    sb.write_config("p2_triage_window = \"10m\"\n");
    assert!(near(remaining(None, None), 10 * 60), "file");
    assert!(
        near(remaining(Some("20m"), None), 20 * 60),
        "env beats file"
    );
    assert!(
        near(remaining(Some("20m"), Some("1h")), 60 * 60),
        "flag beats env"
    );
}

#[test]
fn without_user_or_logname_a_write_is_signed_with_the_account_name() {
    // Containers, cron and systemd units often have no $USER: the account of the
    // process is the name (as root here, 'root'; as 'nobody', 'nobody').
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .env_remove("SITREP_USER")
        .args(["declare", "--title", "t", "--severity", "P2", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let declared: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(declared["incident"]["commander"], expected.trim());
    assert_eq!(declared["written"][0]["author"], expected.trim());
    let writable = sb.path("for-nobody");
    std::fs::create_dir(&writable).unwrap();
    crate::sandbox::set_mode(&writable, 0o777);
    let out = sb
        .nobody()
        .env_remove("SITREP_USER")
        .args(["--db", writable.join("nobody.db").to_str().unwrap()])
        .args(["declare", "--title", "t", "--severity", "P2", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let declared: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(declared["incident"]["commander"], "nobody");
}

#[test]
fn config_init_that_cannot_write_its_file_exits_1_and_creates_nothing() {
    let sb = Sandbox::new();
    let dir = sb.path("read-only");
    fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o555);
    let file = dir.join("config.toml");
    let out = sb.as_nobody(&["--config", file.to_str().unwrap(), "config", "init"]);
    let err = expect_error(&out, 1, "read-only config dir");
    assert!(
        err.contains(&format!("cannot write config '{}'", file.display())),
        "{err}"
    );
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn an_unreadable_config_file_exits_2_for_an_unprivileged_user() {
    let sb = Sandbox::new();
    sb.write_config("user = \"bob\"\n");
    set_mode(&sb.config, 0o000);
    let out = sb.as_nobody(&["list"]);
    let err = expect_error(&out, 2, "unreadable config");
    assert!(
        err.contains(&format!("cannot read config '{}'", sb.config.display()))
            && err.contains("ermission denied"),
        "{err}"
    );
    assert!(
        !sb.db.exists(),
        "a config it cannot read stops before the database"
    );
}

#[test]
fn a_device_a_fifo_or_a_huge_file_named_in_the_config_is_an_error_not_a_hang() {
    let sb = Sandbox::new();
    let fifo = sb.path("token.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let huge = sb.path("huge-token");
    std::fs::write(&huge, vec![b'a'; 200 * 1024]).unwrap();
    for (token, why) in [
        ("/dev/zero", "not a regular file"),
        (fifo.to_str().unwrap(), "not a regular file"),
        (huge.to_str().unwrap(), "larger than 64 KiB"),
    ] {
        sb.write_config(&format!(
            "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"http://127.0.0.1:9\"]\ntoken_file = \"{token}\"\n"
        ));
        // The log still works; the source says why it cannot be used.
        sb.ok(&["list"]);
        let out = sb.run(&["alerts"]);
        assert_eq!(out.status.code(), Some(6), "{token}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{token}: {stderr}");
    }
    // The config file itself.
    let out = sb
        .cmd()
        .env("SITREP_CONFIG", "/dev/zero")
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
}
