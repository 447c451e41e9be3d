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
