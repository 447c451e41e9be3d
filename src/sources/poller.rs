//! Keeping a snapshot per source up to date: one tokio task per source polls on its
//! interval, backs off exponentially with jitter after failures, and reports every
//! result as a `PollEvent`. Health (ok / failing since T / stale) is derived from
//! those results by `domain::health::SourceHealth`, a pure value the TUI keeps.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::demo::DemoFeed;
use super::slo::{fetch_all, SloQuery};
use super::{fetch_reusing, Previous, Snapshot, Source, SourceError};
use crate::domain::alert::LabelMapping;

/// The longest wait between two tries of a failing source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub enum PollEvent {
    /// Every SLO's status, and the errors of those that could not be read.
    Slos {
        statuses: Vec<crate::domain::slo::SloStatus>,
        errors: Vec<(String, String)>,
        /// The burns' recent history and the SLOs whose history failed; none from
        /// the demo.
        history: Option<crate::domain::slo::BurnHistories>,
    },
    Fetched(Snapshot),
    Failed {
        source: String,
        error: SourceError,
        at: DateTime<Utc>,
    },
}

/// The wait before the next poll: the interval while healthy; after `failures`
/// failures in a row, the interval doubled per failure up to `MAX_BACKOFF`, then
/// scaled by `0.5 + jitter / 2` (`jitter` in 0..1) so many clients do not retry in step.
pub fn next_delay(interval: Duration, failures: u32, jitter: f64) -> Duration {
    if failures == 0 {
        return interval;
    }
    let doubled = interval.saturating_mul(1u32 << failures.min(16));
    let capped = doubled.min(MAX_BACKOFF);
    capped.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
}

/// A jitter source good enough for spreading retries: the clock's nanoseconds mixed
/// with the source's name.
fn jitter(name: &str, failures: u32) -> f64 {
    let nanos = Utc::now().timestamp_subsec_nanos() as u64;
    let mut x = name.bytes().fold(nanos ^ u64::from(failures), |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    x ^= x >> 33;
    (x % 10_000) as f64 / 10_000.0
}

/// Polls `source` until the receiver is gone. Run it under a supervisor (a
/// `JoinSet`): it returns only when nobody listens any more.
pub async fn run(source: Source, mapping: LabelMapping, tx: UnboundedSender<PollEvent>) {
    let mut failures = 0u32;
    let mut previous = std::sync::Arc::new(Previous::default());
    loop {
        // Polls start every `poll_interval` (not that long after the previous one
        // ended): a source that takes a second to answer is still read every 2 s
        // when asked to be, and a change waits at most one interval to be seen.
        let began = tokio::time::Instant::now();
        let event = match fetch_reusing(&source, &mapping, std::sync::Arc::clone(&previous)).await {
            Ok(snapshot) => {
                if failures > 0 {
                    tracing::info!(
                        source = %source.name,
                        "source answering again after {failures} failed polls"
                    );
                } else {
                    tracing::debug!(source = %source.name, alerts = snapshot.alerts.len(), "polled");
                }
                failures = 0;
                let mut snapshot = snapshot;
                previous = std::sync::Arc::new(Previous::of(&mut snapshot));
                PollEvent::Fetched(snapshot)
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                if failures == 1 {
                    tracing::warn!(source = %source.name, "source failing: {error}");
                } else {
                    tracing::debug!(source = %source.name, failures, "still failing: {error}");
                }
                previous = std::sync::Arc::default();
                PollEvent::Failed {
                    source: source.name.clone(),
                    error,
                    at: Utc::now(),
                }
            }
        };
        if tx.send(event).is_err() {
            return;
        }
        let delay = next_delay(
            source.poll_interval,
            failures,
            jitter(&source.name, failures),
        );
        // Never back to back: a source slower than its interval gets a breath.
        let next = (began + delay).max(tokio::time::Instant::now() + MIN_GAP);
        tokio::time::sleep_until(next).await;
    }
}

/// The least time between the end of one poll and the start of the next.
const MIN_GAP: Duration = Duration::from_millis(100);

/// Plays the demo feed, alerts and SLOs, once a second, until the receiver is gone.
pub async fn run_demo(feed: DemoFeed, mapping: LabelMapping, tx: UnboundedSender<PollEvent>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let now = Utc::now();
        let slos = PollEvent::Slos {
            statuses: feed.slo_statuses(now, &mapping),
            errors: Vec::new(),
            history: None,
        };
        if tx
            .send(PollEvent::Fetched(feed.snapshot(now, &mapping)))
            .is_err()
            || tx.send(slos).is_err()
        {
            return;
        }
    }
}

/// How often SLOs are read: their figures move over minutes, not seconds.
pub const SLO_INTERVAL: Duration = Duration::from_secs(30);

/// Reads every SLO every `SLO_INTERVAL` until the receiver is gone.
pub async fn run_slos(sources: Vec<Source>, slos: Vec<SloQuery>, tx: UnboundedSender<PollEvent>) {
    let mut failing: Vec<String> = Vec::new();
    loop {
        let (statuses, errors) = fetch_all(&sources, &slos).await;
        let history = crate::sources::slo::recent_burns(&sources, &slos, Utc::now()).await;
        // The log says when an SLO starts failing and when it reads again, not every 30 s.
        for (slo, error) in &errors {
            if !failing.contains(slo) {
                tracing::warn!(slo = %slo, "SLO failing: {error}");
            }
        }
        for slo in &failing {
            if !errors.iter().any(|(s, _)| s == slo) {
                tracing::info!(slo = %slo, "SLO reading again");
            }
        }
        failing = errors.iter().map(|(s, _)| s.clone()).collect();
        if tx
            .send(PollEvent::Slos {
                statuses,
                errors,
                history: Some(history),
            })
            .is_err()
        {
            return;
        }
        tokio::time::sleep(SLO_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_failure_with_jitter_and_a_cap() {
        let i = Duration::from_secs(10);
        assert_eq!(next_delay(i, 0, 0.7), i);
        assert_eq!(next_delay(i, 1, 1.0), Duration::from_secs(20));
        assert_eq!(next_delay(i, 1, 0.0), Duration::from_secs(10));
        assert_eq!(next_delay(i, 3, 1.0), Duration::from_secs(80));
        assert_eq!(next_delay(i, 30, 1.0), MAX_BACKOFF);
        assert!(next_delay(i, 2, 0.5) > next_delay(i, 2, 0.1));
    }

    /// Jitter exists so that many clients failing together do not retry in step:
    /// sources failing at the same moment must get spread-out delays.
    #[test]
    fn jitter_spreads_clients_that_fail_together() {
        let values: Vec<f64> = (0..200)
            .map(|n| jitter(&format!("source-{n}"), 3))
            .collect();
        assert!(values.iter().all(|j| (0.0..1.0).contains(j)));
        let mut distinct = values.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(
            distinct.len() > 150,
            "only {} distinct of 200",
            distinct.len()
        );
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((0.35..0.65).contains(&mean), "mean {mean}");
        // Spread over the range, not bunched at one end.
        let low = values.iter().filter(|j| **j < 0.5).count();
        assert!((60..140).contains(&low), "{low} of 200 below 0.5");
        let delays: std::collections::BTreeSet<Duration> = values
            .iter()
            .map(|j| next_delay(Duration::from_secs(10), 3, *j))
            .collect();
        assert!(
            delays.len() > 150,
            "retries in step: {} delays",
            delays.len()
        );
    }
}
