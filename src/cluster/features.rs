//! Features of one article: weighted terms for the story similarity.
//!
//! Text in, a sorted list of `(term, weight)` out. Words are folded (case, accents,
//! doubled letters, a plural `s`) so that Al-Asad, Aïn al-Assad and AL-ASSAD meet on the
//! same terms, and French and English stop words are dropped (both in [`super::words`]); capitalised words inside a
//! sentence (names, places, agencies) and the title and opening lines weigh more, since
//! they say who, what and where. Numbers are terms too: a figure that every report of a
//! topic repeats ("2 500 soldats") becomes frequent and the document frequency kept in
//! the state turns its weight down, while the figures of one event stay rare.
//!
//! Names, figures and resolved dates also add an *anchor* twin (the term id with the top
//! bit set, [`ANCHOR_BIT`]), so the story stage can compare who, where, how many and when
//! on their own: two events of one kind share their prose, not their anchors. A resolved
//! date is an anchor term unless it is the publication day itself, which every report of
//! that day writes whatever its event.
//!
//! Spellings that folding cannot join (al-Muhandis / al-Mohandes) stay two terms: a
//! string-similarity match of names (Jaro-Winkler) was measured on ECB+'s names and joins
//! different people as often as variants of one (`scripts/experiments/README.md`).
//!
//! Terms are 64-bit hashes of the folded text, so the hot path allocates no `String` per
//! token and the in-memory and sled states agree on term ids without an interning table.

use super::copies::{Sketch, Sketcher};
use super::dates::{DateScanner, Mentions};
use super::words::{fold_and_hash, is_stop_term, term_id, AsciiWords, Token, Tokens};
use chrono::NaiveDate;

/// Tunable weights of the feature extraction.
#[derive(Debug, Clone, Copy)]
pub struct FeatureWeights {
    /// Multiplier of a capitalised word inside a sentence (a name).
    pub entity: f32,
    /// Multiplier of a number.
    pub number: f32,
    /// Multiplier of words in the title and the opening lines.
    pub lead: f32,
    /// How many body lines count as the opening.
    pub lead_lines: usize,
    /// Weight of a date resolved from the text.
    pub date: f32,
    /// Tokens read at most (long articles add little after this).
    pub max_tokens: usize,
    /// Weight of the anchor twin of a name or a figure (see [`ANCHOR_BIT`]).
    pub anchor: f32,
}

impl Default for FeatureWeights {
    fn default() -> Self {
        FeatureWeights {
            entity: 2.5,
            number: 1.0,
            lead: 3.0,
            lead_lines: 2,
            date: 2.5,
            max_tokens: 700,
            anchor: 2.0,
        }
    }
}

/// What the story stage needs of one article.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// `(term, weight)` sorted by term, weights already sublinear.
    pub terms: Vec<(u64, f32)>,
    /// Dates written in the text, resolved against the publication date.
    pub mentions: Mentions,
    /// The near-copy sketch of the body (the title left out: wire copy changes it).
    pub sketch: Sketch,
}

/// The top bit of a term id: set on anchors (names, figures, days), clear on words.
pub const ANCHOR_BIT: u64 = 1 << 63;

/// The anchor twin of a word's term id: the same word seen as a name or a figure.
pub fn anchor_id(term: u64) -> u64 {
    term | ANCHOR_BIT
}

/// Is this term id an anchor?
pub fn is_anchor(term: u64) -> bool {
    term & ANCHOR_BIT != 0
}

/// The term id of a date mention (a separate namespace from words; an anchor).
pub fn date_term(day: NaiveDate) -> u64 {
    anchor_id(term_id(&format!("\u{1}date:{day}")))
}

/// Extracts the weighted terms and the date mentions of an article.
pub fn features(
    title: Option<&str>,
    text: &str,
    published: Option<NaiveDate>,
    weights: &FeatureWeights,
) -> Features {
    let mut acc: Vec<(u64, f32)> = Vec::with_capacity(256);
    let mut scanner = DateScanner::default();
    let mut folded = String::with_capacity(32);
    let mut sketcher = Sketcher::default();
    let mut budget = weights.max_tokens;
    let body_from = usize::from(title.is_some());
    let lines = title.into_iter().chain(text.lines());
    for (index, line) in lines.enumerate() {
        let lead = if index <= weights.lead_lines {
            weights.lead
        } else {
            1.0
        };
        let body = index >= body_from;
        for_each_word(line, &mut folded, |token, folded, hash| {
            if budget == 0 {
                return false;
            }
            budget -= 1;
            let term = hash & !ANCHOR_BIT;
            scanner.push_term(folded, term);
            if body {
                sketcher.push(hash, token.numeric);
            }
            if is_stop_term(folded, term) {
                return true;
            }
            let anchor = token.numeric || (token.capital && !token.sentence_start);
            let kind = if token.numeric {
                weights.number
            } else if anchor {
                weights.entity
            } else {
                1.0
            };
            acc.push((term, kind * lead));
            if anchor {
                acc.push((anchor_id(term), weights.anchor * lead));
            }
            true
        });
        scanner.line_break();
    }
    let mentions = scanner.finish(published);
    // The publication day written in the text ("on Monday", a dateline) only says the
    // report is news of that day, which every report published that day says too; as a
    // term, rare in a large store, it made unrelated events of one day alike. It stays a
    // mention (for the windows and day checks), not a term. Days before it (the event a
    // later report tells of) and after it (a plan) are terms.
    for day in mentions.resolved.iter().filter(|d| Some(**d) != published) {
        acc.push((date_term(*day), weights.date));
    }
    Features {
        terms: merge_sublinear(acc),
        mentions,
        sketch: sketcher.finish(),
    }
}

/// Calls `each` with every word of `line` as [`Tokens`] splits it, with its folded text
/// and hash ([`fold_and_hash`]), until `each` returns false. ASCII lines are read in one
/// pass ([`AsciiWords`]).
fn for_each_word(line: &str, folded: &mut String, mut each: impl FnMut(&Token, &str, u64) -> bool) {
    if line.is_ascii() {
        let mut words = AsciiWords::new(line);
        while let Some((token, hash)) = words.next(folded) {
            if !each(&token, folded, hash) {
                return;
            }
        }
    } else {
        for token in Tokens::new(line) {
            let hash = fold_and_hash(token.text, folded);
            if !each(&token, folded, hash) {
                return;
            }
        }
    }
}

/// Sums the weights of equal terms (in reading order), then damps them (1 + ln sum),
/// sorted by term.
fn merge_sublinear(acc: Vec<(u64, f32)>) -> Vec<(u64, f32)> {
    let sorted = sort_by_term(acc);
    let mut out: Vec<(u64, f32)> = Vec::with_capacity(sorted.len());
    for (term, w) in sorted {
        match out.last_mut() {
            Some((t, sum)) if *t == term => *sum += w,
            _ => out.push((term, w)),
        }
    }
    for (_, w) in &mut out {
        if *w > 1.0 {
            *w = 1.0 + w.ln();
        }
    }
    out
}

/// Sorts `(term, weight)` pairs by term, keeping equal terms in reading order. Term ids
/// are hashes, spread evenly: a counting pass on their top bits puts the pairs in about
/// one bucket each, in bucket order, and an insertion sort then only reorders pairs
/// within a bucket. (A comparison sort of every token was the costliest step of feature
/// extraction; should the ids ever crowd one bucket, a stable sort takes over.)
fn sort_by_term(acc: Vec<(u64, f32)>) -> Vec<(u64, f32)> {
    let bits = (usize::BITS - acc.len().leading_zeros()).clamp(4, 12);
    let bucket = |term: u64| (term >> (64 - bits)) as usize;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for (term, _) in &acc {
        starts[bucket(*term) + 1] += 1;
    }
    let mut crowded = false;
    for b in 1..starts.len() {
        crowded |= starts[b] > 32;
        starts[b] += starts[b - 1];
    }
    let mut sorted = vec![(0u64, 0f32); acc.len()];
    for pair in acc {
        let at = &mut starts[bucket(pair.0)];
        sorted[*at] = pair;
        *at += 1;
    }
    if crowded {
        sorted.sort_by_key(|(term, _)| *term);
        return sorted;
    }
    for i in 1..sorted.len() {
        let pair = sorted[i];
        let mut j = i;
        while j > 0 && sorted[j - 1].0 > pair.0 {
            sorted[j] = sorted[j - 1];
            j -= 1;
        }
        sorted[j] = pair;
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_terms_are_damped_and_sorted() {
        let f = features(
            None,
            "drone drone drone base",
            None,
            &FeatureWeights::default(),
        );
        assert!(f.terms.windows(2).all(|w| w[0].0 < w[1].0));
        let drone = f
            .terms
            .iter()
            .find(|(t, _)| *t == term_id("drone"))
            .map(|x| x.1);
        let base = f
            .terms
            .iter()
            .find(|(t, _)| *t == term_id("base"))
            .map(|x| x.1);
        let (drone, base) = (drone.unwrap_or(0.0), base.unwrap_or(0.0));
        assert!(
            drone > base && drone < 3.0 * base,
            "drone {drone} base {base}"
        );
    }

    #[test]
    fn sorting_by_term_is_a_stable_sort() {
        // Hashed ids (the usual case, with repeats) and ids crowding one bucket (the
        // fallback): equal terms must keep their reading order.
        let spread: Vec<(u64, f32)> = (0..500u16)
            .map(|i| (term_id(&format!("w{}", i % 300)), f32::from(i)))
            .collect();
        let crowded: Vec<(u64, f32)> = (0..100u16)
            .map(|i| (u64::from(i % 40), f32::from(i)))
            .collect();
        for acc in [spread, crowded, Vec::new()] {
            let mut expected = acc.clone();
            expected.sort_by_key(|(term, _)| *term);
            assert_eq!(sort_by_term(acc), expected);
        }
    }

    fn has(f: &Features, term: u64) -> bool {
        f.terms.iter().any(|(t, _)| *t == term)
    }

    #[test]
    fn names_and_figures_get_anchor_twins() {
        let f = features(
            None,
            "Hier, le drone a visé Aïn al-Assad où 2 500 soldats sont stationnés.",
            None,
            &FeatureWeights::default(),
        );
        for word in ["ain", "asad", "2500"] {
            let t = term_id(word);
            assert!(has(&f, t), "{word} as a word");
            assert!(has(&f, anchor_id(t)), "{word} as an anchor");
        }
        // A lowercase word, and a capital that only starts the sentence, are words only.
        for word in ["drone", "hier"] {
            assert!(!has(&f, anchor_id(term_id(word))), "{word} is no anchor");
        }
        assert!(!is_anchor(term_id("drone")) && is_anchor(anchor_id(term_id("drone"))));
    }

    #[test]
    fn text_dates_resolve_against_the_publication_day() {
        // Seed 002: published Wednesday 2024-07-17, "mardi soir" is the 16th.
        let published = NaiveDate::from_ymd_opt(2024, 7, 17);
        let f = features(
            Some("Irak: deux drones contre une base"),
            "Perpétrée mardi soir, l'attaque n'a pas été revendiquée.",
            published,
            &FeatureWeights::default(),
        );
        let tuesday = NaiveDate::from_ymd_opt(2024, 7, 16).unwrap_or_default();
        assert_eq!(f.mentions.resolved, [tuesday]);
        assert!(has(&f, date_term(tuesday)), "the day is an anchor term");
        // Seed 001: published on the day it names; the day is a mention, not a term.
        let same_day = features(
            None,
            "Les drones ont visé la base mardi 16 juillet.",
            Some(tuesday),
            &FeatureWeights::default(),
        );
        assert_eq!(same_day.mentions.resolved, [tuesday]);
        assert_eq!(same_day.mentions.event_days, [tuesday]);
        assert!(!has(&same_day, date_term(tuesday)));
        let en = features(
            None,
            "The blast on Tuesday evening was claimed on July 17.",
            published,
            &FeatureWeights::default(),
        );
        assert_eq!(en.mentions.event_days.len(), 1, "{:?}", en.mentions);
        assert_eq!(en.mentions.resolved.first(), Some(&tuesday));
    }
}
