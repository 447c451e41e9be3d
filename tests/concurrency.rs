//! Two processes writing one database at the same time: no "database is locked", no
//! lost entry.

mod common;

use std::process::Command;
use std::thread;

use serde_json::Value;

const PER_WRITER: usize = 500;

fn sitrep(db: &std::path::Path) -> Command {
    common::backend::sitrep_on(db)
}

#[test]
fn two_processes_appending_500_entries_each_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let declared = sitrep(&db)
        .args(["declare", "--title", "concurrency", "--severity", "P2"])
        .output()
        .unwrap();
    assert!(
        declared.status.success(),
        "{}",
        String::from_utf8_lossy(&declared.stderr)
    );

    let writers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|writer| {
            let db = db.clone();
            thread::spawn(move || {
                for n in 0..PER_WRITER {
                    let out = sitrep(&db)
                        .args(["log", "1", "--kind", "mitigation", &format!("{writer}-{n}")])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "writer {writer} entry {n} failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("a writer failed");
    }

    let shown = sitrep(&db).args(["show", "1", "--json"]).output().unwrap();
    assert!(shown.status.success());
    let record: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let texts: Vec<&str> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "mitigation")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 2 * PER_WRITER);
    for writer in ["a", "b"] {
        for n in 0..PER_WRITER {
            let wanted = format!("{writer}-{n}");
            assert!(texts.contains(&wanted.as_str()), "missing {wanted}");
        }
    }
    // Each writer's own entries stay in the order it wrote them.
    for writer in ["a", "b"] {
        let own: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| t.starts_with(writer))
            .collect();
        let expected: Vec<String> = (0..PER_WRITER).map(|n| format!("{writer}-{n}")).collect();
        assert_eq!(own, expected);
    }
}
