//! The durable incident log: the only module that speaks SQL.
//!
//! One API, two engines. [`Store`] is what the rest of the program sees: it speaks the
//! domain (declare, append an entry, change status, load an incident…) and runs the
//! domain's lifecycle rules inside one transaction per change. Underneath, a
//! [`Backend`] per engine does the SQL: SQLite (`sqlite/`, one host, zero setup) and
//! PostgreSQL (`postgres/`, the team database). The same promises hold on both and the
//! same test suite proves them: a call returns only once its change is durable, two
//! writers never lose each other's work, reads see one consistent state, the timeline
//! is append-only, and a database from a newer sitrep is refused untouched.
//!
//! What the two engines share and what each keeps. Shared, once: mapping rows to
//! domain values and sanitizing what is read back (`rows.rs`, through the
//! [`rows::Columns`] trait each engine implements for its row type), the column
//! lists, and every rule about what a change may do (the domain's, run inside the
//! transaction). Kept per engine, on purpose, even where two bodies look alike:
//! the statements themselves. The dialects differ in the places that carry the
//! promises: placeholders (`?1` / `$1`) and parameter types (`rusqlite::params!`
//! / `&dyn ToSql`), how a writer is serialized (`BEGIN IMMEDIATE` on the file /
//! `SELECT … FOR UPDATE` and retried serialization failures on the server), how a
//! new id comes back (`last_insert_rowid` / `RETURNING`), and what the schema can
//! enforce (triggers / constraints and grants). A shared statement layer would have
//! to hide exactly those; the duplicated shape is the price of reading each
//! engine's SQL as it runs. The outbox and alert-transition methods delegate to
//! one module per engine (`*/outbox.rs`) for the same reason.

mod error;
pub mod postgres;
mod rows;
pub mod sqlite;
mod target;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::alert::AlertEvent;
use crate::domain::outbox::{Claimed, Delivery, DeliveryState};
use crate::domain::review::ReviewedIncident;
use crate::domain::watchers::Watcher;
use crate::domain::{
    DomainError, EntryId, EntryKind, FollowUp, FollowUpId, Incident, IncidentEdit, IncidentId,
    NewEntry, NewFollowUp, NewIncident, Severity, Status, TimelineEntry,
};
pub use error::StoreError;
pub use sqlite::schema;
pub use target::Target;

/// How long a write waits for another process's lock before giving up, by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

// What a read or a change gives back is the core's own data: the store maps its
// rows to these, and the app and UI read them without knowing the store.
pub use crate::domain::record::{Change, FollowUpChange, IncidentRecord};

/// Which follow-ups to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpFilter {
    pub open_only: bool,
    pub owner: Option<String>,
    pub incident: Option<IncidentId>,
}

/// What the store is running on, for `doctor` and the tests that check durability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The database file, or the server and database (never a password).
    pub target: String,
    /// The engine's version.
    pub version: String,
    pub schema_version: i64,
    /// SQLite's journal mode (`WAL`); on PostgreSQL, `fsync` as the server runs it.
    pub journal_mode: String,
    /// What makes a commit durable: SQLite's `synchronous` (FULL), PostgreSQL's
    /// `synchronous_commit` for this session (on).
    pub synchronous: String,
    pub read_only: bool,
}

/// What a copy did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    /// Incidents added.
    pub incidents: usize,
    /// Incidents that were there already (from an earlier copy).
    pub incidents_present: usize,
    /// Incidents that collided with another incident's id and got new ids.
    pub renumbered: usize,
    pub entries: usize,
    pub revisions: usize,
    pub follow_ups: usize,
    pub alerts: usize,
}

/// A change the domain decides on a loaded incident: the entries that record it, or
/// why it is refused. Called again if the backend retries the transaction.
pub type IncidentChange<'a> =
    &'a mut dyn FnMut(&mut Incident) -> Result<Vec<NewEntry>, DomainError>;

/// A change the domain decides on a loaded follow-up: the entry that records it, or
/// why it is refused. Called again if the backend retries the transaction, on a
/// fresh copy each time.
pub type FollowUpChangeFn<'a> = &'a mut dyn FnMut(&mut FollowUp) -> Result<NewEntry, DomainError>;

/// When an append is skipped as saying again what the log already says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Once {
    /// Never: a person's entry, a change.
    Always,
    /// When an entry of the same kind and text is there.
    SameText,
    /// When the last event logged for the same alert says the same change (see
    /// [`AlertEvent::repeats`]); an entry that is not an alert event is written.
    AlertTransition,
}

/// The text a backend searches alert entries for to find those of `entry`'s alert
/// (a substring; [`alert_repeats`] checks each hit), when `entry` is an alert event.
pub(crate) fn alert_needle(entry: &NewEntry) -> Option<String> {
    AlertEvent::read(&entry.text).map(|(_, fp)| format!("(fingerprint {fp}, started "))
}

/// Whether `entry` (an alert event) repeats the log, given the texts of the
/// incident's alert entries that name its alert, newest first.
pub(crate) fn alert_repeats(entry: &NewEntry, newest_first: &[String]) -> bool {
    let Some((event, fingerprint)) = AlertEvent::read(&entry.text) else {
        return false;
    };
    let last = newest_first.iter().find_map(|text| {
        AlertEvent::read(text)
            .filter(|(_, fp)| *fp == fingerprint)
            .map(|(e, _)| (e, text.as_str()))
    });
    event.repeats(&entry.text, last)
}

/// One engine under the store. Every method is one transaction (reads included), and
/// a write returns only once it is durable. Dialect stays in the implementations.
pub trait Backend: Send {
    fn diagnostics(&mut self) -> Result<Diagnostics, StoreError>;
    /// The engine's own consistency check, when it has a cheap one (SQLite's
    /// `quick_check`): `Ok(None)` when there is none, else "ok" or the first problems.
    fn quick_check(&mut self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    /// Rows written before the database enforced what sitrep assumes that break it
    /// (sitrep reads them as unreadable values): one line per table or rule, with the
    /// count; empty when there are none.
    fn rows_breaking_checks(&mut self) -> Result<Vec<String>, StoreError>;
    /// A value that changes whenever anyone commits, for engines without a change feed
    /// (SQLite's `data_version`); `None` where changes are pushed (PostgreSQL).
    fn change_token(&mut self) -> Result<Option<i64>, StoreError>;
    /// The engine's plan (`EXPLAIN`) for each statement that reads or checks one
    /// incident, by name, as a generic plan would run it (any incident, any
    /// database size), with a full table scan made as costly as it can be: a plan
    /// that still scans a table has no index to use.
    fn incident_query_plans(&mut self) -> Result<Vec<(&'static str, String)>, StoreError>;
    fn declare(&mut self, new: NewIncident) -> Result<Change, StoreError>;
    /// Appends `entry`, unless `once` finds it says again what the log says
    /// (returns `None` then). The check and the write are one transaction, with the
    /// incident locked, so two processes never both write it.
    fn append_entry(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        once: Once,
    ) -> Result<Option<TimelineEntry>, StoreError>;
    /// Loads the incident locked for this transaction, applies `change`, and stores
    /// the result with the entries it returns, or nothing if it refuses.
    fn update_incident(
        &mut self,
        id: IncidentId,
        change: IncidentChange<'_>,
    ) -> Result<Change, StoreError>;
    /// Corrects a typed entry's text and/or kind, kept as a revision.
    fn amend_entry(
        &mut self,
        entry_id: EntryId,
        text: Option<&str>,
        kind: Option<EntryKind>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<TimelineEntry, StoreError>;
    fn add_follow_up(&mut self, new: NewFollowUp) -> Result<FollowUpChange, StoreError>;
    /// Loads follow-up `id` for update, applies `change`, stores every field it may
    /// have changed and the entry that records it.
    fn change_follow_up(
        &mut self,
        id: FollowUpId,
        change: FollowUpChangeFn<'_>,
    ) -> Result<FollowUpChange, StoreError>;
    fn list_incidents(&mut self, open_only: bool) -> Result<Vec<Incident>, StoreError>;
    fn load_incident(&mut self, id: IncidentId) -> Result<IncidentRecord, StoreError>;
    fn review_data(&mut self) -> Result<(Vec<ReviewedIncident>, Vec<FollowUp>), StoreError>;
    fn list_follow_ups(&mut self, filter: &FollowUpFilter) -> Result<Vec<FollowUp>, StoreError>;
    /// Appends a comms update and, in the same transaction, one pending delivery per
    /// channel (due at once, given up at `give_up_at`).
    fn append_for_posting(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        channels: &[String],
        give_up_at: DateTime<Utc>,
        once: Once,
    ) -> Result<Option<TimelineEntry>, StoreError>;
    /// Records `me`'s heartbeat and takes or keeps the duty lease until
    /// `lease_until` when it is free, lapsed or already `me`'s; whether `me` holds it.
    fn beat(&mut self, me: &Watcher, lease_until: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Every watcher's last heartbeat (a day's worth: older ones are pruned).
    fn watchers(&mut self) -> Result<Vec<Watcher>, StoreError>;
    /// `me` stops: its heartbeat goes and its lease is free at once.
    fn leave(&mut self, me: &str) -> Result<(), StoreError>;
    /// Writes what `holder` saw of its sources' alerts (firings opened and closed,
    /// the time it watched), in one transaction. Several processes writing the same
    /// events leave one firing each.
    fn record_alert_history(
        &mut self,
        holder: &str,
        events: &[crate::domain::alert_history::HistoryEvent],
    ) -> Result<(), StoreError>;
    /// Firings overlapping `[from, to)` and the stretches watched in it.
    fn alert_history(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<crate::domain::alert_history::History, StoreError>;
    /// Deliveries still pending, and when the oldest one's update was logged.
    fn outbox_backlog(&mut self) -> Result<(i64, Option<DateTime<Utc>>), StoreError>;
    /// Claims up to `limit` pending deliveries due at `now` and not held by another
    /// process, holding them until `lease_until`; with `entry`, only that update's.
    fn claim_deliveries(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        entry: Option<EntryId>,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError>;
    /// After a failed try: counts it and releases the delivery until `next_at`.
    fn retry_delivery(
        &mut self,
        id: i64,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;
    /// Marks a pending delivery posted or failed (counting the try) and writes
    /// `entry` to the timeline, in one transaction; `None` when it was no longer
    /// pending (another process finished it), and then nothing is written.
    fn finish_delivery(
        &mut self,
        id: i64,
        state: DeliveryState,
        error: Option<&str>,
        entry: &NewEntry,
    ) -> Result<Option<TimelineEntry>, StoreError>;
    /// Every delivery of an incident's comms updates, oldest first.
    fn deliveries(&mut self, id: IncidentId) -> Result<Vec<Delivery>, StoreError>;
}

/// An open sitrep database, on whichever engine.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl Store {
    /// Opens (creating with mode 0600 if missing) and migrates the SQLite database at
    /// `path`. A database from a newer sitrep is refused before anything is written.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        Ok(Self::on(sqlite::SqliteStore::open(path, busy_timeout)?))
    }

    /// Opens a SQLite database for commands that only read: where it cannot be
    /// written, it is opened read-only (see [`sqlite::SqliteStore::open_for_reading`]).
    pub fn open_for_reading(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        Ok(Self::on(sqlite::SqliteStore::open_for_reading(
            path,
            busy_timeout,
        )?))
    }

    /// Opens whichever database `target` names; `read_only` for commands that only
    /// read (it matters to SQLite files in read-only places).
    pub fn connect(
        target: &Target,
        busy_timeout: Duration,
        read_only: bool,
    ) -> Result<Self, StoreError> {
        match target {
            Target::Sqlite(path) if read_only => Self::open_for_reading(path, busy_timeout),
            Target::Sqlite(path) => Self::open(path, busy_timeout),
            Target::Postgres(pg) => Ok(Self::on(postgres::PgStore::connect(pg, busy_timeout)?)),
        }
    }

    fn on(backend: impl Backend + 'static) -> Self {
        Self {
            backend: Box::new(backend),
        }
    }

    /// The engine's consistency check (`sitrep doctor`); `None` where there is none.
    pub fn quick_check(&mut self) -> Result<Option<String>, StoreError> {
        self.backend.quick_check()
    }

    /// See [`Backend::rows_breaking_checks`] (`sitrep doctor`).
    pub fn rows_breaking_checks(&mut self) -> Result<Vec<String>, StoreError> {
        self.backend.rows_breaking_checks()
    }

    /// See [`Backend::incident_query_plans`]: what the index tests read.
    #[doc(hidden)]
    pub fn incident_query_plans(&mut self) -> Result<Vec<(&'static str, String)>, StoreError> {
        self.backend.incident_query_plans()
    }

    /// The engine, its durability settings and the schema version.
    pub fn diagnostics(&mut self) -> Result<Diagnostics, StoreError> {
        self.backend.diagnostics()
    }

    /// See [`Backend::change_token`].
    pub fn change_token(&mut self) -> Result<Option<i64>, StoreError> {
        self.backend.change_token()
    }

    /// Stores a new incident and the entries that open its timeline.
    pub fn declare(&mut self, new: NewIncident) -> Result<Change, StoreError> {
        self.backend.declare(new)
    }

    /// Appends one typed entry (mitigation, comms or note) to an incident's timeline.
    pub fn append_entry(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
    ) -> Result<TimelineEntry, StoreError> {
        self.backend
            .append_entry(id, entry, Once::Always)?
            .ok_or_else(|| StoreError::BadValue("an append wrote nothing".into()))
    }

    /// Appends `entry` unless the incident's timeline already holds an entry of the
    /// same kind and text: for what several sitrep processes would each say (a
    /// reminder). Returns the entry when it was written.
    pub fn append_entry_once(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.backend.append_entry(id, entry, Once::SameText)
    }

    /// Appends what an alert did (an [`AlertEvent`] entry) unless the log already
    /// says it: every TUI and watcher on the database sees the same change and only
    /// the first to write it does (see [`AlertEvent::repeats`]).
    pub fn append_alert_event(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.backend.append_entry(id, entry, Once::AlertTransition)
    }

    /// Appends a comms update to be posted to `channels`: the entry and its
    /// deliveries are one transaction, so an update is never posted unrecorded and a
    /// recorded one is never forgotten.
    pub fn append_for_posting(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        channels: &[String],
        give_up_at: DateTime<Utc>,
    ) -> Result<TimelineEntry, StoreError> {
        self.backend
            .append_for_posting(id, entry, channels, give_up_at, Once::Always)?
            .ok_or_else(|| StoreError::BadValue("an append wrote nothing".into()))
    }

    /// [`Store::append_for_posting`] unless the timeline already holds the same
    /// entry (a reminder another watcher gave): `None` then, and nothing is posted.
    pub fn append_once_for_posting(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        channels: &[String],
        give_up_at: DateTime<Utc>,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.backend
            .append_for_posting(id, entry, channels, give_up_at, Once::SameText)
    }

    /// See [`Backend::beat`].
    pub fn beat(&mut self, me: &Watcher, lease_until: DateTime<Utc>) -> Result<bool, StoreError> {
        self.backend.beat(me, lease_until)
    }

    /// See [`Backend::watchers`].
    pub fn watchers(&mut self) -> Result<Vec<Watcher>, StoreError> {
        self.backend.watchers()
    }

    /// See [`Backend::outbox_backlog`].
    pub fn outbox_backlog(&mut self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        self.backend.outbox_backlog()
    }

    /// See [`Backend::leave`].
    pub fn leave(&mut self, me: &str) -> Result<(), StoreError> {
        self.backend.leave(me)
    }

    /// See [`Backend::claim_deliveries`].
    pub fn claim_deliveries(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        entry: Option<EntryId>,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        self.backend
            .claim_deliveries(now, lease_until, entry, limit)
    }

    /// See [`Backend::retry_delivery`].
    pub fn retry_delivery(
        &mut self,
        id: i64,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.backend.retry_delivery(id, next_at, error)
    }

    /// See [`Backend::finish_delivery`].
    pub fn finish_delivery(
        &mut self,
        id: i64,
        state: DeliveryState,
        error: Option<&str>,
        entry: &NewEntry,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.backend.finish_delivery(id, state, error, entry)
    }

    /// Every delivery of an incident's comms updates, oldest first.
    pub fn deliveries(&mut self, id: IncidentId) -> Result<Vec<Delivery>, StoreError> {
        self.backend.deliveries(id)
    }

    pub fn change_status(
        &mut self,
        id: IncidentId,
        to: Status,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, StoreError> {
        self.update(id, |i| i.change_status(to, author, now))
    }

    pub fn change_severity(
        &mut self,
        id: IncidentId,
        to: Severity,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, StoreError> {
        self.update(id, |i| i.change_severity(to, author, now))
    }

    pub fn assign(
        &mut self,
        id: IncidentId,
        commander: Option<&str>,
        comms_lead: Option<&str>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, StoreError> {
        self.update(id, |i| i.assign(commander, comms_lead, author, now))
    }

    pub fn edit(
        &mut self,
        id: IncidentId,
        edit: &IncidentEdit,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, StoreError> {
        self.update(id, |i| i.apply_edit(edit, author, now))
    }

    pub fn resolve(
        &mut self,
        id: IncidentId,
        summary: Option<&str>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, StoreError> {
        self.update(id, |i| i.resolve(summary, author, now))
    }

    /// Runs a lifecycle change on the stored incident. An incident with values that
    /// could not be read is saved with what sitrep showed in their place, and the
    /// change's entries say so first: the row is mended in the open, never silently.
    fn update(
        &mut self,
        id: IncidentId,
        mut change: impl FnMut(&mut Incident) -> Result<Vec<NewEntry>, DomainError>,
    ) -> Result<Change, StoreError> {
        self.backend.update_incident(id, &mut |incident| {
            let replaced = std::mem::take(&mut incident.unreadable);
            let mut entries = change(incident)?;
            if let (false, Some(first)) = (replaced.is_empty(), entries.first()) {
                let note = NewEntry::system(
                    EntryKind::Note,
                    &first.author,
                    format!(
                        "stored values that could not be read were saved as shown: {}",
                        replaced.join("; ")
                    ),
                    first.at,
                );
                entries.insert(0, note);
            }
            Ok(entries)
        })
    }

    /// Corrects a typed entry's text, its kind, or both (a customer update logged as a
    /// mitigation step, say); the entry as it was stays as a revision.
    pub fn correct_entry(
        &mut self,
        entry_id: EntryId,
        text: Option<&str>,
        kind: Option<EntryKind>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<TimelineEntry, StoreError> {
        self.backend.amend_entry(entry_id, text, kind, author, now)
    }

    /// Adds a follow-up to an incident, recorded in its timeline.
    pub fn add_follow_up(&mut self, new: NewFollowUp) -> Result<FollowUpChange, StoreError> {
        self.backend.add_follow_up(new)
    }

    /// Marks a follow-up done, recorded in its incident's timeline.
    pub fn complete_follow_up(
        &mut self,
        id: FollowUpId,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<FollowUpChange, StoreError> {
        self.backend
            .change_follow_up(id, &mut |f| f.complete(author, now))
    }

    /// Changes a follow-up's title, owner or due date, recorded in the timeline.
    pub fn edit_follow_up(
        &mut self,
        id: FollowUpId,
        edit: &crate::domain::FollowUpEdit,
        author: &str,
        now: DateTime<Utc>,
        today: chrono::NaiveDate,
    ) -> Result<FollowUpChange, StoreError> {
        self.backend
            .change_follow_up(id, &mut |f| f.edit(edit.clone(), author, now, today))
    }

    /// Cancels a follow-up for `reason`, recorded in the timeline.
    pub fn cancel_follow_up(
        &mut self,
        id: FollowUpId,
        reason: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<FollowUpChange, StoreError> {
        self.backend
            .change_follow_up(id, &mut |f| f.cancel(reason, author, now))
    }

    /// Incidents, newest declared first; only unresolved ones when `open_only`.
    pub fn list_incidents(&mut self, open_only: bool) -> Result<Vec<Incident>, StoreError> {
        self.backend.list_incidents(open_only)
    }

    /// One incident with its whole timeline (oldest first) and its follow-ups.
    pub fn load_incident(&mut self, id: IncidentId) -> Result<IncidentRecord, StoreError> {
        self.backend.load_incident(id)
    }

    /// Everything the reliability review reads: every incident with what it keeps of
    /// its alerts, and every follow-up.
    pub fn record_alert_history(
        &mut self,
        holder: &str,
        events: &[crate::domain::alert_history::HistoryEvent],
    ) -> Result<(), StoreError> {
        self.backend.record_alert_history(holder, events)
    }

    pub fn alert_history(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<crate::domain::alert_history::History, StoreError> {
        self.backend.alert_history(from, to)
    }

    pub fn review_data(&mut self) -> Result<(Vec<ReviewedIncident>, Vec<FollowUp>), StoreError> {
        self.backend.review_data()
    }

    /// Every incident with everything recorded about it, oldest first: what
    /// `sitrep db copy` moves.
    pub fn export_all(&mut self) -> Result<Vec<IncidentRecord>, StoreError> {
        let mut ids: Vec<IncidentId> = self
            .backend
            .list_incidents(false)?
            .into_iter()
            .map(|i| i.id)
            .collect();
        ids.sort();
        ids.into_iter()
            .map(|id| self.backend.load_incident(id))
            .collect()
    }

    /// Follow-ups across incidents: open ones first by due date, then by id.
    pub fn list_follow_ups(
        &mut self,
        filter: &FollowUpFilter,
    ) -> Result<Vec<FollowUp>, StoreError> {
        self.backend.list_follow_ups(filter)
    }
}
