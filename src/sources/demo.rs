//! The built-in demo feed: a simulated live-streaming platform whose alerts fire,
//! escalate and resolve over a ten-minute loop. The scenario is data
//! (`assets/demo-scenario.toml`); what is firing is a pure function of the scenario,
//! the seed and the time since the feed started, so a seed replays exactly.
//! Its source is named `DEMO` so it is never mistaken for a real backend.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::{Snapshot, SourceKind};
use crate::domain::alert::{
    normalize, sort_for_display, Alert, AlertState, LabelMapping, RawAlert,
};
use crate::domain::parse::parse_duration;
use crate::domain::slo::{status, Objective, Ratio, SloStatus};

/// The source name every demo alert carries.
pub const DEMO_SOURCE: &str = "DEMO";

const SCENARIO: &str = include_str!("../../assets/demo-scenario.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(rename = "loop")]
    loop_length: String,
    jitter: f64,
    alerts: Vec<ScenarioAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioAlert {
    name: String,
    service: String,
    region: String,
    slo: Option<String>,
    summary: String,
    description: Option<String>,
    runbook: Option<String>,
    fires: String,
    severity: String,
    escalates: Option<String>,
    resolves: Option<String>,
    #[serde(default)]
    silenced: bool,
}

/// One alert's timeline within the loop, after the seed's jitter.
#[derive(Debug, Clone)]
struct Script {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    severity: String,
    fires: Duration,
    escalates: Option<Duration>,
    resolves: Option<Duration>,
    silenced: bool,
}

/// The demo feed, started at `started`.
#[derive(Debug, Clone)]
pub struct DemoFeed {
    scripts: Vec<Script>,
    loop_length: Duration,
    started: DateTime<Utc>,
    seed: u64,
}

/// A small deterministic generator (xorshift64*), enough for repeatable jitter.
fn next(state: &mut u64) -> f64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}

impl DemoFeed {
    /// The built-in scenario played with `seed`, starting at `started`.
    pub fn new(seed: u64, started: DateTime<Utc>) -> Result<Self, String> {
        Self::from_scenario(SCENARIO, seed, started)
    }

    fn from_scenario(text: &str, seed: u64, started: DateTime<Utc>) -> Result<Self, String> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| format!("demo scenario: {e}"))?;
        let duration = |raw: &str| parse_duration(raw).map_err(|e| format!("demo scenario: {e}"));
        let loop_length = duration(&file.loop_length)?;
        let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut shift = |d: Duration| {
            let factor = 1.0 + file.jitter * (2.0 * next(&mut rng) - 1.0);
            Duration::milliseconds((d.num_milliseconds() as f64 * factor) as i64)
        };
        let mut scripts = Vec::new();
        for a in file.alerts {
            let mut labels = BTreeMap::from([
                ("alertname".to_string(), a.name.clone()),
                ("sloth_service".to_string(), a.service.clone()),
                ("region".to_string(), a.region.clone()),
            ]);
            if let Some(slo) = &a.slo {
                labels.insert("sloth_slo".into(), slo.clone());
            }
            let mut annotations = BTreeMap::from([("summary".to_string(), a.summary.clone())]);
            if let Some(d) = &a.description {
                annotations.insert("description".into(), d.clone());
            }
            if let Some(r) = &a.runbook {
                annotations.insert("runbook_url".into(), r.clone());
            }
            scripts.push(Script {
                labels,
                annotations,
                severity: a.severity.clone(),
                fires: shift(duration(&a.fires)?),
                escalates: a
                    .escalates
                    .as_deref()
                    .map(duration)
                    .transpose()?
                    .map(&mut shift),
                resolves: a
                    .resolves
                    .as_deref()
                    .map(duration)
                    .transpose()?
                    .map(&mut shift),
                silenced: a.silenced,
            });
        }
        Ok(Self {
            scripts,
            loop_length,
            started,
            seed,
        })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The feed every sitrep process plays for `seed`: started at the top of the
    /// current hour, so the CLI and the TUI show the same moment of the scenario; or,
    /// with `at` (`--demo-at`), that far into its loop now (to show a given moment).
    pub fn shared(seed: u64, now: DateTime<Utc>, at: Option<Duration>) -> Result<Self, String> {
        let started = match at {
            Some(at) => now - at,
            None => {
                let hour = now.timestamp() - now.timestamp().rem_euclid(3600);
                DateTime::from_timestamp(hour, 0).unwrap_or(now)
            }
        };
        Self::new(seed, started)
    }

    /// Simulated SLO figures at `now`, one per scenario SLO and region: a paging
    /// alert burns about 16x, a ticket about 4x, a quiet SLO about a quarter of its
    /// budget rate; the budget left drifts with the seed.
    pub fn slo_statuses(&self, now: DateTime<Utc>, mapping: &LabelMapping) -> Vec<SloStatus> {
        let firing = self.alerts_at(now, mapping);
        let mut out: Vec<SloStatus> = Vec::new();
        for (n, script) in self.scripts.iter().enumerate() {
            let (Some(slo), Some(service), Some(region)) = (
                script.labels.get("sloth_slo"),
                script.labels.get("sloth_service"),
                script.labels.get("region"),
            ) else {
                continue;
            };
            let live = firing
                .iter()
                .find(|a| a.slo.as_deref() == Some(slo) && a.region.as_deref() == Some(region));
            let burn = match live.and_then(|a| a.severity) {
                Some(crate::domain::Severity::P1) => 16.0,
                Some(crate::domain::Severity::P2) => 4.0,
                None => 0.25,
            };
            let objective = Objective {
                name: slo.clone(),
                service: service.clone(),
                objective: 99.5,
                window: "30d".into(),
            };
            let mut rng = self.seed ^ (n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let spent = 0.2 + 0.6 * next(&mut rng);
            let budget = objective.budget();
            out.push(status(&objective, region, |window| {
                Ratio::Value(if window == "30d" {
                    spent * budget
                } else {
                    burn * budget
                })
            }));
        }
        out
    }

    /// The error budget a demo incident burned, as its SLO strip shows the burn: for
    /// each scenario SLO of the incident's services (in its regions, or all), the
    /// simulated burn rate at the incident's end over the time from its trigger.
    /// Said to be simulated, so no reader takes it for Prometheus' figure.
    pub fn incident_budget(
        &self,
        incident: &crate::domain::Incident,
        alerts: &[crate::domain::alert::LinkedAlert],
        now: DateTime<Utc>,
        mapping: &LabelMapping,
    ) -> crate::domain::slo::IncidentBudget {
        use crate::domain::slo::{budget_burned, IncidentBudget, PeriodData};
        let services = incident.affected_services(alerts);
        let end = match incident.resolved_at {
            Some(at) if incident.status == crate::domain::Status::Resolved => at,
            _ => now,
        };
        let period_secs = (end - incident.trigger_time).num_seconds().max(60) as f64;
        let statuses: Vec<SloStatus> = self
            .slo_statuses(end, mapping)
            .into_iter()
            .filter(|s| services.contains(&s.service))
            // The scenario's SLOs exist in some regions only: one elsewhere is not
            // this incident's (Prometheus would be asked, and say so; the demo knows).
            .filter(|s| incident.regions.is_empty() || incident.regions.contains(&s.region))
            .collect();
        if statuses.is_empty() {
            return IncidentBudget::no_matching_slo(incident.id.0, &services);
        }
        let burns = statuses
            .iter()
            .map(|status| {
                let objective = Objective {
                    name: status.slo.clone(),
                    service: status.service.clone(),
                    objective: status.objective,
                    window: "30d".into(),
                };
                let burn = status.burn_1h.unwrap_or(0.0);
                let mut b = budget_burned(
                    &objective,
                    &status.region,
                    PeriodData {
                        ratio: Ratio::Value(burn * objective.budget()),
                        covered_minutes: Some((period_secs / 60.0) as u64),
                        nan_minutes: 0,
                    },
                    period_secs,
                    30.0 * 86_400.0,
                );
                b.coverage = format!("{}; simulated by the DEMO feed at {burn}x", b.coverage);
                b
            })
            .collect();
        IncidentBudget::of_incident(&incident.regions, burns, Vec::new())
    }

    /// The feed's alerts at `now` as a source snapshot.
    pub fn snapshot(&self, now: DateTime<Utc>, mapping: &LabelMapping) -> Snapshot {
        Snapshot {
            source: DEMO_SOURCE.to_string(),
            kind: SourceKind::Demo,
            alerts: self
                .alerts_at(now, mapping)
                .into_iter()
                .map(std::sync::Arc::new)
                .collect(),
            skipped: 0,
            member_errors: Vec::new(),
            fetched_at: now,
            latency_ms: 0,
            raw: Vec::new(),
        }
    }

    /// What is firing at `now`: P1 first, each alert labelled with the `DEMO` source.
    pub fn alerts_at(&self, now: DateTime<Utc>, mapping: &LabelMapping) -> Vec<Alert> {
        let elapsed = now - self.started;
        let loop_ms = self.loop_length.num_milliseconds().max(1);
        let round = elapsed.num_milliseconds().max(0) / loop_ms;
        let in_loop = Duration::milliseconds(elapsed.num_milliseconds().max(0) % loop_ms);
        let loop_start = self.started + Duration::milliseconds(round * loop_ms);
        let mut out: Vec<Alert> = self
            .scripts
            .iter()
            .filter(|s| s.fires <= in_loop && s.resolves.is_none_or(|r| in_loop < r))
            .map(|s| {
                let mut labels = s.labels.clone();
                let escalated = s.escalates.is_some_and(|e| e <= in_loop);
                labels.insert(
                    "sloth_severity".into(),
                    if escalated {
                        "page".into()
                    } else {
                        s.severity.clone()
                    },
                );
                let raw = RawAlert {
                    fingerprint: String::new(),
                    starts_at: Some(loop_start + s.fires),
                    state: Some(if s.silenced {
                        AlertState::Silenced
                    } else {
                        AlertState::Firing
                    }),
                    silenced_by: if s.silenced {
                        vec!["demo-silence".into()]
                    } else {
                        Vec::new()
                    },
                    generator_url: None,
                    annotations: s.annotations.clone(),
                    // The loop round is part of the identity: a new round fires anew.
                    labels: {
                        labels.insert("demo_round".into(), round.to_string());
                        labels
                    },
                    ..RawAlert::default()
                };
                normalize(DEMO_SOURCE, raw, mapping)
            })
            .collect();
        sort_for_display(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000, 0).unwrap()
    }

    #[test]
    fn the_built_in_scenario_loads() {
        let feed = DemoFeed::new(7, start()).unwrap();
        assert_eq!(feed.scripts.len(), 7);
    }

    #[test]
    fn alerts_fire_escalate_and_resolve_over_the_loop() {
        let feed = DemoFeed::new(0, start()).unwrap();
        let m = LabelMapping::default();
        assert!(
            feed.alerts_at(start(), &m).is_empty(),
            "nothing fires at once"
        );
        let names = |at: i64| -> Vec<(String, Option<crate::domain::Severity>)> {
            feed.alerts_at(start() + Duration::seconds(at), &m)
                .into_iter()
                .map(|a| (a.name, a.severity))
                .collect()
        };
        let early = names(40);
        assert!(
            early.contains(&(
                "StreamStartSuccessBurn".into(),
                Some(crate::domain::Severity::P2)
            )),
            "{early:?}"
        );
        let later = names(150);
        assert!(
            later.contains(&(
                "StreamStartSuccessBurn".into(),
                Some(crate::domain::Severity::P1)
            )),
            "escalated: {later:?}"
        );
        let near_end = names(590);
        assert!(
            !near_end.iter().any(|(n, _)| n == "StreamStartSuccessBurn"),
            "resolved: {near_end:?}"
        );
    }

    #[test]
    fn a_seed_replays_exactly_and_another_seed_differs() {
        let m = LabelMapping::default();
        let times: Vec<DateTime<Utc>> = (0..600)
            .step_by(7)
            .map(|s| start() + Duration::seconds(s))
            .collect();
        let play = |seed| -> Vec<Vec<String>> {
            let feed = DemoFeed::new(seed, start()).unwrap();
            times
                .iter()
                .map(|t| {
                    feed.alerts_at(*t, &m)
                        .into_iter()
                        .map(|a| a.fingerprint)
                        .collect()
                })
                .collect()
        };
        assert_eq!(play(42), play(42));
        assert_ne!(play(42), play(43));
    }

    #[test]
    fn demo_slos_burn_fast_while_their_alert_pages() {
        let feed = DemoFeed::new(0, start()).unwrap();
        let m = LabelMapping::default();
        let quiet = feed.slo_statuses(start(), &m);
        assert!(!quiet.is_empty());
        assert!(quiet.iter().all(|s| s.crossed.is_none()));
        let busy = feed.slo_statuses(start() + Duration::seconds(150), &m);
        let stream = busy
            .iter()
            .find(|s| s.slo == "stream-start-success")
            .unwrap();
        assert_eq!(stream.crossed.map(|t| t.burn), Some(14.4), "{stream:?}");
        assert!(stream.budget_remaining.unwrap() > 0.0);
    }

    #[test]
    fn every_demo_alert_says_demo() {
        let feed = DemoFeed::new(1, start()).unwrap();
        let alerts = feed.alerts_at(start() + Duration::minutes(5), &LabelMapping::default());
        assert!(!alerts.is_empty());
        assert!(alerts.iter().all(|a| a.source == DEMO_SOURCE));
    }

    #[test]
    fn a_new_loop_fires_new_alerts() {
        let feed = DemoFeed::new(1, start()).unwrap();
        let m = LabelMapping::default();
        let first = feed.alerts_at(start() + Duration::minutes(5), &m);
        let second = feed.alerts_at(start() + Duration::minutes(15), &m);
        assert_eq!(first.len(), second.len());
        assert_ne!(first[0].fingerprint, second[0].fingerprint);
    }

    #[test]
    fn demo_at_starts_the_loop_where_asked_whatever_the_clock() {
        let m = LabelMapping::default();
        // 09:10:38 is 38 s into a loop: nothing pages yet. At 2m30s two P1s do.
        let now = DateTime::parse_from_rfc3339("2026-11-25T09:10:38Z")
            .unwrap()
            .with_timezone(&Utc);
        let p1s = |feed: &DemoFeed| {
            feed.alerts_at(now, &m)
                .iter()
                .filter(|a| a.severity == Some(crate::domain::Severity::P1))
                .count()
        };
        assert_eq!(p1s(&DemoFeed::shared(1, now, None).unwrap()), 0);
        assert_eq!(
            p1s(&DemoFeed::shared(1, now, Some(Duration::seconds(150))).unwrap()),
            2
        );
    }
}
