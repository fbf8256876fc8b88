//! One page through the pure stages and into the store: the part of `ingest` and
//! `fetch --save` that is not fetching.
//!
//! In: the bytes of a fetched page with its URL, `Content-Type` and the outlet it belongs
//! to. [`clean`] runs decode → extract → boilerplate (pure, given the outlet's template
//! counts); [`save`] clusters the article against the store's state and commits it in one
//! transaction. Out: a [`Saved`] saying which story the article joined, or why it was not
//! stored. Keeping this in one place means `ingest` and `fetch --save` cannot drift apart.
//!
//! Before parsing, `extract` runs [`bound_nesting`] to cap how deep elements nest: a hostile
//! or broken page of a hundred thousand unclosed `<div>`s would otherwise make html5ever's
//! tree building quadratic (it scans the stack of open elements per tag) and the DOM walks
//! after it deep.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::boilerplate::{self, Outcome, TemplateCounts};
use crate::canonical::canonicalize;
use crate::cluster;
use crate::decode::decode;
use crate::extract::{self, Hints};
use crate::model::{Article, DateSource, Dated};
use crate::store::cluster_state::{self, SledClusterState};
use crate::store::{CommitOutcome, Store, StoreError, StoredArticle};

/// What the pipeline knows about a page's outlet (from feeds.toml, or guessed for
/// `fetch URL` of a site that is not configured).
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The outlet's name.
    pub outlet: String,
    /// Its main language.
    pub lang: Option<String>,
    /// Lines it always prints (feeds.toml `drop_lines`).
    pub drop_lines: Vec<String>,
    /// Its body selector (feeds.toml `body_selector`).
    pub body_selector: Option<String>,
}

impl Source {
    /// The configured outlet whose feed or sitemap host matches `url`'s host, if any.
    pub fn for_url(config: &crate::config::Config, url: &str) -> Option<Source> {
        let page = url::Url::parse(url).ok()?;
        let host = |u: &url::Url| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        };
        let page_host = host(&page)?;
        // Among the outlets with a feed on the page's host, the one whose feed shares the
        // port and then the most leading path segments with the page (two outlets of one
        // host, `/a/rss.xml` and `/b/rss.xml`); the first in feeds.toml on a tie.
        let closeness = |feed: &url::Url| -> Option<(bool, usize)> {
            if host(feed)? != page_host {
                return None;
            }
            let same_port = feed.port_or_known_default() == page.port_or_known_default();
            let segments = |u: &url::Url| -> Vec<String> {
                u.path_segments()
                    .map(|s| s.map(str::to_string).collect())
                    .unwrap_or_default()
            };
            let (f, p) = (segments(feed), segments(&page));
            // The feed's last segment is its file name, not a folder.
            let folders = &f[..f.len().saturating_sub(1)];
            let shared = folders.iter().zip(&p).take_while(|(a, b)| a == b).count();
            Some((same_port, shared))
        };
        let mut best: Option<(&crate::config::Outlet, (bool, usize))> = None;
        for outlet in &config.outlets {
            let score = outlet
                .feeds
                .iter()
                .chain(&outlet.sitemaps)
                .filter_map(closeness)
                .max();
            if let Some(score) = score {
                if best.is_none_or(|(_, b)| score > b) {
                    best = Some((outlet, score));
                }
            }
        }
        best.map(|(o, _)| Source {
            outlet: o.name.clone(),
            lang: o.lang.clone(),
            drop_lines: o.drop_lines.clone(),
            body_selector: o.body_selector.clone(),
        })
    }
}

/// A page, cleaned.
#[derive(Debug, Clone)]
pub struct Cleaned {
    /// The article, boilerplate removed (and recorded in `removals`).
    pub article: Article,
    /// Whether a story body is left.
    pub outcome: Outcome,
    /// The encoding the page was decoded with.
    pub encoding: &'static str,
}

/// Decodes, extracts and strips one page. `templates` are the outlet's learned template
/// counts (the store's, or [`boilerplate::NoTemplates`]).
pub fn clean(
    body: &[u8],
    content_type: Option<&str>,
    url: &str,
    source: &Source,
    templates: &dyn TemplateCounts,
    template_min_articles: u32,
) -> Cleaned {
    let decoded = decode(body, content_type);
    let hints = Hints {
        url: Some(url.to_string()),
        lang: source.lang.clone(),
        body_selector: source.body_selector.clone(),
    };
    // `extract` bounds the nesting of the page (see [`bound_nesting`]).
    let article = extract::extract(&decoded.text, &hints);
    let ctx = boilerplate::Context {
        outlet: Some(&source.outlet),
        drop_lines: &source.drop_lines,
        templates,
        template_min_articles,
    };
    let (article, outcome) = boilerplate::strip(article, &ctx);
    Cleaned {
        article,
        outcome,
        encoding: decoded.encoding,
    }
}

/// What [`save`] did with an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Stored, in this story.
    Stored {
        /// The article's id.
        id: String,
        /// The story it joined or opened.
        story: String,
        /// The stored article it copies, if it is a copy.
        copy_of: Option<String>,
        /// It opened a new story.
        new_story: bool,
    },
    /// The same article (by canonical URL) was stored already.
    AlreadyStored {
        /// The stored article's id.
        id: String,
    },
}

/// The identity of a fetched article: the page's own canonical URL when it names the same
/// site, else the fetched URL, canonicalised. A canonical link to another site (a
/// syndicated copy pointing at the original) must not merge two outlets' pages into one
/// record: the copy tier groups them instead.
pub fn identity(fetched_url: &str, page_canonical: Option<&str>) -> Option<String> {
    let fetched = canonicalize(fetched_url)?;
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    };
    match page_canonical.and_then(canonicalize) {
        Some(c) if host(&c) == host(&fetched) => Some(c),
        _ => Some(fetched),
    }
}

/// The publication date to keep: the feed entry's date beats a date the page only implies
/// (a URL pattern, or a date read in a short line of text, which may be a photo caption's),
/// but not one the page states in its markup.
fn published(page: Option<Dated>, feed: Option<DateTime<Utc>>) -> Option<Dated> {
    let stated = |d: &Dated| !matches!(d.source, DateSource::Url | DateSource::Text);
    match (page, feed) {
        (Some(page), _) if stated(&page) => Some(page),
        (page, None) => page,
        (_, Some(at)) => Some(Dated {
            at,
            source: DateSource::Feed,
        }),
    }
}

/// Clusters `article` against the store and commits it, in one transaction.
/// `feed_published` is the feed entry's date, used when the page gives none.
pub fn save(
    store: &Store,
    mut article: Article,
    source: &Source,
    fetched_url: &str,
    feed_published: Option<DateTime<Utc>>,
    fetched_at: DateTime<Utc>,
) -> Result<Saved, StoreError> {
    let canonical = identity(fetched_url, article.canonical_url.as_deref())
        .unwrap_or_else(|| fetched_url.to_string());
    if let Some(id) = store.id_for_url(&canonical)? {
        store.add_alias(fetched_url, &id)?;
        return Ok(Saved::AlreadyStored { id });
    }
    article.published = published(article.published.take(), feed_published);
    let mut record = StoredArticle::from_article(
        &article,
        &source.outlet,
        fetched_url,
        &canonical,
        fetched_at,
    );
    if canonicalize(fetched_url).as_deref() != Some(canonical.as_str()) {
        record.aliases.push(fetched_url.to_string());
    }
    record.fingerprints = boilerplate::template_fingerprints(&article);
    let doc = cluster::Doc {
        id: record.id.clone(),
        title: record.title.clone(),
        text: record.text.clone(),
        date: Some(record.seen_at()),
        url: Some(canonical.clone()),
        lang: record.lang.clone(),
        outlet: Some(source.outlet.clone()),
    };
    let (assignment, ops) = assign_in_store(store, &doc)?;
    record.story = assignment.story.clone();
    record.copy_of = assignment.copy_of.clone();
    match store.commit_article(&record, &ops)? {
        CommitOutcome::Stored => Ok(Saved::Stored {
            id: record.id,
            story: assignment.story,
            copy_of: assignment.copy_of,
            new_story: assignment.new_story,
        }),
        CommitOutcome::AlreadyStored { id } => Ok(Saved::AlreadyStored { id }),
    }
}

/// Settles the store's stories after a run: the refinement rounds over every clustered
/// article (see `store::refined`), when articles came in since the last time. Returns how
/// many articles changed story.
pub fn refine_stories(store: &Store) -> Result<usize, StoreError> {
    if !store.refinement_due()? {
        return Ok(0);
    }
    store.refine_stories(&cluster::Config::default())
}

/// Places `doc` using the store's cluster state; the returned ops grow that state inside
/// the article's transaction.
fn assign_in_store(
    store: &Store,
    doc: &cluster::Doc,
) -> Result<(cluster::Assignment, Vec<crate::store::Op>), StoreError> {
    let invalid = |e: cluster::StateError| StoreError::Invalid {
        path: store.path().to_path_buf(),
        message: format!("clustering {}: {e}", doc.url.as_deref().unwrap_or(&doc.id)),
    };
    let state = SledClusterState::new(store.db()).map_err(invalid)?;
    let (assignment, changes) =
        cluster::assign(&state, doc, &cluster::Config::default()).map_err(invalid)?;
    Ok((assignment, cluster_state::ops(&changes)))
}

/// Deepest element nesting [`clean`] lets through to the HTML parser. Real article pages
/// nest a few dozen levels; the deepest seen in the test corpora is under 60.
pub const MAX_NESTING: usize = 256;

/// Elements that never hold content (HTML's void elements): no end tag, no depth.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "frame"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
    )
}

/// Elements whose end tag is implied by the next sibling (`<p>`, `<li>`, table cells ...):
/// a run of them does not nest, so they are not counted.
fn has_implied_end(name: &str) -> bool {
    matches!(
        name,
        "p" | "li"
            | "dt"
            | "dd"
            | "option"
            | "optgroup"
            | "tr"
            | "td"
            | "th"
            | "tbody"
            | "thead"
            | "tfoot"
            | "rb"
            | "rt"
            | "rtc"
            | "rp"
            | "colgroup"
            | "caption"
            | "html"
            | "head"
            | "body"
            | "track"
    )
}

/// Elements whose content is text up to their end tag (tags inside are not tags).
fn is_raw_text(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "textarea"
            | "title"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "noscript"
    )
}

/// `<svg>` and `<math>`, inside which `/>` closes an element.
fn is_foreign(name: &str) -> bool {
    matches!(name, "svg" | "math")
}

/// `html` with the start tags (and their end tags) that would nest elements deeper than
/// `max_depth` left out; their content stays, one level up. Text, comments, scripts and
/// every other tag are copied as they are, so a page within the bound comes back
/// unchanged (borrowed). Linear in the length of `html`: an end tag looks through at most
/// `max_depth` open elements.
///
/// The depth is tracked the way the parser builds its stack of open elements, closely
/// enough to bound it: an end tag pops up to the matching open element (an end tag
/// matching none is ignored), void elements and elements with implied end tags do not
/// count, `/>` closes only inside `<svg>` or `<math>`, raw-text elements are skipped.
pub fn bound_nesting(html: &str, max_depth: usize) -> Cow<'_, str> {
    // Fewer tags than the bound cannot nest deeper than it.
    if memchr::memchr_iter(b'<', html.as_bytes()).count() <= max_depth {
        return Cow::Borrowed(html);
    }
    let bytes = html.as_bytes();
    let mut out = String::new();
    let mut copied = 0; // bytes of `html` before this index are in `out` or dropped
    let mut dropped_any = false;
    // Tag names borrow from `html` (lowercased copies only for names with capitals).
    // The open elements, innermost last, and how many of them are `<svg>` or `<math>`.
    let mut open: Vec<Cow<'_, str>> = Vec::new();
    let mut foreign_open = 0usize;
    // Start tags left out, by name: their end tags are left out too.
    let mut dropped: HashMap<Cow<'_, str>, usize> = HashMap::new();
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + offset;
        if html[start..].starts_with("<!--") {
            // A comment: what looks like tags inside is not.
            i = memchr::memmem::find(&bytes[start + 4..], b"-->")
                .map_or(html.len(), |p| start + 4 + p + 3);
            continue;
        }
        let Some(tag) = lex_tag(bytes, start) else {
            i = start + 1;
            continue;
        };
        i = tag.end;
        let raw = &html[tag.name.0..tag.name.1];
        let name: Cow<'_, str> = if raw.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(raw.to_ascii_lowercase())
        } else {
            Cow::Borrowed(raw)
        };
        let mut drop_it = false;
        let leaf =
            is_void(&name) || has_implied_end(&name) || (tag.self_closing && foreign_open > 0);
        if tag.closing {
            if let Some(n) = dropped.get_mut(name.as_ref()).filter(|n| **n > 0) {
                *n -= 1;
                drop_it = true;
            } else if let Some(at) = open.iter().rposition(|open| *open == name) {
                // Pops up to the matching element; an end tag matching none is ignored.
                foreign_open -= open[at..].iter().filter(|n| is_foreign(n)).count();
                open.truncate(at);
            }
        } else if is_raw_text(&name) {
            i = raw_text_end(html, tag.end, &name);
        } else if name == "plaintext" {
            i = html.len();
        } else if leaf {
            // No depth: void, closed by its next sibling, or `/>` in svg/math.
        } else if open.len() >= max_depth {
            *dropped.entry(name).or_default() += 1;
            drop_it = true;
        } else {
            foreign_open += usize::from(is_foreign(&name));
            open.push(name);
        }
        if drop_it {
            out.push_str(&html[copied..start]);
            copied = tag.end;
            dropped_any = true;
        }
    }
    if !dropped_any {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

/// A start or end tag found at a `<`.
struct Tag {
    /// `</name`.
    closing: bool,
    /// Byte range of the name.
    name: (usize, usize),
    /// Ends in `/>`.
    self_closing: bool,
    /// Index just past the `>` (or the end of input).
    end: usize,
}

/// The tag starting at `bytes[start] == b'<'`, if it is one (doctypes and processing
/// instructions are not; comments are skipped by the caller).
fn lex_tag(bytes: &[u8], start: usize) -> Option<Tag> {
    let mut i = start + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    if !bytes.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let name_start = i;
    while i < bytes.len()
        && !matches!(
            bytes[i],
            b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>'
        )
    {
        i += 1;
    }
    let name = (name_start, i);
    // Attributes: a quoted value may hold `>`.
    let mut last = 0u8;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => {
                return Some(Tag {
                    closing,
                    name,
                    self_closing: last == b'/',
                    end: i + 1,
                })
            }
            b'=' => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if let Some(&q) = bytes.get(i).filter(|q| matches!(q, b'"' | b'\'')) {
                    i = memchr::memchr(q, &bytes[i + 1..]).map_or(bytes.len(), |p| i + 1 + p + 1);
                    last = q;
                }
                continue;
            }
            b if b.is_ascii_whitespace() => {}
            b => last = b,
        }
        i += 1;
    }
    Some(Tag {
        closing,
        name,
        self_closing: false,
        end: bytes.len(),
    })
}

/// Index of the `</name` that ends a raw-text element opened before `from` (or the end).
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(p) = memchr::memmem::find(&bytes[i..], b"</") {
        let at = i + p;
        let candidate = &bytes[at + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return at;
        }
        i = at + 2;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> DateTime<Utc> {
        format!("{s}T00:00:00Z").parse().expect("test date")
    }

    fn dated(s: &str, source: DateSource) -> Option<Dated> {
        Some(Dated { at: day(s), source })
    }

    fn config(toml: &str) -> crate::config::Config {
        crate::config::Config::parse(toml, std::path::Path::new("feeds.toml")).expect("test config")
    }

    #[test]
    fn source_for_url_picks_the_outlet_by_host_port_and_folder() {
        let config = config(
            r#"
[[outlet]]
name = "A"
feeds = ["http://127.0.0.1:8001/a/rss.xml"]
[[outlet]]
name = "B"
feeds = ["http://127.0.0.1:8001/b/rss.xml"]
[[outlet]]
name = "C"
feeds = ["http://127.0.0.1:8002/rss.xml"]
[[outlet]]
name = "Monde"
feeds = ["https://www.lemonde.fr/rss/une.xml"]
"#,
        );
        let cases = [
            ("http://127.0.0.1:8001/b/2.html", Some("B")),
            ("http://127.0.0.1:8001/a/2.html", Some("A")),
            ("http://127.0.0.1:8002/x/2.html", Some("C")),
            // No folder in common: the first outlet of the host and port.
            ("http://127.0.0.1:8001/c/2.html", Some("A")),
            ("https://lemonde.fr/article.html", Some("Monde")),
            ("https://example.org/", None),
        ];
        for (url, expected) in cases {
            let outlet = Source::for_url(&config, url).map(|s| s.outlet);
            assert_eq!(outlet.as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn feed_date_beats_a_date_read_in_the_text_or_url_but_not_markup() {
        let feed = Some(day("2021-06-20"));
        // Seed 004 captions a photo "le 29 mars 2020": not the publication date.
        let caption = dated("2020-03-29", DateSource::Text);
        assert_eq!(
            published(caption.clone(), feed),
            dated("2021-06-20", DateSource::Feed)
        );
        assert_eq!(
            published(dated("2021-06-19", DateSource::Url), feed),
            dated("2021-06-20", DateSource::Feed)
        );
        let meta = dated("2021-06-21", DateSource::Meta);
        assert_eq!(published(meta.clone(), feed), meta);
        assert_eq!(published(caption.clone(), None), caption);
        assert_eq!(published(None, None), None);
    }

    /// The depth of the deepest element of `html` once parsed.
    fn parsed_depth(html: &str) -> usize {
        let doc = scraper::Html::parse_document(html);
        let mut deepest = 0;
        for node in doc.tree.root().descendants() {
            deepest = deepest.max(node.ancestors().count());
        }
        deepest
    }

    #[test]
    fn pages_within_the_bound_come_back_unchanged() {
        let page = "<html><body><div class=\"a>b\"><p>Un<p>Deux<br><img src=x></div>\
                    <script>if (a<b) { x = '<div>'; }</script><!-- <div> --></body></html>";
        assert!(matches!(bound_nesting(page, 3), Cow::Borrowed(_)));
        let list = "<ul>".to_string() + &"<li>point".repeat(1000) + "</ul>";
        assert!(matches!(bound_nesting(&list, 8), Cow::Borrowed(_)));
    }

    #[test]
    fn unclosed_divs_are_capped_and_their_text_kept() {
        let page = "<div>x".repeat(5000) + "<p>Le fond.</p>";
        let bounded = bound_nesting(&page, 100);
        assert!(
            parsed_depth(&bounded) <= 100 + 4,
            "{}",
            parsed_depth(&bounded)
        );
        assert_eq!(bounded.matches('x').count(), 5000);
        assert!(bounded.contains("<p>Le fond.</p>"));
    }

    #[test]
    fn closed_nesting_keeps_balance_past_the_cap() {
        let inner = "<span>a</span>".repeat(3);
        let page = "<div>".repeat(300)
            + &inner
            + &"</div>".repeat(300)
            + "<section><p>Après</p></section>";
        let bounded = bound_nesting(&page, 50);
        assert_eq!(bounded.matches("<div>").count(), 50);
        assert_eq!(bounded.matches("</div>").count(), 50);
        assert!(bounded.ends_with("<section><p>Après</p></section>"));
    }

    #[test]
    fn mismatched_end_tags_do_not_hide_depth() {
        // `</span>` with no open span closes nothing: the divs keep nesting.
        let page = "<div></span>".repeat(1000);
        assert!(parsed_depth(&bound_nesting(&page, 64)) <= 64 + 4);
        // `<div/>` is an open tag in HTML.
        let page = "<div/>".repeat(1000);
        assert!(parsed_depth(&bound_nesting(&page, 64)) <= 64 + 4);
        // End tags inside comments and attribute values close nothing.
        let page = "<div><!-- </div> --><a title=\"</div>\">".repeat(1000);
        assert!(parsed_depth(&bound_nesting(&page, 64)) <= 2 * 64 + 4);
    }
}
