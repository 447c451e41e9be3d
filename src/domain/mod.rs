//! The incident domain: types, lifecycle rules and derived metrics.
//!
//! Pure code only. Nothing here touches a file, a socket, a clock, a terminal or SQL:
//! callers pass the current time in. Everything else in sitrep depends on this module;
//! it depends on nothing of ours.

pub mod alert;
pub mod alert_history;
pub mod alert_quality;
pub mod alert_rules;
pub mod alert_set;
mod error;
pub mod escalation;
pub mod followup;
pub mod gate;
pub mod health;
pub mod incident;
pub mod metrics;
pub mod oncall;
pub mod oncall_load;
pub mod outbox;
pub mod parse;
pub mod record;
pub mod reminders;
pub mod response;
pub mod review;
pub mod run;
pub mod severity;
pub mod silence;
pub mod slo;
pub mod text;
pub mod time_display;
pub mod timeline;
pub mod trend;
pub mod watchers;

pub use error::DomainError;
pub use followup::{FollowUp, FollowUpEdit, FollowUpId, FollowUpState, NewFollowUp};
pub use incident::{
    Declaration, Incident, IncidentEdit, IncidentId, NewIncident, RootCause, Status,
};
pub use record::{Change, FollowUpChange, IncidentRecord};
pub use severity::Severity;
pub use time_display::TimeDisplay;
pub use timeline::{EntryId, EntryKind, NewEntry, Revision, TimelineEntry};
