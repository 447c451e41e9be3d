//! `sitrep watch`: the front-end with no terminal, so that the team's log keeps
//! itself when nobody has a TUI open. It runs as a service beside Alertmanager and
//! Prometheus and does with nobody looking what a TUI does for its user: logs what
//! linked alerts do (the same rules, `domain::alert_rules` through
//! `services::alert_log`), delivers the comms outbox, ends the pages of incidents
//! no longer open P1s, and gives reminders (`services::reminders`).
//!
//! Three threads, each with a database connection of its own, so that one that
//! waits (a webhook receiver that hangs, a database that is down) holds up none of
//! the others: the alert logger (poll results in, entries out, and those it could
//! not write kept in order with the time they were seen until the database is
//! back), the poster (the outbox loop the TUI runs too), and the duty thread (a
//! heartbeat every 5 s; the one watcher holding the duty lease gives reminders and
//! ends pages). Pollers and the HTTP server (`/healthz`, `/metrics`) run on a small
//! tokio runtime. Many watchers, TUIs and CLIs may share one database: each alert
//! transition and each reminder is written once (the store's write-once checks),
//! each delivery posted once (its lease).

mod http;
mod status;

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration as StdDuration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::domain::watchers::{Watcher, BEAT_EVERY, GONE_AFTER};
use crate::domain::{Incident, IncidentId, NewEntry};
use crate::services::alert_log::{AlertLog, Polled};
use crate::services::outbox::Round;
use crate::sources::poller::{self, PollEvent};
use crate::store::{Store, StoreError, Target};
use status::{OutcomeLabel, SourceState, Status};

/// Who the watcher writes as.
pub const AUTHOR: &str = crate::domain::reminders::AUTHOR;

/// How often the ending of stale pages is tried.
const PAGES_EVERY: StdDuration = StdDuration::from_secs(30);

/// What `sitrep watch` is started on.
pub struct Launch {
    pub config: Config,
    pub target: Target,
    pub templates_dir: PathBuf,
    /// Where to serve `/healthz` and `/metrics` (none: not served).
    pub listen: Option<SocketAddr>,
}

/// Runs until SIGTERM or SIGINT; then finishes what is in flight (the delivery
/// being posted, the entries seen and not written) and returns `Ok`. An error is
/// returned when a part stops on its own (so that systemd restarts the service).
pub fn run(launch: Launch) -> anyhow::Result<()> {
    let Launch {
        config,
        target,
        templates_dir,
        listen,
    } = launch;
    // Fail before anything starts when the database cannot be opened at all (a
    // wrong path, a newer schema); later outages are waited out.
    match Store::connect(&target, config.busy_timeout, false) {
        Ok(_) => {}
        Err(e @ (StoreError::TooNew { .. } | StoreError::NeedsMigration { .. })) => {
            return Err(anyhow::Error::new(e))
        }
        Err(e) => tracing::warn!("sitrep watch: the database does not answer yet: {e}"),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(watch(config, target, templates_dir, listen))
}

async fn watch(
    config: Config,
    target: Target,
    templates_dir: PathBuf,
    listen: Option<SocketAddr>,
) -> anyhow::Result<()> {
    let started = crate::domain::parse::truncate_to_millis(Utc::now());
    let sources: Vec<SourceState> = config
        .sources
        .iter()
        .map(|s| SourceState {
            name: s.name.clone(),
            interval: chrono::Duration::from_std(s.poll_interval)
                .unwrap_or_else(|_| chrono::Duration::seconds(15)),
            last_ok: None,
            last_error: None,
        })
        .collect();
    let status = Arc::new(Status::new(sources));
    let listener = match listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?,
        ),
        None => None,
    };
    let stop = Arc::new(AtomicBool::new(false));

    let (poll_tx, poll_rx) = mpsc::unbounded_channel::<PollEvent>();
    let mut pollers = JoinSet::new();
    for source in &config.sources {
        pollers.spawn(poller::run(
            source.clone(),
            config.labels.clone(),
            poll_tx.clone(),
        ));
    }
    drop(poll_tx);

    let (wake, woken) = std::sync::mpsc::channel::<()>();
    let logger = {
        let (config, target, status) = (config.clone(), target.clone(), Arc::clone(&status));
        let holder = Watcher::id_for(&crate::host::host_name(), std::process::id(), started);
        thread::Builder::new()
            .name("alert-logger".into())
            .spawn(move || log_alerts(&config, &target, poll_rx, &status, holder))
            .context("cannot start the alert logger")?
    };
    let poster = {
        let (config, target, status) = (config.clone(), target.clone(), Arc::clone(&status));
        thread::Builder::new()
            .name("poster".into())
            .spawn(move || {
                crate::services::outbox::deliver_until_stopped(
                    &config,
                    &target,
                    &templates_dir,
                    &woken,
                    StdDuration::from_secs(1),
                    |round| {
                        record_round(&status, round);
                        true
                    },
                )
            })
            .context("cannot start the poster")?
    };
    let me = Watcher {
        id: Watcher::id_for(&crate::host::host_name(), std::process::id(), started),
        host: crate::host::host_name(),
        pid: i64::from(std::process::id()),
        version: env!("CARGO_PKG_VERSION").to_string(),
        started,
        heartbeat: started,
        on_duty: false,
        stopped: None,
    };
    let duty = {
        let (config, target, status, stop) = (
            config.clone(),
            target.clone(),
            Arc::clone(&status),
            Arc::clone(&stop),
        );
        let wake = wake.clone();
        thread::Builder::new()
            .name("duties".into())
            .spawn(move || duties(&config, &target, me, &status, &stop, &wake))
            .context("cannot start the duty thread")?
    };
    let (http_stop, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let server = listener.map(|listener| {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!("sitrep watch: /healthz and /metrics on http://{addr}");
        }
        tokio::spawn(http::serve(listener, Arc::clone(&status), http_stopped))
    });
    tracing::info!(
        "sitrep watch {} started: {} source(s), database {}",
        env!("CARGO_PKG_VERSION"),
        config.sources.len(),
        target.short()
    );
    if config.sources.is_empty() {
        tracing::warn!(
            "sitrep watch: no alert sources configured: comms are delivered and reminders given, no alert is logged"
        );
    }

    let mut sigterm = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    let mut check = tokio::time::interval(StdDuration::from_secs(1));
    let ended: anyhow::Result<()> = loop {
        tokio::select! {
            _ = sigterm.recv() => break Ok(()),
            _ = sigint.recv() => break Ok(()),
            Some(done) = pollers.join_next() => {
                let why = match done {
                    Err(e) if e.is_panic() => "it panicked".to_string(),
                    Err(e) => e.to_string(),
                    Ok(()) => "it ended".to_string(),
                };
                break Err(anyhow::anyhow!("an alert poller stopped unexpectedly ({why})"));
            }
            _ = check.tick() => {
                let dead = [("the alert logger", logger.is_finished() && !config.sources.is_empty()),
                    ("the poster", poster.is_finished()), ("the duty thread", duty.is_finished())]
                    .into_iter().find(|(_, dead)| *dead);
                if let Some((part, _)) = dead {
                    break Err(anyhow::anyhow!("{part} stopped unexpectedly"));
                }
            }
        }
    };
    tracing::info!("sitrep watch: stopping");
    stop.store(true, Ordering::SeqCst);
    // The pollers' ends close the logger's channel: it writes what it holds and ends.
    pollers.abort_all();
    while pollers.join_next().await.is_some() {}
    drop(wake);
    let _ = http_stop.send(());
    let joined = tokio::task::spawn_blocking(move || {
        let mut panicked = Vec::new();
        for (name, handle) in [
            ("alert logger", logger),
            ("poster", poster),
            ("duties", duty),
        ] {
            if handle.join().is_err() {
                panicked.push(name);
            }
        }
        panicked
    })
    .await
    .unwrap_or_default();
    if let Some(server) = server {
        let _ = server.await;
    }
    if !joined.is_empty() {
        tracing::error!("sitrep watch: {} panicked", joined.join(", "));
    }
    tracing::info!("sitrep watch: stopped");
    ended
}

/// Counts what one round of the poster did.
fn record_round(status: &Status, round: Round) {
    match round {
        Round::Pass(pass) => {
            status.database_answered(Utc::now());
            let count = |outcome: &str, n: usize| {
                status
                    .metrics
                    .deliveries
                    .get_or_create(&OutcomeLabel {
                        outcome: outcome.into(),
                    })
                    .inc_by(n as u64);
            };
            let posted = pass.finished.iter().filter(|f| f.posted).count();
            count("posted", posted);
            count("failed", pass.finished.len() - posted);
            count("retried", pass.retrying.len());
            if pass.finished.iter().any(|f| f.entry.is_some()) {
                status.metrics.wrote(Utc::now());
            }
        }
        Round::StoreFailed(why) => status.database_failed(&why),
        Round::Panicked => tracing::error!("comms delivery stopped after an internal error"),
    }
}

/// The store, opened (again) when it is not; says the database failed otherwise.
fn connected<'s>(
    store: &'s mut Option<Store>,
    config: &Config,
    target: &Target,
    status: &Status,
) -> Option<&'s mut Store> {
    if store.is_none() {
        match Store::connect(target, config.busy_timeout, false) {
            Ok(s) => *store = Some(s),
            Err(e) => {
                status.database_failed(&e.to_string());
                return None;
            }
        }
    }
    store.as_mut()
}

/// The alert logger: applies every poll result to the open incidents and writes
/// the entries, oldest first. While the database does not answer, the entries wait
/// here (with the time they were seen) and the last incidents read stand in.
fn log_alerts(
    config: &Config,
    target: &Target,
    mut polls: mpsc::UnboundedReceiver<PollEvent>,
    status: &Status,
    holder: String,
) {
    let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    let (recorder, history) =
        crate::services::alert_history::spawn(target.clone(), config.busy_timeout, holder);
    let mut log = AlertLog::new(&names).with_history(recorder);
    let mut store: Option<Store> = None;
    let mut incidents: Vec<Incident> = Vec::new();
    let mut pending: VecDeque<(IncidentId, NewEntry)> = VecDeque::new();
    while let Some(event) = polls.blocking_recv() {
        if let Some(open) = connected(&mut store, config, target, status) {
            match open.list_incidents(true) {
                Ok(now_open) => {
                    incidents = now_open;
                    status.database_answered(Utc::now());
                }
                Err(e) => {
                    status.database_failed(&e.to_string());
                    store = None;
                }
            }
        }
        let (polled, entries) = log.apply(event, &incidents);
        match polled {
            Polled::Answered { source, at, .. } => status.source_answered(&source, at),
            Polled::Failed { source, error, .. } => status.source_failed(&source, &error),
            Polled::Other => {}
        }
        pending.extend(entries);
        write_pending(&mut store, config, target, status, &mut pending);
    }
    // Stopping: one last try for what is still held, and the history's.
    write_pending(&mut store, config, target, status, &mut pending);
    drop(log);
    if history.join().is_err() {
        tracing::warn!("sitrep watch: the alert history writer stopped after an internal error");
    }
    if !pending.is_empty() {
        tracing::warn!(
            "sitrep watch: stopped with {} alert change(s) not written (the database did not answer)",
            pending.len()
        );
    }
}

fn write_pending(
    store: &mut Option<Store>,
    config: &Config,
    target: &Target,
    status: &Status,
    pending: &mut VecDeque<(IncidentId, NewEntry)>,
) {
    while let Some((id, entry)) = pending.front() {
        let Some(open) = connected(store, config, target, status) else {
            break;
        };
        match open.append_alert_event(*id, entry) {
            Ok(written) => {
                if let Some(stored) = written {
                    tracing::info!(incident = id.0, "{}", stored.text);
                    status.metrics.alert_entries.inc();
                    status.metrics.wrote(Utc::now());
                }
                status.database_answered(Utc::now());
                pending.pop_front();
            }
            // Deleted around sitrep: nothing to write it into.
            Err(StoreError::IncidentNotFound(_)) => {
                pending.pop_front();
            }
            Err(e) => {
                tracing::warn!("sitrep watch: cannot write an alert change yet: {e}");
                status.database_failed(&e.to_string());
                *store = None;
                break;
            }
        }
    }
    status.metrics.pending_entries.set(pending.len() as i64);
}

/// The duty thread: a heartbeat every [`BEAT_EVERY`]; while this watcher holds the
/// lease, reminders at each beat and stale pages every [`PAGES_EVERY`]. Leaves
/// (heartbeat gone, lease free) when stopped.
fn duties(
    config: &Config,
    target: &Target,
    mut me: Watcher,
    status: &Status,
    stop: &AtomicBool,
    wake: &std::sync::mpsc::Sender<()>,
) {
    let mut store: Option<Store> = None;
    let mut failed_pages: HashSet<IncidentId> = HashSet::new();
    let mut next_pages = Instant::now();
    let beat_every = BEAT_EVERY.to_std().unwrap_or(StdDuration::from_secs(5));
    while !stop.load(Ordering::SeqCst) {
        let began = Instant::now();
        let now = crate::domain::parse::truncate_to_millis(Utc::now());
        if let Some(open) = connected(&mut store, config, target, status) {
            me.heartbeat = now;
            match open.beat(&me, now + GONE_AFTER) {
                Ok(on_duty) => {
                    status.database_answered(now);
                    status.metrics.wrote(now);
                    if on_duty != me.on_duty {
                        tracing::info!(
                            "sitrep watch: {} the duties (reminders, ending pages)",
                            if on_duty { "took" } else { "handed over" }
                        );
                    }
                    me.on_duty = on_duty;
                    status.metrics.on_duty.set(i64::from(on_duty));
                    if let Ok((backlog, oldest)) = open.outbox_backlog() {
                        status.metrics.outbox_backlog.set(backlog);
                        status.metrics.outbox_oldest_age.set(
                            oldest.map_or(0.0, |t| {
                                (now - t).num_milliseconds().max(0) as f64 / 1000.0
                            }),
                        );
                    }
                    if on_duty {
                        do_duties(
                            open,
                            config,
                            status,
                            &mut failed_pages,
                            &mut next_pages,
                            wake,
                        );
                    }
                }
                Err(e) => {
                    status.database_failed(&e.to_string());
                    store = None;
                }
            }
        }
        while !stop.load(Ordering::SeqCst) && began.elapsed() < beat_every {
            thread::sleep(StdDuration::from_millis(100));
        }
    }
    if let Some(open) = connected(&mut store, config, target, status) {
        if let Err(e) = open.leave(&me.id) {
            tracing::warn!("sitrep watch: could not hand over the duties on stopping: {e}");
        }
    }
}

fn do_duties(
    store: &mut Store,
    config: &Config,
    status: &Status,
    failed_pages: &mut HashSet<IncidentId>,
    next_pages: &mut Instant,
    wake: &std::sync::mpsc::Sender<()>,
) {
    let now = crate::domain::parse::truncate_to_millis(Utc::now());
    match crate::services::reminders::give_due(store, config, now) {
        Ok(given) if !given.is_empty() => {
            status.metrics.reminders.inc_by(given.len() as u64);
            status.metrics.wrote(now);
            let _ = wake.send(());
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("sitrep watch: reminders: {e}"),
    }
    if Instant::now() >= *next_pages {
        *next_pages = Instant::now() + PAGES_EVERY;
        match crate::services::escalation::end_stale_pages(store, config, AUTHOR, now, failed_pages)
        {
            Ok(done) => {
                for escalated in done {
                    match escalated.outcome {
                        crate::services::escalation::Outcome::Ended(text) => {
                            status.metrics.pages_ended.inc();
                            tracing::info!("sitrep watch: {text}");
                        }
                        crate::services::escalation::Outcome::Failed(text) => {
                            tracing::warn!("sitrep watch: {text}");
                        }
                        crate::services::escalation::Outcome::Paged(_) => {}
                    }
                }
            }
            Err(e) => tracing::warn!("sitrep watch: ending pages: {e}"),
        }
    }
}
