//! The refinement's tests (the contrast's and the cuts' too), each on a state built to show
//! one case.

use super::rounds::{score, skip_below, Sum};
use super::*;
use crate::cluster::state::{Changes, DocRecord, MemoryState, RefineTerms};
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
    let day_of = |state: &MemoryState| Reports::read(state, &config).expect("memory").refine[1].day;
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
    let expected = |holding: f32| contrast_factor(&config, holding) / contrast_factor(&config, 1.0);
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
fn a_story_holding_three_events_is_cut_until_each_stands_alone() {
    // A third event, F, in the same mixed story. The first cut parts the heart's event
    // (C) from the report least like it and those closer to that one (D); F's reports,
    // like neither seed, stay in C's half, a story of two events again.
    const F1: &[u64] = &[1, 70, 71, 72, 73, 74, 75, 76];
    const F2: &[u64] = &[1, 70, 71, 72, 73, 74, 77, 78];
    const F3: &[u64] = &[1, 70, 71, 72, 75, 76, 77, 79];
    let reports = [
        ("c1", C1),
        ("d1", D1),
        ("f1", F1),
        ("c2", C2),
        ("d2", D2),
        ("f2", F2),
        ("c3", C3),
        ("d3", D3),
        ("f3", F3),
        ("c4", C4),
    ];
    let state = state_of(&one_story(&reports));
    let mut members: Vec<Vec<String>> = groups(&state).into_iter().map(|(_, m)| m).collect();
    members.sort();
    // The next pass cuts the half again.
    assert_eq!(
        members,
        [
            ["c1", "c2", "c3", "c4"].map(String::from).to_vec(),
            ["d1", "d2", "d3"].map(String::from).to_vec(),
            ["f1", "f2", "f3"].map(String::from).to_vec(),
        ]
    );
    // One pass alone leaves C and F together.
    let one_pass = Config {
        refine_passes: 1,
        ..Config::default()
    };
    let stories = stories_with(&state, &one_pass);
    let story_of = |id: &str| &stories[reports.iter().position(|(r, _)| *r == id).expect("listed")];
    assert_eq!(story_of("f1"), story_of("c1"));
    assert_ne!(story_of("d1"), story_of("c1"));
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
