//! The cluster state in sled: [`SledClusterState`] reads it, [`ops`] writes it.
//!
//! Used by `ingest` and `fetch --save`: for each article the driver calls
//! `cluster::assign(&SledClusterState::new(&db)?, &doc, &config)`, then hands
//! `ops(&changes)` to the store, which applies them in the article's transaction. Reading
//! back what [`ops`] wrote gives exactly what `MemoryState` holds after the same
//! articles, so `ingest` and `newsfold cluster` agree.
//!
//! Trees (all keys big-endian):
//! - `cluster_meta`: `docs`, `stories` → u64 counters (Add).
//! - `cluster_df`: term u64 → u64 document frequency (Add).
//! - `cluster_postings`: term u64 → story numbers, u64 each, oldest first (Put).
//! - `cluster_stories`: story number u64 → story profile, JSON (Put).
//! - `cluster_docs`: article number u64 → article record, JSON (Put).
//! - `cluster_digests`: 32-byte body sha2 → article number u64 (Put).
//! - `cluster_bands`: near-copy band key u64 → article number u64 (Put).

use std::borrow::Cow;

use crate::cluster::{Changes, DocRecord, State, StateError, StoryProfile};
use crate::store::Op;

/// Counters.
pub const META: &str = "cluster_meta";
/// Document frequencies.
pub const DF: &str = "cluster_df";
/// The index of rare terms.
pub const POSTINGS: &str = "cluster_postings";
/// Story profiles.
pub const STORIES: &str = "cluster_stories";
/// Article records.
pub const DOCS: &str = "cluster_docs";
/// Body digests.
pub const DIGESTS: &str = "cluster_digests";
/// Near-copy bands.
pub const BANDS: &str = "cluster_bands";
/// Every tree this module uses.
pub const TREES: [&str; 7] = [META, DF, POSTINGS, STORIES, DOCS, DIGESTS, BANDS];

const DOCS_KEY: &[u8] = b"docs";
const STORIES_KEY: &[u8] = b"stories";

/// Read access to the cluster trees of a sled database.
pub struct SledClusterState {
    meta: sled::Tree,
    df: sled::Tree,
    postings: sled::Tree,
    stories: sled::Tree,
    docs: sled::Tree,
    digests: sled::Tree,
    bands: sled::Tree,
}

fn err(what: &str, e: impl std::fmt::Display) -> StateError {
    StateError(format!("{what}: {e}"))
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[8 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    u64::from_be_bytes(buf)
}

impl SledClusterState {
    /// Opens the cluster trees of `db`.
    pub fn new(db: &sled::Db) -> Result<Self, StateError> {
        let open = |name: &str| {
            db.open_tree(name)
                .map_err(|e| err(&format!("opening tree {name}"), e))
        };
        Ok(SledClusterState {
            meta: open(META)?,
            df: open(DF)?,
            postings: open(POSTINGS)?,
            stories: open(STORIES)?,
            docs: open(DOCS)?,
            digests: open(DIGESTS)?,
            bands: open(BANDS)?,
        })
    }

    fn get_u64(
        &self,
        tree: &sled::Tree,
        key: &[u8],
        what: &str,
    ) -> Result<Option<u64>, StateError> {
        Ok(tree
            .get(key)
            .map_err(|e| err(what, e))?
            .map(|v| read_u64(&v)))
    }
}

impl State for SledClusterState {
    fn docs(&self) -> Result<u64, StateError> {
        Ok(self
            .get_u64(&self.meta, DOCS_KEY, "reading the article count")?
            .unwrap_or(0))
    }
    fn stories(&self) -> Result<u64, StateError> {
        Ok(self
            .get_u64(&self.meta, STORIES_KEY, "reading the story count")?
            .unwrap_or(0))
    }
    fn df(&self, term: u64) -> Result<u32, StateError> {
        let df = self.get_u64(
            &self.df,
            &term.to_be_bytes(),
            "reading a document frequency",
        )?;
        Ok(df.unwrap_or(0).min(u64::from(u32::MAX)) as u32)
    }
    fn postings(&self, term: u64) -> Result<Cow<'_, [u64]>, StateError> {
        let value = self
            .postings
            .get(term.to_be_bytes())
            .map_err(|e| err("reading postings", e))?;
        Ok(Cow::Owned(
            value
                .map(|v| v.chunks_exact(8).map(read_u64).collect())
                .unwrap_or_default(),
        ))
    }
    fn story(&self, number: u64) -> Result<Option<Cow<'_, StoryProfile>>, StateError> {
        let value = self
            .stories
            .get(number.to_be_bytes())
            .map_err(|e| err("reading a story", e))?;
        match value {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(|s| Some(Cow::Owned(s)))
                .map_err(|e| err(&format!("decoding story {number}"), e)),
        }
    }
    fn doc(&self, number: u64) -> Result<Option<Cow<'_, DocRecord>>, StateError> {
        let value = self
            .docs
            .get(number.to_be_bytes())
            .map_err(|e| err("reading an article record", e))?;
        match value {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(|d| Some(Cow::Owned(d)))
                .map_err(|e| err(&format!("decoding article record {number}"), e)),
        }
    }
    fn doc_by_digest(&self, digest: &[u8; 32]) -> Result<Option<u64>, StateError> {
        self.get_u64(&self.digests, digest, "reading a body digest")
    }
    fn doc_by_band(&self, key: u64) -> Result<Option<u64>, StateError> {
        self.get_u64(&self.bands, &key.to_be_bytes(), "reading a near-copy band")
    }
}

/// The store writes of one article's cluster changes, to apply in its transaction.
pub fn ops(changes: &Changes) -> Vec<Op> {
    let mut ops = Vec::with_capacity(changes.df_terms.len() + changes.postings.len() + 8);
    ops.push(Op::Add {
        tree: META,
        key: DOCS_KEY.to_vec(),
        delta: 1,
    });
    if changes.new_story {
        ops.push(Op::Add {
            tree: META,
            key: STORIES_KEY.to_vec(),
            delta: 1,
        });
    }
    for term in &changes.df_terms {
        ops.push(Op::Add {
            tree: DF,
            key: term.to_be_bytes().to_vec(),
            delta: 1,
        });
    }
    for (term, list) in &changes.postings {
        ops.push(Op::Put {
            tree: POSTINGS,
            key: term.to_be_bytes().to_vec(),
            value: list.iter().flat_map(|s| s.to_be_bytes()).collect(),
        });
    }
    // Serialising plain structs of strings, numbers and arrays cannot fail.
    let story = serde_json::to_vec(&changes.story).unwrap_or_default();
    ops.push(Op::Put {
        tree: STORIES,
        key: changes.story_number.to_be_bytes().to_vec(),
        value: story,
    });
    ops.push(Op::Put {
        tree: DOCS,
        key: changes.doc_number.to_be_bytes().to_vec(),
        value: serde_json::to_vec(&changes.doc).unwrap_or_default(),
    });
    if let Some(digest) = changes.digest {
        ops.push(Op::Put {
            tree: DIGESTS,
            key: digest.to_vec(),
            value: changes.doc_number.to_be_bytes().to_vec(),
        });
    }
    for key in &changes.bands {
        ops.push(Op::Put {
            tree: BANDS,
            key: key.to_be_bytes().to_vec(),
            value: changes.doc_number.to_be_bytes().to_vec(),
        });
    }
    ops
}

/// Applies ops to `db` outside a transaction (tests and tools; the store applies them in
/// the article's transaction with the same meaning).
pub fn apply_ops(db: &sled::Db, ops: &[Op]) -> Result<(), StateError> {
    for op in ops {
        let (tree, key) = match op {
            Op::Put { tree, key, .. } | Op::Delete { tree, key } | Op::Add { tree, key, .. } => {
                (tree, key)
            }
        };
        let t = db.open_tree(tree).map_err(|e| err("opening a tree", e))?;
        let result = match op {
            Op::Put { value, .. } => t.insert(key, value.as_slice()).map(|_| ()),
            Op::Delete { .. } => t.remove(key).map(|_| ()),
            Op::Add { delta, .. } => {
                let old = t
                    .get(key)
                    .map_err(|e| err("reading a counter", e))?
                    .map_or(0, |v| read_u64(&v));
                let new = (old as i64).saturating_add(*delta).max(0) as u64;
                t.insert(key, &new.to_be_bytes()).map(|_| ())
            }
        };
        result.map_err(|e| err(&format!("writing tree {tree}"), e))?;
    }
    Ok(())
}
