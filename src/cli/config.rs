//! `config init` and `config path`. These work without a readable config file, so a
//! broken config can be found and replaced.

use clap::{Args, Subcommand};
use serde_json::json;

use super::CliError;
use crate::config::{write_example, Paths};

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

pub fn run(command: ConfigCommand, paths: &Paths, json: bool) -> Result<String, CliError> {
    match command {
        ConfigCommand::Init(args) => {
            write_example(&paths.config_file, args.force)?;
            if json {
                return Ok(format!("{}\n", json!({ "written": paths.config_file })));
            }
            Ok(format!("wrote {}\n", paths.config_file.display()))
        }
        ConfigCommand::Path => {
            if json {
                let text = serde_json::to_string_pretty(paths)
                    .map_err(|e| CliError::Output(e.to_string()))?;
                return Ok(format!("{text}\n"));
            }
            Ok(format!(
                "config     {}\ndatabase   {}\ntemplates  {}\nlogs       {}\n",
                paths.config_file.display(),
                paths.database.display(),
                paths.templates_dir.display(),
                paths.log_dir.display()
            ))
        }
    }
}
