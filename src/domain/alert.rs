//! Alerts as sitrep sees them, whatever backend sent them: severity mapped from labels,
//! service / SLO / region picked from configurable label names, and every string made
//! safe for a terminal once, here.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::severity::Severity;
use super::text::{is_clean_line, sanitize_line_owned, sanitize_text_owned};

/// Where an alert stands in its backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Firing,
    Silenced,
    Inhibited,
    /// Seen before and gone now, or reported with an end time in the past.
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Silenced => "silenced",
            Self::Inhibited => "inhibited",
            Self::Resolved => "resolved",
        }
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which labels mean what. The defaults understand plain Prometheus rules, Sloth
/// (`sloth_severity` = page | ticket, `sloth_service`, `sloth_slo`) and Pyrra
/// (`severity` = critical | warning, `slo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelMapping {
    /// Labels read for severity, first present wins (Sloth's own label before the
    /// user-set `severity`).
    pub severity_labels: Vec<String>,
    /// Values that mean P1.
    pub p1_values: Vec<String>,
    /// Values that mean P2.
    pub p2_values: Vec<String>,
    pub service_labels: Vec<String>,
    pub slo_labels: Vec<String>,
    pub region_labels: Vec<String>,
}

impl Default for LabelMapping {
    fn default() -> Self {
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect();
        Self {
            severity_labels: list(&["sloth_severity", "severity"]),
            p1_values: list(&["page", "critical"]),
            p2_values: list(&["ticket", "warning"]),
            service_labels: list(&["service", "sloth_service", "app"]),
            slo_labels: list(&["slo", "sloth_slo", "sloth_id"]),
            region_labels: list(&["region"]),
        }
    }
}

impl LabelMapping {
    fn first<'a>(names: &[String], labels: &'a BTreeMap<String, String>) -> Option<&'a String> {
        names
            .iter()
            .find_map(|n| labels.get(n))
            .filter(|v| !v.is_empty())
    }

    /// The service, from the first service label present.
    pub fn service<'a>(&self, labels: &'a BTreeMap<String, String>) -> Option<&'a String> {
        Self::first(&self.service_labels, labels)
    }

    /// P1, P2 or none, from the first severity label present.
    pub fn severity(&self, labels: &BTreeMap<String, String>) -> Option<Severity> {
        let value = Self::first(&self.severity_labels, labels)?.to_ascii_lowercase();
        if self
            .p1_values
            .iter()
            .any(|v| v.eq_ignore_ascii_case(&value))
        {
            Some(Severity::P1)
        } else if self
            .p2_values
            .iter()
            .any(|v| v.eq_ignore_ascii_case(&value))
        {
            Some(Severity::P2)
        } else {
            None
        }
    }
}

/// An alert as a backend reported it, before mapping and sanitizing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawAlert {
    /// Empty when the backend has none (Prometheus): one is derived from the labels.
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub state: Option<AlertState>,
    pub generator_url: Option<String>,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

/// A normalized alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub source: String,
    pub fingerprint: String,
    pub name: String,
    pub severity: Option<Severity>,
    pub state: AlertState,
    pub service: Option<String>,
    pub slo: Option<String>,
    pub region: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub runbook_url: Option<String>,
    pub generator_url: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub labels: Labels,
    pub annotations: Labels,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

/// Labels or annotations as an alert keeps them: sorted pairs in one allocation.
/// A storm holds tens of thousands of alerts; a map per alert costs three times the
/// memory of its few pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels(Box<[(Box<str>, Box<str>)]>);

impl Labels {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(
            map.into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
                .collect(),
        )
    }
}

impl Serialize for Labels {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, String>::deserialize(deserializer).map(Self::from)
    }
}

fn clean_map(mut map: BTreeMap<String, String>) -> BTreeMap<String, String> {
    if !map.keys().all(|k| is_clean_line(k)) {
        return map
            .into_iter()
            .map(|(k, v)| (sanitize_line_owned(k), sanitize_text_owned(v)))
            .collect();
    }
    for value in map.values_mut() {
        *value = sanitize_text_owned(std::mem::take(value));
    }
    map
}

fn annotation(annotations: &BTreeMap<String, String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| annotations.get(*n))
        .filter(|v| !v.is_empty())
        .cloned()
}

/// What an incident keeps of an alert it was declared from, so the postmortem can
/// name it and link its runbook long after the backend has forgotten it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedAlert {
    pub fingerprint: String,
    pub name: String,
    pub source: String,
    pub service: Option<String>,
    pub region: Option<String>,
    pub summary: Option<String>,
    pub runbook_url: Option<String>,
    pub generator_url: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
}

impl From<&Alert> for LinkedAlert {
    fn from(a: &Alert) -> Self {
        Self {
            fingerprint: a.fingerprint.clone(),
            name: a.name.clone(),
            source: a.source.clone(),
            service: a.service.clone(),
            region: a.region.clone(),
            summary: a.summary.clone(),
            runbook_url: a.runbook_url.clone(),
            generator_url: a.generator_url.clone(),
            starts_at: a.starts_at,
        }
    }
}

impl LinkedAlert {
    /// The same alert with every text field made safe (for values from anywhere but
    /// `normalize`).
    pub fn sanitized(self) -> Self {
        let line = |s: String| sanitize_line_owned(s);
        Self {
            fingerprint: line(self.fingerprint),
            name: line(self.name),
            source: line(self.source),
            service: self.service.map(line),
            region: self.region.map(line),
            summary: self.summary.map(line),
            runbook_url: self.runbook_url.map(safe_url),
            generator_url: self.generator_url.map(safe_url),
            starts_at: self.starts_at,
        }
    }
}

/// An alert's fingerprint from its labels, for backends that send none: exactly
/// Prometheus' `model.LabelSet.Fingerprint`, which Alertmanager reports (64-bit
/// FNV-1a over the labels sorted by name, a 0xff byte after each name and after
/// each value), so one alert seen through Prometheus and through Alertmanager is one
/// alert.
pub fn label_fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for byte in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Alerts of several sources, each listed once: one alert seen through two sources
/// (Prometheus forwarding to Alertmanager) has one fingerprint and is kept as the
/// first source in the given order reports it, the way an HA pair's members are
/// merged.
pub fn one_per_fingerprint(
    alerts: impl IntoIterator<Item = std::sync::Arc<Alert>>,
) -> Vec<std::sync::Arc<Alert>> {
    let mut seen = std::collections::HashSet::new();
    alerts
        .into_iter()
        .filter(|a| seen.insert(a.fingerprint.clone()))
        .collect()
}

/// A URL from a backend, made safe to show and to keep: one line, no credentials.
fn safe_url(raw: String) -> String {
    let line = sanitize_line_owned(raw);
    match crate::domain::text::redact_userinfo(&line) {
        std::borrow::Cow::Borrowed(_) => line,
        std::borrow::Cow::Owned(redacted) => redacted,
    }
}

/// Maps and sanitizes one alert from `source`. Nothing here can fail: a missing
/// field is absent, not an error.
pub fn normalize(source: &str, raw: RawAlert, mapping: &LabelMapping) -> Alert {
    let labels = clean_map(raw.labels);
    let mut annotations = clean_map(raw.annotations);
    // Annotations hold links (runbooks, dashboards) that may carry credentials.
    for value in annotations.values_mut() {
        if let std::borrow::Cow::Owned(redacted) = crate::domain::text::redact_userinfo(value) {
            *value = redacted;
        }
    }
    // Label values keep their line breaks (a description may span lines); the name,
    // service, SLO and region shown on one line show a break as `␤` instead (found by
    // fuzzing: an alertname with a newline reached every one-line view).
    let pick = |names: &[String]| {
        LabelMapping::first(names, &labels)
            .map(|v| crate::domain::text::visible_line(v))
            .filter(|v| !v.is_empty())
    };
    let fingerprint = match sanitize_line_owned(raw.fingerprint) {
        fp if fp.is_empty() => label_fingerprint(&labels),
        fp => fp,
    };
    let state = match raw.state {
        Some(state) => state,
        None if !raw.silenced_by.is_empty() => AlertState::Silenced,
        None if !raw.inhibited_by.is_empty() => AlertState::Inhibited,
        None => AlertState::Firing,
    };
    Alert {
        source: sanitize_line_owned(source.to_string()),
        name: labels
            .get("alertname")
            .map(|n| crate::domain::text::visible_line(n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "(unnamed)".to_string()),
        severity: mapping.severity(&labels),
        state,
        service: pick(&mapping.service_labels),
        slo: pick(&mapping.slo_labels),
        region: pick(&mapping.region_labels),
        summary: annotation(&annotations, &["summary", "title"]).map(sanitize_line_owned),
        description: annotation(&annotations, &["description", "message"]),
        runbook_url: annotation(&annotations, &["runbook_url", "runbook"]).map(safe_url),
        generator_url: raw.generator_url.map(safe_url).filter(|u| !u.is_empty()),
        starts_at: raw.starts_at,
        ends_at: raw.ends_at,
        updated_at: raw.updated_at,
        silenced_by: raw
            .silenced_by
            .into_iter()
            .map(sanitize_line_owned)
            .collect(),
        inhibited_by: raw
            .inhibited_by
            .into_iter()
            .map(sanitize_line_owned)
            .collect(),
        fingerprint,
        labels: labels.into(),
        annotations: annotations.into(),
    }
}

/// P1 first, then P2, then unmapped; within each, longest firing first.
pub fn sort_for_display(alerts: &mut [Alert]) {
    alerts.sort_by(display_order);
}

/// The order alerts are shown in: P1, P2, then unrated; oldest first; then by
/// fingerprint so that the order is stable between polls.
pub fn display_order(a: &Alert, b: &Alert) -> std::cmp::Ordering {
    let rank = |s: Option<Severity>| match s {
        Some(Severity::P1) => 0,
        Some(Severity::P2) => 1,
        None => 2,
    };
    rank(a.severity)
        .cmp(&rank(b.severity))
        .then(a.starts_at.cmp(&b.starts_at))
        .then_with(|| a.fingerprint.cmp(&b.fingerprint))
}

/// What happened to an alert, as sitrep logs it in a linked incident's timeline.
/// The wording is written and read here only: the postmortem reads each linked
/// alert's last known state back from these entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertEvent {
    /// Gone from a healthy source.
    Resolved,
    /// Gone right after its source was down: the source may have lost it.
    NoLongerReported,
    /// Back after it was logged gone.
    FiringAgain,
    /// A new alert that matches the incident's service and region.
    Matched,
}

impl AlertEvent {
    const ALL: [Self; 4] = [
        Self::Resolved,
        Self::NoLongerReported,
        Self::FiringAgain,
        Self::Matched,
    ];

    fn prefix(self) -> &'static str {
        match self {
            Self::Resolved => "alert resolved: ",
            Self::NoLongerReported => "alert no longer reported (its source was down): ",
            Self::FiringAgain => "alert firing again: ",
            Self::Matched => "alert fired: ",
        }
    }

    /// The timeline text for `alert`.
    pub fn text(self, alert: &Alert) -> String {
        let place: Vec<&str> = [alert.service.as_deref(), alert.region.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let place = if place.is_empty() {
            String::new()
        } else {
            format!(" [{}]", place.join(" "))
        };
        let matched = if self == Self::Matched {
            " matches this incident"
        } else {
            ""
        };
        let start = alert
            .starts_at
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|| "unknown start".into());
        format!(
            "{}{}{place}{matched} (fingerprint {}, started {start})",
            self.prefix(),
            alert.name,
            alert.fingerprint
        )
    }

    /// The event and fingerprint an entry's text records, if it is one of these.
    pub fn read(text: &str) -> Option<(Self, &str)> {
        let event = Self::ALL
            .into_iter()
            .find(|e| text.starts_with(e.prefix()))?;
        let (_, rest) = text.rsplit_once("(fingerprint ")?;
        let (fingerprint, _) = rest.split_once(", started ")?;
        Some((event, fingerprint))
    }

    /// Whether the alert left (resolved, or no longer reported) rather than came.
    pub fn is_gone(self) -> bool {
        matches!(self, Self::Resolved | Self::NoLongerReported)
    }

    /// Whether an entry saying `self` (as `text`) only repeats what the incident's
    /// log already says, given the last alert event logged there for the same
    /// fingerprint. A linked alert's log alternates: it left, it came back, it left.
    /// Every process that watches the same alerts sees each change at its own poll,
    /// perhaps worded otherwise (one saw its source down, another did not); only the
    /// first to write it says it. An alert that is not linked is only ever "fired",
    /// once per start: the same words again repeat, a new start is news.
    pub fn repeats(self, text: &str, last: Option<(Self, &str)>) -> bool {
        match last {
            None => false,
            Some((last, _)) if last.is_gone() != self.is_gone() => false,
            Some(_) if self != Self::Matched => true,
            Some((_, last_text)) => last_text == text,
        }
    }
}

/// Whether `text` has `word` as a whole word (any case): "room 5xx" names "room",
/// "RoomDown" does not.
fn names_word(text: &str, word: &str) -> bool {
    let (text, word) = (text.to_lowercase(), word.to_lowercase());
    if word.is_empty() {
        return false;
    }
    text.match_indices(&word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A declaration prefilled from alerts: title from the first, the highest severity,
/// their regions, the earliest start as trigger time (never after `now`: a source
/// whose clock runs ahead, or an alert posted with only an end, would make the
/// declaration refuse its own trigger time), and their fingerprints linked.
pub fn declaration_from(alerts: &[&Alert], now: DateTime<Utc>) -> super::Declaration {
    let Some(first) = alerts.first() else {
        return super::Declaration::default();
    };
    let what = first.summary.clone().unwrap_or_else(|| first.name.clone());
    // The service once: "room: stream starts failing", never "room: room 5xx…".
    // The other alerts are linked, not counted in the title (it heads the postmortem).
    let title = match &first.service {
        Some(service) if !names_word(&what, service) => {
            format!("{service}: {what}")
        }
        _ => what,
    };
    let mut regions: Vec<String> = Vec::new();
    for region in alerts.iter().filter_map(|a| a.region.clone()) {
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    let severity = if alerts.iter().any(|a| a.severity == Some(Severity::P1)) {
        Severity::P1
    } else {
        Severity::P2
    };
    super::Declaration {
        title,
        severity: Some(severity),
        regions,
        trigger_time: alerts
            .iter()
            .filter_map(|a| a.starts_at)
            .min()
            .map(|t| t.min(now)),
        linked_alerts: alerts.iter().map(|a| a.fingerprint.clone()).collect(),
        alerts: alerts.iter().map(|a| LinkedAlert::from(*a)).collect(),
        ..super::Declaration::default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_alert_event_reads_back_what_it_wrote() {
        let mut a = normalize(
            "eu",
            RawAlert {
                fingerprint: "ab12".into(),
                labels: labels(&[("alertname", "RoomDown"), ("service", "room")]),
                ..RawAlert::default()
            },
            &LabelMapping::default(),
        );
        for event in AlertEvent::ALL {
            let text = event.text(&a);
            assert_eq!(AlertEvent::read(&text), Some((event, "ab12")), "{text}");
        }
        assert_eq!(
            AlertEvent::Resolved.text(&a),
            "alert resolved: RoomDown [room] (fingerprint ab12, started unknown start)"
        );
        a.name = "Tricky (fingerprint zz, started x) name".into();
        assert_eq!(
            AlertEvent::read(&AlertEvent::FiringAgain.text(&a)),
            Some((AlertEvent::FiringAgain, "ab12")),
            "the last fingerprint is the alert's"
        );
        assert_eq!(AlertEvent::read("rolled back room to v41"), None);
    }

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn raw(pairs: &[(&str, &str)]) -> RawAlert {
        RawAlert {
            fingerprint: "fp".into(),
            labels: labels(pairs),
            ..RawAlert::default()
        }
    }

    #[test]
    fn default_mapping_understands_plain_sloth_and_pyrra_labels() {
        let m = LabelMapping::default();
        assert_eq!(
            m.severity(&labels(&[("severity", "critical")])),
            Some(Severity::P1)
        );
        assert_eq!(
            m.severity(&labels(&[("severity", "Page")])),
            Some(Severity::P1)
        );
        assert_eq!(
            m.severity(&labels(&[("severity", "warning")])),
            Some(Severity::P2)
        );
        // Sloth: its own label wins over whatever the user set as severity.
        assert_eq!(
            m.severity(&labels(&[
                ("sloth_severity", "ticket"),
                ("severity", "critical")
            ])),
            Some(Severity::P2)
        );
        assert_eq!(m.severity(&labels(&[("severity", "info")])), None);
        assert_eq!(m.severity(&labels(&[])), None);
    }

    #[test]
    fn normalizing_picks_service_slo_region_and_annotations() {
        let mut r = raw(&[
            ("alertname", "ErrorBudgetBurn"),
            ("sloth_service", "room"),
            ("sloth_slo", "stream-start-success"),
            ("region", "eu-west"),
            ("sloth_severity", "page"),
        ]);
        r.annotations = labels(&[
            ("summary", "burning fast"),
            ("runbook_url", "https://runbooks/room"),
        ]);
        let a = normalize("am-eu", r, &LabelMapping::default());
        assert_eq!(a.name, "ErrorBudgetBurn");
        assert_eq!(a.severity, Some(Severity::P1));
        assert_eq!(a.service.as_deref(), Some("room"));
        assert_eq!(a.slo.as_deref(), Some("stream-start-success"));
        assert_eq!(a.region.as_deref(), Some("eu-west"));
        assert_eq!(a.summary.as_deref(), Some("burning fast"));
        assert_eq!(a.runbook_url.as_deref(), Some("https://runbooks/room"));
        assert_eq!(a.state, AlertState::Firing);
    }

    #[test]
    fn every_string_from_a_backend_is_sanitized() {
        let mut r = raw(&[("alertname", "x\x1b[2Jy"), ("\x1b]0;k", "v\u{202e}")]);
        r.annotations = labels(&[("summary", "a\nb\x07")]);
        r.fingerprint = "f\x1bp".into();
        let a = normalize("s\x1b", r, &LabelMapping::default());
        assert_eq!(a.name, "x␛[2Jy");
        assert_eq!(a.fingerprint, "f␛p");
        assert_eq!(a.source, "s␛");
        assert_eq!(a.summary.as_deref(), Some("a b␇"));
        assert_eq!(a.labels.get("␛]0;k"), Some("v<U+202E>"));
    }

    #[test]
    fn missing_fields_are_absent_not_errors() {
        let a = normalize("s", RawAlert::default(), &LabelMapping::default());
        assert_eq!(a.name, "(unnamed)");
        assert_eq!(a.fingerprint.len(), 16);
        assert_eq!(a.severity, None);
        assert!(a.service.is_none() && a.starts_at.is_none());
    }

    #[test]
    fn label_fingerprints_are_stable_and_depend_on_every_pair() {
        let a = label_fingerprint(&labels(&[("a", "1"), ("b", "2")]));
        assert_eq!(a, label_fingerprint(&labels(&[("b", "2"), ("a", "1")])));
        assert_ne!(a, label_fingerprint(&labels(&[("a", "12")])));
        assert_ne!(
            label_fingerprint(&labels(&[("a", "b=c")])),
            label_fingerprint(&labels(&[("a=b", "c")]))
        );
    }

    #[test]
    fn silenced_and_inhibited_alerts_say_so_without_an_explicit_state() {
        let mut r = raw(&[("alertname", "x")]);
        r.silenced_by = vec!["s1".into()];
        assert_eq!(
            normalize("s", r, &LabelMapping::default()).state,
            AlertState::Silenced
        );
    }

    #[test]
    fn p1_sorts_first_then_the_longest_firing() {
        let m = LabelMapping::default();
        let at = |s| DateTime::from_timestamp(s, 0);
        let make = |sev: &str, start: i64| {
            let mut r = raw(&[("severity", sev), ("alertname", sev)]);
            r.starts_at = at(start);
            r.fingerprint = format!("{sev}{start}");
            normalize("s", r, &m)
        };
        let mut alerts = vec![
            make("warning", 1),
            make("none", 0),
            make("critical", 9),
            make("critical", 5),
        ];
        sort_for_display(&mut alerts);
        let order: Vec<&str> = alerts.iter().map(|a| a.fingerprint.as_str()).collect();
        assert_eq!(order, vec!["critical5", "critical9", "warning1", "none0"]);
    }
}
