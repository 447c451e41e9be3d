//! The SQLite backend: one host's durable incident log in one file.
//!
//! Every write is one `BEGIN IMMEDIATE` transaction committed with WAL and
//! `synchronous=FULL`, so when a call returns its change is on disk and survives
//! `kill -9`; a second process on the same file waits for the lock instead of failing.
//! Reads made of several statements run in one read transaction, so a concurrent
//! writer never tears them.

pub(crate) mod file;
mod outbox;
pub mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};

use super::rows::{
    self, json_list, millis, Columns, FOLLOWUP_COLUMNS, INCIDENT_COLUMNS, PRUNE_WATCHERS_MS,
    WATCHER_COLUMNS,
};
use super::{
    Backend, Change, Diagnostics, FollowUpChange, FollowUpChangeFn, FollowUpFilter, IncidentChange,
    IncidentRecord, Once, StoreError,
};
use crate::domain::alert::LinkedAlert;
use crate::domain::alert_history::{History, HistoryEvent, COVER_GAP};
use crate::domain::outbox::{Claimed, Delivery, DeliveryState};
use crate::domain::review::ReviewedIncident;
use crate::domain::watchers::Watcher;
use crate::domain::{
    EntryId, EntryKind, FollowUp, FollowUpId, Incident, IncidentId, NewEntry, NewFollowUp,
    NewIncident, Revision, Status, TimelineEntry,
};

/// An open SQLite sitrep database.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
}

impl SqliteStore {
    /// Opens (creating with mode 0600 if missing) and migrates the database at `path`.
    /// A database from a newer sitrep is refused before anything is written to it.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        Self::open_inner(path, busy_timeout).map_err(|e| e.at(path))
    }

    fn open_inner(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        file::create_if_missing(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(busy_timeout)?;
        // Read-only checks first: a newer database must stay byte-for-byte untouched.
        schema::check_not_newer(&conn, path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                detail: format!("cannot switch to WAL journal mode (got '{mode}')"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        #[cfg(target_os = "macos")]
        conn.pragma_update(None, "fullfsync", "ON")?;
        keep_wal(&conn)?;
        schema::migrate(&mut conn, path)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            read_only: false,
        })
    }

    /// Opens the database for commands that only read. Where it cannot be written (a
    /// read-only file or directory) it is opened read-only instead, as long as its
    /// schema is current; a file that does not exist yet is created as by [`open`].
    ///
    /// [`open`]: SqliteStore::open
    pub fn open_for_reading(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        match Self::open(path, busy_timeout) {
            Err(StoreError::ReadOnly { .. } | StoreError::Open { .. }) if path.is_file() => {
                Self::open_read_only(path, busy_timeout).map_err(|e| e.at(path))
            }
            other => other,
        }
    }

    fn open_read_only(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        let open = |uri: String| -> Result<Connection, StoreError> {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI;
            let conn = Connection::open_with_flags(uri, flags)?;
            conn.busy_timeout(busy_timeout)?;
            schema::check_not_newer(&conn, path)?;
            Ok(conn)
        };
        let uri = file_uri(path);
        let conn = match open(uri.clone()) {
            Ok(conn) => conn,
            // WAL needs its -shm file; with none and no -wal left behind, the main file
            // holds every commit and can be read as immutable.
            Err(_) if !wal_file(path).exists() => open(format!("{uri}?immutable=1"))?,
            Err(e) => return Err(e),
        };
        let found = schema::user_version(&conn)?;
        if found != schema::latest_version() {
            return Err(StoreError::NeedsMigration {
                path: path.to_path_buf(),
                found,
                latest: schema::latest_version(),
            });
        }
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            read_only: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Backend for SqliteStore {
    fn append_for_posting(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        channels: &[String],
        give_up_at: DateTime<Utc>,
        once: Once,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.write(|tx| {
            load_incident_row(tx, id)?;
            if repeats(tx, id, entry, once)? {
                return Ok(None);
            }
            outbox::append_for_posting(tx, id, entry, channels, give_up_at).map(Some)
        })
    }

    fn beat(&mut self, me: &Watcher, lease_until: DateTime<Utc>) -> Result<bool, StoreError> {
        self.write(|tx| {
            let now = millis(me.heartbeat);
            tx.execute(
                "INSERT INTO watcher (id, host, pid, version, started_ms, heartbeat_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
                params![me.id, me.host, me.pid, me.version, millis(me.started), now],
            )?;
            tx.execute(
                "DELETE FROM watcher WHERE heartbeat_ms < ?1",
                params![now - PRUNE_WATCHERS_MS],
            )?;
            tx.execute(
                "INSERT INTO watch_lease (name, holder, until_ms) VALUES ('duties', ?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms \
                 WHERE watch_lease.holder = excluded.holder OR watch_lease.until_ms < ?3",
                params![me.id, millis(lease_until), now],
            )?;
            let holder: Option<String> = tx
                .query_row("SELECT holder FROM watch_lease WHERE name = 'duties'", [], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(holder.as_deref() == Some(me.id.as_str()))
        })
    }

    fn watchers(&mut self) -> Result<Vec<Watcher>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {WATCHER_COLUMNS} FROM watcher w \
                 LEFT JOIN watch_lease l ON l.name = 'duties' ORDER BY w.heartbeat_ms DESC"
            ))?;
            let rows = stmt.query_map([], |row| Ok(rows::watcher(row)))?;
            let mut out = Vec::new();
            for row in rows {
                // A row written around sitrep that does not read is left out here:
                // it says nothing about a running watcher.
                if let Ok(w) = row? {
                    out.push(w);
                }
            }
            Ok(out)
        })
    }

    fn outbox_backlog(&mut self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(rows::OUTBOX_BACKLOG)?;
            let mut found = stmt.query([])?;
            match found.next()? {
                Some(row) => rows::backlog(row),
                None => Ok((0, None)),
            }
        })
    }

    fn leave(&mut self, me: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE watcher SET stopped_ms = ?2 WHERE id = ?1",
                params![me, millis(chrono::Utc::now())],
            )?;
            tx.execute(
                "UPDATE watch_lease SET until_ms = 0 WHERE name = 'duties' AND holder = ?1",
                params![me],
            )?;
            Ok(())
        })
    }

    fn record_alert_history(
        &mut self,
        holder: &str,
        events: &[HistoryEvent],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let gap = COVER_GAP.num_milliseconds();
            for event in events {
                match event {
                    HistoryEvent::Opened(f) => {
                        tx.prepare_cached(
                            "INSERT INTO alert_firing (alert_key, source, name, labels, annotations, started_ms) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                        )?
                        .execute(params![
                            f.key,
                            f.alert.source,
                            f.alert.name,
                            f.labels_json(),
                            f.annotations_json(),
                            millis(f.started)
                        ])?;
                    }
                    HistoryEvent::Closed { key, at } => {
                        tx.prepare_cached(
                            "UPDATE alert_firing SET ended_ms = max(started_ms, ?2) \
                             WHERE alert_key = ?1 AND ended_ms IS NULL AND started_ms <= ?2",
                        )?
                        .execute(params![key, millis(*at)])?;
                    }
                    HistoryEvent::Reconcile { source, firing, at } => {
                        let at = millis(*at);
                        let last: Option<i64> = tx.query_row(
                            "SELECT max(until_ms) FROM alert_watch WHERE source = ?1 AND until_ms <= ?2",
                            params![source, at],
                            |r| r.get(0),
                        )?;
                        let still: std::collections::HashSet<&str> =
                            firing.iter().map(String::as_str).collect();
                        let open: Vec<String> = tx
                            .prepare_cached(
                                "SELECT alert_key FROM alert_firing WHERE source = ?1 AND ended_ms IS NULL",
                            )?
                            .query_map([source], |r| r.get::<_, String>(0))?
                            .collect::<Result<_, _>>()?;
                        let mut close = tx.prepare_cached(
                            "UPDATE alert_firing SET ended_ms = max(started_ms, ?2) \
                             WHERE alert_key = ?1 AND ended_ms IS NULL",
                        )?;
                        for key in open.iter().filter(|k| !still.contains(k.as_str())) {
                            close.execute(params![key, last.unwrap_or(at)])?;
                        }
                    }
                    HistoryEvent::Covered { source, at } => {
                        let at = millis(*at);
                        let extended = tx
                            .prepare_cached(
                                "UPDATE alert_watch SET until_ms = max(until_ms, ?3) \
                                 WHERE holder = ?1 AND source = ?2 AND until_ms >= ?3 - ?4 AND from_ms <= ?3",
                            )?
                            .execute(params![holder, source, at, gap])?;
                        if extended == 0 {
                            tx.prepare_cached(
                                "INSERT INTO alert_watch (holder, source, from_ms, until_ms) \
                                 VALUES (?1, ?2, ?3, ?3) ON CONFLICT DO NOTHING",
                            )?
                            .execute(params![holder, source, at])?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    fn alert_history(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<History, StoreError> {
        self.read(|conn| {
            let range = params![millis(from), millis(to)];
            let firings = conn
                .prepare_cached(&rows::firings_between(("?1", "?2")))?
                .query_map(range, |row| Ok(rows::firing(row)))?
                .collect::<Result<Vec<_>, _>>()?;
            let spans = conn
                .prepare_cached(&rows::spans_between(("?1", "?2")))?
                .query_map(range, |row| Ok(rows::span(row)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows::history(firings, spans))
        })
    }

    fn claim_deliveries(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        entry: Option<EntryId>,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        self.write(|tx| outbox::claim(tx, now, lease_until, entry, limit))
    }

    fn retry_delivery(
        &mut self,
        id: i64,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| outbox::retry(tx, id, next_at, error))
    }

    fn finish_delivery(
        &mut self,
        id: i64,
        state: DeliveryState,
        error: Option<&str>,
        entry: &NewEntry,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.write(|tx| outbox::finish(tx, id, state, error, entry))
    }

    fn deliveries(&mut self, id: IncidentId) -> Result<Vec<Delivery>, StoreError> {
        self.read(|conn| outbox::list(conn, id))
    }

    fn rows_breaking_checks(&mut self) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            Ok(schema::rows_breaking_checks(conn)?
                .into_iter()
                .map(|(table, n)| format!("{n} {table} row(s)"))
                .collect())
        })
    }

    fn incident_query_plans(&mut self) -> Result<Vec<(&'static str, String)>, StoreError> {
        self.read(|conn| {
            incident_statements()
                .into_iter()
                .map(|(name, sql)| {
                    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
                    let lines = stmt
                        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))?
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok((name, lines.join("\n")))
                })
                .collect()
        })
    }

    fn change_token(&mut self) -> Result<Option<i64>, StoreError> {
        self.read(|conn| Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?))
            .map(Some)
    }

    fn quick_check(&mut self) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare("PRAGMA quick_check(5)")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut problems = Vec::new();
            for row in rows {
                problems.push(row?);
            }
            Ok(Some(crate::domain::text::sanitize_line(
                &problems.join("; "),
            )))
        })
    }

    fn diagnostics(&mut self) -> Result<Diagnostics, StoreError> {
        self.read(|conn| {
            let text = |sql: &str| -> Result<String, StoreError> {
                Ok(conn
                    .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
                    .map(|v| match v {
                        rusqlite::types::Value::Text(t) => t,
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        other => format!("{other:?}"),
                    })?)
            };
            let synchronous = match text("PRAGMA synchronous")?.as_str() {
                "0" => "OFF",
                "1" => "NORMAL",
                "2" => "FULL",
                "3" => "EXTRA",
                _ => "unknown",
            };
            Ok(Diagnostics {
                backend: "sqlite",
                target: self.path.display().to_string(),
                version: text("SELECT sqlite_version()")?,
                schema_version: schema::user_version(conn)?,
                journal_mode: text("PRAGMA journal_mode")?.to_ascii_uppercase(),
                synchronous: synchronous.to_string(),
                read_only: self.read_only,
            })
        })
    }

    /// Stores a new incident and the entries that open its timeline.
    fn declare(&mut self, new: NewIncident) -> Result<Change, StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO incident (title, severity, status, commander, comms_lead, trigger_ms, \
                 declared_ms, declared_by, regions, cohorts, drill, public_title, public_impact, \
                 services) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    new.title,
                    new.severity.as_str(),
                    Status::Investigating.as_str(),
                    new.commander,
                    new.comms_lead,
                    millis(new.trigger_time),
                    millis(new.declared_at),
                    new.declared_by,
                    json_list(&new.regions),
                    json_list(&new.cohorts),
                    new.drill,
                    new.public_title,
                    new.public_impact,
                    json_list(&new.services),
                ],
            )?;
            let id = IncidentId(tx.last_insert_rowid());
            let mut insert_alert = tx.prepare_cached(
                "INSERT INTO linked_alert (incident_id, fingerprint, name, source, service, region, summary, \
                 runbook_url, generator_url, starts_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for a in &new.alerts {
                insert_alert.execute(params![
                    id.0,
                    a.fingerprint,
                    a.name,
                    a.source,
                    a.service,
                    a.region,
                    a.summary,
                    a.runbook_url,
                    a.generator_url,
                    a.starts_at.map(millis),
                ])?;
            }
            // Fingerprints named without details (`declare --alert FP`).
            sync_linked_alerts(tx, id, &new.linked_alerts)?;
            let entries = new
                .entries()
                .iter()
                .map(|e| insert_entry(tx, id, e))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Change {
                incident: new.into_incident(id),
                entries,
            })
        })
    }

    fn append_entry(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        once: Once,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.write(|tx| {
            load_incident_row(tx, id)?;
            if repeats(tx, id, entry, once)? {
                return Ok(None);
            }
            insert_entry(tx, id, entry).map(Some)
        })
    }

    /// Corrects a typed entry: the new text is added as a revision; the old text stays.
    fn amend_entry(
        &mut self,
        entry_id: EntryId,
        text: Option<&str>,
        kind: Option<EntryKind>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<TimelineEntry, StoreError> {
        self.write(|tx| {
            let mut entry = load_entry(tx, entry_id)?;
            let revision = entry.correct(author, text, kind, now)?;
            tx.execute(
                "INSERT INTO entry_revision (entry_id, at_ms, author, text, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    entry_id.0,
                    millis(revision.at),
                    revision.author,
                    revision.text,
                    revision.kind.map(|k| k.as_str())
                ],
            )?;
            entry.apply(revision);
            Ok(entry)
        })
    }

    /// Adds a follow-up to an incident, recorded in its timeline.
    fn add_follow_up(&mut self, new: NewFollowUp) -> Result<FollowUpChange, StoreError> {
        self.write(|tx| {
            load_incident_row(tx, new.incident_id)?;
            tx.execute(
                "INSERT INTO followup (incident_id, title, owner, due, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    new.incident_id.0,
                    new.title,
                    new.owner,
                    new.due.map(|d| d.to_string()),
                    millis(new.created_at)
                ],
            )?;
            let id = FollowUpId(tx.last_insert_rowid());
            let entry = insert_entry(tx, new.incident_id, &new.entry(id))?;
            Ok(FollowUpChange {
                follow_up: new.into_follow_up(id),
                entry,
            })
        })
    }

    /// Marks a follow-up done, recorded in its incident's timeline.
    fn change_follow_up(
        &mut self,
        id: FollowUpId,
        change: FollowUpChangeFn<'_>,
    ) -> Result<FollowUpChange, StoreError> {
        self.write(|tx| {
            let mut follow_up = tx
                .query_row(
                    &format!("SELECT {FOLLOWUP_COLUMNS} FROM followup WHERE id = ?1"),
                    [id.0],
                    |row| Ok(rows::follow_up(row)),
                )
                .optional()?
                .ok_or(StoreError::FollowUpNotFound(id))??;
            let new_entry = change(&mut follow_up)?;
            tx.execute(
                "UPDATE followup SET title = ?1, owner = ?2, due = ?3, done_ms = ?4, \
                 cancelled_ms = ?5, cancel_reason = ?6 WHERE id = ?7",
                params![
                    follow_up.title,
                    follow_up.owner,
                    follow_up.due.map(|d| d.to_string()),
                    follow_up.done_at.map(millis),
                    follow_up.cancelled_at.map(millis),
                    follow_up.cancel_reason,
                    id.0
                ],
            )?;
            let entry = insert_entry(tx, follow_up.incident_id, &new_entry)?;
            Ok(FollowUpChange { follow_up, entry })
        })
    }

    /// Incidents, newest declared first; only unresolved ones when `open_only`.
    fn list_incidents(&mut self, open_only: bool) -> Result<Vec<Incident>, StoreError> {
        self.read(|conn| query_incidents(conn, open_only))
    }

    /// One incident with its whole timeline (oldest first) and its follow-ups.
    fn load_incident(&mut self, id: IncidentId) -> Result<IncidentRecord, StoreError> {
        self.read(|conn| {
            let incident = load_incident_row(conn, id)?;
            let timeline = load_timeline(conn, id)?;
            let follow_ups = query_follow_ups(
                conn,
                &FollowUpFilter {
                    incident: Some(id),
                    ..FollowUpFilter::default()
                },
            )?;
            let alerts = load_linked_alerts(conn, id)?;
            Ok(IncidentRecord {
                incident,
                timeline,
                follow_ups,
                alerts,
            })
        })
    }

    /// Everything the reliability review reads: every incident with what it keeps of
    /// its alerts, and every follow-up.
    fn review_data(&mut self) -> Result<(Vec<ReviewedIncident>, Vec<FollowUp>), StoreError> {
        self.read(|conn| {
            let incidents = query_incidents(conn, false)?;
            let mut stmt = conn.prepare_cached(
                "SELECT incident_id, fingerprint, name, source, service, region, summary, runbook_url, \
                 generator_url, starts_ms FROM linked_alert ORDER BY rowid",
            )?;
            let mut rows = stmt.query([])?;
            let mut alerts: HashMap<i64, Vec<LinkedAlert>> = HashMap::new();
            while let Some(row) = rows.next()? {
                // A row whose incident id is not a number belongs to no incident.
                if let Ok(incident) = row.int(0) {
                    alerts.entry(incident).or_default().push(rows::linked_alert_at(row, 1));
                }
            }
            let mut stmt = conn.prepare_cached(rows::REVIEW_STEPS)?;
            let mut found = stmt.query([])?;
            let mut entries = Vec::new();
            while let Some(row) = found.next()? {
                entries.push(rows::entry(row));
            }
            let mut stmt = conn.prepare_cached(rows::REVIEW_STEP_REVISIONS)?;
            let mut found = stmt.query([])?;
            let mut revisions = Vec::new();
            while let Some(row) = found.next()? {
                revisions.push(rows::revision(row)?);
            }
            let mut steps = rows::steps_by_incident(entries, revisions);
            let reviewed = incidents
                .into_iter()
                .map(|incident| ReviewedIncident {
                    alerts: alerts.remove(&incident.id.0).unwrap_or_default(),
                    steps: steps.remove(&incident.id.0).unwrap_or_default(),
                    incident,
                })
                .collect();
            Ok((reviewed, query_follow_ups(conn, &FollowUpFilter::default())?))
        })
    }

    /// Follow-ups across incidents: open ones first by due date, then by id.
    fn list_follow_ups(&mut self, filter: &FollowUpFilter) -> Result<Vec<FollowUp>, StoreError> {
        self.read(|conn| query_follow_ups(conn, filter))
    }

    /// Runs `change` on the stored incident inside one write transaction and stores
    /// the result together with the entries it returns, or nothing if it refuses.
    fn update_incident(
        &mut self,
        id: IncidentId,
        change: IncidentChange<'_>,
    ) -> Result<Change, StoreError> {
        self.write(|tx| {
            let mut incident = load_incident_row(tx, id)?;
            let newest: Option<i64> = tx.query_row(NEWEST_ENTRY, [id.0], |r| r.get(0))?;
            let new_entries = rows::not_before(change(&mut incident)?, newest);
            save_incident(tx, &incident)?;
            let entries = new_entries
                .iter()
                .map(|e| insert_entry(tx, id, e))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Change { incident, entries })
        })
    }
}

impl SqliteStore {
    fn write<T>(
        &mut self,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let run = || {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = body(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e: StoreError| e.at(&path))
    }

    /// Runs `body` in one read transaction: every statement in it sees the same
    /// snapshot of the database, whatever other processes commit meanwhile.
    fn read<T>(
        &self,
        body: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let run = || {
            let tx = self.conn.unchecked_transaction()?;
            let out = body(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e: StoreError| e.at(&self.path))
    }
}

/// `file:` URI of `path`, for opening with flags (read-only, immutable).
/// Keeps the WAL between processes. A `sitrep log` is one process and one commit:
/// by default the last connection to close checkpoints the WAL into the main file and
/// deletes it, and the next process creates it again (and syncs its directory), five
/// fsyncs for one entry. Kept, a commit costs the one fsync of its WAL frames, as
/// `synchronous=FULL` promises; SQLite still checkpoints once the WAL passes
/// `wal_autocheckpoint` (1,000 pages), so it does not grow without end. Every commit
/// is in the WAL and synced before the call returns: `kill -9` and power loss keep it
/// (the database is the file with its `-wal` beside it, as SQLite's own tools read it).
fn keep_wal(conn: &Connection) -> Result<(), StoreError> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    let mut persist = 1;
    conn.file_control(
        rusqlite::DEFAULT_NAME,
        rusqlite::FileControl::PersistWal(&mut persist),
    )?;
    Ok(())
}

fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(char::from(*byte))
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}

fn wal_file(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push("-wal");
    PathBuf::from(name)
}

fn query_incidents(conn: &Connection, open_only: bool) -> Result<Vec<Incident>, StoreError> {
    let filter = if open_only {
        "WHERE status <> 'resolved'"
    } else {
        ""
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incident {filter} ORDER BY declared_ms DESC, id DESC"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(rows::incident(row)?);
    }
    let mut stmt =
        conn.prepare_cached("SELECT incident_id, fingerprint FROM linked_alert ORDER BY rowid")?;
    let mut rows = stmt.query([])?;
    let mut linked: HashMap<i64, Vec<String>> = HashMap::new();
    while let Some(row) = rows.next()? {
        if let Ok(incident) = row.int(0) {
            linked
                .entry(incident)
                .or_default()
                .push(rows::fingerprint(row, 1));
        }
    }
    for incident in &mut out {
        incident.linked_alerts = linked.remove(&incident.id.0).unwrap_or_default();
    }
    Ok(out)
}

/// Makes the incident's linked_alert rows match `fingerprints`: rows for others are
/// removed, and a fingerprint with no row gets one with its fingerprint as name.
fn sync_linked_alerts(
    tx: &Transaction<'_>,
    id: IncidentId,
    fingerprints: &[String],
) -> Result<(), StoreError> {
    let existing: Vec<String> = tx
        .prepare_cached(LINKED_TO_SYNC)?
        .query_map([id.0], |r| Ok(rows::fingerprint(r, 0)))?
        .collect::<Result<_, _>>()?;
    for gone in existing.iter().filter(|f| !fingerprints.contains(f)) {
        tx.execute(
            "DELETE FROM linked_alert WHERE incident_id = ?1 AND fingerprint = ?2",
            params![id.0, gone],
        )?;
    }
    for fingerprint in fingerprints.iter().filter(|f| !existing.contains(f)) {
        tx.execute(
            "INSERT OR IGNORE INTO linked_alert (incident_id, fingerprint, name, source) \
             VALUES (?1, ?2, ?2, '')",
            params![id.0, fingerprint],
        )?;
    }
    Ok(())
}

/// Whether `entry` says again what incident `id`'s log says (see [`Once`]). The
/// write transaction (`BEGIN IMMEDIATE`) holds the file's write lock, so no other
/// process writes between this check and the insert.
fn repeats(
    tx: &Transaction<'_>,
    id: IncidentId,
    entry: &NewEntry,
    once: Once,
) -> Result<bool, StoreError> {
    match once {
        Once::Always => Ok(false),
        Once::SameText => Ok(tx.prepare_cached(SAME_TEXT)?.exists(params![
            id.0,
            entry.kind.as_str(),
            entry.text
        ])?),
        Once::AlertTransition => {
            let Some(needle) = crate::store::alert_needle(entry) else {
                return Ok(false);
            };
            let texts = tx
                .prepare_cached(ALERT_ENTRIES)?
                .query_map(params![id.0, needle], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(crate::store::alert_repeats(entry, &texts))
        }
    }
}

fn load_incident_row(conn: &Connection, id: IncidentId) -> Result<Incident, StoreError> {
    let mut stmt = conn.prepare_cached(&incident_by_id())?;
    let mut rows = stmt.query([id.0])?;
    let mut incident = match rows.next()? {
        Some(row) => rows::incident(row)?,
        None => return Err(StoreError::IncidentNotFound(id)),
    };
    incident.linked_alerts = conn
        .prepare_cached(LINKED_FINGERPRINTS)?
        .query_map([id.0], |r| Ok(rows::fingerprint(r, 0)))?
        .collect::<Result<_, _>>()?;
    Ok(incident)
}

fn save_incident(tx: &Transaction<'_>, i: &Incident) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE incident SET title = ?2, severity = ?3, status = ?4, commander = ?5, comms_lead = ?6, \
         trigger_ms = ?7, mitigated_ms = ?8, resolved_ms = ?9, regions = ?10, cohorts = ?11, \
         summary = ?12, root_cause = ?13, release_related = ?14, rollback_performed = ?15, \
         drill = ?16, public_title = ?17, public_impact = ?18, services = ?19 WHERE id = ?1",
        params![
            i.id.0,
            i.title,
            i.severity.as_str(),
            i.status.as_str(),
            i.commander,
            i.comms_lead,
            millis(i.trigger_time),
            i.mitigated_at.map(millis),
            i.resolved_at.map(millis),
            json_list(&i.regions),
            json_list(&i.cohorts),
            i.summary,
            i.root_cause.map(|c| c.as_str()),
            i.release_related,
            i.rollback_performed,
            i.drill,
            i.public_title,
            i.public_impact,
            json_list(&i.services),
        ],
    )?;
    sync_linked_alerts(tx, i.id, &i.linked_alerts)
}

fn insert_entry(
    tx: &Transaction<'_>,
    id: IncidentId,
    e: &NewEntry,
) -> Result<TimelineEntry, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    stmt.execute(params![
        id.0,
        millis(e.at),
        e.author,
        e.kind.as_str(),
        e.text
    ])?;
    let at = rows::time("at_ms", millis(e.at))?;
    Ok(TimelineEntry {
        id: EntryId(tx.last_insert_rowid()),
        incident_id: id,
        at,
        author: e.author.clone(),
        kind: e.kind,
        text: e.text.clone(),
        revisions: vec![Revision {
            at,
            author: e.author.clone(),
            text: e.text.clone(),
            kind: Some(e.kind),
        }],
        db_role: None,
    })
}

fn load_timeline(conn: &Connection, id: IncidentId) -> Result<Vec<TimelineEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(TIMELINE)?;
    let mut rows = stmt.query([id.0])?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        entries.push(rows::entry(row));
    }
    let mut stmt = conn.prepare_cached(TIMELINE_REVISIONS)?;
    let mut rows = stmt.query([id.0])?;
    let mut revisions = Vec::new();
    while let Some(row) = rows.next()? {
        revisions.push(rows::revision(row)?);
    }
    Ok(rows::timeline(entries, revisions))
}

fn load_linked_alerts(conn: &Connection, id: IncidentId) -> Result<Vec<LinkedAlert>, StoreError> {
    let mut stmt = conn.prepare_cached(LINKED_ALERTS)?;
    let mut rows = stmt.query([id.0])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(rows::linked_alert(row));
    }
    Ok(out)
}

fn load_entry(conn: &Connection, id: EntryId) -> Result<TimelineEntry, StoreError> {
    let entry = conn
        .query_row(
            "SELECT id, incident_id, at_ms, author, kind, text FROM timeline_entry WHERE id = ?1",
            [id.0],
            |row| Ok(rows::entry(row)),
        )
        .optional()?
        .ok_or(StoreError::EntryNotFound(id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT entry_id, at_ms, author, text, kind, id FROM entry_revision WHERE entry_id = ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([id.0])?;
    let mut revisions = Vec::new();
    while let Some(row) = rows.next()? {
        revisions.push(rows::revision(row)?);
    }
    rows::revised(entry, revisions)
}

fn query_follow_ups(
    conn: &Connection,
    filter: &FollowUpFilter,
) -> Result<Vec<FollowUp>, StoreError> {
    let mut stmt = conn.prepare_cached(&rows::follow_ups_query(filter, |n| format!("?{n}")))?;
    let owner = filter.owner.as_ref().map(|o| o as &dyn rusqlite::ToSql);
    let incident = filter
        .incident
        .as_ref()
        .map(|i| &i.0 as &dyn rusqlite::ToSql);
    let bound: Vec<&dyn rusqlite::ToSql> = owner.into_iter().chain(incident).collect();
    let mut rows = stmt.query(bound.as_slice())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(rows::follow_up(row)?);
    }
    Ok(out)
}

/// Every statement that reads or checks one incident, by name, as this module runs
/// it: the ones whose plan must use an index, so that working on one incident costs
/// the same in a database of a hundred as of a hundred thousand.
fn incident_statements() -> Vec<(&'static str, String)> {
    vec![
        ("incident", incident_by_id()),
        ("linked fingerprints", LINKED_FINGERPRINTS.to_string()),
        ("linked fingerprints to sync", LINKED_TO_SYNC.to_string()),
        ("linked alerts", LINKED_ALERTS.to_string()),
        ("timeline", TIMELINE.to_string()),
        ("timeline revisions", TIMELINE_REVISIONS.to_string()),
        ("newest entry", NEWEST_ENTRY.to_string()),
        ("same text", SAME_TEXT.to_string()),
        ("alert entries", ALERT_ENTRIES.to_string()),
        (
            "follow-ups",
            rows::follow_ups_query(
                &FollowUpFilter {
                    incident: Some(IncidentId(1)),
                    ..FollowUpFilter::default()
                },
                |n| format!("?{n}"),
            ),
        ),
        ("deliveries", outbox::by_incident()),
    ]
}

fn incident_by_id() -> String {
    format!("SELECT {INCIDENT_COLUMNS} FROM incident WHERE id = ?1")
}
const LINKED_FINGERPRINTS: &str =
    "SELECT fingerprint FROM linked_alert WHERE incident_id = ?1 ORDER BY rowid";
const LINKED_TO_SYNC: &str = "SELECT fingerprint FROM linked_alert WHERE incident_id = ?1";
const LINKED_ALERTS: &str = "SELECT fingerprint, name, source, service, region, summary, \
    runbook_url, generator_url, starts_ms FROM linked_alert WHERE incident_id = ?1 ORDER BY rowid";
const TIMELINE: &str = "SELECT id, incident_id, at_ms, author, kind, text FROM timeline_entry \
    WHERE incident_id = ?1 ORDER BY at_ms, id";
const TIMELINE_REVISIONS: &str = "SELECT r.entry_id, r.at_ms, r.author, r.text, r.kind, r.id \
    FROM entry_revision r JOIN timeline_entry e ON e.id = r.entry_id WHERE e.incident_id = ?1 \
    ORDER BY r.id";
const NEWEST_ENTRY: &str = "SELECT max(at_ms) FROM timeline_entry WHERE incident_id = ?1";
const SAME_TEXT: &str =
    "SELECT 1 FROM timeline_entry WHERE incident_id = ?1 AND kind = ?2 AND text = ?3";
const ALERT_ENTRIES: &str = "SELECT text FROM timeline_entry WHERE incident_id = ?1 \
    AND kind = 'alert' AND typeof(text) = 'text' AND instr(text, ?2) > 0 ORDER BY id DESC LIMIT 8";

impl Columns for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
    /// Any stored value as text: SQLite keeps whatever type a writer gave a column
    /// (a number, a blob, bytes that are not UTF-8), so each is read as what it says.
    fn raw_text(&self, i: usize) -> Result<String, StoreError> {
        self.raw_opt_text(i)?
            .ok_or_else(|| StoreError::BadValue(format!("column {i} is NULL")))
    }
    fn raw_opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        use rusqlite::types::ValueRef;
        Ok(match self.get_ref(i)? {
            ValueRef::Null => None,
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            ValueRef::Integer(n) => Some(n.to_string()),
            ValueRef::Real(x) => Some(x.to_string()),
        })
    }
    fn boolean(&self, i: usize) -> Result<bool, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, StoreError> {
        Ok(self.get(i)?)
    }
}
