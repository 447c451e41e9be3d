//! The log file in `config path`'s logs directory: source failures and recoveries,
//! retries, store and template errors, and panics, one line each, for the question
//! "what happened at 03:12?" after the screen is gone.
//!
//! Daily files (`sitrep.YYYY-MM-DD.log`), the newest 7 kept. `SITREP_LOG` sets the
//! level (`debug` adds every poll and query); default `info`. Only text that is
//! already made safe for a terminal is logged (sanitized errors, names, counts):
//! never a secret, never raw backend text.

use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// The variable that sets the level (`error`, `warn`, `info`, `debug`, `trace`, or
/// any `tracing` directive).
pub const LEVEL_VAR: &str = "SITREP_LOG";

/// How many daily files are kept.
pub const KEEP_FILES: usize = 7;

/// The appender opens today's file (and, at midnight UTC, the next day's) with the
/// process umask, which leaves it readable by others. Each is made first, owner-only,
/// and an existing one is narrowed to owner-only: the appender then appends to it and
/// keeps its mode. Today's and the next two days' are made, which covers a TUI left
/// open over two midnights.
fn precreate_private_files(dir: &Path, now: chrono::DateTime<chrono::Utc>) {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    for day in 0..3 {
        let date = now + chrono::Duration::days(day);
        let path = dir.join(format!("sitrep.{}.log", date.format("%Y-%m-%d")));
        let opened = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path);
        if opened.is_ok() {
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
    }
}

/// Starts writing the log under `dir` (made owner-only) and logs panics there too.
/// Never fails a command and says nothing when the log cannot be written (a
/// read-only home would warn on every command): `sitrep doctor` checks it. Later
/// calls do nothing.
pub fn init(dir: &Path) {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = start(dir);
    });
}

fn start(dir: &Path) -> Result<(), String> {
    crate::config::create_private_dir(dir).map_err(|e| e.to_string())?;
    precreate_private_files(dir, chrono::Utc::now());
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("sitrep")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| e.to_string())?;
    let filter = std::env::var(LEVEL_VAR)
        .ok()
        .and_then(|raw| EnvFilter::try_new(raw.trim()).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(appender)
        .with_env_filter(filter)
        .with_target(false)
        .try_init()
        .map_err(|e| e.to_string())?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(
            "panic at {at}: {}",
            crate::domain::text::sanitize_line(&message)
        );
        previous(info);
    }));
    tracing::debug!(
        pid = std::process::id(),
        "sitrep {} started",
        env!("CARGO_PKG_VERSION")
    );
    Ok(())
}
