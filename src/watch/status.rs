//! What the watcher knows of itself, for `/healthz` and `/metrics`: each source's
//! last answer, the database's, and the counters. The threads that do the work
//! record here; the HTTP server only reads. Health is decided by [`Status::health`],
//! pure given the clock.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// One source as the watcher last heard it.
#[derive(Debug, Clone)]
pub struct SourceState {
    pub name: String,
    pub interval: Duration,
    pub last_ok: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The state `/healthz` reads.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub sources: Vec<SourceState>,
    /// The database's last answer, and the last failure if it came after it.
    pub db_last_ok: Option<DateTime<Utc>>,
    pub db_error: Option<String>,
}

impl Health {
    /// How long without an answer makes a part unhealthy: three poll intervals.
    fn window(interval: Duration) -> Duration {
        interval * 3
    }

    /// `(healthy, reason)`: healthy when the database and at least one source (if
    /// any is configured) answered within three poll intervals.
    pub fn verdict(&self, now: DateTime<Utc>) -> (bool, String) {
        let slowest = self
            .sources
            .iter()
            .map(|s| s.interval)
            .max()
            .unwrap_or_else(|| Duration::seconds(5))
            .max(crate::domain::watchers::BEAT_EVERY);
        let ago = |t: DateTime<Utc>| {
            crate::domain::parse::format_duration((now - t).max(Duration::zero()))
        };
        let db = match (&self.db_error, self.db_last_ok) {
            (Some(error), _) => Err(format!("database unreachable: {error}")),
            (None, Some(at)) if now - at <= Self::window(slowest) => {
                Ok(format!("database answered {} ago", ago(at)))
            }
            (None, Some(at)) => Err(format!("database unreachable: no answer for {}", ago(at))),
            (None, None) => Err("database unreachable: no answer yet".to_string()),
        };
        let answering: Vec<String> = self
            .sources
            .iter()
            .filter_map(|s| {
                let at = s.last_ok?;
                (now - at <= Self::window(s.interval))
                    .then(|| format!("{} ({} ago)", s.name, ago(at)))
            })
            .collect();
        let sources = if self.sources.is_empty() {
            Ok("no alert sources configured".to_string())
        } else if answering.is_empty() {
            let each: Vec<String> = self
                .sources
                .iter()
                .map(|s| match (&s.last_error, s.last_ok) {
                    (Some(e), _) => format!("{}: {e}", s.name),
                    (None, Some(at)) => format!("{}: last answered {} ago", s.name, ago(at)),
                    (None, None) => format!("{}: no answer yet", s.name),
                })
                .collect();
            Err(format!(
                "no source answered in the last 3 poll intervals ({})",
                each.join("; ")
            ))
        } else {
            Ok(format!("sources answering: {}", answering.join(", ")))
        };
        match (db, sources) {
            (Ok(db), Ok(sources)) => (true, format!("ok: {db}; {sources}")),
            (Err(db), Ok(_)) => (false, db),
            (Ok(_), Err(sources)) => (false, sources),
            (Err(db), Err(sources)) => (false, format!("{db}; {sources}")),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

/// The counters and gauges `/metrics` serves.
pub struct Metrics {
    pub source_up: Family<SourceLabel, Gauge>,
    pub polls: Family<SourceLabel, Counter>,
    pub poll_failures: Family<SourceLabel, Counter>,
    pub database_up: Gauge,
    pub alert_entries: Counter,
    pub pending_entries: Gauge,
    pub outbox_backlog: Gauge,
    pub outbox_oldest_age: Gauge<f64, AtomicU64>,
    pub deliveries: Family<OutcomeLabel, Counter>,
    pub reminders: Counter,
    pub pages_ended: Counter,
    pub last_write: Gauge<f64, AtomicU64>,
    pub on_duty: Gauge,
}

impl Metrics {
    fn register(registry: &mut Registry) -> Self {
        let m = Self {
            source_up: Family::default(),
            polls: Family::default(),
            poll_failures: Family::default(),
            database_up: Gauge::default(),
            alert_entries: Counter::default(),
            pending_entries: Gauge::default(),
            outbox_backlog: Gauge::default(),
            outbox_oldest_age: Gauge::default(),
            deliveries: Family::default(),
            reminders: Counter::default(),
            pages_ended: Counter::default(),
            last_write: Gauge::default(),
            on_duty: Gauge::default(),
        };
        registry.register(
            "sitrep_source_up",
            "Whether the source's last poll succeeded",
            m.source_up.clone(),
        );
        registry.register("sitrep_polls", "Polls made, by source", m.polls.clone());
        registry.register(
            "sitrep_poll_failures",
            "Polls that failed, by source",
            m.poll_failures.clone(),
        );
        registry.register(
            "sitrep_database_up",
            "Whether the database's last answer was a success",
            m.database_up.clone(),
        );
        registry.register(
            "sitrep_alert_entries",
            "Alert transitions this watcher wrote into a timeline",
            m.alert_entries.clone(),
        );
        registry.register(
            "sitrep_pending_entries",
            "Alert transitions seen and not yet written (the database did not answer)",
            m.pending_entries.clone(),
        );
        registry.register(
            "sitrep_outbox_backlog",
            "Comms deliveries pending, from any sitrep",
            m.outbox_backlog.clone(),
        );
        registry.register(
            "sitrep_outbox_oldest_age_seconds",
            "Age of the oldest pending comms delivery's update",
            m.outbox_oldest_age.clone(),
        );
        registry.register(
            "sitrep_deliveries",
            "Comms deliveries this watcher finished or retried, by outcome",
            m.deliveries.clone(),
        );
        registry.register(
            "sitrep_reminders",
            "Reminders this watcher wrote",
            m.reminders.clone(),
        );
        registry.register(
            "sitrep_pages_ended",
            "Pages of resolved or downgraded incidents this watcher ended",
            m.pages_ended.clone(),
        );
        registry.register(
            "sitrep_last_successful_write_timestamp_seconds",
            "When this watcher last wrote to the database (Unix time)",
            m.last_write.clone(),
        );
        registry.register(
            "sitrep_watch_on_duty",
            "Whether this watcher holds the duty lease (reminders, ending pages)",
            m.on_duty.clone(),
        );
        m
    }

    pub fn wrote(&self, at: DateTime<Utc>) {
        self.last_write.set(at.timestamp_millis() as f64 / 1000.0);
    }
}

/// Everything the threads record and the server reads.
pub struct Status {
    pub health: Mutex<Health>,
    pub metrics: Metrics,
    registry: Registry,
}

impl Status {
    pub fn new(sources: Vec<SourceState>) -> Self {
        let mut registry = Registry::default();
        let metrics = Metrics::register(&mut registry);
        for s in &sources {
            let label = SourceLabel {
                source: s.name.clone(),
            };
            metrics.source_up.get_or_create(&label).set(0);
            metrics.polls.get_or_create(&label).inc_by(0);
            metrics.poll_failures.get_or_create(&label).inc_by(0);
        }
        Self {
            health: Mutex::new(Health {
                sources,
                ..Health::default()
            }),
            metrics,
            registry,
        }
    }

    /// Runs `f` on the health record; a poisoned lock (a thread panicked while
    /// holding it) is taken over: the record is plain data.
    pub fn with_health<T>(&self, f: impl FnOnce(&mut Health) -> T) -> T {
        let mut guard = match self.health.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    pub fn database_answered(&self, at: DateTime<Utc>) {
        self.metrics.database_up.set(1);
        self.with_health(|h| {
            h.db_last_ok = Some(at);
            h.db_error = None;
        });
    }

    pub fn database_failed(&self, error: &str) {
        self.metrics.database_up.set(0);
        let error = crate::domain::text::sanitize_line(error);
        self.with_health(|h| h.db_error = Some(error));
    }

    pub fn source_answered(&self, name: &str, at: DateTime<Utc>) {
        let label = SourceLabel {
            source: name.to_string(),
        };
        self.metrics.polls.get_or_create(&label).inc();
        self.metrics.source_up.get_or_create(&label).set(1);
        self.with_health(|h| {
            if let Some(s) = h.sources.iter_mut().find(|s| s.name == name) {
                s.last_ok = Some(at);
                s.last_error = None;
            }
        });
    }

    pub fn source_failed(&self, name: &str, error: &str) {
        let label = SourceLabel {
            source: name.to_string(),
        };
        self.metrics.polls.get_or_create(&label).inc();
        self.metrics.poll_failures.get_or_create(&label).inc();
        self.metrics.source_up.get_or_create(&label).set(0);
        let error = crate::domain::text::sanitize_line(error);
        self.with_health(|h| {
            if let Some(s) = h.sources.iter_mut().find(|s| s.name == name) {
                s.last_error = Some(error);
            }
        });
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out = "# metrics could not be encoded\n".into();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap()
    }

    fn health(db_ok: Option<i64>, db_error: Option<&str>, source_ok: Option<i64>) -> Health {
        Health {
            sources: vec![SourceState {
                name: "eu".into(),
                interval: Duration::seconds(2),
                last_ok: source_ok.map(t),
                last_error: None,
            }],
            db_last_ok: db_ok.map(t),
            db_error: db_error.map(str::to_string),
        }
    }

    #[test]
    fn healthy_only_while_the_database_and_a_source_answer_within_three_intervals() {
        let (ok, why) = health(Some(100), None, Some(99)).verdict(t(101));
        assert!(ok, "{why}");
        assert_eq!(
            why,
            "ok: database answered 1s ago; sources answering: eu (2s ago)"
        );
        let (ok, why) = health(Some(100), Some("connection refused"), Some(99)).verdict(t(101));
        assert!(!ok);
        assert_eq!(why, "database unreachable: connection refused");
        let (ok, why) = health(Some(100), None, Some(90)).verdict(t(101));
        assert!(!ok);
        assert!(
            why.starts_with(
                "no source answered in the last 3 poll intervals (eu: last answered 11s ago)"
            ),
            "{why}"
        );
        let (ok, why) = health(Some(80), None, Some(100)).verdict(t(101));
        assert!(!ok);
        assert_eq!(why, "database unreachable: no answer for 21s");
        let (ok, why) = health(None, None, None).verdict(t(101));
        assert!(!ok);
        assert_eq!(why, "database unreachable: no answer yet; no source answered in the last 3 poll intervals (eu: no answer yet)");
    }

    #[test]
    fn metrics_are_served_in_the_prometheus_text_format() {
        let status = Status::new(health(None, None, None).sources);
        status.source_answered("eu", t(1));
        status.source_failed("eu", "timeout");
        status
            .metrics
            .deliveries
            .get_or_create(&OutcomeLabel {
                outcome: "posted".into(),
            })
            .inc();
        let text = status.encode();
        for line in [
            "sitrep_source_up{source=\"eu\"} 0",
            "sitrep_polls_total{source=\"eu\"} 2",
            "sitrep_poll_failures_total{source=\"eu\"} 1",
            "sitrep_deliveries_total{outcome=\"posted\"} 1",
            "# TYPE sitrep_outbox_backlog gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
