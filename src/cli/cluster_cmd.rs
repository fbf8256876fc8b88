//! `newsfold cluster [FILE|-]`: JSONL articles in, JSONL story assignments out, no store.
use super::Exit;

/// Clusters JSONL articles and prints JSONL.
pub fn run(_input: &str) -> Exit {
    eprintln!("newsfold: cluster is not built yet");
    Exit::Fatal
}
