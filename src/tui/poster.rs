//! The TUI's poster: a thread with a database connection of its own that delivers the
//! comms outbox (see `outbox`), woken when an update is logged here and every second
//! for retries and for updates other sitreps left. A receiver that hangs holds up
//! only this thread; what it finished is said on the banner (a failure loudly).

use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::config::Config;
use crate::services::outbox::{self, Round};
use crate::store::Target;

const TICK: Duration = Duration::from_secs(1);

/// What the store worker needs to log an update for posting, and to wake the poster.
#[derive(Clone)]
pub struct Poster {
    pub channels: Vec<String>,
    pub config: Config,
    wake: Sender<()>,
}

impl Poster {
    /// Says an update was logged: deliver now rather than at the next tick.
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }
}

/// Starts the poster thread; it ends when every [`Poster`] handle is dropped.
pub fn spawn(
    config: Config,
    target: Target,
    templates_dir: PathBuf,
    tx: UnboundedSender<Msg>,
) -> Poster {
    let (wake, woken) = mpsc::channel::<()>();
    let poster = Poster {
        channels: outbox::channel_names(&config),
        config: config.clone(),
        wake,
    };
    thread::spawn(move || {
        outbox::deliver_until_stopped(&config, &target, &templates_dir, &woken, TICK, |round| {
            match round {
                Round::Pass(pass) => pass
                    .finished
                    .into_iter()
                    .filter_map(|finished| {
                        let entry = finished.entry?;
                        Some(if finished.posted {
                            Ok(entry.text)
                        } else {
                            Err(entry.text)
                        })
                    })
                    .all(|msg| tx.send(Msg::Posted(msg)).is_ok()),
                Round::StoreFailed(_) => !tx.is_closed(),
                Round::Panicked => {
                    let _ = tx.send(Msg::Posted(Err(
                        "comms posting stopped after an internal error; updates stay in the outbox for the next sitrep".into(),
                    )));
                    false
                }
            }
        });
    });
    poster
}
