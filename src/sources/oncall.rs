//! Reading a team's schedule feed: a local file, or a URL fetched with a time and
//! size bound, whose last good copy is kept in the state dir (owner-only) for when
//! the feed cannot be read. A feed URL carries a token: no error here names it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::http::{self, HttpOptions, Secret};

/// A feed answer larger than this is refused: two years of a busy schedule is a few MiB.
pub const MAX_FEED_BYTES: usize = 16 * 1024 * 1024;
pub const FEED_TIMEOUT: Duration = Duration::from_secs(10);

/// Where `team`'s last good copy of its feed is kept.
pub fn cache_path(dir: &Path, team: &str) -> PathBuf {
    let safe: String = team
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.ics"))
}

/// The kept copy and when it was fetched (its file's modification time).
pub fn cached(path: &Path) -> Option<(String, DateTime<Utc>)> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let bytes = crate::host::read_small(path, MAX_FEED_BYTES as u64).ok()?;
    Some((
        String::from_utf8(bytes).ok()?,
        DateTime::<Utc>::from(modified),
    ))
}

/// Keeps a copy that parsed, replacing the last one whole (write, then rename).
pub fn keep(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let tmp = path.with_extension(format!("ics.{}.tmp", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// GETs the feed; the error never names the URL.
pub async fn fetch(url: &Secret) -> Result<String, String> {
    let options = HttpOptions {
        timeout: FEED_TIMEOUT,
        max_bytes: MAX_FEED_BYTES,
        ..HttpOptions::default()
    };
    let client = http::client(&options).map_err(|e| e.to_string())?;
    let body = http::get(&client, url.expose(), &options)
        .await
        .map_err(|e| {
            // reqwest's words can carry the address; the feed's token must not show.
            let text = e.cleaned().to_string().replace(url.expose(), "<feed URL>");
            match reqwest::Url::parse(url.expose()) {
                Ok(u) => text.replace(u.as_str(), "<feed URL>"),
                Err(_) => text,
            }
        })?;
    String::from_utf8(body).map_err(|_| "the feed is not UTF-8 text".to_string())
}
