//! The built `sitrep` binary end to end, on temporary databases: every subcommand with
//! its text and `--json` output, and every failure with its exit code from the README's
//! table, exactly one `error:` line on stderr, and nothing half-written.
//!
//! Runs as root in CI; the tests where file permissions matter drop to user 'nobody'
//! with `setpriv`, because root ignores them.

#[path = "cli/sandbox.rs"]
mod sandbox;

#[path = "common/mod.rs"]
mod common;

#[path = "cli/database.rs"]
mod database;
#[path = "cli/doctor.rs"]
mod doctor;
#[path = "cli/followup.rs"]
mod followup;
#[path = "cli/incident.rs"]
mod incident;
#[path = "cli/json_shape.rs"]
mod json_shape;
#[path = "cli/lifecycle.rs"]
mod lifecycle;
#[path = "cli/run.rs"]
mod run;
#[path = "cli/settings.rs"]
mod settings;
#[path = "cli/usage.rs"]
mod usage;
