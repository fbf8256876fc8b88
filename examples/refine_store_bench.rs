//! What the story refinement costs `ingest` at the end of a run, by store size.
//!
//! `cargo run --release --example refine_store_bench -- STREAM.jsonl [ARTICLES]` (default
//! 5000): stores the first ARTICLES articles of a `gen_news` stream in a fresh sled store the
//! way `ingest` does (each placed against the sled cluster state and committed with its
//! cluster ops in one transaction), then times `Store::refine_stories` twice: the first run
//! writes the stories that change, the second finds nothing to write (the cost every later
//! run pays before its own articles count). Prints both times and how many articles moved.

use std::io::BufRead;
use std::time::Instant;

use chrono::{DateTime, Utc};
use newsfold::cluster::{self, Config, Doc};
use newsfold::model::Article;
use newsfold::store::cluster_state::{self, SledClusterState};
use newsfold::store::{Access, Store, StoredArticle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: refine_store_bench STREAM.jsonl [ARTICLES]")?;
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let dir = std::env::temp_dir().join(format!("newsfold-refine-bench-{}", std::process::id()));
    let store = Store::open(&dir, Access::Exclusive)?;
    let config = Config::default();
    let started = Instant::now();
    let reader = std::io::BufReader::new(std::fs::File::open(&path)?);
    for line in reader.lines().take(n) {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let text = v["text"].as_str().unwrap_or_default();
        let article = Article {
            title: v["title"].as_str().map(str::to_string),
            paragraphs: text.lines().map(str::to_string).collect(),
            ..Article::default()
        };
        let at: DateTime<Utc> = v["date"]
            .as_str()
            .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
            .map_or_else(Utc::now, |d| d.with_timezone(&Utc));
        let url = v["url"].as_str().unwrap_or_default();
        let outlet = v["outlet"].as_str().unwrap_or("outlet");
        let mut record = StoredArticle::from_article(&article, outlet, url, url, at);
        let doc = Doc {
            id: record.id.clone(),
            title: record.title.clone(),
            text: record.text.clone(),
            date: Some(record.seen_at()),
            ..Doc::default()
        };
        let state = SledClusterState::new(store.db())?;
        let (assignment, changes) = cluster::assign(&state, &doc, &config)?;
        record.story = assignment.story;
        record.copy_of = assignment.copy_of;
        store.commit_article(&record, &cluster_state::ops(&changes))?;
    }
    println!(
        "stored {n} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for pass in ["first", "second"] {
        let t = Instant::now();
        let moved = store.refine_stories(&config)?;
        println!(
            "{pass} refinement: {:.0} ms, {moved} articles moved",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let problems = store.check()?.problem_count;
    println!("check: {problems} problems");
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
