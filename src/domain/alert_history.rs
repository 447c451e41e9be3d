//! The alert history sitrep keeps itself: every alert any source reports, when it
//! started firing and when it stopped, and which stretches of time a sitrep was
//! watching each source. The weekly review reads it when Prometheus' own `ALERTS`
//! history is not to be had (an Alertmanager-only team, a Prometheus without rules).
//!
//! Every process (each TUI, each `sitrep watch`) records what it sees; the store
//! keeps one firing per alert and start, so several processes write one history.
//! An alert is known by a hash of its labels, not by its source's fingerprint: the
//! same alert read from Alertmanager and from Prometheus is one firing.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use std::sync::Arc;

use super::alert::{Alert, AlertState};
use super::alert_set::Change;

/// How often a process says it is still watching a source when nothing changes.
pub const COVER_EVERY: Duration = Duration::seconds(30);

/// A gap between two answers longer than this ends a stretch of coverage.
pub const COVER_GAP: Duration = Duration::minutes(5);

/// One alert starting to fire, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// [`alert_key`] of its labels.
    pub key: String,
    pub source: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The annotations that say what to do: `runbook_url` / `runbook`, `summary`.
    pub annotations: BTreeMap<String, String>,
    pub started: DateTime<Utc>,
    /// When it stopped; `None` while it fires (or nobody has seen it stop yet).
    pub ended: Option<DateTime<Utc>>,
}

/// An alert seen starting to fire. It holds the alert the source's answer already
/// holds (shared, not copied: a storm's first answer opens tens of thousands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub key: String,
    pub alert: Arc<Alert>,
    pub started: DateTime<Utc>,
}

impl Opened {
    /// `alert` seen firing at `at`: it started at its own start, or when seen when it
    /// has none or says a time in the future (a skewed backend).
    pub fn new(alert: Arc<Alert>, at: DateTime<Utc>) -> Self {
        Self {
            key: alert_key(alert.labels.iter()),
            started: alert.starts_at.filter(|s| *s <= at).unwrap_or(at),
            alert,
        }
    }

    /// Its labels as a JSON object, as the store keeps them.
    pub fn labels_json(&self) -> String {
        json_object(self.alert.labels.iter())
    }

    /// The annotations that say what to do (`runbook_url` / `runbook`, `summary`).
    pub fn annotations_json(&self) -> String {
        json_object(
            self.alert
                .annotations
                .iter()
                .filter(|(k, _)| KEPT_ANNOTATIONS.contains(k)),
        )
    }
}

fn json_object<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// What one poll result adds to the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryEvent {
    /// An alert started firing (or was first seen firing).
    Opened(Opened),
    /// An alert stopped at `at`.
    Closed { key: String, at: DateTime<Utc> },
    /// A source's first answer to this process: every firing recorded open for
    /// `source` and not among `firing` stopped while nobody watched; it ends when the
    /// source was last watched.
    Reconcile {
        source: String,
        firing: Vec<String>,
        at: DateTime<Utc>,
    },
    /// This process was watching `source` at `at`.
    Covered { source: String, at: DateTime<Utc> },
}

/// A stretch of time some process watched a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// Firings overlapping a period, and the stretches watched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub firings: Vec<Firing>,
    /// Per source, the stretches some process watched it.
    pub watched: BTreeMap<String, Vec<Span>>,
}

/// A stable key for an alert: FNV-1a over its sorted labels (names and values,
/// separated so that no two label sets share a text).
pub fn alert_key<'a>(labels: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = labels.collect();
    pairs.sort_unstable();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for (k, v) in pairs {
        eat(k.as_bytes());
        eat(&[0xff]);
        eat(v.as_bytes());
        eat(&[0xfe]);
    }
    format!("{hash:016x}")
}

const KEPT_ANNOTATIONS: [&str; 3] = ["runbook_url", "runbook", "summary"];

/// Turns each source's changes into history events: what arrived opens, what went
/// closes, and coverage is said at most every [`COVER_EVERY`]. It remembers which
/// alerts it has seen firing, so an alert that only changed (Alertmanager's
/// `updatedAt` moves on every resend) writes nothing.
#[derive(Debug, Default)]
pub struct Tracker {
    sources: HashMap<String, SourceTrack>,
}

#[derive(Debug)]
struct SourceTrack {
    last_ok: DateTime<Utc>,
    said: DateTime<Utc>,
    firing: HashSet<String>,
}

impl Tracker {
    pub fn events(&mut self, change: &Change) -> Vec<HistoryEvent> {
        if change.result.is_err() {
            return Vec::new();
        }
        let at = change.at;
        let first = change.first_answer || !self.sources.contains_key(&change.source);
        let track = self
            .sources
            .entry(change.source.clone())
            .or_insert_with(|| SourceTrack {
                last_ok: at,
                said: at,
                firing: HashSet::new(),
            });
        if first {
            track.firing.clear();
        }
        let mut out = Vec::new();
        let is_firing = |a: &Arc<Alert>| a.state != AlertState::Resolved;
        for a in change.arrived.iter().chain(&change.changed) {
            let key = alert_key(a.labels.iter());
            if is_firing(a) {
                if track.firing.insert(key) {
                    out.push(HistoryEvent::Opened(Opened::new(Arc::clone(a), at)));
                }
            } else if track.firing.remove(&key) || first {
                // Reported resolved (Alertmanager keeps a resolved alert a while): it
                // stopped at its end time, or when it was seen resolved.
                out.push(HistoryEvent::Closed {
                    key,
                    at: a.ends_at.filter(|e| *e <= at).unwrap_or(at),
                });
            }
        }
        if first {
            out.push(HistoryEvent::Reconcile {
                source: change.source.clone(),
                firing: track.firing.iter().cloned().collect(),
                at,
            });
        } else {
            // After an outage the source may have forgotten an alert (a restart): it
            // is known firing only until the last good answer before the outage.
            let ended = if change.after_outage {
                track.last_ok
            } else {
                at
            };
            for a in &change.gone {
                let key = alert_key(a.labels.iter());
                if track.firing.remove(&key) {
                    out.push(HistoryEvent::Closed { key, at: ended });
                }
            }
        }
        let cover = first
            || !out.is_empty()
            || change.after_outage
            || at - track.said >= COVER_EVERY
            || at < track.said;
        // Last: a reconcile ends stale firings when the source was last watched
        // before this answer, not by this answer's own coverage.
        if cover {
            out.push(HistoryEvent::Covered {
                source: change.source.clone(),
                at,
            });
            track.said = at;
        }
        track.last_ok = at;
        out
    }
}

/// How much of `[from, to)` the spans cover, merged across processes.
pub fn covered(spans: &[Span], from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    let mut clipped: Vec<(DateTime<Utc>, DateTime<Utc>)> = spans
        .iter()
        .map(|s| (s.from.max(from), s.until.min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    clipped.sort();
    let mut total = Duration::zero();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (a, b) in clipped {
        match current {
            Some((ca, cb)) if a <= cb => current = Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                current = Some((a, b));
            }
            None => current = Some((a, b)),
        }
    }
    if let Some((a, b)) = current {
        total += b - a;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::Labels;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn alert(name: &str, starts: Option<i64>) -> Arc<Alert> {
        let labels: BTreeMap<String, String> = [("alertname".to_string(), name.to_string())].into();
        Arc::new(Alert {
            source: "am".into(),
            fingerprint: format!("fp-{name}"),
            name: name.into(),
            severity: None,
            state: AlertState::Firing,
            service: None,
            slo: None,
            region: None,
            summary: None,
            description: None,
            runbook_url: None,
            generator_url: None,
            starts_at: starts.map(t),
            ends_at: None,
            updated_at: None,
            labels: Labels::from(labels),
            annotations: Labels::default(),
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
        })
    }

    fn change(
        at: i64,
        first: bool,
        outage: bool,
        arrived: &[&Arc<Alert>],
        gone: &[&Arc<Alert>],
    ) -> Change {
        Change {
            source: "am".into(),
            at: t(at),
            result: Ok(()),
            first_answer: first,
            after_outage: outage,
            arrived: arrived.iter().map(|a| Arc::clone(a)).collect(),
            gone: gone.iter().map(|a| Arc::clone(a)).collect(),
            changed: Vec::new(),
            count: 0,
            took: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn the_first_answer_opens_everything_and_reconciles_the_rest() {
        let a = alert("A", Some(-100));
        let mut tracker = Tracker::default();
        let events = tracker.events(&change(0, true, false, &[&a], &[]));
        assert!(
            matches!(&events[0], HistoryEvent::Opened(f) if f.started == t(-100) && f.alert.name == "A")
        );
        assert!(
            matches!(&events[1], HistoryEvent::Reconcile { firing, .. } if firing == &vec![alert_key(a.labels.iter())])
        );
        assert!(matches!(&events[2], HistoryEvent::Covered { at, .. } if *at == t(0)));
    }

    #[test]
    fn gone_closes_when_seen_and_after_an_outage_at_the_last_good_answer() {
        let a = alert("A", None);
        let b = alert("B", Some(10_000));
        let mut tracker = Tracker::default();
        let opened = tracker.events(&change(0, true, false, &[&a, &b], &[]));
        // A start in the future is the time it was seen.
        assert!(opened.iter().any(
            |e| matches!(e, HistoryEvent::Opened(f) if f.alert.name == "B" && f.started == t(0))
        ));
        assert!(tracker
            .events(&change(10, false, false, &[], &[]))
            .is_empty());
        let closed = tracker.events(&change(20, false, false, &[], &[&a]));
        assert!(closed.contains(&HistoryEvent::Closed {
            key: alert_key(a.labels.iter()),
            at: t(20)
        }));
        let after = tracker.events(&change(90, false, true, &[], &[&b]));
        assert!(after.contains(&HistoryEvent::Closed {
            key: alert_key(b.labels.iter()),
            at: t(20)
        }));
    }

    #[test]
    fn an_alert_that_only_changed_writes_nothing_and_a_resolved_one_closes() {
        let a = alert("A", Some(-10));
        let mut tracker = Tracker::default();
        tracker.events(&change(0, true, false, &[&a], &[]));
        let mut updated = (*a).clone();
        updated.updated_at = Some(t(5));
        let mut c = change(5, false, false, &[], &[]);
        c.changed = vec![Arc::new(updated.clone())];
        assert!(tracker.events(&c).is_empty());
        updated.state = AlertState::Resolved;
        updated.ends_at = Some(t(4));
        let mut c = change(6, false, false, &[], &[]);
        c.changed = vec![Arc::new(updated)];
        let events = tracker.events(&c);
        assert!(events.contains(&HistoryEvent::Closed {
            key: alert_key(a.labels.iter()),
            at: t(4)
        }));
        // Gone afterwards: already closed, nothing more.
        let events = tracker.events(&change(7, false, false, &[], &[&a]));
        assert!(!events
            .iter()
            .any(|e| matches!(e, HistoryEvent::Closed { .. })));
    }

    #[test]
    fn coverage_is_said_every_30_seconds_when_nothing_changes() {
        let mut tracker = Tracker::default();
        tracker.events(&change(0, true, false, &[], &[]));
        assert!(tracker
            .events(&change(15, false, false, &[], &[]))
            .is_empty());
        assert_eq!(
            tracker.events(&change(31, false, false, &[], &[])),
            vec![HistoryEvent::Covered {
                source: "am".into(),
                at: t(31)
            }]
        );
    }

    #[test]
    fn the_key_is_the_labels_whatever_their_order() {
        let one = alert_key([("a", "1"), ("b", "2")].into_iter());
        let two = alert_key([("b", "2"), ("a", "1")].into_iter());
        assert_eq!(one, two);
        assert_ne!(one, alert_key([("a", "12")].into_iter()));
        assert_ne!(
            alert_key([("a", "b=c")].into_iter()),
            alert_key([("a=b", "c")].into_iter())
        );
    }

    #[test]
    fn coverage_merges_overlapping_spans_and_clips_to_the_period() {
        let spans = [
            Span {
                from: t(0),
                until: t(100),
            },
            Span {
                from: t(50),
                until: t(150),
            },
            Span {
                from: t(300),
                until: t(400),
            },
        ];
        assert_eq!(covered(&spans, t(-50), t(350)), Duration::seconds(200));
        assert_eq!(covered(&[], t(0), t(10)), Duration::zero());
    }
}
