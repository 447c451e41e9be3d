//! Every source's alerts as one ready set, built off any UI loop: a poll result is
//! diffed against the source's previous answer by fingerprint (linear), merged with
//! the other sources' alerts in display order, and indexed once, so that applying it
//! on the loop costs the size of the change, and a frame costs the rows on screen.
//! Pure: the TUI feeds it poll results on a thread of its own, `sitrep watch` on
//! its loop; both hand what changed to `alert_rules`.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::alert::{display_order, Alert, AlertState};
use crate::domain::Severity;

/// Alerts of one name, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    /// Indexes into [`AlertSet::alerts`].
    pub members: Vec<usize>,
    pub p1: usize,
    pub firing: usize,
}

/// Every source's alerts at one moment, P1 first, with what the screen needs
/// computed once.
#[derive(Debug, Clone, Default)]
pub struct AlertSet {
    pub alerts: Vec<Arc<Alert>>,
    /// When each alert (same index) was first seen by this sitrep.
    first_seen: Vec<DateTime<Utc>>,
    index: HashMap<String, usize>,
    /// Firing P1 alerts, by index: the banner checks only these each frame.
    pub p1_firing: Vec<usize>,
    /// By alert name, in the order their first member is shown.
    pub groups: Vec<Group>,
}

impl AlertSet {
    pub fn get(&self, fingerprint: &str) -> Option<&Arc<Alert>> {
        self.index.get(fingerprint).map(|&i| &self.alerts[i])
    }

    pub fn index_of(&self, fingerprint: &str) -> Option<usize> {
        self.index.get(fingerprint).copied()
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.index.contains_key(fingerprint)
    }

    pub fn first_seen(&self, fingerprint: &str) -> Option<DateTime<Utc>> {
        self.index.get(fingerprint).map(|&i| self.first_seen[i])
    }

    fn build(mut alerts: Vec<Arc<Alert>>, seen: &HashMap<String, DateTime<Utc>>) -> Self {
        // Pointers are sorted, not alerts: moving 60,000 large values costs more
        // than comparing them.
        alerts.sort_by(|a, b| display_order(a, b));
        let mut index = HashMap::with_capacity_and_hasher(alerts.len(), Default::default());
        let mut first_seen = Vec::with_capacity(alerts.len());
        let mut p1_firing = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of: HashMap<&str, usize> = HashMap::default();
        for (i, alert) in alerts.iter().enumerate() {
            index.insert(alert.fingerprint.clone(), i);
            first_seen.push(
                seen.get(&alert.fingerprint)
                    .copied()
                    .unwrap_or(DateTime::<Utc>::MIN_UTC),
            );
            let p1 = alert.severity == Some(Severity::P1);
            let firing = alert.state == AlertState::Firing;
            if p1 && firing {
                p1_firing.push(i);
            }
            let g = *group_of.entry(alert.name.as_str()).or_insert_with(|| {
                groups.push(Group {
                    name: alert.name.clone(),
                    members: Vec::new(),
                    p1: 0,
                    firing: 0,
                });
                groups.len() - 1
            });
            let group = &mut groups[g];
            group.members.push(i);
            group.p1 += usize::from(p1);
            group.firing += usize::from(firing);
        }
        Self {
            alerts,
            first_seen,
            index,
            p1_firing,
            groups,
        }
    }
}

/// What one poll result changed, for the loop to log and show.
#[derive(Debug, Clone)]
pub struct Change {
    pub source: String,
    pub at: DateTime<Utc>,
    /// The alerts, or why the source could not be read.
    pub result: Result<(), String>,
    /// The source's first good answer: there is nothing to compare it with.
    pub first_answer: bool,
    /// The source failed since its previous good answer: what is missing now may
    /// have been lost by the source (a restart), not resolved.
    pub after_outage: bool,
    /// Alerts in this answer and not in the previous one.
    pub arrived: Vec<Arc<Alert>>,
    /// Alerts in the previous answer and not in this one.
    pub gone: Vec<Arc<Alert>>,
    /// Alerts in both answers that read differently now (a state, an annotation).
    pub changed: Vec<Arc<Alert>>,
    /// How many alerts the source reports now.
    pub count: usize,
    /// How long the poll took, from asking to having the alerts.
    pub took: std::time::Duration,
}

/// A poll result made ready for the loop: the new set (none when nothing changed in
/// it, as after a failure) and the change.
#[derive(Debug, Clone)]
pub struct Built {
    pub set: Option<Arc<AlertSet>>,
    pub change: Change,
}

#[derive(Debug, Default)]
struct SourceState {
    alerts: Vec<Arc<Alert>>,
    polled: bool,
    failed_since_ok: bool,
}

/// Keeps each source's last good answer and turns poll results into [`Built`] sets.
#[derive(Debug, Default)]
pub struct Builder {
    sources: Vec<(String, SourceState)>,
    first_seen: HashMap<String, DateTime<Utc>>,
    /// The last set built: handed out again when an answer changes nothing.
    last: Option<Arc<AlertSet>>,
}

impl Builder {
    pub fn new(sources: &[&str]) -> Self {
        Self {
            sources: sources
                .iter()
                .map(|name| ((*name).to_string(), SourceState::default()))
                .collect(),
            first_seen: HashMap::default(),
            last: None,
        }
    }

    /// A failed poll of `source`.
    pub fn failed(&mut self, source: &str, error: String, at: DateTime<Utc>) -> Built {
        self.apply::<Arc<Alert>>(source, Err(error), at)
    }

    /// Applies one poll result of `source`, in any order.
    pub fn apply<A: Into<Arc<Alert>>>(
        &mut self,
        source: &str,
        result: Result<Vec<A>, String>,
        at: DateTime<Utc>,
    ) -> Built {
        let position = match self.sources.iter().position(|(n, _)| n == source) {
            Some(p) => p,
            None => {
                self.sources
                    .push((source.to_string(), SourceState::default()));
                self.sources.len() - 1
            }
        };
        let state = &mut self.sources[position].1;
        let mut change = Change {
            source: source.to_string(),
            at,
            result: Ok(()),
            first_answer: !state.polled,
            after_outage: state.failed_since_ok,
            arrived: Vec::new(),
            gone: Vec::new(),
            changed: Vec::new(),
            count: state.alerts.len(),
            took: std::time::Duration::ZERO,
        };
        let alerts = match result {
            Ok(alerts) => alerts,
            Err(error) => {
                state.failed_since_ok = true;
                change.result = Err(error);
                return Built { set: None, change };
            }
        };
        state.polled = true;
        state.failed_since_ok = false;
        let alerts: Vec<Arc<Alert>> = alerts.into_iter().map(Into::into).collect();
        // The source handed back every alert of its last answer, in order (a quiet
        // poll: the parser reused each unchanged element): nothing to diff.
        if alerts.len() == state.alerts.len()
            && alerts
                .iter()
                .zip(&state.alerts)
                .all(|(a, b)| Arc::ptr_eq(a, b))
        {
            if let Some(last) = &self.last {
                return Built {
                    set: Some(Arc::clone(last)),
                    change,
                };
            }
        }
        // An alert that did not change keeps its allocation: memory holds one copy,
        // and dropping the previous set on the loop frees only what changed.
        let before: HashMap<&str, &Arc<Alert>> = state
            .alerts
            .iter()
            .map(|a| (a.fingerprint.as_str(), a))
            .collect();
        let mut changed = false;
        let alerts: Vec<Arc<Alert>> = alerts
            .into_iter()
            .map(|alert| {
                match before.get(alert.fingerprint.as_str()) {
                    // The source reused it (unchanged), or it is equal anyway.
                    Some(old) if Arc::ptr_eq(old, &alert) || **old == alert => Arc::clone(old),
                    Some(_) => {
                        changed = true;
                        change.changed.push(Arc::clone(&alert));
                        alert
                    }
                    None => {
                        change.arrived.push(Arc::clone(&alert));
                        alert
                    }
                }
            })
            .collect();
        drop(before);
        let after: HashSet<&str> = alerts.iter().map(|a| a.fingerprint.as_str()).collect();
        change.gone = state
            .alerts
            .iter()
            .filter(|b| !after.contains(b.fingerprint.as_str()))
            .cloned()
            .collect();
        drop(after);
        change.count = alerts.len();
        // Same alerts in the same order: the merged set is the one built last time
        // (a quiet poll of 60,000 alerts costs the diff, not a rebuild and sort).
        let same = !changed
            && change.arrived.is_empty()
            && change.gone.is_empty()
            && alerts.len() == state.alerts.len()
            && alerts
                .iter()
                .zip(&state.alerts)
                .all(|(a, b)| Arc::ptr_eq(a, b));
        state.alerts = alerts;
        if same {
            if let Some(last) = &self.last {
                return Built {
                    set: Some(Arc::clone(last)),
                    change,
                };
            }
        }
        for new in &change.arrived {
            self.first_seen.entry(new.fingerprint.clone()).or_insert(at);
        }
        let all = crate::domain::alert::one_per_fingerprint(
            self.sources
                .iter()
                .flat_map(|(_, s)| s.alerts.iter().cloned()),
        );
        let set = AlertSet::build(all, &self.first_seen);
        // Forget what is gone everywhere, so that it is new again if it comes back.
        for gone in &change.gone {
            if !set.contains(&gone.fingerprint) {
                self.first_seen.remove(&gone.fingerprint);
            }
        }
        let set = Arc::new(set);
        self.last = Some(Arc::clone(&set));
        Built {
            set: Some(set),
            change,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::{normalize, LabelMapping, RawAlert};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap()
    }

    fn alert(fp: &str, summary: &str) -> Arc<Alert> {
        Arc::new(normalize(
            "eu",
            RawAlert {
                fingerprint: fp.into(),
                labels: [("alertname".to_string(), "A".to_string())].into(),
                annotations: [("summary".to_string(), summary.to_string())].into(),
                ..RawAlert::default()
            },
            &LabelMapping::default(),
        ))
    }

    /// A quiet answer (the same alerts, reused by the parser) is the set built last
    /// time; any change builds a new one.
    #[test]
    fn a_quiet_answer_hands_out_the_last_set_and_a_change_builds_anew() {
        let mut b = Builder::new(&["eu"]);
        let (a, c) = (alert("a", "x"), alert("c", "x"));
        let first = b.apply("eu", Ok(vec![Arc::clone(&a), Arc::clone(&c)]), t(1));
        let first = first.set.unwrap();
        let quiet = b.apply("eu", Ok(vec![Arc::clone(&a), Arc::clone(&c)]), t(2));
        assert!(Arc::ptr_eq(&first, quiet.set.as_ref().unwrap()));
        assert!(quiet.change.arrived.is_empty() && quiet.change.gone.is_empty());
        let edited = b.apply("eu", Ok(vec![Arc::clone(&a), alert("c", "y")]), t(3));
        let edited = edited.set.unwrap();
        assert!(!Arc::ptr_eq(&first, &edited));
        assert_eq!(edited.get("c").unwrap().summary.as_deref(), Some("y"));
        let gone = b.apply("eu", Ok(vec![Arc::clone(&a)]), t(4));
        assert_eq!(gone.change.gone.len(), 1);
        assert!(!gone.set.unwrap().contains("c"));
    }
}
