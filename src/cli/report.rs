//! What a command tells the person or the log collector: per-item failures (once each,
//! with URL and reason), notes, and the one summary line of a run, as text or JSON lines
//! on stderr, plus a progress bar when stderr is a terminal.
//!
//! With `--log-format json` every stderr line is one JSON object of the same shape as the
//! tracing events (`tracing_subscriber`'s JSON format, which `cli::init_logging` sets up
//! without span fields): `{"timestamp", "level", "fields": {"message", ...}, "target"}`.
//! A log collector can then parse every line with one schema: the reporter's lines carry
//! `target` [`TARGET`] and an `event` field (`failed`, `note`, `error`, `summary`).

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Map, Value};

use super::LogFormat;

/// The `target` of the reporter's JSON lines.
pub const TARGET: &str = "newsfold::report";

/// The format chosen on the command line, for messages printed outside a run's reporter.
static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Records the command line's log format (once, at start-up).
pub fn set_format(format: LogFormat) {
    let _ = FORMAT.set(format);
}

/// Prints one error message (`newsfold: message` as text) in the command line's format.
pub fn error(message: &str) {
    let format = FORMAT.get().copied().unwrap_or(LogFormat::Text);
    Reporter::new(format).error(message);
}

/// Prints one note (not a failure) in the command line's format.
pub fn note(message: &str) {
    let format = FORMAT.get().copied().unwrap_or(LogFormat::Text);
    Reporter::new(format).note(message);
}

/// Writes a run's messages to stderr in the chosen format.
pub struct Reporter {
    format: LogFormat,
    bar: Option<ProgressBar>,
}

impl Reporter {
    /// A reporter in `format`.
    pub fn new(format: LogFormat) -> Reporter {
        Reporter { format, bar: None }
    }

    /// Shows a progress bar of `len` steps, only when stderr is a terminal and the format is
    /// text (cron mails and log collectors get no bar).
    pub fn start_progress(&mut self, len: u64, what: &str) {
        if self.format == LogFormat::Text && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(len);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_string());
            self.bar = Some(bar);
        }
    }

    /// Advances the progress bar by one step.
    pub fn step(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Removes the progress bar.
    pub fn finish_progress(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// One item failed: `url` and why.
    pub fn failed(&self, what: &str, url: &str, reason: &str) {
        self.emit(
            "ERROR",
            &format!("{what} {url}: {reason}"),
            json!({"event": "failed", "what": what, "url": url, "reason": reason}),
        );
    }

    /// A failure of the whole command (configuration, store), not of one item.
    pub fn error(&self, message: &str) {
        self.emit("ERROR", message, json!({"event": "error"}));
    }

    /// Something worth a line that is not a failure.
    pub fn note(&self, message: &str) {
        self.emit("INFO", message, json!({"event": "note"}));
    }

    /// The run's summary: a text line, or one JSON line whose `fields` also hold `fields`.
    pub fn summary(&self, text: &str, fields: Value) {
        let mut all = json!({"event": "summary"});
        if let (Some(o), Value::Object(f)) = (all.as_object_mut(), fields) {
            o.extend(f);
        }
        self.emit("INFO", text, all);
    }

    /// Writes `message` as `newsfold: message`, or as one JSON line at `level` whose
    /// `fields` are `message` and `fields`.
    fn emit(&self, level: &str, message: &str, fields: Value) {
        let line = match self.format {
            LogFormat::Text => format!("newsfold: {message}"),
            LogFormat::Json => json_line(level, message, fields),
        };
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln_safe(&line)),
            None => eprintln_safe(&line),
        }
    }
}

/// `message` without a leading `fetching URL: ` naming `url`, which the reporter's line
/// names already (a [`crate::fetch::FetchError`] message starts so).
pub fn reason(url: &str, message: &str) -> String {
    message
        .strip_prefix("fetching ")
        .and_then(|rest| rest.strip_prefix(url))
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(message)
        .to_string()
}

/// One JSON log line in the tracing events' shape.
fn json_line(level: &str, message: &str, fields: Value) -> String {
    let mut all = Map::new();
    all.insert("message".into(), Value::from(message));
    if let Value::Object(f) = fields {
        all.extend(f);
    }
    json!({
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "level": level,
        "fields": all,
        "target": TARGET,
    })
    .to_string()
}

/// Writes a line to stderr, ignoring a closed stderr rather than panicking.
fn eprintln_safe(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_drops_only_the_same_url() {
        let url = "http://127.0.0.1:8/a";
        assert_eq!(
            reason(url, "fetching http://127.0.0.1:8/a: timed out after 1s"),
            "timed out after 1s"
        );
        // A message about another URL (a redirect hop) keeps its URL.
        let other = "fetching http://127.0.0.1:8/b: connection reset";
        assert_eq!(reason(url, other), other);
    }

    #[test]
    fn json_lines_have_the_tracing_shape() {
        let line = json_line(
            "ERROR",
            "feed x: HTTP 500",
            json!({"event": "failed", "url": "x"}),
        );
        let v: Value = serde_json::from_str(&line).expect("json");
        let mut keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["fields", "level", "target", "timestamp"]);
        assert_eq!(v["fields"]["message"], "feed x: HTTP 500");
        assert_eq!(v["fields"]["url"], "x");
        assert_eq!(v["target"], TARGET);
    }
}
