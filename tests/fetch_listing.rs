//! Feeds and sitemaps over HTTP against the loopback test server: tolerant parsing of broken
//! feeds, conditional GET (a second run downloads no body), cross-run backoff of a failing
//! feed, sitemap indexes and gzipped news sitemaps.

mod common;

use common::fetch_kit::*;
use common::server::{Reply, Route, TestServer};
use newsfold::fetch::{FeedOutcome, FeedState, FetchError};

#[tokio::test]
async fn broken_feed_xml_still_gives_its_entries() {
    let server = TestServer::start([
        (
            "/broken.xml",
            Route::Fixed(Reply::ok(
                "application/rss+xml",
                fixture("feeds/broken-entity.xml"),
            )),
        ),
        (
            "/control.xml",
            Route::Fixed(Reply::ok("text/xml", fixture("feeds/control-chars.xml"))),
        ),
    ]);
    let f = fetcher(&settings());
    for path in ["/broken.xml", "/control.xml"] {
        let mut state = FeedState::default();
        let outcome = bounded(5, f.fetch_feed(&server.url(path), &mut state)).await;
        match outcome {
            Ok(FeedOutcome::Fresh { entries, .. }) => assert_eq!(entries.len(), 2, "{path}"),
            other => panic!("{path}: {other:?}"),
        }
        assert!(state.last_success.is_some() && state.consecutive_failures == 0);
    }
}

#[tokio::test]
async fn conditional_get_downloads_no_body_the_second_time() {
    let server = TestServer::start([
        (
            "/etag.xml",
            Route::Conditional {
                etag: Some("\"v1\"".into()),
                last_modified: None,
                reply: Reply::ok("application/rss+xml", fixture("feeds/broken-entity.xml")),
            },
        ),
        (
            "/dated.xml",
            Route::Conditional {
                etag: None,
                last_modified: Some("Tue, 16 Jul 2024 08:00:00 GMT".into()),
                reply: Reply::ok(
                    "application/atom+xml",
                    fixture("feeds/atom-relative-links.xml"),
                ),
            },
        ),
    ]);
    let f = fetcher(&settings());
    for path in ["/etag.xml", "/dated.xml"] {
        let mut state = FeedState::default();
        let first = bounded(5, f.fetch_feed(&server.url(path), &mut state)).await;
        assert!(
            matches!(first, Ok(FeedOutcome::Fresh { .. })),
            "{path}: {first:?}"
        );
        assert!(state.etag.is_some() || state.last_modified.is_some());
        let saved: FeedState =
            serde_json::from_str(&serde_json::to_string(&state).expect("json")).expect("json");
        let mut state = saved;
        let second = bounded(5, f.fetch_feed(&server.url(path), &mut state)).await;
        assert_eq!(second, Ok(FeedOutcome::NotModified), "{path}");
        let log = server.requests_to(path);
        assert_eq!(
            log.iter().map(|r| r.status).collect::<Vec<_>>(),
            [200, 304],
            "{path}"
        );
        assert_eq!(log[1].body_len, 0, "{path}: no body the second time");
        assert!(
            log[1].header("if-none-match").is_some()
                || log[1].header("if-modified-since").is_some()
        );
        assert!(
            state.etag.is_some() || state.last_modified.is_some(),
            "validators kept after 304"
        );
    }
}

#[tokio::test]
async fn failing_feed_is_backed_off_across_runs_never_dropped() {
    let server = TestServer::start([("/feed.xml", Route::Fixed(Reply::status(500)))]);
    let f = fetcher(&settings());
    let url = server.url("/feed.xml");
    let mut state = FeedState::default();
    let first = bounded(5, f.fetch_feed(&url, &mut state)).await;
    assert!(matches!(first, Err(FetchError::Status { status: 500, .. })));
    let first_wait = state.next_attempt_after.expect("backed off");
    // The next run, a minute later: no request at all.
    let again = bounded(5, f.fetch_feed(&url, &mut state)).await;
    assert_eq!(again, Ok(FeedOutcome::BackedOff { until: first_wait }));
    assert_eq!(server.requests_to("/feed.xml").len(), 1);
    // Once the wait is over it is tried again, and waits longer after a second failure.
    state.next_attempt_after = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
    let third = bounded(5, f.fetch_feed(&url, &mut state)).await;
    assert!(third.is_err());
    assert_eq!(state.consecutive_failures, 2);
    let second_wait = state.next_attempt_after.expect("backed off") - chrono::Utc::now();
    assert!(
        second_wait > chrono::Duration::minutes(9),
        "{second_wait:?}"
    );
    assert_eq!(server.requests_to("/feed.xml").len(), 2);
}

#[tokio::test]
async fn sitemap_index_and_gzipped_news_sitemap_over_http() {
    let server = TestServer::start([
        (
            "/sitemap.xml",
            Route::Fixed(Reply::ok(
                "application/xml",
                fixture("feeds/sitemap-index.xml"),
            )),
        ),
        (
            "/news.xml.gz",
            Route::Fixed(Reply::ok(
                "application/x-gzip",
                fixture("feeds/news-sitemap.xml.gz"),
            )),
        ),
    ]);
    let f = fetcher(&settings());
    let mut index_state = FeedState::default();
    match bounded(
        5,
        f.fetch_sitemap(&server.url("/sitemap.xml"), &mut index_state),
    )
    .await
    {
        Ok(FeedOutcome::Fresh {
            entries, children, ..
        }) => {
            assert!(entries.is_empty());
            assert_eq!(children.len(), 2);
            assert_eq!(children[1], server.url("/sitemap-2024-07.xml.gz"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        index_state.children.len(),
        2,
        "children kept for a later 304"
    );
    let mut state = FeedState::default();
    match bounded(5, f.fetch_sitemap(&server.url("/news.xml.gz"), &mut state)).await {
        Ok(FeedOutcome::Fresh { entries, .. }) => assert_eq!(entries.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn moved_feed_resolves_relative_links_against_its_final_url() {
    let server = TestServer::start([
        (
            "/rss",
            Route::Fixed(Reply::status(301).header("Location", "/feeds/v2/atom.xml")),
        ),
        (
            "/feeds/v2/atom.xml",
            Route::Fixed(Reply::ok(
                "application/atom+xml",
                fixture("feeds/atom-relative-links.xml"),
            )),
        ),
    ]);
    let mut state = FeedState::default();
    let outcome = bounded(
        5,
        fetcher(&settings()).fetch_feed(&server.url("/rss"), &mut state),
    )
    .await;
    match outcome {
        Ok(FeedOutcome::Fresh {
            final_url, entries, ..
        }) => {
            assert_eq!(final_url, server.url("/feeds/v2/atom.xml"));
            let urls: Vec<&str> = entries.iter().map(|e| e.url.as_str()).collect();
            assert_eq!(
                urls,
                [
                    server.url("/2024/07/16/base-aerienne"),
                    server.url("/feeds/elus.html")
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn html_served_for_a_feed_is_a_parse_failure_recorded_in_state() {
    let server = TestServer::start([(
        "/rss",
        Route::Fixed(Reply::ok(
            "text/html",
            "<html><body>Acceptez les cookies</body></html>",
        )),
    )]);
    let mut state = FeedState::default();
    let err = bounded(
        5,
        fetcher(&settings()).fetch_feed(&server.url("/rss"), &mut state),
    )
    .await
    .expect_err("not a feed");
    assert!(matches!(err, FetchError::Parse { .. }), "{err:?}");
    assert!(err.to_string().contains("/rss: parsing feed: "), "{err}");
    assert_eq!(state.consecutive_failures, 1);
}
