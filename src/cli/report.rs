//! What a command tells the person or the log collector: per-item failures (once each,
//! with URL and reason), notes, and the one summary line of a run, as text or JSON lines
//! on stderr, plus a progress bar when stderr is a terminal.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use super::LogFormat;

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
            &format!("newsfold: {what} {url}: {reason}"),
            json!({"level": "error", "event": "failed", "what": what, "url": url, "reason": reason}),
        );
    }

    /// Something worth a line that is not a failure.
    pub fn note(&self, message: &str) {
        self.emit(
            &format!("newsfold: {message}"),
            json!({"level": "info", "event": "note", "message": message}),
        );
    }

    /// The run's summary: a text line, or the fields as one JSON object.
    pub fn summary(&self, text: &str, fields: Value) {
        let mut object = json!({"level": "info", "event": "summary", "message": text});
        if let (Some(o), Value::Object(f)) = (object.as_object_mut(), fields) {
            o.extend(f);
        }
        self.emit(&format!("newsfold: {text}"), object);
    }

    fn emit(&self, text: &str, object: Value) {
        let line = match self.format {
            LogFormat::Text => text.to_string(),
            LogFormat::Json => object.to_string(),
        };
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln_safe(&line)),
            None => eprintln_safe(&line),
        }
    }
}

/// Writes a line to stderr, ignoring a closed stderr rather than panicking.
fn eprintln_safe(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
