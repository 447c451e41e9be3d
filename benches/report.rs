//! Rendering the postmortem of an incident with 10,000 timeline entries.
//! Run: `cargo bench --bench report`.

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use sitrep::domain::TimeDisplay;
use sitrep::domain::{
    Declaration, EntryId, EntryKind, IncidentId, NewIncident, Revision, Severity, TimelineEntry,
};
use sitrep::report::{context, Templates, POSTMORTEM_TEMPLATE};

fn export(c: &mut Criterion) {
    let t0 = DateTime::from_timestamp(1_795_000_000, 0).expect("valid time");
    let d = Declaration {
        title: "Stream starts failing in eu-west".into(),
        severity: Some(Severity::P1),
        regions: vec!["eu-west".into()],
        ..Declaration::default()
    };
    let incident = NewIncident::declare(d, "alice", t0)
        .expect("valid")
        .into_incident(IncidentId(1));
    let timeline: Vec<TimelineEntry> = (0..10_000)
        .map(|n| {
            let at: DateTime<Utc> = t0 + Duration::seconds(n);
            let text = format!("entry {n}: drained eu-west edge | retried <stream> [{n}]");
            TimelineEntry {
                id: EntryId(n + 1),
                incident_id: IncidentId(1),
                at,
                author: "alice".into(),
                kind: EntryKind::ALL[(n % 8) as usize],
                text: text.clone(),
                revisions: vec![Revision {
                    at,
                    author: "alice".into(),
                    text,
                    kind: None,
                }],
                db_role: None,
            }
        })
        .collect();
    let templates = Templates::new(std::path::Path::new("/nonexistent-sitrep-templates"));
    let now = t0 + Duration::hours(4);
    c.bench_function("export postmortem, 10,000 entries", |b| {
        b.iter(|| {
            let data = context::postmortem(&incident, &timeline, &[], &[], TimeDisplay::Utc, now);
            templates
                .render(POSTMORTEM_TEMPLATE, &data)
                .expect("render")
        })
    });
}

criterion_group!(benches, export);
criterion_main!(benches);
