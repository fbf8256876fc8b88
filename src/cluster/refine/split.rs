//! Stories that hold two events, cut in two after the rounds.
//!
//! In: the rounds' reports and stories once they settle, and each report's last score
//! against its own story. Out: the reports to move, each to a new story (numbered from a
//! given label on), and the report that seeds each new story (it names the story).
//!
//! Why: the first report of an event has no story of its own yet, and the one pass puts
//! it with the best story over the bar: on a busy day, another event of the same kind
//! that shares the place, the organisation and the background figures. The event's next
//! reports then match that mixed story better than anything else, half of it being their
//! own event, and the rounds, which move one report at a time, keep them there. Only a
//! move of the whole half at once undoes it. So each story is cut in two around two
//! seeds: its most typical report (the heart of its larger event) and the report least
//! like that one; every other report goes with the seed it matches better. The cut is
//! kept when the two halves match each other under `Config::split_threshold` (the better
//! of the two directions, as the merge step measures a pair of stories) and each half
//! holds `Config::split_min_half` reports or more, copies counted (a wire story with its
//! reprints is an event, however few its own texts). The scores are the rounds' own,
//! with the anchors, the veto, the window and the day checks. A stray report only makes
//! a small half, and stays.
//!
//! On the synthetic 100k stream the cut took pair F1 from 0.950 to 0.972 (precision
//! 0.905 → 0.947) with ECB+ unchanged; iterating the halves as 2-means does, and more
//! seeds for a story whose first cut left a small half, gained 0.001 more and took 32 %
//! more time at 10k where this takes 2-4 % (figures in `scripts/experiments/README.md`).
//!
//! Pure: every story's cut is decided against the settled rounds, so the order in which
//! stories are looked at does not matter.

use super::reports::Reports;
use super::rounds::{score_against, Centroid, Rounds, Sum};
use super::Config;

/// The cuts: `moves` sends reports to new stories `first_label`, `first_label + 1`, ...;
/// `seeds[n]` is the report that seeds story `first_label + n`.
pub(super) struct Cuts {
    pub(super) moves: Vec<(u32, u32)>,
    pub(super) seeds: Vec<u32>,
}

/// Finds the stories to cut in two. `own_score(i)`: report `i`'s score against its own
/// story in the last round. `only`: when given, the stories (by label) to look at.
pub(super) fn split(
    reports: &Reports,
    rounds: &Rounds,
    config: &Config,
    own_score: impl Fn(u32) -> f32,
    first_label: u32,
    only: Option<&[bool]>,
) -> Cuts {
    let mut cuts = Cuts {
        moves: Vec::new(),
        seeds: Vec::new(),
    };
    if config.split_threshold <= 0.0 {
        return cuts;
    }
    // Each report with its copies: what a half holds.
    let mut carried = vec![1usize; reports.list.len()];
    for report in &reports.list {
        if let Some(original) = report.original {
            carried[original as usize] += 1;
        }
    }
    let mut sums: Vec<Sum> = Vec::new();
    for (label, story) in rounds.centroids.iter().enumerate() {
        if only.is_some_and(|only| !only.get(label).copied().unwrap_or(false)) {
            continue;
        }
        let members = &story.members;
        let held: usize = members.iter().map(|i| carried[*i as usize]).sum();
        if members.len() < 2 || held < 2 * config.split_min_half {
            continue;
        }
        let Some((side, seed)) = cut(reports, members, config, &own_score, &carried, &mut sums)
        else {
            continue;
        };
        let label = first_label + cuts.seeds.len() as u32;
        cuts.seeds.push(members[seed]);
        cuts.moves.extend(
            members
                .iter()
                .zip(&side)
                .filter(|(_, second)| **second)
                .map(|(i, _)| (*i, label)),
        );
    }
    cuts
}

/// The cut of a story with `members` (two or more), if it holds two events: by member,
/// whether it goes to the new story, and the member that seeds the new story.
fn cut(
    reports: &Reports,
    members: &[u32],
    config: &Config,
    own_score: impl Fn(u32) -> f32,
    carried: &[usize],
    sums: &mut Vec<Sum>,
) -> Option<(Vec<bool>, usize)> {
    let like = |seed: usize| {
        let c = Centroid::of(reports, vec![members[seed]], &mut Vec::new());
        let terms = c.terms(reports, &[]);
        members
            .iter()
            .map(|i| score_against(reports, *i, &c, terms, false, config))
            .collect::<Vec<f32>>()
    };
    // Among equal scores, the earlier report.
    let own: Vec<f32> = members.iter().map(|i| own_score(*i)).collect();
    let heart = (0..members.len()).min_by(|a, b| own[*b].total_cmp(&own[*a]).then(a.cmp(b)))?;
    let like_heart = like(heart);
    let seed = (0..members.len())
        .filter(|n| *n != heart)
        .min_by(|a, b| like_heart[*a].total_cmp(&like_heart[*b]).then(a.cmp(b)))?;
    let like_seed = like(seed);
    let side: Vec<bool> = (0..members.len())
        .map(|n| n == seed || (n != heart && like_seed[n] > like_heart[n]))
        .collect();
    let mut held = [0usize; 2];
    for (n, i) in members.iter().enumerate() {
        held[usize::from(side[n])] += carried[*i as usize];
    }
    if held.iter().any(|h| *h < config.split_min_half) {
        return None;
    }
    // How well each half matches the other: the better direction's mean.
    sums.clear();
    let halves = [false, true].map(|second| {
        let of_half: Vec<u32> = members
            .iter()
            .zip(&side)
            .filter(|(_, s)| **s == second)
            .map(|(i, _)| *i)
            .collect();
        Centroid::of(reports, of_half, sums)
    });
    let mut across = [0.0f32; 2];
    for (n, i) in members.iter().enumerate() {
        let other = &halves[usize::from(!side[n])];
        let terms = other.terms(reports, sums);
        across[usize::from(side[n])] += score_against(reports, *i, other, terms, false, config);
    }
    let worth = (0..2)
        .map(|h| across[h] / halves[h].members.len() as f32)
        .fold(0.0f32, f32::max);
    (worth < config.split_threshold).then_some((side, seed))
}
