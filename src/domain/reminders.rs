//! The reminders `sitrep watch` writes into an incident's log (and posts to the
//! team's internal channels) when nobody may be looking at a screen: the next
//! customer update is due soon, it is overdue, a P2 is still in triage past its
//! window. Pure: what is due follows from the incident, its timeline and the clock.
//!
//! Each reminder is said once per promise. Its text names what it is about (the
//! update it follows, the time it is due), so the same reminder from a second
//! watcher, or from one restarted, is the same text, and the log's write-once rule
//! keeps one; the next promise (a new update logged) is new text.

use chrono::{DateTime, Duration, Utc};

use super::metrics::{next_customer_update, triage_remaining};
use super::{EntryKind, Incident, NewEntry, TimelineEntry};

/// Who the reminders are written by.
pub const AUTHOR: &str = "sitrep watch";

/// Which reminders are written, and how early ([watch] in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRules {
    /// Customer updates: due soon, and overdue.
    pub customer_updates: bool,
    /// How long before an update is due "due soon" is said.
    pub due_soon: Duration,
    /// A P2 still investigating past the triage window.
    pub triage: bool,
}

impl Default for ReminderRules {
    fn default() -> Self {
        Self {
            customer_updates: true,
            due_soon: Duration::minutes(5),
            triage: true,
        }
    }
}

/// The reminders due now for `incident` (none for a resolved one). `every`: how often
/// customers are promised an update; `triage_window`: the P2 triage window.
pub fn due(
    incident: &Incident,
    timeline: &[TimelineEntry],
    every: Duration,
    triage_window: Duration,
    rules: &ReminderRules,
    now: DateTime<Utc>,
) -> Vec<NewEntry> {
    let mut out = Vec::new();
    if !incident.status.is_open() {
        return out;
    }
    if rules.customer_updates {
        if let Some(due) = next_customer_update(incident, timeline, every) {
            let after = match timeline.iter().rev().find(|e| e.kind == EntryKind::Comms) {
                Some(update) => format!("update #{}", update.id),
                None => "the declaration".to_string(),
            };
            let promise = format!(
                "due by {} ({} after {after})",
                clock(due),
                super::parse::format_duration(every)
            );
            let text = if now >= due {
                Some(format!(
                    "reminder: customer update overdue, {promise}: post one (`sitrep comms {} --post`, or /comms post)",
                    incident.id
                ))
            } else if now >= due - rules.due_soon {
                Some(format!("reminder: next customer update {promise}"))
            } else {
                None
            };
            out.extend(text.map(|t| NewEntry::system(EntryKind::Note, AUTHOR, t, now)));
        }
    }
    if rules.triage {
        if let Some(left) = triage_remaining(incident, triage_window, now) {
            if left <= Duration::zero() {
                let deadline = now + left;
                out.push(NewEntry::system(
                    EntryKind::Note,
                    AUTHOR,
                    format!(
                        "reminder: P2 still in triage past its {} window (ended {}): confirm the cause (status identified) or raise it to P1",
                        super::parse::format_duration(triage_window),
                        clock(deadline)
                    ),
                    now,
                ));
            }
        }
    }
    out
}

/// A time as the reminders name it: UTC to the minute, the date only when the
/// reader may need it is not today's (always given: a log is read days later).
fn clock(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Declaration, EntryId, IncidentId, NewIncident, Severity, Status};

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    fn incident(severity: Severity) -> Incident {
        NewIncident::declare(
            Declaration {
                title: "room is down".into(),
                severity: Some(severity),
                trigger_time: Some(t(0)),
                ..Declaration::default()
            },
            "alice",
            t(0),
        )
        .unwrap()
        .into_incident(IncidentId(3))
    }

    fn update(id: i64, at: DateTime<Utc>) -> TimelineEntry {
        TimelineEntry {
            id: EntryId(id),
            incident_id: IncidentId(3),
            at,
            author: "bob".into(),
            kind: EntryKind::Comms,
            text: "we are on it".into(),
            revisions: Vec::new(),
            db_role: None,
        }
    }

    fn texts(entries: Vec<NewEntry>) -> Vec<String> {
        entries.into_iter().map(|e| e.text).collect()
    }

    const EVERY: Duration = Duration::minutes(30);
    const WINDOW: Duration = Duration::minutes(30);

    #[test]
    fn an_update_is_due_soon_then_overdue_and_each_names_its_promise() {
        let i = incident(Severity::P1);
        let rules = ReminderRules::default();
        assert!(due(&i, &[], EVERY, WINDOW, &rules, t(24)).is_empty());
        let soon = texts(due(&i, &[], EVERY, WINDOW, &rules, t(25)));
        assert_eq!(
            soon,
            ["reminder: next customer update due by 2026-11-18 11:36 UTC (30m after the declaration)"]
        );
        // The same promise a minute later is the same words: written once.
        assert_eq!(soon, texts(due(&i, &[], EVERY, WINDOW, &rules, t(26))));
        let late = texts(due(&i, &[], EVERY, WINDOW, &rules, t(31)));
        assert!(late[0].starts_with("reminder: customer update overdue, due by 2026-11-18 11:36 UTC (30m after the declaration): post one (`sitrep comms 3 --post`"), "{late:?}");
        // A new update is a new promise.
        let timeline = [update(12, t(32))];
        assert!(due(&i, &timeline, EVERY, WINDOW, &rules, t(33)).is_empty());
        let next = texts(due(&i, &timeline, EVERY, WINDOW, &rules, t(58)));
        assert!(next[0].contains("(30m after update #12)"), "{next:?}");
    }

    #[test]
    fn a_p2_past_triage_is_said_and_nothing_for_a_resolved_incident_or_when_off() {
        let mut i = incident(Severity::P2);
        let rules = ReminderRules {
            customer_updates: false,
            ..ReminderRules::default()
        };
        assert!(due(&i, &[], EVERY, WINDOW, &rules, t(29)).is_empty());
        let late = texts(due(&i, &[], EVERY, WINDOW, &rules, t(31)));
        assert_eq!(late.len(), 1);
        assert!(
            late[0].starts_with(
                "reminder: P2 still in triage past its 30m window (ended 2026-11-18 11:36 UTC)"
            ),
            "{late:?}"
        );
        assert_eq!(late, texts(due(&i, &[], EVERY, WINDOW, &rules, t(50))));
        let off = ReminderRules {
            customer_updates: false,
            triage: false,
            ..ReminderRules::default()
        };
        assert!(due(&i, &[], EVERY, WINDOW, &off, t(90)).is_empty());
        i.status = Status::Resolved;
        assert!(due(&i, &[], EVERY, WINDOW, &ReminderRules::default(), t(90)).is_empty());
    }
}
