//! Paragraphs repeated inside one page: exact and near-exact, the first occurrence kept.
//!
//! Templates sometimes print the wire copy twice (seed `002_*`), repeat the lead as the
//! first paragraph, or repeat the headline in the body. After normalisation (see
//! `normalize.rs`) a paragraph equal to an earlier one, or to the title, is a repeat. Near
//! repeats (a word changed, a typo fixed, a sentence cut) are found two ways, both cheap:
//! - paragraphs of [`SHINGLE_MIN_WORDS`] words or more: Jaccard similarity of their word
//!   3-gram sets ≥ [`NEAR_JACCARD`], or the later one's 3-grams contained in the earlier's
//!   at ≥ [`NEAR_CONTAINED`] (a cut copy); comparing sorted hash lists is linear;
//! - shorter paragraphs of at least [`SHORT_MIN_CHARS`] normalised characters: normalised
//!   Levenshtein similarity ≥ [`NEAR_LEVENSHTEIN`] (strsim), cheap at that length.
//!
//! Very short lines ("Photo", "—") are only compared exactly. The output is a function of
//! the paragraphs alone, in order: the same body always marks the same repeats.

use std::collections::HashMap;

use super::normalize::{fnv1a, normalized, NormalizedBody};

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

/// For each paragraph, the index of the earlier paragraph it repeats (`Some(usize::MAX)`
/// when it repeats the title), or `None`.
pub(crate) fn find(body: &NormalizedBody, title: Option<&str>) -> Vec<Option<usize>> {
    let title_key = title.map(normalized).filter(|t| !t.is_empty());
    let mut first_seen: HashMap<u64, usize> = HashMap::with_capacity(body.len());
    let shingles: Vec<Option<Vec<u64>>> =
        (0..body.len()).map(|i| shingle_set(body.get(i))).collect();
    let mut repeats = vec![None; body.len()];
    for (i, repeat) in repeats.iter_mut().enumerate() {
        let text = body.get(i);
        if text.is_empty() {
            continue;
        }
        if title_key.as_deref() == Some(text) {
            *repeat = Some(usize::MAX);
            continue;
        }
        let key = fnv1a(text.as_bytes());
        if let Some(&earlier) = first_seen.get(&key) {
            *repeat = Some(earlier);
            continue;
        }
        first_seen.insert(key, i);
        *repeat = (0..i).find(|&earlier| near(body, &shingles, earlier, i));
    }
    repeats
}

/// Paragraph `later` is a near copy of paragraph `earlier`.
fn near(
    body: &NormalizedBody,
    shingles: &[Option<Vec<u64>>],
    earlier: usize,
    later: usize,
) -> bool {
    match (&shingles[earlier], &shingles[later]) {
        (Some(a), Some(b)) => {
            // Both criteria need the earlier set to be at least 70 % the size of the later.
            if a.len() * 10 < b.len() * 7 {
                return false;
            }
            let shared = shared_count(a, b) as f64;
            let union = (a.len() + b.len()) as f64 - shared;
            shared / union >= NEAR_JACCARD || shared / b.len() as f64 >= NEAR_CONTAINED
        }
        (None, None) => {
            let (a, b) = (body.get(earlier), body.get(later));
            a.len() >= SHORT_MIN_CHARS
                && b.len() >= SHORT_MIN_CHARS
                && strsim::normalized_levenshtein(a, b) >= NEAR_LEVENSHTEIN
        }
        _ => false,
    }
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

/// How many values two sorted, deduplicated lists share.
fn shared_count(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn title_in_the_body_is_a_repeat() {
        assert_eq!(
            repeats(&["Un titre ici", "Texte."], Some("Un titre ici")),
            [Some(usize::MAX), None]
        );
    }
}
