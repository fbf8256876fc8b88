//! The sled store on a real temporary directory: round trips, duplicates, ops, schema,
//! the lock between processes, and SIGKILL in the middle of commits.

mod store_common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use newsfold::boilerplate::TemplateCounts;
use newsfold::store::{
    article_id, Access, CommitOutcome, Op, Store, StoreError, StoryFilter, SCHEMA_VERSION,
};
use store_common::{july, record, spawn_child, wait_for, CHILD_ENV};

fn open(dir: &Path) -> Store {
    store_common::open_store(dir)
}

#[test]
fn commit_then_reopen_keeps_article_indexes_story_and_state() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = record(
        "lemonde",
        "https://lemonde.fr/a",
        "s-1",
        july(2),
        "Un.\nDeux.",
    );
    a.url = "https://lemonde.fr/a?utm_source=rss".into();
    a.fingerprints = vec![7, 9, 7];
    let b = record(
        "liberation",
        "https://liberation.fr/b",
        "s-1",
        july(5),
        "Autre.",
    );
    let mut c = record(
        "ouest",
        "https://ouest-france.fr/c",
        "s-1",
        july(6),
        "Un.\nDeux.",
    );
    c.copy_of = Some(a.id.clone());
    {
        let store = open(tmp.path());
        for r in [&a, &b, &c] {
            assert_eq!(store.commit_article(r, &[]).unwrap(), CommitOutcome::Stored);
        }
        store
            .put_state(
                "feed",
                "https://lemonde.fr/rss",
                &serde_json::json!({"etag": "x1"}),
            )
            .unwrap();
    }
    let store = open(tmp.path());
    assert_eq!(store.article(&a.id).unwrap().as_ref(), Some(&a));
    assert!(store.contains_url("https://lemonde.fr/a").unwrap());
    assert!(store
        .contains_url("https://lemonde.fr/a?utm_source=rss")
        .unwrap());
    assert!(!store.contains_url("https://lemonde.fr/zzz").unwrap());
    assert_eq!(store.id_for_hash(&a.body_hash).unwrap(), Some(a.id.clone()));
    assert_eq!(store.templates().articles_with("lemonde", 7), 1);
    assert_eq!(store.templates().articles_with("liberation", 7), 0);
    let state: serde_json::Value = store
        .get_state("feed", "https://lemonde.fr/rss")
        .unwrap()
        .unwrap();
    assert_eq!(state["etag"], "x1");

    let stories = store.stories(&StoryFilter::default()).unwrap();
    assert_eq!(stories.len(), 1);
    let s = &stories[0];
    assert_eq!(
        (s.first_seen, s.last_seen, s.outlets),
        (july(2), july(6), 3)
    );
    assert_eq!(s.title.as_deref(), Some("Title of https://lemonde.fr/a"));
    // Newest first, the copy folded under its original.
    let order: Vec<&str> = s.reports.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        order,
        [
            "https://liberation.fr/b",
            "https://lemonde.fr/a",
            "https://ouest-france.fr/c"
        ]
    );
    assert_eq!(
        s.reports[2].copy_of.as_deref(),
        Some("https://lemonde.fr/a")
    );

    let report = store.check().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(
        (
            report.articles,
            report.copies,
            report.stories,
            report.outlets
        ),
        (3, 1, 1, 3)
    );
    assert!(report.bytes_on_disk > 0);
}

#[test]
fn duplicate_canonical_url_is_a_no_op() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let first = record("a", "https://a.example/1", "s-1", july(1), "Premier texte.");
    store.commit_article(&first, &[]).unwrap();
    let mut again = record("a", "https://a.example/1", "s-2", july(3), "Texte changé.");
    again.fingerprints = vec![1];
    let ops = [Op::Add {
        tree: "t_counts",
        key: b"k".to_vec(),
        delta: 5,
    }];
    let outcome = store.commit_article(&again, &ops).unwrap();
    assert_eq!(
        outcome,
        CommitOutcome::AlreadyStored {
            id: first.id.clone()
        }
    );
    assert_eq!(
        store.article(&first.id).unwrap().unwrap().text,
        "Premier texte."
    );
    assert_eq!(
        store.db().open_tree("t_counts").unwrap().get(b"k").unwrap(),
        None
    );
    assert_eq!(store.stories(&StoryFilter::default()).unwrap().len(), 1);
    assert!(store.check().unwrap().is_consistent());
}

#[test]
fn ops_apply_with_the_article_and_counters_stop_at_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let db = store.db().clone();
    db.open_tree("t_terms")
        .unwrap()
        .insert(b"gone", b"x")
        .unwrap();
    let ops = [
        Op::Put {
            tree: "t_terms",
            key: b"asad".to_vec(),
            value: b"s-1".to_vec(),
        },
        Op::Delete {
            tree: "t_terms",
            key: b"gone".to_vec(),
        },
        Op::Add {
            tree: "t_df",
            key: b"asad".to_vec(),
            delta: 3,
        },
        Op::Add {
            tree: "t_df",
            key: b"asad".to_vec(),
            delta: -1,
        },
        Op::Add {
            tree: "t_df",
            key: b"other".to_vec(),
            delta: -4,
        },
    ];
    let r = record("a", "https://a.example/1", "s-1", july(1), "Texte.");
    store.commit_article(&r, &ops).unwrap();
    let terms = db.open_tree("t_terms").unwrap();
    let df = db.open_tree("t_df").unwrap();
    assert_eq!(terms.get(b"asad").unwrap().as_deref(), Some(&b"s-1"[..]));
    assert_eq!(terms.get(b"gone").unwrap(), None);
    assert_eq!(
        df.get(b"asad").unwrap().as_deref(),
        Some(&2u64.to_be_bytes()[..])
    );
    assert_eq!(
        df.get(b"other").unwrap().as_deref(),
        Some(&0u64.to_be_bytes()[..])
    );
}

#[test]
fn refused_commits_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let r = record("a", "https://a.example/1", "s-1", july(1), "Texte.");
    let on_store_tree = [Op::Put {
        tree: "urls",
        key: b"x".to_vec(),
        value: b"y".to_vec(),
    }];
    let err = store
        .commit_article(&r, &on_store_tree)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("may not write the store's own tree urls"),
        "{err}"
    );
    let mut copy = record("a", "https://a.example/2", "s-1", july(1), "Texte.");
    copy.copy_of = Some("0000000000000000".into());
    let ops = [Op::Add {
        tree: "t_df",
        key: b"k".to_vec(),
        delta: 1,
    }];
    let err = store.commit_article(&copy, &ops).unwrap_err().to_string();
    assert!(
        err.contains("copy_of names 0000000000000000, which is not stored"),
        "{err}"
    );
    assert!(err.contains(&tmp.path().display().to_string()), "{err}");
    assert!(!store.contains_url("https://a.example/2").unwrap());
    assert_eq!(
        store.db().open_tree("t_df").unwrap().get(b"k").unwrap(),
        None
    );
    assert_eq!(store.check().unwrap().articles, 0);
}

#[test]
fn add_alias_indexes_a_new_url_once() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let r = record("a", "https://a.example/1", "s-1", july(1), "Texte.");
    store.commit_article(&r, &[]).unwrap();
    assert!(store.add_alias("https://a.example/1?amp=1", &r.id).unwrap());
    assert!(!store.add_alias("https://a.example/1?amp=1", &r.id).unwrap());
    assert!(!store
        .add_alias("https://a.example/x", "ffffffffffffffff")
        .unwrap());
    assert_eq!(
        store.id_for_url("https://a.example/1?amp=1").unwrap(),
        Some(r.id.clone())
    );
    assert_eq!(
        store.article(&r.id).unwrap().unwrap().aliases,
        ["https://a.example/1?amp=1"]
    );
    assert!(store.check().unwrap().is_consistent());
}

#[test]
fn check_reports_a_damaged_index() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let r = record("a", "https://a.example/1", "s-1", july(1), "Texte.");
    store.commit_article(&r, &[]).unwrap();
    // Damage written behind the store's back, as a bug or a foreign tool would.
    let db = store.db();
    db.open_tree("urls")
        .unwrap()
        .remove(r.canonical_url.as_bytes())
        .unwrap();
    db.open_tree("hashes")
        .unwrap()
        .insert(b"feed", b"0123456789abcdef")
        .unwrap();
    db.open_tree("meta")
        .unwrap()
        .insert(b"stories", &5u64.to_be_bytes())
        .unwrap();
    let report = store.check().unwrap();
    assert!(!report.is_consistent());
    let all = report.problems.join("\n");
    assert!(
        all.contains("canonical url https://a.example/1 does not lead to it"),
        "{all}"
    );
    assert!(
        all.contains("body hash feed points at missing article 0123456789abcdef"),
        "{all}"
    );
    assert!(
        all.contains("counter stories says Some(5), the store holds 1"),
        "{all}"
    );
    assert_eq!(report.problem_count, 3, "{all}");
}

#[test]
fn check_reports_a_story_summary_that_disagrees_with_its_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    store
        .commit_article(
            &record("a", "https://a.example/1", "s-1", july(1), "Un."),
            &[],
        )
        .unwrap();
    store
        .commit_article(
            &record("b", "https://b.example/2", "s-1", july(4), "Deux."),
            &[],
        )
        .unwrap();
    let stories = store.db().open_tree("stories").unwrap();
    let mut summary: serde_json::Value =
        serde_json::from_slice(&stories.get(b"s-1").unwrap().unwrap()).unwrap();
    summary["outlets"] = serde_json::json!(["a"]);
    summary["last_seen"] = serde_json::json!("2030-01-01T00:00:00Z");
    stories
        .insert(b"s-1", serde_json::to_vec(&summary).unwrap())
        .unwrap();
    let report = store.check().unwrap();
    let all = report.problems.join("\n");
    assert!(
        all.contains("story s-1: outlets [\"a\"] differ from its reports' {\"a\", \"b\"}"),
        "{all}"
    );
    assert!(all.contains("story s-1: first/last seen"), "{all}");
    assert_eq!(report.problem_count, 2, "{all}");
}

#[test]
fn a_foreign_sled_lock_on_the_store_reads_as_busy() {
    let tmp = tempfile::tempdir().unwrap();
    // sled's own lock, taken by something that is not newsfold (no newsfold.lock held).
    let foreign = sled::open(tmp.path()).unwrap();
    let err = Store::open(tmp.path(), Access::Exclusive).unwrap_err();
    assert!(err.is_busy(), "{err}");
    assert!(
        err.to_string().contains("is in use by another process"),
        "{err}"
    );
    drop(foreign);
}

#[test]
fn threads_committing_into_the_same_stories_lose_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    // Store is Send + Sync: ingest may share it between tasks.
    std::thread::scope(|scope| {
        for t in 0..4 {
            let store = &store;
            scope.spawn(move || {
                for i in 0..40 {
                    let url = format!("https://t{t}.example/{i}");
                    let r = record(
                        &format!("o{t}"),
                        &url,
                        &format!("s-{}", i % 5),
                        july(i),
                        &url,
                    );
                    let ops = [Op::Add {
                        tree: "t_total",
                        key: b"n".to_vec(),
                        delta: 1,
                    }];
                    assert_eq!(
                        store.commit_article(&r, &ops).unwrap(),
                        CommitOutcome::Stored
                    );
                }
            });
        }
    });
    let report = store.check().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(
        (report.articles, report.stories, report.outlets),
        (160, 5, 4)
    );
    let stories = store
        .stories(&StoryFilter {
            since: None,
            min_reports: 32,
        })
        .unwrap();
    assert_eq!(stories.len(), 5);
    assert!(stories
        .iter()
        .all(|s| s.reports.len() == 32 && s.outlets == 4));
    let n = store
        .db()
        .open_tree("t_total")
        .unwrap()
        .get(b"n")
        .unwrap()
        .unwrap();
    assert_eq!(n.as_ref(), 160u64.to_be_bytes());
}

#[test]
fn newer_schema_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let store = open(tmp.path());
        let meta = store.db().open_tree("meta").unwrap();
        assert_eq!(
            meta.get(b"schema").unwrap().as_deref(),
            Some(&SCHEMA_VERSION.to_be_bytes()[..])
        );
        meta.insert(b"schema", &99u32.to_be_bytes()).unwrap();
        store.flush().unwrap();
    }
    let err = Store::open(tmp.path(), Access::Exclusive).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade newsfold"), "{err}");
}

#[test]
fn older_schema_is_refused_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let store = open(tmp.path());
        let meta = store.db().open_tree("meta").unwrap();
        meta.insert(b"schema", &(SCHEMA_VERSION - 1).to_be_bytes())
            .unwrap();
        store.flush().unwrap();
    }
    let err = Store::open(tmp.path(), Access::Exclusive).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooOld { found, .. } if found == SCHEMA_VERSION - 1),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("move it aside and run `newsfold ingest`"),
        "{err}"
    );
}

#[test]
fn second_process_gets_busy_with_the_holders_pid_and_a_killed_holder_does_not_block() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut guard, mut out) = spawn_child(&format!("hold:{}", tmp.path().display()));
    let pid = wait_for(&mut out, "HOLDING ").expect("child took the store");

    let err = Store::open(tmp.path(), Access::Exclusive).unwrap_err();
    assert!(err.is_busy(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("is in use by pid {pid} (")),
        "{message}"
    );
    assert!(message.contains("started "), "{message}");

    let started = Instant::now();
    let err = Store::open(tmp.path(), Access::Wait(Duration::from_millis(400))).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(
        err.to_string().contains("gave up after waiting 0.4s"),
        "{err}"
    );

    // SIGKILL: the lock file stays behind, the lock does not.
    guard.child.kill().unwrap();
    guard.child.wait().unwrap();
    assert!(tmp.path().join(newsfold::store::LOCK_FILE).exists());
    let store = Store::open(tmp.path(), Access::Wait(Duration::from_secs(2))).unwrap();
    assert!(store.check().unwrap().is_consistent());
}

/// Kill delays in ms after the child's first commit: varied, reproducible.
fn kill_delays(rounds: usize) -> Vec<u64> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..rounds)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 400
        })
        .collect()
}

#[test]
fn sigkill_during_commits_loses_nothing_reported_and_leaves_a_consistent_store() {
    let tmp = tempfile::tempdir().unwrap();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for (round, delay) in kill_delays(6).into_iter().enumerate() {
        let (mut guard, mut out) = spawn_child(&format!("crash:{}:{round}", tmp.path().display()));
        let first = wait_for(&mut out, "COMMITTED ").expect("child committed at least once");
        reported.insert(first);
        std::thread::sleep(Duration::from_millis(delay));
        guard.child.kill().unwrap();
        guard.child.wait().unwrap();
        // The pipe holds every line written before the kill.
        while let Some(id) = wait_for(&mut out, "COMMITTED ") {
            reported.insert(id);
        }
        let store = Store::open(tmp.path(), Access::Wait(Duration::from_secs(10))).unwrap();
        let report = store.check().unwrap();
        assert!(
            report.is_consistent(),
            "round {round}: {:?}",
            report.problems
        );
        for id in &reported {
            assert!(
                store.article(id).unwrap().is_some(),
                "round {round}: lost {id}"
            );
        }
        // The ops went in with their articles, not one more, not one less.
        let total = store
            .db()
            .open_tree("t_crash")
            .unwrap()
            .get(b"total")
            .unwrap();
        let total = total.map_or(0, |v| u64::from_be_bytes(v.as_ref().try_into().unwrap()));
        assert_eq!(total, report.articles, "round {round}");
        eprintln!(
            "round {round}: killed after {delay} ms, {} reported, {} stored",
            reported.len(),
            report.articles
        );
    }
    assert!(
        reported.len() > 6,
        "only {} commits reported",
        reported.len()
    );
}

/// Child task `crash:<dir>:<round>`: commits articles until killed, printing each id
/// once `commit_article` has returned.
fn crash_child(dir: &Path, round: &str) {
    let store = Store::open(dir, Access::Wait(Duration::from_secs(10))).expect("child opens store");
    let mut previous: Option<(String, String)> = None;
    for i in 0u32.. {
        let url = format!("https://crash.example/{round}/{i}");
        let story = format!("s-{round}-{}", i / 3);
        let text = format!("Paragraphe {}.\nSuite.", i / 2);
        let mut r = record("crash", &url, &story, july(i64::from(i % 48)), &text);
        r.fingerprints = vec![u64::from(i % 5), 77];
        if let Some((prev_id, prev_story)) = previous.as_ref().filter(|_| i % 2 == 1) {
            r.copy_of = Some(prev_id.clone());
            r.story = prev_story.clone();
        }
        let ops = [
            Op::Add {
                tree: "t_crash",
                key: b"total".to_vec(),
                delta: 1,
            },
            Op::Put {
                tree: "t_seen",
                key: r.id.clone().into_bytes(),
                value: vec![1],
            },
        ];
        store.commit_article(&r, &ops).expect("child commit");
        println!("COMMITTED {}", r.id);
        previous = Some((r.id.clone(), r.story.clone()));
        assert_eq!(r.id, article_id(&url));
    }
}

#[test]
#[ignore = "child process of other tests (needs NEWSFOLD_TEST_CHILD)"]
fn child_process() {
    let task = std::env::var(CHILD_ENV).expect("run by the lock and crash tests");
    let mut parts = task.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("hold"), Some(dir), None) => store_common::hold_store(Path::new(dir)),
        (Some("crash"), Some(dir), Some(round)) => crash_child(Path::new(dir), round),
        _ => panic!("unknown child task {task}"),
    }
}
