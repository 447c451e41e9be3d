//! `export`, `comms` and `templates`: documents rendered from templates.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;

use super::{CliError, Context};
use crate::config::TimeDisplay;
use crate::domain::parse::parse_duration;
use crate::domain::Status;
use crate::domain::{DomainError, IncidentId};
use crate::report::file::{default_file_name, is_stdout, write_document};
use crate::report::{
    context, Origin, Templates, COMMS_TEMPLATE, COMMS_TEXT_TEMPLATE, POSTMORTEM_TEMPLATE,
};
use crate::sources::slo::incident_budget_blocking;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Incident id
    id: IncidentId,
    /// Output file, or '-' for stdout [default: postmortem-<id>-<date>-<slug>.md]
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Template name (see 'sitrep templates list') or a path to a template file
    #[arg(long, value_name = "NAME", default_value = POSTMORTEM_TEMPLATE)]
    template: String,
    /// Time zone of the times in the document [default: the configured time display]
    #[arg(long, value_enum, value_name = "ZONE")]
    tz: Option<TimeDisplay>,
    /// Replace the output file if it exists
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct CommsArgs {
    /// Incident id
    id: IncidentId,
    /// When the next update is promised, from now [default: the config's
    /// comms update_every, 30m]; refused for a resolved incident
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    next_update: Option<chrono::Duration>,
    /// Time zone of the times in the draft [default: the configured time display]
    #[arg(long, value_enum, value_name = "ZONE")]
    tz: Option<TimeDisplay>,
    /// Markdown instead of plain text (plain text pastes into a status page as is)
    #[arg(long)]
    markdown: bool,
    /// Show the draft, then log it as a comms update and post it to every
    /// [[comms.channels]] of the config (asks first on a terminal)
    #[arg(long)]
    post: bool,
    /// With --post: do not ask (needed where there is no terminal to ask on)
    #[arg(long, requires = "post")]
    yes: bool,
}

/// A promise of the next update: from a minute to a week away.
fn duration(raw: &str) -> Result<chrono::Duration, DomainError> {
    let d = parse_duration(raw)?;
    if d < chrono::Duration::minutes(1) || d > chrono::Duration::days(7) {
        return Err(DomainError::invalid(format!(
            "--next-update '{}' must be between 1m and 7d",
            crate::domain::text::sanitize_line(raw)
        )));
    }
    Ok(d)
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List templates and where each comes from
    List,
    /// Print a template's text, to start your own from it
    Show {
        /// Template name
        name: String,
        /// Print the built-in text even when your own file overrides it
        #[arg(long)]
        default: bool,
    },
}

pub fn export(ctx: &Context, args: ExportArgs) -> Result<String, CliError> {
    let record = ctx.open_store_for_reading()?.load_incident(args.id)?;
    let tz = args.tz.unwrap_or(ctx.config.time_display);
    let mut data = context::postmortem(
        &record.incident,
        &record.timeline,
        &record.follow_ups,
        &record.alerts,
        tz,
        ctx.now,
    );
    data.error_budget = if ctx.feed.plays_demo() {
        // The demo's incidents burn the demo's simulated SLOs, as its strip shows.
        let feed = crate::sources::demo::DemoFeed::shared(ctx.demo_seed, ctx.now, ctx.demo_at)
            .map_err(CliError::Output)?;
        Some(feed.incident_budget(
            &record.incident,
            &record.alerts,
            ctx.now,
            &ctx.config.labels,
        ))
    } else {
        incident_budget_blocking(
            &ctx.config.sources,
            &ctx.config.slos,
            &record.incident,
            &record.alerts,
            ctx.now,
        )
    };
    if let Some(budget) = &data.error_budget {
        for (slo, reason) in &budget.unread {
            eprintln!("warning: slo '{slo}': {reason}");
        }
    }
    let document = templates(ctx).render(&args.template, &data)?;
    let path = match args.output.as_deref() {
        Some(path) if is_stdout(Path::new(path)) => return Ok(document),
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(default_file_name(&record.incident, tz)),
    };
    write_document(&path, &document, args.force).map_err(CliError::from)?;
    if ctx.json {
        return ctx.json(&json!({ "written": path, "template": args.template }));
    }
    Ok(format!("wrote {}\n", path.display()))
}

pub fn comms(ctx: &Context, args: CommsArgs) -> Result<String, CliError> {
    let record = ctx.open_store_for_reading()?.load_incident(args.id)?;
    let tz = args.tz.unwrap_or(ctx.config.time_display);
    if args.next_update.is_some() && record.incident.status == Status::Resolved {
        return Err(CliError::from(DomainError::invalid(format!(
            "--next-update: incident #{} is resolved, and a resolution notice promises no next update",
            args.id
        ))));
    }
    let data = context::comms_update(
        &record.incident,
        &record.timeline,
        tz,
        ctx.now,
        args.next_update.unwrap_or(ctx.config.comms.update_every),
        &ctx.config.comms.regions,
    );
    let template = if args.markdown {
        COMMS_TEMPLATE
    } else {
        COMMS_TEXT_TEMPLATE
    };
    let text = templates(ctx).render(template, &data)?;
    if args.post {
        return post_draft(ctx, &record.incident, &text, args.yes);
    }
    if ctx.json {
        return ctx.json(&json!({ "incident": args.id, "text": text }));
    }
    Ok(text)
}

/// `comms --post`: refuses a draft that still lacks its public words, shows it, asks
/// (or takes `--yes`), then logs and posts it.
fn post_draft(
    ctx: &Context,
    incident: &crate::domain::Incident,
    text: &str,
    yes: bool,
) -> Result<String, CliError> {
    let id = incident.id;
    let mut missing = Vec::new();
    if incident.public_title.is_none() {
        missing.push("--public-title \"…\"".to_string());
    }
    if incident.public_impact.is_none() {
        missing.push("--public-impact \"…\"".to_string());
    }
    if !missing.is_empty() {
        return Err(CliError::from(DomainError::invalid(format!(
            "the draft would go out with placeholders: set 'sitrep edit {id} {}' first; nothing was posted",
            missing.join(" ")
        ))));
    }
    // What the template still marks as missing (regions without public names, or a
    // team template's own placeholders) is not for customers either.
    let placeholders = crate::domain::outbox::placeholders(text);
    if !placeholders.is_empty() {
        eprint!("{text}");
        return Err(CliError::from(DomainError::invalid(format!(
            "the draft would go out with placeholders ({}): fill them in, then post; nothing was posted",
            placeholders.join(", ")
        ))));
    }
    let names = super::post::check_channels(ctx)?;
    eprintln!("--- to be posted to {} ---", names.join(", "));
    eprint!("{text}");
    eprintln!("---");
    if !yes {
        use std::io::{BufRead, IsTerminal, Write};
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Refused(
                "not posted: there is no terminal to confirm on; pass --yes to post without asking"
                    .into(),
            ));
        }
        eprint!("Post it? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(CliError::Refused("not posted; nothing was logged".into()));
        }
    }
    let entry = crate::domain::NewEntry::typed(
        crate::domain::EntryKind::Comms,
        ctx.config.user()?,
        text.trim_end(),
        ctx.now,
    )?;
    let mut store = ctx.open_store()?;
    super::post::log_and_post(ctx, &mut store, id, &entry)
}

pub fn run_templates(ctx: &Context, command: TemplatesCommand) -> Result<String, CliError> {
    let templates = templates(ctx);
    match command {
        TemplatesCommand::List => {
            let list = templates.list();
            if ctx.json {
                let rows: Vec<_> = list
                    .iter()
                    .map(|t| json!({ "name": t.name, "origin": origin_text(&t.origin) }))
                    .collect();
                return ctx.json(&rows);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|t| vec![t.name.clone(), origin_text(&t.origin)])
                .collect();
            Ok(crate::format::table(&["NAME", "FROM"], &rows))
        }
        TemplatesCommand::Show { name, default } => {
            let text = if default {
                Templates::built_in(&name)
                    .map(str::to_string)
                    .ok_or(crate::report::ReportError::NotFound { name: name.clone() })?
            } else {
                templates.source(&name)?.0
            };
            if ctx.json {
                return ctx.json(&json!({ "name": name, "text": text }));
            }
            Ok(text)
        }
    }
}

fn templates(ctx: &Context) -> Templates {
    Templates::new(&ctx.paths.templates_dir)
}

fn origin_text(origin: &Origin) -> String {
    match origin {
        Origin::BuiltIn => "built-in".into(),
        Origin::Override(p) => format!("{} (overrides the built-in)", p.display()),
        Origin::User(p) | Origin::File(p) => p.display().to_string(),
    }
}
