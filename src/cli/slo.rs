//! `slo`: burn rates and error budget left for every configured SLO and region.

use chrono::Utc;
use serde_json::json;

use super::{CliError, Context};
use crate::config::Feed;
use crate::domain::slo::SloStatus;
use crate::domain::DomainError;
use crate::sources::demo::DemoFeed;
use crate::sources::slo::{fetch, source_for};
use crate::sources::SourceError;

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{:.1}%", v * 100.0))
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1}x"))
}

pub fn slo(ctx: &Context) -> Result<String, CliError> {
    let results: Vec<(String, Result<Vec<SloStatus>, SourceError>)> = if let Feed::Demo {
        implicit,
    } = ctx.feed
    {
        if implicit {
            eprintln!("note: no SLO configured; showing the built-in DEMO feed's simulated SLOs");
        }
        let now = Utc::now();
        let feed = DemoFeed::shared(ctx.demo_seed, now, ctx.demo_at).map_err(CliError::Output)?;
        vec![(
            "DEMO".into(),
            Ok(feed.slo_statuses(now, &ctx.config.labels)),
        )]
    } else if ctx.config.slos.is_empty() {
        return Err(DomainError::Invalid(
            "no SLO configured: add [[slos]] to the config (see 'sitrep config init')".into(),
        )
        .into());
    } else {
        crate::sources::block_on(async {
            let mut out = Vec::new();
            for slo in &ctx.config.slos {
                let result = match source_for(&ctx.config.sources, slo) {
                    Ok(source) => fetch(source, slo).await,
                    Err(e) => Err(e),
                };
                out.push((slo.objective.name.clone(), result));
            }
            out
        })
        .map_err(CliError::Output)?
    };
    for (name, result) in &results {
        match result {
            Err(e) => {
                tracing::warn!(slo = %name, "SLO failing: {e}");
                eprintln!("warning: slo '{name}': {e}");
            }
            Ok(statuses) => {
                for s in statuses.iter().filter(|s| !s.problems.is_empty()) {
                    eprintln!(
                        "warning: slo '{name}' in {}: {}",
                        s.region,
                        s.problems.join("; ")
                    );
                }
            }
        }
    }
    let failed_all = results.iter().all(|(_, r)| r.is_err());
    // The policy's verdict per row; open P1s from the log when it can be read.
    let open_p1s: Vec<crate::domain::Incident> = match ctx.feed {
        Feed::Live => match ctx
            .open_store_for_reading()
            .and_then(|mut s| s.list_incidents(true).map_err(CliError::from))
        {
            Ok(list) => list
                .into_iter()
                .filter(|i| i.severity == crate::domain::Severity::P1 && !i.drill)
                .collect(),
            Err(e) => {
                eprintln!("warning: open P1s not known (the log cannot be read: {e}); verdicts leave the open-p1 rule out");
                Vec::new()
            }
        },
        _ => Vec::new(),
    };
    let verdict_of = |s: &SloStatus| {
        let ids: Vec<i64> = open_p1s
            .iter()
            .filter(|i| i.services.contains(&s.service))
            .map(|i| i.id.0)
            .collect();
        crate::domain::gate::verdict(s, ctx.config.policy.for_slo(&s.slo), &ids)
    };
    let statuses: Vec<&SloStatus> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .collect();
    let output = if ctx.json {
        let errors: Vec<_> = results
            .iter()
            .filter_map(|(name, r)| {
                r.as_ref()
                    .err()
                    .map(|e| json!({"slo": name, "error": e.to_string()}))
            })
            .collect();
        let verdicts: Vec<_> = statuses.iter().map(|s| verdict_of(s)).collect();
        ctx.json(&json!({ "slos": statuses, "verdicts": verdicts, "errors": errors }))?
    } else {
        let rows: Vec<Vec<String>> = statuses
            .iter()
            .map(|s| {
                vec![
                    s.slo.clone(),
                    s.service.clone(),
                    s.region.clone(),
                    format!("{}%", s.objective),
                    rate(s.burn_1h),
                    rate(s.burn_6h),
                    percent(s.budget_remaining),
                    s.crossed.map_or("—", |t| t.name).to_string(),
                    verdict_of(s).short(),
                ]
            })
            .collect();
        crate::format::table(
            &[
                "SLO",
                "SERVICE",
                "REGION",
                "OBJECTIVE",
                "BURN 1H",
                "BURN 6H",
                "BUDGET LEFT",
                "ALERTING",
                "VERDICT",
            ],
            &rows,
        )
    };
    if failed_all {
        let mut stdout = std::io::stdout().lock();
        let _ = std::io::Write::write_all(&mut stdout, output.as_bytes());
        return Err(CliError::AllSourcesFailed(format!(
            "every SLO failed ({})",
            results.len()
        )));
    }
    Ok(output)
}
