//! Fetch stage against the loopback test server (`tests/common/server.rs`): one test per
//! fault case of issue 6, each bounded in time and asserting the outcome or error kind.
//!
//! A "host" is `host:port`, so separate test servers are separate hosts. Settings use short
//! timeouts and no per-host delay unless the test is about pacing, so the file runs in
//! seconds.

mod common;

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::server::{Reply, Route, TestServer};
use newsfold::config::Settings;
use newsfold::decode::CharsetSource;
use newsfold::fetch::{
    FeedOutcome, FeedState, FetchError, Fetcher, PageOutcome, RobotsCache, SkipReason,
};

const AGENT: &str = "newsfold-test/1.0 (+https://example.org/bot)";

fn settings() -> Settings {
    Settings {
        user_agent: AGENT.into(),
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        max_body_bytes: 1024 * 1024,
        concurrency: 4,
        per_host_delay: Duration::ZERO,
        max_retries: 0,
        max_redirects: 3,
        ..Settings::default()
    }
}

fn fetcher(settings: &Settings) -> Fetcher {
    Fetcher::new(settings).expect("client builds")
}

/// Runs a test body with a hard bound, so a hang fails instead of blocking the suite.
async fn bounded<T>(seconds: u64, body: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), body)
        .await
        .expect("test exceeded its time bound")
}

fn fixture(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn page_body(outcome: Result<PageOutcome, FetchError>) -> newsfold::fetch::Page {
    match outcome {
        Ok(PageOutcome::Fetched(page)) => page,
        other => panic!("expected a page, got {other:?}"),
    }
}

const HTML: &str = "<!doctype html><html><head><title>Base</title></head><body><p>Le ministère a tranché.</p></body></html>";

#[tokio::test]
async fn slow_headers_time_out() {
    let server = TestServer::start([(
        "/slow",
        Route::SlowHeaders {
            delay: Duration::from_secs(10),
            reply: Reply::html(HTML),
        },
    )]);
    let started = Instant::now();
    let result = bounded(5, fetcher(&settings()).fetch_page(&server.url("/slow"))).await;
    assert!(
        matches!(result, Err(FetchError::Timeout { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn trickling_body_times_out() {
    let server = TestServer::start([(
        "/trickle",
        Route::Trickle {
            content_type: "text/html".into(),
            chunk: b"<p>encore".to_vec(),
            interval: Duration::from_millis(50),
        },
    )]);
    let result = bounded(5, fetcher(&settings()).fetch_page(&server.url("/trickle"))).await;
    let err = result.expect_err("a body that never ends must fail");
    assert!(matches!(err, FetchError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string().ends_with("/trickle: timed out after 1s"),
        "{err}"
    );
}

#[tokio::test]
async fn server_errors_then_success_are_retried() {
    let server = TestServer::start([(
        "/flaky",
        Route::Sequence(vec![
            Reply::status(500),
            Reply::status(503),
            Reply::html(HTML),
        ]),
    )]);
    let mut s = settings();
    s.max_retries = 3;
    let page = page_body(bounded(10, fetcher(&s).fetch_page(&server.url("/flaky"))).await);
    assert_eq!(page.status, 200);
    let statuses: Vec<u16> = server
        .requests_to("/flaky")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [500, 503, 200]);
}

#[tokio::test]
async fn retries_are_bounded_and_the_error_says_http_500() {
    let server = TestServer::start([("/down", Route::Fixed(Reply::status(500)))]);
    let mut s = settings();
    s.max_retries = 2;
    let err = bounded(10, fetcher(&s).fetch_page(&server.url("/down")))
        .await
        .expect_err("always 500");
    assert!(
        matches!(err, FetchError::Status { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("fetching {}: HTTP 500", server.url("/down"))
    );
    assert_eq!(
        server.requests_to("/down").len(),
        3,
        "one try and two retries"
    );
}

#[tokio::test]
async fn retry_after_on_429_is_waited_for() {
    let server = TestServer::start([(
        "/limited",
        Route::Sequence(vec![
            Reply::status(429).header("Retry-After", "1"),
            Reply::html(HTML),
        ]),
    )]);
    let mut s = settings();
    s.max_retries = 2;
    let page = page_body(bounded(10, fetcher(&s).fetch_page(&server.url("/limited"))).await);
    assert_eq!(page.status, 200);
    let log = server.requests_to("/limited");
    assert_eq!(log.len(), 2);
    let gap = log[1].at - log[0].at;
    assert!(
        gap >= Duration::from_millis(900),
        "retried after {gap:?}, asked 1s"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_fails_at_once_with_the_delay() {
    let server = TestServer::start([(
        "/feed.xml",
        Route::Fixed(Reply::status(503).header("Retry-After", "3600")),
    )]);
    let mut s = settings();
    s.max_retries = 3;
    let mut state = FeedState::default();
    let err = bounded(
        5,
        fetcher(&s).fetch_feed(&server.url("/feed.xml"), &mut state),
    )
    .await
    .expect_err("503");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(
        err.to_string().ends_with("HTTP 503, retry after 3600s"),
        "{err}"
    );
    assert_eq!(
        server.requests_to("/feed.xml").len(),
        1,
        "no retry inside the run"
    );
    // The feed waits at least what the server asked for.
    let wait = state.next_attempt_after.map(|t| t - chrono::Utc::now());
    assert!(wait.is_some_and(|w| w.num_seconds() >= 3590), "{wait:?}");
}

#[tokio::test]
async fn redirect_loop_is_detected() {
    let server = TestServer::start([
        ("/a", Route::Fixed(Reply::redirect("/b"))),
        ("/b", Route::Fixed(Reply::redirect("/a"))),
    ]);
    let err = bounded(5, fetcher(&settings()).fetch_page(&server.url("/a")))
        .await
        .expect_err("loop");
    assert!(matches!(err, FetchError::RedirectLoop { .. }), "{err:?}");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path() != "/robots.txt")
            .count(),
        2
    );
}

#[tokio::test]
async fn redirect_chains_are_capped_and_only_http_is_followed() {
    let server = TestServer::start([
        ("/r1", Route::Fixed(Reply::redirect("/r2"))),
        ("/r2", Route::Fixed(Reply::redirect("/r3"))),
        ("/r3", Route::Fixed(Reply::redirect("/r4"))),
        ("/r4", Route::Fixed(Reply::redirect("/r5"))),
        ("/r5", Route::Fixed(Reply::html(HTML))),
        (
            "/ftp",
            Route::Fixed(Reply::redirect("ftp://example.org/file")),
        ),
        (
            "/moved",
            Route::Fixed(Reply::status(301).header("Location", "/r5")),
        ),
    ]);
    let f = fetcher(&settings());
    let err = bounded(5, f.fetch_page(&server.url("/r1")))
        .await
        .expect_err("4 redirects > 3");
    assert!(
        matches!(err, FetchError::TooManyRedirects { limit: 3, .. }),
        "{err:?}"
    );
    let err = bounded(5, f.fetch_page(&server.url("/ftp")))
        .await
        .expect_err("ftp");
    assert!(matches!(err, FetchError::BadRedirect { .. }), "{err:?}");
    let page = page_body(bounded(5, f.fetch_page(&server.url("/moved"))).await);
    assert_eq!(page.final_url, server.url("/r5"));
    assert_eq!(page.url, server.url("/moved"));
}

#[tokio::test]
async fn gigabyte_body_is_refused() {
    let server = TestServer::start([
        (
            "/huge",
            Route::Huge {
                content_type: "text/html".into(),
                len: 1 << 30,
                hide_length: false,
            },
        ),
        (
            "/huge-unannounced",
            Route::Huge {
                content_type: "text/html".into(),
                len: 1 << 30,
                hide_length: true,
            },
        ),
    ]);
    let f = fetcher(&settings());
    for path in ["/huge", "/huge-unannounced"] {
        let err = bounded(10, f.fetch_page(&server.url(path)))
            .await
            .expect_err(path);
        assert!(
            matches!(err, FetchError::TooLarge { limit: 1048576, .. }),
            "{path}: {err:?}"
        );
        assert!(
            err.to_string().ends_with("body larger than 1048576 bytes"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn gzip_bomb_stops_at_the_cap() {
    let server = TestServer::start([(
        "/bomb",
        Route::GzipBomb {
            content_type: "text/html".into(),
            decompressed_len: 256 << 20,
        },
    )]);
    let err = bounded(20, fetcher(&settings()).fetch_page(&server.url("/bomb")))
        .await
        .expect_err("bomb");
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    let sent = server.requests_to("/bomb")[0].body_len;
    assert!(
        sent < 1024 * 1024,
        "the compressed body is small ({sent} bytes)"
    );
}

#[tokio::test]
async fn binary_served_as_html_is_skipped_and_other_types_are_not_downloaded() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x0dIDAT".repeat(20);
    let server = TestServer::start([
        ("/photo", Route::Fixed(Reply::ok("text/html", png))),
        (
            "/doc.pdf",
            Route::Fixed(Reply::ok("application/pdf", "%PDF-1.7")),
        ),
    ]);
    let f = fetcher(&settings());
    let outcome = bounded(5, f.fetch_page(&server.url("/photo"))).await;
    assert_eq!(outcome, Ok(PageOutcome::Skipped(SkipReason::Binary)));
    let outcome = bounded(5, f.fetch_page(&server.url("/doc.pdf"))).await;
    assert_eq!(
        outcome,
        Ok(PageOutcome::Skipped(SkipReason::NotHtml(
            "application/pdf".into()
        )))
    );
}

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
async fn iso_8859_1_page_without_charset_reads_right() {
    let server = TestServer::start([(
        "/latin1",
        Route::Fixed(Reply::ok(
            "text/html",
            fixture("encoding/iso-8859-1-no-header.html"),
        )),
    )]);
    let page = page_body(bounded(5, fetcher(&settings()).fetch_page(&server.url("/latin1"))).await);
    let decoded = page.decode();
    assert_eq!(decoded.source, CharsetSource::Guess);
    assert!(
        decoded.text.contains("Le ministère des Armées a confirmé"),
        "{}",
        decoded.text
    );
}

#[tokio::test]
async fn windows_1252_page_claiming_utf8_reads_right() {
    let server = TestServer::start([(
        "/liar",
        Route::Fixed(Reply::ok(
            "text/html; charset=utf-8",
            fixture("encoding/windows-1252-claims-utf8.html"),
        )),
    )]);
    let page = page_body(bounded(5, fetcher(&settings()).fetch_page(&server.url("/liar"))).await);
    let decoded = page.decode();
    assert_eq!(decoded.encoding, "windows-1252");
    assert!(decoded.text.contains("l’été dernier"), "{}", decoded.text);
    assert!(!decoded.text.contains('\u{FFFD}'));
}

fn robots_server() -> TestServer {
    TestServer::start([
        (
            "/robots.txt",
            Route::Fixed(Reply::ok(
                "text/plain",
                "User-agent: *\nDisallow: /\n\nUser-agent: newsfold-test\nDisallow: /prive/\n",
            )),
        ),
        ("/public", Route::Fixed(Reply::html(HTML))),
        ("/prive/dossier", Route::Fixed(Reply::html(HTML))),
        (
            "/prive/feed.xml",
            Route::Fixed(Reply::ok(
                "application/rss+xml",
                fixture("feeds/broken-entity.xml"),
            )),
        ),
        ("/to-prive", Route::Fixed(Reply::redirect("/prive/dossier"))),
    ])
}

#[tokio::test]
async fn robots_txt_disallowing_a_section_is_obeyed_and_fetched_once() {
    let server = robots_server();
    let f = fetcher(&settings());
    let denied = bounded(5, f.fetch_page(&server.url("/prive/dossier"))).await;
    assert_eq!(denied, Ok(PageOutcome::RobotsDenied));
    let via_redirect = bounded(5, f.fetch_page(&server.url("/to-prive"))).await;
    assert_eq!(via_redirect, Ok(PageOutcome::RobotsDenied));
    let mut state = FeedState::default();
    let feed = bounded(5, f.fetch_feed(&server.url("/prive/feed.xml"), &mut state)).await;
    assert_eq!(feed, Ok(FeedOutcome::RobotsDenied));
    assert_eq!(state.consecutive_failures, 0, "denied is not a failure");
    page_body(bounded(5, f.fetch_page(&server.url("/public"))).await);
    assert_eq!(server.requests_to("/robots.txt").len(), 1);
    assert!(server.requests_to("/prive/dossier").is_empty());
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("user-agent") == Some(AGENT)));
}

#[tokio::test]
async fn robots_cache_exported_and_imported_saves_the_next_run_a_request() {
    let server = robots_server();
    let first = fetcher(&settings());
    page_body(bounded(5, first.fetch_page(&server.url("/public"))).await);
    let json = serde_json::to_string(&first.export_robots()).expect("serialisable");
    let cache: RobotsCache = serde_json::from_str(&json).expect("deserialisable");
    assert_eq!(cache.entries.len(), 1);
    let second = fetcher(&settings());
    second.import_robots(cache);
    let denied = bounded(5, second.fetch_page(&server.url("/prive/dossier"))).await;
    assert_eq!(denied, Ok(PageOutcome::RobotsDenied));
    assert_eq!(
        server.requests_to("/robots.txt").len(),
        1,
        "second run used the cache"
    );
}

#[tokio::test]
async fn robots_txt_server_error_is_a_failure_not_a_permission() {
    let server = TestServer::start([
        ("/robots.txt", Route::Fixed(Reply::status(500))),
        ("/page", Route::Fixed(Reply::html(HTML))),
    ]);
    let f = fetcher(&settings());
    for _ in 0..2 {
        let err = bounded(5, f.fetch_page(&server.url("/page")))
            .await
            .expect_err("unavailable");
        assert!(
            matches!(err, FetchError::RobotsUnavailable { .. }),
            "{err:?}"
        );
    }
    assert_eq!(
        server.requests_to("/robots.txt").len(),
        1,
        "remembered within the run"
    );
    assert!(server.requests_to("/page").is_empty());
}

#[tokio::test]
async fn empty_200_is_skipped_for_pages_and_a_failure_for_feeds() {
    let server = TestServer::start([
        ("/empty", Route::Fixed(Reply::ok("text/html", ""))),
        (
            "/feed.xml",
            Route::Fixed(Reply::ok("application/rss+xml", "")),
        ),
    ]);
    let f = fetcher(&settings());
    let page = bounded(5, f.fetch_page(&server.url("/empty"))).await;
    assert_eq!(page, Ok(PageOutcome::Skipped(SkipReason::Empty)));
    let mut state = FeedState::default();
    let feed = bounded(5, f.fetch_feed(&server.url("/feed.xml"), &mut state)).await;
    assert!(
        matches!(feed, Err(FetchError::EmptyBody { .. })),
        "{feed:?}"
    );
    assert_eq!(state.consecutive_failures, 1);
    assert!(state
        .last_error
        .as_deref()
        .is_some_and(|e| e.ends_with("/feed.xml: empty body")));
}

#[tokio::test]
async fn connection_reset_is_reported_as_such() {
    let server = TestServer::start([("/reset", Route::Reset), ("/half", Route::ResetMidResponse)]);
    let f = fetcher(&settings());
    for path in ["/reset", "/half"] {
        let err = bounded(5, f.fetch_page(&server.url(path)))
            .await
            .expect_err(path);
        assert!(matches!(err, FetchError::Reset { .. }), "{path}: {err:?}");
        assert!(
            err.to_string()
                .ends_with(&format!("{path}: connection reset")),
            "{err}"
        );
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
async fn requests_to_one_host_are_paced() {
    let server = TestServer::start([("/a", Route::Fixed(Reply::html(HTML)))]);
    let mut s = settings();
    s.per_host_delay = Duration::from_millis(300);
    let f = fetcher(&s);
    let urls: Vec<String> = (0..3).map(|i| server.url(&format!("/a?n={i}"))).collect();
    let results = bounded(10, async {
        tokio::join!(
            f.fetch_page(&urls[0]),
            f.fetch_page(&urls[1]),
            f.fetch_page(&urls[2])
        )
    })
    .await;
    for result in [results.0, results.1, results.2] {
        page_body(result);
    }
    let log = server.requests(); // robots.txt, then the three pages
    assert_eq!(log.len(), 4);
    for pair in log.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(250),
            "{} then {} after {gap:?}",
            pair[0].target,
            pair[1].target
        );
    }
}

#[tokio::test]
async fn crawl_delay_from_robots_raises_the_pacing() {
    let server = TestServer::start([
        (
            "/robots.txt",
            Route::Fixed(Reply::ok("text/plain", "User-agent: *\nCrawl-delay: 1\n")),
        ),
        ("/a", Route::Fixed(Reply::html(HTML))),
    ]);
    let mut s = settings();
    s.per_host_delay = Duration::from_millis(50);
    let f = fetcher(&s);
    page_body(bounded(10, f.fetch_page(&server.url("/a?n=1"))).await);
    page_body(bounded(10, f.fetch_page(&server.url("/a?n=2"))).await);
    let log = server.requests_to("/a");
    let gap = log[1].at - log[0].at;
    assert!(
        gap >= Duration::from_millis(900),
        "pages {gap:?} apart, crawl-delay is 1s"
    );
}

fn slow_host() -> TestServer {
    TestServer::start([(
        "/slow",
        Route::SlowHeaders {
            delay: Duration::from_millis(600),
            reply: Reply::html(HTML),
        },
    )])
}

#[tokio::test]
async fn different_hosts_are_fetched_concurrently_within_the_global_cap() {
    let (one, two) = (slow_host(), slow_host());
    let mut s = settings();
    s.respect_robots = false;
    let f = fetcher(&s);
    let (url_a, url_b) = (one.url("/slow"), two.url("/slow"));
    let (a, b) = bounded(10, async {
        tokio::join!(f.fetch_page(&url_a), f.fetch_page(&url_b))
    })
    .await;
    page_body(a);
    page_body(b);
    let apart = |x: Instant, y: Instant| if x > y { x - y } else { y - x };
    let gap = apart(one.requests()[0].at, two.requests()[0].at);
    assert!(
        gap < Duration::from_millis(400),
        "two hosts served {gap:?} apart: not concurrent"
    );

    // With a global cap of one, the second host waits for the first to finish.
    let (three, four) = (slow_host(), slow_host());
    s.concurrency = 1;
    let f = fetcher(&s);
    let (url_a, url_b) = (three.url("/slow"), four.url("/slow"));
    let (a, b) = bounded(10, async {
        tokio::join!(f.fetch_page(&url_a), f.fetch_page(&url_b))
    })
    .await;
    page_body(a);
    page_body(b);
    let gap = apart(three.requests()[0].at, four.requests()[0].at);
    assert!(
        gap >= Duration::from_millis(500),
        "cap of one, yet {gap:?} apart"
    );
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
    let mut state = FeedState::default();
    match bounded(5, f.fetch_sitemap(&server.url("/sitemap.xml"), &mut state)).await {
        Ok(FeedOutcome::Fresh {
            entries, children, ..
        }) => {
            assert!(entries.is_empty());
            assert_eq!(children.len(), 2);
            assert_eq!(children[1], server.url("/sitemap-2024-07.xml.gz"));
        }
        other => panic!("{other:?}"),
    }
    let mut state = FeedState::default();
    match bounded(5, f.fetch_sitemap(&server.url("/news.xml.gz"), &mut state)).await {
        Ok(FeedOutcome::Fresh { entries, .. }) => assert_eq!(entries.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unreachable_host_and_bad_urls_are_clear_errors() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }; // Closed again: nothing listens there now.
    let mut s = settings();
    s.respect_robots = false;
    let f = fetcher(&s);
    let err = bounded(5, f.fetch_page(&format!("http://127.0.0.1:{port}/a")))
        .await
        .expect_err("closed");
    assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "fetching http://127.0.0.1:{port}/a: cannot connect"
        )),
        "{err}"
    );
    let err = bounded(5, f.fetch_page("ftp://example.org/a"))
        .await
        .expect_err("ftp");
    assert_eq!(
        err.to_string(),
        "fetching ftp://example.org/a: not an http or https URL"
    );
}
