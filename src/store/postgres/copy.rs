//! Moving a local log into the team database: every incident with its entries (and
//! their revisions), follow-ups and linked alerts, keeping ids and times, in one
//! transaction. Safe to re-run: what is already there (same id, same incident) is
//! skipped and only what is missing is added. An id held by a different incident is a
//! conflict: refused, or with `renumber` the incident gets new ids.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use postgres::Transaction;

use super::{insert_alert, PgStore};
use crate::domain::alert::LinkedAlert;
use crate::domain::{EntryKind, FollowUp, Incident, IncidentId, TimelineEntry};
use crate::store::rows::{json_list, millis};
use crate::store::{CopyReport, IncidentRecord, StoreError};

/// How many incidents one batch of statements carries (with their entries, about
/// six times as many rows): large enough that round trips do not count, small enough
/// that one batch's arrays stay a few megabytes.
const BATCH: usize = 2_000;

impl PgStore {
    /// Copies `records` in (see the module doc). All or nothing.
    ///
    /// What keeps its ids goes in by batches: one query per table and batch finds
    /// what the team database has already, one `INSERT … SELECT FROM unnest(…)` per
    /// table and batch writes the rest, so a copy costs a few statements per two
    /// thousand incidents instead of several round trips per entry. What needs a new
    /// id (a renumbered incident, an entry or follow-up whose id another incident
    /// holds) goes in afterwards, one by one, once the id sequences have passed every
    /// id the copy kept.
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
            let mut later = Fresh::default();
            for batch in records.chunks(BATCH) {
                import_batch(tx, batch, renumber, &mut report, &mut later)?;
            }
            advance_sequences(tx)?;
            for record in later.incidents {
                report.renumbered += 1;
                report.incidents += 1;
                let id = insert_incident(tx, record, None)?;
                for a in &record.alerts {
                    insert_alert(tx, id, a)?;
                    report.alerts += 1;
                }
                for entry in &record.timeline {
                    import_entry(tx, id, entry, &mut report)?;
                }
                for f in &record.follow_ups {
                    insert_follow_up(tx, id, f)?;
                    report.follow_ups += 1;
                }
            }
            for (id, entry) in later.entries {
                import_entry(tx, id, entry, &mut report)?;
            }
            for (id, f) in later.follow_ups {
                insert_follow_up(tx, id, f)?;
                report.follow_ups += 1;
            }
            advance_sequences(tx)?;
            Ok(report)
        })
    }
}

/// What goes in with new ids once the batches are in.
#[derive(Default)]
struct Fresh<'a> {
    incidents: Vec<&'a IncidentRecord>,
    entries: Vec<(IncidentId, &'a TimelineEntry)>,
    follow_ups: Vec<(IncidentId, &'a FollowUp)>,
}

fn advance_sequences(tx: &mut Transaction<'_>) -> Result<(), StoreError> {
    for table in ["incident", "timeline_entry", "entry_revision", "followup"] {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST((SELECT max(id) FROM {table}), 1))"
            ),
            &[],
        )?;
    }
    Ok(())
}

fn conflict(what: String) -> StoreError {
    StoreError::Conflict {
        detail: format!(
            "{what}; nothing was copied. Pass --renumber to give the copied incidents new ids"
        ),
    }
}

/// The rows of one batch that keep their ids, table by table and column by column
/// (what `unnest` takes).
#[derive(Default)]
struct Batch {
    alerts: AlertColumns,
    entries: EntryColumns,
    revisions: RevisionColumns,
    follow_ups: FollowUpColumns,
}

#[derive(Default)]
struct AlertColumns {
    incident: Vec<i64>,
    fingerprint: Vec<String>,
    name: Vec<String>,
    source: Vec<String>,
    service: Vec<Option<String>>,
    region: Vec<Option<String>>,
    summary: Vec<Option<String>>,
    runbook_url: Vec<Option<String>>,
    generator_url: Vec<Option<String>>,
    starts_ms: Vec<Option<i64>>,
}

#[derive(Default)]
struct EntryColumns {
    id: Vec<i64>,
    incident: Vec<i64>,
    at_ms: Vec<i64>,
    author: Vec<String>,
    kind: Vec<String>,
    text: Vec<String>,
}

#[derive(Default)]
struct RevisionColumns {
    entry: Vec<i64>,
    at_ms: Vec<i64>,
    author: Vec<String>,
    text: Vec<String>,
    kind: Vec<Option<String>>,
}

#[derive(Default)]
struct FollowUpColumns {
    id: Vec<i64>,
    incident: Vec<i64>,
    title: Vec<String>,
    owner: Vec<String>,
    due: Vec<Option<String>>,
    created_ms: Vec<i64>,
    done_ms: Vec<Option<i64>>,
    cancelled_ms: Vec<Option<i64>>,
    cancel_reason: Vec<Option<String>>,
}

fn import_batch<'a>(
    tx: &mut Transaction<'_>,
    batch: &'a [IncidentRecord],
    renumber: bool,
    report: &mut CopyReport,
    later: &mut Fresh<'a>,
) -> Result<(), StoreError> {
    // What the team database holds already of this batch's ids, locked for the copy.
    let ids: Vec<i64> = batch.iter().map(|r| r.incident.id.0).collect();
    let mut held: HashMap<i64, (String, i64, String)> = HashMap::new();
    for row in tx.query(
        "SELECT id, title, declared_ms, declared_by FROM incident WHERE id = ANY($1) FOR UPDATE",
        &[&ids],
    )? {
        held.insert(
            row.try_get(0)?,
            (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?),
        );
    }
    let mut fresh = Vec::new();
    let mut present = Vec::new();
    for record in batch {
        let i = &record.incident;
        match held.get(&i.id.0) {
            Some((title, declared, by))
                if *title == i.title
                    && *declared == millis(i.declared_at)
                    && *by == i.declared_by =>
            {
                report.incidents_present += 1;
                present.push(record);
            }
            Some(_) if renumber => later.incidents.push(record),
            Some(_) => {
                return Err(conflict(format!(
                    "the team database already has a different incident #{}",
                    i.id
                )))
            }
            None => {
                report.incidents += 1;
                fresh.push(record);
            }
        }
    }
    insert_incidents(tx, &fresh)?;
    let kept: Vec<&IncidentRecord> = present.iter().chain(&fresh).copied().collect();

    let present_ids: Vec<i64> = present.iter().map(|r| r.incident.id.0).collect();
    let mut linked: HashSet<(i64, String)> = HashSet::new();
    for row in tx.query(
        "SELECT incident_id, fingerprint FROM linked_alert WHERE incident_id = ANY($1)",
        &[&present_ids],
    )? {
        linked.insert((row.try_get(0)?, row.try_get(1)?));
    }
    let entry_ids: Vec<i64> = kept
        .iter()
        .flat_map(|r| r.timeline.iter().map(|e| e.id.0))
        .collect();
    let mut entry_of: HashMap<i64, i64> = HashMap::new();
    for row in tx.query(
        "SELECT id, incident_id FROM timeline_entry WHERE id = ANY($1)",
        &[&entry_ids],
    )? {
        entry_of.insert(row.try_get(0)?, row.try_get(1)?);
    }
    let mut revisions_had: HashMap<i64, i64> = HashMap::new();
    let held_entries: Vec<i64> = entry_of.keys().copied().collect();
    for row in tx.query(
        "SELECT entry_id, count(*) FROM entry_revision WHERE entry_id = ANY($1) GROUP BY entry_id",
        &[&held_entries],
    )? {
        revisions_had.insert(row.try_get(0)?, row.try_get(1)?);
    }
    let follow_up_ids: Vec<i64> = kept
        .iter()
        .flat_map(|r| r.follow_ups.iter().map(|f| f.id.0))
        .collect();
    let mut follow_up_of: HashMap<i64, (i64, String)> = HashMap::new();
    for row in tx.query(
        "SELECT id, incident_id, title FROM followup WHERE id = ANY($1)",
        &[&follow_up_ids],
    )? {
        follow_up_of.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
    }

    let mut rows = Batch::default();
    for record in &kept {
        let id = record.incident.id;
        for a in &record.alerts {
            if linked.insert((id.0, a.fingerprint.clone())) {
                rows.alerts.push(id, a);
            }
        }
        for entry in &record.timeline {
            match entry_of.get(&entry.id.0) {
                Some(owner) if *owner == id.0 => {
                    let had = revisions_had.get(&entry.id.0).copied().unwrap_or(0);
                    rows.revisions.push_after(entry.id.0, entry, had);
                }
                Some(_) if renumber => later.entries.push((id, entry)),
                Some(_) => {
                    return Err(conflict(format!(
                        "timeline entry #{} belongs to another incident in the team database",
                        entry.id
                    )))
                }
                None if entry.kind == EntryKind::Unreadable => {
                    // What the source could not read is not copied as if it were an entry.
                    tracing::warn!("db copy: skipped {}", entry.text);
                }
                None => {
                    rows.entries.push(id, entry);
                    rows.revisions.push_after(entry.id.0, entry, 0);
                    report.entries += 1;
                }
            }
        }
        for f in &record.follow_ups {
            match follow_up_of.get(&f.id.0) {
                Some((owner, title)) if *owner == id.0 && *title == f.title => {}
                Some(_) if renumber => later.follow_ups.push((id, f)),
                Some(_) => {
                    return Err(conflict(format!(
                        "follow-up #{} belongs to another incident in the team database",
                        f.id
                    )))
                }
                None => {
                    rows.follow_ups.push(id, f);
                    report.follow_ups += 1;
                }
            }
        }
    }
    report.alerts += rows.alerts.insert(tx)? as usize;
    rows.entries.insert(tx)?;
    report.revisions += rows.revisions.insert(tx)? as usize;
    rows.follow_ups.insert(tx)?;
    Ok(())
}

fn insert_incidents(
    tx: &mut Transaction<'_>,
    records: &[&IncidentRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let column = |f: &dyn Fn(&Incident) -> Option<String>| -> Vec<Option<String>> {
        records.iter().map(|r| f(&r.incident)).collect()
    };
    let ids: Vec<i64> = records.iter().map(|r| r.incident.id.0).collect();
    let ms = |f: &dyn Fn(&Incident) -> Option<DateTime<Utc>>| -> Vec<Option<i64>> {
        records.iter().map(|r| f(&r.incident).map(millis)).collect()
    };
    let flags = |f: &dyn Fn(&Incident) -> Option<bool>| -> Vec<Option<bool>> {
        records.iter().map(|r| f(&r.incident)).collect()
    };
    tx.execute(
        "INSERT INTO incident (id, title, severity, status, commander, comms_lead, trigger_ms, \
         declared_ms, declared_by, mitigated_ms, resolved_ms, regions, cohorts, summary, root_cause, \
         release_related, rollback_performed, drill, public_title, public_impact, services) \
         SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], \
         $7::BIGINT[], $8::BIGINT[], $9::TEXT[], $10::BIGINT[], $11::BIGINT[], $12::TEXT[], $13::TEXT[], \
         $14::TEXT[], $15::TEXT[], $16::BOOLEAN[], $17::BOOLEAN[], $18::BOOLEAN[], $19::TEXT[], \
         $20::TEXT[], $21::TEXT[])",
        &[
            &ids,
            &column(&|i| Some(i.title.clone())),
            &column(&|i| Some(i.severity.as_str().to_string())),
            &column(&|i| Some(i.status.as_str().to_string())),
            &column(&|i| Some(i.commander.clone())),
            &column(&|i| i.comms_lead.clone()),
            &ms(&|i| Some(i.trigger_time)),
            &ms(&|i| Some(i.declared_at)),
            &column(&|i| Some(i.declared_by.clone())),
            &ms(&|i| i.mitigated_at),
            &ms(&|i| i.resolved_at),
            &column(&|i| Some(json_list(&i.regions))),
            &column(&|i| Some(json_list(&i.cohorts))),
            &column(&|i| i.summary.clone()),
            &column(&|i| i.root_cause.map(|c| c.as_str().to_string())),
            &flags(&|i| i.release_related),
            &flags(&|i| i.rollback_performed),
            &flags(&|i| Some(i.drill)),
            &column(&|i| i.public_title.clone()),
            &column(&|i| i.public_impact.clone()),
            &column(&|i| Some(json_list(&i.services))),
        ],
    )?;
    Ok(())
}

impl AlertColumns {
    fn push(&mut self, id: IncidentId, a: &LinkedAlert) {
        self.incident.push(id.0);
        self.fingerprint.push(a.fingerprint.clone());
        self.name.push(a.name.clone());
        self.source.push(a.source.clone());
        self.service.push(a.service.clone());
        self.region.push(a.region.clone());
        self.summary.push(a.summary.clone());
        self.runbook_url.push(a.runbook_url.clone());
        self.generator_url.push(a.generator_url.clone());
        self.starts_ms.push(a.starts_at.map(millis));
    }

    /// In the order given (`position` numbers them as they go in).
    fn insert(&self, tx: &mut Transaction<'_>) -> Result<u64, StoreError> {
        if self.incident.is_empty() {
            return Ok(0);
        }
        Ok(tx.execute(
            "INSERT INTO linked_alert (incident_id, fingerprint, name, source, service, region, \
             summary, runbook_url, generator_url, starts_ms) \
             SELECT a, b, c, d, e, f, g, h, i, j FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], \
             $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[]) \
             WITH ORDINALITY AS t(a, b, c, d, e, f, g, h, i, j, n) ORDER BY n \
             ON CONFLICT (incident_id, fingerprint) DO NOTHING",
            &[
                &self.incident,
                &self.fingerprint,
                &self.name,
                &self.source,
                &self.service,
                &self.region,
                &self.summary,
                &self.runbook_url,
                &self.generator_url,
                &self.starts_ms,
            ],
        )?)
    }
}

impl EntryColumns {
    /// The entry as first written (its first revision); later revisions follow it.
    fn push(&mut self, id: IncidentId, entry: &TimelineEntry) {
        let (text, kind) = as_written(entry);
        self.id.push(entry.id.0);
        self.incident.push(id.0);
        self.at_ms.push(millis(entry.at));
        self.author.push(entry.author.clone());
        self.kind.push(kind.as_str().to_string());
        self.text.push(text.to_string());
    }

    fn insert(&self, tx: &mut Transaction<'_>) -> Result<u64, StoreError> {
        if self.id.is_empty() {
            return Ok(0);
        }
        Ok(tx.execute(
            "INSERT INTO timeline_entry (id, incident_id, at_ms, author, kind, text) \
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], \
             $6::TEXT[])",
            &[
                &self.id,
                &self.incident,
                &self.at_ms,
                &self.author,
                &self.kind,
                &self.text,
            ],
        )?)
    }
}

impl RevisionColumns {
    /// The entry's revisions after its first (the entry as written) and after the
    /// `had` the team database holds already.
    fn push_after(&mut self, entry_id: i64, entry: &TimelineEntry, had: i64) {
        let had = usize::try_from(had).unwrap_or(0);
        for revision in entry.revisions.iter().skip(1).skip(had) {
            self.entry.push(entry_id);
            self.at_ms.push(millis(revision.at));
            self.author.push(revision.author.clone());
            self.text.push(revision.text.clone());
            self.kind
                .push(revision.kind.map(|k| k.as_str().to_string()));
        }
    }

    /// In the order given: a revision's id says which came first.
    fn insert(&self, tx: &mut Transaction<'_>) -> Result<u64, StoreError> {
        if self.entry.is_empty() {
            return Ok(0);
        }
        Ok(tx.execute(
            "INSERT INTO entry_revision (entry_id, at_ms, author, text, kind) \
             SELECT a, b, c, d, e FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], \
             $5::TEXT[]) WITH ORDINALITY AS t(a, b, c, d, e, n) ORDER BY n",
            &[
                &self.entry,
                &self.at_ms,
                &self.author,
                &self.text,
                &self.kind,
            ],
        )?)
    }
}

impl FollowUpColumns {
    fn push(&mut self, id: IncidentId, f: &FollowUp) {
        self.id.push(f.id.0);
        self.incident.push(id.0);
        self.title.push(f.title.clone());
        self.owner.push(f.owner.clone());
        self.due.push(f.due.map(|d| d.to_string()));
        self.created_ms.push(millis(f.created_at));
        self.done_ms.push(f.done_at.map(millis));
        self.cancelled_ms.push(f.cancelled_at.map(millis));
        self.cancel_reason.push(f.cancel_reason.clone());
    }

    fn insert(&self, tx: &mut Transaction<'_>) -> Result<u64, StoreError> {
        if self.id.is_empty() {
            return Ok(0);
        }
        Ok(tx.execute(
            "INSERT INTO followup (id, incident_id, title, owner, due, created_ms, done_ms, \
             cancelled_ms, cancel_reason) SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], \
             $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], $7::BIGINT[], $8::BIGINT[], $9::TEXT[])",
            &[
                &self.id,
                &self.incident,
                &self.title,
                &self.owner,
                &self.due,
                &self.created_ms,
                &self.done_ms,
                &self.cancelled_ms,
                &self.cancel_reason,
            ],
        )?)
    }
}

/// The text and kind an entry was written with: its first revision.
fn as_written(entry: &TimelineEntry) -> (&str, EntryKind) {
    let first = entry.revisions.first();
    (
        first.map_or(entry.text.as_str(), |r| r.text.as_str()),
        first.and_then(|r| r.kind).unwrap_or(entry.kind),
    )
}

fn insert_follow_up(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    f: &FollowUp,
) -> Result<(), StoreError> {
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
    Ok(())
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

/// Adds the entry with a new id, then its revisions after the first.
fn import_entry(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    entry: &TimelineEntry,
    report: &mut CopyReport,
) -> Result<(), StoreError> {
    if entry.kind == EntryKind::Unreadable {
        // What the source could not read is not copied as if it were an entry.
        tracing::warn!("db copy: skipped {}", entry.text);
        return Ok(());
    }
    let (text, kind) = as_written(entry);
    report.entries += 1;
    let entry_id: i64 = tx
        .query_one(
            "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &id.0,
                &millis(entry.at),
                &entry.author,
                &kind.as_str(),
                &text,
            ],
        )?
        .try_get(0)?;
    let mut revisions = RevisionColumns::default();
    revisions.push_after(entry_id, entry, 0);
    report.revisions += revisions.insert(tx)? as usize;
    Ok(())
}
