//! `newsfold ingest` with a broken `feeds.toml` (issue 2: "unknown keys and bad values are
//! errors that name the file, line and key"; exit 2, nothing done): one line on stderr
//! that a cron mail shows whole, and no store created.

use std::path::Path;
use std::process::{Command, Output};

fn ingest(dir: &Path, config: &str, extra: &[&str]) -> Output {
    let path = dir.join("feeds.toml");
    std::fs::write(&path, config).expect("write config");
    Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .current_dir(dir)
        .args(extra)
        .args(["ingest", "--config"])
        .arg(&path)
        .output()
        .expect("run newsfold")
}

/// Runs `ingest` on `config` and returns its one stderr line, after checking the status
/// (2), the file name in the line and that no store was made.
fn refused(config: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = ingest(dir.path(), config, &[]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let file = dir.path().join("feeds.toml");
    assert!(
        err.starts_with(&format!("newsfold: {}: ", file.display())),
        "names the file: {err}"
    );
    assert!(
        !dir.path().join("newsfold.db").exists(),
        "no store made for a bad config"
    );
    err
}

const OUTLET: &str = "[[outlet]]\nname = \"Le Quotidien\"\nfeeds = [\"http://127.0.0.1:9/rss\"]\n";

#[test]
fn unknown_key_names_line_and_key() {
    let err = refused(&format!("[settings]\nconcurency = 4\n\n{OUTLET}"));
    assert!(
        err.contains("line 2, key concurency: unknown field `concurency`"),
        "{err}"
    );
    let err = refused(&format!(
        "{OUTLET}sitemap = [\"http://127.0.0.1:9/s.xml\"]\n"
    ));
    assert!(err.contains("line 4, key sitemap: unknown field"), "{err}");
}

#[test]
fn wrong_type_names_line_and_key() {
    let err = refused(&format!("[settings]\ntimeout_secs = \"30s\"\n\n{OUTLET}"));
    assert!(err.contains("line 2, key timeout_secs: "), "{err}");
}

#[test]
fn toml_syntax_error_names_the_line() {
    let err = refused(&format!("{OUTLET}lang = \"fr\n"));
    assert!(err.contains("line 4"), "{err}");
}

#[test]
fn bad_values_name_line_and_key() {
    let err = refused(&format!(
        "[settings]\nstore = \"x\"\nper_host_delay_secs = -2\n\n{OUTLET}"
    ));
    assert!(
        err.contains("line 3: settings.per_host_delay_secs: -2 is not a number of seconds"),
        "{err}"
    );
    let err = refused(
        "[[outlet]]\nname = \"A\"\nfeeds = [\"http://127.0.0.1:9/rss\"]\n\n[[outlet]]\nname = \"B\"\nfeeds = [\n  \"http://127.0.0.1:9/b\",\n  \"file:///etc/passwd\",\n]\nlang = \"fr\"\n",
    );
    assert!(
        err.contains("line 7: outlet \"B\".feeds[1]: \"file:///etc/passwd\": scheme file is not http or https"),
        "{err}"
    );
    let err = refused(&format!("{OUTLET}lang = \"French\"\n"));
    assert!(
        err.contains("line 4: outlet \"Le Quotidien\".lang: "),
        "{err}"
    );
}

#[test]
fn missing_file_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .current_dir(dir.path())
        .args(["ingest", "--config", "nowhere.toml"])
        .output()
        .expect("run newsfold");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("newsfold: reading nowhere.toml: "), "{err}");
}

#[test]
fn json_log_format_carries_the_same_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = ingest(
        dir.path(),
        &format!("[settings]\nconcurency = 4\n\n{OUTLET}"),
        &["--log-format", "json"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(err.trim()).expect("one JSON line");
    assert_eq!(v["level"], "ERROR");
    let message = v["fields"]["message"].as_str().unwrap_or("");
    assert!(message.contains("line 2, key concurency"), "{message}");
}
