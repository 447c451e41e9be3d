//! tmux driving the real binary in a real terminal: start sitrep in a detached
//! session, send keys and text, read the screen, wait for text with a bound.
//! tmux must be installed (scripts/test installs it); a missing tmux fails the test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: PathBuf,
    pub session: String,
}

impl Tmux {
    /// Starts `sitrep` in a detached 100x30 tmux session; when it exits the pane
    /// prints its exit code and stays open so the test can read the restored screen.
    pub fn start(dir: &Path, db: &Path) -> Self {
        Self::start_with(dir, db, "")
    }

    /// sitrep on `dir/live.db`, watching one Alertmanager source `name` at `url`
    /// polled every second (the config is written to `dir/config.toml`).
    pub fn watching(dir: &Path, name: &str, url: &str) -> Self {
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!("[[sources]]\nname = \"{name}\"\nkind = \"alertmanager\"\nurls = [\"{url}\"]\npoll_interval = \"1s\"\n"),
        )
        .expect("the test's config is written");
        Self::start_with(
            dir,
            &dir.join("live.db"),
            &format!("SITREP_CONFIG='{}'", config.display()),
        )
    }

    /// Like `start`, with `env` (`NAME='value' …`) set for sitrep.
    pub fn start_with(dir: &Path, db: &Path, env: &str) -> Self {
        Self::start_args(dir, db, env, "")
    }

    /// Like `start_with`, running `sitrep ARGS` (`args` already quoted for sh).
    pub fn start_args(dir: &Path, db: &Path, env: &str, args: &str) -> Self {
        let socket = dir.join("tmux.sock");
        let session = "sitrep".to_string();
        let script = format!(
            "cd '{}' && {env} SITREP_DB='{}' SITREP_USER=alice SITREP_TIME_DISPLAY=utc HOME='{}' XDG_CONFIG_HOME='{}/config' XDG_DATA_HOME='{}/data' '{}' {args}; echo \"EXIT=$?\"; sleep 60",
            dir.display(),
            db.display(),
            dir.display(),
            dir.display(),
            dir.display(),
            env!("CARGO_BIN_EXE_sitrep")
        );
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                "100",
                "-y",
                "30",
                "sh",
                "-c",
                &script,
            ])
            .env_remove("TMUX")
            .output()
            .expect("tmux is not installed: run scripts/test, which installs it");
        assert!(
            out.status.success(),
            "tmux failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { socket, session }
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    /// Resizes the terminal to `cols` x `rows`, as a user dragging the window would.
    pub fn resize(&self, cols: u16, rows: u16) {
        let out = self.tmux(&[
            "resize-window",
            "-t",
            &self.session,
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
        assert!(
            out.status.success(),
            "tmux resize failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            assert!(self
                .tmux(&["send-keys", "-t", &self.session, k])
                .status
                .success());
            // A terminal cannot tell ESC followed at once by a key from Alt+key: on a
            // loaded machine both can land in one read. Let a lone ESC be read alone.
            if *k == "Escape" {
                std::thread::sleep(Duration::from_millis(80));
            }
        }
    }

    pub fn text(&self, text: &str) {
        assert!(self
            .tmux(&["send-keys", "-t", &self.session, "-l", text])
            .status
            .success());
    }

    /// Types `text` and measures how long it takes to show, polling the screen as
    /// fast as tmux answers (at most ten seconds).
    pub fn echo_time(&self, text: &str) -> Duration {
        let started = Instant::now();
        self.text(text);
        while !self.screen().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "'{text}' never showed"
            );
        }
        started.elapsed()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// Waits until the screen shows `needle`, for at most ten seconds.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "'{needle}' never appeared; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen no longer shows `needle`, for at most ten seconds.
    pub fn wait_for_gone(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if !screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "'{needle}' stayed; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> i32 {
        let out = self.tmux(&["list-panes", "-t", &self.session, "-F", "#{pane_pid}"]);
        let shell: i32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        // The pane runs `sh -c`; sitrep is its child. Find it by parent pid in /proc.
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .find(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                // Fields after the command name (which ends with ')'): state, ppid, …
                let fields: Vec<&str> = stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect();
                fields.get(1) == Some(&shell.to_string().as_str())
            })
            .expect("sitrep is not running in the pane")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
