//! What `sitrep run` and `/run` share about a command that ended: how long its
//! output is still drained.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long output still open after the child ended (a daemon it started holds the
/// pipe) is waited for.
pub const DRAIN: Duration = Duration::from_secs(2);

/// After the command ended: waits for its `pumps` output readers to see the end of
/// their streams (each sends on `done`), at most [`DRAIN`] in all. Output still open
/// then (a daemon it started holds the pipe) is not waited for: `false`.
pub fn drained(done: &mpsc::Receiver<()>, pumps: usize) -> bool {
    let deadline = Instant::now() + DRAIN;
    (0..pumps).all(|_| {
        let left = deadline.saturating_duration_since(Instant::now());
        done.recv_timeout(left).is_ok()
    })
}
