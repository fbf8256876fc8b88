//! One page through the pure stages and into the store: the part of `ingest` and
//! `fetch --save` that is not fetching.
//!
//! In: the bytes of a fetched page with its URL, `Content-Type` and the outlet it belongs
//! to. [`clean`] runs decode → extract → boilerplate (pure, given the outlet's template
//! counts); [`save`] clusters the article against the store's state and commits it in one
//! transaction. Out: a [`Saved`] saying which story the article joined, or why it was not
//! stored. Keeping this in one place means `ingest` and `fetch --save` cannot drift apart.

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
        let host = url::Url::parse(url)
            .ok()?
            .host_str()?
            .trim_start_matches("www.")
            .to_string();
        config
            .outlets
            .iter()
            .find(|o| {
                o.feeds.iter().chain(&o.sitemaps).any(|f| {
                    f.host_str().map(|h| h.trim_start_matches("www.")) == Some(host.as_str())
                })
            })
            .map(|o| Source {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> DateTime<Utc> {
        format!("{s}T00:00:00Z").parse().expect("test date")
    }

    fn dated(s: &str, source: DateSource) -> Option<Dated> {
        Some(Dated { at: day(s), source })
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
}
