//! Fetch politeness against the loopback test server: retries and Retry-After, robots.txt,
//! per-host pacing and concurrency across hosts. A "host" is `host:port`, so separate test
//! servers are separate hosts. Gaps are read from the server's request log (loose bounds).

mod common;

use std::time::{Duration, Instant};

use common::fetch_kit::*;
use common::server::{Reply, Route, TestServer};
use newsfold::fetch::{FeedOutcome, FeedState, FetchError, PageOutcome, RobotsCache};

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
    let allowed = bounded(5, f.robots_allows(&server.url("/prive/autre"))).await;
    assert_eq!(allowed, Ok(false));
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
            delay: Duration::from_millis(1000),
            reply: Reply::html(HTML),
        },
    )])
}

#[tokio::test]
async fn different_hosts_are_fetched_concurrently_within_the_global_cap() {
    // Each host takes 1 s to answer; concurrent requests reach both within much less.
    let (one, two) = (slow_host(), slow_host());
    let mut s = settings();
    s.respect_robots = false;
    s.timeout = Duration::from_secs(5);
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
        gap < Duration::from_millis(800),
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
        gap >= Duration::from_millis(900),
        "cap of one, yet {gap:?} apart"
    );
}

#[tokio::test]
async fn one_fetcher_shared_by_spawned_tasks_asks_robots_txt_once() {
    let server = TestServer::start([
        (
            "/robots.txt",
            Route::Fixed(Reply::ok("text/plain", "User-agent: *\nAllow: /\n")),
        ),
        ("/a", Route::Fixed(Reply::html(HTML))),
    ]);
    let f = fetcher(&settings());
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (f, url) = (f.clone(), server.url(&format!("/a?n={i}")));
            tokio::spawn(async move { f.fetch_page(&url).await })
        })
        .collect();
    for task in tasks {
        page_body(bounded(5, task).await.expect("task ran"));
    }
    assert_eq!(server.requests_to("/a").len(), 4);
    assert_eq!(server.requests_to("/robots.txt").len(), 1);
}
