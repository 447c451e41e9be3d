//! Keeping sitrep's own alert history: every alert change a front-end sees goes
//! through [`Tracker`] into history events, and a writer thread with its own
//! database connection stores them. Both the TUI and `sitrep watch` run one, so the
//! history exists for the time any of them watched (the store keeps one firing per
//! alert and start however many processes write it).

use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

use crate::domain::alert_history::{HistoryEvent, Tracker};
use crate::domain::alert_set::Change;
use crate::store::{Store, Target};

/// At most this many events wait for a database that does not answer; beyond it the
/// oldest coverage marks go first, then the oldest events (a week-long outage of the
/// database costs history, not memory).
const MAX_PENDING: usize = 500_000;

/// Turns changes into events on the caller's thread and hands them to the writer.
pub struct Recorder {
    tracker: Tracker,
    to_writer: Sender<Vec<HistoryEvent>>,
}

impl Recorder {
    pub fn saw(&mut self, change: &Change) {
        let events = self.tracker.events(change);
        if !events.is_empty() {
            // The writer gone (it panicked): the history stops, the screen goes on.
            let _ = self.to_writer.send(events);
        }
    }
}

/// Starts the writer for `holder` (who is watching: a TUI or a watcher) on
/// `target`; the recorder feeds it. The writer ends when the recorder is dropped,
/// after one last try.
pub fn spawn(
    target: Target,
    busy_timeout: Duration,
    holder: String,
) -> (Recorder, std::thread::JoinHandle<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle =
        std::thread::spawn(move || write_until_stopped(&target, busy_timeout, &holder, &rx));
    (
        Recorder {
            tracker: Tracker::default(),
            to_writer: tx,
        },
        handle,
    )
}

fn write_until_stopped(
    target: &Target,
    busy_timeout: Duration,
    holder: &str,
    rx: &Receiver<Vec<HistoryEvent>>,
) {
    let mut store: Option<Store> = None;
    let mut pending: Vec<HistoryEvent> = Vec::new();
    let mut warned = false;
    loop {
        let stopping = match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(batch) => {
                pending.extend(batch);
                while let Ok(more) = rx.try_recv() {
                    pending.extend(more);
                }
                false
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => false,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => true,
        };
        if !pending.is_empty() {
            match write(&mut store, target, busy_timeout, holder, &pending) {
                Ok(()) => {
                    pending.clear();
                    warned = false;
                }
                Err(e) => {
                    store = None;
                    if !warned {
                        tracing::warn!("alert history: cannot write yet ({e}); kept to retry");
                        warned = true;
                    }
                    bound(&mut pending);
                }
            }
        }
        if stopping {
            return;
        }
    }
}

fn write(
    store: &mut Option<Store>,
    target: &Target,
    busy_timeout: Duration,
    holder: &str,
    events: &[HistoryEvent],
) -> Result<(), crate::store::StoreError> {
    if store.is_none() {
        *store = Some(Store::connect(target, busy_timeout, false)?);
    }
    match store.as_mut() {
        Some(s) => s.record_alert_history(holder, events),
        None => Ok(()),
    }
}

/// Keeps `pending` under [`MAX_PENDING`]: coverage marks are dropped first (the
/// newest of each source is kept), then the oldest events.
fn bound(pending: &mut Vec<HistoryEvent>) {
    if pending.len() <= MAX_PENDING {
        return;
    }
    let mut newest_cover: std::collections::HashMap<String, usize> = Default::default();
    for (i, e) in pending.iter().enumerate() {
        if let HistoryEvent::Covered { source, .. } = e {
            newest_cover.insert(source.clone(), i);
        }
    }
    let mut i = 0;
    pending.retain(|e| {
        let keep = match e {
            HistoryEvent::Covered { source, .. } => newest_cover.get(source) == Some(&i),
            _ => true,
        };
        i += 1;
        keep
    });
    if pending.len() > MAX_PENDING {
        let drop = pending.len() - MAX_PENDING;
        pending.drain(..drop);
    }
}
