//! Experiment (not part of the product): every same-file pair's cosines, for batch studies
//! of the story similarity outside the online clusterer.
//!
//! In: a JSONL file of articles (`id`, `title`, `text`, `date`), e.g. ECB+ dev. Out, on
//! stdout: one `D` line per article (id, its day: publication date or the first date
//! written in its text) and one `P` line per pair whose cosine over every term passes
//! 0.03: indexes, then the cosine over every term and over anchors alone (-1 when a side
//! has no anchors) for the whole article, the title alone, and the title with the first
//! three lines. Document frequencies are counted over the whole file (batch idf, with the
//! clusterer's floor of 300 documents).
//! `scripts/experiments/batch_similarity.py` reads the output.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use newsfold::cluster::features::{self, is_anchor, FeatureWeights};
use newsfold::cluster::stories::Weighted;

struct Article {
    id: String,
    day: Option<chrono::NaiveDate>,
    views: [Vec<(u64, f32)>; 3],
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: pair_sims FILE.jsonl")?;
    let weights = FeatureWeights::default();
    let mut articles = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let date = v["date"]
            .as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok());
        let (title, text) = (v["title"].as_str(), v["text"].as_str().unwrap_or(""));
        let lead: Vec<&str> = text.lines().take(3).collect();
        let whole = features::features(title, text, date, &weights);
        articles.push(Article {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            day: date.or(whole.mentions.text_day),
            views: [
                whole.terms,
                features::features(title, "", date, &weights).terms,
                features::features(title, &lead.join("\n"), date, &weights).terms,
            ],
        });
    }
    let mut df: HashMap<u64, f32> = HashMap::new();
    for a in &articles {
        for (t, _) in &a.views[0] {
            *df.entry(*t).or_default() += 1.0;
        }
    }
    let docs = (articles.len() as f32).max(300.0);
    let idf = |t: u64| ((docs + 1.0) / (df.get(&t).copied().unwrap_or(0.0) + 1.0)).ln();
    let weighted: Vec<[Weighted; 3]> = articles
        .iter()
        .map(|a| a.views.clone().map(|terms| Weighted::new(&terms, idf)))
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for a in &articles {
        let day = a.day.map(|d| d.to_string()).unwrap_or_default();
        writeln!(out, "D\t{}\t{day}", a.id)?;
    }
    for i in 0..articles.len() {
        for j in i + 1..articles.len() {
            let c: Vec<(f32, f32)> = (0..3)
                .map(|v| cosines(&weighted[i][v], &weighted[j][v]))
                .collect();
            if c[0].0 > 0.03 {
                write!(out, "P\t{i}\t{j}")?;
                for (all, anchors) in c {
                    write!(out, "\t{all:.4}\t{anchors:.4}")?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

/// Cosine over every term and over anchors alone (-1 when a side has none).
fn cosines(a: &Weighted, b: &Weighted) -> (f32, f32) {
    let (mut dot, mut anchor_dot) = (0.0f32, 0.0f32);
    let (mut x, mut y) = (0, 0);
    while x < a.terms.len() && y < b.terms.len() {
        let ((ta, wa), (tb, wb)) = (a.terms[x], b.terms[y]);
        if ta == tb {
            dot += wa * wb;
            if is_anchor(ta) {
                anchor_dot += wa * wb;
            }
        }
        x += usize::from(ta <= tb);
        y += usize::from(tb <= ta);
    }
    let ratio = |d: f32, n: f32, m: f32| if n > 0.0 && m > 0.0 { d / (n * m) } else { 0.0 };
    let anchors = if a.anchor_norm > 0.0 && b.anchor_norm > 0.0 {
        ratio(anchor_dot, a.anchor_norm, b.anchor_norm)
    } else {
        -1.0
    };
    (ratio(dot, a.norm, b.norm), anchors)
}
