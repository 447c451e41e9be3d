//! SLO error ratios from Prometheus' query API (`GET /api/v1/query`): one instant
//! query per window, each answering a vector by region. The default query fits
//! Sloth's recording rules (`slo:sli_error:ratio_rate<window>`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{http, Source, SourceError};
use crate::domain::alert::LinkedAlert;
use crate::domain::parse::parse_duration;
use crate::domain::slo::{
    budget_burned, status, BudgetBurn, IncidentBudget, Objective, PeriodData, Ratio, SloStatus,
    WINDOWS,
};
use crate::domain::{Incident, Status};

/// An SLO as configured: what to measure and how to query it.
#[derive(Debug, Clone, PartialEq)]
pub struct SloQuery {
    pub objective: Objective,
    /// PromQL yielding the error ratio by region; `{{window}}` becomes each window.
    pub query: String,
    /// PromQL for the error ratio over a whole review period (`{{window}}` is the
    /// period), when the config gives one. Without it the review reads the 5m
    /// window of `query` minute by minute over the period: the mean over minutes
    /// with traffic, how many minutes the data covers, and how many had none.
    pub period_query: Option<String>,
    pub region_label: String,
    /// The name of the Prometheus source to ask.
    pub source: String,
}

/// The Prometheus source an SLO reads from: the one it names, else the first.
pub fn source_for<'a>(sources: &'a [Source], slo: &SloQuery) -> Result<&'a Source, SourceError> {
    let mut prometheus = sources
        .iter()
        .filter(|s| s.kind == super::SourceKind::Prometheus);
    let found = if slo.source.is_empty() {
        prometheus.next()
    } else {
        prometheus.find(|s| s.name == slo.source)
    };
    found.ok_or_else(|| {
        SourceError::Config(if slo.source.is_empty() {
            "no Prometheus source to read SLOs from: add one to [[sources]] or pass --prometheus URL".into()
        } else {
            format!("no Prometheus source named '{}'", slo.source)
        })
    })
}

/// Reads every SLO once: statuses of those that answered, and the others' errors.
pub async fn fetch_all(
    sources: &[Source],
    slos: &[SloQuery],
) -> (Vec<SloStatus>, Vec<(String, String)>) {
    let mut statuses = Vec::new();
    let mut errors = Vec::new();
    for slo in slos {
        let result = match source_for(sources, slo) {
            Ok(source) => fetch(source, slo).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(found) => statuses.extend(found),
            Err(e) => errors.push((slo.objective.name.clone(), e.to_string())),
        }
    }
    (statuses, errors)
}

/// Budget burned by region, and the SLOs that could not be read: `(slo, reason)`.
pub type Burns = (Vec<BudgetBurn>, Vec<(String, String)>);

/// Error budget burned in `[from, to)` by each of `slos`, region by region, from
/// Prometheus (the review's and the postmortem's figures); and the SLOs that could not
/// be read, with the reason.
pub async fn burns_between(
    sources: &[Source],
    slos: &[&SloQuery],
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Burns {
    let period = (to - from).num_seconds().max(1);
    let mut burns = Vec::new();
    let mut errors = Vec::new();
    for slo in slos {
        let window_secs =
            parse_duration(&slo.objective.window).map_or(0.0, |d| d.num_seconds() as f64);
        let answer = match source_for(sources, slo) {
            Ok(source) => fetch_period(source, slo, period, to).await,
            Err(e) => Err(e),
        };
        match answer {
            Ok(by_region) if by_region.is_empty() => errors.push((
                slo.objective.name.clone(),
                "no data in the period: Prometheus holds no sample of this SLO's series".into(),
            )),
            Ok(by_region) => burns.extend(by_region.iter().map(|(region, data)| {
                budget_burned(&slo.objective, region, *data, period as f64, window_secs)
            })),
            Err(e) => {
                tracing::warn!(slo = %slo.objective.name, "SLO period read failed: {e}");
                errors.push((slo.objective.name.clone(), e.to_string()));
            }
        }
    }
    (burns, errors)
}

/// [`burns_between`] from blocking code (the CLI, the TUI's export thread).
pub fn burns_between_blocking(
    sources: &[Source],
    slos: &[&SloQuery],
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Burns, String> {
    super::block_on(burns_between(sources, slos, from, to))
}

/// The error budget `incident` burned from its trigger to its resolution (or `now`),
/// by the configured SLOs of its services, region by region; `None` when no SLO is
/// configured at all.
pub fn incident_budget_blocking(
    sources: &[Source],
    slos: &[SloQuery],
    incident: &Incident,
    alerts: &[LinkedAlert],
    now: chrono::DateTime<chrono::Utc>,
) -> Option<IncidentBudget> {
    if slos.is_empty() {
        return None;
    }
    let services = incident.affected_services(alerts);
    let mine: Vec<&SloQuery> = slos
        .iter()
        .filter(|s| services.contains(&s.objective.service))
        .collect();
    if mine.is_empty() {
        return Some(IncidentBudget::no_matching_slo(incident.id.0, &services));
    }
    let end = match incident.resolved_at {
        Some(at) if incident.status == Status::Resolved => at,
        _ => now,
    };
    let mut budget = match burns_between_blocking(sources, &mine, incident.trigger_time, end) {
        Ok((burns, errors)) => IncidentBudget::of_incident(&incident.regions, burns, errors),
        Err(e) => IncidentBudget::of_incident(
            &incident.regions,
            Vec::new(),
            mine.iter()
                .map(|s| (s.objective.name.clone(), e.clone()))
                .collect(),
        ),
    };
    // The 5m burn over the incident, at most 60 points a chart, whole minutes apart.
    let span = (end - incident.trigger_time).num_seconds().max(60);
    let step = ((span / 60 + 59) / 60 * 60).max(60);
    let histories = super::block_on(async {
        let mut out = Vec::new();
        for slo in &mine {
            if let Ok(source) = source_for(sources, slo) {
                if let Ok(found) =
                    burn_history(source, slo, "5m", incident.trigger_time, end, step).await
                {
                    out.extend(found);
                }
            }
        }
        out
    })
    .unwrap_or_default();
    budget.charts = histories
        .iter()
        .filter(|h| incident.regions.is_empty() || incident.regions.contains(&h.region))
        .map(crate::domain::slo::BurnChart::of)
        .collect();
    Some(budget)
}

/// The query Sloth's recording rules answer for `service`/`slo`.
pub fn sloth_query(service: &str, slo: &str) -> String {
    format!(
        "slo:sli_error:ratio_rate{{{{window}}}}{{sloth_service=\"{}\",sloth_slo=\"{}\"}}",
        service.replace('"', "\\\""),
        slo.replace('"', "\\\"")
    )
}

#[derive(Debug, Deserialize)]
struct Answer<'a> {
    status: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(borrow)]
    data: Option<Data<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data<'a> {
    result_type: String,
    /// Decoded once the type is known to be a vector: a scalar or a matrix has
    /// another shape, and saying "invalid type" about it helps nobody.
    #[serde(borrow)]
    result: &'a serde_json::value::RawValue,
}

#[derive(Debug, Deserialize)]
struct Sample {
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

/// The `data` of a query answer, or Prometheus' own words for why there is none.
fn answer_data(body: &[u8]) -> Result<Data<'_>, SourceError> {
    let answer: Answer =
        serde_json::from_slice(body).map_err(|e| SourceError::Json(e.to_string()))?;
    if answer.status != "success" {
        return Err(SourceError::Shape(format!(
            "query failed: {}",
            answer.error.unwrap_or_else(|| "no message".into())
        )));
    }
    answer
        .data
        .ok_or_else(|| SourceError::Shape("answer without data".into()))
}

/// Parses a sample value as Prometheus writes it: a number, `NaN`, `+Inf`, `-Inf`.
fn sample_value(text: &str) -> Result<f64, SourceError> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        other => other
            .parse()
            .map_err(|_| SourceError::Shape(format!("sample value '{other}' is not a number"))),
    }
}

/// Parses one instant-query answer into error ratios by region. Errors are cleaned:
/// Prometheus' own words (and a sample or result type it sent) are shown, never obeyed.
pub fn parse_vector(body: &[u8], region_label: &str) -> Result<BTreeMap<String, f64>, SourceError> {
    parse_vector_raw(body, region_label).map_err(SourceError::cleaned)
}

fn parse_vector_raw(body: &[u8], region_label: &str) -> Result<BTreeMap<String, f64>, SourceError> {
    let data = answer_data(body)?;
    if data.result_type != "vector" {
        return Err(SourceError::Shape(format!(
            "the query must return an instant vector (one value per region), got a {}{}",
            data.result_type,
            match data.result_type.as_str() {
                "matrix" =>
                    ": drop the [range] after the selector, or wrap it in a *_over_time function",
                "scalar" => ": keep the region label, e.g. sum by (region) (…)",
                _ => "",
            }
        )));
    }
    let samples: Vec<Sample> = serde_json::from_str(data.result.get())
        .map_err(|e| SourceError::Shape(format!("unexpected vector: {e}")))?;
    let mut out = BTreeMap::new();
    for sample in samples {
        let region = sample
            .metric
            .get(region_label)
            .cloned()
            .unwrap_or_else(|| "(all)".to_string());
        let region = crate::domain::text::sanitize_line(&region);
        if out.contains_key(&region) {
            // Per pod or instance: which one would be the region's ratio?
            return Err(SourceError::Shape(format!(
                "several series for region {region}; sum by ({region_label}) in the query"
            )));
        }
        out.insert(region, sample_value(&sample.value.1)?);
    }
    Ok(out)
}

/// The three queries that describe a period from the 5m error ratio `series`,
/// sampled each minute: the mean over minutes with traffic (NaN, no requests,
/// fails `x == x`), the minutes with any sample, and the minutes without traffic.
pub fn period_queries(series: &str, period_secs: i64) -> [String; 3] {
    let range = format!("[{period_secs}s:1m]");
    [
        format!("avg_over_time((({series}) == ({series})){range})"),
        format!("count_over_time(({series}){range})"),
        format!("count_over_time((({series}) != ({series})){range})"),
    ]
}

/// What Prometheus holds about `slo` by region over the `period_secs` ending at `at`.
pub async fn fetch_period(
    source: &Source,
    slo: &SloQuery,
    period_secs: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<BTreeMap<String, PeriodData>, SourceError> {
    fetch_period_raw(source, slo, period_secs, at)
        .await
        .map_err(SourceError::cleaned)
}

async fn fetch_period_raw(
    source: &Source,
    slo: &SloQuery,
    period_secs: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<BTreeMap<String, PeriodData>, SourceError> {
    source.usable()?;
    let client = http::client(&source.http)?;
    let base = source
        .urls
        .first()
        .ok_or_else(|| SourceError::Config(format!("source '{}' has no URL", source.name)))?;
    let query = |promql: String| {
        let client = client.clone();
        async move {
            let mut url = super::api_url(base, &["api", "v1", "query"])?;
            url.query_pairs_mut()
                .append_pair("query", &promql)
                // Milliseconds matter: a whole-second time can fall just before the
                // newest sample and leave a fresh series with too few samples.
                .append_pair(
                    "time",
                    &format!("{:.3}", at.timestamp_millis() as f64 / 1000.0),
                );
            let body = http::get(&client, url.as_str(), &source.http).await?;
            parse_vector(&body, &slo.region_label)
        }
    };
    if let Some(custom) = &slo.period_query {
        let ratios = query(custom.replace("{{window}}", &format!("{period_secs}s"))).await?;
        return Ok(ratios
            .into_iter()
            .map(|(region, v)| {
                let data = PeriodData {
                    ratio: Ratio::from_sample(v),
                    covered_minutes: None,
                    nan_minutes: 0,
                };
                (region, data)
            })
            .collect());
    }
    let series = slo.query.replace("{{window}}", "5m");
    let [mean, covered, idle] = period_queries(&series, period_secs);
    let mean = query(mean).await?;
    let covered = query(covered).await?;
    let idle = query(idle).await?;
    let minutes = |v: Option<&f64>| {
        v.filter(|v| v.is_finite() && **v >= 0.0)
            .map_or(0, |v| *v as u64)
    };
    Ok(covered
        .keys()
        .map(|region| {
            let data = PeriodData {
                ratio: mean
                    .get(region)
                    .map_or(Ratio::NoData, |v| Ratio::from_sample(*v)),
                covered_minutes: Some(minutes(covered.get(region))),
                nan_minutes: minutes(idle.get(region)),
            };
            (region.clone(), data)
        })
        .collect())
}

#[derive(Debug, Deserialize)]
struct Series {
    metric: BTreeMap<String, String>,
    values: Vec<(f64, String)>,
}

/// The burn rate over `window` of `slo` in each region, from `start` to `end` every
/// `step_secs`: one `query_range`.
pub async fn burn_history(
    source: &Source,
    slo: &SloQuery,
    window: &str,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    step_secs: i64,
) -> Result<Vec<crate::domain::slo::BurnHistory>, SourceError> {
    burn_history_raw(source, slo, window, start, end, step_secs.max(1))
        .await
        .map_err(SourceError::cleaned)
}

async fn burn_history_raw(
    source: &Source,
    slo: &SloQuery,
    window: &str,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    step_secs: i64,
) -> Result<Vec<crate::domain::slo::BurnHistory>, SourceError> {
    source.usable()?;
    let client = http::client(&source.http)?;
    let base = source
        .urls
        .first()
        .ok_or_else(|| SourceError::Config(format!("source '{}' has no URL", source.name)))?;
    let mut url = super::api_url(base, &["api", "v1", "query_range"])?;
    let secs =
        |t: chrono::DateTime<chrono::Utc>| format!("{:.3}", t.timestamp_millis() as f64 / 1000.0);
    url.query_pairs_mut()
        .append_pair("query", &slo.query.replace("{{window}}", window))
        .append_pair("start", &secs(start))
        .append_pair("end", &secs(end))
        .append_pair("step", &format!("{step_secs}s"));
    let body = http::get(&client, url.as_str(), &source.http).await?;
    let data = answer_data(&body)?;
    if data.result_type != "matrix" {
        return Err(SourceError::Shape(format!(
            "a range query answered a {}",
            data.result_type
        )));
    }
    let series: Vec<Series> = serde_json::from_str(data.result.get())
        .map_err(|e| SourceError::Shape(format!("unexpected matrix: {e}")))?;
    let budget = slo.objective.budget();
    let slots = ((end - start).num_seconds() / step_secs + 1).clamp(1, 11_000) as usize;
    let start_secs = start.timestamp_millis() as f64 / 1000.0;
    let mut out = Vec::new();
    for s in series {
        let region = crate::domain::text::sanitize_line(
            s.metric
                .get(&slo.region_label)
                .map_or("(all)", String::as_str),
        );
        let mut points = vec![None; slots];
        for (t, v) in &s.values {
            let i = ((t - start_secs) / step_secs as f64).round();
            if i < 0.0 || i as usize >= slots {
                continue;
            }
            points[i as usize] = match Ratio::from_sample(sample_value(v)?) {
                Ratio::Value(r) if budget > 0.0 => Some(r / budget),
                _ => None,
            };
        }
        out.push(crate::domain::slo::BurnHistory {
            slo: slo.objective.name.clone(),
            region,
            window: window.to_string(),
            start,
            step_secs,
            points,
        });
    }
    out.sort_by(|a, b| a.region.cmp(&b.region));
    Ok(out)
}

/// How long releases were on hold by `policy` in `[from, to)`, per region of `slo`:
/// every window's error ratio read as a range (one `query_range` each, a point every
/// `step_secs`), the status and verdict computed at each point as the gate would
/// have then (`open_p1s(t)`: the open P1s on the service at `t`).
pub async fn hold_time(
    source: &Source,
    slo: &SloQuery,
    policy: &crate::domain::gate::Policy,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    step_secs: i64,
    open_p1s: &(dyn Fn(chrono::DateTime<chrono::Utc>) -> Vec<i64> + Sync),
) -> Result<Vec<crate::domain::gate::HoldTime>, SourceError> {
    let budget = slo.objective.budget();
    let mut windows: Vec<&str> = WINDOWS.to_vec();
    windows.push(&slo.objective.window);
    // Burn by window, region and point; back to ratios for `status`.
    let mut by_window: BTreeMap<&str, BTreeMap<String, Vec<Option<f64>>>> = BTreeMap::new();
    // Each point stands for the step before it: the first at `from + step`, the last
    // at `to`.
    let step_secs = step_secs.max(1);
    let first = from + chrono::Duration::seconds(step_secs);
    for w in &windows {
        let histories = burn_history(source, slo, w, first, to, step_secs).await?;
        by_window.insert(
            w,
            histories
                .into_iter()
                .map(|h| (h.region, h.points))
                .collect(),
        );
    }
    let regions: BTreeSet<String> = by_window.values().flat_map(|m| m.keys().cloned()).collect();
    let points = ((to - first).num_seconds() / step_secs + 1).max(0) as usize;
    let mut out = Vec::new();
    for region in regions {
        let (mut held, mut known) = (0i64, 0i64);
        for i in 0..points {
            let at = first + chrono::Duration::seconds(step_secs * i as i64);
            if at > to {
                break;
            }
            let status = status(&slo.objective, &region, |w| {
                by_window
                    .get(w)
                    .and_then(|m| m.get(&region))
                    .and_then(|p| p.get(i).copied().flatten())
                    .map_or(Ratio::NoData, |burn| Ratio::Value(burn * budget))
            });
            let v = crate::domain::gate::verdict(&status, policy, &open_p1s(at));
            if v.verdict != "unknown" {
                known += step_secs;
            }
            if v.holds() {
                held += step_secs;
            }
        }
        out.push(crate::domain::gate::HoldTime {
            slo: slo.objective.name.clone(),
            region,
            held_minutes: held / 60,
            known_minutes: known / 60,
        });
    }
    Ok(out)
}

/// The last 6 hours of every SLO's 1h burn, every 5 minutes (the TUI's sparklines);
/// and the SLOs whose history could not be read.
pub async fn recent_burns(
    sources: &[Source],
    slos: &[SloQuery],
    now: chrono::DateTime<chrono::Utc>,
) -> crate::domain::slo::BurnHistories {
    let mut histories = Vec::new();
    let mut errors = Vec::new();
    for slo in slos {
        let result = match source_for(sources, slo) {
            Ok(source) => {
                burn_history(
                    source,
                    slo,
                    "1h",
                    now - chrono::Duration::hours(6),
                    now,
                    300,
                )
                .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(found) => histories.extend(found),
            Err(e) => errors.push((slo.objective.name.clone(), e.to_string())),
        }
    }
    (histories, errors)
}

/// Fetches every window of `slo` from `source` and derives its status per region.
/// No series at all is an error that says so; a region missing in one window is
/// "no data" for that window.
pub async fn fetch(source: &Source, slo: &SloQuery) -> Result<Vec<SloStatus>, SourceError> {
    fetch_raw(source, slo).await.map_err(SourceError::cleaned)
}

async fn fetch_raw(source: &Source, slo: &SloQuery) -> Result<Vec<SloStatus>, SourceError> {
    source.usable()?;
    let client = http::client(&source.http)?;
    let base = source
        .urls
        .first()
        .ok_or_else(|| SourceError::Config(format!("source '{}' has no URL", source.name)))?;
    let mut windows: Vec<&str> = WINDOWS.to_vec();
    windows.push(&slo.objective.window);
    let mut by_window: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for window in windows {
        let mut url = super::api_url(base, &["api", "v1", "query"])?;
        url.query_pairs_mut()
            .append_pair("query", &slo.query.replace("{{window}}", window));
        let body = http::get(&client, url.as_str(), &source.http).await?;
        by_window.insert(window.to_string(), parse_vector(&body, &slo.region_label)?);
    }
    let regions: BTreeSet<&String> = by_window.values().flat_map(|m| m.keys()).collect();
    if regions.is_empty() {
        return Err(SourceError::Shape(format!(
            "the query returned no series (query: {})",
            slo.query
        )));
    }
    Ok(regions
        .into_iter()
        .map(|region| {
            status(&slo.objective, region, |window| {
                by_window
                    .get(window)
                    .and_then(|m| m.get(region))
                    .map_or(Ratio::NoData, |v| Ratio::from_sample(*v))
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_parse_with_nan_and_infinity() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"region":"eu"},"value":[1.7e9,"0.01"]},
            {"metric":{"region":"us"},"value":[1.7e9,"NaN"]},
            {"metric":{"region":"ap"},"value":[1.7e9,"+Inf"]},
            {"metric":{},"value":[1.7e9,"0"]}]}}"#;
        let m = parse_vector(body, "region").unwrap();
        assert_eq!(m["eu"], 0.01);
        assert!(m["us"].is_nan());
        assert!(m["ap"].is_infinite());
        assert_eq!(m["(all)"], 0.0);
    }

    #[test]
    fn query_errors_and_wrong_types_are_clear() {
        let e = parse_vector(
            br#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#,
            "region",
        )
        .unwrap_err();
        assert!(e.to_string().contains("parse error at char 3"), "{e}");
        let e = parse_vector(
            br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
            "region",
        )
        .unwrap_err();
        assert!(e.to_string().contains("instant vector"), "{e}");
        let e = parse_vector(br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#, "region")
            .unwrap_err();
        assert!(e.to_string().contains("'abc'"), "{e}");
    }

    #[test]
    fn the_period_is_read_minute_by_minute_from_the_5m_ratio() {
        let [mean, covered, idle] = period_queries("x{a=\"b\"}", 604800);
        assert_eq!(
            mean,
            "avg_over_time(((x{a=\"b\"}) == (x{a=\"b\"}))[604800s:1m])"
        );
        assert_eq!(covered, "count_over_time((x{a=\"b\"})[604800s:1m])");
        assert_eq!(
            idle,
            "count_over_time(((x{a=\"b\"}) != (x{a=\"b\"}))[604800s:1m])"
        );
    }

    #[test]
    fn several_series_for_one_region_are_refused_with_the_fix() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"region":"eu","pod":"a"},"value":[1.7e9,"0.01"]},
            {"metric":{"region":"eu","pod":"b"},"value":[1.7e9,"0.5"]}]}}"#;
        let e = parse_vector(body, "region").unwrap_err().to_string();
        assert!(
            e.contains("several series for region eu; sum by (region)"),
            "{e}"
        );
    }

    #[test]
    fn a_scalar_or_a_range_says_the_query_must_return_an_instant_vector() {
        for (kind, result, hint) in [
            ("scalar", r#"[1.7e9,"0.01"]"#, "keep the region label"),
            (
                "matrix",
                r#"[{"metric":{},"values":[[1.7e9,"0.01"]]}]"#,
                "drop the [range]",
            ),
        ] {
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"{kind}","result":{result}}}}}"#
            );
            let e = parse_vector(body.as_bytes(), "region")
                .unwrap_err()
                .to_string();
            assert!(e.contains("must return an instant vector"), "{e}");
            assert!(e.contains(hint), "{e}");
            assert!(
                !e.contains("invalid type") && !e.contains("missing field"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_sloth_query_names_the_recording_rule_and_labels() {
        assert_eq!(
            sloth_query("room", "stream-start"),
            "slo:sli_error:ratio_rate{{window}}{sloth_service=\"room\",sloth_slo=\"stream-start\"}"
        );
    }
}
