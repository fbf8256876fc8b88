//! Feed parsing: RSS 2.0 / Atom / JSON Feed bytes → article entries.
//!
//! In: the body, its `Content-Type` and the feed's URL (after redirects). Out: one
//! [`FeedEntry`] per item with a usable http(s) link, in document order. Runs after a
//! fresh feed fetch, before canonicalisation and the "already stored?" check.
//!
//! feed-rs does the parsing (it detects the format and reads the XML prolog's encoding).
//! Tolerance, because one bad byte must not cost a feed its articles:
//! - When parsing fails, the body is sanitised and parsed again: HTML named entities that
//!   XML does not know (`&eacute;`, `&nbsp;`, `&rsquo;`...) become numeric references, a bare
//!   `&` becomes `&amp;`, and control characters XML forbids are dropped ([`sanitise`]).
//! - An entry's link is its `alternate` (or unlabelled) link, else its first link, else its
//!   id when that is an http(s) URL (RSS `guid` permalinks); relative links are resolved
//!   against the feed URL. Entries left without an http(s) URL are skipped.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// One article a feed or sitemap lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// Absolute http(s) URL of the article (not canonicalised).
    pub url: String,
    /// Its title, if given.
    pub title: Option<String>,
    /// Its publication date (else its update date), if given.
    pub published: Option<DateTime<Utc>>,
}

/// A feed or sitemap that could not be read, even after sanitising.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// Not a feed feed-rs can read.
    #[error("parsing feed: {0}")]
    Feed(String),
    /// Not a sitemap.
    #[error("parsing sitemap: {0}")]
    Sitemap(String),
}

/// Parses a feed; `base_url` resolves relative links.
pub fn parse_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    base_url: &str,
) -> Result<Vec<FeedEntry>, FeedError> {
    let _ = content_type; // feed-rs detects the format from the bytes.
    let base = Url::parse(base_url).ok();
    let parse = |body: &[u8]| {
        feed_rs::parser::Builder::new()
            .base_uri(base.as_ref().map(Url::as_str))
            .build()
            .parse(body)
    };
    let feed = match parse(bytes) {
        Ok(feed) => feed,
        Err(first) => parse(&sanitise(bytes)).map_err(|_| FeedError::Feed(first.to_string()))?,
    };
    Ok(feed
        .entries
        .into_iter()
        .filter_map(|entry| to_entry(entry, base.as_ref()))
        .collect())
}

fn to_entry(entry: feed_rs::model::Entry, base: Option<&Url>) -> Option<FeedEntry> {
    let preferred = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .map(|l| l.href.as_str());
    let url = preferred
        .and_then(|href| absolute_http(href, base))
        .or_else(|| absolute_http(&entry.id, None))?;
    let title = entry
        .title
        .map(|t| clean_title(&t.content))
        .filter(|t| !t.is_empty());
    Some(FeedEntry {
        url,
        title,
        published: entry.published.or(entry.updated),
    })
}

/// A title on one line: control characters dropped (feed-rs lets some through), runs of
/// whitespace (no-break spaces included) made one space.
pub(crate) fn clean_title(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `href` resolved against `base`, if the result is an http(s) URL.
pub(crate) fn absolute_http(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = match base {
        Some(base) => base.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// HTML entity names seen in broken feeds, with their characters.
const HTML_ENTITIES: [(&str, char); 40] = [
    ("nbsp", '\u{a0}'),
    ("eacute", 'é'),
    ("Eacute", 'É'),
    ("egrave", 'è'),
    ("Egrave", 'È'),
    ("ecirc", 'ê'),
    ("euml", 'ë'),
    ("agrave", 'à'),
    ("Agrave", 'À'),
    ("acirc", 'â'),
    ("ccedil", 'ç'),
    ("Ccedil", 'Ç'),
    ("icirc", 'î'),
    ("iuml", 'ï'),
    ("ocirc", 'ô'),
    ("ugrave", 'ù'),
    ("ucirc", 'û'),
    ("uuml", 'ü'),
    ("oelig", 'œ'),
    ("OElig", 'Œ'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("euro", '€'),
    ("copy", '©'),
    ("reg", '®'),
    ("deg", '°'),
    ("middot", '·'),
    ("bull", '•'),
    ("times", '×'),
    ("shy", '\u{ad}'),
    ("thinsp", '\u{2009}'),
    ("trade", '™'),
    ("sect", '§'),
];

/// Repairs what breaks XML parsers in real feeds, byte-wise (the encoding is kept):
/// unknown named entities → numeric references (or `&amp;name;` when not HTML either),
/// a bare `&` → `&amp;`, forbidden control bytes dropped.
pub fn sanitise(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if matches!(byte, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F) {
            i += 1;
            continue;
        }
        if byte != b'&' {
            out.push(byte);
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        let name_len = rest.iter().take(32).position(|b| *b == b';');
        let name = name_len
            .map(|n| &rest[..n])
            .filter(|n| !n.is_empty() && n.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'#'));
        let html_char = name.and_then(|n| {
            let text = std::str::from_utf8(n).ok()?;
            HTML_ENTITIES
                .iter()
                .find(|(entity, _)| *entity == text)
                .map(|(_, c)| (n.len(), *c))
        });
        match (name, html_char) {
            (Some(name), _) if is_xml_reference(name) => out.push(b'&'),
            (_, Some((len, c))) => {
                out.extend_from_slice(format!("&#{};", c as u32).as_bytes());
                i += len + 2;
                continue;
            }
            _ => out.extend_from_slice(b"&amp;"),
        }
        i += 1;
    }
    out
}

fn is_xml_reference(name: &[u8]) -> bool {
    matches!(name, b"amp" | b"lt" | b"gt" | b"quot" | b"apos")
        || (name.first() == Some(&b'#') && name.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitise_repairs_entities_and_controls() {
        let got = sanitise(b"<t>Caf&eacute; &amp; th&#233; & co &foo; \x01\x0b</t>\n");
        assert_eq!(
            String::from_utf8_lossy(&got),
            "<t>Caf&#233; &amp; th&#233; &amp; co &amp;foo; </t>\n"
        );
    }

    #[test]
    fn relative_and_non_http_links() {
        let base = Url::parse("https://example.fr/rss/feed.xml").ok();
        assert_eq!(
            absolute_http("../2024/a.html", base.as_ref()).as_deref(),
            Some("https://example.fr/2024/a.html")
        );
        assert_eq!(absolute_http("mailto:x@example.fr", base.as_ref()), None);
        assert_eq!(absolute_http("urn:uuid:1234", None), None);
    }
}
