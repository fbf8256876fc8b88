//! Per-feed HTTP state kept across runs: validators for conditional GET and failure backoff.
//!
//! In: the [`FeedState`] the store kept for a feed or sitemap URL (`Default` for a new one).
//! Out: the same state updated by `Fetcher::fetch_feed` / `fetch_sitemap`, which the caller
//! saves back (`serde_json`, store namespace of its choice). Nothing here does I/O.
//!
//! A feed that fails is never dropped: each consecutive failure doubles the time before the
//! next attempt ([`failure_backoff`]: 5 min, 10, 20 ... capped at 6 h), and a 429/503's
//! `Retry-After` is respected if longer. Until then `fetch_feed` answers
//! `FeedOutcome::BackedOff` without touching the network. One success clears it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::FetchError;

/// First cross-run backoff after a failure.
pub const FAILURE_BACKOFF_BASE: Duration = Duration::from_secs(5 * 60);
/// Longest cross-run backoff.
pub const FAILURE_BACKOFF_MAX: Duration = Duration::from_secs(6 * 3600);

/// What we remember about one feed or sitemap URL between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedState {
    /// The `ETag` of the last body received, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` of the last body received, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// When a fetch last succeeded (fresh or not modified).
    pub last_success: Option<DateTime<Utc>>,
    /// When a fetch last failed.
    pub last_failure: Option<DateTime<Utc>>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// Failures since the last success. Saved as `failures`, the name `newsfold check`
    /// reads (`store::FEED_STATE`); states saved under the field's name still load.
    #[serde(rename = "failures", alias = "consecutive_failures")]
    pub consecutive_failures: u32,
    /// No attempt before this instant (set after failures).
    pub next_attempt_after: Option<DateTime<Utc>>,
    /// For a sitemap index: the child sitemaps its last body listed. When the index answers
    /// 304 its children must still be visited (they change while the index does not), and
    /// this is where they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
}

impl FeedState {
    /// The instant before which no attempt should be made, if it is after `now`.
    pub fn backed_off_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_attempt_after.filter(|until| *until > now)
    }

    /// Records a success; new validators replace the old ones when given.
    pub fn record_success(
        &mut self,
        now: DateTime<Utc>,
        etag: Option<String>,
        last_modified: Option<String>,
        fresh_body: bool,
    ) {
        if fresh_body {
            // A body without validators means the server stopped sending them.
            self.etag = etag;
            self.last_modified = last_modified;
        }
        self.last_success = Some(now);
        self.consecutive_failures = 0;
        self.next_attempt_after = None;
    }

    /// Records a failure and pushes the next attempt back.
    pub fn record_failure(&mut self, now: DateTime<Utc>, error: &FetchError) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_failure = Some(now);
        self.last_error = Some(error.to_string());
        let wait =
            failure_backoff(self.consecutive_failures).max(error.retry_after().unwrap_or_default());
        let wait = chrono::Duration::from_std(wait.min(FAILURE_BACKOFF_MAX))
            .unwrap_or(chrono::Duration::zero());
        self.next_attempt_after = Some(now + wait);
    }
}

/// Time to wait after `failures` consecutive failures: 5 min doubled each time, at most 6 h.
pub fn failure_backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FAILURE_BACKOFF_BASE
        .saturating_mul(1u32 << doublings)
        .min(FAILURE_BACKOFF_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error() -> FetchError {
        FetchError::Status {
            url: "http://a/feed".into(),
            status: 500,
            retry_after: None,
        }
    }

    #[test]
    fn failures_back_off_longer_and_longer_then_success_clears() {
        let now = Utc::now();
        let mut state = FeedState::default();
        let mut waits = Vec::new();
        for _ in 0..8 {
            state.record_failure(now, &error());
            waits.push(
                state
                    .next_attempt_after
                    .map(|t| (t - now).num_seconds())
                    .unwrap_or(0),
            );
        }
        assert_eq!(&waits[..4], &[300, 600, 1200, 2400]);
        assert_eq!(waits[7], 6 * 3600);
        assert_eq!(state.consecutive_failures, 8);
        assert_eq!(
            state.last_error.as_deref(),
            Some("fetching http://a/feed: HTTP 500")
        );
        assert!(state.backed_off_until(now).is_some());
        state.record_success(now, Some("\"v2\"".into()), None, true);
        assert_eq!(
            (state.consecutive_failures, state.backed_off_until(now)),
            (0, None)
        );
        assert_eq!(state.etag.as_deref(), Some("\"v2\""));
    }

    #[test]
    fn state_saved_by_an_older_version_still_loads() {
        let old: Result<FeedState, _> =
            serde_json::from_str(r#"{"etag":"\"v1\"","consecutive_failures":2}"#);
        let old = old.unwrap_or_default();
        assert_eq!(
            (old.etag.as_deref(), old.consecutive_failures),
            (Some("\"v1\""), 2)
        );
        assert!(old.children.is_empty());
    }

    #[test]
    fn failures_are_saved_under_the_name_check_reads() {
        let mut state = FeedState::default();
        state.record_failure(Utc::now(), &error());
        let saved = serde_json::to_value(&state).unwrap_or_default();
        assert_eq!(saved["failures"], 1, "{saved}");
        assert!(saved["last_failure"].is_string() && saved["last_error"].is_string());
    }
}
