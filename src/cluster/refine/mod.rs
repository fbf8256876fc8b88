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
//! move bar, as its report did not move), and the rounds settle again. Later passes
//! (`Config::refine_passes`) look for cuts in the stories the last pass made: a merged
//! story (a piece may have held a report of another event, and the merge gave it
//! company) and both halves of a cut (a story of three events is cut in two, one half
//! still holding two). They stop when a pass neither cuts nor merges. Copies follow their
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
//!
//! Here: the order of the steps ([`refine`], the rounds' loop). Apart: `reports` (the state
//! read into arrays), `contrast` (key terms weighed against the neighbours), `rounds`
//! (centroids, candidate lists, scores, a report's choice), `split` (cuts), `merge`
//! (merges); the tests in `tests`.

use std::collections::HashMap;

use super::state::{State, StateError};
use super::Config;

mod contrast;
mod merge;
mod reports;
mod rounds;
mod split;
use contrast::{contrast, Holders};
use merge::story_merges;
use reports::Reports;
use rounds::{choose, Changed, Choice, Rounds};
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
    // The stories to look at for cuts: all of them, then those the last pass's cuts and
    // merges made.
    let mut made: Option<Vec<bool>> = None;
    for _ in 0..config.refine_passes {
        // Stories holding two events are cut in two, and the rounds settle again.
        let first = (stories + ctx.new_ids.len()) as u32;
        let own_score = |i: u32| {
            ctx.compared
                .score(i as usize, reports.list[i as usize].label)
        };
        let cuts = split(&reports, &rounds, config, own_score, first, made.as_deref());
        // Both halves of each cut: a half may still hold two events (a story of three).
        let mut halves: Vec<u32> = Vec::new();
        if !cuts.seeds.is_empty() {
            for seed in &cuts.seeds {
                ctx.open(*seed)?;
            }
            // Story `first + n` is seeded by `cuts.seeds[n]`, cut from the seed's story.
            for (n, seed) in cuts.seeds.iter().enumerate() {
                halves.extend([reports.list[*seed as usize].label, first + n as u32]);
            }
            let labels = stories + ctx.new_ids.len();
            let changed = rounds.apply(&mut reports, &cuts.moves, labels);
            ctx.settle(&mut reports, &mut rounds, Some(changed))?;
        }
        // Pieces of one event merge, their reports moving together, and the rounds
        // settle again; the next pass looks for cuts in the merged stories (one piece may
        // have held a report of another event, which the merge made a half) and in the
        // halves of this pass's cuts.
        let merges = story_merges(&reports, &rounds, &ctx.compared, config);
        if merges.is_empty() && halves.is_empty() {
            break;
        }
        let mut kept_of: HashMap<u32, u32> = HashMap::new();
        kept_of.extend(merges.iter().copied());
        let mut flags = vec![false; rounds.centroids.len()];
        for label in merges.iter().map(|(_, kept)| kept).chain(&halves) {
            flags[*label as usize] = true;
        }
        made = Some(flags);
        if merges.is_empty() {
            // Only cuts this pass: the rounds ran after them already, and nothing moved since.
            continue;
        }
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
            // The reports that may choose otherwise than last round (all, in the first):
            // found in article order, the order their records lie in, and then scored
            // story by story (by label, then article), as the stories list their members:
            // a story's reports share their own centroid and most of their candidates,
            // which then stay in the cache. Late rounds score a few hundred reports.
            let mut order: Vec<u64> = Vec::new();
            for (i, report) in reports.list.iter().enumerate() {
                // Only the stories' members are placed: a report's label names a story.
                if !report.movable || report.label as usize >= rounds.centroids.len() {
                    continue;
                }
                let (last, _) = self.compared.of(i);
                if !changed
                    .as_ref()
                    .is_some_and(|c| c.unchanged(reports, i, last))
                {
                    order.push(u64::from(report.label) << 32 | i as u64);
                }
            }
            order.sort_unstable();
            for key in order {
                let i = (key & u64::from(u32::MAX)) as usize;
                let report = &reports.list[i];
                let (last, last_scores) = self.compared.of(i);
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

#[cfg(test)]
mod tests;
