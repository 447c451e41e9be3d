//! The team database's speed on a real PostgreSQL on loopback, each against a
//! baseline measured in the same run on the same server: a durable append through the
//! store (against a bare INSERT + COMMIT with synchronous_commit on), and listing
//! 10,000 incidents.
//!
//! Run: `cargo bench --bench team_database` (starts its own PostgreSQL like the tests:
//! Debian's `postgresql` package, as the `postgres` user when run as root).

#[path = "../tests/common/backend.rs"]
mod backend;
#[path = "../tests/common/postgres.rs"]
mod postgres_server;

use std::ffi::OsStr;
use std::time::Duration;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use sitrep::domain::{Declaration, EntryKind, NewEntry, NewIncident, Severity};
use sitrep::store::{Store, Target, DEFAULT_BUSY_TIMEOUT};

fn team_database(c: &mut Criterion) {
    let pg = postgres_server::Postgres::start();
    let url = pg.database("bench");
    let target = Target::parse(OsStr::new(&url)).expect("a URL");
    let mut store = Store::connect(&target, DEFAULT_BUSY_TIMEOUT, false).expect("connect");
    let d = Declaration {
        title: "bench".into(),
        severity: Some(Severity::P2),
        ..Declaration::default()
    };
    let id = store
        .declare(NewIncident::declare(d, "bench", Utc::now()).expect("valid"))
        .expect("declare")
        .incident
        .id;

    let mut group = c.benchmark_group("team database");
    group.measurement_time(Duration::from_secs(10));
    let entry = NewEntry::typed(EntryKind::Note, "bench", "drained a shard", Utc::now())
        .expect("valid entry");
    group.bench_function("durable append through the store", |b| {
        b.iter(|| store.append_entry(id, &entry).expect("append"))
    });
    let mut bare = postgres::Client::connect(&url.replace("?sslmode=disable", ""), postgres::NoTls)
        .expect("connect bare");
    bare.batch_execute(
        "SET synchronous_commit = on; CREATE TABLE bare (id BIGSERIAL PRIMARY KEY, \
         incident_id BIGINT, at_ms BIGINT, author TEXT, kind TEXT, text TEXT)",
    )
    .expect("bare table");
    group.bench_function("baseline: bare INSERT + COMMIT", |b| {
        b.iter(|| {
            let mut tx = bare.transaction().expect("begin");
            tx.execute(
                "INSERT INTO bare (incident_id, at_ms, author, kind, text) VALUES ($1, $2, $3, $4, $5)",
                &[&id.0, &0i64, &"bench", &"note", &"drained a shard"],
            )
            .expect("insert");
            tx.commit().expect("commit");
        })
    });
    let prepared = bare
        .prepare(
            "INSERT INTO bare (incident_id, at_ms, author, kind, text) VALUES ($1, $2, $3, $4, $5)",
        )
        .expect("prepare");
    group.bench_function("baseline: bare prepared INSERT, autocommit", |b| {
        b.iter(|| {
            bare.execute(
                &prepared,
                &[&id.0, &0i64, &"bench", &"note", &"drained a shard"],
            )
            .expect("insert")
        })
    });

    // 10,000 incidents, written in one statement (the shape sitrep writes).
    bare.batch_execute(
        "INSERT INTO incident (title, severity, status, commander, trigger_ms, declared_ms, declared_by, regions, cohorts) \
         SELECT 'incident ' || n || ': stream start success below objective', \
                CASE WHEN n % 3 = 0 THEN 'P1' ELSE 'P2' END, 'investigating', 'alice', \
                1795000000000 + n * 1000, 1795000060000 + n * 1000, 'alice', '[\"eu-west\",\"us-east\"]', '[\"android\"]' \
         FROM generate_series(1, 9999) AS n",
    )
    .expect("seed");
    group.bench_function("list 10,000 incidents", |b| {
        b.iter(|| {
            let all = store.list_incidents(false).expect("list");
            assert_eq!(all.len(), 10_000);
        })
    });
    group.finish();
}

criterion_group!(benches, team_database);
criterion_main!(benches);
