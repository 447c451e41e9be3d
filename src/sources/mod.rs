//! Alert sources: each backend's wire format turned into domain `Alert`s, over HTTP
//! with timeouts and a size cap. A source is one Alertmanager (or several members of
//! an HA pair, deduplicated by fingerprint) or one Prometheus.
//!
//! The only module that speaks to backends; depends on the domain, not on the store.

pub mod alert_history;
pub mod alertmanager;
pub mod demo;
pub mod escalation;
pub mod http;
pub mod ical;
pub mod json_array;
pub mod oncall;
pub mod poller;
pub mod prometheus;
pub mod silences;
pub mod slo;
pub mod webhook;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::alert::{Alert, LabelMapping};
use crate::domain::text::redact_userinfo;
pub use http::HttpOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Alertmanager,
    Prometheus,
    /// The built-in demo feed.
    Demo,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Alertmanager => "alertmanager",
            Self::Prometheus => "prometheus",
            Self::Demo => "demo",
        })
    }
}

/// One named source, ready to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    /// Base URLs; several are members of one HA pair.
    pub urls: Vec<String>,
    /// Alertmanager matchers, e.g. `service="room"`.
    pub filters: Vec<String>,
    pub http: HttpOptions,
    /// How often the TUI polls it.
    pub poll_interval: Duration,
    /// What is worth saying about its config without refusing it (a token file
    /// others can read), for the commands that use the source.
    pub warnings: Vec<String>,
    /// Why it cannot be read at all (its token variable is not set, its CA file is
    /// missing…): every fetch fails with this, and nothing else is affected.
    pub unusable: Option<String>,
}

impl Source {
    /// Fails with why the source cannot be read at all, if it cannot.
    pub fn usable(&self) -> Result<(), SourceError> {
        match &self.unusable {
            Some(why) => Err(SourceError::Config(why.clone())),
            None => Ok(()),
        }
    }
}

/// How often a source is polled unless its config says otherwise.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15);

/// Why a source (or one member of it) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SourceError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("no answer within {}s", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("HTTP {0} {1}")]
    Status(u16, String),
    #[error("HTTP {0}: not authorized; check the token or password")]
    Unauthorized(u16),
    #[error("response larger than the {} KiB cap", .0 / 1024)]
    TooLarge(usize),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("unexpected answer: {0}")]
    Shape(String),
    #[error("{0}")]
    Transport(String),
    #[error("{0}")]
    Config(String),
}

impl SourceError {
    /// The same error made safe to print, log or store: every text it carries is one
    /// line with control characters made visible, and URLs lose their credentials.
    /// Applied where errors leave this module, so a backend's words never reach a
    /// terminal raw.
    pub fn cleaned(self) -> Self {
        let clean = |s: String| crate::domain::text::sanitize_line(&redact_userinfo(&s));
        match self {
            Self::Connect(s) => Self::Connect(clean(s)),
            Self::Status(code, s) => Self::Status(code, clean(s)),
            Self::Json(s) => Self::Json(clean(s)),
            Self::Shape(s) => Self::Shape(clean(s)),
            Self::Transport(s) => Self::Transport(clean(s)),
            Self::Config(s) => Self::Config(clean(s)),
            other @ (Self::Timeout(_) | Self::Unauthorized(_) | Self::TooLarge(_)) => other,
        }
    }
}

/// A body as text: invalid UTF-8 sequences become U+FFFD, and the byte offsets (in
/// the returned text) of each replacement are listed, so that the one alert holding
/// them is skipped and counted instead of failing the whole answer.
pub(crate) fn repair_utf8(body: &[u8]) -> (std::borrow::Cow<'_, str>, Vec<usize>) {
    let mut rest = match std::str::from_utf8(body) {
        Ok(text) => return (std::borrow::Cow::Borrowed(text), Vec::new()),
        Err(_) => body,
    };
    let mut text = String::with_capacity(body.len() + 16);
    let mut bad = Vec::new();
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                // The first `valid_up_to` bytes are valid UTF-8 by definition.
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                bad.push(text.len());
                text.push('\u{fffd}');
                let skip = e.error_len().unwrap_or(after.len());
                rest = &after[skip..];
            }
        }
    }
    (std::borrow::Cow::Owned(text), bad)
}

/// Whether `part`, a slice of `whole`, covers any of the offsets in `bad`.
pub(crate) fn holds_any(whole: &str, part: &str, bad: &[usize]) -> bool {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    let end = start + part.len();
    bad.iter().any(|&b| b >= start && b < end)
}

/// A base URL as it may be shown: without credentials.
pub fn shown_url(base: &str) -> String {
    redact_userinfo(base).into_owned()
}

impl Parsed {
    /// Counts an element that was not an alert, keeping the first reason.
    pub fn skip(&mut self, reason: &dyn std::fmt::Display) {
        self.skipped += 1;
        self.first_skip_reason
            .get_or_insert_with(|| reason.to_string());
    }

    /// `later` after this, in order.
    fn append(&mut self, later: Parsed) {
        self.alerts.extend(later.alerts);
        self.raw.extend(later.raw);
        self.skipped += later.skipped;
        if self.first_skip_reason.is_none() {
            self.first_skip_reason = later.first_skip_reason;
        }
    }
}

/// Fewer elements than this per thread are not worth a thread.
const MIN_ITEMS_PER_WORKER: usize = 500;

/// Parses each of `items` with `one`, keeping their order, on up to `workers`
/// threads. A one-shot command spreads a large answer over the cores; the TUI's
/// poller asks for one, so that parsing never competes with the UI thread.
pub(crate) fn parse_items<T: Sync>(
    items: &[T],
    workers: usize,
    one: impl Fn(&T, &mut Parsed) + Sync,
) -> Parsed {
    let workers = workers.min(items.len() / MIN_ITEMS_PER_WORKER).max(1);
    let run = |chunk: &[T]| {
        let mut parsed = Parsed::default();
        parsed.alerts.reserve(chunk.len());
        for item in chunk {
            one(item, &mut parsed);
        }
        parsed
    };
    if workers == 1 {
        return run(items);
    }
    let size = items.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .skip(1)
            .map(|chunk| scope.spawn(move || run(chunk)))
            .collect();
        let mut parsed = run(&items[..size.min(items.len())]);
        for handle in handles {
            match handle.join() {
                Ok(part) => parsed.append(part),
                // A panic in a parser is a bug; say so instead of losing alerts quietly.
                Err(_) => parsed.skip(&"the parser failed on part of the answer"),
            }
        }
        parsed
    })
}

/// Runs `future` to completion on a runtime of its own, from blocking code (the CLI,
/// the TUI's export and paging threads).
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|runtime| runtime.block_on(future))
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// How many threads a one-shot command parses a large answer on.
pub fn one_shot_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// `base` (which may carry a path prefix) with `segments` appended to its path.
pub fn api_url(base: &str, segments: &[&str]) -> Result<reqwest::Url, SourceError> {
    let mut url = reqwest::Url::parse(base.trim_end_matches('/'))
        .map_err(|e| SourceError::Config(format!("bad URL '{}': {e}", shown_url(base))))?;
    url.path_segments_mut()
        .map_err(|()| {
            SourceError::Config(format!("bad URL '{}': cannot have a path", shown_url(base)))
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// An alert keyed by its fingerprint, so a set of them is looked up by `&str`.
#[derive(Debug)]
struct ByFingerprint(Arc<Alert>);

impl std::hash::Hash for ByFingerprint {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.fingerprint.hash(state);
    }
}

impl PartialEq for ByFingerprint {
    fn eq(&self, other: &Self) -> bool {
        self.0.fingerprint == other.0.fingerprint
    }
}

impl Eq for ByFingerprint {}

impl std::borrow::Borrow<str> for ByFingerprint {
    fn borrow(&self) -> &str {
        &self.0.fingerprint
    }
}

/// A source's previous answer. An alert that comes back unchanged is the same
/// allocation, not a second copy: in a storm of 60,000 alerts, parsing the next
/// answer must not double the memory held. An element of the answer whose bytes
/// are those of one in the previous answer is not even parsed again (see
/// [`raw_hash`]): a poller reading 60,000 alerts every 2 s spends its time on what
/// changed.
#[derive(Debug, Default)]
pub struct Previous {
    alerts: rustc_hash::FxHashSet<ByFingerprint>,
    raw: rustc_hash::FxHashMap<u64, Arc<Alert>>,
}

/// A hash of one element of an answer, as it was sent, to find it unchanged in the
/// next answer. Keyed SipHash with a key drawn once per process: a backend cannot
/// make a changed alert look unchanged by aiming for a collision.
pub(crate) fn raw_hash(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher as _;
    static KEY: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    KEY.get_or_init(Default::default).hash_one(bytes)
}

impl Previous {
    pub fn new(alerts: &[Arc<Alert>]) -> Self {
        Self {
            alerts: alerts.iter().cloned().map(ByFingerprint).collect(),
            raw: Default::default(),
        }
    }

    /// The previous answer as `snapshot` holds it, its elements' hashes included.
    pub fn of(snapshot: &mut Snapshot) -> Self {
        let mut previous = Self::new(&snapshot.alerts);
        previous.raw = std::mem::take(&mut snapshot.raw).into_iter().collect();
        previous
    }

    /// How many alerts the previous answer held.
    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }

    /// The alert parsed from the same bytes last time, while it still reads the
    /// same at `now` (an alert past its end is resolved by the clock alone).
    pub fn unchanged(&self, hash: u64, now: DateTime<Utc>) -> Option<&Arc<Alert>> {
        self.raw.get(&hash).filter(|alert| {
            alert.state == crate::domain::alert::AlertState::Resolved
                || alert.ends_at.is_none_or(|end| end > now)
        })
    }

    /// `alert`, or the identical one of the previous answer.
    pub fn reuse(&self, alert: Alert) -> Arc<Alert> {
        match self.alerts.get(alert.fingerprint.as_str()) {
            Some(old) if *old.0 == alert => Arc::clone(&old.0),
            _ => Arc::new(alert),
        }
    }
}

/// What one body held: the alerts, and how many elements were not alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub alerts: Vec<Arc<Alert>>,
    pub skipped: usize,
    pub first_skip_reason: Option<String>,
    /// Each element's [`raw_hash`] and the alert it was (Alertmanager only).
    pub raw: Vec<(u64, Arc<Alert>)>,
}

/// The result of reading one source once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub source: String,
    pub kind: SourceKind,
    pub alerts: Vec<Arc<Alert>>,
    /// Elements of the answer that were not alerts and were left out.
    pub skipped: usize,
    /// Members of an HA pair that failed while another answered.
    pub member_errors: Vec<String>,
    pub fetched_at: DateTime<Utc>,
    pub latency_ms: u64,
    /// What the next poll reuses: each element's hash and alert, every member's.
    #[serde(skip)]
    pub raw: Vec<(u64, Arc<Alert>)>,
}

/// Reads every member of `source` and merges their alerts by fingerprint. Fails only
/// when every member failed; the error names each member.
/// One-shot (the CLI): a large answer is parsed on every core.
pub async fn fetch(source: &Source, mapping: &LabelMapping) -> Result<Snapshot, SourceError> {
    fetch_raw(
        source,
        mapping,
        Arc::new(Previous::default()),
        one_shot_workers(),
    )
    .await
    .map_err(SourceError::cleaned)
}

/// Like [`fetch`], keeping the alerts of `previous` that did not change, parsed on one
/// thread (the TUI's poller: parsing never competes with the UI thread).
pub async fn fetch_reusing(
    source: &Source,
    mapping: &LabelMapping,
    previous: Arc<Previous>,
) -> Result<Snapshot, SourceError> {
    fetch_raw(source, mapping, previous, 1)
        .await
        .map_err(SourceError::cleaned)
}

async fn fetch_raw(
    source: &Source,
    mapping: &LabelMapping,
    previous: Arc<Previous>,
    workers: usize,
) -> Result<Snapshot, SourceError> {
    source.usable()?;
    let started = Instant::now();
    let client = http::client(&source.http)?;
    // Members are read at the same time: a slow member costs its timeout once.
    let handles: Vec<_> = source
        .urls
        .iter()
        .map(|base| {
            let (source, client, base, mapping, previous) = (
                source.clone(),
                client.clone(),
                base.clone(),
                mapping.clone(),
                Arc::clone(&previous),
            );
            tokio::spawn(async move {
                fetch_member(&source, &client, &base, &mapping, &previous, workers).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(
            handle
                .await
                .unwrap_or_else(|e| Err(SourceError::Transport(format!("reader failed: {e}")))),
        );
    }
    let mut seen = rustc_hash::FxHashSet::default();
    let mut snapshot = Snapshot {
        source: source.name.clone(),
        kind: source.kind,
        alerts: Vec::new(),
        skipped: 0,
        member_errors: Vec::new(),
        fetched_at: Utc::now(),
        latency_ms: 0,
        raw: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut any_ok = false;
    for (base, result) in source.urls.iter().zip(results) {
        match result {
            Ok(parsed) => {
                any_ok = true;
                snapshot.skipped = snapshot.skipped.max(parsed.skipped);
                snapshot.raw.extend(parsed.raw);
                for alert in parsed.alerts {
                    if seen.insert(ByFingerprint(Arc::clone(&alert))) {
                        snapshot.alerts.push(alert);
                    }
                }
            }
            Err(e) => errors.push((base.clone(), e)),
        }
    }
    if !any_ok {
        return Err(match errors.len() {
            1 => errors.remove(0).1,
            _ => SourceError::Transport(
                errors
                    .iter()
                    .map(|(base, e)| format!("{}: {e}", shown_url(base)))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        });
    }
    snapshot.member_errors = errors
        .into_iter()
        .map(|(base, e)| format!("{}: {}", shown_url(&base), e.cleaned()))
        .collect();
    snapshot.latency_ms = started.elapsed().as_millis() as u64;
    Ok(snapshot)
}

async fn fetch_member(
    source: &Source,
    client: &reqwest::Client,
    base: &str,
    mapping: &LabelMapping,
    previous: &Previous,
    workers: usize,
) -> Result<Parsed, SourceError> {
    match source.kind {
        SourceKind::Alertmanager => {
            let url = alertmanager::alerts_url(base, &source.filters)?;
            if workers > 1 {
                // One shot (the CLI): the whole answer, parsed on every core.
                let body = http::get(client, &url, &source.http).await?;
                return alertmanager::parse_on(
                    &body,
                    &source.name,
                    mapping,
                    Utc::now(),
                    previous,
                    workers,
                );
            }
            // A poller: parsed as it arrives, so a storm's answer is never held whole.
            let mut stream = alertmanager::Stream::new(&source.name, mapping, Utc::now(), previous);
            http::get_each(client, &url, &source.http, |chunk| stream.feed(chunk)).await?;
            stream.finish()
        }
        SourceKind::Prometheus => {
            let url = prometheus::alerts_url(base)?;
            let body = http::get(client, &url, &source.http).await?;
            prometheus::parse_reusing(&body, &source.name, &shown_url(base), mapping, previous)
        }
        SourceKind::Demo => Err(SourceError::Config(
            "the demo feed is not fetched over HTTP".into(),
        )),
    }
}
