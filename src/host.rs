//! What the machine says, for every floor: a small file read without hanging or
//! filling memory, and the name of the login account. Nothing here knows the config;
//! the config, the sources and the store all use it.

use std::path::Path;

/// The name of the OS account this process runs as (from the password database), for
/// when `$USER` and `$LOGNAME` are unset: containers, cron, systemd units.
pub fn account_name() -> Option<String> {
    #[cfg(unix)]
    {
        // SAFETY: getpwuid_r writes into `pwd` and `buf`, which outlive the call; on
        // success `result` points at `pwd`, whose `pw_name` points into `buf`.
        unsafe {
            let mut pwd = std::mem::MaybeUninit::<libc::passwd>::uninit();
            let mut buf = vec![0 as libc::c_char; 4096];
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(
                libc::getuid(),
                pwd.as_mut_ptr(),
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            );
            if rc != 0 || result.is_null() {
                return None;
            }
            let name = std::ffi::CStr::from_ptr((*result).pw_name);
            name.to_str()
                .ok()
                .map(str::to_string)
                .filter(|n| !n.is_empty())
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// This machine's name (for a watcher's heartbeat); `unknown-host` when the
/// kernel will not say.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let name = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let name = crate::domain::text::sanitize_line(name.trim());
    if name.is_empty() {
        "unknown-host".into()
    } else {
        name
    }
}

/// Reads a small file a person named (the config, a token, a CA): only a
/// regular file, and at most `max` bytes, so that `/dev/zero`, a FIFO or a huge file
/// named by mistake is an error instead of a hang or all the memory.
pub fn read_small(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking, so that opening a FIFO returns at once instead of waiting for a
    // writer; the type is checked before anything is read.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut out = Vec::new();
    file.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} KiB", max / 1024),
        ));
    }
    Ok(out)
}
