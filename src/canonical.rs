//! URL canonicalisation: one article under several URLs gets one identity.
//!
//! In: a URL string (from a feed, a sitemap, a redirect or `<link rel=canonical>`). Out: its
//! canonical form, the key of the store's URL index, so `https://www.Example.fr/a/?utm_source=x#top`
//! and `https://example.fr/a` are the same article. Runs between fetch and the "already stored?"
//! check. Pure and idempotent: `canonicalize(canonicalize(u)) == canonicalize(u)`.
//!
//! Rules, in order:
//! 1. Only `http` and `https` URLs have a canonical form; anything else gives `None`. The
//!    scheme is kept (http and https may serve different things).
//! 2. Scheme and host lowercase, IDNA hosts in punycode, dot segments resolved, default ports
//!    (80, 443) dropped: the `url` crate's WHATWG parser does these.
//! 3. Leading `www.` labels dropped from the host (`www.lemonde.fr` → `lemonde.fr`), unless
//!    nothing but a top-level label would remain (`www.com` stays).
//! 4. The fragment dropped.
//! 5. Tracking parameters dropped (see [`is_tracking_param`]): names starting with `utm_`,
//!    `at_` (AT Internet, used by most French outlets), `lmd_` (Le Monde), `ns_` (comScore),
//!    `pk_`/`mtm_` (Matomo), and the exact names `fbclid`, `gclid`, `gclsrc`, `dclid`,
//!    `msclkid`, `mc_cid`, `mc_eid`, `xtor`, `xts`, `xtref`, `_ga`, `_gl`, `igshid`, `yclid`,
//!    `twclid`, `ttclid`, `li_fat_id`, `mkt_tok`, `ocid`, `ito`, `cmpid`, `sr_share`. Names are
//!    compared case-insensitively.
//! 6. Remaining query parameters sorted (by name, then value; bytewise), empty ones
//!    (`a=1&&b=2`) dropped, an empty query removed entirely.
//! 7. Trailing slashes dropped from the path, except the root `/`.
//! 8. Percent-encoding normalised in path and query: escapes of unreserved characters
//!    (`A-Z a-z 0-9 - . _ ~`) decoded, the other escapes written with uppercase hex.

use url::Url;

/// Canonical form of `url`, or `None` when it is not an http(s) URL.
pub fn canonicalize(url: &str) -> Option<String> {
    let mut u = Url::parse(url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.to_string();
    let bare = strip_www(&host);
    if bare != host {
        u.set_host(Some(bare)).ok()?;
    }
    u.set_fragment(None);
    let query = u.query().map(canonical_query).unwrap_or_default();
    u.set_query(if query.is_empty() { None } else { Some(&query) });
    let path = canonical_path(u.path());
    u.set_path(&path);
    Some(u.to_string())
}

/// Whether a query parameter name only tracks the reader (rule 5 of the module doc).
pub fn is_tracking_param(name: &str) -> bool {
    const PREFIXES: [&str; 6] = ["utm_", "at_", "lmd_", "ns_", "pk_", "mtm_"];
    const NAMES: [&str; 22] = [
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "xtor",
        "xts",
        "xtref",
        "_ga",
        "_gl",
        "igshid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mkt_tok",
        "ocid",
        "ito",
        "cmpid",
        "sr_share",
    ];
    let name = name.to_ascii_lowercase();
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name.as_str())
}

/// Drops leading `www.` labels while at least two labels remain (so `www.com` stays).
fn strip_www(host: &str) -> &str {
    let mut host = host;
    while let Some(rest) = host.strip_prefix("www.") {
        if !rest.contains('.') {
            break;
        }
        host = rest;
    }
    host
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(normalise_escapes)
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !name.is_empty() && !is_tracking_param(name)
        })
        .collect();
    pairs.sort_by(|a, b| {
        let (an, av) = a.split_once('=').unwrap_or((a, ""));
        let (bn, bv) = b.split_once('=').unwrap_or((b, ""));
        (an, av).cmp(&(bn, bv))
    });
    pairs.join("&")
}

fn canonical_path(path: &str) -> String {
    let path = normalise_escapes(path);
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Decodes escapes of unreserved characters and uppercases the hex of the others.
fn normalise_escapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2]));
            if let (Some(high), Some(low)) = hex {
                let byte = high * 16 + low;
                if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                    out.push(byte as char);
                } else {
                    out.push('%');
                    out.push(bytes[i + 1].to_ascii_uppercase() as char);
                    out.push(bytes[i + 2].to_ascii_uppercase() as char);
                }
                i += 3;
                continue;
            }
        }
        if bytes[i] == b'%' {
            // A stray `%` (no two hex digits after it) is written as the escape it stands
            // for; left bare it could pair with decoded characters on a second pass
            // ("%%61A" → "%aA" → "%AA"), and canonical forms must be fixed points.
            out.push_str("%25");
            i += 1;
            continue;
        }
        // Non-ASCII never reaches here: the url crate has percent-encoded it.
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::canonicalize;
    use proptest::prelude::*;

    fn c(url: &str) -> String {
        canonicalize(url).unwrap_or_else(|| panic!("{url} has no canonical form"))
    }

    #[test]
    fn scheme_and_host_are_lowercased() {
        assert_eq!(c("HTTPS://Example.FR/Path"), "https://example.fr/Path");
    }

    #[test]
    fn www_is_dropped_but_not_from_a_bare_domain() {
        assert_eq!(c("https://www.lemonde.fr/a"), "https://lemonde.fr/a");
        assert_eq!(c("https://www.www.lemonde.fr/a"), "https://lemonde.fr/a");
        assert_eq!(c("https://www.com/a"), "https://www.com/a");
    }

    #[test]
    fn default_ports_are_dropped_and_others_kept() {
        assert_eq!(c("http://example.fr:80/a"), "http://example.fr/a");
        assert_eq!(c("https://example.fr:443/a"), "https://example.fr/a");
        assert_eq!(c("http://example.fr:8080/a"), "http://example.fr:8080/a");
    }

    #[test]
    fn fragment_is_dropped() {
        assert_eq!(c("https://example.fr/a#comments"), "https://example.fr/a");
    }

    #[test]
    fn tracking_params_are_dropped() {
        let url = "https://example.fr/a?utm_source=rss&UTM_Medium=x&fbclid=1&gclid=2&mc_cid=3\
                   &mc_eid=4&xtor=RSS-1&at_medium=email&at_campaign=z&lmd_medium=al&id=7";
        assert_eq!(c(url), "https://example.fr/a?id=7");
    }

    #[test]
    fn remaining_params_are_sorted_and_empty_ones_dropped() {
        assert_eq!(
            c("https://example.fr/a?b=2&&a=9&a=1&"),
            "https://example.fr/a?a=1&a=9&b=2"
        );
        assert_eq!(c("https://example.fr/a?"), "https://example.fr/a");
    }

    #[test]
    fn trailing_slash_is_dropped_except_on_root() {
        assert_eq!(c("https://example.fr/a/b/"), "https://example.fr/a/b");
        assert_eq!(c("https://example.fr/a//"), "https://example.fr/a");
        assert_eq!(c("https://example.fr/"), "https://example.fr/");
        assert_eq!(c("https://example.fr"), "https://example.fr/");
    }

    #[test]
    fn percent_encoding_is_normalised() {
        assert_eq!(
            c("https://example.fr/%7efoo%2d"),
            "https://example.fr/~foo-"
        );
        assert_eq!(c("https://example.fr/a%2fb"), "https://example.fr/a%2Fb");
        assert_eq!(
            c("https://example.fr/caf%c3%a9"),
            "https://example.fr/caf%C3%A9"
        );
        assert_eq!(c("https://example.fr/café"), "https://example.fr/caf%C3%A9");
        assert_eq!(
            c("https://example.fr/a?q=%41%2b"),
            "https://example.fr/a?q=A%2B"
        );
        // Encoded dot segments are resolved, as browsers do.
        assert_eq!(c("https://example.fr/a/%2e%2e/b"), "https://example.fr/b");
        // A stray percent sign (found by the idempotence property test).
        assert_eq!(c("https://0/?%%61A="), "https://0.0.0.0/?%25aA=");
        assert_eq!(c("https://example.fr/100%"), "https://example.fr/100%25");
    }

    #[test]
    fn one_article_under_three_urls_has_one_identity() {
        let a = c("https://www.example.fr/2024/07/16/base-aerienne/?utm_source=rss#x");
        let b = c("HTTPS://example.fr/2024/07/16/base-aerienne?xtor=RSS-3208");
        let d = c("https://example.fr:443/2024/07/16/base-aerienne");
        assert_eq!(a, b);
        assert_eq!(b, d);
    }

    #[test]
    fn non_http_urls_have_no_canonical_form() {
        assert_eq!(canonicalize("mailto:a@example.fr"), None);
        assert_eq!(canonicalize("ftp://example.fr/a"), None);
        assert_eq!(canonicalize("not a url"), None);
        assert_eq!(canonicalize(""), None);
    }

    proptest! {
        #[test]
        fn canonicalize_is_idempotent_and_total(s in "\\PC*") {
            if let Some(once) = canonicalize(&s) {
                prop_assert_eq!(canonicalize(&once), Some(once.clone()));
            }
        }

        #[test]
        fn canonicalize_is_idempotent_on_url_shapes(
            host in "(www\\.)*[a-zA-Z0-9-]{1,8}(\\.[a-z]{1,4}){0,2}",
            path in "(/[a-zA-Z0-9%~._-]{0,6}){0,4}/?",
            query in "([a-zA-Z_%0-9]{0,6}=[a-zA-Z0-9%+/]{0,6}&?){0,4}",
            fragment in "[a-z#]{0,4}",
        ) {
            let url = format!("https://{host}{path}?{query}#{fragment}");
            if let Some(once) = canonicalize(&url) {
                prop_assert_eq!(canonicalize(&once), Some(once.clone()));
            }
        }
    }
}
