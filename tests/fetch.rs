//! Fetch limits against the loopback test server (`tests/common/server.rs`): one test per
//! fault case of issue 6 that a single request can hit (timeouts, caps, redirects, resets,
//! wrong content, charsets), each bounded in time and asserting the outcome or error kind.
//! Politeness (robots, pacing, retries) is in `fetch_polite.rs`, feeds in `fetch_listing.rs`.

mod common;

use std::time::{Duration, Instant};

use common::fetch_kit::*;
use common::server::{Reply, Route, TestServer};
use newsfold::decode::CharsetSource;
use newsfold::fetch::{FeedState, FetchError, PageOutcome, SkipReason};

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
