//! `alerts` and `sources`: read every configured source once, at the same time.

use chrono::Utc;
use clap::Args;
use serde_json::json;

use super::{CliError, Context};
use crate::domain::alert::Alert;
use crate::domain::parse::format_duration;
use crate::domain::{DomainError, Severity};
use crate::sources::demo::DemoFeed;
use crate::sources::{self, Snapshot, Source, SourceError};

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Only this source (by name; see 'sitrep sources')
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Only alerts of this severity
    #[arg(long, value_name = "P1|P2")]
    severity: Option<Severity>,
    /// Add each alert's fingerprint (for `silence --alert` and `edit --link-alert`)
    #[arg(long)]
    wide: bool,
    #[command(subcommand)]
    what: Option<AlertsCommand>,
}

impl AlertsArgs {
    /// Whether this reads the alert history in the database (not the live sources).
    pub fn reads_history(&self) -> bool {
        matches!(self.what, Some(AlertsCommand::Quality(_)))
    }
}

#[derive(Debug, clap::Subcommand)]
enum AlertsCommand {
    /// Which alert rules are noise, flapping, or missing a runbook, owner, severity or
    /// service, from Prometheus' ALERTS history or sitrep's own (as the review's section)
    Quality(QualityArgs),
}

#[derive(Debug, Args)]
struct QualityArgs {
    /// The period ending now, e.g. 7d, 14d, 24h
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    since: String,
}

fn quality(ctx: &Context, args: &QualityArgs) -> Result<String, CliError> {
    let span = crate::domain::parse::parse_duration(&args.since)?;
    if span <= chrono::Duration::zero() {
        return Err(DomainError::Invalid("--since must be a positive duration".into()).into());
    }
    let from = ctx.now.checked_sub_signed(span).ok_or_else(|| {
        DomainError::Invalid(
            "--since reaches before any date sitrep can show; use at most 100 years".into(),
        )
    })?;
    let mut store = ctx.open_store_for_reading()?;
    let (incidents, _) = store.review_data()?;
    let windows = vec![crate::domain::alert_quality::Window { from, to: ctx.now }];
    let review = crate::services::alert_review::alert_review(
        &ctx.config,
        &mut store,
        &incidents,
        &windows,
        ctx.now,
    )?;
    if ctx.json {
        return ctx.json(&review);
    }
    let h = &review.history;
    let mut out = format!(
        "{} history ({}), {} of {} minutes covered ({:.0}%)\n",
        if h.used == "prometheus" {
            "Prometheus ALERTS"
        } else {
            "sitrep's own"
        },
        if h.sources.is_empty() {
            "no source".to_string()
        } else {
            h.sources.join(", ")
        },
        h.covered_minutes,
        h.period_minutes,
        h.coverage * 100.0
    );
    for note in &h.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    let r = &review.report;
    if r.rules.is_empty() {
        out.push_str("no alert fired in the period\n");
    } else {
        let rows: Vec<Vec<String>> = r
            .rules
            .iter()
            .map(|q| {
                vec![
                    q.name.clone(),
                    q.service.clone().unwrap_or_else(|| "-".into()),
                    q.tally.firings.to_string(),
                    q.tally.minutes.to_string(),
                    q.tally.out_of_hours.to_string(),
                    q.tally.sleep_hours.to_string(),
                    q.actionable_rate
                        .map_or("-".into(), |a| format!("{:.0}%", a * 100.0)),
                    if q.flags.is_empty() {
                        "-".into()
                    } else {
                        q.flags
                            .iter()
                            .map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ]
            })
            .collect();
        out.push_str(&crate::format::table(
            &[
                "ALERT",
                "SERVICE",
                "FIRINGS",
                "MINUTES",
                "OUT OF HOURS",
                "SLEEP",
                "ACTIONABLE",
                "FLAGS",
            ],
            &rows,
        ));
        if r.more > 0 {
            out.push_str(&format!("and {} more alert rule(s) that fired\n", r.more));
        }
        for q in r.rules.iter().filter(|q| !q.flags.is_empty()) {
            out.push_str(&format!("{}: {}\n", q.name, q.steps.join("; ")));
        }
    }
    if !r.rules_to_fix.is_empty() {
        out.push_str("rules to fix (did not fire):\n");
        for q in &r.rules_to_fix {
            out.push_str(&format!(
                "  {} ({}): {}\n",
                q.name,
                q.flags
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                q.steps.join("; ")
            ));
        }
    }
    Ok(out)
}

/// Reads `chosen` sources concurrently; results in the same order.
pub(super) fn read_all(
    ctx: &Context,
    chosen: &[Source],
) -> Result<Vec<Result<Snapshot, SourceError>>, CliError> {
    let labels = ctx.config.labels.clone();
    let results =
        sources::block_on(async {
            let handles: Vec<_> = chosen
                .iter()
                .cloned()
                .map(|source| {
                    let labels = labels.clone();
                    tokio::spawn(async move { sources::fetch(&source, &labels).await })
                })
                .collect();
            let mut out = Vec::with_capacity(handles.len());
            for handle in handles {
                out.push(handle.await.unwrap_or_else(|e| {
                    Err(SourceError::Transport(format!("reader failed: {e}")))
                }));
            }
            out
        })
        .map_err(CliError::Output)?;
    for (source, result) in chosen.iter().zip(&results) {
        match result {
            Ok(s) => {
                tracing::debug!(source = %source.name, alerts = s.alerts.len(), ms = s.latency_ms, "read")
            }
            Err(e) => tracing::warn!(source = %source.name, "source failing: {e}"),
        }
    }
    Ok(results)
}

/// The demo feed's snapshot when it is in use (asked for, or nothing configured).
fn demo_snapshot(ctx: &Context) -> Result<Option<Snapshot>, CliError> {
    let crate::config::Feed::Demo { implicit } = ctx.feed else {
        return Ok(None);
    };
    if implicit {
        eprintln!(
            "note: no alert source configured; showing the built-in DEMO feed (add [[sources]] to the config, or pass --alertmanager URL)"
        );
    }
    let now = Utc::now();
    let feed = DemoFeed::shared(ctx.demo_seed, now, ctx.demo_at).map_err(CliError::Output)?;
    Ok(Some(feed.snapshot(now, &ctx.config.labels)))
}

/// The sources to read (all, or the one named), with their config warnings printed.
fn configured(ctx: &Context, only: Option<&str>) -> Result<Vec<Source>, CliError> {
    let chosen = choose(ctx, only)?;
    for source in &chosen {
        for warning in &source.warnings {
            eprintln!("warning: {warning}");
        }
    }
    Ok(chosen)
}

fn choose(ctx: &Context, only: Option<&str>) -> Result<Vec<Source>, CliError> {
    let all = &ctx.config.sources;
    match only {
        None => Ok(all.clone()),
        Some(name) => {
            let chosen: Vec<Source> = all.iter().filter(|s| s.name == name).cloned().collect();
            if chosen.is_empty() {
                let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                return Err(DomainError::Invalid(format!(
                    "no source '{}' (configured: {})",
                    crate::domain::text::sanitize_line(name),
                    names.join(", ")
                ))
                .into());
            }
            Ok(chosen)
        }
    }
}

/// Warns on stderr, one line per failing source (and per partial failure); fails
/// only when every source failed.
fn report_failures(
    chosen: &[Source],
    results: &[(String, Result<Snapshot, SourceError>)],
) -> Result<(), CliError> {
    for ((name, result), source) in results.iter().zip(chosen) {
        match result {
            Err(e) => eprintln!(
                "warning: source '{name}' ({}): {e}",
                shown_urls(source).join(", ")
            ),
            Ok(s) => {
                if s.skipped > 0 {
                    eprintln!(
                        "warning: source '{name}': {} malformed alert(s) left out",
                        s.skipped
                    );
                }
                for member in &s.member_errors {
                    eprintln!("warning: source '{name}': member {member}");
                }
            }
        }
    }
    if results.iter().all(|(_, r)| r.is_err()) {
        return Err(CliError::AllSourcesFailed(format!(
            "every alert source failed ({})",
            results.len()
        )));
    }
    Ok(())
}

/// The alerts the sources (all, or the one named; the demo feed when it plays)
/// report now, one per fingerprint; failing sources are warned about on stderr, and
/// it fails only when every source failed.
pub(super) fn live(
    ctx: &Context,
    only: Option<&str>,
) -> Result<Vec<std::sync::Arc<Alert>>, CliError> {
    let results: Vec<(String, Result<Snapshot, SourceError>)> = match demo_snapshot(ctx)? {
        Some(demo) => vec![(demo.source.clone(), Ok(demo))],
        None => {
            let chosen = configured(ctx, only)?;
            let results: Vec<_> = chosen
                .iter()
                .map(|s| s.name.clone())
                .zip(read_all(ctx, &chosen)?)
                .collect();
            report_failures(&chosen, &results)?;
            results
        }
    };
    Ok(crate::domain::alert::one_per_fingerprint(
        results
            .into_iter()
            .filter_map(|(_, r)| r.ok())
            .flat_map(|s| s.alerts),
    ))
}

pub fn alerts(ctx: &Context, args: AlertsArgs) -> Result<String, CliError> {
    if let Some(AlertsCommand::Quality(q)) = &args.what {
        return quality(ctx, q);
    }
    let mut alerts = live(ctx, args.source.as_deref())?;
    alerts.retain(|a| args.severity.is_none() || a.severity == args.severity);
    // Sorted as pointers: moving whole alerts costs more than comparing them.
    alerts.sort_by(|a, b| crate::domain::alert::display_order(a, b));
    let alerts: Vec<&Alert> = alerts.iter().map(|a| &**a).collect();
    if ctx.json {
        return ctx.json_list(&alerts);
    }
    if alerts.is_empty() {
        return Ok("no alerts\n".into());
    }
    let now = Utc::now();
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .map(|a| {
            let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            let mut row = vec![
                a.severity.map_or("-".to_string(), |s| s.to_string()),
                a.state.to_string(),
                a.name.clone(),
                dash(&a.service),
                dash(&a.region),
                dash(&a.slo),
                a.starts_at.map_or("-".into(), |t| format_duration(now - t)),
                a.source.clone(),
                dash(&a.summary),
            ];
            if args.wide {
                row.insert(0, a.fingerprint.clone());
            }
            row
        })
        .collect();
    let mut header = vec![
        "SEV", "STATE", "ALERT", "SERVICE", "REGION", "SLO", "AGE", "SOURCE", "SUMMARY",
    ];
    if args.wide {
        header.insert(0, "FINGERPRINT");
    }
    Ok(crate::format::table(&header, &rows))
}

pub fn sources(ctx: &Context) -> Result<String, CliError> {
    if let Some(demo) = demo_snapshot(ctx)? {
        if ctx.json {
            return ctx.json(&[json!({"name": demo.source, "kind": "demo", "status": "ok", "alerts": demo.alerts.len()})]);
        }
        return Ok(crate::format::table(
            &["NAME", "KIND", "URLS", "STATUS", "DETAIL"],
            &[vec![
                demo.source,
                "demo".into(),
                "-".into(),
                "ok".into(),
                format!("{} alerts (simulated)", demo.alerts.len()),
            ]],
        ));
    }
    let chosen = configured(ctx, None)?;
    let results: Vec<(String, Result<Snapshot, SourceError>)> = chosen
        .iter()
        .map(|s| s.name.clone())
        .zip(read_all(ctx, &chosen)?)
        .collect();
    let rows: Vec<(Source, &Result<Snapshot, SourceError>)> = chosen
        .into_iter()
        .zip(results.iter().map(|(_, r)| r))
        .collect();
    let output = if ctx.json {
        let items: Vec<_> = rows
            .iter()
            .map(|(source, result)| match result {
                Ok(s) => json!({
                    "name": source.name, "kind": source.kind, "urls": shown_urls(source), "status": "ok",
                    "alerts": s.alerts.len(), "skipped": s.skipped, "member_errors": s.member_errors,
                    "latency_ms": s.latency_ms,
                }),
                Err(e) => json!({
                    "name": source.name, "kind": source.kind, "urls": shown_urls(source), "status": "failing",
                    "error": e.to_string(),
                }),
            })
            .collect();
        ctx.json(&items)?
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|(source, result)| {
                let (status, detail) = match result {
                    Ok(s) if s.member_errors.is_empty() => (
                        "ok".to_string(),
                        format!("{} alerts in {} ms", s.alerts.len(), s.latency_ms),
                    ),
                    Ok(s) => (
                        "degraded".to_string(),
                        format!("{} alerts; {}", s.alerts.len(), s.member_errors.join("; ")),
                    ),
                    Err(e) => ("FAILING".to_string(), e.to_string()),
                };
                vec![
                    source.name.clone(),
                    source.kind.to_string(),
                    shown_urls(source).join(","),
                    status,
                    detail,
                ]
            })
            .collect();
        crate::format::table(&["NAME", "KIND", "URLS", "STATUS", "DETAIL"], &table)
    };
    if results.iter().all(|(_, r)| r.is_err()) {
        // The table says why; the exit code says it for scripts. A closed pipe is fine.
        let mut stdout = std::io::stdout().lock();
        let _ = std::io::Write::write_all(&mut stdout, output.as_bytes());
        return Err(CliError::AllSourcesFailed(format!(
            "every alert source failed ({})",
            results.len()
        )));
    }
    Ok(output)
}

/// A source's URLs as they may be shown: without credentials.
fn shown_urls(source: &Source) -> Vec<String> {
    source
        .urls
        .iter()
        .map(|u| crate::sources::shown_url(u))
        .collect()
}
