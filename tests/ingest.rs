//! End to end: a small newsroom of three outlets on loopback servers, ingested twice into a
//! real sled store through the real binary, then dumped.
//!
//! The newsroom shows the quirks of issue 2: an RSS feed, an Atom feed, page furniture
//! around every article (consent banner, navigation, share buttons, related links, footer),
//! one article listed under tracking-parameter URLs by two feeds, one page in ISO-8859-1
//! with no charset in the HTTP header, and a wire report reprinted word for word by a
//! second outlet.

mod common;

use std::path::Path;

use common::cli::newsfold;
use common::newsroom::{article_page, atom_feed, rss_feed, REPORTS};
use common::server::{Reply, Route, TestServer};
use newsfold::canonical::canonicalize;
use newsfold::store::{article_id, Access, Store};

fn conditional(content_type: &str, body: String, tag: &str) -> Route {
    Route::Conditional {
        etag: Some(format!("\"{tag}\"")),
        last_modified: Some("Wed, 17 Jul 2024 10:00:00 GMT".into()),
        reply: Reply::ok(content_type, body),
    }
}

/// The three outlets' servers, and the feeds.toml that names them.
struct Newsroom {
    quotidien: TestServer,
    presse: TestServer,
    continue_: TestServer,
    config: String,
}

fn newsroom() -> Newsroom {
    let [r000, r001, r002, r003, r004] = &REPORTS;
    // "Le Quotidien": RSS; reports 000 and 003, and a word-for-word reprint of 002 (wire copy).
    let quotidien = TestServer::start_with(|base| {
        let copy_path = "/depeches/2024/07/17/irak-drones";
        let feed = rss_feed(
            "Le Quotidien",
            base,
            &[
                (r000.title, format!("{base}{}", r000.path), r000.date),
                (r003.title, format!("{base}{}", r003.path), r003.date),
                (r002.title, format!("{base}{copy_path}"), r002.date),
            ],
        );
        vec![
            (
                "/rss.xml".to_string(),
                conditional("application/rss+xml", feed, "q1"),
            ),
            (
                r000.path.to_string(),
                Route::Fixed(Reply::html(article_page(
                    "Le Quotidien",
                    r000,
                    base,
                    "utf-8",
                ))),
            ),
            (
                r003.path.to_string(),
                Route::Fixed(Reply::html(article_page(
                    "Le Quotidien",
                    r003,
                    base,
                    "utf-8",
                ))),
            ),
            (
                copy_path.to_string(),
                Route::Fixed(Reply::html(article_page(
                    "Le Quotidien",
                    &common::newsroom::Report {
                        path: copy_path,
                        ..REPORTS[2]
                    },
                    base,
                    "utf-8",
                ))),
            ),
        ]
    });
    // "Presse Est": Atom; 001 listed with tracking parameters, 004 in ISO-8859-1 and no
    // charset in its Content-Type.
    let presse = TestServer::start_with(|base| {
        let feed = atom_feed(
            "Presse Est",
            base,
            &[
                (
                    r001.title,
                    format!("{base}{}?utm_source=rss&utm_medium=feed", r001.path),
                    r001.date,
                ),
                (r004.title, format!("{base}{}", r004.path), r004.date),
            ],
        );
        let latin1 = article_page("Presse Est", r004, base, "iso-8859-1");
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&latin1);
        assert!(!unmappable, "the 004 page fits in ISO-8859-1/Windows-1252");
        vec![
            (
                "/atom.xml".to_string(),
                conditional("application/atom+xml", feed, "p1"),
            ),
            (
                r001.path.to_string(),
                Route::Fixed(Reply::html(article_page("Presse Est", r001, base, "utf-8"))),
            ),
            (
                r004.path.to_string(),
                Route::Fixed(Reply::ok("text/html", bytes.into_owned())),
            ),
        ]
    });
    // "L'Info Continue": RSS; report 002, and Presse Est's 001 under other tracking URLs.
    let presse_base = presse.base();
    let continue_ = TestServer::start_with(|base| {
        let feed = rss_feed(
            "L'Info Continue",
            base,
            &[
                (r002.title, format!("{base}{}", r002.path), r002.date),
                (
                    r001.title,
                    format!(
                        "{presse_base}{}?utm_source=twitter&fbclid=IwAR0xyz#commentaires",
                        r001.path
                    ),
                    r001.date,
                ),
            ],
        );
        vec![
            (
                "/feed".to_string(),
                conditional("application/rss+xml; charset=utf-8", feed, "c1"),
            ),
            (
                r002.path.to_string(),
                Route::Fixed(Reply::html(article_page(
                    "L'Info Continue",
                    r002,
                    base,
                    "utf-8",
                ))),
            ),
        ]
    });
    let config = format!(
        r#"[settings]
per_host_delay_secs = 0.05
timeout_secs = 10
max_retries = 1

[[outlet]]
name = "Le Quotidien"
lang = "fr"
feeds = ["{}/rss.xml"]

[[outlet]]
name = "Presse Est"
lang = "fr"
feeds = ["{}/atom.xml"]

[[outlet]]
name = "L'Info Continue"
lang = "fr"
feeds = ["{}/feed"]
"#,
        quotidien.base(),
        presse.base(),
        continue_.base()
    );
    Newsroom {
        quotidien,
        presse,
        continue_,
        config,
    }
}

fn stored(store: &Path, url: &str) -> newsfold::store::StoredArticle {
    let db =
        Store::open(store, Access::Wait(std::time::Duration::from_secs(5))).expect("open store");
    let id = article_id(&canonicalize(url).expect("canonical"));
    db.article(&id)
        .expect("read")
        .unwrap_or_else(|| panic!("{url} stored"))
}

#[test]
fn newsroom_ingested_twice_then_dumped() {
    let room = newsroom();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("feeds.toml");
    std::fs::write(&config, &room.config).expect("write config");
    let store = dir.path().join("store");
    let (config_arg, store_arg) = (
        config.to_str().expect("utf-8"),
        store.to_str().expect("utf-8"),
    );

    // First run: six articles (001 is listed three times under three URLs).
    let first = newsfold(&["ingest", "--config", config_arg, "--store", store_arg]);
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "first run: {err}");
    assert!(
        err.contains("6 new articles (1 copies)"),
        "first run summary: {err}"
    );
    assert_eq!(
        err.lines().count(),
        1,
        "quiet on success except the summary: {err}"
    );
    assert_eq!(
        room.presse.requests_to(REPORTS[1].path).len(),
        1,
        "001 fetched once"
    );

    // What was stored: clean text, right charset, dates, the copy, the stories.
    let [r000, r001, r002, r003, r004] = &REPORTS;
    let a001 = stored(&store, &room.presse.url(r001.path));
    assert!(a001
        .text
        .contains("Deux drones suicide ont pris pour cible, mardi 16 juillet"));
    assert!(
        !a001.text.contains("Tout accepter"),
        "consent banner stripped: {}",
        a001.text
    );
    assert!(
        !a001.text.contains("Sur le même sujet"),
        "related links stripped"
    );
    assert!(!a001.text.contains("Mentions légales"), "footer stripped");
    assert!(
        !a001.text.contains("Partager Cet Article"),
        "share line stripped"
    );
    let a004 = stored(&store, &room.presse.url(r004.path));
    assert!(
        a004.text
            .contains("La base d'Aïn al-Assad, dans l'ouest de l'Irak"),
        "ISO-8859-1 decoded: {}",
        a004.text
    );
    assert!(
        !a004.text.contains("Tout Refuser"),
        "004's own consent banner stripped: {}",
        a004.text
    );
    assert_eq!(
        a004.published
            .as_ref()
            .map(|d| d.at.date_naive().to_string())
            .as_deref(),
        Some("2021-06-20")
    );
    let a002 = stored(&store, &room.continue_.url(r002.path));
    assert_eq!(
        a002.text
            .matches("Un haut responsable sécuritaire à Bagdad a confirmé")
            .count(),
        1,
        "body printed twice kept once"
    );
    let copy = stored(
        &store,
        &room.quotidien.url("/depeches/2024/07/17/irak-drones"),
    );
    let (a000, a003) = (
        stored(&store, &room.quotidien.url(r000.path)),
        stored(&store, &room.quotidien.url(r003.path)),
    );
    assert!(
        copy.copy_of.is_some() || a002.copy_of.is_some(),
        "the reprint is a copy"
    );
    assert_eq!(
        copy.story, a002.story,
        "the copy joins its original's story"
    );
    assert_eq!(
        a001.story, a002.story,
        "001 and 002 report the same drone attack"
    );
    let others = [&a000.story, &a003.story, &a004.story];
    for (i, s) in others.iter().enumerate() {
        assert_ne!(
            *s, &a001.story,
            "a different event joined the July 2024 story"
        );
        assert!(
            others.iter().skip(i + 1).all(|t| t != s),
            "different events kept apart"
        );
    }

    // Second run: nothing new, feeds answered 304, and over both runs no body (feed or page)
    // was downloaded twice.
    let second = newsfold(&["ingest", "--config", config_arg, "--store", store_arg]);
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "second run: {err}");
    assert!(
        err.contains("0 new articles"),
        "second run stores nothing: {err}"
    );
    assert!(
        err.contains("3 not modified"),
        "conditional GET on every feed: {err}"
    );
    for server in [&room.quotidien, &room.presse, &room.continue_] {
        let bodies: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.status == 200 && !r.path().ends_with("robots.txt"))
            .map(|r| r.target)
            .collect();
        let mut unique = bodies.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            bodies.len(),
            unique.len(),
            "a body was downloaded twice over two runs: {bodies:?}"
        );
    }

    // dump: one story of three reports (001, 002 and its reprint), three single stories.
    let dump = newsfold(&["dump", "--store", store_arg, "--format", "jsonl"]);
    assert_eq!(
        dump.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let stories: Vec<serde_json::Value> = String::from_utf8_lossy(&dump.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl line"))
        .collect();
    assert_eq!(stories.len(), 4, "{stories:#?}");
    let sizes: Vec<usize> = stories
        .iter()
        .map(|s| s["reports"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 6);
    assert_eq!(
        stories[0]["reports"].as_array().map_or(0, Vec::len),
        3,
        "newest story first: {stories:#?}"
    );
    assert!(stories[0]["reports"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| !r["copy_of"].is_null()));
}
