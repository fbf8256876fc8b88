//! The sled store: everything `ingest` keeps between runs, in one directory.
//!
//! Written by `ingest` and `fetch --save`, read by `dump` and `check`. One process at a
//! time holds it (see [`Access`]); an article and everything that belongs with it (indexes,
//! story summary, template counters, the cluster stage's [`Op`]s) is written in one sled
//! transaction and flushed before [`Store::commit_article`] returns, so a killed run leaves
//! all of an article or none of it, and keeps every article it reported as stored.
//!
//! # Layout
//!
//! | tree        | key                                   | value                                      |
//! |-------------|---------------------------------------|--------------------------------------------|
//! | `articles`  | article id (16 hex, [`article_id`])   | [`StoredArticle`] as JSON                  |
//! | `urls`      | URL (canonical, fetched, aliases)     | article id                                 |
//! | `hashes`    | body hash (`cluster::body_hash`, hex) | id of the first article with that body     |
//! | `stories`   | story id                              | [`StorySummary`] as JSON                   |
//! | `templates` | outlet `\0` fingerprint (BE u64)      | articles of the outlet with it (BE u64)    |
//! | `state`     | namespace `\0` key                    | JSON ([`Store::put_state`]): feed HTTP state ([`FEED_STATE`]), robots cache |
//! | `meta`      | `schema`                              | schema version (BE u32), [`SCHEMA_VERSION`] |
//! | `meta`      | `articles`, `copies`, `stories`       | counts (BE u64), kept in each transaction  |
//! | `meta`      | `refined`                             | cluster articles the stories' refinement covers (BE u64, `refined.rs`) |
//!
//! Any other tree belongs to a stage that writes it through [`Op`]s (the cluster stage's
//! trees; its reader is `store::cluster_state` over [`Store::db`]). Ops may not name the
//! store's own trees above.
//!
//! The lock file `newsfold.lock` sits beside sled's files (see `lock.rs`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::Tree;

mod check;
mod commit;
mod error;
mod lock;
mod record;
mod refined;
mod templates;
mod views;

pub use check::{CheckReport, FeedStatus};
pub use error::{Holder, StoreError};
pub use lock::LOCK_FILE;
pub use record::{article_id, CommitOutcome, StoredArticle, StorySummary};
pub use templates::TemplateView;
pub use views::{ReportView, StoryFilter, StoryView};

/// The schema version this build reads and writes.
///
/// History: 1, the first; 2, the cluster stage's term ids changed (names, figures and dates
/// gained anchor twins), so a schema-1 store's document frequencies and term index would be
/// read wrong.
pub const SCHEMA_VERSION: u32 = 2;

/// The `state` namespace of feed HTTP state; `check` reads the `last_success`,
/// `last_failure` (RFC 3339 strings), `failures` (number) and `last_error` (string) fields
/// of each value, keyed by feed URL, when present.
pub const FEED_STATE: &str = "feed";

/// The trees the store itself writes; [`Op`]s may not touch them.
pub const STORE_TREES: [&str; 7] = [
    "articles",
    "urls",
    "hashes",
    "stories",
    "templates",
    "meta",
    "state",
];

/// How to wait for a store another process holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Fail at once with [`StoreError::Busy`] (`ingest`: a run is already going).
    Exclusive,
    /// Poll for up to this long, then fail with [`StoreError::Busy`] (`dump`, `check`,
    /// `fetch --save`).
    Wait(Duration),
}

pub mod cluster_state;

/// One write to a named tree, applied inside an article's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Set `key` to `value`.
    Put {
        /// Tree name.
        tree: &'static str,
        /// Key bytes.
        key: Vec<u8>,
        /// Value bytes.
        value: Vec<u8>,
    },
    /// Remove `key`.
    Delete {
        /// Tree name.
        tree: &'static str,
        /// Key bytes.
        key: Vec<u8>,
    },
    /// Add `delta` to the big-endian u64 counter at `key` (missing = 0, floor 0).
    Add {
        /// Tree name.
        tree: &'static str,
        /// Key bytes.
        key: Vec<u8>,
        /// Amount.
        delta: i64,
    },
}

impl Op {
    /// The tree the op writes.
    pub fn tree(&self) -> &'static str {
        match self {
            Op::Put { tree, .. } | Op::Delete { tree, .. } | Op::Add { tree, .. } => tree,
        }
    }
}

/// An open store. Holds the lock until dropped.
pub struct Store {
    db: sled::Db,
    articles: Tree,
    urls: Tree,
    hashes: Tree,
    stories: Tree,
    templates: Tree,
    meta: Tree,
    state: Tree,
    path: PathBuf,
    // Last field: dropped after sled, so the lock outlives every write.
    _lock: lock::StoreLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// How long to retry sled's own lock once ours is held: only a store we just closed in
/// this process (sled's threads still winding down) or a foreign program can hold it.
const SLED_LOCK_GRACE: Duration = Duration::from_secs(2);

impl Store {
    /// Opens (creating if needed) the store in `dir`, taking its lock as `access` says.
    pub fn open(dir: &Path, access: Access) -> Result<Store, StoreError> {
        let lock = lock::acquire(dir, access)?;
        let db = open_sled(dir)?;
        let tree = |name: &str| {
            db.open_tree(name).map_err(|source| StoreError::Sled {
                path: dir.to_path_buf(),
                doing: format!("opening tree {name}"),
                source,
            })
        };
        let store = Store {
            articles: tree("articles")?,
            urls: tree("urls")?,
            hashes: tree("hashes")?,
            stories: tree("stories")?,
            templates: tree("templates")?,
            meta: tree("meta")?,
            state: tree("state")?,
            db,
            path: dir.to_path_buf(),
            _lock: lock,
        };
        store.check_schema()?;
        Ok(store)
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sled database, for the cluster stage's sled state (`store::cluster_state`),
    /// which reads its own trees directly and writes them only through [`Op`]s given to
    /// [`Store::commit_article`]. Do not write the trees of [`STORE_TREES`] through it.
    pub fn db(&self) -> &sled::Db {
        &self.db
    }

    /// True when an article is stored under this URL (canonical, fetched or alias).
    pub fn contains_url(&self, url: &str) -> Result<bool, StoreError> {
        self.urls
            .contains_key(url.as_bytes())
            .map_err(|e| self.sled_error("looking up a url", e))
    }

    /// The id of the article stored under this URL, if any.
    pub fn id_for_url(&self, url: &str) -> Result<Option<String>, StoreError> {
        let value = self
            .urls
            .get(url.as_bytes())
            .map_err(|e| self.sled_error("looking up a url", e))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// The id of the first article stored with this body hash, if any.
    pub fn id_for_hash(&self, body_hash: &str) -> Result<Option<String>, StoreError> {
        let value = self
            .hashes
            .get(body_hash.as_bytes())
            .map_err(|e| self.sled_error("looking up a body hash", e))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// The stored article with this id.
    pub fn article(&self, id: &str) -> Result<Option<StoredArticle>, StoreError> {
        let value = self
            .articles
            .get(id.as_bytes())
            .map_err(|e| self.sled_error("reading an article", e))?;
        value
            .map(|v| self.decode("articles", id.as_bytes(), &v))
            .transpose()
    }

    /// Records `url` as another address of stored article `id`. Returns false (and
    /// changes nothing) when the URL already leads to an article or `id` is not stored.
    pub fn add_alias(&self, url: &str, id: &str) -> Result<bool, StoreError> {
        commit::add_alias(self, url, id)
    }

    /// Reads the JSON value stored under `namespace`/`key` in the `state` tree.
    pub fn get_state<T: DeserializeOwned>(
        &self,
        namespace: &str,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let k = state_key(namespace, key);
        let value = self
            .state
            .get(&k)
            .map_err(|e| self.sled_error("reading state", e))?;
        value.map(|v| self.decode("state", &k, &v)).transpose()
    }

    /// Stores `value` as JSON under `namespace`/`key` in the `state` tree, flushed to disk
    /// before returning.
    pub fn put_state<T: Serialize>(
        &self,
        namespace: &str,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_vec(value).map_err(|e| StoreError::Invalid {
            path: self.path.clone(),
            message: format!("encoding state {namespace}/{key}: {e}"),
        })?;
        self.state
            .insert(state_key(namespace, key), json)
            .map_err(|e| self.sled_error("writing state", e))?;
        self.flush()
    }

    /// Every key and JSON value of one `state` namespace, in key order.
    pub fn state_entries(
        &self,
        namespace: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let prefix = state_key(namespace, "");
        let mut out = Vec::new();
        for item in self.state.scan_prefix(&prefix) {
            let (k, v) = item.map_err(|e| self.sled_error("reading state", e))?;
            let key = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            out.push((key, self.decode("state", &k, &v)?));
        }
        Ok(out)
    }

    /// The outlet template counters, as the boilerplate stage reads them.
    pub fn templates(&self) -> TemplateView<'_> {
        TemplateView::new(&self.templates)
    }

    /// Stores `record` with its index entries, story summary and template counters, and
    /// applies the cluster stage's `ops`, all in one transaction, then flushes. An article
    /// whose canonical URL is stored already is left alone ([`CommitOutcome::AlreadyStored`]).
    pub fn commit_article(
        &self,
        record: &StoredArticle,
        ops: &[Op],
    ) -> Result<CommitOutcome, StoreError> {
        commit::commit_article(self, record, ops)
    }

    /// Writes everything to disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db
            .flush()
            .map(|_| ())
            .map_err(|e| self.sled_error("flushing", e))
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let found = self
            .meta
            .get(b"schema")
            .map_err(|e| self.sled_error("reading the schema version", e))?;
        let unknown = |found: String| StoreError::SchemaUnknown {
            path: self.path.clone(),
            found,
            supported: SCHEMA_VERSION,
        };
        match found {
            None if self.articles.is_empty() && self.stories.is_empty() => {
                self.meta
                    .insert(b"schema", &SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| self.sled_error("writing the schema version", e))?;
                self.flush()
            }
            None => Err(unknown("no schema version key".into())),
            Some(v) => match <[u8; 4]>::try_from(v.as_ref()).map(u32::from_be_bytes) {
                Ok(SCHEMA_VERSION) => Ok(()),
                Ok(found) if found > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
                    path: self.path.clone(),
                    found,
                    supported: SCHEMA_VERSION,
                }),
                Ok(found) if found >= 1 => Err(StoreError::SchemaTooOld {
                    path: self.path.clone(),
                    found,
                    supported: SCHEMA_VERSION,
                }),
                Ok(found) => Err(unknown(format!("schema version {found}"))),
                Err(_) => Err(unknown(format!("a schema value of {} bytes", v.len()))),
            },
        }
    }

    fn sled_error(&self, doing: &str, source: sled::Error) -> StoreError {
        StoreError::Sled {
            path: self.path.clone(),
            doing: doing.to_string(),
            source,
        }
    }

    fn decode<T: DeserializeOwned>(
        &self,
        tree: &str,
        key: &[u8],
        value: &[u8],
    ) -> Result<T, StoreError> {
        serde_json::from_slice(value).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            tree: tree.to_string(),
            key: String::from_utf8_lossy(key).replace('\0', "/"),
            message: e.to_string(),
        })
    }
}

/// `namespace \0 key`.
fn state_key(namespace: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(namespace.len() + 1 + key.len());
    k.extend_from_slice(namespace.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

/// Opens sled in `dir`, our lock being held. sled takes its own lock on its `db` file;
/// when that fails the holder is a store closed a moment ago in this process or a foreign
/// program, so retry briefly, then report it as busy.
fn open_sled(dir: &Path) -> Result<sled::Db, StoreError> {
    let started = Instant::now();
    loop {
        match sled::Config::new().path(dir).open() {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                if started.elapsed() >= SLED_LOCK_GRACE {
                    return Err(StoreError::Busy {
                        path: dir.to_path_buf(),
                        holder: Holder::default(),
                        waited: Some(started.elapsed()),
                    });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(source) => {
                return Err(StoreError::Sled {
                    path: dir.to_path_buf(),
                    doing: "opening".into(),
                    source,
                })
            }
        }
    }
}
