//! After a lifecycle change (declare, severity, status, resolve) from the CLI or the
//! TUI: page or end the page as the incident now stands, and record it in the
//! timeline. A failure is recorded too, and returned to be said loudly.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::escalation::{self, Paging};
use crate::domain::{IncidentId, NewEntry};
use crate::sources::Source;
use crate::store::Store;

/// What escalation did after a change, for the person who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Paged(String),
    Ended(String),
    /// Loud: nobody was paged (or the page could not be ended).
    Failed(String),
}

/// What escalation did, and the timeline entry that records it (when it could be
/// written).
#[derive(Debug, Clone)]
pub struct Escalated {
    pub outcome: Outcome,
    pub entry: Option<crate::domain::TimelineEntry>,
}

/// The labels of the teams owning the incident's services, for its P1 page.
fn owners_labels(
    config: &Config,
    incident: &crate::domain::Incident,
) -> std::collections::BTreeMap<String, String> {
    let teams = &config.review.quality.teams;
    teams.page_labels(&teams.owners_of_services(&incident.services))
}

fn source(config: &Config) -> Option<&Source> {
    let mut alertmanagers = config.alertmanagers();
    match &config.escalation.source {
        Some(name) => alertmanagers.find(|s| &s.name == name),
        None => alertmanagers.next(),
    }
}

/// Pages for incident `id` as it now stands; `None` when there is nothing to do (a P2
/// never paged, escalation turned off, a page already firing).
pub fn after_change(
    store: &mut Store,
    config: &Config,
    id: IncidentId,
    author: &str,
    now: DateTime<Utc>,
) -> Option<Escalated> {
    if !config.escalation.enabled {
        return None;
    }
    // A failed read must not mean "nobody paged" in silence: it is said like every
    // other failure on the paging path (it cannot be logged: the store just failed).
    let record = match store.load_incident(id) {
        Ok(record) => record,
        Err(e) => {
            tracing::warn!(
                incident = id.0,
                "escalation could not read the incident: {e}"
            );
            return Some(Escalated {
                outcome: Outcome::Failed(format!(
                    "escalation could not read incident {id} to decide whether to page ({e}); if it is a P1, nobody was paged by sitrep: page the on-call yourself"
                )),
                entry: None,
            });
        }
    };
    escalate(store, config, &record, author, now, true)
}

/// For `sitrep watch`: ends the page of every incident that is no longer an open
/// P1 while its page still fires (resolved or downgraded when the Alertmanager did
/// not answer, or by a sitrep that pages nobody). A failure is logged in the
/// incident's timeline the first time only (`failed` remembers), then tried again
/// quietly at each call.
pub fn end_stale_pages(
    store: &mut Store,
    config: &Config,
    author: &str,
    now: DateTime<Utc>,
    failed: &mut std::collections::HashSet<IncidentId>,
) -> Result<Vec<Escalated>, crate::store::StoreError> {
    if !config.escalation.enabled {
        return Ok(Vec::new());
    }
    let mut done = Vec::new();
    for incident in store.list_incidents(false)? {
        let still_pageable =
            incident.severity == crate::domain::Severity::P1 && incident.status.is_open();
        // A page lasts PAGE_LASTS at most: one older than that ended on its own.
        let recent = incident
            .resolved_at
            .is_none_or(|at| now - at < escalation::PAGE_LASTS);
        if incident.drill || still_pageable || !recent {
            continue;
        }
        let record = store.load_incident(incident.id)?;
        if !matches!(
            escalation::decide(&record.incident, &record.timeline),
            Some((Paging::End, true))
        ) {
            continue;
        }
        let first_try = !failed.contains(&incident.id);
        if let Some(outcome) = escalate(store, config, &record, author, now, first_try) {
            match outcome.outcome {
                Outcome::Failed(_) => {
                    failed.insert(incident.id);
                }
                _ => {
                    failed.remove(&incident.id);
                }
            }
            done.push(outcome);
        }
    }
    Ok(done)
}

/// Pages or ends the page as `record` now stands, and logs it (a failure only when
/// `log_failure`: it is returned either way).
fn escalate(
    store: &mut Store,
    config: &Config,
    record: &crate::domain::IncidentRecord,
    author: &str,
    now: DateTime<Utc>,
    log_failure: bool,
) -> Option<Escalated> {
    let id = record.incident.id;
    let (paging, news) = escalation::decide(&record.incident, &record.timeline)?;
    let result = match source(config) {
        None => Err(
            "no Alertmanager source to page through (add one to [[sources]], or set [escalation] enabled = false)"
                .to_string(),
        ),
        Some(source) => crate::sources::block_on(crate::sources::escalation::post(
            source,
            &escalation::labels(
                &record.incident,
                &config.escalation.page,
                &owners_labels(config, &record.incident),
            ),
            &escalation::annotations(&record.incident),
            escalation::generator_url(&record.incident, &config.escalation.page).as_deref(),
            record.incident.declared_at,
            escalation::ends_at(paging, now),
            paging == Paging::End && escalation::ends_every_page(&record.incident),
        ))
        .and_then(|posted| {
            posted
                .map(|_| source.name.clone())
                .map_err(|e| format!("Alertmanager '{}': {e}", source.name))
        }),
    };
    let (text, outcome) = match result {
        Ok(name) => {
            let text =
                escalation::done_text(paging, &name, &record.incident, &config.escalation.page);
            if !news {
                return None;
            }
            let outcome = match paging {
                Paging::Fire => Outcome::Paged(text.clone()),
                Paging::End => Outcome::Ended(text.clone()),
            };
            (text, outcome)
        }
        Err(why) => {
            tracing::warn!(incident = id.0, "escalation failed: {why}");
            let text = escalation::failed_text(paging, &why);
            if !log_failure {
                return Some(Escalated {
                    outcome: Outcome::Failed(text),
                    entry: None,
                });
            }
            (text.clone(), Outcome::Failed(text))
        }
    };
    let entry = NewEntry::escalation(text, author, now);
    match store.append_entry(id, &entry) {
        Ok(stored) => Some(Escalated {
            outcome,
            entry: Some(stored),
        }),
        Err(e) => Some(Escalated {
            outcome: Outcome::Failed(format!(
                "{}; and it could not be logged: {e}",
                match &outcome {
                    Outcome::Paged(t) | Outcome::Ended(t) | Outcome::Failed(t) => t,
                }
            )),
            entry: None,
        }),
    }
}

/// Pages one team for incident `id` (`/page TEAM`, `sitrep page`): a page with the
/// team's labels, through the escalation's Alertmanager, recorded with who is on
/// call. `on_call` is who the schedule says holds the pager now.
#[allow(clippy::too_many_arguments)]
pub fn page_team(
    store: &mut Store,
    config: &Config,
    id: IncidentId,
    team: &crate::domain::oncall::Team,
    on_call: Option<&str>,
    why: Option<&str>,
    author: &str,
    now: DateTime<Utc>,
) -> Result<crate::domain::TimelineEntry, String> {
    let record = store
        .load_incident(id)
        .map_err(|e| format!("cannot read incident {id}: {e}"))?;
    let incident = &record.incident;
    if incident.drill {
        return Err(format!("#{id} is a drill: a drill pages nobody"));
    }
    if !incident.status.is_open() {
        return Err(format!("#{id} is resolved: there is nothing to page for"));
    }
    let source = source(config).ok_or(
        "no Alertmanager source to page through (add one to [[sources]]); page the team yourself",
    )?;
    let labels =
        escalation::team_labels(incident, &config.escalation.page, &team.name, &team.labels);
    crate::sources::block_on(crate::sources::escalation::post(
        source,
        &labels,
        &escalation::team_annotations(incident, &team.name, why),
        escalation::generator_url(incident, &config.escalation.page).as_deref(),
        now,
        escalation::ends_at(Paging::Fire, now),
        false,
    ))
    .and_then(|posted| posted.map_err(|e| format!("Alertmanager '{}': {e}", source.name)))
    .map_err(|why| {
        format!(
            "paging team '{}' failed: {}; nobody was paged by sitrep: page them yourself",
            team.name,
            crate::domain::text::sanitize_line(&why)
        )
    })?;
    let text = escalation::team_paged_text(&team.name, &source.name, incident, on_call, why);
    store
        .append_entry(id, &NewEntry::escalation(text, author, now))
        .map_err(|e| {
            format!(
                "team '{}' was paged, but it could not be logged: {e}",
                team.name
            )
        })
}
