//! `newsfold fetch URL` through the real binary against a loopback newsroom (issue 2's
//! contract): the cleaned article as text or one JSON object, `--save` stores it and says
//! which story it joined, and failures are one clear line on stderr with the documented
//! exit status (1 for a page that could not be had, 2 for a URL that is not http(s)).
//!
//! Each command runs in an empty temporary folder, so the repository's `feeds.toml` is not
//! read and nothing is written outside the test's folder.

mod common;

use std::process::Output;

use common::cli::{newsfold_in, stderr, stdout};
use common::newsroom::{article_page, REPORTS};
use common::server::{Reply, Route, TestServer};

/// Seeds 001 and 002 (one story, a day apart) and 003 (another event) as pages of one
/// outlet, a page that is gone, and a section robots.txt forbids.
fn outlet() -> TestServer {
    TestServer::start_with(|base| {
        let mut routes: Vec<(String, Route)> = [&REPORTS[1], &REPORTS[2], &REPORTS[3]]
            .iter()
            .map(|r| {
                (
                    r.path.to_string(),
                    Route::Fixed(Reply::html(article_page("La Gazette", r, base, "utf-8"))),
                )
            })
            .collect();
        routes.push(("/gone".into(), Route::Fixed(Reply::status(404))));
        routes.push((
            "/prive/note".into(),
            Route::Fixed(Reply::html(article_page(
                "La Gazette",
                &REPORTS[0],
                base,
                "utf-8",
            ))),
        ));
        routes.push((
            "/robots.txt".into(),
            Route::Fixed(Reply::ok(
                "text/plain",
                "User-agent: *\nDisallow: /prive/\n",
            )),
        ));
        routes
    })
}

#[test]
fn text_output_has_title_date_outlet_and_body_without_furniture() {
    let room = outlet();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = newsfold_in(dir.path(), &["fetch", &room.url(REPORTS[1].path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(REPORTS[1].title), "{text}");
    let meta = lines.next().unwrap_or_default();
    assert!(meta.starts_with("2024-07-16"), "{meta}");
    assert!(
        meta.contains("127.0.0.1") && meta.ends_with("· fr"),
        "{meta}"
    );
    assert!(text.contains("Ain al-Asad"), "{text}");
    for furniture in [
        "Tout accepter",
        "Sur le même sujet",
        "Mentions légales",
        "Facebook",
    ] {
        assert!(!text.contains(furniture), "{furniture:?} left in:\n{text}");
    }
    assert!(
        stderr(&out).is_empty(),
        "quiet on success: {}",
        stderr(&out)
    );
    assert!(
        !dir.path().join("newsfold.db").exists(),
        "no store without --save"
    );
}

#[test]
fn json_output_is_one_object_with_the_article() {
    let room = outlet();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = room.url(REPORTS[3].path);
    let out = newsfold_in(dir.path(), &["fetch", "--json", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("one JSON object");
    assert_eq!(v["url"], url.as_str());
    assert_eq!(v["title"], REPORTS[3].title);
    assert_eq!(v["outcome"], "article");
    assert_eq!(v["lang"], "fr");
    assert_eq!(v["encoding"], "UTF-8");
    assert!(
        v["published"]
            .as_str()
            .unwrap_or("")
            .starts_with("2022-01-0"),
        "{v}"
    );
    let body = v["text"].as_str().unwrap_or("");
    assert!(
        body.lines().count() >= 2 && !body.contains("Tout accepter"),
        "{body}"
    );
    assert!(v.get("saved").is_none(), "nothing saved without --save");
}

#[test]
fn save_stores_and_says_which_story_the_page_joined() {
    let room = outlet();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let store = store.to_str().expect("utf-8");
    let first = newsfold_in(
        dir.path(),
        &[
            "fetch",
            "--save",
            "--store",
            store,
            &room.url(REPORTS[1].path),
        ],
    );
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let said = stdout(&first);
    let story = said
        .lines()
        .find_map(|l| l.strip_prefix("saved: new story "))
        .unwrap_or_else(|| panic!("a new story: {said}"))
        .to_string();
    // The next day's report of the same event joins it.
    let second = newsfold_in(
        dir.path(),
        &[
            "fetch",
            "--save",
            "--json",
            "--store",
            store,
            &room.url(REPORTS[2].path),
        ],
    );
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let v: serde_json::Value = serde_json::from_str(&stdout(&second)).expect("json");
    assert_eq!(v["saved"]["story"], story.as_str(), "{v}");
    assert_eq!(v["saved"]["new_story"], false);
    assert_eq!(v["saved"]["story_reports"], 2);
    // Another event opens its own story.
    let third = newsfold_in(
        dir.path(),
        &[
            "fetch",
            "--save",
            "--store",
            store,
            &room.url(REPORTS[3].path),
        ],
    );
    let said = stdout(&third);
    assert!(
        said.contains("saved: new story ") && !said.contains(&story),
        "{said}"
    );
    // The same page again, under a tracking URL: stored once.
    let again = newsfold_in(
        dir.path(),
        &[
            "fetch",
            "--save",
            "--store",
            store,
            &format!("{}?utm_source=rss", room.url(REPORTS[1].path)),
        ],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("already stored as "),
        "{}",
        stdout(&again)
    );
    let dump = newsfold_in(dir.path(), &["dump", "--store", store]);
    let stories: Vec<serde_json::Value> = stdout(&dump)
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    assert_eq!(stories.len(), 2, "{}", stdout(&dump));
    let reports: usize = stories
        .iter()
        .map(|s| s["reports"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(reports, 3);
}

/// The stderr of a failed fetch: one line, naming the URL once.
fn one_failure_line(out: &Output, url: &str) -> String {
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert_eq!(err.matches(url).count(), 1, "URL named once: {err}");
    assert!(
        stdout(out).is_empty(),
        "no article printed: {}",
        stdout(out)
    );
    err
}

#[test]
fn failures_are_one_clear_line_with_their_status() {
    let room = outlet();
    let dir = tempfile::tempdir().expect("tempdir");
    let gone = room.url("/gone");
    let out = newsfold_in(dir.path(), &["fetch", &gone]);
    assert_eq!(out.status.code(), Some(1));
    let err = one_failure_line(&out, &gone);
    assert!(
        err.starts_with("newsfold: fetching ") && err.contains("HTTP 404"),
        "{err}"
    );

    let denied = room.url("/prive/note");
    let out = newsfold_in(dir.path(), &["fetch", &denied]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_failure_line(&out, &denied).contains("robots.txt forbids"));
    assert!(
        room.requests_to("/prive/note").is_empty(),
        "never requested"
    );

    let out = newsfold_in(dir.path(), &["fetch", "ftp://example.org/x"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a URL newsfold cannot fetch is a usage error"
    );
    assert!(one_failure_line(&out, "ftp://example.org/x").contains("not an http or https URL"));

    // A port nothing listens on (bound, then let go).
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/a", listener.local_addr().expect("addr"))
    };
    let out = newsfold_in(dir.path(), &["fetch", "--json", &closed]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_failure_line(&out, &closed).contains("cannot connect"));
}

#[test]
fn save_into_a_store_held_by_a_run_waits_then_says_so() {
    let room = outlet();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[settings]\nlock_wait_secs = 1\n",
    )
    .expect("write config");
    let store = dir.path().join("store");
    // This test process holds the store, as a running ingest does.
    let held = newsfold::store::Store::open(&store, newsfold::store::Access::Exclusive)
        .expect("open store");
    let out = newsfold_in(
        dir.path(),
        &[
            "fetch",
            "--save",
            "--store",
            store.to_str().expect("utf-8"),
            &room.url(REPORTS[3].path),
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "busy has its own status: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("is in use by") && err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
    drop(held);
}
