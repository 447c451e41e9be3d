//! The store's promises, one suite run on both engines (SQLite and a real
//! PostgreSQL): entries written once across processes, durable settings, reads never
//! torn by a concurrent writer, one truth for linked alerts, revisions, follow-ups, an
//! append-only timeline enforced by the database itself, and a newer schema refused
//! untouched.

mod common;

use chrono::Utc;
use common::engine::{Db, Engine};
use sitrep::domain::alert::LinkedAlert;
use sitrep::domain::{
    Declaration, EntryKind, FollowUpState, IncidentEdit, IncidentId, NewEntry, NewFollowUp,
    NewIncident, Severity, Status,
};
use sitrep::store::{FollowUpFilter, Store, StoreError};

fn declare(store: &mut Store, title: &str, severity: Severity) -> IncidentId {
    let d = Declaration {
        title: title.into(),
        severity: Some(severity),
        ..Declaration::default()
    };
    store
        .declare(NewIncident::declare(d, "alice", Utc::now()).unwrap())
        .unwrap()
        .incident
        .id
}

fn alert(fp: &str) -> LinkedAlert {
    LinkedAlert {
        fingerprint: fp.into(),
        name: format!("Alert{fp}"),
        source: "am".into(),
        service: Some("room".into()),
        region: None,
        summary: None,
        runbook_url: None,
        generator_url: None,
        starts_at: None,
    }
}

/// Whether a plan line reads a whole table: SQLite's `SCAN t` (with or without an
/// index: a full index walk is a scan too), PostgreSQL's `Seq Scan` (priced out by
/// the store's `enable_seqscan = off`, so it is there only when no index can serve).
fn scans(engine: Engine, plan: &str) -> bool {
    plan.lines().any(|line| match engine {
        Engine::Sqlite => line.trim_start().starts_with("SCAN "),
        Engine::Postgres => line.contains("Seq Scan"),
    })
}

on_both_engines! {
    /// Working on one incident costs the same in a database of a hundred incidents
    /// as of a hundred thousand: every statement that reads or checks one incident
    /// is planned through an index (`EXPLAIN`, a generic plan on PostgreSQL).
    every_per_incident_query_uses_an_index(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let plans = store.incident_query_plans().unwrap();
        assert!(plans.len() >= 10, "{plans:?}");
        for name in ["incident", "timeline", "timeline revisions", "follow-ups", "deliveries", "linked alerts"] {
            assert!(plans.iter().any(|(n, _)| *n == name), "{name} not planned: {plans:?}");
        }
        let scanning: Vec<_> = plans.iter().filter(|(_, plan)| scans(engine, plan)).collect();
        assert!(scanning.is_empty(), "these read whole tables: {scanning:#?}");
        // The planner is asked, not a string compared: the plans name the indexes.
        let followups = &plans.iter().find(|(n, _)| *n == "follow-ups").unwrap().1;
        assert!(followups.contains("followup_by_incident"), "{followups}");
        let deliveries = &plans.iter().find(|(n, _)| *n == "deliveries").unwrap().1;
        assert!(deliveries.contains("comms_delivery_by_incident"), "{deliveries}");
    }

    /// The comms outbox: an update and its deliveries are one write; a delivery held
    /// by one process is not claimed by another; a failed try is counted and comes
    /// back when due; finishing records once, whoever finishes second writes nothing.
    the_comms_outbox_posts_each_update_once_across_processes(engine) {
        use sitrep::domain::outbox::DeliveryState;
        let db = Db::new(engine);
        let (mut first, mut second) = (db.open(), db.open());
        let id = declare(&mut first, "room down", Severity::P1);
        let now = Utc::now();
        let later = |s: i64| now + chrono::Duration::seconds(s);
        let update = NewEntry::typed(EntryKind::Comms, "carol", "We rolled back; errors falling", now).unwrap();
        let channels = ["#incidents".to_string(), "status page".to_string()];
        let stored = first.append_for_posting(id, &update, &channels, later(300)).unwrap();
        assert_eq!(stored.kind, EntryKind::Comms);
        assert!(first.append_for_posting(IncidentId(99), &update, &channels, later(300)).is_err());
        let claimed = first.claim_deliveries(later(1), later(40), None, 10).unwrap();
        assert_eq!(claimed.len(), 2);
        assert_eq!(claimed[0].text, "We rolled back; errors falling");
        assert_eq!(claimed[0].author, "carol");
        assert!(second.claim_deliveries(later(2), later(40), None, 10).unwrap().is_empty(), "held by the first");
        // A failed try: counted, released until it is due again.
        first.retry_delivery(claimed[0].delivery.id, later(10), "HTTP 500").unwrap();
        assert!(second.claim_deliveries(later(5), later(40), None, 10).unwrap().is_empty(), "not due yet");
        let again = second.claim_deliveries(later(11), later(50), Some(stored.id), 10).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].delivery.attempts, 1);
        assert_eq!(again[0].delivery.last_error.as_deref(), Some("HTTP 500"));
        let posted = sitrep::domain::outbox::posted_entry(stored.id, "#incidents", later(12));
        assert!(second.finish_delivery(again[0].delivery.id, DeliveryState::Posted, None, &posted).unwrap().is_some());
        assert!(first.finish_delivery(again[0].delivery.id, DeliveryState::Posted, None, &posted).unwrap().is_none(), "finished once");
        // The lease runs out: another process may take the second delivery.
        let taken = second.claim_deliveries(later(41), later(90), None, 10).unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].delivery.channel, "status page");
        let failed = sitrep::domain::outbox::failed_entry(stored.id, "status page", "HTTP 404 Not Found", 1, later(42));
        second.finish_delivery(taken[0].delivery.id, DeliveryState::Failed, Some("HTTP 404 Not Found"), &failed).unwrap();
        let all = first.deliveries(id).unwrap();
        let states: Vec<_> = all.iter().map(|d| (d.channel.as_str(), d.state, d.attempts)).collect();
        assert_eq!(states, [("#incidents", DeliveryState::Posted, 2), ("status page", DeliveryState::Failed, 1)]);
        let timeline = first.load_incident(id).unwrap().timeline;
        let texts: Vec<&str> = timeline.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts.iter().filter(|t| t.contains("posted to #incidents")).count(), 1, "{texts:?}");
        assert_eq!(texts.iter().filter(|t| t.contains("to status page failed: HTTP 404")).count(), 1, "{texts:?}");
        assert!(first.claim_deliveries(later(500), later(600), None, 10).unwrap().is_empty());
    }

    an_alert_entry_reported_by_two_processes_is_written_once(engine) {
        let db = Db::new(engine);
        let mut first = db.open();
        let mut second = db.open();
        let id = declare(&mut first, "room down", Severity::P1);
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

    an_alert_transition_is_logged_once_however_each_process_words_it(engine) {
        let db = Db::new(engine);
        let mut first = db.open();
        let mut second = db.open();
        let id = declare(&mut first, "room down", Severity::P1);
        let event = |text: &str| NewEntry::alert_event(format!("{text}RoomDown [room eu] (fingerprint a1, started 2026-12-07T10:00:00Z)"), Utc::now());
        let resolved = event("alert resolved: ");
        let lost = event("alert no longer reported (its source was down): ");
        let back = event("alert firing again: ");
        // One saw its source down and the other did not: one change, one entry.
        assert!(first.append_alert_event(id, &resolved).unwrap().is_some());
        assert!(second.append_alert_event(id, &lost).unwrap().is_none());
        assert!(first.append_alert_event(id, &resolved).unwrap().is_none());
        // It comes back (same start: its source had forgotten it) and leaves again.
        assert!(second.append_alert_event(id, &back).unwrap().is_some());
        assert!(first.append_alert_event(id, &back).unwrap().is_none());
        assert!(second.append_alert_event(id, &resolved).unwrap().is_some());
        // Another alert's change is its own; an alert whose fingerprint holds the first's is too.
        let other = NewEntry::alert_event("alert resolved: RoomDown (fingerprint a12, started unknown start)".into(), Utc::now());
        assert!(first.append_alert_event(id, &other).unwrap().is_some());
        // A new alert that matches is said once per start.
        let matched = |start: &str| NewEntry::alert_event(format!("alert fired: RoomSlow [room eu] matches this incident (fingerprint b, started {start})"), Utc::now());
        assert!(first.append_alert_event(id, &matched("2026-12-07T10:00:00Z")).unwrap().is_some());
        assert!(second.append_alert_event(id, &matched("2026-12-07T10:00:00Z")).unwrap().is_none());
        assert!(second.append_alert_event(id, &matched("2026-12-07T11:00:00Z")).unwrap().is_some());
        let texts: Vec<String> = first.load_incident(id).unwrap().timeline.into_iter()
            .filter(|e| e.kind == EntryKind::Alert).map(|e| e.text).collect();
        assert_eq!(texts.len(), 6, "{texts:#?}");
        assert!(matches!(first.append_alert_event(IncidentId(999), &resolved), Err(StoreError::IncidentNotFound(_))));
    }

    one_watcher_at_a_time_holds_the_duties_and_a_gone_one_hands_them_over(engine) {
        use sitrep::domain::watchers::Watcher;
        let db = Db::new(engine);
        let mut a_store = db.open();
        let mut b_store = db.open();
        let now = Utc::now();
        let watcher = |host: &str, at| Watcher {
            id: Watcher::id_for(host, 42, now),
            host: host.into(),
            pid: 42,
            version: "test".into(),
            started: now,
            heartbeat: at,
            on_duty: false,
            stopped: None,
        };
        let secs = chrono::Duration::seconds;
        assert!(a_store.beat(&watcher("a", now), now + secs(20)).unwrap());
        assert!(!b_store.beat(&watcher("b", now), now + secs(20)).unwrap(), "a holds it");
        assert!(a_store.beat(&watcher("a", now + secs(5)), now + secs(25)).unwrap(), "a keeps it");
        // a stops beating: once its lease lapses, b takes over.
        assert!(!b_store.beat(&watcher("b", now + secs(10)), now + secs(30)).unwrap());
        assert!(b_store.beat(&watcher("b", now + secs(26)), now + secs(46)).unwrap());
        assert!(!a_store.beat(&watcher("a", now + secs(27)), now + secs(47)).unwrap());
        let seen = a_store.watchers().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen.iter().filter(|w| w.on_duty).map(|w| w.host.as_str()).collect::<Vec<_>>(), ["b"]);
        // b leaves cleanly: its lease is free at once, and it is said to have stopped.
        b_store.leave(&watcher("b", now).id).unwrap();
        assert!(a_store.beat(&watcher("a", now + secs(28)), now + secs(48)).unwrap());
        let seen = a_store.watchers().unwrap();
        let b = seen.iter().find(|w| w.host == "b").unwrap();
        assert!(b.stopped.is_some() && !b.is_live(now + secs(28)), "{b:?}");
    }

    commits_are_durable_by_the_engines_own_settings(engine) {
        let db = Db::new(engine);
        let d = db.open().diagnostics().unwrap();
        match engine {
            Engine::Sqlite => {
                assert_eq!(d.backend, "sqlite");
                assert_eq!(d.journal_mode, "WAL");
                assert_eq!(d.synchronous, "FULL", "durability needs synchronous=FULL");
                assert_eq!(d.schema_version, sitrep::store::schema::latest_version());
                assert!(d.version.starts_with('3'), "{}", d.version);
            }
            Engine::Postgres => {
                assert_eq!(d.backend, "postgres");
                assert_eq!(d.journal_mode, "fsync=on");
                assert_eq!(d.synchronous, "on", "durability needs synchronous_commit=on");
                assert_eq!(d.schema_version, sitrep::store::postgres::schema::latest_version());
                assert!(d.version.starts_with("15"), "{}", d.version);
                assert!(!d.target.contains(common::postgres::SUPERUSER_PASSWORD), "{}", d.target);
            }
        }
        assert!(!d.read_only);
    }

    /// A writer moves the status back and forth; a reader loads the incident over and
    /// over. Without one read transaction for the whole load, the incident row and the
    /// timeline come from different commits and disagree.
    a_load_never_sees_half_of_a_concurrent_change(engine) {
        let db = Db::new(engine);
        let mut writer = db.open();
        let id = declare(&mut writer, "flapping", Severity::P2);
        let mut reader = db.open();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = done.clone();
        let writing = std::thread::spawn(move || {
            for round in 0..300 {
                let to = if round % 2 == 0 { Status::Identified } else { Status::Investigating };
                writer.change_status(id, to, "alice", Utc::now()).unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let mut loads = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let record = reader.load_incident(id).unwrap();
            let changes = record
                .timeline
                .iter()
                .filter(|e| e.kind == EntryKind::Status)
                .count()
                - 1;
            let expected = if changes % 2 == 1 { Status::Identified } else { Status::Investigating };
            assert_eq!(
                record.incident.status, expected,
                "incident row and timeline disagree after {changes} changes"
            );
            loads += 1;
        }
        writing.join().unwrap();
        assert!(loads > 10, "the reader ran alongside the writer ({loads} loads)");
    }

    an_unlinked_alert_is_gone_from_the_record_and_the_review(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
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
        assert_eq!(names, vec!["Alertb", "c"], "details kept for b; c named by its fingerprint");
        let (reviewed, _) = store.review_data().unwrap();
        let fps: Vec<&str> = reviewed[0].alerts.iter().map(|a| a.fingerprint.as_str()).collect();
        assert_eq!(fps, vec!["b", "c"], "the review no longer counts 'a'");
        assert_eq!(store.list_incidents(false).unwrap()[0].linked_alerts, vec!["b", "c"]);
    }

    /// One process appending again and again on one connection (the first append
    /// typed in the call, the second preparing the statement, the rest reusing it on
    /// PostgreSQL): every entry stored once, in order, and a missing incident still
    /// refused as such on each path.
    repeated_appends_on_one_connection_each_land_once(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let id = declare(&mut store, "room down", Severity::P2);
        let mut ids = Vec::new();
        for n in 0..4 {
            let entry = NewEntry::typed(EntryKind::Note, "alice", &format!("step {n}"), Utc::now()).unwrap();
            ids.push(store.append_entry(id, &entry).unwrap().id);
            assert!(matches!(
                store.append_entry(IncidentId(999), &entry),
                Err(StoreError::IncidentNotFound(IncidentId(999)))
            ));
        }
        let record = store.load_incident(id).unwrap();
        let steps: Vec<&str> = record.timeline.iter().filter(|e| e.kind == EntryKind::Note).map(|e| e.text.as_str()).collect();
        assert_eq!(steps, ["step 0", "step 1", "step 2", "step 3"]);
        let stored: Vec<_> = record.timeline.iter().filter(|e| e.kind == EntryKind::Note).map(|e| e.id).collect();
        assert_eq!(stored, ids);
    }

    amending_keeps_every_revision_and_refuses_what_sitrep_wrote(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let id = declare(&mut store, "room down", Severity::P2);
        let typed = NewEntry::typed(EntryKind::Mitigation, "alice", "drained eu", Utc::now()).unwrap();
        let entry = store.append_entry(id, &typed).unwrap();
        store.correct_entry(entry.id, Some("drained eu-west"), None, "bob", Utc::now()).unwrap();
        let amended = store.correct_entry(entry.id, Some("drained eu-west and us-east"), None, "alice", Utc::now()).unwrap();
        assert_eq!(amended.revisions.len(), 3);
        let record = store.load_incident(id).unwrap();
        let loaded = record.timeline.iter().find(|e| e.id == entry.id).unwrap();
        assert_eq!(loaded.text, "drained eu-west and us-east");
        let texts: Vec<&str> = loaded.revisions.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, vec!["drained eu", "drained eu-west", "drained eu-west and us-east"]);
        assert_eq!(loaded.revisions[1].author, "bob");
        let status_entry = record.timeline.iter().find(|e| e.kind == EntryKind::Status).unwrap();
        assert!(matches!(
            store.correct_entry(status_entry.id, Some("rewritten"), None, "alice", Utc::now()),
            Err(StoreError::Domain(_))
        ));
        assert!(matches!(
            store.correct_entry(sitrep::domain::EntryId(999_999), Some("x"), None, "alice", Utc::now()),
            Err(StoreError::EntryNotFound(_))
        ));
    }

    /// A customer update logged as a mitigation step is corrected to a comms entry;
    /// the entry as written stays as the first revision, with its kind.
    a_correction_can_change_the_kind_and_keeps_what_was_written(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let id = declare(&mut store, "room down", Severity::P2);
        let typed = NewEntry::typed(EntryKind::Mitigation, "alice", "We are investigating", Utc::now()).unwrap();
        let entry = store.append_entry(id, &typed).unwrap();
        let corrected = store.correct_entry(entry.id, None, Some(EntryKind::Comms), "bob", Utc::now()).unwrap();
        assert_eq!(corrected.kind, EntryKind::Comms);
        assert_eq!(corrected.text, "We are investigating");
        let loaded = store.load_incident(id).unwrap().timeline.into_iter().find(|e| e.id == entry.id).unwrap();
        assert_eq!(loaded.kind, EntryKind::Comms);
        assert_eq!(loaded.revisions.len(), 2);
        assert_eq!(loaded.revisions[0].kind, Some(EntryKind::Mitigation), "as written");
        assert_eq!(loaded.revisions[1].kind, Some(EntryKind::Comms));
        assert_eq!(loaded.revisions[1].author, "bob");
        // Nothing to change, or a kind sitrep writes itself: refused.
        assert!(matches!(store.correct_entry(entry.id, None, Some(EntryKind::Comms), "bob", Utc::now()), Err(StoreError::Domain(_))));
        assert!(matches!(store.correct_entry(entry.id, None, Some(EntryKind::Status), "bob", Utc::now()), Err(StoreError::Domain(_))));
    }

    follow_ups_are_added_completed_once_and_filtered(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let first = declare(&mut store, "room down", Severity::P2);
        let second = declare(&mut store, "chat slow", Severity::P2);
        let today = Utc::now().date_naive();
        let add = |store: &mut Store, id, title: &str, owner: &str| {
            let new = NewFollowUp::new(id, title, owner, Some(today + chrono::Days::new(7)), "alice", Utc::now(), today).unwrap();
            store.add_follow_up(new).unwrap().follow_up.id
        };
        let canary = add(&mut store, first, "add a canary", "bob");
        add(&mut store, first, "write the runbook", "carol");
        add(&mut store, second, "shard chat", "bob");
        let done = store.complete_follow_up(canary, "bob", Utc::now()).unwrap();
        assert_eq!(done.follow_up.state, FollowUpState::Done);
        assert!(done.entry.text.contains("add a canary"));
        assert!(matches!(store.complete_follow_up(canary, "bob", Utc::now()), Err(StoreError::Domain(_))));
        let bobs_open = store.list_follow_ups(&FollowUpFilter { open_only: true, owner: Some("bob".into()), incident: None }).unwrap();
        let titles: Vec<&str> = bobs_open.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(titles, vec!["shard chat"]);
        let of_first = store.list_follow_ups(&FollowUpFilter { incident: Some(first), ..FollowUpFilter::default() }).unwrap();
        assert_eq!(of_first.len(), 2);
        assert_eq!(store.load_incident(first).unwrap().follow_ups.len(), 2);
    }

    follow_ups_are_edited_and_cancelled_with_the_timeline_saying_so(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let id = declare(&mut store, "room down", Severity::P1);
        let today = Utc::now().date_naive();
        let new = NewFollowUp::new(id, "add a canary", "bob", None, "alice", Utc::now(), today).unwrap();
        let f = store.add_follow_up(new).unwrap().follow_up.id;
        let edit = sitrep::domain::FollowUpEdit {
            owner: Some("carol".into()),
            due: Some(today.succ_opt()),
            title: Some("add a canary stage".into()),
        };
        let edited = store.edit_follow_up(f, &edit, "alice", Utc::now(), today).unwrap();
        assert_eq!((edited.follow_up.owner.as_str(), edited.follow_up.title.as_str()), ("carol", "add a canary stage"));
        assert!(edited.entry.text.starts_with(&format!("follow-up #{f} edited: title 'add a canary' → 'add a canary stage', owner bob → carol, due none → ")), "{}", edited.entry.text);
        let past = sitrep::domain::FollowUpEdit { due: Some(today.pred_opt()), ..Default::default() };
        assert!(matches!(store.edit_follow_up(f, &past, "alice", Utc::now(), today), Err(StoreError::Domain(_))));
        let cancelled = store.cancel_follow_up(f, "superseded", "alice", Utc::now()).unwrap();
        assert_eq!(cancelled.follow_up.state, FollowUpState::Cancelled);
        let record = store.load_incident(id).unwrap();
        let kept = &record.follow_ups[0];
        assert_eq!((kept.state, kept.cancel_reason.as_deref(), kept.owner.as_str()), (FollowUpState::Cancelled, Some("superseded"), "carol"));
        assert_eq!(kept.due, today.succ_opt());
        assert!(store.list_follow_ups(&FollowUpFilter { open_only: true, ..FollowUpFilter::default() }).unwrap().is_empty());
        assert!(matches!(store.complete_follow_up(f, "bob", Utc::now()), Err(StoreError::Domain(_))));
        let texts: Vec<&str> = record.timeline.iter().map(|e| e.text.as_str()).collect();
        assert!(texts.iter().any(|t| t.contains("cancelled: add a canary stage (owner carol) — superseded")), "{texts:?}");
        assert!(matches!(store.cancel_follow_up(sitrep::domain::FollowUpId(999), "x", "alice", Utc::now()), Err(StoreError::FollowUpNotFound(_))));
    }

    lifecycle_changes_are_recorded_and_illegal_ones_write_nothing(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let id = declare(&mut store, "room down", Severity::P1);
        store.change_status(id, Status::Identified, "alice", Utc::now()).unwrap();
        store.assign(id, Some("bob"), Some("carol"), "alice", Utc::now()).unwrap();
        store.change_severity(id, Severity::P2, "bob", Utc::now()).unwrap();
        let before = store.load_incident(id).unwrap();
        assert!(matches!(
            store.change_status(id, Status::Identified, "bob", Utc::now()),
            Err(StoreError::Domain(_))
        ));
        assert_eq!(store.load_incident(id).unwrap(), before, "a refused change writes nothing");
        let resolved = store.resolve(id, Some("rolled back"), "bob", Utc::now()).unwrap();
        assert_eq!(resolved.incident.status, Status::Resolved);
        let record = store.load_incident(id).unwrap();
        assert_eq!(record.incident.commander, "bob");
        assert_eq!(record.incident.comms_lead.as_deref(), Some("carol"));
        assert_eq!(record.incident.summary.as_deref(), Some("rolled back"));
        assert!(store.list_incidents(true).unwrap().is_empty());
        assert!(matches!(
            store.change_status(IncidentId(424_242), Status::Identified, "bob", Utc::now()),
            Err(StoreError::IncidentNotFound(_))
        ));
    }

    /// Not only sitrep keeps the timeline append-only: the database refuses to rewrite
    /// or delete an entry whoever asks.
    the_database_itself_refuses_to_rewrite_or_delete_entries(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        let id = declare(&mut store, "room down", Severity::P2);
        let typed = NewEntry::typed(EntryKind::Note, "alice", "original", Utc::now()).unwrap();
        let entry = store.append_entry(id, &typed).unwrap();
        store.correct_entry(entry.id, Some("original, corrected"), None, "alice", Utc::now()).unwrap();
        let statements = [
            "UPDATE timeline_entry SET text = 'forged'",
            "DELETE FROM timeline_entry",
            "UPDATE entry_revision SET text = 'forged'",
        ];
        match engine {
            Engine::Sqlite => {
                let conn = rusqlite::Connection::open(db.dir.path().join("sitrep.db")).unwrap();
                for sql in statements {
                    assert!(conn.execute(sql, []).is_err(), "{sql}");
                }
            }
            Engine::Postgres => {
                let mut client = db.pg.as_ref().unwrap().client("sitrep");
                for sql in statements.iter().chain(&["TRUNCATE timeline_entry CASCADE"]) {
                    let err = client.batch_execute(sql).expect_err(sql);
                    assert!(err.to_string().contains("append-only") || err.as_db_error().is_some(), "{sql}: {err}");
                }
            }
        }
        let texts: Vec<String> = store.load_incident(id).unwrap().timeline.into_iter().map(|e| e.text).collect();
        assert!(texts.contains(&"original, corrected".to_string()), "{texts:?}");
    }

    a_schema_from_a_newer_sitrep_is_refused_untouched(engine) {
        let db = Db::new(engine);
        let mut store = db.open();
        declare(&mut store, "room down", Severity::P2);
        drop(store);
        match engine {
            Engine::Sqlite => {
                let path = db.dir.path().join("sitrep.db");
                rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
                let before = std::fs::read(&path).unwrap();
                let err = sitrep::store::Store::connect(&db.target(), sitrep::store::DEFAULT_BUSY_TIMEOUT, false).err().unwrap();
                assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
                assert_eq!(std::fs::read(&path).unwrap(), before);
            }
            Engine::Postgres => {
                let pg = db.pg.as_ref().unwrap();
                pg.client("sitrep").batch_execute("INSERT INTO sitrep_schema (version) VALUES (99)").unwrap();
                let dump = |pg: &common::postgres::Postgres| -> Vec<String> {
                    pg.client("sitrep")
                        .query("SELECT format('%s|%s', id, title) FROM incident UNION ALL SELECT format('v%s', version) FROM sitrep_schema ORDER BY 1", &[])
                        .unwrap()
                        .iter()
                        .map(|r| r.get(0))
                        .collect()
                };
                let before = dump(pg);
                let err = sitrep::store::Store::connect(&db.target(), sitrep::store::DEFAULT_BUSY_TIMEOUT, false).err().unwrap();
                assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
                assert!(err.to_string().contains("upgrade sitrep"), "{err}");
                assert_eq!(dump(pg), before);
            }
        }
    }
}

/// The team database at an older schema (version 4, before services were recorded)
/// is migrated by the next sitrep that connects, and its incidents keep every field;
/// SQLite's twin is `tests/migration.rs`.
#[test]
fn an_older_team_database_is_migrated_and_keeps_its_incidents() {
    use sitrep::store::postgres::schema::MIGRATIONS;
    let db = Db::new(Engine::Postgres);
    let pg = db.pg.as_ref().unwrap();
    let mut client = pg.client("sitrep");
    client
        .batch_execute(
            "CREATE TABLE sitrep_schema (version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .unwrap();
    for (n, sql) in MIGRATIONS.iter().enumerate().take(4) {
        client.batch_execute(sql).unwrap();
        client
            .execute(
                "INSERT INTO sitrep_schema (version) VALUES ($1)",
                &[&(n as i32 + 1)],
            )
            .unwrap();
    }
    client
        .batch_execute(
            "INSERT INTO incident (title, severity, status, commander, trigger_ms, declared_ms, \
             declared_by, regions, cohorts, drill, public_title) \
             VALUES ('Stream starts failing', 'P1', 'investigating', 'alice', 1795000000000, \
             1795000060000, 'alice', '[\"eu-west\"]', '[]', false, 'Video problems')",
        )
        .unwrap();
    let mut store = db.open();
    let record = store.load_incident(IncidentId(1)).unwrap();
    assert_eq!(record.incident.title, "Stream starts failing");
    assert_eq!(record.incident.regions, vec!["eu-west".to_string()]);
    assert_eq!(
        record.incident.public_title.as_deref(),
        Some("Video problems")
    );
    assert!(record.incident.services.is_empty(), "none recorded before");
    let version: i64 = client
        .query_one("SELECT max(version)::BIGINT FROM sitrep_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, MIGRATIONS.len() as i64);
    // The new column works: a service added now is kept.
    let edit = IncidentEdit {
        add_services: vec!["room".into()],
        ..IncidentEdit::default()
    };
    store
        .edit(IncidentId(1), &edit, "alice", Utc::now())
        .unwrap();
    let again = db.open().load_incident(IncidentId(1)).unwrap();
    assert_eq!(again.incident.services, vec!["room".to_string()]);
}

mod alert_history_store {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Duration, Utc};
    use sitrep::domain::alert::{normalize, LabelMapping, RawAlert};
    use sitrep::domain::alert_history::{HistoryEvent, Opened};

    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    /// An alert named `Alert<name>` that started at `started`, opened as seen then.
    fn firing(name: &str, started: i64) -> Opened {
        let raw = RawAlert {
            labels: BTreeMap::from([("alertname".to_string(), format!("Alert{name}"))]),
            starts_at: Some(t(started)),
            ..RawAlert::default()
        };
        let alert = normalize("am", raw, &LabelMapping::default());
        Opened::new(std::sync::Arc::new(alert), t(started))
    }

    on_both_engines! {
        /// Two processes writing what they saw: one firing per alert and start, a
        /// lagging close touches no later firing, a reconcile ends what nobody saw
        /// stop when the source was last watched.
        two_writers_keep_one_history(engine) {
            let db = Db::new(engine);
            let (mut a, mut b) = (db.open(), db.open());
            let seen = |at: i64| vec![
                HistoryEvent::Opened(firing("x", 0)),
                HistoryEvent::Opened(firing("y", 5)),
                HistoryEvent::Covered { source: "am".into(), at: t(at) },
            ];
            a.record_alert_history("a", &seen(10)).unwrap();
            b.record_alert_history("b", &seen(12)).unwrap();
            let x = firing("x", 0).key;
            a.record_alert_history("a", &[HistoryEvent::Closed { key: x.clone(), at: t(100) }]).unwrap();
            // x fires again; b, behind, says the first one closed later.
            a.record_alert_history("a", &[HistoryEvent::Opened(firing("x", 200))]).unwrap();
            b.record_alert_history("b", &[HistoryEvent::Closed { key: x.clone(), at: t(150) }]).unwrap();
            a.record_alert_history("a", &[HistoryEvent::Covered { source: "am".into(), at: t(300) }]).unwrap();
            // A third process starts later; the source reports neither alert: both
            // open ones end when the source was last watched (300).
            let mut c = db.open();
            c.record_alert_history("c", &[
                HistoryEvent::Reconcile { source: "am".into(), firing: Vec::new(), at: t(900) },
                HistoryEvent::Covered { source: "am".into(), at: t(900) },
            ]).unwrap();
            let h = c.alert_history(t(-100), t(1000)).unwrap();
            let got: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> =
                h.firings.iter().map(|f| (f.name.clone(), f.started, f.ended)).collect();
            assert_eq!(got, vec![
                ("Alertx".to_string(), t(0), Some(t(100))),
                ("Alerty".to_string(), t(5), Some(t(300))),
                ("Alertx".to_string(), t(200), Some(t(300))),
            ]);
            assert_eq!(h.firings[0].labels.get("alertname").map(String::as_str), Some("Alertx"));
            let spans = &h.watched["am"];
            assert_eq!(spans.len(), 3, "{spans:?}");
            assert_eq!(sitrep::domain::alert_history::covered(spans, t(0), t(1000)), Duration::seconds(290));
        }
    }
}
