//! `followup add`, `followup done` and `followup list`.

use chrono::{Local, NaiveDate};
use serde_json::Value;

use crate::sandbox::{time, Sandbox};

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|f| f["id"].as_i64().expect("an id"))
        .collect()
}

#[test]
fn followup_add_records_the_item_and_a_timeline_entry() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let added = sb.json(&[
        "followup",
        "add",
        "1",
        "--owner",
        "bob",
        "--due",
        "2099-01-31",
        "add",
        "a",
        "canary",
    ]);
    let item = &added["follow_up"];
    assert_eq!(item["id"], 1);
    assert_eq!(item["incident_id"], 1);
    assert_eq!(item["title"], "add a canary");
    assert_eq!(item["owner"], "bob");
    assert_eq!(item["due"], "2099-01-31");
    assert_eq!(item["state"], "open");
    assert_eq!(item["done_at"], Value::Null);
    time(&item["created_at"]);
    assert_eq!(added["entry"]["kind"], "followup");
    assert_eq!(
        added["entry"]["text"],
        "follow-up #1 added: add a canary (owner bob, due 2099-01-31)"
    );
    assert_eq!(sb.timeline(id).last().unwrap(), &added["entry"]);

    let relative = sb.json(&[
        "followup", "add", "1", "--owner", "carol", "--due", "+1w", "rotate", "keys",
    ]);
    let due = NaiveDate::parse_from_str(relative["follow_up"]["due"].as_str().unwrap(), "%Y-%m-%d")
        .unwrap();
    let days = (due - Local::now().date_naive()).num_days();
    assert!((6..=7).contains(&days), "+1w is {days} days away");

    let text = sb.ok(&[
        "followup", "add", "1", "--owner", "dave", "write", "a", "runbook",
    ]);
    assert_eq!(
        text,
        "incident 1: follow-up #3 added: write a runbook (owner dave)\n"
    );
    assert_eq!(sb.show(id)["follow_ups"].as_array().unwrap().len(), 3);
}

#[test]
fn followup_done_closes_the_item_once() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    sb.ok(&["followup", "add", "1", "--owner", "bob", "add", "canary"]);
    let done = sb.json(&["followup", "done", "1"]);
    assert_eq!(done["follow_up"]["state"], "done");
    assert!(time(&done["follow_up"]["done_at"]) >= time(&done["follow_up"]["created_at"]));
    assert_eq!(done["entry"]["kind"], "followup");
    assert_eq!(
        done["entry"]["text"],
        "follow-up #1 done: add canary (owner bob)"
    );
    assert_eq!(sb.show(id)["follow_ups"][0]["state"], "done");

    let rows = sb.rows();
    let err = sb.fails(&["followup", "done", "1"], 4);
    assert!(err.contains("already done"), "{err}");
    assert_eq!(sb.rows(), rows);

    sb.ok(&["followup", "add", "1", "--owner", "bob", "second"]);
    assert_eq!(
        sb.ok(&["followup", "done", "2"]),
        "incident 1: follow-up #2 done: second (owner bob)\n"
    );
}

#[test]
fn followup_list_filters_by_owner_open_and_incident() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    sb.declare("Chat slow");
    for (incident, owner, title) in [
        ("1", "bob", "add canary"),
        ("1", "carol", "write runbook"),
        ("2", "bob", "chat load test"),
        ("2", "carol", "page earlier"),
    ] {
        sb.ok(&["followup", "add", incident, "--owner", owner, title]);
    }
    sb.ok(&["followup", "done", "1"]);
    sb.ok(&["followup", "done", "4"]);

    let mut all = ids(&sb.json(&["followup", "list"]));
    all.sort_unstable();
    assert_eq!(all, vec![1, 2, 3, 4]);
    let mut open = ids(&sb.json(&["followup", "list", "--open"]));
    open.sort_unstable();
    assert_eq!(open, vec![2, 3]);
    let bobs = sb.json(&["followup", "list", "--owner", "bob"]);
    assert!(bobs.as_array().unwrap().iter().all(|f| f["owner"] == "bob"));
    let mut bob_ids = ids(&bobs);
    bob_ids.sort_unstable();
    assert_eq!(bob_ids, vec![1, 3]);
    assert_eq!(
        ids(&sb.json(&["followup", "list", "--owner", "bob", "--open"])),
        vec![3]
    );
    assert_eq!(
        ids(&sb.json(&["followup", "list", "--owner", "carol", "--open"])),
        vec![2]
    );
    let mut second = ids(&sb.json(&["followup", "list", "--incident", "2"]));
    second.sort_unstable();
    assert_eq!(second, vec![3, 4]);
    assert_eq!(
        sb.json(&["followup", "list", "--owner", "zed"]),
        Value::Array(vec![])
    );

    let text = sb.ok(&["followup", "list", "--open"]);
    assert!(text.starts_with("ID  INCIDENT  STATE"), "{text}");
    assert!(
        text.contains("write runbook") && text.contains("chat load test"),
        "{text}"
    );
    assert!(
        !text.contains("add canary") && !text.contains("page earlier"),
        "{text}"
    );
    assert_eq!(
        sb.ok(&["followup", "list", "--owner", "zed"]),
        "no follow-ups match\n"
    );
}

#[test]
fn followup_due_dates_malformed_or_in_the_past_exit_2_and_add_nothing() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let rows = sb.rows();
    let add = |due: &str| -> Vec<String> {
        [
            "followup", "add", "1", "--owner", "bob", "--due", due, "fix it",
        ]
        .map(String::from)
        .to_vec()
    };
    // Non-ASCII units once panicked on a character boundary.
    for due in [
        "2026-13-40",
        "tomorrow",
        "+3x",
        "2026-02-30",
        "+1é",
        "+2週",
        "+週",
    ] {
        let args = add(due);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = sb.fails(&args, 2);
        assert!(
            err.contains(&format!("bad date '{due}'")) && err.contains("YYYY-MM-DD"),
            "{err}"
        );
    }
    let args = add("2001-01-01");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = sb.fails(&args, 2);
    assert!(err.contains("2001-01-01 is in the past"), "{err}");
    assert_eq!(sb.rows(), rows);
}

#[test]
fn followup_add_needs_one_owner_and_a_title() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let rows = sb.rows();
    sb.fails(&["followup", "add", "1", "fix it"], 2);
    sb.fails(&["followup", "add", "1", "--owner", "bob"], 2);
    let err = sb.fails(&["followup", "add", "1", "--owner", " ", "fix it"], 2);
    assert!(err.contains("must not be empty"), "{err}");
    assert_eq!(sb.rows(), rows);
}

#[test]
fn followup_edit_and_cancel_change_the_item_and_say_so_in_the_timeline() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    sb.json(&[
        "followup", "add", "1", "--owner", "bob", "add", "a", "canary",
    ]);
    let edited = sb.json(&[
        "followup",
        "edit",
        "1",
        "--owner",
        "carol",
        "--due",
        "+7d",
        "--title",
        "add a canary stage",
    ]);
    assert_eq!(edited["follow_up"]["owner"], "carol");
    assert_eq!(edited["follow_up"]["title"], "add a canary stage");
    assert!(edited["follow_up"]["due"].is_string());
    let text = edited["entry"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("follow-up #1 edited: title 'add a canary' → 'add a canary stage', owner bob → carol, due none → "),
        "{text}"
    );
    let undated = sb.json(&["followup", "edit", "1", "--due", "none"]);
    assert_eq!(undated["follow_up"]["due"], Value::Null);

    // Nothing to change, a past date, no reason, an unknown id: refused, nothing written.
    let before = sb.timeline(id).len();
    let e = sb.fails(&["followup", "edit", "1"], 2);
    assert!(e.contains("nothing to change"), "{e}");
    let e = sb.fails(&["followup", "edit", "1", "--due", "2001-01-01"], 2);
    assert!(e.contains("in the past"), "{e}");
    sb.fails(&["followup", "cancel", "1"], 2);
    let e = sb.fails(&["followup", "cancel", "9", "--reason", "x"], 3);
    assert!(e.contains('9'), "{e}");
    assert_eq!(sb.timeline(id).len(), before);

    let cancelled = sb.json(&[
        "followup",
        "cancel",
        "1",
        "--reason",
        "superseded by the new rollout",
    ]);
    assert_eq!(cancelled["follow_up"]["state"], "cancelled");
    assert_eq!(
        cancelled["follow_up"]["cancel_reason"],
        "superseded by the new rollout"
    );
    assert_eq!(sb.timeline(id).last().unwrap(), &cancelled["entry"]);
    assert!(ids(&sb.json(&["followup", "list", "--open"])).is_empty());
    let table = sb.ok(&["followup", "list"]);
    assert!(table.contains("cancelled"), "{table}");
    let e = sb.fails(&["followup", "done", "1"], 4);
    assert!(e.contains("cancelled"), "{e}");
}
