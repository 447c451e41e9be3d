//! The `[[teams]]` tables: who owns which services and alerts, the labels that route
//! a page to them, and where their on-call schedule is: an iCalendar feed (a file,
//! or a URL kept as a secret: feed URLs carry a token) or a rotation written here.

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;
use crate::domain::oncall::{parse_handoff, Person, Rotation, Team};
use crate::domain::silence::Matcher;
use crate::domain::text::sanitize_line;
use crate::secret::Secret;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TeamFile {
    name: String,
    #[serde(default)]
    services: Vec<String>,
    /// Alertmanager matchers (`team="room"`) for alerts with no service it owns.
    #[serde(default)]
    matchers: Vec<String>,
    /// Labels set on this team's pages.
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    /// The team's zone (IANA); default `[review] zone`.
    zone: Option<String>,
    ical_file: Option<PathBuf>,
    ical_url_file: Option<PathBuf>,
    ical_url_env: Option<String>,
    #[serde(default)]
    members: Vec<String>,
    start: Option<String>,
    shift: Option<String>,
    handoff: Option<String>,
}

/// Where a team's schedule comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleSource {
    /// No schedule: the team owns alerts, nobody is known to be on call.
    None,
    File(PathBuf),
    /// A feed URL (or why it could not be read from its file or variable); never
    /// shown.
    Url(Result<Secret, String>),
    Rotation(Rotation),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamConfig {
    pub team: Team,
    pub schedule: ScheduleSource,
}

fn feed_url(text: &str, what: &str) -> Result<Secret, String> {
    let value = text.trim();
    let value = match value.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => value.to_string(),
    };
    if value.is_empty() {
        return Err(format!("{what} is empty; put the feed's URL in it"));
    }
    if value.contains(['\n', '\r']) {
        return Err(format!(
            "{what} holds more than one line; put only the feed's URL in it"
        ));
    }
    match reqwest::Url::parse(&value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(Secret::new(value))
        }
        _ => Err(format!("{what} does not hold an http(s) or webcal URL")),
    }
}

pub(super) fn team(file: TeamFile, default_zone: chrono_tz::Tz) -> Result<TeamConfig, ConfigError> {
    let name = sanitize_line(file.name.trim());
    if name.is_empty() {
        return Err(ConfigError::Value {
            key: "teams name".into(),
            detail: "every team needs a name, e.g. \"room\"".into(),
        });
    }
    let key = |field: &str| format!("team '{name}' {field}");
    let err = |field: &str, detail: String| ConfigError::Value {
        key: key(field),
        detail,
    };
    let zone = match file
        .zone
        .as_deref()
        .map(str::trim)
        .filter(|z| !z.is_empty())
    {
        Some(z) => z.parse::<chrono_tz::Tz>().map_err(|_| {
            err(
                "zone",
                format!(
                    "'{}' is not a time zone name; use one like Europe/Berlin",
                    sanitize_line(z)
                ),
            )
        })?,
        None => default_zone,
    };
    let matchers = file
        .matchers
        .iter()
        .map(|m| Matcher::parse(m).map_err(|e| err("matchers", e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let labels = super::page_labels(&key("labels"), file.labels)?;
    let services: Vec<String> = file
        .services
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let rotation_keys = !file.members.is_empty()
        || file.start.is_some()
        || file.shift.is_some()
        || file.handoff.is_some();
    let given = [
        file.ical_file.is_some(),
        file.ical_url_file.is_some(),
        file.ical_url_env.is_some(),
        rotation_keys,
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given > 1 {
        return Err(err(
            "schedule",
            "set one of ical_file, ical_url_file, ical_url_env or a rotation (members, start, shift)".into(),
        ));
    }
    let schedule = if let Some(path) = file.ical_file {
        ScheduleSource::File(path)
    } else if let Some(path) = file.ical_url_file {
        ScheduleSource::Url(
            super::sources::read_secret_file(&path, 16 * 1024)
                .map_err(|why| format!("ical_url_file: {why}"))
                .and_then(|(text, _)| feed_url(&text, &format!("file '{}'", path.display()))),
        )
    } else if let Some(var) = file.ical_url_env {
        ScheduleSource::Url(
            std::env::var(&var)
                .map_err(|_| format!("ical_url_env: environment variable '{var}' is not set"))
                .and_then(|text| feed_url(&text, &format!("environment variable '{var}'"))),
        )
    } else if rotation_keys {
        let members: Vec<Person> = file
            .members
            .iter()
            .map(|m| m.trim())
            .filter(|m| !m.is_empty())
            .map(Person::named)
            .collect();
        if members.is_empty() {
            return Err(err(
                "members",
                "a rotation needs at least one member".into(),
            ));
        }
        let raw_start = file.start.ok_or_else(|| {
            err(
                "start",
                "a rotation needs a start, e.g. \"2026-11-02 09:00\"".into(),
            )
        })?;
        let start = chrono::NaiveDateTime::parse_from_str(raw_start.trim(), "%Y-%m-%d %H:%M")
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(raw_start.trim(), "%Y-%m-%d")
                    .map(|d| d.and_time(chrono::NaiveTime::MIN))
            })
            .map_err(|_| {
                err(
                    "start",
                    format!(
                        "'{}' is not a local time; write e.g. \"2026-11-02 09:00\" (in the team's zone)",
                        sanitize_line(&raw_start)
                    ),
                )
            })?;
        let raw_shift = file.shift.unwrap_or_else(|| "7d".into());
        let shift = match crate::domain::parse::parse_duration(&raw_shift) {
            Ok(d) if d >= chrono::Duration::hours(1) => d,
            _ => {
                return Err(err(
                    "shift",
                    format!(
                        "'{}' must be a duration of at least 1h, e.g. 7d",
                        sanitize_line(&raw_shift)
                    ),
                ))
            }
        };
        let handoff = match file.handoff {
            None => None,
            Some(raw) => {
                if shift.num_seconds() % 86_400 != 0 {
                    return Err(err(
                        "handoff",
                        "a handoff day and time needs a shift of whole days (1d, 7d, 14d)".into(),
                    ));
                }
                Some(parse_handoff(&raw).map_err(|why| err("handoff", why))?)
            }
        };
        ScheduleSource::Rotation(Rotation {
            members,
            start,
            shift,
            zone,
            handoff,
        })
    } else {
        ScheduleSource::None
    };
    Ok(TeamConfig {
        team: Team {
            name,
            services,
            matchers,
            labels,
            zone,
        },
        schedule,
    })
}

/// Team names must differ: `oncall room`, `/page room` and the timeline name them.
pub(super) fn check_names(teams: &[TeamConfig]) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    match teams
        .iter()
        .find(|t| !seen.insert(t.team.name.to_ascii_lowercase()))
    {
        Some(dup) => Err(ConfigError::Value {
            key: "teams".into(),
            detail: format!("two teams are named '{}'; names must differ", dup.team.name),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_url_is_checked_without_being_shown() {
        assert!(feed_url("webcal://calendar.example/ical/SECRETTOKEN.ics", "x").is_ok());
        for bad in [
            "",
            "calendar.example/SECRETTOKEN",
            "ftp://h/SECRETTOKEN",
            "https://h/a\nSECRETTOKEN",
        ] {
            let why = feed_url(bad, "file 'x'").unwrap_err();
            assert!(!why.contains("SECRETTOKEN"), "{why}");
        }
    }
}
