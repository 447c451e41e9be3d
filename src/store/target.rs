//! Which database a `--db` value names: a SQLite file path, or a PostgreSQL
//! connection string (`postgres://…`, `postgresql://…`, or libpq's `key=value` form).

use std::fmt;
use std::path::PathBuf;

use super::postgres::PgTarget;
use super::StoreError;

/// A database to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(Box<PgTarget>),
}

impl Target {
    /// Reads a `--db` value. Connection strings are completed from libpq's environment
    /// (`PGHOST`, `PGUSER`, `PGPASSWORD`…) and `~/.pgpass`, as `psql` would.
    pub fn parse(raw: &std::ffi::OsStr) -> Result<Self, StoreError> {
        match raw.to_str() {
            Some(text) if PgTarget::looks_like(text) => {
                Ok(Self::Postgres(Box::new(PgTarget::parse(text, &|name| {
                    std::env::var(name).ok()
                })?)))
            }
            _ => Ok(Self::Sqlite(PathBuf::from(raw))),
        }
    }

    /// A few words a header can hold: `team sitrep on db1` (database and host, no
    /// user or password), `local sitrep.db` (the file's name).
    pub fn short(&self) -> String {
        let text = match self {
            Self::Sqlite(path) => format!(
                "local {}",
                path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
            Self::Postgres(pg) => {
                let host = if pg.host.starts_with('/') {
                    "local socket"
                } else {
                    pg.host.as_str()
                };
                format!("team {} on {host}", pg.dbname)
            }
        };
        crate::domain::text::sanitize_line(&text)
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// The database as it may be shown: a path, or the server and database without a
/// password.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(pg) => write!(f, "{}", pg.shown()),
        }
    }
}
