//! `status`, `severity`, `assign`, `edit` and `resolve`: each change is recorded in the
//! timeline, and each change the incident rules refuse exits 4 having written nothing.

use serde_json::{json, Value};

use crate::sandbox::{texts, time, Sandbox};

#[test]
fn status_moves_through_the_lifecycle_and_records_each_step() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let change = sb.json(&["status", "1", "identified"]);
    assert_eq!(change["incident"]["status"], "identified");
    assert_eq!(change["incident"]["mitigated_at"], Value::Null);
    let entries = change["written"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["kind"], "status");
    assert_eq!(entries[0]["text"], "status: investigating → identified");
    assert_eq!(entries[0]["author"], "alice");

    assert_eq!(
        sb.ok(&["status", "1", "MONITORING"]),
        "incident 1: status: identified → monitoring\n"
    );
    let monitoring = sb.show(id);
    let mitigated_at = time(&monitoring["incident"]["mitigated_at"]);
    assert!(monitoring["times"]["time_to_mitigate_s"].is_i64());

    let resolved = sb.json(&["status", "1", "resolved"]);
    assert_eq!(resolved["incident"]["status"], "resolved");
    assert!(time(&resolved["incident"]["resolved_at"]) >= mitigated_at);
    assert_eq!(
        time(&resolved["incident"]["mitigated_at"]),
        mitigated_at,
        "the mitigation that held"
    );

    let reopened = sb.json(&["status", "1", "investigating"]);
    assert_eq!(
        reopened["written"][0]["text"],
        "reopened: resolved → investigating"
    );
    assert_eq!(reopened["incident"]["resolved_at"], Value::Null);
    assert_eq!(reopened["incident"]["mitigated_at"], Value::Null);
    let timeline = sb.timeline(id);
    let statuses: Vec<&Value> = timeline.iter().filter(|e| e["kind"] == "status").collect();
    assert_eq!(
        statuses
            .iter()
            .map(|e| e["text"].clone())
            .collect::<Vec<_>>(),
        vec![
            "declared P1 incident: 'Stream starts failing' (status investigating)",
            "status: investigating → identified",
            "status: identified → monitoring",
            "status: monitoring → resolved",
            "reopened: resolved → investigating",
        ]
    );
}

#[test]
fn setting_the_status_it_already_has_exits_4_and_writes_nothing() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    sb.ok(&["status", "1", "identified"]);
    let before = sb.show(id);
    let rows = sb.rows();
    let err = sb.fails(&["status", "1", "identified"], 4);
    assert!(err.contains("incident 1 is already identified"), "{err}");
    assert_eq!(sb.show(id), before_with_fresh_times(&before, &sb.show(id)));
    assert_eq!(sb.rows(), rows);
}

#[test]
fn moving_a_resolved_incident_to_monitoring_exits_4_and_writes_nothing() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    sb.ok(&["resolve", "1"]);
    let before = sb.show(id);
    let rows = sb.rows();
    let err = sb.fails(&["status", "1", "monitoring"], 4);
    assert!(
        err.contains("resolved") && err.contains("reopen it as investigating or identified"),
        "{err}"
    );
    let after = sb.show(id);
    assert_eq!(after["incident"], before["incident"]);
    assert_eq!(after["timeline"], before["timeline"]);
    assert_eq!(sb.rows(), rows);
}

#[test]
fn an_unknown_status_is_a_usage_error() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let rows = sb.rows();
    let err = sb.fails(&["status", "1", "fixed"], 2);
    assert!(err.contains("unknown status 'fixed'"), "{err}");
    assert_eq!(sb.rows(), rows);
}

#[test]
fn severity_changes_are_recorded_and_no_ops_are_refused() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let change = sb.json(&["severity", "1", "p2"]);
    assert_eq!(change["incident"]["severity"], "P2");
    assert_eq!(change["written"][0]["kind"], "severity");
    assert_eq!(change["written"][0]["text"], "severity: P1 → P2");
    assert_eq!(
        sb.ok(&["severity", "1", "P1"]),
        "incident 1: severity: P2 → P1\n"
    );

    let rows = sb.rows();
    let err = sb.fails(&["severity", "1", "P1"], 4);
    assert!(err.contains("already P1"), "{err}");
    sb.fails(&["severity", "1", "P0"], 2);
    assert_eq!(sb.rows(), rows);
    assert_eq!(sb.show(id)["incident"]["severity"], "P1");
}

#[test]
fn assign_hands_over_roles_and_records_each() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let change = sb.json(&["assign", "1", "--commander", "bob", "--comms-lead", "dave"]);
    assert_eq!(change["incident"]["commander"], "bob");
    assert_eq!(change["incident"]["comms_lead"], "dave");
    let entries = change["written"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["kind"] == "role"));
    assert_eq!(
        texts(entries),
        vec!["commander: alice → bob", "comms lead: carol → dave"]
    );
    assert_eq!(
        sb.ok(&["assign", "1", "--comms-lead", "erin"]),
        "incident 1: comms lead: dave → erin\n"
    );
    assert_eq!(sb.show(id)["incident"]["comms_lead"], "erin");
}

#[test]
fn assign_without_a_role_or_with_the_same_holder_changes_nothing() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let rows = sb.rows();
    sb.fails(&["assign", "1"], 2);
    let err = sb.fails(&["assign", "1", "--commander", "  "], 2);
    assert!(err.contains("must not be empty"), "{err}");
    let err = sb.fails(&["assign", "1", "--commander", "alice"], 4);
    assert!(err.contains("nothing to change"), "{err}");
    assert_eq!(sb.rows(), rows);
    assert_eq!(sb.show(id)["incident"]["commander"], "alice");
}

#[test]
fn edit_changes_template_and_review_fields_and_records_each_change() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let change = sb.json(&[
        "edit",
        "1",
        "--title",
        "Stream starts fail in EU",
        "--add-region",
        "eu-central",
        "--remove-region",
        "eu-west",
        "--add-cohort",
        "ios",
        "--trigger-time",
        "2021-01-01T02:00:00Z",
        "--summary",
        "bad room release",
        "--root-cause",
        "release",
        "--release-related",
        "yes",
        "--rollback-performed",
        "no",
        "--link-alert",
        "fp-9",
    ]);
    let incident = &change["incident"];
    assert_eq!(incident["title"], "Stream starts fail in EU");
    assert_eq!(incident["regions"], json!(["eu-central"]));
    assert_eq!(incident["cohorts"], json!(["ios"]));
    assert_eq!(incident["trigger_time"], "2021-01-01T02:00:00Z");
    assert_eq!(incident["summary"], "bad room release");
    assert_eq!(incident["root_cause"], "release");
    assert_eq!(incident["release_related"], true);
    assert_eq!(incident["rollback_performed"], false);
    assert_eq!(incident["linked_alerts"], json!(["fp-9"]));
    let entries = change["written"].as_array().unwrap();
    assert_eq!(entries.len(), 10, "one entry per changed field");
    assert!(entries.iter().all(|e| e["author"] == "alice"));
    assert_eq!(sb.show(id)["incident"], *incident);
    assert_eq!(sb.timeline(id).len(), 3 + 10);

    let text = sb.ok(&["edit", "1", "--drill", "true"]);
    assert!(
        text.starts_with("incident 1: ") && text.lines().count() == 1,
        "{text}"
    );
    assert_eq!(sb.show(id)["incident"]["drill"], true);
}

#[test]
fn edit_with_no_fields_exits_2_and_changes_nothing() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let rows = sb.rows();
    let err = sb.fails(&["edit", "1"], 2);
    assert!(err.contains("nothing to edit"), "{err}");
    assert_eq!(sb.rows(), rows);
}

#[test]
fn edit_removing_an_absent_region_exits_4_and_changes_nothing_at_all() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let before = sb.show(id);
    let rows = sb.rows();
    // The title change is fine on its own; the whole edit is refused together.
    let err = sb.fails(
        &[
            "edit",
            "1",
            "--title",
            "A new title",
            "--remove-region",
            "ap-south",
        ],
        4,
    );
    assert!(
        err.contains("region 'ap-south' is not listed") && err.contains("eu-west"),
        "{err}"
    );
    let after = sb.show(id);
    assert_eq!(after["incident"], before["incident"]);
    assert_eq!(after["timeline"], before["timeline"]);
    assert_eq!(sb.rows(), rows);
}

#[test]
fn edit_refuses_bad_values_and_no_op_changes_whole() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let rows = sb.rows();
    sb.fails(&["edit", "1", "--root-cause", "gremlins"], 2);
    sb.fails(&["edit", "1", "--release-related", "maybe"], 2);
    sb.fails(&["edit", "1", "--trigger-time", "yesterday"], 2);
    let err = sb.fails(&["edit", "1", "--trigger-time", "2999-01-01T00:00:00Z"], 2);
    assert!(err.contains("in the future"), "{err}");
    let err = sb.fails(&["edit", "1", "--add-region", "eu-west"], 4);
    assert!(err.contains("already listed"), "{err}");
    sb.fails(&["edit", "1", "--title", "Stream starts failing"], 4);
    assert_eq!(sb.rows(), rows);
}

#[test]
fn resolve_records_the_summary_and_the_times_and_refuses_twice() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let change = sb.json(&["resolve", "1", "--summary", "rolled back room v42"]);
    let incident = &change["incident"];
    assert_eq!(incident["status"], "resolved");
    assert_eq!(incident["summary"], "rolled back room v42");
    assert!(time(&incident["resolved_at"]) >= time(&incident["declared_at"]));
    assert_eq!(incident["mitigated_at"], incident["resolved_at"]);
    let kinds: Vec<&str> = change["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["note", "status"]);
    assert_eq!(
        change["written"][1]["text"],
        "status: investigating → resolved"
    );
    let shown = sb.show(id);
    assert!(shown["times"]["time_to_resolve_s"].as_i64().unwrap() >= 0);

    let rows = sb.rows();
    let err = sb.fails(&["resolve", "1", "--summary", "again"], 4);
    assert!(err.contains("already resolved"), "{err}");
    assert_eq!(sb.rows(), rows, "not even the summary is written");

    sb.declare("Chat slow");
    assert_eq!(
        sb.ok(&["resolve", "2"]),
        "incident 2: status: investigating → resolved\n"
    );
}

/// `show --json` of `before` with the clock-dependent figures taken from `after`:
/// everything that is stored must be equal.
fn before_with_fresh_times(before: &Value, after: &Value) -> Value {
    let mut expected = before.clone();
    expected["times"] = after["times"].clone();
    expected
}
