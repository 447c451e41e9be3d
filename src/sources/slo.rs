//! SLO error ratios from Prometheus' query API (`GET /api/v1/query`): one instant
//! query per window, each answering a vector by region. The default query fits
//! Sloth's recording rules (`slo:sli_error:ratio_rate<window>`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{http, Source, SourceError};
use crate::domain::slo::{status, Objective, Ratio, SloStatus, WINDOWS};

/// An SLO as configured: what to measure and how to query it.
#[derive(Debug, Clone, PartialEq)]
pub struct SloQuery {
    pub objective: Objective,
    /// PromQL yielding the error ratio by region; `{{window}}` becomes each window.
    pub query: String,
    /// PromQL for the error ratio over a whole review period (`{{window}}` is the
    /// period); recording rules exist only for fixed windows, so for Sloth this
    /// averages the 5m rule over the period.
    pub period_query: String,
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

/// The period query for Sloth's rules: the 5m error ratio averaged over the period.
pub fn sloth_period_query(service: &str, slo: &str) -> String {
    format!(
        "avg_over_time(slo:sli_error:ratio_rate5m{{sloth_service=\"{}\",sloth_slo=\"{}\"}}[{{{{window}}}}])",
        service.replace('"', "\\\""),
        slo.replace('"', "\\\"")
    )
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
struct Answer {
    status: String,
    #[serde(default)]
    error: Option<String>,
    data: Option<Data>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: Vec<Sample>,
}

#[derive(Debug, Deserialize)]
struct Sample {
    metric: BTreeMap<String, String>,
    value: (f64, String),
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
    let answer: Answer =
        serde_json::from_slice(body).map_err(|e| SourceError::Json(e.to_string()))?;
    if answer.status != "success" {
        return Err(SourceError::Shape(format!(
            "query failed: {}",
            answer.error.unwrap_or_else(|| "no message".into())
        )));
    }
    let data = answer
        .data
        .ok_or_else(|| SourceError::Shape("answer without data".into()))?;
    if data.result_type != "vector" {
        return Err(SourceError::Shape(format!(
            "the query must give an instant vector, got a {}",
            data.result_type
        )));
    }
    let mut out = BTreeMap::new();
    for sample in data.result {
        let region = sample
            .metric
            .get(region_label)
            .cloned()
            .unwrap_or_else(|| "(all)".to_string());
        out.insert(
            crate::domain::text::sanitize_line(&region),
            sample_value(&sample.value.1)?,
        );
    }
    Ok(out)
}

/// The error ratio of `slo` by region over the period `window` ending at `at`, from
/// its period query.
pub async fn fetch_window(
    source: &Source,
    slo: &SloQuery,
    window: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<BTreeMap<String, f64>, SourceError> {
    fetch_window_raw(source, slo, window, at)
        .await
        .map_err(SourceError::cleaned)
}

async fn fetch_window_raw(
    source: &Source,
    slo: &SloQuery,
    window: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<BTreeMap<String, f64>, SourceError> {
    let client = http::client(&source.http)?;
    let base = source
        .urls
        .first()
        .ok_or_else(|| SourceError::Config(format!("source '{}' has no URL", source.name)))?;
    let mut url = super::api_url(base, &["api", "v1", "query"])?;
    url.query_pairs_mut()
        .append_pair("query", &slo.period_query.replace("{{window}}", window))
        // Milliseconds matter: a whole-second time can fall just before the newest
        // sample and leave a fresh series with too few samples for rate().
        .append_pair(
            "time",
            &format!("{:.3}", at.timestamp_millis() as f64 / 1000.0),
        );
    let body = http::get(&client, url.as_str(), &source.http).await?;
    parse_vector(&body, &slo.region_label)
}

/// Fetches every window of `slo` from `source` and derives its status per region.
/// No series at all is an error that says so; a region missing in one window is
/// "no data" for that window.
pub async fn fetch(source: &Source, slo: &SloQuery) -> Result<Vec<SloStatus>, SourceError> {
    fetch_raw(source, slo).await.map_err(SourceError::cleaned)
}

async fn fetch_raw(source: &Source, slo: &SloQuery) -> Result<Vec<SloStatus>, SourceError> {
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
    fn the_sloth_period_query_averages_the_5m_rule() {
        assert_eq!(
            sloth_period_query("room", "s"),
            "avg_over_time(slo:sli_error:ratio_rate5m{sloth_service=\"room\",sloth_slo=\"s\"}[{{window}}])"
        );
    }

    #[test]
    fn the_sloth_query_names_the_recording_rule_and_labels() {
        assert_eq!(
            sloth_query("room", "stream-start"),
            "slo:sli_error:ratio_rate{{window}}{sloth_service=\"room\",sloth_slo=\"stream-start\"}"
        );
    }
}
