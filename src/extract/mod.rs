//! Extraction: an HTML page → an [`Article`] (clean body paragraphs plus metadata).
//!
//! Runs after `decode`, before `boilerplate`. Pure: the page text and a few hints in, the
//! article out.

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
    // TODO(extract helper): real main-content detection and metadata.
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("p").expect("static selector");
    let paragraphs = doc
        .select(&sel)
        .map(|p| p.text().collect::<String>().trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    Article {
        url: hints.url.clone(),
        paragraphs,
        ..Article::default()
    }
}

/// Reads an already-extracted article: one paragraph per non-empty line.
pub fn from_text(text: &str, hints: &Hints) -> Article {
    let paragraphs = text
        .lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    Article {
        url: hints.url.clone(),
        lang: hints.lang.clone(),
        paragraphs,
        ..Article::default()
    }
}
