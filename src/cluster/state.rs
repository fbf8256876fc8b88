//! The clusterer's memory: what it reads ([`State`]) and what one article changes ([`Changes`]).
//!
//! [`crate::cluster::assign`] only reads the state and returns the changes; the caller
//! applies them. [`MemoryState`] applies them to maps (the offline `newsfold cluster`);
//! the sled state (`crate::store::cluster_state`) turns them into store writes that go
//! into the article's transaction. Both read back exactly what was written, so feeding the
//! same articles in the same order gives the same stories either way.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::copies::SLOTS;
use super::stories::StoryProfile;

/// A state read failed (only the sled state can fail).
#[derive(Debug, thiserror::Error)]
#[error("reading the cluster state: {0}")]
pub struct StateError(pub String);

/// What is kept of each article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRecord {
    /// The article id.
    pub id: String,
    /// Its story number.
    pub story: u64,
    /// The original it copies (the root original when copies chain).
    pub copy_of: Option<String>,
    /// Its near-copy sketch.
    pub sketch: [u32; SLOTS],
}

/// Everything one article changes in the state.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    /// The article's number (articles counted from 0 in arrival order).
    pub doc_number: u64,
    /// The article's record.
    pub doc: DocRecord,
    /// The body digest, when no earlier article had it.
    pub digest: Option<[u8; 32]>,
    /// Near-copy band keys no earlier article held.
    pub bands: Vec<u64>,
    /// Terms whose document frequency grows by one.
    pub df_terms: Vec<u64>,
    /// The story number the article went to.
    pub story_number: u64,
    /// That story's new profile.
    pub story: StoryProfile,
    /// The story is new.
    pub new_story: bool,
    /// Rewritten postings lists: term and its story numbers, oldest first.
    pub postings: Vec<(u64, Vec<u64>)>,
}

/// Read access to the clusterer's memory.
pub trait State {
    /// Articles seen so far.
    fn docs(&self) -> Result<u64, StateError>;
    /// Stories opened so far.
    fn stories(&self) -> Result<u64, StateError>;
    /// Articles (copies excepted) that contained `term`.
    fn df(&self, term: u64) -> Result<u32, StateError>;
    /// Stories indexed under `term`, oldest first (capped).
    fn postings(&self, term: u64) -> Result<Cow<'_, [u64]>, StateError>;
    /// A story's profile.
    fn story(&self, number: u64) -> Result<Option<Cow<'_, StoryProfile>>, StateError>;
    /// An article's record.
    fn doc(&self, number: u64) -> Result<Option<Cow<'_, DocRecord>>, StateError>;
    /// The first article with this body digest.
    fn doc_by_digest(&self, digest: &[u8; 32]) -> Result<Option<u64>, StateError>;
    /// The first article holding this near-copy band key.
    fn doc_by_band(&self, key: u64) -> Result<Option<u64>, StateError>;
}

/// A hasher for keys that are already hashes (term ids, band keys): one multiply.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// The state in memory, for the offline command and tests.
#[derive(Debug, Default)]
pub struct MemoryState {
    docs: Vec<DocRecord>,
    stories: Vec<StoryProfile>,
    df: IdMap<u32>,
    postings: IdMap<Vec<u64>>,
    digests: HashMap<[u8; 32], u64>,
    bands: IdMap<u64>,
}

impl MemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one article's changes.
    pub fn apply(&mut self, changes: Changes) {
        for term in &changes.df_terms {
            *self.df.entry(*term).or_insert(0) += 1;
        }
        for (term, list) in changes.postings {
            self.postings.insert(term, list);
        }
        if let Some(digest) = changes.digest {
            self.digests.insert(digest, changes.doc_number);
        }
        for key in changes.bands {
            self.bands.insert(key, changes.doc_number);
        }
        let n = changes.story_number as usize;
        if n < self.stories.len() {
            self.stories[n] = changes.story;
        } else {
            self.stories.push(changes.story);
        }
        self.docs.push(changes.doc);
    }
}

impl State for MemoryState {
    fn docs(&self) -> Result<u64, StateError> {
        Ok(self.docs.len() as u64)
    }
    fn stories(&self) -> Result<u64, StateError> {
        Ok(self.stories.len() as u64)
    }
    fn df(&self, term: u64) -> Result<u32, StateError> {
        Ok(self.df.get(&term).copied().unwrap_or(0))
    }
    fn postings(&self, term: u64) -> Result<Cow<'_, [u64]>, StateError> {
        Ok(Cow::Borrowed(
            self.postings.get(&term).map_or(&[], Vec::as_slice),
        ))
    }
    fn story(&self, number: u64) -> Result<Option<Cow<'_, StoryProfile>>, StateError> {
        Ok(self.stories.get(number as usize).map(Cow::Borrowed))
    }
    fn doc(&self, number: u64) -> Result<Option<Cow<'_, DocRecord>>, StateError> {
        Ok(self.docs.get(number as usize).map(Cow::Borrowed))
    }
    fn doc_by_digest(&self, digest: &[u8; 32]) -> Result<Option<u64>, StateError> {
        Ok(self.digests.get(digest).copied())
    }
    fn doc_by_band(&self, key: u64) -> Result<Option<u64>, StateError> {
        Ok(self.bands.get(&key).copied())
    }
}
