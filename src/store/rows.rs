//! Mapping between domain values and columns, the same for both engines: rows are read
//! through [`Columns`], which each backend implements for its own row type.
//!
//! The database is an input. On the team database every responder's login can write
//! any bytes with `psql`, and on one host any process can write the file with
//! `sqlite3`, so what is read back is treated like a backend's answer: every string
//! leaves here sanitized (one place, both engines), and a row that does not decode is
//! one unreadable row, never a failed list. An incident keeps what it could read and
//! names what it could not ([`Incident::unreadable`]); an entry that cannot be read
//! becomes an [`EntryKind::Unreadable`] entry in its place, with its id and the reason.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::text::{sanitize_line_owned, sanitize_text_owned};
use crate::domain::{
    EntryId, EntryKind, FollowUp, FollowUpId, FollowUpState, Incident, IncidentId, Revision,
    RootCause, Severity, Status, TimelineEntry,
};
use crate::store::{FollowUpFilter, StoreError};

pub const INCIDENT_COLUMNS: &str = "id, title, severity, status, commander, comms_lead, \
    trigger_ms, declared_ms, declared_by, mitigated_ms, resolved_ms, regions, cohorts, \
    summary, root_cause, release_related, rollback_performed, drill, public_title, public_impact, \
    services";

pub const FOLLOWUP_COLUMNS: &str =
    "id, incident_id, title, owner, due, created_ms, done_ms, cancelled_ms, cancel_reason";

/// The follow-up query for `filter`, with only the conditions it sets: a condition
/// that may be switched off (`(?3 IS NULL OR incident_id = ?3)`) keeps SQLite from the
/// `followup_by_incident` index, so each incident's follow-ups would read them all.
/// The statement binds the owner and then the incident, each only when set, at the
/// placeholders `mark` writes (`?1` for SQLite, `$1` for PostgreSQL).
pub fn follow_ups_query(filter: &FollowUpFilter, mark: fn(usize) -> String) -> String {
    let mut conditions = Vec::new();
    let mut bound = 0;
    if filter.open_only {
        conditions.push("done_ms IS NULL AND cancelled_ms IS NULL".to_string());
    }
    if filter.owner.is_some() {
        bound += 1;
        conditions.push(format!("owner = {}", mark(bound)));
    }
    if filter.incident.is_some() {
        bound += 1;
        conditions.push(format!("incident_id = {}", mark(bound)));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    format!(
        "SELECT {FOLLOWUP_COLUMNS} FROM followup{filter} \
         ORDER BY done_ms IS NOT NULL OR cancelled_ms IS NOT NULL, due IS NULL, due, id"
    )
}

/// Typed access to the columns of one row, by position. Backends implement the raw
/// accessors; everything here reads text through the sanitizing ones.
pub trait Columns {
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    /// The column's text exactly as stored: only for the sanitizing accessors below.
    fn raw_text(&self, i: usize) -> Result<String, StoreError>;
    /// Like [`Columns::raw_text`], `None` for NULL.
    fn raw_opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    fn boolean(&self, i: usize) -> Result<bool, StoreError>;
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, StoreError>;

    /// A single-line value (a title, a name, a region), sanitized: no control, bidi
    /// or invisible format character and no line break survives.
    fn line(&self, i: usize) -> Result<String, StoreError> {
        self.raw_text(i).map(sanitize_line_owned)
    }
    fn opt_line(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.raw_opt_text(i)?.map(sanitize_line_owned))
    }
    /// Free text (an entry, a summary), sanitized; line breaks are kept.
    fn free_text(&self, i: usize) -> Result<String, StoreError> {
        self.raw_text(i).map(sanitize_text_owned)
    }
    fn opt_free_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.raw_opt_text(i)?.map(sanitize_text_owned))
    }
}

pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn time(column: &str, ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::BadValue(format!("{column} = {ms} is not a time")))
}

pub fn optional_time(column: &str, ms: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    ms.map(|ms| time(column, ms)).transpose()
}

fn parsed<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, StoreError> {
    text.parse().map_err(|_| {
        StoreError::BadValue(format!(
            "{column} = '{}'",
            crate::domain::text::sanitize_line(text)
        ))
    })
}

pub fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_string())
}

/// A JSON list of strings, each sanitized as a single line; another JSON value in the
/// list (a number) is read as its text.
fn list(column: &str, text: &str) -> Result<Vec<String>, StoreError> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| StoreError::BadValue(format!("{column} is not a JSON list of names ({e})")))?;
    Ok(values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => sanitize_line_owned(s),
            other => sanitize_line_owned(other.to_string()),
        })
        .filter(|s| !s.is_empty())
        .collect())
}

/// Collects what could not be read from one row while the rest of it is read: each
/// failed column gets a stand-in value and one line saying why.
#[derive(Default)]
struct Lenient {
    problems: Vec<String>,
}

impl Lenient {
    fn or<T>(&mut self, value: Result<T, StoreError>, stand_in: T) -> T {
        match value {
            Ok(v) => v,
            Err(e) => {
                self.problems.push(reason(&e));
                stand_in
            }
        }
    }
}

/// A read error in words, for an unreadable row: the store's own words for a bad
/// value, sanitized.
fn reason(e: &StoreError) -> String {
    match e {
        StoreError::BadValue(why) => crate::domain::text::sanitize_line(why),
        other => crate::domain::text::sanitize_line(&other.to_string()),
    }
}

/// What an unreadable text column is shown as.
pub const UNREADABLE: &str = "(unreadable)";

fn column<T>(name: &str, value: Result<T, StoreError>) -> Result<T, StoreError> {
    value.map_err(|e| match e {
        StoreError::BadValue(why) if why.starts_with(name) => StoreError::BadValue(why),
        other => StoreError::BadValue(format!("{name}: {}", reason(&other))),
    })
}

/// Reads an incident from a row selected with [`INCIDENT_COLUMNS`]; its linked alerts
/// live in their own table and are filled in by the caller. Only an unreadable id
/// fails; any other column that cannot be read gets a stand-in and a line in
/// [`Incident::unreadable`] (an unknown status reads as investigating, so the
/// incident stays among the open ones; an unknown severity as P1, the loud one).
pub fn incident(row: &impl Columns) -> Result<Incident, StoreError> {
    let id = IncidentId(row.int(0)?);
    let mut l = Lenient::default();
    let title = l.or(column("title", row.line(1)), UNREADABLE.into());
    let severity = l.or(
        column("severity", row.raw_text(2)).and_then(|s| parsed::<Severity>("severity", &s)),
        Severity::P1,
    );
    let status = l.or(
        column("status", row.raw_text(3)).and_then(|s| parsed::<Status>("status", &s)),
        Status::Investigating,
    );
    let commander = l.or(column("commander", row.line(4)), UNREADABLE.into());
    let comms_lead = l.or(column("comms_lead", row.opt_line(5)), None);
    let trigger = column("trigger_ms", row.int(6)).and_then(|ms| time("trigger_ms", ms));
    let declared = column("declared_ms", row.int(7)).and_then(|ms| time("declared_ms", ms));
    // Each stands in for the other; the epoch only when neither can be read.
    let stand_in = trigger
        .as_ref()
        .or(declared.as_ref())
        .copied()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let declared_at = l.or(declared, stand_in);
    let trigger_time = l.or(trigger, declared_at);
    let declared_by = l.or(column("declared_by", row.line(8)), UNREADABLE.into());
    let mitigated_at = l.or(
        column("mitigated_ms", row.opt_int(9)).and_then(|ms| optional_time("mitigated_ms", ms)),
        None,
    );
    let resolved_at = l.or(
        column("resolved_ms", row.opt_int(10)).and_then(|ms| optional_time("resolved_ms", ms)),
        None,
    );
    let names = |l: &mut Lenient, name: &str, i: usize| {
        l.or(
            column(name, row.raw_opt_text(i))
                .and_then(|t| list(name, t.as_deref().unwrap_or("[]"))),
            Vec::new(),
        )
    };
    let regions = names(&mut l, "regions", 11);
    let cohorts = names(&mut l, "cohorts", 12);
    let services = names(&mut l, "services", 20);
    let summary = l.or(column("summary", row.opt_free_text(13)), None);
    let root_cause = l.or(
        column("root_cause", row.raw_opt_text(14))
            .and_then(|c| c.map(|c| parsed::<RootCause>("root_cause", &c)).transpose()),
        None,
    );
    let release_related = l.or(column("release_related", row.opt_bool(15)), None);
    let rollback_performed = l.or(column("rollback_performed", row.opt_bool(16)), None);
    let drill = l.or(column("drill", row.boolean(17)), false);
    let public_title = l.or(column("public_title", row.opt_line(18)), None);
    let public_impact = l.or(column("public_impact", row.opt_free_text(19)), None);
    Ok(Incident {
        id,
        title,
        severity,
        status,
        commander,
        comms_lead,
        trigger_time,
        declared_at,
        declared_by,
        mitigated_at,
        resolved_at,
        regions,
        cohorts,
        services,
        summary,
        public_title,
        public_impact,
        root_cause,
        release_related,
        rollback_performed,
        drill,
        linked_alerts: Vec::new(),
        unreadable: l.problems,
    })
}

/// Reads an entry from `id, incident_id, at_ms, author, kind, text`, with its original
/// text as the first revision; later revisions are attached by [`timeline`]. A row that
/// cannot be read is an [`EntryKind::Unreadable`] entry in its place.
pub fn entry(row: &impl Columns) -> TimelineEntry {
    readable_entry(row).unwrap_or_else(|e| unreadable_entry(row, &reason(&e)))
}

/// [`entry`] from `id, incident_id, at_ms, author, kind, text, db_role`: the role the
/// server recorded as having written it.
pub fn entry_with_role(row: &impl Columns) -> TimelineEntry {
    let mut entry = entry(row);
    entry.db_role = row.opt_line(6).ok().flatten();
    entry
}

fn readable_entry(row: &impl Columns) -> Result<TimelineEntry, StoreError> {
    let kind = parsed::<EntryKind>("kind", &column("kind", row.raw_text(4))?)?;
    let at = time("at_ms", column("at_ms", row.int(2))?)?;
    let author = column("author", row.line(3))?;
    let text = column("text", row.free_text(5))?;
    Ok(TimelineEntry {
        id: EntryId(row.int(0)?),
        incident_id: IncidentId(row.int(1)?),
        at,
        author: author.clone(),
        kind,
        // The first revision is the entry as written, with the kind it was written as.
        revisions: vec![Revision {
            at,
            author,
            text: text.clone(),
            kind: Some(kind),
        }],
        text,
        db_role: None,
    })
}

fn unreadable_entry(row: &impl Columns, why: &str) -> TimelineEntry {
    let id = row.int(0).unwrap_or(0);
    let at = row
        .int(2)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or(DateTime::UNIX_EPOCH);
    unreadable(
        EntryId(id),
        IncidentId(row.int(1).unwrap_or(0)),
        at,
        format!("unreadable entry #{id}: {why}"),
    )
}

fn unreadable(
    id: EntryId,
    incident_id: IncidentId,
    at: DateTime<Utc>,
    text: String,
) -> TimelineEntry {
    // Nobody known wrote it; on the team database the login that did is its db role.
    let author = UNREADABLE.to_string();
    TimelineEntry {
        id,
        incident_id,
        at,
        author: author.clone(),
        kind: EntryKind::Unreadable,
        revisions: vec![Revision {
            at,
            author,
            text: text.clone(),
            kind: Some(EntryKind::Unreadable),
        }],
        text,
        db_role: None,
    }
}

/// A revision row: the entry it revises, and the revision or why it cannot be read
/// (with the revision's own id).
pub type RevisionRow = (EntryId, ReadRevision);

/// A revision as read: the revision, or its own id and why it cannot be read.
pub type ReadRevision = Result<Revision, (i64, String)>;

/// Reads a revision from `entry_id, at_ms, author, text, kind, id`.
pub fn revision(row: &impl Columns) -> Result<RevisionRow, StoreError> {
    let entry = EntryId(row.int(0)?);
    let read = || -> Result<Revision, StoreError> {
        Ok(Revision {
            at: time("at_ms", column("at_ms", row.int(1))?)?,
            author: column("author", row.line(2))?,
            text: column("text", row.free_text(3))?,
            kind: column("kind", row.raw_opt_text(4))?
                .map(|k| parsed::<EntryKind>("kind", &k))
                .transpose()?,
        })
    };
    Ok((
        entry,
        read().map_err(|e| (row.int(5).unwrap_or(0), reason(&e))),
    ))
}

/// Gives each entry its revisions (the newest text is its text), in the order read.
/// A revision that cannot be read leaves its entry as it stood before it and is shown
/// as an unreadable entry right after it.
pub fn timeline(entries: Vec<TimelineEntry>, revisions: Vec<RevisionRow>) -> Vec<TimelineEntry> {
    if revisions.is_empty() {
        return entries;
    }
    let mut by_entry: std::collections::HashMap<EntryId, Vec<ReadRevision>> =
        std::collections::HashMap::new();
    for (entry, revision) in revisions {
        by_entry.entry(entry).or_default().push(revision);
    }
    let mut out = Vec::with_capacity(entries.len());
    for mut entry in entries {
        let mut bad = Vec::new();
        for revision in by_entry.remove(&entry.id).unwrap_or_default() {
            match revision {
                // An unreadable entry has no revisions of its own to show.
                Ok(r) if entry.kind != EntryKind::Unreadable => entry.apply(r),
                Ok(_) => {}
                Err((id, why)) => bad.push(unreadable(
                    entry.id,
                    entry.incident_id,
                    entry.at,
                    format!("unreadable revision #{id} of entry #{}: {why}", entry.id),
                )),
            }
        }
        out.push(entry);
        out.extend(bad);
    }
    out
}

/// Reads a follow-up from a row selected with [`FOLLOWUP_COLUMNS`]. A column that
/// cannot be read gets a stand-in, and its title says what could not be read.
pub fn follow_up(row: &impl Columns) -> Result<FollowUp, StoreError> {
    let mut l = Lenient::default();
    let due = l.or(
        column("due", row.raw_opt_text(4)).and_then(|due| {
            due.map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                    StoreError::BadValue(format!(
                        "due = '{}'",
                        crate::domain::text::sanitize_line(&d)
                    ))
                })
            })
            .transpose()
        }),
        None,
    );
    let done_at = l.or(
        column("done_ms", row.opt_int(6)).and_then(|ms| optional_time("done_ms", ms)),
        None,
    );
    let cancelled_at = l.or(
        column("cancelled_ms", row.opt_int(7)).and_then(|ms| optional_time("cancelled_ms", ms)),
        None,
    );
    let created_at = l.or(
        column("created_ms", row.int(5)).and_then(|ms| time("created_ms", ms)),
        DateTime::UNIX_EPOCH,
    );
    let mut title = l.or(column("title", row.line(2)), UNREADABLE.into());
    let owner = l.or(column("owner", row.line(3)), UNREADABLE.into());
    let cancel_reason = l.or(column("cancel_reason", row.opt_line(8)), None);
    if !l.problems.is_empty() {
        title = format!("{title} [unreadable: {}]", l.problems.join("; "));
    }
    Ok(FollowUp {
        id: FollowUpId(row.int(0)?),
        incident_id: IncidentId(row.int(1)?),
        title,
        owner,
        due,
        created_at,
        state: if done_at.is_some() {
            FollowUpState::Done
        } else if cancelled_at.is_some() {
            FollowUpState::Cancelled
        } else {
            FollowUpState::Open
        },
        done_at,
        cancelled_at,
        cancel_reason,
    })
}

/// Reads a linked alert from `fingerprint, name, source, service, region, summary,
/// runbook_url, generator_url, starts_ms`.
pub fn linked_alert(row: &impl Columns) -> crate::domain::alert::LinkedAlert {
    linked_alert_at(row, 0)
}

/// Like [`linked_alert`], with the columns starting at `first`. A column that cannot
/// be read is shown as unreadable (an optional one as absent).
pub fn linked_alert_at(row: &impl Columns, first: usize) -> crate::domain::alert::LinkedAlert {
    let line = |i: usize| row.line(first + i).unwrap_or_else(|_| UNREADABLE.into());
    let opt = |i: usize| row.opt_line(first + i).unwrap_or(None);
    crate::domain::alert::LinkedAlert {
        fingerprint: line(0),
        name: line(1),
        source: line(2),
        service: opt(3),
        region: opt(4),
        summary: row.opt_free_text(first + 5).unwrap_or(None),
        runbook_url: opt(6),
        generator_url: opt(7),
        starts_at: row
            .opt_int(first + 8)
            .ok()
            .flatten()
            .and_then(DateTime::from_timestamp_millis),
    }
}

/// A linked alert's fingerprint as a list names it (`incident_id, fingerprint`).
pub fn fingerprint(row: &impl Columns, i: usize) -> String {
    row.line(i).unwrap_or_else(|_| UNREADABLE.into())
}

/// One entry with its revisions, for a correction: refused when a revision cannot be
/// read, since the entry's current text is then not known.
pub fn revised(
    mut entry: TimelineEntry,
    revisions: Vec<RevisionRow>,
) -> Result<TimelineEntry, StoreError> {
    if entry.kind == EntryKind::Unreadable {
        return Err(StoreError::BadValue(entry.text));
    }
    for (_, revision) in revisions {
        match revision {
            Ok(r) => entry.apply(r),
            Err((id, why)) => {
                return Err(StoreError::BadValue(format!(
                    "revision #{id} of entry #{} cannot be read ({why}); it cannot be amended",
                    entry.id
                )))
            }
        }
    }
    Ok(entry)
}

/// Entries recording a lifecycle change are never timestamped before the newest entry
/// the incident already has: the change was decided on the state that entry left
/// (after waiting for the lock), so the timeline reads in the order things happened.
pub fn not_before(
    entries: Vec<crate::domain::NewEntry>,
    newest_ms: Option<i64>,
) -> Vec<crate::domain::NewEntry> {
    let Some(floor) = newest_ms.and_then(DateTime::from_timestamp_millis) else {
        return entries;
    };
    entries
        .into_iter()
        .map(|mut e| {
            if e.at < floor {
                e.at = floor;
            }
            e
        })
        .collect()
}

pub const DELIVERY_COLUMNS: &str = "d.id, d.incident_id, d.entry_id, d.channel, d.state, \
    d.attempts, d.next_ms, d.give_up_ms, d.last_error, d.done_ms";

/// Reads a delivery from a row selected with [`DELIVERY_COLUMNS`].
pub fn delivery(row: &impl Columns) -> Result<crate::domain::outbox::Delivery, StoreError> {
    use crate::domain::outbox::{Delivery, DeliveryState};
    let state = row.raw_text(4)?;
    Ok(Delivery {
        id: row.int(0)?,
        incident: IncidentId(row.int(1)?),
        entry: EntryId(row.int(2)?),
        channel: row.line(3)?,
        state: DeliveryState::parse(&state).ok_or_else(|| {
            StoreError::BadValue(format!(
                "comms_delivery.state = '{}'",
                crate::domain::text::sanitize_line(&state)
            ))
        })?,
        attempts: u32::try_from(row.int(5)?).unwrap_or(0),
        next_at: time("next_ms", row.int(6)?)?,
        give_up_at: time("give_up_ms", row.int(7)?)?,
        last_error: row.opt_line(8)?,
        done_at: optional_time("done_ms", row.opt_int(9)?)?,
    })
}

/// Reads a claimed delivery: [`DELIVERY_COLUMNS`] then the entry's text, author and
/// time.
pub fn claimed(row: &impl Columns) -> Result<crate::domain::outbox::Claimed, StoreError> {
    Ok(crate::domain::outbox::Claimed {
        delivery: delivery(row)?,
        text: row.free_text(10)?,
        author: row.line(11)?,
        at: time("at_ms", row.int(12)?)?,
    })
}

/// A watcher's heartbeat row joined with the duty lease (`w` and `l`).
pub const WATCHER_COLUMNS: &str = "w.id, w.host, w.pid, w.version, w.started_ms, w.heartbeat_ms, \
    coalesce(l.holder = w.id AND l.until_ms >= w.heartbeat_ms, false), w.stopped_ms";

/// Heartbeats older than a day are pruned: they say nothing about who runs now.
pub const PRUNE_WATCHERS_MS: i64 = 86_400_000;

pub fn watcher(row: &impl Columns) -> Result<crate::domain::watchers::Watcher, StoreError> {
    Ok(crate::domain::watchers::Watcher {
        id: row.line(0)?,
        host: row.line(1)?,
        pid: row.int(2)?,
        version: row.line(3)?,
        started: time("started_ms", row.int(4)?)?,
        heartbeat: time("heartbeat_ms", row.int(5)?)?,
        on_duty: row.boolean(6)?,
        stopped: optional_time("stopped_ms", row.opt_int(7)?)?,
    })
}

/// Pending deliveries and the oldest one's update time; the same SQL on both engines.
pub const OUTBOX_BACKLOG: &str = "SELECT count(*), min(e.at_ms) FROM comms_delivery d \
    JOIN timeline_entry e ON e.id = d.entry_id WHERE d.state = 'pending'";

pub fn backlog(row: &impl Columns) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    Ok((row.int(0)?, optional_time("at_ms", row.opt_int(1)?)?))
}

/// The columns of an alert firing, in the order [`firing`] reads them.
pub const FIRING_COLUMNS: &str =
    "alert_key, source, name, labels, annotations, started_ms, ended_ms";

/// A name-to-text map stored as JSON, every key and value sanitized; anything else
/// (not JSON, not an object of strings) reads as empty, and says so in the map's
/// place only by being empty: a history row is a figure, not a document.
fn text_map(raw: &str) -> std::collections::BTreeMap<String, String> {
    let parsed: Result<std::collections::BTreeMap<String, serde_json::Value>, _> =
        serde_json::from_str(raw);
    parsed
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(v) => Some((sanitize_line_owned(k), sanitize_line_owned(v))),
            _ => None,
        })
        .collect()
}

/// One firing of the alert history.
pub fn firing(row: &impl Columns) -> Result<crate::domain::alert_history::Firing, StoreError> {
    Ok(crate::domain::alert_history::Firing {
        key: row.line(0)?,
        source: row.line(1)?,
        name: row.line(2)?,
        labels: text_map(&row.raw_text(3)?),
        annotations: text_map(&row.raw_text(4)?),
        started: time("started_ms", row.int(5)?)?,
        ended: optional_time("ended_ms", row.opt_int(6)?)?,
    })
}

/// One watched stretch: source, from, until.
pub fn span(
    row: &impl Columns,
) -> Result<(String, crate::domain::alert_history::Span), StoreError> {
    Ok((
        row.line(0)?,
        crate::domain::alert_history::Span {
            from: time("from_ms", row.int(1)?)?,
            until: time("until_ms", row.int(2)?)?,
        },
    ))
}

/// Firings overlapping `[?1, ?2)` (`$1`, `$2` on PostgreSQL), oldest first.
pub fn firings_between(placeholders: (&str, &str)) -> String {
    format!(
        "SELECT {FIRING_COLUMNS} FROM alert_firing \
         WHERE started_ms < {to} AND (ended_ms IS NULL OR ended_ms > {from}) ORDER BY started_ms, id",
        from = placeholders.0,
        to = placeholders.1
    )
}

/// Watched stretches overlapping `[from, to)`.
pub fn spans_between(placeholders: (&str, &str)) -> String {
    format!(
        "SELECT source, from_ms, until_ms FROM alert_watch \
         WHERE from_ms < {to} AND until_ms > {from} ORDER BY source, from_ms",
        from = placeholders.0,
        to = placeholders.1
    )
}

/// The history from decoded rows: a row that does not read is left out (it is one
/// firing fewer, not a review that cannot be made).
pub fn history(
    firings: Vec<Result<crate::domain::alert_history::Firing, StoreError>>,
    spans: Vec<Result<(String, crate::domain::alert_history::Span), StoreError>>,
) -> crate::domain::alert_history::History {
    let mut out = crate::domain::alert_history::History {
        firings: firings.into_iter().flatten().collect(),
        watched: Default::default(),
    };
    for (source, span) in spans.into_iter().flatten() {
        out.watched.entry(source).or_default().push(span);
    }
    out
}

/// The entries the review measures time to mitigate by: every mitigation entry and
/// every amended one (an amendment can make a note a mitigation), oldest first.
pub const REVIEW_STEPS: &str =
    "SELECT id, incident_id, at_ms, author, kind, text FROM timeline_entry \
    WHERE kind = 'mitigation' OR id IN (SELECT entry_id FROM entry_revision) \
    OR (kind = 'note' AND text LIKE 'paged %') ORDER BY at_ms, id";
/// The revisions of those entries.
pub const REVIEW_STEP_REVISIONS: &str =
    "SELECT r.entry_id, r.at_ms, r.author, r.text, r.kind, r.id \
    FROM entry_revision r ORDER BY r.id";

/// Steps by incident, from the entries and revisions above.
pub fn steps_by_incident(
    entries: Vec<TimelineEntry>,
    revisions: Vec<RevisionRow>,
) -> std::collections::HashMap<i64, Vec<TimelineEntry>> {
    let mut out: std::collections::HashMap<i64, Vec<TimelineEntry>> = Default::default();
    for e in timeline(entries, revisions) {
        out.entry(e.incident_id.0).or_default().push(e);
    }
    out
}
