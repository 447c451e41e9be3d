//! The database schema as a list of migrations keyed on `PRAGMA user_version`.
//!
//! Migration N (1-based) takes a database from version N-1 to N. They run in one
//! `BEGIN IMMEDIATE` transaction after a backup copy of the file has been made; a
//! database newer than the last migration here is refused before anything is written,
//! and so is a SQLite file that belongs to another program.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::{Connection, TransactionBehavior};

use super::file::{create_private_file, restrict_to_owner};
use crate::store::StoreError;

/// Every migration, oldest first. Never edit one that has shipped; add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: incidents, the append-only timeline, follow-ups.
    r#"
    CREATE TABLE incident (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        title              TEXT    NOT NULL,
        severity           TEXT    NOT NULL CHECK (severity IN ('P1', 'P2')),
        status             TEXT    NOT NULL
                           CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
        commander          TEXT    NOT NULL CHECK (commander <> ''),
        comms_lead         TEXT,
        trigger_ms         INTEGER NOT NULL,
        declared_ms        INTEGER NOT NULL,
        declared_by        TEXT    NOT NULL,
        mitigated_ms       INTEGER,
        resolved_ms        INTEGER,
        regions            TEXT    NOT NULL DEFAULT '[]',
        cohorts            TEXT    NOT NULL DEFAULT '[]',
        summary            TEXT,
        root_cause         TEXT,
        release_related    INTEGER,
        rollback_performed INTEGER,
        drill              INTEGER NOT NULL DEFAULT 0,
        linked_alerts      TEXT    NOT NULL DEFAULT '[]'
    );
    CREATE INDEX incident_by_status ON incident (status, declared_ms);

    CREATE TABLE timeline_entry (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incident (id),
        at_ms       INTEGER NOT NULL,
        author      TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        text        TEXT    NOT NULL
    );
    CREATE INDEX timeline_entry_by_incident ON timeline_entry (incident_id, at_ms, id);
    CREATE TRIGGER timeline_entry_never_updated BEFORE UPDATE ON timeline_entry
    BEGIN SELECT RAISE(ABORT, 'timeline entries are never rewritten; add a revision'); END;
    CREATE TRIGGER timeline_entry_never_deleted BEFORE DELETE ON timeline_entry
    BEGIN SELECT RAISE(ABORT, 'timeline entries are never deleted'); END;

    CREATE TABLE followup (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incident (id),
        title       TEXT    NOT NULL,
        owner       TEXT    NOT NULL,
        due         TEXT,
        created_ms  INTEGER NOT NULL,
        done_ms     INTEGER
    );
    CREATE INDEX followup_by_incident ON followup (incident_id);
    "#,
    // 2: corrections to typed entries, kept as revisions beside the original text.
    r#"
    CREATE TABLE entry_revision (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id INTEGER NOT NULL REFERENCES timeline_entry (id),
        at_ms    INTEGER NOT NULL,
        author   TEXT    NOT NULL,
        text     TEXT    NOT NULL
    );
    CREATE INDEX entry_revision_by_entry ON entry_revision (entry_id, id);
    CREATE TRIGGER entry_revision_never_updated BEFORE UPDATE ON entry_revision
    BEGIN SELECT RAISE(ABORT, 'revisions are never rewritten'); END;
    CREATE TRIGGER entry_revision_never_deleted BEFORE DELETE ON entry_revision
    BEGIN SELECT RAISE(ABORT, 'revisions are never deleted'); END;
    "#,
    // 3: what an incident keeps of the alerts it was declared from.
    r#"
    CREATE TABLE linked_alert (
        incident_id   INTEGER NOT NULL REFERENCES incident (id),
        fingerprint   TEXT    NOT NULL,
        name          TEXT    NOT NULL,
        source        TEXT    NOT NULL,
        service       TEXT,
        region        TEXT,
        summary       TEXT,
        runbook_url   TEXT,
        generator_url TEXT,
        starts_ms     INTEGER,
        PRIMARY KEY (incident_id, fingerprint)
    );
    "#,
    // 4: one truth for linked alerts. The fingerprint list on the incident and the
    // linked_alert rows could disagree (an unlink left the row); the rows win, made
    // to match the list first.
    r#"
    INSERT OR IGNORE INTO linked_alert (incident_id, fingerprint, name, source)
        SELECT i.id, j.value, j.value, '' FROM incident i, json_each(i.linked_alerts) j;
    DELETE FROM linked_alert WHERE NOT EXISTS (
        SELECT 1 FROM incident i, json_each(i.linked_alerts) j
        WHERE i.id = linked_alert.incident_id AND j.value = linked_alert.fingerprint);
    ALTER TABLE incident DROP COLUMN linked_alerts;
    "#,
    // 5: a correction may change an entry's kind as well as its text.
    r#"
    ALTER TABLE entry_revision ADD COLUMN kind TEXT;
    "#,
    // 6: a follow-up may be cancelled, with a reason.
    r#"
    ALTER TABLE followup ADD COLUMN cancelled_ms INTEGER;
    ALTER TABLE followup ADD COLUMN cancel_reason TEXT;
    "#,
    // 7: what customers are told, apart from the internal title.
    r#"
    ALTER TABLE incident ADD COLUMN public_title TEXT;
    ALTER TABLE incident ADD COLUMN public_impact TEXT;
    "#,
    // 8: the services an incident affects (JSON list, like regions).
    r#"
    ALTER TABLE incident ADD COLUMN services TEXT NOT NULL DEFAULT '[]';
    "#,
    // 9: the comms outbox: one delivery per comms update and channel, written with
    // the update, so a restart finishes what was not posted and never posts twice.
    r#"
    CREATE TABLE comms_delivery (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id   INTEGER NOT NULL REFERENCES incident (id),
        entry_id      INTEGER NOT NULL REFERENCES timeline_entry (id),
        channel       TEXT    NOT NULL,
        state         TEXT    NOT NULL CHECK (state IN ('pending', 'posted', 'failed')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_ms       INTEGER NOT NULL,
        give_up_ms    INTEGER NOT NULL,
        lease_ms      INTEGER,
        last_error    TEXT,
        done_ms       INTEGER,
        UNIQUE (entry_id, channel)
    );
    CREATE INDEX comms_delivery_due ON comms_delivery (state, next_ms);
    "#,
];

/// `PRAGMA application_id` of a sitrep database ("sitr"): another program's SQLite
/// file is told apart from ours before anything is written to it.
pub const APPLICATION_ID: i64 = 0x7369_7472;

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Refuses a database from a newer sitrep, and a SQLite file of another program (it
/// has tables but no sitrep schema, or another program's application id). Reads only.
pub fn check_not_newer(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let found = user_version(conn)?;
    let application_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let foreign = |why: String| StoreError::Foreign {
        path: path.to_path_buf(),
        detail: why,
    };
    if application_id != 0 && application_id != APPLICATION_ID {
        return Err(foreign(format!(
            "its application id is {application_id:#x}, not sitrep's"
        )));
    }
    if found > latest_version() {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: latest_version(),
        });
    }
    if application_id == 0 {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let ours =
            tables.iter().any(|t| t == "incident") && tables.iter().any(|t| t == "timeline_entry");
        if !tables.is_empty() && (found == 0 || !ours) {
            let shown: Vec<String> = tables.iter().take(5).map(|t| format!("'{t}'")).collect();
            return Err(foreign(format!(
                "it has tables {}{} and no sitrep schema",
                shown.join(", "),
                if tables.len() > 5 { ", …" } else { "" }
            )));
        }
        if tables.is_empty() && found != 0 {
            return Err(foreign(format!(
                "it has schema version {found} but no tables"
            )));
        }
        // An empty schema in a file that is not empty is made into a sitrep database
        // only when SQLite finds it sound (found by fuzzing: a damaged header with no
        // tables was written to, then refused as malformed).
        let on_disk = std::fs::metadata(path).map_or(0, |m| m.len());
        if tables.is_empty() && on_disk > 0 {
            let check: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(StoreError::NotADatabase {
                    path: path.to_path_buf(),
                    detail: format!(
                        "SQLite finds it damaged ({}); it was left untouched",
                        crate::domain::text::sanitize_line(&check)
                    ),
                });
            }
        }
    }
    Ok(found)
}

/// Brings the database up to [`latest_version`]. A database that already holds a
/// schema is first copied next to itself (`<file>.v<N>-backup-<time>`).
/// Returns the backup's path when one was made.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<Option<PathBuf>, StoreError> {
    let found = check_not_newer(conn, path)?;
    if found == latest_version() {
        return Ok(None);
    }
    let backup = if found > 0 {
        Some(backup(conn, path, found)?)
    } else {
        None
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated while this one waited for the write lock.
    let current = user_version(&tx)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(backup)
}

/// The suffix of a backup that is still being written.
const PARTIAL: &str = ".partial";

/// Copies the database to `<file>.v<N>-backup-<time>`: written owner-only under a
/// temporary name and renamed once complete, so a kill or a full disk never leaves
/// something that looks like a backup; partial ones from an earlier kill are removed.
fn backup(conn: &Connection, path: &Path, version: i64) -> Result<PathBuf, StoreError> {
    remove_partial_backups(path);
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".v{version}-backup-{stamp}"));
    let target = path.with_file_name(&name);
    name.push(PARTIAL);
    let partial = path.with_file_name(name);
    let partial_text = partial
        .to_str()
        .ok_or_else(|| StoreError::BadValue(format!("backup path {partial:?} is not UTF-8")))?;
    // An empty owner-only file first: VACUUM INTO fills an empty file and keeps its mode.
    create_private_file(&partial)?;
    let copied = conn
        .execute("VACUUM INTO ?1", [partial_text])
        .map_err(StoreError::from)
        .and_then(|_| restrict_to_owner(&partial))
        .and_then(|()| {
            fs::rename(&partial, &target).map_err(|e| StoreError::Other {
                path: target.clone(),
                detail: format!("cannot finish the backup: {e}"),
            })
        });
    if let Err(e) = copied {
        remove_with_journal(&partial);
        return Err(e);
    }
    Ok(target)
}

fn remove_with_journal(file: &Path) {
    let _ = fs::remove_file(file);
    let mut journal = file.as_os_str().to_os_string();
    journal.push("-journal");
    let _ = fs::remove_file(PathBuf::from(journal));
}

/// Removes `<file>.v*-backup-*.partial` (and their journals) left by a killed backup.
fn remove_partial_backups(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{name}.v");
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let base = file.strip_suffix("-journal").unwrap_or(file);
        if base.starts_with(&prefix) && base.contains("-backup-") && base.ends_with(PARTIAL) {
            let _ = fs::remove_file(entry.path());
        }
    }
}
