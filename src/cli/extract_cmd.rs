//! `newsfold extract PATH...`: extract + boilerplate on files, JSONL out, no store.
use std::path::PathBuf;

use super::Exit;

/// Extracts files and prints JSONL.
pub fn run(_paths: &[PathBuf], _explain: bool) -> Exit {
    eprintln!("newsfold: extract is not built yet");
    Exit::Fatal
}
