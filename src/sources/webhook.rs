//! Posting a comms update to one chat or status channel's webhook. The URL is a
//! secret: no error that leaves here carries it.

use reqwest::Method;

use super::{http, SourceError};
use crate::domain::outbox::PostError;

/// How a channel is posted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat):
    /// `{"text": …}`.
    Slack,
    /// Any JSON webhook, the body rendered from a template in the templates folder.
    Webhook,
}

/// A channel ready to post to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
    pub audience: crate::domain::outbox::Audience,
    /// The body's template, for webhooks.
    pub template: String,
    pub url: Option<crate::secret::Secret>,
    /// Why the channel cannot be posted to (the URL's file or variable is missing);
    /// each post to it fails with this reason, other commands work.
    pub unusable: Option<String>,
    pub timeout: std::time::Duration,
    pub retry_for: chrono::Duration,
    pub warnings: Vec<String>,
}

/// Posts `body` to `channel` once: `Ok` on any 2xx answer.
pub async fn post(channel: &Channel, body: &serde_json::Value) -> Result<(), PostError> {
    let Some(url) = &channel.url else {
        return Err(PostError {
            reason: channel
                .unusable
                .clone()
                .unwrap_or_else(|| "no webhook URL".into()),
            retryable: false,
        });
    };
    let options = http::HttpOptions {
        timeout: channel.timeout,
        connect_timeout: channel.timeout.min(http::DEFAULT_CONNECT_TIMEOUT),
        max_bytes: 64 * 1024,
        ..http::HttpOptions::default()
    };
    let refused = |reason: String, retryable: bool| PostError {
        reason: hide(&reason, url.expose()),
        retryable,
    };
    let client = http::client(&options).map_err(|e| refused(e.to_string(), false))?;
    match http::send(&client, Method::POST, url.expose(), Some(body), &options).await {
        Ok(_) => Ok(()),
        // The answer's body may be a long page; the status is what says it.
        Err(SourceError::Status(code, reason)) => {
            let retryable = code >= 500 || code == 408 || code == 429;
            Err(refused(format!("HTTP {code} {reason}"), retryable))
        }
        Err(SourceError::TooLarge(_)) => Ok(()),
        Err(SourceError::Unauthorized(code)) => Err(refused(
            format!("HTTP {code}: refused (is the webhook URL revoked?)"),
            false,
        )),
        Err(
            e @ (SourceError::Timeout(_) | SourceError::Connect(_) | SourceError::Transport(_)),
        ) => Err(refused(e.cleaned().to_string(), true)),
        Err(e) => Err(refused(e.cleaned().to_string(), false)),
    }
}

/// `text` without the URL, or any long part of its path (the part that is the
/// secret in Slack's and most webhooks' URLs).
fn hide(text: &str, url: &str) -> String {
    let mut out = text.replace(url, "(webhook URL)");
    if let Ok(parsed) = reqwest::Url::parse(url) {
        for part in parsed.path().split('/').filter(|p| p.len() >= 6) {
            out = out.replace(part, "…");
        }
        if let Some(query) = parsed.query().filter(|q| !q.is_empty()) {
            out = out.replace(query, "…");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_never_carry_the_url_or_its_secret_parts() {
        let url = "https://hooks.example/services/T0000/B1111/XXXXSECRETXXXX?token=abcdef";
        let shown = hide(
            &format!("error sending request for url ({url}): XXXXSECRETXXXX"),
            url,
        );
        assert!(
            !shown.contains("XXXXSECRET") && !shown.contains("abcdef"),
            "{shown}"
        );
    }
}
