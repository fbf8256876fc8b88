//! The sled store (TODO(store helper): trees, key layout, schema version, lock).
//!
//! Stages that keep state in the store (cluster, boilerplate templates) describe their
//! writes as [`Op`]s; the store applies an article's ops together with the article itself
//! in one transaction, so a killed run leaves all of an article or none of it.

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
