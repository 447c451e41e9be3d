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
    // 10: the file enforces what sitrep assumes, since any process on the host that can
    // write it (sqlite3, a script) can write any bytes. SQLite cannot add a CHECK to a
    // table that exists, so triggers refuse a bad row on insert and update; rows that
    // were there before stay readable (sitrep reads them as unreadable values) and are
    // counted by `sitrep doctor`. Times are milliseconds from 2000 to 2100, and an
    // entry is not dated more than ten minutes ahead of this host's clock.
    r#"
    CREATE TRIGGER timeline_entry_checked BEFORE INSERT ON timeline_entry
    WHEN NEW.kind NOT IN ('mitigation', 'comms', 'note', 'status', 'severity', 'role', 'alert', 'followup')
        OR typeof(NEW.kind) <> 'text' OR typeof(NEW.text) <> 'text' OR typeof(NEW.author) <> 'text'
        OR typeof(NEW.at_ms) <> 'integer' OR NEW.at_ms NOT BETWEEN 946684800000 AND 4102444800000
        OR NEW.at_ms > unixepoch() * 1000 + 600000
    BEGIN SELECT RAISE(ABORT, 'sitrep: a timeline entry needs a known kind, text, and a time no later than now'); END;

    CREATE TRIGGER entry_revision_checked BEFORE INSERT ON entry_revision
    WHEN (NEW.kind IS NOT NULL AND NEW.kind NOT IN ('mitigation', 'comms', 'note'))
        OR typeof(NEW.text) <> 'text' OR typeof(NEW.author) <> 'text'
        OR typeof(NEW.at_ms) <> 'integer' OR NEW.at_ms NOT BETWEEN 946684800000 AND 4102444800000
        OR NEW.at_ms > unixepoch() * 1000 + 600000
    BEGIN SELECT RAISE(ABORT, 'sitrep: a revision needs a typed kind, text, and a time no later than now'); END;

    CREATE TRIGGER incident_checked BEFORE INSERT ON incident
    WHEN NOT coalesce((
        (NEW.root_cause IS NULL OR NEW.root_cause IN ('release', 'config', 'capacity', 'dependency',
            'infrastructure', 'network', 'data', 'security', 'unknown'))
        AND typeof(NEW.title) = 'text' AND typeof(NEW.commander) = 'text'
        AND typeof(NEW.declared_by) = 'text'
        AND coalesce(CASE WHEN json_valid(NEW.regions) THEN json_type(NEW.regions) END, '') = 'array'
        AND coalesce(CASE WHEN json_valid(NEW.cohorts) THEN json_type(NEW.cohorts) END, '') = 'array'
        AND coalesce(CASE WHEN json_valid(NEW.services) THEN json_type(NEW.services) END, '') = 'array'
        AND typeof(NEW.trigger_ms) = 'integer' AND NEW.trigger_ms BETWEEN 946684800000 AND 4102444800000
        AND typeof(NEW.declared_ms) = 'integer' AND NEW.declared_ms BETWEEN 946684800000 AND 4102444800000
        AND (NEW.mitigated_ms IS NULL OR NEW.mitigated_ms BETWEEN 946684800000 AND 4102444800000)
        AND (NEW.resolved_ms IS NULL OR NEW.resolved_ms BETWEEN 946684800000 AND 4102444800000)
        ), 0)
    BEGIN SELECT RAISE(ABORT, 'sitrep: an incident row needs known values, JSON name lists and sane times'); END;

    CREATE TRIGGER incident_checked_on_update BEFORE UPDATE ON incident
    WHEN NOT coalesce((
        (NEW.root_cause IS NULL OR NEW.root_cause IN ('release', 'config', 'capacity', 'dependency',
            'infrastructure', 'network', 'data', 'security', 'unknown'))
        AND typeof(NEW.title) = 'text' AND typeof(NEW.commander) = 'text'
        AND coalesce(CASE WHEN json_valid(NEW.regions) THEN json_type(NEW.regions) END, '') = 'array'
        AND coalesce(CASE WHEN json_valid(NEW.cohorts) THEN json_type(NEW.cohorts) END, '') = 'array'
        AND coalesce(CASE WHEN json_valid(NEW.services) THEN json_type(NEW.services) END, '') = 'array'
        AND typeof(NEW.trigger_ms) = 'integer' AND NEW.trigger_ms BETWEEN 946684800000 AND 4102444800000
        -- sitrep never changes when an incident was declared: checked only if changed.
        AND (NEW.declared_ms IS OLD.declared_ms
             OR (typeof(NEW.declared_ms) = 'integer' AND NEW.declared_ms BETWEEN 946684800000 AND 4102444800000))
        AND (NEW.mitigated_ms IS NULL OR NEW.mitigated_ms BETWEEN 946684800000 AND 4102444800000)
        AND (NEW.resolved_ms IS NULL OR NEW.resolved_ms BETWEEN 946684800000 AND 4102444800000)
        ), 0)
    BEGIN SELECT RAISE(ABORT, 'sitrep: an incident row needs known values, JSON name lists and sane times'); END;

    CREATE TRIGGER followup_checked BEFORE INSERT ON followup
    WHEN (NEW.due IS NOT NULL AND date(NEW.due) IS NOT NEW.due)
        OR typeof(NEW.title) <> 'text' OR typeof(NEW.owner) <> 'text'
        OR typeof(NEW.created_ms) <> 'integer' OR NEW.created_ms NOT BETWEEN 946684800000 AND 4102444800000
    BEGIN SELECT RAISE(ABORT, 'sitrep: a follow-up needs a title, an owner, a YYYY-MM-DD due date and a sane time'); END;

    CREATE TRIGGER followup_checked_on_update BEFORE UPDATE ON followup
    WHEN (NEW.due IS NOT NULL AND date(NEW.due) IS NOT NEW.due)
        OR typeof(NEW.title) <> 'text' OR typeof(NEW.owner) <> 'text'
        OR (NEW.done_ms IS NOT NULL AND NEW.done_ms NOT BETWEEN 946684800000 AND 4102444800000)
        OR (NEW.cancelled_ms IS NOT NULL AND NEW.cancelled_ms NOT BETWEEN 946684800000 AND 4102444800000)
    BEGIN SELECT RAISE(ABORT, 'sitrep: a follow-up needs a title, an owner, a YYYY-MM-DD due date and sane times'); END;
    "#,
    // 11: who keeps the log when no TUI is open: each `sitrep watch` beats here, and
    // one lease row says which of them does the duties that must not run twice.
    r#"
    CREATE TABLE watcher (
        id           TEXT    PRIMARY KEY,
        host         TEXT    NOT NULL,
        pid          INTEGER NOT NULL,
        version      TEXT    NOT NULL,
        started_ms   INTEGER NOT NULL,
        heartbeat_ms INTEGER NOT NULL,
        stopped_ms   INTEGER
    );
    CREATE TABLE watch_lease (
        name     TEXT    PRIMARY KEY,
        holder   TEXT    NOT NULL,
        until_ms INTEGER NOT NULL
    );
    CREATE INDEX timeline_entry_alerts ON timeline_entry (incident_id, id) WHERE kind = 'alert';
    "#,
    // 12: the alert history the review reads when Prometheus' own is not to be had:
    // one row per alert and start (the two unique indexes keep several processes to
    // one firing), and the stretches each process watched each source.
    r#"
    CREATE TABLE alert_firing (
        id          INTEGER PRIMARY KEY,
        alert_key   TEXT    NOT NULL,
        source      TEXT    NOT NULL,
        name        TEXT    NOT NULL,
        labels      TEXT    NOT NULL,
        annotations TEXT    NOT NULL,
        started_ms  INTEGER NOT NULL,
        ended_ms    INTEGER
    );
    CREATE UNIQUE INDEX alert_firing_start ON alert_firing (alert_key, started_ms);
    CREATE UNIQUE INDEX alert_firing_open ON alert_firing (alert_key) WHERE ended_ms IS NULL;
    CREATE INDEX alert_firing_time ON alert_firing (started_ms);
    CREATE INDEX alert_firing_source_open ON alert_firing (source) WHERE ended_ms IS NULL;
    CREATE TABLE alert_watch (
        holder   TEXT    NOT NULL,
        source   TEXT    NOT NULL,
        from_ms  INTEGER NOT NULL,
        until_ms INTEGER NOT NULL,
        PRIMARY KEY (holder, source, from_ms)
    );
    CREATE INDEX alert_watch_until ON alert_watch (source, until_ms);
    "#,
    // 13: an incident's deliveries by an index, not a scan of every delivery.
    r#"
    CREATE INDEX comms_delivery_by_incident ON comms_delivery (incident_id, id);
    "#,
];

/// For `sitrep doctor`: what each table's rows must be, as the checks of migration 10
/// say it (the same conditions, as SQL over the stored rows), to count the rows that
/// were written before the checks and break them.
pub const ROW_CHECKS: &[(&str, &str)] = &[
    (
        "timeline_entry",
        "kind IN ('mitigation', 'comms', 'note', 'status', 'severity', 'role', 'alert', 'followup') \
         AND typeof(kind) = 'text' AND typeof(text) = 'text' AND typeof(author) = 'text' \
         AND typeof(at_ms) = 'integer' AND at_ms BETWEEN 946684800000 AND 4102444800000",
    ),
    (
        "entry_revision",
        "(kind IS NULL OR kind IN ('mitigation', 'comms', 'note')) AND typeof(text) = 'text' \
         AND typeof(author) = 'text' AND typeof(at_ms) = 'integer' \
         AND at_ms BETWEEN 946684800000 AND 4102444800000",
    ),
    (
        "incident",
        "(root_cause IS NULL OR root_cause IN ('release', 'config', 'capacity', 'dependency', \
         'infrastructure', 'network', 'data', 'security', 'unknown')) \
         AND typeof(title) = 'text' AND typeof(commander) = 'text' \
         AND coalesce(CASE WHEN json_valid(regions) THEN json_type(regions) END, '') = 'array' \
         AND coalesce(CASE WHEN json_valid(cohorts) THEN json_type(cohorts) END, '') = 'array' \
         AND coalesce(CASE WHEN json_valid(services) THEN json_type(services) END, '') = 'array' \
         AND typeof(trigger_ms) = 'integer' AND trigger_ms BETWEEN 946684800000 AND 4102444800000 \
         AND typeof(declared_ms) = 'integer' AND declared_ms BETWEEN 946684800000 AND 4102444800000 \
         AND (mitigated_ms IS NULL OR mitigated_ms BETWEEN 946684800000 AND 4102444800000) \
         AND (resolved_ms IS NULL OR resolved_ms BETWEEN 946684800000 AND 4102444800000)",
    ),
    (
        "followup",
        "(due IS NULL OR date(due) IS due) AND typeof(title) = 'text' AND typeof(owner) = 'text' \
         AND typeof(created_ms) = 'integer' AND created_ms BETWEEN 946684800000 AND 4102444800000",
    ),
];

/// Rows written before the checks of migration 10 that break them, by table.
pub fn rows_breaking_checks(conn: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut out = Vec::new();
    for (table, ok) in ROW_CHECKS {
        let count: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE NOT coalesce(({ok}), 0)"),
            [],
            |r| r.get(0),
        )?;
        if count > 0 {
            out.push((table.to_string(), count));
        }
    }
    Ok(out)
}

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
