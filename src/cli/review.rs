//! `review`: the weekly reliability review, as Markdown (to a file or stdout) or JSON.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::Args;

use super::{CliError, Context};
use crate::domain::alert_quality::Window;
use crate::domain::parse::parse_duration;
use crate::domain::review::review as compute;
use crate::domain::trend;
use crate::domain::DomainError;
use crate::report::file::write_document;
use crate::report::{context, Templates, REVIEW_TEMPLATE};
use crate::services::alert_review::alert_review;
use crate::sources::slo::burns_between_blocking;

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The period ending now, e.g. 7d, 14d, 24h
    #[arg(long, value_name = "DURATION", default_value = "7d", conflicts_with_all = ["from", "to"])]
    since: String,
    /// Start of the period (UTC midnight), YYYY-MM-DD
    #[arg(long, value_name = "DATE", requires = "to", value_parser = day)]
    from: Option<NaiveDate>,
    /// End of the period (exclusive, UTC midnight), YYYY-MM-DD
    #[arg(long, value_name = "DATE", requires = "from", value_parser = day)]
    to: Option<NaiveDate>,
    /// Write the review to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Replace FILE if it exists
    #[arg(long)]
    force: bool,
}

fn day(raw: &str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        DomainError::Invalid(format!(
            "bad date '{}' (use YYYY-MM-DD)",
            crate::domain::text::sanitize_line(raw)
        ))
    })
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

pub fn review(ctx: &Context, args: ReviewArgs) -> Result<String, CliError> {
    let (from, to) = match (args.from, args.to) {
        (Some(from), Some(to)) => {
            if to <= from {
                return Err(
                    DomainError::Invalid(format!("--to {to} must be after --from {from}")).into(),
                );
            }
            (midnight(from), midnight(to))
        }
        _ => {
            let span = parse_duration(&args.since)?;
            if span <= chrono::Duration::zero() {
                return Err(
                    DomainError::Invalid("--since must be a positive duration".into()).into(),
                );
            }
            let from = ctx.now.checked_sub_signed(span).ok_or_else(|| {
                DomainError::Invalid(format!(
                    "--since '{}' reaches before any date sitrep can show; use at most 100 years",
                    crate::domain::text::sanitize_line(&args.since)
                ))
            })?;
            (from, ctx.now)
        }
    };
    let figures = figures(ctx, from, to)?;
    if ctx.json {
        return ctx.json(&figures);
    }
    let document = context::review_document(&figures, ctx.config.time_display, ctx.now);
    let text = Templates::new(&ctx.paths.templates_dir).render(REVIEW_TEMPLATE, &document)?;
    match args.output {
        None => Ok(text),
        Some(path) if crate::report::file::is_stdout(&path) => Ok(text),
        Some(path) => {
            write_document(&path, &text, args.force).map_err(CliError::from)?;
            Ok(format!("wrote {}\n", path.display()))
        }
    }
}

/// Every figure of the review of `[from, to)`: the log's, the alert history's, the
/// SLO budgets', and the trend over this period and the three before it.
pub fn figures(
    ctx: &Context,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<crate::domain::review::Review, CliError> {
    let mut store = ctx.open_store_for_reading()?;
    let (incidents, follow_ups) = store.review_data()?;
    let mut figures = compute(
        &incidents,
        &follow_ups,
        from,
        to,
        ctx.now,
        ctx.config.review.drill_every,
    );
    let periods = trend::periods(from, to);
    let windows: Vec<Window> = periods
        .iter()
        .map(|(from, to)| Window {
            from: *from,
            to: *to,
        })
        .collect();
    let alerts = alert_review(&ctx.config, &mut store, &incidents, &windows, ctx.now)?;
    let mut measured: Vec<trend::Measured> = alerts
        .report
        .periods
        .iter()
        .map(|p| {
            // Nothing recorded at all: the firings are unknown, not zero.
            let known = alerts.history.used == "prometheus" || !alerts.history.sources.is_empty();
            trend::Measured {
                firings: known.then_some(p.firings),
                noisy: known.then_some(p.noisy),
                budget_burned: None,
            }
        })
        .collect();
    if !ctx.config.slos.is_empty() {
        let slos: Vec<_> = ctx.config.slos.iter().collect();
        for (i, (p_from, p_to)) in periods.iter().enumerate() {
            let (burns, errors) =
                burns_between_blocking(&ctx.config.sources, &slos, *p_from, *p_to)
                    .map_err(CliError::Output)?;
            if let Some(m) = measured.get_mut(i) {
                m.budget_burned = burns.iter().filter_map(|b| b.burned).reduce(f64::max);
            }
            if i == 0 {
                for (slo, error) in &errors {
                    eprintln!("warning: slo '{slo}': {error}");
                }
                figures.error_budget = Some(burns);
                figures.error_budget_errors = errors;
                figures.release_holds = release_holds(ctx, &incidents, *p_from, *p_to);
            }
        }
    }
    if !ctx.config.teams.is_empty() {
        let rosters = crate::services::oncall::rosters(
            &ctx.config,
            &crate::services::oncall::cache_dir(&ctx.paths),
            from,
            to,
            ctx.now,
            crate::services::oncall::Fetch::IfStale,
        );
        for (team, roster) in rosters.teams.all().iter().zip(&rosters.rosters) {
            if let Some(problem) = roster.problem(ctx.now) {
                eprintln!("warning: team '{}': {problem}", team.name);
            }
        }
        figures.oncall = Some(crate::domain::oncall_load::load(
            &rosters,
            &alerts.report.starts,
            &incidents,
            &ctx.config.review.quality,
            from,
            to,
        ));
    }
    figures.alerts = Some(alerts);
    figures.trend = Some(trend::trend(
        &figures,
        &incidents,
        &follow_ups,
        &periods,
        &measured,
        ctx.now,
    ));
    Ok(figures)
}

/// How long the policy held releases in `[from, to)`, per SLO and region, read at
/// 288 points through the period (never closer than 5 minutes).
fn release_holds(
    ctx: &Context,
    incidents: &[crate::domain::review::ReviewedIncident],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<crate::domain::gate::HoldTime> {
    let to = to.min(ctx.now);
    if to <= from {
        return Vec::new();
    }
    let step = ((to - from).num_seconds() / 288).max(300) / 60 * 60;
    let mut out = Vec::new();
    for slo in &ctx.config.slos {
        let Ok(source) = crate::sources::slo::source_for(&ctx.config.sources, slo) else {
            continue;
        };
        let service = slo.objective.service.clone();
        let open_p1s = move |at: DateTime<Utc>| -> Vec<i64> {
            incidents
                .iter()
                .map(|r| &r.incident)
                .filter(|i| {
                    i.severity == crate::domain::Severity::P1
                        && !i.drill
                        && i.services.contains(&service)
                        && i.declared_at <= at
                        && i.resolved_at.is_none_or(|r| r > at)
                })
                .map(|i| i.id.0)
                .collect()
        };
        let policy = ctx.config.policy.for_slo(&slo.objective.name);
        match crate::sources::block_on(crate::sources::slo::hold_time(
            source, slo, policy, from, to, step, &open_p1s,
        )) {
            Ok(Ok(holds)) => out.extend(holds),
            Ok(Err(e)) => eprintln!(
                "warning: slo '{}': release holds not read: {e}",
                slo.objective.name
            ),
            Err(e) => eprintln!("warning: {e}"),
        }
    }
    out
}
