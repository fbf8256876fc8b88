//! Store speed: per-article commit latency (one transaction + flush), then `stories()`,
//! `check()` and size on disk, on a fresh store in a temp directory.
//!
//! `cargo run --release --example store_bench -- [ARTICLES]` (default 5000). Articles carry
//! ~3 KB of text, 8 template fingerprints and 12 cluster-like ops; three reports per story.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use newsfold::model::Article;
use newsfold::store::{Access, Op, Store, StoredArticle, StoryFilter};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let dir = std::env::temp_dir().join(format!("newsfold-store-bench-{}", std::process::id()));
    let store = Store::open(&dir, Access::Exclusive).expect("opening the bench store");
    let paragraph =
        "Une frappe a visé la base aérienne dans la nuit de mardi à mercredi. ".repeat(6);
    let mut latencies = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for i in 0..n {
        let url = format!("https://outlet{}.example/2024/07/16/article-{i}", i % 12);
        let article = Article {
            title: Some(format!("Article {i}")),
            paragraphs: vec![format!("{i} {paragraph}"); 7],
            ..Article::default()
        };
        let at = Utc.with_ymd_and_hms(2024, 7, 16, 0, 0, 0).unwrap()
            + chrono::Duration::minutes(i as i64);
        let mut r =
            StoredArticle::from_article(&article, &format!("outlet{}", i % 12), &url, &url, at);
        r.story = format!("s-{}", i / 3);
        r.fingerprints = (0..8).map(|k| (i % 50) * 8 + k).collect();
        let ops: Vec<Op> = (0..12)
            .map(|k| Op::Add {
                tree: "bench_df",
                key: format!("term{}", (i * 7 + k) % 5000).into_bytes(),
                delta: 1,
            })
            .collect();
        let t = Instant::now();
        store.commit_article(&r, &ops).expect("commit");
        latencies.push(t.elapsed());
    }
    let total = start.elapsed();
    latencies.sort();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    println!(
        "commits: {n} in {:.2}s ({:.0}/s); latency median {:?}, p90 {:?}, max {:?}",
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64(),
        pct(50),
        pct(90),
        latencies[latencies.len() - 1]
    );
    let time = |f: &dyn Fn() -> usize| {
        let mut runs: Vec<(Duration, usize)> = (0..3)
            .map(|_| {
                let t = Instant::now();
                let k = f();
                (t.elapsed(), k)
            })
            .collect();
        runs.sort();
        runs[1]
    };
    let (d, k) = time(&|| {
        store
            .stories(&StoryFilter::default())
            .expect("stories")
            .len()
    });
    println!("stories(): {k} stories, median of 3 runs {d:?}");
    let (d, k) = time(&|| store.check().expect("check").problem_count);
    println!("check(): {k} problems, median of 3 runs {d:?}");
    println!(
        "size on disk: {} bytes",
        store.check().expect("check").bytes_on_disk
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
