//! The on-call load of a review period, by responder (PagerDuty's on-call review
//! figures): for each person on a team's schedule, the alerts owned by that team
//! that started during their shifts, those that page (P1) and when they came (out
//! of hours, sleep hours), the hours with at least one interruption, the incidents
//! declared and the pages sent on their watch. What fell where no schedule says
//! who was on call is counted per team and said, never guessed onto anyone.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, DurationRound, Utc};
use serde::Serialize;

use super::alert_quality::{FiringStart, QualityRules};
use super::oncall::Rosters;
use super::review::ReviewedIncident;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadRow {
    pub who: String,
    pub team: String,
    /// Hours on call in the period.
    pub on_call_hours: i64,
    /// Alerts the team owns that started on their watch.
    pub alerts: usize,
    /// Of those and of the pages, how many interrupt (a P1 alert or a page).
    pub interruptions: usize,
    pub out_of_hours: usize,
    pub sleep_hours: usize,
    /// Clock hours holding at least one interruption.
    pub interrupted_hours: usize,
    pub incidents: usize,
    pub pages: usize,
}

/// A team's share that no schedule attributes to anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Unattributed {
    pub team: String,
    pub alerts: usize,
    pub incidents: usize,
    pub pages: usize,
    /// "no schedule" (none configured or none readable) or "gaps in the schedule".
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OnCallLoad {
    /// Busiest first.
    pub responders: Vec<LoadRow>,
    pub unattributed: Vec<Unattributed>,
    /// Alerts that started in the period and that no team owns.
    pub unowned_alerts: usize,
}

#[derive(Default)]
struct Acc {
    row: LoadRow,
    hours: BTreeSet<DateTime<Utc>>,
}

/// The load of `[from, to)`.
pub fn load(
    rosters: &Rosters,
    starts: &[FiringStart],
    incidents: &[ReviewedIncident],
    rules: &QualityRules,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> OnCallLoad {
    let teams = &rosters.teams;
    let mut rows: BTreeMap<(usize, String), Acc> = BTreeMap::new();
    let mut lost: BTreeMap<usize, Unattributed> = BTreeMap::new();
    for (t, roster) in rosters.rosters.iter().enumerate() {
        for seg in roster.schedule.between(from, to) {
            if let Some(who) = &seg.who {
                let acc = rows.entry((t, who.name.clone())).or_default();
                acc.row.on_call_hours += (seg.end - seg.start).num_hours();
            }
        }
    }
    let team_name = |t: usize| teams.get(t).map_or("?", |t| t.name.as_str()).to_string();
    let why = |t: usize| {
        if rosters.roster(t).is_none_or(|r| r.schedule.is_empty()) {
            "no schedule".to_string()
        } else {
            "gaps in the schedule".to_string()
        }
    };
    // What happened at `at` for team `t`: on whose watch, or on nobody's.
    let mut attribute = |t: usize,
                         at: DateTime<Utc>,
                         what: &dyn Fn(&mut LoadRow, &mut Unattributed),
                         interrupts: bool| {
        let who = rosters
            .roster(t)
            .and_then(|r| r.schedule.who_at(at))
            .map(|p| p.name.clone());
        match who {
            Some(who) => {
                let acc = rows.entry((t, who)).or_default();
                what(&mut acc.row, &mut Unattributed::default());
                if interrupts {
                    acc.row.interruptions += 1;
                    let (out, sleep) = rules.when(at);
                    acc.row.out_of_hours += usize::from(out);
                    acc.row.sleep_hours += usize::from(sleep);
                    if let Ok(hour) = at.duration_trunc(chrono::Duration::hours(1)) {
                        acc.hours.insert(hour);
                    }
                }
            }
            None => {
                let entry = lost.entry(t).or_insert_with(|| Unattributed {
                    team: team_name(t),
                    why: why(t),
                    ..Unattributed::default()
                });
                what(&mut LoadRow::default(), entry);
            }
        }
    };
    let mut unowned = 0;
    for s in starts.iter().filter(|s| s.at >= from && s.at < to) {
        match s.team {
            Some(t) => attribute(
                t,
                s.at,
                &|row, lost| {
                    row.alerts += 1;
                    lost.alerts += 1;
                },
                s.pages,
            ),
            None => unowned += 1,
        }
    }
    for r in incidents.iter().filter(|r| !r.incident.drill) {
        let i = &r.incident;
        let owners = teams.owners_of_services(&i.affected_services(&r.alerts));
        if i.declared_at >= from && i.declared_at < to {
            for &t in &owners {
                attribute(
                    t,
                    i.declared_at,
                    &|row, lost| {
                        row.incidents += 1;
                        lost.incidents += 1;
                    },
                    false,
                );
            }
        }
        for e in r.steps.iter().filter(|e| e.at >= from && e.at < to) {
            let paged: Vec<usize> = if let Some(rest) = e.text.strip_prefix("paged team '") {
                rest.split_once('\'')
                    .and_then(|(name, _)| teams.find(name))
                    .into_iter()
                    .collect()
            } else if e.text.starts_with("paged through Alertmanager") {
                owners.clone()
            } else {
                Vec::new()
            };
            for t in paged {
                attribute(
                    t,
                    e.at,
                    &|row, lost| {
                        row.pages += 1;
                        lost.pages += 1;
                    },
                    true,
                );
            }
        }
    }
    let mut responders: Vec<LoadRow> = rows
        .into_iter()
        .map(|((t, who), mut acc)| {
            acc.row.who = who;
            acc.row.team = team_name(t);
            acc.row.interrupted_hours = acc.hours.len();
            acc.row
        })
        .collect();
    responders.sort_by(|a, b| {
        b.interruptions
            .cmp(&a.interruptions)
            .then(b.alerts.cmp(&a.alerts))
            .then(a.team.cmp(&b.team))
            .then(a.who.cmp(&b.who))
    });
    OnCallLoad {
        responders,
        unattributed: lost.into_values().collect(),
        unowned_alerts: unowned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oncall::{Person, Roster, Schedule, Shift, Team, Teams};
    use crate::domain::{Declaration, EntryKind, IncidentId, NewIncident, Severity, TimelineEntry};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn team(name: &str, services: &[&str]) -> Team {
        Team {
            name: name.into(),
            services: services.iter().map(|s| s.to_string()).collect(),
            matchers: Vec::new(),
            labels: Default::default(),
            zone: chrono_tz::Tz::UTC,
        }
    }

    fn shift(who: &str, a: &str, b: &str) -> Shift {
        Shift {
            who: Person::named(who),
            start: t(a),
            end: t(b),
        }
    }

    #[test]
    fn load_is_counted_on_whose_watch_it_fell_and_the_rest_is_said() {
        // room: alice Mon–Wed, a gap Wed–Thu, bob Thu–Mon. billing: no schedule.
        let rosters = Rosters {
            teams: Teams::new(vec![team("room", &["room"]), team("billing", &["billing"])]),
            rosters: vec![
                Roster {
                    schedule: Schedule::from_shifts(vec![
                        shift("alice", "2026-11-30T09:00:00Z", "2026-12-02T09:00:00Z"),
                        shift("bob", "2026-12-03T09:00:00Z", "2026-12-07T09:00:00Z"),
                    ]),
                    ..Roster::default()
                },
                Roster::default(),
            ],
        };
        let start = |at: &str, team: Option<usize>, pages: bool| FiringStart {
            at: t(at),
            team,
            pages,
        };
        let starts = [
            // alice: a P1 at 03:10 and 03:40 (one hour, sleep), a warning at noon.
            start("2026-12-01T03:10:00Z", Some(0), true),
            start("2026-12-01T03:40:00Z", Some(0), true),
            start("2026-12-01T12:00:00Z", Some(0), false),
            // In the gap: nobody's.
            start("2026-12-02T12:00:00Z", Some(0), true),
            // bob: a P1 on Saturday afternoon (out of hours, not sleep).
            start("2026-12-05T15:00:00Z", Some(0), true),
            // billing has no schedule; one alert nobody owns.
            start("2026-12-01T10:00:00Z", Some(1), true),
            start("2026-12-01T10:00:00Z", None, true),
        ];
        let incident = NewIncident::declare(
            Declaration {
                title: "Rooms down".into(),
                severity: Some(Severity::P1),
                services: vec!["room".into()],
                ..Declaration::default()
            },
            "alice",
            t("2026-12-01T03:15:00Z"),
        )
        .unwrap()
        .into_incident(IncidentId(1));
        let page = |at: &str, text: &str| TimelineEntry {
            id: crate::domain::EntryId(1),
            incident_id: IncidentId(1),
            at: t(at),
            author: "alice".into(),
            kind: EntryKind::Note,
            text: text.into(),
            revisions: Vec::new(),
            db_role: None,
        };
        let reviewed = ReviewedIncident {
            incident,
            alerts: Vec::new(),
            steps: vec![
                page(
                    "2026-12-01T03:15:00Z",
                    "paged through Alertmanager 'prod': SitrepIncident for #1 (P1)",
                ),
                page(
                    "2026-12-05T16:00:00Z",
                    "paged team 'room' through Alertmanager 'prod' for #1 (on call: bob)",
                ),
                page(
                    "2026-12-01T11:00:00Z",
                    "paged team 'billing' through Alertmanager 'prod' for #1",
                ),
            ],
        };
        let got = load(
            &rosters,
            &starts,
            &[reviewed],
            &crate::domain::alert_quality::QualityRules::default(),
            t("2026-11-30T00:00:00Z"),
            t("2026-12-07T00:00:00Z"),
        );
        let row = |who: &str| {
            got.responders
                .iter()
                .find(|r| r.who == who)
                .unwrap()
                .clone()
        };
        let alice = row("alice");
        assert_eq!(alice.team, "room");
        assert_eq!(alice.on_call_hours, 48);
        assert_eq!(alice.alerts, 3);
        // Two P1 alerts and the P1 page, all in the 03:00 hour, all in sleep hours.
        assert_eq!(alice.interruptions, 3);
        assert_eq!(alice.sleep_hours, 3);
        assert_eq!(alice.out_of_hours, 3);
        assert_eq!(alice.interrupted_hours, 1);
        assert_eq!(alice.incidents, 1);
        assert_eq!(alice.pages, 1);
        let bob = row("bob");
        assert_eq!(
            bob.on_call_hours, 87,
            "Thu 09:00 to the period's end, Mon 00:00"
        );
        assert_eq!((bob.alerts, bob.interruptions, bob.pages), (1, 2, 1));
        assert_eq!((bob.out_of_hours, bob.sleep_hours), (2, 0));
        assert_eq!(got.responders[0].who, "alice", "busiest first");
        let lost: Vec<(&str, usize, usize, &str)> = got
            .unattributed
            .iter()
            .map(|u| (u.team.as_str(), u.alerts, u.pages, u.why.as_str()))
            .collect();
        assert_eq!(
            lost,
            [
                ("room", 1, 0, "gaps in the schedule"),
                ("billing", 1, 1, "no schedule")
            ]
        );
        assert_eq!(got.unowned_alerts, 1);
    }
}
