//! The I/O services every front-end shares: the CLI, the TUI and `sitrep watch`.
//! Delivering comms updates to their channels, paging through Alertmanager after a
//! lifecycle change (and ending pages left firing), turning poll results into the
//! alert rules' entries, keeping the alert history, giving reminders, and draining a finished command's output.
//! Each takes the store and the config it needs; none knows which front-end called.

pub mod alert_history;
pub mod alert_log;
pub mod alert_review;
pub mod command;
pub mod escalation;
pub mod oncall;
pub mod outbox;
pub mod reminders;
