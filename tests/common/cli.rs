//! Running the built `newsfold` binary from a test, and reading what it printed.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `newsfold ARGS` in the test's working directory and waits for it.
pub fn newsfold(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .args(args)
        .output()
        .expect("run newsfold")
}

/// Runs `newsfold ARGS` in `cwd` (where it looks for `./feeds.toml`) and waits for it.
pub fn newsfold_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run newsfold")
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `newsfold ingest --config CONFIG --store STORE` and asserts that it succeeded
/// (exit 0), showing its stderr otherwise.
pub fn ingest_ok(config: &Path, store: &Path) -> Output {
    let out = newsfold(&[
        "ingest",
        "--config",
        config.to_str().expect("utf-8 path"),
        "--store",
        store.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "ingest: {}", stderr(&out));
    out
}
