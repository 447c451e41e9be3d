//! The PostgreSQL backend: the team's shared incident log.
//!
//! Same promises as SQLite: every change is one transaction that returns only after
//! `COMMIT` did, with `synchronous_commit = on` set for the session (and a server
//! running with `fsync = off` refused); lifecycle changes of one incident lock its row
//! (`FOR UPDATE`), so changes from several hosts serialize and none is lost; a
//! serialization failure or deadlock (40001, 40P01) is retried, bounded; reads run in
//! one `REPEATABLE READ` snapshot. A lost connection is reopened on the next call.
//! Changes are pushed to listeners with `NOTIFY sitrep_changes` (see [`Listener`]).

mod copy;
mod outbox;
pub mod schema;
mod target;
mod tls;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, IsolationLevel, Transaction};

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
    NewIncident, Revision, TimelineEntry,
};
pub use target::{PgTarget, SslMode};

/// How many times a transaction that failed for a retryable reason is tried.
const MAX_TRIES: u32 = 8;

/// How the current connection appends: a one-shot command appends once, typed in
/// the call (parse, bind and execute in one round trip); a process that appends again
/// (the TUI, `sitrep watch`) prepares the statement then and reuses it (the server
/// parses it once).
#[derive(Default)]
enum Appends {
    #[default]
    None,
    Once,
    Prepared(postgres::Statement),
}

/// An open PostgreSQL sitrep database.
pub struct PgStore {
    client: Option<Client>,
    /// The append statement, prepared on the current connection once it has been
    /// used twice (dropped with the connection).
    append: Appends,
    target: PgTarget,
    /// The target as every message names it (no password).
    shown: String,
    busy_timeout: Duration,
}

/// Opens a connection as `target` says, over TLS per its `sslmode`, and sets up the
/// session for durable, bounded writes.
pub fn open_client(target: &PgTarget, busy_timeout: Duration) -> Result<Client, StoreError> {
    let shown = target.shown();
    let mut config = postgres::Config::new();
    config
        .host(&target.host)
        .port(target.port)
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name("sitrep")
        .connect_timeout(target.connect_timeout)
        .ssl_mode(match target.sslmode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        });
    if let Some(password) = &target.password {
        config.password(password.expose());
    }
    let connector =
        tls::connector(target.sslmode, target.sslrootcert.as_deref()).map_err(|detail| {
            StoreError::Unavailable {
                target: shown.clone(),
                detail,
            }
        })?;
    let mut client = config.connect(connector).map_err(|e| error(&shown, &e))?;
    // Durable commits for this session, and waits for a lock bounded like SQLite's
    // busy timeout. A session must ask: the server or the role may default to off.
    let lock_ms = busy_timeout.as_millis().clamp(1, 3_600_000);
    // One round trip for the settings and the checks of them (a one-shot command
    // pays each round trip on every run).
    let answers = client
        .simple_query(&format!(
            "SET synchronous_commit = on; SET lock_timeout = '{lock_ms}ms'; \
             SET idle_in_transaction_session_timeout = '5min'; \
             SELECT current_setting('fsync'), current_setting('synchronous_commit')"
        ))
        .map_err(|e| error(&shown, &e))?;
    let settings = answers.iter().find_map(|m| match m {
        postgres::SimpleQueryMessage::Row(row) => Some((
            row.get(0).unwrap_or_default().to_string(),
            row.get(1).unwrap_or_default().to_string(),
        )),
        _ => None,
    });
    let Some((fsync, commit)) = settings else {
        return Err(StoreError::Unavailable {
            target: shown,
            detail: "the server did not answer what its fsync and synchronous_commit are".into(),
        });
    };
    if fsync != "on" {
        return Err(StoreError::NotDurable {
            target: shown,
            detail: format!("the server runs with fsync = {fsync}, so a commit would not survive a crash; ask the DBA to turn fsync on"),
        });
    }
    if !matches!(
        commit.as_str(),
        "on" | "remote_apply" | "remote_write" | "local"
    ) {
        return Err(StoreError::NotDurable {
            target: shown,
            detail: format!("synchronous_commit stays '{commit}' after sitrep set it on (a connection pooler in transaction mode?); connect to the server directly"),
        });
    }
    Ok(client)
}

/// `sitrep db init`: connects (migrating the schema under the advisory lock) and
/// creates the `sitrep_responder` role with its grants. Returns the schema version.
pub fn init(target: &PgTarget, busy_timeout: Duration) -> Result<i64, StoreError> {
    let shown = target.shown();
    let mut store = PgStore::connect(target, busy_timeout)?;
    let client = store.client()?;
    client
        .batch_execute(schema::ROLES)
        .map_err(|e| error(&shown, &e))?;
    schema::version(client).map_err(|e| error(&shown, &e))
}

impl PgStore {
    /// Connects, checks the server keeps commits durable, and migrates the schema
    /// (under an advisory lock; a newer schema is refused untouched).
    pub fn connect(target: &PgTarget, busy_timeout: Duration) -> Result<Self, StoreError> {
        let shown = target.shown();
        let mut client = open_client(target, busy_timeout)?;
        schema::migrate(&mut client, &shown)?;
        Ok(Self {
            client: Some(client),
            append: Appends::None,
            target: target.clone(),
            shown,
            busy_timeout,
        })
    }

    /// The open connection, reopened if the server went away since the last call.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        let usable = self.client.as_ref().is_some_and(|c| !c.is_closed());
        if !usable {
            self.client = None;
            self.append = Appends::None;
            let mut client = open_client(&self.target, self.busy_timeout)?;
            let found = schema::version(&mut client).map_err(|e| error(&self.shown, &e))?;
            if found != schema::latest_version() {
                return Err(StoreError::TooNew {
                    path: self.shown.clone().into(),
                    found,
                    supported: schema::latest_version(),
                });
            }
            self.client = Some(client);
        }
        self.client.as_mut().ok_or_else(|| StoreError::Unavailable {
            target: self.shown.clone(),
            detail: "no connection".into(),
        })
    }

    /// Runs `body` in one transaction at `level`, retrying serialization failures and
    /// deadlocks a bounded number of times with a short, growing pause.
    fn transaction<T>(
        &mut self,
        level: IsolationLevel,
        read_only: bool,
        mut body: impl FnMut(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let client = self.client()?;
            let result = (|| {
                let mut tx = client
                    .build_transaction()
                    .isolation_level(level)
                    .read_only(read_only)
                    .start()?;
                let out = body(&mut tx)?;
                tx.commit()?;
                Ok(out)
            })();
            match result {
                Ok(out) => return Ok(out),
                Err(StoreError::Postgres(e)) if retryable(&e) && tries < MAX_TRIES => {
                    tracing::info!(
                        try_number = tries,
                        "team database: retrying a transaction ({})",
                        e.code().map_or("?", |c| c.code())
                    );
                    std::thread::sleep(Duration::from_millis(2 << tries));
                }
                Err(StoreError::Postgres(e)) => {
                    if self.client.as_ref().is_some_and(Client::is_closed) {
                        self.client = None;
                    }
                    return Err(error(&self.shown, &e));
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// A plain append is one statement, so it needs no explicit transaction: one
    /// autocommit INSERT is one round trip and one durable commit (see [`Appends`]).
    /// A missing incident is the foreign key's refusal.
    fn append_plain(&mut self, id: IncidentId, e: &NewEntry) -> Result<TimelineEntry, StoreError> {
        let shown = self.shown.clone();
        self.client()?;
        let appends = std::mem::take(&mut self.append);
        let client = self.client()?;
        let (at, kind) = (millis(e.at), e.kind.as_str());
        let prepared = match appends {
            Appends::None => None,
            Appends::Once => Some(client.prepare(INSERT_ENTRY)),
            Appends::Prepared(statement) => Some(Ok(statement)),
        };
        let (result, next) = match prepared {
            None => (
                client.query_typed_one(
                    INSERT_ENTRY,
                    &[
                        (&id.0, Type::INT8),
                        (&at, Type::INT8),
                        (&e.author, Type::TEXT),
                        (&kind, Type::TEXT),
                        (&e.text, Type::TEXT),
                    ],
                ),
                Appends::Once,
            ),
            Some(Ok(statement)) => (
                client.query_one(&statement, &[&id.0, &at, &e.author, &kind, &e.text]),
                Appends::Prepared(statement),
            ),
            Some(Err(err)) => (Err(err), Appends::Once),
        };
        self.append = next;
        let row = match result {
            Ok(row) => row,
            Err(err) if err.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => {
                return Err(StoreError::IncidentNotFound(id))
            }
            Err(err) => {
                if self.client.as_ref().is_some_and(Client::is_closed) {
                    self.client = None;
                }
                return Err(error(&shown, &err));
            }
        };
        stored_entry(id, e, &row)
    }

    fn write<T>(
        &mut self,
        body: impl FnMut(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction(IsolationLevel::ReadCommitted, false, body)
    }

    fn read<T>(
        &mut self,
        body: impl FnMut(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction(IsolationLevel::RepeatableRead, true, body)
    }
}

/// Whether `entry` says again what incident `id`'s log says (see [`Once`]), with the
/// incident's row locked (`FOR UPDATE`) for the rest of the transaction: a second
/// process checking the same incident waits here until the first has written and
/// committed, then finds its entry. Fails when the incident does not exist.
fn repeats(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    entry: &NewEntry,
    once: Once,
) -> Result<bool, StoreError> {
    if tx.query_opt(LOCK_INCIDENT, &[&id.0])?.is_none() {
        return Err(StoreError::IncidentNotFound(id));
    }
    match once {
        Once::Always => Ok(false),
        Once::SameText => Ok(tx
            .query_opt(SAME_TEXT, &[&id.0, &entry.kind.as_str(), &entry.text])?
            .is_some()),
        Once::AlertTransition => {
            let Some(needle) = crate::store::alert_needle(entry) else {
                return Ok(false);
            };
            let texts: Vec<String> = tx
                .query(ALERT_ENTRIES, &[&id.0, &needle])?
                .iter()
                .filter_map(|r| r.try_get(0).ok())
                .collect();
            Ok(crate::store::alert_repeats(entry, &texts))
        }
    }
}

fn retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(&SqlState::T_R_SERIALIZATION_FAILURE) | Some(&SqlState::T_R_DEADLOCK_DETECTED)
    )
}

/// A PostgreSQL error in words an on-call engineer can act on, naming the target.
pub fn error(target: &str, e: &postgres::Error) -> StoreError {
    let target = target.to_string();
    if let Some(db) = e.as_db_error() {
        let detail = crate::domain::text::sanitize_line(db.message());
        return match db.code() {
            &SqlState::INVALID_PASSWORD | &SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                StoreError::Unavailable {
                    target,
                    detail: format!("{detail} (check the password: PGPASSWORD or ~/.pgpass)"),
                }
            }
            &SqlState::INVALID_CATALOG_NAME => StoreError::Unavailable {
                target,
                detail: format!("{detail} (create it: see 'Team database' in the README)"),
            },
            &SqlState::INSUFFICIENT_PRIVILEGE => StoreError::NoPrivilege { target, detail },
            &SqlState::LOCK_NOT_AVAILABLE => StoreError::Locked {
                path: target.into(),
            },
            &SqlState::DISK_FULL => StoreError::DiskFull {
                path: target.into(),
            },
            &SqlState::ADMIN_SHUTDOWN
            | &SqlState::CRASH_SHUTDOWN
            | &SqlState::CANNOT_CONNECT_NOW
            | &SqlState::TOO_MANY_CONNECTIONS => StoreError::Unavailable { target, detail },
            _ => StoreError::Other {
                path: target.into(),
                detail,
            },
        };
    }
    // Not the server's words: the connection (refused, reset, TLS, timeout).
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    let detail = crate::tls::in_words(&text).map_or_else(
        || {
            let text = crate::domain::text::sanitize_line(&text);
            if e.is_closed() || text.is_empty() {
                "the connection to the server was lost".to_string()
            } else {
                text
            }
        },
        str::to_string,
    );
    StoreError::Unavailable { target, detail }
}

impl Columns for postgres::Row {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn raw_text(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn raw_opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn boolean(&self, i: usize) -> Result<bool, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, StoreError> {
        Ok(self.try_get(i)?)
    }
}

impl Backend for PgStore {
    fn diagnostics(&mut self) -> Result<Diagnostics, StoreError> {
        let shown = self.shown.clone();
        self.read(|tx| {
            let show = |tx: &mut Transaction<'_>, name: &str| -> Result<String, StoreError> {
                Ok(tx.query_one(&format!("SHOW {name}"), &[])?.get(0))
            };
            Ok(Diagnostics {
                backend: "postgres",
                target: shown.clone(),
                version: show(tx, "server_version")?,
                schema_version: tx
                    .query_one(
                        "SELECT coalesce(max(version), 0)::BIGINT FROM sitrep_schema",
                        &[],
                    )?
                    .get(0),
                journal_mode: format!("fsync={}", show(tx, "fsync")?),
                synchronous: show(tx, "synchronous_commit")?,
                // A standby, or a login that may not add to the log.
                read_only: tx
                    .query_one(
                        "SELECT pg_is_in_recovery() \
                         OR NOT has_table_privilege('timeline_entry', 'INSERT')",
                        &[],
                    )?
                    .get(0),
            })
        })
    }

    fn rows_breaking_checks(&mut self) -> Result<Vec<String>, StoreError> {
        self.read(|tx| {
            Ok(schema::rows_breaking_constraints(tx)?
                .into_iter()
                .map(|(table, check, n)| format!("{n} {table} row(s) break {check}"))
                .collect())
        })
    }

    fn incident_query_plans(&mut self) -> Result<Vec<(&'static str, String)>, StoreError> {
        self.read(|tx| {
            // Plans as a prepared statement reuses them (generic: for any incident),
            // with a sequential scan priced out wherever an index can do it.
            tx.batch_execute(
                "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off",
            )?;
            let mut plans = Vec::new();
            for (name, sql) in incident_statements() {
                let params = (1..=9).filter(|n| sql.contains(&format!("${n}"))).count();
                let nulls = vec!["NULL"; params].join(", ");
                tx.batch_execute(&format!("PREPARE sitrep_plan AS {sql}"))?;
                let plan = tx
                    .query(&format!("EXPLAIN EXECUTE sitrep_plan({nulls})"), &[])?
                    .iter()
                    .map(|r| r.try_get::<_, String>(0))
                    .collect::<Result<Vec<_>, _>>()?
                    .join("\n");
                tx.batch_execute("DEALLOCATE sitrep_plan")?;
                plans.push((name, plan));
            }
            Ok(plans)
        })
    }

    fn change_token(&mut self) -> Result<Option<i64>, StoreError> {
        Ok(None)
    }

    fn declare(&mut self, new: NewIncident) -> Result<Change, StoreError> {
        self.write(|tx| {
            let id: i64 = tx
                .query_one(
                    "INSERT INTO incident (title, severity, status, commander, comms_lead, trigger_ms, \
                     declared_ms, declared_by, regions, cohorts, drill, public_title, public_impact, \
                     services) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                     RETURNING id",
                    &[
                        &new.title,
                        &new.severity.as_str(),
                        &crate::domain::Status::Investigating.as_str(),
                        &new.commander,
                        &new.comms_lead,
                        &millis(new.trigger_time),
                        &millis(new.declared_at),
                        &new.declared_by,
                        &json_list(&new.regions),
                        &json_list(&new.cohorts),
                        &new.drill,
                        &new.public_title,
                        &new.public_impact,
                        &json_list(&new.services),
                    ],
                )?
                .get(0);
            let id = IncidentId(id);
            for a in &new.alerts {
                insert_alert(tx, id, a)?;
            }
            sync_linked_alerts(tx, id, &new.linked_alerts)?;
            let entries = new
                .entries()
                .iter()
                .map(|e| insert_entry(tx, id, e))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Change {
                incident: new.clone().into_incident(id),
                entries,
            })
        })
    }

    fn append_for_posting(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        channels: &[String],
        give_up_at: DateTime<Utc>,
        once: Once,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        self.write(|tx| {
            if repeats(tx, id, entry, once)? {
                return Ok(None);
            }
            outbox::append_for_posting(tx, id, entry, channels, give_up_at).map(Some)
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
        self.read(|tx| outbox::list(tx, id))
    }

    fn append_entry(
        &mut self,
        id: IncidentId,
        entry: &NewEntry,
        once: Once,
    ) -> Result<Option<TimelineEntry>, StoreError> {
        if once == Once::Always {
            return self.append_plain(id, entry).map(Some);
        }
        self.write(|tx| {
            if repeats(tx, id, entry, once)? {
                return Ok(None);
            }
            insert_entry(tx, id, entry).map(Some)
        })
    }

    fn beat(&mut self, me: &Watcher, lease_until: DateTime<Utc>) -> Result<bool, StoreError> {
        self.write(|tx| {
            let now = millis(me.heartbeat);
            tx.execute(
                "INSERT INTO watcher (id, host, pid, version, started_ms, heartbeat_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
                &[&me.id, &me.host, &me.pid, &me.version, &millis(me.started), &now],
            )?;
            tx.execute(
                "DELETE FROM watcher WHERE heartbeat_ms < $1",
                &[&(now - PRUNE_WATCHERS_MS)],
            )?;
            let took = tx.query_opt(
                "INSERT INTO watch_lease AS l (name, holder, until_ms) VALUES ('duties', $1, $2) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms \
                 WHERE l.holder = excluded.holder OR l.until_ms < $3 \
                 RETURNING holder",
                &[&me.id, &millis(lease_until), &now],
            )?;
            let holder: String = match took {
                Some(row) => row.try_get(0)?,
                None => tx
                    .query_one("SELECT holder FROM watch_lease WHERE name = 'duties'", &[])?
                    .try_get(0)?,
            };
            Ok(holder == me.id)
        })
    }

    fn watchers(&mut self) -> Result<Vec<Watcher>, StoreError> {
        self.read(|tx| {
            let rows = tx.query(
                &format!(
                    "SELECT {WATCHER_COLUMNS} FROM watcher w \
                     LEFT JOIN watch_lease l ON l.name = 'duties' ORDER BY w.heartbeat_ms DESC"
                ),
                &[],
            )?;
            // A row written around sitrep that does not read is left out here: it
            // says nothing about a running watcher.
            Ok(rows.iter().filter_map(|r| rows::watcher(r).ok()).collect())
        })
    }

    fn outbox_backlog(&mut self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        self.read(|tx| rows::backlog(&tx.query_one(rows::OUTBOX_BACKLOG, &[])?))
    }

    fn leave(&mut self, me: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE watcher SET stopped_ms = $2 WHERE id = $1",
                &[&me, &millis(chrono::Utc::now())],
            )?;
            tx.execute(
                "UPDATE watch_lease SET until_ms = 0 WHERE name = 'duties' AND holder = $1",
                &[&me],
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
            // What opened goes in one statement: a storm's first answer is tens of
            // thousands of firings, one round trip each would take seconds.
            let mut keys = Vec::new();
            let mut sources = Vec::new();
            let mut names = Vec::new();
            let mut labels = Vec::new();
            let mut annotations = Vec::new();
            let mut started = Vec::new();
            for event in events {
                if let HistoryEvent::Opened(f) = event {
                    keys.push(f.key.as_str());
                    sources.push(f.alert.source.as_str());
                    names.push(f.alert.name.as_str());
                    labels.push(f.labels_json());
                    annotations.push(f.annotations_json());
                    started.push(millis(f.started));
                }
            }
            if !keys.is_empty() {
                tx.execute(
                    "INSERT INTO alert_firing (alert_key, source, name, labels, annotations, started_ms) \
                     SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[]) \
                     ON CONFLICT DO NOTHING",
                    &[&keys, &sources, &names, &labels, &annotations, &started],
                )?;
            }
            for event in events {
                match event {
                    HistoryEvent::Opened(_) => {}
                    HistoryEvent::Closed { key, at } => {
                        tx.execute(
                            "UPDATE alert_firing SET ended_ms = GREATEST(started_ms, $2) \
                             WHERE alert_key = $1 AND ended_ms IS NULL AND started_ms <= $2",
                            &[key, &millis(*at)],
                        )?;
                    }
                    HistoryEvent::Reconcile { source, firing, at } => {
                        let at = millis(*at);
                        let last: Option<i64> = tx
                            .query_one(
                                "SELECT max(until_ms) FROM alert_watch WHERE source = $1 AND until_ms <= $2",
                                &[source, &at],
                            )?
                            .try_get(0)?;
                        tx.execute(
                            "UPDATE alert_firing SET ended_ms = GREATEST(started_ms, $3) \
                             WHERE source = $1 AND ended_ms IS NULL AND NOT (alert_key = ANY($2))",
                            &[source, firing, &last.unwrap_or(at)],
                        )?;
                    }
                    HistoryEvent::Covered { source, at } => {
                        let at = millis(*at);
                        let extended = tx.execute(
                            "UPDATE alert_watch SET until_ms = GREATEST(until_ms, $3) \
                             WHERE holder = $1 AND source = $2 AND until_ms >= $3::BIGINT - $4::BIGINT AND from_ms <= $3",
                            &[&holder, source, &at, &gap],
                        )?;
                        if extended == 0 {
                            tx.execute(
                                "INSERT INTO alert_watch (holder, source, from_ms, until_ms) \
                                 VALUES ($1, $2, $3, $3) ON CONFLICT DO NOTHING",
                                &[&holder, source, &at],
                            )?;
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
        self.read(|tx| {
            let (from, to) = (millis(from), millis(to));
            let firings = tx
                .query(&rows::firings_between(("$1", "$2")), &[&from, &to])?
                .iter()
                .map(rows::firing)
                .collect();
            let spans = tx
                .query(&rows::spans_between(("$1", "$2")), &[&from, &to])?
                .iter()
                .map(rows::span)
                .collect();
            Ok(rows::history(firings, spans))
        })
    }

    fn update_incident(
        &mut self,
        id: IncidentId,
        change: IncidentChange<'_>,
    ) -> Result<Change, StoreError> {
        self.write(|tx| {
            let mut incident = load_incident_row(tx, id, true)?;
            let newest: Option<i64> = tx.query_one(NEWEST_ENTRY, &[&id.0])?.try_get(0)?;
            let new_entries = rows::not_before(change(&mut incident)?, newest);
            save_incident(tx, &incident)?;
            let entries = new_entries
                .iter()
                .map(|e| insert_entry(tx, id, e))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Change { incident, entries })
        })
    }

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
                "INSERT INTO entry_revision (entry_id, at_ms, author, text, kind) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &entry_id.0,
                    &millis(revision.at),
                    &revision.author,
                    &revision.text,
                    &revision.kind.map(|k| k.as_str()),
                ],
            )?;
            entry.apply(revision);
            Ok(entry)
        })
    }

    fn add_follow_up(&mut self, new: NewFollowUp) -> Result<FollowUpChange, StoreError> {
        self.write(|tx| {
            load_incident_row(tx, new.incident_id, false)?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO followup (incident_id, title, owner, due, created_ms) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &[
                        &new.incident_id.0,
                        &new.title,
                        &new.owner,
                        &new.due.map(|d| d.to_string()),
                        &millis(new.created_at),
                    ],
                )?
                .get(0);
            let id = FollowUpId(id);
            let entry = insert_entry(tx, new.incident_id, &new.entry(id))?;
            Ok(FollowUpChange {
                follow_up: new.clone().into_follow_up(id),
                entry,
            })
        })
    }

    fn change_follow_up(
        &mut self,
        id: FollowUpId,
        change: FollowUpChangeFn<'_>,
    ) -> Result<FollowUpChange, StoreError> {
        self.write(|tx| {
            let row = tx
                .query_opt(
                    &format!("SELECT {FOLLOWUP_COLUMNS} FROM followup WHERE id = $1 FOR UPDATE"),
                    &[&id.0],
                )?
                .ok_or(StoreError::FollowUpNotFound(id))?;
            let mut follow_up = rows::follow_up(&row)?;
            let new_entry = change(&mut follow_up)?;
            tx.execute(
                "UPDATE followup SET title = $1, owner = $2, due = $3, done_ms = $4, \
                 cancelled_ms = $5, cancel_reason = $6 WHERE id = $7",
                &[
                    &follow_up.title,
                    &follow_up.owner,
                    &follow_up.due.map(|d| d.to_string()),
                    &follow_up.done_at.map(millis),
                    &follow_up.cancelled_at.map(millis),
                    &follow_up.cancel_reason,
                    &id.0,
                ],
            )?;
            let entry = insert_entry(tx, follow_up.incident_id, &new_entry)?;
            Ok(FollowUpChange { follow_up, entry })
        })
    }

    fn list_incidents(&mut self, open_only: bool) -> Result<Vec<Incident>, StoreError> {
        self.read(|tx| query_incidents(tx, open_only))
    }

    fn load_incident(&mut self, id: IncidentId) -> Result<IncidentRecord, StoreError> {
        self.read(|tx| {
            let incident = load_incident_row(tx, id, false)?;
            let timeline = load_timeline(tx, id)?;
            let follow_ups = query_follow_ups(
                tx,
                &FollowUpFilter {
                    incident: Some(id),
                    ..FollowUpFilter::default()
                },
            )?;
            let alerts = tx
                .query(LINKED_ALERTS, &[&id.0])?
                .iter()
                .map(rows::linked_alert)
                .collect();
            Ok(IncidentRecord {
                incident,
                timeline,
                follow_ups,
                alerts,
            })
        })
    }

    fn review_data(&mut self) -> Result<(Vec<ReviewedIncident>, Vec<FollowUp>), StoreError> {
        self.read(|tx| {
            let incidents = query_incidents(tx, false)?;
            let mut alerts: HashMap<i64, Vec<LinkedAlert>> = HashMap::new();
            for row in tx.query(
                "SELECT incident_id, fingerprint, name, source, service, region, summary, runbook_url, \
                 generator_url, starts_ms FROM linked_alert ORDER BY position",
                &[],
            )? {
                let incident: i64 = row.try_get(0)?;
                alerts
                    .entry(incident)
                    .or_default()
                    .push(rows::linked_alert_at(&row, 1));
            }
            let entries = tx
                .query(rows::REVIEW_STEPS, &[])?
                .iter()
                .map(rows::entry)
                .collect();
            let revisions = tx
                .query(rows::REVIEW_STEP_REVISIONS, &[])?
                .iter()
                .map(rows::revision)
                .collect::<Result<Vec<_>, _>>()?;
            let mut steps = rows::steps_by_incident(entries, revisions);
            let reviewed = incidents
                .into_iter()
                .map(|incident| ReviewedIncident {
                    alerts: alerts.remove(&incident.id.0).unwrap_or_default(),
                    steps: steps.remove(&incident.id.0).unwrap_or_default(),
                    incident,
                })
                .collect();
            Ok((reviewed, query_follow_ups(tx, &FollowUpFilter::default())?))
        })
    }

    fn list_follow_ups(&mut self, filter: &FollowUpFilter) -> Result<Vec<FollowUp>, StoreError> {
        self.read(|tx| query_follow_ups(tx, filter))
    }
}

fn query_incidents(tx: &mut Transaction<'_>, open_only: bool) -> Result<Vec<Incident>, StoreError> {
    let filter = if open_only {
        "WHERE status <> 'resolved'"
    } else {
        ""
    };
    let mut out = tx
        .query(
            &format!(
                "SELECT {INCIDENT_COLUMNS} FROM incident {filter} ORDER BY declared_ms DESC, id DESC"
            ),
            &[],
        )?
        .iter()
        .map(rows::incident)
        .collect::<Result<Vec<_>, _>>()?;
    let mut linked: HashMap<i64, Vec<String>> = HashMap::new();
    for row in tx.query(
        "SELECT incident_id, fingerprint FROM linked_alert ORDER BY position",
        &[],
    )? {
        linked
            .entry(row.try_get(0)?)
            .or_default()
            .push(rows::fingerprint(&row, 1));
    }
    for incident in &mut out {
        incident.linked_alerts = linked.remove(&incident.id.0).unwrap_or_default();
    }
    Ok(out)
}

fn load_incident_row(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    for_update: bool,
) -> Result<Incident, StoreError> {
    let lock = if for_update { "FOR UPDATE" } else { "" };
    let row = tx
        .query_opt(&incident_by_id(lock), &[&id.0])?
        .ok_or(StoreError::IncidentNotFound(id))?;
    let mut incident = rows::incident(&row)?;
    incident.linked_alerts = tx
        .query(LINKED_FINGERPRINTS, &[&id.0])?
        .iter()
        .map(|r| rows::fingerprint(r, 0))
        .collect();
    Ok(incident)
}

fn save_incident(tx: &mut Transaction<'_>, i: &Incident) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE incident SET title = $2, severity = $3, status = $4, commander = $5, comms_lead = $6, \
         trigger_ms = $7, mitigated_ms = $8, resolved_ms = $9, regions = $10, cohorts = $11, \
         summary = $12, root_cause = $13, release_related = $14, rollback_performed = $15, \
         drill = $16, public_title = $17, public_impact = $18, services = $19 WHERE id = $1",
        &[
            &i.id.0,
            &i.title,
            &i.severity.as_str(),
            &i.status.as_str(),
            &i.commander,
            &i.comms_lead,
            &millis(i.trigger_time),
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
    sync_linked_alerts(tx, i.id, &i.linked_alerts)
}

fn insert_alert(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    a: &LinkedAlert,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO linked_alert (incident_id, fingerprint, name, source, service, region, summary, \
         runbook_url, generator_url, starts_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (incident_id, fingerprint) DO NOTHING",
        &[
            &id.0,
            &a.fingerprint,
            &a.name,
            &a.source,
            &a.service,
            &a.region,
            &a.summary,
            &a.runbook_url,
            &a.generator_url,
            &a.starts_at.map(millis),
        ],
    )?;
    Ok(())
}

/// Makes the incident's linked_alert rows match `fingerprints` (see the SQLite twin).
fn sync_linked_alerts(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    fingerprints: &[String],
) -> Result<(), StoreError> {
    tx.execute(
        "SELECT sitrep_unlink_alerts($1, $2)",
        &[&id.0, &fingerprints],
    )?;
    for fingerprint in fingerprints {
        tx.execute(
            "INSERT INTO linked_alert (incident_id, fingerprint, name, source) VALUES ($1, $2, $2, '') \
             ON CONFLICT (incident_id, fingerprint) DO NOTHING",
            &[&id.0, fingerprint],
        )?;
    }
    Ok(())
}

const INSERT_ENTRY: &str = "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id, db_role, at_ms";

fn insert_entry(
    tx: &mut Transaction<'_>,
    id: IncidentId,
    e: &NewEntry,
) -> Result<TimelineEntry, StoreError> {
    let row = tx.query_one(
        INSERT_ENTRY,
        &[&id.0, &millis(e.at), &e.author, &e.kind.as_str(), &e.text],
    )?;
    stored_entry(id, e, &row)
}

/// The entry as stored, from the `id, db_role, at_ms` an insert returned (the server
/// signs it and may date it by its own clock).
fn stored_entry(
    id: IncidentId,
    e: &NewEntry,
    row: &postgres::Row,
) -> Result<TimelineEntry, StoreError> {
    let at = rows::time("at_ms", row.try_get(2)?)?;
    Ok(TimelineEntry {
        id: EntryId(row.try_get(0)?),
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
        db_role: Some(row.try_get(1)?),
    })
}

fn load_timeline(
    tx: &mut Transaction<'_>,
    id: IncidentId,
) -> Result<Vec<TimelineEntry>, StoreError> {
    let entries = tx
        .query(TIMELINE, &[&id.0])?
        .iter()
        .map(rows::entry_with_role)
        .collect();
    let revisions = tx
        .query(TIMELINE_REVISIONS, &[&id.0])?
        .iter()
        .map(rows::revision)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows::timeline(entries, revisions))
}

fn load_entry(tx: &mut Transaction<'_>, id: EntryId) -> Result<TimelineEntry, StoreError> {
    let row = tx
        .query_opt(
            "SELECT id, incident_id, at_ms, author, kind, text, db_role FROM timeline_entry WHERE id = $1",
            &[&id.0],
        )?
        .ok_or(StoreError::EntryNotFound(id))?;
    let revisions = tx
        .query(
            "SELECT entry_id, at_ms, author, text, kind, id FROM entry_revision WHERE entry_id = $1 ORDER BY id",
            &[&id.0],
        )?
        .iter()
        .map(rows::revision)
        .collect::<Result<Vec<_>, _>>()?;
    rows::revised(rows::entry_with_role(&row), revisions)
}

fn query_follow_ups(
    tx: &mut Transaction<'_>,
    filter: &FollowUpFilter,
) -> Result<Vec<FollowUp>, StoreError> {
    let owner = filter.owner.as_ref().map(|o| o as &(dyn ToSql + Sync));
    let incident = filter
        .incident
        .as_ref()
        .map(|i| &i.0 as &(dyn ToSql + Sync));
    let bound: Vec<&(dyn ToSql + Sync)> = owner.into_iter().chain(incident).collect();
    tx.query(&rows::follow_ups_query(filter, |n| format!("${n}")), &bound)?
        .iter()
        .map(rows::follow_up)
        .collect()
}

/// Every statement that reads or checks one incident, by name, as this module runs
/// it: the ones whose plan must use an index, so that working on one incident costs
/// the same in a database of a hundred as of a hundred thousand.
fn incident_statements() -> Vec<(&'static str, String)> {
    vec![
        ("incident", incident_by_id("")),
        ("incident locked", incident_by_id("FOR UPDATE")),
        ("incident lock", LOCK_INCIDENT.to_string()),
        ("linked fingerprints", LINKED_FINGERPRINTS.to_string()),
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
                |n| format!("${n}"),
            ),
        ),
        ("deliveries", outbox::by_incident()),
    ]
}

fn incident_by_id(lock: &str) -> String {
    format!("SELECT {INCIDENT_COLUMNS} FROM incident WHERE id = $1 {lock}")
}
const LOCK_INCIDENT: &str = "SELECT 1 FROM incident WHERE id = $1 FOR UPDATE";
const LINKED_FINGERPRINTS: &str =
    "SELECT fingerprint FROM linked_alert WHERE incident_id = $1 ORDER BY position";
const LINKED_ALERTS: &str = "SELECT fingerprint, name, source, service, region, summary, \
    runbook_url, generator_url, starts_ms FROM linked_alert WHERE incident_id = $1 ORDER BY position";
const TIMELINE: &str = "SELECT id, incident_id, at_ms, author, kind, text, db_role \
    FROM timeline_entry WHERE incident_id = $1 ORDER BY at_ms, id";
const TIMELINE_REVISIONS: &str = "SELECT r.entry_id, r.at_ms, r.author, r.text, r.kind, r.id \
    FROM entry_revision r JOIN timeline_entry e ON e.id = r.entry_id WHERE e.incident_id = $1 \
    ORDER BY r.id";
const NEWEST_ENTRY: &str = "SELECT max(at_ms) FROM timeline_entry WHERE incident_id = $1";
const SAME_TEXT: &str =
    "SELECT 1 FROM timeline_entry WHERE incident_id = $1 AND kind = $2 AND text = $3";
const ALERT_ENTRIES: &str = "SELECT text FROM timeline_entry WHERE incident_id = $1 \
    AND kind = 'alert' AND strpos(text, $2) > 0 ORDER BY id DESC LIMIT 8";

/// Listens for `NOTIFY sitrep_changes` on a connection of its own (a listener must
/// never sit inside a transaction). Notifications sent while it was disconnected are
/// lost, so after a reconnect the caller must re-read everything.
pub struct Listener {
    client: Client,
    shown: String,
    idle: Duration,
}

/// How long a listener may hear nothing before it checks the connection is alive (a
/// server that vanished without closing the socket sends nothing at all).
const LIVENESS_CHECK: Duration = Duration::from_secs(5);

impl Listener {
    pub fn connect(target: &PgTarget) -> Result<Self, StoreError> {
        let shown = target.shown();
        let mut client = open_client(target, Duration::from_secs(5))?;
        client
            .batch_execute("LISTEN sitrep_changes")
            .map_err(|e| error(&shown, &e))?;
        Ok(Self {
            client,
            shown,
            idle: Duration::ZERO,
        })
    }

    /// Waits up to `timeout` for a change; `Ok(true)` if anything changed (everything
    /// queued is taken at once: one re-read covers it all). An error means the
    /// connection is gone: connect again, then re-read everything.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool, StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let lost = |e: postgres::Error| error(&self.shown, &e);
        let first = self
            .client
            .notifications()
            .timeout_iter(timeout)
            .next()
            .map_err(lost)?;
        if first.is_some() {
            self.idle = Duration::ZERO;
            while self
                .client
                .notifications()
                .iter()
                .next()
                .map_err(lost)?
                .is_some()
            {}
            return Ok(true);
        }
        self.idle += timeout;
        if self.client.is_closed() {
            return Err(StoreError::Unavailable {
                target: self.shown.clone(),
                detail: "the connection to the server was lost".into(),
            });
        }
        if self.idle >= LIVENESS_CHECK {
            self.idle = Duration::ZERO;
            self.client.batch_execute("SELECT 1").map_err(lost)?;
        }
        Ok(false)
    }
}
