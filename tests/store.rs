//! Store behaviour beyond the CLI: entries written once across processes.

use chrono::Utc;
use sitrep::domain::{Declaration, NewEntry, NewIncident, Severity};
use sitrep::store::{Store, DEFAULT_BUSY_TIMEOUT};

#[test]
fn an_alert_entry_reported_by_two_processes_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("once.db");
    let mut first = Store::open(&db, DEFAULT_BUSY_TIMEOUT).unwrap();
    let mut second = Store::open(&db, DEFAULT_BUSY_TIMEOUT).unwrap();
    let d = Declaration {
        title: "room down".into(),
        severity: Some(Severity::P1),
        ..Declaration::default()
    };
    let id = first
        .declare(NewIncident::declare(d, "alice", Utc::now()).unwrap())
        .unwrap()
        .incident
        .id;
    let entry = NewEntry::alert_event(
        "alert resolved: RoomDown (fingerprint a, started x)".into(),
        Utc::now(),
    );
    assert!(first.append_entry_once(id, &entry).unwrap().is_some());
    assert!(second.append_entry_once(id, &entry).unwrap().is_none());
    let timeline = second.load_incident(id).unwrap().timeline;
    assert_eq!(timeline.iter().filter(|e| e.text == entry.text).count(), 1);
    assert_eq!(timeline.last().map(|e| e.author.as_str()), Some("sitrep"));
}

fn declare_p2(store: &mut Store, title: &str) -> sitrep::domain::IncidentId {
    let d = Declaration {
        title: title.into(),
        severity: Some(Severity::P2),
        ..Declaration::default()
    };
    store
        .declare(NewIncident::declare(d, "alice", Utc::now()).unwrap())
        .unwrap()
        .incident
        .id
}

#[test]
fn the_store_runs_in_wal_mode_with_full_synchronous_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("d.db"), DEFAULT_BUSY_TIMEOUT).unwrap();
    let d = store.diagnostics().unwrap();
    assert_eq!(d.backend, "sqlite");
    assert_eq!(d.journal_mode, "WAL");
    assert_eq!(d.synchronous, "FULL", "durability needs synchronous=FULL");
    assert_eq!(d.schema_version, sitrep::store::schema::latest_version());
    assert!(!d.read_only);
    assert!(d.version.starts_with('3'), "{}", d.version);
}

/// A writer moves the status back and forth; a reader loads the incident over and
/// over. Without one read transaction for the whole load, the incident row and the
/// timeline come from different commits and disagree.
#[test]
fn a_load_never_sees_half_of_a_concurrent_change() {
    use sitrep::domain::Status;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("torn.db");
    let mut writer = Store::open(&db, DEFAULT_BUSY_TIMEOUT).unwrap();
    let id = declare_p2(&mut writer, "flapping");
    let reader = Store::open(&db, DEFAULT_BUSY_TIMEOUT).unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let writing = std::thread::spawn(move || {
        for round in 0..300 {
            let to = if round % 2 == 0 {
                Status::Identified
            } else {
                Status::Investigating
            };
            writer.change_status(id, to, "alice", Utc::now()).unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let mut loads = 0;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        let record = reader.load_incident(id).unwrap();
        let status_entries = record
            .timeline
            .iter()
            .filter(|e| e.kind == sitrep::domain::EntryKind::Status)
            .count();
        // The declaration writes one status entry; every change one more, and the
        // changes alternate starting with identified.
        let changes = status_entries - 1;
        let expected = if changes % 2 == 1 {
            Status::Identified
        } else {
            Status::Investigating
        };
        assert_eq!(
            record.incident.status, expected,
            "incident row and timeline disagree after {changes} changes"
        );
        loads += 1;
    }
    writing.join().unwrap();
    assert!(
        loads > 10,
        "the reader ran alongside the writer ({loads} loads)"
    );
}

#[test]
fn an_unlinked_alert_is_gone_from_the_record_and_the_review() {
    use sitrep::domain::alert::LinkedAlert;
    use sitrep::domain::IncidentEdit;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("l.db"), DEFAULT_BUSY_TIMEOUT).unwrap();
    let alert = |fp: &str| LinkedAlert {
        fingerprint: fp.into(),
        name: format!("Alert{fp}"),
        source: "am".into(),
        service: Some("room".into()),
        region: None,
        summary: None,
        runbook_url: None,
        generator_url: None,
        starts_at: None,
    };
    let d = Declaration {
        title: "two alerts".into(),
        severity: Some(Severity::P2),
        alerts: vec![alert("a"), alert("b")],
        ..Declaration::default()
    };
    let id = store
        .declare(NewIncident::declare(d, "alice", Utc::now()).unwrap())
        .unwrap()
        .incident
        .id;
    let edit = IncidentEdit {
        unlink_alerts: vec!["a".into()],
        link_alerts: vec!["c".into()],
        ..IncidentEdit::default()
    };
    let change = store.edit(id, &edit, "alice", Utc::now()).unwrap();
    assert_eq!(change.incident.linked_alerts, vec!["b", "c"]);
    let record = store.load_incident(id).unwrap();
    assert_eq!(record.incident.linked_alerts, vec!["b", "c"]);
    let names: Vec<&str> = record.alerts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Alertb", "c"],
        "details kept for b; c named by its fingerprint"
    );
    let (reviewed, _) = store.review_data().unwrap();
    let fps: Vec<&str> = reviewed[0]
        .alerts
        .iter()
        .map(|a| a.fingerprint.as_str())
        .collect();
    assert_eq!(fps, vec!["b", "c"], "the review no longer counts 'a'");
    assert_eq!(
        store.list_incidents(false).unwrap()[0].linked_alerts,
        vec!["b", "c"]
    );
}
