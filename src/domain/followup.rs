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
            cancelled_at: None,
            cancel_reason: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FollowUpState {
    Open,
    Done,
    /// Dropped on purpose, with a reason: out of the closure rate, listed apart.
    Cancelled,
}

/// What `followup edit` changes; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpEdit {
    pub title: Option<String>,
    pub owner: Option<String>,
    /// `Some(None)` removes the due date.
    pub due: Option<Option<NaiveDate>>,
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
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub cancel_reason: Option<String>,
}

impl FollowUp {
    pub fn is_done(&self) -> bool {
        self.state == FollowUpState::Done
    }

    pub fn is_cancelled(&self) -> bool {
        self.state == FollowUpState::Cancelled
    }

    /// Open and past its due date on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.state == FollowUpState::Open && self.due.is_some_and(|due| due < today)
    }

    fn refuse_if_closed(&self, doing: &str) -> Result<(), DomainError> {
        match self.state {
            FollowUpState::Open => Ok(()),
            FollowUpState::Done => Err(DomainError::rule(format!(
                "follow-up #{} is already done: cannot {doing} it",
                self.id
            ))),
            FollowUpState::Cancelled => Err(DomainError::rule(format!(
                "follow-up #{} was cancelled: cannot {doing} it",
                self.id
            ))),
        }
    }

    /// Changes title, owner or due date; the entry says what changed from what. A new
    /// due date in the past is refused, as when adding.
    pub fn edit(
        &mut self,
        edit: FollowUpEdit,
        author: &str,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<NewEntry, DomainError> {
        let author = required_line("your name", author)?;
        if self.is_cancelled() {
            self.refuse_if_closed("edit")?;
        }
        let mut changes = Vec::new();
        if let Some(title) = edit.title {
            let title = required_line("follow-up title", &title)?;
            if title != self.title {
                changes.push(format!("title '{}' → '{title}'", self.title));
                self.title = title;
            }
        }
        if let Some(owner) = edit.owner {
            let owner = required_line("owner", &owner)?;
            if owner != self.owner {
                changes.push(format!("owner {} → {owner}", self.owner));
                self.owner = owner;
            }
        }
        if let Some(due) = edit.due {
            if let Some(d) = due.filter(|d| *d < today) {
                return Err(DomainError::invalid(format!(
                    "due date {d} is in the past (today is {today})"
                )));
            }
            if due != self.due {
                let show = |d: Option<NaiveDate>| d.map_or("none".to_string(), |d| d.to_string());
                changes.push(format!("due {} → {}", show(self.due), show(due)));
                self.due = due;
            }
        }
        if changes.is_empty() {
            return Err(DomainError::invalid(format!(
                "nothing to change in follow-up #{}: give a new title, owner or due date",
                self.id
            )));
        }
        Ok(NewEntry::system(
            EntryKind::Followup,
            &author,
            format!("follow-up #{} edited: {}", self.id, changes.join(", ")),
            now,
        ))
    }

    /// Cancels an open follow-up for `reason`: it leaves the closure rate and is
    /// listed apart, and the entry keeps why.
    pub fn cancel(
        &mut self,
        reason: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<NewEntry, DomainError> {
        let author = required_line("your name", author)?;
        let reason = required_line("reason", reason)?;
        self.refuse_if_closed("cancel")?;
        self.state = FollowUpState::Cancelled;
        self.cancelled_at = Some(now);
        self.cancel_reason = Some(reason.clone());
        Ok(NewEntry::system(
            EntryKind::Followup,
            &author,
            format!(
                "follow-up #{} cancelled: {} (owner {}) — {reason}",
                self.id, self.title, self.owner
            ),
            now,
        ))
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
        self.refuse_if_closed("complete")?;
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
    fn an_edit_says_what_changed_and_refuses_nothing_or_a_past_date() {
        let mut f = follow_up(Some(today()));
        let edit = FollowUpEdit {
            owner: Some("carol".into()),
            due: Some(today().succ_opt()),
            ..FollowUpEdit::default()
        };
        let entry = f.edit(edit, "alice", now(), today()).unwrap();
        assert_eq!(
            entry.text,
            "follow-up #3 edited: owner bob → carol, due 2026-11-24 → 2026-11-25"
        );
        assert_eq!((f.owner.as_str(), f.due), ("carol", today().succ_opt()));
        let same = FollowUpEdit {
            owner: Some("carol".into()),
            ..FollowUpEdit::default()
        };
        assert!(
            f.edit(same, "alice", now(), today()).is_err(),
            "nothing changes"
        );
        let past = FollowUpEdit {
            due: Some(today().pred_opt()),
            ..FollowUpEdit::default()
        };
        assert!(f.edit(past, "alice", now(), today()).is_err());
        let undated = FollowUpEdit {
            due: Some(None),
            ..FollowUpEdit::default()
        };
        let entry = f.edit(undated, "alice", now(), today()).unwrap();
        assert!(
            entry.text.ends_with("due 2026-11-25 → none"),
            "{}",
            entry.text
        );
        let empty = FollowUpEdit {
            title: Some(" ".into()),
            ..FollowUpEdit::default()
        };
        assert!(f.edit(empty, "alice", now(), today()).is_err());
        assert_eq!(f.title, "add canary", "a refused edit changes nothing");
    }

    #[test]
    fn a_cancel_needs_a_reason_and_closes_the_follow_up_for_good() {
        let mut f = follow_up(Some(today()));
        assert!(f.cancel(" ", "alice", now()).is_err());
        let entry = f.cancel("superseded by #4", "alice", now()).unwrap();
        assert_eq!(
            entry.text,
            "follow-up #3 cancelled: add canary (owner bob) — superseded by #4"
        );
        assert!(f.is_cancelled() && !f.is_overdue(today().succ_opt().unwrap()));
        assert!(f.cancel("again", "alice", now()).is_err());
        assert!(f.complete("bob", now()).is_err());
        let edit = FollowUpEdit {
            owner: Some("carol".into()),
            ..FollowUpEdit::default()
        };
        assert!(f.edit(edit, "alice", now(), today()).is_err());
        let mut done = follow_up(None);
        done.complete("bob", now()).unwrap();
        assert!(done.cancel("late", "alice", now()).is_err());
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
