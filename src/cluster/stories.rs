//! Stories: the profile of a story and how well an article matches it.
//!
//! A story keeps one profile: the summed term weights of its reports (capped to the
//! terms that weigh most), its report count and the days it covers. An article is
//! compared with that profile as a whole (cosine over TF-IDF, with the document
//! frequencies of now), never with a single member: that is the guard against chaining,
//! where A matches B, B matches C and a story drifts from one event to the next.
//! Two cosines are taken, over every term and over anchors alone (names, figures, days);
//! the score mixes them, and anchors that barely meet veto the match, which keeps
//! templated reports of different events (same sentences, other names and figures)
//! from drifting into one story. Profiles keep their norms, so a comparison costs the
//! article's terms only.
//!
//! Time: a story covers the days from its first to its last dated report; an article
//! dated more than the window away from that span, naming no day within it (a follow-up
//! weeks later names the event's day), must match it strongly to join (the similarity
//! is discounted), and then moves the span by one window's width at most. The span
//! grows as reports arrive, so the window follows the story. When
//! only one side has a date the evidence is weaker and the similarity is discounted,
//! unless the undated article writes a date in a year of the story's span.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::features::is_anchor;

/// The profile of one story, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryProfile {
    /// The public story id (`s-` + the id of its first article).
    pub id: String,
    /// Reports in the story, copies included.
    pub reports: u32,
    /// First dated day covered (days since 0001-01-01), if any report had a date.
    pub first_day: Option<i32>,
    /// Last dated day covered.
    pub last_day: Option<i32>,
    /// Summed weights of its reports' terms, sorted by term, capped.
    pub terms: Vec<(u64, f32)>,
    /// Days its reports say things happened (days since 0001-01-01), sorted, capped.
    #[serde(default)]
    pub event_days: Vec<i32>,
    /// Norms of `terms` weighted by idf as it was when the last report joined: every
    /// term and the anchors alone (0 in profiles written before norms were kept).
    #[serde(default)]
    pub norms: [f32; 2],
}

/// Event days kept per story.
pub const EVENT_DAYS_CAP: usize = 24;

/// Days of tolerance before two event-day sets conflict (reports of one event a day or
/// two apart name neighbouring days: "Thursday", "yesterday").
pub const EVENT_DAY_SLACK: i32 = 3;

/// True when the article and the story both name event days and none of them come
/// within [`EVENT_DAY_SLACK`] days of each other: they tell of different events.
pub fn days_conflict(story: &StoryProfile, days: &[i32]) -> bool {
    if story.event_days.is_empty() || days.is_empty() {
        return false;
    }
    !days.iter().any(|d| {
        story
            .event_days
            .iter()
            .any(|s| (s - d).abs() <= EVENT_DAY_SLACK)
    })
}

/// Adds event days to the story (the earliest kept when over the cap).
pub fn add_event_days(story: &mut StoryProfile, days: &[i32]) {
    story.event_days.extend_from_slice(days);
    story.event_days.sort_unstable();
    story.event_days.dedup();
    story.event_days.truncate(EVENT_DAYS_CAP);
}

/// Days between `day` and the span of the story (0 inside it); `None` when either is undated.
pub fn gap_days(story: &StoryProfile, day: Option<i32>) -> Option<i32> {
    let (first, last, day) = (story.first_day?, story.last_day?, day?);
    Some((first - day).max(day - last).max(0))
}

/// Can an article published on `day`, naming `event_days`, join the story in time? Yes
/// when either side is undated, when `day` is within `window` days of the story's span,
/// or when one of the days the article names is: a follow-up published weeks later
/// ("charged on Tuesday with the arrest of February 1") still tells of the same event.
pub fn in_window(story: &StoryProfile, day: Option<i32>, event_days: &[i32], window: i32) -> bool {
    let near = |d: i32| gap_days(story, Some(d)).is_none_or(|g| g <= window);
    day.is_none_or(near) || event_days.iter().any(|d| near(*d))
}

/// Does the story's dated span cover (part of) `year`? False when either is unknown.
pub fn year_in_span(story: &StoryProfile, year: Option<i32>) -> bool {
    let year_of = |d: Option<i32>| {
        d.and_then(NaiveDate::from_num_days_from_ce_opt)
            .map(|d| d.year())
    };
    match (year, year_of(story.first_day), year_of(story.last_day)) {
        (Some(y), Some(first), Some(last)) => (first..=last).contains(&y),
        _ => false,
    }
}

/// Widens the story's span to include `day`.
pub fn extend_span(story: &mut StoryProfile, day: Option<i32>) {
    if let Some(day) = day {
        story.first_day = Some(story.first_day.map_or(day, |f| f.min(day)));
        story.last_day = Some(story.last_day.map_or(day, |l| l.max(day)));
    }
}

/// Widens the story's span toward `day`, by at most `window` days past either end: a
/// report joining from outside the window moves it, but one stray date cannot stretch
/// it over years.
pub fn extend_span_within(story: &mut StoryProfile, day: Option<i32>, window: i32) {
    let day = day.map(|d| match (story.first_day, story.last_day) {
        (Some(first), Some(last)) => d.clamp(first - window, last + window),
        _ => d,
    });
    extend_span(story, day);
}

/// The article side of a comparison: terms weighted by idf, and their norms.
#[derive(Debug, Clone, Default)]
pub struct Weighted {
    /// `(term, tf × idf)` sorted by term (anchors, top bit set, last).
    pub terms: Vec<(u64, f32)>,
    /// The idf each term was weighted with (parallel to `terms`).
    pub idf: Vec<f32>,
    /// Euclidean norm of the weights.
    pub norm: f32,
    /// Euclidean norm of the anchor weights alone.
    pub anchor_norm: f32,
}

impl Weighted {
    /// Weights `terms` with `idf`.
    pub fn new(terms: &[(u64, f32)], mut idf: impl FnMut(u64) -> f32) -> Weighted {
        Weighted::with_idf(terms, terms.iter().map(|(t, _)| idf(*t)).collect())
    }

    /// Weights `terms` with the idf of each (`idf` parallel to `terms`).
    pub fn with_idf(terms: &[(u64, f32)], idf: Vec<f32>) -> Weighted {
        let terms: Vec<(u64, f32)> = terms
            .iter()
            .zip(&idf)
            .map(|((t, w), f)| (*t, w * f))
            .collect();
        let norm = terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        let anchor_norm = terms
            .iter()
            .filter(|(t, _)| is_anchor(*t))
            .map(|(_, w)| w * w)
            .sum::<f32>()
            .sqrt();
        Weighted {
            terms,
            idf,
            norm,
            anchor_norm,
        }
    }
}

/// How an article compares with a story profile.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Similarity {
    /// Cosine over every term.
    pub all: f32,
    /// Cosine over anchors alone (names, figures, days); `None` when a side has none.
    pub anchors: Option<f32>,
}

impl Similarity {
    /// One score: the mean of both cosines weighted by `mix` (the share of the anchor
    /// cosine), or the cosine over every term when a side has no anchors. Anchors that
    /// barely meet (cosine under `floor`) veto the match: same words, other names and
    /// figures is another event of the same kind, however much the prose agrees.
    pub fn score(&self, mix: f32, floor: f32) -> f32 {
        match self.anchors {
            Some(a) if a < floor => 0.0,
            Some(a) => (1.0 - mix) * self.all + mix * a,
            None => self.all,
        }
    }
}

/// Norms of a profile's terms weighted by `idf`: every term, and the anchors alone.
pub fn norms(terms: &[(u64, f32)], mut idf: impl FnMut(u64) -> f32) -> [f32; 2] {
    norms_by_index(terms, |_, term| idf(term))
}

/// [`norms`] with the idf of the `k`-th term given by `idf(k, term)`.
fn norms_by_index(terms: &[(u64, f32)], mut idf: impl FnMut(usize, u64) -> f32) -> [f32; 2] {
    let (mut all, mut anchors) = (0.0f32, 0.0f32);
    for (k, (term, sum)) in terms.iter().enumerate() {
        let w = sum * idf(k, *term);
        all += w * w;
        if is_anchor(*term) {
            anchors += w * w;
        }
    }
    [all.sqrt(), anchors.sqrt()]
}

/// Cosines between an article and a story profile. The shared terms are weighted by
/// idf as it is now (the article's, kept in [`Weighted`]); the story's norms are those
/// kept in the profile (idf as it was when its last report joined: the cost per
/// comparison stays with the article's terms, not the story's), or computed with `idf`
/// when the profile has none.
pub fn cosine(doc: &Weighted, story: &StoryProfile, idf: impl FnMut(u64) -> f32) -> Similarity {
    let (mut dot, mut adot) = (0.0f32, 0.0f32);
    let (d, s) = (&doc.terms, &story.terms);
    let (mut i, mut j) = (0, 0);
    // A merge of the two sorted lists; the steps are counted, not branched on.
    while i < d.len() && j < s.len() {
        let ((dt, dw), (st, sum)) = (d[i], s[j]);
        if dt == st {
            let w = sum * doc.idf[i];
            dot += dw * w;
            if is_anchor(st) {
                adot += dw * w;
            }
        }
        i += usize::from(dt <= st);
        j += usize::from(st <= dt);
    }
    let [n, an] = if story.norms[0] > 0.0 {
        story.norms
    } else {
        norms(&story.terms, idf)
    };
    let ratio = |dot: f32, a: f32, b: f32| {
        if dot == 0.0 || a == 0.0 || b == 0.0 {
            0.0
        } else {
            dot / (a * b)
        }
    };
    Similarity {
        all: ratio(dot, doc.norm, n),
        anchors: (doc.anchor_norm > 0.0 && an > 0.0).then(|| ratio(adot, doc.anchor_norm, an)),
    }
}

/// Development only: more ways an article and a story meet, for the analysis of
/// decisions (`Config::explain`). Keys: shared words and anchors; the share of the
/// article's (story's) anchor weight² the other side holds; the share of each side's
/// three heaviest anchors the other holds; the heaviest anchor of each side the other
/// lacks, relative to that side's heaviest anchor.
pub fn explain_signals(
    doc: &Weighted,
    story: &StoryProfile,
    mut idf: impl FnMut(u64) -> f32,
) -> serde_json::Value {
    let story_w: Vec<(u64, f32)> = story
        .terms
        .iter()
        .map(|(t, sum)| (*t, sum * idf(*t)))
        .collect();
    let has = |list: &[(u64, f32)], t: u64| list.binary_search_by_key(&t, |x| x.0).is_ok();
    let anchors = |list: &[(u64, f32)]| {
        let mut a: Vec<(u64, f32)> = list.iter().copied().filter(|x| is_anchor(x.0)).collect();
        a.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        a
    };
    let (da, sa) = (anchors(&doc.terms), anchors(&story_w));
    // `other` is the other side's full term list, sorted by term.
    let side = |mine: &[(u64, f32)], other: &[(u64, f32)]| {
        let total: f32 = mine.iter().map(|x| x.1 * x.1).sum();
        let hit: f32 = mine
            .iter()
            .filter(|x| has(other, x.0))
            .map(|x| x.1 * x.1)
            .sum();
        let top3 = mine.iter().take(3).filter(|x| has(other, x.0)).count();
        let top = mine.first().map_or(0.0, |x| x.1);
        let miss = mine
            .iter()
            .find(|x| !has(other, x.0))
            .map_or(0.0, |x| x.1 / top);
        let shared = mine.iter().filter(|x| has(other, x.0)).count();
        (
            if total > 0.0 { hit / total } else { 0.0 },
            top3 as f32 / mine.len().clamp(1, 3) as f32,
            miss,
            shared,
            mine.len(),
        )
    };
    let (dh, dt3, dm, shared_a, dn) = side(&da, &story_w);
    let (sh, st3, sm, _, sn) = side(&sa, &doc.terms);
    let shared_w = doc
        .terms
        .iter()
        .filter(|x| !is_anchor(x.0) && has(&story_w, x.0))
        .count();
    serde_json::json!({
        "shared_words": shared_w, "shared_anchors": shared_a,
        "doc_anchors": dn, "story_anchors": sn,
        "doc_hit": dh, "story_hit": sh, "doc_top3": dt3, "story_top3": st3,
        "doc_miss": dm, "story_miss": sm,
    })
}

/// Adds an article's terms to a story and keeps the `cap` terms that weigh most
/// (summed weight × idf, ties to the lower term), sorted by term. `story_idf` holds the
/// idf of each of the story's terms, `terms_idf` that of each of the article's.
pub fn absorb(
    story: &mut StoryProfile,
    story_idf: &[f32],
    terms: &[(u64, f32)],
    terms_idf: &[f32],
    cap: usize,
) {
    let (old, new) = (&story.terms, terms);
    let mut merged: Vec<(u64, f32)> = Vec::with_capacity(old.len() + new.len());
    let mut merged_idf: Vec<f32> = Vec::with_capacity(old.len() + new.len());
    let old_idf = |i: usize| story_idf.get(i).copied().unwrap_or(0.0);
    let new_idf = |j: usize| terms_idf.get(j).copied().unwrap_or(0.0);
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if j == new.len() || (i < old.len() && old[i].0 < new[j].0) {
            merged.push(old[i]);
            merged_idf.push(old_idf(i));
            i += 1;
        } else if i == old.len() || new[j].0 < old[i].0 {
            merged.push(new[j]);
            merged_idf.push(new_idf(j));
            j += 1;
        } else {
            merged.push((old[i].0, old[i].1 + new[j].1));
            merged_idf.push(new_idf(j));
            i += 1;
            j += 1;
        }
    }
    if merged.len() > cap {
        // The last term kept is found by selection; the terms are then kept in their
        // term order.
        let ranked: Vec<u128> = merged
            .iter()
            .zip(&merged_idf)
            .map(|((t, w), idf)| heaviest_first(w * idf, *t))
            .collect();
        let mut kept = 0;
        if let Some(last) = last_kept(ranked, cap) {
            for k in 0..merged.len() {
                let (term, w) = merged[k];
                if heaviest_first(w * merged_idf[k], term) <= last {
                    merged.swap(kept, k);
                    merged_idf.swap(kept, k);
                    kept += 1;
                }
            }
        }
        merged.truncate(kept);
        merged_idf.truncate(kept);
    }
    story.norms = norms_by_index(&merged, |k, _| merged_idf[k]);
    story.terms = merged;
}

/// The `n` terms of an article that tell most (highest tf × idf), for the index.
pub fn key_terms(doc: &Weighted, n: usize) -> Vec<(u64, f32)> {
    let mut ranked: Vec<(u128, f32)> = doc
        .terms
        .iter()
        .map(|(t, w)| (heaviest_first(*w, *t), *w))
        .collect();
    if n < ranked.len() {
        ranked.select_nth_unstable_by_key(n, |x| x.0);
        ranked.truncate(n);
    }
    ranked.sort_unstable_by_key(|x| x.0);
    // The key's low 64 bits are the term.
    ranked.into_iter().map(|(key, w)| (key as u64, w)).collect()
}

/// The key of the last term kept when the terms of `keys` ([`heaviest_first`]) are cut to
/// the `n` heaviest: a term is kept when its key is at most this one. `None` when `n` is 0
/// (nothing is kept); when `keys` holds no more than `n`, the largest (all are kept).
pub fn last_kept(mut keys: Vec<u128>, n: usize) -> Option<u128> {
    let at = n.checked_sub(1)?.min(keys.len().checked_sub(1)?);
    Some(*keys.select_nth_unstable(at).1)
}

/// The sort key of a weighted term that puts the heaviest first and equal weights in
/// term order (`f32::total_cmp` reversed, then the term), as one integer: selections
/// compare it in one step instead of a float and then a term.
pub fn heaviest_first(weight: f32, term: u64) -> u128 {
    let bits = weight.to_bits();
    // `total_cmp`'s order as an unsigned integer: negatives flipped below positives.
    let total = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    };
    (u128::from(!total) << 64) | u128::from(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(terms: &[(u64, f32)], days: Option<(i32, i32)>) -> StoryProfile {
        StoryProfile {
            id: "s".into(),
            reports: 1,
            first_day: days.map(|d| d.0),
            last_day: days.map(|d| d.1),
            terms: terms.to_vec(),
            event_days: Vec::new(),
            norms: [0.0; 2],
        }
    }

    #[test]
    fn the_window_follows_the_days_an_article_names() {
        let s = story(&[], Some((100, 110)));
        assert!(in_window(&s, Some(150), &[], 45), "40 days after the span");
        assert!(
            !in_window(&s, Some(160), &[], 45),
            "50 days after, nothing named"
        );
        assert!(
            in_window(&s, Some(160), &[105, 160], 45),
            "a follow-up naming a day of the story"
        );
        assert!(
            !in_window(&s, Some(160), &[40, 158], 45),
            "named days far off too"
        );
        assert!(
            in_window(&s, None, &[], 45),
            "an undated article is not pruned"
        );
        assert!(
            in_window(&story(&[], None), Some(160), &[], 45),
            "nor an undated story"
        );
    }

    #[test]
    fn a_written_year_meets_the_years_of_the_span() {
        let days = |a: &str, b: &str| {
            let n = |s: &str| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(|d| d.num_days_from_ce())
                    .unwrap_or_default()
            };
            story(&[], Some((n(a), n(b))))
        };
        let s = days("2012-12-28", "2013-01-03");
        assert!(year_in_span(&s, Some(2013)) && year_in_span(&s, Some(2012)));
        assert!(!year_in_span(&s, Some(2011)) && !year_in_span(&s, None));
        assert!(
            !year_in_span(&story(&[], None), Some(2013)),
            "undated story"
        );
    }

    #[test]
    fn different_event_days_conflict_near_ones_do_not() {
        let mut s = story(&[], None);
        assert!(
            !days_conflict(&s, &[10]),
            "no days on one side: no evidence"
        );
        add_event_days(&mut s, &[100, 101]);
        assert!(!days_conflict(&s, &[102]));
        assert!(
            days_conflict(&s, &[113]),
            "13 days apart: seeds 000 and 004"
        );
        assert!(!days_conflict(&s, &[113, 100]), "one shared day is enough");
    }

    #[test]
    fn a_report_from_far_off_moves_the_span_one_window_at_most() {
        let mut s = story(&[], Some((100, 110)));
        extend_span_within(&mut s, Some(400), 45);
        assert_eq!((s.first_day, s.last_day), (Some(100), Some(155)));
        extend_span_within(&mut s, Some(20), 45);
        assert_eq!((s.first_day, s.last_day), (Some(55), Some(155)));
        extend_span_within(&mut s, Some(120), 45);
        assert_eq!((s.first_day, s.last_day), (Some(55), Some(155)), "inside");
        let mut undated = story(&[], None);
        extend_span_within(&mut undated, Some(400), 45);
        assert_eq!(
            (undated.first_day, undated.last_day),
            (Some(400), Some(400))
        );
    }

    #[test]
    fn the_window_follows_the_story() {
        let mut s = story(&[], Some((100, 100)));
        assert_eq!(gap_days(&s, Some(130)), Some(30));
        extend_span(&mut s, Some(120));
        assert_eq!(
            gap_days(&s, Some(130)),
            Some(10),
            "the span grew to day 120"
        );
        assert_eq!(gap_days(&s, Some(110)), Some(0));
        assert_eq!(gap_days(&s, None), None);
    }

    #[test]
    fn chaining_guard_matches_the_whole_story_not_one_member() {
        // A story of three reports on terms 1-4; an article sharing only term 9 with its
        // last member (absorbed with little weight) stays far from the profile.
        let mut s = story(&[(1, 3.0), (2, 3.0), (3, 3.0), (4, 3.0)], None);
        absorb(&mut s, &[1.0; 4], &[(1, 1.0), (9, 1.0)], &[1.0; 2], 64);
        let member_like = Weighted::new(&[(9, 1.0), (10, 1.0)], |_| 1.0);
        let core_like = Weighted::new(&[(1, 1.0), (2, 1.0), (3, 1.0)], |_| 1.0);
        let drift = cosine(&member_like, &s, |_| 1.0).all;
        let core = cosine(&core_like, &s, |_| 1.0).all;
        assert!(drift < 0.15 && core > 0.7, "drift {drift} core {core}");
    }

    #[test]
    fn heaviest_first_orders_as_weight_then_term() {
        let weights = [3.5f32, 0.0, -0.0, -2.0, 1e-30, f32::INFINITY, 2.0, 2.0];
        let mut by_key: Vec<(f32, u64)> = weights
            .iter()
            .zip(0u64..)
            .map(|(w, t)| (*w, 9 - t))
            .collect();
        let mut by_cmp = by_key.clone();
        by_key.sort_by_key(|(w, t)| heaviest_first(*w, *t));
        by_cmp.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        assert_eq!(by_key, by_cmp);
    }

    #[test]
    fn last_kept_is_the_nth_smallest_key() {
        assert_eq!(last_kept(vec![5, 1, 3], 2), Some(3));
        assert_eq!(last_kept(vec![5, 1, 3], 3), Some(5));
        assert_eq!(last_kept(vec![5, 1, 3], 9), Some(5));
        assert_eq!(last_kept(vec![5, 1, 3], 0), None);
        assert_eq!(last_kept(Vec::new(), 4), None);
    }

    #[test]
    fn absorb_sums_and_caps_by_weight() {
        let mut s = story(&[(1, 1.0), (5, 4.0)], None);
        absorb(
            &mut s,
            &[1.0; 2],
            &[(1, 2.0), (3, 0.5), (7, 2.5)],
            &[1.0; 3],
            3,
        );
        assert_eq!(s.terms, vec![(1, 3.0), (5, 4.0), (7, 2.5)]);
    }

    #[test]
    fn idf_turns_background_down() {
        // Term 1 is everywhere (idf ~0), term 2 is the event's own figure.
        let s = story(&[(1, 2.0), (2, 2.0)], None);
        let bg_only = Weighted::new(&[(1, 1.0), (3, 1.0)], |t| if t == 1 { 0.05 } else { 3.0 });
        let sim = cosine(&bg_only, &s, |t| if t == 1 { 0.05 } else { 3.0 }).all;
        assert!(sim < 0.05, "{sim}");
    }

    use crate::cluster::features::anchor_id;
    use crate::cluster::words::term_id;

    /// A profile or an article over words and anchors, weight 1 each.
    fn terms(words: &[&str], anchors: &[&str]) -> Vec<(u64, f32)> {
        let mut t: Vec<(u64, f32)> = words
            .iter()
            .map(|w| (term_id(w), 1.0))
            .chain(anchors.iter().map(|a| (anchor_id(term_id(a)), 1.0)))
            .collect();
        t.sort_unstable_by_key(|x| x.0);
        t
    }

    #[test]
    fn figures_of_the_event_are_its_fingerprint() {
        // Same kind of event, same prose; the figures and the name tell them apart.
        let prose = ["drone", "base", "attack", "troops", "claimed"];
        let mut s = story(&[], None);
        let report = terms(&prose, &["asad", "16", "2500"]);
        absorb(&mut s, &[], &report, &vec![1.0; report.len()], 96);
        let same = Weighted::new(&terms(&prose, &["asad", "16", "2500"]), |_| 1.0);
        let other = Weighted::new(&terms(&prose, &["harir", "20", "2500"]), |_| 1.0);
        let (a, b) = (cosine(&same, &s, |_| 1.0), cosine(&other, &s, |_| 1.0));
        assert!((a.all - 1.0).abs() < 1e-4 && b.all > 0.6, "{a:?} {b:?}");
        let (a_anchor, b_anchor) = (a.anchors.unwrap_or(0.0), b.anchors.unwrap_or(0.0));
        assert!(a_anchor > 0.99 && b_anchor < 0.4, "{a:?} {b:?}");
        assert!(a.score(0.5, 0.0) > b.score(0.5, 0.0) + 0.25);
    }

    #[test]
    fn anchors_that_do_not_meet_veto_the_match() {
        let sim = Similarity {
            all: 0.8,
            anchors: Some(0.05),
        };
        assert_eq!(
            sim.score(0.5, 0.1),
            0.0,
            "the prose agrees, the names do not"
        );
        assert!((sim.score(0.5, 0.0) - 0.425).abs() < 1e-6);
        let no_anchors = Similarity {
            all: 0.3,
            anchors: None,
        };
        assert_eq!(no_anchors.score(0.5, 0.1), 0.3, "no anchors, no veto");
    }

    #[test]
    fn kept_norms_match_fresh_ones_when_idf_is_unchanged() {
        let mut s = story(&[], None);
        let idf = |t: u64| if t.is_multiple_of(2) { 2.0 } else { 0.5 };
        for report in [terms(&["a", "b"], &["c"]), terms(&["b", "d"], &["c", "e"])] {
            let idfs =
                |terms: &[(u64, f32)]| terms.iter().map(|(t, _)| idf(*t)).collect::<Vec<_>>();
            let story_idf = idfs(&s.terms);
            absorb(&mut s, &story_idf, &report, &idfs(&report), 96);
        }
        assert_eq!(s.norms, norms(&s.terms, idf));
        let doc = Weighted::new(&terms(&["b"], &["e"]), idf);
        let kept = cosine(&doc, &s, idf);
        let mut fresh = s.clone();
        fresh.norms = [0.0; 2];
        assert_eq!(kept, cosine(&doc, &fresh, idf));
    }
}
