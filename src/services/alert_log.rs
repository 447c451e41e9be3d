//! Turning poll results into the timeline entries the alert rules make, without a
//! screen: each result is diffed into the merged set of every source's alerts
//! (`domain::alert_set`) and run through `domain::alert_rules` against the open
//! incidents. `sitrep watch` applies it to every poll; the TUI applies the same two
//! pieces on its own threads (it keeps the set for its board).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::alert_rules::AlertRules;
use crate::domain::alert_set::{AlertSet, Builder};
use crate::domain::parse::truncate_to_millis;
use crate::domain::{Incident, IncidentId, NewEntry};
use crate::sources::poller::PollEvent;

/// What one poll result said about its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Polled {
    Answered {
        source: String,
        at: DateTime<Utc>,
        alerts: usize,
    },
    Failed {
        source: String,
        at: DateTime<Utc>,
        error: String,
    },
    /// Not an alert source's answer (SLO figures).
    Other,
}

/// The rules and the alert set they compare against, for every configured source.
pub struct AlertLog {
    builder: Builder,
    set: Arc<AlertSet>,
    rules: AlertRules,
    history: Option<super::alert_history::Recorder>,
}

impl AlertLog {
    pub fn new(sources: &[&str]) -> Self {
        Self {
            builder: Builder::new(sources),
            set: Arc::default(),
            rules: AlertRules::default(),
            history: None,
        }
    }

    /// Also tells `recorder` (the alert history) every change.
    pub fn with_history(mut self, recorder: super::alert_history::Recorder) -> Self {
        self.history = Some(recorder);
        self
    }

    /// Applies one poll result: what it said of its source, and the entries it makes
    /// for `incidents` (dated when the answer came).
    pub fn apply(
        &mut self,
        event: PollEvent,
        incidents: &[Incident],
    ) -> (Polled, Vec<(IncidentId, NewEntry)>) {
        let built = match event {
            PollEvent::Fetched(snapshot) => self.builder.apply(
                &snapshot.source,
                Ok(snapshot.alerts),
                truncate_to_millis(snapshot.fetched_at),
            ),
            PollEvent::Failed { source, error, at } => {
                let at = truncate_to_millis(at);
                let error = error.to_string();
                self.builder.failed(&source, error.clone(), at);
                return (Polled::Failed { source, at, error }, Vec::new());
            }
            PollEvent::Slos { .. } => return (Polled::Other, Vec::new()),
        };
        let change = built.change;
        if let Some(history) = &mut self.history {
            history.saw(&change);
        }
        let polled = Polled::Answered {
            source: change.source.clone(),
            at: change.at,
            alerts: change.count,
        };
        let Some(set) = built.set else {
            return (polled, Vec::new());
        };
        let old = std::mem::replace(&mut self.set, set);
        let entries = self.rules.apply_change(&change, &old, &self.set, incidents);
        (polled, entries)
    }
}
