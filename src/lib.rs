//! sitrep: incident command for on-call engineers, in the terminal.
//!
//! The binary (`main.rs`) is a thin shell over these modules. `domain` is the pure
//! core; `store` and `config` are the I/O edges it is persisted and configured
//! through; `cli` parses arguments and dispatches.

/// mimalloc instead of the system allocator: parsing a large Alertmanager answer
/// allocates and frees many small strings, and glibc's malloc spent a third of that
/// time (see the README's performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod format;
pub mod report;
pub mod runtime;
pub mod secret;
pub mod sources;
pub mod store;
pub mod tls;
pub mod ui;
