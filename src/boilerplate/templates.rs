//! Outlet templates: paragraphs one outlet prints on many of its articles.
//!
//! A disclaimer, a slogan ("Raconter l'actualité"), a promo: no rule can know them, but
//! the outlet's history does. Each countable paragraph gets a fingerprint, the FNV-1a 64
//! hash of its normalised text (see `normalize.rs`): stable across runs and machines, so
//! the store can keep counts in sled. The store counts, per outlet, on how many distinct
//! articles each fingerprint appears; this module only reads those counts.
//!
//! Decisions:
//! - Only exact normalised paragraphs count. Story text that repeats a fact in other words
//!   ("2 500 soldats américains" phrased three ways) has three fingerprints, none of them
//!   frequent.
//! - Paragraphs shorter than [`COUNTABLE_MIN_CHARS`] normalised characters are not counted:
//!   "OK", "Photo" or a one-word subheading recur everywhere by chance, and the line rules
//!   already cover the short furniture that matters.
//! - The count read at strip time does not include the article being stripped: the store
//!   counts an article when it commits it, after `strip`. With `template_min_articles = N`,
//!   a paragraph seen on N earlier articles is dropped from the N+1-th article on; the
//!   first N keep it. (Re-stripping an article already stored sees its own count too.)
//! - `template_min_articles = 0` turns template removal off rather than removing everything.

use super::normalize::{fnv1a, normalized, NormalizedBody};
use super::Context;
use crate::model::{Article, RemovalReason};

/// Shortest normalised paragraph worth counting.
pub(crate) const COUNTABLE_MIN_CHARS: usize = 12;

/// The fingerprint of a normalised paragraph, if it is long enough to be counted.
pub(crate) fn fingerprint_normalized(normalized: &str) -> Option<u64> {
    (normalized.chars().count() >= COUNTABLE_MIN_CHARS).then(|| fnv1a(normalized.as_bytes()))
}

/// The fingerprint of a raw paragraph, if it is long enough to be counted.
pub(crate) fn paragraph_fingerprint(paragraph: &str) -> Option<u64> {
    fingerprint_normalized(&normalized(paragraph))
}

/// Sorted, deduplicated fingerprints of the article's body paragraphs and of the paragraphs
/// already removed as outlet templates (they still appear on this article, so the count
/// keeps growing with the outlet's history). Other removals are not counted.
pub(crate) fn article_fingerprints(article: &Article) -> Vec<u64> {
    let removed_templates = article
        .removals
        .iter()
        .filter(|r| r.reason == RemovalReason::OutletTemplate)
        .map(|r| r.text.as_str());
    let mut fingerprints: Vec<u64> = article
        .paragraphs
        .iter()
        .map(String::as_str)
        .chain(removed_templates)
        .filter_map(paragraph_fingerprint)
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    fingerprints
}

/// For each paragraph, whether the outlet prints it on at least
/// `ctx.template_min_articles` earlier articles. All false without an outlet.
pub(crate) fn find(body: &NormalizedBody, ctx: &Context<'_>) -> Vec<bool> {
    let Some(outlet) = ctx.outlet.filter(|_| ctx.template_min_articles > 0) else {
        return vec![false; body.len()];
    };
    (0..body.len())
        .map(|i| {
            fingerprint_normalized(body.get(i)).is_some_and(|fingerprint| {
                ctx.templates.articles_with(outlet, fingerprint) >= ctx.template_min_articles
            })
        })
        .collect()
}
