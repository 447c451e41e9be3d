//! Alertmanager silences, API v2: create (`POST /api/v2/silences`), list
//! (`GET /api/v2/silences`), expire (`DELETE /api/v2/silence/{id}`). An HA pair
//! gossips silences: one is created on the first member that takes it, and the others
//! are asked until they show it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{api_url, http, shown_url, Source, SourceError, SourceKind};
use crate::domain::silence::Matcher;
use crate::domain::text::sanitize_line;

/// How long the other members of an HA pair are given to show a new silence.
const GOSSIP_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    pub state: String,
}

/// A silence as Alertmanager reports it (text fields made safe).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: String,
    pub status: SilenceStatus,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
}

impl Silence {
    fn cleaned(mut self) -> Self {
        self.id = sanitize_line(&self.id);
        self.status.state = sanitize_line(&self.status.state);
        self.created_by = sanitize_line(&self.created_by);
        self.comment = sanitize_line(&self.comment);
        // Matchers are made safe where they are shown (`Matcher`'s Display).
        self
    }
}

/// A silence made, where, and which members of an HA pair were seen to have it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Created {
    pub id: String,
    /// The member that took it (shown without credentials).
    pub member: String,
    /// The other members that show it (gossip), and those that did not in time.
    pub seen_by: Vec<String>,
    pub not_seen_by: Vec<String>,
}

fn alertmanager(source: &Source) -> Result<(), SourceError> {
    source.usable()?;
    if source.kind != SourceKind::Alertmanager {
        return Err(SourceError::Config(format!(
            "source '{}' is a {}; silences live in an Alertmanager",
            source.name, source.kind
        )));
    }
    Ok(())
}

/// Creates the silence on the first member that takes it.
pub async fn create(
    source: &Source,
    matchers: &[Matcher],
    ends_at: DateTime<Utc>,
    created_by: &str,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<Created, SourceError> {
    alertmanager(source)?;
    let client = http::client(&source.http)?;
    let body = json!({
        "matchers": matchers,
        "startsAt": now,
        "endsAt": ends_at,
        "createdBy": created_by,
        "comment": comment,
    });
    let mut errors = Vec::new();
    for (n, base) in source.urls.iter().enumerate() {
        let url = api_url(base, &["api", "v2", "silences"])?;
        match http::send(
            &client,
            Method::POST,
            url.as_str(),
            Some(&body),
            &source.http,
        )
        .await
        {
            Ok(answer) => {
                #[derive(Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct Answer {
                    #[serde(rename = "silenceID")]
                    silence_id: String,
                }
                let id = serde_json::from_slice::<Answer>(&answer)
                    .map_err(|e| SourceError::Json(e.to_string()))?
                    .silence_id;
                let id = sanitize_line(&id);
                let mut created = Created {
                    id: id.clone(),
                    member: shown_url(base),
                    seen_by: Vec::new(),
                    not_seen_by: Vec::new(),
                };
                for other in source.urls.iter().skip(n + 1).chain(&source.urls[..n]) {
                    if shows(&client, source, other, &id).await {
                        created.seen_by.push(shown_url(other));
                    } else {
                        created.not_seen_by.push(shown_url(other));
                    }
                }
                return Ok(created);
            }
            // Refused for what it is: another member would refuse it too.
            Err(e @ (SourceError::Unauthorized(_) | SourceError::Status(400..=499, _))) => {
                return Err(e.cleaned())
            }
            Err(e) => errors.push(format!("{}: {}", shown_url(base), e.cleaned())),
        }
    }
    Err(SourceError::Connect(errors.join("; ")))
}

/// Whether member `base` shows silence `id`, asked until [`GOSSIP_WAIT`] has passed.
async fn shows(client: &reqwest::Client, source: &Source, base: &str, id: &str) -> bool {
    let Ok(url) = api_url(base, &["api", "v2", "silence", id]) else {
        return false;
    };
    let deadline = Instant::now() + GOSSIP_WAIT;
    loop {
        if http::get(client, url.as_str(), &source.http).await.is_ok() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every silence the first answering member holds.
pub async fn list(source: &Source) -> Result<Vec<Silence>, SourceError> {
    alertmanager(source)?;
    let client = http::client(&source.http)?;
    let mut errors = Vec::new();
    for base in &source.urls {
        let url = api_url(base, &["api", "v2", "silences"])?;
        match http::get(&client, url.as_str(), &source.http).await {
            Ok(body) => {
                let silences: Vec<Silence> = serde_json::from_slice(&body)
                    .map_err(|e| SourceError::Json(e.to_string()).cleaned())?;
                return Ok(silences.into_iter().map(Silence::cleaned).collect());
            }
            Err(e @ SourceError::Unauthorized(_)) => return Err(e),
            Err(e) => errors.push(format!("{}: {}", shown_url(base), e.cleaned())),
        }
    }
    Err(SourceError::Connect(errors.join("; ")))
}

/// The silences made for incident `id` in each of `sources`, oldest first, each with
/// its source's name; or the first source that could not be read, with why. A silence
/// is the incident's when its timeline recorded making it (`made`, the ids) and its
/// comment carries the incident's prefix: the prefix alone is shared by every
/// database's incident of that number.
pub async fn of_incident<'a>(
    sources: &[&'a Source],
    id: crate::domain::IncidentId,
    made: &[String],
) -> Result<Vec<(String, Silence)>, (&'a Source, SourceError)> {
    let prefix = crate::domain::silence::comment_prefix(id);
    let mut out = Vec::new();
    for &source in sources {
        let all = list(source).await.map_err(|e| (source, e))?;
        out.extend(
            all.into_iter()
                .filter(|s| s.comment.starts_with(&prefix) && made.contains(&s.id))
                .map(|s| (source.name.clone(), s)),
        );
    }
    out.sort_by_key(|(_, s)| s.starts_at);
    Ok(out)
}

/// Expires silence `id` (the first answering member; the others learn it by gossip).
pub async fn expire(source: &Source, id: &str) -> Result<(), SourceError> {
    alertmanager(source)?;
    let client = http::client(&source.http)?;
    let mut errors = Vec::new();
    for base in &source.urls {
        let url = api_url(base, &["api", "v2", "silence", id])?;
        match http::send(&client, Method::DELETE, url.as_str(), None, &source.http).await {
            Ok(_) => return Ok(()),
            Err(e @ (SourceError::Unauthorized(_) | SourceError::Status(400..=499, _))) => {
                return Err(e.cleaned())
            }
            Err(e) => errors.push(format!("{}: {}", shown_url(base), e.cleaned())),
        }
    }
    Err(SourceError::Connect(errors.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::Silence;

    #[test]
    fn a_listed_silence_never_carries_escapes_or_invisible_text_to_the_screen() {
        let body = r#"{"id": "s1\u001b[2J", "status": {"state": "active"},
            "matchers": [{"name": "alert\u001b]0;pwned\u0007name", "value": "Room\u202eDown", "isRegex": false}],
            "startsAt": "2026-11-25T10:00:00Z", "endsAt": "2026-11-25T12:00:00Z",
            "createdBy": "bob\u001b[31m", "comment": "sitrep incident #1: why\r\nforged line"}"#;
        let silence: Silence = serde_json::from_str(body).unwrap();
        let cleaned = silence.cleaned();
        let shown = format!(
            "{} {} {} {}",
            cleaned.id,
            crate::domain::silence::shown(&cleaned.matchers),
            cleaned.created_by,
            cleaned.comment
        );
        for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\r', '\n'] {
            assert!(!shown.contains(bad), "{bad:?} in {shown:?}");
        }
        assert!(shown.contains('␛'), "made visible, not dropped: {shown}");
    }
}
