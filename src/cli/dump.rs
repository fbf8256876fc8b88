//! `newsfold dump`: the clustered stories, newest first, as JSONL, JSON or Markdown.
//!
//! Reads the store (waiting up to `lock_wait` for a running ingest) through
//! [`Store::stories`]; formats only. A closed pipe (`dump | head`) ends quietly with 0.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{open_store_to_read, store_failure, DumpFormat, Exit};
use crate::store::{StoryFilter, StoryView};

/// Prints the stories.
pub fn run(
    config: Option<&Path>,
    store: Option<PathBuf>,
    format: DumpFormat,
    since: Option<&str>,
    min_reports: usize,
) -> Exit {
    let since = match since.map(parse_duration).transpose() {
        Ok(d) => d.map(|d| Utc::now() - d),
        Err(e) => {
            super::report::error(&format!("--since: {e}"));
            return Exit::Usage;
        }
    };
    let (_settings, store) = match open_store_to_read(config, store) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    // A run stopped between its last article and the refinement leaves one-pass stories.
    if store.refinement_due().unwrap_or(false) {
        super::report::note(
            "the stories do not take the latest articles' refinement into account (the last run stopped before it); the next ingest settles them",
        );
    }
    let filter = StoryFilter { since, min_reports };
    let stories = match store.stories(&filter) {
        Ok(s) => s,
        Err(e) => return store_failure(&e),
    };
    if stories.is_empty() {
        // Say why stdout is empty: the formats print nothing (or `[]`) for no stories.
        super::report::note(if since.is_some() || min_reports > 1 {
            "no story matches --since / --min-reports"
        } else {
            "the store holds no stories yet (`newsfold ingest` fills it)"
        });
    }
    // The lock is not needed while printing to a slow reader.
    drop(store);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match write_stories(&mut out, format, &stories).and_then(|()| out.flush()) {
        Ok(()) => Exit::Ok,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(e) => {
            super::report::error(&format!("writing stories: {e}"));
            Exit::Fatal
        }
    }
}

/// Writes `stories` in `format`.
pub fn write_stories(
    out: &mut dyn Write,
    format: DumpFormat,
    stories: &[StoryView],
) -> io::Result<()> {
    match format {
        DumpFormat::Jsonl => {
            for story in stories {
                serde_json::to_writer(&mut *out, story)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        DumpFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, stories)?;
            out.write_all(b"\n")
        }
        DumpFormat::Markdown => stories.iter().try_for_each(|s| write_markdown(out, s)),
    }
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// One story: a heading, a line of counts and dates, then its reports, copies indented.
fn write_markdown(out: &mut dyn Write, story: &StoryView) -> io::Result<()> {
    let title = story.title.as_deref().unwrap_or("(untitled)");
    writeln!(out, "## {}\n", one_line(title))?;
    let reports = story.reports.len();
    writeln!(
        out,
        "{reports} report{} from {} outlet{} · first seen {} · last seen {} · story {}\n",
        if reports == 1 { "" } else { "s" },
        story.outlets,
        if story.outlets == 1 { "" } else { "s" },
        minute(story.first_seen),
        minute(story.last_seen),
        story.id
    )?;
    for r in &story.reports {
        let indent = "  ".repeat(r.depth);
        let copy = if r.copy_of.is_some() { "copy · " } else { "" };
        let date = r.published.map(minute).unwrap_or_else(|| "undated".into());
        let title = match r.title.as_deref().map(one_line) {
            Some(t) if !t.is_empty() => format!("{t} "),
            _ => String::new(),
        };
        writeln!(
            out,
            "{indent}- {copy}**{}** · {date} · {title}<{}>",
            r.outlet, r.url
        )?;
    }
    writeln!(out)
}

/// Text on one line, so a title cannot break the Markdown structure.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses a duration like `90m`, `36h`, `7d`, `2w` or `1h30m` (units s, m, h, d, w).
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let bad = || format!("{text:?} is not a duration like 90m, 36h or 7d");
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .filter(|s| *s <= 100 * 365 * 86_400)
            .ok_or_else(|| format!("{text:?} is longer than a hundred years"))?;
    }
    if !digits.is_empty() || text.trim().is_empty() {
        return Err(bad());
    }
    Ok(chrono::Duration::seconds(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_of_an_untitled_undated_report_has_no_empty_fields() {
        let at = chrono::DateTime::from_timestamp(1_721_088_000, 0).unwrap();
        let story = StoryView {
            id: "s-1".into(),
            title: None,
            first_seen: at,
            last_seen: at,
            outlets: 1,
            reports: vec![crate::store::ReportView {
                id: "a".into(),
                url: "https://a.example/1".into(),
                outlet: "a".into(),
                title: Some("  ".into()),
                published: None,
                copy_of: None,
                depth: 0,
            }],
        };
        let mut out = Vec::new();
        write_stories(&mut out, DumpFormat::Markdown, &[story]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "## (untitled)\n\n1 report from 1 outlet · first seen 2024-07-16 00:00 UTC · \
             last seen 2024-07-16 00:00 UTC · story s-1\n\n- **a** · undated · <https://a.example/1>\n\n"
        );
    }

    #[test]
    fn durations_in_every_unit_and_combined() {
        let secs = |t| parse_duration(t).map(|d| d.num_seconds());
        assert_eq!(secs("90m"), Ok(5400));
        assert_eq!(secs("36h"), Ok(129_600));
        assert_eq!(secs("7d"), Ok(604_800));
        assert_eq!(secs("2w"), Ok(1_209_600));
        assert_eq!(secs("1h30m"), Ok(5400));
        assert_eq!(secs("45s"), Ok(45));
    }

    #[test]
    fn bad_durations_say_what_is_expected() {
        for bad in ["", "7", "d", "-1h", "1y", "1.5h", "h1", "1 h"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("is not a duration like 90m"), "{bad}: {err}");
        }
        let err = parse_duration("99999999999999d").unwrap_err();
        assert!(err.contains("longer than a hundred years"), "{err}");
    }
}
