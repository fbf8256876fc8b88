//! `newsfold ingest`: the cron job.
use std::path::{Path, PathBuf};

use super::Exit;

/// Runs one ingest.
pub fn run(_config: &Path, _store: Option<PathBuf>, _refetch: bool) -> Exit {
    eprintln!("newsfold: ingest is not built yet");
    Exit::Fatal
}
