//! The thread that turns poll results into ready alert sets, so that diffing,
//! merging and indexing tens of thousands of alerts never holds up a key press.
//! It also tells the alert history what changed.

use std::collections::HashSet;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::app::Msg;
use crate::domain::alert_set::Builder;
use crate::domain::parse::truncate_to_millis;
use crate::services::alert_history::Recorder;
use crate::sources::poller::PollEvent;

/// Builds sets from `polls` and sends them to the loop as messages, until either
/// channel closes. A panic is reported on `died`, so that the loop ends instead of
/// showing alerts that no longer change.
pub fn spawn(
    sources: Vec<String>,
    mut polls: UnboundedReceiver<PollEvent>,
    tx: UnboundedSender<Msg>,
    died: UnboundedSender<String>,
    mut history: Option<Recorder>,
) {
    std::thread::spawn(move || {
        let run = std::panic::AssertUnwindSafe(|| {
            let names: Vec<&str> = sources.iter().map(String::as_str).collect();
            let mut builder = Builder::new(&names);
            while let Some(first) = polls.blocking_recv() {
                // Under load, only the newest answer of each source is worth building.
                let mut batch = vec![first];
                while let Ok(more) = polls.try_recv() {
                    batch.push(more);
                }
                let mut newest: HashSet<String> = HashSet::new();
                let mut keep = vec![false; batch.len()];
                for (i, event) in batch.iter().enumerate().rev() {
                    keep[i] = match event {
                        PollEvent::Fetched(s) => newest.insert(s.source.clone()),
                        PollEvent::Failed { .. } | PollEvent::Slos { .. } => true,
                    };
                }
                for (event, keep) in batch.into_iter().zip(keep) {
                    if !keep {
                        continue;
                    }
                    let msg = match event {
                        PollEvent::Fetched(snapshot) => {
                            let mut built = builder.apply(
                                &snapshot.source,
                                Ok(snapshot.alerts),
                                truncate_to_millis(snapshot.fetched_at),
                            );
                            built.change.took = Duration::from_millis(snapshot.latency_ms);
                            if let Some(history) = &mut history {
                                history.saw(&built.change);
                            }
                            Msg::Alerts(Box::new(built))
                        }
                        PollEvent::Failed { source, error, at } => Msg::Alerts(Box::new(
                            builder.failed(&source, error.to_string(), truncate_to_millis(at)),
                        )),
                        PollEvent::Slos {
                            statuses,
                            errors,
                            history,
                        } => Msg::SlosUpdated {
                            statuses,
                            errors,
                            history,
                        },
                    };
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
            }
        });
        if std::panic::catch_unwind(run).is_err() {
            let _ = died.send("the alert builder panicked".into());
        }
    });
}
