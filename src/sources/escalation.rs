//! Posting the `SitrepIncident` alert (`POST /api/v2/alerts`) to every member of an
//! Alertmanager source: an HA pair expects clients to send each alert to all members.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;

use super::{api_url, http, shown_url, Source, SourceError, SourceKind};

/// Posts one alert; succeeds when at least one member took it, and says which did not.
pub async fn post(
    source: &Source,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<Vec<String>, SourceError> {
    source.usable()?;
    if source.kind != SourceKind::Alertmanager {
        return Err(SourceError::Config(format!(
            "source '{}' is a {}; pages go through an Alertmanager",
            source.name, source.kind
        )));
    }
    let client = http::client(&source.http)?;
    let body = json!([{
        "labels": labels,
        "annotations": annotations,
        "startsAt": starts_at,
        "endsAt": ends_at,
    }]);
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
