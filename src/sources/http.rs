//! The HTTP side of every source: a client with connect and total timeouts, optional
//! bearer token or basic auth, an extra CA, and a body reader that stops at a size cap.
//! reqwest has none of these limits by default.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Client, StatusCode};

use super::SourceError;

pub use crate::secret::Secret;

/// How to reach one backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    /// The whole request, body included.
    pub timeout: Duration,
    pub max_bytes: usize,
    /// Sent as `Authorization: Bearer …`; read from a file or an env var, never argv.
    pub bearer_token: Option<Secret>,
    pub basic_auth: Option<(String, Secret)>,
    /// An extra CA certificate (PEM) to trust besides the system's.
    pub ca_file: Option<PathBuf>,
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Room for a storm: about 300,000 Alertmanager alerts with a summary, a description
/// and a runbook link each (60,000 such alerts are a 49 MB answer). The buffer is
/// sized from what the server says or from the last answer, never to the cap.
pub const DEFAULT_MAX_BYTES: usize = 256 * 1024 * 1024;

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_bytes: DEFAULT_MAX_BYTES,
            bearer_token: None,
            basic_auth: None,
            ca_file: None,
        }
    }
}

pub fn client(options: &HttpOptions) -> Result<Client, SourceError> {
    let mut builder = Client::builder()
        .connect_timeout(options.connect_timeout)
        .timeout(options.timeout)
        .user_agent(concat!("sitrep/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &options.ca_file {
        let pem = crate::host::read_small(path, 1024 * 1024).map_err(|e| {
            SourceError::Config(format!("cannot read CA file '{}': {e}", path.display()))
        })?;
        for cert in ca_certificates(path, &pem)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| SourceError::Config(format!("cannot build the HTTP client: {e}")))
}

/// The certificates of a CA file: one or more PEM `CERTIFICATE` blocks. A file with
/// none (garbage, a private key, a DER file) is refused here, at load, instead of
/// failing later as an unknown issuer.
pub fn ca_certificates(
    path: &std::path::Path,
    pem: &[u8],
) -> Result<Vec<reqwest::Certificate>, SourceError> {
    let text = String::from_utf8_lossy(pem);
    let refuse = |why: &str| {
        SourceError::Config(format!(
            "CA file '{}' {why}; it must hold PEM certificates (-----BEGIN CERTIFICATE-----)",
            path.display()
        ))
    };
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(if text.contains("PRIVATE KEY-----") {
            refuse("holds a private key, not a certificate")
        } else {
            refuse("holds no certificate")
        });
    }
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| refuse(&format!("could not be read ({e})")))?;
    if certs.is_empty() {
        return Err(refuse("holds no certificate"));
    }
    Ok(certs)
}

/// GETs `url` and returns the body, refusing non-2xx answers and bodies over the cap.
pub async fn get(
    client: &Client,
    url: &str,
    options: &HttpOptions,
) -> Result<Vec<u8>, SourceError> {
    send(client, reqwest::Method::GET, url, None, options).await
}

/// Sends `method` to `url` with an optional JSON `body` (the Alertmanager's silences
/// and alerts APIs), with the same auth, limits and errors as [`get`].
pub async fn send(
    client: &Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&serde_json::Value>,
    options: &HttpOptions,
) -> Result<Vec<u8>, SourceError> {
    let response = respond(client, method, url, body, options).await?;
    // Sized once when the server says how much is coming (growing a 30 MB answer by
    // doubling copies it about twice over).
    let wanted = response
        .content_length()
        .map_or(64 * 1024, |n| n as usize)
        .min(options.max_bytes);
    let mut answer = Vec::with_capacity(wanted);
    each_chunk(response, options, |chunk| {
        answer.extend_from_slice(chunk);
        Ok(())
    })
    .await?;
    Ok(answer)
}

/// GETs `url` and hands the answer to `each` chunk by chunk as it arrives (nothing
/// of it is kept here), with the same auth, limits and errors as [`get`].
pub async fn get_each(
    client: &Client,
    url: &str,
    options: &HttpOptions,
    each: impl FnMut(&[u8]) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let response = respond(client, reqwest::Method::GET, url, None, options).await?;
    each_chunk(response, options, each).await
}

/// Reads the body to its end, handing each chunk to `each`; past the cap it stops
/// and refuses the answer.
async fn each_chunk(
    mut response: reqwest::Response,
    options: &HttpOptions,
    mut each: impl FnMut(&[u8]) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut read = 0usize;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| request_error(&e, options))?
    {
        read += chunk.len();
        if read > options.max_bytes {
            return Err(SourceError::TooLarge(options.max_bytes));
        }
        each(&chunk)?;
    }
    Ok(())
}

/// Sends the request and checks the answer's status and announced size.
async fn respond(
    client: &Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&serde_json::Value>,
    options: &HttpOptions,
) -> Result<reqwest::Response, SourceError> {
    let mut request = client
        .request(method, url)
        .header("Accept", "application/json");
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(token) = &options.bearer_token {
        request = request.bearer_auth(token.expose());
    } else if let Some((user, password)) = &options.basic_auth {
        request = request.basic_auth(user, Some(password.expose()));
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| request_error(&e, options))?;
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(SourceError::Unauthorized(status.as_u16()));
    }
    if !status.is_success() {
        // Prometheus explains a refused query in a small JSON body: keep its words.
        let reason = status.canonical_reason().unwrap_or("").to_string();
        let explained = match response.chunk().await {
            Ok(Some(first)) => {
                serde_json::from_slice::<serde_json::Value>(&first[..first.len().min(4096)])
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                    .map(|e| {
                        format!(
                            "{reason}: query failed: {}",
                            crate::domain::text::sanitize_line(&e)
                        )
                    })
            }
            _ => None,
        };
        return Err(SourceError::Status(
            status.as_u16(),
            explained.unwrap_or(reason),
        ));
    }
    if response
        .content_length()
        .is_some_and(|n| n > options.max_bytes as u64)
    {
        return Err(SourceError::TooLarge(options.max_bytes));
    }
    Ok(response)
}

fn request_error(e: &reqwest::Error, options: &HttpOptions) -> SourceError {
    if e.is_timeout() {
        SourceError::Timeout(options.timeout)
    } else if e.is_connect() {
        SourceError::Connect(root_cause(e))
    } else {
        SourceError::Transport(root_cause(e))
    }
}

/// The innermost cause ("Connection refused (os error 111)"), which says more than
/// reqwest's own wrapper ("client error (Connect)"); a TLS failure in words.
fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    crate::tls::in_words(&text).map_or(text, str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_token_or_password() {
        let options = HttpOptions {
            bearer_token: Some(Secret::new("tok3n-value".into())),
            basic_auth: Some(("sitrep".into(), Secret::new("pa55word".into()))),
            ..HttpOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(
            !shown.contains("tok3n-value") && !shown.contains("pa55word"),
            "{shown}"
        );
        assert!(
            shown.contains("sitrep"),
            "the user name is no secret: {shown}"
        );
    }

    #[test]
    fn rustls_debug_text_becomes_words() {
        let words =
            crate::tls::in_words("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))");
        assert_eq!(
            words,
            Some("TLS: the server presents a CA certificate as its own; it needs a server certificate signed by that CA")
        );
        assert_eq!(crate::tls::in_words("connection refused"), None);
    }
}
