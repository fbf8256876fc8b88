//! Helpers for the fetch tests: short-timeout settings, a time bound, fixtures.
#![allow(dead_code)] // Each test binary uses a different part of it.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use newsfold::config::Settings;
use newsfold::fetch::{FetchError, Fetcher, Page, PageOutcome};

/// The user agent the fetch tests send (robots.txt groups match `newsfold-test`).
pub const AGENT: &str = "newsfold-test/1.0 (+https://example.org/bot)";

/// A small article page.
pub const HTML: &str = "<!doctype html><html><head><title>Base</title></head><body><p>Le ministère a tranché.</p></body></html>";

/// Settings for tests: 1 s timeouts, a 1 MiB cap, no per-host delay, no retries, 3 redirects.
pub fn settings() -> Settings {
    Settings {
        user_agent: AGENT.into(),
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        max_body_bytes: 1024 * 1024,
        concurrency: 4,
        per_host_delay: Duration::ZERO,
        max_retries: 0,
        max_redirects: 3,
        ..Settings::default()
    }
}

/// A fetcher for these settings.
pub fn fetcher(settings: &Settings) -> Fetcher {
    Fetcher::new(settings).expect("client builds")
}

/// Runs a test body with a hard bound, so a hang fails instead of blocking the suite.
pub async fn bounded<T>(seconds: u64, body: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), body)
        .await
        .expect("test exceeded its time bound")
}

/// A file under `tests/fixtures/`.
pub fn fixture(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The page of a `Fetched` outcome; panics with the outcome otherwise.
pub fn page_body(outcome: Result<PageOutcome, FetchError>) -> Page {
    match outcome {
        Ok(PageOutcome::Fetched(page)) => page,
        other => panic!("expected a page, got {other:?}"),
    }
}
