//! `newsfold extract` and `newsfold cluster`: the pipeline on files, without a store.
use std::path::PathBuf;

use super::Exit;

/// Extracts files and prints JSONL.
pub fn extract(_paths: &[PathBuf], _explain: bool) -> Exit {
    eprintln!("newsfold: extract is not built yet");
    Exit::Fatal
}

/// Clusters JSONL articles and prints JSONL.
pub fn cluster(_input: &str) -> Exit {
    eprintln!("newsfold: cluster is not built yet");
    Exit::Fatal
}
