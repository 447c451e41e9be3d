//! P1 means immediate escalation (the playbook's rule): while an incident is P1 and
//! open, a `SitrepIncident` alert fires in the team's Alertmanager, so the routes the
//! team already has page the right people; it ends on resolve or downgrade. This
//! decides what to post and what the timeline says; posting is `sources::escalation`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::text::sanitize_line;
use super::{EntryKind, Incident, Severity, TimelineEntry};

pub const ALERT_NAME: &str = "SitrepIncident";
/// How long a page lasts without being posted again: past any incident's length, so
/// it ends when sitrep ends it, not on its own.
pub const PAGE_LASTS: Duration = Duration::days(7);

const PAGED: &str = "paged through Alertmanager";
const PAGE_ENDED: &str = "page ended through Alertmanager";
const FAILED: &str = "escalation failed";
const TEAM_PAGED: &str = "paged team";

/// How sitrep's page is labelled for the team's routes and receivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOptions {
    /// Labels set on the page beside sitrep's own (`alertname`, `incident`,
    /// `service`, `region`); by default `severity="critical"`, which PagerDuty's
    /// and Opsgenie's receivers take as it is.
    pub labels: BTreeMap<String, String>,
    /// Where a receiver links back to (the runbook, the status page); `{incident}`
    /// is replaced by the incident's number. None: no link.
    pub generator_url: Option<String>,
}

impl Default for PageOptions {
    fn default() -> Self {
        Self {
            labels: BTreeMap::from([("severity".to_string(), "critical".to_string())]),
            generator_url: None,
        }
    }
}

/// Labels a team cannot set on the page: they are how sitrep finds its own page.
pub const OWN_LABELS: [&str; 3] = ["alertname", "incident", TEAM_PAGE];
/// The label a page for one team carries (its name): `/page TEAM`, apart from the
/// P1 page, ended on resolve.
pub const TEAM_PAGE: &str = "sitrep_team";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Post the alert firing (again: posting it is idempotent).
    Fire,
    /// Post it ended.
    End,
}

/// Whether an entry's text is sitrep paging, ending a page, or failing to.
pub fn is_page_entry(text: &str) -> bool {
    text.starts_with(PAGED)
        || text.starts_with(PAGE_ENDED)
        || text.starts_with(FAILED)
        || text.starts_with(TEAM_PAGED)
}

/// Whether a team was paged (`/page TEAM`) since the last page ended: resolving
/// ends those pages too.
pub fn team_pages_open(timeline: &[TimelineEntry]) -> bool {
    timeline
        .iter()
        .rev()
        .filter(|e| e.kind == EntryKind::Note)
        .find_map(|e| {
            if e.text.starts_with(TEAM_PAGED) {
                Some(true)
            } else if e.text.starts_with(PAGE_ENDED) {
                Some(false)
            } else {
                None
            }
        })
        .unwrap_or(false)
}

/// What to do after a change: whether to page, and whether that is news for the
/// timeline (firing already is not, ending is).
pub fn decide(incident: &Incident, timeline: &[TimelineEntry]) -> Option<(Paging, bool)> {
    // A drill pages nobody.
    if incident.drill {
        return None;
    }
    let paging_now = timeline
        .iter()
        .rev()
        .filter(|e| e.kind == EntryKind::Note)
        .find_map(|e| {
            if e.text.starts_with(PAGED) {
                Some(true)
            } else if e.text.starts_with(PAGE_ENDED) {
                Some(false)
            } else {
                None
            }
        })
        .unwrap_or(false);
    if incident.severity == Severity::P1 && incident.status.is_open() {
        Some((Paging::Fire, !paging_now))
    } else if paging_now || (!incident.status.is_open() && team_pages_open(timeline)) {
        Some((Paging::End, true))
    } else {
        None
    }
}

/// Whether ending the page ends every page of the incident (the teams' too): on
/// resolve; a downgrade ends only the P1 page.
pub fn ends_every_page(incident: &Incident) -> bool {
    !incident.status.is_open()
}

/// The labels of a page for one team: the incident's, the team's routing labels,
/// and which team it is for.
pub fn team_labels(
    incident: &Incident,
    options: &PageOptions,
    team: &str,
    team_labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = labels(incident, options, team_labels);
    labels.insert(TEAM_PAGE.to_string(), sanitize_line(team));
    labels
}

pub fn team_annotations(
    incident: &Incident,
    team: &str,
    why: Option<&str>,
) -> BTreeMap<String, String> {
    let mut a = annotations(incident);
    a.insert(
        "summary".into(),
        format!(
            "{} incident #{} pages team {}: {}",
            incident.severity,
            incident.id,
            sanitize_line(team),
            sanitize_line(&incident.title)
        ),
    );
    if let Some(why) = why.map(str::trim).filter(|w| !w.is_empty()) {
        a.insert("description".into(), sanitize_line(why));
    }
    a
}

/// The timeline's words for a team paged: through which Alertmanager, who is on
/// call (as the schedule says), and why.
pub fn team_paged_text(
    team: &str,
    source: &str,
    incident: &Incident,
    on_call: Option<&str>,
    why: Option<&str>,
) -> String {
    format!(
        "{TEAM_PAGED} '{}' through Alertmanager '{}' for #{}{}{}",
        sanitize_line(team),
        sanitize_line(source),
        incident.id,
        on_call
            .map(|w| format!(" (on call: {})", sanitize_line(w)))
            .unwrap_or_default(),
        why.map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| format!(": {}", sanitize_line(w)))
            .unwrap_or_default()
    )
}

/// The incident a `SitrepIncident` alert pages for: sitrep's own page is that
/// incident's, never an unlinked P1 and never news for another incident.
pub fn paged_incident(alert: &super::alert::Alert) -> Option<super::IncidentId> {
    if alert.name != ALERT_NAME {
        return None;
    }
    alert
        .labels
        .get("incident")
        .and_then(|id| id.parse().ok())
        .map(super::IncidentId)
}

/// Labels of the alert: what routes it (and identifies it).
/// `owners`: the owning teams' labels, so the team's routes take the page.
pub fn labels(
    incident: &Incident,
    options: &PageOptions,
    owners: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    if !incident.services.is_empty() {
        labels.insert("service".into(), incident.services.join(","));
    }
    if !incident.regions.is_empty() {
        labels.insert("region".into(), incident.regions.join(","));
    }
    for (name, value) in options.labels.iter().chain(owners) {
        if !OWN_LABELS.contains(&name.as_str()) {
            labels.insert(name.clone(), value.clone());
        }
    }
    labels.insert("alertname".to_string(), ALERT_NAME.to_string());
    labels.insert("incident".to_string(), incident.id.0.to_string());
    labels
}

/// The page's link back (`generatorURL`), if the team configured one.
pub fn generator_url(incident: &Incident, options: &PageOptions) -> Option<String> {
    options
        .generator_url
        .as_ref()
        .map(|url| url.replace("{incident}", &incident.id.0.to_string()))
}

pub fn annotations(incident: &Incident) -> BTreeMap<String, String> {
    let mut a = BTreeMap::from([
        (
            "summary".to_string(),
            format!(
                "P1 incident #{}: {}",
                incident.id,
                sanitize_line(&incident.title)
            ),
        ),
        ("title".to_string(), sanitize_line(&incident.title)),
        ("commander".to_string(), sanitize_line(&incident.commander)),
    ]);
    if let Some(lead) = &incident.comms_lead {
        a.insert("comms_lead".into(), sanitize_line(lead));
    }
    a
}

/// When the posted alert ends: far ahead while paging, now when ending.
pub fn ends_at(paging: Paging, now: DateTime<Utc>) -> DateTime<Utc> {
    match paging {
        Paging::Fire => now + PAGE_LASTS,
        Paging::End => now,
    }
}

pub fn done_text(
    paging: Paging,
    source: &str,
    incident: &Incident,
    options: &PageOptions,
) -> String {
    match paging {
        Paging::Fire => format!(
            "{PAGED} '{}': {ALERT_NAME}{} for #{} (P1)",
            sanitize_line(source),
            options
                .labels
                .get("severity")
                .map(|s| format!(" severity=\"{}\"", sanitize_line(s)))
                .unwrap_or_default(),
            incident.id
        ),
        Paging::End => format!(
            "{PAGE_ENDED} '{}' (#{} is {} {})",
            sanitize_line(source),
            incident.id,
            incident.severity,
            incident.status
        ),
    }
}

pub fn failed_text(paging: Paging, why: &str) -> String {
    match paging {
        Paging::Fire => format!(
            "{FAILED}: {}; nobody was paged by sitrep: page the on-call yourself",
            sanitize_line(why)
        ),
        Paging::End => format!(
            "{FAILED} to end the page: {}; it ends on its own in 7 days",
            sanitize_line(why)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Declaration, IncidentId, NewIncident, Status};

    fn p1() -> Incident {
        NewIncident::declare(
            Declaration {
                title: "Stream starts failing".into(),
                severity: Some(Severity::P1),
                regions: vec!["eu-west".into()],
                services: vec!["room".into()],
                comms_lead: Some("carol".into()),
                ..Declaration::default()
            },
            "alice",
            DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
        )
        .unwrap()
        .into_incident(IncidentId(4))
    }

    fn note(text: &str) -> TimelineEntry {
        TimelineEntry {
            id: crate::domain::EntryId(1),
            incident_id: IncidentId(4),
            at: DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            author: "alice".into(),
            kind: EntryKind::Note,
            text: text.into(),
            revisions: Vec::new(),
            db_role: None,
        }
    }

    #[test]
    fn a_p1_pages_once_and_ends_on_resolve_or_downgrade() {
        let mut i = p1();
        assert_eq!(decide(&i, &[]), Some((Paging::Fire, true)));
        let paged = note(&done_text(
            Paging::Fire,
            "prod",
            &i,
            &PageOptions::default(),
        ));
        assert_eq!(
            decide(&i, std::slice::from_ref(&paged)),
            Some((Paging::Fire, false)),
            "refresh, not news"
        );
        i.severity = Severity::P2;
        assert_eq!(
            decide(&i, std::slice::from_ref(&paged)),
            Some((Paging::End, true))
        );
        let ended = note(&done_text(Paging::End, "prod", &i, &PageOptions::default()));
        assert_eq!(decide(&i, &[paged.clone(), ended.clone()]), None);
        i.severity = Severity::P1;
        i.status = Status::Resolved;
        assert_eq!(
            decide(&i, std::slice::from_ref(&paged)),
            Some((Paging::End, true))
        );
        // A drill pages nobody.
        let mut drill = p1();
        drill.drill = true;
        assert_eq!(decide(&drill, &[]), None);
        // A P2 never paged: nothing to end.
        let mut p2 = p1();
        p2.severity = Severity::P2;
        assert_eq!(decide(&p2, &[]), None);
        // A failure is not a page: the next change tries again, as news.
        let failed = note(&failed_text(Paging::Fire, "cannot connect"));
        assert_eq!(decide(&p1(), &[failed]), Some((Paging::Fire, true)));
    }

    #[test]
    fn resolving_ends_team_pages_and_a_downgrade_keeps_them() {
        let mut i = p1();
        i.severity = Severity::P2;
        let team = note(&team_paged_text(
            "room",
            "prod",
            &i,
            Some("alice"),
            Some("db is slow"),
        ));
        assert!(
            team.text.contains("(on call: alice): db is slow"),
            "{}",
            team.text
        );
        assert_eq!(
            decide(&i, std::slice::from_ref(&team)),
            None,
            "open P2: pages stay"
        );
        i.status = Status::Resolved;
        assert_eq!(
            decide(&i, std::slice::from_ref(&team)),
            Some((Paging::End, true))
        );
        assert!(ends_every_page(&i));
        let ended = note(&done_text(Paging::End, "prod", &i, &PageOptions::default()));
        assert_eq!(decide(&i, &[team.clone(), ended]), None);
        let l = team_labels(
            &i,
            &PageOptions::default(),
            "room",
            &BTreeMap::from([("team".to_string(), "room".to_string())]),
        );
        assert_eq!(l[TEAM_PAGE], "room");
        assert_eq!(l["team"], "room");
        assert_eq!(l["severity"], "critical");
    }

    #[test]
    fn the_alert_carries_the_incident() {
        let i = p1();
        let l = labels(&i, &PageOptions::default(), &BTreeMap::new());
        assert_eq!(l["alertname"], "SitrepIncident");
        assert_eq!(l["severity"], "critical");
        assert_eq!(l["incident"], "4");
        assert_eq!(l["service"], "room");
        assert_eq!(l["region"], "eu-west");
        let a = annotations(&i);
        assert_eq!(a["commander"], "alice");
        assert_eq!(a["comms_lead"], "carol");
        assert_eq!(a["summary"], "P1 incident #4: Stream starts failing");
    }

    #[test]
    fn a_team_labels_its_page_but_cannot_hide_whose_it_is() {
        let i = p1();
        let options = PageOptions {
            labels: BTreeMap::from([
                ("severity".to_string(), "error".to_string()),
                ("team".to_string(), "sre".to_string()),
                ("incident".to_string(), "99".to_string()),
                ("alertname".to_string(), "Other".to_string()),
            ]),
            generator_url: Some("https://status.example.com/incidents/{incident}".into()),
        };
        let l = labels(&i, &options, &BTreeMap::new());
        assert_eq!(l["severity"], "error");
        assert_eq!(l["team"], "sre");
        assert_eq!(l["incident"], "4");
        assert_eq!(l["alertname"], "SitrepIncident");
        assert_eq!(
            generator_url(&i, &options).as_deref(),
            Some("https://status.example.com/incidents/4")
        );
        assert_eq!(generator_url(&i, &PageOptions::default()), None);
        assert!(done_text(Paging::Fire, "prod", &i, &options).contains("severity=\"error\""));
    }
}
