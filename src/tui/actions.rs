//! Acts outside the database asked for from the incident view: silences (`/silence`)
//! made in the alert sources and a command (`/run`) run for the incident. Each runs
//! off the UI loop and the store worker, records itself in the incident's timeline on
//! a connection of its own, and reports back as a message.

use std::thread;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use super::runner::{RunTarget, Runner};
use crate::app::{Effect, Msg, SilenceRequest, UnsilenceRequest};
use crate::config::Config;
use crate::domain::parse::truncate_to_millis;
use crate::domain::silence;
use crate::domain::text::sanitize_line;
use crate::domain::{EntryKind, NewEntry};
use crate::sources::silences as api;
use crate::store::{Store, Target};

pub struct Actions {
    /// Where silences are made and recorded; `None` in the demo (no Alertmanager).
    silencing: Option<(Config, Target)>,
    /// Where the schedules' kept copies are (who is on call, for `/page`).
    oncall_cache: std::path::PathBuf,
    runner: Runner,
}

impl Actions {
    pub fn new(
        config: &Config,
        target: Target,
        demo: bool,
        oncall_cache: std::path::PathBuf,
    ) -> Self {
        Self {
            silencing: (!demo).then(|| (config.clone(), target.clone())),
            oncall_cache,
            runner: Runner::new(RunTarget {
                target,
                busy_timeout: config.busy_timeout,
            }),
        }
    }

    /// Carries out one effect for which [`Effect::is_action`] holds.
    pub fn handle(&mut self, effect: Effect, tx: &UnboundedSender<Msg>) {
        match effect {
            Effect::Silence(request) => match &self.silencing {
                Some((config, target)) => {
                    let (config, target, tx) = (config.clone(), target.clone(), tx.clone());
                    thread::spawn(move || {
                        let _ = tx.send(Msg::Silenced(make(&config, &target, &request)));
                    });
                }
                None => {
                    let _ = tx.send(Msg::Silenced(Err(
                        "the demo feed has no Alertmanager: nothing silenced".into(),
                    )));
                }
            },
            Effect::Unsilence(request) => match &self.silencing {
                Some((config, target)) => {
                    let (config, target, tx) = (config.clone(), target.clone(), tx.clone());
                    thread::spawn(move || {
                        let _ = tx.send(Msg::Unsilenced(expire(&config, &target, &request)));
                    });
                }
                None => {
                    let _ = tx.send(Msg::Unsilenced(Err(
                        "the demo feed has no Alertmanager: nothing expired".into(),
                    )));
                }
            },
            Effect::ListSilences(id) => match &self.silencing {
                Some((config, target)) => {
                    let (config, target, tx) = (config.clone(), target.clone(), tx.clone());
                    thread::spawn(move || {
                        let result = list(&config, &target, id);
                        let _ = tx.send(Msg::SilencesListed { id, result });
                    });
                }
                None => {
                    let _ = tx.send(Msg::SilencesListed {
                        id,
                        result: Err("the demo feed has no Alertmanager: no silences".into()),
                    });
                }
            },
            Effect::PageTeam(request) => match &self.silencing {
                Some((config, target)) => {
                    let (config, target, tx) = (config.clone(), target.clone(), tx.clone());
                    let cache = self.oncall_cache.clone();
                    thread::spawn(move || {
                        let _ = tx.send(Msg::Escalated(page(&config, &target, &cache, &request)));
                    });
                }
                None => {
                    let _ = tx.send(Msg::Escalated(Err(
                        "the demo feed has no Alertmanager: nobody paged".into(),
                    )));
                }
            },
            Effect::Run(run) => self.runner.start(*run, tx),
            Effect::InterruptRun => self.runner.interrupt(),
            _ => {}
        }
    }

    /// The TUI is ending: a running command is stopped and its ending logged.
    pub fn finish(self) {
        self.runner.finish();
    }
}

/// Pages one team (with who is on call by its schedule, read from the kept copy or
/// the feed) and records it.
fn page(
    config: &Config,
    target: &Target,
    cache: &std::path::Path,
    request: &crate::app::PageRequest,
) -> Result<String, String> {
    let now = truncate_to_millis(Utc::now());
    let rosters = crate::services::oncall::rosters(
        config,
        cache,
        now,
        now,
        now,
        crate::services::oncall::Fetch::IfMissing,
    );
    let team = rosters
        .teams
        .find(&request.team)
        .ok_or_else(|| format!("no team '{}'", sanitize_line(&request.team)))?;
    let on_call = match rosters.standing(team, now) {
        crate::domain::oncall::Standing::On { who, .. } => Some(who.name),
        crate::domain::oncall::Standing::Nobody { .. } => None,
    };
    let spec = rosters.teams.get(team).ok_or("no such team")?;
    let mut store = Store::connect(target, config.busy_timeout, false)
        .map_err(|e| format!("nobody paged: cannot open the database to record it: {e}"))?;
    crate::services::escalation::page_team(
        &mut store,
        config,
        request.incident,
        spec,
        on_call.as_deref(),
        request.why.as_deref(),
        &request.author,
        now,
    )
    .map(|entry| entry.text)
}

/// Makes each silence and records it; says what was made, or (`Err`) what was not
/// and why (with what was made, if anything was).
fn make(config: &Config, target: &Target, request: &SilenceRequest) -> Result<String, String> {
    let mut store = Store::connect(target, config.busy_timeout, false)
        .map_err(|e| format!("nothing silenced: cannot open the database to record it: {e}"))?;
    let comment = silence::comment(request.incident, &request.why).map_err(|e| e.to_string())?;
    let ends_shown = crate::format::time(request.ends, config.time_display);
    let (mut made, mut failed) = (Vec::new(), Vec::new());
    for alert in &request.alerts {
        let Some(source) = config.sources.iter().find(|s| s.name == alert.source) else {
            failed.push(format!(
                "{}: source '{}' is not configured",
                alert.name, alert.source
            ));
            continue;
        };
        let now = truncate_to_millis(Utc::now());
        let created = crate::sources::block_on(api::create(
            source,
            &alert.matchers,
            request.ends,
            &request.author,
            &comment,
            now,
        ))
        .and_then(|r| r.map_err(|e| e.cleaned().to_string()));
        let created = match created {
            Ok(created) => created,
            Err(why) => {
                failed.push(format!("{} on {}: {}", alert.name, source.name, why));
                continue;
            }
        };
        let text = silence::created_text(
            &created.id,
            &source.name,
            &alert.matchers,
            &ends_shown,
            &request.why,
        );
        match note(&mut store, request.incident, &request.author, &text) {
            Ok(()) => made.push(format!(
                "{} (silence {}{})",
                alert.name,
                created.id,
                // An HA pair gossips silences: say when a member did not show it.
                if created.not_seen_by.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; not yet visible on {} after 5s",
                        created.not_seen_by.join(", ")
                    )
                }
            )),
            Err(e) => failed.push(format!(
                "silence {} of {} was made on {} but could not be logged: {e}",
                created.id, alert.name, source.name
            )),
        }
    }
    let made_text = format!("silenced until {ends_shown}: {}", made.join(", "));
    outcome(!made.is_empty(), &made_text, &failed)
}

/// Records `text` as a note of `author` in the incident's timeline.
fn note(
    store: &mut Store,
    incident: crate::domain::IncidentId,
    author: &str,
    text: &str,
) -> Result<(), String> {
    let now = truncate_to_millis(Utc::now());
    let entry = NewEntry::typed(EntryKind::Note, author, text, now).map_err(|e| e.to_string())?;
    store
        .append_entry(incident, &entry)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What several acts came to: `done` alone is `Ok`; any failure is an `Err` that
/// names the failures first and what was done after them.
fn outcome(any_done: bool, done: &str, failed: &[String]) -> Result<String, String> {
    match (any_done, failed.is_empty()) {
        (_, true) => Ok(sanitize_line(done)),
        (false, false) => Err(sanitize_line(&failed.join("; "))),
        (true, false) => Err(sanitize_line(&format!("{}; {done}", failed.join("; ")))),
    }
}

/// The silences made for incident `id` (those its timeline, read here, records making)
/// in every Alertmanager source, as they are now.
fn list(
    config: &Config,
    target: &Target,
    id: crate::domain::IncidentId,
) -> Result<Vec<silence::Listed>, String> {
    let made = Store::connect(target, config.busy_timeout, true)
        .and_then(|mut store| store.load_incident(id))
        .map(|record| silence::made_ids(&record.timeline))
        .map_err(|e| format!("cannot read the incident's timeline: {e}"))?;
    let sources: Vec<&crate::sources::Source> = config.alertmanagers().collect();
    if sources.is_empty() {
        return Err("no Alertmanager source is configured: silences live in one".into());
    }
    let found = crate::sources::block_on(api::of_incident(&sources, id, &made))
        .map_err(|e| e.to_string())?
        .map_err(|(source, e)| {
            sanitize_line(&format!("source '{}': {}", source.name, e.cleaned()))
        })?;
    let prefix = silence::comment_prefix(id);
    Ok(found
        .into_iter()
        .map(|(source, s)| silence::Listed {
            why: s
                .comment
                .strip_prefix(&prefix)
                .unwrap_or(&s.comment)
                .trim()
                .to_string(),
            matchers: silence::shown(&s.matchers),
            id: s.id,
            source,
            state: s.status.state,
            ends_at: s.ends_at,
            created_by: s.created_by,
        })
        .collect())
}

/// Expires each silence and records it; says what was expired, or (`Err`) what was
/// not and why.
fn expire(config: &Config, target: &Target, request: &UnsilenceRequest) -> Result<String, String> {
    let mut store = Store::connect(target, config.busy_timeout, false)
        .map_err(|e| format!("nothing expired: cannot open the database to record it: {e}"))?;
    let (mut done, mut failed) = (Vec::new(), Vec::new());
    for (id, source_name) in &request.silences {
        let Some(source) = config.sources.iter().find(|s| &s.name == source_name) else {
            failed.push(format!(
                "silence {id}: source '{source_name}' is not configured"
            ));
            continue;
        };
        let expired = crate::sources::block_on(api::expire(source, id))
            .and_then(|r| r.map_err(|e| e.cleaned().to_string()));
        if let Err(why) = expired {
            failed.push(format!("silence {id} on {}: {why}", source.name));
            continue;
        }
        let text = silence::expired_text(id, &source.name);
        match note(&mut store, request.incident, &request.author, &text) {
            Ok(()) => done.push(text),
            Err(e) => failed.push(format!("{text} but could not be logged: {e}")),
        }
    }
    outcome(!done.is_empty(), &done.join("; "), &failed)
}

#[cfg(test)]
mod tests {
    use super::outcome;

    #[test]
    fn a_partial_outcome_is_an_error_that_says_what_was_done_too() {
        let failed = vec!["ChatSlow on us: 401".to_string()];
        assert_eq!(
            outcome(true, "silenced: RoomDown", &[]),
            Ok("silenced: RoomDown".into())
        );
        assert_eq!(
            outcome(false, "silenced: ", &failed),
            Err("ChatSlow on us: 401".into())
        );
        assert_eq!(
            outcome(true, "silenced: RoomDown", &failed),
            Err("ChatSlow on us: 401; silenced: RoomDown".into())
        );
    }
}
