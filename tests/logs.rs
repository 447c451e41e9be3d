//! The log file: a failing source leaves a line from the CLI and from the TUI (tmux),
//! the secrets in the source's config never appear in it, and `SITREP_LOG=debug`
//! raises the level.

mod common;

use std::path::{Path, PathBuf};

use common::backend::{free_port, sitrep_on};
use common::tmux::Tmux;

const TOKEN: &str = "tok-SECRET-4f9a1c";
const PASSWORD: &str = "pw-SECRET-77b2";

/// A config whose one source is a closed loopback port, with a bearer token from a
/// file and a password in its URL.
fn world() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[sources]]\nname = \"prod\"\nkind = \"alertmanager\"\nurls = [\"http://bob:{PASSWORD}@127.0.0.1:{}\"]\ntoken_file = \"{}\"\npoll_interval = \"1s\"\n",
            free_port(),
            token.display()
        ),
    )
    .unwrap();
    (dir, config)
}

fn cli(dir: &Path, config: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = sitrep_on(&dir.join("sitrep.db"));
    cmd.env("SITREP_CONFIG", config)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("SITREP_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().unwrap()
}

/// Every log file under `state`, concatenated.
fn log_text(state: &Path) -> String {
    let mut text = String::new();
    let mut files = Vec::new();
    for entry in walk(state) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("sitrep.") && name.ends_with(".log") {
            files.push(entry);
        }
    }
    assert!(!files.is_empty(), "no log file under {}", state.display());
    for f in files {
        text.push_str(&std::fs::read_to_string(f).unwrap());
    }
    text
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_failing_source_is_logged_by_the_cli_without_its_secrets() {
    let (dir, config) = world();
    let out = cli(dir.path(), &config, &["alerts"], &[]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = log_text(&dir.path().join("state"));
    let line = log
        .lines()
        .find(|l| l.contains("source failing") && l.contains("prod"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        line.contains("WARN") && line.contains("cannot connect"),
        "{line}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("command failed") && l.contains("exit=6")),
        "{log}"
    );
    assert!(!log.contains("SECRET"), "a secret reached the log: {log}");

    // The log directory is where `config path` says, owner-only.
    let shown = cli(dir.path(), &config, &["config", "path", "--json"], &[]);
    let paths: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let log_dir = PathBuf::from(paths["log_dir"].as_str().unwrap());
    assert!(log_dir.starts_with(dir.path().join("state")), "{paths}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&log_dir).unwrap().permissions(),
    );
    assert_eq!(mode & 0o077, 0, "log dir is owner-only: {mode:o}");
    // And so is every log file in it, today's and those made ready for the next days.
    let files: Vec<_> = std::fs::read_dir(&log_dir).unwrap().flatten().collect();
    assert!(files.len() >= 2, "{files:?}");
    for file in files {
        let mode = std::os::unix::fs::PermissionsExt::mode(&file.metadata().unwrap().permissions());
        assert_eq!(mode & 0o077, 0, "{:?} is owner-only: {mode:o}", file.path());
    }
}

#[test]
fn the_level_is_info_unless_sitrep_log_raises_it() {
    let (dir, config) = world();
    let out = cli(dir.path(), &config, &["list"], &[]);
    assert!(out.status.success());
    // `list` logs nothing at info: the file may exist but holds no line of it.
    let quiet = walk(&dir.path().join("state"))
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .collect::<String>();
    assert!(!quiet.contains("DEBUG"), "{quiet}");
    let out = cli(dir.path(), &config, &["list"], &[("SITREP_LOG", "debug")]);
    assert!(out.status.success());
    let log = log_text(&dir.path().join("state"));
    assert!(
        log.lines()
            .any(|l| l.contains("DEBUG") && l.contains("started")),
        "{log}"
    );
}

#[test]
fn a_failing_source_is_logged_by_the_tui_without_its_secrets() {
    let (dir, config) = world();
    let db = dir.path().join("live.db");
    let state = dir.path().join("tui-state");
    let tmux = Tmux::start_with(
        dir.path(),
        &db,
        &format!(
            "SITREP_CONFIG='{}' XDG_STATE_HOME='{}'",
            config.display(),
            state.display()
        ),
    );
    tmux.wait_for("prod FAILING");
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
    let log = log_text(&state);
    assert!(
        log.lines()
            .any(|l| l.contains("WARN") && l.contains("source failing") && l.contains("prod")),
        "{log}"
    );
    assert!(!log.contains("SECRET"), "a secret reached the log: {log}");
}
