//! The incident document: the one JSON shape every command that prints an incident
//! uses (`declare`, `show`, `status`, `severity`, `assign`, `edit`, `resolve`; `list`
//! prints its first two fields per incident). README "JSON output" documents it field
//! by field; `tests/cli/json_shape.rs` pins it.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::alert::LinkedAlert;
use crate::domain::metrics::{incident_times, logged_times, triage_remaining};
use crate::domain::{FollowUp, Incident, TimelineEntry};
use crate::store::IncidentRecord;

/// Key times in whole seconds; `null` until they happen (or when not applicable).
#[derive(Debug, Serialize)]
pub struct Times {
    pub time_to_declare_s: i64,
    pub time_to_mitigate_s: Option<i64>,
    pub time_to_resolve_s: Option<i64>,
    pub duration_s: i64,
    /// For an open P2: seconds left to triage it (negative once overdue).
    pub triage_remaining_s: Option<i64>,
}

impl Times {
    /// From the incident row alone (lists, which load no timeline): mitigated when
    /// its status reached monitoring.
    pub fn of(incident: &Incident, triage_window: Duration, now: DateTime<Utc>) -> Self {
        Self::from(incident, incident_times(incident, now), triage_window, now)
    }

    /// From the whole record: mitigated at the first mitigation step or monitoring,
    /// as `show` and the postmortem say it.
    pub fn of_record(record: &IncidentRecord, triage_window: Duration, now: DateTime<Utc>) -> Self {
        let times = logged_times(&record.incident, &record.timeline, now);
        Self::from(&record.incident, times, triage_window, now)
    }

    fn from(
        incident: &Incident,
        times: crate::domain::metrics::IncidentTimes,
        triage_window: Duration,
        now: DateTime<Utc>,
    ) -> Self {
        let seconds = |d: Option<Duration>| d.map(|d| d.num_seconds());
        Self {
            time_to_declare_s: times.time_to_declare.num_seconds(),
            time_to_mitigate_s: seconds(times.time_to_mitigate),
            time_to_resolve_s: seconds(times.time_to_resolve),
            duration_s: times.duration.num_seconds(),
            triage_remaining_s: seconds(triage_remaining(incident, triage_window, now)),
        }
    }
}

/// One incident, whole.
#[derive(Debug, Serialize)]
pub struct Document {
    pub incident: Incident,
    pub times: Times,
    /// Every entry, oldest first, revisions included.
    pub timeline: Vec<TimelineEntry>,
    pub follow_ups: Vec<FollowUp>,
    pub alerts: Vec<LinkedAlert>,
    /// The entries this command wrote (also in `timeline`); empty for `show`.
    pub written: Vec<TimelineEntry>,
}

impl Document {
    pub fn new(
        record: IncidentRecord,
        written: Vec<TimelineEntry>,
        triage_window: Duration,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            times: Times::of_record(&record, triage_window, now),
            incident: record.incident,
            timeline: record.timeline,
            follow_ups: record.follow_ups,
            alerts: record.alerts,
            written,
        }
    }
}

/// A `list` row: the document's `incident` and `times`.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub incident: &'a Incident,
    pub times: Times,
}
