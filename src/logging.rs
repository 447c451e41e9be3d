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
    init_as(dir, false);
}

/// [`init`] for a service (`sitrep watch`): every line also goes to stderr, in the
/// journal's format when stderr is not a terminal (each line starts with its
/// syslog priority, `<3>` for an error to `<7>` for debug, and carries no time:
/// journald adds it), as the servers beside it do under systemd.
pub fn init_service(dir: &Path) {
    init_as(dir, true);
}

fn init_as(dir: &Path, service: bool) {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Err(e) = start(dir, service) {
            if service {
                // A service says so: there is nobody to run `sitrep doctor`.
                eprintln!(
                    "<4>sitrep: cannot write the log file under {}: {e}",
                    dir.display()
                );
            }
        }
    });
}

/// The syslog priority journald reads from a line's `<N>` prefix.
pub fn journal_priority(level: &tracing::Level) -> u8 {
    match *level {
        tracing::Level::ERROR => 3,
        tracing::Level::WARN => 4,
        tracing::Level::INFO => 6,
        tracing::Level::DEBUG | tracing::Level::TRACE => 7,
    }
}

/// stderr, each line prefixed with its level's journal priority.
struct JournalStderr;

struct PrefixedLine {
    prefix: String,
    line: Vec<u8>,
}

impl std::io::Write for PrefixedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for PrefixedLine {
    fn drop(&mut self) {
        use std::io::Write as _;
        // One event, one write: lines of two threads never interleave.
        let text = String::from_utf8_lossy(&self.line);
        let mut out = String::new();
        for line in text.lines() {
            out.push_str(&self.prefix);
            out.push_str(line);
            out.push('\n');
        }
        let _ = std::io::stderr().lock().write_all(out.as_bytes());
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for JournalStderr {
    type Writer = PrefixedLine;
    fn make_writer(&'a self) -> Self::Writer {
        PrefixedLine {
            prefix: "<6>".into(),
            line: Vec::new(),
        }
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        PrefixedLine {
            prefix: format!("<{}>", journal_priority(meta.level())),
            line: Vec::new(),
        }
    }
}

fn start(dir: &Path, service: bool) -> Result<(), String> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::Layer as _;
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
    let file = tracing_subscriber::fmt::layer()
        .with_writer(appender)
        .with_ansi(false)
        .with_target(false);
    let stderr = service.then(|| {
        use std::io::IsTerminal as _;
        let layer = tracing_subscriber::fmt::layer().with_target(false);
        if std::io::stderr().is_terminal() {
            layer.with_writer(std::io::stderr).boxed()
        } else {
            layer
                .with_writer(JournalStderr)
                .with_ansi(false)
                .without_time()
                .with_level(false)
                .boxed()
        }
    });
    tracing_subscriber::registry()
        .with(file.and_then(stderr).with_filter(filter))
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
