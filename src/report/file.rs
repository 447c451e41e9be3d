//! Writing a document to disk: whole or not at all, and never over an existing file
//! unless asked to.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::domain::Incident;
use crate::domain::TimeDisplay;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("'{}' already exists", .0.display())]
    Exists(PathBuf),
    #[error("'{}' is not a regular file ({kind}); sitrep only replaces regular files: choose another name", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("cannot write '{}': {detail}", path.display())]
    Io { path: PathBuf, detail: String },
}

/// Whether `-o` names standard output: `-`, or one of the names of fd 1.
pub fn is_stdout(raw: &Path) -> bool {
    matches!(
        raw.to_str(),
        Some("-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1")
    )
}

/// `postmortem-<id>-<trigger date>-<slug of the title>.md`.
pub fn default_file_name(incident: &Incident, tz: TimeDisplay) -> String {
    let date = match tz {
        TimeDisplay::Utc => incident.trigger_time.date_naive(),
        TimeDisplay::Local => incident
            .trigger_time
            .with_timezone(&chrono::Local)
            .date_naive(),
    };
    let mut slug = String::new();
    for c in incident.title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "incident" } else { slug };
    format!("postmortem-{}-{date}-{slug}.md", incident.id)
}

/// Writes the whole document to a temporary file beside `path`, then moves it into
/// place: a failure never leaves a partial file, and without `force` an existing
/// file is never replaced (the link fails instead).
pub fn write_document(path: &Path, text: &str, force: bool) -> Result<(), WriteError> {
    let write_error = |e: std::io::Error| WriteError::Io {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    // Never replace a device, FIFO, socket, directory or link (a link to /proc, say):
    // look at the name itself, not what it points to.
    if let Ok(meta) = fs::symlink_metadata(path) {
        let kind = file_kind(&meta.file_type());
        if kind != "regular file" {
            return Err(WriteError::NotRegular {
                path: path.to_path_buf(),
                kind,
            });
        }
        if !force {
            return Err(WriteError::Exists(path.to_path_buf()));
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.sitrep-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if force {
            fs::rename(&tmp, path)
        } else {
            fs::hard_link(&tmp, path)
        }
    })();
    let _ = fs::remove_file(&tmp);
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            Err(WriteError::Exists(path.to_path_buf()))
        }
        Err(e) => Err(write_error(e)),
    }
}

fn file_kind(t: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_file() {
        "regular file"
    } else {
        "not a regular file"
    }
}

/// `dir/name`, or `dir/<stem>-2.md`, `-3`… — the first that does not exist yet.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let stem = name.strip_suffix(".md").unwrap_or(name);
    (2..10_000)
        .map(|n| dir.join(format!("{stem}-{n}.md")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_path_never_names_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_path(dir.path(), "pm.md"), dir.path().join("pm.md"));
        fs::write(dir.path().join("pm.md"), "x").unwrap();
        assert_eq!(free_path(dir.path(), "pm.md"), dir.path().join("pm-2.md"));
    }

    #[test]
    fn force_never_replaces_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink("/proc/self/status", &link).unwrap();
        let sub = dir.path().join("sub.md");
        fs::create_dir(&sub).unwrap();
        for (path, kind) in [
            (Path::new("/dev/null"), "a device"),
            (link.as_path(), "a symbolic link"),
            (sub.as_path(), "a directory"),
        ] {
            match write_document(path, "x", true) {
                Err(WriteError::NotRegular { kind: k, .. }) => assert_eq!(k, kind),
                other => panic!("{path:?}: {other:?}"),
            }
        }
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(is_stdout(Path::new("/dev/stdout")) && is_stdout(Path::new("-")));
        assert!(!is_stdout(Path::new("./-x")));
    }

    #[test]
    fn writing_without_force_refuses_an_existing_file_and_leaves_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pm.md");
        write_document(&path, "one", false).unwrap();
        assert!(matches!(
            write_document(&path, "two", false),
            Err(WriteError::Exists(_))
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), "one");
        write_document(&path, "two", true).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
