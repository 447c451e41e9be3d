//! Giving the reminders `domain::reminders` says are due: each is a timeline entry,
//! written once per database (the same reminder from a second watcher is the same
//! text, and the store's write-once check keeps one), and posted through the comms
//! outbox to the team's internal channels only: "customer update overdue" is for the
//! comms lead, never for customers. A drill's reminders are logged, not posted.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::outbox::Audience;
use crate::domain::reminders;
use crate::domain::TimelineEntry;
use crate::store::{Store, StoreError};

/// The channels reminders are posted to: the internal ones.
pub fn channels(config: &Config) -> Vec<String> {
    config
        .comms
        .channels
        .iter()
        .filter(|c| c.audience == Audience::Internal)
        .map(|c| c.name.clone())
        .collect()
}

/// Writes (and queues for posting) every reminder due at `now` for the open
/// incidents; returns those this call wrote.
pub fn give_due(
    store: &mut Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<TimelineEntry>, StoreError> {
    let rules = &config.watch.reminders;
    if !rules.customer_updates && !rules.triage {
        return Ok(Vec::new());
    }
    let internal = channels(config);
    let give_up = super::outbox::give_up_at(config, now);
    let mut written = Vec::new();
    for incident in store.list_incidents(true)? {
        let record = store.load_incident(incident.id)?;
        let due = reminders::due(
            &record.incident,
            &record.timeline,
            config.comms.update_every,
            config.p2_triage_window,
            rules,
            now,
        );
        for entry in due {
            let posted_to: &[String] = if record.incident.drill {
                &[]
            } else {
                &internal
            };
            if let Some(stored) =
                store.append_once_for_posting(incident.id, &entry, posted_to, give_up)?
            {
                tracing::info!(incident = incident.id.0, "reminder: {}", stored.text);
                written.push(stored);
            }
        }
    }
    Ok(written)
}
