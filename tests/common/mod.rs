//! Helpers shared by the integration tests.

pub mod backend;
pub mod engine;
pub mod postgres;
pub mod receiver;
pub mod tmux;

/// The texts of a `show --json` document's timeline, oldest first.
#[allow(dead_code)]
pub fn timeline_texts(record: &serde_json::Value) -> Vec<&str> {
    record["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .map(|e| e["text"].as_str().expect("every entry has a text"))
        .collect()
}

/// `sitrep` as a responder on their own host: their own home, user and database
/// (a file or a URL), with no inherited SITREP_* or PG* settings.
#[allow(dead_code)]
pub fn responder(db: &str, home: &std::path::Path, user: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SITREP_") || key.starts_with("PG") {
            cmd.env_remove(key);
        }
    }
    cmd.env("SITREP_DB", db)
        .env("SITREP_USER", user)
        .env("SITREP_TIME_DISPLAY", "utc")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    cmd
}

/// The stdout of a command that must succeed (its output shown when it did not).
#[allow(dead_code)]
pub fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("output is UTF-8")
}

/// `sitrep db init` on the team database at `url`, as its owner; its stdout.
#[allow(dead_code)]
pub fn init_team(url: &str, home: &std::path::Path) -> String {
    ok(responder(url, home, "admin")
        .args(["db", "init"])
        .output()
        .expect("sitrep runs"))
}
