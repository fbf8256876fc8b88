//! What the store keeps per article and per story, as JSON values.
//!
//! [`StoredArticle`] is the `articles` tree's value: the cleaned article plus where it
//! came from and where clustering put it. [`StorySummary`] is the `stories` tree's value,
//! kept up to date inside each article's transaction so `dump` never has to re-cluster.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Article, Dated};

/// The id of the article stored under `canonical_url`: 16 hex digits of its sha2.
///
/// Derived from the URL alone, so it is known before clustering (which needs an id), the
/// same in every store and every run order, and sorts as plain text. A (2^-64) collision
/// is caught by [`super::Store::commit_article`], which refuses to overwrite another URL's
/// article.
pub fn article_id(canonical_url: &str) -> String {
    let digest = Sha256::digest(canonical_url.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// One stored article (the value of the `articles` tree, as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredArticle {
    /// [`article_id`] of the canonical URL.
    pub id: String,
    /// The outlet (feeds.toml `name`), or the host for `fetch --save` of an unknown site.
    pub outlet: String,
    /// The URL the page was fetched from.
    pub url: String,
    /// The canonical URL: the article's identity.
    pub canonical_url: String,
    /// Other URLs known to lead to this article (tracking variants, redirects).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The headline.
    pub title: Option<String>,
    /// Publication date and where it was read.
    pub published: Option<Dated>,
    /// When newsfold fetched the page.
    pub fetched_at: DateTime<Utc>,
    /// ISO 639-1 language code.
    pub lang: Option<String>,
    /// Authors, in page order.
    #[serde(default)]
    pub authors: Vec<String>,
    /// The outlet's name as the page gives it.
    pub site_name: Option<String>,
    /// The cleaned body, paragraphs separated by `\n`.
    pub text: String,
    /// `cluster::body_hash` of the text: equal for exact copies.
    pub body_hash: String,
    /// The story the cluster stage placed it in.
    pub story: String,
    /// The id of the stored article this one is a copy of.
    pub copy_of: Option<String>,
    /// News agencies credited.
    #[serde(default)]
    pub agencies: Vec<String>,
    /// Photo credits.
    #[serde(default)]
    pub credits: Vec<String>,
    /// How many lines the boilerplate stage removed.
    #[serde(default)]
    pub removals: usize,
    /// `boilerplate::template_fingerprints` of the article: the store adds one to the
    /// outlet's `templates` counter of each distinct fingerprint when it commits.
    #[serde(default)]
    pub fingerprints: Vec<u64>,
}

impl StoredArticle {
    /// A record for `article`, fetched from `url` at `fetched_at`, whose identity is
    /// `canonical_url`. `story`, `copy_of` and `fingerprints` are left for the caller to
    /// fill from the cluster and boilerplate stages.
    pub fn from_article(
        article: &Article,
        outlet: &str,
        url: &str,
        canonical_url: &str,
        fetched_at: DateTime<Utc>,
    ) -> StoredArticle {
        let text = article.text();
        StoredArticle {
            id: article_id(canonical_url),
            outlet: outlet.to_string(),
            url: url.to_string(),
            canonical_url: canonical_url.to_string(),
            aliases: Vec::new(),
            title: article.title.clone(),
            published: article.published.clone(),
            fetched_at,
            lang: article.lang.clone(),
            authors: article.authors.clone(),
            site_name: article.site_name.clone(),
            body_hash: crate::cluster::body_hash(&text),
            text,
            story: String::new(),
            copy_of: None,
            agencies: article.agencies.clone(),
            credits: article.credits.clone(),
            removals: article.removals.len(),
            fingerprints: Vec::new(),
        }
    }

    /// When the report appeared: its publication date, unless that is missing or later
    /// than the fetch (a wrong date cannot be in the future of the fetch).
    pub fn seen_at(&self) -> DateTime<Utc> {
        match &self.published {
            Some(d) if d.at <= self.fetched_at => d.at,
            _ => self.fetched_at,
        }
    }

    /// Every URL of the article: the fetched one, the canonical one and the aliases.
    pub fn all_urls(&self) -> impl Iterator<Item = &str> {
        [self.canonical_url.as_str(), self.url.as_str()]
            .into_iter()
            .chain(self.aliases.iter().map(String::as_str))
    }
}

/// One story (the value of the `stories` tree, as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    /// The story id the cluster stage gave.
    pub id: String,
    /// Earliest [`StoredArticle::seen_at`] of its reports.
    pub first_seen: DateTime<Utc>,
    /// Latest [`StoredArticle::seen_at`] of its reports.
    pub last_seen: DateTime<Utc>,
    /// Ids of its reports, in the order they were stored.
    pub reports: Vec<String>,
    /// Titles of its reports that are not copies, in the order they were stored.
    pub titles: Vec<String>,
    /// Outlets of its reports, sorted, without repeats.
    pub outlets: Vec<String>,
}

impl StorySummary {
    /// A story holding only `record`.
    pub(crate) fn new(record: &StoredArticle) -> StorySummary {
        let seen = record.seen_at();
        let mut story = StorySummary {
            id: record.story.clone(),
            first_seen: seen,
            last_seen: seen,
            reports: Vec::new(),
            titles: Vec::new(),
            outlets: Vec::new(),
        };
        story.add(record);
        story
    }

    /// Adds `record` as a report.
    pub(crate) fn add(&mut self, record: &StoredArticle) {
        let seen = record.seen_at();
        self.first_seen = self.first_seen.min(seen);
        self.last_seen = self.last_seen.max(seen);
        self.reports.push(record.id.clone());
        if record.copy_of.is_none() {
            if let Some(title) = record.title.as_deref().filter(|t| !t.trim().is_empty()) {
                self.titles.push(title.to_string());
            }
        }
        if let Err(at) = self.outlets.binary_search(&record.outlet) {
            self.outlets.insert(at, record.outlet.clone());
        }
    }
}

/// What [`super::Store::commit_article`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The article was written, with its indexes, story and ops.
    Stored,
    /// An article with this canonical URL was already stored (under this id): nothing
    /// was written.
    AlreadyStored {
        /// The stored article's id.
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_id_is_sixteen_hex_digits_of_the_url() {
        let a = article_id("https://example.org/a");
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, article_id("https://example.org/a"));
        assert_ne!(a, article_id("https://example.org/b"));
    }
}
