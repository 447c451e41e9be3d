//! Delivering the comms outbox: claims the deliveries that are due, posts each to its
//! channel (all at once, so one hanging receiver does not hold up the others), and
//! records each outcome: a try that failed is tried again later with backoff; a post
//! or a final failure is written to the timeline once. Used by the CLI (`--post`,
//! waiting for its own update) and by the TUI's poster thread (everything due, from
//! any process, so a restart finishes what was left).

use std::path::Path;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::config::channels::{Channel, ChannelKind};
use crate::config::Config;
use crate::domain::outbox::{self, Audience, Claimed, DeliveryState, Next, PostError};
use crate::domain::{EntryId, TimelineEntry};
use crate::report::Templates;
use crate::store::{Store, StoreError};

/// How many deliveries one pass claims.
const BATCH: usize = 32;

/// A delivery that finished in this pass: posted, or given up.
#[derive(Debug, Clone)]
pub struct Finished {
    pub channel: String,
    pub posted: bool,
    /// Why it was given up.
    pub reason: Option<String>,
    /// The timeline entry recording it (none when another process recorded it first).
    pub entry: Option<TimelineEntry>,
}

/// What one pass did.
#[derive(Debug, Clone, Default)]
pub struct Pass {
    pub finished: Vec<Finished>,
    /// Tries that failed and will be made again: channel and reason.
    pub retrying: Vec<(String, String)>,
}

/// What one round of [`deliver_until_stopped`] did.
#[derive(Debug)]
pub enum Round {
    Pass(Pass),
    /// The database could not be opened or failed the pass (tried again next tick).
    StoreFailed(String),
    /// An internal error ended the loop; what is pending stays for the next sitrep.
    Panicked,
}

/// The delivery loop of the TUI's poster and of `sitrep watch`, on a thread with a
/// database connection of its own: delivers what is due once every `tick`, and at
/// once when woken (an update was just logged), until every sender of `wake` is
/// gone or `report` returns false. A receiver that hangs holds up only this loop,
/// and stopping waits for the pass in flight to finish (each try is bounded by its
/// channel's timeout), so a delivery is never left half-recorded by a clean stop.
pub fn deliver_until_stopped(
    config: &Config,
    target: &crate::store::Target,
    templates_dir: &Path,
    wake: &std::sync::mpsc::Receiver<()>,
    tick: StdDuration,
    mut report: impl FnMut(Round) -> bool,
) {
    use std::sync::mpsc::RecvTimeoutError;
    let mut store: Option<Store> = None;
    loop {
        match wake.recv_timeout(tick) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        while wake.try_recv().is_ok() {}
        if store.is_none() {
            match Store::connect(target, config.busy_timeout, false) {
                Ok(s) => store = Some(s),
                Err(e) => {
                    tracing::warn!("comms delivery: cannot open the database: {e}");
                    if !report(Round::StoreFailed(e.to_string())) {
                        return;
                    }
                    continue;
                }
            }
        }
        let Some(open) = store.as_mut() else { continue };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            deliver_due(open, config, templates_dir, None)
        }));
        let round = match result {
            Ok(Ok(pass)) => Round::Pass(pass),
            Ok(Err(e)) => {
                tracing::warn!("comms delivery: {e}");
                store = None;
                Round::StoreFailed(e.to_string())
            }
            Err(_) => {
                report(Round::Panicked);
                return;
            }
        };
        if !report(round) {
            return;
        }
    }
}

/// The channels an update is posted to, by name.
pub fn channel_names(config: &Config) -> Vec<String> {
    config
        .comms
        .channels
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

/// When a new update's deliveries are given up: the longest `retry_for`.
pub fn give_up_at(config: &Config, now: DateTime<Utc>) -> DateTime<Utc> {
    let longest = config
        .comms
        .channels
        .iter()
        .map(|c| c.retry_for)
        .max()
        .unwrap_or_else(|| Duration::minutes(5));
    now + longest
}

/// Claims what is due (only `entry`'s deliveries, if given), tries each once, and
/// records the outcomes.
pub fn deliver_due(
    store: &mut Store,
    config: &Config,
    templates_dir: &Path,
    only: Option<EntryId>,
) -> Result<Pass, StoreError> {
    let now = Utc::now();
    let lease = config
        .comms
        .channels
        .iter()
        .map(|c| c.timeout)
        .max()
        .unwrap_or(StdDuration::from_secs(10));
    let lease_until = now
        + Duration::from_std(lease).unwrap_or_else(|_| Duration::seconds(10))
        + Duration::seconds(30);
    let claimed = store.claim_deliveries(now, lease_until, only, BATCH)?;
    if claimed.is_empty() {
        return Ok(Pass::default());
    }
    // Bodies first (a webhook's template needs the incident), then every post at once.
    let mut jobs = Vec::new();
    let mut results: Vec<Option<Result<(), PostError>>> = Vec::new();
    for c in &claimed {
        let channel = config
            .comms
            .channels
            .iter()
            .find(|ch| ch.name == c.delivery.channel);
        match channel.map(|ch| body(store, config, templates_dir, ch, c).map(|b| (ch, b))) {
            None => results.push(Some(Err(PostError {
                reason: format!(
                    "channel '{}' is no longer in the config",
                    c.delivery.channel
                ),
                retryable: false,
            }))),
            Some(Err(e)) => results.push(Some(Err(e))),
            Some(Ok((ch, body))) => {
                jobs.push((results.len(), ch.clone(), body));
                results.push(None);
            }
        }
    }
    let indexes: Vec<usize> = jobs.iter().map(|(i, _, _)| *i).collect();
    let posted = crate::sources::block_on(post_all(jobs)).unwrap_or_else(|why| {
        indexes
            .into_iter()
            .map(|i| {
                let reason = why.clone();
                (
                    i,
                    Err(PostError {
                        reason,
                        retryable: true,
                    }),
                )
            })
            .collect()
    });
    for (index, result) in posted {
        if let Some(slot) = results.get_mut(index) {
            *slot = Some(result);
        }
    }
    let done = Utc::now();
    let mut pass = Pass::default();
    for (c, result) in claimed.iter().zip(results) {
        let result = result.unwrap_or_else(|| {
            Err(PostError {
                reason: "the post did not run".into(),
                retryable: true,
            })
        });
        let d = &c.delivery;
        match outbox::after_try(d, result, done) {
            Next::Posted => {
                tracing::info!(incident = d.incident.0, channel = %d.channel, "comms update posted");
                let entry = outbox::posted_entry(d.entry, &d.channel, done);
                let stored = store.finish_delivery(d.id, DeliveryState::Posted, None, &entry)?;
                pass.finished.push(Finished {
                    channel: d.channel.clone(),
                    posted: true,
                    reason: None,
                    entry: stored,
                });
            }
            Next::Retry { at, reason } => {
                tracing::warn!(incident = d.incident.0, channel = %d.channel, "comms post failed, trying again: {reason}");
                store.retry_delivery(d.id, at, &reason)?;
                pass.retrying.push((d.channel.clone(), reason));
            }
            Next::GiveUp { reason } => {
                tracing::warn!(incident = d.incident.0, channel = %d.channel, "comms post given up: {reason}");
                let entry =
                    outbox::failed_entry(d.entry, &d.channel, &reason, d.attempts + 1, done);
                let stored =
                    store.finish_delivery(d.id, DeliveryState::Failed, Some(&reason), &entry)?;
                pass.finished.push(Finished {
                    channel: d.channel.clone(),
                    posted: false,
                    reason: Some(reason),
                    entry: stored,
                });
            }
        }
    }
    Ok(pass)
}

/// The body posted for `claimed` to `channel`.
fn body(
    store: &mut Store,
    config: &Config,
    templates_dir: &Path,
    channel: &Channel,
    claimed: &Claimed,
) -> Result<serde_json::Value, PostError> {
    let refused = |reason: String| PostError {
        reason,
        retryable: false,
    };
    let incident = |store: &mut Store| {
        store
            .load_incident(claimed.delivery.incident)
            .map(|record| record.incident)
            .map_err(|e| PostError {
                reason: format!("cannot read the incident: {e}"),
                retryable: true,
            })
    };
    match (channel.kind, channel.audience) {
        (ChannelKind::Slack, Audience::Public) => Ok(outbox::slack_body(&claimed.text)),
        (ChannelKind::Slack, Audience::Internal) => Ok(outbox::slack_internal_body(
            &claimed.text,
            &incident(store)?,
        )),
        (ChannelKind::Webhook, audience) => {
            let incident = incident(store)?;
            let context = crate::report::context::webhook_post(
                &incident,
                &claimed.text,
                &claimed.author,
                claimed.at,
                &channel.name,
                &config.comms.regions,
                audience,
            );
            let text = Templates::new(templates_dir)
                .render(&channel.template, &context)
                .map_err(|e| refused(e.to_string()))?;
            serde_json::from_str(&text).map_err(|e| {
                refused(format!(
                    "template '{}' did not give JSON: {e}",
                    channel.template
                ))
            })
        }
    }
}

async fn post_all(
    jobs: Vec<(usize, Channel, serde_json::Value)>,
) -> Vec<(usize, Result<(), PostError>)> {
    let mut set = tokio::task::JoinSet::new();
    for (index, channel, body) in jobs {
        set.spawn(async move { (index, crate::sources::webhook::post(&channel, &body).await) });
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok(done) = joined {
            out.push(done);
        }
    }
    out
}

/// Delivers `entry`'s deliveries until each is posted or given up, saying each failed
/// try through `progress`. Interrupted (Ctrl-C, a kill), what is left stays in the
/// outbox for the next sitrep that delivers.
pub fn deliver_until_done(
    store: &mut Store,
    config: &Config,
    templates_dir: &Path,
    entry: EntryId,
    incident: crate::domain::IncidentId,
    mut progress: impl FnMut(&str),
) -> Result<Vec<Finished>, StoreError> {
    let mut finished = Vec::new();
    loop {
        let pass = deliver_due(store, config, templates_dir, Some(entry))?;
        for (channel, reason) in &pass.retrying {
            progress(&format!("post to {channel} failed: {reason}; trying again"));
        }
        finished.extend(pass.finished);
        let pending: Vec<_> = store
            .deliveries(incident)?
            .into_iter()
            .filter(|d| d.entry == entry && d.state == DeliveryState::Pending)
            .collect();
        let Some(next) = pending.iter().map(|d| d.next_at).min() else {
            return Ok(finished);
        };
        let wait = (next - Utc::now())
            .to_std()
            .unwrap_or_default()
            .clamp(StdDuration::from_millis(50), StdDuration::from_secs(5));
        std::thread::sleep(wait);
    }
}
