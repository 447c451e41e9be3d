//! The `[[sources]]` and `[[slos]]` tables of the config: turned into ready sources
//! and SLO queries, with secrets read from files or the environment and every value
//! checked that can be checked before anything is fetched.

use std::fs;
use std::path::PathBuf;
use std::time::Duration as StdDuration;

use serde::Deserialize;

use super::{positive_duration, ConfigError};
use crate::domain::text::sanitize_line;
use crate::sources::http::Secret;
use crate::sources::slo::SloQuery;
use crate::sources::{HttpOptions, Source, SourceKind};

/// One `[[slos]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SloFile {
    name: String,
    service: String,
    /// Percent, e.g. 99.5.
    objective: f64,
    /// The SLO window, e.g. "30d" (default).
    window: Option<String>,
    /// PromQL for the error ratio by region, with `{{window}}` for the range; default:
    /// Sloth's recording rule for this service and SLO.
    query: Option<String>,
    /// PromQL for a whole review period; default: `query` (or, for Sloth's rules, the
    /// 5m rule averaged over the period).
    period_query: Option<String>,
    region_label: Option<String>,
    /// The Prometheus source to ask; default: the first one.
    source: Option<String>,
}

/// One `[[sources]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SourceFile {
    name: String,
    kind: SourceKind,
    /// Base URLs; more than one are members of an HA pair.
    urls: Vec<String>,
    #[serde(default)]
    filters: Vec<String>,
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    basic_user: Option<String>,
    password_env: Option<String>,
    ca_file: Option<PathBuf>,
    timeout: Option<String>,
    connect_timeout: Option<String>,
    max_response_bytes: Option<usize>,
    poll_interval: Option<String>,
}

/// Turns a `[[slos]]` table into an SLO query, checking what can be checked early.
pub(super) fn slo(file: SloFile) -> Result<SloQuery, ConfigError> {
    let key = format!("slos '{}'", sanitize_line(&file.name));
    crate::domain::slo::check_objective(file.objective).map_err(|detail| ConfigError::Value {
        key: format!("{key} objective"),
        detail,
    })?;
    let window = file.window.unwrap_or_else(|| "30d".to_string());
    positive_duration(&format!("{key} window"), &window)?;
    let query = file
        .query
        .unwrap_or_else(|| crate::sources::slo::sloth_query(&file.service, &file.name));
    let period_query = file.period_query;
    for (field, q) in [
        ("query", Some(&query)),
        ("period_query", period_query.as_ref()),
    ]
    .into_iter()
    .filter_map(|(f, q)| Some((f, q?)))
    {
        if !q.contains("{{window}}") {
            return Err(ConfigError::Value {
                key: format!("{key} {field}"),
                detail: "must contain {{window}} where the range goes, e.g. rate(errors_total[{{window}}])".into(),
            });
        }
    }
    Ok(SloQuery {
        objective: crate::domain::slo::Objective {
            name: sanitize_line(&file.name),
            service: sanitize_line(&file.service),
            objective: file.objective,
            window,
        },
        query,
        period_query,
        region_label: file.region_label.unwrap_or_else(|| "region".into()),
        source: file.source.unwrap_or_default(),
    })
}

/// A short name for a one-off source: its host and port, and its path when it has
/// one (two Alertmanagers behind one proxy differ only there). Never its credentials.
pub(super) fn url_name(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            let path = u.path().trim_end_matches('/').to_string();
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}{path}"),
                None => format!("{h}{path}"),
            })
        })
        .unwrap_or_else(|| sanitize_line(&crate::domain::text::redact_userinfo(url)))
}

/// Turns a `[[sources]]` table into a source, reading its secret from a file or an
/// environment variable (never from the config itself or argv).
pub(super) fn source(file: SourceFile) -> Result<Source, ConfigError> {
    let key = |field: &str| format!("sources '{}' {field}", sanitize_line(&file.name));
    let err = |field: &str, detail: String| ConfigError::Value {
        key: key(field),
        detail,
    };
    if sanitize_line(&file.name).is_empty() {
        return Err(ConfigError::Value {
            key: "sources name".into(),
            detail: "every source needs a name".into(),
        });
    }
    if file.kind == SourceKind::Demo {
        return Err(err(
            "kind",
            "the demo feed is built in: run with --demo, or configure no sources".into(),
        ));
    }
    if file.urls.is_empty() {
        return Err(err("urls", "list at least one URL".into()));
    }
    for url in &file.urls {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| err("urls", format!("'{}': {e}", sanitize_line(url))))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(err(
                "urls",
                format!("'{}' is not http(s)", sanitize_line(url)),
            ));
        }
    }
    // What the source needs from outside the config (a variable, a file) is looked
    // up here, but its absence only makes this source unusable: commands that do not
    // read alerts work, and those that do say why this source fails.
    let mut unusable: Option<String> = None;
    let mut broken = |field: &str, why: String| {
        unusable.get_or_insert_with(|| err(field, why).to_string());
    };
    let env_secret = |field: &str, name: &str| -> Result<Secret, (String, String)> {
        let value = std::env::var(name).map_err(|_| {
            (
                field.to_string(),
                format!("environment variable '{name}' is not set"),
            )
        })?;
        header_secret(&format!("environment variable '{name}'"), &value)
            .map_err(|why| (field.to_string(), why))
    };
    let mut warnings = Vec::new();
    let bearer_token = match (&file.token_file, &file.token_env) {
        (Some(_), Some(_)) => {
            return Err(err("token", "set token_file or token_env, not both".into()))
        }
        (Some(path), None) => match read_secret_file(path, 64 * 1024) {
            Err(why) => {
                broken("token_file", why);
                None
            }
            Ok((text, warning)) => {
                if let Some(warning) = warning {
                    warnings.push(format!("{}: {warning}", key("token_file")));
                }
                match header_secret(&format!("token file '{}'", path.display()), &text) {
                    Ok(secret) => Some(secret),
                    Err(why) => {
                        broken("token_file", why);
                        None
                    }
                }
            }
        },
        (None, Some(name)) => match env_secret("token_env", name) {
            Ok(secret) => Some(secret),
            Err((field, why)) => {
                broken(&field, why);
                None
            }
        },
        (None, None) => None,
    };
    let basic_auth = match (&file.basic_user, &file.password_env) {
        (Some(user), Some(name)) => match env_secret("password_env", name) {
            Ok(secret) => Some((user.clone(), secret)),
            Err((field, why)) => {
                broken(&field, why);
                None
            }
        },
        (Some(_), None) | (None, Some(_)) => {
            return Err(err(
                "basic auth",
                "set both basic_user and password_env".into(),
            ))
        }
        (None, None) => None,
    };
    if let Some(path) = &file.ca_file {
        match crate::host::read_small(path, 1024 * 1024) {
            Err(e) => broken("ca_file", format!("cannot read '{}': {e}", path.display())),
            Ok(pem) => {
                if let Err(e) = crate::sources::http::ca_certificates(path, &pem) {
                    broken("ca_file", e.to_string());
                }
            }
        }
    }
    let timeout = |field: &str, raw: &Option<String>, default: StdDuration| match raw {
        Some(raw) => positive_duration(&key(field), raw)
            .map(|d| StdDuration::from_millis(d.num_milliseconds().max(1) as u64)),
        None => Ok(default),
    };
    Ok(Source {
        http: HttpOptions {
            timeout: timeout(
                "timeout",
                &file.timeout,
                crate::sources::http::DEFAULT_TIMEOUT,
            )?,
            connect_timeout: timeout(
                "connect_timeout",
                &file.connect_timeout,
                crate::sources::http::DEFAULT_CONNECT_TIMEOUT,
            )?,
            max_bytes: file
                .max_response_bytes
                .unwrap_or(crate::sources::http::DEFAULT_MAX_BYTES),
            bearer_token,
            basic_auth,
            ca_file: file.ca_file,
        },
        poll_interval: timeout(
            "poll_interval",
            &file.poll_interval,
            crate::sources::DEFAULT_POLL_INTERVAL,
        )?,
        name: sanitize_line(&file.name),
        kind: file.kind,
        urls: file.urls,
        filters: file.filters,
        warnings,
        unusable,
    })
}

/// A token or password as an HTTP header can carry it: surrounding whitespace and
/// one final line break trimmed; empty, several lines or control characters refused,
/// saying which file or variable and why (the value itself is never shown).
fn header_secret(what: &str, raw: &str) -> Result<Secret, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(format!("{what} is empty; put the token in it"));
    }
    if value.contains(['\n', '\r']) {
        return Err(format!(
            "{what} holds more than one line; put only the token in it"
        ));
    }
    if let Some(bad) = value.chars().find(|c| !(' '..='~').contains(c)) {
        let shown = if bad.is_control() {
            format!("control character U+{:04X}", bad as u32)
        } else {
            format!("non-ASCII character U+{:04X}", bad as u32)
        };
        return Err(format!(
            "{what} holds a {shown}, which an HTTP header cannot carry"
        ));
    }
    Ok(Secret::new(value.to_string()))
}

/// A secret file's text (at most `cap` bytes, UTF-8), and a warning when others may
/// read it; or why it cannot be read (the text is never part of it).
pub(super) fn read_secret_file(
    path: &std::path::Path,
    cap: u64,
) -> Result<(String, Option<String>), String> {
    let text = crate::host::read_small(path, cap)
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
        })
        .map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    Ok((text, readable_by_others(path)))
}

/// Like ssh with a private key: a secret file that others may read gets a warning.
fn readable_by_others(path: &std::path::Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "'{}' is readable by others (mode {mode:04o}); run 'chmod 600 {}'",
                path.display(),
                path.display()
            ));
        }
    }
    None
}
