//! The I/O services every front-end shares: the CLI, the TUI and (next)
//! `sitrep watch`. Delivering comms updates to their channels, paging through
//! Alertmanager after a lifecycle change, and draining a finished command's output.
//! Each takes the store and the config it needs; none knows which front-end called.

pub mod command;
pub mod escalation;
pub mod outbox;
