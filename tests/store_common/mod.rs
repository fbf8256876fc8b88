//! Shared by `tests/store.rs` and `tests/cli_dump.rs`: article records built through the
//! library API, and child processes (this test binary run again) that hold a store.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use newsfold::model::{Article, DateSource, Dated};
use newsfold::store::{Access, Store, StoredArticle};

/// The env var that turns the ignored `child_process` test into a child's main.
pub const CHILD_ENV: &str = "NEWSFOLD_TEST_CHILD";

/// A date in July 2024, `hour` hours after midnight on the 16th.
pub fn july(hour: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 7, 16, 0, 0, 0).unwrap() + chrono::Duration::hours(hour)
}

/// A record for `url` of `outlet` in `story`, published at `published`, with `text`.
pub fn record(
    outlet: &str,
    url: &str,
    story: &str,
    published: DateTime<Utc>,
    text: &str,
) -> StoredArticle {
    let article = Article {
        url: Some(url.to_string()),
        canonical_url: Some(url.to_string()),
        title: Some(format!("Title of {url}")),
        published: Some(Dated {
            at: published,
            source: DateSource::Meta,
        }),
        lang: Some("fr".into()),
        paragraphs: text.lines().map(str::to_string).collect(),
        ..Article::default()
    };
    let mut r = StoredArticle::from_article(
        &article,
        outlet,
        url,
        url,
        published + chrono::Duration::minutes(5),
    );
    r.story = story.to_string();
    r
}

/// A running child process; killed (SIGKILL) and reaped when dropped.
pub struct ChildGuard {
    pub child: Child,
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs this test binary again as `child_process` with `CHILD_ENV=task`.
pub fn spawn_child(task: &str) -> (ChildGuard, BufReader<ChildStdout>) {
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, task)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawning the child test process");
    let stdout = child.stdout.take().expect("child stdout");
    (ChildGuard { child }, BufReader::new(stdout))
}

/// Reads the child's stdout until a line contains `marker`; returns the text after it.
/// libtest prints its own words before ours on the same line, hence "contains".
pub fn wait_for(out: &mut BufReader<ChildStdout>, marker: &str) -> Option<String> {
    let mut line = String::new();
    loop {
        line.clear();
        match out.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {
                if let Some((_, rest)) = line.split_once(marker) {
                    return Some(rest.trim().to_string());
                }
            }
        }
    }
}

/// Child task `hold:<dir>`: opens the store, says `HOLDING <pid>`, and sleeps until killed.
pub fn hold_store(dir: &Path) {
    let store = Store::open(dir, Access::Wait(Duration::from_secs(10))).expect("child opens store");
    println!("HOLDING {}", std::process::id());
    std::thread::sleep(Duration::from_secs(60));
    drop(store);
}

/// Opens `dir` for a test, waiting a little: tests run in parallel threads that spawn
/// processes, and a child forked at the wrong moment holds a copy of another test's lock
/// file descriptor until it execs, so an `Exclusive` open right after a close can see a
/// busy store that is not (ingest itself never forks).
pub fn open_store(dir: &Path) -> Store {
    Store::open(dir, Access::Wait(Duration::from_secs(10))).expect("opening the test store")
}
