//! Boilerplate removal: an extracted [`Article`] → one whose body is only the story.
//!
//! Runs after `extract`, before `cluster`. Every removal is recorded as a
//! [`crate::model::Removal`]. No I/O: outlet-wide paragraph counts arrive as an argument.

use crate::model::Article;

/// Outlet-wide paragraph counts, learned by the store as articles arrive.
pub trait TemplateCounts {
    /// On how many different stored articles of `outlet` the paragraph with this fingerprint appears.
    fn articles_with(&self, outlet: &str, fingerprint: u64) -> u32;
}

/// No outlet history (offline `extract`, first article of an outlet).
pub struct NoTemplates;

impl TemplateCounts for NoTemplates {
    fn articles_with(&self, _outlet: &str, _fingerprint: u64) -> u32 {
        0
    }
}

/// What the stage needs besides the article.
pub struct Context<'a> {
    /// The outlet the article belongs to, if known.
    pub outlet: Option<&'a str>,
    /// Lines feeds.toml says this outlet always prints.
    pub drop_lines: &'a [String],
    /// Outlet paragraph counts.
    pub templates: &'a dyn TemplateCounts,
    /// A paragraph on at least this many articles of the outlet is a template.
    pub template_min_articles: u32,
}

/// What is left once boilerplate is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An article with a story body.
    Article,
    /// The page held only a consent wall.
    ConsentWall,
    /// Nothing was left (or there was nothing to begin with).
    Empty,
}

/// Removes boilerplate from `article`, recording each removal on it.
pub fn strip(article: Article, _ctx: &Context<'_>) -> (Article, Outcome) {
    // TODO(boilerplate helper)
    let outcome = if article.paragraphs.is_empty() {
        Outcome::Empty
    } else {
        Outcome::Article
    };
    (article, outcome)
}

/// Fingerprints of the paragraphs the store should count for template learning.
pub fn template_fingerprints(article: &Article) -> Vec<u64> {
    let _ = article; // TODO(boilerplate helper)
    Vec::new()
}
