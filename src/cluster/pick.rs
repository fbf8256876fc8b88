//! Choosing where an article goes: its original (for a copy) or its story.
//!
//! Reads the [`State`], returns [`Changes`]. Candidates come from the index of rare
//! terms (postings capped per term), never from a scan of every story, so the cost per
//! article stays flat as the state grows; a story outside the article's time window
//! must match more strongly (`Config::far_factor`). A story of few reports gets a small boost (its profile is one report,
//! not a centroid, and report-to-report cosines run lower). When only one side has a
//! date, the score must clear the threshold after the full undated discount, but
//! candidates are ranked with a milder one: an undated report goes to the story it is
//! most like, not to whichever story happens to be undated too.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use chrono::Datelike;

use super::copies::Sketch;
use super::features::Features;
use super::state::{Changes, DocRecord, IdHasher, RefineTerms, State, StateError};
use super::stories::{self, StoryProfile, Weighted};
use super::{Assignment, Config, Doc};

/// An earlier article this one copies.
pub struct FoundCopy {
    number: u64,
    exact: bool,
}

/// The earlier article with the same body digest, if any.
pub fn find_exact_copy<S: State>(
    state: &S,
    digest: Option<&[u8; 32]>,
) -> Result<Option<FoundCopy>, StateError> {
    let Some(digest) = digest else {
        return Ok(None);
    };
    Ok(state.doc_by_digest(digest)?.map(|number| FoundCopy {
        number,
        exact: true,
    }))
}

/// A verified near copy: same band, most equal sketch slots; ties to the earliest article.
pub fn find_near_copy<S: State>(
    state: &S,
    sketch: &Sketch,
) -> Result<Option<FoundCopy>, StateError> {
    if !sketch.usable() {
        return Ok(None);
    }
    let mut best: Option<(usize, u64)> = None;
    for key in sketch.band_keys() {
        let Some(number) = state.doc_by_band(key)? else {
            continue;
        };
        let Some(record) = state.doc(number)? else {
            continue;
        };
        let other = Sketch {
            slots: record.sketch,
            shingles: u32::MAX,
            figures: record.figures,
        };
        if !sketch.near_copy_of(&other) {
            continue;
        }
        let equal = sketch.equal_slots(&other);
        if best.is_none_or(|(e, n)| equal > e || (equal == e && number < n)) {
            best = Some((equal, number));
        }
    }
    Ok(best.map(|(_, number)| FoundCopy {
        number,
        exact: false,
    }))
}

/// The changes of a copy: it joins its original's story; terms and index stay as they are.
/// Its record keeps its original's sketch: a sketch is read only through the band index,
/// which names originals alone, so a copy needs none of its own (an exact copy's would
/// be the same words' anyway).
pub fn copy_changes<S: State>(
    state: &S,
    doc: &Doc,
    found: &FoundCopy,
    digest: Option<[u8; 32]>,
    day: Option<i32>,
) -> Result<(Assignment, Changes), StateError> {
    let missing = || {
        StateError(format!(
            "article {} named by the index is missing",
            found.number
        ))
    };
    let original = state.doc(found.number)?.ok_or_else(missing)?.into_owned();
    let mut story = state
        .story(original.story)?
        .ok_or_else(|| StateError(format!("story {} is missing", original.story)))?
        .into_owned();
    story.reports += 1;
    stories::extend_span(&mut story, day);
    let root = original.copy_of.clone().unwrap_or(original.id.clone());
    let assignment = Assignment {
        story: story.id.clone(),
        copy_of: Some(root.clone()),
        new_story: false,
    };
    let changes = Changes {
        doc_number: state.docs()?,
        doc: DocRecord {
            id: doc.id.clone(),
            story: original.story,
            copy_of: Some(root),
            sketch: original.sketch,
            figures: original.figures,
            refine: RefineTerms {
                day,
                ..RefineTerms::default()
            },
        },
        digest: if found.exact { None } else { digest },
        bands: Vec::new(),
        df_terms: Vec::new(),
        story_number: original.story,
        story,
        new_story: false,
        postings: Vec::new(),
    };
    Ok((assignment, changes))
}

/// Inverse document frequencies of one article's placement: read from the state in
/// batches ([`DfCache::read`]), and cached for the profiles that keep no norms.
struct DfCache {
    idf: HashMap<u64, f32, BuildHasherDefault<IdHasher>>,
    docs_for_idf: f32,
}

impl DfCache {
    /// Reads the frequency of every term not cached yet and caches its idf.
    fn fetch<S: State>(&mut self, state: &S, terms: &[(u64, f32)]) -> Result<(), StateError> {
        let missing: Vec<u64> = terms
            .iter()
            .map(|(term, _)| *term)
            .filter(|term| !self.idf.contains_key(term))
            .collect();
        let idfs = self.read(state, &missing)?;
        self.idf.extend(missing.into_iter().zip(idfs));
        Ok(())
    }

    /// The idfs of `terms` from the state's document frequencies. Every frequency is
    /// read first, then the idfs computed: in a large state the reads miss the cache,
    /// and they overlap when nothing else sits between them.
    fn read<S: State>(&self, state: &S, terms: &[u64]) -> Result<Vec<f32>, StateError> {
        let dfs = terms
            .iter()
            .map(|term| state.df(*term))
            .collect::<Result<Vec<u32>, StateError>>()?;
        Ok(dfs
            .into_iter()
            .map(|df| ((self.docs_for_idf + 1.0) / (df as f32 + 1.0)).ln())
            .collect())
    }

    fn idf(&self, term: u64) -> f32 {
        self.idf
            .get(&term)
            .copied()
            .unwrap_or_else(|| (self.docs_for_idf + 1.0).ln())
    }
}

/// The changes of an article that is not a copy: it joins the best matching story, or
/// opens a new one.
pub fn story_changes<S: State>(
    state: &S,
    doc: &Doc,
    feats: &Features,
    digest: Option<[u8; 32]>,
    day: Option<i32>,
    config: &Config,
) -> Result<(Assignment, Changes), StateError> {
    let docs = state.docs()?;
    let mut cache = DfCache {
        idf: HashMap::default(),
        docs_for_idf: (docs as f32).max(config.min_docs_for_idf),
    };
    let terms: Vec<u64> = feats.terms.iter().map(|(t, _)| *t).collect();
    let weighted = Weighted::with_idf(&feats.terms, cache.read(state, &terms)?);
    let keys = stories::key_terms(&weighted, config.key_terms);
    let mut lists = Vec::with_capacity(keys.len());
    for (term, _) in &keys {
        lists.push((*term, state.postings(*term)?));
    }
    let event_days: Vec<i32> = feats
        .mentions
        .event_days
        .iter()
        .map(|d| d.num_days_from_ce())
        .collect();
    let target = Target {
        id: &doc.id,
        year: feats.mentions.latest_year,
        weighted: &weighted,
        day,
        event_days: &event_days,
    };
    let best = best_story(state, &target, &keys, &lists, config, &mut cache)?;
    let (story_number, mut story, new_story, far) = match best {
        Some((number, profile, far)) => (number, profile.into_owned(), false, far),
        None => (state.stories()?, new_profile(doc), true, false),
    };
    story.reports += u32::from(!new_story);
    if far {
        // One report from far off moves the window by one window's width at most: a
        // stray date (a misread year, an anniversary) does not stretch it over years.
        stories::extend_span_within(&mut story, day, config.window_days);
    } else {
        stories::extend_span(&mut story, day);
    }
    stories::add_event_days(&mut story, &event_days);
    let story_idf = story_idf(state, &cache, &story.terms, &feats.terms, &weighted.idf)?;
    stories::absorb(
        &mut story,
        &story_idf,
        &feats.terms,
        &weighted.idf,
        config.story_terms,
    );
    let postings = lists
        .iter()
        .filter(|(_, list)| !list.contains(&story_number))
        .map(|(term, list)| {
            let mut rewritten = Vec::with_capacity(list.len() + 1);
            rewritten.extend_from_slice(list);
            rewritten.push(story_number);
            if rewritten.len() > config.postings_cap {
                rewritten.remove(0);
            }
            (*term, rewritten)
        })
        .collect();
    let mut bands = Vec::new();
    if feats.sketch.usable() {
        for key in feats.sketch.band_keys() {
            if state.doc_by_band(key)?.is_none() && !bands.contains(&key) {
                bands.push(key);
            }
        }
    }
    let assignment = Assignment {
        story: story.id.clone(),
        copy_of: None,
        new_story,
    };
    let changes = Changes {
        doc_number: docs,
        doc: DocRecord {
            id: doc.id.clone(),
            story: story_number,
            copy_of: None,
            sketch: feats.sketch.slots,
            figures: feats.sketch.figures,
            refine: heaviest_terms(
                &feats.terms,
                &weighted,
                config.refine_terms,
                day,
                event_days,
            ),
        },
        digest,
        bands,
        df_terms: terms,
        story_number,
        story,
        new_story,
        postings,
    };
    Ok((assignment, changes))
}

/// The idf of each of a story's terms: the article's own for the terms the two share
/// (already read), the state's for the others (read together).
fn story_idf<S: State>(
    state: &S,
    cache: &DfCache,
    story: &[(u64, f32)],
    article: &[(u64, f32)],
    article_idf: &[f32],
) -> Result<Vec<f32>, StateError> {
    let mut idf = vec![0.0; story.len()];
    let mut lacking: Vec<usize> = Vec::new();
    let mut j = 0;
    for (i, (term, _)) in story.iter().enumerate() {
        while article.get(j).is_some_and(|(t, _)| t < term) {
            j += 1;
        }
        match article.get(j) {
            Some((t, _)) if t == term => idf[i] = article_idf.get(j).copied().unwrap_or(0.0),
            _ => lacking.push(i),
        }
    }
    let terms: Vec<u64> = lacking.iter().map(|i| story[*i].0).collect();
    for (i, value) in lacking.into_iter().zip(cache.read(state, &terms)?) {
        idf[i] = value;
    }
    Ok(idf)
}

/// What the refinement rounds keep of an article: the `n` terms of `terms` (tf, sorted
/// by term) that weigh most in `weighted` (the same terms, tf × idf), with their tf,
/// sorted by term (ties go to the lower term), and its days.
fn heaviest_terms(
    terms: &[(u64, f32)],
    weighted: &Weighted,
    n: usize,
    day: Option<i32>,
    event_days: Vec<i32>,
) -> RefineTerms {
    let weight = |i: usize| weighted.terms.get(i).map_or(0.0, |t| t.1);
    // The `n`-th heaviest is the last kept, found by selection; the terms are then read
    // in their own (term) order.
    let mut kept = RefineTerms {
        terms: Vec::with_capacity(n.min(terms.len())),
        tf: Vec::with_capacity(n.min(terms.len())),
        day,
        event_days,
    };
    let ranked: Vec<u128> = (0..terms.len())
        .map(|i| stories::heaviest_first(weight(i), terms[i].0))
        .collect();
    let Some(last) = stories::last_kept(ranked, n) else {
        return kept;
    };
    for (i, (term, tf)) in terms.iter().enumerate() {
        if stories::heaviest_first(weight(i), *term) <= last {
            kept.terms.push(*term);
            kept.tf.push(*tf);
        }
    }
    kept
}

fn new_profile(doc: &Doc) -> StoryProfile {
    StoryProfile {
        id: format!("s-{}", doc.id),
        reports: 1,
        first_day: None,
        last_day: None,
        terms: Vec::new(),
        event_days: Vec::new(),
        norms: [0.0; 2],
    }
}

/// The article as the story comparison sees it.
struct Target<'a> {
    id: &'a str,
    year: Option<i32>,
    weighted: &'a Weighted,
    day: Option<i32>,
    event_days: &'a [i32],
}

/// The story the article matches best above the threshold, among the candidates the
/// index gives (scored by the weight of the key terms they share).
fn best_story<'s, S: State>(
    state: &'s S,
    target: &Target,
    keys: &[(u64, f32)],
    lists: &[(u64, Cow<'_, [u64]>)],
    config: &Config,
    cache: &mut DfCache,
) -> Result<Option<(u64, Cow<'s, StoryProfile>, bool)>, StateError> {
    // The lists are copied out before they are tallied: in a large state each is a
    // cache miss, and plain copies let the misses overlap.
    let mut listed: Vec<(u64, f32)> = Vec::with_capacity(lists.len() * config.postings_cap);
    for ((_, weight), (_, list)) in keys.iter().zip(lists) {
        listed.extend(list.iter().map(|story| (*story, *weight)));
    }
    let mut votes = tally_votes(&listed, state.stories()?);
    // Most shared weight first; ties to the newer story. Deterministic. Only the head
    // is sorted at first (the candidates are nearly always found in it; with full
    // postings there are hundreds of votes), the rest if the loop gets that far.
    let order = |a: &(u64, f32), b: &(u64, f32)| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0));
    let head = votes.len().min(4 * config.candidates);
    if head < votes.len() {
        votes.select_nth_unstable_by(head, order);
    }
    votes[..head].sort_unstable_by(order);
    let first: Vec<u64> = votes.iter().take(config.candidates).map(|v| v.0).collect();
    state.warm_stories(&first);
    let mut best: Option<(f32, u64, Cow<StoryProfile>, bool)> = None;
    let mut compared = 0;
    for i in 0..votes.len() {
        if compared == config.candidates {
            break;
        }
        if i == head {
            votes[head..].sort_unstable_by(order);
        }
        let number = votes[i].0;
        let Some(profile) = state.story(number)? else {
            continue;
        };
        let day = target.day;
        // Outside the story's time window: compared, but the match must be strong.
        let far = !stories::in_window(&profile, day, target.event_days, config.window_days);
        compared += 1;
        if profile.norms[0] == 0.0 {
            cache.fetch(state, &profile.terms)?;
        }
        let mut sim = stories::cosine(target.weighted, &profile, |t| cache.idf(t))
            .score(config.anchor_mix, config.anchor_floor);
        // An undated article that writes a date in a year the story's dated span covers
        // (a dateline "05 / 02 / 2013", "June 2013") is no stranger to it in time.
        let mismatch = profile.first_day.is_some() != day.is_some()
            && !(day.is_none() && stories::year_in_span(&profile, target.year));
        if stories::days_conflict(&profile, target.event_days) {
            sim *= config.day_conflict_factor;
        }
        // A young story's profile is one or two reports, not a centroid: report-to-report
        // cosines run lower than report-to-centroid ones for the same event.
        sim *= 1.0 + config.young_boost / profile.reports.max(1) as f32;
        // A missing date is missing evidence, not evidence against: it lowers the bar
        // the story must clear more than it lowers the story's rank among candidates, so
        // an undated report is not pushed from its dated story into a weaker undated one.
        let mut rank = if mismatch {
            sim * config.undated_rank_factor
        } else {
            sim
        };
        if mismatch {
            sim *= config.undated_factor;
        }
        if far {
            sim *= config.far_factor;
            rank *= config.far_factor;
        }
        if config.explain {
            cache.fetch(state, &profile.terms)?;
            explain(target, &profile, number, sim, rank, mismatch, config, cache);
        }
        if sim >= config.threshold && best.as_ref().is_none_or(|(s, _, _, _)| rank > *s) {
            best = Some((rank, number, profile, far));
        }
    }
    Ok(best.map(|(_, number, profile, far)| (number, profile, far)))
}

thread_local! {
    /// [`tally_votes`]' sums by story number, kept between articles: `NO_VOTE` where no
    /// vote is counted.
    static VOTE_SUMS: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// An empty sum: negative zero, which adding a weight turns into exactly that weight,
/// and which no sum can be once a weight is added (a float sum is -0.0 only when both
/// sides are, and a weight, tf × idf with idf a logarithm, is never -0.0).
const NO_VOTE: f32 = -0.0;

/// Each story's summed weight over `listed` (story, weight), in the order the stories
/// first appear; story numbers from `stories` up are left out (a state has no such
/// story). The sums sit in an array by story number, reused from one article to the
/// next and cleared after each: the thousand or so votes of an article in a large state
/// cost one add each, where a map built per article spent more on hashing, probing and
/// its own allocation than on the sums. In a large state each read of the array misses
/// the cache; the loop has no branch on what it reads (a new story's slot is written
/// whether it is kept or not), so the misses overlap instead of waiting one by one
/// behind mispredicted branches.
fn tally_votes(listed: &[(u64, f32)], stories: u64) -> Vec<(u64, f32)> {
    VOTE_SUMS.with_borrow_mut(|sums| {
        let stories = usize::try_from(stories).unwrap_or(usize::MAX);
        let mut votes: Vec<(u64, f32)> = vec![(0, 0.0); listed.len()];
        let mut found = 0;
        for &(story, weight) in listed {
            let Some(at) = usize::try_from(story).ok().filter(|s| *s < stories) else {
                continue;
            };
            // Grown to the numbers the lists hold, not to the state's count of stories.
            if at >= sums.len() {
                sums.resize(at + 1, NO_VOTE);
            }
            let Some(sum) = sums.get_mut(at) else {
                continue;
            };
            if let Some(slot) = votes.get_mut(found) {
                *slot = (story, 0.0);
            }
            found += usize::from(sum.to_bits() == NO_VOTE.to_bits());
            *sum += weight;
        }
        votes.truncate(found);
        for (story, total) in &mut votes {
            if let Some(sum) = sums.get_mut(*story as usize) {
                *total = *sum;
                *sum = NO_VOTE;
            }
        }
        votes
    })
}

/// Development only ([`Config::explain`]): one JSON line on stderr per comparison, with
/// the signals an analysis of the decisions needs.
#[allow(clippy::too_many_arguments)]
fn explain(
    target: &Target,
    profile: &StoryProfile,
    number: u64,
    sim: f32,
    rank: f32,
    mismatch: bool,
    config: &Config,
    cache: &DfCache,
) {
    let s = stories::cosine(target.weighted, profile, |t| cache.idf(t));
    let x = stories::explain_signals(target.weighted, profile, |t| cache.idf(t));
    let line = serde_json::json!({
        "doc": target.id,
        "story": profile.id,
        "number": number,
        "reports": profile.reports,
        "all": s.all,
        "anchors": s.anchors,
        "sim": sim,
        "rank": rank,
        "pass": sim >= config.threshold,
        "mismatch": mismatch,
        "doc_dated": target.day.is_some(),
        "story_dated": profile.first_day.is_some(),
        "year": target.year,
        "year_in_span": stories::year_in_span(profile, target.year),
        "gap": stories::gap_days(profile, target.day),
        "conflict": stories::days_conflict(profile, target.event_days),
        "doc_days": target.event_days,
        "story_days": profile.event_days,
        "day": target.day,
        "span": [profile.first_day, profile.last_day],
        "x": x,
    });
    eprintln!("{line}");
}

/// A title that represents a story: the one sharing most words with the others
/// (mean Jaccard over folded content words), the earliest on ties. `None` when no title
/// has a word.
pub fn representative_title(titles: &[&str]) -> Option<String> {
    use super::words::{fold_word, is_stop, Tokens};
    let mut folded = String::new();
    let sets: Vec<Vec<String>> = titles
        .iter()
        .map(|title| {
            let mut words: Vec<String> = Tokens::new(title)
                .filter_map(|t| {
                    fold_word(t.text, &mut folded);
                    (!is_stop(&folded)).then(|| folded.clone())
                })
                .collect();
            words.sort_unstable();
            words.dedup();
            words
        })
        .collect();
    let jaccard = |a: &[String], b: &[String]| {
        let shared = a.iter().filter(|w| b.binary_search(w).is_ok()).count();
        let union = a.len() + b.len() - shared;
        if union == 0 {
            0.0
        } else {
            shared as f64 / union as f64
        }
    };
    let mut best: Option<(f64, usize)> = None;
    for (i, set) in sets.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let score: f64 = sets
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, o)| jaccard(set, o))
            .sum();
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, i));
        }
    }
    best.map(|(_, i)| titles[i].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{assign_in_memory, MemoryState};
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn votes_sum_by_story_in_first_vote_order_and_leave_nothing_behind() {
        // Story 9 is beyond the state's stories (a list naming one it lacks): no vote.
        let listed = [(3, 0.5), (1, 1.0), (3, 0.25), (9, 4.0), (0, 2.0), (1, 0.5)];
        let expected = vec![(3, 0.75), (1, 1.5), (0, 2.0)];
        assert_eq!(tally_votes(&listed, 5), expected);
        // The sums were cleared: the next article's tally starts from nothing.
        assert_eq!(tally_votes(&listed, 5), expected);
        assert_eq!(tally_votes(&[(1, 0.125)], 5), vec![(1, 0.125)]);
        // A state with more stories now: the new numbers count.
        assert_eq!(tally_votes(&[(9, 4.0)], 10), vec![(9, 4.0)]);
        // Weights of zero (a term in every article has idf 0): the story still gets one
        // vote, once, and its sum is a plain zero.
        let zeros = tally_votes(&[(4, 0.0), (4, 0.0), (2, 0.5)], 5);
        assert_eq!(zeros, vec![(4, 0.0), (2, 0.5)]);
        assert!(zeros[0].1.is_sign_positive());
    }

    fn doc(id: &str, text: &str, dated: bool) -> Doc {
        let day = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap_or_default();
        Doc {
            id: id.into(),
            text: text.into(),
            date: dated
                .then(|| Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).unwrap_or_default())),
            ..Doc::default()
        }
    }

    fn on(id: &str, text: &str, ymd: &str) -> Doc {
        let day = NaiveDate::parse_from_str(ymd, "%Y-%m-%d").unwrap_or_default();
        Doc {
            date: Some(Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).unwrap_or_default())),
            ..doc(id, text, false)
        }
    }

    #[test]
    fn a_strong_match_outside_the_window_joins_and_moves_it_one_width() {
        // Lowercase words only (no anchors, no days): the score is the word cosine.
        let first = "ferry capsized harbour crew rescued divers searched cargo hold tide dawn";
        // Ten of its words in another order, 200 days later: a follow-up of the event.
        let strong = "divers searched ferry hold cargo capsized harbour crew rescued tide inquiry";
        // Three of its words: another event of the kind.
        let weak = "ferry capsized harbour storm pier fishermen lifeboat coastguard radio swell";
        let mut state = MemoryState::new();
        let config = Config::default();
        let mut story = |d: Doc| {
            assign_in_memory(&mut state, &d, &config)
                .map(|a| a.story)
                .unwrap_or_default()
        };
        let a = story(on("a", first, "2024-01-10"));
        assert_eq!(
            story(on("b", strong, "2024-07-28")),
            a,
            "200 days on, strong"
        );
        assert_ne!(story(on("c", weak, "2024-07-28")), a, "200 days on, weak");
        let profile = state.story(0).ok().flatten().map(|p| p.into_owned());
        let span = profile.map(|p| (p.first_day, p.last_day));
        let day = |ymd: &str| {
            NaiveDate::parse_from_str(ymd, "%Y-%m-%d")
                .ok()
                .map(|d| d.num_days_from_ce())
        };
        assert_eq!(
            span,
            Some((day("2024-01-10"), day("2024-02-24"))),
            "the span grew by one window (45 days), not to July"
        );
    }

    #[test]
    fn an_undated_report_joins_the_story_it_is_most_like_not_the_undated_one() {
        // Lowercase words only (no anchors): the score is the cosine over words. The
        // third report shares six words with the dated story and four with the undated
        // one: 0.6 × 0.5 (missing date) would lose to 0.4 if ranking used the full
        // discount.
        let dated = "ferry capsized harbour crew rescued divers searched cargo tide dawn";
        let undated = "parliament budget vote minister tax pension reform debate deficit union";
        let third = "ferry capsized harbour crew rescued divers budget vote minister tax";
        let run = |config: &Config| {
            let mut state = MemoryState::new();
            let mut story = |d: Doc| {
                assign_in_memory(&mut state, &d, config)
                    .map(|a| a.story)
                    .unwrap_or_default()
            };
            let (a, b) = (
                story(doc("a", dated, true)),
                story(doc("b", undated, false)),
            );
            let c = story(doc("c", third, false));
            assert_ne!(a, b);
            (c == a, c == b)
        };
        let config = Config::default();
        assert_eq!(run(&config), (true, false), "the words it shares most win");
        let full = Config {
            undated_rank_factor: config.undated_factor,
            ..config
        };
        assert_eq!(run(&full), (false, true), "ranked with the full discount");
    }
}
