//! The store worker: one thread that owns the `Store`, carries out load and write
//! effects in order, and reports when another process has committed to the database
//! (`PRAGMA data_version`, checked when idle every 300 ms — cheap, and no busy loop).

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use std::path::PathBuf;

use chrono::Utc;

use crate::app::{Effect, Msg, Saved, Write};
use crate::config::TimeDisplay;
use crate::domain::parse::truncate_to_millis;
use crate::domain::IncidentId;
use crate::report::file::{default_file_name, free_path, write_document};
use crate::report::{context, Templates, POSTMORTEM_TEMPLATE};
use crate::store::{Store, StoreError};

const WATCH_INTERVAL: Duration = Duration::from_millis(300);

/// What the worker needs to write postmortem drafts.
pub struct Exporter {
    pub templates: Templates,
    pub tz: TimeDisplay,
    /// Where drafts go: the exports dir (created owner-only when first used); `None`
    /// when there is no home directory to put it in.
    pub dir: Option<PathBuf>,
}

pub struct Worker {
    jobs: Option<Sender<Effect>>,
    thread: Option<JoinHandle<()>>,
}

pub fn spawn(mut store: Store, exporter: Exporter, tx: UnboundedSender<Msg>) -> Worker {
    let (jobs, rx) = mpsc::channel::<Effect>();
    let thread = thread::spawn(move || {
        let mut seen = store.data_version().ok();
        loop {
            match rx.recv_timeout(WATCH_INTERVAL) {
                Ok(effect) => {
                    if let Some(msg) = execute(&mut store, &exporter, effect) {
                        if tx.send(msg).is_err() {
                            return;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = store.data_version().ok();
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
    });
    Worker {
        jobs: Some(jobs),
        thread: Some(thread),
    }
}

impl Worker {
    pub fn run_all(&self, effects: Vec<Effect>) {
        if let Some(jobs) = &self.jobs {
            for effect in effects {
                // A dead worker shows up as the loop's channel closing.
                let _ = jobs.send(effect);
            }
        }
    }

    /// Lets queued writes finish, then stops the thread.
    pub fn finish(mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn execute(store: &mut Store, exporter: &Exporter, effect: Effect) -> Option<Msg> {
    let result = match effect {
        Effect::Quit => return None,
        Effect::Export(id) => return Some(Msg::Exported(export(store, exporter, id))),
        Effect::LoadIncidents => store.list_incidents(true).map(Msg::IncidentsLoaded),
        Effect::LoadRecord(id) => store.load_incident(id).map(Msg::RecordLoaded),
        Effect::Write(write) => apply(store, *write).map(Msg::Saved),
    };
    Some(result.unwrap_or_else(|e| Msg::StoreFailed(e.to_string())))
}

/// Renders the postmortem draft and writes it to a file of its own (never over one
/// that exists), returning the file's path.
fn export(store: &Store, exporter: &Exporter, id: IncidentId) -> Result<PathBuf, String> {
    let record = store.load_incident(id).map_err(|e| e.to_string())?;
    let now = truncate_to_millis(Utc::now());
    let data = context::postmortem(
        &record.incident,
        &record.timeline,
        &record.follow_ups,
        &record.alerts,
        exporter.tz,
        now,
    );
    let text = exporter
        .templates
        .render(POSTMORTEM_TEMPLATE, &data)
        .map_err(|e| e.to_string())?;
    let dir = exporter
        .dir
        .as_deref()
        .ok_or("no exports directory: set HOME, or export with 'sitrep export ID -o FILE'")?;
    crate::config::create_private_dir(dir).map_err(|e| e.to_string())?;
    let path = free_path(dir, &default_file_name(&record.incident, exporter.tz));
    write_document(&path, &text, false).map_err(|e| e.to_string())?;
    Ok(path)
}

fn apply(store: &mut Store, write: Write) -> Result<Saved, StoreError> {
    Ok(match write {
        Write::Declare(new) => Saved::Declared(store.declare(new)?),
        Write::Append(id, entry) => Saved::Appended(store.append_entry(id, &entry)?),
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
            store.append_entry_once(id, &entry)?;
            Saved::AlertLogged
        }
        Write::CompleteFollowUp { id, author, at } => {
            Saved::FollowUp(store.complete_follow_up(id, &author, at)?)
        }
    })
}
