//! `sitrep db init` and `sitrep db copy`: setting up the team database and moving a
//! local log into it.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{CliError, Context};
use crate::store::postgres::schema;
use crate::store::Target;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the schema and the 'sitrep_responder' role in the team database
    Init(InitArgs),
    /// Copy every incident of the current database into another (the team database)
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Print the SQL instead of running it, for a DBA to review and run with psql
    #[arg(long)]
    print: bool,
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Where to copy to: a PostgreSQL connection string (postgres://user@host/db)
    #[arg(
        long,
        value_name = "URL",
        env = "SITREP_COPY_TO",
        hide_env_values = true
    )]
    to: std::ffi::OsString,
    /// Give copied incidents new ids where the destination already has a different
    /// incident with the same id (without it, such a copy is refused)
    #[arg(long)]
    renumber: bool,
}

pub fn run(ctx: &Context, command: DbCommand) -> Result<String, CliError> {
    match command {
        DbCommand::Init(args) if args.print => Ok(schema::role_model_sql()),
        DbCommand::Init(_) => init(ctx),
        DbCommand::Copy(args) => copy(ctx, &args),
    }
}

fn init(ctx: &Context) -> Result<String, CliError> {
    let target = ctx.target()?;
    let Target::Postgres(pg) = &target else {
        return Err(CliError::Refused(format!(
            "'{target}' is a SQLite file, created on first use; 'db init' sets up a team database (--db postgres://…)"
        )));
    };
    let version = crate::store::postgres::init(pg, ctx.config.busy_timeout)?;
    if ctx.json {
        return ctx.json(&json!({ "database": pg.shown(), "schema_version": version, "role": "sitrep_responder" }));
    }
    Ok(format!(
        "{} is ready (schema version {version}).\n\
         Let a responder in with:  CREATE ROLE alice LOGIN PASSWORD '…' IN ROLE sitrep_responder;\n\
         Responders may read and add to the log; nobody may rewrite or delete a timeline entry.\n",
        pg.shown()
    ))
}

fn copy(ctx: &Context, args: &CopyArgs) -> Result<String, CliError> {
    let from = ctx.target()?;
    let to = Target::parse(&args.to)?;
    if from == to {
        return Err(CliError::Refused(format!(
            "'{to}' is the database in use; copy to another"
        )));
    }
    // Only the team database takes a copy: it keeps ids and times under the
    // owner's role, which a SQLite file has no notion of.
    let Target::Postgres(pg) = &to else {
        return Err(CliError::Refused(format!(
            "'{to}' is a SQLite file; copying into one is not supported: copy to the team database (--to postgres://…)"
        )));
    };
    let records = ctx.open_store_for_reading()?.export_all()?;
    let mut destination = crate::store::postgres::PgStore::connect(pg, ctx.config.busy_timeout)?;
    let report = destination.import(&records, args.renumber)?;
    if ctx.json {
        return ctx
            .json(&json!({ "from": from.to_string(), "to": to.to_string(), "copied": report }));
    }
    Ok(format!(
        "copied {} incidents ({} already there{}), {} entries, {} revisions, {} follow-ups, {} linked alerts\nfrom {from}\nto   {to}\n",
        report.incidents,
        report.incidents_present,
        if report.renumbered > 0 {
            format!(", {} renumbered", report.renumbered)
        } else {
            String::new()
        },
        report.entries,
        report.revisions,
        report.follow_ups,
        report.alerts,
    ))
}
