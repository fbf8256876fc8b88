//! Boilerplate stage speed: microseconds per article for `boilerplate::strip` alone.
//!
//! In: the five seed reports (tests/fixtures/boilerplate, as text) and, when present, the
//! extraction benchmark's pages (`../shared/bench/extraction/html/*.html.gz`, or the folder
//! given as the first argument), decoded and extracted once, outside the timing. Out: the
//! median, 90th percentile and maximum over articles of each article's median time over
//! [`ROUNDS`] rounds, then the time for one synthetic page of 10,000 distinct paragraphs (the
//! near-repeat search's worst case: nothing matches, so every pair used to be compared).
//!
//! `cargo run --release --example boilerplate_bench -- [HTML_DIR]`

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newsfold::boilerplate::{strip, Context, NoTemplates};
use newsfold::extract::{extract, from_text, Hints};
use newsfold::model::Article;

/// Times each article is stripped; its median is kept.
const ROUNDS: usize = 7;

fn context() -> Context<'static> {
    Context {
        outlet: None,
        drop_lines: &[],
        templates: &NoTemplates,
        template_min_articles: u32::MAX,
    }
}

fn seeds(root: &Path) -> Vec<(String, Article)> {
    let dir = root.join("tests/fixtures/boilerplate");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p.display().to_string(), from_text(&text, &Hints::default())))
        })
        .collect()
}

fn bench_pages(dir: &Path) -> Vec<(String, Article)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.to_string_lossy().ends_with(".html.gz"));
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let raw = std::fs::read(&p).ok()?;
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut bytes)
                .ok()?;
            let text = newsfold::decode::decode(&bytes, None).text;
            Some((p.display().to_string(), extract(&text, &Hints::default())))
        })
        .collect()
}

/// The median of `ROUNDS` timings of stripping `article`.
fn time_one(article: &Article) -> Duration {
    let ctx = context();
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let input = article.clone();
            let start = Instant::now();
            let out = strip(input, &ctx);
            let elapsed = start.elapsed();
            std::hint::black_box(out);
            elapsed
        })
        .collect();
    times.sort();
    times[ROUNDS / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// A listing-like page of 10,000 distinct paragraphs (made-up words from a small
/// vocabulary, so many share words but none repeats another): two long ones (15 words,
/// shingled) for one short one (5 words, compared by edit distance).
fn huge_page() -> Article {
    let mut state: u64 = 42;
    let mut word = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        format!("mot{}", (state >> 33) % 400)
    };
    let paragraphs = (0..10_000)
        .map(|i| {
            let words = if i % 3 == 2 { 5 } else { 15 };
            (0..words).map(|_| word()).collect::<Vec<_>>().join(" ") + "."
        })
        .collect();
    Article {
        paragraphs,
        ..Article::default()
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let html_dir = std::env::args().nth(1).map(PathBuf::from).or_else(|| {
        [
            root.join("../shared/bench/extraction/html"),
            root.join("../../shared/bench/extraction/html"),
        ]
        .into_iter()
        .find(|d| d.is_dir())
    });
    let mut articles = seeds(root);
    let seed_count = articles.len();
    if let Some(dir) = &html_dir {
        articles.extend(bench_pages(dir));
    }
    if articles.is_empty() {
        eprintln!("no articles found (seeds missing?)");
        return;
    }
    println!(
        "articles: {} ({seed_count} seeds, {} bench pages{})",
        articles.len(),
        articles.len() - seed_count,
        html_dir
            .as_ref()
            .map(|d| format!(" from {}", d.display()))
            .unwrap_or_default()
    );
    let mut times: Vec<(Duration, &str)> = articles
        .iter()
        .map(|(name, article)| (time_one(article), name.as_str()))
        .collect();
    times.sort();
    let pick = |q: usize| times[(times.len() * q / 100).min(times.len() - 1)].0;
    let total: Duration = times.iter().map(|(t, _)| *t).sum();
    let (slowest, slowest_name) = times[times.len() - 1];
    println!(
        "strip per article: median {:.1} µs, p90 {:.1} µs, mean {:.1} µs, max {:.1} µs ({slowest_name})",
        micros(pick(50)),
        micros(pick(90)),
        micros(total) / times.len() as f64,
        micros(slowest)
    );
    let page = huge_page();
    let start = Instant::now();
    let (stripped, _) = strip(page, &context());
    println!(
        "10,000-paragraph page: {:.1} ms, {} paragraphs kept",
        start.elapsed().as_secs_f64() * 1e3,
        stripped.paragraphs.len()
    );
}
