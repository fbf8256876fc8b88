//! The store's lock file: one newsfold process at a time, and a message naming the holder.
//!
//! `newsfold.lock` in the store directory carries an advisory exclusive lock (flock via
//! fs4) for as long as a [`super::Store`] is open. The kernel drops the lock when the
//! process dies, so a lock left by a killed run never blocks the next one; the pid, start
//! time and command line written into the file are only there for the busy message.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::error::{Holder, StoreError};
use super::Access;

/// Name of the lock file inside the store directory.
pub const LOCK_FILE: &str = "newsfold.lock";

/// How often a waiting open looks at the lock again.
const POLL: Duration = Duration::from_millis(100);

/// A held lock; released when dropped (the file is closed).
#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: File,
}

/// Takes the store lock in `dir` (created if missing), waiting as `access` allows.
pub(crate) fn acquire(dir: &Path, access: Access) -> Result<StoreLock, StoreError> {
    let lock_error = |source| StoreError::Lock {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(lock_error)?;
    let lock_path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(lock_error)?;
    let started = Instant::now();
    loop {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => break,
            Err(fs4::TryLockError::WouldBlock) => {}
            Err(fs4::TryLockError::Error(e)) => return Err(lock_error(e)),
        }
        let waited = started.elapsed();
        let limit = match access {
            Access::Exclusive => None,
            Access::Wait(limit) => Some(limit),
        };
        match limit {
            Some(limit) if waited < limit => std::thread::sleep(POLL.min(limit - waited)),
            _ => {
                return Err(StoreError::Busy {
                    path: dir.to_path_buf(),
                    holder: read_holder(dir),
                    waited: limit.map(|_| waited),
                })
            }
        }
    }
    // Informative only: a failure to write it must not refuse a store we hold.
    let _ = write_holder(&mut file);
    Ok(StoreLock { _file: file })
}

fn write_holder(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    let mut args = std::env::args();
    let program = args
        .next()
        .and_then(|p| {
            Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "newsfold".into());
    let mut command = std::iter::once(program)
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ");
    if command.chars().count() > 120 {
        command = command.chars().take(117).collect::<String>() + "...";
    }
    let command = command.replace(['\n', '\r'], " ");
    write!(
        file,
        "pid {}\nstarted {}\ncommand {}\n",
        std::process::id(),
        Utc::now().to_rfc3339(),
        command
    )?;
    file.flush()
}

/// Reads who holds the lock in `dir`; unknown fields stay `None`.
pub(crate) fn read_holder(dir: &Path) -> Holder {
    let mut text = String::new();
    let path: PathBuf = dir.join(LOCK_FILE);
    if let Ok(mut f) = File::open(path) {
        let _ = f.read_to_string(&mut text);
    }
    parse_holder(&text)
}

fn parse_holder(text: &str) -> Holder {
    let mut holder = Holder::default();
    for line in text.lines() {
        let (name, value) = line.split_once(' ').unwrap_or((line, ""));
        match name {
            "pid" => holder.pid = value.trim().parse().ok(),
            "started" => {
                holder.since = DateTime::parse_from_rfc3339(value.trim())
                    .ok()
                    .map(|t| t.with_timezone(&Utc))
            }
            "command" if !value.trim().is_empty() => holder.command = Some(value.trim().into()),
            _ => {}
        }
    }
    holder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_round_trips_through_the_lock_file_text() {
        let h =
            parse_holder("pid 1234\nstarted 2026-11-22T12:03:01+00:00\ncommand newsfold ingest\n");
        assert_eq!(h.pid, Some(1234));
        assert_eq!(h.command.as_deref(), Some("newsfold ingest"));
        assert_eq!(
            h.to_string(),
            "pid 1234 (newsfold ingest, started 2026-11-22 12:03:01 UTC)"
        );
    }

    #[test]
    fn empty_or_garbled_lock_file_gives_unknown_holder() {
        assert_eq!(parse_holder(""), Holder::default());
        assert_eq!(parse_holder("pid x\n\u{0}garbage").pid, None);
        assert_eq!(Holder::default().to_string(), "another process");
    }
}
