//! `newsfold dump`: the clustered stories.
use std::path::{Path, PathBuf};

use super::{DumpFormat, Exit};

/// Prints the stories.
pub fn run(
    _config: &Path,
    _store: Option<PathBuf>,
    _format: DumpFormat,
    _since: Option<&str>,
    _min_reports: usize,
) -> Exit {
    eprintln!("newsfold: dump is not built yet");
    Exit::Fatal
}
