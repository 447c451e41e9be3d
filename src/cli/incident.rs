//! `declare`, `log`, `amend`, `status`, `severity`, `assign`, `edit`, `resolve`,
//! `list` and `show`: the incident subcommands.

use chrono::{DateTime, Utc};
use clap::Args;

use super::document::{Document, Summary, Times};
use super::{CliError, Context};
use crate::domain::metrics::{incident_times, triage_remaining};
use crate::domain::parse::{format_duration, parse_bool};
use crate::domain::{
    Declaration, DomainError, EntryId, EntryKind, IncidentEdit, IncidentId, NewEntry, NewIncident,
    RootCause, Severity, Status, TimelineEntry,
};
use crate::format;
use crate::store::{Change, IncidentRecord, Store};

/// P1 means immediate escalation: after a lifecycle change, page (or end the page)
/// through the Alertmanager. The entry that records it joins what the command wrote
/// (and is printed with it); a failure is also a warning on stderr.
fn escalate(ctx: &Context, store: &mut Store, change: &mut Change) {
    use crate::services::escalation::{after_change, Outcome};
    if ctx.feed.is_demo() {
        return;
    }
    let Ok(user) = ctx.config.user() else {
        return;
    };
    let Some(done) = after_change(store, &ctx.config, change.incident.id, user, ctx.now) else {
        return;
    };
    if let Outcome::Failed(text) = &done.outcome {
        eprintln!("warning: ESCALATION FAILED: {text}");
    }
    change.entries.extend(done.entry);
}

/// The incident document `--json` prints, with the entries this command wrote.
fn document(ctx: &Context, record: IncidentRecord, written: Vec<TimelineEntry>) -> Document {
    Document::new(record, written, ctx.config.p2_triage_window, ctx.now)
}

/// A trigger time as typed, read in the display zone relative to now.
fn when(ctx: &Context, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, CliError> {
    Ok(raw
        .map(|raw| format::parse_when(raw, ctx.now, ctx.config.time_display))
        .transpose()?)
}

/// A kind a person may log (mitigation, comms or note), for clap.
pub(super) fn typed_kind_arg(raw: &str) -> Result<EntryKind, DomainError> {
    typed_kind(raw)
}

fn typed_kind(raw: &str) -> Result<EntryKind, DomainError> {
    let kind: EntryKind = raw.parse()?;
    if kind.is_typed() {
        Ok(kind)
    } else {
        Err(DomainError::Invalid(format!(
            "'{kind}' entries are written by sitrep itself (use mitigation, comms or note)"
        )))
    }
}

fn yes_no(raw: &str) -> Result<bool, DomainError> {
    parse_bool(raw)
}

#[derive(Debug, Args)]
pub struct DeclareArgs {
    /// What is wrong, as users see it
    #[arg(long)]
    title: String,
    /// P1 (direct user impact) or P2 (early degradation)
    #[arg(long)]
    severity: Severity,
    /// Affected region (repeatable)
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Affected user cohort (repeatable)
    #[arg(long = "cohort", value_name = "COHORT")]
    cohorts: Vec<String>,
    /// Incident commander [default: you]
    #[arg(long, value_name = "NAME")]
    commander: Option<String>,
    /// Communications lead
    #[arg(long, value_name = "NAME")]
    comms_lead: Option<String>,
    /// When user impact began: '15m ago', '-15m', '03:05' (today, display zone),
    /// '2026-11-24 03:05' or RFC 3339 [default: now]
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    trigger_time: Option<String>,
    /// Fingerprint of an alert this incident is about (repeatable)
    #[arg(long = "alert", value_name = "FINGERPRINT")]
    alerts: Vec<String>,
    /// A service affected (repeatable) [default: the services of --alert's alerts]
    #[arg(long = "service", value_name = "SERVICE")]
    services: Vec<String>,
    /// What customers are told the incident is (the comms draft never shows the title)
    #[arg(long, value_name = "TEXT")]
    public_title: Option<String>,
    /// What customers notice, in their words
    #[arg(long, value_name = "TEXT")]
    public_impact: Option<String>,
    /// Mark the incident as a drill: it is left out of every review figure
    #[arg(long)]
    drill: bool,
}

pub fn declare(ctx: &Context, args: DeclareArgs) -> Result<String, CliError> {
    let trigger_time = when(ctx, args.trigger_time.as_deref())?;
    let mut declaration = Declaration {
        title: args.title,
        severity: Some(args.severity),
        commander: args.commander,
        comms_lead: args.comms_lead,
        trigger_time,
        regions: args.regions,
        cohorts: args.cohorts,
        services: args.services,
        linked_alerts: Vec::new(),
        alerts: Vec::new(),
        drill: args.drill,
        public_title: args.public_title,
        public_impact: args.public_impact,
    };
    if !args.alerts.is_empty() {
        // As the TUI's declare does: the alerts' name, service, regions and start,
        // looked up in the sources now; what is not found is linked by fingerprint.
        let found = looked_up(ctx, &args.alerts);
        let refs: Vec<&crate::domain::alert::Alert> =
            found.iter().filter_map(|(_, a)| a.as_deref()).collect();
        let from_alerts = crate::domain::alert::declaration_from(&refs, ctx.now);
        if declaration.regions.is_empty() {
            declaration.regions = from_alerts.regions;
        }
        if args.trigger_time.is_none() {
            declaration.trigger_time = from_alerts.trigger_time.or(declaration.trigger_time);
        }
        declaration.alerts = from_alerts.alerts;
        declaration.linked_alerts = found.into_iter().map(|(fp, _)| fp).collect();
    }
    let new = NewIncident::declare(declaration, ctx.config.user()?, ctx.now)?;
    let mut store = ctx.open_store()?;
    let mut change = store.declare(new)?;
    let declared = change.entries.len();
    escalate(ctx, &mut store, &mut change);
    let incident = &change.incident;
    if incident.severity == Severity::P1 && incident.comms_lead.is_none() {
        eprintln!(
            "warning: P1 incident {} has no comms lead; name one with 'sitrep assign {} --comms-lead NAME'",
            incident.id, incident.id
        );
    }
    if ctx.json {
        let record = store.load_incident(incident.id)?;
        return ctx.json(&document(ctx, record, change.entries));
    }
    let mut out = format!(
        "declared incident {}: [{}] {} (commander {})\n",
        incident.id, incident.severity, incident.title, incident.commander
    );
    // What escalation did, after the declaration's own entries.
    for e in &change.entries[declared..] {
        out.push_str(&format!("incident {}: {}\n", incident.id, e.text));
    }
    Ok(out)
}

/// Each fingerprint given (or a unique prefix of one, as `alerts --wide` shows them)
/// with the live alert it names, when a source reports it; says on stderr what could
/// not be looked up.
fn looked_up(
    ctx: &Context,
    given: &[String],
) -> Vec<(String, Option<std::sync::Arc<crate::domain::alert::Alert>>)> {
    if ctx.config.sources.is_empty() && !ctx.feed.plays_demo() {
        eprintln!(
            "warning: no alert source is configured, so the alerts cannot be looked up; linked by fingerprint only, with no name, service, region or start"
        );
        return given.iter().map(|fp| (fp.clone(), None)).collect();
    }
    let live = match super::alerts::live(ctx, None) {
        Ok(live) => live,
        Err(e) => {
            eprintln!(
                "warning: cannot look up the alerts ({e}); linked by fingerprint only, with no name, service, region or start"
            );
            return given.iter().map(|fp| (fp.clone(), None)).collect();
        }
    };
    given
        .iter()
        .map(|fp| {
            let exact = live.iter().find(|a| a.fingerprint == *fp);
            let by_prefix = || {
                let mut matching = live
                    .iter()
                    .filter(|a| fp.len() >= 4 && a.fingerprint.starts_with(fp.as_str()));
                match (matching.next(), matching.next()) {
                    (Some(one), None) => Some(one),
                    _ => None,
                }
            };
            match exact.or_else(by_prefix) {
                Some(alert) => (alert.fingerprint.clone(), Some(alert.clone())),
                None => {
                    eprintln!(
                        "warning: no source reports an alert with fingerprint '{}' now (see 'sitrep alerts --wide'); linked by fingerprint only",
                        crate::domain::text::sanitize_line(fp)
                    );
                    (fp.clone(), None)
                }
            }
        })
        .collect()
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Incident id
    id: IncidentId,
    /// Kind of entry: mitigation, comms or note
    #[arg(long, short, default_value = "note", value_parser = typed_kind)]
    kind: EntryKind,
    /// Post the comms update to every [[comms.channels]] of the config after logging
    /// it (with --kind comms); waits until each has it or was given up on
    #[arg(long)]
    post: bool,
    /// The text; several words are joined with spaces
    #[arg(required = true, num_args = 1.., value_name = "TEXT")]
    text: Vec<String>,
}

pub fn log(ctx: &Context, args: LogArgs) -> Result<String, CliError> {
    if args.post && args.kind != EntryKind::Comms {
        return Err(CliError::from(crate::domain::DomainError::invalid(format!(
            "--post posts customer comms updates: log it with --kind comms (this is a {} entry); nothing was logged",
            args.kind
        ))));
    }
    if args.post {
        super::post::check_channels(ctx)?;
    }
    let entry = NewEntry::typed(args.kind, ctx.config.user()?, &args.text.join(" "), ctx.now)?;
    let mut store = ctx.open_store()?;
    if args.post {
        return super::post::log_and_post(ctx, &mut store, args.id, &entry);
    }
    let stored = store.append_entry(args.id, &entry)?;
    if ctx.json {
        return ctx.json(&stored);
    }
    Ok(format!(
        "logged {} entry {} on incident {} at {}\n",
        stored.kind,
        stored.id,
        stored.incident_id,
        format::time_ms(stored.at, ctx.config.time_display)
    ))
}

#[derive(Debug, Args)]
pub struct AmendArgs {
    /// Timeline entry id (see 'sitrep show ID')
    entry: EntryId,
    /// The entry's right kind: mitigation, comms or note (e.g. a customer update
    /// logged as a mitigation step)
    #[arg(long, value_name = "KIND")]
    kind: Option<EntryKind>,
    /// The corrected text (leave out to change only the kind)
    #[arg(num_args = 0.., value_name = "TEXT", required_unless_present = "kind")]
    text: Vec<String>,
}

pub fn amend(ctx: &Context, args: AmendArgs) -> Result<String, CliError> {
    let text = args.text.join(" ");
    let entry = ctx.open_store()?.correct_entry(
        args.entry,
        (!args.text.is_empty()).then_some(text.as_str()),
        args.kind,
        ctx.config.user()?,
        ctx.now,
    )?;
    if ctx.json {
        return ctx.json(&entry);
    }
    Ok(format!(
        "amended entry {} on incident {} (revision {}); earlier text kept\n",
        entry.id,
        entry.incident_id,
        entry.revisions.len()
    ))
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Incident id
    id: IncidentId,
    /// investigating, identified, monitoring or resolved
    status: Status,
    /// Reopening a resolved P1 pages again through Alertmanager: reopen it without
    /// paging
    #[arg(long)]
    no_page: bool,
}

pub fn status(ctx: &Context, args: StatusArgs) -> Result<String, CliError> {
    let mut store = ctx.open_store()?;
    let before = store.load_incident(args.id)?.incident;
    let reopens_p1 =
        before.severity == Severity::P1 && !before.status.is_open() && args.status.is_open();
    let change = store.change_status(args.id, args.status, ctx.config.user()?, ctx.now)?;
    if reopens_p1 && ctx.config.escalation.enabled && !ctx.feed.is_demo() {
        if args.no_page {
            eprintln!("incident {}: reopened without paging (--no-page)", args.id);
            return change_output_paging(ctx, &mut store, change, false);
        }
        eprintln!(
            "incident {}: reopening a P1 pages again through Alertmanager (--no-page reopens it quietly)",
            args.id
        );
    }
    change_output(ctx, &mut store, change)
}

#[derive(Debug, Args)]
pub struct SeverityArgs {
    /// Incident id
    id: IncidentId,
    /// P1 or P2
    severity: Severity,
}

pub fn severity(ctx: &Context, args: SeverityArgs) -> Result<String, CliError> {
    let mut store = ctx.open_store()?;
    let change = store.change_severity(args.id, args.severity, ctx.config.user()?, ctx.now)?;
    change_output(ctx, &mut store, change)
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// Incident id
    id: IncidentId,
    /// New incident commander
    #[arg(long, value_name = "NAME")]
    commander: Option<String>,
    /// New communications lead
    #[arg(long, value_name = "NAME")]
    comms_lead: Option<String>,
}

pub fn assign(ctx: &Context, args: AssignArgs) -> Result<String, CliError> {
    let mut store = ctx.open_store()?;
    let change = store.assign(
        args.id,
        args.commander.as_deref(),
        args.comms_lead.as_deref(),
        ctx.config.user()?,
        ctx.now,
    )?;
    change_output(ctx, &mut store, change)
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Incident id
    id: IncidentId,
    #[arg(long)]
    title: Option<String>,
    #[arg(long = "add-region", value_name = "REGION")]
    add_regions: Vec<String>,
    #[arg(long = "remove-region", value_name = "REGION")]
    remove_regions: Vec<String>,
    #[arg(long = "add-cohort", value_name = "COHORT")]
    add_cohorts: Vec<String>,
    #[arg(long = "remove-cohort", value_name = "COHORT")]
    remove_cohorts: Vec<String>,
    /// Add a service affected (repeatable)
    #[arg(
        long = "service",
        visible_alias = "add-service",
        value_name = "SERVICE"
    )]
    add_services: Vec<String>,
    #[arg(long = "remove-service", value_name = "SERVICE")]
    remove_services: Vec<String>,
    /// Link an alert by fingerprint
    #[arg(long = "link-alert", value_name = "FINGERPRINT")]
    link_alerts: Vec<String>,
    #[arg(long = "unlink-alert", value_name = "FINGERPRINT")]
    unlink_alerts: Vec<String>,
    /// When user impact began: '15m ago', '-15m', '03:05' (today, display zone),
    /// '2026-11-24 03:05' or RFC 3339
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    trigger_time: Option<String>,
    #[arg(long)]
    summary: Option<String>,
    /// What customers are told the incident is
    #[arg(long, value_name = "TEXT")]
    public_title: Option<String>,
    /// What customers notice, in their words
    #[arg(long, value_name = "TEXT")]
    public_impact: Option<String>,
    /// release, config, capacity, dependency, infrastructure, network, data, security, unknown
    #[arg(long, value_name = "CATEGORY")]
    root_cause: Option<RootCause>,
    #[arg(long, value_name = "BOOL", value_parser = yes_no)]
    release_related: Option<bool>,
    #[arg(long, value_name = "BOOL", value_parser = yes_no)]
    rollback_performed: Option<bool>,
    /// Mark or unmark the incident as a drill
    #[arg(long, value_name = "BOOL", value_parser = yes_no)]
    drill: Option<bool>,
}

pub fn edit(ctx: &Context, args: EditArgs) -> Result<String, CliError> {
    let edit = IncidentEdit {
        title: args.title,
        add_regions: args.add_regions,
        remove_regions: args.remove_regions,
        add_services: args.add_services,
        remove_services: args.remove_services,
        add_cohorts: args.add_cohorts,
        remove_cohorts: args.remove_cohorts,
        link_alerts: args.link_alerts,
        unlink_alerts: args.unlink_alerts,
        trigger_time: when(ctx, args.trigger_time.as_deref())?,
        summary: args.summary,
        public_title: args.public_title,
        public_impact: args.public_impact,
        root_cause: args.root_cause,
        release_related: args.release_related,
        rollback_performed: args.rollback_performed,
        drill: args.drill,
    };
    if edit == IncidentEdit::default() {
        return Err(DomainError::Invalid(
            "nothing to edit; pass at least one field (see 'sitrep edit --help')".into(),
        )
        .into());
    }
    let mut store = ctx.open_store()?;
    let change = store.edit(args.id, &edit, ctx.config.user()?, ctx.now)?;
    change_output(ctx, &mut store, change)
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Incident id
    id: IncidentId,
    /// Alert fingerprints, or unique prefixes of them (see 'sitrep alerts --wide')
    #[arg(required = true, num_args = 1.., value_name = "FINGERPRINT")]
    fingerprints: Vec<String>,
    /// Unlink them instead
    #[arg(long)]
    unlink: bool,
}

/// `link`: the CLI's `/link`, linking live alerts to an incident (or unlinking).
pub fn link(ctx: &Context, args: LinkArgs) -> Result<String, CliError> {
    let mut store = ctx.open_store()?;
    let incident = store.load_incident(args.id)?.incident;
    let edit = if args.unlink {
        let (linked, not): (Vec<String>, Vec<String>) = args
            .fingerprints
            .into_iter()
            .partition(|fp| incident.linked_alerts.contains(fp));
        if let Some(fp) = not.first() {
            return Err(CliError::Refused(format!(
                "incident {} does not link '{}'; nothing was unlinked (linked: {})",
                args.id,
                crate::domain::text::sanitize_line(fp),
                format::list(&incident.linked_alerts)
            )));
        }
        IncidentEdit {
            unlink_alerts: linked,
            ..IncidentEdit::default()
        }
    } else {
        let new: Vec<String> = looked_up(ctx, &args.fingerprints)
            .into_iter()
            .map(|(fp, _)| fp)
            .filter(|fp| !incident.linked_alerts.contains(fp))
            .collect();
        if new.is_empty() {
            return Err(CliError::Refused(format!(
                "incident {} already links every alert named",
                args.id
            )));
        }
        IncidentEdit {
            link_alerts: new,
            ..IncidentEdit::default()
        }
    };
    let change = store.edit(args.id, &edit, ctx.config.user()?, ctx.now)?;
    change_output(ctx, &mut store, change)
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Incident id
    id: IncidentId,
    /// What happened and what fixed it, in a few sentences
    #[arg(long)]
    summary: Option<String>,
    /// Also expire the incident's Alertmanager silences that are still active
    #[arg(long)]
    expire_silences: bool,
}

pub fn resolve(ctx: &Context, args: ResolveArgs) -> Result<String, CliError> {
    let mut store = ctx.open_store()?;
    let change = store.resolve(
        args.id,
        args.summary.as_deref(),
        ctx.config.user()?,
        ctx.now,
    )?;
    if args.expire_silences {
        for line in super::silence::expire_active(ctx, &mut store, args.id) {
            eprintln!("{line}");
        }
    } else if let Ok(record) = store.load_incident(args.id) {
        // Silences made for it outlive the incident: say so, with the way out. The
        // Alertmanagers know which are still in force; the timeline is the fallback.
        let made = crate::domain::silence::made_ids(&record.timeline);
        if !made.is_empty() {
            let tz = ctx.config.time_display;
            let left: Vec<(String, String, String)> = match super::silence::in_force(
                ctx, &made, args.id,
            ) {
                Ok(silences) => silences
                    .into_iter()
                    .map(|(source, s)| (s.id, source, crate::format::time(s.ends_at, tz)))
                    .collect(),
                Err(e) => {
                    eprintln!(
                            "note: cannot ask the Alertmanagers which silences are still in force ({e}); the timeline says:"
                        );
                    crate::domain::silence::unexpired(
                        record.timeline.iter().map(|e| e.text.as_str()),
                    )
                }
            };
            for (silence, source, until) in left {
                eprintln!(
                    "note: silence {silence} on {source} (until {until}) was made for this incident; expire it with 'sitrep silence {} --expire {silence}'",
                    args.id
                );
            }
        }
    }
    change_output(ctx, &mut store, change)
}

/// The incident document (with what was written) for `--json`, else a line per entry.
/// Lifecycle changes page (or end the page) first.
fn change_output(ctx: &Context, store: &mut Store, change: Change) -> Result<String, CliError> {
    change_output_paging(ctx, store, change, true)
}

/// What a lifecycle change prints; with `page`, after paging (or ending the page) as
/// the incident now stands.
fn change_output_paging(
    ctx: &Context,
    store: &mut Store,
    mut change: Change,
    page: bool,
) -> Result<String, CliError> {
    if page {
        escalate(ctx, store, &mut change);
    }
    if ctx.json {
        let record = store.load_incident(change.incident.id)?;
        return ctx.json(&document(ctx, record, change.entries));
    }
    Ok(change
        .entries
        .iter()
        .map(|e| format!("incident {}: {}\n", change.incident.id, e.text))
        .collect())
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only incidents that are not resolved
    #[arg(long)]
    open: bool,
}

pub fn list(ctx: &Context, args: ListArgs) -> Result<String, CliError> {
    let incidents = ctx.open_store_for_reading()?.list_incidents(args.open)?;
    if ctx.json {
        let window = ctx.config.p2_triage_window;
        let rows: Vec<Summary<'_>> = incidents
            .iter()
            .map(|incident| Summary {
                incident,
                times: Times::of(incident, window, ctx.now),
            })
            .collect();
        return ctx.json(&rows);
    }
    if incidents.is_empty() {
        let which = if args.open {
            "open incidents"
        } else {
            "incidents"
        };
        return Ok(format!("no {which} (declare one with 'sitrep declare')\n"));
    }
    let rows: Vec<Vec<String>> = incidents
        .iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                i.severity.to_string(),
                i.status.to_string(),
                format_duration(incident_times(i, ctx.now).duration),
                i.commander.clone(),
                if i.services.is_empty() {
                    "-".to_string()
                } else {
                    i.services.join(",")
                },
                i.marked_title(),
            ]
        })
        .collect();
    Ok(format::table(
        &[
            "ID",
            "SEV",
            "STATUS",
            "DURATION",
            "COMMANDER",
            "SERVICE",
            "TITLE",
        ],
        &rows,
    ))
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Incident id
    id: IncidentId,
}

pub fn show(ctx: &Context, args: ShowArgs) -> Result<String, CliError> {
    let record = ctx.open_store_for_reading()?.load_incident(args.id)?;
    let times = crate::domain::metrics::logged_times(&record.incident, &record.timeline, ctx.now);
    let triage = triage_remaining(&record.incident, ctx.config.p2_triage_window, ctx.now);
    if ctx.json {
        return ctx.json(&document(ctx, record, Vec::new()));
    }
    Ok(render_record(ctx, &record, times, triage))
}

fn render_record(
    ctx: &Context,
    record: &IncidentRecord,
    times: crate::domain::metrics::IncidentTimes,
    triage: Option<chrono::Duration>,
) -> String {
    let zone = ctx.config.time_display;
    let i = &record.incident;
    let span = |d: Option<chrono::Duration>| d.map(format_duration).unwrap_or_else(|| "—".into());
    let mut out = format!("incident {}: [{}] {}\n", i.id, i.severity, i.marked_title());
    let mut field = |name: &str, value: String| {
        // Wide enough for the longest label ("public impact") and a gap.
        out.push_str(&format!("  {name:<15}{}\n", format::hanging(&value, 17)));
    };
    if !i.unreadable.is_empty() {
        field(
            "unreadable",
            format!(
                "⚠ {} (stored values written around sitrep; see 'sitrep doctor')",
                i.unreadable.join("; ")
            ),
        );
    }
    field("status", i.status.to_string());
    field("trigger", format::time(i.trigger_time, zone));
    field(
        "declared",
        format!("{} by {}", format::time(i.declared_at, zone), i.declared_by),
    );
    if let Some((t, by)) = crate::domain::metrics::mitigated(i, &record.timeline) {
        field(
            "mitigated",
            format!("{} ({})", format::time(t, zone), by.as_str()),
        );
    }
    if let Some(t) = i.resolved_at {
        field("resolved", format::time(t, zone));
    }
    field(
        "times",
        format!(
            "to declare {} · to mitigate {} · to resolve {} · duration {}",
            format_duration(times.time_to_declare),
            span(times.time_to_mitigate),
            span(times.time_to_resolve),
            format_duration(times.duration)
        ),
    );
    if let Some(left) = triage {
        let state = if left < chrono::Duration::zero() {
            format!("overdue by {}", format_duration(-left))
        } else {
            format!("{} left", format_duration(left))
        };
        field("P2 triage", state);
    }
    field("commander", i.commander.clone());
    let comms = match (&i.comms_lead, i.severity) {
        (Some(lead), _) => lead.clone(),
        (None, Severity::P1) => format!(
            "(none) ⚠ P1 needs one: sitrep assign {} --comms-lead NAME",
            i.id
        ),
        (None, Severity::P2) => "(none)".into(),
    };
    field("comms lead", comms);
    field("services", format::list(&i.services));
    field("regions", format::list(&i.regions));
    field("cohorts", format::list(&i.cohorts));
    if let Some(title) = &i.public_title {
        field("public title", title.clone());
    }
    if let Some(impact) = &i.public_impact {
        field("public impact", impact.clone());
    }
    if !i.linked_alerts.is_empty() {
        // By name where the incident was declared from the live alert.
        let names: Vec<String> = i
            .linked_alerts
            .iter()
            .map(
                |fp| match record.alerts.iter().find(|a| a.fingerprint == *fp) {
                    Some(a) => format!("{} ({fp})", a.name),
                    None => fp.clone(),
                },
            )
            .collect();
        field("alerts", format::list(&names));
    }
    if let Some(summary) = &i.summary {
        field("summary", summary.clone());
    }
    let flag = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "(unset)",
    };
    field(
        "review",
        format!(
            "root cause {} · release related {} · rollback performed {}",
            i.root_cause.map_or("(unset)", RootCause::as_str),
            flag(i.release_related),
            flag(i.rollback_performed)
        ),
    );

    out.push_str(&format!("\ntimeline ({} entries)\n", record.timeline.len()));
    for e in &record.timeline {
        out.push_str(&render_entry(e, zone));
    }
    if !record.follow_ups.is_empty() {
        out.push_str("\nfollow-ups\n");
        let rows: Vec<Vec<String>> = record
            .follow_ups
            .iter()
            .map(|f| super::followup::row(f, ctx.now))
            .collect();
        out.push_str(&format::table(&super::followup::HEADER, &rows));
    }
    out
}

fn render_entry(e: &TimelineEntry, zone: crate::config::TimeDisplay) -> String {
    let amended = if e.was_amended() {
        format!(" (amended {}×)", e.revisions.len() - 1)
    } else {
        String::new()
    };
    let prefix = format!(
        "  {:>6}  {}  {:<10}  {}: ",
        format!("#{}", e.id),
        format::time_ms(e.at, zone),
        e.kind.as_str(),
        e.signed_author()
    );
    let indent = prefix.chars().count();
    format!("{prefix}{}{amended}\n", format::hanging(&e.text, indent))
}
