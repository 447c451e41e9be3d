//! The database schema as a list of migrations keyed on `PRAGMA user_version`.
//!
//! Migration N (1-based) takes a database from version N-1 to N. They run in one
//! `BEGIN IMMEDIATE` transaction after a backup copy of the file has been made; a
//! database newer than the last migration here is refused before anything is written.

use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::{Connection, TransactionBehavior};

use super::error::StoreError;
use super::file::restrict_to_owner;

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
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Refuses a database from a newer sitrep. Reads only.
pub fn check_not_newer(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let found = user_version(conn)?;
    if found > latest_version() {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: latest_version(),
        });
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
    tx.commit()?;
    Ok(backup)
}

fn backup(conn: &Connection, path: &Path, version: i64) -> Result<PathBuf, StoreError> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".v{version}-backup-{stamp}"));
    let target = path.with_file_name(name);
    let target_text = target
        .to_str()
        .ok_or_else(|| StoreError::BadValue(format!("backup path {target:?} is not UTF-8")))?;
    // VACUUM INTO writes a consistent copy even while other connections use the WAL.
    conn.execute("VACUUM INTO ?1", [target_text])?;
    restrict_to_owner(&target)?;
    Ok(target)
}
