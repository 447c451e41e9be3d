//! Why a store operation failed, in words an on-call engineer can act on.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;
use thiserror::Error;

use crate::domain::{DomainError, EntryId, FollowUpId, IncidentId};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("no incident '{0}' (see 'sitrep list')")]
    IncidentNotFound(IncidentId),
    #[error("no timeline entry '{0}' (see 'sitrep show ID')")]
    EntryNotFound(EntryId),
    #[error("no follow-up '{0}' (see 'sitrep followup list')")]
    FollowUpNotFound(FollowUpId),
    /// The domain refused the change; nothing was written.
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database '{}' is locked by another process and stayed locked for the busy timeout; try again, or raise 'busy_timeout' in the config", path.display())]
    Locked { path: PathBuf },
    #[error("database '{}' was written by a newer sitrep (schema version {found}; this sitrep knows up to {supported}); upgrade sitrep. Nothing in it was changed", path.display())]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("'{}' is a SQLite database of another program ({detail}); sitrep left it untouched: point --db at a new file", path.display())]
    Foreign { path: PathBuf, detail: String },
    #[error("cannot write database '{}': the disk is full; free some space and try again (nothing was lost)", path.display())]
    DiskFull { path: PathBuf },
    #[error("database '{}' is at schema version {found} and must be migrated to {latest}, which needs write access; run sitrep once where it can write the file", path.display())]
    NeedsMigration {
        path: PathBuf,
        found: i64,
        latest: i64,
    },
    #[error("'{}' is not a sitrep database or is damaged: {detail}", path.display())]
    NotADatabase { path: PathBuf, detail: String },
    #[error("cannot open database '{}': {detail}", path.display())]
    Open { path: PathBuf, detail: String },
    #[error("cannot write database '{}': {detail} (is the file or its directory read-only?)", path.display())]
    ReadOnly { path: PathBuf, detail: String },
    #[error("database '{}' holds a value this sitrep cannot read: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("database '{}': {detail}", path.display())]
    Other { path: PathBuf, detail: String },
    /// The team database refused the role that logged in a read or a write; nothing was
    /// written.
    #[error("database '{target}' refused your role: {detail} (the role you log in as needs sitrep_responder: the database owner runs GRANT sitrep_responder TO <your role>; 'sitrep db init' creates it)")]
    NoPrivilege { target: String, detail: String },
    /// The team database cannot be reached or refused the login; nothing was written.
    #[error("database '{target}' is unavailable: {detail}")]
    Unavailable { target: String, detail: String },
    /// The server would not keep commits durable; sitrep does not write there.
    #[error("database '{target}' would not keep commits durable: {detail}")]
    NotDurable { target: String, detail: String },
    /// A copy that would mix two incidents up; nothing was written.
    #[error("{detail}")]
    Conflict { detail: String },
    /// A connection string that does not parse (never quoting a password).
    #[error("bad database connection string: {detail}")]
    Target { detail: String },
    /// A raw PostgreSQL error, before the backend has named the target.
    #[error("database error: {0}")]
    Postgres(#[from] postgres::Error),
    /// A raw SQLite error, before [`StoreError::at`] has named the file.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value that does not parse, before [`StoreError::at`] has named the file.
    #[error("unreadable stored value: {0}")]
    BadValue(String),
}

impl StoreError {
    /// Names the database file in a raw error and sorts it into the kinds above.
    pub(crate) fn at(self, path: &Path) -> Self {
        let path = path.to_path_buf();
        match self {
            Self::Sqlite(e) => {
                let detail = e.to_string();
                match e.sqlite_error_code() {
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                        Self::Locked { path }
                    }
                    Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                        Self::NotADatabase { path, detail }
                    }
                    Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
                        Self::ReadOnly { path, detail }
                    }
                    Some(ErrorCode::DiskFull) => Self::DiskFull { path },
                    Some(ErrorCode::CannotOpen | ErrorCode::SystemIoFailure)
                        if super::sqlite::file::disk_is_full(&path) =>
                    {
                        Self::DiskFull { path }
                    }
                    Some(ErrorCode::CannotOpen | ErrorCode::SystemIoFailure) => {
                        Self::Open { path, detail }
                    }
                    _ => Self::Other { path, detail },
                }
            }
            Self::BadValue(detail) => Self::Corrupt { path, detail },
            other => other,
        }
    }
}
