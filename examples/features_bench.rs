//! Benchmark (not part of the product): the cost of feature extraction alone.
//!
//! In: a JSONL file of articles (`title`, `text`, `date`), e.g. a `gen_news` stream, and
//! how many passes to make over it. Out, on stdout: nanoseconds per article and per token
//! of `features::features` (terms, dates and the near-copy sketch), the best of the
//! passes, and a checksum of the terms so that two builds can be compared for equal
//! output. `newsfold cluster` spends about a third of its time here; this times that
//! third without the noise of the story stage.
//!
//! `cargo run --release --example features_bench -- FILE.jsonl [PASSES]`

use std::io::BufRead;
use std::time::Instant;

use newsfold::cluster::features::{self, FeatureWeights};
use newsfold::cluster::words::Tokens;

struct Article {
    title: Option<String>,
    text: String,
    date: Option<chrono::NaiveDate>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: features_bench FILE.jsonl [PASSES]")?;
    let passes: usize = args.next().map_or(Ok(5), |p| p.parse())?;
    let mut articles = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        articles.push(Article {
            title: v["title"].as_str().map(str::to_string),
            text: v["text"].as_str().unwrap_or_default().to_string(),
            date: v["date"]
                .as_str()
                .and_then(|s| chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()),
        });
    }
    let tokens: usize = articles
        .iter()
        .map(|a| {
            let title = a.title.as_deref().map_or(0, |t| Tokens::new(t).count());
            let body: usize = a.text.lines().map(|l| Tokens::new(l).count()).sum();
            title + body
        })
        .sum();
    let weights = FeatureWeights::default();
    let mut best = f64::INFINITY;
    let mut checksum = 0u64;
    for _ in 0..passes {
        checksum = 0;
        let start = Instant::now();
        for a in &articles {
            let f = features::features(a.title.as_deref(), &a.text, a.date, &weights);
            for (term, weight) in &f.terms {
                checksum = checksum.rotate_left(5) ^ term ^ u64::from(weight.to_bits());
            }
            for slot in f.sketch.slots {
                checksum = checksum.rotate_left(3) ^ u64::from(slot);
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let n = articles.len() as f64;
    println!(
        "{} articles, {:.1} tokens each: {:.0} ns/article, {:.1} ns/token (best of {passes}); checksum {checksum:016x}",
        articles.len(),
        tokens as f64 / n,
        best * 1e9 / n,
        best * 1e9 / tokens as f64,
    );
    Ok(())
}
