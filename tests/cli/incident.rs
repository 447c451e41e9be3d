//! `declare`, `log`, `amend`, `list` and `show`, and how typed text is made safe.

use serde_json::{json, Value};

use crate::sandbox::{texts, time, Sandbox};

#[test]
fn declaring_records_the_template_and_makes_the_declarer_commander() {
    let sb = Sandbox::new();
    let change = sb.json_warned(
        &[
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
            "--comms-lead",
            "carol",
            "--trigger-time",
            "2021-01-01T03:00:00.250+01:00",
            "--alert",
            "fp-1",
        ],
        "no alert source is configured",
    );
    let incident = &change["incident"];
    assert_eq!(incident["id"], 1);
    assert_eq!(incident["title"], "Stream starts failing");
    assert_eq!(incident["severity"], "P1");
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["commander"], "alice");
    assert_eq!(incident["comms_lead"], "carol");
    assert_eq!(incident["declared_by"], "alice");
    assert_eq!(incident["regions"], json!(["eu-west", "us-east"]));
    assert_eq!(incident["cohorts"], json!(["android"]));
    assert_eq!(incident["linked_alerts"], json!(["fp-1"]));
    assert_eq!(incident["trigger_time"], "2021-01-01T02:00:00.250Z");
    assert!(time(&incident["declared_at"]) > time(&incident["trigger_time"]));
    assert_eq!(incident["resolved_at"], Value::Null);
    assert_eq!(incident["drill"], false);

    let entries = change["written"].as_array().unwrap();
    assert_eq!(
        texts(entries),
        vec![
            "declared P1 incident: 'Stream starts failing' (status investigating)",
            "commander: alice",
            "comms lead: carol",
        ]
    );
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert!(entries
        .iter()
        .all(|e| e["incident_id"] == 1 && e["author"] == "alice"));
    assert_eq!(sb.timeline(1), *entries, "show sees what declare wrote");

    let text = sb.ok(&[
        "declare",
        "--title",
        "Chat slow",
        "--severity",
        "P2",
        "--commander",
        "bob",
        "--drill",
    ]);
    assert_eq!(
        text,
        "declared incident 2: [P2] Chat slow (commander bob)\n"
    );
    let second = sb.show(2);
    assert_eq!(second["incident"]["commander"], "bob");
    assert_eq!(second["incident"]["declared_by"], "alice");
    assert_eq!(second["incident"]["drill"], true);
    assert_eq!(second["incident"]["comms_lead"], Value::Null);
}

#[test]
fn declaring_a_p1_without_a_comms_lead_warns_on_stderr_but_exits_0() {
    let sb = Sandbox::new();
    let out = sb.run(&["declare", "--title", "Auth down", "--severity", "P1"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("warning: P1 incident 1 has no comms lead")
            && stderr.contains("sitrep assign 1 --comms-lead NAME"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "declared incident 1: [P1] Auth down (commander alice)\n"
    );
    assert_eq!(sb.show(1)["incident"]["comms_lead"], Value::Null);
    assert!(sb.ok(&["show", "1"]).contains("(none) ⚠ P1 needs one"));

    // A P2 needs no comms lead: no warning.
    let out = sb.run(&["declare", "--title", "Chat slow", "--severity", "P2"]);
    assert!(out.status.success() && out.stderr.is_empty());
}

#[test]
fn log_appends_mitigation_comms_and_note_entries_with_author_and_time() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let declared_at = time(&sb.show(id)["incident"]["declared_at"]);

    let entry = sb.json(&["log", "1", "--kind", "mitigation", "rolled", "back", "room"]);
    assert_eq!(entry["id"], 4);
    assert_eq!(entry["incident_id"], 1);
    assert_eq!(entry["kind"], "mitigation");
    assert_eq!(entry["text"], "rolled back room");
    assert_eq!(entry["author"], "alice");
    assert!(time(&entry["at"]) >= declared_at);
    assert_eq!(entry["revisions"].as_array().unwrap().len(), 1);

    let comms = sb.json(&["log", "1", "-k", "comms", "status page updated"]);
    assert_eq!(comms["kind"], "comms");
    let text = sb.ok(&["log", "#1", "just a note"]);
    assert!(
        text.starts_with("logged note entry 6 on incident 1 at "),
        "{text}"
    );

    let timeline = sb.timeline(id);
    let tail: Vec<(&str, &str)> = timeline[3..]
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tail,
        vec![
            ("mitigation", "rolled back room"),
            ("comms", "status page updated"),
            ("note", "just a note"),
        ]
    );
    let times: Vec<_> = timeline.iter().map(|e| time(&e["at"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
}

#[test]
fn log_refuses_kinds_sitrep_writes_itself_and_blank_text_and_writes_nothing() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let before = sb.rows();
    let err = sb.fails(&["log", "1", "--kind", "status", "resolved it"], 2);
    assert!(err.contains("written by sitrep itself"), "{err}");
    sb.fails(&["log", "1", "--kind", "gossip", "hello"], 2);
    let err = sb.fails(&["log", "1", "  \t "], 2);
    assert!(err.contains("must not be empty"), "{err}");
    sb.fails(&["log", "1"], 2);
    assert_eq!(sb.rows(), before);
}

#[test]
fn amend_keeps_the_old_text_as_a_revision() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let entry = sb.json(&["log", "1", "-k", "mitigation", "rolled back room to v42"]);
    let entry_id = entry["id"].to_string();

    let amended = sb.json(&[
        "--user",
        "bob",
        "amend",
        &entry_id,
        "rolled back room to v41",
    ]);
    assert_eq!(amended["id"], entry["id"]);
    assert_eq!(amended["kind"], "mitigation");
    assert_eq!(amended["text"], "rolled back room to v41");
    assert_eq!(amended["author"], "alice", "the entry keeps its author");
    let revisions = amended["revisions"].as_array().unwrap();
    assert_eq!(
        texts(revisions),
        vec!["rolled back room to v42", "rolled back room to v41"]
    );
    assert_eq!(revisions[0]["author"], "alice");
    assert_eq!(revisions[1]["author"], "bob");
    assert!(time(&revisions[1]["at"]) >= time(&revisions[0]["at"]));
    assert_eq!(amended["at"], entry["at"], "the entry keeps its time");

    let text = sb.ok(&["amend", &entry_id, "rolled", "back", "room", "to", "v40"]);
    assert_eq!(
        text,
        format!("amended entry {entry_id} on incident 1 (revision 3); earlier text kept\n")
    );
    let shown = sb.timeline(id);
    let last = shown.last().unwrap();
    assert_eq!(last["text"], "rolled back room to v40");
    assert_eq!(
        texts(last["revisions"].as_array().unwrap()),
        vec![
            "rolled back room to v42",
            "rolled back room to v41",
            "rolled back room to v40"
        ]
    );
    assert_eq!(shown.len(), 4, "amending adds no timeline entry");
    assert!(sb
        .ok(&["show", "1"])
        .contains("rolled back room to v40 (amended 2×)"));
}

#[test]
fn amending_a_status_entry_exits_4_and_changes_nothing() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let entry = sb.json(&["log", "1", "a note"]);
    let before = sb.rows();
    // Entry 1 records the declaration: a fact written by sitrep, not typed text.
    let err = sb.fails(&["amend", "1", "nothing happened"], 4);
    assert!(
        err.contains("'status' entry") && err.contains("only mitigation, comms and note"),
        "{err}"
    );
    let err = sb.fails(&["amend", "2", "commander: mallory"], 4);
    assert!(err.contains("'role' entry"), "{err}");
    let err = sb.fails(&["amend", &entry["id"].to_string(), "a note"], 4);
    assert!(err.contains("nothing to amend"), "{err}");
    sb.fails(&["amend", &entry["id"].to_string(), " "], 2);
    assert_eq!(sb.rows(), before);
}

#[test]
fn list_shows_newest_first_and_open_excludes_resolved() {
    let sb = Sandbox::new();
    assert_eq!(
        sb.ok(&["list"]),
        "no incidents (declare one with 'sitrep declare')\n"
    );
    assert_eq!(sb.json(&["list"]), json!([]));
    sb.declare("Stream starts failing");
    sb.declare("Chat slow");
    sb.declare("Gifts lost");
    sb.ok(&["resolve", "2"]);

    let all = sb.json(&["list"]);
    let summary: Vec<(i64, &str, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let i = &row["incident"];
            (
                i["id"].as_i64().unwrap(),
                i["status"].as_str().unwrap(),
                i["title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (3, "investigating", "Gifts lost"),
            (2, "resolved", "Chat slow"),
            (1, "investigating", "Stream starts failing"),
        ]
    );
    let open = sb.json(&["list", "--open"]);
    let open_ids: Vec<i64> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["incident"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(open_ids, vec![3, 1]);

    let text = sb.ok(&["list", "--open"]);
    assert!(text.starts_with("ID  SEV  STATUS"), "{text}");
    assert!(
        text.contains("Gifts lost") && !text.contains("Chat slow"),
        "{text}"
    );
    sb.ok(&["resolve", "1"]);
    sb.ok(&["resolve", "3"]);
    assert_eq!(
        sb.ok(&["list", "--open"]),
        "no open incidents (declare one with 'sitrep declare')\n"
    );
}

#[test]
fn show_prints_the_template_times_timeline_and_follow_ups() {
    let sb = Sandbox::new();
    sb.ok(&[
        "declare",
        "--title",
        "Stream starts failing",
        "--severity",
        "P1",
        "--region",
        "eu-west",
        "--cohort",
        "android",
        "--comms-lead",
        "carol",
        "--trigger-time",
        "2021-01-01T02:00:00Z",
    ]);
    sb.ok(&["log", "1", "-k", "comms", "posted to the status page"]);
    sb.ok(&[
        "followup", "add", "1", "--owner", "bob", "--due", "+7d", "add", "a", "canary",
    ]);

    let text = sb.ok(&["show", "1"]);
    for needle in [
        "incident 1: [P1] Stream starts failing",
        "status         investigating",
        "trigger        2021-01-01 02:00",
        "by alice",
        "commander      alice",
        "comms lead     carol",
        "regions        eu-west",
        "cohorts        android",
        "timeline (5 entries)",
        "comms       alice: posted to the status page",
        "follow-ups",
        "bob",
        "add a canary",
    ] {
        assert!(text.contains(needle), "missing '{needle}' in:\n{text}");
    }

    let shown = sb.show(1);
    assert_eq!(shown["incident"]["id"], 1);
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 5);
    assert_eq!(shown["timeline"][3]["text"], "posted to the status page");
    assert_eq!(shown["follow_ups"][0]["title"], "add a canary");
    assert_eq!(shown["follow_ups"][0]["owner"], "bob");
    assert_eq!(shown["alerts"], json!([]));
    let times = &shown["times"];
    assert!(times["time_to_declare_s"].as_i64().unwrap() > 0);
    assert!(times["duration_s"].as_i64().unwrap() >= times["time_to_declare_s"].as_i64().unwrap());
    assert_eq!(times["time_to_mitigate_s"], Value::Null);
    assert_eq!(times["time_to_resolve_s"], Value::Null);
    assert_eq!(
        times["triage_remaining_s"],
        Value::Null,
        "only a P2 has one"
    );
}

#[test]
fn escape_sequences_in_typed_text_show_as_visible_symbols_never_raw() {
    let sb = Sandbox::new();
    sb.ok(&[
        "declare",
        "--title",
        "evil\x1b[2J title\x07",
        "--severity",
        "P2",
        "--region",
        "eu-\u{202e}tsew",
        "--commander",
        "mal\x1b]0;pwned\x07lory",
    ]);
    sb.ok(&["log", "1", "clear\x1b[2J screen and \u{202e}desrever"]);
    sb.ok(&[
        "followup",
        "add",
        "1",
        "--owner",
        "bob\x1b[31m",
        "ring\x07",
        "the",
        "bell",
    ]);
    let entry = sb.json(&["log", "1", "-k", "mitigation", "first"]);
    sb.ok(&["amend", &entry["id"].to_string(), "fixed\x1b[1A up"]);

    let text = sb.ok(&["show", "1"]);
    let json = sb.ok(&["show", "1", "--json"]);
    for shown in [&text, &json] {
        assert!(
            !shown.contains('\x1b') && !shown.contains('\x07') && !shown.contains('\u{202e}'),
            "raw control characters in:\n{shown}"
        );
        assert!(!shown.contains("\\u001b") && !shown.contains("\\u0007"));
        for visible in [
            "evil␛[2J title␇",
            "eu-<U+202E>tsew",
            "mal␛]0;pwned␇lory",
            "clear␛[2J screen and <U+202E>desrever",
            "bob␛[31m",
            "ring␇ the bell",
            "fixed␛[1A up",
        ] {
            assert!(shown.contains(visible), "missing '{visible}' in:\n{shown}");
        }
    }
    let parsed: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["incident"]["title"], "evil␛[2J title␇");
    assert_eq!(parsed["incident"]["commander"], "mal␛]0;pwned␇lory");
    assert_eq!(parsed["follow_ups"][0]["owner"], "bob␛[31m");
    let logged = parsed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "note")
        .unwrap();
    assert_eq!(logged["text"], "clear␛[2J screen and <U+202E>desrever");
    let listed = sb.ok(&["list"]);
    assert!(!listed.contains('\x1b') && listed.contains("evil␛[2J title␇"));
    let follow_ups = sb.ok(&["followup", "list"]);
    assert!(!follow_ups.contains('\x1b') && follow_ups.contains("bob␛[31m"));

    // Names, too, wherever they come from.
    let out = sb
        .cmd()
        .env("SITREP_USER", "eve\x1b[8m")
        .args(["log", "1", "hidden?", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let logged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(logged["author"], "eve␛[8m");
}

#[test]
fn amend_can_correct_the_kind_of_an_entry_logged_under_the_wrong_one() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let entry = sb.json(&[
        "log",
        "1",
        "-k",
        "mitigation",
        "We are investigating failed stream starts",
    ]);
    let entry_id = entry["id"].to_string();
    let amended = sb.json(&["amend", &entry_id, "--kind", "comms"]);
    assert_eq!(amended["kind"], "comms");
    assert_eq!(amended["text"], "We are investigating failed stream starts");
    assert_eq!(amended["revisions"][0]["kind"], "mitigation");
    let shown = sb.json(&["show", "1"]);
    let comms: Vec<&serde_json::Value> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "comms")
        .collect();
    assert_eq!(comms.len(), 1);
    for (args, code) in [
        (vec!["amend", entry_id.as_str(), "--kind", "comms"], 4),
        (vec!["amend", entry_id.as_str(), "--kind", "status"], 2),
        (vec!["amend", entry_id.as_str()], 2),
    ] {
        sb.fails(&args, code);
    }
}

#[test]
fn a_trigger_time_can_be_relative_or_a_clock_time_in_the_display_zone() {
    let sb = Sandbox::new();
    let declared = sb.json(&[
        "declare",
        "--title",
        "t",
        "--severity",
        "P2",
        "--trigger-time",
        "15m ago",
    ]);
    let trigger = time(&declared["incident"]["trigger_time"]);
    let ago = chrono::Utc::now() - trigger;
    assert!(
        (14..=16).contains(&ago.num_minutes()),
        "15m ago is {} min ago",
        ago.num_minutes()
    );
    let edited = sb.json(&["edit", "1", "--trigger-time", "-20m"]);
    let trigger = time(&edited["incident"]["trigger_time"]);
    let ago = chrono::Utc::now() - trigger;
    assert!(
        (19..=21).contains(&ago.num_minutes()),
        "{}",
        ago.num_minutes()
    );
}

#[test]
fn service_is_a_field_set_at_declare_and_edit_and_recorded_in_the_timeline() {
    let sb = Sandbox::new();
    let change = sb.json(&[
        "declare",
        "--title",
        "Stream starts failing",
        "--severity",
        "p2",
        "--service",
        "room",
        "--service",
        "cdn-edge",
    ]);
    assert_eq!(change["incident"]["services"], json!(["room", "cdn-edge"]));
    assert_eq!(
        texts(change["written"].as_array().unwrap()).last().copied(),
        Some("services: room, cdn-edge")
    );
    sb.declare("Chat slow");

    let list = sb.ok(&["list"]);
    let header = list.lines().next().unwrap();
    assert!(header.contains("SERVICE"), "{list}");
    let row = |title: &str| {
        list.lines()
            .find(|l| l.contains(title))
            .unwrap_or_else(|| panic!("{list}"))
            .to_string()
    };
    assert!(row("Stream starts").contains("room,cdn-edge"), "{list}");
    assert!(
        row("Chat slow").contains(" - "),
        "no service shows '-': {list}"
    );

    let change = sb.json(&[
        "edit",
        "1",
        "--service",
        "chat",
        "--remove-service",
        "cdn-edge",
    ]);
    assert_eq!(change["incident"]["services"], json!(["room", "chat"]));
    assert_eq!(
        texts(change["written"].as_array().unwrap()),
        vec!["service removed: cdn-edge", "service added: chat"]
    );
    assert!(sb.ok(&["show", "1"]).contains("room, chat"));
    assert_eq!(sb.show(1)["incident"]["services"], json!(["room", "chat"]));

    // Removing one that is not there, or adding one twice, changes nothing.
    let rows = sb.rows();
    let err = sb.fails(&["edit", "1", "--remove-service", "gifts"], 4);
    assert!(
        err.contains("service 'gifts' is not listed (current: room, chat)"),
        "{err}"
    );
    sb.fails(&["edit", "1", "--service", "room"], 4);
    sb.fails(
        &[
            "declare",
            "--title",
            "x",
            "--severity",
            "p2",
            "--service",
            "",
        ],
        2,
    );
    assert_eq!(sb.rows(), rows);

    // The postmortem names them.
    let draft = sb.ok(&["export", "1", "-o", "-"]);
    assert!(draft.contains("- Services: room, chat"), "{draft}");
}

#[test]
fn show_keeps_a_gap_between_every_label_and_its_value() {
    let sb = Sandbox::new();
    sb.ok(&[
        "declare",
        "--title",
        "room 5xx in eu-west",
        "--severity",
        "P2",
        "--public-title",
        "Live video starts failing",
        "--public-impact",
        "Some viewers cannot start streams",
    ]);
    let text = sb.ok(&["show", "1"]);
    for line in text
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
    {
        let label = &line[2..line.len().min(17)];
        assert!(
            label.ends_with(' ') || line.len() <= 17,
            "label runs into its value: {line:?}"
        );
    }
    assert!(
        text.contains("  public title   Live video starts failing"),
        "{text}"
    );
    assert!(text.contains("  public impact  Some viewers"), "{text}");
}

/// `show --json` says mitigated when `show` and the postmortem do: at the first
/// mitigation step, before any status change; a command that failed is no step.
#[test]
fn show_json_counts_the_first_mitigation_step_as_mitigated() {
    let sb = Sandbox::new();
    let id = sb.declare("Chat down").to_string();
    sb.ok(&[
        "log",
        &id,
        "--kind",
        "mitigation",
        "running: sh -c 'exit 3'",
    ]);
    sb.ok(&["log", &id, "--kind", "mitigation", "sh exited 3 after 0.1s"]);
    assert_eq!(sb.show(1)["times"]["time_to_mitigate_s"], Value::Null);
    sb.ok(&[
        "log",
        &id,
        "--kind",
        "mitigation",
        "rolled back chat to v41",
    ]);
    assert!(sb.show(1)["times"]["time_to_mitigate_s"].is_i64());
}
