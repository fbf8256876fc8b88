//! The refinement rounds' stories, written into the store.
//!
//! In: the store after a run's last article (its cluster state and its stories as the one
//! pass left them, plus earlier refinements). Out: each article's `story` and the
//! `stories` tree as `cluster::refine` places the articles, so that `dump`, `check` and
//! `fetch --save` show the same stories `newsfold cluster` prints for the same articles.
//!
//! The rounds are a pure function of the cluster state, which only grows, so every run
//! computes them from the whole state and writes what differs from the stored stories:
//! the articles that change story and the summaries of the stories they leave or join,
//! in one transaction with the story counter and the number of articles the refinement
//! covers (`meta` key `refined`). A run killed before it leaves the stories as the one
//! pass placed the run's articles, consistent but not refined; [`Store::refinement_due`]
//! tells, and the next run refines them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::record::{StoredArticle, StorySummary};
use super::{Store, StoreError};
use crate::cluster::{self, State};
use crate::store::cluster_state::SledClusterState;

/// `meta` key: how many cluster articles the stored stories' refinement covers (BE u64).
const REFINED_KEY: &[u8] = b"refined";

impl Store {
    /// True when articles were clustered since the stories were last refined.
    pub fn refinement_due(&self) -> Result<bool, StoreError> {
        let state = self.cluster_state()?;
        let docs = state.docs().map_err(|e| self.invalid(e))?;
        Ok(self.refined_count()? != docs)
    }

    /// Runs the refinement rounds over the cluster state and rewrites the stories that
    /// changed. Returns how many articles changed story.
    pub fn refine_stories(&self, config: &cluster::Config) -> Result<usize, StoreError> {
        let state = self.cluster_state()?;
        let docs = state.docs().map_err(|e| self.invalid(e))?;
        let refined = cluster::refine::refine(&state, config).map_err(|e| self.invalid(e))?;
        // Where every article is now, from the summaries.
        let mut summaries: BTreeMap<String, StorySummary> = BTreeMap::new();
        let mut story_of: HashMap<String, String> = HashMap::new();
        for item in self.stories.iter() {
            let (key, value) = item.map_err(|e| self.sled_error("reading stories", e))?;
            let summary: StorySummary = self.decode("stories", &key, &value)?;
            for id in &summary.reports {
                story_of.insert(id.clone(), summary.id.clone());
            }
            summaries.insert(summary.id.clone(), summary);
        }
        // Where the rounds put them; articles in store order (cluster numbers).
        let mut moves: Vec<(String, String)> = Vec::new();
        let mut order: HashMap<String, u64> = HashMap::new();
        for number in 0..docs {
            let record = state
                .doc(number)
                .map_err(|e| self.invalid(e))?
                .ok_or_else(|| self.invalid(format!("cluster article {number} is missing")))?;
            let target = refined.story_id(number as usize).unwrap_or_default();
            if story_of.get(&record.id).map(String::as_str) != Some(target) {
                moves.push((record.id.clone(), target.to_string()));
            }
            order.insert(record.id.clone(), number);
        }
        let mut touched: BTreeSet<String> = BTreeSet::new();
        let mut articles: BTreeMap<String, StoredArticle> = BTreeMap::new();
        for (id, target) in &moves {
            let mut article = self
                .article(id)?
                .ok_or_else(|| self.invalid(format!("article {id} is clustered, not stored")))?;
            touched.insert(article.story.clone());
            touched.insert(target.clone());
            article.story = target.clone();
            articles.insert(id.clone(), article);
        }
        // The touched stories' members after the moves, in store order.
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for story in &touched {
            let kept = summaries
                .get(story)
                .map(|s| s.reports.clone())
                .unwrap_or_default();
            let list = members.entry(story.clone()).or_default();
            list.extend(kept.into_iter().filter(|id| !articles.contains_key(id)));
        }
        for (id, target) in &moves {
            members.entry(target.clone()).or_default().push(id.clone());
        }
        let mut writes: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        let mut story_delta: i64 = 0;
        for (story, mut ids) in members {
            ids.sort_by_key(|id| order.get(id).copied().unwrap_or(u64::MAX));
            let mut summary: Option<StorySummary> = None;
            for id in &ids {
                let article = match articles.get(id) {
                    Some(a) => a.clone(),
                    None => self
                        .article(id)?
                        .ok_or_else(|| self.invalid(format!("story {story} lists missing {id}")))?,
                };
                match summary.as_mut() {
                    Some(s) => s.add(&article),
                    None => summary = Some(StorySummary::new(&article)),
                }
            }
            let existed = summaries.contains_key(&story);
            story_delta += i64::from(summary.is_some()) - i64::from(existed);
            let json = match summary {
                Some(s) => Some(serde_json::to_vec(&s).map_err(|e| self.invalid(e))?),
                None => None,
            };
            writes.push((story, json));
        }
        let article_json: Vec<(String, Vec<u8>)> = articles
            .iter()
            .map(|(id, a)| {
                Ok((
                    id.clone(),
                    serde_json::to_vec(a).map_err(|e| self.invalid(e))?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        let stories_before = self.count(b"stories")?;
        let stories_after = (stories_before as i64 + story_delta).max(0) as u64;
        let result =
            (&self.articles, &self.stories, &self.meta).transaction(|(articles, stories, meta)| {
                for (id, json) in &article_json {
                    articles.insert(id.as_bytes(), json.as_slice())?;
                }
                for (story, json) in &writes {
                    match json {
                        Some(json) => stories.insert(story.as_bytes(), json.as_slice())?,
                        None => stories.remove(story.as_bytes())?,
                    };
                }
                meta.insert(b"stories", &stories_after.to_be_bytes())?;
                meta.insert(REFINED_KEY, &docs.to_be_bytes())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            });
        match result {
            Ok(()) => {}
            Err(TransactionError::Storage(e)) => {
                return Err(self.sled_error("writing the refined stories", e))
            }
            Err(TransactionError::Abort(())) => {
                return Err(self.invalid("writing the refined stories was aborted"))
            }
        }
        self.flush()?;
        Ok(moves.len())
    }

    fn cluster_state(&self) -> Result<SledClusterState, StoreError> {
        SledClusterState::new(&self.db).map_err(|e| self.invalid(e))
    }

    fn refined_count(&self) -> Result<u64, StoreError> {
        self.count(REFINED_KEY)
    }

    /// A BE u64 counter of `meta` (missing or malformed: 0).
    fn count(&self, key: &[u8]) -> Result<u64, StoreError> {
        let value = self
            .meta
            .get(key)
            .map_err(|e| self.sled_error("reading a counter", e))?;
        Ok(value
            .and_then(|v| super::commit::read_counter(&v))
            .unwrap_or(0))
    }

    fn invalid(&self, message: impl std::fmt::Display) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            message: format!("refining the stories: {message}"),
        }
    }
}
