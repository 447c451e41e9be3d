use chrono::{DateTime, Duration, Utc};

use super::*;

fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap() + Duration::minutes(minutes)
}

fn declaration() -> Declaration {
    Declaration {
        title: "Stream starts failing in eu-west".into(),
        severity: Some(Severity::P1),
        regions: vec!["eu-west".into()],
        ..Declaration::default()
    }
}

fn incident() -> Incident {
    NewIncident::declare(declaration(), "alice", t(0))
        .unwrap()
        .into_incident(IncidentId(1))
}

#[test]
fn the_declarer_is_commander_unless_someone_else_is_named() {
    let mine = NewIncident::declare(declaration(), "alice", t(0)).unwrap();
    assert_eq!(mine.commander, "alice");
    let theirs = NewIncident::declare(
        Declaration {
            commander: Some("bob".into()),
            ..declaration()
        },
        "alice",
        t(0),
    )
    .unwrap();
    assert_eq!(theirs.commander, "bob");
    assert_eq!(theirs.declared_by, "alice");
}

#[test]
fn declaring_needs_a_title_a_severity_and_a_trigger_not_in_the_future() {
    let no_title = Declaration {
        title: "  ".into(),
        ..declaration()
    };
    assert!(NewIncident::declare(no_title, "alice", t(0)).is_err());
    let no_severity = Declaration {
        severity: None,
        ..declaration()
    };
    assert!(NewIncident::declare(no_severity, "alice", t(0)).is_err());
    let future = Declaration {
        trigger_time: Some(t(6)),
        ..declaration()
    };
    assert!(NewIncident::declare(future, "alice", t(0)).is_err());
    let skewed = Declaration {
        trigger_time: Some(t(1)),
        ..declaration()
    };
    assert!(NewIncident::declare(skewed, "alice", t(0)).is_ok());
    let blank_commander = Declaration {
        commander: Some(" ".into()),
        ..declaration()
    };
    assert!(NewIncident::declare(blank_commander, "alice", t(0)).is_err());
}

#[test]
fn declaring_defaults_the_trigger_time_to_now_and_dedups_regions() {
    let d = Declaration {
        regions: vec!["eu-west".into(), "eu-west".into(), "us-east".into()],
        ..declaration()
    };
    let new = NewIncident::declare(d, "alice", t(3)).unwrap();
    assert_eq!(new.trigger_time, t(3));
    assert_eq!(new.regions, vec!["eu-west", "us-east"]);
}

#[test]
fn the_declaration_opens_the_timeline_with_status_and_role_entries() {
    let d = Declaration {
        comms_lead: Some("carol".into()),
        ..declaration()
    };
    let entries = NewIncident::declare(d, "alice", t(0)).unwrap().entries();
    let kinds: Vec<EntryKind> = entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EntryKind::Status, EntryKind::Role, EntryKind::Role]
    );
    assert_eq!(entries[1].text, "commander: alice");
    assert_eq!(entries[2].text, "comms lead: carol");
}

#[test]
fn every_status_change_is_its_own_entry() {
    let mut i = incident();
    let entries = i.change_status(Status::Identified, "bob", t(5)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, EntryKind::Status);
    assert_eq!(entries[0].text, "status: investigating → identified");
    assert_eq!(entries[0].author, "bob");
    assert_eq!(entries[0].at, t(5));
}

#[test]
fn a_status_cannot_change_to_itself() {
    let mut i = incident();
    let before = i.clone();
    assert!(matches!(
        i.change_status(Status::Investigating, "alice", t(1)),
        Err(DomainError::Rule(_))
    ));
    assert_eq!(i, before);
}

#[test]
fn a_resolved_incident_reopens_to_investigating_or_identified_but_not_monitoring() {
    let mut i = incident();
    i.change_status(Status::Resolved, "alice", t(30)).unwrap();
    assert!(i
        .clone()
        .change_status(Status::Monitoring, "alice", t(31))
        .is_err());
    let entries = i
        .change_status(Status::Investigating, "alice", t(31))
        .unwrap();
    assert_eq!(entries[0].text, "reopened: resolved → investigating");
    assert_eq!(i.resolved_at, None);
    assert_eq!(i.mitigated_at, None);
}

#[test]
fn stepping_back_from_monitoring_clears_the_mitigation_time() {
    let mut i = incident();
    i.change_status(Status::Monitoring, "alice", t(10)).unwrap();
    assert_eq!(i.mitigated_at, Some(t(10)));
    i.change_status(Status::Identified, "alice", t(12)).unwrap();
    assert_eq!(i.mitigated_at, None);
    i.change_status(Status::Monitoring, "alice", t(20)).unwrap();
    i.change_status(Status::Resolved, "alice", t(40)).unwrap();
    assert_eq!(i.mitigated_at, Some(t(20)));
    assert_eq!(i.resolved_at, Some(t(40)));
}

#[test]
fn resolving_straight_from_investigating_counts_as_mitigated_then() {
    let mut i = incident();
    i.change_status(Status::Resolved, "alice", t(7)).unwrap();
    assert_eq!(i.mitigated_at, Some(t(7)));
}

#[test]
fn resolve_records_the_summary_and_the_status_or_nothing() {
    let mut i = incident();
    let entries = i
        .resolve(Some("rolled back room v42"), "alice", t(9))
        .unwrap();
    let kinds: Vec<EntryKind> = entries.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EntryKind::Note, EntryKind::Status]);
    assert_eq!(i.summary.as_deref(), Some("rolled back room v42"));
    let before = i.clone();
    assert!(i.resolve(Some("again"), "alice", t(10)).is_err());
    assert_eq!(i, before);
    let mut blank = incident();
    let untouched = blank.clone();
    assert!(blank.resolve(Some("  "), "alice", t(3)).is_err());
    assert_eq!(blank, untouched);
}

#[test]
fn severity_changes_are_recorded_and_no_ops_refused() {
    let mut i = incident();
    assert!(i.change_severity(Severity::P1, "alice", t(1)).is_err());
    let entries = i.change_severity(Severity::P2, "alice", t(1)).unwrap();
    assert_eq!(entries[0].kind, EntryKind::Severity);
    assert_eq!(entries[0].text, "severity: P1 → P2");
}

#[test]
fn there_is_always_exactly_one_commander() {
    let mut i = incident();
    let before = i.clone();
    assert!(i.assign(Some("   "), None, "alice", t(1)).is_err());
    assert!(i.assign(None, None, "alice", t(1)).is_err());
    assert_eq!(i, before);
    let entries = i.assign(Some("bob"), Some("carol"), "alice", t(2)).unwrap();
    assert_eq!(i.commander, "bob");
    let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        vec!["commander: alice → bob", "comms lead: (none) → carol"]
    );
    assert!(entries.iter().all(|e| e.kind == EntryKind::Role));
}

#[test]
fn handing_a_role_to_whoever_holds_it_changes_nothing() {
    let mut i = incident();
    assert!(matches!(
        i.assign(Some("alice"), None, "alice", t(1)),
        Err(DomainError::Rule(_))
    ));
}

#[test]
fn an_edit_records_one_note_per_changed_field() {
    let mut i = incident();
    let edit = IncidentEdit {
        title: Some("Stream starts failing".into()),
        add_regions: vec!["us-east".into()],
        remove_regions: vec!["eu-west".into()],
        add_cohorts: vec!["android".into()],
        root_cause: Some(RootCause::Release),
        release_related: Some(true),
        rollback_performed: Some(true),
        ..IncidentEdit::default()
    };
    let entries = i.apply_edit(&edit, "alice", t(3)).unwrap();
    let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "title: 'Stream starts failing in eu-west' → 'Stream starts failing'",
            "region removed: eu-west",
            "region added: us-east",
            "cohort added: android",
            "root cause: (none) → release",
            "release related: (unset) → yes",
            "rollback performed: (unset) → yes",
        ]
    );
    assert_eq!(i.regions, vec!["us-east"]);
    assert_eq!(i.release_related, Some(true));
}

#[test]
fn an_edit_with_one_bad_part_changes_nothing() {
    let mut i = incident();
    let before = i.clone();
    let edit = IncidentEdit {
        title: Some("new title".into()),
        remove_regions: vec!["ap-south".into()],
        ..IncidentEdit::default()
    };
    let err = i.apply_edit(&edit, "alice", t(3)).unwrap_err().to_string();
    assert!(err.contains("'ap-south' is not listed"), "{err}");
    assert_eq!(i, before);
    let noop = IncidentEdit {
        title: Some(i.title.clone()),
        ..IncidentEdit::default()
    };
    assert!(i.apply_edit(&noop, "alice", t(3)).is_err());
    let late = IncidentEdit {
        trigger_time: Some(t(60)),
        ..IncidentEdit::default()
    };
    assert!(i.apply_edit(&late, "alice", t(3)).is_err());
    assert_eq!(i, before);
}

#[test]
fn parsing_ids_statuses_and_categories_gives_clear_errors() {
    assert_eq!("#12".parse::<IncidentId>(), Ok(IncidentId(12)));
    assert!("0".parse::<IncidentId>().is_err());
    assert!("x".parse::<IncidentId>().is_err());
    assert_eq!("Monitoring".parse::<Status>(), Ok(Status::Monitoring));
    let err = "fixed".parse::<Status>().unwrap_err().to_string();
    assert!(
        err.contains("'fixed'") && err.contains("investigating"),
        "{err}"
    );
    assert_eq!("release".parse::<RootCause>(), Ok(RootCause::Release));
    assert!("human".parse::<RootCause>().is_err());
}

#[test]
fn a_role_is_one_person_on_one_line() {
    let mut i = incident();
    for bad in ["bob\ncarol", "  ", "bob\r\ncarol"] {
        assert!(i.assign(Some(bad), None, "alice", t(9)).is_err(), "{bad:?}");
        assert!(i.assign(None, Some(bad), "alice", t(9)).is_err(), "{bad:?}");
    }
    let entries = i.assign(Some("bob smith"), None, "alice", t(9)).unwrap();
    assert!(
        entries[0].text.ends_with("→ bob smith"),
        "{}",
        entries[0].text
    );
}

#[test]
fn declared_from_alerts_it_takes_all_their_services_after_any_named() {
    let alert = |fp: &str, service: Option<&str>| LinkedAlert {
        fingerprint: fp.into(),
        name: "Burn".into(),
        source: "prod".into(),
        service: service.map(Into::into),
        region: None,
        summary: None,
        runbook_url: None,
        generator_url: None,
        starts_at: None,
    };
    let new = NewIncident::declare(
        Declaration {
            services: vec!["gifts".into()],
            alerts: vec![
                alert("a", Some("room")),
                alert("b", Some("cdn-edge")),
                alert("c", Some("room")),
                alert("d", None),
            ],
            ..declaration()
        },
        "alice",
        t(0),
    )
    .unwrap();
    assert_eq!(new.services, vec!["gifts", "room", "cdn-edge"]);
    assert_eq!(
        new.entries().last().map(|e| e.text.as_str()),
        Some("services: gifts, room, cdn-edge")
    );
    // No service anywhere: none recorded, no entry.
    let bare = NewIncident::declare(declaration(), "alice", t(0)).unwrap();
    assert!(bare.services.is_empty());
    assert!(bare
        .entries()
        .iter()
        .all(|e| !e.text.starts_with("service")));
}
