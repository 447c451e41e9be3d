use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::*;
use crate::domain::followup::{FollowUpId, NewFollowUp};
use crate::domain::incident::{
    Declaration, IncidentEdit, IncidentId, NewIncident, RootCause, Status,
};

fn t(hours: i64) -> DateTime<Utc> {
    // 2026-11-16T00:00:00Z, a Monday.
    DateTime::from_timestamp(1_794_787_200, 0).unwrap() + Duration::hours(hours)
}

fn alert(service: &str) -> LinkedAlert {
    LinkedAlert {
        fingerprint: format!("fp-{service}"),
        name: "Burn".into(),
        source: "eu".into(),
        service: Some(service.into()),
        region: Some("eu-west".into()),
        summary: None,
        runbook_url: None,
        generator_url: None,
        starts_at: None,
    }
}

/// An incident declared at hour `at`, lasting `minutes`, with a class and review flags.
#[allow(clippy::too_many_arguments)] // a table of fixtures reads better flat
fn incident(
    id: i64,
    severity: Severity,
    at: i64,
    minutes: i64,
    service: Option<&str>,
    cause: Option<RootCause>,
    release: Option<bool>,
    rollback: Option<bool>,
    drill: bool,
) -> ReviewedIncident {
    let d = Declaration {
        title: format!("incident {id}"),
        severity: Some(severity),
        trigger_time: Some(t(at)),
        drill,
        ..Declaration::default()
    };
    let mut i = NewIncident::declare(d, "alice", t(at))
        .unwrap()
        .into_incident(IncidentId(id));
    let edit = IncidentEdit {
        root_cause: cause,
        release_related: release,
        rollback_performed: rollback,
        ..IncidentEdit::default()
    };
    if edit != IncidentEdit::default() {
        i.apply_edit(&edit, "alice", t(at)).unwrap();
    }
    if minutes > 0 {
        i.change_status(
            Status::Resolved,
            "alice",
            t(at) + Duration::minutes(minutes),
        )
        .unwrap();
    }
    ReviewedIncident {
        incident: i,
        alerts: service.map(alert).into_iter().collect(),
        steps: Vec::new(),
    }
}

fn follow_up(id: i64, incident: i64, due: &str, done: bool) -> FollowUp {
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let due = NaiveDate::parse_from_str(due, "%Y-%m-%d").unwrap();
    let mut f = NewFollowUp::new(
        IncidentId(incident),
        "fix",
        "bob",
        Some(due),
        "alice",
        t(0),
        today,
    )
    .unwrap()
    .into_follow_up(FollowUpId(id));
    if done {
        f.complete("bob", t(1)).unwrap();
    }
    f
}

fn week() -> Vec<ReviewedIncident> {
    use RootCause::*;
    vec![
        // room/release: 2 incidents, P1 60 min (180) + P2 30 min (30) = 210, both rolled back.
        incident(
            1,
            Severity::P1,
            2,
            60,
            Some("room"),
            Some(Release),
            Some(true),
            Some(true),
            false,
        ),
        incident(
            2,
            Severity::P2,
            30,
            30,
            Some("room"),
            Some(Release),
            Some(true),
            Some(true),
            false,
        ),
        // chat/capacity: 1 incident, P1 120 min = 360.
        incident(
            3,
            Severity::P1,
            50,
            120,
            Some("chat"),
            Some(Capacity),
            Some(false),
            None,
            false,
        ),
        // auth/config: release related, not rolled back, P2 10 min = 10.
        incident(
            4,
            Severity::P2,
            70,
            10,
            Some("auth"),
            Some(Config),
            Some(true),
            Some(false),
            false,
        ),
        // no service, no category, still open since hour 100 (now is hour 160): P2 3600 min.
        incident(5, Severity::P2, 100, 0, None, None, None, None, false),
        // a drill: left out of every figure.
        incident(
            6,
            Severity::P1,
            80,
            500,
            Some("room"),
            Some(Release),
            Some(true),
            Some(true),
            true,
        ),
        // before the period.
        incident(
            7,
            Severity::P1,
            -30,
            60,
            Some("room"),
            Some(Release),
            None,
            None,
            false,
        ),
    ]
}

#[test]
fn figures_match_a_hand_count_and_leave_drills_out() {
    let follow_ups = vec![
        follow_up(1, 1, "2026-11-18", true),
        follow_up(2, 1, "2026-11-19", false), // overdue by now (2026-11-22)
        follow_up(3, 3, "2026-11-20", true),
        follow_up(4, 6, "2026-11-18", false), // the drill's: left out
        follow_up(5, 7, "2026-11-10", false), // due before the period, still overdue
        follow_up(6, 2, "2026-12-01", false), // due after the period
    ];
    let r = review(
        &week(),
        &follow_ups,
        t(0),
        t(168),
        t(160),
        Duration::days(30),
    );
    assert_eq!((r.incidents, r.p1, r.p2, r.still_open), (5, 2, 3, 1));

    let impact: Vec<(&str, &str, i64, usize)> = r
        .top_by_impact
        .iter()
        .map(|c| {
            (
                c.service.as_str(),
                c.root_cause.as_str(),
                c.impact,
                c.incidents,
            )
        })
        .collect();
    assert_eq!(
        impact,
        vec![
            (NO_SERVICE, NO_ROOT_CAUSE, 60 * 60, 1),
            ("chat", "capacity", 360, 1),
            ("room", "release", 210, 2)
        ]
    );
    assert_eq!(r.top_by_recurrence[0].service, "room");
    assert_eq!(r.top_by_recurrence[0].incidents, 2);
    assert_eq!(r.top_by_recurrence[0].ids, vec![1, 2]);

    assert_eq!(r.rollbacks.release_related, 3);
    assert_eq!(r.rollbacks.rolled_back, 2);
    assert_eq!(r.rollbacks.root_causes.get("release"), Some(&2));
    assert_eq!(r.rollbacks.root_causes.len(), 1);

    // Due in the period, real incidents only: #1 (done), #2 (open), #3 (done).
    assert_eq!((r.follow_ups.due, r.follow_ups.done), (3, 2));
    assert!((r.follow_ups.closure_rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let overdue: Vec<i64> = r.follow_ups.overdue.iter().map(|f| f.id).collect();
    assert_eq!(overdue, vec![5, 2], "oldest first, the drill's left out");

    assert_eq!(r.drills.len(), 1);
    assert_eq!(r.drills[0].id, 6);
}

/// Cancelled follow-ups leave the closure rate and are listed apart with why;
/// follow-ups with no due date count when added in the period and are listed as
/// such instead of vanishing.
#[test]
fn closure_leaves_cancelled_out_and_counts_undated_ones_added_in_the_period() {
    let undated = |id: i64, at: i64, done: bool| {
        let mut f = NewFollowUp::new(
            IncidentId(1),
            "write the runbook",
            "carol",
            None,
            "alice",
            t(at),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        )
        .unwrap()
        .into_follow_up(FollowUpId(id));
        if done {
            f.complete("carol", t(at + 1)).unwrap();
        }
        f
    };
    let mut cancelled = follow_up(7, 1, "2026-11-19", false);
    cancelled
        .cancel("superseded by #8", "alice", t(100))
        .unwrap();
    let follow_ups = vec![
        follow_up(1, 1, "2026-11-18", true),  // due, done
        follow_up(2, 1, "2026-11-19", false), // due, open (overdue)
        cancelled,                            // due, cancelled: out
        undated(8, 10, false),                // added in the period, no due date, open
        undated(9, 20, true),                 // added in the period, no due date, done
        undated(10, -500, false),             // added before the period: listed, not counted
    ];
    let r = review(
        &week(),
        &follow_ups,
        t(0),
        t(168),
        t(160),
        Duration::days(30),
    );
    // Counted: #1 done, #2 open, #8 open, #9 done → 2 of 4.
    assert_eq!((r.follow_ups.due, r.follow_ups.done), (4, 2));
    assert!((r.follow_ups.closure_rate.unwrap() - 0.5).abs() < 1e-9);
    let undated_ids: Vec<i64> = r.follow_ups.undated.iter().map(|f| f.id).collect();
    assert_eq!(undated_ids, vec![8, 10]);
    assert_eq!(r.follow_ups.cancelled.len(), 1);
    assert_eq!(r.follow_ups.cancelled[0].id, 7);
    assert_eq!(
        r.follow_ups.cancelled[0].reason.as_deref(),
        Some("superseded by #8")
    );
    let overdue: Vec<i64> = r.follow_ups.overdue.iter().map(|f| f.id).collect();
    assert_eq!(overdue, vec![2], "the cancelled one is not overdue");
}

#[test]
fn an_empty_period_has_zero_figures_and_no_closure_rate() {
    let r = review(&week(), &[], t(1000), t(1168), t(1200), Duration::days(30));
    assert_eq!(r.incidents, 0);
    assert!(r.top_by_impact.is_empty() && r.top_by_recurrence.is_empty());
    assert_eq!(r.follow_ups.closure_rate, None);
    assert_eq!(r.rollbacks.release_related, 0);
    assert!(r.drills.is_empty());
}

#[test]
fn the_trend_says_how_many_periods_in_a_row_and_a_drill_is_due() {
    let incidents = vec![
        incident(
            1,
            Severity::P1,
            10,
            60,
            Some("room"),
            Some(RootCause::Release),
            None,
            None,
            false,
        ),
        incident(
            2,
            Severity::P1,
            10 - 168,
            30,
            Some("room"),
            Some(RootCause::Release),
            None,
            None,
            false,
        ),
        incident(
            3,
            Severity::P2,
            10 - 336,
            30,
            Some("room"),
            Some(RootCause::Release),
            None,
            None,
            false,
        ),
        incident(
            4,
            Severity::P2,
            20 - 336,
            30,
            Some("chat"),
            None,
            None,
            None,
            false,
        ),
        incident(5, Severity::P1, -24 * 40, 30, None, None, None, None, true),
    ];
    let now = t(168);
    let r = review(&incidents, &[], t(0), t(168), now, Duration::days(30));
    assert_eq!(r.impact, 180);
    assert_eq!(r.incident_table.len(), 1);
    assert_eq!(r.incident_table[0].duration_minutes, 60);
    assert_eq!(r.drill_cadence.last.as_ref().map(|d| d.id), Some(5));
    assert_eq!(r.drill_cadence.days_since, Some(47));
    assert!(r.drill_cadence.due);
    // Three weeks in a row for room / release; one incident: its own times listed.
    let periods = crate::domain::trend::periods(t(0), t(168));
    let tr = crate::domain::trend::trend(&r, &incidents, &[], &periods, &[], now);
    assert_eq!(tr.classes[0].counts, vec![1, 1, 1, 0]);
    assert_eq!(tr.classes[0].words, "3rd week in a row");
    let line = |f: &str| tr.lines.iter().find(|l| l.figure == f).unwrap().clone();
    assert_eq!(line("incidents").values, vec!["1", "1", "2", "0"]);
    assert_eq!(line("incidents").direction, "same");
    assert_eq!(line("alert firings").direction, "n/a");
    assert_eq!(r.response.incidents.len(), 1);
    assert_eq!(r.detection.detected.len(), 1);
    // A drill within the cadence: none due.
    let recent = vec![incident(
        6,
        Severity::P1,
        100,
        30,
        None,
        None,
        None,
        None,
        true,
    )];
    let r = review(&recent, &[], t(0), t(168), now, Duration::days(30));
    assert!(!r.drill_cadence.due);
    assert_eq!(r.drill_cadence.days_since, Some(2));
}
