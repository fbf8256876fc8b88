//! `newsfold fetch URL`: one page, now.
use std::path::{Path, PathBuf};

use super::Exit;

/// Fetches one page and prints the article.
pub fn run(
    _url: &str,
    _json: bool,
    _save: bool,
    _explain: bool,
    _config: &Path,
    _store: Option<PathBuf>,
) -> Exit {
    eprintln!("newsfold: fetch is not built yet");
    Exit::Fatal
}
