//! `newsfold check`: store consistency and counts.
use std::path::{Path, PathBuf};

use super::Exit;

/// Checks the store.
pub fn run(_config: &Path, _store: Option<PathBuf>) -> Exit {
    eprintln!("newsfold: check is not built yet");
    Exit::Fatal
}
