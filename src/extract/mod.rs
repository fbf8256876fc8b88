//! Extraction: an HTML page → an [`Article`] (clean body paragraphs plus metadata).
//!
//! Runs after `decode`, before `boilerplate`. Pure: the page text and a few [`Hints`] in,
//! the article out; never fails (a page without an article gives an article without
//! paragraphs). `prestrip` first cuts scripts, styles and comments out of the HTML, and
//! `pipeline::bound_nesting` caps how deep elements nest (a hostile page of endless unclosed
//! `<div>`s); the page is then parsed once with html5ever (`scraper`) and copied into a flat
//! [`dom::Dom`] with text statistics; then
//! - `body` scores containers and picks the article's (or the outlet's `body_selector`),
//! - `paragraphs` turns them into clean paragraphs, dropping in-article furniture,
//! - JSON-LD `articleBody` replaces that choice only when the page shows that text and the
//!   DOM choice missed most of it,
//! - `metadata`, `dates` and `lang` fill title, authors, dates, URL, outlet, paywall, language.

mod body;
mod classes;
pub(crate) mod dates;
mod dom;
mod jsonld;
mod lang;
mod metadata;
mod paragraphs;
mod prestrip;

use std::collections::HashSet;

use crate::model::Article;

/// What the caller knows about the page before reading it.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// The URL the page came from (resolves relative links, feeds URL-date patterns).
    pub url: Option<String>,
    /// The outlet's language from feeds.toml.
    pub lang: Option<String>,
    /// The outlet's body selector from feeds.toml.
    pub body_selector: Option<String>,
}

/// Extracts the article from an HTML page.
pub fn extract(html: &str, hints: &Hints) -> Article {
    let keep_attributes = hints.body_selector.is_some();
    let stripped = prestrip::strip(html, keep_attributes);
    // Nesting deeper than any article page is flattened before the parser sees it (see
    // `pipeline::bound_nesting`); on the stripped page, a quarter of the bytes to scan.
    let bounded = crate::pipeline::bound_nesting(&stripped, crate::pipeline::MAX_NESTING);
    let doc = scraper::Html::parse_document(&bounded);
    let dom = dom::Dom::build(&doc);
    let ld = jsonld::read(&dom.facts.json_ld);
    let containers = hints
        .body_selector
        .as_deref()
        .and_then(|s| selected(&doc, &dom, s))
        .unwrap_or_else(|| body::main_content(&dom));
    let mut paragraphs = paragraphs::collect(&dom, &containers);
    if let Some(ld_body) = ld.body.as_deref() {
        if let Some(better) = json_ld_body(ld_body, &paragraphs, &dom) {
            paragraphs = better;
        }
    }
    let mut article = Article {
        url: hints.url.clone(),
        paragraphs,
        ..Article::default()
    };
    metadata::fill(&mut article, &dom, &ld, hints);
    let metas = metadata::Metas::new(&dom.facts);
    let declared = dom
        .facts
        .html_lang
        .and_then(lang::normalize)
        .or_else(|| {
            ["content-language", "og:locale", "dc.language", "language"]
                .iter()
                .find_map(|k| metas.get(k).and_then(lang::normalize))
        })
        .or_else(|| ld.language.as_deref().and_then(lang::normalize));
    article.lang = declared
        .or_else(|| hints.lang.as_deref().and_then(lang::normalize))
        .or_else(|| lang::detect(&article.text()));
    article
}

/// The elements the outlet's `body_selector` matches, if it parses and matches any text.
fn selected(doc: &scraper::Html, dom: &dom::Dom<'_>, selector: &str) -> Option<Vec<usize>> {
    let selector = scraper::Selector::parse(selector).ok()?;
    let matched: Vec<*const scraper::node::Element> = doc
        .select(&selector)
        .map(|e| e.value() as *const _)
        .collect();
    let mut found: Vec<usize> = Vec::new();
    for (i, node) in dom.nodes.iter().enumerate() {
        let Some(el) = node.el else { continue };
        let inside_previous = found.last().is_some_and(|&f| dom.contains(f, i));
        if !inside_previous && matched.contains(&(el as *const _)) {
            found.push(i);
        }
    }
    let has_text = found.iter().any(|&i| dom.nodes[i].chars > 0);
    has_text.then_some(found)
}

/// Lowercased word tokens of a text.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Share of `words` found in `set`.
fn coverage(words: &[String], set: &HashSet<&str>) -> f32 {
    if words.is_empty() {
        return 0.0;
    }
    words.iter().filter(|w| set.contains(w.as_str())).count() as f32 / words.len() as f32
}

/// JSON-LD `articleBody` as paragraphs, when the DOM choice missed most of it and the page
/// really shows that text (a stale or teaser `articleBody` is not trusted).
fn json_ld_body(ld_body: &str, paragraphs: &[String], dom: &dom::Dom<'_>) -> Option<Vec<String>> {
    let ld_words = words(ld_body);
    if ld_words.len() < 50 {
        return None;
    }
    let chosen = words(&paragraphs.join("\n"));
    let chosen_set: HashSet<&str> = chosen.iter().map(String::as_str).collect();
    if coverage(&ld_words, &chosen_set) >= 0.7 {
        return None;
    }
    let page_text: String = dom
        .nodes
        .iter()
        .filter(|n| n.tag == dom::Tag::Text)
        .map(|n| n.text)
        .collect::<Vec<_>>()
        .join(" ");
    let page = words(&page_text);
    let page_set: HashSet<&str> = page.iter().map(String::as_str).collect();
    if coverage(&ld_words, &page_set) < 0.9 {
        return None;
    }
    let split = ld_body
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    Some(split)
}

/// Reads an already-extracted article: one paragraph per non-empty line.
pub fn from_text(text: &str, hints: &Hints) -> Article {
    let paragraphs: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let mut article = Article {
        url: hints.url.clone(),
        paragraphs,
        ..Article::default()
    };
    article.published = hints.url.as_deref().and_then(dates::from_url);
    article.lang = hints
        .lang
        .as_deref()
        .and_then(lang::normalize)
        .or_else(|| lang::detect(&article.text()));
    article
}
