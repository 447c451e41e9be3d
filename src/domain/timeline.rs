//! The incident timeline: an append-only, timestamped log of everything that happened.
//!
//! Entries are never rewritten. Correcting a typed entry adds a [`Revision`]; every
//! earlier text stays readable.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::IncidentId;
use super::text::{required_line, required_text, sanitize_line};
use super::DomainError;

/// Identifies one timeline entry across all incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntryId(pub i64);

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for EntryId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().trim_start_matches('#').parse::<i64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(DomainError::invalid(format!(
                "bad entry id '{}' (ids are positive numbers; see 'sitrep show ID')",
                sanitize_line(s)
            ))),
        }
    }
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A mitigation step taken (typed).
    Mitigation,
    /// A customer communication update as sent (typed).
    Comms,
    /// Anything else worth keeping (typed), and changes to template fields.
    Note,
    /// A change of status, including declaration and reopening.
    Status,
    /// A change of severity.
    Severity,
    /// A change of commander or comms lead.
    Role,
    /// A linked alert fired or resolved.
    Alert,
    /// A follow-up was added or completed.
    Followup,
    /// A stored row that could not be read (written around sitrep): shown in its
    /// place with its id and the reason, never written by sitrep and never parsed
    /// from a row (it is not in [`EntryKind::ALL`]).
    Unreadable,
}

impl EntryKind {
    pub const ALL: [EntryKind; 8] = [
        Self::Mitigation,
        Self::Comms,
        Self::Note,
        Self::Status,
        Self::Severity,
        Self::Role,
        Self::Alert,
        Self::Followup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mitigation => "mitigation",
            Self::Comms => "comms",
            Self::Note => "note",
            Self::Status => "status",
            Self::Severity => "severity",
            Self::Role => "role",
            Self::Alert => "alert",
            Self::Followup => "followup",
            Self::Unreadable => "unreadable",
        }
    }

    /// Kinds a person writes directly; the others are produced by the lifecycle rules.
    pub fn is_typed(self) -> bool {
        matches!(self, Self::Mitigation | Self::Comms | Self::Note)
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntryKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                DomainError::invalid(format!(
                    "unknown entry kind '{}' (use mitigation, comms or note)",
                    sanitize_line(s)
                ))
            })
    }
}

/// The author of the entries sitrep writes from alert changes.
pub const ALERT_AUTHOR: &str = "sitrep";

/// An entry about to be appended: validated, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub at: DateTime<Utc>,
    pub author: String,
    pub kind: EntryKind,
    pub text: String,
}

impl NewEntry {
    /// An entry a person typed: only mitigation, comms or note, with sanitized text.
    pub fn typed(
        kind: EntryKind,
        author: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if !kind.is_typed() {
            return Err(DomainError::invalid(format!(
                "'{kind}' entries are written by sitrep itself; log a mitigation, comms or note"
            )));
        }
        Ok(Self {
            at,
            author: required_line("author", author)?,
            kind,
            text: required_text("entry text", text)?,
        })
    }

    /// An `alert` entry that sitrep writes when a linked alert resolves or a matching
    /// one fires; `text` is built from already sanitized alert fields.
    pub fn alert_event(text: String, at: DateTime<Utc>) -> Self {
        Self::system(EntryKind::Alert, ALERT_AUTHOR, sanitize_line(&text), at)
    }

    /// What escalation did (paged, ended the page, failed), written under the name of
    /// whoever made the change that caused it; `text` is from [`super::escalation`].
    pub fn escalation(text: String, author: &str, at: DateTime<Utc>) -> Self {
        Self::system(EntryKind::Note, author, sanitize_line(&text), at)
    }

    /// An entry produced by a lifecycle rule; the text is composed from sanitized parts.
    pub(crate) fn system(kind: EntryKind, author: &str, text: String, at: DateTime<Utc>) -> Self {
        Self {
            at,
            author: author.to_string(),
            kind,
            text,
        }
    }
}

/// One version of an entry's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub at: DateTime<Utc>,
    pub author: String,
    pub text: String,
    /// The kind this revision gave the entry, when it changed it (a customer update
    /// logged as a mitigation step, say).
    #[serde(default)]
    pub kind: Option<EntryKind>,
}

/// A stored timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub id: EntryId,
    pub incident_id: IncidentId,
    /// When it happened, UTC, millisecond precision.
    pub at: DateTime<Utc>,
    pub author: String,
    pub kind: EntryKind,
    /// The current text: the newest revision.
    pub text: String,
    /// Every version of the text, oldest (as first written) first. One element when
    /// the entry was never corrected.
    pub revisions: Vec<Revision>,
    /// On the team database, the database role that wrote the entry (`session_user`):
    /// what the server vouches for, whatever name the author typed.
    #[serde(default)]
    pub db_role: Option<String>,
}

impl TimelineEntry {
    /// `alice`, or `alice (as db role bob)` when the database role that wrote it is
    /// not the display name: the audit log cannot be signed as someone else unseen.
    pub fn signed_author(&self) -> String {
        match &self.db_role {
            Some(role) if role != &self.author => format!("{} (as db role {role})", self.author),
            _ => self.author.clone(),
        }
    }

    pub fn was_amended(&self) -> bool {
        self.revisions.len() > 1
    }

    /// Checks that `text` may replace this entry's current text and returns the
    /// revision to append. Only typed entries can be corrected; the lifecycle's own
    /// entries are facts.
    pub fn amend(
        &self,
        author: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Revision, DomainError> {
        self.correct(author, Some(text), None, at)
    }

    /// A correction of the text, the kind, or both (one of them must change). The
    /// kind can only become another kind a person writes (mitigation, comms, note).
    pub fn correct(
        &self,
        author: &str,
        text: Option<&str>,
        kind: Option<EntryKind>,
        at: DateTime<Utc>,
    ) -> Result<Revision, DomainError> {
        if !self.kind.is_typed() {
            return Err(DomainError::rule(format!(
                "entry {} is a '{}' entry written by sitrep; only mitigation, comms and note entries can be amended",
                self.id, self.kind
            )));
        }
        if let Some(kind) = kind.filter(|k| !k.is_typed()) {
            return Err(DomainError::invalid(format!(
                "an entry can become a mitigation, comms or note entry, not '{kind}'"
            )));
        }
        let text = match text {
            Some(text) => required_text("entry text", text)?,
            None => self.text.clone(),
        };
        let kind = kind.filter(|k| *k != self.kind);
        if text == self.text && kind.is_none() {
            return Err(DomainError::rule(format!(
                "entry {} already says that; nothing to amend",
                self.id
            )));
        }
        Ok(Revision {
            at,
            author: required_line("author", author)?,
            text,
            kind,
        })
    }

    /// Applies a revision that was just stored or loaded.
    pub fn apply(&mut self, revision: Revision) {
        self.text = revision.text.clone();
        if let Some(kind) = revision.kind {
            self.kind = kind;
        }
        self.revisions.push(revision);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_795_000_000_123).unwrap()
    }

    fn entry(kind: EntryKind) -> TimelineEntry {
        TimelineEntry {
            id: EntryId(7),
            incident_id: IncidentId(1),
            at: at(),
            author: "alice".into(),
            kind,
            text: "rolled back".into(),
            revisions: vec![Revision {
                at: at(),
                author: "alice".into(),
                text: "rolled back".into(),
                kind: None,
            }],
            db_role: None,
        }
    }

    #[test]
    fn people_can_only_type_mitigation_comms_and_note_entries() {
        for kind in EntryKind::ALL {
            let result = NewEntry::typed(kind, "alice", "text", at());
            assert_eq!(result.is_ok(), kind.is_typed(), "{kind}");
        }
    }

    #[test]
    fn typed_text_is_sanitized_and_must_not_be_blank() {
        let e = NewEntry::typed(EntryKind::Note, "alice", "hi\x1b]0;pwned\x07", at()).unwrap();
        assert_eq!(e.text, "hi␛]0;pwned␇");
        assert!(NewEntry::typed(EntryKind::Note, "alice", "   ", at()).is_err());
        assert!(NewEntry::typed(EntryKind::Note, " ", "text", at()).is_err());
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in EntryKind::ALL {
            assert_eq!(kind.as_str().parse::<EntryKind>(), Ok(kind));
        }
        assert!("edit".parse::<EntryKind>().is_err());
    }

    #[test]
    fn amending_a_typed_entry_yields_a_revision_and_system_entries_refuse() {
        let revision = entry(EntryKind::Mitigation)
            .amend("bob", "rolled back to v41", at())
            .unwrap();
        assert_eq!(revision.text, "rolled back to v41");
        assert_eq!(revision.author, "bob");
        assert!(entry(EntryKind::Status).amend("bob", "x", at()).is_err());
        assert!(entry(EntryKind::Note)
            .amend("bob", "rolled back", at())
            .is_err());
    }
}
