//! The dashboard's alerts as they arrive, change and resolve: the board, declaring
//! from alerts, linking, the alert detail and what the timeline is told.

use super::*;
use crate::app::alerts::SourceView;
use crate::domain::alert::declaration_from;
use crate::domain::alert::{normalize, Alert, LabelMapping, RawAlert};
use crate::domain::alert_set::Builder;
use std::collections::BTreeMap;

fn alert(fp: &str, name: &str, severity: &str, service: &str, region: &str, start: i64) -> Alert {
    let labels: BTreeMap<String, String> = [
        ("alertname", name),
        ("severity", severity),
        ("service", service),
        ("region", region),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    normalize(
        "eu",
        RawAlert {
            fingerprint: fp.into(),
            labels,
            starts_at: Some(t(start)),
            ..RawAlert::default()
        },
        &LabelMapping::default(),
    )
}

fn watching() -> (State, Builder) {
    let s = State::new(
        "alice".into(),
        TimeDisplay::Utc,
        Duration::minutes(30),
        t(5),
    )
    .with_sources(vec![SourceView::new(
        "eu",
        false,
        std::time::Duration::from_secs(15),
    )]);
    (s, Builder::new(&["eu"]))
}

fn polled(s: &mut State, b: &mut Builder, alerts: Vec<Alert>, at: i64) -> Vec<Effect> {
    update(s, Msg::Alerts(Box::new(b.apply("eu", Ok(alerts), t(at)))))
}

fn linked_incident(fps: &[&str], region: &str) -> Incident {
    let d = Declaration {
        title: "room is down".into(),
        severity: Some(Severity::P1),
        regions: vec![region.into()],
        linked_alerts: fps.iter().map(|f| f.to_string()).collect(),
        ..Declaration::default()
    };
    NewIncident::declare(d, "alice", t(1))
        .unwrap()
        .into_incident(IncidentId(7))
}

fn alert_entries(effects: &[Effect]) -> Vec<(IncidentId, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Write { write: w, .. } => match &**w {
                Write::AlertEntry(id, entry) => Some((*id, entry.text.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn alerts_arrive_p1_first_marked_new_and_an_unlinked_p1_is_flagged() {
    let (mut s, mut b) = watching();
    assert_eq!(s.pane, Pane::Alerts);
    polled(
        &mut s,
        &mut b,
        vec![
            alert("b", "ChatSlow", "warning", "chat", "us", 0),
            alert("a", "RoomDown", "critical", "room", "eu", 1),
        ],
        5,
    );
    let names: Vec<&str> = s.board.alerts().iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["RoomDown", "ChatSlow"]);
    assert!(s.board.alerts().iter().all(|a| s.board.is_new(a)));
    assert_eq!(s.board.unlinked_p1(&s.incidents).len(), 1);
    s.incidents = vec![linked_incident(&["a"], "eu")];
    assert!(s.board.unlinked_p1(&s.incidents).is_empty());
}

#[test]
fn declaring_from_two_marked_alerts_takes_the_earliest_start_and_links_both() {
    let (mut s, mut b) = watching();
    polled(
        &mut s,
        &mut b,
        vec![
            alert("a", "RoomDown", "critical", "room", "eu", 3),
            alert("b", "ChatSlow", "warning", "chat", "us", 1),
        ],
        5,
    );
    update(&mut s, ch(' '));
    update(&mut s, key(Key::Down));
    update(&mut s, ch(' '));
    update(&mut s, ch('d'));
    let Layer::Form(form) = &s.layer else {
        panic!("the declare form opens");
    };
    assert_eq!(form.trigger_time, Some(t(1)));
    assert_eq!(form.linked_alerts, vec!["a", "b"]);
    let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a declare");
    };
    assert_eq!(new.severity, Severity::P1);
    assert_eq!(new.regions, vec!["eu", "us"]);
    assert_eq!(new.trigger_time, t(1));
    assert_eq!(new.linked_alerts, vec!["a", "b"]);
    // The other alert is linked, not counted into the title the postmortem heads.
    assert_eq!(new.title, "room: RoomDown");
}

#[test]
fn a_single_alert_prefills_service_and_summary_in_the_title() {
    let mut a = alert("a", "RoomDown", "warning", "room", "eu", 2);
    a.summary = Some("stream starts failing".into());
    let d = declaration_from(&[&a], t(10));
    assert_eq!(d.title, "room: stream starts failing");
    assert_eq!(d.severity, Some(Severity::P2));
    // A summary that names its service already is not prefixed again.
    a.summary = Some("Room 5xx above 5% in eu-west".into());
    assert_eq!(
        declaration_from(&[&a], t(10)).title,
        "Room 5xx above 5% in eu-west"
    );
}

/// An alert that says it starts after now (a source's clock ahead, or posted with
/// only an end) prefills now, which the declaration accepts, not its own start.
#[test]
fn an_alert_starting_in_the_future_prefills_now_as_the_trigger_time() {
    let a = alert("a", "RoomDown", "critical", "room", "eu", 50);
    assert_eq!(declaration_from(&[&a], t(10)).trigger_time, Some(t(10)));
    assert_eq!(declaration_from(&[&a], t(60)).trigger_time, Some(t(50)));
}

#[test]
fn a_linked_alert_that_resolves_is_logged_once_and_a_first_answer_logs_nothing() {
    let (mut s, mut b) = watching();
    s.incidents = vec![linked_incident(&["a"], "eu")];
    assert!(alert_entries(&polled(
        &mut s,
        &mut b,
        vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
        5
    ))
    .is_empty());
    assert!(alert_entries(&polled(
        &mut s,
        &mut b,
        vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
        20
    ))
    .is_empty());
    let entries = alert_entries(&polled(&mut s, &mut b, Vec::new(), 35));
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, IncidentId(7));
    assert!(
        entries[0]
            .1
            .starts_with("alert resolved: RoomDown [room eu]"),
        "{}",
        entries[0].1
    );
    assert!(
        alert_entries(&polled(&mut s, &mut b, Vec::new(), 50)).is_empty(),
        "not on every poll"
    );
}

#[test]
fn a_new_alert_matching_an_incidents_service_and_region_is_logged() {
    let (mut s, mut b) = watching();
    s.incidents = vec![linked_incident(&["a"], "eu")];
    polled(
        &mut s,
        &mut b,
        vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
        5,
    );
    let effects = polled(
        &mut s,
        &mut b,
        vec![
            alert("a", "RoomDown", "critical", "room", "eu", 1),
            alert("c", "RoomLatency", "warning", "room", "eu", 6),
            alert("d", "RoomLatency", "warning", "room", "us", 6),
            alert("e", "ChatSlow", "warning", "chat", "eu", 6),
        ],
        20,
    );
    let entries = alert_entries(&effects);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0]
        .1
        .starts_with("alert fired: RoomLatency [room eu] matches this incident"));
}

#[test]
fn a_failing_source_keeps_its_alerts_says_so_and_logs_nothing() {
    let (mut s, mut b) = watching();
    s.incidents = vec![linked_incident(&["a"], "eu")];
    polled(
        &mut s,
        &mut b,
        vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
        5,
    );
    let effects = update(
        &mut s,
        Msg::Alerts(Box::new(b.failed("eu", "HTTP 500".into(), t(20)))),
    );
    assert!(effects.is_empty());
    assert_eq!(s.board.alerts().len(), 1);
    assert!(matches!(
        s.board.sources[0]
            .health
            .status(t(21), std::time::Duration::from_secs(15)),
        crate::domain::health::Health::Failing { .. }
    ));
}

/// Alertmanager keeps no alerts across a restart: what is missing right after
/// its source was down is not resolved, and a linked alert that is back fires
/// again (so the timeline's last word about it is true).
#[test]
fn a_restart_of_the_source_is_not_a_resolution_and_a_return_fires_again() {
    let (mut s, mut b) = watching();
    s.incidents = vec![linked_incident(&["a"], "eu")];
    let room = || alert("a", "RoomDown", "critical", "room", "eu", 1);
    polled(&mut s, &mut b, vec![room()], 5);
    let failed = b.failed("eu", "cannot connect".into(), t(20));
    assert!(update(&mut s, Msg::Alerts(Box::new(failed))).is_empty());
    let entries = alert_entries(&polled(&mut s, &mut b, Vec::new(), 35));
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0]
            .1
            .starts_with("alert no longer reported (its source was down): RoomDown"),
        "{}",
        entries[0].1
    );
    assert!(!entries[0].1.contains("resolved"));
    assert_eq!(s.board.describe("a"), "RoomDown (resolved)");
    let entries = alert_entries(&polled(&mut s, &mut b, vec![room()], 50));
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0]
            .1
            .starts_with("alert firing again: RoomDown [room eu]"),
        "{}",
        entries[0].1
    );
    assert_eq!(s.board.describe("a"), "RoomDown (firing)");
    // Gone with the source healthy is a resolution; back again fires again.
    let entries = alert_entries(&polled(&mut s, &mut b, Vec::new(), 65));
    assert!(entries[0].1.starts_with("alert resolved: RoomDown"));
    let entries = alert_entries(&polled(&mut s, &mut b, vec![room()], 80));
    assert!(entries[0].1.starts_with("alert firing again: RoomDown"));
    assert!(
        alert_entries(&polled(&mut s, &mut b, vec![room()], 95)).is_empty(),
        "once"
    );
}

#[test]
fn the_pane_counts_what_arrived_and_left_since_the_last_poll() {
    let (mut s, mut b) = watching();
    polled(
        &mut s,
        &mut b,
        vec![alert("a", "A", "critical", "x", "eu", 1)],
        5,
    );
    assert_eq!(
        s.board.last_change(),
        None,
        "nothing to compare the first with"
    );
    polled(
        &mut s,
        &mut b,
        vec![
            alert("b", "B", "critical", "x", "eu", 1),
            alert("c", "C", "critical", "x", "eu", 1),
        ],
        20,
    );
    assert_eq!(s.board.last_change(), Some((2, 1)));
    assert!(s.board.is_new(&s.board.alerts()[0]));
}

#[test]
fn alerts_group_by_name_open_with_enter_and_a_group_is_marked_and_declared_whole() {
    let (mut s, mut b) = watching();
    let mut storm: Vec<Alert> = (0..50)
        .map(|i| {
            alert(
                &format!("p{i}"),
                "PodCrashLooping",
                "warning",
                "room",
                "eu",
                i,
            )
        })
        .collect();
    storm.push(alert("r", "RoomDown", "critical", "room", "eu", 3));
    storm.push(alert("q", "RoomDown", "critical", "room", "us", 4));
    polled(&mut s, &mut b, storm, 60);
    assert_eq!(s.board.row_count(), 52);
    update(&mut s, ch('z'));
    assert!(s.board.grouped);
    assert_eq!(s.board.row_count(), 2, "one row per name");
    let groups = &s.board.set().groups;
    assert_eq!(groups[0].name, "RoomDown", "P1 first");
    assert_eq!((groups[0].members.len(), groups[0].p1), (2, 2));
    assert_eq!(groups[1].members.len(), 50);
    update(&mut s, key(Key::Enter));
    assert_eq!(s.board.row_count(), 4, "RoomDown opened");
    assert_eq!(
        s.view,
        View::Dashboard,
        "Enter on a group opens it, not an incident"
    );
    update(&mut s, key(Key::Down));
    assert_eq!(
        s.board.selected_alert().map(|a| a.fingerprint.as_str()),
        Some("r")
    );
    update(&mut s, key(Key::Home));
    update(&mut s, key(Key::Enter));
    assert_eq!(s.board.row_count(), 2, "closed again");
    update(&mut s, key(Key::Down));
    update(&mut s, ch(' '));
    assert_eq!(s.board.marked.len(), 50, "Space on a group marks all of it");
    update(&mut s, ch(' '));
    assert!(s.board.marked.is_empty(), "and again unmarks it");
    update(&mut s, ch('d'));
    let Layer::Form(form) = &s.layer else {
        panic!("the declare form opens");
    };
    assert_eq!(
        form.linked_alerts.len(),
        50,
        "d on a group declares from all of it"
    );
    // A new poll keeps the grouping, and the selection within bounds.
    s.layer = Layer::None;
    polled(
        &mut s,
        &mut b,
        vec![alert("r", "RoomDown", "critical", "room", "eu", 3)],
        75,
    );
    assert_eq!(s.board.row_count(), 1);
    assert_eq!(s.board.selected, 0);
    update(&mut s, ch('z'));
    assert!(!s.board.grouped);
}

#[test]
fn tab_switches_panes_and_enter_shows_an_alert_then_opens_its_incident() {
    let (mut s, mut b) = watching();
    s.incidents = vec![linked_incident(&["a"], "eu")];
    polled(
        &mut s,
        &mut b,
        vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
        5,
    );
    assert_eq!(update(&mut s, key(Key::Enter)), vec![]);
    assert!(
        matches!(&s.layer, Layer::Alert(a, 0) if a.fingerprint == "a"),
        "Enter shows the alert first"
    );
    update(&mut s, key(Key::Down));
    assert!(matches!(&s.layer, Layer::Alert(_, 1)), "it scrolls");
    assert_eq!(
        update(&mut s, key(Key::Enter)),
        vec![Effect::LoadRecord(IncidentId(7))]
    );
    assert!(matches!(s.layer, Layer::None));
    assert_eq!(s.view, View::Incident(IncidentId(7)));
    assert!(
        !s.board.is_new(&s.board.alerts()[0]),
        "looked at once an incident opens"
    );
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Esc));
    update(&mut s, key(Key::Tab));
    assert_eq!(s.pane, Pane::Incidents);
}

#[test]
fn slash_silence_in_an_incident_silences_its_firing_linked_alerts_after_asking() {
    let (mut s, mut b) = watching();
    let linked = linked_incident(&["a"], "eu");
    s.incidents = vec![linked.clone()];
    polled(
        &mut s,
        &mut b,
        vec![
            alert("a", "RoomDown", "critical", "room", "eu", 1),
            alert("b", "CdnSlow", "warning", "cdn", "us", 1),
        ],
        5,
    );
    s.view = View::Incident(IncidentId(7));
    s.composer.focused = true;
    update(
        &mut s,
        Msg::RecordLoaded(IncidentRecord {
            incident: linked,
            timeline: Vec::new(),
            follow_ups: Vec::new(),
            alerts: Vec::new(),
        }),
    );
    typed(&mut s, "/silence 90m flapping while we roll back");
    assert!(update(&mut s, key(Key::Enter)).is_empty(), "asks first");
    let Layer::Confirm(confirm) = &s.layer else {
        panic!("no question: {:?}", s.composer.error);
    };
    assert!(
        confirm.question.contains("RoomDown on eu"),
        "{}",
        confirm.question
    );
    assert!(!confirm.question.contains("CdnSlow"), "only the linked one");
    let effects = update(&mut s, key(Key::Enter));
    let [Effect::Silence(request)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(request.alerts.len(), 1);
    assert_eq!(request.ends, t(5) + Duration::minutes(90));
    assert_eq!(s.composer.content(), "", "the command line is done with");
    update(&mut s, Msg::Silenced(Err("RoomDown on eu: 401".into())));
    let banner = s.banner.clone().unwrap();
    assert!(banner.error && banner.text.starts_with("NOT SILENCED: "));
}

#[test]
fn s_on_an_alert_in_full_keeps_the_incidents_unsent_line() {
    let (mut s, mut b) = watching();
    s.incidents = vec![linked_incident(&["a"], "eu")];
    s.composer.switch_to(IncidentId(7));
    s.composer.text = crate::app::single_line("rolled back room to v41");
    polled(
        &mut s,
        &mut b,
        vec![alert("a", "RoomDown", "critical", "room", "eu", 1)],
        5,
    );
    update(&mut s, key(Key::Enter));
    update(&mut s, ch('s'));
    assert_eq!(s.view, View::Incident(IncidentId(7)));
    assert_eq!(s.composer.content(), "rolled back room to v41");
    let why = s.composer.error.clone().unwrap_or_default();
    assert!(why.contains("unsent line is kept"), "{why}");
}

#[test]
fn s_on_an_alert_in_full_starts_silencing_only_it_in_its_incident() {
    let (mut s, mut b) = watching();
    s.incidents = vec![linked_incident(&["a", "b"], "eu")];
    polled(
        &mut s,
        &mut b,
        vec![
            alert("a", "RoomDown", "critical", "room", "eu", 1),
            alert("b", "RoomSlow", "critical", "room", "eu", 2),
        ],
        5,
    );
    update(&mut s, key(Key::Enter));
    let Layer::Alert(shown, _) = &s.layer else {
        panic!("no detail");
    };
    let fp = shown.fingerprint.clone();
    assert_eq!(
        update(&mut s, ch('s')),
        vec![Effect::LoadRecord(IncidentId(7))]
    );
    assert_eq!(s.view, View::Incident(IncidentId(7)));
    assert_eq!(s.composer.content(), "/silence 1h ");
    assert_eq!(
        s.board.marked.iter().collect::<Vec<_>>(),
        vec![&fp],
        "only it"
    );
    let incident = s.incidents[0].clone();
    update(
        &mut s,
        Msg::RecordLoaded(IncidentRecord {
            incident,
            timeline: Vec::new(),
            follow_ups: Vec::new(),
            alerts: Vec::new(),
        }),
    );
    typed(&mut s, "flapping");
    update(&mut s, key(Key::Enter));
    let Layer::Confirm(confirm) = &s.layer else {
        panic!("no question: {:?}", s.composer.error);
    };
    let Then::Act(Effect::Silence(request)) = &confirm.then else {
        panic!("{confirm:?}");
    };
    assert_eq!(
        request.alerts.len(),
        1,
        "the alert shown, not both linked ones"
    );
    // An alert no incident links: nothing opens, it says how.
    s.incidents.clear();
    s.view = View::Dashboard;
    s.layer = Layer::None;
    update(&mut s, key(Key::Enter));
    assert!(update(&mut s, ch('s')).is_empty());
    assert!(matches!(s.layer, Layer::Alert(..)));
    assert!(s
        .banner
        .as_ref()
        .is_some_and(|b| b.text.contains("no incident links it")));
}

#[test]
fn an_unlinked_alert_shown_in_full_declares_from_itself_and_esc_goes_back() {
    let (mut s, mut b) = watching();
    polled(
        &mut s,
        &mut b,
        vec![alert("b", "CdnSlow", "warning", "cdn", "us", 1)],
        5,
    );
    update(&mut s, key(Key::Enter));
    assert_eq!(update(&mut s, key(Key::Enter)), vec![]);
    assert!(
        matches!(&s.layer, Layer::Alert(..)),
        "stays: nothing to open"
    );
    assert!(s.banner.as_ref().is_some_and(|b| b.text.contains("/link")));
    update(&mut s, key(Key::Esc));
    assert!(matches!(s.layer, Layer::None));
    update(&mut s, key(Key::Enter));
    update(&mut s, ch('d'));
    assert!(
        matches!(&s.layer, Layer::Form(_)),
        "the declare form, from the alert"
    );
}

/// `R` lists the resolved incidents whichever pane has focus (the incidents pane
/// says "R for resolved ones" while the alerts pane has it), and a declaration
/// made while they are listed brings back the open ones, where it is.
#[test]
fn r_works_from_the_alerts_pane_and_declaring_lists_the_open_incidents_again() {
    let (mut s, _) = watching();
    assert_eq!(
        s.pane,
        Pane::Alerts,
        "alerts first when a source is watched"
    );
    update(&mut s, ch('R'));
    assert!(s.show_resolved);
    update(&mut s, ch('R'));
    assert!(!s.show_resolved);
    update(&mut s, ch('R'));
    update(&mut s, ch('d'));
    typed(&mut s, "Chat is down");
    let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a declare");
    };
    let change = crate::domain::Change {
        incident: new.into_incident(IncidentId(3)),
        entries: Vec::new(),
    };
    let request = form_request(&s);
    update(&mut s, Msg::Saved(request, Saved::Declared(change)));
    assert!(!s.show_resolved, "the new open incident is listed");
}
