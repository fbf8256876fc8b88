//! `ingest` settles its stories as `newsfold cluster` does: the same articles in the same
//! order give the same stories, even when they arrive over two runs.
//!
//! Two outlets on loopback servers publish the 108 ECB+ articles of the cluster fixture
//! (four topics, two events each) as plain article pages. The first run reads one outlet,
//! the second both; the refinement rounds run after each. Then the stored articles are
//! exported in the order they were clustered, with the title, text and date the cluster
//! stage saw, and given to `newsfold cluster`: every article must be in the same story in
//! both, some stories must differ from what the one pass gave (or the rounds would not be
//! tested), and `newsfold check` must find the store consistent. A run stopped after its
//! last article and before the refinement leaves a consistent store whose `dump` says the
//! stories are not settled; the next run settles them.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use common::cli::{ingest_ok, newsfold, stderr, stdout};
use common::newsroom::{feeds_config, rss_feed};
use common::server::{Reply, Route, TestServer};
use newsfold::cluster::State;
use newsfold::store::cluster_state::{self, SledClusterState};
use newsfold::store::{Access, Store, StoredArticle};

struct Article {
    id: String,
    title: String,
    text: String,
}

fn fixture_articles() -> Vec<Article> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cluster/ecb-topics-1-3-8-12.jsonl");
    let text = std::fs::read_to_string(path).expect("ecb fixture");
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture json");
            Article {
                id: v["id"].as_str().unwrap_or_default().to_string(),
                title: v["title"].as_str().unwrap_or_default().to_string(),
                text: v["text"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect()
}

/// Every other article, and the rest: interleaved, so that each half holds reports of
/// every event.
fn halves(articles: &[Article]) -> (Vec<&Article>, Vec<&Article>) {
    (
        articles.iter().step_by(2).collect(),
        articles.iter().skip(1).step_by(2).collect(),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(a: &Article) -> String {
    let paragraphs: String = a
        .text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>\n", escape(l)))
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><article><h1>{t}</h1>\n{paragraphs}</article></body></html>\n",
        t = escape(&a.title)
    )
}

/// An outlet serving `articles` and an RSS feed of them (dated a day apart each).
fn outlet(name: &'static str, articles: &[&Article]) -> TestServer {
    let pages: Vec<(String, String, String)> = articles
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let date = format!("2024-03-{:02}", 1 + n % 28);
            (format!("/news/{}.html", a.id), page(a), date)
        })
        .collect();
    let titles: Vec<String> = articles.iter().map(|a| a.title.clone()).collect();
    TestServer::start_with(move |base| {
        let items: Vec<(&str, String, &str)> = pages
            .iter()
            .zip(&titles)
            .map(|((path, _, date), title)| {
                (title.as_str(), format!("{base}{path}"), date.as_str())
            })
            .collect();
        let mut routes = vec![(
            "/rss.xml".to_string(),
            Route::Fixed(Reply::ok(
                "application/rss+xml",
                rss_feed(name, base, &items),
            )),
        )];
        for (path, html, _) in &pages {
            routes.push((path.clone(), Route::Fixed(Reply::html(html.clone()))));
        }
        routes
    })
}

fn config(outlets: &[(&str, &TestServer)]) -> String {
    let settings = "per_host_delay_secs = 0.0\ntimeout_secs = 10\nmax_retries = 1\n";
    feeds_config(settings, "en", outlets)
}

fn ingest(dir: &Path, config_text: &str, store: &Path) {
    let path = dir.join("feeds.toml");
    std::fs::write(&path, config_text).expect("write config");
    ingest_ok(&path, store);
}

/// Per clustered article in cluster order: id, stored story, the one pass's story, and
/// the JSON line `newsfold cluster` reads.
fn export(store: &Path) -> Vec<(String, String, String, String)> {
    let db = Store::open(store, Access::Wait(std::time::Duration::from_secs(5))).expect("open");
    let state = SledClusterState::new(db.db()).expect("cluster trees");
    let docs = state.docs().expect("count");
    (0..docs)
        .map(|n| {
            let record = state.doc(n).expect("read").expect("record").into_owned();
            let one_pass = state
                .story(record.story)
                .expect("read")
                .expect("story")
                .id
                .clone();
            let article = db.article(&record.id).expect("read").expect("stored");
            let line = serde_json::json!({
                "id": article.id,
                "title": article.title,
                "text": article.text,
                "date": article.seen_at().to_rfc3339(),
            })
            .to_string();
            (record.id, article.story, one_pass, line)
        })
        .collect()
}

/// Asserts that every stored article is in the story `newsfold cluster` gives it when fed
/// the stored articles in cluster order; returns how many are not in their one-pass story.
fn assert_stories_of_offline_pass(store: &Path, articles: usize) -> usize {
    let exported = export(store);
    // A page or two may be too short for the extractor to call it an article.
    assert!(exported.len() + 4 >= articles, "{} stored", exported.len());
    let input: String = exported.iter().map(|e| e.3.clone() + "\n").collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .args(["cluster", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run newsfold cluster");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let offline: BTreeMap<String, String> = stdout(&out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("output json");
            (
                v["id"].as_str().unwrap_or_default().to_string(),
                v["story"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (id, stored, _, _) in &exported {
        assert_eq!(offline.get(id), Some(stored), "article {id}");
    }
    exported.iter().filter(|e| e.1 != e.2).count()
}

fn assert_consistent(store: &Path) {
    let check = newsfold(&["check", "--store", store.to_str().expect("utf-8")]);
    assert!(
        check.status.success(),
        "check: {}{}",
        stdout(&check),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn two_ingest_runs_give_the_stories_of_one_offline_pass() {
    let articles = fixture_articles();
    let (first, second) = halves(&articles);
    let wire = outlet("Wire", &first);
    let daily = outlet("Daily", &second);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    ingest(dir.path(), &config(&[("Wire", &wire)]), &store);
    ingest(
        dir.path(),
        &config(&[("Wire", &wire), ("Daily", &daily)]),
        &store,
    );

    let moved = assert_stories_of_offline_pass(&store, articles.len());
    assert!(
        moved > 0,
        "the rounds moved nothing: the test shows nothing"
    );
    assert_consistent(&store);
}

/// Stores `articles` as an `ingest` run does, one transaction each, and stops there: as a
/// run killed after its last article and before the story refinement leaves the store.
fn store_without_refinement(store: &Path, articles: &[&Article]) {
    let db = Store::open(store, Access::Wait(std::time::Duration::from_secs(5))).expect("open");
    let config = newsfold::cluster::Config::default();
    for (n, a) in articles.iter().enumerate() {
        let article = newsfold::model::Article {
            title: Some(a.title.clone()),
            paragraphs: a.text.lines().map(str::to_string).collect(),
            ..Default::default()
        };
        let url = format!("https://late.example/news/{}.html", a.id);
        let at = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(19_800 + n as i64);
        let mut record = StoredArticle::from_article(&article, "Late", &url, &url, at);
        let doc = newsfold::cluster::Doc {
            id: record.id.clone(),
            title: record.title.clone(),
            text: record.text.clone(),
            date: Some(record.seen_at()),
            ..Default::default()
        };
        let state = SledClusterState::new(db.db()).expect("cluster trees");
        let (placed, changes) =
            newsfold::cluster::assign(&state, &doc, &config).expect("sled read");
        record.story = placed.story;
        record.copy_of = placed.copy_of;
        db.commit_article(&record, &cluster_state::ops(&changes))
            .expect("commit");
    }
    assert!(db.refinement_due().expect("read"));
}

#[test]
fn a_run_stopped_before_the_refinement_is_settled_by_the_next() {
    let articles = fixture_articles();
    let (first, late) = halves(&articles);
    let wire = outlet("Wire", &first);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let config_text = config(&[("Wire", &wire)]);
    ingest(dir.path(), &config_text, &store);
    store_without_refinement(&store, &late);

    // Consistent, and dump says the stories are not settled.
    assert_consistent(&store);
    let dump = newsfold(&["dump", "--store", store.to_str().expect("utf-8")]);
    assert!(dump.status.success());
    assert!(
        stderr(&dump).contains("the next ingest settles them"),
        "{}",
        stderr(&dump)
    );

    // The next run brings nothing new and settles them.
    ingest(dir.path(), &config_text, &store);
    let db = Store::open(&store, Access::Wait(std::time::Duration::from_secs(5))).expect("open");
    assert!(!db.refinement_due().expect("read"));
    drop(db);
    assert_stories_of_offline_pass(&store, articles.len());
    assert_consistent(&store);
    let dump = newsfold(&["dump", "--store", store.to_str().expect("utf-8")]);
    assert!(!stderr(&dump).contains("settles"), "{}", stderr(&dump));
}
