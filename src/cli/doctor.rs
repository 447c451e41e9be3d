//! `doctor`: checks every part sitrep depends on and says, one line per failure, what
//! to change. Runs with a broken config too (then it checks what it can without it).

use chrono::Utc;
use serde::Serialize;

use super::{alerts, CliError, Context, GlobalArgs};
use crate::config::{Config, ConfigError, Feed, Overrides, Paths};
use crate::domain::text::sanitize_line;
use crate::report::{Origin, Templates};
use crate::sources::{slo, Source, SourceError};
use crate::store::{Store, StoreError, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Fail,
    /// Not checked: what it needs failed first (the config).
    Skipped,
}

/// One check and its result.
#[derive(Debug, Serialize)]
pub struct Check {
    /// `config`, `database`, `source`, `slo`, `channel`, `template` or `logs`.
    pub part: &'static str,
    /// Which one (a source's name, a template's); the path for config and logs.
    pub name: String,
    pub outcome: Outcome,
    /// What was found, or what is wrong.
    pub detail: String,
    /// For a failure: what to change.
    pub fix: Option<String>,
}

impl Check {
    fn ok(part: &'static str, name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            part,
            name: name.into(),
            outcome: Outcome::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(
        part: &'static str,
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            part,
            name: name.into(),
            outcome: Outcome::Fail,
            detail: sanitize_line(&detail.into()),
            fix: Some(sanitize_line(&fix.into())),
        }
    }

    fn skipped(part: &'static str, why: &str) -> Self {
        Self {
            part,
            name: String::new(),
            outcome: Outcome::Skipped,
            detail: why.into(),
            fix: None,
        }
    }

    fn line(&self) -> String {
        let status = match self.outcome {
            Outcome::Ok => "ok",
            Outcome::Fail => "FAIL",
            Outcome::Skipped => "skip",
        };
        let name = if self.name.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.name)
        };
        let fix = self
            .fix
            .as_ref()
            .map(|f| format!(" → {f}"))
            .unwrap_or_default();
        format!("{status:<5} {:<9} {name}{}{fix}\n", self.part, self.detail)
    }
}

/// Runs every check; the report goes to stdout, and a failure exits 7.
pub fn run(global: &GlobalArgs, paths: Paths) -> Result<String, CliError> {
    let mut checks = Vec::new();
    let overrides = Overrides {
        user: global.user.clone(),
        time_display: global.time_display,
        p2_triage_window: global.p2_triage_window.clone(),
        busy_timeout: global.busy_timeout.clone(),
        alertmanager: global.alertmanager.clone(),
        prometheus: global.prometheus.clone(),
    };
    let config = match Config::load(&paths, &overrides) {
        Ok(config) => {
            let file = paths.config_file.display().to_string();
            checks.push(if paths.config_file.is_file() {
                Check::ok(
                    "config",
                    file,
                    format!(
                        "parsed: {} alert source(s), {} SLO(s)",
                        config.sources.len(),
                        config.slos.len()
                    ),
                )
            } else {
                Check::ok(
                    "config",
                    file,
                    "no file: defaults ('sitrep config init' writes a commented one)",
                )
            });
            Some(config)
        }
        Err(e) => {
            let fix = match &e {
                ConfigError::Read { .. } => {
                    "create it with 'sitrep config init', or point --config/SITREP_CONFIG at yours"
                        .to_string()
                }
                _ => format!("edit {}", paths.config_file.display()),
            };
            checks.push(Check::fail(
                "config",
                paths.config_file.display().to_string(),
                e.to_string(),
                fix,
            ));
            None
        }
    };
    checks.extend(database(&paths, config.as_ref()));
    match &config {
        Some(config) => {
            let ctx = Context {
                config: config.clone(),
                paths: paths.clone(),
                json: global.json,
                now: Utc::now(),
                feed: Feed::Live,
                demo_seed: global.demo_seed,
                demo_at: global.demo_at,
            };
            checks.extend(sources(&ctx)?);
            checks.extend(slos(&ctx)?);
            checks.extend(channels(config, &paths));
        }
        None => {
            checks.push(Check::skipped(
                "source",
                "not checked: the config does not load",
            ));
            checks.push(Check::skipped(
                "slo",
                "not checked: the config does not load",
            ));
        }
    }
    checks.extend(templates(&paths));
    checks.push(match crate::config::writable_dir(&paths.log_dir) {
        Ok(()) => Check::ok("logs", paths.log_dir.display().to_string(), "writable"),
        Err(why) => Check::fail(
            "logs",
            paths.log_dir.display().to_string(),
            why,
            "make it writable by you, or set XDG_STATE_HOME to a directory that is",
        ),
    });

    let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    let output = if global.json {
        let mut text = serde_json::to_string_pretty(&serde_json::json!({
            "ok": failed == 0,
            "checks": checks,
        }))
        .map_err(|e| CliError::Output(e.to_string()))?;
        text.push('\n');
        text
    } else {
        checks.iter().map(Check::line).collect()
    };
    if failed == 0 {
        return Ok(output);
    }
    let mut stdout = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut stdout, output.as_bytes());
    Err(CliError::Doctor(format!(
        "{failed} check(s) failed; each FAIL line says what to change"
    )))
}

/// The database: where, which engine and version, the schema, the engine's own
/// check, and whether you can write to it.
fn database(paths: &Paths, config: Option<&Config>) -> Vec<Check> {
    let configured = config.and_then(|c| c.db.as_deref());
    let target = match paths.target_for(Feed::Live, configured) {
        Ok(target) => target,
        Err(e) => {
            return vec![Check::fail(
                "database",
                "",
                e.to_string(),
                "fix --db, SITREP_DB or db in the config",
            )]
        }
    };
    let busy = config.map_or(std::time::Duration::from_secs(5), |c| c.busy_timeout);
    if let Target::Sqlite(path) = &target {
        if !path.exists() {
            let dir = path.parent().unwrap_or(std::path::Path::new("."));
            return vec![match crate::config::writable_dir(dir) {
                Ok(()) => Check::ok(
                    "database",
                    path.display().to_string(),
                    "not created yet: the first write creates it (its directory is writable)",
                ),
                Err(why) => Check::fail(
                    "database",
                    path.display().to_string(),
                    why,
                    "make its directory writable by you, or point --db/SITREP_DB elsewhere",
                ),
            }];
        }
    }
    let name = match &target {
        Target::Sqlite(path) => path.display().to_string(),
        Target::Postgres(pg) => pg.shown(),
    };
    match Store::connect(&target, busy, false) {
        Ok(mut store) => vec![
            describe(&mut store, name.clone()),
            watchers(&mut store, name),
        ],
        Err(write_error) => {
            // Say what it is even when it cannot be written.
            let seen = Store::connect(&target, busy, true)
                .ok()
                .and_then(|mut s| s.diagnostics().ok())
                .map(|d| {
                    format!(
                        " ({} {}, schema {})",
                        d.backend, d.version, d.schema_version
                    )
                })
                .unwrap_or_default();
            let fix = match (&target, &write_error) {
                (Target::Postgres(_), StoreError::NoPrivilege { .. }) => {
                    "ask the database owner to grant your role sitrep_responder"
                }
                (Target::Postgres(_), _) => {
                    "check the server is up and your login (PGPASSWORD, ~/.pgpass, sslmode)"
                }
                (_, StoreError::TooNew { .. }) => "upgrade sitrep",
                _ => "make the file and its directory writable by you, or point --db/SITREP_DB elsewhere",
            };
            vec![Check::fail(
                "database",
                name,
                format!("cannot be written: {write_error}{seen}"),
                fix,
            )]
        }
    }
}

/// Whether a `sitrep watch` keeps this database's log (its last heartbeat). Not a
/// failure when none runs: one person on a laptop needs none.
fn watchers(store: &mut Store, name: String) -> Check {
    match store.watchers() {
        Ok(watchers) => {
            let now = Utc::now();
            let state = crate::domain::watchers::WatchState::of(watchers, now);
            let mut detail = state.describe(now);
            if !state.is_running() {
                detail.push_str(" (start one with 'sitrep watch'; contrib/sitrep-watch.service runs it under systemd)");
            }
            Check::ok("watch", name, detail)
        }
        Err(e) => Check::fail(
            "watch",
            name,
            format!("cannot read the watchers' heartbeats: {e}"),
            "see the database check above",
        ),
    }
}

fn describe(store: &mut Store, name: String) -> Check {
    let d = match store.diagnostics() {
        Ok(d) => d,
        Err(e) => return Check::fail("database", name, e.to_string(), "see the error above"),
    };
    let mut detail = format!(
        "{} {} · schema {} · {} · synchronous {}",
        d.backend, d.version, d.schema_version, d.journal_mode, d.synchronous
    );
    match store.quick_check() {
        Ok(Some(result)) if result == "ok" => detail.push_str(" · quick_check ok"),
        Ok(Some(problems)) => return Check::fail(
            "database",
            name,
            format!("{detail} · quick_check: {problems}"),
            "restore from a backup ('*.bak-*' beside it) or copy what reads with 'sitrep db copy'",
        ),
        Ok(None) => {}
        Err(e) => {
            return Check::fail(
                "database",
                name,
                format!("{detail} · quick_check failed: {e}"),
                "restore from a backup",
            )
        }
    }
    match store.rows_breaking_checks() {
        Ok(rows) if rows.is_empty() => {}
        Ok(rows) => {
            return Check::fail(
                "database",
                name,
                format!(
                    "{detail} · written around sitrep before its checks: {} (shown as unreadable values and entries)",
                    rows.join(", ")
                ),
                "they stay readable; a change to such an incident through sitrep rewrites its unreadable values",
            )
        }
        Err(e) => detail.push_str(&format!(" · could not count rows that break its checks: {e}")),
    }
    if d.read_only {
        return Check::fail(
            "database",
            name,
            format!("{detail} · not writable"),
            "ask for the sitrep_responder role ('sitrep db init' makes it), or connect to the primary",
        );
    }
    detail.push_str(" · writable");
    Check::ok("database", name, detail)
}

/// What to change for a source that failed with `e`.
fn source_fix(source: &Source, e: &SourceError) -> String {
    let name = &source.name;
    match e {
        SourceError::Unauthorized(_) => format!(
            "check the credentials of [[sources]] '{name}' (token_env, token_file, or the user and password in its URL)"
        ),
        SourceError::Connect(_) | SourceError::Timeout(_) => format!(
            "check the urls of [[sources]] '{name}' and that the server is running"
        ),
        SourceError::Status(404, _) => format!(
            "check the urls of [[sources]] '{name}': give the server's base URL, without /api/…"
        ),
        SourceError::Config(_) => format!("fix [[sources]] '{name}' in the config as the error says"),
        _ => format!("check that [[sources]] '{name}' points at a {} and its version", source.kind),
    }
}

fn sources(ctx: &Context) -> Result<Vec<Check>, CliError> {
    let configured = &ctx.config.sources;
    if configured.is_empty() {
        // What the TUI would do: the demo only when no database is named either.
        let tui = crate::config::Feed::decide(
            false,
            false,
            ctx.paths.database_explicit,
            &ctx.config,
            crate::config::Reads::Tui,
        );
        let detail = if tui.is_demo() {
            "none configured: the TUI plays the built-in demo (add [[sources]] to the config)"
                .to_string()
        } else {
            "none configured: the TUI shows this database's incidents and no alerts (add [[sources]] to the config)"
                .to_string()
        };
        return Ok(vec![Check::ok("source", "", detail)]);
    }
    let results = alerts::read_all(ctx, configured)?;
    Ok(configured
        .iter()
        .zip(results)
        .map(|(source, result)| match result {
            Ok(s) if s.member_errors.is_empty() => Check::ok(
                "source",
                source.name.clone(),
                format!("{} alerts in {} ms", s.alerts.len(), s.latency_ms),
            ),
            Ok(s) => Check::fail(
                "source",
                source.name.clone(),
                format!(
                    "{} alerts, but member(s) failed: {}",
                    s.alerts.len(),
                    s.member_errors.join("; ")
                ),
                format!("check every URL of [[sources]] '{}'", source.name),
            ),
            Err(e) => Check::fail(
                "source",
                source.name.clone(),
                e.to_string(),
                source_fix(source, &e),
            ),
        })
        .collect())
}

fn slos(ctx: &Context) -> Result<Vec<Check>, CliError> {
    let configured = &ctx.config.slos;
    if configured.is_empty() {
        return Ok(vec![Check::ok(
            "slo",
            "",
            "none configured (add [[slos]] for burn rates and budget figures)",
        )]);
    }
    crate::sources::block_on(async {
        let mut out = Vec::new();
        for q in configured {
            let name = q.objective.name.clone();
            let result = match slo::source_for(&ctx.config.sources, q) {
                Ok(source) => slo::fetch(source, q).await,
                Err(e) => Err(e),
            };
            out.push(match result {
                Ok(statuses) => {
                    let regions: Vec<&str> = statuses.iter().map(|s| s.region.as_str()).collect();
                    Check::ok(
                        "slo",
                        name,
                        format!("{} series ({})", regions.len(), regions.join(", ")),
                    )
                }
                Err(e) => {
                    let fix = match &e {
                        SourceError::Config(_) => {
                            "add a Prometheus source for it, or fix its source name".to_string()
                        }
                        SourceError::Connect(_) | SourceError::Timeout(_) => {
                            "check its Prometheus source's urls and that it is running".to_string()
                        }
                        _ => format!("fix the query of [[slos]] '{name}' (try it in Prometheus)"),
                    };
                    Check::fail("slo", name, e.to_string(), fix)
                }
            });
        }
        out
    })
    .map_err(CliError::Output)
}

/// Each comms channel: its URL found (never shown, never posted to: doctor sends
/// nothing anyone reads), and a webhook's template parses.
fn channels(config: &Config, paths: &Paths) -> Vec<Check> {
    use crate::config::channels::ChannelKind;
    config
        .comms
        .channels
        .iter()
        .map(|c| {
            if let Some(why) = &c.unusable {
                return Check::fail(
                    "channel",
                    c.name.clone(),
                    why.clone(),
                    "set the variable, or put the webhook URL in the file (mode 600)",
                );
            }
            if c.kind == ChannelKind::Webhook {
                if let Err(e) = Templates::new(&paths.templates_dir).check(&c.template) {
                    return Check::fail(
                        "channel",
                        c.name.clone(),
                        e.to_string(),
                        format!(
                            "fix the template, or 'sitrep templates show {} --default'",
                            c.template
                        ),
                    );
                }
            }
            let kind = match c.kind {
                ChannelKind::Slack => "slack-compatible",
                ChannelKind::Webhook => "webhook",
            };
            Check::ok(
                "channel",
                c.name.clone(),
                format!("{kind}, URL set (not posted to; doctor sends nothing)"),
            )
        })
        .collect()
}

fn templates(paths: &Paths) -> Vec<Check> {
    let templates = Templates::new(&paths.templates_dir);
    templates
        .list()
        .into_iter()
        .map(|t| match templates.check(&t.name) {
            Ok(origin) => Check::ok(
                "template",
                t.name.clone(),
                match origin {
                    Origin::BuiltIn => "built-in".to_string(),
                    Origin::Override(p) => format!("yours, overrides the built-in: {}", p.display()),
                    Origin::User(p) | Origin::File(p) => format!("yours: {}", p.display()),
                },
            ),
            Err(e) => {
                let fix = match t.origin {
                    Origin::Override(p) => format!(
                        "fix {} or remove it to use the built-in ('sitrep templates show {} --default')",
                        p.display(),
                        t.name
                    ),
                    Origin::User(p) | Origin::File(p) => format!("fix {}", p.display()),
                    Origin::BuiltIn => "report this: a built-in template should parse".into(),
                };
                Check::fail("template", t.name.clone(), e.to_string(), fix)
            }
        })
        .collect()
}
