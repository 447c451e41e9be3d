//! Mapping between domain values and columns, the same for both engines: rows are read
//! through [`Columns`], which each backend implements for its own row type. Stored
//! text that does not parse becomes a `BadValue` error naming the column, never a
//! panic.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{
    EntryId, EntryKind, FollowUp, FollowUpId, FollowUpState, Incident, IncidentId, Revision,
    RootCause, Severity, Status, TimelineEntry,
};
use crate::store::StoreError;

pub const INCIDENT_COLUMNS: &str = "id, title, severity, status, commander, comms_lead, \
    trigger_ms, declared_ms, declared_by, mitigated_ms, resolved_ms, regions, cohorts, \
    summary, root_cause, release_related, rollback_performed, drill, public_title, public_impact, \
    services";

pub const FOLLOWUP_COLUMNS: &str =
    "id, incident_id, title, owner, due, created_ms, done_ms, cancelled_ms, cancel_reason";

/// Typed access to the columns of one row, by position.
pub trait Columns {
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    fn text(&self, i: usize) -> Result<String, StoreError>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    fn boolean(&self, i: usize) -> Result<bool, StoreError>;
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, StoreError>;
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
    text.parse()
        .map_err(|_| StoreError::BadValue(format!("{column} = '{text}'")))
}

pub fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_string())
}

fn list(column: &str, text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::BadValue(format!("{column}: {e}")))
}

/// Reads an incident from a row selected with [`INCIDENT_COLUMNS`]; its linked alerts
/// live in their own table and are filled in by the caller.
pub fn incident(row: &impl Columns) -> Result<Incident, StoreError> {
    let severity = row.text(2)?;
    let status = row.text(3)?;
    let regions = row.text(11)?;
    let cohorts = row.text(12)?;
    let services = row.opt_text(20)?.unwrap_or_else(|| "[]".into());
    let root_cause = row.opt_text(14)?;
    Ok(Incident {
        id: IncidentId(row.int(0)?),
        title: row.text(1)?,
        severity: parsed::<Severity>("severity", &severity)?,
        status: parsed::<Status>("status", &status)?,
        commander: row.text(4)?,
        comms_lead: row.opt_text(5)?,
        trigger_time: time("trigger_ms", row.int(6)?)?,
        declared_at: time("declared_ms", row.int(7)?)?,
        declared_by: row.text(8)?,
        mitigated_at: optional_time("mitigated_ms", row.opt_int(9)?)?,
        resolved_at: optional_time("resolved_ms", row.opt_int(10)?)?,
        regions: list("regions", &regions)?,
        cohorts: list("cohorts", &cohorts)?,
        services: list("services", &services)?,
        summary: row.opt_text(13)?,
        public_title: row.opt_text(18)?,
        public_impact: row.opt_text(19)?,
        root_cause: root_cause
            .map(|c| parsed::<RootCause>("root_cause", &c))
            .transpose()?,
        release_related: row.opt_bool(15)?,
        rollback_performed: row.opt_bool(16)?,
        drill: row.boolean(17)?,
        linked_alerts: Vec::new(),
    })
}

/// Reads an entry from `id, incident_id, at_ms, author, kind, text`, with its original
/// text as the first revision; later revisions are appended by the caller.
pub fn entry(row: &impl Columns) -> Result<TimelineEntry, StoreError> {
    let kind = parsed::<EntryKind>("kind", &row.text(4)?)?;
    let at = time("at_ms", row.int(2)?)?;
    let author = row.text(3)?;
    let text = row.text(5)?;
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

/// Reads a revision from `entry_id, at_ms, author, text, kind`.
pub fn revision(row: &impl Columns) -> Result<(EntryId, Revision), StoreError> {
    Ok((
        EntryId(row.int(0)?),
        Revision {
            at: time("at_ms", row.int(1)?)?,
            author: row.text(2)?,
            text: row.text(3)?,
            kind: row
                .opt_text(4)?
                .map(|k| parsed::<EntryKind>("kind", &k))
                .transpose()?,
        },
    ))
}

/// Reads a follow-up from a row selected with [`FOLLOWUP_COLUMNS`].
pub fn follow_up(row: &impl Columns) -> Result<FollowUp, StoreError> {
    let due = row.opt_text(4)?;
    let done_at = optional_time("done_ms", row.opt_int(6)?)?;
    let cancelled_at = optional_time("cancelled_ms", row.opt_int(7)?)?;
    Ok(FollowUp {
        id: FollowUpId(row.int(0)?),
        incident_id: IncidentId(row.int(1)?),
        title: row.text(2)?,
        owner: row.text(3)?,
        due: due
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| StoreError::BadValue(format!("due = '{d}'")))
            })
            .transpose()?,
        created_at: time("created_ms", row.int(5)?)?,
        state: if done_at.is_some() {
            FollowUpState::Done
        } else if cancelled_at.is_some() {
            FollowUpState::Cancelled
        } else {
            FollowUpState::Open
        },
        done_at,
        cancelled_at,
        cancel_reason: row.opt_text(8)?,
    })
}

/// Reads a linked alert from `fingerprint, name, source, service, region, summary,
/// runbook_url, generator_url, starts_ms`.
pub fn linked_alert(row: &impl Columns) -> Result<crate::domain::alert::LinkedAlert, StoreError> {
    linked_alert_at(row, 0)
}

/// Like [`linked_alert`], with the columns starting at `first`.
pub fn linked_alert_at(
    row: &impl Columns,
    first: usize,
) -> Result<crate::domain::alert::LinkedAlert, StoreError> {
    Ok(crate::domain::alert::LinkedAlert {
        fingerprint: row.text(first)?,
        name: row.text(first + 1)?,
        source: row.text(first + 2)?,
        service: row.opt_text(first + 3)?,
        region: row.opt_text(first + 4)?,
        summary: row.opt_text(first + 5)?,
        runbook_url: row.opt_text(first + 6)?,
        generator_url: row.opt_text(first + 7)?,
        starts_at: optional_time("starts_ms", row.opt_int(first + 8)?)?,
    })
}

/// Gives an entry its later revisions: the newest text is its text.
pub fn attach_revisions(entry: &mut TimelineEntry, revisions: Vec<Revision>) {
    for revision in revisions {
        entry.apply(revision);
    }
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
    let state = row.text(4)?;
    Ok(Delivery {
        id: row.int(0)?,
        incident: IncidentId(row.int(1)?),
        entry: EntryId(row.int(2)?),
        channel: row.text(3)?,
        state: DeliveryState::parse(&state)
            .ok_or_else(|| StoreError::BadValue(format!("comms_delivery.state = '{state}'")))?,
        attempts: u32::try_from(row.int(5)?).unwrap_or(0),
        next_at: time("next_ms", row.int(6)?)?,
        give_up_at: time("give_up_ms", row.int(7)?)?,
        last_error: row.opt_text(8)?,
        done_at: optional_time("done_ms", row.opt_int(9)?)?,
    })
}

/// Reads a claimed delivery: [`DELIVERY_COLUMNS`] then the entry's text, author and
/// time.
pub fn claimed(row: &impl Columns) -> Result<crate::domain::outbox::Claimed, StoreError> {
    Ok(crate::domain::outbox::Claimed {
        delivery: delivery(row)?,
        text: row.text(10)?,
        author: row.text(11)?,
        at: time("at_ms", row.int(12)?)?,
    })
}
