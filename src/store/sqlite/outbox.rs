//! The comms outbox on SQLite: deliveries beside the timeline, claimed with a lease
//! so that two sitrep processes on one file never post the same update at once.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Transaction};

use super::insert_entry;
use crate::domain::outbox::{Claimed, Delivery, DeliveryState};
use crate::domain::{EntryId, IncidentId, NewEntry, TimelineEntry};
use crate::store::rows::{self, millis, DELIVERY_COLUMNS};
use crate::store::StoreError;

pub fn append_for_posting(
    tx: &Transaction<'_>,
    id: IncidentId,
    entry: &NewEntry,
    channels: &[String],
    give_up_at: DateTime<Utc>,
) -> Result<TimelineEntry, StoreError> {
    let stored = insert_entry(tx, id, entry)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO comms_delivery (incident_id, entry_id, channel, state, next_ms, give_up_ms) \
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5)",
    )?;
    for channel in channels {
        insert.execute(params![
            id.0,
            stored.id.0,
            channel,
            millis(entry.at),
            millis(give_up_at)
        ])?;
    }
    Ok(stored)
}

pub fn claim(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    entry: Option<EntryId>,
    limit: usize,
) -> Result<Vec<Claimed>, StoreError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS}, e.text, e.author, e.at_ms FROM comms_delivery d \
         JOIN timeline_entry e ON e.id = d.entry_id \
         WHERE d.state = 'pending' AND d.next_ms <= ?1 AND (d.lease_ms IS NULL OR d.lease_ms < ?1) \
         AND (?2 IS NULL OR d.entry_id = ?2) ORDER BY d.id LIMIT ?3"
    );
    let claimed = tx
        .prepare_cached(&sql)?
        .query_map(
            params![millis(now), entry.map(|e| e.0), limit as i64],
            |row| Ok(rows::claimed(row)),
        )?
        .collect::<Result<Result<Vec<_>, _>, _>>()??;
    let mut lease = tx.prepare_cached("UPDATE comms_delivery SET lease_ms = ?2 WHERE id = ?1")?;
    for c in &claimed {
        lease.execute(params![c.delivery.id, millis(lease_until)])?;
    }
    Ok(claimed)
}

pub fn retry(
    tx: &Transaction<'_>,
    id: i64,
    next_at: DateTime<Utc>,
    error: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE comms_delivery SET attempts = attempts + 1, next_ms = ?2, last_error = ?3, \
         lease_ms = NULL WHERE id = ?1 AND state = 'pending'",
        params![id, millis(next_at), error],
    )?;
    Ok(())
}

pub fn finish(
    tx: &Transaction<'_>,
    id: i64,
    state: DeliveryState,
    error: Option<&str>,
    entry: &NewEntry,
) -> Result<Option<TimelineEntry>, StoreError> {
    let incident: Option<i64> = tx
        .query_row(
            "SELECT incident_id FROM comms_delivery WHERE id = ?1 AND state = 'pending'",
            [id],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    let Some(incident) = incident else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE comms_delivery SET state = ?2, attempts = attempts + 1, last_error = ?3, \
         done_ms = ?4, lease_ms = NULL WHERE id = ?1",
        params![id, state.as_str(), error, millis(entry.at)],
    )?;
    insert_entry(tx, IncidentId(incident), entry).map(Some)
}

/// An incident's deliveries, oldest first.
pub fn by_incident() -> String {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM comms_delivery d WHERE d.incident_id = ?1 ORDER BY d.id"
    )
}

pub fn list(conn: &Connection, id: IncidentId) -> Result<Vec<Delivery>, StoreError> {
    conn.prepare_cached(&by_incident())?
        .query_map([id.0], |row| Ok(rows::delivery(row)))?
        .collect::<Result<Result<Vec<_>, _>, _>>()?
}
