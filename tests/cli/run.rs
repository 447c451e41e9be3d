//! `sitrep run`: the command's output streams through, its exit code is sitrep's, and
//! the timeline gets an entry before it starts and one after it ends.

use crate::common::tmux::Tmux;
use crate::sandbox::{texts, Sandbox};

/// The two entries `run` wrote (the last two of incident 1).
fn last_two(sb: &Sandbox) -> (String, String) {
    let timeline = sb.timeline(1);
    let t = texts(&timeline);
    (t[t.len() - 2].to_string(), t[t.len() - 1].to_string())
}

#[test]
fn a_command_that_succeeds_or_fails_is_recorded_with_its_exit_code_and_output() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let out = sb.run(&[
        "run",
        "1",
        "--",
        "sh",
        "-c",
        "echo rolled back; echo to v41 >&2",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "rolled back\n",
        "output streams through"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "to v41\n");
    let (before, after) = last_two(&sb);
    assert_eq!(before, "running: sh -c 'echo rolled back; echo to v41 >&2'");
    assert!(after.starts_with("sh exited 0 after "), "{after}");
    assert!(
        after.contains("\n  rolled back") && after.contains("\n  to v41"),
        "{after}"
    );
    let timeline = sb.timeline(1);
    let kinds: Vec<&str> = timeline[timeline.len() - 2..]
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["mitigation", "mitigation"]);

    let out = sb.run(&["run", "1", "--kind", "note", "--", "sh", "-c", "exit 3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the command's exit code is sitrep's"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (before, after) = last_two(&sb);
    assert_eq!(before, "running: sh -c 'exit 3'");
    assert!(after.starts_with("sh exited 3 after "), "{after}");
    assert_eq!(sb.timeline(1).last().unwrap()["kind"], "note");
}

#[test]
fn with_json_stdout_holds_only_the_document_and_the_output_goes_to_stderr() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let out = sb.run(&[
        "run",
        "1",
        "--json",
        "--",
        "sh",
        "-c",
        "echo rolled back; echo warn >&2; exit 3",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the command's exit code is sitrep's"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(doc["exit_code"], 3);
    assert_eq!(
        doc["started"]["text"],
        "running: sh -c 'echo rolled back; echo warn >&2; exit 3'"
    );
    let ended = doc["ended"]["text"].as_str().unwrap();
    assert!(ended.starts_with("sh exited 3 after "), "{ended}");
    assert_eq!(doc["ended"]["kind"], "mitigation");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rolled back") && stderr.contains("warn"),
        "{stderr}"
    );
    let (before, after) = last_two(&sb);
    assert_eq!(before, doc["started"]["text"].as_str().unwrap());
    assert_eq!(after, ended);
}

#[test]
fn a_killed_command_and_one_that_does_not_exist_are_recorded_as_such() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let out = sb.run(&["run", "1", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.code(), Some(128 + 15));
    let (_, after) = last_two(&sb);
    assert!(
        after.starts_with("sh killed by SIGTERM (15) after "),
        "{after}"
    );

    let out = sb.run(&["run", "1", "--", "no-such-command-here", "--flag"]);
    assert_eq!(out.status.code(), Some(127));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-command-here"), "{stderr}");
    let (before, after) = last_two(&sb);
    assert_eq!(before, "running: no-such-command-here --flag");
    assert!(
        after.starts_with("no-such-command-here could not start: No such file"),
        "{after}"
    );
}

#[test]
fn ten_megabytes_or_binary_output_stream_through_and_only_a_safe_tail_is_kept() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    // 10 MB of text in 200,000 lines of 50 bytes, then one with an escape sequence.
    let script = format!(
        "yes '{}' | head -n 200000; printf 'last \\033[2J line\\n'",
        "x".repeat(49)
    );
    let out = sb.run(&["run", "1", "--", "sh", "-c", &script]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.len(), 10_000_000 + "last \x1b[2J line\n".len());
    let (_, after) = last_two(&sb);
    let lines: Vec<&str> = after.lines().collect();
    assert!(lines[1].starts_with("output (last 20 of "), "{after}");
    assert_eq!(lines.len(), 2 + 20, "{after}");
    assert_eq!(lines[21], "  last ␛[2J line");
    assert!(after.len() < 6_000, "capped: {} bytes", after.len());

    let out = sb.run(&["run", "1", "--", "head", "-c", "100000", "/dev/urandom"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.len(), 100_000);
    let (_, after) = last_two(&sb);
    assert!(
        after.ends_with("\noutput: 100000 bytes, binary (not kept)"),
        "{after}"
    );
}

#[test]
fn nothing_runs_when_the_first_entry_cannot_be_written() {
    let sb = Sandbox::new();
    let marker = sb.path("ran");
    let out = sb.run(&["run", "7", "--", "touch", marker.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "no incident 7");
    assert!(!marker.exists(), "the command must not run unrecorded");
    let out = sb.run(&["run", "1", "--kind", "status", "--", "true"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "status entries are sitrep's own"
    );
    let out = sb.run(&["run", "1"]);
    assert_eq!(out.status.code(), Some(2), "a command is required");
}

#[test]
fn ctrl_c_goes_to_the_command_and_sitrep_records_how_it_ended() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    // The pane's own shell must outlive Ctrl-C to print the exit code: it traps the
    // signal with a handler (which, unlike ignoring it, its children do not inherit).
    let tmux = Tmux::start_args(
        sb.dir.path(),
        &sb.db,
        &format!("trap 'true' INT; SITREP_CONFIG='{}'", sb.config.display()),
        "run 1 -- sh -c 'echo waiting; sleep 30; echo not interrupted'",
    );
    tmux.wait_for("waiting");
    tmux.keys(&["C-c"]);
    let screen = tmux.wait_for("EXIT=");
    assert!(screen.contains("EXIT=130"), "{screen}");
    assert!(!screen.contains("not interrupted"), "{screen}");
    let (before, after) = last_two(&sb);
    assert!(before.starts_with("running: sh -c"), "{before}");
    assert!(
        after.starts_with("sh killed by SIGINT (2) after "),
        "{after}"
    );
    assert!(after.ends_with("\n  waiting"), "{after}");
}

/// A command that leaves a daemon behind holding its output (`sh` exits at once, the
/// background `sleep` keeps the pipes open): sitrep waits on the command, not on
/// the pipes, drains them for a bounded moment, and logs how it ended and that
/// something it started still holds its output.
#[test]
fn a_command_that_leaves_a_daemon_holding_its_output_is_logged_when_it_exits() {
    use std::time::{Duration, Instant};
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let started = Instant::now();
    let out = sb
        .cmd()
        .args([
            "run",
            "1",
            "--",
            "sh",
            "-c",
            "trap '' TERM; (sleep 60 &); echo started",
        ])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "sitrep run still waited for the daemon's pipe after 30 s"
    );
    let status = out.status;
    assert_eq!(status.code(), Some(0));
    let (_, after) = last_two(&sb);
    assert!(after.starts_with("sh exited 0 after "), "{after}");
    assert!(
        after.contains("\n  started"),
        "the output before the end is kept: {after}"
    );
    assert!(
        after.contains("something it started still holds its output"),
        "{after}"
    );
}
