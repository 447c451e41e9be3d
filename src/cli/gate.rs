//! `gate`: whether a release may ship by the error-budget policy, for deploy
//! pipelines. Exit 0 ship, 1 hold (a line per reason), 6 when a figure the policy
//! needs cannot be read (hold: fail closed; `--fail-open` ships, and says so).

use std::io::Write as _;

use clap::Args;
use serde::Serialize;

use super::{exit, CliError, Context};
use crate::domain::gate::{verdict, Rule, Verdict};
use crate::domain::text::sanitize_line;
use crate::domain::{DomainError, Severity};
use crate::sources::slo::{fetch, source_for};

#[derive(Debug, Args)]
pub struct GateArgs {
    /// Only the SLOs of this service (the one being deployed)
    #[arg(long, value_name = "SERVICE")]
    service: Option<String>,
    /// Only this SLO (an [[slos]] name)
    #[arg(long, value_name = "NAME")]
    slo: Option<String>,
    /// Only this region
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Ship when a figure cannot be read (the default holds: fail closed)
    #[arg(long)]
    fail_open: bool,
}

#[derive(Serialize)]
struct Unread {
    slo: String,
    error: String,
}

#[derive(Serialize)]
struct GateDoc {
    /// "ship" or "hold": what the pipeline should do.
    verdict: &'static str,
    /// Some figure could not be read.
    unknown: bool,
    fail_open: bool,
    slos: Vec<Verdict>,
    errors: Vec<Unread>,
}

pub fn gate(ctx: &Context, args: GateArgs) -> Result<String, CliError> {
    let config = &ctx.config;
    if config.slos.is_empty() {
        return Err(DomainError::Invalid(
            "no SLO configured: add [[slos]] to the config; the gate has nothing to decide by"
                .into(),
        )
        .into());
    }
    let chosen: Vec<&crate::sources::slo::SloQuery> = config
        .slos
        .iter()
        .filter(|s| args.slo.as_ref().is_none_or(|n| &s.objective.name == n))
        .filter(|s| {
            args.service
                .as_ref()
                .is_none_or(|n| &s.objective.service == n)
        })
        .collect();
    if chosen.is_empty() {
        let names: Vec<String> = config
            .slos
            .iter()
            .map(|s| format!("{} ({})", s.objective.name, s.objective.service))
            .collect();
        return Err(CliError::NotFound(format!(
            "no SLO matches{}{} (SLOs: {})",
            args.slo
                .as_ref()
                .map(|n| format!(" --slo {}", sanitize_line(n)))
                .unwrap_or_default(),
            args.service
                .as_ref()
                .map(|n| format!(" --service {}", sanitize_line(n)))
                .unwrap_or_default(),
            names.join(", ")
        )));
    }
    // Open P1s, when a policy in force asks about them.
    let wants_p1 = chosen.iter().any(|s| {
        config
            .policy
            .for_slo(&s.objective.name)
            .hold_on
            .contains(&Rule::OpenP1)
    });
    let open_p1s: Result<Vec<crate::domain::Incident>, String> = if wants_p1 {
        ctx.open_store_for_reading()
            .map_err(|e| e.to_string())
            .and_then(|mut store| store.list_incidents(true).map_err(|e| e.to_string()))
            .map(|all| {
                all.into_iter()
                    .filter(|i| i.severity == Severity::P1 && !i.drill && i.status.is_open())
                    .collect()
            })
    } else {
        Ok(Vec::new())
    };
    let fetched = crate::sources::block_on(async {
        let mut out = Vec::new();
        for slo in &chosen {
            let result = match source_for(&config.sources, slo) {
                Ok(source) => fetch(source, slo).await,
                Err(e) => Err(e),
            };
            out.push((*slo, result));
        }
        out
    })
    .map_err(CliError::Output)?;
    let mut verdicts = Vec::new();
    let mut errors = Vec::new();
    for (slo, result) in fetched {
        let name = &slo.objective.name;
        let policy = config.policy.for_slo(name);
        match result {
            Err(e) => errors.push(Unread {
                slo: name.clone(),
                error: e.to_string(),
            }),
            Ok(statuses) => {
                let mut seen = false;
                for status in statuses
                    .iter()
                    .filter(|s| args.region.as_ref().is_none_or(|r| &s.region == r))
                {
                    seen = true;
                    let (ids, p1_unknown) = match &open_p1s {
                        Ok(list) => (
                            list.iter()
                                .filter(|i| {
                                    i.affected_services(&[]).contains(&slo.objective.service)
                                })
                                .map(|i| i.id.0)
                                .collect::<Vec<_>>(),
                            None,
                        ),
                        Err(why) => (Vec::new(), Some(why.clone())),
                    };
                    let mut v = verdict(status, policy, &ids);
                    if let (Some(why), true) = (p1_unknown, policy.hold_on.contains(&Rule::OpenP1))
                    {
                        v.unknown
                            .push(format!("open P1s unknown (the log cannot be read: {why})"));
                        if v.verdict == "ship" {
                            v.verdict = "unknown";
                        }
                    }
                    verdicts.push(v);
                }
                if !seen {
                    errors.push(Unread {
                        slo: name.clone(),
                        error: match &args.region {
                            Some(r) => format!("no data for region '{}'", sanitize_line(r)),
                            None => "no region answered".into(),
                        },
                    });
                }
            }
        }
    }
    let holds = verdicts.iter().any(Verdict::holds);
    let unknown = !errors.is_empty() || verdicts.iter().any(|v| v.verdict == "unknown");
    let ship = !holds && (!unknown || args.fail_open);
    let code = if holds {
        exit::FAILURE
    } else if unknown && !args.fail_open {
        exit::SOURCES
    } else {
        exit::OK
    };
    let text = if ctx.json {
        ctx.json(&GateDoc {
            verdict: if ship { "ship" } else { "hold" },
            unknown,
            fail_open: args.fail_open,
            slos: verdicts,
            errors,
        })?
    } else {
        let mut out = String::new();
        for v in &verdicts {
            let figures = format!(
                "budget left {}, burn 1h {}",
                v.budget_remaining
                    .map_or("—".into(), crate::domain::gate::percent),
                v.burn_1h.map_or("—".into(), |b| format!("{b:.1}x"))
            );
            match v.verdict {
                "hold" => {
                    for r in &v.reasons {
                        out.push_str(&format!(
                            "HOLD  {} in {}: {}: {} ({figures})\n",
                            v.slo, v.region, r.rule, r.figure
                        ));
                    }
                }
                "unknown" => out.push_str(&format!(
                    "UNKNOWN  {} in {}: {}\n",
                    v.slo,
                    v.region,
                    v.unknown.join("; ")
                )),
                _ => out.push_str(&format!("ship  {} in {} ({figures})\n", v.slo, v.region)),
            }
        }
        for e in &errors {
            out.push_str(&format!("UNKNOWN  {}: cannot read: {}\n", e.slo, e.error));
        }
        out.push_str(&match (holds, unknown, args.fail_open) {
            (true, _, _) => "verdict: HOLD\n".to_string(),
            (false, true, false) => {
                "verdict: HOLD (a figure could not be read: the gate fails closed; --fail-open ships anyway)\n".to_string()
            }
            (false, true, true) => "verdict: ship (--fail-open: a figure could not be read)\n".to_string(),
            (false, false, _) => "verdict: ship\n".to_string(),
        });
        out
    };
    if code == exit::OK {
        return Ok(text);
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    Err(CliError::CommandExit(code))
}
