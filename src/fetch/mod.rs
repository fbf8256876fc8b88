//! Fetching: feeds, sitemaps and article pages over HTTP, politely and within limits.
//!
//! In: URLs, the run [`Settings`], and for feeds/sitemaps the [`FeedState`] kept from the
//! previous run. Out: outcomes ([`PageOutcome`], [`FeedOutcome`]) for everything that is not
//! a failure (denied by robots.txt, not HTML, not modified, backed off), and a
//! [`FetchError`] (`fetching URL: what happened`) for what is. Sits between `config` and
//! `decode` in the pipeline; with `store`, the only stage that does I/O.
//!
//! Sub-stages, one file each:
//! - `client.rs`: one GET with timeouts and a body cap counted after decompression.
//! - `request.rs`: robots check, redirects (capped, loops detected, http/https only),
//!   retries with exponential backoff and jitter, Retry-After, pacing around each GET.
//! - `pacing.rs`: one request at a time per host (`host:port`), `per_host_delay` (raised by
//!   crawl-delay) between starts, `concurrency` requests in flight overall.
//! - `robots.rs`: robots.txt per origin, cached with expiry, exportable.
//! - `state.rs`: [`FeedState`], conditional GET validators and cross-run failure backoff.
//! - `feed.rs`, `sitemap.rs`: parsing (RSS/Atom/JSON Feed; news sitemaps and indexes).
//!
//! Typical use by `ingest`:
//! ```no_run
//! # async fn run(settings: &newsfold::config::Settings) -> Result<(), newsfold::fetch::FetchError> {
//! use newsfold::fetch::{Fetcher, FeedOutcome, FeedState, PageOutcome, RobotsCache};
//! let fetcher = Fetcher::new(settings)?;
//! fetcher.import_robots(RobotsCache::default()); // or the cache saved by the last run
//! let mut state = FeedState::default(); // or the state saved for this feed
//! if let Ok(FeedOutcome::Fresh { entries, .. }) =
//!     fetcher.fetch_feed("https://example.fr/rss", &mut state).await
//! {
//!     for entry in entries {
//!         if let PageOutcome::Fetched(page) = fetcher.fetch_page(&entry.url).await? {
//!             let _text = page.decode().text;
//!         }
//!     }
//! }
//! // save `state` and `fetcher.export_robots()` in the store
//! # Ok(()) }
//! ```

mod client;
mod error;
pub mod feed;
mod listing;
pub mod pacing;
mod request;
pub mod robots;
pub mod sitemap;
pub mod state;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::Settings;
use crate::decode::{decode, Decoded};
pub use error::FetchError;
pub use feed::{parse_feed, FeedEntry, FeedError};
pub use robots::{RobotsCache, RobotsEntry};
pub use sitemap::{parse_sitemap, Sitemap};
pub use state::FeedState;

use request::{Got, Kind};

/// Longest `Retry-After` waited for inside a run. A 429/503 asking for more fails the URL at
/// once (the error carries the delay, and a feed's [`FeedState`] waits that long).
pub const MAX_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(120);

/// The HTTP fetcher of one run: client, pacing, robots.txt book. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<request::Inner>,
}

/// A downloaded page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The URL asked for.
    pub url: String,
    /// The URL after redirects.
    pub final_url: String,
    /// The HTTP status (2xx).
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body, decompressed, at most `max_body_bytes`.
    pub body: Vec<u8>,
}

impl Page {
    /// The body as text (see [`crate::decode`]).
    pub fn decode(&self) -> Decoded {
        decode(&self.body, self.content_type.as_deref())
    }
}

/// What fetching a page gave, when it did not fail.
#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    /// The page.
    Fetched(Page),
    /// robots.txt forbids our user agent this URL (or a URL it redirected to).
    RobotsDenied,
    /// Fetched or started, but not a page to extract.
    Skipped(SkipReason),
}

/// Why a page was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    /// The `Content-Type` is not HTML (the body was not downloaded).
    #[error("content type {0} is not html")]
    NotHtml(String),
    /// Served as HTML but the bytes are binary (NUL and control bytes).
    #[error("binary content served as html")]
    Binary,
    /// A 2xx with an empty body.
    #[error("empty body")]
    Empty,
}

/// What fetching a feed or sitemap gave, when it did not fail.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedOutcome {
    /// A new body, parsed.
    Fresh {
        /// The URL after redirects (relative links were resolved against it).
        final_url: String,
        /// Article entries in document order (feed items, sitemap `<url>`s).
        entries: Vec<FeedEntry>,
        /// Child sitemaps of a sitemap index (always empty for feeds).
        children: Vec<String>,
    },
    /// The server answered 304 to our conditional GET: nothing new, no body downloaded.
    /// A sitemap index's children are still in [`FeedState::children`]: visit them anyway.
    NotModified,
    /// robots.txt forbids our user agent this URL.
    RobotsDenied,
    /// Skipped without a request: the feed failed recently and waits until then.
    BackedOff {
        /// The state's `next_attempt_after`.
        until: DateTime<Utc>,
    },
}

impl Fetcher {
    /// A fetcher with the run's settings (user agent, timeouts, caps, pacing, retries).
    pub fn new(settings: &Settings) -> Result<Fetcher, FetchError> {
        Ok(Fetcher {
            inner: Arc::new(request::Inner::new(settings)?),
        })
    }

    /// Fetches an article page. Not-HTML types are skipped before the body is read;
    /// binary and empty bodies are skipped after.
    pub async fn fetch_page(&self, url: &str) -> Result<PageOutcome, FetchError> {
        let parsed = parse_http(url)?;
        let got = self.inner.get(&parsed, Kind::Page, None).await?;
        let (final_url, body) = match got {
            Got::RobotsDenied => return Ok(PageOutcome::RobotsDenied),
            Got::WrongType(ct) => return Ok(PageOutcome::Skipped(SkipReason::NotHtml(ct))),
            Got::NotModified => {
                return Err(FetchError::Status {
                    url: url.to_string(),
                    status: 304,
                    retry_after: None,
                })
            }
            Got::Body { final_url, body } => (final_url, body),
        };
        if body.bytes.is_empty() {
            return Ok(PageOutcome::Skipped(SkipReason::Empty));
        }
        if looks_binary(&body.bytes) {
            return Ok(PageOutcome::Skipped(SkipReason::Binary));
        }
        Ok(PageOutcome::Fetched(Page {
            url: url.to_string(),
            final_url: final_url.to_string(),
            status: body.status,
            content_type: body.content_type,
            body: body.bytes,
        }))
    }

    /// Fetches and parses a feed (RSS, Atom, JSON Feed) with a conditional GET, updating
    /// `state` (validators, success/failure, backoff). A failure is returned and recorded.
    pub async fn fetch_feed(
        &self,
        url: &str,
        state: &mut FeedState,
    ) -> Result<FeedOutcome, FetchError> {
        self.inner.fetch_listing(url, state, Kind::Feed).await
    }

    /// Fetches and parses a sitemap (news sitemap, plain sitemap or sitemap index, gzipped
    /// or not), as [`Fetcher::fetch_feed`] does a feed. Child sitemaps are returned, not
    /// followed: fetch each with its own state.
    pub async fn fetch_sitemap(
        &self,
        url: &str,
        state: &mut FeedState,
    ) -> Result<FeedOutcome, FetchError> {
        self.inner.fetch_listing(url, state, Kind::Sitemap).await
    }

    /// Whether robots.txt lets our user agent fetch `url`, fetching and caching the
    /// origin's robots.txt if needed (for `fetch URL --explain`; the fetch methods check
    /// by themselves). Always true when `respect_robots` is off.
    pub async fn robots_allows(&self, url: &str) -> Result<bool, FetchError> {
        self.inner.robots_allow(&parse_http(url)?).await
    }

    /// The robots.txt cache, to save at the end of a run.
    pub fn export_robots(&self) -> RobotsCache {
        self.inner.robots.export()
    }

    /// Loads a saved robots.txt cache (call before fetching).
    pub fn import_robots(&self, cache: RobotsCache) {
        self.inner.import_robots(cache);
    }
}

/// Parses an http(s) URL.
fn parse_http(url: &str) -> Result<Url, FetchError> {
    match Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        _ => Err(FetchError::BadUrl {
            url: url.to_string(),
        }),
    }
}

/// Whether a body served as HTML is binary: in its first 1024 bytes, at least 1% are bytes
/// that never occur in text (NUL and C0 controls other than tab, newlines, form feed and
/// escape; the WHATWG MIME sniffing "binary data bytes"). UTF-16 text (BOM) is not binary.
pub fn looks_binary(body: &[u8]) -> bool {
    if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    let sample = &body[..body.len().min(1024)];
    let binary = sample
        .iter()
        .filter(|b| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F))
        .count();
    binary > 0 && binary * 100 >= sample.len()
}

#[cfg(test)]
mod tests {
    use super::looks_binary;

    #[test]
    fn binary_sniffing_tells_png_from_html() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0";
        assert!(looks_binary(png));
        assert!(!looks_binary(b"<!doctype html><p>Bonjour \x0c\t\r\n</p>"));
        assert!(!looks_binary(b"\xff\xfe<\0h\0t\0m\0l\0>\0"));
        assert!(!looks_binary(b""));
    }
}
