//! Silences made from an incident: their matchers (from an alert's labels or typed),
//! the comment that ties them to the incident, and the timeline's words for them.
//! Pure: the Alertmanager API is spoken in `sources::silences`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::text::sanitize_line;
use super::{DomainError, IncidentId};

/// One of an incident's silences as its Alertmanager reports it now, for a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    /// The name of the source it lives in.
    pub source: String,
    /// `active`, `pending` or `expired`, in the Alertmanager's words.
    pub state: String,
    pub ends_at: DateTime<Utc>,
    /// Its matchers as written (`name="value", …`).
    pub matchers: String,
    pub created_by: String,
    /// Why, as typed (the comment without the incident prefix).
    pub why: String,
}

/// One Alertmanager matcher: `name="value"`, `name!="value"`, `name=~"re"`,
/// `name!~"re"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    pub fn equal(name: &str, value: &str) -> Self {
        Self {
            name: name.to_string(),
            value: value.to_string(),
            is_regex: false,
            is_equal: true,
        }
    }

    /// Parses `name="value"` (or `!=`, `=~`, `!~`; quotes optional for simple values).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bad = |why: &str| {
            DomainError::invalid(format!(
                "bad matcher '{}': {why} (write name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\")",
                sanitize_line(raw)
            ))
        };
        let raw = raw.trim();
        let at = raw.find(['=', '!']).ok_or_else(|| bad("no operator"))?;
        let (name, rest) = raw.split_at(at);
        let name = name.trim();
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(bad("a label name is letters, digits and _"));
        }
        let (op, value) = ["!~", "=~", "!=", "="]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v.trim())))
            .ok_or_else(|| bad("unknown operator"))?;
        let value = match value.strip_prefix('"') {
            Some(inner) => inner
                .strip_suffix('"')
                .ok_or_else(|| bad("unclosed quote"))?
                .replace("\\\"", "\""),
            None => value.to_string(),
        };
        if op.ends_with('~') {
            regex_lite_check(&value).map_err(|why| bad(&why))?;
        }
        Ok(Self {
            name: name.to_string(),
            value,
            is_regex: op.ends_with('~'),
            is_equal: op.starts_with('='),
        })
    }

    /// Whether an alert with `labels` matches (regexes anchored, as Alertmanager's).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        MatcherSet::new(std::slice::from_ref(self)).matches(|k| labels.get(k).map(String::as_str))
    }
}

/// Matchers ready to test many alerts: each regex compiled once.
pub struct MatcherSet<'a>(Vec<(&'a Matcher, Option<regex::Regex>)>);

impl<'a> MatcherSet<'a> {
    pub fn new(matchers: &'a [Matcher]) -> Self {
        Self(matchers.iter().map(|m| (m, compiled(m))).collect())
    }

    /// Whether every matcher holds for the labels `get` looks up (a missing label is
    /// the empty string, as in Alertmanager).
    pub fn matches<'v>(&self, get: impl Fn(&str) -> Option<&'v str>) -> bool {
        self.0.iter().all(|(m, re)| holds(m, re.as_ref(), &get))
    }
}

fn holds<'v>(
    m: &Matcher,
    re: Option<&regex::Regex>,
    get: &impl Fn(&str) -> Option<&'v str>,
) -> bool {
    let value = get(&m.name).unwrap_or("");
    let hit = match (m.is_regex, re) {
        (true, Some(re)) => re.is_match(value),
        (true, None) => false,
        (false, _) => value == m.value,
    };
    hit == m.is_equal
}

fn compiled(m: &Matcher) -> Option<regex::Regex> {
    m.is_regex
        .then(|| regex::Regex::new(&format!("^(?:{})$", m.value)).ok())
        .flatten()
}

/// Matchers kept with their regexes compiled, for a value that lives long (a team's
/// matchers, asked for every alert on screen).
#[derive(Debug, Clone, Default)]
pub struct CompiledMatchers(Vec<(Matcher, Option<regex::Regex>)>);

impl CompiledMatchers {
    pub fn new(matchers: Vec<Matcher>) -> Self {
        Self(
            matchers
                .into_iter()
                .map(|m| {
                    let re = compiled(&m);
                    (m, re)
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// As [`MatcherSet::matches`].
    pub fn matches<'v>(&self, get: &impl Fn(&str) -> Option<&'v str>) -> bool {
        self.0.iter().all(|(m, re)| holds(m, re.as_ref(), get))
    }
}

fn regex_lite_check(value: &str) -> Result<(), String> {
    regex::Regex::new(value)
        .map(|_| ())
        .map_err(|e| format!("bad regex: {}", sanitize_line(&e.to_string())))
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match (self.is_equal, self.is_regex) {
            (true, false) => "=",
            (false, false) => "!=",
            (true, true) => "=~",
            (false, true) => "!~",
        };
        write!(
            f,
            "{}{op}\"{}\"",
            sanitize_line(&self.name),
            sanitize_line(&self.value.replace('"', "\\\""))
        )
    }
}

/// Every label of an alert, as equality matchers: what identifies it (Alertmanager's
/// fingerprint is over all of them), so the silence mutes this alert and no other.
pub fn matchers_for(labels: &BTreeMap<String, String>) -> Vec<Matcher> {
    labels.iter().map(|(k, v)| Matcher::equal(k, v)).collect()
}

pub fn shown(matchers: &[Matcher]) -> String {
    matchers
        .iter()
        .map(Matcher::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The comment every silence made from incident `id` starts with: how its list finds
/// them again.
pub fn comment_prefix(id: IncidentId) -> String {
    format!("sitrep incident #{}:", id.0)
}

pub fn comment(id: IncidentId, text: &str) -> Result<String, DomainError> {
    let text = sanitize_line(text.trim());
    if text.is_empty() {
        return Err(DomainError::invalid(
            "a silence needs a comment saying why (--comment TEXT)",
        ));
    }
    Ok(format!("{} {text}", comment_prefix(id)))
}

/// The timeline's words for a silence created.
pub fn created_text(
    id: &str,
    source: &str,
    matchers: &[Matcher],
    ends_shown: &str,
    why: &str,
) -> String {
    format!(
        "silenced on {} until {ends_shown} (silence {}): {} — {}",
        sanitize_line(source),
        sanitize_line(id),
        shown(matchers),
        sanitize_line(why)
    )
}

/// Silences the timeline says were made for the incident: id, source and end as
/// written. Only these are the incident's: another database's incident of the same
/// number writes the same comment prefix into the same Alertmanager.
pub fn made<'a>(timeline: impl IntoIterator<Item = &'a str>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for text in timeline {
        let Some(rest) = text.strip_prefix("silenced on ") else {
            continue;
        };
        let Some((source, rest)) = rest.split_once(" until ") else {
            continue;
        };
        let Some((until, rest)) = rest.split_once(" (silence ") else {
            continue;
        };
        let Some((id, _)) = rest.split_once("):") else {
            continue;
        };
        out.push((id.to_string(), source.to_string(), until.to_string()));
    }
    out
}

/// The ids of the silences `timeline` records making: the incident's own.
pub fn made_ids(timeline: &[super::TimelineEntry]) -> Vec<String> {
    made(timeline.iter().map(|e| e.text.as_str()))
        .into_iter()
        .map(|(id, _, _)| id)
        .collect()
}

/// Silences the timeline says were made for the incident and not expired through
/// sitrep: id, source and end as written (they may have ended on their own since).
pub fn unexpired<'a>(
    timeline: impl IntoIterator<Item = &'a str> + Clone,
) -> Vec<(String, String, String)> {
    made(timeline.clone())
        .into_iter()
        .filter(|(id, source, _)| {
            let expired = expired_text(id, source);
            !timeline.clone().into_iter().any(|t| t == expired)
        })
        .collect()
}

pub fn expired_text(id: &str, source: &str) -> String {
    format!(
        "silence {} expired on {}",
        sanitize_line(id),
        sanitize_line(source)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silences_made_and_not_expired_are_found_in_the_timeline() {
        let m = [Matcher::equal("alertname", "RoomDown")];
        let a = created_text("s-1", "prod", &m, "2026-11-25 12:00", "noisy");
        let b = created_text("s-2", "prod", &m, "2026-11-25 13:00", "flapping");
        let gone = expired_text("s-1", "prod");
        let timeline = [a.as_str(), "rolled back", b.as_str(), gone.as_str()];
        assert_eq!(
            unexpired(timeline),
            [(
                "s-2".to_string(),
                "prod".to_string(),
                "2026-11-25 13:00".to_string()
            )]
        );
        assert!(unexpired(["silenced on nothing useful"]).is_empty());
    }

    #[test]
    fn matchers_parse_in_every_form_and_show_as_typed() {
        let m = Matcher::parse(r#"alertname="StreamStartBurn""#).unwrap();
        assert_eq!(m, Matcher::equal("alertname", "StreamStartBurn"));
        assert_eq!(m.to_string(), r#"alertname="StreamStartBurn""#);
        let m = Matcher::parse("region!~eu-.*").unwrap();
        assert!(m.is_regex && !m.is_equal && m.value == "eu-.*");
        assert_eq!(m.to_string(), r#"region!~"eu-.*""#);
        assert!(Matcher::parse(r#"service!="chat""#).unwrap().to_string() == r#"service!="chat""#);
        for bad in [
            "",
            "alertname",
            "=x",
            "9a=\"x\"",
            "a b=\"x\"",
            "a=\"x",
            "a=~\"(\"",
        ] {
            assert!(Matcher::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matchers_match_like_alertmanager() {
        let labels: BTreeMap<String, String> = [("alertname", "Burn"), ("region", "eu-west")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        assert!(Matcher::parse("region=~eu-.*").unwrap().matches(&labels));
        assert!(
            !Matcher::parse("region=~eu").unwrap().matches(&labels),
            "anchored"
        );
        assert!(Matcher::parse("service!=chat").unwrap().matches(&labels));
        assert!(
            Matcher::parse(r#"service="""#).unwrap().matches(&labels),
            "absent is empty"
        );
        assert_eq!(matchers_for(&labels).len(), 2);
        assert!(matchers_for(&labels).iter().all(|m| m.matches(&labels)));
    }

    #[test]
    fn the_comment_ties_the_silence_to_its_incident() {
        assert_eq!(
            comment(IncidentId(4), " rolling back\n").unwrap(),
            "sitrep incident #4: rolling back"
        );
        assert!(comment(IncidentId(4), "  ").is_err());
    }
}
