//! How times are shown to people: a preference the core carries to every screen
//! and document (stored times are always UTC). It lives here, at the bottom, so that
//! the app, the UI, reports and formatting read it without reaching up into the
//! config that sets it.

use serde::{Deserialize, Serialize};

/// How times are shown to people. Stored times are always UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TimeDisplay {
    #[default]
    Local,
    Utc,
}
