//! `sitrep export`, `comms` and `templates` on the built binary.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn sitrep(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("sitrep").unwrap();
    for (key, _) in std::env::vars() {
        if key.starts_with("SITREP_") {
            cmd.env_remove(key);
        }
    }
    let config = dir.join("config.toml");
    if !config.exists() {
        fs::write(&config, "").unwrap();
    }
    cmd.current_dir(dir)
        .env("SITREP_DB", dir.join("sitrep.db"))
        .env("SITREP_CONFIG", &config)
        .env("SITREP_USER", "alice")
        .env("SITREP_TIME_DISPLAY", "utc");
    cmd
}

fn with_incident() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path())
        .args([
            "declare",
            "--title",
            "Stream starts failing | ]( <script>",
            "--severity",
            "P1",
            "--comms-lead",
            "carol",
            "--trigger-time",
            "2026-11-20T03:00:00Z",
        ])
        .assert()
        .success();
    sitrep(dir.path())
        .args(["log", "1", "--kind", "mitigation", "rolled back room"])
        .assert()
        .success();
    dir
}

#[test]
fn export_writes_the_default_file_name_once_and_never_overwrites_without_force() {
    let dir = with_incident();
    let out = sitrep(dir.path()).args(["export", "1"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = "postmortem-1-2026-11-20-stream-starts-failing-script.md";
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("wrote {name}\n")
    );
    let first = fs::read_to_string(dir.path().join(name)).unwrap();
    assert!(
        first.starts_with("# Postmortem: Stream starts failing \\| \\]( &lt;script>"),
        "{first}"
    );
    assert!(first.contains("rolled back room"));

    fs::write(dir.path().join(name), "my edits").unwrap();
    let again = sitrep(dir.path()).args(["export", "1"]).output().unwrap();
    assert_eq!(again.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        fs::read_to_string(dir.path().join(name)).unwrap(),
        "my edits"
    );
    sitrep(dir.path())
        .args(["export", "1", "--force"])
        .assert()
        .success();
    assert_eq!(fs::read_to_string(dir.path().join(name)).unwrap(), first);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn export_to_stdout_and_to_a_named_file() {
    let dir = with_incident();
    let out = sitrep(dir.path())
        .args(["export", "1", "-o", "-"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# Postmortem:"), "{text}");
    assert!(text.contains("Times shown in | UTC"), "{text}");
    sitrep(dir.path())
        .args(["export", "1", "-o", "pm.md", "--tz", "utc"])
        .assert()
        .success();
    assert!(fs::read_to_string(dir.path().join("pm.md"))
        .unwrap()
        .contains("## Timeline"));
}

#[test]
fn a_broken_user_template_names_file_and_line_and_writes_nothing() {
    let dir = with_incident();
    let templates = dir.path().join("templates");
    fs::create_dir(&templates).unwrap();
    let broken = templates.join("postmortem.md");
    fs::write(&broken, "# {{ incident.title }}\n{% if %}\n").unwrap();
    let out = sitrep(dir.path())
        .args(["export", "1", "-o", "out.md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&broken.display().to_string()) && stderr.contains("line 2"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.md").exists());
}

#[test]
fn a_user_template_is_listed_as_an_override_and_used() {
    let dir = with_incident();
    let templates = dir.path().join("templates");
    fs::create_dir(&templates).unwrap();
    fs::write(
        templates.join("postmortem.md"),
        "ours: {{ incident.title }}\n",
    )
    .unwrap();
    fs::write(templates.join("short.md"), "short: {{ incident.id }}\n").unwrap();
    let list = String::from_utf8(
        sitrep(dir.path())
            .args(["templates", "list"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        list.contains("postmortem.md") && list.contains("overrides the built-in"),
        "{list}"
    );
    assert!(list.contains("comms-update.md   built-in"), "{list}");
    assert!(list.contains("comms-update.txt  built-in"), "{list}");
    assert!(list.contains("short.md"), "{list}");
    let out = sitrep(dir.path())
        .args(["export", "1", "-o", "-"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ours: "));
    let out = sitrep(dir.path())
        .args(["export", "1", "-o", "-", "--template", "short.md"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "short: 1\n");
    let shown = sitrep(dir.path())
        .args(["templates", "show", "postmortem.md", "--default"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("## Timeline"));
    let missing = sitrep(dir.path())
        .args(["templates", "show", "nope.md"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3));
}

/// `comms` prints plain text from the public fields and the latest comms update;
/// the internal title and the mitigation steps stay inside.
#[test]
fn comms_prints_a_customer_facing_draft() {
    let dir = with_incident();
    std::fs::write(
        dir.path().join("config.toml"),
        "[comms.regions]\n\"eu-west\" = \"Europe\"\n",
    )
    .unwrap();
    let comms = |args: &[&str]| {
        sitrep(dir.path())
            .env("SITREP_CONFIG", dir.path().join("config.toml"))
            .arg("comms")
            .args(args)
            .output()
            .unwrap()
    };
    let out = comms(&["1", "--next-update", "15m"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("Investigating: [PUBLIC TITLE MISSING"),
        "{text}"
    );
    assert!(text.contains("Next update by"), "{text}");
    for internal in [
        "Stream starts failing",
        "rolled back room",
        "alice",
        "carol",
        "eu-west",
    ] {
        assert!(!text.contains(internal), "'{internal}' leaked: {text}");
    }

    sitrep(dir.path())
        .args([
            "edit",
            "1",
            "--public-title",
            "Live video starts failing",
            "--public-impact",
            "Some viewers cannot start live streams.",
            "--add-region",
            "eu-west",
        ])
        .assert()
        .success();
    sitrep(dir.path())
        .args([
            "log",
            "1",
            "--kind",
            "comms",
            "We are rolling back a change (v2) now.",
        ])
        .assert()
        .success();
    let text = String::from_utf8(comms(&["1"]).stdout).unwrap();
    assert!(
        text.starts_with("Investigating: Live video starts failing\n"),
        "{text}"
    );
    assert!(
        text.contains("Some viewers cannot start live streams."),
        "{text}"
    );
    assert!(
        text.contains("We are rolling back a change (v2) now."),
        "plain, unescaped: {text}"
    );
    assert!(text.contains("Affected: Europe."), "{text}");
    let markdown = String::from_utf8(comms(&["1", "--markdown"]).stdout).unwrap();
    assert!(
        markdown.starts_with("**Investigating**: Live video starts failing"),
        "{markdown}"
    );

    // A resolved incident promises no next update; asking for one is an error.
    sitrep(dir.path()).args(["resolve", "1"]).assert().success();
    let text = String::from_utf8(comms(&["1"]).stdout).unwrap();
    assert!(
        text.starts_with("Resolved: Live video starts failing"),
        "{text}"
    );
    assert!(!text.contains("Next update"), "{text}");
    let refused = comms(&["1", "--next-update", "30m"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("resolved"));

    let missing = sitrep(dir.path()).args(["comms", "9"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(3));
}

/// `--force` replaces a regular file only: never a device node, a FIFO or a link to
/// /proc. `-o /dev/stdout` is standard output, not a file that "already exists".
#[test]
fn export_force_replaces_only_regular_files_and_dev_stdout_is_stdout() {
    let dir = with_incident();
    let fifo = dir.path().join("pipe.md");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let device = dir.path().join("null.md");
    assert!(std::process::Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .status()
        .unwrap()
        .success());
    let link = dir.path().join("proc.md");
    std::os::unix::fs::symlink("/proc/self/status", &link).unwrap();
    for (target, kind) in [
        (&fifo, "a FIFO"),
        (&device, "a device"),
        (&link, "a symbolic link"),
    ] {
        let out = sitrep(dir.path())
            .args(["export", "1", "--force", "-o"])
            .arg(target)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{target:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(kind) && err.contains("not a regular file"),
            "{err}"
        );
        let kept = fs::symlink_metadata(target).unwrap().file_type();
        assert!(!kept.is_file(), "{target:?} was replaced by a regular file");
    }
    let out = sitrep(dir.path())
        .args(["export", "1", "-o", "/dev/stdout"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Stream starts failing"));
}
