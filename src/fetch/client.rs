//! One HTTP exchange: a GET of one URL, without redirects, retries or pacing.
//!
//! In: a URL, extra request headers (conditional GET), which content types are wanted and a
//! body cap. Out: a [`Hop`]: a redirect target, "not modified", a refused content type, or
//! the status, validators and body; or a [`FetchError`] that says what happened. The caller
//! (`request.rs`) adds redirects, retries, pacing and robots.txt on top.
//!
//! Limits enforced here: the connect timeout and the total timeout (whole body included, so
//! a slow status line or a body that trickles forever ends in time), and the body cap,
//! counted on the decompressed stream: reqwest inflates gzip/brotli/deflate as chunks arrive
//! and we stop reading at the cap, so a gzip bomb costs at most the cap in memory. A
//! `Content-Length` above the cap is refused before any body byte is read.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::{self, HeaderMap};
use url::Url;

use super::error::FetchError;
use crate::config::Settings;

/// The HTTP client with the run's limits.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    connect_timeout: Duration,
    timeout: Duration,
}

/// What one GET gave.
#[derive(Debug)]
pub(crate) enum Hop {
    /// A 3xx with a `Location`, resolved against the URL asked for.
    Redirect(Url),
    /// A 304 to a conditional GET.
    NotModified,
    /// A 2xx whose content type the caller does not want; the body was not read.
    WrongType(String),
    /// A 2xx with its body.
    Body(Body),
}

/// A successful response.
#[derive(Debug)]
pub(crate) struct Body {
    /// The status code (2xx).
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
    /// The body, decompressed.
    pub bytes: Vec<u8>,
}

impl Http {
    /// A client with the settings' user agent and timeouts, and no automatic redirects.
    pub fn new(settings: &Settings) -> Result<Http, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| FetchError::Client {
                reason: e.to_string(),
            })?;
        Ok(Http {
            client,
            connect_timeout: settings.connect_timeout,
            timeout: settings.timeout,
        })
    }

    /// GETs `url` once. `wanted` says whether a 2xx content type is worth downloading.
    pub async fn get(
        &self,
        url: &Url,
        headers: HeaderMap,
        wanted: impl Fn(Option<&str>) -> bool,
        cap: u64,
    ) -> Result<Hop, FetchError> {
        // reqwest's total timeout covers the body; this outer bound is a second guard.
        let bound = self.timeout + Duration::from_millis(500);
        match tokio::time::timeout(bound, self.exchange(url, headers, wanted, cap)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout {
                url: url.to_string(),
                after: self.timeout,
            }),
        }
    }

    async fn exchange(
        &self,
        url: &Url,
        headers: HeaderMap,
        wanted: impl Fn(Option<&str>) -> bool,
        cap: u64,
    ) -> Result<Hop, FetchError> {
        let request = self.client.get(url.clone()).headers(headers);
        let response = request.send().await.map_err(|e| self.classify(url, e))?;
        let status = response.status().as_u16();
        let header_text = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
        };
        if (300..400).contains(&status) && status != 304 {
            let location =
                header_text(header::LOCATION).ok_or_else(|| FetchError::BadRedirect {
                    url: url.to_string(),
                    reason: format!("HTTP {status} without a Location header"),
                })?;
            let target = url.join(&location).map_err(|e| FetchError::BadRedirect {
                url: url.to_string(),
                reason: format!("Location {location:?} is not a URL: {e}"),
            })?;
            return Ok(Hop::Redirect(target));
        }
        if status == 304 {
            return Ok(Hop::NotModified);
        }
        if !(200..300).contains(&status) {
            let retry_after = header_text(header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
                retry_after,
            });
        }
        let content_type = header_text(header::CONTENT_TYPE);
        if !wanted(content_type.as_deref()) {
            return Ok(Hop::WrongType(content_type.unwrap_or_default()));
        }
        let etag = header_text(header::ETAG);
        let last_modified = header_text(header::LAST_MODIFIED);
        let bytes = self.read_capped(response, url, cap).await?;
        Ok(Hop::Body(Body {
            status,
            content_type,
            etag,
            last_modified,
            bytes,
        }))
    }

    /// Reads the (decompressed) body, failing as soon as it passes `cap` bytes.
    async fn read_capped(
        &self,
        mut response: reqwest::Response,
        url: &Url,
        cap: u64,
    ) -> Result<Vec<u8>, FetchError> {
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit: cap,
        };
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(url, e))? {
            if bytes.len() as u64 + chunk.len() as u64 > cap {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Turns a reqwest error into the [`FetchError`] that says what happened.
    fn classify(&self, url: &Url, error: reqwest::Error) -> FetchError {
        let url = url.to_string();
        if error.is_timeout() {
            let after = if error.is_connect() {
                self.connect_timeout
            } else {
                self.timeout
            };
            return FetchError::Timeout { url, after };
        }
        if was_reset(&error) {
            return FetchError::Reset { url };
        }
        let reason = root_cause(&error);
        if error.is_connect() {
            FetchError::Connect { url, reason }
        } else {
            FetchError::Network { url, reason }
        }
    }
}

/// Whether the connection was reset or closed before a complete response.
fn was_reset(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return true;
            }
        }
        let text = cause.to_string();
        if text.contains("connection closed before message completed")
            || text.contains("connection reset")
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The innermost error message, the one that names the real problem.
fn root_cause(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    text
}

/// `Retry-After` as seconds (`120`) or an HTTP date, as a delay from now (past dates: zero).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::parse_retry_after;
    use std::time::Duration;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let later = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        let got = parse_retry_after(&later).unwrap_or_default();
        assert!(
            got > Duration::from_secs(80) && got <= Duration::from_secs(90),
            "{got:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
