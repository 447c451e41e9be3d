//! Moving a local log into the team database: every incident with its entries (and
//! their revisions), follow-ups and linked alerts, keeping ids and times, in one
//! transaction. Safe to re-run: what is already there (same id, same incident) is
//! skipped and only what is missing is added. An id held by a different incident is a
//! conflict: refused, or with `renumber` the incident gets new ids.

use postgres::Transaction;

use super::{insert_alert, PgStore};
use crate::domain::{IncidentId, TimelineEntry};
use crate::store::rows::{json_list, millis};
use crate::store::{CopyReport, IncidentRecord, StoreError};

impl PgStore {
    /// Copies `records` in (see the module doc). All or nothing.
    pub fn import(
        &mut self,
        records: &[IncidentRecord],
        renumber: bool,
    ) -> Result<CopyReport, StoreError> {
        self.write(|tx| {
            // The copied entries keep their times (the stamping trigger honours this
            // only for members of the tables' owner role).
            tx.batch_execute("SET LOCAL sitrep.keep_times = 'on'")?;
            let mut report = CopyReport::default();
            for record in records {
                import_one(tx, record, renumber, &mut report)?;
            }
            for table in ["incident", "timeline_entry", "entry_revision", "followup"] {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         GREATEST((SELECT max(id) FROM {table}), 1))"
                    ),
                    &[],
                )?;
            }
            Ok(report)
        })
    }
}

fn conflict(what: String) -> StoreError {
    StoreError::Conflict {
        detail: format!(
            "{what}; nothing was copied. Pass --renumber to give the copied incidents new ids"
        ),
    }
}

fn import_one(
    tx: &mut Transaction<'_>,
    record: &IncidentRecord,
    renumber: bool,
    report: &mut CopyReport,
) -> Result<(), StoreError> {
    let i = &record.incident;
    let existing = tx.query_opt(
        "SELECT title, declared_ms, declared_by FROM incident WHERE id = $1 FOR UPDATE",
        &[&i.id.0],
    )?;
    let (id, fresh_ids) = match existing {
        Some(row) => {
            let same = row.try_get::<_, String>(0)? == i.title
                && row.try_get::<_, i64>(1)? == millis(i.declared_at)
                && row.try_get::<_, String>(2)? == i.declared_by;
            if same {
                report.incidents_present += 1;
                (i.id, false)
            } else if renumber {
                report.renumbered += 1;
                report.incidents += 1;
                (insert_incident(tx, record, None)?, true)
            } else {
                return Err(conflict(format!(
                    "the team database already has a different incident #{}",
                    i.id
                )));
            }
        }
        None => {
            report.incidents += 1;
            (insert_incident(tx, record, Some(i.id))?, false)
        }
    };
    for a in &record.alerts {
        let added = tx.query_opt(
            "SELECT 1 FROM linked_alert WHERE incident_id = $1 AND fingerprint = $2",
            &[&id.0, &a.fingerprint],
        )?;
        if added.is_none() {
            insert_alert(tx, id, a)?;
            report.alerts += 1;
        }
    }
    for entry in &record.timeline {
        let fresh_id = fresh_ids || renumber_entries(tx, id, entry, renumber)?;
        import_entry(tx, id, entry, fresh_id, report)?;
    }
    for f in &record.follow_ups {
        let explicit = !fresh_ids;
        if explicit {
            if let Some(row) = tx.query_opt(
                "SELECT incident_id, title FROM followup WHERE id = $1",
                &[&f.id.0],
            )? {
                if row.try_get::<_, i64>(0)? == id.0 && row.try_get::<_, String>(1)? == f.title {
                    continue;
                }
                if !renumber {
                    return Err(conflict(format!(
                        "follow-up #{} belongs to another incident in the team database",
                        f.id
                    )));
                }
            } else {
                tx.execute(
                    "INSERT INTO followup (id, incident_id, title, owner, due, created_ms, done_ms, \
                     cancelled_ms, cancel_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[&f.id.0, &id.0, &f.title, &f.owner, &f.due.map(|d| d.to_string()), &millis(f.created_at), &f.done_at.map(millis), &f.cancelled_at.map(millis), &f.cancel_reason],
                )?;
                report.follow_ups += 1;
                continue;
            }
        }
        tx.execute(
            "INSERT INTO followup (incident_id, title, owner, due, created_ms, done_ms, \
             cancelled_ms, cancel_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &id.0,
                &f.title,
                &f.owner,
                &f.due.map(|d| d.to_string()),
                &millis(f.created_at),
                &f.done_at.map(millis),
                &f.cancelled_at.map(millis),
                &f.cancel_reason,
            ],
        )?;
        report.follow_ups += 1;
    }
    Ok(())
}

/// Whether `entry` must get a new id: its id is taken by another incident's entry.
/// Without `renumber` that is a conflict.
fn renumber_entries(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    entry: &TimelineEntry,
    renumber: bool,
) -> Result<bool, StoreError> {
    let Some(row) = tx.query_opt(
        "SELECT incident_id FROM timeline_entry WHERE id = $1",
        &[&entry.id.0],
    )?
    else {
        return Ok(false);
    };
    if row.try_get::<_, i64>(0)? == id.0 {
        return Ok(false);
    }
    if renumber {
        Ok(true)
    } else {
        Err(conflict(format!(
            "timeline entry #{} belongs to another incident in the team database",
            entry.id
        )))
    }
}

fn insert_incident(
    tx: &mut Transaction<'_>,
    record: &IncidentRecord,
    id: Option<IncidentId>,
) -> Result<IncidentId, StoreError> {
    let i = &record.incident;
    let row = tx.query_one(
        "INSERT INTO incident (id, title, severity, status, commander, comms_lead, trigger_ms, \
         declared_ms, declared_by, mitigated_ms, resolved_ms, regions, cohorts, summary, root_cause, \
         release_related, rollback_performed, drill, public_title, public_impact, services) \
         VALUES (coalesce($1, nextval(pg_get_serial_sequence('incident', 'id'))), $2, $3, $4, $5, $6, \
         $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id",
        &[
            &id.map(|i| i.0),
            &i.title,
            &i.severity.as_str(),
            &i.status.as_str(),
            &i.commander,
            &i.comms_lead,
            &millis(i.trigger_time),
            &millis(i.declared_at),
            &i.declared_by,
            &i.mitigated_at.map(millis),
            &i.resolved_at.map(millis),
            &json_list(&i.regions),
            &json_list(&i.cohorts),
            &i.summary,
            &i.root_cause.map(|c| c.as_str()),
            &i.release_related,
            &i.rollback_performed,
            &i.drill,
            &i.public_title,
            &i.public_impact,
            &json_list(&i.services),
        ],
    )?;
    Ok(IncidentId(row.try_get(0)?))
}

/// Adds the entry (with its id unless `fresh_id`) if it is not there, then whichever
/// of its revisions the team database does not have yet.
fn import_entry(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    entry: &TimelineEntry,
    fresh_id: bool,
    report: &mut CopyReport,
) -> Result<(), StoreError> {
    if entry.kind == crate::domain::EntryKind::Unreadable {
        // What the source could not read is not copied as if it were an entry.
        tracing::warn!("db copy: skipped {}", entry.text);
        return Ok(());
    }
    let original = entry
        .revisions
        .first()
        .map_or(entry.text.as_str(), |r| r.text.as_str());
    // The kind it was written with: the first revision is the entry as written.
    let original_kind = entry
        .revisions
        .first()
        .and_then(|r| r.kind)
        .unwrap_or(entry.kind);
    let present = !fresh_id
        && tx
            .query_opt("SELECT 1 FROM timeline_entry WHERE id = $1", &[&entry.id.0])?
            .is_some();
    let entry_id: i64 = if present {
        entry.id.0
    } else {
        report.entries += 1;
        tx.query_one(
            "INSERT INTO timeline_entry (id, incident_id, at_ms, author, kind, text) \
             VALUES (coalesce($1, nextval(pg_get_serial_sequence('timeline_entry', 'id'))), $2, $3, $4, $5, $6) \
             RETURNING id",
            &[
                &(!fresh_id).then_some(entry.id.0),
                &id.0,
                &millis(entry.at),
                &entry.author,
                &original_kind.as_str(),
                &original,
            ],
        )?
        .try_get(0)?
    };
    let have: i64 = tx
        .query_one(
            "SELECT count(*) FROM entry_revision WHERE entry_id = $1",
            &[&entry_id],
        )?
        .try_get(0)?;
    for revision in entry.revisions.iter().skip(1).skip(have as usize) {
        tx.execute(
            "INSERT INTO entry_revision (entry_id, at_ms, author, text, kind) VALUES ($1, $2, $3, $4, $5)",
            &[
                &entry_id,
                &millis(revision.at),
                &revision.author,
                &revision.text,
                &revision.kind.map(|k| k.as_str()),
            ],
        )?;
        report.revisions += 1;
    }
    Ok(())
}
