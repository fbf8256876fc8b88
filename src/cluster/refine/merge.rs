//! The merge step: pieces of one event joined once the rounds settle.
//!
//! In: the settled rounds ([`Rounds`]) and each report's last scores against the stories
//! it was compared with ([`Compared`]). Out: the pairs of stories to merge, as (absorbed,
//! kept). Why: the rounds move one report at a time, and each report of a piece matches
//! its own piece best; only a move of the whole piece joins it to the rest of its event.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::reports::Reports;
use super::rounds::{score, Centroid, Rounds};
use super::{Compared, Config};
use crate::cluster::state::IdHasher;

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
pub(super) fn story_merges(
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
