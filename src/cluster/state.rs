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
    /// Its near-copy sketch (a copy keeps its original's: see `pick::copy_changes`).
    pub sketch: [u32; SLOTS],
    /// The figures of its body (`Sketch::figures`; 0 in records written before they
    /// were kept, which then agree with any).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub figures: u64,
    /// What the refinement rounds read (`super::refine`): its heaviest terms and its
    /// days. A copy's holds its day alone (an undated original takes it in the rounds);
    /// empty in records written before refinement existed (such articles keep the story
    /// they were placed in).
    #[serde(default, skip_serializing_if = "RefineTerms::is_empty")]
    pub refine: RefineTerms,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// An article's side of the refinement rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefineTerms {
    /// Its heaviest terms by tf × idf when it was placed (at most
    /// `Config::refine_terms`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<u64>,
    /// Their term frequencies (two arrays, not pairs: 12 bytes a term, not 16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tf: Vec<f32>,
    /// Its day: publication date, else the day its text stands in with
    /// (`Mentions::text_day`), else its URL's (`dates::url_month`); days since 0001-01-01.
    pub day: Option<i32>,
    /// Days it says things happened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_days: Vec<i32>,
}

impl RefineTerms {
    /// True when there is nothing to refine with.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.day.is_none() && self.event_days.is_empty()
    }
}

// Term frequencies are finite, so records compare as equal values.
impl Eq for RefineTerms {}

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
    /// A hint that the stories in `numbers` are about to be read: a state in memory
    /// touches their profiles so that the cache misses overlap. Reads nothing back;
    /// the default does nothing.
    fn warm_stories(&self, numbers: &[u64]) {
        let _ = numbers;
    }
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
    docs: Chunks<DocRecord>,
    stories: Vec<StoryProfile>,
    terms: TermIndex,
    digests: HashMap<[u8; 32], u64, BuildHasherDefault<DigestHasher>>,
    bands: IdMap<u64>,
    /// Placing is over ([`MemoryState::end_placing`]): what only placing reads is gone.
    placing_ended: bool,
}

impl MemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Frees what only placing reads, once every article is placed: the postings, the
    /// body digests and sketch bands, and each story's term sums and event days. What
    /// the refinement reads stays: the article records, the document frequencies and
    /// each story's id and span. The refinement's own arrays then reuse the memory (at
    /// 1M articles some 300 MB of a peak near 1.8 GB). After this, a lookup that only
    /// placing makes is an error rather than a wrong answer.
    pub fn end_placing(&mut self) {
        self.placing_ended = true;
        self.terms.arena = Vec::new();
        for slot in self.terms.slots.values_mut() {
            slot.block = 0;
        }
        self.digests = HashMap::default();
        self.bands = IdMap::default();
        for story in &mut self.stories {
            story.terms = Vec::new();
            story.event_days = Vec::new();
        }
    }

    /// The error of a placing lookup after [`MemoryState::end_placing`].
    fn placing_over(&self) -> Result<(), StateError> {
        match self.placing_ended {
            false => Ok(()),
            true => Err(StateError(
                "the in-memory state no longer places articles (placing was ended)".into(),
            )),
        }
    }

    /// Applies one article's changes.
    pub fn apply(&mut self, changes: Changes) {
        for term in &changes.df_terms {
            self.terms.slot_mut(*term).df += 1;
        }
        for (term, list) in &changes.postings {
            self.terms.set_postings(*term, list);
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

/// A growing list kept in chunks of a fixed size: a push never moves what is already
/// there. (One vector of a million article records would be copied into fresh memory
/// each time it doubled, hundreds of megabytes at the last doubling.)
#[derive(Debug)]
struct Chunks<T> {
    /// Full chunks, then the last one.
    chunks: Vec<Vec<T>>,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { chunks: Vec::new() }
    }
}

impl<T> Chunks<T> {
    const CHUNK: usize = 1 << 14;

    fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < Self::CHUNK => chunk.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(Self::CHUNK);
                chunk.push(item);
                self.chunks.push(chunk);
            }
        }
    }

    fn get(&self, index: usize) -> Option<&T> {
        self.chunks
            .get(index / Self::CHUNK)?
            .get(index % Self::CHUNK)
    }

    fn len(&self) -> usize {
        self.chunks
            .last()
            .map_or(0, |last| (self.chunks.len() - 1) * Self::CHUNK + last.len())
    }
}

/// A hasher for body digests (sha2 output, already uniform): their first eight bytes.
#[derive(Debug, Default, Clone, Copy)]
pub struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // An array hashes its length first (`write_usize`), then its bytes here.
        let mut head = [0u8; 8];
        let n = bytes.len().min(8);
        head[..n].copy_from_slice(&bytes[..n]);
        self.0 ^= u64::from_le_bytes(head);
    }
}

/// Document frequency and postings of every term: one map lookup finds both, where two
/// maps and a vector per term took three or four cache misses. Postings live in one arena
/// of blocks, each a header word (length, capacity) and room for its story numbers; a
/// list that outgrows its block moves to a new one twice the size (the old one stays
/// unused).
#[derive(Debug, Default)]
struct TermIndex {
    slots: IdMap<TermSlot>,
    /// Postings blocks; index 0 is no block.
    arena: Vec<u64>,
}

/// One term: its document frequency and where its postings block starts.
#[derive(Debug, Default, Clone, Copy)]
struct TermSlot {
    df: u32,
    /// Arena index of the postings block, 0 when the term has none.
    block: usize,
}

impl TermIndex {
    fn slot(&self, term: u64) -> Option<&TermSlot> {
        self.slots.get(&term)
    }

    /// The term's slot, added (df 0, no postings) when missing.
    fn slot_mut(&mut self, term: u64) -> &mut TermSlot {
        self.slots.entry(term).or_default()
    }

    fn df(&self, term: u64) -> u32 {
        self.slot(term).map_or(0, |s| s.df)
    }

    fn postings(&self, term: u64) -> &[u64] {
        match self.slot(term) {
            Some(slot) if slot.block != 0 => {
                let at = slot.block;
                let len = (self.arena[at] & 0xffff_ffff) as usize;
                &self.arena[at + 1..at + 1 + len]
            }
            _ => &[],
        }
    }

    /// Replaces the term's postings with `list`.
    fn set_postings(&mut self, term: u64, list: &[u64]) {
        let block = self.slot_mut(term).block;
        let capacity = if block == 0 {
            0
        } else {
            (self.arena[block] >> 32) as usize
        };
        let at = if list.len() <= capacity && block != 0 {
            block
        } else {
            if self.arena.is_empty() {
                self.arena.push(0);
            }
            let at = self.arena.len();
            let capacity = list.len().next_power_of_two().max(4);
            self.arena.resize(at + 1 + capacity, 0);
            self.arena[at] = (capacity as u64) << 32;
            self.slot_mut(term).block = at;
            at
        };
        let capacity = self.arena[at] >> 32;
        self.arena[at] = capacity << 32 | list.len() as u64;
        self.arena[at + 1..at + 1 + list.len()].copy_from_slice(list);
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
        Ok(self.terms.df(term))
    }
    fn postings(&self, term: u64) -> Result<Cow<'_, [u64]>, StateError> {
        self.placing_over()?;
        Ok(Cow::Borrowed(self.terms.postings(term)))
    }
    fn story(&self, number: u64) -> Result<Option<Cow<'_, StoryProfile>>, StateError> {
        Ok(self.stories.get(number as usize).map(Cow::Borrowed))
    }
    fn doc(&self, number: u64) -> Result<Option<Cow<'_, DocRecord>>, StateError> {
        Ok(self.docs.get(number as usize).map(Cow::Borrowed))
    }
    fn doc_by_digest(&self, digest: &[u8; 32]) -> Result<Option<u64>, StateError> {
        self.placing_over()?;
        Ok(self.digests.get(digest).copied())
    }
    fn doc_by_band(&self, key: u64) -> Result<Option<u64>, StateError> {
        self.placing_over()?;
        Ok(self.bands.get(&key).copied())
    }
    fn warm_stories(&self, numbers: &[u64]) {
        // One load per cache line of each profile's terms, all independent of each
        // other: the lines arrive together instead of one comparison at a time.
        const PER_LINE: usize = 64 / std::mem::size_of::<(u64, f32)>();
        let mut touched = 0u64;
        for story in numbers.iter().filter_map(|n| self.stories.get(*n as usize)) {
            for term in story.terms.iter().step_by(PER_LINE) {
                touched ^= term.0;
            }
        }
        std::hint::black_box(touched);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_read_back_every_item_across_chunk_ends() {
        let mut list = Chunks::default();
        let n = Chunks::<usize>::CHUNK * 2 + 3;
        for i in 0..n {
            list.push(i);
        }
        assert_eq!(list.len(), n);
        assert!((0..n).all(|i| list.get(i) == Some(&i)));
        assert_eq!(list.get(n), None);
        assert_eq!(list.chunks.len(), 3);
    }

    #[test]
    fn a_copy_record_keeps_its_day_alone_and_reads_back() {
        let copy = DocRecord {
            id: "b".into(),
            story: 3,
            copy_of: Some("a".into()),
            sketch: [7; SLOTS],
            figures: 0,
            refine: RefineTerms {
                day: Some(739_000),
                ..RefineTerms::default()
            },
        };
        let json = serde_json::to_string(&copy).unwrap_or_default();
        assert!(json.contains("\"refine\":{\"day\":739000}"), "{json}");
        let read: Option<DocRecord> = serde_json::from_str(&json).ok();
        assert_eq!(read.as_ref(), Some(&copy));
        // Records written before: a copy with no refine field, an article with every field.
        let old_copy = json.replace(",\"refine\":{\"day\":739000}", "");
        let read: Option<DocRecord> = serde_json::from_str(&old_copy).ok();
        assert_eq!(read.map(|r| r.refine), Some(RefineTerms::default()));
        let old_article = json.replace(
            "{\"day\":739000}",
            "{\"terms\":[1,2],\"tf\":[1.0,2.0],\"day\":null,\"event_days\":[]}",
        );
        let read: Option<DocRecord> = serde_json::from_str(&old_article).ok();
        assert_eq!(read.map(|r| r.refine.terms), Some(vec![1, 2]));
    }

    #[test]
    fn records_stored_before_figures_were_kept_agree_with_any_figures() {
        let record = DocRecord {
            id: "a".into(),
            story: 3,
            copy_of: None,
            sketch: [7; SLOTS],
            figures: 0b1010,
            refine: RefineTerms::default(),
        };
        let json = serde_json::to_string(&record).unwrap_or_default();
        assert!(json.contains("\"figures\":10"), "{json}");
        let old = json.replace(",\"figures\":10", "");
        let read: DocRecord = serde_json::from_str(&old).unwrap_or(record.clone());
        assert_eq!(read.figures, 0, "{old}");
        let sketch = |figures| super::super::copies::Sketch {
            slots: [7; SLOTS],
            shingles: 100,
            figures,
        };
        assert!(sketch(read.figures).near_copy_of(&sketch(0b0110)));
        assert!(!sketch(record.figures).near_copy_of(&sketch(0b0110)));
    }

    #[test]
    fn term_index_reads_back_counts_and_lists_as_written() {
        // Enough terms to grow the map several times, lists that outgrow their
        // blocks and shrink again, and the extreme term ids.
        let mut index = TermIndex::default();
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut lists: HashMap<u64, Vec<u64>> = HashMap::new();
        let terms: Vec<u64> = (0..5000u64)
            .map(|i| super::super::copies::mix(i % 3000))
            .chain([u64::MAX, 0])
            .collect();
        for (round, term) in terms.iter().enumerate() {
            *df.entry(*term).or_insert(0) += 1;
            index.slot_mut(*term).df += 1;
            if round % 3 == 0 {
                let list: Vec<u64> = (0..(round % 40) as u64)
                    .map(|s| s * 7 + round as u64)
                    .collect();
                index.set_postings(*term, &list);
                lists.insert(*term, list);
            }
        }
        for term in terms.iter().chain(&[1, 2, u64::MAX - 1]) {
            assert_eq!(
                index.df(*term),
                df.get(term).copied().unwrap_or(0),
                "{term}"
            );
            let expected = lists.get(term).map_or(&[][..], Vec::as_slice);
            assert_eq!(index.postings(*term), expected, "{term}");
        }
    }
}
