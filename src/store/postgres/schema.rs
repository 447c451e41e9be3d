//! The PostgreSQL schema: migrations keyed on the `sitrep_schema` table, run in one
//! transaction under an advisory lock, so that two sitreps starting at once against an
//! empty database migrate it once. A schema from a newer sitrep is refused before
//! anything is written.
//!
//! The timeline is append-only here as on SQLite (triggers refuse UPDATE, DELETE and
//! TRUNCATE of entries and revisions, whoever asks); every entry records the database
//! role that wrote it (`session_user`, which `SET ROLE` cannot change); and every
//! change notifies `sitrep_changes`, which the TUI listens to.

use postgres::Client;

use crate::store::StoreError;

/// Every migration, oldest first. Never edit one that has shipped; add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: the schema as SQLite's version 4 has it, plus who wrote each entry.
    r#"
    CREATE TABLE incident (
        id                 BIGSERIAL PRIMARY KEY,
        title              TEXT    NOT NULL,
        severity           TEXT    NOT NULL CHECK (severity IN ('P1', 'P2')),
        status             TEXT    NOT NULL
                           CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
        commander          TEXT    NOT NULL CHECK (commander <> ''),
        comms_lead         TEXT,
        trigger_ms         BIGINT  NOT NULL,
        declared_ms        BIGINT  NOT NULL,
        declared_by        TEXT    NOT NULL,
        mitigated_ms       BIGINT,
        resolved_ms        BIGINT,
        regions            TEXT    NOT NULL DEFAULT '[]',
        cohorts            TEXT    NOT NULL DEFAULT '[]',
        summary            TEXT,
        root_cause         TEXT,
        release_related    BOOLEAN,
        rollback_performed BOOLEAN,
        drill              BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX incident_by_status ON incident (status, declared_ms);

    CREATE TABLE timeline_entry (
        id          BIGSERIAL PRIMARY KEY,
        incident_id BIGINT  NOT NULL REFERENCES incident (id),
        at_ms       BIGINT  NOT NULL,
        author      TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        text        TEXT    NOT NULL,
        db_role     TEXT    NOT NULL DEFAULT session_user
    );
    CREATE INDEX timeline_entry_by_incident ON timeline_entry (incident_id, at_ms, id);

    CREATE TABLE entry_revision (
        id       BIGSERIAL PRIMARY KEY,
        entry_id BIGINT NOT NULL REFERENCES timeline_entry (id),
        at_ms    BIGINT NOT NULL,
        author   TEXT   NOT NULL,
        text     TEXT   NOT NULL,
        db_role  TEXT   NOT NULL DEFAULT session_user
    );
    CREATE INDEX entry_revision_by_entry ON entry_revision (entry_id, id);

    CREATE TABLE followup (
        id          BIGSERIAL PRIMARY KEY,
        incident_id BIGINT NOT NULL REFERENCES incident (id),
        title       TEXT   NOT NULL,
        owner       TEXT   NOT NULL,
        due         TEXT,
        created_ms  BIGINT NOT NULL,
        done_ms     BIGINT
    );
    CREATE INDEX followup_by_incident ON followup (incident_id);

    CREATE TABLE linked_alert (
        incident_id   BIGINT NOT NULL REFERENCES incident (id),
        fingerprint   TEXT   NOT NULL,
        name          TEXT   NOT NULL,
        source        TEXT   NOT NULL,
        service       TEXT,
        region        TEXT,
        summary       TEXT,
        runbook_url   TEXT,
        generator_url TEXT,
        starts_ms     BIGINT,
        position      BIGSERIAL,
        PRIMARY KEY (incident_id, fingerprint)
    );

    CREATE FUNCTION sitrep_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'sitrep: % is append-only: entries are never rewritten or deleted; add a revision', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER timeline_entry_append_only BEFORE UPDATE OR DELETE ON timeline_entry
        FOR EACH ROW EXECUTE FUNCTION sitrep_append_only();
    CREATE TRIGGER timeline_entry_never_truncated BEFORE TRUNCATE ON timeline_entry
        FOR EACH STATEMENT EXECUTE FUNCTION sitrep_append_only();
    CREATE TRIGGER entry_revision_append_only BEFORE UPDATE OR DELETE ON entry_revision
        FOR EACH ROW EXECUTE FUNCTION sitrep_append_only();
    CREATE TRIGGER entry_revision_never_truncated BEFORE TRUNCATE ON entry_revision
        FOR EACH STATEMENT EXECUTE FUNCTION sitrep_append_only();

    -- Listeners re-read what changed; the payload (the table) is a hint, not content.
    CREATE FUNCTION sitrep_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('sitrep_changes', TG_TABLE_NAME);
        RETURN NULL;
    END $$;
    CREATE TRIGGER incident_changed AFTER INSERT OR UPDATE OR DELETE ON incident
        FOR EACH STATEMENT EXECUTE FUNCTION sitrep_notify();
    CREATE TRIGGER timeline_entry_changed AFTER INSERT ON timeline_entry
        FOR EACH STATEMENT EXECUTE FUNCTION sitrep_notify();
    CREATE TRIGGER entry_revision_changed AFTER INSERT ON entry_revision
        FOR EACH STATEMENT EXECUTE FUNCTION sitrep_notify();
    CREATE TRIGGER followup_changed AFTER INSERT OR UPDATE OR DELETE ON followup
        FOR EACH STATEMENT EXECUTE FUNCTION sitrep_notify();
    CREATE TRIGGER linked_alert_changed AFTER INSERT OR UPDATE OR DELETE ON linked_alert
        FOR EACH STATEMENT EXECUTE FUNCTION sitrep_notify();
    "#,
    // 2: a correction may change an entry's kind as well as its text.
    r#"
    ALTER TABLE entry_revision ADD COLUMN kind TEXT;
    "#,
    // 3: a follow-up may be cancelled, with a reason.
    r#"
    ALTER TABLE followup ADD COLUMN cancelled_ms BIGINT;
    ALTER TABLE followup ADD COLUMN cancel_reason TEXT;
    "#,
    // 4: what customers are told, apart from the internal title.
    r#"
    ALTER TABLE incident ADD COLUMN public_title TEXT;
    ALTER TABLE incident ADD COLUMN public_impact TEXT;
    "#,
    // 5: the services an incident affects (JSON list, like regions).
    r#"
    ALTER TABLE incident ADD COLUMN services TEXT NOT NULL DEFAULT '[]';
    "#,
    // 6: the comms outbox: one delivery per comms update and channel, written with
    // the update, so a restart (on any host) finishes what was not posted and never
    // posts twice.
    r#"
    CREATE TABLE comms_delivery (
        id            BIGSERIAL PRIMARY KEY,
        incident_id   BIGINT NOT NULL REFERENCES incident (id),
        entry_id      BIGINT NOT NULL REFERENCES timeline_entry (id),
        channel       TEXT   NOT NULL,
        state         TEXT   NOT NULL CHECK (state IN ('pending', 'posted', 'failed')),
        attempts      BIGINT NOT NULL DEFAULT 0,
        next_ms       BIGINT NOT NULL,
        give_up_ms    BIGINT NOT NULL,
        lease_ms      BIGINT,
        last_error    TEXT,
        done_ms       BIGINT,
        UNIQUE (entry_id, channel)
    );
    CREATE INDEX comms_delivery_due ON comms_delivery (state, next_ms);
    "#,
    // 7: the database enforces what sitrep assumes, since every responder's login can
    // write rows with psql. Constraints are NOT VALID: they hold for every row written
    // from now on, and rows that already break them stay readable (sitrep reads them
    // as unreadable values) and are counted by `sitrep doctor`. Who wrote an entry and
    // when is the server's word, not the client's.
    r#"
    CREATE FUNCTION sitrep_name_list(value TEXT) RETURNS BOOLEAN
        LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
        RETURN jsonb_typeof(value::jsonb) = 'array' AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements(value::jsonb) e WHERE jsonb_typeof(e) <> 'string');
    EXCEPTION WHEN others THEN
        RETURN FALSE;
    END $$;
    CREATE FUNCTION sitrep_day(value TEXT) RETURNS BOOLEAN LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
        RETURN value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND to_char(value::date, 'YYYY-MM-DD') = value;
    EXCEPTION WHEN others THEN
        RETURN FALSE;
    END $$;

    ALTER TABLE timeline_entry ADD CONSTRAINT timeline_entry_kind_known CHECK
        (kind IN ('mitigation', 'comms', 'note', 'status', 'severity', 'role', 'alert', 'followup')) NOT VALID;
    ALTER TABLE timeline_entry ADD CONSTRAINT timeline_entry_at_sane CHECK
        (at_ms BETWEEN 946684800000 AND 4102444800000) NOT VALID;
    ALTER TABLE entry_revision ADD CONSTRAINT entry_revision_kind_typed CHECK
        (kind IS NULL OR kind IN ('mitigation', 'comms', 'note')) NOT VALID;
    ALTER TABLE entry_revision ADD CONSTRAINT entry_revision_at_sane CHECK
        (at_ms BETWEEN 946684800000 AND 4102444800000) NOT VALID;
    ALTER TABLE incident ADD CONSTRAINT incident_root_cause_known CHECK
        (root_cause IS NULL OR root_cause IN ('release', 'config', 'capacity', 'dependency',
         'infrastructure', 'network', 'data', 'security', 'unknown')) NOT VALID;
    ALTER TABLE incident ADD CONSTRAINT incident_lists_are_names CHECK
        (sitrep_name_list(regions) AND sitrep_name_list(cohorts) AND sitrep_name_list(services)) NOT VALID;
    ALTER TABLE incident ADD CONSTRAINT incident_times_sane CHECK
        (trigger_ms BETWEEN 946684800000 AND 4102444800000
         AND declared_ms BETWEEN 946684800000 AND 4102444800000
         AND (mitigated_ms IS NULL OR mitigated_ms BETWEEN 946684800000 AND 4102444800000)
         AND (resolved_ms IS NULL OR resolved_ms BETWEEN 946684800000 AND 4102444800000)) NOT VALID;
    ALTER TABLE followup ADD CONSTRAINT followup_due_is_a_day CHECK
        (due IS NULL OR sitrep_day(due)) NOT VALID;
    ALTER TABLE followup ADD CONSTRAINT followup_times_sane CHECK
        (created_ms BETWEEN 946684800000 AND 4102444800000
         AND (done_ms IS NULL OR done_ms BETWEEN 946684800000 AND 4102444800000)
         AND (cancelled_ms IS NULL OR cancelled_ms BETWEEN 946684800000 AND 4102444800000)) NOT VALID;

    -- Every entry, revision and new incident is signed with the login that wrote it
    -- (session_user, whatever the client sent) and dated by the server's clock when the
    -- client's is more than ten minutes off. Only `sitrep db copy`, run by a member of
    -- the tables' owner role, keeps the original times (it sets sitrep.keep_times).
    CREATE FUNCTION sitrep_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;
        keep BOOLEAN := coalesce(current_setting('sitrep.keep_times', true), '') = 'on'
            AND pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    BEGIN
        IF TG_TABLE_NAME = 'incident' THEN
            IF TG_OP = 'UPDATE' THEN
                -- sitrep never changes when an incident was declared; a row from
                -- before the checks with a declared time that is no time gets the
                -- trigger time sitrep showed in its place, so it can be changed.
                IF NEW.declared_ms NOT BETWEEN 946684800000 AND 4102444800000 THEN
                    NEW.declared_ms := NEW.trigger_ms;
                END IF;
            ELSIF NOT keep AND NEW.declared_ms NOT BETWEEN now_ms - 600000 AND now_ms + 600000 THEN
                NEW.declared_ms := now_ms;
            END IF;
            RETURN NEW;
        END IF;
        NEW.db_role := session_user;
        IF NOT keep AND NEW.at_ms NOT BETWEEN now_ms - 600000 AND now_ms + 600000 THEN
            NEW.at_ms := now_ms;
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER timeline_entry_stamped BEFORE INSERT ON timeline_entry
        FOR EACH ROW EXECUTE FUNCTION sitrep_stamp();
    CREATE TRIGGER entry_revision_stamped BEFORE INSERT ON entry_revision
        FOR EACH ROW EXECUTE FUNCTION sitrep_stamp();
    CREATE TRIGGER incident_stamped BEFORE INSERT OR UPDATE ON incident
        FOR EACH ROW EXECUTE FUNCTION sitrep_stamp();

    -- Unlinking alerts without a DELETE grant on the table (which would also let a
    -- login take an exclusive lock on it): one function that deletes only that.
    CREATE FUNCTION sitrep_unlink_alerts(incident BIGINT, keep TEXT[]) RETURNS VOID
        LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
        DELETE FROM linked_alert WHERE incident_id = incident AND NOT (fingerprint = ANY(keep))
    $$;
    REVOKE ALL ON FUNCTION sitrep_unlink_alerts(BIGINT, TEXT[]) FROM PUBLIC;
    -- The responder's write grants, in one place: by column, never table-wide (a
    -- table-wide UPDATE or DELETE grant also lets a login LOCK TABLE in exclusive
    -- mode). Called by the role model (db init) and, for a database whose role
    -- exists already, right here, so an upgrade needs no second db init.
    CREATE FUNCTION sitrep_grant_responder_writes() RETURNS VOID LANGUAGE plpgsql AS $$
    BEGIN
        REVOKE UPDATE, DELETE, TRUNCATE ON incident, followup, comms_delivery, linked_alert FROM sitrep_responder;
        GRANT UPDATE (title, severity, status, commander, comms_lead, trigger_ms, mitigated_ms, resolved_ms,
            regions, cohorts, summary, root_cause, release_related, rollback_performed, drill,
            public_title, public_impact, services) ON incident TO sitrep_responder;
        GRANT UPDATE (title, owner, due, done_ms, cancelled_ms, cancel_reason) ON followup TO sitrep_responder;
        GRANT UPDATE (state, attempts, next_ms, lease_ms, last_error, done_ms) ON comms_delivery TO sitrep_responder;
        GRANT EXECUTE ON FUNCTION sitrep_unlink_alerts(BIGINT, TEXT[]) TO sitrep_responder;
    END $$;
    REVOKE ALL ON FUNCTION sitrep_grant_responder_writes() FROM PUBLIC;
    DO $grants$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitrep_responder') THEN
            PERFORM sitrep_grant_responder_writes();
        END IF;
    END $grants$;
    "#,
    // 8: who keeps the log when no TUI is open: each `sitrep watch` beats here, and
    // one lease row says which of them does the duties that must not run twice.
    r#"
    CREATE TABLE watcher (
        id           TEXT   PRIMARY KEY,
        host         TEXT   NOT NULL,
        pid          BIGINT NOT NULL,
        version      TEXT   NOT NULL,
        started_ms   BIGINT NOT NULL,
        heartbeat_ms BIGINT NOT NULL,
        stopped_ms   BIGINT
    );
    CREATE TABLE watch_lease (
        name     TEXT   PRIMARY KEY,
        holder   TEXT   NOT NULL,
        until_ms BIGINT NOT NULL
    );
    CREATE INDEX timeline_entry_alerts ON timeline_entry (incident_id, id) WHERE kind = 'alert';
    "#,
    // 9: the alert history the review reads when Prometheus' own is not to be had:
    // one row per alert and start (the two unique indexes keep several processes to
    // one firing), and the stretches each process watched each source.
    r#"
    CREATE TABLE alert_firing (
        id          BIGSERIAL PRIMARY KEY,
        alert_key   TEXT   NOT NULL,
        source      TEXT   NOT NULL,
        name        TEXT   NOT NULL,
        labels      TEXT   NOT NULL,
        annotations TEXT   NOT NULL,
        started_ms  BIGINT NOT NULL,
        ended_ms    BIGINT
    );
    CREATE UNIQUE INDEX alert_firing_start ON alert_firing (alert_key, started_ms);
    CREATE UNIQUE INDEX alert_firing_open ON alert_firing (alert_key) WHERE ended_ms IS NULL;
    CREATE INDEX alert_firing_time ON alert_firing (started_ms);
    CREATE INDEX alert_firing_source_open ON alert_firing (source) WHERE ended_ms IS NULL;
    CREATE TABLE alert_watch (
        holder   TEXT   NOT NULL,
        source   TEXT   NOT NULL,
        from_ms  BIGINT NOT NULL,
        until_ms BIGINT NOT NULL,
        PRIMARY KEY (holder, source, from_ms)
    );
    CREATE INDEX alert_watch_until ON alert_watch (source, until_ms);
    -- An upgraded database whose responder role exists already: its TUIs and
    -- watchers write the history too, with no second db init.
    DO $grants$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitrep_responder') THEN
            GRANT SELECT, INSERT ON alert_firing, alert_watch TO sitrep_responder;
            GRANT UPDATE (ended_ms) ON alert_firing TO sitrep_responder;
            GRANT UPDATE (until_ms) ON alert_watch TO sitrep_responder;
            GRANT USAGE ON SEQUENCE alert_firing_id_seq TO sitrep_responder;
        END IF;
    END $grants$;
    "#,
    // 10: an incident's deliveries by an index, not a scan of every delivery.
    r#"
    CREATE INDEX comms_delivery_by_incident ON comms_delivery (incident_id, id);
    "#,
];

/// The constraints migration 7 adds, by table, for `sitrep doctor`'s count of the
/// rows written before them that break them.
pub const CHECKED: &[(&str, &str)] = &[
    ("timeline_entry", "timeline_entry_kind_known"),
    ("timeline_entry", "timeline_entry_at_sane"),
    ("entry_revision", "entry_revision_kind_typed"),
    ("entry_revision", "entry_revision_at_sane"),
    ("incident", "incident_root_cause_known"),
    ("incident", "incident_lists_are_names"),
    ("incident", "incident_times_sane"),
    ("followup", "followup_due_is_a_day"),
    ("followup", "followup_times_sane"),
];

/// Counts the rows that break a constraint added NOT VALID (rows from before it), by
/// table: what `sitrep doctor` reports. Reads each constraint's own expression from
/// the catalog, so the count is of exactly what the database enforces.
pub fn rows_breaking_constraints(
    client: &mut impl postgres::GenericClient,
) -> Result<Vec<(String, String, i64)>, postgres::Error> {
    let mut out = Vec::new();
    for (table, name) in CHECKED {
        let Some(row) = client.query_opt(
            "SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint \
             WHERE conname = $1 AND conrelid = to_regclass($2)",
            &[name, table],
        )?
        else {
            continue;
        };
        let expr: String = row.get(0);
        let count: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE NOT coalesce(({expr}), TRUE)"),
                &[],
            )?
            .get(0);
        if count > 0 {
            out.push((table.to_string(), name.to_string(), count));
        }
    }
    Ok(out)
}

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// One number for sitrep's advisory lock ("sitr" "migr").
const MIGRATION_LOCK: i64 = 0x7369_7472_6d69_6772;

/// The schema version found, 0 for a database sitrep has never used.
/// One round trip: the table is read as text, and its absence is the error that says
/// so (`undefined_table`), not a second query first.
pub fn version(client: &mut Client) -> Result<i64, postgres::Error> {
    let answers = match client.simple_query("SELECT max(version)::BIGINT FROM sitrep_schema") {
        Ok(answers) => answers,
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => return Ok(0),
        Err(e) => return Err(e),
    };
    Ok(answers
        .iter()
        .find_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => row.get(0).and_then(|v| v.parse().ok()),
            _ => None,
        })
        .unwrap_or(0))
}

/// Brings the schema up to [`latest_version`] under the advisory lock; refuses a newer
/// one untouched. Another sitrep migrating at the same moment waits on the lock and
/// then finds nothing left to do.
pub fn migrate(client: &mut Client, target: &str) -> Result<(), StoreError> {
    let too_new = |found: i64| StoreError::TooNew {
        path: target.into(),
        found,
        supported: latest_version(),
    };
    let found = version(client).map_err(|e| super::error(target, &e))?;
    if found > latest_version() {
        return Err(too_new(found));
    }
    if found == latest_version() {
        return Ok(());
    }
    let run = |client: &mut Client| -> Result<(), StoreError> {
        let mut tx = client.transaction().map_err(|e| super::error(target, &e))?;
        let fail = |e: postgres::Error| super::error(target, &e);
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(fail)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS sitrep_schema (version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            .map_err(fail)?;
        let current: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0)::BIGINT FROM sitrep_schema",
                &[],
            )
            .map_err(fail)?
            .get(0);
        if current > latest_version() {
            return Err(too_new(current));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.batch_execute(sql).map_err(fail)?;
            tx.execute(
                "INSERT INTO sitrep_schema (version) VALUES ($1)",
                &[&(index as i32 + 1)],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    };
    run(client)
}

/// SQL an administrator runs once (as the database owner) to create the schema and a
/// role model: `sitrep_responder` may read everything and add to the log, change
/// incidents and follow-ups, but nobody may rewrite or delete timeline entries (the
/// triggers refuse it even to the owner). Printed by `sitrep db init --print`.
pub fn role_model_sql() -> String {
    let mut sql = format!(
        "-- sitrep: schema and roles for the team database.\n\
         -- Run as the database owner, e.g.: sitrep db init --print | psql \"$DATABASE_URL\"\n\
         BEGIN;\n\
         SELECT pg_advisory_xact_lock({MIGRATION_LOCK});\n\
         CREATE TABLE IF NOT EXISTS sitrep_schema (version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now());\n"
    );
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        sql.push_str(&format!(
            "-- migration {n}\nDO $migration$ BEGIN IF coalesce((SELECT max(version) FROM sitrep_schema), 0) < {n} THEN\nEXECUTE $sql${migration}$sql$;\nINSERT INTO sitrep_schema (version) VALUES ({n});\nEND IF; END $migration$;\n",
            n = index + 1
        ));
    }
    sql.push_str(ROLES);
    sql.push_str("COMMIT;\n");
    sql
}

/// The role model, applied by `db init` after the schema.
pub const ROLES: &str = r#"
DO $roles$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitrep_responder') THEN
        CREATE ROLE sitrep_responder NOLOGIN;
    END IF;
END $roles$;
GRANT USAGE ON SCHEMA public TO sitrep_responder;
GRANT SELECT ON sitrep_schema, incident, timeline_entry, entry_revision, followup, linked_alert, comms_delivery TO sitrep_responder;
GRANT INSERT ON incident, timeline_entry, entry_revision, followup, linked_alert, comms_delivery TO sitrep_responder;
-- UPDATE by column and no DELETE (see migration 7's sitrep_grant_responder_writes).
SELECT sitrep_grant_responder_writes();
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO sitrep_responder;
REVOKE UPDATE, DELETE, TRUNCATE ON timeline_entry, entry_revision FROM PUBLIC, sitrep_responder;
GRANT SELECT, INSERT, UPDATE, DELETE ON watcher, watch_lease TO sitrep_responder;
GRANT SELECT, INSERT ON alert_firing, alert_watch TO sitrep_responder;
GRANT UPDATE (ended_ms) ON alert_firing TO sitrep_responder;
GRANT UPDATE (until_ms) ON alert_watch TO sitrep_responder;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constraints_name_every_kind_and_root_cause_sitrep_writes() {
        let checks = MIGRATIONS[6];
        for kind in crate::domain::EntryKind::ALL {
            assert!(checks.contains(&format!("'{}'", kind.as_str())), "{kind}");
        }
        assert!(!checks.contains("'unreadable'"));
        for cause in crate::domain::RootCause::ALL {
            assert!(
                checks.contains(&format!("'{}'", cause.as_str())),
                "{cause:?}"
            );
        }
    }

    #[test]
    fn the_printed_lock_is_the_one_migrations_take() {
        assert_eq!(MIGRATION_LOCK, 8316306221727049586);
        assert!(role_model_sql().contains(&MIGRATION_LOCK.to_string()));
    }
}
