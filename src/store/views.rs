//! Stories as `dump` shows them: summaries joined with their reports, newest first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::record::{StoredArticle, StorySummary};
use super::{Store, StoreError};

/// Which stories [`Store::stories`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryFilter {
    /// Only stories last seen at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only stories with at least this many reports (copies included).
    pub min_reports: usize,
}

/// One story with its reports (the shape `dump` prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryView {
    /// The story id.
    pub id: String,
    /// A headline for the story, from its reports' titles.
    pub title: Option<String>,
    /// When its first report appeared.
    pub first_seen: DateTime<Utc>,
    /// When its latest report appeared.
    pub last_seen: DateTime<Utc>,
    /// How many different outlets reported it.
    pub outlets: usize,
    /// Its reports, newest first, each copy right after the report it copies.
    pub reports: Vec<ReportView>,
}

/// One report of a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportView {
    /// The article id (not printed by `dump`).
    #[serde(skip)]
    pub id: String,
    /// The canonical URL.
    pub url: String,
    /// The outlet.
    pub outlet: String,
    /// The headline.
    pub title: Option<String>,
    /// The publication date, when the page gave one.
    pub published: Option<DateTime<Utc>>,
    /// The canonical URL of the report this one copies.
    pub copy_of: Option<String>,
    /// How deep in a chain of copies it sits (0: not a copy of a report of this story).
    #[serde(skip)]
    pub depth: usize,
}

impl Store {
    /// The stories passing `filter`, newest (latest report) first; ties by id.
    pub fn stories(&self, filter: &StoryFilter) -> Result<Vec<StoryView>, StoreError> {
        let mut views = Vec::new();
        for item in self.stories.iter() {
            let (key, value) = item.map_err(|e| self.sled_error("reading stories", e))?;
            let summary: StorySummary = self.decode("stories", &key, &value)?;
            if summary.reports.len() < filter.min_reports
                || filter.since.is_some_and(|since| summary.last_seen < since)
            {
                continue;
            }
            views.push(self.story_view(&summary)?);
        }
        views.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then(b.first_seen.cmp(&a.first_seen))
                .then(a.id.cmp(&b.id))
        });
        Ok(views)
    }

    /// One story, if stored.
    pub fn story(&self, id: &str) -> Result<Option<StoryView>, StoreError> {
        let value = self
            .stories
            .get(id.as_bytes())
            .map_err(|e| self.sled_error("reading a story", e))?;
        match value {
            None => Ok(None),
            Some(v) => {
                let summary: StorySummary = self.decode("stories", id.as_bytes(), &v)?;
                self.story_view(&summary).map(Some)
            }
        }
    }

    fn story_view(&self, summary: &StorySummary) -> Result<StoryView, StoreError> {
        let mut records = Vec::with_capacity(summary.reports.len());
        for id in &summary.reports {
            match self.article(id)? {
                Some(r) => records.push(r),
                // `check` reports it; a dump shows what is there.
                None => tracing::warn!("story {} lists missing article {id}", summary.id),
            }
        }
        // Originals outside the story (the cluster stage normally puts a copy with them).
        let mut outside = BTreeMap::new();
        for original in records.iter().filter_map(|r| r.copy_of.as_deref()) {
            if !summary.reports.iter().any(|id| id == original) {
                if let Some(o) = self.article(original)? {
                    outside.insert(o.id, o.canonical_url);
                }
            }
        }
        Ok(StoryView {
            id: summary.id.clone(),
            title: story_title(summary),
            first_seen: summary.first_seen,
            last_seen: summary.last_seen,
            outlets: summary.outlets.len(),
            reports: order_reports(&records, &outside),
        })
    }
}

/// The story's headline: of its reports' titles (copies left out), the one that shares
/// most words with the others, so a story is not named after whichever report came first.
fn story_title(summary: &StorySummary) -> Option<String> {
    let titles: Vec<&str> = summary.titles.iter().map(String::as_str).collect();
    crate::cluster::representative_title(&titles)
}

/// Newest first; each copy right after the report it copies. `outside` maps ids of
/// originals that are not in the story to their canonical URLs.
fn order_reports(records: &[StoredArticle], outside: &BTreeMap<String, String>) -> Vec<ReportView> {
    let by_id: BTreeMap<&str, &StoredArticle> =
        records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut copies: BTreeMap<&str, Vec<&StoredArticle>> = BTreeMap::new();
    let mut roots = Vec::new();
    for r in records {
        match r.copy_of.as_deref().filter(|o| by_id.contains_key(o)) {
            Some(original) => copies.entry(original).or_default().push(r),
            None => roots.push(r),
        }
    }
    let newest_first = |a: &&StoredArticle, b: &&StoredArticle| {
        b.seen_at().cmp(&a.seen_at()).then(a.id.cmp(&b.id))
    };
    roots.sort_by(newest_first);
    for list in copies.values_mut() {
        list.sort_by(newest_first);
    }
    let mut out = Vec::with_capacity(records.len());
    // Copies are stored after their original, so the copy graph is a forest: no cycles.
    let mut stack: Vec<(&StoredArticle, usize)> = roots.iter().rev().map(|r| (*r, 0)).collect();
    while let Some((r, depth)) = stack.pop() {
        out.push(ReportView {
            id: r.id.clone(),
            url: r.canonical_url.clone(),
            outlet: r.outlet.clone(),
            title: r.title.clone(),
            published: r.published.as_ref().map(|d| d.at),
            copy_of: r.copy_of.as_deref().map(|o| match by_id.get(o) {
                Some(orig) => orig.canonical_url.clone(),
                None => outside.get(o).cloned().unwrap_or_else(|| o.to_string()),
            }),
            depth,
        });
        if let Some(children) = copies.get(r.id.as_str()) {
            stack.extend(children.iter().rev().map(|c| (*c, depth + 1)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(titles: &[&str]) -> StorySummary {
        StorySummary {
            id: "s-1".into(),
            first_seen: DateTime::UNIX_EPOCH,
            last_seen: DateTime::UNIX_EPOCH,
            reports: Vec::new(),
            titles: titles.iter().map(|t| t.to_string()).collect(),
            outlets: Vec::new(),
        }
    }

    #[test]
    fn story_title_is_the_central_title_not_the_first() {
        // The first report's headline is unlike the others'.
        let titles = [
            "Irak : nouvelle alerte sur la base",
            "Attaque de drones contre la base aérienne d'Aïn al-Asad",
            "Deux drones abattus près de la base d'Aïn al-Asad",
            "Aïn al-Asad : attaque de drones contre la base aérienne",
        ];
        assert_eq!(
            story_title(&summary(&titles)).as_deref(),
            Some("Attaque de drones contre la base aérienne d'Aïn al-Asad")
        );
        assert_eq!(story_title(&summary(&[])), None);
    }
}
