//! How fast the team responded and whether alerting saw it first, for the review:
//! time to declare (trigger → declared), to mitigate (→ the first mitigation step or
//! the status reaching monitoring, whichever came first: [`metrics::mitigated`], as
//! in the postmortem), to resolve; time to detect (trigger → the first linked alert
//! firing) and the incidents alerting missed (declared with no linked alert).
//!
//! Percentiles are nearest-rank (the median of 1, 5, 9 is 5; of 1, 5 it is 1), so
//! every figure is one incident's own value and can be checked by hand.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::metrics::{incident_times, mitigated};
use super::review::ReviewedIncident;
use super::severity::Severity;

/// Incidents with their own values listed when there are at most this many.
pub const LIST_UP_TO: usize = 5;

fn minutes(d: Duration) -> f64 {
    (d.num_seconds().max(0) as f64 / 60.0 * 10.0).round() / 10.0
}

/// The nearest-rank `p` percentile (0 < p ≤ 1) of `values`; none when empty.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Spread {
    /// How many incidents have this figure (an open one has no time to resolve).
    pub incidents: usize,
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
}

impl Spread {
    fn of(values: &[f64]) -> Self {
        Self {
            incidents: values.len(),
            median_minutes: percentile(values, 0.5),
            p90_minutes: percentile(values, 0.9),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeverityTimes {
    pub severity: String,
    pub incidents: usize,
    pub declare: Spread,
    pub mitigate: Spread,
    pub resolve: Spread,
}

/// One incident's own response times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentResponse {
    pub id: i64,
    pub severity: String,
    pub title: String,
    pub declare_minutes: f64,
    pub mitigate_minutes: Option<f64>,
    /// "first mitigation step" or "status monitoring"; none while not mitigated.
    pub mitigated_by: Option<String>,
    pub resolve_minutes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseTimes {
    /// P1 then P2; a severity with no incident is left out.
    pub by_severity: Vec<SeverityTimes>,
    /// Every incident's own values, when there are at most five (else empty).
    pub incidents: Vec<IncidentResponse>,
    /// Medians over every incident, for the trend.
    pub median_declare_minutes: Option<f64>,
    pub median_mitigate_minutes: Option<f64>,
    pub median_resolve_minutes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missed {
    pub id: i64,
    pub severity: String,
    pub title: String,
    /// Trigger → declared: how long nobody knew.
    pub declare_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detected {
    pub id: i64,
    pub severity: String,
    pub title: String,
    /// Trigger → the first linked alert's start; none when no linked alert says
    /// when it started.
    pub detect_minutes: Option<f64>,
    /// The first linked alert's name.
    pub alert: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// Declared with no linked alert: alerting missed it.
    pub missed: Vec<Missed>,
    pub detected: Vec<Detected>,
    pub median_detect_minutes: Option<f64>,
}

/// Response times of `incidents` (real ones, the caller's period) as of `now`.
pub fn response_times(incidents: &[&ReviewedIncident], now: DateTime<Utc>) -> ResponseTimes {
    let mut rows = Vec::new();
    for r in incidents {
        let i = &r.incident;
        let times = incident_times(i, now);
        let mitigation = mitigated(i, &r.steps);
        rows.push((
            i.severity,
            IncidentResponse {
                id: i.id.0,
                severity: i.severity.to_string(),
                title: i.title.clone(),
                declare_minutes: minutes(times.time_to_declare),
                mitigate_minutes: mitigation.map(|(at, _)| minutes(at - i.trigger_time)),
                mitigated_by: mitigation.map(|(_, by)| by.as_str().to_string()),
                resolve_minutes: times.time_to_resolve.map(minutes),
            },
        ));
    }
    let spread = |rows: &[&IncidentResponse]| {
        let declare: Vec<f64> = rows.iter().map(|r| r.declare_minutes).collect();
        let mitigate: Vec<f64> = rows.iter().filter_map(|r| r.mitigate_minutes).collect();
        let resolve: Vec<f64> = rows.iter().filter_map(|r| r.resolve_minutes).collect();
        (
            Spread::of(&declare),
            Spread::of(&mitigate),
            Spread::of(&resolve),
        )
    };
    let by_severity = [Severity::P1, Severity::P2]
        .into_iter()
        .filter_map(|sev| {
            let mine: Vec<&IncidentResponse> = rows
                .iter()
                .filter(|(s, _)| *s == sev)
                .map(|(_, r)| r)
                .collect();
            if mine.is_empty() {
                return None;
            }
            let (declare, mitigate, resolve) = spread(&mine);
            Some(SeverityTimes {
                severity: sev.to_string(),
                incidents: mine.len(),
                declare,
                mitigate,
                resolve,
            })
        })
        .collect();
    let all: Vec<&IncidentResponse> = rows.iter().map(|(_, r)| r).collect();
    let (declare, mitigate, resolve) = spread(&all);
    ResponseTimes {
        by_severity,
        incidents: if rows.len() <= LIST_UP_TO {
            rows.iter().map(|(_, r)| r.clone()).collect()
        } else {
            Vec::new()
        },
        median_declare_minutes: declare.median_minutes,
        median_mitigate_minutes: mitigate.median_minutes,
        median_resolve_minutes: resolve.median_minutes,
    }
}

/// Which incidents alerting saw first, how soon, and which it missed.
pub fn detection(incidents: &[&ReviewedIncident]) -> Detection {
    let mut missed = Vec::new();
    let mut detected = Vec::new();
    for r in incidents {
        let i = &r.incident;
        if r.alerts.is_empty() && i.linked_alerts.is_empty() {
            missed.push(Missed {
                id: i.id.0,
                severity: i.severity.to_string(),
                title: i.title.clone(),
                declare_minutes: minutes(i.declared_at - i.trigger_time),
            });
            continue;
        }
        let first = r
            .alerts
            .iter()
            .filter(|a| a.starts_at.is_some())
            .min_by_key(|a| a.starts_at);
        detected.push(Detected {
            id: i.id.0,
            severity: i.severity.to_string(),
            title: i.title.clone(),
            detect_minutes: first
                .and_then(|a| a.starts_at)
                .map(|s| minutes(s - i.trigger_time)),
            alert: first
                .or(r.alerts.first())
                .map(|a| a.name.clone())
                .unwrap_or_else(|| "(linked alert)".into()),
        });
    }
    let times: Vec<f64> = detected.iter().filter_map(|d| d.detect_minutes).collect();
    Detection {
        missed,
        detected,
        median_detect_minutes: percentile(&times, 0.5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[9.0, 1.0, 5.0], 0.5), Some(5.0));
        assert_eq!(percentile(&[1.0, 5.0], 0.5), Some(1.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&ten, 0.9), Some(9.0));
        assert_eq!(percentile(&ten, 0.5), Some(5.0));
    }
}
