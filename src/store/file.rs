//! The database file itself: created owner-only (0600) before SQLite opens it, so the
//! log of an incident is never readable by other users of a shared host.

use std::fs::{self, OpenOptions};
use std::io::ErrorKind;
use std::path::Path;

use super::error::StoreError;

/// Creates an empty database file with mode 0600 unless it exists. The directory must
/// exist already; creating it is the caller's choice.
pub fn create_if_missing(path: &Path) -> Result<(), StoreError> {
    let open_error = |detail: String| StoreError::Open {
        path: path.to_path_buf(),
        detail,
    };
    if path.is_dir() {
        return Err(open_error("it is a directory".into()));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(open_error(format!(
            "directory '{}' does not exist",
            parent.display()
        )));
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })
        }
        Err(e) => Err(open_error(e.to_string())),
    }
}

/// Makes a file we wrote (a backup copy) readable by its owner only.
pub fn restrict_to_owner(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| {
            StoreError::Other {
                path: path.to_path_buf(),
                detail: format!("cannot restrict permissions: {e}"),
            }
        })?;
    }
    Ok(())
}
