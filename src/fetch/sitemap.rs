//! Sitemap parsing: `<urlset>` (plain or Google News) and `<sitemapindex>` → entries or
//! child sitemaps.
//!
//! In: the body (gzipped or not), its `Content-Type` and the sitemap's URL. Out: a
//! [`Sitemap`]: article entries (`<loc>`, with `<news:title>` and `<news:publication_date>`,
//! else `<lastmod>`) and the child sitemap URLs of an index, both in document order and
//! resolved against the sitemap URL. Runs where `feed.rs` does, for outlets configured
//! with `sitemaps`.
//!
//! A small quick-xml event reader (namespaces are matched by local name, so `news:title`
//! is `title` inside `<news:news>`). A gzip body (magic bytes, whatever the headers say) is
//! inflated up to [`MAX_SITEMAP_BYTES`], the protocol's own limit. An XML error after some
//! entries keeps those entries; one before any is a [`FeedError::Sitemap`].

use std::io::Read as _;

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::events::Event;
use url::Url;

use super::feed::{absolute_http, clean_title, FeedEntry, FeedError};

/// Largest sitemap read after decompression (the sitemaps.org limit, 50 MiB).
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// A parsed sitemap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Article URLs of a `<urlset>`.
    pub entries: Vec<FeedEntry>,
    /// Child sitemap URLs of a `<sitemapindex>`.
    pub children: Vec<String>,
}

/// The `<url>` or `<sitemap>` being read.
#[derive(Default)]
struct Item {
    loc: String,
    title: String,
    publication_date: String,
    lastmod: String,
}

/// Parses a sitemap; `base_url` resolves relative `<loc>`s.
pub fn parse_sitemap(
    bytes: &[u8],
    content_type: Option<&str>,
    base_url: &str,
) -> Result<Sitemap, FeedError> {
    let inflated;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        inflated = gunzip(bytes)?;
        &inflated[..]
    } else {
        bytes
    };
    let text = crate::decode::decode(bytes, content_type).text;
    let base = Url::parse(base_url).ok();
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut state = Reading {
        base,
        ..Reading::default()
    };
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(event) => event,
            Err(e) if state.sitemap == Sitemap::default() => {
                return Err(FeedError::Sitemap(format!(
                    "xml error at byte {}: {e}",
                    reader.buffer_position()
                )))
            }
            Err(_) => break, // Keep what was read before the damage.
        };
        state.read(event)?;
    }
    if !state.root_seen {
        return Err(FeedError::Sitemap(
            "no <urlset> or <sitemapindex> element".into(),
        ));
    }
    Ok(state.sitemap)
}

/// The parse in progress.
#[derive(Default)]
struct Reading {
    base: Option<Url>,
    path: Vec<String>,
    item: Item,
    sitemap: Sitemap,
    root_seen: bool,
}

impl Reading {
    /// Folds one XML event into the sitemap being built.
    fn read(&mut self, event: Event<'_>) -> Result<(), FeedError> {
        match event {
            Event::Start(e) => {
                let name = local(e.local_name().as_ref());
                if self.path.is_empty() {
                    if name != "urlset" && name != "sitemapindex" {
                        return Err(FeedError::Sitemap(format!(
                            "root element <{name}> is neither <urlset> nor <sitemapindex>"
                        )));
                    }
                    self.root_seen = true;
                }
                if name == "url" || name == "sitemap" {
                    self.item = Item::default();
                }
                self.path.push(name);
            }
            Event::End(_) => {
                if let Some(name) = self.path.pop() {
                    let base = self.base.as_ref();
                    finish(&name, &self.path, &mut self.item, &mut self.sitemap, base);
                }
            }
            Event::Text(t) => push_text(&self.path, &mut self.item, t.as_ref()),
            Event::CData(t) => push_text(&self.path, &mut self.item, t.as_ref()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => predefined_entity(r.as_ref()).to_string(),
                };
                push_text(&self.path, &mut self.item, &resolved);
            }
            _ => {}
        }
        Ok(())
    }
}

fn local(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn predefined_entity(name: &str) -> &str {
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
}

/// Appends text to the field the current element stands for.
fn push_text(path: &[String], item: &mut Item, text: &str) {
    let Some(leaf) = path.last() else {
        return;
    };
    let in_news = path.iter().any(|p| p == "news");
    let field = match leaf.as_str() {
        "loc" if !in_news => &mut item.loc,
        "lastmod" => &mut item.lastmod,
        "title" if in_news => &mut item.title,
        "publication_date" => &mut item.publication_date,
        _ => return,
    };
    field.push_str(text);
}

/// At the end of a `<url>` or `<sitemap>`, records it.
fn finish(
    name: &str,
    parents: &[String],
    item: &mut Item,
    sitemap: &mut Sitemap,
    base: Option<&Url>,
) {
    let parent = parents.last().map(String::as_str);
    let Some(url) = absolute_http(&item.loc, base) else {
        return;
    };
    match (name, parent) {
        ("url", Some("urlset")) => {
            let title = clean_title(&item.title);
            sitemap.entries.push(FeedEntry {
                url,
                title: (!title.is_empty()).then_some(title),
                published: parse_w3c_date(&item.publication_date)
                    .or_else(|| parse_w3c_date(&item.lastmod)),
            });
        }
        ("sitemap", Some("sitemapindex")) => sitemap.children.push(url),
        _ => return,
    }
    *item = Item::default();
}

/// W3C datetime as sitemaps use it: full RFC 3339, minutes only, or a bare date (midnight UTC).
pub fn parse_w3c_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M%:z") {
        return Some(date.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, FeedError> {
    let mut out = Vec::new();
    let decoder = flate2::read::GzDecoder::new(bytes);
    decoder
        .take(MAX_SITEMAP_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| FeedError::Sitemap(format!("gunzip: {e}")))?;
    if out.len() as u64 > MAX_SITEMAP_BYTES {
        return Err(FeedError::Sitemap(format!(
            "larger than {MAX_SITEMAP_BYTES} bytes once inflated"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_three_shapes() {
        let want = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .ok()
        };
        assert_eq!(
            parse_w3c_date("2024-07-16T08:30:00+02:00"),
            want("2024-07-16T06:30:00Z")
        );
        assert_eq!(
            parse_w3c_date("2024-07-16T08:30+02:00"),
            want("2024-07-16T06:30:00Z")
        );
        assert_eq!(parse_w3c_date("2024-07-16"), want("2024-07-16T00:00:00Z"));
        assert_eq!(parse_w3c_date("hier"), None);
    }

    #[test]
    fn not_a_sitemap_is_an_error() {
        let err = parse_sitemap(b"<rss><channel/></rss>", None, "http://a/s.xml");
        assert!(matches!(err, Err(FeedError::Sitemap(m)) if m.contains("<rss>")));
        assert!(parse_sitemap(b"", None, "http://a/s.xml").is_err());
    }
}
