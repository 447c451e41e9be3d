//! The store worker: one thread that owns the `Store`, carries out load and write
//! effects in order, and on SQLite reports when another process has committed to the
//! database (`PRAGMA data_version`, checked when idle every 300 ms — cheap, and no busy
//! loop). On PostgreSQL, changes come from the change feed (`change_feed.rs`).
//!
//! Supervised: if the thread dies (a panic), the event loop hears of it at once and
//! ends the TUI cleanly; an effect is never dropped silently. Postmortem drafts are
//! rendered on a thread of their own, so a slow template never holds up a write.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::{Effect, Msg, Saved, Write};
use crate::config::TimeDisplay;
use crate::domain::parse::truncate_to_millis;
use crate::report::file::{default_file_name, free_path, write_document};
use crate::report::{context, Templates, COMMS_TEXT_TEMPLATE, POSTMORTEM_TEMPLATE};
use crate::store::{IncidentRecord, Store, StoreError};

const WATCH_INTERVAL: Duration = Duration::from_millis(300);
/// How often the worker reads whether a `sitrep watch` runs on the database.
const WATCHERS_EVERY: Duration = Duration::from_secs(5);

/// What the worker needs to write postmortem drafts.
#[derive(Clone)]
pub struct Exporter {
    pub templates: Templates,
    pub tz: TimeDisplay,
    /// Public region names and the update cadence, for the comms draft.
    pub comms: crate::config::Comms,
    /// Where drafts go: the exports dir (created owner-only when first used); `None`
    /// when there is no home directory to put it in.
    pub dir: Option<PathBuf>,
    /// For the postmortem's error budget figures (read on the export's thread).
    pub slos: Vec<crate::sources::slo::SloQuery>,
    pub sources: Vec<crate::sources::Source>,
    /// Where to page from after a lifecycle change; `None` in the demo.
    pub escalation: Option<Escalator>,
    /// Where comms updates are posted; `None` in the demo or with no channels.
    pub posting: Option<super::poster::Poster>,
    /// The demo's feed, whose simulated SLOs give a demo postmortem its figures.
    pub demo: Option<(
        crate::sources::demo::DemoFeed,
        crate::domain::alert::LabelMapping,
    )>,
}

/// What a page needs: the settings, and the database to record it in (on a
/// connection of its own, so a slow Alertmanager never holds up a write).
#[derive(Clone)]
pub struct Escalator {
    pub config: crate::config::Config,
    pub target: crate::store::Target,
}

impl Escalator {
    /// Pages (or ends the page) for `id` on a thread of its own; says what happened.
    fn after(&self, id: crate::domain::IncidentId, author: String, tx: &UnboundedSender<Msg>) {
        let (this, tx) = (self.clone(), tx.clone());
        thread::spawn(move || {
            use crate::services::escalation::{after_change, Outcome};
            let now = truncate_to_millis(Utc::now());
            let outcome = Store::connect(&this.target, this.config.busy_timeout, false)
                .map_err(|e| format!("cannot record the page: {e}"))
                .map(|mut store| after_change(&mut store, &this.config, id, &author, now));
            let msg = match outcome.map(|e| e.map(|e| e.outcome)) {
                Ok(None) => return,
                Ok(Some(Outcome::Paged(t) | Outcome::Ended(t))) => Msg::Escalated(Ok(t)),
                Ok(Some(Outcome::Failed(t))) | Err(t) => Msg::Escalated(Err(t)),
            };
            let _ = tx.send(msg);
        });
    }
}

/// The worker stopped: why, in words (a panic's message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped(pub String);

pub struct Worker {
    jobs: Option<Sender<Effect>>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the worker. `stopped` hears once if its thread dies.
pub fn spawn(
    store: Store,
    exporter: Exporter,
    tx: UnboundedSender<Msg>,
    stopped: UnboundedSender<Stopped>,
) -> Worker {
    supervised(stopped, move |rx| work(store, &exporter, &rx, &tx))
}

/// Runs `body` on a thread with the job channel, and reports on `stopped` if it
/// panics. Split out so that supervision is tested with a body that panics.
fn supervised(
    stopped: UnboundedSender<Stopped>,
    body: impl FnOnce(Receiver<Effect>) + Send + 'static,
) -> Worker {
    let (jobs, rx) = mpsc::channel::<Effect>();
    let thread = thread::spawn(move || {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| body(rx))) {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "it panicked".to_string());
            let _ = stopped.send(Stopped(why));
        }
    });
    Worker {
        jobs: Some(jobs),
        thread: Some(thread),
    }
}

fn work(mut store: Store, exporter: &Exporter, rx: &Receiver<Effect>, tx: &UnboundedSender<Msg>) {
    // SQLite has no change feed: a number that moves on every commit is compared when
    // idle. PostgreSQL pushes changes (see `change_feed`) and says `None` here.
    let mut seen = store.change_token().ok().flatten();
    // Whether a `sitrep watch` keeps this log, read every few seconds and said
    // when it changes (the header's `watch: ok` / `watch: none`).
    let mut watched: Option<bool> = None;
    let mut next_watch_check = std::time::Instant::now();
    loop {
        if exporter.demo.is_none() && std::time::Instant::now() >= next_watch_check {
            next_watch_check = std::time::Instant::now() + WATCHERS_EVERY;
            if let Ok(watchers) = store.watchers() {
                let running = crate::domain::watchers::WatchState::of(watchers, chrono::Utc::now())
                    .is_running();
                if watched != Some(running) {
                    watched = Some(running);
                    if tx.send(Msg::Watched(running)).is_err() {
                        return;
                    }
                }
            }
        }
        match rx.recv_timeout(WATCH_INTERVAL) {
            Ok(effect) => {
                if let Some(msg) = execute(&mut store, exporter, effect, tx) {
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let now = store.change_token().ok().flatten();
                if now != seen {
                    seen = now;
                    if tx.send(Msg::StoreChanged).is_err() {
                        return;
                    }
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl Worker {
    /// Hands `effects` to the worker, in order. Fails when the worker is gone: the
    /// caller must end the TUI rather than pretend the writes were queued.
    pub fn run_all(&self, effects: Vec<Effect>) -> Result<(), Stopped> {
        let jobs = self
            .jobs
            .as_ref()
            .ok_or_else(|| Stopped("the database worker was shut down".into()))?;
        for effect in effects {
            jobs.send(effect)
                .map_err(|_| Stopped("the database worker stopped".into()))?;
        }
        Ok(())
    }

    /// Lets queued writes finish, then stops the thread.
    pub fn finish(mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn execute(
    store: &mut Store,
    exporter: &Exporter,
    effect: Effect,
    tx: &UnboundedSender<Msg>,
) -> Option<Msg> {
    let failed = |request, e: StoreError| {
        let error = e.to_string();
        tracing::warn!("store: {}", crate::domain::text::sanitize_line(&error));
        Msg::StoreFailed { request, error }
    };
    Some(match effect {
        // Acts outside the database are carried out by `actions`, never sent here.
        Effect::Quit
        | Effect::Silence(_)
        | Effect::Unsilence(_)
        | Effect::ListSilences(_)
        | Effect::Run(_)
        | Effect::PageTeam(_)
        | Effect::InterruptRun => return None,
        Effect::Export(id) => return draft(store, exporter, tx, id, Draft::Postmortem),
        Effect::CommsDraft(id) => return draft(store, exporter, tx, id, Draft::Comms),
        Effect::DraftToPost(id) => return draft(store, exporter, tx, id, Draft::ToPost),
        Effect::LoadIncidents => store.list_incidents(false).map_or_else(
            |e| {
                let why = crate::domain::text::sanitize_line(&e.to_string());
                tracing::warn!("store: {why}");
                Msg::IncidentsUnreadable(why)
            },
            Msg::IncidentsLoaded,
        ),
        Effect::LoadRecord(id) => store.load_incident(id).map_or_else(
            |e| {
                let why = crate::domain::text::sanitize_line(&e.to_string());
                tracing::warn!("store: {why}");
                Msg::RecordUnreadable(id, why)
            },
            Msg::RecordLoaded,
        ),
        Effect::Write { request, write } => {
            let lifecycle = match &*write {
                Write::Declare(new) => Some(new.declared_by.clone()),
                // Also role and field changes: a page carries the commander, comms
                // lead, services and regions, and is posted again when they change.
                Write::Status { author, .. }
                | Write::Severity { author, .. }
                | Write::Resolve { author, .. }
                | Write::Assign { author, .. }
                | Write::Edit { author, .. } => Some(author.clone()),
                _ => None,
            };
            match apply(store, *write, exporter.posting.as_ref()) {
                Ok(saved) => {
                    if let (Some(author), Some(escalator)) = (lifecycle, &exporter.escalation) {
                        if let Saved::Declared(change) | Saved::Changed(change) = &saved {
                            escalator.after(change.incident.id, author, tx);
                        }
                    }
                    Msg::Saved(request, saved)
                }
                Err(e) => failed(Some(request), e),
            }
        }
    })
}

/// Which document a draft is, and where it goes: a file, or back to the screen to be
/// posted.
#[derive(Debug, Clone, Copy)]
enum Draft {
    Postmortem,
    Comms,
    ToPost,
}

impl Draft {
    fn what(self) -> &'static str {
        match self {
            Self::Postmortem => "postmortem draft",
            Self::Comms | Self::ToPost => "comms draft",
        }
    }

    /// The message that says a draft of this kind of incident `id` failed, and why.
    fn failed(self, id: crate::domain::IncidentId, why: String) -> Msg {
        match self {
            Self::ToPost => Msg::DraftToPostReady {
                id,
                result: Err(why),
            },
            Self::Postmortem | Self::Comms => Msg::Exported {
                what: self.what(),
                result: Err(why),
            },
        }
    }
}

/// Loads the incident here (in order with the writes), then renders and writes the
/// draft on a thread of its own, so that a slow template never holds up a write.
fn draft(
    store: &mut Store,
    exporter: &Exporter,
    tx: &UnboundedSender<Msg>,
    id: crate::domain::IncidentId,
    kind: Draft,
) -> Option<Msg> {
    match store.load_incident(id) {
        Ok(record) => {
            let (exporter, tx) = (exporter.clone(), tx.clone());
            thread::spawn(move || {
                let text = render(&record, &exporter, kind);
                // A draft to post goes back to the screen; the others to a file.
                let done = match kind {
                    Draft::ToPost => text.map(|text| Msg::DraftToPostReady {
                        id,
                        result: Ok(text),
                    }),
                    Draft::Postmortem | Draft::Comms => text
                        .and_then(|text| write_out(&record, &exporter, kind, &text))
                        .map(|path| Msg::Exported {
                            what: kind.what(),
                            result: Ok(path),
                        }),
                };
                let msg = done.unwrap_or_else(|why| {
                    tracing::warn!(
                        "{} of incident {id} failed: {}",
                        kind.what(),
                        crate::domain::text::sanitize_line(&why)
                    );
                    kind.failed(id, why)
                });
                let _ = tx.send(msg);
            });
            None
        }
        Err(e) => Some(kind.failed(id, e.to_string())),
    }
}

/// Renders the draft of `kind` from the incident as loaded.
fn render(record: &IncidentRecord, exporter: &Exporter, kind: Draft) -> Result<String, String> {
    let now = truncate_to_millis(Utc::now());
    match kind {
        Draft::Postmortem => {
            let mut data = context::postmortem(
                &record.incident,
                &record.timeline,
                &record.follow_ups,
                &record.alerts,
                exporter.tz,
                now,
            );
            data.error_budget = match &exporter.demo {
                Some((feed, mapping)) => {
                    Some(feed.incident_budget(&record.incident, &record.alerts, now, mapping))
                }
                None => crate::sources::slo::incident_budget_blocking(
                    &exporter.sources,
                    &exporter.slos,
                    &record.incident,
                    &record.alerts,
                    now,
                ),
            };
            exporter.templates.render(POSTMORTEM_TEMPLATE, &data)
        }
        Draft::Comms | Draft::ToPost => {
            let data = context::comms_update(
                &record.incident,
                &record.timeline,
                exporter.tz,
                now,
                exporter.comms.update_every,
                &exporter.comms.regions,
            );
            exporter.templates.render(COMMS_TEXT_TEMPLATE, &data)
        }
    }
    .map_err(|e| e.to_string())
}

/// Writes a rendered draft to a file of its own (never over one that exists) in the
/// exports directory, returning its path.
fn write_out(
    record: &IncidentRecord,
    exporter: &Exporter,
    kind: Draft,
    text: &str,
) -> Result<PathBuf, String> {
    let dir = exporter
        .dir
        .as_deref()
        .ok_or("no exports directory: set HOME, or export with 'sitrep export ID -o FILE'")?;
    crate::config::create_private_dir(dir).map_err(|e| e.to_string())?;
    let name = default_file_name(&record.incident, exporter.tz);
    let name = match kind {
        Draft::Postmortem => name,
        Draft::Comms | Draft::ToPost => name
            .replacen("postmortem-", "comms-", 1)
            .replace(".md", ".txt"),
    };
    let path = free_path(dir, &name);
    write_document(&path, text, false).map_err(|e| e.to_string())?;
    Ok(path)
}
fn apply(
    store: &mut Store,
    write: Write,
    posting: Option<&super::poster::Poster>,
) -> Result<Saved, StoreError> {
    Ok(match write {
        Write::Declare(new) => Saved::Declared(store.declare(new)?),
        Write::Append(id, entry) => Saved::Appended(store.append_entry(id, &entry)?),
        Write::Post(id, entry) => match posting {
            Some(poster) => {
                let give_up = crate::services::outbox::give_up_at(&poster.config, entry.at);
                let stored = store.append_for_posting(id, &entry, &poster.channels, give_up)?;
                poster.wake();
                Saved::Appended(stored)
            }
            None => Saved::Appended(store.append_entry(id, &entry)?),
        },
        Write::Status { id, to, author, at } => {
            Saved::Changed(store.change_status(id, to, &author, at)?)
        }
        Write::Severity { id, to, author, at } => {
            Saved::Changed(store.change_severity(id, to, &author, at)?)
        }
        Write::Assign {
            id,
            commander,
            comms_lead,
            author,
            at,
        } => Saved::Changed(store.assign(
            id,
            commander.as_deref(),
            comms_lead.as_deref(),
            &author,
            at,
        )?),
        Write::Edit {
            id,
            edit,
            author,
            at,
        } => Saved::Changed(store.edit(id, &edit, &author, at)?),
        Write::Resolve {
            id,
            summary,
            author,
            at,
        } => Saved::Changed(store.resolve(id, summary.as_deref(), &author, at)?),
        Write::AddFollowUp(new) => Saved::FollowUp(store.add_follow_up(new)?),
        Write::AlertEntry(id, entry) => {
            store.append_alert_event(id, &entry)?;
            Saved::AlertLogged
        }
        Write::EditFollowUp {
            id,
            edit,
            author,
            at,
            today,
        } => Saved::FollowUp(store.edit_follow_up(id, &edit, &author, at, today)?),
        Write::CancelFollowUp {
            id,
            reason,
            author,
            at,
        } => Saved::FollowUp(store.cancel_follow_up(id, &reason, &author, at)?),
        Write::CompleteFollowUp { id, author, at } => {
            Saved::FollowUp(store.complete_follow_up(id, &author, at)?)
        }
        Write::Amend {
            entry,
            text,
            kind,
            author,
            at,
        } => Saved::Amended(store.correct_entry(entry, text.as_deref(), kind, &author, at)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_that_panics_is_reported_and_refuses_further_effects() {
        let (stopped_tx, mut stopped_rx) = tokio::sync::mpsc::unbounded_channel();
        let worker = supervised(stopped_tx, |rx| {
            let _first = rx.recv();
            panic!("disk on fire");
        });
        worker.run_all(vec![Effect::LoadIncidents]).unwrap();
        let why = stopped_rx.blocking_recv().expect("the death is reported");
        assert_eq!(why, Stopped("disk on fire".into()));
        // The thread is gone: the next effect fails loudly instead of vanishing.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            if worker.run_all(vec![Effect::LoadIncidents]).is_err() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "send kept succeeding");
            std::thread::yield_now();
        }
        worker.finish();
    }
}
