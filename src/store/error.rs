//! Errors of the store, each naming the store directory it happened in.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Who holds a busy store, as its lock file records it (every field may be unknown: the
/// file is written just after the lock is taken, so a reader can see it empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    /// Process id of the holder.
    pub pid: Option<u32>,
    /// When the holder opened the store.
    pub since: Option<DateTime<Utc>>,
    /// The holder's command line (`newsfold ingest --config feeds.toml`).
    pub command: Option<String>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "pid {pid}")?,
            None => write!(f, "another process")?,
        }
        let mut details = Vec::new();
        if let Some(command) = &self.command {
            details.push(command.clone());
        }
        if let Some(since) = self.since {
            details.push(format!("started {}", since.format("%Y-%m-%d %H:%M:%S UTC")));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// Why waiting gave up, for the busy message ("waited 30s").
fn waited_text(waited: &Option<Duration>) -> String {
    match waited {
        Some(d) => format!("; gave up after waiting {:.1}s", d.as_secs_f64()),
        None => String::new(),
    }
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store (exit status 3).
    #[error("store {} is in use by {holder}{}", path.display(), waited_text(waited))]
    Busy {
        /// The store directory.
        path: PathBuf,
        /// The process holding it.
        holder: Holder,
        /// How long this process waited before giving up (`None`: it did not wait).
        waited: Option<Duration>,
    },
    /// The lock file could not be created, opened or locked.
    #[error("locking store {}: {source}", path.display())]
    Lock {
        /// The store directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// sled failed while doing something (`doing` says what).
    #[error("{doing} in store {}: {source}", path.display())]
    Sled {
        /// The store directory.
        path: PathBuf,
        /// What was being done ("opening", "committing article a1b2").
        doing: String,
        /// sled's error.
        source: sled::Error,
    },
    /// The store was written by a newer newsfold.
    #[error(
        "store {} has schema version {found}, newer than the {supported} this newsfold knows: upgrade newsfold",
        path.display()
    )]
    SchemaTooNew {
        /// The store directory.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The version this build writes.
        supported: u32,
    },
    /// The store was written by an older newsfold whose layout this one does not read.
    #[error(
        "store {} has schema version {found}, older than the {supported} this newsfold uses: move it aside and run `newsfold ingest` to build a new one (feeds are fetched again)",
        path.display()
    )]
    SchemaTooOld {
        /// The store directory.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The version this build writes.
        supported: u32,
    },
    /// The store has a schema this build cannot read, or no schema key at all.
    #[error("store {} is not a newsfold store of schema {supported}: {found}", path.display())]
    SchemaUnknown {
        /// The store directory.
        path: PathBuf,
        /// What was found instead ("no schema version key", "schema version 0").
        found: String,
        /// The version this build writes.
        supported: u32,
    },
    /// A stored value could not be decoded.
    #[error("store {} holds a damaged value in tree {tree} at {key:?}: {message}", path.display())]
    Corrupt {
        /// The store directory.
        path: PathBuf,
        /// The tree.
        tree: String,
        /// The key, lossily printed.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The caller asked for something the store refuses (a record without a story, an op on a
    /// store tree, a `copy_of` article that is not stored).
    #[error("store {}: {message}", path.display())]
    Invalid {
        /// The store directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl StoreError {
    /// True when the error means another process holds the store.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy { .. })
    }
}
