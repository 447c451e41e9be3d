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
