//! `newsfold dump` and `newsfold check` through the real binary, on stores filled through
//! the library API: output shapes, filters, exit codes, a busy store, a closed pipe.

mod store_common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::{Duration, Utc};
use newsfold::store::StoredArticle;
use serde_json::Value;
use store_common::{july, open_store, record, spawn_child, wait_for, CHILD_ENV};

fn newsfold(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("running newsfold")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fill(dir: &Path, records: &[StoredArticle]) {
    let store = open_store(dir);
    for r in records {
        store.commit_article(r, &[]).unwrap();
    }
}

/// Three stories in July 2024: "big" (three reports, two outlets, one copy), "mid", "old".
fn july_store(dir: &Path) {
    let a = record(
        "lemonde",
        "https://lemonde.fr/a",
        "s-big",
        july(10),
        "Frappe sur la base.",
    );
    let b = record(
        "liberation",
        "https://liberation.fr/b",
        "s-big",
        july(12),
        "Autre récit.",
    );
    let mut c = record(
        "liberation",
        "https://liberation.fr/c",
        "s-big",
        july(13),
        "Frappe sur la base.",
    );
    c.copy_of = Some(a.id.clone());
    let m = record(
        "lemonde",
        "https://lemonde.fr/m",
        "s-mid",
        july(8),
        "Milieu.",
    );
    let o = record(
        "ouest",
        "https://ouest-france.fr/o",
        "s-old",
        july(1),
        "Ancien.",
    );
    fill(dir, &[o, a, m, b, c]);
}

fn lines_as_json(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn jsonl_is_one_story_per_line_newest_first_with_copies_after_originals() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    july_store(&db);
    let out = newsfold(&["dump", "--store", db.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stories = lines_as_json(&stdout(&out));
    let ids: Vec<&str> = stories.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["s-big", "s-mid", "s-old"]);
    let big = &stories[0];
    let mut keys: Vec<&String> = big.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "first_seen",
            "id",
            "last_seen",
            "outlets",
            "reports",
            "title"
        ]
    );
    assert_eq!(big["title"], "Title of https://lemonde.fr/a");
    assert_eq!(big["first_seen"], "2024-07-16T10:00:00Z");
    assert_eq!(big["last_seen"], "2024-07-16T13:00:00Z");
    assert_eq!(big["outlets"], 2);
    let urls: Vec<&str> = big["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "https://liberation.fr/b",
            "https://lemonde.fr/a",
            "https://liberation.fr/c"
        ]
    );
    let copy = &big["reports"][2];
    let mut keys: Vec<&String> = copy.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["copy_of", "outlet", "published", "title", "url"]);
    assert_eq!(copy["copy_of"], "https://lemonde.fr/a");
    assert_eq!(copy["outlet"], "liberation");
    assert_eq!(copy["published"], "2024-07-16T13:00:00Z");
    assert_eq!(big["reports"][0]["copy_of"], Value::Null);
    // Same store, same bytes.
    let again = newsfold(&["dump", "--store", db.to_str().unwrap()], tmp.path());
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn json_is_one_array_of_the_same_stories() {
    let tmp = tempfile::tempdir().unwrap();
    july_store(tmp.path());
    let store = tmp.path().to_str().unwrap();
    let jsonl = lines_as_json(&stdout(&newsfold(&["dump", "--store", store], tmp.path())));
    let out = newsfold(&["dump", "--store", store, "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(0));
    let array: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(array, Value::Array(jsonl));
}

#[test]
fn markdown_has_a_heading_counts_and_indented_copies() {
    let tmp = tempfile::tempdir().unwrap();
    july_store(tmp.path());
    let out = newsfold(
        &[
            "dump",
            "--store",
            tmp.path().to_str().unwrap(),
            "--format",
            "markdown",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("## Title of https://lemonde.fr/a\n\n3 reports from 2 outlets · first seen 2024-07-16 10:00 UTC · last seen 2024-07-16 13:00 UTC · story s-big\n"), "{text}");
    assert!(text.contains("\n- **lemonde** · 2024-07-16 10:00 UTC · Title of https://lemonde.fr/a <https://lemonde.fr/a>\n  - copy · **liberation** · 2024-07-16 13:00 UTC"), "{text}");
    assert!(
        text.contains("## Title of https://ouest-france.fr/o\n\n1 report from 1 outlet · "),
        "{text}"
    );
}

#[test]
fn since_and_min_reports_filter_stories() {
    let tmp = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let recent = record(
        "a",
        "https://a.example/recent",
        "s-recent",
        now - Duration::hours(2),
        "Récent.",
    );
    let week = record(
        "a",
        "https://a.example/week",
        "s-week",
        now - Duration::days(3),
        "Semaine.",
    );
    let mut week2 = record(
        "b",
        "https://b.example/week",
        "s-week",
        now - Duration::days(3),
        "Semaine bis.",
    );
    week2.fetched_at = now - Duration::days(3);
    let old = record("a", "https://a.example/old", "s-old", july(0), "Vieux.");
    fill(tmp.path(), &[recent, week, week2, old]);
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["dump", "--store", tmp.path().to_str().unwrap()];
        all.extend_from_slice(args);
        let out = newsfold(&all, tmp.path());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        lines_as_json(&stdout(&out))
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&["--since", "36h"]), ["s-recent"]);
    assert_eq!(ids(&["--since", "7d"]), ["s-recent", "s-week"]);
    assert_eq!(ids(&["--min-reports", "2"]), ["s-week"]);
    assert_eq!(ids(&[]), ["s-recent", "s-week", "s-old"]);
    assert_prints_nothing_and_says(
        tmp.path(),
        &["--min-reports", "9"],
        "no story matches --since / --min-reports",
    );
}

#[test]
fn an_empty_store_says_it_has_no_stories_yet() {
    // What the README's main job shows on a machine that cannot reach the outlets.
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path(), &[]);
    assert_prints_nothing_and_says(tmp.path(), &[], "the store holds no stories yet");
}

/// `dump` over the store in `dir` with `args` exits 0, prints no story, and says `note`.
fn assert_prints_nothing_and_says(dir: &Path, args: &[&str], note: &str) {
    let mut all = vec!["dump", "--store", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = newsfold(&all, dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains(note), "{}", stderr(&out));
}

#[test]
fn usage_and_store_errors_have_their_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    july_store(&tmp.path().join("db"));
    let store = tmp.path().join("db");
    let store = store.to_str().unwrap();
    let out = newsfold(&["dump", "--store", store, "--since", "soon"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--since: \"soon\" is not a duration like 90m, 36h or 7d"),
        "{}",
        stderr(&out)
    );
    let out = newsfold(&["dump", "--store", store, "--format", "yaml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let out = newsfold(&["dump", "--store", "nowhere"], tmp.path());
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("no store at nowhere"),
        "{}",
        stderr(&out)
    );
    assert!(
        !tmp.path().join("nowhere").exists(),
        "a read must not create a store"
    );
    let out = newsfold(&["dump", "--config", "missing.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("reading missing.toml"),
        "{}",
        stderr(&out)
    );
    // Without --store, the store of ./feeds.toml.
    std::fs::write(
        tmp.path().join("feeds.toml"),
        "[settings]\nstore = \"db\"\n",
    )
    .unwrap();
    let out = newsfold(&["dump"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 3);
}

#[test]
fn busy_store_makes_dump_and_check_wait_then_exit_3_naming_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    july_store(&db);
    std::fs::write(
        tmp.path().join("feeds.toml"),
        "[settings]\nstore = \"db\"\nlock_wait_secs = 0.3\n",
    )
    .unwrap();
    let (_guard, mut out) = spawn_child(&format!("hold:{}", db.display()));
    let pid = wait_for(&mut out, "HOLDING ").expect("child took the store");
    for command in ["dump", "check"] {
        let out = newsfold(&[command], tmp.path());
        assert_eq!(out.status.code(), Some(3), "{command}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("store db is in use by pid {pid} (")),
            "{err}"
        );
        assert!(err.contains("gave up after waiting 0.3s"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn closed_pipe_ends_dump_with_status_0() {
    let tmp = tempfile::tempdir().unwrap();
    let records: Vec<StoredArticle> = (0..600)
        .map(|i| {
            record(
                "a",
                &format!("https://a.example/{i}"),
                &format!("s-{i}"),
                july(i % 48),
                &format!("Texte {i}."),
            )
        })
        .collect();
    fill(tmp.path(), &records);
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .args([
            "dump",
            "--format",
            "markdown",
            "--store",
            tmp.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe: the 600 stories do not fit in its buffer.
    let mut first = String::new();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut reader, &mut first).unwrap();
    assert!(first.starts_with("## Title of"), "{first}");
    drop(reader);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn check_prints_counts_and_fails_with_4_on_damage() {
    let tmp = tempfile::tempdir().unwrap();
    july_store(tmp.path());
    {
        let store = open_store(tmp.path());
        // Feed states as ingest saves them: one healthy, one failing twice in a row.
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let error = newsfold::fetch::FetchError::Status {
            url: "https://lefigaro.fr/rss".into(),
            status: 500,
            retry_after: None,
        };
        let mut healthy = newsfold::fetch::FeedState::default();
        healthy.record_failure(at("2026-11-21T05:00:00.123456Z"), &error);
        healthy.record_success(at("2026-11-22T05:00:00.5Z"), None, None, true);
        let mut failing = newsfold::fetch::FeedState::default();
        failing.record_failure(at("2026-11-21T05:00:00Z"), &error);
        failing.record_failure(at("2026-11-22T05:00:00Z"), &error);
        for (url, state) in [
            ("https://lemonde.fr/rss", healthy),
            ("https://lefigaro.fr/rss", failing),
        ] {
            let value = serde_json::to_value(&state).unwrap();
            store.put_state("feed", url, &value).unwrap();
        }
    }
    let path = tmp.path().to_str().unwrap();
    let out = newsfold(&["check", "--store", path], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in ["consistent (schema 2)", "outlets       3\n", "feeds         2 (1 failing)\n", "articles      5\n", "copies        1\n", "stories       3\n", "feed https://lemonde.fr/rss: last success 2026-11-22T05:00:00Z, last failure 2026-11-21T05:00:00Z\n", "feed https://lefigaro.fr/rss: last success never, last failure 2026-11-22T05:00:00Z (2 in a row: "] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    {
        let store = open_store(tmp.path());
        store
            .db()
            .open_tree("stories")
            .unwrap()
            .remove(b"s-mid")
            .unwrap();
        store.flush().unwrap();
    }
    let out = newsfold(&["check", "--store", path], tmp.path());
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stdout(&out).contains("problem: article "),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("is inconsistent: 2 problems"),
        "{}",
        stderr(&out)
    );
}

#[test]
#[ignore = "child process of other tests (needs NEWSFOLD_TEST_CHILD)"]
fn child_process() {
    let task = std::env::var(CHILD_ENV).expect("run by the busy-store test");
    match task.split_once(':') {
        Some(("hold", dir)) => store_common::hold_store(Path::new(dir)),
        _ => panic!("unknown child task {task}"),
    }
}
