//! The command line: argument parsing (clap), dispatch to one module per subcommand
//! group, and the mapping of every failure to one line on stderr and an exit code.

mod alerts;
mod config;
mod db;
mod doctor;
mod document;
mod followup;
mod gate;
mod incident;
mod json;
mod oncall;
mod post;
mod report;
mod review;
mod run;
mod silence;
mod slo;
mod watch;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::builder::FalseyValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand};
use thiserror::Error;

use crate::config::{Config, ConfigError, Feed, Overrides, Paths, Reads, TimeDisplay};
use crate::domain::parse::truncate_to_millis;
use crate::domain::text::sanitize_line;
use crate::domain::DomainError;
use crate::store::{Store, StoreError, Target};

/// Exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const REFUSED: u8 = 4;
    pub const DATABASE: u8 = 5;
    pub const SOURCES: u8 = 6;
    /// `doctor` found a problem.
    pub const DOCTOR: u8 = 7;
}

#[derive(Debug, Parser)]
#[command(
    name = "sitrep",
    version,
    about = "Incident command for on-call engineers, in the terminal",
    long_about = "Incident command for on-call engineers, in the terminal.\n\n\
        Declare incidents, keep a durable timestamped log of every step, hand over roles, \
        and track follow-ups. 'sitrep' with no subcommand, in a terminal, opens the \
        full-screen TUI (the built-in demo when nothing is configured); piped or \
        scripted, it prints this help. Every action of the TUI is also a subcommand."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand takes, listed under their own heading in each `--help`,
/// after the subcommand's own.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Config file [default: config.toml in the platform config dir]
    #[arg(long, global = true, env = "SITREP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database: a file, or a PostgreSQL connection string (postgres://user@host/db;
    /// PGPASSWORD and ~/.pgpass apply) [default: sitrep.db in the platform data dir]
    #[arg(
        long,
        global = true,
        env = "SITREP_DB",
        value_name = "FILE|URL",
        hide_env_values = true
    )]
    pub db: Option<PathBuf>,
    /// Your name in the timeline [default: $USER]
    #[arg(long, global = true, env = "SITREP_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Show times in local time or UTC
    #[arg(
        long,
        global = true,
        env = "SITREP_TIME_DISPLAY",
        value_enum,
        value_name = "ZONE"
    )]
    pub time_display: Option<TimeDisplay>,
    /// How long a P2 may stay in investigation before triage is overdue [default: 30m]
    #[arg(
        long,
        global = true,
        env = "SITREP_P2_TRIAGE_WINDOW",
        value_name = "DURATION"
    )]
    pub p2_triage_window: Option<String>,
    /// How long a write waits for another process's lock [default: 5s]
    #[arg(
        long,
        global = true,
        env = "SITREP_BUSY_TIMEOUT",
        value_name = "DURATION"
    )]
    pub busy_timeout: Option<String>,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Read alerts from this Alertmanager (repeatable; replaces configured sources)
    #[arg(
        long,
        global = true,
        env = "SITREP_ALERTMANAGER",
        value_name = "URL",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub alertmanager: Vec<String>,
    /// Use the built-in demo feed and its own database (automatic in the TUI when no
    /// source is configured)
    #[arg(long, global = true, env = "SITREP_DEMO", value_parser = FalseyValueParser::new())]
    pub demo: bool,
    /// Rehearse: the TUI plays the demo feed on your real database and every incident
    /// declared is a drill (listed apart in the review)
    #[arg(long, global = true, env = "SITREP_REHEARSE", value_parser = FalseyValueParser::new())]
    pub rehearse: bool,
    /// Which evening the demo feed plays; the same seed replays the same alerts
    #[arg(
        long,
        global = true,
        env = "SITREP_DEMO_SEED",
        value_name = "N",
        default_value_t = 1
    )]
    pub demo_seed: u64,
    /// Play the demo feed from this far into its 10-minute loop (e.g. 2m30s, when a
    /// P1 pages) instead of where the clock puts it
    #[arg(long, global = true, env = "SITREP_DEMO_AT", value_name = "DURATION", value_parser = demo_at)]
    pub demo_at: Option<chrono::Duration>,
    /// Read alerts from this Prometheus (repeatable; replaces configured sources)
    #[arg(
        long,
        global = true,
        env = "SITREP_PROMETHEUS",
        value_name = "URL",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub prometheus: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Declare an incident; you are commander unless you name someone
    Declare(incident::DeclareArgs),
    /// Append a mitigation step, customer comms update or note to the timeline
    Log(incident::LogArgs),
    /// Correct a typed timeline entry; the old text is kept as a revision
    Amend(incident::AmendArgs),
    /// Change an incident's status (investigating, identified, monitoring, resolved)
    Status(incident::StatusArgs),
    /// Change an incident's severity (P1, P2)
    Severity(incident::SeverityArgs),
    /// Hand over the commander or comms lead role
    Assign(incident::AssignArgs),
    /// Change template or review fields; every change is recorded in the timeline
    Edit(incident::EditArgs),
    /// Link live alerts to an incident by fingerprint (--unlink to undo), as /link does
    Link(incident::LinkArgs),
    /// Resolve an incident, optionally recording a summary
    Resolve(incident::ResolveArgs),
    /// List incidents, newest first
    List(incident::ListArgs),
    /// Show one incident: template, timeline and follow-ups
    Show(incident::ShowArgs),
    /// Follow-up action items
    #[command(subcommand)]
    Followup(followup::FollowupCommand),
    /// Write the blameless postmortem draft in Markdown
    Export(report::ExportArgs),
    /// Print a customer-facing status update draft for the comms lead
    Comms(report::CommsArgs),
    /// The reliability review: incident classes, rollbacks, follow-up closure, drills
    Review(review::ReviewArgs),
    /// List the document templates, or print one to start your own
    #[command(subcommand)]
    Templates(report::TemplatesCommand),
    /// Print the alerts firing now in every source, P1 first
    Alerts(alerts::AlertsArgs),
    /// Check every alert source and print its health
    Sources,
    /// Burn rates and error budget left for every SLO and region
    Slo,
    /// May a release ship? Exit 0 ship, 1 hold (a line per reason), 6 a figure unread
    ///
    /// The error-budget policy (`[policy]`) applied to each SLO and region: budget
    /// left below `hold_below`, a page-level burn, a ticket-level burn when asked for,
    /// an open P1 on the SLO's service. Fails closed: an SLO that cannot be read
    /// holds (exit 6) unless `--fail-open`. For CI/CD: no terminal needed.
    Gate(gate::GateArgs),
    /// Write an example config or show where sitrep keeps things
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Set up the team database (PostgreSQL) or copy a local log into it
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Print shell completions: `source <(sitrep completions bash)`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `sitrep man > ~/.local/share/man/man1/sitrep.1`
    Man,
    /// Check the config, database, alert sources, SLOs, templates and log directory
    Doctor,
    /// Run a command and record it in the incident's timeline
    ///
    /// Writes `running: CMD` before it starts and, after it ends, its exit status,
    /// duration and last lines of output: `sitrep run 4 -- kubectl rollout undo
    /// deploy/room`. With `--json` the command's output goes to stderr and stdout
    /// holds `{exit_code, started, ended}` (the two entries).
    Run(run::RunArgs),
    /// Silence alerts in the Alertmanager for an incident; list or expire its silences
    Silence(silence::SilenceArgs),
    /// Who is on call for each team now (or --at a time), until when, and who is next
    Oncall(oncall::OnCallArgs),
    /// Page one team for an incident through Alertmanager, with the team's labels
    Page(oncall::PageArgs),
    /// The handoff agenda: open incidents, follow-ups due, the shift's alerts and their flags
    Handoff(oncall::HandoffArgs),
    /// Keep the log with no TUI open: log alert changes, deliver comms, remind, end pages
    ///
    /// A service: runs until SIGTERM or SIGINT, logs to stderr (in the journal's
    /// format under systemd) and to the log file. `--listen` serves /healthz and
    /// /metrics. Any number may run on one database: each change is logged once.
    Watch(watch::WatchArgs),
}

/// A failure with the exit code it maps to.
#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error("'{}' already exists; pass --force to replace it, or -o to choose another file", .0.display())]
    FileExists(PathBuf),
    #[error("cannot write '{}': {detail}", path.display())]
    Write { path: PathBuf, detail: String },
    /// Something sitrep will not do (replace a device with a file, say).
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Output(String),
    /// Every alert source failed; each was reported on its own line already.
    #[error("{0}")]
    AllSourcesFailed(String),
    /// `doctor` found problems; each was printed on its own line already.
    #[error("{0}")]
    Doctor(String),
    /// Something named that does not exist outside the database (an alert).
    #[error("{0}")]
    NotFound(String),
    /// A comms update was logged but not posted everywhere; what happened was printed.
    #[error("{0}")]
    PostFailed(String),
    /// `run`: the command's own exit code, passed on without a message.
    #[error("the command exited {0}")]
    CommandExit(u8),
}

impl From<crate::report::file::WriteError> for CliError {
    fn from(e: crate::report::file::WriteError) -> Self {
        use crate::report::file::WriteError;
        match e {
            WriteError::Exists(path) => Self::FileExists(path),
            not_regular @ WriteError::NotRegular { .. } => Self::Refused(not_regular.to_string()),
            WriteError::Io { path, detail } => Self::Write { path, detail },
        }
    }
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Domain(e) | Self::Store(StoreError::Domain(e)) => domain_exit_code(e),
            Self::Store(
                StoreError::IncidentNotFound(_)
                | StoreError::EntryNotFound(_)
                | StoreError::FollowUpNotFound(_),
            ) => exit::NOT_FOUND,
            Self::Store(_) => exit::DATABASE,
            Self::Config(ConfigError::Exists { .. }) => exit::REFUSED,
            // `config init` could not write its file: a failure, not a usage error.
            Self::Config(ConfigError::Write { .. }) => exit::FAILURE,
            Self::Config(_) => exit::USAGE,
            Self::Report(crate::report::ReportError::NotFound { .. }) => exit::NOT_FOUND,
            Self::Report(_) => exit::USAGE,
            Self::FileExists(_) | Self::Refused(_) => exit::REFUSED,
            Self::Write { .. } | Self::Output(_) => exit::FAILURE,
            Self::AllSourcesFailed(_) | Self::PostFailed(_) => exit::SOURCES,
            Self::Doctor(_) => exit::DOCTOR,
            Self::CommandExit(code) => *code,
            Self::NotFound(_) => exit::NOT_FOUND,
        }
    }
}

fn domain_exit_code(e: &DomainError) -> u8 {
    match e {
        DomainError::Invalid(_) => exit::USAGE,
        DomainError::Rule(_) => exit::REFUSED,
    }
}

/// What a command needs: settings, paths, the output mode and one clock reading.
pub struct Context {
    pub config: Config,
    pub paths: Paths,
    pub json: bool,
    pub now: DateTime<Utc>,
    /// Where alerts come from; the demo feed goes with its own database.
    pub feed: Feed,
    pub demo_seed: u64,
    pub demo_at: Option<chrono::Duration>,
}

impl Context {
    pub fn open_store(&self) -> Result<Store, CliError> {
        self.open_store_with(false)
    }

    /// Opens the database for a command that only reads: where a SQLite file cannot be
    /// written (a read-only file or directory) it is read read-only.
    pub fn open_store_for_reading(&self) -> Result<Store, CliError> {
        self.open_store_with(true)
    }

    fn open_store_with(&self, read_only: bool) -> Result<Store, CliError> {
        let target = self.target()?;
        if let Target::Sqlite(database) = &target {
            // A data directory that cannot be made is a database failure (exit 5).
            if let Err(e) = self.paths.prepare_database_dir(database) {
                return Err(match e {
                    ConfigError::Write { path, detail } => StoreError::Open {
                        path: database.clone(),
                        detail: format!("cannot create directory '{}': {detail}", path.display()),
                    }
                    .into(),
                    other => other.into(),
                });
            }
        }
        if let Target::Postgres(pg) = &target {
            for warning in &pg.warnings {
                eprintln!("warning: {}", sanitize_line(warning));
            }
        }
        Ok(Store::connect(
            &target,
            self.config.busy_timeout,
            read_only,
        )?)
    }

    /// The database in use: the demo's own for the demo, whatever `--db` says; else
    /// `--db`/`SITREP_DB`, `db` in the config, or the default file.
    pub fn target(&self) -> Result<Target, CliError> {
        Ok(self
            .paths
            .target_for(self.feed, self.config.db.as_deref())?)
    }

    /// Renders `value` as pretty JSON followed by a newline.
    pub fn json<T: serde::Serialize>(&self, value: &T) -> Result<String, CliError> {
        let mut text =
            serde_json::to_string_pretty(value).map_err(|e| CliError::Output(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// [`Context::json`] of a list, byte for byte, rendered on every core when it is
    /// long (`alerts --json` of a storm).
    pub fn json_list<T: serde::Serialize + Sync>(&self, items: &[T]) -> Result<String, CliError> {
        let mut text = json::pretty_list(items, crate::sources::one_shot_workers())
            .map_err(|e| CliError::Output(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }
}

fn demo_at(raw: &str) -> Result<chrono::Duration, DomainError> {
    let at = crate::domain::parse::parse_duration(raw)?;
    if at < chrono::Duration::zero() || at >= chrono::Duration::minutes(10) {
        return Err(DomainError::invalid(
            "--demo-at must be within the demo's 10-minute loop",
        ));
    }
    Ok(at)
}

/// Parses arguments, runs the command, prints its output, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(report_usage_error(&e)),
    };
    let Some(command) = cli.command else {
        // The TUI needs a terminal on both ends; piped or scripted, print help instead.
        if io::stdin().is_terminal() && io::stdout().is_terminal() {
            return match tui(&cli.global) {
                Ok(()) => ExitCode::from(exit::OK),
                Err(e) => {
                    log_failure(&e);
                    print_error(&e);
                    ExitCode::from(e.exit_code())
                }
            };
        }
        let mut help = Cli::command();
        let _ = help.print_help();
        return ExitCode::from(exit::OK);
    };
    match run(&cli.global, command) {
        Ok(output) => {
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(output.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`sitrep list | head`) is not a failure.
                Ok(()) => ExitCode::from(exit::OK),
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(exit::OK),
                Err(e) => {
                    eprintln!("error: cannot write output: {e}");
                    ExitCode::from(exit::FAILURE)
                }
            }
        }
        Err(CliError::CommandExit(code)) => ExitCode::from(code),
        Err(e) => {
            log_failure(&e);
            print_error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// A failed command in the log file (when one is open): the database, a source, a
/// template, a bad value, each with its exit code.
fn log_failure(e: &CliError) {
    tracing::warn!(
        exit = e.exit_code(),
        "command failed: {}",
        sanitize_line(&e.to_string())
    );
}

/// Prints `error: ` and the message as one line, made safe for the terminal: a path or
/// value quoted in it may hold a line break, an escape sequence or a bidi override.
fn print_error(e: &dyn std::fmt::Display) {
    eprintln!("error: {}", sanitize_line(&e.to_string()));
}

/// Opens the full-screen TUI on the configured database.
fn tui(global: &GlobalArgs) -> Result<(), CliError> {
    crate::tune_allocator();
    let paths = Paths::resolve(global.config.clone(), global.db.clone())?;
    crate::logging::init(&paths.log_dir);
    // With nothing to watch, the TUI plays the demo feed on its own database. A
    // rehearsal plays it too, but records on the real database, marked as drills.
    let ctx = context(global, paths, Reads::Tui)?;
    let user = ctx.config.user()?.to_string();
    let store = ctx.open_store()?;
    crate::tui::run(crate::tui::Launch {
        store,
        target: ctx.target()?,
        config: &ctx.config,
        paths: &ctx.paths,
        user,
        demo: ctx
            .feed
            .plays_demo()
            .then_some((ctx.demo_seed, ctx.demo_at)),
        drill: ctx.feed == Feed::Rehearsal,
    })
    .map_err(|e| CliError::Output(format!("{e:#}")))
}

fn context(global: &GlobalArgs, paths: Paths, reads: Reads) -> Result<Context, CliError> {
    let overrides = Overrides {
        user: global.user.clone(),
        time_display: global.time_display,
        p2_triage_window: global.p2_triage_window.clone(),
        busy_timeout: global.busy_timeout.clone(),
        alertmanager: global.alertmanager.clone(),
        prometheus: global.prometheus.clone(),
    };
    let config = Config::load(&paths, &overrides)?;
    Ok(Context {
        feed: Feed::decide(
            global.demo,
            global.rehearse,
            paths.database_explicit,
            &config,
            reads,
        ),
        config,
        paths,
        json: global.json,
        now: truncate_to_millis(Utc::now()),
        demo_seed: global.demo_seed,
        demo_at: global.demo_at,
    })
}

/// Completions and the man page come from the clap definition alone: no config, no
/// database, so they work on a machine where nothing else is set up.
fn shell_text(command: &Command) -> Option<Result<String, CliError>> {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    let mut out = Vec::new();
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut cli, "sitrep", &mut out);
        }
        Command::Man => {
            if let Err(e) = clap_mangen::Man::new(cli).render(&mut out) {
                return Some(Err(CliError::Output(format!(
                    "cannot render the man page: {e}"
                ))));
            }
        }
        _ => return None,
    }
    Some(String::from_utf8(out).map_err(|e| CliError::Output(e.to_string())))
}

fn run(global: &GlobalArgs, command: Command) -> Result<String, CliError> {
    if let Some(text) = shell_text(&command) {
        return text;
    }
    let paths = Paths::resolve(global.config.clone(), global.db.clone())?;
    // `config init` and `config path` must work even when the config is broken.
    let command = match command {
        Command::Config(command) => {
            // `config path` must work with a broken config: read `db` from it if it loads.
            let configured = Config::load(&paths, &Overrides::default())
                .ok()
                .and_then(|c| c.db);
            let target = paths
                .target_for(Feed::Live, configured.as_deref())
                .map_err(CliError::from);
            return config::run(command, &paths, target, global.json);
        }
        other => other,
    };
    if let Command::Watch(_) = command {
        crate::logging::init_service(&paths.log_dir);
    }
    crate::logging::init(&paths.log_dir);
    if let Command::Doctor = command {
        // Runs with a broken config too: it is what it checks first.
        return doctor::run(global, paths);
    }
    let reads = match command {
        // `alerts quality` reads the log's history, like `review`.
        Command::Alerts(ref args) if args.reads_history() => Reads::Log,
        Command::Alerts(_) | Command::Sources => Reads::Alerts,
        Command::Slo | Command::Gate(_) => Reads::Slos,
        _ => Reads::Log,
    };
    let ctx = context(global, paths, reads)?;
    match command {
        Command::Declare(args) => incident::declare(&ctx, args),
        Command::Log(args) => incident::log(&ctx, args),
        Command::Amend(args) => incident::amend(&ctx, args),
        Command::Status(args) => incident::status(&ctx, args),
        Command::Severity(args) => incident::severity(&ctx, args),
        Command::Assign(args) => incident::assign(&ctx, args),
        Command::Edit(args) => incident::edit(&ctx, args),
        Command::Link(args) => incident::link(&ctx, args),
        Command::Resolve(args) => incident::resolve(&ctx, args),
        Command::List(args) => incident::list(&ctx, args),
        Command::Show(args) => incident::show(&ctx, args),
        Command::Followup(command) => followup::run(&ctx, command),
        Command::Alerts(args) => alerts::alerts(&ctx, args),
        Command::Sources => alerts::sources(&ctx),
        Command::Slo => slo::slo(&ctx),
        Command::Gate(args) => gate::gate(&ctx, args),
        Command::Export(args) => report::export(&ctx, args),
        Command::Comms(args) => report::comms(&ctx, args),
        Command::Review(args) => review::review(&ctx, args),
        Command::Templates(command) => report::run_templates(&ctx, command),
        Command::Config(command) => config::run(command, &ctx.paths, ctx.target(), ctx.json),
        Command::Db(command) => db::run(&ctx, command),
        Command::Doctor => doctor::run(global, ctx.paths.clone()),
        Command::Silence(args) => silence::run(&ctx, args),
        Command::Watch(args) => watch::watch(&ctx, args),
        Command::Oncall(args) => oncall::oncall(&ctx, args),
        Command::Page(args) => oncall::page(&ctx, args),
        Command::Handoff(args) => oncall::handoff(&ctx, args),
        Command::Run(args) => {
            let ran = run::run(&ctx, args)?;
            match ran.exit_code {
                0 => Ok(ran.json.unwrap_or_default()),
                code => {
                    // The document is printed even though the exit code is not 0.
                    if let Some(doc) = ran.json {
                        let mut stdout = io::stdout().lock();
                        let _ = stdout
                            .write_all(doc.as_bytes())
                            .and_then(|()| stdout.flush());
                    }
                    Err(CliError::CommandExit(u8::try_from(code).unwrap_or(1)))
                }
            }
        }
        Command::Completions { .. } | Command::Man => {
            shell_text(&command).unwrap_or_else(|| Ok(String::new()))
        }
    }
}

/// Prints help and version as clap does; squeezes any other parse error onto one line.
fn report_usage_error(e: &clap::Error) -> u8 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            exit::OK
        }
        _ => {
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with("Usage:")
                        && !l.starts_with("For more information")
                })
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("{} (see 'sitrep help')", sanitize_line(&line));
            exit::USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        // clap's own checks: unique ids and flags, valid defaults, and so on.
        Cli::command().debug_assert();
    }

    #[test]
    fn no_global_flag_shadows_a_subcommand_flag() {
        let cli = Cli::command();
        let globals: Vec<String> = cli
            .get_arguments()
            .filter_map(|a| a.get_long().map(str::to_string))
            .collect();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments().filter(|a| !a.is_global_set()) {
                if let Some(long) = arg.get_long() {
                    assert!(
                        !globals.iter().any(|g| g == long),
                        "'{}' has its own --{long}",
                        sub.get_name()
                    );
                }
            }
        }
    }
}
