//! Clustering: places each article in a story.
//!
//! Runs after `boilerplate`, before the store. Two tiers: copies (the same text, exactly
//! or nearly: [`copies`]) and stories (different reports of one event: [`stories`]), over
//! features that tell events apart ([`features`], [`dates`]). No I/O: [`assign`] reads a
//! [`State`] and returns the [`Changes`] one article makes; the offline command applies
//! them to a [`MemoryState`], `ingest` turns them into store ops
//! (`crate::store::cluster_state::ops`) inside the article's transaction. One pass, one
//! article at a time; then, once every article is in, [`refine`] settles the stories from
//! the state alone. Both steps read only the state, so the offline command and `ingest`
//! agree.

pub mod copies;
pub mod dates;
pub mod features;
mod pick;
pub mod refine;
pub mod state;
pub mod stories;
pub mod words;

use chrono::{DateTime, Datelike, Utc};

pub use pick::representative_title;
pub use state::{Changes, DocRecord, MemoryState, RefineTerms, State, StateError};
pub use stories::StoryProfile;

use features::FeatureWeights;

/// One article as the clusterer sees it.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// A unique id (opaque: its shape is never read).
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

/// The clusterer's settings: one configuration for every input.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Feature weights.
    pub weights: FeatureWeights,
    /// Minimum cosine to join a story.
    pub threshold: f32,
    /// A dated article further than this (days) from a story's dated span, naming no day
    /// within it (see `stories::in_window`), is discounted by `far_factor`.
    pub window_days: i32,
    /// Similarity factor for a story outside the window: it is still compared, and a
    /// strong match joins it (ECB+ dates drift by months and years from the event).
    pub far_factor: f32,
    /// Similarity factor when only one side (article or story) has a date (an undated
    /// article that writes a date in a year of the story's span counts as dated): the
    /// score must clear the threshold after it. Strict: on arrival such an article joins
    /// only a story it matches very closely, and the rounds, which see whole stories,
    /// move it later if it belongs (`refine_undated_factor`). `ingest` dates every
    /// article (its fetch time when the page gives none), so this is for offline input.
    pub undated_factor: f32,
    /// The milder factor for the same case when candidates are ranked (see `pick`).
    pub undated_rank_factor: f32,
    /// Similarity factor when the article and the story name event days far apart.
    pub day_conflict_factor: f32,
    /// The document count used for idf is at least this (early articles of a stream
    /// would otherwise see every term as common).
    pub min_docs_for_idf: f32,
    /// Terms of an article looked up in, and added to, the index.
    pub key_terms: usize,
    /// Stories kept per index term (the most recently added). The cap bounds the votes
    /// tallied per article; stories of other times that share a place or a person fill
    /// a list, so a small cap loses an event's story when the articles come out of time
    /// order (the 1M synthetic stream shuffled: pair F1 0.901 at 32, 0.947 at 64, 0.960
    /// at 128; in publication order 0.9708, 0.9726, 0.9748; about 1 % more time at 64, more
    /// at 128; ECB+ the same at all three; `scripts/bench_cluster.md`, twentieth session).
    pub postings_cap: usize,
    /// Terms kept per story profile.
    pub story_terms: usize,
    /// Candidate stories compared in full: those that share the most key-term weight
    /// with the article. The ranking is a good judge: with more, a story that shares
    /// more common words but fewer rare ones wins more often than it should.
    pub candidates: usize,
    /// Share of the anchor cosine (names, figures, days) in the similarity.
    pub anchor_mix: f32,
    /// An anchor cosine under this vetoes the match (see `StoryProfile` scoring).
    pub anchor_floor: f32,
    /// Similarity to a story of `n` reports is raised by `1 + young_boost / n`.
    pub young_boost: f32,
    /// Terms of each article kept for the refinement rounds (its heaviest).
    pub refine_terms: usize,
    /// Refinement rounds after the one pass (0: the one-pass stories are final).
    pub refine_rounds: usize,
    /// Heaviest terms of an article that find its candidate stories in the rounds.
    pub refine_keys: usize,
    /// Stories kept per such term in the rounds (those of its latest reports; 1 to 64).
    pub refine_per_term: usize,
    /// Candidate stories scored in full per report in the rounds (its own besides).
    pub refine_candidates: usize,
    /// Minimum score to move to another story in the rounds.
    pub refine_threshold: f32,
    /// In the rounds, the factor on a score when only one side (the report, or the
    /// story's other reports) is dated. Milder than `undated_factor`: the rounds compare
    /// with whole stories, whose centroids are surer than a profile built on arrival.
    pub refine_undated_factor: f32,
    /// After the rounds, two stories merge when one story's reports match the other
    /// story this well on average (see `refine::merge::story_merges`).
    pub merge_threshold: f32,
    /// Two stories whose shares of dated reports differ by more than this do not merge:
    /// a story of undated reports and one of dated reports tell two events more often
    /// than one (see `refine::merge::story_merges`).
    pub merge_dating_gap: f32,
    /// In the rounds, a report that matches its own story under this and no other at
    /// the threshold leaves for a story of its own.
    pub leave_floor: f32,
    /// Before the rounds, each report's key terms are weighed against its neighbours:
    /// the reports sharing the most key terms with it, this many (see
    /// `refine::contrast`; 0: no weighing).
    pub contrast_neighbours: usize,
    /// A key term that every neighbour also has as a key term loses this share of its
    /// weight in the report (a topic's common words count less than what sets one event
    /// apart).
    pub contrast_strength: f32,
    /// After the rounds, a story is cut in two when its halves match each other under
    /// this (the better direction's mean score; see `refine::split`; 0: no cuts).
    pub split_threshold: f32,
    /// Reports each half of a cut needs at least.
    pub split_min_half: usize,
    /// Passes of cuts and merges once the rounds settle: each cuts the stories that hold
    /// two events, lets the rounds settle, merges the pieces of one event and lets them
    /// settle again; passes after the first look for cuts in the stories the last pass
    /// merged or cut (a piece that held a report of another event; a half that still
    /// holds two events). Stops early when a pass neither cuts nor merges.
    pub refine_passes: usize,
    /// Development only: print every candidate comparison as a JSON line on stderr
    /// (`NF_TUNE="explain=1"` on `newsfold cluster`). Off in every real run.
    pub explain: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            weights: FeatureWeights::default(),
            threshold: 0.2,
            window_days: 45,
            far_factor: 0.6,
            undated_factor: 0.35,
            undated_rank_factor: std::f32::consts::FRAC_1_SQRT_2,
            day_conflict_factor: 0.5,
            min_docs_for_idf: 300.0,
            key_terms: 16,
            postings_cap: 64,
            story_terms: 96,
            candidates: 4,
            anchor_mix: 0.5,
            anchor_floor: 0.15,
            young_boost: 0.2,
            refine_terms: 48,
            refine_rounds: 6,
            refine_keys: 12,
            refine_per_term: 4,
            refine_candidates: 3,
            leave_floor: 0.15,
            refine_threshold: 0.27,
            refine_undated_factor: 0.8,
            merge_threshold: 0.22,
            contrast_neighbours: 20,
            contrast_strength: 0.6,
            merge_dating_gap: 0.7,
            split_threshold: 0.16,
            split_min_half: 3,
            refine_passes: 3,
            explain: false,
        }
    }
}

/// The hex sha2 of the normalised body: equal for copies of one text.
pub fn body_hash(text: &str) -> String {
    copies::body_digest(text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Places `doc`: reads `state`, returns where the article goes and what it changes.
/// The caller applies the changes before the next article.
pub fn assign<S: State>(
    state: &S,
    doc: &Doc,
    config: &Config,
) -> Result<(Assignment, Changes), StateError> {
    let published = doc.date.map(|d| d.date_naive());
    let has_body = doc.text.split_whitespace().next().is_some();
    let digest = has_body.then(|| copies::body_digest(&doc.text));
    let exact = pick::find_exact_copy(state, digest.as_ref())?;
    if let (Some(found), Some(day)) = (&exact, published) {
        // A dated exact copy needs no features: no terms, no dates from the text.
        let day = Some(day.num_days_from_ce());
        return pick::copy_changes(state, doc, found, digest, day);
    }
    let feats = features::features(doc.title.as_deref(), &doc.text, published, &config.weights);
    // No publication date: the first full date of the latest year the text dates, else
    // the month its URL names.
    let day = published
        .or(feats.mentions.text_day)
        .or_else(|| doc.url.as_deref().and_then(dates::url_month))
        .map(|d| d.num_days_from_ce());
    let found = match exact {
        Some(found) => Some(found),
        None => pick::find_near_copy(state, &feats.sketch)?,
    };
    if let Some(found) = found {
        return pick::copy_changes(state, doc, &found, digest, day);
    }
    pick::story_changes(state, doc, &feats, digest, day, config)
}

/// Places `doc` in an in-memory state and applies the changes.
pub fn assign_in_memory(
    state: &mut MemoryState,
    doc: &Doc,
    config: &Config,
) -> Result<Assignment, StateError> {
    let (assignment, changes) = assign(state, doc, config)?;
    state.apply(changes);
    Ok(assignment)
}

/// Days since the common era of a date, as story spans store them.
pub fn day_number(date: DateTime<Utc>) -> i32 {
    date.date_naive().num_days_from_ce()
}
