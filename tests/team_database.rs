//! The team database on a real PostgreSQL (Debian's package, started by the tests):
//! many responders on many hosts, live updates in the TUI across a server restart,
//! TLS, authentication, and moving a local log over.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::postgres::Postgres;
use common::tmux::Tmux;
use serde_json::Value;

/// `sitrep` as a responder on their own host: their own home, user and database URL.
fn sitrep(url: &str, home: &Path, user: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SITREP_") || key.starts_with("PG") {
            cmd.env_remove(key);
        }
    }
    cmd.env("SITREP_DB", url)
        .env("SITREP_USER", user)
        .env("SITREP_TIME_DISPLAY", "utc")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    cmd
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(cmd: &mut Command) -> Value {
    serde_json::from_str(&ok(cmd.arg("--json").output().unwrap())).unwrap()
}

/// The server restarts under an open TUI: the header says so, a line typed meanwhile
/// stays in the input, another host's entry written while it was away appears, and
/// the typed line is written once the server is back.
#[test]
fn a_server_restart_under_the_tui_loses_nothing_typed_and_catches_up() {
    let pg = Postgres::start();
    let url = pg.database("sitrep");
    let home = tempfile::tempdir().unwrap();
    json(sitrep(&url, home.path(), "bob").args([
        "declare",
        "--title",
        "Chat latency",
        "--severity",
        "P2",
    ]));
    let tmux = Tmux::start(home.path(), Path::new(&url));
    tmux.wait_for("Chat latency");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("#1 P2 investigating");

    pg.stop();
    tmux.wait_for("database: reconnecting since");
    tmux.keys(&["n"]);
    tmux.text("noted while the database was down");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("unavailable");
    assert!(
        screen.contains("noted while the database was down"),
        "the text stays:\n{screen}"
    );
    assert!(
        !screen.contains(common::postgres::SUPERUSER_PASSWORD),
        "{screen}"
    );

    pg.start_again();
    // Another responder writes while this TUI is still reconnecting.
    json(sitrep(&url, home.path(), "bob").args([
        "log",
        "1",
        "--kind",
        "note",
        "bob wrote this meanwhile",
    ]));
    tmux.wait_for("bob wrote this meanwhile");
    let screen = tmux.screen();
    assert!(!screen.contains("database: reconnecting"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved note entry");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");
    let record = json(sitrep(&url, home.path(), "bob").args(["show", "1"]));
    let texts: Vec<&str> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts
            .iter()
            .filter(|t| **t == "noted while the database was down")
            .count(),
        1,
        "{texts:?}"
    );
    assert!(texts.contains(&"bob wrote this meanwhile"));
}

/// With the server down, every command fails at once with one line naming the
/// database (never its password) and exit 5.
#[test]
fn with_the_server_down_the_cli_exits_5_with_one_line() {
    let pg = Postgres::start();
    let url = pg.database("sitrep");
    let home = tempfile::tempdir().unwrap();
    json(sitrep(&url, home.path(), "bob").args(["declare", "--title", "t", "--severity", "P2"]));
    pg.stop();
    for args in [&["list"][..], &["log", "1", "still down"], &["show", "1"]] {
        let out = sitrep(&url, home.path(), "bob")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("unavailable") && stderr.contains("127.0.0.1"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(common::postgres::SUPERUSER_PASSWORD),
            "{stderr}"
        );
    }
}
