//! `run`: runs a command with its output streaming as usual and records it in the
//! incident's timeline, once before it starts and once after it ends, with the tail
//! of its output. Ctrl-C goes to the command; sitrep waits for it and records how it
//! ended.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;

use super::{CliError, Context};
use crate::domain::run::{finished_text, started_text, Ending, Tail};
use crate::domain::{EntryKind, IncidentId, NewEntry};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Incident id
    id: IncidentId,
    /// Kind of both entries: mitigation, comms or note
    #[arg(long, short, default_value = "mitigation", value_parser = super::incident::typed_kind_arg)]
    kind: EntryKind,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

/// What `run` did: the command's exit code is sitrep's.
pub struct Ran {
    pub exit_code: i32,
    /// With `--json`: `{exit_code, started, ended}` for stdout (the command's own
    /// output went to stderr, so that stdout holds only this document).
    pub json: Option<String>,
}

/// A handler that does nothing: while the command runs, Ctrl-C (sent by the terminal
/// to both) stops the command and not sitrep. A handler, unlike ignoring the signal,
/// is reset to the default in the command when it starts.
extern "C" fn ignore(_: libc::c_int) {}

fn shield_from_interrupts() {
    for signal in [libc::SIGINT, libc::SIGQUIT] {
        // SAFETY: installs an async-signal-safe handler that touches nothing.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// Copies `from` to `to` as it comes, and into the tail.
fn pump(mut from: impl Read, mut to: impl Write, tail: &Mutex<Tail>) {
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                // The reader still wants the output even if our own stdout went away.
                let _ = to.write_all(&buf[..n]);
                let _ = to.flush();
                if let Ok(mut tail) = tail.lock() {
                    tail.feed(&buf[..n]);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

pub fn run(ctx: &Context, args: RunArgs) -> Result<Ran, CliError> {
    let user = ctx.config.user()?.to_string();
    let mut store = ctx.open_store()?;
    // Written first: if sitrep is killed, the timeline still says it started. If it
    // cannot be written, nothing runs (the log would miss it).
    let started = NewEntry::typed(args.kind, &user, &started_text(&args.command), ctx.now)?;
    let started = store.append_entry(args.id, &started)?;
    shield_from_interrupts();
    let began = Instant::now();
    let tail = Arc::new(Mutex::new(Tail::default()));
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CliError::Output("no command given".into()))?;
    let spawned = Command::new(program)
        .args(rest)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let (ending, not_found) = match spawned {
        Err(e) => {
            let not_found = e.kind() == std::io::ErrorKind::NotFound;
            eprintln!(
                "sitrep: {}: {e}",
                crate::domain::text::sanitize_line(program)
            );
            (Ending::NotStarted(e.to_string()), not_found)
        }
        Ok(mut child) => {
            let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
            let mut pumps = 0;
            let mut started_pump = |f: Box<dyn FnOnce() + Send>| {
                let done = done_tx.clone();
                pumps += 1;
                std::thread::spawn(move || {
                    f();
                    let _ = done.send(());
                });
            };
            if let Some(out) = child.stdout.take() {
                let tail = Arc::clone(&tail);
                // With --json stdout is the document's: the output goes to stderr.
                if ctx.json {
                    started_pump(Box::new(move || pump(out, std::io::stderr(), &tail)));
                } else {
                    started_pump(Box::new(move || pump(out, std::io::stdout(), &tail)));
                }
            }
            if let Some(err) = child.stderr.take() {
                let tail = Arc::clone(&tail);
                started_pump(Box::new(move || pump(err, std::io::stderr(), &tail)));
            }
            drop(done_tx);
            // Wait on the command itself, not on its output: a daemon it started may
            // hold the pipes open for ever.
            let status = child.wait();
            if !crate::services::command::drained(&done_rx, pumps) {
                if let Ok(mut tail) = tail.lock() {
                    tail.held_open = true;
                }
            }
            let ending = match status {
                Ok(status) => {
                    use std::os::unix::process::ExitStatusExt;
                    Ending::from_status(status.code(), status.signal())
                }
                Err(e) => Ending::NotStarted(format!("cannot wait for it: {e}")),
            };
            (ending, false)
        }
    };
    let elapsed = began.elapsed();
    let mut tail = match Arc::try_unwrap(tail) {
        Ok(tail) => tail.into_inner().unwrap_or_default(),
        Err(shared) => shared
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default(),
    };
    tail.finish();
    let text = finished_text(&args.command, &ending, elapsed, &tail);
    let at = crate::domain::parse::truncate_to_millis(chrono::Utc::now());
    let exit_code = ending.exit_code(not_found);
    let finished = NewEntry::typed(args.kind, &user, &text, at)?;
    let ended = match store.append_entry(args.id, &finished) {
        Ok(stored) => Some(stored),
        Err(e) => {
            // The command ran; its exit code stays the command's. Say what is missing.
            eprintln!(
                "warning: the command ended ({}) but its ending could not be logged: {}",
                text.lines().next().unwrap_or(""),
                crate::domain::text::sanitize_line(&e.to_string())
            );
            None
        }
    };
    let json = if ctx.json {
        Some(ctx.json(&serde_json::json!({
            "exit_code": exit_code,
            "started": started,
            "ended": ended,
        }))?)
    } else {
        None
    };
    Ok(Ran { exit_code, json })
}
