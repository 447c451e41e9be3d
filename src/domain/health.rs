//! The health of an alert source, derived from its poll results: ok, failing since
//! the first failure with the last error, or stale when the last success is older
//! than two poll cycles (the interval plus the time the last poll took: a source
//! that takes 3 s to answer cannot answer every 2 s). Silence must never look like
//! health.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What the latest results say about a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Health {
    /// No result yet.
    Unknown,
    Ok {
        at: DateTime<Utc>,
    },
    Failing {
        since: DateTime<Utc>,
        error: String,
    },
    /// The last success is older than two poll intervals and nothing failed since:
    /// the data on screen may not be current.
    Stale {
        last_ok: DateTime<Utc>,
    },
}

/// The running record of one source's results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceHealth {
    pub last_ok: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// How long the last good poll took, from asking to having the alerts.
    pub last_took: Duration,
}

impl SourceHealth {
    pub fn record_ok(&mut self, at: DateTime<Utc>) {
        self.record_ok_after(at, Duration::ZERO);
    }

    /// A good answer at `at` that took `took` to get.
    pub fn record_ok_after(&mut self, at: DateTime<Utc>, took: Duration) {
        self.last_ok = Some(at);
        self.last_took = took;
        self.failing_since = None;
        self.last_error = None;
    }

    pub fn record_failure(&mut self, error: String, at: DateTime<Utc>) {
        self.failing_since.get_or_insert(at);
        self.last_error = Some(error);
    }

    pub fn status(&self, now: DateTime<Utc>, interval: Duration) -> Health {
        if let (Some(since), Some(error)) = (self.failing_since, &self.last_error) {
            return Health::Failing {
                since,
                error: error.clone(),
            };
        }
        match self.last_ok {
            None => Health::Unknown,
            Some(at) => {
                let cycle = interval.saturating_add(self.last_took);
                let limit = chrono::Duration::from_std(cycle.saturating_mul(2))
                    .unwrap_or(chrono::Duration::MAX);
                if now - at > limit {
                    Health::Stale { last_ok: at }
                } else {
                    Health::Ok { at }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_unknown_then_ok_then_failing_since_the_first_failure_then_stale() {
        let t = |s: i64| DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap();
        let interval = Duration::from_secs(15);
        let mut h = SourceHealth::default();
        assert_eq!(h.status(t(0), interval), Health::Unknown);
        h.record_ok(t(0));
        assert_eq!(h.status(t(10), interval), Health::Ok { at: t(0) });
        h.record_failure("HTTP 500".into(), t(15));
        h.record_failure("timeout".into(), t(30));
        assert_eq!(
            h.status(t(31), interval),
            Health::Failing {
                since: t(15),
                error: "timeout".into()
            }
        );
        h.record_ok(t(45));
        assert_eq!(h.status(t(46), interval), Health::Ok { at: t(45) });
        assert_eq!(h.status(t(80), interval), Health::Stale { last_ok: t(45) });
    }

    /// A source that takes 3 s to answer, polled every 2 s, answers every 5 s: that
    /// is its pace, not staleness. Two of its cycles without an answer are.
    #[test]
    fn a_slow_answer_stretches_the_cycle_the_source_is_judged_by() {
        let t = |s: i64| DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap();
        let interval = Duration::from_secs(2);
        let mut h = SourceHealth::default();
        h.record_ok_after(t(0), Duration::from_secs(3));
        assert_eq!(h.status(t(9), interval), Health::Ok { at: t(0) });
        assert_eq!(h.status(t(11), interval), Health::Stale { last_ok: t(0) });
        h.record_ok_after(t(12), Duration::ZERO);
        assert_eq!(h.status(t(17), interval), Health::Stale { last_ok: t(12) });
    }
}
