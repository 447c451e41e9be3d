//! The `[[comms.channels]]` tables of the config: where comms updates are posted. A
//! channel's webhook URL is a secret (whoever has it can post as the team), so it is
//! read from a file or an environment variable, kept as a [`Secret`], and never shown:
//! not in errors, not in `config show`, not in logs.

use std::path::PathBuf;
use std::time::Duration as StdDuration;

use chrono::Duration;
use serde::Deserialize;

use super::{positive_duration, ConfigError};
use crate::domain::text::sanitize_line;
use crate::secret::Secret;

pub use crate::sources::webhook::{Channel, ChannelKind};

/// One `[[comms.channels]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChannelFile {
    /// As the timeline names it, e.g. "#incidents" or "status page".
    name: String,
    #[serde(default = "slack")]
    kind: ChannelKind,
    url_file: Option<PathBuf>,
    url_env: Option<String>,
    /// For `kind = "webhook"`: the body's template (default `webhook.json`).
    template: Option<String>,
    /// Who reads it: `internal` (the team: posts say which incident) or `public`
    /// (customers: the text and public fields only; the default).
    #[serde(default)]
    audience: crate::domain::outbox::Audience,
    /// One try's limit (default 10s).
    timeout: Option<String>,
    /// How long a failing post is tried again before it is given up (default 5m).
    retry_for: Option<String>,
}

fn slack() -> ChannelKind {
    ChannelKind::Slack
}

pub const DEFAULT_TEMPLATE: &str = "webhook.json";

pub(super) fn channel(file: ChannelFile) -> Result<Channel, ConfigError> {
    let name = sanitize_line(&file.name);
    let key = |field: &str| format!("comms channel '{name}' {field}");
    let err = |field: &str, detail: String| ConfigError::Value {
        key: key(field),
        detail,
    };
    if name.is_empty() {
        return Err(ConfigError::Value {
            key: "comms channels name".into(),
            detail: "every channel needs a name, e.g. \"#incidents\"".into(),
        });
    }
    if file.kind == ChannelKind::Slack && file.template.is_some() {
        return Err(err(
            "template",
            "a slack channel posts {\"text\": …}; templates are for kind = \"webhook\"".into(),
        ));
    }
    let mut warnings = Vec::new();
    let raw = match (&file.url_file, &file.url_env) {
        (Some(_), Some(_)) => return Err(err("url", "set url_file or url_env, not both".into())),
        (None, None) => {
            return Err(err(
                "url",
                "set url_file (a file holding the webhook URL) or url_env (a variable holding it); the URL itself never goes in the config".into(),
            ))
        }
        (Some(path), None) => super::sources::read_secret_file(path, 16 * 1024)
            .map_err(|why| format!("url_file: {why}"))
            .map(|(text, warning)| {
                if let Some(w) = warning {
                    warnings.push(format!("{}: {w}", key("url_file")));
                }
                (text, format!("file '{}'", path.display()))
            }),
        (None, Some(var)) => std::env::var(var)
            .map_err(|_| format!("url_env: environment variable '{var}' is not set"))
            .map(|text| (text, format!("environment variable '{var}'"))),
    };
    let (url, unusable) = match raw.and_then(|(text, what)| webhook_url(&text, &what)) {
        Ok(url) => (Some(url), None),
        Err(why) => (None, Some(format!("{}: {why}", key("url")))),
    };
    let timeout = match &file.timeout {
        Some(raw) => positive_duration(&key("timeout"), raw)
            .map(|d| StdDuration::from_millis(d.num_milliseconds().max(1) as u64))?,
        None => StdDuration::from_secs(10),
    };
    let retry_for = match &file.retry_for {
        Some(raw) => positive_duration(&key("retry_for"), raw)?,
        None => Duration::minutes(5),
    };
    Ok(Channel {
        name,
        template: file.template.unwrap_or_else(|| DEFAULT_TEMPLATE.into()),
        kind: file.kind,
        audience: file.audience,
        url,
        unusable,
        timeout,
        retry_for,
        warnings,
    })
}

/// The webhook URL in `text` (one line, http or https), or why not; the URL is never
/// part of the reason.
fn webhook_url(text: &str, what: &str) -> Result<Secret, String> {
    let value = text.trim();
    if value.is_empty() {
        return Err(format!("{what} is empty; put the webhook URL in it"));
    }
    if value.contains(['\n', '\r']) {
        return Err(format!(
            "{what} holds more than one line; put only the webhook URL in it"
        ));
    }
    match reqwest::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(Secret::new(value.to_string()))
        }
        Ok(_) => Err(format!("{what} does not hold an http(s) URL")),
        Err(_) => Err(format!("{what} does not hold a URL")),
    }
}

/// Channel names must differ: the timeline and the outbox know channels by name.
pub(super) fn check_names(channels: &[Channel]) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    match channels.iter().find(|c| !seen.insert(c.name.as_str())) {
        Some(dup) => Err(ConfigError::Value {
            key: "comms channels".into(),
            detail: format!("two channels are named '{}'; names must differ", dup.name),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_checked_without_being_shown() {
        let secret = "https://hooks.example/T000/B000/XXXXSECRET";
        assert!(webhook_url(secret, "file 'x'").is_ok());
        for bad in [
            "",
            "hooks.example/XXXXSECRET",
            "ftp://h/XXXXSECRET",
            "https://h/a\nhttps://h/XXXXSECRET",
        ] {
            let why = webhook_url(bad, "file 'x'").unwrap_err();
            assert!(!why.contains("XXXXSECRET"), "{why}");
            assert!(why.starts_with("file 'x'"), "{why}");
        }
    }
}
