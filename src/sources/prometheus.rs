//! Prometheus' own alerts (`GET /api/v1/alerts`), for teams without Alertmanager in
//! front. Prometheus gives no fingerprint; one is derived from the labels.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::alertmanager::json_kind;
use super::{Parsed, Previous, SourceError};
use crate::domain::alert::{normalize, AlertState, LabelMapping, RawAlert};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAlert {
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    /// `firing` or `pending`; pending alerts have not fired yet and are left out.
    state: String,
    active_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct RawDoc<'a> {
    #[serde(borrow)]
    data: RawData<'a>,
}

#[derive(Deserialize)]
struct RawData<'a> {
    #[serde(borrow)]
    alerts: Vec<&'a serde_json::value::RawValue>,
}

pub fn alerts_url(base: &str) -> Result<String, SourceError> {
    Ok(super::api_url(base, &["api", "v1", "alerts"])?.into())
}

/// Parses `{"status":"success","data":{"alerts":[…]}}`; an error status is reported
/// with Prometheus' own message.
pub fn parse(
    body: &[u8],
    source: &str,
    base: &str,
    mapping: &LabelMapping,
) -> Result<Parsed, SourceError> {
    parse_reusing(body, source, base, mapping, &Previous::default())
}

/// Like [`parse`], keeping each alert of `previous` that comes back unchanged.
pub fn parse_reusing(
    body: &[u8],
    source: &str,
    base: &str,
    mapping: &LabelMapping,
    previous: &Previous,
) -> Result<Parsed, SourceError> {
    parse_raw(body, source, base, mapping, previous).map_err(SourceError::cleaned)
}

fn parse_raw(
    body: &[u8],
    source: &str,
    base: &str,
    mapping: &LabelMapping,
    previous: &Previous,
) -> Result<Parsed, SourceError> {
    let (text, bad_utf8) = super::repair_utf8(body);
    // The common case first, without building a tree of the whole answer; the
    // tree only to say what is wrong with one that does not fit.
    if let Ok(doc) = serde_json::from_str::<RawDoc<'_>>(&text) {
        return Ok(alerts_of(
            doc.data.alerts,
            &text,
            &bad_utf8,
            source,
            base,
            mapping,
            previous,
        ));
    }
    let doc: Value = serde_json::from_str(&text).map_err(|e| SourceError::Json(e.to_string()))?;
    if doc.get("status").and_then(Value::as_str) == Some("error") {
        let message = doc
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return Err(SourceError::Shape(format!(
            "prometheus answered an error: {message}"
        )));
    }
    if doc
        .get("data")
        .and_then(|d| d.get("alerts"))
        .and_then(Value::as_array)
        .is_none()
    {
        return Err(SourceError::Shape(format!(
            "expected {{\"data\": {{\"alerts\": […]}}}}, got {}",
            json_kind(&doc)
        )));
    }
    // The alerts again as raw elements, to parse one by one and to know which one
    // held invalid UTF-8.
    let items = serde_json::from_str::<RawDoc<'_>>(&text)
        .map_err(|e| SourceError::Json(e.to_string()))?
        .data
        .alerts;
    Ok(alerts_of(
        items, &text, &bad_utf8, source, base, mapping, previous,
    ))
}

/// The firing alerts among `items`, each parsed on its own.
fn alerts_of(
    items: Vec<&serde_json::value::RawValue>,
    text: &str,
    bad_utf8: &[usize],
    source: &str,
    base: &str,
    mapping: &LabelMapping,
    previous: &Previous,
) -> Parsed {
    let mut parsed = Parsed::default();
    for item in items {
        if !bad_utf8.is_empty() && super::holds_any(text, item.get(), bad_utf8) {
            parsed.skip(&"invalid UTF-8 in the alert");
            continue;
        }
        match serde_json::from_str::<WireAlert>(item.get()) {
            Ok(wire) if wire.state == "firing" => {
                let raw = RawAlert {
                    labels: wire.labels,
                    annotations: wire.annotations,
                    starts_at: wire.active_at,
                    state: Some(AlertState::Firing),
                    generator_url: Some(base.to_string()),
                    ..RawAlert::default()
                };
                parsed
                    .alerts
                    .push(previous.reuse(normalize(source, raw, mapping)));
            }
            Ok(_) => {}
            Err(e) => parsed.skip(&e),
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firing_alerts_are_read_and_pending_ones_left_out() {
        let body = br#"{"status":"success","data":{"alerts":[
            {"labels":{"alertname":"A","severity":"critical"},"annotations":{},"state":"firing","activeAt":"2026-11-18T11:00:00Z","value":"1e+00"},
            {"labels":{"alertname":"B"},"annotations":{},"state":"pending","activeAt":"2026-11-18T11:00:00Z"},
            {"labels":"broken","state":"firing"}
        ]}}"#;
        let parsed = parse(body, "prom", "http://p:9090", &LabelMapping::default()).unwrap();
        assert_eq!(parsed.alerts.len(), 1);
        assert_eq!(parsed.skipped, 1);
        assert_eq!(parsed.alerts[0].name, "A");
        assert_eq!(parsed.alerts[0].fingerprint.len(), 16);
    }

    #[test]
    fn an_alert_with_invalid_utf8_is_skipped_and_counted_the_rest_kept() {
        let mut body = br#"{"status":"success","data":{"alerts":[
            {"labels":{"alertname":"Bad"},"annotations":{"summary":"x"#
            .to_vec();
        body.extend_from_slice(b"\xff\xfe");
        body.extend_from_slice(
            br#""},"state":"firing"},
            {"labels":{"alertname":"Good"},"annotations":{},"state":"firing"}
        ]}}"#,
        );
        let parsed = parse(&body, "p", "http://p", &LabelMapping::default()).unwrap();
        assert_eq!(parsed.skipped, 1);
        assert_eq!(
            parsed.first_skip_reason.as_deref(),
            Some("invalid UTF-8 in the alert")
        );
        let names: Vec<&str> = parsed.alerts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["Good"]);
    }

    #[test]
    fn an_error_answer_or_the_wrong_shape_is_a_clear_error() {
        let m = LabelMapping::default();
        let e = parse(br#"{"status":"error","error":"bad query"}"#, "p", "b", &m).unwrap_err();
        assert!(e.to_string().contains("bad query"));
        let e = parse(b"[]", "p", "b", &m).unwrap_err();
        assert!(e.to_string().contains("got an array"), "{e}");
    }
}
