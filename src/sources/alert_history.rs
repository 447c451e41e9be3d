//! Prometheus' own alert history: its alerting rules (`/api/v1/rules`), how long it
//! keeps data (`/api/v1/status/runtimeinfo`), and every firing in a span, read from
//! the `ALERTS` series as edges. Prometheus computes where each series starts and
//! stops firing, minute by minute, and answers only those edges, so a week of ten
//! thousand series is a few edges each, not ten thousand series of samples.
//!
//! A series fires at minute `t` when it has a sample in `(t - W, t]`, `W` being the
//! longest rule evaluation interval rounded up to a minute (range selectors, so no
//! lookback: a live Prometheus and a backfilled one read the same).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::{http, Source, SourceError};
use crate::domain::alert_quality::RawRule;
use crate::domain::text::sanitize_line_owned;

/// Steps per range query: a day of minutes. Prometheus refuses more than 11,000
/// points per series; a day also keeps each query to the series active that day.
const MAX_STEPS: i64 = 1_440;
/// A history query reads days of data: it may take longer than a poll of alerts.
const HISTORY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
const FIRING: &str = "ALERTS{alertstate=\"firing\"}";
const EDGE: &str = "sitrep_edge";

#[derive(Debug, Deserialize)]
struct Answer<T> {
    status: String,
    data: Option<T>,
    error: Option<String>,
}

fn data<T>(body: &[u8], what: &str) -> Result<T, SourceError>
where
    T: for<'de> Deserialize<'de>,
{
    let answer: Answer<T> =
        serde_json::from_slice(body).map_err(|e| SourceError::Json(format!("{what}: {e}")))?;
    if answer.status != "success" {
        return Err(SourceError::Shape(format!(
            "{what}: {}",
            answer
                .error
                .unwrap_or_else(|| "status is not success".into())
        )));
    }
    answer
        .data
        .ok_or_else(|| SourceError::Shape(format!("{what}: no data")))
}

#[derive(Debug, Deserialize)]
struct RuleGroups {
    groups: Vec<RuleGroup>,
}

#[derive(Debug, Deserialize)]
struct RuleGroup {
    #[serde(default)]
    name: String,
    #[serde(default)]
    interval: f64,
    #[serde(default)]
    rules: Vec<ApiRule>,
}

#[derive(Debug, Deserialize)]
struct ApiRule {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    duration: f64,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct Vector {
    result: Vec<Series>,
}

#[derive(Debug, Deserialize)]
struct Series {
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

#[derive(Debug, Deserialize)]
struct Runtime {
    #[serde(rename = "storageRetention", default)]
    storage_retention: String,
}

fn clean(map: BTreeMap<String, String>) -> BTreeMap<String, String> {
    map.into_iter()
        .map(|(k, v)| (sanitize_line_owned(k), sanitize_line_owned(v)))
        .collect()
}

/// What a Prometheus source holds about its alerts.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub rules: Vec<RawRule>,
    /// The longest evaluation interval of its groups, in seconds.
    pub longest_interval: f64,
    /// How long it keeps data, when it says.
    pub retention: Option<Duration>,
}

/// One firing read from `ALERTS`: its series' labels, when it started (`None`:
/// already firing at the span's start) and stopped (`None`: still firing at its end).
pub struct Edged {
    pub labels: BTreeMap<String, String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

fn base(source: &Source) -> Result<&str, SourceError> {
    source.usable()?;
    source
        .urls
        .first()
        .map(String::as_str)
        .ok_or_else(|| SourceError::Config(format!("source '{}' has no URL", source.name)))
}

async fn get(
    client: &reqwest::Client,
    source: &Source,
    segments: &[&str],
    params: &[(&str, String)],
) -> Result<Vec<u8>, SourceError> {
    let mut url = super::api_url(base(source)?, segments)?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Ok(http::get(client, url.as_str(), &source.http)
        .await?
        .to_vec())
}

/// Its rules (alerting and recording) and its retention.
pub async fn rules(source: &Source) -> Result<Rules, SourceError> {
    rules_raw(source).await.map_err(SourceError::cleaned)
}

async fn rules_raw(source: &Source) -> Result<Rules, SourceError> {
    let client = http::client(&source.http)?;
    let body = get(&client, source, &["api", "v1", "rules"], &[]).await?;
    let groups: RuleGroups = data(&body, "rules")?;
    let mut out = Rules::default();
    for g in groups.groups {
        out.longest_interval = out.longest_interval.max(g.interval);
        let group = sanitize_line_owned(g.name);
        for r in g.rules {
            out.rules.push(RawRule {
                name: sanitize_line_owned(r.name),
                group: group.clone(),
                alerting: r.kind == "alerting",
                query: r.query,
                for_secs: if r.duration.is_finite() {
                    r.duration
                } else {
                    0.0
                },
                labels: clean(r.labels),
                annotations: clean(r.annotations),
            });
        }
    }
    // Older servers and some proxies do not serve runtime info: the retention is
    // then unknown, nothing else is.
    if let Ok(body) = get(
        &client,
        source,
        &["api", "v1", "status", "runtimeinfo"],
        &[],
    )
    .await
    {
        if let Ok(rt) = data::<Runtime>(&body, "runtimeinfo") {
            let first = rt.storage_retention.split_whitespace().next().unwrap_or("");
            out.retention = crate::domain::parse::parse_duration(first).ok();
        }
    }
    Ok(out)
}

fn seconds(t: DateTime<Utc>) -> String {
    format!("{:.3}", t.timestamp_millis() as f64 / 1000.0)
}

/// Whether `ALERTS` holds any firing sample in `[from, to)`.
pub async fn any_firing(
    source: &Source,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<bool, SourceError> {
    async {
        let client = http::client(&source.http)?;
        let span = (to - from).num_seconds().max(60);
        let body = get(
            &client,
            source,
            &["api", "v1", "query"],
            &[
                (
                    "query",
                    format!("count(count_over_time({FIRING}[{span}s]))"),
                ),
                ("time", seconds(to)),
            ],
        )
        .await?;
        let v: Vector = data(&body, "ALERTS")?;
        Ok(!v.result.is_empty())
    }
    .await
    .map_err(SourceError::cleaned)
}

/// Every firing of `ALERTS` in `[from, to)`, at a resolution of `window_secs`,
/// handed to `each` series by series.
pub async fn firings(
    source: &Source,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    window_secs: i64,
    mut each: impl FnMut(Edged),
) -> Result<(), SourceError> {
    firings_raw(source, from, to, window_secs, &mut each)
        .await
        .map_err(SourceError::cleaned)
}

fn key_of(metric: &BTreeMap<String, String>) -> String {
    let mut k = String::new();
    for (name, value) in metric {
        if name == EDGE || name == "alertstate" || name == "__name__" {
            continue;
        }
        k.push_str(name);
        k.push('\u{1}');
        k.push_str(value);
        k.push('\u{2}');
    }
    k
}

async fn firings_raw(
    source: &Source,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    window_secs: i64,
    each: &mut impl FnMut(Edged),
) -> Result<(), SourceError> {
    let mut source = source.clone();
    source.http.timeout = source.http.timeout.max(HISTORY_TIMEOUT);
    let source = &source;
    let client = http::client(&source.http)?;
    let w = window_secs.max(60);
    // A sample exactly one window back belongs to the step before: the range is a
    // millisecond short (Prometheus 2 includes a range's left edge, 3 does not).
    let range = format!("{}ms", w * 1000 - 1);
    // Steps on whole windows, so that every run reads the same minutes.
    let first = DateTime::from_timestamp(from.timestamp().div_euclid(w) * w, 0).unwrap_or(from);
    let last = to - Duration::seconds(w);
    let mut labels: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    let mut open: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
    let strip = |mut m: BTreeMap<String, String>| {
        m.remove(EDGE);
        m.remove("alertstate");
        m.remove("__name__");
        clean(m)
    };
    // Firing in the window before the first step: already firing.
    let body = get(
        &client,
        source,
        &["api", "v1", "query"],
        &[
            ("query", format!("count_over_time({FIRING}[{range}])")),
            ("time", seconds(first - Duration::seconds(w))),
        ],
    )
    .await?;
    let before: Vector = data(&body, "ALERTS")?;
    for s in before.result {
        let key = key_of(&s.metric);
        labels.entry(key.clone()).or_insert_with(|| strip(s.metric));
        open.insert(key, None);
    }
    let edges = format!(
        "label_replace(count_over_time({FIRING}[{range}]) unless count_over_time({FIRING}[{range}] offset {w}s), \"{EDGE}\", \"start\", \"alertname\", \".*\") \
         or label_replace(count_over_time({FIRING}[{range}] offset {w}s) unless count_over_time({FIRING}[{range}]), \"{EDGE}\", \"end\", \"alertname\", \".*\")"
    );
    let mut chunk_from = first;
    while chunk_from <= last {
        let chunk_to = (chunk_from + Duration::seconds(w * (MAX_STEPS - 1))).min(last);
        let body = get(
            &client,
            source,
            &["api", "v1", "query_range"],
            &[
                ("query", edges.clone()),
                ("start", seconds(chunk_from)),
                ("end", seconds(chunk_to)),
                ("step", format!("{w}s")),
            ],
        )
        .await?;
        let matrix: Vector = data(&body, "ALERTS edges")?;
        // Edges of the chunk in time order, whatever series they came in.
        let mut found: Vec<(i64, bool, String)> = Vec::new();
        for s in matrix.result {
            let start = s.metric.get(EDGE).map(String::as_str) == Some("start");
            let key = key_of(&s.metric);
            for (t, _) in &s.values {
                found.push(((*t * 1000.0).round() as i64, start, key.clone()));
            }
            labels.entry(key).or_insert_with(|| strip(s.metric));
        }
        found.sort_unstable();
        for (ms, start, key) in found {
            let Some(at) = DateTime::from_timestamp_millis(ms) else {
                continue;
            };
            match (start, open.contains_key(&key)) {
                (true, false) => {
                    open.insert(key, Some(at));
                }
                (false, true) => {
                    let began = open.remove(&key).flatten();
                    if let Some(l) = labels.get(&key) {
                        each(Edged {
                            labels: l.clone(),
                            start: began,
                            end: Some(at),
                        });
                    }
                }
                _ => {}
            }
        }
        chunk_from = chunk_to + Duration::seconds(w);
    }
    for (key, began) in open {
        if let Some(l) = labels.remove(&key) {
            each(Edged {
                labels: l,
                start: began,
                end: None,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_answer_says_what_prometheus_said() {
        let e = data::<Vector>(br#"{"status":"error","error":"bad query"}"#, "ALERTS").unwrap_err();
        assert!(e.to_string().contains("bad query"), "{e}");
        assert!(data::<Vector>(b"not json", "ALERTS").is_err());
        let v: Vector = data(
            br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            "x",
        )
        .unwrap();
        assert!(v.result.is_empty());
    }

    #[test]
    fn the_key_leaves_out_the_edge_and_state() {
        let a: BTreeMap<String, String> = [
            ("alertname", "A"),
            (EDGE, "start"),
            ("alertstate", "firing"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let b: BTreeMap<String, String> = [("alertname", "A"), (EDGE, "end")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(key_of(&a), key_of(&b));
    }
}
