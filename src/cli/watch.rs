//! `sitrep watch`: hands the configured sources and database to the watcher
//! (`crate::watch`), which runs until SIGTERM or SIGINT.

use std::net::SocketAddr;

use clap::Args;

use super::{CliError, Context};
use crate::config::{ConfigError, Feed};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Serve GET /healthz and GET /metrics on this address (IP:PORT, e.g.
    /// 127.0.0.1:9464); default: [watch] listen in the config, else not served
    #[arg(long, value_name = "IP:PORT")]
    pub listen: Option<SocketAddr>,
}

pub fn watch(ctx: &Context, args: WatchArgs) -> Result<String, CliError> {
    if ctx.feed != Feed::Live {
        return Err(CliError::Refused(
            "sitrep watch keeps the log of the configured sources and database; --demo and --rehearse are for the TUI".into(),
        ));
    }
    let listen = match (args.listen, &ctx.config.watch.listen) {
        (Some(addr), _) => Some(addr),
        (None, Some(raw)) => {
            Some(
                raw.trim()
                    .parse::<SocketAddr>()
                    .map_err(|_| ConfigError::Value {
                        key: "watch listen".into(),
                        detail: format!("'{raw}' must be IP:PORT, e.g. 127.0.0.1:9464"),
                    })?,
            )
        }
        (None, None) => None,
    };
    // Like the TUI: freed pages go back to the system at once, so a 60,000-alert
    // answer parsed every few seconds does not leave its peak resident.
    crate::tune_allocator();
    // Opening the store here migrates a SQLite file and makes its directory, as
    // every command that writes does; the watcher then opens its own connections.
    drop(ctx.open_store()?);
    crate::watch::run(crate::watch::Launch {
        config: ctx.config.clone(),
        target: ctx.target()?,
        templates_dir: ctx.paths.templates_dir.clone(),
        listen,
    })
    .map_err(|e| CliError::Output(format!("{e:#}")))?;
    Ok(String::new())
}
