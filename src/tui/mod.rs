//! The TUI's glue, and the only code of it that does I/O: the terminal guard, the
//! input thread, the store worker, signals, and the loop that moves messages into
//! `app::update` and draws once per batch. What the CLI shares with it (comms
//! delivery, escalation) is in `services`.

mod actions;
mod alert_builder;
mod change_feed;
mod input;
mod oncall;
mod poster;
mod runner;
mod store_worker;
mod terminal;

use crate::services::outbox;

use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::app::alerts::SourceView;
use crate::app::{self, Effect, Msg, State};
use crate::config::{Config, Paths};
use crate::domain::parse::truncate_to_millis;
use crate::report::Templates;
use crate::sources::demo::{DemoFeed, DEMO_SOURCE};
use crate::sources::poller::{self, PollEvent};
use crate::store::postgres::PgTarget;
use crate::store::Store;
use crate::ui::{self, Theme};

/// What the TUI is started on: the database (opened, and where it is), the
/// settings, who is at the keyboard, and whether it plays the demo or a rehearsal.
pub struct Launch<'a> {
    pub store: Store,
    /// Where `store` is: the team's PostgreSQL (its change feed is watched, pages and
    /// posts go out through their own connections) or a SQLite file.
    pub target: crate::store::Target,
    pub config: &'a Config,
    pub paths: &'a Paths,
    pub user: String,
    /// The demo feed plays instead of the configured sources (its seed and where in
    /// its loop to start).
    pub demo: Option<(u64, Option<chrono::Duration>)>,
    /// A rehearsal: every incident declared is a drill.
    pub drill: bool,
}

/// Runs the TUI until the user quits or a signal ends it. The terminal is restored
/// on every path; writes under way when quitting are finished first.
pub fn run(launch: Launch<'_>) -> anyhow::Result<()> {
    let Launch {
        store,
        target,
        config,
        paths,
        user,
        demo,
        drill,
    } = launch;
    let (demo_seed, demo_at) = match demo {
        Some((seed, at)) => (Some(seed), at),
        None => (None, None),
    };
    let team: Option<PgTarget> = match &target {
        crate::store::Target::Postgres(pg) => Some((**pg).clone()),
        crate::store::Target::Sqlite(_) => None,
    };
    let exporter = store_worker::Exporter {
        templates: Templates::new(&paths.templates_dir),
        tz: config.time_display,
        comms: config.comms.clone(),
        dir: paths.exports_dir.clone(),
        // The demo's incidents are not the SLO backend's: its postmortems read none.
        slos: match demo_seed {
            Some(_) => Vec::new(),
            None => config.slos.clone(),
        },
        sources: config.sources.clone(),
        // The demo and a rehearsal page nobody.
        escalation: match demo_seed {
            None if !drill => Some(store_worker::Escalator {
                config: config.clone(),
                target: target.clone(),
            }),
            _ => None,
        },
        posting: None,
        demo: demo_seed.and_then(|seed| {
            DemoFeed::shared(seed, Utc::now(), demo_at)
                .ok()
                .map(|feed| (feed, config.labels.clone()))
        }),
    };
    let database_named = Some(target.short());
    // The alert history, on its own connection: every alert this TUI sees.
    let history = crate::services::alert_history::spawn(
        target.clone(),
        config.busy_timeout,
        format!(
            "tui {} pid {} since {}",
            crate::host::host_name(),
            std::process::id(),
            Utc::now().timestamp_millis()
        ),
    )
    .0;
    let oncall_cache = crate::services::oncall::cache_dir(paths);
    let actions = actions::Actions::new(
        config,
        target.clone(),
        demo_seed.is_some(),
        oncall_cache.clone(),
    );
    // The demo and a rehearsal post nowhere; the poster starts with the event loop.
    let post_through = match demo_seed {
        None if !drill && !config.comms.channels.is_empty() => {
            Some((config.clone(), target, paths.templates_dir.clone()))
        }
        _ => None,
    };
    // The loop runs on this thread; pollers (HTTP, parsing) on two workers of their
    // own, so that a large answer never holds up a key press.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // The demo's alerts are nobody's: no schedules read for it.
    let oncall_from = (demo_seed.is_none() && !config.teams.is_empty())
        .then(|| (config.clone(), oncall_cache.clone()));
    let views = match demo_seed {
        Some(_) => vec![SourceView::new(DEMO_SOURCE, true, Duration::from_secs(1))],
        None => config
            .sources
            .iter()
            .map(|s| SourceView::new(&s.name, false, s.poll_interval))
            .collect(),
    };
    let mut state =
        State::new(user, config.time_display, config.p2_triage_window, now()).with_sources(views);
    state.drill = drill;
    if demo_seed.is_none() {
        state.database = database_named;
    }
    state.comms_every = config.comms.update_every;
    state.policy = config.policy.clone();
    if post_through.is_some() {
        state.post_channels = outbox::channel_names(config);
    }
    state.pages = config.escalation.enabled && exporter.escalation.is_some();
    let warnings: Vec<&str> = config
        .sources
        .iter()
        .flat_map(|s| s.warnings.iter().map(String::as_str))
        .collect();
    if demo_seed.is_none() && !warnings.is_empty() {
        state.banner = Some(app::Banner {
            error: true,
            text: format!("warning: {}", warnings.join("; ")),
        });
    }
    runtime.block_on(async {
        // Pollers run on this runtime, supervised: they end only when their receiver
        // is dropped, so one that ends earlier (a panic) ends the program cleanly.
        let (poll_tx, poll_rx) = mpsc::unbounded_channel::<PollEvent>();
        let mut pollers = JoinSet::new();
        match demo_seed {
            Some(seed) => {
                let feed =
                    DemoFeed::shared(seed, Utc::now(), demo_at).map_err(anyhow::Error::msg)?;
                pollers.spawn(poller::run_demo(feed, config.labels.clone(), poll_tx));
            }
            None => {
                if !config.slos.is_empty() {
                    pollers.spawn(poller::run_slos(
                        config.sources.clone(),
                        config.slos.clone(),
                        poll_tx.clone(),
                    ));
                }
                for source in &config.sources {
                    pollers.spawn(poller::run(
                        source.clone(),
                        config.labels.clone(),
                        poll_tx.clone(),
                    ));
                }
            }
        }
        event_loop(
            store,
            team,
            exporter,
            post_through,
            actions,
            state,
            poll_rx,
            pollers,
            history,
            oncall_from,
        )
        .await
    })
}

fn now() -> chrono::DateTime<Utc> {
    truncate_to_millis(Utc::now())
}

#[allow(clippy::too_many_arguments)]
async fn event_loop(
    store: Store,
    team: Option<PgTarget>,
    mut exporter: store_worker::Exporter,
    post_through: Option<(Config, crate::store::Target, std::path::PathBuf)>,
    mut actions: actions::Actions,
    mut state: State,
    polls: mpsc::UnboundedReceiver<PollEvent>,
    mut pollers: JoinSet<()>,
    history: crate::services::alert_history::Recorder,
    oncall_from: Option<(Config, std::path::PathBuf)>,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    if let Some((config, cache)) = oncall_from {
        oncall::spawn(config, cache, tx.clone());
    }
    exporter.posting = post_through
        .map(|(config, target, templates)| poster::spawn(config, target, templates, tx.clone()));
    let (stopped_tx, mut stopped) = mpsc::unbounded_channel::<store_worker::Stopped>();
    let (builder_died, mut builder_dead) = mpsc::unbounded_channel::<String>();
    let names = state.board.sources.iter().map(|s| s.name.clone()).collect();
    alert_builder::spawn(names, polls, tx.clone(), builder_died, Some(history));
    let worker = store_worker::spawn(store, exporter, tx.clone(), stopped_tx);
    if let Some(target) = team {
        change_feed::spawn(target, tx.clone());
    }
    let mut sigterm = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    let mut terminal = terminal::Guard::enter().context("cannot set up the terminal")?;
    input::spawn(tx.clone());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let theme = Theme::from_env();

    let dead_worker = |why: store_worker::Stopped| {
        anyhow::anyhow!("the database worker stopped unexpectedly ({})", why.0)
    };
    let mut result = worker.run_all(state.start()).map_err(dead_worker);
    while result.is_ok() {
        let first = tokio::select! {
            Some(why) = stopped.recv() => {
                result = Err(dead_worker(why));
                break;
            }
            Some(why) = builder_dead.recv() => {
                result = Err(anyhow::anyhow!("{why}"));
                break;
            }
            msg = rx.recv() => msg.unwrap_or(Msg::Terminate),
            Some(ended) = pollers.join_next() => {
                let why = match ended {
                    Err(e) if e.is_panic() => "it panicked".to_string(),
                    Err(e) => e.to_string(),
                    Ok(()) => "it ended".to_string(),
                };
                result = Err(anyhow::anyhow!("an alert poller stopped unexpectedly ({why})"));
                break;
            }
            _ = tick.tick() => Msg::Tick(now()),
            _ = sigterm.recv() => Msg::Terminate,
            _ = sighup.recv() => Msg::Terminate,
        };
        // Coalesce: apply everything queued, then draw once.
        let mut batch = vec![first];
        while let Ok(msg) = rx.try_recv() {
            batch.push(msg);
        }
        for msg in batch {
            let (acts, effects): (Vec<Effect>, Vec<Effect>) = app::update(&mut state, msg)
                .into_iter()
                .partition(Effect::is_action);
            for act in acts {
                actions.handle(act, &tx);
            }
            if let Err(why) = worker.run_all(effects) {
                result = Err(dead_worker(why));
                break;
            }
        }
        if result.is_err() || state.quit {
            break;
        }
        if let Err(e) = terminal.draw(|frame| ui::render(&state, &theme, frame)) {
            result = Err(anyhow::Error::new(e).context("cannot draw (terminal gone?)"));
        }
    }
    drop(terminal);
    actions.finish();
    worker.finish();
    if result.is_err() {
        // The screen is gone: whatever was typed and not saved goes to stderr.
        for text in state.unsaved_text() {
            eprintln!("not saved: {}", crate::domain::text::sanitize_line(&text));
        }
    }
    result
}
