//! Where `newsfold extract` spends its time, stage by stage, on a folder of pages.
//!
//! In: a folder of `.html`/`.html.gz` pages (e.g. ../shared/bench/extraction/html). Out: CPU
//! seconds per stage on one thread (read+gunzip, decode, for reference html5ever on the raw
//! page, the whole extract including its own parse of the stripped page, boilerplate), best of
//! `RUNS` passes, wall clock (run it pinned: `taskset -c 0`). For finding what
//! to speed up; the figure to report is `scripts/bench_extract.py`'s.
//!
//!     cargo build --release --example extract_stages
//!     taskset -c 0 target/release/examples/extract_stages DIR [RUNS]

use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use newsfold::boilerplate::{self, NoTemplates};
use newsfold::extract::{self, Hints};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: extract_stages DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.to_string_lossy().contains(".htm"));
    files.sort();
    let names = [
        "read+gunzip",
        "decode",
        "raw parse (ref)",
        "extract",
        "boilerplate",
    ];
    let mut best = [Duration::MAX; 5];
    for _ in 0..runs {
        let mut t = [Duration::ZERO; 5];
        for f in &files {
            let start = Instant::now();
            let raw = std::fs::read(f).unwrap_or_default();
            let mut bytes = Vec::new();
            if f.extension().is_some_and(|e| e == "gz") {
                let _ = flate2::read::GzDecoder::new(raw.as_slice()).read_to_end(&mut bytes);
            } else {
                bytes = raw;
            }
            let s1 = Instant::now();
            let text = newsfold::decode::decode(&bytes, None).text;
            let s2 = Instant::now();
            let doc = scraper::Html::parse_document(&text);
            drop(doc);
            let s3 = Instant::now();
            let article = extract::extract(&text, &Hints::default());
            let s4 = Instant::now();
            let context = boilerplate::Context {
                outlet: None,
                drop_lines: &[],
                templates: &NoTemplates,
                template_min_articles: u32::MAX,
            };
            let _ = boilerplate::strip(article, &context);
            let s5 = Instant::now();
            for (slot, d) in t
                .iter_mut()
                .zip([s1 - start, s2 - s1, s3 - s2, s4 - s3, s5 - s4])
            {
                *slot += d;
            }
        }
        for (b, d) in best.iter_mut().zip(t) {
            *b = (*b).min(d);
        }
    }
    let pipeline = best[0] + best[1] + best[3] + best[4];
    for (name, d) in names.iter().zip(best) {
        println!("{name:>16}: {:8.1} ms", d.as_secs_f64() * 1000.0);
    }
    println!(
        "{} pages, pipeline (all but the reference parse): {:.1} ms = {:.0} pages/s",
        files.len(),
        pipeline.as_secs_f64() * 1000.0,
        files.len() as f64 / pipeline.as_secs_f64()
    );
}
