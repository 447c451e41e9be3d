//! The team database's change feed: a thread that `LISTEN`s on a connection of its
//! own and turns each notification into `Msg::StoreChanged` (the TUI re-reads; the
//! payload is never trusted for content). When the server goes away it says so
//! (`DatabaseLost`), retries with backoff, and on return says `DatabaseBack` so that
//! everything is re-read: notifications sent while disconnected are lost.

use std::thread;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::domain::parse::truncate_to_millis;
use crate::store::postgres::{Listener, PgTarget};

/// How long one wait for a notification lasts: the feed notices a closed channel
/// (the TUI quit) within this.
const WAIT: Duration = Duration::from_millis(250);
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Starts the feed; it ends by itself once the TUI stops listening.
pub fn spawn(target: PgTarget, tx: UnboundedSender<Msg>) {
    thread::spawn(move || run(&target, &tx));
}

fn run(target: &PgTarget, tx: &UnboundedSender<Msg>) {
    let mut retry = FIRST_RETRY;
    let mut down = false;
    loop {
        match Listener::connect(target) {
            Ok(mut listener) => {
                retry = FIRST_RETRY;
                // Whatever changed before LISTEN took effect is read now.
                let hello = if down {
                    tracing::info!("team database: change feed back");
                    Msg::DatabaseBack
                } else {
                    Msg::StoreChanged
                };
                if tx.send(hello).is_err() {
                    return;
                }
                loop {
                    match listener.wait(WAIT) {
                        Ok(true) => {
                            if tx.send(Msg::StoreChanged).is_err() {
                                return;
                            }
                        }
                        Ok(false) => {
                            if tx.is_closed() {
                                return;
                            }
                        }
                        Err(e) => {
                            down = true;
                            if lost(tx, &e.to_string()).is_err() {
                                return;
                            }
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                down = true;
                if lost(tx, &e.to_string()).is_err() {
                    return;
                }
            }
        }
        // Sleep in short steps so that quitting is never held up by a long backoff.
        let mut slept = Duration::ZERO;
        while slept < retry {
            if tx.is_closed() {
                return;
            }
            thread::sleep(WAIT.min(retry - slept));
            slept += WAIT;
        }
        retry = (retry * 2).min(MAX_RETRY);
    }
}

fn lost(tx: &UnboundedSender<Msg>, why: &str) -> Result<(), ()> {
    let why = crate::domain::text::sanitize_line(why);
    tracing::warn!("team database: change feed lost: {why}");
    tx.send(Msg::DatabaseLost {
        since: truncate_to_millis(Utc::now()),
        why,
    })
    .map_err(|_| ())
}
