//! The database file itself: created owner-only (0600) before SQLite opens it, so the
//! log of an incident is never readable by other users of a shared host.

use std::fs::{self, OpenOptions};
use std::io::ErrorKind;
use std::path::Path;

use crate::store::StoreError;

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

/// Creates a new empty file readable by its owner only; fails if it exists.
pub fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop).map_err(|e| StoreError::Other {
        path: path.to_path_buf(),
        detail: format!("cannot create the backup file: {e}"),
    })
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

/// Whether the filesystem holding `path` has no space left for an ordinary user: an
/// I/O error at open then means "disk full", which is what to tell the user.
pub fn disk_is_full(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let Ok(c_path) = CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        // SAFETY: c_path is a valid NUL-terminated string and stat a writable buffer
        // that statvfs fills in completely when it returns 0.
        if unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) } != 0 {
            return false;
        }
        // SAFETY: statvfs returned 0, so the buffer is initialised.
        let stat = unsafe { stat.assume_init() };
        // Less than what one page write and its journal need.
        (stat.f_bavail as u128) * (stat.f_frsize as u128) < 64 * 1024
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}
