//! What a template sees: plain data built from an incident, with times already
//! formatted in the reader's zone. Values stay unescaped here; escaping happens as
//! they are written into the document.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::alert::{AlertEvent, LinkedAlert};
use crate::domain::metrics::{logged_times, mitigated};
use crate::domain::parse::format_duration;
use crate::domain::slo::IncidentBudget;
use crate::domain::TimeDisplay;
use crate::domain::{EntryKind, FollowUp, Incident, Status, TimelineEntry};
use crate::format::{time, time_ms};

#[derive(Debug, Serialize)]
pub struct IncidentFields {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub drill: bool,
    pub summary: Option<String>,
    pub root_cause: Option<String>,
    pub release_related: String,
    pub rollback_performed: String,
    pub regions: Vec<String>,
    pub cohorts: Vec<String>,
    pub services: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Times {
    pub trigger: String,
    pub declared: String,
    pub mitigated: String,
    pub resolved: String,
    pub time_to_declare: String,
    pub time_to_mitigate: String,
    pub time_to_resolve: String,
    pub duration: String,
}

#[derive(Debug, Serialize)]
pub struct Line {
    pub at: String,
    pub author: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct TimelineRow {
    pub at: String,
    pub kind: String,
    pub author: String,
    pub text: String,
    pub amended: bool,
}

#[derive(Debug, Serialize)]
pub struct Roles {
    pub commander: String,
    pub comms_lead: Option<String>,
    /// Every role entry after the declaration: handovers of commander or comms lead.
    pub handovers: Vec<Line>,
}

#[derive(Debug, Serialize)]
pub struct FollowUpRow {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub state: String,
}

/// A linked alert: its name and links when the incident was declared from it live,
/// else just its fingerprint.
#[derive(Debug, Serialize)]
pub struct AlertRow {
    pub fingerprint: String,
    pub name: Option<String>,
    pub source: Option<String>,
    pub service: Option<String>,
    pub region: Option<String>,
    pub summary: Option<String>,
    pub started: Option<String>,
    /// Its last known state, from what the timeline logged about it.
    pub state: String,
    /// When it resolved (or stopped being reported), if it did.
    pub ended: Option<String>,
    pub runbook_url: Option<String>,
    pub generator_url: Option<String>,
}

/// The last thing the timeline logged about the alert `fingerprint`: the event and
/// when.
fn last_event(
    timeline: &[TimelineEntry],
    fingerprint: &str,
) -> Option<(AlertEvent, DateTime<Utc>)> {
    timeline
        .iter()
        .filter(|e| e.kind == EntryKind::Alert)
        .filter_map(|e| match AlertEvent::read(&e.text) {
            Some((event, fp)) if fp == fingerprint && event != AlertEvent::Matched => {
                Some((event, e.at))
            }
            _ => None,
        })
        .next_back()
}

/// An alert's last known state in words, and when it ended if it did.
fn alert_state(
    timeline: &[TimelineEntry],
    fingerprint: &str,
    tz: TimeDisplay,
) -> (String, Option<String>) {
    match last_event(timeline, fingerprint) {
        Some((AlertEvent::Resolved, at)) => ("resolved".into(), Some(time(at, tz))),
        Some((AlertEvent::NoLongerReported, at)) => (
            "no longer reported after its source was down, no resolution seen".into(),
            Some(time(at, tz)),
        ),
        Some((AlertEvent::FiringAgain, at)) => {
            (format!("firing again since {}", time(at, tz)), None)
        }
        Some((AlertEvent::Matched, _)) | None => (
            "firing when the incident was declared; no change logged since".into(),
            None,
        ),
    }
}

/// A command run for the incident (`sitrep run`, `/run`): what, when, how it ended.
#[derive(Debug, Serialize)]
pub struct CommandRow {
    pub at: String,
    pub command: String,
    /// `exited 0 after 1.2s`, `killed by SIGTERM (15) after 3.0s`, `could not start: …`.
    pub outcome: String,
    pub succeeded: bool,
}

/// A silence made for the incident, and whether it outlived it.
#[derive(Debug, Serialize)]
pub struct SilenceRow {
    pub at: String,
    pub id: String,
    pub source: String,
    pub until: String,
    /// The matchers and why, as the timeline recorded them.
    pub what: String,
    /// `expired at …`, `still in force when the incident was resolved (until …)`,
    /// `ended on its own at …`, or `in force (until …)` while open.
    pub state: String,
}

#[derive(Debug, Serialize)]
pub struct Postmortem {
    pub incident: IncidentFields,
    pub times: Times,
    pub tz: String,
    pub generated_at: String,
    pub roles: Roles,
    pub timeline: Vec<TimelineRow>,
    pub mitigations: Vec<Line>,
    pub comms: Vec<Line>,
    pub follow_ups: Vec<FollowUpRow>,
    pub alerts: Vec<AlertRow>,
    /// Commands run for the incident, with how each ended (not mitigation steps).
    pub commands: Vec<CommandRow>,
    pub silences: Vec<SilenceRow>,
    /// Pages sitrep sent and ended through Alertmanager.
    pub pages: Vec<Line>,
    /// Read from Prometheus for the SLOs of the incident's services; `None` when no
    /// SLO is configured, and the template asks for the figure.
    pub error_budget: Option<IncidentBudget>,
}

fn yes_no_unset(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "not assessed yet".into(),
    }
}

/// The first entry that speaks of a rollback (`rolled back room to v41`, `kubectl
/// rollout undo …`, a revert), for a postmortem whose "rollback performed" was left
/// unset: the draft points at it instead of saying nothing is known.
fn rollback_entry(timeline: &[TimelineEntry]) -> Option<&TimelineEntry> {
    const WORDS: [&str; 6] = [
        "roll back",
        "rolled back",
        "rollback",
        "rollout undo",
        "revert",
        "rolling back",
    ];
    timeline
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Mitigation | EntryKind::Note))
        .find(|e| {
            let text = e.text.to_lowercase();
            WORDS.iter().any(|w| text.contains(w))
        })
}

fn rollback_field(incident: &Incident, timeline: &[TimelineEntry], tz: TimeDisplay) -> String {
    match (incident.rollback_performed, rollback_entry(timeline)) {
        (None, Some(e)) => format!(
            "not assessed yet; the timeline records one at {}: \"{}\" (set it with `sitrep edit {} --rollback-performed yes`)",
            time(e.at, tz),
            e.text.lines().next().unwrap_or_default(),
            incident.id
        ),
        (value, _) => yes_no_unset(value),
    }
}

/// A silence's end as the timeline wrote it (`2026-11-24 03:04:05Z` or with an
/// offset), read back.
fn shown_time(text: &str) -> Option<DateTime<Utc>> {
    let text = match text.strip_suffix('Z') {
        Some(utc) => format!("{utc}+00:00"),
        None => text.to_string(),
    };
    DateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%:z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn silence_rows(
    incident: &Incident,
    timeline: &[TimelineEntry],
    tz: TimeDisplay,
) -> Vec<SilenceRow> {
    let mut rows = Vec::new();
    for entry in timeline {
        let Some((id, source, until)) = crate::domain::silence::made([entry.text.as_str()])
            .into_iter()
            .next()
        else {
            continue;
        };
        let expired = crate::domain::silence::expired_text(&id, &source);
        let expired_at = timeline.iter().find(|e| e.text == expired).map(|e| e.at);
        let ends = shown_time(&until);
        let resolved = incident
            .resolved_at
            .filter(|_| incident.status == Status::Resolved);
        let state = match (expired_at, ends, resolved) {
            (Some(at), _, Some(r)) if at > r => format!(
                "still in force when the incident was resolved; expired at {}",
                time(at, tz)
            ),
            (Some(at), _, _) => format!("expired at {}", time(at, tz)),
            (None, Some(end), Some(r)) if end <= r => {
                format!("ended on its own at {}", time(end, tz))
            }
            (None, _, Some(_)) => format!(
                "still in force when the incident was resolved (until {until}); expire it with `sitrep silence {} --expire {id}`",
                incident.id
            ),
            (None, _, None) => format!("in force (until {until})"),
        };
        let what = entry
            .text
            .split_once("): ")
            .map(|(_, what)| what.to_string())
            .unwrap_or_default();
        rows.push(SilenceRow {
            at: time(entry.at, tz),
            id,
            source,
            until,
            what,
            state,
        });
    }
    rows
}

fn incident_fields(i: &Incident) -> IncidentFields {
    IncidentFields {
        id: i.id.0,
        title: i.title.clone(),
        severity: i.severity.to_string(),
        status: i.status.to_string(),
        drill: i.drill,
        summary: i.summary.clone(),
        root_cause: i.root_cause.map(|c| c.to_string()),
        release_related: yes_no_unset(i.release_related),
        rollback_performed: yes_no_unset(i.rollback_performed),
        regions: i.regions.clone(),
        cohorts: i.cohorts.clone(),
        services: i.services.clone(),
    }
}

/// `UTC`, or `local time (UTC+01:00)`.
pub fn zone_name(tz: TimeDisplay, now: DateTime<Utc>) -> String {
    match tz {
        TimeDisplay::Utc => "UTC".into(),
        TimeDisplay::Local => format!(
            "local time (UTC{})",
            now.with_timezone(&chrono::Local).format("%:z")
        ),
    }
}

fn lines_of(timeline: &[TimelineEntry], kind: EntryKind, tz: TimeDisplay) -> Vec<Line> {
    timeline
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| Line {
            at: time(e.at, tz),
            author: e.signed_author(),
            text: e.text.clone(),
        })
        .collect()
}

/// The postmortem's data for `incident` as of `now`, times shown in `tz`.
pub fn postmortem(
    incident: &Incident,
    timeline: &[TimelineEntry],
    follow_ups: &[FollowUp],
    alerts: &[LinkedAlert],
    tz: TimeDisplay,
    now: DateTime<Utc>,
) -> Postmortem {
    let t = logged_times(incident, timeline, now);
    let span = |d: Option<Duration>| d.map(format_duration).unwrap_or_else(|| "—".into());
    let when = |d: Option<DateTime<Utc>>| d.map(|d| time(d, tz)).unwrap_or_else(|| "—".into());
    let today = now.date_naive();
    let commands = crate::domain::run::recorded(timeline);
    // A command run is not a mitigation step: it has a section of its own, with how
    // it ended (a failed one is no step that reduced the impact).
    let run_entries = crate::domain::run::entry_ids(&commands);
    let mut fields = incident_fields(incident);
    fields.rollback_performed = rollback_field(incident, timeline, tz);
    Postmortem {
        incident: fields,
        times: Times {
            trigger: time(incident.trigger_time, tz),
            declared: time(incident.declared_at, tz),
            mitigated: mitigated(incident, timeline).map_or_else(
                || "—".into(),
                |(at, by)| format!("{} ({})", time(at, tz), by.as_str()),
            ),
            resolved: if incident.status == Status::Resolved {
                when(incident.resolved_at)
            } else {
                format!("not yet ({})", incident.status)
            },
            time_to_declare: format_duration(t.time_to_declare),
            time_to_mitigate: span(t.time_to_mitigate),
            time_to_resolve: span(t.time_to_resolve),
            duration: format_duration(t.duration),
        },
        tz: zone_name(tz, now),
        generated_at: time(now, tz),
        roles: Roles {
            commander: incident.commander.clone(),
            comms_lead: incident.comms_lead.clone(),
            handovers: lines_of(timeline, EntryKind::Role, tz)
                .into_iter()
                .filter(|l| l.text.contains('→'))
                .collect(),
        },
        timeline: timeline
            .iter()
            .map(|e| TimelineRow {
                at: time_ms(e.at, tz),
                kind: e.kind.to_string(),
                author: e.signed_author(),
                text: e.text.clone(),
                amended: e.was_amended(),
            })
            .collect(),
        mitigations: timeline
            .iter()
            .filter(|e| e.kind == EntryKind::Mitigation && !run_entries.contains(&e.id))
            .map(|e| Line {
                at: time(e.at, tz),
                author: e.signed_author(),
                text: e.text.clone(),
            })
            .collect(),
        commands: commands
            .iter()
            .map(|c| CommandRow {
                at: time(c.started.at, tz),
                command: c.command.to_string(),
                outcome: c.outcome(),
                succeeded: c.succeeded(),
            })
            .collect(),
        silences: silence_rows(incident, timeline, tz),
        pages: timeline
            .iter()
            .filter(|e| {
                e.kind == EntryKind::Note && crate::domain::escalation::is_page_entry(&e.text)
            })
            .map(|e| Line {
                at: time(e.at, tz),
                author: e.signed_author(),
                text: e.text.clone(),
            })
            .collect(),
        comms: lines_of(timeline, EntryKind::Comms, tz),
        follow_ups: follow_ups
            .iter()
            .map(|f| FollowUpRow {
                id: f.id.0,
                title: f.title.clone(),
                owner: f.owner.clone(),
                due: f.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                state: if f.is_overdue(today) {
                    "overdue".into()
                } else if f.is_done() {
                    "done".into()
                } else {
                    "open".into()
                },
            })
            .collect(),
        alerts: incident
            .linked_alerts
            .iter()
            .map(|fp| {
                let known = alerts.iter().find(|a| a.fingerprint == *fp);
                let (state, ended) = alert_state(timeline, fp, tz);
                AlertRow {
                    state,
                    ended,
                    fingerprint: fp.clone(),
                    name: known.map(|a| a.name.clone()),
                    source: known.map(|a| a.source.clone()),
                    service: known.and_then(|a| a.service.clone()),
                    region: known.and_then(|a| a.region.clone()),
                    summary: known.and_then(|a| a.summary.clone()),
                    started: known.and_then(|a| a.starts_at).map(|t| time(t, tz)),
                    runbook_url: known.and_then(|a| a.runbook_url.clone()),
                    generator_url: known.and_then(|a| a.generator_url.clone()),
                }
            })
            .collect(),
        error_budget: None,
    }
}

#[derive(Debug, Serialize)]
pub struct CommsUpdate {
    pub id: i64,
    /// "Investigating", "Identified", "Monitoring", "Resolved".
    pub headline: String,
    /// The public title and impact; `None` makes the draft ask for them.
    pub title: Option<String>,
    pub impact: Option<String>,
    pub status_sentence: String,
    /// The comms lead's latest logged update, the words customers last read.
    pub latest: Option<String>,
    /// The incident's regions by their public names.
    pub regions: Vec<String>,
    /// Regions with no public name: left out, and the draft says so.
    pub unnamed_regions: usize,
    pub now: String,
    pub next_update: Option<String>,
}

/// The incident's regions by the names customers know them by, each once; a region
/// with no public name is left out.
fn public_region_names<'a>(
    incident: &Incident,
    public_regions: &'a std::collections::BTreeMap<String, String>,
) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for name in incident
        .regions
        .iter()
        .filter_map(|r| public_regions.get(r))
    {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names
}

/// The comms draft's data: what customers can be told about `incident` now, from
/// its public fields, `public_regions` and the latest comms update logged. No
/// promise of a next update once resolved.
pub fn comms_update(
    incident: &Incident,
    timeline: &[TimelineEntry],
    tz: TimeDisplay,
    now: DateTime<Utc>,
    next_update_in: Duration,
    public_regions: &std::collections::BTreeMap<String, String>,
) -> CommsUpdate {
    let (headline, sentence) = match incident.status {
        Status::Investigating => (
            "Investigating",
            "We are investigating reports of a problem and will share more as soon as we know it.",
        ),
        Status::Identified => (
            "Identified",
            "We have identified the cause of the problem and are working on a fix.",
        ),
        Status::Monitoring => (
            "Monitoring",
            "A fix is in place and we are watching closely to make sure the service has recovered.",
        ),
        Status::Resolved => (
            "Resolved",
            "The problem is resolved and the service is working normally. Thank you for your patience.",
        ),
    };
    let latest = timeline
        .iter()
        .rev()
        .find(|e| e.kind == EntryKind::Comms)
        .map(|e| e.text.clone());
    let regions = public_region_names(incident, public_regions)
        .into_iter()
        .map(str::to_string)
        .collect();
    CommsUpdate {
        id: incident.id.0,
        headline: headline.into(),
        title: incident.public_title.clone(),
        impact: incident.public_impact.clone(),
        status_sentence: sentence.into(),
        latest,
        unnamed_regions: incident
            .regions
            .iter()
            .filter(|r| !public_regions.contains_key(*r))
            .count(),
        regions,
        now: time(now, tz),
        next_update: (incident.status != Status::Resolved)
            .then(|| now.checked_add_signed(next_update_in))
            .flatten()
            .map(|at| time(at, tz)),
    }
}

/// What a webhook template sees of a comms update: the text as written and only the
/// incident's public fields (a status page is read by customers).
#[derive(Debug, Serialize)]
pub struct WebhookPost<'a> {
    pub text: &'a str,
    pub author: &'a str,
    /// RFC 3339, UTC.
    pub at: String,
    pub channel: &'a str,
    pub incident: WebhookIncident<'a>,
}

#[derive(Debug, Serialize)]
pub struct WebhookIncident<'a> {
    pub id: i64,
    pub public_title: Option<&'a str>,
    pub public_impact: Option<&'a str>,
    pub status: &'static str,
    pub severity: String,
    /// Public names from `[comms.regions]`; regions without one are left out.
    pub regions: Vec<&'a str>,
    pub drill: bool,
    /// `internal` or `public`, as the channel says.
    pub audience: &'static str,
    /// For an internal channel only (none for a public one): the incident's own
    /// title and commander.
    pub title: Option<&'a str>,
    pub commander: Option<&'a str>,
}

/// A webhook body's data for one comms update of `incident`.
pub fn webhook_post<'a>(
    incident: &'a Incident,
    text: &'a str,
    author: &'a str,
    at: DateTime<Utc>,
    channel: &'a str,
    public_regions: &'a std::collections::BTreeMap<String, String>,
    audience: crate::domain::outbox::Audience,
) -> WebhookPost<'a> {
    let internal = audience == crate::domain::outbox::Audience::Internal;
    let regions = public_region_names(incident, public_regions);
    WebhookPost {
        text,
        author,
        at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        channel,
        incident: WebhookIncident {
            id: incident.id.0,
            public_title: incident.public_title.as_deref(),
            public_impact: incident.public_impact.as_deref(),
            status: incident.status.as_str(),
            severity: incident.severity.to_string(),
            regions,
            drill: incident.drill,
            audience: audience.as_str(),
            title: internal.then_some(incident.title.as_str()),
            commander: internal.then_some(incident.commander.as_str()),
        },
    }
}

#[derive(Debug, Serialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize)]
pub struct ReviewDocument<'a> {
    pub review: &'a crate::domain::review::Review,
    pub period: Period,
    /// "67%", or none when nothing was due.
    pub closure: Option<String>,
    pub generated_at: String,
}

/// The review's data for its template, times in `tz`.
pub fn review_document(
    review: &crate::domain::review::Review,
    tz: TimeDisplay,
    now: DateTime<Utc>,
) -> ReviewDocument<'_> {
    ReviewDocument {
        review,
        period: Period {
            from: time(review.from, tz),
            to: time(review.to, tz),
        },
        closure: review
            .follow_ups
            .closure_rate
            .map(|r| format!("{:.0}%", r * 100.0)),
        generated_at: time(now, tz),
    }
}
