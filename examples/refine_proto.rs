//! Experiment (not part of the product): the online clusterer, then a K-means-style
//! reassignment of every article to the story whose centroid it matches best.
//!
//! In: a JSONL file of articles (`id`, `title`, `text`, `date`). First the articles are
//! placed one by one exactly as `newsfold cluster` places them; then, for a few rounds,
//! every article that is not a copy is compared with the centroids (sums of the reports'
//! unit TF-IDF vectors, every term and anchors apart, document frequencies of the final
//! state) of the stories holding one of its heaviest terms, its own story without
//! itself, and moves to the best one; a copy follows its original. Scores use the
//! clusterer's anchor mix and veto, its far-window factor and its day-conflict factor.
//! Out, on stdout: JSONL `{"id", "story"}` after the rounds.
//!
//! A report moves only to a story it matches at the join threshold or better.
//!
//! Knobs, `NF_REFINE="rounds floor keys far conflict margin guard bigrams"` (default
//! "6 0.15 12 0.6 0.5 0 0 0"): rounds (0 = the online result alone); the score under
//! which an article leaves its story for a story of its own; heaviest terms used to find
//! candidate stories; factor for a story whose dated span lies more than the window from
//! the article's day; factor when both name event days none of which meet; the margin
//! by which another story must beat the article's own; guard 1: a report moves only when
//! its anchor cosine with the new story is at least that with its own; bigrams > 0: word
//! pairs of that weight join the vectors (document frequencies then counted over the
//! file). `NF_REFINE_LOG=1` prints each move on stderr. Written up in
//! `scripts/experiments/README.md`. Not tuned for speed: 100k articles take minutes.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use newsfold::cluster::features::{self, is_anchor};
use newsfold::cluster::stories::Weighted;
use newsfold::cluster::{assign_in_memory, Config, Doc, MemoryState, State};

/// A unit vector split in two parts: every term, and anchors alone.
struct Unit {
    all: Vec<(u64, f32)>,
    anchors: Vec<(u64, f32)>,
}

#[derive(Default, Clone)]
struct Centroid {
    all: HashMap<u64, f32>,
    anchors: HashMap<u64, f32>,
    n2_all: f32,
    n2_anc: f32,
    members: usize,
    span: Option<(i32, i32)>,
    event_days: Vec<i32>,
}

fn dot(v: &[(u64, f32)], c: &HashMap<u64, f32>) -> f32 {
    v.iter()
        .map(|(t, w)| w * c.get(t).copied().unwrap_or(0.0))
        .sum()
}

fn add(c: &mut HashMap<u64, f32>, v: &[(u64, f32)], sign: f32) {
    for (t, w) in v {
        *c.entry(*t).or_default() += sign * w;
    }
}

fn norm2(c: &HashMap<u64, f32>) -> f32 {
    c.values().map(|w| w * w).sum()
}

fn unit(v: Vec<(u64, f32)>) -> Vec<(u64, f32)> {
    let n = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if n == 0.0 {
        return Vec::new();
    }
    v.into_iter().map(|(t, w)| (t, w / n)).collect()
}

/// Score of `u` against centroid `c`; `own` removes u itself from c first.
fn score(u: &Unit, c: &Centroid, own: bool, config: &Config) -> (f32, Option<f32>) {
    let cos = |v: &[(u64, f32)], map: &HashMap<u64, f32>, n2: f32| {
        if v.is_empty() {
            return None;
        }
        let mut d = dot(v, map);
        let mut n2 = n2;
        if own {
            n2 = n2 - 2.0 * d + 1.0;
            d -= 1.0;
        }
        Some(if n2 > 1e-6 && d > 0.0 {
            d / n2.sqrt()
        } else {
            0.0
        })
    };
    let all = cos(&u.all, &c.all, c.n2_all).unwrap_or(0.0);
    let story_has_anchors = !(c.anchors.is_empty() || own && c.members <= 1);
    match cos(&u.anchors, &c.anchors, c.n2_anc) {
        Some(a) if story_has_anchors => {
            if a < config.anchor_floor {
                (0.0, Some(a))
            } else {
                (
                    (1.0 - config.anchor_mix) * all + config.anchor_mix * a,
                    Some(a),
                )
            }
        }
        _ => (all, None),
    }
}

/// Pairs of neighbouring non-stop words, as word-class terms (anchor bit clear).
fn bigrams(title: Option<&str>, text: &str, weight: f32) -> Vec<(u64, f32)> {
    let mut out = Vec::new();
    let mut folded = String::new();
    for line in title.into_iter().chain(text.lines()) {
        let mut prev: Option<u64> = None;
        for token in features::Tokens::new(line) {
            let hash = features::fold_and_hash(token.text, &mut folded) & !features::ANCHOR_BIT;
            if features::is_stop(&folded) {
                prev = None;
                continue;
            }
            if let Some(p) = prev {
                let pair = (p.rotate_left(17) ^ hash).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    & !features::ANCHOR_BIT;
                out.push((pair, weight));
            }
            prev = Some(hash);
        }
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: refine_proto FILE.jsonl")?;
    let knobs = std::env::var("NF_REFINE").unwrap_or_else(|_| "6 0.15".into());
    let k: Vec<f32> = knobs
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    let (iters, floor) = (
        k.first().copied().unwrap_or(6.0) as usize,
        k.get(1).copied().unwrap_or(0.15),
    );
    let config = Config::default();
    let mut state = MemoryState::new();
    let mut ids = Vec::new();
    let mut story = Vec::new();
    let mut copy_of: Vec<Option<usize>> = Vec::new();
    let mut terms = Vec::new();
    let mut batch_df: HashMap<u64, u32> = HashMap::new();
    let bigram_weight = k.get(7).copied().unwrap_or(0.0);
    let mut days: Vec<Option<i32>> = Vec::new();
    let mut event_days: Vec<Vec<i32>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let date = v["date"]
            .as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok());
        let doc = Doc {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            title: v["title"].as_str().map(str::to_string),
            text: v["text"].as_str().unwrap_or_default().to_string(),
            date: date
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc()),
            ..Doc::default()
        };
        let a = assign_in_memory(&mut state, &doc, &config)?;
        let f = features::features(doc.title.as_deref(), &doc.text, date, &config.weights);
        index.insert(doc.id.clone(), ids.len());
        copy_of.push(a.copy_of.as_ref().and_then(|c| index.get(c).copied()));
        ids.push(doc.id);
        story.push(a.story);
        days.push(
            date.or(f.mentions.first_absolute)
                .map(|d| chrono::Datelike::num_days_from_ce(&d)),
        );
        event_days.push(
            f.mentions
                .event_days
                .iter()
                .map(chrono::Datelike::num_days_from_ce)
                .collect(),
        );
        let mut t = f.terms;
        if bigram_weight > 0.0 {
            t.extend(bigrams(doc.title.as_deref(), &doc.text, bigram_weight));
            t.sort_by_key(|(term, _)| *term);
            let mut merged: Vec<(u64, f32)> = Vec::with_capacity(t.len());
            for (term, w) in t {
                match merged.last_mut() {
                    Some((last, acc)) if *last == term => *acc += w,
                    _ => merged.push((term, w)),
                }
            }
            t = merged;
        }
        for (term, _) in &t {
            *batch_df.entry(*term).or_default() += 1;
        }
        terms.push(t);
    }
    let docs = (state.docs()? as f32).max(config.min_docs_for_idf);
    let units: Vec<Unit> = terms
        .iter()
        .map(|t| {
            let w = Weighted::new(t, |term| {
                let df = if bigram_weight > 0.0 {
                    batch_df.get(&term).copied().unwrap_or(0) as f32
                } else {
                    state.df(term).unwrap_or(0) as f32
                };
                ((docs + 1.0) / (df + 1.0)).ln()
            });
            Unit {
                all: unit(w.terms.clone()),
                anchors: unit(
                    w.terms
                        .iter()
                        .copied()
                        .filter(|(t, _)| is_anchor(*t))
                        .collect(),
                ),
            }
        })
        .collect();
    let far = k.get(3).copied().unwrap_or(0.6);
    let conf = k.get(4).copied().unwrap_or(0.5);
    let margin = k.get(5).copied().unwrap_or(0.0);
    let guard = k.get(6).copied().unwrap_or(0.0) != 0.0;
    let nkeys = k.get(2).copied().unwrap_or(12.0) as usize;
    let keys: Vec<Vec<(u64, f32)>> = units
        .iter()
        .map(|u| {
            let mut v = u.all.clone();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(nkeys);
            v
        })
        .collect();
    // Story labels as numbers, in order of first appearance.
    let mut names: Vec<String> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut label: Vec<usize> = story
        .iter()
        .map(|s| {
            *by_name.entry(s.clone()).or_insert_with(|| {
                names.push(s.clone());
                names.len() - 1
            })
        })
        .collect();
    let movable: Vec<usize> = (0..ids.len()).filter(|i| copy_of[*i].is_none()).collect();
    for _ in 0..iters {
        let mut cents = vec![Centroid::default(); names.len()];
        for &i in &movable {
            let c = &mut cents[label[i]];
            add(&mut c.all, &units[i].all, 1.0);
            add(&mut c.anchors, &units[i].anchors, 1.0);
            c.members += 1;
            c.event_days.extend_from_slice(&event_days[i]);
            if let Some(d) = days[i] {
                c.span = Some(c.span.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
            }
        }
        for c in &mut cents {
            c.n2_all = norm2(&c.all);
            c.n2_anc = norm2(&c.anchors);
        }
        // Candidate stories: those holding one of the article's heaviest terms.
        let mut by_term: HashMap<u64, Vec<usize>> = HashMap::new();
        for &i in &movable {
            for (t, _) in &keys[i] {
                let list = by_term.entry(*t).or_default();
                if list.last() != Some(&label[i]) && !list.contains(&label[i]) {
                    list.push(label[i]);
                }
            }
        }
        for list in by_term.values_mut() {
            if list.len() > 32 {
                list.drain(..list.len() - 32);
            }
        }
        let mut next = label.clone();
        for &i in &movable {
            let mut best = (f32::MIN, usize::MAX);
            let mut own = f32::MIN;
            let mut own_anchor = None;
            let mut best_anchor = None;
            let mut cands: Vec<usize> = keys[i]
                .iter()
                .flat_map(|(t, _)| by_term.get(t).into_iter().flatten().copied())
                .collect();
            cands.push(label[i]);
            cands.sort_unstable();
            cands.dedup();
            for s in cands {
                let c = &cents[s];
                if c.members == 0 || (s == label[i] && c.members == 1) {
                    continue;
                }
                let (mut v, anchor) = score(&units[i], c, s == label[i], &config);
                let own_days = s == label[i];
                let conflict = !event_days[i].is_empty()
                    && !c.event_days.is_empty()
                    && !event_days[i]
                        .iter()
                        .any(|d| c.event_days.iter().any(|e| (e - d).abs() <= 3));
                if conflict && !(own_days && c.members == 1) {
                    v *= conf;
                }
                if let (Some(d), Some((a, b))) = (days[i], c.span) {
                    if (a - d).max(d - b) > config.window_days {
                        v *= far;
                    }
                }
                if s == label[i] {
                    own = v;
                    own_anchor = anchor;
                }
                if v > best.0 {
                    best = (v, s);
                    best_anchor = anchor;
                }
            }
            let stays = best.1 != label[i]
                && (best.0 < config.threshold
                    || own > floor && best.0 < own + margin
                    || guard && matches!((best_anchor, own_anchor), (Some(b), Some(o)) if b < o));
            if std::env::var_os("NF_REFINE_LOG").is_some()
                && !stays
                && best.1 != label[i]
                && best.0 > floor
            {
                eprintln!(
                    "{}\t{}\t{}\t{:.3}\t{:?}\t{:.3}\t{:?}\t{}\t{}\t{:?}\t{:?}",
                    ids[i],
                    names[label[i]],
                    names[best.1],
                    own,
                    own_anchor,
                    best.0,
                    best_anchor,
                    cents[label[i]].members,
                    cents[best.1].members,
                    days[i],
                    event_days[i]
                );
            }
            next[i] = if stays {
                label[i]
            } else if best.0 > floor {
                best.1
            } else if cents[label[i]].members == 1 {
                label[i]
            } else {
                names.push(format!("s-{}", ids[i]));
                names.len() - 1
            };
        }
        for i in 0..ids.len() {
            if let Some(o) = copy_of[i] {
                next[i] = next[o];
            }
        }
        if next == label {
            break;
        }
        label = next;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, id) in ids.iter().enumerate() {
        writeln!(
            out,
            "{}",
            serde_json::json!({"id": id, "story": names[label[i]]})
        )?;
    }
    Ok(())
}
