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
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// One number for sitrep's advisory lock ("sitr" "migr").
const MIGRATION_LOCK: i64 = 0x7369_7472_6d69_6772;

/// The schema version found, 0 for a database sitrep has never used.
pub fn version(client: &mut Client) -> Result<i64, postgres::Error> {
    let exists: bool = client
        .query_one("SELECT to_regclass('sitrep_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client.query_opt("SELECT max(version)::BIGINT FROM sitrep_schema", &[])?;
    Ok(row.and_then(|r| r.get::<_, Option<i64>>(0)).unwrap_or(0))
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
GRANT UPDATE ON incident, followup, comms_delivery TO sitrep_responder;
GRANT DELETE ON linked_alert TO sitrep_responder;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO sitrep_responder;
REVOKE UPDATE, DELETE, TRUNCATE ON timeline_entry, entry_revision FROM PUBLIC, sitrep_responder;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_lock_is_the_one_migrations_take() {
        assert_eq!(MIGRATION_LOCK, 8316306221727049586);
        assert!(role_model_sql().contains(&MIGRATION_LOCK.to_string()));
    }
}
