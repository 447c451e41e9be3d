//! Posting a comms update to the configured channels from the CLI (`log --kind comms
//! --post`, `comms --post`): the update is logged first, with its deliveries, then
//! posted, and the command waits until each channel has it or was given up on.

use serde::Serialize;

use super::{CliError, Context};
use crate::domain::{IncidentId, NewEntry, TimelineEntry};
use crate::services::outbox;
use crate::store::Store;

#[derive(Debug, Serialize)]
struct Posted {
    channel: String,
    posted: bool,
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    entry: &'a TimelineEntry,
    posts: &'a [Posted],
}

/// Refuses before anything is written when there is nowhere to post.
pub fn check_channels(ctx: &Context) -> Result<Vec<String>, CliError> {
    if !matches!(ctx.feed, crate::config::Feed::Live) {
        return Err(CliError::Refused(
            "the demo and rehearsals post nowhere: their incidents are not real; nothing was logged".into(),
        ));
    }
    let names = outbox::channel_names(&ctx.config);
    if names.is_empty() {
        return Err(CliError::Refused(
            "no [[comms.channels]] in the config: nothing to post to (see 'sitrep config init' for an example); nothing was logged".into(),
        ));
    }
    Ok(names)
}

/// Logs `entry` (a comms update) on incident `id` and posts it to every channel.
pub fn log_and_post(
    ctx: &Context,
    store: &mut Store,
    id: IncidentId,
    entry: &NewEntry,
) -> Result<String, CliError> {
    let names = check_channels(ctx)?;
    if store.load_incident(id)?.incident.drill {
        return Err(CliError::Refused(format!(
            "incident {id} is a drill: its comms updates are not posted (log it without --post); nothing was logged"
        )));
    }
    let dir = &ctx.paths.templates_dir;
    // Updates an earlier sitrep logged and could not finish posting (it was killed,
    // or its tries were waiting): the ones due now go out first, once each.
    if let Ok(earlier) = outbox::deliver_due(store, &ctx.config, dir, None) {
        for entry in earlier.finished.iter().filter_map(|f| f.entry.as_ref()) {
            eprintln!("an earlier update: {}", entry.text);
        }
    }
    let stored =
        store.append_for_posting(id, entry, &names, outbox::give_up_at(&ctx.config, ctx.now))?;
    eprintln!(
        "logged comms update {} on incident {id}; posting to {}",
        stored.id,
        names.join(", ")
    );
    let finished = outbox::deliver_until_done(store, &ctx.config, dir, stored.id, id, |line| {
        eprintln!("{line}")
    })?;
    let mut posts: Vec<Posted> = finished
        .into_iter()
        .map(|f| Posted {
            channel: f.channel,
            posted: f.posted,
            reason: f.reason,
        })
        .collect();
    // Finished by another sitrep meanwhile: read back how it went.
    for d in store
        .deliveries(id)?
        .into_iter()
        .filter(|d| d.entry == stored.id)
    {
        if !posts.iter().any(|p| p.channel == d.channel) {
            posts.push(Posted {
                posted: d.state == crate::domain::outbox::DeliveryState::Posted,
                reason: d
                    .last_error
                    .filter(|_| d.state != crate::domain::outbox::DeliveryState::Posted),
                channel: d.channel,
            });
        }
    }
    let failed: Vec<&Posted> = posts.iter().filter(|p| !p.posted).collect();
    let text = if ctx.json {
        ctx.json(&Output {
            entry: &stored,
            posts: &posts,
        })?
    } else {
        let mut out = format!(
            "logged comms entry {} on incident {id} at {}\n",
            stored.id,
            crate::format::time_ms(stored.at, ctx.config.time_display)
        );
        for p in &posts {
            match &p.reason {
                None if p.posted => out.push_str(&format!("posted to {}\n", p.channel)),
                reason => out.push_str(&format!(
                    "post to {} failed: {}\n",
                    p.channel,
                    reason.as_deref().unwrap_or("unknown")
                )),
            }
        }
        out
    };
    if failed.is_empty() {
        return Ok(text);
    }
    print!("{text}");
    Err(CliError::PostFailed(format!(
        "comms update {} is logged but was not posted to {}; post it there yourself",
        stored.id,
        failed
            .iter()
            .map(|p| p.channel.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}
