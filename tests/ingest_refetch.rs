//! `ingest --refetch` (issue 6: "articles already stored are never fetched again unless
//! asked"). Without the flag a stored article's page is not requested again; with it,
//! every listed page is (even behind a feed answering 304), its new text is compared with
//! the stored one, and the stored article keeps its identity, story and text.

mod common;

use std::path::Path;
use std::time::Duration;

use common::cli::newsfold;
use common::newsroom::{article_page, rss_feed, REPORTS};
use common::server::{Reply, Route, TestServer};

/// Seeds 001 and 003 in one conditional RSS feed; 001's page is corrected after the first
/// request (a paragraph added), 003's never changes.
fn outlet() -> TestServer {
    TestServer::start_with(|base| {
        let items: Vec<(&str, String, &str)> = [&REPORTS[1], &REPORTS[3]]
            .iter()
            .map(|r| (r.title, format!("{base}{}", r.path), r.date))
            .collect();
        let first = article_page("La Gazette", &REPORTS[1], base, "utf-8");
        let corrected = first.replacen(
            "</article>",
            "<p>Rectificatif : une version précédente de cet article situait la base dans la province de Ninive.</p></article>",
            1,
        );
        vec![
            (
                "/rss".into(),
                Route::Conditional {
                    etag: Some("\"r1\"".into()),
                    last_modified: None,
                    reply: Reply::ok("application/rss+xml", rss_feed("La Gazette", base, &items)),
                },
            ),
            (
                REPORTS[1].path.into(),
                Route::Sequence(vec![Reply::html(first), Reply::html(corrected)]),
            ),
            (
                REPORTS[3].path.into(),
                Route::Fixed(Reply::html(article_page(
                    "La Gazette",
                    &REPORTS[3],
                    base,
                    "utf-8",
                ))),
            ),
        ]
    })
}

fn stored(store: &Path, url: &str) -> newsfold::store::StoredArticle {
    let db =
        newsfold::store::Store::open(store, newsfold::store::Access::Wait(Duration::from_secs(5)))
            .expect("open store");
    let id = newsfold::store::article_id(&newsfold::canonical::canonicalize(url).expect("url"));
    db.article(&id).expect("read").expect("stored")
}

#[test]
fn stored_articles_are_refetched_only_when_asked_and_never_rewritten() {
    let site = outlet();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("feeds.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\nper_host_delay_secs = 0.01\n\n[[outlet]]\nname = \"La Gazette\"\nlang = \"fr\"\nfeeds = [\"{}\"]\n",
            site.url("/rss")
        ),
    )
    .expect("write config");
    let store = dir.path().join("store");
    let args = [
        "ingest",
        "--config",
        config.to_str().expect("utf-8"),
        "--store",
        store.to_str().expect("utf-8"),
    ];
    let first = newsfold(&args);
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{err}");
    assert!(err.contains("2 new articles"), "{err}");
    assert!(!err.contains("re-fetched"), "{err}");
    let before = stored(&store, &site.url(REPORTS[1].path));

    // Without --refetch: the feed answers 304 and no page is requested again.
    let second = newsfold(&args);
    assert_eq!(second.status.code(), Some(0));
    for r in [&REPORTS[1], &REPORTS[3]] {
        assert_eq!(
            site.requests_to(r.path).len(),
            1,
            "{} not re-fetched",
            r.path
        );
    }

    // With --refetch: the feed is downloaded whole and both pages are fetched again.
    let mut refetch_args = vec!["-v"];
    refetch_args.extend(args);
    refetch_args.push("--refetch");
    let third = newsfold(&refetch_args);
    let err = String::from_utf8_lossy(&third.stderr);
    assert_eq!(third.status.code(), Some(0), "{err}");
    for r in [&REPORTS[1], &REPORTS[3]] {
        assert_eq!(site.requests_to(r.path).len(), 2, "{} re-fetched", r.path);
    }
    let feed_requests = site.requests_to("/rss");
    let last = feed_requests.last().expect("feed asked");
    assert_eq!(
        last.header("if-none-match"),
        None,
        "no validator sent: {last:?}"
    );
    assert!(err.contains("0 new articles"), "{err}");
    assert!(
        err.contains("2 re-fetched (1 changed, stored text kept)"),
        "{err}"
    );
    let changed: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("changed since stored"))
        .collect();
    assert_eq!(changed.len(), 1, "{err}");
    assert!(changed[0].contains(REPORTS[1].path), "{}", changed[0]);

    let after = stored(&store, &site.url(REPORTS[1].path));
    assert_eq!(after, before, "the stored article is not rewritten");
    assert!(!after.text.contains("Rectificatif"));
    let check = newsfold(&["check", "--store", store.to_str().expect("utf-8")]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{report}");
    assert!(report.contains("articles      2"), "{report}");
}
