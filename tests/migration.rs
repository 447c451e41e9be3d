//! Schema migrations: an older database is backed up, migrated and keeps its rows; a
//! newer one is refused and left byte for byte as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use rusqlite::Connection;
use serde_json::Value;
use sitrep::store::schema::{latest_version, MIGRATIONS};

fn sitrep(db: &Path, args: &[&str]) -> Output {
    common::backend::sitrep_on(db).args(args).output().unwrap()
}

/// A database as the first schema version wrote it, with an incident, two entries and
/// a follow-up, in rollback-journal mode as a fresh file would be.
fn version_1_database(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(MIGRATIONS[0]).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute_batch(
        "INSERT INTO incident (id, title, severity, status, commander, trigger_ms, declared_ms, declared_by, regions)
         VALUES (1, 'old incident', 'P1', 'identified', 'alice', 1795000000000, 1795000060000, 'alice', '[\"eu-west\"]');
         INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text)
         VALUES (1, 1795000060000, 'alice', 'status', 'declared P1 incident'),
                (1, 1795000120000, 'alice', 'mitigation', 'drained eu-west');
         INSERT INTO followup (incident_id, title, owner, due, created_ms)
         VALUES (1, 'add canary', 'bob', '2030-01-01', 1795000180000);",
    )
    .unwrap();
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".v1-backup-"))
        .collect()
}

#[test]
fn an_older_database_is_backed_up_migrated_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    version_1_database(&db);

    let out = sitrep(&db, &["show", "1", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["incident"]["title"], "old incident");
    assert_eq!(record["incident"]["regions"][0], "eu-west");
    assert_eq!(record["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(record["follow_ups"][0]["owner"], "bob");

    let conn = Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, latest_version());

    let copies = backups(dir.path());
    assert_eq!(copies.len(), 1, "exactly one backup copy: {copies:?}");
    let backup = Connection::open(&copies[0]).unwrap();
    let old_version: i64 = backup
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let old_entries: i64 = backup
        .query_row("SELECT count(*) FROM timeline_entry", [], |r| r.get(0))
        .unwrap();
    assert_eq!((old_version, old_entries), (1, 2));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&copies[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup is owner-only");
    }

    // The new schema works: amending needs the revision table of version 2.
    let amended = sitrep(&db, &["amend", "2", "drained eu-west and us-east"]);
    assert!(
        amended.status.success(),
        "{}",
        String::from_utf8_lossy(&amended.stderr)
    );
    // Opening again migrates nothing and makes no second backup.
    assert!(sitrep(&db, &["list"]).status.success());
    assert_eq!(backups(dir.path()).len(), 1);
}

#[test]
fn a_newer_database_is_refused_and_left_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.db");
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES (42);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
    }
    let before = fs::read(&db).unwrap();

    for args in [
        &["list"][..],
        &["declare", "--title", "t", "--severity", "P1"][..],
        &["show", "1"][..],
    ] {
        let out = sitrep(&db, args);
        assert_eq!(out.status.code(), Some(5), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("newer sitrep") && stderr.contains("upgrade"),
            "{stderr}"
        );
    }
    assert_eq!(fs::read(&db).unwrap(), before, "the file changed");
    assert!(!db.with_extension("db-wal").exists());
    assert!(backups(dir.path()).is_empty());
}

#[test]
fn a_new_database_is_created_owner_only_at_the_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    assert!(sitrep(&db, &["list"]).status.success());
    let conn = Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, latest_version());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&db).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn the_timeline_cannot_be_rewritten_even_with_raw_sql() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    assert!(
        sitrep(&db, &["declare", "--title", "t", "--severity", "P2"])
            .status
            .success()
    );
    let conn = Connection::open(&db).unwrap();
    assert!(conn
        .execute("UPDATE timeline_entry SET text = 'rewritten'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM timeline_entry", []).is_err());
}

/// A version 3 database whose two records of linked alerts disagree (an unlink left
/// the row behind): after migrating, the incident's list is the one truth.
#[test]
fn linked_alerts_are_one_list_after_migrating_from_version_3() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v3.db");
    {
        let conn = Connection::open(&db).unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute_batch(
            "INSERT INTO incident (id, title, severity, status, commander, trigger_ms, declared_ms, declared_by, linked_alerts)
             VALUES (1, 'room', 'P1', 'identified', 'alice', 1795000000000, 1795000060000, 'alice', '[\"kept\",\"listed-only\"]');
             INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text)
             VALUES (1, 1795000060000, 'alice', 'status', 'declared P1 incident');
             INSERT INTO linked_alert (incident_id, fingerprint, name, source) VALUES
                (1, 'kept', 'RoomDown', 'am'), (1, 'unlinked', 'Stale', 'am');",
        )
        .unwrap();
    }
    let out = sitrep(&db, &["show", "1", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        record["incident"]["linked_alerts"],
        serde_json::json!(["kept", "listed-only"])
    );
    let names: Vec<&str> = record["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["RoomDown", "listed-only"]);
}

/// A backup left half-written by a kill is never mistaken for one: it carries a
/// `.partial` name until complete, and the next migration removes it.
#[test]
fn a_partial_backup_from_a_killed_migration_is_removed_and_the_real_one_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    version_1_database(&db);
    let stale = dir
        .path()
        .join("old.db.v1-backup-20260101T000000.000Z.partial");
    fs::write(&stale, b"half a copy").unwrap();
    fs::write(
        dir.path()
            .join("old.db.v1-backup-20260101T000000.000Z.partial-journal"),
        b"j",
    )
    .unwrap();
    assert!(sitrep(&db, &["list"]).status.success());
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".partial")), "{names:?}");
    let copies = backups(dir.path());
    assert_eq!(copies.len(), 1, "{names:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&copies[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
