//! robots.txt: fetched once per origin, cached with an expiry, obeyed for our user agent.
//!
//! In: robots.txt bodies (fetched by `request.rs` through the same paced client). Out: for a
//! URL, allowed or not, and the origin's `Crawl-delay`. Matching is texting_robots' for the
//! product token of the settings' user agent (`newsfold` in `newsfold/0.1 (+https://...)`),
//! falling back to the `*` group.
//!
//! Following RFC 9309: a 2xx body is parsed (at most [`ROBOTS_MAX_BYTES`]); a 4xx, too many
//! redirects, an oversized or unparsable file mean "no rules, all allowed"; a 5xx, a 429 (as
//! Google reads it: the site is overloaded, not open) or a network failure means "unavailable": the last cached copy is used even if expired, and
//! without one the URL fails with [`FetchError::RobotsUnavailable`] (retried next run),
//! remembered for [`UNAVAILABLE_FOR`] so one dead host costs one robots fetch per run.
//!
//! Entries expire [`ROBOTS_TTL`] after they were fetched. The cache is plain serde data
//! ([`RobotsCache`]): the caller exports it at the end of a run and imports it at the
//! start of the next (the store keeps it as JSON), so robots.txt is not refetched every run.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use texting_robots::Robot;
use url::Url;

use super::error::FetchError;

/// How long a fetched robots.txt is trusted.
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long an unavailable robots.txt is not asked again within a run.
pub const UNAVAILABLE_FOR: Duration = Duration::from_secs(600);
/// Largest robots.txt read (RFC 9309 asks crawlers to read at least 500 KiB).
pub const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// The persistent robots.txt cache: origin (`https://host:port`) → entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RobotsCache {
    /// Entries by origin, sorted (so the JSON is stable).
    pub entries: BTreeMap<String, RobotsEntry>,
}

/// One origin's robots.txt as fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobotsEntry {
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// When it must be fetched again.
    pub expires_at: DateTime<Utc>,
    /// The file's text; `None` when there is none (4xx), meaning everything is allowed.
    pub body: Option<String>,
}

impl RobotsEntry {
    /// An entry fetched `now` with this body (`None`: no rules).
    pub fn new(now: DateTime<Utc>, body: Option<String>) -> RobotsEntry {
        let ttl = chrono::Duration::from_std(ROBOTS_TTL).unwrap_or(chrono::Duration::zero());
        RobotsEntry {
            fetched_at: now,
            expires_at: now + ttl,
            body,
        }
    }
}

/// A parsed entry.
#[derive(Debug)]
pub(crate) struct Rules {
    entry: RobotsEntry,
    robot: Option<Robot>,
}

impl Rules {
    fn parse(entry: RobotsEntry, agent: &str) -> Rules {
        // An unparsable file is treated as no rules (texting_robots rarely refuses one).
        let robot = entry
            .body
            .as_deref()
            .and_then(|text| Robot::new(agent, text.as_bytes()).ok());
        Rules { entry, robot }
    }

    /// Whether our agent may fetch `url`.
    pub fn allows(&self, url: &str) -> bool {
        self.robot.as_ref().is_none_or(|r| r.allowed(url))
    }

    /// The group's `Crawl-delay`, if any.
    pub fn crawl_delay(&self) -> Option<Duration> {
        let seconds = self.robot.as_ref()?.delay?;
        (seconds.is_finite() && seconds > 0.0)
            .then(|| Duration::from_secs_f32(seconds.min(86_400.0)))
    }
}

/// The run's robots.txt knowledge: parsed entries, fetch locks, unavailable origins.
#[derive(Debug)]
pub(crate) struct RobotsBook {
    agent: String,
    rules: Mutex<BTreeMap<String, Arc<Rules>>>,
    fetching: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
    unavailable: Mutex<BTreeMap<String, (tokio::time::Instant, String)>>,
}

impl RobotsBook {
    /// An empty book for this user agent.
    pub fn new(user_agent: &str) -> RobotsBook {
        RobotsBook {
            agent: agent_token(user_agent),
            rules: Mutex::new(BTreeMap::new()),
            fetching: Mutex::new(BTreeMap::new()),
            unavailable: Mutex::new(BTreeMap::new()),
        }
    }

    /// The origin's rules if cached (`fresh_only`: and not expired at `now`).
    pub fn cached(&self, origin: &str, now: DateTime<Utc>, fresh_only: bool) -> Option<Arc<Rules>> {
        let rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let found = rules.get(origin)?;
        (!fresh_only || found.entry.expires_at > now).then(|| Arc::clone(found))
    }

    /// The lock held while one task fetches the origin's robots.txt.
    pub fn fetch_lock(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.fetching.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(locks.entry(origin.to_string()).or_default())
    }

    /// Parses and stores an entry; returns the parsed rules.
    pub fn insert(&self, origin: &str, entry: RobotsEntry) -> Arc<Rules> {
        let parsed = Arc::new(Rules::parse(entry, &self.agent));
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules.insert(origin.to_string(), Arc::clone(&parsed));
        parsed
    }

    /// Remembers that the origin's robots.txt could not be read, and why.
    pub fn mark_unavailable(&self, origin: &str, reason: String) {
        let until = tokio::time::Instant::now() + UNAVAILABLE_FOR;
        let mut map = self.unavailable.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(origin.to_string(), (until, reason));
    }

    /// Why the origin's robots.txt is unavailable, if it recently was.
    pub fn unavailable(&self, origin: &str) -> Option<String> {
        let map = self.unavailable.lock().unwrap_or_else(|e| e.into_inner());
        let (until, reason) = map.get(origin)?;
        (*until > tokio::time::Instant::now()).then(|| reason.clone())
    }

    /// The entries, for the caller to persist.
    pub fn export(&self) -> RobotsCache {
        let rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let entries = rules
            .iter()
            .map(|(k, v)| (k.clone(), v.entry.clone()))
            .collect();
        RobotsCache { entries }
    }

    /// Loads persisted entries (expired ones too: they serve when a refetch fails).
    /// Returns each origin's crawl-delay, for the pacer.
    pub fn import(&self, cache: RobotsCache) -> Vec<(String, Duration)> {
        let mut delays = Vec::new();
        for (origin, entry) in cache.entries {
            if let Some(delay) = self.insert(&origin, entry).crawl_delay() {
                delays.push((origin, delay));
            }
        }
        delays
    }
}

/// `scheme://host:port` of a URL: robots.txt applies per origin.
pub(crate) fn origin(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let port = url.port_or_known_default().unwrap_or(0);
    format!("{}://{host}:{port}", url.scheme())
}

/// The product token robots.txt groups are matched against: the user agent up to `/` or space.
pub(crate) fn agent_token(user_agent: &str) -> String {
    let token = user_agent
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .unwrap_or("");
    if token.is_empty() { "*" } else { token }.to_string()
}

/// What a failed robots.txt fetch means: `Ok(entry)` with no rules, or unavailable.
pub(crate) fn entry_for_failure(now: DateTime<Utc>, error: &FetchError) -> Option<RobotsEntry> {
    match error {
        FetchError::Status { status, .. } if (400..500).contains(status) && *status != 429 => {
            Some(RobotsEntry::new(now, None))
        }
        FetchError::TooManyRedirects { .. }
        | FetchError::RedirectLoop { .. }
        | FetchError::BadRedirect { .. }
        | FetchError::TooLarge { .. } => Some(RobotsEntry::new(now, None)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_token_is_the_product_name() {
        assert_eq!(agent_token("newsfold/0.1 (+https://x)"), "newsfold");
        assert_eq!(agent_token("  "), "*");
    }

    #[test]
    fn our_group_wins_over_star_and_crawl_delay_is_read() {
        let text = "User-agent: *\nDisallow: /\n\nUser-agent: newsfold\nDisallow: /private/\nCrawl-delay: 2.5\n";
        let book = RobotsBook::new("newsfold/0.1");
        let rules = book.insert(
            "http://a:80",
            RobotsEntry::new(Utc::now(), Some(text.into())),
        );
        assert!(rules.allows("http://a/news/1"));
        assert!(!rules.allows("http://a/private/1"));
        assert_eq!(rules.crawl_delay(), Some(Duration::from_millis(2500)));
    }

    #[test]
    fn missing_file_allows_all_but_overload_and_errors_do_not() {
        let status = |status| FetchError::Status {
            url: "http://a/robots.txt".into(),
            status,
            retry_after: None,
        };
        let now = Utc::now();
        assert_eq!(
            entry_for_failure(now, &status(404)).map(|e| e.body),
            Some(None)
        );
        assert_eq!(
            entry_for_failure(now, &status(403)).map(|e| e.body),
            Some(None)
        );
        assert_eq!(entry_for_failure(now, &status(429)), None);
        assert_eq!(entry_for_failure(now, &status(503)), None);
        let reset = FetchError::Reset {
            url: "http://a/robots.txt".into(),
        };
        assert_eq!(entry_for_failure(now, &reset), None);
    }

    #[test]
    fn export_import_round_trips_through_json() {
        let book = RobotsBook::new("newsfold");
        book.insert(
            "http://a:80",
            RobotsEntry::new(Utc::now(), Some("User-agent: *\nDisallow: /x\n".into())),
        );
        let json = serde_json::to_string(&book.export()).unwrap_or_default();
        let back: RobotsCache = serde_json::from_str(&json).unwrap_or_default();
        let other = RobotsBook::new("newsfold");
        other.import(back);
        let rules = other.cached("http://a:80", Utc::now(), true);
        assert!(rules.is_some_and(|r| !r.allows("http://a/x/1")));
    }
}
