//! Clustering: places each article in a story.
//!
//! Two tiers: copies (the same text, exactly or nearly) and stories (different reports of
//! one event). Runs after `boilerplate`. No I/O: the state it reads and grows is behind
//! [`State`], kept in memory for `newsfold cluster` and in sled for `ingest`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// One article as the clusterer sees it.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// A unique id.
    pub id: String,
    /// The headline.
    pub title: Option<String>,
    /// The body, paragraphs separated by `\n`.
    pub text: String,
    /// Publication date.
    pub date: Option<DateTime<Utc>>,
    /// Source URL.
    pub url: Option<String>,
    /// Language code.
    pub lang: Option<String>,
    /// Outlet name.
    pub outlet: Option<String>,
}

/// Where an article went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The story id.
    pub story: String,
    /// The article it is a copy of, if any.
    pub copy_of: Option<String>,
    /// The article opened a new story.
    pub new_story: bool,
}

/// The hex sha2 of the normalised body: equal for copies of one text.
pub fn body_hash(text: &str) -> String {
    let norm: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let digest = Sha256::digest(norm.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The clusterer's memory (TODO(cluster helper): trait with in-memory and sled versions).
#[derive(Debug, Default)]
pub struct State {
    by_hash: HashMap<String, (String, String)>,
}

/// Assigns `doc` to a story, growing `state`.
pub fn assign(state: &mut State, doc: &Doc) -> Assignment {
    let hash = body_hash(&doc.text);
    if let Some((orig, story)) = state.by_hash.get(&hash) {
        return Assignment {
            story: story.clone(),
            copy_of: Some(orig.clone()),
            new_story: false,
        };
    }
    let story = format!("s-{}", doc.id);
    state.by_hash.insert(hash, (doc.id.clone(), story.clone()));
    Assignment {
        story,
        copy_of: None,
        new_story: true,
    }
}
