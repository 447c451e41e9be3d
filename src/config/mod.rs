//! Settings and file locations. `Config` is read from `config.toml` (platform config
//! dir, or `--config`), then overridden by `SITREP_*` environment variables, then by
//! flags. It is passed to whoever needs it, never kept in a global.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::Duration;
use directories::ProjectDirs;
use serde::{Deserialize, Serialize};

pub mod channels;
mod policy;
mod sources;
pub mod teams;

use crate::domain::alert::LabelMapping;
use crate::sources::slo::SloQuery;
use crate::sources::{HttpOptions, Source, SourceKind};
use thiserror::Error;

use crate::domain::parse::parse_duration;
use crate::domain::text::sanitize_line;
use crate::store::{Target, DEFAULT_BUSY_TIMEOUT};

pub use crate::domain::TimeDisplay;
pub use crate::host::{account_name, read_small};

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config '{}': {detail}", path.display())]
    Read { path: PathBuf, detail: String },
    #[error("config '{}' line {line}: {detail}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error("config value {key}: {detail}")]
    Value { key: String, detail: String },
    #[error("cannot work out your home directory; pass --config and --db explicitly")]
    NoHome,
    #[error("cannot work out your name: set it with --user, SITREP_USER or 'user' in the config")]
    NoUser,
    #[error("config '{}' already exists; pass --force to replace it", path.display())]
    Exists { path: PathBuf },
    #[error("cannot write config '{}': {detail}", path.display())]
    Write { path: PathBuf, detail: String },
}

/// The contents of `config.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    user: Option<String>,
    /// The database: a file path or a PostgreSQL connection string (best without a
    /// password: use PGPASSWORD or ~/.pgpass).
    db: Option<String>,
    time_display: Option<TimeDisplay>,
    p2_triage_window: Option<String>,
    busy_timeout: Option<String>,
    #[serde(default)]
    sources: Vec<sources::SourceFile>,
    labels: Option<LabelMapping>,
    #[serde(default)]
    slos: Vec<sources::SloFile>,
    #[serde(default)]
    comms: CommsFile,
    #[serde(default)]
    escalation: EscalationFile,
    #[serde(default)]
    watch: WatchFile,
    #[serde(default)]
    review: ReviewFile,
    #[serde(default)]
    teams: Vec<teams::TeamFile>,
    #[serde(default)]
    policy: policy::PolicyFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewFile {
    /// Weekday working hours in `zone`, e.g. "09:00-18:00"; weekends are out of hours.
    working_hours: Option<String>,
    /// Sleep hours in `zone`, e.g. "22:00-07:00".
    sleep_hours: Option<String>,
    /// The team's time zone (IANA name); default: this machine's.
    zone: Option<String>,
    /// The label naming an alert's owner (default `team`).
    owner_label: Option<String>,
    /// How often the team rehearses (default 30d).
    drill_every: Option<String>,
}

/// What the weekly review counts as working and sleep hours, who owns an alert,
/// and how often a drill is due.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSettings {
    pub quality: crate::domain::alert_quality::QualityRules,
    pub drill_every: Duration,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            quality: Default::default(),
            drill_every: Duration::days(30),
        }
    }
}

fn review_settings(file: ReviewFile, labels: &LabelMapping) -> Result<ReviewSettings, ConfigError> {
    use crate::domain::alert_quality::Hours;
    let defaults = crate::domain::alert_quality::QualityRules::default();
    let hours = |key: &str, raw: Option<String>, default: Hours| match raw {
        None => Ok(default),
        Some(raw) => Hours::parse(&raw).map_err(|detail| ConfigError::Value {
            key: format!("review {key}"),
            detail,
        }),
    };
    let zone = match file.zone.filter(|z| !z.trim().is_empty()) {
        Some(name) => name
            .trim()
            .parse::<chrono_tz::Tz>()
            .map_err(|_| ConfigError::Value {
                key: "review zone".into(),
                detail: format!(
                    "'{}' is not a time zone name; use one like Europe/Berlin or America/New_York",
                    crate::domain::text::sanitize_line(&name)
                ),
            })?,
        // This machine's zone, when it has a name sitrep knows; else UTC.
        None => iana_time_zone::get_timezone()
            .ok()
            .and_then(|n| n.parse::<chrono_tz::Tz>().ok())
            .unwrap_or(chrono_tz::Tz::UTC),
    };
    let drill_every = match &file.drill_every {
        None => Duration::days(30),
        Some(raw) => match crate::domain::parse::parse_duration(raw) {
            Ok(d) if d >= Duration::days(1) => d,
            _ => {
                return Err(ConfigError::Value {
                    key: "review drill_every".into(),
                    detail: format!("'{raw}' must be a duration of at least 1d, e.g. 30d"),
                })
            }
        },
    };
    Ok(ReviewSettings {
        quality: crate::domain::alert_quality::QualityRules {
            working: hours("working_hours", file.working_hours, defaults.working)?,
            sleep: hours("sleep_hours", file.sleep_hours, defaults.sleep)?,
            zone,
            owner_label: file
                .owner_label
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .unwrap_or(defaults.owner_label),
            labels: labels.clone(),
            teams: Default::default(),
        },
        drill_every,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchFile {
    /// Remind the comms lead that a customer update is due soon and overdue.
    customer_update_reminders: Option<bool>,
    /// How long before an update is due the first reminder is given.
    update_due_soon: Option<String>,
    /// Remind that a P2 is still in triage past `p2_triage_window`.
    triage_reminders: Option<bool>,
    /// Where `sitrep watch` serves /healthz and /metrics when `--listen` is not given.
    listen: Option<String>,
}

/// What `sitrep watch` does beside logging alerts and delivering comms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Watch {
    pub reminders: crate::domain::reminders::ReminderRules,
    /// `host:port` for /healthz and /metrics; none: not served.
    pub listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalationFile {
    /// Page through the Alertmanager when a P1 is declared (default: yes).
    enabled: Option<bool>,
    /// Which Alertmanager source (default: the first).
    source: Option<String>,
    /// Labels set on the page (default: `severity = "critical"`).
    labels: Option<std::collections::BTreeMap<String, String>>,
    /// The page's link back for receivers; `{incident}` is the number.
    generator_url: Option<String>,
}

/// P1 means immediate escalation: a `SitrepIncident` alert posted to the team's
/// Alertmanager, so its routes page the right people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// On unless turned off; with no Alertmanager source it is on only when asked for
    /// (`enabled = true`), and then says loudly that it cannot page.
    pub enabled: bool,
    /// The Alertmanager source to post to; `None`: the first one.
    pub source: Option<String>,
    /// The page's labels and link back.
    pub page: crate::domain::escalation::PageOptions,
}

impl Default for Escalation {
    fn default() -> Self {
        Self {
            enabled: true,
            source: None,
            page: Default::default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommsFile {
    /// Region id → the name customers know it by.
    #[serde(default)]
    regions: std::collections::BTreeMap<String, String>,
    /// How often customers are promised an update while an incident is open.
    update_every: Option<String>,
    /// Where comms updates are posted.
    #[serde(default)]
    channels: Vec<channels::ChannelFile>,
}

/// What the customer comms draft may say, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comms {
    /// Region id → public name. A region not listed is never named to customers.
    pub regions: std::collections::BTreeMap<String, String>,
    /// The promised time between customer updates (the draft's next update, the
    /// TUI's reminder).
    pub update_every: Duration,
    /// Chat and status channels comms updates are posted to (none: updates are only
    /// logged).
    pub channels: Vec<channels::Channel>,
}

impl Default for Comms {
    fn default() -> Self {
        Self {
            regions: std::collections::BTreeMap::new(),
            update_every: Duration::minutes(30),
            channels: Vec::new(),
        }
    }
}

/// Values from the environment and flags (clap merges the two, flag first).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub user: Option<String>,
    pub time_display: Option<TimeDisplay>,
    pub p2_triage_window: Option<String>,
    pub busy_timeout: Option<String>,
    /// One-off sources; when any is given they replace the configured ones.
    pub alertmanager: Vec<String>,
    pub prometheus: Vec<String>,
}

/// Settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Who is typing: the author of every entry, the default commander. Needed only
    /// by commands that write; see [`Config::user`].
    pub user: Option<String>,
    pub time_display: TimeDisplay,
    /// How long a P2 may stay in investigation before triage is overdue.
    pub p2_triage_window: Duration,
    /// How long a write waits for another process's lock.
    pub busy_timeout: StdDuration,
    /// Alert sources, from `--alertmanager` / `--prometheus` or the config.
    pub sources: Vec<Source>,
    pub labels: LabelMapping,
    /// SLOs to watch; `source` is empty when it should be the first Prometheus one.
    pub slos: Vec<SloQuery>,
    /// `db` from the config file, used when neither `--db` nor `SITREP_DB` is given.
    pub db: Option<String>,
    pub comms: Comms,
    pub escalation: Escalation,
    pub watch: Watch,
    pub review: ReviewSettings,
    /// `[[teams]]`: ownership, page labels and on-call schedules.
    pub teams: Vec<teams::TeamConfig>,
    /// `[policy]`: when releases hold, per SLO.
    pub policy: crate::domain::gate::Policies,
}

/// Where alerts come from and which database they go with, decided once for every
/// command: the demo feed always uses its own database, whatever `--db` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// The configured sources (possibly none), on the named or default database.
    Live,
    /// The built-in demo feed on the demo's own database. `implicit` when nothing was
    /// configured rather than `--demo` asked for.
    Demo { implicit: bool },
    /// The demo feed on the real database; every incident declared is a drill.
    Rehearsal,
}

/// What a command does with alerts, for [`Feed::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// The full-screen TUI: alerts and the log.
    Tui,
    /// Only alerts (`alerts`, `sources`).
    Alerts,
    /// Only SLO figures (`slo`).
    Slos,
    /// Only the log: never the demo unless asked for.
    Log,
}

impl Feed {
    /// The one rule: `--rehearse` in the TUI rehearses, `--demo` is the demo, and with
    /// nothing configured to read, `alerts` and `slo` show the demo; so does the TUI
    /// when no database was named either (a responder who names the team database
    /// wants that log, with or without alert sources).
    pub fn decide(
        demo: bool,
        rehearse: bool,
        database_named: bool,
        config: &Config,
        reads: Reads,
    ) -> Self {
        if rehearse && reads == Reads::Tui {
            return Self::Rehearsal;
        }
        if demo {
            return Self::Demo { implicit: false };
        }
        let nothing_configured = match reads {
            Reads::Tui => config.sources.is_empty() && !database_named && config.db.is_none(),
            Reads::Alerts => config.sources.is_empty(),
            Reads::Slos => config.slos.is_empty() && config.sources.is_empty(),
            Reads::Log => false,
        };
        if nothing_configured {
            Self::Demo { implicit: true }
        } else {
            Self::Live
        }
    }

    pub fn is_demo(self) -> bool {
        matches!(self, Self::Demo { .. })
    }

    /// Whether alerts come from the demo feed (a demo or a rehearsal).
    pub fn plays_demo(self) -> bool {
        !matches!(self, Self::Live)
    }
}

pub const DEFAULT_P2_TRIAGE_WINDOW: Duration = Duration::minutes(30);

/// Where sitrep keeps things.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paths {
    pub config_file: PathBuf,
    /// Whether `config_file` was named explicitly (then it must exist).
    #[serde(skip)]
    pub config_explicit: bool,
    pub database: PathBuf,
    /// Whether `database` was named explicitly (then its directory must exist).
    #[serde(skip)]
    pub database_explicit: bool,
    /// The demo feed's own database, so simulated incidents never mix with real ones.
    /// Always in the platform data dir, whatever `--db` says; `None` without a home.
    pub demo_database: Option<PathBuf>,
    /// Where the TUI writes postmortem drafts: `exports/` beside the default database.
    pub exports_dir: Option<PathBuf>,
    pub templates_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// The database that goes with `feed`: the demo's own file for the demo; else the
    /// one named by `--db`/`SITREP_DB`, then `db` in the config, then the default file.
    pub fn target_for(
        &self,
        feed: Feed,
        configured: Option<&str>,
    ) -> Result<Target, crate::store::StoreError> {
        match feed {
            Feed::Demo { .. } => self
                .demo_database
                .clone()
                .map(Target::Sqlite)
                .ok_or_else(|| crate::store::StoreError::Target {
                    detail: "no home directory for the demo's own database; set HOME".into(),
                }),
            Feed::Live | Feed::Rehearsal => match (self.database_explicit, configured) {
                (false, Some(db)) => Target::parse(std::ffi::OsStr::new(db)),
                _ => Target::parse(self.database.as_os_str()),
            },
        }
    }

    /// Platform directories, with `--config` / `--db` (or their env vars) taking over.
    pub fn resolve(
        config: Option<PathBuf>,
        database: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let dirs = ProjectDirs::from("", "", "sitrep");
        let platform =
            |pick: fn(&ProjectDirs) -> PathBuf| dirs.as_ref().map(pick).ok_or(ConfigError::NoHome);
        let config_dir = match &config {
            Some(file) => file.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => platform(|d| d.config_dir().to_path_buf())?,
        };
        let log_dir = match &dirs {
            Some(d) => d.state_dir().unwrap_or_else(|| d.cache_dir()).to_path_buf(),
            None => config_dir.clone(),
        };
        Ok(Self {
            config_file: config
                .clone()
                .unwrap_or_else(|| config_dir.join("config.toml")),
            config_explicit: config.is_some(),
            database: match &database {
                Some(db) => db.clone(),
                None => platform(|d| d.data_dir().join("sitrep.db"))?,
            },
            database_explicit: database.is_some(),
            demo_database: dirs.as_ref().map(|d| d.data_dir().join("sitrep-demo.db")),
            exports_dir: dirs.as_ref().map(|d| d.data_dir().join("exports")),
            templates_dir: config_dir.join("templates"),
            log_dir,
        })
    }

    /// Creates the directory (owner-only) of `database` when it is one of sitrep's own
    /// defaults; a database the user named must have its directory already.
    pub fn prepare_database_dir(&self, database: &Path) -> Result<(), ConfigError> {
        if self.database_explicit && database == self.database {
            return Ok(());
        }
        match database.parent() {
            Some(dir) => create_private_dir(dir),
            None => Ok(()),
        }
    }

    /// Creates the exports directory (owner-only) and returns it.
    pub fn prepare_exports_dir(&self) -> Result<PathBuf, ConfigError> {
        let dir = self.exports_dir.clone().ok_or(ConfigError::NoHome)?;
        create_private_dir(&dir)?;
        Ok(dir)
    }
}

/// Whether files can be written in `dir` (made owner-only if missing), and why not:
/// a probe file is written and removed (`doctor`, for the data and log directories).
pub(crate) fn writable_dir(dir: &Path) -> Result<(), String> {
    create_private_dir(dir).map_err(|e| e.to_string())?;
    let probe = dir.join(".sitrep-write-check");
    fs::write(&probe, b"").map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<(), ConfigError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| ConfigError::Write {
        path: dir.to_path_buf(),
        detail: e.to_string(),
    })
}

impl Config {
    /// The configured sources that are Alertmanagers (where silences and pages go).
    pub fn alertmanagers(&self) -> impl Iterator<Item = &Source> {
        self.sources
            .iter()
            .filter(|s| s.kind == SourceKind::Alertmanager)
    }

    /// The user's name, or an error that says how to set it.
    pub fn user(&self) -> Result<&str, ConfigError> {
        self.user.as_deref().ok_or(ConfigError::NoUser)
    }

    /// Reads the config file (a missing default file means defaults), then applies
    /// `overrides` and fills in the user's name from `$USER`.
    pub fn load(paths: &Paths, overrides: &Overrides) -> Result<Self, ConfigError> {
        let (file, text) = read_file(&paths.config_file, paths.config_explicit)?;
        let user = overrides
            .user
            .clone()
            .or(file.user)
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .or_else(account_name)
            .map(|u| sanitize_line(&u))
            .filter(|u| !u.is_empty());
        let p2_triage_window = match overrides.p2_triage_window.clone().or(file.p2_triage_window) {
            Some(raw) => positive_duration("p2_triage_window", &raw)?,
            None => DEFAULT_P2_TRIAGE_WINDOW,
        };
        let busy_timeout = match overrides.busy_timeout.clone().or(file.busy_timeout) {
            Some(raw) => {
                let d = positive_duration("busy_timeout", &raw)?;
                StdDuration::from_millis(d.num_milliseconds().max(0) as u64)
            }
            None => DEFAULT_BUSY_TIMEOUT,
        };
        let one_off = !(overrides.alertmanager.is_empty() && overrides.prometheus.is_empty());
        let sources = if !one_off {
            file.sources
                .into_iter()
                .map(sources::source)
                .collect::<Result<Vec<_>, _>>()?
        } else {
            let one_off = |kind, url: &String| Source {
                name: sources::url_name(url),
                kind,
                urls: vec![url.clone()],
                filters: Vec::new(),
                http: HttpOptions::default(),
                poll_interval: crate::sources::DEFAULT_POLL_INTERVAL,
                warnings: Vec::new(),
                unusable: None,
            };
            overrides
                .alertmanager
                .iter()
                .map(|u| one_off(SourceKind::Alertmanager, u))
                .chain(
                    overrides
                        .prometheus
                        .iter()
                        .map(|u| one_off(SourceKind::Prometheus, u)),
                )
                .collect()
        };
        let mut names = std::collections::HashSet::new();
        if let Some(dup) = sources.iter().find(|s| !names.insert(s.name.clone())) {
            return Err(ConfigError::Value {
                key: "sources".into(),
                detail: format!("two sources are named '{}'; names must differ", dup.name),
            });
        }
        let slos = file
            .slos
            .into_iter()
            .map(sources::slo)
            .collect::<Result<Vec<_>, _>>()?;
        let slo_names: Vec<String> = slos.iter().map(|s| s.objective.name.clone()).collect();
        let policy = policy::policies(file.policy, &slo_names).map_err(|(at, detail)| {
            ConfigError::Parse {
                path: paths.config_file.clone(),
                line: line_of(&text, at),
                detail,
            }
        })?;
        let update_every = match &file.comms.update_every {
            Some(raw) => match crate::domain::parse::parse_duration(raw) {
                Ok(d) if d >= Duration::minutes(1) && d <= Duration::days(7) => d,
                _ => {
                    return Err(ConfigError::Value {
                        key: "comms update_every".into(),
                        detail: format!("'{raw}' must be a duration between 1m and 7d, e.g. 30m"),
                    })
                }
            },
            None => Duration::minutes(30),
        };
        let channels = file
            .comms
            .channels
            .into_iter()
            .map(channels::channel)
            .collect::<Result<Vec<_>, _>>()?;
        channels::check_names(&channels)?;
        // A one-off source (`--alertmanager URL`) replaces the configured ones, and
        // escalation follows it: the configured `[escalation] source` names a source
        // this run does not have, which is no error for a command that only reads.
        let escalation_source = file.escalation.source.filter(|_| !one_off);
        if let Some(name) = &escalation_source {
            if !sources
                .iter()
                .any(|s| &s.name == name && s.kind == SourceKind::Alertmanager)
            {
                return Err(ConfigError::Value {
                    key: "escalation source".into(),
                    detail: format!("no Alertmanager source is named '{name}'"),
                });
            }
        }
        let page = page_options(file.escalation.labels, file.escalation.generator_url)?;
        let defaults = crate::domain::reminders::ReminderRules::default();
        let due_soon = match &file.watch.update_due_soon {
            Some(raw) => match crate::domain::parse::parse_duration(raw) {
                Ok(d) if d >= Duration::minutes(1) && d < update_every => d,
                _ => {
                    return Err(ConfigError::Value {
                        key: "watch update_due_soon".into(),
                        detail: format!(
                            "'{raw}' must be a duration of at least 1m and shorter than comms update_every, e.g. 5m"
                        ),
                    })
                }
            },
            None => defaults.due_soon.min(update_every / 2),
        };
        let watch = Watch {
            reminders: crate::domain::reminders::ReminderRules {
                customer_updates: file
                    .watch
                    .customer_update_reminders
                    .unwrap_or(defaults.customer_updates),
                due_soon,
                triage: file.watch.triage_reminders.unwrap_or(defaults.triage),
            },
            listen: file.watch.listen.filter(|l| !l.trim().is_empty()),
        };
        let labels = file.labels.unwrap_or_default();
        let mut review = review_settings(file.review, &labels)?;
        let teams = file
            .teams
            .into_iter()
            .map(|t| teams::team(t, review.quality.zone))
            .collect::<Result<Vec<_>, _>>()?;
        teams::check_names(&teams)?;
        review.quality.teams = std::sync::Arc::new(crate::domain::oncall::Teams::new(
            teams.iter().map(|t| t.team.clone()).collect(),
        ));
        Ok(Self {
            review,
            teams,
            policy,
            watch,
            escalation: Escalation {
                page,
                enabled: file
                    .escalation
                    .enabled
                    .unwrap_or_else(|| sources.iter().any(|s| s.kind == SourceKind::Alertmanager)),
                source: escalation_source,
            },
            db: file.db.filter(|d| !d.trim().is_empty()),
            comms: Comms {
                regions: file.comms.regions,
                update_every,
                channels,
            },
            sources,
            slos,
            labels,
            user,
            time_display: overrides
                .time_display
                .or(file.time_display)
                .unwrap_or_default(),
            p2_triage_window,
            busy_timeout,
        })
    }
}

/// Labels to set on a page: names as Prometheus takes them, never sitrep's own,
/// no empty value.
fn page_labels(
    key: &str,
    labels: std::collections::BTreeMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>, ConfigError> {
    use crate::domain::escalation::OWN_LABELS;
    for (name, value) in &labels {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let detail = if !valid {
            Some(format!(
                "'{}' is not a label name (letters, digits and _, not starting with a digit)",
                sanitize_line(name)
            ))
        } else if OWN_LABELS.contains(&name.as_str()) {
            Some(format!("'{name}' is sitrep's own label; it cannot be set"))
        } else if value.trim().is_empty() {
            Some(format!("label '{name}' has an empty value"))
        } else {
            None
        };
        if let Some(detail) = detail {
            return Err(ConfigError::Value {
                key: key.into(),
                detail,
            });
        }
    }
    Ok(labels
        .into_iter()
        .map(|(k, v)| (k, sanitize_line(&v)))
        .collect())
}

/// The page's labels and link as configured: label names as Prometheus takes
/// them, never sitrep's own, and a link a receiver can open.
fn page_options(
    labels: Option<std::collections::BTreeMap<String, String>>,
    generator_url: Option<String>,
) -> Result<crate::domain::escalation::PageOptions, ConfigError> {
    use crate::domain::escalation::PageOptions;
    let mut page = PageOptions::default();
    if let Some(labels) = labels {
        page.labels = page_labels("escalation labels", labels)?;
    }
    if let Some(url) = generator_url.filter(|u| !u.trim().is_empty()) {
        let url = url.trim().to_string();
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ConfigError::Value {
                key: "escalation generator_url".into(),
                detail: format!(
                    "'{}' must be an http:// or https:// address without spaces",
                    sanitize_line(&url)
                ),
            });
        }
        page.generator_url = Some(url);
    }
    Ok(page)
}

pub(super) fn positive_duration(key: &str, raw: &str) -> Result<Duration, ConfigError> {
    let d = parse_duration(raw).map_err(|e| ConfigError::Value {
        key: key.to_string(),
        detail: e.to_string(),
    })?;
    if d <= Duration::zero() || d > Duration::days(30) {
        return Err(ConfigError::Value {
            key: key.to_string(),
            detail: format!(
                "'{}' must be more than 0 and at most 30d",
                sanitize_line(raw)
            ),
        });
    }
    Ok(d)
}

/// The largest config file read.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The line (from 1) holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// The file's settings, and its text (for the line of an error found later).
fn read_file(path: &Path, explicit: bool) -> Result<(ConfigFile, String), ConfigError> {
    let text = match read_small(path, MAX_CONFIG_BYTES).and_then(|bytes| {
        String::from_utf8(bytes)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
    }) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok((ConfigFile::default(), String::new()))
        }
        Err(e) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })
        }
    };
    let file = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        line: e.span().map(|span| line_of(&text, span.start)).unwrap_or(1),
        detail: sanitize_line(e.message()),
    })?;
    Ok((file, text))
}

/// The commented example written by `sitrep config init`.
pub const EXAMPLE: &str = r##"# sitrep configuration.
# Every key is optional. SITREP_* environment variables override these values,
# and command-line flags override both.

# Your name as it appears in the timeline; the default commander when you declare.
# Default: $USER, else your account name.
# user = "alice"

# The database: a file, or the team's PostgreSQL (libpq's PGHOST, PGUSER, PGPASSWORD
# and ~/.pgpass apply; keep the password out of this file). --db and SITREP_DB win.
# db = "postgres://alice@db.internal:5432/sitrep?sslmode=verify-full"

# How times are shown: "local" or "utc". Stored times are always UTC.
# time_display = "local"

# How long a P2 may stay in investigation before its triage is overdue.
# p2_triage_window = "30m"

# How long a write waits for another sitrep process holding the database lock.
# busy_timeout = "5s"

# Alert sources. Without any, `sitrep alerts` has nothing to read; a one-off
# `--alertmanager URL` or `--prometheus URL` replaces these for one run.
# [[sources]]
# name = "eu"                                   # shown next to every alert
# kind = "alertmanager"                         # or "prometheus"
# urls = ["http://am-1:9093", "http://am-2:9093"]  # several = one HA pair, deduplicated
# filters = ['service=~"room|chat"']            # Alertmanager matchers
# token_env = "SITREP_EU_TOKEN"                 # or token_file = "/path"; never the token itself
# basic_user = "sitrep"                         # with password_env = "VAR"
# ca_file = "/etc/ssl/internal-ca.pem"          # an extra CA to trust
# timeout = "10s"                               # the whole request; connect_timeout = "3s"
# max_response_bytes = 268435456                # answers larger than this are refused
# poll_interval = "15s"                         # how often the TUI and `sitrep watch` read it

# Service level objectives, read from a Prometheus source (the first one unless
# `source` names another). The default query is Sloth's recording rule
# slo:sli_error:ratio_rate<window>{sloth_service=…, sloth_slo=…}.
# [[slos]]
# name = "stream-start-success"
# service = "room"
# objective = 99.5                  # percent
# window = "30d"
# query = 'sum by (region) (rate(stream_start_errors_total[{{window}}])) / sum by (region) (rate(stream_starts_total[{{window}}]))'
# region_label = "region"

# Customer comms: region ids as customers know them (a region not listed is never
# named in a draft), and how often an update is promised while an incident is open.
# [comms]
# update_every = "30m"
# [comms.regions]
# "eu-west" = "Europe"
# "us-east" = "North America (east)"
#
# Where comms updates are posted: 'sitrep log ID --kind comms --post TEXT',
# 'sitrep comms ID --post', or a comms update written in the TUI (asks first). The
# update is logged first, then posted; failed tries are repeated with backoff for
# retry_for, and the timeline says "posted to NAME" or why not. The webhook URL is a
# secret: it comes from a file or a variable, never from this file.
# [[comms.channels]]
# name = "#incidents"
# kind = "slack"                    # Slack, Mattermost, Rocket.Chat: {"text": …}
# audience = "internal"             # the team: posts name the incident, title, severity,
#                                   # status, commander; "public" (default): the text only
# url_env = "SITREP_SLACK_WEBHOOK"  # or url_file = "/path" (mode 600)
# retry_for = "5m"                  # timeout = "10s" per try
# [[comms.channels]]
# name = "status page"
# kind = "webhook"                  # any JSON webhook; body from templates/webhook.json
# url_file = "/etc/sitrep/statuspage-url"

# P1 means immediate escalation: declaring a P1 (or raising one to P1) posts a
# SitrepIncident alert (severity="critical") to an Alertmanager source, so the routes
# you already have page the right people; resolving or downgrading ends it.
# [escalation]
# enabled = true
# source = "prod"                   # default: the first Alertmanager source
# labels = { severity = "critical", team = "sre" }   # set on the page
# generator_url = "https://wiki.example.com/incidents/{incident}"  # receivers link here

# `sitrep watch` keeps the log when no TUI is open: it logs what linked alerts do,
# delivers comms, ends pages of resolved incidents, and reminds the team (a timeline
# entry, posted to the "internal" channels only, never to customers).
# [watch]
# customer_update_reminders = true  # "next customer update due by …", then "overdue"
# update_due_soon = "5m"            # how early the first one comes
# triage_reminders = true           # a P2 still in triage past p2_triage_window
# listen = "127.0.0.1:9464"         # /healthz and /metrics (or --listen)

# The weekly review (`sitrep review`, `sitrep alerts quality`): when an alert woke
# someone, who owns an alert, how often the team rehearses.
# [review]
# working_hours = "09:00-18:00"   # weekdays, in `zone`; weekends are out of hours
# sleep_hours = "22:00-07:00"
# zone = "Europe/Berlin"          # default: this machine's time zone
# owner_label = "team"            # an alert without it is flagged "no owner"
# drill_every = "30d"             # "a drill is due" after this long without one

# Teams: who owns which services, what routes their pages, and who is on call
# (`sitrep oncall`, `sitrep page`, `sitrep handoff`, the dashboard's OWNER column).
# [[teams]]
# name = "room"
# services = ["room"]
# matchers = ['team="room"']          # alerts with no service it owns
# labels = { team = "room" }          # set on this team's pages
# ical_url_env = "ROOM_ONCALL_FEED"   # a PagerDuty/Opsgenie/Grafana OnCall/calendar feed URL
# # or ical_file = "room.ics", or a rotation:
# # members = ["alice", "bob"]
# # start = "2026-11-02 09:00"
# # shift = "7d"
# # handoff = "Mon 09:00"

# The error-budget policy (`sitrep gate`, the verdicts in `sitrep slo` and the TUI).
# [policy]
# hold_below = "10%"                  # budget left below this holds releases
# hold_on = ["page-burn", "open-p1"]  # also "ticket-burn"
# [policy.slo.stream-start-success]   # one SLO's own
# hold_below = "25%"

# Which labels mean what. The defaults understand Sloth and Pyrra.
# [labels]
# severity_labels = ["sloth_severity", "severity"]
# p1_values = ["page", "critical"]
# p2_values = ["ticket", "warning"]
# service_labels = ["service", "sloth_service", "app"]
# slo_labels = ["slo", "sloth_slo", "sloth_id"]
# region_labels = ["region"]
"##;

/// Writes [`EXAMPLE`] to `path`, refusing to replace an existing file unless `force`.
pub fn write_example(path: &Path, force: bool) -> Result<(), ConfigError> {
    if path.exists() && !force {
        return Err(ConfigError::Exists {
            path: path.to_path_buf(),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    fs::write(path, EXAMPLE).map_err(|e| ConfigError::Write {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path, explicit: bool) -> Paths {
        Paths {
            config_file: dir.join("config.toml"),
            config_explicit: explicit,
            database: dir.join("sitrep.db"),
            database_explicit: true,
            demo_database: Some(dir.join("sitrep-demo.db")),
            exports_dir: Some(dir.join("exports")),
            templates_dir: dir.join("templates"),
            log_dir: dir.to_path_buf(),
        }
    }

    fn user(name: &str) -> Overrides {
        Overrides {
            user: Some(name.into()),
            ..Overrides::default()
        }
    }

    #[test]
    fn a_missing_default_file_means_defaults_but_a_named_one_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&paths(dir.path(), false), &user("alice")).unwrap();
        assert_eq!(config.p2_triage_window, DEFAULT_P2_TRIAGE_WINDOW);
        assert_eq!(config.time_display, TimeDisplay::Local);
        assert!(Config::load(&paths(dir.path(), true), &user("alice")).is_err());
    }

    #[test]
    fn teams_are_checked_and_a_feed_url_is_never_in_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| {
            fs::write(dir.path().join("config.toml"), text).unwrap();
            Config::load(&paths(dir.path(), true), &user("alice")).map_err(|e| e.to_string())
        };
        let ok = load(
            "[[teams]]\nname = \"room\"\nservices = [\"room\"]\nmatchers = ['team=\"room\"']\nlabels = { team = \"room\" }\nmembers = [\"alice\", \"bob\"]\nstart = \"2026-11-02 09:00\"\nshift = \"7d\"\nhandoff = \"Mon 09:00\"\nzone = \"Europe/Berlin\"\n",
        )
        .unwrap();
        assert_eq!(ok.teams.len(), 1);
        assert!(
            !ok.review.quality.teams.is_empty(),
            "the review knows the teams"
        );
        for (text, says) in [
            ("[[teams]]\nname = \"\"\n", "every team needs a name"),
            ("[[teams]]\nname = \"a\"\n[[teams]]\nname = \"A\"\n", "two teams are named"),
            ("[[teams]]\nname = \"a\"\nmembers = [\"x\"]\n", "needs a start"),
            ("[[teams]]\nname = \"a\"\nmembers = [\"x\"]\nstart = \"soon\"\n", "is not a local time"),
            ("[[teams]]\nname = \"a\"\nmembers = [\"x\"]\nstart = \"2026-11-02\"\nshift = \"10m\"\n", "at least 1h"),
            ("[[teams]]\nname = \"a\"\nmembers = [\"x\"]\nstart = \"2026-11-02\"\nshift = \"12h\"\nhandoff = \"Mon 09:00\"\n", "whole days"),
            ("[[teams]]\nname = \"a\"\nmembers = [\"x\"]\nstart = \"2026-11-02\"\nhandoff = \"Monday morning\"\n", "is not a handoff"),
            ("[[teams]]\nname = \"a\"\nstart = \"2026-11-02\"\n", "at least one member"),
            ("[[teams]]\nname = \"a\"\nical_file = \"/x.ics\"\nmembers = [\"x\"]\n", "set one of"),
            ("[[teams]]\nname = \"a\"\nzone = \"Mars/Olympus\"\n", "not a time zone"),
            ("[[teams]]\nname = \"a\"\nmatchers = [\"team\"]\n", "bad matcher"),
            ("[[teams]]\nname = \"a\"\nlabels = { incident = \"1\" }\n", "sitrep's own label"),
            ("[[teams]]\nname = \"a\"\nlabels = { sitrep_team = \"b\" }\n", "sitrep's own label"),
            ("[[teams]]\nname = \"a\"\nshedule = \"x\"\n", "unknown field"),
        ] {
            let err = load(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
        // A URL that cannot be used is the team's problem when read, not a config
        // error; the token is never part of the reason.
        let url_file = dir.path().join("feed-url");
        fs::write(&url_file, "calendar.example/SECRETTOKEN\n").unwrap();
        let with_file = format!(
            "[[teams]]\nname = \"a\"\nical_url_file = \"{}\"\n",
            url_file.display()
        );
        let c = load(&with_file).unwrap();
        match &c.teams[0].schedule {
            teams::ScheduleSource::Url(Err(why)) => assert!(!why.contains("SECRETTOKEN"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(!format!("{:?}", c.teams).contains("SECRETTOKEN"));
        fs::write(&url_file, "webcal://calendar.example/SECRETTOKEN.ics\n").unwrap();
        let c = load(&with_file).unwrap();
        assert!(matches!(
            &c.teams[0].schedule,
            teams::ScheduleSource::Url(Ok(_))
        ));
        assert!(
            !format!("{:?}", c.teams).contains("SECRETTOKEN"),
            "Debug hides it"
        );
    }

    #[test]
    fn overrides_beat_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("config.toml"),
            "user = \"bob\"\ntime_display = \"utc\"\np2_triage_window = \"45m\"\n",
        )
        .unwrap();
        let from_file = Config::load(&paths(dir.path(), true), &Overrides::default()).unwrap();
        assert_eq!(from_file.user.as_deref(), Some("bob"));
        assert_eq!(from_file.time_display, TimeDisplay::Utc);
        assert_eq!(from_file.p2_triage_window, Duration::minutes(45));
        let overridden = Config::load(&paths(dir.path(), true), &user("carol")).unwrap();
        assert_eq!(overridden.user.as_deref(), Some("carol"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_that_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("config.toml"),
            "user = \"bob\"\ncolour = \"red\"\n",
        )
        .unwrap();
        let err = Config::load(&paths(dir.path(), true), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("colour"), "{err}");
        fs::write(
            dir.path().join("config.toml"),
            "p2_triage_window = \"soon\"\n",
        )
        .unwrap();
        let err = Config::load(&paths(dir.path(), true), &user("a"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("p2_triage_window") && err.contains("'soon'"),
            "{err}"
        );
        fs::write(
            dir.path().join("config.toml"),
            "p2_triage_window = \"0m\"\n",
        )
        .unwrap();
        assert!(Config::load(&paths(dir.path(), true), &user("a")).is_err());
        for bad in [
            "[comms]\nupdate_every = \"10s\"\n",
            "[comms]\nevery = \"30m\"\n",
        ] {
            fs::write(dir.path().join("config.toml"), bad).unwrap();
            let err = Config::load(&paths(dir.path(), true), &user("a"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("update_every") || err.contains("every"),
                "{err}"
            );
        }
        fs::write(
            dir.path().join("config.toml"),
            "[comms]\nupdate_every = \"1h\"\n[comms.regions]\n\"eu-west\" = \"Europe\"\n",
        )
        .unwrap();
        let config = Config::load(&paths(dir.path(), true), &user("a")).unwrap();
        assert_eq!(config.comms.update_every, Duration::hours(1));
        assert_eq!(config.comms.regions["eu-west"], "Europe");
    }

    #[test]
    fn the_example_config_parses_and_is_not_overwritten_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/config.toml");
        write_example(&file, false).unwrap();
        assert!(toml::from_str::<ConfigFile>(EXAMPLE).is_ok());
        assert!(matches!(
            write_example(&file, false),
            Err(ConfigError::Exists { .. })
        ));
        write_example(&file, true).unwrap();
    }
}
