//! URL canonicalisation: one article under several URLs gets one identity.
//!
//! In: a URL string. Out: its canonical form (lowercase scheme and host, no `www.`, no
//! fragment, no tracking parameters, sorted query, no trailing slash), used as the key of
//! the store's URL index. Pure.

/// Canonical form of `url`, or `None` when it is not an http(s) URL.
pub fn canonicalize(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    Some(u.to_string()) // TODO(fetch helper): full rules
}
