//! The incident document: one JSON shape for every command that prints an incident,
//! pinned here field by field, so that changing it is a deliberate act (update this
//! schema, the README's "JSON output" section and the CHANGELOG together).

use serde_json::{json, Value};

use crate::sandbox::Sandbox;

/// Leaves name a type; a trailing `?` allows `null`. `time` is RFC 3339 UTC with
/// milliseconds, `date` is `YYYY-MM-DD`. An array holds the schema of every element.
fn entry() -> Value {
    json!({
        "id": "integer",
        "incident_id": "integer",
        "at": "time",
        "author": "string",
        "kind": "kind",
        "text": "string",
        "revisions": [{
            "at": "time",
            "author": "string",
            "text": "string",
            "kind": "kind?",
        }],
        "db_role": "string?",
    })
}

fn incident() -> Value {
    json!({
        "id": "integer",
        "title": "string",
        "severity": "severity",
        "status": "status",
        "commander": "string",
        "comms_lead": "string?",
        "trigger_time": "time",
        "declared_at": "time",
        "declared_by": "string",
        "mitigated_at": "time?",
        "resolved_at": "time?",
        "regions": ["string"],
        "cohorts": ["string"],
        "services": ["string"],
        "summary": "string?",
        "root_cause": "root_cause?",
        "release_related": "boolean?",
        "rollback_performed": "boolean?",
        "drill": "boolean",
        "linked_alerts": ["string"],
        "public_title": "string?",
        "public_impact": "string?",
    })
}

fn times() -> Value {
    json!({
        "time_to_declare_s": "integer",
        "time_to_mitigate_s": "integer?",
        "time_to_resolve_s": "integer?",
        "duration_s": "integer",
        "triage_remaining_s": "integer?",
    })
}

fn document() -> Value {
    json!({
        "incident": incident(),
        "times": times(),
        "timeline": [entry()],
        "follow_ups": [{
            "id": "integer",
            "incident_id": "integer",
            "title": "string",
            "owner": "string",
            "due": "date?",
            "created_at": "time",
            "state": "followup_state",
            "done_at": "time?",
            "cancelled_at": "time?",
            "cancel_reason": "string?",
        }],
        "alerts": [{
            "fingerprint": "string",
            "name": "string",
            "source": "string",
            "service": "string?",
            "region": "string?",
            "summary": "string?",
            "runbook_url": "string?",
            "generator_url": "string?",
            "starts_at": "time?",
        }],
        "written": [entry()],
    })
}

fn list_row() -> Value {
    json!({ "incident": incident(), "times": times() })
}

/// Every difference between `value` and `schema`, as `path: what`.
fn check(path: &str, schema: &Value, value: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(fields) => {
            let Some(got) = value.as_object() else {
                out.push(format!("{path}: expected an object, got {value}"));
                return;
            };
            for (key, sub) in fields {
                match got.get(key) {
                    Some(v) => check(&format!("{path}.{key}"), sub, v, out),
                    None => out.push(format!("{path}.{key}: missing")),
                }
            }
            for key in got.keys().filter(|k| !fields.contains_key(*k)) {
                out.push(format!("{path}.{key}: not in the schema"));
            }
        }
        Value::Array(element) => {
            let Some(items) = value.as_array() else {
                out.push(format!("{path}: expected an array, got {value}"));
                return;
            };
            for (n, item) in items.iter().enumerate() {
                check(&format!("{path}[{n}]"), &element[0], item, out);
            }
        }
        Value::String(leaf) => {
            let (ty, nullable) = match leaf.strip_suffix('?') {
                Some(ty) => (ty, true),
                None => (leaf.as_str(), false),
            };
            if value.is_null() {
                if !nullable {
                    out.push(format!("{path}: null, expected {ty}"));
                }
                return;
            }
            let s = value.as_str().unwrap_or("");
            let ok = match ty {
                "integer" => value.is_i64(),
                "boolean" => value.is_boolean(),
                "string" => value.is_string(),
                "time" => {
                    value.is_string()
                        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
                        && s.ends_with('Z')
                }
                "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
                "severity" => ["P1", "P2"].contains(&s),
                "status" => ["investigating", "identified", "monitoring", "resolved"].contains(&s),
                "kind" => [
                    "mitigation",
                    "comms",
                    "note",
                    "status",
                    "severity",
                    "role",
                    "alert",
                    "followup",
                ]
                .contains(&s),
                "root_cause" => [
                    "release",
                    "config",
                    "capacity",
                    "dependency",
                    "infrastructure",
                    "network",
                    "data",
                    "security",
                    "unknown",
                ]
                .contains(&s),
                "followup_state" => ["open", "done", "cancelled"].contains(&s),
                other => panic!("schema names an unknown type {other}"),
            };
            if !ok {
                out.push(format!("{path}: expected {ty}, got {value}"));
            }
        }
        other => panic!("bad schema node {other}"),
    }
}

fn assert_shape(what: &str, schema: &Value, value: &Value) {
    let mut problems = Vec::new();
    check("$", schema, value, &mut problems);
    assert!(
        problems.is_empty(),
        "{what} --json is not the pinned shape:\n{}\n{value:#}",
        problems.join("\n")
    );
}

#[test]
fn every_command_that_prints_an_incident_prints_the_one_document() {
    let sb = Sandbox::new();
    let declared = sb.json_warned(
        &[
            "declare",
            "--title",
            "Stream starts failing",
            "--severity",
            "p1",
            "--service",
            "room",
            "--region",
            "eu-west",
            "--cohort",
            "android",
            "--comms-lead",
            "carol",
            "--alert",
            "fp-1",
        ],
        "no alert source is configured",
    );
    assert_shape("declare", &document(), &declared);
    assert_eq!(declared["written"].as_array().map(Vec::len), Some(4));
    assert_eq!(declared["timeline"], declared["written"]);

    // Fill every optional part so each element schema is checked on real values.
    sb.ok(&["log", "1", "--kind", "mitigation", "rolled back room"]);
    sb.ok(&["amend", "5", "--kind", "comms", "customers told"]);
    sb.ok(&[
        "followup", "add", "1", "--owner", "bob", "--due", "+7d", "canary",
    ]);
    sb.ok(&["followup", "add", "1", "--owner", "bob", "no date"]);
    sb.ok(&["followup", "cancel", "2", "--reason", "duplicate"]);

    let changes: [(&str, &[&str]); 5] = [
        ("status", &["status", "1", "identified"]),
        ("severity", &["severity", "1", "p2"]),
        ("assign", &["assign", "1", "--commander", "bob"]),
        (
            "edit",
            &[
                "edit",
                "1",
                "--root-cause",
                "release",
                "--release-related",
                "yes",
                "--public-title",
                "Video start problems",
            ],
        ),
        ("resolve", &["resolve", "1", "--summary", "rolled back"]),
    ];
    for (what, args) in changes {
        let doc = sb.json(args);
        assert_shape(what, &document(), &doc);
        let written = doc["written"].as_array().unwrap();
        assert!(!written.is_empty(), "{what} wrote entries: {doc:#}");
        let timeline = doc["timeline"].as_array().unwrap();
        assert_eq!(
            &timeline[timeline.len() - written.len()..],
            &written[..],
            "{what}: what it wrote ends the timeline"
        );
    }

    let shown = sb.json(&["show", "1"]);
    assert_shape("show", &document(), &shown);
    assert_eq!(shown["written"], json!([]));
    assert_eq!(shown["follow_ups"].as_array().map(Vec::len), Some(2));
    assert_eq!(shown["follow_ups"][1]["cancel_reason"], "duplicate");
    assert!(shown["times"]["time_to_resolve_s"].is_i64());

    sb.declare("Chat slow");
    let list = sb.json(&["list"]);
    assert_shape("list", &json!([list_row()]), &list);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[1]["incident"], shown["incident"]);
    assert_eq!(list[1]["times"], shown["times"]);
}
