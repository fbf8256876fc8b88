//! Fetching: feeds and article pages over HTTP, politely.
//!
//! In: URLs and the run settings. Out: bytes with their headers, or a clear outcome
//! (not modified, denied by robots.txt, too large, not HTML) or error. The only stage
//! besides `store` that does I/O.
// TODO(fetch helper): client, robots, pacing, conditional GET, retries, limits, feed parsing.
