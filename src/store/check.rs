//! `newsfold check`: does every index entry, story and counter agree with the articles,
//! and what does the store hold (the counts issue 6 asks of `stats`).
//!
//! Reads everything once; writes nothing. Articles are held in memory without their text,
//! which stays small next to the store itself.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::commit::{read_counter, template_key};
use super::record::{StoredArticle, StorySummary};
use super::{Store, StoreError, FEED_STATE, SCHEMA_VERSION};

/// Problems beyond this many are counted, not listed.
const MAX_LISTED: usize = 200;

/// What `check` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckReport {
    /// The store's schema version.
    pub schema: u32,
    /// Inconsistencies, one sentence each (at most 200 listed).
    pub problems: Vec<String>,
    /// How many inconsistencies there are in all.
    pub problem_count: usize,
    /// Different outlets among the articles.
    pub outlets: usize,
    /// Feeds with HTTP state, by URL.
    pub feeds: Vec<FeedStatus>,
    /// Stored articles.
    pub articles: u64,
    /// Articles that are copies of another.
    pub copies: u64,
    /// Stories.
    pub stories: u64,
    /// Entries of the URL index (canonical URLs and aliases).
    pub urls: u64,
    /// Outlet template counters.
    pub template_counters: u64,
    /// Size of the store on disk, in bytes.
    pub bytes_on_disk: u64,
}

impl CheckReport {
    /// True when no problem was found.
    pub fn is_consistent(&self) -> bool {
        self.problem_count == 0
    }

    fn problem(&mut self, text: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(text);
        }
    }
}

/// A feed's last outcomes, from its state (`FEED_STATE` namespace).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeedStatus {
    /// The feed URL (the state key).
    pub url: String,
    /// When it was last fetched successfully.
    pub last_success: Option<String>,
    /// When it last failed.
    pub last_failure: Option<String>,
    /// Failures in a row.
    pub failures: Option<u64>,
    /// The last failure's message.
    pub last_error: Option<String>,
}

/// What `check` keeps of an article.
struct Slim {
    outlet: String,
    seen_at: DateTime<Utc>,
    urls: BTreeSet<String>,
    canonical_url: String,
    body_hash: String,
    story: String,
    copy_of: Option<String>,
}

impl Store {
    /// Checks the store's consistency and counts what it holds.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let mut report = CheckReport {
            schema: SCHEMA_VERSION,
            ..CheckReport::default()
        };
        let articles = self.check_articles(&mut report)?;
        self.check_urls(&articles, &mut report)?;
        self.check_hashes(&articles, &mut report)?;
        self.check_stories(&articles, &mut report)?;
        self.check_counters(&mut report)?;
        report.feeds = self.feed_statuses()?;
        report.bytes_on_disk = self
            .db
            .size_on_disk()
            .map_err(|e| self.sled_error("measuring the store", e))?;
        Ok(report)
    }

    fn check_articles(
        &self,
        report: &mut CheckReport,
    ) -> Result<BTreeMap<String, Slim>, StoreError> {
        let mut out = BTreeMap::new();
        let mut outlets = BTreeSet::new();
        let mut expected_templates: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        for item in self.articles.iter() {
            let (key, value) = item.map_err(|e| self.sled_error("reading articles", e))?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let record: StoredArticle = match serde_json::from_slice(&value) {
                Ok(r) => r,
                Err(e) => {
                    report.problem(format!("article {key} cannot be read: {e}"));
                    continue;
                }
            };
            if record.id != key {
                report.problem(format!(
                    "article stored under {key} says its id is {}",
                    record.id
                ));
            }
            report.articles += 1;
            report.copies += u64::from(record.copy_of.is_some());
            outlets.insert(record.outlet.clone());
            let mut fps = record.fingerprints.clone();
            fps.sort_unstable();
            fps.dedup();
            for fp in fps {
                *expected_templates
                    .entry(template_key(&record.outlet, fp))
                    .or_default() += 1;
            }
            out.insert(
                key,
                Slim {
                    outlet: record.outlet.clone(),
                    seen_at: record.seen_at(),
                    urls: record.all_urls().map(str::to_string).collect(),
                    canonical_url: record.canonical_url,
                    body_hash: record.body_hash,
                    story: record.story,
                    copy_of: record.copy_of,
                },
            );
        }
        report.outlets = outlets.len();
        self.check_templates(&expected_templates, report)?;
        for (id, a) in &out {
            if let Some(original) = &a.copy_of {
                if !out.contains_key(original) {
                    report.problem(format!(
                        "article {id} is a copy of {original}, which is not stored"
                    ));
                }
            }
        }
        Ok(out)
    }

    fn check_urls(
        &self,
        articles: &BTreeMap<String, Slim>,
        report: &mut CheckReport,
    ) -> Result<(), StoreError> {
        let mut indexed = BTreeMap::new();
        for item in self.urls.iter() {
            let (key, value) = item.map_err(|e| self.sled_error("reading the url index", e))?;
            let url = String::from_utf8_lossy(&key).into_owned();
            let id = String::from_utf8_lossy(&value).into_owned();
            report.urls += 1;
            match articles.get(&id) {
                None => report.problem(format!("url {url} points at missing article {id}")),
                Some(a) if !a.urls.contains(&url) => report.problem(format!(
                    "url {url} points at article {id}, which does not list it"
                )),
                Some(_) => {}
            }
            indexed.insert(url, id);
        }
        for (id, a) in articles {
            if indexed.get(&a.canonical_url) != Some(id) {
                report.problem(format!(
                    "article {id}: its canonical url {} does not lead to it",
                    a.canonical_url
                ));
            }
        }
        Ok(())
    }

    fn check_hashes(
        &self,
        articles: &BTreeMap<String, Slim>,
        report: &mut CheckReport,
    ) -> Result<(), StoreError> {
        let mut hashes = BTreeSet::new();
        for item in self.hashes.iter() {
            let (key, value) = item.map_err(|e| self.sled_error("reading the hash index", e))?;
            let hash = String::from_utf8_lossy(&key).into_owned();
            let id = String::from_utf8_lossy(&value).into_owned();
            match articles.get(&id) {
                None => report.problem(format!("body hash {hash} points at missing article {id}")),
                Some(a) if a.body_hash != hash => report.problem(format!(
                    "body hash {hash} points at article {id}, whose hash differs"
                )),
                Some(_) => {}
            }
            hashes.insert(hash);
        }
        for (id, a) in articles {
            if !hashes.contains(&a.body_hash) {
                report.problem(format!("article {id}: its body hash is not indexed"));
            }
        }
        Ok(())
    }

    fn check_stories(
        &self,
        articles: &BTreeMap<String, Slim>,
        report: &mut CheckReport,
    ) -> Result<(), StoreError> {
        let mut listed: BTreeMap<String, String> = BTreeMap::new();
        for item in self.stories.iter() {
            let (key, value) = item.map_err(|e| self.sled_error("reading stories", e))?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let story: StorySummary = match serde_json::from_slice(&value) {
                Ok(s) => s,
                Err(e) => {
                    report.problem(format!("story {key} cannot be read: {e}"));
                    continue;
                }
            };
            report.stories += 1;
            if story.reports.is_empty() {
                report.problem(format!("story {key} has no reports"));
            }
            for id in &story.reports {
                match articles.get(id) {
                    None => report.problem(format!("story {key} lists missing article {id}")),
                    Some(a) if a.story != key => report.problem(format!(
                        "story {key} lists article {id}, which is in story {}",
                        a.story
                    )),
                    Some(_) => {}
                }
                if listed.insert(id.clone(), key.clone()).is_some() {
                    report.problem(format!("article {id} is listed twice in stories"));
                }
            }
            check_summary(&story, articles, report);
        }
        for (id, a) in articles {
            if listed.get(id) != Some(&a.story) {
                report.problem(format!("article {id}: story {} does not list it", a.story));
            }
        }
        Ok(())
    }

    fn check_templates(
        &self,
        expected: &BTreeMap<Vec<u8>, u64>,
        report: &mut CheckReport,
    ) -> Result<(), StoreError> {
        let mut found = BTreeMap::new();
        for item in self.templates.iter() {
            let (key, value) = item.map_err(|e| self.sled_error("reading template counters", e))?;
            found.insert(key.to_vec(), read_counter(&value));
        }
        report.template_counters = found.len() as u64;
        let keys: BTreeSet<&Vec<u8>> = found.keys().chain(expected.keys()).collect();
        for key in keys {
            let have = found.get(key).copied().flatten();
            let want = expected.get(key).copied();
            if have != want {
                report.problem(format!(
                    "template counter {} is {have:?}, its articles say {want:?}",
                    String::from_utf8_lossy(key).replace('\0', "/")
                ));
            }
        }
        Ok(())
    }

    fn check_counters(&self, report: &mut CheckReport) -> Result<(), StoreError> {
        let counted = [
            ("articles", report.articles),
            ("copies", report.copies),
            ("stories", report.stories),
        ];
        for (name, actual) in counted {
            let value = self
                .meta
                .get(name.as_bytes())
                .map_err(|e| self.sled_error("reading counters", e))?;
            let recorded = value.as_deref().map_or(Some(0), read_counter);
            if recorded != Some(actual) {
                report.problem(format!(
                    "counter {name} says {recorded:?}, the store holds {actual}"
                ));
            }
        }
        Ok(())
    }

    /// Every feed's last outcomes, by URL.
    pub fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError> {
        // Instants are shown to the second; a value that is not a date is shown as it is.
        let text = |v: &serde_json::Value, k: &str| {
            let raw = v.get(k).and_then(|x| x.as_str())?;
            Some(match chrono::DateTime::parse_from_rfc3339(raw) {
                Ok(at) => at
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                Err(_) => raw.to_string(),
            })
        };
        Ok(self
            .state_entries(FEED_STATE)?
            .into_iter()
            .map(|(url, v)| FeedStatus {
                last_success: text(&v, "last_success"),
                last_failure: text(&v, "last_failure"),
                failures: v.get("failures").and_then(|x| x.as_u64()),
                last_error: text(&v, "last_error"),
                url,
            })
            .collect())
    }
}

/// The summary's outlets and dates must be those of its reports.
fn check_summary(
    story: &StorySummary,
    articles: &BTreeMap<String, Slim>,
    report: &mut CheckReport,
) {
    let reports: Vec<&Slim> = story
        .reports
        .iter()
        .filter_map(|id| articles.get(id))
        .collect();
    let outlets: BTreeSet<&str> = reports.iter().map(|a| a.outlet.as_str()).collect();
    if !outlets
        .iter()
        .copied()
        .eq(story.outlets.iter().map(String::as_str))
    {
        report.problem(format!(
            "story {}: outlets {:?} differ from its reports' {outlets:?}",
            story.id, story.outlets
        ));
    }
    let first = reports.iter().map(|a| a.seen_at).min();
    let last = reports.iter().map(|a| a.seen_at).max();
    if first.is_some_and(|f| f != story.first_seen) || last.is_some_and(|l| l != story.last_seen) {
        report.problem(format!(
            "story {}: first/last seen {}/{} differ from its reports' dates",
            story.id, story.first_seen, story.last_seen
        ));
    }
}
