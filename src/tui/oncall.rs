//! Keeps the TUI's picture of who is on call current: every team's schedule read at
//! start and again every minute (a feed is fetched only when its kept copy is older
//! than `services::oncall::FRESH_FOR`), off the UI loop.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::config::Config;

const EVERY: Duration = Duration::from_secs(60);

/// Starts the thread; it ends when the TUI does (its messages have no receiver).
pub fn spawn(config: Config, cache: PathBuf, tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || loop {
        let now = crate::domain::parse::truncate_to_millis(Utc::now());
        let rosters = crate::services::oncall::rosters(
            &config,
            &cache,
            now,
            now,
            now,
            crate::services::oncall::Fetch::IfStale,
        );
        if tx.send(Msg::OnCall(Box::new(rosters))).is_err() {
            return;
        }
        std::thread::sleep(EVERY);
    });
}
