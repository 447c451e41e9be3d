//! Wrong and malformed ids, bad dates, and clap's own usage errors: each exits with
//! its code from the README, says so in one `error:` line, and writes nothing.

use crate::sandbox::Sandbox;

/// Every command that names an incident, entry or follow-up, with `ID` for the id.
const BY_ID: &[&[&str]] = &[
    &["log", "ID", "some text"],
    &["amend", "ID", "some text"],
    &["status", "ID", "identified"],
    &["severity", "ID", "P2"],
    &["assign", "ID", "--commander", "bob"],
    &["edit", "ID", "--title", "x"],
    &["resolve", "ID"],
    &["show", "ID"],
    &["followup", "add", "ID", "--owner", "bob", "fix it"],
    &["followup", "done", "ID"],
];

fn with_id<'a>(args: &[&'a str], id: &'a str) -> Vec<&'a str> {
    args.iter()
        .map(|a| if *a == "ID" { id } else { a })
        .collect()
}

#[test]
fn every_command_on_a_missing_incident_entry_or_follow_up_exits_3_and_writes_nothing() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    sb.ok(&["followup", "add", "1", "--owner", "bob", "add canary"]);
    let before = sb.show(1);
    let rows = sb.rows();
    for args in BY_ID {
        let err = sb.fails(&with_id(args, "42"), 3);
        let expected = match args[..2] {
            ["amend", _] => "no timeline entry '42' (see 'sitrep show ID')",
            ["followup", "done"] => "no follow-up '42' (see 'sitrep followup list')",
            _ => "no incident '42' (see 'sitrep list')",
        };
        assert_eq!(err, format!("error: {expected}"), "{args:?}");
    }
    assert_eq!(sb.rows(), rows);
    assert_eq!(sb.show(1)["timeline"], before["timeline"]);
    assert_eq!(sb.show(1)["follow_ups"], before["follow_ups"]);
}

#[test]
fn malformed_ids_exit_2_for_every_command_that_takes_one() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let rows = sb.rows();
    for bad in ["abc", "0", "-1", "1.5", "", "99999999999999999999"] {
        for args in BY_ID {
            let err = sb.fails(&with_id(args, bad), 2);
            // clap takes '-1' for a flag before sitrep sees it as an id.
            let why = if bad.starts_with('-') {
                "unexpected argument"
            } else {
                "positive numbers"
            };
            assert!(
                err.contains(&format!("'{bad}'")) && err.contains(why),
                "{args:?} with '{bad}': {err}"
            );
        }
    }
    let err = sb.fails(&["followup", "list", "--incident", "abc"], 2);
    assert!(err.contains("'abc'"), "{err}");
    assert_eq!(sb.rows(), rows);
}

#[test]
fn a_trigger_time_that_is_not_rfc3339_exits_2_and_declares_nothing() {
    let sb = Sandbox::new();
    let declare = |when: &str| {
        sb.fails(
            &[
                "declare",
                "--title",
                "t",
                "--severity",
                "P1",
                "--trigger-time",
                when,
            ],
            2,
        )
    };
    let err = declare("yesterday");
    assert!(
        err.contains("bad time 'yesterday'") && err.contains("RFC 3339"),
        "{err}"
    );
    declare("2026-13-40T00:00:00Z");
    declare("2021-01-01 25:00");
    declare("+15m");
    assert!(!sb.db.exists(), "nothing opened, nothing created");
    let err = declare("2999-01-01T00:00:00Z");
    assert!(err.contains("in the future"), "{err}");
    assert_eq!(sb.rows(), Vec::<String>::new());
}

#[test]
fn clap_usage_errors_are_one_error_line_with_exit_2() {
    let sb = Sandbox::new();
    for args in [
        &["frobnicate"][..],
        &["declare", "--title", "t"],
        &["declare", "--severity", "P3", "--title", "t"],
        &["list", "--no-such-flag"],
        &["list", "extra"],
        &["log", "1"],
        &["status", "1"],
        &["followup"],
        &["followup", "finish", "1"],
        &["config"],
        &["config", "init", "--yes"],
        &["--time-display", "mars", "list"],
    ] {
        let err = sb.fails(args, 2);
        assert!(err.ends_with("(see 'sitrep help')"), "{args:?}: {err}");
        assert!(!err.contains("Usage:"), "{args:?}: {err}");
    }
    assert!(!sb.db.exists());
}

#[test]
fn errors_quoting_control_characters_stay_one_visible_line() {
    let sb = Sandbox::new();
    // A path with a line break and an escape sequence, quoted in a database error.
    let dir = "/nonexistent/a\nb\x1b[2J";
    let db = format!("{dir}/sitrep.db");
    let err = sb.fails(&["--db", &db, "list"], 5);
    assert!(err.contains("'/nonexistent/a b␛[2J/sitrep.db'"), "{err}");
    // The same in a config error, and bidi overrides in clap's own messages.
    let config = "/nonexistent/\u{202e}lmot.config";
    let err = sb.fails(&["--config", config, "list"], 2);
    assert!(err.contains("<U+202E>lmot.config"), "{err}");
    let err = sb.fails(&["show", "\u{202e}1"], 2);
    assert!(err.contains("<U+202E>1"), "{err}");
    let err = sb.fails(&["status", "1", "done\x07\nnow"], 2);
    assert!(!err.contains('\x07'), "{err}");
}

/// Durations that overflow the calendar once panicked (exit 101 and a backtrace).
#[test]
fn durations_past_the_calendar_exit_2_with_one_line() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    for (args, says) in [
        (
            &["comms", "1", "--next-update", "999999999d"][..],
            "--next-update",
        ),
        (
            &["comms", "1", "--next-update", "10s"][..],
            "between 1m and 7d",
        ),
        (&["review", "--since", "999999999d"][..], "--since"),
        (
            &["review", "--since", "99999999999999999999d"][..],
            "bad duration",
        ),
    ] {
        let err = sb.fails(args, 2);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // A sensible promise still works.
    assert!(sb
        .ok(&["comms", "1", "--next-update", "2h"])
        .contains("Next update by"));
}

/// Completions for every shell clap knows, bash's loadable; the man page renders
/// with groff without a warning. Neither needs a config or a database.
#[test]
fn completions_and_the_man_page_come_from_the_command_definition() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let text = sb.ok(&["completions", shell]);
        assert!(
            text.contains("sitrep") && text.len() > 1000,
            "{shell}: {text}"
        );
    }
    let bash = sb.ok(&["completions", "bash"]);
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("source /dev/stdin && complete -p sitrep")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bash.as_bytes())?;
            child.wait_with_output()
        })
        .expect("bash runs");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("-F _sitrep sitrep"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb.fails(&["completions", "tcsh"], 2);

    let man = sb.ok(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH sitrep"),
        "{man}"
    );
    for section in ["SUBCOMMANDS", "declare", "followup"] {
        assert!(man.contains(section), "{section}");
    }
    let out = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(man.as_bytes())?;
            child.wait_with_output()
        })
        .expect("groff is not installed: run scripts/test, which installs it");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !sb.db.exists(),
        "no database for completions or the man page"
    );
}

/// A subcommand's help lists its own options first and the fourteen every command
/// takes under their own heading, so `--title` is not lost among `--db` and `--demo`.
#[test]
fn a_subcommands_help_lists_its_own_options_before_the_global_ones() {
    let sb = Sandbox::new();
    for (args, own) in [
        (&["declare", "--help"][..], "--severity"),
        (&["edit", "--help"], "--remove-region"),
        (&["silence", "--help"], "--matcher"),
        (&["followup", "add", "--help"], "--owner"),
    ] {
        let help = sb.ok(args);
        let global = help
            .find("Global options:")
            .unwrap_or_else(|| panic!("{args:?}: no global heading in\n{help}"));
        let mine = help.find(own).unwrap_or_else(|| panic!("{args:?}: {own}"));
        assert!(
            mine < global,
            "{args:?}: {own} after the global options\n{help}"
        );
        assert!(help[global..].contains("--db <FILE|URL>"), "{args:?}");
        assert!(!help[..global].contains("--db <FILE|URL>"), "{args:?}");
    }
}
