//! The TUI's poster: a thread with a database connection of its own that delivers the
//! comms outbox (see `outbox`), woken when an update is logged here and every second
//! for retries and for updates other sitreps left. A receiver that hangs holds up
//! only this thread; what it finished is said on the banner (a failure loudly).

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::config::Config;
use crate::store::{Store, Target};

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
        channels: crate::services::outbox::channel_names(&config),
        config: config.clone(),
        wake,
    };
    thread::spawn(move || {
        let mut store: Option<Store> = None;
        loop {
            match woken.recv_timeout(TICK) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            while woken.try_recv().is_ok() {}
            if store.is_none() {
                match Store::connect(&target, config.busy_timeout, false) {
                    Ok(s) => store = Some(s),
                    Err(e) => {
                        tracing::warn!("comms poster: cannot open the database: {e}");
                        continue;
                    }
                }
            }
            let Some(open) = store.as_mut() else { continue };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::services::outbox::deliver_due(open, &config, &templates_dir, None)
            }));
            let pass = match result {
                Ok(Ok(pass)) => pass,
                Ok(Err(e)) => {
                    tracing::warn!("comms poster: {e}");
                    store = None;
                    continue;
                }
                Err(_) => {
                    let _ = tx.send(Msg::Posted(Err(
                        "comms posting stopped after an internal error; updates stay in the outbox for the next sitrep".into(),
                    )));
                    return;
                }
            };
            for finished in pass.finished {
                let Some(entry) = finished.entry else {
                    continue;
                };
                let msg = if finished.posted {
                    Ok(entry.text)
                } else {
                    Err(entry.text)
                };
                if tx.send(Msg::Posted(msg)).is_err() {
                    return;
                }
            }
        }
    });
    poster
}
