//! The weekly reliability review's figures, from incidents and follow-ups: pure
//! arithmetic over data the store hands in, so every figure can be checked by hand.
//!
//! Drills are listed apart and left out of every figure. An incident's class is its
//! service (from the alerts it was declared from) and its root-cause category; its
//! impact is its duration in minutes times a severity weight (P1 = 3, P2 = 1).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::alert::LinkedAlert;
use super::followup::FollowUp;
use super::incident::Incident;
use super::metrics::incident_times;
use super::severity::Severity;

/// How much a minute of each severity weighs in the impact figure.
pub fn severity_weight(severity: Severity) -> i64 {
    match severity {
        Severity::P1 => 3,
        Severity::P2 => 1,
    }
}

pub const NO_SERVICE: &str = "(no service)";
pub const NO_ROOT_CAUSE: &str = "(not yet categorized)";

/// One incident as the review sees it.
#[derive(Debug, Clone)]
pub struct ReviewedIncident {
    pub incident: Incident,
    /// Details of its linked alerts, for its service.
    pub alerts: Vec<LinkedAlert>,
    /// Its mitigation entries (and any entry amended since), oldest first: what
    /// time to mitigate is measured to, as in the postmortem.
    pub steps: Vec<super::TimelineEntry>,
}

impl ReviewedIncident {
    /// The incident's services (see [`Incident::affected_services`]), as one class.
    pub fn service(&self) -> String {
        let services = self.incident.affected_services(&self.alerts);
        if services.is_empty() {
            NO_SERVICE.to_string()
        } else {
            services.join(", ")
        }
    }

    pub fn root_cause(&self) -> String {
        self.incident
            .root_cause
            .map(|c| c.to_string())
            .unwrap_or_else(|| NO_ROOT_CAUSE.to_string())
    }

    /// Duration in minutes (until resolved, or `now`) times the severity weight.
    pub fn impact(&self, now: DateTime<Utc>) -> i64 {
        incident_times(&self.incident, now).duration.num_minutes()
            * severity_weight(self.incident.severity)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentClass {
    pub service: String,
    pub root_cause: String,
    pub incidents: usize,
    /// Sum of the incidents' impact (weighted minutes).
    pub impact: i64,
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rollbacks {
    /// Incidents marked release related.
    pub release_related: usize,
    /// Of those, how many were rolled back.
    pub rolled_back: usize,
    /// Root-cause categories of every rolled-back incident, with counts.
    pub root_causes: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueFollowUp {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    pub owner: String,
    pub due: NaiveDate,
}

/// A follow-up named in the review apart from the figures: one with no due date
/// (still open), or one cancelled, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedFollowUp {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    pub owner: String,
    /// Why it was cancelled; `None` for an undated one.
    pub reason: Option<String>,
}

impl ListedFollowUp {
    fn of(f: &FollowUp) -> Self {
        Self {
            id: f.id.0,
            incident_id: f.incident_id.0,
            title: f.title.clone(),
            owner: f.owner.clone(),
            reason: f.cancel_reason.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpFigures {
    /// Follow-ups (of real incidents) due in the period, and those created in it
    /// with no due date; cancelled ones are not counted.
    pub due: usize,
    pub done: usize,
    /// done / due, or none when nothing was due.
    pub closure_rate: Option<f64>,
    /// Open follow-ups whose due date has passed, any period, oldest first.
    pub overdue: Vec<OverdueFollowUp>,
    /// Open follow-ups with no due date, any period: nobody said when.
    pub undated: Vec<ListedFollowUp>,
    /// Follow-ups cancelled in the period, with why.
    pub cancelled: Vec<ListedFollowUp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrillRow {
    pub id: i64,
    pub title: String,
    pub declared_at: DateTime<Utc>,
    pub status: String,
}

/// One incident of the period, as the review's table lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    pub id: i64,
    pub severity: String,
    pub title: String,
    pub status: String,
    pub services: Vec<String>,
    /// Trigger to resolution, or to now while open.
    pub duration_minutes: i64,
    pub root_cause: String,
    /// Names of its linked alerts.
    pub linked_alerts: Vec<String>,
}

/// When the team last rehearsed, and whether one is due.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillCadence {
    pub last: Option<DrillRow>,
    pub days_since: Option<i64>,
    pub every_days: i64,
    /// No drill in the last `every_days`.
    pub due: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Real incidents declared in the period.
    pub incidents: usize,
    pub p1: usize,
    pub p2: usize,
    pub still_open: usize,
    /// Minutes of user impact of the period's incidents (see [`ReviewedIncident::impact`]).
    pub impact: i64,
    pub top_by_impact: Vec<IncidentClass>,
    pub top_by_recurrence: Vec<IncidentClass>,
    pub rollbacks: Rollbacks,
    pub follow_ups: FollowUpFigures,
    pub drills: Vec<DrillRow>,
    /// Error budget burned in the period by SLO and region, when SLOs are configured
    /// (filled in by the caller, which reads Prometheus).
    pub error_budget: Option<Vec<super::slo::BudgetBurn>>,
    /// SLOs whose burn could not be read, with why.
    pub error_budget_errors: Vec<(String, String)>,
    /// How long the error-budget policy held releases, per SLO and region (filled
    /// in by the caller, which reads Prometheus).
    pub release_holds: Vec<super::gate::HoldTime>,
    /// Every real incident declared in the period, oldest first.
    pub incident_table: Vec<IncidentRow>,
    pub response: super::response::ResponseTimes,
    pub detection: super::response::Detection,
    pub drill_cadence: DrillCadence,
    /// Alert quality, filled in by the caller from the alert history.
    pub alerts: Option<super::alert_quality::AlertReview>,
    /// The on-call load by responder, when `[[teams]]` are configured (filled in by
    /// the caller, which reads the schedules).
    pub oncall: Option<super::oncall_load::OnCallLoad>,
    /// This period against the three before it, filled in by the caller.
    pub trend: Option<super::trend::Trend>,
    /// Every class of the period (the top lists are cut to three), for the trend.
    #[serde(skip)]
    pub classes: Vec<IncidentClass>,
}

/// Computes the review of incidents declared in `[from, to)` and follow-ups due in
/// that period, as of `now`. `incidents` may hold more than the period; `follow_ups`
/// must be every follow-up (overdue ones are listed whatever their due period).
pub fn review(
    incidents: &[ReviewedIncident],
    follow_ups: &[FollowUp],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    drill_every: chrono::Duration,
) -> Review {
    let in_period: Vec<&ReviewedIncident> = incidents
        .iter()
        .filter(|r| r.incident.declared_at >= from && r.incident.declared_at < to)
        .collect();
    let (drills, real): (Vec<&ReviewedIncident>, Vec<&ReviewedIncident>) =
        in_period.into_iter().partition(|r| r.incident.drill);
    let drill_ids: Vec<_> = incidents
        .iter()
        .filter(|r| r.incident.drill)
        .map(|r| r.incident.id)
        .collect();

    let mut classes: BTreeMap<(String, String), IncidentClass> = BTreeMap::new();
    for r in &real {
        let (service, root_cause) = (r.service(), r.root_cause());
        let class = classes
            .entry((service.clone(), root_cause.clone()))
            .or_insert_with(|| IncidentClass {
                service,
                root_cause,
                incidents: 0,
                impact: 0,
                ids: Vec::new(),
            });
        class.incidents += 1;
        class.impact += r.impact(now);
        class.ids.push(r.incident.id.0);
    }
    let all_classes: Vec<IncidentClass> = classes.values().cloned().collect();
    let mut by_impact: Vec<IncidentClass> = classes.values().cloned().collect();
    by_impact.sort_by(|a, b| b.impact.cmp(&a.impact).then(b.incidents.cmp(&a.incidents)));
    by_impact.truncate(3);
    let mut by_recurrence: Vec<IncidentClass> = classes.into_values().collect();
    by_recurrence.sort_by(|a, b| b.incidents.cmp(&a.incidents).then(b.impact.cmp(&a.impact)));
    by_recurrence.truncate(3);

    let release_related: Vec<&&ReviewedIncident> = real
        .iter()
        .filter(|r| r.incident.release_related == Some(true))
        .collect();
    let mut root_causes = BTreeMap::new();
    for r in real
        .iter()
        .filter(|r| r.incident.rollback_performed == Some(true))
    {
        *root_causes.entry(r.root_cause()).or_insert(0) += 1;
    }
    let rollbacks = Rollbacks {
        release_related: release_related.len(),
        rolled_back: release_related
            .iter()
            .filter(|r| r.incident.rollback_performed == Some(true))
            .count(),
        root_causes,
    };

    let (from_day, to_day, today) = (from.date_naive(), to.date_naive(), now.date_naive());
    let real_follow_ups: Vec<&FollowUp> = follow_ups
        .iter()
        .filter(|f| !drill_ids.contains(&f.incident_id))
        .collect();
    let created_in_period = |f: &FollowUp| f.created_at >= from && f.created_at < to;
    let due_in_period: Vec<&&FollowUp> = real_follow_ups
        .iter()
        .filter(|f| !f.is_cancelled())
        .filter(|f| match f.due {
            Some(d) => d >= from_day && d < to_day,
            None => created_in_period(f),
        })
        .collect();
    let undated: Vec<ListedFollowUp> = real_follow_ups
        .iter()
        .filter(|f| f.state == crate::domain::FollowUpState::Open && f.due.is_none())
        .map(|f| ListedFollowUp::of(f))
        .collect();
    let cancelled: Vec<ListedFollowUp> = real_follow_ups
        .iter()
        .filter(|f| f.cancelled_at.is_some_and(|at| at >= from && at < to))
        .map(|f| ListedFollowUp::of(f))
        .collect();
    let done = due_in_period.iter().filter(|f| f.is_done()).count();
    let mut overdue: Vec<OverdueFollowUp> = real_follow_ups
        .iter()
        .filter(|f| f.is_overdue(today))
        .filter_map(|f| {
            f.due.map(|due| OverdueFollowUp {
                id: f.id.0,
                incident_id: f.incident_id.0,
                title: f.title.clone(),
                owner: f.owner.clone(),
                due,
            })
        })
        .collect();
    overdue.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));

    let mut incident_table: Vec<IncidentRow> = real
        .iter()
        .map(|r| IncidentRow {
            id: r.incident.id.0,
            severity: r.incident.severity.to_string(),
            title: r.incident.title.clone(),
            status: r.incident.status.to_string(),
            services: r.incident.affected_services(&r.alerts),
            duration_minutes: incident_times(&r.incident, now).duration.num_minutes(),
            root_cause: r.root_cause(),
            linked_alerts: {
                let mut names: Vec<String> = r.alerts.iter().map(|a| a.name.clone()).collect();
                names.dedup();
                names
            },
        })
        .collect();
    incident_table.sort_by_key(|row| row.id);
    let last_drill = incidents
        .iter()
        .filter(|r| r.incident.drill && r.incident.declared_at < to)
        .max_by_key(|r| r.incident.declared_at);
    let days_since = last_drill.map(|d| (now - d.incident.declared_at).num_days().max(0));
    let drill_cadence = DrillCadence {
        last: last_drill.map(|r| DrillRow {
            id: r.incident.id.0,
            title: r.incident.title.clone(),
            declared_at: r.incident.declared_at,
            status: r.incident.status.to_string(),
        }),
        days_since,
        every_days: drill_every.num_days(),
        due: last_drill.is_none_or(|d| now - d.incident.declared_at > drill_every),
    };
    Review {
        from,
        to,
        impact: real.iter().map(|r| r.impact(now)).sum(),
        response: super::response::response_times(&real, now),
        detection: super::response::detection(&real),
        incident_table,
        drill_cadence,
        alerts: None,
        oncall: None,
        release_holds: Vec::new(),
        trend: None,
        classes: all_classes,
        incidents: real.len(),
        p1: real
            .iter()
            .filter(|r| r.incident.severity == Severity::P1)
            .count(),
        p2: real
            .iter()
            .filter(|r| r.incident.severity == Severity::P2)
            .count(),
        still_open: real.iter().filter(|r| r.incident.status.is_open()).count(),
        top_by_impact: by_impact,
        top_by_recurrence: by_recurrence,
        rollbacks,
        follow_ups: FollowUpFigures {
            due: due_in_period.len(),
            done,
            closure_rate: (!due_in_period.is_empty())
                .then(|| done as f64 / due_in_period.len() as f64),
            overdue,
            undated,
            cancelled,
        },
        drills: drills
            .iter()
            .map(|r| DrillRow {
                id: r.incident.id.0,
                title: r.incident.title.clone(),
                declared_at: r.incident.declared_at,
                status: r.incident.status.to_string(),
            })
            .collect(),
        error_budget: None,
        error_budget_errors: Vec::new(),
    }
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
