//! Feeds and sitemaps: conditional GET, parsing and the [`FeedState`] bookkeeping.
//!
//! In: a feed or sitemap URL and its state from the last run. Out: a [`FeedOutcome`] or a
//! [`FetchError`], with the state updated either way: validators from a fresh body,
//! success time, or failure count and `next_attempt_after`. A listing whose state says to
//! wait is not requested at all (`BackedOff`). Used by `Fetcher::fetch_feed` and
//! `Fetcher::fetch_sitemap`.

use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH};

use super::request::{Got, Inner, Kind};
use super::{parse_feed, parse_http, parse_sitemap, FeedOutcome, FeedState, FetchError};

impl Inner {
    /// Fetches a feed (`Kind::Feed`) or sitemap (`Kind::Sitemap`) and updates `state`.
    pub(crate) async fn fetch_listing(
        &self,
        url: &str,
        state: &mut FeedState,
        kind: Kind,
    ) -> Result<FeedOutcome, FetchError> {
        if let Some(until) = state.backed_off_until(Utc::now()) {
            return Ok(FeedOutcome::BackedOff { until });
        }
        let result = self.listing_once(url, state, kind).await;
        let now = Utc::now();
        match &result {
            Ok((FeedOutcome::Fresh { children, .. }, etag, last_modified)) => {
                state.record_success(now, etag.clone(), last_modified.clone(), true);
                state.children = children.clone();
            }
            Ok((FeedOutcome::NotModified, _, _)) => state.record_success(now, None, None, false),
            Ok(_) => {}
            Err(e) => state.record_failure(now, e),
        }
        result.map(|(outcome, _, _)| outcome)
    }

    /// One attempt; returns the outcome and the new validators.
    async fn listing_once(
        &self,
        url: &str,
        state: &FeedState,
        kind: Kind,
    ) -> Result<(FeedOutcome, Option<String>, Option<String>), FetchError> {
        let parsed = parse_http(url)?;
        let got = self.get(&parsed, kind, Some(validators(state))).await?;
        let (final_url, body) = match got {
            Got::NotModified => return Ok((FeedOutcome::NotModified, None, None)),
            Got::RobotsDenied => return Ok((FeedOutcome::RobotsDenied, None, None)),
            Got::WrongType(content_type) => {
                return Err(FetchError::ContentType {
                    url: url.to_string(),
                    content_type,
                })
            }
            Got::Body { final_url, body } => (final_url, body),
        };
        if body.bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(FetchError::EmptyBody {
                url: url.to_string(),
            });
        }
        let parse_error = |source| FetchError::Parse {
            url: url.to_string(),
            source,
        };
        let content_type = body.content_type.as_deref();
        let (entries, children) = if kind == Kind::Sitemap {
            let sitemap = parse_sitemap(&body.bytes, content_type, final_url.as_str())
                .map_err(parse_error)?;
            (sitemap.entries, sitemap.children)
        } else {
            let entries =
                parse_feed(&body.bytes, content_type, final_url.as_str()).map_err(parse_error)?;
            (entries, Vec::new())
        };
        let outcome = FeedOutcome::Fresh {
            final_url: final_url.to_string(),
            entries,
            children,
        };
        Ok((outcome, body.etag, body.last_modified))
    }
}

/// `If-None-Match` / `If-Modified-Since` from the state (values that are not valid header
/// text are left out rather than failing the fetch).
fn validators(state: &FeedState) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = state
        .etag
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert(IF_NONE_MATCH, value);
    }
    if let Some(value) = state
        .last_modified
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert(IF_MODIFIED_SINCE, value);
    }
    headers
}
