//! The store's speed on the real disk: a durable append (against a raw SQLite commit
//! with the same settings, as the baseline), listing 10,000 incidents, and loading one
//! incident with 10,000 timeline entries.
//!
//! Run: `cargo bench --bench store`. Databases live under the target dir (a real
//! disk, not tmpfs, so fsync costs what it costs) and are seeded once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use rusqlite::Connection;
use sitrep::domain::{Declaration, EntryKind, IncidentId, NewEntry, NewIncident, Severity};
use sitrep::store::{Store, DEFAULT_BUSY_TIMEOUT};

const MANY: usize = 10_000;

fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("store-bench");
    std::fs::create_dir_all(&dir).expect("create the bench dir");
    dir
}

fn declaration(n: usize) -> Declaration {
    Declaration {
        title: format!("incident {n}: stream start success below objective"),
        severity: Some(if n % 3 == 0 {
            Severity::P1
        } else {
            Severity::P2
        }),
        regions: vec!["eu-west".into(), "us-east".into()],
        cohorts: vec!["android".into()],
        ..Declaration::default()
    }
}

fn open(path: &Path) -> Store {
    Store::open(path, DEFAULT_BUSY_TIMEOUT).expect("open the bench store")
}

/// A store holding `MANY` incidents, the first of which has `MANY` more entries.
fn seeded() -> Store {
    let path = bench_dir().join("seeded.db");
    let mut store = open(&path);
    let have = store.list_incidents(false).expect("list").len();
    for n in have..MANY {
        let new = NewIncident::declare(declaration(n), "bench", Utc::now()).expect("valid");
        store.declare(new).expect("declare");
    }
    let first = IncidentId(1);
    let entries = store.load_incident(first).expect("load").timeline.len();
    for n in entries..MANY {
        let entry = NewEntry::typed(
            EntryKind::Note,
            "bench",
            &format!("entry {n}: drained eu-west"),
            Utc::now(),
        )
        .expect("valid");
        store.append_entry(first, &entry).expect("append");
    }
    store
}

fn append(c: &mut Criterion) {
    let dir = bench_dir();
    let path = dir.join("append.db");
    let _ = std::fs::remove_file(&path);
    let mut store = open(&path);
    let id = store
        .declare(NewIncident::declare(declaration(0), "bench", Utc::now()).expect("valid"))
        .expect("declare")
        .incident
        .id;

    let raw_path = dir.join("baseline.db");
    let _ = std::fs::remove_file(&raw_path);
    let raw = Connection::open(&raw_path).expect("open baseline");
    raw.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE entry (id INTEGER PRIMARY KEY, incident INTEGER, at_ms INTEGER, author TEXT, kind TEXT, text TEXT);",
    )
    .expect("baseline schema");

    let mut group = c.benchmark_group("append one entry, fsync on");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function(
        "baseline: raw SQLite INSERT + COMMIT (WAL, synchronous=FULL)",
        |b| {
            b.iter(|| {
                raw.execute_batch(
                    "BEGIN IMMEDIATE; INSERT INTO entry (incident, at_ms, author, kind, text) \
                 VALUES (1, 1795000000000, 'bench', 'note', 'rolled back room'); COMMIT;",
                )
                .expect("baseline insert");
            })
        },
    );
    group.bench_function("Store::append_entry", |b| {
        b.iter(|| {
            let entry = NewEntry::typed(EntryKind::Note, "bench", "rolled back room", Utc::now())
                .expect("valid");
            store.append_entry(id, &entry).expect("append");
        })
    });
    group.finish();
}

fn read(c: &mut Criterion) {
    let mut store = seeded();
    let mut group = c.benchmark_group("read");
    group.sample_size(30);
    group.bench_function("list_incidents over 10,000 incidents", |b| {
        b.iter(|| {
            let all = store.list_incidents(false).expect("list");
            assert_eq!(all.len(), MANY);
        })
    });
    group.bench_function("load_incident with 10,000 entries", |b| {
        b.iter(|| {
            let record = store.load_incident(IncidentId(1)).expect("load");
            assert!(record.timeline.len() >= MANY);
        })
    });
    group.finish();
}

criterion_group!(benches, append, read);
criterion_main!(benches);
