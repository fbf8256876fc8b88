//! Key terms weighed against the neighbours, before the refinement rounds.
//!
//! In: the rounds' reports (their unit weights, key terms and where each key term sits in
//! the report's term list) and the holders of every key term. Out: the same reports, each
//! key term's weight lowered by the share of the report's neighbours that also have it as
//! a key term, every vector unit again.
//!
//! Why: the two events of an ECB+ topic, and of a news stream's recurring kinds, share the
//! place, the kind of event and the usual names; those words made two events of one kind
//! look like one. Weighed down where every neighbour uses them, they leave the words that
//! set one event apart to decide, and the merge step can join the pieces of one event at a
//! lower bar (figures in `scripts/experiments/README.md`). Its tests sit with the rounds'
//! (`refine::tests`), which build the states they read.

use super::reports::{norms, Reports};
use super::Config;

/// The reports holding each key term, in article order (the rounds build their candidate
/// lists from them too).
pub(super) struct Holders {
    /// Key term `k`'s holders are `list[start[k]..start[k + 1]]`.
    start: Vec<usize>,
    list: Vec<u32>,
}

impl Holders {
    pub(super) fn new(reports: &Reports) -> Holders {
        let mut start = vec![0; reports.key_count + 1];
        for &k in &reports.keys {
            start[k as usize + 1] += 1;
        }
        for k in 0..reports.key_count {
            start[k + 1] += start[k];
        }
        let mut list = vec![0; reports.keys.len()];
        let mut fill = start.clone();
        for (i, report) in reports.list.iter().enumerate() {
            for &k in &reports.keys[report.keys.clone()] {
                list[fill[k as usize]] = i as u32;
                fill[k as usize] += 1;
            }
        }
        Holders { start, list }
    }

    pub(super) fn of(&self, k: usize) -> &[u32] {
        &self.list[self.start[k]..self.start[k + 1]]
    }
}

/// Of a key term's holders, the neighbours looked at are the nearest this many in article
/// order on each side of the report (a common name's holders are many; nearby ones are
/// the same days' news).
const NEIGHBOUR_REACH: usize = 32;

/// The holders in `list` (in article order) nearest to the report at `list[at]`.
fn nearby(list: &[u32], at: usize) -> &[u32] {
    let end = (at + NEIGHBOUR_REACH + 1).min(list.len());
    &list[at.saturating_sub(NEIGHBOUR_REACH).min(end)..end]
}

/// Marks a chosen neighbour in `shared`.
const NEIGHBOUR: u32 = u32::MAX;

/// Of the reports in `met` (each sharing `shared[j]` ≥ 1 key terms with report `i`),
/// marks the `wanted` that share the most as `NEIGHBOUR` in `shared`, nearest to `i` in
/// article order among equals (then the earlier), and resets the others' counts to 0.
/// Counts run to a dozen: a tally by count finds the count at which the choice stops, and
/// only the reports at that count are ordered (a full selection over every report met,
/// its comparisons reading `shared` at random, about 3.5 % of a 1M-article run).
fn choose_neighbours(
    met: &mut [u32],
    shared: &mut [u32],
    wanted: usize,
    i: usize,
    counts: &mut Vec<usize>,
    tied: &mut Vec<(usize, u32)>,
) {
    counts.clear();
    for &j in met.iter() {
        let c = shared[j as usize] as usize;
        if counts.len() <= c {
            counts.resize(c + 1, 0);
        }
        counts[c] += 1;
    }
    // The lowest count still chosen, and how many at it are.
    let (mut bar, mut room) = (0usize, wanted);
    for c in (1..counts.len()).rev() {
        if counts[c] >= room {
            bar = c;
            break;
        }
        room -= counts[c];
    }
    tied.clear();
    for &j in met.iter() {
        let c = shared[j as usize] as usize;
        if bar == 0 || c > bar {
            shared[j as usize] = NEIGHBOUR;
        } else if c == bar {
            tied.push(((j as usize).abs_diff(i), j));
        } else {
            shared[j as usize] = 0;
        }
    }
    if tied.len() > room {
        tied.select_nth_unstable(room);
    }
    for (n, (_, j)) in tied.iter().enumerate() {
        shared[*j as usize] = if n < room { NEIGHBOUR } else { 0 };
    }
}

/// Weighs each report's key terms against its neighbours, before the rounds.
///
/// A report's neighbours are the `contrast_neighbours` reports that share the most key
/// terms with it (nearest in article order among equals): mostly its topic, the reports
/// of its own event and of the other events of its kind. Each key term loses
/// `contrast_strength` × the share of the neighbours that have it among their key terms,
/// and the vector is made unit again. Words the whole topic leans on (the place, the kind
/// of event, the usual names) then weigh less than the ones only the report's own event
/// uses: two events of one topic score lower against each other, while the pieces of one
/// event keep what sets the event apart. Measured on ECB+, this is what lets the merge bar
/// go down without joining the two events of a topic (scripts/experiments/README.md).
///
/// Only key terms are weighed, since their holders are already listed: the neighbours'
/// other terms would be one more read of every neighbour's record (as costly as the rest
/// of the rounds, and no better on ECB+). The key terms' own weights, which rank
/// candidates, are left as they were.
pub(super) fn contrast(reports: &mut Reports, holders: &Holders, config: &Config) {
    let wanted = config.contrast_neighbours;
    let strength = config.contrast_strength;
    if wanted == 0 || strength <= 0.0 {
        return;
    }
    // By report: how many key terms it shares with the report at hand.
    let mut shared = vec![0u32; reports.list.len()];
    let mut met: Vec<u32> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut tied: Vec<(usize, u32)> = Vec::new();
    // The holders near the report of each of its key terms.
    let mut nears: Vec<&[u32]> = Vec::new();
    // By key term: its holders before the report at hand, which is the report's own
    // place in the term's holders (the reports are taken in article order, as listed).
    let mut before = vec![0usize; reports.key_count];
    for i in 0..reports.list.len() {
        let keys = reports.list[i].keys.clone();
        let movable = reports.list[i].movable;
        nears.clear();
        for &k in &reports.keys[keys.clone()] {
            let k = k as usize;
            if movable {
                nears.push(nearby(holders.of(k), before[k]));
            }
            before[k] += 1;
        }
        if !movable {
            continue;
        }
        met.clear();
        for near in &nears {
            for &j in near.iter() {
                if j as usize != i {
                    if shared[j as usize] == 0 {
                        met.push(j);
                    }
                    shared[j as usize] += 1;
                }
            }
        }
        choose_neighbours(&mut met, &mut shared, wanted, i, &mut counts, &mut tied);
        let start = reports.list[i].weights;
        for (near, &place) in nears.iter().zip(&reports.key_place[keys]) {
            let holding = near
                .iter()
                .filter(|j| shared[**j as usize] == NEIGHBOUR)
                .count();
            reports.weight[start + place as usize] *=
                1.0 - strength * holding as f32 / wanted as f32;
        }
        for &j in &met {
            shared[j as usize] = 0;
        }
        let terms = &reports.refine[i].terms;
        let weights = &mut reports.weight[start..start + terms.len()];
        let (norm, anchor_scale) = norms(terms, weights);
        if norm > 0.0 {
            weights.iter_mut().for_each(|w| *w /= norm);
        }
        reports.list[i].anchor_scale = anchor_scale;
    }
}

#[cfg(test)]
mod tests {
    use super::{choose_neighbours, NEIGHBOUR};

    proptest::proptest! {
        #[test]
        fn the_tally_chooses_as_a_full_ordering_does(
            met_counts in proptest::collection::btree_map(0u32..5_000, 1u32..13, 0..300),
            i in 0usize..5_000,
            wanted in 1usize..40,
        ) {
            let mut shared = vec![0u32; 5_000];
            let mut met: Vec<u32> = Vec::new();
            for (&j, &c) in &met_counts {
                shared[j as usize] = c;
                met.push(j);
            }
            // Most shared first, then nearest to `i`, then the earlier report.
            let mut expected = met.clone();
            expected.sort_by_key(|j| (u32::MAX - shared[*j as usize], (*j as usize).abs_diff(i), *j));
            expected.truncate(wanted);
            expected.sort_unstable();
            let (mut counts, mut tied) = (Vec::new(), Vec::new());
            choose_neighbours(&mut met, &mut shared, wanted, i, &mut counts, &mut tied);
            let chosen: Vec<u32> = met.iter().copied().filter(|j| shared[*j as usize] == NEIGHBOUR).collect();
            proptest::prop_assert_eq!(chosen, expected);
            proptest::prop_assert!(met.iter().all(|j| matches!(shared[*j as usize], 0 | NEIGHBOUR)));
        }
    }
}
