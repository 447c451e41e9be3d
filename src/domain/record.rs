//! What the log gives back: an incident with everything recorded about it, and the
//! result of a change. Plain data the store maps its rows to, so that the app and the
//! UI read it without knowing the store.

use serde::Serialize;

use super::alert::LinkedAlert;
use super::{FollowUp, Incident, TimelineEntry};

/// An incident with everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentRecord {
    pub incident: Incident,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    pub follow_ups: Vec<FollowUp>,
    /// What is known of its linked alerts (those it was declared from live).
    pub alerts: Vec<LinkedAlert>,
}

/// The result of a change: the incident as it now stands and the entries that record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub incident: Incident,
    pub entries: Vec<TimelineEntry>,
}

/// A follow-up change and the timeline entry that records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpChange {
    pub follow_up: FollowUp,
    pub entry: TimelineEntry,
}
