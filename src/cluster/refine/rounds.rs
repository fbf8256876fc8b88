//! The rounds' stories and scores: centroids, candidate lists, and where a report goes.
//!
//! In: the [`Reports`] and every report's story label. Out: [`Rounds`], each story's
//! centroid (the sum of its reports' unit vectors, every term and anchors apart, with its
//! dated span and event days) and each key term's candidate stories; [`choose`], the story
//! a report goes to in a round; [`score_against`], how well a report matches a centroid,
//! which the cuts (`split`) and merges (`merge`) read too.
//!
//! Why: a report is compared with whole stories, not with the story profile the one pass
//! built on its arrival; the score is the one pass's (anchor mix and veto, window, day
//! conflict), with a milder discount when one side alone is dated.

use std::collections::hash_map::{Entry, HashMap};
use std::hash::BuildHasherDefault;
use std::ops::Range;

use super::contrast::Holders;
use super::reports::Reports;
use super::Config;
use crate::cluster::features::is_anchor;
use crate::cluster::state::IdHasher;
use crate::cluster::stories::EVENT_DAY_SLACK;

/// The most candidate stories kept per key term (`Config::refine_per_term` is held to it).
pub(super) const MAX_PER_TERM: usize = 64;

/// The sum of a story's reports.
#[derive(Clone, Default)]
pub(super) struct Centroid {
    pub(super) members: Vec<u32>,
    /// Where its summed terms are in `Rounds::sums`, when it has two members or more.
    pub(super) sums: Range<usize>,
    /// Squared norms of the sums (every term, anchors).
    pub(super) norm2: [f32; 2],
    pub(super) has_anchors: bool,
    /// Its dated span.
    pub(super) span: Option<(i32, i32)>,
    /// How many of its members are dated.
    pub(super) dated: u32,
    /// Its members' event days, sorted, without repeats.
    pub(super) days: Vec<i32>,
}

impl Centroid {
    /// The centroid of `members` (sorted), its sums appended to `sums` when it has two
    /// members or more.
    pub(super) fn of(reports: &Reports, members: Vec<u32>, sums: &mut Vec<Sum>) -> Centroid {
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
                // Each term's weights add up in article order (the members are sorted),
                // into its sum found by term; the distinct terms are sorted after.
                let start = sums.len();
                let entries = c.members.iter().map(|i| reports.vector(*i).0.len()).sum();
                let mut at: HashMap<u64, usize, BuildHasherDefault<IdHasher>> =
                    HashMap::with_capacity_and_hasher(entries, Default::default());
                for &i in &c.members {
                    let scale = reports.list[i as usize].anchor_scale;
                    let (terms, weights) = reports.vector(i);
                    for (term, w) in terms.iter().zip(weights) {
                        let anchor = if is_anchor(*term) { w * scale } else { 0.0 };
                        match at.entry(*term) {
                            Entry::Occupied(e) => {
                                let sum = &mut sums[*e.get()];
                                sum.all += w;
                                sum.anchor += anchor;
                            }
                            Entry::Vacant(e) => {
                                e.insert(sums.len());
                                sums.push(Sum {
                                    term: *term,
                                    all: *w,
                                    anchor,
                                });
                            }
                        }
                    }
                }
                sums[start..].sort_unstable_by_key(|s| s.term);
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
    pub(super) fn terms<'a>(&self, reports: &'a Reports, sums: &'a [Sum]) -> CentroidTerms<'a> {
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
pub(super) struct Sum {
    pub(super) term: u64,
    pub(super) all: f32,
    pub(super) anchor: f32,
}

/// The state of the rounds: centroids, and the candidate stories of every key term.
pub(super) struct Rounds {
    pub(super) centroids: Vec<Centroid>,
    pub(super) sums: Vec<Sum>,
    pub(super) holders: Holders,
    /// Each key term's candidate stories: `per_term` slots from `k * per_term`, the
    /// unused ones `u32::MAX` (one flat array: a report reads a dozen lists, each then
    /// one cache miss, not two).
    pub(super) lists: Vec<u32>,
    pub(super) per_term: usize,
}

impl Rounds {
    pub(super) fn new(
        reports: &Reports,
        holders: Holders,
        stories: usize,
        per_term: usize,
    ) -> Rounds {
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
    pub(super) fn rebuild(&mut self, reports: &Reports, label: usize) {
        let Some(c) = self.centroids.get_mut(label) else {
            return;
        };
        let members = std::mem::take(&mut c.members);
        *c = Centroid::of(reports, members, &mut self.sums);
    }

    /// The candidate stories of key term `k`: the stories of the latest reports holding
    /// it, distinct, the `per_term` latest, oldest first. Returns whether the list changed.
    pub(super) fn relist(&mut self, reports: &Reports, k: usize) -> bool {
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
    pub(super) fn list(&self, k: u32) -> impl Iterator<Item = u32> + '_ {
        let at = k as usize * self.per_term;
        self.lists[at..at + self.per_term]
            .iter()
            .copied()
            .take_while(|label| *label != u32::MAX)
    }

    /// Applies a round's moves: rebuilds the stories that gained or lost a report and
    /// the candidate lists of the movers' key terms; returns what changed.
    pub(super) fn apply(
        &mut self,
        reports: &mut Reports,
        moves: &[(u32, u32)],
        labels: usize,
    ) -> Changed {
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
pub(super) struct Changed {
    /// By story: it gained or lost a report.
    pub(super) stories: Vec<bool>,
    /// By key term: its candidate list changed.
    pub(super) relisted: Vec<bool>,
}

impl Changed {
    /// True when report `i` would choose as it did: none of its key terms' candidate
    /// lists changed, nor any story it was compared with (`last`).
    pub(super) fn unchanged(&self, reports: &Reports, i: usize, last: &[u32]) -> bool {
        let keys = &reports.keys[reports.list[i].keys.clone()];
        !keys.iter().any(|k| self.relisted[*k as usize])
            && !last
                .iter()
                .any(|l| *l != u32::MAX && self.stories[*l as usize])
    }
}

#[derive(Clone, Copy)]
pub(super) enum CentroidTerms<'a> {
    Single(&'a [u64], &'a [f32], f32),
    Summed(&'a [Sum]),
}

pub(super) enum Choice {
    Stay,
    Move(u32),
    Leave,
}

/// Where report `i` goes this round.
/// `last` holds the stories the report was compared with in the last round it was
/// scored. After the first round, `changed` holds the stories the last round's moves
/// changed: a report with the same candidates as last time, none of them changed, stays
/// where it is without being scored again (it would choose as it did).
pub(super) fn choose(
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
pub(super) fn rank_candidates(
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

/// How many leading sums hold a term below `term` (they are sorted by term): doubling
/// steps find the stretch, a binary search the place within it. The merge calls it when
/// the first sum is below `term`, so it always moves on by one or more.
pub(super) fn skip_below(sums: &[Sum], term: u64) -> usize {
    let mut step = 1;
    while step < sums.len() && sums[step].term < term {
        step *= 2;
    }
    let from = step / 2;
    let to = step.min(sums.len());
    from + sums[from..to].partition_point(|s| s.term < term)
}

/// How well report `i` matches story `label` (its own story without itself).
pub(super) fn score(
    reports: &Reports,
    i: u32,
    rounds: &Rounds,
    label: u32,
    config: &Config,
) -> f32 {
    let own = label == reports.list[i as usize].label;
    let c = &rounds.centroids[label as usize];
    score_against(reports, i, c, c.terms(reports, &rounds.sums), own, config)
}

/// How well report `i` matches centroid `c` with summed terms `sums`; `own`: the report
/// is one of its members, taken out.
pub(super) fn score_against(
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
