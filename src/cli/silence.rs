//! `silence`: silences for an incident in its Alertmanager, made from a firing alert's
//! labels or typed matchers; listed with their state; expired. Each one made or
//! expired is recorded in the incident's timeline; nothing is recorded that was not
//! done.

use chrono::Utc;
use clap::Args;
use serde_json::json;

use super::{CliError, Context};
use crate::domain::parse::parse_duration;
use crate::domain::silence::{self, Matcher};
use crate::domain::{DomainError, EntryKind, IncidentId, NewEntry};
use crate::sources::silences::{self as api, Silence};
use crate::sources::{Source, SourceError};

#[derive(Debug, Args)]
pub struct SilenceArgs {
    /// Incident id
    id: IncidentId,
    /// Fingerprint of a firing alert (`sitrep alerts --wide`): the silence matches all
    /// of its labels, so it mutes that alert and no other
    #[arg(long, value_name = "FINGERPRINT", conflicts_with = "matchers")]
    alert: Option<String>,
    /// A matcher (repeatable): name="value", name!="value", name=~"regex", name!~"regex"
    #[arg(long = "matcher", value_name = "MATCHER")]
    matchers: Vec<String>,
    /// How long it lasts: 30m, 2h, 1d
    #[arg(long = "for", value_name = "DURATION", default_value = "1h")]
    duration: String,
    /// Why (kept in the silence, after the incident id)
    #[arg(long, value_name = "TEXT")]
    comment: Option<String>,
    /// The Alertmanager source, when several are configured
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Create it even though it matches no alert firing now
    #[arg(long)]
    anyway: bool,
    /// List the incident's silences and their state
    #[arg(long, conflicts_with_all = ["alert", "matchers", "expire"])]
    list: bool,
    /// Expire one of its silences now
    #[arg(long, value_name = "SILENCE_ID", conflicts_with_all = ["alert", "matchers"])]
    expire: Option<String>,
}

/// `future` run to completion (see [`crate::sources::block_on`]).
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, CliError> {
    crate::sources::block_on(future).map_err(CliError::Output)
}

/// The Alertmanager sources this command may use: the one named, else all of them.
fn alertmanagers<'a>(ctx: &'a Context, named: Option<&str>) -> Result<Vec<&'a Source>, CliError> {
    let all: Vec<&Source> = ctx.config.alertmanagers().collect();
    match named {
        Some(name) => all
            .into_iter()
            .find(|s| s.name == name)
            .map(|s| vec![s])
            .ok_or_else(|| {
                DomainError::invalid(format!(
                    "no Alertmanager source named '{}' (see 'sitrep sources')",
                    crate::domain::text::sanitize_line(name)
                ))
                .into()
            }),
        None if all.is_empty() => Err(DomainError::invalid(
            "no Alertmanager source is configured: add one to [[sources]] or pass --alertmanager URL",
        )
        .into()),
        None => Ok(all),
    }
}

fn failed(what: &str, source: &Source, e: &SourceError) -> CliError {
    CliError::AllSourcesFailed(format!(
        "{what}: source '{}': {}",
        source.name,
        e.clone().cleaned()
    ))
}

pub fn run(ctx: &Context, args: SilenceArgs) -> Result<String, CliError> {
    // The incident must exist before anything is done in its name.
    let mut store = ctx.open_store()?;
    let made = silence::made_ids(&store.load_incident(args.id)?.timeline);
    if args.list {
        return list(ctx, &args, &made);
    }
    if let Some(id) = &args.expire {
        return expire(ctx, &mut store, &args, &made, id);
    }
    create(ctx, &mut store, &args)
}

fn create(
    ctx: &Context,
    store: &mut crate::store::Store,
    args: &SilenceArgs,
) -> Result<String, CliError> {
    let user = ctx.config.user()?.to_string();
    let why = args.comment.as_deref().ok_or_else(|| {
        DomainError::invalid("a silence needs a comment saying why (--comment TEXT)")
    })?;
    let comment = silence::comment(args.id, why)?;
    let length = parse_duration(&args.duration)?;
    if length <= chrono::Duration::zero() || length > chrono::Duration::days(30) {
        return Err(DomainError::invalid("--for must be between 1m and 30d").into());
    }
    let typed: Vec<Matcher> = args
        .matchers
        .iter()
        .map(|m| Matcher::parse(m))
        .collect::<Result<_, _>>()?;
    if args.alert.is_none() && typed.is_empty() {
        return Err(DomainError::invalid(
            "say what to silence: --alert FINGERPRINT or --matcher 'name=\"value\"'",
        )
        .into());
    }
    let candidates = alertmanagers(ctx, args.source.as_deref())?;
    // Find the alert (or check the matchers hit something) where it fires now.
    let mut chosen: Option<(&Source, Vec<Matcher>)> = None;
    let mut read_errors = Vec::new();
    for source in &candidates {
        let snapshot = match block_on(crate::sources::fetch(source, &ctx.config.labels))? {
            Ok(s) => s,
            Err(e) => {
                read_errors.push((source, e));
                continue;
            }
        };
        let labels_of = |a: &crate::domain::alert::Alert| {
            a.labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        if let Some(fp) = &args.alert {
            if let Some(alert) = snapshot.alerts.iter().find(|a| &a.fingerprint == fp) {
                chosen = Some((source, silence::matchers_for(&labels_of(alert))));
                break;
            }
        } else if args.anyway || {
            let set = silence::MatcherSet::new(&typed);
            snapshot
                .alerts
                .iter()
                .any(|a| set.matches(|k| a.labels.get(k)))
        } {
            chosen = Some((source, typed.clone()));
            break;
        }
    }
    let Some((source, matchers)) = chosen else {
        if let Some((source, e)) = read_errors.first() {
            if read_errors.len() == candidates.len() {
                return Err(failed("no silence made", source, e));
            }
        }
        return Err(match &args.alert {
            Some(fp) => CliError::NotFound(format!(
                "no alert with fingerprint '{}' is firing in {} (see 'sitrep alerts --wide')",
                crate::domain::text::sanitize_line(fp),
                names(&candidates)
            )),
            None => CliError::Refused(format!(
                "{} matches no alert firing now in {}; nothing silenced (pass --anyway to silence it all the same)",
                silence::shown(&typed),
                names(&candidates)
            )),
        });
    };
    if candidates.len() > 1 && args.alert.is_none() && args.source.is_none() {
        return Err(DomainError::invalid(format!(
            "several Alertmanager sources ({}): name one with --source",
            names(&candidates)
        ))
        .into());
    }
    let now = Utc::now();
    let ends = now + length;
    let ends_shown = crate::format::time(ends, ctx.config.time_display);
    // Shown before it is made.
    eprintln!(
        "silencing on {} until {ends_shown}: {}",
        source.name,
        silence::shown(&matchers)
    );
    let created = block_on(api::create(source, &matchers, ends, &user, &comment, now))?
        .map_err(|e| failed("no silence made", source, &e))?;
    let text = silence::created_text(&created.id, &source.name, &matchers, &ends_shown, why);
    let entry = NewEntry::typed(EntryKind::Note, &user, &text, ctx.now)?;
    let stored = store.append_entry(args.id, &entry).map_err(|e| {
        CliError::Output(format!(
            "silence {} was created on {} but could not be logged: {e}",
            created.id, source.name
        ))
    })?;
    if ctx.json {
        return ctx.json(&json!({
            "silence": created.id,
            "source": source.name,
            "member": created.member,
            "seen_by": created.seen_by,
            "not_seen_by": created.not_seen_by,
            "matchers": matchers,
            "ends_at": ends,
            "entry": stored,
        }));
    }
    let mut out = format!(
        "silence {} on {} until {ends_shown}: {}\n",
        created.id,
        source.name,
        silence::shown(&matchers)
    );
    for member in &created.seen_by {
        out.push_str(&format!("  also visible on {member}\n"));
    }
    for member in &created.not_seen_by {
        out.push_str(&format!(
            "  warning: not yet visible on {member} after 5s (is the pair gossiping?)\n"
        ));
    }
    Ok(out)
}

fn names(sources: &[&Source]) -> String {
    sources
        .iter()
        .map(|s| format!("'{}'", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The incident's silences, from every Alertmanager source (or the one named).
fn incident_silences(
    ctx: &Context,
    args: &SilenceArgs,
    made: &[String],
) -> Result<Vec<(String, Silence)>, CliError> {
    let candidates = alertmanagers(ctx, args.source.as_deref())?;
    block_on(api::of_incident(&candidates, args.id, made))?
        .map_err(|(source, e)| failed("cannot list silences", source, &e))
}

fn list(ctx: &Context, args: &SilenceArgs, made: &[String]) -> Result<String, CliError> {
    let silences = incident_silences(ctx, args, made)?;
    if ctx.json {
        let rows: Vec<_> = silences
            .iter()
            .map(|(source, s)| json!({"source": source, "silence": s}))
            .collect();
        return ctx.json(&rows);
    }
    if silences.is_empty() {
        return Ok(format!(
            "no silences for incident {} (make one with 'sitrep silence {} --alert FINGERPRINT --comment TEXT')\n",
            args.id, args.id
        ));
    }
    let tz = ctx.config.time_display;
    let rows: Vec<Vec<String>> = silences
        .iter()
        .map(|(source, s)| {
            vec![
                s.id.clone(),
                source.clone(),
                s.status.state.clone(),
                crate::format::time(s.ends_at, tz),
                silence::shown(&s.matchers),
            ]
        })
        .collect();
    Ok(crate::format::table(
        &["ID", "SOURCE", "STATE", "ENDS", "MATCHERS"],
        &rows,
    ))
}

fn expire(
    ctx: &Context,
    store: &mut crate::store::Store,
    args: &SilenceArgs,
    made: &[String],
    id: &str,
) -> Result<String, CliError> {
    let user = ctx.config.user()?.to_string();
    let silences = incident_silences(ctx, args, made)?;
    let Some((source_name, found)) = silences.iter().find(|(_, s)| s.id == id) else {
        return Err(CliError::Refused(format!(
            "silence '{}' is not one of incident {}'s (see 'sitrep silence {} --list')",
            crate::domain::text::sanitize_line(id),
            args.id,
            args.id
        )));
    };
    if found.status.state == "expired" {
        return Err(CliError::Refused(format!(
            "silence {} has already expired",
            found.id
        )));
    }
    let sources = alertmanagers(ctx, Some(source_name))?;
    let source = sources[0];
    block_on(api::expire(source, &found.id))?
        .map_err(|e| failed("silence not expired", source, &e))?;
    let entry = NewEntry::typed(
        EntryKind::Note,
        &user,
        &silence::expired_text(&found.id, &source.name),
        ctx.now,
    )?;
    let stored = store.append_entry(args.id, &entry).map_err(|e| {
        CliError::Output(format!(
            "silence {} was expired on {} but could not be logged: {e}",
            found.id, source.name
        ))
    })?;
    if ctx.json {
        return ctx.json(&json!({"silence": found.id, "source": source.name, "entry": stored}));
    }
    Ok(format!("silence {} expired on {}\n", found.id, source.name))
}

impl SilenceArgs {
    /// Incident `id`'s silences on every Alertmanager source, doing nothing else.
    fn of(id: IncidentId) -> Self {
        Self {
            id,
            alert: None,
            matchers: Vec::new(),
            duration: String::new(),
            comment: None,
            source: None,
            anyway: false,
            list: false,
            expire: None,
        }
    }
}

/// The silences made for incident `id` that are still in force (active or not yet
/// started), as the Alertmanagers report them now: a silence expired elsewhere (with
/// `amtool`, in the web UI) is not among them, though the timeline never heard of it.
pub fn in_force(
    ctx: &Context,
    made: &[String],
    id: IncidentId,
) -> Result<Vec<(String, Silence)>, CliError> {
    Ok(incident_silences(ctx, &SilenceArgs::of(id), made)?
        .into_iter()
        .filter(|(_, s)| s.status.state != "expired")
        .collect())
}

/// `resolve --expire-silences`: expires every silence of incident `id` that is still
/// active, each recorded; says what it did (or could not do) line by line.
pub fn expire_active(
    ctx: &Context,
    store: &mut crate::store::Store,
    id: IncidentId,
) -> Vec<String> {
    let args = SilenceArgs::of(id);
    let made = match store.load_incident(id) {
        Ok(record) => silence::made_ids(&record.timeline),
        Err(e) => return vec![format!("silences not expired: {e}")],
    };
    let silences = match incident_silences(ctx, &args, &made) {
        Ok(s) => s,
        Err(e) => return vec![format!("silences not expired: {e}")],
    };
    let mut lines = Vec::new();
    for (_, found) in silences.iter().filter(|(_, s)| s.status.state == "active") {
        lines.push(match expire(ctx, store, &args, &made, &found.id) {
            Ok(done) if !ctx.json => done.trim_end().to_string(),
            Ok(_) => format!("silence {} expired", found.id),
            Err(e) => format!("silence {} not expired: {e}", found.id),
        });
    }
    if lines.is_empty() {
        lines.push(format!("no active silence of incident {id} to expire"));
    }
    lines
}
