//! Figures derived from an incident's timestamps: time to declare, mitigate and
//! resolve, duration, and the P2 triage countdown. Negative spans (clock skew) count
//! as zero.

use chrono::{DateTime, Duration, Utc};

use super::incident::{Incident, Status};
use super::severity::Severity;

/// The key spans of one incident, all measured from the trigger time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentTimes {
    /// Trigger → declared.
    pub time_to_declare: Duration,
    /// Trigger → mitigated, once mitigated.
    pub time_to_mitigate: Option<Duration>,
    /// Trigger → resolved, once resolved.
    pub time_to_resolve: Option<Duration>,
    /// Trigger → resolved, or → `now` while open.
    pub duration: Duration,
}

/// Computes the key spans of `incident` as of `now`.
pub fn incident_times(incident: &Incident, now: DateTime<Utc>) -> IncidentTimes {
    let since_trigger = |t: DateTime<Utc>| non_negative(t - incident.trigger_time);
    IncidentTimes {
        time_to_declare: since_trigger(incident.declared_at),
        time_to_mitigate: incident.mitigated_at.map(since_trigger),
        time_to_resolve: incident.resolved_at.map(since_trigger),
        duration: since_trigger(incident.resolved_at.unwrap_or(now)),
    }
}

/// What marks an incident mitigated: its first mitigation step or its status
/// reaching monitoring, whichever came first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MitigatedBy {
    /// The first mitigation entry (a command run, started or ended, is not one).
    Step,
    /// The status reached monitoring (or resolved).
    Status,
}

impl MitigatedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Step => "first mitigation step",
            Self::Status => "status monitoring",
        }
    }
}

/// When `incident` was mitigated by its log: the first mitigation step or the status
/// reaching monitoring, whichever came first, and which it was.
pub fn mitigated(
    incident: &Incident,
    timeline: &[super::TimelineEntry],
) -> Option<(DateTime<Utc>, MitigatedBy)> {
    // A command run is not a step by itself (the postmortem lists it apart, with
    // how it ended): neither its `running: …` entry nor the one saying how it ended.
    let commands = super::run::entry_ids(&super::run::recorded(timeline));
    let step = timeline
        .iter()
        .filter(|e| e.kind == super::EntryKind::Mitigation && !commands.contains(&e.id))
        .map(|e| e.at)
        .min();
    match (step, incident.mitigated_at) {
        (Some(step), Some(status)) if status < step => Some((status, MitigatedBy::Status)),
        (Some(step), _) => Some((step, MitigatedBy::Step)),
        (None, Some(status)) => Some((status, MitigatedBy::Status)),
        (None, None) => None,
    }
}

/// [`incident_times`] with time to mitigate by [`mitigated`]: what the postmortem
/// and `show` report.
pub fn logged_times(
    incident: &Incident,
    timeline: &[super::TimelineEntry],
    now: DateTime<Utc>,
) -> IncidentTimes {
    let mut times = incident_times(incident, now);
    times.time_to_mitigate =
        mitigated(incident, timeline).map(|(at, _)| non_negative(at - incident.trigger_time));
    times
}

/// When customers were promised the next update: `every` after the latest comms
/// update logged, or after the declaration when none was. None once resolved.
pub fn next_customer_update(
    incident: &Incident,
    timeline: &[super::TimelineEntry],
    every: Duration,
) -> Option<DateTime<Utc>> {
    if incident.status == Status::Resolved {
        return None;
    }
    let last = timeline
        .iter()
        .rev()
        .find(|e| e.kind == super::EntryKind::Comms)
        .map_or(incident.declared_at, |e| e.at);
    last.checked_add_signed(every)
}

/// Time left to triage a P2 that is still being investigated, counted from the
/// trigger time; negative once the window has passed. `None` when no triage clock
/// runs (P1, or already past investigating).
pub fn triage_remaining(
    incident: &Incident,
    window: Duration,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if incident.severity != Severity::P2 || incident.status != Status::Investigating {
        return None;
    }
    // Checked: a trigger time near the end of the calendar must not panic.
    incident
        .trigger_time
        .checked_add_signed(window)
        .map(|deadline| deadline - now)
}

fn non_negative(d: Duration) -> Duration {
    d.max(Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::{Declaration, IncidentId, NewIncident};

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    fn incident(severity: Severity) -> Incident {
        let d = Declaration {
            title: "stream start failures".into(),
            severity: Some(severity),
            trigger_time: Some(t(0)),
            ..Declaration::default()
        };
        NewIncident::declare(d, "alice", t(4))
            .unwrap()
            .into_incident(IncidentId(1))
    }

    #[test]
    fn mitigated_is_the_first_step_or_monitoring_whichever_came_first() {
        let mut i = incident(Severity::P1);
        let entry = |kind, text: &str, at: DateTime<Utc>| crate::domain::TimelineEntry {
            id: crate::domain::EntryId(at.timestamp()),
            incident_id: IncidentId(1),
            at,
            author: "alice".into(),
            kind,
            text: text.into(),
            revisions: Vec::new(),
            db_role: None,
        };
        assert_eq!(mitigated(&i, &[]), None);
        let log = [
            entry(
                crate::domain::EntryKind::Mitigation,
                "running: kubectl rollout undo",
                t(5),
            ),
            entry(crate::domain::EntryKind::Note, "looking", t(6)),
            // How the command ended is no step either: it failed.
            entry(
                crate::domain::EntryKind::Mitigation,
                "kubectl exited 1 after 2.0s",
                t(7),
            ),
            entry(
                crate::domain::EntryKind::Mitigation,
                "rolled back room",
                t(10),
            ),
        ];
        assert_eq!(mitigated(&i, &log), Some((t(10), MitigatedBy::Step)));
        i.mitigated_at = Some(t(30));
        assert_eq!(mitigated(&i, &log), Some((t(10), MitigatedBy::Step)));
        assert_eq!(
            logged_times(&i, &log, t(40)).time_to_mitigate,
            Some(Duration::minutes(10))
        );
        i.mitigated_at = Some(t(8));
        assert_eq!(mitigated(&i, &log), Some((t(8), MitigatedBy::Status)));
    }

    #[test]
    fn the_next_customer_update_is_due_after_the_last_one_logged() {
        let mut i = incident(Severity::P1);
        let every = Duration::minutes(30);
        assert_eq!(
            next_customer_update(&i, &[], every),
            Some(t(34)),
            "from declaring"
        );
        let entry = |kind, at| crate::domain::TimelineEntry {
            id: crate::domain::EntryId(1),
            incident_id: IncidentId(1),
            at,
            author: "carol".into(),
            kind,
            text: "update".into(),
            revisions: Vec::new(),
            db_role: None,
        };
        let timeline = vec![
            entry(crate::domain::EntryKind::Comms, t(10)),
            entry(crate::domain::EntryKind::Mitigation, t(20)),
        ];
        assert_eq!(next_customer_update(&i, &timeline, every), Some(t(40)));
        i.change_status(Status::Resolved, "alice", t(50)).unwrap();
        assert_eq!(next_customer_update(&i, &timeline, every), None, "resolved");
    }

    #[test]
    fn spans_are_measured_from_the_trigger_time() {
        let mut i = incident(Severity::P1);
        i.change_status(Status::Identified, "alice", t(10)).unwrap();
        i.change_status(Status::Monitoring, "alice", t(25)).unwrap();
        let open = incident_times(&i, t(30));
        assert_eq!(open.time_to_declare, Duration::minutes(4));
        assert_eq!(open.time_to_mitigate, Some(Duration::minutes(25)));
        assert_eq!(open.time_to_resolve, None);
        assert_eq!(open.duration, Duration::minutes(30));
        i.change_status(Status::Resolved, "alice", t(60)).unwrap();
        let done = incident_times(&i, t(500));
        assert_eq!(done.time_to_resolve, Some(Duration::minutes(60)));
        assert_eq!(done.duration, Duration::minutes(60));
    }

    #[test]
    fn a_trigger_after_the_declaration_counts_as_zero_time_to_declare() {
        let d = Declaration {
            title: "skewed".into(),
            severity: Some(Severity::P1),
            trigger_time: Some(t(2)),
            ..Declaration::default()
        };
        let i = NewIncident::declare(d, "alice", t(0))
            .unwrap()
            .into_incident(IncidentId(1));
        assert_eq!(incident_times(&i, t(1)).time_to_declare, Duration::zero());
    }

    #[test]
    fn the_triage_clock_runs_only_for_p2_under_investigation() {
        let window = Duration::minutes(30);
        let mut p2 = incident(Severity::P2);
        assert_eq!(
            triage_remaining(&p2, window, t(10)),
            Some(Duration::minutes(20))
        );
        assert_eq!(
            triage_remaining(&p2, window, t(40)),
            Some(Duration::minutes(-10))
        );
        p2.change_status(Status::Identified, "alice", t(12))
            .unwrap();
        assert_eq!(triage_remaining(&p2, window, t(13)), None);
        assert_eq!(
            triage_remaining(&incident(Severity::P1), window, t(10)),
            None
        );
    }
}
