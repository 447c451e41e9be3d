//! The comms outbox on PostgreSQL: deliveries beside the timeline, claimed with
//! `FOR UPDATE SKIP LOCKED` and a lease, so that responders' sitreps on many hosts
//! never post the same update twice at once.

use chrono::{DateTime, Utc};
use postgres::Transaction;

use super::insert_entry;
use crate::domain::outbox::{Claimed, Delivery, DeliveryState};
use crate::domain::{EntryId, IncidentId, NewEntry, TimelineEntry};
use crate::store::rows::{self, millis, DELIVERY_COLUMNS};
use crate::store::StoreError;

pub fn append_for_posting(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    entry: &NewEntry,
    channels: &[String],
    give_up_at: DateTime<Utc>,
) -> Result<TimelineEntry, StoreError> {
    let stored = insert_entry(tx, id, entry)?;
    for channel in channels {
        tx.execute(
            "INSERT INTO comms_delivery (incident_id, entry_id, channel, state, next_ms, give_up_ms) \
             VALUES ($1, $2, $3, 'pending', $4, $5)",
            &[&id.0, &stored.id.0, channel, &millis(entry.at), &millis(give_up_at)],
        )?;
    }
    Ok(stored)
}

pub fn claim(
    tx: &mut Transaction<'_>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    entry: Option<EntryId>,
    limit: usize,
) -> Result<Vec<Claimed>, StoreError> {
    let sql = format!(
        "WITH due AS (SELECT id FROM comms_delivery \
             WHERE state = 'pending' AND next_ms <= $1 AND (lease_ms IS NULL OR lease_ms < $1) \
             AND ($3::BIGINT IS NULL OR entry_id = $3) ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED), \
         leased AS (UPDATE comms_delivery SET lease_ms = $2 WHERE id IN (SELECT id FROM due) RETURNING *) \
         SELECT {DELIVERY_COLUMNS}, e.text, e.author, e.at_ms FROM leased d \
         JOIN timeline_entry e ON e.id = d.entry_id ORDER BY d.id"
    );
    let rows = tx.query(
        &sql,
        &[
            &millis(now),
            &millis(lease_until),
            &entry.map(|e| e.0),
            &(limit as i64),
        ],
    )?;
    rows.iter().map(rows::claimed).collect()
}

pub fn retry(
    tx: &mut Transaction<'_>,
    id: i64,
    next_at: DateTime<Utc>,
    error: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE comms_delivery SET attempts = attempts + 1, next_ms = $2, last_error = $3, \
         lease_ms = NULL WHERE id = $1 AND state = 'pending'",
        &[&id, &millis(next_at), &error],
    )?;
    Ok(())
}

pub fn finish(
    tx: &mut Transaction<'_>,
    id: i64,
    state: DeliveryState,
    error: Option<&str>,
    entry: &NewEntry,
) -> Result<Option<TimelineEntry>, StoreError> {
    let Some(row) = tx.query_opt(
        "UPDATE comms_delivery SET state = $2, attempts = attempts + 1, last_error = $3, \
         done_ms = $4, lease_ms = NULL WHERE id = $1 AND state = 'pending' RETURNING incident_id",
        &[&id, &state.as_str(), &error, &millis(entry.at)],
    )?
    else {
        return Ok(None);
    };
    let incident: i64 = row.try_get(0)?;
    insert_entry(tx, IncidentId(incident), entry).map(Some)
}

/// An incident's deliveries, oldest first.
pub fn by_incident() -> String {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM comms_delivery d WHERE d.incident_id = $1 ORDER BY d.id"
    )
}

pub fn list(tx: &mut Transaction<'_>, id: IncidentId) -> Result<Vec<Delivery>, StoreError> {
    tx.query(&by_incident(), &[&id.0])?
        .iter()
        .map(rows::delivery)
        .collect()
}
