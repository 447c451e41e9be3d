//! sitrep: incident command for on-call engineers, in the terminal.
//!
//! The binary (`main.rs`) is a thin shell over these modules. `domain` is the pure
//! core; `host` (files, the login account), `sources` and `store` are the I/O edges;
//! `report` renders documents; `app` and `ui` are the TUI's pure state and drawing;
//! `config` assembles the lower floors; `services` (comms delivery, escalation) are
//! shared by the front-ends, `tui` (the TUI's loop) and `cli`. Arrows only run
//! down: no lower floor imports `config`, `services`, `tui` or `cli`.

/// mimalloc instead of the system allocator: parsing a large Alertmanager answer
/// allocates and frees many small strings, and glibc's malloc spent a third of that
/// time (see the README's performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same position in its v2 and v3 headers).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// For the long-running TUI: memory freed is given back to the system at once instead
/// of 10 ms later. In an alert storm each poll frees the previous answer (tens of MB)
/// on one thread while the next is parsed on another; with the delay, both count
/// against the resident size: 194 MiB peak with 60,000 alerts, 144 MiB without
/// (tests/storm.rs, release). A one-shot command keeps the default: giving pages back
/// only to fault them in again cost `sitrep alerts` a tenth of its time.
pub fn tune_allocator() {
    // SAFETY: sets one documented integer option; mimalloc reads options at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod format;
pub mod host;
pub mod logging;
pub mod report;
pub mod secret;
pub mod services;
pub mod sources;
pub mod store;
pub mod tls;
pub mod tui;
pub mod ui;
pub mod watch;
