//! Prometheus Alertmanager, API v2 (`GET /api/v2/alerts`). v1 is gone since 0.27.
//! Optional fields (`mutedBy` exists only from 0.28) are read as absent when missing;
//! one malformed alert is skipped and counted, the rest still show.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::sync::Arc;

use super::json_array::Splitter;
use super::{Parsed, Previous, SourceError};
use crate::domain::alert::{normalize, AlertState, LabelMapping, RawAlert};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAlert {
    fingerprint: String,
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "time")]
    starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "time")]
    ends_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "time")]
    updated_at: Option<DateTime<Utc>>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<String>,
    status: Option<WireStatus>,
}

/// An RFC 3339 time (as Alertmanager writes them) through chrono's dedicated parser,
/// which is several times faster than the general one `DateTime`'s own `Deserialize`
/// uses; anything else that one accepts is still accepted.
fn time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Option<DateTime<Utc>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 time or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| v.parse::<DateTime<Utc>>())
                .map(Some)
                .map_err(E::custom)
        }
    }
    d.deserialize_option(Visitor)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireStatus {
    state: Option<String>,
    #[serde(default)]
    silenced_by: Vec<String>,
    #[serde(default)]
    inhibited_by: Vec<String>,
}

/// The alerts URL for a member at `base` (e.g. `http://am:9093` or a path prefix),
/// asking for active, silenced and inhibited alerts matching `filters`.
pub fn alerts_url(base: &str, filters: &[String]) -> Result<String, SourceError> {
    let mut url = super::api_url(base, &["api", "v2", "alerts"])?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("active", "true");
        query.append_pair("silenced", "true");
        query.append_pair("inhibited", "true");
        for filter in filters {
            query.append_pair("filter", filter);
        }
    }
    Ok(url.into())
}

/// Parses a `/api/v2/alerts` body. The body must be a JSON array; each element that
/// does not look like an alert is skipped and counted.
pub fn parse(
    body: &[u8],
    source: &str,
    mapping: &LabelMapping,
    now: DateTime<Utc>,
) -> Result<Parsed, SourceError> {
    parse_reusing(body, source, mapping, now, &Previous::default())
}

/// Like [`parse`], keeping each alert of `previous` that comes back unchanged (one
/// alert is parsed at a time, so two whole copies never exist at once).
pub fn parse_reusing(
    body: &[u8],
    source: &str,
    mapping: &LabelMapping,
    now: DateTime<Utc>,
    previous: &Previous,
) -> Result<Parsed, SourceError> {
    let mut stream = Stream::new(source, mapping, now, previous);
    stream.feed(body)?;
    stream.finish()
}

/// An answer parsed as it arrives, element by element (see [`json_array`]): what a
/// poll holds is the alerts, never the answer's bytes, whatever its size. Each
/// element is checked on its own: one with invalid UTF-8 or that is not an alert
/// is skipped and counted; one that is not JSON at all fails the answer.
pub struct Stream<'a> {
    splitter: Splitter,
    parsed: Parsed,
    source: &'a str,
    mapping: &'a LabelMapping,
    now: DateTime<Utc>,
    previous: &'a Previous,
}

impl<'a> Stream<'a> {
    pub fn new(
        source: &'a str,
        mapping: &'a LabelMapping,
        now: DateTime<Utc>,
        previous: &'a Previous,
    ) -> Self {
        let mut parsed = Parsed::default();
        parsed.alerts.reserve(previous.len());
        parsed.raw.reserve(previous.len());
        Self {
            splitter: Splitter::default(),
            parsed,
            source,
            mapping,
            now,
            previous,
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), SourceError> {
        let Self {
            splitter,
            parsed,
            source,
            mapping,
            now,
            previous,
        } = self;
        splitter.feed(chunk, |element| {
            one_element(element, source, mapping, *now, previous, parsed)
        })
    }

    pub fn finish(self) -> Result<Parsed, SourceError> {
        let Self {
            splitter,
            mut parsed,
            source,
            mapping,
            now,
            previous,
        } = self;
        splitter
            .finish(|element| one_element(element, source, mapping, now, previous, &mut parsed))?;
        Ok(parsed)
    }
}

fn one_element(
    element: &[u8],
    source: &str,
    mapping: &LabelMapping,
    now: DateTime<Utc>,
    previous: &Previous,
    parsed: &mut Parsed,
) -> Result<(), SourceError> {
    // The same bytes as an element of the last answer were valid then: no need to
    // check their UTF-8 again, nor to parse them.
    let hash = super::raw_hash(element);
    if let Some(same) = previous.unchanged(hash, now) {
        parsed.alerts.push(Arc::clone(same));
        parsed.raw.push((hash, Arc::clone(same)));
        return Ok(());
    }
    let Ok(text) = std::str::from_utf8(element) else {
        parsed.skip(&"invalid UTF-8 in the alert");
        return Ok(());
    };
    match serde_json::from_str::<WireAlert>(text) {
        Ok(wire) => {
            let alert = previous.reuse(normalize(source, raw(wire, now), mapping));
            parsed.raw.push((hash, Arc::clone(&alert)));
            parsed.alerts.push(alert);
        }
        Err(e) if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() => {
            return Err(SourceError::Json(e.to_string()));
        }
        Err(e) => parsed.skip(&e),
    }
    Ok(())
}

/// Like [`parse_reusing`], on up to `workers` threads for a large answer; the alerts
/// keep the answer's order.
pub fn parse_on(
    body: &[u8],
    source: &str,
    mapping: &LabelMapping,
    now: DateTime<Utc>,
    previous: &Previous,
    workers: usize,
) -> Result<Parsed, SourceError> {
    if workers <= 1 {
        return parse_reusing(body, source, mapping, now, previous);
    }
    // Split the array into raw elements first (cheap), then parse each on its own,
    // so one malformed alert (invalid UTF-8 included) costs only itself.
    let (text, bad_utf8) = super::repair_utf8(body);
    let items: Vec<&RawValue> = match serde_json::from_str(&text) {
        Ok(items) => items,
        Err(e) => {
            return Err(match serde_json::from_str::<Value>(&text) {
                Ok(other) => SourceError::Shape(format!(
                    "expected a JSON array of alerts, got {}",
                    json_kind(&other)
                )),
                Err(_) => SourceError::Json(e.to_string()),
            })
        }
    };
    Ok(super::parse_items(&items, workers, |item, parsed| {
        if !bad_utf8.is_empty() && super::holds_any(&text, item.get(), &bad_utf8) {
            parsed.skip(&"invalid UTF-8 in the alert");
            return;
        }
        let hash = super::raw_hash(item.get().as_bytes());
        if let Some(same) = previous.unchanged(hash, now) {
            parsed.alerts.push(Arc::clone(same));
            parsed.raw.push((hash, Arc::clone(same)));
            return;
        }
        match serde_json::from_str::<WireAlert>(item.get()) {
            Ok(wire) => {
                let alert = previous.reuse(normalize(source, raw(wire, now), mapping));
                parsed.raw.push((hash, Arc::clone(&alert)));
                parsed.alerts.push(alert);
            }
            Err(e) => parsed.skip(&e),
        }
    }))
}

fn raw(wire: WireAlert, now: DateTime<Utc>) -> RawAlert {
    let status = wire.status.unwrap_or_default();
    let ended = wire.ends_at.is_some_and(|end| end <= now);
    let state = match status.state.as_deref() {
        _ if ended => Some(AlertState::Resolved),
        Some("suppressed") if !status.silenced_by.is_empty() => Some(AlertState::Silenced),
        Some("suppressed") if !status.inhibited_by.is_empty() => Some(AlertState::Inhibited),
        Some("suppressed") => Some(AlertState::Silenced),
        Some("active") => Some(AlertState::Firing),
        _ => None,
    };
    RawAlert {
        fingerprint: wire.fingerprint,
        labels: wire.labels,
        annotations: wire.annotations,
        starts_at: wire.starts_at,
        ends_at: wire.ends_at,
        updated_at: wire.updated_at,
        state,
        generator_url: wire.generator_url,
        silenced_by: status.silenced_by,
        inhibited_by: status.inhibited_by,
    }
}

pub(super) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::Snapshot;

    #[test]
    fn an_alert_with_invalid_utf8_is_skipped_and_counted_the_rest_kept() {
        let mut body = br#"[{"fingerprint":"a","labels":{"alertname":"Bad","region":"eu"#.to_vec();
        body.extend_from_slice(b"\xc3\x28");
        body.extend_from_slice(br#""}},{"fingerprint":"b","labels":{"alertname":"Good"}}]"#);
        let parsed = parse(&body, "am", &LabelMapping::default(), now()).unwrap();
        assert_eq!(parsed.skipped, 1);
        assert_eq!(
            parsed.first_skip_reason.as_deref(),
            Some("invalid UTF-8 in the alert")
        );
        let names: Vec<&str> = parsed.alerts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["Good"]);
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000, 0).unwrap()
    }

    const PAYLOAD: &str = include_str!("../../tests/fixtures/alertmanager-v2-alerts.json");

    #[test]
    fn a_recorded_payload_parses_with_states_and_fields() {
        let parsed = parse(PAYLOAD.as_bytes(), "am", &LabelMapping::default(), now()).unwrap();
        assert_eq!(parsed.skipped, 1, "{:?}", parsed.first_skip_reason);
        let by_name = |n: &str| parsed.alerts.iter().find(|a| a.name == n).unwrap();
        let burn = by_name("StreamStartErrorBudgetBurn");
        assert_eq!(burn.severity, Some(crate::domain::Severity::P1));
        assert_eq!(burn.state, AlertState::Firing);
        assert_eq!(burn.service.as_deref(), Some("room"));
        assert_eq!(burn.region.as_deref(), Some("eu-west"));
        assert_eq!(
            burn.generator_url.as_deref(),
            Some("http://prometheus:9090/graph?g0.expr=x")
        );
        let silenced = by_name("ChatLatencyHigh");
        assert_eq!(silenced.state, AlertState::Silenced);
        assert_eq!(silenced.silenced_by, vec!["5f1b"]);
        let hostile = by_name("Evil␛[2J");
        assert_eq!(hostile.summary.as_deref(), Some("clear␛[2J␛]0;title␇"));
    }

    #[test]
    fn the_wrong_shape_and_invalid_json_are_clear_errors() {
        let m = LabelMapping::default();
        let e = parse(br#"{"data": []}"#, "am", &m, now())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected a JSON array of alerts, got an object"),
            "{e}"
        );
        let e = parse(b"<html>", "am", &m, now()).unwrap_err().to_string();
        assert!(e.starts_with("invalid JSON"), "{e}");
    }

    #[test]
    fn an_alert_whose_end_has_passed_is_resolved() {
        let body = br#"[{"fingerprint":"a","labels":{"alertname":"x"},"endsAt":"2020-01-01T00:00:00Z","status":{"state":"active"}}]"#;
        let parsed = parse(body, "am", &LabelMapping::default(), now()).unwrap();
        assert_eq!(parsed.alerts[0].state, AlertState::Resolved);
    }

    #[test]
    fn urls_keep_path_prefixes_and_encode_filters() {
        assert_eq!(
            alerts_url("http://am:9093/", &[]).unwrap(),
            "http://am:9093/api/v2/alerts?active=true&silenced=true&inhibited=true"
        );
        assert_eq!(
            alerts_url("https://x/alertmanager", &["service=\"room\"".into()]).unwrap(),
            "https://x/alertmanager/api/v2/alerts?active=true&silenced=true&inhibited=true&filter=service%3D%22room%22"
        );
        assert!(alerts_url("not a url", &[]).is_err());
    }

    #[test]
    fn a_large_answer_parses_the_same_on_several_threads() {
        // 2,400 alerts, every 97th malformed (a number for labels), one with bad
        // UTF-8: order, skips and the first reason must not depend on the threads.
        let mut body = b"[".to_vec();
        for i in 0..2_400 {
            if i > 0 {
                body.push(b',');
            }
            if i % 97 == 5 {
                body.extend_from_slice(
                    format!(r#"{{"fingerprint":"f{i}","labels":7}}"#).as_bytes(),
                );
            } else if i == 1_800 {
                body.extend_from_slice(br#"{"fingerprint":"bad","labels":{"alertname":"X"#);
                body.extend_from_slice(b"\xc3\x28");
                body.extend_from_slice(br#""}}"#);
            } else {
                body.extend_from_slice(
                    format!(
                        r#"{{"fingerprint":"f{i:05}","labels":{{"alertname":"A{i}","severity":"critical"}},"startsAt":"2026-11-25T03:00:{:02}.123456789Z","status":{{"state":"active"}}}}"#,
                        i % 60
                    )
                    .as_bytes(),
                );
            }
        }
        body.push(b']');
        let m = LabelMapping::default();
        let one = parse_on(&body, "am", &m, now(), &Previous::default(), 1).unwrap();
        assert_eq!(one.skipped, 25 + 1);
        for workers in [2, 3, 4] {
            let many = parse_on(&body, "am", &m, now(), &Previous::default(), workers).unwrap();
            assert_eq!(many.alerts, one.alerts, "{workers}");
            assert_eq!(many.skipped, one.skipped);
            assert_eq!(many.first_skip_reason, one.first_skip_reason);
        }
    }

    /// An element sent again byte for byte is the previous alert, not parsed again;
    /// one that changed is parsed; one whose end the clock has passed is parsed
    /// again, and reads resolved.
    #[test]
    fn an_unchanged_element_is_reused_without_parsing_and_a_changed_one_is_read() {
        let m = LabelMapping::default();
        let end = (now() + chrono::Duration::seconds(30)).to_rfc3339();
        let body = |summary: &str| {
            format!(
                r#"[{{"fingerprint":"a","labels":{{"alertname":"A"}},"annotations":{{"summary":"{summary}"}},"status":{{"state":"active"}}}},
                    {{"fingerprint":"b","labels":{{"alertname":"B"}},"endsAt":"{end}","status":{{"state":"active"}}}}]"#
            )
        };
        let mut first = Snapshot {
            alerts: Vec::new(),
            ..demo_snapshot()
        };
        let parsed = parse_on(
            body("x").as_bytes(),
            "am",
            &m,
            now(),
            &Previous::default(),
            1,
        )
        .unwrap();
        first.alerts = parsed.alerts.clone();
        first.raw = parsed.raw;
        let previous = Previous::of(&mut first);
        let again = parse_on(body("x").as_bytes(), "am", &m, now(), &previous, 1).unwrap();
        assert!(Arc::ptr_eq(&again.alerts[0], &parsed.alerts[0]));
        assert!(Arc::ptr_eq(&again.alerts[1], &parsed.alerts[1]));
        let changed = parse_on(body("y").as_bytes(), "am", &m, now(), &previous, 1).unwrap();
        assert_eq!(changed.alerts[0].summary.as_deref(), Some("y"));
        assert!(Arc::ptr_eq(&changed.alerts[1], &parsed.alerts[1]));
        let later = now() + chrono::Duration::minutes(1);
        let ended = parse_on(body("x").as_bytes(), "am", &m, later, &previous, 1).unwrap();
        assert_eq!(ended.alerts[1].state, AlertState::Resolved);
        assert!(Arc::ptr_eq(&ended.alerts[0], &parsed.alerts[0]));
    }

    fn demo_snapshot() -> Snapshot {
        Snapshot {
            source: "am".into(),
            kind: crate::sources::SourceKind::Alertmanager,
            alerts: Vec::new(),
            skipped: 0,
            member_errors: Vec::new(),
            fetched_at: now(),
            latency_ms: 0,
            raw: Vec::new(),
        }
    }

    #[test]
    fn times_parse_as_rfc_3339_with_any_offset_and_null_or_missing_is_none() {
        let m = LabelMapping::default();
        let body = br#"[
            {"fingerprint":"a","labels":{"alertname":"A"},"startsAt":"2026-11-25T03:00:00.5+01:00"},
            {"fingerprint":"b","labels":{"alertname":"B"},"startsAt":null},
            {"fingerprint":"c","labels":{"alertname":"C"}},
            {"fingerprint":"d","labels":{"alertname":"D"},"startsAt":"yesterday"}
        ]"#;
        let parsed = parse(body, "am", &m, now()).unwrap();
        let start = |fp: &str| {
            parsed
                .alerts
                .iter()
                .find(|a| a.fingerprint == fp)
                .map(|a| a.starts_at)
        };
        assert_eq!(
            start("a"),
            Some(Some(
                "2026-11-25T02:00:00.5Z".parse::<DateTime<Utc>>().unwrap()
            ))
        );
        assert_eq!(start("b"), Some(None));
        assert_eq!(start("c"), Some(None));
        assert_eq!(start("d"), None, "a time that is not one skips the alert");
        assert_eq!(parsed.skipped, 1);
    }
}
