//! A private world for one CLI test: a temporary directory holding the database, the
//! config file and the home directory, and the built binary run with no inherited
//! `SITREP_*` settings, no `$USER`, and `RUST_BACKTRACE=1` so that a panic could not
//! hide. Also the checks every failure must pass, and a raw dump of the database to
//! prove that a failed command wrote nothing.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use tempfile::TempDir;

/// The user id and group id of 'nobody', for the tests that need file permissions to
/// count: root (who runs the tests) ignores them.
const NOBODY: &str = "65534";

pub struct Sandbox {
    pub dir: TempDir,
    pub db: PathBuf,
    pub config: PathBuf,
}

impl Sandbox {
    /// An empty config file (an explicitly named config must exist) and no database.
    /// The directory is 0755 so that 'nobody' can reach what is inside it.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        set_mode(dir.path(), 0o755);
        let db = dir.path().join("sitrep.db");
        let config = dir.path().join("config.toml");
        let sandbox = Self { dir, db, config };
        sandbox.write_config("");
        sandbox
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write_config(&self, text: &str) {
        fs::write(&self.config, text).expect("write the config file");
        set_mode(&self.config, 0o644);
    }

    /// `program` isolated: this sandbox's database, config and home, user 'alice',
    /// times in UTC, and nothing inherited that could change what sitrep does.
    fn isolated(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SITREP_") {
                cmd.env_remove(key);
            }
        }
        let home = self.dir.path();
        cmd.env_remove("USER")
            .env_remove("LOGNAME")
            .env("SITREP_DB", &self.db)
            .env("SITREP_CONFIG", &self.config)
            .env("SITREP_USER", "alice")
            .env("SITREP_TIME_DISPLAY", "utc")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("xdg-config"))
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("XDG_STATE_HOME", home.join("xdg-state"))
            .env("XDG_CACHE_HOME", home.join("xdg-cache"))
            .env("NO_COLOR", "1")
            .env("RUST_BACKTRACE", "1");
        cmd
    }

    /// The binary, isolated, with no arguments yet.
    pub fn cmd(&self) -> Command {
        self.isolated(sitrep_binary())
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run sitrep")
    }

    /// Runs a command that must succeed silently on stderr; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?} failed: {stderr}");
        assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Runs a command with `--json` that must succeed; returns its parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let text = self.ok(&with_json);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Like [`Self::json`] for a command that must also warn: its stderr is the one
    /// line that contains `warning`.
    pub fn json_warned(&self, args: &[&str], warning: &str) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let out = self.run(&with_json);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?} failed: {stderr}");
        assert!(
            stderr.lines().count() == 1 && stderr.contains(warning),
            "{args:?}: expected one warning with '{warning}': {stderr}"
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    /// Runs a command that must fail with `code`; returns its one error line.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        expect_error(&self.run(args), code, args)
    }

    /// Declares a P1 with a comms lead (so no warning) and returns its id.
    pub fn declare(&self, title: &str) -> i64 {
        let change = self.json(&[
            "declare",
            "--title",
            title,
            "--severity",
            "P1",
            "--region",
            "eu-west",
            "--comms-lead",
            "carol",
        ]);
        change["incident"]["id"].as_i64().expect("an incident id")
    }

    /// `show ID --json`: the incident, its timeline and follow-ups as sitrep sees them.
    pub fn show(&self, id: i64) -> Value {
        self.json(&["show", &id.to_string()])
    }

    pub fn timeline(&self, id: i64) -> Vec<Value> {
        self.show(id)["timeline"]
            .as_array()
            .expect("a timeline")
            .clone()
    }

    /// Every row of every table, read directly: equal before and after a failed
    /// command means it wrote nothing at all. Empty when there is no database yet.
    pub fn rows(&self) -> Vec<String> {
        if !self.db.exists() {
            return Vec::new();
        }
        let conn = Connection::open_with_flags(&self.db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the database read-only");
        let mut rows = Vec::new();
        for table in [
            "incident",
            "timeline_entry",
            "entry_revision",
            "followup",
            "linked_alert",
        ] {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))
                .expect("a sitrep table");
            let columns = stmt.column_count();
            let mut found = stmt.query([]).expect("query");
            while let Some(row) = found.next().expect("a row") {
                let values: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", row.get_ref(i).expect("a value")))
                    .collect();
                rows.push(format!("{table}: {}", values.join(", ")));
            }
        }
        rows
    }

    /// The binary to run as user 'nobody' (via setpriv), isolated like
    /// [`Sandbox::cmd`], with no arguments yet.
    pub fn nobody(&self) -> Command {
        let binary = self.binary_for_nobody();
        let mut cmd = self.isolated("setpriv");
        cmd.args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
        ])
        .arg(binary);
        cmd
    }

    pub fn as_nobody(&self, args: &[&str]) -> Output {
        self.nobody()
            .args(args)
            .output()
            .expect("setpriv (util-linux) is needed; scripts/test installs it")
    }

    /// The built binary when 'nobody' may run it where it is, else a copy in here.
    fn binary_for_nobody(&self) -> PathBuf {
        let built = sitrep_binary();
        let runnable = mode(&built) & 0o005 == 0o005
            && built
                .ancestors()
                .skip(1)
                .filter(|dir| !dir.as_os_str().is_empty())
                .all(|dir| mode(dir) & 0o001 != 0);
        if runnable {
            return built;
        }
        let copy = self.path("sitrep-for-nobody");
        if !copy.exists() {
            fs::copy(&built, &copy).expect("copy the binary");
            set_mode(&copy, 0o755);
        }
        copy
    }
}

pub fn sitrep_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sitrep"))
}

pub fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
}

/// What every failure must look like: the exit code of the README's table, exactly one
/// line on stderr starting with `error:`, no panic or backtrace, no control characters,
/// and nothing on stdout. Returns the line.
pub fn expect_error(out: &Output, code: i32, what: &(impl std::fmt::Debug + ?Sized)) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{what:?}: stderr: {stderr}");
    assert!(
        stderr.ends_with('\n') && stderr.lines().count() == 1,
        "{what:?}: one line expected on stderr, got: {stderr:?}"
    );
    assert!(
        stderr.starts_with("error: "),
        "{what:?}: starts with 'error: ': {stderr:?}"
    );
    let lower = stderr.to_lowercase();
    assert!(
        !lower.contains("panicked") && !lower.contains("backtrace"),
        "{what:?}: {stderr}"
    );
    assert!(
        !stderr.trim_end().chars().any(char::is_control) && !stderr.contains('\u{202e}'),
        "{what:?}: raw control characters on stderr: {stderr:?}"
    );
    assert!(
        out.stdout.is_empty(),
        "{what:?}: stdout on failure: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr.trim_end().to_string()
}

/// The texts of a list of timeline entries, in order.
pub fn texts(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["text"].as_str().expect("an entry text"))
        .collect()
}

/// A stored time: RFC 3339 in UTC (the fraction, milliseconds at most, is left out when
/// it is zero).
pub fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    let raw = value
        .as_str()
        .unwrap_or_else(|| panic!("a time, got {value}"));
    assert!(raw.ends_with('Z'), "{raw}");
    let fraction = raw.split_once('.').map_or("Z", |(_, f)| f);
    assert!(
        fraction.len() <= "123Z".len(),
        "more than milliseconds: {raw}"
    );
    chrono::DateTime::parse_from_rfc3339(raw)
        .unwrap_or_else(|e| panic!("{raw}: {e}"))
        .with_timezone(&chrono::Utc)
}
