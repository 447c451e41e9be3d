//! `/run` in the TUI: a command run for an incident in a child of its own, off the UI
//! loop. Logged before it starts (nothing runs if that cannot be written) and after it
//! ends, with the tail of its output, exactly like `sitrep run`; its output comes back
//! line by line for the pane.
//!
//! The child gets no terminal (a session of its own, stdin from /dev/null): the TUI
//! owns the screen, so a command that asks a question gets no answer rather than
//! garbling it. Ctrl-C in the TUI sends SIGINT to the child's process group. The child
//! is reaped only under the lock that the interrupt takes, so a signal never reaches a
//! process id the system has given to someone else.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::{Msg, RunRequest};
use crate::domain::parse::truncate_to_millis;
use crate::domain::run::{finished_text, started_text, Ending, Tail};
use crate::domain::text::sanitize_line;
use crate::domain::NewEntry;
use crate::store::{Store, Target};

/// How often the runner looks whether the child has ended.
const POLL: Duration = Duration::from_millis(50);
use crate::services::command::drained;
/// Characters of one output line shown in the pane.
const SHOWN_CHARS: usize = 400;
/// While output floods in, lines go to the pane at most this often (then only those
/// the pane can show); output that stops flowing goes at once.
const BATCH: Duration = Duration::from_millis(25);

/// The database a run is recorded in, on a connection of its own.
#[derive(Clone)]
pub struct RunTarget {
    pub target: Target,
    pub busy_timeout: Duration,
}

pub struct Runner {
    to: RunTarget,
    child: Arc<Mutex<Option<Child>>>,
    thread: Option<JoinHandle<()>>,
}

impl Runner {
    pub fn new(to: RunTarget) -> Self {
        Self {
            to,
            child: Arc::new(Mutex::new(None)),
            thread: None,
        }
    }

    /// Starts `run` on a thread; what it writes and how it ends come back on `tx`.
    pub fn start(&mut self, run: RunRequest, tx: &UnboundedSender<Msg>) {
        if self.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            let _ = tx.send(Msg::RunEnded(Err(
                "not run: another command is still running".into(),
            )));
            return;
        }
        let (to, child, tx) = (self.to.clone(), Arc::clone(&self.child), tx.clone());
        self.thread = Some(thread::spawn(move || {
            let ended = run_logged(&to, &run, &child, &tx);
            let _ = tx.send(Msg::RunEnded(ended));
        }));
    }

    /// Ctrl-C: SIGINT to the command's process group (and SIGCONT, so a stopped one
    /// gets it).
    pub fn interrupt(&self) {
        self.signal(&[libc::SIGINT, libc::SIGCONT]);
    }

    fn signal(&self, signals: &[libc::c_int]) {
        let Ok(mut guard) = self.child.lock() else {
            return;
        };
        if let Some(child) = guard.as_mut() {
            if matches!(child.try_wait(), Ok(None)) {
                if let Ok(pid) = libc::pid_t::try_from(child.id()) {
                    for &sig in signals {
                        // SAFETY: signals a process group we started and have not
                        // reaped (the lock is held), so the id is still ours.
                        unsafe {
                            libc::kill(-pid, sig);
                        }
                    }
                }
            }
        }
    }

    /// The TUI is ending: a command still running is stopped (SIGTERM, then SIGKILL
    /// after 5 s) and its ending logged before this returns.
    pub fn finish(mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        if thread.is_finished() {
            let _ = thread.join();
            return;
        }
        self.signal(&[libc::SIGTERM, libc::SIGCONT]);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !thread.is_finished() && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        if !thread.is_finished() {
            self.signal(&[libc::SIGKILL]);
        }
        let _ = thread.join();
    }
}

/// Logs, runs and logs again; says how it ended (the ending entry's first line) or
/// why it was not run or not logged.
fn run_logged(
    to: &RunTarget,
    run: &RunRequest,
    slot: &Mutex<Option<Child>>,
    tx: &UnboundedSender<Msg>,
) -> Result<String, String> {
    let mut store = Store::connect(&to.target, to.busy_timeout, false)
        .map_err(|e| format!("not run: cannot open the database to log it: {e}"))?;
    let started = NewEntry::typed(run.kind, &run.author, &started_text(&run.argv), now_ms())
        .map_err(|e| format!("not run: {e}"))?;
    store
        .append_entry(run.incident, &started)
        .map_err(|e| format!("not run: it could not be logged: {e}"))?;
    let began = Instant::now();
    let tail = Arc::new(Mutex::new(Tail::default()));
    let ending = match spawn(&run.argv) {
        Err(e) => {
            let _ = tx.send(Msg::RunOutput {
                lines: vec![sanitize_line(&format!(
                    "sitrep: {}: {e}",
                    run.argv.first().map_or("", String::as_str)
                ))],
                skipped: 0,
            });
            Ending::NotStarted(e.to_string())
        }
        Ok(mut child) => {
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let mut pumps = 0;
            let out = child.stdout.take().map(|s| Box::new(s) as Box<dyn Output>);
            let err = child.stderr.take().map(|s| Box::new(s) as Box<dyn Output>);
            for stream in [out, err].into_iter().flatten() {
                let (tail, tx, done) = (Arc::clone(&tail), tx.clone(), done_tx.clone());
                pumps += 1;
                thread::spawn(move || {
                    pump(stream, &tail, &tx);
                    let _ = done.send(());
                });
            }
            drop(done_tx);
            if let Ok(mut guard) = slot.lock() {
                *guard = Some(child);
            }
            let status = wait(slot);
            if !drained(&done_rx, pumps) {
                if let Ok(mut tail) = tail.lock() {
                    tail.held_open = true;
                }
            }
            status
        }
    };
    let elapsed = began.elapsed();
    let mut tail = tail
        .lock()
        .map(|mut t| std::mem::take(&mut *t))
        .unwrap_or_default();
    tail.finish();
    let text = finished_text(&run.argv, &ending, elapsed, &tail);
    let first = text.lines().next().unwrap_or("").to_string();
    let logged = NewEntry::typed(run.kind, &run.author, &text, now_ms())
        .map_err(|e| e.to_string())
        .and_then(|entry| {
            store
                .append_entry(run.incident, &entry)
                .map_err(|e| e.to_string())
        });
    match logged {
        Ok(_) => Ok(first),
        Err(e) => Err(format!(
            "{first}, but its ending could not be logged: {}",
            sanitize_line(&e)
        )),
    }
}

fn now_ms() -> chrono::DateTime<Utc> {
    truncate_to_millis(Utc::now())
}

/// The child: its own session (no terminal, its own process group), no input, both
/// outputs piped to the runner.
fn spawn(argv: &[String]) -> std::io::Result<Child> {
    let (program, rest) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no command"))?;
    let mut command = Command::new(program);
    command
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn()
}

/// Waits for the child in `slot` to end, reaping it under the lock.
fn wait(slot: &Mutex<Option<Child>>) -> Ending {
    loop {
        let Ok(mut guard) = slot.lock() else {
            return Ending::NotStarted("lost track of it".into());
        };
        let Some(child) = guard.as_mut() else {
            return Ending::NotStarted("lost track of it".into());
        };
        match child.try_wait() {
            Ok(Some(status)) => {
                guard.take();
                return Ending::from_status(status.code(), status.signal());
            }
            Ok(None) => {}
            Err(e) => {
                guard.take();
                return Ending::NotStarted(format!("cannot wait for it: {e}"));
            }
        }
        drop(guard);
        thread::sleep(POLL);
    }
}

/// Reads one output stream: into the tail (for the entry) and, line by line, to the
/// pane. A flood is not sent line by line to the UI loop: only the lines the pane can
/// still show when they arrive are made safe and sent, at most every [`BATCH`], with
/// the count of those skipped.
fn pump(mut from: Box<dyn Output>, tail: &Mutex<Tail>, tx: &UnboundedSender<Msg>) {
    let mut buf = [0u8; 8192];
    let mut partial: Vec<u8> = Vec::new();
    let mut pending = Pending::default();
    let mut sent = Instant::now();
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if let Ok(mut tail) = tail.lock() {
            tail.feed(&buf[..n]);
        }
        for piece in buf[..n].split_inclusive(|b| *b == b'\n') {
            match piece.strip_suffix(b"\n") {
                Some(body) => {
                    if partial.len() < SHOWN_CHARS * 4 {
                        partial.extend_from_slice(body);
                    }
                    pending.push(std::mem::take(&mut partial));
                }
                None if partial.len() < SHOWN_CHARS * 4 => partial.extend_from_slice(piece),
                None => {}
            }
        }
        // Nothing more waiting in the pipe: the output is not flooding, so what came
        // goes now.
        if !pending.is_empty() && (sent.elapsed() >= BATCH || !from.has_more()) {
            if tx.send(pending.take()).is_err() {
                return;
            }
            sent = Instant::now();
        }
    }
    if !partial.is_empty() {
        pending.push(partial);
    }
    if !pending.is_empty() {
        let _ = tx.send(pending.take());
    }
}

/// A child's output pipe, which can be asked whether more is waiting to be read.
trait Output: Read + Send {
    fn has_more(&self) -> bool;
}

impl Output for std::process::ChildStdout {
    fn has_more(&self) -> bool {
        readable_now(self)
    }
}

impl Output for std::process::ChildStderr {
    fn has_more(&self) -> bool {
        readable_now(self)
    }
}

/// Whether a read from `pipe` would return at once (data, or its end).
fn readable_now(pipe: &impl std::os::fd::AsRawFd) -> bool {
    let mut fd = libc::pollfd {
        fd: pipe.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd for a descriptor the pipe owns, and no wait.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready > 0 && fd.revents != 0
}

/// Lines read and not sent yet: the last [`RunPane::KEPT`](crate::app::RunPane::KEPT),
/// raw, and how many earlier ones were dropped unseen.
#[derive(Default)]
struct Pending {
    lines: std::collections::VecDeque<Vec<u8>>,
    skipped: u64,
}

impl Pending {
    fn push(&mut self, line: Vec<u8>) {
        self.lines.push_back(line);
        if self.lines.len() > crate::app::RunPane::KEPT {
            self.lines.pop_front();
            self.skipped += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The message for the pane, the lines made safe; empties this.
    fn take(&mut self) -> Msg {
        let lines = self.lines.drain(..).map(|l| shown(&l)).collect();
        Msg::RunOutput {
            lines,
            skipped: std::mem::take(&mut self.skipped),
        }
    }
}

/// One line of output made safe for the screen and cut to [`SHOWN_CHARS`].
fn shown(bytes: &[u8]) -> String {
    let line = String::from_utf8_lossy(bytes);
    let line = line.strip_suffix('\r').unwrap_or(&line);
    sanitize_line(line).chars().take(SHOWN_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Declaration, EntryKind, IncidentId, NewIncident};

    fn world() -> (tempfile::TempDir, RunTarget) {
        let dir = tempfile::tempdir().unwrap();
        let to = RunTarget {
            target: Target::Sqlite(dir.path().join("t.db")),
            busy_timeout: Duration::from_secs(5),
        };
        let mut store = Store::connect(&to.target, to.busy_timeout, false).unwrap();
        let d = Declaration {
            title: "room down".into(),
            severity: Some(crate::domain::Severity::P2),
            ..Declaration::default()
        };
        store
            .declare(NewIncident::declare(d, "alice", now_ms()).unwrap())
            .unwrap();
        (dir, to)
    }

    fn request(incident: i64, argv: &[&str]) -> RunRequest {
        RunRequest {
            incident: IncidentId(incident),
            kind: EntryKind::Mitigation,
            argv: argv.iter().map(|w| w.to_string()).collect(),
            author: "alice".into(),
        }
    }

    #[test]
    fn a_command_runs_streams_its_output_and_is_logged_before_and_after() {
        let (_dir, to) = world();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let slot = Mutex::new(None);
        let run = request(
            1,
            &["sh", "-c", "echo one; printf 'two\\nthree' >&2; exit 4"],
        );
        let ended = run_logged(&to, &run, &slot, &tx);
        assert!(
            ended
                .as_deref()
                .is_ok_and(|e| e.starts_with("sh exited 4 after")),
            "{ended:?}"
        );
        let mut shown = Vec::new();
        while let Ok(Msg::RunOutput { lines, .. }) = rx.try_recv() {
            shown.extend(lines);
        }
        shown.sort();
        assert_eq!(shown, ["one", "three", "two"]);
        let mut store = Store::connect(&to.target, to.busy_timeout, true).unwrap();
        let timeline = store.load_incident(IncidentId(1)).unwrap().timeline;
        let texts: Vec<&str> = timeline.iter().map(|e| e.text.as_str()).collect();
        let n = texts.len();
        assert_eq!(
            texts[n - 2],
            "running: sh -c 'echo one; printf '\\''two\\nthree'\\'' >&2; exit 4'"
        );
        assert!(texts[n - 1].starts_with("sh exited 4 after"), "{texts:?}");
        assert!(timeline[n - 1].kind == EntryKind::Mitigation);
    }

    #[test]
    fn a_flood_reaches_the_pane_with_every_line_shown_or_counted() {
        let (_dir, to) = world();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let slot = Mutex::new(None);
        let ended = run_logged(&to, &request(1, &["seq", "1", "300000"]), &slot, &tx);
        assert!(ended.is_ok(), "{ended:?}");
        let (mut messages, mut counted, mut last) = (0, 0u64, String::new());
        while let Ok(Msg::RunOutput { lines, skipped }) = rx.try_recv() {
            assert!(lines.len() <= crate::app::RunPane::KEPT);
            messages += 1;
            counted += skipped + lines.len() as u64;
            last = lines.last().cloned().unwrap_or(last);
        }
        assert_eq!(counted, 300_000, "every line shown or counted");
        assert_eq!(last, "300000");
        assert!(messages > 0);
    }

    /// Output already waiting in memory, as a pipe that is never drained until its end.
    struct Waiting(std::io::Cursor<Vec<u8>>);

    impl Read for Waiting {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl Output for Waiting {
        fn has_more(&self) -> bool {
            self.0.position() < self.0.get_ref().len() as u64
        }
    }

    #[test]
    fn while_more_is_waiting_lines_go_at_most_once_a_batch_and_only_those_shown() {
        let text: String = (1..=200_000).map(|n| format!("line {n}\n")).collect();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let tail = Mutex::new(Tail::default());
        let started = Instant::now();
        pump(
            Box::new(Waiting(std::io::Cursor::new(text.into_bytes()))),
            &tail,
            &tx,
        );
        let took = started.elapsed();
        let (mut messages, mut counted, mut last) = (0u128, 0u64, String::new());
        while let Ok(Msg::RunOutput { lines, skipped }) = rx.try_recv() {
            assert!(lines.len() <= crate::app::RunPane::KEPT);
            messages += 1;
            counted += skipped + lines.len() as u64;
            last = lines.last().cloned().unwrap_or(last);
        }
        assert_eq!(counted, 200_000);
        assert_eq!(last, "line 200000");
        // One per BATCH at most while reading, and the rest at the end.
        let most = took.as_millis() / BATCH.as_millis() + 1;
        assert!(messages <= most, "{messages} messages in {took:?}");
    }

    #[test]
    fn output_that_stops_on_a_full_read_is_shown_while_the_command_waits() {
        let (_dir, to) = world();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // Exactly 8,192 bytes (1,024 lines of 8), then nothing for a while.
        let run = request(1, &["sh", "-c", "yes abcdefg | head -c 8192; exec sleep 3"]);
        let runner = thread::spawn(move || run_logged(&to, &run, &Mutex::new(None), &tx));
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut seen = 0;
        while seen < 1024 && Instant::now() < deadline {
            match rx.try_recv() {
                Ok(Msg::RunOutput { lines, skipped }) => seen += lines.len() as u64 + skipped,
                _ => thread::sleep(Duration::from_millis(10)),
            }
        }
        assert_eq!(seen, 1024, "shown before the command ended");
        assert!(!runner.is_finished(), "the command was still sleeping");
        assert!(runner.join().is_ok_and(|ended| ended.is_ok()));
    }

    #[test]
    fn a_command_whose_start_cannot_be_logged_is_not_run() {
        let (dir, to) = world();
        let marker = dir.path().join("ran");
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let slot = Mutex::new(None);
        let touch = format!("touch '{}'", marker.display());
        // Incident 99 does not exist: the first entry cannot be written.
        let ended = run_logged(&to, &request(99, &["sh", "-c", &touch]), &slot, &tx);
        assert!(
            ended
                .as_deref()
                .is_err_and(|e| e.starts_with("not run: it could not be logged")),
            "{ended:?}"
        );
        assert!(!marker.exists(), "the command ran");
    }
}
