//! Mapping between domain values and SQLite columns. Stored text that does not parse
//! becomes a `BadValue` error naming the column, never a panic.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Row;

use super::error::StoreError;
use crate::domain::{
    EntryId, EntryKind, FollowUp, FollowUpId, FollowUpState, Incident, IncidentId, Revision,
    RootCause, Severity, Status, TimelineEntry,
};

pub const INCIDENT_COLUMNS: &str = "id, title, severity, status, commander, comms_lead, \
    trigger_ms, declared_ms, declared_by, mitigated_ms, resolved_ms, regions, cohorts, \
    summary, root_cause, release_related, rollback_performed, drill";

pub const FOLLOWUP_COLUMNS: &str = "id, incident_id, title, owner, due, created_ms, done_ms";

pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn time(column: &str, ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::BadValue(format!("{column} = {ms} is not a time")))
}

fn optional_time(column: &str, ms: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
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
pub fn incident(row: &Row<'_>) -> Result<Incident, StoreError> {
    let severity: String = row.get(2)?;
    let status: String = row.get(3)?;
    let regions: String = row.get(11)?;
    let cohorts: String = row.get(12)?;
    let root_cause: Option<String> = row.get(14)?;
    Ok(Incident {
        id: IncidentId(row.get(0)?),
        title: row.get(1)?,
        severity: parsed::<Severity>("severity", &severity)?,
        status: parsed::<Status>("status", &status)?,
        commander: row.get(4)?,
        comms_lead: row.get(5)?,
        trigger_time: time("trigger_ms", row.get(6)?)?,
        declared_at: time("declared_ms", row.get(7)?)?,
        declared_by: row.get(8)?,
        mitigated_at: optional_time("mitigated_ms", row.get(9)?)?,
        resolved_at: optional_time("resolved_ms", row.get(10)?)?,
        regions: list("regions", &regions)?,
        cohorts: list("cohorts", &cohorts)?,
        summary: row.get(13)?,
        root_cause: root_cause
            .map(|c| parsed::<RootCause>("root_cause", &c))
            .transpose()?,
        release_related: row.get(15)?,
        rollback_performed: row.get(16)?,
        drill: row.get(17)?,
        linked_alerts: Vec::new(),
    })
}

/// Reads an entry from `id, incident_id, at_ms, author, kind, text`, with its original
/// text as the first revision; later revisions are appended by the caller.
pub fn entry(row: &Row<'_>) -> Result<TimelineEntry, StoreError> {
    let kind: String = row.get(4)?;
    let at = time("at_ms", row.get(2)?)?;
    let author: String = row.get(3)?;
    let text: String = row.get(5)?;
    Ok(TimelineEntry {
        id: EntryId(row.get(0)?),
        incident_id: IncidentId(row.get(1)?),
        at,
        author: author.clone(),
        kind: parsed::<EntryKind>("kind", &kind)?,
        revisions: vec![Revision {
            at,
            author,
            text: text.clone(),
        }],
        text,
    })
}

/// Reads a revision from `entry_id, at_ms, author, text`.
pub fn revision(row: &Row<'_>) -> Result<(EntryId, Revision), StoreError> {
    Ok((
        EntryId(row.get(0)?),
        Revision {
            at: time("at_ms", row.get(1)?)?,
            author: row.get(2)?,
            text: row.get(3)?,
        },
    ))
}

/// Reads a follow-up from a row selected with [`FOLLOWUP_COLUMNS`].
pub fn follow_up(row: &Row<'_>) -> Result<FollowUp, StoreError> {
    let due: Option<String> = row.get(4)?;
    let done_at = optional_time("done_ms", row.get(6)?)?;
    Ok(FollowUp {
        id: FollowUpId(row.get(0)?),
        incident_id: IncidentId(row.get(1)?),
        title: row.get(2)?,
        owner: row.get(3)?,
        due: due
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| StoreError::BadValue(format!("due = '{d}'")))
            })
            .transpose()?,
        created_at: time("created_ms", row.get(5)?)?,
        state: if done_at.is_some() {
            FollowUpState::Done
        } else {
            FollowUpState::Open
        },
        done_at,
    })
}

/// Reads a linked alert from `fingerprint, name, source, service, region, summary,
/// runbook_url, generator_url, starts_ms`.
pub fn linked_alert(row: &Row<'_>) -> Result<crate::domain::alert::LinkedAlert, StoreError> {
    linked_alert_at(row, 0)
}

/// Like [`linked_alert`], with the columns starting at `first`.
pub fn linked_alert_at(
    row: &Row<'_>,
    first: usize,
) -> Result<crate::domain::alert::LinkedAlert, StoreError> {
    Ok(crate::domain::alert::LinkedAlert {
        fingerprint: row.get(first)?,
        name: row.get(first + 1)?,
        source: row.get(first + 2)?,
        service: row.get(first + 3)?,
        region: row.get(first + 4)?,
        summary: row.get(first + 5)?,
        runbook_url: row.get(first + 6)?,
        generator_url: row.get(first + 7)?,
        starts_at: optional_time("starts_ms", row.get(first + 8)?)?,
    })
}
