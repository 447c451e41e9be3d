//! Follow-up action items: one owner each, an optional due date, open until done.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::incident::IncidentId;
use super::text::{required_line, sanitize_line};
use super::timeline::{EntryKind, NewEntry};
use super::DomainError;

/// Identifies one follow-up across all incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FollowUpId(pub i64);

impl fmt::Display for FollowUpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for FollowUpId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().trim_start_matches('#').parse::<i64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(DomainError::invalid(format!(
                "bad follow-up id '{}' (ids are positive numbers; see 'sitrep followup list')",
                sanitize_line(s)
            ))),
        }
    }
}

/// A validated follow-up, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub incident_id: IncidentId,
    pub title: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl NewFollowUp {
    /// Validates a follow-up; a due date before `today` is refused.
    pub fn new(
        incident_id: IncidentId,
        title: &str,
        owner: &str,
        due: Option<NaiveDate>,
        author: &str,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Self, DomainError> {
        if let Some(due) = due {
            if due < today {
                return Err(DomainError::invalid(format!(
                    "due date {due} is in the past (today is {today})"
                )));
            }
        }
        Ok(Self {
            incident_id,
            title: required_line("follow-up title", title)?,
            owner: required_line("owner", owner)?,
            due,
            created_at: now,
            created_by: required_line("your name", author)?,
        })
    }

    /// The timeline entry recording this follow-up once it has an id.
    pub fn entry(&self, id: FollowUpId) -> NewEntry {
        let due = self.due.map(|d| format!(", due {d}")).unwrap_or_default();
        NewEntry::system(
            EntryKind::Followup,
            &self.created_by,
            format!(
                "follow-up #{id} added: {} (owner {}{due})",
                self.title, self.owner
            ),
            self.created_at,
        )
    }

    pub fn into_follow_up(self, id: FollowUpId) -> FollowUp {
        FollowUp {
            id,
            incident_id: self.incident_id,
            title: self.title,
            owner: self.owner,
            due: self.due,
            created_at: self.created_at,
            state: FollowUpState::Open,
            done_at: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FollowUpState {
    Open,
    Done,
}

/// A stored follow-up action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub incident_id: IncidentId,
    pub title: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub state: FollowUpState,
    pub done_at: Option<DateTime<Utc>>,
}

impl FollowUp {
    pub fn is_done(&self) -> bool {
        self.state == FollowUpState::Done
    }

    /// Open and past its due date on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.is_done() && self.due.is_some_and(|due| due < today)
    }

    /// Marks the follow-up done and returns the timeline entry recording it.
    pub fn complete(&mut self, author: &str, now: DateTime<Utc>) -> Result<NewEntry, DomainError> {
        let author = required_line("your name", author)?;
        if self.is_done() {
            return Err(DomainError::rule(format!(
                "follow-up #{} is already done",
                self.id
            )));
        }
        self.state = FollowUpState::Done;
        self.done_at = Some(now);
        Ok(NewEntry::system(
            EntryKind::Followup,
            &author,
            format!(
                "follow-up #{} done: {} (owner {})",
                self.id, self.title, self.owner
            ),
            now,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000, 0).unwrap()
    }

    fn follow_up(due: Option<NaiveDate>) -> FollowUp {
        NewFollowUp::new(
            IncidentId(1),
            "add canary",
            "bob",
            due,
            "alice",
            now(),
            today(),
        )
        .unwrap()
        .into_follow_up(FollowUpId(3))
    }

    #[test]
    fn a_follow_up_needs_a_title_an_owner_and_a_due_date_not_in_the_past() {
        let past = today().pred_opt();
        assert!(
            NewFollowUp::new(IncidentId(1), "x", "bob", past, "alice", now(), today()).is_err()
        );
        assert!(
            NewFollowUp::new(IncidentId(1), " ", "bob", None, "alice", now(), today()).is_err()
        );
        assert!(NewFollowUp::new(IncidentId(1), "x", "", None, "alice", now(), today()).is_err());
        assert!(NewFollowUp::new(
            IncidentId(1),
            "x",
            "bob",
            Some(today()),
            "alice",
            now(),
            today()
        )
        .is_ok());
    }

    #[test]
    fn completing_records_the_time_once_and_refuses_twice() {
        let mut f = follow_up(None);
        let entry = f.complete("bob", now()).unwrap();
        assert_eq!(entry.kind, EntryKind::Followup);
        assert!(entry.text.contains("#3 done"));
        assert_eq!(f.done_at, Some(now()));
        assert!(f.complete("bob", now()).is_err());
    }

    #[test]
    fn overdue_means_open_and_past_due() {
        let f = follow_up(Some(today()));
        assert!(!f.is_overdue(today()));
        assert!(f.is_overdue(today().succ_opt().unwrap()));
        let mut done = f.clone();
        done.complete("bob", now()).unwrap();
        assert!(!done.is_overdue(today().succ_opt().unwrap()));
        assert!(!follow_up(None).is_overdue(today()));
    }

    #[test]
    fn the_added_entry_names_owner_and_due_date() {
        let new = NewFollowUp::new(
            IncidentId(1),
            "add canary",
            "bob",
            Some(today()),
            "alice",
            now(),
            today(),
        )
        .unwrap();
        let entry = new.entry(FollowUpId(9));
        assert_eq!(
            entry.text,
            "follow-up #9 added: add canary (owner bob, due 2026-11-24)"
        );
        assert_eq!(entry.author, "alice");
    }
}
