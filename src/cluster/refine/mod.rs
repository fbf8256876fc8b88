//! Refinement: after the one pass, rounds that move each report to the story it matches
//! best as a whole.
//!
//! In: the clusterer's state once every article is placed ([`State`]): each article's
//! record (its story, whether it copies another, its heaviest terms and its days) and the
//! document frequencies of now. Out: [`Refinement`], the final story of every article.
//!
//! Why: the one pass compares an article with the stories as they stand when it arrives.
//! An early report of an event can land in the story of another event of the same kind,
//! before the reports that tell the two apart have come in, and stays there. The rounds
//! look again with everything known, as K-means does from a good start: each round sums
//! every story's reports into a centroid (their unit TF-IDF vectors, all terms and
//! anchors apart, with the document frequencies of the final state), then every report
//! that is not a copy is scored against the stories that hold one of its heaviest terms,
//! its own story without itself, and goes to the best one. Every report reads the same
//! centroids, so the order of reports within a round does not matter. Before the first
//! round, each report's key terms are weighed against its neighbours (`contrast`): a word
//! that the reports around it also lean on, as a topic's reports share the place and the
//! kind of event, counts less than one its own event alone uses.
//!
//! Scores are the one pass's: the anchor mix and veto, the far-window factor (a dated
//! report more than the window from a story's dated span), the day-conflict factor, and
//! a milder undated factor (the report dated and none of the story's other reports, or
//! the other way round).
//! A report moves only to a story it matches at `refine_threshold`; a report that
//! matches neither that nor its own story above `leave_floor` leaves for a story of its
//! own (named `r-` + its id). The rounds stop when nothing moves, or after
//! `Config::refine_rounds`. Then a story that holds two events, which no move of one
//! report can undo, is cut in two (`split`), and the rounds settle again. Then a story
//! whose reports match another story well as a whole merges with it (`story_merges`):
//! the pieces of one event that the one pass opened apart (a story of one report at the
//! move bar, as its report did not move), and the rounds settle again. A second pass
//! looks for cuts in the merged stories alone (`Config::refine_passes`): a piece may have
//! held a report of another event, and the merge gave it company. Copies follow their
//! original; an undated original takes the earliest day of its copies, a reprint dated
//! where the original is not.
//!
//! A pure function of the state: `newsfold cluster` runs it on its memory state after the
//! last line, `ingest` on the sled state after the run's last article, and both give the
//! same stories. Articles stored without refinement terms (before it existed) keep their
//! story and take no part.
//!
//! Cost: the contrast reads the holders of each report's key terms near it in article
//! order, a few dozen per key term. A round ranks each report's candidates by the weight
//! of the key terms they hold and scores its own story and the best `refine_candidates`
//! in full, each a merge of two term-sorted vectors (galloping over a large story's
//! sums). Each term's idf is read from the state once per refinement. After the first
//! round a report is looked at again only when one of its key terms' candidate lists
//! changed, or one of the stories it was compared with gained or lost a report: otherwise
//! it would choose as it did. The cuts score each report of a story that holds six
//! reports or more (copies counted) against its two seeds and against the other half:
//! three scores, two of them against a single report (about 2 % of a 10k run in all).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use super::features::{is_anchor, word_hash};
use super::state::{IdHasher, RefineTerms, State, StateError};
use super::stories::EVENT_DAY_SLACK;
use super::Config;

mod contrast;
mod split;
use contrast::{contrast, Holders};
use split::split;

/// The final stories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refinement {
    /// Each article's story, by article number: an index into `story_ids`.
    pub story_of: Vec<u32>,
    /// Story ids: the one pass's (`s-` + the id of its first article) for the stories it
    /// opened, `r-` + the id of the report that left for it for those the rounds opened.
    /// Ids of stories left empty are unused.
    pub story_ids: Vec<String>,
}

impl Refinement {
    /// The story id of article `number`.
    pub fn story_id(&self, number: usize) -> Option<&str> {
        let label = *self.story_of.get(number)?;
        self.story_ids.get(label as usize).map(String::as_str)
    }
}

/// Runs the rounds over `state` and returns every article's final story.
pub fn refine<S: State>(state: &S, config: &Config) -> Result<Refinement, StateError> {
    let mut reports = Reports::read(state, config)?;
    let stories = usize::try_from(state.stories()?).unwrap_or(usize::MAX);
    let holders = Holders::new(&reports);
    contrast(&mut reports, &holders, config);
    let mut rounds = Rounds::new(&reports, holders, stories, config.refine_per_term);
    let stride = config.refine_candidates + 1;
    let compared = Compared {
        stride,
        labels: vec![u32::MAX; reports.list.len() * stride],
        scores: vec![0.0; reports.list.len() * stride],
    };
    let mut ctx = Settle {
        state,
        config,
        stories,
        new_ids: Vec::new(),
        opened: std::collections::HashSet::new(),
        compared,
        scratch: Vec::new(),
    };
    ctx.settle(&mut reports, &mut rounds, None)?;
    // The stories to look at for cuts: all of them, then those a merge made.
    let mut merged: Option<Vec<bool>> = None;
    for _ in 0..config.refine_passes {
        // Stories holding two events are cut in two, and the rounds settle again.
        let first = (stories + ctx.new_ids.len()) as u32;
        let own_score = |i: u32| {
            ctx.compared
                .score(i as usize, reports.list[i as usize].label)
        };
        let cuts = split(
            &reports,
            &rounds,
            config,
            own_score,
            first,
            merged.as_deref(),
        );
        if !cuts.seeds.is_empty() {
            for seed in &cuts.seeds {
                ctx.open(*seed)?;
            }
            let labels = stories + ctx.new_ids.len();
            let changed = rounds.apply(&mut reports, &cuts.moves, labels);
            ctx.settle(&mut reports, &mut rounds, Some(changed))?;
        }
        // Pieces of one event merge, their reports moving together, and the rounds
        // settle again; the next pass looks for cuts in the merged stories alone (one
        // piece may have held a report of another event, which the merge made a half).
        let merges = story_merges(&reports, &rounds, &ctx.compared, config);
        if merges.is_empty() {
            break;
        }
        let mut kept_of: HashMap<u32, u32> = HashMap::new();
        kept_of.extend(merges.iter().copied());
        let mut flags = vec![false; rounds.centroids.len()];
        for (_, kept) in &merges {
            flags[*kept as usize] = true;
        }
        merged = Some(flags);
        let moves: Vec<(u32, u32)> = reports
            .list
            .iter()
            .enumerate()
            .filter(|(_, r)| r.movable)
            .filter_map(|(i, r)| kept_of.get(&r.label).map(|kept| (i as u32, *kept)))
            .collect();
        let changed = rounds.apply(&mut reports, &moves, stories + ctx.new_ids.len());
        ctx.settle(&mut reports, &mut rounds, Some(changed))?;
    }
    let Settle { new_ids, .. } = ctx;
    // Copies follow their original.
    for i in 0..reports.list.len() {
        if let Some(original) = reports.list[i].original {
            reports.list[i].label = reports.list[original as usize].label;
        }
    }
    let mut used = vec![false; stories + new_ids.len()];
    for report in &reports.list {
        used[report.label as usize] = true;
    }
    let mut story_ids = Vec::with_capacity(used.len());
    for (label, used) in used.iter().enumerate().take(stories) {
        story_ids.push(match used {
            true => state
                .story(label as u64)?
                .map(|s| s.id.clone())
                .ok_or_else(|| StateError(format!("story {label} is missing")))?,
            false => String::new(),
        });
    }
    story_ids.extend(new_ids);
    Ok(Refinement {
        story_of: reports.list.iter().map(|r| r.label).collect(),
        story_ids,
    })
}

/// What the rounds need besides the reports and the stories.
struct Settle<'a, S: State> {
    state: &'a S,
    config: &'a Config,
    /// The one pass's stories (labels below it); new stories take the labels after.
    stories: usize,
    /// The ids of the stories the refinement opened, by label from `stories` on.
    new_ids: Vec<String>,
    opened: std::collections::HashSet<String>,
    /// The stories each report was last compared with (its own and the candidates), and
    /// its scores against them.
    compared: Compared,
    scratch: Vec<(u32, f32)>,
}

impl<S: State> Settle<'_, S> {
    /// Names a new story after report `i`, which opens it; returns its label.
    fn open(&mut self, i: u32) -> Result<u32, StateError> {
        let label = (self.stories + self.new_ids.len()) as u32;
        let id = self
            .state
            .doc(u64::from(i))?
            .map(|d| d.id.clone())
            .unwrap_or_default();
        // A report that opens two stories: the second is told apart by its number.
        let mut name = format!("r-{id}");
        if !self.opened.insert(name.clone()) {
            name = format!("r-{id}-{label}");
        }
        self.new_ids.push(name);
        Ok(label)
    }

    /// Runs rounds until nothing moves or `Config::refine_rounds` have run. `changed`:
    /// what changed since the reports were last scored (none: score them all).
    fn settle(
        &mut self,
        reports: &mut Reports,
        rounds: &mut Rounds,
        mut changed: Option<Changed>,
    ) -> Result<(), StateError> {
        let config = self.config;
        let mut settled = false;
        for _ in 0..config.refine_rounds {
            // Every report of the round reads the centroids as the round began.
            let mut moves: Vec<(u32, u32)> = Vec::new();
            // Story by story: a story's reports share their own centroid and most of their
            // candidates, which then stay in the cache.
            let order: Vec<u32> = rounds
                .centroids
                .iter()
                .flat_map(|c| c.members.iter().copied())
                .collect();
            for i in order {
                let i = i as usize;
                let report = &reports.list[i];
                let (last, last_scores) = self.compared.of(i);
                if !report.movable
                    || changed
                        .as_ref()
                        .is_some_and(|c| c.unchanged(reports, i, last))
                {
                    continue;
                }
                let i = i as u32;
                match choose(
                    reports,
                    i,
                    rounds,
                    changed.as_ref(),
                    config,
                    &mut self.scratch,
                    (last, last_scores),
                ) {
                    Choice::Stay => {}
                    Choice::Move(label) if label == report.label => {}
                    Choice::Move(label) => moves.push((i, label)),
                    Choice::Leave => {
                        let label = self.open(i)?;
                        moves.push((i, label));
                    }
                }
            }
            if moves.is_empty() {
                settled = true;
                break;
            }
            changed = Some(rounds.apply(reports, &moves, self.stories + self.new_ids.len()));
        }
        if let (false, Some(changed)) = (settled, &changed) {
            // Stopped by the round limit: the scores of the reports the last moves touched
            // are scored again against the final stories (where they would go is not used).
            for (i, report) in reports.list.iter().enumerate() {
                let (last, last_scores) = self.compared.of(i);
                if report.movable && !changed.unchanged(reports, i, last) {
                    let tools = (last, last_scores);
                    choose(
                        reports,
                        i as u32,
                        rounds,
                        None,
                        config,
                        &mut self.scratch,
                        tools,
                    );
                }
            }
        }
        Ok(())
    }
}

/// What each report was last compared with: `stride` slots per report, the stories
/// (sorted, `u32::MAX` when unused) and the scores against them (0 for a story that was
/// not scored: empty, or the report's own with no other member).
struct Compared {
    stride: usize,
    labels: Vec<u32>,
    scores: Vec<f32>,
}

impl Compared {
    fn of(&mut self, i: usize) -> (&mut [u32], &mut [f32]) {
        let at = i * self.stride..(i + 1) * self.stride;
        (&mut self.labels[at.clone()], &mut self.scores[at])
    }

    /// Report `i`'s last score against story `label` (0 when it was not compared).
    fn score(&self, i: usize, label: u32) -> f32 {
        let at = i * self.stride..(i + 1) * self.stride;
        self.labels[at.clone()]
            .iter()
            .zip(&self.scores[at])
            .find(|(l, _)| **l == label)
            .map_or(0.0, |(_, v)| *v)
    }
}

/// One article in the rounds.
struct Report {
    /// Its story now.
    label: u32,
    /// The article it copies (copies follow it and take no part).
    original: Option<u32>,
    /// It takes part: not a copy, and it has terms.
    movable: bool,
    /// Where its unit weights start in `Reports::weight` (parallel to its record's terms).
    weights: usize,
    /// Unit weight over anchors alone = unit weight over every term × this (0: no anchors).
    anchor_scale: f32,
    /// Its key terms (for candidates) in `Reports::keys`.
    keys: Range<usize>,
}

/// Every article: what the rounds read of its record, and its weights with the
/// document frequencies of now.
struct Reports<'s> {
    refine: Vec<Held<'s>>,
    list: Vec<Report>,
    /// Unit weights over every term.
    weight: Vec<f32>,
    /// Key terms (numbered in order of first use), and their unit weights.
    keys: Vec<u32>,
    key_weight: Vec<f32>,
    /// Where each key term is in its report's term list.
    key_place: Vec<u32>,
    /// How many distinct key terms.
    key_count: usize,
}

impl<'s> Reports<'s> {
    /// Reads every article record and weighs its terms with the idf of now.
    fn read<S: State>(state: &'s S, config: &Config) -> Result<Reports<'s>, StateError> {
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
    fn vector(&self, i: u32) -> (&[u64], &[f32]) {
        let terms = &self.refine[i as usize].terms;
        let start = self.list[i as usize].weights;
        let weights = self.weight.get(start..start + terms.len()).unwrap_or(&[]);
        (terms, weights)
    }
}

/// The norm of a report's weights over every term, and the factor that turns a unit
/// weight over every term into one over anchors alone (0: no anchors).
fn norms(terms: &[u64], weights: &[f32]) -> (f32, f32) {
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
enum Held<'s> {
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
fn room(docs: u64, per_doc: usize) -> usize {
    usize::try_from(docs)
        .unwrap_or(usize::MAX)
        .saturating_mul(per_doc)
        .min(1 << 32)
}

/// The most candidate stories kept per key term (`Config::refine_per_term` is held to it).
const MAX_PER_TERM: usize = 64;

/// The sum of a story's reports.
#[derive(Clone, Default)]
struct Centroid {
    members: Vec<u32>,
    /// Where its summed terms are in `Rounds::sums`, when it has two members or more.
    sums: Range<usize>,
    /// Squared norms of the sums (every term, anchors).
    norm2: [f32; 2],
    has_anchors: bool,
    /// Its dated span.
    span: Option<(i32, i32)>,
    /// How many of its members are dated.
    dated: u32,
    /// Its members' event days, sorted, without repeats.
    days: Vec<i32>,
}

impl Centroid {
    /// The centroid of `members` (sorted), its sums appended to `sums` when it has two
    /// members or more.
    fn of(reports: &Reports, members: Vec<u32>, sums: &mut Vec<Sum>) -> Centroid {
        let mut c = Centroid {
            members,
            ..Centroid::default()
        };
        for &i in &c.members {
            let report = &reports.list[i as usize];
            let record = &reports.refine[i as usize];
            c.has_anchors |= report.anchor_scale > 0.0;
            if let Some(d) = record.day {
                c.span = Some(c.span.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
                c.dated += 1;
            }
            c.days.extend_from_slice(&record.event_days);
        }
        c.days.sort_unstable();
        c.days.dedup();
        match c.members[..] {
            [] => {}
            [one] => {
                let anchors = reports.list[one as usize].anchor_scale > 0.0;
                c.norm2 = [1.0, if anchors { 1.0 } else { 0.0 }];
            }
            _ => {
                let mut entries: Vec<Sum> = Vec::new();
                for &i in &c.members {
                    let scale = reports.list[i as usize].anchor_scale;
                    let (terms, weights) = reports.vector(i);
                    entries.extend(terms.iter().zip(weights).map(|(term, w)| Sum {
                        term: *term,
                        all: *w,
                        anchor: if is_anchor(*term) { w * scale } else { 0.0 },
                    }));
                }
                // Stable: each term's weights add up in article order.
                entries.sort_by_key(|e| e.term);
                let start = sums.len();
                for e in entries {
                    let len = sums.len();
                    match sums.last_mut() {
                        Some(last) if len > start && last.term == e.term => {
                            last.all += e.all;
                            last.anchor += e.anchor;
                        }
                        _ => sums.push(e),
                    }
                }
                c.sums = start..sums.len();
                for s in &sums[c.sums.clone()] {
                    c.norm2[0] += s.all * s.all;
                    c.norm2[1] += s.anchor * s.anchor;
                }
            }
        }
        c
    }

    /// Its summed terms (in `sums`, where it was built): its own member's when it has one.
    fn terms<'a>(&self, reports: &'a Reports, sums: &'a [Sum]) -> CentroidTerms<'a> {
        match self.members[..] {
            [one] => {
                let (terms, weights) = reports.vector(one);
                CentroidTerms::Single(terms, weights, reports.list[one as usize].anchor_scale)
            }
            _ => CentroidTerms::Summed(&sums[self.sums.clone()]),
        }
    }
}

/// A term of a centroid: its summed unit weights over every term and over anchors.
#[derive(Clone, Copy)]
struct Sum {
    term: u64,
    all: f32,
    anchor: f32,
}

/// The state of the rounds: centroids, and the candidate stories of every key term.
struct Rounds {
    centroids: Vec<Centroid>,
    sums: Vec<Sum>,
    holders: Holders,
    /// Each key term's candidate stories: `per_term` slots from `k * per_term`, the
    /// unused ones `u32::MAX` (one flat array: a report reads a dozen lists, each then
    /// one cache miss, not two).
    lists: Vec<u32>,
    per_term: usize,
}

impl Rounds {
    fn new(reports: &Reports, holders: Holders, stories: usize, per_term: usize) -> Rounds {
        let per_term = per_term.clamp(1, MAX_PER_TERM);
        let mut rounds = Rounds {
            centroids: vec![Centroid::default(); stories],
            // The first sums take at most one entry per report term; half as much
            // again leaves room for the stories the rounds rebuild.
            sums: Vec::with_capacity(reports.weight.len() + reports.weight.len() / 2),
            holders,
            lists: vec![u32::MAX; reports.key_count * per_term],
            per_term,
        };
        for (i, report) in reports.list.iter().enumerate() {
            if report.movable {
                if let Some(c) = rounds.centroids.get_mut(report.label as usize) {
                    c.members.push(i as u32);
                }
            }
        }
        for label in 0..stories {
            rounds.rebuild(reports, label);
        }
        for k in 0..reports.key_count {
            rounds.relist(reports, k);
        }
        rounds
    }

    /// Sums the members of story `label` again.
    fn rebuild(&mut self, reports: &Reports, label: usize) {
        let Some(c) = self.centroids.get_mut(label) else {
            return;
        };
        let members = std::mem::take(&mut c.members);
        *c = Centroid::of(reports, members, &mut self.sums);
    }

    /// The candidate stories of key term `k`: the stories of the latest reports holding
    /// it, distinct, the `per_term` latest, oldest first. Returns whether the list changed.
    fn relist(&mut self, reports: &Reports, k: usize) -> bool {
        let holders = self.holders.of(k);
        let per_term = self.per_term;
        // Filled from the back: the latest holder's story goes last.
        let mut list = [u32::MAX; MAX_PER_TERM];
        let mut len = 0;
        for i in holders.iter().rev() {
            if len == per_term {
                break;
            }
            let label = reports.list[*i as usize].label;
            if !list[per_term - len..per_term].contains(&label) {
                len += 1;
                list[per_term - len] = label;
            }
        }
        // Oldest first, from slot 0.
        list[..per_term].rotate_left(per_term - len);
        let slots = &mut self.lists[k * per_term..(k + 1) * per_term];
        let changed = slots != &list[..per_term];
        slots.copy_from_slice(&list[..per_term]);
        changed
    }

    /// The candidate stories of key term `k`.
    fn list(&self, k: u32) -> impl Iterator<Item = u32> + '_ {
        let at = k as usize * self.per_term;
        self.lists[at..at + self.per_term]
            .iter()
            .copied()
            .take_while(|label| *label != u32::MAX)
    }

    /// Applies a round's moves: rebuilds the stories that gained or lost a report and
    /// the candidate lists of the movers' key terms; returns what changed.
    fn apply(&mut self, reports: &mut Reports, moves: &[(u32, u32)], labels: usize) -> Changed {
        if self.centroids.len() < labels {
            self.centroids.resize(labels, Centroid::default());
        }
        let mut stories = vec![false; labels];
        let mut relisted = vec![false; reports.key_count];
        for &(i, label) in moves {
            let report = &mut reports.list[i as usize];
            let old = report.label as usize;
            report.label = label;
            self.centroids[old].members.retain(|m| *m != i);
            let members = &mut self.centroids[label as usize].members;
            if let Err(at) = members.binary_search(&i) {
                members.insert(at, i);
            }
            stories[old] = true;
            stories[label as usize] = true;
            for &k in &reports.keys[report.keys.clone()] {
                relisted[k as usize] = true;
            }
        }
        for label in (0..labels).filter(|l| stories[*l]) {
            self.rebuild(reports, label);
        }
        for (k, relisted) in relisted.iter_mut().enumerate() {
            if *relisted {
                *relisted = self.relist(reports, k);
            }
        }
        Changed { stories, relisted }
    }
}

/// What the moves of a round changed.
struct Changed {
    /// By story: it gained or lost a report.
    stories: Vec<bool>,
    /// By key term: its candidate list changed.
    relisted: Vec<bool>,
}

impl Changed {
    /// True when report `i` would choose as it did: none of its key terms' candidate
    /// lists changed, nor any story it was compared with (`last`).
    fn unchanged(&self, reports: &Reports, i: usize, last: &[u32]) -> bool {
        let keys = &reports.keys[reports.list[i].keys.clone()];
        !keys.iter().any(|k| self.relisted[*k as usize])
            && !last
                .iter()
                .any(|l| *l != u32::MAX && self.stories[*l as usize])
    }
}

#[derive(Clone, Copy)]
enum CentroidTerms<'a> {
    Single(&'a [u64], &'a [f32], f32),
    Summed(&'a [Sum]),
}

enum Choice {
    Stay,
    Move(u32),
    Leave,
}

/// Where report `i` goes this round.
/// `last` holds the stories the report was compared with in the last round it was
/// scored. After the first round, `changed` holds the stories the last round's moves
/// changed: a report with the same candidates as last time, none of them changed, stays
/// where it is without being scored again (it would choose as it did).
fn choose(
    reports: &Reports,
    i: u32,
    rounds: &Rounds,
    changed: Option<&Changed>,
    config: &Config,
    scratch: &mut Vec<(u32, f32)>,
    (last, last_scores): (&mut [u32], &mut [f32]),
) -> Choice {
    let report = &reports.list[i as usize];
    // The first few candidates are scored in full, and the report's own story always.
    let ranked = scratch;
    rank_candidates(reports, i, rounds, config.refine_candidates, ranked);
    let mut labels: Vec<u32> = ranked.iter().map(|(label, _)| *label).collect();
    labels.push(report.label);
    labels.sort_unstable();
    labels.dedup();
    // The same candidates as last round, none of them changed: the same choice.
    let same = labels.len() <= last.len()
        && labels.iter().zip(last.iter()).all(|(a, b)| a == b)
        && last[labels.len()..].iter().all(|l| *l == u32::MAX);
    last.fill(u32::MAX);
    let n = labels.len().min(last.len());
    last[..n].copy_from_slice(&labels[..n]);
    if let Some(changed) = changed {
        if same && !labels.iter().any(|l| changed.stories[*l as usize]) {
            // The scores kept from last time still hold.
            return Choice::Stay;
        }
    }
    last_scores.fill(0.0);
    let mut best: Option<(f32, u32)> = None;
    let mut own = f32::MIN;
    for (slot, &label) in labels.iter().enumerate() {
        let members = rounds.centroids[label as usize].members.len();
        let is_own = label == report.label;
        if members == 0 || (is_own && members == 1) {
            continue;
        }
        let v = score(reports, i, rounds, label, config);
        if let Some(kept) = last_scores.get_mut(slot) {
            *kept = v;
        }
        if is_own {
            own = v;
        }
        if best.is_none_or(|(b, _)| v > b) {
            best = Some((v, label));
        }
    }
    let Some((best, label)) = best else {
        return Choice::Stay;
    };
    let floor = config.leave_floor;
    if label != report.label && (best < config.refine_threshold || own > floor && best < own) {
        Choice::Stay
    } else if best > floor {
        Choice::Move(label)
    } else if rounds.centroids[report.label as usize].members.len() == 1 {
        Choice::Stay
    } else {
        Choice::Leave
    }
}

/// Fills `ranked` with report `i`'s `n` best candidate stories (its own among them or
/// not) and the weight of the key terms each holds, in no particular order; among equal
/// weights the lower label ranks first. The lists name a dozen or two distinct stories: a
/// scan of the tally finds each faster than a sort would.
fn rank_candidates(
    reports: &Reports,
    i: u32,
    rounds: &Rounds,
    n: usize,
    ranked: &mut Vec<(u32, f32)>,
) {
    ranked.clear();
    let keys = reports.list[i as usize].keys.clone();
    for (k, weight) in reports.keys[keys.clone()]
        .iter()
        .zip(&reports.key_weight[keys])
    {
        for label in rounds.list(*k) {
            match ranked.iter_mut().find(|(l, _)| *l == label) {
                Some((_, sum)) => *sum += *weight,
                None => ranked.push((label, *weight)),
            }
        }
    }
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if ranked.len() > n {
        ranked.select_nth_unstable_by(n, order);
        ranked.truncate(n);
    }
}

/// The pairs of stories to merge once the rounds are over, as (absorbed, kept): the
/// pieces of one event that the one pass opened apart and that the rounds, moving one
/// report at a time, cannot join (each report matches its own piece best).
///
/// A pair of stories is worth the better of two means: that of one story's reports'
/// scores against the other story, and the same the other way round (the scores the
/// rounds last computed; a report that did not rank the other story among its best
/// candidates counts 0). The better direction, not the mean over both stories' reports:
/// the reports of a large story rank a small piece of their event low (its centroid is
/// narrow) or not at all, and would outvote the piece's own reports, which match the
/// large story as a whole; the rounds ask the same of a single report. Pairs worth
/// `Config::merge_threshold` or more merge, best first, each story at most once (no
/// chains), the later story into the earlier; a pair with a story of one report needs
/// the move bar (`Config::refine_threshold`), since the rounds let that report go to
/// any story it matched that well, and it stayed. The two must be dated alike: the shares
/// of their reports that are dated may differ by `Config::merge_dating_gap` at most. On
/// ECB+ (12 orders, worth then the mean over both stories' reports) the pairs worth 0.3 or
/// more of one kind were 19 pieces of one event and 1 pair of two events; of a dated and
/// an undated story, 8 and 10. A share, not "any report dated": one undated report that
/// recalls an earlier event by its full date is dated by it, and made a story of eight
/// count as dated, which kept it apart from the other piece of its event (eleven undated
/// reports, worth 0.49).
fn story_merges(
    reports: &Reports,
    rounds: &Rounds,
    compared: &Compared,
    config: &Config,
) -> Vec<(u32, u32)> {
    // Keyed by the pair (lower label, higher label) as one integer: the summed scores of
    // the lower story's reports against the higher, and of the higher's against the lower.
    let mut sums: HashMap<u64, [f32; 2], BuildHasherDefault<IdHasher>> = HashMap::default();
    for (i, report) in reports.list.iter().enumerate() {
        if !report.movable {
            continue;
        }
        let at = i * compared.stride..(i + 1) * compared.stride;
        for (&label, &v) in compared.labels[at.clone()].iter().zip(&compared.scores[at]) {
            if label == u32::MAX || label == report.label {
                continue;
            }
            // Kept, not stale: the rounds score a report again whenever its candidates or
            // their stories change.
            debug_assert!(
                rounds.centroids[label as usize].members.is_empty()
                    || (v - score(reports, i as u32, rounds, label, config)).abs() < 1e-5,
                "report {i}: the kept score against story {label} is stale"
            );
            if v <= 0.0 {
                continue;
            }
            let pair =
                u64::from(report.label.min(label)) << 32 | u64::from(report.label.max(label));
            sums.entry(pair).or_default()[usize::from(report.label > label)] += v;
        }
    }
    let mut pairs: Vec<(f32, u32, u32)> = sums
        .into_iter()
        .filter_map(|(pair, [from_lower, from_higher])| {
            let (a, b) = ((pair >> 32) as u32, pair as u32);
            let (one, other) = (&rounds.centroids[a as usize], &rounds.centroids[b as usize]);
            let worth = (from_lower / one.members.len().max(1) as f32)
                .max(from_higher / other.members.len().max(1) as f32);
            let dated_share = |c: &Centroid| c.dated as f32 / c.members.len().max(1) as f32;
            let alike_dating =
                (dated_share(one) - dated_share(other)).abs() <= config.merge_dating_gap;
            // A story of one report: the rounds let that report go anywhere it matched at
            // the move bar, and it stayed; a merge asks as much.
            let single = one.members.len() == 1 || other.members.len() == 1;
            let bar = if single {
                config.merge_threshold.max(config.refine_threshold)
            } else {
                config.merge_threshold
            };
            (alike_dating && worth >= bar).then_some((worth, a, b))
        })
        .collect();
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut merged = vec![false; rounds.centroids.len()];
    let mut merges = Vec::new();
    for (_, kept, absorbed) in pairs {
        if !merged[kept as usize] && !merged[absorbed as usize] {
            merged[kept as usize] = true;
            merged[absorbed as usize] = true;
            merges.push((absorbed, kept));
        }
    }
    merges
}

/// How many leading sums hold a term below `term` (they are sorted by term): doubling
/// steps find the stretch, a binary search the place within it. The merge calls it when
/// the first sum is below `term`, so it always moves on by one or more.
fn skip_below(sums: &[Sum], term: u64) -> usize {
    let mut step = 1;
    while step < sums.len() && sums[step].term < term {
        step *= 2;
    }
    let from = step / 2;
    let to = step.min(sums.len());
    from + sums[from..to].partition_point(|s| s.term < term)
}

/// How well report `i` matches story `label` (its own story without itself).
fn score(reports: &Reports, i: u32, rounds: &Rounds, label: u32, config: &Config) -> f32 {
    let own = label == reports.list[i as usize].label;
    let c = &rounds.centroids[label as usize];
    score_against(reports, i, c, c.terms(reports, &rounds.sums), own, config)
}

/// How well report `i` matches centroid `c` with summed terms `sums`; `own`: the report
/// is one of its members, taken out.
fn score_against(
    reports: &Reports,
    i: u32,
    c: &Centroid,
    sums: CentroidTerms,
    own: bool,
    config: &Config,
) -> f32 {
    let report = &reports.list[i as usize];
    let record = &reports.refine[i as usize];
    let (terms, weights) = reports.vector(i);
    let (mut dot_all, mut dot_anchor) = (0.0f32, 0.0f32);
    let mut add = |term: u64, w: f32, all: f32, anchor: f32| {
        dot_all += w * all;
        if is_anchor(term) {
            dot_anchor += w * report.anchor_scale * anchor;
        }
    };
    // Both sides are sorted by term: one merge. Its steps advance without a branch (the
    // smaller side, or both on a match: which one is a coin toss the predictor misses
    // half the time); only the rare matches branch.
    match sums {
        CentroidTerms::Single(other, other_weights, scale) => {
            let (mut a, mut b) = (0, 0);
            while a < terms.len() && b < other.len() {
                let (t, u) = (terms[a], other[b]);
                if t == u {
                    let w = other_weights[b];
                    add(t, weights[a], w, w * scale);
                }
                a += usize::from(t <= u);
                b += usize::from(t >= u);
            }
        }
        CentroidTerms::Summed(sums) => {
            // The sums are read in order, which the memory prefetches, where binary
            // searches missed the cache at nearly every step. A large story's sums
            // outnumber the report's terms many times over: the merge then gallops over
            // them (doubling steps, then a binary search within the last one), still
            // forward only.
            let gallop = sums.len() > 4 * terms.len();
            let (mut a, mut b) = (0, 0);
            while a < terms.len() && b < sums.len() {
                let (t, s) = (terms[a], sums[b]);
                if gallop && t > s.term {
                    b += skip_below(&sums[b..], t);
                    continue;
                }
                if t == s.term {
                    add(t, weights[a], s.all, s.anchor);
                }
                a += usize::from(t <= s.term);
                b += usize::from(t >= s.term);
            }
        }
    }
    // Own story: the report's unit vector taken out of the sum.
    let cosine = |dot: f32, norm2: f32| {
        let (dot, norm2) = if own {
            (dot - 1.0, norm2 - 2.0 * dot + 1.0)
        } else {
            (dot, norm2)
        };
        if norm2 > 1e-6 && dot > 0.0 {
            dot / norm2.sqrt()
        } else {
            0.0
        }
    };
    let all = cosine(dot_all, c.norm2[0]);
    let story_has_anchors = c.has_anchors && !(own && c.members.len() <= 1);
    let mut v = if report.anchor_scale > 0.0 && story_has_anchors {
        let a = cosine(dot_anchor, c.norm2[1]);
        if a < config.anchor_floor {
            0.0
        } else {
            (1.0 - config.anchor_mix) * all + config.anchor_mix * a
        }
    } else {
        all
    };
    let days = &record.event_days;
    let conflict = !days.is_empty()
        && !c.days.is_empty()
        && !days
            .iter()
            .any(|d| c.days.iter().any(|e| (e - d).abs() <= EVENT_DAY_SLACK));
    if conflict {
        v *= config.day_conflict_factor;
    }
    if let (Some(d), Some((first, last))) = (record.day, c.span) {
        if (first - d).max(d - last) > config.window_days {
            v *= config.far_factor;
        }
    }
    // One side dated, the other not (the own story counted without the report): the
    // one pass's undated discount, milder, since the rounds see every report's terms.
    let others_dated = c.dated - u32::from(own && record.day.is_some());
    if record.day.is_some() != (others_dated > 0) {
        v *= config.refine_undated_factor;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::state::{Changes, DocRecord, MemoryState};
    use crate::cluster::StoryProfile;

    /// One article as the test states hold it.
    struct Placed<'a> {
        id: &'a str,
        story: u64,
        copy_of: Option<&'a str>,
        terms: &'a [u64],
        day: Option<i32>,
        event_days: &'a [i32],
    }

    fn placed<'a>(id: &'a str, story: u64, terms: &'a [u64]) -> Placed<'a> {
        Placed {
            id,
            story,
            copy_of: None,
            terms,
            day: None,
            event_days: &[],
        }
    }

    /// A memory state holding `articles` in their stories, as the one pass left them.
    fn state_of(articles: &[Placed]) -> MemoryState {
        let mut state = MemoryState::new();
        let mut stories: Vec<StoryProfile> = Vec::new();
        for (number, a) in articles.iter().enumerate() {
            let new_story = a.story as usize == stories.len();
            if new_story {
                stories.push(StoryProfile {
                    id: format!("s-{}", a.id),
                    reports: 0,
                    first_day: None,
                    last_day: None,
                    terms: Vec::new(),
                    event_days: Vec::new(),
                    norms: [0.0; 2],
                });
            }
            let story = &mut stories[a.story as usize];
            story.reports += 1;
            let refine = match a.copy_of {
                // As `pick::copy_changes` keeps it: the copy's day alone.
                Some(_) => RefineTerms {
                    day: a.day,
                    ..RefineTerms::default()
                },
                None => RefineTerms {
                    terms: a.terms.to_vec(),
                    tf: vec![1.0; a.terms.len()],
                    day: a.day,
                    event_days: a.event_days.to_vec(),
                },
            };
            state.apply(Changes {
                doc_number: number as u64,
                doc: DocRecord {
                    id: a.id.to_string(),
                    story: a.story,
                    copy_of: a.copy_of.map(str::to_string),
                    sketch: Default::default(),
                    figures: 0,
                    refine,
                },
                digest: None,
                bands: Vec::new(),
                df_terms: if a.copy_of.is_some() {
                    Vec::new()
                } else {
                    a.terms.to_vec()
                },
                story_number: a.story,
                story: story.clone(),
                new_story,
                postings: Vec::new(),
            });
        }
        state
    }

    fn stories_of(state: &MemoryState) -> Vec<String> {
        stories_with(state, &Config::default())
    }

    // Two events of one kind: they share the words of the kind (1-4), each has its own
    // names and figures (10-15 for A, 20-25 for B). Four shared words of ten, at the
    // same weight as the names, make the two events alike enough for the merge step
    // (real events of a kind share fewer, and commoner, words): the tests of the rounds'
    // moves run without it (`no_merge`).
    const A: &[u64] = &[1, 2, 3, 4, 10, 11, 12, 13, 14, 15];
    const A2: &[u64] = &[1, 2, 3, 10, 11, 12, 13, 14, 16];
    const A3: &[u64] = &[2, 3, 4, 10, 11, 12, 14, 15, 17];
    const B: &[u64] = &[1, 2, 3, 4, 20, 21, 22, 23, 24, 25];
    const B2: &[u64] = &[1, 2, 4, 20, 21, 22, 23, 24, 26];
    const B3: &[u64] = &[1, 3, 4, 20, 21, 22, 24, 25, 27];

    /// B's first report arrived while only A's story existed and joined it; B's later
    /// reports opened their own story.
    fn b1_misplaced() -> Vec<Placed<'static>> {
        vec![
            placed("a1", 0, A),
            placed("b1", 0, B),
            placed("a2", 0, A2),
            placed("a3", 0, A3),
            placed("b2", 1, B2),
            placed("b3", 1, B3),
        ]
    }

    #[test]
    fn a_report_placed_with_the_wrong_event_moves_to_its_own() {
        let state = state_of(&b1_misplaced());
        assert_eq!(
            stories_with(&state, &no_merge()),
            ["s-a1", "s-b2", "s-a1", "s-a1", "s-b2", "s-b2"]
        );
    }

    #[test]
    fn copies_follow_their_original() {
        let mut articles = b1_misplaced();
        articles.push(Placed {
            copy_of: Some("b1"),
            ..placed("b1-copy", 0, &[])
        });
        let stories = stories_with(&state_of(&articles), &no_merge());
        assert_eq!(stories[1], "s-b2");
        assert_eq!(stories[6], "s-b2");
    }

    #[test]
    fn a_report_unlike_its_story_and_every_other_leaves_for_its_own() {
        let state = state_of(&[
            placed("a1", 0, A),
            placed("a2", 0, A2),
            placed("stray", 0, &[40, 41, 42, 43]),
            placed("a3", 0, A3),
        ]);
        assert_eq!(stories_of(&state), ["s-a1", "s-a1", "r-stray", "s-a1"]);
    }

    /// Report `i`'s score against story `label` in `state` before any round.
    fn score_in(state: &MemoryState, i: u32, label: u32) -> f32 {
        let config = Config::default();
        let reports = Reports::read(state, &config).expect("memory");
        let holders = Holders::new(&reports);
        let rounds = Rounds::new(&reports, holders, 2, config.refine_per_term);
        score(&reports, i, &rounds, label, &config)
    }

    #[test]
    fn days_far_apart_and_dates_out_of_the_window_lower_the_score() {
        let with = |b1_days: &'static [i32], b1_day: Option<i32>| {
            state_of(&[
                placed("a1", 0, A),
                Placed {
                    event_days: b1_days,
                    day: b1_day,
                    ..placed("b1", 0, B)
                },
                Placed {
                    event_days: &[739_000],
                    day: Some(739_001),
                    ..placed("b2", 1, B2)
                },
                Placed {
                    event_days: &[739_001],
                    day: Some(739_002),
                    ..placed("b3", 1, B3)
                },
            ])
        };
        let config = Config::default();
        let near = score_in(&with(&[739_002], Some(739_003)), 1, 1);
        assert!(near > config.threshold, "{near}");
        // It names a day two weeks away from the story's: another event of the kind.
        let conflict = score_in(&with(&[739_016], Some(739_003)), 1, 1);
        assert!((conflict - near * config.day_conflict_factor).abs() < 1e-6);
        // Published far outside the story's dated span.
        let far = score_in(&with(&[], Some(739_100)), 1, 1);
        let within = score_in(&with(&[], Some(739_003)), 1, 1);
        assert!((far - within * config.far_factor).abs() < 1e-6);
    }

    #[test]
    fn one_side_dated_and_the_other_not_lowers_the_score() {
        let with = |b1_day: Option<i32>, b2_day: Option<i32>, b3_day: Option<i32>| {
            state_of(&[
                placed("a1", 0, A),
                Placed {
                    day: b1_day,
                    ..placed("b1", 0, B)
                },
                Placed {
                    day: b2_day,
                    ..placed("b2", 1, B2)
                },
                Placed {
                    day: b3_day,
                    ..placed("b3", 1, B3)
                },
            ])
        };
        let factor = Config::default().refine_undated_factor;
        assert!(factor < 1.0);
        let day = Some(739_000);
        let neither = score_in(&with(None, None, None), 1, 1);
        assert!(neither > 0.0);
        assert!((score_in(&with(day, day, day), 1, 1) - neither).abs() < 1e-6);
        // The report dated, the story not; the story dated, the report not.
        for one_side in [with(day, None, None), with(None, day, day)] {
            assert!((score_in(&one_side, 1, 1) - neither * factor).abs() < 1e-6);
        }
        // A story is dated by its other reports: b2, dated, against its own story,
        // whose other report is not.
        let own = score_in(&with(None, day, None), 2, 1);
        assert!((own - score_in(&with(None, None, None), 2, 1) * factor).abs() < 1e-6);
    }

    #[test]
    fn an_undated_original_takes_the_earliest_day_of_its_copies() {
        let day = Some(739_000);
        let with_copies = |copy_days: &[Option<i32>]| {
            let mut articles = vec![
                placed("a1", 0, A),
                placed("b1", 0, B),
                Placed {
                    day,
                    ..placed("b2", 1, B2)
                },
                Placed {
                    day,
                    ..placed("b3", 1, B3)
                },
            ];
            for (n, copy_day) in copy_days.iter().enumerate() {
                articles.push(Placed {
                    copy_of: Some("b1"),
                    day: *copy_day,
                    ..placed(["b1-copy", "b1-copy-2"][n], 0, &[])
                });
            }
            state_of(&articles)
        };
        let config = Config::default();
        let day_of =
            |state: &MemoryState| Reports::read(state, &config).expect("memory").refine[1].day;
        assert_eq!(day_of(&with_copies(&[])), None);
        assert_eq!(day_of(&with_copies(&[None])), None);
        assert_eq!(
            day_of(&with_copies(&[Some(739_003), Some(739_001)])),
            Some(739_001)
        );
        // Dated by its copy, b1 meets the dated story without the undated discount.
        let undated = score_in(&with_copies(&[]), 1, 1);
        let dated = score_in(&with_copies(&[day]), 1, 1);
        assert!(
            (undated - dated * config.refine_undated_factor).abs() < 1e-6,
            "{undated} {dated}"
        );
    }

    /// One event told in two stories of two reports each: all four share the event's
    /// words (1-6); each story's two reports also share a word of their own (20, 30), so
    /// each report matches its own story best. Another event (40-47) has a story of its
    /// own. The first story's reports are dated `day`, the second's `second_day`.
    fn two_pieces(day: Option<i32>, second_day: Option<i32>) -> MemoryState {
        with_another_event(vec![
            Placed {
                day,
                ..placed("a1", 0, &[1, 2, 3, 4, 5, 6, 20, 21])
            },
            Placed {
                day,
                ..placed("a2", 0, &[1, 2, 3, 4, 5, 6, 20, 22])
            },
            Placed {
                day: second_day,
                ..placed("a3", 1, &[1, 2, 3, 4, 5, 6, 30, 31])
            },
            Placed {
                day: second_day,
                ..placed("a4", 1, &[1, 2, 3, 4, 5, 6, 30, 32])
            },
        ])
    }

    /// `articles`, and another event's report (b1) in a story of its own after them.
    fn with_another_event(mut articles: Vec<Placed>) -> MemoryState {
        articles.push(placed("b1", 2, &[40, 41, 42, 43, 44, 45, 46, 47]));
        state_of(&articles)
    }

    /// The default configuration without the merge step.
    fn no_merge() -> Config {
        Config {
            merge_threshold: f32::INFINITY,
            ..Config::default()
        }
    }

    fn stories_with(state: &MemoryState, config: &Config) -> Vec<String> {
        let refined = refine(state, config).expect("memory state");
        (0..refined.story_of.len())
            .map(|n| refined.story_id(n).unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn pieces_of_one_event_merge_after_the_rounds() {
        for day in [None, Some(739_000)] {
            let state = two_pieces(day, day);
            // The rounds alone leave the pieces apart: each report matches its own best.
            assert_eq!(
                stories_with(&state, &no_merge()),
                ["s-a1", "s-a1", "s-a3", "s-a3", "s-b1"]
            );
            // Merged into the earlier story; the other event's story stays apart.
            assert_eq!(
                stories_with(&state, &Config::default()),
                ["s-a1", "s-a1", "s-a1", "s-a1", "s-b1"]
            );
        }
    }

    #[test]
    fn a_dated_story_and_an_undated_one_do_not_merge() {
        let state = two_pieces(Some(739_000), None);
        assert_eq!(
            stories_with(&state, &Config::default()),
            ["s-a1", "s-a1", "s-a3", "s-a3", "s-b1"]
        );
    }

    #[test]
    fn one_dated_report_does_not_keep_undated_pieces_apart() {
        // Two pieces of three reports; one report of the second is dated (by a full date
        // written in its text, say): a third of it dated against none of the first,
        // within the gap. Each piece's reports share two words of their own, so the
        // rounds leave them apart whatever the undated discount does.
        let words: [&[u64]; 6] = [
            &[1, 2, 3, 4, 5, 6, 20, 21, 22],
            &[1, 2, 3, 4, 5, 6, 20, 21, 23],
            &[1, 2, 3, 4, 5, 6, 20, 21, 24],
            &[1, 2, 3, 4, 5, 6, 30, 31, 32],
            &[1, 2, 3, 4, 5, 6, 30, 31, 33],
            &[1, 2, 3, 4, 5, 6, 30, 31, 34],
        ];
        let articles: Vec<Placed> = ["a1", "a2", "a3", "a4", "a5", "a6"]
            .into_iter()
            .zip(words)
            .enumerate()
            .map(|(n, (id, words))| Placed {
                day: (n == 5).then_some(739_000),
                ..placed(id, (n / 3) as u64, words)
            })
            .collect();
        let state = with_another_event(articles);
        assert_eq!(
            stories_with(&state, &no_merge()),
            ["s-a1", "s-a1", "s-a1", "s-a4", "s-a4", "s-a4", "s-b1"]
        );
        assert_eq!(
            stories_with(&state, &Config::default()),
            ["s-a1", "s-a1", "s-a1", "s-a1", "s-a1", "s-a1", "s-b1"]
        );
    }

    #[test]
    fn a_small_piece_joins_the_large_story_its_reports_match() {
        // One event: a story of six reports and a piece of two. All share the event's
        // words (1-6); the large story's reports also share 20 and 21, the piece's 30
        // and 31. Each of the large story's reports has eight words of its own, each of
        // the piece's one: the piece's reports match the large story as a whole, while
        // the large story's six reports rank the narrow piece low, and would outvote the
        // piece in a mean over both stories.
        let words: Vec<Vec<u64>> = (0..8u64)
            .map(|n| {
                let own: &[u64] = if n < 6 { &[20, 21] } else { &[30, 31] };
                let mut w = vec![1, 2, 3, 4, 5, 6];
                w.extend_from_slice(own);
                let own_words = if n < 6 { 8 } else { 1 };
                w.extend((0..own_words).map(|k| 100 + 20 * n + k));
                w
            })
            .collect();
        let ids = ["a1", "a2", "a3", "a4", "a5", "a6", "p1", "p2"];
        let articles: Vec<Placed> = ids
            .iter()
            .zip(&words)
            .enumerate()
            .map(|(n, (id, words))| placed(id, u64::from(n >= 6), words))
            .collect();
        let state = with_another_event(articles);
        // The rounds leave the piece apart: its reports match each other best.
        assert_eq!(
            stories_with(&state, &no_merge())[..8],
            ["s-a1", "s-a1", "s-a1", "s-a1", "s-a1", "s-a1", "s-p1", "s-p1"]
        );
        // The piece's reports match the large story at 0.53 on average; the large
        // story's reports match the piece at 0.37: a mean over all eight reports would
        // be 0.41. A bar between the two shows which the merge reads.
        let bar = Config {
            merge_threshold: 0.5,
            ..Config::default()
        };
        assert_eq!(stories_with(&state, &bar)[..8], ["s-a1"; 8]);
    }

    #[test]
    fn records_without_terms_keep_their_story_and_nothing_moves_without_cause() {
        // Written before refinement existed: no terms. And a state where every story
        // holds one event: the rounds change nothing.
        let state = state_of(&[
            placed("old", 0, &[]),
            placed("a1", 1, A),
            placed("a2", 1, A2),
            placed("b1", 2, B),
            placed("b2", 2, B2),
        ]);
        assert_eq!(
            stories_with(&state, &no_merge()),
            ["s-old", "s-a1", "s-a1", "s-b1", "s-b1"]
        );
    }

    #[test]
    fn the_same_state_gives_the_same_stories() {
        // Two stories that each mix the events.
        let articles = [
            placed("a1", 0, A),
            placed("b1", 0, B),
            placed("a2", 0, A2),
            placed("b2", 1, B2),
            placed("a3", 1, A3),
            placed("b3", 1, B3),
        ];
        let first = refine(&state_of(&articles), &Config::default()).expect("memory");
        let again = refine(&state_of(&articles), &Config::default()).expect("memory");
        assert_eq!(first, again);
    }

    /// Report `i`'s terms with their unit weights before and after `contrast`.
    fn contrasted(state: &MemoryState, i: u32, config: &Config) -> Vec<(u64, f32, f32)> {
        let mut reports = Reports::read(state, config).expect("memory");
        let before = reports.vector(i).1.to_vec();
        let holders = Holders::new(&reports);
        contrast(&mut reports, &holders, config);
        let (terms, after) = reports.vector(i);
        terms
            .iter()
            .zip(before)
            .zip(after)
            .map(|((term, before), after)| (*term, before, *after))
            .collect()
    }

    /// What is left of `term`'s weight in `weights` (after / before).
    fn kept(weights: &[(u64, f32, f32)], term: u64) -> f32 {
        let (_, before, after) = weights
            .iter()
            .find(|w| w.0 == term)
            .copied()
            .expect("a term of the report");
        after / before
    }

    /// The factor `contrast` gives a key term that `holding` neighbours hold.
    fn contrast_factor(config: &Config, holding: f32) -> f32 {
        1.0 - config.contrast_strength * holding / config.contrast_neighbours as f32
    }

    #[test]
    fn words_the_neighbours_hold_weigh_less_than_the_reports_own() {
        // a1's neighbours are the five other reports: word 2 is a key term of four of
        // them, name 10 of two (a2, a3), name 13 of one (a2).
        let config = Config::default();
        let weights = contrasted(&state_of(&b1_misplaced()), 0, &config);
        let relative = |term: u64| kept(&weights, term) / kept(&weights, 13);
        let expected =
            |holding: f32| contrast_factor(&config, holding) / contrast_factor(&config, 1.0);
        assert!(
            (relative(2) - expected(4.0)).abs() < 1e-5,
            "{}",
            relative(2)
        );
        assert!(
            (relative(10) - expected(2.0)).abs() < 1e-5,
            "{}",
            relative(10)
        );
        assert!(relative(2) < relative(10) && relative(10) < 1.0);
        let norm2: f32 = weights.iter().map(|w| w.2 * w.2).sum();
        assert!((norm2 - 1.0).abs() < 1e-5, "still a unit vector: {norm2}");
    }

    #[test]
    fn the_neighbours_are_the_reports_sharing_the_most_key_terms() {
        // Two neighbours: a1's are a2 and a3 (eight key terms shared each; b1, b2, b3
        // share three or four). Word 1 is then held by a2 alone, as name 13 is; b1, b2
        // and b3 also hold word 1 but are not neighbours.
        let config = Config {
            contrast_neighbours: 2,
            ..Config::default()
        };
        let weights = contrasted(&state_of(&b1_misplaced()), 0, &config);
        assert!((kept(&weights, 1) / kept(&weights, 13) - 1.0).abs() < 1e-5);
        let both = contrast_factor(&config, 2.0) / contrast_factor(&config, 1.0);
        assert!((kept(&weights, 2) / kept(&weights, 13) - both).abs() < 1e-5);
    }

    #[test]
    fn a_story_of_one_report_merges_only_at_the_move_bar() {
        // y1 matches the x story at about 0.5. No report moves (the move bar is 0.9) and
        // the merge bar is low: y1 alone stays apart, since the rounds let it go to any
        // story it matched at the move bar; two such reports merge at the merge bar.
        let config = Config {
            refine_threshold: 0.9,
            merge_threshold: 0.1,
            ..Config::default()
        };
        let x1 = || placed("x1", 0, &[1, 2, 3, 4, 5, 6]);
        let x2 = || placed("x2", 0, &[1, 2, 3, 4, 5, 7]);
        let y1 = || placed("y1", 1, &[1, 2, 3, 8, 9, 10]);
        let alone = state_of(&[x1(), x2(), y1()]);
        assert_eq!(stories_with(&alone, &config), ["s-x1", "s-x1", "s-y1"]);
        let y2 = placed("y2", 1, &[1, 2, 3, 8, 9, 11]);
        let two = state_of(&[x1(), x2(), y1(), y2]);
        assert_eq!(stories_with(&two, &config), ["s-x1"; 4]);
    }

    // Two events that share one word of their kind (1) and nothing else, for the cuts.
    const C1: &[u64] = &[1, 30, 31, 32, 33, 34, 35, 36];
    const C2: &[u64] = &[1, 30, 31, 32, 33, 34, 37, 38];
    const C3: &[u64] = &[1, 30, 31, 32, 35, 36, 37, 39];
    const C4: &[u64] = &[1, 31, 32, 33, 34, 35, 36, 39];
    const D1: &[u64] = &[1, 50, 51, 52, 53, 54, 55, 56];
    const D2: &[u64] = &[1, 50, 51, 52, 53, 54, 57, 58];
    const D3: &[u64] = &[1, 50, 51, 52, 55, 56, 57, 59];

    /// Reports that the one pass all put in one story.
    fn one_story(reports: &[(&'static str, &'static [u64])]) -> Vec<Placed<'static>> {
        reports
            .iter()
            .map(|(id, terms)| placed(id, 0, terms))
            .collect()
    }

    /// The stories of `state` as groups of article ids (sorted), and their story ids.
    fn groups(state: &MemoryState) -> Vec<(String, Vec<String>)> {
        let refined = refine(state, &Config::default()).expect("memory state");
        let mut by_story: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for n in 0..refined.story_of.len() {
            let id = state
                .doc(n as u64)
                .expect("memory")
                .expect("record")
                .id
                .clone();
            let story = refined.story_id(n).unwrap_or("?").to_string();
            by_story.entry(story).or_default().push(id);
        }
        by_story.into_iter().collect()
    }

    #[test]
    fn a_story_holding_two_events_is_cut_in_two() {
        // D's first report joined C's story, and so did the rest of D: every report
        // matches the mixed story best, so no single move undoes it.
        let state = state_of(&one_story(&[
            ("c1", C1),
            ("d1", D1),
            ("c2", C2),
            ("d2", D2),
            ("c3", C3),
            ("d3", D3),
            ("c4", C4),
        ]));
        let stories = groups(&state);
        let members: Vec<&[String]> = stories.iter().map(|(_, m)| m.as_slice()).collect();
        assert_eq!(
            members,
            [&["d1", "d2", "d3"][..], &["c1", "c2", "c3", "c4"][..]]
        );
        assert!(
            stories[0].0.starts_with("r-d"),
            "the cut-off half is a new story, named by its seed: {}",
            stories[0].0
        );
        assert_eq!(stories[1].0, "s-c1");
        // Without cuts, the rounds leave the story whole.
        let whole = Config {
            split_threshold: 0.0,
            ..Config::default()
        };
        assert_eq!(stories_with(&state, &whole), ["s-c1"; 7]);
    }

    #[test]
    fn pieces_of_one_event_are_not_cut() {
        // The same event told in two ways: C's words, half of them shared with the other
        // telling.
        const E1: &[u64] = &[1, 30, 31, 32, 33, 60, 61, 62];
        const E2: &[u64] = &[1, 30, 31, 34, 35, 60, 61, 63];
        const E3: &[u64] = &[1, 31, 32, 33, 34, 60, 62, 63];
        let state = state_of(&one_story(&[
            ("c1", C1),
            ("c2", C2),
            ("c3", C3),
            ("e1", E1),
            ("e2", E2),
            ("e3", E3),
        ]));
        // The halves match each other at 0.52: no cut (and no merge to undo one).
        assert_eq!(stories_with(&state, &no_merge()), ["s-c1"; 6]);
    }

    #[test]
    fn a_half_counts_its_copies() {
        let mut articles = one_story(&[
            ("c1", C1),
            ("c2", C2),
            ("d1", D1),
            ("c3", C3),
            ("d2", D2),
            ("c4", C4),
        ]);
        // Two reports of D: too few for a half of their own (`split_min_half` is 3).
        assert_eq!(Config::default().split_min_half, 3);
        assert_eq!(stories_of(&state_of(&articles)), ["s-c1"; 6]);
        // One of them reprinted: D is an event of three reports, and leaves.
        articles.push(Placed {
            copy_of: Some("d1"),
            ..placed("d1-copy", 0, &[])
        });
        let stories = stories_of(&state_of(&articles));
        assert_eq!(
            stories,
            ["s-c1", "s-c1", "r-d1", "s-c1", "r-d1", "s-c1", "r-d1"]
        );
    }

    proptest::proptest! {
        /// The gallop lands where a plain search would: on the first sum whose term is
        /// not below the probe (0 when none is below it, the length when all are).
        #[test]
        fn galloping_skips_exactly_the_sums_below_the_term(
            mut terms in proptest::collection::vec(proptest::num::u64::ANY, 0..400),
            probe in proptest::num::u64::ANY,
            pick in proptest::num::usize::ANY,
        ) {
            terms.sort_unstable();
            terms.dedup();
            let sums: Vec<Sum> = terms
                .iter()
                .map(|term| Sum { term: *term, all: 1.0, anchor: 0.0 })
                .collect();
            // A random probe, and one that sits on a term or just past it.
            let on_a_term = terms.get(pick % terms.len().max(1)).copied().unwrap_or(0);
            for probe in [probe, on_a_term, on_a_term.saturating_add(1)] {
                let expected = sums.partition_point(|s| s.term < probe);
                proptest::prop_assert_eq!(skip_below(&sums, probe), expected);
            }
        }
    }
}
