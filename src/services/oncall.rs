//! Every team's roster for a stretch of time, for `oncall`, `handoff`, `page`, the
//! review and the TUI: the rotation written in the config, a feed file, or a feed
//! URL (fetched when the kept copy is older than [`FRESH_FOR`], the copy used, and
//! its age said, when the fetch or the parse fails).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};

use crate::config::teams::{ScheduleSource, TeamConfig};
use crate::config::Config;
use crate::domain::oncall::{Roster, Rosters, Schedule, Teams};
use crate::sources::{ical, oncall as feed};

/// A kept copy younger than this is used without fetching the feed again.
pub const FRESH_FOR: Duration = Duration::minutes(10);

/// How far around the asked-for time schedules are expanded.
pub fn window(from: DateTime<Utc>, to: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (from - Duration::days(62), to + Duration::days(400))
}

/// Where kept copies of the feeds live.
pub fn cache_dir(paths: &crate::config::Paths) -> PathBuf {
    paths.log_dir.join("oncall")
}

fn parsed(
    text: &str,
    team: &TeamConfig,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Schedule, String> {
    let parsed = ical::parse(text, team.team.zone, from, to)?;
    for why in parsed.skipped.iter().take(3) {
        tracing::warn!(team = %team.team.name, "schedule feed: {why}");
    }
    Ok(Schedule::from_shifts(parsed.shifts))
}

/// When a feed URL is fetched rather than its kept copy used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// Always (`oncall --refresh`).
    Always,
    /// When the kept copy is older than [`FRESH_FOR`] (or missing).
    IfStale,
    /// Only when there is no kept copy: a page does not wait on a slow feed; an old
    /// copy is used and its age said.
    IfMissing,
}

/// Reads every team's schedule for `[from, to)` (widened by [`window`]).
pub fn rosters(
    config: &Config,
    dir: &Path,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    fetch: Fetch,
) -> Rosters {
    rosters_of(config, dir, from, to, now, fetch, None)
}

/// [`rosters`], reading only the team `only` when given (the others are left
/// empty): `oncall room` neither waits on nor parses another team's feed.
pub fn rosters_of(
    config: &Config,
    dir: &Path,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    fetch: Fetch,
    only: Option<usize>,
) -> Rosters {
    let wanted_team = |i: usize| only.is_none_or(|o| o == i);
    let (from, to) = window(from, to);
    let teams = Teams::new(config.teams.iter().map(|t| t.team.clone()).collect());
    // Feeds to fetch, all at once: one that hangs costs its timeout, not the others'.
    let mut fetched: Vec<Option<Result<String, String>>> = vec![None; config.teams.len()];
    let wanted: Vec<(usize, crate::secret::Secret)> = config
        .teams
        .iter()
        .enumerate()
        .filter(|(i, _)| wanted_team(*i))
        .filter_map(|(i, t)| match &t.schedule {
            ScheduleSource::Url(Ok(url)) => {
                let kept = feed::cached(&feed::cache_path(dir, &t.team.name)).map(|(_, at)| at);
                let fresh = kept.is_some_and(|at| now - at < FRESH_FOR && at <= now);
                let get = match fetch {
                    Fetch::Always => true,
                    Fetch::IfStale => !fresh,
                    Fetch::IfMissing => kept.is_none(),
                };
                get.then(|| (i, url.clone()))
            }
            _ => None,
        })
        .collect();
    if !wanted.is_empty() {
        let got = crate::sources::block_on(async move {
            let mut set = tokio::task::JoinSet::new();
            for (i, url) in wanted {
                set.spawn(async move { (i, feed::fetch(&url).await) });
            }
            let mut out = Vec::new();
            while let Some(Ok(r)) = set.join_next().await {
                out.push(r);
            }
            out
        });
        match got {
            Ok(results) => {
                for (i, r) in results {
                    fetched[i] = Some(r);
                }
            }
            Err(why) => {
                for slot in fetched.iter_mut() {
                    *slot = Some(Err(why.clone()));
                }
            }
        }
    }
    let rosters = config
        .teams
        .iter()
        .zip(fetched)
        .enumerate()
        .map(|(i, (team, fetched))| {
            if wanted_team(i) {
                roster(team, dir, fetched, from, to, now)
            } else {
                Roster::default()
            }
        })
        .collect();
    Rosters { teams, rosters }
}

fn roster(
    team: &TeamConfig,
    dir: &Path,
    fetched: Option<Result<String, String>>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Roster {
    match &team.schedule {
        ScheduleSource::None => Roster::default(),
        ScheduleSource::Rotation(r) => Roster {
            schedule: Schedule::from_shifts(r.shifts(from, to)),
            ..Roster::default()
        },
        ScheduleSource::File(path) => {
            let read = crate::host::read_small(path, feed::MAX_FEED_BYTES as u64)
                .map_err(|e| format!("cannot read '{}': {e}", path.display()))
                .and_then(|b| {
                    String::from_utf8(b)
                        .map_err(|_| format!("'{}' is not UTF-8 text", path.display()))
                })
                .and_then(|text| parsed(&text, team, from, to));
            match read {
                Ok(schedule) => Roster {
                    schedule,
                    ..Roster::default()
                },
                Err(why) => Roster {
                    error: Some(crate::domain::text::sanitize_line(&why)),
                    ..Roster::default()
                },
            }
        }
        ScheduleSource::Url(url) => {
            let path = feed::cache_path(dir, &team.team.name);
            let fresh = match (url, fetched) {
                (Err(why), _) => Err(why.clone()),
                // Not fetched: the kept copy is fresh.
                (Ok(_), None) => Ok(None),
                (Ok(_), Some(Err(why))) => Err(why),
                (Ok(_), Some(Ok(text))) => parsed(&text, team, from, to).map(|s| Some((s, text))),
            };
            match fresh {
                Ok(Some((schedule, text))) => {
                    if let Err(e) = feed::keep(&path, &text) {
                        tracing::warn!(team = %team.team.name, "cannot keep a copy of the schedule feed: {e}");
                    }
                    Roster {
                        schedule,
                        copy_from: None,
                        error: None,
                    }
                }
                Ok(None) => match feed::cached(&path)
                    .map(|(text, at)| (parsed(&text, team, from, to), at))
                {
                    // Not fetched although old: said, with its age.
                    Some((Ok(schedule), at)) if now - at >= FRESH_FOR => Roster {
                        schedule,
                        copy_from: Some(at),
                        error: Some(
                            "not fetched now, so that the page does not wait on the feed".into(),
                        ),
                    },
                    Some((Ok(schedule), _)) => Roster {
                        schedule,
                        ..Roster::default()
                    },
                    _ => Roster {
                        error: Some("the kept copy of the feed cannot be read".into()),
                        ..Roster::default()
                    },
                },
                Err(why) => {
                    let why = crate::domain::text::sanitize_line(&why);
                    tracing::warn!(team = %team.team.name, "schedule feed unreadable: {why}");
                    match feed::cached(&path).map(|(text, at)| (parsed(&text, team, from, to), at))
                    {
                        Some((Ok(schedule), at)) => Roster {
                            schedule,
                            copy_from: Some(at),
                            error: Some(why),
                        },
                        _ => Roster {
                            error: Some(format!("{why}; no copy kept from an earlier read")),
                            ..Roster::default()
                        },
                    }
                }
            }
        }
    }
}
