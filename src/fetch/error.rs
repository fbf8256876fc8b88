//! Fetch failures: what went wrong getting one URL, as a message that names the URL.
//!
//! Only failures live here. Results that are not failures (not modified, denied by
//! robots.txt, skipped as not HTML, backed off) are outcomes, see [`super::PageOutcome`]
//! and [`super::FeedOutcome`]. Every message reads `fetching URL: what happened`.

use std::time::Duration;

use super::feed::FeedError;

/// Why a URL could not be fetched.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not a URL, or not http/https.
    #[error("fetching {url}: not an http or https URL")]
    BadUrl {
        /// The URL as given.
        url: String,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("fetching: cannot build the http client: {reason}")]
    Client {
        /// The client's message.
        reason: String,
    },
    /// Connect or whole-request timeout.
    #[error("fetching {url}: timed out after {}s", .after.as_secs_f64())]
    Timeout {
        /// The URL.
        url: String,
        /// The limit that was hit (connect or total).
        after: Duration,
    },
    /// The server could not be reached.
    #[error("fetching {url}: cannot connect: {reason}")]
    Connect {
        /// The URL.
        url: String,
        /// The network error.
        reason: String,
    },
    /// The server closed or reset the connection before a full response.
    #[error("fetching {url}: connection reset")]
    Reset {
        /// The URL.
        url: String,
    },
    /// Any other transport error.
    #[error("fetching {url}: network error: {reason}")]
    Network {
        /// The URL.
        url: String,
        /// The transport's message.
        reason: String,
    },
    /// The body (after decompression) passed the size cap.
    #[error("fetching {url}: body larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// More redirects than allowed.
    #[error("fetching {url}: too many redirects (more than {limit})")]
    TooManyRedirects {
        /// The URL first asked for.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// A redirect led back to a URL already visited.
    #[error("fetching {url}: redirect loop back to {location}")]
    RedirectLoop {
        /// The URL first asked for.
        url: String,
        /// The URL seen twice.
        location: String,
    },
    /// A redirect without a usable `Location` or to a scheme other than http/https.
    #[error("fetching {url}: redirect refused: {reason}")]
    BadRedirect {
        /// The URL that redirected.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// An HTTP error status.
    #[error("fetching {url}: HTTP {status}{}", retry_note(.retry_after))]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// robots.txt could not be read (5xx or network) and no earlier copy is cached.
    #[error("fetching {url}: robots.txt unavailable: {reason}")]
    RobotsUnavailable {
        /// The URL whose robots.txt was needed.
        url: String,
        /// Why.
        reason: String,
    },
    /// A feed or sitemap served with a type that is not a feed.
    #[error("fetching {url}: content type {content_type} is not a feed")]
    ContentType {
        /// The URL.
        url: String,
        /// The `Content-Type` received.
        content_type: String,
    },
    /// A feed or sitemap with an empty body.
    #[error("fetching {url}: empty body")]
    EmptyBody {
        /// The URL.
        url: String,
    },
    /// A feed or sitemap that could not be parsed.
    #[error("fetching {url}: {source}")]
    Parse {
        /// The URL.
        url: String,
        /// The parser's error.
        source: FeedError,
    },
}

fn retry_note(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!(", retry after {}s", d.as_secs()))
        .unwrap_or_default()
}

impl FetchError {
    /// Whether trying again soon may succeed: timeouts, resets, connection failures,
    /// 429, 5xx (except 501 Not Implemented).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. }
            | FetchError::Connect { .. }
            | FetchError::Reset { .. }
            | FetchError::Network { .. } => true,
            FetchError::Status { status, .. } => {
                *status == 429 || *status == 408 || (*status >= 500 && *status != 501)
            }
            _ => false,
        }
    }

    /// The server's `Retry-After`, if this error carries one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
