//! Posting the `SitrepIncident` alert (`POST /api/v2/alerts`) to every member of an
//! Alertmanager source: an HA pair expects clients to send each alert to all members.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;

use super::{api_url, http, shown_url, Source, SourceError, SourceKind};

/// The labels of every page Alertmanager holds for incident `id` (the first member
/// that answers): a page posted before the incident's services or regions changed
/// carries other labels, and must be ended too.
async fn pages_of(
    client: &reqwest::Client,
    source: &Source,
    id: &str,
) -> Vec<BTreeMap<String, String>> {
    #[derive(serde::Deserialize)]
    struct Page {
        labels: BTreeMap<String, String>,
    }
    for base in &source.urls {
        let Ok(url) = super::alertmanager::alerts_url(
            base,
            &[
                format!("alertname=\"{}\"", crate::domain::escalation::ALERT_NAME),
                format!("incident=\"{id}\""),
            ],
        ) else {
            continue;
        };
        if let Ok(body) = http::get(client, &url, &source.http).await {
            if let Ok(pages) = serde_json::from_slice::<Vec<Page>>(&body) {
                return pages.into_iter().map(|p| p.labels).collect();
            }
        }
    }
    Vec::new()
}

/// Posts one alert (firing until `ends_at`, or ended when that is now) and ends every
/// other page of the same incident and kind (every page, with `end_every_page`); succeeds when at least one member took it, and
/// says which did not.
pub async fn post(
    source: &Source,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    generator_url: Option<&str>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    end_every_page: bool,
) -> Result<Vec<String>, SourceError> {
    source.usable()?;
    if source.kind != SourceKind::Alertmanager {
        return Err(SourceError::Config(format!(
            "source '{}' is a {}; pages go through an Alertmanager",
            source.name, source.kind
        )));
    }
    let client = http::client(&source.http)?;
    let mut page = json!({
        "labels": labels,
        "annotations": annotations,
        "startsAt": starts_at,
        "endsAt": ends_at,
    });
    if let Some(url) = generator_url {
        page["generatorURL"] = json!(url);
    }
    let mut alerts = vec![page];
    if let Some(id) = labels.get("incident") {
        let now = Utc::now();
        let team = labels.get(crate::domain::escalation::TEAM_PAGE);
        for stale in pages_of(&client, source, id).await {
            // A team's page stays while the P1 page is refreshed, and the other way
            // round; resolving ends them all.
            let same_kind = stale.get(crate::domain::escalation::TEAM_PAGE) == team;
            if &stale != labels && (same_kind || end_every_page) {
                alerts.push(json!({
                    "labels": stale,
                    "annotations": annotations,
                    "startsAt": starts_at,
                    "endsAt": now,
                }));
            }
        }
    }
    let body = serde_json::Value::Array(alerts);
    let mut failed = Vec::new();
    let mut first_error = None;
    for base in &source.urls {
        let url = api_url(base, &["api", "v2", "alerts"])?;
        if let Err(e) = http::send(
            &client,
            Method::POST,
            url.as_str(),
            Some(&body),
            &source.http,
        )
        .await
        {
            let e = e.cleaned();
            failed.push(format!("{}: {e}", shown_url(base)));
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        Some(e) if failed.len() == source.urls.len() => Err(e),
        _ => Ok(failed),
    }
}
