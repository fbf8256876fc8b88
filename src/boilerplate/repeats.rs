//! Paragraphs repeated inside one page: exact and near-exact, the first occurrence kept.
//!
//! Templates sometimes print the wire copy twice (seed `002_*`) or three times, repeat the
//! lead as the first paragraph, or repeat the headline in the body. After normalisation
//! (see `normalize.rs`) a paragraph equal to an earlier one, or to the title, is a repeat;
//! every later copy points at the first. Near repeats (a word changed, a typo fixed, a
//! sentence cut) are found two ways:
//! - paragraphs of [`SHINGLE_MIN_WORDS`] words or more: Jaccard similarity of their word
//!   3-gram sets ≥ [`NEAR_JACCARD`], or the later one's 3-grams contained in the earlier's
//!   at ≥ [`NEAR_CONTAINED`] (a cut copy). A cut copy printed *before* its full paragraph
//!   (a truncated lead, then the body's first paragraph, then perhaps the body again) is the
//!   one that goes: the full text stays, once, however many times the page prints it;
//! - shorter paragraphs of at least [`SHORT_MIN_CHARS`] normalised characters: normalised
//!   Levenshtein similarity ≥ [`NEAR_LEVENSHTEIN`] (strsim).
//!
//! Cost. Comparing every paragraph with every earlier one is quadratic (seconds on a
//! 10,000-paragraph listing page). Instead:
//! - shingled paragraphs go into an inverted index (3-gram hash → paragraphs holding it);
//!   the shared 3-gram count of a paragraph with each earlier one is summed from the index,
//!   so only paragraphs sharing a 3-gram are ever looked at. A 3-gram held by more than
//!   [`POSTINGS_MAX`] paragraphs stops being indexed: on such a page later paragraphs may
//!   miss a near copy made only of very common 3-grams. On pages with fewer than
//!   [`POSTINGS_MAX`] paragraphs the counts are exact and the result is the all-pairs one;
//! - short paragraphs are compared with the [`SHORT_WINDOW`] short paragraphs before them
//!   only, and Levenshtein runs only when a letter-histogram bound (a lower bound of the
//!   edit distance) leaves it a chance. Same result as all pairs on pages with fewer
//!   short paragraphs than the window.
//!
//! Very short lines ("Photo", "—") are only compared exactly. The output is a function of
//! the paragraphs alone, in order: the same body always marks the same repeats.

use std::collections::VecDeque;

use super::normalize::{fnv1a, normalized, FingerprintMap, NormalizedBody};

/// Paragraphs with this many words or more are compared by shingles.
const SHINGLE_MIN_WORDS: usize = 8;
/// Words per shingle.
const SHINGLE_WORDS: usize = 3;
/// Jaccard similarity of shingle sets at or above which two paragraphs are one.
const NEAR_JACCARD: f64 = 0.7;
/// Share of a later paragraph's shingles found in an earlier one that makes it a cut copy.
const NEAR_CONTAINED: f64 = 0.9;
/// Shorter paragraphs need this many normalised characters to be compared fuzzily.
const SHORT_MIN_CHARS: usize = 20;
/// Normalised Levenshtein similarity at or above which two short paragraphs are one.
const NEAR_LEVENSHTEIN: f64 = 0.92;
/// A cut copy printed first needs this many words to go: a shorter one is more likely a
/// heading whose words the next paragraph repeats ("2. Don't rush on day 1").
const CUT_FIRST_MIN_WORDS: usize = 15;
/// Paragraphs one shingle is indexed for, at most.
const POSTINGS_MAX: usize = 64;
/// Earlier short paragraphs a short paragraph is compared with, at most (the nearest).
const SHORT_WINDOW: usize = 256;
/// Buckets of the letter histogram used to skip hopeless Levenshtein comparisons.
const HISTOGRAM_BUCKETS: usize = 32;

/// For each paragraph, the index of the paragraph it repeats (`Some(usize::MAX)` when it
/// repeats the title), or `None`. That paragraph is an earlier one, except for a cut copy
/// printed before its full paragraph (a truncated lead): it points at the later, full one.
pub(crate) fn find(body: &NormalizedBody, title: Option<&str>) -> Vec<Option<usize>> {
    let title_key = title.map(normalized).filter(|t| !t.is_empty());
    let mut first_seen: FingerprintMap<usize> =
        FingerprintMap::with_capacity_and_hasher(body.len(), Default::default());
    // About one shingle per word, and normalised words average over five bytes with their
    // space: sizing the index once spares it a dozen rehashes on a long page.
    let mut shingled = ShingleIndex::new(body.len(), body.text_len() / 5);
    let mut short = ShortWindow::default();
    let mut repeats = vec![None; body.len()];
    for i in 0..body.len() {
        let text = body.get(i);
        if text.is_empty() {
            continue;
        }
        if title_key.as_deref() == Some(text) {
            repeats[i] = Some(usize::MAX);
            continue;
        }
        let key = fnv1a(text.as_bytes());
        if let Some(&earlier) = first_seen.get(&key) {
            repeats[i] = Some(earlier);
            continue;
        }
        first_seen.insert(key, i);
        repeats[i] = match shingle_set(text) {
            Some(set) => {
                let (found, cut_earlier) = shingled.add(i, set);
                if found.is_none() {
                    for earlier in cut_earlier {
                        repeats[earlier].get_or_insert(i);
                    }
                }
                found
            }
            None => short.add(body, i),
        };
    }
    repeats
}

/// Shingle sets seen so far, with an inverted index from shingle to paragraphs.
struct ShingleIndex {
    postings: FingerprintMap<Vec<usize>>,
    /// Shingle-set size of each paragraph (0 when not shingled).
    sizes: Vec<usize>,
    /// Shared-shingle counts with the paragraph being added, by earlier paragraph.
    hits: Vec<u32>,
    touched: Vec<usize>,
}

impl ShingleIndex {
    fn new(paragraphs: usize, shingles: usize) -> ShingleIndex {
        ShingleIndex {
            postings: FingerprintMap::with_capacity_and_hasher(shingles, Default::default()),
            sizes: vec![0; paragraphs],
            hits: vec![0; paragraphs],
            touched: Vec::new(),
        }
    }

    /// Indexes paragraph `i`. Returns the first earlier paragraph it nearly repeats, and
    /// the earlier paragraphs that are cut copies of it (much shorter, their 3-grams
    /// contained in its own at ≥ [`NEAR_CONTAINED`]).
    fn add(&mut self, i: usize, set: Vec<u64>) -> (Option<usize>, Vec<usize>) {
        for shingle in &set {
            if let Some(list) = self.postings.get(shingle) {
                for &earlier in list {
                    if self.hits[earlier] == 0 {
                        self.touched.push(earlier);
                    }
                    self.hits[earlier] += 1;
                }
            }
        }
        self.touched.sort_unstable();
        let found = self.touched.iter().copied().find(|&earlier| {
            near_sets(self.sizes[earlier], set.len(), self.hits[earlier] as usize)
        });
        let cut_earlier = self
            .touched
            .iter()
            .copied()
            .filter(|&earlier| {
                cut_copy_of_later(self.sizes[earlier], set.len(), self.hits[earlier] as usize)
            })
            .collect();
        for earlier in self.touched.drain(..) {
            self.hits[earlier] = 0;
        }
        self.sizes[i] = set.len();
        for shingle in set {
            let list = self.postings.entry(shingle).or_default();
            if list.len() < POSTINGS_MAX {
                list.push(i);
            }
        }
        (found, cut_earlier)
    }
}

/// An earlier shingle set of `earlier` shingles sharing `shared` with a later one of
/// `later` shingles is a cut copy of it printed first: [`CUT_FIRST_MIN_WORDS`] words or
/// more (a set of n words has at most n - 2 shingles), too short for [`near_sets`], and
/// nearly all of it found in the later paragraph.
fn cut_copy_of_later(earlier: usize, later: usize, shared: usize) -> bool {
    earlier > CUT_FIRST_MIN_WORDS - SHINGLE_WORDS
        && earlier * 10 < later * 7
        && shared as f64 / earlier as f64 >= NEAR_CONTAINED
}

/// A later shingle set of `later` shingles sharing `shared` with an earlier one of
/// `earlier` shingles is a near copy of it.
fn near_sets(earlier: usize, later: usize, shared: usize) -> bool {
    // Both criteria need the earlier set to be at least 70 % the size of the later.
    if earlier == 0 || later == 0 || earlier * 10 < later * 7 {
        return false;
    }
    let shared = shared as f64;
    let union = (earlier + later) as f64 - shared;
    shared / union >= NEAR_JACCARD || shared / later as f64 >= NEAR_CONTAINED
}

/// The short paragraphs (too few words for shingles) seen last.
#[derive(Default)]
struct ShortWindow {
    /// (index, length in characters, letter histogram), oldest first.
    recent: VecDeque<(usize, usize, [u16; HISTOGRAM_BUCKETS])>,
}

impl ShortWindow {
    /// Remembers paragraph `i` of `body` and returns the first remembered paragraph it
    /// nearly repeats.
    fn add(&mut self, body: &NormalizedBody, i: usize) -> Option<usize> {
        let text = body.get(i);
        let length = text.chars().count();
        if length < SHORT_MIN_CHARS {
            return None;
        }
        let histogram = letter_histogram(text);
        let found = self
            .recent
            .iter()
            .filter(|(_, other_length, other_histogram)| {
                // Similarity ≥ t leaves at most (1 - t) · longest edits; one edit moves
                // the length by 1 and the histograms' L1 distance by 2, at most.
                let longest = length.max(*other_length) as f64;
                let allowed = ((1.0 - NEAR_LEVENSHTEIN) * longest).ceil() as usize;
                length.abs_diff(*other_length) <= allowed
                    && histogram_distance(&histogram, other_histogram) <= 2 * allowed
            })
            .map(|&(earlier, _, _)| earlier)
            .find(|&earlier| {
                strsim::normalized_levenshtein(body.get(earlier), text) >= NEAR_LEVENSHTEIN
            });
        if self.recent.len() == SHORT_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back((i, length, histogram));
        found
    }
}

/// Counts of characters by bucket (code point modulo the bucket count).
fn letter_histogram(text: &str) -> [u16; HISTOGRAM_BUCKETS] {
    let mut histogram = [0u16; HISTOGRAM_BUCKETS];
    for c in text.chars() {
        let bucket = c as usize % HISTOGRAM_BUCKETS;
        histogram[bucket] = histogram[bucket].saturating_add(1);
    }
    histogram
}

/// L1 distance of two histograms.
fn histogram_distance(a: &[u16; HISTOGRAM_BUCKETS], b: &[u16; HISTOGRAM_BUCKETS]) -> usize {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| usize::from(x.abs_diff(y)))
        .sum()
}

/// The sorted, deduplicated hashes of the word 3-grams of a normalised paragraph, or `None`
/// when it is too short to compare this way.
fn shingle_set(text: &str) -> Option<Vec<u64>> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices(' ').map(|(at, _)| at + 1))
        .collect();
    if text.is_empty() || starts.len() < SHINGLE_MIN_WORDS {
        return None;
    }
    let mut set: Vec<u64> = (0..=starts.len() - SHINGLE_WORDS)
        .map(|w| {
            let end = starts
                .get(w + SHINGLE_WORDS)
                .map_or(text.len(), |next| next - 1);
            fnv1a(&text.as_bytes()[starts[w]..end])
        })
        .collect();
    set.sort_unstable();
    set.dedup();
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn repeats(paragraphs: &[&str], title: Option<&str>) -> Vec<Option<usize>> {
        let owned: Vec<String> = paragraphs.iter().map(|p| p.to_string()).collect();
        find(&NormalizedBody::new(&owned), title)
    }

    #[test]
    fn exact_repeat_after_normalisation() {
        let found = repeats(
            &[
                "L’attaque a eu lieu mardi soir.",
                "Autre chose.",
                "l'attaque a eu lieu MARDI soir",
            ],
            None,
        );
        assert_eq!(found, [None, None, Some(0)]);
    }

    #[test]
    fn near_repeat_with_a_word_changed() {
        let first = "Deux drones ont été lancés contre des troupes de la coalition internationale stationnées dans l'ouest de l'Irak sur la base militaire";
        let second = "Deux drones ont été lancés contre les troupes de la coalition internationale stationnées dans l'ouest de l'Irak sur la base militaire";
        assert_eq!(
            repeats(&[first, "Entre les deux.", second], None),
            [None, None, Some(0)]
        );
    }

    #[test]
    fn cut_copy_is_a_repeat_but_different_facts_are_not() {
        let full = "Les États-Unis déploient environ 2.500 soldats en Irak et près de 900 en Syrie, au sein de la coalition internationale créée en 2014.";
        let cut = "Les États-Unis déploient environ 2.500 soldats en Irak et près de 900 en Syrie, au sein de la coalition";
        let other = "Il y a près de 2 500 soldats américains en Irak et environ 900 en Syrie dans le cadre de la coalition.";
        assert_eq!(repeats(&[full, cut, other], None), [None, Some(0), None]);
    }

    #[test]
    fn a_cut_lead_printed_first_gives_way_to_the_full_paragraph() {
        let heading = "2. Don't throw yourself in the deep end on Day 1";
        let next = "Don't throw yourself in the deep end on Day 1. Online visibility exists on a spectrum: move along it step by step and your confidence will grow.";
        assert_eq!(repeats(&[heading, next], None), [None, None]);
        // Quirk: the standfirst is the first paragraph cut short, and the body is printed
        // twice; one full copy must remain, not the cut one beside it.
        let full = "Les États-Unis déploient environ 2.500 soldats en Irak et près de 900 en Syrie, au sein de la coalition internationale créée en 2014 pour lutter contre le groupe jihadiste État islamique.";
        let cut = "Les États-Unis déploient environ 2.500 soldats en Irak et près de 900 en Syrie";
        assert_eq!(
            repeats(&[cut, full, "Autre chose.", full], None),
            [Some(1), None, None, Some(1)]
        );
    }

    #[test]
    fn title_in_the_body_is_a_repeat() {
        assert_eq!(
            repeats(&["Un titre ici", "Texte."], Some("Un titre ici")),
            [Some(usize::MAX), None]
        );
    }
    #[test]
    fn printed_three_times_is_kept_once() {
        let body = "Deux drones ont été lancés contre des troupes de la coalition internationale stationnées dans l'ouest de l'Irak";
        let typo = "Deux drones ont été lancés contre des troupes de la coalition internationale stationnées dans l'ouest de l'Iraq";
        let short = "Une base visée par deux drones";
        let short_typo = "Une base visée par deux drône";
        assert_eq!(
            repeats(
                &[body, short, "Entre.", body, short_typo, typo, short],
                None
            ),
            [None, None, None, Some(0), Some(1), Some(0), Some(1)]
        );
    }

    /// The all-pairs search the index replaces, kept to check that both agree.
    fn all_pairs(paragraphs: &[String]) -> Vec<Option<usize>> {
        let body = NormalizedBody::new(paragraphs);
        let sets: Vec<Option<Vec<u64>>> =
            (0..body.len()).map(|i| shingle_set(body.get(i))).collect();
        let shared = |a: &[u64], b: &[u64]| a.iter().filter(|s| b.binary_search(s).is_ok()).count();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut repeats: Vec<Option<usize>> = vec![None; body.len()];
        for i in 0..body.len() {
            let text = body.get(i);
            if text.is_empty() {
                continue;
            }
            if let Some(&earlier) = seen.get(text) {
                repeats[i] = Some(earlier);
                continue;
            }
            seen.insert(text, i);
            repeats[i] = (0..i).find(|&j| match (&sets[j], &sets[i]) {
                (Some(a), Some(b)) => near_sets(a.len(), b.len(), shared(a, b)),
                (None, None) => {
                    let (a, b) = (body.get(j), text);
                    a.chars().count() >= SHORT_MIN_CHARS
                        && b.chars().count() >= SHORT_MIN_CHARS
                        && strsim::normalized_levenshtein(a, b) >= NEAR_LEVENSHTEIN
                }
                _ => false,
            });
            if let (None, Some(b)) = (repeats[i], &sets[i]) {
                for j in 0..i {
                    // Exact repeats never entered the index, so they are not candidates.
                    let exact = seen.get(body.get(j)) != Some(&j);
                    if let (Some(a), None, false) = (&sets[j], repeats[j], exact) {
                        if cut_copy_of_later(a.len(), b.len(), shared(a, b)) {
                            repeats[j] = Some(i);
                        }
                    }
                }
            }
        }
        repeats
    }

    #[test]
    fn index_agrees_with_all_pairs_on_a_page_of_variants() {
        // Quirk: a page of 60 paragraphs built from a few sentences, each varied by a word
        // or cut, so that many pairs are near and many are not.
        let words = [
            "la",
            "base",
            "a",
            "été",
            "visée",
            "par",
            "deux",
            "drones",
            "mardi",
            "soir",
            "selon",
            "une",
            "source",
            "militaire",
            "irakienne",
            "coalition",
        ];
        let mut state: u64 = 7;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let mut paragraphs: Vec<String> = Vec::new();
        for _ in 0..60 {
            let from_earlier = !paragraphs.is_empty() && next(2) == 0;
            let mut tokens: Vec<&str> = if from_earlier {
                let earlier = paragraphs[next(paragraphs.len())].clone();
                earlier
                    .split(' ')
                    .map(|w| *words.iter().find(|x| **x == w).unwrap_or(&"drones"))
                    .collect()
            } else {
                let len = if next(3) == 0 {
                    4 + next(3)
                } else {
                    8 + next(20)
                };
                (0..len).map(|_| words[next(words.len())]).collect()
            };
            if from_earlier && !tokens.is_empty() {
                let at = next(tokens.len());
                tokens[at] = words[next(words.len())];
            }
            paragraphs.push(tokens.join(" "));
        }
        let body = NormalizedBody::new(&paragraphs);
        let found = find(&body, None);
        assert_eq!(found, all_pairs(&paragraphs));
        assert!(
            found.iter().filter(|r| r.is_some()).count() >= 10,
            "{found:?}"
        );
    }
}
