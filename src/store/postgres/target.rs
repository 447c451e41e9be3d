//! A PostgreSQL connection target, read the way libpq (and so `psql`) reads one: a
//! URL (`postgres://user@host:5432/db?sslmode=verify-full`) or `key=value` pairs,
//! completed from `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD`,
//! `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT` and the password file
//! (`PGPASSFILE` or `~/.pgpass`). The password is a [`Secret`]: it is never shown,
//! and [`PgTarget::shown`] is what every message names.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::secret::Secret;
use crate::store::StoreError;

/// libpq's `sslmode`, with its meaning: `disable` never uses TLS; `allow` and
/// `prefer` use it if the server offers it, unverified; `require` always uses it,
/// unverified unless a root certificate is given (then as `verify-ca`); `verify-ca`
/// checks the chain; `verify-full` checks the chain and the host name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(raw: &str) -> Result<Self, String> {
        Ok(match raw {
            "disable" => Self::Disable,
            "allow" => Self::Allow,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode '{}' is not one of disable, allow, prefer, require, verify-ca, verify-full",
                    crate::domain::text::sanitize_line(other)
                ))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTarget {
    /// A host name or address, or a Unix socket directory (starts with `/`).
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    pub password: Option<Secret>,
    pub sslmode: SslMode,
    /// CA certificates (PEM) to verify the server with.
    pub sslrootcert: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// What is worth saying without refusing (a password file others can read).
    pub warnings: Vec<String>,
}

/// The connection options sitrep understands; any other is an error, not ignored.
const KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "dbname",
    "password",
    "sslmode",
    "sslrootcert",
    "connect_timeout",
    "passfile",
    "application_name",
];

#[derive(Default)]
struct Given {
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    dbname: Option<String>,
    password: Option<String>,
    sslmode: Option<String>,
    sslrootcert: Option<String>,
    connect_timeout: Option<String>,
    passfile: Option<String>,
}

impl Given {
    fn set(&mut self, key: &str, value: String) -> Result<(), String> {
        let slot = match key {
            "host" | "hostaddr" => &mut self.host,
            "port" => &mut self.port,
            "user" => &mut self.user,
            "dbname" => &mut self.dbname,
            "password" => &mut self.password,
            "sslmode" => &mut self.sslmode,
            "sslrootcert" => &mut self.sslrootcert,
            "connect_timeout" => &mut self.connect_timeout,
            "passfile" => &mut self.passfile,
            "application_name" => return Ok(()),
            other => {
                return Err(format!(
                    "unknown connection option '{}' (sitrep understands {})",
                    crate::domain::text::sanitize_line(other),
                    KEYS.join(", ")
                ))
            }
        };
        if !value.is_empty() {
            *slot = Some(value);
        }
        Ok(())
    }
}

impl PgTarget {
    /// Whether a `--db` value is a PostgreSQL connection string rather than a path:
    /// a `postgres://` or `postgresql://` URL, or `key=value` pairs whose first key is
    /// one of libpq's.
    pub fn looks_like(raw: &str) -> bool {
        let lower = raw.trim_start().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return true;
        }
        lower
            .split_once('=')
            .is_some_and(|(key, _)| KEYS.contains(&key.trim()))
    }

    /// Reads a connection string, completing it from `env` (libpq's variables) and the
    /// password file. Errors never quote a password.
    pub fn parse(raw: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, StoreError> {
        let bad = |detail: String| StoreError::Target { detail };
        let mut given = Given::default();
        let trimmed = raw.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            parse_url(trimmed, &mut given).map_err(bad)?;
        } else {
            parse_pairs(trimmed, &mut given).map_err(bad)?;
        }
        let from_env = |value: Option<String>, name: &str| value.or_else(|| env(name));
        let host = from_env(given.host, "PGHOST").unwrap_or_else(default_host);
        let port = match from_env(given.port, "PGPORT") {
            Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                bad(format!(
                    "port '{}' is not a port number",
                    crate::domain::text::sanitize_line(&p)
                ))
            })?,
            None => 5432,
        };
        let user = from_env(given.user, "PGUSER")
            .or_else(|| env("USER"))
            .or_else(crate::host::account_name)
            .ok_or_else(|| bad("no user name: add user=NAME or set PGUSER".into()))?;
        let dbname = from_env(given.dbname, "PGDATABASE").unwrap_or_else(|| user.clone());
        let sslmode = match from_env(given.sslmode, "PGSSLMODE") {
            Some(mode) => SslMode::parse(&mode).map_err(bad)?,
            None => SslMode::Prefer,
        };
        let home = env("HOME").map(PathBuf::from);
        let sslrootcert = from_env(given.sslrootcert, "PGSSLROOTCERT")
            .map(PathBuf::from)
            .or_else(|| {
                let default = home.as_ref()?.join(".postgresql/root.crt");
                default.is_file().then_some(default)
            });
        let connect_timeout = match from_env(given.connect_timeout, "PGCONNECT_TIMEOUT") {
            Some(t) => {
                Duration::from_secs(t.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                    bad(format!(
                        "connect_timeout '{}' is not a number of seconds",
                        crate::domain::text::sanitize_line(&t)
                    ))
                })?)
            }
            None => Duration::from_secs(10),
        };
        let mut warnings = Vec::new();
        let password = match from_env(given.password, "PGPASSWORD") {
            Some(p) => Some(p),
            None => {
                let file = from_env(given.passfile, "PGPASSFILE")
                    .map(PathBuf::from)
                    .or_else(|| home.as_ref().map(|h| h.join(".pgpass")));
                match file {
                    Some(file) => {
                        password_from_file(&file, &host, port, &dbname, &user, &mut warnings)
                    }
                    None => None,
                }
            }
        };
        Ok(Self {
            host,
            port,
            user,
            dbname,
            password: password.map(Secret::new),
            sslmode,
            sslrootcert,
            connect_timeout,
            warnings,
        })
    }

    /// The target as it may be shown anywhere: never the password.
    pub fn shown(&self) -> String {
        let mut out = format!("postgres://{}@", self.user);
        let mut query = vec![format!("sslmode={}", self.sslmode.as_str())];
        if self.host.starts_with('/') {
            query.insert(0, format!("host={}", self.host));
        } else if self.host.contains(':') {
            out.push_str(&format!("[{}]:{}", self.host, self.port));
        } else {
            out.push_str(&format!("{}:{}", self.host, self.port));
        }
        if self.host.starts_with('/') && self.port != 5432 {
            query.push(format!("port={}", self.port));
        }
        out.push_str(&format!("/{}?{}", self.dbname, query.join("&")));
        crate::domain::text::sanitize_line(&out)
    }
}

/// libpq's default: the local socket directory when there is one, else localhost.
fn default_host() -> String {
    let socket = "/var/run/postgresql";
    if Path::new(socket).is_dir() {
        socket.to_string()
    } else {
        "localhost".to_string()
    }
}

fn decode(part: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| "the connection URL holds an escape that is not UTF-8".to_string())
}

fn parse_url(raw: &str, given: &mut Given) -> Result<(), String> {
    let url = reqwest::Url::parse(raw).map_err(|e| {
        // The URL may hold a password: say what is wrong, never echo it.
        format!("the connection URL does not parse ({e})")
    })?;
    if !url.username().is_empty() {
        given.user = Some(decode(url.username())?);
    }
    if let Some(password) = url.password() {
        given.password = Some(decode(password)?);
    }
    if let Some(host) = url.host_str().filter(|h| !h.is_empty()) {
        given.host = Some(decode(host.trim_start_matches('[').trim_end_matches(']'))?);
    }
    if let Some(port) = url.port() {
        given.port = Some(port.to_string());
    }
    let db = url.path().trim_start_matches('/');
    if !db.is_empty() {
        given.dbname = Some(decode(db)?);
    }
    for (key, value) in url.query_pairs() {
        given.set(&key, value.into_owned())?;
    }
    Ok(())
}

/// `key=value` pairs separated by spaces; a value may be single-quoted, with `\'`
/// and `\\` escapes inside.
fn parse_pairs(raw: &str, given: &mut Given) -> Result<(), String> {
    let mut chars = raw.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(());
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(format!(
                "'{}' has no value: write key=value",
                crate::domain::text::sanitize_line(&key)
            ));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("the quoted value of '{key}' is not closed")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                if c == '\\' {
                    chars.next();
                    value.extend(chars.next());
                    continue;
                }
                value.push(c);
                chars.next();
            }
        }
        given.set(&key, value)?;
    }
}

/// The password for this connection from a libpq password file: lines of
/// `host:port:database:user:password`, `*` matching anything, `\:` and `\\` escapes.
/// A file others can read is ignored with a warning, as libpq does.
fn password_from_file(
    file: &Path,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            warnings.push(format!(
                "password file '{}' is readable by others (mode {mode:04o}) and was ignored; run 'chmod 600 {}'",
                file.display(),
                file.display()
            ));
            return None;
        }
    }
    // A socket connection matches "localhost" in the file, as in libpq.
    let host = if host.starts_with('/') {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() != 5 {
            continue;
        }
        let matches = |field: &str, value: &str| field == "*" || field == value;
        if matches(&fields[0], host)
            && matches(&fields[1], &port)
            && matches(&fields[2], dbname)
            && matches(&fields[3], user)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(last)) = (chars.next(), fields.last_mut()) {
                    last.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(last) = fields.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn urls_and_key_value_pairs_name_the_same_target() {
        let none = env(&[("HOME", "/nonexistent")]);
        let url = PgTarget::parse(
            "postgres://alice:p%40ss@db.internal:6543/sitrep?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            &none,
        )
        .unwrap();
        let pairs = PgTarget::parse(
            "host=db.internal port=6543 user=alice password='p@ss' dbname=sitrep sslmode=verify-full sslrootcert=/etc/ca.pem",
            &none,
        )
        .unwrap();
        assert_eq!(url, pairs);
        assert_eq!(url.password.as_ref().map(Secret::expose), Some("p@ss"));
        assert_eq!(url.sslmode, SslMode::VerifyFull);
        assert_eq!(
            url.shown(),
            "postgres://alice@db.internal:6543/sitrep?sslmode=verify-full"
        );
        assert!(!format!("{url:?}").contains("p@ss"));
    }

    #[test]
    fn the_environment_fills_in_what_the_string_leaves_out() {
        let vars = env(&[
            ("PGHOST", "pg.example"),
            ("PGPORT", "5433"),
            ("PGUSER", "bob"),
            ("PGPASSWORD", "hunter2"),
            ("PGSSLMODE", "require"),
            ("HOME", "/nonexistent"),
        ]);
        let t = PgTarget::parse("dbname=incidents", &vars).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.user.as_str(), t.dbname.as_str()),
            ("pg.example", 5433, "bob", "incidents")
        );
        assert_eq!(t.sslmode, SslMode::Require);
        assert_eq!(t.password.as_ref().map(Secret::expose), Some("hunter2"));
        // The string wins over the environment.
        let t = PgTarget::parse("postgres://carol@h/x", &vars).unwrap();
        assert_eq!(
            (t.user.as_str(), t.host.as_str(), t.port),
            ("carol", "h", 5433)
        );
    }

    #[test]
    fn the_password_file_is_read_like_libpq_and_ignored_when_others_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:*:nope\ndb.internal:5432:sitrep:alice:s3cr\\:et\n*:*:*:*:fallback\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let path = file.display().to_string();
        let vars = [("PGPASSFILE", path.as_str()), ("HOME", "/nonexistent")];
        let t = PgTarget::parse("postgres://alice@db.internal/sitrep", &env(&vars)).unwrap();
        assert_eq!(t.password.as_ref().map(Secret::expose), Some("s3cr:et"));
        let t = PgTarget::parse("postgres://bob@db.internal/sitrep", &env(&vars)).unwrap();
        assert_eq!(t.password.as_ref().map(Secret::expose), Some("fallback"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = PgTarget::parse("postgres://alice@db.internal/sitrep", &env(&vars)).unwrap();
        assert_eq!(t.password, None);
        assert!(
            t.warnings[0].contains("readable by others"),
            "{:?}",
            t.warnings
        );
    }

    #[test]
    fn bad_strings_are_clear_errors_that_never_quote_the_password() {
        let none = env(&[("HOME", "/nonexistent"), ("USER", "u")]);
        for (raw, says) in [
            (
                "postgres://a:pw@h/db?sslmode=sometimes",
                "sslmode 'sometimes'",
            ),
            (
                "postgres://a:pw@h/db?colour=red",
                "unknown connection option 'colour'",
            ),
            ("host=h port=99999 password=pw", "port '99999'"),
            ("host=h password='pw", "not closed"),
            ("host=h password", "has no value"),
        ] {
            let err = PgTarget::parse(raw, &none).unwrap_err().to_string();
            assert!(err.contains(says), "{raw}: {err}");
            assert!(!err.contains("pw"), "{raw}: {err}");
        }
    }

    #[test]
    fn paths_are_not_mistaken_for_connection_strings() {
        assert!(PgTarget::looks_like("postgres://h/db"));
        assert!(PgTarget::looks_like("PostgreSQL://h/db"));
        assert!(PgTarget::looks_like("host=/tmp dbname=x"));
        assert!(!PgTarget::looks_like("/var/lib/sitrep.db"));
        assert!(!PgTarget::looks_like("./a=b.db"));
        assert!(!PgTarget::looks_like("sitrep.db"));
    }
}
