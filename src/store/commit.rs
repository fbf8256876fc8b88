//! Writing an article: one sled transaction for the record, its indexes, its story, its
//! template counters and the cluster stage's [`Op`]s, flushed before returning.
//!
//! The transaction is what makes a SIGKILL harmless: sled recovers either every write of
//! it or none. The flush is what makes "stored" mean stored: once `commit_article`
//! returns, a crash cannot lose the article.

use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};
use sled::Transactional;

use super::record::{CommitOutcome, StoredArticle, StorySummary};
use super::{Op, Store, StoreError, STORE_TREES};

/// Why a transaction gave up without writing.
#[derive(Debug)]
enum Abort {
    /// Another canonical URL's article has this id (a hash collision).
    IdTaken(String),
    /// `copy_of` names an article that is not stored.
    MissingOriginal(String),
    /// A value could not be encoded as JSON.
    Encode(String),
    /// A stored value could not be read back.
    Corrupt {
        tree: &'static str,
        key: String,
        message: String,
    },
}

type TxResult<T> = ConflictableTransactionResult<T, Abort>;

/// Positions of the store's trees in the transaction; op trees follow.
const ARTICLES: usize = 0;
const URLS: usize = 1;
const HASHES: usize = 2;
const STORIES: usize = 3;
const TEMPLATES: usize = 4;
const META: usize = 5;
const FIRST_OP_TREE: usize = 6;

/// See [`Store::commit_article`].
pub(super) fn commit_article(
    store: &Store,
    record: &StoredArticle,
    ops: &[Op],
) -> Result<CommitOutcome, StoreError> {
    let invalid = |message: String| StoreError::Invalid {
        path: store.path.clone(),
        message,
    };
    if record.id.is_empty() || record.canonical_url.is_empty() || record.story.is_empty() {
        return Err(invalid(format!(
            "committing {:?}: a record needs an id, a canonical url and a story",
            record.canonical_url
        )));
    }
    let mut op_trees: Vec<&'static str> = ops.iter().map(Op::tree).collect();
    op_trees.sort_unstable();
    op_trees.dedup();
    if let Some(name) = op_trees.iter().find(|n| STORE_TREES.contains(n)) {
        return Err(invalid(format!(
            "committing {}: an op may not write the store's own tree {name}",
            record.id
        )));
    }
    let trees = transaction_trees(store, &op_trees)?;
    let json = serde_json::to_vec(record)
        .map_err(|e| invalid(format!("encoding article {}: {e}", record.id)))?;
    let mut fingerprints = record.fingerprints.clone();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    let tx = Tx {
        record,
        json: &json,
        fingerprints: &fingerprints,
        ops,
        op_trees: &op_trees,
    };
    let doing = format!("committing article {}", record.id);
    match trees[..].transaction(|t| tx.apply(t)) {
        Ok(CommitOutcome::Stored) => {
            store.flush()?;
            Ok(CommitOutcome::Stored)
        }
        Ok(outcome) => Ok(outcome),
        Err(TransactionError::Storage(e)) => Err(store.sled_error(&doing, e)),
        Err(TransactionError::Abort(abort)) => Err(abort_error(store, &doing, abort)),
    }
}

/// The store's trees in their fixed positions, then the op trees in `op_trees` order.
fn transaction_trees(
    store: &Store,
    op_trees: &[&'static str],
) -> Result<Vec<sled::Tree>, StoreError> {
    let mut trees = vec![
        store.articles.clone(),
        store.urls.clone(),
        store.hashes.clone(),
        store.stories.clone(),
        store.templates.clone(),
        store.meta.clone(),
    ];
    for name in op_trees {
        let tree = store
            .db
            .open_tree(name)
            .map_err(|e| store.sled_error(&format!("opening tree {name}"), e))?;
        trees.push(tree);
    }
    Ok(trees)
}

fn abort_error(store: &Store, doing: &str, abort: Abort) -> StoreError {
    let invalid = |message: String| StoreError::Invalid {
        path: store.path.clone(),
        message: format!("{doing}: {message}"),
    };
    match abort {
        Abort::IdTaken(url) => invalid(format!("its id is already used by {url}")),
        Abort::MissingOriginal(id) => invalid(format!("copy_of names {id}, which is not stored")),
        Abort::Encode(message) => invalid(format!("encoding json: {message}")),
        Abort::Corrupt { tree, key, message } => StoreError::Corrupt {
            path: store.path.clone(),
            tree: tree.to_string(),
            key,
            message,
        },
    }
}

/// Everything one commit writes, prepared outside the (possibly retried) transaction.
struct Tx<'a> {
    record: &'a StoredArticle,
    json: &'a [u8],
    fingerprints: &'a [u64],
    ops: &'a [Op],
    op_trees: &'a [&'static str],
}

impl Tx<'_> {
    fn apply(&self, t: &[TransactionalTree]) -> TxResult<CommitOutcome> {
        let r = self.record;
        if let Some(id) = t[URLS].get(r.canonical_url.as_bytes())? {
            return Ok(CommitOutcome::AlreadyStored {
                id: String::from_utf8_lossy(&id).into_owned(),
            });
        }
        if let Some(other) = t[ARTICLES].get(r.id.as_bytes())? {
            let url = serde_json::from_slice::<StoredArticle>(&other)
                .map(|a| a.canonical_url)
                .unwrap_or_else(|_| "an unreadable record".into());
            return abort(Abort::IdTaken(url));
        }
        if let Some(original) = &r.copy_of {
            if t[ARTICLES].get(original.as_bytes())?.is_none() {
                return abort(Abort::MissingOriginal(original.clone()));
            }
        }
        t[ARTICLES].insert(r.id.as_bytes(), self.json)?;
        for url in r.all_urls() {
            if t[URLS].get(url.as_bytes())?.is_none() {
                t[URLS].insert(url.as_bytes(), r.id.as_bytes())?;
            }
        }
        if t[HASHES].get(r.body_hash.as_bytes())?.is_none() {
            t[HASHES].insert(r.body_hash.as_bytes(), r.id.as_bytes())?;
        }
        let new_story = self.update_story(&t[STORIES])?;
        for fp in self.fingerprints {
            add_counter(&t[TEMPLATES], "templates", &template_key(&r.outlet, *fp), 1)?;
        }
        add_counter(&t[META], "meta", b"articles", 1)?;
        if r.copy_of.is_some() {
            add_counter(&t[META], "meta", b"copies", 1)?;
        }
        if new_story {
            add_counter(&t[META], "meta", b"stories", 1)?;
        }
        for op in self.ops {
            self.apply_op(t, op)?;
        }
        Ok(CommitOutcome::Stored)
    }

    /// Adds the record to its story's summary; true when the story is new.
    fn update_story(&self, stories: &TransactionalTree) -> TxResult<bool> {
        let r = self.record;
        let (summary, new) = match stories.get(r.story.as_bytes())? {
            Some(v) => {
                let mut s: StorySummary = serde_json::from_slice(&v).map_err(|e| {
                    ConflictableTransactionError::Abort(Abort::Corrupt {
                        tree: "stories",
                        key: r.story.clone(),
                        message: e.to_string(),
                    })
                })?;
                s.add(r);
                (s, false)
            }
            None => (StorySummary::new(r), true),
        };
        let json = to_json(&summary)?;
        stories.insert(r.story.as_bytes(), json)?;
        Ok(new)
    }

    fn apply_op(&self, t: &[TransactionalTree], op: &Op) -> TxResult<()> {
        // Every op's tree is in `op_trees` (built from the ops), so the search succeeds.
        let at = self.op_trees.binary_search(&op.tree()).unwrap_or(0);
        let tree = &t[FIRST_OP_TREE + at];
        match op {
            Op::Put { key, value, .. } => {
                tree.insert(key.as_slice(), value.as_slice())?;
            }
            Op::Delete { key, .. } => {
                tree.remove(key.as_slice())?;
            }
            Op::Add {
                tree: name,
                key,
                delta,
            } => add_counter(tree, name, key, *delta)?,
        }
        Ok(())
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> TxResult<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| ConflictableTransactionError::Abort(Abort::Encode(e.to_string())))
}

fn abort<T>(why: Abort) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(why))
}

/// `outlet \0 fingerprint (BE u64)`: the `templates` key.
pub(super) fn template_key(outlet: &str, fingerprint: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(outlet.len() + 9);
    k.extend_from_slice(outlet.as_bytes());
    k.push(0);
    k.extend_from_slice(&fingerprint.to_be_bytes());
    k
}

/// Reads a big-endian u64 counter value; `None` when it is not 8 bytes.
pub(super) fn read_counter(value: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(value).ok().map(u64::from_be_bytes)
}

/// Adds `delta` to the BE u64 counter at `key` (missing = 0, never below 0).
fn add_counter(
    tree: &TransactionalTree,
    name: &'static str,
    key: &[u8],
    delta: i64,
) -> TxResult<()> {
    let current = match tree.get(key)? {
        None => 0,
        Some(v) => match read_counter(&v) {
            Some(n) => n,
            None => {
                return abort(Abort::Corrupt {
                    tree: name,
                    key: String::from_utf8_lossy(key).replace('\0', "/"),
                    message: format!("a counter of {} bytes instead of 8", v.len()),
                })
            }
        },
    };
    let next = if delta >= 0 {
        current.saturating_add(delta.unsigned_abs())
    } else {
        current.saturating_sub(delta.unsigned_abs())
    };
    tree.insert(key, &next.to_be_bytes())?;
    Ok(())
}

/// See [`Store::add_alias`].
pub(super) fn add_alias(store: &Store, url: &str, id: &str) -> Result<bool, StoreError> {
    let doing = format!("adding alias {url} of article {id}");
    let trees = (&store.articles, &store.urls);
    let result = trees.transaction(|(articles, urls)| {
        if urls.get(url.as_bytes())?.is_some() {
            return Ok(false);
        }
        let Some(value) = articles.get(id.as_bytes())? else {
            return Ok(false);
        };
        let mut record: StoredArticle = serde_json::from_slice(&value).map_err(|e| {
            ConflictableTransactionError::Abort(Abort::Corrupt {
                tree: "articles",
                key: id.to_string(),
                message: e.to_string(),
            })
        })?;
        record.aliases.push(url.to_string());
        let json = to_json(&record)?;
        articles.insert(id.as_bytes(), json)?;
        urls.insert(url.as_bytes(), id.as_bytes())?;
        Ok(true)
    });
    match result {
        Ok(true) => store.flush().map(|_| true),
        Ok(false) => Ok(false),
        Err(TransactionError::Storage(e)) => Err(store.sled_error(&doing, e)),
        Err(TransactionError::Abort(a)) => Err(abort_error(store, &doing, a)),
    }
}
