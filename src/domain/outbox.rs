//! Comms updates posted to chat and status channels: the outbox rules. An update is
//! saved to the timeline first, with one delivery per channel beside it in the same
//! transaction; a delivery is then tried until it is posted or its time runs out,
//! backing off between tries, and its outcome is written to the timeline once. Pure:
//! the time comes in, nothing is sent from here.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::text::sanitize_line;
use super::{EntryId, IncidentId, NewEntry};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Not posted yet; tried again at `next_at` until `give_up_at`.
    Pending,
    Posted,
    /// Given up on; the timeline says why.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Posted => "posted",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "posted" => Some(Self::Posted),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One comms update on its way to one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub incident: IncidentId,
    /// The comms entry whose text is posted.
    pub entry: EntryId,
    pub channel: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_at: DateTime<Utc>,
    pub give_up_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

/// A delivery claimed for one try, with what it posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub delivery: Delivery,
    /// The comms update as it was written.
    pub text: String,
    pub author: String,
    pub at: DateTime<Utc>,
}

/// The pause before try `attempts + 1`: 1 s, 2 s, 4 s… up to a minute.
pub fn backoff(attempts: u32) -> Duration {
    Duration::seconds(1i64 << attempts.min(6)).min(Duration::seconds(60))
}

/// Why a try failed, and whether trying again can help (a timeout, a refused
/// connection or a 5xx can; a 4xx other than 408/429 says the request itself is wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostError {
    pub reason: String,
    pub retryable: bool,
}

/// What to do with a delivery after a try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Posted: record it.
    Posted,
    /// Try again at this time.
    Retry { at: DateTime<Utc>, reason: String },
    /// Record the failure and stop.
    GiveUp { reason: String },
}

/// Decides what follows a try made at `now` (the delivery's `attempts` not yet
/// counting it).
pub fn after_try(delivery: &Delivery, result: Result<(), PostError>, now: DateTime<Utc>) -> Next {
    match result {
        Ok(()) => Next::Posted,
        Err(e) => {
            let at = now + backoff(delivery.attempts);
            if e.retryable && at < delivery.give_up_at {
                Next::Retry {
                    at,
                    reason: e.reason,
                }
            } else {
                Next::GiveUp { reason: e.reason }
            }
        }
    }
}

/// The timeline entry that says a comms update reached a channel.
pub fn posted_entry(entry: EntryId, channel: &str, now: DateTime<Utc>) -> NewEntry {
    NewEntry::system(
        super::EntryKind::Note,
        super::timeline::ALERT_AUTHOR,
        format!(
            "comms update #{} posted to {}",
            entry.0,
            sanitize_line(channel)
        ),
        now,
    )
}

/// The timeline entry that says a comms update did not reach a channel, and what to
/// do about it.
pub fn failed_entry(
    entry: EntryId,
    channel: &str,
    reason: &str,
    attempts: u32,
    now: DateTime<Utc>,
) -> NewEntry {
    let tries = if attempts == 1 {
        "1 try".to_string()
    } else {
        format!("{attempts} tries")
    };
    NewEntry::system(
        super::EntryKind::Note,
        super::timeline::ALERT_AUTHOR,
        format!(
            "post of comms update #{} to {} failed: {} ({tries}); post it there yourself",
            entry.0,
            sanitize_line(channel),
            sanitize_line(reason)
        ),
        now,
    )
}

/// Who reads a channel, which decides what a post to it carries besides the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// The team: the post says which incident it is about (number, title,
    /// severity, status, commander).
    Internal,
    /// Customers (a status page, a community channel): the text and the incident's
    /// public fields only, never its internal title or names.
    #[default]
    Public,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Public => "public",
        }
    }
}

/// The body of a Slack-compatible post to an internal channel: a first line that
/// says which incident it is (`*#3 P1 investigating* · Stream starts failing ·
/// commander alice`), then the update quoted. Every value is escaped as
/// [`slack_body`] escapes the text.
pub fn slack_internal_body(text: &str, incident: &super::Incident) -> serde_json::Value {
    let head = format!(
        "*#{} {} {}{}* · {} · commander {}",
        incident.id,
        incident.severity,
        incident.status,
        if incident.drill { " (drill)" } else { "" },
        slack_escape(&sanitize_line(&incident.title)),
        slack_escape(&sanitize_line(&incident.commander)),
    );
    let quoted: Vec<String> = slack_escape(text)
        .lines()
        .map(|l| format!("> {l}"))
        .collect();
    serde_json::json!({ "text": format!("{head}\n{}", quoted.join("\n")) })
}

/// The body of a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).
/// The text is escaped for the receiver's markup: `&`, `<` and `>` are sent as
/// `&amp;`, `&lt;`, `&gt;`, so user text like `<!channel>`, `<@U024BE7LH>` or
/// `<https://evil.example|click here>` reads as typed and pings or links nobody.
pub fn slack_body(text: &str) -> serde_json::Value {
    serde_json::json!({ "text": slack_escape(text) })
}

/// Slack's own escaping of message text (the three characters its markup uses).
pub fn slack_escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The placeholders a rendered comms draft still holds: `[WORDS IN CAPITALS: how to
/// fill it]`, the way the templates mark a public field that is missing. A draft with
/// one is not for customers yet; each is returned by its words: `[REGIONS NOT NAMED]`.
pub fn placeholders(draft: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in draft.match_indices('[') {
        let rest = &draft[start + 1..];
        let Some(colon) = rest.find(':') else {
            continue;
        };
        let words = &rest[..colon];
        let shouting = words.chars().any(|c| c.is_ascii_uppercase())
            && words
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == ' ' || c == '-' || c == '_');
        if shouting && rest.contains(']') {
            found.push(format!("[{words}]"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drafts_placeholders_are_found_and_ordinary_brackets_are_not() {
        let draft = "Investigating: [PUBLIC TITLE MISSING: sitrep edit 1 --public-title \"…\"]\n\
                     Affected: EU [beta].\n[REGIONS NOT NAMED: give them public names]\n\
                     See [status page: https://status] and [1]: notes, [TODO]";
        assert_eq!(
            placeholders(draft),
            vec!["[PUBLIC TITLE MISSING]", "[REGIONS NOT NAMED]"]
        );
        assert!(placeholders("All good [EU]: recovered").is_empty());
        assert!(placeholders("Video rooms [EU, US] recovered.").is_empty());
    }

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap()
    }

    fn delivery(attempts: u32) -> Delivery {
        Delivery {
            id: 1,
            incident: IncidentId(3),
            entry: EntryId(9),
            channel: "#incidents".into(),
            state: DeliveryState::Pending,
            attempts,
            next_at: at(0),
            give_up_at: at(30),
            last_error: None,
            done_at: None,
        }
    }

    fn fail(retryable: bool) -> Result<(), PostError> {
        Err(PostError {
            reason: "HTTP 500".into(),
            retryable,
        })
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let secs: Vec<i64> = (0..9).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn a_retryable_failure_is_tried_again_until_the_time_runs_out() {
        assert_eq!(
            after_try(&delivery(0), fail(true), at(0)),
            Next::Retry {
                at: at(1),
                reason: "HTTP 500".into()
            }
        );
        assert_eq!(
            after_try(&delivery(3), fail(true), at(22)),
            Next::GiveUp {
                reason: "HTTP 500".into()
            },
            "22 s + 8 s is not before the 30 s limit"
        );
        assert_eq!(after_try(&delivery(5), Ok(()), at(29)), Next::Posted);
    }

    #[test]
    fn a_refused_request_is_not_tried_again() {
        assert!(matches!(
            after_try(&delivery(0), fail(false), at(0)),
            Next::GiveUp { .. }
        ));
    }

    #[test]
    fn outcomes_name_the_update_and_the_channel() {
        assert_eq!(
            posted_entry(EntryId(9), "#incidents", at(0)).text,
            "comms update #9 posted to #incidents"
        );
        let failed = failed_entry(EntryId(9), "#status", "timed out\nafter 10s", 4, at(0));
        assert_eq!(
            failed.text,
            "post of comms update #9 to #status failed: timed out after 10s (4 tries); post it there yourself"
        );
        assert_eq!(failed.author, "sitrep");
    }

    #[test]
    fn slack_bodies_carry_the_text_as_written() {
        assert_eq!(
            slack_body("rolled back \"room\" to v41").to_string(),
            r#"{"text":"rolled back \"room\" to v41"}"#
        );
    }

    #[test]
    fn slack_bodies_ping_nobody_and_link_nowhere() {
        for markup in [
            "<!channel>",
            "<!here>",
            "<!everyone>",
            "<@U024BE7LH>",
            "<!subteam^SAZ94GDB8>",
            "<#C024BE7LR>",
            "<https://evil.example|click here>",
            "<mailto:a@b.example|mail>",
        ] {
            let body = slack_body(&format!("update {markup} & more"));
            let text = body["text"].as_str().unwrap_or_default();
            assert!(!text.contains('<') && !text.contains('>'), "{text}");
            assert!(
                text.contains("&lt;") && text.contains("&amp; more"),
                "{text}"
            );
        }
        assert_eq!(slack_escape("a &amp; b"), "a &amp;amp; b");
    }
}
