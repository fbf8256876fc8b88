//! A polite GET of one URL: robots.txt, redirects, retries and pacing around `client.rs`.
//!
//! In: a URL, what it is ([`Kind`]: page, feed, sitemap, robots.txt) and optional
//! conditional-GET headers. Out: a [`Got`] (body, not modified, denied, wrong type) or a
//! [`FetchError`]. Used by the public methods in `mod.rs` and `listing.rs`.
//!
//! - robots.txt is checked before every hop, redirects included (a redirect into a
//!   disallowed section is denied too), unless `respect_robots` is off.
//! - Redirects are followed by hand, so each hop is paced and checked: at most
//!   `max_redirects`, a URL seen twice is a loop, only http/https targets.
//! - Transient failures (timeouts, resets, connection errors, 408, 429, 5xx) are retried up
//!   to `max_retries` times with exponential backoff and jitter (backon), starting at the
//!   per-host delay (at least 50 ms) and at most 60 s apart. A `Retry-After` on 429/503
//!   replaces the backoff delay and also holds back the whole host; one above
//!   [`super::MAX_RETRY_AFTER`] is not waited for: the URL fails with the delay in its error
//!   (the host is still held back by that cap, so the rest of the run stays polite).
//!
//! Time bound of one URL: each attempt is cut at `timeout` (connect included), so the worst
//! case is `(max_retries + 1) × timeout` plus the backoff delays, per redirect hop.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::Utc;
use reqwest::header::HeaderMap;
use url::Url;

use super::client::{Body, Hop, Http};
use super::error::FetchError;
use super::pacing::{host_key, Pacer};
use super::robots::{self, RobotsBook, RobotsCache, RobotsEntry, Rules, ROBOTS_MAX_BYTES};
use super::MAX_RETRY_AFTER;
use crate::config::Settings;

type BoxedRules<'a> = Pin<Box<dyn Future<Output = Result<Arc<Rules>, FetchError>> + Send + 'a>>;

/// What is being fetched: decides the wanted content types and the body cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An article page: HTML only.
    Page,
    /// RSS, Atom or JSON Feed.
    Feed,
    /// A sitemap, possibly gzipped.
    Sitemap,
    /// robots.txt itself (never checked against robots.txt).
    Robots,
}

impl Kind {
    /// Whether a response with this `Content-Type` is worth downloading.
    fn wants(self, content_type: Option<&str>) -> bool {
        let Some(ct) = content_type else {
            return true; // No type: the body decides (sniffing, parsing).
        };
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let listing = |m: &str| {
            m.starts_with("text/") || ["xml", "rss", "atom", "json"].iter().any(|k| m.contains(k))
        };
        match self {
            Kind::Page => mime == "text/html" || mime == "application/xhtml+xml" || mime.is_empty(),
            Kind::Feed => listing(&mime),
            Kind::Sitemap => {
                listing(&mime) || mime.contains("gzip") || mime == "application/octet-stream"
            }
            Kind::Robots => true,
        }
    }
}

/// The result of a polite GET that did not fail.
#[derive(Debug)]
pub(crate) enum Got {
    /// A 2xx body, and the URL it came from after redirects.
    Body {
        /// The last URL of the redirect chain.
        final_url: Url,
        /// The response.
        body: Body,
    },
    /// 304.
    NotModified,
    /// robots.txt forbids a URL of the chain.
    RobotsDenied,
    /// A 2xx of an unwanted content type (body not read).
    WrongType(String),
}

/// The shared state behind a `Fetcher`.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) http: Http,
    pub(crate) pacer: Pacer,
    pub(crate) robots: RobotsBook,
    respect_robots: bool,
    max_redirects: usize,
    max_retries: u32,
    max_body_bytes: u64,
    first_retry_delay: Duration,
}

impl Inner {
    pub fn new(settings: &Settings) -> Result<Inner, FetchError> {
        Ok(Inner {
            http: Http::new(settings)?,
            pacer: Pacer::new(settings.concurrency, settings.per_host_delay),
            robots: RobotsBook::new(&settings.user_agent),
            respect_robots: settings.respect_robots,
            max_redirects: settings.max_redirects,
            max_retries: settings.max_retries,
            max_body_bytes: settings.max_body_bytes,
            first_retry_delay: settings.per_host_delay.max(Duration::from_millis(50)),
        })
    }

    /// Loads a saved robots cache and applies its crawl-delays to the pacer.
    pub fn import_robots(&self, cache: RobotsCache) {
        for (origin, delay) in self.robots.import(cache) {
            let host = origin.split_once("://").map_or(origin.as_str(), |(_, h)| h);
            self.pacer.set_crawl_delay(host, delay);
        }
    }

    /// GETs `url` following redirects, checking robots.txt at each hop.
    pub async fn get(
        &self,
        url: &Url,
        kind: Kind,
        conditional: Option<HeaderMap>,
    ) -> Result<Got, FetchError> {
        let mut visited: Vec<Url> = vec![url.clone()];
        let mut current = url.clone();
        for _ in 0..=self.max_redirects {
            if kind != Kind::Robots && !self.robots_allow(&current).await? {
                tracing::debug!("{current}: disallowed by robots.txt");
                return Ok(Got::RobotsDenied);
            }
            let headers = conditional.clone().unwrap_or_default();
            match self.get_with_retries(&current, kind, headers).await? {
                Hop::Redirect(next) => {
                    check_redirect(url, &visited, &next)?;
                    visited.push(next.clone());
                    current = next;
                }
                Hop::NotModified => return Ok(Got::NotModified),
                Hop::WrongType(ct) => return Ok(Got::WrongType(ct)),
                Hop::Body(body) => {
                    return Ok(Got::Body {
                        final_url: current,
                        body,
                    })
                }
            }
        }
        Err(FetchError::TooManyRedirects {
            url: url.to_string(),
            limit: self.max_redirects,
        })
    }

    async fn get_with_retries(
        &self,
        url: &Url,
        kind: Kind,
        headers: HeaderMap,
    ) -> Result<Hop, FetchError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.first_retry_delay)
            .with_max_delay(Duration::from_secs(60))
            .with_max_times(self.max_retries as usize)
            .with_jitter();
        (|| self.paced_get(url, kind, headers.clone()))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|e: &FetchError| {
                e.is_transient() && e.retry_after().is_none_or(|wait| wait <= MAX_RETRY_AFTER)
            })
            .adjust(|e: &FetchError, delay| delay.map(|d| e.retry_after().unwrap_or(d)))
            .notify(|e: &FetchError, delay| {
                tracing::debug!("{e}; retrying in {}ms", delay.as_millis());
            })
            .await
    }

    /// One GET inside the host's turn; a Retry-After holds the host back.
    async fn paced_get(
        &self,
        url: &Url,
        kind: Kind,
        headers: HeaderMap,
    ) -> Result<Hop, FetchError> {
        let host = host_key(url);
        let turn = self.pacer.turn(&host).await;
        let cap = match kind {
            Kind::Robots => ROBOTS_MAX_BYTES.min(self.max_body_bytes),
            _ => self.max_body_bytes,
        };
        let result = self.http.get(url, headers, |ct| kind.wants(ct), cap).await;
        if let Some(wait) = result.as_ref().err().and_then(FetchError::retry_after) {
            self.pacer.defer(&host, wait.min(MAX_RETRY_AFTER));
        }
        drop(turn);
        result
    }

    /// Whether robots.txt lets our agent fetch `url` (always, when `respect_robots` is off).
    pub(crate) async fn robots_allow(&self, url: &Url) -> Result<bool, FetchError> {
        if !self.respect_robots {
            return Ok(true);
        }
        let rules = self.robots_rules(url).await?;
        Ok(rules.allows(url.as_str()))
    }

    /// The origin's rules: cached, or fetched once (concurrent callers wait for it).
    ///
    /// Boxed, with `Send` spelled out: `get` reaches this function and this function calls
    /// `get` (for robots.txt itself), a cycle the compiler cannot size or check otherwise.
    fn robots_rules<'a>(&'a self, url: &'a Url) -> BoxedRules<'a> {
        Box::pin(self.robots_rules_inner(url))
    }

    async fn robots_rules_inner(&self, url: &Url) -> Result<Arc<Rules>, FetchError> {
        let origin = robots::origin(url);
        if let Some(rules) = self.robots.cached(&origin, Utc::now(), true) {
            return Ok(rules);
        }
        let lock = self.robots.fetch_lock(&origin);
        let _fetching = lock.lock().await;
        if let Some(rules) = self.robots.cached(&origin, Utc::now(), true) {
            return Ok(rules);
        }
        let unavailable = |reason: String| {
            self.robots
                .cached(&origin, Utc::now(), false)
                .ok_or_else(|| FetchError::RobotsUnavailable {
                    url: url.to_string(),
                    reason,
                })
        };
        if let Some(reason) = self.robots.unavailable(&origin) {
            return unavailable(reason);
        }
        let robots_url =
            Url::parse(&format!("{origin}/robots.txt")).map_err(|_| FetchError::BadUrl {
                url: url.to_string(),
            })?;
        let fetched = self.get(&robots_url, Kind::Robots, None).await;
        let now = Utc::now();
        let entry = match fetched {
            Ok(Got::Body { body, .. }) => {
                RobotsEntry::new(now, Some(String::from_utf8_lossy(&body.bytes).into_owned()))
            }
            Ok(_) => RobotsEntry::new(now, None),
            Err(e) => match robots::entry_for_failure(now, &e) {
                Some(entry) => entry,
                None => {
                    let reason = e.to_string();
                    self.robots.mark_unavailable(&origin, reason.clone());
                    return unavailable(reason);
                }
            },
        };
        tracing::debug!(
            "{origin}/robots.txt: {}",
            entry
                .body
                .as_ref()
                .map_or("no rules".to_string(), |b| format!("{} bytes", b.len()))
        );
        let rules = self.robots.insert(&origin, entry);
        if let Some(delay) = rules.crawl_delay() {
            self.pacer.set_crawl_delay(&host_key(url), delay);
        }
        Ok(rules)
    }
}

/// Refuses redirects to other schemes and to URLs already visited.
fn check_redirect(start: &Url, visited: &[Url], next: &Url) -> Result<(), FetchError> {
    if !matches!(next.scheme(), "http" | "https") {
        return Err(FetchError::BadRedirect {
            url: start.to_string(),
            reason: format!("{next} is not http or https"),
        });
    }
    let same = |a: &Url, b: &Url| a.as_str().split('#').next() == b.as_str().split('#').next();
    if visited.iter().any(|seen| same(seen, next)) {
        return Err(FetchError::RedirectLoop {
            url: start.to_string(),
            location: next.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn content_types_by_kind() {
        assert!(Kind::Page.wants(Some("text/html; charset=utf-8")));
        assert!(Kind::Page.wants(None));
        assert!(!Kind::Page.wants(Some("application/pdf")));
        assert!(!Kind::Page.wants(Some("image/png")));
        assert!(Kind::Feed.wants(Some("application/rss+xml")));
        assert!(Kind::Feed.wants(Some("application/feed+json")));
        assert!(Kind::Feed.wants(Some("text/xml")));
        assert!(!Kind::Feed.wants(Some("image/jpeg")));
        assert!(Kind::Sitemap.wants(Some("application/x-gzip")));
    }
}
