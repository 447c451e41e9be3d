//! `oncall` (who holds each team's pager), `page` (page one team for an incident)
//! and `handoff` (the on-call review's agenda when the pager changes hands).

use chrono::{DateTime, Duration, Utc};
use clap::Args;
use serde::Serialize;

use super::{CliError, Context};
use crate::config::teams::ScheduleSource;
use crate::domain::alert_quality::{RuleReport, Window};
use crate::domain::oncall::{parse_at, short_when, OnCall, Rosters, Segment, Standing};
use crate::domain::text::sanitize_line;
use crate::domain::{DomainError, IncidentId};
use crate::services::oncall::{cache_dir, rosters_of, Fetch};

#[derive(Debug, Args)]
pub struct OnCallArgs {
    /// Only this team
    team: Option<String>,
    /// At this time instead of now: 'in 3h', '2h ago', '2026-12-24 03:00' (the team's zone) or RFC 3339
    #[arg(long, value_name = "WHEN")]
    at: Option<String>,
    /// How many handoffs after the current one to show
    #[arg(long, value_name = "N", default_value_t = 2)]
    next: usize,
    /// Fetch the feeds even when the kept copy is fresh (under 10 minutes old)
    #[arg(long)]
    refresh: bool,
}

#[derive(Debug, Args)]
pub struct PageArgs {
    /// Incident id
    id: IncidentId,
    /// The team to page (a `[[teams]]` name)
    team: String,
    /// Why, for whoever is woken up
    #[arg(long, value_name = "TEXT")]
    why: Option<String>,
}

#[derive(Debug, Args)]
pub struct HandoffArgs {
    /// Only this team
    team: Option<String>,
    /// The shift reviewed: this long before now (default: since the current shift began)
    #[arg(long, value_name = "DURATION")]
    since: Option<String>,
}

fn no_teams() -> CliError {
    CliError::NotFound(
        "no teams configured: add a [[teams]] table (name, services, and a schedule) to the config"
            .into(),
    )
}

fn unknown_team(config: &crate::config::Config, name: &str) -> CliError {
    CliError::NotFound(format!(
        "no team '{}' (teams: {})",
        sanitize_line(name),
        config
            .teams
            .iter()
            .map(|t| t.team.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The teams asked for: one by name, or all.
fn chosen(
    config: &crate::config::Config,
    rosters: &Rosters,
    team: Option<&str>,
) -> Result<Vec<usize>, CliError> {
    if rosters.teams.is_empty() {
        return Err(no_teams());
    }
    match team {
        None => Ok((0..rosters.teams.all().len()).collect()),
        Some(name) => rosters
            .teams
            .find(name)
            .map(|i| vec![i])
            .ok_or_else(|| unknown_team(config, name)),
    }
}

/// The index of the team `name` (when one is named), or why not.
fn team_index(
    config: &crate::config::Config,
    name: Option<&str>,
) -> Result<Option<usize>, CliError> {
    if config.teams.is_empty() {
        return Err(no_teams());
    }
    name.map(|name| {
        config
            .teams
            .iter()
            .position(|t| t.team.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| unknown_team(config, name))
    })
    .transpose()
}

fn kind(source: &ScheduleSource) -> &'static str {
    match source {
        ScheduleSource::None => "none",
        ScheduleSource::File(_) => "ical file",
        ScheduleSource::Url(_) => "ical feed",
        ScheduleSource::Rotation(_) => "rotation",
    }
}

#[derive(Serialize)]
struct TeamOnCall {
    team: String,
    zone: String,
    schedule: &'static str,
    on_call: OnCall,
    next: Vec<Segment>,
    /// Why the schedule is not plainly fine (a feed unread, a copy in use, no data).
    problem: Option<String>,
    copy_from: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct OnCallDoc {
    at: DateTime<Utc>,
    note: Option<String>,
    teams: Vec<TeamOnCall>,
}

fn who_text(who: &Option<crate::domain::oncall::Person>) -> String {
    match who {
        Some(p) => match &p.email {
            Some(e) if !e.eq_ignore_ascii_case(&p.name) => format!("{} <{e}>", p.name),
            _ => p.name.clone(),
        },
        None => "NOBODY on call".into(),
    }
}

pub fn oncall(ctx: &Context, args: OnCallArgs) -> Result<String, CliError> {
    if ctx.config.teams.is_empty() {
        return Err(no_teams());
    }
    let zone = match args.team.as_deref() {
        Some(name) => ctx
            .config
            .teams
            .iter()
            .find(|t| t.team.name.eq_ignore_ascii_case(name.trim()))
            .map(|t| t.team.zone)
            .unwrap_or(ctx.config.review.quality.zone),
        None => ctx.config.review.quality.zone,
    };
    let (at, note) = match &args.at {
        Some(raw) => parse_at(raw, ctx.now, &zone)?,
        None => (ctx.now, None),
    };
    let only = team_index(&ctx.config, args.team.as_deref())?;
    let rosters = rosters_of(
        &ctx.config,
        &cache_dir(&ctx.paths),
        at,
        at,
        ctx.now,
        if args.refresh {
            Fetch::Always
        } else {
            Fetch::IfStale
        },
        only,
    );
    let chosen = chosen(&ctx.config, &rosters, args.team.as_deref())?;
    let teams: Vec<TeamOnCall> = chosen
        .iter()
        .map(|&i| {
            let team = &ctx.config.teams[i];
            let roster = &rosters.rosters[i];
            let no_data = roster.schedule.is_empty() && roster.error.is_none();
            TeamOnCall {
                team: team.team.name.clone(),
                zone: team.team.zone.name().to_string(),
                schedule: kind(&team.schedule),
                on_call: roster.schedule.at(at),
                next: roster.schedule.next(at, args.next),
                problem: roster.problem(ctx.now).or_else(|| {
                    no_data.then(|| match team.schedule {
                        ScheduleSource::None => "no schedule configured (ical_file, ical_url_file, ical_url_env or members)".to_string(),
                        _ => "the schedule has no shifts".to_string(),
                    })
                }),
                copy_from: roster.copy_from,
            }
        })
        .collect();
    if ctx.json {
        return ctx.json(&OnCallDoc { at, note, teams });
    }
    let mut out = String::new();
    if let Some(note) = &note {
        out.push_str(&format!("note: {note}\n"));
    }
    for t in &teams {
        let tz: chrono_tz::Tz = t.zone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let when = |x: DateTime<Utc>| short_when(x, &tz, at);
        let standing = match (&t.on_call.who, t.on_call.until) {
            (Some(_), Some(until)) => format!("{} until {}", who_text(&t.on_call.who), when(until)),
            (Some(_), None) => who_text(&t.on_call.who),
            (None, _)
                if t.problem.is_some()
                    && t.on_call.since.is_none()
                    && t.on_call.until.is_none() =>
            {
                String::new()
            }
            (None, Some(until)) if t.on_call.since.is_none() => {
                format!("NOBODY on call: the schedule starts at {}", when(until))
            }
            (None, Some(until)) => format!(
                "NOBODY on call until {} (a gap in the schedule)",
                when(until)
            ),
            (None, None) => match t.on_call.since {
                Some(since) => format!("NOBODY on call: the schedule ends at {}", when(since)),
                None => "NOBODY on call".to_string(),
            },
        };
        let head = format!("{} ({})", t.team, t.zone);
        match (&t.problem, standing.is_empty()) {
            (Some(problem), true) => out.push_str(&format!("{head}: {problem}\n")),
            (problem, _) => {
                out.push_str(&format!("{head}: {standing}\n"));
                if let Some(problem) = problem {
                    out.push_str(&format!("  warning: {problem}\n"));
                }
            }
        }
        if !t.next.is_empty() {
            let next: Vec<String> = t
                .next
                .iter()
                .map(|s| format!("{} {}–{}", who_text(&s.who), when(s.start), when(s.end)))
                .collect();
            out.push_str(&format!("  next: {}\n", next.join(" · ")));
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct Paged {
    incident: IncidentId,
    team: String,
    on_call: Option<String>,
    entry: crate::domain::TimelineEntry,
}

pub fn page(ctx: &Context, args: PageArgs) -> Result<String, CliError> {
    let author = ctx.config.user()?.to_string();
    let only = team_index(&ctx.config, Some(&args.team))?;
    let rosters = rosters_of(
        &ctx.config,
        &cache_dir(&ctx.paths),
        ctx.now,
        ctx.now,
        ctx.now,
        // A page does not wait on a slow feed: the kept copy, however old.
        Fetch::IfMissing,
        only,
    );
    let team = chosen(&ctx.config, &rosters, Some(&args.team))?[0];
    let on_call = match rosters.standing(team, ctx.now) {
        Standing::On { who, .. } => Some(who.name),
        Standing::Nobody { .. } => None,
    };
    let mut store = ctx.open_store()?;
    let spec = rosters.teams.get(team).ok_or_else(no_teams)?;
    let entry = crate::services::escalation::page_team(
        &mut store,
        &ctx.config,
        args.id,
        spec,
        on_call.as_deref(),
        args.why.as_deref(),
        &author,
        ctx.now,
    )
    .map_err(CliError::PostFailed)?;
    if ctx.json {
        return ctx.json(&Paged {
            incident: args.id,
            team: spec.name.clone(),
            on_call,
            entry,
        });
    }
    let mut out = format!("{}\n", entry.text);
    if on_call.is_none() {
        out.push_str(&format!(
            "warning: nobody is on call for '{}' by its schedule; the page goes where Alertmanager routes it\n",
            spec.name
        ));
    }
    Ok(out)
}

#[derive(Serialize)]
struct Handoff {
    team: String,
    #[serde(skip)]
    zone: chrono_tz::Tz,
    from: DateTime<Utc>,
    outgoing: OnCall,
    incoming: Option<Segment>,
    problem: Option<String>,
    open_incidents: Vec<crate::domain::Incident>,
    follow_ups: Vec<crate::domain::FollowUp>,
    /// Which alert history the alerts come from (prometheus, sitrep, none).
    alert_history: &'static str,
    alerts: Vec<RuleReport>,
    noisiest: Vec<String>,
}

pub fn handoff(ctx: &Context, args: HandoffArgs) -> Result<String, CliError> {
    let only = team_index(&ctx.config, args.team.as_deref())?;
    let rosters = rosters_of(
        &ctx.config,
        &cache_dir(&ctx.paths),
        ctx.now,
        ctx.now,
        ctx.now,
        Fetch::IfStale,
        only,
    );
    let chosen = chosen(&ctx.config, &rosters, args.team.as_deref())?;
    let since = match &args.since {
        Some(raw) => {
            let d = crate::domain::parse::parse_duration(raw)?;
            if d <= Duration::zero() {
                return Err(
                    DomainError::Invalid("--since must be a positive duration".into()).into(),
                );
            }
            Some(ctx.now - d)
        }
        None => None,
    };
    let mut store = ctx.open_store_for_reading()?;
    let (incidents, follow_ups) = store.review_data()?;
    let soon = (ctx.now + Duration::days(7)).date_naive();
    let mut docs = Vec::new();
    for t in chosen {
        let team = &ctx.config.teams[t].team;
        let roster = &rosters.rosters[t];
        let outgoing = roster.schedule.at(ctx.now);
        let incoming = roster.schedule.next(ctx.now, 1).into_iter().next();
        let from = since
            .or(outgoing.since)
            .unwrap_or(ctx.now - Duration::days(7))
            .max(ctx.now - Duration::days(31));
        let owned = |services: &[String]| rosters.teams.owners_of_services(services).contains(&t);
        let open: Vec<&crate::domain::review::ReviewedIncident> = incidents
            .iter()
            .filter(|r| {
                r.incident.status.is_open() && owned(&r.incident.affected_services(&r.alerts))
            })
            .collect();
        let team_incidents: Vec<_> = incidents
            .iter()
            .filter(|r| owned(&r.incident.affected_services(&r.alerts)))
            .map(|r| r.incident.id)
            .collect();
        let due: Vec<crate::domain::FollowUp> = follow_ups
            .iter()
            .filter(|f| {
                !f.is_done()
                    && !f.is_cancelled()
                    && f.due.is_some_and(|d| d <= soon)
                    && team_incidents.contains(&f.incident_id)
            })
            .cloned()
            .collect();
        let review = crate::services::alert_review::alert_review(
            &ctx.config,
            &mut store,
            &incidents,
            &[Window { from, to: ctx.now }],
            ctx.now,
        )?;
        let mut alerts: Vec<RuleReport> = review
            .report
            .every_rule
            .into_iter()
            .filter(|r| r.team.as_deref() == Some(team.name.as_str()))
            .collect();
        alerts.sort_by(|a, b| {
            b.tally
                .firings
                .cmp(&a.tally.firings)
                .then(a.name.cmp(&b.name))
        });
        let noisiest = alerts
            .iter()
            .filter(|r| r.tally.firings > 0)
            .take(3)
            .map(|r| format!("{} ({} firings)", r.name, r.tally.firings))
            .collect();
        docs.push(Handoff {
            team: team.name.clone(),
            zone: team.zone,
            from,
            outgoing,
            incoming,
            problem: roster.problem(ctx.now),
            open_incidents: open.into_iter().map(|r| r.incident.clone()).collect(),
            follow_ups: due,
            alert_history: review.history.used,
            alerts,
            noisiest,
        });
    }
    if ctx.json {
        return ctx.json(&docs);
    }
    let mut out = String::new();
    for d in &docs {
        let zone = &d.zone;
        let when = |x: DateTime<Utc>| short_when(x, zone, ctx.now);
        let incoming = d
            .incoming
            .as_ref()
            .map(|s| format!("{} from {}", who_text(&s.who), when(s.start)))
            .unwrap_or_else(|| "nobody (the schedule has nothing after)".into());
        out.push_str(&format!(
            "# Handoff: {} — outgoing {}, incoming {}\n",
            d.team,
            who_text(&d.outgoing.who),
            incoming
        ));
        if let Some(p) = &d.problem {
            out.push_str(&format!("warning: {p}\n"));
        }
        out.push_str(&format!("Shift reviewed: since {}\n\n", when(d.from)));
        out.push_str("Open incidents:\n");
        if d.open_incidents.is_empty() {
            out.push_str("  none\n");
        }
        for i in &d.open_incidents {
            out.push_str(&format!(
                "  #{} {} {} {} (commander {})\n",
                i.id,
                i.severity,
                i.status,
                sanitize_line(&i.title),
                sanitize_line(&i.commander)
            ));
        }
        out.push_str("Follow-ups due within 7 days or overdue:\n");
        if d.follow_ups.is_empty() {
            out.push_str("  none\n");
        }
        for f in &d.follow_ups {
            out.push_str(&format!(
                "  #{}/{} {} (owner {}, due {})\n",
                f.incident_id,
                f.id,
                sanitize_line(&f.title),
                sanitize_line(&f.owner),
                f.due.map(|d| d.to_string()).unwrap_or_default()
            ));
        }
        out.push_str(&format!(
            "Alerts during the shift (history: {}):\n",
            d.alert_history
        ));
        if d.alerts.is_empty() {
            out.push_str("  none fired\n");
        } else {
            let rows: Vec<Vec<String>> = d
                .alerts
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.tally.firings.to_string(),
                        r.tally.minutes.to_string(),
                        r.tally.out_of_hours.to_string(),
                        r.tally.sleep_hours.to_string(),
                        if r.flags.is_empty() {
                            "—".into()
                        } else {
                            r.flags
                                .iter()
                                .map(|f| f.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    ]
                })
                .collect();
            for line in crate::format::table(
                &[
                    "ALERT",
                    "FIRINGS",
                    "MINUTES",
                    "OUT OF HOURS",
                    "SLEEP",
                    "FLAGS",
                ],
                &rows,
            )
            .lines()
            {
                out.push_str(&format!("  {line}\n"));
            }
        }
        if !d.noisiest.is_empty() {
            out.push_str(&format!("Noisiest: {}\n", d.noisiest.join(", ")));
        }
        out.push('\n');
    }
    Ok(out)
}
