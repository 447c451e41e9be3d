//! `config init` and `config path`. These work without a readable config file, so a
//! broken config can be found and replaced.

use clap::{Args, Subcommand};
use serde_json::json;

use super::CliError;
use crate::config::{write_example, Paths};
use crate::store::Target;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented example config file
    Init(InitArgs),
    /// Print where sitrep keeps its config, database, templates and logs
    Path,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Replace an existing config file
    #[arg(long)]
    force: bool,
}

/// `database` is the target in use, or why it cannot be used (a bad connection string
/// must not stop `config path` from showing where everything else is).
pub fn run(
    command: ConfigCommand,
    paths: &Paths,
    database: Result<Target, CliError>,
    json: bool,
) -> Result<String, CliError> {
    match command {
        ConfigCommand::Init(args) => {
            write_example(&paths.config_file, args.force)?;
            if json {
                return Ok(format!("{}\n", json!({ "written": paths.config_file })));
            }
            Ok(format!("wrote {}\n", paths.config_file.display()))
        }
        ConfigCommand::Path => {
            // The database as a target: a connection string never shows its password.
            let database = match database {
                Ok(target) => target.to_string(),
                Err(e) => format!("(unusable: {e})"),
            };
            if json {
                let value = json!({
                    "config_file": paths.config_file,
                    "database": database,
                    "demo_database": paths.demo_database,
                    "exports_dir": paths.exports_dir,
                    "templates_dir": paths.templates_dir,
                    "log_dir": paths.log_dir,
                });
                let text = serde_json::to_string_pretty(&value)
                    .map_err(|e| CliError::Output(e.to_string()))?;
                return Ok(format!("{text}\n"));
            }
            Ok(format!(
                "config     {}\ndatabase   {}\ntemplates  {}\nlogs       {}\nexports    {}\n",
                paths.config_file.display(),
                database,
                paths.templates_dir.display(),
                paths.log_dir.display(),
                paths
                    .exports_dir
                    .as_ref()
                    .map_or_else(|| "(no home directory)".into(), |d| d.display().to_string()),
            ))
        }
    }
}
