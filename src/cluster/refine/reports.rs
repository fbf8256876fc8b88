//! The reports the refinement works on: every article's record read once from the state.
//!
//! In: the clusterer's state (each article's record: its story, whether it copies another,
//! its heaviest terms with their tf, its days) and the document frequencies of now. Out:
//! [`Reports`], one [`Report`] per article (its story label, its original if it is a copy,
//! whether it takes part), every term weighed by tf × idf of now as a unit vector, and each
//! report's key terms (its heaviest, which find its candidate stories).
//!
//! Why apart: reading is the refinement's one contact with the state (in the store each
//! term's frequency is a lookup on disk, done once per term); everything after it computes
//! on these arrays.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use super::Config;
use crate::cluster::features::is_anchor;
use crate::cluster::state::{IdHasher, RefineTerms, State, StateError};
use crate::cluster::words::word_hash;

/// One article in the rounds.
pub(super) struct Report {
    /// Its story now.
    pub(super) label: u32,
    /// The article it copies (copies follow it and take no part).
    pub(super) original: Option<u32>,
    /// It takes part: not a copy, and it has terms.
    pub(super) movable: bool,
    /// Where its unit weights start in `Reports::weight` (parallel to its record's terms).
    pub(super) weights: usize,
    /// Unit weight over anchors alone = unit weight over every term × this (0: no anchors).
    pub(super) anchor_scale: f32,
    /// Its key terms (for candidates) in `Reports::keys`.
    pub(super) keys: Range<usize>,
}

/// Every article: what the rounds read of its record, and its weights with the
/// document frequencies of now.
pub(super) struct Reports<'s> {
    pub(super) refine: Vec<Held<'s>>,
    pub(super) list: Vec<Report>,
    /// Unit weights over every term.
    pub(super) weight: Vec<f32>,
    /// Key terms (numbered in order of first use), and their unit weights.
    pub(super) keys: Vec<u32>,
    pub(super) key_weight: Vec<f32>,
    /// Where each key term is in its report's term list.
    pub(super) key_place: Vec<u32>,
    /// How many distinct key terms.
    pub(super) key_count: usize,
}

impl<'s> Reports<'s> {
    /// Reads every article record and weighs its terms with the idf of now.
    pub(super) fn read<S: State>(state: &'s S, config: &Config) -> Result<Reports<'s>, StateError> {
        let docs = state.docs()?;
        let stories = state.stories()?;
        let docs_for_idf = (docs as f32).max(config.min_docs_for_idf);
        // Originals by a hash of their id; copies with the id of their original.
        let mut originals: Vec<(u64, u32)> = Vec::new();
        let mut copies: Vec<(u32, String)> = Vec::new();
        let mut reports = Reports {
            refine: Vec::with_capacity(docs as usize),
            list: Vec::with_capacity(docs as usize),
            // Room for every article's largest share, reserved, not touched: the
            // arrays never move as they grow (each move copies them into fresh memory).
            weight: Vec::with_capacity(room(docs, config.refine_terms)),
            keys: Vec::with_capacity(room(docs, config.refine_keys)),
            key_weight: Vec::with_capacity(room(docs, config.refine_keys)),
            key_place: Vec::with_capacity(room(docs, config.refine_keys)),
            key_count: 0,
        };
        let mut heaviest: Vec<usize> = Vec::new();
        // Each term seen: its idf, and its key number once it is some article's key term
        // (`u32::MAX` until then). One map: a key term's entry was just read for its idf.
        let mut seen: HashMap<u64, (f32, u32), BuildHasherDefault<IdHasher>> = HashMap::default();
        let mut key_count = 0u32;
        for number in 0..docs {
            let record = state
                .doc(number)?
                .ok_or_else(|| StateError(format!("article record {number} is missing")))?;
            let label = u32::try_from(record.story)
                .ok()
                .filter(|l| u64::from(*l) < stories)
                .ok_or_else(|| {
                    StateError(format!(
                        "article record {number} names story {}, of {stories}",
                        record.story
                    ))
                })?;
            let is_copy = record.copy_of.is_some();
            match &record.copy_of {
                Some(id) => copies.push((number as u32, id.clone())),
                None => originals.push((word_hash(&record.id), number as u32)),
            }
            let refine = match record {
                Cow::Borrowed(r) => Held::Borrowed(&r.refine),
                Cow::Owned(r) => Held::Owned(Box::new(r.refine)),
            };
            // tf × idf of now, and the norms over every term and over anchors. Each
            // term's idf is read from the state once (articles share most of their
            // terms; in the store each read is a lookup on disk).
            let start = reports.weight.len();
            for (term, tf) in refine.terms.iter().zip(&refine.tf) {
                let idf = match seen.get(term) {
                    Some((idf, _)) => *idf,
                    None => {
                        let df = state.df(*term)? as f32;
                        let idf = ((docs_for_idf + 1.0) / (df + 1.0)).ln();
                        seen.insert(*term, (idf, u32::MAX));
                        idf
                    }
                };
                reports.weight.push(tf * idf);
            }
            let (norm, anchor_scale) = norms(&refine.terms, &reports.weight[start..]);
            let movable = !is_copy && norm > 0.0 && refine.tf.len() == refine.terms.len();
            let keys_start = reports.keys.len();
            if movable {
                let weights = &mut reports.weight[start..];
                weights.iter_mut().for_each(|w| *w /= norm);
                heaviest.clear();
                heaviest.extend(0..weights.len());
                let order = |a: &usize, b: &usize| {
                    weights[*b]
                        .total_cmp(&weights[*a])
                        .then(refine.terms[*a].cmp(&refine.terms[*b]))
                };
                if heaviest.len() > config.refine_keys {
                    heaviest.select_nth_unstable_by(config.refine_keys, order);
                    heaviest.truncate(config.refine_keys);
                }
                heaviest.sort_unstable_by(order);
                for &k in heaviest.iter() {
                    // Every term of the article went into `seen` above.
                    let Some((_, number)) = seen.get_mut(&refine.terms[k]) else {
                        continue;
                    };
                    if *number == u32::MAX {
                        *number = key_count;
                        key_count += 1;
                    }
                    reports.keys.push(*number);
                    reports.key_weight.push(weights[k]);
                    reports.key_place.push(k as u32);
                }
            } else {
                reports.weight.truncate(start);
            }
            reports.list.push(Report {
                label,
                original: None,
                movable,
                weights: start,
                anchor_scale,
                keys: keys_start..reports.keys.len(),
            });
            reports.refine.push(refine);
        }
        reports.key_count = key_count as usize;
        originals.sort_unstable();
        let mut copy_days: HashMap<u32, i32> = HashMap::new();
        for (copy, id) in copies {
            let hash = word_hash(&id);
            let from = originals.partition_point(|(h, _)| *h < hash);
            let mut found = None;
            for (_, number) in originals[from..].iter().take_while(|(h, _)| *h == hash) {
                if state.doc(u64::from(*number))?.is_some_and(|d| d.id == id) {
                    found = Some(*number);
                    break;
                }
            }
            let original = found.ok_or_else(|| {
                StateError(format!("article record {copy} copies unknown article {id}"))
            })?;
            reports.list[copy as usize].original = Some(original);
            let undated = reports.refine[original as usize].day.is_none();
            if let (true, Some(day)) = (undated, reports.refine[copy as usize].day) {
                let earliest = copy_days.entry(original).or_insert(day);
                *earliest = (*earliest).min(day);
            }
        }
        // An undated original takes the earliest day of its copies: the same text, out
        // by then. (Offline input leaves many articles undated; a reprint often has the
        // date the original lacks.)
        for (original, day) in copy_days {
            let held = &mut reports.refine[original as usize];
            let mut dated = RefineTerms::clone(held);
            dated.day = Some(day);
            *held = Held::Owned(Box::new(dated));
        }
        Ok(reports)
    }

    /// The terms of report `i` and their unit weights over every term.
    pub(super) fn vector(&self, i: u32) -> (&[u64], &[f32]) {
        let terms = &self.refine[i as usize].terms;
        let start = self.list[i as usize].weights;
        let weights = self.weight.get(start..start + terms.len()).unwrap_or(&[]);
        (terms, weights)
    }
}

/// The norm of a report's weights over every term, and the factor that turns a unit
/// weight over every term into one over anchors alone (0: no anchors).
pub(super) fn norms(terms: &[u64], weights: &[f32]) -> (f32, f32) {
    let (mut norm, mut anchor_norm) = (0.0f32, 0.0f32);
    for (term, w) in terms.iter().zip(weights) {
        norm += w * w;
        if is_anchor(*term) {
            anchor_norm += w * w;
        }
    }
    let (norm, anchor_norm) = (norm.sqrt(), anchor_norm.sqrt());
    let anchor_scale = if anchor_norm > 0.0 {
        norm / anchor_norm
    } else {
        0.0
    };
    (norm, anchor_scale)
}

/// An article's refinement terms: borrowed from a state in memory, read from the store.
/// (A `Cow` would hold the terms inline, 88 bytes an article where this takes 16.)
pub(super) enum Held<'s> {
    Borrowed(&'s RefineTerms),
    Owned(Box<RefineTerms>),
}

impl std::ops::Deref for Held<'_> {
    type Target = RefineTerms;
    fn deref(&self) -> &RefineTerms {
        match self {
            Held::Borrowed(terms) => terms,
            Held::Owned(terms) => terms,
        }
    }
}

/// Entries to reserve for `per_doc` of each of `docs` articles (a hint, held to 2^32).
pub(super) fn room(docs: u64, per_doc: usize) -> usize {
    usize::try_from(docs)
        .unwrap_or(usize::MAX)
        .saturating_mul(per_doc)
        .min(1 << 32)
}
