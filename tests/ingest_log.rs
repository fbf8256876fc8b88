//! `--log-format json` (issue 6: "for log collectors"): every stderr line of a run, tracing
//! events at any verbosity and the run reporter's failure and summary lines alike, is one
//! JSON object with the same top-level keys, so a collector needs one schema.

mod common;

use std::collections::BTreeSet;

use common::cli::newsfold;
use common::newsroom::{article_page, rss_feed, REPORTS};
use common::server::{Reply, Route, TestServer};

/// Every stderr line as JSON; panics on a line that is not a JSON object with the tracing
/// shape (`timestamp`, `level`, `fields` with a `message`, `target`).
fn json_lines(stderr: &[u8]) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\nin:\n{text}"));
            let keys: BTreeSet<&str> = v
                .as_object()
                .unwrap_or_else(|| panic!("not an object: {line}"))
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                BTreeSet::from(["timestamp", "level", "fields", "target"]),
                "{line}"
            );
            assert!(v["fields"]["message"].is_string(), "{line}");
            assert!(
                v["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
                "{line}"
            );
            v
        })
        .collect()
}

#[test]
fn every_stderr_line_of_a_run_is_json_of_one_shape() {
    let site = TestServer::start_with(|base| {
        let items = vec![
            (
                REPORTS[0].title,
                format!("{base}{}", REPORTS[0].path),
                REPORTS[0].date,
            ),
            ("Disparu", format!("{base}/gone"), "2024-07-16"),
        ];
        vec![
            (
                "/rss".into(),
                Route::Fixed(Reply::ok(
                    "application/rss+xml",
                    rss_feed("Le Site", base, &items),
                )),
            ),
            (
                REPORTS[0].path.into(),
                Route::Fixed(Reply::html(article_page(
                    "Le Site",
                    &REPORTS[0],
                    base,
                    "utf-8",
                ))),
            ),
            ("/gone".into(), Route::Fixed(Reply::status(404))),
            ("/broken".into(), Route::Fixed(Reply::status(500))),
        ]
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("feeds.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\nper_host_delay_secs = 0.01\nmax_retries = 0\n\n[[outlet]]\nname = \"Le Site\"\nfeeds = [\"{}\", \"{}\"]\n",
            site.url("/rss"),
            site.url("/broken")
        ),
    )
    .expect("write config");
    let store = dir.path().join("store");
    let out = newsfold(&[
        "-vv",
        "--log-format",
        "json",
        "ingest",
        "--config",
        config.to_str().expect("utf-8"),
        "--store",
        store.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out.stderr);
    let report: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|v| v["target"] == "newsfold::report")
        .collect();
    // The reporter's lines: two failures (the 404 page, the 500 feed), then the summary.
    let failed: Vec<&serde_json::Value> = report
        .iter()
        .copied()
        .filter(|v| v["fields"]["event"] == "failed")
        .collect();
    assert_eq!(failed.len(), 2, "{lines:#?}");
    assert!(failed.iter().all(|v| v["level"] == "ERROR"));
    let urls: BTreeSet<&str> = failed
        .iter()
        .filter_map(|v| v["fields"]["url"].as_str())
        .collect();
    assert_eq!(
        urls,
        BTreeSet::from([site.url("/gone").as_str(), site.url("/broken").as_str()])
    );
    assert!(failed.iter().all(|v| v["fields"]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("HTTP"))));
    let summary: Vec<_> = report
        .iter()
        .filter(|v| v["fields"]["event"] == "summary")
        .collect();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["fields"]["new_articles"], 1);
    assert_eq!(summary[0]["fields"]["feeds_failed"], 1);
    // Tracing's own events (-vv: the stored article at info, fetch details at debug).
    let stored = lines
        .iter()
        .find(|v| v["fields"]["message"] == "stored")
        .expect("a stored event");
    assert_eq!(stored["level"], "INFO");
    assert_eq!(stored["target"], "newsfold::cli::ingest");
    assert!(lines.iter().any(|v| v["level"] == "DEBUG"), "{lines:#?}");
}

#[test]
fn command_errors_are_json_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("none");
    let out = newsfold(&[
        "--log-format",
        "json",
        "check",
        "--store",
        missing.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(4));
    let lines = json_lines(&out.stderr);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["level"], "ERROR");
    assert!(lines[0]["fields"]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("no store at ")));
}
