//! The review's alert section: Prometheus' own `ALERTS` history and rules when a
//! Prometheus source has them (the truth even when no sitrep was running), else
//! the history sitrep recorded itself, with how much of the period either covers.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::alert_history::{covered, Span};
use crate::domain::alert_quality::{
    rule_defs, AlertReview, Episode, HistoryUsed, Quality, QualityReport, RuleDef, Window,
};
use crate::domain::review::ReviewedIncident;
use crate::sources::{alert_history as prom, Source, SourceKind};
use crate::store::{Store, StoreError};

/// What the alert figures of `windows` (newest first; the first is reported in
/// full) are, and where they came from.
pub fn alert_review(
    config: &Config,
    store: &mut Store,
    incidents: &[ReviewedIncident],
    windows: &[Window],
    now: DateTime<Utc>,
) -> Result<AlertReview, StoreError> {
    let Some(current) = windows.first().copied() else {
        return Err(StoreError::BadValue("no period to review".into()));
    };
    let span = Window {
        from: windows.iter().map(|w| w.from).min().unwrap_or(current.from),
        to: current.to,
    };
    let period_minutes = (current.to.min(now) - current.from).num_minutes().max(0);
    let prometheus: Vec<&Source> = config
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Prometheus)
        .collect();
    let mut notes = Vec::new();
    let mut defs: Vec<RuleDef> = Vec::new();
    if prometheus.is_empty() {
        notes.push(
            "no Prometheus source is configured, so Prometheus' own ALERTS history cannot be read"
                .to_string(),
        );
    } else {
        let quality = || {
            Quality::new(
                config.review.quality.clone(),
                windows.to_vec(),
                incidents,
                now,
            )
        };
        match crate::sources::block_on(from_prometheus(&prometheus, span, current, now, quality()))
        {
            Ok(Ok((report, covered_minutes, read_defs))) => {
                return Ok(AlertReview {
                    history: HistoryUsed {
                        used: "prometheus",
                        sources: prometheus.iter().map(|s| s.name.clone()).collect(),
                        covered_minutes,
                        period_minutes,
                        coverage: ratio(covered_minutes, period_minutes),
                        notes: read_defs,
                    },
                    report,
                });
            }
            Ok(Err((why, rules))) => {
                notes.push(why);
                defs = rules;
            }
            Err(why) => notes.push(why),
        }
    }
    let history = store.alert_history(span.from, span.to)?;
    let mut quality = Quality::new(
        config.review.quality.clone(),
        windows.to_vec(),
        incidents,
        now,
    );
    // A firing still open when nobody watches its source any more is known firing
    // only until it was last watched, not until now.
    let last_watched: std::collections::HashMap<&str, DateTime<Utc>> = history
        .watched
        .iter()
        .filter_map(|(source, spans)| Some((source.as_str(), spans.iter().map(|s| s.until).max()?)))
        .collect();
    for f in &history.firings {
        let end = f
            .ended
            .or_else(|| match last_watched.get(f.source.as_str()) {
                Some(until) if now - *until > crate::domain::alert_history::COVER_GAP => {
                    Some((*until).max(f.started))
                }
                Some(_) => None,
                // Nobody watched its source in the period: nothing known of it in it.
                None => Some(f.started.max(span.from).min(span.to)),
            });
        quality.add(Episode {
            name: &f.name,
            labels: &f.labels,
            annotations: Some(&f.annotations),
            start: Some(f.started),
            end,
        });
    }
    let spans: Vec<Span> = history.watched.values().flatten().copied().collect();
    let covered_minutes = covered(&spans, current.from, current.to.min(now)).num_minutes();
    if spans.is_empty() {
        notes.push(
            "no sitrep watched any alert source in the period: keep sitrep watch running for a history without Prometheus"
                .into(),
        );
    }
    Ok(AlertReview {
        history: HistoryUsed {
            used: "sitrep",
            sources: history.watched.keys().cloned().collect(),
            covered_minutes,
            period_minutes,
            coverage: ratio(covered_minutes, period_minutes),
            notes,
        },
        report: quality.finish(&defs),
    })
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part as f64 / whole as f64).clamp(0.0, 1.0)
    }
}

type FromPrometheus = Result<(QualityReport, i64, Vec<String>), (String, Vec<RuleDef>)>;

/// The report from every Prometheus source, or why not (with the rules read, so the
/// fallback still knows each rule's `for:` and annotations).
async fn from_prometheus(
    sources: &[&Source],
    span: Window,
    current: Window,
    now: DateTime<Utc>,
    mut quality: Quality,
) -> FromPrometheus {
    let mut raw = Vec::new();
    let mut notes = Vec::new();
    let mut covered_from = current.from;
    let mut longest: f64 = 0.0;
    for source in sources {
        let rules = prom::rules(source).await.map_err(|e| {
            (
                format!("Prometheus source '{}' cannot be read ({e}): the figures come from sitrep's own history", source.name),
                Vec::new(),
            )
        })?;
        longest = longest.max(rules.longest_interval);
        if let Some(keep) = rules.retention {
            if let Some(oldest) = now.checked_sub_signed(keep) {
                if oldest > covered_from {
                    covered_from = oldest;
                    notes.push(format!(
                        "Prometheus '{}' keeps {} of data: the period before that is not counted",
                        source.name,
                        crate::domain::parse::format_duration(keep)
                    ));
                }
            }
        }
        raw.extend(rules.rules);
    }
    let defs = rule_defs(&raw);
    if defs.is_empty() {
        let mut any = false;
        for source in sources {
            any |= prom::any_firing(source, span.from, span.to)
                .await
                .map_err(|e| {
                    (
                        format!("Prometheus source '{}': {e}", source.name),
                        Vec::new(),
                    )
                })?;
        }
        if !any {
            return Err((
                "Prometheus has no alerting rules of its own and no ALERTS history in the period (its alerts are evaluated elsewhere): the figures come from sitrep's own history".into(),
                defs,
            ));
        }
    }
    // Whole minutes, at least one; longer when a group evaluates less often.
    let window = ((longest.max(60.0) / 60.0).ceil() as i64) * 60;
    for source in sources {
        let read = prom::firings(source, span.from, span.to, window, |e| {
            let name = e.labels.get("alertname").cloned().unwrap_or_default();
            quality.add(Episode {
                name: &name,
                labels: &e.labels,
                annotations: None,
                start: e.start,
                end: e.end,
            });
        })
        .await;
        if let Err(e) = read {
            return Err((
                format!(
                    "Prometheus source '{}' could not answer for ALERTS ({e}): the figures come from sitrep's own history",
                    source.name
                ),
                defs,
            ));
        }
    }
    let covered_minutes = (current.to.min(now) - covered_from).num_minutes().max(0);
    Ok((quality.finish(&defs), covered_minutes, notes))
}
